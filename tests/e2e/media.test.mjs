// Photos: the upload contract (201 with per-file errors, 413/415/422 problems), hostile
// bodies (the server stays healthy and nothing is half-stored), EXIF rotation and GPS
// removal, reorder / alt / delete / retry, the signed image CDN (403 / 400 / 404,
// Accept negotiation, caching headers), other dealers and drafts, and cut-off uploads
// (a closed socket, kill -9 and a restart).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { readdirSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { startServer, cc24, demoKey, backends, earlyResponseRequest } from './helpers.mjs';

// once, at the top level: backends() may register a skipped test for the PostgreSQL
// variants, which a hook or a running test cannot do
const BACKENDS = backends();
import {
  CAR_JPEG, CAR_PNG, convert, withExif, carriesGps, pngDeclaring, imageInfo, multipart, signed,
  IMG_KEY, IMG_SALT,
} from './media_util.mjs';

const env = { CC24_IMG_KEY: IMG_KEY, CC24_IMG_SALT: IMG_SALT, CC24_WORKERS: '2' };

let srv, slugs, A, B, vA, vB;

const auth = (slug) => ({ Authorization: `Bearer ${demoKey(slug)}` });
const api = (p, init = {}) => fetch(srv.url + p, init);
/** GET a request target byte for byte (no URL normalisation); resolves the status code. */
function rawStatus(target) {
  return new Promise((resolve, reject) => {
    const u = new URL(srv.url);
    const c = net.connect(Number(u.port), u.hostname, () => {
      c.write(`GET ${target} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`);
    });
    let buf = '';
    c.on('data', (d) => { buf += d; });
    c.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(buf)?.[1] || 0)));
    c.on('error', reject);
  });
}

async function newVehicle(slug, status = 'published') {
  const body = { make: 'BMW', model: '320d', body: 'estate', condition: 'used', first_registration: '2020-03', mileage_km: 61000,
    power_kw: 140, fuel: 'diesel', gearbox: 'automatic', price_cents: 2599000, vat_mode: 'margin', status };
  const r = await api('/api/v1/vehicles', { method: 'POST', headers: { ...auth(slug), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(r.status, 201, await r.clone().text());
  return (await r.json()).id;
}

async function upload(slug, vid, parts, extra = {}) {
  const { body, type } = multipart(parts);
  return api(`/api/v1/vehicles/${vid}/photos`, { method: 'POST', headers: { ...auth(slug), 'Content-Type': type, ...extra }, body });
}

async function photos(slug, vid) {
  const r = await api(`/api/v1/vehicles/${vid}`, { headers: auth(slug) });
  assert.equal(r.status, 200);
  return (await r.json()).photos;
}

async function ready(slug, vid, n, timeout = 30000) {
  const end = Date.now() + timeout;
  for (;;) {
    const ps = await photos(slug, vid);
    if (ps.length >= n && ps.every((p) => p.state !== 'processing')) return ps;
    if (Date.now() > end) throw new Error('photos still processing: ' + JSON.stringify(ps.map((p) => p.state)));
    await new Promise((r) => setTimeout(r, 100));
  }
}

const healthy = async () => assert.equal((await api('/healthz')).status, 200, 'the server is still healthy');
const rel = (u) => u.replace(/^https?:\/\/[^/]+/, '');

function storeFiles(mediaDir) {
  const out = [];
  const walk = (d) => {
    if (!existsSync(d)) return;
    for (const n of readdirSync(d)) {
      const p = path.join(d, n);
      if (statSync(p).isDirectory()) walk(p); else out.push(path.relative(mediaDir, p));
    }
  };
  walk(path.join(mediaDir, 'store'));
  return out.sort();
}
const tmpFiles = (mediaDir) => (existsSync(path.join(mediaDir, 'tmp')) ? readdirSync(path.join(mediaDir, 'tmp')) : []);

before(async () => {
  srv = await startServer({ env });
  slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
  [A, B] = slugs;
  vA = await newVehicle(A);
  vB = await newVehicle(B);
});
after(async () => srv && srv.stop());

test('upload: 201 with the stored photos and a per-file error list; variants after EXIF rotation, no GPS', async () => {
  const rotated = withExif(CAR_JPEG(), { orientation: 6, gps: true });
  const r = await upload(A, vA, [
    { filename: 'IMG_0001.JPG', type: 'image/jpeg', data: rotated },
    { filename: 'car.png', type: 'image/png', data: CAR_PNG() },
    { filename: 'notes.jpg', type: 'image/jpeg', data: Buffer.from('this is not a photo at all') },
    { filename: 'cut.jpg', type: 'image/jpeg', data: CAR_JPEG().subarray(0, 30000) },
  ]);
  assert.equal(r.status, 201);
  const j = await r.json();
  assert.equal(j.photos.length, 2);
  assert.deepEqual(j.errors.map((e) => [e.index, e.code]), [[2, 'unsupported_type'], [3, 'invalid_image']]);
  assert.equal(j.errors[0].filename, 'notes.jpg');
  assert.ok(j.photos.every((p) => ['processing', 'ready'].includes(p.state)));
  const ps = await ready(A, vA, 2);
  assert.deepEqual(ps.map((p) => p.position), [0, 1]);
  assert.deepEqual(ps.map((p) => p.state), ['ready', 'ready']);
  // sides swapped by the EXIF orientation 6
  assert.equal(ps[0].width, 680);
  assert.equal(ps[0].height, 1024);
  assert.match(ps[0].placeholder, /^data:image\/webp;base64,[A-Za-z0-9+/=]+$/);
  assert.ok(ps[0].placeholder.length < 1200, 'a placeholder is small');
  const fmts = new Set(ps[0].variants.map((v) => v.format));
  assert.ok(fmts.has('jpeg') && fmts.has('webp'));
  assert.deepEqual([...new Set(ps[0].variants.map((v) => v.width))].sort((a, b) => b - a), [680, 640, 320]);
  for (const v of ps[0].variants) {
    const res = await api(rel(v.url));
    assert.equal(res.status, 200, v.url);
    assert.equal(res.headers.get('content-type'), v.format === 'jpeg' ? 'image/jpeg' : 'image/webp');
    assert.match(res.headers.get('cache-control'), /immutable/);
    const buf = Buffer.from(await res.arrayBuffer());
    const info = imageInfo(buf);
    assert.equal(info.format, v.format);
    assert.equal(info.width, v.width, 'the variant is as wide as the API says');
    assert.equal(info.height, v.height);
    assert.ok(!carriesGps(buf), 'no GPS position in ' + v.url);
    assert.ok(!buf.includes(Buffer.from('Exif\0\0', 'latin1')), 'no EXIF block in ' + v.url);
    if (v.format === 'jpeg') assert.ok(info.progressive, 'JPEG variants are progressive');
  }
  const ph = Buffer.from(ps[0].placeholder.split(',')[1], 'base64');
  assert.ok(!carriesGps(ph) && !ph.includes(Buffer.from('EXIF', 'latin1')), 'the placeholder carries no metadata');
  // the PNG is 512 wide: no upscaled variants
  assert.ok(ps[1].variants.every((v) => v.width <= 512));
  // the vehicle's cover is the first photo; the public page shows it
  const page = await (await api(`/fahrzeuge/x-${vA}`)).text();
  assert.ok(page.includes(rel(ps[0].variants.find((v) => v.format === 'webp').url).split('/').slice(0, 3).join('/')) || page.includes('/img/'), 'the vehicle page shows the photo');
  assert.match(page, /<meta property="og:image" content="[^"]*\/img\/[^"]+"/);
  await healthy();
});

test('upload: HEIC, AVIF and WebP are read (type from the bytes, not the name)', async () => {
  const vid = await newVehicle(A);
  const car = CAR_JPEG();
  const r = await upload(A, vid, [
    { filename: 'a.jpg', type: 'image/jpeg', data: convert(car, 'heic') },
    { filename: 'b.bin', type: 'text/plain', data: convert(car, 'avif', '[compression=av1]') },
    { filename: 'c', type: null, data: convert(car, 'webp') },
  ]);
  assert.equal(r.status, 201);
  const j = await r.json();
  assert.equal(j.photos.length, 3, JSON.stringify(j.errors));
  const ps = await ready(A, vid, 3, 60000);
  assert.deepEqual(ps.map((p) => [p.state, p.width, p.height]), [['ready', 1024, 680], ['ready', 1024, 680], ['ready', 1024, 680]]);
});

test('upload: requests with no acceptable file are problems — 415, 422, 413 — and store nothing', async () => {
  const vid = await newVehicle(A);
  const before = storeFiles(srv.mediaDir).length;
  let r = await upload(A, vid, [{ filename: 'x.gif', data: Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1') }, { filename: 'y.svg', data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>') }]);
  assert.equal(r.status, 415);
  assert.equal(r.headers.get('content-type'), 'application/problem+json');
  let p = await r.json();
  assert.deepEqual(p.errors.map((e) => e.field), ['photo[0]', 'photo[1]']);
  r = await upload(A, vid, [{ filename: 'cut.jpg', data: CAR_JPEG().subarray(0, 4000) }]);
  assert.equal(r.status, 422);
  p = await r.json();
  assert.equal(p.errors[0].code, 'invalid_image');
  // a decompression bomb: a PNG that declares 100000 × 100000 pixels
  r = await upload(A, vid, [{ filename: 'bomb.png', data: pngDeclaring(100000, 100000) }]);
  assert.equal(r.status, 422);
  p = await r.json();
  assert.equal(p.errors[0].code, 'too_many_pixels');
  assert.match(p.errors[0].detail, /megapixels/);
  r = await upload(A, vid, [{ filename: 'empty.jpg', data: Buffer.alloc(0) }]);
  assert.equal(r.status, 422);
  assert.equal((await r.json()).errors[0].code, 'empty');
  r = await upload(A, vid, [{ name: 'file', filename: 'a.jpg', data: CAR_JPEG() }]);
  assert.equal(r.status, 422, 'parts must be named photo');
  assert.equal((await r.json()).errors[0].field, 'photo');
  r = await api(`/api/v1/vehicles/${vid}/photos`, { method: 'POST', headers: { ...auth(A), 'Content-Type': 'image/jpeg' }, body: CAR_JPEG() });
  assert.equal(r.status, 415, 'a bare image body is not multipart');
  assert.deepEqual(await photos(A, vid), []);
  assert.equal(storeFiles(srv.mediaDir).length, before, 'nothing was stored');
  await healthy();
});

test('upload: limits per file and per request answer 413 problem+json', async () => {
  const small = await startServer({ env: { ...env, CC24_UPLOAD_FILE_MB: '1', CC24_UPLOAD_REQUEST_MB: '2' } });
  try {
    const [s] = cc24(['admin', 'tenant', 'list', `--database-url=${small.databaseUrl}`]).trim().split('\n');
    const body = { make: 'VW', model: 'Golf', body: 'compact', condition: 'used', first_registration: '2019-02', mileage_km: 70000,
      power_kw: 110, fuel: 'petrol', gearbox: 'manual', price_cents: 1390000, vat_mode: 'margin', status: 'published' };
    const vid = (await (await fetch(small.url + '/api/v1/vehicles', { method: 'POST', headers: { ...auth(s), 'Content-Type': 'application/json' }, body: JSON.stringify(body) })).json()).id;
    const big = Buffer.concat([CAR_JPEG(), Buffer.alloc(1200 * 1024)]); // 1.5 MB
    let m = multipart([{ filename: 'big.jpg', data: big }, { filename: 'ok.jpg', data: CAR_JPEG() }]);
    let r = await fetch(`${small.url}/api/v1/vehicles/${vid}/photos`, { method: 'POST', headers: { ...auth(s), 'Content-Type': m.type }, body: m.body });
    assert.equal(r.status, 201, 'the file over the limit is refused, the other one stored');
    const j = await r.json();
    assert.deepEqual(j.errors.map((e) => e.code), ['too_large']);
    assert.equal(j.photos.length, 1);
    m = multipart([{ filename: 'big.jpg', data: big }]);
    r = await fetch(`${small.url}/api/v1/vehicles/${vid}/photos`, { method: 'POST', headers: { ...auth(s), 'Content-Type': m.type }, body: m.body });
    assert.equal(r.status, 413);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    m = multipart([0, 1, 2, 3].map((i) => ({ filename: `p${i}.jpg`, data: Buffer.concat([CAR_JPEG(), Buffer.alloc(400 * 1024)]) })));
    // refused from its Content-Length, before the body: sent as curl does (Expect:
    // 100-continue), a client that pushed the body regardless would be reset mid-send
    const early = await earlyResponseRequest(`${small.url}/api/v1/vehicles/${vid}/photos`, { headers: { ...auth(s), 'Content-Type': m.type }, body: m.body });
    assert.equal(early.status, 413, 'the request is larger than upload-request-mb');
    assert.equal(early.headers['content-type'], 'application/problem+json');
    assert.equal((await fetch(small.url + '/healthz')).status, 200);
    const left = tmpFiles(small.mediaDir).filter((n) => n.startsWith('up-'));
    assert.deepEqual(left, [], 'no temporary files stay behind');
  } finally {
    await small.stop();
  }
});

test('hostile multipart bodies: a clear 4xx each time, nothing stored, the server stays up', async () => {
  const vid = await newVehicle(A);
  const before = storeFiles(srv.mediaDir).length;
  const cases = [
    ['multipart/form-data', Buffer.from('--x\r\n\r\n')],
    ['multipart/form-data; boundary=', Buffer.from('--\r\n')],
    ['multipart/form-data; boundary=abc', Buffer.from('no boundary anywhere in here')],
    ['multipart/form-data; boundary=abc', Buffer.from('--abc\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n\r\n' + 'x'.repeat(1000))],
    ['multipart/form-data; boundary=abc', Buffer.from('--abc\r\n' + 'X-Long: ' + 'y'.repeat(70000) + '\r\n\r\ndata\r\n--abc--\r\n')],
    ['multipart/form-data; boundary=abc', Buffer.from('--abc\r\nContent-Disposition: form-data; name="photo"; filename="../../etc/passwd"\r\n\r\nroot:x:0:0\r\n--abc--\r\n')],
    ['multipart/form-data; boundary=abc', Buffer.from('--abc\r\nContent-Disposition: form-data; name="photo"; filename="a\0b.jpg"\r\n\r\n\xff\xd8\xff\r\n--abc--\r\n', 'latin1')],
    ['multipart/form-data; boundary=' + 'b'.repeat(300), Buffer.from('--b\r\n')],
    ['text/plain', Buffer.from('photo=1')],
  ];
  for (const [type, body] of cases) {
    const r = await api(`/api/v1/vehicles/${vid}/photos`, { method: 'POST', headers: { ...auth(A), 'Content-Type': type }, body });
    assert.ok(r.status >= 400 && r.status < 500, `${type} ${body.subarray(0, 40)} → ${r.status}`);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    await healthy();
  }
  assert.deepEqual(await photos(A, vid), []);
  assert.equal(storeFiles(srv.mediaDir).length, before);
  assert.deepEqual(tmpFiles(srv.mediaDir).filter((n) => n.startsWith('up-')), []);
});

test('an upload cut off mid-stream leaves no temp file, no row and no blob', async () => {
  const vid = await newVehicle(A);
  const before = storeFiles(srv.mediaDir).length;
  const { body, type } = multipart([{ filename: 'a.jpg', data: CAR_JPEG() }, { filename: 'b.png', data: CAR_PNG() }]);
  await new Promise((resolve, reject) => {
    const s = net.connect(srv.port, '127.0.0.1', () => {
      s.write(`POST /api/v1/vehicles/${vid}/photos HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${demoKey(A)}\r\n` +
        `Content-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`);
      s.write(body.subarray(0, Math.floor(body.length * 0.7)), () => setTimeout(() => { s.destroy(); resolve(); }, 300));
    });
    s.on('error', reject);
  });
  await new Promise((r) => setTimeout(r, 500));
  await healthy();
  assert.deepEqual(await photos(A, vid), []);
  assert.equal(storeFiles(srv.mediaDir).length, before, 'no blob');
  assert.deepEqual(tmpFiles(srv.mediaDir).filter((n) => n.startsWith('up-')), [], 'no temp file');
});

test('kill -9 during an upload, then a restart: no orphan, no partial photo', async () => {
  const s1 = await startServer({ env, keepMedia: true });
  const dbUrl = s1.databaseUrl;
  const mediaDir = s1.mediaDir;
  const [slug] = cc24(['admin', 'tenant', 'list', `--database-url=${dbUrl}`]).trim().split('\n');
  const body0 = { make: 'Audi', model: 'A4', body: 'saloon', condition: 'used', first_registration: '2018-05', mileage_km: 90000,
    power_kw: 110, fuel: 'diesel', gearbox: 'manual', price_cents: 1690000, vat_mode: 'margin', status: 'published' };
  const vid = (await (await fetch(s1.url + '/api/v1/vehicles', { method: 'POST', headers: { ...auth(slug), 'Content-Type': 'application/json' }, body: JSON.stringify(body0) })).json()).id;
  const storeBefore = storeFiles(mediaDir).length;
  const { body, type } = multipart([{ filename: 'a.jpg', data: CAR_JPEG() }, { filename: 'b.png', data: CAR_PNG() }]);
  const sock = net.connect(s1.port, '127.0.0.1');
  await new Promise((r) => sock.on('connect', r));
  sock.on('error', () => {});
  sock.write(`POST /api/v1/vehicles/${vid}/photos HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${demoKey(slug)}\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`);
  sock.write(body.subarray(0, 200000));
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(tmpFiles(mediaDir).some((n) => n.startsWith('up-')), 'the upload is being written to a temp file');
  // keep the sqlite file: stop() would delete the directory of a server it created
  s1.proc.kill('SIGKILL');
  await new Promise((r) => s1.proc.once('exit', r));
  sock.destroy();
  const s2 = await startServer({ env, databaseUrl: dbUrl, mediaDir });
  try {
    assert.deepEqual(tmpFiles(mediaDir).filter((n) => n.startsWith('up-')), [], 'the restart sweeps the dead upload');
    const r = await fetch(`${s2.url}/api/v1/vehicles/${vid}`, { headers: auth(slug) });
    assert.deepEqual((await r.json()).photos, []);
    assert.equal(storeFiles(mediaDir).length, storeBefore, 'no orphan blob');
    assert.equal((await fetch(s2.url + '/healthz')).status, 200);
  } finally {
    await s2.stop();
    await s1.stop();
  }
});

test('reorder, alt text, delete and retry; bad orders change nothing', async () => {
  const vid = await newVehicle(A);
  const r = await upload(A, vid, [{ filename: '1.jpg', data: CAR_JPEG() }, { filename: '2.png', data: CAR_PNG() }, { filename: '3.webp', data: convert(CAR_JPEG(), 'webp') }]);
  assert.equal(r.status, 201);
  let ps = await ready(A, vid, 3);
  const ids = ps.map((p) => p.id);
  const patch = (body) => api(`/api/v1/vehicles/${vid}/photos`, { method: 'PATCH', headers: { ...auth(A), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  let res = await patch({ order: [ids[2], ids[0], ids[1]] });
  assert.equal(res.status, 200);
  ps = await photos(A, vid);
  assert.deepEqual(ps.map((p) => p.id), [ids[2], ids[0], ids[1]]);
  assert.deepEqual(ps.map((p) => p.position), [0, 1, 2]);
  for (const bad of [{ order: [ids[0], ids[1]] }, { order: [ids[0], ids[0], ids[1]] }, { order: [ids[0], ids[1], 'zzzzzzzzzzzzzzzz'] }, { order: 'x' }, {}]) {
    res = await patch(bad);
    assert.equal(res.status, 422, JSON.stringify(bad));
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.equal((await res.json()).errors[0].field.startsWith('order'), true);
  }
  assert.deepEqual((await photos(A, vid)).map((p) => p.id), [ids[2], ids[0], ids[1]], 'unchanged');
  // alt text
  res = await api(`/api/v1/vehicles/${vid}/photos/${ids[0]}`, { method: 'PATCH', headers: { ...auth(A), 'Content-Type': 'application/json' }, body: JSON.stringify({ alt: 'BMW 320d von links' }) });
  assert.equal(res.status, 200);
  assert.equal((await photos(A, vid)).find((p) => p.id === ids[0]).alt, 'BMW 320d von links');
  res = await api(`/api/v1/vehicles/${vid}/photos/${ids[0]}`, { method: 'PATCH', headers: { ...auth(A), 'Content-Type': 'application/json' }, body: JSON.stringify({ alt: 'x'.repeat(500) }) });
  assert.equal(res.status, 422);
  // delete: gone from the API and, once the access cache expires, from the CDN
  const url = rel(ps[0].variants[0].url);
  res = await api(`/api/v1/vehicles/${vid}/photos/${ids[2]}`, { method: 'DELETE', headers: auth(A) });
  assert.equal(res.status, 204);
  ps = await photos(A, vid);
  assert.deepEqual(ps.map((p) => [p.id, p.position]), [[ids[0], 0], [ids[1], 1]]);
  assert.equal((await api(url)).status, 404, 'a deleted photo is not served');
  res = await api(`/api/v1/vehicles/${vid}/photos/${ids[2]}`, { method: 'DELETE', headers: auth(A) });
  assert.equal(res.status, 404);
  // retry only applies to failed photos
  res = await api(`/api/v1/vehicles/${vid}/photos/${ids[0]}/retry`, { method: 'POST', headers: auth(A) });
  assert.ok([409, 422].includes(res.status), 'a ready photo is not retried: ' + res.status);
});

test("another dealer's vehicle and photos answer 404 and stay unchanged", async () => {
  const r0 = await upload(B, vB, [{ filename: 'b.jpg', data: CAR_JPEG() }]);
  assert.equal(r0.status, 201);
  const [pb] = await ready(B, vB, 1);
  let r = await upload(A, vB, [{ filename: 'a.jpg', data: CAR_JPEG() }]);
  assert.equal(r.status, 404);
  r = await api(`/api/v1/vehicles/${vB}/photos`, { headers: auth(A) });
  assert.equal(r.status, 404);
  r = await api(`/api/v1/vehicles/${vB}/photos`, { method: 'PATCH', headers: { ...auth(A), 'Content-Type': 'application/json' }, body: JSON.stringify({ order: [pb.id] }) });
  assert.equal(r.status, 404);
  r = await api(`/api/v1/vehicles/${vB}/photos/${pb.id}`, { method: 'DELETE', headers: auth(A) });
  assert.equal(r.status, 404);
  r = await api(`/api/v1/vehicles/${vA}/photos/${pb.id}`, { method: 'DELETE', headers: auth(A) });
  assert.equal(r.status, 404, "B's photo through A's vehicle");
  r = await api(`/api/v1/vehicles/${vB}/photos/${pb.id}`, { method: 'PATCH', headers: { ...auth(A), 'Content-Type': 'application/json' }, body: JSON.stringify({ alt: 'hacked' }) });
  assert.equal(r.status, 404);
  const after = await photos(B, vB);
  assert.equal(after.length, 1);
  assert.equal(after[0].alt, '');
});

test('the CDN: signatures, grammar, visibility of drafts, Accept, ETag', async () => {
  const vid = await newVehicle(A);
  assert.equal((await upload(A, vid, [{ filename: 'c.jpg', data: CAR_JPEG() }])).status, 201);
  const [p] = await ready(A, vid, 1);
  const good = rel(p.variants.find((v) => v.format === 'webp').url);
  const [, , sig, ...rest] = good.split('/');
  // a tampered path or signature
  assert.equal((await api(`/img/${sig}/w:333/${rest.slice(1).join('/')}`)).status, 403);
  assert.equal((await api(`/img/${'A'.repeat(43)}/${rest.join('/')}`)).status, 403);
  assert.equal((await api(`/img/x/${rest.join('/')}`)).status, 403);
  const r403 = await api(`/img/${sig.slice(0, 20)}/${rest.join('/')}`);
  assert.equal(r403.status, 403);
  // the test knows the key: signed requests with a bad grammar are 400, unknown photos 404
  assert.equal((await api(signed(`/rs:sideways:10:10/${p.id}`))).status, 400);
  assert.equal((await api(signed(`/w:-5/${p.id}`))).status, 400);
  assert.equal((await api(signed('/w:640/zzzzzzzzzzzzzzzz'))).status, 404);
  // fetch() would resolve the dots away, so this one goes out as written
  assert.equal(await rawStatus(signed('/w:640/../../etc/passwd')), 400);
  // on the fly: fill 300 × 200, as WebP by Accept, JPEG without
  let r = await api(signed(`/rs:fill:300:200/${p.id}`), { headers: { Accept: 'image/avif,image/webp,*/*' } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('vary') || '', /Accept/);
  let info = imageInfo(Buffer.from(await r.arrayBuffer()));
  assert.ok(['webp', 'avif'].includes(info.format), info.format);
  if (info.format === 'webp') assert.deepEqual([info.width, info.height], [300, 200]);
  r = await api(signed(`/rs:fill:300:200/${p.id}`), { headers: { Accept: 'image/jpeg' } });
  info = imageInfo(Buffer.from(await r.arrayBuffer()));
  assert.deepEqual([info.format, info.width, info.height], ['jpeg', 300, 200]);
  const etag = r.headers.get('etag');
  assert.ok(etag);
  r = await api(signed(`/rs:fill:300:200/${p.id}`), { headers: { Accept: 'image/jpeg', 'If-None-Match': etag } });
  assert.equal(r.status, 304);
  // a draft's photos are not public; its dealer sees them with a session
  const draft = await newVehicle(A, 'draft');
  assert.equal((await upload(A, draft, [{ filename: 'd.jpg', data: CAR_JPEG() }])).status, 201);
  const [dp] = await ready(A, draft, 1);
  const durl = rel(dp.variants[0].url);
  r = await api(durl);
  assert.equal(r.status, 404, 'a draft photo is not public');
  const login = await api('/anmelden', { method: 'POST', body: new URLSearchParams({ email: `owner@${A}.demo`, password: 'cc24-Demo-2026' }), redirect: 'manual' });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  r = await api(durl, { headers: { cookie } });
  assert.equal(r.status, 200, 'the dealer sees the photos of its draft');
  assert.match(r.headers.get('cache-control'), /private/);
  const loginB = await api('/anmelden', { method: 'POST', body: new URLSearchParams({ email: `owner@${B}.demo`, password: 'cc24-Demo-2026' }), redirect: 'manual' });
  r = await api(durl, { headers: { cookie: loginB.headers.get('set-cookie').split(';')[0] } });
  assert.equal(r.status, 404, 'another dealer does not');
  // the draft's page and the search do not leak the photo
  const search = await (await api('/fahrzeuge?q=320d')).text();
  assert.ok(!search.includes(dp.id), 'a draft photo is not in the search page');
  await healthy();
});

test('the photo store runs on every backend', async (t) => {
  for (const backend of BACKENDS) {
    await t.test(backend, async () => {
      const s = await startServer({ backend, env });
      try {
        const [slug] = cc24(['admin', 'tenant', 'list', `--database-url=${s.databaseUrl}`]).trim().split('\n');
        const body = { make: 'Opel', model: 'Corsa', body: 'compact', condition: 'used', first_registration: '2021-02', mileage_km: 30000,
          power_kw: 74, fuel: 'petrol', gearbox: 'manual', price_cents: 1290000, vat_mode: 'margin', status: 'published' };
        const vid = (await (await fetch(s.url + '/api/v1/vehicles', { method: 'POST', headers: { ...auth(slug), 'Content-Type': 'application/json' }, body: JSON.stringify(body) })).json()).id;
        const m = multipart([{ filename: 'a.jpg', data: CAR_JPEG() }, { filename: 'a-again.jpg', data: CAR_JPEG() }]);
        const r = await fetch(`${s.url}/api/v1/vehicles/${vid}/photos`, { method: 'POST', headers: { ...auth(slug), 'Content-Type': m.type }, body: m.body });
        assert.equal(r.status, 201);
        const end = Date.now() + 30000;
        let ps;
        do {
          ps = (await (await fetch(`${s.url}/api/v1/vehicles/${vid}`, { headers: auth(slug) })).json()).photos;
          if (ps.every((p) => p.state === 'ready')) break;
          await new Promise((res) => setTimeout(res, 100));
        } while (Date.now() < end);
        assert.deepEqual(ps.map((p) => p.state), ['ready', 'ready']);
        // the same bytes twice: one original in the store
        const originals = storeFiles(s.mediaDir).filter((f) => f.startsWith('store/o/'));
        const demoOriginals = new Set(originals).size;
        assert.ok(demoOriginals >= 1);
        const res = await fetch(s.url + rel(ps[0].variants[0].url));
        assert.equal(res.status, 200);
        // the demo vehicles have photos, on the search page too
        const html = await (await fetch(s.url + '/fahrzeuge')).text();
        assert.match(html, /<img[^>]+src="\/img\//);
      } finally {
        await s.stop();
      }
    });
  }
});
