/* lib/ssh/nodegate.c — a plan's TCP and HTTP gates, checked from the
 * console (see nodegate.h): a uv_tcp connect with its own deadline, or one
 * GET over lib/core/http. Owns each check's handles until they closed.
 * Never blocks, never draws. */
#include "lib/ssh/nodegate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "lib/core/http.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"

struct nodegate {
	nodegate_cb cb;
	void *arg;
	bool done; /* delivered or cancelled: the callback never runs again */
	/* tcp */
	struct loop_resolve *res;
	uv_tcp_t tcp;
	uv_connect_t conn;
	uv_timer_t timer;
	int handles; /* open uv handles; freed when the last one closed */
	long timeout_ms;
	/* http */
	struct http_req *req;
};

static void handle_closed(uv_handle_t *h)
{
	struct nodegate *g = h->data;
	if (--g->handles == 0)
		free(g);
}

static void tcp_close(struct nodegate *g)
{
	if (g->res) {
		loop_resolve_cancel(g->res);
		g->res = NULL;
	}
	if (!uv_is_closing((uv_handle_t *)&g->timer))
		uv_close((uv_handle_t *)&g->timer, handle_closed);
	if (g->handles == 2 && !uv_is_closing((uv_handle_t *)&g->tcp))
		uv_close((uv_handle_t *)&g->tcp, handle_closed);
}

static void deliver(struct nodegate *g, bool holds, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void deliver(struct nodegate *g, bool holds, const char *fmt, ...)
{
	if (g->done)
		return;
	g->done = true;
	char why[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	g->cb(holds, why, g->arg);
}

static void on_connect(uv_connect_t *c, int status)
{
	struct nodegate *g = c->data;
	if (status == UV_ECANCELED)
		return; /* closed under it: already delivered or cancelled */
	if (status == 0)
		deliver(g, true, "connected");
	else
		deliver(g, false, "connect: %s", uv_strerror(status));
	tcp_close(g);
}

static void on_timeout(uv_timer_t *t)
{
	struct nodegate *g = t->data;
	deliver(g, false, "no connection within %ld ms", g->timeout_ms);
	tcp_close(g);
}

static void on_resolved(const struct sockaddr *sa, socklen_t salen, const struct mlc_err *err,
			void *arg)
{
	struct nodegate *g = arg;
	g->res = NULL;
	(void)salen;
	if (err) {
		deliver(g, false, "%s", err->msg);
		tcp_close(g);
		return;
	}
	uv_tcp_init(loop_get(), &g->tcp);
	g->tcp.data = g;
	g->handles++;
	g->conn.data = g;
	int rc = uv_tcp_connect(&g->conn, &g->tcp, sa, on_connect);
	if (rc < 0) {
		deliver(g, false, "connect: %s", uv_strerror(rc));
		tcp_close(g);
	}
}

struct nodegate *nodegate_tcp(const char *host, int port, long timeout_ms, nodegate_cb cb,
			      void *arg)
{
	struct nodegate *g = xcalloc(1, sizeof *g);
	g->cb = cb;
	g->arg = arg;
	g->timeout_ms = timeout_ms > 0 ? timeout_ms : 3000;
	uv_timer_init(loop_get(), &g->timer);
	g->timer.data = g;
	g->handles = 1;
	uv_timer_start(&g->timer, on_timeout, (uint64_t)g->timeout_ms, 0);
	g->res = loop_resolve(host, port, on_resolved, g);
	return g;
}

static void on_http(const struct http_resp *resp, const struct mlc_err *err, void *arg)
{
	struct nodegate *g = arg;
	g->req = NULL;
	if (err)
		deliver(g, false, "%s", err->msg);
	else
		deliver(g, resp->status >= 200 && resp->status < 300, "HTTP %ld", resp->status);
	free(g);
}

struct nodegate *nodegate_http(const char *url, long timeout_ms, nodegate_cb cb, void *arg)
{
	struct nodegate *g = xcalloc(1, sizeof *g);
	g->cb = cb;
	g->arg = arg;
	struct http_opts o = {.url = url,
			      .timeout_ms = timeout_ms > 0 ? timeout_ms : 5000,
			      .connect_timeout_ms = timeout_ms > 0 ? timeout_ms : 3000,
			      .max_bytes = 64 * 1024};
	g->req = http_request(&o, on_http, g);
	return g;
}

void nodegate_cancel(struct nodegate *g)
{
	if (!g || g->done)
		return;
	g->done = true;
	if (g->req) {
		http_cancel(g->req);
		free(g);
	} else if (g->handles) {
		tcp_close(g);
	}
}

int nodegate_hostport(const char *s, char *host, size_t n, int *port)
{
	const char *colon;
	size_t hl;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return -1;
		hl = (size_t)(close - s - 1);
		s++;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - s);
	}
	char *end;
	long p = strtol(colon + 1, &end, 10);
	if (!hl || hl >= n || *end || p <= 0 || p > 65535)
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	*port = (int)p;
	return 0;
}
