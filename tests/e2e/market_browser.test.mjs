// The Börse in a real browser, two dealers side by side: dealer A lists a
// published vehicle from the dashboard (after a validation error), dealer B
// finds it in the Börse and makes an offer, A accepts; the deal with its
// commission appears for both, and the vehicle is reserved on the public site.
// Screenshots of every Börse page at 1440 px and 390 px go to build/e2e-shots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, launchBrowser, SHOTS, cc24 } from './helpers.mjs';

let srv;
let browser;
let close;
let slugs;
before(async () => {
  srv = await startServer();
  ({ browser, close } = await launchBrowser());
  slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
});
after(async () => {
  if (close) await close();
  if (srv) await srv.stop();
});

const VIEWPORTS = [['desktop', { width: 1440, height: 900 }], ['mobile', { width: 390, height: 844 }]];

async function dealerPage(slug, viewport = VIEWPORTS[0][1]) {
  const ctx = await browser.newContext({ viewport, locale: 'de-DE' });
  const page = await ctx.newPage();
  await page.goto(srv.url + '/boerse');
  await page.waitForURL(/\/anmelden\?next=/);
  await page.fill('#l-email', `owner@${slug}.demo`);
  await page.fill('#l-pw', 'cc24-Demo-2026');
  await page.click('form button[type=submit]');
  await page.waitForURL(/\/boerse$/);
  return { ctx, page };
}

const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

test('a dealer lists a vehicle, another offers, the first accepts: a deal for both', async () => {
  const A = await dealerPage(slugs[0]);
  const B = await dealerPage(slugs[1]);
  try {
    // A: from the dashboard navigation to the listing form
    await A.page.goto(srv.url + '/dashboard');
    await A.page.click('.dash-bar nav a[href="/boerse"]');
    await A.page.waitForURL(/\/boerse$/);
    await A.page.click('.boerse-tabs a[href="/dashboard/boerse"]');
    await A.page.click('a[href="/dashboard/boerse/neu"] >> nth=0');
    await A.page.waitForURL(/\/dashboard\/boerse\/neu/);
    const option = A.page.locator('#m-vehicle option', { hasText: '(Online)' }).first();
    const vehicleId = await option.getAttribute('value');
    await A.page.selectOption('#m-vehicle', vehicleId);
    await A.page.fill('#m-price', '0');
    await A.page.fill('#m-note', 'Unfallfrei, Scheckheft, zwei Schlüssel');
    await A.page.click('form.vform button[type=submit]');
    await A.page.waitForSelector('#m-price-err');
    assert.equal(await A.page.inputValue('#m-note'), 'Unfallfrei, Scheckheft, zwei Schlüssel', 'the input is kept');
    assert.equal(await A.page.inputValue('#m-vehicle'), vehicleId);
    await shot(A.page, 'boerse-listing-form-errors-desktop');
    await A.page.fill('#m-price', '17.900');
    await A.page.click('form.vform button[type=submit]');
    await A.page.waitForURL(/\/dashboard\/boerse\?eingestellt=1/);
    assert.match(await A.page.locator('table.data').textContent(), /17\.900,00 €/);

    // the public site never shows the trade price
    const pub = await (await fetch(srv.url + `/api/v1/vehicles/${vehicleId}`)).json();
    assert.equal(pub.status, 'published');
    const make = pub.make;

    // B: finds it in the Börse by make, newest first, and opens it
    await B.page.goto(srv.url + '/boerse');
    await B.page.selectOption('#b-make', make);
    await B.page.selectOption('#b-sort', 'newest');
    await B.page.click('form.filters button[type=submit]');
    await B.page.waitForURL(/make=/);
    const card = B.page.locator('.boerse-card', { hasText: '17.900,00 €' }).first();
    assert.equal(await card.locator('.badge-own').count(), 0, 'not B\'s own listing');
    await card.locator('a.card-link').click();
    await B.page.waitForURL(/\/boerse\/[0-9a-z]{16}$/);
    assert.match(await B.page.locator('.buybox').textContent(), /zzgl\. 19 % MwSt\.|§ 25a UStG/);
    await B.page.fill('#o-amount', '-5');
    await B.page.click('form.offer-form button[type=submit]');
    await B.page.waitForSelector('#o-amount-err');
    await B.page.fill('#o-amount', '17.000');
    await B.page.fill('#o-msg', 'Abholung nächste Woche, Zahlung per Überweisung.');
    await B.page.click('form.offer-form button[type=submit]');
    await B.page.waitForURL(/\/dashboard\/boerse\/angebote\/[0-9a-z]{16}/);
    const offerUrl = B.page.url().split('?')[0];
    assert.match(await B.page.locator('#offer-status').textContent(), /Offen/);

    // A: sees the offer waiting for its answer, reads the message, accepts
    await A.page.click('.boerse-tabs a[href="/dashboard/boerse/angebote"]');
    await A.page.waitForURL(/\/dashboard\/boerse\/angebote$/);
    const row = A.page.locator('tr', { hasText: '17.000,00 €' }).first();
    assert.match(await row.textContent(), /Ihre Antwort/);
    await row.locator('a').first().click();
    await A.page.waitForURL(offerUrl);
    assert.match(await A.page.locator('.timeline').textContent(), /Abholung nächste Woche/);
    await A.page.click('button[name=action][value=accept]');
    await A.page.waitForURL(/\/dashboard\/boerse\/abschluesse\/[0-9a-z]{16}$/);
    const dealUrl = A.page.url();
    // 13.58 % of 17,000.00 € = 2,308.60 €
    assert.equal((await A.page.locator('#deal-net').textContent()).trim(), '17.000,00 €');
    assert.equal((await A.page.locator('#deal-commission').textContent()).trim(), '2.308,60 €');
    await shot(A.page, 'boerse-deal-seller-desktop');

    // B sees the same deal in its dashboard
    await B.page.goto(srv.url + '/dashboard/boerse/abschluesse');
    const dealRow = B.page.locator('tr', { hasText: '17.000,00 €' }).first();
    assert.match(await dealRow.textContent(), new RegExp(make));
    assert.match(await dealRow.textContent(), /17\.000,00 €/);
    assert.match(await dealRow.textContent(), /2\.308,60 €/);
    assert.match(await dealRow.textContent(), /Einkauf/);
    await dealRow.locator('a').first().click();
    await B.page.waitForURL(dealUrl);
    assert.equal((await B.page.locator('#deal-commission').textContent()).trim(), '2.308,60 €');
    await shot(B.page, 'boerse-deal-buyer-desktop');
    await B.page.goto(offerUrl);
    assert.match(await B.page.locator('#offer-status').textContent(), /Angenommen/);

    // reserved: on the dashboard, on the public vehicle page and in the public search
    const after = await (await fetch(srv.url + `/api/v1/vehicles/${vehicleId}`)).json();
    assert.equal(after.status, 'reserved');
    const anon = await browser.newContext({ viewport: VIEWPORTS[0][1], locale: 'de-DE' });
    const p = await anon.newPage();
    await p.goto(srv.url + `/fahrzeuge/x-${vehicleId}`);
    assert.match(await p.content(), /Reserviert/);
    assert.ok(!(await p.content()).includes('17.000,00'), 'the trade price is not public');
    await anon.close();
    await A.page.goto(srv.url + '/dashboard?status=reserved');
    assert.match(await A.page.locator('table.data').textContent(), /Reserviert/);
  } finally {
    await A.ctx.close();
    await B.ctx.close();
  }
});

test('screenshots of every Börse page at 1440 and 390 px, keyboard reachable', async () => {
  const { execFileSync } = await import('node:child_process');
  const sql = (q) => execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q]).toString().trim();
  const listing = sql(`SELECT l.public_id FROM market_listings l JOIN tenants t ON t.id = l.tenant_id WHERE t.slug = '${slugs[0]}' AND l.status = 'active' LIMIT 1`);
  const offer = sql("SELECT public_id FROM market_offers WHERE status = 'open' LIMIT 1"); // C on B's listing
  const deal = sql('SELECT public_id FROM market_deals ORDER BY id LIMIT 1'); // C sold to B
  for (const [name, viewport] of VIEWPORTS) {
    const { ctx, page } = await dealerPage(slugs[1], viewport);
    try {
      const pages = [['boerse-search', '/boerse'], ['boerse-listing', `/boerse/${listing}`], ['boerse-mine', '/dashboard/boerse'],
        ['boerse-new', '/dashboard/boerse/neu'], ['boerse-offers', '/dashboard/boerse/angebote'], ['boerse-offer', `/dashboard/boerse/angebote/${offer}`],
        ['boerse-deals', '/dashboard/boerse/abschluesse'], ['boerse-deal', `/dashboard/boerse/abschluesse/${deal}`]];
      for (const [file, url] of pages) {
        const r = await page.goto(srv.url + url);
        assert.equal(r.status(), 200, url);
        assert.equal(await page.locator('h1').count(), 1, `${url}: one h1`);
        // every form control has a label
        const unlabelled = await page.$$eval('input:not([type=hidden]), select, textarea', (els) => els.filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map((el) => el.name));
        assert.deepEqual(unlabelled, [], `${url}: labelled controls`);
        // nothing wider than the viewport
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        const culprits = overflow > 0 ? await page.evaluate(() => [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
          .slice(-3).map((el) => `${el.tagName.toLowerCase()}.${el.className}`).join(', ')) : '';
        assert.ok(overflow <= 0, `${url} at ${viewport.width} px scrolls sideways by ${overflow} px (${culprits})`);
        await shot(page, `${file}-${name}`);
      }
      // keyboard: from the offer page, Tab reaches the accept button
      await page.goto(srv.url + `/dashboard/boerse/angebote/${offer}`);
      let reached = false;
      for (let i = 0; i < 60 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('value') === 'accept');
      }
      assert.ok(reached, 'the accept button is reachable by keyboard');
    } finally {
      await ctx.close();
    }
  }
});
