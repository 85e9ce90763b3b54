#!/usr/bin/env python3
"""MinIO's health endpoints for tests, with the answers chosen by the test:

  minio_health.py [--live 200|503] [--cluster 200|503]

GET /minio/health/live and /minio/health/cluster answer the given status
with an empty body and MinIO's Server header, as MinIO does (no auth).
Every other request gets S3's AccessDenied error document (403), so that a
client's ListBuckets fails the way it does against a MinIO with wrong keys.
Binds 127.0.0.1 on a free port and prints the port on stdout once
listening; exits on SIGTERM or SIGINT. Standard library only.
"""

import argparse
import http.server
import signal
import sys

ACCESS_DENIED = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
                 b'<Message>Access Denied.</Message><Resource>/</Resource></Error>')


def main():
    ap = argparse.ArgumentParser(description="MinIO health endpoints with chosen answers")
    ap.add_argument("--live", type=int, default=200)
    ap.add_argument("--cluster", type=int, default=200)
    a = ap.parse_args()

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def version_string(self):
            return "MinIO"

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path in ("/minio/health/live", "/minio/health/cluster"):
                status = a.live if path.endswith("live") else a.cluster
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(403)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(ACCESS_DENIED)))
            self.end_headers()
            self.wfile.write(ACCESS_DENIED)

        do_HEAD = do_GET

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
