// The anonymous API is rate-limited per client address (issue 20 §5): search, vehicles,
// makes and financing answer 429 with Retry-After and problem+json once an address has
// used its burst; another address, and a token holder, are not affected; IPv6
// addresses of one /64 share a bucket. The default (300 a minute, burst 100) and a
// small setting (12 a minute, burst 4) are both checked; 0 turns the limit off.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cc24, demoKey } from './helpers.mjs';

const get = (srv, p, ip, headers = {}) => fetch(srv.url + p, { headers: { 'X-Forwarded-For': ip, ...headers } });

describe('anonymous API limit, 12 a minute (burst 4: one token back every 5 s, so a slow machine cannot refill the bucket mid-test)', () => {
  let srv;
  let slugs;
  before(async () => {
    srv = await startServer({ args: ['--trust-proxy'], env: { CC24_API_RATE_ANONYMOUS: '12' } });
    slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
  });
  after(async () => srv && srv.stop());

  test('an address gets its burst, then 429 with Retry-After and problem+json', async () => {
    const paths = ['/api/v1/vehicles/search?size=1', '/api/v1/makes', '/api/v1/vehicles?size=1'];
    for (let i = 0; i < 4; i++) assert.equal((await get(srv, paths[i % 3], '198.51.100.10')).status, 200, `call ${i + 1}`);
    const r = await get(srv, '/api/v1/vehicles/search?size=1', '198.51.100.10');
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
    assert.equal((await r.json()).code, 'CC24_E_RATE_LIMITED');
    const fin = await fetch(srv.url + '/api/v1/finance/quote', { method: 'POST', headers: { 'X-Forwarded-For': '198.51.100.10', 'content-type': 'application/json' }, body: '{}' });
    assert.equal(fin.status, 429, 'financing shares the bucket');
    // another address, and a token holder from the same address, are not limited
    assert.equal((await get(srv, '/api/v1/makes', '198.51.100.11')).status, 200);
    assert.equal((await get(srv, '/api/v1/vehicles?size=1', '198.51.100.10', { Authorization: `Bearer ${demoKey(slugs[0])}` })).status, 200);
    // the public HTML pages are not the API's to limit
    assert.equal((await get(srv, '/fahrzeuge', '198.51.100.10')).status, 200);
  });

  test('IPv6 addresses of one /64 share a bucket; another /64 does not', async () => {
    for (let i = 0; i < 4; i++) assert.equal((await get(srv, '/api/v1/makes', `2001:db8:7:1::${(i + 1).toString(16)}`)).status, 200);
    assert.equal((await get(srv, '/api/v1/makes', '2001:db8:7:1:ffff::9')).status, 429, 'same /64, new interface id');
    assert.equal((await get(srv, '/api/v1/makes', '2001:db8:7:2::1')).status, 200, 'the next /64');
  });
});

test('the default is 300 a minute with a burst of 100', async () => {
  const srv = await startServer({ args: ['--trust-proxy'], env: { CC24_API_RATE_ANONYMOUS: '300' } });
  try {
    let ok = 0;
    let first429 = 0;
    const t0 = Date.now();
    for (let i = 0; i < 400 && !first429; i++) {
      const s = (await get(srv, '/api/v1/makes', '203.0.113.50')).status;
      if (s === 200) ok++;
      else if (s === 429) first429 = i + 1;
    }
    // a burst of 100, plus what refilled meanwhile at 5 a second
    const refilled = Math.ceil(((Date.now() - t0) / 1000) * 5) + 1;
    assert.ok(ok >= 100 && ok <= 100 + refilled, `${ok} calls before the first 429 (burst 100, up to ${refilled} refilled)`);
    assert.ok(first429 > 0, 'the limit answered');
  } finally {
    await srv.stop();
  }
  // and that is the setting's default
  assert.match(cc24(['serve', '--help']), /--api-rate-anonymous\s+CC24_API_RATE_ANONYMOUS\s.*\(default: "300"\)/);
});
