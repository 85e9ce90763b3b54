/* lib/ssh/sshc_jump.c — ProxyJump through one bastion, as ssh -J does it:
 * a session to the bastion, a direct-tcpip channel on it to the target's
 * host:port, and the target's own SSH session over that channel. The target
 * session talks to one end of a socketpair exactly as to a TCP socket; the
 * pump moves the bytes between the other end and the channel. Owns the
 * bastion session, the tunnel and the pump of each jumped session. Never
 * blocks, never draws. */
#include "lib/ssh/sshc_int.h"

#include <errno.h>
#include <libssh2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/core/util.h"

#define PUMP_CHUNK 32768

/* One tunnel's local end: fd is the socketpair half the target does not
 * use. to_fd holds channel bytes the socket did not take yet, to_ch socket
 * bytes the channel did not take yet; while either holds something, no
 * more is read from its source (the other end sets the pace). */
struct sshc_pump {
	uv_poll_t poll;
	struct sshc_session *b; /* the bastion's session */
	int fd, events;
	struct buf to_fd, to_ch;
	size_t to_fd_off, to_ch_off;
	bool fd_eof;
};

static void pump_closed(uv_handle_t *h)
{
	struct sshc_pump *p = h->data;
	if (p->fd >= 0)
		close(p->fd);
	buf_free(&p->to_fd);
	buf_free(&p->to_ch);
	free(p);
}

void sshc_pump_free(struct sshc_pump *p)
{
	uv_close((uv_handle_t *)&p->poll, pump_closed);
}

static void pump_ready(uv_poll_t *h, int status, int events)
{
	struct sshc_pump *p = h->data;
	(void)status;
	(void)events;
	if (!p->b->closed)
		sshc_drive(p->b, 0);
}

/* Watch the socket only for what the pump can act on now. */
static void pump_arm(struct sshc_pump *p)
{
	int ev = 0;
	if (!p->fd_eof && p->to_ch_off == p->to_ch.len)
		ev |= UV_READABLE;
	if (p->to_fd_off < p->to_fd.len)
		ev |= UV_WRITABLE;
	if (ev == p->events)
		return;
	p->events = ev;
	if (ev)
		uv_poll_start(&p->poll, ev, pump_ready);
	else
		uv_poll_stop(&p->poll);
}

/* Writes what waits for the channel. Returns 0, or a libssh2 error. */
static int to_channel(struct sshc_exec *x, bool *progress)
{
	struct sshc_pump *p = x->pump;
	while (p->to_ch_off < p->to_ch.len) {
		ssize_t n = libssh2_channel_write(x->ch, p->to_ch.data + p->to_ch_off,
						  p->to_ch.len - p->to_ch_off);
		if (n == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (n < 0)
			return (int)n;
		p->to_ch_off += (size_t)n;
		*progress = true;
	}
	buf_reset(&p->to_ch);
	p->to_ch_off = 0;
	return 0;
}

/* Writes what waits for the socket. Returns false once the socket is gone. */
static bool to_socket(struct sshc_pump *p, bool *progress)
{
	while (p->to_fd_off < p->to_fd.len) {
		ssize_t n = send(p->fd, p->to_fd.data + p->to_fd_off, p->to_fd.len - p->to_fd_off,
				 MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
		p->to_fd_off += (size_t)n;
		*progress = true;
	}
	buf_reset(&p->to_fd);
	p->to_fd_off = 0;
	return true;
}

/* Socket → channel: what the target session sent. */
static int pump_up(struct sshc_exec *x, bool *progress)
{
	struct sshc_pump *p = x->pump;
	char tmp[PUMP_CHUNK];
	int rc = to_channel(x, progress);
	while (rc == 0 && !p->fd_eof && p->to_ch.len == 0) {
		ssize_t n = recv(p->fd, tmp, sizeof tmp, 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		*progress = true;
		if (n <= 0) {
			p->fd_eof = true; /* the target session ended its transport */
			break;
		}
		buf_append(&p->to_ch, tmp, (size_t)n);
		rc = to_channel(x, progress);
	}
	return rc;
}

/* Channel → socket: what the target's sshd sent. Returns 1 at the
 * channel's end, 0 to go on, or a libssh2 error. */
static int pump_down(struct sshc_exec *x, bool *progress)
{
	struct sshc_pump *p = x->pump;
	char tmp[PUMP_CHUNK];
	if (!to_socket(p, progress))
		return 1;
	size_t total = 0;
	while (p->to_fd.len == 0 && total < SSHC_STEP_BYTES) {
		ssize_t n = libssh2_channel_read(x->ch, tmp, sizeof tmp);
		if (n == LIBSSH2_ERROR_EAGAIN)
			break;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return libssh2_channel_eof(x->ch) ? 1 : 0;
		*progress = true;
		total += (size_t)n;
		buf_append(&p->to_fd, tmp, (size_t)n);
		if (!to_socket(p, progress))
			return 1;
	}
	return 0;
}

int sshc_pump_step(struct sshc_exec *x, bool *progress)
{
	struct sshc_pump *p = x->pump;
	int rc = pump_up(x, progress);
	if (rc == 0)
		rc = pump_down(x, progress);
	if (rc == 0 && p->fd_eof)
		rc = 1;
	if (rc != 0) {
		/* either end is over: the other sees EOF at once */
		shutdown(p->fd, SHUT_RDWR);
		p->fd_eof = true;
		buf_reset(&p->to_fd);
		p->to_fd_off = 0;
	}
	pump_arm(p);
	return rc;
}

LIBSSH2_CHANNEL *sshc_tunnel_channel(struct sshc_session *s, struct sshc_exec *x)
{
	/* the originator is what ssh -J sends as well */
	return libssh2_channel_direct_tcpip_ex(s->ssh, x->cmd, x->tport, "127.0.0.1", 22);
}

/* ---- the jumped session's side ---- */

/* The tunnel ended: before the target was up its connect fails, after it
 * the target's transport is down. Runs inside the bastion's driver. */
static void tunnel_done(const struct sshc_result *r, const struct mlc_err *err, void *arg)
{
	struct sshc_session *s = arg;
	s->tunnel = NULL;
	(void)r;
	const char *why = err ? err->msg : "the jump host closed the tunnel";
	if (s->st == SS_UP)
		sshc_session_down(s, err ? err->code : MLC_ERR_CONNECT, 0, "%s", why);
	else if (s->st != SS_DOWN)
		sshc_connect_fail(s, err ? err->code : MLC_ERR_CONNECT, 0,
				  "ssh %s: no tunnel through the jump host: %s", s->label, why);
}

static void jump_connected(struct sshc_session *b, const struct mlc_err *err, void *arg)
{
	struct sshc_session *s = arg;
	if (err) {
		sshc_connect_fail(s, err->code, err->detail, "%s (the jump host of %s)", err->msg,
				  s->label);
		return;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
		sshc_connect_fail(s, MLC_ERR_CONNECT, errno, "ssh %s: socketpair: %s", s->label,
				  strerror(errno));
		return;
	}
	struct sshc_pump *p = xcalloc(1, sizeof *p);
	p->b = b;
	p->fd = sv[1];
	buf_init(&p->to_fd);
	buf_init(&p->to_ch);
	uv_poll_init_socket(loop_get(), &p->poll, p->fd);
	p->poll.data = p;
	pump_arm(p);
	s->tunnel = sshc_tunnel_open(b, s->host, s->port, p, tunnel_done, s);
	sshc_start_fd(s, sv[0]);
}

/* "[user@]host[:port]" or "[user@][host]:port"; one hop only. */
static int parse_spec(const char *spec, char **user, char **host, int *port)
{
	if (strchr(spec, ',') || strchr(spec, ' ') || strchr(spec, '\n'))
		return -1;
	const char *at = strrchr(spec, '@');
	*user = at ? xstrndup(spec, (size_t)(at - spec)) : NULL;
	const char *h = at ? at + 1 : spec;
	const char *colon = NULL;
	if (*h == '[') {
		const char *close = strchr(h, ']');
		if (!close)
			goto bad;
		*host = xstrndup(h + 1, (size_t)(close - h - 1));
		colon = close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = strrchr(h, ':');
		*host = colon ? xstrndup(h, (size_t)(colon - h)) : xstrdup(h);
	}
	*port = 22;
	if (colon) {
		char *end;
		long v = strtol(colon + 1, &end, 10);
		if (*end || v <= 0 || v > 65535)
			goto bad_host;
		*port = (int)v;
	}
	if (**host)
		return 0;
bad_host:
	free(*host);
bad:
	free(*user);
	*user = *host = NULL;
	return -1;
}

void sshc_jump_start(struct sshc_session *s, const struct sshc_opts *o)
{
	char *user = NULL, *host = NULL;
	int port = 22;
	if (parse_spec(o->jump, &user, &host, &port) != 0) {
		char shown[80];
		sshc_ascii_into(shown, sizeof shown, o->jump, strlen(o->jump));
		mlc_err_set(&s->fail_err, MLC_ERR_USAGE, 0,
			    "ssh %s: bad jump host \"%s\" (one [user@]host[:port])", s->label,
			    shown);
		s->fail_defer = loop_defer(sshc_fail_deferred, s);
		return;
	}
	struct sshc_opts b = *o;
	b.host = host;
	b.port = port;
	b.user = user ? user : o->user;
	b.jump = NULL;
	b.accept_fingerprint = NULL;
	s->jump = sshc_connect(&b, jump_connected, s);
	free(user);
	free(host);
}

void sshc_jump_end(struct sshc_session *s)
{
	if (!s->jump)
		return;
	struct sshc_session *b = s->jump;
	s->jump = NULL;
	s->tunnel = NULL; /* closing b frees it without a callback */
	sshc_close(b);
}
