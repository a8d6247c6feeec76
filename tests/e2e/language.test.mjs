// One language per URL (issue 22): German at the plain URL, English with ?lang=en.
// Accept-Language never changes what a URL returns; a visitor who chose English (the
// lang cookie) is sent from the plain URL to the English one, and the answer says
// Vary: Cookie. Checked directly and through nginx proxy_cache in front of cc24, the
// way deploy/nginx.conf caches public pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, freePort } from './helpers.mjs';

let srv;
let vpath;

before(async () => {
  srv = await startServer();
  const r = await (await fetch(srv.url + '/api/v1/vehicles/search?size=1')).json();
  assert.ok(r.items.length > 0, 'demo vehicles');
  // the vehicle's canonical path (the short form redirects there)
  const v = await fetch(`${srv.url}/fahrzeuge/x-${r.items[0].id}`, { redirect: 'manual' });
  assert.equal(v.status, 301);
  vpath = new URL(v.headers.get('location'), srv.url).pathname;
});

after(async () => {
  if (srv) await srv.stop();
});

const PAGES = () => ['/', '/fahrzeuge?make=BMW', vpath, '/finanzierung', '/impressum', '/anmelden'];

const get = (base, p, headers = {}) => fetch(base + p, { redirect: 'manual', headers });
const htmlLang = (html) => (html.match(/<html lang="([a-z]+)">/) || [])[1];

test('Accept-Language never changes a page: the plain URL is German, ?lang=en English', async () => {
  for (const p of PAGES()) {
    const en = p + (p.includes('?') ? '&' : '?') + 'lang=en';
    for (const al of [undefined, 'en-US,en;q=0.9', 'de-DE', 'fr']) {
      const r = await get(srv.url, p, al ? { 'Accept-Language': al } : {});
      assert.equal(r.status, 200, `${p} (${al})`);
      assert.equal(r.headers.get('content-language'), 'de', `${p} with Accept-Language ${al}`);
      assert.equal(htmlLang(await r.text()), 'de');
      const vary = (r.headers.get('vary') || '').toLowerCase();
      assert.ok(!vary.includes('accept-language'), `${p}: nothing depends on Accept-Language (${vary})`);
      assert.ok(vary.includes('cookie'), `${p}: the cookie may redirect (${vary})`);
      const e = await get(srv.url, en, al ? { 'Accept-Language': al } : {});
      assert.equal(e.status, 200);
      assert.equal(e.headers.get('content-language'), 'en', `${en} with Accept-Language ${al}`);
      assert.equal(htmlLang(await e.text()), 'en');
    }
  }
});

test('the chosen language is remembered: ?lang= sets the cookie, the plain URL then redirects', async () => {
  let r = await get(srv.url, '/fahrzeuge?make=BMW&lang=en');
  assert.match(r.headers.get('set-cookie') || '', /^lang=en; Path=\/; Max-Age=31536000; SameSite=Lax/);
  // the switch on an English page leads to the German page and says so
  const html = await r.text();
  assert.match(html, /<a class="lang-switch" href="\/fahrzeuge\?make=BMW&amp;lang=de" hreflang="de" lang="de">/);
  r = await get(srv.url, '/fahrzeuge?make=BMW', { Cookie: 'lang=en' });
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), '/fahrzeuge?make=BMW&lang=en');
  assert.match(r.headers.get('vary') || '', /Cookie/);
  r = await get(srv.url, vpath, { Cookie: 'lang=en' });
  assert.equal(r.headers.get('location'), vpath + '?lang=en');
  // German chosen, or no valid choice: no redirect
  for (const c of ['lang=de', 'lang=fr', 'other=1']) {
    r = await get(srv.url, '/fahrzeuge?make=BMW', { Cookie: c });
    assert.equal(r.status, 200, c);
    assert.equal(r.headers.get('content-language'), 'de');
  }
  // an explicit ?lang=de wins over the cookie and changes it
  r = await get(srv.url, '/?lang=de', { Cookie: 'lang=en' });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-language'), 'de');
  assert.match(r.headers.get('set-cookie') || '', /^lang=de;/);
  // pages that are not public (sitemap, API) are never redirected
  r = await get(srv.url, '/sitemap.xml', { Cookie: 'lang=en' });
  assert.equal(r.status, 200);
  r = await get(srv.url, '/api/v1/vehicles/search?size=1', { Cookie: 'lang=en' });
  assert.equal(r.status, 200);
});

test('through nginx proxy_cache: no language is served under the other one’s URL', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cc24-nginx-'));
  const port = await freePort();
  const up = new URL(srv.url);
  writeFileSync(path.join(dir, 'nginx.conf'), `
daemon off;
user root;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp;
  uwsgi_temp_path ${dir}/tmp;
  scgi_temp_path ${dir}/tmp;
  proxy_cache_path ${dir}/cache keys_zone=pages:1m max_size=64m;
  map $http_cookie $cc24_login {
    default 0;
    "~(^|;\\s*)(__Host-)?cc24_session=" 1;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://${up.host};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache pages;
      proxy_cache_key $scheme$host$request_uri;
      proxy_cache_valid 200 301 302 60s;
      proxy_cache_bypass $cc24_login;
      proxy_no_cache $cc24_login;
      add_header X-Proxy-Cache $upstream_cache_status always;
    }
  }
}
`);
  const nginx = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    nginx.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(base + '/healthz');
      break;
    } catch (e) {
      if (i > 100) throw new Error('nginx did not start: ' + (() => { try { return readFileSync(path.join(dir, 'error.log'), 'utf8'); } catch { return String(e); } })());
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  for (const p of ['/', '/fahrzeuge?make=BMW', vpath]) {
    // an English browser comes first and fills the cache
    let r = await get(base, p, { 'Accept-Language': 'en-US,en;q=0.9' });
    assert.equal(r.status, 200);
    assert.equal(htmlLang(await r.text()), 'de', `${p}: German for an English browser`);
    // a German browser gets the cached page: German
    r = await get(base, p, { 'Accept-Language': 'de-DE' });
    assert.equal(r.headers.get('x-proxy-cache'), 'HIT', `${p}: cached`);
    assert.equal(htmlLang(await r.text()), 'de');
    // a visitor who chose English is redirected, not served the cached German page
    r = await get(base, p, { Cookie: 'lang=en' });
    assert.equal(r.status, 302, `${p}: the cookie's variant is not the cached German page`);
    const loc = r.headers.get('location');
    r = await get(base, loc, { Cookie: 'lang=en' });
    assert.equal(r.status, 200);
    assert.equal(htmlLang(await r.text()), 'en', `${loc}: English`);
    // and the English URL from the cache stays English for everyone
    r = await get(base, loc);
    assert.equal(htmlLang(await r.text()), 'en');
    r = await get(base, p);
    assert.equal(r.status, 200);
    assert.equal(htmlLang(await r.text()), 'de', `${p}: still German after the English visit`);
  }
});
