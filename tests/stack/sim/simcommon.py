"""The one base of the mlconsole HTTP simulators (mlflow_sim.py, ray_sim.py,
prefect_sim.py, airflow_sim.py).

Python 3 standard library only.  What lives here:

* a ThreadingHTTPServer bound to 127.0.0.1 (``--host`` to change), port from
  ``--port`` (0 = let the kernel pick a free one);
* ``--port-file FILE``: once the socket is listening the bound port is written to
  ``FILE.tmp`` and renamed to ``FILE`` (atomic, so a poller never reads half a
  number).  A stale FILE is removed at start-up and the file is removed again on
  a clean exit;
* clean exit on SIGTERM / SIGINT (exit status 0, hanging handler threads are
  daemons and do not hold the process);
* quiet by default: access log lines go to stderr only with ``--verbose``
  (tracebacks of simulator bugs are always printed);
* ``--seed N`` (default 1): seed for every ``random.Random`` the simulators use;
* ``--hostile``: start in hostile mode (see below);
* the control endpoints every simulator answers, whatever the mode:

  ``GET /__sim/set?mode=ok|error500|hang|hostile`` (or a ``REQUEST_MODES``
  name: then every request is in that mode, as if its path asked for it)
      ok        normal answers;
      error500  every other route answers HTTP 500 with a plausible body for
                that server (the simulator decides the body);
      hang      every other route is accepted and never answered: the handler
                thread sleeps until the client goes away (or 1 hour);
      hostile   strings that carry names / versions / messages get terminal-
                hostile characters (ESC[2J, CR, BS, U+202E bidi override,
                U+009B CSI) and, in plain-text bodies, an invalid UTF-8 byte 0xff.
      Answers ``{"mode": "<mode>", "previous": "<mode>"}``.
  ``GET /__sim/requests``
      JSON list of the last 200 requests received (control routes excluded):
      ``{"method","path","query","args","headers","body"}`` where ``query`` is
      the raw query string, ``args`` the decoded query as ``{key: [values]}``,
      ``headers`` a ``{name: value}`` object and ``body`` the body decoded as
      UTF-8 (undecodable bytes replaced).  ``GET /__sim/requests?clear=1``
      empties the list after returning it.
  ``GET /__sim/state``
      ``{"mode", "seed", "server", "requests_seen"}``.
  ``GET /__sim/reset``
      the simulated world back to what it was at start (after tests that
      write: alias moves, stage transitions); answers ``{"reset": true}``.

A request may also ask for a fault for itself alone with a path prefix
``/__mode/NAME/`` (``REQUEST_MODES``; the simulator says what NAME means), so
that tests running in parallel do not see each other's faults.

Apps choose their answer's look: ``server_header`` (or ``base_headers``, a
list of (name, value) every answer gets, ``("Date", None)`` filled with the
current date), ``lowercase_headers`` (uvicorn's ``content-length``) and
``keep_alive`` (False: ``Connection: close``, gunicorn's sync worker).

Requests whose strings contain the hostile sequences are de-hostiled on the way
in (``unhostile``), so a client that sends back a name it got in hostile mode
still finds the object.

Leaves out: TLS, HTTP/2, authentication, request pipelining beyond what
``http.server`` does, and ``Expect: 100-continue`` (answered by http.server).
"""

import argparse
import collections
import email.utils
import json
import os
import re
import select
import signal
import socket
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ("ok", "error500", "hang", "hostile")
# Modes one request can ask for with a path prefix /__mode/NAME/ (the client
# is given a base URL ending in it), so that parallel tests do not see each
# other's faults.  Each simulator says what they mean for it (the MLflow one:
# endless = every search answer carries a next_page_token; redirect = every
# API call answers 302 to a login page; poisoned = a NUL and a lone surrogate
# escaped in one experiment's strings; degraded = the service answers but
# reports a degraded state: Airflow's scheduler down, a Prefect work pool
# NOT_READY; flap = the Ray dashboard answers the first request of each path,
# then goes away for two, then is back; grow = a Ray job's log gains lines
# at each request; loopback = the Ray head's address is 127.0.0.1; tail,
# bigtail, notail = a Ray job's /logs/tail WebSocket (ray_tail.py); v3 = the
# Airflow simulator speaks Airflow 3's /api/v2; longlog = every Prefect flow
# run's log is LONG_LOG lines, 300 of them at one timestamp; manydeps = 450
# Prefect deployments; biglog = every Prefect flow run's log grows from the
# first biglog request to 50 MiB, generated page by page: the bench's;
# nooffset = the longlog log from a Prefect that ignores logs/filter's
# offset; pages = runs lists of 1,000 more old runs whose pages after the
# first are held in pairs (PageHold): the Flows panel's parallel paging;
# pagefail = pages, and Airflow's runs page at offset 500 answers 500 once
# held: a failure while other pages are in flight).
REQUEST_MODES = ("endless", "redirect", "poisoned", "degraded", "flap", "grow", "loopback",
                 "tail", "bigtail", "notail", "v3", "longlog", "manydeps",
                 "biglog", "nooffset", "pages", "pagefail")


class PageHold(object):
    """The "pages" mode's hold: each page after the first of a paged list is
    held until another such page is held beside it (a client that asks for
    pages in parallel), then both are answered. One that nothing joins in
    HOLD_S is answered all the same when pages of this load have overlapped
    (the last of an odd count), else with a 503: a client that asks for one
    page at a time fails visibly instead of hanging. first() starts a load
    (its first page, never held)."""

    HOLD_S = 2.0

    def __init__(self):
        self.cond = threading.Condition()
        self.arrived = 0
        self.waiting = 0
        self.overlapped = False

    def first(self):
        with self.cond:
            self.overlapped = False

    def hold(self):
        """Blocks; True: answer the page, False: answer 503."""
        with self.cond:
            self.arrived += 1
            me = self.arrived
            self.waiting += 1
            joined = self.waiting >= 2
            self.cond.notify_all()
            if not joined:
                joined = self.cond.wait_for(lambda: self.arrived > me, self.HOLD_S)
            self.waiting -= 1
            if joined:
                self.overlapped = True
            return joined or self.overlapped

# Hostile payload.  Put in front of and behind a string so that truncating
# clients still meet part of it.
HOSTILE_PREFIX = "\x1b[2J"
HOSTILE_SUFFIX = "\r\b\u202e\u009b"
HOSTILE_PIECES = (HOSTILE_PREFIX, "\r", "\b", "\u202e", "\u009b")
HOSTILE_BYTE = b"\xff"  # invalid UTF-8, only where the body is plain text

HANG_LIMIT_S = 3600.0
REQUEST_LOG_SIZE = 200


def hostile_str(s):
    """Wrap a string with the hostile characters."""
    return HOSTILE_PREFIX + s + HOSTILE_SUFFIX


def hostile_bytes(s):
    """Plain-text variant: the hostile string plus an invalid UTF-8 byte."""
    if isinstance(s, bytes):
        s = s.decode("utf-8", "replace")
    return hostile_str(s).encode("utf-8") + HOSTILE_BYTE


def unhostile(s):
    """Strip the hostile sequences from a string coming back from a client."""
    if not isinstance(s, str):
        return s
    for piece in HOSTILE_PIECES:
        s = s.replace(piece, "")
    return s.replace("\ufffd", "")


def unhostile_obj(obj):
    """unhostile() applied to every string of a decoded JSON value."""
    if isinstance(obj, str):
        return unhostile(obj)
    if isinstance(obj, list):
        return [unhostile_obj(x) for x in obj]
    if isinstance(obj, dict):
        return {unhostile(k): unhostile_obj(v) for k, v in obj.items()}
    return obj


def hostilize(obj, keys):
    """Deep copy of a JSON value where string values under any key in ``keys``
    (and strings inside lists under those keys) are wrapped by hostile_str."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k in keys:
                if isinstance(v, str):
                    v = hostile_str(v)
                elif isinstance(v, list) and all(isinstance(x, str) for x in v):
                    v = [hostile_str(x) for x in v]
                else:
                    v = hostilize(v, keys)
            else:
                v = hostilize(v, keys)
            out[k] = v
        return out
    if isinstance(obj, list):
        return [hostilize(x, keys) for x in obj]
    return obj


class Request(object):
    """A parsed HTTP request handed to a simulator app."""

    def __init__(self, method, raw_path, headers, body, hostile, mode=None):
        self.mode = mode       # a REQUEST_MODES entry, or None
        self.method = method
        self.raw_path = raw_path
        parts = urllib.parse.urlsplit(raw_path)
        self.path = urllib.parse.unquote(parts.path)
        self.query = parts.query
        args = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        if hostile:
            args = {unhostile(k): [unhostile(v) for v in vs] for k, vs in args.items()}
            self.path = unhostile(self.path)
        self.args = args
        self.headers = headers
        self.body = body
        self.hostile = hostile

    def arg(self, name, default=None):
        vals = self.args.get(name)
        if not vals:
            return default
        return vals[0]

    def arglist(self, name):
        return list(self.args.get(name, []))

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def content_type(self):
        ct = self.headers.get("Content-Type")
        if ct is None:
            return None
        return ct.split(";")[0].strip().lower()

    def json(self):
        """Decoded JSON body (unhostiled in hostile mode); raises ValueError."""
        if not self.body:
            return {}
        obj = json.loads(self.body.decode("utf-8"))
        if self.hostile:
            obj = unhostile_obj(obj)
        return obj


class Response(object):
    """status, body bytes, headers; content_type (None: no Content-Type
    header) and reason (None: the standard phrase) as keywords."""

    def __init__(self, status, body=b"", content_type="text/plain; charset=utf-8",
                 headers=None, reason=None):
        self.status = status
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.body = body
        self.headers = [("Content-Type", content_type)] if content_type else []
        if headers:
            self.headers.extend(headers)
        self.reason = reason


def json_response(status, obj, pretty=True, content_type="application/json",
                  headers=None):
    if pretty is True:
        text = json.dumps(obj, indent=2)
    elif pretty:
        text = json.dumps(obj, indent=pretty)
    else:
        text = json.dumps(obj)
    return Response(status, text, content_type, headers)


def _merged_headers(headers):
    """{name: value}, a repeated header's values joined with ", "."""
    out = {}
    for k, v in headers.items():
        out[k] = (out[k] + ", " + v) if k in out else v
    return out


class SimState(object):
    def __init__(self, mode, seed):
        self.lock = threading.Lock()
        self.mode = mode
        self.seed = seed
        self.requests = collections.deque(maxlen=REQUEST_LOG_SIZE)
        self.requests_seen = 0

    def record(self, method, raw_path, headers, body):
        parts = urllib.parse.urlsplit(raw_path)
        entry = {
            "method": method,
            "path": urllib.parse.unquote(parts.path),
            "query": parts.query,
            "args": urllib.parse.parse_qs(parts.query, keep_blank_values=True),
            "headers": _merged_headers(headers),
            "body": body.decode("utf-8", "replace"),
            "time": time.time(),
        }
        with self.lock:
            self.requests.append(entry)
            self.requests_seen += 1


class App(object):
    """Base class of a simulator.  Subclasses override handle() and may
    override error500(), add_arguments() and the class attributes."""

    server_header = "python-sim"
    base_headers = None        # [(name, value)] every answer gets; None: Server, Date
    lowercase_headers = False  # True: "content-length" (uvicorn style)
    keep_alive = True          # False: "Connection: close" on every answer
    name = "sim"

    def __init__(self, args):
        self.args = args
        self.state = None      # set by serve()

    @property
    def hostile(self):
        return self.state is not None and self.state.mode == "hostile"

    def reset(self):
        """Back to the world of the start (simulators that keep state)."""

    def handle(self, req):
        return Response(404, "not found\n")

    def error500(self, req):
        return Response(500, "500 Internal Server Error\n")

    @staticmethod
    def add_arguments(parser):
        """Simulator-specific command-line options."""


class SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False      # hanging threads must not block shutdown
    allow_reuse_address = True
    request_queue_size = 128


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 300  # idle keep-alive connections are dropped after this
    server_version = "python-sim"
    sys_version = ""

    # --- plumbing -------------------------------------------------------
    @property
    def app(self):
        return self.server.app

    def version_string(self):
        return self.app.server_header

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("[%s] %s - %s\n" % (self.app.name, self.address_string(),
                                                 fmt % args))

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    break
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while True:  # trailers
                        t = self.rfile.readline(65537)
                        if not t or t in (b"\r\n", b"\n"):
                            break
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = self.headers.get("Content-Length")
        if length:
            try:
                n = int(length)
            except ValueError:
                n = 0
            if n > 0:
                return self.rfile.read(n)
        return b""

    def _send(self, resp, head_only=False):
        app = self.app
        reason = resp.reason
        if reason is None:
            reason = self.responses.get(resp.status, ("",))[0]
        self.log_request(resp.status, len(resp.body))
        self.send_response_only(resp.status, reason)
        have = {k.lower() for k, _ in resp.headers}
        base = app.base_headers
        if base is None:
            base = [("Server", app.server_header), ("Date", None)]
        for k, v in base:
            if k.lower() in have:
                continue
            if v is None and k.lower() == "date":
                v = email.utils.formatdate(usegmt=True)
            self.send_header(k, v)
        for k, v in resp.headers:
            self.send_header(k, v)
        if "content-length" not in have and resp.status != 101:
            name = "content-length" if app.lowercase_headers else "Content-Length"
            self.send_header(name, str(len(resp.body)))
        if not app.keep_alive and resp.status != 101:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        stream = getattr(resp, "stream", None)
        if stream is not None:  # a protocol switch (101): the socket is the stream's
            self.wfile.flush()
            self.close_connection = True
            try:
                stream(self.connection)
            except OSError:
                pass
            return
        if not head_only and resp.body:
            self.wfile.write(resp.body)
        try:
            self.wfile.flush()
        except OSError:
            pass

    def _hang(self):
        """Keep the connection open without answering until the peer closes."""
        deadline = time.time() + HANG_LIMIT_S
        sock = self.connection
        while time.time() < deadline and not self.server.stopping.is_set():
            try:
                r, _, _ = select.select([sock], [], [], 0.25)
                if r:
                    data = sock.recv(4096, socket.MSG_PEEK)
                    if not data:
                        break           # client went away
                    sock.recv(len(data))  # discard anything it sends
            except (OSError, ValueError):
                break
        self.close_connection = True

    # --- dispatch -------------------------------------------------------
    def _dispatch(self):
        body = self._read_body()
        method = self.command
        raw_path = self.path
        state = self.server.state
        path_only = urllib.parse.urlsplit(raw_path).path
        if path_only.startswith("/__sim/"):
            self._send(self._control(path_only, raw_path))
            return
        req_mode = None
        m = re.match(r"^/__mode/([a-z0-9]+)(/.*)$", path_only)
        if m and m.group(1) in REQUEST_MODES:
            req_mode = m.group(1)
            raw_path = raw_path[len("/__mode/") + len(req_mode):]
        elif state.mode in REQUEST_MODES:
            req_mode = state.mode   # set for every request (a screen test's mode)
        state.record(method, raw_path, self.headers, body)
        mode = state.mode
        if mode == "hang":
            self._hang()
            return
        req = Request(method, raw_path, self.headers, body, mode == "hostile", req_mode)
        try:
            if mode == "error500":
                resp = self.app.error500(req)
            else:
                resp = self.app.handle(req)
        except Exception:
            traceback.print_exc()
            resp = Response(500, "simulator error\n" + traceback.format_exc())
        self._send(resp, head_only=(method == "HEAD"))

    def _control(self, path, raw_path):
        state = self.server.state
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(raw_path).query)
        if path == "/__sim/set":
            mode = (q.get("mode") or [""])[0]
            if mode not in MODES and mode not in REQUEST_MODES:
                return json_response(400, {"error": "unknown mode %r" % mode,
                                           "modes": list(MODES + REQUEST_MODES)})
            with state.lock:
                prev, state.mode = state.mode, mode
            return json_response(200, {"mode": mode, "previous": prev})
        if path == "/__sim/requests":
            with state.lock:
                items = list(state.requests)
                if (q.get("clear") or ["0"])[0] not in ("0", "", "false"):
                    state.requests.clear()
            return json_response(200, items)
        if path == "/__sim/reset":
            with state.lock:
                self.app.reset()
            return json_response(200, {"reset": True})
        if path == "/__sim/state":
            return json_response(200, {"mode": state.mode, "seed": state.seed,
                                       "server": self.app.name,
                                       "requests_seen": state.requests_seen})
        return json_response(404, {"error": "unknown control route " + path})

    def handle_one_request(self):
        try:
            BaseHTTPRequestHandler.handle_one_request(self)
        except (ConnectionError, socket.timeout, BrokenPipeError):
            self.close_connection = True

    def __getattr__(self, name):
        # do_GET, do_POST, ... all go through _dispatch
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)


def common_parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="TCP port, 0 = pick a free one")
    p.add_argument("--port-file", help="write the bound port here (atomically) once listening")
    p.add_argument("--seed", type=int, default=1, help="seed for the generated data (default 1)")
    p.add_argument("--hostile", action="store_true", help="start in hostile mode")
    p.add_argument("--verbose", action="store_true", help="access log on stderr")
    return p


def _write_port_file(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


def serve(app, args):
    """Bind, announce the port, serve until SIGTERM/SIGINT.  Returns 0."""
    if args.port_file:
        for p in (args.port_file, args.port_file + ".tmp"):
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass
    state = SimState("hostile" if args.hostile else "ok", args.seed)
    app.state = state
    httpd = SimHTTPServer((args.host, args.port), Handler)
    httpd.app = app
    httpd.state = state
    httpd.verbose = args.verbose
    httpd.stopping = threading.Event()
    port = httpd.server_address[1]

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2},
                         name="serve_forever", daemon=True)
    t.start()
    if args.port_file:
        _write_port_file(args.port_file, port)
    if args.verbose:
        sys.stderr.write("[%s] listening on %s:%d\n" % (app.name, args.host, port))
    try:
        while not stop.wait(0.5):
            pass
    finally:
        httpd.stopping.set()
        httpd.shutdown()
        httpd.server_close()
        if args.port_file:
            try:
                with open(args.port_file) as f:
                    if f.read().strip() == str(port):
                        os.unlink(args.port_file)
            except OSError:
                pass
    return 0


def fixtures_dir(*parts):
    """tests/fixtures/<parts...> relative to this file (never the steering folder outside the repository)."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                        "fixtures", *parts)


def load_fixture_text(*parts):
    with open(fixtures_dir(*parts), "rb") as f:
        return f.read().decode("utf-8")


def load_fixture_json(*parts):
    return json.loads(load_fixture_text(*parts))


def main(app_class, description, argv=None):
    """Command line, app, serve: a simulator's whole main()."""
    parser = common_parser(description)
    app_class.add_arguments(parser)
    args = parser.parse_args(argv)
    return serve(app_class(args), args)


def fixture_bytes(*parts):
    with open(fixtures_dir(*parts), "rb") as f:
        return f.read()


def fixture_json(*parts):
    return json.loads(fixture_bytes(*parts).decode("utf-8"))
