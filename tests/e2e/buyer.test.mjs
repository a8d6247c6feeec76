// Buyer accounts over HTTP, on SQLite and (with CC24_PG_URL) PostgreSQL under
// row-level security: sign up → confirm the address (the link is read from the
// outbox table, the mail queue the e-mail issue sends later) → log in (a buyer lands
// on /konto, a dealer on /dashboard) → favourites in the account (a sold vehicle stays
// as "no longer available") → a saved search → the alert job writes one mail for a
// newly published matching vehicle and not for old or non-matching ones → the
// unsubscribe link works without login → deleting the account removes everything.
// Bad input: CSRF missing, another buyer's ids, hostile and huge queries, the 51st
// search; a buyer passes no dealer route and a dealer no buyer route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, backends, cc24, demoKey } from './helpers.mjs';

// once, at the top level: backends() may register a skipped test for the PostgreSQL
// variants, which a hook or a running test cannot do
const BACKENDS = backends();

const servers = {};
const PASSWORD = 'Kaeufer-Passwort-2026';

before(async () => {
  for (const b of BACKENDS) {
    const srv = await startServer({ backend: b });
    srv.slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
    srv.sql = (q) => (b === 'sqlite'
      ? execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q])
      : execFileSync('psql', [srv.databaseUrl, '-qAtc', q])).toString().trim();
    servers[b] = srv;
  }
});
after(async () => { for (const s of Object.values(servers)) await s.stop(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const csrfOf = (html) => html.match(/name="_csrf" value="([^"]+)"/)[1];

function client(srv) {
  const c = { cookie: '' };
  c.req = async (path, init = {}) => {
    const headers = { ...(init.headers || {}) };
    if (c.cookie) headers.cookie = c.cookie;
    const r = await fetch(srv.url + path, { redirect: 'manual', ...init, headers });
    const set = r.headers.get('set-cookie');
    if (set && /cc24_session=/.test(set)) {
      const v = set.match(/cc24_session=([^;]*)/)[1];
      c.cookie = v ? `cc24_session=${v}` : '';
    }
    return r;
  };
  // the form limit per account (60 at once, then 2 a second) is real: wait as told
  c.post = async (path, fields, headers = {}) => {
    for (let i = 0; ; i++) {
      const r = await c.req(path, { method: 'POST', headers, body: new URLSearchParams(fields) });
      if (r.status !== 429 || !r.headers.get('retry-after') || i === 3) return r;
      await sleep(1000 * Number(r.headers.get('retry-after')));
    }
  };
  c.csrf = async () => csrfOf(await (await c.req('/konto')).text());
  return c;
}

async function signup(srv, who) {
  const c = client(srv);
  c.email = `${who}-${Date.now()}@kaeufer.example`;
  const r = await c.post('/konto/registrieren', { name: `Käuferin ${who}`, email: c.email, password: PASSWORD });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/konto?ok=willkommen');
  assert.ok(c.cookie, 'logged in right away');
  return c;
}

async function publish(srv, vehicle) {
  const r = await fetch(srv.url + '/api/v1/vehicles', {
    method: 'POST',
    headers: { Authorization: `Bearer ${demoKey(srv.slugs[0])}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ body: 'estate', condition: 'used', first_registration: '2021-04', mileage_km: 31000, power_kw: 140,
      gearbox: 'automatic', price_cents: 3450000, vat_mode: 'margin', status: 'published', ...vehicle }),
  });
  assert.equal(r.status, 201, await r.clone().text());
  return (await r.json()).id;
}

for (const backend of BACKENDS) {
  test(`${backend}: sign-up, login, favourites, saved search, alert, unsubscribe, erasure`, async () => {
    const srv = servers[backend];
    const sql = srv.sql;

    // ---- sign-up and verification ----
    assert.equal((await fetch(srv.url + '/konto/registrieren')).status, 200);
    const bad = await fetch(srv.url + '/konto/registrieren', { method: 'POST', body: new URLSearchParams({ name: '', email: 'kein-at', password: 'kurz' }) });
    assert.equal(bad.status, 422);
    const badHtml = await bad.text();
    assert.match(badHtml, /aria-invalid="true"/);
    assert.match(badHtml, /value="kein-at"/, 'what the user typed stays');

    const anna = await signup(srv, 'anna');
    assert.equal(sql(`SELECT role || '|' || COALESCE(tenant_id, 0) || '|' || email_verified_at FROM users WHERE email = '${anna.email}'`), 'buyer|0|0');
    const konto = await (await anna.req('/konto?ok=willkommen')).text();
    assert.match(konto, /Willkommen bei cc24/);
    assert.match(konto, /Bitte bestätigen Sie Ihre E-Mail-Adresse/);
    const mail = sql(`SELECT body FROM outbox WHERE recipient = '${anna.email}'`);
    const link = mail.match(/https?:\/\/\S+\/bestaetigen\?token=[A-Za-z0-9_-]+/)[0];
    assert.equal((await fetch(link.replace(/^https?:\/\/[^/]+/, srv.url))).status, 200);
    assert.notEqual(sql(`SELECT email_verified_at FROM users WHERE email = '${anna.email}'`), '0');
    const again = await anna.post('/konto/registrieren', { name: 'Noch mal', email: anna.email.toUpperCase(), password: PASSWORD });
    assert.equal(again.status, 422, 'the address is taken');

    // ---- logout, login: a buyer lands on /konto, a dealer on /dashboard ----
    let csrf = await anna.csrf();
    assert.equal((await anna.post('/konto/abmelden', { _csrf: csrf })).headers.get('location'), '/');
    assert.match((await anna.req('/konto')).headers.get('location'), /^\/anmelden\?next=%2Fkonto$/);
    let r = await anna.post('/anmelden', { email: anna.email, password: PASSWORD, next: '/dashboard' });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/konto', 'a buyer is never sent into the dashboard');
    r = await anna.post('/anmelden', { email: anna.email, password: PASSWORD, next: '/konto/suchen?query=make%3DBMW' });
    assert.equal(r.headers.get('location'), '/konto/suchen?query=make%3DBMW', 'back to where the login was asked for');
    const dealer = client(srv);
    r = await dealer.post('/anmelden', { email: `owner@${srv.slugs[0]}.demo`, password: 'cc24-Demo-2026' });
    assert.equal(r.headers.get('location'), '/dashboard');
    assert.equal((await anna.req('/dashboard')).status, 403, 'a buyer passes no dealer route');
    assert.equal((await dealer.req('/konto')).status, 403, 'a dealer passes no buyer route');

    // ---- the password reset of the dealers works for buyers too ----
    assert.equal((await fetch(srv.url + '/passwort-vergessen', { method: 'POST', body: new URLSearchParams({ email: anna.email }) })).status, 200);
    const resetMail = sql(`SELECT body FROM outbox WHERE recipient = '${anna.email}' AND body LIKE '%passwort-neu%'`);
    const resetToken = resetMail.match(/passwort-neu\?token=([A-Za-z0-9_-]+)/)[1];
    r = await fetch(srv.url + '/passwort-neu', { method: 'POST', body: new URLSearchParams({ token: resetToken, password: PASSWORD + '!' }) });
    assert.equal(r.status, 200);
    assert.match((await anna.req('/konto')).headers.get('location') || '', /^\/anmelden/, 'the reset ended the sessions');
    r = await anna.post('/anmelden', { email: anna.email, password: PASSWORD + '!' });
    assert.equal(r.headers.get('location'), '/konto');
    csrf = await anna.csrf();
    r = await anna.post('/konto/passwort', { _csrf: csrf, current: PASSWORD + '!', password: PASSWORD, password2: PASSWORD });
    assert.equal(r.status, 303, 'back to the old password through the account page');
    assert.equal((await anna.req('/konto')).status, 200, 'the rotated session works');

    // ---- favourites ----
    csrf = await anna.csrf();
    const search = await (await fetch(srv.url + '/api/v1/vehicles/search?size=3&sort=newest')).json();
    const [v1, v2] = search.items;
    assert.equal((await anna.post('/konto/merkliste', { action: 'add', vehicle: v1.id })).status, 403, 'CSRF');
    r = await anna.post('/konto/merkliste', { _csrf: csrf, action: 'add', vehicle: v1.id, back: `/fahrzeuge?make=${encodeURIComponent(v1.make)}` });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), `/fahrzeuge?make=${encodeURIComponent(v1.make)}`, 'back to the page');
    assert.equal((await anna.post('/konto/merkliste', { _csrf: csrf, action: 'add', vehicle: v1.id, back: 'https://evil.example/' })).headers.get('location'), '/merkliste', 'never to another host');
    r = await anna.post('/konto/merkliste', { _csrf: csrf, action: 'add', vehicle: v2.id }, { Accept: 'application/json' });
    assert.equal(r.status, 200);
    let j = await r.json();
    assert.deepEqual(j.favourites.sort(), [v1.id, v2.id].sort());
    assert.equal(j.count, 2);
    assert.equal((await anna.post('/konto/merkliste', { _csrf: csrf, action: 'steal', vehicle: v1.id })).status, 422);
    assert.equal((await anna.post('/konto/merkliste', { _csrf: csrf, action: 'add', vehicle: "x' OR 1=1 --" })).status, 422);
    assert.equal((await anna.post('/konto/merkliste', { _csrf: csrf, action: 'add', vehicle: '0000000000000000' })).status, 404);
    // the hearts show the account's state, without JavaScript
    const card = await (await anna.req(`/fahrzeuge/x-${v1.id}`, { redirect: 'follow' })).text();
    assert.match(card, /name="action" value="remove" aria-pressed="true"/);
    assert.match(await (await anna.req('/')).text(), /data-fav-count>2</, 'the count in the header');
    // the dealer sells v1: it stays on the list, marked
    const title = sql(`SELECT make || ' ' || model FROM vehicles WHERE public_id = '${v1.id}'`);
    const owner = sql(`SELECT t.slug FROM vehicles v JOIN tenants t ON t.id = v.tenant_id WHERE v.public_id = '${v1.id}'`);
    r = await fetch(srv.url + `/api/v1/vehicles/${v1.id}`, { method: 'PATCH', headers: { Authorization: `Bearer ${demoKey(owner)}`, 'Content-Type': 'application/json' }, body: '{"status":"sold"}' });
    assert.equal(r.status, 200, await r.text());
    const favHtml = await (await anna.req('/merkliste')).text();
    assert.match(favHtml, /Nicht mehr verfügbar/);
    assert.ok(favHtml.includes(title), 'the sold vehicle is named');
    assert.ok(favHtml.includes(`/fahrzeuge/`) && favHtml.includes(v2.id), 'the available one as a card');

    // ---- saved searches ----
    let page = await anna.req('/konto/suchen?query=' + encodeURIComponent('make=BMW&fuel=diesel&page=4'));
    assert.equal(page.status, 200);
    let html = await page.text();
    assert.match(html, /name="query" value="make=BMW&amp;fuel=diesel"/, 'canonical, without the page');
    page = await anna.req('/konto/suchen?query=' + encodeURIComponent('make=BMW&evil=<script>'));
    assert.equal(page.status, 422);
    html = await page.text();
    assert.match(html, /kann nicht gespeichert werden/);
    assert.match(html, /Parameter, den die Fahrzeugsuche nicht kennt/, 'why, in German');
    assert.ok(!html.includes('<script>'), 'nothing of it comes back unescaped');
    assert.equal((await anna.req('/konto/suchen?query=' + 'make%3D' + 'A'.repeat(5000))).status, 422);
    assert.equal((await anna.post('/konto/suchen', { query: 'make=BMW&fuel=diesel', name: 'BMW Diesel', alert: '1' })).status, 403, 'CSRF');
    for (const [query, why] of [['colour=plaid', 'unknown value'], ['frobnicate=1', 'unknown parameter'], ['price_max=-1', 'negative'],
      ['', 'empty'], ['sort=price_asc', 'no filter'], ['make=' + 'X'.repeat(3000), 'huge'], ["make=BMW'; DROP TABLE saved_searches; --&x=1", 'hostile']]) {
      r = await anna.post('/konto/suchen', { _csrf: csrf, query, name: 'Kaputt', alert: '1' });
      assert.equal(r.status, 422, why);
    }
    r = await anna.post('/konto/suchen', { _csrf: csrf, query: 'make=BMW', name: '   ', alert: '1' });
    assert.equal(r.status, 422, 'a name is needed');
    assert.match(await r.text(), /höchstens 80 Zeichen/);
    assert.equal(sql(`SELECT COUNT(*) FROM saved_searches s JOIN users u ON u.id = s.user_id WHERE u.email = '${anna.email}'`), '0', 'nothing bad was stored');
    r = await anna.post('/konto/suchen', { _csrf: csrf, query: 'fuel=diesel&make=BMW', name: 'BMW Diesel', alert: '1' });
    assert.equal(r.status, 303);
    const sid = r.headers.get('location').match(/#s-([0-9a-z]{16})$/)[1];
    assert.equal(sql(`SELECT query || '|' || alert FROM saved_searches WHERE public_id = '${sid}'`), 'make=BMW&fuel=diesel|1');
    assert.equal((await anna.post('/konto/suchen', { _csrf: csrf, query: 'make=BMW&fuel=diesel', name: 'Doppelt' })).status, 409, 'saved already');
    html = await (await anna.req('/konto/suchen')).text();
    const hits = (await (await fetch(srv.url + '/api/v1/vehicles/search?make=BMW&fuel=diesel&size=1')).json()).total;
    assert.match(html, new RegExp(`>${hits} Treffer<`), 'the current number of results');
    // rename and toggle the alert; bad values
    assert.equal((await anna.post(`/konto/suchen/${sid}`, { _csrf: csrf, name: 'x'.repeat(81) })).status, 422);
    assert.equal((await anna.post(`/konto/suchen/${sid}`, { _csrf: csrf, alert: 'maybe' })).status, 422);
    assert.equal((await anna.post(`/konto/suchen/${sid}`, { _csrf: csrf, name: 'Mein BMW' })).status, 303);
    assert.equal((await anna.post(`/konto/suchen/${sid}`, { _csrf: csrf, alert: '0' })).status, 303);
    assert.equal((await anna.post(`/konto/suchen/${sid}`, { _csrf: csrf, alert: '1' })).status, 303);
    assert.equal(sql(`SELECT name || '|' || alert FROM saved_searches WHERE public_id = '${sid}'`), 'Mein BMW|1');
    // another buyer's ids answer 404 and change nothing
    const ben = await signup(srv, 'ben');
    const benCsrf = await ben.csrf();
    assert.equal((await ben.post(`/konto/suchen/${sid}`, { _csrf: benCsrf, name: 'Geklaut', alert: '0' })).status, 404);
    assert.equal((await ben.post(`/konto/suchen/${sid}/loeschen`, { _csrf: benCsrf })).status, 404);
    assert.equal((await ben.post(`/konto/suchen/${sid}`, { _csrf: csrf, name: 'Fremd-Token' })).status, 403, "Anna's CSRF token is not Ben's");
    assert.ok(!(await (await ben.req('/konto/suchen')).text()).includes(sid));
    assert.equal(sql(`SELECT name || '|' || alert FROM saved_searches WHERE public_id = '${sid}'`), 'Mein BMW|1');

    // ---- the alert job: new and matching only ----
    await sleep(1100); // published strictly after the search's mark
    const fresh = await publish(srv, { make: 'BMW', model: '520d', variant: 'Touring Alarmtest', fuel: 'diesel' });
    const petrol = await publish(srv, { make: 'BMW', model: '118i', variant: 'Benziner', fuel: 'petrol' });
    const oldDiesels = sql(`SELECT public_id FROM vehicles WHERE make = 'BMW' AND fuel = 'diesel' AND public_id <> '${fresh}' AND status = 'published'`).split('\n').filter(Boolean);
    assert.ok(oldDiesels.length > 0, 'the demo data has BMW diesels published earlier');
    await sleep(3500); // the run looks up to a few seconds before now
    sql("INSERT INTO jobs (kind, payload, state, run_at, attempts, max_attempts, created_at) VALUES ('buyer.alerts', '{}', 'queued', 0, 0, 8, 0)");
    let alert = '';
    for (let i = 0; i < 100 && !alert; i++) {
      alert = sql(`SELECT subject || '\n' || body FROM outbox WHERE recipient = '${anna.email}' AND subject LIKE '%Mein BMW%'`);
      if (!alert) await sleep(150);
    }
    assert.ok(alert, 'an alert mail in the outbox');
    assert.match(alert, /^Neues Fahrzeug für Ihre Suche „Mein BMW“/);
    assert.ok(alert.includes(fresh), 'the new matching vehicle');
    assert.ok(!alert.includes(petrol), 'not the new petrol car');
    for (const old of oldDiesels) assert.ok(!alert.includes(old), 'not vehicles published before');
    assert.equal(sql(`SELECT COUNT(*) FROM outbox WHERE recipient = '${ben.email}' AND subject LIKE '%Fahrzeug%'`), '0', 'Ben saved nothing');
    // the job runs again: nothing new, no second mail
    sql("INSERT INTO jobs (kind, payload, state, run_at, attempts, max_attempts, created_at) VALUES ('buyer.alerts', '{}', 'queued', 0, 0, 8, 0)");
    for (let i = 0; i < 60 && sql("SELECT COUNT(*) FROM jobs WHERE kind = 'buyer.alerts' AND state = 'queued' AND run_at = 0") !== '0'; i++) await sleep(100);
    await sleep(300);
    assert.equal(sql(`SELECT COUNT(*) FROM outbox WHERE recipient = '${anna.email}' AND subject LIKE '%Mein BMW%'`), '1', 'announced once');
    assert.equal(sql("SELECT COUNT(*) FROM jobs WHERE kind = 'buyer.alerts' AND state IN ('queued', 'running')"), '1', 'one chain of runs');

    // ---- the unsubscribe link, without login ----
    const unsub = alert.match(/https?:\/\/\S+\/suchalarm\/abbestellen\?t=[0-9a-z.]+/)[0].replace(/^https?:\/\/[^/]+/, srv.url);
    page = await fetch(unsub);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Mein BMW/);
    assert.equal(sql(`SELECT alert FROM saved_searches WHERE public_id = '${sid}'`), '1', 'looking is not unsubscribing');
    const token = new URL(unsub).searchParams.get('t');
    assert.equal((await fetch(srv.url + '/suchalarm/abbestellen', { method: 'POST', body: new URLSearchParams({ t: token.slice(0, -1) + (token.endsWith('0') ? '1' : '0') }) })).status, 404, 'a changed signature');
    r = await fetch(srv.url + '/suchalarm/abbestellen', { method: 'POST', body: new URLSearchParams({ t: token }) });
    assert.equal(r.status, 200);
    assert.match(await r.text(), /abbestellt/);
    assert.equal(sql(`SELECT alert FROM saved_searches WHERE public_id = '${sid}'`), '0');
    assert.match(await (await anna.req('/konto/suchen')).text(), /Alarm aus/);

    // ---- the 51st search ----
    for (let i = 2; i <= 50; i++) {
      r = await anna.post('/konto/suchen', { _csrf: csrf, query: `make=VW&price_max=${1000 + i}`, name: `Suche ${i}` });
      assert.equal(r.status, 303, `search ${i}`);
    }
    r = await anna.post('/konto/suchen', { _csrf: csrf, query: 'make=Seat', name: 'Nr. 51' });
    assert.equal(r.status, 409);
    assert.match(await r.text(), /bereits 50 Suchen/);
    assert.equal(sql(`SELECT COUNT(*) FROM saved_searches s JOIN users u ON u.id = s.user_id WHERE u.email = '${anna.email}'`), '50');

    // ---- delete the account ----
    r = await anna.post('/konto/loeschen', { _csrf: csrf, delete_password: 'falsch-falsch-falsch', confirm: '1' });
    assert.equal(r.status, 422);
    r = await anna.post('/konto/loeschen', { _csrf: csrf, delete_password: PASSWORD });
    assert.equal(r.status, 422, 'not confirmed');
    assert.equal(sql(`SELECT COUNT(*) FROM users WHERE email = '${anna.email}'`), '1', 'nothing deleted yet');
    const uid = sql(`SELECT id FROM users WHERE email = '${anna.email}'`);
    const oldCookie = anna.cookie;
    r = await anna.post('/konto/loeschen', { _csrf: csrf, delete_password: PASSWORD, confirm: '1' });
    assert.equal(r.status, 200);
    assert.match(await r.text(), /Konto gelöscht/);
    assert.equal(sql(`SELECT COUNT(*) FROM users WHERE email = '${anna.email}'`), '0');
    for (const t of ['favourites', 'saved_searches', 'sessions', 'auth_tokens', 'audit_log'])
      assert.equal(sql(`SELECT COUNT(*) FROM ${t} WHERE user_id = ${uid}`), '0', `${t} of the erased buyer`);
    assert.equal(sql(`SELECT COUNT(*) FROM outbox WHERE recipient = '${anna.email}'`), '0', 'no mails to the address are kept');
    assert.equal(sql("SELECT COUNT(*) FROM audit_log WHERE action = 'buyer.erased' AND user_id IS NULL AND ip = '' AND detail = 'favourites=2 searches=50'"), '1', 'audited without the person');
    assert.match((await fetch(srv.url + '/konto', { headers: { cookie: oldCookie }, redirect: 'manual' })).headers.get('location') || '', /^\/anmelden/, 'the session is gone');
    assert.equal((await client(srv).post('/anmelden', { email: anna.email, password: PASSWORD })).status, 401);
    assert.equal((await fetch(unsub)).status, 404, 'the unsubscribe link of a deleted search');
    // Ben is untouched
    assert.equal((await ben.req('/konto')).status, 200);
  });

  test(`${backend}: a buyer passes no dealer route, a dealer no buyer route`, async () => {
    const srv = servers[backend];
    const buyer = await signup(srv, 'grenze');
    const csrf = await buyer.csrf();
    const dealer = client(srv);
    await dealer.post('/anmelden', { email: `owner@${srv.slugs[1]}.demo`, password: 'cc24-Demo-2026' });
    const dealerCsrf = csrfOf(await (await dealer.req('/dashboard')).text());
    const table = cc24(['routes']).trim().split('\n').map((l) => l.split(' '));
    let dealerRoutes = 0, buyerRoutes = 0;
    for (const [method, pattern, role] of table) {
      const path = pattern.replace(/\{\*?\w+\}/g, '0000000000000000');
      if (['staff', 'owner', 'admin'].includes(role)) {
        dealerRoutes++;
        const r = await buyer.req(path, method === 'GET' ? {} : { method, body: new URLSearchParams({ _csrf: csrf }) });
        // 403: the buyer is known (the dashboard's scripts call the API with the login
        // session too) and has not the role; a write without the X-CSRF-Token header is 403
        // as well
        assert.equal(r.status, 403, `buyer on ${method} ${pattern}`);
      } else if (role === 'buyer') {
        buyerRoutes++;
        const r = await dealer.req(path, method === 'GET' ? {} : { method, body: new URLSearchParams({ _csrf: dealerCsrf }) });
        assert.equal(r.status, 403, `dealer on ${method} ${pattern}`);
      }
    }
    assert.ok(dealerRoutes > 30 && buyerRoutes >= 10, `${dealerRoutes} dealer and ${buyerRoutes} buyer routes`);
  });
}
