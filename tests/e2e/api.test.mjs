// JSON API v1 end to end, on SQLite and (when the harness runs one) PostgreSQL:
// the search contract, CRUD with a dealer credential, validation (422 naming
// every field), malformed input, tenant isolation and index freshness.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, backends, demoKey, json, earlyResponseRequest } from './helpers.mjs';

const goodVehicle = () => ({
  make: 'BMW',
  model: '3er',
  variant: '320d Touring M Sport',
  body: 'estate',
  condition: 'used',
  first_registration: '2021-03',
  mileage_km: 48500,
  power_kw: 140,
  ccm: 1995,
  fuel: 'diesel',
  gearbox: 'automatic',
  drive: 'rear',
  colour: 'grey',
  colour_name: 'Mineralgrau Metallic',
  doors: 5,
  seats: 5,
  previous_owners: 1,
  emission_class: 'euro6d',
  co2_g_km: 132,
  consumption_combined: 5.1,
  vin: 'WBA8E1105GK123456',
  hu_until: '2027-03',
  price_cents: 3249000,
  vat_mode: 'vat',
  features: ['navigation', 'heated_seats', 'led_headlights'],
  description: 'Scheckheftgepflegt, Nichtraucherfahrzeug.',
  status: 'published',
});

for (const backend of backends()) {
  describe(`API v1 on ${backend}`, () => {
    let srv;
    let dealers;
    const auth = (slug) => ({ Authorization: `Bearer ${demoKey(slug)}`, 'Content-Type': 'application/json' });

    before(async () => {
      srv = await startServer({ backend });
      const makes = await json(await fetch(srv.url + '/api/v1/vehicles/search?size=100&sort=newest'));
      dealers = [...new Set(makes.items.map((v) => v.dealer))].sort();
      assert.ok(dealers.length >= 2, 'demo data has several dealers');
    });
    after(async () => srv && srv.stop());

    test('health, readiness and metrics', async () => {
      assert.equal((await fetch(srv.url + '/healthz')).status, 200);
      assert.equal((await fetch(srv.url + '/readyz')).status, 200);
      const m = await (await fetch(srv.url + '/metrics')).text();
      assert.match(m, /# TYPE cc24_http_requests_total counter/);
      assert.match(m, /cc24_http_request_duration_seconds_bucket\{/);
      assert.match(m, /cc24_db_pool_connections/);
      assert.match(m, /cc24_jobs/);
    });

    test('search answers the documented shape', async () => {
      const r = await fetch(srv.url + '/api/v1/vehicles/search?sort=price_asc&size=10');
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type'), /application\/json/);
      const j = await json(r);
      assert.ok(j.total >= 200, `demo data loaded (${j.total})`);
      assert.equal(j.page, 1);
      assert.equal(j.size, 10);
      assert.equal(j.items.length, 10);
      for (const k of ['make', 'model', 'body', 'fuel', 'gearbox', 'condition', 'price']) assert.ok(Array.isArray(j.facets[k]), k);
      for (const v of j.items) {
        for (const k of ['id', 'make', 'model', 'variant', 'price_cents', 'vat_mode', 'mileage_km', 'first_registration',
          'fuel', 'gearbox', 'body', 'power_kw', 'condition', 'dealer', 'status']) assert.ok(k in v, `item has ${k}`);
      }
      const prices = j.items.map((v) => v.price_cents);
      assert.deepEqual(prices, [...prices].sort((a, b) => a - b));
      const sumMakes = j.facets.make.reduce((s, f) => s + f.count, 0);
      assert.equal(sumMakes, j.total);
      const sumPrice = j.facets.price.reduce((s, f) => s + f.count, 0);
      assert.equal(sumPrice, j.total);
    });

    test('filters narrow results and facets stay disjunctive', async () => {
      const all = await json(await fetch(srv.url + '/api/v1/vehicles/search?size=1'));
      const make = all.facets.make[0].value;
      const j = await json(await fetch(srv.url + `/api/v1/vehicles/search?make=${encodeURIComponent(make)}&size=100`));
      // the expected totals from SQL over the same data, not from the index under test
      // (public: published, or reserved after having been published)
      const sql = (q) => (backend === 'sqlite'
        ? execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q])
        : execFileSync('psql', [srv.databaseUrl, '-qAtc', q])).toString().trim();
      const pub = "(status = 'published' OR (status = 'reserved' AND published_at > 0))";
      assert.equal(j.total, Number(sql(`SELECT COUNT(*) FROM vehicles WHERE make = '${make.replace(/'/g, "''")}' AND ${pub}`)));
      assert.equal(j.total, all.facets.make[0].count, 'and the facet said so');
      assert.ok(j.items.length > 0 && j.items.every((v) => v.make === make));
      assert.deepEqual(j.facets.make.map((f) => f.value).sort(), all.facets.make.map((f) => f.value).sort());
      assert.ok(j.facets.model.length > 0, 'models of the chosen make');
      const pr = await json(await fetch(srv.url + '/api/v1/vehicles/search?price_min=10000&price_max=20000&size=100'));
      assert.ok(pr.items.length > 0 && pr.items.every((v) => v.price_cents >= 1000000 && v.price_cents <= 2000000));
      assert.equal(pr.total, Number(sql(`SELECT COUNT(*) FROM vehicles WHERE price_cents BETWEEN 1000000 AND 2000000 AND ${pub}`)));
      const none = await json(await fetch(srv.url + '/api/v1/vehicles/search?make=NoSuchMake'));
      assert.equal(none.total, 0);
      const beyond = await json(await fetch(srv.url + '/api/v1/vehicles/search?page=999'));
      assert.equal(beyond.items.length, 0);
      assert.equal(beyond.total, all.total);
    });

    test('bad search parameters give 422 problem+json, never 500', async () => {
      for (const q of ['fuel=banana', 'size=1000', 'page=0', 'price_min=-5', 'sort=sideways', 'mileage_max=abc', 'bogus=1']) {
        const r = await fetch(srv.url + '/api/v1/vehicles/search?' + q);
        assert.equal(r.status, 422, q);
        assert.match(r.headers.get('content-type'), /application\/problem\+json/);
        const p = await json(r);
        assert.equal(p.status, 422);
        assert.ok(p.errors.length >= 1 && p.errors[0].field, q);
      }
    });

    test('makes lists makes with models and counts', async () => {
      const j = await json(await fetch(srv.url + '/api/v1/makes'));
      assert.ok(j.makes.length >= 5);
      const m = j.makes[0];
      assert.ok(m.make && m.count > 0 && Array.isArray(m.models));
      assert.equal(m.models.reduce((s, x) => s + x.count, 0), m.count);
    });

    test('create, read, update, delete with a dealer credential; the index follows', async () => {
      const [a] = dealers;
      const v = goodVehicle();
      v.variant = 'E2E Unikat ' + backend;
      let r = await fetch(srv.url + '/api/v1/vehicles', { method: 'POST', headers: auth(a), body: JSON.stringify(v) });
      assert.equal(r.status, 201, await r.clone().text());
      const created = await json(r);
      assert.match(created.id, /^[0-9a-z]{16}$/);
      assert.equal(created.dealer, a);
      assert.equal(created.power_ps, 190);
      assert.equal(r.headers.get('location'), `/api/v1/vehicles/${created.id}`);

      r = await fetch(srv.url + `/api/v1/vehicles/${created.id}`);
      assert.equal(r.status, 200);
      assert.equal((await json(r)).variant, v.variant);

      let s = await json(await fetch(srv.url + '/api/v1/vehicles/search?q=' + encodeURIComponent('e2e unikat')));
      assert.equal(s.total, 1);
      assert.equal(s.items[0].id, created.id);

      r = await fetch(srv.url + `/api/v1/vehicles/${created.id}`, { method: 'PATCH', headers: auth(a), body: JSON.stringify({ price_cents: 2999000 }) });
      assert.equal(r.status, 200);
      assert.equal((await json(r)).price_cents, 2999000);
      s = await json(await fetch(srv.url + '/api/v1/vehicles/search?q=e2e+unikat'));
      assert.equal(s.items[0].price_cents, 2999000);

      r = await fetch(srv.url + `/api/v1/vehicles/${created.id}`, { method: 'PATCH', headers: auth(a), body: JSON.stringify({ status: 'draft' }) });
      assert.equal(r.status, 200);
      s = await json(await fetch(srv.url + '/api/v1/vehicles/search?q=e2e+unikat'));
      assert.equal(s.total, 0, 'drafts leave the public index');
      assert.equal((await fetch(srv.url + `/api/v1/vehicles/${created.id}`)).status, 404, 'drafts are invisible to the public');
      assert.equal((await fetch(srv.url + `/api/v1/vehicles/${created.id}`, { headers: auth(a) })).status, 200, 'but not to their dealer');

      r = await fetch(srv.url + `/api/v1/vehicles/${created.id}`, { method: 'DELETE', headers: auth(a) });
      assert.equal(r.status, 204);
      assert.equal((await fetch(srv.url + `/api/v1/vehicles/${created.id}`, { headers: auth(a) })).status, 404);
    });

    test('validation names every bad field and writes nothing', async () => {
      const [a] = dealers;
      const before = (await json(await fetch(srv.url + '/api/v1/vehicles?size=1', { headers: auth(a) }))).total;
      const bad = { ...goodVehicle(), make: '', fuel: 'steam', mileage_km: -1, vin: 'WBA8E1105GK12345O', price_cents: 'cheap', first_registration: '2021-13', colour_sparkle: true, dealer: 'someone-else' };
      const r = await fetch(srv.url + '/api/v1/vehicles', { method: 'POST', headers: auth(a), body: JSON.stringify(bad) });
      assert.equal(r.status, 422);
      assert.match(r.headers.get('content-type'), /application\/problem\+json/);
      const p = await json(r);
      const fields = p.errors.map((e) => e.field).sort();
      for (const f of ['make', 'fuel', 'mileage_km', 'price_cents', 'first_registration', 'colour_sparkle', 'dealer']) assert.ok(fields.includes(f), `names ${f}: ${fields}`);
      const missing = await json(await fetch(srv.url + '/api/v1/vehicles', { method: 'POST', headers: auth(a), body: '{}' }));
      assert.ok(missing.errors.length >= 8, 'every required field is named');
      const after = (await json(await fetch(srv.url + '/api/v1/vehicles?size=1', { headers: auth(a) }))).total;
      assert.equal(after, before);
    });

    test('malformed bodies give problem+json', async () => {
      const [a] = dealers;
      const cases = [
        ['{"make": ', 400],
        ['[1,2,3]', 400],
        [Buffer.from([0x7b, 0x22, 0x6d, 0x61, 0x6b, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 400],
        ['{"make":"A","make":"B"}', 400],
      ];
      for (const [body, status] of cases) {
        const r = await fetch(srv.url + '/api/v1/vehicles', { method: 'POST', headers: auth(a), body });
        assert.equal(r.status, status, String(body));
        assert.match(r.headers.get('content-type'), /application\/problem\+json/);
      }
      const wrongType = await fetch(srv.url + '/api/v1/vehicles', { method: 'POST', headers: { ...auth(a), 'Content-Type': 'text/plain' }, body: JSON.stringify(goodVehicle()) });
      assert.equal(wrongType.status, 415);
      const huge = await earlyResponseRequest(srv.url + '/api/v1/vehicles', { headers: auth(a), body: JSON.stringify({ ...goodVehicle(), description: 'x'.repeat(2 * 1024 * 1024) }) });
      assert.equal(huge.status, 413);
      assert.match(huge.headers['content-type'], /application\/problem\+json/);
    });

    test('writes need a credential; other dealers see 404', async () => {
      const [a, b] = dealers;
      let r = await fetch(srv.url + '/api/v1/vehicles', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(goodVehicle()) });
      assert.equal(r.status, 401);
      assert.match(r.headers.get('content-type'), /application\/problem\+json/);
      r = await fetch(srv.url + '/api/v1/vehicles', { method: 'POST', headers: { ...auth(a), Authorization: 'Bearer wrong' }, body: JSON.stringify(goodVehicle()) });
      assert.equal(r.status, 401);
      const draft = { ...goodVehicle(), status: 'draft' };
      const created = await json(await fetch(srv.url + '/api/v1/vehicles', { method: 'POST', headers: auth(a), body: JSON.stringify(draft) }));
      assert.equal((await fetch(srv.url + `/api/v1/vehicles/${created.id}`, { headers: auth(b) })).status, 404);
      assert.equal((await fetch(srv.url + `/api/v1/vehicles/${created.id}`, { method: 'PATCH', headers: auth(b), body: '{"price_cents": 100}' })).status, 404);
      assert.equal((await fetch(srv.url + `/api/v1/vehicles/${created.id}`, { method: 'DELETE', headers: auth(b) })).status, 404);
      const still = await json(await fetch(srv.url + `/api/v1/vehicles/${created.id}`, { headers: auth(a) }));
      assert.equal(still.price_cents, draft.price_cents);
      assert.equal((await fetch(srv.url + '/api/v1/vehicles/not-an-id')).status, 404);
    });

    test('unknown routes and methods', async () => {
      let r = await fetch(srv.url + '/api/v1/nothing');
      assert.equal(r.status, 404);
      assert.match(r.headers.get('content-type'), /application\/problem\+json/);
      r = await fetch(srv.url + '/api/v1/makes', { method: 'POST' });
      assert.equal(r.status, 405);
      assert.match(r.headers.get('allow') || '', /GET/);
      r = await fetch(srv.url + '/gibt-es-nicht');
      assert.equal(r.status, 404);
      assert.match(r.headers.get('content-type'), /text\/html/);
    });
  });
}

test('operator commands: tokens with scopes, users for support', async () => {
  const srv = await startServer({ backend: 'sqlite' });
  try {
    const db = `--database-url=${srv.databaseUrl}`;
    const { cc24 } = await import('./helpers.mjs');
    const slug = cc24(['admin', 'tenant', 'list', db]).trim().split('\n')[0];
    const write = cc24(['admin', 'token', 'create', '--tenant', slug, '--scope', 'inventory:write', db]);
    assert.match(write, /^cc24_[A-Za-z0-9_-]{40,}\n$/, 'the token and nothing else');
    const read = cc24(['admin', 'token', 'create', '--tenant', slug, '--scope', 'read', db]).trim();
    const body = JSON.stringify({ make: 'Mini', model: 'Cooper', body: 'small_car', condition: 'used', first_registration: '2020-01',
      mileage_km: 30000, power_kw: 100, fuel: 'petrol', gearbox: 'manual', price_cents: 1599000, vat_mode: 'margin' });
    let r = await fetch(srv.url + '/api/v1/vehicles', { method: 'POST', headers: { Authorization: `Bearer ${write.trim()}`, 'Content-Type': 'application/json' }, body });
    assert.equal(r.status, 201);
    r = await fetch(srv.url + '/api/v1/vehicles', { method: 'POST', headers: { Authorization: `Bearer ${read}`, 'Content-Type': 'application/json' }, body });
    assert.equal(r.status, 403, 'a read-only token cannot write');
    assert.match((await r.json()).detail, /inventory:write/);
    r = await fetch(srv.url + '/api/v1/vehicles?status=draft', { headers: { Authorization: `Bearer ${read}` } });
    assert.equal(r.status, 200, 'but it reads its own stock');
    // a read token is a dealer credential: the dealer's conditions and the Börse, not their change
    r = await fetch(srv.url + '/api/v1/finance/conditions', { headers: { Authorization: `Bearer ${read}` } });
    assert.equal(r.status, 200, 'reads the financing conditions');
    r = await fetch(srv.url + '/api/v1/market/listings', { headers: { Authorization: `Bearer ${read}` } });
    assert.equal(r.status, 200, 'searches the Börse');
    r = await fetch(srv.url + '/api/v1/finance/conditions', { method: 'PUT', headers: { Authorization: `Bearer ${read}`, 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(r.status, 403, 'but does not change them');
    r = await fetch(srv.url + '/api/v1/market/listings');
    assert.equal(r.status, 401, 'the Börse API needs a dealer credential');
    const pw = cc24(['admin', 'user', 'add', '--email', `Support@${slug}.example`, '--tenant', slug, db]).trim();
    assert.ok(pw.length >= 16);
    assert.match(cc24(['admin', 'user', 'disable', '--email', `support@${slug}.example`, db]), /^$/);
  } finally {
    await srv.stop();
  }
});

test('repeated bad credentials from one address end in 429 with Retry-After', async () => {
  const srv = await startServer({ demo: false });
  try {
    let last;
    for (let i = 0; i < 25; i++) {
      last = await fetch(srv.url + '/api/v1/vehicles', { headers: { Authorization: `Bearer wrong-${i}` } });
      if (last.status === 429) break;
    }
    assert.equal(last.status, 429);
    assert.ok(Number(last.headers.get('retry-after')) >= 1);
    assert.match(last.headers.get('content-type'), /application\/problem\+json/);
  } finally {
    await srv.stop();
  }
});
