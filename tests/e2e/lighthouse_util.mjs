// Lighthouse 12 (npm, pinned) on Debian's Chromium, shared by the page quality gate
// (tests/e2e/lighthouse.test.mjs) and the performance report (bench/lighthouse.sh):
// the pages to audit, one headless Chromium for all runs, one run, and the failing
// audits of a result in readable form.
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import * as chromeLauncher from 'chrome-launcher';
import { execFileSync } from 'node:child_process';
import { BIN, ROOT } from './helpers.mjs';

/**
 * The public pages every gate and report covers, German (plain URL) and English
 * (?lang=en), plus the login page: [{ name, lang, path, seo }]. seo is false where a
 * page is rightly noindex. srv is a running demo server (startServer()).
 */
export async function lighthousePages(srv) {
  const slug = execFileSync(BIN, ['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`], { cwd: ROOT })
    .toString().trim().split('\n')[0];
  // a vehicle with photos (every demo vehicle has some) at its canonical path
  const { items } = await (await fetch(`${srv.url}/api/v1/vehicles/search?size=1&dealer=${slug}`)).json();
  const r = await fetch(`${srv.url}/fahrzeuge/x-${items[0].id}`, { redirect: 'manual' });
  if (r.status !== 301) throw new Error(`vehicle ${items[0].id}: ${r.status}, expected a redirect to its slug`);
  const vehicle = new URL(r.headers.get('location'), srv.url).pathname;
  const pages = [];
  for (const [name, path] of [['home', '/'], ['search', '/fahrzeuge'], ['vehicle', vehicle],
    ['finance', '/finanzierung'], ['showroom', `/haendler/${slug}`]]) {
    pages.push({ name, lang: 'de', path, seo: true });
    pages.push({ name, lang: 'en', path: path + (path.includes('?') ? '&' : '?') + 'lang=en', seo: true });
  }
  pages.push({ name: 'login', lang: 'de', path: '/anmelden', seo: false }); // noindex
  return pages;
}

/** One headless Debian Chromium for every run; returns chrome-launcher's handle ({ port, kill }). */
export function launchChrome() {
  return chromeLauncher.launch({
    chromePath: process.env.CHROMIUM || '/usr/bin/chromium',
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
      '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    logLevel: 'silent',
  });
}

/**
 * Audit url in the Chromium on port: preset 'desktop' or 'mobile' (Lighthouse's
 * default, a throttled mid-range phone), categories as Lighthouse names them, lang
 * the browser's language (its Accept-Language, as a German or English visitor's
 * browser sends it; the page's language itself is the URL's). Returns the result (lhr).
 */
export async function audit(port, url, { preset = 'desktop', categories, lang = 'de' }) {
  const flags = {
    port, output: 'json', logLevel: 'error', onlyCategories: categories,
    extraHeaders: { 'Accept-Language': lang === 'de' ? 'de-DE,de;q=0.9' : 'en-GB,en;q=0.9' },
    disableFullPageScreenshot: true, // only the report shows it; seconds per run
  };
  const config = {
    extends: 'lighthouse:default',
    settings: {
      ...(preset === 'desktop' ? desktopConfig.settings : {}),
      // cookies too: the lang cookie a ?lang=en run leaves would redirect the next plain URL
      // to the English page
      clearStorageTypes: ['cookies', 'file_systems', 'shader_cache', 'service_workers', 'cache_storage'],
    },
  };
  const result = await lighthouse(url, flags, config);
  if (!result || !result.lhr) throw new Error(`no Lighthouse result for ${url}`);
  if (result.lhr.runtimeError) throw new Error(`${url}: ${result.lhr.runtimeError.code} ${result.lhr.runtimeError.message}`);
  return result.lhr;
}

// one line for a detail item: the element's snippet and selector, or its URL, or the text
function item(it) {
  if (it.node) return `${it.node.snippet || ''} (${it.node.selector || ''})${it.node.explanation ? `\n          ${it.node.explanation.replace(/\n\s*/g, ' ')}` : ''}`;
  if (it.href) return `"${it.text ?? ''}" → ${it.href}`;
  if (it.url || it.source?.url) return `${it.url || it.source.url}${it.description ? ` ${it.description}` : ''}`;
  if (it.type === 'subitems') return '';
  return JSON.stringify(it).slice(0, 300);
}

/** The audits of the given categories that do not pass, each with its details, as text lines. */
export function failingAudits(lhr, categories) {
  const out = [];
  const seen = new Set();
  for (const c of categories) {
    for (const ref of lhr.categories[c]?.auditRefs || []) {
      const a = lhr.audits[ref.id];
      if (seen.has(ref.id) || !a || a.score === null || a.score >= 1 || ref.weight === 0) continue;
      seen.add(ref.id);
      out.push(`  ${c}/${a.id} (score ${a.score}): ${a.title}${a.displayValue ? ` — ${a.displayValue}` : ''}`);
      for (const it of (a.details?.items || []).slice(0, 12)) {
        const line = item(it);
        if (line) out.push(`        ${line}`);
        for (const sub of (it.subItems?.items || []).slice(0, 5)) out.push(`          · ${item(sub)}`);
      }
      if (a.explanation) out.push(`        ${a.explanation}`);
    }
  }
  return out;
}
