// Accounts and security over HTTP, on SQLite and (with CC24_PG_URL) PostgreSQL:
// two-factor login (TOTP with replay protection, recovery codes, attempt limit),
// password change with session rotation, log out everywhere, role changes,
// session fixation, CSRF, security headers, the dashboard tools (bulk price change,
// duplicate, inventory search/sort/paging, page views) and the attacks of the issue
// (SQL metacharacters and HTML in text fields, over-long input, invalid e-mail,
// tenant tampering, brute force). The server trusts X-Forwarded-For here, so each
// test speaks from its own address and the login limits do not mix.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { startServer, backends, cc24 } from './helpers.mjs';

// once, at the top level: backends() may register a skipped test for the PostgreSQL
// variants, which a hook or a running test cannot do
const BACKENDS = backends();

const PASSWORD = 'cc24-Demo-2026';
const servers = {};

before(async () => {
  for (const b of BACKENDS) {
    const srv = await startServer({ backend: b, env: { CC24_TRUST_PROXY: '1' } });
    srv.slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
    srv.sql = (q) => (b === 'sqlite'
      ? execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q])
      : execFileSync('psql', [srv.databaseUrl, '-qAtc', q])).toString().trim();
    servers[b] = srv;
  }
});
after(async () => { for (const s of Object.values(servers)) await s.stop(); });

// ---- helpers ----

let ipCounter = 10;
const newIp = () => `198.51.100.${ipCounter++}`;

function b32decode(s) {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, val = 0;
  const out = [];
  for (const ch of s.replace(/[\s=]/g, '').toUpperCase()) {
    val = ((val << 5) | A.indexOf(ch)) & 0xffff;
    bits += 5;
    if (bits >= 8) { out.push((val >>> (bits - 8)) & 255); bits -= 8; }
  }
  return Buffer.from(out);
}

// RFC 6238 with SHA-1, 6 digits, 30-second steps: what an authenticator app shows.
function totp(secret, t) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const h = createHmac('sha1', b32decode(secret)).update(msg).digest();
  const o = h[19] & 15;
  const n = (((h[o] & 127) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3]) % 1000000;
  return String(n).padStart(6, '0');
}

// Wait until at least `need` seconds remain in the current 30-second step.
async function stepWithRoom(need = 15) {
  const left = 30 - ((Date.now() / 1000) % 30);
  if (left < need) await new Promise((r) => setTimeout(r, (left + 0.5) * 1000));
  return Math.floor(Date.now() / 1000 / 30) * 30;
}

const cookieOf = (r, name = 'cc24_session') => {
  const all = r.headers.getSetCookie ? r.headers.getSetCookie() : [r.headers.get('set-cookie') || ''];
  for (const c of all) if (c.startsWith(name + '=')) return c.split(';')[0];
  return null;
};
const csrfOf = (html) => (html.match(/name="_csrf" value="([^"]+)"/) || [])[1];

function client(srv, ip = newIp()) {
  const h = (cookie) => ({ 'X-Forwarded-For': ip, ...(cookie ? { cookie } : {}) });
  return {
    ip,
    get: (p, cookie) => fetch(srv.url + p, { headers: h(cookie), redirect: 'manual' }),
    post: (p, fields, cookie) => fetch(srv.url + p, { method: 'POST', headers: h(cookie), body: new URLSearchParams(fields), redirect: 'manual' }),
    // { status, cookie (session), challenge (cookie of the second step), location }
    async login(email, password = PASSWORD, cookie) {
      const r = await this.post('/anmelden', { email, password }, cookie);
      return { status: r.status, cookie: cookieOf(r), challenge: cookieOf(r, 'cc24_login'), location: r.headers.get('location'), r };
    },
    async csrf(cookie, p = '/dashboard/konto') {
      return csrfOf(await (await this.get(p, cookie)).text());
    },
  };
}

const api = (srv, slug) => ({ Authorization: `Bearer demo-key-${slug}`, 'Content-Type': 'application/json' });

async function createVehicle(srv, slug, fields = {}) {
  const body = { make: 'Opel', model: 'Astra', body: 'compact', condition: 'used', first_registration: '2020-03', mileage_km: 42000,
    power_kw: 96, fuel: 'petrol', gearbox: 'manual', price_cents: 1500000, vat_mode: 'margin', status: 'published', ...fields };
  const r = await fetch(srv.url + '/api/v1/vehicles', { method: 'POST', headers: api(srv, slug), body: JSON.stringify(body) });
  assert.equal(r.status, 201, await r.clone().text());
  return (await r.json()).id;
}
const priceOf = async (srv, slug, id) => (await (await fetch(srv.url + `/api/v1/vehicles/${id}`, { headers: api(srv, slug) })).json()).price_cents;

// A fresh dealer (sign-up) so tests that change an account do not disturb the others.
async function newDealer(srv, tag) {
  const c = client(srv);
  const email = `${tag}-${Date.now()}@haendler.example`;
  const password = 'Ein-sicheres-Passwort-1';
  const r = await c.post('/registrieren', { company: `Autohaus ${tag} ${Date.now()}`, city: 'Köln', name: 'Test Inhaber', email, password });
  assert.equal(r.status, 201, await r.clone().text());
  return { c, email, password };
}

for (const backend of BACKENDS) {
  const S = () => servers[backend];

  if (backend === 'postgresql') {
    test('PostgreSQL: serve works as the role cc24_app, so row-level security applies', () => {
      assert.match(S().logs(), /row-level security enforced: serving as role cc24_app/);
      assert.doesNotMatch(S().logs(), /not enforced/);
    });
  }

  test(`two-factor: confirmed set-up, code after the password, no replay, recovery codes, attempt limit, off with the password (${backend})`, async () => {
    const srv = S();
    const { c, email, password } = await newDealer(srv, 'zweifaktor');
    let { cookie } = await c.login(email, password);
    assert.ok(cookie, 'logged in with the password alone while two-factor is off');
    const setup = await c.get('/dashboard/konto/zwei-faktor', cookie);
    assert.equal(setup.status, 200);
    assert.equal(setup.headers.get('cache-control'), 'no-store');
    const html = await setup.text();
    assert.match(html, /<svg [^>]*class="qr"/, 'a QR code as inline SVG');
    assert.match(html, /otpauth:\/\/totp\/cc24:[^?]+\?secret=[A-Z2-7]{32}&amp;issuer=cc24/);
    const secret = html.match(/id="totp-secret">([A-Z2-7 ]+)</)[1];
    const csrf = csrfOf(html);
    assert.equal(secret.replace(/ /g, '').length, 32);
    assert.equal((await c.get('/dashboard/konto/zwei-faktor', cookie)).status, 200);
    assert.match(await (await c.get('/dashboard/konto/zwei-faktor', cookie)).text(), new RegExp(secret), 'the pending key stays until confirmed');

    const T = await stepWithRoom(20);
    let r = await c.post('/dashboard/konto/zwei-faktor', { _csrf: csrf, code: '000000' === totp(secret, T) ? '111111' : '000000', password }, cookie);
    assert.equal(r.status, 422, 'a wrong code does not turn it on');
    assert.equal(srv.sql(`SELECT totp_enabled_at FROM users WHERE email = '${email}'`), '0');
    // a stolen session cookie alone cannot bind an authenticator: the password is asked
    r = await c.post('/dashboard/konto/zwei-faktor', { _csrf: csrf, code: totp(secret, T) }, cookie);
    assert.equal(r.status, 422, 'no password, no two-factor');
    r = await c.post('/dashboard/konto/zwei-faktor', { _csrf: csrf, code: totp(secret, T), password: 'falsch-falsch-1' }, cookie);
    assert.equal(r.status, 422, 'a wrong password, no two-factor');
    assert.equal(srv.sql(`SELECT totp_enabled_at FROM users WHERE email = '${email}'`), '0');
    r = await c.post('/dashboard/konto/zwei-faktor', { _csrf: csrf, code: totp(secret, T - 30), password }, cookie);
    assert.equal(r.status, 200, 'the previous step is inside the window');
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const codes = [...(await r.text()).matchAll(/<li><code>([a-z0-9-]{19})<\/code><\/li>/g)].map((m) => m[1]);
    assert.equal(codes.length, 10, 'ten recovery codes, shown once');
    assert.equal(srv.sql(`SELECT COUNT(*) FROM recovery_codes WHERE code_hash = '${codes[0]}'`), '0', 'stored hashed');
    const notices = () => srv.sql(`SELECT body FROM outbox WHERE recipient = '${email.toLowerCase()}' AND kind = 'auth.security_notice' ORDER BY id`);
    assert.match(notices(), /Zwei-Faktor-Anmeldung eingeschaltet/, 'the owner is told at the own address');
    const rotated = cookieOf(r);
    assert.ok(rotated && rotated !== cookie, 'the session is rotated');
    assert.equal((await c.get('/dashboard', cookie)).status, 303, 'the old cookie is dead');
    assert.equal((await c.get('/dashboard', rotated)).status, 200);

    // the password alone gives no session now
    let l = await c.login(email, password);
    assert.equal(l.status, 303);
    assert.equal(l.location, '/anmelden/code');
    assert.equal(l.cookie, null, 'no session before the code');
    assert.ok(l.challenge);
    assert.match(l.r.headers.getSetCookie().join('\n'), /cc24_login=[^;]+;.*HttpOnly/);
    assert.equal((await c.get('/anmelden/code', l.challenge)).status, 200);
    assert.equal((await c.get('/anmelden/code')).status, 303, 'no pending login: back to the password');
    r = await c.post('/anmelden/code', { code: totp(secret, T - 60) }, l.challenge);
    assert.equal(r.status, 401, 'a code outside the window');
    r = await c.post('/anmelden/code', { code: totp(secret, T) }, l.challenge);
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/dashboard');
    const s2 = cookieOf(r);
    assert.equal((await c.get('/dashboard', s2)).status, 200);

    // the same code again: refused (replay), the next step's code: fine
    l = await c.login(email, password);
    r = await c.post('/anmelden/code', { code: totp(secret, T) }, l.challenge);
    assert.equal(r.status, 401, 'a used code cannot be replayed');
    assert.match(await r.text(), /schon verwendet|used already/);
    r = await c.post('/anmelden/code', { code: totp(secret, T + 30) }, l.challenge);
    assert.equal(r.status, 303, 'the next step is inside the window');

    // recovery codes: each once
    l = await c.login(email, password);
    r = await c.post('/anmelden/code', { code: codes[3].toUpperCase().replace(/-/g, ' ') }, l.challenge);
    assert.equal(r.status, 303, 'a recovery code, however it is typed');
    l = await c.login(email, password);
    r = await c.post('/anmelden/code', { code: codes[3] }, l.challenge);
    assert.equal(r.status, 401, 'a recovery code works once');

    // five wrong codes end the pending login; then even the right code is refused
    for (let i = 0; i < 3; i++) assert.equal((await c.post('/anmelden/code', { code: `12345${i}` }, l.challenge)).status, 401);
    r = await c.post('/anmelden/code', { code: '999999' }, l.challenge);
    assert.equal(r.status, 401);
    assert.match(await r.text(), /Zu viele|Too many/);
    r = await c.post('/anmelden/code', { code: totp(secret, T + 30) }, l.challenge);
    assert.equal(r.status, 401);
    assert.equal(cookieOf(r), null);

    // turning it off needs the password
    const acc = await (await c.get('/dashboard/konto', s2)).text();
    assert.match(acc, /Wiederherstellungscodes übrig|Recovery codes left/);
    const csrf2 = csrfOf(acc);
    r = await c.post('/dashboard/konto/zwei-faktor/aus', { _csrf: csrf2, password: 'falsch-falsch' }, s2);
    assert.equal(r.status, 422);
    assert.notEqual(srv.sql(`SELECT totp_enabled_at FROM users WHERE email = '${email}'`), '0', 'still on');
    r = await c.post('/dashboard/konto/zwei-faktor/aus', { _csrf: csrf2, password }, s2);
    assert.equal(r.status, 303);
    assert.match(notices(), /Zwei-Faktor-Anmeldung ausgeschaltet/, 'and told when it goes off');
    assert.equal(srv.sql(`SELECT totp_enabled_at || ':' || totp_secret FROM users WHERE email = '${email}'`), '0:');
    assert.equal(srv.sql(`SELECT COUNT(*) FROM recovery_codes rc JOIN users u ON u.id = rc.user_id WHERE u.email = '${email}'`), '0');
    l = await c.login(email, password);
    assert.ok(l.cookie, 'the password alone again');
    const audit = srv.sql(`SELECT action FROM audit_log a JOIN users u ON u.id = a.user_id WHERE u.email = '${email}' ORDER BY a.id`).split('\n');
    for (const a of ['2fa.enable', 'login.password', 'login', 'login.failed', '2fa.disable']) assert.ok(audit.includes(a), `audit ${a}`);
  });

  test(`support: cc24 admin user reset-2fa lets a user without phone and codes in with the password (${backend})`, async () => {
    const srv = S();
    const { c, email, password } = await newDealer(srv, 'support');
    const cookie = (await c.login(email, password)).cookie;
    const html = await (await c.get('/dashboard/konto/zwei-faktor', cookie)).text();
    const secret = html.match(/id="totp-secret">([A-Z2-7 ]+)</)[1];
    const T = await stepWithRoom(5);
    assert.equal((await c.post('/dashboard/konto/zwei-faktor', { _csrf: csrfOf(html), code: totp(secret, T), password }, cookie)).status, 200);
    assert.ok((await c.login(email, password)).challenge, 'two-factor is on');
    cc24(['admin', 'user', 'reset-2fa', '--email', email.toUpperCase(), `--database-url=${srv.databaseUrl}`]);
    const l = await c.login(email, password);
    assert.ok(l.cookie && !l.challenge, 'the password alone again');
    assert.equal(srv.sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'user.reset_2fa'`) > '0', true);
  });

  test(`password change: the old password is required, other sessions end, this one rotates (${backend})`, async () => {
    const srv = S();
    const { c, email, password } = await newDealer(srv, 'passwort');
    const a = (await c.login(email, password)).cookie;
    const b = (await c.login(email, password)).cookie;
    const csrf = await c.csrf(a);
    const newPw = 'Ganz-neues-Passwort-2026';
    let r = await c.post('/dashboard/konto/passwort', { _csrf: csrf, current: 'das-ist-falsch', password: newPw, password2: newPw }, a);
    assert.equal(r.status, 422);
    assert.match(await r.text(), /stimmt nicht|is wrong/);
    r = await c.post('/dashboard/konto/passwort', { _csrf: csrf, current: password, password: newPw, password2: newPw + 'x' }, a);
    assert.equal(r.status, 422, 'the repetition must match');
    r = await c.post('/dashboard/konto/passwort', { _csrf: csrf, current: password, password: 'kurz', password2: 'kurz' }, a);
    assert.equal(r.status, 422, 'the policy applies');
    r = await c.post('/dashboard/konto/passwort', { _csrf: csrf, current: password, password: newPw, password2: newPw }, a);
    assert.equal(r.status, 303);
    const a2 = cookieOf(r);
    assert.ok(a2 && a2 !== a, 'this session rotates');
    assert.equal((await c.get('/dashboard', a)).status, 303, 'the old cookie of this session is dead');
    assert.equal((await c.get('/dashboard', b)).status, 303, 'the other session ended');
    assert.equal((await c.get('/dashboard/konto?ok=passwort', a2)).status, 200);
    assert.equal((await c.login(email, password)).status, 401);
    assert.equal((await c.login(email, newPw)).status, 303);
    assert.match(srv.sql(`SELECT action FROM audit_log WHERE action = 'password.change'`), /password.change/);
  });

  test(`sessions: end the others, log out everywhere (${backend})`, async () => {
    const srv = S();
    const { c, email, password } = await newDealer(srv, 'sitzungen');
    const s = [];
    for (let i = 0; i < 3; i++) s.push((await c.login(email, password)).cookie);
    let html = await (await c.get('/dashboard/konto', s[0])).text();
    assert.match(html, /<strong>3<\/strong>/, 'three sessions open');
    let r = await c.post('/dashboard/konto/sitzungen', { _csrf: csrfOf(html) }, s[0]);
    assert.equal(r.status, 303);
    assert.equal((await c.get('/dashboard', s[0])).status, 200, 'this one stays');
    assert.equal((await c.get('/dashboard', s[1])).status, 303);
    assert.equal((await c.get('/dashboard', s[2])).status, 303);
    s[1] = (await c.login(email, password)).cookie;
    html = await (await c.get('/dashboard/konto', s[0])).text();
    r = await c.post('/abmelden', { _csrf: csrfOf(html), everywhere: '1' }, s[0]);
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/anmelden?abgemeldet=ueberall');
    assert.equal((await c.get('/dashboard', s[0])).status, 303);
    assert.equal((await c.get('/dashboard', s[1])).status, 303, 'everywhere');
  });

  test(`roles: the owner changes a member's role (audited, their sessions end), never their own (${backend})`, async () => {
    const srv = S();
    const owner = client(srv);
    const o = (await owner.login(`owner@${srv.slugs[2]}.demo`)).cookie;
    let html = await (await owner.get('/dashboard/team', o)).text();
    const csrf = csrfOf(html);
    const email = `verkauf-${backend}-${Date.now()}@team.example`;
    assert.equal((await owner.post('/dashboard/team', { _csrf: csrf, email, role: 'staff' }, o)).status, 303);
    const token = srv.sql(`SELECT body FROM outbox WHERE recipient = '${email}'`).match(/token=([A-Za-z0-9_-]+)/)[1];
    assert.equal((await owner.post('/passwort-neu', { token, password: 'Verkauf-im-Team-1' })).status, 200);
    const staff = client(srv);
    const st = (await staff.login(email, 'Verkauf-im-Team-1')).cookie;
    assert.equal((await staff.get('/dashboard/team', st)).status, 403, 'staff: no team page');
    const id = srv.sql(`SELECT public_id FROM users WHERE email = '${email}'`);
    let r = await owner.post(`/dashboard/team/${id}/rolle`, { _csrf: csrf, role: 'king' }, o);
    assert.equal(r.status, 422);
    r = await owner.post(`/dashboard/team/${id}/rolle`, { _csrf: csrf, role: 'owner' }, o);
    assert.equal(r.status, 303);
    assert.equal(srv.sql(`SELECT role FROM users WHERE email = '${email}'`), 'owner');
    assert.equal((await staff.get('/dashboard', st)).status, 303, 'privilege change: the member logs in again');
    const st2 = (await staff.login(email, 'Verkauf-im-Team-1')).cookie;
    assert.equal((await staff.get('/dashboard/team', st2)).status, 200, 'now with the owner\'s pages');
    const me = srv.sql(`SELECT public_id FROM users WHERE email = 'owner@${srv.slugs[2]}.demo'`);
    assert.equal((await owner.post(`/dashboard/team/${me}/rolle`, { _csrf: csrf, role: 'staff' }, o)).status, 404, 'not one\'s own role');
    html = await (await owner.get('/dashboard/protokoll', o)).text();
    assert.match(html, new RegExp(`team.role</td><td>${id} → owner`));
    r = await owner.post(`/dashboard/team/${id}/rolle`, { _csrf: csrf, role: 'staff' }, o);
    assert.equal(r.status, 303);
  });

  test(`session fixation: a cookie planted before the login never becomes the session (${backend})`, async () => {
    const srv = S();
    const victim = client(srv);
    const email = `owner@${srv.slugs[0]}.demo`;
    const planted = 'cc24_session=AttackerChosenValue0123456789abcdefABCDEF';
    const l = await victim.login(email, PASSWORD, planted);
    assert.equal(l.status, 303);
    assert.ok(l.cookie && l.cookie !== planted, 'a new session id');
    assert.equal((await victim.get('/dashboard', planted)).status, 303, 'the planted value is no session');
    // the attacker's own real session, planted in the victim's browser, is ended at login
    const attacker = client(srv);
    const theirs = (await attacker.login(`owner@${srv.slugs[1]}.demo`)).cookie;
    assert.equal((await attacker.get('/dashboard', theirs)).status, 200);
    const l2 = await victim.login(email, PASSWORD, theirs);
    assert.notEqual(l2.cookie, theirs);
    assert.equal((await attacker.get('/dashboard', theirs)).status, 303, 'the planted session is gone');
    const html = await (await victim.get('/dashboard/konto', l2.cookie)).text();
    assert.match(html, new RegExp(email.replace(/\./g, '\\.')), 'the victim is in their own account');
  });

  test(`CSRF: missing, wrong, or another session's token is refused, and nothing changes (${backend})`, async () => {
    const srv = S();
    const c = client(srv);
    const a = (await c.login(`owner@${srv.slugs[0]}.demo`)).cookie;
    const b = (await c.login(`owner@${srv.slugs[1]}.demo`)).cookie;
    const csrfA = await c.csrf(a), csrfB = await c.csrf(b);
    assert.notEqual(csrfA, csrfB);
    const before = srv.sql(`SELECT name FROM users WHERE email = 'owner@${srv.slugs[0]}.demo'`);
    for (const token of [undefined, '', csrfA.slice(0, -1) + (csrfA.endsWith('x') ? 'y' : 'x'), csrfB]) {
      const fields = { name: 'Geändert per CSRF' };
      if (token !== undefined) fields._csrf = token;
      const r = await c.post('/dashboard/konto', fields, a);
      assert.equal(r.status, 403, `token ${token === csrfB ? 'of another session' : JSON.stringify(token)}`);
    }
    assert.equal(srv.sql(`SELECT name FROM users WHERE email = 'owner@${srv.slugs[0]}.demo'`), before);
  });

  test(`bulk price change: percent with commercial rounding, amounts, all or nothing, only own vehicles (${backend})`, async () => {
    const srv = S();
    const [A, B] = srv.slugs;
    const v1 = await createVehicle(srv, A, { price_cents: 1001, variant: 'Bulk 1' }); // 10,01 €
    const v2 = await createVehicle(srv, A, { price_cents: 1999, variant: 'Bulk 2', status: 'draft' });
    const v3 = await createVehicle(srv, A, { price_cents: 2000000, variant: 'Bulk 3' });
    const vb = await createVehicle(srv, B, { price_cents: 1500000, variant: 'Bulk B' });
    const c = client(srv);
    const cookie = (await c.login(`owner@${A}.demo`)).cookie;
    const csrf = await c.csrf(cookie, '/dashboard');
    const post = (fields) => fetch(srv.url + '/dashboard/fahrzeuge/preise', {
      method: 'POST', headers: { cookie, 'X-Forwarded-For': c.ip }, redirect: 'manual',
      body: new URLSearchParams([['_csrf', csrf], ...Object.entries(fields).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))]),
    });
    // +50 % of 10,01 € = 5,005 € → 5,01 € (half away from zero); -12,5 % of 19,99 € = -2,49875 € → -2,50 €
    let r = await post({ ids: [v1], mode: 'percent', value: '50' });
    assert.equal(r.status, 303);
    assert.match(r.headers.get('location'), /geaendert=1$/);
    assert.equal(await priceOf(srv, A, v1), 1502);
    r = await post({ ids: [v2], mode: 'percent', value: '-12,5' });
    assert.equal(await priceOf(srv, A, v2), 1749);
    r = await post({ ids: [v3, v3], mode: 'amount', value: '-500' });
    assert.match(r.headers.get('location'), /geaendert=1$/, 'an id twice counts once');
    assert.equal(await priceOf(srv, A, v3), 1950000);
    const pub = await (await fetch(srv.url + `/api/v1/vehicles/search?q=${encodeURIComponent('Bulk 3')}`)).json();
    assert.equal(pub.items[0].price_cents, 1950000, 'the public search sees the new price');
    // all or nothing: one price below 1 € stops the whole change
    r = await post({ ids: [v3, v1], mode: 'amount', value: '-1000' });
    assert.equal(r.status, 422);
    const page = await r.text();
    assert.match(page, /wäre ungültig|would be invalid/);
    assert.match(page, new RegExp(`value="${v3}" form="bulk" id="sel-${v3}" checked`), 'the selection is kept');
    assert.equal(await priceOf(srv, A, v3), 1950000, 'nothing changed');
    assert.equal(await priceOf(srv, A, v1), 1502);
    // another dealer's vehicle is not touched, and not revealed
    r = await post({ ids: [vb, v3], mode: 'percent', value: '10' });
    assert.match(r.headers.get('location'), /geaendert=1$/);
    assert.equal(await priceOf(srv, B, vb), 1500000);
    assert.equal(await priceOf(srv, A, v3), 2145000);
    for (const [fields, why] of [[{ ids: [v1], mode: 'percent', value: 'viel' }, 'not a number'], [{ ids: [v1], mode: 'percent', value: '-95' }, 'below -90 %'],
      [{ ids: [v1], mode: 'amount', value: '' }, 'empty'], [{ mode: 'percent', value: '5' }, 'nothing selected'], [{ ids: ['not-an-id'], mode: 'percent', value: '5' }, 'bad id']]) {
      assert.equal((await post(fields)).status, 422, why);
    }
    assert.match(srv.sql(`SELECT detail FROM audit_log WHERE action = 'inventory.bulk_price' ORDER BY id DESC LIMIT 1`), /1 vehicles, bp 1000/);
  });

  test(`duplicate: a new draft with the same data and without VIN, not another dealer's (${backend})`, async () => {
    const srv = S();
    const [A, B] = srv.slugs;
    const v = await createVehicle(srv, A, { variant: 'Vorlage Duplikat', vin: 'WVWZZZ1JZXW000001', price_cents: 2345600 });
    const vb = await createVehicle(srv, B, { variant: 'Fremd' });
    const c = client(srv);
    const cookie = (await c.login(`owner@${A}.demo`)).cookie;
    const csrf = await c.csrf(cookie, '/dashboard');
    let r = await c.post(`/dashboard/fahrzeuge/${v}/duplizieren`, { _csrf: csrf }, cookie);
    assert.equal(r.status, 303);
    const copy = r.headers.get('location').match(/fahrzeuge\/([0-9a-z]{16})\?kopie=1$/)[1];
    assert.notEqual(copy, v);
    const j = await (await fetch(srv.url + `/api/v1/vehicles/${copy}`, { headers: api(srv, A) })).json();
    assert.equal(j.status, 'draft');
    assert.equal(j.variant, 'Vorlage Duplikat');
    assert.equal(j.price_cents, 2345600);
    assert.equal(j.vin || '', '');
    assert.equal((await fetch(srv.url + `/api/v1/vehicles/${copy}`)).status, 404, 'a draft is not public');
    assert.match(await (await c.get(`/dashboard/fahrzeuge/${copy}?kopie=1`, cookie)).text(), /Kopie angelegt|Copy created/);
    assert.equal((await c.post(`/dashboard/fahrzeuge/${vb}/duplizieren`, { _csrf: csrf }, cookie)).status, 404);
  });

  test(`inventory table: search, status filter, sort, paging; KPIs with page views (${backend})`, async () => {
    const srv = S();
    const A = srv.slugs[1];
    const tag = `Suchtest${backend}${Date.now() % 100000}`;
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await createVehicle(srv, A, { make: 'Cupra', model: 'Born', variant: `${tag} ${i}`, price_cents: 3000000 + i * 100000, status: i === 2 ? 'draft' : 'published' }));
    const c = client(srv);
    const cookie = (await c.login(`owner@${A}.demo`)).cookie;
    const rows = (html) => [...html.matchAll(/<a class="row-title" href="\/dashboard\/fahrzeuge\/([0-9a-z]{16})">/g)].map((m) => m[1]);
    let html = await (await c.get(`/dashboard?q=${encodeURIComponent(tag.toLowerCase())}&sort=price_desc`, cookie)).text();
    assert.deepEqual(rows(html), [ids[2], ids[1], ids[0]], 'found by the variant, sorted by price');
    html = await (await c.get(`/dashboard?q=${tag}&sort=price_asc&status=draft`, cookie)).text();
    assert.deepEqual(rows(html), [ids[2]]);
    html = await (await c.get(`/dashboard?q=cupra+born+${tag}`, cookie)).text();
    assert.equal(rows(html).length, 3, 'every word must match');
    html = await (await c.get(`/dashboard?q=${encodeURIComponent("'; DROP TABLE vehicles; --")}`, cookie)).text();
    assert.equal(rows(html).length, 0, 'SQL in the search is just words');
    assert.ok(Number(srv.sql('SELECT COUNT(*) FROM vehicles')) > 0);
    html = await (await c.get('/dashboard?page=2&sort=nonsense&status=bogus', cookie)).text();
    assert.equal(rows(html).length, 25, 'page 2 of the stock (unknown sort and status ignored)');
    assert.match(html, /rel="prev"/);
    assert.deepEqual(rows(await (await c.get('/dashboard?page=9999', cookie)).text()), []);
    // page views: three visitors (one comes twice, and through the redirect to the
    // canonical URL), the dealer (not counted) and a draft (not public, not counted)
    const visit = (ip, id) => fetch(srv.url + `/fahrzeuge/x-${id}`, { headers: { 'X-Forwarded-For': ip } });
    const visitors = [newIp(), newIp(), newIp()];
    for (const ip of visitors) assert.equal((await visit(ip, ids[0])).status, 200);
    await visit(visitors[0], ids[0]);
    await fetch(srv.url + `/fahrzeuge/x-${ids[0]}`, { headers: { cookie, 'X-Forwarded-For': newIp() } });
    assert.equal((await visit(newIp(), ids[2])).status, 404);
    html = await (await c.get(`/dashboard?q=${tag}&sort=views`, cookie)).text();
    assert.equal(rows(html)[0], ids[0], 'most viewed first');
    assert.match(html, new RegExp(`sel-${ids[0]}[\\s\\S]*?<td class="num hide-s">3</td>`), 'three views in the row');
    assert.equal(srv.sql(`SELECT COALESCE(SUM(views), 0) FROM vehicle_views vv JOIN vehicles v ON v.id = vv.vehicle_id WHERE v.public_id = '${ids[2]}'`), '0');
    assert.match(html, /Aufrufe \(30 Tage\)|Views \(30 days\)/);
  });

  test(`security headers on pages, API answers, redirects, errors and static files; HSTS behind a TLS proxy (${backend})`, async () => {
    const srv = S();
    const c = client(srv);
    const cookie = (await c.login(`owner@${srv.slugs[0]}.demo`)).cookie;
    const answers = [await c.get('/'), await c.get('/dashboard', cookie), await c.get('/dashboard'), await c.get('/nirgendwo'),
      await c.get('/api/v1/vehicles/search'), await c.get('/api/v1/vehicles/0000000000000000'), await c.get('/static/css/app.css'),
      await c.post('/anmelden', { email: 'a@b.de', password: 'x' })];
    for (const r of answers) {
      const csp = r.headers.get('content-security-policy') || '';
      assert.ok(csp.includes("frame-ancestors 'none'"), `${r.url} ${r.status}: ${csp}`);
      assert.ok(!/unsafe-inline|unsafe-eval/.test(csp));
      assert.match(csp, /script-src 'self'/);
      assert.match(csp, /style-src 'self'/);
      assert.equal(r.headers.get('x-frame-options'), 'DENY');
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(r.headers.get('referrer-policy'), 'strict-origin-when-cross-origin');
      assert.equal(r.headers.get('strict-transport-security'), null, 'no HSTS over plain http');
    }
    // the pages have no inline script or style to allow
    const html = await (await c.get('/dashboard', cookie)).text();
    assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html), 'no inline scripts');
    assert.ok(!/\sstyle="/.test(html), 'no style attributes');
    const tls = await fetch(srv.url + '/anmelden', { method: 'POST', headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': newIp() },
      body: new URLSearchParams({ email: `owner@${srv.slugs[0]}.demo`, password: PASSWORD }), redirect: 'manual' });
    assert.match(tls.headers.get('strict-transport-security') || '', /max-age=31536000/);
    assert.match(tls.headers.get('set-cookie'), /; Secure/, 'the session cookie is Secure behind TLS');
  });

  test(`attacks: SQL metacharacters and HTML are stored as typed and shown escaped; over-long input; invalid e-mail; tenant tampering (${backend})`, async () => {
    const srv = S();
    const [A, B] = srv.slugs;
    const c = client(srv);
    const cookie = (await c.login(`owner@${A}.demo`)).cookie;
    const csrf = await c.csrf(cookie, '/dashboard/fahrzeuge/neu');
    const evil = { make: "Audi'); DROP TABLE vehicles;--", model: '<script>alert(1)</script>', variant: '" onmouseover="alert(2)', description: '<img src=x onerror=alert(3)> 50% Rabatt_ \\ ; --' };
    const form = { _csrf: csrf, ...evil, body: 'saloon', condition: 'used', first_registration: '2020-01', mileage_km: '1000', power_kw: '100',
      fuel: 'petrol', gearbox: 'manual', colour: 'black', vat_mode: 'margin', status: 'published', price: '12.345', tenant_id: '2', dealer: B };
    let r = await c.post('/dashboard/fahrzeuge', form, cookie);
    assert.equal(r.status, 303, await r.clone().text().then((t) => (t.match(/id="v-[a-z]+"|field-error">[^<]*/g) || []).join(' ')));
    const tbl = srv.sql(`SELECT COUNT(*) FROM vehicles`);
    assert.ok(Number(tbl) > 0, 'the table is still there');
    const row = srv.sql(`SELECT v.public_id || '|' || t.slug FROM vehicles v JOIN tenants t ON t.id = v.tenant_id WHERE v.model = '<script>alert(1)</script>'`);
    const [id, owner] = row.split('|');
    assert.equal(owner, A, 'tenant_id and dealer fields in the form are ignored');
    const j = await (await fetch(srv.url + `/api/v1/vehicles/${id}`)).json();
    for (const k of Object.keys(evil)) assert.equal(j[k], evil[k], `${k} stored as typed`);
    for (const p of ['/dashboard?q=audi', `/dashboard/fahrzeuge/${id}`, `/fahrzeuge/x-${id}`]) {
      const html = await (await fetch(srv.url + p, { headers: { cookie } })).text();
      assert.ok(!html.includes('<script>alert(1)'), `${p}: no live script`);
      assert.ok(!html.includes('<img src=x'), `${p}: no live image`);
      assert.ok(!html.includes('" onmouseover="'), `${p}: no attribute breakout`);
      assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), `${p}: shown escaped`);
    }
    // account name and API token name
    const acsrf = await c.csrf(cookie);
    assert.equal((await c.post('/dashboard/konto', { _csrf: acsrf, name: '<b>Chef</b> \'; DELETE FROM users; --' }, cookie)).status, 303);
    let html = await (await c.get('/dashboard/konto', cookie)).text();
    assert.ok(html.includes('&lt;b&gt;Chef&lt;/b&gt; &#39;; DELETE FROM users; --') || html.includes('&lt;b&gt;Chef&lt;/b&gt; &#x27;; DELETE FROM users; --'), 'the name is escaped');
    assert.ok(!html.includes('<b>Chef</b>'));
    assert.equal((await c.post('/dashboard/konto', { _csrf: acsrf, name: 'x'.repeat(121) }, cookie)).status, 422, 'over-long name');
    r = await c.post('/dashboard/api-tokens', { _csrf: acsrf, name: '<i>Website</i>', scope: 'read' }, cookie);
    html = await r.text();
    assert.ok(html.includes('&lt;i&gt;Website&lt;/i&gt;') && !html.includes('<i>Website</i>'));
    // over-long and invalid input in the vehicle form: an inline error, the input kept
    r = await c.post('/dashboard/fahrzeuge', { ...form, model: 'Ok', variant: 'V'.repeat(5000) }, cookie);
    assert.equal(r.status, 422);
    html = await r.text();
    assert.match(html, /id="v-variant"[^>]*value="V{5000}"/, 'kept');
    assert.match(html, /field-error/);
    r = await fetch(srv.url + '/dashboard/fahrzeuge', { method: 'POST', headers: { cookie, 'X-Forwarded-For': c.ip, 'Content-Type': 'application/x-www-form-urlencoded' }, body: '_csrf=' + csrf + '&description=' + 'x'.repeat(2 * 1024 * 1024) });
    assert.equal(r.status, 413, 'a body beyond the limit');
    // invalid e-mail addresses
    for (const bad of ['kein-at', 'a@b', 'a b@c.de', '<a@b.de>', 'a@b.de\r\nBcc: x@y.de', 'x'.repeat(250) + '@b.de']) {
      r = await c.post('/registrieren', { company: 'Autohaus Test', name: 'X', email: bad, password: 'Ein-gutes-Passwort' });
      assert.equal(r.status, 422, `sign-up with ${JSON.stringify(bad.slice(0, 20))}`);
      r = await c.post('/dashboard/team', { _csrf: acsrf, email: bad, role: 'staff' }, cookie);
      assert.equal(r.status, 422, `invite ${JSON.stringify(bad.slice(0, 20))}`);
    }
    r = await c.post('/anmelden', { email: "' OR '1'='1", password: "' OR '1'='1" });
    assert.equal(r.status, 401);
    // HTML in the sign-up: escaped on the pages that show it
    r = await c.post('/registrieren', { company: '<script>x</script> Autohaus', city: '"><img src=x>', name: '<b>N</b>', email: 'x' });
    html = await r.text();
    assert.equal(r.status, 422);
    assert.ok(!html.includes('<script>x</script>') && !html.includes('"><img src=x>'));
    // tenant tampering in JSON: the API refuses the fields
    r = await fetch(srv.url + '/api/v1/vehicles', { method: 'POST', headers: api(srv, A), body: JSON.stringify({ make: 'X', model: 'Y', tenant_id: 1, dealer: B }) });
    assert.equal(r.status, 422);
  });

  test(`brute force: wrong passwords end in 429 with Retry-After, per address and per account (${backend})`, async () => {
    const srv = S();
    const c = client(srv);
    let last;
    for (let i = 0; i < 30; i++) {
      last = await c.post('/anmelden', { email: `nobody${i}@nowhere.example`, password: 'wrong-password' });
      if (last.status === 429) break;
    }
    assert.equal(last.status, 429, 'per address');
    assert.ok(Number(last.headers.get('retry-after')) >= 1);
    // one account from many addresses
    const email = `owner@${srv.slugs[2]}.demo`;
    for (let i = 0; i < 15; i++) {
      last = await client(srv).post('/anmelden', { email, password: `falsch-${i}` });
      if (last.status === 429) break;
    }
    assert.equal(last.status, 429, 'per account');
    const right = await client(srv).post('/anmelden', { email: email.toUpperCase(), password: PASSWORD });
    assert.equal(right.status, 429, 'the limit holds for the right password too (no oracle), whatever the case');
  });
}
