// Showrooms, the embed widget, the dealer profile form and the legal pages over
// HTTP, against a real `cc24 serve` (SQLite, and PostgreSQL when CC24_PG_URL is set):
// the showroom of every demo dealer with its SEO output, search inside the
// showroom, unknown slugs, framing allowed only for the widget, the embed script,
// the legal pages' mandatory items, and the profile form's validation, CSRF and
// roles. The browser flows are in showroom_browser.test.mjs.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, backends, cc24 } from './helpers.mjs';

const PASSWORD = 'cc24-Demo-2026';
const DEMO = ['autohaus-berger', 'autozentrum-isar', 'rheinland-automobile'];

// The address of the theme stylesheet a page links.
function themeHref(html) {
  const m = html.match(/<link rel="stylesheet" href="(\/haendler\/[a-z0-9-]+\/theme\.css\?v=[0-9a-f]{16})">/);
  assert.ok(m, 'a versioned theme stylesheet');
  return m[1];
}

function jsonLd(html) {
  const m = html.match(/<script type="application\/ld\+json">([^<]*)<\/script>/);
  assert.ok(m, 'a JSON-LD block');
  return JSON.parse(m[1]);
}

async function login(srv, email, password = PASSWORD) {
  const r = await fetch(srv.url + '/anmelden', { method: 'POST', body: new URLSearchParams({ email, password }), redirect: 'manual' });
  assert.equal(r.status, 303, `login ${email}`);
  return r.headers.get('set-cookie').split(';')[0];
}

// Every field of the profile form as it is now, so a test can change one.
function formFields(html) {
  const fields = {};
  for (const m of html.matchAll(/<input [^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields[m[1]] = decode(m[2]);
  for (const m of html.matchAll(/<textarea [^>]*name="([^"]+)"[^>]*>([^<]*)<\/textarea>/g)) fields[m[1]] = decode(m[2]);
  for (const m of html.matchAll(/<select [^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const sel = m[2].match(/<option value="([^"]*)" selected>/);
    fields[m[1]] = sel ? sel[1] : '';
  }
  return fields;
}
const decode = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function sql(srv, backend, q) {
  if (backend === 'postgresql') return execFileSync('psql', [srv.databaseUrl, '-qAtc', q]).toString().trim();
  return execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q]).toString().trim();
}

for (const backend of backends()) {
  describe(`showrooms (${backend})`, () => {
    let srv;
    before(async () => { srv = await startServer({ backend }); });
    after(async () => srv && srv.stop());
    const get = (p, init = {}) => fetch(srv.url + p, { redirect: 'manual', ...init });

    test('every demo dealer has a branded showroom with its stock and SEO data', async () => {
      const listed = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
      assert.deepEqual([...listed].sort(), [...DEMO].sort());
      for (const slug of DEMO) {
        const r = await get(`/haendler/${slug}`);
        assert.equal(r.status, 200, slug);
        assert.match(r.headers.get('content-type'), /text\/html/);
        const html = await r.text();
        assert.doesNotMatch(html, /\{\{/, 'no unrendered tags');
        assert.match(html, new RegExp(`<link rel="stylesheet" href="/haendler/${slug}/theme\\.css\\?v=[0-9a-f]{16}">`));
        assert.match(html, new RegExp(`<link rel="canonical" href="${srv.url}/haendler/${slug}">`));
        assert.match(html, /<meta property="og:title" content="[^"]+">/);
        assert.match(html, /<meta property="og:image" content="http[^"]+\.svg">/);
        assert.match(html, /<img src="\/static\/img\/dealers\/[a-z-]+\.[0-9a-f]{8}\.svg"/, 'the logo, content-hashed');
        assert.match(html, /Bewertungen folgen/, 'reviews placeholder');
        assert.match(html, /Öffnungszeiten/);
        assert.match(html, /(Jetzt geöffnet · schließt um|Geschlossen · öffnet) /, 'open-now state');
        assert.match(html, /href="https:\/\/www\.openstreetmap\.org\/\?mlat=/, 'map link at the geo position');
        assert.doesNotMatch(html, /<img[^>]+src="https?:/, 'no external images');
        assert.doesNotMatch(html, /style="/, 'no inline styles (CSP)');
        assert.match(html, /Ihre Ansprechpartner/, 'team');
        const ld = jsonLd(html);
        assert.equal(ld['@type'], 'AutoDealer');
        assert.equal(ld.url, `${srv.url}/haendler/${slug}`);
        assert.ok(ld.name && ld.legalName && ld.telephone && ld.email);
        assert.match(ld.vatID, /^DE\d{9}$/);
        assert.equal(ld.address['@type'], 'PostalAddress');
        assert.ok(ld.address.streetAddress && ld.address.postalCode && ld.address.addressLocality);
        assert.equal(ld.geo['@type'], 'GeoCoordinates');
        assert.ok(ld.geo.latitude > 47 && ld.geo.latitude < 55 && ld.geo.longitude > 5 && ld.geo.longitude < 15, 'in Germany');
        assert.ok(ld.openingHoursSpecification.length >= 6);
        for (const o of ld.openingHoursSpecification) {
          assert.match(o.dayOfWeek, /^https:\/\/schema\.org\/(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day$/);
          assert.match(o.opens, /^\d\d:\d\d$/);
          assert.ok(o.opens < o.closes);
        }
        // the stock is exactly the dealer's public stock in the search index
        const api = await (await get(`/api/v1/vehicles/search?dealer=${slug}&size=100`)).json();
        assert.ok(api.total > 0);
        assert.match(html, new RegExp(`<dt>Fahrzeuge online</dt><dd>${api.total.toLocaleString('de-DE')}</dd>`));
        const ids = [...html.matchAll(/href="\/fahrzeuge\/[a-z0-9-]*-([0-9a-z]{16})"/g)].map((m) => m[1]);
        assert.ok(ids.length > 0 && ids.length <= 12, 'one page of cards');
        const own = new Set(api.items.map((v) => v.id));
        if (api.total <= 100) for (const id of ids) assert.ok(own.has(id), `${id} belongs to ${slug}`);
        assert.doesNotMatch(html, /sr-spins/, 'no 360° section without spins');
      }
      const en = await (await get(`/haendler/${DEMO[0]}?lang=en`)).text();
      assert.match(en, /<html lang="en">/);
      assert.match(en, /Reviews are coming/);
      assert.match(en, /Our stock/);
    });

    test('search inside the showroom keeps the URL state and survives bad input', async () => {
      const slug = DEMO[1];
      const api = await (await get(`/api/v1/vehicles/search?dealer=${slug}&size=1`)).json();
      const make = api.facets.make[0].value;
      const want = await (await get(`/api/v1/vehicles/search?dealer=${slug}&make=${encodeURIComponent(make)}&size=100`)).json();
      const html = await (await get(`/haendler/${slug}?make=${encodeURIComponent(make)}&sort=price_asc`)).text();
      assert.match(html, new RegExp(`<option value="${make}" selected>`), 'the filter stays selected');
      assert.match(html, /<option value="price_asc" selected>/);
      const titles = [...html.matchAll(/<h3 class="card-title">([^<]+)<\/h3>/g)].map((m) => m[1]);
      assert.ok(titles.length > 0);
      for (const t of titles) assert.ok(t.startsWith(make), `${t} is a ${make}`);
      assert.match(html, new RegExp(`>${want.total} Treffer<`));
      const prices = [...html.matchAll(/<span class="price">([\d.]+) €<\/span>/g)].map((m) => Number(m[1].replace(/\./g, '')));
      assert.deepEqual(prices, [...prices].sort((a, b) => a - b), 'sorted by price');
      // paging keeps the filters; the dealer cannot be switched by the query
      const all = await (await get(`/haendler/${slug}?dealer=${DEMO[0]}`)).text();
      const next = all.match(/href="([^"]+page=2)#bestand" rel="next"/);
      assert.ok(next, 'a next page');
      assert.doesNotMatch(next[1], /dealer=/);
      const page2 = await (await get(next[1].replace(/&amp;/g, '&'))).text();
      assert.match(page2, /rel="prev"/);
      const other = await (await get(`/api/v1/vehicles/search?dealer=${DEMO[0]}&size=100`)).json();
      const foreign = new Set(other.items.map((v) => v.id));
      for (const m of all.matchAll(/-([0-9a-z]{16})"/g)) assert.ok(!foreign.has(m[1]), 'only this dealer');
      for (const q of ['price_max=-5', 'sort=bogus', 'page=abc', 'page=999999', 'size=100000', 'make=%3Cscript%3E', 'body=rocket', 'q=' + 'x'.repeat(3000), 'year_min=20000&price_min=9&price_max=1']) {
        const r = await get(`/haendler/${slug}?${q}`);
        assert.equal(r.status, 200, q);
      }
      assert.equal((await get(`/haendler/${slug}?make=%00`)).status, 400, 'a NUL byte is refused by the HTTP layer, as everywhere');
      const none = await (await get(`/haendler/${slug}?make=NoSuchMake`)).text();
      assert.match(none, /Keine Fahrzeuge gefunden|keine passenden|Filter/i);
    });

    test('unknown or malformed dealer slugs answer the 404 page', async () => {
      for (const p of ['/haendler/gibt-es-nicht', '/haendler/Autohaus-Berger', '/haendler/' + 'a'.repeat(61), '/haendler/a%20b', '/haendler/x',
        '/haendler/gibt-es-nicht/impressum', '/haendler/gibt-es-nicht/theme.css', '/embed/gibt-es-nicht']) {
        const r = await get(p);
        assert.equal(r.status, 404, p);
        assert.match(r.headers.get('content-type'), /text\/html/, p);
      }
    });

    test('the theme stylesheet carries the brand colours: versioned by its content and immutable', async () => {
      const href = themeHref(await (await get(`/haendler/${DEMO[0]}`)).text());
      const r = await get(href);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type'), /^text\/css/);
      assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      const css = await r.text();
      assert.match(css, /--c-brand: #0b4f8a;/);
      assert.match(css, /--c-accent: #b45309;/);
      assert.equal(r.headers.get('etag'), `"${href.split('v=')[1]}"`, 'the version is the content hash');
      for (const p of [`/haendler/${DEMO[0]}/impressum`, `/embed/${DEMO[0]}`])
        assert.equal(themeHref(await (await get(p)).text()), href, `${p} links the same address`);
      // another version is sent on to the current one, not answered (and cached) as immutable
      for (const v of ['0000000000000000', 'x', '']) {
        const old = await get(`/haendler/${DEMO[0]}/theme.css?v=${v}`);
        assert.equal(old.status, 302, v);
        assert.equal(old.headers.get('location'), href);
        assert.doesNotMatch(old.headers.get('cache-control') || '', /immutable|max-age/);
      }
      // without a version it revalidates
      const plain = await get(`/haendler/${DEMO[0]}/theme.css`);
      assert.equal(plain.headers.get('cache-control'), 'no-cache');
      const etag = plain.headers.get('etag');
      assert.ok(etag);
      assert.equal((await get(`/haendler/${DEMO[0]}/theme.css`, { headers: { 'If-None-Match': etag } })).status, 304);
    });

    test('only the widget may be framed, by any site', async () => {
      const w = await get(`/embed/${DEMO[2]}`);
      assert.equal(w.status, 200);
      assert.match(w.headers.get('content-security-policy'), /frame-ancestors \*/);
      assert.doesNotMatch(w.headers.get('content-security-policy'), /unsafe-inline/);
      assert.equal(w.headers.get('x-frame-options'), null);
      const html = await w.text();
      assert.match(html, /<body class="embed" data-cc24-embed="rheinland-automobile">/);
      assert.match(html, /<script src="\/static\/js\/embed\.[0-9a-f]{8}\.js" defer>/);
      const links = [...html.matchAll(/<a class="embed-item" href="([^"]+)" target="_blank" rel="noopener">/g)].map((m) => m[1]);
      assert.equal(links.length, 8, 'a compact page of 8');
      for (const l of links) assert.ok(l.startsWith(srv.url + '/fahrzeuge/'), 'absolute links to cc24');
      assert.match(html, /<select id="e-make" name="make">/);
      const api = await (await get(`/api/v1/vehicles/search?dealer=${DEMO[2]}&size=1`)).json();
      const make = api.facets.make[api.facets.make.length - 1];
      const filtered = await (await get(`/embed/${DEMO[2]}?make=${encodeURIComponent(make.value)}`)).text();
      assert.equal([...filtered.matchAll(/class="embed-item"/g)].length, Math.min(8, make.count));
      for (const p of [`/haendler/${DEMO[2]}`, '/', '/dashboard', `/haendler/${DEMO[2]}/impressum`, '/embed/gibt-es-nicht']) {
        const r = await get(p);
        assert.match(r.headers.get('content-security-policy') || '', /frame-ancestors 'none'/, p);
        assert.equal(r.headers.get('x-frame-options'), 'DENY', p);
      }
    });

    test('the embed script inserts the widget and checks where messages come from', async () => {
      const r = await get('/static/js/embed.js');
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type'), /javascript/);
      const js = await r.text();
      assert.match(js, /data-dealer/);
      assert.match(js, /ev\.origin !== origin/, 'only the cc24 origin');
      assert.match(js, /ev\.source !== frame\.contentWindow/, 'only its own iframe');
      assert.match(js, /postMessage/);
      const profile = await (await get('/dashboard/profil', { headers: { cookie: await login(srv, `owner@${DEMO[0]}.demo`) } })).text();
      assert.match(profile, new RegExp(`&lt;script src=&quot;${srv.url}/static/js/embed\\.js&quot; data-dealer=&quot;${DEMO[0]}&quot;`), 'the snippet is documented');
    });

    test('the platform legal pages carry their mandatory items, in German and English', async () => {
      const imp = await (await get('/impressum')).text();
      for (const s of ['§ 5 Digitale-Dienste-Gesetz', 'cc24 GmbH', 'Chausseestraße 24', '10115 Berlin', 'Dr. Lena Hartmann', 'kontakt@cc24.example',
        '+49 30 20242400', 'HRB 245024 B', 'Amtsgericht Charlottenburg', 'DE315240244', '§ 27a', '§ 18 Abs. 2 MStV', '§ 36 VSBG', 'Verbraucherschlichtungsstelle'])
        assert.ok(imp.includes(s), `Impressum: ${s}`);
      assert.doesNotMatch(imp, /ec\.europa\.eu\/consumers\/odr/, 'the EU ODR platform is gone since 20 July 2025; no link');
      const vat = imp.match(/DE(\d{9})/)[1];
      let p = 10;
      for (const d of vat.slice(0, 8)) { let s = (Number(d) + p) % 10; if (s === 0) s = 10; p = (2 * s) % 11; }
      assert.equal((11 - p) % 10, Number(vat[8]), 'the VAT ID has a valid check digit');
      const impEn = await (await get('/impressum?lang=en')).text();
      assert.match(impEn, /<html lang="en">/);
      assert.match(impEn, /Legal notice/);
      assert.match(impEn, /§ 36 VSBG/);

      const dse = await (await get('/datenschutz')).text();
      for (const s of ['Verantwortlicher', 'Art. 6 Abs. 1 lit. b DSGVO', 'Art. 6 Abs. 1 lit. f DSGVO', 'Speicherdauer', 'Empfänger',
        'Art. 15 DSGVO', 'Art. 16 DSGVO', 'Art. 17 DSGVO', 'Art. 18 DSGVO', 'Art. 20 DSGVO', 'Art. 21 DSGVO', 'Art. 77 DSGVO',
        'Aufsichtsbehörde', '§ 25 Abs. 2 Nr. 2 TDDDG', 'cc24_session', 'kein Cookie-Banner', 'datenschutz@cc24.example'])
        assert.ok(dse.includes(s), `Datenschutz: ${s}`);
      const dseEn = await (await get('/datenschutz?lang=en')).text();
      for (const s of ['Controller', 'Art. 6 (1)(b) GDPR', 'Art. 6 (1)(f) GDPR', 'Art. 77 GDPR', 'no cookie banner'])
        assert.ok(dseEn.includes(s), `privacy (en): ${s}`);

      const agb = await (await get('/agb')).text();
      for (const s of ['Allgemeine Geschäftsbedingungen', '§ 1 Geltungsbereich', '13,58 %', '§ 25a UStG', '§ 17 PAngV', '§ 36 VSBG'])
        assert.ok(agb.includes(s), `AGB: ${s}`);
      assert.match(await (await get('/agb?lang=en')).text(), /General terms and conditions/);
      // every page links them in the footer
      const sr = await (await get(`/haendler/${DEMO[0]}`)).text();
      for (const l of ['/impressum', '/datenschutz', '/agb']) assert.ok(sr.includes(`href="${l}"`), l);
    });

    test('a dealer Impressum shows the profile; an incomplete one is flagged', async () => {
      for (const slug of DEMO) {
        const html = await (await get(`/haendler/${slug}/impressum`)).text();
        assert.match(html, /§ 5 DDG/);
        assert.match(html, /Registergericht: Amtsgericht /);
        assert.match(html, /Registernummer: HR[AB] \d+/);
        assert.match(html, /§ 27a UStG: DE\d{9}/);
        assert.doesNotMatch(html, /Angaben unvollständig/, `${slug} is complete`);
      }
      const html = await (await get(`/haendler/${DEMO[2]}/impressum`)).text();
      assert.match(html, /<h2>Inhaber<\/h2><p>Markus Schneider \(Inhaber\)<\/p>/, 'an e.K. names its owner');
    });

    test('the profile form: bad input gives inline errors and changes nothing; good input is shown at once', async () => {
      const slug = DEMO[0];
      const cookie = await login(srv, `owner@${slug}.demo`);
      let html = await (await get('/dashboard/profil', { headers: { cookie } })).text();
      assert.doesNotMatch(html, /\{\{/);
      assert.match(html, /href="\/dashboard\/profil"/, 'in the dashboard navigation');
      const fields = formFields(html);
      assert.equal(fields.vat_id, 'DE273648192');
      assert.equal(fields.hours_4, '08:00-18:00');
      assert.equal(fields.team_0_name, 'Thomas Berger');
      const csrf = fields._csrf;
      const showroomBefore = await (await get(`/haendler/${slug}/impressum`)).text();
      const themeBefore = await (await get(`/haendler/${slug}/theme.css`)).text();
      const themeUrlBefore = themeHref(await (await get(`/haendler/${slug}`)).text());
      const post = (f, c = cookie) => fetch(srv.url + '/dashboard/profil', { method: 'POST', headers: { cookie: c }, body: new URLSearchParams(f), redirect: 'manual' });

      const bad = { ...fields, vat_id: 'DE123456789', hours_0: '18:00-08:00', hours_1: '08:00-13:00, 12:00-18:00', hours_2: 'ab 8 Uhr',
        color_primary: '#ffee00', color_accent: 'orange', zip: '2208', team_1_email: 'anja@', register_number: 'HRA 104562', lat: '95',
        website: 'autohaus-berger.de', social_instagram: 'https://evil.example/instagram.com/x', logo_path: '/static/img/dealers/fehlt.svg',
        about_de: 'Neu <b>fett</b> & "zitiert"' };
      const r = await post(bad);
      assert.equal(r.status, 422);
      html = await r.text();
      const errorAfter = (id) => {
        const m = html.match(new RegExp(`id="${id}"[^>]*>(?:[^<]*</textarea>)?<span class="field-error"[^>]*>([^<]+)</span>`));
        return m && decode(m[1]);
      };
      assert.match(errorAfter('p-vat'), /Prüfziffer/);
      assert.match(errorAfter('p-hours_0'), /beginnen/);
      assert.match(errorAfter('p-hours_1'), /überschneiden/);
      assert.match(errorAfter('p-hours_2'), /HH:MM/);
      assert.match(errorAfter('p-cp'), /Kontrast 1,\d:1.*Vorschlag: #[0-9a-f]{6}/);
      assert.match(errorAfter('p-ca'), /#b45309/);
      assert.match(errorAfter('p-zip'), /fünf Ziffern/);
      assert.match(errorAfter('p-t1-email'), /E-Mail/);
      assert.match(errorAfter('p-regno'), /HRB/);
      assert.match(errorAfter('p-lat'), /Breitengrad/);
      assert.match(errorAfter('p-web'), /https:\/\//);
      assert.match(errorAfter('p-social_instagram'), /https/);
      assert.match(errorAfter('p-logo'), /\/static\//);
      const kept = formFields(html);
      assert.equal(kept.vat_id, 'DE123456789', 'what was typed is kept');
      assert.equal(kept.hours_2, 'ab 8 Uhr');
      assert.equal(kept.about_de, bad.about_de);
      assert.doesNotMatch(html, /<b>fett<\/b>/, 'escaped');
      assert.equal(await (await get(`/haendler/${slug}/impressum`)).text(), showroomBefore, 'nothing changed');
      assert.equal(await (await get(`/haendler/${slug}/theme.css`)).text(), themeBefore);
      assert.equal(themeHref(await (await get(`/haendler/${slug}`)).text()), themeUrlBefore);

      const en = await fetch(srv.url + '/dashboard/profil?lang=en', { method: 'POST', headers: { cookie }, body: new URLSearchParams({ ...fields, vat_id: 'DE1' }), redirect: 'manual' });
      assert.equal(en.status, 422);
      assert.match(await en.text(), /check digit/, 'errors in English too');

      // without the CSRF token, or with another dealer's session: nothing
      assert.equal((await post({ ...fields, _csrf: 'x' })).status, 403);
      const other = await login(srv, `owner@${DEMO[1]}.demo`);
      const otherBefore = await (await get(`/haendler/${DEMO[1]}/impressum`)).text();
      assert.equal((await post({ ...fields, legal_name: 'Fremd GmbH' }, other)).status, 403, "B's session with A's token");
      assert.equal(await (await get(`/haendler/${slug}/impressum`)).text(), showroomBefore);
      assert.equal(await (await get(`/haendler/${DEMO[1]}/impressum`)).text(), otherBefore);

      // good input
      const good = { ...fields, about_de: 'Seit 1978 Ihr Autohaus in Wandsbek – jetzt mit E-Auto-Beratung.', hours_5: '09:00-13:00, 14:00-16:00',
        hours_6: '', color_primary: '#1D4ED8', team_2_name: '', team_2_role: '', team_2_phone: '', team_2_email: '',
        social_youtube: 'https://www.youtube.com/@autohausberger', lat: '53,5719' };
      const ok = await post(good);
      assert.equal(ok.status, 303);
      assert.equal(ok.headers.get('location'), '/dashboard/profil?saved=1');
      html = await (await get('/dashboard/profil?saved=1', { headers: { cookie } })).text();
      assert.match(html, /Profil gespeichert/);
      const saved = formFields(html);
      assert.equal(saved.color_primary, '#1d4ed8', 'normalised');
      assert.equal(saved.hours_5, '09:00-13:00, 14:00-16:00');
      assert.equal(saved.team_2_name, 'Laura Schmidt', 'the empty row is dropped, the next moves up');
      const sr = await (await get(`/haendler/${slug}`)).text();
      assert.match(sr, /Seit 1978 Ihr Autohaus in Wandsbek/);
      assert.match(sr, /<th scope="row">Samstag<\/th><td><span>09:00–13:00<\/span><span>14:00–16:00<\/span><\/td>/);
      assert.match(sr, /href="https:\/\/www\.youtube\.com\/@autohausberger"/);
      assert.doesNotMatch(sr, /Mehmet Yılmaz/);
      assert.match(await (await get(`/haendler/${slug}/theme.css`)).text(), /--c-brand: #1d4ed8;/);
      // the new colour is a new stylesheet address; the old one now leads to it
      const themeUrl = themeHref(sr);
      assert.notEqual(themeUrl, themeUrlBefore);
      const theme = await get(themeUrl);
      assert.equal(theme.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.match(await theme.text(), /--c-brand: #1d4ed8;/);
      const stale = await get(themeUrlBefore);
      assert.equal(stale.status, 302);
      assert.equal(stale.headers.get('location'), themeUrl);
      const ld = jsonLd(sr);
      assert.ok(ld.openingHoursSpecification.some((o) => o.dayOfWeek.endsWith('Saturday') && o.opens === '14:00' && o.closes === '16:00'));
      assert.ok(ld.sameAs.includes('https://www.youtube.com/@autohausberger'));
      const audit = await (await get('/dashboard/protokoll', { headers: { cookie } })).text();
      assert.match(audit, /profile\.update/, 'the change is in the audit log');

      // incomplete legal data: saved, flagged to the owner and on the public Impressum
      const partial = await post({ ...good, register_court: '', register_number: '', managing_directors: '' });
      assert.equal(partial.status, 303);
      html = await (await get('/dashboard/profil', { headers: { cookie } })).text();
      assert.match(html, /Ihr Impressum ist unvollständig/);
      assert.match(html, /<li>Geschäftsführung \/ Inhaber<\/li>/);
      assert.match(html, /<li>Registergericht<\/li>/);
      const imp = await (await get(`/haendler/${slug}/impressum`)).text();
      assert.match(imp, /Angaben unvollständig/);
      assert.doesNotMatch(imp, /Registernummer:/, 'what is missing is not shown');
      assert.match(imp, /Wandsbeker Chaussee 212/, 'what is there is shown');
    });

    test('staff may not edit the profile; anonymous callers go to the login', async () => {
      const email = `verkauf-${backend}@autohaus-berger.example`;
      cc24(['admin', 'user', 'add', '--email', email, '--tenant', DEMO[0], '--role', 'staff', `--database-url=${srv.databaseUrl}`],
        { CC24_NEW_PASSWORD: 'Verkauf-im-Team-1' });
      const staff = await login(srv, email, 'Verkauf-im-Team-1');
      assert.equal((await get('/dashboard', { headers: { cookie: staff } })).status, 200);
      assert.equal((await get('/dashboard/profil', { headers: { cookie: staff } })).status, 403);
      const anon = await get('/dashboard/profil');
      assert.equal(anon.status, 303);
      assert.equal(anon.headers.get('location'), '/anmelden?next=%2Fdashboard%2Fprofil');
    });

    test('a vehicle with a 360° spin is highlighted in the showroom', async () => {
      const slug = DEMO[2];
      const api = await (await get(`/api/v1/vehicles/search?dealer=${slug}&size=1&sort=price_desc`)).json();
      const id = api.items[0].id;
      assert.doesNotMatch(await (await get(`/haendler/${slug}`)).text(), /sr-spins/);
      sql(srv, backend, `UPDATE vehicles SET has_spin = 1 WHERE public_id = '${id}'`);
      const html = await (await get(`/haendler/${slug}`)).text();
      const section = html.match(/<section class="sr-section sr-spins"[\s\S]*?<\/section>/);
      assert.ok(section, 'the 360° section appears');
      assert.ok(section[0].includes(id), 'with that vehicle');
      // a draft with a spin is not shown
      sql(srv, backend, `UPDATE vehicles SET status = 'draft' WHERE public_id = '${id}'`);
      assert.doesNotMatch(await (await get(`/haendler/${slug}`)).text(), /sr-spins/);
    });
  });
}
