// Buyer accounts in Chromium: anonymous hearts go to localStorage; "Suche speichern"
// sends the anonymous visitor to the login and back; the login merges the browser's
// favourites into the account once; the search is saved and listed with its count;
// hearts toggle in the background. Every new page is checked with axe-core and
// photographed at 1440 and 390 px (build/e2e-shots/buyer-*.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer, launchBrowser, SHOTS } from './helpers.mjs';
import { assertAccessible } from './a11y.mjs';

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

const sql = (q) => execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q]).toString().trim();
const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `buyer-${name}.png`), fullPage: true });
const EMAIL = 'lena.lorenz@kaeufer.example';
const PASSWORD = 'Lena-sucht-einen-Kombi';

async function both(page, name, label) {
  await assertAccessible(page, `${label} (1440 px)`);
  await shot(page, `${name}-1440`);
  await page.setViewportSize({ width: 390, height: 844 });
  await assertAccessible(page, `${label} (390 px)`);
  await shot(page, `${name}-390`);
  await page.setViewportSize({ width: 1440, height: 900 });
}

test('anonymous hearts, login merges them, save a search, see it in /konto/suchen', async () => {
  // the account exists already (signed up earlier, logged out since)
  const signup = await fetch(srv.url + '/konto/registrieren', { method: 'POST', redirect: 'manual', body: new URLSearchParams({ name: 'Lena Lorenz', email: EMAIL, password: PASSWORD }) });
  assert.equal(signup.status, 303);

  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'de-DE' });
  const page = await ctx.newPage();
  const csp = [];
  page.on('console', (m) => { if (/Content Security Policy|Refused to/.test(m.text())) csp.push(m.text()); });

  // anonymous: two hearts, kept in this browser
  await page.goto(srv.url + '/fahrzeuge?make=BMW');
  const hearts = page.locator('.card [data-fav]');
  await hearts.first().waitFor();
  const ids = [await hearts.nth(0).getAttribute('data-fav'), await hearts.nth(1).getAttribute('data-fav')];
  await hearts.nth(0).click();
  await hearts.nth(1).click();
  assert.equal(await hearts.nth(0).getAttribute('aria-pressed'), 'true');
  assert.equal(await page.locator('[data-fav-count]').textContent(), '2');
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('cc24.favourites')));
  assert.deepEqual(stored.sort(), [...ids].sort());

  // "Suche speichern" → the login → back to the save form
  await page.click('a:has-text("Suche speichern")');
  await page.waitForURL(/\/anmelden\?next=/);
  await page.fill('#l-email', EMAIL);
  await page.fill('#l-pw', PASSWORD);
  await page.click('form button[type=submit]');
  await page.waitForURL(/\/konto\/suchen\?query=/);
  // the browser's favourites went into the account, once
  await page.waitForFunction(() => document.querySelector('[data-fav-count]').textContent === '2');
  await page.waitForFunction(() => localStorage.getItem('cc24.favourites') === null);
  assert.equal(sql(`SELECT COUNT(*) FROM favourites f JOIN users u ON u.id = f.user_id WHERE u.email = '${EMAIL}'`), '2');
  assert.match(await page.inputValue('#s-new-name'), /BMW/, 'a name from the filters');
  await both(page, 'save-search', 'save a search');
  await page.fill('#s-new-name', 'Mein BMW');
  await page.check('input[name=alert]');
  await page.click('.save-search button[type=submit]');
  await page.waitForURL(/\/konto\/suchen\?ok=gespeichert/);
  const item = page.locator('.search-item').first();
  assert.match(await item.locator('.search-name').textContent(), /Mein BMW/);
  const total = (await (await fetch(srv.url + '/api/v1/vehicles/search?make=BMW&size=1')).json()).total;
  assert.match(await item.locator('a.btn-primary').textContent(), new RegExp(`^${total} Treffer$`));
  assert.match(await item.textContent(), /Alarm an/);
  await both(page, 'searches', 'saved searches');

  // the account's favourites; a heart posts in the background and the card goes
  await page.goto(srv.url + '/merkliste');
  assert.equal(await page.locator('.grid .card').count(), 2);
  await both(page, 'favourites', 'favourites (account)');
  const heart = page.locator('.grid .card form[data-fav-form] button').first();
  assert.equal(await heart.getAttribute('aria-pressed'), 'true');
  await heart.click();
  await page.waitForFunction(() => document.querySelectorAll('.grid .card').length === 1);
  assert.equal(await page.locator('[data-fav-count]').textContent(), '1');
  assert.equal(sql(`SELECT COUNT(*) FROM favourites f JOIN users u ON u.id = f.user_id WHERE u.email = '${EMAIL}'`), '1');
  // the dealer sells the other one: still listed, as no longer available
  const left = await page.locator('.grid .card form[data-fav-form] input[name=vehicle]').first().inputValue();
  const seller = sql(`SELECT t.slug FROM vehicles v JOIN tenants t ON t.id = v.tenant_id WHERE v.public_id = '${left}'`);
  const sold = await fetch(srv.url + `/api/v1/vehicles/${left}`, { method: 'PATCH', headers: { Authorization: `Bearer demo-key-${seller}`, 'Content-Type': 'application/json' }, body: '{"status":"sold"}' });
  assert.equal(sold.status, 200);
  await page.reload();
  assert.equal(await page.locator('.grid .card').count(), 0);
  assert.match(await page.locator('.fav-gone').textContent(), /nicht mehr verfügbar/);
  await both(page, 'favourites-gone', 'favourites with a sold vehicle');
  // on a search page, a heart adds without leaving the page
  await page.goto(srv.url + '/fahrzeuge?make=BMW');
  const vid = await page.locator('.card form[data-fav-form]:has(button[aria-pressed="false"]) input[name=vehicle]').first().inputValue();
  const off = page.locator(`.card form[data-fav-form]:has(input[value="${vid}"]) button`);
  await off.click();
  await page.waitForFunction(() => document.querySelector('[data-fav-count]').textContent === '2');
  assert.equal(await off.getAttribute('aria-pressed'), 'true');
  await both(page, 'search-hearts', 'search page of a logged-in buyer');
  assert.equal(await off.getAttribute('value'), 'remove', 'the next click removes');
  assert.match(page.url(), /\/fahrzeuge\?make=BMW$/);

  await page.goto(srv.url + '/konto');
  await both(page, 'account', 'account');

  // the unsubscribe page of an alert mail (the token signed as the job signs it)
  const sid = sql(`SELECT public_id FROM saved_searches WHERE name = 'Mein BMW'`);
  await page.goto(srv.url + `/suchalarm/abbestellen?t=${sid}.${'0'.repeat(32)}`);
  assert.match(await page.locator('h1').textContent(), /Link ungültig/);
  await ctx.close();
  assert.deepEqual(csp, [], 'no CSP violations');
});

test('sign-up page, inline errors, the English account and the unsubscribe page', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'de-DE' });
  const page = await ctx.newPage();
  await page.goto(srv.url + '/konto/registrieren');
  await both(page, 'signup', 'buyer sign-up');
  await page.fill('#b-name', 'Tom Test');
  await page.fill('#b-email', 'keine-adresse');
  await page.fill('#b-pw', 'kurz');
  await page.click('form button[type=submit]');
  await page.waitForSelector('.field-error');
  assert.equal(await page.inputValue('#b-name'), 'Tom Test', 'what was typed stays');
  assert.equal(await page.getAttribute('#b-email', 'aria-invalid'), 'true');
  await both(page, 'signup-errors', 'buyer sign-up with errors');
  await page.fill('#b-email', 'tom.test@kaeufer.example');
  await page.fill('#b-pw', 'Tom-testet-gern-2026');
  await page.click('form button[type=submit]');
  await page.waitForURL(/\/konto\?ok=willkommen$/);
  assert.match(await page.locator('.notice').textContent(), /Willkommen/);

  // English
  await page.goto(srv.url + '/konto/suchen?lang=en&query=' + encodeURIComponent('fuel=electric&price_max=40000'));
  assert.match(await page.locator('h1').textContent(), /Saved searches/);
  await page.click('.save-search button[type=submit]');
  await page.waitForURL(/ok=gespeichert/);
  await both(page, 'searches-en', 'saved searches (English)');
  // the mails in English from now on
  await page.goto(srv.url + '/konto');
  await page.selectOption('#k-locale', 'en');
  await page.click('form[action="/konto"] button[type=submit]');
  await page.waitForURL(/ok=profil/);
  assert.equal(sql("SELECT locale FROM users WHERE email = 'tom.test@kaeufer.example'"), 'en');

  // an alert switched off from the mail's link, without login
  const sid = sql("SELECT s.public_id FROM saved_searches s JOIN users u ON u.id = s.user_id WHERE u.email = 'tom.test@kaeufer.example'");
  const anon = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'de-DE' });
  const p2 = await anon.newPage();
  // the real token comes from a mail; here the alert job writes one for a new vehicle
  const key = { Authorization: 'Bearer demo-key-' + sql('SELECT slug FROM tenants ORDER BY id LIMIT 1'), 'Content-Type': 'application/json' };
  sql("UPDATE users SET email_verified_at = 1 WHERE email = 'tom.test@kaeufer.example'");
  await new Promise((r) => setTimeout(r, 1100));
  const made = await fetch(srv.url + '/api/v1/vehicles', { method: 'POST', headers: key, body: JSON.stringify({ make: 'Tesla', model: 'Model 3', body: 'saloon', condition: 'used', first_registration: '2022-05', mileage_km: 21000, power_kw: 220, fuel: 'electric', gearbox: 'automatic', price_cents: 3590000, vat_mode: 'margin', status: 'published' }) });
  assert.equal(made.status, 201);
  await new Promise((r) => setTimeout(r, 3500));
  sql("INSERT INTO jobs (kind, payload, state, run_at, attempts, max_attempts, created_at) VALUES ('buyer.alerts', '{}', 'queued', 0, 0, 8, 0)");
  let body = '';
  for (let i = 0; i < 100 && !body; i++) {
    body = sql("SELECT body FROM outbox WHERE recipient = 'tom.test@kaeufer.example' AND subject LIKE '%vehicle%'");
    if (!body) await new Promise((r) => setTimeout(r, 150));
  }
  assert.match(body, /Hello Tom Test,/, 'the mail in the language the buyer chose');
  const link = body.match(/https?:\/\/\S+\/suchalarm\/abbestellen\?t=\S+/)[0].replace(/^https?:\/\/[^/]+/, srv.url);
  await p2.goto(link);
  await both(p2, 'unsubscribe', 'unsubscribe');
  await p2.click('form button[type=submit]');
  await p2.waitForSelector('.notice');
  assert.match(await p2.locator('.notice').textContent(), /unsubscribed|abbestellt|off/i);
  await shot(p2, 'unsubscribed-1440');
  assert.equal(sql(`SELECT alert FROM saved_searches WHERE public_id = '${sid}'`), '0');
  await anon.close();

  // delete the account: the password and the tick, then a page that says it is done
  await page.goto(srv.url + '/konto?lang=de');
  await page.fill('#k-del-pw', 'Tom-testet-gern-2026');
  await page.click('form[action="/konto/loeschen"] button[type=submit]');
  await page.waitForSelector('#k-confirm-err');
  assert.equal(sql("SELECT COUNT(*) FROM users WHERE email = 'tom.test@kaeufer.example'"), '1', 'not without the tick');
  await page.fill('#k-del-pw', 'Tom-testet-gern-2026');
  await page.check('input[name=confirm]');
  await page.click('form[action="/konto/loeschen"] button[type=submit]');
  await page.waitForSelector('h1:has-text("Konto gelöscht")');
  await both(page, 'deleted', 'account deleted');
  assert.equal(sql("SELECT COUNT(*) FROM users WHERE email = 'tom.test@kaeufer.example'"), '0');
  assert.equal(await page.locator('.nav-account').getAttribute('href'), '/anmelden', 'logged out');
  await ctx.close();
});
