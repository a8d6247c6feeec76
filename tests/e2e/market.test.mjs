// The Börse over HTTP on SQLite and PostgreSQL (RLS in force under `serve`):
// logged-in dealers only, listing and offer forms refuse bad input inline and
// change nothing, no offers on one's own or on ended listings, the negotiation
// (counter, accept, accepting twice), foreign ids answer 404, CSRF, the deal
// with its commission, the reserved vehicle on the public API, the outbox,
// and the JSON search API.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, backends, cc24, demoKey } from './helpers.mjs';

const PASSWORD = 'cc24-Demo-2026';

for (const backend of backends()) {
  describe(`Börse on ${backend}`, () => {
    let srv;
    let slugs;
    const dealer = {};

    const sql = (q) => (backend === 'postgresql'
      ? execFileSync('psql', [srv.databaseUrl, '-qAtc', q])
      : execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q])).toString().trim();

    async function login(slug) {
      const r = await fetch(srv.url + '/anmelden', { method: 'POST', body: new URLSearchParams({ email: `owner@${slug}.demo`, password: PASSWORD }), redirect: 'manual' });
      assert.equal(r.status, 303);
      const cookie = r.headers.get('set-cookie').split(';')[0];
      const html = await (await fetch(srv.url + '/dashboard', { headers: { cookie } })).text();
      return { slug, cookie, csrf: html.match(/name="_csrf" value="([^"]+)"/)[1] };
    }
    const get = (who, p) => fetch(srv.url + p, { headers: who ? { cookie: who.cookie } : {}, redirect: 'manual' });
    const post = (who, p, fields, { csrf = true } = {}) => fetch(srv.url + p, {
      method: 'POST',
      headers: who ? { cookie: who.cookie } : {},
      body: new URLSearchParams({ ...(csrf && who ? { _csrf: who.csrf } : {}), ...fields }),
      redirect: 'manual',
    });
    const today = () => new Date(Date.now() + 3600e3).toLocaleDateString('sv-SE', { timeZone: 'Europe/Berlin' });
    const inDays = (n) => new Date(Date.now() + n * 86400e3).toLocaleDateString('sv-SE', { timeZone: 'Europe/Berlin' });

    // a published vehicle of the dealer that is not listed yet
    async function listable(who) {
      const html = await (await get(who, '/dashboard/boerse/neu')).text();
      const ids = [...html.matchAll(/<option value="([0-9a-z]{16})">[^<]*\((Online|Published)\)/g)].map((m) => m[1]);
      assert.ok(ids.length > 0, 'the dealer has listable vehicles');
      return ids[0];
    }

    before(async () => {
      srv = await startServer({ backend });
      slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
      dealer.A = await login(slugs[0]);
      dealer.B = await login(slugs[1]);
      dealer.C = await login(slugs[2]);
    });
    after(async () => srv && srv.stop());

    test('the Börse is for logged-in dealers only and never public', async () => {
      const r = await get(null, '/boerse');
      assert.equal(r.status, 303);
      assert.match(r.headers.get('location'), /^\/anmelden\?next=%2Fboerse/);
      assert.equal((await get(null, '/dashboard/boerse/angebote')).status, 303);
      const page = await get(dealer.A, '/boerse');
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /Händlerbörse/);
      assert.match(html, /netto/);
      assert.match(html, /noindex/);
      assert.match(html, /Eigenes Inserat/, 'own listings are marked');
      // the demo listings' trade prices never reach the public search
      const listed = sql("SELECT v.public_id FROM market_listings l JOIN vehicles v ON v.id = l.vehicle_id WHERE l.status = 'active' LIMIT 1");
      const pub = await (await fetch(srv.url + `/api/v1/vehicles/${listed}`)).json();
      const trade = Number(sql(`SELECT l.price_cents FROM market_listings l JOIN vehicles v ON v.id = l.vehicle_id WHERE v.public_id = '${listed}'`));
      assert.notEqual(pub.price_cents, trade, 'the public sees the consumer price only');
      assert.ok(!(await (await fetch(srv.url + '/fahrzeuge')).text()).includes('/boerse/'));
    });

    test('the search filters, sorts and counts like the public search', async () => {
      const all = await (await fetch(srv.url + '/api/v1/market/listings?size=100', { headers: { Authorization: `Bearer ${demoKey(slugs[0])}` } })).json();
      assert.ok(all.total >= 6, `demo listings: ${all.total}`);
      assert.ok(all.items.every((i) => i.price_basis === 'net'));
      assert.ok(all.items.some((i) => i.own) && all.items.some((i) => !i.own));
      const make = all.items[0].vehicle.make;
      const byMake = await (await fetch(srv.url + `/api/v1/market/listings?make=${encodeURIComponent(make)}&sort=price_asc`, { headers: { Authorization: `Bearer ${demoKey(slugs[0])}` } })).json();
      assert.equal(byMake.total, all.items.filter((i) => i.vehicle.make === make).length);
      const prices = byMake.items.map((i) => i.price_cents);
      assert.deepEqual(prices, [...prices].sort((a, b) => a - b));
      const facet = all.facets.make.find((f) => f.value === make);
      assert.equal(facet.count, byMake.total, 'facet counts match the filtered total');
      const html = await (await get(dealer.A, `/boerse?make=${encodeURIComponent(make)}&sort=price_asc&price_min=-5&page=999&size=99999`)).text();
      assert.match(html, new RegExp(`${byMake.total} Inserate`), 'bad numbers are ignored on pages, never a 500');
      // the API is strict
      const bad = await fetch(srv.url + '/api/v1/market/listings?price_min=-1&colour=pink', { headers: { Authorization: `Bearer ${demoKey(slugs[0])}` } });
      assert.equal(bad.status, 422);
      assert.match(bad.headers.get('content-type'), /problem\+json/);
      const fields = (await bad.json()).errors.map((x) => x.field).sort();
      assert.deepEqual(fields, ['colour', 'price_min']);
      assert.equal((await fetch(srv.url + '/api/v1/market/listings')).status, 401);
    });

    test('listing a vehicle: bad input is refused inline and nothing changes', async () => {
      const A = dealer.A;
      const vehicle = await listable(A);
      const before = sql('SELECT COUNT(*) FROM market_listings');
      const base = { vehicle, price: '18.500', valid_until: inDays(14), note: 'Scheckheft, 2 Schlüssel' };
      for (const [field, value] of [['price', '0'], ['price', '-100'], ['price', '999999999999'], ['price', 'zwölf'], ['price', ''],
        ['valid_until', inDays(-1)], ['valid_until', inDays(91)], ['valid_until', '2026-13-45'], ['note', 'x'.repeat(1001)]]) {
        const r = await post(A, '/dashboard/boerse', { ...base, [field]: value });
        assert.equal(r.status, 422, `${field}=${value.slice(0, 20)}`);
        const html = await r.text();
        assert.match(html, /class="field-error"/, `${field}: inline error`);
        if (field !== 'note') assert.ok(html.includes('Scheckheft, 2 Schlüssel'), 'the typed note is kept');
      }
      const foreign = sql(`SELECT v.public_id FROM vehicles v JOIN tenants t ON t.id = v.tenant_id WHERE t.slug = '${slugs[1]}' LIMIT 1`);
      let r = await post(A, '/dashboard/boerse', { ...base, vehicle: foreign });
      assert.equal(r.status, 422, "another dealer's vehicle");
      r = await post(A, '/dashboard/boerse', { ...base, vehicle: 'nonsense' });
      assert.equal(r.status, 422);
      r = await post(A, '/dashboard/boerse', base, { csrf: false });
      assert.equal(r.status, 403, 'CSRF');
      r = await post(A, '/dashboard/boerse', { ...base, _csrf: A.csrf.slice(1) + 'x' }, { csrf: false });
      assert.equal(r.status, 403);
      assert.equal(sql('SELECT COUNT(*) FROM market_listings'), before, 'nothing was stored');
      r = await post(A, '/dashboard/boerse', base);
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), '/dashboard/boerse?eingestellt=1');
      assert.equal((await post(A, '/dashboard/boerse', base)).status, 409, 'listed twice');
      const mine = await (await get(A, '/dashboard/boerse')).text();
      assert.match(mine, /18\.500,00 €/);
      const id = sql(`SELECT l.public_id FROM market_listings l JOIN vehicles v ON v.id = l.vehicle_id WHERE v.public_id = '${vehicle}' AND l.status = 'active'`);
      // edit: foreign dealers get 404, bad input 422, good 303
      assert.equal((await get(dealer.C, `/dashboard/boerse/${id}`)).status, 404);
      assert.equal((await post(dealer.C, `/dashboard/boerse/${id}`, { price: '1', valid_until: inDays(3) })).status, 404);
      assert.equal((await post(dealer.C, `/dashboard/boerse/${id}/zurueckziehen`, {})).status, 404);
      assert.equal((await post(A, `/dashboard/boerse/${id}`, { price: '-1', valid_until: inDays(3) })).status, 422);
      assert.equal((await post(A, `/dashboard/boerse/${id}`, { price: '18.250,50', valid_until: today(), note: '' })).status, 303);
      assert.equal(sql(`SELECT price_cents FROM market_listings WHERE public_id = '${id}'`), '1825050');
      assert.equal((await get(A, '/dashboard/boerse/zzzzzzzzzzzzzzzz')).status, 404);
      assert.equal((await get(A, '/dashboard/boerse/x')).status, 404);
    });

    test('offers: bad amounts, own listings, ended listings, foreign ids, accepting twice', async () => {
      const { A, B, C } = dealer;
      const vehicle = await listable(A);
      assert.equal((await post(A, '/dashboard/boerse', { vehicle, price: '20000', valid_until: inDays(10), note: '' })).status, 303);
      const id = sql(`SELECT l.public_id FROM market_listings l JOIN vehicles v ON v.id = l.vehicle_id WHERE v.public_id = '${vehicle}' AND l.status = 'active'`);
      const listing = await get(B, `/boerse/${id}`);
      assert.equal(listing.status, 200);
      assert.match(await listing.text(), /Angebot abgeben/);
      const offersBefore = sql('SELECT COUNT(*) FROM market_offers');
      for (const amount of ['0', '-5', '0,00', '100000000,01', '99999999999999999999', '1e9', 'abc', '']) {
        const r = await post(B, `/boerse/${id}/angebot`, { amount, message: 'Hallo' });
        assert.equal(r.status, 422, `amount ${amount}`);
        const html = await r.text();
        assert.match(html, /id="o-amount-err"/, `inline error for ${amount}`);
        assert.ok(html.includes('>Hallo</textarea>'), 'the message is kept');
      }
      assert.equal((await post(B, `/boerse/${id}/angebot`, { amount: '19000', message: 'x'.repeat(1001) })).status, 422);
      assert.equal((await post(B, `/boerse/${id}/angebot`, { amount: '19000' }, { csrf: false })).status, 403, 'CSRF');
      assert.equal((await post(null, `/boerse/${id}/angebot`, { amount: '19000' })).status, 303, 'anonymous: to the login');
      const own = await post(A, `/boerse/${id}/angebot`, { amount: '19000' });
      assert.equal(own.status, 422, 'no offer on the own listing');
      assert.match(await own.text(), /eigene Inserate/);
      assert.equal((await post(B, '/boerse/zzzzzzzzzzzzzzzz/angebot', { amount: '19000' })).status, 404);
      assert.equal(sql('SELECT COUNT(*) FROM market_offers'), offersBefore, 'no offer was stored');

      let r = await post(B, `/boerse/${id}/angebot`, { amount: '18.000', message: 'Abholung Freitag?' });
      assert.equal(r.status, 303);
      const offer = r.headers.get('location').match(/angebote\/([0-9a-z]{16})/)[1];
      assert.equal((await post(B, `/boerse/${id}/angebot`, { amount: '18.100' })).status, 409, 'one open offer per buyer');
      const page = await (await get(B, `/dashboard/boerse/angebote/${offer}`)).text();
      assert.match(page, /18\.000,00 €/);
      assert.match(page, /Abholung Freitag\?/, 'the history shows the message');

      // a third dealer: 404 everywhere
      assert.equal((await get(C, `/dashboard/boerse/angebote/${offer}`)).status, 404);
      assert.equal((await post(C, `/dashboard/boerse/angebote/${offer}`, { action: 'accept' })).status, 404);
      assert.equal((await post(C, `/dashboard/boerse/angebote/${offer}`, { action: 'withdraw' })).status, 404);
      assert.ok(!(await (await get(C, '/dashboard/boerse/angebote')).text()).includes(offer));

      // wrong moves
      assert.equal((await post(B, `/dashboard/boerse/angebote/${offer}`, { action: 'accept' })).status, 409, 'not the buyer\'s turn');
      assert.equal((await post(A, `/dashboard/boerse/angebote/${offer}`, { action: 'withdraw' })).status, 422, 'sellers do not withdraw offers');
      assert.equal((await post(A, `/dashboard/boerse/angebote/${offer}`, { action: 'explode' })).status, 422);
      assert.equal((await post(A, `/dashboard/boerse/angebote/${offer}`, { action: 'counter', amount: '-1' })).status, 422);
      assert.equal((await post(A, `/dashboard/boerse/angebote/${offer}`, { action: 'accept' }, { csrf: false })).status, 403);
      assert.equal(sql(`SELECT status || '/' || turn FROM market_offers WHERE public_id = '${offer}'`), 'open/seller', 'nothing changed');

      // counter, accept, accept again
      assert.equal((await post(A, `/dashboard/boerse/angebote/${offer}`, { action: 'counter', amount: '19.200', message: 'Letztes Wort' })).status, 303);
      assert.equal((await post(A, `/dashboard/boerse/angebote/${offer}`, { action: 'accept' })).status, 409, 'the seller waits for the buyer now');
      r = await post(B, `/dashboard/boerse/angebote/${offer}`, { action: 'accept' });
      assert.equal(r.status, 303);
      const deal = r.headers.get('location').match(/abschluesse\/([0-9a-z]{16})$/)[1];
      const again = await post(B, `/dashboard/boerse/angebote/${offer}`, { action: 'accept' });
      assert.equal(again.status, 409, 'accepting twice');
      assert.match(await again.text(), /inzwischen geändert/);
      assert.equal((await post(B, `/dashboard/boerse/angebote/${offer}`, { action: 'withdraw' })).status, 409);
      assert.equal(sql(`SELECT COUNT(*) FROM market_deals WHERE public_id = '${deal}'`), '1');
      assert.equal(sql("SELECT COUNT(*) FROM market_deals d JOIN market_listings l ON l.id = d.listing_id WHERE l.public_id = '" + id + "'"), '1');

      // the deal for both sides, with 13.58 % of 19,200.00 € = 2,607.36 €
      for (const who of [A, B]) {
        const html = await (await get(who, `/dashboard/boerse/abschluesse/${deal}`)).text();
        assert.match(html, /19\.200,00 €/);
        assert.match(html, /2\.607,36 €/);
        assert.match(html, /13,58 %/);
        assert.match(await (await get(who, '/dashboard/boerse/abschluesse')).text(), new RegExp(deal));
      }
      assert.equal((await get(C, `/dashboard/boerse/abschluesse/${deal}`)).status, 404);
      assert.equal(sql(`SELECT commission_cents || '/' || commission_bp FROM market_deals WHERE public_id = '${deal}'`), '260736/1358');

      // the vehicle is reserved, also for the public
      const pub = await (await fetch(srv.url + `/api/v1/vehicles/${vehicle}`)).json();
      assert.equal(pub.status, 'reserved');
      const search = await (await fetch(srv.url + `/api/v1/vehicles/search?dealer=${slugs[0]}&make=${encodeURIComponent(pub.make)}&model=${encodeURIComponent(pub.model)}&size=100`)).json();
      assert.equal(search.items.find((v) => v.id === vehicle)?.status, 'reserved', 'the search index was updated');

      // an ended listing takes no offers: 409 for a buyer that negotiated, 404 for others
      assert.equal((await post(B, `/boerse/${id}/angebot`, { amount: '19000' })).status, 409);
      assert.equal((await post(C, `/boerse/${id}/angebot`, { amount: '19000' })).status, 404);
      assert.equal((await get(C, `/boerse/${id}`)).status, 404);

      // both dealers were notified at every step
      const mails = (slug) => Number(sql(`SELECT COUNT(*) FROM outbox o JOIN tenants t ON t.id = o.tenant_id WHERE t.slug = '${slug}' AND o.subject LIKE 'Börse:%' AND o.body LIKE '%${offer}%'`));
      assert.ok(mails(slugs[0]) >= 2, `seller mails: ${mails(slugs[0])}`); // the offer, the own counter
      assert.ok(mails(slugs[1]) >= 2, `buyer mails: ${mails(slugs[1])}`); // the own offer, the counter
      assert.ok(Number(sql("SELECT COUNT(*) FROM outbox WHERE subject LIKE 'Börse: Abschluss%'")) >= 2);
      // every step is in the acting dealer's audit log
      const audit = (slug, action) => Number(sql(`SELECT COUNT(*) FROM audit_log a JOIN tenants t ON t.id = a.tenant_id WHERE t.slug = '${slug}' AND a.action = '${action}' AND a.detail LIKE '%${offer}%'`));
      assert.equal(audit(slugs[1], 'boerse.offer'), 1, 'the buyer made the offer');
      assert.equal(audit(slugs[0], 'boerse.counter'), 1, 'the seller countered');
      assert.equal(audit(slugs[1], 'boerse.accept'), 1, 'the buyer accepted');
      assert.equal(audit(slugs[0], 'boerse.accept'), 0, 'not in the other dealer\'s log');
    });

    test('racing answers over HTTP: two accepts, or an accept and a withdrawal, make at most one deal', async () => {
      const { A, B, C } = dealer;
      for (const race of ['two accepts', 'accept vs withdraw']) {
        const vehicle = await listable(A);
        assert.equal((await post(A, '/dashboard/boerse', { vehicle, price: '15000', valid_until: inDays(7), note: '' })).status, 303);
        const id = sql(`SELECT l.public_id FROM market_listings l JOIN vehicles v ON v.id = l.vehicle_id WHERE v.public_id = '${vehicle}' AND l.status = 'active'`);
        const offerOf = async (who, amount) => (await post(who, `/boerse/${id}/angebot`, { amount })).headers.get('location').match(/angebote\/([0-9a-z]{16})/)[1];
        const ob = await offerOf(B, '14000');
        const oc = await offerOf(C, '14100');
        const answers = race === 'two accepts'
          ? [post(A, `/dashboard/boerse/angebote/${ob}`, { action: 'accept' }), post(A, `/dashboard/boerse/angebote/${oc}`, { action: 'accept' })]
          : [post(A, `/dashboard/boerse/angebote/${ob}`, { action: 'accept' }), post(B, `/dashboard/boerse/angebote/${ob}`, { action: 'withdraw' })];
        const statuses = (await Promise.all(answers)).map((r) => r.status).sort();
        assert.deepEqual(statuses, [303, 409], `${race}: one wins, the other is told (${statuses})`);
        const deals = Number(sql(`SELECT COUNT(*) FROM market_deals d JOIN market_listings l ON l.id = d.listing_id WHERE l.public_id = '${id}'`));
        const accepted = Number(sql(`SELECT COUNT(*) FROM market_offers o JOIN market_listings l ON l.id = o.listing_id WHERE l.public_id = '${id}' AND o.status = 'accepted'`));
        assert.equal(deals, accepted, `${race}: a deal exactly when an offer was accepted`);
        assert.ok(deals <= 1);
        if (race === 'two accepts') assert.equal(deals, 1);
        const vstatus = (await (await fetch(srv.url + `/api/v1/vehicles/${vehicle}`)).json()).status;
        assert.equal(vstatus, deals ? 'reserved' : 'published');
      }
    });

    test('a draft sold in the Börse is reserved for its dealer but never becomes public', async () => {
      const { A, B } = dealer;
      const body = { make: 'Skoda', model: 'Octavia', body: 'estate', condition: 'used', first_registration: '2020-03', mileage_km: 88000,
        power_kw: 110, fuel: 'diesel', gearbox: 'automatic', price_cents: 1690000, vat_mode: 'vat', status: 'draft' };
      const made = await fetch(srv.url + '/api/v1/vehicles', { method: 'POST', headers: { Authorization: `Bearer ${demoKey(slugs[0])}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(made.status, 201, await made.clone().text());
      const vehicle = (await made.json()).id;
      assert.equal((await post(A, '/dashboard/boerse', { vehicle, price: '14.000', valid_until: inDays(7), note: '' })).status, 303);
      const id = sql(`SELECT l.public_id FROM market_listings l JOIN vehicles v ON v.id = l.vehicle_id WHERE v.public_id = '${vehicle}' AND l.status = 'active'`);
      const offer = (await post(B, `/boerse/${id}/angebot`, { amount: '13500' })).headers.get('location').match(/angebote\/([0-9a-z]{16})/)[1];
      assert.equal((await post(A, `/dashboard/boerse/angebote/${offer}`, { action: 'accept' })).status, 303);
      assert.equal(sql(`SELECT status FROM vehicles WHERE public_id = '${vehicle}'`), 'reserved');
      assert.equal((await fetch(srv.url + `/api/v1/vehicles/${vehicle}`)).status, 404, 'never published: not public');
      assert.equal((await fetch(srv.url + `/fahrzeuge/skoda-octavia-${vehicle}`)).status, 404);
      const search = await (await fetch(srv.url + `/api/v1/vehicles/search?dealer=${slugs[0]}&make=Skoda&model=Octavia&size=100`)).json();
      assert.ok(!search.items.some((v) => v.id === vehicle), 'not in the public search');
      const sitemap = await (await fetch(srv.url + '/sitemaps/fahrzeuge-1.xml')).text();
      assert.ok(!sitemap.includes(vehicle), 'not in the sitemap');
    });

    test('withdrawn and expired listings take no offers', async () => {
      const { A, B, C } = dealer;
      for (const how of ['withdrawn', 'expired']) {
        const vehicle = await listable(A);
        assert.equal((await post(A, '/dashboard/boerse', { vehicle, price: '9.990', valid_until: inDays(5), note: '' })).status, 303);
        const id = sql(`SELECT l.public_id FROM market_listings l JOIN vehicles v ON v.id = l.vehicle_id WHERE v.public_id = '${vehicle}' AND l.status = 'active'`);
        const r = await post(B, `/boerse/${id}/angebot`, { amount: '9.000' });
        assert.equal(r.status, 303);
        const offer = r.headers.get('location').match(/angebote\/([0-9a-z]{16})/)[1];
        if (how === 'withdrawn') assert.equal((await post(A, `/dashboard/boerse/${id}/zurueckziehen`, {})).status, 303);
        else sql(`UPDATE market_listings SET valid_until = ${Math.floor(Date.now() / 1000) - 60} WHERE public_id = '${id}'`);
        assert.equal((await get(C, `/boerse/${id}`)).status, 404, `${how}: gone for other dealers`);
        assert.equal((await post(C, `/boerse/${id}/angebot`, { amount: '9.500' })).status, 404, `${how}: no offer from strangers`);
        assert.equal((await post(B, `/dashboard/boerse/angebote/${offer}`, { action: 'withdraw' })).status, how === 'withdrawn' ? 409 : 303);
        assert.equal((await post(A, `/dashboard/boerse/angebote/${offer}`, { action: 'accept' })).status, 409, `${how}: no deal`);
        const html = await (await get(A, '/boerse')).text();
        assert.ok(!html.includes(`/boerse/${id}"`), `${how}: not in the search`);
      }
    });
  });
}
