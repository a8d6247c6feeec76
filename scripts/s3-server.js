#!/usr/bin/env node
// s3rver 3.7.1 as the S3 server of the media store tests, made to behave like S3 in the
// three ways the tests depend on and s3rver does not (plus its listings of > 1000 keys,
// broken on OpenSSL 3: see desToAes below) (read its lib/middleware/
// authentication.js: "Signature version 4 calculation is unimplemented", and "skip payload
// verification"; lib/stores/filesystem.js writes objects in place):
//
//  1. SigV4 signatures are verified (canonical request, string to sign, signing key, as AWS
//     documents them): a wrong secret gets 403 SignatureDoesNotMatch, an unknown access key
//     403 InvalidAccessKeyId. host, x-amz-date and x-amz-content-sha256 must be signed.
//  2. x-amz-content-sha256, when it is a hash, is checked against the bytes received:
//     400 XAmzContentSHA256Mismatch, and nothing is stored.
//  3. A PUT is atomic: the body goes to a temporary file outside the bucket tree and is
//     renamed into place when complete, so a reader sees the old object or the new one.
//
// The only key pair is the one given here (s3rver's built-in S3RVER/S3RVER is revoked).
//
//   node scripts/s3-server.js --port P --dir DATA --tmp TMP --bucket B \
//        --access-key AK --secret-key SK
// Prints "listening PORT" on stdout once it answers.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { pipeline, Transform } = require('stream');

const S3rver = require('s3rver');
const AWSAccount = require('s3rver/lib/models/account');
const S3Error = require('s3rver/lib/models/error');
const FilesystemStore = require('s3rver/lib/stores/filesystem');

function args() {
  const out = {};
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i += 2) {
    if (!a[i].startsWith('--') || i + 1 >= a.length) throw new Error(`bad argument ${a[i]}`);
    out[a[i].slice(2)] = a[i + 1];
  }
  for (const k of ['port', 'dir', 'tmp', 'bucket', 'access-key', 'secret-key'])
    if (!out[k]) throw new Error(`--${k} is required`);
  return out;
}

const opt = args();

// s3rver's ListObjectsV2 continuation tokens are DES-encrypted (lib/controllers/bucket.js),
// and OpenSSL 3 has DES only in its legacy provider: without this every listing of more
// than 1000 keys answers 500. Its tokens only need to decrypt again in this process, so DES
// (8-byte key and IV) becomes AES-128-CBC with both doubled.
const realCipheriv = crypto.createCipheriv;
const realDecipheriv = crypto.createDecipheriv;
const desToAes = (alg, key, iv) =>
  alg === 'des' ? ['aes-128-cbc', Buffer.concat([key, key]), Buffer.concat([iv, iv])] : [alg, key, iv];
crypto.createCipheriv = (alg, key, iv, o) => realCipheriv(...desToAes(alg, key, iv), o);
crypto.createDecipheriv = (alg, key, iv, o) => realDecipheriv(...desToAes(alg, key, iv), o);

AWSAccount.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
AWSAccount.DUMMY_ACCOUNT.createKeyPair(opt['access-key'], opt['secret-key']);

// ---- 1. SigV4 verification -------------------------------------------------------------

// RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - . _ ~, upper-case hex.
function uriEncode(s) {
  return Buffer.from(s, 'utf8')
    .toString('binary')
    .replace(/[^A-Za-z0-9\-._~]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

function decode(s) {
  try {
    return decodeURIComponent(s);
  } catch (e) {
    throw new S3Error('InvalidURI', 'Could not parse the specified URI.');
  }
}

function canonicalUri(rawPath) {
  return rawPath
    .split('/')
    .map(seg => uriEncode(decode(seg)))
    .join('/');
}

function canonicalQuery(rawQuery) {
  if (!rawQuery) return '';
  return rawQuery
    .split('&')
    .filter(p => p.length > 0)
    .map(p => {
      const eq = p.indexOf('=');
      const name = eq < 0 ? p : p.slice(0, eq);
      const value = eq < 0 ? '' : p.slice(eq + 1);
      return [uriEncode(decode(name)), uriEncode(decode(value))];
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([n, v]) => `${n}=${v}`)
    .join('&');
}

function hmac(key, data) {
  return crypto.createHmac('sha256', key).update(data, 'utf8').digest();
}

function sha256hex(data) {
  return crypto.createHash('sha256').update(data, 'utf8').digest('hex');
}

function verifySigV4(ctx) {
  const auth = ctx.headers['authorization'];
  if (!auth) return; // anonymous: s3rver answers as it does
  const m = /^AWS4-HMAC-SHA256 Credential=([^,]+),\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) throw new S3Error('AuthorizationHeaderMalformed', 'The authorization header is malformed.');
  const [accessKey, date, region, service, term] = m[1].split('/');
  const signedHeaders = m[2];
  const signature = m[3];
  const secret = AWSAccount.DUMMY_ACCOUNT.accessKeys.get(accessKey);
  if (secret === undefined)
    throw new S3Error(
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
      { AWSAccessKeyId: accessKey },
    );
  const amzDate = ctx.headers['x-amz-date'] || '';
  const payloadHash = ctx.headers['x-amz-content-sha256'];
  const names = signedHeaders.split(';');
  for (const required of ['host', 'x-amz-date', 'x-amz-content-sha256'])
    if (!names.includes(required))
      throw new S3Error('AccessDenied', `There were headers present in the request which were not signed: ${required}`);
  if (term !== 'aws4_request' || service !== 's3' || !amzDate.startsWith(date))
    throw new S3Error('AuthorizationHeaderMalformed', 'The authorization header is malformed; the credential scope is wrong.');
  const headerLines = names.map(n => {
    const v = ctx.headers[n];
    if (v === undefined)
      throw new S3Error('AccessDenied', `A signed header is missing from the request: ${n}`);
    return `${n}:${String(v).trim().replace(/\s+/g, ' ')}\n`;
  });
  const raw = ctx.originalUrl;
  const q = raw.indexOf('?');
  const canonical = [
    ctx.method,
    canonicalUri(q < 0 ? raw : raw.slice(0, q)),
    canonicalQuery(q < 0 ? '' : raw.slice(q + 1)),
    headerLines.join(''),
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/${term}`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n');
  let key = hmac('AWS4' + secret, date);
  key = hmac(key, region);
  key = hmac(key, service);
  key = hmac(key, term);
  const expected = crypto.createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  if (!crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature)))
    throw new S3Error(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. ' +
        'Check your key and signing method.',
      { AWSAccessKeyId: accessKey, CanonicalRequest: canonical, StringToSign: toSign },
    );
}

// ---- 2. and 3. payload hash and atomic PUT ------------------------------------------------

let tmpSeq = 0;

FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
  const tmp = path.join(opt.tmp, `${process.pid}-${++tmpSeq}-${crypto.randomBytes(6).toString('hex')}`);
  const md5 = crypto.createHash('md5');
  const sha = crypto.createHash('sha256');
  let size = 0;
  const hasher = new Transform({
    transform(chunk, enc, cb) {
      md5.update(chunk);
      sha.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  const source = Buffer.isBuffer(object.content)
    ? require('stream').Readable.from([object.content])
    : object.content;
  try {
    await new Promise((resolve, reject) =>
      pipeline(source, hasher, fs.createWriteStream(tmp), err => (err ? reject(err) : resolve())),
    );
    const want = object.content && object.content.cc24ExpectedSha256;
    const got = sha.digest('hex');
    if (want && want !== got) {
      const err = new S3Error(
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        { ClientComputedContentSHA256: want, S3ComputedContentSHA256: got },
      );
      err.status = 400;
      err.expose = true;
      throw err;
    }
    const md5hex = md5.digest('hex');
    await this.putMetadata(object.bucket, object.key, object.metadata, md5hex);
    await fs.promises.rename(tmp, objectPath);
    return { size, md5: md5hex };
  } finally {
    await fs.promises.rm(tmp, { force: true });
  }
};

const server = new S3rver({
  address: '127.0.0.1',
  port: Number(opt.port),
  directory: opt.dir,
  silent: true,
  configureBuckets: [{ name: opt.bucket }],
});

// First in the chain, so every request is checked before s3rver's own handling.
server.middleware.unshift(async function sigv4(ctx, next) {
  verifySigV4(ctx);
  const h = ctx.headers['x-amz-content-sha256'];
  if (h && /^[0-9a-f]{64}$/.test(h)) ctx.req.cc24ExpectedSha256 = h;
  await next();
});

server.run().then(
  addr => {
    process.stdout.write(`listening ${addr.port}\n`);
  },
  err => {
    process.stderr.write(`s3-server: ${err.stack || err}\n`);
    process.exit(1);
  },
);

for (const sig of ['SIGTERM', 'SIGINT'])
  process.on(sig, () => {
    server.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
