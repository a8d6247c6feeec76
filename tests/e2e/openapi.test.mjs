// Every route of the route table is documented in docs/openapi.yaml (and the
// document served at /api/v1/openapi.yaml is that file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cc24, ROOT, startServer } from './helpers.mjs';

function documentedOperations(yaml) {
  // A small reader for our own file's layout: "  /path:" at indent 2 under "paths:",
  // methods at indent 4.
  const ops = new Set();
  let inPaths = false;
  let current = null;
  for (const line of yaml.split('\n')) {
    if (/^paths:\s*$/.test(line)) { inPaths = true; continue; }
    if (inPaths && /^\S/.test(line)) inPaths = false;
    if (!inPaths) continue;
    let m = line.match(/^  (\/\S*):\s*$/);
    if (m) { current = m[1]; continue; }
    m = line.match(/^    (get|post|put|patch|delete):/);
    if (m && current) ops.add(`${m[1].toUpperCase()} ${current}`);
  }
  return ops;
}

test('every route in the router table appears in docs/openapi.yaml', () => {
  const yaml = readFileSync(path.join(ROOT, 'docs/openapi.yaml'), 'utf8');
  const ops = documentedOperations(yaml);
  const routes = cc24(['routes']).trim().split('\n').map((l) => l.split(' '));
  assert.ok(routes.length >= 10);
  const missing = [];
  for (const [method, pattern] of routes) {
    const p = pattern.replace(/\{\*(\w+)\}/, '{$1}');
    if (!ops.has(`${method} ${p}`)) missing.push(`${method} ${pattern}`);
  }
  assert.deepEqual(missing, [], 'undocumented routes');
});

test('the API serves its own description', async () => {
  const srv = await startServer({ demo: false });
  try {
    const r = await fetch(srv.url + '/api/v1/openapi.yaml');
    assert.equal(r.status, 200);
    const text = await r.text();
    assert.equal(text, readFileSync(path.join(ROOT, 'docs/openapi.yaml'), 'utf8'));
  } finally {
    await srv.stop();
  }
});
