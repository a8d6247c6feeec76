// Operations: graceful shutdown on SIGTERM, and two `serve` instances on one
// PostgreSQL database whose search indexes stay fresh through LISTEN/NOTIFY.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, freshPgDatabase, dropPgDatabase, demoKey, json, cc24 } from './helpers.mjs';

test('SIGTERM stops serve cleanly', async () => {
  const srv = await startServer({ demo: false });
  const exited = new Promise((r) => srv.proc.once('exit', (code, sig) => r({ code, sig })));
  srv.proc.kill('SIGTERM');
  const { code } = await exited;
  assert.equal(code, 0);
  assert.match(srv.logs(), /shutting down/);
  await srv.stop();
});

test('SIGTERM lets a request in flight finish before serve exits', async () => {
  const net = await import('node:net');
  const srv = await startServer({ demo: false });
  const body = JSON.stringify({ product: 'loan', price_cents: 2000000, term_months: 48, nominal_rate_percent: 4.99 });
  const sock = net.connect(srv.port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let answer = '';
  sock.on('data', (d) => { answer += d; });
  const closed = new Promise((r) => sock.once('close', r));
  // headers and half the body, then the signal, then the rest
  sock.write(`POST /api/v1/finance/quote HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n` + body.slice(0, 20));
  await new Promise((r) => setTimeout(r, 300));
  const exited = new Promise((r) => srv.proc.once('exit', (code) => r(code)));
  srv.proc.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  sock.write(body.slice(20));
  await closed;
  assert.match(answer, /^HTTP\/1\.1 200/, answer.slice(0, 200));
  assert.match(answer, /"monthly_installment_cents"/);
  assert.equal(await exited, 0);
  // and nothing new is accepted once it has gone
  await assert.rejects(fetch(srv.url + '/healthz'));
  await srv.stop();
});

test('seed --demo loads dealers and vehicles; admin tenant list prints slugs', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(tmpdir() + '/cc24-seed-');
  const db = `sqlite:${dir}/x.db`;
  try {
    assert.match(cc24(['seed', '--demo', `--database-url=${db}`]), /added 300 vehicles/);
    const slugs = cc24(['admin', 'tenant', 'list', `--database-url=${db}`]).trim().split('\n');
    assert.equal(slugs.length, 3);
    for (const s of slugs) assert.match(s, /^[a-z0-9-]+$/);
    assert.match(cc24(['seed', '--demo', `--database-url=${db}`]), /not empty/);
    assert.match(cc24(['seed', '--vehicles', '50', `--database-url=${db}`]), /added 50 vehicles/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two instances on PostgreSQL share writes through LISTEN/NOTIFY', { skip: !process.env.CC24_PG_URL }, async () => {
  const dbUrl = freshPgDatabase();
  const a = await startServer({ databaseUrl: dbUrl });
  const b = await startServer({ databaseUrl: dbUrl });
  try {
    const dealers = cc24(['admin', 'tenant', 'list', `--database-url=${dbUrl}`]).trim().split('\n');
    const vehicle = {
      make: 'Porsche', model: '911', variant: 'Carrera GTS Cluster-Test', body: 'coupe', condition: 'used',
      first_registration: '2022-06', mileage_km: 12000, power_kw: 353, fuel: 'petrol', gearbox: 'automatic',
      price_cents: 15990000, vat_mode: 'vat', status: 'published',
    };
    const r = await fetch(a.url + '/api/v1/vehicles', {
      method: 'POST',
      headers: { Authorization: `Bearer ${demoKey(dealers[0])}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(vehicle),
    });
    assert.equal(r.status, 201);
    const { id } = await json(r);
    let found = 0;
    for (let i = 0; i < 100 && !found; i++) {
      found = (await json(await fetch(b.url + '/api/v1/vehicles/search?q=cluster+test'))).total;
      if (!found) await new Promise((res) => setTimeout(res, 50));
    }
    assert.equal(found, 1, 'instance B sees the vehicle created on A');
    await fetch(a.url + `/api/v1/vehicles/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${demoKey(dealers[0])}` } });
    for (let i = 0; i < 100 && found; i++) {
      found = (await json(await fetch(b.url + '/api/v1/vehicles/search?q=cluster+test'))).total;
      if (found) await new Promise((res) => setTimeout(res, 50));
    }
    assert.equal(found, 0, 'and sees it go');
  } finally {
    await a.stop();
    await b.stop();
    dropPgDatabase(dbUrl);
  }
});
