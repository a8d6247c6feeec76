// Accessibility check for browser tests: runs axe-core (pinned in package-lock.json)
// inside a Playwright page and fails on serious or critical violations. The script
// is evaluated through the DevTools protocol, so the page's CSP (no inline scripts)
// stays as it is. Use it for any page:
//
//   import { assertAccessible } from './a11y.mjs';
//   await page.goto(url); await assertAccessible(page, 'dashboard');
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
let source = null;

/** Run axe on the current page; returns the violations (all impacts). */
export async function axeViolations(page, options = {}) {
  if (!source) source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) await page.evaluate(source);
  return page.evaluate(async (opts) => {
    const r = await window.axe.run(document, { resultTypes: ['violations'], ...opts });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  }, options);
}

/** Fail when the page has serious or critical violations (the message lists them). */
export async function assertAccessible(page, label, options = {}) {
  const v = await axeViolations(page, options);
  const bad = v.filter((x) => x.impact === 'serious' || x.impact === 'critical');
  assert.deepEqual(bad, [], `${label}: accessibility violations\n${JSON.stringify(bad, null, 2)}`);
  return v;
}
