// The dealer dashboard in a real browser: log in, create a vehicle with a
// validation error then fix it, publish it, find it on the public site, log out.
// Plus the HTTP rules: login required, CSRF, no account enumeration, tenant isolation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, launchBrowser, SHOTS, cc24 } from './helpers.mjs';

let srv;
let browser;
let close;
let slugs;
before(async () => {
  srv = await startServer();
  ({ browser, close } = await launchBrowser());
  slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
});
after(async () => {
  if (close) await close();
  if (srv) await srv.stop();
});

const PASSWORD = 'cc24-Demo-2026';

async function login(page, slug) {
  await page.goto(srv.url + '/dashboard');
  await page.waitForURL(/\/anmelden\?next=/);
  await page.fill('#l-email', `owner@${slug}.demo`);
  await page.fill('#l-pw', PASSWORD);
  await page.click('form button[type=submit]');
  await page.waitForURL(/\/dashboard$/);
}

test('a dealer creates, fixes, publishes a vehicle and logs out', async () => {
  for (const [name, viewport] of [['desktop', { width: 1440, height: 900 }], ['mobile', { width: 390, height: 844 }]]) {
    const ctx = await browser.newContext({ viewport });
    const page = await ctx.newPage();
    await login(page, slugs[0]);
    assert.match(await page.locator('h1').textContent(), /Übersicht|Overview/);
    await page.screenshot({ path: path.join(SHOTS, `dashboard-${name}.png`), fullPage: true });
    await page.click('a[href="/dashboard/fahrzeuge/neu"] >> nth=0');
    const unique = `Testfahrzeug ${name} ${Date.now()}`;
    await page.fill('#v-make', 'Volvo');
    await page.fill('#v-model', 'V90');
    await page.fill('#v-variant', unique);
    await page.fill('#v-reg', '2021-05');
    await page.fill('#v-km', 'viel');
    await page.fill('#v-kw', '145');
    await page.fill('#v-price', '34.990');
    await page.selectOption('#v-status', 'published');
    await page.click('form.vform button[type=submit]');
    await page.waitForSelector('.field-error');
    assert.ok(await page.locator('#v-km + .field-error').count() === 1, 'the mileage error is shown next to the field');
    assert.equal(await page.inputValue('#v-variant'), unique, 'the input is kept');
    await page.screenshot({ path: path.join(SHOTS, `vehicle-form-errors-${name}.png`), fullPage: true });
    await page.fill('#v-km', '61000');
    await page.click('form.vform button[type=submit]');
    await page.waitForURL(/\/dashboard\?saved=1/);
    const r = await fetch(srv.url + '/api/v1/vehicles/search?q=' + encodeURIComponent(unique));
    const j = await r.json();
    assert.equal(j.total, 1, 'published vehicles are on the public site at once');
    assert.equal(j.items[0].price_cents, 3499000);
    await page.click('.dash-bar form button[type=submit]');
    await page.waitForURL(srv.url + '/');
    await page.goto(srv.url + '/dashboard');
    await page.waitForURL(/\/anmelden/);
    await ctx.close();
  }
});

test('login rules: no enumeration, CSRF, isolation between dealers', async () => {
  const bad1 = await fetch(srv.url + '/anmelden', { method: 'POST', body: new URLSearchParams({ email: `owner@${slugs[0]}.demo`, password: 'wrong-password' }), redirect: 'manual' });
  const bad2 = await fetch(srv.url + '/anmelden', { method: 'POST', body: new URLSearchParams({ email: 'nobody@nowhere.example', password: 'wrong-password' }), redirect: 'manual' });
  assert.equal(bad1.status, 401);
  assert.equal(bad2.status, 401);
  const t1 = await bad1.text(), t2 = await bad2.text();
  assert.equal(t1.replace(/value="[^"]*"/g, ''), t2.replace(/value="[^"]*"/g, ''), 'the same answer for unknown addresses');

  const ok = await fetch(srv.url + '/anmelden', { method: 'POST', body: new URLSearchParams({ email: `owner@${slugs[0]}.demo`, password: PASSWORD, next: '//evil.example/' }), redirect: 'manual' });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/dashboard', 'no open redirect');
  const cookie = ok.headers.get('set-cookie').split(';')[0];
  assert.match(ok.headers.get('set-cookie'), /HttpOnly/i);
  assert.match(ok.headers.get('set-cookie'), /SameSite=Lax/i);

  const html = await (await fetch(srv.url + '/dashboard', { headers: { cookie } })).text();
  const csrf = html.match(/name="_csrf" value="([^"]+)"/)[1];
  const noCsrf = await fetch(srv.url + '/abmelden', { method: 'POST', headers: { cookie }, body: new URLSearchParams({}), redirect: 'manual' });
  assert.equal(noCsrf.status, 403, 'forms need the CSRF token');
  const wrongCsrf = await fetch(srv.url + '/abmelden', { method: 'POST', headers: { cookie }, body: new URLSearchParams({ _csrf: csrf.slice(1) + 'x' }), redirect: 'manual' });
  assert.equal(wrongCsrf.status, 403);

  // another dealer's vehicle: 404 on the edit page and on status changes
  const other = await (await fetch(srv.url + `/api/v1/vehicles/search?dealer=${slugs[1]}&size=1`)).json();
  const id = other.items[0].id;
  assert.equal((await fetch(srv.url + `/dashboard/fahrzeuge/${id}`, { headers: { cookie } })).status, 404);
  const st = await fetch(srv.url + `/dashboard/fahrzeuge/${id}/status`, { method: 'POST', headers: { cookie }, body: new URLSearchParams({ _csrf: csrf, status: 'sold' }), redirect: 'manual' });
  assert.equal(st.status, 404);
  const still = await (await fetch(srv.url + `/api/v1/vehicles/${id}`)).json();
  assert.notEqual(still.status, 'sold');

  const out = await fetch(srv.url + '/abmelden', { method: 'POST', headers: { cookie }, body: new URLSearchParams({ _csrf: csrf }), redirect: 'manual' });
  assert.equal(out.status, 303);
  const after = await fetch(srv.url + '/dashboard', { headers: { cookie }, redirect: 'manual' });
  assert.equal(after.status, 303, 'the old session is gone');
});

test('the dealer edits the financing conditions; an inconsistent bank example is refused', async () => {
  const login = await fetch(srv.url + '/anmelden', { method: 'POST', body: new URLSearchParams({ email: `owner@${slugs[2]}.demo`, password: PASSWORD }), redirect: 'manual' });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  let html = await (await fetch(srv.url + '/dashboard/finanzierung', { headers: { cookie } })).text();
  assert.match(html, /cc24 Demo Autobank AG/);
  const csrf = html.match(/name="_csrf" value="([^"]+)"/)[1];
  const base = { _csrf: csrf, lender_name: 'Hausbank Rheinland eG', lender_address: 'Domplatz 3, 50667 Köln', fees: '0',
    default_term: '48', default_down: '20', band0_min: '12', band0_max: '48', band0_rate: '2,99', band1_min: '49', band1_max: '96', band1_rate: '3,99', representative: '0' };
  // 20,000 € over 48 months at 3.99 % is 451.58 €; the sheet says 472.00 € and 3.99 % APR
  let r = await fetch(srv.url + '/dashboard/finanzierung', { method: 'POST', headers: { cookie }, body: new URLSearchParams({ ...base, ex_net: '20000', ex_n: '48', ex_installment: '472,00', ex_nominal: '3,99', ex_apr: '3,99' }), redirect: 'manual' });
  assert.equal(r.status, 422);
  html = await r.text();
  assert.match(html, /nicht stimmig|does not add up/);
  assert.match(html, /Hausbank Rheinland eG/, 'the input is kept');
  let cond = await (await fetch(srv.url + '/api/v1/finance/conditions', { headers: { Authorization: `Bearer demo-key-${slugs[2]}` } })).json();
  assert.equal(cond.lender_name, 'cc24 Demo Autobank AG', 'nothing was saved');
  r = await fetch(srv.url + '/dashboard/finanzierung', { method: 'POST', headers: { cookie }, body: new URLSearchParams({ ...base, band1_min: '40' }), redirect: 'manual' });
  assert.equal(r.status, 422, 'overlapping bands');
  r = await fetch(srv.url + '/dashboard/finanzierung', { method: 'POST', headers: { cookie }, body: new URLSearchParams({ ...base, ex_net: '20000', ex_n: '48', ex_installment: '451,58', ex_nominal: '3,99', ex_apr: '4,06' }), redirect: 'manual' });
  assert.equal(r.status, 303, await r.clone().text().then((t) => (t.match(/role="alert">([^<]*)/g) || []).join(' ')));
  cond = await (await fetch(srv.url + '/api/v1/finance/conditions', { headers: { Authorization: `Bearer demo-key-${slugs[2]}` } })).json();
  assert.equal(cond.lender_name, 'Hausbank Rheinland eG');
  assert.equal(cond.bands[1].rate_percent, 3.99);
});

test('the owner invites staff, manages API tokens and reads the audit log', async () => {
  const { execFileSync } = await import('node:child_process');
  const sql = (q) => execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q]).toString().trim();
  const post = (p, fields, cookie) => fetch(srv.url + p, { method: 'POST', headers: { cookie }, body: new URLSearchParams(fields), redirect: 'manual' });
  const login = await post('/anmelden', { email: `owner@${slugs[1]}.demo`, password: PASSWORD });
  const owner = login.headers.get('set-cookie').split(';')[0];
  let html = await (await fetch(srv.url + '/dashboard/team', { headers: { cookie: owner } })).text();
  const csrf = html.match(/name="_csrf" value="([^"]+)"/)[1];
  let r = await post('/dashboard/team', { _csrf: csrf, email: 'Verkauf@Team.example', role: 'staff' }, owner);
  assert.equal(r.status, 303);
  const token = sql("SELECT body FROM outbox WHERE recipient = 'verkauf@team.example'").match(/token=([A-Za-z0-9_-]+)/)[1];
  assert.equal((await post('/passwort-neu', { token, password: 'Verkauf-im-Team-1' })).status, 200);
  const staffLogin = await post('/anmelden', { email: 'verkauf@team.example', password: 'Verkauf-im-Team-1' });
  const staff = staffLogin.headers.get('set-cookie').split(';')[0];
  assert.equal((await fetch(srv.url + '/dashboard', { headers: { cookie: staff } })).status, 200, 'staff work with the stock');
  assert.equal((await fetch(srv.url + '/dashboard/team', { headers: { cookie: staff } })).status, 403, 'but not with the team');

  r = await post('/dashboard/api-tokens', { _csrf: csrf, name: 'Website', scope: 'inventory:write' }, owner);
  html = await r.text();
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const secret = html.match(/<code class="token">([^<]+)<\/code>/)[1];
  assert.equal((await fetch(srv.url + '/api/v1/vehicles?size=1', { headers: { Authorization: `Bearer ${secret}` } })).status, 200);
  const id = html.match(/\/dashboard\/api-tokens\/([0-9a-z]{16})\/widerrufen/)[1];
  r = await post(`/dashboard/api-tokens/${id}/widerrufen`, { _csrf: csrf }, owner);
  assert.equal(r.status, 303);
  assert.equal((await fetch(srv.url + '/api/v1/vehicles?size=1', { headers: { Authorization: `Bearer ${secret}` } })).status, 401, 'revoked');

  const staffId = sql("SELECT public_id FROM users WHERE email = 'verkauf@team.example'");
  const other = await post('/anmelden', { email: `owner@${slugs[0]}.demo`, password: PASSWORD });
  const otherCookie = other.headers.get('set-cookie').split(';')[0];
  const otherCsrf = (await (await fetch(srv.url + '/dashboard/team', { headers: { cookie: otherCookie } })).text()).match(/name="_csrf" value="([^"]+)"/)[1];
  assert.equal((await post(`/dashboard/team/${staffId}/entfernen`, { _csrf: otherCsrf }, otherCookie)).status, 404, 'another dealer cannot remove them');
  r = await post(`/dashboard/team/${staffId}/entfernen`, { _csrf: csrf }, owner);
  assert.equal(r.status, 303);
  assert.equal((await fetch(srv.url + '/dashboard', { headers: { cookie: staff }, redirect: 'manual' })).status, 303, 'removed staff are logged out');

  html = await (await fetch(srv.url + '/dashboard/protokoll', { headers: { cookie: owner } })).text();
  for (const a of ['team.invite', 'token.create', 'token.revoke', 'team.remove', 'login']) assert.ok(html.includes(a), a);
  assert.ok(!html.includes(`owner@${slugs[0]}.demo`), 'only the own dealer\'s log');
});

test('dealer pages add the dealer stylesheet; public pages load only the shared one', async () => {
  const login = await fetch(srv.url + '/anmelden', { method: 'POST', body: new URLSearchParams({ email: `owner@${slugs[0]}.demo`, password: PASSWORD }), redirect: 'manual' });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const sheets = (html) => [...html.matchAll(/<link rel="stylesheet" href="(\/static\/css\/[a-z]+)\.[0-9a-f]{8}\.css">/g)].map((m) => m[1]);
  for (const p of ['/dashboard', '/dashboard/fahrzeuge/neu', '/dashboard/profil', '/dashboard/konto', '/boerse', '/dashboard/boerse/angebote']) {
    const html = await (await fetch(srv.url + p, { headers: { cookie } })).text();
    assert.deepEqual(sheets(html), ['/static/css/app', '/static/css/dash'], p);
  }
  for (const p of ['/', '/fahrzeuge', '/anmelden', `/haendler/${slugs[0]}`, '/gibt-es-nicht']) {
    const html = await (await fetch(srv.url + p)).text();
    assert.deepEqual(sheets(html), ['/static/css/app'], p);
  }
  const home = await (await fetch(srv.url + '/dashboard', { headers: { cookie } })).text();
  const dash = await fetch(srv.url + home.match(/href="(\/static\/css\/dash\.[0-9a-f]{8}\.css)"/)[1]);
  assert.equal(dash.status, 200);
  assert.equal(dash.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.match(await dash.text(), /\.boerse-head\{/, 'minified, with the Börse rules');
});
