// Sign-up of a new dealer with e-mail verification, and password reset by a
// single-use expiring token — the mails land in the outbox table with real links.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { startServer } from './helpers.mjs';

let srv;
before(async () => { srv = await startServer({ demo: false }); });
after(async () => srv && srv.stop());

const sql = (q) => execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q]).toString().trim();
const post = (p, fields, cookie) => fetch(srv.url + p, { method: 'POST', body: new URLSearchParams(fields), headers: cookie ? { cookie } : {}, redirect: 'manual' });

test('a new dealer signs up, verifies the address and logs in', async () => {
  let r = await post('/registrieren', { company: 'Autohaus Müller & Söhne', city: 'Kassel', name: 'Eva Müller', email: 'x', password: 'kurz' });
  assert.equal(r.status, 422);
  let html = await r.text();
  assert.match(html, /Autohaus Müller &amp; Söhne/, 'the input is kept, escaped');
  assert.ok((html.match(/class="field-error"/g) || []).length >= 2);
  r = await post('/registrieren', { company: 'Autohaus Müller & Söhne', city: 'Kassel', name: 'Eva Müller', email: 'Eva@Mueller-Autos.example', password: 'Kassel-2026-Autos' });
  assert.equal(r.status, 201);
  assert.equal(sql("SELECT slug FROM tenants WHERE name = 'Autohaus Müller & Söhne'"), 'autohaus-mueller-soehne');
  const mail = sql("SELECT body FROM outbox WHERE recipient = 'eva@mueller-autos.example'");
  const token = mail.match(/token=([A-Za-z0-9_-]+)/)[1];
  assert.equal(sql(`SELECT COUNT(*) FROM auth_tokens WHERE token_hash = '${token}'`), '0', 'the token itself is not stored');
  const hash = createHash('sha256').update(token).digest('hex');
  assert.equal(sql(`SELECT COUNT(*) FROM auth_tokens WHERE token_hash = '${hash}' AND used_at = 0`), '1', 'its SHA-256 is, unused');
  r = await fetch(srv.url + '/bestaetigen?token=' + token);
  assert.equal(r.status, 200);
  assert.notEqual(sql("SELECT email_verified_at FROM users WHERE email = 'eva@mueller-autos.example'"), '0');
  assert.equal((await fetch(srv.url + '/bestaetigen?token=' + token)).status, 410, 'single use');
  r = await post('/registrieren', { company: 'Anderes Autohaus', name: 'X', email: 'eva@mueller-autos.example', password: 'Kassel-2026-Autos' });
  assert.equal(r.status, 422, 'one account per address');
  r = await post('/anmelden', { email: 'eva@mueller-autos.example', password: 'Kassel-2026-Autos' });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/dashboard');
});

test('password reset: same answer for unknown addresses, single-use token, old sessions end', async () => {
  const login = await post('/anmelden', { email: 'eva@mueller-autos.example', password: 'Kassel-2026-Autos' });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const a = await (await post('/passwort-vergessen', { email: 'eva@mueller-autos.example' })).text();
  const b = await (await post('/passwort-vergessen', { email: 'nobody@nowhere.example' })).text();
  assert.equal(a, b, 'no account enumeration');
  const mail = sql("SELECT body FROM outbox WHERE subject LIKE '%Passwort%' ORDER BY id DESC LIMIT 1");
  const token = mail.match(/token=([A-Za-z0-9_-]+)/)[1];
  let r = await post('/passwort-neu', { token, password: 'short' });
  assert.equal(r.status, 422);
  r = await post('/passwort-neu', { token, password: 'Ein-ganz-neues-Passwort' });
  assert.equal(r.status, 200);
  assert.equal((await post('/passwort-neu', { token, password: 'Noch-ein-neues-Passwort' })).status, 410, 'reused tokens fail');
  assert.equal((await fetch(srv.url + '/dashboard', { headers: { cookie }, redirect: 'manual' })).status, 303, 'old sessions ended');
  assert.equal((await post('/anmelden', { email: 'eva@mueller-autos.example', password: 'Kassel-2026-Autos' })).status, 401);
  assert.equal((await post('/anmelden', { email: 'eva@mueller-autos.example', password: 'Ein-ganz-neues-Passwort' })).status, 303);
  sql(`UPDATE auth_tokens SET expires_at = 0 WHERE purpose = 'reset'`);
  await post('/passwort-vergessen', { email: 'eva@mueller-autos.example' });
  const t2 = sql("SELECT body FROM outbox WHERE subject LIKE '%Passwort%' ORDER BY id DESC LIMIT 1").match(/token=([A-Za-z0-9_-]+)/)[1];
  sql(`UPDATE auth_tokens SET expires_at = 1 WHERE purpose = 'reset' AND used_at = 0`);
  assert.equal((await post('/passwort-neu', { token: t2, password: 'Abgelaufen-aber-lang' })).status, 410, 'expired tokens fail');
});
