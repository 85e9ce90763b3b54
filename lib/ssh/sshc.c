/* lib/ssh/sshc.c — SSH sessions over libssh2 in non-blocking mode on the one
 * libuv loop (see sshc.h): resolve, TCP connect with a deadline, the driver
 * that steps handshake, auth (sshc_auth.c) and channels (sshc_exec.c),
 * keepalives. One uv_poll and one uv_timer drive each session and every
 * channel on it. Owns every LIBSSH2_SESSION. Never blocks on the network,
 * never prompts, never draws. The known_hosts half lives in sshc_kh.c. */
#include "lib/ssh/sshc.h"
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

/* ---- teardown and lifetime ---- */

void sshc_free_exec(struct sshc_exec *x)
{
	if (x->pump)
		sshc_pump_free(x->pump);
	free(x->cmd);
	buf_free(&x->out);
	buf_free(&x->err);
	free(x);
}

static void free_session(struct sshc_session *s)
{
	for (struct sshc_exec *x = s->ops, *nx; x; x = nx) {
		nx = x->next;
		sshc_free_exec(x);
	}
	free_items(s->keys, s->nkeys, sizeof *s->keys, free_item_ptr);
	free(s->host);
	free(s->user);
	free(s->known_hosts);
	free(s->label);
	buf_free(&s->tried);
	free(s);
}

static void handle_closed(uv_handle_t *h)
{
	struct sshc_session *s = h->data;
	if (--s->handles == 0 && s->closed)
		free_session(s);
}

/* Frees execs that are finished; never while sshc_drive() walks the list. */
void sshc_reap(struct sshc_session *s)
{
	if (s->depth > 0)
		return;
	struct sshc_exec **pp = &s->ops;
	s->ops_tail = &s->ops;
	while (*pp) {
		struct sshc_exec *x = *pp;
		if (x->st == XS_DEAD) {
			*pp = x->next;
			sshc_free_exec(x);
		} else {
			pp = &x->next;
			s->ops_tail = &x->next;
		}
	}
}

/* libssh2 1.10 keeps half-done key exchange and auth state (the
 * curve25519 key pair, userauth packets) that only the function's own error
 * path frees, not libssh2_session_free: with I/O dead, call the pending step
 * once more so that it fails and cleans up. */
static void finish_connect_call(struct sshc_session *s)
{
	if (!s->call_pending)
		return;
	s->call_pending = false;
	if (s->st == SS_HANDSHAKE) {
		libssh2_session_handshake(s->ssh, s->fd);
	} else if (s->st == SS_AUTH) {
		if (s->ap == AP_LIST)
			libssh2_userauth_list(s->ssh, s->user, (unsigned)strlen(s->user));
		else if (s->ap == AP_AGENT && s->agent && s->agent_cur)
			libssh2_agent_userauth(s->agent, s->user, s->agent_cur);
		else if (s->ap == AP_KEYS && s->key_started)
			libssh2_userauth_publickey_fromfile_ex(s->ssh, s->user,
							       (unsigned)strlen(s->user), NULL,
							       s->keys[s->key_idx], "");
	}
}

/* Ends the transport: the poll, every channel, the libssh2 session and the
 * socket. graceful sends a disconnect first when the session is up. */
void sshc_teardown(struct sshc_session *s, bool graceful)
{
	sshc_jump_end(s);
	if (s->poll_inited && !uv_is_closing((uv_handle_t *)&s->poll)) {
		uv_poll_stop(&s->poll);
		uv_close((uv_handle_t *)&s->poll, handle_closed);
	}
	if (s->ssh) {
		if (graceful && s->st == SS_UP) {
			libssh2_session_disconnect(s->ssh, "closed by mlconsole");
			sshc_obuf_flush(s); /* best effort: a bye that does not fit is dropped */
		}
		/* libssh2 1.10 frees a channel only after a close round trip:
		 * make I/O dead, let pending steps fail and clean up, then free. */
		s->io_dead = true;
		finish_connect_call(s);
		if (s->opening) {
			LIBSSH2_CHANNEL *ch = s->opening->pump
						  ? sshc_tunnel_channel(s, s->opening)
						  : libssh2_channel_open_session(s->ssh);
			if (ch)
				libssh2_channel_free(ch);
		}
		if (s->agent) {
			libssh2_agent_disconnect(s->agent);
			libssh2_agent_free(s->agent);
			s->agent = NULL;
		}
		for (int i = 0; i < 16 && libssh2_session_free(s->ssh) == LIBSSH2_ERROR_EAGAIN; i++)
			;
		s->ssh = NULL;
		for (struct sshc_exec *x = s->ops; x; x = x->next)
			x->ch = NULL;
	}
	s->opening = NULL;
	buf_free(&s->obuf);
	s->obuf_off = 0;
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
}

/* ---- connect ---- */

static void connect_report(struct sshc_session *s, const struct mlc_err *e)
{
	s->connect_pending = false;
	loop_busy_dec();
	s->cb(s, e, s->arg);
}

void sshc_connect_fail(struct sshc_session *s, int code, long detail, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sshc_connect_fail(struct sshc_session *s, int code, long detail, const char *fmt, ...)
{
	struct mlc_err e;
	va_list ap;
	va_start(ap, fmt);
	sshc_set_err(&e, code, detail, fmt, ap);
	va_end(ap);
	sshc_teardown(s, false);
	s->st = SS_DOWN;
	uv_timer_stop(&s->timer);
	connect_report(s, &e);
}

void sshc_fail_deferred(void *arg)
{
	struct sshc_session *s = arg;
	s->fail_defer = NULL;
	s->st = SS_DOWN;
	uv_timer_stop(&s->timer);
	connect_report(s, &s->fail_err);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	struct sshc_session *s = p->data;
	if (status < 0) {
		/* libuv stopped the handle (POLLERR): let libssh2 or SO_ERROR
		 * find out what happened, and make rearm start it again. */
		s->poll_events = 0;
		events = UV_READABLE | UV_WRITABLE | UV_DISCONNECT;
	}
	sshc_drive(s, events);
}

static void on_timer(uv_timer_t *t)
{
	sshc_drive(t->data, 0);
}

static void on_resolved(const struct sockaddr *sa, socklen_t salen, const struct mlc_err *err,
			void *arg)
{
	struct sshc_session *s = arg;
	s->res = NULL;
	if (err) {
		sshc_connect_fail(s, MLC_ERR_DNS, err->detail, "ssh %s: %s", s->label, err->msg);
		return;
	}
	char addr[64];
	loop_sa_ntop(sa, addr, sizeof addr);
	s->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		sshc_connect_fail(s, MLC_ERR_CONNECT, errno, "ssh %s: socket: %s", s->label,
				  strerror(errno));
		return;
	}
	int one = 1;
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(s->fd, sa, salen) != 0 && errno != EINPROGRESS) {
		sshc_connect_fail(s, MLC_ERR_CONNECT, errno, "ssh %s: connect to %s: %s", s->label,
				  addr, strerror(errno));
		return;
	}
	sshc_start_fd(s, s->fd);
}

/* Watches fd (connecting, or a connected socketpair end) and goes on with
 * the TCP step, which then finds it writable. */
void sshc_start_fd(struct sshc_session *s, int fd)
{
	s->fd = fd;
	uv_poll_init_socket(loop_get(), &s->poll, s->fd);
	s->poll.data = s;
	s->poll_inited = true;
	s->handles++;
	s->poll_events = 0;
	s->st = SS_TCP;
	sshc_rearm(s);
}

static int step_tcp(struct sshc_session *s)
{
	int soerr = 0;
	socklen_t len = sizeof soerr;
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
		soerr = errno;
	if (soerr) {
		sshc_connect_fail(s, MLC_ERR_CONNECT, soerr, "ssh %s: connect: %s", s->label,
				  strerror(soerr));
		return -1;
	}
	s->st = SS_HANDSHAKE;
	return 1;
}

static void connect_up(struct sshc_session *s)
{
	s->st = SS_UP;
	libssh2_keepalive_config(s->ssh, 1, (unsigned)s->keepalive_s);
	s->next_ka = mono_ms() + s->keepalive_s * 1000;
	buf_free(&s->tried);
	connect_report(s, NULL);
}

/* ---- channels ---- */

static uint64_t fionread(int fd)
{
	int n = 0;
	if (ioctl(fd, FIONREAD, &n) != 0 || n < 0)
		return 0;
	return (uint64_t)n;
}

static void keepalive_tick(struct sshc_session *s, int64_t now)
{
	if (now < s->next_ka)
		return;
	s->next_ka = now + s->keepalive_s * 1000;
	/* Bytes the kernel received so far, taken by libssh2 or not. With
	 * want_reply every keepalive draws an answer, so SSHC_KA_MISSED_MAX
	 * keepalives actually sent with not one byte back means the server is
	 * gone (OpenSSH's ServerAliveCountMax). */
	uint64_t seen = s->nrecv + fionread(s->fd);
	if (seen != s->ka_seen) {
		s->ka_seen = seen;
		s->ka_missed = 0;
	} else if (s->ka_missed >= SSHC_KA_MISSED_MAX) {
		sshc_session_down(s, MLC_ERR_TIMEOUT, 0, "no answer to %d keepalives",
				  SSHC_KA_MISSED_MAX);
		return;
	}
	int next = 0;
	int rc = libssh2_keepalive_send(s->ssh, &next);
	if (rc < 0 && rc != LIBSSH2_ERROR_EAGAIN) {
		sshc_lost(s, rc, "sending a keepalive");
		return;
	}
	/* libssh2 counts whole seconds (and turns an interval of 1 into 2): it
	 * sent only when it reports a full interval to the next one. */
	if (next >= MLC_MAX(2, s->keepalive_s))
		s->ka_missed++;
	if (next > 0)
		s->next_ka = now + (int64_t)next * 1000;
}

static void drive_up(struct sshc_session *s, int64_t now, int events)
{
	for (struct sshc_exec *x = s->ops; x && !s->closed; x = x->next) {
		if (x->st >= XS_DEFER || now < x->deadline)
			continue;
		if (!x->cancelled) {
			sshc_exec_timeout(s, x, now);
		} else if (s->opening != x) {
			/* A zombie that would not close: libssh2_session_free takes it. */
			x->st = XS_DEAD;
			x->ch = NULL;
		}
	}
	if (s->closed)
		return;
	keepalive_tick(s, now);
	if (s->closed || s->st != SS_UP)
		return;
	if (sshc_has_active(s)) {
		sshc_run_ops(s);
		return;
	}
	/* Idle: we poll for the server hanging up only (EPOLLRDHUP), so that
	 * unread keepalive answers neither spin the loop nor hide the hang-up. */
	if (events & UV_DISCONNECT) {
		int soerr = 0;
		socklen_t len = sizeof soerr;
		getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
		sshc_session_down(s, MLC_ERR_CONNECT, soerr, "connection closed by the server%s%s",
				  soerr ? ": " : "", soerr ? strerror(soerr) : "");
	}
}

static const char *phase_name(enum sstate st)
{
	switch (st) {
	case SS_RESOLVE:
		return "resolving the host name";
	case SS_TCP:
		return "TCP connect";
	case SS_HANDSHAKE:
		return "SSH handshake";
	case SS_AUTH:
		return "authentication";
	default:
		return "connect";
	}
}

/* The one entry point for readiness and timers: advances the connect state
 * machine or every channel, then re-arms poll and timer. */
void sshc_drive(struct sshc_session *s, int events)
{
	if (s->closed)
		return;
	s->depth++;
	int64_t now = mono_ms();
	if (s->st < SS_UP && now >= s->deadline) {
		if (s->res) {
			loop_resolve_cancel(s->res);
			s->res = NULL;
		}
		sshc_connect_fail(s, MLC_ERR_TIMEOUT, s->timeout_ms,
				  "ssh %s: timed out after %ld ms (%s)", s->label, s->timeout_ms,
				  phase_name(s->st));
		goto out;
	}
	if (s->fd >= 0 && s->st != SS_TCP && (!sshc_obuf_flush(s) || s->send_errno)) {
		if (s->st == SS_UP)
			sshc_session_down(s, MLC_ERR_CONNECT, s->send_errno, "connection lost: %s",
					  strerror(s->send_errno));
		else if (s->st != SS_DOWN)
			sshc_connect_fail(s, MLC_ERR_CONNECT, s->send_errno, "ssh %s: send: %s",
					  s->label, strerror(s->send_errno));
		goto out;
	}
	if (s->st == SS_TCP) {
		if (!events || step_tcp(s) < 0)
			goto out;
	}
	if (s->st == SS_HANDSHAKE) {
		if (sshc_step_handshake(s) <= 0)
			goto out;
	}
	if (s->st == SS_AUTH) {
		if (sshc_step_auth(s) > 0)
			connect_up(s);
		goto out;
	}
	if (s->st == SS_UP)
		drive_up(s, now, events);
out:
	s->depth--;
	if (s->closed)
		return;
	sshc_reap(s);
	sshc_rearm(s);
}

static int poll_events_for(struct sshc_session *s, int fallback)
{
	int d = sshc_block_dirs(s), ev = 0;
	if (d & LIBSSH2_SESSION_BLOCK_INBOUND)
		ev |= UV_READABLE;
	if (d & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		ev |= UV_WRITABLE;
	return ev ? ev : fallback;
}

void sshc_rearm(struct sshc_session *s)
{
	if (s->closed || s->depth > 0)
		return;
	int64_t now = mono_ms(), due = INT64_MAX;
	int ev = 0;
	switch (s->st) {
	case SS_RESOLVE:
		due = s->deadline;
		break;
	case SS_TCP:
		due = s->deadline;
		ev = UV_WRITABLE;
		break;
	case SS_HANDSHAKE:
	case SS_AUTH:
		due = s->deadline;
		ev = poll_events_for(s, UV_READABLE);
		break;
	case SS_UP:
		due = s->next_ka;
		for (struct sshc_exec *x = s->ops; x; x = x->next)
			if (x->st < XS_DEFER && x->deadline < due)
				due = x->deadline;
		if (sshc_has_active(s))
			ev = poll_events_for(s, UV_READABLE) | UV_READABLE;
		else
			ev = UV_DISCONNECT;
		break;
	case SS_DOWN:
		break;
	}
	if (s->st != SS_TCP && s->st != SS_DOWN && sshc_obuf_pending(s))
		ev |= UV_WRITABLE;
	if (s->kick) {
		s->kick = false;
		due = now;
	}
	if (s->poll_inited && !uv_is_closing((uv_handle_t *)&s->poll) && ev != s->poll_events) {
		if (ev)
			uv_poll_start(&s->poll, ev, on_poll);
		else
			uv_poll_stop(&s->poll);
		s->poll_events = ev;
	}
	if (due == INT64_MAX)
		uv_timer_stop(&s->timer);
	else
		uv_timer_start(&s->timer, on_timer, due > now ? (uint64_t)(due - now) : 0, 0);
}

/* ---- public ---- */

static void lib_init(void)
{
	static bool done;
	if (!done) {
		libssh2_init(0);
		log_info("ssh: libssh2 %s", libssh2_version(0));
		if (getenv("MLC_SSH_TRACE"))
			sshc_tracing = true;
		done = true;
	}
}

struct sshc_session *sshc_connect(const struct sshc_opts *opts, sshc_connect_cb cb, void *arg)
{
	lib_init();
	struct sshc_session *s = xcalloc(1, sizeof *s);
	s->fd = -1;
	s->cb = cb;
	s->arg = arg;
	s->ops_tail = &s->ops;
	buf_init(&s->tried);
	s->host = xstrdup(opts->host ? opts->host : "");
	s->port = opts->port > 0 ? opts->port : 22;
	s->user = opts->user && *opts->user ? xstrdup(opts->user) : sshc_default_user();
	s->accept_new = opts->accept_new;
	if (opts->accept_fingerprint)
		strlcpy_m(s->accept_fp, opts->accept_fingerprint, sizeof s->accept_fp);
	s->no_agent = opts->no_agent;
	s->timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : SSHC_TIMEOUT_MS;
	s->keepalive_s = opts->keepalive_s > 0 ? opts->keepalive_s : SSHC_KEEPALIVE_S;
	char *home = sshc_home_dir();
	s->known_hosts = opts->known_hosts && *opts->known_hosts
			     ? xstrdup(opts->known_hosts)
			     : xasprintf("%s/.ssh/known_hosts", home);
	if (opts->identity && *opts->identity) {
		s->keys = xcalloc(1, sizeof *s->keys);
		s->keys[s->nkeys++] = xstrdup(opts->identity);
		s->explicit_key = true;
	} else {
		static const char *const names[] = {"id_ed25519", "id_ecdsa", "id_rsa"};
		s->keys = xcalloc(ARRAY_LEN(names), sizeof *s->keys);
		for (size_t i = 0; i < ARRAY_LEN(names); i++)
			s->keys[s->nkeys++] = xasprintf("%s/.ssh/%s", home, names[i]);
	}
	free(home);
	char *label = s->port == 22 ? xasprintf("%s@%s", s->user, s->host)
				    : xasprintf("%s@%s:%d", s->user, s->host, s->port);
	s->label = sshc_ascii_dup(label);
	free(label);

	uv_timer_init(loop_get(), &s->timer);
	s->timer.data = s;
	s->handles = 1;
	s->st = SS_RESOLVE;
	s->deadline = mono_ms() + s->timeout_ms;
	s->connect_pending = true;
	loop_busy_inc();

	if (!s->host[0] || strchr(s->host, '\n') || strchr(s->host, ' ')) {
		mlc_err_set(&s->fail_err, MLC_ERR_USAGE, 0, "ssh: bad host name \"%.64s\"",
			    s->label);
		s->fail_defer = loop_defer(sshc_fail_deferred, s);
		return s;
	}
	if (opts->jump && *opts->jump)
		sshc_jump_start(s, opts);
	else
		s->res = loop_resolve(s->host, s->port, on_resolved, s);
	sshc_rearm(s);
	return s;
}

const char *sshc_banner(const struct sshc_session *s)
{
	return s ? s->banner : "";
}
const char *sshc_fingerprint(const struct sshc_session *s)
{
	return s ? s->fp : "";
}
const char *sshc_key_type(const struct sshc_session *s)
{
	return s ? s->keytype : "";
}
const char *sshc_down_reason(const struct sshc_session *s)
{
	return s->down_err.msg;
}

bool sshc_is_up(const struct sshc_session *s)
{
	return s && !s->closed && s->st == SS_UP;
}

void sshc_close(struct sshc_session *s)
{
	if (!s || s->closed)
		return;
	if (s->res) {
		loop_resolve_cancel(s->res);
		s->res = NULL;
	}
	if (s->fail_defer) {
		loop_defer_cancel(s->fail_defer);
		s->fail_defer = NULL;
	}
	if (s->connect_pending) {
		s->connect_pending = false;
		loop_busy_dec();
	}
	sshc_teardown(s, true);
	s->closed = true;
	for (struct sshc_exec *x = s->ops; x; x = x->next) {
		if (x->defer) {
			loop_defer_cancel(x->defer);
			x->defer = NULL;
		}
		if (!x->cancelled) {
			x->cancelled = true;
			sshc_exec_unbusy(x);
		}
		x->st = XS_DEAD;
	}
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->timer, handle_closed);
	/* The memory goes in handle_closed, on a later turn: callers up the
	 * stack (drive, a callback) may still look at s->closed. */
}
