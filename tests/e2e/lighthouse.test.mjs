// The page quality gate with Lighthouse 12 (desktop preset, Debian's Chromium, one
// browser for all runs): home, search, a vehicle page with photos, financing and a
// dealer's showroom, each in German and English, and the login page score 100 in
// Accessibility, Best practices and SEO (the login page without SEO: it is rightly
// noindex). Performance is measured by bench/lighthouse.sh and never asserted here.
// A failing page prints its failing audits with their details; a table of all scores
// is printed either way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers.mjs';
import { lighthousePages, launchChrome, audit, failingAudits } from './lighthouse_util.mjs';

let srv;
let chrome;

before(async () => {
  srv = await startServer();
  chrome = await launchChrome();
});
after(async () => {
  if (chrome) await chrome.kill();
  if (srv) await srv.stop();
});

test('Lighthouse: Accessibility, Best practices and SEO are 100 on the public pages, German and English', { timeout: 15 * 60e3 }, async () => {
  const pages = await lighthousePages(srv);
  assert.ok(pages.length >= 11, 'every page type');
  const rows = [];
  const failures = [];
  for (const p of pages) {
    const categories = ['accessibility', 'best-practices', ...(p.seo ? ['seo'] : [])];
    const lhr = await audit(chrome.port, srv.url + p.path, { preset: 'desktop', categories, lang: p.lang });
    const score = (c) => (lhr.categories[c] ? Math.round(lhr.categories[c].score * 100) : null);
    rows.push({ page: p.name, lang: p.lang, path: p.path.length > 48 ? p.path.slice(0, 45) + '…' : p.path,
      accessibility: score('accessibility'), 'best-practices': score('best-practices'), seo: p.seo ? score('seo') : '–' });
    const bad = categories.filter((c) => score(c) !== 100);
    if (bad.length) failures.push(`${p.name} (${p.lang}) ${p.path}: ${bad.map((c) => `${c} ${score(c)}`).join(', ')}\n${failingAudits(lhr, bad).join('\n')}`);
  }
  console.log('Lighthouse (desktop) scores:');
  console.table(rows);
  if (failures.length) console.log(`Failing audits:\n${failures.join('\n')}`);
  assert.deepEqual(failures, [], 'every category at 100 (failing audits listed above)');
});
