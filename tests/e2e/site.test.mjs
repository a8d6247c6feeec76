// The server-rendered site in a real browser (Debian Chromium via playwright-core):
// homepage with quick search, the search page (filters, facets, URL state, back
// button, mobile drawer), a vehicle page (gallery by keyboard, contact and test-drive
// requests stored as leads with inline errors), compare, favourites, the HTML error
// page, the language switch, accessibility (axe-core) and keyboard use; screenshots
// at 1440 and 390 px of every page type in build/e2e-shots/.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, SHOTS, ROOT } from './helpers.mjs';
import { assertAccessible } from './a11y.mjs';

const DESKTOP = { width: 1440, height: 900 };
const MOBILE = { width: 390, height: 844 };

describe('site', () => {
  let srv;
  let browser;
  let close;
  const sql = (q) => execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q]).toString().trim();

  before(async () => {
    srv = await startServer();
    ({ browser, close } = await launchBrowser());
  });
  after(async () => {
    if (close) await close();
    if (srv) await srv.stop();
  });

  // a German page with script errors collected
  async function open(viewport = DESKTOP) {
    const ctx = await browser.newContext({ viewport, locale: 'de-DE' });
    const page = await ctx.newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) page.errors.push(m.text()); });
    page.done = async () => { assert.deepEqual(page.errors, [], 'no script errors'); await ctx.close(); };
    return page;
  }
  const shot = (page, name, full = true) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: full });
  const firstVehicle = async (qs = '') => {
    const j = await (await fetch(srv.url + '/api/v1/vehicles/search?size=1' + qs)).json();
    return j.items[0];
  };

  test('homepage renders from templates with the newest and featured vehicles', async () => {
    const r = await fetch(srv.url + '/');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /text\/html/);
    const html = await r.text();
    assert.match(html, /<html lang="de">/);
    assert.match(html, /Neueste Fahrzeuge/);
    assert.match(html, /Top-Angebote/, 'featured = best value against comparable vehicles');
    assert.match(html, /badge-deal">\d+ % günstiger/);
    assert.ok((html.match(/class="card"/g) || []).length >= 8, 'vehicle cards');
    assert.match(html, /\d{1,3}(\.\d{3})* €/, 'prices in German format');
    assert.match(html, /href="\/finanzierung"/);
    assert.match(html, /class="make-tile"/, 'popular makes');
    assert.doesNotMatch(html, /\{\{/, 'no unrendered tags');
    const csp = r.headers.get('content-security-policy') || '';
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.doesNotMatch(html, /<script>|style="/, 'no inline scripts or styles');
    const en = await (await fetch(srv.url + '/?lang=en')).text();
    assert.match(en, /<html lang="en">/);
    assert.match(en, /Newest vehicles/);
  });

  test('static assets have ETags and immutable hashed names', async () => {
    const html = await (await fetch(srv.url + '/')).text();
    const css = html.match(/href="(\/static\/css\/app\.[0-9a-f]{8}\.css)"/);
    assert.ok(css, 'hashed stylesheet URL');
    const r = await fetch(srv.url + css[1]);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('cache-control'), /immutable/);
    // what is served is the build's minified copy of static/css/app.css, and its URL
    // hashes those bytes: a changed stylesheet is a new URL
    const served = await r.text();
    const source = readFileSync(path.join(ROOT, 'static/css/app.css'), 'utf8');
    assert.ok(served.length < source.length * 0.9, `minified: ${served.length} of ${source.length} bytes`);
    assert.doesNotMatch(served, /\/\*|\n/, 'no comments, no line breaks');
    assert.match(served, /\.skip-link:focus\{left:var\(--s-2\)\}/);
    assert.equal(createHash('sha256').update(served).digest('hex').slice(0, 8), css[1].split('.')[1]);
    const plain = await fetch(srv.url + '/static/css/app.css');
    const etag = plain.headers.get('etag');
    assert.ok(etag);
    const again = await fetch(srv.url + '/static/css/app.css', { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    const gz = await fetch(srv.url + '/static/css/app.css', { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(gz.headers.get('content-encoding'), 'gzip');
    assert.equal((await fetch(srv.url + '/static/../src/main.c')).status, 404);
  });

  test('a buyer uses the quick search (make, then model) and opens a vehicle (desktop and mobile)', async () => {
    for (const [name, viewport] of [['desktop', DESKTOP], ['mobile', MOBILE]]) {
      const page = await open(viewport);
      await page.goto(srv.url + '/');
      await shot(page, `home-${name}`);
      assert.ok((await page.locator('#qs-make option').count()) > 5, 'makes offered with counts');
      assert.equal(await page.locator('#qs-model').isDisabled(), true, 'model waits for a make');
      const before = await page.locator('form.quick-search button').textContent();
      await page.selectOption('#qs-make', 'Volkswagen');
      await page.waitForFunction(() => !document.querySelector('#qs-model').disabled);
      await page.waitForFunction((b) => document.querySelector('form.quick-search button').textContent !== b, before);
      const models = await page.locator('#qs-model option').allTextContents();
      assert.ok(models.some((m) => /^Golf \(\d+\)$/.test(m)), `models of the make: ${models}`);
      await page.selectOption('#qs-model', 'Golf');
      await page.waitForFunction(() => /\d/.test(document.querySelector('form.quick-search button').textContent));
      await page.click('form.quick-search button[type=submit]');
      await page.waitForURL(/\/fahrzeuge\?/);
      assert.match(page.url(), /make=Volkswagen/);
      assert.match(page.url(), /model=Golf/);
      const titles = await page.locator('.card-title').allTextContents();
      assert.ok(titles.length > 0 && titles.every((t) => t === 'Volkswagen Golf'), 'every result is a Golf');
      await shot(page, `search-${name}`, name === 'desktop');
      await page.locator('.card a.card-link').first().click();
      await page.waitForURL(/\/fahrzeuge\/volkswagen-golf-[a-z0-9-]*[0-9a-z]{16}$/);
      assert.match(await page.locator('h1').textContent(), /Volkswagen Golf/);
      await shot(page, `vehicle-${name}`);
      await page.done();
    }
  });

  test('search: filters update the results and the URL, the back button restores them', async () => {
    const page = await open();
    await page.goto(srv.url + '/fahrzeuge');
    const total = async () => Number((await page.locator('#result-title').textContent()).match(/[\d.]+/)[0].replace(/\./g, ''));
    const all = await total();
    await page.selectOption('#f-make', 'Volkswagen');
    await page.waitForURL(/\?make=Volkswagen$/);
    const vw = await total();
    assert.ok(vw > 0 && vw < all);
    assert.equal(await page.locator('#f-model').isDisabled(), false, 'models are offered for the make');
    const dieselLabel = await page.locator('label[for="f-fuel-diesel"] .n').textContent();
    await page.check('#f-fuel-diesel');
    await page.waitForURL(/make=Volkswagen&fuel=diesel/);
    const vwDiesel = await total();
    assert.equal(vwDiesel, Number(dieselLabel.replace(/\./g, '')), 'the facet count next to the option was right');
    assert.ok((await page.locator('.chip-remove').count()) >= 2, 'chips for the active filters');
    await page.selectOption('#f-sort', 'price_asc');
    await page.waitForURL(/sort=price_asc/);
    const prices = (await page.locator('.card .price').allTextContents()).map((p) => Number(p.replace(/[^\d]/g, '')));
    assert.deepEqual(prices, [...prices].sort((a, b) => a - b), 'sorted by price');
    await page.goBack();
    await page.waitForURL(/make=Volkswagen&fuel=diesel$/);
    await page.waitForFunction((n) => document.querySelector('#result-title').textContent.includes(n.toLocaleString('de-DE')), vwDiesel);
    await page.goBack();
    await page.waitForURL(/\?make=Volkswagen$/);
    await page.waitForFunction(() => !document.querySelector('#f-fuel-diesel').checked);
    assert.equal(await total(), vw);
    // a chip removes its filter
    await page.locator('.chip-remove').first().click();
    await page.waitForURL(/\/fahrzeuge$/);
    assert.equal(await total(), all);
    // a shared URL renders the same state without JavaScript
    const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: DESKTOP, locale: 'de-DE' });
    const plain = await ctx.newPage();
    await plain.goto(srv.url + '/fahrzeuge?make=Volkswagen&fuel=diesel');
    assert.equal(await plain.locator('#f-fuel-diesel').isChecked(), true);
    assert.match(await plain.locator('#result-title').textContent(), new RegExp(vwDiesel.toLocaleString('de-DE')));
    await plain.check('#f-gearbox-automatic');
    await plain.click('.filters-actions button[type=submit]');
    await plain.waitForURL(/gearbox=automatic/);
    await ctx.close();
    await page.done();
  });

  test('search: nothing found tells which filter to relax, with the count', async () => {
    const page = await open();
    await page.goto(srv.url + '/fahrzeuge?make=Porsche&price_max=5000');
    await page.locator('.relax a').first().waitFor();
    const hint = await page.locator('.relax a').first().textContent();
    assert.match(hint, /Ohne „(Preis|Marke)“: \d+ Fahrzeuge/);
    const promised = Number(hint.match(/: ([\d.]+)/)[1].replace(/\./g, ''));
    await page.locator('.relax a').first().click();
    await page.waitForFunction(() => document.querySelectorAll('.card').length > 0);
    assert.doesNotMatch(page.url(), /size=/);
    assert.match(await page.locator('#result-title').textContent(), new RegExp(`^${promised.toLocaleString('de-DE')} `), 'the count promised is the count shown');
    assert.equal(await page.locator('.card').count(), Math.min(promised, 24));
    await shot(page, 'search-empty-relaxed', false);
    await page.done();
  });

  test('search on a phone: filters in a drawer', async () => {
    const page = await open(MOBILE);
    await page.goto(srv.url + '/fahrzeuge');
    assert.equal(await page.locator('#f-make').isVisible(), false, 'filters are tucked away');
    await page.click('[data-drawer-open]');
    await page.locator('#f-make').waitFor({ state: 'visible' });
    await shot(page, 'search-drawer-mobile', false);
    await page.check('#f-fuel-electric');
    await page.waitForURL(/fuel=electric/);
    await page.click('.filters-actions button[type=submit]');
    await page.waitForFunction(() => !document.getElementById('filter-drawer').classList.contains('open'));
    assert.ok((await page.locator('.card-title').count()) > 0);
    await page.done();
  });

  test('vehicle page: gallery by keyboard, CO2 class, dealer card, share links', async () => {
    // a new car with at least three photos (the demo gives two or three per car)
    const list = (await (await fetch(srv.url + '/api/v1/vehicles/search?size=50&condition=new&sort=price_desc')).json()).items;
    let v = null;
    for (const it of list) {
      const full = await (await fetch(`${srv.url}/api/v1/vehicles/${it.id}`)).json();
      if ((full.photos || []).length >= 3) { v = { ...it, ...full }; break; }
    }
    assert.ok(v, 'a new car with three photos');
    const page = await open();
    await page.goto(`${srv.url}/fahrzeuge/x-${v.id}`);
    await page.focus('.gallery-track');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelector('[data-gallery-index]').textContent === '2');
    await page.click('[data-gallery-next]');
    await page.waitForFunction(() => document.querySelector('[data-gallery-index]').textContent === '3');
    const dealer = page.locator('.dealer-card');
    assert.match(await dealer.textContent(), /\d{5} \S+/, 'address');
    assert.match(await dealer.locator('a[href^="https://www.openstreetmap.org/"]').getAttribute('href'), /mlat=|query=/);
    // the opening hours from the dealer profile, with today marked and "open now" in Berlin time
    assert.equal(await dealer.locator('.hours > div').count(), 7, 'Monday to Sunday');
    assert.equal(await dealer.locator('.hours .today').count(), 1);
    assert.match(await dealer.locator('.open-state').textContent(), /geöffnet|geschlossen|öffnet/i);
    assert.match(await page.locator('.share-links a').first().getAttribute('href'), /^mailto:/);
    assert.match(await page.locator('.share-links a[href^="https://wa.me/"]').getAttribute('href'), /fahrzeuge/);
    if (v.fuel !== 'electric') assert.match(await page.locator('.co2-title').textContent(), /CO₂-Klasse.*: [A-G]/);
    const imgs = await page.locator('img:not([loading="lazy"]):not([src^="data:"])').count(); // inline placeholders load nothing
    assert.ok(imgs <= 2, 'images below the fold load lazily');
    await page.done();
  });

  test('contact request: errors inline keeping what was typed, then the lead is stored', async () => {
    const v = await firstVehicle('&sort=price_asc');
    for (const [name, viewport] of [['desktop', DESKTOP], ['mobile', MOBILE]]) {
      if (name === 'mobile') {
        // only screenshots on mobile (the rate limit allows a handful of requests)
        const page = await open(viewport);
        await page.goto(`${srv.url}/fahrzeuge/x-${v.id}#kontakt`);
        await shot(page, 'vehicle-contact-mobile', false);
        await page.done();
        continue;
      }
      const page = await open(viewport);
      await page.goto(`${srv.url}/fahrzeuge/x-${v.id}`);
      await page.click('.buy-actions a[href="#kontakt"]');
      await page.fill('#lead-name', 'E');
      await page.fill('#lead-email', 'erika-at-example');
      await page.fill('#lead-message', '');
      await page.click('.lead-form button[type=submit]');
      await page.waitForSelector('.error-summary');
      assert.equal(await page.locator('#lead-name').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('#lead-email').inputValue(), 'erika-at-example', 'what was typed is kept');
      assert.match(await page.locator('#lead-email-err').textContent(), /gültige E-Mail-Adresse/);
      assert.match(await page.locator('#lead-message-err').textContent(), /Frage/);
      await page.waitForFunction(() => document.activeElement && document.activeElement.hasAttribute('data-error-summary'));
      await shot(page, `vehicle-contact-errors-${name}`, false);
      assert.equal(sql('SELECT COUNT(*) FROM leads'), '0', 'nothing stored on errors');
      await page.fill('#lead-name', 'Erika Mustermann');
      await page.fill('#lead-email', 'erika@example.de');
      await page.fill('#lead-message', 'Ist der Wagen unfallfrei?');
      await page.click('.lead-form button[type=submit]');
      await page.waitForURL(/anfrage=gesendet/);
      assert.match(await page.locator('#kontakt .notice').textContent(), /Vielen Dank/);
      assert.equal(sql("SELECT kind || '|' || name || '|' || email || '|' || message FROM leads"),
        'contact|Erika Mustermann|erika@example.de|Ist der Wagen unfallfrei?');
      assert.equal(sql(`SELECT COUNT(*) FROM leads l JOIN vehicles v ON v.id = l.vehicle_id AND v.tenant_id = l.tenant_id WHERE v.public_id = '${v.id}'`), '1', 'the lead belongs to the vehicle and its dealer');
      assert.match(sql("SELECT subject FROM outbox WHERE kind = 'lead.dealer' ORDER BY id DESC LIMIT 1"), /^Kontaktanfrage: /, 'the dealer is notified');
      assert.match(sql("SELECT subject FROM outbox WHERE kind = 'lead.confirm' ORDER BY id DESC LIMIT 1"), /^Ihre Anfrage ist angekommen: /, 'and the buyer gets a receipt');
      // test drive: phone and a free slot required, the slot picker only for test drives
      await page.check('#kind-test-drive');
      await page.locator('.slot-picker').waitFor({ state: 'visible' });
      await page.fill('#lead-name', 'Max Mustermann');
      await page.fill('#lead-email', 'max@example.de');
      await page.fill('#lead-phone', '+49 171 1234567');
      const first = page.locator('.slot-radio').first();
      const slot = await first.getAttribute('value');
      await first.focus(); // the chips are radio buttons: Space picks the focused one
      await page.keyboard.press('Space');
      assert.ok(await first.isChecked());
      await page.click('.lead-form button[type=submit]');
      await page.waitForURL(/anfrage=gebucht/);
      assert.match(await page.locator('#kontakt .notice').textContent(), /Probefahrt ist gebucht/);
      const d = new Date(Number(slot) * 1000).toLocaleDateString('sv-SE', { timeZone: 'Europe/Berlin' });
      assert.equal(sql("SELECT preferred_date FROM leads WHERE kind = 'test_drive'"), d, 'the lead carries the day of the slot');
      assert.equal(sql('SELECT slot_start FROM test_drives'), slot);
      await page.done();
    }
  });

  test('compare up to three vehicles; the fourth is refused with a message', async () => {
    const page = await open();
    await page.goto(srv.url + '/fahrzeuge?sort=price_asc');
    const toggles = page.locator('.card [data-cmp]');
    for (let i = 0; i < 3; i++) await toggles.nth(i).click();
    await page.waitForFunction(() => document.querySelector('[data-cmp-count]').textContent === '3');
    assert.equal(await toggles.nth(0).getAttribute('aria-pressed'), 'true');
    await toggles.nth(3).click();
    assert.match(await page.locator('.compare-msg').textContent(), /höchstens 3/);
    assert.equal(await toggles.nth(3).getAttribute('aria-pressed'), 'false');
    await shot(page, 'compare-bar-desktop', false);
    await page.click('[data-cmp-link]');
    await page.waitForURL(/\/vergleich\?ids=/);
    assert.equal(await page.locator('table.compare thead th').count(), 3);
    assert.ok((await page.locator('td.best').count()) > 0, 'best values are marked');
    await shot(page, 'compare-desktop');
    await assertAccessible(page, 'compare');
    // without JavaScript a fourth id in the URL is refused with a message too
    const ids = new URL(page.url()).searchParams.get('ids').split(',');
    const extra = (await (await fetch(srv.url + '/api/v1/vehicles/search?size=4&sort=price_desc')).json()).items[0].id;
    const html = await (await fetch(`${srv.url}/vergleich?ids=${ids.join(',')},${extra}`)).text();
    assert.match(html, /höchstens 3 Fahrzeuge/);
    assert.equal((html.match(/data-cmp-remove=/g) || []).length, 3);
    await page.locator('[data-cmp-remove]').first().click();
    await page.waitForURL((u) => u.searchParams.get('ids').split(',').length === 2);
    const mobile = await open(MOBILE);
    await mobile.goto(page.url());
    await shot(mobile, 'compare-mobile');
    await mobile.done();
    await page.done();
  });

  test('favourites: hearts on cards and the vehicle page, listed on /merkliste', async () => {
    const page = await open();
    await page.goto(srv.url + '/fahrzeuge?sort=mileage_asc');
    const hearts = page.locator('.card [data-fav]');
    await hearts.nth(0).click();
    await hearts.nth(1).click();
    assert.equal(await hearts.nth(0).getAttribute('aria-pressed'), 'true');
    assert.equal(await page.locator('[data-fav-count]').textContent(), '2');
    const picked = [await hearts.nth(0).getAttribute('data-fav'), await hearts.nth(1).getAttribute('data-fav')];
    await page.locator('.card a.card-link').nth(2).click();
    await page.locator('.buybox [data-fav]').click();
    await page.goto(srv.url + '/merkliste');
    await page.waitForURL(/\/merkliste\?ids=/);
    assert.equal(await page.locator('.card').count(), 3);
    for (const id of picked) assert.ok(page.url().includes(id));
    await shot(page, 'favourites-desktop');
    await assertAccessible(page, 'favourites');
    await page.locator('.card [data-fav]').first().click();
    assert.equal(await page.locator('.card').count(), 2, 'removed from the list at once');
    const mobile = await open(MOBILE);
    await mobile.goto(page.url());
    await shot(mobile, 'favourites-mobile');
    await mobile.done();
    await page.done();
  });

  test('accessibility: no serious or critical axe violations on home, search, vehicle, empty compare', async () => {
    const v = await firstVehicle();
    for (const [label, p] of [['home', '/'], ['search', '/fahrzeuge?make=BMW'], ['search-empty', '/fahrzeuge?make=Porsche&price_max=100'],
      ['vehicle', `/fahrzeuge/x-${v.id}`], ['compare-empty', '/vergleich'], ['favourites-empty', '/merkliste?ids=']]) {
      for (const viewport of [DESKTOP, MOBILE]) {
        const page = await open(viewport);
        await page.goto(srv.url + p);
        await assertAccessible(page, `${label} at ${viewport.width}px`);
        await page.done();
      }
    }
  });

  test('keyboard only: skip link, filters and the lead form work without a mouse', async () => {
    const page = await open();
    await page.goto(srv.url + '/fahrzeuge');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => location.hash === '#main');
    await page.focus('#f-fuel-petrol');
    await page.keyboard.press('Space');
    await page.waitForURL(/fuel=petrol/);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-fuel-petrol', 'focus survives the update');
    const first = page.locator('.card a.card-link').first();
    await first.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/fahrzeuge\/.+-[0-9a-z]{16}$/);
    await page.done();
  });

  test('sold vehicles answer 410 with similar vehicles (screenshots of the error pages)', async () => {
    const v = await firstVehicle('&make=BMW');
    const slugs = execFileSync(process.env.CC24_BIN || 'build/cc24', ['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).toString().trim().split('\n');
    const owner = slugs.find((s) => s === v.dealer) || v.dealer;
    const r = await fetch(`${srv.url}/api/v1/vehicles/${v.id}`, { method: 'PATCH', headers: { Authorization: `Bearer demo-key-${owner}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ status: 'sold' }) });
    assert.equal(r.status, 200, await r.text());
    const page = await open();
    const resp = await page.goto(`${srv.url}/fahrzeuge/x-${v.id}`);
    assert.equal(resp.status(), 410);
    assert.match(await page.locator('h1').textContent(), /verkauft/);
    assert.ok((await page.locator('.card').count()) > 0, 'similar vehicles');
    await shot(page, 'vehicle-sold-desktop', false);
    await assertAccessible(page, 'sold vehicle');
    const nf = await page.goto(srv.url + '/fahrzeuge/gibt-es-nicht-0000000000000000');
    assert.equal(nf.status(), 404);
    assert.match(await page.locator('h1').textContent(), /nicht gefunden|not found/i);
    await shot(page, 'error-404', false);
    await page.done();
  });

  test('financing page and offer sheet look right (screenshots)', async () => {
    for (const [name, viewport] of [['desktop', DESKTOP], ['mobile', MOBILE]]) {
      const page = await open(viewport);
      await page.goto(srv.url + '/finanzierung');
      const before = await page.locator('#ergebnis .price').textContent();
      await page.fill('#c-price', '32000');
      await page.fill('#c-down', '6000');
      // the result follows the input without a submit (server-computed, swapped in)
      await page.waitForFunction((b) => document.querySelector('#ergebnis .price').textContent !== b, before);
      assert.equal(page.url().includes('preis=32000'), true, 'the URL keeps the state');
      assert.match(await page.locator('#ergebnis .price').textContent(), /\d+,\d\d €/);
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, `finance-${name}`);
      await page.done();
    }
  });
});
