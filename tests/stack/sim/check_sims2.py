#!/usr/bin/env python3
"""Checks prefect_sim.py and airflow_sim.py against the fixtures (stdlib unittest).

Run:  python3 tests/stack/sim/check_sims2.py      (ends with "OK"; about 10-25 s)

Each test class starts its own simulator as a subprocess with ``--port 0
--port-file FILE`` and polls for FILE in a bounded loop (no fixed sleeps), then
stops it with SIGTERM and requires exit status 0, a removed port file and an
empty stderr (the simulators are quiet without --verbose).

What is checked:
* Prefect: health/version bodies and headers; every captured error (404 x3,
  422 x6) byte for byte; captured flow runs, states, task runs, logs, work pools,
  queues and deployments byte for byte (dynamic estimated_* fields aside);
  paging (pages cover /count exactly once, offset past the end -> "[]");
  counts equal the filtered list lengths for several filters; the seeded state
  mix; FastAPI-style validation (extra filter keys, offset < 0, form bodies,
  405, trailing-slash 307); gzip; set_state semantics replayed from the
  captured action sequence (ACCEPT/REJECT/ABORT/WAIT, 201 vs 200, force);
  create_flow_run shape; seed determinism; --hostile.
* Airflow: /health and /version without auth, basic auth (401 body +
  WWW-Authenticate), every fixture response (runs, batch list, task instances,
  plain log, pools) byte for byte, JSON log content, limit/offset/total_entries,
  order_by, 400/404 bodies, pause, trigger + 409, run state change,
  --scheduler-down.
* Airflow --v3: /api/v2 on the v2 fixtures: version, monitor/health, v1 gone,
  /auth/token and the 401s (missing, wrong, expired after a reset), the key
  sets of runs, task instances, triggered run, structured log, the 422.
* Both: /__sim/set modes error500 / hostile / hang / ok and /__sim/requests.
"""

import base64
import gzip
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "fixtures")
START_TIMEOUT_S = 20.0


def fixture(*parts):
    with open(os.path.join(FIXTURES, *parts), "rb") as f:
        return f.read()


def fixture_json(*parts):
    return json.loads(fixture(*parts))


def fixture_status(name):
    line = fixture("prefect", name + ".headers.txt").decode().splitlines()[0]
    return int(line.split()[1])


class Sim(object):
    """A simulator subprocess on a free port."""

    def __init__(self, script, *args):
        self.tmp = tempfile.mkdtemp(prefix="check_sims2.")
        self.port_file = os.path.join(self.tmp, "port")
        self.err_path = os.path.join(self.tmp, "stderr")
        self.err = open(self.err_path, "wb")
        cmd = [sys.executable, os.path.join(HERE, script), "--port", "0", "--port-file", self.port_file] + list(args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited early (%s): %s" % (script, self.proc.returncode, self.stderr()))
            if time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError("%s did not write its port file in %ss" % (script, START_TIMEOUT_S))
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.port = int(f.read().strip())

    def stderr(self):
        if not self.err.closed:
            self.err.flush()
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def request(self, method, path, body=None, headers=None, timeout=10.0):
        headers = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            return r.status, r.headers, r.read()
        finally:
            conn.close()

    def json(self, method, path, body=None, headers=None):
        status, h, data = self.request(method, path, body, headers)
        return status, json.loads(data) if data else None

    def set_mode(self, mode):
        status, data = self.json("GET", "/__sim/set?mode=" + mode)
        assert status == 200 and data["mode"] == mode, (status, data)

    def stop(self):
        self.proc.terminate()
        rc = self.proc.wait(10)
        self.err.close()
        return rc


class SimCase(unittest.TestCase):
    script = None
    args = ()
    sim = None

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(cls.script, *cls.args)

    @classmethod
    def tearDownClass(cls):
        sim = cls.sim
        rc = sim.stop()
        assert rc == 0, "exit status %s" % rc
        assert not os.path.exists(sim.port_file), "port file left behind"
        err = sim.stderr()
        assert err == "", "simulator wrote to stderr:\n" + err


DYNAMIC = ("estimated_run_time", "estimated_start_time_delta")


def strip_dynamic(obj):
    if isinstance(obj, list):
        return [strip_dynamic(x) for x in obj]
    return {k: v for k, v in obj.items() if k not in DYNAMIC}


# ====================================================================== Prefect

class PrefectRead(SimCase):
    script = "prefect_sim.py"

    def post(self, path, body):
        return self.sim.json("POST", "/api" + path, body)

    def test_health_and_versions(self):
        for name, path in (("health", "/api/health"), ("admin-version", "/api/admin/version"),
                           ("api-version", "/api/version")):
            status, h, body = self.sim.request("GET", path)
            self.assertEqual(status, 200)
            self.assertEqual(body, fixture("prefect", name + ".json"), name)
            self.assertEqual(h["content-type"], "application/json")
            self.assertEqual(h["server"], "uvicorn")

    def test_captured_errors_exact(self):
        cases = [
            ("error-404-deployment-by-name", "GET", "/api/deployments/name/train-model/does-not-exist", None),
            ("error-404-flow-run", "GET", "/api/flow_runs/00000000-0000-0000-0000-000000000000", None),
            ("error-404-unknown-route", "GET", "/api/no_such_endpoint", None),
            ("error-422-bad-sort", "POST", "/api/flow_runs/filter", b'{"sort":"NEWEST_FIRST"}'),
            ("error-422-bad-state-type", "POST", "/api/flow_runs/filter",
             b'{"flow_runs":{"state":{"type":{"any_":["DONE"]}}}}'),
            ("error-422-bad-uuid", "GET", "/api/flow_runs/not-a-uuid", None),
            ("error-422-get-on-filter-path", "GET", "/api/flow_runs/filter", None),
            ("error-422-limit-too-large", "POST", "/api/flow_runs/filter", b'{"limit":1000}'),
            ("error-422-malformed-json", "POST", "/api/flow_runs/filter", b'{"limit":'),
        ]
        for name, method, path, body in cases:
            hdr = {"Content-Type": "application/json"} if body is not None else {}
            status, h, data = self.sim.request(method, path, body, hdr)
            self.assertEqual(status, fixture_status(name), name)
            self.assertEqual(data, fixture("prefect", name + ".json"), name)

    def test_captured_objects_exact(self):
        runs = {"flow-run-cancelled": "fdd7173a-0370-4406-a8cf-7c80e67a0123",
                "flow-run-completed": "69dc61b0-c340-43b2-946b-9463bb179ef3",
                "flow-run-crashed": "06164836-9371-42ec-8979-c73250c8d688",
                "flow-run-failed": "afc32ad0-8c72-4eda-8d83-d3ccdd18ca0d"}
        for name, rid in runs.items():
            status, h, data = self.sim.request("GET", "/api/flow_runs/" + rid)
            self.assertEqual((status, data), (200, fixture("prefect", name + ".json")), name)
        for name, rid in (("flow-run-late", "ac555e60-1eda-4454-a671-3b36a80401c2"),
                          ("flow-run-running", "dfcfd0c1-833a-4cdd-a16b-79aaea610dde"),
                          ("flow-run-scheduled-future", "4bc934e7-02da-42b9-befc-129507b080f1")):
            status, data = self.sim.json("GET", "/api/flow_runs/" + rid)
            self.assertEqual(status, 200)
            self.assertEqual(strip_dynamic(data), strip_dynamic(fixture_json("prefect", name + ".json")), name)
        gets = [("flow-run-states", "/api/flow_run_states/?flow_run_id=afc32ad0-8c72-4eda-8d83-d3ccdd18ca0d"),
                ("task-run-states", "/api/task_run_states/?task_run_id=03655824-3f45-412d-8147-224e662a4773"),
                ("task-run-by-id", "/api/task_runs/1eecbdd7-53df-42d8-ba33-371be25e80cb"),
                ("deployment-by-id", "/api/deployments/642551de-3753-4dc6-bdae-343641e8ac52"),
                ("deployment-by-name", "/api/deployments/name/train-model/churn-weekly"),
                ("work-pool-by-name", "/api/work_pools/default-agent-pool"),
                ("flow-by-id", "/api/flows/1cce65fb-98b6-414f-907f-5d15f74069f6")]
        for name, path in gets:
            status, h, data = self.sim.request("GET", path)
            self.assertEqual((status, data), (200, fixture("prefect", name + ".json")), name)
        posts = [
            ("task-runs-filter", "/api/task_runs/filter",
             {"sort": "EXPECTED_START_TIME_ASC", "limit": 50,
              "flow_runs": {"id": {"any_": ["afc32ad0-8c72-4eda-8d83-d3ccdd18ca0d"]}}}),
            ("logs-filter", "/api/logs/filter",
             {"sort": "TIMESTAMP_ASC", "limit": 200, "offset": 0,
              "logs": {"flow_run_id": {"any_": ["afc32ad0-8c72-4eda-8d83-d3ccdd18ca0d"]}}}),
            ("logs-filter-errors", "/api/logs/filter", {"sort": "TIMESTAMP_DESC", "limit": 10, "logs": {"level": {"ge_": 40}}}),
            ("logs-filter-running-run", "/api/logs/filter",
             {"sort": "TIMESTAMP_ASC", "limit": 50,
              "logs": {"flow_run_id": {"any_": ["dfcfd0c1-833a-4cdd-a16b-79aaea610dde"]}}}),
            ("deployments-filter-by-work-pool", "/api/deployments/filter",
             {"limit": 10, "work_pools": {"name": {"any_": ["gpu-k8s-pool"]}}}),
            ("work-pool-queues-filter", "/api/work_pools/default-agent-pool/queues/filter", {}),
            ("work-pools-filter", "/api/work_pools/filter", {"limit": 10, "offset": 0}),
            ("work-queues-filter", "/api/work_queues/filter", {"limit": 10}),
            ("flow-runs-filter-state-failed-crashed", "/api/flow_runs/filter",
             {"sort": "START_TIME_DESC", "limit": 10, "offset": 0,
              "flow_runs": {"state": {"type": {"any_": ["FAILED", "CRASHED"]}}}}),
            ("flow-runs-count-failed", "/api/flow_runs/count",
             {"flow_runs": {"state": {"type": {"any_": ["FAILED", "CRASHED"]}}}}),
            ("flow-runs-filter-past-end", "/api/flow_runs/filter",
             {"sort": "EXPECTED_START_TIME_DESC", "limit": 5, "offset": 100}),
        ]
        for name, path, body in posts:
            status, h, data = self.sim.request("POST", path, body)
            self.assertEqual((status, data), (200, fixture("prefect", name + ".json")), name)
        status, data = self.post("/flow_runs/filter", {"limit": 10, "flow_runs": {"state": {"name": {"any_": ["Late"]}}}})
        self.assertEqual(strip_dynamic(data), strip_dynamic(fixture_json("prefect", "flow-runs-filter-state-name-late.json")))

    def test_seeded_mix_and_counts(self):
        status, runs = self.post("/flow_runs/filter", {"limit": 200})
        self.assertEqual(status, 200)
        status, total = self.post("/flow_runs/count", {})
        self.assertEqual(total, len(runs))
        self.assertGreaterEqual(total, 35)
        self.assertLessEqual(total, 45)
        by = {}
        for r in runs:
            by[(r["state_type"], r["state_name"])] = by.get((r["state_type"], r["state_name"]), 0) + 1
        self.assertEqual(by.get(("FAILED", "Failed")), 1)
        self.assertEqual(by.get(("SCHEDULED", "Late")), 1)
        self.assertEqual(by.get(("CRASHED", "Crashed")), 1)
        self.assertEqual(by.get(("CANCELLED", "Cancelled")), 1)
        self.assertGreaterEqual(by.get(("RUNNING", "Running"), 0), 1)
        self.assertGreaterEqual(by.get(("SCHEDULED", "Scheduled"), 0), 1)
        self.assertGreaterEqual(by.get(("COMPLETED", "Completed"), 0), 20)
        status, flows = self.post("/flows/filter", {})
        self.assertEqual(sorted(f["name"] for f in flows), ["batch-inference", "evaluate", "nightly-etl", "train-model"])
        self.assertEqual([f["name"] for f in flows], sorted(f["name"] for f in flows))   # NAME_ASC default
        self.assertEqual(self.post("/flows/count", {})[1], 4)
        status, deps = self.post("/deployments/filter", {})
        self.assertEqual(self.post("/deployments/count", {})[1], len(deps))
        flow_ids = {f["id"] for f in flows}
        for r in runs:
            self.assertIn(r["flow_id"], flow_ids)
        # the failed run's logs say why it failed
        fid = "afc32ad0-8c72-4eda-8d83-d3ccdd18ca0d"
        status, logs = self.post("/logs/filter", {"logs": {"flow_run_id": {"any_": [fid]}, "level": {"ge_": 40}}})
        self.assertTrue(any("AUC 0.912 below threshold 0.950" in l["message"] for l in logs))
        # every run the engine ran has task runs; counts agree with the filter
        for body in ({}, {"flow_runs": {"id": {"any_": [fid]}}},
                     {"task_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}):
            n = self.post("/task_runs/count", body)[1]
            self.assertEqual(n, len(self.post("/task_runs/filter", dict(body, limit=200))[1]), body)

    def test_counts_match_filters(self):
        dep = "642551de-3753-4dc6-bdae-343641e8ac52"
        filters = [
            {},
            {"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}},
            {"flow_runs": {"id": {"not_any_": ["afc32ad0-8c72-4eda-8d83-d3ccdd18ca0d"]}}},
            {"flow_runs": {"state": {"name": {"any_": ["Late"]}}}},
            {"flow_runs": {"deployment_id": {"any_": [dep]}}},
            {"flow_runs": {"deployment_id": {"is_null_": True}}},
            {"deployments": {"id": {"any_": [dep]}}, "work_pools": {"name": {"any_": ["default-agent-pool"]}}},
            {"work_pools": {"name": {"any_": ["gpu-k8s-pool"]}}},
            {"flows": {"name": {"any_": ["batch-inference"]}}},
            {"flow_runs": {"tags": {"all_": ["ml", "churn"]}}},
            {"flow_runs": {"name": {"like_": "churn"}}},
            {"flow_runs": {"expected_start_time": {"after_": "2026-11-23T12:00:00+00:00"}}},
            {"flow_runs": {"operator": "or_", "state": {"type": {"any_": ["FAILED"]}},
                           "name": {"any_": ["scoring-running"]}}},
        ]
        for f in filters:
            n = self.post("/flow_runs/count", f)[1]
            status, items = self.post("/flow_runs/filter", dict(f, limit=200))
            self.assertEqual(status, 200, (f, items))
            self.assertEqual(n, len(items), f)
        status, items = self.post("/flow_runs/filter",
                                  {"sort": "ID_DESC", "limit": 3, "deployments": {"id": {"any_": [dep]}},
                                   "work_pools": {"name": {"any_": ["default-agent-pool"]}}})
        self.assertEqual(len(items), 3)
        self.assertEqual([r["id"] for r in items], sorted((r["id"] for r in items), reverse=True))
        for r in items:
            self.assertEqual((r["deployment_id"], r["work_pool_name"]), (dep, "default-agent-pool"))
        n_or = self.post("/flow_runs/count", filters[-1])[1]
        self.assertEqual(n_or, 2)
        self.assertEqual(self.post("/flow_runs/count", filters[2])[1], self.post("/flow_runs/count", {})[1] - 1)
        # Prefect 2.14 has no not_any_ on state type: rejected like the real server
        status, data = self.post("/flow_runs/count", {"flow_runs": {"state": {"type": {"not_any_": ["COMPLETED"]}}}})
        self.assertEqual((status, data["exception_detail"][0]["type"]), (422, "value_error.extra"))

    def test_paging(self):
        total = self.post("/flow_runs/count", {})[1]
        seen = []
        off = 0
        while True:
            status, page = self.post("/flow_runs/filter", {"sort": "EXPECTED_START_TIME_DESC", "limit": 7, "offset": off})
            self.assertEqual(status, 200)
            if not page:
                break
            seen.extend(page)
            off += 7
        self.assertEqual(len(seen), total)
        self.assertEqual(len({r["id"] for r in seen}), total)
        full = self.post("/flow_runs/filter", {"sort": "EXPECTED_START_TIME_DESC"})[1]
        self.assertEqual([r["id"] for r in seen], [r["id"] for r in full])
        exp = [r["expected_start_time"] for r in full]
        self.assertEqual(exp, sorted(exp, key=lambda s: s.replace("+00:00", "").ljust(26, "0"), reverse=True))
        status, h, body = self.sim.request("POST", "/api/flow_runs/filter", {"offset": total})
        self.assertEqual((status, body), (200, b"[]"))
        status, h, body = self.sim.request("POST", "/api/logs/filter", {"offset": 100000})
        self.assertEqual((status, body), (200, b"[]"))
        status, data = self.post("/flow_runs/filter", {"limit": 200})
        self.assertEqual(status, 200)
        status, data = self.post("/flow_runs/filter", {"limit": 201})
        self.assertEqual((status, data), (422, {"detail": "Invalid limit: must be less than or equal to 200."}))

    def test_validation(self):
        status, data = self.post("/flow_runs/filter", {"flow_runs": {"state_type": {"any_": ["FAILED"]}}, "offset": -1})
        self.assertEqual(status, 422)
        self.assertEqual(data["exception_message"], "Invalid request received.")
        self.assertEqual([e["loc"] for e in data["exception_detail"]],
                         [["body", "offset"], ["body", "flow_runs", "state_type"]])
        self.assertEqual(data["exception_detail"][1]["type"], "value_error.extra")
        status, h, body = self.sim.request("POST", "/api/flow_runs/count", b"x=1",
                                           {"Content-Type": "application/x-www-form-urlencoded"})
        data = json.loads(body)
        self.assertEqual(status, 422)
        self.assertEqual({e["msg"] for e in data["exception_detail"]}, {"field required"})
        self.assertEqual(data["request_body"], "x=1")
        status, h, body = self.sim.request("POST", "/api/flow_runs/afc32ad0-8c72-4eda-8d83-d3ccdd18ca0d")
        self.assertEqual((status, json.loads(body)), (405, {"detail": "Method Not Allowed"}))
        status, h, body = self.sim.request("GET", "/api/flow_run_states?flow_run_id=afc32ad0-8c72-4eda-8d83-d3ccdd18ca0d")
        self.assertEqual(status, 307)
        self.assertTrue(h["location"].endswith("/api/flow_run_states/?flow_run_id=afc32ad0-8c72-4eda-8d83-d3ccdd18ca0d"))
        status, data = self.sim.json("GET", "/api/flow_run_states/")
        self.assertEqual(status, 422)
        self.assertEqual(data["exception_detail"][0]["loc"], ["query", "flow_run_id"])
        status, data = self.sim.json("GET", "/api/task_runs/00000000-0000-0000-0000-000000000000")
        self.assertEqual(status, 404)
        status, data = self.sim.json("GET", "/api/work_pools/nope")
        self.assertEqual((status, data), (404, {"detail": 'Work pool "nope" not found.'}))

    def test_gzip(self):
        status, h, body = self.sim.request("POST", "/api/flow_runs/filter", {"limit": 5}, {"Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        self.assertEqual(h["content-encoding"], "gzip")
        self.assertEqual(len(json.loads(gzip.decompress(body))), 5)
        status, h, body = self.sim.request("GET", "/api/health", None, {"Accept-Encoding": "gzip"})
        self.assertIsNone(h["content-encoding"])
        self.assertEqual(body, b"true")


class PrefectActions(SimCase):
    script = "prefect_sim.py"

    def set_state(self, rid, body):
        return self.sim.request("POST", "/api/flow_runs/%s/set_state" % rid, body)

    def test_set_state_semantics(self):
        cases = [  # the captured action sequence, in capture order
            ("action-set-state-cancel-scheduled", "4bc934e7-02da-42b9-befc-129507b080f1",
             {"state": {"type": "CANCELLED", "name": "Cancelled", "message": "Cancelled from mlconsole"}}),
            ("action-set-state-completed-to-running-accepted", "69dc61b0-c340-43b2-946b-9463bb179ef3",
             {"state": {"type": "RUNNING"}}),
            ("action-cancel-running-to-cancelling", "dfcfd0c1-833a-4cdd-a16b-79aaea610dde",
             {"state": {"type": "CANCELLING", "message": "Cancellation requested from mlconsole"}}),
            ("action-set-state-abort-pending-to-pending", "598f2fd0-e314-478e-b74b-d502182a0e6c",
             {"state": {"type": "PENDING"}}),
            ("action-set-state-force-back-to-completed", "69dc61b0-c340-43b2-946b-9463bb179ef3",
             {"state": {"type": "COMPLETED", "message": "Restored"}, "force": True}),
            ("action-set-state-late-to-cancelling-rejected", "ac555e60-1eda-4454-a671-3b36a80401c2",
             {"state": {"type": "CANCELLING"}}),
        ]
        for name, rid, body in cases:
            want = fixture_json("prefect", name + ".json")
            status, h, data = self.set_state(rid, body)
            got = json.loads(data)
            self.assertEqual(status, fixture_status(name), name)
            self.assertEqual(got["status"], want["status"], name)
            self.assertEqual(got["details"], want["details"], name)
            for k in ("type", "name", "message", "data"):
                self.assertEqual(got["state"][k], want["state"][k], (name, k))
            self.assertEqual(got["state"]["state_details"]["flow_run_id"], rid)
            self.assertEqual(list(got["state"]), list(want["state"]))
            # the run now shows the returned state
            run = self.sim.json("GET", "/api/flow_runs/" + rid)[1]
            self.assertEqual((run["state_type"], run["state_name"], run["state_id"]),
                             (got["state"]["type"], got["state"]["name"], got["state"]["id"]), name)
        # COMPLETED -> RUNNING -> COMPLETED: bookkeeping
        run = self.sim.json("GET", "/api/flow_runs/69dc61b0-c340-43b2-946b-9463bb179ef3")[1]
        self.assertEqual(run["run_count"], 1)
        self.assertIsNotNone(run["end_time"])
        self.assertGreater(run["total_run_time"], 4.658)
        # terminal -> CANCELLING aborts (200), CANCELLING -> RUNNING rejects (200)
        status, h, data = self.set_state("69dc61b0-c340-43b2-946b-9463bb179ef3", {"state": {"type": "CANCELLING"}})
        self.assertEqual((status, json.loads(data)["status"], json.loads(data)["details"]["reason"]),
                         (200, "ABORT", "Run is already COMPLETED."))
        status, h, data = self.set_state("dfcfd0c1-833a-4cdd-a16b-79aaea610dde", {"state": {"type": "RUNNING"}})
        self.assertEqual((status, json.loads(data)["status"]), (200, "REJECT"))
        status, h, data = self.set_state("dfcfd0c1-833a-4cdd-a16b-79aaea610dde", {"state": {"type": "RUNNING"}, "force": True})
        self.assertEqual((status, json.loads(data)["status"]), (201, "ACCEPT"))
        # a run scheduled an hour ahead cannot go PENDING yet: WAIT
        from datetime import datetime, timedelta, timezone
        later = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
        status, run = self.sim.json("POST", "/api/deployments/642551de-3753-4dc6-bdae-343641e8ac52/create_flow_run",
                                    {"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": later}}})
        self.assertEqual((status, run["expected_start_time"]), (201, later))
        status, h, data = self.set_state(run["id"], {"state": {"type": "PENDING"}})
        d = json.loads(data)
        self.assertEqual((status, d["status"], d["details"]["type"]), (200, "WAIT", "wait_details"))
        self.assertGreater(d["details"]["delay_seconds"], 0)
        # bad bodies / unknown run
        status, h, data = self.set_state("afc32ad0-8c72-4eda-8d83-d3ccdd18ca0d", {})
        self.assertEqual(status, 422)
        self.assertEqual(json.loads(data)["exception_detail"][0]["loc"], ["body", "state"])
        status, h, data = self.set_state("afc32ad0-8c72-4eda-8d83-d3ccdd18ca0d", {"state": {"type": "DONE"}})
        self.assertEqual(status, 422)
        self.assertEqual(json.loads(data)["exception_detail"][0]["loc"], ["body", "state", "type"])
        status, h, data = self.set_state("00000000-0000-0000-0000-000000000000", {"state": {"type": "CANCELLED"}})
        self.assertEqual(status, 404)

    def test_create_flow_run(self):
        dep = "642551de-3753-4dc6-bdae-343641e8ac52"
        before = self.sim.json("POST", "/api/flow_runs/count", {})[1]
        status, h, data = self.sim.request("POST", "/api/deployments/%s/create_flow_run" % dep,
                                           {"name": "quick-run-from-console", "parameters": {"epochs": 1},
                                            "tags": ["console"]})
        self.assertEqual(status, 201)
        got = json.loads(data)
        want = fixture_json("prefect", "action-create-flow-run-from-deployment.json")
        self.assertEqual(list(got), list(want))
        for k in ("name", "flow_id", "deployment_id", "work_queue_id", "work_queue_name", "parameters", "tags",
                  "state_type", "state_name", "run_count", "work_pool_id", "work_pool_name", "empirical_policy"):
            self.assertEqual(got[k], want[k], k)
        self.assertEqual(got["next_scheduled_start_time"], got["state"]["state_details"]["scheduled_time"])
        self.assertEqual(self.sim.json("POST", "/api/flow_runs/count", {})[1], before + 1)
        status, data = self.sim.json("GET", "/api/flow_runs/" + got["id"])
        self.assertEqual((status, data["name"]), (200, "quick-run-from-console"))
        status, data = self.sim.json("POST", "/api/deployments/00000000-0000-0000-0000-000000000000/create_flow_run", {})
        self.assertEqual((status, data), (404, {"detail": "Deployment not found"}))
        status, data = self.sim.json("POST", "/api/deployments/%s/create_flow_run" % dep, {"bogus": 1})
        self.assertEqual((status, data["exception_detail"][0]["type"]), (422, "value_error.extra"))

    def test_zz_control_modes(self):
        sim = self.sim
        sim.request("POST", "/api/flow_runs/filter?probe=1", {"limit": 1})
        status, reqs = sim.json("GET", "/__sim/requests")
        self.assertEqual(status, 200)
        self.assertLessEqual(len(reqs), 200)
        last = reqs[-1]
        self.assertEqual((last["method"], last["path"], last["query"]), ("POST", "/api/flow_runs/filter", "probe=1"))
        self.assertEqual(json.loads(last["body"]), {"limit": 1})
        self.assertEqual(last["headers"].get("Content-Type"), "application/json")
        self.assertFalse(any(r["path"].startswith("/__sim/") for r in reqs))

        sim.set_mode("error500")
        for method, path in (("GET", "/api/health"), ("POST", "/api/flow_runs/filter"), ("GET", "/nope")):
            status, h, body = sim.request(method, path, {} if method == "POST" else None)
            self.assertEqual((status, json.loads(body)), (500, {"exception_message": "Internal Server Error"}))

        sim.set_mode("hostile")
        status, h, body = sim.request("POST", "/api/flows/filter", {})
        self.assertEqual(status, 200)
        self.assertIn("\u009b".encode("utf-8"), body)       # raw C1 CSI, as ensure_ascii=False sends it
        self.assertIn("\u202e".encode("utf-8"), body)
        flows = json.loads(body)
        self.assertTrue(all(f["name"].startswith("\x1b[2J") and f["name"].endswith("\r\b\u202e\u009b") for f in flows))
        self.assertTrue(all(len(f["id"]) == 36 for f in flows))
        name = [f["name"] for f in flows if "train-model" in f["name"]][0]
        status, again = sim.json("POST", "/api/flows/filter", {"flows": {"name": {"any_": [name]}}})
        self.assertEqual(len(again), 1)            # hostile names sent back still match
        status, version = sim.json("GET", "/api/admin/version")
        self.assertEqual(version, "\x1b[2J2.14.21\r\b\u202e\u009b")

        sim.set_mode("hang")
        with self.assertRaises((socket.timeout, TimeoutError)):
            sim.request("GET", "/api/health", timeout=0.5)
        status, state = sim.json("GET", "/__sim/state")     # the control route still answers
        self.assertEqual((status, state["mode"]), (200, "hang"))
        sim.set_mode("ok")
        status, h, body = sim.request("GET", "/api/health")
        self.assertEqual((status, body), (200, b"true"))
        status, data = sim.json("GET", "/__sim/set?mode=bogus")
        self.assertEqual(status, 400)


class PrefectSeeds(unittest.TestCase):
    def test_seed_determinism_and_hostile_flag(self):
        sims = [Sim("prefect_sim.py", "--seed", "1"), Sim("prefect_sim.py", "--seed", "1"),
                Sim("prefect_sim.py", "--seed", "2", "--hostile")]
        try:
            outs = []
            for s in sims:
                status, runs = s.json("POST", "/api/flow_runs/filter", {"sort": "EXPECTED_START_TIME_DESC"})
                outs.append([strip_dynamic(r) for r in runs])
            self.assertEqual(outs[0], outs[1])
            self.assertNotEqual([r["id"] for r in outs[0]], [r["id"] for r in outs[2]])
            self.assertTrue(outs[2][0]["name"].startswith("\x1b[2J"))
            st = sims[2].json("GET", "/__sim/state")[1]
            self.assertEqual((st["mode"], st["seed"], st["server"]), ("hostile", 2, "prefect"))
        finally:
            for s in sims:
                self.assertEqual(s.stop(), 0)


# ====================================================================== Airflow

AUTH = {"Authorization": "Basic " + base64.b64encode(b"admin:admin").decode()}
RUN_0122 = "scheduled__2024-01-22T03%3A00%3A00%2B00%3A00"
RUN_0129 = "scheduled__2024-01-29T03%3A00%3A00%2B00%3A00"


class AirflowRead(SimCase):
    script = "airflow_sim.py"
    args = ("--user", "admin", "--password", "admin")

    def get(self, path, headers=None, auth=True):
        h = dict(AUTH if auth else {})
        h.update(headers or {})
        return self.sim.request("GET", "/api/v1" + path, None, h)

    def test_public_health_version(self):
        status, h, body = self.get("/version", auth=False)
        self.assertEqual((status, body), (200, fixture("airflow", "version.json")))
        self.assertEqual(h["Content-Type"], "application/json")
        status, h, body = self.get("/health", auth=False)
        self.assertEqual(status, 200)
        data = json.loads(body)
        want = fixture_json("airflow", "health.json")
        self.assertEqual(sorted(data), sorted(want))
        self.assertEqual(data["metadatabase"], {"status": "healthy"})
        self.assertEqual(data["scheduler"]["status"], "healthy")
        hb = data["scheduler"]["latest_scheduler_heartbeat"]
        from datetime import datetime, timezone
        age = (datetime.now(timezone.utc) - datetime.fromisoformat(hb)).total_seconds()
        self.assertLess(abs(age), 60)

    def test_pools_as_the_fixture(self):
        status, h, body = self.get("/pools?limit=100")
        self.assertEqual((status, body), (200, fixture("airflow", "pools.json")))
        self.assertEqual(self.get("/pools", auth=False)[0], 401)

    def test_basic_auth(self):
        for headers in ({}, {"Authorization": "Basic " + base64.b64encode(b"admin:wrong").decode()},
                        {"Authorization": "Bearer abc"}, {"Authorization": "Basic !!!"}):
            status, h, body = self.sim.request("GET", "/api/v1/dags", None, headers)
            self.assertEqual(status, 401, headers)
            self.assertEqual(body, fixture("airflow", "error-401.json"))
            self.assertEqual(h["WWW-Authenticate"], "Basic")
            self.assertEqual(h["Content-Type"], "application/problem+json")
        status, h, body = self.get("/dags")
        self.assertEqual(status, 200)

    def test_fixture_responses_exact(self):
        cases = [
            ("dags-paused-tag-filter.json", "/dags?limit=2&offset=0&paused=true&tags=ml", {}),
            ("dag-runs-page1.json", "/dags/ml_train_churn/dagRuns?limit=2&offset=0&order_by=-execution_date", {}),
            ("dag-runs-page2.json", "/dags/ml_train_churn/dagRuns?limit=2&offset=2&order_by=-execution_date", {}),
            ("dag-runs-past-end.json", "/dags/ml_train_churn/dagRuns?limit=2&offset=10", {}),
            ("dag-runs-state-filter.json", "/dags/ml_train_churn/dagRuns?state=running,queued&order_by=-execution_date", {}),
            ("dag-run.json", "/dags/ml_train_churn/dagRuns/" + RUN_0122, {}),
            ("task-instances.json", "/dags/ml_train_churn/dagRuns/%s/taskInstances?limit=100&offset=0" % RUN_0122, {}),
            ("task-instances-running-run.json", "/dags/ml_train_churn/dagRuns/%s/taskInstances" % RUN_0129, {}),
            ("task-log-plain.txt", "/dags/ml_train_churn/dagRuns/%s/taskInstances/train_model/logs/2?full_content=true"
             % RUN_0122, {"Accept": "text/plain"}),
            ("error-404-dag.json", "/dags/no_such_dag", {}),
            ("error-404-dag-run.json", "/dags/ml_train_churn/dagRuns/nope", {}),
            ("error-400-order-by.json", "/dags/ml_train_churn/dagRuns?order_by=invalid", {}),
        ]
        for name, path, headers in cases:
            status, h, body = self.get(path, headers)
            self.assertEqual(body, fixture("airflow", name), name)
            want_status = 200 if not name.startswith("error") else int(json.loads(body)["status"])
            self.assertEqual(status, want_status, name)
            if name.startswith("error"):
                self.assertEqual(h["Content-Type"], "application/problem+json")
        # repeated state= works like the comma form
        status, h, body = self.get("/dags/ml_train_churn/dagRuns?state=running&state=queued&order_by=-execution_date")
        self.assertEqual(body, fixture("airflow", "dag-runs-state-filter.json"))
        # batch list, body paging
        batch = [("dag-runs-batch-list.json",
                  {"dag_ids": ["ml_train_churn", "feature_etl_daily"], "states": ["running", "failed"],
                   "order_by": "-execution_date", "page_limit": 100, "page_offset": 0}, 200),
                 ("error-400-batch-unknown-field.json", {"dagids": ["ml_train_churn"]}, 400),
                 ("error-400-batch-page-limit.json", {"dag_ids": ["ml_train_churn"], "page_limit": 0}, 400)]
        for name, body, code in batch:
            status, h, data = self.sim.request("POST", "/api/v1/dags/~/dagRuns/list", body, AUTH)
            self.assertEqual((status, data), (code, fixture("airflow", name)), name)
        # JSON log: content as in the fixture, a signed token
        status, h, body = self.get("/dags/ml_train_churn/dagRuns/%s/taskInstances/train_model/logs/2" % RUN_0122,
                                   {"Accept": "application/json"})
        got = json.loads(body)
        self.assertEqual(got["content"], fixture_json("airflow", "task-log-json.json")["content"])
        payload = got["continuation_token"].split(".")[0]
        meta = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        self.assertEqual(meta["end_of_log"], True)
        # no Accept header -> JSON; Accept */* -> text/plain (werkzeug best_match)
        path = "/api/v1/dags/ml_train_churn/dagRuns/%s/taskInstances/train_model/logs/2" % RUN_0122
        status, h, body = self.sim.request("GET", path, None, AUTH)
        self.assertEqual(h["Content-Type"], "application/json")
        status, h, body = self.sim.request("GET", path, None, dict(AUTH, Accept="*/*"))
        self.assertEqual(h["Content-Type"], "text/plain")
        status, h, body = self.get(path[len("/api/v1"):] + "?token=forged.token", {"Accept": "application/json"})
        self.assertEqual(status, 400)

    def test_dags_paging_and_filters(self):
        status, data = self.sim.json("GET", "/api/v1/dags", None, AUTH)
        self.assertEqual(status, 200)
        ids = [d["dag_id"] for d in data["dags"]]
        self.assertEqual(ids, sorted(ids))
        self.assertEqual(data["total_entries"], len(ids))
        self.assertTrue(4 <= len(ids) <= 6)
        for want in ("ml_train_churn", "ml_training_pipeline", "feature_backfill"):
            self.assertIn(want, ids)
        fx = {d["dag_id"]: d for d in fixture_json("airflow", "dags.json")["dags"]}
        for d in data["dags"]:
            if d["dag_id"] in fx:
                self.assertEqual(d, fx[d["dag_id"]])
        pages = []
        for off in range(0, len(ids) + 2, 2):
            status, page = self.sim.json("GET", "/api/v1/dags?limit=2&offset=%d" % off, None, AUTH)
            self.assertEqual(page["total_entries"], len(ids))
            pages.extend(d["dag_id"] for d in page["dags"])
        self.assertEqual(pages, ids)
        status, page = self.sim.json("GET", "/api/v1/dags?offset=100", None, AUTH)
        self.assertEqual((page["dags"], page["total_entries"]), ([], len(ids)))
        status, page = self.sim.json("GET", "/api/v1/dags?order_by=-dag_id", None, AUTH)
        self.assertEqual([d["dag_id"] for d in page["dags"]], ids[::-1])
        status, page = self.sim.json("GET", "/api/v1/dags?fields=dag_id,is_paused,next_dagrun", None, AUTH)
        fxf = {d["dag_id"]: d for d in fixture_json("airflow", "dags-fields.json")["dags"]}
        for d in page["dags"]:
            self.assertEqual(sorted(d), ["dag_id", "is_paused", "next_dagrun"])
            if d["dag_id"] in fxf:
                self.assertEqual(d, fxf[d["dag_id"]])
        status, page = self.sim.json("GET", "/api/v1/dags?limit=500", None, AUTH)
        self.assertEqual(status, 200)
        status, data = self.sim.json("GET", "/api/v1/dags?limit=-1", None, AUTH)
        self.assertEqual(status, 400)
        status, data = self.sim.json("GET", "/api/v1/dags?limit=abc", None, AUTH)
        self.assertEqual((status, data["detail"]), (400, "Wrong type, expected 'integer' for query parameter 'limit'"))
        status, data = self.sim.json("GET", "/api/v1/dags?order_by=owners", None, AUTH)
        self.assertEqual(status, 400)

    def test_runs_totals_and_states(self):
        status, all_runs = self.sim.json("GET", "/api/v1/dags/~/dagRuns", None, AUTH)
        self.assertEqual(status, 200)
        self.assertEqual(all_runs["total_entries"], len(all_runs["dag_runs"]))
        states = {r["state"] for r in all_runs["dag_runs"]}
        self.assertEqual(states, {"success", "failed", "running", "queued"})
        for st in ("success", "failed", "running", "queued", "running,queued"):
            status, data = self.sim.json("GET", "/api/v1/dags/~/dagRuns?state=" + st, None, AUTH)
            want = [r for r in all_runs["dag_runs"] if r["state"] in st.split(",")]
            self.assertEqual(data["total_entries"], len(want), st)
            status, data2 = self.sim.json("POST", "/api/v1/dags/~/dagRuns/list", {"states": st.split(",")}, AUTH)
            self.assertEqual(data2["total_entries"], len(want), st)
        status, data = self.sim.json("POST", "/api/v1/dags/~/dagRuns/list", {"page_limit": 3, "page_offset": 1000}, AUTH)
        self.assertEqual((data["dag_runs"], data["total_entries"]), ([], all_runs["total_entries"]))
        q = "execution_date_gte=" + urllib.parse.quote("2024-02-01T00:00:00+00:00")
        status, data = self.sim.json("GET", "/api/v1/dags/~/dagRuns?" + q, None, AUTH)
        self.assertTrue(all(r["execution_date"] >= "2024-02-01" for r in data["dag_runs"]))
        self.assertEqual(data["total_entries"], len([r for r in all_runs["dag_runs"] if r["execution_date"] >= "2024-02-01"]))
        status, data = self.sim.json("GET", "/api/v1/dags/~/dagRuns?order_by=-start_date&limit=3", None, AUTH)
        self.assertIsNone(data["dag_runs"][0]["start_date"])           # Postgres: NULLs first descending
        status, data = self.sim.json("GET", "/api/v1/dags/nope/dagRuns", None, AUTH)
        self.assertEqual((status, data), (200, {"dag_runs": [], "total_entries": 0}))
        # the failed run: failed task instances and a log that says why
        status, tis = self.sim.json("GET", "/api/v1/dags/~/dagRuns/~/taskInstances?state=failed", None, AUTH)
        self.assertTrue(any(t["task_id"] == "train_model" for t in tis["task_instances"]))
        status, h, body = self.get("/dags/ml_train_churn/dagRuns/%s/taskInstances/train_model/logs/2" % RUN_0122,
                                   {"Accept": "text/plain"})
        self.assertIn(b"Pod train-model-8k2j1x3p returned a failure.", body)
        status, h, body = self.get("/dags/ml_train_churn/dagRuns/%s/taskInstances/nope/logs/1" % RUN_0122)
        self.assertEqual((status, json.loads(body)["title"]), (404, "TaskInstance not found"))

    def test_unknown_route_and_method(self):
        status, data = self.sim.json("GET", "/api/v1/nothing", None, AUTH)
        self.assertEqual((status, data["title"], data["type"]), (404, "Not Found", "about:blank"))
        status, data = self.sim.json("DELETE", "/api/v1/version")
        self.assertEqual((status, data["title"]), (405, "Method Not Allowed"))


class AirflowActions(SimCase):
    script = "airflow_sim.py"
    args = ("--user", "ops", "--password", "s3cret")

    def req(self, method, path, body=None, headers=None):
        h = {"Authorization": "Basic " + base64.b64encode(b"ops:s3cret").decode()}
        h.update(headers or {})
        status, hd, data = self.sim.request(method, "/api/v1" + path, body, h)
        return status, (json.loads(data) if data and hd["Content-Type"].endswith("json") else data)

    def test_credentials_flags(self):
        status, h, body = self.sim.request("GET", "/api/v1/dags", None, AUTH)   # admin:admin is wrong here
        self.assertEqual(status, 401)
        self.assertEqual(self.req("GET", "/dags")[0], 200)

    def test_pause_trigger_state(self):
        status, d = self.req("PATCH", "/dags/ml_train_churn?update_mask=is_paused", {"is_paused": True})
        self.assertEqual((status, d["is_paused"]), (200, True))
        self.assertTrue(self.req("GET", "/dags/ml_train_churn")[1]["is_paused"])
        status, d = self.req("PATCH", "/dags/ml_train_churn", {"is_paused": False})
        self.assertEqual((status, d["is_paused"]), (200, False))
        status, d = self.req("PATCH", "/dags/nope", {"is_paused": True})
        self.assertEqual((status, d["title"]), (404, "Dag with id: 'nope' not found"))
        status, d = self.req("PATCH", "/dags/ml_train_churn", {"is_paused": "yes"})
        self.assertEqual(status, 400)
        # trigger
        before = self.req("GET", "/dags/model_eval_on_demand/dagRuns")[1]["total_entries"]
        status, run = self.req("POST", "/dags/model_eval_on_demand/dagRuns",
                               {"dag_run_id": "console-run-1", "conf": {"model_uri": "models:/churn/1"}})
        self.assertEqual(status, 200)
        self.assertEqual((run["state"], run["run_type"], run["external_trigger"], run["conf"]),
                         ("queued", "manual", True, {"model_uri": "models:/churn/1"}))
        self.assertEqual(sorted(run), sorted(fixture_json("airflow", "dag-run.json")))
        self.assertEqual(self.req("GET", "/dags/model_eval_on_demand/dagRuns")[1]["total_entries"], before + 1)
        status, d = self.req("POST", "/dags/model_eval_on_demand/dagRuns", {"dag_run_id": "console-run-1"})
        self.assertEqual((status, d["title"]), (409, "Conflict"))
        status, d = self.req("POST", "/dags/no_dag/dagRuns", {})
        self.assertEqual((status, d["title"]), (404, "DAG not found"))
        status, d = self.req("POST", "/dags/ml_train_churn/dagRuns", {"state": "running"})
        self.assertEqual((status, d["detail"]), (400, "Property is read-only - 'state'"))
        status, run = self.req("POST", "/dags/ml_train_churn/dagRuns", {})
        self.assertEqual(status, 200)
        self.assertTrue(run["dag_run_id"].startswith("manual__"))
        status, tis = self.req("GET", "/dags/ml_train_churn/dagRuns/%s/taskInstances"
                               % urllib.parse.quote(run["dag_run_id"], safe=""))
        self.assertTrue(tis["task_instances"] and all(t["state"] is None for t in tis["task_instances"]))
        # run state
        status, r = self.req("PATCH", "/dags/ml_train_churn/dagRuns/" + RUN_0129, {"state": "success"})
        self.assertEqual((status, r["state"]), (200, "success"))
        self.assertIsNotNone(r["end_date"])
        status, tis = self.req("GET", "/dags/ml_train_churn/dagRuns/%s/taskInstances" % RUN_0129)
        self.assertEqual({t["state"] for t in tis["task_instances"]}, {"success"})
        status, r = self.req("PATCH", "/dags/ml_train_churn/dagRuns/" + RUN_0129, {"state": "queued"})
        self.assertEqual((status, r["state"], r["end_date"]), (200, "queued", None))
        status, d = self.req("PATCH", "/dags/ml_train_churn/dagRuns/" + RUN_0129, {"state": "running"})
        self.assertEqual(status, 400)
        status, d = self.req("PATCH", "/dags/ml_train_churn/dagRuns/nope", {"state": "failed"})
        self.assertEqual((status, d["title"]), (404, "Dag Run id nope not found in dag ml_train_churn"))

    def test_zz_control_modes(self):
        sim = self.sim
        sim.set_mode("error500")
        status, h, body = sim.request("GET", "/api/v1/health")
        self.assertEqual(status, 500)
        self.assertEqual(json.loads(body)["status"], 500)
        self.assertEqual(h["Content-Type"], "application/problem+json")
        sim.set_mode("hostile")
        status, d = self.req("GET", "/dags/ml_train_churn")
        self.assertEqual(d["dag_id"], "ml_train_churn")
        self.assertEqual(d["dag_display_name"], "\x1b[2Jml_train_churn\r\b\u202e\u009b")
        self.assertTrue(all(o.startswith("\x1b[2J") for o in d["owners"]))
        status, v = self.req("GET", "/version")
        self.assertTrue(v["version"].startswith("\x1b[2J"))
        status, body = self.req("GET", "/dags/ml_train_churn/dagRuns/%s/taskInstances/train_model/logs/2" % RUN_0122,
                                headers={"Accept": "text/plain"})
        self.assertIn(b"\x1b[2J", body)
        self.assertTrue(body.endswith(b"\xff"))
        sim.set_mode("hang")
        with self.assertRaises((socket.timeout, TimeoutError)):
            sim.request("GET", "/api/v1/version", timeout=0.5)
        sim.set_mode("ok")
        status, h, body = sim.request("GET", "/api/v1/version")
        self.assertEqual((status, body), (200, fixture("airflow", "version.json")))
        status, reqs = sim.json("GET", "/__sim/requests?clear=1")
        self.assertEqual(reqs[-1]["path"], "/api/v1/version")
        self.assertTrue(any(r["method"] == "PATCH" and r["body"] for r in reqs) or len(reqs) == 200)
        status, reqs = sim.json("GET", "/__sim/requests")
        self.assertEqual(reqs, [])


class AirflowSchedulerDown(SimCase):
    script = "airflow_sim.py"
    args = ("--scheduler-down",)

    def test_health(self):
        status, data = self.sim.json("GET", "/api/v1/health")
        self.assertEqual(status, 200)
        want = fixture_json("airflow", "health-scheduler-down.json")
        self.assertEqual(data["scheduler"]["status"], "unhealthy")
        self.assertEqual(data["triggerer"], want["triggerer"])
        self.assertEqual(data["metadatabase"], want["metadatabase"])
        self.assertEqual(data["dag_processor"], want["dag_processor"])
        from datetime import datetime, timezone
        hb = datetime.fromisoformat(data["scheduler"]["latest_scheduler_heartbeat"])
        self.assertGreater((datetime.now(timezone.utc) - hb).total_seconds(), 60)



class AirflowV3(SimCase):
    """airflow_sim.py --v3: Airflow 3's /api/v2 on the v2 fixtures."""
    script = "airflow_sim.py"
    args = ("--user", "admin", "--password", "admin", "--v3")

    def token(self):
        status, h, body = self.sim.request("POST", "/auth/token", {"username": "admin", "password": "admin"})
        self.assertEqual(status, 201)
        return json.loads(body)["access_token"]

    def get(self, path, token):
        return self.sim.request("GET", "/api/v2" + path, None, {"Authorization": "Bearer " + token})

    def test_public_and_v1_gone(self):
        status, h, body = self.sim.request("GET", "/api/v2/version")
        self.assertEqual((status, body), (200, fixture("airflow", "v2", "version.json")))
        status, h, body = self.sim.request("GET", "/api/v2/monitor/health")
        self.assertEqual(sorted(json.loads(body)), sorted(fixture_json("airflow", "v2", "health.json")))
        status, h, body = self.sim.request("GET", "/api/v1/version")
        self.assertEqual((status, json.loads(body)), (404, {"detail": "Not Found"}))

    def test_token_and_its_errors(self):
        status, h, body = self.sim.request("POST", "/auth/token", {"username": "admin", "password": "x"})
        self.assertEqual((status, body), (401, fixture("airflow", "v2", "error-401-invalid-credentials.json")))
        status, h, body = self.sim.request("GET", "/api/v2/dags/~/dagRuns")
        self.assertEqual((status, body), (401, fixture("airflow", "v2", "error-401-not-authenticated.json")))
        self.assertEqual(h["WWW-Authenticate"], "Bearer")
        status, h, body = self.sim.request("GET", "/api/v2/dags/~/dagRuns", None, AUTH)
        self.assertEqual(status, 401)  # basic auth is not v2's
        tok = self.token()
        self.assertEqual(self.get("/dags/~/dagRuns?limit=1", tok)[0], 200)
        self.sim.request("GET", "/__sim/reset")
        status, h, body = self.get("/dags/~/dagRuns?limit=1", tok)
        self.assertEqual((status, body), (401, fixture("airflow", "v2", "error-401-token-expired.json")))
        self.assertEqual(self.get("/dags/~/dagRuns?limit=1", self.token())[0], 200)

    def test_shapes_as_the_fixtures(self):
        tok = self.token()
        runs = json.loads(self.get("/dags/~/dagRuns?limit=5&order_by=-run_after", tok)[2])
        want = fixture_json("airflow", "v2", "dag-runs-page1.json")
        self.assertEqual(sorted(runs), sorted(want))
        for r in runs["dag_runs"]:
            self.assertEqual(sorted(r), sorted(want["dag_runs"][0]))
            self.assertNotIn("execution_date", r)
        after = [r["run_after"] for r in runs["dag_runs"]]
        self.assertEqual(after, sorted(after, reverse=True))
        tis = json.loads(self.get("/dags/ml_train_churn/dagRuns/%s/taskInstances" % RUN_0122, tok)[2])
        self.assertEqual(sorted(tis["task_instances"][0]),
                         sorted(fixture_json("airflow", "v2", "task-instances.json")["task_instances"][0]))
        log = json.loads(self.get("/dags/ml_train_churn/dagRuns/%s/taskInstances/train_model/logs/2?full_content=true"
                                  % RUN_0122, tok)[2])
        self.assertEqual(sorted(log), ["content", "continuation_token"])
        self.assertEqual(log["content"][0]["event"], "::group::Log message source details")
        levels = {e.get("level") for e in log["content"]}
        self.assertTrue({"info", "error"} <= levels, levels)
        status, h, body = self.get("/dags/~/dagRuns?limit=-1", tok)
        self.assertEqual((status, body), (422, fixture("airflow", "v2", "error-422-limit.json")))
        status, h, body = self.sim.request("POST", "/api/v2/dags/model_eval_on_demand/dagRuns",
                                           {"logical_date": None, "conf": {}}, {"Authorization": "Bearer " + tok})
        self.assertEqual(status, 200)
        r = json.loads(body)
        self.assertEqual(sorted(r), sorted(fixture_json("airflow", "v2", "dag-run-triggered.json")))
        self.assertIsNone(r["logical_date"])
        self.sim.request("GET", "/__sim/reset")

if __name__ == "__main__":
    unittest.main(verbosity=1)
