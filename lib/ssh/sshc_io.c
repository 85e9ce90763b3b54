/* lib/ssh/sshc_io.c — the small pure helpers of the SSH client (printable
 * copies of untrusted text, libssh2 error text, which errors end a transport)
 * and the socket I/O callbacks libssh2 is given: they count bytes in, queue
 * what the kernel did not take, and turn dead at teardown. Never blocks,
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
#include <time.h>
#include <unistd.h>

#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"

/* Printable ASCII copy of untrusted text (banner, user, paths in messages). */
void sshc_ascii_into(char *out, size_t n, const char *in, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && in[i] && o + 1 < n; i++) {
		unsigned char c = (unsigned char)in[i];
		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (n)
		out[o] = '\0';
}

char *sshc_ascii_dup(const char *in)
{
	size_t n = strlen(in) + 1;
	char *p = xmalloc(n);
	sshc_ascii_into(p, n, in, n);
	return p;
}

/* Monotonic microseconds, for the phases of an exec. */
int64_t sshc_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

bool sshc_tracing;

void sshc_set_trace(bool on)
{
	sshc_tracing = on;
}

const char *sshc_errmsg(struct sshc_session *s)
{
	char *msg = NULL;
	if (!s->ssh)
		return "no session";
	libssh2_session_last_error(s->ssh, &msg, NULL, 0);
	return msg && *msg ? msg : "unknown error";
}

int sshc_block_dirs(struct sshc_session *s)
{
	return s->ssh ? libssh2_session_block_directions(s->ssh) : 0;
}

/* Errors after which the transport (and so the whole session) is unusable,
 * as opposed to one channel or one key being refused. */
bool sshc_transport_error(int rc)
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

void sshc_set_err(struct mlc_err *e, int code, long detail, const char *fmt, va_list ap)
{
	e->code = code;
	e->detail = detail;
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
}

/* $HOME, else the password database's home. */
char *sshc_home_dir(void)
{
	const char *h = getenv("HOME");
	if (h && *h)
		return xstrdup(h);
	struct passwd *pw = getpwuid(getuid());
	return xstrdup(pw && pw->pw_dir ? pw->pw_dir : "/");
}

/* $USER, else the password database's name. */
char *sshc_default_user(void)
{
	const char *u = getenv("USER");
	if (u && *u)
		return xstrdup(u);
	struct passwd *pw = getpwuid(getuid());
	return xstrdup(pw && pw->pw_name ? pw->pw_name : "root");
}

void sshc_traffic(const struct sshc_session *s, uint64_t *sent, uint64_t *received)
{
	*sent = s ? s->nsent : 0;
	*received = s ? s->nrecv : 0;
}

/* ---- socket I/O for libssh2: counts bytes in, and turns dead at teardown ---- */

ssize_t sshc_io_recv(libssh2_socket_t fd, void *buf, size_t len, int flags, void **abstract)
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
bool sshc_obuf_flush(struct sshc_session *s)
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

bool sshc_obuf_pending(const struct sshc_session *s)
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
ssize_t sshc_io_send(libssh2_socket_t fd, const void *buf, size_t len, int flags, void **abstract)
{
	struct sshc_session *s = *abstract;
	(void)flags;
	if (s->io_dead)
		return (ssize_t)len; /* swallowed: lets libssh2 finish and free channels now */
	if (s->send_errno)
		return -s->send_errno;
	if (sshc_obuf_pending(s)) {
		if (s->obuf.len - s->obuf_off + len > SSHC_OBUF_MAX) {
			s->send_errno = ENOBUFS;
			return -ENOBUFS;
		}
		buf_append(&s->obuf, buf, len);
		if (!sshc_obuf_flush(s))
			return -s->send_errno;
		s->nsent += len;
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
	s->nsent += len;
	return (ssize_t)len;
}
