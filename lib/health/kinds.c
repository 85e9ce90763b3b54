/* lib/health/kinds.c — the health side's table of kinds (see kinds.h): one
 * row per kind, and the parsers its HTTP steps name. The probes live in
 * probe.c and probe_redis.c, the checks in check.c; this file only says
 * which is whose. */
#include "lib/health/kinds.h"

#include <stdio.h>
#include <string.h>

#include "lib/health/check.h"
#include "lib/health/probe.h"
#include "lib/health/svc.h"
#include "lib/s3/s3.h"
#include "lib/core/util.h"

static int v_mlflow(const struct http_resp *r, char *o, size_t n, struct mlc_err *e)
{
	return mlflow_parse_version(r->body, r->body_len, o, n, e);
}
static int v_ray(const struct http_resp *r, char *o, size_t n, struct mlc_err *e)
{
	return ray_parse_version(r->body, r->body_len, o, n, e);
}
static int v_prom(const struct http_resp *r, char *o, size_t n, struct mlc_err *e)
{
	return prom_parse_buildinfo(r->body, r->body_len, o, n, e);
}
static int v_prefect(const struct http_resp *r, char *o, size_t n, struct mlc_err *e)
{
	return prefect_parse_version(r->body, r->body_len, o, n, e);
}
static int v_airflow(const struct http_resp *r, char *o, size_t n, struct mlc_err *e)
{
	return airflow_parse_version(r->body, r->body_len, o, n, e);
}
static int v_server_header(const struct http_resp *r, char *o, size_t n, struct mlc_err *e)
{
	strlcpy_m(o, r->server[0] ? r->server : "-", n);
	return 0;
}
static int v_http(const struct http_resp *r, char *o, size_t n, struct mlc_err *e)
{
	return http_parse_version(r->body, r->body_len, o, n);
}
static int h_prefect(const struct target *t, const struct http_resp *r, struct mlc_err *e)
{
	return prefect_parse_health(r->body, r->body_len, e);
}
static int h_airflow(const struct target *t, const struct http_resp *r, struct mlc_err *e)
{
	return airflow_parse_health(r->body, r->body_len, e);
}
static int h_s3(const struct target *t, const struct http_resp *r, struct mlc_err *e)
{
	char **names = NULL;
	int rc = s3_parse_list_buckets(r->body, r->body_len, &names, e);
	strv_free(names);
	return rc;
}
static int h_http(const struct target *t, const struct http_resp *r, struct mlc_err *e)
{
	return http_check_expect(t->expect_status, t->expect_body, r->status, r->body, r->body_len,
				 e);
}

static bool c_mlflow_experiments(const struct http_resp *r, char *d, size_t n)
{
	struct mlc_err e;
	int count = 0;
	if (mlflow_parse_experiments_count(r->body, r->body_len, &count, &e) < 0) {
		snprintf(d, n, "%s", e.msg);
		return false;
	}
	/* It asks for one (max_results=1): a count would lie. */
	snprintf(d, n, "answers (%s)", count ? "lists experiments" : "no experiments");
	return true;
}

static bool c_ray_nodes(const struct http_resp *r, char *d, size_t n)
{
	struct mlc_err e;
	int alive = 0, dead = 0;
	if (ray_parse_nodes(r->body, r->body_len, &alive, &dead, &e) < 0) {
		snprintf(d, n, "%s", e.msg);
		return false;
	}
	snprintf(d, n, "%d alive, %d dead", alive, dead);
	return alive > 0;
}

static const struct health_kind kinds[TK_COUNT] = {
    [TK_MLFLOW] = {.probe = &http_probe_ops,
		   .timeout_ms = 5000,
		   .http = {"/health", NULL, false, "/version", v_mlflow, "health", NULL},
		   .extra = {"/api/2.0/mlflow/experiments/search?max_results=1",
			     "experiments/search", c_mlflow_experiments}},
    [TK_S3] = {.probe = &http_probe_ops,
	       .timeout_ms = 5000,
	       .http = {"/", h_s3, false, NULL, v_server_header, "credentials", NULL},
	       .check = check_s3},
    [TK_POSTGRES] = {.probe = &pg_probe_ops, .timeout_ms = 5000, .check = check_pg},
    [TK_RAY] = {.probe = &http_probe_ops,
		.timeout_ms = 5000,
		.http = {"/api/version", NULL, false, NULL, v_ray, "dashboard", NULL},
		.extra = {"/api/v0/nodes?limit=10000", "alive nodes", c_ray_nodes}},
    [TK_PREFECT] = {.probe = &http_probe_ops,
		    .timeout_ms = 5000,
		    .http = {"/health", h_prefect, false, "/admin/version", v_prefect, "health",
			     "healthy"}},
    [TK_AIRFLOW] = {.probe = &http_probe_ops,
		    .timeout_ms = 5000,
		    .http = {"/health", h_airflow, false, "/version", v_airflow, "health",
			     "metadatabase and scheduler healthy"}},
    [TK_PROMETHEUS] = {.probe = &http_probe_ops,
		       .timeout_ms = 5000,
		       .http = {"/-/healthy", NULL, false, "/api/v1/status/buildinfo", v_prom,
				"healthy", NULL}},
    [TK_NODE] = {.probe = &ssh_probe_ops, .timeout_ms = 8000, .check = check_ssh},
    [TK_HTTP] = {.probe = &http_probe_ops,
		 .timeout_ms = 5000,
		 .http = {"", h_http, true, NULL, v_http, "health", NULL}},
    [TK_REDIS] = {.probe = &redis_probe_ops, .timeout_ms = 5000, .check = check_redis},
};

const struct health_kind *health_kind(enum target_kind k)
{
	return &kinds[(unsigned)k < TK_COUNT ? k : 0];
}

long health_timeout(const struct target *t)
{
	return t->timeout_ms ? t->timeout_ms : health_kind(t->kind)->timeout_ms;
}

struct source_probe health_probe_for(const struct target *t)
{
	return (struct source_probe){.ops = health_kind(t->kind)->probe,
				     .timeout_ms = health_kind(t->kind)->timeout_ms};
}
