// The public site over plain HTTP: SEO output (JSON-LD, sitemaps, robots.txt,
// canonical/hreflang/OpenGraph, slugs, 301 and 410), hostile input on every page
// (never a 500, never unescaped), the page-weight budget of the vehicle page, and
// leads (inline errors, honeypot, rate limit, stored with the dealer's notice and the buyer's receipt) on
// SQLite and, with CC24_PG_URL, on PostgreSQL.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { startServer, backends, cc24, demoKey } from './helpers.mjs';

const get = (srv, p, init = {}) => fetch(srv.url + p, { redirect: 'manual', ...init });

// Bytes on the wire (gzip) of one response body.
function wireSize(url) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
      let n = 0;
      res.on('data', (d) => { n += d.length; });
      res.on('end', () => resolve({ status: res.statusCode, bytes: n, encoding: res.headers['content-encoding'] }));
    }).on('error', reject);
  });
}

function jsonLd(html) {
  const m = html.match(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/);
  assert.ok(m, 'JSON-LD present');
  return JSON.parse(m[1]);
}

async function allPublicIds(srv) {
  const ids = new Set();
  for (let page = 1; ; page++) {
    const j = await (await fetch(`${srv.url}/api/v1/vehicles/search?size=100&page=${page}`)).json();
    j.items.forEach((v) => ids.add(v.id));
    if (j.items.length < 100) break;
  }
  return ids;
}

describe('site over HTTP', () => {
  let srv;
  let slugs;
  before(async () => {
    srv = await startServer();
    slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
  });
  after(async () => srv && srv.stop());
  const api = (slug) => ({ Authorization: `Bearer ${demoKey(slug)}`, 'Content-Type': 'application/json' });
  const vehicle = (extra = {}) => ({ make: 'Volkswagen', model: 'Golf', variant: 'GTI', body: 'compact', condition: 'used',
    first_registration: '2021-03', mileage_km: 45000, power_kw: 180, fuel: 'petrol', gearbox: 'automatic', drive: 'front',
    colour: 'red', price_cents: 2899000, vat_mode: 'vat', status: 'published', ...extra });
  const create = async (slug, body) => {
    const r = await fetch(srv.url + '/api/v1/vehicles', { method: 'POST', headers: api(slug), body: JSON.stringify(body) });
    const text = await r.text();
    assert.equal(r.status, 201, text);
    return JSON.parse(text).id;
  };

  test('vehicle pages carry schema.org Car + Offer JSON-LD that parses and cannot be broken out of', async () => {
    const id = await create(slugs[0], vehicle({ variant: 'GTI </script><script>alert(1)</script> & "Clubsport"', vin: 'WVWZZZ1KZMW000001' }));
    let r = await get(srv, `/fahrzeuge/x-${id}`);
    assert.equal(r.status, 301);
    const canonical = r.headers.get('location');
    assert.match(canonical, /\/fahrzeuge\/volkswagen-golf-gti-script-script-alert-1-script-clubsport-[0-9a-z]{16}$/);
    r = await get(srv, new URL(canonical, srv.url).pathname);
    assert.equal(r.status, 200);
    const html = await r.text();
    assert.doesNotMatch(html, /<script>alert/, 'the variant is escaped everywhere');
    const ld = jsonLd(html);
    assert.equal(ld['@context'], 'https://schema.org');
    assert.equal(ld['@type'], 'Car');
    assert.equal(ld.brand.name, 'Volkswagen');
    assert.equal(ld.model, 'Golf');
    assert.equal(ld.vehicleConfiguration, 'GTI </script><script>alert(1)</script> & "Clubsport"');
    assert.equal(ld.vehicleIdentificationNumber, 'WVWZZZ1KZMW000001');
    assert.deepEqual(ld.mileageFromOdometer, { '@type': 'QuantitativeValue', value: 45000, unitCode: 'KMT' });
    assert.equal(ld.fuelType, 'Petrol');
    assert.equal(ld.vehicleTransmission, 'Automatic');
    assert.equal(ld.dateVehicleFirstRegistered, '2021-03');
    assert.equal(ld.offers['@type'], 'Offer');
    assert.equal(ld.offers.price, '28990.00');
    assert.equal(ld.offers.priceCurrency, 'EUR');
    assert.equal(ld.offers.availability, 'https://schema.org/InStock');
    assert.equal(ld.offers.seller['@type'], 'AutoDealer');
    assert.ok(ld.offers.seller.name && ld.offers.seller.address.postalCode);
    assert.equal(ld.url, srv.url + new URL(canonical, srv.url).pathname);
    // price with VAT mode and the CO2 class from the WLTP value
    assert.match(html, /MwSt\. ausweisbar/);
    const margin = await create(slugs[0], vehicle({ vat_mode: 'margin', condition: 'new', first_registration: null, mileage_km: 10, co2_g_km: 96, consumption_combined: 4.2 }));
    const mh = await (await fetch(`${srv.url}/fahrzeuge/x-${margin}`)).text();
    assert.match(mh, /Differenzbesteuert nach §25a UStG/);
    assert.match(mh, /CO₂-Klasse: <strong>C<\/strong>/, '96 g/km is class C');
    assert.match(mh, /§ 3a Pkw-EnVKV/);
  });

  test('head: canonical, hreflang (de, en, x-default) and OpenGraph on every page type', async () => {
    const v = (await (await fetch(srv.url + '/api/v1/vehicles/search?size=1')).json()).items[0];
    const vpath = new URL((await get(srv, `/fahrzeuge/x-${v.id}`)).headers.get('location'), srv.url).pathname;
    for (const p of ['/', '/fahrzeuge?make=BMW', vpath, '/vergleich', '/merkliste', '/finanzierung']) {
      const html = await (await fetch(srv.url + p)).text();
      const canon = html.match(/<link rel="canonical" href="([^"]+)">/);
      assert.ok(canon, `${p}: canonical`);
      assert.ok(canon[1].startsWith(srv.url), `${p}: absolute canonical`);
      for (const l of ['de', 'en', 'x-default']) assert.match(html, new RegExp(`<link rel="alternate" hreflang="${l}" href="${srv.url}`), `${p}: hreflang ${l}`);
      for (const og of ['og:title', 'og:description', 'og:url', 'og:image', 'og:type']) assert.match(html, new RegExp(`<meta property="${og}" content="[^"]+">`), `${p}: ${og}`);
    }
    const en = await (await fetch(srv.url + vpath + '?lang=en')).text();
    assert.match(en, new RegExp(`<link rel="canonical" href="${srv.url}${vpath}\\?lang=en">`), 'the English page is its own canonical');
    assert.match(en, /<meta property="og:type" content="product">/);
  });

  test('search: canonical URL with one stable parameter order; deep combinations are noindex', async () => {
    let html = await (await fetch(srv.url + '/fahrzeuge?sort=price_asc&fuel=petrol&make=BMW&page=1&price_max=&unknown=1')).text();
    assert.match(html, new RegExp(`<link rel="canonical" href="${srv.url}/fahrzeuge\\?make=BMW&amp;fuel=petrol&amp;sort=price_asc">`));
    assert.match(html, /<meta name="robots" content="noindex, follow">/, 'sorted variants are not indexed');
    html = await (await fetch(srv.url + '/fahrzeuge?make=BMW')).text();
    assert.doesNotMatch(html, /noindex/, 'a make page is indexable');
    assert.match(html, /<title>BMW – \d+ Fahrzeuge · cc24<\/title>/);
    html = await (await fetch(srv.url + '/fahrzeuge?make=BMW&fuel=diesel&gearbox=automatic')).text();
    assert.match(html, /noindex/, 'three filters deep');
    html = await (await fetch(srv.url + '/fahrzeuge?page=2')).text();
    assert.match(html, /<link rel="prev" href="\/fahrzeuge">/);
    assert.match(html, /<link rel="next" href="\/fahrzeuge\?page=3">/);
    // the fragment the script swaps in: no layout, the canonical URL for pushState
    const frag = await get(srv, '/fahrzeuge?fuel=diesel&make=Audi&fragment=1');
    assert.equal(frag.status, 200);
    assert.equal(frag.headers.get('x-robots-tag'), 'noindex');
    const f = await frag.text();
    assert.doesNotMatch(f, /<html|<header/);
    assert.match(f, /<div id="results" data-url="\/fahrzeuge\?make=Audi&amp;fuel=diesel">/);
  });

  test('facet counts match what the filter then finds (every option of the page)', async () => {
    const html = await (await fetch(srv.url + '/fahrzeuge?make=Volkswagen')).text();
    const opts = [...html.matchAll(/<input type="checkbox" id="f-(\w+)-(\w+)" name="\w+" value="\w+"><span[^>]*>(?:<\/span><span>)?[^<]*<\/span><span class="n">([\d.]+)<\/span>/g)];
    assert.ok(opts.length > 10, `facet options found: ${opts.length}`);
    // expected: SQL over the same data (the facet and the filter share the index under
    // test, so comparing them with each other proves little); then the filter agrees
    const db = srv.databaseUrl.replace(/^sqlite:/, '');
    const pub = "(status = 'published' OR (status = 'reserved' AND published_at > 0))";
    let bySql = 0;
    for (const [, param, value, count] of opts.slice(0, 25)) {
      const n = Number(count.replace(/\./g, ''));
      if (['fuel', 'gearbox', 'body', 'colour', 'condition', 'drive'].includes(param)) {
        const q = `SELECT COUNT(*) FROM vehicles WHERE make = 'Volkswagen' AND ${param} = '${value}' AND ${pub}`;
        assert.equal(n, Number(execFileSync('sqlite3', [db, q]).toString().trim()), `${param}=${value} by SQL`);
        bySql++;
      }
      const j = await (await fetch(`${srv.url}/api/v1/vehicles/search?make=Volkswagen&${param}=${value}&size=1`)).json();
      assert.equal(j.total, n, `${param}=${value}`);
    }
    assert.ok(bySql >= 5, `facet options checked against SQL: ${bySql}`);
  });

  test('sitemap: an index of pages with lastmod, listing every published vehicle and no draft or sold one', async () => {
    const draft = await create(slugs[1], vehicle({ status: 'draft' }));
    const sold = await create(slugs[1], vehicle({ status: 'published' }));
    assert.equal((await fetch(`${srv.url}/api/v1/vehicles/${sold}`, { method: 'PATCH', headers: api(slugs[1]), body: '{"status":"sold"}' })).status, 200);
    const r = await get(srv, '/sitemap.xml');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /application\/xml/);
    const index = await r.text();
    assert.match(index, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<sitemapindex xmlns="http:\/\/www.sitemaps.org\/schemas\/sitemap\/0.9">/);
    const locs = [...index.matchAll(/<loc>([^<]+)<\/loc><lastmod>(\d{4}-\d\d-\d\dT[\d:]+Z)<\/lastmod>/g)].map((m) => m[1]);
    assert.ok(locs.includes(`${srv.url}/sitemaps/seiten.xml`));
    const vehiclePages = locs.filter((l) => /fahrzeuge-\d+\.xml$/.test(l));
    assert.equal(vehiclePages.length, 1, 'one page for fewer than 50,000 vehicles');
    const ids = new Set();
    for (const l of vehiclePages) {
      const xml = await (await fetch(l)).text();
      assert.match(xml, /<urlset xmlns="http:\/\/www.sitemaps.org\/schemas\/sitemap\/0.9" xmlns:xhtml="http:\/\/www.w3.org\/1999\/xhtml">/);
      const entries = [...xml.matchAll(/<url><loc>([^<]+)<\/loc><lastmod>[^<]+<\/lastmod>((?:<xhtml:link [^>]+\/>){3})<\/url>/g)];
      assert.ok(entries.length > 0 && entries.length <= 50000);
      assert.equal(entries.length, (xml.match(/<url>/g) || []).length, 'every entry has lastmod and three alternates');
      for (const [, u, links] of entries) {
        const m = u.match(new RegExp(`^${srv.url}(/fahrzeuge/[a-z0-9-]+-([0-9a-z]{16}))(\\?lang=en)?$`));
        assert.ok(m, u);
        ids.add(m[2]);
        const alt = Object.fromEntries([...links.matchAll(/hreflang="([^"]+)" href="([^"]+)"/g)].map((x) => [x[1], x[2]]));
        assert.deepEqual(alt, { de: srv.url + m[1], en: srv.url + m[1] + '?lang=en', 'x-default': srv.url + m[1] });
      }
    }
    const published = await allPublicIds(srv);
    assert.deepEqual([...ids].sort(), [...published].sort(), 'exactly the public vehicles');
    assert.ok(!ids.has(draft) && !ids.has(sold));
    const pages = await (await fetch(srv.url + '/sitemaps/seiten.xml')).text();
    for (const p of ['/', '/fahrzeuge', '/finanzierung', '/impressum', '/datenschutz', '/agb', '/fahrzeuge?make=BMW', `/haendler/${slugs[0]}`]) {
      const en = p + (p.includes('?') ? '&' : '?') + 'lang=en';
      for (const [u, lang] of [[p, 'de'], [en, 'en']]) {
        assert.ok(pages.includes(`<loc>${srv.url}${u.replace(/&/g, '&amp;')}</loc>`), u);
        // the page itself names the same addresses: canonical = its sitemap URL, the same alternates
        const html = await (await fetch(srv.url + u)).text();
        const head = (rel, hl) => (html.match(new RegExp(`<link rel="${rel}"${hl ? ` hreflang="${hl}"` : ''} href="([^"]+)">`)) || [])[1]?.replace(/&amp;/g, '&');
        assert.equal(head('canonical'), srv.url + u, `${u}: canonical`);
        assert.equal(head('alternate', 'de'), srv.url + p, `${u}: hreflang de`);
        assert.equal(head('alternate', 'en'), srv.url + en, `${u}: hreflang en`);
        assert.equal(head('alternate', 'x-default'), srv.url + p, `${u}: x-default`);
        assert.equal((html.match(/rel="canonical"/g) || []).length, 1, `${u}: one canonical`);
        assert.match(html, new RegExp(`<html lang="${lang}">`));
      }
    }
    for (const bad of ['fahrzeuge-0.xml', 'fahrzeuge-2.xml', 'fahrzeuge-1.xml.gz', 'fahrzeuge-01.xml', '..%2Fetc', 'x'])
      assert.equal((await get(srv, '/sitemaps/' + bad)).status, 404, bad);
    // the sold vehicle answers 410 with similar vehicles; the draft 404
    const gone = await get(srv, `/fahrzeuge/x-${sold}`);
    assert.equal(gone.status, 410);
    const gh = await gone.text();
    assert.match(gh, /bereits verkauft/);
    assert.match(gh, /class="card"/, 'similar vehicles on the page');
    assert.equal((await get(srv, `/fahrzeuge/x-${draft}`)).status, 404);
  });

  test('microcache: anonymous pages are served again until the index changes; sessions bypass it', async () => {
    const id = await create(slugs[0], vehicle({ variant: 'Cache Test' }));
    const path = new URL((await get(srv, `/fahrzeuge/x-${id}`)).headers.get('location'), srv.url).pathname;
    const first = await get(srv, path);
    assert.equal(first.headers.get('x-cache'), null);
    const html = await first.text();
    const again = await get(srv, path, { headers: { 'Accept-Encoding': 'identity' } });
    assert.equal(again.headers.get('x-cache'), 'hit');
    assert.equal(await again.text(), html, 'the same bytes');
    const gz = await get(srv, path, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(gz.headers.get('x-cache'), 'hit');
    assert.equal(await gz.text(), html, 'gzip variant of the same page');
    assert.match(html, /28\.990 €/);
    // a price change is visible at once
    assert.equal((await fetch(`${srv.url}/api/v1/vehicles/${id}`, { method: 'PATCH', headers: api(slugs[0]), body: '{"price_cents": 2750000}' })).status, 200);
    const fresh = await get(srv, path);
    assert.equal(fresh.headers.get('x-cache'), null);
    assert.match(await fresh.text(), /27\.500 €/);
    // search pages too, keyed by their canonical state and the typed text
    await get(srv, '/fahrzeuge?q=Cache+Test');
    const s2 = await get(srv, '/fahrzeuge?q=Cache+Test');
    assert.equal(s2.headers.get('x-cache'), 'hit');
    const s3 = await get(srv, '/fahrzeuge?q=cache+test');
    assert.equal(s3.headers.get('x-cache'), null, 'other typed text, other page');
    assert.match(await s3.text(), /value="cache test"/);
    // a logged-in dealer never gets a cached page
    const login = await fetch(srv.url + '/anmelden', { method: 'POST', body: new URLSearchParams({ email: `owner@${slugs[0]}.demo`, password: 'cc24-Demo-2026' }), redirect: 'manual' });
    const cookie = login.headers.get('set-cookie').split(';')[0];
    const dealer = await get(srv, path, { headers: { cookie } });
    assert.equal(dealer.status, 200);
    assert.equal(dealer.headers.get('x-cache'), null);
  });

  test('robots.txt keeps crawlers out of the back office and points at the sitemap', async () => {
    const r = await get(srv, '/robots.txt');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /text\/plain/);
    const t = await r.text();
    for (const line of ['User-agent: *', 'Disallow: /dashboard', 'Disallow: /boerse', 'Disallow: /api/', 'Allow: /api/v1/openapi.yaml', `Sitemap: ${srv.url}/sitemap.xml`])
      assert.ok(t.split('\n').includes(line), line);
  });

  test('slugs: a wrong slug with the right id redirects (301), malformed ones are 404 pages', async () => {
    const v = (await (await fetch(srv.url + '/api/v1/vehicles/search?size=1&make=Škoda')).json()).items[0]
      || (await (await fetch(srv.url + '/api/v1/vehicles/search?size=1')).json()).items[0];
    const r = await get(srv, `/fahrzeuge/voellig-falsch-${v.id}?lang=en`);
    assert.equal(r.status, 301);
    const loc = r.headers.get('location');
    assert.match(loc, /^\/fahrzeuge\/[a-z0-9-]+-[0-9a-z]{16}\?lang=en$/, 'the query survives');
    assert.doesNotMatch(loc, /[^\x00-\x7f]/, 'umlauts transliterated');
    for (const bad of ['x', 'golf', `golf${v.id}`, v.id.toUpperCase(), `golf-${v.id}x`, '%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'a'.repeat(3000), `x-${v.id.slice(0, 15)}!`]) {
      const b = await get(srv, '/fahrzeuge/' + bad);
      assert.ok([404, 414].includes(b.status), `${bad.slice(0, 40)}: ${b.status}`);
      assert.doesNotMatch(await b.text(), /<script>alert/);
    }
  });

  test('hostile search parameters give a sensible page, never a 500', async () => {
    const cases = {
      'fuel=rocket&body=spaceship': /Fahrzeuge/,
      'price_min=-5&mileage_max=-1': /Fahrzeuge/,
      'price_min=50000&price_max=1000': /Keine passenden Fahrzeuge/,
      'page=99999': /Diese Seite gibt es nicht/,
      'page=-3': /Fahrzeuge/,
      'size=100000': /Fahrzeuge/,
      'q=%3Cscript%3Ealert(1)%3C%2Fscript%3E': /value="&lt;script&gt;alert\(1\)&lt;\/script&gt;"/,
      ['q=' + 'x'.repeat(5000)]: /Fahrzeuge/,
      ['make=' + Array.from({ length: 60 }, (_, i) => 'M' + i).join(',')]: /Fahrzeuge/,
      'model=%0A&make=%20': /Fahrzeuge/,
      'year_min=abc&year_max=-3&first_reg_min=2020-13': /Fahrzeuge/,
      'sort=drop+table&lang=xx': /Fahrzeuge/,
      'features=navigation,nonsense,head_up_display': /Fahrzeuge/,
    };
    for (const [q, want] of Object.entries(cases)) {
      const r = await fetch(srv.url + '/fahrzeuge?' + q);
      assert.equal(r.status, 200, `${q.slice(0, 60)}: ${r.status}`);
      const html = await r.text();
      assert.match(html, want, q.slice(0, 60));
      assert.doesNotMatch(html, /<script>alert/);
    }
    // bytes that are not UTF-8 are refused by the HTTP layer with an HTML error page
    for (const q of ['q=%FF%FE', 'make=%00']) {
      const bin = await fetch(srv.url + '/fahrzeuge?' + q);
      assert.equal(bin.status, 400, q);
      assert.match(await bin.text(), /<html lang="de">[\s\S]*Anfrage nicht möglich/);
    }
    const big = await (await fetch(srv.url + '/fahrzeuge?size=100000')).text();
    assert.ok((big.match(/class="card"/g) || []).length <= 100, 'page size is capped');
    const beyond = await (await fetch(srv.url + '/fahrzeuge?page=99999')).text();
    assert.match(beyond, /href="\/fahrzeuge\?page=\d+">Zur letzten Seite/);
    // compare and favourites with junk ids
    for (const p of ['/vergleich?ids=../../etc', '/vergleich?ids=' + 'a,'.repeat(500), '/merkliste?ids=%3Cb%3E', '/merkliste?ids=' + 'abcdefghjkmnpqrs,'.repeat(200)]) {
      const r = await fetch(srv.url + p);
      assert.equal(r.status, 200, p.slice(0, 40));
      assert.doesNotMatch(await r.text(), /<b>/);
    }
  });

  test('page weight: the vehicle page with its CSS and JS stays under 100 KB with gzip, all from this host', async () => {
    const v = (await (await fetch(srv.url + '/api/v1/vehicles/search?size=1&sort=price_desc')).json()).items[0];
    const path = new URL((await get(srv, `/fahrzeuge/x-${v.id}`)).headers.get('location'), srv.url).pathname;
    const html = await (await fetch(srv.url + path)).text();
    const assets = [...html.matchAll(/(?:href|src)="(\/static\/[^"]+\.(?:css|js))"/g)].map((m) => m[1]);
    assert.ok(assets.some((a) => a.endsWith('.css')) && assets.some((a) => a.endsWith('.js')));
    assert.doesNotMatch(html, /(?:href|src)="https?:\/\/(?!127\.0\.0\.1)[^"]+\.(?:css|js|woff2?)"/, 'no external assets');
    assert.doesNotMatch(html, /<(?:script|link|img)[^>]+(?:src|href)="https?:\/\/(?!127\.0\.0\.1)/, 'nothing loaded from another host');
    let total = 0;
    for (const u of [path, ...new Set(assets)]) {
      const s = await wireSize(srv.url + u);
      assert.equal(s.status, 200, u);
      assert.equal(s.encoding, 'gzip', `${u} is compressed`);
      total += s.bytes;
    }
    assert.ok(total <= 100 * 1024, `vehicle page weighs ${total} bytes`);
  });
});

for (const backend of backends()) {
  describe(`leads from the vehicle page (${backend})`, () => {
    let srv;
    let count;
    before(async () => {
      srv = await startServer({ backend });
      count = (table, where = '') => {
        const q = `SELECT COUNT(*) FROM ${table} ${where}`;
        if (backend === 'sqlite') return Number(execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q]).toString());
        return Number(execFileSync('psql', [srv.databaseUrl, '-qAtc', q]).toString());
      };
    });
    after(async () => srv && srv.stop());

    test('validation, honeypot, storage with an outbox notice, rate limit', async () => {
      const v = (await (await fetch(srv.url + '/api/v1/vehicles/search?size=1')).json()).items[0];
      const post = (fields) => fetch(`${srv.url}/fahrzeuge/x-${v.id}/anfrage`, { method: 'POST', redirect: 'manual', body: new URLSearchParams(fields) });
      let r = await post({ kind: 'test_drive', name: 'Max', email: 'max@', phone: '', preferred_date: '2020-01-01', message: '<b>hi</b>' });
      assert.equal(r.status, 422);
      let html = await r.text();
      assert.match(html, /Bitte geben Sie eine gültige E-Mail-Adresse an/);
      assert.match(html, /Für eine Probefahrt brauchen wir Ihre Telefonnummer/);
      assert.match(html, /Bitte wählen Sie einen Termin für die Probefahrt/, 'a test drive takes one of the free slots');
      assert.match(html, /href="#lead-slot"/, 'the summary links to the slot picker');
      assert.match(html, /value="max@"/, 'what was typed is kept');
      assert.match(html, /&lt;b&gt;hi&lt;\/b&gt;<\/textarea>/, 'and escaped');
      r = await fetch(`${srv.url}/fahrzeuge/x-${v.id}/anfrage?lang=en`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ kind: 'contact', name: 'A' }) });
      assert.equal(r.status, 422);
      assert.match(await r.text(), /Please enter your e-mail address/);
      const outboxBefore = count('outbox');
      r = await post({ kind: 'contact', name: 'Bot', email: 'bot@example.de', message: 'spam', website: 'http://spam.example' });
      assert.equal(r.status, 303, 'the bot is thanked');
      assert.equal(count('leads'), 0, 'and nothing is stored');
      r = await post({ kind: 'contact', name: 'Erika Mustermann', email: 'erika@example.de', phone: '', message: 'Noch zu haben?' });
      assert.equal(r.status, 303);
      assert.match(r.headers.get('location'), /\?anfrage=gesendet#kontakt$/);
      assert.equal(count('leads', "WHERE kind = 'contact' AND name = 'Erika Mustermann'"), 1);
      assert.equal(count('outbox'), outboxBefore + 2, 'the dealer is notified and the buyer gets a receipt');
      assert.equal(count('outbox', "WHERE recipient = 'erika@example.de' AND kind = 'lead.confirm'"), 1, 'the receipt');
      const page = await (await fetch(srv.url + r.headers.get('location').replace('#kontakt', ''))).text();
      assert.match(page, /Vielen Dank/);
      // unknown kinds and a sold or missing vehicle
      r = await post({ kind: 'callback', name: 'Erika Mustermann', email: 'erika@example.de', message: 'x' });
      assert.equal(r.status, 422);
      assert.equal((await fetch(`${srv.url}/fahrzeuge/x-0000000000000000/anfrage`, { method: 'POST', body: 'name=x' })).status, 404);
      // five a minute from one address, then 429 with Retry-After
      let last;
      for (let i = 0; i < 4; i++) last = await post({ kind: 'contact', name: 'Erika Mustermann', email: 'erika@example.de', message: 'Noch einmal ' + i });
      assert.equal(last.status, 429);
      assert.ok(Number(last.headers.get('retry-after')) >= 1);
      assert.match(await last.text(), /sehr viele Anfragen/);
      assert.ok(count('leads') <= 3);
    });
  });
}
