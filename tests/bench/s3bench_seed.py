#!/usr/bin/env python3
"""Seed a big bucket for the S3 benchmark by writing s3rver's on-disk layout.

Standard library only.  100,000 PUTs through s3rver would take many minutes;
its filesystem store (lib/stores/filesystem.js of @20minutes/s3rver 5.0.0)
keeps each object as plain files, so writing them directly takes seconds.
For key a/b/name in bucket B under the server's --directory ROOT:

  ROOT/B/a/b/name._S3rver_object         the content (its stat gives Size
                                          and LastModified)
  ROOT/B/a/b/name._S3rver_object.md5     hex MD5 (the ETag, quoted on output)
  ROOT/B/a/b/name._S3rver_metadata.json  allowed headers, as PutObject writes
                                          them (JSON.stringify(json, null, 2))

A bucket is a directory of ROOT; the server sees it on the next request, so
seeding works before or while it runs.  Content files are sparse (sizes are
those of real parquet parts and model files, the disk holds none of it) and
each .md5 is the MD5 of the key, not of the zeros: a listing shows it as the
ETag; nothing here GETs the objects.

  s3bench_seed.py --root DIR [--bucket bench] [--keys 100000] [--manifest F]

Keys (60% / 30% / 10% of --keys):
  raw/2026/MM/part-NNNNN.parquet            12 months
  features/SET/vN/part-NNNNN.parquet        6 sets x 5 versions
  models/NAME/NNNN/FILE                     20 models, 10 files a version
The manifest (JSON) gives count and bytes in total and per top-level prefix,
for the benchmark to check every listing against.
"""

import argparse
import calendar
import hashlib
import json
import os
import random
import sys
import time

SUFFIX = "._S3rver_"
FEATURE_SETS = ["user_embeddings", "item_stats", "sessions", "clickstream", "fraud_signals",
                "churn"]
MODELS = ["churn-xgb", "fraud-gbm", "ranker-bert", "ctr-dcn", "ltv-lgbm", "reco-als",
          "search-e5", "demand-prophet", "anomaly-iforest", "pricing-glm", "nsfw-vit",
          "asr-whisper", "ner-spacy", "sentiment-roberta", "forecast-tft", "embed-minilm",
          "ocr-trocr", "segment-unet", "caption-blip", "tabular-catboost"]
MODEL_FILES = [  # name, content type, size range (bytes)
    ("MLmodel", "application/octet-stream", (300, 900)),
    ("conda.yaml", "application/x-yaml", (200, 600)),
    ("python_env.yaml", "application/x-yaml", (100, 300)),
    ("requirements.txt", "text/plain", (80, 400)),
    ("input_example.json", "application/json", (200, 4000)),
    ("metrics.json", "application/json", (100, 2000)),
    ("params.json", "application/json", (100, 1500)),
    ("signature.json", "application/json", (200, 1200)),
    ("README.md", "text/markdown", (500, 5000)),
    ("model.pkl", "application/octet-stream", (5 << 20, 900 << 20)),
]
PARQUET = "application/vnd.apache.parquet"
T2026 = calendar.timegm((2026, 1, 1, 0, 0, 0))


def keys(n):
    """(key, size, content_type, mtime) for n keys, deterministic."""
    rnd = random.Random(4)
    nraw = n * 6 // 10
    nfeat = n * 3 // 10
    nmod = n - nraw - nfeat
    for i in range(nraw):
        month = i * 12 // nraw
        first = -(-month * nraw // 12)  # first index of this month
        day = (i - first) * 28 // max(1, nraw // 12)
        t = calendar.timegm((2026, month + 1, 1 + day, rnd.randrange(24), rnd.randrange(60),
                             rnd.randrange(60)))
        yield ("raw/2026/%02d/part-%05d.parquet" % (month + 1, i - first),
               rnd.randrange(64 << 20, 256 << 20), PARQUET, t)
    ndirs = len(FEATURE_SETS) * 5
    for i in range(nfeat):
        d = i * ndirs // nfeat
        first = -(-d * nfeat // ndirs)
        yield ("features/%s/v%d/part-%05d.parquet" % (FEATURE_SETS[d // 5], d % 5 + 1, i - first),
               rnd.randrange(1 << 20, 32 << 20), PARQUET,
               T2026 + d * 86400 * 11 + rnd.randrange(86400))
    for i in range(nmod):
        version = i // len(MODEL_FILES)
        name, ctype, (lo, hi) = MODEL_FILES[i % len(MODEL_FILES)]
        yield ("models/%s/%04d/%s" % (MODELS[version % len(MODELS)], version // len(MODELS) + 1,
                                      name),
               rnd.randrange(lo, hi), ctype, T2026 + version * 3600 * 7)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True, help="s3rver's --directory")
    ap.add_argument("--bucket", default="bench")
    ap.add_argument("--keys", type=int, default=100000)
    ap.add_argument("--manifest")
    a = ap.parse_args()
    t0 = time.monotonic()
    bdir = os.path.join(a.root, a.bucket)
    if os.path.exists(bdir):
        sys.exit("s3bench_seed: %s exists" % bdir)
    os.makedirs(bdir)
    made = set()
    per = {}
    total = [0, 0]
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    for key, size, ctype, mtime in keys(a.keys):
        parts = key.split("/")
        d = os.path.join(bdir, *parts[:-1])
        if d not in made:
            os.makedirs(d, exist_ok=True)
            made.add(d)
        base = os.path.join(d, parts[-1] + SUFFIX)
        fd = os.open(base + "object", flags, 0o644)
        os.ftruncate(fd, size)  # sparse: no block written
        os.utime(fd, (mtime, mtime))
        os.close(fd)
        with open(base + "object.md5", "x") as f:
            f.write(hashlib.md5(key.encode()).hexdigest())
        with open(base + "metadata.json", "x") as f:
            f.write(json.dumps({"content-type": ctype}, indent=2))
        top = parts[0] + "/"
        c = per.setdefault(top, [0, 0])
        c[0] += 1
        c[1] += size
        total[0] += 1
        total[1] += size
    man = {"bucket": a.bucket, "count": total[0], "bytes": total[1],
           "prefixes": {k: {"count": v[0], "bytes": v[1]} for k, v in sorted(per.items())}}
    if a.manifest:
        with open(a.manifest, "w") as f:
            json.dump(man, f, indent=1)
    print("seeded s3://%s: %d keys, %d bytes, %d directories in %.1f s" %
          (a.bucket, total[0], total[1], len(made), time.monotonic() - t0))


if __name__ == "__main__":
    main()
