// The server-rendered site in a real browser (Debian Chromium via playwright-core):
// homepage with newest vehicles and quick search, the search page, a vehicle page,
// the HTML error page, the language switch; screenshots at 1440 and 390 px.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, launchBrowser, SHOTS } from './helpers.mjs';

describe('site', () => {
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

  test('homepage renders from templates with the newest vehicles', async () => {
    const r = await fetch(srv.url + '/');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /text\/html/);
    const html = await r.text();
    assert.match(html, /<html lang="de">/);
    assert.match(html, /Neueste Fahrzeuge/);
    assert.ok((html.match(/class="card"/g) || []).length >= 8, 'vehicle cards');
    assert.match(html, /\d{1,3}(\.\d{3})* €/, 'prices in German format');
    assert.doesNotMatch(html, /\{\{/, 'no unrendered tags');
    const csp = r.headers.get('content-security-policy') || '';
    assert.doesNotMatch(csp, /unsafe-inline/);
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
    const plain = await fetch(srv.url + '/static/css/app.css');
    const etag = plain.headers.get('etag');
    assert.ok(etag);
    const again = await fetch(srv.url + '/static/css/app.css', { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    const gz = await fetch(srv.url + '/static/css/app.css', { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(gz.headers.get('content-encoding'), 'gzip');
    assert.equal((await fetch(srv.url + '/static/../src/main.c')).status, 404);
  });

  test('a buyer uses the quick search and opens a vehicle (desktop and mobile)', async () => {
    for (const [name, viewport] of [['desktop', { width: 1440, height: 900 }], ['mobile', { width: 390, height: 844 }]]) {
      const page = await browser.newPage({ viewport });
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(srv.url + '/');
      await page.screenshot({ path: path.join(SHOTS, `home-${name}.png`), fullPage: true });
      const makes = await page.locator('#qs-make option').count();
      assert.ok(makes > 5, 'makes offered with counts');
      await page.selectOption('#qs-make', { index: 1 });
      const chosen = await page.inputValue('#qs-make');
      await page.waitForFunction(() => /\d/.test(document.querySelector('form.quick-search button').textContent));
      await page.click('form.quick-search button[type=submit]');
      await page.waitForURL(/\/fahrzeuge\?/);
      assert.ok(page.url().includes('make=' + encodeURIComponent(chosen).replace(/%20/g, '+')) || page.url().includes('make=' + encodeURIComponent(chosen)));
      const cards = page.locator('.card');
      assert.ok((await cards.count()) > 0, 'results for the chosen make');
      const titles = await page.locator('.card-title').allTextContents();
      assert.ok(titles.every((t) => t.startsWith(chosen)), `every result is a ${chosen}`);
      await page.screenshot({ path: path.join(SHOTS, `search-${name}.png`), fullPage: true });
      await cards.first().locator('a').click();
      await page.waitForURL(/\/fahrzeuge\/[a-z0-9-]+-[0-9a-z]{16}$/);
      const h1 = await page.locator('h1').textContent();
      assert.ok(h1.includes(chosen));
      await page.screenshot({ path: path.join(SHOTS, `vehicle-${name}.png`), fullPage: true });
      assert.deepEqual(errors, [], 'no script errors');
      await page.close();
    }
  });

  test('financing page and offer sheet look right (screenshots)', async () => {
    for (const [name, viewport] of [['desktop', { width: 1440, height: 900 }], ['mobile', { width: 390, height: 844 }]]) {
      const page = await browser.newPage({ viewport });
      await page.goto(srv.url + '/finanzierung');
      const before = await page.locator('#ergebnis .price').textContent();
      await page.fill('#c-price', '32000');
      await page.fill('#c-down', '6000');
      // the result follows the input without a submit (server-computed, swapped in)
      await page.waitForFunction((b) => document.querySelector('#ergebnis .price').textContent !== b, before);
      assert.equal(page.url().includes('preis=32000'), true, 'the URL keeps the state');
      assert.match(await page.locator('#ergebnis .price').textContent(), /\d+,\d\d €/);
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(SHOTS, `finance-${name}.png`), fullPage: true });
      await page.close();
    }
  });

  test('errors are HTML pages in the site design', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const resp = await page.goto(srv.url + '/fahrzeuge/gibt-es-nicht-0000000000000000');
    assert.equal(resp.status(), 404);
    assert.match(await page.locator('h1').textContent(), /nicht gefunden|not found/i);
    await page.screenshot({ path: path.join(SHOTS, 'error-404.png') });
    await page.close();
  });

  test('hostile search parameters give a sensible page, never a 500', async () => {
    for (const q of ['price_min=-1', 'page=999999', 'size=100000', 'fuel=%3Cscript%3E', 'q=%27%3B+DROP+TABLE', 'make=%00', 'year_min=abc&year_max=-3']) {
      const r = await fetch(srv.url + '/fahrzeuge?' + q);
      assert.ok(r.status < 500, `${q}: ${r.status}`);
      const html = await r.text();
      assert.doesNotMatch(html, /<script>/);
    }
  });
});
