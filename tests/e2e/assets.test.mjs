// The stylesheets and the API description are well-formed: every block of every CSS
// file closes where it should (a lost brace silently swallows the rules after it),
// and docs/openapi.yaml is valid YAML with unique keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers.mjs';

function cssFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'vendor' ? [] : cssFiles(p);
    return e.name.endsWith('.css') ? [p] : [];
  });
}

test('every CSS block is closed and no rule hides inside another', () => {
  const files = cssFiles(path.join(ROOT, 'static'));
  assert.ok(files.length >= 1);
  for (const f of files) {
    const text = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '));
    const stack = [];
    text.split('\n').forEach((line, i) => {
      // a selector block may only open at the top level or directly inside an at-rule
      for (const ch of line) {
        if (ch === '{') {
          const opener = line.trim();
          if (stack.length && !stack[stack.length - 1].at) {
            assert.fail(`${path.relative(ROOT, f)}:${i + 1}: a block opens inside "${stack[stack.length - 1].text}"`);
          }
          stack.push({ line: i + 1, text: opener.slice(0, 60), at: opener.startsWith('@') });
        } else if (ch === '}') {
          assert.ok(stack.length, `${path.relative(ROOT, f)}:${i + 1}: unmatched }`);
          stack.pop();
        }
      }
    });
    assert.deepEqual(stack.map((s) => `${s.line}: ${s.text}`), [], `${path.relative(ROOT, f)}: unclosed blocks`);
  }
});

test('docs/openapi.yaml is valid YAML, OpenAPI 3.1, without duplicate keys', async () => {
  const { parse } = await import('yaml');
  const doc = parse(readFileSync(path.join(ROOT, 'docs/openapi.yaml'), 'utf8'), { uniqueKeys: true, strict: true });
  assert.equal(doc.openapi, '3.1.0');
  assert.ok(Object.keys(doc.paths).length > 50);
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(ops)) {
      if (['get', 'post', 'put', 'patch', 'delete'].includes(m)) assert.ok(op.responses, `${m.toUpperCase()} ${p} has responses`);
    }
  }
});
