// Redirect targets stay on this site (http_local_target, issue 20 §1): after a login and
// on the login and buyer sign-up pages, a hostile next= never sends the browser
// elsewhere. Each answer's Location is judged the way a browser parses it —
// node's URL is the WHATWG URL parser browsers implement (tabs and newlines deleted,
// controls and spaces trimmed, '\' read as '/') — and must keep this server's origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cc24 } from './helpers.mjs';

const HOSTILE = [
  '//evil.example', '///evil.example', '/\\evil.example', '\\/evil.example', '\\\\evil.example',
  '/\t/evil.example', '/\n/evil.example', '/\r/evil.example', ' //evil.example', '\t//evil.example',
  '\u0001//evil.example', '/ /evil.example', '/\u000b/evil.example', 'https://evil.example/', 'http:evil.example',
  '//evil.example@cc24.example', 'javascript:alert(1)', 'data:text/html,x', 'evil.example', '/\\/evil.example',
  '%2F%2Fevil.example', '/\u3000/evil.example', '\u00a0//evil.example', '/dashboard\\..\\..\\evil',
];

let srv;
let slugs;
let n = 0;
const ip = () => `10.77.${Math.floor(++n / 250)}.${(n % 250) + 1}`;
const post = (p, fields, headers = {}) => fetch(srv.url + p, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual', headers: { 'X-Forwarded-For': ip(), ...headers } });
const stays = (res, what) => {
  const loc = res.headers.get('location');
  assert.ok(loc, `${what}: a Location`);
  const u = new URL(loc, srv.url);
  assert.equal(u.origin, new URL(srv.url).origin, `${what}: ${JSON.stringify(loc)} leaves the site (${u.href})`);
  return u;
};

before(async () => {
  srv = await startServer({ args: ['--trust-proxy'] });
  slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
});
after(async () => srv && srv.stop());

test('after a dealer\'s login, every hostile next= lands on this site (the dashboard)', async () => {
  assert.ok(HOSTILE.length >= 20);
  // spread over the demo dealers: the login limit per account is not what is tested here
  for (const [i, next] of HOSTILE.entries()) {
    const r = await post('/anmelden', { email: `owner@${slugs[i % slugs.length]}.demo`, password: 'cc24-Demo-2026', next });
    assert.equal(r.status, 303, JSON.stringify(next));
    const u = stays(r, `login next=${JSON.stringify(next)}`);
    assert.equal(u.pathname, '/dashboard', `${JSON.stringify(next)} falls back to the dashboard`);
  }
  // a real path on this site is kept
  const ok = await post('/anmelden', { email: `owner@${slugs[slugs.length - 1]}.demo`, password: 'cc24-Demo-2026', next: '/dashboard/anfragen?zeige=faellig' });
  assert.equal(ok.headers.get('location'), '/dashboard/anfragen?zeige=faellig');
});

test('the login page never carries a hostile next= into its form or links', async () => {
  for (const next of HOSTILE.slice(0, 10)) {
    const html = await (await fetch(`${srv.url}/anmelden?next=${encodeURIComponent(next)}`)).text();
    const kept = html.match(/name="next" value="([^"]*)"/);
    assert.ok(!kept || kept[1] === '/dashboard', `${JSON.stringify(next)} kept as ${kept && kept[1]}`);
  }
});

test('the buyer sign-up page keeps only a local next=', async () => {
  for (const next of HOSTILE.slice(0, 12)) {
    const html = await (await fetch(`${srv.url}/konto/registrieren?next=${encodeURIComponent(next)}`)).text();
    assert.ok(!html.includes('evil.example'), `${JSON.stringify(next)} reaches the sign-up page`);
  }
  const html = await (await fetch(`${srv.url}/konto/registrieren?next=${encodeURIComponent('/merkliste')}`)).text();
  assert.match(html, /name="next" value="\/merkliste"/, 'a local next is kept');
});
