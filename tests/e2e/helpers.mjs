// Shared helpers for the end-to-end tests: start a real `cc24 serve` on a free
// loopback port with a fresh database (SQLite by default, PostgreSQL when
// CC24_PG_URL is set and the caller asks for it), wait until it is ready, and
// stop it afterwards. Also a Chromium launcher for browser tests.
import { test } from 'node:test';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.CC24_BIN || path.join(ROOT, 'build/cc24');
export const SHOTS = path.join(ROOT, 'build/e2e-shots');

export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// The backends a test runs on: SQLite, and PostgreSQL when CC24_PG_URL names a server.
// Never a quiet drop: under `make check` (CC24_CHECK=1, where PostgreSQL is started) a
// missing URL is an error; run by hand without it, the calling file reports one skipped
// test for its PostgreSQL variants, so node's "# skipped" count shows them.
export const backends = () => {
  if (process.env.CC24_PG_URL) return ['sqlite', 'postgresql'];
  if (process.env.CC24_CHECK === '1') throw new Error('make check: CC24_PG_URL is empty, the PostgreSQL variants cannot run');
  test('the PostgreSQL variants of this file', { skip: 'CC24_PG_URL not set (scripts/pg-test.sh)' }, () => {});
  return ['sqlite'];
};

// A fresh PostgreSQL database on the harness server; returns its URL.
export function freshPgDatabase() {
  const base = process.env.CC24_PG_URL;
  const name = 'cc24_e2e_' + Math.random().toString(36).slice(2, 10);
  execFileSync('psql', [base, '-qAtc', `CREATE DATABASE ${name}`], { stdio: 'pipe' });
  const u = new URL(base);
  u.pathname = '/' + name;
  return u.toString();
}

export function dropPgDatabase(url) {
  const name = new URL(url).pathname.slice(1);
  try {
    execFileSync('psql', [process.env.CC24_PG_URL, '-qAtc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { stdio: 'pipe' });
  } catch { /* best effort */ }
}

// Run a cc24 command to completion; returns stdout.
export function cc24(args, env = {}) {
  return execFileSync(BIN, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/**
 * Start `cc24 serve`. opts: { backend: 'sqlite'|'postgresql', databaseUrl, demo (default true),
 * env: {}, args: [] }. Returns { url, port, proc, databaseUrl, logs(), stop() }.
 */
export async function startServer(opts = {}) {
  const backend = opts.backend || 'sqlite';
  let dir = null;
  let databaseUrl = opts.databaseUrl;
  let ownDb = false;
  if (!databaseUrl) {
    if (backend === 'postgresql') {
      databaseUrl = freshPgDatabase();
      ownDb = true;
    } else {
      dir = mkdtempSync(path.join(tmpdir(), 'cc24-e2e-'));
      databaseUrl = 'sqlite:' + path.join(dir, 'cc24.db');
    }
  }
  const port = await freePort();
  // each server its own media store, upload scratch and image cache (opts.mediaDir to share
  // them with a restarted server)
  const mediaDir = opts.mediaDir || mkdtempSync(path.join(tmpdir(), 'cc24-media-'));
  const env = {
    ...process.env,
    CC24_LISTEN: `127.0.0.1:${port}`,
    CC24_DATABASE_URL: databaseUrl,
    CC24_DEMO: opts.demo === false ? '0' : '1',
    CC24_WORKERS: '1',
    CC24_LOG_FORMAT: 'json',
    CC24_BASE_URL: `http://127.0.0.1:${port}`,
    CC24_MEDIA_STORE: 'file:' + path.join(mediaDir, 'store'),
    CC24_MEDIA_TMP_DIR: path.join(mediaDir, 'tmp'),
    CC24_IMG_CACHE_DIR: path.join(mediaDir, 'cache'),
    // the suites make hundreds of anonymous API calls from one address; the limit
    // itself is tested in api_rate.test.mjs with its default and a small setting
    CC24_API_RATE_ANONYMOUS: '0',
    ...(opts.env || {}),
  };
  const proc = spawn(BIN, ['serve', ...(opts.args || [])], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`cc24 serve exited with ${proc.exitCode}:\n${out}`);
    try {
      const r = await fetch(url + '/readyz');
      if (r.status === 200) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error('cc24 serve did not become ready:\n' + out);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // On PostgreSQL serve must run as the app role, so row-level security applies in
  // every e2e run (the harness connects as a superuser, which would bypass it).
  if (/^postgres/.test(databaseUrl) && /row-level security not enforced/.test(out)) {
    proc.kill('SIGKILL');
    throw new Error('cc24 serve runs without row-level security:\n' + out);
  }
  // a server that dies on its own says so, with the end of its log, in the test output
  let stopping = false;
  proc.once('exit', (code, sig) => {
    if (!stopping) process.stderr.write(`\ncc24 serve on port ${port} exited by itself (code ${code}, signal ${sig}); its last output:\n${out.slice(-4000)}\n`);
  });
  const stop = async (signal = 'SIGTERM') => {
    stopping = true;
    if (proc.exitCode === null && proc.signalCode === null) {
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 15000);
      await done;
      clearTimeout(t);
    }
    if (ownDb) dropPgDatabase(databaseUrl);
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (!opts.mediaDir && !opts.keepMedia) rmSync(mediaDir, { recursive: true, force: true });
  };
  return { url, port, proc, databaseUrl, mediaDir, logs: () => out, stop };
}

export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'cc24-chromium-'));
  mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
  const close = async () => {
    await browser.close();
    rmSync(userDataDir, { recursive: true, force: true });
  };
  return { browser, close };
}

// Demo credentials (temporary API keys until the accounts issue).
export const demoKey = (slug) => `demo-key-${slug}`;

export async function json(res) {
  const text = await res.text();
  try { return JSON.parse(text); } catch { throw new Error(`not JSON (${res.status}): ${text.slice(0, 300)}`); }
}

// An upload with "Expect: 100-continue" (as curl sends for large bodies): the
// server may answer (413) before the body is sent; resolves on the response.
export async function earlyResponseRequest(url, { method = 'POST', headers = {}, body = '' } = {}) {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(url, {
      method,
      headers: { ...headers, 'Content-Length': Buffer.byteLength(body), Expect: '100-continue' },
    }, (res) => {
      answered = true;
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
      res.on('error', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.on('continue', () => req.end(body));
    req.on('error', (e) => { if (!answered) reject(e); });
  });
}
