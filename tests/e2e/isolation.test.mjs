// Walks the whole route table: every route must be listed here with what an
// anonymous caller gets and, where a route touches a dealer's data, what dealer A
// gets for dealer B's resource (404, never 403: existence is not revealed).
// A route added without an entry here fails this test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, cc24, demoKey } from './helpers.mjs';
import { CAR_JPEG, multipart } from './media_util.mjs';

let srv;
let slugs;
let draftOfB;
let publicOfB;
let cookieA;
let csrfA;

const json = { 'Content-Type': 'application/json' };

before(async () => {
  srv = await startServer();
  slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
  const B = { Authorization: `Bearer ${demoKey(slugs[1])}`, ...json };
  const body = { make: 'Seat', model: 'Leon', body: 'compact', condition: 'used', first_registration: '2019-02', mileage_km: 70000,
    power_kw: 110, fuel: 'petrol', gearbox: 'manual', price_cents: 1390000, vat_mode: 'margin', status: 'draft' };
  draftOfB = (await (await fetch(srv.url + '/api/v1/vehicles', { method: 'POST', headers: B, body: JSON.stringify(body) })).json()).id;
  publicOfB = (await (await fetch(srv.url + `/api/v1/vehicles/search?dealer=${slugs[1]}&size=1`)).json()).items[0];
  const login = await fetch(srv.url + '/anmelden', { method: 'POST', body: new URLSearchParams({ email: `owner@${slugs[0]}.demo`, password: 'cc24-Demo-2026' }), redirect: 'manual' });
  cookieA = login.headers.get('set-cookie').split(';')[0];
  csrfA = (await (await fetch(srv.url + '/dashboard', { headers: { cookie: cookieA } })).text()).match(/name="_csrf" value="([^"]+)"/)[1];
});
after(async () => srv && srv.stop());

const sql = (q) => execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q]).toString().trim();
const apiA = () => ({ Authorization: `Bearer ${demoKey(slugs[0])}`, ...json });
const form = (fields) => ({ method: 'POST', headers: { cookie: cookieA }, body: new URLSearchParams({ _csrf: csrfA, ...fields }), redirect: 'manual' });
const call = (p, init = {}) => fetch(srv.url + p, { redirect: 'manual', ...init });

// a test drive booked on B's public vehicle (once)
let tdB;
async function testDriveOfB() {
  if (tdB) return tdB;
  const page = await (await fetch(srv.url + `/fahrzeuge/x-${publicOfB.id}`)).text();
  const slot = page.match(/name="slot" value="(\d+)"/)[1];
  const r = await call(`/fahrzeuge/x-${publicOfB.id}/anfrage`, { method: 'POST', body: new URLSearchParams({ kind: 'test_drive', name: 'Erika Probefahrt', email: 'erika@example.de', phone: '+49 171 1234567', slot }) });
  assert.equal(r.status, 303);
  const id = sql(`SELECT public_id FROM test_drives WHERE slot_start = ${slot}`);
  tdB = { id, day: new Date(Number(slot) * 1000).toLocaleDateString('sv-SE', { timeZone: 'Europe/Berlin' }) };
  return tdB;
}

// route → [anonymous check, cross-tenant check or null]
const routes = {
  'GET /healthz': [async () => assert.equal((await call('/healthz')).status, 200), null],
  'GET /readyz': [async () => assert.equal((await call('/readyz')).status, 200), null],
  'GET /metrics': [async () => assert.equal((await call('/metrics')).status, 200), null],
  'GET /static/{*path}': [async () => assert.equal((await call('/static/css/app.css')).status, 200), null],
  'GET /': [async () => assert.equal((await call('/')).status, 200), null],
  'GET /fahrzeuge': [async () => assert.equal((await call('/fahrzeuge')).status, 200), null],
  'GET /fahrzeuge/{slug}': [
    async () => assert.equal((await call(`/fahrzeuge/x-${draftOfB}`)).status, 404, 'drafts are not public'),
    async () => assert.equal((await call(`/fahrzeuge/x-${draftOfB}`, { headers: { cookie: cookieA } })).status, 404)],
  'GET /fahrzeuge/{slug}/angebot': [
    async () => assert.equal((await call(`/fahrzeuge/x-${draftOfB}/angebot`)).status, 404), null],
  'GET /finanzierung': [async () => assert.equal((await call('/finanzierung')).status, 200), null],
  'GET /anmelden': [async () => assert.equal((await call('/anmelden')).status, 200), null],
  'POST /anmelden': [async () => assert.equal((await call('/anmelden', { method: 'POST', body: new URLSearchParams({ email: 'x@y.de', password: 'nope-nope-nope' }) })).status, 401), null],
  'POST /abmelden': [async () => assert.equal((await call('/abmelden', { method: 'POST' })).status, 303), null],
  'GET /registrieren': [async () => assert.equal((await call('/registrieren')).status, 200), null],
  'POST /registrieren': [async () => assert.equal((await call('/registrieren', { method: 'POST', body: new URLSearchParams({ company: 'X' }) })).status, 422), null],
  'GET /bestaetigen': [async () => assert.equal((await call('/bestaetigen?token=' + 'x'.repeat(43))).status, 410), null],
  'GET /passwort-vergessen': [async () => assert.equal((await call('/passwort-vergessen')).status, 200), null],
  'POST /passwort-vergessen': [async () => assert.equal((await call('/passwort-vergessen', { method: 'POST', body: new URLSearchParams({ email: 'a@b.de' }) })).status, 200), null],
  'GET /passwort-neu': [async () => assert.equal((await call('/passwort-neu')).status, 200), null],
  'POST /passwort-neu': [async () => assert.equal((await call('/passwort-neu', { method: 'POST', body: new URLSearchParams({ token: 'x'.repeat(43), password: 'lang-genug-123' }) })).status, 410), null],
  'GET /dashboard': [async () => assert.match((await call('/dashboard')).headers.get('location') || '', /^\/anmelden/), null],
  'GET /dashboard/fahrzeuge/neu': [async () => assert.equal((await call('/dashboard/fahrzeuge/neu')).status, 303), null],
  'POST /dashboard/fahrzeuge': [async () => assert.equal((await call('/dashboard/fahrzeuge', { method: 'POST' })).status, 303), null],
  'GET /dashboard/fahrzeuge/{id}': [
    async () => assert.equal((await call(`/dashboard/fahrzeuge/${draftOfB}`)).status, 303),
    async () => assert.equal((await call(`/dashboard/fahrzeuge/${draftOfB}`, { headers: { cookie: cookieA } })).status, 404)],
  'POST /dashboard/fahrzeuge/{id}': [
    async () => assert.equal((await call(`/dashboard/fahrzeuge/${draftOfB}`, { method: 'POST' })).status, 303),
    async () => assert.equal((await fetch(srv.url + `/dashboard/fahrzeuge/${draftOfB}`, form({ make: 'X', model: 'Y' }))).status, 404)],
  'POST /dashboard/fahrzeuge/{id}/status': [
    async () => assert.equal((await call(`/dashboard/fahrzeuge/${draftOfB}/status`, { method: 'POST' })).status, 303),
    async () => assert.equal((await fetch(srv.url + `/dashboard/fahrzeuge/${draftOfB}/status`, form({ status: 'published' }))).status, 404)],
  'GET /dashboard/finanzierung': [async () => assert.equal((await call('/dashboard/finanzierung')).status, 303), null],
  'POST /dashboard/finanzierung': [async () => assert.equal((await call('/dashboard/finanzierung', { method: 'POST' })).status, 303), null],
  'GET /dashboard/team': [async () => assert.equal((await call('/dashboard/team')).status, 303), null],
  'POST /dashboard/team': [async () => assert.equal((await call('/dashboard/team', { method: 'POST' })).status, 303), null],
  'POST /dashboard/team/{id}/entfernen': [async () => assert.equal((await call(`/dashboard/team/${'0'.repeat(16)}/entfernen`, { method: 'POST' })).status, 303),
    async () => assert.equal((await fetch(srv.url + `/dashboard/team/${'0'.repeat(16)}/entfernen`, form({}))).status, 404)],
  'GET /dashboard/api-tokens': [async () => assert.equal((await call('/dashboard/api-tokens')).status, 303), null],
  'POST /dashboard/api-tokens': [async () => assert.equal((await call('/dashboard/api-tokens', { method: 'POST' })).status, 303), null],
  'POST /dashboard/api-tokens/{id}/widerrufen': [async () => assert.equal((await call(`/dashboard/api-tokens/${'0'.repeat(16)}/widerrufen`, { method: 'POST' })).status, 303),
    async () => assert.equal((await fetch(srv.url + `/dashboard/api-tokens/${'0'.repeat(16)}/widerrufen`, form({}))).status, 404)],
  'GET /dashboard/protokoll': [async () => assert.equal((await call('/dashboard/protokoll')).status, 303), null],
  // the enquiry inbox
  'GET /dashboard/anfragen': [async () => assert.equal((await call('/dashboard/anfragen')).status, 303), null],
  'GET /dashboard/anfragen/{id}': [async () => assert.equal((await call(`/dashboard/anfragen/${'0'.repeat(16)}`)).status, 303),
    async () => assert.equal((await call(`/dashboard/anfragen/${'0'.repeat(16)}`, { headers: { cookie: cookieA } })).status, 404)],
  'GET /dashboard/post': [async () => assert.equal((await call('/dashboard/post')).status, 303),
    async () => assert.equal((await call('/dashboard/post', { headers: { cookie: cookieA } })).status, 403)],
  'POST /dashboard/post/{id}/erneut': [async () => assert.equal((await call('/dashboard/post/1/erneut', { method: 'POST' })).status, 303),
    async () => assert.equal((await fetch(srv.url + '/dashboard/post/1/erneut', form({}))).status, 403)],
  'GET /dashboard/verkauf': [async () => assert.equal((await call('/dashboard/verkauf')).status, 303), null],
  'POST /dashboard/verkauf': [async () => assert.equal((await call('/dashboard/verkauf', { method: 'POST' })).status, 303),
    async () => assert.equal((await fetch(srv.url + '/dashboard/verkauf', form({ lead: '0'.repeat(16) }))).status, 404)],
  'POST /dashboard/verkauf/stufen': [async () => assert.equal((await call('/dashboard/verkauf/stufen', { method: 'POST' })).status, 303), null],
  'GET /dashboard/verkauf/{id}': [async () => assert.equal((await call(`/dashboard/verkauf/${'0'.repeat(16)}`)).status, 303),
    async () => assert.equal((await call(`/dashboard/verkauf/${'0'.repeat(16)}`, { headers: { cookie: cookieA } })).status, 404)],
  'POST /dashboard/verkauf/{id}': [async () => assert.equal((await call(`/dashboard/verkauf/${'0'.repeat(16)}`, { method: 'POST' })).status, 303),
    async () => assert.equal((await fetch(srv.url + `/dashboard/verkauf/${'0'.repeat(16)}`, form({ action: 'lose', reason: 'x' }))).status, 404)],
  'POST /dashboard/anfragen/{id}': [async () => assert.equal((await call(`/dashboard/anfragen/${'0'.repeat(16)}`, { method: 'POST' })).status, 303),
    async () => assert.equal((await fetch(srv.url + `/dashboard/anfragen/${'0'.repeat(16)}`, form({ action: 'note', text: 'x' }))).status, 404)],
  // test drives: B's booking is neither listed for A nor can A cancel it
  'GET /dashboard/probefahrten': [async () => assert.equal((await call('/dashboard/probefahrten')).status, 303),
    async () => {
      const { day } = await testDriveOfB();
      const html = await (await call(`/dashboard/probefahrten?tag=${day}`, { headers: { cookie: cookieA } })).text();
      assert.doesNotMatch(html, /Erika Probefahrt/);
    }],
  'POST /dashboard/probefahrten/{id}/absagen': [async () => assert.equal((await call(`/dashboard/probefahrten/${'0'.repeat(16)}/absagen`, { method: 'POST' })).status, 303),
    async () => {
      const { id } = await testDriveOfB();
      assert.equal((await fetch(srv.url + `/dashboard/probefahrten/${id}/absagen`, form({}))).status, 404);
      assert.equal(sql(`SELECT status FROM test_drives WHERE public_id = '${id}'`), 'booked');
    }],
  'POST /dashboard/probefahrten/einstellungen': [async () => assert.equal((await call('/dashboard/probefahrten/einstellungen', { method: 'POST' })).status, 303), null],

  // accounts (auth work goes here)
  'GET /anmelden/code': [async () => assert.match((await call('/anmelden/code')).headers.get('location') || '', /^\/anmelden$/, 'no pending login'), null],
  'POST /anmelden/code': [async () => assert.equal((await call('/anmelden/code', { method: 'POST', body: new URLSearchParams({ code: '123456' }) })).status, 401), null],
  'GET /dashboard/datenschutz': [async () => assert.equal((await call('/dashboard/datenschutz')).status, 303),
    async () => {
      // a request recorded for B is not on A's list
      sql(`INSERT INTO privacy_requests (public_id, tenant_id, token_hash, kind, email_hash, received_at, due_at, result)
           SELECT 'isoprivacyreq01b', id, 'h', 'access', 'x', 1, 2, 'marker-of-dealer-b' FROM tenants WHERE slug = '${slugs[1]}'`);
      const r = await call('/dashboard/datenschutz', { headers: { cookie: cookieA } });
      assert.equal(r.status, 200);
      assert.ok(!(await r.text()).includes('marker-of-dealer-b'), "not another dealer's request");
    }],
  'GET /dashboard/datenschutz/nachweise': [async () => assert.equal((await call('/dashboard/datenschutz/nachweise')).status, 303),
    async () => {
      // a record of B's is not on A's page, not even when searched for
      sql(`INSERT INTO processing_records (tenant_id, form, purpose, legal_basis, text_hash, email, reference, created_at)
           SELECT id, 'contact', 'marker-record-of-dealer-b', 'b', 'h', 'iso-record@example.de', '', 1 FROM tenants WHERE slug = '${slugs[1]}'`);
      for (const q of ['', '?email=iso-record@example.de']) {
        const r = await call('/dashboard/datenschutz/nachweise' + q, { headers: { cookie: cookieA } });
        assert.equal(r.status, 200);
        assert.ok(!(await r.text()).includes('marker-record-of-dealer-b'), "not another dealer's record");
      }
      assert.equal((await call('/dashboard/datenschutz/nachweise?email=kein-at', { headers: { cookie: cookieA } })).status, 422);
    }],
  'GET /dashboard/konto': [async () => assert.equal((await call('/dashboard/konto')).status, 303), null],
  'POST /dashboard/konto': [async () => assert.equal((await call('/dashboard/konto', { method: 'POST', body: new URLSearchParams({ name: 'x' }) })).status, 303), null],
  'POST /dashboard/konto/passwort': [async () => assert.equal((await call('/dashboard/konto/passwort', { method: 'POST' })).status, 303), null],
  'POST /dashboard/konto/sitzungen': [async () => assert.equal((await call('/dashboard/konto/sitzungen', { method: 'POST' })).status, 303), null],
  'GET /dashboard/konto/zwei-faktor': [async () => assert.equal((await call('/dashboard/konto/zwei-faktor')).status, 303), null],
  'POST /dashboard/konto/zwei-faktor': [async () => assert.equal((await call('/dashboard/konto/zwei-faktor', { method: 'POST' })).status, 303), null],
  'POST /dashboard/konto/zwei-faktor/aus': [async () => assert.equal((await call('/dashboard/konto/zwei-faktor/aus', { method: 'POST' })).status, 303), null],
  'POST /dashboard/konto/zwei-faktor/codes': [async () => assert.equal((await call('/dashboard/konto/zwei-faktor/codes', { method: 'POST' })).status, 303), null],
  'POST /dashboard/team/{id}/rolle': [async () => assert.equal((await call(`/dashboard/team/${'0'.repeat(16)}/rolle`, { method: 'POST' })).status, 303),
    async () => {
      const ownerOfB = sql(`SELECT public_id FROM users WHERE email = 'owner@${slugs[1]}.demo'`);
      assert.equal((await fetch(srv.url + `/dashboard/team/${ownerOfB}/rolle`, form({ role: 'staff' }))).status, 404);
      assert.equal(sql(`SELECT role FROM users WHERE public_id = '${ownerOfB}'`), 'owner');
    }],
  'POST /dashboard/fahrzeuge/preise': [async () => assert.equal((await call('/dashboard/fahrzeuge/preise', { method: 'POST' })).status, 303),
    async () => {
      const r = await fetch(srv.url + '/dashboard/fahrzeuge/preise', form({ ids: draftOfB, mode: 'percent', value: '50' }));
      assert.equal(r.status, 303);
      assert.match(r.headers.get('location'), /geaendert=0$/, 'another dealer\'s vehicle is not changed');
    }],
  'POST /dashboard/fahrzeuge/{id}/duplizieren': [async () => assert.equal((await call(`/dashboard/fahrzeuge/${draftOfB}/duplizieren`, { method: 'POST' })).status, 303),
    async () => assert.equal((await fetch(srv.url + `/dashboard/fahrzeuge/${draftOfB}/duplizieren`, form({}))).status, 404)],

  // public site: buyer features, leads, legal pages, SEO (site work goes here)
  'POST /fahrzeuge/{slug}/anfrage': [
    async () => {
      const lead = { kind: 'contact', name: 'Erika Muster', email: 'erika@example.de', message: 'Noch da?' };
      assert.equal((await call(`/fahrzeuge/x-${draftOfB}/anfrage`, { method: 'POST', body: new URLSearchParams(lead) })).status, 404, 'no lead for a draft');
      assert.equal((await call(`/fahrzeuge/x-${publicOfB.id}/anfrage`, { method: 'POST', body: new URLSearchParams({ kind: 'contact' }) })).status, 422);
    },
    async () => assert.equal((await call(`/fahrzeuge/x-${draftOfB}/anfrage`, { method: 'POST', headers: { cookie: cookieA }, body: new URLSearchParams({ kind: 'contact', name: 'A', email: 'a@b.de', message: 'x' }) })).status, 404)],
  'GET /vergleich': [
    async () => {
      const r = await call(`/vergleich?ids=${draftOfB},${publicOfB.id}`);
      assert.equal(r.status, 200);
      const html = await r.text();
      assert.ok(html.includes(publicOfB.id) && !html.includes(draftOfB), 'drafts are never compared');
    },
    async () => assert.ok(!(await (await call(`/vergleich?ids=${draftOfB}`, { headers: { cookie: cookieA } })).text()).includes(draftOfB))],
  'GET /merkliste': [
    async () => assert.ok(!(await (await call(`/merkliste?ids=${draftOfB}`)).text()).includes(draftOfB), 'drafts are not listed'),
    async () => assert.ok(!(await (await call(`/merkliste?ids=${draftOfB}`, { headers: { cookie: cookieA } })).text()).includes(draftOfB))],
  'GET /sitemap.xml': [async () => assert.equal((await call('/sitemap.xml')).status, 200), null],
  'GET /sitemaps/{name}': [async () => {
    const r = await call('/sitemaps/fahrzeuge-1.xml');
    assert.equal(r.status, 200);
    assert.ok(!(await r.text()).includes(draftOfB), 'drafts are not in the sitemap');
    assert.equal((await call('/sitemaps/nope.xml')).status, 404);
  }, null],
  'GET /robots.txt': [async () => assert.match(await (await call('/robots.txt')).text(), /Disallow: \/dashboard/), null],

  // buyer accounts (buyer work goes here): buyers A and B sign up; anonymous callers go to
  // the login, dealers get 403, and buyer A never sees or changes buyer B's data (404)
  'Buyer fixtures': async () => {
    const self = routes['Buyer fixtures'];
    if (!self.cache) {
      const signup = async (who) => {
        const r = await call('/konto/registrieren', { method: 'POST', body: new URLSearchParams({ name: `Käufer ${who}`, email: `kaeufer-${who}@iso.example`, password: 'Kaeufer-Passwort-1' }) });
        assert.equal(r.status, 303, 'buyer sign-up');
        const cookie = r.headers.get('set-cookie').split(';')[0];
        const html = await (await call('/konto', { headers: { cookie } })).text();
        return { cookie, csrf: html.match(/name="_csrf" value="([^"]+)"/)[1] };
      };
      const A = await signup('a'), B = await signup('b');
      const bform = (fields) => ({ method: 'POST', headers: { cookie: B.cookie }, body: new URLSearchParams({ _csrf: B.csrf, ...fields }) });
      assert.equal((await call('/konto/merkliste', bform({ action: 'add', vehicle: publicOfB.id }))).status, 303);
      assert.equal((await call('/konto/suchen', bform({ query: 'make=Seat&model=Leon', name: 'Leon von B', alert: '1' }))).status, 303);
      const list = await (await call('/konto/suchen', { headers: { cookie: B.cookie } })).text();
      const searchB = list.match(/id="s-([0-9a-z]{16})"/)[1];
      self.cache = { A, B, searchB };
    }
    return self.cache;
  },
  'GET /konto/registrieren': [async () => assert.equal((await call('/konto/registrieren')).status, 200), null],
  'POST /konto/registrieren': [async () => assert.equal((await call('/konto/registrieren', { method: 'POST', body: new URLSearchParams({ name: 'X' }) })).status, 422), null],
  'GET /konto': [async () => assert.match((await call('/konto')).headers.get('location') || '', /^\/anmelden\?next=%2Fkonto$/),
    async () => {
      const { A } = await routes['Buyer fixtures']();
      assert.equal((await call('/konto', { headers: { cookie: cookieA } })).status, 403, 'a dealer is no buyer');
      const html = await (await call('/konto', { headers: { cookie: A.cookie } })).text();
      assert.ok(html.includes('kaeufer-a@iso.example') && !html.includes('kaeufer-b@iso.example'), "only the own account");
    }],
  'POST /konto': [async () => assert.equal((await call('/konto', { method: 'POST', body: new URLSearchParams({ name: 'x', locale: 'de' }) })).status, 303),
    async () => {
      const { A, B } = await routes['Buyer fixtures']();
      assert.equal((await fetch(srv.url + '/konto', form({ name: 'Dealer', locale: 'de' }))).status, 403, 'a dealer is no buyer');
      assert.equal((await call('/konto', { method: 'POST', headers: { cookie: A.cookie }, body: new URLSearchParams({ name: 'No CSRF', locale: 'de' }) })).status, 403, 'CSRF');
      assert.equal((await call('/konto', { method: 'POST', headers: { cookie: A.cookie }, body: new URLSearchParams({ _csrf: B.csrf, name: 'B token', locale: 'de' }) })).status, 403, "B's CSRF token is not A's");
      assert.ok((await (await call('/konto', { headers: { cookie: B.cookie } })).text()).includes('Käufer b'), "B's name is untouched");
    }],
  'POST /konto/passwort': [async () => assert.equal((await call('/konto/passwort', { method: 'POST' })).status, 303),
    async () => assert.equal((await fetch(srv.url + '/konto/passwort', form({ current: 'cc24-Demo-2026', password: 'x'.repeat(12), password2: 'x'.repeat(12) }))).status, 403)],
  'POST /konto/loeschen': [async () => assert.equal((await call('/konto/loeschen', { method: 'POST' })).status, 303),
    async () => {
      const { A } = await routes['Buyer fixtures']();
      assert.equal((await fetch(srv.url + '/konto/loeschen', form({ delete_password: 'cc24-Demo-2026', confirm: '1' }))).status, 403, 'a dealer cannot erase itself here');
      assert.equal((await call('/konto/loeschen', { method: 'POST', headers: { cookie: A.cookie }, body: new URLSearchParams({ delete_password: 'Kaeufer-Passwort-1', confirm: '1' }) })).status, 403, 'CSRF');
      assert.equal((await call('/konto', { headers: { cookie: A.cookie } })).status, 200, 'A still exists');
    }],
  'POST /konto/abmelden': [async () => assert.equal((await call('/konto/abmelden', { method: 'POST' })).status, 303),
    async () => assert.equal((await fetch(srv.url + '/konto/abmelden', form({}))).status, 403)],
  'POST /konto/merkliste': [async () => assert.equal((await call('/konto/merkliste', { method: 'POST', body: new URLSearchParams({ action: 'add', vehicle: publicOfB.id }) })).status, 303),
    async () => {
      const { A, B } = await routes['Buyer fixtures']();
      assert.equal((await fetch(srv.url + '/konto/merkliste', form({ action: 'add', vehicle: publicOfB.id }))).status, 403, 'a dealer has no favourites');
      const r = await call('/konto/merkliste', { method: 'POST', headers: { cookie: A.cookie, Accept: 'application/json' }, body: new URLSearchParams({ _csrf: A.csrf, action: 'remove', vehicle: publicOfB.id }) });
      assert.equal(r.status, 200);
      assert.deepEqual((await r.json()).favourites, [], "A's list is A's");
      assert.equal((await call('/konto/merkliste', { method: 'POST', headers: { cookie: A.cookie }, body: new URLSearchParams({ _csrf: A.csrf, action: 'add', vehicle: draftOfB }) })).status, 404, 'drafts cannot be favourites');
      assert.ok((await (await call('/merkliste', { headers: { cookie: B.cookie } })).text()).includes(publicOfB.id), "B's favourite is still there");
      assert.ok(!(await (await call('/merkliste', { headers: { cookie: A.cookie } })).text()).includes(publicOfB.id), "A does not see B's favourites");
    }],
  'GET /konto/suchen': [async () => assert.match((await call('/konto/suchen?query=make%3DSeat')).headers.get('location') || '', /^\/anmelden\?next=%2Fkonto%2Fsuchen%3Fquery%3Dmake%253DSeat$/, 'to the login and back with the search'),
    async () => {
      const { A, searchB } = await routes['Buyer fixtures']();
      assert.equal((await call('/konto/suchen', { headers: { cookie: cookieA } })).status, 403, 'a dealer is no buyer');
      const html = await (await call('/konto/suchen', { headers: { cookie: A.cookie } })).text();
      assert.ok(!html.includes(searchB) && !html.includes('Leon von B'), "A does not see B's searches");
    }],
  'POST /konto/suchen': [async () => assert.equal((await call('/konto/suchen', { method: 'POST' })).status, 303),
    async () => assert.equal((await fetch(srv.url + '/konto/suchen', form({ query: 'make=Seat', name: 'x' }))).status, 403)],
  'POST /konto/suchen/{id}': [async () => assert.equal((await call(`/konto/suchen/${'0'.repeat(16)}`, { method: 'POST' })).status, 303),
    async () => {
      const { A, B, searchB } = await routes['Buyer fixtures']();
      assert.equal((await call(`/konto/suchen/${searchB}`, { method: 'POST', headers: { cookie: A.cookie }, body: new URLSearchParams({ _csrf: A.csrf, name: 'Übernommen', alert: '0' }) })).status, 404, "B's search is not A's");
      assert.equal((await fetch(srv.url + `/konto/suchen/${searchB}`, form({ name: 'Dealer' }))).status, 403);
      const html = await (await call('/konto/suchen', { headers: { cookie: B.cookie } })).text();
      assert.ok(html.includes('Leon von B') && !html.includes('Übernommen'), "B's search is untouched");
    }],
  'POST /konto/suchen/{id}/loeschen': [async () => assert.equal((await call(`/konto/suchen/${'0'.repeat(16)}/loeschen`, { method: 'POST' })).status, 303),
    async () => {
      const { A, B, searchB } = await routes['Buyer fixtures']();
      assert.equal((await call(`/konto/suchen/${searchB}/loeschen`, { method: 'POST', headers: { cookie: A.cookie }, body: new URLSearchParams({ _csrf: A.csrf }) })).status, 404, "B's search is not A's");
      assert.equal((await fetch(srv.url + `/konto/suchen/${searchB}/loeschen`, form({}))).status, 403);
      assert.ok((await (await call('/konto/suchen', { headers: { cookie: B.cookie } })).text()).includes(searchB), 'still there');
    }],
  'GET /suchalarm/abbestellen': [async () => assert.equal((await call('/suchalarm/abbestellen?t=nope')).status, 404),
    async () => {
      const { searchB } = await routes['Buyer fixtures']();
      assert.equal((await call(`/suchalarm/abbestellen?t=${searchB}.${'0'.repeat(32)}`)).status, 404, 'a forged signature');
    }],
  'POST /suchalarm/abbestellen': [async () => assert.equal((await call('/suchalarm/abbestellen', { method: 'POST', body: new URLSearchParams({ t: 'nope' }) })).status, 404),
    async () => {
      const { B, searchB } = await routes['Buyer fixtures']();
      assert.equal((await call('/suchalarm/abbestellen', { method: 'POST', body: new URLSearchParams({ t: `${searchB}.${'f'.repeat(32)}` }) })).status, 404, 'a forged signature');
      assert.match(await (await call('/konto/suchen', { headers: { cookie: B.cookie } })).text(), /Alarm an/, "B's alert is still on");
    }],

  // showrooms and the embed widget (showroom work goes here)
  'GET /haendler/{slug}': [
    async () => {
      const r = await call(`/haendler/${slugs[1]}?make=Seat&model=Leon`);
      assert.equal(r.status, 200);
      assert.ok(!(await r.text()).includes(draftOfB), 'drafts are not in the showroom');
      assert.equal((await call('/haendler/no-such-dealer')).status, 404);
      assert.equal((await call('/haendler/..%2F..%2Fetc')).status, 404);
    },
    async () => {
      const html = await (await call(`/haendler/${slugs[1]}?make=Seat&model=Leon`, { headers: { cookie: cookieA } })).text();
      assert.ok(!html.includes(draftOfB), "a logged-in dealer does not see another dealer's drafts");
    }],
  'GET /haendler/{slug}/theme.css': [async () => {
    const r = await call(`/haendler/${slugs[1]}/theme.css`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/css/);
    assert.equal((await call('/haendler/no-such-dealer/theme.css')).status, 404);
  }, null],
  'GET /haendler/{slug}/impressum': [async () => {
    assert.equal((await call(`/haendler/${slugs[1]}/impressum`)).status, 200);
    assert.equal((await call('/haendler/no-such-dealer/impressum')).status, 404);
  }, null],
  'GET /embed/{slug}': [async () => {
    const r = await call(`/embed/${slugs[1]}?make=Seat`);
    assert.equal(r.status, 200);
    assert.ok(!(await r.text()).includes(draftOfB), 'drafts are not in the widget');
    assert.equal((await call('/embed/no-such-dealer')).status, 404);
  }, null],
  'GET /dashboard/profil': [async () => assert.match((await call('/dashboard/profil')).headers.get('location') || '', /^\/anmelden/),
    async () => {
      const html = await (await call('/dashboard/profil', { headers: { cookie: cookieA } })).text();
      assert.ok(html.includes(`/haendler/${slugs[0]}`), 'the own profile');
      assert.ok(!html.includes(`@${slugs[1]}.example`), "not another dealer's data");
    }],
  'POST /dashboard/profil': [async () => assert.equal((await call('/dashboard/profil', { method: 'POST' })).status, 303),
    async () => {
      const before = await (await call(`/haendler/${slugs[1]}/impressum`)).text();
      const r = await fetch(srv.url + '/dashboard/profil', form({ name: 'Autohaus Übernahme', slug: slugs[1], tenant_id: '2' }));
      assert.equal(r.status, 303, 'A saves its own profile');
      assert.equal(await (await call(`/haendler/${slugs[1]}/impressum`)).text(), before, "B's profile is untouched");
      assert.match(await (await call(`/haendler/${slugs[0]}`)).text(), /Autohaus Übernahme/);
    }],
  'GET /impressum': [async () => assert.equal((await call('/impressum')).status, 200), null],
  'GET /datenschutz': [async () => assert.equal((await call('/datenschutz')).status, 200), null],
  'GET /datenschutz/anfrage': [async () => assert.equal((await call('/datenschutz/anfrage')).status, 200), null],
  'POST /datenschutz/anfrage': [async () => assert.equal((await call('/datenschutz/anfrage', { method: 'POST', body: new URLSearchParams({ email: 'a@b.de', kind: 'access' }) })).status, 200), null],
  'GET /datenschutz/anfrage/bestaetigen': [async () => assert.equal((await call('/datenschutz/anfrage/bestaetigen?token=' + 'x'.repeat(43))).status, 404), null],
  'POST /datenschutz/anfrage/bestaetigen': [async () => assert.equal((await call('/datenschutz/anfrage/bestaetigen', { method: 'POST', body: new URLSearchParams({ token: 'x'.repeat(43) }) })).status, 404), null],
  'GET /agb': [async () => assert.equal((await call('/agb')).status, 200), null],
  'GET /haendler/{slug}/newsletter': [async () => {
    assert.equal((await call(`/haendler/${slugs[1]}/newsletter`)).status, 200);
    assert.equal((await call('/haendler/kein-haendler-xyz/newsletter')).status, 404);
  }, null],
  'POST /haendler/{slug}/newsletter': [async () => {
    const bad = await call(`/haendler/${slugs[1]}/newsletter`, { method: 'POST', body: new URLSearchParams({ email: 'iso@example.de' }) });
    assert.equal(bad.status, 422, 'no consent, no sign-up');
    const ok = await call(`/haendler/${slugs[1]}/newsletter`, { method: 'POST', body: new URLSearchParams({ email: 'iso@example.de', consent: '1' }) });
    assert.equal(ok.status, 200);
  }, null],
  'GET /haendler/{slug}/newsletter/bestaetigen': [async () => assert.equal((await call(`/haendler/${slugs[1]}/newsletter/bestaetigen?t=${'x'.repeat(32)}`)).status, 410), null],
  'POST /haendler/{slug}/newsletter/bestaetigen': [async () => assert.equal((await call(`/haendler/${slugs[1]}/newsletter/bestaetigen`, { method: 'POST', body: new URLSearchParams({ t: 'x'.repeat(32) }) })).status, 410), null],
  'GET /haendler/{slug}/newsletter/abmelden': [async () => assert.equal((await call(`/haendler/${slugs[1]}/newsletter/abmelden?t=x`)).status, 200), null],
  'POST /haendler/{slug}/newsletter/abmelden': [async () => {
    const r = await call(`/haendler/${slugs[1]}/newsletter/abmelden`, { method: 'POST', body: new URLSearchParams({ t: `${'0'.repeat(16)}.${'0'.repeat(32)}` }) });
    assert.equal(r.status, 200);
    assert.match(await r.text(), /nicht \(mehr\) angemeldet/);
  }, null],

  // Börse (market work goes here)
  // fixtures from the demo data: B's live listing, the open offer and the deal between B and C
  'Börse fixtures': async () => {
    const self = routes['Börse fixtures'];
    if (!self.cache) {
      const { execFileSync } = await import('node:child_process');
      const q = (s) => execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), s]).toString().trim();
      self.cache = {
        listingB: q(`SELECT l.public_id FROM market_listings l JOIN tenants t ON t.id = l.tenant_id WHERE t.slug = '${slugs[1]}' AND l.status = 'active' LIMIT 1`),
        vehicleB: q(`SELECT v.public_id FROM vehicles v JOIN tenants t ON t.id = v.tenant_id WHERE t.slug = '${slugs[1]}' AND v.status = 'published' LIMIT 1`),
        offerBC: q("SELECT public_id FROM market_offers WHERE status = 'open' LIMIT 1"),
        dealBC: q('SELECT public_id FROM market_deals LIMIT 1'),
        soldListing: q("SELECT public_id FROM market_listings WHERE status = 'sold' LIMIT 1"),
      };
      assert.ok(Object.values(self.cache).every((v) => /^[0-9a-z]{16}$/.test(v)), 'Börse demo data');
    }
    return self.cache;
  },
  'GET /boerse': [async () => assert.match((await call('/boerse')).headers.get('location') || '', /^\/anmelden/), null],
  'GET /boerse/{id}': [async () => assert.equal((await call(`/boerse/${(await routes['Börse fixtures']()).listingB}`)).status, 303),
    async () => {
      const f = await routes['Börse fixtures']();
      assert.equal((await call(`/boerse/${f.listingB}`, { headers: { cookie: cookieA } })).status, 200, 'live listings are for every dealer');
      assert.equal((await call(`/boerse/${f.soldListing}`, { headers: { cookie: cookieA } })).status, 404, "another pair's sold listing");
    }],
  'POST /boerse/{id}/angebot': [async () => assert.equal((await call(`/boerse/${'0'.repeat(16)}/angebot`, { method: 'POST' })).status, 303),
    async () => assert.equal((await fetch(srv.url + `/boerse/${(await routes['Börse fixtures']()).soldListing}/angebot`, form({ amount: '1000' }))).status, 404)],
  'GET /dashboard/boerse': [async () => assert.equal((await call('/dashboard/boerse')).status, 303),
    async () => assert.ok(!(await (await call('/dashboard/boerse', { headers: { cookie: cookieA } })).text()).includes((await routes['Börse fixtures']()).listingB))],
  'POST /dashboard/boerse': [async () => assert.equal((await call('/dashboard/boerse', { method: 'POST' })).status, 303),
    async () => {
      const f = await routes['Börse fixtures']();
      const r = await fetch(srv.url + '/dashboard/boerse', form({ vehicle: f.vehicleB, price: '1000', valid_until: new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Berlin' }) }));
      assert.equal(r.status, 422, "another dealer's vehicle cannot be listed");
    }],
  'GET /dashboard/boerse/neu': [async () => assert.equal((await call('/dashboard/boerse/neu')).status, 303),
    async () => assert.ok(!(await (await call('/dashboard/boerse/neu', { headers: { cookie: cookieA } })).text()).includes((await routes['Börse fixtures']()).vehicleB))],
  'GET /dashboard/boerse/{id}': [async () => assert.equal((await call(`/dashboard/boerse/${'0'.repeat(16)}`)).status, 303),
    async () => assert.equal((await call(`/dashboard/boerse/${(await routes['Börse fixtures']()).listingB}`, { headers: { cookie: cookieA } })).status, 404)],
  'POST /dashboard/boerse/{id}': [async () => assert.equal((await call(`/dashboard/boerse/${'0'.repeat(16)}`, { method: 'POST' })).status, 303),
    async () => assert.equal((await fetch(srv.url + `/dashboard/boerse/${(await routes['Börse fixtures']()).listingB}`, form({ price: '1', valid_until: new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Berlin' }) }))).status, 404)],
  'POST /dashboard/boerse/{id}/zurueckziehen': [async () => assert.equal((await call(`/dashboard/boerse/${'0'.repeat(16)}/zurueckziehen`, { method: 'POST' })).status, 303),
    async () => assert.equal((await fetch(srv.url + `/dashboard/boerse/${(await routes['Börse fixtures']()).listingB}/zurueckziehen`, form({}))).status, 404)],
  'GET /dashboard/boerse/angebote': [async () => assert.equal((await call('/dashboard/boerse/angebote')).status, 303),
    async () => assert.ok(!(await (await call('/dashboard/boerse/angebote', { headers: { cookie: cookieA } })).text()).includes((await routes['Börse fixtures']()).offerBC))],
  'GET /dashboard/boerse/angebote/{id}': [async () => assert.equal((await call(`/dashboard/boerse/angebote/${'0'.repeat(16)}`)).status, 303),
    async () => assert.equal((await call(`/dashboard/boerse/angebote/${(await routes['Börse fixtures']()).offerBC}`, { headers: { cookie: cookieA } })).status, 404)],
  'POST /dashboard/boerse/angebote/{id}': [async () => assert.equal((await call(`/dashboard/boerse/angebote/${'0'.repeat(16)}`, { method: 'POST' })).status, 303),
    async () => assert.equal((await fetch(srv.url + `/dashboard/boerse/angebote/${(await routes['Börse fixtures']()).offerBC}`, form({ action: 'accept' }))).status, 404)],
  'GET /dashboard/boerse/abschluesse': [async () => assert.equal((await call('/dashboard/boerse/abschluesse')).status, 303),
    async () => assert.ok(!(await (await call('/dashboard/boerse/abschluesse', { headers: { cookie: cookieA } })).text()).includes((await routes['Börse fixtures']()).dealBC))],
  'GET /dashboard/boerse/abschluesse/{id}': [async () => assert.equal((await call(`/dashboard/boerse/abschluesse/${'0'.repeat(16)}`)).status, 303),
    async () => assert.equal((await call(`/dashboard/boerse/abschluesse/${(await routes['Börse fixtures']()).dealBC}`, { headers: { cookie: cookieA } })).status, 404)],
  'GET /api/v1/market/listings': [async () => assert.equal((await call('/api/v1/market/listings')).status, 401),
    async () => {
      const f = await routes['Börse fixtures']();
      const j = await (await call('/api/v1/market/listings?size=100', { headers: apiA() })).json();
      assert.ok(j.items.some((i) => i.id === f.listingB), 'live listings of others are in the Börse');
      assert.ok(!j.items.some((i) => i.id === f.soldListing), 'sold ones are not');
    }],

  // dealer B's draft gets one photo (processed), A has a vehicle of its own
  'Photo fixtures': async () => {
    const self = routes['Photo fixtures'];
    if (!self.cache) {
      const B = { Authorization: `Bearer ${demoKey(slugs[1])}` };
      const { body, type } = multipart([{ name: 'photo', filename: 'b.jpg', data: CAR_JPEG() }]);
      const up = await call(`/api/v1/vehicles/${draftOfB}/photos`, { method: 'POST', headers: { ...B, 'Content-Type': type }, body });
      assert.equal(up.status, 201);
      const photoB = (await up.json()).photos[0].id;
      let listB;
      for (let i = 0; i < 300; i++) {
        listB = (await (await call(`/api/v1/vehicles/${draftOfB}/photos`, { headers: B })).json()).photos;
        if (listB[0].state !== 'processing') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(listB[0].state, 'ready');
      const own = (await (await call('/api/v1/vehicles?size=1', { headers: apiA() })).json()).items[0].id;
      self.cache = { photoB, imgB: new URL(listB[0].variants[0].url).pathname, own, B, countB: () => sql(`SELECT COUNT(*) FROM media_photos p JOIN vehicles v ON v.id = p.vehicle_id WHERE v.public_id = '${draftOfB}'`) };
    }
    return self.cache;
  },
  'POST /api/v1/vehicles/{id}/photos': [
    async () => assert.equal((await call(`/api/v1/vehicles/${draftOfB}/photos`, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=x' }, body: '--x--\r\n' })).status, 401),
    async () => {
      const f = await routes['Photo fixtures']();
      const { body, type } = multipart([{ name: 'photo', filename: 'a.jpg', data: CAR_JPEG() }]);
      const r = await call(`/api/v1/vehicles/${draftOfB}/photos`, { method: 'POST', headers: { Authorization: apiA().Authorization, 'Content-Type': type }, body });
      assert.equal(r.status, 404);
      assert.equal(f.countB(), '1', "nothing was added to B's vehicle");
    }],
  'GET /api/v1/vehicles/{id}/photos': [
    async () => assert.equal((await call(`/api/v1/vehicles/${draftOfB}/photos`)).status, 401),
    async () => {
      await routes['Photo fixtures']();
      assert.equal((await call(`/api/v1/vehicles/${draftOfB}/photos`, { headers: apiA() })).status, 404);
      assert.equal((await call(`/api/v1/vehicles/${publicOfB.id}/photos`, { headers: apiA() })).status, 404, 'public does not mean listable here');
    }],
  'PATCH /api/v1/vehicles/{id}/photos': [
    async () => assert.equal((await call(`/api/v1/vehicles/${draftOfB}/photos`, { method: 'PATCH', headers: json, body: '{"order":[]}' })).status, 401),
    async () => {
      const f = await routes['Photo fixtures']();
      assert.equal((await call(`/api/v1/vehicles/${draftOfB}/photos`, { method: 'PATCH', headers: apiA(), body: JSON.stringify({ order: [f.photoB] }) })).status, 404);
      assert.equal((await call(`/api/v1/vehicles/${f.own}/photos`, { method: 'PATCH', headers: apiA(), body: JSON.stringify({ order: [f.photoB] }) })).status, 422, "B's photo is not one of A's vehicle");
    }],
  'PATCH /api/v1/vehicles/{id}/photos/{photo_id}': [
    async () => assert.equal((await call(`/api/v1/vehicles/${draftOfB}/photos/${'0'.repeat(16)}`, { method: 'PATCH', headers: json, body: '{"alt":"x"}' })).status, 401),
    async () => {
      const f = await routes['Photo fixtures']();
      assert.equal((await call(`/api/v1/vehicles/${draftOfB}/photos/${f.photoB}`, { method: 'PATCH', headers: apiA(), body: '{"alt":"hacked"}' })).status, 404);
      assert.equal((await call(`/api/v1/vehicles/${f.own}/photos/${f.photoB}`, { method: 'PATCH', headers: apiA(), body: '{"alt":"hacked"}' })).status, 404);
      assert.equal(sql(`SELECT alt FROM media_photos WHERE public_id = '${f.photoB}'`), '');
    }],
  'DELETE /api/v1/vehicles/{id}/photos/{photo_id}': [
    async () => assert.equal((await call(`/api/v1/vehicles/${draftOfB}/photos/${'0'.repeat(16)}`, { method: 'DELETE' })).status, 401),
    async () => {
      const f = await routes['Photo fixtures']();
      assert.equal((await call(`/api/v1/vehicles/${draftOfB}/photos/${f.photoB}`, { method: 'DELETE', headers: apiA() })).status, 404);
      assert.equal((await call(`/api/v1/vehicles/${f.own}/photos/${f.photoB}`, { method: 'DELETE', headers: apiA() })).status, 404);
      assert.equal(f.countB(), '1');
    }],
  'POST /api/v1/vehicles/{id}/photos/{photo_id}/retry': [
    async () => assert.equal((await call(`/api/v1/vehicles/${draftOfB}/photos/${'0'.repeat(16)}/retry`, { method: 'POST' })).status, 401),
    async () => {
      const f = await routes['Photo fixtures']();
      assert.equal((await call(`/api/v1/vehicles/${draftOfB}/photos/${f.photoB}/retry`, { method: 'POST', headers: apiA() })).status, 404);
    }],
  'POST /api/v1/dealer/logo': [
    async () => assert.equal((await call('/api/v1/dealer/logo', { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=x' }, body: '--x--\r\n' })).status, 401),
    null],
  'DELETE /api/v1/dealer/logo': [
    async () => assert.equal((await call('/api/v1/dealer/logo', { method: 'DELETE' })).status, 401),
    null],
  'GET /img/{sig}/{*path}': [
    async () => {
      const f = await routes['Photo fixtures']();
      assert.equal((await call(`/img/${'A'.repeat(43)}/w:640/${f.photoB}`)).status, 403, 'unsigned');
      assert.equal((await call(f.imgB)).status, 404, "a draft's photo is not public");
    },
    async () => {
      const f = await routes['Photo fixtures']();
      const r = await call(f.imgB, { headers: { cookie: cookieA } });
      assert.equal(r.status, 404, "another dealer's draft photo, no pixels");
      assert.ok(!(r.headers.get('content-type') || '').startsWith('image/'));
    }],
  'GET /api/v1/openapi.yaml': [async () => assert.equal((await call('/api/v1/openapi.yaml')).status, 200), null],
  'GET /api/v1/vehicles': [async () => assert.equal((await call('/api/v1/vehicles')).status, 200),
    async () => {
      const j = await (await call('/api/v1/vehicles?size=100', { headers: apiA() })).json();
      const own = Number(sql(`SELECT COUNT(*) FROM vehicles v JOIN tenants t ON t.id = v.tenant_id WHERE t.slug = '${slugs[0]}'`));
      assert.ok(own > 0, 'A has stock in the demo data');
      assert.equal(j.total, own, "A's list counts exactly A's vehicles (SQL over the same data)");
      assert.equal(j.items.length, Math.min(own, 100));
      assert.ok(j.items.every((v) => v.dealer === slugs[0]), 'only the own stock');
      assert.ok(!j.items.some((v) => v.id === draftOfB), "not B's draft");
    }],
  'POST /api/v1/vehicles': [async () => assert.equal((await call('/api/v1/vehicles', { method: 'POST', headers: json, body: '{}' })).status, 401),
    async () => {
      const r = await call('/api/v1/vehicles', { method: 'POST', headers: apiA(), body: JSON.stringify({ tenant_id: 2, dealer: slugs[1] }) });
      assert.equal(r.status, 422, 'tenant fields cannot be set');
    }],
  'GET /api/v1/vehicles/search': [async () => assert.equal((await call('/api/v1/vehicles/search')).status, 200), null],
  'GET /api/v1/vehicles/{id}': [
    async () => assert.equal((await call(`/api/v1/vehicles/${draftOfB}`)).status, 404),
    async () => assert.equal((await call(`/api/v1/vehicles/${draftOfB}`, { headers: apiA() })).status, 404)],
  'PATCH /api/v1/vehicles/{id}': [
    async () => assert.equal((await call(`/api/v1/vehicles/${draftOfB}`, { method: 'PATCH', headers: json, body: '{}' })).status, 401),
    async () => {
      assert.equal((await call(`/api/v1/vehicles/${draftOfB}`, { method: 'PATCH', headers: apiA(), body: '{"price_cents": 100}' })).status, 404);
      assert.equal((await call(`/api/v1/vehicles/${publicOfB.id}`, { method: 'PATCH', headers: apiA(), body: '{"price_cents": 100}' })).status, 404, 'public does not mean writable');
    }],
  'DELETE /api/v1/vehicles/{id}': [
    async () => assert.equal((await call(`/api/v1/vehicles/${draftOfB}`, { method: 'DELETE' })).status, 401),
    async () => assert.equal((await call(`/api/v1/vehicles/${publicOfB.id}`, { method: 'DELETE', headers: apiA() })).status, 404)],
  'GET /api/v1/makes': [async () => assert.equal((await call('/api/v1/makes')).status, 200), null],
  'POST /api/v1/public/leads': [async () => assert.equal((await call('/api/v1/public/leads', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 422), null],
  'GET /api/v1/leads': [async () => assert.equal((await call('/api/v1/leads')).status, 401), null],
  'POST /api/v1/finance/quote': [async () => assert.equal((await call('/api/v1/finance/quote', { method: 'POST', headers: json, body: '{}' })).status, 422), null],
  'POST /api/v1/finance/apr': [async () => assert.equal((await call('/api/v1/finance/apr', { method: 'POST', headers: json, body: '{}' })).status, 422), null],
  'POST /api/v1/finance/check': [async () => assert.equal((await call('/api/v1/finance/check', { method: 'POST', headers: json, body: '{}' })).status, 422), null],
  'POST /api/v1/finance/solve': [async () => assert.equal((await call('/api/v1/finance/solve', { method: 'POST', headers: json, body: '{}' })).status, 422), null],
  'GET /api/v1/finance/conditions': [async () => assert.equal((await call('/api/v1/finance/conditions')).status, 401),
    async () => {
      const mine = await (await call('/api/v1/finance/conditions', { headers: apiA() })).json();
      const body = sql(`SELECT c.body FROM finance_conditions c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = '${slugs[0]}' ORDER BY c.valid_from DESC, c.id DESC LIMIT 1`);
      assert.ok(body, "A's conditions are stored (demo data)");
      assert.equal(mine.lender_name, JSON.parse(body).lender_name, "A's own lender, from A's stored conditions");
    }],
  'PUT /api/v1/finance/conditions': [async () => assert.equal((await call('/api/v1/finance/conditions', { method: 'PUT', headers: json, body: '{}' })).status, 401), null],
  'GET /api/v1/vehicles/{id}/finance-example': [
    async () => assert.equal((await call(`/api/v1/vehicles/${draftOfB}/finance-example`)).status, 404),
    async () => assert.equal((await call(`/api/v1/vehicles/${draftOfB}/finance-example`, { headers: apiA() })).status, 404)],
};

test('every route is covered, and each behaves for anonymous and cross-dealer callers', async () => {
  const table = cc24(['routes']).trim().split('\n').map((l) => l.split(' ').slice(0, 2).join(' '));
  const missing = table.filter((r) => !(r in routes));
  assert.deepEqual(missing, [], 'routes without an isolation check');
  for (const r of table) {
    const [anon, cross] = routes[r];
    await anon().catch((e) => { throw new Error(`${r} (anonymous): ${e.message}`); });
    if (cross) await cross().catch((e) => { throw new Error(`${r} (dealer A on dealer B): ${e.message}`); });
  }
  // dealer B's draft is untouched by all of the above
  const b = await (await call(`/api/v1/vehicles/${draftOfB}`, { headers: { Authorization: `Bearer ${demoKey(slugs[1])}` } })).json();
  assert.equal(b.price_cents, 1390000);
  assert.equal(b.status, 'draft');
});
