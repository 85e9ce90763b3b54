/* lib/core/apireq.c — one JSON API call (see apireq.h). Owns the http
 * request and the result of its parser until the callback returned. */
#include "lib/core/apireq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/http_err.h"
#include "lib/core/log.h"
#include "lib/core/target_http.h"
#include "lib/core/util.h"

struct apireq {
	struct http_req *h;
	struct apireq_spec s; /* strings not kept: who and path copied below */
	char who[16];
	char path[256];
	apireq_cb cb;
	void *arg;
	void *res;
};

static void done(struct apireq *r)
{
	if (r->res && r->s.free)
		r->s.free(r->res);
	free(r->res);
	free(r);
}

static void on_http(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct apireq *r = arg;
	struct mlc_err err;
	mlc_err_clear(&err);
	r->h = NULL;
	if (herr) {
		mlc_err_set(&err, herr->code, herr->detail, "%s: %s: %s", r->who, r->path,
			    herr->msg);
	} else if (resp->status < 200 || resp->status >= 300) {
		http_err_resp(&err, r->who, resp, r->path);
		if (r->s.explain)
			r->s.explain(&err, resp);
	} else if (!r->s.parse || r->s.parse(r->res, resp->body, resp->body_len, &err) == 0) {
		r->cb(r->res, NULL, r->arg);
		done(r);
		return;
	}
	log_warn("%s", err.msg);
	r->cb(NULL, &err, r->arg);
	done(r);
}

struct apireq *apireq_start(const struct apireq_spec *s, apireq_cb cb, void *arg)
{
	struct apireq *r = xcalloc(1, sizeof *r);
	r->s = *s;
	r->cb = cb;
	r->arg = arg;
	r->res = s->res_size ? xcalloc(1, s->res_size) : NULL;
	snprintf(r->who, sizeof r->who, "%s", s->who);
	snprintf(r->path, sizeof r->path, "%s", s->path);
	r->path[strcspn(r->path, "?")] = '\0';
	char *url = xasprintf("%s%s", s->base, s->path);
	struct http_opts o;
	static const char *const json_hdr[] = {"Content-Type: application/json", NULL};
	target_http_opts(s->t, s->timeout_ms, url, &o);
	o.max_bytes = 16u << 20;
	o.method = s->method ? s->method : s->body ? "POST" : "GET";
	o.headers = s->headers;
	if (s->body) {
		o.headers = json_hdr;
		o.body = s->body;
		o.body_len = strlen(s->body);
	}
	r->h = http_request(&o, on_http, r);
	free(url);
	return r;
}

void apireq_cancel(struct apireq *r)
{
	if (!r)
		return;
	if (r->h)
		http_cancel(r->h);
	done(r);
}
