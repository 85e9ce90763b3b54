"""Shared server plumbing for prefect_sim.py and airflow_sim.py (Python 3 stdlib only).

This is the base of those two simulators only; it follows the same command-line and
control-endpoint contract as simcommon.py (used by the other simulators) without
importing it, so each half can change on its own.

What it provides:

* a ThreadingHTTPServer bound to 127.0.0.1 (``--host`` to change), ``--port N``
  (0 = let the kernel pick a free port), HTTP/1.1 with keep-alive;
* ``--port-file FILE``: once the socket listens, the bound port is written to
  ``FILE.tmp`` and renamed to ``FILE`` (atomic).  A stale FILE is removed at
  start-up and removed again on a clean exit;
* clean exit (status 0) on SIGTERM / SIGINT; handler threads are daemons, so a
  request held by ``hang`` mode never blocks the exit;
* quiet unless ``--verbose`` (access log on stderr); a traceback of a simulator
  bug is always printed to stderr (and the client gets the app's 500 body);
* ``--seed N`` (default 1) handed to the app for its ``random.Random``;
* ``--hostile``: start in hostile mode;
* control endpoints, answered in every mode:

  ``GET /__sim/set?mode=ok|error500|hang|hostile`` -> ``{"mode": new, "previous": old}``
      ok        normal answers;
      error500  every other route answers HTTP 500 with the app's plausible body;
      hang      every other route is read and never answered: the handler thread
                sleeps until the client closes the connection (or 1 hour, or
                the server stops);
      hostile   the app wraps strings that carry names / versions / messages in
                ESC[2J ... CR BS U+202E U+009B; plain-text bodies also get an
                invalid UTF-8 byte 0xff.
  ``GET /__sim/requests`` -> JSON list (oldest first) of the last 200 requests
      (control routes excluded): ``{"method","path","query","args","headers",
      "body","time"}``; ``path`` is percent-decoded, ``query`` the raw query
      string, ``args`` ``{key: [values]}``, ``headers`` ``{name: value}``,
      ``body`` the body as UTF-8 (undecodable bytes replaced).
      ``?clear=1`` empties the list after answering.
  ``GET /__sim/state`` -> ``{"mode","seed","server","requests_seen"}``.

In hostile mode the hostile characters are stripped from incoming paths, query
values and JSON bodies (``unhostile``), so a client that sends back a name it
received still finds the object.

Leaves out: TLS, HTTP/2, ``Expect: 100-continue`` beyond what http.server does,
request pipelining guarantees, and any notion of real time-outs on the server side.
"""

import argparse
import collections
import email.utils
import json
import os
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

HOSTILE_PREFIX = "\x1b[2J"
HOSTILE_SUFFIX = "\r\b\u202e\u009b"
HOSTILE_PIECES = ("\x1b[2J", "\r", "\b", "\u202e", "\u009b")
HOSTILE_BYTE = b"\xff"

HANG_LIMIT_S = 3600.0
REQUEST_LOG_SIZE = 200


# --------------------------------------------------------------- hostile helpers

def hostile_str(s):
    return HOSTILE_PREFIX + s + HOSTILE_SUFFIX


def unhostile(s):
    if not isinstance(s, str):
        return s
    for piece in HOSTILE_PIECES:
        s = s.replace(piece, "")
    return s.replace("\ufffd", "")


def unhostile_obj(obj):
    if isinstance(obj, str):
        return unhostile(obj)
    if isinstance(obj, list):
        return [unhostile_obj(x) for x in obj]
    if isinstance(obj, dict):
        return {unhostile(k): unhostile_obj(v) for k, v in obj.items()}
    return obj


def hostilize(obj, keys):
    """Copy of a JSON value where strings under any key in ``keys`` (directly,
    or as items of a list of strings) are wrapped by hostile_str()."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k in keys and isinstance(v, str):
                v = hostile_str(v)
            elif k in keys and isinstance(v, list) and v and all(isinstance(x, str) for x in v):
                v = [hostile_str(x) for x in v]
            else:
                v = hostilize(v, keys)
            out[k] = v
        return out
    if isinstance(obj, list):
        return [hostilize(x, keys) for x in obj]
    return obj


# --------------------------------------------------------------- request / response

class Request(object):
    """What an app sees: method, decoded path, raw query, args, headers, body."""

    def __init__(self, method, raw_path, headers, body, hostile):
        self.method = method
        self.raw_path = raw_path
        parts = urllib.parse.urlsplit(raw_path)
        self.raw_path_only = parts.path
        # segments are percent-decoded one by one, so %2F inside a segment stays
        # inside it; '+' is a literal '+' in a path (as in Werkzeug / Starlette)
        segs = [urllib.parse.unquote(s) for s in parts.path.split("/")]
        if hostile:
            segs = [unhostile(s) for s in segs]
        self.segments = segs
        self.path = "/".join(segs)
        self.query = parts.query
        args = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        if hostile:
            args = {unhostile(k): [unhostile(v) for v in vs] for k, vs in args.items()}
        self.args = args
        self.headers = headers
        self.body = body
        self.hostile = hostile

    def arg(self, name, default=None):
        vals = self.args.get(name)
        return vals[0] if vals else default

    def arglist(self, name):
        return list(self.args.get(name, []))

    def header(self, name, default=None):
        v = self.headers.get(name)
        return default if v is None else v

    def content_type(self):
        ct = self.headers.get("Content-Type")
        if ct is None:
            return None
        return ct.split(";")[0].strip().lower()


class Response(object):
    """status, [(header, value)], body bytes.  ``reason`` overrides the phrase."""

    def __init__(self, status, body=b"", headers=None, reason=None):
        self.status = status
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.body = body
        self.headers = list(headers or [])
        self.reason = reason


class App(object):
    """Base of a simulator app.  Override handle() and error500()."""

    name = "sim"
    # header names/values every answer gets, e.g. [("server", "uvicorn")];
    # a "date" entry with value None is filled with the current HTTP date
    base_headers = [("Server", "python-sim"), ("Date", None)]
    lowercase_headers = False   # True: "content-length" (uvicorn style)
    keep_alive = True           # False: "Connection: close" on every answer (gunicorn sync)

    def __init__(self, args):
        self.args = args
        self.state = None

    @property
    def hostile(self):
        return self.state is not None and self.state.mode == "hostile"

    def handle(self, req):
        return Response(404, b"not found\n", [("Content-Type", "text/plain")])

    def error500(self, req):
        return Response(500, b"Internal Server Error\n", [("Content-Type", "text/plain")])

    @staticmethod
    def add_arguments(parser):
        pass


# --------------------------------------------------------------- server

class SimState(object):
    def __init__(self, mode, seed):
        self.lock = threading.Lock()
        self.mode = mode
        self.seed = seed
        self.requests = collections.deque(maxlen=REQUEST_LOG_SIZE)
        self.requests_seen = 0

    def record(self, method, raw_path, headers, body):
        parts = urllib.parse.urlsplit(raw_path)
        hdrs = {}
        for k, v in headers.items():
            hdrs[k] = (hdrs[k] + ", " + v) if k in hdrs else v
        entry = {
            "method": method,
            "path": urllib.parse.unquote(parts.path),
            "query": parts.query,
            "args": urllib.parse.parse_qs(parts.query, keep_blank_values=True),
            "headers": hdrs,
            "body": body.decode("utf-8", "replace"),
            "time": time.time(),
        }
        with self.lock:
            self.requests.append(entry)
            self.requests_seen += 1


class SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128


def _control_json(status, obj):
    body = (json.dumps(obj, indent=2) + "\n").encode("utf-8")
    return Response(status, body, [("Content-Type", "application/json")])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sys_version = ""
    timeout = 300  # idle keep-alive connections are dropped after this

    @property
    def app(self):
        return self.server.app

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("[%s] %s - %s\n" % (self.app.name, self.address_string(), fmt % args))

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    break
                try:
                    size = int(line.split(b";")[0].strip() or b"0", 16)
                except ValueError:
                    break
                if size == 0:
                    while True:
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
        reason = resp.reason
        if reason is None:
            reason = self.responses.get(resp.status, ("",))[0]
        self.log_request(resp.status, len(resp.body))
        self.send_response_only(resp.status, reason)
        have = {k.lower() for k, _ in resp.headers}
        for k, v in self.app.base_headers:
            if k.lower() in have:
                continue
            if v is None and k.lower() == "date":
                v = email.utils.formatdate(usegmt=True)
            self.send_header(k, v)
        for k, v in resp.headers:
            self.send_header(k, v)
        if not self.app.keep_alive:
            self.send_header("Connection", "close")
            self.close_connection = True
        if "content-length" not in have:
            name = "content-length" if self.app.lowercase_headers else "Content-Length"
            self.send_header(name, str(len(resp.body)))
        self.end_headers()
        if not head_only and resp.body:
            self.wfile.write(resp.body)
        try:
            self.wfile.flush()
        except OSError:
            pass

    def _hang(self):
        deadline = time.time() + HANG_LIMIT_S
        sock = self.connection
        while time.time() < deadline and not self.server.stopping.is_set():
            try:
                r, _, _ = select.select([sock], [], [], 0.25)
                if r:
                    data = sock.recv(4096, socket.MSG_PEEK)
                    if not data:
                        break
                    sock.recv(len(data))
            except (OSError, ValueError):
                break
        self.close_connection = True

    def _dispatch(self):
        body = self._read_body()
        method = self.command
        raw_path = self.path
        state = self.server.state
        path_only = urllib.parse.urlsplit(raw_path).path
        if path_only.startswith("/__sim/"):
            self._send(self._control(path_only, raw_path), head_only=(method == "HEAD"))
            return
        state.record(method, raw_path, self.headers, body)
        mode = state.mode
        if mode == "hang":
            self._hang()
            return
        req = Request(method, raw_path, self.headers, body, mode == "hostile")
        try:
            if mode == "error500":
                resp = self.app.error500(req)
            else:
                resp = self.app.handle(req)
        except Exception:
            traceback.print_exc()
            resp = self.app.error500(req)
        self._send(resp, head_only=(method == "HEAD"))

    def _control(self, path, raw_path):
        state = self.server.state
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(raw_path).query)
        if path == "/__sim/set":
            mode = (q.get("mode") or [""])[0]
            if mode not in MODES:
                return _control_json(400, {"error": "unknown mode %r" % mode, "modes": list(MODES)})
            with state.lock:
                prev, state.mode = state.mode, mode
            return _control_json(200, {"mode": mode, "previous": prev})
        if path == "/__sim/requests":
            with state.lock:
                items = list(state.requests)
                if (q.get("clear") or ["0"])[0] not in ("0", "", "false"):
                    state.requests.clear()
            return _control_json(200, items)
        if path == "/__sim/state":
            return _control_json(200, {"mode": state.mode, "seed": state.seed,
                                       "server": self.app.name,
                                       "requests_seen": state.requests_seen})
        return _control_json(404, {"error": "unknown control route " + path})

    def handle_one_request(self):
        try:
            BaseHTTPRequestHandler.handle_one_request(self)
        except (ConnectionError, socket.timeout, BrokenPipeError):
            self.close_connection = True

    def __getattr__(self, name):
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
    """Bind, write the port file, serve until SIGTERM/SIGINT.  Returns 0."""
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


def main(app_class, description, argv=None):
    parser = common_parser(description)
    app_class.add_arguments(parser)
    args = parser.parse_args(argv)
    app = app_class(args)
    return serve(app, args)


# --------------------------------------------------------------- fixtures

def fixtures_dir(*parts):
    """tests/fixtures/<parts...>, relative to this file (never the steering folder outside the repository)."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", *parts)


def fixture_bytes(*parts):
    with open(fixtures_dir(*parts), "rb") as f:
        return f.read()


def fixture_json(*parts):
    return json.loads(fixture_bytes(*parts).decode("utf-8"))
