#!/usr/bin/env python3
"""Seed the local S3 server (s3rver) of tests/stack with a believable platform.

Standard library only.  Every request is signed with AWS Signature Version 4
(s3rver 5 verifies signatures), path-style addressing.

  s3seed.py --endpoint http://127.0.0.1:PORT [--access-key S3RVER]
            [--secret-key S3RVER] [--region us-east-1] [--mlflow-url URL]
            [--runs N] [--jobs N] [--store DIR --created FILE]

Bucket "mlflow": an MLflow artifact tree <exp_id>/<run_id>/artifacts/...
(model/MLmodel, model/model.pkl, feature_importance.csv, metrics.json,
plots/*.png, ...).  When --mlflow-url answers, experiment and run ids are
taken from the MLflow (simulator) REST API so the console can link runs to
their artifacts; otherwise deterministic ids are made up.

Bucket "data": a few hundred dataset keys in nested prefixes
(raw/2026/11/part-0000.parquet, ...), including keys with spaces, "+", "="
and non-ASCII characters.

The content is deterministic (fixed random seed) apart from the run ids.
With --store (s3rver's --directory) the dates are too: each seeded object's
Last-Modified is pinned (PINNED_BASE plus a few days fixed by its stored
name), and --created gets the buckets' creation dates, which tests/stack/
s3rver.js reports instead of the directories' birth times.
Exit status 0 when every object was stored and the listings agree.
"""

import argparse
import concurrent.futures
import datetime
import hashlib
import hmac
import http.client
import json
import random
import re
import sys
import threading
import os
import time
import urllib.parse
import zlib
import urllib.request
import xml.etree.ElementTree as ET

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def uri_encode(s, keep_slash):
    """RFC 3986 encoding as SigV4 wants it: everything but A-Za-z0-9-_.~ is
    percent-encoded (UTF-8), '/' kept only in object paths."""
    return urllib.parse.quote(s, safe="-_.~/" if keep_slash else "-_.~")


class S3:
    def __init__(self, endpoint, access_key, secret_key, region):
        u = urllib.parse.urlsplit(endpoint)
        if u.scheme != "http" or not u.hostname:
            raise SystemExit("s3seed: endpoint must be http://host:port, got %r" % endpoint)
        self.host = u.hostname
        self.port = u.port or 80
        self.hosthdr = u.netloc
        self.ak = access_key
        self.sk = secret_key
        self.region = region
        self.local = threading.local()

    def _conn(self, fresh=False):
        c = getattr(self.local, "conn", None)
        if c is None or fresh:
            if c is not None:
                c.close()
            c = http.client.HTTPConnection(self.host, self.port, timeout=15)
            self.local.conn = c
        return c

    def _signing_key(self, datestamp):
        k = ("AWS4" + self.sk).encode()
        for part in (datestamp, self.region, "s3", "aws4_request"):
            k = hmac.new(k, part.encode(), hashlib.sha256).digest()
        return k

    def request(self, method, bucket, key="", query=None, body=b"", headers=None):
        """Signed request; returns (status, headers, body bytes)."""
        path = "/" + bucket
        if key:
            path += "/" + key
        canon_path = uri_encode(path, keep_slash=True)
        pairs = sorted((uri_encode(k, False), uri_encode(v, False))
                       for k, v in (query or {}).items())
        canon_query = "&".join("%s=%s" % kv for kv in pairs)
        now = datetime.datetime.now(datetime.timezone.utc)
        amzdate = now.strftime("%Y%m%dT%H%M%SZ")
        datestamp = amzdate[:8]
        payload_hash = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
        hdrs = {
            "host": self.hosthdr,
            "x-amz-date": amzdate,
            "x-amz-content-sha256": payload_hash,
        }
        for k, v in (headers or {}).items():
            hdrs[k.lower()] = v
        signed = sorted(hdrs)
        canon_headers = "".join("%s:%s\n" % (h, " ".join(str(hdrs[h]).split())) for h in signed)
        signed_headers = ";".join(signed)
        creq = "\n".join([method, canon_path, canon_query, canon_headers,
                          signed_headers, payload_hash])
        scope = "%s/%s/s3/aws4_request" % (datestamp, self.region)
        sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope,
                         hashlib.sha256(creq.encode()).hexdigest()])
        sig = hmac.new(self._signing_key(datestamp), sts.encode(), hashlib.sha256).hexdigest()
        hdrs["authorization"] = (
            "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s"
            % (self.ak, scope, signed_headers, sig))
        url = canon_path + ("?" + canon_query if canon_query else "")
        send = dict(hdrs)
        send["Content-Length"] = str(len(body))
        last = None
        for attempt in range(3):
            c = self._conn(fresh=attempt > 0)
            try:
                c.request(method, url, body=body, headers=send)
                r = c.getresponse()
                data = r.read()
                if r.getheader("connection", "").lower() == "close":
                    self._conn(fresh=True)
                return r.status, r.getheaders(), data
            except (OSError, http.client.HTTPException) as e:
                last = e
                time.sleep(0.05)
        raise RuntimeError("%s /%s/%s: %s" % (method, bucket, key, last))

    def ensure_bucket(self, bucket):
        st, _, body = self.request("HEAD", bucket)
        if st == 200:
            return
        st, _, body = self.request("PUT", bucket)
        if st not in (200, 409):
            raise RuntimeError("create bucket %s: HTTP %d %s" % (bucket, st, body[:300]))

    def put(self, bucket, key, body, ctype):
        st, _, resp = self.request("PUT", bucket, key, body=body,
                                   headers={"content-type": ctype})
        if st != 200:
            raise RuntimeError("PUT /%s/%s: HTTP %d %s" % (bucket, key, st, resp[:400]))

    def list_keys(self, bucket):
        keys, token = [], None
        while True:
            q = {"list-type": "2", "max-keys": "1000"}
            if token:
                q["continuation-token"] = token
            st, _, body = self.request("GET", bucket, query=q)
            if st != 200:
                raise RuntimeError("list /%s: HTTP %d %s" % (bucket, st, body[:400]))
            # s3rver writes control characters of keys raw, which no XML
            # parser takes: carry them as U+E000+byte and map them back.
            body = re.sub(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]",
                          lambda m: chr(0xE000 + m.group(0)[0]).encode("utf-8"), body)
            root = ET.fromstring(body)
            # s3rver uses a non-standard namespace; accept any.
            for el in root.iter():
                if el.tag.endswith("}Key") or el.tag == "Key":
                    keys.append(re.sub("[\ue000-\ue01f]", lambda m: chr(ord(m.group(0)) - 0xE000),
                                       el.text or ""))
            tok = None
            for el in root.iter():
                if el.tag.endswith("NextContinuationToken"):
                    tok = el.text
            if not tok:
                return keys
            token = tok


# ---------------------------------------------------------------- content

def fake_bytes(rng, n):
    return rng.getrandbits(8 * n).to_bytes(n, "little") if n else b""


PNG_MAGIC = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
PARQUET_MAGIC = b"PAR1"


def mlmodel(run_id, flavor, created):
    return ("""artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.%(flavor)s
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.7
  %(flavor)s:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    %(flavor)s_version: 1.5.2
mlflow_version: 2.17.2
model_size_bytes: 48213
model_uuid: %(uuid)s
run_id: %(run)s
signature:
  inputs: '[{"type": "double", "name": "age", "required": true}, {"type": "double",
    "name": "income", "required": true}, {"type": "long", "name": "tenure_months",
    "required": true}]'
  outputs: '[{"type": "long", "required": true}]'
  params: null
utc_time_created: '%(created)s'
""" % {"flavor": flavor, "run": run_id, "created": created,
       "uuid": hashlib.md5(("m" + run_id).encode()).hexdigest()}).encode()


CONDA = b"""channels:
- conda-forge
dependencies:
- python=3.11.7
- pip<=24.0
- pip:
  - mlflow==2.17.2
  - cloudpickle==3.0.0
  - numpy==1.26.4
  - pandas==2.2.2
  - scikit-learn==1.5.2
name: mlflow-env
"""

PYENV = b"""python: 3.11.7
build_dependencies:
- pip==24.0
- setuptools==69.5.1
- wheel==0.43.0
dependencies:
- -r requirements.txt
"""

REQS = b"""mlflow==2.17.2
cloudpickle==3.0.0
numpy==1.26.4
pandas==2.2.2
scikit-learn==1.5.2
"""

FEATURES = ["age", "income", "tenure_months", "num_products", "balance",
            "credit_score", "is_active", "region_code", "last_login_days",
            "support_tickets"]


def run_objects(rng, exp_id, run_id, idx):
    base = "%s/%s/artifacts/" % (exp_id, run_id)
    created = "2026-11-%02d %02d:%02d:%02d.%06d" % (
        1 + idx % 22, rng.randrange(24), rng.randrange(60), rng.randrange(60),
        rng.randrange(10 ** 6))
    flavor = "sklearn" if idx % 3 else "xgboost"
    objs = [
        (base + "model/MLmodel", mlmodel(run_id, flavor, created), "text/plain"),
        (base + "model/conda.yaml", CONDA, "application/x-yaml"),
        (base + "model/python_env.yaml", PYENV, "application/x-yaml"),
        (base + "model/requirements.txt", REQS, "text/plain"),
        (base + "model/model.pkl",
         b"\x80\x04\x95" + fake_bytes(rng, rng.randrange(2000, 60000)),
         "application/octet-stream"),
    ]
    imp = sorted(((f, rng.random()) for f in FEATURES), key=lambda x: -x[1])
    total = sum(v for _, v in imp)
    csv = "feature,importance\n" + "".join("%s,%.6f\n" % (f, v / total) for f, v in imp)
    objs.append((base + "feature_importance.csv", csv.encode(), "text/csv"))
    acc = 0.70 + rng.random() * 0.25
    metrics = {"accuracy": round(acc, 4), "f1": round(acc - 0.03 * rng.random(), 4),
               "roc_auc": round(min(0.999, acc + 0.05), 4),
               "log_loss": round(0.2 + rng.random() * 0.4, 4)}
    objs.append((base + "metrics.json", json.dumps(metrics, indent=2).encode(),
                 "application/json"))
    objs.append((base + "plots/roc_curve.png", PNG_MAGIC + fake_bytes(rng, rng.randrange(8000, 30000)),
                 "image/png"))
    if idx % 2 == 0:
        objs.append((base + "plots/confusion_matrix.png",
                     PNG_MAGIC + fake_bytes(rng, rng.randrange(6000, 20000)), "image/png"))
    if idx % 4 == 0:
        objs.append((base + "eval/predictions.parquet",
                     PARQUET_MAGIC + fake_bytes(rng, rng.randrange(10000, 90000)) + PARQUET_MAGIC,
                     "application/octet-stream"))
        objs.append((base + "eval/eval_results_table.json",
                     json.dumps({"columns": ["id", "y_true", "y_pred"],
                                 "data": [[i, i % 2, (i * 7) % 2] for i in range(40)]}).encode(),
                     "application/json"))
    if idx % 5 == 1:
        objs.append((base + "logs/train.log",
                     "".join("2026-11-%02d 12:%02d:%02d INFO epoch %d loss=%.4f\n"
                             % (1 + idx % 22, e // 60, e % 60, e, 1.0 / (e + 1))
                             for e in range(60)).encode(), "text/plain"))
    return objs


def mlflow_runs(url, limit):
    """[(experiment_id, run_id, artifact key prefix or None)] from the MLflow
    REST API, or [] when it does not answer sensibly."""
    def post(path, payload):
        req = urllib.request.Request(
            url.rstrip("/") + path, data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=3) as r:
            return json.loads(r.read().decode("utf-8"))
    try:
        exps = post("/api/2.0/mlflow/experiments/search",
                    {"max_results": 1000, "view_type": "ALL"}).get("experiments", [])
        ids = [e["experiment_id"] for e in exps if "experiment_id" in e]
        if not ids:
            return []
        runs = post("/api/2.0/mlflow/runs/search",
                    {"experiment_ids": ids, "max_results": limit,
                     "run_view_type": "ALL"}).get("runs", [])
        out = []
        for r in runs:
            info = r.get("info", {})
            rid = info.get("run_id") or info.get("run_uuid")
            eid = info.get("experiment_id")
            # ids become key segments: only plain ones (a hostile server
            # may answer with anything)
            if rid and eid and SAFE_ID.match(str(rid)) and SAFE_ID.match(str(eid)):
                out.append((str(eid), str(rid)))
        return out[:limit]
    except Exception as e:  # simulator absent, hostile, or different shape
        print("s3seed: MLflow at %s not used (%s); making up run ids" % (url, e),
              file=sys.stderr)
        return []


def synthetic_runs(rng, n):
    out = []
    for i in range(n):
        exp = str(1 + i % 4)
        out.append((exp, hashlib.md5(("run-%d" % i).encode()).hexdigest()))
    return out


def data_objects(rng):
    objs = []

    def parquet(lo, hi):
        return PARQUET_MAGIC + fake_bytes(rng, rng.randrange(lo, hi)) + PARQUET_MAGIC

    for month in (8, 9, 10, 11):
        for part in range(40 if month == 11 else 25):
            objs.append(("raw/2026/%02d/part-%04d.parquet" % (month, part),
                         parquet(200, 6000), "application/octet-stream"))
        objs.append(("raw/2026/%02d/_SUCCESS" % month, b"", "application/octet-stream"))
    for ver in ("v1", "v2"):
        for split, n in (("train", 16), ("validation", 4), ("test", 4)):
            for part in range(n):
                objs.append(("processed/features/%s/%s/part-%05d-9c1f.snappy.parquet"
                             % (ver, split, part), parquet(500, 9000),
                             "application/octet-stream"))
        objs.append(("processed/features/%s/_schema.json" % ver,
                     json.dumps({"fields": FEATURES, "version": ver}).encode(),
                     "application/json"))
    for cls in ("cats", "dogs", "birds"):
        for i in range(20):
            objs.append(("images/%s/img_%04d.jpg" % (cls, i),
                         b"\xff\xd8\xff\xe0" + fake_bytes(rng, rng.randrange(1500, 7000)),
                         "image/jpeg"))
    for step in (1000, 2000, 3000):
        for shard in range(1, 5):
            objs.append(("checkpoints/llm-7b/step-%d/model-%05d-of-00004.safetensors"
                         % (step, shard), fake_bytes(rng, 4096), "application/octet-stream"))
        objs.append(("checkpoints/llm-7b/step-%d/config.json" % step,
                     b'{"hidden_size": 4096, "num_hidden_layers": 32}', "application/json"))
    objs.append(("checkpoints/llm-7b/final/model.safetensors",
                 fake_bytes(rng, 1024 * 1024), "application/octet-stream"))
    for day in range(1, 21):
        objs.append(("logs/ingest/2026-11-%02d.jsonl.gz" % day,
                     b"\x1f\x8b\x08\x00" + fake_bytes(rng, rng.randrange(300, 3000)),
                     "application/gzip"))
    objs.append(("README.md", b"# data lake\n\nraw/ landing zone, processed/ features, "
                 b"images/ labelled images, checkpoints/ model weights.\n", "text/markdown"))
    odd = [
        "odd names/report final.csv",
        "odd names/a+b=c.txt",
        "odd names/q4 2026+extra=yes (copy).csv",
        "odd names/caf\u00e9 \u00fcber/na\u00efve r\u00e9sum\u00e9.txt",
        "odd names/\u65e5\u672c\u8a9e/\u30c7\u30fc\u30bf.json",
        "odd names/emoji \U0001F680 launch.txt",
        "odd names/key=value/x+y z.parquet",
        "odd names/100% done.txt",
    ]
    for k in odd:
        objs.append((k, ("object %s\n" % k).encode("utf-8"), "text/plain; charset=utf-8"))
    # A hostile key: ESC[2J (clear screen) must show as visible escapes.
    objs.append(("hostile/metrics\x1b[2Jevil.txt", b"a key that tries to clear the screen\n",
                 "text/plain"))
    return objs


# The seeded objects' dates: PINNED_BASE plus up to 14 days, by stored name.
PINNED_BASE = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.timezone.utc).timestamp()
BUCKETS_CREATED = {"mlflow": "2026-10-01T08:00:00.000Z", "data": "2026-10-05T08:30:00.000Z"}
OBJECT_SUFFIX = "._S3rver_object"


def pin_dates(store, created, buckets):
    """Sets every stored object's mtime (s3rver's Last-Modified) to a date
    fixed by its path, and writes the buckets' creation dates to created."""
    for b in buckets:
        root = os.path.join(store, b)
        for d, _, files in os.walk(root):
            for f in files:
                if not f.endswith(OBJECT_SUFFIX):
                    continue
                full = os.path.join(d, f)
                rel = os.path.relpath(full, root).encode("utf-8", "surrogateescape")
                t = PINNED_BASE + (zlib.crc32(rel) % (14 * 24 * 60)) * 60
                os.utime(full, (t, t))
    tmp = created + ".tmp"
    with open(tmp, "w") as f:
        json.dump({b: BUCKETS_CREATED[b] for b in buckets}, f)
    os.replace(tmp, created)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--access-key", default="S3RVER")
    ap.add_argument("--secret-key", default="S3RVER")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--mlflow-url", default=None)
    ap.add_argument("--runs", type=int, default=30, help="runs with artifacts (default 30)")
    ap.add_argument("--jobs", type=int, default=6, help="parallel connections (default 6)")
    ap.add_argument("--store", default=None, help="s3rver's directory: pin the dates")
    ap.add_argument("--created", default=None, help="where the buckets' dates go (with --store)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()

    t0 = time.monotonic()
    s3 = S3(a.endpoint, a.access_key, a.secret_key, a.region)
    rng = random.Random(20261123)
    runs = mlflow_runs(a.mlflow_url, a.runs) if a.mlflow_url else []
    if not runs:
        runs = synthetic_runs(rng, a.runs)
    work = {"mlflow": [], "data": data_objects(rng)}
    for i, (eid, rid) in enumerate(runs):
        work["mlflow"].extend(run_objects(rng, eid, rid, i))
    work["mlflow"].append(("README.txt", b"MLflow artifact store (mlflow-artifacts:/ -> s3://mlflow/)\n",
                           "text/plain"))

    for b in work:
        s3.ensure_bucket(b)
    jobs = [(b, k, body, ct) for b, objs in work.items() for k, body, ct in objs]
    nbytes = sum(len(j[2]) for j in jobs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        for f in concurrent.futures.as_completed(
                [ex.submit(s3.put, *j) for j in jobs]):
            f.result()
    for b, objs in work.items():
        want = sorted(k for k, _, _ in objs)
        got = sorted(s3.list_keys(b))
        missing = sorted(set(want) - set(got))
        if missing:
            raise SystemExit("s3seed: bucket %s lists %d keys, %d missing, e.g. %r"
                             % (b, len(got), len(missing), missing[:3]))
    if a.store:
        pin_dates(a.store, a.created or os.path.join(a.store, "..", "s3-created.json"), list(work))
    if not a.quiet:
        print("s3seed: %d objects (%d in mlflow for %d runs, %d in data), %.1f MB, %.1f s"
              % (len(jobs), len(work["mlflow"]), len(runs), len(work["data"]),
                 nbytes / 1e6, time.monotonic() - t0), file=sys.stderr)


if __name__ == "__main__":
    try:
        main()
    except (RuntimeError, OSError) as e:
        print("s3seed: %s" % e, file=sys.stderr)
        sys.exit(1)
