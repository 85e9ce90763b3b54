/* lib/core/ws.c — the WebSocket connection of ws.h on the loop. Owns one
 * CURLM per connection for the connect phase only (CURLOPT_CONNECT_ONLY:
 * curl resolves, connects and does TLS, driven by uv_poll/uv_timer as
 * lib/core/http's multi is), then one uv_poll on the connected socket for
 * the upgrade and the frames. Reads at most WS_TURN bytes a loop turn so
 * that a fast server never starves the screen. Never blocks. */
#include "lib/core/ws.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "lib/core/digest.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"

#define WS_TURN	 (256u << 10)
#define WS_CPOLL 4

enum ws_state { WS_CONNECTING, WS_HANDSHAKE, WS_OPEN, WS_DONE };

struct ws_conn {
	CURLM *multi;
	CURL *easy;
	enum ws_state st;
	uv_timer_t *timer;
	uv_poll_t *cpoll[WS_CPOLL]; /* connect phase: curl's sockets */
	curl_socket_t cfd[WS_CPOLL];
	uv_poll_t *poll; /* the connected socket */
	int events;
	struct loop_defer *later; /* a refusal to report */
	uv_idle_t *more;	  /* reading on next turn, after the poll phase */
	char key[WS_KEY_LEN + 1];
	char *path, *url, *hs;
	struct buf out; /* bytes to send */
	size_t out_off;
	unsigned char *in;
	size_t ilen, icap;
	struct ws_parser ps;
	long hs_timeout_ms;
	struct mlc_err err;
	int close_code;
	uint64_t received;
	ws_msg_cb on_msg;
	ws_done_cb on_done;
	void *arg;
	char errbuf[CURL_ERROR_SIZE];
};

static void free_handle(uv_handle_t *h)
{
	free(h);
}

static void close_handle(void *h)
{
	if (h)
		uv_close(h, free_handle);
}

static void conn_free(struct ws_conn *c)
{
	loop_defer_cancel(c->later);
	for (int i = 0; i < WS_CPOLL; i++)
		close_handle(c->cpoll[i]);
	close_handle(c->poll);
	close_handle(c->timer);
	close_handle(c->more);
	if (c->multi) {
		curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, NULL);
		curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, NULL);
		curl_multi_remove_handle(c->multi, c->easy);
	}
	curl_easy_cleanup(c->easy);
	curl_multi_cleanup(c->multi);
	ws_parser_free(&c->ps);
	free(c->in);
	free(c->out.data);
	free(c->path);
	free(c->url);
	free(c->hs);
	free(c);
}

/* The end: on_done once, then the connection is gone. */
static void finish(struct ws_conn *c, const struct mlc_err *e)
{
	c->st = WS_DONE;
	loop_busy_dec();
	c->on_done(e, c->close_code, c->arg);
	conn_free(c);
}

static void fail(struct ws_conn *c, int code, const char *fmt, const char *what)
{
	struct mlc_err e;
	mlc_err_set(&e, code, 0, fmt, c->path, what);
	finish(c, &e);
}

static void later_fail(void *arg)
{
	struct ws_conn *c = arg;
	c->later = NULL;
	finish(c, &c->err);
}

static void on_dpoll(uv_poll_t *p, int status, int events);

static void poll_set(struct ws_conn *c)
{
	int ev = UV_READABLE | (c->out.len > c->out_off ? UV_WRITABLE : 0);
	if (ev != c->events) {
		uv_poll_start(c->poll, ev, on_dpoll);
		c->events = ev;
	}
}

static void queue(struct ws_conn *c, int op, const void *p, size_t n)
{
	unsigned char mask[4], f[125 + 14];
	if (getrandom(mask, sizeof mask, GRND_NONBLOCK) != sizeof mask)
		memset(mask, 0x5a, sizeof mask);
	size_t l = ws_frame(f, op, p, MLC_MIN(n, 125), mask);
	buf_append(&c->out, f, l);
}

/* Sends what is queued; < 0 (and finished) on a broken connection. */
static int flush_out(struct ws_conn *c)
{
	while (c->out.len > c->out_off) {
		size_t sent = 0;
		CURLcode rc = curl_easy_send(c->easy, c->out.data + c->out_off,
					     c->out.len - c->out_off, &sent);
		if (rc == CURLE_AGAIN)
			break;
		if (rc != CURLE_OK) {
			fail(c, MLC_ERR_IO, "%s: sending: %s", curl_easy_strerror(rc));
			return -1;
		}
		c->out_off += sent;
	}
	if (c->out_off == c->out.len)
		c->out.len = c->out_off = 0;
	return 0;
}

/* One event of the parser; < 0 when the connection is over. */
static int on_event(struct ws_conn *c, const struct ws_event *ev)
{
	switch (ev->ev) {
	case WS_EV_MESSAGE:
		if (!c->on_msg(ev->data, ev->len, ev->text, c->arg)) {
			fail(c, MLC_ERR_CANCELLED, "%s: %s", "closed by the reader");
			return -1;
		}
		return 0;
	case WS_EV_PING:
		queue(c, 10, ev->data, ev->len);
		return 0;
	case WS_EV_CLOSE: {
		unsigned char code[2] = {(unsigned char)(ev->code >> 8), (unsigned char)ev->code};
		c->close_code = ev->code;
		queue(c, 8, code, ev->code ? 2 : 0);
		if (flush_out(c) < 0)
			return -1;
		finish(c, NULL);
		return -1;
	}
	default:
		return 0;
	}
}

/* Handles what is in c->in; < 0 when the connection is over. */
static int consume(struct ws_conn *c, bool eof)
{
	size_t off = 0;
	if (c->st == WS_HANDSHAKE) {
		long hl = ws_handshake_check((char *)c->in, c->ilen, c->key, c->path, eof, &c->err);
		if (hl < 0) {
			finish(c, &c->err);
			return -1;
		}
		if (hl == 0)
			return 0;
		off = (size_t)hl;
		c->st = WS_OPEN;
		uv_timer_stop(c->timer);
	}
	while (c->st == WS_OPEN && off < c->ilen) {
		struct ws_event ev;
		size_t used;
		if (ws_parse(&c->ps, c->in + off, c->ilen - off, &used, &ev, &c->err) < 0) {
			finish(c, &c->err);
			return -1;
		}
		if (!used)
			break;
		off += used;
		if (on_event(c, &ev) < 0)
			return -1;
	}
	memmove(c->in, c->in + off, c->ilen - off);
	c->ilen -= off;
	if (eof) {
		if (c->st == WS_OPEN)
			fail(c, MLC_ERR_PROTO, "%s: %s", "the server closed without a close frame");
		else
			finish(c, &c->err);
		return -1;
	}
	return 0;
}

static void read_more(uv_idle_t *h);

/* Reads up to WS_TURN bytes; reading goes on next turn when more may be
 * there (TLS keeps bytes the poll cannot see). An idle handle, not a
 * zero timer: libuv runs a timer started from a timer at once, in the same
 * turn, which would starve every other socket until the stream ends. */
static int do_read(struct ws_conn *c)
{
	size_t turn = 0;
	while (turn < WS_TURN) {
		if (c->icap - c->ilen < 65536) {
			c->icap = c->ilen + 65536;
			c->in = xrealloc(c->in, c->icap);
		}
		size_t got = 0;
		CURLcode rc = curl_easy_recv(c->easy, c->in + c->ilen, c->icap - c->ilen, &got);
		if (rc == CURLE_AGAIN)
			return 0;
		if (rc != CURLE_OK) {
			fail(c, MLC_ERR_IO, "%s: receiving: %s", curl_easy_strerror(rc));
			return -1;
		}
		c->ilen += got;
		c->received += got;
		turn += got;
		if (consume(c, got == 0) < 0)
			return -1;
	}
	if (!c->more) {
		c->more = xmalloc(sizeof *c->more);
		uv_idle_init(loop_get(), c->more);
		c->more->data = c;
	}
	uv_idle_start(c->more, read_more);
	return 0;
}

static void read_more(uv_idle_t *h)
{
	struct ws_conn *c = h->data;
	uv_idle_stop(h);
	if (do_read(c) == 0)
		poll_set(c);
}

static void on_dpoll(uv_poll_t *p, int status, int events)
{
	struct ws_conn *c = p->data;
	if (status < 0) {
		fail(c, MLC_ERR_IO, "%s: %s", uv_strerror(status));
		return;
	}
	if ((events & UV_WRITABLE) && flush_out(c) < 0)
		return;
	if ((events & UV_READABLE) && do_read(c) < 0)
		return;
	poll_set(c);
}

static void on_hs_timer(uv_timer_t *t)
{
	struct ws_conn *c = t->data;
	if (c->st == WS_HANDSHAKE)
		fail(c, MLC_ERR_TIMEOUT, "%s: %s", "no answer to the WebSocket upgrade");
}

/* Connected: the socket is ours from here; the upgrade request is sent. */
static void connected(struct ws_conn *c)
{
	curl_socket_t s = CURL_SOCKET_BAD;
	curl_easy_getinfo(c->easy, CURLINFO_ACTIVESOCKET, &s);
	for (int i = 0; i < WS_CPOLL; i++) {
		if (c->cpoll[i] && c->cfd[i] == s && !c->poll)
			c->poll = c->cpoll[i]; /* the same fd: one watcher */
		else
			close_handle(c->cpoll[i]);
		c->cpoll[i] = NULL;
	}
	if (s == CURL_SOCKET_BAD) {
		fail(c, MLC_ERR_CONNECT, "%s: %s", "no connected socket");
		return;
	}
	if (!c->poll) {
		c->poll = xmalloc(sizeof *c->poll);
		uv_poll_init_socket(loop_get(), c->poll, s);
	}
	c->poll->data = c;
	c->events = 0;
	c->st = WS_HANDSHAKE;
	buf_append(&c->out, c->hs, strlen(c->hs));
	uv_timer_start(c->timer, on_hs_timer, (uint64_t)c->hs_timeout_ms, 0);
	if (flush_out(c) == 0)
		poll_set(c);
}

static int curl_code(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return MLC_ERR_DNS;
	case CURLE_OPERATION_TIMEDOUT:
		return MLC_ERR_TIMEOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return MLC_ERR_TLS;
	default:
		return MLC_ERR_CONNECT;
	}
}

static void check_multi(struct ws_conn *c)
{
	int left;
	CURLMsg *m;
	while (c->st == WS_CONNECTING && (m = curl_multi_info_read(c->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		if (m->data.result == CURLE_OK) {
			connected(c);
			return;
		}
		fail(c, curl_code(m->data.result), "%s: %s",
		     c->errbuf[0] ? c->errbuf : curl_easy_strerror(m->data.result));
		return;
	}
}

static void on_cpoll(uv_poll_t *p, int status, int events)
{
	struct ws_conn *c = p->data;
	int fd = -1, running, flags = 0;
	uv_fileno((uv_handle_t *)p, &fd);
	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(c->multi, fd, flags, &running);
	check_multi(c);
}

static void on_ctimer(uv_timer_t *t)
{
	struct ws_conn *c = t->data;
	int running;
	if (c->st != WS_CONNECTING)
		return;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_multi(c);
}

static int sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *sockp)
{
	struct ws_conn *c = userp;
	int i = 0;
	while (i < WS_CPOLL && !(c->cpoll[i] && c->cfd[i] == s))
		i++;
	if (c->st != WS_CONNECTING)
		return 0;
	if (what == CURL_POLL_REMOVE) {
		if (i < WS_CPOLL) {
			close_handle(c->cpoll[i]);
			c->cpoll[i] = NULL;
		}
		return 0;
	}
	if (i == WS_CPOLL) {
		for (i = 0; i < WS_CPOLL && c->cpoll[i]; i++)
			;
		if (i == WS_CPOLL)
			return -1;
		c->cpoll[i] = xmalloc(sizeof *c->cpoll[i]);
		uv_poll_init_socket(loop_get(), c->cpoll[i], s);
		c->cpoll[i]->data = c;
		c->cfd[i] = s;
	}
	int ev = (what & CURL_POLL_IN ? UV_READABLE : 0) | (what & CURL_POLL_OUT ? UV_WRITABLE : 0);
	uv_poll_start(c->cpoll[i], ev, on_cpoll);
	return 0;
}

static int timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct ws_conn *c = userp;
	if (c->st != WS_CONNECTING)
		return 0;
	if (timeout_ms < 0)
		uv_timer_stop(c->timer);
	else
		uv_timer_start(c->timer, on_ctimer, (uint64_t)timeout_ms, 0);
	return 0;
}

/* The Host header, the path and query, and the upgrade request. */
static int build(struct ws_conn *c, const struct http_opts *o)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *path = NULL, *query = NULL, *scheme = NULL;
	int rc = -1;
	if (curl_url_set(u, CURLUPART_URL, o->url, 0) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    (strcmp(scheme, "http") && strcmp(scheme, "https")) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) || curl_url_get(u, CURLUPART_PATH, &path, 0))
		goto out;
	for (const char *const *x = o->headers; x && *x; x++)
		if (strpbrk(*x, "\r\n"))
			goto out;
	if ((o->bearer && strpbrk(o->bearer, "\r\n")) ||
	    (o->username && strpbrk(o->username, "\r\n")))
		goto out;
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	c->path = xasprintf("%s%s%s", path, query ? "?" : "", query ? query : "");
	char *hosthdr = xasprintf("%s%s%s", host, port ? ":" : "", port ? port : "");
	struct buf h = {0};
	for (const char *const *x = o->headers; x && *x; x++)
		buf_printf(&h, "%s\r\n", *x);
	if (o->bearer) {
		buf_printf(&h, "Authorization: Bearer %s\r\n", o->bearer);
	} else if (o->username) {
		char *up = xasprintf("%s:%s", o->username, o->password ? o->password : "");
		size_t need = 4 * ((strlen(up) + 2) / 3);
		char *b64 = xmalloc(need + 1);
		digest_b64_encode(up, strlen(up), true, b64, need + 1);
		buf_printf(&h, "Authorization: Basic %s\r\n", b64);
		free(b64);
		free(up);
	}
	if (h.len && h.data[h.len - 1] == '\n')
		h.len -= 2; /* the request adds each line's CRLF */
	const char *hv[2] = {h.len ? h.data : NULL, NULL};
	if (h.data)
		h.data[h.len] = 0;
	c->hs = ws_handshake_request(hosthdr, c->path, c->key, hv);
	free(h.data);
	free(hosthdr);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return rc;
}

struct ws_conn *ws_open(const struct http_opts *o, ws_msg_cb on_msg, ws_done_cb on_done, void *arg)
{
	struct ws_conn *c = xcalloc(1, sizeof *c);
	unsigned char nonce[16];
	c->on_msg = on_msg;
	c->on_done = on_done;
	c->arg = arg;
	c->url = xstrdup(o->url);
	c->hs_timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
	ws_parser_init(&c->ps, o->max_bytes ? o->max_bytes : 1u << 20);
	if (getrandom(nonce, sizeof nonce, GRND_NONBLOCK) != sizeof nonce)
		for (size_t i = 0; i < sizeof nonce; i++)
			nonce[i] = (unsigned char)(uv_hrtime() >> (i % 8 * 8));
	digest_b64_encode(nonce, sizeof nonce, true, c->key, sizeof c->key);
	c->timer = xmalloc(sizeof *c->timer);
	uv_timer_init(loop_get(), c->timer);
	c->timer->data = c;
	loop_busy_inc();
	if (build(c, o) < 0) {
		if (!c->path)
			c->path = xstrdup("websocket");
		mlc_err_set(&c->err, MLC_ERR_USAGE, 0, "%s: bad URL or header for a WebSocket",
			    c->path);
		c->later = loop_defer(later_fail, c);
		return c;
	}
	c->easy = curl_easy_init();
	CURL *e = c->easy;
	curl_easy_setopt(e, CURLOPT_URL, c->url);
	curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
			 o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 3000L);
	/* a followed stream may be silent for long: keepalive finds a dead peer */
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, 30L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 10L);
	if (o->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_file);
	if (o->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	c->multi = curl_multi_init();
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	curl_multi_add_handle(c->multi, e); /* sets a timer: work starts on the loop */
	return c;
}

void ws_close(struct ws_conn *c)
{
	if (!c)
		return;
	if (c->st != WS_DONE)
		loop_busy_dec();
	conn_free(c);
}

uint64_t ws_received(const struct ws_conn *c)
{
	return c ? c->received : 0;
}
