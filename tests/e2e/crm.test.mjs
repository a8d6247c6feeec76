// Lead management on SQLite and PostgreSQL: leads from the public form become one
// contact per person (same e-mail or phone), the inbox counts unread and due leads and
// filters by text, status, assignee and due date; opening a lead marks it read; notes,
// calls, status, assignee and follow-up go into the timeline; a reply goes out through
// the SMTP server (npm smtp-server on loopback) with Reply-To the dealer and appears in
// the timeline. Bad input (CR/LF subjects, too long texts, foreign users, bad dates,
// unknown actions, no CSRF) changes nothing; another dealer sees nothing.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { smtpServer } from './smtp_util.mjs';
import { startServer, backends, cc24, freePort } from './helpers.mjs';


for (const backend of backends()) {
  describe(`lead management (${backend})`, () => {
    let srv;
    let smtp;
    let slugs;
    let A;
    let B;
    const sql = (q) => (backend === 'postgresql'
      ? execFileSync('psql', [srv.databaseUrl, '-qAtc', q])
      : execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q])).toString().trim();
    const login = async (email, password = 'cc24-Demo-2026') => {
      const r = await fetch(srv.url + '/anmelden', { method: 'POST', redirect: 'manual', body: new URLSearchParams({ email, password }) });
      assert.equal(r.status, 303, `login ${email}`);
      const cookie = r.headers.get('set-cookie').split(';')[0];
      const html = await (await fetch(srv.url + '/dashboard', { headers: { cookie } })).text();
      return { cookie, csrf: html.match(/name="_csrf" value="([^"]+)"/)[1] };
    };
    const get = (who, p) => fetch(srv.url + p, { headers: { cookie: who.cookie }, redirect: 'manual' });
    const act = (who, id, fields, { csrf = true } = {}) => fetch(`${srv.url}/dashboard/anfragen/${id}`, {
      method: 'POST', redirect: 'manual', headers: { cookie: who.cookie },
      body: new URLSearchParams({ ...(csrf ? { _csrf: who.csrf } : {}), ...fields }),
    });
    const enquire = (vehicle, fields) => fetch(`${srv.url}/fahrzeuge/x-${vehicle}/anfrage`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ kind: 'contact', phone: '', message: 'Hallo', ...fields }),
    });
    const leadIds = async (who, qs = '') => [...(await (await get(who, '/dashboard/anfragen' + qs)).text())
      .matchAll(/<a class="row-title" href="\/dashboard\/anfragen\/([0-9a-z]{16})"/g)].map((m) => m[1]);
    const kpi = async (who, label) => Number((await (await get(who, '/dashboard/anfragen')).text())
      .match(new RegExp(`kpi-label">${label}</span><strong>(\\d+)</strong>`))[1]);

    before(async () => {
      smtp = await smtpServer({ auth: false });
      srv = await startServer({ backend, env: { CC24_SMTP_URL: `smtp://127.0.0.1:${smtp.port}?starttls=off`, CC24_MAIL_FROM: 'cc24 <noreply@cc24.example>' } });
      slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
      A = await login(`owner@${slugs[0]}.demo`);
      B = await login(`owner@${slugs[1]}.demo`);
    });
    after(async () => {
      if (srv) await srv.stop();
      if (smtp) await smtp.close();
    });

    test('one contact per person; unread until opened; the history of the contact', async () => {
      const vs = (await (await fetch(srv.url + `/api/v1/vehicles/search?dealer=${slugs[0]}&size=3`)).json()).items;
      const unreadBefore = await kpi(A, 'Ungelesen');
      assert.equal((await enquire(vs[0].id, { name: 'Karl Kontakt', email: 'Karl@Kunde.example' })).status, 303);
      assert.equal((await enquire(vs[1].id, { name: 'Karl K.', email: 'karl@kunde.example', message: 'Und der zweite?' })).status, 303);
      // a test drive takes a free slot of the vehicle page (testdrive/)
      const slot = (await (await fetch(srv.url + `/fahrzeuge/x-${vs[2].id}`)).text()).match(/name="slot" value="(\d+)"/)[1];
      assert.equal((await enquire(vs[2].id, { kind: 'test_drive', name: 'Karl', email: 'anders@kunde.example', phone: '0171 555 1234',
        slot })).status, 303);
      assert.equal((await enquire(vs[0].id, { name: 'Karl Telefon', email: 'k3@kunde.example', phone: '+49 (0) 171 5551234' })).status, 303);
      assert.equal(await kpi(A, 'Ungelesen'), unreadBefore + 4);
      const karl = await leadIds(A, '?q=kunde.example');
      assert.equal(karl.length, 4, 'search by address part');
      // contacts: the two Karl addresses are one; the phone in two spellings is one
      const contacts = sql("SELECT COUNT(DISTINCT contact_id) FROM leads WHERE email LIKE '%kunde.example'");
      assert.equal(contacts, '2', 'same e-mail → one contact; same phone (E.164) → one contact');
      const html = await (await get(A, `/dashboard/anfragen/${karl[0]}`)).text();
      assert.match(html, /Weitere Anfragen dieses Kontakts/);
      assert.equal(await kpi(A, 'Ungelesen'), unreadBefore + 3, 'opened: read');
      assert.deepEqual(await leadIds(B, '?q=kunde.example'), [], 'another dealer sees none of it');
      assert.equal((await get(B, `/dashboard/anfragen/${karl[0]}`)).status, 404);
      assert.equal((await act(B, karl[0], { action: 'note', text: 'fremd' })).status, 404, 'nor changes it');
    });

    test('notes, calls, status, assignee and follow-up fill the timeline and the filters', async () => {
      const [id] = await leadIds(A, '?q=Karl%20Kontakt');
      assert.ok(id);
      let r = await act(A, id, { action: 'note', text: 'Kunde möchte Inzahlungnahme <b>prüfen</b>' });
      assert.equal(r.status, 303);
      assert.match(r.headers.get('location'), /\?ok=note#verlauf$/);
      assert.equal((await act(A, id, { action: 'call', text: 'Rückruf: Samstag passt' })).status, 303);
      assert.equal((await act(A, id, { action: 'status', status: 'waiting' })).status, 303);
      // a second staff member to assign to; a user of another dealer is refused
      const pw = cc24(['admin', 'user', 'add', '--email', `verkauf@${slugs[0]}.example`, '--tenant', slugs[0], '--role', 'staff', `--database-url=${srv.databaseUrl}`]).trim();
      const staff = sql(`SELECT id FROM users WHERE email = 'verkauf@${slugs[0]}.example'`);
      const foreign = sql(`SELECT u.id FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.slug = '${slugs[1]}' LIMIT 1`);
      r = await act(A, id, { action: 'assign', assignee: foreign });
      assert.equal(r.status, 422, 'a user of another dealer');
      assert.match(await r.text(), /class="field-error"/);
      assert.equal((await act(A, id, { action: 'assign', assignee: staff })).status, 303);
      // follow-up today at 00:01 Berlin → due today
      const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Berlin' });
      assert.equal((await act(A, id, { action: 'follow_up', date: today, time: '00:01' })).status, 303);
      const html = await (await get(A, `/dashboard/anfragen/${id}`)).text();
      for (const s of ['Notiz', 'Kunde möchte Inzahlungnahme &lt;b&gt;prüfen&lt;/b&gt;', 'Anruf', 'Rückruf: Samstag passt', 'Wartet auf Kunde', 'Zuständig', 'Wiedervorlage']) {
        assert.ok(html.includes(s), `timeline has ${s}`);
      }
      assert.ok(!html.includes('<b>prüfen</b>'), 'escaped');
      assert.ok((await leadIds(A, '?zeige=faellig')).includes(id), 'due today');
      assert.ok((await leadIds(A, '?status=waiting')).includes(id));
      assert.ok(!(await leadIds(A, '?status=new')).includes(id));
      // the staff member sees it under "me"
      const S = await login(`verkauf@${slugs[0]}.example`, pw);
      assert.ok((await leadIds(S, '?wer=ich')).includes(id), 'assigned to me');
      assert.ok(!(await leadIds(A, '?wer=niemand')).includes(id));
      // clearing the follow-up
      assert.equal((await act(A, id, { action: 'follow_up', date: '' })).status, 303);
      assert.ok(!(await leadIds(A, '?zeige=faellig')).includes(id));
    });

    test('a reply is sent by mail, with Reply-To the dealer, and is in the timeline', async () => {
      const [id] = await leadIds(A, '?q=Karl%20Kontakt');
      const page = await (await get(A, `/dashboard/anfragen/${id}`)).text();
      const subject = page.match(/name="subject" value="([^"]*)"/)[1].replace(/&amp;/g, '&');
      assert.match(subject, /^Ihre Anfrage: /);
      const text = 'Guten Tag Herr Kontakt,\n\nder Wagen ist noch da. Samstag 10 Uhr?\n\nGrüße';
      const r = await act(A, id, { action: 'reply', subject, text });
      assert.equal(r.status, 303);
      const deadline = Date.now() + 15000;
      let m;
      while (!(m = smtp.received.find((x) => x.to.includes('karl@kunde.example') && x.parsed.text.includes('Samstag 10 Uhr')))) {
        assert.ok(Date.now() < deadline, 'the reply arrives');
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.equal(m.parsed.subject, subject);
      const dealerMail = sql(`SELECT email FROM tenants WHERE slug = '${slugs[0]}'`);
      assert.equal(m.parsed.replyTo.value[0].address, dealerMail);
      const html = await (await get(A, `/dashboard/anfragen/${id}`)).text();
      assert.match(html, /E-Mail gesendet/);
      assert.match(html, /der Wagen ist noch da\. Samstag 10 Uhr\?/);
    });

    test('bad input is refused inline and changes nothing', async () => {
      const [id] = await leadIds(A, '?q=Karl%20Kontakt');
      const count = () => sql(`SELECT COUNT(*) FROM lead_activities la JOIN leads l ON l.id = la.lead_id WHERE l.public_id = '${id}'`);
      const outbox = () => sql("SELECT COUNT(*) FROM outbox WHERE recipient = 'karl@kunde.example'");
      const before = [count(), outbox()];
      const cases = [
        [{ action: 'reply', subject: 'Hallo\r\nBcc: victim@evil.example', text: 'x' }, 422],
        [{ action: 'reply', subject: '', text: 'x' }, 422],
        [{ action: 'reply', subject: 'ok', text: '' }, 422],
        [{ action: 'reply', subject: 'ok', text: 'x'.repeat(20001) }, 422],
        [{ action: 'note', text: '' }, 422],
        [{ action: 'note', text: 'ü'.repeat(4001) }, 422],
        [{ action: 'status', status: 'gewonnen' }, 422],
        [{ action: 'assign', assignee: 'abc' }, 422],
        [{ action: 'assign', assignee: '999999' }, 422],
        [{ action: 'follow_up', date: '2026-02-30' }, 422],
        [{ action: 'follow_up', date: '2026-12-01', time: '25:00' }, 422],
        [{ action: 'explode' }, 422],
      ];
      for (const [fields, status] of cases) {
        const r = await act(A, id, fields);
        assert.equal(r.status, status, JSON.stringify(fields).slice(0, 80));
      }
      assert.equal((await act(A, id, { action: 'note', text: 'ohne CSRF' }, { csrf: false })).status, 403);
      assert.deepEqual([count(), outbox()], before, 'nothing changed');
      const r = await act(A, id, { action: 'reply', subject: 'ok', text: '' });
      assert.match(await r.text(), /id="r-text-err"/, 'the error sits at the field');
    });
  });
}

describe('leads in the API', () => {
  let srv;
  let slugs;
  before(async () => {
    srv = await startServer();
    slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
  });
  after(async () => srv && srv.stop());
  const send = (body, headers = {}) => fetch(srv.url + '/api/v1/public/leads', {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const token = (slug, scope) => cc24(['admin', 'token', 'create', '--tenant', slug, '--scope', scope, `--database-url=${srv.databaseUrl}`]).trim();
  const list = (tok, qs = '') => fetch(srv.url + '/api/v1/leads' + qs, { headers: { authorization: `Bearer ${tok}` } });

  test('POST /api/v1/public/leads: 201, the dealer lists it, others do not; bad input names the field', async () => {
    const v = (await (await fetch(srv.url + `/api/v1/vehicles/search?dealer=${slugs[0]}&size=1`)).json()).items[0];
    const good = { vehicle_id: v.id, kind: 'financing', name: 'Fiona Finanz', email: 'fiona@kunde.example', phone: '', message: '', privacy_ack: true, marketing_opt_in: false };
    const bad = [
      [{ ...good, privacy_ack: undefined }, 'privacy_ack'],
      [{ ...good, privacy_ack: false }, 'privacy_ack'],
      [{ ...good, email: 'fiona@' }, 'email'],
      [{ ...good, email: 'a@b.example\r\nBcc: x@evil.example' }, 'email'],
      [{ ...good, kind: 'callback' }, 'kind'],
      [{ ...good, kind: 'test_drive' }, 'phone'],
      [{ ...good, name: 'X' }, 'name'],
      [{ ...good, surprise: 1 }, 'surprise'],
      [{ ...good, vehicle_id: 'zzzzzzzzzzzzzzzz' }, 'vehicle_id'],
      [{ ...good, message: 'x'.repeat(2001) }, 'message'],
    ];
    for (const [body, field] of bad) {
      const r = await send(body);
      assert.equal(r.status, 422, `${field}: ${JSON.stringify(body).slice(0, 60)}`);
      assert.match(r.headers.get('content-type'), /application\/problem\+json/);
      const p = await r.json();
      assert.ok(p.errors.some((x) => x.field === field), `names ${field}: ${JSON.stringify(p.errors)}`);
    }
    assert.equal((await send('{"vehicle_id": ')).status, 400, 'malformed JSON');
    const big = await send({ ...good, message: 'x'.repeat(1024 * 1024) });
    assert.ok([413, 422].includes(big.status), `a 1 MB message is refused (${big.status})`);
    const r = await send(good);
    assert.equal(r.status, 201);
    const created = await r.json();
    assert.equal(created.kind, 'financing');
    assert.match(created.id, /^[0-9a-z]{16}$/);
    // the dealer's token with leads:read sees it, with its kind; another dealer's does not
    const mine = await (await list(token(slugs[0], 'leads:read'))).json();
    const it = mine.items.find((x) => x.id === created.id);
    assert.ok(it, 'listed for the dealer');
    assert.equal(it.kind, 'financing');
    assert.equal(it.source, 'api');
    assert.equal(it.email, 'fiona@kunde.example');
    assert.equal(it.vehicle_id, v.id);
    const old = await (await list(token(slugs[0], 'leads'))).json();
    assert.ok(old.items.some((x) => x.id === created.id), 'the older scope name still works');
    const other = await (await list(token(slugs[1], 'leads:read'))).json();
    assert.ok(!other.items.some((x) => x.id === created.id), 'another dealer never sees it');
    assert.equal((await list(token(slugs[0], 'read'))).status, 403, 'a token without the scope');
    assert.equal((await fetch(srv.url + '/api/v1/leads')).status, 401);
    assert.equal((await list(token(slugs[0], 'leads:read'), '?size=0')).status, 400);
    assert.equal((await list(token(slugs[0], 'leads:read'), '?status=gewonnen')).status, 400);
    const filtered = await (await list(token(slugs[0], 'leads:read'), '?q=Fiona')).json();
    assert.deepEqual(filtered.items.map((x) => x.id), [created.id]);
  });

  test('the public endpoint is rate-limited per address', async () => {
    const v = (await (await fetch(srv.url + `/api/v1/vehicles/search?dealer=${slugs[1]}&size=1`)).json()).items[0];
    let last;
    for (let i = 0; i < 8; i++) {
      last = await send({ vehicle_id: v.id, kind: 'contact', name: `Rate ${i}`, email: `rate${i}@kunde.example`, message: 'Hallo', privacy_ack: true });
      if (last.status === 429) break;
      assert.equal(last.status, 201);
    }
    assert.equal(last.status, 429);
    assert.ok(Number(last.headers.get('retry-after')) >= 1);
  });
});
