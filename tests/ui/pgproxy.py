#!/usr/bin/env python3
"""tests/ui/pgproxy.py — a TCP proxy in front of the stack's PostgreSQL for
the screen test of a server that stops and comes back while the Databases
panel is open, ordered by marker files the script writes (`:save-display
@DIR@/NAME`) and by the console's own traffic, never by the clock:

- once DIR/stop exists, the next bytes a client already connected sends
  stop the server (`tests/stack/stack stop`, waited for) and that client
  is cut off; new clients are refused at once (one let through while the
  server shuts down would hold the shutdown up: its backend would wait for
  a startup packet the proxy no longer forwards);
- once DIR/start exists, a new client first starts the server again
  (`tests/stack/stack start`, which waits until it answers), then passes.

The console's query is in flight all the while, so the script (which waits
for nothing in flight) sees each step done. Prints its port on stdout.
Usage: pgproxy.py UPSTREAM_PORT STACK_DIR MARKER_DIR"""
import os
import socket
import subprocess
import sys
import threading

UPSTREAM, STACK, MARKS = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lock = threading.Lock()
down = [False]


def phase():
    if os.path.exists(os.path.join(MARKS, "start")):
        return "start"
    if os.path.exists(os.path.join(MARKS, "stop")):
        return "stop"
    return None


def service(verb):
    with lock:
        if down[0] == (verb == "stop"):
            return
        subprocess.run(["tests/stack/stack", verb, STACK, "postgres"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        down[0] = verb == "stop"


def close(*socks):
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def pipe(src, dst, from_client):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if from_client and phase() == "stop":
                service("stop")
                break
            dst.sendall(data)
    except OSError:
        pass
    close(src, dst)


def serve(client):
    p = phase()
    if p == "start":
        service("start")
    elif p == "stop":
        close(client)
        return
    try:
        up = socket.create_connection(("127.0.0.1", UPSTREAM))
    except OSError:
        close(client)
        return
    threading.Thread(target=pipe, args=(up, client, False), daemon=True).start()
    pipe(client, up, True)


def main():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    print(srv.getsockname()[1], flush=True)
    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


if __name__ == "__main__":
    main()
