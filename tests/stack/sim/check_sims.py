#!/usr/bin/env python3
"""Self-test of the HTTP simulators against the captured fixtures.

Run:  python3 tests/stack/sim/check_sims.py      (stdlib unittest, ends with OK)

Every simulator is started as a subprocess on port 0 with --port-file; the test
polls for the port file (no fixed sleeps) and stops the process with SIGTERM
(expects exit status 0 and the port file gone).

MLflow:
* with --fixtures-only --big-runs 1000 every request listed in
  tests/fixtures/mlflow/README.md is replayed and must give the captured status,
  Content-Type and the captured body byte for byte;
* with the default seed the same holds for everything that does not depend on the
  number of runs (errors, health, version, 404/405 HTML, runs/get, histories,
  artifacts, registry); search shapes and pagination (next_page_token chain over
  all runs, the {} page after an exact multiple), filters and ordering are
  checked on the generated data; --big-runs 10000 is timed;
* writes (alias set/delete, transition-stage), control modes (error500, hang,
  hostile), /__sim/requests.
Ray: shapes of every route compared with the fixtures (keys, nesting, types),
the bodies that are pure functions of the request compared byte for byte, job
stop/delete/submit, metrics text (and `promtool check metrics` when installed),
modes.
"""

import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.dont_write_bytecode = True      # importing mlflow_sim must not leave __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.normpath(os.path.join(HERE, "..", "..", "fixtures"))
MLFLOW_SIM = os.path.join(HERE, "mlflow_sim.py")
RAY_SIM = os.path.join(HERE, "ray_sim.py")
HOSTILE_MARK = "\x1b[2J"


def fixture_bytes(*parts):
    with open(os.path.join(FIX, *parts), "rb") as f:
        return f.read()


def fixture_json(*parts):
    return json.loads(fixture_bytes(*parts).decode("utf-8"))


class Sim(object):
    """A simulator subprocess on a free port announced through a port file."""

    def __init__(self, script, *args):
        self.tmp = tempfile.mkdtemp(prefix="simtest-")
        self.port_file = os.path.join(self.tmp, "port")
        self.t_spawn = time.time()
        self.proc = subprocess.Popen(
            [sys.executable, script, "--port", "0", "--port-file", self.port_file] +
            list(args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.port = self._wait_port(20.0)
        self.startup_s = time.time() - self.t_spawn

    def _wait_port(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("simulator exited: %s" % self.proc.stderr.read().decode())
            try:
                with open(self.port_file) as f:
                    txt = f.read()
                if txt.endswith("\n"):
                    return int(txt)
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        raise RuntimeError("no port file after %.0f s" % timeout)

    def request(self, method, path, body=None, headers=None, timeout=20):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
                headers = dict({"Content-Type": "application/json"}, **(headers or {}))
            elif isinstance(body, str):
                body = body.encode()
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def get_json(self, path):
        st, h, b = self.get(path)
        assert st == 200, (path, st, b[:300])
        return json.loads(b)

    def post_json(self, path, obj):
        st, h, b = self.request("POST", path, obj)
        assert st == 200, (path, st, b[:300])
        return json.loads(b)

    def set_mode(self, mode):
        st, h, b = self.get("/__sim/set?mode=" + mode)
        assert st == 200 and json.loads(b)["mode"] == mode, b

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("simulator did not exit on SIGTERM")
        else:
            rc = self.proc.returncode
        self.proc.stderr.close()
        gone = not os.path.exists(self.port_file)
        shutil.rmtree(self.tmp, ignore_errors=True)
        return rc, gone


def shape(v):
    """Structure of a JSON value: dict keys, list item shape, scalar kind."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [shape(v[0])] if v else []
    if v is None:
        return None
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    return type(v).__name__


# dicts keyed by data (resource names, node ids, app names, ...): only the
# shape of their values is compared, not their keys
MAP_KEYS = {"resources_total", "required_resources", "resourcesTotal", "summary",
            "state_counts", "usage", "usageByNode", "nodeTypeMapping", "idleTimeMap",
            "activeNodes", "idleNodes", "pendingLaunches", "nodeLogicalResources",
            "applications", "deployments", "proxies", "disk", "labels",
            "node_id_to_summary"}
MAP_OF_MAPS = {"usageByNode"}
OPAQUE_KEYS = {"metadata", "runtime_env", "user_config"}   # free-form user data


def _is_map(path):
    parts = path.split(".")
    return parts[-1] in MAP_KEYS or (parts[-1] == "*" and parts[-2] in MAP_OF_MAPS) or \
        "nodeTypes[" in path or "resourceDemand[" in path


def same_shape(a, b, path="$"):
    """Compare two shapes; null and [] on either side match anything.
    Returns a list of differences."""
    if a is None or b is None or a == [] or b == []:
        return []
    if path.rsplit(".", 1)[-1] in OPAQUE_KEYS:
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        if _is_map(path):
            if a and b:
                return same_shape(next(iter(a.values())), next(iter(b.values())),
                                  path + ".*")
            return []
        diffs = []
        if set(a) != set(b):
            diffs.append("%s keys: sim-only %s fixture-only %s"
                         % (path, sorted(set(a) - set(b)), sorted(set(b) - set(a))))
        for k in set(a) & set(b):
            diffs += same_shape(a[k], b[k], path + "." + k)
        return diffs
    if isinstance(a, list) and isinstance(b, list):
        return same_shape(a[0], b[0], path + "[0]")
    if a != b:
        return ["%s: %r vs %r" % (path, a, b)]
    return []


# ---------------------------------------------------------------------------
# MLflow captures, read from the fixture README's request table


def mlflow_capture_rows():
    rows = []
    with open(os.path.join(FIX, "mlflow", "README.md"), encoding="utf-8") as f:
        for line in f:
            if not line.startswith("| `"):
                continue
            cells = [c.strip() for c in line.strip()[1:-1].split(" | ")]
            if len(cells) < 6 or cells[1] not in ("GET", "POST", "DELETE"):
                continue
            fname = cells[0].strip("`")
            method, path, qb = cells[1], cells[2].strip("`"), cells[3]
            status, ctype = int(cells[4]), cells[5]
            body, headers, query = None, {}, ""
            if qb.startswith("body `"):
                body = qb[qb.index("`") + 1:qb.rindex("`")]
                m = re.search(r"with Content-Type (\S+)", qb)
                headers["Content-Type"] = m.group(1) if m else "application/json"
            elif qb.startswith("`?"):
                raw = qb[2:-1]
                pairs = [tuple(p.split("=", 1)) for p in raw.split("&")]
                query = "?" + urllib.parse.urlencode(pairs)
            rows.append({"file": fname, "method": method, "path": path + query,
                         "body": body.encode() if body is not None else None,
                         "headers": headers, "status": status, "ctype": ctype})
    return rows


def replay(testcase, sim, rows):
    checked = 0
    for row in rows:
        with testcase.subTest(capture=row["file"]):
            st, h, b = sim.request(row["method"], row["path"], row["body"], row["headers"])
            testcase.assertEqual(st, row["status"], row["file"])
            testcase.assertTrue(h.get("content-type", "").startswith(row["ctype"]),
                                (row["file"], h.get("content-type")))
            testcase.assertEqual(h.get("connection"), "close", row["file"])
            want = fixture_bytes("mlflow", row["file"])
            testcase.assertEqual(b, want, row["file"])
            checked += 1
    return checked


API = "/api/2.0/mlflow"


class MlflowCapturedExact(unittest.TestCase):
    """--fixtures-only --big-runs 1000 reproduces every capture byte for byte."""

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(MLFLOW_SIM, "--fixtures-only", "--big-runs", "1000")

    @classmethod
    def tearDownClass(cls):
        rc, gone = cls.sim.stop()
        assert rc == 0 and gone, (rc, gone)

    def test_replay_all_captures(self):
        rows = mlflow_capture_rows()
        self.assertGreaterEqual(len(rows), 85)
        self.assertEqual(replay(self, self.sim, rows), len(rows))

    def test_ajax_api_mount(self):
        a = self.sim.get(API + "/experiments/get?experiment_id=1")
        b = self.sim.get("/ajax-api/2.0/mlflow/experiments/get?experiment_id=1")
        self.assertEqual(a[2], b[2])
        self.assertEqual(self.sim.get("/ajax-api/2.0/mlflow/runs/search")[0], 405)


class MlflowDefault(unittest.TestCase):
    """Default seeded platform."""

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(MLFLOW_SIM)

    @classmethod
    def tearDownClass(cls):
        rc, gone = cls.sim.stop()
        assert rc == 0 and gone, (rc, gone)

    def search(self, body):
        return self.sim.post_json(API + "/runs/search", body)

    def walk(self, body):
        """Follow next_page_token; return (runs, pages)."""
        runs, pages, token = [], [], None
        while True:
            b = dict(body)
            if token:
                b["page_token"] = token
            page = self.search(b)
            pages.append(page)
            runs += page.get("runs", [])
            token = page.get("next_page_token")
            if not token:
                return runs, pages

    def test_replay_count_independent_captures(self):
        rows = [r for r in mlflow_capture_rows()
                if not r["file"].startswith(("runs-search", "experiments-search"))]
        self.assertGreaterEqual(len(rows), 55)
        replay(self, self.sim, rows)

    def test_seeded_platform(self):
        exps = self.sim.get_json(API + "/experiments/search?max_results=100&view_type=ALL")
        names = {e["name"]: e for e in exps["experiments"]}
        for n in ("Default", "fraud-detection-xgb", "churn-prediction",
                  "llm-summarizer-finetune", "legacy-image-clf"):
            self.assertIn(n, names)
        self.assertEqual(names["legacy-image-clf"]["lifecycle_stage"], "deleted")
        self.assertNotIn("perf-big", names)
        runs, _ = self.walk({"experiment_ids": ["0", "1", "2", "3", "4"], "max_results": 500,
                             "run_view_type": "ALL"})
        self.assertGreaterEqual(len(runs), 300)
        statuses = {r["info"]["status"] for r in runs}
        self.assertEqual(statuses, {"FINISHED", "FAILED", "KILLED", "RUNNING"})
        for r in runs:
            info = r["info"]
            self.assertIsInstance(info["start_time"], int)
            self.assertIsInstance(info["experiment_id"], str)
            self.assertEqual(info["run_id"], info["run_uuid"])
            self.assertEqual("end_time" in info, info["status"] != "RUNNING")
            for m in r["data"].get("metrics", []):
                self.assertTrue(isinstance(m["value"], float) or m["value"] == "NaN", m)
                self.assertIsInstance(m["step"], int)
            self.assertTrue("params" not in r["data"] or r["data"]["params"])
            self.assertIn("inputs", r)
        nan = [r for r in runs for m in r["data"].get("metrics", []) if m["value"] == "NaN"]
        self.assertGreaterEqual(len(nan), 2)
        # HPO parents with children tagged mlflow.parentRunId
        parents = [r for r in runs if r["info"]["run_name"].startswith("hpo-sweep")]
        self.assertEqual(len(parents), 2)
        for p in parents:
            kids = self.search({"experiment_ids": ["1"], "max_results": 1000,
                                "filter": "tags.mlflow.parentRunId = '%s'"
                                % p["info"]["run_id"]})["runs"]
            n_trials = int({x["key"]: x["value"] for x in p["data"]["params"]}["n_trials"])
            self.assertEqual(len(kids), n_trials)

    def test_pagination_chain_and_exact_multiple(self):
        body = {"experiment_ids": ["1", "2", "3"], "max_results": 37}
        runs, pages = self.walk(body)
        ids = [r["info"]["run_id"] for r in runs]
        self.assertEqual(len(ids), len(set(ids)))
        everything = self.search({"experiment_ids": ["1", "2", "3"], "max_results": 50000})
        self.assertEqual(ids, [r["info"]["run_id"] for r in everything["runs"]])
        self.assertNotIn("next_page_token", everything)
        starts = [r["info"]["start_time"] for r in runs]
        self.assertEqual(starts, sorted(starts, reverse=True))
        self.assertNotIn("next_page_token", pages[-1])
        total = len(ids)
        if total % 37:
            self.assertEqual(len(pages[-1]["runs"]), total % 37)
        # exact multiple: the last full page keeps a token and the next page is {}
        for size in (total, total // 2 if total % 2 == 0 else None,
                     total // 3 if total % 3 == 0 else None):
            if not size:
                continue
            runs2, pages2 = self.walk({"experiment_ids": ["1", "2", "3"], "max_results": size})
            self.assertEqual(len(runs2), total)
            self.assertEqual(pages2[-1], {})
            self.assertIn("next_page_token", pages2[-2])
            tok = json.loads(base64.b64decode(pages2[-2]["next_page_token"]))
            self.assertEqual(tok, {"offset": total})
        # raw body of the empty page is exactly "{}"
        st, h, b = self.sim.request("POST", API + "/runs/search", {
            "experiment_ids": ["1", "2", "3"], "max_results": total,
            "page_token": base64.b64encode(json.dumps({"offset": total}).encode()).decode()})
        self.assertEqual((st, b), (200, b"{}"))

    def test_filters_and_order(self):
        res = self.search({"experiment_ids": ["1"], "max_results": 1000,
                           "filter": "metrics.val_auc > 0.95 and attributes.status = "
                                     "'FINISHED'", "order_by": ["metrics.val_auc DESC"]})
        vals = [{m["key"]: m["value"] for m in r["data"]["metrics"]}["val_auc"]
                for r in res["runs"]]
        self.assertGreater(len(vals), 5)
        self.assertTrue(all(v > 0.95 for v in vals))
        self.assertEqual(vals, sorted(vals, reverse=True))
        self.assertTrue(all(r["info"]["status"] == "FINISHED" for r in res["runs"]))
        res = self.search({"experiment_ids": ["1", "2"], "max_results": 1000,
                           "filter": "params.learning_rate = '0.05' and tags.`mlflow.user` "
                                     "= 'bob'"})
        for r in res["runs"]:
            p = {x["key"]: x["value"] for x in r["data"]["params"]}
            t = {x["key"]: x["value"] for x in r["data"]["tags"]}
            self.assertEqual((p["learning_rate"], t["mlflow.user"]), ("0.05", "bob"))
        self.assertTrue(res["runs"])
        res = self.search({"experiment_ids": ["2"], "max_results": 1000,
                           "filter": "attributes.run_name LIKE 'lightgbm-nightly-%'",
                           "order_by": ["attributes.start_time ASC"]})
        st = [r["info"]["start_time"] for r in res["runs"]]
        self.assertEqual(len(st), 150)
        self.assertEqual(st, sorted(st))
        # metrics order: runs without the metric come last in both directions
        for d in ("ASC", "DESC"):
            res = self.search({"experiment_ids": ["1"], "max_results": 1000,
                               "order_by": ["metrics.val_auc " + d]})
            has = ["val_auc" in {m["key"] for m in r["data"].get("metrics", [])}
                   for r in res["runs"]]
            self.assertEqual(has, sorted(has, reverse=True))
        res = self.search({"experiment_ids": ["2"], "max_results": 10,
                           "run_view_type": "DELETED_ONLY"})
        self.assertEqual([r["info"]["lifecycle_stage"] for r in res["runs"]], ["deleted"])
        self.assertEqual(self.search({"experiment_ids": ["1"], "max_results": 10,
                                      "filter": "metrics.val_auc > 5"}), {})
        st, h, b = self.sim.request("POST", API + "/runs/search", {
            "experiment_ids": ["1"], "filter": "tags.x > 'y'"})
        self.assertEqual(st, 500)
        self.assertEqual(json.loads(b)["error_code"], "INTERNAL_ERROR")
        st, h, b = self.sim.request("POST", API + "/runs/search", {
            "experiment_ids": ["1"], "filter": "attributes.nope = 'y'"})
        self.assertEqual((st, json.loads(b)["error_code"]), (400, "INVALID_PARAMETER_VALUE"))

    def test_history_matches_latest(self):
        res = self.search({"experiment_ids": ["1", "2", "3"], "max_results": 300})
        checked = 0
        for r in res["runs"][::7]:
            rid = r["info"]["run_id"]
            for m in r["data"].get("metrics", []):
                h = self.sim.get_json(API + "/metrics/get-history?run_id=%s&metric_key=%s"
                                      % (rid, m["key"]))["metrics"]
                self.assertEqual(h[-1], m)
                steps = [p["step"] for p in h]
                self.assertEqual(steps, sorted(steps))
                if m["step"] >= 29 and not m["key"].startswith("rouge"):
                    self.assertGreaterEqual(len(h), 30)
                checked += 1
        self.assertGreater(checked, 50)

    def test_artifacts(self):
        res = self.search({"experiment_ids": ["1"], "max_results": 200,
                           "filter": "attributes.status = 'FINISHED' and "
                                     "attributes.run_name LIKE 'trial-%'"})
        r = res["runs"][-1]
        rid, eid = r["info"]["run_id"], r["info"]["experiment_id"]
        root = self.sim.get_json(API + "/artifacts/list?run_id=" + rid)
        paths = {f["path"]: f for f in root["files"]}
        self.assertTrue(paths["model"]["is_dir"])
        self.assertNotIn("file_size", paths["model"])
        for sub in ("model", "plots"):
            lst = self.sim.get_json(API + "/artifacts/list?run_id=%s&path=%s" % (rid, sub))
            for f in lst["files"]:
                st, h, b = self.sim.get("/get-artifact?path=%s&run_uuid=%s"
                                        % (f["path"], rid))
                self.assertEqual((st, len(b)), (200, f["file_size"]), f["path"])
                st2, h2, b2 = self.sim.get("/api/2.0/mlflow-artifacts/artifacts/%s/%s/"
                                           "artifacts/%s" % (eid, rid, f["path"]))
                self.assertEqual(b2, b)
                if f["path"].endswith(".png"):
                    self.assertTrue(b.startswith(b"\x89PNG\r\n\x1a\n"))
                    self.assertEqual(h["content-type"], "image/png")
        prox = self.sim.get_json("/api/2.0/mlflow-artifacts/artifacts?path=%s/%s/artifacts/"
                                 "model" % (eid, rid))
        self.assertIn("MLmodel", [f["path"] for f in prox["files"]])
        st, h, b = self.sim.get("/get-artifact?path=model/MLmodel&run_uuid=" + rid)
        self.assertIn(("run_id: " + rid).encode(), b)
        self.assertTrue(h["content-type"].startswith("text/plain"))

    def test_protocol_details(self):
        st, h, b = self.sim.request("HEAD", "/health")
        self.assertEqual((st, b, h["content-length"]), (200, b"", "2"))
        st, h, b = self.sim.get(API + "/experiments/search?max_results=0")
        self.assertEqual(st, 400)
        st, h, b = self.sim.request("POST", API + "/runs/search", b'{"experiment_ids": ["1"]}')
        self.assertEqual((st, json.loads(b)["message"]),
                         (400, "Bad Request. Content-Type header is missing."))
        st, h, b = self.sim.request("PUT", API + "/runs/get")
        self.assertEqual(st, 405)
        self.assertEqual(b, fixture_bytes("mlflow", "error-method-not-allowed.html"))


class MlflowWritesAndModes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(MLFLOW_SIM, "--seed", "7")

    @classmethod
    def tearDownClass(cls):
        rc, gone = cls.sim.stop()
        assert rc == 0 and gone, (rc, gone)

    def tearDown(self):
        self.sim.set_mode("ok")

    def test_alias_and_transition(self):
        s = self.sim
        self.assertEqual(s.post_json(API + "/registered-models/alias",
                                     {"name": "fraud-detector", "alias": "shadow",
                                      "version": "2"}), {})
        mv = s.get_json(API + "/registered-models/alias?name=fraud-detector&alias=shadow")
        self.assertEqual((mv["model_version"]["version"], mv["model_version"]["aliases"]),
                         ("2", ["shadow"]))
        rm = s.get_json(API + "/registered-models/get?name=fraud-detector")
        self.assertIn({"alias": "shadow", "version": "2"}, rm["registered_model"]["aliases"])
        st, h, b = s.request("DELETE", API + "/registered-models/alias",
                             {"name": "fraud-detector", "alias": "shadow"})
        self.assertEqual((st, b), (200, b"{}"))
        st, h, b = s.get(API + "/registered-models/alias?name=fraud-detector&alias=shadow")
        self.assertEqual((st, json.loads(b)["message"]),
                         (400, "Registered model alias shadow not found."))
        st, h, b = s.request("POST", API + "/registered-models/alias",
                             {"name": "fraud-detector", "alias": "x", "version": "99"})
        self.assertEqual(st, 404)
        out = s.post_json(API + "/model-versions/transition-stage",
                          {"name": "fraud-detector", "version": "4", "stage": "production",
                           "archive_existing_versions": True})
        self.assertEqual(out["model_version"]["current_stage"], "Production")
        self.assertEqual(out["model_version"]["aliases"], ["challenger"])
        v3 = s.get_json(API + "/model-versions/get?name=fraud-detector&version=3")
        self.assertEqual(v3["model_version"]["current_stage"], "Archived")
        lv = s.get_json(API + "/registered-models/get-latest-versions?name=fraud-detector"
                              "&stages=Production")
        self.assertEqual([m["version"] for m in lv["model_versions"]], ["4"])
        st, h, b = s.request("POST", API + "/model-versions/transition-stage",
                             {"name": "fraud-detector", "version": "1", "stage": "bogus"})
        self.assertEqual(st, 400)

    def test_modes_and_request_log(self):
        s = self.sim
        s.get("/__sim/requests?clear=1")
        s.request("POST", API + "/runs/search", {"experiment_ids": ["3"], "max_results": 2},
                  headers={"X-Probe": "42"})
        log = s.get_json("/__sim/requests")
        self.assertEqual(len(log), 1)
        self.assertEqual((log[0]["method"], log[0]["path"]), ("POST", API + "/runs/search"))
        self.assertEqual(json.loads(log[0]["body"]), {"experiment_ids": ["3"],
                                                      "max_results": 2})
        self.assertEqual(log[0]["headers"].get("X-Probe"), "42")
        s.get(API + "/runs/get?run_id=x&run_id=y")
        self.assertEqual(s.get_json("/__sim/requests")[-1]["args"], {"run_id": ["x", "y"]})
        # error500
        s.set_mode("error500")
        st, h, b = s.get("/health")
        self.assertEqual((st, h["content-type"].split(";")[0]), (500, "text/html"))
        st, h, b = s.get(API + "/experiments/get?experiment_id=1")
        self.assertEqual((st, json.loads(b)["error_code"]), (500, "INTERNAL_ERROR"))
        self.assertEqual(s.get("/__sim/state")[0], 200)
        # hostile
        s.set_mode("hostile")
        st, h, b = s.get("/version")
        self.assertEqual(st, 200)
        self.assertIn(b"\xff", b)
        self.assertIn(HOSTILE_MARK.encode(), b)
        exp = s.get_json(API + "/experiments/get?experiment_id=1")["experiment"]
        for ch in (HOSTILE_MARK, "\r", "\b", "\u202e", "\u009b"):
            self.assertIn(ch, exp["name"])
        # a hostile name sent back still resolves
        again = s.get_json(API + "/experiments/get-by-name?" + urllib.parse.urlencode(
            {"experiment_name": exp["name"]}))
        self.assertEqual(again["experiment"]["experiment_id"], "1")
        run = s.get_json(API + "/runs/get?run_id=b3ed0ab3ba6e4aeaa1a6fc06e7f85f05")["run"]
        self.assertIn(HOSTILE_MARK, run["info"]["run_name"])
        self.assertIn("NaN", [m["value"] for m in run["data"]["metrics"]])
        mv = s.get_json(API + "/model-versions/get?name=fraud-detector&version=1")
        self.assertIn(HOSTILE_MARK, mv["model_version"]["version"])
        st, h, b = s.get("/get-artifact?path=feature_importance.csv&run_uuid="
                         "03735789efcb4f4cb02ca57db9fc1b20")
        self.assertIn(b"\xff", b)
        st, h, b = s.get(API + "/runs/get?run_id=nope")
        self.assertIn(HOSTILE_MARK, json.loads(b)["message"])
        # hang: accepted, never answered; the control route keeps answering
        s.set_mode("hang")
        t = time.time()
        with self.assertRaises(socket.timeout):
            s.get("/health", timeout=0.7)
        self.assertLess(time.time() - t, 5)
        self.assertEqual(s.get("/__sim/state")[0], 200)
        s.set_mode("ok")
        self.assertEqual(s.get("/health")[2], b"OK")
        st, h, b = s.get("/__sim/set?mode=bogus")
        self.assertEqual(st, 400)


class MlflowBig(unittest.TestCase):
    def test_big_runs(self):
        # the data set itself is built lazily: time it in-process, away from the
        # interpreter start-up that a loaded machine can make slow
        sys.path.insert(0, HERE)
        import mlflow_sim
        t = time.time()
        mlflow_sim.World(1, 10000, False)
        build = time.time() - t
        self.assertLess(build, 2.0)
        sim = Sim(MLFLOW_SIM, "--big-runs", "10000")
        try:
            self.assertLess(sim.startup_s, 15.0, "startup %.2f s" % sim.startup_s)
            sys.stderr.write("\n  [mlflow --big-runs 10000: data %.2f s, port file after "
                             "%.2f s] " % (build, sim.startup_s))
            exps = sim.get_json(API + "/experiments/get-by-name?experiment_name=perf-big")
            eid = exps["experiment"]["experiment_id"]
            t = time.time()
            ids, pages, token = set(), 0, None
            while True:
                body = {"experiment_ids": [eid], "max_results": 1000}
                if token:
                    body["page_token"] = token
                page = sim.post_json(API + "/runs/search", body)
                pages += 1
                ids.update(r["info"]["run_id"] for r in page.get("runs", []))
                token = page.get("next_page_token")
                if not token:
                    break
            walk = time.time() - t
            sys.stderr.write("[walk 10000 runs in %d pages: %.2f s] " % (pages, walk))
            self.assertEqual((len(ids), pages, page), (10000, 11, {}))
            self.assertLess(walk, 30)
            # the lazy fast path (no filter/order) and the generic path agree
            fast = sim.post_json(API + "/runs/search", {"experiment_ids": [eid],
                                                        "max_results": 50,
                                                        "page_token": token or ""})
            slow = sim.post_json(API + "/runs/search", {
                "experiment_ids": [eid], "max_results": 50,
                "order_by": ["attributes.start_time DESC"]})
            self.assertEqual(fast, slow)
            res = sim.post_json(API + "/runs/search", {
                "experiment_ids": [eid], "max_results": 5,
                "filter": "attributes.status = 'FINISHED' and metrics.accuracy > 0.98",
                "order_by": ["metrics.accuracy DESC"]})
            self.assertEqual(len(res["runs"]), 5)
            h = sim.get_json(API + "/metrics/get-history?run_id=%s&metric_key=loss"
                             % res["runs"][0]["info"]["run_id"])
            self.assertEqual(len(h["metrics"]), 10)
        finally:
            rc, gone = sim.stop()
            self.assertEqual((rc, gone), (0, True))


# ---------------------------------------------------------------------------
# Ray


class Ray(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(RAY_SIM)

    @classmethod
    def tearDownClass(cls):
        rc, gone = cls.sim.stop()
        assert rc == 0 and gone, (rc, gone)

    def tearDown(self):
        self.sim.set_mode("ok")

    def assertShape(self, got, fixture):
        diffs = same_shape(shape(got), shape(fixture))
        self.assertEqual(diffs, [])

    def test_version_and_health(self):
        v = self.sim.get_json("/api/version")
        self.assertEqual(list(v), list(fixture_json("ray", "api-version.json")))
        self.assertEqual(v["version"], "4")
        st, h, b = self.sim.get("/api/gcs_healthz")
        self.assertEqual((st, b), (200, fixture_bytes("ray", "gcs-healthz.200.txt")))
        self.assertTrue(h["content-type"].startswith("application/text"))
        st, h, b = self.sim.get("/nope")
        self.assertEqual((st, b), (404, b"404: Not Found"))
        self.assertEqual(self.sim.get("/api/jobs")[0], 404)     # aiohttp: no slash, no route
        self.assertEqual(self.sim.request("PUT", "/api/version")[0], 405)

    def test_flap(self):
        s = self.sim
        s.get("/__sim/reset")
        codes = [s.get("/__mode/flap/nodes?view=summary")[0] for _ in range(4)]
        self.assertEqual(codes, [200, 503, 503, 200])
        self.assertEqual(s.get("/__mode/flap/api/cluster_status")[0], 200)
        # the Overview's probe paths never flap
        self.assertEqual([s.get("/__mode/flap/api/version")[0] for _ in range(3)], [200] * 3)
        s.get("/__sim/reset")
        self.assertEqual(s.get("/__mode/flap/nodes?view=summary")[0], 200)
        s.get("/__sim/reset")

    def test_grow(self):
        s = self.sim
        s.get("/__sim/reset")
        sid = "raysubmit_8d7dd48d5f9a"
        logs = [s.get_json("/__mode/grow/api/jobs/%s/logs" % sid)["logs"] for _ in range(3)]
        self.assertEqual([l.count("\n") for l in logs], [11, 23, 35])
        self.assertTrue(logs[1].startswith(logs[0]) and logs[2].startswith(logs[1]))
        self.assertTrue(logs[0].endswith("step 12") and logs[1].endswith("step 24"))
        s.get("/__sim/reset")

    def test_loopback(self):
        s = self.sim
        nodes = s.get_json("/__mode/loopback/nodes?view=summary")["data"]["summary"]
        ips = sorted(n["raylet"]["nodeManagerAddress"] for n in nodes)
        self.assertEqual(ips, ["10.0.0.11", "10.0.0.12", "10.0.0.13", "127.0.0.1"])

    def test_jobs(self):
        s = self.sim
        jobs = s.get_json("/api/jobs/")
        self.assertIsInstance(jobs, list)
        fx = fixture_json("ray", "jobs-list.json")
        for j in jobs:
            self.assertEqual(list(j), list(fx[0]))
            self.assertShape(j, fx[0])
            if j["driver_info"]:
                self.assertIsInstance(j["driver_info"]["pid"], str)
        statuses = {j["status"] for j in jobs}
        self.assertTrue({"SUCCEEDED", "RUNNING", "FAILED", "PENDING"} <= statuses)
        self.assertIn("DRIVER", {j["type"] for j in jobs})
        pending = [j for j in jobs if j["status"] == "PENDING"][0]
        self.assertEqual((pending["job_id"], pending["driver_info"]), (None, None))
        # linked with the MLflow runs' ray.job_id tags
        self.assertIn("raysubmit_8d7dd48d5f9a", {j["submission_id"] for j in jobs})
        one = s.get_json("/api/jobs/raysubmit_8d7dd48d5f9a")
        self.assertEqual(one, s.get_json("/api/jobs/" + one["job_id"]))
        self.assertShape(one, fixture_json("ray", "job-detail.json"))
        st, h, b = s.get("/api/jobs/raysubmit_doesnotexist")
        self.assertEqual((st, b), (404, fixture_bytes("ray", "job-not-found.404.txt")))
        logs = s.get_json("/api/jobs/raysubmit_8d7dd48d5f9a/logs")
        self.assertEqual(list(logs), ["logs"])
        self.assertIn("\x1b[", logs["logs"])
        st, h, b = s.get("/api/jobs/01000000/logs")
        self.assertEqual((st, b), (400, b"Can only get logs of submission type jobs"))
        # stop a running job, then delete it
        sid = "raysubmit_XhRk7v3qPzNwB2aL"
        st, h, b = s.request("DELETE", "/api/jobs/" + sid)
        self.assertEqual(st, 500)
        st, h, b = s.request("POST", "/api/jobs/%s/stop" % sid)
        self.assertEqual(json.loads(b), fixture_json("ray", "job-stop-response.json"))
        self.assertEqual(s.get_json("/api/jobs/" + sid)["status"], "STOPPED")
        st, h, b = s.request("POST", "/api/jobs/%s/stop" % sid)
        self.assertEqual(json.loads(b), {"stopped": False})
        st, h, b = s.request("DELETE", "/api/jobs/" + sid)
        self.assertEqual(json.loads(b), fixture_json("ray", "job-delete-response.json"))
        self.assertEqual(s.get("/api/jobs/" + sid)[0], 404)
        # submit
        out = s.post_json("/api/jobs/", {"entrypoint": "python -c 'print(1)'",
                                         "submission_id": "raysubmit_simtest01"})
        self.assertEqual(list(out), list(fixture_json("ray", "job-submit-response.json")))
        self.assertIn(s.get_json("/api/jobs/raysubmit_simtest01")["status"],
                      ("PENDING", "RUNNING"))

    def test_nodes_summary(self):
        d = self.sim.get_json("/nodes?view=summary")
        fx = fixture_json("ray", "nodes-summary.json")
        self.assertEqual((d["result"], sorted(d)), (True, ["data", "msg", "result"]))
        summary = d["data"]["summary"]
        alive = [n for n in summary if n["raylet"]["state"] == "ALIVE"]
        dead = [n for n in summary if n["raylet"]["state"] == "DEAD"]
        self.assertEqual(len(dead), 1)
        self.assertGreaterEqual(len(alive), 3)
        self.assertEqual(list(dead[0]), ["raylet"])
        self.assertShape(dead[0], fx["data"]["summary"][3])
        for n in alive:
            self.assertShape(n, fx["data"]["summary"][0])
            self.assertIsInstance(n["raylet"]["startTimeMs"], str)
            self.assertEqual(n["raylet"]["endTimeMs"], "0")
        self.assertEqual(sum(1 for n in alive if n["gpus"]), 1)
        self.assertEqual(sum(1 for n in alive if n["raylet"]["isHeadNode"]), 1)
        self.assertEqual(set(d["data"]["nodeLogicalResources"]),
                         {n["raylet"]["nodeId"] for n in alive})
        self.assertIn("objectStoreMemory", alive[0]["raylet"]["resourcesTotal"])

    def test_state_api(self):
        s = self.sim
        for path, fxname in (("/api/v0/nodes", "state-nodes.json"),
                             ("/api/v0/nodes?detail=true", "state-nodes-detail.json"),
                             ("/api/v0/actors", "state-actors.json"),
                             ("/api/v0/actors?detail=true", "state-actors-detail.json"),
                             ("/api/v0/tasks/summarize", "state-tasks-summarize.json")):
            with self.subTest(path=path):
                got = s.get_json(path)
                fx = fixture_json("ray", fxname)
                self.assertShape(got, fx)
                if isinstance(fx["data"]["result"]["result"], list):
                    self.assertEqual(list(got["data"]["result"]["result"][0]),
                                     list(fx["data"]["result"]["result"][0]))
        nodes = s.get_json("/api/v0/nodes")["data"]["result"]["result"]
        self.assertEqual(sum(1 for n in nodes if n["state"] == "DEAD"), 1)
        self.assertIn("object_store_memory", nodes[0]["resources_total"])
        dead = s.get_json("/api/v0/nodes?filter_keys=state&filter_predicates=%3D"
                          "&filter_values=DEAD")["data"]["result"]
        self.assertEqual((dead["total"], dead["num_filtered"]), (4, 1))
        st, h, b = s.get("/api/v0/nodes?filter_keys=foo&filter_predicates=%3D"
                         "&filter_values=x")
        self.assertEqual(json.loads(b), fixture_json("ray", "state-error-bad-filter.json"))

    def test_cluster_status(self):
        d = self.sim.get_json("/api/cluster_status")
        fx = fixture_json("ray", "cluster-status.json")
        self.assertShape(d, fx)
        usage = d["data"]["clusterStatus"]["loadMetricsReport"]["usage"]
        self.assertIn("objectStoreMemory", usage)
        self.assertIn("node:InternalHead", usage)
        nt = d["data"]["clusterStatus"]["loadMetricsReport"]["nodeTypes"]
        self.assertIn("object_store_memory", nt[0][0])      # lists keep snake names
        t = self.sim.get_json("/api/cluster_status?format=1")
        self.assertShape(t, fixture_json("ray", "cluster-status-format1.json"))
        for word in ("Node status", "Active:", "Total Usage:", "GPU", "Recent failures:"):
            self.assertIn(word, t["data"]["clusterStatus"])

    def test_serve(self):
        d = self.sim.get_json("/api/serve/applications/")
        fx = fixture_json("ray", "serve-applications.ray-docs.json")
        self.assertEqual(set(d), set(fx))
        app = d["applications"]["fraud_app"]
        self.assertShape(app, fx["applications"]["app1"])
        self.assertEqual(app["status"], "RUNNING")
        self.assertEqual(d["applications"]["summarizer_app"]["status"], "DEPLOYING")

    def test_metrics(self):
        st, h, b1 = self.sim.get("/metrics")
        self.assertEqual(st, 200)
        self.assertTrue(h["content-type"].startswith("text/plain; version=0.0.4"))
        text = b1.decode("utf-8")
        fams, samples = set(), {}
        sample_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$')
        typed = set()
        for line in text.splitlines():
            if line.startswith("# TYPE "):
                typed.add(line.split()[2])
            elif line.startswith("#"):
                continue
            else:
                m = sample_re.match(line)
                self.assertTrue(m, line)
                float(m.group(3))
                samples[m.group(1) + "{" + m.group(2) + "}"] = float(m.group(3))
                fams.add(re.sub(r"_(bucket|sum|count)$", "", m.group(1))
                         if m.group(1).startswith("ray_serve_deployment_processing")
                         else m.group(1))
        self.assertLessEqual(fams, typed)
        tmpl = set()
        for fn in ("node-metrics.prom", "node-metrics-worker.prom"):
            for line in fixture_bytes("ray", fn).decode().splitlines():
                if line.startswith("# TYPE "):
                    tmpl.add(line.split()[2])
        self.assertEqual(fams, tmpl)
        ips = set(re.findall(r'ip="([0-9.]+)"', text))
        self.assertEqual(ips, {"10.0.0.10", "10.0.0.11", "10.0.0.13"})
        gpu_ips = set(re.findall(r'ray_node_gpus_utilization\{[^}]*ip="([0-9.]+)"', text))
        self.assertEqual(gpu_ips, {"10.0.0.13"})
        one = self.sim.get("/metrics?node=10.0.0.11")[2].decode()
        self.assertEqual(set(re.findall(r'ip="([0-9.]+)"', one)), {"10.0.0.11"})
        # values move between scrapes; counters do not go down
        deadline = time.time() + 3
        while True:
            text2 = self.sim.get("/metrics")[2].decode()
            s2 = {}
            for line in text2.splitlines():
                m = sample_re.match(line)
                if m:
                    s2[m.group(1) + "{" + m.group(2) + "}"] = float(m.group(3))
            if any(s2.get(k) != v for k, v in samples.items()) or time.time() > deadline:
                break
            time.sleep(0.05)
        self.assertTrue(any(s2.get(k) != v for k, v in samples.items()))
        for k, v in samples.items():
            if k.startswith(("ray_serve_num_http_requests_total", "ray_node_network_sent")):
                self.assertGreaterEqual(s2[k], v)
        promtool = shutil.which("promtool")
        if promtool:
            p = subprocess.run([promtool, "check", "metrics"], input=b1,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
            out = p.stdout.decode("utf-8", "replace")
            # only naming-lint remarks are expected (real Ray output triggers them too)
            self.assertNotIn("error while linting", out)
            self.assertNotIn("parsing error", out)

    def test_modes(self):
        s = self.sim
        s.set_mode("error500")
        st, h, b = s.get("/api/v0/nodes")
        self.assertEqual(st, 500)
        self.assertEqual(json.loads(b)["result"], False)
        st, h, b = s.get("/api/jobs/")
        self.assertEqual((st, b), (500, b"500 Internal Server Error\n\nServer got itself in "
                                        b"trouble"))
        s.set_mode("hostile")
        jobs = s.get_json("/api/jobs/")
        self.assertTrue(any(HOSTILE_MARK in (j["message"] or "") for j in jobs))
        self.assertTrue(all(HOSTILE_MARK in j["entrypoint"] for j in jobs))
        st, h, b = s.get("/api/jobs/nope")
        self.assertEqual(st, 404)
        self.assertIn(b"\xff", b)
        v = s.get_json("/api/version")
        self.assertIn("\u202e", v["ray_version"])
        st, h, b = s.get("/metrics")
        self.assertIn(HOSTILE_MARK.encode(), b)
        s.set_mode("hang")
        with self.assertRaises(socket.timeout):
            s.get("/api/version", timeout=0.7)
        s.set_mode("ok")
        self.assertEqual(s.get("/api/version")[0], 200)
        log = s.get_json("/__sim/requests")
        self.assertIn("/api/version", [r["path"] for r in log])
        self.assertFalse([r for r in log if r["path"].startswith("/__sim/")])


class RayBigCluster(unittest.TestCase):
    """--big-cluster N,A (the bench's cluster): N nodes in /nodes and the
    state API, A actors, a dead one every 50 nodes."""

    def test_big(self):
        sim = Sim(RAY_SIM, "--big-cluster", "120,900")
        try:
            nodes = sim.get_json("/nodes?view=summary")["data"]["summary"]
            self.assertEqual(len(nodes), 120)
            self.assertEqual(len({n["raylet"]["nodeId"] for n in nodes}), 120)
            st = sim.get_json("/api/v0/nodes?detail=true&limit=10000")["data"]["result"]
            self.assertEqual(st["total"], 120)
            dead = [n for n in st["result"] if n["state"] == "DEAD"]
            self.assertEqual(len(dead), 3)      # 10.0.0.12, then nodes 50 and 100
            actors = sim.get_json("/api/v0/actors?limit=10000")["data"]["result"]
            self.assertEqual(actors["total"], 900)
        finally:
            sim.stop()


class RayHostileFlag(unittest.TestCase):
    def test_starts_hostile(self):
        sim = Sim(RAY_SIM, "--hostile", "--seed", "3")
        try:
            state = sim.get_json("/__sim/state")
            self.assertEqual((state["mode"], state["seed"]), ("hostile", 3))
            nodes = sim.get_json("/nodes?view=summary")["data"]["summary"]
            self.assertIn(HOSTILE_MARK, nodes[0]["hostname"])
        finally:
            rc, gone = sim.stop()
            self.assertEqual((rc, gone), (0, True))


if __name__ == "__main__":
    unittest.main(verbosity=1)
