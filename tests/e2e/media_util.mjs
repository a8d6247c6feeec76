// Test images and multipart bodies for the media tests: real car photos from the
// packages scripts/demo-photos.sh copies, images converted with the `vips` CLI, and
// hand-made hostile files (EXIF with GPS, a PNG that declares 10^10 pixels).
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { ROOT } from './helpers.mjs';

export const PHOTOS = path.join(ROOT, 'vendor/demo-photos');
export const photo = (name) => readFileSync(path.join(PHOTOS, name));
export const CAR_JPEG = () => photo('01-car1.jpg'); // 1024 × 680
export const CAR_PNG = () => photo('03-car.png'); // 512 × 512

/** The file converted by libvips' CLI, e.g. convert(CAR_JPEG(), 'heic'). */
export function convert(buf, ext, opts = '') {
  const dir = mkdtempSync(path.join(tmpdir(), 'cc24-img-'));
  try {
    const src = path.join(dir, 'in.jpg');
    execFileSync('bash', ['-c', `cat > "${src}"`], { input: buf });
    const out = path.join(dir, 'out.' + ext);
    execFileSync('vips', ['copy', src, out + opts], { stdio: 'pipe' });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- EXIF, built by hand (little-endian TIFF) ----

export const GPS_LON_SECONDS = [5678, 100]; // 56.78" — bytes a leak would carry

/** An APP1 Exif segment with Orientation and a GPS IFD (Berlin). */
export function exifSegment({ orientation = 1, gps = true } = {}) {
  const t = Buffer.alloc(140);
  t.write('II', 0, 'latin1');
  t.writeUInt16LE(42, 2);
  t.writeUInt32LE(8, 4);
  let o = 8;
  const n0 = gps ? 2 : 1;
  t.writeUInt16LE(n0, o); o += 2;
  const entry = (tag, type, count, value) => {
    t.writeUInt16LE(tag, o); t.writeUInt16LE(type, o + 2); t.writeUInt32LE(count, o + 4);
    if (typeof value === 'number') t.writeUInt32LE(value, o + 8); else value.copy(t, o + 8);
    o += 12;
  };
  const short = (v) => { const b = Buffer.alloc(4); b.writeUInt16LE(v, 0); return b; };
  entry(0x0112, 3, 1, short(orientation));
  const gpsAt = 8 + 2 + n0 * 12 + 4;
  if (gps) entry(0x8825, 4, 1, gpsAt);
  t.writeUInt32LE(0, o); o += 4;
  if (gps) {
    o = gpsAt;
    t.writeUInt16LE(4, o); o += 2;
    const lat = gpsAt + 2 + 4 * 12 + 4, lon = lat + 24;
    entry(0x0001, 2, 2, Buffer.from('N\0\0\0', 'latin1'));
    entry(0x0002, 5, 3, lat);
    entry(0x0003, 2, 2, Buffer.from('E\0\0\0', 'latin1'));
    entry(0x0004, 5, 3, lon);
    t.writeUInt32LE(0, o);
    [[52, 1], [31, 1], [1234, 100]].forEach(([a, b], i) => { t.writeUInt32LE(a, lat + i * 8); t.writeUInt32LE(b, lat + i * 8 + 4); });
    [[13, 1], [24, 1], GPS_LON_SECONDS].forEach(([a, b], i) => { t.writeUInt32LE(a, lon + i * 8); t.writeUInt32LE(b, lon + i * 8 + 4); });
  }
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), t]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** The JPEG with an Exif segment right after SOI. */
export function withExif(jpeg, opts) {
  return Buffer.concat([jpeg.subarray(0, 2), exifSegment(opts), jpeg.subarray(2)]);
}

/** True when the bytes carry the GPS seconds rational of exifSegment. */
export function carriesGps(buf) {
  const r = Buffer.alloc(8);
  r.writeUInt32LE(GPS_LON_SECONDS[0], 0);
  r.writeUInt32LE(GPS_LON_SECONDS[1], 4);
  const rb = Buffer.alloc(8);
  rb.writeUInt32BE(GPS_LON_SECONDS[0], 0);
  rb.writeUInt32BE(GPS_LON_SECONDS[1], 4);
  return buf.includes(r) || buf.includes(rb);
}

// ---- PNG ----

const crcTable = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; t[n] = c; }
  return t;
})();
function crc32(buf) {
  let c = -1;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A valid-looking PNG that declares w × h pixels (a decompression bomb when large). */
export function pngDeclaring(w, h) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  const idat = zlib.deflateSync(Buffer.alloc(1 + 3 * Math.min(w, 1024)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

// ---- sizes of what the CDN sends ----

/** { format, width, height } of a JPEG, PNG or WebP. */
export function imageInfo(buf) {
  if (buf[0] === 0xff && buf[1] === 0xd8) {
    let i = 2;
    while (i < buf.length) {
      if (buf[i] !== 0xff) { i++; continue; }
      const m = buf[i + 1];
      const len = buf.readUInt16BE(i + 2);
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc)
        return { format: 'jpeg', height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7), progressive: m === 0xc2 };
      i += 2 + len;
    }
    return { format: 'jpeg' };
  }
  if (buf.subarray(1, 4).toString('latin1') === 'PNG') return { format: 'png', width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  if (buf.subarray(0, 4).toString('latin1') === 'RIFF' && buf.subarray(8, 12).toString('latin1') === 'WEBP') {
    const kind = buf.subarray(12, 16).toString('latin1');
    if (kind === 'VP8 ') return { format: 'webp', width: buf.readUInt16LE(26) & 0x3fff, height: buf.readUInt16LE(28) & 0x3fff };
    if (kind === 'VP8L') { const b = buf.readUInt32LE(21); return { format: 'webp', width: (b & 0x3fff) + 1, height: ((b >> 14) & 0x3fff) + 1 }; }
    if (kind === 'VP8X') return { format: 'webp', width: 1 + buf.readUIntLE(24, 3), height: 1 + buf.readUIntLE(27, 3) };
  }
  if (buf.subarray(4, 8).toString('latin1') === 'ftyp') return { format: 'avif' };
  return { format: 'unknown' };
}

// ---- multipart ----

/** A multipart/form-data body: parts [{ name, filename, type, data }]. */
export function multipart(parts, boundary = '----cc24' + randomBytes(8).toString('hex')) {
  const chunks = [];
  for (const p of parts) {
    let h = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name ?? 'photo'}"`;
    if (p.filename !== undefined) h += `; filename="${p.filename}"`;
    h += '\r\n';
    if (p.type !== null) h += `Content-Type: ${p.type || 'application/octet-stream'}\r\n`;
    chunks.push(Buffer.from(h + '\r\n', 'latin1'), Buffer.from(p.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

// ---- signed CDN URLs (the server runs with a known img-key / img-salt) ----

export const IMG_KEY = 'a1'.repeat(32);
export const IMG_SALT = '5e'.repeat(16);

/** /img/SIG/PATH signed as imgproxy does: base64url(HMAC-SHA256(key, salt || path)). */
export function signed(p, key = IMG_KEY, salt = IMG_SALT) {
  const h = createHmac('sha256', Buffer.from(key, 'hex'));
  h.update(Buffer.from(salt, 'hex'));
  h.update(p);
  return '/img/' + h.digest('base64url') + p;
}
