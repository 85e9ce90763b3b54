#!/usr/bin/env python3
"""Replay captured ListObjectsV2 pages from a static loopback server.

Standard library only.  The S3 benchmark captures the pages of one listing
(DIR/page-000.xml, page-001.xml, ...) and serves them from here, so that
what a client spends shows without the server's cost: every body is read
into memory at start, and a request costs a dictionary look-up and one
send.  A GET of the bucket answers by position: no continuation-token (nor
marker, nor start-after) gives page 0; a continuation-token equal to page
i's NextContinuationToken, or a marker / start-after equal to page i's last
key, gives page i+1.  The other parameters (prefix, max-keys, encoding-type)
are ignored and signatures are not checked.  GET ?location answers
us-east-1, HEAD of the bucket 200; anything else 404, logged to stderr.
HTTP/1.1 keep-alive, Content-Length, one thread per connection.

  s3replay.py --dir DIR --bucket NAME --port-file FILE [--log FILE]

Binds 127.0.0.1 on a free port, writes it to --port-file once listening,
and counts the pages served into --log on SIGTERM (then exits).
"""

import argparse
import html
import http.server
import os
import re
import signal
import socketserver
import sys
import threading
import urllib.parse

TOKEN = re.compile(rb"<NextContinuationToken>([^<]*)</NextContinuationToken>")
KEY = re.compile(rb"<Key>([^<]*)</Key>")
LOCATION = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            b'</LocationConstraint>')
NOT_FOUND = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
             b'<Message>not in the replay</Message></Error>')


def load(d):
    pages = []
    names = sorted(n for n in os.listdir(d) if re.fullmatch(r"page-\d+\.xml", n))
    for n in names:
        with open(os.path.join(d, n), "rb") as f:
            pages.append(f.read())
    if not pages:
        sys.exit("s3replay: no page-NNN.xml in %s" % d)
    after = {}  # token or last key -> index of the page that follows
    for i, body in enumerate(pages[:-1]):
        m = TOKEN.search(body)
        if m:
            after[html.unescape(m.group(1).decode())] = i + 1
        keys = KEY.findall(body)
        if keys:
            after[html.unescape(keys[-1].decode())] = i + 1
    return pages, after


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    served = 0
    lock = threading.Lock()

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, ctype="application/xml"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amz-request-id", "replay")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        path = urllib.parse.urlsplit(self.path).path.strip("/")
        self.reply(200 if path == self.server.bucket else 404, b"")

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        if u.path.strip("/") != self.server.bucket:
            sys.stderr.write("s3replay: 404 for %s\n" % self.path)
            self.reply(404, NOT_FOUND)
            return
        if "location" in q:
            self.reply(200, LOCATION)
            return
        pos = None
        for name in ("continuation-token", "marker", "start-after"):
            v = q.get(name, [""])[0]
            if v:
                pos = self.server.after.get(v)
                if pos is None:
                    sys.stderr.write("s3replay: unknown %s %r\n" % (name, v[:80]))
                    self.reply(404, NOT_FOUND)
                    return
                break
        with Handler.lock:
            Handler.served += 1
        self.reply(200, self.server.pages[pos or 0])


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--bucket", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    a = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.pages, srv.after = load(a.dir)
    srv.bucket = a.bucket

    def stop(*_):
        if a.log:
            with open(a.log, "w") as f:
                f.write("%d pages served\n" % Handler.served)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
