#!/usr/bin/env python3
"""Prefect 2.14.21 server API simulator (base path /api), Python 3 stdlib only.

Built on the real captures in tests/fixtures/prefect/ (see its README): every
captured object is served verbatim, the captured error bodies are reproduced
byte for byte, and generated objects copy the captured shapes and key order.
Output is compact JSON (Starlette's JSONResponse: ensure_ascii=False, so U+009B
and U+202E go out as raw UTF-8), headers ``date``/``server: uvicorn``, gzip like
Starlette's GZipMiddleware (Accept-Encoding: gzip and a body of 500+ bytes).

Simulated (no auth, as a self-hosted Prefect 2 server):
  GET  /api/health -> true, /api/version -> "0.8.4", /api/admin/version -> "2.14.21"
  POST /api/flows/filter|count,          GET /api/flows/{id}, /api/flows/name/{name}
  POST /api/flow_runs/filter|count|history, GET /api/flow_runs/{id}
  POST /api/flow_runs/{id}/set_state      (orchestration rules below, "force")
  GET  /api/flow_run_states/?flow_run_id=, /api/flow_run_states/{id}
  POST /api/task_runs/filter|count,       GET /api/task_runs/{id}
  GET  /api/task_run_states/?task_run_id=, /api/task_run_states/{id}
  POST /api/deployments/filter|count,     GET /api/deployments/{id},
  GET  /api/deployments/name/{flow}/{deployment}
  POST /api/deployments/{id}/create_flow_run
  POST /api/logs/filter
  POST /api/work_pools/filter|count,      GET /api/work_pools/{name}
  POST /api/work_pools/{pool}/queues/filter, GET /api/work_pools/{pool}/queues/{name}
  POST /api/work_queues/filter,           GET /api/work_queues/{id}, /api/work_queues/name/{name}

Request validation follows FastAPI 0.99 + pydantic 1.10 on the server's own
OpenAPI document (openapi.json in the fixtures): 422 {"exception_message",
"exception_detail":[{loc,msg,type,ctx?}],"request_body"} for bad enums, UUIDs,
types, extra filter keys, missing fields, malformed JSON and a non-JSON
Content-Type (every body field "field required"); limit > 200 -> 422
{"detail":"Invalid limit: must be less than or equal to 200."}; unknown route
404 {"detail":"Not Found"}; wrong method 405; GET /api/flow_runs/filter is 422
(it matches /flow_runs/{id}), as captured.  Filters: every criterion of the
flows / flow_runs / task_runs / deployments / work_pools / work_pool_queues /
logs filter models (any_, not_any_, like_, all_, is_null_, before_, after_,
ge_, le_, eq_, startswith_, operator and_/or_).  Sorts: the enums of the
README, NULLs ordered as SQLite does (first ascending), ties in creation order.

set_state (Prefect 2.14 CoreFlowPolicy + global rules): terminal -> CANCELLING/
PAUSED/CRASHED is ABORT "Run is already X."; PENDING/RUNNING/CANCELLING/CANCELLED
-> PENDING is ABORT; CANCELLING -> anything but CANCELLED is REJECT; SCHEDULED
without infrastructure_pid -> CANCELLING is REJECT into a new Cancelled state
(HTTP 201, as captured); SCHEDULED -> PENDING before the scheduled time is
WAIT; COMPLETED -> RUNNING is accepted (re-run); "force": true skips the
policy.  201 when a new state was written, else 200.  Accepted transitions
update start/end time, run_count, total_run_time, next_scheduled_start_time.
estimated_run_time / estimated_start_time_delta are recomputed per request.

Seed (--seed N, default 1; captured objects are fixed, generated ones vary with N):
  flows train-model, batch-inference, nightly-etl, evaluate; deployments
  churn-weekly, hourly-scoring, daily-features (captured) + eval-on-demand;
  work pools default-agent-pool, gpu-k8s-pool and their 4 queues (captured);
  40 flow runs: the 13 captured ones (one FAILED "train-churn-strict" with its
  21 real log lines and 3 task runs, one Late, one CRASHED, one CANCELLED,
  PENDING, RUNNING, future SCHEDULED, an ad-hoc run with no deployment) + 27
  generated COMPLETED/RUNNING/SCHEDULED runs with task runs, states and logs.
  Captured timestamps are kept as captured (2026-11-23, the capture day).

Left out: auth (Prefect Cloud), PATCH/DELETE and create endpoints other than
create_flow_run, task run set_state, /flow_runs/{id}/graph (not captured),
blocks, artifacts, variables, concurrency limits, automations, events, the UI
routes, late-run marking and scheduler services (nothing changes on its own),
X-Prefect-Api-Version checks, and pause/resume/retry orchestration details.
"""

import copy
import datetime
import gzip
import json
import math
import os
import random
import re
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simcommon  # noqa: E402
from simcommon import Response  # noqa: E402

UTC = datetime.timezone.utc
CAPTURE_NOW = datetime.datetime(2026, 11, 23, 17, 50, 46, tzinfo=UTC)
DEFAULT_LIMIT = 200

STATE_TYPES = ["SCHEDULED", "PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED",
               "CRASHED", "PAUSED", "CANCELLING"]
TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}

HOSTILE_KEYS = {"name", "state_name", "message", "version", "flow_version", "description",
                "work_queue_name", "work_pool_name", "tags"}

FLOW_VERSION = "5f448e4bb440d6fefd071996c50ffef7"
MLFLOW_RUN_URI = "runs:/4f3a61548b954e1e9e5ce8e717502f3f/model"


def FX(name):
    return simcommon.fixture_json("prefect", name)


# ------------------------------------------------------------------ time

def parse_dt(s):
    if isinstance(s, datetime.datetime):
        return s if s.tzinfo else s.replace(tzinfo=UTC)
    if s is None:
        return None
    t = s.strip()
    if t.endswith("Z") or t.endswith("z"):
        t = t[:-1] + "+00:00"
    d = datetime.datetime.fromisoformat(t)
    if d.tzinfo is None:
        d = d.replace(tzinfo=UTC)
    return d


def iso(d):
    return d.astimezone(UTC).isoformat()


def now():
    return datetime.datetime.now(UTC)


def secs(td):
    return round(td.total_seconds(), 6)


# ------------------------------------------------------------------ JSON

def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class HTTPError(Exception):
    def __init__(self, status, body, headers=None):
        Exception.__init__(self, status)
        self.status = status
        self.body = body
        self.headers = headers or []


class Validation(Exception):
    def __init__(self, errors, body):
        Exception.__init__(self, "validation")
        self.errors = errors
        self.body = body


def err(loc, msg, typ, ctx=None):
    e = {"loc": list(loc), "msg": msg, "type": typ}
    if ctx is not None:
        e["ctx"] = ctx
    return e


# ------------------------------------------------------------------ pydantic-v1-like validator

_BOOL_TRUE = {"1", "on", "t", "true", "y", "yes"}
_BOOL_FALSE = {"0", "off", "f", "false", "n", "no"}
_MISSING = object()


class Validator(object):
    """Validates and coerces JSON values against the OpenAPI component schemas
    the way pydantic 1.10 does (messages, types, loc)."""

    def __init__(self, schemas):
        self.S = schemas

    def resolve(self, sch):
        while True:
            if "$ref" in sch:
                sch = self.S[sch["$ref"].split("/")[-1]]
                continue
            if "allOf" in sch and len(sch["allOf"]) == 1 and "type" not in sch and "properties" not in sch:
                sch = sch["allOf"][0]
                continue
            return sch

    def validate(self, value, sch, loc, errors, allow_none=True):
        sch = self.resolve(sch)
        if value is None:
            if allow_none:
                return None
            errors.append(err(loc, "none is not an allowed value", "type_error.none.not_allowed"))
            return _MISSING
        if "enum" in sch:
            if isinstance(value, str) and value in sch["enum"]:
                return value
            permitted = ", ".join("'%s'" % v for v in sch["enum"])
            errors.append(err(loc, "value is not a valid enumeration member; permitted: " + permitted,
                              "type_error.enum", {"enum_values": list(sch["enum"])}))
            return _MISSING
        typ = sch.get("type")
        if "properties" in sch or (typ == "object" and "additionalProperties" in sch
                                   and sch["additionalProperties"] is False):
            return self.validate_object(value, sch, loc, errors)
        if typ == "object":
            if not isinstance(value, dict):
                errors.append(err(loc, "value is not a valid dict", "type_error.dict"))
                return _MISSING
            return value
        if typ == "array":
            if not isinstance(value, list):
                errors.append(err(loc, "value is not a valid list", "type_error.list"))
                return _MISSING
            items = sch.get("items", {})
            out = []
            for i, v in enumerate(value):
                r = self.validate(v, items, loc + [i], errors, allow_none=False)
                out.append(r)
            return out
        if typ == "string":
            fmt = sch.get("format")
            if fmt == "uuid":
                try:
                    if not isinstance(value, str):
                        raise ValueError
                    return str(uuid.UUID(value))
                except (ValueError, AttributeError, TypeError):
                    errors.append(err(loc, "value is not a valid uuid", "type_error.uuid"))
                    return _MISSING
            if fmt == "date-time":
                try:
                    if isinstance(value, bool):
                        raise ValueError
                    if isinstance(value, (int, float)):
                        return datetime.datetime.fromtimestamp(value, UTC)
                    return parse_dt(value)
                except (ValueError, TypeError, OverflowError):
                    errors.append(err(loc, "invalid datetime format", "value_error.datetime"))
                    return _MISSING
            if isinstance(value, str):
                return value
            if isinstance(value, (int, float)):
                return str(value)
            errors.append(err(loc, "str type expected", "type_error.str"))
            return _MISSING
        if typ == "integer":
            if isinstance(value, bool):
                value = int(value)
            try:
                if isinstance(value, (dict, list)):
                    raise TypeError
                v = int(value)
            except (TypeError, ValueError, OverflowError):
                errors.append(err(loc, "value is not a valid integer", "type_error.integer"))
                return _MISSING
            if "minimum" in sch and v < sch["minimum"]:
                m = sch["minimum"]
                m = int(m) if float(m).is_integer() else m
                errors.append(err(loc, "ensure this value is greater than or equal to %s" % m,
                                  "value_error.number.not_ge", {"limit_value": m}))
                return _MISSING
            return v
        if typ == "number":
            try:
                if isinstance(value, (dict, list)):
                    raise TypeError
                return float(value)
            except (TypeError, ValueError):
                errors.append(err(loc, "value is not a valid float", "type_error.float"))
                return _MISSING
        if typ == "boolean":
            if value is True or value is False:
                return value
            if isinstance(value, int) and value in (0, 1):
                return bool(value)
            if isinstance(value, str):
                if value.lower() in _BOOL_TRUE:
                    return True
                if value.lower() in _BOOL_FALSE:
                    return False
            errors.append(err(loc, "value could not be parsed to a boolean", "type_error.bool"))
            return _MISSING
        return value

    def validate_object(self, value, sch, loc, errors):
        if not isinstance(value, dict):
            errors.append(err(loc, "value is not a valid dict", "type_error.dict"))
            return _MISSING
        props = sch.get("properties", {})
        required = set(sch.get("required", []))
        out = {}
        for name, psch in props.items():
            if name in value:
                r = self.validate(value[name], psch, loc + [name], errors,
                                  allow_none=name not in required)
                if r is not _MISSING:
                    out[name] = r
            elif name in required:
                errors.append(err(loc + [name], "field required", "value_error.missing"))
        if sch.get("additionalProperties") is False:
            for name in value:
                if name not in props:
                    errors.append(err(loc + [name], "extra fields not permitted", "value_error.extra"))
        return out


# ------------------------------------------------------------------ word lists for names

ADJ = ["amber", "brave", "calm", "dapper", "eager", "fancy", "gentle", "hasty", "icy", "jolly",
       "keen", "lively", "mellow", "nimble", "olive", "proud", "quick", "rustic", "silky",
       "tidy", "urban", "vivid", "witty", "zesty", "crimson", "daring", "frosty", "glossy"]
ANIMALS = ["yak", "panda", "crane", "otter", "lynx", "heron", "bison", "marmot", "gecko",
           "walrus", "ibis", "koala", "lemur", "newt", "okapi", "puffin", "quokka", "raven",
           "salmon", "tapir", "vole", "wombat", "zebu", "finch", "hare", "moose", "oriole"]


# ------------------------------------------------------------------ the app

class PrefectApp(simcommon.App):
    name = "prefect"
    base_headers = [("date", None), ("server", "uvicorn")]
    lowercase_headers = True

    def __init__(self, args):
        simcommon.App.__init__(self, args)
        self.lock = threading.RLock()
        self.openapi = FX("openapi.json")
        self.V = Validator(self.openapi["components"]["schemas"])
        self.routes = self._build_routes()
        self.rng = random.Random(args.seed)
        self._seed_data()
        self.pages_runs = None
        self.page_hold = simcommon.PageHold()

    def reset(self):
        """Back to the seeded world (after a screen test's set_state)."""
        with self.lock:
            self.rng = random.Random(self.args.seed)
            self._seed_data()

    # ---------------------------------------------------------------- ids, names
    def new_id(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def coolname(self):
        return "%s-%s" % (self.rng.choice(ADJ), self.rng.choice(ANIMALS))

    def jitter(self, base, lo, hi):
        """base + random seconds in [lo, hi) with microseconds."""
        return base + datetime.timedelta(microseconds=self.rng.randrange(int(lo * 1e6), int(hi * 1e6)))

    @staticmethod
    def ms(d):
        """SQLite-style 'updated' value: millisecond precision."""
        return d.replace(microsecond=(d.microsecond // 1000) * 1000)

    # ---------------------------------------------------------------- seed
    def _seed_data(self):
        self.work_pools = {p["id"]: p for p in FX("work-pools-filter.json")}
        self.work_queues = {q["id"]: q for q in FX("work-queues-filter.json")}

        flows = FX("flows-filter.json")
        renames = {"35e1e86a-be21-493e-b486-54bb2d51771e": "nightly-etl",
                   "158abd84-00f4-46eb-a481-3b7fbd7b1f03": "evaluate"}
        for f in flows:
            if f["id"] in renames:
                f["name"] = renames[f["id"]]
        flows.sort(key=lambda f: f["created"])
        self.flows = {f["id"]: f for f in flows}
        self.flow_by_name = {f["name"]: f for f in flows}

        deps = FX("deployments-filter.json")
        deps.sort(key=lambda d: d["created"])
        self.deployments = {d["id"]: d for d in deps}
        eval_flow = self.flow_by_name["evaluate"]
        ev = copy.deepcopy(deps[0])
        ev_created = parse_dt("2026-11-23T17:49:41.989104+00:00")
        ev.update({
            "id": self.new_id(), "created": iso(ev_created), "updated": iso(ev_created - datetime.timedelta(microseconds=1207)),
            "name": "eval-on-demand", "version": "v1",
            "description": "Evaluate a registered model on the holdout set",
            "flow_id": eval_flow["id"], "schedule": None, "is_schedule_active": True,
            "parameters": {"model_uri": "models:/churn/Production", "dataset": "s3://ml-data/churn/holdout"},
            "tags": ["ml", "eval"], "work_queue_name": "ml", "entrypoint": "mlflows.py:evaluate",
            "work_pool_name": "default-agent-pool",
        })
        self.deployments[ev["id"]] = ev

        self.flow_runs = {}
        self.flow_run_states = {}
        self.task_runs = {}
        self.task_run_states = {}
        self.logs = []

        # captured runs (all but the second cancelled one, to keep one CANCELLED)
        captured = []
        for f in ("flow-runs-filter-page1.json", "flow-runs-filter-page2.json", "flow-runs-filter-page3.json"):
            captured.extend(FX(f))
        single = {}
        for f in ("flow-run-cancelled.json", "flow-run-completed.json", "flow-run-crashed.json",
                  "flow-run-failed.json", "flow-run-late.json", "flow-run-running.json",
                  "flow-run-scheduled-future.json"):
            r = FX(f)
            single[r["id"]] = r
        for r in captured:
            if r["name"] == "scoring-cancelled-before-start":
                continue
            r = single.get(r["id"], r)
            self.flow_runs[r["id"]] = r
        failed_id = "afc32ad0-8c72-4eda-8d83-d3ccdd18ca0d"
        self.flow_run_states[failed_id] = FX("flow-run-states.json")
        for r in self.flow_runs.values():
            if r["id"] not in self.flow_run_states:
                self.flow_run_states[r["id"]] = self._synth_history(r)

        for t in FX("task-runs-filter.json"):
            self.task_runs[t["id"]] = t
            self.task_run_states[t["id"]] = self._synth_task_history(t)
        self.task_run_states["03655824-3f45-412d-8147-224e662a4773"] = FX("task-run-states.json")
        self.logs.extend(FX("logs-filter.json"))
        self.logs.extend(FX("logs-filter-running-run.json"))

        # task runs and logs for the other captured runs that the engine ran
        self._gen_tasks_for_captured()
        # generated runs
        self._gen_runs()

        self.flow_runs = dict(sorted(self.flow_runs.items(), key=lambda kv: parse_dt(kv[1]["created"])))
        self.task_runs = dict(sorted(self.task_runs.items(), key=lambda kv: parse_dt(kv[1]["created"])))
        self.logs.sort(key=lambda l: parse_dt(l["created"]))

    # state objects ----------------------------------------------------
    @staticmethod
    def state_obj(sid, typ, name, ts, message=None, data=None, flow_run_id=None, task_run_id=None,
                  scheduled_time=None, transition_id=None, retriable=None):
        return {
            "id": sid, "type": typ, "name": name, "timestamp": ts, "message": message, "data": data,
            "state_details": {
                "flow_run_id": flow_run_id, "task_run_id": task_run_id, "child_flow_run_id": None,
                "scheduled_time": scheduled_time, "cache_key": None, "cache_expiration": None,
                "untrackable_result": False, "pause_timeout": None, "pause_reschedule": False,
                "pause_key": None, "run_input_keyset": None, "refresh_cache": None,
                "retriable": retriable, "transition_id": transition_id, "task_parameters_id": None,
            },
        }

    def _synth_history(self, r):
        """SCHEDULED -> PENDING -> RUNNING -> final for a captured run without a
        captured history (timestamps from its own fields)."""
        st = r["state"]
        if st is None:
            return []
        out = []
        exp = r["expected_start_time"]
        created = parse_dt(r["created"])
        sched = self.state_obj(self.new_id(), "SCHEDULED", "Scheduled", iso(created), flow_run_id=r["id"],
                               scheduled_time=exp)
        if st["type"] == "SCHEDULED":
            if st["name"] != "Scheduled":
                out.append(sched)
            out.append(st)
            return out
        out.append(sched)
        if r["start_time"]:
            start = parse_dt(r["start_time"])
            pend_ts = self.jitter(parse_dt(exp), 0.5, 0.9)
            if pend_ts >= start:
                pend_ts = start - datetime.timedelta(milliseconds=300)
            out.append(self.state_obj(self.new_id(), "PENDING", "Pending", iso(pend_ts), flow_run_id=r["id"],
                                      scheduled_time=exp))
            if st["type"] != "RUNNING":
                out.append(self.state_obj(self.new_id(), "RUNNING", "Running", r["start_time"], flow_run_id=r["id"],
                                          transition_id=self.new_id()))
        elif st["type"] not in ("PENDING",):
            pass
        out.append(st)
        return out

    def _synth_task_history(self, t):
        st = t["state"]
        out = [self.state_obj(self.new_id(), "PENDING", "Pending", t["expected_start_time"],
                              flow_run_id=t["flow_run_id"], task_run_id=t["id"])]
        if t["start_time"] and st["type"] != "RUNNING":
            out.append(self.state_obj(self.new_id(), "RUNNING", "Running", t["start_time"],
                                      flow_run_id=t["flow_run_id"], task_run_id=t["id"]))
        out.append(st)
        return out

    # task runs / logs --------------------------------------------------
    TASKS = {
        "train-model": [("load-data", "load_data", {"source": []}, "Reading dataset from {dataset}"),
                        ("train", "train", {"rows": "<prev>", "lr": [], "epochs": []}, "epoch={epochs} loss=0.2871 lr={lr}"),
                        ("evaluate", "evaluate", {"metrics": "<prev>", "threshold": []}, "AUC 0.934 (threshold 0.900)")],
        "batch-inference": [("load-batch", "load_batch", {"batch_size": []}, "Loaded {batch_size} rows from the feature store"),
                            ("score", "score", {"batch": "<prev>"}, "Scored {batch_size} rows in 8 partitions"),
                            ("write-predictions", "write_predictions", {"scores": "<prev>"}, "Wrote predictions to s3://ml-data/scores/")],
        "nightly-etl": [("extract", "extract", {"day": []}, "Extracted 1832211 events for {day}"),
                        ("transform", "transform", {"events": "<prev>"}, "Built 214 feature columns"),
                        ("load-features", "load_features", {"frame": "<prev>"}, "Materialised features into the online store")],
        "evaluate": [("load-model", "load_model", {"model_uri": []}, "Loaded {model_uri}"),
                     ("score-holdout", "score_holdout", {"model": "<prev>", "dataset": []}, "Holdout AUC 0.928, logloss 0.311"),
                     ("compare-baseline", "compare_baseline", {"metrics": "<prev>"}, "Candidate beats baseline by +0.006 AUC")],
    }
    FIRST_LINE = {
        "train-model": "Starting training run on {dataset}",
        "batch-inference": "Scoring batches of {batch_size} rows",
        "nightly-etl": "Building features for {day}",
        "evaluate": "Evaluating {model_uri} on {dataset}",
    }

    def _fmt(self, text, params):
        class D(dict):
            def __missing__(self, k):
                return "?"
        return text.format_map(D(params))

    def _log(self, ts, name, level, message, flow_run_id, task_run_id=None):
        created = self.jitter(ts, 0.8, 2.2)
        self.logs.append({
            "id": self.new_id(), "created": iso(created), "updated": iso(created + datetime.timedelta(microseconds=self.rng.randrange(3, 25))),
            "name": name, "level": level, "message": message, "timestamp": iso(ts),
            "flow_run_id": flow_run_id, "task_run_id": task_run_id,
        })

    def _make_task_run(self, fr, flow_name, idx, spec, start, duration, final, prev_id, message=None):
        tname, tkey, inputs, _ = spec
        tid = self.new_id()
        run_name = "%s-0" % tname
        inputs = {k: ([{"input_type": "task_run", "id": prev_id}] if v == "<prev>" and prev_id else
                      ([] if v == "<prev>" else v)) for k, v in inputs.items()}
        end = start + duration if final in TERMINAL else None
        st_ts = end if end else start
        sid = self.new_id()
        data = {"type": "unpersisted"} if final in ("COMPLETED", "FAILED") else None
        state = self.state_obj(sid, final, final.title(), iso(st_ts), message=message, data=data,
                               flow_run_id=fr["id"], task_run_id=tid,
                               retriable=(True if final == "FAILED" else None))
        created = start - datetime.timedelta(microseconds=self.rng.randrange(30000, 60000))
        run_time = secs(duration) if end else 0.0
        t = {
            "id": tid, "created": iso(created), "updated": iso(self.ms(st_ts + datetime.timedelta(milliseconds=13))),
            "name": run_name, "flow_run_id": fr["id"], "task_key": "__prefect_loader__." + tkey,
            "dynamic_key": "0", "cache_key": None, "cache_expiration": None, "task_version": None,
            "empirical_policy": {"max_retries": 0, "retry_delay_seconds": 0.0, "retries": 0,
                                 "retry_delay": 0, "retry_jitter_factor": None},
            "tags": [], "state_id": sid, "task_inputs": inputs,
            "state_type": final, "state_name": final.title(), "run_count": 1, "flow_run_run_count": 1,
            "expected_start_time": iso(created + datetime.timedelta(microseconds=317)),
            "next_scheduled_start_time": None, "start_time": iso(start), "end_time": iso(end) if end else None,
            "total_run_time": run_time, "estimated_run_time": run_time,
            "estimated_start_time_delta": secs(start - (created + datetime.timedelta(microseconds=317))),
            "state": state,
        }
        self.task_runs[tid] = t
        self.task_run_states[tid] = self._synth_task_history(t)
        return t

    def _engine_trace(self, fr, flow_name, start, end, final, task_states, params, crash_after=None):
        """Task runs + log lines of one engine execution between start and end."""
        specs = self.TASKS[flow_name]
        self._log(start + datetime.timedelta(milliseconds=30), "prefect.flow_runs", 20,
                  self._fmt(self.FIRST_LINE[flow_name], params), fr["id"])
        span = (end - start) if end else datetime.timedelta(seconds=40)
        t = start + datetime.timedelta(milliseconds=900)
        prev = None
        per = span / (len(specs) + 0.5)
        for i, spec in enumerate(specs):
            tst = task_states[i] if i < len(task_states) else None
            if tst is None:
                break
            self._log(t, "prefect.flow_runs", 20, "Created task run '%s-0' for task '%s'" % (spec[0], spec[0]), fr["id"])
            self._log(t + datetime.timedelta(microseconds=900), "prefect.flow_runs", 20,
                      "Executing '%s-0' immediately..." % spec[0], fr["id"])
            tstart = t + datetime.timedelta(milliseconds=40)
            dur = per * 0.8
            msg = "Execution was aborted by a termination signal." if tst == "CRASHED" else None
            tr = self._make_task_run(fr, flow_name, i, spec, tstart, dur, tst, prev, message=msg)
            self._log(tstart + datetime.timedelta(milliseconds=60), "prefect.task_runs", 20,
                      self._fmt(spec[3], params), fr["id"], tr["id"])
            if tst == "COMPLETED":
                self._log(tstart + dur + datetime.timedelta(milliseconds=30), "prefect.task_runs", 20,
                          "Finished in state Completed()", fr["id"], tr["id"])
            prev = tr["id"]
            t = tstart + dur + datetime.timedelta(milliseconds=70)
        if final == "COMPLETED":
            self._log(end + datetime.timedelta(milliseconds=25), "prefect.flow_runs", 20,
                      "Finished in state Completed()", fr["id"])

    def _gen_tasks_for_captured(self):
        r = self.flow_runs["69dc61b0-c340-43b2-946b-9463bb179ef3"]   # train-churn-ok
        self._engine_trace(r, "train-model", parse_dt(r["start_time"]), parse_dt(r["end_time"]), "COMPLETED",
                           ["COMPLETED"] * 3, r["parameters"])
        r = self.flow_runs["06164836-9371-42ec-8979-c73250c8d688"]   # scoring-crash (SIGTERM, no error lines)
        self._engine_trace(r, "batch-inference", parse_dt(r["start_time"]), parse_dt(r["end_time"]), "CRASHED",
                           ["COMPLETED", "CRASHED"], r["parameters"])
        r = next(x for x in self.flow_runs.values() if x["name"] == "features-2024-02-01")
        self._engine_trace(r, "nightly-etl", parse_dt(r["start_time"]), parse_dt(r["end_time"]), "COMPLETED",
                           ["COMPLETED"] * 3, r["parameters"])

    def _new_flow_run(self, dep, name, expected, state_type, auto_scheduled, created, start=None, end=None,
                      params=None, message=None):
        rid = self.new_id()
        wq = next(q for q in self.work_queues.values()
                  if q["name"] == dep["work_queue_name"] and q["work_pool_name"] == dep["work_pool_name"])
        ran = start is not None
        params = dict(dep["parameters"] if params is None else params)
        st_ts = end or start or created
        sid = self.new_id()
        state = self.state_obj(sid, state_type, state_type.title(), iso(st_ts), message=message,
                               data={"type": "unpersisted"} if state_type == "COMPLETED" else None,
                               flow_run_id=rid,
                               scheduled_time=iso(expected) if state_type == "SCHEDULED" else None,
                               transition_id=self.new_id() if state_type in TERMINAL else None)
        total = secs(end - start) if (start and end) else 0.0
        idem = ("scheduled %s %s" % (dep["id"], iso(expected))) if auto_scheduled else None
        r = {
            "id": rid, "created": iso(created), "updated": iso(self.ms(st_ts + datetime.timedelta(milliseconds=19))),
            "name": name, "flow_id": dep["flow_id"], "state_id": sid, "deployment_id": dep["id"],
            "work_queue_id": wq["id"], "work_queue_name": wq["name"],
            "flow_version": FLOW_VERSION if ran else None, "parameters": params,
            "idempotency_key": idem, "context": {},
            "empirical_policy": {"max_retries": 0, "retry_delay_seconds": 0.0,
                                 "retries": 0 if ran else None, "retry_delay": 0 if ran else None,
                                 "pause_keys": [], "resuming": False},
            "tags": list(dep["tags"]), "parent_task_run_id": None,
            "state_type": state_type, "state_name": state_type.title(), "run_count": 1 if ran else 0,
            "expected_start_time": iso(expected),
            "next_scheduled_start_time": iso(expected) if state_type == "SCHEDULED" else None,
            "start_time": iso(start) if start else None, "end_time": iso(end) if end else None,
            "total_run_time": total, "estimated_run_time": total, "estimated_start_time_delta": 0.0,
            "auto_scheduled": auto_scheduled, "infrastructure_document_id": None, "infrastructure_pid": None,
            "created_by": None, "work_pool_id": wq["work_pool_id"], "work_pool_name": wq["work_pool_name"],
            "state": state,
        }
        self.flow_runs[rid] = r
        hist = [self.state_obj(self.new_id(), "SCHEDULED", "Scheduled", iso(created), flow_run_id=rid,
                               scheduled_time=iso(expected))]
        if ran:
            hist.append(self.state_obj(self.new_id(), "PENDING", "Pending",
                                       iso(start - datetime.timedelta(milliseconds=self.rng.randrange(700, 4000))),
                                       flow_run_id=rid, scheduled_time=iso(expected)))
            if state_type != "RUNNING":
                hist.append(self.state_obj(self.new_id(), "RUNNING", "Running", iso(start), flow_run_id=rid,
                                           transition_id=self.new_id()))
        if state_type != "SCHEDULED":
            hist.append(state)
        else:
            hist = [state]
        self.flow_run_states[rid] = hist
        return r

    def _gen_runs(self):
        dep = {d["name"]: d for d in self.deployments.values()}
        day = datetime.timedelta(days=1)
        # churn-weekly: previous Mondays 03:00, auto-scheduled, completed
        d = dep["churn-weekly"]
        for weeks in range(1, 6):
            exp = datetime.datetime(2026, 11, 23, 3, 0, tzinfo=UTC) - weeks * 7 * day
            start = self.jitter(exp, 2, 9)
            end = self.jitter(start, 240, 420)
            r = self._new_flow_run(d, self.coolname(), exp, "COMPLETED", True,
                                   self.jitter(exp - 7 * day, 0, 2), start, end)
            self._engine_trace(r, "train-model", start, end, "COMPLETED", ["COMPLETED"] * 3, r["parameters"])
        # hourly-scoring: 09:00 .. 16:00 today
        d = dep["hourly-scoring"]
        for h in range(9, 17):
            exp = datetime.datetime(2026, 11, 23, h, 0, tzinfo=UTC)
            start = self.jitter(exp, 1, 6)
            end = self.jitter(start, 25, 70)
            r = self._new_flow_run(d, self.coolname(), exp, "COMPLETED", True,
                                   self.jitter(exp - datetime.timedelta(hours=1), 0, 3), start, end)
            self._engine_trace(r, "batch-inference", start, end, "COMPLETED", ["COMPLETED"] * 3, r["parameters"])
        # daily-features: 00:30 UTC (01:30 Europe/Berlin) the last 7 days
        d = dep["daily-features"]
        for back in range(6, -1, -1):
            exp = datetime.datetime(2026, 11, 23, 0, 30, tzinfo=UTC) - back * day
            start = self.jitter(exp, 3, 20)
            end = self.jitter(start, 600, 1100)
            params = {"day": (exp - day).date().isoformat()}
            r = self._new_flow_run(d, self.coolname(), exp, "COMPLETED", True,
                                   self.jitter(exp - day, 0, 2), start, end, params=params)
            self._engine_trace(r, "nightly-etl", start, end, "COMPLETED", ["COMPLETED"] * 3, r["parameters"])
        # nightly-etl: one manually scheduled run for tomorrow
        exp = datetime.datetime(2026, 11, 24, 0, 30, tzinfo=UTC)
        self._new_flow_run(d, self.coolname(), exp, "SCHEDULED", False,
                           self.jitter(CAPTURE_NOW - datetime.timedelta(minutes=20), 0, 5),
                           params={"day": "2026-11-23"})
        # eval-on-demand: five completed manual runs over the last days, one running now
        d = dep["eval-on-demand"]
        for back in (5, 4, 3, 2, 1):
            exp = self.jitter(CAPTURE_NOW - back * day - datetime.timedelta(hours=self.rng.randrange(1, 9)), 0, 60)
            start = self.jitter(exp, 2, 8)
            end = self.jitter(start, 60, 180)
            r = self._new_flow_run(d, self.coolname(), exp, "COMPLETED", False,
                                   exp - datetime.timedelta(microseconds=140), start, end)
            self._engine_trace(r, "evaluate", start, end, "COMPLETED", ["COMPLETED"] * 3, r["parameters"])
        exp = self.jitter(CAPTURE_NOW - datetime.timedelta(minutes=6), 0, 30)
        start = self.jitter(exp, 2, 6)
        # the one running evaluates an MLflow run (the MLflow simulator's
        # lightgbm-nightly at the stack's seed): the console links to it
        r = self._new_flow_run(d, self.coolname(), exp, "RUNNING", False,
                               exp - datetime.timedelta(microseconds=133), start, None,
                               params=dict(d["parameters"], model_uri=MLFLOW_RUN_URI))
        self._engine_trace(r, "evaluate", start, None, "RUNNING", ["COMPLETED", "RUNNING"], r["parameters"])

    # ---------------------------------------------------------------- rendering
    def render_flow_run(self, r, t=None):
        t = t or now()
        out = dict(r)
        st = r.get("state")
        total = r["total_run_time"] or 0.0
        if r["state_type"] == "RUNNING" and st:
            est = total + (t - parse_dt(st["timestamp"])).total_seconds()
            out["estimated_run_time"] = round(est, 6)
        else:
            out["estimated_run_time"] = total
        out["estimated_start_time_delta"] = self._start_delta(r, t)
        return out

    def _start_delta(self, r, t):
        exp = parse_dt(r["expected_start_time"]) if r["expected_start_time"] else None
        start = parse_dt(r["start_time"]) if r["start_time"] else None
        if start and exp and start > exp:
            return secs(start - exp)
        if start is None and exp and exp < t and r["state_type"] not in TERMINAL:
            return secs(t - exp)
        return 0.0

    def render_task_run(self, r, t=None):
        t = t or now()
        out = dict(r)
        st = r.get("state")
        total = r["total_run_time"] or 0.0
        if r["state_type"] == "RUNNING" and st:
            out["estimated_run_time"] = round(total + (t - parse_dt(st["timestamp"])).total_seconds(), 6)
        else:
            out["estimated_run_time"] = total
        out["estimated_start_time_delta"] = self._start_delta(r, t)
        return out

    def respond(self, req, status, obj, extra_headers=None, hostile_ok=True):
        if hostile_ok and req.hostile:
            if isinstance(obj, str):
                obj = simcommon.hostile_str(obj)
            else:
                obj = simcommon.hostilize(obj, HOSTILE_KEYS)
        body = dumps(obj).encode("utf-8")
        return self.raw(req, status, body, "application/json", extra_headers)

    def raw(self, req, status, body, ctype, extra_headers=None, gzip_ok=True):
        headers = []
        ae = (req.header("Accept-Encoding") or "").lower() if req is not None else ""
        if gzip_ok and "gzip" in ae and len(body) >= 500:
            body = gzip.compress(body, compresslevel=9)
            headers.append(("content-encoding", "gzip"))
            headers.append(("vary", "Accept-Encoding"))
        headers = [("content-length", str(len(body))), ("content-type", ctype)] + headers
        if extra_headers:
            headers.extend(extra_headers)
        return Response(status, body, None, headers)

    def error500(self, req):
        return self.raw(req, 500, dumps({"exception_message": "Internal Server Error"}).encode(),
                        "application/json", gzip_ok=False)

    # ---------------------------------------------------------------- routing
    def _build_routes(self):
        impl = {
            ("GET", "/health"): self.h_health,
            ("GET", "/version"): self.h_version,
            ("GET", "/admin/version"): self.h_admin_version,
            ("POST", "/flows/filter"): self.h_flows_filter,
            ("POST", "/flows/count"): self.h_flows_count,
            ("GET", "/flows/{id}"): self.h_flow,
            ("GET", "/flows/name/{name}"): self.h_flow_by_name,
            ("POST", "/flow_runs/filter"): self.h_flow_runs_filter,
            ("POST", "/flow_runs/count"): self.h_flow_runs_count,
            ("POST", "/flow_runs/history"): self.h_flow_runs_history,
            ("GET", "/flow_runs/{id}"): self.h_flow_run,
            ("POST", "/flow_runs/{id}/set_state"): self.h_set_state,
            ("GET", "/flow_run_states/"): self.h_flow_run_states,
            ("GET", "/flow_run_states/{id}"): self.h_flow_run_state,
            ("POST", "/task_runs/filter"): self.h_task_runs_filter,
            ("POST", "/task_runs/count"): self.h_task_runs_count,
            ("GET", "/task_runs/{id}"): self.h_task_run,
            ("GET", "/task_run_states/"): self.h_task_run_states,
            ("GET", "/task_run_states/{id}"): self.h_task_run_state,
            ("POST", "/deployments/filter"): self.h_deployments_filter,
            ("POST", "/deployments/count"): self.h_deployments_count,
            ("GET", "/deployments/{id}"): self.h_deployment,
            ("GET", "/deployments/name/{flow_name}/{deployment_name}"): self.h_deployment_by_name,
            ("POST", "/deployments/{id}/create_flow_run"): self.h_create_flow_run,
            ("POST", "/logs/filter"): self.h_logs_filter,
            ("POST", "/work_pools/filter"): self.h_work_pools_filter,
            ("POST", "/work_pools/count"): self.h_work_pools_count,
            ("GET", "/work_pools/{name}"): self.h_work_pool,
            ("POST", "/work_pools/{work_pool_name}/queues/filter"): self.h_pool_queues_filter,
            ("GET", "/work_pools/{work_pool_name}/queues/{name}"): self.h_pool_queue,
            ("POST", "/work_queues/filter"): self.h_work_queues_filter,
            ("GET", "/work_queues/{id}"): self.h_work_queue,
            ("GET", "/work_queues/name/{name}"): self.h_work_queue_by_name,
        }
        routes = []
        for path, ops in self.openapi["paths"].items():
            names = re.findall(r"\{([^}]+)\}", path)
            rx = "^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(path)) + "$"
            for method, op in ops.items():
                m = method.upper()
                routes.append({
                    "path": path, "method": m, "rx": re.compile(rx), "params": names, "op": op,
                    "handler": impl.get((m, path)),
                })
        return routes

    def _match(self, path):
        for r in self.routes:
            mm = r["rx"].match(path)
            if not mm:
                continue
            yield r, dict(zip(r["params"], mm.groups()))

    def _hold_page(self, req):
        """The "pages" mode: flow_runs/filter's pages after the first held
        in pairs, outside the lock (simcommon.PageHold); a 503 or None."""
        if req.method != "POST" or req.path != "/api/flow_runs/filter":
            return None
        try:
            offset = int(json.loads(req.body or b"{}").get("offset") or 0)
        except (ValueError, AttributeError, TypeError):
            return None
        if offset == 0:
            self.page_hold.first()
        elif not self.page_hold.hold():
            return self.raw(req, 503, b'{"detail":"pages: one page at a time"}', "application/json")
        return None

    def _pages_runs(self):
        """The "pages" mode's 1,000 more runs: completed ones of the
        captured train-churn-ok's flow and deployment, hourly back from
        2024-01-01, beside the world (not in it); made once."""
        if self.pages_runs is None:
            proto = FX("flow-run-completed.json")
            base = datetime.datetime(2024, 1, 1, tzinfo=UTC)
            self.pages_runs = []
            for i in range(1000):
                r = copy.deepcopy(proto)
                t0 = base - datetime.timedelta(hours=i + 1)
                r["id"] = r["state"]["state_details"]["flow_run_id"] = "00000000-0000-4000-8000-%012d" % i
                r["name"] = "paged-%04d" % i
                r["created"] = r["expected_start_time"] = iso(t0)
                r["start_time"] = iso(t0 + datetime.timedelta(seconds=3))
                r["end_time"] = r["updated"] = r["state"]["timestamp"] = iso(t0 + datetime.timedelta(seconds=8))
                self.pages_runs.append(r)
        return self.pages_runs

    def handle(self, req):
        if req.mode == "pages":
            held = self._hold_page(req)
            if held is not None:
                return held
        with self.lock:
            try:
                return self._handle(req)
            except HTTPError as e:
                return self.raw(req, e.status, dumps(e.body).encode(), "application/json", e.headers)
            except Validation as v:
                body = {"exception_message": "Invalid request received.",
                        "exception_detail": v.errors, "request_body": v.body}
                return self.raw(req, 422, dumps(body).encode(), "application/json")

    def _handle(self, req):
        path = req.path
        if not path.startswith("/api/") and path != "/api":
            raise HTTPError(404, {"detail": "Not Found"})
        sub = path[4:]
        method = "GET" if req.method == "HEAD" else req.method
        found = None
        allowed = []
        for r, params in self._match(sub):
            if r["method"] == method:
                found = (r, params)
                break
            allowed.append(r["method"])
        if found is None:
            if allowed:
                raise HTTPError(405, {"detail": "Method Not Allowed"},
                                [("allow", ", ".join(sorted(set(allowed))))])
            alt = sub[:-1] if sub.endswith("/") else sub + "/"
            if sub != "/" and any(True for _ in self._match(alt)):
                host = req.header("Host") or "127.0.0.1"
                loc = "http://%s/api%s" % (host, alt) + ("?" + req.query if req.query else "")
                return Response(307, b"", None, [("content-length", "0"), ("location", loc)])
            raise HTTPError(404, {"detail": "Not Found"})
        route, params = found
        if route["handler"] is None:
            raise HTTPError(501, {"detail": "Not simulated by prefect_sim.py: %s %s" % (method, route["path"])})
        errors = []
        # path parameters
        for p in route["op"].get("parameters", []):
            if p["in"] == "path":
                v = self.V.validate(params[p["name"]], p["schema"], ["path", p["name"]], errors)
                params[p["name"]] = v
        query = {}
        for p in route["op"].get("parameters", []):
            if p["in"] == "query":
                vals = req.arglist(p["name"])
                if not vals:
                    if p.get("required"):
                        errors.append(err(["query", p["name"]], "field required", "value_error.missing"))
                    continue
                query[p["name"]] = self.V.validate(vals[-1], p["schema"], ["query", p["name"]], errors)
        body = None
        if "requestBody" in route["op"]:
            body = self._parse_body(req, route, errors)
        elif errors:
            raise Validation(errors, None)
        if errors:
            raise Validation(errors, self._raw_body_obj(req))
        return route["handler"](req, params, query, body)

    def _raw_body_obj(self, req):
        if not req.body:
            return None
        try:
            return json.loads(req.body)
        except ValueError:
            return req.body.decode("utf-8", "replace")

    def _parse_body(self, req, route, errors):
        """FastAPI 0.99 body handling: JSON decode, then the embedded fields (or
        the single model) validated; limit (a dependency) first."""
        rb = route["op"]["requestBody"]
        sch = rb["content"]["application/json"]["schema"]
        name = sch["$ref"].split("/")[-1]
        model = self.V.S[name]
        embedded = name.startswith("Body_")
        data = None
        raw_for_error = None
        not_a_mapping = False
        if req.body:
            ct = req.header("Content-Type")
            is_json = True
            if ct:
                main = ct.split(";")[0].strip().lower()
                is_json = main.startswith("application/") and (main.endswith("/json") or main.endswith("+json"))
            if is_json:
                try:
                    data = json.loads(req.body)
                except json.JSONDecodeError as e:
                    raise Validation([err(["body", e.pos], str(e), "value_error.jsondecode",
                                          {"msg": e.msg, "doc": e.doc, "pos": e.pos,
                                           "lineno": e.lineno, "colno": e.colno})], e.doc)
                except ValueError:
                    raise HTTPError(400, {"detail": "There was an error parsing the body"})
                if req.hostile:
                    data = simcommon.unhostile_obj(data)
                raw_for_error = data
            else:
                raw_for_error = req.body.decode("utf-8", "replace")
                not_a_mapping = True
        if not embedded:
            if data is None and not not_a_mapping:
                if rb.get("required"):
                    errors.append(err(["body"], "field required", "value_error.missing"))
                    raise Validation(errors, None)
                return {}
            if not_a_mapping:
                errors.append(err(["body"], "value is not a valid dict", "type_error.dict"))
                raise Validation(errors, raw_for_error)
            out = self.V.validate_object(data, model, ["body"], errors)
            if errors:
                raise Validation(errors, raw_for_error)
            return out
        props = list(model.get("properties", {}).items())
        required = set(model.get("required", []))
        if data is not None and not isinstance(data, dict):
            not_a_mapping = True
        fields = [p for p in props if p[0] == "limit"] + [p for p in props if p[0] != "limit"]
        out = {}
        for fname, fsch in fields:
            if not_a_mapping:
                errors.append(err(["body", fname], "field required", "value_error.missing"))
                continue
            present = isinstance(data, dict) and fname in data
            if not present or data.get(fname) is None:
                if fname in required:
                    if present:
                        errors.append(err(["body", fname], "none is not an allowed value",
                                          "type_error.none.not_allowed"))
                    else:
                        errors.append(err(["body", fname], "field required", "value_error.missing"))
                    continue
                default = self.V.resolve(fsch).get("default", fsch.get("default"))
                if fname == "limit":
                    default = DEFAULT_LIMIT
                out[fname] = copy.deepcopy(default)
                continue
            n0 = len(errors)
            v = self.V.validate(data[fname], fsch, ["body", fname], errors)
            if len(errors) == n0:
                out[fname] = v
            if fname == "limit" and len(errors) == n0 and v > DEFAULT_LIMIT:
                raise HTTPError(422, {"detail": "Invalid limit: must be less than or equal to %d." % DEFAULT_LIMIT})
        if errors:
            raise Validation(errors, raw_for_error)
        return out

    # ---------------------------------------------------------------- filtering
    @staticmethod
    def _cmp_dt(a):
        return parse_dt(a) if isinstance(a, str) else a

    def _criterion(self, value, crit):
        """One field's criteria dict (any_, like_, ...) against a record value."""
        op = crit.get("operator", "and_")
        results = []
        for k, c in crit.items():
            if k == "operator" or c is None:
                continue
            if k == "any_":
                results.append(value in c)
            elif k == "not_any_":
                results.append(value not in c)
            elif k == "like_":
                results.append(value is not None and c.lower() in str(value).lower())
            elif k == "startswith_":
                results.append(value is not None and any(str(value).startswith(x) for x in c))
            elif k == "all_":
                results.append(all(x in (value or []) for x in c))
            elif k == "is_null_":
                isnull = value is None or value == []
                results.append(isnull if c else not isnull)
            elif k == "before_":
                results.append(value is not None and self._cmp_dt(value) <= c)
            elif k == "after_":
                results.append(value is not None and self._cmp_dt(value) >= c)
            elif k == "ge_":
                results.append(value is not None and value >= c)
            elif k == "le_":
                results.append(value is not None and value <= c)
            elif k == "eq_":
                results.append(value == c)
            elif k == "exists_":
                results.append(bool(value) == c)
        if not results:
            return True
        return all(results) if op == "and_" else any(results)

    def _match_filter(self, rec, flt, fields):
        """fields: filter key -> getter(rec) or (sub-fields dict, getter)."""
        if not flt:
            return True
        op = flt.get("operator", "and_")
        results = []
        for k, crit in flt.items():
            if k == "operator" or crit is None or k not in fields:
                continue
            f = fields[k]
            if isinstance(f, dict):
                results.append(self._match_filter(rec, crit, f))
            else:
                results.append(self._criterion(f(rec), crit))
        if not results:
            return True
        return all(results) if op == "and_" else any(results)

    FLOW_FIELDS = {
        "id": lambda r: r["id"], "name": lambda r: r["name"], "tags": lambda r: r["tags"],
    }
    FLOW_RUN_FIELDS = {
        "id": lambda r: r["id"], "name": lambda r: r["name"], "tags": lambda r: r["tags"],
        "deployment_id": lambda r: r["deployment_id"], "work_queue_name": lambda r: r["work_queue_name"],
        "state": {"type": lambda r: r["state_type"], "name": lambda r: r["state_name"]},
        "flow_version": lambda r: r["flow_version"], "start_time": lambda r: r["start_time"],
        "expected_start_time": lambda r: r["expected_start_time"],
        "next_scheduled_start_time": lambda r: r["next_scheduled_start_time"],
        "parent_flow_run_id": lambda r: None, "parent_task_run_id": lambda r: r["parent_task_run_id"],
        "idempotency_key": lambda r: r["idempotency_key"],
    }
    TASK_RUN_FIELDS = {
        "id": lambda r: r["id"], "name": lambda r: r["name"], "tags": lambda r: r["tags"],
        "state": {"type": lambda r: r["state_type"], "name": lambda r: r["state_name"]},
        "start_time": lambda r: r["start_time"], "subflow_runs": lambda r: False,
        "flow_run_id": lambda r: r["flow_run_id"],
    }
    DEPLOYMENT_FIELDS = {
        "id": lambda r: r["id"], "name": lambda r: r["name"], "tags": lambda r: r["tags"],
        "is_schedule_active": lambda r: r["is_schedule_active"],
        "work_queue_name": lambda r: r["work_queue_name"],
    }
    POOL_FIELDS = {"id": lambda r: r["id"], "name": lambda r: r["name"], "type": lambda r: r["type"]}
    QUEUE_FIELDS = {"id": lambda r: r["id"], "name": lambda r: r["name"]}
    LOG_FIELDS = {
        "level": lambda r: r["level"], "timestamp": lambda r: r["timestamp"],
        "flow_run_id": lambda r: r["flow_run_id"], "task_run_id": lambda r: r["task_run_id"],
    }

    def _flow_ok(self, flow_id, b):
        f = b.get("flows")
        if not f:
            return True
        flow = self.flows.get(flow_id)
        if flow is None:
            return False
        if "deployment" in f and f["deployment"] and f["deployment"].get("is_null_") is not None:
            has = any(d["flow_id"] == flow_id for d in self.deployments.values())
            if f["deployment"]["is_null_"] == has:
                return False
        f2 = {k: v for k, v in f.items() if k != "deployment"}
        return self._match_filter(flow, f2, self.FLOW_FIELDS)

    def _deployment_ok(self, dep_id, b, key="deployments"):
        f = b.get(key)
        if not f:
            return True
        d = self.deployments.get(dep_id) if dep_id else None
        if d is None:
            return False
        return self._match_filter(d, f, self.DEPLOYMENT_FIELDS)

    def _pool_ok(self, pool_name, b):
        f = b.get("work_pools")
        if not f:
            return True
        pool = next((p for p in self.work_pools.values() if p["name"] == pool_name), None)
        if pool is None:
            return False
        return self._match_filter(pool, f, self.POOL_FIELDS)

    def _queue_ok(self, queue_id, b, key="work_pool_queues"):
        f = b.get(key)
        if not f:
            return True
        q = self.work_queues.get(queue_id) if queue_id else None
        if q is None:
            return False
        return self._match_filter(q, f, self.QUEUE_FIELDS)

    def _flow_run_ok(self, r, b, with_tasks=True):
        if not self._match_filter(r, b.get("flow_runs"), self.FLOW_RUN_FIELDS):
            return False
        if not self._flow_ok(r["flow_id"], b):
            return False
        if not self._deployment_ok(r["deployment_id"], b):
            return False
        if not self._pool_ok(r["work_pool_name"], b):
            return False
        if not self._queue_ok(r["work_queue_id"], b, "work_pool_queues" if "work_pool_queues" in b else "work_queues"):
            return False
        if with_tasks and b.get("task_runs"):
            if not any(t["flow_run_id"] == r["id"] and self._match_filter(t, b["task_runs"], self.TASK_RUN_FIELDS)
                       for t in self.task_runs.values()):
                return False
        return True

    def _select_flow_runs(self, b):
        return [r for r in self.flow_runs.values() if self._flow_run_ok(r, b)]

    def _select_task_runs(self, b):
        out = []
        for t in self.task_runs.values():
            if not self._match_filter(t, b.get("task_runs"), self.TASK_RUN_FIELDS):
                continue
            fr = self.flow_runs.get(t["flow_run_id"])
            if b.get("flow_runs") and (fr is None or not self._match_filter(fr, b["flow_runs"], self.FLOW_RUN_FIELDS)):
                continue
            if b.get("flows") and (fr is None or not self._flow_ok(fr["flow_id"], b)):
                continue
            if b.get("deployments") and (fr is None or not self._deployment_ok(fr["deployment_id"], b)):
                continue
            out.append(t)
        return out

    def _select_flows(self, b):
        out = []
        for f in self.flows.values():
            if not self._flow_ok(f["id"], b):
                continue
            if b.get("flow_runs") or b.get("task_runs") or b.get("work_pools"):
                runs = [r for r in self.flow_runs.values() if r["flow_id"] == f["id"]
                        and self._flow_run_ok(r, {k: b.get(k) for k in ("flow_runs", "task_runs", "work_pools")})]
                if not runs:
                    continue
            if b.get("deployments"):
                if not any(d["flow_id"] == f["id"] and self._deployment_ok(d["id"], b) for d in self.deployments.values()):
                    continue
            out.append(f)
        return out

    def _select_deployments(self, b):
        out = []
        for d in self.deployments.values():
            if not self._match_filter(d, b.get("deployments"), self.DEPLOYMENT_FIELDS):
                continue
            if not self._flow_ok(d["flow_id"], b):
                continue
            if not self._pool_ok(d["work_pool_name"], b):
                continue
            if b.get("work_pool_queues"):
                q = next((q for q in self.work_queues.values() if q["name"] == d["work_queue_name"]
                          and q["work_pool_name"] == d["work_pool_name"]), None)
                if q is None or not self._match_filter(q, b["work_pool_queues"], self.QUEUE_FIELDS):
                    continue
            if b.get("flow_runs") or b.get("task_runs"):
                if not any(r["deployment_id"] == d["id"] and
                           self._flow_run_ok(r, {"flow_runs": b.get("flow_runs"), "task_runs": b.get("task_runs")})
                           for r in self.flow_runs.values()):
                    continue
            out.append(d)
        return out

    # sorting (SQLite: NULL sorts first ascending, last descending; stable ties)
    @staticmethod
    def _sort(items, key, desc):
        def k(x):
            v = key(x)
            if v is None:
                return (0, "")
            if isinstance(v, str) and re.match(r"^\d{4}-\d\d-\d\dT", v):
                v = parse_dt(v)
            return (1, v)
        return sorted(items, key=k, reverse=desc)

    def _sort_runs(self, items, sort):
        coalesce = lambda r: r["start_time"] or r["expected_start_time"]
        table = {
            "ID_DESC": (lambda r: r["id"], True),
            "START_TIME_ASC": (coalesce, False), "START_TIME_DESC": (coalesce, True),
            "EXPECTED_START_TIME_ASC": (lambda r: r["expected_start_time"], False),
            "EXPECTED_START_TIME_DESC": (lambda r: r["expected_start_time"], True),
            "NAME_ASC": (lambda r: r["name"], False), "NAME_DESC": (lambda r: r["name"], True),
            "NEXT_SCHEDULED_START_TIME_ASC": (lambda r: r["next_scheduled_start_time"], False),
            "END_TIME_DESC": (lambda r: r["end_time"], True),
        }
        key, desc = table[sort]
        return self._sort(items, key, desc)

    def _sort_named(self, items, sort):
        table = {
            "CREATED_DESC": (lambda r: r["created"], True), "UPDATED_DESC": (lambda r: r["updated"], True),
            "NAME_ASC": (lambda r: r["name"], False), "NAME_DESC": (lambda r: r["name"], True),
        }
        key, desc = table[sort]
        return self._sort(items, key, desc)

    @staticmethod
    def _page(items, b):
        off = b.get("offset") or 0
        lim = b.get("limit", DEFAULT_LIMIT)
        if lim is None or lim < 0:
            return items[off:]
        return items[off:off + lim]

    # ---------------------------------------------------------------- handlers
    def h_health(self, req, p, q, b):
        return self.respond(req, 200, True, hostile_ok=False)

    def h_version(self, req, p, q, b):
        return self.respond(req, 200, "0.8.4")

    def h_admin_version(self, req, p, q, b):
        return self.respond(req, 200, "2.14.21")

    def h_flows_filter(self, req, p, q, b):
        items = self._sort_named(self._select_flows(b), b["sort"])
        return self.respond(req, 200, self._page(items, b))

    def h_flows_count(self, req, p, q, b):
        return self.respond(req, 200, len(self._select_flows(b)))

    def h_flow(self, req, p, q, b):
        f = self.flows.get(p["id"])
        if f is None:
            raise HTTPError(404, {"detail": "Flow not found"})
        return self.respond(req, 200, f)

    def h_flow_by_name(self, req, p, q, b):
        f = self.flow_by_name.get(p["name"])
        if f is None:
            raise HTTPError(404, {"detail": "Flow not found"})
        return self.respond(req, 200, f)

    def h_flow_runs_filter(self, req, p, q, b):
        t = now()
        items = self._select_flow_runs(b)
        if req.mode == "pages":
            items += [r for r in self._pages_runs() if self._flow_run_ok(r, b)]
        items = self._sort_runs(items, b["sort"])
        return self.respond(req, 200, [self.render_flow_run(r, t) for r in self._page(items, b)])

    def h_flow_runs_count(self, req, p, q, b):
        return self.respond(req, 200, len(self._select_flow_runs(b)))

    def h_flow_runs_history(self, req, p, q, b):
        start, end, step = b["history_start"], b["history_end"], b["history_interval_seconds"]
        if step < 1:
            raise HTTPError(422, {"detail": "History interval must not be less than 1 second."})
        n = int(((end - start).total_seconds() + step - 1) // step) if end > start else 0
        if n > 500:
            raise HTTPError(422, {"detail": "History interval would generate more than 500 buckets."})
        t = now()
        runs = [self.render_flow_run(r, t) for r in self._select_flow_runs(b)]
        out = []
        for i in range(n):
            s = start + datetime.timedelta(seconds=step * i)
            e = min(s + datetime.timedelta(seconds=step), end)
            groups = {}
            for r in runs:
                exp = parse_dt(r["expected_start_time"])
                if s <= exp < e:
                    g = groups.setdefault((r["state_type"], r["state_name"]), [0, 0.0, 0.0])
                    g[0] += 1
                    g[1] += float(int(r["estimated_run_time"]))
                    g[2] += float(int(r["estimated_start_time_delta"]))
            out.append({"interval_start": iso(s), "interval_end": iso(e), "states": [
                {"state_type": k[0], "state_name": k[1], "count_runs": v[0],
                 "sum_estimated_run_time": v[1], "sum_estimated_lateness": v[2]}
                for k, v in sorted(groups.items())]})
        return self.respond(req, 200, out)

    def h_flow_run(self, req, p, q, b):
        r = self.flow_runs.get(p["id"])
        if r is None:
            raise HTTPError(404, {"detail": "Flow run not found"})
        return self.respond(req, 200, self.render_flow_run(r))

    def h_flow_run_states(self, req, p, q, b):
        rid = q["flow_run_id"]
        return self.respond(req, 200, list(self.flow_run_states.get(rid, [])))

    def h_flow_run_state(self, req, p, q, b):
        for states in self.flow_run_states.values():
            for s in states:
                if s["id"] == p["id"]:
                    return self.respond(req, 200, s)
        raise HTTPError(404, {"detail": "Flow run state not found"})

    def h_task_runs_filter(self, req, p, q, b):
        t = now()
        items = self._select_task_runs(b)
        table = {
            "ID_DESC": (lambda r: r["id"], True),
            "EXPECTED_START_TIME_ASC": (lambda r: r["expected_start_time"], False),
            "EXPECTED_START_TIME_DESC": (lambda r: r["expected_start_time"], True),
            "NAME_ASC": (lambda r: r["name"], False), "NAME_DESC": (lambda r: r["name"], True),
            "NEXT_SCHEDULED_START_TIME_ASC": (lambda r: r["next_scheduled_start_time"], False),
            "END_TIME_DESC": (lambda r: r["end_time"], True),
        }
        key, desc = table[b["sort"]]
        items = self._sort(items, key, desc)
        return self.respond(req, 200, [self.render_task_run(x, t) for x in self._page(items, b)])

    def h_task_runs_count(self, req, p, q, b):
        return self.respond(req, 200, len(self._select_task_runs(b)))

    def h_task_run(self, req, p, q, b):
        t = self.task_runs.get(p["id"])
        if t is None:
            raise HTTPError(404, {"detail": "Task not found"})
        return self.respond(req, 200, self.render_task_run(t))

    def h_task_run_states(self, req, p, q, b):
        return self.respond(req, 200, list(self.task_run_states.get(q["task_run_id"], [])))

    def h_task_run_state(self, req, p, q, b):
        for states in self.task_run_states.values():
            for s in states:
                if s["id"] == p["id"]:
                    return self.respond(req, 200, s)
        raise HTTPError(404, {"detail": "Task run state not found"})

    def h_deployments_filter(self, req, p, q, b):
        items = self._select_deployments(b)
        if req.mode == "manydeps":
            items = items + self._many_deployments()
        items = self._sort_named(items, b["sort"])
        return self.respond(req, 200, self._page(items, b))

    MANY_DEPLOYMENTS = 450

    def _many_deployments(self):
        """The manydeps mode's extra deployments: copies of the first one
        named bulk-NNN, MANY_DEPLOYMENTS in all with the seeded ones."""
        if getattr(self, "_many", None) is None:
            first = sorted(self.deployments.values(), key=lambda d: d["created"])[0]
            extra = []
            for i in range(self.MANY_DEPLOYMENTS - len(self.deployments)):
                d = copy.deepcopy(first)
                d["id"] = str(uuid.UUID(int=(1 << 64) + i, version=4))
                d["name"] = "bulk-%03d" % i
                extra.append(d)
            self._many = extra
        return self._many

    def h_deployments_count(self, req, p, q, b):
        return self.respond(req, 200, len(self._select_deployments(b)))

    def h_deployment(self, req, p, q, b):
        d = self.deployments.get(p["id"])
        if d is None:
            raise HTTPError(404, {"detail": "Deployment not found"})
        return self.respond(req, 200, d)

    def h_deployment_by_name(self, req, p, q, b):
        flow = self.flow_by_name.get(p["flow_name"])
        for d in self.deployments.values():
            if flow is not None and d["flow_id"] == flow["id"] and d["name"] == p["deployment_name"]:
                return self.respond(req, 200, d)
        raise HTTPError(404, {"detail": "Deployment not found"})

    def h_logs_filter(self, req, p, q, b):
        if req.mode == "longlog":
            return self.respond(req, 200, self._page(self._long_log(b), b))
        if req.mode == "nooffset":  # a server that ignores offset: every page from the first
            return self.respond(req, 200, self._page(self._long_log(b), dict(b, offset=0)))
        if req.mode == "biglog":
            return self.respond(req, 200, self._big_log(b))
        items = [l for l in self.logs if self._match_filter(l, b.get("logs"), self.LOG_FIELDS)]
        # newest first is oldest first backwards, ties included (a backward
        # index scan), so that offset pages both ways through equal times
        items = self._sort(items, lambda l: l["timestamp"], False)
        if b["sort"] == "TIMESTAMP_DESC":
            items.reverse()
        return self.respond(req, 200, self._page(items, b))

    LONG_LOG = 20000
    LONG_TIE = (5000, 5300)   # these lines share one timestamp

    def _long_lines(self):
        """The longlog mode's log: line i at LONG_BASE + 10 ms * i, except
        the LONG_TIE ones, all at the time of its first."""
        if getattr(self, "_long", None) is None:
            base = datetime.datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
            lines, times = [], []
            for i in range(self.LONG_LOG):
                k = self.LONG_TIE[0] if self.LONG_TIE[0] <= i < self.LONG_TIE[1] else i
                t = base + datetime.timedelta(milliseconds=10 * k, microseconds=123)
                times.append(t)
                lines.append({"id": str(uuid.UUID(int=i + 1, version=4)), "created": iso(t),
                              "updated": iso(t), "name": "prefect.flow_runs", "level": 20,
                              "message": "long log line %05d" % i, "timestamp": iso(t),
                              "flow_run_id": None, "task_run_id": None})
            self._long = (lines, times)
        return self._long

    def _long_log(self, b):
        """logs/filter over the long log: timestamp before_/after_ (both
        inclusive), TIMESTAMP_ASC or _DESC; every flow run has it."""
        import bisect
        lines, times = self._long_lines()
        ts = ((b.get("logs") or {}).get("timestamp") or {})
        lo, hi = 0, len(lines)
        if ts.get("after_"):
            lo = bisect.bisect_left(times, parse_dt(ts["after_"]))
        if ts.get("before_"):
            hi = bisect.bisect_right(times, parse_dt(ts["before_"]))
        items = lines[lo:hi]
        if b.get("sort") == "TIMESTAMP_DESC":
            items = items[::-1]
        run = ((b.get("logs") or {}).get("flow_run_id") or {}).get("any_") or [None]
        return [dict(l, flow_run_id=run[0]) for l in items]

    # biglog mode (the bench's 50 MB log followed): every flow run's log
    # grows from the first biglog request at BIG_RATE lines a second up to
    # BIG_LINES lines of BIG_MSG-byte messages (50 MiB of messages), line i
    # at BIG_BASE + 1 ms * i; generated per page, never stored.
    BIG_MSG = 256
    BIG_LINES = 50 * 1024 * 1024 // BIG_MSG
    BIG_RATE = 20000
    BIG_BASE = datetime.datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)

    def _big_line(self, i, run):
        t = iso(self.BIG_BASE + datetime.timedelta(milliseconds=i))
        head = "big log line %07d " % i
        return {"id": str(uuid.UUID(int=(1 << 64) + i, version=4)), "created": t, "updated": t,
                "name": "prefect.flow_runs", "level": 20,
                "message": head + "x" * (self.BIG_MSG - len(head)), "timestamp": t,
                "flow_run_id": run, "task_run_id": None}

    def _big_log(self, b):
        """logs/filter over the growing big log: timestamp after_/before_
        (inclusive), TIMESTAMP_ASC or _DESC, offset and limit; only the
        page's lines are made."""
        if getattr(self, "_big_t0", None) is None:
            self._big_t0 = time.monotonic()
        have = min(self.BIG_LINES, int((time.monotonic() - self._big_t0) * self.BIG_RATE) + 1)
        ts = ((b.get("logs") or {}).get("timestamp") or {})
        ms = lambda v: (parse_dt(v) - self.BIG_BASE) / datetime.timedelta(milliseconds=1)
        lo, hi = 0, have
        if ts.get("after_"):
            lo = max(0, math.ceil(ms(ts["after_"])))
        if ts.get("before_"):
            hi = min(hi, math.floor(ms(ts["before_"])) + 1)
        off = b.get("offset") or 0
        lim = b.get("limit", DEFAULT_LIMIT)
        n = max(0, min(hi - lo - off, lim if lim is not None and lim >= 0 else hi))
        if b.get("sort") == "TIMESTAMP_DESC":
            idx = range(hi - 1 - off, hi - 1 - off - n, -1)
        else:
            idx = range(lo + off, lo + off + n)
        run = ((b.get("logs") or {}).get("flow_run_id") or {}).get("any_") or [None]
        return [self._big_line(i, run[0]) for i in idx]

    def h_work_pools_filter(self, req, p, q, b):
        items = [x for x in self.work_pools.values() if self._match_filter(x, b.get("work_pools"), self.POOL_FIELDS)]
        items = self._sort(items, lambda x: x["name"], False)
        if req.mode == "degraded":
            # /__mode/degraded/: no worker polls the default pool (Prefect
            # 2.14 reports such a pool NOT_READY); this request alone
            items = [dict(x, status="NOT_READY") if x["name"] == "default-agent-pool" else x
                     for x in items]
        return self.respond(req, 200, self._page(items, b))

    def h_work_pools_count(self, req, p, q, b):
        return self.respond(req, 200, len([x for x in self.work_pools.values()
                                           if self._match_filter(x, b.get("work_pools"), self.POOL_FIELDS)]))

    def _pool_by_name(self, name):
        pool = next((x for x in self.work_pools.values() if x["name"] == name), None)
        if pool is None:
            raise HTTPError(404, {"detail": 'Work pool "%s" not found.' % name})
        return pool

    def h_work_pool(self, req, p, q, b):
        return self.respond(req, 200, self._pool_by_name(p["name"]))

    def h_pool_queues_filter(self, req, p, q, b):
        pool = self._pool_by_name(p["work_pool_name"])
        items = [x for x in self.work_queues.values() if x["work_pool_id"] == pool["id"]
                 and self._match_filter(x, b.get("work_queues"), self.QUEUE_FIELDS)]
        items = self._sort(items, lambda x: x["priority"], False)
        return self.respond(req, 200, self._page(items, b))

    def h_pool_queue(self, req, p, q, b):
        pool = self._pool_by_name(p["work_pool_name"])
        for x in self.work_queues.values():
            if x["work_pool_id"] == pool["id"] and x["name"] == p["name"]:
                return self.respond(req, 200, x)
        raise HTTPError(404, {"detail": "Work pool queue '%s/%s' not found." % (p["work_pool_name"], p["name"])})

    def h_work_queues_filter(self, req, p, q, b):
        items = [x for x in self.work_queues.values() if self._match_filter(x, b.get("work_queues"), self.QUEUE_FIELDS)]
        items = self._sort(items, lambda x: x["name"], False)
        return self.respond(req, 200, self._page(items, b))

    def h_work_queue(self, req, p, q, b):
        x = self.work_queues.get(p["id"])
        if x is None:
            raise HTTPError(404, {"detail": "Work queue not found"})
        return self.respond(req, 200, x)

    def h_work_queue_by_name(self, req, p, q, b):
        for x in self.work_queues.values():
            if x["name"] == p["name"] and x["work_pool_name"] == "default-agent-pool":
                return self.respond(req, 200, x)
        raise HTTPError(404, {"detail": "Work queue not found"})

    # ---------------------------------------------------------------- actions
    def _state_from_request(self, sc, run_id, t):
        typ = sc["type"] if "type" in sc else None
        name = sc.get("name") or typ.title()
        details = sc.get("state_details") or {}
        sched = details.get("scheduled_time")
        if typ == "SCHEDULED" and sched is None:
            sched = t
        st = self.state_obj(self.new_id(), typ, name, iso(t), message=sc.get("message"),
                            data=sc.get("data"), flow_run_id=run_id,
                            scheduled_time=iso(sched) if isinstance(sched, datetime.datetime) else sched)
        for k in ("pause_timeout", "pause_reschedule", "pause_key", "cache_key", "refresh_cache",
                  "untrackable_result", "retriable", "transition_id", "child_flow_run_id", "task_run_id"):
            if details.get(k) is not None:
                v = details[k]
                st["state_details"][k] = iso(v) if isinstance(v, datetime.datetime) else v
        return st

    def _apply_state(self, r, new, t):
        """Global policy: bookkeeping on the run when a state is written."""
        old = r.get("state")
        old_type = old["type"] if old else None
        typ = new["type"]
        if old_type == "RUNNING" and typ != "RUNNING" and old:
            r["total_run_time"] = round((r["total_run_time"] or 0.0) + (t - parse_dt(old["timestamp"])).total_seconds(), 6)
        if typ == "RUNNING":
            if old_type in TERMINAL:
                r["run_count"] = 0
            r["run_count"] = (r["run_count"] or 0) + 1
            if r["start_time"] is None:
                r["start_time"] = new["timestamp"]
            if r["flow_version"] is None:
                r["flow_version"] = FLOW_VERSION
        if typ in TERMINAL:
            r["end_time"] = new["timestamp"]
        elif old_type in TERMINAL:
            r["end_time"] = None
        if typ == "SCHEDULED":
            r["next_scheduled_start_time"] = new["state_details"]["scheduled_time"]
        else:
            r["next_scheduled_start_time"] = None
        if r["expected_start_time"] is None:
            r["expected_start_time"] = new["state_details"]["scheduled_time"] or new["timestamp"]
        r["state"] = new
        r["state_id"] = new["id"]
        r["state_type"] = typ
        r["state_name"] = new["name"]
        r["updated"] = iso(self.ms(t + datetime.timedelta(milliseconds=7)))
        self.flow_run_states.setdefault(r["id"], []).append(new)

    def h_set_state(self, req, p, q, b):
        rid = p["id"]
        r = self.flow_runs.get(rid)
        if r is None:
            raise HTTPError(404, {"exception_message": "Flow run with id %s not found" % rid})
        if "type" not in b["state"]:
            raise Validation([err(["body", "state", "type"], "field required", "value_error.missing")],
                             self._raw_body_obj(req))
        t = now()
        proposed = self._state_from_request(b["state"], rid, t)
        force = bool(b.get("force"))
        cur = r.get("state")
        ctype = cur["type"] if cur else None

        def result(status_word, state, details, code):
            return self.respond(req, code, {"state": state, "status": status_word, "details": details})

        def accept(state):
            self._apply_state(r, state, t)
            return result("ACCEPT", state, {"type": "accept_details"}, 201)

        def abort(reason):
            return result("ABORT", cur, {"type": "abort_details", "reason": reason}, 200)

        def reject(reason, state=None):
            if state is not None:
                self._apply_state(r, state, t)
                return result("REJECT", state, {"type": "reject_details", "reason": reason}, 201)
            return result("REJECT", cur, {"type": "reject_details", "reason": reason}, 200)

        if force or cur is None:
            return accept(proposed)
        ptype = proposed["type"]
        # HandleFlowTerminalStateTransitions
        if ctype in TERMINAL:
            if ptype in ("CANCELLING", "PAUSED", "CRASHED"):
                return abort("Run is already %s." % ctype)
            data = cur.get("data")
            if ctype == "COMPLETED" and data and data.get("type") != "unpersisted":
                return reject("This run is already completed.")
        # EnforceCancellingToCancelledTransition
        if ctype == "CANCELLING" and ptype != "CANCELLED":
            return reject("Cannot transition flows that are cancelling to a state other than Cancelled.")
        # BypassCancellingFlowRunsWithNoInfra
        if ptype == "CANCELLING" and ((ctype == "SCHEDULED" and not r["infrastructure_pid"]) or
                                      (ctype == "PAUSED" and cur["state_details"].get("pause_reschedule"))):
            cancelled = self.state_obj(self.new_id(), "CANCELLED", "Cancelled", iso(t), flow_run_id=rid)
            return reject("Scheduled flow run has no infrastructure to terminate.", cancelled)
        # PreventPendingTransitions
        if ptype == "PENDING" and ctype in ("PENDING", "CANCELLING", "RUNNING", "CANCELLED"):
            return abort("This run is in a %s state and cannot transition to a PENDING state." % ctype)
        # EnsureOnlyScheduledFlowsMarkedLate
        if ptype == "SCHEDULED" and proposed["name"] == "Late" and ctype != "SCHEDULED":
            return abort("Only scheduled flows can be marked late.")
        # CopyScheduledTime + WaitForScheduledTime
        if ctype == "SCHEDULED" and ptype == "PENDING":
            sched = cur["state_details"].get("scheduled_time")
            proposed["state_details"]["scheduled_time"] = sched
            if sched:
                delay = int((parse_dt(sched) - t).total_seconds())
                if delay > 0:
                    return result("WAIT", cur, {"type": "wait_details", "delay_seconds": delay,
                                                "reason": "Scheduled time is in the future."}, 200)
        # RetryFailedFlows
        if ctype == "RUNNING" and ptype == "FAILED":
            retries = (r["empirical_policy"] or {}).get("retries") or 0
            if retries and r["run_count"] <= retries:
                delay = (r["empirical_policy"].get("retry_delay") or 0)
                sched = t + datetime.timedelta(seconds=delay)
                st = self.state_obj(self.new_id(), "SCHEDULED", "AwaitingRetry", iso(t), message=proposed["message"],
                                    flow_run_id=rid, scheduled_time=iso(sched))
                return reject("Retrying", st)
        return accept(proposed)

    def h_create_flow_run(self, req, p, q, b):
        d = self.deployments.get(p["id"])
        if d is None:
            raise HTTPError(404, {"detail": "Deployment not found"})
        t = now()
        rid = self.new_id()
        params = dict(d["parameters"])
        params.update(b.get("parameters") or {})
        tags = list(b.get("tags") or [])
        for tg in d["tags"]:
            if tg not in tags:
                tags.append(tg)
        qname = b.get("work_queue_name") or d["work_queue_name"]
        wq = next((x for x in self.work_queues.values()
                   if x["name"] == qname and x["work_pool_name"] == d["work_pool_name"]), None)
        if wq is None:
            raise HTTPError(400, {"detail": "Work queue %r does not exist in work pool %r." % (qname, d["work_pool_name"])})
        sc = b.get("state") or {"type": "SCHEDULED"}
        if "type" not in sc:
            raise Validation([err(["body", "state", "type"], "field required", "value_error.missing")],
                             self._raw_body_obj(req))
        st = self._state_from_request(sc, rid, t)
        sched = st["state_details"]["scheduled_time"]
        ep = {"max_retries": 0, "retry_delay_seconds": 0.0, "retries": None, "retry_delay": None,
              "pause_keys": [], "resuming": False}
        if b.get("empirical_policy"):
            ep.update(b["empirical_policy"])
        r = {
            "id": rid, "created": iso(t), "updated": iso(self.ms(t + datetime.timedelta(milliseconds=6))),
            "name": b.get("name") or self.coolname(), "flow_id": d["flow_id"], "state_id": st["id"],
            "deployment_id": d["id"], "work_queue_id": wq["id"], "work_queue_name": wq["name"],
            "flow_version": None, "parameters": params, "idempotency_key": b.get("idempotency_key"),
            "context": b.get("context") or {}, "empirical_policy": ep, "tags": tags,
            "parent_task_run_id": b.get("parent_task_run_id"), "state_type": st["type"],
            "state_name": st["name"], "run_count": 0,
            "expected_start_time": sched or iso(t), "next_scheduled_start_time": None,
            "start_time": None, "end_time": None, "total_run_time": 0.0, "estimated_run_time": 0.0,
            "estimated_start_time_delta": 0.0, "auto_scheduled": False,
            "infrastructure_document_id": b.get("infrastructure_document_id"), "infrastructure_pid": None,
            "created_by": None, "work_pool_id": wq["work_pool_id"], "work_pool_name": wq["work_pool_name"],
            "state": None,
        }
        self.flow_runs[rid] = r
        self._apply_state(r, st, t)
        r["updated"] = iso(self.ms(t + datetime.timedelta(milliseconds=6)))
        return self.respond(req, 201, self.render_flow_run(r, t))


def main(argv=None):
    return simcommon.main(PrefectApp, "Prefect 2.14.21 server API simulator", argv)


if __name__ == "__main__":
    sys.exit(main())
