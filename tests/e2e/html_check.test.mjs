// The W3C Nu HTML Checker (vnu-jar from npm, on Debian's Java) over every page type,
// German and English: the public site (home, search, vehicle pages with and without
// photos, sold 410, 404, financing, compare, favourites, showroom and its imprint,
// legal pages, the offer sheet, the embed), the account forms (login, sign-up,
// password reset, with and without errors), the dealer dashboard, the Börse and the
// buyer's account. The pages are fetched into a temporary folder and checked in one
// run of the checker (one Java start-up); any error fails the test with page and line.
// Every page must have been fetched with the status it should have, so the test
// cannot pass on empty input, and a known-bad canary proves the checker reports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, cc24, demoKey, ROOT } from './helpers.mjs';

const VNU = path.join(ROOT, 'node_modules/vnu-jar/build/dist/vnu.jar');
const PASSWORD = 'cc24-Demo-2026';

let srv;
let slugs;
let dir;

before(async () => {
  srv = await startServer();
  slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
  // CC24_HTML_DIR keeps the fetched pages for a look (or a run of the checker by hand)
  dir = process.env.CC24_HTML_DIR || mkdtempSync(path.join(tmpdir(), 'cc24-html-'));
  mkdirSync(dir, { recursive: true });
});
after(async () => {
  if (srv) await srv.stop();
  if (dir && !process.env.CC24_HTML_DIR) rmSync(dir, { recursive: true, force: true });
});

// a client with its own session cookie (dealer or buyer); no redirects are followed
function client() {
  const c = { cookie: '' };
  c.req = async (p, init = {}) => {
    const headers = { ...(init.headers || {}) };
    if (c.cookie) headers.cookie = c.cookie;
    const r = await fetch(srv.url + p, { redirect: 'manual', ...init, headers });
    const set = r.headers.get('set-cookie');
    if (set && /cc24_session=/.test(set)) c.cookie = `cc24_session=${set.match(/cc24_session=([^;]*)/)[1]}`;
    return r;
  };
  c.post = (p, fields, headers = {}) => c.req(p, { method: 'POST', headers, body: new URLSearchParams({ ...(c.csrf ? { _csrf: c.csrf } : {}), ...fields }) });
  return c;
}

async function dealer(slug) {
  const c = client();
  const r = await c.post('/anmelden', { email: `owner@${slug}.demo`, password: PASSWORD });
  assert.equal(r.status, 303, 'dealer login');
  c.csrf = (await (await c.req('/dashboard')).text()).match(/name="_csrf" value="([^"]+)"/)[1];
  return c;
}

async function apiVehicle(slug, fields) {
  const r = await fetch(srv.url + '/api/v1/vehicles', {
    method: 'POST',
    headers: { Authorization: `Bearer ${demoKey(slug)}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ make: 'Volvo', model: 'V60', variant: 'B4 Momentum', body: 'estate', condition: 'used',
      first_registration: '2021-04', mileage_km: 42000, power_kw: 145, fuel: 'diesel', gearbox: 'automatic',
      price_cents: 2799000, vat_mode: 'margin', status: 'published', ...fields }),
  });
  assert.equal(r.status, 201, await r.clone().text());
  return (await r.json()).id;
}

// the canonical path of a vehicle page (/fahrzeuge/x-{id} redirects to it)
async function vehiclePath(id) {
  const r = await fetch(`${srv.url}/fahrzeuge/x-${id}`, { redirect: 'manual' });
  assert.equal(r.status, 301, `vehicle ${id} redirects to its slug`);
  return new URL(r.headers.get('location'), srv.url).pathname;
}

// the first link of a kind on a page
async function firstLink(who, page, re) {
  const html = await (await who.req(page)).text();
  const m = html.match(re);
  assert.ok(m, `${page} links to ${re}`);
  return m[1];
}

const withLang = (p, lang) => (lang === 'de' ? p : p + (p.includes('?') ? '&' : '?') + 'lang=en');

test('every page type passes the W3C Nu HTML Checker without errors, in German and English', async () => {
  const anon = client();
  const dealerA = await dealer(slugs[0]);
  const dealerB = await dealer(slugs[1]); // the demo Börse: an open offer to B and a deal where B bought
  const buyer = client();
  assert.equal((await buyer.post('/konto/registrieren', { name: 'Käuferin Prüfung', email: `pruef-${Date.now()}@kaeufer.example`, password: 'Kaeufer-Passwort-2026' })).status, 303);
  buyer.csrf = (await (await buyer.req('/konto')).text()).match(/name="_csrf" value="([^"]+)"/)[1];

  const search = await (await fetch(srv.url + `/api/v1/vehicles/search?size=3&dealer=${slugs[1]}`)).json();
  const [v1, v2, v3] = search.items.map((v) => v.id);
  const withPhotos = await vehiclePath(v1);
  const noPhotos = await vehiclePath(await apiVehicle(slugs[1], { variant: 'ohne Fotos' }));
  const soldId = await apiVehicle(slugs[1], { variant: 'verkauft' });
  const sold = await vehiclePath(soldId);
  const patch = await fetch(`${srv.url}/api/v1/vehicles/${soldId}`, { method: 'PATCH', headers: { Authorization: `Bearer ${demoKey(slugs[1])}`, 'Content-Type': 'application/json' }, body: '{"status":"sold"}' });
  assert.equal(patch.status, 200);
  // an enquiry, so the dealer's inbox has a lead to open
  assert.equal((await anon.post(`${withPhotos}/anfrage`, { kind: 'contact', name: 'Jana Probe', email: 'jana@example.de', phone: '+49 170 1234567', message: 'Ist der Wagen noch da?' })).status, 303);

  const editId = await firstLink(dealerB, '/dashboard', /href="\/dashboard\/fahrzeuge\/([0-9a-z]{16})"/);
  const leadId = await firstLink(dealerB, '/dashboard/anfragen', /href="\/dashboard\/anfragen\/([0-9a-z]{16})"/);
  // a deal from that lead, for the sales board and the deal page
  const made = await dealerB.post('/dashboard/verkauf', { lead: leadId });
  assert.equal(made.status, 303);
  const salesDeal = made.headers.get('location').match(/verkauf\/([0-9a-z]{16})/)[1];
  const listing = await firstLink(dealerB, '/boerse', /href="\/boerse\/([0-9a-z]{16})"/);
  const ownListing = await firstLink(dealerB, '/dashboard/boerse', /href="\/dashboard\/boerse\/([0-9a-z]{16})"/);
  const offer = await firstLink(dealerB, '/dashboard/boerse/angebote', /href="\/dashboard\/boerse\/angebote\/([0-9a-z]{16})"/);
  const deal = await firstLink(dealerB, '/dashboard/boerse/abschluesse', /href="\/dashboard\/boerse\/abschluesse\/([0-9a-z]{16})"/);

  // [name, path, status, who, form fields for a POST]
  const pages = [
    ['home', '/'],
    ['search', '/fahrzeuge'],
    ['search-filtered', '/fahrzeuge?make=Volkswagen&fuel=petrol&price_max=40000&sort=price_asc'],
    ['search-page-2', '/fahrzeuge?page=2'],
    ['search-empty', '/fahrzeuge?make=Volkswagen&price_max=1'],
    ['vehicle-photos', withPhotos],
    ['vehicle-no-photos', noPhotos],
    ['vehicle-offer-sheet', `${withPhotos}/angebot`],
    ['vehicle-sold', sold, 410],
    ['vehicle-lead-errors', `${withPhotos}/anfrage`, 422, anon, { kind: 'test_drive', name: '', email: 'kein-at' }],
    ['not-found', '/gibt-es-nicht', 404],
    ['vehicle-not-found', '/fahrzeuge/x-0000000000000000', 404],
    ['finance', '/finanzierung'],
    ['showroom', `/haendler/${slugs[0]}`],
    ['showroom-filtered', `/haendler/${slugs[0]}?make=Volkswagen&sort=price_asc`],
    ['showroom-imprint', `/haendler/${slugs[0]}/impressum`],
    ['newsletter', `/haendler/${slugs[0]}/newsletter`],
    ['newsletter-errors', `/haendler/${slugs[0]}/newsletter`, 422, anon, { email: 'kein-at', consent: '1' }],
    ['newsletter-sent', `/haendler/${slugs[0]}/newsletter`, 200, anon, { email: 'html@example.de', consent: '1' }],
    ['newsletter-confirm-gone', `/haendler/${slugs[0]}/newsletter/bestaetigen?t=${'x'.repeat(32)}`, 410],
    ['newsletter-unsubscribe', `/haendler/${slugs[0]}/newsletter/abmelden?t=abc`],
    ['embed', `/embed/${slugs[0]}`],
    ['imprint', '/impressum'],
    ['privacy', '/datenschutz'],
    ['privacy-request', '/datenschutz/anfrage'],
    ['privacy-request-errors', '/datenschutz/anfrage', 422, anon, { email: 'kein-at', kind: 'access' }],
    ['privacy-link-unknown', `/datenschutz/anfrage/bestaetigen?token=${'x'.repeat(43)}`, 404],
    ['terms', '/agb'],
    ['compare', `/vergleich?ids=${v1},${v2},${v3}`],
    ['compare-empty', '/vergleich'],
    ['favourites', `/merkliste?ids=${v1},${v2}`],
    ['favourites-empty', '/merkliste'],
    ['login', '/anmelden'],
    ['login-errors', '/anmelden', 401, anon, { email: `owner@${slugs[0]}.demo`, password: 'falsch' }],
    ['signup', '/registrieren'],
    ['buyer-signup', '/konto/registrieren'],
    ['forgot', '/passwort-vergessen'],
    ['reset', '/passwort-neu?token=abc'],
    ['dash-overview', '/dashboard', 200, dealerB],
    ['dash-inventory', '/dashboard?status=published&q=a', 200, dealerB],
    ['dash-vehicle-new', '/dashboard/fahrzeuge/neu', 200, dealerB],
    ['dash-vehicle-new-errors', '/dashboard/fahrzeuge', 422, dealerB, { make: 'Volvo', model: '', mileage_km: 'viel', price: 'x' }],
    ['dash-vehicle-edit', `/dashboard/fahrzeuge/${editId}`, 200, dealerB],
    ['dash-leads', '/dashboard/anfragen', 200, dealerB],
    ['dash-consent', '/dashboard/datenschutz/nachweise', 200, dealerB],
    ['dash-lead', `/dashboard/anfragen/${leadId}`, 200, dealerB],
    ['dash-deals', '/dashboard/verkauf', 200, dealerB],
    ['dash-deal', `/dashboard/verkauf/${salesDeal}`, 200, dealerB],
    ['dash-profile', '/dashboard/profil', 200, dealerB],
    ['dash-team', '/dashboard/team', 200, dealerB],
    ['dash-tokens', '/dashboard/api-tokens', 200, dealerB],
    ['dash-audit', '/dashboard/protokoll', 200, dealerB],
    ['dash-privacy', '/dashboard/datenschutz', 200, dealerB],
    ['dash-finance', '/dashboard/finanzierung', 200, dealerB],
    ['dash-account', '/dashboard/konto', 200, dealerA],
    ['dash-totp', '/dashboard/konto/zwei-faktor', 200, dealerA],
    ['boerse-search', '/boerse', 200, dealerB],
    ['boerse-listing', `/boerse/${listing}`, 200, dealerB],
    ['boerse-mine', '/dashboard/boerse', 200, dealerB],
    ['boerse-new', '/dashboard/boerse/neu', 200, dealerB],
    ['boerse-edit', `/dashboard/boerse/${ownListing}`, 200, dealerB],
    ['boerse-offers', '/dashboard/boerse/angebote', 200, dealerB],
    ['boerse-offer', `/dashboard/boerse/angebote/${offer}`, 200, dealerB],
    ['boerse-deals', '/dashboard/boerse/abschluesse', 200, dealerB],
    ['boerse-deal', `/dashboard/boerse/abschluesse/${deal}`, 200, dealerB],
    ['buyer-account', '/konto', 200, buyer],
    ['buyer-searches', '/konto/suchen', 200, buyer],
    ['buyer-favourites', '/merkliste', 200, buyer],
  ];

  // Pages whose language is not asked for in the URL (none: even a path that no route
  // matches answers its 404 in the language of ?lang=).
  const unnegotiated = new Set([]);

  const files = new Map(); // file → "name (lang) path"
  const wrong = [];
  for (const [name, p, status = 200, who = anon, form] of pages) {
    for (const lang of ['de', 'en']) {
      const url = withLang(p, lang);
      // as a browser of the page's language asks (the language itself is the URL's)
      const headers = { 'Accept-Language': lang === 'de' ? 'de-DE,de;q=0.9' : 'en-GB,en;q=0.9' };
      const r = form ? await who.post(url, form, headers) : await who.req(url, { headers });
      const html = await r.text();
      if (r.status !== status || !/^<!DOCTYPE html>/i.test(html) || !/<\/html>\s*$/.test(html) || !html.includes(`<html lang="${unnegotiated.has(name) ? 'de' : lang}"`))
        wrong.push(`${name} (${lang}) ${url}: ${r.status}, expected ${status} and a whole HTML page in its language`);
      const file = path.join(dir, `${name}.${lang}.html`);
      writeFileSync(file, html);
      files.set(file, `${name} (${lang}) ${form ? 'POST ' : ''}${url}`);
    }
  }
  assert.deepEqual(wrong, [], 'every page type was fetched with its status');
  assert.equal(files.size, pages.length * 2);

  // a page the checker must reject, so a checker that reports nothing cannot pass
  const canary = path.join(dir, 'canary.html');
  writeFileSync(canary, '<!DOCTYPE html><html lang="de"><head><title>x</title></head><body><p><div></div></p></body></html>');

  const run = spawnSync('java', ['-jar', VNU, '--errors-only', '--format', 'json', '--stdout', canary, ...files.keys()],
    { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.ok(run.status === 0 || run.status === 1, `vnu ran (exit ${run.status}): ${run.error || run.stderr}`);
  const messages = JSON.parse(run.stdout).messages;
  const fileOf = (m) => (m.url ? decodeURIComponent(new URL(m.url).pathname) : '');
  assert.ok(messages.some((m) => fileOf(m) === canary), 'the checker reports the canary\'s error');
  const errors = messages.filter((m) => fileOf(m) !== canary);
  // one entry per message, with every page and line it occurs on (the same template
  // error shows on many pages)
  const groups = new Map();
  for (const m of errors) {
    const key = `${m.type}: ${m.message}`;
    if (!groups.has(key)) groups.set(key, { where: [], extract: (m.extract || '').replace(/\s+/g, ' ').trim() });
    groups.get(key).where.push(`${files.get(fileOf(m)) || m.url}:${m.lastLine ?? '?'}:${m.firstColumn ?? '?'}`);
  }
  const report = [...groups].map(([key, g]) => `${key}\n    e.g. …${g.extract}…\n    ${g.where.length}×: ${g.where.join(', ')}`);
  if (report.length) console.log(`${errors.length} HTML checker errors, ${report.length} distinct:\n${report.join('\n')}`);
  assert.equal(errors.length, 0, `${errors.length} HTML checker errors (listed above)`);
});
