/* lib/core/loop.c — owns the libuv loop, the in-flight counter, deferred calls and
 * non-blocking name resolution. Never blocks, never draws. */
#include "lib/core/loop.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"

static uv_loop_t *the_loop;
static int busy;

uv_loop_t *loop_get(void)
{
	if (!the_loop)
		the_loop = uv_default_loop();
	return the_loop;
}

static void close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

void loop_shutdown(void)
{
	if (!the_loop)
		return;
	uv_walk(the_loop, close_walk, NULL);
	uv_run(the_loop, UV_RUN_DEFAULT);
	uv_loop_close(the_loop);
	the_loop = NULL;
}

static bool stop_when_idle;

void loop_busy_inc(void)
{
	busy++;
}
void loop_busy_dec(void)
{
	if (busy > 0)
		busy--;
	if (busy == 0 && stop_when_idle && the_loop)
		uv_stop(the_loop);
}
void loop_stop_when_idle(bool on)
{
	stop_when_idle = on;
}
int loop_busy(void)
{
	return busy;
}

struct loop_defer {
	uv_timer_t timer;
	loop_defer_cb fn;
	void *arg;
};

static void defer_closed(uv_handle_t *h)
{
	free(h->data);
}

static void defer_fire(uv_timer_t *t)
{
	struct loop_defer *d = t->data;
	loop_defer_cb fn = d->fn;
	void *arg = d->arg;
	loop_busy_dec();
	uv_close((uv_handle_t *)&d->timer, defer_closed);
	fn(arg);
}

struct loop_defer *loop_defer(loop_defer_cb fn, void *arg)
{
	struct loop_defer *d = xcalloc(1, sizeof *d);
	d->fn = fn;
	d->arg = arg;
	uv_timer_init(loop_get(), &d->timer);
	d->timer.data = d;
	uv_timer_start(&d->timer, defer_fire, 0, 0);
	loop_busy_inc();
	return d;
}

void loop_defer_cancel(struct loop_defer *d)
{
	if (!d)
		return;
	uv_timer_stop(&d->timer);
	loop_busy_dec();
	uv_close((uv_handle_t *)&d->timer, defer_closed);
}

struct loop_resolve {
	uv_getaddrinfo_t req;
	loop_resolve_cb cb;
	void *arg;
	char host[256];
	bool cancelled;
	int failed_rc;
	struct loop_defer *defer; /* set when uv_getaddrinfo refused to start */
};

static void resolve_fail(void *arg)
{
	struct loop_resolve *r = arg;
	struct mlc_err e;
	mlc_err_set(&e, MLC_ERR_DNS, r->failed_rc, "cannot resolve %s: %s", r->host,
		    uv_strerror(r->failed_rc));
	r->cb(NULL, 0, &e, r->arg);
	free(r);
}

static void resolve_done(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct loop_resolve *r = req->data;
	loop_busy_dec();
	if (r->cancelled || status == UV_ECANCELED) {
		uv_freeaddrinfo(res);
		free(r);
		return;
	}
	if (status != 0 || !res) {
		struct mlc_err e;
		mlc_err_set(&e, MLC_ERR_DNS, status, "cannot resolve %s: %s", r->host,
			    uv_strerror(status));
		r->cb(NULL, 0, &e, r->arg);
	} else {
		struct addrinfo *pick = res;
		for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
			if (ai->ai_family == AF_INET) {
				pick = ai;
				break;
			}
		r->cb(pick->ai_addr, pick->ai_addrlen, NULL, r->arg);
	}
	uv_freeaddrinfo(res);
	free(r);
}

struct loop_resolve *loop_resolve(const char *host, int port, loop_resolve_cb cb, void *arg)
{
	struct loop_resolve *r = xcalloc(1, sizeof *r);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	char service[16];
	snprintf(service, sizeof service, "%d", port);
	strlcpy_m(r->host, host, sizeof r->host);
	r->cb = cb;
	r->arg = arg;
	r->req.data = r;
	loop_busy_inc();
	int rc = uv_getaddrinfo(loop_get(), &r->req, resolve_done, host, service, &hints);
	if (rc != 0) {
		/* Report on a later turn, never inside this call. */
		loop_busy_dec();
		r->failed_rc = rc;
		r->defer = loop_defer(resolve_fail, r);
	}
	return r;
}

void loop_resolve_cancel(struct loop_resolve *r)
{
	if (!r)
		return;
	if (r->defer) {
		loop_defer_cancel(r->defer);
		free(r);
		return;
	}
	r->cancelled = true;
	uv_cancel((uv_req_t *)&r->req);
}

void loop_sa_ntop(const struct sockaddr *sa, char *out, size_t n)
{
	if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, n);
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, n);
}
