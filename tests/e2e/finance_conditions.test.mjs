// Dealer bank conditions (versioned) and the financing example of a vehicle, in the
// API and on the vehicle page (with the calculator form working without JavaScript).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, json, demoKey, cc24 } from './helpers.mjs';

let srv;
let dealer;
before(async () => {
  srv = await startServer();
  dealer = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n')[0];
});
after(async () => srv && srv.stop());

const auth = () => ({ Authorization: `Bearer ${demoKey(dealer)}`, 'Content-Type': 'application/json' });
const conditions = (rate) => ({
  lender_name: 'Hausbank Test AG', lender_address: 'Bankweg 2, 20095 Hamburg', fees_cents: 0,
  default_term: 48, default_down_bp: 2000, representative: 0,
  bands: [{ term_min: 12, term_max: 96, rate_percent: rate }],
});

test('conditions are validated, versioned and drive the vehicle example', async () => {
  let r = await fetch(srv.url + '/api/v1/finance/conditions', { method: 'PUT', headers: auth(), body: JSON.stringify(conditions(2.99)) });
  assert.equal(r.status, 200, await r.clone().text());
  const v1 = (await json(r)).version;
  r = await fetch(srv.url + '/api/v1/finance/conditions', { headers: auth() });
  assert.equal((await json(r)).bands[0].rate_percent, 2.99);
  await new Promise((ok) => setTimeout(ok, 1100));
  const between = new Date().toISOString();
  await new Promise((ok) => setTimeout(ok, 1100));
  r = await fetch(srv.url + '/api/v1/finance/conditions', { method: 'PUT', headers: auth(), body: JSON.stringify(conditions(3.49)) });
  assert.ok((await json(r)).version > v1, 'a new version');

  // yesterday's offer can be reproduced with yesterday's conditions
  const then = await json(await fetch(srv.url + `/api/v1/finance/conditions?at=${between}`, { headers: auth() }));
  assert.equal(then.version, v1);
  assert.equal(then.bands[0].rate_percent, 2.99);
  assert.ok(then.valid_from < between);
  r = await fetch(srv.url + '/api/v1/finance/conditions?at=1999-01-01', { headers: auth() });
  assert.equal(r.status, 404, 'nothing was valid before the first version');
  r = await fetch(srv.url + '/api/v1/finance/conditions?at=yesterday', { headers: auth() });
  assert.equal(r.status, 422);
  assert.equal((await json(r)).errors[0].field, 'at');

  const bad = { ...conditions(3), bands: [{ term_min: 12, term_max: 60, rate_percent: 3 }, { term_min: 48, term_max: 96, rate_percent: 4 }], lender_address: '' };
  r = await fetch(srv.url + '/api/v1/finance/conditions', { method: 'PUT', headers: auth(), body: JSON.stringify(bad) });
  assert.equal(r.status, 422);
  const fields = (await json(r)).errors.map((e) => e.field);
  assert.ok(fields.includes('lender_address') && fields.includes('bands[1]'), fields.join());
  assert.equal((await fetch(srv.url + '/api/v1/finance/conditions')).status, 401);

  const list = await json(await fetch(srv.url + `/api/v1/vehicles/search?dealer=${dealer}&size=1&sort=price_desc`));
  const v = list.items[0];
  const ex = await json(await fetch(srv.url + `/api/v1/vehicles/${v.id}/finance-example`));
  assert.equal(ex.nominal_rate_percent, 3.49);
  const exThen = await json(await fetch(srv.url + `/api/v1/vehicles/${v.id}/finance-example?at=${between}`));
  assert.equal(exThen.nominal_rate_percent, 2.99, 'the example as it was shown then');
  assert.equal(exThen.conditions_version, v1);
  assert.ok(exThen.monthly_installment_cents < ex.monthly_installment_cents);
  assert.equal((await fetch(srv.url + `/api/v1/vehicles/${v.id}/finance-example?at=2026-02-30`)).status, 422);
  assert.equal(ex.price_cents, v.price_cents);
  assert.match(ex.representative_text, /Hausbank Test AG, Bankweg 2, 20095 Hamburg/);
  assert.equal((await fetch(srv.url + '/api/v1/vehicles/0000000000000000/finance-example')).status, 404);
});

test('the vehicle page shows the example and recalculates without JavaScript', async () => {
  const list = await json(await fetch(srv.url + `/api/v1/vehicles/search?size=1&sort=price_desc`));
  const v = list.items[0];
  const slug = `${v.make} ${v.model} ${v.variant}`.toLowerCase();
  let r = await fetch(srv.url + `/fahrzeuge/x-${v.id}`, { redirect: 'manual' });
  assert.equal(r.status, 301, 'non-canonical slugs redirect');
  const page = r.headers.get('location');
  let html = await (await fetch(srv.url + page)).text();
  assert.match(html, /Repräsentatives Beispiel gemäß § 17 PAngV/);
  assert.match(html, /effektiver Jahreszins \d+,\d\d %/);
  html = await (await fetch(srv.url + page + '?anzahlung=1000&laufzeit=24')).text();
  assert.match(html, /<option value="24" selected>/);
  assert.doesNotMatch(html, /Repräsentatives Beispiel/, 'a buyer calculation is not the representative example');
  html = await (await fetch(srv.url + page + '?anzahlung=%3Cscript%3E&laufzeit=-4')).text();
  assert.doesNotMatch(html, /<script>/);
  assert.ok(slug.length > 0);
});

test('financing page calculator and the printable offer sheet', async () => {
  let html = await (await fetch(srv.url + '/finanzierung?preis=30000&anzahlung=5000&laufzeit=60&sollzins=3,99')).text();
  assert.match(html, /460,30 €/, 'the engine computes 25,000 € over 60 months at 3.99 %');
  assert.match(html, /4,06 %/);
  // every figure in one sentence, not called a representative example (no lender)
  const text = html.match(/<p class="fineprint calc-text" lang="de">([^<]*)<\/p>/)[1];
  assert.match(text, /^Ihre Beispielrechnung: Barzahlungspreis 30\.000,00 €, Anzahlung 5\.000,00 €, Nettodarlehensbetrag 25\.000,00 €, Vertragslaufzeit 60 Monate, gebundener Sollzinssatz 3,99 % p\. a\., effektiver Jahreszins 4,06 %, /);
  assert.match(text, /monatliche Raten von je 460,30 €/);
  assert.match(text, /Gesamtbetrag [\d.]+,\d\d €\./);
  assert.doesNotMatch(html, /Repräsentatives Beispiel/);
  html = await (await fetch(srv.url + '/finanzierung?preis=abc')).text();
  assert.match(html, /role="alert">[^<]*(Kaufpreis|Purchase price)/);
  html = await (await fetch(srv.url + '/finanzierung?preis=30000&anzahlung=40000')).text();
  assert.match(html, /role="alert"/, 'a down payment above the price is refused');
  const list = await json(await fetch(srv.url + '/api/v1/vehicles/search?size=1&sort=price_desc'));
  const v = list.items[0];
  const page = (await fetch(srv.url + `/fahrzeuge/x-${v.id}`, { redirect: 'manual' })).headers.get('location');
  const r = await fetch(srv.url + page + '/angebot');
  assert.equal(r.status, 200);
  const sheet = await r.text();
  for (const s of ['Europäische Standardinformationen', 'Effektiver Jahreszins', 'Gesamtkreditbetrag', 'Sollzinssatz']) {
    assert.ok(sheet.includes(s) || sheet.includes('Standard European'), s);
  }
});

test('leasing on the calculator page shows its own figures', async () => {
  const html = await (await fetch(srv.url + '/finanzierung?produkt=leasing&preis=40000&sonderzahlung=3000&laufzeit=36&km=10000&restwert=22000&ueberfuehrung=990&sollzins=3,9')).text();
  assert.match(html, /Leasingfaktor|Leasing factor/);
  const rate = Number(html.match(/class="price">([\d.]+),(\d\d) €/).slice(1).join('.').replace(/\.(?=\d{3})/g, ''));
  const factor = html.match(/(Leasingfaktor|Leasing factor)<\/dt><dd>([\d,]+)</)[2];
  assert.equal(factor, (rate / 40000 * 100).toFixed(2).replace('.', ','));
  const bad = await (await fetch(srv.url + '/finanzierung?produkt=leasing&restwert=50000&preis=40000')).text();
  assert.match(bad, /role="alert"/);
});
