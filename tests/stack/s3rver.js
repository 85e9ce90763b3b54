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
require(d + "/lib/cli.js")
  .parseAsync(["node", "s3rver", ...process.argv.slice(2)])
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
