// Accessibility (axe-core, no serious or critical violations) and keyboard use of the
// pages that are not the public search: showrooms, the embed widget, the legal pages,
// the Börse and every dashboard page, in German and English, desktop and mobile.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, cc24 } from './helpers.mjs';
import { assertAccessible } from './a11y.mjs';

describe('accessibility of showrooms, Börse and dashboard', () => {
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

  test('public dealer pages', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    for (const p of [`/haendler/${slugs[0]}`, `/haendler/${slugs[1]}?lang=en`, `/haendler/${slugs[0]}/impressum`,
      `/embed/${slugs[2]}`, '/impressum', '/datenschutz', '/agb?lang=en']) {
      const r = await page.goto(srv.url + p);
      assert.equal(r.status(), 200, p);
      await assertAccessible(page, p);
    }
    await page.close();
  });

  test('the Börse and the dashboard, logged in, desktop and mobile', async () => {
    for (const viewport of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
      const ctx = await browser.newContext({ viewport });
      const page = await ctx.newPage();
      await page.goto(srv.url + '/anmelden');
      await assertAccessible(page, '/anmelden');
      await page.fill('input[name=email]', `owner@${slugs[1]}.demo`);
      await page.fill('input[name=password]', 'cc24-Demo-2026');
      await Promise.all([page.waitForURL(/\/dashboard/), page.locator('form button[type=submit]').first().click()]);
      const listing = await page.goto(srv.url + '/boerse').then(() => page.locator('a[href^="/boerse/"]').first().getAttribute('href'));
      const pages = ['/dashboard', '/dashboard?lang=en', '/dashboard/fahrzeuge/neu', '/dashboard/anfragen', '/dashboard/verkauf', '/dashboard/finanzierung',
        '/dashboard/profil', '/dashboard/team', '/dashboard/api-tokens', '/dashboard/protokoll', '/dashboard/konto',
        '/boerse', listing, '/dashboard/boerse', '/dashboard/boerse/neu', '/dashboard/boerse/angebote', '/dashboard/boerse/abschluesse'];
      for (const p of pages) {
        const r = await page.goto(srv.url + p);
        assert.equal(r.status(), 200, p);
        await assertAccessible(page, `${p} (${viewport.width} px)`);
        // nothing wider than the screen
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `${p} scrolls sideways by ${overflow} px at ${viewport.width} px`);
      }
      await ctx.close();
    }
  });

  test('keyboard: skip link, then the dashboard navigation, with a visible focus', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(srv.url + '/anmelden');
    await page.fill('input[name=email]', `owner@${slugs[0]}.demo`);
    await page.fill('input[name=password]', 'cc24-Demo-2026');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/dashboard/);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => location.hash), '#main');
    // tab until the enquiry inbox link has the focus, and follow it with Enter
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement.getAttribute('href') === '/dashboard/anfragen')) break;
    }
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'focus is visible');
    await Promise.all([page.waitForURL(/\/dashboard\/anfragen$/), page.keyboard.press('Enter')]);
    await ctx.close();
  });
});
