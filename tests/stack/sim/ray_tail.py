"""The Ray simulator's /api/jobs/{id}/logs/tail: the dashboard's WebSocket
(aiohttp's WebSocketResponse in dashboard/modules/job/job_head.py
tail_job_logs) written by hand on the standard library: the RFC 6455
upgrade, then the log from its start in text frames (at most 20000
characters each, as Ray's file_tail_iterator chunks it), then what the log
gains while the job runs, then a close frame (1000) when it ends.

Modes (request modes of simcommon): tail (ten fixed lines, then one line
every 50 ms, 20 lines, then the job "ends": close), bigtail (a generated 100 MB
log, sent as fast as the socket takes it, then close; /logs then answers
9 MiB, past the client's cap), notail and grow (an older dashboard: 404, so the client polls
/logs).  Without a mode: the log, then its growth every 0.5 s while the job
runs, until the client goes away or HANG_LIMIT_S.
"""

import base64
import hashlib
import select
import struct
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
# bigtail's /logs: this line repeated past 9 MiB (the client's cap is 8)
BIG_HEAD = "(TrainWorker pid=52110) warming up the 100 MB log\n"
CHUNK = 20000
LIMIT_S = 60


def accept_key(key):
    return base64.b64encode(hashlib.sha1(key.encode("ascii") + GUID).digest()).decode()


def frame(op, payload):
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "surrogateescape")
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | op, n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | op, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | op, 127, n)
    return head + payload


def peer_gone(sock, wait=0.0):
    """Whether the client closed (EOF or a close frame) within wait s;
    anything else it sends (pongs) is read and dropped."""
    r, _, _ = select.select([sock], [], [], wait)
    if not r:
        return False
    data = sock.recv(65536)
    return not data or (data[0] & 0x0f) == 8


def send_text(sock, text):
    for i in range(0, len(text), CHUNK):
        sock.sendall(frame(1, text[i:i + CHUNK]))


def close(sock, code=1000):
    try:
        sock.sendall(frame(8, struct.pack("!H", code)))
        peer_gone(sock, 1.0)  # its close in answer, or EOF
    except OSError:
        pass


def big_log(sock, mb):
    """mb MiB of generated lines (never held whole), as fast as it goes."""
    total, step, want = 0, 0, mb << 20
    while total < want:
        lines = []
        for _ in range(600):
            lines.append("\x1b[36m(TrainWorker pid=52110)\x1b[0m step %09d loss=%.4f "
                         "lr=2.0e-04 tokens/s=1843.2 gpu_mem=71234MiB\n"
                         % (step, 1.0 + (step % 997) / 1000.0))
            step += 1
        chunk = "".join(lines)
        sock.sendall(frame(1, chunk))
        total += len(chunk)
    sock.sendall(frame(1, "Done: %d steps\n" % step))


def stream(app, req, j, sock):
    """The socket after the upgrade: the log, its growth, the close."""
    c = app.c
    with c.lock:
        log = c.job_logs(j)
    if req.mode == "bigtail":
        big_log(sock, 100)
        close(sock)
        return
    if req.mode == "tail":
        # a log of its own, whatever the clock: screen tests compare it
        log = "".join("\x1b[36m(Worker pid=7)\x1b[0m warming up %d/10\n" % k
                      for k in range(1, 11))
    send_text(sock, log)
    if req.mode == "tail":
        for i in range(1, 21):
            if peer_gone(sock, 0.05):
                return
            sock.sendall(frame(1, "tail line %d\n" % i))
        close(sock)
        return
    deadline = time.time() + LIMIT_S
    sock.sendall(frame(9, b"sim"))  # a ping: the client answers with a pong
    while time.time() < deadline:
        if peer_gone(sock, 0.5):
            return
        with c.lock:
            c.refresh_jobs()
            now = c.job_logs(j)
            running = j["status"] in ("PENDING", "RUNNING")
        if now.startswith(log) and len(now) > len(log):
            send_text(sock, now[len(log):])
        log = now
        if not running:
            break
    close(sock)


def handle(app, req, ident):
    """/api/jobs/{ident}/logs/tail: 404/400 as job_head.py answers them,
    400 without an upgrade, else 101 and the stream."""
    from simcommon import Response
    if req.mode in ("notail", "grow"):
        return Response(404, "404: Not Found")
    c = app.c
    with c.lock:
        c.refresh_jobs()
        j = c.find_job(ident)
    if j is None:
        return Response(404, "Job %s does not exist" % ident)
    if j["type"] != "SUBMISSION":
        return Response(400, "Can only get logs of submission type jobs")
    key = req.header("Sec-WebSocket-Key")
    if (req.header("Upgrade") or "").lower() != "websocket" or not key:
        return Response(400, "No WebSocket UPGRADE hdr: None\n Can \"Upgrade\" only to "
                        "\"WebSocket\".")
    resp = Response(101, b"", None, [("Upgrade", "websocket"), ("Connection", "upgrade"),
                                     ("Sec-WebSocket-Accept", accept_key(key))],
                    reason="Switching Protocols")
    resp.stream = lambda sock: stream(app, req, j, sock)
    return resp
