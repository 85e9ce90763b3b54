#!/usr/bin/env python3
"""An HTTP target for mlconsole's generic [http NAME] kind:

  web_target.py --port PORT [--stack DIR]

(--stack names the stack that started it, in its argv, by which
`stack down` knows the process for its own.)

GET /misc/ping     200 "PING" (text/html), as pgAdmin 4 answers
GET /api/health    200 {"commit": ..., "database": "ok", "version": "10.4.2"},
                   as Grafana 10 answers (its version is what mlconsole shows)
GET /welcome       200 an nginx welcome page: the body a test expects to
                   differ from what [http] expect_body asks for
GET /unavailable   503 {"status": "unavailable"}
anything else      404

Binds 127.0.0.1 only; exits on SIGTERM or SIGINT. Standard library only.
"""

import argparse
import http.server
import json
import signal
import sys

GRAFANA = json.dumps({"commit": "0c2a25a4b8", "database": "ok", "version": "10.4.2"},
                     indent=2).encode()
NGINX = (b"<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n"
         b"<body>\n<h1>Welcome to nginx!</h1>\n</body>\n</html>\n")

ROUTES = {
    "/misc/ping": (200, "text/html; charset=utf-8", b"PING"),
    "/api/health": (200, "application/json", GRAFANA),
    "/welcome": (200, "text/html", NGINX),
    "/unavailable": (503, "application/json", b'{"status": "unavailable"}'),
}


def main():
    ap = argparse.ArgumentParser(description="an HTTP target like pgAdmin and Grafana")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--stack", help="the stack's folder (only named in argv)")
    a = ap.parse_args()

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            status, ctype, body = ROUTES.get(self.path.split("?", 1)[0],
                                             (404, "text/plain", b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), H)
    srv.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
