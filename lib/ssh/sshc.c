/* lib/ssh/sshc.c — SSH sessions over libssh2 in non-blocking mode on the one
 * libuv loop (see sshc.h): resolve, TCP connect with a deadline, handshake,
 * host key check, auth (agent, then key files), exec channels, keepalives.
 * One uv_poll and one uv_timer drive each session and every channel on it.
 * Owns every LIBSSH2_SESSION and channel. Never blocks on the network, never
 * prompts, never draws. The known_hosts half lives in sshc_kh.c. */
#include "lib/ssh/sshc.h"

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

#define SSHC_TIMEOUT_MS	 5000
#define SSHC_KEEPALIVE_S 15
#define SSHC_MAX_BYTES	 (1024 * 1024)
#define SSHC_EXEC_MS	 30000
/* Bytes read and thrown away past max_bytes before we stop waiting for the
 * command and close its channel (a `yes` must not run until the timeout). */
#define SSHC_DRAIN_LIMIT (16 * 1024 * 1024)
/* Bytes taken from one stream in one step, and passes over all channels in
 * one loop turn, before yielding to the rest of the program. */
#define SSHC_STEP_BYTES (1024 * 1024)
#define SSHC_MAX_PASSES 16
/* Keepalive ticks in a row without a single byte from the server. */
#define SSHC_KA_MISSED_MAX 3
/* How long a cancelled channel may take to close before we abandon it to
 * libssh2_session_free. */
#define SSHC_ZOMBIE_MS 5000
/* Bytes we queue ourselves when the kernel takes less than libssh2 hands
 * us (see io_send). We never upload data, so this stays tiny in practice. */
#define SSHC_OBUF_MAX (256 * 1024)

/* OpenSSH 9.2's default host key order, minus ssh-rsa (SHA-1): without it
 * libssh2 1.10 prefers ECDSA and would record a different key than ssh. */
static const char default_hostkeys[] = "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,"
				       "ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256";

enum sstate { SS_RESOLVE, SS_TCP, SS_HANDSHAKE, SS_AUTH, SS_UP, SS_DOWN };
enum aphase { AP_LIST, AP_AGENT_START, AP_AGENT, AP_KEYS };

/* Exec states in order; everything below XS_DEFER still talks to libssh2. */
enum xstate { XS_OPEN, XS_EXEC, XS_READ, XS_CLOSE, XS_DEFER, XS_DEAD };

struct sshc_exec {
	struct sshc_exec *next;
	struct sshc_session *s;
	enum xstate st;
	/* No callback any more (delivered, cancelled, timed out): the channel,
	 * if any, is only being wound down. loop_busy was already released. */
	bool cancelled;
	bool cut;	   /* stopped reading past SSHC_DRAIN_LIMIT */
	bool exec_started; /* libssh2_channel_exec was called (its state is live) */
	bool ping;	   /* sshc_ping: open and close a channel, run nothing */
	bool truncated;
	char *cmd;
	LIBSSH2_CHANNEL *ch;
	size_t max_bytes, dropped;
	int64_t deadline;
	struct buf out, err;
	sshc_exec_cb cb;
	void *arg;
	struct loop_defer *defer; /* XS_DEFER: an error found before any I/O */
	struct mlc_err defer_err;
};

struct sshc_session {
	char *host, *user, *known_hosts, *label;
	char **keys; /* private key files to try, in order */
	size_t nkeys;
	bool explicit_key;
	int port;
	bool accept_new, no_agent;
	char accept_fp[64]; /* accept an unknown key with exactly this fingerprint */
	long timeout_ms, keepalive_s;

	sshc_connect_cb cb;
	void *arg;
	enum sstate st;
	bool closed;	      /* sshc_close ran: no callback, memory freed when handles close */
	bool connect_pending; /* the connect job still counts in loop_busy */
	int depth;	      /* > 0 while drive() is on the stack: do not free execs */
	int handles;	      /* uv handles open (timer, poll) */

	struct loop_resolve *res;
	struct loop_defer *fail_defer;
	struct mlc_err fail_err;
	int fd;
	uv_poll_t poll;
	bool poll_inited;
	int poll_events;
	uv_timer_t timer;
	bool kick; /* drive again on the next turn */
	int64_t deadline;

	LIBSSH2_SESSION *ssh;
	bool io_dead;	   /* teardown: our send swallows, recv reads EOF */
	bool call_pending; /* the last handshake/auth call returned EAGAIN */
	uint64_t nrecv;	   /* bytes libssh2 took from the socket */

	/* auth */
	enum aphase ap;
	LIBSSH2_AGENT *agent;
	struct libssh2_agent_publickey *agent_prev, *agent_cur;
	int agent_tried;
	size_t key_idx;
	bool key_started;
	struct buf tried;

	char banner[128];
	char fp[64];
	char keytype[64];

	/* channels */
	struct sshc_exec *ops, **ops_tail;
	struct sshc_exec *opening; /* holds libssh2's one channel-open state machine */
	struct buf obuf;	   /* bytes libssh2 counts as sent, not yet in the kernel */
	size_t obuf_off;
	int send_errno; /* a send from obuf failed: the transport is gone */

	/* keepalive */
	int64_t next_ka;
	uint64_t ka_seen;
	int ka_missed;		 /* keepalives sent since the last byte from the server */
	struct mlc_err down_err; /* why the transport failed, once it has */
};

static void drive(struct sshc_session *s, int events);
static void rearm(struct sshc_session *s);

/* ---- small helpers ---- */

/* Printable ASCII copy of untrusted text (banner, user, paths in messages). */
static void ascii_into(char *out, size_t n, const char *in, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && in[i] && o + 1 < n; i++) {
		unsigned char c = (unsigned char)in[i];
		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (n)
		out[o] = '\0';
}

static char *ascii_dup(const char *in)
{
	size_t n = strlen(in) + 1;
	char *p = xmalloc(n);
	ascii_into(p, n, in, n);
	return p;
}

static const char *ssh_errmsg(struct sshc_session *s)
{
	char *msg = NULL;
	if (!s->ssh)
		return "no session";
	libssh2_session_last_error(s->ssh, &msg, NULL, 0);
	return msg && *msg ? msg : "unknown error";
}

static int block_dirs(struct sshc_session *s)
{
	return s->ssh ? libssh2_session_block_directions(s->ssh) : 0;
}

/* Errors after which the transport (and so the whole session) is unusable,
 * as opposed to one channel or one key being refused. */
static bool transport_error(int rc)
{
	switch (rc) {
	case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_SOCKET_TIMEOUT:
	case LIBSSH2_ERROR_TIMEOUT:
	case LIBSSH2_ERROR_DECRYPT:
	case LIBSSH2_ERROR_ENCRYPT:
	case LIBSSH2_ERROR_INVALID_MAC:
	case LIBSSH2_ERROR_KEX_FAILURE:
	case LIBSSH2_ERROR_KEY_EXCHANGE_FAILURE:
	case LIBSSH2_ERROR_BANNER_RECV:
	case LIBSSH2_ERROR_BANNER_SEND:
	case LIBSSH2_ERROR_OUT_OF_BOUNDARY:
	case LIBSSH2_ERROR_BAD_SOCKET:
	case LIBSSH2_ERROR_BAD_USE:
	case LIBSSH2_ERROR_PROTO:
	case LIBSSH2_ERROR_COMPRESS:
	case LIBSSH2_ERROR_ZLIB:
	case LIBSSH2_ERROR_ALLOC:
		return true;
	default:
		return false;
	}
}

static void set_err(struct mlc_err *e, int code, long detail, const char *fmt, va_list ap)
{
	e->code = code;
	e->detail = detail;
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
}

/* ---- socket I/O for libssh2: counts bytes in, and turns dead at teardown ---- */

static ssize_t io_recv(libssh2_socket_t fd, void *buf, size_t len, int flags, void **abstract)
{
	struct sshc_session *s = *abstract;
	if (s->io_dead)
		return 0; /* reads as EOF: libssh2 marks the socket disconnected */
	ssize_t n = recv(fd, buf, len, flags);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
	s->nrecv += (uint64_t)n;
	return n;
}

static size_t test_chunk;
static unsigned test_flip;

void sshc_test_set_send_chunk(size_t n)
{
	test_chunk = n;
	test_flip = 0;
}

static ssize_t raw_send(int fd, const void *p, size_t len)
{
	if (test_chunk) {
		if (++test_flip % 2 == 0) {
			errno = EAGAIN;
			return -1;
		}
		len = MLC_MIN(len, test_chunk);
	}
	return send(fd, p, len, MSG_NOSIGNAL);
}

/* Pushes queued bytes to the kernel. Returns false after a hard error. */
static bool obuf_flush(struct sshc_session *s)
{
	while (s->obuf_off < s->obuf.len) {
		ssize_t n = raw_send(s->fd, s->obuf.data + s->obuf_off, s->obuf.len - s->obuf_off);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return true;
			s->send_errno = errno;
			return false;
		}
		s->obuf_off += (size_t)n;
	}
	buf_reset(&s->obuf);
	s->obuf_off = 0;
	return true;
}

static bool obuf_pending(const struct sshc_session *s)
{
	return s->obuf_off < s->obuf.len;
}

/* libssh2 1.10 handles a short send by keeping the packet half-sent, after
 * which only the very same call, with the very same buffer, may send again:
 * any other packet gets LIBSSH2_ERROR_BAD_USE. Several packets live on the
 * stack of the sending function (channel EOF, keepalive, auto-replies), so a
 * retry from another stack depth fails too, and keepalive_send even drops
 * its half-sent packet and wedges the session. So libssh2 never sees a short
 * send: what the kernel refuses waits in obuf, goes out before anything
 * newer, and is flushed on UV_WRITABLE. We never upload data, so obuf stays
 * tiny; past SSHC_OBUF_MAX the server has stopped reading and the
 * transport is failed. */
static ssize_t io_send(libssh2_socket_t fd, const void *buf, size_t len, int flags, void **abstract)
{
	struct sshc_session *s = *abstract;
	(void)flags;
	if (s->io_dead)
		return (ssize_t)len; /* swallowed: lets libssh2 finish and free channels now */
	if (s->send_errno)
		return -s->send_errno;
	if (obuf_pending(s)) {
		if (s->obuf.len - s->obuf_off + len > SSHC_OBUF_MAX) {
			s->send_errno = ENOBUFS;
			return -ENOBUFS;
		}
		buf_append(&s->obuf, buf, len);
		if (!obuf_flush(s))
			return -s->send_errno;
		return (ssize_t)len;
	}
	ssize_t n = raw_send(fd, buf, len);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		n = 0;
	}
	if ((size_t)n < len)
		buf_append(&s->obuf, (const char *)buf + n, len - (size_t)n);
	return (ssize_t)len;
}

/* ---- teardown and lifetime ---- */

static void free_exec(struct sshc_exec *x)
{
	free(x->cmd);
	buf_free(&x->out);
	buf_free(&x->err);
	free(x);
}

static void free_session(struct sshc_session *s)
{
	for (struct sshc_exec *x = s->ops, *nx; x; x = nx) {
		nx = x->next;
		free_exec(x);
	}
	for (size_t i = 0; i < s->nkeys; i++)
		free(s->keys[i]);
	free(s->keys);
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

/* Frees execs that are finished; never while drive() walks the list. */
static void reap(struct sshc_session *s)
{
	if (s->depth > 0)
		return;
	struct sshc_exec **pp = &s->ops;
	s->ops_tail = &s->ops;
	while (*pp) {
		struct sshc_exec *x = *pp;
		if (x->st == XS_DEAD) {
			*pp = x->next;
			free_exec(x);
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
static void teardown(struct sshc_session *s, bool graceful)
{
	if (s->poll_inited && !uv_is_closing((uv_handle_t *)&s->poll)) {
		uv_poll_stop(&s->poll);
		uv_close((uv_handle_t *)&s->poll, handle_closed);
	}
	if (s->ssh) {
		if (graceful && s->st == SS_UP) {
			libssh2_session_disconnect(s->ssh, "closed by mlconsole");
			obuf_flush(s); /* best effort: a bye that does not fit is dropped */
		}
		/* libssh2 1.10 frees a channel only after a close round trip:
		 * make I/O dead, let pending steps fail and clean up, then free. */
		s->io_dead = true;
		finish_connect_call(s);
		if (s->opening) {
			LIBSSH2_CHANNEL *ch = libssh2_channel_open_session(s->ssh);
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

static void connect_fail(struct sshc_session *s, int code, long detail, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void connect_fail(struct sshc_session *s, int code, long detail, const char *fmt, ...)
{
	struct mlc_err e;
	va_list ap;
	va_start(ap, fmt);
	set_err(&e, code, detail, fmt, ap);
	va_end(ap);
	teardown(s, false);
	s->st = SS_DOWN;
	uv_timer_stop(&s->timer);
	connect_report(s, &e);
}

static void fail_deferred(void *arg)
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
	drive(s, events);
}

static void on_timer(uv_timer_t *t)
{
	drive(t->data, 0);
}

static void on_resolved(const struct sockaddr *sa, socklen_t salen, const struct mlc_err *err,
			void *arg)
{
	struct sshc_session *s = arg;
	s->res = NULL;
	if (err) {
		connect_fail(s, MLC_ERR_DNS, err->detail, "ssh %s: %s", s->label, err->msg);
		return;
	}
	char addr[64];
	loop_sa_ntop(sa, addr, sizeof addr);
	s->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		connect_fail(s, MLC_ERR_CONNECT, errno, "ssh %s: socket: %s", s->label,
			     strerror(errno));
		return;
	}
	int one = 1;
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(s->fd, sa, salen) != 0 && errno != EINPROGRESS) {
		connect_fail(s, MLC_ERR_CONNECT, errno, "ssh %s: connect to %s: %s", s->label, addr,
			     strerror(errno));
		return;
	}
	uv_poll_init_socket(loop_get(), &s->poll, s->fd);
	s->poll.data = s;
	s->poll_inited = true;
	s->handles++;
	s->poll_events = 0;
	s->st = SS_TCP;
	rearm(s);
}

static int step_tcp(struct sshc_session *s)
{
	int soerr = 0;
	socklen_t len = sizeof soerr;
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
		soerr = errno;
	if (soerr) {
		connect_fail(s, MLC_ERR_CONNECT, soerr, "ssh %s: connect: %s", s->label,
			     strerror(soerr));
		return -1;
	}
	s->st = SS_HANDSHAKE;
	return 1;
}

/* Whether the comma list holds item as a whole entry. */
static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	for (const char *p = list; p && *p;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		if (len == n && memcmp(p, item, n) == 0)
			return true;
		p = c ? c + 1 : NULL;
	}
	return false;
}

/* Host key algorithms to offer: first the types known_hosts holds for this
 * host, so that the server shows us the key we recorded (libssh2 1.10 would
 * otherwise pick ECDSA over a recorded Ed25519 key and report it unknown),
 * then OpenSSH's default order, so that a server lacking the recorded type
 * shows another one, which the check refuses as changed, with its
 * fingerprint, rather than failing key exchange. Filtered to what this
 * libssh2 supports, without duplicates. */
static void set_hostkey_pref(struct sshc_session *s)
{
	char types[512];
	sshc_known_hosts_types(s->known_hosts, s->host, s->port, types, sizeof types);
	char *want = xasprintf("%s%s%s", types, types[0] ? "," : "", default_hostkeys);

	const char **algs = NULL;
	int nalgs = libssh2_session_supported_algs(s->ssh, LIBSSH2_METHOD_HOSTKEY, &algs);
	struct buf pref;
	buf_init(&pref);
	char **v = strv_split(want, NULL);
	for (char **t = v; *t; t++) {
		const char *expand[3] = {*t, NULL, NULL};
		if (strcmp(*t, "ssh-rsa") == 0) { /* an RSA key signs with SHA-2 too */
			expand[0] = "rsa-sha2-512";
			expand[1] = "rsa-sha2-256";
			expand[2] = "ssh-rsa";
		}
		for (int k = 0; k < 3 && expand[k]; k++) {
			bool ok = nalgs <= 0;
			for (int i = 0; i < nalgs && !ok; i++)
				ok = strcmp(algs[i], expand[k]) == 0;
			if (ok && !list_has(pref.data, expand[k]))
				buf_printf(&pref, "%s%s", pref.len ? "," : "", expand[k]);
		}
	}
	strv_free(v);
	free(want);
	if (algs)
		libssh2_free(s->ssh, (void *)algs);
	if (pref.len)
		libssh2_session_method_pref(s->ssh, LIBSSH2_METHOD_HOSTKEY, pref.data);
	buf_free(&pref);
}

static int check_hostkey(struct sshc_session *s)
{
	size_t len = 0;
	int type = 0;
	const unsigned char *key =
	    (const unsigned char *)libssh2_session_hostkey(s->ssh, &len, &type);
	if (!key || len == 0 || sshc_key_blob_type(key, len, s->keytype, sizeof s->keytype) != 0) {
		connect_fail(s, MLC_ERR_PROTO, 0, "ssh %s: server sent no usable host key",
			     s->label);
		return -1;
	}
	sshc_fingerprint_sha256(key, len, s->fp, sizeof s->fp);
	const char *banner = libssh2_session_banner_get(s->ssh);
	if (banner)
		ascii_into(s->banner, sizeof s->banner, banner, strlen(banner));

	struct mlc_err e;
	mlc_err_clear(&e);
	switch (
	    sshc_known_hosts_check(s->known_hosts, s->host, s->port, s->keytype, key, len, &e)) {
	case SSHC_KH_MATCH:
		return 1;
	case SSHC_KH_NOTFOUND:
		if (s->accept_fp[0] && strcmp(s->accept_fp, s->fp) != 0) {
			connect_fail(s, MLC_ERR_HOSTKEY_UNKNOWN, 0,
				     "ssh %s: host key %s %s is not the one confirmed (%s); not "
				     "recorded",
				     s->label, s->keytype, s->fp, s->accept_fp);
			return -1;
		}
		if (!s->accept_new && !s->accept_fp[0]) {
			connect_fail(s, MLC_ERR_HOSTKEY_UNKNOWN, 0,
				     "ssh %s: unknown host key %s %s (not in %s)", s->label,
				     s->keytype, s->fp, s->known_hosts);
			return -1;
		}
		if (sshc_known_hosts_add(s->known_hosts, s->host, s->port, s->keytype, key, len,
					 &e) != 0) {
			connect_fail(s, MLC_ERR_HOSTKEY_UNKNOWN, e.detail,
				     "ssh %s: host key %s %s not recorded: %s", s->label,
				     s->keytype, s->fp, e.msg);
			return -1;
		}
		return 1;
	case SSHC_KH_CHANGED:
		connect_fail(s, MLC_ERR_HOSTKEY_CHANGED, e.detail,
			     "ssh %s: HOST KEY CHANGED: server shows %s %s; %s", s->label,
			     s->keytype, s->fp, e.msg);
		return -1;
	case SSHC_KH_REVOKED:
		connect_fail(s, MLC_ERR_HOSTKEY_CHANGED, e.detail,
			     "ssh %s: REVOKED HOST KEY %s %s; %s", s->label, s->keytype, s->fp,
			     e.msg);
		return -1;
	case SSHC_KH_ERROR:
	default:
		connect_fail(s, e.code ? e.code : MLC_ERR_IO, e.detail,
			     "ssh %s: cannot check host key %s: %s", s->label, s->fp, e.msg);
		return -1;
	}
}

static int step_handshake(struct sshc_session *s)
{
	if (!s->ssh) {
		s->ssh = libssh2_session_init_ex(NULL, NULL, NULL, s);
		if (!s->ssh) {
			connect_fail(s, MLC_ERR_INTERNAL, 0, "ssh %s: libssh2_session_init failed",
				     s->label);
			return -1;
		}
		libssh2_session_callback_set(s->ssh, LIBSSH2_CALLBACK_RECV, (void *)io_recv);
		libssh2_session_callback_set(s->ssh, LIBSSH2_CALLBACK_SEND, (void *)io_send);
		libssh2_session_set_blocking(s->ssh, 0);
		set_hostkey_pref(s);
	}
	int rc = libssh2_session_handshake(s->ssh, s->fd);
	s->call_pending = rc == LIBSSH2_ERROR_EAGAIN;
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return 0;
	if (rc) {
		bool lost = rc == LIBSSH2_ERROR_SOCKET_RECV || rc == LIBSSH2_ERROR_SOCKET_SEND ||
			    rc == LIBSSH2_ERROR_SOCKET_DISCONNECT ||
			    rc == LIBSSH2_ERROR_BANNER_RECV;
		connect_fail(s, lost ? MLC_ERR_CONNECT : MLC_ERR_PROTO, rc,
			     "ssh %s: SSH handshake failed: %s", s->label, ssh_errmsg(s));
		return -1;
	}
	if (check_hostkey(s) < 0)
		return -1;
	s->st = SS_AUTH;
	s->ap = AP_LIST;
	return 1;
}

static void tried_note(struct sshc_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void tried_note(struct sshc_session *s, const char *fmt, ...)
{
	char tmp[200], safe[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	ascii_into(safe, sizeof safe, tmp, sizeof tmp);
	buf_printf(&s->tried, "%s%s", s->tried.len ? "; " : "", safe);
}

static void agent_done(struct sshc_session *s)
{
	if (s->agent) {
		libssh2_agent_disconnect(s->agent);
		libssh2_agent_free(s->agent);
		s->agent = NULL;
	}
	s->agent_prev = s->agent_cur = NULL;
}

static int auth_lost(struct sshc_session *s, int rc)
{
	connect_fail(s, MLC_ERR_CONNECT, rc, "ssh %s: connection lost during authentication: %s",
		     s->label, ssh_errmsg(s));
	return -1;
}

/* One step of publickey auth: agent identities, then key files. Returns 1
 * when authenticated, 0 to wait for the socket, -1 after reporting. */
static int step_auth(struct sshc_session *s)
{
	unsigned ulen = (unsigned)strlen(s->user);
	for (;;) {
		switch (s->ap) {
		case AP_LIST: {
			char *list = libssh2_userauth_list(s->ssh, s->user, ulen);
			s->call_pending = false;
			if (!list) {
				if (libssh2_userauth_authenticated(s->ssh))
					return 1;
				int e = libssh2_session_last_errno(s->ssh);
				s->call_pending = e == LIBSSH2_ERROR_EAGAIN;
				if (e == LIBSSH2_ERROR_EAGAIN)
					return 0;
				return auth_lost(s, e);
			}
			if (!strstr(list, "publickey")) {
				char safe[96];
				ascii_into(safe, sizeof safe, list, strlen(list));
				connect_fail(s, MLC_ERR_AUTH, 0,
					     "ssh %s: server does not accept public keys (only %s)",
					     s->label, safe);
				return -1;
			}
			const char *sock = getenv("SSH_AUTH_SOCK");
			s->ap = !s->no_agent && sock && *sock ? AP_AGENT_START : AP_KEYS;
			break;
		}
		case AP_AGENT_START:
			/* Blocking, but on a local unix socket and short. */
			s->ap = AP_KEYS;
			s->agent = libssh2_agent_init(s->ssh);
			if (!s->agent)
				break;
			if (libssh2_agent_connect(s->agent) != 0 ||
			    libssh2_agent_list_identities(s->agent) != 0) {
				tried_note(s, "agent unavailable");
				agent_done(s);
				break;
			}
			s->ap = AP_AGENT;
			break;
		case AP_AGENT: {
			if (!s->agent_cur && libssh2_agent_get_identity(s->agent, &s->agent_cur,
									s->agent_prev) != 0) {
				tried_note(s, "agent: %d key%s", s->agent_tried,
					   s->agent_tried == 1 ? "" : "s");
				agent_done(s);
				s->ap = AP_KEYS;
				break;
			}
			int rc = libssh2_agent_userauth(s->agent, s->user, s->agent_cur);
			s->call_pending = rc == LIBSSH2_ERROR_EAGAIN;
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 0;
			if (rc == 0) {
				agent_done(s);
				return 1;
			}
			if (transport_error(rc))
				return auth_lost(s, rc);
			s->agent_tried++;
			s->agent_prev = s->agent_cur;
			s->agent_cur = NULL;
			break;
		}
		case AP_KEYS: {
			if (s->key_idx >= s->nkeys) {
				connect_fail(s, MLC_ERR_AUTH, 0,
					     "ssh %s: public key authentication failed for user %s "
					     "(tried: %s)",
					     s->label, s->user,
					     s->tried.len ? s->tried.data : "no keys");
				return -1;
			}
			const char *path = s->keys[s->key_idx];
			if (!s->key_started) {
				struct stat st;
				if (stat(path, &st) != 0) {
					if (s->explicit_key)
						tried_note(s, "%s: %s", path, strerror(errno));
					s->key_idx++;
					break;
				}
				/* ssh(1): a private key accessible by others is ignored. */
				if (st.st_mode & 077) {
					log_warn("ssh %s: permissions %04o for '%s' are too open; "
						 "private key ignored",
						 s->label, (unsigned)(st.st_mode & 07777), path);
					tried_note(s,
						   "%s: permissions %04o are too open, key ignored",
						   path, (unsigned)(st.st_mode & 07777));
					s->key_idx++;
					break;
				}
				s->key_started = true;
			}
			/* Public key NULL: libssh2 derives it. Passphrase "" (never NULL:
			 * OpenSSL would prompt on the terminal for an encrypted PEM). */
			int rc = libssh2_userauth_publickey_fromfile_ex(s->ssh, s->user, ulen, NULL,
									path, "");
			s->call_pending = rc == LIBSSH2_ERROR_EAGAIN;
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 0;
			s->key_started = false;
			s->key_idx++;
			if (rc == 0)
				return 1;
			if (transport_error(rc))
				return auth_lost(s, rc);
			tried_note(s, "%s: %s", path,
				   rc == LIBSSH2_ERROR_FILE
				       ? "cannot load (encrypted or unsupported)"
				       : "rejected");
			break;
		}
		}
	}
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

enum step { STEP_BLOCKED, STEP_PROGRESS, STEP_DOWN };

/* The transport failed: every exec still waiting gets err (r NULL), and the
 * session is down for good. */
static void session_down(struct sshc_session *s, int code, long detail, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void session_down(struct sshc_session *s, int code, long detail, const char *fmt, ...)
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
	teardown(s, false);
	s->st = SS_DOWN;
	s->depth++;
	for (struct sshc_exec *x = s->ops; x && !s->closed; x = x->next) {
		if (x->st >= XS_DEFER)
			continue;
		x->st = XS_DEAD;
		if (!x->cancelled) {
			x->cancelled = true;
			loop_busy_dec();
			x->cb(NULL, &e, x->arg);
		}
	}
	s->depth--;
}

static enum step lost(struct sshc_session *s, int rc, const char *doing)
{
	session_down(s, MLC_ERR_CONNECT, rc, "connection lost while %s: %s", doing, ssh_errmsg(s));
	return STEP_DOWN;
}

static void exec_deliver(struct sshc_session *s, struct sshc_exec *x, int exit_status,
			 const char *sig, const struct mlc_err *err)
{
	struct sshc_result r;
	memset(&r, 0, sizeof r);
	r.exit_status = exit_status;
	if (sig)
		ascii_into(r.exit_signal, sizeof r.exit_signal, sig, strlen(sig));
	r.out = x->out.data ? x->out.data : "";
	r.out_len = x->out.len;
	r.err = x->err.data ? x->err.data : "";
	r.err_len = x->err.len;
	r.truncated = x->truncated;
	x->cancelled = true;
	loop_busy_dec();
	x->cb(&r, err, x->arg);
	(void)s;
}

/* A channel-level refusal: x fails alone, the session stays up. */
static enum step exec_fail(struct sshc_session *s, struct sshc_exec *x, int rc, const char *what)
{
	struct mlc_err e;
	mlc_err_set(&e, MLC_ERR_PROTO, rc, "ssh %s: %s: %s", s->label, what, ssh_errmsg(s));
	x->st = x->ch ? XS_CLOSE : XS_DEAD;
	if (!x->cancelled) {
		x->cancelled = true;
		x->deadline = mono_ms() + SSHC_ZOMBIE_MS;
		loop_busy_dec();
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
	if (take)
		buf_append(b, p, take);
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
		keep(x, stream, tmp, (size_t)n);
		total += (size_t)n;
		if (x->cut || total >= SSHC_STEP_BYTES)
			return 0;
	}
}

/* Advances one exec as far as it goes without blocking. Never calls libssh2
 * after x's callback ran (the callee may have closed the session). */
static enum step exec_step(struct sshc_session *s, struct sshc_exec *x)
{
	bool progress = false;
	if (x->st == XS_OPEN) {
		/* libssh2 keeps one channel-open state per session: one at a time. */
		if (s->opening && s->opening != x)
			return STEP_BLOCKED;
		s->opening = x;
		LIBSSH2_CHANNEL *ch = libssh2_channel_open_session(s->ssh);
		if (!ch) {
			int e = libssh2_session_last_errno(s->ssh);
			if (e == LIBSSH2_ERROR_EAGAIN)
				return STEP_BLOCKED;
			s->opening = NULL;
			if (transport_error(e))
				return lost(s, e, "opening a channel");
			return exec_fail(s, x, e, "cannot open a channel");
		}
		s->opening = NULL;
		x->ch = ch;
		/* cancelled: never run it; a ping runs nothing at all */
		x->st = (x->cancelled || x->ping) ? XS_CLOSE : XS_EXEC;
		progress = true;
	}
	if (x->st == XS_EXEC && x->cancelled && !x->exec_started)
		x->st = XS_CLOSE;
	if (x->st == XS_EXEC) {
		x->exec_started = true;
		int rc = libssh2_channel_exec(x->ch, x->cmd);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return progress ? STEP_PROGRESS : STEP_BLOCKED;
		if (rc < 0) {
			if (transport_error(rc))
				return lost(s, rc, "starting a command");
			return exec_fail(s, x, rc, "command refused");
		}
		x->st = XS_READ;
		progress = true;
	}
	if (x->st == XS_READ) {
		if (!x->cancelled) {
			for (int stream = 0; stream < 2; stream++) {
				int rc = read_stream(x, stream, &progress);
				if (rc < 0) {
					if (transport_error(rc))
						return lost(s, rc, "reading command output");
					return exec_fail(s, x, rc, "reading command output");
				}
			}
		}
		if (x->cancelled || x->cut || libssh2_channel_eof(x->ch)) {
			x->st = XS_CLOSE;
			progress = true;
		} else {
			return progress ? STEP_PROGRESS : STEP_BLOCKED;
		}
	}
	if (x->st == XS_CLOSE) {
		/* 1.10 sends EOF and CLOSE and waits for the server's CLOSE, after
		 * which exit-status (sent before it) is known. */
		int rc = libssh2_channel_close(x->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return progress ? STEP_PROGRESS : STEP_BLOCKED;
		if (rc < 0 && transport_error(rc))
			return lost(s, rc, "closing a channel");
		int status = x->cut ? -1 : libssh2_channel_get_exit_status(x->ch);
		char *sig = NULL;
		size_t siglen = 0;
		libssh2_channel_get_exit_signal(x->ch, &sig, &siglen, NULL, NULL, NULL, NULL);
		char sigbuf[32] = "";
		if (sig) {
			ascii_into(sigbuf, sizeof sigbuf, sig, siglen);
			libssh2_free(s->ssh, sig);
			if (sigbuf[0])
				status = -1;
		}
		libssh2_channel_free(x->ch);
		x->ch = NULL;
		x->st = XS_DEAD;
		if (!x->cancelled)
			exec_deliver(s, x, status, sigbuf, NULL);
		return STEP_PROGRESS;
	}
	return progress ? STEP_PROGRESS : STEP_BLOCKED;
}

static bool has_active(struct sshc_session *s)
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
static void run_ops(struct sshc_session *s)
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

static void exec_timeout(struct sshc_session *s, struct sshc_exec *x, int64_t now)
{
	struct mlc_err e;
	mlc_err_set(&e, MLC_ERR_TIMEOUT, 0, "ssh %s: command timed out: %.80s", s->label, x->cmd);
	x->deadline = now + SSHC_ZOMBIE_MS;
	if (x->st == XS_OPEN && s->opening != x)
		x->st = XS_DEAD;
	exec_deliver(s, x, -1, NULL, &e);
}

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
		session_down(s, MLC_ERR_TIMEOUT, 0, "no answer to %d keepalives",
			     SSHC_KA_MISSED_MAX);
		return;
	}
	int next = 0;
	int rc = libssh2_keepalive_send(s->ssh, &next);
	if (rc < 0 && rc != LIBSSH2_ERROR_EAGAIN) {
		lost(s, rc, "sending a keepalive");
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
			exec_timeout(s, x, now);
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
	if (has_active(s)) {
		run_ops(s);
		return;
	}
	/* Idle: we poll for the server hanging up only (EPOLLRDHUP), so that
	 * unread keepalive answers neither spin the loop nor hide the hang-up. */
	if (events & UV_DISCONNECT) {
		int soerr = 0;
		socklen_t len = sizeof soerr;
		getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
		session_down(s, MLC_ERR_CONNECT, soerr, "connection closed by the server%s%s",
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
static void drive(struct sshc_session *s, int events)
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
		connect_fail(s, MLC_ERR_TIMEOUT, s->timeout_ms,
			     "ssh %s: timed out after %ld ms (%s)", s->label, s->timeout_ms,
			     phase_name(s->st));
		goto out;
	}
	if (s->fd >= 0 && s->st != SS_TCP && (!obuf_flush(s) || s->send_errno)) {
		if (s->st == SS_UP)
			session_down(s, MLC_ERR_CONNECT, s->send_errno, "connection lost: %s",
				     strerror(s->send_errno));
		else if (s->st != SS_DOWN)
			connect_fail(s, MLC_ERR_CONNECT, s->send_errno, "ssh %s: send: %s",
				     s->label, strerror(s->send_errno));
		goto out;
	}
	if (s->st == SS_TCP) {
		if (!events || step_tcp(s) < 0)
			goto out;
	}
	if (s->st == SS_HANDSHAKE) {
		if (step_handshake(s) <= 0)
			goto out;
	}
	if (s->st == SS_AUTH) {
		if (step_auth(s) > 0)
			connect_up(s);
		goto out;
	}
	if (s->st == SS_UP)
		drive_up(s, now, events);
out:
	s->depth--;
	if (s->closed)
		return;
	reap(s);
	rearm(s);
}

static int poll_events_for(struct sshc_session *s, int fallback)
{
	int d = block_dirs(s), ev = 0;
	if (d & LIBSSH2_SESSION_BLOCK_INBOUND)
		ev |= UV_READABLE;
	if (d & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		ev |= UV_WRITABLE;
	return ev ? ev : fallback;
}

static void rearm(struct sshc_session *s)
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
		if (has_active(s))
			ev = poll_events_for(s, UV_READABLE) | UV_READABLE;
		else
			ev = UV_DISCONNECT;
		break;
	case SS_DOWN:
		break;
	}
	if (s->st != SS_TCP && s->st != SS_DOWN && obuf_pending(s))
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
		done = true;
	}
}

static char *home_dir(void)
{
	const char *h = getenv("HOME");
	if (h && *h)
		return xstrdup(h);
	struct passwd *pw = getpwuid(getuid());
	return xstrdup(pw && pw->pw_dir ? pw->pw_dir : "/");
}

static char *default_user(void)
{
	const char *u = getenv("USER");
	if (u && *u)
		return xstrdup(u);
	struct passwd *pw = getpwuid(getuid());
	return xstrdup(pw && pw->pw_name ? pw->pw_name : "root");
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
	s->user = opts->user && *opts->user ? xstrdup(opts->user) : default_user();
	s->accept_new = opts->accept_new;
	if (opts->accept_fingerprint)
		strlcpy_m(s->accept_fp, opts->accept_fingerprint, sizeof s->accept_fp);
	s->no_agent = opts->no_agent;
	s->timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : SSHC_TIMEOUT_MS;
	s->keepalive_s = opts->keepalive_s > 0 ? opts->keepalive_s : SSHC_KEEPALIVE_S;
	char *home = home_dir();
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
	s->label = ascii_dup(label);
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
		s->fail_defer = loop_defer(fail_deferred, s);
		return s;
	}
	s->res = loop_resolve(s->host, s->port, on_resolved, s);
	rearm(s);
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
	teardown(s, true);
	s->closed = true;
	for (struct sshc_exec *x = s->ops; x; x = x->next) {
		if (x->defer) {
			loop_defer_cancel(x->defer);
			x->defer = NULL;
		}
		if (!x->cancelled) {
			x->cancelled = true;
			loop_busy_dec();
		}
		x->st = XS_DEAD;
	}
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->timer, handle_closed);
	/* The memory goes in handle_closed, on a later turn: callers up the
	 * stack (drive, a callback) may still look at s->closed. */
}

static void exec_deferred(void *arg)
{
	struct sshc_exec *x = arg;
	struct sshc_session *s = x->s;
	x->defer = NULL;
	x->st = XS_DEAD;
	x->cancelled = true;
	loop_busy_dec();
	x->cb(NULL, &x->defer_err, x->arg);
	if (!s->closed)
		reap(s);
}

static struct sshc_exec *exec_start(struct sshc_session *s, const char *command, bool ping,
				    size_t max_bytes, long timeout_ms, sshc_exec_cb cb, void *arg)
{
	struct sshc_exec *x = xcalloc(1, sizeof *x);
	x->s = s;
	x->ping = ping;
	x->cmd = xstrdup(ping ? "(ping)" : command ? command : "");
	x->max_bytes = max_bytes ? max_bytes : SSHC_MAX_BYTES;
	x->deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : SSHC_EXEC_MS);
	x->cb = cb;
	x->arg = arg;
	buf_init(&x->out);
	buf_init(&x->err);
	*s->ops_tail = x;
	s->ops_tail = &x->next;
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
			loop_busy_dec();
		} else {
			x->defer = loop_defer(exec_deferred, x);
		}
		return x;
	}
	x->st = XS_OPEN;
	s->kick = true; /* start it on the next turn, never inside this call */
	rearm(s);
	return x;
}

struct sshc_exec *sshc_exec(struct sshc_session *s, const char *command, size_t max_bytes,
			    long timeout_ms, sshc_exec_cb cb, void *arg)
{
	return exec_start(s, command, false, max_bytes, timeout_ms, cb, arg);
}

struct sshc_exec *sshc_ping(struct sshc_session *s, long timeout_ms, sshc_exec_cb cb, void *arg)
{
	return exec_start(s, NULL, true, 0, timeout_ms, cb, arg);
}

void sshc_exec_cancel(struct sshc_exec *x)
{
	if (!x || x->cancelled)
		return;
	struct sshc_session *s = x->s;
	x->cancelled = true;
	loop_busy_dec();
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
		reap(s);
		rearm(s);
	}
}
