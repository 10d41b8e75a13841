// Peers for tests/integration/upload*.sh and bench/upload.sh (Node 20, CommonJS).
//   node peers.js sign-gcs KEYJSON URLBASE BUCKET OBJECT METHOD EXPIRES_S [HEADER=VALUE...]
//        a V4 signed URL made by @google-cloud/storage (action write, or resumable for POST)
//   node peers.js sign-s3 ENDPOINT BUCKET KEY EXPIRES_S   a URL pre-signed by the AWS SDK v3
//   node peers.js serve-gcs --cert C --key K --dir D --pub PUBKEY [--port 443] [--faults f1,f2]
//        a Cloud-Storage-like server: verifies GOOG4-RSA-SHA256 signatures, single PUT and the
//        resumable protocol, with faults injected once each: cut (connection cut mid-chunk),
//        503 (first chunk answered 503), norange (first chunk answered 308 without Range),
//        put503 / putcut (a single PUT of an object named retry* answered 503 / cut mid-body)
//   node peers.js serve-plain --cert C --key K --dir D [--port 443] [--discard]   any PUT stored;
//        paths holding /redirect answer 307 to another host, /stallbody stop reading the body,
//        /stallresp read the body and never answer
//   node peers.js serve-mitm --cert C --key K --dir D --port P --target-port T [--faults badhash]
//        a TLS front end to https://127.0.0.1:T (s3rver, Azurite) that passes requests through
//        and, with badhash, replaces the ETag and Content-MD5 of every reply (a corrupt store)
//   node peers.js sign-azure ACCOUNT KEY_B64 BASEURL CONTAINER BLOB EXPIRES_S
//        a URL with an Azure account SAS (sv=2019-12-12, HMAC-SHA256 with the account key)
//   node peers.js azure-container ACCOUNT KEY_B64 BASEURL CONTAINER   creates the container
//   node peers.js serve-s3 --cert C --key K --dir D [--port 443]   s3rver (bucket "bucket")
//   node peers.js serve-proxy --dir D --port P [--target ADDR]   CONNECT-only proxy (to ADDR)
// Servers listen on [::] (IPv4 too), log one JSON line per request to D/log, and write
// D/ready when listening. Objects go to D/objects/<path with / as _>.
'use strict';
const fs = require('fs');
const path = require('path');
const https = require('https');
const crypto = require('crypto');

function args(list) {
  const o = { port: 443, faults: '' };
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    if (a === '--discard') o.discard = true;
    else if (a.startsWith('--')) o[a.slice(2)] = list[++i];
  }
  return o;
}

// --- CRC32C (Castagnoli), for x-goog-hash ---
const CRC_T = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();
function crc32c(crc, buf) {
  crc = ~crc >>> 0;
  for (let i = 0; i < buf.length; i++) crc = (CRC_T[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8)) >>> 0;
  return ~crc >>> 0;
}
function fileHashes(file) {
  const md5 = crypto.createHash('md5');
  let crc = 0;
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  let n;
  while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) {
    md5.update(buf.subarray(0, n));
    crc = crc32c(crc, buf.subarray(0, n));
  }
  fs.closeSync(fd);
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc);
  return `crc32c=${c.toString('base64')},md5=${md5.digest('base64')}`;
}

function xmlError(res, status, code, msg) {
  res.writeHead(status, { 'Content-Type': 'application/xml; charset=UTF-8' });
  res.end(`<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${msg}</Message></Error>`);
}

function serverBase(o, handler, onContinue) {
  const dir = o.dir;
  fs.mkdirSync(path.join(dir, 'objects'), { recursive: true });
  const logf = path.join(dir, 'log');
  const log = (x) => fs.appendFileSync(logf, JSON.stringify(x) + '\n');
  const srv = https.createServer({ key: fs.readFileSync(o.key), cert: fs.readFileSync(o.cert) },
    (req, res) => handler(req, res, log));
  // Expect: 100-continue: decide on the head alone (Cloud Storage refuses a bad signature
  // before the body); without this listener Node answers 100 Continue itself.
  if (onContinue) srv.on('checkContinue', (req, res) => onContinue(req, res, log));
  srv.listen(Number(o.port), '::', () => fs.writeFileSync(path.join(dir, 'ready'), String(srv.address().port)));
  process.on('SIGTERM', () => process.exit(0));
}

function objPath(dir, p) {
  return path.join(dir, 'objects', decodeURIComponent(p).replace(/^\//, '').replace(/\//g, '_'));
}

// --- plain PUT server ---
function servePlain(o) {
  serverBase(o, (req, res, log) => {
    const u = new URL(req.url, 'https://x');
    log({ method: req.method, path: u.pathname, headers: req.headers });
    if (req.method !== 'PUT') return xmlError(res, 405, 'MethodNotAllowed', 'PUT only');
    if (u.pathname.includes('/redirect')) {
      req.resume();
      res.writeHead(307, { Location: 'https://elsewhere.example.com/moved/obj?sig=REDIRSECRET&sv=1', 'Content-Length': 0 });
      return res.end();
    }
    if (u.pathname.includes('/stallbody')) { req.pause(); return; } // never reads: TCP window closes
    if (u.pathname.includes('/stallresp')) { req.resume(); return; } // reads, never answers
    let n = 0;
    const sink = o.discard ? null : fs.createWriteStream(objPath(o.dir, u.pathname));
    req.on('data', (d) => { n += d.length; if (sink) sink.write(d); });
    req.on('end', () => {
      const done = () => { res.writeHead(200, { 'Content-Length': 0 }); res.end(); };
      if (sink) sink.end(done); else done();
    });
  });
}

// --- Cloud-Storage-like server (fault slow: each chunk of an object named slow* answered 150 ms late) ---
// RFC 3986 unreserved characters stay; everything else %XX (as GCS canonicalises the query).
function enc(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function verifyV4(req, u, pub) {
  const raw = u.search.slice(1).split('&').filter((x) => x);
  const q = {};
  const pairs = [];
  for (const kv of raw) {
    const i = kv.indexOf('=');
    const k = decodeURIComponent(i < 0 ? kv : kv.slice(0, i));
    const v = decodeURIComponent(i < 0 ? '' : kv.slice(i + 1));
    q[k] = v;
    if (k !== 'X-Goog-Signature') pairs.push([enc(k), enc(v)]);
  }
  if (!q['X-Goog-Signature']) return { code: 'MissingSecurityHeader', status: 400 };
  const d = q['X-Goog-Date'];
  const t0 = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));
  if (Date.now() > t0 + Number(q['X-Goog-Expires']) * 1000) return { code: 'ExpiredToken', status: 400, msg: 'Invalid argument. The provided token has expired.' };
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const signed = q['X-Goog-SignedHeaders'].split(';');
  // The signer puts the host name without the port; real Cloud Storage is on 443 anyway.
  const hv = (h) => (h === 'host' ? req.headers.host.replace(/:\d+$/, '') : String(req.headers[h] ?? ''));
  const headers = signed.map((h) => `${h}:${hv(h).trim().replace(/\s{2,}/g, ' ')}\n`).join('');
  const creq = [req.method, u.pathname, pairs.map(([k, v]) => `${k}=${v}`).join('&'), headers, signed.join(';'), 'UNSIGNED-PAYLOAD'].join('\n');
  const scope = q['X-Goog-Credential'].split('/').slice(1).join('/');
  const sts = ['GOOG4-RSA-SHA256', d, scope, crypto.createHash('sha256').update(creq).digest('hex')].join('\n');
  const ok = crypto.verify('RSA-SHA256', Buffer.from(sts), pub, Buffer.from(q['X-Goog-Signature'], 'hex'));
  if (!ok) return { code: 'SignatureDoesNotMatch', status: 403, msg: 'The request signature we calculated does not match the signature you provided.' };
  for (const h of signed) if (h !== 'host' && req.headers[h] === undefined) return { code: 'MissingSecurityHeader', status: 400 };
  return null;
}

const UNIT = 256 * 1024;

function serveGcs(o) {
  const pub = fs.readFileSync(o.pub);
  const faults = new Set(o.faults.split(',').filter((x) => x));
  const sessions = {};
  const handle = (req, res, log) => {
    const u = new URL(req.url, 'https://x');
    const entry = { method: req.method, path: u.pathname, range: req.headers['content-range'], length: req.headers['content-length'], md5: req.headers['content-md5'], expect: req.headers.expect };
    const id = u.searchParams.get('upload_id');
    if (id) return sessionPut(req, res, sessions[id], entry, log);
    const bad = verifyV4(req, u, pub);
    entry.verdict = bad ? bad.code : 'ok';
    log(entry);
    if (bad) { req.resume(); return xmlError(res, bad.status, bad.code, bad.msg || bad.code); }
    if (req.method === 'POST' && req.headers['x-goog-resumable'] === 'start') {
      const sid = crypto.randomBytes(16).toString('hex');
      const file = objPath(o.dir, u.pathname);
      fs.writeFileSync(file, '');
      sessions[sid] = { file, have: 0, done: false, total: -1 };
      req.resume();
      res.writeHead(201, { Location: `https://${req.headers.host}/upload/storage/v1/b/x/o?uploadType=resumable&upload_id=${sid}`, 'Content-Length': 0 });
      return res.end();
    }
    if (req.method !== 'PUT') { req.resume(); return xmlError(res, 405, 'MethodNotAllowed', 'PUT or resumable POST'); }
    const file = objPath(o.dir, u.pathname);
    // Faults for single PUTs, only on objects named retry*: a 503 after the body, a cut mid-body.
    if (u.pathname.includes('/retry') && faults.delete('put503')) {
      req.resume();
      return req.on('end', () => xmlError(res, 503, 'ServiceUnavailable', 'try again'));
    }
    if (u.pathname.includes('/retry') && faults.delete('putcut')) {
      let got = 0;
      return req.on('data', (d) => { got += d.length; if (got > 1048576) req.socket.destroy(); });
    }
    const out = fs.createWriteStream(file);
    req.pipe(out);
    out.on('finish', () => {
      res.writeHead(200, { 'x-goog-hash': fileHashes(file), 'Content-Length': 2 });
      res.end('{}');
    });
  };
  serverBase(o, handle, (req, res, log) => {
    const u = new URL(req.url, 'https://x');
    const bad = u.searchParams.get('upload_id') ? null : verifyV4(req, u, pub);
    if (!bad) {
      res.writeContinue();
      return handle(req, res, log);
    }
    log({ method: req.method, path: u.pathname, verdict: bad.code, continue: 'refused' });
    res.shouldKeepAlive = false;
    xmlError(res, bad.status, bad.code, bad.msg || bad.code);
  });

  function sessionPut(req, res, s, entry, log) {
    if (!s) { req.resume(); log({ ...entry, verdict: 'nosession' }); return xmlError(res, 404, 'NoSuchUpload', 'no such session'); }
    const cr = /^bytes (\*|(\d+)-(\d+))\/(\*|\d+)$/.exec(req.headers['content-range'] || '');
    if (!cr) { req.resume(); return xmlError(res, 400, 'InvalidArgument', 'bad Content-Range'); }
    if (cr[4] !== '*') s.total = Number(cr[4]);
    const status = () => {
      if (s.done) {
        res.writeHead(200, { 'x-goog-hash': fileHashes(s.file), 'Content-Length': 2 });
        return res.end('{}');
      }
      res.writeHead(308, s.have ? { Range: `bytes=0-${s.have - 1}`, 'Content-Length': 0 } : { 'Content-Length': 0 });
      res.end();
    };
    if (cr[1] === '*') {
      log({ ...entry, verdict: 'query', have: s.have });
      req.resume();
      if (s.total === s.have) s.done = true;
      return req.on('end', status);
    }
    const start = Number(cr[2]), end = Number(cr[3]), len = end - start + 1;
    const last = s.total >= 0 && end + 1 === s.total;
    if (start > s.have || (!last && len % UNIT)) {
      log({ ...entry, verdict: 'badchunk', have: s.have });
      req.resume();
      return xmlError(res, 400, 'InvalidArgument', `chunk ${start}-${end} (have ${s.have}) not a multiple of 256 KiB`);
    }
    const chunks = [];
    let got = 0;
    let fault = null;
    if (start === 0 && faults.delete('503')) fault = '503';
    else if (start === 0 && faults.delete('norange')) fault = 'norange';
    else if (start > 0 && faults.has('cut')) { faults.delete('cut'); fault = 'cut'; }
    log({ ...entry, verdict: fault || 'chunk', have: s.have });
    const slow = faults.has('slow') && s.file.includes('slow') ? 150 : 0;
    req.on('data', (d) => {
      chunks.push(d);
      got += d.length;
      if (fault === 'cut' && got >= len / 2) {
        // Keep what arrived, in whole 256 KiB units, as Cloud Storage persists it.
        const keep = Math.floor(got / UNIT) * UNIT;
        const buf = Buffer.concat(chunks).subarray(0, keep);
        fs.appendFileSync(s.file, buf.subarray(s.have - start));
        s.have = start + keep;
        fault = 'done';
        req.socket.destroy();
      }
    });
    req.on('end', () => {
      if (fault === 'done') return;
      if (fault === '503') return xmlError(res, 503, 'ServiceUnavailable', 'try again');
      if (fault === 'norange') { res.writeHead(308, { 'Content-Length': 0 }); return res.end(); }
      const buf = Buffer.concat(chunks);
      fs.appendFileSync(s.file, buf.subarray(s.have - start));
      s.have = end + 1;
      if (last) s.done = true;
      setTimeout(status, slow);
    });
  }
}

// --- s3rver over HTTPS ---
function serveS3(o) {
  const S3rver = require('s3rver');
  fs.mkdirSync(path.join(o.dir, 's3'), { recursive: true });
  const srv = new S3rver({
    address: '::', port: Number(o.port), silent: true, directory: path.join(o.dir, 's3'),
    key: fs.readFileSync(o.key), cert: fs.readFileSync(o.cert), configureBuckets: [{ name: 'bucket' }],
  });
  srv.run().then(() => fs.writeFileSync(path.join(o.dir, 'ready'), String(o.port)));
  process.on('SIGTERM', () => srv.close().then(() => process.exit(0)));
}

// --- an HTTP proxy that only does CONNECT (as Squid in front of a private node would) ---
function serveProxy(o) {
  const http = require('http');
  const net = require('net');
  const logf = path.join(o.dir, 'proxy.log');
  const srv = http.createServer((req, res) => { res.writeHead(405); res.end(); });
  srv.on('connect', (req, sock, head) => {
    fs.appendFileSync(logf, `CONNECT ${req.url}\n`);
    const [h, p] = req.url.startsWith('[') ? [req.url.slice(1, req.url.indexOf(']')), req.url.split(':').pop()] : req.url.split(':');
    const up = net.connect(Number(p), o.target || h, () => {
      sock.write('HTTP/1.1 200 Connection established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(sock);
      sock.pipe(up);
    });
    up.on('error', () => sock.destroy());
    sock.on('error', () => up.destroy());
  });
  srv.listen(Number(o.port), '127.0.0.1', () => fs.writeFileSync(path.join(o.dir, 'proxy.ready'), String(o.port)));
  process.on('SIGTERM', () => process.exit(0));
}

// --- a TLS front end that can corrupt the hash a store reports ---
function serveMitm(o) {
  const faults = new Set((o.faults || '').split(',').filter((x) => x));
  serverBase(o, (req, res, log) => {
    const up = https.request({ host: '127.0.0.1', port: Number(o['target-port']), method: req.method, path: req.url,
      headers: req.headers, rejectUnauthorized: false }, (r) => {
      const h = { ...r.headers };
      if (faults.has('badhash')) {
        if (h.etag) h.etag = '"0123456789abcdef0123456789abcdef"';
        if (h['content-md5']) h['content-md5'] = 'ASNFZ4mrze8BI0VniavN7w==';
      }
      log({ method: req.method, path: new URL(req.url, 'https://x').pathname, status: r.statusCode, etag: r.headers.etag, md5: r.headers['content-md5'], sentmd5: req.headers['content-md5'] });
      res.writeHead(r.statusCode, h);
      r.pipe(res);
    });
    up.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
    req.pipe(up);
  });
}

// --- Azure account SAS (learn.microsoft.com/rest/api/storageservices/create-account-sas, version 2019-12-12) ---
function azureSas(account, key, expiresS) {
  const se = new Date(Date.now() + Number(expiresS) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const f = { sv: '2019-12-12', ss: 'b', srt: 'sco', sp: 'rwdlac', se, spr: 'https' };
  const sts = [account, f.sp, f.ss, f.srt, '', f.se, '', f.spr, f.sv, ''].join('\n');
  const sig = crypto.createHmac('sha256', Buffer.from(key, 'base64')).update(sts, 'utf8').digest('base64');
  return new URLSearchParams({ ...f, sig }).toString();
}
function signAzure(account, key, base, container, blob, expires) {
  process.stdout.write(`${base}/${container}/${blob}?${azureSas(account, key, expires)}\n`);
}
async function azureContainer(account, key, base, container) {
  const u = new URL(`${base}/${container}?restype=container&${azureSas(account, key, 600)}`);
  await new Promise((ok, bad) => {
    // Names resolve only through --resolve in the tests' netns: connect to loopback, Host as named.
    const r = https.request({ host: '127.0.0.1', port: u.port, path: u.pathname + u.search, servername: u.hostname, method: 'PUT',
      rejectUnauthorized: false, headers: { Host: u.host, 'Content-Length': 0, 'x-ms-version': '2019-12-12' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 201 || res.statusCode === 409 ? ok() : bad(new Error(`HTTP ${res.statusCode}`))));
    });
    r.on('error', bad);
    r.end();
  });
}

async function signGcs(keyfile, base, bucket, object, method, expires, hdrs) {
  const { Storage } = require('@google-cloud/storage');
  const key = JSON.parse(fs.readFileSync(keyfile));
  const storage = new Storage({ projectId: 'nr-test', credentials: key, apiEndpoint: base });
  const extensionHeaders = {};
  for (const h of hdrs) { const i = h.indexOf('='); extensionHeaders[h.slice(0, i)] = h.slice(i + 1); }
  const [url] = await storage.bucket(bucket).file(object).getSignedUrl({
    version: 'v4', action: method === 'POST' ? 'resumable' : 'write',
    expires: Date.now() + Number(expires) * 1000, extensionHeaders,
  });
  process.stdout.write(url + '\n');
}

async function signS3(endpoint, bucket, key, expires) {
  const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');
  const { getSignedUrl } = require('@aws-sdk/s3-request-presigner');
  const c = new S3Client({
    region: 'us-east-1', endpoint, forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const url = await getSignedUrl(c, new PutObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: Number(expires) });
  process.stdout.write(url + '\n');
}

const [cmd, ...rest] = process.argv.slice(2);
const run = {
  'serve-plain': () => servePlain(args(rest)),
  'serve-gcs': () => serveGcs(args(rest)),
  'serve-s3': () => serveS3(args(rest)),
  'serve-proxy': () => serveProxy(args(rest)),
  'serve-mitm': () => serveMitm(args(rest)),
  'sign-azure': () => signAzure(rest[0], rest[1], rest[2], rest[3], rest[4], rest[5]),
  'azure-container': () => azureContainer(rest[0], rest[1], rest[2], rest[3]),
  'sign-gcs': () => signGcs(rest[0], rest[1], rest[2], rest[3], rest[4], rest[5], rest.slice(6)),
  'sign-s3': () => signS3(rest[0], rest[1], rest[2], rest[3]),
}[cmd];
if (!run) { console.error('usage: see the head of peers.js'); process.exit(2); }
Promise.resolve(run()).catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
