#!/usr/bin/env python3
"""Apache Airflow 2.9 stable REST API simulator (base path /api/v1), Python 3 stdlib only;
with --v3 or in the request mode v3, Airflow 3's /api/v2 (airflow_v3.py).

Built on tests/fixtures/airflow/ (see its README: the JSON examples there are
spec-derived from Airflow 2.9.3, v1.yaml is the real spec).  Every fixture
object is served as written (the captured DAGs, runs, task instances and the
train_model log), error bodies match the fixtures byte for byte, and generated
objects copy their shapes.  Output mirrors connexion/Flask: JSON with indent 2,
sorted keys and a trailing newline; errors are RFC 7807
``application/problem+json``; headers ``Server: gunicorn`` and
``Connection: close`` (gunicorn sync workers).

Simulated:
  GET   /api/v1/health, /api/v1/version                      (no auth)
  GET   /api/v1/dags                 limit/offset/order_by(dag_id)/tags/only_active/
                                     paused/dag_id_pattern/fields
  GET   /api/v1/dags/{dag_id}        PATCH (is_paused, update_mask)
  GET   /api/v1/pools                 the fixture's pools (pools.json), limit/offset
  POST  /api/v1/dags/{dag_id}/clearTaskInstances  dry_run, task_ids, dag_run_id, only_failed,
        include_downstream (the DAG's tasks as one chain), reset_dag_runs
  PATCH /api/v1/dags?dag_id_pattern=  (bulk pause)
  GET   /api/v1/dags/{dag_id}/dagRuns     ('~' = all DAGs) state=a,b, *_gte/_lte,
                                          order_by (id, state, dag_id, execution_date,
                                          dag_run_id, start_date, end_date, ...), fields
  POST  /api/v1/dags/{dag_id}/dagRuns     trigger (409 on a duplicate run id / logical date)
  POST  /api/v1/dags/~/dagRuns/list       batch; page_limit/page_offset in the body
  GET   /api/v1/dags/{dag_id}/dagRuns/{run_id}       PATCH state success|failed|queued
  GET   .../dagRuns/{run_id}/taskInstances           ('~' for both ids) state/pool/queue/...
  GET   .../taskInstances/{task_id}
  GET   .../taskInstances/{task_id}/logs/{try}       Accept: application/json -> {"content":
        "<Python repr of [(host, text)]>", "continuation_token"}; Accept: text/plain (or */*)
        -> host line + text; token= continues from a signed log_pos (itsdangerous format,
        HMAC-SHA1, made-up secret); the log of the running train_model grows with time.
  Everything but health/version needs HTTP basic auth (--user/--password, default
  admin/admin): missing or wrong -> 401 problem+json with ``WWW-Authenticate: Basic``.
  As in connexion, parameter/body validation (400) happens before the auth check.
  limit > 100 is capped to 100, limit=0 means 100, limit < 0 is 400; offset past the
  end gives an empty list with total_entries unchanged; unknown routes 404 and wrong
  methods 405 problem+json (type about:blank); unsimulated real routes 501.

Seed (captured objects fixed; --seed N varies the generated timings):
  6 DAGs: the 4 fixture DAGs (batch_scoring_hourly [paused], feature_etl_daily,
  ml_train_churn, model_eval_on_demand) + ml_training_pipeline and
  feature_backfill [paused].  ~30 runs: success/failed/running/queued, among them
  the fixture's failed ml_train_churn run scheduled__2024-01-22T03:00:00+00:00 with
  failed / upstream_failed / skipped task instances and the train_model try-2 log,
  its running and queued runs, a failed feature_etl_daily run with its log,
  backfill runs.  Data dates are the fixtures' (2024-01/02); only /health's
  heartbeats follow the real clock.  --scheduler-down: scheduler unhealthy with a
  stale heartbeat and the triggerer never run (health-scheduler-down.json).

Left out: 403/RBAC (one user, all rights), session auth,
/dags/{id}/details, tasks, dagRuns/{id}/clear, setNote, xcom, datasets, variables,
connections, config, import errors, event logs, users/roles; nothing moves on its
own (a triggered run stays queued), and deleted objects are not simulated.
"""

import base64
import copy
import functools
import datetime
import hashlib
import hmac
import json
import os
import random
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simcommon  # noqa: E402
import airflow_v3  # noqa: E402
from simcommon import Response  # noqa: E402

UTC = datetime.timezone.utc
DOCS = "https://airflow.apache.org/docs/apache-airflow/2.9.3/stable-rest-api-ref.html#section/Errors/"
LINKS = {400: DOCS + "BadRequest", 401: DOCS + "Unauthenticated", 403: DOCS + "PermissionDenied",
         404: DOCS + "NotFound", 405: DOCS + "MethodNotAllowed", 409: DOCS + "AlreadyExists",
         500: DOCS + "Unknown"}
SECRET = b"mlconsole-airflow-sim-secret"
MAX_PAGE = 100
HOST = "airflow-worker-0.airflow-worker.airflow.svc.cluster.local"
HOSTILE_KEYS = {"dag_display_name", "description", "owners", "name", "note", "task_display_name",
                "operator", "hostname", "timetable_description", "version", "git_version", "fileloc"}
SIM_START = time.time()


def FX(name):
    return simcommon.fixture_json("airflow", name)


# ------------------------------------------------------------------ time

@functools.lru_cache(maxsize=65536)
def parse_dt(s):
    """An ISO time (cached: a 10,000-run listing sorts by it on every page)."""
    if s is None:
        return None
    t = s.strip()
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    d = datetime.datetime.fromisoformat(t)
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def iso(d):
    return d.astimezone(UTC).isoformat()


def log_ts(d):
    """Timestamp format inside Airflow log text: [2024-01-29T03:24:41.002+0000]."""
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+0000" % (d.microsecond // 1000)


# ------------------------------------------------------------------ itsdangerous URLSafeSerializer

def _b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=")


def _b64d(s):
    s = s + b"=" * (-len(s) % 4)
    return base64.urlsafe_b64decode(s)


def _derived_key():
    return hashlib.sha1(b"itsdangerous" + b"signer" + SECRET).digest()


def sign_dumps(obj):
    payload = json.dumps(obj, separators=(",", ":")).encode("utf-8")
    import zlib
    comp = zlib.compress(payload)
    if len(comp) < len(payload) - 1:
        body = b"." + _b64e(comp)
    else:
        body = _b64e(payload)
    sig = _b64e(hmac.new(_derived_key(), body, hashlib.sha1).digest())
    return (body + b"." + sig).decode("ascii")


def sign_loads(token):
    import zlib
    t = token.encode("ascii", "replace")
    if b"." not in t:
        raise ValueError("no signature")
    body, sig = t.rsplit(b".", 1)
    want = _b64e(hmac.new(_derived_key(), body, hashlib.sha1).digest())
    if not hmac.compare_digest(want, sig):
        raise ValueError("bad signature")
    if body.startswith(b"."):
        data = zlib.decompress(_b64d(body[1:]))
    else:
        data = _b64d(body)
    return json.loads(data)


# ------------------------------------------------------------------ errors

class Problem(Exception):
    def __init__(self, status, title, detail=None, headers=None, type_=None):
        Exception.__init__(self, title)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or []
        self.type = type_ if type_ is not None else LINKS.get(status, "about:blank")


def bad_request(detail=None, title="Bad Request"):
    return Problem(400, title, detail)


def not_found(title="Not Found", detail=None):
    return Problem(404, title, detail)


# ------------------------------------------------------------------ cron helpers (enough for the seed)

def cron_prev(dt, minute, hour, dow=None):
    """Latest fire time <= dt of 'minute hour * * dow'."""
    c = dt.replace(minute=minute, hour=hour, second=0, microsecond=0)
    while c > dt or (dow is not None and c.isoweekday() % 7 != dow):
        c -= datetime.timedelta(days=1)
    return c


class AirflowApp(simcommon.App):
    name = "airflow"
    base_headers = [("Server", "gunicorn"), ("Date", None)]
    keep_alive = False

    @staticmethod
    def add_arguments(parser):
        parser.add_argument("--user", default="admin", help="basic-auth user (default admin)")
        parser.add_argument("--password", default="admin", help="basic-auth password (default admin)")
        parser.add_argument("--big-runs", type=int, default=0, metavar="N",
                            help="N more runs of batch_scoring_hourly, hourly back from the seeded ones "
                                 "(the benchmark's 10,000)")
        parser.add_argument("--v3", action="store_true",
                            help="speak Airflow 3's /api/v2 (bearer tokens from /auth/token)")
        parser.add_argument("--scheduler-down", action="store_true",
                            help="/health reports the scheduler unhealthy (stale heartbeat)")

    def __init__(self, args):
        simcommon.App.__init__(self, args)
        self.user = getattr(args, "user", "admin")
        self.password = getattr(args, "password", "admin")
        self.scheduler_down = getattr(args, "scheduler_down", False)
        self.v3 = getattr(args, "v3", False)
        self.big_runs = getattr(args, "big_runs", 0)
        self.pages_lock = threading.Lock()
        self.pages_runs = None
        self.page_hold = simcommon.PageHold()
        self.face3 = airflow_v3.V3(self, sign_dumps, parse_dt, sign_loads)
        self.lock = threading.RLock()
        self.rng = random.Random(args.seed)
        self._seed()
        self._seed_big()

    def reset(self):
        """Back to the seeded world (after a screen test's trigger or pause)."""
        with self.lock:
            self.rng = random.Random(self.args.seed)
            self._seed()
            self._seed_big()
            self.face3.reset()

    # ================================================================ seed
    def jit(self, base, lo, hi):
        return base + datetime.timedelta(microseconds=self.rng.randrange(int(lo * 1e6), int(hi * 1e6)))

    DAG_TASKS = {
        "ml_train_churn": [("extract_data", "_PythonDecoratedOperator", 4, 1), ("wait_for_features", "ExternalTaskSensor", 3, 0),
                           ("train_model", "KubernetesPodOperator", 3, 1), ("evaluate_model", "_PythonDecoratedOperator", 2, 0),
                           ("register_model", "_PythonDecoratedOperator", 1, 0), ("notify_slack", "EmptyOperator", 1, 0)],
        "feature_etl_daily": [("extract_events", "SparkSubmitOperator", 4, 2), ("build_features", "SparkSubmitOperator", 3, 1),
                              ("validate_features", "_PythonDecoratedOperator", 2, 0), ("publish_features", "_PythonDecoratedOperator", 1, 0)],
        "batch_scoring_hourly": [("load_customers", "_PythonDecoratedOperator", 3, 1), ("score_batch", "KubernetesPodOperator", 2, 1),
                                 ("write_scores", "_PythonDecoratedOperator", 1, 1)],
        "model_eval_on_demand": [("load_model", "_PythonDecoratedOperator", 3, 0), ("evaluate", "_PythonDecoratedOperator", 2, 0),
                                 ("report", "EmailOperator", 1, 0)],
        "ml_training_pipeline": [("prepare_data", "_PythonDecoratedOperator", 4, 1), ("train", "KubernetesPodOperator", 3, 2),
                                 ("evaluate", "_PythonDecoratedOperator", 2, 0), ("push_model", "_PythonDecoratedOperator", 1, 1)],
        "feature_backfill": [("extract_day", "SparkSubmitOperator", 3, 2), ("write_partition", "_PythonDecoratedOperator", 2, 1),
                             ("mark_done", "EmptyOperator", 1, 0)],
    }
    TASK_LINES = {
        "extract_data": ["Reading s3://ml-data/churn/raw/ (42 parquet files)", "Extracted 1203311 rows"],
        "wait_for_features": ["Poking for tasks ['publish_features'] in dag feature_etl_daily", "Found 1 matching task instance in state success"],
        "train_model": ["[base] epoch=1 loss=0.6931 auc=0.702", "[base] epoch=2 loss=0.5120 auc=0.811", "[base] epoch=3 loss=0.4410 auc=0.874"],
        "evaluate_model": ["Holdout AUC 0.912, logloss 0.318"], "register_model": ["Registered model churn version 17"],
        "notify_slack": [], "extract_events": ["Submitting application spark://spark-master:7077 extract_events.py", "Application finished with state FINISHED"],
        "build_features": ["Submitting application spark://spark-master:7077 build_features.py", "Wrote 214 feature columns"],
        "validate_features": ["Great Expectations suite 'features' passed (87/87)"], "publish_features": ["Published features to the online store"],
        "load_customers": ["Loaded 52110 new customers"], "score_batch": ["[scorer] scored 52110 rows in 8 partitions"],
        "write_scores": ["Wrote scores to s3://ml-data/scores/"], "load_model": ["Loaded models:/churn/Production"],
        "evaluate": ["AUC 0.921 on holdout"], "report": ["Sent evaluation report to ml-team@example.com"],
        "prepare_data": ["Prepared 998201 training rows"], "train": ["[trainer] epoch=1 loss=0.612", "[trainer] epoch=2 loss=0.455"],
        "push_model": ["Pushed model to registry.local/ml/churn:2024.02"], "extract_day": ["Extracting partition"],
        "write_partition": ["Wrote partition"], "mark_done": [],
    }

    def _dag(self, template, **kw):
        d = copy.deepcopy(template)
        d.update(kw)
        return d

    def _seed(self):
        dags = FX("dags.json")["dags"]
        tmpl = next(d for d in dags if d["dag_id"] == "ml_train_churn")
        fileloc = "/opt/airflow/dags/ml_training_pipeline.py"
        dags.append(self._dag(tmpl, dag_display_name="ml_training_pipeline", dag_id="ml_training_pipeline",
                              description="Daily retraining of the recommendation model",
                              fileloc=fileloc, file_token=sign_dumps(fileloc), max_active_runs=1,
                              next_dagrun="2024-02-05T02:00:00+00:00",
                              next_dagrun_create_after="2024-02-06T02:00:00+00:00",
                              next_dagrun_data_interval_start="2024-02-05T02:00:00+00:00",
                              next_dagrun_data_interval_end="2024-02-06T02:00:00+00:00",
                              owners=["mlops"], schedule_interval={"__type": "CronExpression", "value": "0 2 * * *"},
                              tags=[{"name": "ml"}, {"name": "training"}], timetable_description="At 02:00"))
        fileloc = "/opt/airflow/dags/feature_backfill.py"
        dags.append(self._dag(tmpl, dag_display_name="feature_backfill", dag_id="feature_backfill",
                              description="Backfill historical feature partitions", is_paused=True,
                              fileloc=fileloc, file_token=sign_dumps(fileloc), max_active_runs=4,
                              next_dagrun="2024-02-05T00:00:00+00:00",
                              next_dagrun_create_after="2024-02-06T00:00:00+00:00",
                              next_dagrun_data_interval_start="2024-02-05T00:00:00+00:00",
                              next_dagrun_data_interval_end="2024-02-06T00:00:00+00:00",
                              owners=["data-eng"], schedule_interval={"__type": "CronExpression", "value": "0 0 * * *"},
                              tags=[{"name": "etl"}, {"name": "backfill"}], timetable_description="At 00:00"))
        self.dags = {d["dag_id"]: d for d in dags}
        self.runs = []          # dicts with private keys _id, _updated
        self.tis = {}           # (dag_id, run_id) -> [ti]
        self.logs = {}          # (dag_id, run_id, task_id, try) -> (host, text, growing)
        self._next_id = 1

        fx_runs = {r["dag_run_id"]: r for f in ("dag-runs-page1.json", "dag-runs-page2.json")
                   for r in FX(f)["dag_runs"]}
        etl_failed = FX("dag-runs-batch-list.json")["dag_runs"][0]

        # ---- generated history, oldest first (so _id order == creation order)
        day = datetime.timedelta(days=1)
        # feature_backfill: backfill runs for 2024-01-01..05
        for i in range(5):
            ld = datetime.datetime(2024, 1, 1, tzinfo=UTC) + i * day
            state = ["success", "success", "success", "running", "queued"][i]
            start = self.jit(datetime.datetime(2024, 1, 31, 14, 2, tzinfo=UTC) + i * datetime.timedelta(minutes=11), 1, 3) \
                if state != "queued" else None
            end = self.jit(start, 500, 600) if state == "success" else None
            self._gen_run("feature_backfill", "backfill", ld, ld + day, state, start, end,
                          ["success"] * 3 if state == "success" else
                          (["success", "running", None] if state == "running" else [None] * 3))
        # ml_train_churn 2024-01-15 (fixture run, generated task instances)
        r = fx_runs["scheduled__2024-01-15T03:00:00+00:00"]
        self._add_run(r)
        self._gen_tis(r, ["success", None, "success", "success", "success", "success"], skip_tasks={"wait_for_features"})
        # feature_etl_daily 2024-01-29 .. 02-03 success, 02-04 failed (fixture)
        for i in range(6):
            ld = datetime.datetime(2024, 1, 29, 1, 30, tzinfo=UTC) + i * day
            start = self.jit(ld + day, 2, 5)
            self._gen_run("feature_etl_daily", "scheduled", ld, ld + day, "success", start,
                          self.jit(start, 900, 1300), ["success"] * 4)
        # ml_training_pipeline 2024-01-29 .. 02-03 success, 02-04 running
        for i in range(7):
            ld = datetime.datetime(2024, 1, 29, 2, 0, tzinfo=UTC) + i * day
            start = self.jit(ld + day, 1, 4)
            if i < 6:
                self._gen_run("ml_training_pipeline", "scheduled", ld, ld + day, "success", start,
                              self.jit(start, 1800, 2600), ["success"] * 4)
            else:
                self._gen_run("ml_training_pipeline", "scheduled", ld, ld + day, "running", start, None,
                              ["success", "up_for_retry", None, None], last_decision=self.jit(start, 3600, 3700))
        # ml_train_churn 2024-01-22 failed (fixture run + fixture task instances + fixture log)
        r = fx_runs["scheduled__2024-01-22T03:00:00+00:00"]
        self._add_run(r)
        self.tis[(r["dag_id"], r["dag_run_id"])] = FX("task-instances.json")["task_instances"]
        self._gen_logs_for(r)
        text = simcommon.fixture_bytes("airflow", "task-log-plain.txt").decode("utf-8")
        host, body = text.split("\n", 1)
        self.logs[("ml_train_churn", r["dag_run_id"], "train_model", 2)] = (host, body, None)
        # feature_etl_daily 02-04 failed (fixture run)
        self._add_run(etl_failed)
        self._gen_tis(etl_failed, ["success", "failed", "upstream_failed", "upstream_failed"])
        # model_eval_on_demand: two manual runs
        for ld in (datetime.datetime(2024, 2, 1, 14, 12, 7, 331208, tzinfo=UTC),
                   datetime.datetime(2024, 2, 3, 9, 40, 51, 90412, tzinfo=UTC)):
            start = self.jit(ld, 1, 3)
            self._gen_run("model_eval_on_demand", "manual", ld, ld, "success", start, self.jit(start, 200, 400),
                          ["success"] * 3, conf={"model_uri": "models:/churn/Staging"})
        # ml_train_churn 2024-01-29 running (fixture run + fixture task instances)
        r = fx_runs["scheduled__2024-01-29T03:00:00+00:00"]
        self._add_run(r)
        self.tis[(r["dag_id"], r["dag_run_id"])] = FX("task-instances-running-run.json")["task_instances"]
        self._gen_logs_for(r)
        # batch_scoring_hourly 03:00 .. 08:00 on 02-05 (before it was paused)
        for h in range(3, 9):
            ld = datetime.datetime(2024, 2, 5, h, tzinfo=UTC)
            start = self.jit(ld + datetime.timedelta(hours=1), 1, 3)
            self._gen_run("batch_scoring_hourly", "scheduled", ld, ld + datetime.timedelta(hours=1), "success",
                          start, self.jit(start, 240, 420), ["success"] * 3)
        # ml_train_churn manual queued (fixture)
        r = fx_runs["manual__2024-02-05T10:01:02.118844+00:00"]
        self._add_run(r)
        self._gen_tis(r, [None] * 6)

    def _seed_big(self):
        """--big-runs N: successful hourly runs of batch_scoring_hourly before
        the seeded ones (no task instances): what the benchmark pages through."""
        for i in range(self.big_runs):
            r = self._big_run(i)
            r["_id"] = self._next_id
            self._next_id += 1
            self.runs.append(r)

    def _pages_runs(self):
        """The "pages" mode's 1,000 more runs (as --big-runs makes them),
        beside the world, not in it: made once."""
        with self.pages_lock:
            if self.pages_runs is None:
                self.pages_runs = []
                for i in range(1000):
                    r = self._big_run(i)
                    r["_id"] = 1000000 + i
                    self.pages_runs.append(r)
            return self.pages_runs

    def _big_run(self, i):
        """The i-th hourly run of batch_scoring_hourly back from 2024-01-01."""
        base = datetime.datetime(2024, 1, 1, tzinfo=UTC)
        ld = base - datetime.timedelta(hours=i + 1)
        start = ld + datetime.timedelta(hours=1, seconds=3)
        r = {"conf": {}, "dag_id": "batch_scoring_hourly", "dag_run_id": "scheduled__" + iso(ld),
             "data_interval_end": iso(ld + datetime.timedelta(hours=1)), "data_interval_start": iso(ld),
             "end_date": iso(start + datetime.timedelta(seconds=250)), "execution_date": iso(ld),
             "external_trigger": False, "last_scheduling_decision": iso(start + datetime.timedelta(seconds=251)),
             "logical_date": iso(ld), "note": None, "run_type": "scheduled", "start_date": iso(start),
             "state": "success"}
        r["_updated"] = r["end_date"]
        return r

    def _add_run(self, r):
        r = copy.deepcopy(r)
        r["_id"] = self._next_id
        self._next_id += 1
        r["_updated"] = r["end_date"] or r["last_scheduling_decision"] or r["start_date"] or r["execution_date"]
        self.runs.append(r)
        return r

    def _gen_run(self, dag_id, run_type, logical, interval_end, state, start, end, ti_states,
                 conf=None, last_decision=None):
        run_id = "%s__%s" % (run_type, iso(logical))
        interval_start = logical if run_type != "manual" else logical
        r = {
            "conf": conf or {}, "dag_id": dag_id, "dag_run_id": run_id,
            "data_interval_end": iso(interval_end), "data_interval_start": iso(interval_start),
            "end_date": iso(end) if end else None, "execution_date": iso(logical),
            "external_trigger": run_type == "manual",
            "last_scheduling_decision": iso(last_decision) if last_decision else
            (iso(end - datetime.timedelta(microseconds=self.rng.randrange(15000, 30000))) if end else None),
            "logical_date": iso(logical), "note": None, "run_type": run_type,
            "start_date": iso(start) if start else None, "state": state,
        }
        r = self._add_run(r)
        self._gen_tis(r, ti_states)
        return r

    def _gen_tis(self, run, states, skip_tasks=()):
        """Task instances for a run: states per task (None = no status yet)."""
        tasks = [t for t in self.DAG_TASKS[run["dag_id"]] if t[0] not in skip_tasks]
        states = [s for t, s in zip(self.DAG_TASKS[run["dag_id"]], states) if t[0] not in skip_tasks] \
            if len(states) == len(self.DAG_TASKS[run["dag_id"]]) else states
        t = parse_dt(run["start_date"]) if run["start_date"] else None
        out = []
        for (task_id, op, pw, retries), st in zip(tasks, states):
            ran = st in ("success", "failed", "running", "up_for_retry")
            try_number = 0
            start = end = queued = None
            duration = None
            if ran and t is not None:
                queued = self.jit(t, 0.5, 1.5)
                start = self.jit(queued, 0.8, 2.0)
                dur = self.rng.uniform(20, 400) if op != "EmptyOperator" else 0.0
                try_number = 1
                if st in ("failed",) and retries:
                    try_number = retries + 1
                if st == "up_for_retry":
                    try_number = 1
                if st != "running":
                    end = start + datetime.timedelta(seconds=dur)
                    duration = round(dur, 6)
                t = (end or start) + datetime.timedelta(seconds=1)
            elif st in ("upstream_failed", "skipped") and t is not None:
                end = t
                duration = 0.0 if st == "skipped" else None
                start = t if st == "skipped" else None
            ti = {
                "dag_id": run["dag_id"], "dag_run_id": run["dag_run_id"], "duration": duration,
                "end_date": iso(end) if end else None, "execution_date": run["execution_date"],
                "executor_config": "{}", "hostname": HOST if ran else "", "map_index": -1,
                "max_tries": retries if ran else 0, "note": None, "operator": op,
                "pid": self.rng.randrange(200, 4000) if ran else None, "pool": "default_pool", "pool_slots": 1,
                "priority_weight": pw, "queue": "default", "queued_when": iso(queued) if queued else None,
                "rendered_fields": {} if not ran else {"op_args": [], "op_kwargs": {}, "templates_dict": None}
                if op == "_PythonDecoratedOperator" else {},
                "rendered_map_index": None, "sla_miss": None, "start_date": iso(start) if start else None,
                "state": st, "task_display_name": task_id, "task_id": task_id, "trigger": None,
                "triggerer_job": None, "try_number": try_number, "unixname": "airflow",
            }
            out.append(ti)
        self.tis[(run["dag_id"], run["dag_run_id"])] = out
        self._gen_logs_for(run)

    def _log_text(self, ti, try_number, outcome, growing=False):
        dag_id, run_id, task_id = ti["dag_id"], ti["dag_run_id"], ti["task_id"]
        start = parse_dt(ti["start_date"] or ti["execution_date"])
        if try_number < ti["try_number"]:
            start = start - (ti["try_number"] - try_number) * datetime.timedelta(minutes=17, seconds=3)
        path = "/opt/airflow/logs/dag_id=%s/run_id=%s/task_id=%s/attempt=%d.log" % (dag_id, run_id, task_id, try_number)
        lines = ["*** Found local files:", "***   * " + path]
        t = [start + datetime.timedelta(milliseconds=80)]

        def add(src, level, msg, step_ms=60):
            lines.append("[%s] {%s} %s - %s" % (log_ts(t[0]), src, level, msg))
            t[0] += datetime.timedelta(milliseconds=step_ms)

        total_tries = max(ti["max_tries"], ti["try_number"] - 1) + 1
        add("local_task_job_runner.py:120", "INFO", "::group::Pre task execution logs")
        add("taskinstance.py:2076", "INFO", "Dependencies all met for dep_context=non-requeueable deps "
            "ti=<TaskInstance: %s.%s %s [queued]>" % (dag_id, task_id, run_id))
        add("taskinstance.py:2306", "INFO", "Starting attempt %d of %d" % (try_number, total_tries))
        add("taskinstance.py:2330", "INFO", "Executing <Task(%s): %s> on %s" % (
            ti["operator"], task_id, ti["execution_date"].replace("T", " ")))
        add("standard_task_runner.py:63", "INFO", "Started process %d to run task" % (ti["pid"] or 100))
        add("taskinstance.py:430", "INFO", "::endgroup::", 1500)
        for msg in self.TASK_LINES.get(task_id, []):
            add("logging_mixin.py:188", "INFO", msg, 2500)
        compact = lambda d: d.strftime("%Y%m%dT%H%M%S")
        if outcome == "success":
            add("python.py:237", "INFO", "Done. Returned value was: None")
            add("taskinstance.py:1206", "INFO", "Marking task as SUCCESS. dag_id=%s, task_id=%s, run_id=%s, "
                "execution_date=%s, start_date=%s, end_date=%s" % (dag_id, task_id, run_id,
                                                                   compact(parse_dt(ti["execution_date"])),
                                                                   compact(start), compact(t[0])))
            add("local_task_job_runner.py:240", "INFO", "Task exited with return code 0")
            add("local_task_job_runner.py:222", "INFO", "::endgroup::")
        elif outcome in ("failed", "retry"):
            err = {"train_model": "airflow.exceptions.AirflowException: Pod train-model-x7f2q returned a failure.",
                   "build_features": "py4j.protocol.Py4JJavaError: An error occurred while calling o112.save.\n"
                                     ": org.apache.spark.SparkException: Job aborted due to stage failure: "
                                     "Task 3 in stage 7.0 failed 4 times: java.lang.OutOfMemoryError: Java heap space",
                   "train": "RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB"}.get(
                task_id, "ValueError: unexpected input")
            add("taskinstance.py:2905", "ERROR", "Task failed with exception\nTraceback (most recent call last):\n" + err)
            mark = "UP_FOR_RETRY" if outcome == "retry" else "FAILED"
            add("taskinstance.py:1206", "INFO", "Marking task as %s. dag_id=%s, task_id=%s, run_id=%s, "
                "execution_date=%s, start_date=%s, end_date=%s" % (mark, dag_id, task_id, run_id,
                                                                   compact(parse_dt(ti["execution_date"])),
                                                                   compact(start), compact(t[0])))
            add("local_task_job_runner.py:240", "INFO", "Task exited with return code 1")
            add("local_task_job_runner.py:222", "INFO", "::endgroup::")
        elif outcome == "deferred":
            add("taskinstance.py:2505", "INFO", "Pausing task as DEFERRED. dag_id=%s, task_id=%s, run_id=%s, "
                "execution_date=%s, start_date=%s" % (dag_id, task_id, run_id,
                                                      compact(parse_dt(ti["execution_date"])), compact(start)))
            add("local_task_job_runner.py:240", "INFO", "Task exited with return code 100 (task deferral)")
        return "\n".join(lines) + "\n", (t[0] if growing else None)

    def _gen_logs_for(self, run):
        for ti in self.tis.get((run["dag_id"], run["dag_run_id"]), []):
            n = ti["try_number"]
            if n <= 0 or not ti["hostname"]:
                continue
            for k in range(1, n + 1):
                key = (ti["dag_id"], ti["dag_run_id"], ti["task_id"], k)
                if key in self.logs:
                    continue
                last = k == n
                if not last:
                    outcome = "retry"
                elif ti["state"] == "running":
                    outcome = "running"
                elif ti["state"] == "deferred":
                    outcome = "deferred"
                elif ti["state"] == "up_for_retry":
                    outcome = "retry"
                else:
                    outcome = ti["state"]
                text, grow_from = self._log_text(ti, k, outcome, growing=(outcome == "running"))
                self.logs[key] = (HOST, text, grow_from)

    def _log_content(self, key):
        host, text, grow_from = self.logs[key]
        if grow_from is not None:
            # a running task: one more line every 3 seconds of simulator uptime
            n = min(int((time.time() - SIM_START) / 3.0) + 1, 200)
            extra = []
            t = grow_from
            train = "train" in key[2]
            for i in range(n):
                t = t + datetime.timedelta(seconds=37, microseconds=123000)
                if train:
                    extra.append("[%s] {pod_manager.py:471} INFO - [base] epoch=%d loss=%.4f auc=%.3f" % (
                        log_ts(t), i + 4, 0.44 / (1 + 0.08 * i), min(0.999, 0.874 + 0.004 * i)))
                else:
                    extra.append("[%s] {logging_mixin.py:188} INFO - processed chunk %d (%d rows)" % (
                        log_ts(t), i + 1, 50000 * (i + 1)))
            text = text + "\n".join(extra) + "\n"
        return host, text

    # ================================================================ output
    def json_resp(self, req, status, obj, ctype="application/json", extra=None, hostile_ok=True):
        if hostile_ok and req is not None and req.hostile:
            obj = simcommon.hostilize(obj, HOSTILE_KEYS)
        body = (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode("utf-8")
        return Response(status, body, ctype, list(extra or []))

    def problem(self, p):
        obj = {"detail": p.detail, "status": p.status, "title": p.title, "type": p.type}
        return self.json_resp(None, p.status, obj, "application/problem+json", p.headers)

    def error500(self, req):
        return self.problem(Problem(500, "Internal Server Error",
                                    "The server encountered an internal error and was unable to complete your "
                                    "request. Either the server is overloaded or there is an error in the application.",
                                    type_="about:blank"))

    @staticmethod
    def public(obj):
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    # ================================================================ routing
    R = "[^/]+"
    ROUTES = [
        # (methods implemented, pattern, handler name, needs auth, all real methods)
        ({"GET"}, r"/health", "h_health", False, {"GET"}),
        ({"GET"}, r"/version", "h_version", False, {"GET"}),
        ({"GET", "PATCH"}, r"/dags", "h_dags", True, {"GET", "PATCH"}),
        ({"POST"}, r"/dags/~/dagRuns/list", "h_runs_batch", True, {"POST"}),
        ({"POST"}, r"/dags/~/dagRuns/~/taskInstances/list", None, True, {"POST"}),
        ({"GET", "PATCH"}, r"/dags/(?P<dag_id>[^/]+)", "h_dag", True, {"GET", "PATCH", "DELETE"}),
        ({"GET", "POST"}, r"/dags/(?P<dag_id>[^/]+)/dagRuns", "h_runs", True, {"GET", "POST"}),
        ({"GET", "PATCH"}, r"/dags/(?P<dag_id>[^/]+)/dagRuns/(?P<run_id>[^/]+)", "h_run", True,
         {"GET", "PATCH", "DELETE"}),
        ({"GET"}, r"/dags/(?P<dag_id>[^/]+)/dagRuns/(?P<run_id>[^/]+)/taskInstances", "h_tis", True, {"GET"}),
        ({"GET"}, r"/dags/(?P<dag_id>[^/]+)/dagRuns/(?P<run_id>[^/]+)/taskInstances/(?P<task_id>[^/]+)",
         "h_ti", True, {"GET", "PATCH"}),
        ({"GET"}, r"/dags/(?P<dag_id>[^/]+)/dagRuns/(?P<run_id>[^/]+)/taskInstances/(?P<task_id>[^/]+)/logs/(?P<try_n>[^/]+)",
         "h_log", True, {"GET"}),
        (set(), r"/dags/(?P<dag_id>[^/]+)/details", None, True, {"GET"}),
        (set(), r"/dags/(?P<dag_id>[^/]+)/tasks", None, True, {"GET"}),
        (set(), r"/dags/(?P<dag_id>[^/]+)/tasks/(?P<task_id>[^/]+)", None, True, {"GET"}),
        ({"POST"}, r"/dags/(?P<dag_id>[^/]+)/clearTaskInstances", "h_clear", True, {"POST"}),
        (set(), r"/dags/(?P<dag_id>[^/]+)/dagRuns/(?P<run_id>[^/]+)/clear", None, True, {"POST"}),
        (set(), r"/dags/(?P<dag_id>[^/]+)/dagRuns/(?P<run_id>[^/]+)/setNote", None, True, {"PATCH"}),
        ({"GET"}, r"/pools", "h_pools", True, {"GET", "POST"}),
        (set(), r"/variables", None, True, {"GET", "POST"}),
        (set(), r"/connections", None, True, {"GET", "POST"}),
        (set(), r"/importErrors", None, True, {"GET"}),
        (set(), r"/eventLogs", None, True, {"GET"}),
        (set(), r"/config", None, True, {"GET"}),
        (set(), r"/plugins", None, True, {"GET"}),
        (set(), r"/providers", None, True, {"GET"}),
        (set(), r"/datasets", None, True, {"GET"}),
    ]
    _compiled = None

    @staticmethod
    def FX_V2(name):
        return FX(os.path.join("v2", name))

    def _hold_page(self, req):
        """The "pages" mode: a runs list's pages after the first held in
        pairs, outside the lock (simcommon.PageHold); a 503 or None."""
        if req.method != "GET" or not re.match(r"^/api/v1/dags/[^/]+/dagRuns$", req.path):
            return None
        try:
            offset = int(req.arg("offset", "0"))
        except ValueError:
            return None
        if offset == 0:
            self.page_hold.first()
        elif not self.page_hold.hold():
            return self.json_resp(req, 503, {"detail": "pages: one page at a time", "status": 503,
                                             "title": "Service Unavailable", "type": "about:blank"})
        elif req.mode == "pagefail" and offset == 500:
            return self.json_resp(req, 500, {"detail": "pagefail: the page at offset 500", "status": 500,
                                             "title": "Internal Server Error", "type": "about:blank"})
        return None

    def handle(self, req):
        if req.mode in ("pages", "pagefail"):
            held = self._hold_page(req)
            if held is not None:
                return held
        if req.mode == "v3" or (self.v3 and req.mode is None):
            with self.lock:
                return self.face3.handle(req)
        with self.lock:
            try:
                return self._handle(req)
            except Problem as p:
                return self.problem(p)

    def _handle(self, req):
        if self._compiled is None:
            AirflowApp._compiled = [(set(m), re.compile("^" + p + "$"), h, a, set(allm))
                                    for m, p, h, a, allm in self.ROUTES]
        path = req.path
        if not path.startswith("/api/v1/"):
            raise Problem(404, "Not Found", "The requested URL was not found on the server. If you entered "
                          "the URL manually please check your spelling and try again.", type_="about:blank")
        sub = path[len("/api/v1"):]
        method = "GET" if req.method == "HEAD" else req.method
        for impl, rx, handler, auth, allm in self._compiled:
            m = rx.match(sub)
            if not m:
                continue
            if method not in allm:
                raise Problem(405, "Method Not Allowed", "The method is not allowed for the requested URL.",
                              [("Allow", ", ".join(sorted(allm | ({"HEAD", "OPTIONS"} if "GET" in allm else {"OPTIONS"}))))],
                              type_="about:blank")
            if method not in impl or handler is None:
                raise Problem(501, "Not Implemented", "Not simulated by airflow_sim.py: %s /api/v1%s" % (method, sub),
                              type_="about:blank")
            return getattr(self, handler)(req, method, auth, m.groupdict())
        raise Problem(404, "Not Found", "The requested URL was not found on the server. If you entered "
                      "the URL manually please check your spelling and try again.", type_="about:blank")

    # ---------------------------------------------------------------- auth
    def check_auth(self, req):
        h = req.header("Authorization") or ""
        ok = False
        if h[:6].lower() == "basic ":
            try:
                user, _, pw = base64.b64decode(h[6:].strip(), validate=True).decode("utf-8").partition(":")
                ok = hmac.compare_digest(user, self.user) and hmac.compare_digest(pw, self.password)
            except (ValueError, UnicodeDecodeError):
                ok = False
        if not ok:
            raise Problem(401, "Unauthorized", None, [("WWW-Authenticate", "Basic")])

    # ---------------------------------------------------------------- connexion-like parameters
    def q_int(self, req, name, default=None, minimum=None):
        v = req.arg(name)
        if v is None:
            return default
        try:
            n = int(v)
        except ValueError:
            raise bad_request("Wrong type, expected 'integer' for query parameter '%s'" % name)
        if minimum is not None and n < minimum:
            raise bad_request("%d is less than the minimum of %d\n\nFailed validating 'minimum' in schema:\n"
                              "    {'minimum': %d, 'type': 'integer'}\n\nOn instance:\n    %d" % (n, minimum, minimum, n))
        return n

    def q_bool(self, req, name, default=None):
        v = req.arg(name)
        if v is None:
            return default
        if v.lower() == "true":
            return True
        if v.lower() == "false":
            return False
        raise bad_request("Wrong type, expected 'boolean' for query parameter '%s'" % name)

    @staticmethod
    def q_list(req, name):
        out = []
        for v in req.arglist(name):
            out.extend(x for x in v.split(","))
        return [x for x in out if x != ""] or None

    def q_dt(self, req, name):
        v = req.arg(name)
        if v is None:
            return None
        v = v.strip()
        if not v.endswith("Z"):
            v = v.replace(" ", "+")
        try:
            return parse_dt(v)
        except ValueError:
            raise bad_request("'%s' is not a 'date-time'" % req.arg(name))

    @staticmethod
    def check_limit(n):
        if n is None:
            return MAX_PAGE
        if n > MAX_PAGE:
            return MAX_PAGE
        if n == 0:
            return MAX_PAGE
        if n < 0:
            raise bad_request(title="Page limit must be a positive integer")
        return n

    def json_body(self, req, required=True):
        if not req.body:
            if required:
                raise bad_request("Request body must not be empty")
            return {}
        ct = req.content_type()
        if ct is not None and ct != "application/json" and not ct.endswith("+json"):
            raise Problem(415, "Unsupported Media Type", "Invalid Content-type (%s), expected JSON data" % ct,
                          type_="about:blank")
        try:
            data = json.loads(req.body)
        except ValueError:
            raise bad_request("Request body is not valid JSON")
        if req.hostile:
            data = simcommon.unhostile_obj(data)
        return data

    @staticmethod
    def _type_err(value, typ, field):
        return bad_request("%r is not of type '%s' - '%s'" % (value, typ, field))

    # ---------------------------------------------------------------- sorting helpers
    @staticmethod
    def sort_items(items, key, desc):
        """Postgres order: NULLs last ascending, first descending; ties by insertion."""
        nn = [x for x in items if key(x) is not None]
        nulls = [x for x in items if key(x) is None]
        nn = sorted(nn, key=key, reverse=desc)
        return (nulls + nn) if desc else (nn + nulls)

    RUN_ORDER = {"id": "_id", "state": "state", "dag_id": "dag_id", "execution_date": "execution_date",
                 "dag_run_id": "dag_run_id", "start_date": "start_date", "end_date": "end_date",
                 "external_trigger": "external_trigger", "conf": "conf", "updated_at": "_updated"}

    def order_runs(self, runs, order_by):
        order_by = order_by or "id"
        field = order_by.lstrip("-")
        if field not in self.RUN_ORDER:
            raise bad_request("Ordering with '%s' is disallowed or the attribute does not exist on the model" % field)
        attr = self.RUN_ORDER[field]

        def key(r):
            v = r.get(attr)
            if v is None:
                return None
            if attr in ("execution_date", "start_date", "end_date", "_updated"):
                return parse_dt(v)
            if attr == "conf":
                return json.dumps(v, sort_keys=True)
            return v
        return self.sort_items(runs, key, order_by.startswith("-"))

    @staticmethod
    def in_range(value, gte, lte):
        if gte is None and lte is None:
            return True
        if value is None:
            return False
        v = parse_dt(value) if isinstance(value, str) else value
        if gte is not None and v < gte:
            return False
        if lte is not None and v > lte:
            return False
        return True

    # ================================================================ handlers
    def h_health(self, req, method, auth, p):
        now = datetime.datetime.now(UTC)
        # /__mode/degraded/: this request alone sees the scheduler down
        if self.scheduler_down or req.mode == "degraded":
            body = FX("health-scheduler-down.json")
            body["scheduler"]["latest_scheduler_heartbeat"] = iso(now - datetime.timedelta(seconds=982, microseconds=102621))
        else:
            body = FX("health.json")
            body["scheduler"]["latest_scheduler_heartbeat"] = iso(now - datetime.timedelta(seconds=1, microseconds=412209))
            body["triggerer"]["latest_triggerer_heartbeat"] = iso(now - datetime.timedelta(seconds=3, microseconds=638921))
        return self.json_resp(req, 200, body, hostile_ok=False)

    def h_version(self, req, method, auth, p):
        return self.json_resp(req, 200, FX("version.json"))

    # ---- DAGs
    def _dag_fields(self, fields, collection):
        allowed = set(next(iter(self.dags.values())).keys())
        bad = [f for f in fields if f not in allowed]
        if bad:
            name = "DAGCollectionSchema" if collection else "DAGSchema"
            shown = {("dags." + f) if collection else f for f in bad}
            raise bad_request("Invalid fields for <%s(many=False)>: %s." % (name, shown),
                              title="%s error" % name if collection else "DAGSchema init error")

    def _select_dags(self, req, only_active=True, paused=None, pattern=None, tags=None):
        out = []
        for d in self.dags.values():
            if only_active and not d["is_active"]:
                continue
            if paused is not None and d["is_paused"] != paused:
                continue
            if pattern and pattern.lower() not in d["dag_id"].lower():
                continue
            if tags and not any(t["name"] in tags for t in d["tags"]):
                continue
            out.append(d)
        return out

    def h_dags(self, req, method, auth, p):
        limit = self.q_int(req, "limit", 100)
        offset = self.q_int(req, "offset", 0, minimum=0)
        only_active = self.q_bool(req, "only_active", True)
        tags = self.q_list(req, "tags")
        pattern = req.arg("dag_id_pattern")
        if method == "PATCH":
            update_mask = self.q_list(req, "update_mask")
            body = self.json_body(req)
            if pattern is None:
                raise bad_request("Missing query parameter 'dag_id_pattern'")
            self.check_auth(req)
            limit = self.check_limit(limit)
            patch = self._dag_patch_body(body, update_mask)
            pat = "" if pattern == "~" else pattern
            dags = sorted(self._select_dags(req, only_active, None, pat, tags), key=lambda d: d["dag_id"])
            total = len(dags)
            dags = dags[offset:offset + limit]
            for d in dags:
                d["is_paused"] = patch["is_paused"]
            return self.json_resp(req, 200, {"dags": dags, "total_entries": total})
        paused = self.q_bool(req, "paused", None)
        order_by = req.arg("order_by", "dag_id")
        fields = self.q_list(req, "fields")
        self.check_auth(req)
        limit = self.check_limit(limit)
        dags = self._select_dags(req, only_active, paused, pattern, tags)
        total = len(dags)
        field = order_by.lstrip("-")
        if field != "dag_id":
            raise bad_request("Ordering with '%s' is disallowed or the attribute does not exist on the model" % field)
        dags = self.sort_items(dags, lambda d: d["dag_id"], order_by.startswith("-"))[offset:offset + limit]
        if fields:
            self._dag_fields(fields, True)
            dags = [{k: d[k] for k in fields} for d in dags]
        return self.json_resp(req, 200, {"dags": dags, "total_entries": total})

    def _dag_patch_body(self, body, update_mask):
        if not isinstance(body, dict):
            raise bad_request("%r is not of type 'object'" % (body,))
        if "is_paused" in body and not isinstance(body["is_paused"], bool):
            raise self._type_err(body["is_paused"], "boolean", "is_paused")
        unknown = {k: ["Unknown field."] for k in body if k != "is_paused"}
        if unknown:
            raise bad_request(str(unknown))
        if update_mask:
            if update_mask != ["is_paused"]:
                raise bad_request("Only `is_paused` field can be updated through the REST API")
        if "is_paused" not in body:
            raise Problem(500, "Internal Server Error", "The server encountered an internal error and was unable "
                          "to complete your request. Either the server is overloaded or there is an error in the "
                          "application.", type_="about:blank")
        return body

    def h_dag(self, req, method, auth, p):
        dag_id = p["dag_id"]
        if method == "PATCH":
            update_mask = self.q_list(req, "update_mask")
            body = self.json_body(req)
            self.check_auth(req)
            patch = self._dag_patch_body(body, update_mask)
            d = self.dags.get(dag_id)
            if d is None:
                raise not_found("Dag with id: '%s' not found" % dag_id)
            d["is_paused"] = patch["is_paused"]
            return self.json_resp(req, 200, d)
        fields = self.q_list(req, "fields")
        self.check_auth(req)
        d = self.dags.get(dag_id)
        if d is None:
            raise not_found("DAG not found", "The DAG with dag_id: `%s` was not found" % dag_id)
        if fields:
            self._dag_fields(fields, False)
            d = {k: d[k] for k in fields}
        return self.json_resp(req, 200, d)

    # ---- DAG runs
    def _run_filters(self, runs, f):
        out = []
        for r in runs:
            if f.get("states") and r["state"] not in f["states"]:
                continue
            if not self.in_range(r["execution_date"], f.get("execution_date_gte"), f.get("execution_date_lte")):
                continue
            if not self.in_range(r["start_date"], f.get("start_date_gte"), f.get("start_date_lte")):
                continue
            if not self.in_range(r["end_date"], f.get("end_date_gte"), f.get("end_date_lte")):
                continue
            if not self.in_range(r["_updated"], f.get("updated_at_gte"), f.get("updated_at_lte")):
                continue
            out.append(r)
        return out

    def h_runs(self, req, method, auth, p):
        dag_id = p["dag_id"]
        if method == "POST":
            return self.trigger(req, dag_id)
        limit = self.q_int(req, "limit", 100)
        offset = self.q_int(req, "offset", 0, minimum=0)
        f = {"states": self.q_list(req, "state")}
        for k in ("execution_date", "start_date", "end_date", "updated_at"):
            f[k + "_gte"] = self.q_dt(req, k + "_gte")
            f[k + "_lte"] = self.q_dt(req, k + "_lte")
        order_by = req.arg("order_by", "id")
        fields = self.q_list(req, "fields")
        self.check_auth(req)
        limit = self.check_limit(limit)
        runs = [r for r in self.runs if dag_id == "~" or r["dag_id"] == dag_id]
        if req.mode in ("pages", "pagefail"):
            runs += [r for r in self._pages_runs() if dag_id in ("~", r["dag_id"])]
        runs = self._run_filters(runs, f)
        total = len(runs)
        runs = self.order_runs(runs, order_by)[offset:offset + limit]
        out = [self.public(r) for r in runs]
        if fields:
            allowed = set(out[0].keys()) if out else set(self.public(self.runs[0]).keys())
            bad = [x for x in fields if x not in allowed]
            if bad:
                raise bad_request("Invalid fields for <DAGRunCollectionSchema(many=False)>: %s."
                                  % ({"dag_runs." + x for x in bad},), title="DAGRunCollectionSchema error")
            out = [{k: r[k] for k in fields} for r in out]
        return self.json_resp(req, 200, {"dag_runs": out, "total_entries": total})

    BATCH_FIELDS = {"order_by": "string", "page_offset": "integer", "page_limit": "integer", "dag_ids": "array",
                    "states": "array", "execution_date_gte": "date-time", "execution_date_lte": "date-time",
                    "start_date_gte": "date-time", "start_date_lte": "date-time", "end_date_gte": "date-time",
                    "end_date_lte": "date-time"}

    def h_runs_batch(self, req, method, auth, p):
        body = self.json_body(req)
        # connexion: jsonschema validation of ListDagRunsForm
        if not isinstance(body, dict):
            raise bad_request("%r is not of type 'object'" % (body,))
        for k, typ in self.BATCH_FIELDS.items():
            if k not in body:
                continue
            v = body[k]
            if typ == "integer":
                if isinstance(v, bool) or not isinstance(v, int):
                    raise self._type_err(v, "integer", k)
                mn = 1 if k == "page_limit" else 0
                if v < mn:
                    raise bad_request("%d is less than the minimum of %d - '%s'" % (v, mn, k))
            elif typ == "array":
                if not isinstance(v, list):
                    raise self._type_err(v, "array", k)
                for i, x in enumerate(v):
                    if not isinstance(x, str):
                        raise bad_request("%r is not of type 'string' - '%s.%d'" % (x, k, i))
            else:
                if not isinstance(v, str):
                    raise self._type_err(v, "string", k)
                if typ == "date-time":
                    try:
                        parse_dt(v)
                    except ValueError:
                        raise bad_request("%r is not a 'date-time' - '%s'" % (v, k))
        self.check_auth(req)
        unknown = {k: ["Unknown field."] for k in body if k not in self.BATCH_FIELDS}
        if unknown:
            raise bad_request(str(unknown))
        f = {"states": body.get("states")}
        for k in ("execution_date", "start_date", "end_date"):
            for s in ("_gte", "_lte"):
                f[k + s] = parse_dt(body[k + s]) if body.get(k + s) else None
        dag_ids = body.get("dag_ids")
        runs = [r for r in self.runs if not dag_ids or r["dag_id"] in dag_ids]
        runs = self._run_filters(runs, f)
        total = len(runs)
        off = body.get("page_offset", 0)
        lim = body.get("page_limit", 100)
        runs = self.order_runs(runs, body.get("order_by", "id"))[off:off + lim]
        return self.json_resp(req, 200, {"dag_runs": [self.public(r) for r in runs], "total_entries": total})

    def find_run(self, dag_id, run_id):
        return next((r for r in self.runs if r["dag_id"] == dag_id and r["dag_run_id"] == run_id), None)

    def h_run(self, req, method, auth, p):
        dag_id, run_id = p["dag_id"], p["run_id"]
        if method == "PATCH":
            body = self.json_body(req)
            if not isinstance(body, dict):
                raise bad_request("%r is not of type 'object'" % (body,))
            if "state" in body and body["state"] not in ("success", "failed", "queued"):
                raise bad_request("%r is not one of ['success', 'failed', 'queued'] - 'state'" % (body["state"],))
            self.check_auth(req)
            r = self.find_run(dag_id, run_id)
            if r is None:
                raise not_found("Dag Run id %s not found in dag %s" % (run_id, dag_id))
            unknown = {k: ["Unknown field."] for k in body if k != "state"}
            if unknown:
                raise bad_request(str(unknown))
            if "state" not in body:
                raise bad_request(str({"state": ["Missing data for required field."]}))
            self.set_run_state(r, body["state"])
            return self.json_resp(req, 200, self.public(r))
        fields = self.q_list(req, "fields")
        self.check_auth(req)
        r = self.find_run(dag_id, run_id)
        if r is None:
            raise not_found("DAGRun not found",
                            "DAGRun with DAG ID: '%s' and DagRun ID: '%s' not found" % (dag_id, run_id))
        out = self.public(r)
        if fields:
            bad = [x for x in fields if x not in out]
            if bad:
                raise bad_request("Invalid fields for <DAGRunSchema(many=False)>: %s." % (set(bad),),
                                  title="DAGRunSchema init error")
            out = {k: out[k] for k in fields}
        return self.json_resp(req, 200, out)

    def set_run_state(self, r, state):
        now = datetime.datetime.now(UTC)
        if r["state"] != state:
            r["state"] = state
            r["end_date"] = iso(now) if state in ("success", "failed") else None
        r["_updated"] = iso(now)
        tis = self.tis.get((r["dag_id"], r["dag_run_id"]), [])
        unfinished = (None, "scheduled", "queued", "up_for_retry", "up_for_reschedule", "deferred", "restarting")
        for ti in tis:
            if state == "success" and ti["state"] != "success":
                ti["state"] = "success"
                ti["end_date"] = iso(now)
                if ti["start_date"] is None:
                    ti["start_date"] = iso(now)
                ti["duration"] = round((now - parse_dt(ti["start_date"])).total_seconds(), 6)
            elif state == "failed":
                if ti["state"] == "running":
                    ti["state"] = "failed"
                    ti["end_date"] = iso(now)
                    ti["duration"] = round((now - parse_dt(ti["start_date"])).total_seconds(), 6)
                elif ti["state"] in unfinished:
                    ti["state"] = "skipped"
                    ti["end_date"] = iso(now)
                    ti["start_date"] = ti["start_date"] or iso(now)
                    ti["duration"] = 0.0 if ti["duration"] is None else ti["duration"]

    DAGRUN_RO = ("dag_id", "start_date", "end_date", "last_scheduling_decision", "run_type", "state",
                 "external_trigger")
    DAGRUN_RW = {"dag_run_id": "string", "logical_date": "date-time", "execution_date": "date-time",
                 "data_interval_start": "date-time", "data_interval_end": "date-time", "conf": "object",
                 "note": "string"}

    def trigger(self, req, dag_id):
        body = self.json_body(req)
        if not isinstance(body, dict):
            raise bad_request("%r is not of type 'object'" % (body,))
        for k in self.DAGRUN_RO:
            if k in body:
                raise bad_request("Property is read-only - '%s'" % k)
        for k, typ in self.DAGRUN_RW.items():
            if k not in body or body[k] is None:
                continue
            v = body[k]
            if typ == "object":
                if not isinstance(v, dict):
                    raise self._type_err(v, "object", k)
            elif not isinstance(v, str):
                raise self._type_err(v, "string", k)
            elif typ == "date-time":
                try:
                    parse_dt(v)
                except ValueError:
                    raise bad_request("%r is not a 'date-time' - '%s'" % (v, k))
        self.check_auth(req)
        dm = self.dags.get(dag_id)
        if dm is None:
            raise not_found("DAG not found", "DAG with dag_id: '%s' not found" % dag_id)
        if dm["has_import_errors"]:
            raise bad_request("DAG with dag_id: '%s' has import errors" % dag_id, title="DAG cannot be triggered")
        unknown = {k: ["Unknown field."] for k in body if k not in self.DAGRUN_RW}
        if unknown:
            raise bad_request(str(unknown))
        now = datetime.datetime.now(UTC)
        ld = body.get("logical_date") or body.get("execution_date")
        if body.get("logical_date") and body.get("execution_date") and \
                parse_dt(body["logical_date"]) != parse_dt(body["execution_date"]):
            raise bad_request(str({"_schema": ["logical_date conflicts with execution_date"]}))
        logical = parse_dt(ld) if ld else now
        run_id = body.get("dag_run_id") or "manual__" + iso(logical)
        dup = next((r for r in self.runs if r["dag_id"] == dag_id and
                    (r["dag_run_id"] == run_id or parse_dt(r["execution_date"]) == logical)), None)
        if dup is not None:
            if parse_dt(dup["execution_date"]) == logical:
                raise Problem(409, "Conflict", "DAGRun with DAG ID: '%s' and DAGRun logical date: '%s' already exists"
                              % (dag_id, logical.isoformat(sep=" ")))
            raise Problem(409, "Conflict", "DAGRun with DAG ID: '%s' and DAGRun ID: '%s' already exists" % (dag_id, run_id))
        si = dm["schedule_interval"]
        if si is None:
            start, end = logical, logical
        elif si.get("__type") == "TimeDelta":
            delta = datetime.timedelta(days=si["days"], seconds=si["seconds"], microseconds=si["microseconds"])
            start, end = logical - delta, logical
        else:
            parts = si["value"].split()
            minute, hour = int(parts[0]), int(parts[1])
            dow = None if parts[4] == "*" else int(parts[4])
            end = cron_prev(logical, minute, hour, dow)
            start = cron_prev(end - datetime.timedelta(seconds=1), minute, hour, dow)
        if body.get("data_interval_start") and body.get("data_interval_end"):
            start, end = parse_dt(body["data_interval_start"]), parse_dt(body["data_interval_end"])
        r = {
            "conf": body.get("conf") or {}, "dag_id": dag_id, "dag_run_id": run_id,
            "data_interval_end": iso(end), "data_interval_start": iso(start), "end_date": None,
            "execution_date": iso(logical), "external_trigger": True, "last_scheduling_decision": None,
            "logical_date": iso(logical), "note": body.get("note"), "run_type": "manual",
            "start_date": None, "state": "queued",
        }
        r = self._add_run(r)
        r["_updated"] = iso(now)
        self._gen_tis(r, [None] * len(self.DAG_TASKS.get(dag_id, [])))
        return self.json_resp(req, 200, self.public(r))

    # ---- clearing task instances (the tasks of a DAG are one chain here:
    # downstream of a task is every task after it)
    def h_clear(self, req, method, auth, p):
        body = self.json_body(req)
        if not isinstance(body, dict):
            raise bad_request("%r is not of type 'object'" % (body,))
        self.check_auth(req)
        dag_id = p["dag_id"]
        if dag_id not in self.dags:
            raise not_found("DAG not found", "DAG with dag_id: '%s' not found" % dag_id)
        dry, task_ids = body.get("dry_run", True), body.get("task_ids")
        only_failed, run_id = body.get("only_failed", True), body.get("dag_run_id")
        order = [t[0] for t in self.DAG_TASKS.get(dag_id, [])]
        names = set(task_ids or order)
        if task_ids and body.get("include_downstream"):
            known = [order.index(t) for t in task_ids if t in order]
            if known:
                names |= set(order[min(known):])
        picked = []
        for r in self.runs:
            if r["dag_id"] != dag_id or (run_id is not None and r["dag_run_id"] != run_id):
                continue
            for t in self.tis.get((dag_id, r["dag_run_id"]), []):
                if t["task_id"] in names and (not only_failed or t["state"] in ("failed", "upstream_failed")):
                    picked.append((r, t))
        if not dry:
            for r, t in picked:
                t.update(state=None, start_date=None, end_date=None, duration=None)
                if body.get("reset_dag_runs", True):
                    r.update(state="queued", end_date=None)
        refs = [{"dag_id": dag_id, "dag_run_id": r["dag_run_id"], "execution_date": r["execution_date"],
                 "task_id": t["task_id"]} for r, t in picked]
        return self.json_resp(req, 200, {"task_instances": refs})

    # ---- pools: the fixture's, as they are (nothing moves)
    def h_pools(self, req, method, auth, p):
        limit = self.q_int(req, "limit", 100)
        offset = self.q_int(req, "offset", 0, minimum=0)
        self.check_auth(req)
        limit = self.check_limit(limit)
        pools = FX("pools.json")["pools"]
        return self.json_resp(req, 200, {"pools": pools[offset:offset + limit], "total_entries": len(pools)})

    # ---- task instances
    def _ti_filters(self, req):
        f = {"state": self.q_list(req, "state"), "pool": self.q_list(req, "pool"), "queue": self.q_list(req, "queue")}
        for k in ("execution_date", "start_date", "end_date", "updated_at"):
            f[k + "_gte"] = self.q_dt(req, k + "_gte")
            f[k + "_lte"] = self.q_dt(req, k + "_lte")
        for k in ("duration_gte", "duration_lte"):
            v = req.arg(k)
            if v is not None:
                try:
                    f[k] = float(v)
                except ValueError:
                    raise bad_request("Wrong type, expected 'number' for query parameter '%s'" % k)
            else:
                f[k] = None
        return f

    def h_tis(self, req, method, auth, p):
        dag_id, run_id = p["dag_id"], p["run_id"]
        f = self._ti_filters(req)
        limit = self.q_int(req, "limit", 100)
        offset = self.q_int(req, "offset", 0, minimum=0)
        self.check_auth(req)
        limit = self.check_limit(limit)
        out = []
        for (d, r), tis in self.tis.items():
            if dag_id != "~" and d != dag_id:
                continue
            if run_id != "~" and r != run_id:
                continue
            out.extend(tis)
        if dag_id == "~" or run_id == "~":
            order = {(r["dag_id"], r["dag_run_id"]): r["_id"] for r in self.runs}
            out = sorted(out, key=lambda t: order.get((t["dag_id"], t["dag_run_id"]), 0))
        res = []
        for t in out:
            if f["state"]:
                want = [None if s == "none" else s for s in f["state"]]
                if t["state"] not in want:
                    continue
            if f["pool"] and t["pool"] not in f["pool"]:
                continue
            if f["queue"] and t["queue"] not in f["queue"]:
                continue
            if not self.in_range(t["execution_date"], f["execution_date_gte"], f["execution_date_lte"]):
                continue
            if not self.in_range(t["start_date"], f["start_date_gte"], f["start_date_lte"]):
                continue
            if not self.in_range(t["end_date"], f["end_date_gte"], f["end_date_lte"]):
                continue
            if f["duration_gte"] is not None and (t["duration"] is None or t["duration"] < f["duration_gte"]):
                continue
            if f["duration_lte"] is not None and (t["duration"] is None or t["duration"] > f["duration_lte"]):
                continue
            res.append(t)
        return self.json_resp(req, 200, {"task_instances": res[offset:offset + limit], "total_entries": len(res)})

    def find_ti(self, dag_id, run_id, task_id, map_index=-1):
        for t in self.tis.get((dag_id, run_id), []):
            if t["task_id"] == task_id and t["map_index"] == map_index:
                return t
        return None

    def h_ti(self, req, method, auth, p):
        self.check_auth(req)
        t = self.find_ti(p["dag_id"], p["run_id"], p["task_id"])
        if t is None:
            raise not_found("Task instance not found")
        return self.json_resp(req, 200, t)

    def h_log(self, req, method, auth, p):
        try:
            try_n = int(p["try_n"])
        except ValueError:
            raise bad_request("Wrong type, expected 'integer' for path parameter 'task_try_number'")
        full_content = self.q_bool(req, "full_content", False)
        map_index = self.q_int(req, "map_index", -1)
        token = req.arg("token")
        self.check_auth(req)
        metadata = {}
        if token:
            try:
                metadata = sign_loads(token)
                if not isinstance(metadata, dict):
                    raise ValueError
            except (ValueError, TypeError):
                raise bad_request(title="Bad Signature. Please use only the tokens provided by the API.")
        ti = self.find_ti(p["dag_id"], p["run_id"], p["task_id"], map_index)
        if ti is None:
            raise not_found(title="TaskInstance not found")
        key = (p["dag_id"], p["run_id"], p["task_id"], try_n)
        if key in self.logs:
            host, text = self._log_content(key)
        else:
            host = HOST if ti["hostname"] else ""
            path = "/opt/airflow/logs/dag_id=%s/run_id=%s/task_id=%s/attempt=%d.log" % key
            text = "*** Could not read served logs: Log file does not exist: %s\n" % path
        growing = self.logs.get(key, (None, None, None))[2] is not None
        end_of_log = not (growing and ti["try_number"] == try_n and ti["state"] in ("running", "deferred"))
        log_pos = len(text)
        if "log_pos" in metadata and not full_content and isinstance(metadata["log_pos"], int):
            text = text[metadata["log_pos"]:]
        if req.hostile:
            text = simcommon.hostile_str(text)
            host = simcommon.hostile_str(host)
        accept = self.best_accept(req.header("Accept"))
        if accept == "text/plain":
            body = (host + "\n" + text).encode("utf-8")
            if req.hostile:
                body += simcommon.HOSTILE_BYTE
            return Response(200, body, "text/plain")
        tok = sign_dumps({"end_of_log": end_of_log, "log_pos": log_pos})
        content = str([(host, text)])
        return self.json_resp(req, 200, {"content": content, "continuation_token": tok}, hostile_ok=False)

    @staticmethod
    def best_accept(header):
        """werkzeug MIMEAccept.best_match(["text/plain", "application/json"])."""
        if not header:
            return None
        offers = ["text/plain", "application/json"]
        items = []
        for part in header.split(","):
            bits = [b.strip() for b in part.split(";")]
            mt = bits[0].lower()
            if not mt:
                continue
            q = 1.0
            for b in bits[1:]:
                if b.lower().startswith("q="):
                    try:
                        q = float(b[2:])
                    except ValueError:
                        q = 0.0
            items.append((mt, q))
        best, best_q, best_spec = None, -1.0, (-1,)
        for offer in offers:
            for mt, q in items:
                if q <= 0:
                    continue
                if mt == "*/*" or mt == "*":
                    spec = (0,)
                elif mt.endswith("/*") and offer.split("/")[0] == mt.split("/")[0]:
                    spec = (1,)
                elif mt == offer:
                    spec = (2,)
                else:
                    continue
                if q > best_q or (q == best_q and spec > best_spec):
                    best, best_q, best_spec = offer, q, spec
        return best


def main(argv=None):
    return simcommon.main(AirflowApp, "Airflow 2.9 stable REST API simulator", argv)


if __name__ == "__main__":
    sys.exit(main())
