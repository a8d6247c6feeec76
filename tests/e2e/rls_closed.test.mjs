// Row-level security fails closed (issue 20 §7): on PostgreSQL, when the database user
// of database-url cannot assume the role cc24_app, `cc24 serve`, `cc24 worker` and
// `cc24 mail receive` refuse to run (non-zero exit, a message saying how to grant the
// role) instead of serving as the table owner, which would bypass every policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { BIN, ROOT, freePort } from './helpers.mjs';

const PG = process.env.CC24_PG_URL;

test('without the role cc24_app, serve, worker and mail receive refuse to start', { skip: PG ? false : 'CC24_PG_URL not set (scripts/pg-test.sh)' }, async () => {
  const suffix = Math.random().toString(36).slice(2, 8);
  const user = `cc24_plain_${suffix}`;
  const dbname = `cc24_plain_db_${suffix}`;
  const psql = (q) => execFileSync('psql', [PG, '-qAtc', q], { stdio: 'pipe' });
  // a login role that owns its database but may not become cc24_app (roles are
  // cluster-wide: cc24_app exists, the new user is no member of it)
  psql(`CREATE ROLE ${user} LOGIN PASSWORD 'pw-${suffix}' NOSUPERUSER NOCREATEROLE`);
  psql(`CREATE DATABASE ${dbname} OWNER ${user}`);
  try {
    const u = new URL(PG);
    u.username = user;
    u.password = `pw-${suffix}`;
    u.pathname = '/' + dbname;
    const env = { ...process.env, CC24_DATABASE_URL: u.toString(), CC24_DEMO: '0', CC24_LOG_FORMAT: 'text', CC24_LISTEN: `127.0.0.1:${await freePort()}` };
    for (const args of [['serve'], ['worker'], ['mail', 'receive', '--to', 'lead+x@example.de']]) {
      const r = spawnSync(BIN, args, { cwd: ROOT, env, input: 'From: a@b.de\r\n\r\nhi\r\n', timeout: 60000 });
      const out = `${r.stdout}${r.stderr}`;
      assert.notEqual(r.status, 0, `${args.join(' ')} must not run: ${out}`);
      assert.equal(r.signal, null, `${args.join(' ')} exits by itself`);
      assert.match(out, /refusing to start: cannot assume the role cc24_app/, args.join(' '));
      assert.match(out, /GRANT cc24_app TO/, 'the message says how to grant the role');
    }
  } finally {
    try { psql(`DROP DATABASE IF EXISTS ${dbname} WITH (FORCE)`); } catch { /* best effort */ }
    try { psql(`DROP OWNED BY ${user}; DROP ROLE IF EXISTS ${user}`); } catch { /* best effort */ }
  }
});
