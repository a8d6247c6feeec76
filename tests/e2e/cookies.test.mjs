// § 25 TDDDG: an anonymous visitor gets no cookie and no device storage beyond the
// strictly necessary — so the site needs no consent banner (DOMAIN.md §4, privacy page
// section 4). A real browser (Chromium via playwright-core) walks home, search, a
// vehicle page, financing, a showroom, the privacy page and the login page and submits
// nothing: every response's Set-Cookie is recorded, the cookie jar must stay empty, and
// no script may write localStorage, sessionStorage or document.cookie.
//
// The one cookie an anonymous visitor can get is the language choice, and only when
// they choose (a ?lang= link): `lang`, strictly necessary to keep the asked-for
// language (a user-requested setting), so it is listed here with its reason and its
// attributes are checked — HttpOnly (no script reads it), SameSite=Lax, Path=/,
// Secure over TLS, one year, no Domain.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser } from './helpers.mjs';

// name → why it is strictly necessary (the only cookies an anonymous visit may set)
const ALLOWED = {
  lang: 'the language the visitor chose with a ?lang= link (user-requested setting)',
};

// Record what scripts write to device storage, before any page script runs.
function spyOnStorage() {
  const w = (window.__storageWrites = []);
  // localStorage and sessionStorage share Storage.prototype
  for (const m of ['setItem', 'removeItem', 'clear']) {
    const orig = Storage.prototype[m];
    Storage.prototype[m] = function (...args) {
      const which = this === window.localStorage ? 'localStorage' : 'sessionStorage';
      w.push(`${which}.${m}(${args.join(', ')})`);
      return orig.apply(this, args);
    };
  }
  const desc = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    get() { return desc.get.call(this); },
    set(v) { w.push(`document.cookie = ${v}`); desc.set.call(this, v); },
  });
}

// Set-Cookie attributes as a lower-cased map ("httponly" → true, "max-age" → "…").
function parseSetCookie(line) {
  const [pair, ...attrs] = line.split(';').map((s) => s.trim());
  const eq = pair.indexOf('=');
  const out = { name: pair.slice(0, eq), value: pair.slice(eq + 1), attrs: {} };
  for (const a of attrs) {
    const i = a.indexOf('=');
    out.attrs[(i < 0 ? a : a.slice(0, i)).toLowerCase()] = i < 0 ? true : a.slice(i + 1);
  }
  return out;
}

describe('cookies and device storage of an anonymous visit', () => {
  let srv;
  let browser;
  let close;
  before(async () => {
    srv = await startServer();
    ({ browser, close } = await launchBrowser());
  });
  after(async () => {
    if (close) await close();
    if (srv) await srv.stop();
  });

  test('home, search, vehicle, financing, showroom, privacy, login: no cookie, no storage write', async () => {
    const context = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 900 } });
    await context.addInitScript(spyOnStorage);
    const page = await context.newPage();
    const setCookies = [];
    const pending = [];
    page.on('response', (res) => {
      pending.push(res.headerValues('set-cookie').then((v) => {
        for (const line of v) setCookies.push(`${res.url()}: ${line}`);
      }).catch(() => {}));
    });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));

    const visited = [];
    const visit = async (url, label) => {
      const r = await page.goto(url, { waitUntil: 'load' });
      assert.equal(r.status(), 200, `${label}: ${url}`);
      // let deferred scripts, in-place updates and image requests finish
      await page.waitForLoadState('networkidle');
      const state = await page.evaluate(() => ({
        writes: window.__storageWrites || [],
        local: window.localStorage.length,
        session: window.sessionStorage.length,
        cookie: document.cookie,
      }));
      assert.deepEqual(state.writes, [], `${label}: no script writes device storage`);
      assert.equal(state.local, 0, `${label}: localStorage empty`);
      assert.equal(state.session, 0, `${label}: sessionStorage empty`);
      assert.equal(state.cookie, '', `${label}: document.cookie empty`);
      visited.push(label);
    };

    await visit(srv.url + '/', 'home');
    await visit(srv.url + '/fahrzeuge', 'search');
    await visit(srv.url + '/fahrzeuge?make=BMW&sort=price_asc', 'search with filters');
    // a vehicle page reached the way a visitor does: a result card's link
    const href = await page.locator('a[href^="/fahrzeuge/"]').first().getAttribute('href');
    assert.ok(href, 'a vehicle link on the search page');
    await visit(srv.url + href, 'vehicle');
    assert.ok(await page.locator('form.lead-form').count(), 'the vehicle page has the enquiry form (not submitted)');
    await visit(srv.url + '/finanzierung', 'financing');
    await visit(srv.url + '/haendler/autohaus-berger', 'showroom');
    await visit(srv.url + '/datenschutz', 'privacy');
    await visit(srv.url + '/anmelden', 'login');
    assert.ok(await page.locator('input[type="password"]').count(), 'the login form is there (not submitted)');

    // canary: the spy does see a write (so the empty lists above mean something)
    const canary = await page.evaluate(() => {
      window.localStorage.setItem('cc24.canary', '1');
      window.localStorage.removeItem('cc24.canary');
      return window.__storageWrites;
    });
    assert.deepEqual(canary, ['localStorage.setItem(cc24.canary, 1)', 'localStorage.removeItem(cc24.canary)']);

    await Promise.all(pending);
    assert.deepEqual(setCookies, [], 'no response set a cookie');
    assert.deepEqual(await context.cookies(), [], 'the cookie jar is empty');
    assert.deepEqual(errors, [], 'no script errors');
    assert.equal(visited.length, 8);
    await context.close();
  });

  test('the language choice is the one cookie, and only when chosen: HttpOnly, SameSite=Lax, no Domain', async () => {
    const r = await fetch(srv.url + '/?lang=en', { redirect: 'manual' });
    assert.equal(r.status, 200);
    const lines = r.headers.getSetCookie();
    assert.equal(lines.length, 1, lines.join('\n'));
    const c = parseSetCookie(lines[0]);
    assert.ok(ALLOWED[c.name], `${c.name} is listed with its reason`);
    assert.equal(c.name, 'lang');
    assert.equal(c.value, 'en');
    assert.equal(c.attrs.httponly, true, 'no script needs it');
    assert.equal(String(c.attrs.samesite).toLowerCase(), 'lax');
    assert.equal(c.attrs.path, '/');
    assert.equal(c.attrs['max-age'], '31536000', 'one year, as the privacy page says');
    assert.equal(c.attrs.domain, undefined, 'this host only');
    assert.equal(c.attrs.secure, undefined, 'plain http here');
    // the same answer without a choice sets nothing; a choice already made is not repeated
    assert.deepEqual((await fetch(srv.url + '/')).headers.getSetCookie(), []);
    assert.deepEqual((await fetch(srv.url + '/?lang=en', { headers: { cookie: 'lang=en' } })).headers.getSetCookie(), []);
  });
});

describe('the language cookie behind TLS', () => {
  test('is Secure when the site is served over https', async () => {
    const srv = await startServer({ demo: false, env: { CC24_TRUST_PROXY: '1' } });
    try {
      const r = await fetch(srv.url + '/datenschutz?lang=en', { headers: { 'X-Forwarded-Proto': 'https' } });
      assert.equal(r.status, 200);
      const [line, ...more] = r.headers.getSetCookie();
      assert.deepEqual(more, []);
      const c = parseSetCookie(line);
      assert.equal(c.name, 'lang');
      assert.equal(c.attrs.secure, true);
      assert.equal(c.attrs.httponly, true);
    } finally {
      await srv.stop();
    }
  });
});
