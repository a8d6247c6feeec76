// Test-drive booking end to end: the vehicle page offers the free slots of the
// dealer's opening hours; a booking sends the buyer a confirmation with an .ics
// invitation (received by a real SMTP server and parsed back) and the dealer a
// notice; the same slot again answers 409 with fresh slots; 20 parallel requests for
// one slot (SQLite, and PostgreSQL when CC24_PG_URL is set) give exactly one
// booking; the dealer's day list shows it and cancel frees the slot and sends a
// CANCEL invitation. In Chromium: the slot picker works with the keyboard, looks
// right (screenshots in build/e2e-shots) and has no axe violations.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { smtpServer } from './smtp_util.mjs';
import { startServer, freePort, backends, launchBrowser, SHOTS } from './helpers.mjs';
import { assertAccessible } from './a11y.mjs';

const PASSWORD = 'cc24-Demo-2026';


// "20260615T083000Z" of a Unix time
const icsTime = (s) => new Date(s * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const berlinDay = (s) => new Date(s * 1000).toLocaleDateString('sv-SE', { timeZone: 'Europe/Berlin' });
const slotsOf = (html) => [...html.matchAll(/name="slot" value="(\d+)"/g)].map((m) => Number(m[1]));
const unfold = (s) => s.replace(/\r\n /g, '');

for (const backend of backends()) {
  describe(`test drives (${backend})`, () => {
    let smtp;
    let srv;
    let sql;
    let v;
    let ip = 0;
    // every request from its own address (the lead form allows 5 a minute per address)
    const post = (fields, lang = '') => fetch(`${srv.url}/fahrzeuge/x-${v.id}/anfrage${lang}`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams(fields),
      headers: { 'X-Forwarded-For': `198.51.100.${++ip % 250}` },
    });
    const buyer = (slot, extra = {}) => ({ kind: 'test_drive', name: 'Erika Mustermann', email: 'erika@example.de', phone: '+49 171 1234567', slot: String(slot), ...extra });

    before(async () => {
      smtp = await smtpServer({ auth: false });
      srv = await startServer({
        backend,
        args: ['--trust-proxy'],
        env: {
          CC24_SMTP_URL: `smtp://127.0.0.1:${smtp.port}?starttls=off`,
          CC24_MAIL_FROM: 'cc24 Marktplatz <noreply@cc24.example>',
          CC24_WORKERS: '2',
          CC24_PAGE_CACHE_SECONDS: '10',
        },
      });
      sql = (q) => (backend === 'sqlite'
        ? execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q])
        : execFileSync('psql', [srv.databaseUrl, '-qAtc', q])).toString().trim();
      v = (await (await fetch(srv.url + '/api/v1/vehicles/search?size=1&sort=price_desc')).json()).items[0];
    });
    after(async () => {
      if (srv) await srv.stop();
      if (smtp) await smtp.close();
    });

    test('book a slot: confirmation with .ics, dealer notice, 409 for the same slot, cancel frees it', async () => {
      const page = await (await fetch(`${srv.url}/fahrzeuge/x-${v.id}`)).text();
      assert.match(page, /<fieldset class="field wide td-only slot-picker" id="lead-slot"/);
      assert.match(page, /<legend>Wunschtermin wählen<\/legend>/);
      assert.doesNotMatch(page, /id="lead-preferred_date"/, 'slots replace the date field');
      const slots = slotsOf(page);
      assert.ok(slots.length > 10, `free slots: ${slots.length}`);
      const now = Date.now() / 1000;
      assert.ok(slots[0] >= now + 2 * 3600 - 5, 'at least 2 h ahead');
      assert.ok(slots[slots.length - 1] <= now + 31 * 86400, 'at most 30 days ahead');
      const slot = slots[0];

      // bad input: 422, nothing stored
      let r = await post(buyer('123', { email: 'kein-at' }));
      assert.equal(r.status, 422);
      let html = await r.text();
      assert.match(html, /Dieser Termin ist nicht verfügbar/);
      assert.match(html, /gültige E-Mail-Adresse/);
      r = await post(buyer('', { name: 'Max' }), '?lang=en');
      assert.equal(r.status, 422);
      assert.match(await r.text(), /Please choose a time for the test drive/);
      assert.equal(sql('SELECT COUNT(*) FROM test_drives'), '0');

      r = await post(buyer(slot, { message: 'Gern mit Winterreifen' }));
      assert.equal(r.status, 303);
      assert.match(r.headers.get('location'), new RegExp(`\\?anfrage=gebucht&termin=${slot}#kontakt$`));
      const done = await (await fetch(srv.url + r.headers.get('location').replace('#kontakt', ''))).text();
      assert.match(done, /Ihre Probefahrt ist gebucht:/);
      assert.equal(sql(`SELECT status || '|' || (slot_end - slot_start) FROM test_drives WHERE slot_start = ${slot}`), 'booked|2700');
      assert.equal(sql("SELECT COUNT(*) FROM leads WHERE kind = 'test_drive'"), '1', 'the booking is a lead in the inbox');

      // the buyer's confirmation with the invitation, and the dealer's notice
      const [m] = await smtp.waitFor((x) => x.to.includes('erika@example.de') && /gebucht/.test(x.parsed.subject), 'confirmation');
      const ics = m.parsed.attachments.find((a) => a.filename === 'probefahrt.ics');
      assert.ok(ics, 'an .ics attachment');
      assert.match(ics.contentType, /^text\/calendar/);
      const cal = ics.content.toString('utf8');
      assert.ok(cal.split('\r\n').every((l) => Buffer.byteLength(l) <= 75), 'folded at 75 octets');
      assert.doesNotMatch(cal.replace(/\r\n/g, ''), /\n/, 'CRLF line ends only');
      const u = unfold(cal);
      assert.match(u, /\r\nMETHOD:REQUEST\r\n/);
      assert.match(u, new RegExp(`\\r\\nDTSTART:${icsTime(slot)}\\r\\n`));
      assert.match(u, new RegExp(`\\r\\nDTEND:${icsTime(slot + 2700)}\\r\\n`));
      assert.match(u, /\r\nUID:[0-9a-z]{16}@127\.0\.0\.1\r\n/);
      assert.match(u, /\r\nDTSTAMP:\d{8}T\d{6}Z\r\n/);
      assert.match(u, new RegExp(`\\r\\nSUMMARY:Probefahrt: ${v.make}`));
      assert.match(u, /\r\nORGANIZER;CN="[^"]+":mailto:[^@\r]+@[^\r]+\r\n/);
      assert.match(u, /\r\nLOCATION:[^\r]*\\, \d{5} /, 'the dealer address, commas escaped');
      assert.match(m.parsed.text, /Führerschein/);
      const dealerMail = await smtp.waitFor((x) => /^Probefahrt gebucht: /.test(x.parsed.subject || ''), 'to the dealer');
      assert.match(dealerMail[0].parsed.text, /\/dashboard\/probefahrten\?tag=\d{4}-\d{2}-\d{2}/);
      assert.equal(dealerMail[0].parsed.replyTo.value[0].address, 'erika@example.de');

      // the same slot again: 409 with the fresh slots, nothing else changes
      const leads = sql('SELECT COUNT(*) FROM leads');
      const outbox = sql('SELECT COUNT(*) FROM outbox');
      r = await post(buyer(slot, { name: 'Max Schnell', email: 'max@example.de' }));
      assert.equal(r.status, 409);
      html = await r.text();
      assert.match(html, /Dieser Termin wurde gerade vergeben/);
      assert.ok(!slotsOf(html).includes(slot), 'the taken slot is not offered again');
      assert.ok(slotsOf(html).includes(slots[1]));
      assert.match(html, /value="Max Schnell"/, 'what was typed is kept');
      assert.equal(sql('SELECT COUNT(*) FROM leads'), leads);
      assert.equal(sql('SELECT COUNT(*) FROM outbox'), outbox);
      // the vehicle page (its cache cleared by the booking) no longer offers it
      assert.ok(!slotsOf(await (await fetch(`${srv.url}/fahrzeuge/x-${v.id}`)).text()).includes(slot));

      // the dealer's day list shows it; cancel frees the slot and tells the buyer
      const dealer = sql(`SELECT t.slug FROM tenants t JOIN vehicles v ON v.tenant_id = t.id WHERE v.public_id = '${v.id}'`);
      const login = await fetch(srv.url + '/anmelden', { method: 'POST', redirect: 'manual', body: new URLSearchParams({ email: `owner@${dealer}.demo`, password: PASSWORD }) });
      const cookie = login.headers.get('set-cookie').split(';')[0];
      const day = berlinDay(slot);
      let list = await (await fetch(`${srv.url}/dashboard/probefahrten?tag=${day}`, { headers: { cookie } })).text();
      assert.match(list, /Erika Mustermann/);
      assert.match(list, /href="\/dashboard\/probefahrten"[^>]*aria-current="page"/, 'the navigation marks the page');
      const id = list.match(/action="\/dashboard\/probefahrten\/([0-9a-z]{16})\/absagen"/)[1];
      const csrf = list.match(/name="_csrf" value="([^"]+)"/)[1];
      assert.equal((await fetch(`${srv.url}/dashboard/probefahrten/${id}/absagen`, { method: 'POST', redirect: 'manual', headers: { cookie }, body: new URLSearchParams({}) })).status, 403, 'CSRF token required');
      r = await fetch(`${srv.url}/dashboard/probefahrten/${id}/absagen`, { method: 'POST', redirect: 'manual', headers: { cookie }, body: new URLSearchParams({ _csrf: csrf }) });
      assert.equal(r.status, 303);
      list = await (await fetch(srv.url + r.headers.get('location'), { headers: { cookie } })).text();
      assert.match(list, /Die Probefahrt ist abgesagt/);
      assert.match(list, /abgesagt<\/span>/);
      const [c] = await smtp.waitFor((x) => x.to.includes('erika@example.de') && /abgesagt/.test(x.parsed.subject), 'cancellation');
      const cancel = unfold(c.parsed.attachments.find((a) => a.filename === 'probefahrt.ics').content.toString('utf8'));
      assert.match(cancel, /\r\nMETHOD:CANCEL\r\n/);
      assert.match(cancel, new RegExp(`\\r\\nUID:${id}@`), 'the same UID cancels the event');
      assert.ok(slotsOf(await (await fetch(`${srv.url}/fahrzeuge/x-${v.id}`)).text()).includes(slot), 'free again');
      r = await post(buyer(slot, { name: 'Max Schnell', email: 'max@example.de' }));
      assert.equal(r.status, 303, 'and can be booked again');
    });

    test('20 parallel requests for one slot: exactly one booking', async () => {
      const slots = slotsOf(await (await fetch(`${srv.url}/fahrzeuge/x-${v.id}`)).text());
      const slot = slots[slots.length - 1];
      const before = sql('SELECT COUNT(*) FROM leads');
      const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => post(buyer(slot, { name: `Käufer ${i}`, email: `k${i}@example.de` }))));
      const codes = rs.map((r) => r.status).sort();
      await Promise.all(rs.map((r) => r.arrayBuffer()));
      assert.equal(codes.filter((c) => c === 303).length, 1, `one booking: ${codes}`);
      assert.equal(codes.filter((c) => c === 409).length, 19, `the rest 409: ${codes}`);
      assert.equal(sql(`SELECT COUNT(*) FROM test_drives WHERE slot_start = ${slot} AND status = 'booked'`), '1');
      assert.equal(Number(sql('SELECT COUNT(*) FROM leads')), Number(before) + 1, 'one lead, no orphans');
    });

    test('POST /api/v1/public/leads books a slot the way the page does: 201, then 409/422 naming slot', async () => {
      const api = (body) => fetch(`${srv.url}/api/v1/public/leads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-Forwarded-For': `198.51.100.${++ip % 250}` },
        body: JSON.stringify({ vehicle_id: v.id, kind: 'test_drive', name: 'Jana API', email: 'jana@example.de', phone: '+49 30 123456', privacy_ack: true, ...body }),
      });
      const iso = (s) => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const slots = slotsOf(await (await fetch(`${srv.url}/fahrzeuge/x-${v.id}`)).text());
      const slot = slots[3];
      const leadsBefore = Number(sql('SELECT COUNT(*) FROM leads'));
      let r = await api({ slot: iso(slot) });
      assert.equal(r.status, 201, await r.clone().text());
      const body = await r.json();
      assert.equal(body.kind, 'test_drive');
      assert.equal(body.test_drive.slot_start, iso(slot));
      assert.equal(body.test_drive.slot_end, iso(slot + 2700));
      assert.equal(sql(`SELECT status || '|' || email || '|' || (slot_end - slot_start) FROM test_drives WHERE public_id = '${body.test_drive.id}'`), 'booked|jana@example.de|2700');
      assert.equal(sql(`SELECT kind || '|' || source || '|' || preferred_date FROM leads WHERE public_id = '${body.id}'`), `test_drive|api|${berlinDay(slot)}`);
      assert.equal(sql(`SELECT COUNT(*) FROM test_drives t JOIN leads l ON l.public_id = t.lead_public_id WHERE t.public_id = '${body.test_drive.id}' AND l.public_id = '${body.id}'`), '1', 'the booking is linked to its lead');
      // the same confirmation with the .ics invitation as on the page
      const [m] = await smtp.waitFor((x) => x.to.includes('jana@example.de') && /gebucht/.test(x.parsed.subject), 'API confirmation');
      assert.ok(m.parsed.attachments.some((x) => x.filename === 'probefahrt.ics'), 'the buyer gets the invitation');
      assert.ok(!slotsOf(await (await fetch(`${srv.url}/fahrzeuge/x-${v.id}`)).text()).includes(slot), 'gone from the vehicle page');

      // taken: 409 problem+json naming slot, from the API and from the page alike
      r = await api({ slot: iso(slot), email: 'other@example.de' });
      assert.equal(r.status, 409);
      assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
      let p = await r.json();
      assert.equal(p.errors[0].field, 'slot');
      r = await post(buyer(slot, { email: 'other@example.de' }));
      assert.equal(r.status, 409, 'the page sees the API booking');
      await r.arrayBuffer();
      // not a free slot: 422 naming slot, nothing stored
      for (const bad of [{ slot: iso(slot + 60) }, { slot: 'morgen' }, { slot: iso(slots[4]), kind: 'contact', message: 'Hallo' }, { slot: '2026-12-25T09:00:00Z' }]) {
        r = await api(bad);
        assert.equal(r.status, 422, JSON.stringify(bad));
        assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
        p = await r.json();
        assert.ok(p.errors.some((x) => x.field === 'slot'), JSON.stringify(p));
      }
      assert.equal(Number(sql('SELECT COUNT(*) FROM leads')), leadsBefore + 1, 'only the one booking stored a lead');
      // a free date without a slot still works as before
      r = await api({ preferred_date: berlinDay(slots[5]) });
      assert.equal(r.status, 201);
      assert.equal((await r.json()).test_drive, undefined);

      // API and page racing for one slot: exactly one booking
      const race = slots[6];
      const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2
        ? api({ slot: iso(race), email: `a${i}@example.de` })
        : post(buyer(race, { email: `p${i}@example.de` })))));
      await Promise.all(rs.map((x) => x.arrayBuffer()));
      const ok = rs.filter((x) => x.status === 201 || x.status === 303).length;
      assert.equal(ok, 1, `one winner: ${rs.map((x) => x.status)}`);
      assert.equal(rs.filter((x) => x.status === 409).length, 9);
      assert.equal(sql(`SELECT COUNT(*) FROM test_drives WHERE slot_start = ${race} AND status = 'booked'`), '1');
    });

    test('closed days from the settings: no slots that day, bad dates refused inline', async () => {
      const dealer = sql(`SELECT t.slug FROM tenants t JOIN vehicles v ON v.tenant_id = t.id WHERE v.public_id = '${v.id}'`);
      const login = await fetch(srv.url + '/anmelden', { method: 'POST', redirect: 'manual', body: new URLSearchParams({ email: `owner@${dealer}.demo`, password: PASSWORD }) });
      const cookie = login.headers.get('set-cookie').split(';')[0];
      let list = await (await fetch(`${srv.url}/dashboard/probefahrten`, { headers: { cookie } })).text();
      const csrf = list.match(/name="_csrf" value="([^"]+)"/)[1];
      assert.match(list, /<textarea id="td-closed" name="closed_days"/);
      const settings = (fields) => fetch(`${srv.url}/dashboard/probefahrten/einstellungen`, { method: 'POST', redirect: 'manual', headers: { cookie }, body: new URLSearchParams({ _csrf: csrf, ...fields }) });
      const slots = slotsOf(await (await fetch(`${srv.url}/fahrzeuge/x-${v.id}`)).text());
      const day = berlinDay(slots[slots.length - 1]);
      const before = slots.filter((x) => berlinDay(x) === day).length;
      assert.ok(before > 0);
      const [y, m, d] = day.split('-');
      let r = await settings({ closed_days: `${d}.${m}.${y}\n2030-01-02` });
      assert.equal(r.status, 303);
      assert.equal(sql(`SELECT closed_days FROM test_drive_settings t JOIN tenants n ON n.id = t.tenant_id WHERE n.slug = '${dealer}'`), `${day},2030-01-02`);
      const after = slotsOf(await (await fetch(`${srv.url}/fahrzeuge/x-${v.id}`)).text());
      assert.equal(after.filter((x) => berlinDay(x) === day).length, 0, 'no slot on the closed day');
      assert.equal(after.length, slots.length - before, 'the other days keep theirs');
      // the API cannot book it either
      r = await fetch(`${srv.url}/api/v1/public/leads`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'X-Forwarded-For': `198.51.100.${++ip % 250}` },
        body: JSON.stringify({ vehicle_id: v.id, kind: 'test_drive', name: 'Zu Spät', email: 'spaet@example.de', phone: '+49 30 999999', privacy_ack: true, slot: new Date(slots[slots.length - 1] * 1000).toISOString() }),
      });
      assert.equal(r.status, 422);
      // the settings page shows them; a bad date is refused inline and changes nothing
      list = await (await fetch(`${srv.url}/dashboard/probefahrten`, { headers: { cookie } })).text();
      assert.match(list, new RegExp(`>${d}\\.${m}\\.${y}\n02\\.01\\.2030</textarea>`));
      r = await settings({ closed_days: '24.12.2026\n31.02.2027' });
      assert.equal(r.status, 422);
      const html = await r.text();
      assert.match(html, /<span class="field-error" id="td-closed-err">Bitte gültige Daten angeben \(TT\.MM\.JJJJ oder JJJJ-MM-TT, höchstens 100\)\. \(31\.02\.2027\)<\/span>/);
      assert.match(html, /aria-invalid="true">24\.12\.2026\n31\.02\.2027<\/textarea>/, 'the text as typed');
      r = await fetch(`${srv.url}/dashboard/probefahrten/einstellungen?lang=en`, { method: 'POST', redirect: 'manual', headers: { cookie }, body: new URLSearchParams({ _csrf: csrf, closed_days: 'bald' }) });
      assert.equal(r.status, 422);
      assert.match(await r.text(), /Please enter valid dates/);
      assert.equal(sql(`SELECT closed_days FROM test_drive_settings t JOIN tenants n ON n.id = t.tenant_id WHERE n.slug = '${dealer}'`), `${day},2030-01-02`);
      // cleared: the day is offered again
      assert.equal((await settings({ closed_days: '' })).status, 303);
      assert.equal(slotsOf(await (await fetch(`${srv.url}/fahrzeuge/x-${v.id}`)).text()).filter((x) => berlinDay(x) === day).length, before);
    });
  });
}

describe('slot picker in the browser', () => {
  let srv;
  let browser;
  let close;
  before(async () => {
    srv = await startServer();
    ({ browser, close } = await launchBrowser());
  });
  after(async () => {
    if (close) await close();
    if (srv) await srv.stop();
  });

  test('keyboard: choose test drive, move through the slots with the arrow keys, book', async () => {
    const v = (await (await fetch(srv.url + '/api/v1/vehicles/search?size=1&sort=price_asc')).json()).items[0];
    for (const [name, viewport] of [['desktop', { width: 1440, height: 900 }], ['mobile', { width: 390, height: 844 }]]) {
      const ctx = await browser.newContext({ viewport, locale: 'de-DE' });
      const page = await ctx.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${srv.url}/fahrzeuge/x-${v.id}`);
      await page.focus('#kind-contact');
      await page.keyboard.press('ArrowRight'); // radio group: the next kind is the test drive
      assert.ok(await page.locator('#kind-test-drive').isChecked());
      await page.locator('.slot-picker').waitFor({ state: 'visible' });
      if (name === 'mobile') {
        await page.locator('.slot-picker').scrollIntoViewIfNeeded();
        await page.screenshot({ path: path.join(SHOTS, 'testdrive-slots-mobile.png') });
        await ctx.close();
        continue;
      }
      await page.fill('#lead-name', 'Erika Mustermann');
      await page.fill('#lead-email', 'erika@example.de');
      await page.fill('#lead-phone', '+49 171 1234567');
      // Tab from the phone field reaches the slot group (the first slot), arrows move on
      await page.focus('#lead-phone');
      await page.keyboard.press('Tab');
      const radios = page.locator('.slot-radio');
      assert.equal(await page.evaluate(() => document.activeElement.name), 'slot', 'Tab reaches the slots');
      await page.keyboard.press('Space');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      const chosen = await page.evaluate(() => document.activeElement.value);
      assert.equal(await radios.nth(2).getAttribute('value'), chosen, 'the third slot');
      assert.ok(await radios.nth(2).isChecked());
      // the focused chip shows a focus ring and the chosen one is filled; targets at least 24 px
      const box = await page.locator(`label[for="slot-${chosen}"]`).boundingBox();
      assert.ok(box.height >= 24 && box.width >= 24, `target ${box.width}×${box.height}`);
      const style = await page.evaluate((id) => {
        const cs = getComputedStyle(document.querySelector(`label[for="slot-${id}"]`));
        return { outline: cs.outlineStyle, bg: cs.backgroundColor };
      }, chosen);
      assert.equal(style.outline, 'solid', 'focus visible');
      assert.notEqual(style.bg, 'rgb(255, 255, 255)', 'checked is filled');
      await page.locator('.slot-picker').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(SHOTS, 'testdrive-slots-desktop.png') });
      await assertAccessible(page, 'vehicle page with the slot picker');
      await page.keyboard.press('Enter'); // submits the form from the radio
      await page.waitForURL(/anfrage=gebucht/);
      assert.match(await page.locator('#kontakt .notice').textContent(), /Probefahrt ist gebucht: \w\w, \d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr/);
      await page.locator('#kontakt').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(SHOTS, 'testdrive-booked-desktop.png') });
      assert.deepEqual(errors, []);
      await ctx.close();
    }
  });
});
