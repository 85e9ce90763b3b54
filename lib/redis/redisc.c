/* lib/redis/redisc.c — the exchange of redisc.h as a small state machine
 * over libuv: a deadline timer, a resolve, a TCP connect, one write of the
 * pipelined commands, and reads until every reply is in. Owns its handles;
 * the request is freed once both handles are closed, never before. */
#include "lib/redis/redisc.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/redis/resp.h"

/* What each pipelined reply answers, in order. */
enum step { S_AUTH, S_SELECT, S_PING, S_INFO };

struct redisc_req {
	struct redis_url u;
	long timeout_ms;
	redisc_cb cb;
	void *arg;
	int64_t t0;
	const char *phase; /* for the timeout's text: "connecting", ... */

	uv_timer_t timer;
	uv_tcp_t tcp;
	bool tcp_open;
	uv_connect_t conn;
	uv_write_t wr;
	struct loop_resolve *resolve;
	struct buf out, in;

	enum step steps[4];
	int nsteps, next;
	struct redisc_info info;
	bool done;   /* cb ran or was cancelled: ignore what comes */
	int closing; /* handles whose close callback is pending */
};

static void req_closed(uv_handle_t *h)
{
	struct redisc_req *r = h->data;
	if (--r->closing == 0) {
		buf_free(&r->out);
		buf_free(&r->in);
		free(r);
	}
}

/* Ends the request: no callback after this; handles closed, memory freed
 * when libuv is done with it. */
static void req_end(struct redisc_req *r)
{
	r->done = true;
	redis_url_clear(&r->u);
	if (r->out.data) /* the AUTH command held the password */
		explicit_bzero(r->out.data, r->out.len);
	loop_busy_dec();
	if (r->resolve) {
		loop_resolve_cancel(r->resolve);
		r->resolve = NULL;
	}
	uv_timer_stop(&r->timer);
	r->closing = 1;
	uv_close((uv_handle_t *)&r->timer, req_closed);
	if (r->tcp_open) {
		r->closing++;
		uv_close((uv_handle_t *)&r->tcp, req_closed);
	}
}

static void finish(struct redisc_req *r, const struct mlc_err *err)
{
	if (r->done)
		return;
	r->info.latency_ms = (long)(mono_ms() - r->t0);
	redisc_cb cb = r->cb;
	void *arg = r->arg;
	struct redisc_info info = r->info;
	req_end(r);
	cb(err ? NULL : &info, err, arg);
}

static void fail(struct redisc_req *r, int code, long detail, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(struct redisc_req *r, int code, long detail, const char *fmt, ...)
{
	struct mlc_err e;
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	mlc_err_set(&e, code, detail, "redis %s:%d: %s", r->u.host, r->u.port, msg);
	finish(r, &e);
}

static void on_timeout(uv_timer_t *t)
{
	struct redisc_req *r = t->data;
	fail(r, MLC_ERR_TIMEOUT, r->timeout_ms, "timed out after %ldms %s", r->timeout_ms,
	     r->phase);
}

/* An error reply to step s: what it means, said plainly. */
static void reply_error(struct redisc_req *r, enum step s, const struct resp_reply *rep)
{
	int n = (int)MLC_MIN(rep->len, 160);
	bool noauth = rep->len >= 6 && memcmp(rep->str, "NOAUTH", 6) == 0;
	bool wrongpass = (rep->len >= 9 && memcmp(rep->str, "WRONGPASS", 9) == 0) ||
			 memmem(rep->str, rep->len, "invalid password", 16) ||
			 memmem(rep->str, rep->len, "invalid username-password", 25);
	if (noauth)
		fail(r, MLC_ERR_AUTH, 0,
		     "the server requires a password and none was given (URL or REDISCLI_AUTH): "
		     "%.*s",
		     n, rep->str);
	else if (s == S_AUTH && wrongpass)
		fail(r, MLC_ERR_AUTH, 0, "wrong password: %.*s", n, rep->str);
	else if (s == S_AUTH)
		fail(r, MLC_ERR_AUTH, 0, "AUTH refused: %.*s", n, rep->str);
	else
		fail(r, MLC_ERR_PROTO, 0, "%s answered: %.*s",
		     s == S_SELECT ? "SELECT"
		     : s == S_PING ? "PING"
				   : "INFO",
		     n, rep->str);
}

/* Consumes the replies in r->in; finishes when the last one is in. */
static void take_replies(struct redisc_req *r)
{
	size_t off = 0;
	while (!r->done && r->next < r->nsteps) {
		struct resp_reply rep;
		struct mlc_err e;
		long n = resp_parse(r->in.data + off, r->in.len - off, &rep, &e);
		if (n == 0)
			break;
		if (n < 0) {
			fail(r, e.code, 0, "%s", e.msg + (strncmp(e.msg, "redis: ", 7) ? 0 : 7));
			return;
		}
		off += (size_t)n;
		enum step s = r->steps[r->next++];
		if (rep.type == RESP_ERROR) {
			reply_error(r, s, &rep);
			return;
		}
		if (s == S_PING &&
		    !(rep.type == RESP_SIMPLE && rep.len == 4 && memcmp(rep.str, "PONG", 4) == 0)) {
			fail(r, MLC_ERR_PROTO, 0, "PING was not answered with PONG");
			return;
		}
		if (s == S_INFO) {
			if (rep.type != RESP_BULK) {
				fail(r, MLC_ERR_PROTO, 0, "INFO server: expected a bulk string");
				return;
			}
			if (resp_info_field(rep.str, rep.len, "redis_version", r->info.version,
					    sizeof r->info.version) < 0) {
				fail(r, MLC_ERR_PARSE, 0, "INFO server: no redis_version");
				return;
			}
			resp_info_field(rep.str, rep.len, "redis_mode", r->info.mode,
					sizeof r->info.mode);
		}
	}
	if (r->done)
		return;
	if (r->next == r->nsteps) {
		finish(r, NULL);
		return;
	}
	/* Keep the partial reply for the next read. */
	memmove(r->in.data, r->in.data + off, r->in.len - off);
	r->in.len -= off;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct redisc_req *r = h->data;
	size_t want = 16384;
	if (r->in.cap < r->in.len + want + 1) {
		r->in.cap = r->in.len + want + 1;
		r->in.data = xrealloc(r->in.data, r->in.cap);
	}
	*b = uv_buf_init(r->in.data + r->in.len, (unsigned)want);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *b)
{
	struct redisc_req *r = st->data;
	if (r->done)
		return;
	if (nread == UV_EOF) {
		fail(r, MLC_ERR_PROTO, 0, "the server closed the connection %s", r->phase);
		return;
	}
	if (nread < 0) {
		fail(r, MLC_ERR_IO, nread, "read: %s", uv_strerror((int)nread));
		return;
	}
	r->in.len += (size_t)nread;
	r->in.data[r->in.len] = '\0';
	if (r->in.len > RESP_MAX_BULK + RESP_MAX_LINE) {
		fail(r, MLC_ERR_TOO_BIG, (long)r->in.len, "answer larger than %d bytes",
		     RESP_MAX_BULK + RESP_MAX_LINE);
		return;
	}
	take_replies(r);
}

static void on_write(uv_write_t *w, int status)
{
	struct redisc_req *r = w->data;
	if (r->done || status == 0)
		return;
	fail(r, MLC_ERR_IO, status, "write: %s", uv_strerror(status));
}

static void on_connect(uv_connect_t *c, int status)
{
	struct redisc_req *r = c->data;
	if (r->done)
		return;
	if (status < 0) {
		fail(r, MLC_ERR_CONNECT, status, "%s", uv_strerror(status));
		return;
	}
	const char *argv[3];
	if (r->u.has_password) {
		int n = 0;
		argv[n++] = "AUTH";
		if (r->u.user[0])
			argv[n++] = r->u.user;
		argv[n++] = r->u.password;
		resp_encode(&r->out, n, argv);
		r->steps[r->nsteps++] = S_AUTH;
	}
	if (r->u.db >= 0) {
		char db[16];
		snprintf(db, sizeof db, "%d", r->u.db);
		resp_encode(&r->out, 2, (const char *const[]){"SELECT", db});
		r->steps[r->nsteps++] = S_SELECT;
	}
	resp_encode(&r->out, 1, (const char *const[]){"PING"});
	r->steps[r->nsteps++] = S_PING;
	resp_encode(&r->out, 2, (const char *const[]){"INFO", "server"});
	r->steps[r->nsteps++] = S_INFO;
	r->phase = "waiting for the answers";
	uv_buf_t b = uv_buf_init(r->out.data, (unsigned)r->out.len);
	r->wr.data = r;
	int rc = uv_write(&r->wr, (uv_stream_t *)&r->tcp, &b, 1, on_write);
	if (rc == 0)
		rc = uv_read_start((uv_stream_t *)&r->tcp, on_alloc, on_read);
	if (rc != 0)
		fail(r, MLC_ERR_IO, rc, "%s", uv_strerror(rc));
}

static void on_resolved(const struct sockaddr *sa, socklen_t salen, const struct mlc_err *err,
			void *arg)
{
	struct redisc_req *r = arg;
	r->resolve = NULL;
	if (err) {
		struct mlc_err e = *err;
		finish(r, &e);
		return;
	}
	uv_tcp_init(loop_get(), &r->tcp);
	r->tcp.data = r;
	r->tcp_open = true;
	r->conn.data = r;
	int rc = uv_tcp_connect(&r->conn, &r->tcp, sa, on_connect);
	if (rc != 0) {
		/* Reported from here, a loop callback: never inside redisc_ping. */
		fail(r, MLC_ERR_CONNECT, rc, "%s", uv_strerror(rc));
	}
}

struct redisc_req *redisc_ping(const struct redis_url *u, long timeout_ms, redisc_cb cb, void *arg)
{
	struct redisc_req *r = xcalloc(1, sizeof *r);
	r->u = *u;
	r->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
	r->cb = cb;
	r->arg = arg;
	r->t0 = mono_ms();
	r->phase = "connecting";
	buf_init(&r->out);
	buf_init(&r->in);
	loop_busy_inc();
	uv_timer_init(loop_get(), &r->timer);
	r->timer.data = r;
	uv_timer_start(&r->timer, on_timeout, (uint64_t)r->timeout_ms, 0);
	r->resolve = loop_resolve(r->u.host, r->u.port, on_resolved, r);
	return r;
}

void redisc_cancel(struct redisc_req *r)
{
	if (r && !r->done)
		req_end(r);
}
