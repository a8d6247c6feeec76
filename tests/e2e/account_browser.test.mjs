// The dealer's first day, in Chromium: sign up, confirm the address (the link is
// read from the outbox table — the mail queue a worker sends later; a test-only
// look into the database, nothing in the product exposes it), log in, create a
// vehicle with a validation error and fix it, publish it, find it on the public
// home page, invite a salesperson, turn on two-factor, log out — then
// screenshots of every dashboard page at 1440 px and 390 px into build/e2e-shots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
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

const sql = (q) => execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q]).toString().trim();
const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

function totp(secret, t = Date.now() / 1000) {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, val = 0;
  const key = [];
  for (const ch of secret.replace(/\s/g, '')) {
    val = ((val << 5) | A.indexOf(ch)) & 0xffff;
    bits += 5;
    if (bits >= 8) { key.push((val >>> (bits - 8)) & 255); bits -= 8; }
  }
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const h = createHmac('sha1', Buffer.from(key)).update(msg).digest();
  const o = h[19] & 15;
  return String((((h[o] & 127) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3]) % 1000000).padStart(6, '0');
}

test('a new dealer signs up, verifies, lists a car, invites staff, turns on two-factor and logs out', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'de-DE' });
  const page = await ctx.newPage();
  const errors = [];
  // a blocked script or style would show here (422 answers of the form are expected)
  page.on('console', (m) => { if (/Content Security Policy|Refused to/.test(m.text())) errors.push(m.text()); });
  const email = `inhaberin-${Date.now()}@autohaus-sonnenschein.example`;
  const password = 'Sonnenschein-2026!';

  await page.goto(srv.url + '/registrieren');
  await page.fill('#s-company', 'Autohaus Sonnenschein');
  await page.fill('#s-city', 'Freiburg');
  await page.fill('#s-name', 'Sonja Sonnenschein');
  await page.fill('#s-email', email);
  await page.fill('#s-pw', password);
  await shot(page, 'signup-1440');
  await page.click('form button[type=submit]');
  await page.waitForSelector('h1:has-text("Fast geschafft")');

  const mail = sql(`SELECT body FROM outbox WHERE recipient = '${email}'`);
  const link = mail.match(/https?:\/\/\S+\/bestaetigen\?token=[A-Za-z0-9_-]+/)[0];
  await page.goto(link);
  assert.match(await page.locator('h1').textContent(), /bestätigt/);
  assert.notEqual(sql(`SELECT email_verified_at FROM users WHERE email = '${email}'`), '0');

  await page.goto(srv.url + '/dashboard');
  await page.waitForURL(/\/anmelden\?next=/);
  await page.fill('#l-email', email);
  await page.fill('#l-pw', password);
  await page.click('form button[type=submit]');
  await page.waitForURL(/\/dashboard$/);
  assert.match(await page.locator('.empty').textContent(), /Keine Fahrzeuge/);
  await shot(page, 'dash-empty-1440');

  // a vehicle with a validation error, then fixed and published
  await page.click('.page-head a[href="/dashboard/fahrzeuge/neu"]');
  const variant = `Sonnenschein Edition ${Date.now()}`;
  await page.fill('#v-make', 'Mazda');
  await page.fill('#v-model', 'MX-5');
  await page.fill('#v-variant', variant);
  await page.fill('#v-reg', '2022-04');
  await page.fill('#v-km', '12.000 km');
  await page.fill('#v-kw', '97');
  await page.fill('#v-price', '27.490');
  await page.selectOption('#v-status', 'published');
  await page.click('form.vform button[type=submit]');
  await page.waitForSelector('#v-km + .field-error');
  assert.equal(await page.inputValue('#v-variant'), variant, 'what was typed is kept');
  await shot(page, 'dash-vehicle-error-1440');
  await page.fill('#v-km', '12000');
  await page.click('form.vform button[type=submit]');
  await page.waitForURL(/\/dashboard\?saved=1/);
  assert.match(await page.locator('.inventory-table').textContent(), /Mazda MX-5/);
  // a second one like it: duplicate from the edit page, a draft to complete
  await page.click('a.row-title:has-text("Mazda MX-5")');
  await page.click('button[form="dup"]');
  await page.waitForURL(/\?kopie=1$/);
  assert.match(await page.locator('.notice').textContent(), /Kopie angelegt/);
  assert.equal(await page.inputValue('#v-variant'), variant);
  await page.goto(srv.url + '/dashboard?status=draft');
  assert.equal(await page.locator('a.row-title:has-text("Mazda MX-5")').count(), 1, 'the copy is a draft');

  // on the public home page at once, and its own page opens
  await page.goto(srv.url + '/');
  const card = page.locator('.card', { hasText: variant });
  assert.equal(await card.count(), 1, 'the new car is among the newest on the home page');
  await card.locator('a').first().click();
  await page.waitForURL(/\/fahrzeuge\/mazda-mx-5/);
  assert.match(await page.locator('h1').textContent(), /Mazda MX-5/);

  // invite a salesperson
  await page.goto(srv.url + '/dashboard/team');
  await page.fill('#t-email', 'verkauf@autohaus-sonnenschein.example');
  await page.selectOption('#t-role', 'staff');
  await page.click('form[action="/dashboard/team"] button[type=submit]');
  await page.waitForURL(/eingeladen=1/);
  assert.match(await page.locator('.notice').textContent(), /Einladung verschickt/);
  assert.match(sql("SELECT body FROM outbox WHERE recipient = 'verkauf@autohaus-sonnenschein.example'"), /passwort-neu\?token=/);
  await shot(page, 'dash-team-invited-1440');

  // two-factor: scan (here: read) the key, confirm with a code, keep the recovery codes
  await page.goto(srv.url + '/dashboard/konto');
  await page.click('a[href="/dashboard/konto/zwei-faktor"]');
  await page.waitForSelector('svg.qr');
  const secret = (await page.locator('#totp-secret').textContent()).trim();
  await shot(page, 'dash-2fa-setup-1440');
  await page.fill('#t-code', totp(secret));
  await page.fill('#t-password', password);
  await page.click('form[action="/dashboard/konto/zwei-faktor"] button[type=submit]');
  await page.waitForSelector('ol.codes');
  assert.equal(await page.locator('ol.codes li').count(), 10);
  await shot(page, 'dash-recovery-codes-1440');

  // log out; the next login asks for the code
  await page.click('.dash-bar form button[type=submit]');
  await page.waitForURL(srv.url + '/');
  await page.goto(srv.url + '/dashboard');
  await page.waitForURL(/\/anmelden/);
  await page.fill('#l-email', email);
  await page.fill('#l-pw', password);
  await page.click('form button[type=submit]');
  await page.waitForURL(/\/anmelden\/code$/);
  await shot(page, 'login-code-1440');
  await page.fill('#c-code', totp(secret, Date.now() / 1000 + 30));
  await page.click('form button[type=submit]');
  await page.waitForURL(/\/dashboard$/);
  await page.click('.dash-bar form button[type=submit]');
  await page.waitForURL(srv.url + '/');
  assert.deepEqual(errors, [], 'no console errors (CSP violations show up here)');
  await ctx.close();
});

test('screenshots of every dashboard page at 1440 px and 390 px', async () => {
  const pages = [
    ['overview', '/dashboard'],
    ['inventory-search', '/dashboard?q=golf&sort=price_asc'],
    ['vehicle-new', '/dashboard/fahrzeuge/neu'],
    ['vehicle-edit', null], // the first vehicle of the table
    ['finance', '/dashboard/finanzierung'],
    ['team', '/dashboard/team'],
    ['api-tokens', '/dashboard/api-tokens'],
    ['audit', '/dashboard/protokoll'],
    ['account', '/dashboard/konto'],
    ['2fa-setup', '/dashboard/konto/zwei-faktor'],
  ];
  for (const [size, viewport] of [['1440', { width: 1440, height: 900 }], ['390', { width: 390, height: 844 }]]) {
    const ctx = await browser.newContext({ viewport, locale: 'de-DE' });
    const page = await ctx.newPage();
    const errors = [];
    page.on('console', (m) => { if (/Content Security Policy|Refused to/.test(m.text())) errors.push(m.text()); });
    await page.goto(srv.url + '/anmelden');
    await shot(page, `login-${size}`);
    await page.fill('#l-email', `owner@${slugs[0]}.demo`);
    await page.fill('#l-pw', 'cc24-Demo-2026');
    await page.click('form button[type=submit]');
    await page.waitForURL(/\/dashboard$/);
    const edit = await page.locator('a.row-title').first().getAttribute('href');
    for (const [name, p] of pages) {
      await page.goto(srv.url + (p || edit));
      assert.equal(await page.locator('.dash-bar').count(), 1, `${name}: the dashboard frame`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${name} at ${size} px is ${overflow} px wider than the screen`);
      await shot(page, `dash-${name}-${size}`);
    }
    assert.deepEqual(errors, []);
    await ctx.close();
  }
});
