"""Airflow 3 (public REST API /api/v2) face of airflow_sim.py, stdlib only.

airflow_sim.py speaks it with ``--v3`` (every request) or in the request
mode ``v3`` (``/__mode/v3/`` in front of a path, or ``/__sim/set?mode=v3``).
Built on tests/fixtures/airflow/v2 (spec-derived from Airflow 3's OpenAPI
document, see its README) over the same seeded world as v1:

  POST /auth/token            {"username","password"} -> 201 {"access_token"}
                              (401 {"detail": "Invalid credentials"})
  GET  /api/v2/version        (no auth)
  GET  /api/v2/monitor/health (no auth; dag_processor added)
  every v1 route the simulator has, under /api/v2, with a bearer token:
  missing -> 401 "Not authenticated", unknown -> 403 "Forbidden", issued
  before the last /__sim/reset -> 401 "Token Expired" (a reset expires every
  token, as if its JWT expiry had passed: how tests make a token expire).
  Answers in v2 shapes: runs without execution_date (logical_date null for a
  run triggered without one), run_after, dag_display_name, triggered_by,
  dag_versions; task instances with id, run_after, logical_date; task logs
  as structured JSON entries (the v1 text parsed back: levels, loggers,
  tracebacks as error_detail); errors as FastAPI's {"detail": ...}, limit<0
  as a 422 detail list.  /api/v1 answers 404 (gone in Airflow 3).
  Output is compact JSON as FastAPI writes it.
"""

import base64
import hashlib
import json
import re
import urllib.parse

from simcommon import Request, Response

TRIGGERED_BY = {"manual": "rest_api", "scheduled": "timetable", "backfill": "backfill",
                "dataset_triggered": "asset"}
RUN_ORDER = {"run_after": "execution_date", "logical_date": "execution_date"}
LINE = re.compile(r"^\[(?P<ts>[^\]]+)\] \{(?P<src>[^}]*)\} (?P<lvl>[A-Z]+) - (?P<msg>.*)$")
FRAME = re.compile(r'^\s+File "(?P<f>[^"]*)", line (?P<n>\d+), in (?P<name>.*)$')


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def detail(status, text, headers=None):
    return Response(status, dumps({"detail": text}), "application/json", headers)


def zulu(s):
    """"2024-01-29T03:00:00+00:00" as Airflow 3 writes it: "...Z"."""
    return s[:-6] + "Z" if isinstance(s, str) and s.endswith("+00:00") else s


def uuid_of(*parts):
    h = hashlib.sha1("/".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return "%s-%s-7%s-a%s-%s" % (h[:8], h[8:12], h[13:16], h[17:20], h[20:32])


class V3(object):
    def __init__(self, app, sign_dumps, parse_dt, sign_loads):
        self.app = app
        self.sign_dumps = sign_dumps
        self.sign_loads = sign_loads
        self.parse_dt = parse_dt
        self.tokens = {}   # token -> epoch it was issued in
        self.epoch = 0

    def reset(self):
        self.epoch += 1

    # ------------------------------------------------------------ entry
    def handle(self, req):
        path = req.path
        if path == "/auth/token":
            return self.token(req)
        if path == "/api/v2/version":
            return Response(200, dumps(self.app.FX_V2("version.json")), "application/json")
        if path == "/api/v2/monitor/health":
            return self.health(req)
        if not path.startswith("/api/v2/"):
            return detail(404, "Not Found")
        bad = self.check_bearer(req)
        if bad is not None:
            return bad
        return self.forward(req)

    def token(self, req):
        if req.method != "POST":
            return detail(405, "Method Not Allowed")
        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            return Response(422, dumps({"detail": [{"type": "json_invalid", "loc": ["body", 0],
                                                    "msg": "JSON decode error", "input": {}}]}),
                            "application/json")
        if not isinstance(body, dict) or body.get("username") != self.app.user or \
                body.get("password") != self.app.password:
            return detail(401, "Invalid credentials")
        tok = "sim3." + base64.urlsafe_b64encode(hashlib.sha256(
            ("%d/%d" % (self.epoch, len(self.tokens))).encode()).digest()).decode().rstrip("=")
        self.tokens[tok] = self.epoch
        return Response(201, dumps({"access_token": tok}), "application/json")

    def check_bearer(self, req):
        h = req.header("Authorization") or ""
        if h[:7].lower() != "bearer ":
            return detail(401, "Not authenticated", [("WWW-Authenticate", "Bearer")])
        epoch = self.tokens.get(h[7:].strip())
        if epoch is None:
            return detail(403, "Forbidden")
        if epoch != self.epoch:
            return detail(401, "Token Expired", [("WWW-Authenticate", "Bearer")])
        return None

    def health(self, req):
        resp = self.app.h_health(req, "GET", False, {})
        body = json.loads(resp.body)
        hb = body["scheduler"].get("latest_scheduler_heartbeat")
        body["dag_processor"] = {"status": "healthy" if hb else None,
                                 "latest_dag_processor_heartbeat": hb}
        return Response(200, dumps(body), "application/json")

    # ------------------------------------------------------------ the v1 routes in v2 clothes
    def forward(self, req):
        sub = req.path[len("/api/v2"):]
        args = dict(req.args)
        if "limit" in args:
            try:
                if int(args["limit"][0]) < 0:
                    return Response(422, dumps(self.app.FX_V2("error-422-limit.json")),
                                    "application/json")
            except ValueError:
                pass
        if "order_by" in args:
            args["order_by"] = [self.order(v) for v in args["order_by"]]
        body = req.body
        trig_null = False
        if req.method == "POST" and re.match(r"^/dags/[^/]+/dagRuns$", sub):
            try:
                b = json.loads(body or b"{}")
                if isinstance(b, dict) and "logical_date" in b and b["logical_date"] is None:
                    del b["logical_date"]
                    trig_null = True
                body = json.dumps(b).encode("utf-8")
            except ValueError:
                pass
        raw = urllib.parse.quote("/api/v1" + sub, safe="/~") + \
            ("?" + urllib.parse.urlencode(args, doseq=True) if args else "")
        cred = base64.b64encode(("%s:%s" % (self.app.user, self.app.password)).encode()).decode()
        headers = {"Authorization": "Basic " + cred}
        for k in ("Content-Type", "Accept"):
            if req.header(k):
                headers[k] = req.header(k)
        if "/logs/" in sub:
            headers["Accept"] = "text/plain"
        inner = Request(req.method, raw, headers, body, False, "inner")
        inner.hostile = req.hostile
        resp = self.app.handle(inner)
        return self.convert(sub, resp, trig_null, req.arg("token"))

    @staticmethod
    def order(v):
        desc = v.startswith("-")
        f = v.lstrip("-")
        return ("-" if desc else "") + RUN_ORDER.get(f, f)

    def convert(self, sub, resp, trig_null, token=None):
        ctype = dict(resp.headers).get("Content-Type", "")
        if resp.status >= 300:
            try:
                p = json.loads(resp.body)
                text = p.get("detail") or p.get("title")
            except ValueError:
                text = resp.body.decode("utf-8", "replace")
            if resp.status == 400 and "Page limit" in (text or ""):
                return Response(422, dumps(self.app.FX_V2("error-422-limit.json")), "application/json")
            return detail(resp.status, text)
        if "/logs/" in sub:
            return self.log(sub, resp, token)
        if not ctype.startswith("application/json"):
            return resp
        obj = json.loads(resp.body)
        if "dag_runs" in obj:
            obj["dag_runs"] = [self.run(r) for r in obj["dag_runs"]]
        elif "task_instances" in obj:
            obj["task_instances"] = [self.ti(t) for t in obj["task_instances"]]
        elif "dags" in obj:
            obj["dags"] = [self.dag(d) for d in obj["dags"]]
        elif "dag_run_id" in obj:
            obj = self.run(obj, trig_null)
        elif "task_id" in obj:
            obj = self.ti(obj)
        elif "is_paused" in obj:
            obj = self.dag(obj)
        return Response(resp.status, dumps(obj), "application/json")

    def display(self, dag_id):
        d = self.app.dags.get(dag_id) or {}
        return d.get("dag_display_name") or dag_id

    def versions(self, dag_id):
        return [{"id": uuid_of("dagversion", dag_id), "version_number": 1, "dag_id": dag_id,
                 "bundle_name": "dags-folder", "bundle_version": None,
                 "created_at": "2024-01-20T09:12:44.512311Z",
                 "dag_display_name": self.display(dag_id), "bundle_url": None}]

    def run(self, r, trig_null=False):
        logical = None if trig_null else zulu(r.get("logical_date"))
        after = zulu(r.get("data_interval_end") if r.get("run_type") == "scheduled"
                     else r.get("logical_date"))
        dur = None
        if r.get("start_date") and r.get("end_date"):
            dur = (self.parse_dt(r["end_date"]) - self.parse_dt(r["start_date"])).total_seconds()
        return {"dag_run_id": r["dag_run_id"], "dag_id": r["dag_id"], "logical_date": logical,
                "queued_at": zulu(r.get("start_date") or r.get("logical_date")),
                "start_date": zulu(r.get("start_date")), "end_date": zulu(r.get("end_date")),
                "duration": dur,
                "data_interval_start": None if trig_null else zulu(r.get("data_interval_start")),
                "data_interval_end": None if trig_null else zulu(r.get("data_interval_end")),
                "run_after": after, "last_scheduling_decision": zulu(r.get("last_scheduling_decision")),
                "run_type": "asset_triggered" if r.get("run_type") == "dataset_triggered"
                else r.get("run_type"),
                "state": r.get("state"), "triggered_by": TRIGGERED_BY.get(r.get("run_type")),
                "triggering_user_name": "admin" if r.get("run_type") == "manual" else None,
                "conf": r.get("conf"), "note": r.get("note"),
                "dag_versions": self.versions(r["dag_id"]), "bundle_version": None,
                "dag_display_name": self.display(r["dag_id"])}

    def ti(self, t):
        out = {"id": uuid_of("ti", t.get("dag_id"), t.get("dag_run_id"), t.get("task_id"),
                             t.get("map_index")),
               "task_id": t.get("task_id"), "dag_id": t.get("dag_id"),
               "dag_run_id": t.get("dag_run_id"), "map_index": t.get("map_index", -1),
               "logical_date": zulu(t.get("execution_date")),
               "run_after": zulu(t.get("execution_date"))}
        for k in ("start_date", "end_date", "queued_when"):
            out[k] = zulu(t.get(k))
        for k in ("duration", "state", "try_number", "max_tries", "task_display_name",
                  "hostname", "unixname", "pool", "pool_slots", "queue", "priority_weight",
                  "operator", "pid", "executor", "executor_config", "note", "rendered_map_index"):
            out[k] = t.get(k)
        out["hostname"] = out["hostname"] or None
        out["dag_display_name"] = self.display(t.get("dag_id"))
        out["operator_name"] = t.get("operator")
        out["scheduled_when"] = None
        out["rendered_fields"] = {}
        out["trigger"] = out["triggerer_job"] = None
        out["dag_version"] = self.versions(t.get("dag_id"))[0]
        return out

    def dag(self, d):
        out = {k: v for k, v in d.items() if k not in (
            "schedule_interval", "is_active", "root_dag_id", "is_subdag", "default_view",
            "scheduler_lock", "pickle_id", "last_pickled", "file_token", "timetable_description")}
        out["is_stale"] = not d.get("is_active", True)
        out["timetable_summary"] = (d.get("schedule_interval") or {}).get("value")
        out["timetable_description"] = d.get("timetable_description")
        out["bundle_name"] = "dags-folder"
        out["bundle_version"] = None
        out["tags"] = [{"name": t.get("name"), "dag_id": d.get("dag_id")} for t in d.get("tags") or []]
        for k in ("next_dagrun", "next_dagrun_create_after", "next_dagrun_data_interval_start",
                  "next_dagrun_data_interval_end", "last_parsed_time", "last_expired"):
            if k in out:
                out[k] = zulu(out[k])
        if "next_dagrun" in out:
            out["next_dagrun_logical_date"] = out.pop("next_dagrun")
        if "next_dagrun_create_after" in out:
            out["next_dagrun_run_after"] = out.pop("next_dagrun_create_after")
        return out

    # ------------------------------------------------------------ logs: the v1 text as entries
    def log(self, sub, resp, token=None):
        """With token (a continuation_token): only what came after it, no
        source group; the new token holds the position in the whole log."""
        text = resp.body.decode("utf-8", "replace")
        host, _, text = text.partition("\n")
        base = 0
        if token:
            try:
                base = int(self.sign_loads(token).get("log_pos", 0))
            except (ValueError, TypeError, AttributeError):
                base = 0
        m = re.match(r"^/dags/([^/]+)/dagRuns/([^/]+)/taskInstances/([^/]+)/logs/(\d+)$", sub)
        src = "/opt/airflow/logs/dag_id=%s/run_id=%s/task_id=%s/attempt=%s.log" % m.groups() \
            if m else "?"
        entries = [] if token else [{"event": "::group::Log message source details",
                                     "sources": [src]}, {"event": "::endgroup::"}]
        tb = None
        for line in text.split("\n"):
            lm = LINE.match(line)
            if lm:
                tb = None
                ts = lm.group("ts")
                ts = ts[:-5] + "Z" if ts.endswith("+0000") else ts
                entries.append({"timestamp": ts, "event": lm.group("msg"),
                                "level": lm.group("lvl").lower(), "logger": "airflow.task"})
            elif line.startswith("Traceback") and len(entries) > 2:
                tb = {"exc_type": "", "exc_value": "", "exc_notes": [], "syntax_error": None,
                      "is_cause": False, "frames": [], "is_group": False, "exceptions": []}
                entries[-1].setdefault("error_detail", []).append(tb)
            elif tb is not None and FRAME.match(line):
                fm = FRAME.match(line)
                tb["frames"].append({"filename": fm.group("f"), "lineno": int(fm.group("n")),
                                     "name": fm.group("name")})
            elif tb is not None and line and not line.startswith(" "):
                t, _, v = line.partition(": ")
                tb["exc_type"], tb["exc_value"] = t, v
                tb = None
            elif line and tb is None:
                entries.append({"event": line})
        tok = self.sign_dumps({"end_of_log": True, "log_pos": base + len(text)})
        return Response(200, dumps({"content": entries, "continuation_token": tok}),
                        "application/json")
