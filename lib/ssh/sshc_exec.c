/* lib/ssh/sshc_exec.c — exec channels on an SSH session: open, exec, read
 * stdout/stderr under a byte cap, close, deliver the result exactly once from
 * the loop; cancel and timeout. The transport lives in sshc.c. Never blocks,
 * never draws. */
#include "lib/ssh/sshc_int.h"

#include <errno.h>
#include <libssh2.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"

/* The transport failed: every exec still waiting gets err (r NULL), and the
 * session is down for good. */
void sshc_session_down(struct sshc_session *s, int code, long detail, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sshc_session_down(struct sshc_session *s, int code, long detail, const char *fmt, ...)
{
	if (s->st != SS_UP)
		return;
	struct mlc_err e;
	char what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	mlc_err_set(&e, code, detail, "ssh %s: %s", s->label, what);
	s->down_err = e;
	sshc_teardown(s, false);
	s->st = SS_DOWN;
	s->depth++;
	for (struct sshc_exec *x = s->ops; x && !s->closed; x = x->next) {
		if (x->st >= XS_DEFER)
			continue;
		x->st = XS_DEAD;
		if (!x->cancelled) {
			x->cancelled = true;
			sshc_exec_unbusy(x);
			x->cb(NULL, &e, x->arg);
		}
	}
	s->depth--;
}

enum step sshc_lost(struct sshc_session *s, int rc, const char *doing)
{
	sshc_session_down(s, MLC_ERR_CONNECT, rc, "connection lost while %s: %s", doing,
			  sshc_errmsg(s));
	return STEP_DOWN;
}

/* Records the first time x reaches a phase (a field of x->phases). */
static void mark(struct sshc_exec *x, int64_t *phase)
{
	if (!*phase)
		*phase = MLC_MAX(1, sshc_now_us() - x->t0_us);
}

/* The debug line of one exec's phases, in milliseconds from sshc_exec. */
static void trace(struct sshc_session *s, struct sshc_exec *x, int exit_status)
{
	const struct sshc_phases *p = &x->phases;
	log_debug("ssh %s: exec \"%.40s\" (exit %d) open %.2f exec-sent %.2f exec-ok %.2f "
		  "first-byte %.2f eof %.2f closed %.2f ms",
		  s->label, x->cmd, exit_status, p->open_us / 1e3, p->exec_sent_us / 1e3,
		  p->exec_ok_us / 1e3, p->first_us / 1e3, p->eof_us / 1e3, p->close_us / 1e3);
}

static void exec_deliver(struct sshc_session *s, struct sshc_exec *x, int exit_status,
			 const char *sig, const struct mlc_err *err)
{
	struct sshc_result r;
	memset(&r, 0, sizeof r);
	if (sshc_tracing)
		trace(s, x, exit_status);
	r.phases = x->phases;
	r.exit_status = exit_status;
	if (sig)
		sshc_ascii_into(r.exit_signal, sizeof r.exit_signal, sig, strlen(sig));
	r.out = x->out.data ? x->out.data : "";
	r.out_len = x->out.len;
	r.err = x->err.data ? x->err.data : "";
	r.err_len = x->err.len;
	r.truncated = x->truncated;
	x->cancelled = true;
	sshc_exec_unbusy(x);
	x->cb(&r, err, x->arg);
	(void)s;
}

/* A channel-level refusal: x fails alone, the session stays up. */
static enum step exec_fail(struct sshc_session *s, struct sshc_exec *x, int rc, const char *what)
{
	struct mlc_err e;
	mlc_err_set(&e, MLC_ERR_PROTO, rc, "ssh %s: %s: %s", s->label, what, sshc_errmsg(s));
	x->st = x->ch ? XS_CLOSE : XS_DEAD;
	if (!x->cancelled) {
		x->cancelled = true;
		x->deadline = mono_ms() + SSHC_ZOMBIE_MS;
		sshc_exec_unbusy(x);
		x->cb(NULL, &e, x->arg);
	}
	return STEP_PROGRESS;
}

static void keep(struct sshc_exec *x, int stream, const char *p, size_t n)
{
	if (x->cancelled)
		return;
	struct buf *b = stream ? &x->err : &x->out;
	size_t room = x->max_bytes > b->len ? x->max_bytes - b->len : 0;
	size_t take = n < room ? n : room;
	if (take) {
		buf_append(b, p, take);
		x->fresh = true;
	}
	if (take < n) {
		x->truncated = true;
		x->dropped += n - take;
		if (x->dropped > SSHC_DRAIN_LIMIT)
			x->cut = true;
	}
}

/* Reads one stream until EAGAIN (or the step budget). Returns 0 or a
 * libssh2 error. */
static int read_stream(struct sshc_exec *x, int stream, bool *progress)
{
	char tmp[32768];
	size_t total = 0;
	for (;;) {
		ssize_t n = libssh2_channel_read_ex(x->ch, stream, tmp, sizeof tmp);
		if (n == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return 0;
		*progress = true;
		mark(x, &x->phases.first_us);
		keep(x, stream, tmp, (size_t)n);
		total += (size_t)n;
		if (x->cut || total >= SSHC_STEP_BYTES)
			return 0;
	}
}

/* Advances one exec as far as it goes without blocking. Never calls libssh2
 * after x's callback ran (the callee may have closed the session). */
/* The end of a command: close the channel, wait for the server's CLOSE,
 * read the exit status or signal, and deliver (unless cancelled). */
static enum step exec_close(struct sshc_session *s, struct sshc_exec *x, bool progress)
{
	/* 1.10 sends EOF and CLOSE, then reads until the server's CLOSE,
	 * after which exit-status (sent before it) is known; but its read
	 * loop also ends on a packet of another channel of the session,
	 * so with several commands in flight it can return first. Then
	 * wait_closed reads on until this channel's CLOSE has come.
	 * close is called once: a second call fakes the server's CLOSE. */
	if (!x->close_sent) {
		int rc = libssh2_channel_close(x->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return progress ? STEP_PROGRESS : STEP_BLOCKED;
		if (rc < 0 && sshc_transport_error(rc))
			return sshc_lost(s, rc, "closing a channel");
		x->close_sent = true;
	}
	if (!x->cut && !x->cancelled && libssh2_channel_eof(x->ch)) {
		int rc = libssh2_channel_wait_closed(x->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return progress ? STEP_PROGRESS : STEP_BLOCKED;
		if (rc < 0 && sshc_transport_error(rc))
			return sshc_lost(s, rc, "closing a channel");
	}
	int status = x->cut ? -1 : libssh2_channel_get_exit_status(x->ch);
	char *sig = NULL;
	size_t siglen = 0;
	libssh2_channel_get_exit_signal(x->ch, &sig, &siglen, NULL, NULL, NULL, NULL);
	char sigbuf[32] = "";
	if (sig) {
		sshc_ascii_into(sigbuf, sizeof sigbuf, sig, siglen);
		libssh2_free(s->ssh, sig);
		if (sigbuf[0])
			status = -1;
	}
	libssh2_channel_free(x->ch);
	x->ch = NULL;
	x->st = XS_DEAD;
	mark(x, &x->phases.close_us);
	if (!x->cancelled)
		exec_deliver(s, x, status, sigbuf, NULL);
	return STEP_PROGRESS;
}

/* XS_OPEN: opens x's channel, one opening per session at a time.
 * Returns true, with *ret, when exec_step stops here. */
static bool step_open(struct sshc_session *s, struct sshc_exec *x, enum step *ret)
{
	/* libssh2 keeps one channel-open state per session: one at a time. */
	if (s->opening && s->opening != x) {
		*ret = STEP_BLOCKED;
		return true;
	}
	s->opening = x;
	LIBSSH2_CHANNEL *ch =
	    x->pump ? sshc_tunnel_channel(s, x) : libssh2_channel_open_session(s->ssh);
	if (!ch) {
		int e = libssh2_session_last_errno(s->ssh);
		if (e == LIBSSH2_ERROR_EAGAIN) {
			*ret = STEP_BLOCKED;
			return true;
		}
		s->opening = NULL;
		*ret = sshc_transport_error(e) ? sshc_lost(s, e, "opening a channel")
					       : exec_fail(s, x, e, "cannot open a channel");
		return true;
	}
	s->opening = NULL;
	x->ch = ch;
	mark(x, &x->phases.open_us);
	/* cancelled: never run it; a ping runs nothing at all */
	x->st = (x->cancelled || x->ping) ? XS_CLOSE : x->pump ? XS_READ : XS_EXEC;
	return false;
}

/* XS_READ of a command: reads both streams, hands fresh output to out_cb,
 * moves to XS_CLOSE at the end. Returns true, with *ret, when exec_step
 * stops here. */
static bool step_read(struct sshc_session *s, struct sshc_exec *x, bool *progress, enum step *ret)
{
	if (!x->cancelled) {
		for (int stream = 0; stream < 2; stream++) {
			int rc = read_stream(x, stream, progress);
			if (rc < 0) {
				*ret = sshc_transport_error(rc)
					   ? sshc_lost(s, rc, "reading command output")
					   : exec_fail(s, x, rc, "reading command output");
				return true;
			}
		}
	}
	if (x->fresh && x->out_cb && !x->cancelled) {
		x->fresh = false;
		x->out_cb(x->out.data ? x->out.data : "", x->out.len,
			  x->err.data ? x->err.data : "", x->err.len, x->out_arg);
	}
	if (!x->cancelled && !x->cut && !libssh2_channel_eof(x->ch)) {
		*ret = *progress ? STEP_PROGRESS : STEP_BLOCKED;
		return true;
	}
	if (!x->cancelled && !x->cut)
		mark(x, &x->phases.eof_us);
	x->st = XS_CLOSE;
	*progress = true;
	return false;
}

static enum step exec_step(struct sshc_session *s, struct sshc_exec *x)
{
	bool progress = false;
	enum step ret;
	if (x->st == XS_OPEN) {
		if (step_open(s, x, &ret))
			return ret;
		progress = true;
	}
	if (x->st == XS_EXEC && x->cancelled && !x->exec_started)
		x->st = XS_CLOSE;
	if (x->st == XS_EXEC) {
		x->exec_started = true;
		int rc = libssh2_channel_exec(x->ch, x->cmd);
		mark(x, &x->phases.exec_sent_us);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return progress ? STEP_PROGRESS : STEP_BLOCKED;
		if (rc < 0) {
			if (sshc_transport_error(rc))
				return sshc_lost(s, rc, "starting a command");
			return exec_fail(s, x, rc, "command refused");
		}
		mark(x, &x->phases.exec_ok_us);
		x->st = XS_READ;
		progress = true;
	}
	if (x->st == XS_READ && x->pump) {
		int rc = x->cancelled ? 1 : sshc_pump_step(x, &progress);
		if (rc < 0) {
			if (sshc_transport_error(rc))
				return sshc_lost(s, rc, "forwarding through the tunnel");
			return exec_fail(s, x, rc, "forwarding through the tunnel");
		}
		if (rc == 0)
			return progress ? STEP_PROGRESS : STEP_BLOCKED;
		x->st = XS_CLOSE;
		progress = true;
	}
	if (x->st == XS_READ && step_read(s, x, &progress, &ret))
		return ret;
	if (x->st == XS_CLOSE)
		return exec_close(s, x, progress);
	return progress ? STEP_PROGRESS : STEP_BLOCKED;
}

bool sshc_has_active(struct sshc_session *s)
{
	for (struct sshc_exec *x = s->ops; x; x = x->next)
		if (x->st < XS_DEFER)
			return true;
	return false;
}

/* Steps every channel until a whole pass makes no progress and libssh2 took
 * no new bytes from the socket: a read on one channel can queue packets for
 * another, which would otherwise wait for a readiness event that never
 * comes. */
void sshc_run_ops(struct sshc_session *s)
{
	for (int pass = 0; pass < SSHC_MAX_PASSES; pass++) {
		uint64_t before = s->nrecv;
		bool progress = false;
		for (struct sshc_exec *x = s->ops; x; x = x->next) {
			if (x->st >= XS_DEFER)
				continue;
			enum step r = exec_step(s, x);
			if (s->closed || s->st != SS_UP)
				return;
			if (r == STEP_PROGRESS)
				progress = true;
		}
		if (!progress && s->nrecv == before)
			return;
	}
	s->kick = true; /* still busy: go on next turn, let the rest of the program run */
}

void sshc_exec_timeout(struct sshc_session *s, struct sshc_exec *x, int64_t now)
{
	struct mlc_err e;
	mlc_err_set(&e, MLC_ERR_TIMEOUT, 0, "ssh %s: command timed out: %.80s", s->label, x->cmd);
	x->deadline = now + SSHC_ZOMBIE_MS;
	if (x->st == XS_OPEN && s->opening != x)
		x->st = XS_DEAD;
	exec_deliver(s, x, -1, NULL, &e);
}

static void exec_deferred(void *arg)
{
	struct sshc_exec *x = arg;
	struct sshc_session *s = x->s;
	x->defer = NULL;
	x->st = XS_DEAD;
	x->cancelled = true;
	sshc_exec_unbusy(x);
	x->cb(NULL, &x->defer_err, x->arg);
	if (!s->closed)
		sshc_reap(s);
}

static struct sshc_exec *exec_start(struct sshc_session *s, const char *command, bool ping,
				    struct sshc_pump *pump, size_t max_bytes, long timeout_ms,
				    sshc_exec_cb cb, void *arg)
{
	struct sshc_exec *x = xcalloc(1, sizeof *x);
	x->s = s;
	x->ping = ping;
	x->pump = pump;
	x->cmd = xstrdup(ping ? "(ping)" : command ? command : "");
	x->max_bytes = max_bytes ? max_bytes : SSHC_MAX_BYTES;
	x->deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : SSHC_EXEC_MS);
	x->cb = cb;
	x->arg = arg;
	x->t0_us = sshc_now_us();
	buf_init(&x->out);
	buf_init(&x->err);
	*s->ops_tail = x;
	s->ops_tail = &x->next;
	if (!x->pump)
		loop_busy_inc();
	if (s->closed || s->st != SS_UP || !x->cmd[0]) {
		x->st = XS_DEFER;
		if (!x->cmd[0])
			mlc_err_set(&x->defer_err, MLC_ERR_USAGE, 0, "ssh %s: empty command",
				    s->label);
		else
			mlc_err_set(&x->defer_err, MLC_ERR_CONNECT, 0, "ssh %s: not connected",
				    s->label);
		if (s->closed) { /* misuse: the session is gone, so is any callback */
			x->st = XS_DEAD;
			x->cancelled = true;
			sshc_exec_unbusy(x);
		} else {
			x->defer = loop_defer(exec_deferred, x);
		}
		return x;
	}
	x->st = XS_OPEN;
	s->kick = true; /* start it on the next turn, never inside this call */
	sshc_rearm(s);
	return x;
}

struct sshc_exec *sshc_exec(struct sshc_session *s, const char *command, size_t max_bytes,
			    long timeout_ms, sshc_exec_cb cb, void *arg)
{
	return exec_start(s, command, false, NULL, max_bytes, timeout_ms, cb, arg);
}

struct sshc_exec *sshc_ping(struct sshc_session *s, long timeout_ms, sshc_exec_cb cb, void *arg)
{
	return exec_start(s, NULL, true, NULL, 0, timeout_ms, cb, arg);
}

/* A tunnel lives as long as the session that runs over it, so it never
 * counts as work in flight (the headless driver waits for none). */
void sshc_exec_unbusy(struct sshc_exec *x)
{
	if (!x->pump)
		loop_busy_dec();
}

struct sshc_exec *sshc_tunnel_open(struct sshc_session *s, const char *host, int port,
				   struct sshc_pump *pump, sshc_exec_cb cb, void *arg)
{
	struct sshc_exec *x = exec_start(s, host, false, pump, 0, 0, cb, arg);
	x->tport = port;
	x->deadline = INT64_MAX;
	return x;
}

void sshc_exec_on_output(struct sshc_exec *x, sshc_output_cb cb, void *arg)
{
	x->out_cb = cb;
	x->out_arg = arg;
}

void sshc_exec_cancel(struct sshc_exec *x)
{
	if (!x || x->cancelled)
		return;
	struct sshc_session *s = x->s;
	x->cancelled = true;
	sshc_exec_unbusy(x);
	if (x->defer) {
		loop_defer_cancel(x->defer);
		x->defer = NULL;
		x->st = XS_DEAD;
	} else if (x->st == XS_OPEN && s->opening != x) {
		x->st = XS_DEAD; /* libssh2 never saw it */
	} else {
		/* Wind the channel down quietly; give up after SSHC_ZOMBIE_MS. */
		x->deadline = mono_ms() + SSHC_ZOMBIE_MS;
		s->kick = true;
	}
	if (!s->closed) {
		sshc_reap(s);
		sshc_rearm(s);
	}
}
