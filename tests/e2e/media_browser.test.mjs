// The photos in a real browser: the dealer's uploader in the vehicle form (many files at
// once, processing shown until ready, keyboard reorder, alt text, delete), the logo on
// the profile page and in the showroom, cover thumbnails in the inventory and the
// Börse, and the public gallery (keyboard, full screen). Screenshots go to build/e2e-shots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, launchBrowser, SHOTS, cc24, demoKey } from './helpers.mjs';
import { CAR_JPEG, CAR_PNG } from './media_util.mjs';

let srv;
let browser;
let close;
let slug;

before(async () => {
  srv = await startServer({ env: { CC24_WORKERS: '2' } });
  slug = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n')[0];
  ({ browser, close } = await launchBrowser());
});
after(async () => {
  if (close) await close();
  if (srv) await srv.stop();
});

const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

async function login(page) {
  await page.goto(srv.url + '/anmelden');
  await page.fill('input[name=email]', `owner@${slug}.demo`);
  await page.fill('input[name=password]', 'cc24-Demo-2026');
  await Promise.all([page.waitForURL(/\/dashboard/), page.click('form button[type=submit]')]);
}

async function apiPhotos(vid) {
  const r = await fetch(srv.url + `/api/v1/vehicles/${vid}/photos`, { headers: { Authorization: `Bearer ${demoKey(slug)}` } });
  assert.equal(r.status, 200);
  return (await r.json()).photos;
}

async function newVehicle() {
  const r = await fetch(srv.url + '/api/v1/vehicles', {
    method: 'POST',
    headers: { Authorization: `Bearer ${demoKey(slug)}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ make: 'BMW', model: '320d', body: 'estate', condition: 'used', first_registration: '2020-03',
      mileage_km: 61000, power_kw: 140, fuel: 'diesel', gearbox: 'automatic', price_cents: 2899000, vat_mode: 'margin', status: 'published' }),
  });
  assert.equal(r.status, 201);
  return (await r.json()).id;
}

test('the uploader: three files at once, processing until ready, keyboard reorder, alt text, delete', async () => {
  const vid = await newVehicle();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'de-DE' });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page);
  await page.goto(srv.url + `/dashboard/fahrzeuge/${vid}`);
  const input = page.locator('[data-photos] [data-file]');
  await input.setInputFiles([
    { name: 'front.jpg', mimeType: 'image/jpeg', buffer: CAR_JPEG() },
    { name: 'side.png', mimeType: 'image/png', buffer: CAR_PNG() },
    { name: 'not-a-photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('this is text, not a JPEG') },
  ]);
  // the two images end up ready with a thumbnail; the text file shows its error inline
  await page.waitForFunction(() => document.querySelectorAll('.photo-item[data-state="ready"] .photo-thumb img').length === 2, null, { timeout: 30000 });
  const failed = page.locator('.photo-item.is-failed');
  await assert.doesNotReject(failed.first().waitFor({ timeout: 5000 }));
  assert.match(await failed.first().textContent(), /JPEG|Bild|image|lesen|read/i);
  // three uploads run in parallel and finish in any order; the server keeps the order of
  // the files as the page shows them
  const dom = () => page.evaluate(() => [...document.querySelectorAll('.photo-item[data-photo]')].map((li) => li.getAttribute('data-photo')));
  const [first, second] = await dom();
  let ps = await apiPhotos(vid);
  for (let i = 0; i < 50 && ps.map((p) => p.id).join() !== [first, second].join(); i++) {
    await new Promise((r) => setTimeout(r, 100));
    ps = await apiPhotos(vid);
  }
  assert.equal(ps.length, 2, 'the text file was not stored');
  assert.ok(ps.every((p) => p.state === 'ready'));
  assert.deepEqual(ps.map((p) => p.id), [first, second], 'the server has the order of the page');
  await page.locator('.photo-item.is-failed [data-delete]').click(); // dismiss the error
  await shot(page, 'media-uploader');

  // keyboard: Alt+ArrowRight on the cover moves it back one place
  await page.locator(`.photo-item[data-photo="${first}"]`).focus();
  await page.keyboard.press('Alt+ArrowRight');
  await page.waitForFunction(() => document.querySelector('[data-photo-status]').textContent.length > 0);
  for (let i = 0; i < 50 && (await apiPhotos(vid))[0].id !== second; i++) await new Promise((r) => setTimeout(r, 100));
  ps = await apiPhotos(vid);
  assert.deepEqual(ps.map((p) => p.id), [second, first], 'the new order is saved');
  // alt text
  const alt = page.locator(`.photo-item[data-photo="${first}"] [data-alt]`);
  await alt.fill('BMW 320d Seitenansicht');
  await alt.press('Tab');
  for (let i = 0; i < 50 && (await apiPhotos(vid)).find((p) => p.id === first).alt === ''; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal((await apiPhotos(vid)).find((p) => p.id === first).alt, 'BMW 320d Seitenansicht');
  // delete: the first click arms, the second deletes
  const del = page.locator(`.photo-item[data-photo="${first}"] [data-delete]`);
  await del.click();
  await del.click();
  await page.locator(`.photo-item[data-photo="${first}"]`).waitFor({ state: 'detached', timeout: 5000 });
  assert.deepEqual((await apiPhotos(vid)).map((p) => p.id), [second]);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the logo: uploaded on the profile page, shown there and in the showroom', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'de-DE' });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await login(page);
  await page.goto(srv.url + '/dashboard/profil');
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100" viewBox="0 0 300 100">' +
    '<rect width="300" height="100" rx="14" fill="#0b4f8a"/><text x="150" y="64" font-family="sans-serif" font-size="44" fill="#fff" text-anchor="middle">AUTOHAUS</text></svg>');
  await Promise.all([
    page.waitForEvent('load', { timeout: 30000 }),
    page.locator('[data-logo-file]').setInputFiles({ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: svg }),
  ]);
  const img = page.locator('[data-logo-preview] img');
  await img.waitFor({ timeout: 30000 });
  assert.match(await img.getAttribute('src'), /^\/img\//);
  assert.ok(await img.evaluate((i) => i.complete && i.naturalWidth > 0), 'the preview loads');
  await shot(page, 'media-profile-logo');
  // the showroom shows it (a PNG from the CDN), at its own proportions
  await page.goto(srv.url + `/haendler/${slug}`);
  const logo = page.locator('.sr-logo img');
  await logo.waitFor();
  assert.match(await logo.getAttribute('src'), /^\/img\//);
  assert.equal(await logo.getAttribute('width'), '192', '300 × 100 at 64 px high');
  assert.ok(await logo.evaluate((i) => i.complete && i.naturalWidth > 0));
  await shot(page, 'media-showroom-logo');
  // and the dealer card of each of the dealer's vehicle pages, 40 px high
  const mine = await (await fetch(srv.url + '/api/v1/vehicles?size=50', { headers: { Authorization: `Bearer ${demoKey(slug)}` } })).json();
  const vid = (mine.items || []).find((x) => x.status === 'published')?.id;
  assert.ok(vid, 'the dealer has a published vehicle');
  await page.goto(srv.url + `/fahrzeuge/x-${vid}`);
  const card = page.locator('.dealer-card img.dealer-logo');
  assert.match(await card.getAttribute('src'), /^\/img\//);
  assert.equal(await card.getAttribute('height'), '40');
  assert.equal(await card.getAttribute('width'), '120', '300 × 100 at 40 px high');
  // removing it brings back what the profile had before (the demo dealers have a logo file
  // among the assets)
  await page.goto(srv.url + '/dashboard/profil');
  await Promise.all([page.waitForEvent('load'), page.click('[data-logo-delete]')]);
  assert.equal(await page.locator('[data-logo-preview] img').count(), 0);
  await page.goto(srv.url + `/haendler/${slug}`);
  const after = page.locator('.sr-logo img');
  if (await after.count()) assert.match(await after.getAttribute('src'), /^\/static\//);
  else assert.equal(await page.locator('.sr-monogram').count(), 1);
  await page.goto(srv.url + `/fahrzeuge/x-${vid}`);
  assert.equal(await page.locator('.dealer-card img').count(), 0, 'no logo on the card once it is removed');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('covers in the inventory and the Börse; the public gallery with keyboard and full screen', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'de-DE' });
  const page = await ctx.newPage();
  await login(page);
  await page.goto(srv.url + '/dashboard');
  const thumbs = page.locator('.inventory-table .row-thumb img.photo');
  assert.ok(await thumbs.count() > 0, 'the demo stock shows its covers');
  await page.waitForFunction(() => [...document.querySelectorAll('.row-thumb img.photo')].slice(0, 3).every((i) => i.complete && i.naturalWidth > 0));
  await shot(page, 'media-inventory');
  await page.goto(srv.url + '/boerse');
  const cards = page.locator('.boerse-card img.photo');
  assert.ok(await cards.count() > 0, 'Börse cards show the cover');
  await shot(page, 'media-boerse');

  // a public vehicle page with several photos
  const pub = ctx.request;
  const s = await (await pub.get(srv.url + '/api/v1/vehicles/search?size=50')).json();
  let target = null;
  for (const it of s.items) {
    const v = await (await pub.get(srv.url + `/api/v1/vehicles/${it.id}`)).json();
    if ((v.photos || []).filter((p) => p.state === 'ready').length >= 3) { target = v; break; }
  }
  assert.ok(target, 'a demo vehicle with three photos or more');
  const anon = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'de-DE' });
  const vp = await anon.newPage();
  await vp.goto(srv.url + `/fahrzeuge/x-${target.id}`);
  await vp.waitForLoadState('networkidle');
  const og = await vp.locator('meta[property="og:image"]').getAttribute('content');
  assert.match(og, /\/img\//, 'og:image is a real photo');
  const ld = JSON.parse(await vp.locator('script[type="application/ld+json"]').first().textContent());
  const item = Array.isArray(ld) ? ld.find((x) => x.image) : ld;
  assert.ok(Array.isArray(item.image) && item.image.length >= 3, 'JSON-LD lists the photos');
  const slides = vp.locator('.gallery .slide');
  assert.ok(await slides.count() >= 3);
  assert.ok(await vp.locator('.gallery .slide img.photo').first().evaluate((i) => i.complete && i.naturalWidth > 0));
  await shot(vp, 'media-vehicle-gallery');
  // desktop: the offer sits in the second column beside the gallery
  const [gal, box] = await Promise.all(['.gallery', '.buybox'].map((s) => vp.locator(s).boundingBox()));
  assert.ok(box.x >= gal.x + gal.width, 'the offer is beside the gallery on a desktop');
  assert.ok(Math.abs(box.y - gal.y) < 2, 'offer and gallery start at the same height');
  await anon.close();

  // a phone: the HTML's own order is gallery, offer, details, so nothing moves when the
  // offer arrives while the page streams in (Lighthouse measured CLS 0.41 when the
  // details came first in the source and CSS moved the offer above them), and nothing
  // is wider than the screen
  const phone = await browser.newContext({ viewport: { width: 412, height: 823 }, deviceScaleFactor: 1.75, isMobile: true, locale: 'de-DE' });
  const pp = await phone.newPage();
  await pp.goto(srv.url + `/fahrzeuge/x-${target.id}`);
  const order = await pp.evaluate(() => {
    const all = [...document.querySelectorAll('.vehicle-head .gallery, .vehicle-head .buybox, .vehicle-head .vehicle-main > section')];
    return all.map((e) => (e.matches('.gallery') ? 'gallery' : e.matches('.buybox') ? 'offer' : 'details'));
  });
  assert.deepEqual(order.slice(0, 3), ['gallery', 'offer', 'details'], 'source order');
  const ys = await pp.evaluate(() => ['.gallery', '.buybox', '.vehicle-main > section'].map((s) => document.querySelector(s).getBoundingClientRect().y));
  assert.ok(ys[0] < ys[1] && ys[1] < ys[2], `shown in source order on a phone: ${ys}`);
  assert.equal(await pp.evaluate(() => document.documentElement.scrollWidth), 412, 'no horizontal scrolling on a phone');
  await shot(pp, 'media-vehicle-phone');
  await phone.close();
  await ctx.close();
});
