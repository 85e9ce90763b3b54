/* lib/mlflow/mlflowc.c — the asynchronous MLflow client (see mlflowc.h). Owns one
 * struct mlflowc_req per call: its http request, the parsed result, and
 * the error text. Errors carry the server's message, sanitized, and the
 * request that caused it. Never blocks, never calls curses. */
#include "lib/mlflow/mlflowc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/http.h"
#include "lib/core/http_err.h"
#include "lib/core/target_http.h"
#include "lib/core/log.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"

#define API "/api/2.0/mlflow/"

enum kind {
	K_NONE,
	K_EXP_PAGE,
	K_EXP,
	K_RUN_PAGE,
	K_RUN,
	K_HIST,
	K_FILES,
	K_MODEL_PAGE,
	K_VERSION_PAGE,
	K_VERSION,
	K_BLOB, /* struct blob_req: the first bytes of an artifact */
};

struct mlflowc_req {
	struct http_req *h;
	enum kind kind;
	struct mlflow_keys *keys;
	mlflowc_cb cb;
	void *arg;
	/* Optional: sees a 2xx body before it is parsed (the loader's
	 * prefetch of the next page). */
	void (*peek)(const char *body, size_t len, void *arg);
	char what[48];
	char path[96]; /* the API path, for HTTP errors */
	union {
		struct mlflow_experiment_page exp_page;
		struct mlflow_experiment exp;
		struct mlflow_run_page run_page;
		struct mlflow_run run;
		struct mlflow_history hist;
		struct mlflow_file_list files;
		struct mlflow_model_page model_page;
		struct mlflow_version_page version_page;
		struct mlflow_model_version version;
	} res;
};

struct blob_req {
	struct mlflowc_req r; /* r.h, r.cb, r.arg, r.what */
	struct buf b;
	size_t limit;
	bool truncated;
};

void mlflowc_init(struct mlflowc *c, const struct target *t)
{
	memset(c, 0, sizeof *c);
	c->t = t;
	c->base = target_url(t, "");
	c->timeout_ms = t->timeout_ms > 0 ? MLC_MAX(t->timeout_ms, 30000) : 30000;
	c->max_rows = MLFLOWC_MAX_ROWS;
	c->max_bytes = MLFLOWC_MAX_BYTES;
}

void mlflowc_free(struct mlflowc *c)
{
	free(c->base);
	memset(c, 0, sizeof *c);
}

/* A listing fetched as one page (experiments, models, versions: 1000 rows,
 * MLFLOWC_MAX_BYTES) that the server would continue has stopped at its cap. */
#define LISTING_STOPPED(page)                                                                      \
	do {                                                                                       \
		if ((page).next_page_token && (page).next_page_token[0])                           \
			(page).stopped_at = (page).n;                                              \
	} while (0)

static int parse(struct mlflowc_req *r, const char *b, size_t n, struct mlc_err *e)
{
	int rc;
	switch (r->kind) {
	case K_NONE:
	case K_BLOB:
		return 0;
	case K_EXP_PAGE:
		rc = mlflow_parse_experiment_page(&r->res.exp_page, b, n, e);
		LISTING_STOPPED(r->res.exp_page);
		return rc;
	case K_EXP:
		return mlflow_parse_experiment_get(&r->res.exp, b, n, e);
	case K_RUN_PAGE:
		return mlflow_parse_run_page(&r->res.run_page, r->keys, b, n, e);
	case K_RUN:
		return mlflow_parse_run_get(&r->res.run, r->keys, b, n, e);
	case K_HIST:
		return mlflow_parse_history(&r->res.hist, b, n, e);
	case K_FILES:
		return mlflow_parse_file_list(&r->res.files, b, n, e);
	case K_MODEL_PAGE:
		rc = mlflow_parse_model_page(&r->res.model_page, b, n, e);
		LISTING_STOPPED(r->res.model_page);
		return rc;
	case K_VERSION_PAGE:
		rc = mlflow_parse_version_page(&r->res.version_page, b, n, e);
		LISTING_STOPPED(r->res.version_page);
		return rc;
	case K_VERSION:
		return mlflow_parse_version_get(&r->res.version, b, n, e);
	}
	return 0;
}

static void res_free(struct mlflowc_req *r)
{
	switch (r->kind) {
	case K_NONE:
		break;
	case K_BLOB:
		buf_free(&((struct blob_req *)r)->b);
		break;
	case K_EXP_PAGE:
		mlflow_experiment_page_free(&r->res.exp_page);
		break;
	case K_EXP:
		mlflow_experiment_free(&r->res.exp);
		break;
	case K_RUN_PAGE:
		mlflow_run_page_free(&r->res.run_page);
		break;
	case K_RUN:
		mlflow_run_free(&r->res.run);
		break;
	case K_HIST:
		mlflow_history_free(&r->res.hist);
		break;
	case K_FILES:
		mlflow_file_list_free(&r->res.files);
		break;
	case K_MODEL_PAGE:
		mlflow_model_page_free(&r->res.model_page);
		break;
	case K_VERSION_PAGE:
		mlflow_version_page_free(&r->res.version_page);
		break;
	case K_VERSION:
		mlflow_model_version_free(&r->res.version);
		break;
	}
}

/* A transfer that failed: says which call, and for an answer over the cap
 * which cap. */
static void transport_err(struct mlc_err *err, const char *what, const struct mlc_err *herr)
{
	if (herr->code == MLC_ERR_TOO_BIG)
		mlc_err_set(err, herr->code, herr->detail,
			    "mlflow: %s: %s (mlconsole's cap for one answer); narrow the listing",
			    what, herr->msg);
	else
		mlc_err_set(err, herr->code, herr->detail, "mlflow: %s: %s", what, herr->msg);
}

static void on_http(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct mlflowc_req *r = arg;
	struct mlc_err err;
	mlc_err_clear(&err);
	r->h = NULL;
	if (herr) {
		transport_err(&err, r->what, herr);
	} else if (resp->status < 200 || resp->status >= 300) {
		http_err_resp(&err, "mlflow", resp, r->path);
	} else if ((r->peek ? r->peek(resp->body, resp->body_len, r->arg) : (void)0),
		   parse(r, resp->body, resp->body_len, &err) == 0) {
		r->cb(r->kind == K_NONE ? NULL : &r->res, NULL, r->arg);
		res_free(r);
		free(r);
		return;
	}
	log_warn("%s", err.msg);
	r->cb(NULL, &err, r->arg);
	free(r);
}

/* Starts one call. kv: NULL-key-terminated query pairs; body: JSON or NULL. */
static struct mlflowc_req *start(struct mlflowc *c, const char *method, const char *path,
				 const char *const *kv, const char *body, enum kind kind,
				 struct mlflow_keys *keys, mlflowc_cb cb, void *arg)
{
	struct mlflowc_req *r = xcalloc(1, sizeof *r);
	r->kind = kind;
	r->keys = keys;
	r->cb = cb;
	r->arg = arg;
	snprintf(r->what, sizeof r->what, "%s", str_starts(path, API) ? path + strlen(API) : path);
	snprintf(r->path, sizeof r->path, "%s", path);
	char *url = mlflow_url(c->base, path, kv);
	struct http_opts o;
	static const char *const json_hdr[] = {"Content-Type: application/json", NULL};
	target_http_opts(c->t, c->timeout_ms, url, &o);
	o.method = method;
	o.max_bytes = c->max_bytes;
	if (body) {
		o.headers = json_hdr;
		o.body = body;
		o.body_len = strlen(body);
	}
	r->h = http_request(&o, on_http, r);
	free(url);
	return r;
}

void mlflowc_cancel(struct mlflowc_req *r)
{
	if (!r)
		return;
	if (r->h)
		http_cancel(r->h);
	res_free(r);
	free(r);
}

struct mlflowc_req *mlflowc_experiments(struct mlflowc *c, const char *view_type,
					const char *filter, mlflowc_cb cb, void *arg)
{
	const char *kv[] = {"max_results", "1000",   "view_type",
			    view_type,	   "filter", filter && *filter ? filter : NULL,
			    NULL};
	return start(c, "GET", API "experiments/search", kv, NULL, K_EXP_PAGE, NULL, cb, arg);
}

struct mlflowc_req *mlflowc_experiment_by_name(struct mlflowc *c, const char *name, mlflowc_cb cb,
					       void *arg)
{
	const char *kv[] = {"experiment_name", name, NULL};
	return start(c, "GET", API "experiments/get-by-name", kv, NULL, K_EXP, NULL, cb, arg);
}

struct mlflowc_req *mlflowc_runs_page(struct mlflowc *c, struct mlflow_keys *keys,
				      const struct mlflow_runs_query *q, mlflowc_cb cb, void *arg)
{
	char *body = mlflow_runs_search_body(q);
	struct mlflowc_req *r =
	    start(c, "POST", API "runs/search", NULL, body, K_RUN_PAGE, keys, cb, arg);
	free(body);
	return r;
}

struct mlflowc_req *mlflowc_run_get(struct mlflowc *c, struct mlflow_keys *keys, const char *run_id,
				    mlflowc_cb cb, void *arg)
{
	const char *kv[] = {"run_id", run_id, NULL};
	return start(c, "GET", API "runs/get", kv, NULL, K_RUN, keys, cb, arg);
}

struct mlflowc_req *mlflowc_history(struct mlflowc *c, const char *run_id, const char *key,
				    mlflowc_cb cb, void *arg)
{
	const char *kv[] = {"run_id", run_id, "metric_key", key, NULL};
	return start(c, "GET", API "metrics/get-history", kv, NULL, K_HIST, NULL, cb, arg);
}

struct mlflowc_req *mlflowc_history_bulk(struct mlflowc *c, const char *const *run_ids,
					 size_t nruns, const char *key, int max_results,
					 mlflowc_cb cb, void *arg)
{
	nruns = MLC_MIN(nruns, 100);
	const char **kv = xcalloc(2 * nruns + 5, sizeof *kv);
	size_t k = 0;
	char mr[16];
	snprintf(mr, sizeof mr, "%d", max_results > 0 ? max_results : 320);
	for (size_t i = 0; i < nruns; i++) {
		kv[k++] = "run_ids";
		kv[k++] = run_ids[i];
	}
	kv[k++] = "metric_key";
	kv[k++] = key;
	kv[k++] = "max_results";
	kv[k++] = mr;
	struct mlflowc_req *r = start(c, "GET", API "metrics/get-history-bulk-interval", kv, NULL,
				      K_HIST, NULL, cb, arg);
	free(kv);
	return r;
}

struct mlflowc_req *mlflowc_artifacts(struct mlflowc *c, const char *run_id, const char *path,
				      mlflowc_cb cb, void *arg)
{
	const char *kv[] = {"run_id", run_id, "path", path && *path ? path : NULL, NULL};
	return start(c, "GET", API "artifacts/list", kv, NULL, K_FILES, NULL, cb, arg);
}

struct mlflowc_req *mlflowc_models(struct mlflowc *c, const char *filter, mlflowc_cb cb, void *arg)
{
	const char *kv[] = {"max_results", "1000", "filter", filter && *filter ? filter : NULL,
			    NULL};
	return start(c, "GET", API "registered-models/search", kv, NULL, K_MODEL_PAGE, NULL, cb,
		     arg);
}

struct mlflowc_req *mlflowc_versions(struct mlflowc *c, const char *model, mlflowc_cb cb, void *arg)
{
	char *f = mlflow_name_filter(model);
	const char *kv[] = {"filter", f, "max_results", "1000", NULL};
	struct mlflowc_req *r =
	    start(c, "GET", API "model-versions/search", kv, NULL, K_VERSION_PAGE, NULL, cb, arg);
	free(f);
	return r;
}

struct mlflowc_req *mlflowc_alias_get(struct mlflowc *c, const char *model, const char *alias,
				      mlflowc_cb cb, void *arg)
{
	const char *kv[] = {"name", model, "alias", alias, NULL};
	return start(c, "GET", API "registered-models/alias", kv, NULL, K_VERSION, NULL, cb, arg);
}

struct mlflowc_req *mlflowc_alias_set(struct mlflowc *c, const char *model, const char *alias,
				      const char *version, mlflowc_cb cb, void *arg)
{
	char *body = mlflow_alias_body(model, alias, version);
	struct mlflowc_req *r =
	    start(c, "POST", API "registered-models/alias", NULL, body, K_NONE, NULL, cb, arg);
	free(body);
	return r;
}

struct mlflowc_req *mlflowc_alias_delete(struct mlflowc *c, const char *model, const char *alias,
					 mlflowc_cb cb, void *arg)
{
	char *body = mlflow_alias_body(model, alias, NULL);
	struct mlflowc_req *r =
	    start(c, "DELETE", API "registered-models/alias", NULL, body, K_NONE, NULL, cb, arg);
	free(body);
	return r;
}

struct mlflowc_req *mlflowc_transition(struct mlflowc *c, const char *model, const char *version,
				       const char *stage, bool archive_existing, mlflowc_cb cb,
				       void *arg)
{
	char *body = mlflow_transition_body(model, version, stage, archive_existing);
	struct mlflowc_req *r = start(c, "POST", API "model-versions/transition-stage", NULL, body,
				      K_VERSION, NULL, cb, arg);
	free(body);
	return r;
}

/* ---- artifacts ------------------------------------------------------------ */

char *mlflowc_artifact_opts(struct mlflowc *c, const char *artifact_uri, const char *run_id,
			    const char *path, struct http_opts *o)
{
	char *url = mlflow_artifact_url(c->base, artifact_uri, run_id, path);
	target_http_opts(c->t, c->timeout_ms, url, o);
	o->timeout_ms = 0; /* a download may take long: only the low-speed abort */
	return url;
}

static size_t blob_data(const char *p, size_t n, void *arg)
{
	struct blob_req *q = arg;
	if (q->b.len + n > q->limit) {
		buf_append(&q->b, p, q->limit - q->b.len);
		q->truncated = true;
		return 0; /* stop here: we have what the preview shows */
	}
	buf_append(&q->b, p, n);
	return n;
}

static void blob_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct blob_req *q = arg;
	struct mlc_err err;
	mlc_err_clear(&err);
	q->r.h = NULL;
	bool stopped = herr && herr->code == MLC_ERR_CANCELLED && q->truncated;
	if (herr && !stopped) {
		transport_err(&err, q->r.what, herr);
	} else if (resp->status < 200 || resp->status >= 300) {
		char loc[512] = "";
		http_resp_header(resp, "Location", loc, sizeof loc);
		struct http_answer a = {.status = resp->status,
					.path = q->r.path,
					.location = loc,
					.body = q->b.data,
					.len = q->b.len};
		http_err_set(&err, "mlflow", &a);
	} else {
		struct mlflowc_blob bl = {.len = q->b.len, .truncated = q->truncated};
		snprintf(bl.content_type, sizeof bl.content_type, "%s", resp->content_type);
		bl.data = buf_steal(&q->b);
		q->r.cb(&bl, NULL, q->r.arg);
		free(bl.data);
		free(q);
		return;
	}
	q->r.cb(NULL, &err, q->r.arg);
	buf_free(&q->b);
	free(q);
}

struct mlflowc_req *mlflowc_artifact_head(struct mlflowc *c, const char *artifact_uri,
					  const char *run_id, const char *path, size_t limit,
					  mlflowc_cb cb, void *arg)
{
	struct blob_req *q = xcalloc(1, sizeof *q);
	q->r.kind = K_BLOB;
	q->r.cb = cb;
	q->r.arg = arg;
	snprintf(q->r.what, sizeof q->r.what, "artifact %s", path);
	snprintf(q->r.path, sizeof q->r.path, "artifact %s", path);
	buf_init(&q->b);
	q->limit = limit;
	struct http_opts o;
	char *url = mlflowc_artifact_opts(c, artifact_uri, run_id, path, &o);
	o.timeout_ms = c->timeout_ms;
	o.on_data = blob_data;
	o.data_arg = q;
	q->r.h = http_request(&o, blob_done, q);
	free(url);
	return &q->r;
}

/* ---- the paged runs loader -------------------------------------------- */

struct mlflowc_load {
	struct mlflowc *c;
	struct mlflow_keys *keys;
	struct mlflow_runs_query q;
	char **exp_ids, **order, *filter, *view, *token;
	int next_pages, pages;
	struct mlflowc_req *req;  /* the page in flight */
	struct mlflowc_req *next; /* the page after it, asked before req was parsed */
	char *next_token;	  /* the token next was asked with */
	mlflowc_page_cb on_page;
	void *arg;
	bool in_cb, cancelled; /* cancel from inside on_page frees after it */
	size_t rows, bytes;    /* loaded so far, against c->max_rows, 4 * c->max_bytes */
};

static char **strv_copy(const char *const *v, size_t n)
{
	char **d = xcalloc(n + 1, sizeof *d);
	for (size_t i = 0; i < n; i++)
		d[i] = xstrdup(v[i] ? v[i] : "");
	return d;
}

static void load_free(struct mlflowc_load *l)
{
	strv_free(l->exp_ids);
	strv_free(l->order);
	free(l->filter);
	free(l->view);
	free(l->token);
	free(l->next_token);
	free(l);
}

static void load_page(void *res, const struct mlc_err *err, void *arg);
static void load_peek(const char *body, size_t len, void *arg);

/* Asks the page after token. */
static struct mlflowc_req *load_ask(struct mlflowc_load *l, const char *token)
{
	free(l->token);
	l->token = xstrdup(token);
	l->q.page_token = l->token;
	l->q.max_results = l->next_pages;
	struct mlflowc_req *r = mlflowc_runs_page(l->c, l->keys, &l->q, load_page, l);
	r->peek = load_peek;
	return r;
}

/* Before a page is parsed: its token, found in the raw body, asks the
 * next page at once, so that the server builds it while we parse. */
static void load_peek(const char *body, size_t len, void *arg)
{
	struct mlflowc_load *l = arg;
	l->bytes += len;
	if (l->bytes >= 4 * l->c->max_bytes)
		return; /* load_page stops here: no page after this one */
	char *tok = l->next ? NULL : mlflow_peek_page_token(body, len);
	if (!tok)
		return;
	l->next = load_ask(l, tok);
	free(l->next_token);
	l->next_token = tok;
}

static void load_page(void *res, const struct mlc_err *err, void *arg)
{
	struct mlflowc_load *l = arg;
	struct mlflow_run_page *p = res;
	l->req = NULL;
	l->pages++;
	if (err) {
		mlflowc_cancel(l->next);
		l->next = NULL;
		l->in_cb = true;
		l->on_page(NULL, true, err, l->arg);
		load_free(l);
		return;
	}
	bool last = !p->next_page_token || !p->next_page_token[0];
	l->rows += p->n;
	if (!last && (l->rows >= l->c->max_rows || l->bytes >= 4 * l->c->max_bytes)) {
		/* A server that never stops paging must not grow us without bound. */
		p->stopped_at = l->rows;
		last = true;
		log_warn("mlflow: runs/search: stopped at %zu rows, %zu bytes: more on the server",
			 l->rows, l->bytes);
	}
	if (l->next && (last || strcmp(l->next_token, p->next_page_token) != 0)) {
		/* The peeked token was not the page's: ask again with the real one. */
		mlflowc_cancel(l->next);
		l->next = NULL;
	}
	if (l->next) {
		l->req = l->next; /* already in flight since before the parse */
		l->next = NULL;
	} else if (!last) {
		/* Chain the next page before handing this one over, so that the
		 * server works while the panel takes the rows. */
		l->req = load_ask(l, p->next_page_token);
	}
	l->in_cb = true;
	l->on_page(p, last, NULL, l->arg);
	l->in_cb = false;
	if (last || l->cancelled)
		load_free(l);
}

struct mlflowc_load *mlflowc_runs_load(struct mlflowc *c, struct mlflow_keys *keys,
				       const struct mlflow_runs_query *q, int first_page,
				       int next_pages, mlflowc_page_cb on_page, void *arg)
{
	struct mlflowc_load *l = xcalloc(1, sizeof *l);
	l->c = c;
	l->keys = keys;
	l->on_page = on_page;
	l->arg = arg;
	l->next_pages = next_pages;
	l->exp_ids = strv_copy(q->experiment_ids, q->nexp);
	l->order = strv_copy(q->order_by, q->norder);
	l->filter = q->filter ? xstrdup(q->filter) : NULL;
	l->view = q->run_view_type ? xstrdup(q->run_view_type) : NULL;
	l->q.experiment_ids = (const char *const *)l->exp_ids;
	l->q.nexp = q->nexp;
	l->q.order_by = (const char *const *)l->order;
	l->q.norder = q->norder;
	l->q.filter = l->filter;
	l->q.run_view_type = l->view;
	l->q.max_results = first_page;
	l->req = mlflowc_runs_page(c, keys, &l->q, load_page, l);
	l->req->peek = load_peek;
	return l;
}

void mlflowc_load_cancel(struct mlflowc_load *l)
{
	if (!l)
		return;
	mlflowc_cancel(l->req);
	mlflowc_cancel(l->next);
	l->req = l->next = NULL;
	if (l->in_cb)
		l->cancelled = true;
	else
		load_free(l);
}

int mlflowc_load_pages(const struct mlflowc_load *l)
{
	return l ? l->pages : 0;
}
