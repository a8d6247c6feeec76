// Financing API: every shared APR vector through POST /api/v1/finance/quote, the
// representative example, irregular schedules, the consistency check that catches
// an ad stating 3,99 % whose instalments imply more, and bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, json, ROOT } from './helpers.mjs';

let srv;
before(async () => { srv = await startServer({ demo: false }); });
after(async () => srv && srv.stop());

const post = (p, body) => fetch(srv.url + p, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
});

const vectors = JSON.parse(readFileSync(path.join(ROOT, 'tests/data/apr/vectors.json'), 'utf8'));

test('every shared vector through the quote API', async () => {
  for (const v of vectors) {
    const { id, net_loan_cents, monthly_installment_cents, final_installment_cents, total_payable_cents, apr_percent, ...input } = v;
    const r = await post('/api/v1/finance/quote', input);
    assert.equal(r.status, 200, id);
    const q = await json(r);
    assert.equal(q.net_loan_cents, net_loan_cents, id);
    assert.equal(q.monthly_installment_cents, monthly_installment_cents, id);
    assert.ok(Math.abs(q.final_installment_cents - final_installment_cents) <= 2, id);
    assert.ok(Math.abs(q.total_payable_cents - total_payable_cents) <= 2, id);
    assert.ok(Math.abs(q.apr_percent - apr_percent) < 0.01, `${id}: ${q.apr_percent} vs ${apr_percent}`);
    assert.match(q.apr_display, /^\d+,\d\d %$/);
    assert.equal(q.representative_text, null, 'no lender, no ad text');
    assert.deepEqual(q.missing, ['lender.name']);
  }
});

test('the representative example carries every mandatory figure', async () => {
  const q = await json(await post('/api/v1/finance/quote', {
    product: 'balloon', price_cents: 4880000, down_payment_cents: 500000, term_months: 48,
    nominal_rate_percent: 5.99, balloon_cents: 2000000, fees_cents: 0,
    lender: { name: 'Hausbank Muster AG', address: 'Bankplatz 1, 60311 Frankfurt am Main' },
  }));
  const t = q.representative_text;
  for (const s of ['Repräsentatives Beispiel', 'Barzahlungspreis 48.800,00 €', 'Anzahlung 5.000,00 €',
    'Nettodarlehensbetrag 43.800,00 €', 'Vertragslaufzeit 48 Monate', 'gebundener Sollzinssatz 5,99 % p. a.',
    `effektiver Jahreszins ${q.apr_display}`, '47 monatliche Raten', 'Schlussrate', 'Gesamtbetrag',
    'Kreditgeber: Hausbank Muster AG, Bankplatz 1, 60311 Frankfurt am Main', 'zwei Drittel']) {
    assert.ok(t.includes(s), `missing "${s}" in: ${t}`);
  }
});

test('APR of an irregular schedule', async () => {
  const r = await post('/api/v1/finance/apr', { flows: [{ t_years: 0, amount_cents: 100000 }, { t_years: 1.5, amount_cents: -120000 }] });
  assert.equal(r.status, 200);
  const j = await json(r);
  assert.ok(Math.abs(j.apr_percent - (Math.pow(1.2, 1 / 1.5) - 1) * 100) < 1e-4);
  const bad = await post('/api/v1/finance/apr', { flows: [{ t_years: 0, amount_cents: 100000 }, { t_years: 1, amount_cents: 5 }] });
  assert.equal(bad.status, 422);
  assert.equal((await json(bad)).code, 'CC24_E_FINANCE_NO_SOLUTION');
});

test('an ad whose own instalments contradict its stated 3,99 % is caught', async () => {
  // 20,000 € over 48 months at 3,99 % Sollzins would be 451,58 €; the ad states 472,00 €
  const r = await post('/api/v1/finance/check', {
    net_loan_cents: 2000000, installments: 48, installment_cents: 47200, fees_cents: 0,
    nominal_rate_percent: 3.99, stated_apr_percent: 3.99,
  });
  assert.equal(r.status, 200);
  const j = await json(r);
  assert.equal(j.consistent, false);
  assert.ok(j.computed_apr_percent > 6, `implied ${j.computed_apr_percent}`);
  assert.deepEqual(j.problems.map((p) => p.code).sort(), ['apr_mismatch', 'installment_mismatch']);
  const ok = await json(await post('/api/v1/finance/check', {
    net_loan_cents: 1000000, installments: 36, installment_cents: 29971, nominal_rate_percent: 5, stated_apr_percent: 5.12,
  }));
  assert.equal(ok.consistent, true, JSON.stringify(ok));
});

test('impossible input names the field and never answers NaN', async () => {
  const cases = [
    [{ product: 'loan', price_cents: -5, term_months: 36, nominal_rate_percent: 4 }, 'price_cents'],
    [{ product: 'loan', price_cents: 100000, term_months: 0, nominal_rate_percent: 4 }, 'term_months'],
    [{ product: 'loan', price_cents: 100000, term_months: 36, nominal_rate_percent: 99 }, 'nominal_rate_percent'],
    [{ product: 'balloon', price_cents: 100000, term_months: 36, nominal_rate_percent: 4, balloon_cents: 100000 }, 'balloon_cents'],
    [{ product: 'loan', price_cents: 100000, down_payment_cents: 100000, term_months: 36, nominal_rate_percent: 4 }, 'down_payment_cents'],
    [{ product: 'lease', price_cents: 100000, term_months: 36, nominal_rate_percent: 4 }, 'product'],
    [{ product: 'loan', price_cents: 100000, term_months: 36, nominal_rate_percent: 4, colour: 'red' }, 'colour'],
  ];
  for (const [body, field] of cases) {
    const r = await post('/api/v1/finance/quote', body);
    assert.equal(r.status, 422, JSON.stringify(body));
    const p = await json(r);
    assert.ok(p.errors.some((e) => e.field === field), `${field}: ${JSON.stringify(p.errors)}`);
  }
  const zero = await json(await post('/api/v1/finance/quote', { product: 'loan', price_cents: 1200000, term_months: 12, nominal_rate_percent: 0 }));
  assert.equal(zero.apr_display, '0,00 %');
});

test('leasing quotes carry their own figures', async () => {
  const q = await json(await post('/api/v1/finance/quote', {
    product: 'leasing', price_cents: 4000000, special_payment_cents: 300000, term_months: 36, km_per_year: 10000,
    residual_value_cents: 2200000, transfer_costs_cents: 99000, nominal_rate_percent: 3.9,
    lessor_name: 'Leasing Muster GmbH', lessor_address: 'Leasingallee 5, 50667 Köln',
  }));
  assert.ok(q.monthly_rate_cents > 0);
  assert.equal(q.total_cost_cents, 300000 + 36 * q.monthly_rate_cents + 99000);
  assert.equal(q.leasing_factor_display, (q.monthly_rate_cents / 40000).toFixed(2).replace('.', ','));
  for (const s of ['Leasingbeispiel', 'Sonderzahlung 3.000,00 €', '36 Monate', '10000 km pro Jahr', 'Überführungskosten 990,00 €', 'Leasingfaktor', 'Leasing Muster GmbH']) {
    assert.ok(q.representative_text.includes(s), s);
  }
  const bad = await post('/api/v1/finance/quote', { product: 'leasing', price_cents: 100000, term_months: 36, km_per_year: 10000, residual_value_cents: 200000, nominal_rate_percent: 3 });
  assert.equal(bad.status, 422);
});

test('solving for the Sollzins or the instalment of a target APR', async () => {
  const base = { product: 'loan', price_cents: 2500000, down_payment_cents: 500000, term_months: 48, fees_cents: 9900 };
  const q = await json(await post('/api/v1/finance/quote', { ...base, nominal_rate_percent: 4.49 }));
  const n = await json(await post('/api/v1/finance/solve', { ...base, solve: 'nominal_rate', target_apr_percent: q.apr_percent }));
  assert.ok(Math.abs(n.nominal_rate_percent - 4.49) < 0.005, JSON.stringify(n));
  const i = await json(await post('/api/v1/finance/solve', { ...base, solve: 'installment', target_apr_percent: q.apr_percent }));
  assert.ok(Math.abs(i.monthly_installment_cents - q.monthly_installment_cents) <= 1);
  const no = await post('/api/v1/finance/solve', { ...base, solve: 'nominal_rate', target_apr_percent: 90 });
  assert.equal(no.status, 422);
});
