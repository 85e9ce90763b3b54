#!/usr/bin/env python3
"""MLflow 2.12.2 tracking/registry server simulator (python3 stdlib only).

Answers like the real server captured in tests/fixtures/mlflow/ (see its
README.md): REST 2.0 under ``/api/2.0/mlflow/...`` and the same handlers under
``/ajax-api/2.0/mlflow/...``, gunicorn-style ``Connection: close`` on every
answer, pretty-printed (2-space) protobuf JSON for successes, single-line
``{"error_code", "message"}`` errors with the captured status codes, Flask HTML
for 404 (unknown route) and 405 (wrong method).

Routes
  GET  /health, /version                           text/html "OK" / "2.12.2"
  GET|POST experiments/search                      max_results REQUIRED (captured 400)
  GET  experiments/get, experiments/get-by-name
  POST runs/search                                 filter grammar subset, order_by,
                                                   run_view_type, page_token {"offset": N}
  GET  runs/get (run_id or legacy run_uuid)
  GET  metrics/get-history (all points), metrics/get-history-bulk-interval
  GET  artifacts/list (run_id, path)
  GET  /api/2.0/mlflow-artifacts/artifacts?path=   proxy listing
  GET  /api/2.0/mlflow-artifacts/artifacts/<path>  proxy download
  GET  /get-artifact?path=&run_uuid=               UI download
  GET  registered-models/search, registered-models/get
  GET|POST registered-models/get-latest-versions
  GET|POST|DELETE registered-models/alias          get-by-alias / set / delete
  GET  model-versions/search, model-versions/get, model-versions/get-download-uri
  POST model-versions/transition-stage

Data (deterministic from --seed): the 31 captured runs verbatim (experiments 1-4,
same ids, same bodies) plus generated runs -- a second 96-trial HPO sweep and
weekly retrains in fraud-detection-xgb, 150 nightly runs in churn-prediction,
a 24-run LoRA grid in llm-summarizer-finetune -- about 314 runs in all, with
metric histories (30-100 steps; the captured histories are served verbatim and
generated ones end exactly on each run's latest value), params, tags, dataset
inputs and per-run artifact trees whose bytes the artifact routes serve.  The
registry is the captured one (fraud-detector v1..v4 with aliases champion /
challenger, churn-model, summarizer-lora).  Writes (alias set/delete,
transition-stage) change the in-memory state.

Flags (besides the common ones in simcommon.py):
  --big-runs N      add experiment "perf-big" (id 5) with N runs, built compactly
                    (histories and JSON made on demand); N=10000 starts in well
                    under 2 s.
  --fixtures-only   seed only what was captured (the 31 runs); with --big-runs the
                    big experiment is named "perf-1000-runs" like in the capture,
                    so captured search responses can be compared byte for byte.

Leaves out: every write endpoint except the three above (no create/update/delete
of experiments, runs, metrics, models; no artifact upload), graphql, the
Databricks-only endpoints, the UI static files, traces, authentication, and
sqlparse corner cases of the filter grammar (only AND-ed comparisons of
identifiers with quoted strings / numbers / IN lists are understood).
Error messages for cases that were not captured follow the MLflow source.
"""

import base64
import datetime
import json
import math
import os
import random
import re
import shlex
import struct
import sys
import threading
import time
import zlib

sys.dont_write_bytecode = True      # keep the source tree free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simcommon  # noqa: E402
from simcommon import Response, json_response, hostilize  # noqa: E402

MLFLOW_VERSION = "2.12.2"
DBL_MAX = 1.7976931348623157e308
SEARCH_MAX_RESULTS_THRESHOLD = 50000
RUNS_DEFAULT_MAX_RESULTS = 1000
RM_DEFAULT_MAX_RESULTS = 100
RM_MAX_RESULTS = 1000
MV_DEFAULT_MAX_RESULTS = 10000
MV_MAX_RESULTS = 200000
BULK_MAX_RUNS = 100
BULK_MAX_RESULTS = 2500

HTML_404 = simcommon.load_fixture_text("mlflow", "error-unknown-endpoint.html")
HTML_405 = simcommon.load_fixture_text("mlflow", "error-method-not-allowed.html")
HTML_500 = ("<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
            "<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and "
            "was unable to complete your request. Either the server is overloaded or there is "
            "an error in the application.</p>\n")
HTML_CT = "text/html; charset=utf-8"

# Keys whose string values are names / versions / messages (hostile mode).
HOSTILE_KEYS = frozenset(["name", "run_name", "user_id", "key", "value", "description",
                          "message", "version", "alias", "aliases", "path"])

# Set reprs used in MLflow's comparator messages (Python set order; the metric
# one and the string-attribute one are the captured ones).
METRIC_CMP_REPR = "{'!=', '<=', '>=', '<', '=', '>'}"
STRING_CMP_REPR = "{'!=', '=', 'LIKE', 'ILIKE'}"
STRING_ATTR_CMP_REPR = "{'ILIKE', '!=', 'NOT IN', 'LIKE', '=', 'IN'}"
RUN_SEARCH_ATTRS = ["artifact_uri", "end_time", "run_id", "run_name", "start_time",
                    "status", "user_id"]
RUN_ORDER_ATTRS = RUN_SEARCH_ATTRS + ["created", "Created"]
RUN_STRING_ATTRS = {"artifact_uri", "run_id", "run_name", "status", "user_id"}
RUN_NUMERIC_ATTRS = {"start_time", "end_time", "created", "Created"}
ENTITY_TYPES = {"metric": "metric", "metrics": "metric",
                "parameter": "parameter", "parameters": "parameter", "param": "parameter",
                "params": "parameter",
                "tag": "tag", "tags": "tag",
                "attribute": "attribute", "attributes": "attribute", "attr": "attribute",
                "run": "attribute",
                "dataset": "dataset", "datasets": "dataset"}
VIEW_TYPES = {"ACTIVE_ONLY": 1, "DELETED_ONLY": 2, "ALL": 3, "1": 1, "2": 2, "3": 3}
STAGES = ["None", "Staging", "Production", "Archived"]
TEXT_EXTENSIONS = {"txt", "log", "err", "cfg", "conf", "cnf", "cf", "ini", "properties",
                   "prop", "hocon", "toml", "yaml", "yml", "xml", "sh", "bash", "py", "csv",
                   "tsv", "json", "md", "rst", "MLmodel", "jsonnet"}

CAPTURE_CLOCK_MS = 1795456200000   # a little after the last captured write


def now_ms():
    return int(time.time() * 1000)


# ---------------------------------------------------------------------------
# errors


class MlflowError(Exception):
    def __init__(self, message, code="INVALID_PARAMETER_VALUE", status=None):
        Exception.__init__(self, message)
        self.message = message
        self.code = code
        if status is None:
            status = {"INVALID_PARAMETER_VALUE": 400, "RESOURCE_DOES_NOT_EXIST": 404,
                      "RESOURCE_ALREADY_EXISTS": 400, "BAD_REQUEST": 400,
                      "INTERNAL_ERROR": 500}.get(code, 500)
        self.status = status


def not_found(message):
    return MlflowError(message, "RESOURCE_DOES_NOT_EXIST")


def internal(message):
    return MlflowError(message, "INTERNAL_ERROR")


def missing_param(name):
    return MlflowError("Missing value for required parameter '%s'. See the API docs for more "
                       "information about request parameters." % name)


def bad_param_value(name, value):
    tname = {bool: "bool", int: "int", float: "float", str: "str", list: "list",
             dict: "dict"}.get(type(value), type(value).__name__)
    if value is None:
        tname = "NoneType"
    return MlflowError("Invalid value %s for parameter '%s' supplied. Hint: Value was of type "
                       "'%s'. See the API docs for more information about request "
                       "parameters." % (_pyrepr_plain(value), name, tname))


def _pyrepr_plain(v):
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, (list, dict)):
        return repr(v)
    return str(v)


# ---------------------------------------------------------------------------
# small helpers


def _first_page(req):
    """The request without its page_token (endless mode answers every page
    as the first)."""
    req.args.pop("page_token", None)
    if req.body and req.method == "POST":
        try:
            body = json.loads(req.body.decode("utf-8"))
            body.pop("page_token", None)
            req.body = json.dumps(body).encode()
        except ValueError:
            pass
    return req


def b64_token(offset):
    return base64.b64encode(json.dumps({"offset": offset}).encode()).decode()


def parse_page_token(token):
    """MLflow's SearchUtils.parse_start_offset_from_page_token."""
    if not token:
        return 0
    try:
        decoded = base64.b64decode(token)
    except Exception:
        raise MlflowError("Invalid page token, could not base64-decode")
    try:
        parsed = json.loads(decoded)
    except ValueError:
        raise MlflowError("Invalid page token, decoded value=%r" % (decoded,))
    if not isinstance(parsed, dict):
        raise MlflowError("Invalid page token, parsed value=%r" % (parsed,))
    offset_str = parsed.get("offset")
    if not offset_str:
        raise MlflowError("Invalid page token, parsed value=%r" % (parsed,))
    try:
        offset = int(offset_str)
    except (TypeError, ValueError):
        raise MlflowError("Invalid page token, not stringable %s" % (offset_str,))
    if offset < 0:
        raise MlflowError("Invalid page token, offset %s is negative" % offset)
    return offset


def metric_num(v):
    """Numeric view of a stored metric value ("NaN" string -> nan)."""
    if isinstance(v, str):
        return float(v)
    return v


def metric_out(v):
    """Wire form: NaN -> "NaN", +-Inf clamped to +-DBL_MAX like the SQLite store."""
    if isinstance(v, str):
        return v
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return DBL_MAX if v > 0 else -DBL_MAX
    return v


def ms_to_utc(ms, fmt="%Y-%m-%d %H:%M:%S"):
    return datetime.datetime.fromtimestamp(ms / 1000.0, datetime.timezone.utc).strftime(fmt)


def hexid(rng, bits=128):
    return "%0*x" % (bits // 4, rng.getrandbits(bits))


def like_to_regex(pattern, flags=0):
    """SQL LIKE -> regex, as SearchUtils._convert_like_pattern_to_regex (escaped)."""
    out = []
    for ch in pattern:
        if ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.compile("^" + "".join(out) + "$", flags | re.DOTALL)


def cmp_values(comparator, lhs, rhs):
    if comparator == "=":
        return lhs == rhs
    if comparator == "!=":
        return lhs != rhs
    if comparator == ">":
        return lhs > rhs
    if comparator == ">=":
        return lhs >= rhs
    if comparator == "<":
        return lhs < rhs
    if comparator == "<=":
        return lhs <= rhs
    if comparator == "LIKE":
        return like_to_regex(rhs).match(lhs) is not None
    if comparator == "ILIKE":
        return like_to_regex(rhs, re.IGNORECASE).match(lhs) is not None
    if comparator == "IN":
        return lhs in rhs
    if comparator == "NOT IN":
        return lhs not in rhs
    raise internal("Invalid comparator '%s'" % comparator)


# ---------------------------------------------------------------------------
# filter grammar (subset of what MLflow parses with sqlparse)

_TOKEN_RE = re.compile(r"""
  (?P<ws>\s+)
| (?P<str>'(?:[^']|'')*'|"(?:[^"]|"")*")
| (?P<num>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)
| (?P<op>[<>=!]+)
| (?P<lpar>\() | (?P<rpar>\)) | (?P<comma>,)
| (?P<ident>(?:[A-Za-z_][\w]*|`[^`]*`)(?:\.(?:[A-Za-z_][\w]*|`[^`]*`|"[^"]*"))*)
| (?P<other>.)
""", re.VERBOSE | re.DOTALL)

_KEYWORDS = {"AND", "LIKE", "ILIKE", "IN", "NOT", "OR"}


class Tok(object):
    __slots__ = ("kind", "text")

    def __init__(self, kind, text):
        self.kind = kind
        self.text = text

    def __repr__(self):
        return self.text


def tokenize(s):
    toks = []
    for m in _TOKEN_RE.finditer(s):
        kind = m.lastgroup
        text = m.group(kind)
        if kind == "ws":
            continue
        if kind == "ident" and text.upper() in _KEYWORDS:
            kind, text = "kw", text.upper()
        toks.append(Tok(kind, text))
    return toks


def _strip_quotes(value, expect_quoted=False):
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1].replace(value[0] * 2, value[0])
    if expect_quoted:
        raise MlflowError("Parameter value is either not quoted or unidentified quote types "
                          "used for string value %s. Use either single or double quotes."
                          % value)
    return value


def _trim_backticks(s):
    if len(s) >= 2 and s[0] == "`" and s[-1] == "`":
        return s[1:-1]
    return s


def parse_filter(filter_string, clause_quote=True):
    """Return a list of comparisons {ident, comparator, value_tok | values}.

    ``clause_quote``: runs/experiments quote invalid tokens in the error message,
    the registry search does not."""
    if not filter_string or not filter_string.strip():
        return []
    toks = tokenize(filter_string)
    comps, invalid = [], []
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        if t.kind == "kw" and t.text == "AND":
            i += 1
            continue
        if t.kind == "ident" and i + 1 < n:
            nxt = toks[i + 1]
            # ident (op|LIKE|ILIKE) value
            if (nxt.kind == "op" or (nxt.kind == "kw" and nxt.text in ("LIKE", "ILIKE"))) \
                    and i + 2 < n and toks[i + 2].kind in ("str", "num", "ident"):
                comps.append({"ident": t.text, "comparator": nxt.text, "value": toks[i + 2]})
                i += 3
                continue
            # ident [NOT] IN ( list )
            j = i + 1
            comparator = None
            if nxt.kind == "kw" and nxt.text == "IN":
                comparator, j = "IN", i + 2
            elif nxt.kind == "kw" and nxt.text == "NOT" and i + 2 < n and \
                    toks[i + 2].kind == "kw" and toks[i + 2].text == "IN":
                comparator, j = "NOT IN", i + 3
            if comparator and j < n and toks[j].kind == "lpar":
                k = j + 1
                values = []
                ok = True
                while k < n and toks[k].kind != "rpar":
                    if toks[k].kind == "comma":
                        k += 1
                        continue
                    if toks[k].kind != "str":
                        ok = False
                    values.append(toks[k])
                    k += 1
                if k < n and ok:
                    comps.append({"ident": t.text, "comparator": comparator, "values":
                                  [_strip_quotes(v.text) for v in values]})
                    i = k + 1
                    continue
                if k < n and not ok:
                    raise MlflowError("While parsing a list in the query, expected string "
                                      "value, punctuation, or whitespace, but got different "
                                      "type in list: %s" % ", ".join(v.text for v in values))
        invalid.append(t)
        i += 1
    if invalid:
        if clause_quote:
            txt = ", ".join("'%s'" % t.text for t in invalid)
        else:
            txt = ", ".join(t.text for t in invalid)
        raise MlflowError("Invalid clause(s) in filter string: %s" % txt)
    return comps


def split_identifier(identifier, default_type="attribute"):
    """'tags.`mlflow.user`' -> ('tag', 'mlflow.user')."""
    parts = identifier.split(".", 1)
    if len(parts) == 1:
        etype, key = default_type, parts[0]
    else:
        etype, key = parts
    raw_type = _trim_backticks(etype)
    if len(parts) == 2:
        if raw_type not in ENTITY_TYPES:
            raise MlflowError("Invalid entity type '%s'. Valid values are ['metric', "
                              "'parameter', 'tag', 'attribute', 'dataset']" % raw_type)
        etype = ENTITY_TYPES[raw_type]
    key = _trim_backticks(_strip_quotes(key))
    return etype, key


def _set_repr(items):
    return "{" + ", ".join("'%s'" % x for x in items) + "}"


def parse_run_filter(filter_string):
    """Validate like SearchUtils + SqlAlchemyStore; return evaluable clauses."""
    clauses = []
    for comp in parse_filter(filter_string):
        etype, key = split_identifier(comp["ident"])
        if etype == "attribute" and key not in RUN_SEARCH_ATTRS + ["created", "Created"]:
            raise MlflowError("Invalid attribute key '%s' specified. Valid keys are '%s'"
                              % (key, _set_repr(RUN_SEARCH_ATTRS + ["created", "Created"])))
        if etype == "dataset" and key not in ("name", "digest", "context"):
            raise MlflowError("Invalid dataset key '%s' specified. Valid keys are "
                              "'{'name', 'digest', 'context'}'" % key)
        if key in ("created", "Created"):
            key = "start_time"
        comparator = comp["comparator"].upper()
        if "values" in comp:
            if not (etype == "attribute" and key == "run_id") and etype != "dataset":
                raise MlflowError("Only the 'run_id' attribute supports comparison with a "
                                  "list of quoted string values.")
            value = comp["values"]
        else:
            tok = comp["value"]
            if etype == "metric":
                if tok.kind != "num":
                    raise MlflowError("Expected numeric value type for metric. Found %s"
                                      % tok.text)
                value = float(tok.text)
            elif etype in ("parameter", "tag"):
                if tok.kind == "num":
                    raise MlflowError("Expected a quoted string value for %s (e.g. "
                                      "'my-value'). Got value %s" % (etype, tok.text))
                value = _strip_quotes(tok.text, expect_quoted=True)
            elif etype == "attribute" and key in RUN_NUMERIC_ATTRS:
                if tok.kind != "num":
                    raise MlflowError("Expected numeric value type for numeric attribute: "
                                      "%s. Found %s" % (key, tok.text))
                value = int(float(tok.text))
            else:
                if tok.kind == "num":
                    raise MlflowError("Expected a quoted string value for attributes. Got "
                                      "value %s" % tok.text)
                value = _strip_quotes(tok.text, expect_quoted=True)
        # comparator validation (the error codes / message typos are MLflow's)
        if etype == "metric":
            if comparator not in (">", ">=", "!=", "=", "<", "<="):
                raise MlflowError("Invalid comparator '%s' not one of '%s"
                                  % (comp["comparator"], METRIC_CMP_REPR))
        elif etype == "parameter":
            if comparator not in ("!=", "=", "LIKE", "ILIKE"):
                raise MlflowError("Invalid comparator '%s' not one of '%s'"
                                  % (comp["comparator"], STRING_CMP_REPR))
        elif etype == "tag":
            if comparator not in ("!=", "=", "LIKE", "ILIKE"):
                raise internal("Invalid comparator '%s' not one of '%s"
                               % (comp["comparator"], STRING_CMP_REPR))
        elif etype == "attribute" and key in RUN_NUMERIC_ATTRS:
            if comparator not in (">", ">=", "!=", "=", "<", "<="):
                raise internal("Invalid comparator '%s' not one of '%s"
                               % (comp["comparator"], STRING_ATTR_CMP_REPR))
        elif etype in ("attribute", "dataset"):
            if comparator not in ("!=", "=", "LIKE", "ILIKE", "IN", "NOT IN"):
                raise internal("Invalid comparator '%s' not one of '%s'"
                               % (comp["comparator"], STRING_ATTR_CMP_REPR))
        clauses.append((etype, key, comparator, value))
    return clauses


def parse_order_by(clause, valid_attrs, default_type="attribute"):
    """SearchUtils._parse_order_by_string + _get_identifier -> (type, key, asc)."""
    try:
        tokens = shlex.split(clause.replace("`", '"'))
    except ValueError:
        raise MlflowError("Invalid order_by clause '%s'. Could not be parsed." % clause)
    if not tokens or len(tokens) > 2:
        raise MlflowError("Invalid order_by clause '%s'. Could not be parsed." % clause)
    asc = True
    if len(tokens) == 2:
        d = tokens[1].lower()
        if d not in ("asc", "desc"):
            raise MlflowError("Invalid ordering key in order_by clause '%s'." % clause)
        asc = d == "asc"
    etype, key = split_identifier(tokens[0].strip(), default_type)
    if etype == "attribute" and key not in valid_attrs:
        raise MlflowError("Invalid attribute key '%s' specified. Valid keys are '%s'"
                          % (key, _set_repr(valid_attrs)))
    return etype, key, asc


def ordered(items, clauses, value_fn, tiebreak):
    """SQL-like ORDER BY: for each clause, rows with a value come first (sorted
    in the clause's direction), then NaN metrics, then nulls, whatever the
    direction; ``tiebreak`` (ascending key) decides the rest."""
    items = sorted(items, key=tiebreak)
    for etype, key, asc in reversed(clauses):
        groups = ([], [], [])
        for it in items:
            v, grp = value_fn(it, etype, key)
            groups[grp].append((v, it))
        groups[0].sort(key=lambda p: p[0], reverse=not asc)
        items = [it for g in groups for _, it in g]
    return items


# ---------------------------------------------------------------------------
# curves


UP_WORDS = ("auc", "acc", "f1", "precision", "recall", "rouge", "bleu", "score")
FLAT_WORDS = ("learning_rate", "lr", "gpu_mem", "throughput", "tokens_per_s")


def curve_kind(key):
    k = key.lower()
    if k == "learning_rate" or k == "lr":
        return "const"
    if any(w in k for w in FLAT_WORDS):
        return "flat"
    if any(w in k for w in UP_WORDS):
        return "up"
    return "down"


def _usable(v):
    """Finite and not the DBL_MAX that +Inf is clamped to."""
    v = metric_num(v)
    return math.isfinite(v) and abs(v) < 1e300


def gen_curve(key, steps, anchors, rng):
    """Values for ``steps`` (sorted ints) passing exactly through ``anchors``
    {step: value} (must contain the last step).  Anchors may be "NaN"/inf."""
    kind = curve_kind(key)
    last = steps[-1]
    final = anchors[last]
    fnum = metric_num(final)
    if not _usable(fnum):
        finite = [metric_num(v) for s, v in sorted(anchors.items()) if _usable(v)]
        fnum = finite[-1] if finite else 0.5
    if 0 not in anchors and steps[0] not in anchors:
        if kind == "up":
            start = max(0.02, min(fnum * 0.35, fnum - 0.2)) if fnum > 0 else fnum - 0.5
        elif kind == "down":
            start = fnum * 2.8 + 0.35
        else:
            start = fnum
        anchors = dict(anchors)
        anchors[steps[0]] = round(start, 6)
        if not _usable(final) and kind == "down" and len(steps) > 4:
            # diverging run: the loss falls, then blows up just before NaN/Inf
            anchors.setdefault(steps[len(steps) // 2], round(start * 0.45, 6))
            anchors.setdefault(steps[-2], round(start * 1.6, 6))
    points = sorted((s, metric_num(v)) for s, v in anchors.items() if _usable(v))
    out = []
    span = max(1, last - steps[0])
    for s in steps:
        if s in anchors:
            out.append(anchors[s])
            continue
        # segment around s
        lo = max((p for p in points if p[0] < s), default=points[0])
        hi = min((p for p in points if p[0] > s), default=points[-1])
        if hi[0] == lo[0]:
            base = lo[1]
            frac = 0.0
        else:
            frac = (s - lo[0]) / float(hi[0] - lo[0])
            if kind in ("up", "down") and len(points) <= 2:
                k = 5.0
                frac = (1 - math.exp(-k * frac)) / (1 - math.exp(-k))
            base = lo[1] + (hi[1] - lo[1]) * frac
        if kind == "const":
            v = base
        else:
            amp = abs(hi[1] - lo[1]) * 0.04 + abs(base) * (0.004 if kind == "flat" else 0.01)
            edge = min(s - lo[0], hi[0] - s) / float(max(1, hi[0] - lo[0]))
            v = base + rng.uniform(-1, 1) * amp * min(1.0, 2 * edge) * (1 - 0.5 * s / span)
            if kind == "up" and 0 <= fnum <= 1:
                v = min(max(v, 0.0), 1.0)
            if kind == "down" and fnum >= 0:
                v = max(v, 0.0)
        out.append(round(v, 6))
    return out


# ---------------------------------------------------------------------------
# PNG / artifact content


def png_size(w, h, bpp):
    raw = h * (1 + w * bpp)
    blocks = max(1, (raw + 65534) // 65535)
    return 8 + 25 + 12 + (2 + raw + 5 * blocks + 4) + 12


def make_png(w, h, pixel, color_type=0):
    """Uncompressed (stored-deflate) PNG so the size is known up front.
    color_type 0 = gray (1 byte), 4 = gray+alpha (2 bytes)."""
    bpp = 1 if color_type == 0 else 2
    rows = []
    for y in range(h):
        row = bytearray([0])
        for x in range(w):
            g = pixel(x, y) & 0xFF
            row.append(g)
            if bpp == 2:
                row.append(255)
        rows.append(bytes(row))
    raw = b"".join(rows)
    z = bytearray(b"\x78\x01")
    pos = 0
    while True:
        chunk = raw[pos:pos + 65535]
        pos += len(chunk)
        final = 1 if pos >= len(raw) else 0
        z += struct.pack("<BHH", final, len(chunk), len(chunk) ^ 0xFFFF) + chunk
        if final:
            break
    z += struct.pack(">I", zlib.adler32(raw) & 0xFFFFFFFF)

    def chunk(tag, data):
        c = struct.pack(">I", len(data)) + tag + data
        return c + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", bytes(z)) + \
        chunk(b"IEND", b"")


def fit(text, size):
    """Pad (with a trailing comment line) or cut text to exactly ``size`` bytes."""
    b = text.encode("utf-8")
    if len(b) >= size:
        return b[:size]
    gap = size - len(b)
    if gap >= 3:
        return b + b"#" + b" " * (gap - 2) + b"\n"
    return b + b"\n" * gap


def pseudo_bytes(seed_text, size, header=b""):
    rng = random.Random(seed_text)
    body = rng.getrandbits(8 * max(0, size - len(header))).to_bytes(
        max(0, size - len(header)), "little") if size > len(header) else b""
    return (header + body)[:size]


class Artifact(object):
    __slots__ = ("producer", "text", "_plain")

    def __init__(self, producer, text):
        self.producer = producer     # () -> bytes
        self.text = text             # text files get hostile bytes in hostile mode
        self._plain = None

    def content(self, hostile=False):
        if self._plain is None:
            self._plain = self.producer()
        if hostile and self.text:
            return self._plain + simcommon.hostile_bytes("\n")
        return self._plain


class SizedArtifact(Artifact):
    """Artifact whose size is known without producing it (big binaries)."""
    __slots__ = ("size",)

    def __init__(self, producer, size):
        Artifact.__init__(self, producer, False)
        self.size = size


def artifact_size(a, hostile):
    if isinstance(a, SizedArtifact):
        return a.size
    return len(a.content(hostile))


# ---------------------------------------------------------------------------
# entities


class Experiment(object):
    def __init__(self, d):
        self.experiment_id = d["experiment_id"]
        self.name = d["name"]
        self.artifact_location = d["artifact_location"]
        self.lifecycle_stage = d["lifecycle_stage"]
        self.last_update_time = d["last_update_time"]
        self.creation_time = d["creation_time"]
        self.tags = [(t["key"], t["value"]) for t in d.get("tags", [])]

    def to_dict(self):
        d = {"experiment_id": self.experiment_id, "name": self.name,
             "artifact_location": self.artifact_location,
             "lifecycle_stage": self.lifecycle_stage,
             "last_update_time": self.last_update_time, "creation_time": self.creation_time}
        if self.tags:
            d["tags"] = [{"key": k, "value": v} for k, v in self.tags]
        return d


class Run(object):
    __slots__ = ("run_id", "experiment_id", "run_name", "user_id", "status", "start_time",
                 "end_time", "lifecycle_stage", "metrics", "params", "tags", "inputs",
                 "histories", "anchors", "artifacts", "artifact_builder", "_mnum",
                 "_pdict", "_tdict", "_json", "_sortkey")

    def __init__(self):
        self.inputs = {}
        self.histories = {}     # key -> list of point dicts (captured / cached)
        self.anchors = {}       # key -> {step: value} extra anchors (captured samples)
        self.artifacts = None
        self.artifact_builder = None
        self._json = {}
        self._mnum = self._pdict = self._tdict = None

    @classmethod
    def from_capture(cls, d):
        r = cls()
        info, data = d["info"], d.get("data", {})
        r.run_id = info["run_id"]
        r.experiment_id = info["experiment_id"]
        r.run_name = info.get("run_name", "")
        r.user_id = info.get("user_id", "")
        r.status = info["status"]
        r.start_time = info["start_time"]
        r.end_time = info.get("end_time")
        r.lifecycle_stage = info["lifecycle_stage"]
        r.metrics = [dict(m) for m in data.get("metrics", [])]
        r.params = [(p["key"], p["value"]) for p in data.get("params", [])]
        r.tags = [(t["key"], t["value"]) for t in data.get("tags", [])]
        r.inputs = d.get("inputs", {})
        return r

    def finish(self):
        self._sortkey = (-self.start_time, self.run_id)
        return self

    # lookups used by filters / ordering
    def metric_values(self):
        if self._mnum is None:
            self._mnum = {m["key"]: metric_num(m["value"]) for m in self.metrics}
        return self._mnum

    def param_dict(self):
        if self._pdict is None:
            self._pdict = dict(self.params)
        return self._pdict

    def tag_dict(self):
        if self._tdict is None:
            self._tdict = dict(self.tags)
        return self._tdict

    def attr(self, key):
        if key == "run_id":
            return self.run_id
        if key == "artifact_uri":
            return self.artifact_uri()
        return getattr(self, key)

    def artifact_uri(self):
        return "mlflow-artifacts:/%s/%s/artifacts" % (self.experiment_id, self.run_id)

    def to_dict(self):
        info = {"run_uuid": self.run_id, "experiment_id": self.experiment_id,
                "run_name": self.run_name, "user_id": self.user_id, "status": self.status,
                "start_time": self.start_time}
        if self.end_time:
            info["end_time"] = self.end_time
        info["artifact_uri"] = self.artifact_uri()
        info["lifecycle_stage"] = self.lifecycle_stage
        info["run_id"] = self.run_id
        data = {}
        if self.metrics:
            data["metrics"] = [{"key": m["key"], "value": metric_out(m["value"]),
                                "timestamp": m["timestamp"], "step": m["step"]}
                               for m in self.metrics]
        if self.params:
            data["params"] = [{"key": k, "value": v} for k, v in self.params]
        if self.tags:
            data["tags"] = [{"key": k, "value": v} for k, v in self.tags]
        return {"info": info, "data": data, "inputs": self.inputs}

    def json_item(self, hostile, indent_prefix):
        """Pretty JSON of the run as an item nested at ``indent_prefix``."""
        ck = (hostile, indent_prefix)
        s = self._json.get(ck)
        if s is None:
            d = self.to_dict()
            if hostile:
                d = hostilize_run(d)
            s = "\n".join(indent_prefix + line for line in json.dumps(d, indent=2).split("\n"))
            self._json[ck] = s
        return s

    def get_artifacts(self):
        if self.artifacts is None and self.artifact_builder is not None:
            self.artifacts = self.artifact_builder(self)
            self.artifact_builder = None
        return self.artifacts or {}


def hostilize_run(d):
    d = hostilize(d, HOSTILE_KEYS)
    # keep the "NaN" metric marker parseable: it is a number, not a name
    for m in d.get("data", {}).get("metrics", []):
        v = m.get("value")
        if isinstance(v, str) and "NaN" in v:
            m["value"] = "NaN"
    return d


class ModelVersion(object):
    def __init__(self, d):
        self.name = d["name"]
        self.version = int(d["version"])
        self.creation_timestamp = d["creation_timestamp"]
        self.last_updated_timestamp = d["last_updated_timestamp"]
        self.current_stage = d.get("current_stage", "None")
        self.description = d.get("description", "")
        self.source = d.get("source", "")
        self.run_id = d.get("run_id", "")
        self.status = d.get("status", "READY")
        self.tags = [(t["key"], t["value"]) for t in d.get("tags", [])]
        self.run_link = d.get("run_link", "")

    def to_dict(self, aliases=None):
        d = {"name": self.name, "version": str(self.version),
             "creation_timestamp": self.creation_timestamp,
             "last_updated_timestamp": self.last_updated_timestamp,
             "current_stage": self.current_stage, "description": self.description,
             "source": self.source, "run_id": self.run_id, "status": self.status}
        if self.tags:
            d["tags"] = [{"key": k, "value": v} for k, v in self.tags]
        d["run_link"] = self.run_link
        if aliases:
            d["aliases"] = list(aliases)
        return d


class RegisteredModel(object):
    def __init__(self, d):
        self.name = d["name"]
        self.creation_timestamp = d["creation_timestamp"]
        self.last_updated_timestamp = d["last_updated_timestamp"]
        self.description = d.get("description")
        self.tags = [(t["key"], t["value"]) for t in d.get("tags", [])]
        self.aliases = {a["alias"]: int(a["version"]) for a in d.get("aliases", [])}
        self.versions = {}   # int -> ModelVersion

    def latest_versions(self):
        latest = {}
        for v in sorted(self.versions):
            mv = self.versions[v]
            latest[mv.current_stage] = mv   # dict keeps first-seen stage order
        return list(latest.values())

    def aliases_of(self, version):
        return sorted(a for a, v in self.aliases.items() if v == version)

    def to_dict(self):
        d = {"name": self.name, "creation_timestamp": self.creation_timestamp,
             "last_updated_timestamp": self.last_updated_timestamp}
        if self.description is not None:
            d["description"] = self.description
        lv = self.latest_versions()
        if lv:
            d["latest_versions"] = [mv.to_dict() for mv in lv]
        if self.tags:
            d["tags"] = [{"key": k, "value": v} for k, v in self.tags]
        if self.aliases:
            d["aliases"] = [{"alias": a, "version": str(v)}
                            for a, v in sorted(self.aliases.items())]
        return d


# ---------------------------------------------------------------------------
# the seeded world


FRAUD_FEATURES = ["amount", "merchant_category", "hour_of_day", "card_age_days",
                  "distance_from_home_km", "n_tx_last_24h", "is_foreign", "mcc_risk_score"]
CHURN_FEATURES = ["tenure_months", "monthly_charges", "support_tickets_90d", "contract_type",
                  "n_logins_30d", "payment_failures", "plan_downgrades", "nps_last"]


class World(object):
    """All experiments, runs and registry objects, built once at start-up."""

    def __init__(self, seed, big_runs=0, fixtures_only=False):
        self.seed = seed
        self.rng = random.Random(seed)
        self.lock = threading.RLock()
        self.experiments = {}     # id -> Experiment
        self.runs = {}            # run_id -> Run
        self.models = {}          # name -> RegisteredModel
        self.big = None           # BigRuns of --big-runs
        self._load_captures()
        if not fixtures_only:
            self._gen_fraud()
            self._gen_churn()
            self._gen_llm()
        if big_runs > 0:
            self._gen_big(big_runs, "perf-1000-runs" if fixtures_only else "perf-big")
        for r in self.runs.values():
            r.finish()
            if r.artifact_builder is None and r.artifacts is None:
                r.artifact_builder = build_artifacts
        self.runs_by_exp = {}
        for r in self.runs.values():
            self.runs_by_exp.setdefault(r.experiment_id, []).append(r)
        if self.big is not None:
            self.runs_by_exp["5"] = self.big

    # --- captures -----------------------------------------------------------
    def _load_captures(self):
        fx = lambda name: simcommon.load_fixture_json("mlflow", name)  # noqa: E731
        for e in fx("experiments-search-all.json")["experiments"]:
            if e["experiment_id"] == "5":
                self.perf_capture = e       # only used with --big-runs
                continue
            self.experiments[e["experiment_id"]] = Experiment(e)
        fdir = simcommon.fixtures_dir("mlflow")
        for fn in sorted(os.listdir(fdir)):
            if not (fn.startswith("runs-") and fn.endswith(".json")):
                continue
            d = fx(fn)
            for rd in d.get("runs", []) + ([d["run"]] if "run" in d else []):
                rid = rd["info"]["run_id"]
                if rid not in self.runs:
                    self.runs[rid] = Run.from_capture(rd)
        # captured histories (served verbatim)
        for fn, rid, key in [
                ("metrics-get-history.json", "03735789efcb4f4cb02ca57db9fc1b20", "val_auc"),
                ("metrics-get-history-single.json", "03735789efcb4f4cb02ca57db9fc1b20", "f1"),
                ("metrics-get-history-loss.json", "6da849be07a447a1a46209e34bd15248", "loss"),
                ("metrics-get-history-nan.json", "b3ed0ab3ba6e4aeaa1a6fc06e7f85f05",
                 "train_loss"),
                ("metrics-get-history-inf.json", "b3ed0ab3ba6e4aeaa1a6fc06e7f85f05",
                 "val_loss")]:
            self.runs[rid].histories[key] = fx(fn)["metrics"]
        # the bulk-interval capture samples trial-01's val_auc: use as anchors
        for m in fx("metrics-get-history-bulk-interval.json")["metrics"]:
            r = self.runs[m["run_id"]]
            if m["key"] not in r.histories:
                r.anchors.setdefault(m["key"], {})[m["step"]] = m["value"]
        # registry
        for rm in fx("registered-models-search.json")["registered_models"]:
            self.models[rm["name"]] = RegisteredModel(rm)
        for mv in fx("model-versions-search-all.json")["model_versions"]:
            self.models[mv["name"]].versions[int(mv["version"])] = ModelVersion(mv)
        # captured artifact trees
        self.captured_artifacts = {
            "03735789efcb4f4cb02ca57db9fc1b20": {
                "feature_importance.csv": 136, "metrics.json": 50,
                "model/MLmodel": 527, "model/conda.yaml": 152, "model/model.pkl": 2048,
                "model/python_env.yaml": 83, "model/requirements.txt": 50,
                "plots/confusion_matrix.png": 71, "plots/roc_curve.png": 71},
            "6da849be07a447a1a46209e34bd15248": {},
        }
        self.captured_files = {
            ("03735789efcb4f4cb02ca57db9fc1b20", "feature_importance.csv"):
                simcommon.load_fixture_text("mlflow", "get-artifact-feature-importance.csv"),
            ("03735789efcb4f4cb02ca57db9fc1b20", "metrics.json"):
                simcommon.load_fixture_text("mlflow", "mlflow-artifacts-download-metrics.json"),
            ("3cf175a3d5dc47e58e3f6cedcec2e0cf", "logs/stderr.txt"):
                simcommon.load_fixture_text("mlflow", "get-artifact-failed-llm-stderr.txt"),
        }

    # --- generation helpers -------------------------------------------------
    def _new_run(self, exp_id, name, user, status, start, end, metrics, params, tags,
                 inputs=None, lifecycle="active"):
        r = Run()
        r.run_id = hexid(self.rng)
        r.experiment_id = exp_id
        r.run_name = name
        r.user_id = user
        r.status = status
        r.start_time = start
        r.end_time = end if status != "RUNNING" else None
        r.lifecycle_stage = lifecycle
        r.metrics = metrics
        r.params = params
        r.tags = tags
        r.inputs = inputs or {}
        self.runs[r.run_id] = r
        return r

    def _source_tags(self, user, source, stype):
        return [("mlflow.user", user), ("mlflow.source.name", source),
                ("mlflow.source.type", stype),
                ("mlflow.source.git.commit", hexid(self.rng, 160))]

    def _log_model_tag(self, run_id, start, loader, flavor, extra=None):
        flv = {"python_function": {"loader_module": loader, "python_version": "3.11.6"}}
        flv[flavor] = extra or {"pickled_model": "model.pkl"}
        return ("mlflow.log-model.history", json.dumps([{
            "run_id": run_id, "artifact_path": "model",
            "utc_time_created": ms_to_utc(start) + ".000000",
            "flavors": flv, "model_uuid": hexid(self.rng), "mlflow_version": MLFLOW_VERSION}]))

    @staticmethod
    def _m(key, value, ts, step):
        return {"key": key, "value": value, "timestamp": ts, "step": step}

    # --- experiment 1: second HPO sweep + weekly retrains ---------------------
    def _gen_fraud(self):
        rng = self.rng
        n_trials = 96
        parent_start = 1795290561331          # 2026-11-21 ~17:49 UTC
        per_slot = 900000
        parent_end = parent_start + (n_trials // 4) * per_slot + 600000
        parent_tags = self._source_tags("alice", "hpo.py", "LOCAL") + [
            ("sweep", "optuna"),
            ("mlflow.note.content", "Optuna TPE sweep, %d trials, card-transactions-2024q4"
             % n_trials),
            ("mlflow.runName", "hpo-sweep-2024-12")]
        parent = self._new_run("1", "hpo-sweep-2024-12", "alice", "FINISHED", parent_start,
                               parent_end, [], [("n_trials", str(n_trials)),
                                                ("sampler", "TPE"), ("metric", "val_auc")],
                               parent_tags)
        best = 0.0
        digest = "%08x" % rng.getrandbits(32)
        dataset = {"tags": [{"key": "mlflow.data.context", "value": "train"}],
                   "dataset": {"name": "card-transactions-2024q4", "digest": digest,
                               "source_type": "s3",
                               "source": json.dumps({"uri": "s3://ml-datasets/card-"
                                                     "transactions-2024q4/train.parquet"}),
                               "schema": json.dumps({"mlflow_colspec": [
                                   {"type": "double", "name": "amount", "required": True},
                                   {"type": "long", "name": "merchant_id", "required": True},
                                   {"type": "long", "name": "label", "required": True}]}),
                               "profile": json.dumps({"num_rows": 1391877,
                                                      "num_elements": 4175631})}}
        for i in range(n_trials):
            start = parent_start + (i // 4) * per_slot + (i % 4) * 7000
            lr = round(10 ** rng.uniform(-3, -0.7), 5)
            depth = rng.choice([3, 4, 5, 6, 8, 10, 12])
            n_est = rng.choice([100, 200, 400, 800, 1200])
            subsample = round(rng.uniform(0.6, 1.0), 2)
            status = "FINISHED"
            if i in (17, 58):
                status = "FAILED"
            elif i in (33, 71, 90):
                status = "KILLED"
            steps = 50 if status == "FINISHED" else (18 if status == "FAILED" else 25)
            dt = 15000
            last_ts = start + (steps - 1) * dt
            auc = round(min(0.985, 0.90 + 0.06 * rng.random() + (0.01 if depth in (6, 8)
                                                                    else 0)), 6)
            if status == "FINISHED":
                best = max(best, auc)
            tl = round(0.05 + 0.1 * rng.random(), 6)
            vl = round(tl + 0.02 + 0.05 * rng.random(), 6)
            acc = round(0.95 + 0.035 * rng.random(), 6)
            end_ts = start + steps * dt + 5000 + rng.randint(0, 60000)
            metrics = []
            if status == "FAILED" and i == 17:
                metrics += [self._m("train_loss", "NaN", last_ts, steps - 1),
                            self._m("val_loss", DBL_MAX, last_ts, steps - 1),
                            self._m("val_auc", round(auc - 0.05, 6), last_ts - dt, steps - 2),
                            self._m("accuracy", round(acc - 0.03, 6), last_ts - dt,
                                    steps - 2)]
            else:
                metrics += [self._m("train_loss", tl, last_ts, steps - 1),
                            self._m("val_loss", vl, last_ts, steps - 1),
                            self._m("val_auc", auc, last_ts, steps - 1),
                            self._m("accuracy", acc, last_ts, steps - 1)]
            if status == "FINISHED":
                fin = end_ts - 4000
                p, rc = round(0.78 + 0.1 * rng.random(), 6), round(0.72 + 0.15 * rng.random(), 6)
                metrics += [self._m("precision", p, fin, 0), self._m("recall", rc, fin, 0),
                            self._m("f1", round(2 * p * rc / (p + rc), 6), fin, 0),
                            self._m("training_time_s", round((end_ts - start) / 1000.0 *
                                                             rng.uniform(0.8, 0.95), 5),
                                    fin, 0)]
            params = [("learning_rate", str(lr)), ("max_depth", str(depth)),
                      ("n_estimators", str(n_est)), ("subsample", str(subsample)),
                      ("objective", "binary:logistic"), ("eval_metric", "auc"),
                      ("tree_method", "hist")]
            name = "trial-%02d" % i
            tags = self._source_tags("alice", "hpo.py", "LOCAL") + [
                ("mlflow.parentRunId", parent.run_id), ("trial", str(i)),
                ("model_type", "xgboost"), ("mlflow.runName", name)]
            if status == "FAILED":
                tags.append(("mlflow.note.content", "diverged: loss became NaN at step 17"
                             if i == 17 else "worker OOM-killed (exit 137)"))
            if status == "KILLED":
                tags.append(("optuna.pruned", "true"))
            r = self._new_run("1", name, "alice", status, start, end_ts, metrics, params, tags,
                              {"dataset_inputs": [dataset]} if status == "FINISHED" else {})
            if status == "FINISHED":
                r.tags.append(self._log_model_tag(r.run_id, start, "mlflow.xgboost",
                                                  "xgboost"))
        parent.metrics = [self._m("best_val_auc", best, parent_end - 5000, 1)]
        # weekly retrains
        for w in range(12):
            start = 1794678561331 - (11 - w) * 7 * 86400000 + 3600000
            user = "bob" if w % 3 else "scheduler"
            status = "FAILED" if w == 4 else "FINISHED"
            steps = 40
            last_ts = start + (steps - 1) * 20000
            end = start + steps * 20000 + 30000
            name = "xgb-retrain-2026w%02d" % (36 + w)
            metrics = [self._m("train_loss", round(0.08 + 0.05 * rng.random(), 6), last_ts,
                               steps - 1),
                       self._m("accuracy", round(0.955 + 0.02 * rng.random(), 6), last_ts,
                               steps - 1)]
            if status == "FINISHED":
                metrics.append(self._m("val_auc", round(0.93 + 0.04 * rng.random(), 6),
                                       last_ts, steps - 1))
            params = [("learning_rate", "0.05"), ("max_depth", "6"), ("n_estimators", "600")]
            tags = self._source_tags(user, "train.py", "JOB") + [
                ("model_type", "xgboost"), ("schedule", "weekly"), ("mlflow.runName", name)]
            if status == "FAILED":
                tags.append(("mlflow.note.content",
                             "S3 read timeout on s3://ml-datasets/card-transactions-weekly/"))
            r = self._new_run("1", name, user, status, start, end, metrics, params, tags)
            if status == "FINISHED":
                r.tags.append(self._log_model_tag(r.run_id, start, "mlflow.xgboost",
                                                  "xgboost"))

    # --- experiment 2: nightly runs ------------------------------------------
    def _gen_churn(self):
        rng = self.rng
        base = 1795453761331      # the captured RUNNING nightly
        for d in range(1, 151):
            start = base - d * 86400000 + rng.randint(-90000, 90000)
            day = ms_to_utc(start, "%Y%m%d")
            status = "FINISHED"
            if d in (13, 88):
                status = "FAILED"
            elif d == 41:
                status = "KILLED"
            steps = 30 if status == "FINISHED" else rng.randint(3, 12)
            dt = 30000
            last_ts = start + (steps - 1) * dt
            end = start + steps * dt + 60000
            ll = round(0.24 + 0.05 * rng.random() + d * 0.0001, 6)
            metrics = [self._m("log_loss", ll, last_ts, steps - 1),
                       self._m("roc_auc", round(0.86 - 0.03 * rng.random() - d * 0.00005, 6),
                               last_ts, steps - 1)]
            if status == "FINISHED":
                metrics.append(self._m("rmse", round(0.36 + 0.04 * rng.random(), 6),
                                       end - 30000, 0))
            params = [("algo", "lightgbm"), ("num_leaves", "63"),
                      ("n_estimators", str(rng.choice([300, 400, 500]))),
                      ("learning_rate", "0.05"), ("features", "v3")]
            name = "lightgbm-nightly-%s" % day
            tags = self._source_tags("scheduler", "flows/churn_nightly.py", "LOCAL") + [
                ("model_type", "lightgbm"), ("orchestrator", "prefect"),
                ("prefect.flow_run_id", "%08x-%04x-4%03x-%04x-%012x" % (
                    rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12),
                    0x8000 | rng.getrandbits(14), rng.getrandbits(48))),
                ("mlflow.runName", name),
                ("dataset_version", ms_to_utc(start - 86400000, "%Y-%m-%d"))]
            if status == "FAILED":
                tags.append(("mlflow.note.content", "upstream table churn.features_daily "
                             "missing partition"))
            r = self._new_run("2", name, "scheduler", status, start, end, metrics, params, tags)
            if status == "FINISHED":
                r.tags.append(self._log_model_tag(r.run_id, start, "mlflow.sklearn",
                                                  "sklearn"))

    # --- experiment 3: LoRA grid ---------------------------------------------
    def _gen_llm(self):
        rng = self.rng
        i = 0
        base = 1794419361331            # 2026-11-11, before the captured runs
        for r_ in (4, 8, 16, 32):
            for lr in ("1e-4", "2e-4", "5e-4"):
                for bs in (16, 32):
                    start = base + i * 4 * 3600000
                    steps = rng.randint(30, 100)
                    status = "FINISHED"
                    if (r_, lr, bs) in ((32, "5e-4", 32), (32, "2e-4", 32)):
                        status = "FAILED"
                        steps = rng.randint(3, 8)
                    elif (r_, lr, bs) == (4, "5e-4", 16):
                        status = "KILLED"
                        steps = 21
                    dt = 120000
                    last_ts = start + (steps - 1) * dt
                    end = start + steps * dt + 240000
                    user = "carol" if i % 3 else "erin"
                    loss = round(0.9 + 0.3 * rng.random() - r_ * 0.002, 6)
                    gpu = round(18 + r_ * 0.35 + bs * 0.55 + rng.random(), 3)
                    metrics = [self._m("loss", loss, last_ts, steps - 1),
                               self._m("learning_rate", float(lr), last_ts, steps - 1),
                               self._m("gpu_mem_gb", gpu, last_ts, steps - 1)]
                    if status == "FINISHED" and steps >= 10:
                        metrics.append(self._m("rougeL", round(0.33 + 0.07 * rng.random(), 5),
                                               last_ts + 120000, (steps - 1) // 10 * 10))
                    name = "lora-r%d-lr%s-bs%d" % (r_, lr, bs)
                    params = [("lora_r", str(r_)), ("batch_size", str(bs)), ("epochs", "3"),
                              ("max_seq_len", "2048"),
                              ("base_model", "mistralai/Mistral-7B-v0.1"),
                              ("learning_rate", lr)]
                    tags = self._source_tags(user, "finetune/train_lora.py", "JOB") + [
                        ("base_model", "mistral-7b"),
                        ("ray.job_id", "raysubmit_%012x" % rng.getrandbits(48)),
                        ("mlflow.runName", name)]
                    if status == "FAILED":
                        tags.append(("mlflow.note.content", "CUDA out of memory"))
                    self._new_run("3", name, user, status, start, end, metrics, params, tags)
                    i += 1

    # --- perf-big --------------------------------------------------------------
    def _gen_big(self, n, name):
        """Experiment 5 with ``n`` runs, made lazily: only the run ids exist at
        start-up; a run is built (deterministically from its index) the first
        time something needs it."""
        cap = getattr(self, "perf_capture", None) or {}
        e = Experiment({"experiment_id": "5", "name": name,
                        "artifact_location": "mlflow-artifacts:/5",
                        "lifecycle_stage": "active",
                        "last_update_time": cap.get("last_update_time", 1795456171285),
                        "creation_time": cap.get("creation_time", 1795456171285),
                        "tags": [{"key": "purpose", "value": "load-test"}]})
        self.experiments["5"] = e
        self.big = BigRuns(self, n, e.creation_time + 1000)

    # --- lookups ----------------------------------------------------------------
    def get_run(self, run_id):
        r = self.runs.get(run_id)
        if r is None and self.big is not None:
            r = self.big.by_id(run_id)
        return r

    def run(self, run_id):
        r = self.get_run(run_id)
        if r is None:
            raise not_found("Run with id=%s not found" % run_id)
        return r

    def model(self, name):
        m = self.models.get(name)
        if m is None:
            raise not_found("Registered Model with name=%s not found" % name)
        return m

    def model_version(self, name, version):
        m = self.models.get(name)
        try:
            v = int(str(version))
        except ValueError:
            v = None
        if m is None or v is None or v not in m.versions:
            raise not_found("Model Version (name=%s, version=%s) not found" % (name, version))
        return m, m.versions[v]

    # --- histories --------------------------------------------------------------
    def history(self, run, key):
        h = run.histories.get(key)
        if h is not None:
            return h
        latest = None
        for m in run.metrics:
            if m["key"] == key:
                latest = m
        if latest is None:
            return []
        with self.lock:
            h = run.histories.get(key)
            if h is None:
                h = self._gen_history(run, latest)
                run.histories[key] = h
        return h

    def _gen_history(self, run, latest):
        key, last_step, last_ts = latest["key"], latest["step"], latest["timestamp"]
        if last_step <= 0:
            return [dict(latest)]
        rng = random.Random("hist:%d:%s:%s" % (self.seed, run.run_id, key))
        if key.lower().startswith("rouge") or key.startswith("best_"):
            every = 10 if last_step >= 10 else 1
            steps = list(range(every if every > 1 else 0, last_step + 1, every))
        else:
            steps = list(range(0, last_step + 1))
        start = run.start_time
        span_ms = last_ts - start
        anchors = dict(run.anchors.get(key, {}))
        anchors[last_step] = latest["value"]
        values = gen_curve(key, steps, anchors, rng)
        out = []
        for s, v in zip(steps, values):
            ts = start + span_ms * s // last_step if s != last_step else last_ts
            out.append({"key": key, "value": v, "timestamp": ts, "step": s})
        # a diverging run goes NaN / +Inf at its last step; keep the rest finite
        return out


class BigRuns(object):
    """The --big-runs experiment: a lazily built, cached sequence of runs.
    Run i starts at base + 53*i ms, so the default order (start_time DESC) is
    simply the reversed index order."""

    OPTIMIZERS = ("adam", "sgd", "adamw", "rmsprop")

    def __init__(self, world, n, base):
        self.world = world
        self.n = n
        self.base = base
        rng = random.Random("big:%d" % world.seed)
        self.ids = ["%032x" % rng.getrandbits(128) for _ in range(n)]
        self.index = {rid: i for i, rid in enumerate(self.ids)}
        self.shas = [hexid(rng, 160) for _ in range(8)]
        self.cache = [None] * n
        self.lock = threading.Lock()

    def __len__(self):
        return self.n

    def __iter__(self):
        for i in range(self.n):
            yield self.get(i)

    def by_id(self, run_id):
        i = self.index.get(run_id)
        return None if i is None else self.get(i)

    def newest_first(self, offset, count):
        """Runs in default order (start_time DESC) without building the others."""
        hi = self.n - 1 - offset
        return [self.get(i) for i in range(hi, max(-1, hi - count), -1)]

    def get(self, i):
        r = self.cache[i]
        if r is None:
            r = self._build(i)
            with self.lock:
                if self.cache[i] is None:
                    self.cache[i] = r
                r = self.cache[i]
        return r

    def _build(self, i):
        n = self.n
        rnd = random.Random(self.world.seed * 1000003 + i).random
        r = Run()
        r.run_id = self.ids[i]
        r.experiment_id = "5"
        r.run_name = "perf-run-%05d" % i
        r.user_id = "loadgen"
        start = self.base + i * 53
        r.start_time = start
        if i >= n - 3:
            r.status, r.end_time = "RUNNING", None
        elif i % 97 == 13:
            r.status, r.end_time = "FAILED", start + 31
        elif i % 211 == 7:
            r.status, r.end_time = "KILLED", start + 29
        else:
            r.status, r.end_time = "FINISHED", start + 47
        r.lifecycle_stage = "active"
        ts = start + 45
        acc = round(0.7 + 0.29 * rnd(), 6)
        loss = round(1.0 - acc + 0.1 * rnd(), 6)
        r.metrics = [{"key": "accuracy", "value": acc, "timestamp": ts, "step": 9},
                     {"key": "loss", "value": loss, "timestamp": ts, "step": 9},
                     {"key": "val_loss", "value": round(loss + 0.05 * rnd(), 6),
                      "timestamp": ts, "step": 9},
                     {"key": "f1", "value": round(acc - 0.05 * rnd(), 6), "timestamp": ts,
                      "step": 9},
                     {"key": "precision", "value": round(acc - 0.04 * rnd(), 6),
                      "timestamp": ts, "step": 9},
                     {"key": "recall", "value": round(acc - 0.06 * rnd(), 6), "timestamp": ts,
                      "step": 9}]
        r.params = [("lr", "%.4f" % (0.0001 * (1 + i % 50))), ("batch_size", str(16 << (i % 4))),
                    ("optimizer", self.OPTIMIZERS[i % 4]), ("seed", str(i)),
                    ("layers", str(2 + i % 6))]
        r.tags = [("mlflow.user", "loadgen"), ("mlflow.source.name", "bench/load.py"),
                  ("mlflow.source.type", "LOCAL"), ("mlflow.source.git.commit", self.shas[i % 8]),
                  ("mlflow.runName", r.run_name)]
        r.artifacts = {}
        return r.finish()


# ---------------------------------------------------------------------------
# artifacts per run


MLMODEL_TMPL = """artifact_path: {path}
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.{flavor}
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.6
  {flavor}:
    code: null
    {flavor_body}
mlflow_version: 2.12.2
model_size_bytes: 2048
model_uuid: {uuid}
run_id: {run_id}
utc_time_created: '{created}'
"""

CONDA_TMPL = """channels:
- conda-forge
dependencies:
- python=3.11.6
- pip<=23.3.1
- pip:
  - mlflow==2.12.2
  - {lib}
name: mlflow-env
"""

PYENV = """python: 3.11.6
build_dependencies:
- pip==23.3.1
dependencies:
- -r requirements.txt
"""


def _confusion_pixel(tp, fp, fn, tn):
    cells = [[tn, fp], [fn, tp]]
    total = float(tp + fp + fn + tn) or 1.0

    def px(x, y):
        v = cells[min(1, y * 2 // 96)][min(1, x * 2 // 96)] / total
        border = x % 48 in (0, 47) or y % 48 in (0, 47)
        return 0 if border else int(255 - 230 * min(1.0, v * 1.8))
    return px


def _roc_pixel(auc):
    k = max(0.5, (auc / max(1e-6, 1 - auc)))

    def px(x, y):
        fx = x / 95.0
        fy = 1 - y / 95.0
        tpr = 1 - (1 - fx) ** k
        if abs(fy - tpr) < 0.02:
            return 0
        if abs(fy - fx) < 0.01:
            return 160
        return 255
    return px


def build_artifacts(run):
    """Artifact tree of a run: {path: Artifact}.  Empty for RUNNING runs."""
    world = WORLD
    seedtxt = "art:%d:%s" % (world.seed, run.run_id)
    rng = random.Random(seedtxt)
    sizes = world.captured_artifacts.get(run.run_id)
    if sizes is not None and not sizes:
        return {}
    if run.status == "RUNNING":
        return {}
    out = {}
    tags = run.tag_dict()
    mvals = run.metric_values()
    created = ms_to_utc(run.start_time) + ".000000"

    def text(path, producer, size=None):
        cap = world.captured_files.get((run.run_id, path))
        if cap is not None:
            out[path] = Artifact(lambda: cap.encode("utf-8"), True)
        elif size is not None:
            out[path] = Artifact(lambda: fit(producer(), size), True)
        else:
            out[path] = Artifact(lambda: producer().encode("utf-8"), True)

    def sz(path):
        return sizes.get(path) if sizes else None

    if "mlflow.log-model.history" in tags:
        hist = json.loads(tags["mlflow.log-model.history"])[0]
        flavor = [f for f in hist["flavors"] if f != "python_function"][0]
        if flavor == "xgboost":
            body = ("data: model.pkl\n    model_class: xgboost.sklearn.XGBClassifier\n"
                    "    model_format: pkl\n    xgb_version: 2.0.3")
            lib = "xgboost==2.0.3"
        else:
            body = ("pickled_model: model.pkl\n    serialization_format: cloudpickle\n"
                    "    sklearn_version: 1.4.2")
            lib = "scikit-learn==1.4.2"
        mlmodel = MLMODEL_TMPL.format(path="model", flavor=flavor, flavor_body=body,
                                      uuid=hist["model_uuid"], run_id=run.run_id,
                                      created=hist["utc_time_created"])
        text("model/MLmodel", lambda: mlmodel, sz("model/MLmodel"))
        text("model/conda.yaml", lambda: CONDA_TMPL.format(lib=lib), sz("model/conda.yaml"))
        out["model/model.pkl"] = Artifact(
            lambda: pseudo_bytes(seedtxt + ":pkl", sz("model/model.pkl") or 2048,
                                 b"\x80\x04\x95"), False)
        text("model/python_env.yaml", lambda: PYENV, sz("model/python_env.yaml"))
        text("model/requirements.txt",
             lambda: "mlflow==2.12.2\n%s\ncloudpickle==3.0.0\n" % lib,
             sz("model/requirements.txt"))
        feats = FRAUD_FEATURES if run.experiment_id == "1" else CHURN_FEATURES
        w = sorted((rng.random() ** 2 for _ in range(6)), reverse=True)
        tot = sum(w)
        csv = "feature,importance\n" + "".join(
            "%s,%.2f\n" % (f, x / tot) for f, x in zip(rng.sample(feats, 6), w))
        text("feature_importance.csv", lambda: csv, sz("feature_importance.csv"))
        score_key = "val_auc" if "val_auc" in mvals else "roc_auc"
        score = mvals.get(score_key, 0.9)
        mj = json.dumps({score_key: score + rng.uniform(-0.001, 0.001),
                         "threshold": round(rng.uniform(0.3, 0.6), 2)})
        text("metrics.json", lambda: mj, sz("metrics.json"))
        if sizes:
            out["plots/confusion_matrix.png"] = Artifact(
                lambda: make_png(1, 1, lambda x, y: 90, color_type=4), False)
            out["plots/roc_curve.png"] = Artifact(
                lambda: make_png(1, 1, lambda x, y: 200, color_type=4), False)
        else:
            tp, fp = rng.randint(800, 1200), rng.randint(50, 200)
            fn, tn = rng.randint(60, 250), rng.randint(90000, 120000)
            out["plots/confusion_matrix.png"] = Artifact(
                lambda: make_png(96, 96, _confusion_pixel(tp, fp, fn, tn)), False)
            out["plots/roc_curve.png"] = Artifact(
                lambda: make_png(96, 96, _roc_pixel(score if score < 1 else 0.9)), False)
    if run.experiment_id == "3" and run.status == "FINISHED":
        params = run.param_dict()
        lora_r = int(params.get("lora_r", "8"))
        cfg = json.dumps({"base_model_name_or_path": params.get("base_model", ""),
                          "peft_type": "LORA", "r": lora_r, "lora_alpha": 2 * lora_r,
                          "lora_dropout": 0.05, "target_modules": ["q_proj", "v_proj"],
                          "task_type": "CAUSAL_LM"}, indent=2)
        text("adapter/adapter_config.json", lambda: cfg)
        size = 65536 * lora_r
        out["adapter/adapter_model.safetensors"] = SizedArtifact(
            lambda: pseudo_bytes(seedtxt + ":st", size, struct.pack("<Q", 120) +
                                 b'{"__metadata__":{"format":"pt"}}'.ljust(120)), size)
        text("adapter/README.md", lambda: "# %s\n\nLoRA adapter (r=%d) for %s.\n" % (
            run.run_name, lora_r, params.get("base_model", "")))
        rouge = mvals.get("rougeL", 0.38)
        text("eval/rouge.json", lambda: json.dumps({"rouge1": round(rouge + 0.08, 4),
                                                    "rouge2": round(rouge - 0.17, 4),
                                                    "rougeL": rouge}))
    if run.status in ("FAILED", "KILLED"):
        if run.status == "FAILED":
            note = tags.get("mlflow.note.content", "")
            if run.experiment_id == "3" or "memory" in note:
                err = ("torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate "
                       "2.00 GiB\n")
            elif "NaN" in note:
                err = ("xgboost.core.XGBoostError: [17:14:05] src/objective/"
                       "regression_obj.cu:227: label must be in [0,1] for logistic "
                       "regression\nValueError: loss is NaN at step 17\n")
            else:
                err = "RuntimeError: %s\n" % (note or "training failed")
        else:
            err = "KeyboardInterrupt: received SIGTERM, stopping\n"
        text("logs/stderr.txt", lambda: err)
    if run.lifecycle_stage == "deleted" and not out:
        return {}
    return out


def list_dir(artifacts, path):
    """Direct children of ``path`` -> list of (relpath_from_root, is_dir, Artifact)."""
    path = path.strip("/")
    prefix = path + "/" if path else ""
    seen = {}
    for p, a in artifacts.items():
        if not p.startswith(prefix):
            continue
        rest = p[len(prefix):]
        if "/" in rest:
            d = prefix + rest.split("/", 1)[0]
            seen.setdefault(d, (d, True, None))
        else:
            seen[p] = (p, False, a)
    return [seen[k] for k in sorted(seen)]


# ---------------------------------------------------------------------------
# the HTTP app


WORLD = None


class MlflowApp(simcommon.App):
    server_header = "gunicorn"
    keep_alive = False
    name = "mlflow-sim"

    def reset(self):
        global WORLD
        self.world = World(self.args.seed, self.args.big_runs, self.args.fixtures_only)
        WORLD = self.world

    def __init__(self, args):
        simcommon.App.__init__(self, args)
        self.endless_pages = 0
        global WORLD
        self.world = World(args.seed, args.big_runs, args.fixtures_only)
        WORLD = self.world
        api = {
            "experiments/search": (("GET", "POST"), self.h_experiments_search),
            "experiments/get": (("GET",), self.h_experiments_get),
            "experiments/get-by-name": (("GET",), self.h_experiments_get_by_name),
            "runs/search": (("POST",), self.h_runs_search),
            "runs/get": (("GET",), self.h_runs_get),
            "metrics/get-history": (("GET",), self.h_metric_history),
            "metrics/get-history-bulk-interval": (("GET",), self.h_metric_history_bulk),
            "artifacts/list": (("GET",), self.h_artifacts_list),
            "registered-models/search": (("GET",), self.h_rm_search),
            "registered-models/get": (("GET",), self.h_rm_get),
            "registered-models/get-latest-versions": (("GET", "POST"), self.h_rm_latest),
            "registered-models/alias": (("GET", "POST", "DELETE"), self.h_rm_alias),
            "model-versions/search": (("GET",), self.h_mv_search),
            "model-versions/get": (("GET",), self.h_mv_get),
            "model-versions/get-download-uri": (("GET",), self.h_mv_download_uri),
            "model-versions/transition-stage": (("POST",), self.h_mv_transition),
        }
        self.routes = {}
        for prefix in ("/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"):
            for k, v in api.items():
                self.routes[prefix + k] = v
        self.routes["/health"] = (("GET",), self.h_health)
        self.routes["/version"] = (("GET",), self.h_version)
        self.routes["/get-artifact"] = (("GET",), self.h_get_artifact)
        for prefix in ("/api/2.0/mlflow-artifacts/artifacts",
                       "/ajax-api/2.0/mlflow-artifacts/artifacts"):
            self.routes[prefix] = (("GET",), self.h_proxy_list)

    # --- plumbing -------------------------------------------------------------
    def handle(self, req):
        if req.mode == "redirect" and (req.path.startswith("/api/")
                                       or req.path.startswith("/ajax-api/")):
            # An auth proxy in front of the server sending API calls to its login page.
            return Response(302, "<html><body>Redirecting to login</body></html>", HTML_CT,
                            [("Location", "http://127.0.0.1/oauth2/sign_in?rd=" + req.path)])
        resp = self._handle(req)
        if req.mode in ("endless", "poisoned") and resp.status == 200 \
                and req.path.endswith("/search"):
            resp = self._request_mode(req, resp)
        return resp

    def _request_mode(self, req, resp):
        """endless: the page carries a next_page_token whatever token was
        asked (the same rows again, forever); poisoned: the first
        experiment's name holds an escaped NUL and the second's tag value a
        lone surrogate, as a broken client could have stored them."""
        obj = json.loads(resp.body.decode("utf-8"))
        if req.mode == "endless":
            self.endless_pages += 1
            obj["next_page_token"] = b64_token(1000000 + self.endless_pages)
        elif obj.get("experiments"):
            exps = obj["experiments"]
            exps[0]["name"] = exps[0]["name"] + "\x00after-nul"
            if len(exps) > 1:
                exps[1].setdefault("tags", []).append({"key": "note",
                                                       "value": "lone \ud800 surrogate"})
        # json.dumps escapes both as \u0000 and \ud800, as MLflow's encoder would.
        return json_response(200, obj)

    def _handle(self, req):
        if req.mode == "endless" and req.path.endswith("/search"):
            req = _first_page(req)
        route = self.routes.get(req.path)
        if route is None:
            for prefix in ("/api/2.0/mlflow-artifacts/artifacts/",
                           "/ajax-api/2.0/mlflow-artifacts/artifacts/"):
                if req.path.startswith(prefix):
                    route = (("GET",), self.h_proxy_download)
                    break
        if route is None:
            return Response(404, HTML_404, HTML_CT)
        methods, fn = route
        allowed = set(methods)
        if "GET" in allowed:
            allowed.add("HEAD")
        allowed.add("OPTIONS")
        method = req.method
        if method == "OPTIONS":
            return Response(200, b"", HTML_CT,
                            [("Allow", ", ".join(sorted(allowed)))])
        if method not in allowed:
            return Response(405, HTML_405, HTML_CT,
                            [("Allow", ", ".join(sorted(allowed)))])
        try:
            return fn(req)
        except MlflowError as e:
            return self.error(e)

    def error(self, e):
        body = {"error_code": e.code, "message": e.message}
        if self.hostile:
            body = hostilize(body, HOSTILE_KEYS)
        return json_response(e.status, body, pretty=False)

    def ok(self, obj):
        if self.hostile:
            obj = hostilize(obj, HOSTILE_KEYS)
        return json_response(200, obj)

    def error500(self, req):
        if req.path.startswith("/api/") or req.path.startswith("/ajax-api/"):
            return json_response(500, {
                "error_code": "INTERNAL_ERROR",
                "message": "(sqlite3.OperationalError) database is locked\n(Background on "
                           "this error at: https://sqlalche.me/e/20/e3q8)"}, pretty=False)
        return Response(500, HTML_500, HTML_CT)

    def params(self, req):
        """Request parameters: query string for GET/DELETE-without-body, JSON for POST."""
        if req.method in ("POST", "PUT"):
            ct = req.content_type()
            if ct is None:
                raise MlflowError("Bad Request. Content-Type header is missing.")
            if ct != "application/json":
                raise MlflowError("Bad Request. Content-Type must be one of "
                                  "['application/json'].")
            try:
                body = req.json()
            except (ValueError, UnicodeDecodeError):
                raise MlflowError("Malformed request body: not valid JSON")
            if not isinstance(body, dict):
                raise MlflowError("Malformed request body: expected a JSON object")
            return _Params(body, is_json=True)
        if req.method == "DELETE" and req.body:
            try:
                body = req.json()
                if isinstance(body, dict):
                    merged = {k: v[0] for k, v in req.args.items()}
                    merged.update(body)
                    return _Params(merged, is_json=True)
            except (ValueError, UnicodeDecodeError):
                pass
        return _Params(req.args, is_json=False)

    # --- plain routes ---------------------------------------------------------
    def h_health(self, req):
        return Response(200, "OK", HTML_CT)

    def h_version(self, req):
        if self.hostile:
            return Response(200, simcommon.hostile_bytes(MLFLOW_VERSION), HTML_CT)
        return Response(200, MLFLOW_VERSION, HTML_CT)

    # --- experiments --------------------------------------------------------------
    def h_experiments_search(self, req):
        p = self.params(req)
        max_results = p.int("max_results", None)
        view = p.view_type("view_type")
        filt = p.str("filter", "")
        order_by = p.list("order_by")
        token = p.str("page_token", "")
        if max_results is None or max_results < 1:
            raise MlflowError("Invalid value for max_results. It must be a positive integer, "
                              "but got %s" % (max_results or 0))
        if max_results > SEARCH_MAX_RESULTS_THRESHOLD:
            raise MlflowError("Invalid value for max_results. It must be at most %d, but got "
                              "%d" % (SEARCH_MAX_RESULTS_THRESHOLD, max_results))
        stages = {1: ("active",), 2: ("deleted",), 3: ("active", "deleted")}[view]
        clauses = parse_experiment_filter(filt)
        orders = [parse_order_by(o, ["name", "experiment_id", "creation_time",
                                     "last_update_time"]) for o in order_by]
        offset = parse_page_token(token)
        with self.world.lock:
            exps = [e for e in self.world.experiments.values()
                    if e.lifecycle_stage in stages and experiment_matches(e, clauses)]
            if not orders:
                orders = [("attribute", "creation_time", False)]
            keys = [(t, k) for t, k, _ in orders]
            if ("attribute", "experiment_id") not in keys:
                orders = orders + [("attribute", "experiment_id", True)]
            exps = ordered(exps, orders, experiment_sort_value, lambda e: 0)
            page = exps[offset:offset + max_results]
            out = {}
            if page:
                out["experiments"] = [e.to_dict() for e in page]
            if len(exps) > offset + max_results:
                out["next_page_token"] = b64_token(offset + max_results)
        return self.ok(out)

    def h_experiments_get(self, req):
        p = self.params(req)
        eid = p.str("experiment_id", None)
        if not eid:
            raise missing_param("experiment_id")
        e = self.world.experiments.get(eid)
        if e is None:
            raise not_found("No Experiment with id=%s exists" % eid)
        return self.ok({"experiment": e.to_dict()})

    def h_experiments_get_by_name(self, req):
        p = self.params(req)
        name = p.str("experiment_name", None)
        if not name:
            raise missing_param("experiment_name")
        for e in self.world.experiments.values():
            if e.name == name:
                return self.ok({"experiment": e.to_dict()})
        raise not_found("Could not find experiment with name '%s'" % name)

    # --- runs -------------------------------------------------------------------
    def h_runs_get(self, req):
        p = self.params(req)
        rid = p.str("run_id", None) or p.str("run_uuid", None)
        if not rid:
            raise missing_param("run_id")
        r = self.world.run(rid)
        return Response(200, "{\n  \"run\": " + r.json_item(self.hostile, "  ").lstrip()
                        + "\n}", "application/json")

    def h_runs_search(self, req):
        p = self.params(req)
        exp_ids = [str(x) for x in p.list("experiment_ids")]
        filt = p.str("filter", "")
        view = p.view_type("run_view_type")
        max_results = p.int("max_results", RUNS_DEFAULT_MAX_RESULTS)
        order_by = p.list("order_by")
        token = p.str("page_token", "")
        if max_results > SEARCH_MAX_RESULTS_THRESHOLD:
            raise bad_param_value("max_results", max_results)
        if max_results < 1:
            raise MlflowError("Invalid value for max_results. It must be a positive integer, "
                              "but got %d" % max_results)
        clauses = parse_run_filter(filt)
        orders = [parse_order_by(o, RUN_ORDER_ATTRS) for o in order_by]
        seen = set()
        for t, k, _ in orders:
            if (t, k) in seen:
                raise MlflowError("`order_by` contains duplicate fields: %s" % order_by)
            seen.add((t, k))
        offset = parse_page_token(token)
        stages = {1: ("active",), 2: ("deleted",), 3: ("active", "deleted")}[view]
        world = self.world
        eids = list(dict.fromkeys(exp_ids))
        if eids == ["5"] and world.big is not None and not clauses and not orders \
                and "active" in stages:
            page = world.big.newest_first(offset, max_results)
            return self._runs_page(page, offset, max_results)
        runs = []
        for eid in eids:
            for r in world.runs_by_exp.get(eid, ()):
                if r.lifecycle_stage in stages and run_matches(r, clauses):
                    runs.append(r)
        orders = [(t, "start_time" if k in ("created", "Created") else k, a)
                  for t, k, a in orders]
        if orders:
            if ("attribute", "start_time") not in [(t, k) for t, k, _ in orders]:
                orders.append(("attribute", "start_time", False))
            runs = ordered(runs, orders, run_sort_value, lambda r: r.run_id)
        else:
            runs.sort(key=lambda r: r._sortkey)
        return self._runs_page(runs[offset:offset + max_results], offset, max_results)

    def _runs_page(self, page, offset, max_results):
        if not page:
            return Response(200, "{}", "application/json")
        parts = ["{\n  \"runs\": [\n",
                 ",\n".join(r.json_item(self.hostile, "    ") for r in page), "\n  ]"]
        if len(page) == max_results:
            parts.append(",\n  \"next_page_token\": \"%s\"" % b64_token(offset + max_results))
        parts.append("\n}")
        return Response(200, "".join(parts), "application/json")

    # --- metrics -------------------------------------------------------------------
    def h_metric_history(self, req):
        p = self.params(req)
        rid = p.str("run_id", None) or p.str("run_uuid", None)
        if not rid:
            raise missing_param("run_id")
        key = p.str("metric_key", None)
        if not key:
            raise missing_param("metric_key")
        r = self.world.run(rid)
        h = self.world.history(r, key)
        if not h:
            return self.ok({})
        return self.ok({"metrics": [{"key": m["key"], "value": metric_out(m["value"]),
                                     "timestamp": m["timestamp"], "step": m["step"]}
                                    for m in h]})

    def h_metric_history_bulk(self, req):
        p = self.params(req)
        run_ids = p.list("run_ids")
        if not run_ids:
            raise missing_param("run_ids")
        if len(run_ids) > BULK_MAX_RUNS:
            raise MlflowError("GetMetricHistoryBulkInterval request must specify at most %d "
                              "run_ids. Received %d run_ids." % (BULK_MAX_RUNS, len(run_ids)))
        key = p.str("metric_key", None)
        if not key:
            raise missing_param("metric_key")
        start_step = p.int("start_step", None)
        end_step = p.int("end_step", None)
        max_results = p.int("max_results", BULK_MAX_RESULTS)
        if not 1 <= max_results <= BULK_MAX_RESULTS:
            raise MlflowError("max_results must be between 1 and %d." % BULK_MAX_RESULTS)
        if (start_step is None) != (end_step is None):
            raise MlflowError("If either start step or end step are specified, both must be "
                              "specified.")
        if start_step is not None and end_step < start_step:
            raise MlflowError("end_step must be greater than start_step. Found start_step=%d "
                              "and end_step=%d." % (start_step, end_step))
        runs = [self.world.run(rid) for rid in run_ids]
        hists = {r.run_id: self.world.history(r, key) for r in runs}
        all_runs = [[m["step"] for m in h] for h in hists.values()]
        mins_maxes = {s for steps in all_runs if steps for s in (min(steps), max(steps))}
        all_steps = sorted({s for steps in all_runs for s in steps})
        if start_step is None:
            start_step, end_step = 0, (all_steps[-1] if all_steps else 0)
        mins_maxes = {s for s in mins_maxes if start_step <= s <= end_step}
        sampled = sampled_steps(start_step, end_step, max_results, all_steps) | mins_maxes
        out = []
        for rid in sorted(hists):
            for m in sorted(hists[rid], key=lambda m: (m["step"], m["timestamp"])):
                if m["step"] in sampled:
                    out.append({"key": m["key"], "value": metric_out(m["value"]),
                                "timestamp": m["timestamp"], "step": m["step"],
                                "run_id": rid})
        return self.ok({"metrics": out} if out else {})

    # --- artifacts -----------------------------------------------------------------
    def h_artifacts_list(self, req):
        p = self.params(req)
        rid = p.str("run_id", None) or p.str("run_uuid", None)
        if not rid:
            raise missing_param("run_id")
        r = self.world.run(rid)
        path = p.str("path", "") or ""
        arts = r.get_artifacts()
        files = []
        for rel, is_dir, a in list_dir(arts, path):
            if is_dir:
                files.append({"path": rel, "is_dir": True})
            else:
                files.append({"path": rel, "is_dir": False,
                              "file_size": artifact_size(a, self.hostile)})
        out = {"root_uri": r.artifact_uri()}
        if files:
            out["files"] = files
        return self.ok(out)

    def _resolve_proxy_path(self, path):
        """'1/<run>/artifacts/sub' -> (run, 'sub') or (None, parts)."""
        parts = [x for x in path.strip("/").split("/") if x]
        if len(parts) >= 3 and parts[2] == "artifacts":
            r = self.world.get_run(parts[1])
            if r is not None and r.experiment_id == parts[0]:
                return r, "/".join(parts[3:])
        return None, parts

    def h_proxy_list(self, req):
        p = self.params(req)
        path = p.str("path", "") or ""
        r, sub = self._resolve_proxy_path(path)
        files = []
        if r is not None:
            for rel, is_dir, a in list_dir(r.get_artifacts(), sub):
                name = rel[len(sub) + 1:] if sub else rel
                if is_dir:
                    files.append({"path": name, "is_dir": True})
                else:
                    files.append({"path": name, "is_dir": False,
                                  "file_size": artifact_size(a, self.hostile)})
        else:
            parts = sub
            if not parts:
                files = [{"path": e, "is_dir": True}
                         for e in sorted(self.world.experiments, key=int)]
            elif len(parts) == 1 and parts[0] in self.world.experiments:
                files = [{"path": x.run_id, "is_dir": True}
                         for x in sorted(self.world.runs_by_exp.get(parts[0], ()),
                                         key=lambda x: x.run_id)]
            elif len(parts) == 2 and self.world.get_run(parts[1]) is not None:
                files = [{"path": "artifacts", "is_dir": True}]
        return self.ok({"files": files} if files else {})

    def _send_artifact(self, run, path):
        a = run.get_artifacts().get(path.strip("/")) if run is not None else None
        if a is None:
            raise not_found("Artifact '%s' does not exist in run %s"
                            % (path, run.run_id if run else "?"))
        base = path.rsplit("/", 1)[-1]
        ext = base.rsplit(".", 1)[-1] if "." in base else base
        if ext in TEXT_EXTENSIONS or base == "MLmodel":
            ct = "text/plain; charset=utf-8"
        elif ext == "png":
            ct = "image/png"
        else:
            ct = "application/octet-stream"
        return Response(200, a.content(self.hostile), ct,
                        [("Content-Disposition", "attachment; filename=%s" % base),
                         ("X-Content-Type-Options", "nosniff")])

    def h_proxy_download(self, req):
        rel = req.path.split("/mlflow-artifacts/artifacts/", 1)[1]
        r, sub = self._resolve_proxy_path(rel)
        if r is None:
            raise not_found("File %s does not exist" % rel)
        return self._send_artifact(r, sub)

    def h_get_artifact(self, req):
        p = self.params(req)
        rid = p.str("run_uuid", None) or p.str("run_id", None)
        if not rid:
            raise missing_param("run_uuid")
        path = p.str("path", None)
        if not path:
            raise missing_param("path")
        return self._send_artifact(self.world.run(rid), path)

    # --- registry -------------------------------------------------------------------
    def h_rm_search(self, req):
        p = self.params(req)
        max_results = p.int("max_results", RM_DEFAULT_MAX_RESULTS)
        if max_results < 1 or max_results > RM_MAX_RESULTS:
            raise MlflowError("Invalid value for request parameter max_results. It must be at "
                              "most %d, but got value %d" % (RM_MAX_RESULTS, max_results))
        clauses = parse_registry_filter(p.str("filter", ""), model_versions=False)
        orders = []
        for o in p.list("order_by"):
            try:
                t, k, asc = parse_order_by(o, ["name", "timestamp", "last_updated_timestamp",
                                               "creation_timestamp"])
            except MlflowError as e:
                if "ordering key" in e.message or "Could not be parsed" in e.message:
                    raise
                t = None
            if t != "attribute":
                raise MlflowError("Invalid order by key '%s' specified. Valid keys are "
                                  "'{'name', 'timestamp'}'" % o.split()[0])
            orders.append((t, k, asc))
        offset = parse_page_token(p.str("page_token", ""))
        if not orders:
            orders = [("attribute", "name", True)]
        elif "name" not in [k for _, k, _ in orders]:
            orders.append(("attribute", "name", True))
        with self.world.lock:
            models = [m for m in self.world.models.values() if registry_matches(m, clauses)]
            models = ordered(models, orders, rm_sort_value, lambda m: 0)
            page = models[offset:offset + max_results]
            out = {}
            if page:
                out["registered_models"] = [m.to_dict() for m in page]
            if len(models) > offset + max_results:
                out["next_page_token"] = b64_token(offset + max_results)
        return self.ok(out)

    def h_rm_get(self, req):
        p = self.params(req)
        name = p.str("name", None)
        if not name:
            raise missing_param("name")
        with self.world.lock:
            return self.ok({"registered_model": self.world.model(name).to_dict()})

    def h_rm_latest(self, req):
        p = self.params(req)
        name = p.str("name", None)
        if not name:
            raise missing_param("name")
        stages = [s.lower() for s in p.list("stages")]
        with self.world.lock:
            m = self.world.model(name)
            lv = [mv for mv in m.latest_versions()
                  if not stages or mv.current_stage.lower() in stages]
            return self.ok({"model_versions": [mv.to_dict() for mv in lv]} if lv else {})

    def h_rm_alias(self, req):
        p = self.params(req)
        name = p.str("name", None)
        if not name:
            raise missing_param("name")
        alias = p.str("alias", None)
        if not alias:
            raise missing_param("alias")
        world = self.world
        with world.lock:
            m = world.model(name)
            if req.method in ("GET", "HEAD"):
                v = m.aliases.get(alias)
                if v is None or v not in m.versions:
                    raise MlflowError("Registered model alias %s not found." % alias)
                mv = m.versions[v]
                return self.ok({"model_version": mv.to_dict(m.aliases_of(v))})
            if req.method == "DELETE":
                m.aliases.pop(alias, None)
                return self.ok({})
            # POST: set
            version = p.str("version", None)
            if not version:
                raise missing_param("version")
            if alias.lower() == "latest":
                raise MlflowError("'%s' alias name (case insensitive) is reserved." % alias)
            if re.match(r"^[vV]\d+$", alias):
                raise MlflowError("Version alias name '%s' is reserved." % alias)
            if not re.match(r"^[\w\-]+$", alias):
                raise MlflowError("Invalid alias name: '%s'. Names may only contain "
                                  "alphanumerics, underscores (_), and dashes (-)." % alias)
            _, mv = world.model_version(name, version)
            m.aliases[alias] = mv.version
            return self.ok({})

    def h_mv_search(self, req):
        p = self.params(req)
        max_results = p.int("max_results", MV_DEFAULT_MAX_RESULTS)
        if max_results < 1 or max_results > MV_MAX_RESULTS:
            raise MlflowError("Invalid value for request parameter max_results. It must be at "
                              "most %d, but got value %d" % (MV_MAX_RESULTS, max_results))
        clauses = parse_registry_filter(p.str("filter", ""), model_versions=True)
        orders = []
        for o in p.list("order_by"):
            t, k, asc = parse_order_by(o, ["name", "version_number", "creation_timestamp",
                                           "last_updated_timestamp", "timestamp"])
            orders.append((t, k, asc))
        offset = parse_page_token(p.str("page_token", ""))
        keys = [k for _, k, _ in orders]
        if not orders:
            orders = [("attribute", "last_updated_timestamp", False)]
        if "name" not in keys:
            orders.append(("attribute", "name", True))
        if "version_number" not in keys:
            orders.append(("attribute", "version_number", False))
        with self.world.lock:
            mvs = [mv for m in self.world.models.values() for mv in m.versions.values()
                   if mv_matches(mv, clauses)]
            mvs = ordered(mvs, orders, mv_sort_value, lambda mv: 0)
            page = mvs[offset:offset + max_results]
            out = {}
            if page:
                out["model_versions"] = [mv.to_dict() for mv in page]
            if len(mvs) > offset + max_results:
                out["next_page_token"] = b64_token(offset + max_results)
        return self.ok(out)

    def h_mv_get(self, req):
        p = self.params(req)
        name, version = p.str("name", None), p.str("version", None)
        if not name:
            raise missing_param("name")
        if not version:
            raise missing_param("version")
        with self.world.lock:
            m, mv = self.world.model_version(name, version)
            return self.ok({"model_version": mv.to_dict(m.aliases_of(mv.version))})

    def h_mv_download_uri(self, req):
        p = self.params(req)
        name, version = p.str("name", None), p.str("version", None)
        if not name:
            raise missing_param("name")
        if not version:
            raise missing_param("version")
        _, mv = self.world.model_version(name, version)
        return self.ok({"artifact_uri": mv.source})

    def h_mv_transition(self, req):
        p = self.params(req)
        name, version, stage = p.str("name", None), p.str("version", None), p.str("stage", None)
        for k, v in (("name", name), ("version", version), ("stage", stage)):
            if not v:
                raise missing_param(k)
        canon = {s.lower(): s for s in STAGES}.get(stage.lower())
        if canon is None:
            raise MlflowError("Invalid Model Version stage: %s. Value must be one of None, "
                              "Staging, Production, Archived." % stage)
        archive = p.bool("archive_existing_versions", False)
        world = self.world
        with world.lock:
            m, mv = world.model_version(name, version)
            t = now_ms()
            if archive and canon in ("Staging", "Production"):
                for other in m.versions.values():
                    if other is not mv and other.current_stage == canon:
                        other.current_stage = "Archived"
                        other.last_updated_timestamp = t
            mv.current_stage = canon
            mv.last_updated_timestamp = t
            m.last_updated_timestamp = t
            return self.ok({"model_version": mv.to_dict(m.aliases_of(mv.version))})


class _Params(object):
    """Typed access to GET query args ({k: [v]}) or a JSON body (dict)."""

    def __init__(self, src, is_json):
        self.src = src
        self.is_json = is_json

    def _raw(self, key):
        if key not in self.src:
            return None
        v = self.src[key]
        if not self.is_json:
            return v[0] if v else None
        return v

    def str(self, key, default=""):
        v = self._raw(key)
        if v is None:
            return default
        if not isinstance(v, str):
            if self.is_json and isinstance(v, (int, float)) and not isinstance(v, bool):
                return str(v)
            raise bad_param_value(key, v)
        return v

    def int(self, key, default=None):
        v = self._raw(key)
        if v is None or v == "":
            return default
        if isinstance(v, bool):
            raise bad_param_value(key, v)
        if isinstance(v, int):
            return v
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, str) and re.match(r"^-?\d+$", v.strip()):
            return int(v)
        raise bad_param_value(key, v)

    def bool(self, key, default=False):
        v = self._raw(key)
        if v is None:
            return default
        if isinstance(v, bool):
            return v
        if isinstance(v, str) and v.lower() in ("true", "false"):
            return v.lower() == "true"
        raise bad_param_value(key, v)

    def list(self, key):
        if key not in self.src:
            return []
        v = self.src[key]
        if not self.is_json:
            return list(v)
        if isinstance(v, list):
            return v
        if v is None:
            return []
        return [v]

    def view_type(self, key):
        v = self._raw(key)
        if v is None or v == "":
            return 1
        if isinstance(v, int) and not isinstance(v, bool) and v in (1, 2, 3):
            return v
        if isinstance(v, str) and v in VIEW_TYPES:
            return VIEW_TYPES[v]
        raise bad_param_value(key, v)


# ---------------------------------------------------------------------------
# evaluation helpers


def run_matches(r, clauses):
    for etype, key, comparator, value in clauses:
        if etype == "metric":
            lhs = r.metric_values().get(key)
            if lhs is not None and math.isnan(lhs):
                lhs = 0.0       # the SQLite store keeps NaN as value 0 + is_nan
        elif etype == "parameter":
            lhs = r.param_dict().get(key)
        elif etype == "tag":
            lhs = r.tag_dict().get(key)
        elif etype == "attribute":
            lhs = r.attr(key)
        elif etype == "dataset":
            found = False
            for di in r.inputs.get("dataset_inputs", []):
                if key == "context":
                    cands = [t["value"] for t in di.get("tags", [])
                             if t.get("key") == "mlflow.data.context"]
                else:
                    cands = [di.get("dataset", {}).get(key)]
                if any(c is not None and cmp_values(comparator, c, value) for c in cands):
                    found = True
            if not found:
                return False
            continue
        else:
            return False
        if lhs is None:
            return False
        if not cmp_values(comparator, lhs, value):
            return False
    return True


def run_sort_value(r, etype, key):
    """-> (value, group) with group 0 = value present, 1 = NaN metric, 2 = null."""
    if etype == "metric":
        v = r.metric_values().get(key)
        if v is None:
            return 0, 2
        if math.isnan(v):
            return 0, 1
        return v, 0
    if etype == "parameter":
        v = r.param_dict().get(key)
    elif etype == "tag":
        v = r.tag_dict().get(key)
    else:
        v = r.attr(key)
    if v is None:
        return 0, 1
    return v, 0


def parse_experiment_filter(filter_string):
    clauses = []
    for comp in parse_filter(filter_string):
        etype, key = split_identifier(comp["ident"])
        if etype not in ("attribute", "tag"):
            raise MlflowError("Invalid entity type '%s'. Valid values are ['tag', "
                              "'attribute']" % etype)
        comparator = comp["comparator"].upper()
        if etype == "attribute":
            if key not in ("name", "creation_time", "last_update_time"):
                raise MlflowError("Invalid attribute key '%s' specified. Valid keys are "
                                  "'{'last_update_time', 'name', 'creation_time'}'" % key)
            if key == "name":
                if comparator not in ("!=", "=", "LIKE", "ILIKE", "IN", "NOT IN"):
                    raise internal("Invalid comparator '%s' not one of '%s'"
                                   % (comp["comparator"], STRING_ATTR_CMP_REPR))
            elif comparator not in (">", ">=", "!=", "=", "<", "<="):
                raise internal("Invalid comparator '%s' not one of '%s'"
                               % (comp["comparator"], METRIC_CMP_REPR))
        elif comparator not in ("!=", "=", "LIKE", "ILIKE"):
            raise internal("Invalid comparator '%s' not one of '%s"
                           % (comp["comparator"], STRING_CMP_REPR))
        if "values" in comp:
            value = comp["values"]
        else:
            tok = comp["value"]
            if etype == "attribute" and key != "name":
                if tok.kind != "num":
                    raise MlflowError("Expected numeric value type for numeric attribute: %s. "
                                      "Found %s" % (key, tok.text))
                value = int(float(tok.text))
            else:
                if tok.kind == "num":
                    raise MlflowError("Expected a quoted string value for %s. Got value %s"
                                      % ("attributes" if etype == "attribute" else etype,
                                         tok.text))
                value = _strip_quotes(tok.text, expect_quoted=True)
        clauses.append((etype, key, comparator, value))
    return clauses


def experiment_matches(e, clauses):
    tags = dict(e.tags)
    for etype, key, comparator, value in clauses:
        lhs = getattr(e, key) if etype == "attribute" else tags.get(key)
        if lhs is None or not cmp_values(comparator, lhs, value):
            return False
    return True


def experiment_sort_value(e, etype, key):
    if key == "experiment_id":
        return int(e.experiment_id), 0
    return getattr(e, key), 0


def parse_registry_filter(filter_string, model_versions):
    """name / run_id / source_path / version_number / tags.X comparisons."""
    clauses = []
    for comp in parse_filter(filter_string, clause_quote=False):
        etype, key = split_identifier(comp["ident"])
        comparator = comp["comparator"].upper()
        valid = ("name", "run_id", "source_path", "version_number") if model_versions \
            else ("name",)
        if etype == "attribute" and key not in valid:
            raise MlflowError("Invalid attribute key '%s' specified. Valid keys are '%s'"
                              % (key, _set_repr(valid)))
        if etype not in ("attribute", "tag"):
            raise MlflowError("Invalid entity type '%s'. Valid values are ['tag', "
                              "'attribute']" % etype)
        if comparator not in ("=", "!=", "LIKE", "ILIKE", "IN", "NOT IN") or \
                (etype == "tag" and comparator in ("IN", "NOT IN")):
            raise MlflowError("Invalid comparator for attribute: %s" % comp["comparator"])
        if "values" in comp:
            value = comp["values"]
        else:
            tok = comp["value"]
            if key == "version_number" and tok.kind == "num":
                value = int(float(tok.text))
            else:
                value = _strip_quotes(tok.text, expect_quoted=True)
        clauses.append((etype, key, comparator, value))
    return clauses


def registry_matches(m, clauses):
    tags = dict(m.tags)
    for etype, key, comparator, value in clauses:
        lhs = m.name if etype == "attribute" else tags.get(key)
        if lhs is None or not cmp_values(comparator, lhs, value):
            return False
    return True


def mv_matches(mv, clauses):
    tags = dict(mv.tags)
    for etype, key, comparator, value in clauses:
        if etype == "tag":
            lhs = tags.get(key)
        elif key == "source_path":
            lhs = mv.source
        elif key == "version_number":
            lhs = mv.version
            if isinstance(value, str):
                value = int(value) if value.isdigit() else value
            elif isinstance(value, list):
                value = [int(x) for x in value if str(x).isdigit()]
        else:
            lhs = getattr(mv, key)
        if lhs is None or not cmp_values(comparator, lhs, value):
            return False
    return True


def rm_sort_value(m, etype, key):
    if key in ("timestamp", "creation_timestamp"):
        return m.creation_timestamp, 0
    return getattr(m, key), 0


def mv_sort_value(mv, etype, key):
    if key == "version_number":
        return mv.version, 0
    if key == "timestamp":
        return mv.creation_timestamp, 0
    return getattr(mv, key), 0


def sampled_steps(start_step, end_step, max_results, all_steps):
    """MLflow's _get_sampled_steps_from_steps."""
    import bisect
    start_idx = bisect.bisect_left(all_steps, start_step)
    end_idx = bisect.bisect_right(all_steps, end_step)
    if end_idx - start_idx <= max_results:
        return set(all_steps[start_idx:end_idx])
    num_steps = end_idx - start_idx
    interval = num_steps / max_results
    out = []
    for i in range(max_results):
        idx = start_idx + int(i * interval)
        if idx < num_steps:
            out.append(all_steps[idx])
    out.append(all_steps[end_idx - 1])
    return set(out)


# ---------------------------------------------------------------------------


def main(argv=None):
    parser = simcommon.common_parser("MLflow 2.12.2 REST simulator")
    parser.add_argument("--big-runs", type=int, default=0,
                        help="add experiment perf-big with N runs (default 0)")
    parser.add_argument("--fixtures-only", action="store_true",
                        help="seed only the captured runs (byte-comparable searches)")
    args = parser.parse_args(argv)
    app = MlflowApp(args)
    return simcommon.serve(app, args)


if __name__ == "__main__":
    sys.exit(main())
