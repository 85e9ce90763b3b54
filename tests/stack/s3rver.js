// tests/stack/s3rver.js — @20minutes/s3rver 5.0.0 as the stack runs it
// (the package ships no bin/ file; its lib/cli.js is the CLI), arguments
// those of the s3rver CLI.  S3RVER_PKG names the package directory.
//
// One fix to its filesystem store's listing walk.  The store skips
// directories two levels below a delimiter, so "raw/" never shows as a
// CommonPrefix when every key under it is deeper (raw/2026/11/x).  The walk
// here keeps the rest of its pruning (directories wholly before start-after
// or outside the prefix, whose keys the listing would drop anyway) and
// leaves that out; results are still filtered by key, so nothing else
// changes.  Without any pruning every page would walk the bucket from its
// first key, and a 100,000-key listing (tests/bench) would be quadratic.
// The store destructures utils.walk when loaded, so the patch goes in
// first; it walks synchronously inside listObjects, before its first await,
// so the options seen are those of the listing under way.
//
// A bucket's CreationDate is its directory's birth time, which nothing can
// set: a bucket named in the JSON file S3RVER_CREATED ({"data": ISO date},
// written by s3seed.py once it has seeded) reports that date instead, so
// that screens and tests can compare it.
const d = process.env.S3RVER_PKG;
const u = require(d + "/lib/utils");
const walk = u.walk;
let cur = null;
u.walk = (dir) => {
  const c = cur;
  return walk(dir, c && ((p) => {
    if (p < c.after && c.after.indexOf(p) === -1) return false;
    return p.startsWith(c.prefix) || c.prefix.startsWith(p);
  }));
};
const Store = require(d + "/lib/stores/filesystem");
const list = Store.prototype.listObjects;
Store.prototype.listObjects = function (bucket, o) {
  const root = this.getBucketPath(bucket) + "/";
  cur = { after: root + (o.startAfter || ""), prefix: root + (o.prefix || "") };
  try {
    return list.call(this, bucket, o);
  } finally {
    cur = null;
  }
};
const fs = require("fs");
const getBucket = Store.prototype.getBucket;
Store.prototype.getBucket = async function (bucket) {
  const b = await getBucket.call(this, bucket);
  const f = process.env.S3RVER_CREATED;
  if (b && f && fs.existsSync(f)) {
    const when = JSON.parse(fs.readFileSync(f, "utf8"))[bucket];
    if (when) b.creationDate = new Date(when);
  }
  return b;
};
const path = require("path");
// A completed multipart upload gets the ETag S3 and MinIO give it, the MD5
// of the parts' MD5s and "-N" (s3rver 5 gives the whole object's MD5,
// which no real store does): clients verify such an object by its size.
const crypto = require("crypto");
const putMpu = Store.prototype.putObjectMultipart;
Store.prototype.putObjectMultipart = async function (bucket, uploadId, parts) {
  const dir = path.join(this.getResourcePath(bucket, undefined, "uploads"), uploadId);
  const key = fs.readFileSync(path.join(dir, "key"), "utf8");
  const h = crypto.createHash("md5");
  const nums = parts.map((p) => p.number).sort((a, b) => a - b);
  for (const n of nums)
    h.update(Buffer.from(fs.readFileSync(path.join(dir, n + ".md5"), "utf8"), "hex"));
  const r = await putMpu.call(this, bucket, uploadId, parts);
  const etag = h.digest("hex") + "-" + nums.length;
  fs.writeFileSync(this.getResourcePath(bucket, key, "object.md5"), etag);
  return { md5: etag, size: r.size };
};
const xmlEsc = (v) => String(v).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const xmlDoc = (root, inner) =>
  '<?xml version="1.0" encoding="UTF-8"?>\n<' + root +
  ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' + inner + "</" + root + ">";
const noSuchUpload = (ctx, id) => {
  ctx.status = 404;
  ctx.type = "application/xml";
  ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code>' +
    "<Message>The specified upload does not exist.</Message><UploadId>" + xmlEsc(id) +
    "</UploadId></Error>";
};
async function multipart(ctx, store) {
  const q = ctx.query;
  const m = /^\/([^/]+)(?:\/(.+))?$/.exec(ctx.path);
  if (!m || !store) return false;
  const bucket = m[1];
  const key = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
  const dir = path.join(store.getResourcePath(bucket, undefined, "uploads"));
  if (key === undefined && ctx.method === "GET" && "uploads" in q) {
    let ids = [];
    try { ids = fs.readdirSync(dir); } catch (e) { /* none yet */ }
    const ups = [];
    for (const id of ids) {
      try {
        const k = fs.readFileSync(path.join(dir, id, "key"), "utf8");
        ups.push({ id, k, t: fs.statSync(path.join(dir, id)).mtime });
      } catch (e) { /* completed or aborted meanwhile */ }
    }
    ups.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.t - b.t));
    ctx.type = "application/xml";
    ctx.body = xmlDoc("ListMultipartUploadsResult", "<Bucket>" + xmlEsc(bucket) +
      "</Bucket><IsTruncated>false</IsTruncated>" + ups.map((u) => "<Upload><Key>" +
      xmlEsc(u.k) + "</Key><UploadId>" + xmlEsc(u.id) + "</UploadId><Initiated>" +
      u.t.toISOString() + "</Initiated><StorageClass>STANDARD</StorageClass></Upload>").join(""));
    return true;
  }
  if (key === undefined || !("uploadId" in q)) return false;
  const id = String(q.uploadId);
  const up = path.join(dir, path.basename(id));
  if (ctx.method !== "GET" && ctx.method !== "DELETE") return false;
  let owner;
  try { owner = fs.readFileSync(path.join(up, "key"), "utf8"); } catch (e) { owner = null; }
  if (owner !== key) {
    noSuchUpload(ctx, id);
    return true;
  }
  if (ctx.method === "DELETE") {
    fs.rmSync(up, { recursive: true, force: true });
    ctx.status = 204;
    return true;
  }
  const parts = fs.readdirSync(up).filter((f) => /^[0-9]+$/.test(f))
    .map(Number).sort((a, b) => a - b).map((n) => {
      const st = fs.statSync(path.join(up, String(n)));
      let md5 = "";
      try { md5 = fs.readFileSync(path.join(up, n + ".md5"), "utf8"); } catch (e) { /* none */ }
      return "<Part><PartNumber>" + n + "</PartNumber><LastModified>" + st.mtime.toISOString() +
        '</LastModified><ETag>"' + xmlEsc(md5) + '"</ETag><Size>' + st.size + "</Size></Part>";
    });
  ctx.type = "application/xml";
  ctx.body = xmlDoc("ListPartsResult", "<Bucket>" + xmlEsc(bucket) + "</Bucket><Key>" +
    xmlEsc(key) + "</Key><UploadId>" + xmlEsc(id) + "</UploadId>" +
    "<IsTruncated>false</IsTruncated>" + parts.join(""));
  return true;
}
const router = require(d + "/lib/routes");
const routes = router.routes.bind(router);
router.routes = () => {
  const mw = routes();
  return async (ctx, next) => ((await multipart(ctx, ctx.store)) ? undefined : mw(ctx, next));
};
require(d + "/lib/cli.js")
  .parseAsync(["node", "s3rver", ...process.argv.slice(2)])
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
