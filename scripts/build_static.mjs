// build_static.mjs SRC OUT STAMP DEPFILE — the static files as the server serves them.
//
// Mirrors SRC (static/) into OUT (<build>/static): every stylesheet minified with
// Lightning CSS (pinned in package.json, installed by scripts/deps.sh), every other
// file copied as it is. static/ stays the readable source that developers edit; the
// server finds OUT beside its binary (resolve_asset_dir in src/core/config.c), and
// http_static_url hashes what it serves, so a changed stylesheet is a new URL.
//
// Files the server would skip (dot-files) are skipped here too; files that left SRC
// leave OUT. DEPFILE lists every file and folder read, so ninja runs this again when
// a file changes, appears or goes away; STAMP is the target ninja tracks.
import { readdirSync, readFileSync, writeFileSync, mkdirSync, statSync, rmSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [src, out, stamp, depfile] = process.argv.slice(2);
if (!depfile) {
  console.error('usage: build_static.mjs SRC OUT STAMP DEPFILE');
  process.exit(2);
}

// the tool from the project's node_modules; package-lock.json pins it (a new version
// changes the lock file, which is why the lock file is a dependency)
const lock = path.join(path.resolve(src), '..', 'package-lock.json');
const require = createRequire(lock);
let lightningcss;
try {
  lightningcss = require('lightningcss');
} catch (e) {
  console.error(`build_static: lightningcss is not installed (${e.code || e.message}); run scripts/deps.sh`);
  process.exit(1);
}

const deps = [lock];
const wanted = new Set();

function minify(file, code) {
  const r = lightningcss.transform({ filename: file, code, minify: true });
  for (const w of r.warnings) console.error(`build_static: ${file}: ${w.message}`);
  return r.code;
}

// Write only what differs, so unchanged files keep their time stamps.
function put(dst, data) {
  try {
    if (readFileSync(dst).equals(data)) return;
  } catch { /* new file */ }
  mkdirSync(path.dirname(dst), { recursive: true });
  writeFileSync(dst, data);
}

function walk(rel) {
  const dir = path.join(src, rel);
  deps.push(dir);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const r = path.join(rel, e.name);
    const from = path.join(src, r);
    const st = statSync(from, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) {
      walk(r);
      continue;
    }
    if (!st.isFile()) continue;
    deps.push(from);
    wanted.add(r);
    const to = path.join(out, r);
    if (e.name.endsWith('.css')) put(to, Buffer.from(minify(r, readFileSync(from))));
    else put(to, readFileSync(from));
  }
}

// Remove what is no longer in SRC (a deleted or renamed file must not be served on).
function prune(rel) {
  const dir = path.join(out, rel);
  let left = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) {
      if (prune(r)) left++;
      else rmSync(path.join(out, r), { recursive: true, force: true });
    } else if (wanted.has(r)) {
      left++;
    } else {
      rmSync(path.join(out, r), { force: true });
    }
  }
  return left;
}

// front-end libraries from npm (pinned in package-lock.json), served like our own files
const vendored = [['sortablejs/Sortable.min.js', 'js/vendor/sortable.min.js']];
function vendor() {
  for (const [mod, rel] of vendored) {
    let from;
    try {
      from = require.resolve(mod);
    } catch (e) {
      console.error(`build_static: ${mod} is not installed (${e.code || e.message}); run scripts/deps.sh`);
      process.exit(1);
    }
    deps.push(from);
    wanted.add(rel);
    put(path.join(out, rel), readFileSync(from));
  }
}

mkdirSync(out, { recursive: true });
walk('');
vendor();
prune('');

// the target as ninja names it (as given), the inputs as absolute paths
const esc = (p) => p.replace(/([ #])/g, '\\$1');
writeFileSync(depfile, `${esc(stamp)}: ${deps.map((d) => esc(path.resolve(d))).join(' \\\n  ')}\n`);
writeFileSync(stamp, `${wanted.size} files\n`);
