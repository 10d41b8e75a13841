// POST policies for tests/integration/upload_post.sh (Node 20, CommonJS).
//   node postpolicy.js sign-gcs KEYJSON URLBASE BUCKET OBJECT EXPIRES_S [PREFIX] [MAXBYTES]
//        the {url, fields} of @google-cloud/storage's generateSignedPostPolicyV4 (with a
//        ["starts-with", "$key", PREFIX] and a content-length-range condition when given)
//   node postpolicy.js sign-s3 ENDPOINT BUCKET KEY EXPIRES_S [PREFIX]   @aws-sdk/s3-presigned-post
//   node postpolicy.js serve --cert C --key K --dir D --pub PUBKEY --s3secret S [--port 443]
//        a form-POST server that checks what Cloud Storage and S3 check: the policy's
//        expiration, every condition against the submitted fields (bucket, key exact or
//        starts-with, content-length-range, every signed field), and the signature over the
//        base64 policy: GOOG4-RSA-SHA256 with the service account's public key, AWS4-HMAC-SHA256
//        with the key derived from the secret. ${filename} in the key is replaced by the file
//        part's name after the checks (as both services do). Stores D/objects/<key with / as _>,
//        logs one JSON line per request to D/log, writes D/ready when listening.
'use strict';
const fs = require('fs');
const path = require('path');
const https = require('https');
const crypto = require('crypto');

function args(list) {
  const o = { port: 443 };
  for (let i = 0; i < list.length; i++) if (list[i].startsWith('--')) o[list[i].slice(2)] = list[++i];
  return o;
}

async function signGcs(keyfile, base, bucket, object, expires, prefix, max) {
  const { Storage } = require('@google-cloud/storage');
  const key = JSON.parse(fs.readFileSync(keyfile));
  const storage = new Storage({ projectId: 'nr-test', credentials: key, apiEndpoint: base });
  const conditions = [];
  if (prefix) conditions.push(['starts-with', '$key', prefix]);
  if (max) conditions.push(['content-length-range', 0, Number(max)]);
  const [p] = await storage.bucket(bucket).file(object).generateSignedPostPolicyV4({
    expires: Date.now() + Number(expires) * 1000, conditions,
  });
  process.stdout.write(JSON.stringify(p) + '\n');
}

async function signS3(endpoint, bucket, key, expires, prefix) {
  const { S3Client } = require('@aws-sdk/client-s3');
  const { createPresignedPost } = require('@aws-sdk/s3-presigned-post');
  const c = new S3Client({
    region: 'us-east-1', endpoint, forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDNRTEST', secretAccessKey: 'nr-test-secret' },
  });
  const Conditions = prefix ? [['starts-with', '$key', prefix]] : [];
  const p = await createPresignedPost(c, { Bucket: bucket, Key: key, Conditions, Expires: Number(expires) });
  process.stdout.write(JSON.stringify(p) + '\n');
}

// multipart/form-data (RFC 7578), whole body in memory (test files are small).
function parseForm(body, boundary) {
  const parts = [];
  const delim = Buffer.from('--' + boundary);
  let i = body.indexOf(delim);
  if (i !== 0) throw new Error('body does not start with the boundary');
  for (;;) {
    i += delim.length;
    if (body.slice(i, i + 2).toString() === '--') break;
    if (body.slice(i, i + 2).toString() !== '\r\n') throw new Error('bad boundary line');
    i += 2;
    const he = body.indexOf('\r\n\r\n', i);
    const head = body.slice(i, he).toString();
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), he + 4);
    if (he < 0 || next < 0) throw new Error('truncated part');
    const m = /name="([^"]*)"(?:; filename="([^"]*)")?/.exec(head);
    parts.push({ name: m[1], filename: m[2], data: body.slice(he + 4, next) });
    i = next + 2;
  }
  return parts;
}

function hmac(k, s) { return crypto.createHmac('sha256', k).update(s).digest(); }

function check(fields, file, o) {
  const b64 = fields.policy || fields.Policy;
  if (!b64) return [400, 'InvalidPolicyDocument', 'no policy'];
  const doc = JSON.parse(Buffer.from(b64, 'base64').toString());
  if (Date.parse(doc.expiration) < Date.now()) return [400, 'ExpiredToken', 'policy expired'];
  const lc = {};
  for (const [k, v] of Object.entries(fields)) lc[k.toLowerCase()] = v;
  for (const c of doc.conditions) {
    if (Array.isArray(c)) {
      const [op, a, b] = c;
      if (op === 'content-length-range') {
        if (file.data.length < a || file.data.length > b) return [400, 'EntityTooLarge', 'content-length-range'];
        continue;
      }
      const v = lc[a.slice(1).toLowerCase()];
      if (op === 'starts-with' && !(v !== undefined && v.startsWith(b))) return [403, 'AccessDenied', `${a} does not start with ${b}`];
      if (op === 'eq' && v !== b) return [403, 'AccessDenied', `${a} is not ${b}`];
    } else {
      const [[k, v]] = Object.entries(c);
      if (k === 'bucket') continue; // the bucket is the URL's (or the field's)
      if (lc[k.toLowerCase()] !== v) return [403, 'AccessDenied', `condition ${k} not met (${lc[k.toLowerCase()]} != ${v})`];
    }
  }
  if (lc['x-goog-algorithm'] === 'GOOG4-RSA-SHA256') {
    const ok = crypto.verify('RSA-SHA256', Buffer.from(b64), fs.readFileSync(o.pub), Buffer.from(lc['x-goog-signature'] || '', 'hex'));
    if (!ok) return [403, 'SignatureDoesNotMatch', 'GOOG4 signature'];
  } else if (lc['x-amz-algorithm'] === 'AWS4-HMAC-SHA256') {
    const [, date, region, service] = lc['x-amz-credential'].split('/');
    let k = hmac('AWS4' + o.s3secret, date);
    k = hmac(hmac(hmac(k, region), service), 'aws4_request');
    if (hmac(k, b64).toString('hex') !== lc['x-amz-signature']) return [403, 'SignatureDoesNotMatch', 'AWS4 signature'];
  } else return [400, 'InvalidArgument', 'no known signature algorithm'];
  return null;
}

function serve(o) {
  const dir = o.dir;
  fs.mkdirSync(path.join(dir, 'objects'), { recursive: true });
  const log = (x) => fs.appendFileSync(path.join(dir, 'log'), JSON.stringify(x) + '\n');
  const srv = https.createServer({ key: fs.readFileSync(o.key), cert: fs.readFileSync(o.cert) }, (req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry = { method: req.method, path: req.url, ctype: req.headers['content-type'], length: body.length };
      const fail = (st, code, msg) => {
        entry.status = st; entry.code = code; entry.msg = msg; log(entry);
        const x = `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${msg}</Message></Error>`;
        res.writeHead(st, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(x) });
        res.end(x);
      };
      try {
        const m = /boundary=([^;]+)/.exec(req.headers['content-type'] || '');
        if (req.method !== 'POST' || !m) return fail(400, 'InvalidArgument', 'a multipart/form-data POST is expected');
        const parts = parseForm(body, m[1]);
        const fields = {};
        let file = null;
        for (const p of parts) {
          if (p.name === 'file') { file = p; break; } // fields after the file are ignored
          fields[p.name] = p.data.toString();
        }
        entry.fields = Object.keys(fields);
        if (!file) return fail(400, 'InvalidArgument', 'no file part');
        const bad = check(fields, file, o);
        if (bad) return fail(...bad);
        const key = (fields.key || '').replace('${filename}', file.filename);
        entry.key = key; entry.status = 204; log(entry);
        fs.writeFileSync(path.join(dir, 'objects', key.replace(/\//g, '_')), file.data);
        const md5 = crypto.createHash('md5').update(file.data).digest('hex');
        res.writeHead(204, { ETag: `"${md5}"` });
        res.end();
      } catch (e) { fail(400, 'MalformedPOSTRequest', String(e.message)); }
    });
  });
  srv.listen(Number(o.port), '::', () => fs.writeFileSync(path.join(dir, 'ready'), String(srv.address().port)));
  process.on('SIGTERM', () => process.exit(0));
}

const [cmd, ...rest] = process.argv.slice(2);
const run = {
  'sign-gcs': () => signGcs(...rest),
  'sign-s3': () => signS3(...rest),
  serve: () => serve(args(rest)),
}[cmd];
if (!run) { console.error('usage: see the head of postpolicy.js'); process.exit(2); }
Promise.resolve(run()).catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
