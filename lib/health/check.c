/* lib/health/check.c — the acceptance checks (see check.h). Each check is a small
 * chain of async requests on the loop; results are collected in config
 * order, whatever order they finish in. Never draws. */
#include "lib/health/check.h"
#include "lib/health/check_int.h"

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

size_t check_add_row(struct check_run *run, const char *fmt, ...)
{
	if (run->n == run->cap) {
		run->cap = run->cap ? run->cap * 2 : 16;
		run->res = xrealloc(run->res, run->cap * sizeof *run->res);
	}
	struct check_result *r = &run->res[run->n];
	memset(r, 0, sizeof *r);
	va_list ap;
	va_start(ap, fmt);
	char *raw = xvasprintf(fmt, ap);
	va_end(ap);
	/* Names hold section names and values from the config: the same
	 * sanitizer as everything else (and valid UTF-8 for --json). */
	r->name = san_str(raw);
	free(raw);
	r->latency_ms = -1;
	return run->n++;
}

void check_rename(struct check_run *run, size_t i, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *raw = xvasprintf(fmt, ap);
	va_end(ap);
	free(run->res[i].name);
	run->res[i].name = san_str(raw);
	free(raw);
}

void check_settle(struct check_run *run, size_t i, bool ok, long latency, const char *fmt, ...)
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
	r->degraded = false;
	r->latency_ms = latency;
}

void check_pending_done(struct pending *p)
{
	p->run->pending--;
	s3_scratch_free(&p->s3);
	free(p);
}

void check_fail_all(struct pending *p, long latency, const char *msg)
{
	for (size_t i = 0; i < p->count; i++)
		check_settle(p->run, p->first + i, false, latency, "%s", msg);
}

/* ---- HTTP checks ------------------------------------------------------- */

/* The kind's health step, judged as the probe judges it; the version when
 * the same answer carries it. */
static void health_answer(struct pending *p, const struct http_resp *r, long ms)
{
	const struct hk_http *k = &health_kind(p->t->kind)->http;
	struct mlc_err e;
	mlc_err_clear(&e);
	char why[160] = "";
	if (k->health && k->health(p->t, r, why, sizeof why, &e) < 0) {
		check_settle(p->run, p->first, false, ms, "%s", e.msg);
		return;
	}
	if (why[0]) {
		check_settle(p->run, p->first, true, ms, "%s", why);
		p->run->res[p->first].degraded = true;
		return;
	}
	char v[80] = "";
	if (!k->version_path && k->version && k->version(r, v, sizeof v, &e) < 0)
		v[0] = '\0';
	char text[64];
	snprintf(text, sizeof text, "HTTP %ld", r->status);
	check_settle(p->run, p->first, true, ms, "%s%s%s", k->ok_text ? k->ok_text : text,
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
		check_fail_all(p, ms, err->msg);
		check_pending_done(p);
		return;
	}
	if (p->kind == K_MINIO) {
		if (r->status == 200) {
			check_settle(run, p->first, true, ms,
				     "MinIO cluster healthy (write quorum)");
		} else if (r->status == 503) {
			/* It answers and serves reads: degraded, as the Overview shows it. */
			check_settle(run, p->first, true, ms,
				     "HTTP 503: the MinIO cluster has no write quorum");
			run->res[p->first].degraded = true;
		} else
			check_settle(
			    run, p->first, true, ms,
			    "not a MinIO server (HTTP %ld from /minio/health/cluster): skipped",
			    r->status);
		check_pending_done(p);
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
		check_fail_all(p, ms, msg);
		free(msg);
		check_pending_done(p);
		return;
	}
	switch (p->kind) {
	case K_HEALTH:
		health_answer(p, r, ms);
		break;
	case K_EXTRA: {
		char detail[256];
		bool degraded = false;
		bool ok = hk->extra.fn(r, detail, sizeof detail, &degraded);
		check_settle(run, p->first, ok, ms, "%s", detail);
		run->res[p->first].degraded = ok && degraded;
		break;
	}
	case K_S3_BUCKETS: {
		char **names = NULL;
		if (s3_parse_list_buckets(r->body, r->body_len, &names, &e) < 0) {
			check_fail_all(p, ms, e.msg);
			break;
		}
		size_t nb = strv_len(names);
		check_settle(run, p->first, true, ms, "credentials accepted, %zu bucket%s", nb,
			     nb == 1 ? "" : "s");
		for (size_t i = 1; i < p->count; i++) {
			const char *want = p->t->buckets[i - 1];
			bool found = false;
			for (char **b = names; *b; b++)
				found = found || strcmp(*b, want) == 0;
			check_settle(run, p->first + i, found, ms,
				     found ? "exists" : "missing: no bucket %s", want);
		}
		strv_free(names);
		break;
	}
	}
	check_pending_done(p);
}

struct pending *check_new_pending(struct check_run *run, const struct target *t, int kind,
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
		       const char *label, const char *body)
{
	size_t row = check_add_row(run, "%s: %s", t->name, label);
	struct pending *p = check_new_pending(run, t, kind, row, 1);
	char *url = target_url(t, path);
	struct http_opts o;
	target_http_opts(t, health_timeout(t), url, &o);
	if (body) {
		o.method = "POST";
		o.body = body;
		o.body_len = strlen(body);
		p->hdrs[0] = "Content-Type: application/json";
		o.headers = p->hdrs;
	}
	http_request(&o, http_answer, p);
	free(url);
}

/* An HTTP kind: its health step, then its further row if it has one. */
static void check_http_kind(struct check_run *run, const struct target *t)
{
	const struct health_kind *hk = health_kind(t->kind);
	http_check(run, t, K_HEALTH,
		   hk->http.path_for ? hk->http.path_for(t, true) : hk->http.health_path,
		   hk->http.label, NULL);
	if (hk->extra.path)
		http_check(run, t, K_EXTRA, hk->extra.path, hk->extra.label, hk->extra.body);
}

void check_s3(struct check_run *run, const struct target *t)
{
	size_t nb = strv_len(t->buckets);
	size_t first = check_add_row(run, "%s: credentials", t->name);
	for (size_t i = 0; i < nb; i++)
		check_add_row(run, "%s: bucket %s", t->name, t->buckets[i]);
	struct pending *p = check_new_pending(run, t, K_S3_BUCKETS, first, nb + 1);
	struct http_opts o;
	s3_request_opts(t, "GET", NULL, NULL, NULL, &o, p->hdrs, &p->s3);
	o.timeout_ms = health_timeout(t);
	o.connect_timeout_ms = 3000;
	http_request(&o, http_answer, p);
	http_check(run, t, K_MINIO, "/minio/health/cluster", "health", NULL);
}

/* ---- SSH --------------------------------------------------------------- */

static void ssh_done(struct sshc_session *s, const struct mlc_err *err, void *arg)
{
	struct pending *p = arg;
	long ms = (long)(mono_ms() - p->t0);
	if (err)
		check_settle(p->run, p->first, false, ms, "%s", err->msg);
	else
		check_settle(p->run, p->first, true, ms, "reachable, host key %s, auth ok (%s)",
			     sshc_fingerprint(s), sshc_banner(s));
	sshc_close(p->ssh);
	p->ssh = NULL;
	check_pending_done(p);
}

void check_ssh(struct check_run *run, const struct target *t)
{
	size_t row = check_add_row(run, "%s: ssh", t->name);
	struct pending *p = check_new_pending(run, t, K_SSH, row, 1);
	struct sshc_opts o;
	probe_sshc_opts(t, health_timeout(t), &o);
	p->ssh = sshc_connect(&o, ssh_done, p);
}

/* ---- Redis ------------------------------------------------------------- */

static void redis_answer(const struct redisc_info *info, const struct mlc_err *err, void *arg)
{
	struct pending *p = arg;
	if (err)
		check_settle(p->run, p->first, false, (long)(mono_ms() - p->t0), "%s", err->msg);
	else
		check_settle(p->run, p->first, true, info->latency_ms, "PONG, redis %s%s%s%s",
			     info->version, info->mode[0] ? " (" : "", info->mode,
			     info->mode[0] ? ")" : "");
	check_pending_done(p);
}

static void redis_url_failed(void *arg)
{
	struct pending *p = arg;
	check_settle(p->run, p->first, false, -1, "%s", p->err.msg);
	check_pending_done(p);
}

void check_redis(struct check_run *run, const struct target *t)
{
	size_t row = check_add_row(run, "%s: ping", t->name);
	struct pending *p = check_new_pending(run, t, K_REDIS, row, 1);
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

static void result_free(void *item)
{
	struct check_result *r = item;
	free(r->name);
	free(r->detail);
}

void check_results_free(struct check_result *r, size_t n)
{
	free_items(r, n, sizeof *r, result_free);
}

static void print_json(FILE *f, const struct check_result *r, size_t n)
{
	json_t *arr = json_array();
	int failed = 0, degraded = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		/* names and details are sanitized, so valid UTF-8: never dropped */
		json_object_set_new(o, "name", json_string(r[i].name));
		json_object_set_new(o, "ok", json_boolean(r[i].ok));
		json_object_set_new(o, "degraded", json_boolean(r[i].degraded));
		json_object_set_new(o, "latency_ms",
				    r[i].latency_ms >= 0 ? json_integer(r[i].latency_ms)
							 : json_null());
		json_object_set_new(o, "detail", json_string(r[i].detail ? r[i].detail : ""));
		json_array_append_new(arr, o);
		failed += !r[i].ok;
		degraded += r[i].degraded;
	}
	json_t *doc = json_object();
	json_object_set_new(doc, "ok", json_boolean(failed == 0));
	json_object_set_new(doc, "passed", json_integer((json_int_t)n - failed));
	json_object_set_new(doc, "failed", json_integer(failed));
	json_object_set_new(doc, "degraded", json_integer(degraded));
	json_object_set_new(doc, "checks", arr);
	json_dumpf(doc, f, JSON_INDENT(2));
	fputc('\n', f);
	json_decref(doc);
}

void check_print(FILE *f, const struct check_result *r, size_t n, bool json)
{
	if (json) {
		print_json(f, r, n);
		return;
	}
	int failed = 0, degraded = 0;
	for (size_t i = 0; i < n; i++) {
		char lat[32];
		fmt_latency(lat, sizeof lat, r[i].latency_ms);
		const char *detail = r[i].detail ? r[i].detail : "";
		if (r[i].degraded)
			fprintf(f, "warn  %-36s %8s  degraded\n      %s\n", r[i].name, lat, detail);
		else
			fprintf(f, "%-4s  %-36s %8s  %s\n", r[i].ok ? "ok" : "FAIL", r[i].name, lat,
				detail);
		failed += !r[i].ok;
		degraded += r[i].degraded;
	}
	fprintf(f, "%zu checks, %d failed", n, failed);
	if (degraded)
		fprintf(f, ", %d degraded", degraded);
	fputc('\n', f);
}
