/* lib/health/check.c — the acceptance checks (see check.h). Each check is a small
 * chain of async requests on the loop; results are collected in config
 * order, whatever order they finish in. Never draws. */
#include "lib/health/check.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/http.h"
#include "lib/core/target_http.h"
#include "lib/core/loop.h"
#include "lib/pg/pgc.h"
#include "lib/health/kinds.h"
#include "lib/health/probe.h"
#include "lib/health/probe_redis.h"
#include "lib/redis/redisc.h"
#include "lib/s3/s3.h"
#include "lib/core/sanitize.h"
#include "lib/ssh/sshc.h"
#include "lib/health/svc.h"
#include "lib/core/util.h"

struct check_run;

/* One pending request of a check: which result rows it settles. */
struct pending {
	struct check_run *run;
	const struct target *t;
	int kind;     /* what to do with the answer */
	size_t first; /* first result row it owns */
	size_t count; /* rows it settles */
	int64_t t0;
	struct s3_scratch s3;
	const char *hdrs[6];
	struct pgc_conn *pg;
	struct sshc_session *ssh;
	struct mlc_err err; /* redis: what was wrong with the URL */
};

struct check_run {
	struct check_result *res;
	size_t n, cap;
	int pending;
};

enum {
	K_HEALTH,     /* the kind's health step (kinds table) */
	K_EXTRA,      /* the kind's further HTTP row */
	K_S3_BUCKETS, /* row first: credentials; next rows: one per expected bucket */
	K_MINIO,      /* /minio/health/cluster: 200 or 503; others: not MinIO */
	K_PG,	      /* row first: connect; then databases; then extensions */
	K_SSH,
	K_REDIS,
};

static size_t add_row(struct check_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static size_t add_row(struct check_run *run, const char *fmt, ...)
{
	if (run->n == run->cap) {
		run->cap = run->cap ? run->cap * 2 : 16;
		run->res = xrealloc(run->res, run->cap * sizeof *run->res);
	}
	struct check_result *r = &run->res[run->n];
	memset(r, 0, sizeof *r);
	va_list ap;
	va_start(ap, fmt);
	r->name = xvasprintf(fmt, ap);
	va_end(ap);
	r->latency_ms = -1;
	return run->n++;
}

static void settle(struct check_run *run, size_t i, bool ok, long latency, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void settle(struct check_run *run, size_t i, bool ok, long latency, const char *fmt, ...)
{
	struct check_result *r = &run->res[i];
	va_list ap;
	va_start(ap, fmt);
	char *raw = xvasprintf(fmt, ap);
	va_end(ap);
	free(r->detail);
	r->detail = san_str(raw);
	free(raw);
	r->ok = ok;
	r->latency_ms = latency;
}

static void pending_done(struct pending *p)
{
	p->run->pending--;
	s3_scratch_free(&p->s3);
	free(p);
}

static void fail_all(struct pending *p, long latency, const char *msg)
{
	for (size_t i = 0; i < p->count; i++)
		settle(p->run, p->first + i, false, latency, "%s", msg);
}

/* ---- HTTP checks ------------------------------------------------------- */

/* The kind's health step, judged as the probe judges it; the version when
 * the same answer carries it. */
static void health_answer(struct pending *p, const struct http_resp *r, long ms)
{
	const struct hk_http *k = &health_kind(p->t->kind)->http;
	struct mlc_err e;
	mlc_err_clear(&e);
	if (k->health && k->health(p->t, r, &e) < 0) {
		settle(p->run, p->first, false, ms, "%s", e.msg);
		return;
	}
	char v[80] = "";
	if (!k->version_path && k->version && k->version(r, v, sizeof v, &e) < 0)
		v[0] = '\0';
	char text[64];
	snprintf(text, sizeof text, "HTTP %ld", r->status);
	settle(p->run, p->first, true, ms, "%s%s%s", k->ok_text ? k->ok_text : text,
	       v[0] ? ", version " : "", v);
}

static void http_answer(const struct http_resp *r, const struct mlc_err *err, void *arg)
{
	struct pending *p = arg;
	struct check_run *run = p->run;
	long ms = r ? r->elapsed_ms : -1;
	struct mlc_err e;
	mlc_err_clear(&e);
	if (err) {
		fail_all(p, ms, err->msg);
		pending_done(p);
		return;
	}
	if (p->kind == K_MINIO) {
		if (r->status == 200)
			settle(run, p->first, true, ms, "MinIO cluster healthy (write quorum)");
		else if (r->status == 503)
			settle(run, p->first, false, ms,
			       "HTTP 503: the MinIO cluster has no write quorum");
		else
			settle(run, p->first, true, ms,
			       "not a MinIO server (HTTP %ld from /minio/health/cluster): skipped",
			       r->status);
		pending_done(p);
		return;
	}
	const struct health_kind *hk = health_kind(p->t->kind);
	bool own_status = p->kind == K_HEALTH && hk->http.own_status;
	if (!own_status && (r->status < 200 || r->status > 299)) {
		char text[160] = "";
		if (p->kind != K_S3_BUCKETS ||
		    s3_parse_error(r->body, r->body_len, text, sizeof text) < 0)
			http_error_text(r, text, sizeof text);
		char *msg = xasprintf("HTTP %ld%s%s", r->status, text[0] ? ": " : "", text);
		fail_all(p, ms, msg);
		free(msg);
		pending_done(p);
		return;
	}
	switch (p->kind) {
	case K_HEALTH:
		health_answer(p, r, ms);
		break;
	case K_EXTRA: {
		char detail[256];
		bool ok = hk->extra.fn(r, detail, sizeof detail);
		settle(run, p->first, ok, ms, "%s", detail);
		break;
	}
	case K_S3_BUCKETS: {
		char **names = NULL;
		if (s3_parse_list_buckets(r->body, r->body_len, &names, &e) < 0) {
			fail_all(p, ms, e.msg);
			break;
		}
		size_t nb = strv_len(names);
		settle(run, p->first, true, ms, "credentials accepted, %zu bucket%s", nb,
		       nb == 1 ? "" : "s");
		for (size_t i = 1; i < p->count; i++) {
			const char *want = p->t->buckets[i - 1];
			bool found = false;
			for (char **b = names; *b; b++)
				found = found || strcmp(*b, want) == 0;
			settle(run, p->first + i, found, ms,
			       found ? "exists" : "missing: no bucket %s", want);
		}
		strv_free(names);
		break;
	}
	}
	pending_done(p);
}

static struct pending *new_pending(struct check_run *run, const struct target *t, int kind,
				   size_t first, size_t count)
{
	struct pending *p = xcalloc(1, sizeof *p);
	p->run = run;
	p->t = t;
	p->kind = kind;
	p->first = first;
	p->count = count;
	p->t0 = mono_ms();
	run->pending++;
	return p;
}

static void http_check(struct check_run *run, const struct target *t, int kind, const char *path,
		       const char *label)
{
	size_t row = add_row(run, "%s: %s", t->name, label);
	struct pending *p = new_pending(run, t, kind, row, 1);
	char *url = target_url(t, path);
	struct http_opts o;
	target_http_opts(t, health_timeout(t), url, &o);
	http_request(&o, http_answer, p);
	free(url);
}

/* An HTTP kind: its health step, then its further row if it has one. */
static void check_http_kind(struct check_run *run, const struct target *t)
{
	const struct health_kind *hk = health_kind(t->kind);
	http_check(run, t, K_HEALTH, hk->http.health_path, hk->http.label);
	if (hk->extra.path)
		http_check(run, t, K_EXTRA, hk->extra.path, hk->extra.label);
}

void check_s3(struct check_run *run, const struct target *t)
{
	size_t nb = strv_len(t->buckets);
	size_t first = add_row(run, "%s: credentials", t->name);
	for (size_t i = 0; i < nb; i++)
		add_row(run, "%s: bucket %s", t->name, t->buckets[i]);
	struct pending *p = new_pending(run, t, K_S3_BUCKETS, first, nb + 1);
	struct http_opts o;
	s3_request_opts(t, "GET", NULL, NULL, NULL, &o, p->hdrs, &p->s3);
	o.timeout_ms = health_timeout(t);
	o.connect_timeout_ms = 3000;
	http_request(&o, http_answer, p);
	http_check(run, t, K_MINIO, "/minio/health/cluster", "health");
}

/* ---- PostgreSQL -------------------------------------------------------- */

static void pg_finish(struct pending *p)
{
	pgc_conn_free(p->pg);
	p->pg = NULL;
	pending_done(p);
}

static void pg_exts(const struct pgc_result *r, const struct mlc_err *err, void *arg);

static void pg_dbs(const struct pgc_result *r, const struct mlc_err *err, void *arg)
{
	struct pending *p = arg;
	long ms = (long)(mono_ms() - p->t0);
	size_t nd = strv_len(p->t->databases);
	for (size_t i = 0; i < nd; i++) {
		const char *want = p->t->databases[i];
		bool found = false;
		for (int row = 0; r && row < r->nrows; row++) {
			const char *v = r->value(r, row, 0);
			found = found || (v && strcmp(v, want) == 0);
		}
		if (err)
			settle(p->run, p->first + 1 + i, false, ms, "%s", err->msg);
		else
			settle(p->run, p->first + 1 + i, found, ms,
			       found ? "exists" : "missing: no database %s", want);
	}
	if (strv_len(p->t->extensions) == 0) {
		pg_finish(p);
		return;
	}
	pgc_query(p->pg, "SELECT extname FROM pg_extension", NULL, 0, 5000, pg_exts, p);
}

static void pg_exts(const struct pgc_result *r, const struct mlc_err *err, void *arg)
{
	struct pending *p = arg;
	long ms = (long)(mono_ms() - p->t0);
	size_t nd = strv_len(p->t->databases), ne = strv_len(p->t->extensions);
	for (size_t i = 0; i < ne; i++) {
		const char *want = p->t->extensions[i];
		bool found = false;
		for (int row = 0; r && row < r->nrows; row++) {
			const char *v = r->value(r, row, 0);
			found = found || (v && strcmp(v, want) == 0);
		}
		if (err)
			settle(p->run, p->first + 1 + nd + i, false, ms, "%s", err->msg);
		else
			settle(p->run, p->first + 1 + nd + i, found, ms,
			       found ? "installed" : "missing: extension %s is not installed",
			       want);
	}
	pg_finish(p);
}

static void pg_connected(const struct pgc_result *r, const struct mlc_err *err, void *arg)
{
	struct pending *p = arg;
	long ms = (long)(mono_ms() - p->t0);
	if (err) {
		fail_all(p, ms, err->msg);
		pg_finish(p);
		return;
	}
	const char *v = r->nrows > 0 ? r->value(r, 0, 0) : NULL;
	settle(p->run, p->first, true, ms, "connected, server %s", v ? v : "?");
	if (strv_len(p->t->databases) == 0) {
		pg_dbs(NULL, NULL, p);
		return;
	}
	pgc_query(p->pg, "SELECT datname FROM pg_database", NULL, 0, 5000, pg_dbs, p);
}

void check_pg(struct check_run *run, const struct target *t)
{
	size_t nd = strv_len(t->databases), ne = strv_len(t->extensions);
	size_t first = add_row(run, "%s: connect", t->name);
	for (size_t i = 0; i < nd; i++)
		add_row(run, "%s: database %s", t->name, t->databases[i]);
	for (size_t i = 0; i < ne; i++)
		add_row(run, "%s: extension %s", t->name, t->extensions[i]);
	struct pending *p = new_pending(run, t, K_PG, first, 1 + nd + ne);
	struct pgc_opts o = {
	    .conninfo = t->conninfo ? t->conninfo : "",
	    .password = t->password,
	    .connect_timeout_ms = 5000,
	    .statement_timeout_ms = 5000,
	};
	p->pg = pgc_conn_new(&o);
	pgc_query(p->pg, "SELECT current_setting('server_version')", NULL, 0, 8000, pg_connected,
		  p);
}

/* ---- SSH --------------------------------------------------------------- */

static void ssh_done(struct sshc_session *s, const struct mlc_err *err, void *arg)
{
	struct pending *p = arg;
	long ms = (long)(mono_ms() - p->t0);
	if (err)
		settle(p->run, p->first, false, ms, "%s", err->msg);
	else
		settle(p->run, p->first, true, ms, "reachable, host key %s, auth ok (%s)",
		       sshc_fingerprint(s), sshc_banner(s));
	sshc_close(p->ssh);
	p->ssh = NULL;
	pending_done(p);
}

void check_ssh(struct check_run *run, const struct target *t)
{
	size_t row = add_row(run, "%s: ssh", t->name);
	struct pending *p = new_pending(run, t, K_SSH, row, 1);
	struct sshc_opts o;
	probe_sshc_opts(t, health_timeout(t), &o);
	p->ssh = sshc_connect(&o, ssh_done, p);
}

/* ---- Redis ------------------------------------------------------------- */

static void redis_answer(const struct redisc_info *info, const struct mlc_err *err, void *arg)
{
	struct pending *p = arg;
	if (err)
		settle(p->run, p->first, false, (long)(mono_ms() - p->t0), "%s", err->msg);
	else
		settle(p->run, p->first, true, info->latency_ms, "PONG, redis %s%s%s%s",
		       info->version, info->mode[0] ? " (" : "", info->mode,
		       info->mode[0] ? ")" : "");
	pending_done(p);
}

static void redis_url_failed(void *arg)
{
	struct pending *p = arg;
	settle(p->run, p->first, false, -1, "%s", p->err.msg);
	pending_done(p);
}

void check_redis(struct check_run *run, const struct target *t)
{
	size_t row = add_row(run, "%s: ping", t->name);
	struct pending *p = new_pending(run, t, K_REDIS, row, 1);
	struct redis_url u;
	if (probe_redis_url(t, &u, &p->err) < 0) {
		loop_defer(redis_url_failed, p);
		return;
	}
	redisc_ping(&u, health_timeout(t), redis_answer, p);
	redis_url_clear(&u);
}

int check_run(const struct config *c, struct check_result **out, size_t *n)
{
	struct check_run run = {0};
	for (size_t i = 0; i < c->ntargets; i++) {
		const struct target *t = &c->targets[i];
		const struct health_kind *hk = health_kind(t->kind);
		if (hk->check)
			hk->check(&run, t);
		else
			check_http_kind(&run, t);
	}
	while (run.pending > 0)
		uv_run(loop_get(), UV_RUN_ONCE);
	int failures = 0;
	for (size_t i = 0; i < run.n; i++)
		failures += !run.res[i].ok;
	*out = run.res;
	*n = run.n;
	return failures;
}

void check_results_free(struct check_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].name);
		free(r[i].detail);
	}
	free(r);
}

void check_print(FILE *f, const struct check_result *r, size_t n, bool json)
{
	if (json) {
		json_t *arr = json_array();
		int failed = 0;
		for (size_t i = 0; i < n; i++) {
			json_t *o = json_object();
			json_object_set_new(o, "name", json_string(r[i].name));
			json_object_set_new(o, "ok", json_boolean(r[i].ok));
			json_object_set_new(o, "latency_ms",
					    r[i].latency_ms >= 0 ? json_integer(r[i].latency_ms)
								 : json_null());
			json_object_set_new(o, "detail",
					    json_string(r[i].detail ? r[i].detail : ""));
			json_array_append_new(arr, o);
			failed += !r[i].ok;
		}
		json_t *doc = json_object();
		json_object_set_new(doc, "ok", json_boolean(failed == 0));
		json_object_set_new(doc, "passed", json_integer((json_int_t)n - failed));
		json_object_set_new(doc, "failed", json_integer(failed));
		json_object_set_new(doc, "checks", arr);
		json_dumpf(doc, f, JSON_INDENT(2));
		fputc('\n', f);
		json_decref(doc);
		return;
	}
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		char lat[32];
		fmt_latency(lat, sizeof lat, r[i].latency_ms);
		fprintf(f, "%-4s  %-36s %8s  %s\n", r[i].ok ? "ok" : "FAIL", r[i].name, lat,
			r[i].detail ? r[i].detail : "");
		failed += !r[i].ok;
	}
	fprintf(f, "%zu checks, %d failed\n", n, failed);
}
