/* tests/unit/httpsrv.c — see httpsrv.h. */
#include "httpsrv.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/loop.h"

/* ---- the loop driver ----------------------------------------------------- */

void wake(void)
{
	uv_stop(loop_get());
}

/* ---- a tiny HTTP server on the loop -------------------------------------- */

struct srv server;

struct wreq {
	uv_write_t w;
	char *data;
};

static void conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	struct srv *s = c->s;
	for (int i = 0; i < MAX_CONNS; i++)
		if (s->conns[i] == c)
			s->conns[i] = NULL;
	buf_free(&c->in);
	free(c);
	s->open_handles--;
}

static void conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	uv_close((uv_handle_t *)&c->h, conn_closed);
}

static void on_written(uv_write_t *w, int status)
{
	struct wreq *wr = (struct wreq *)w;
	struct conn *c = w->data;
	(void)status;
	free(wr->data);
	free(wr);
	if (c->s->reset_after_write && !c->closing) {
		c->closing = true;
		uv_tcp_close_reset(&c->h, conn_closed);
		return;
	}
	conn_close(c); /* every response says Connection: close */
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	(void)h;
	b->base = xmalloc(suggested);
	b->len = suggested;
}

void srv_answer(struct conn *c, const char *resp, size_t len)
{
	struct wreq *wr = xcalloc(1, sizeof *wr);
	wr->data = xmalloc(len);
	memcpy(wr->data, resp, len);
	wr->w.data = c;
	uv_buf_t out = uv_buf_init(wr->data, (unsigned)len);
	uv_write(&wr->w, (uv_stream_t *)&c->h, &out, 1, on_written);
}

/* A complete request: headers and, with Content-Length, the body. */
static bool request_complete(const struct buf *in)
{
	if (!in->data)
		return false;
	const char *end = strstr(in->data, "\r\n\r\n");
	if (!end)
		return false;
	size_t head = (size_t)(end - in->data) + 4;
	const char *cl = strcasestr(in->data, "\r\nContent-Length:");
	size_t body = 0;
	if (cl && cl < end)
		body = strtoul(cl + 17, NULL, 10);
	return in->len >= head + body;
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = st->data;
	struct srv *s = c->s;
	if (n < 0) {
		s->hangups++;
		wake();
		free(b->base);
		conn_close(c);
		return;
	}
	buf_append(&c->in, b->base, (size_t)n);
	free(b->base);
	if (c->answered || !request_complete(&c->in))
		return;
	c->answered = true;
	s->requests++;
	wake();
	buf_append(&s->log, c->in.data, c->in.len);
	char method[16] = "", path[256] = "";
	sscanf(c->in.data, "%15s %255s", method, path);
	size_t len = 0;
	const char *resp = s->handler(s, method, path, c->in.data, &len);
	if (!resp)
		return; /* held: never answered */
	if (!len)
		len = strlen(resp);
	srv_answer(c, resp, len);
}

static void on_connection(uv_stream_t *l, int status)
{
	struct srv *s = l->data;
	cr_assert_eq(status, 0);
	struct conn *c = xcalloc(1, sizeof *c);
	c->s = s;
	uv_tcp_init(loop_get(), &c->h);
	c->h.data = c;
	s->open_handles++;
	if (uv_accept(l, (uv_stream_t *)&c->h) != 0) {
		conn_close(c);
		return;
	}
	s->accepted++;
	for (int i = 0; i < MAX_CONNS; i++)
		if (!s->conns[i]) {
			s->conns[i] = c;
			break;
		}
	uv_read_start((uv_stream_t *)&c->h, alloc_cb, on_read);
}

static void listener_closed(uv_handle_t *h)
{
	struct srv *s = h->data;
	s->open_handles--;
}

void srv_start(srv_handler handler)
{
	struct srv *s = &server;
	memset(s, 0, sizeof *s);
	s->handler = handler;
	uv_tcp_init(loop_get(), &s->listener);
	s->listener.data = s;
	s->open_handles = 1;
	struct sockaddr_in a;
	uv_ip4_addr("127.0.0.1", 0, &a);
	cr_assert_eq(uv_tcp_bind(&s->listener, (const struct sockaddr *)&a, 0), 0);
	cr_assert_eq(uv_listen((uv_stream_t *)&s->listener, 64, on_connection), 0);
	struct sockaddr_in got;
	int len = sizeof got;
	uv_tcp_getsockname(&s->listener, (struct sockaddr *)&got, &len);
	s->port = ntohs(got.sin_port);
}

char *srv_url(const char *path)
{
	return xasprintf("http://127.0.0.1:%d%s", server.port, path);
}

void srv_close(void)
{
	struct srv *s = &server;
	if (s->open_handles) {
		for (int i = 0; i < MAX_CONNS; i++)
			if (s->conns[i])
				conn_close(s->conns[i]);
		uv_close((uv_handle_t *)&s->listener, listener_closed);
		while (s->open_handles > 0)
			uv_run(loop_get(), UV_RUN_ONCE);
	}
	buf_free(&s->log);
	buf_free(&s->scratch);
}
