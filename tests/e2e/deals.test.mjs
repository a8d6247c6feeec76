// The sales desk end to end, in a real browser: a buyer's contact form → the lead in the
// dealer's inbox → the dealer replies (received by the SMTP server on loopback) → a deal
// from the lead → dragged through the pipeline (SortableJS) and moved by keyboard (the
// card's own form) → won → the vehicle is sold on the public site at once. Then over
// HTTP: stage history, conversion and time in stage, bad input, another dealer.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { smtpServer } from './smtp_util.mjs';
import { startServer, launchBrowser, SHOTS, cc24, freePort } from './helpers.mjs';


describe('the sales pipeline', () => {
  let srv;
  let smtp;
  let browser;
  let close;
  let slugs;
  const sql = (q) => execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q]).toString().trim();
  const waitMail = async (pred, what) => {
    const deadline = Date.now() + 15000;
    for (;;) {
      const m = smtp.received.find(pred);
      if (m) return m;
      assert.ok(Date.now() < deadline, `no mail: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  before(async () => {
    smtp = await smtpServer({ auth: false });
    srv = await startServer({ env: { CC24_SMTP_URL: `smtp://127.0.0.1:${smtp.port}?starttls=off`, CC24_MAIL_FROM: 'cc24 <noreply@cc24.example>' } });
    slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
    ({ browser, close } = await launchBrowser());
  });
  after(async () => {
    if (close) await close();
    if (srv) await srv.stop();
    if (smtp) await smtp.close();
  });

  test('contact form → inbox → reply → deal → dragged → won → sold on the public site', async () => {
    const v = (await (await fetch(srv.url + `/api/v1/vehicles/search?dealer=${slugs[0]}&size=1`)).json()).items[0];
    // the buyer
    const buyer = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'de-DE' });
    const bp = await buyer.newPage();
    await bp.goto(`${srv.url}/fahrzeuge/x-${v.id}`);
    await bp.fill('#lead-name, input[name=name]', 'Paula Pipeline');
    await bp.fill('input[name=email]', 'paula@kunde.example');
    await bp.fill('textarea[name=message]', 'Ist der Wagen noch zu haben?');
    await Promise.all([bp.waitForURL(/anfrage=gesendet/), bp.click('#kontakt button[type=submit]')]);
    await buyer.close();

    // the dealer
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 }, locale: 'de-DE' });
    const page = await ctx.newPage();
    await page.goto(srv.url + '/anmelden');
    await page.fill('input[name=email]', `owner@${slugs[0]}.demo`);
    await page.fill('input[name=password]', 'cc24-Demo-2026');
    await Promise.all([page.waitForURL(/\/dashboard/), page.click('form button[type=submit]')]);
    await page.goto(srv.url + '/dashboard/anfragen?q=Paula');
    await page.click('a.row-title:has-text("Paula Pipeline")');
    await page.fill('#r-text', 'Guten Tag Frau Pipeline,\n\nja, er ist noch da. Probefahrt am Samstag?\n');
    await Promise.all([page.waitForURL(/ok=reply/), page.click('#antworten button[type=submit]')]);
    const reply = await waitMail((m) => m.to.includes('paula@kunde.example') && m.parsed.text.includes('Probefahrt am Samstag'), 'the reply');
    assert.match(reply.parsed.subject, /^Ihre Anfrage: /);
    await page.screenshot({ path: path.join(SHOTS, 'crm-lead.png'), fullPage: true });
    await Promise.all([page.waitForURL(/\/dashboard\/verkauf\/[0-9a-z]{16}$/), page.click('button:has-text("Als Verkaufschance anlegen")')]);
    const dealId = page.url().match(/verkauf\/([0-9a-z]{16})/)[1];

    await page.goto(srv.url + '/dashboard/verkauf');
    const card = page.locator(`[data-deal="${dealId}"]`);
    const cols = page.locator('.board-cards');
    assert.equal(await cols.count(), 6, 'the six default stages');
    assert.equal(await cols.nth(0).locator(`[data-deal="${dealId}"]`).count(), 1, 'starts in Anfrage');
    // drag it to the second column (Kontakt)
    const from = await card.boundingBox();
    const to = await cols.nth(1).boundingBox();
    await page.mouse.move(from.x + 20, from.y + 10);
    await page.mouse.down();
    await page.mouse.move(from.x + 40, from.y + 30, { steps: 5 });
    await page.mouse.move(to.x + to.width / 2, to.y + 40, { steps: 15 });
    await page.mouse.up();
    const deadline = Date.now() + 10000;
    while (sql(`SELECT s.position FROM deals d JOIN deal_stages s ON s.id = d.stage_id WHERE d.public_id = '${dealId}'`) !== '1') {
      assert.ok(Date.now() < deadline, 'the drop moved the deal to Kontakt on the server');
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.screenshot({ path: path.join(SHOTS, 'crm-board.png'), fullPage: true });
    // by keyboard: the card's own form, onto the last stage (the sale)
    await page.reload();
    const sel = page.locator(`#mv-${dealId}`);
    await sel.focus();
    await sel.selectOption({ label: 'Ausgeliefert' });
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), 'Verschieben', 'Tab reaches the button');
    await Promise.all([page.waitForResponse((res) => res.request().method() === 'POST' && res.url().includes(dealId)), page.keyboard.press('Enter')]);
    await page.waitForLoadState('load');
    assert.equal(sql(`SELECT state FROM deals WHERE public_id = '${dealId}'`), 'won');
    assert.equal(sql(`SELECT status FROM vehicles WHERE public_id = '${v.id}'`), 'sold');
    assert.equal(sql(`SELECT l.status FROM leads l JOIN deals d ON d.lead_id = l.id WHERE d.public_id = '${dealId}'`), 'won');
    // the public site at once: the vehicle page says sold (410) and search no longer lists it
    assert.equal((await fetch(`${srv.url}/fahrzeuge/x-${v.id}`, { redirect: 'follow' })).status, 410);
    const hits = await (await fetch(srv.url + `/api/v1/vehicles/search?dealer=${slugs[0]}&size=100`)).json();
    assert.ok(!hits.items.some((x) => x.id === v.id), 'gone from the search');
    const detail = await (await page.goto(`${srv.url}/dashboard/verkauf/${dealId}`)).text();
    assert.match(detail, /Anfrage → Kontakt/);
    assert.match(detail, /Kontakt → Ausgeliefert/);
    await page.screenshot({ path: path.join(SHOTS, 'crm-deal.png'), fullPage: true });
    await ctx.close();
  });

  test('conversion and time in stage, bad input, closed deals, another dealer', async () => {
    const login = async (slug) => {
      const r = await fetch(srv.url + '/anmelden', { method: 'POST', redirect: 'manual', body: new URLSearchParams({ email: `owner@${slug}.demo`, password: 'cc24-Demo-2026' }) });
      const cookie = r.headers.get('set-cookie').split(';')[0];
      const html = await (await fetch(srv.url + '/dashboard', { headers: { cookie } })).text();
      return { cookie, csrf: html.match(/name="_csrf" value="([^"]+)"/)[1] };
    };
    const A = await login(slugs[0]);
    const B = await login(slugs[1]);
    const post = (who, p, fields) => fetch(srv.url + p, { method: 'POST', redirect: 'manual', headers: { cookie: who.cookie }, body: new URLSearchParams({ _csrf: who.csrf, ...fields }) });
    const get = (who, p) => fetch(srv.url + p, { headers: { cookie: who.cookie }, redirect: 'manual' });
    const v = (await (await fetch(srv.url + `/api/v1/vehicles/search?dealer=${slugs[0]}&size=2`)).json()).items[1];
    await fetch(`${srv.url}/fahrzeuge/x-${v.id}/anfrage`, { method: 'POST', body: new URLSearchParams({ kind: 'contact', name: 'Lars Lost', email: 'lars@kunde.example', message: 'Preis?' }) });
    const lead = sql("SELECT public_id FROM leads WHERE email = 'lars@kunde.example'");
    let r = await post(A, '/dashboard/verkauf', { lead });
    assert.equal(r.status, 303);
    const deal = r.headers.get('location').match(/verkauf\/([0-9a-z]{16})/)[1];
    r = await post(A, '/dashboard/verkauf', { lead });
    assert.equal(r.headers.get('location'), `/dashboard/verkauf/${deal}`, 'one open deal per lead');
    const stages = sql(`SELECT s.id FROM deal_stages s JOIN tenants t ON t.id = s.tenant_id WHERE t.slug = '${slugs[0]}' ORDER BY s.position`).split('\n');
    const foreignStage = sql(`SELECT s.id FROM deal_stages s JOIN tenants t ON t.id = s.tenant_id WHERE t.slug = '${slugs[1]}' LIMIT 1`) || '999999';
    for (const [fields, status] of [
      [{ action: 'move', stage: foreignStage }, 422],
      [{ action: 'move', stage: 'x' }, 422],
      [{ action: 'move', stage: stages[1], position: '-4' }, 422],
      [{ action: 'lose', reason: '' }, 422],
      [{ action: 'update', offer: 'zwölf' }, 422],
      [{ action: 'update', offer: '-5' }, 422],
      [{ action: 'update', trade_in: '99999999999999' }, 422],
      [{ action: 'explode' }, 422],
    ]) {
      assert.equal((await post(A, `/dashboard/verkauf/${deal}`, fields)).status, status, JSON.stringify(fields));
    }
    assert.equal(sql(`SELECT COUNT(*) FROM deal_history h JOIN deals d ON d.id = h.deal_id WHERE d.public_id = '${deal}'`), '1', 'nothing recorded but the creation');
    assert.equal((await post(A, `/dashboard/verkauf/${deal}`, { action: 'update', offer: '18.500', trade_in: '4000,50', trade_in_note: 'Golf VI, 180.000 km' })).status, 303);
    assert.equal(sql(`SELECT offer_cents || ' ' || trade_in_cents FROM deals WHERE public_id = '${deal}'`), '1850000 400050');
    assert.match(await (await get(A, `/dashboard/verkauf/${deal}`)).text(), /14\.499,50 €/, 'offer less trade-in');
    // a financing quote from the dealer's conditions for 18.500 € less 4.000,50 € trade-in
    // and 2.000 € down payment over 48 months
    for (const [fields, status] of [[{ term: '0' }, 422], [{ term: '48', down_payment: 'viel' }, 422], [{ term: '121' }, 422]]) {
      assert.equal((await post(A, `/dashboard/verkauf/${deal}`, { action: 'finance', ...fields })).status, status, JSON.stringify(fields));
    }
    assert.equal((await post(A, `/dashboard/verkauf/${deal}`, { action: 'finance', down_payment: '2000', term: '48' })).status, 303);
    const fin = JSON.parse(sql(`SELECT finance_json FROM deals WHERE public_id = '${deal}'`));
    assert.equal(fin.price_cents, 1850000);
    assert.equal(fin.net_loan_cents, 1850000 - 200000 - 400050, 'net loan = price − down payment − trade-in');
    assert.equal(fin.term_months, 48);
    assert.ok(fin.monthly_installment_cents > 0 && fin.apr_percent >= fin.nominal_rate_percent);
    const q = await fetch(srv.url + '/api/v1/finance/quote', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ product: 'loan', price_cents: 1850000, down_payment_cents: 200000, trade_in_cents: 400050, term_months: 48, nominal_rate_percent: fin.nominal_rate_percent }) });
    assert.equal(q.status, 200);
    const api = await q.json();
    assert.equal(fin.monthly_installment_cents, api.monthly_installment_cents, 'the same engine as the public calculator (up-front fees do not change the rate)');
    assert.match(await (await get(A, `/dashboard/verkauf/${deal}`)).text(), /Monatliche Rate/);
    assert.equal((await post(A, `/dashboard/verkauf/${deal}`, { action: 'move', stage: stages[2] })).status, 303);
    assert.equal((await post(A, `/dashboard/verkauf/${deal}`, { action: 'lose', reason: 'Zu teuer' })).status, 303);
    assert.equal((await post(A, `/dashboard/verkauf/${deal}`, { action: 'move', stage: stages[3] })).status, 409, 'a lost deal does not move');
    assert.equal(sql(`SELECT state || ' ' || lost_reason FROM deals WHERE public_id = '${deal}'`), 'lost Zu teuer');
    // the board's figures come from the history: two deals reached Anfrage, both went on
    const board = await (await get(A, '/dashboard/verkauf')).text();
    const head = board.match(/<h2 id="col-\d+">Anfrage[\s\S]*?<p class="board-stats muted">([^<]*)<\/p>/)[1];
    assert.match(head, /Weiter: 100 %/, `Anfrage: ${head}`);
    assert.match(head, /Ø Dauer/);
    assert.match(board, /Zu teuer/, 'the lost deal with its reason');
    // another dealer
    assert.equal((await get(B, `/dashboard/verkauf/${deal}`)).status, 404);
    assert.equal((await post(B, `/dashboard/verkauf/${deal}`, { action: 'lose', reason: 'x' })).status, 404);
    assert.equal((await post(B, '/dashboard/verkauf', { lead })).status, 404);
    assert.ok(!(await (await get(B, '/dashboard/verkauf')).text()).includes(deal));
    // stage names: the owner renames; a bad name is refused
    assert.equal((await post(A, '/dashboard/verkauf/stufen', { stage_0: 'Eingang', stage_1: 'Kontakt', stage_2: 'Probefahrt', stage_3: 'Angebot', stage_4: 'Vertrag', stage_5: 'Übergabe' })).status, 303);
    assert.match(await (await get(A, '/dashboard/verkauf')).text(), /<h2 id="col-\d+">Eingang/);
    assert.equal((await post(A, '/dashboard/verkauf/stufen', { stage_0: '', stage_1: 'x' })).status, 422);
  });

  test('stages: add before a chosen stage, reorder, remove with a target for the deals, never the sale', async () => {
    const login = async (slug) => {
      const r = await fetch(srv.url + '/anmelden', { method: 'POST', redirect: 'manual', body: new URLSearchParams({ email: `owner@${slug}.demo`, password: 'cc24-Demo-2026' }) });
      const cookie = r.headers.get('set-cookie').split(';')[0];
      const html = await (await fetch(srv.url + '/dashboard', { headers: { cookie } })).text();
      return { cookie, csrf: html.match(/name="_csrf" value="([^"]+)"/)[1] };
    };
    const A = await login(slugs[0]);
    const B = await login(slugs[1]);
    const post = (who, p, fields) => fetch(srv.url + p, { method: 'POST', redirect: 'manual', headers: { cookie: who.cookie }, body: new URLSearchParams({ _csrf: who.csrf, ...fields }) });
    const stagesOf = (slug) => sql(`SELECT s.id || '|' || s.name || '|' || s.won FROM deal_stages s JOIN tenants t ON t.id = s.tenant_id WHERE t.slug = '${slug}' AND s.removed_at = 0 ORDER BY s.position`)
      .split('\n').map((l) => { const [id, name, won] = l.split('|'); return { id, name, won: won === '1' }; });
    const names = () => stagesOf(slugs[0]).map((x) => x.name).join(',');
    const stageOf = (deal) => sql(`SELECT s.name FROM deals d JOIN deal_stages s ON s.id = d.stage_id WHERE d.public_id = '${deal}'`);
    // a fresh deal on "Kontakt"
    const v = (await (await fetch(srv.url + `/api/v1/vehicles/search?dealer=${slugs[0]}&size=3`)).json()).items[2];
    await fetch(`${srv.url}/fahrzeuge/x-${v.id}/anfrage`, { method: 'POST', body: new URLSearchParams({ kind: 'contact', name: 'Stefan Stufe', email: 'stefan@kunde.example', message: 'Noch da?' }) });
    const lead = sql("SELECT public_id FROM leads WHERE email = 'stefan@kunde.example'");
    let r = await post(A, '/dashboard/verkauf', { lead });
    const deal = r.headers.get('location').match(/verkauf\/([0-9a-z]{16})/)[1];
    let st = stagesOf(slugs[0]);
    const before = names();
    assert.equal(st.length, 6);
    assert.ok(st[5].won, 'the sale is last');
    const kontakt = st[1];
    assert.equal((await post(A, `/dashboard/verkauf/${deal}`, { action: 'move', stage: kontakt.id })).status, 303);
    assert.equal(stageOf(deal), kontakt.name);

    // the board offers the forms (no JavaScript needed)
    let html = await (await fetch(srv.url + '/dashboard/verkauf', { headers: { cookie: A.cookie } })).text();
    assert.match(html, /<input type="hidden" name="op" value="add">/);
    assert.match(html, new RegExp(`<select id="rm-${kontakt.id}" name="target"`), 'a stage with deals asks for a target');
    assert.doesNotMatch(html, new RegExp(`name="stage" value="${st[5].id}">`), 'the sale has no remove or move form');

    // add before Vertrag (index 4)
    r = await post(A, '/dashboard/verkauf/stufen', { op: 'add', name: 'Finanzierung', before: '4' });
    assert.equal(r.status, 303);
    st = stagesOf(slugs[0]);
    assert.equal(st[4].name, 'Finanzierung');
    assert.equal(st.length, 7);
    assert.ok(st[6].won, 'the sale stays last');
    // bad input: inline errors in German and English, nothing stored
    r = await post(A, '/dashboard/verkauf/stufen', { op: 'add', name: '  ', before: '0' });
    assert.equal(r.status, 422);
    html = await r.text();
    assert.match(html, /<p class="form-error" role="alert" id="st-add-err">Bitte einen Namen mit 1 bis 60 Zeichen/);
    assert.match(html, /id="st-add-name" name="name" maxlength="60" value="  " aria-invalid="true"/);
    r = await post(A, '/dashboard/verkauf/stufen?lang=en', { op: 'add', name: 'Danach', before: '7' });
    assert.equal(r.status, 422);
    assert.match(await r.text(), /The stage cannot move further; the sale stays the last stage/);
    assert.equal(stagesOf(slugs[0]).length, 7);

    // reorder: Finanzierung up, then the stage before the sale cannot go down
    const fin = st[4];
    assert.equal((await post(A, '/dashboard/verkauf/stufen', { op: 'up', stage: fin.id })).status, 303);
    assert.deepEqual(stagesOf(slugs[0]).map((x) => x.name).slice(3, 5), ['Finanzierung', st[3].name]);
    st = stagesOf(slugs[0]);
    r = await post(A, '/dashboard/verkauf/stufen', { op: 'down', stage: st[5].id });
    assert.equal(r.status, 422);
    assert.match(await r.text(), new RegExp(`id="stufe-${st[5].id}-err">Die Stufe kann nicht weiter verschoben werden`));

    // the sale stage is never removed
    r = await post(A, '/dashboard/verkauf/stufen', { op: 'remove', stage: st[6].id, target: st[0].id });
    assert.equal(r.status, 422);
    assert.match(await r.text(), /Die Verkaufsstufe kann weder entfernt noch verschoben werden/);
    // a stage with deals needs a target (not the sale)
    for (const target of [undefined, st[6].id, kontakt.id]) {
      r = await post(A, '/dashboard/verkauf/stufen', { op: 'remove', stage: kontakt.id, ...(target ? { target } : {}) });
      assert.equal(r.status, 422, `target ${target}`);
      assert.match(await r.text(), /Auf dieser Stufe liegen noch Verkaufschancen/);
    }
    assert.equal(stageOf(deal), kontakt.name, 'nothing moved');
    // another dealer cannot remove it
    r = await post(B, '/dashboard/verkauf/stufen', { op: 'remove', stage: kontakt.id, target: st[0].id });
    assert.equal(r.status, 404);
    assert.equal(stagesOf(slugs[0]).length, 7);
    // with a target: the deals move, the move is in the history, the column is gone
    r = await post(A, '/dashboard/verkauf/stufen', { op: 'remove', stage: kontakt.id, target: st[2].id });
    assert.equal(r.status, 303);
    assert.equal(stageOf(deal), st[2].name);
    assert.equal(sql(`SELECT COUNT(*) FROM deal_history h JOIN deals d ON d.id = h.deal_id WHERE d.public_id = '${deal}' AND h.from_stage_id = ${kontakt.id} AND h.to_stage_id = ${st[2].id} AND h.state = 'open'`), '1');
    assert.equal(stagesOf(slugs[0]).length, 6);
    html = await (await fetch(srv.url + '/dashboard/verkauf', { headers: { cookie: A.cookie } })).text();
    assert.doesNotMatch(html, new RegExp(`id="col-${kontakt.id}"`));
    const detail = await (await fetch(`${srv.url}/dashboard/verkauf/${deal}`, { headers: { cookie: A.cookie } })).text();
    assert.match(detail, new RegExp(`${kontakt.name} → ${st[2].name}`), 'the history keeps the removed stage\'s name');
    // an empty stage goes without a target; back to the names we started with
    assert.equal((await post(A, '/dashboard/verkauf/stufen', { op: 'remove', stage: fin.id })).status, 303);
    assert.equal(names(), before.split(',').filter((n) => n !== kontakt.name).join(','));
  });
});
