// Slowloris and idle floods against the HTTP layer: hundreds of connections
// from one address that trickle header bytes (or send nothing) must not keep
// another address from being served, connections past the per-IP limit are
// closed at once, and idle connections die after the connection timeout.
//
// Runs against `cc24 serve` (helpers.startServer) with a small per-IP limit
// and timeout. With CC24_SLOWLORIS_BENCH=1 (only then) it uses the HTTP-only stand-in
// build/bench/bench_http (same settings via BENCH_*); a missing cc24 binary fails.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { ROOT, BIN, freePort, startServer } from './helpers.mjs';

const PER_IP = 32;
const TIMEOUT_S = 3;
const FLOOD = 400;

async function startBench() {
  const bin = process.env.CC24_BENCH_HTTP || path.join(ROOT, 'build/bench/bench_http');
  const port = await freePort();
  const proc = spawn(bin, [`127.0.0.1:${port}`, '4'], {
    env: { ...process.env, BENCH_PER_IP: String(PER_IP), BENCH_TIMEOUT: String(TIMEOUT_S) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`bench_http exited:\n${out}`);
    try {
      if ((await fetch(url + '/healthz')).status === 200) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error('bench_http did not start:\n' + out);
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = async () => {
    if (proc.exitCode === null) {
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await done;
    }
  };
  return { url, port, stop, logs: () => out };
}

// GET from a given local address (Linux routes all of 127/8 to loopback).
function getFrom(localAddress, port, p) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const req = http.request({ host: '127.0.0.1', port, path: p, localAddress, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Date.now() - t0 }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

// Open a socket from 127.0.0.1 that sends a partial request and then one header
// line per second, never finishing. Resolves with a handle that tracks closing.
function slowClient(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' });
    const h = { closed: false, socket: s, timer: null };
    s.on('error', () => { h.closed = true; });
    s.on('close', () => { h.closed = true; clearInterval(h.timer); });
    s.on('data', () => {});
    s.on('connect', () => {
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      h.timer = setInterval(() => { if (!h.closed) s.write('X-Slow: 1\r\n'); }, 1000);
      resolve(h);
    });
    setTimeout(() => resolve(h), 2000);
  });
}

describe('slowloris', () => {
  let srv;
  before(async () => {
    // the stand-in only on request: a missing cc24 is a failure, not a quiet test of another binary
    const useBench = process.env.CC24_SLOWLORIS_BENCH === '1';
    assert.ok(useBench || existsSync(BIN), `the cc24 binary is missing: ${BIN}`);
    srv = useBench
      ? await startBench()
      : await startServer({
        demo: false,
        env: { CC24_PER_IP_CONNECTIONS: String(PER_IP), CC24_CONNECTION_TIMEOUT: String(TIMEOUT_S) },
      });
  });
  after(async () => { if (srv) await srv.stop(); });

  test('a trickling flood from one address does not starve another', async () => {
    const clients = [];
    for (let i = 0; i < FLOOD; i++) clients.push(await slowClient(srv.port));
    try {
      await new Promise((r) => setTimeout(r, 500));
      for (let i = 0; i < 5; i++) {
        const r = await getFrom('127.0.0.2', srv.port, '/healthz');
        assert.equal(r.status, 200);
        // served while the flood still holds connections (not after they timed out)
        assert.ok(clients.some((c) => !c.closed), 'answered while the flood was still connected');
        assert.ok(r.ms < 30000, `127.0.0.2 waited ${r.ms} ms (a guard against hanging)`);
      }
      // Everything past the per-IP limit was closed by the server.
      const deadline = Date.now() + 5000;
      let closed = 0;
      while (Date.now() < deadline) {
        closed = clients.filter((c) => c.closed).length;
        if (closed >= FLOOD - PER_IP) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(closed >= FLOOD - PER_IP, `only ${closed} of ${FLOOD} closed`);
      assert.ok(FLOOD - closed <= PER_IP, `${FLOOD - closed} connections kept, limit ${PER_IP}`);
    } finally {
      for (const c of clients) { clearInterval(c.timer); c.socket.destroy(); }
    }
  });

  test('idle connections are closed after the connection timeout', async () => {
    // from an address the flood above did not use: its closing sockets may still
    // count against 127.0.0.1's per-IP limit for a moment
    const s = net.connect({ host: '127.0.0.1', port: srv.port, localAddress: '127.0.0.3' });
    const t0 = Date.now();
    const closedAfter = await new Promise((resolve) => {
      s.on('error', () => {});
      s.on('close', () => resolve(Date.now() - t0));
      setTimeout(() => resolve(-1), (TIMEOUT_S + 5) * 1000);
    });
    s.destroy();
    assert.ok(closedAfter > 0, 'idle connection was never closed');
    assert.ok(closedAfter >= (TIMEOUT_S - 1) * 1000, `closed too early (${closedAfter} ms)`);
  });

  test('the server still answers normally afterwards', async () => {
    const r = await getFrom('127.0.0.1', srv.port, '/healthz');
    assert.equal(r.status, 200);
  });
});
