#!/usr/bin/env python3
"""A TCP black hole for tests: accepts connections on 127.0.0.1 and then
never reads from them nor answers, so a client's connect() succeeds and its
request hangs until the client's own timeout fires.

  blackhole.py [--port P] [--port-file F]

--port 0 (the default) picks a free port; the port is written to --port-file
(atomically, once listening) and to stdout.  Exits on SIGTERM or SIGINT.
Standard library only.
"""

import argparse
import os
import select
import signal
import socket
import sys


def main():
    ap = argparse.ArgumentParser(description="accept TCP connections, never answer")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--max-held", type=int, default=512,
                    help="connections kept open at once; the oldest is dropped beyond it")
    a = ap.parse_args()

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", a.port))
    srv.listen(128)
    port = srv.getsockname()[1]

    def bye(*_):
        sys.exit(0)
    signal.signal(signal.SIGTERM, bye)
    signal.signal(signal.SIGINT, bye)

    if a.port_file:
        tmp = "%s.tmp.%d" % (a.port_file, os.getpid())
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, a.port_file)
    print(port, flush=True)

    held = []
    while True:
        # Only the listening socket is watched: what clients send is never read.
        r, _, _ = select.select([srv], [], [])
        if r:
            try:
                c, _ = srv.accept()
            except OSError:
                continue
            held.append(c)
            if len(held) > a.max_held:
                held.pop(0).close()


if __name__ == "__main__":
    main()
