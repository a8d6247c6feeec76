// Sessions and rate limits in Redis: two `serve` instances on one database and one
// Redis (the redis-server that scripts/redis-test.sh starts; CC24_TEST_REDIS_URL)
// see the same sessions and draw from the same login bucket. On SQLite both share
// the file; with CC24_PG_URL also on PostgreSQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, backends, freshPgDatabase, dropPgDatabase, cc24 } from './helpers.mjs';

const REDIS = process.env.CC24_TEST_REDIS_URL;
const skip = REDIS ? false : 'CC24_TEST_REDIS_URL not set (scripts/redis-test.sh)';

// A database number of its own, emptied first: the unit tests use database 0.
function redisUrl(db) {
  const u = new URL(REDIS);
  execFileSync('redis-cli', ['-h', u.hostname, '-p', u.port, '-n', String(db), 'FLUSHDB']);
  return `${REDIS.replace(/\/\d*$/, '')}/${db}`;
}
function redisKeys(url, pattern) {
  const u = new URL(url);
  return execFileSync('redis-cli', ['-h', u.hostname, '-p', u.port, '-n', u.pathname.slice(1), '--scan', '--pattern', pattern]).toString().trim().split('\n').filter(Boolean);
}

const cookieOf = (r) => (r.headers.getSetCookie().find((c) => c.startsWith('cc24_session=')) || '').split(';')[0] || null;

for (const backend of backends()) {
  test(`two instances share sessions and the login limit through Redis (${backend})`, { skip }, async () => {
    const url = redisUrl(backend === 'sqlite' ? 5 : 6);
    let dir = null;
    let databaseUrl;
    if (backend === 'sqlite') {
      dir = mkdtempSync(path.join(tmpdir(), 'cc24-redis-e2e-'));
      databaseUrl = 'sqlite:' + path.join(dir, 'cc24.db');
    } else {
      databaseUrl = freshPgDatabase();
    }
    const env = { CC24_REDIS_URL: url, CC24_TRUST_PROXY: '1' };
    const a = await startServer({ databaseUrl, env });
    const b = await startServer({ databaseUrl, env });
    try {
      for (const s of [a, b]) assert.match(s.logs(), /sessions and rate limits in Redis/);
      const slug = cc24(['admin', 'tenant', 'list', `--database-url=${databaseUrl}`]).trim().split('\n')[0];
      const ip = { 'X-Forwarded-For': '203.0.113.50' };
      const login = await fetch(a.url + '/anmelden', { method: 'POST', headers: ip, redirect: 'manual',
        body: new URLSearchParams({ email: `owner@${slug}.demo`, password: 'cc24-Demo-2026' }) });
      assert.equal(login.status, 303);
      const cookie = cookieOf(login);
      assert.ok(cookie);
      assert.equal((await fetch(b.url + '/dashboard', { headers: { cookie }, redirect: 'manual' })).status, 200, 'instance B knows the session from A');
      assert.equal(redisKeys(url, 'cc24:sess:*').length, 1, 'the session is in Redis');
      const rows = backend === 'sqlite'
        ? execFileSync('sqlite3', [databaseUrl.replace(/^sqlite:/, ''), 'SELECT COUNT(*) FROM sessions']).toString().trim()
        : execFileSync('psql', [databaseUrl, '-qAtc', 'SELECT COUNT(*) FROM sessions']).toString().trim();
      assert.equal(rows, '0', 'and not in the database');
      // log out on B: the session is gone on A too
      const html = await (await fetch(b.url + '/dashboard', { headers: { cookie } })).text();
      const csrf = html.match(/name="_csrf" value="([^"]+)"/)[1];
      assert.equal((await fetch(b.url + '/abmelden', { method: 'POST', headers: { cookie }, body: new URLSearchParams({ _csrf: csrf }), redirect: 'manual' })).status, 303);
      assert.equal((await fetch(a.url + '/dashboard', { headers: { cookie }, redirect: 'manual' })).status, 303, 'logged out everywhere it was known');

      // one bucket for both: 20 attempts per address, alternating between the instances
      let first429 = 0;
      const t0 = Date.now();
      for (let i = 1; i <= 40 && !first429; i++) {
        const srv = i % 2 ? a : b;
        const r = await fetch(srv.url + '/anmelden', { method: 'POST', headers: { 'X-Forwarded-For': '203.0.113.77' }, redirect: 'manual',
          body: new URLSearchParams({ email: `nobody${i}@nowhere.example`, password: 'wrong-password' }) });
        if (r.status === 429) {
          first429 = i;
          assert.ok(Number(r.headers.get('retry-after')) >= 1);
        } else {
          assert.equal(r.status, 401);
        }
      }
      // 20 a burst, refilled at 10 a minute: however slow the machine, the bucket holds at
      // most 20 plus what was refilled while the attempts ran (a separate bucket per
      // instance would allow 40)
      const refilled = Math.ceil(((Date.now() - t0) / 60000) * 10);
      assert.ok(first429 > 15 && first429 <= 21 + refilled && first429 < 41,
        `the shared limit (20 a burst, ${refilled} refilled) was hit at attempt ${first429}, not after 40`);
      assert.ok(redisKeys(url, 'cc24:rl:login-ip:203.0.113.77').length === 1, 'the bucket lives in Redis');
    } finally {
      await a.stop();
      await b.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
      else dropPgDatabase(databaseUrl);
    }
  });
}

test('serve refuses to start when the configured Redis cannot be reached', async () => {
  await assert.rejects(startServer({ demo: false, env: { CC24_REDIS_URL: 'redis://127.0.0.1:1' } }), /exited with 1[\s\S]*redis/);
});
