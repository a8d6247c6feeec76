// Showrooms in a real browser (Debian Chromium via playwright-core): a buyer
// searches inside a dealer's showroom, the URL keeps the state (back works), and
// opens a vehicle; the owner edits the profile with an error first; the stock
// widget is embedded by a page on another origin and sizes itself. Screenshots at
// 1440 and 390 px into build/e2e-shots/.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { startServer, launchBrowser, SHOTS, freePort } from './helpers.mjs';

const VIEWPORTS = [['desktop', { width: 1440, height: 900 }], ['mobile', { width: 390, height: 844 }]];

describe('showroom in the browser', () => {
  let srv;
  let browser;
  let close;
  let host;
  let hostUrl;
  before(async () => {
    srv = await startServer();
    ({ browser, close } = await launchBrowser());
    // a dealer's own website on another origin, with the snippet from the dashboard
    const port = await freePort();
    hostUrl = `http://localhost:${port}`;
    host = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rheinland Automobile – Website</title></head>
<body style="margin:0;font-family:Georgia,serif;background:#f4f1ea">
<header style="padding:24px 32px;background:#064e3b;color:#fff"><h1 style="margin:0">Rheinland Automobile</h1><p style="margin:4px 0 0">Unsere eigene Website</p></header>
<main style="max-width:960px;margin:24px auto;padding:0 16px"><h2>Unser aktueller Bestand</h2>
<div id="cc24-bestand"></div>
<script src="${srv.url}/static/js/embed.js" data-dealer="rheinland-automobile" data-target="cc24-bestand" async></script>
<p>Impressum · Datenschutz</p></main></body></html>`);
    });
    await new Promise((r) => host.listen(port, '127.0.0.1', r));
  });
  after(async () => {
    if (host) host.close();
    if (close) await close();
    if (srv) await srv.stop();
  });

  test('a buyer searches a showroom and opens a vehicle (desktop and mobile)', async () => {
    for (const [name, viewport] of VIEWPORTS) {
      const page = await browser.newPage({ viewport, locale: 'de-DE' });
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(srv.url + '/haendler/autohaus-berger');
      assert.match(await page.locator('h1').textContent(), /Autohaus Berger/);
      // the brand colour from the theme stylesheet is applied
      const brand = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--c-brand').trim());
      assert.equal(brand, '#0b4f8a');
      assert.ok(await page.locator('.sr-logo img').evaluate((img) => img.complete && img.naturalWidth > 0), 'the logo loads');
      await page.screenshot({ path: path.join(SHOTS, `showroom-${name}.png`), fullPage: true });

      const total = Number((await page.locator('.sr-stats dd').first().textContent()).replace(/\./g, ''));
      const option = page.locator('#s-make option').nth(1);
      const make = await option.getAttribute('value');
      const count = Number((await option.textContent()).match(/\((\d+)\)/)[1]);
      await page.selectOption('#s-make', make);
      await page.selectOption('#s-sort', 'price_asc');
      await page.click('.sr-filters button[type=submit]');
      await page.waitForURL((u) => u.searchParams.get('make') === make && u.searchParams.get('sort') === 'price_asc');
      assert.equal(await page.inputValue('#s-make'), make, 'the filter stays chosen');
      const titles = await page.locator('#bestand .card-title').allTextContents();
      assert.equal(titles.length, Math.min(12, count));
      for (const t of titles) assert.ok(t.startsWith(make), `${t} is a ${make}`);
      assert.ok(count < total);
      assert.match(await page.locator('#bestand .section-head .muted').textContent(), new RegExp(`^${count} `));
      await page.goBack();
      await page.waitForURL(srv.url + '/haendler/autohaus-berger');
      assert.match(await page.locator('#bestand .section-head .muted').textContent(), new RegExp(`^${total.toLocaleString('de-DE')} `),
        'back to the whole stock');
      await page.goForward();
      await page.waitForURL(/make=/);

      const first = page.locator('#bestand .card a.card-link').first();
      const title = (await first.locator('.card-title').textContent()).trim();
      await first.click();
      await page.waitForURL(/\/fahrzeuge\/[a-z0-9-]+-[0-9a-z]{16}$/);
      assert.match(await page.locator('h1').textContent(), new RegExp(title.split(' ')[0]));
      assert.deepEqual(errors, [], 'no script errors');
      await page.close();
    }
  });

  test('the owner fixes an error in the profile form and the showroom shows the change', async () => {
    for (const [name, viewport] of VIEWPORTS) {
      const ctx = await browser.newContext({ viewport, locale: 'de-DE' });
      const page = await ctx.newPage();
      await page.goto(srv.url + '/dashboard/profil');
      await page.waitForURL(/\/anmelden\?next=/);
      await page.fill('#l-email', 'owner@autozentrum-isar.demo');
      await page.fill('#l-pw', 'cc24-Demo-2026');
      await page.click('form button[type=submit]');
      await page.waitForURL(/\/dashboard\/profil$/);
      await page.screenshot({ path: path.join(SHOTS, `dash-profile-${name}.png`), fullPage: true });
      const about = `Premium-Gebrauchtwagen im Münchner Westen (${name}).`;
      await page.fill('#p-about-de', about);
      await page.fill('#p-vat', 'DE418293756');
      await page.fill('#p-hours_5', '10:00-16:00, 15:00-17:00');
      await page.click('form.vform button[type=submit]');
      await page.waitForSelector('.field-error');
      assert.equal(await page.locator('#p-vat + .field-error').count(), 1, 'the VAT error next to its field');
      assert.equal(await page.locator('#p-hours_5 + .field-error').count(), 1, 'the hours error next to its field');
      assert.equal(await page.inputValue('#p-about-de'), about, 'the input is kept');
      assert.equal(await page.getAttribute('#p-vat', 'aria-invalid'), 'true');
      await page.screenshot({ path: path.join(SHOTS, `dash-profile-errors-${name}.png`), fullPage: true });
      await page.fill('#p-vat', 'DE418293755');
      await page.fill('#p-hours_5', '10:00-16:00');
      await page.click('form.vform button[type=submit]');
      await page.waitForURL(/\/dashboard\/profil\?saved=1$/);
      await page.click('a[href="/haendler/autozentrum-isar"]');
      await page.waitForURL(/\/haendler\/autozentrum-isar$/);
      assert.match(await page.locator('.sr-about').textContent(), new RegExp(about.replace(/[()]/g, '\\$&')));
      await ctx.close();
    }
  });

  test("the stock widget on a dealer's own website sizes itself", async () => {
    for (const [name, viewport] of VIEWPORTS) {
      const page = await browser.newPage({ viewport, locale: 'de-DE' });
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(hostUrl + '/');
      const frameEl = page.locator('iframe[data-cc24-frame="rheinland-automobile"]');
      await frameEl.waitFor();
      const frame = page.frameLocator('iframe[data-cc24-frame="rheinland-automobile"]');
      await frame.locator('.embed-item').first().waitFor();
      // the widget reports its height; the iframe follows (it starts at 640 px)
      await page.waitForFunction(() => {
        const f = document.querySelector('iframe[data-cc24-frame]');
        return f && f.style.height !== '640px';
      });
      const [frameH, contentH] = await Promise.all([
        frameEl.evaluate((f) => parseInt(f.style.height, 10)),
        frame.locator('body').evaluate((b) => b.getBoundingClientRect().height),
      ]);
      assert.ok(Math.abs(frameH - contentH) <= 2, `iframe ${frameH}px for ${contentH}px of content`);
      const link = frame.locator('.embed-item').first();
      assert.equal(await link.getAttribute('target'), '_blank');
      assert.equal(await link.getAttribute('rel'), 'noopener');
      assert.match(await link.getAttribute('href'), new RegExp(`^${srv.url}/fahrzeuge/`));
      await page.screenshot({ path: path.join(SHOTS, `embed-host-${name}.png`), fullPage: true });
      // a filter inside the widget resizes it again
      const option = frame.locator('#e-make option').last();
      const make = await option.getAttribute('value');
      const count = Number((await option.textContent()).match(/\((\d+)\)/)[1]);
      assert.ok(count < 8, 'the rarest make fits on one page');
      await frame.locator('#e-make').selectOption(make);
      await frame.locator('.embed-filter button').click();
      await frame.locator(`.embed-title:has-text("${make}")`).first().waitFor();
      for (const t of await frame.locator('.embed-title').allTextContents()) assert.ok(t.startsWith(make));
      await page.waitForFunction((h) => parseInt(document.querySelector('iframe[data-cc24-frame]').style.height, 10) !== h, frameH);
      // a message from anyone else does not move it
      const before = await frameEl.evaluate((f) => f.style.height);
      await page.evaluate(() => window.postMessage({ type: 'cc24:embed-height', dealer: 'rheinland-automobile', height: 5 }, '*'));
      await page.waitForTimeout(100);
      assert.equal(await frameEl.evaluate((f) => f.style.height), before, 'foreign messages are ignored');
      assert.deepEqual(errors, []);
      await page.close();
    }
  });

  test('legal pages and a dealer Impressum render cleanly: heading, content, no overflow, no errors', async () => {
    // [path, screenshot, status, heading, a text the page must carry]
    const pages = [
      ['/impressum', 'impressum', 200, /Impressum/, /Angaben gemäß § 5 (TMG|DDG)|Verantwortlich/],
      ['/datenschutz', 'datenschutz', 200, /Datenschutz/, /\d+ Monaten/],
      ['/agb?lang=en', 'agb-en', 200, /terms and conditions/, /cc24/],
      ['/haendler/rheinland-automobile/impressum', 'dealer-impressum', 200, /Impressum|Legal notice/, /Rheinland/],
      ['/haendler/gibt-es-nicht', 'showroom-404', 404, /.+/, /.+/],
    ];
    for (const [name, viewport] of VIEWPORTS) {
      const page = await browser.newPage({ viewport, locale: 'de-DE' });
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      for (const [p, shot, status, heading, text] of pages) {
        const r = await page.goto(srv.url + p);
        assert.equal(r.status(), status, p);
        const h1 = (await page.locator('h1').first().textContent()).trim();
        assert.match(h1, heading, `${p}: the heading`);
        assert.match(await page.locator('main').innerText(), text, `${p}: the content`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${p} (${name}): ${overflow}px wider than the viewport`);
        await page.screenshot({ path: path.join(SHOTS, `${shot}-${name}.png`), fullPage: true });
      }
      assert.deepEqual(errors.filter((e) => !/status of 404/.test(e)), [], `${name}: no script errors`);
      await page.close();
    }
  });
});
