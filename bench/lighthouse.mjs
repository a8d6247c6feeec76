// The Lighthouse performance report (bench/lighthouse.sh runs it): the pages of the
// quality gate (tests/e2e/lighthouse_util.mjs), German and English, each with the
// mobile preset (Lighthouse's default: a throttled mid-range phone, simulated) and the
// desktop preset, in one headless Chromium against a demo server of the binary in
// CC24_BIN. Per page: the performance score, LCP, CLS, TBT and the bytes transferred,
// and the other three category scores for reference. Nothing is asserted.
// Usage: node bench/lighthouse.mjs OUT_FILE
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, ROOT } from '../tests/e2e/helpers.mjs';
import { lighthousePages, launchChrome, audit } from '../tests/e2e/lighthouse_util.mjs';

const out = process.argv[2];
if (!out) throw new Error('usage: node bench/lighthouse.mjs OUT_FILE');

const srv = await startServer();
let chrome;
const rows = [];
try {
  chrome = await launchChrome();
  const pages = await lighthousePages(srv);
  const categories = ['performance', 'accessibility', 'best-practices', 'seo'];
  for (const preset of ['mobile', 'desktop']) {
    for (const p of pages) {
      const lhr = await audit(chrome.port, srv.url + p.path, { preset, categories, lang: p.lang });
      const num = (id) => lhr.audits[id]?.numericValue;
      const score = (c) => (lhr.categories[c]?.score == null ? '–' : String(Math.round(lhr.categories[c].score * 100)));
      rows.push([preset, `${p.name} (${p.lang})`, score('performance'),
        `${(num('largest-contentful-paint') / 1000).toFixed(2)} s`, num('cumulative-layout-shift').toFixed(3),
        `${Math.round(num('total-blocking-time'))} ms`, `${(num('total-byte-weight') / 1024).toFixed(0)} KiB`,
        score('accessibility'), score('best-practices'), p.seo ? score('seo') : '–']);
      process.stderr.write(`${preset} ${p.name} (${p.lang}): performance ${score('performance')}\n`);
    }
  }
} finally {
  if (chrome) await chrome.kill();
  await srv.stop();
}

const head = ['preset', 'page', 'perf', 'LCP', 'CLS', 'TBT', 'transferred', 'a11y', 'best-pr.', 'SEO'];
const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) => r.map((c, i) => (i < 2 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
const text = [
  `Lighthouse ${JSON.parse(readFileSync(path.join(ROOT, 'node_modules/lighthouse/package.json'))).version}, Chromium headless, release build, demo data, ${new Date().toISOString()}`,
  'mobile = simulated slow 4G and 4x CPU slowdown; desktop = Lighthouse desktop preset. Never asserted.',
  '',
  line(head),
  line(width.map((w) => '-'.repeat(w))),
  ...rows.map(line),
  '',
].join('\n');
writeFileSync(out, text);
process.stdout.write(text);
