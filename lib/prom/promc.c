/* lib/prom/promc.c — the asynchronous Prometheus client (see promc.h).
 * Owns one struct promc_req per call: its http request and parsed result. */
#include "lib/prom/promc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/http.h"
#include "lib/core/http_err.h"
#include "lib/core/target_http.h"
#include "lib/core/util.h"

struct promc_req {
	struct http_req *h;
	promc_cb cb;
	void *arg;
	char path[64]; /* the API path without its query, for errors */
	struct prom_result res;
};

static void on_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct promc_req *r = arg;
	struct mlc_err e = {0};
	int rc;
	if (herr) {
		e = *herr;
		snprintf(e.msg, sizeof e.msg, "prometheus: %.60s: %.170s", r->path, herr->msg);
		rc = -1;
	} else if (resp->status < 200 || resp->status > 299) {
		rc = http_err_resp(&e, "prometheus", resp, r->path);
	} else {
		rc = prom_result_parse(&r->res, resp->body, resp->body_len, &e);
	}
	r->cb(rc < 0 ? NULL : &r->res, rc < 0 ? &e : NULL, r->arg);
	prom_result_free(&r->res);
	free(r);
}

struct promc_req *promc_get(const struct target *t, const char *path, long timeout_ms, promc_cb cb,
			    void *arg)
{
	struct promc_req *r = xcalloc(1, sizeof *r);
	r->cb = cb;
	r->arg = arg;
	snprintf(r->path, sizeof r->path, "%.*s", (int)strcspn(path, "?"), path);
	char *url = target_url(t, path);
	struct http_opts o;
	target_http_opts(t, timeout_ms > 0 ? timeout_ms : 10000, url, &o);
	o.max_bytes = 16u << 20;
	r->h = http_request(&o, on_done, r);
	free(url);
	return r;
}

void promc_cancel(struct promc_req *r)
{
	if (!r)
		return;
	http_cancel(r->h);
	free(r);
}
