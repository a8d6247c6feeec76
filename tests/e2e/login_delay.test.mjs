// Progressive delay after failed logins of one account (and, behind a trusted proxy,
// /metrics only for internal addresses): three failures are free, then
// the account waits (429 with Retry-After) — the same for an address that has no
// account (no enumeration) — while other accounts from the same address still log in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cc24 } from './helpers.mjs';

let srv;
let slugs;
before(async () => {
  srv = await startServer({ args: ['--trust-proxy=1'] });
  slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
});
after(async () => srv && srv.stop());

const login = (email, password, ip) => fetch(srv.url + '/anmelden', {
  method: 'POST', redirect: 'manual', headers: { 'X-Forwarded-For': ip },
  body: new URLSearchParams({ email, password }),
});

test('failures of one account make it wait, known or unknown, from any address', async () => {
  for (const [email, label] of [[`owner@${slugs[0]}.demo`, 'known'], ['nobody@nowhere.example', 'unknown']]) {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await login(email, 'falsch-falsch-1', `198.51.100.${i + 1}`)).status);
    assert.deepEqual(statuses, [401, 401, 401, 429], `${label}: three free failures, then a pause`);
    const r = await login(email, 'cc24-Demo-2026', '198.51.100.99');
    assert.equal(r.status, 429, `${label}: even the right password waits (no oracle)`);
    const wait = Number(r.headers.get('retry-after'));
    assert.ok(wait >= 1 && wait <= 10, `${label}: Retry-After ${wait}`);
    assert.match(await r.text(), /Zu viele fehlgeschlagene Anmeldungen/);
  }
  // another account is not affected
  const ok = await login(`owner@${slugs[1]}.demo`, 'cc24-Demo-2026', '198.51.100.1');
  assert.equal(ok.status, 303);
  // after the pause the right password works again
  await new Promise((r) => setTimeout(r, 10500));
  assert.equal((await login(`owner@${slugs[0]}.demo`, 'cc24-Demo-2026', '198.51.100.7')).status, 303);
});

test('/metrics answers operators on internal networks only', async () => {
  const m = (ip) => fetch(srv.url + '/metrics', { headers: { 'X-Forwarded-For': ip } });
  assert.equal((await m('10.20.30.40')).status, 200);
  assert.equal((await m('192.168.0.7')).status, 200);
  const out = await m('203.0.113.9');
  assert.equal(out.status, 404, 'the public does not see it exists');
  assert.doesNotMatch(await out.text(), /cc24_http_requests_total/);
  assert.equal((await fetch(srv.url + '/healthz', { headers: { 'X-Forwarded-For': '203.0.113.9' } })).status, 200, 'health checks stay public');
});
