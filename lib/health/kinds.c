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
#include "lib/core/http_err.h"

#define RAY_NODES     "/api/v0/nodes?limit=10000"
#define MINIO_CLUSTER "/minio/health/cluster"
#define PREFECT_POOLS "/work_pools/filter"

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
static int h_prefect(const struct target *t, const struct http_resp *r, char *why, size_t n,
		     struct mlc_err *e)
{
	return prefect_parse_health(r->body, r->body_len, e);
}
static const char *p_airflow(const struct target *t, bool health)
{
	return airflow_probe_path(t->url, health);
}
static int h_airflow(const struct target *t, const struct http_resp *r, char *why, size_t n,
		     struct mlc_err *e)
{
	return airflow_parse_health(r->body, r->body_len, why, n, e);
}
static int h_s3(const struct target *t, const struct http_resp *r, char *why, size_t n,
		struct mlc_err *e)
{
	char **names = NULL;
	int rc = s3_parse_list_buckets(r->body, r->body_len, &names, e);
	strv_free(names);
	return rc;
}
static int h_http(const struct target *t, const struct http_resp *r, char *why, size_t n,
		  struct mlc_err *e)
{
	return http_check_expect(t->expect_status, t->expect_body, r->status, r->body, r->body_len,
				 e);
}

/* The state steps: any status comes here; one that is not 2xx is an
 * error (MinIO's 503 excepted: that is its answer). */
static int s_ray(const struct target *t, const struct http_resp *r, char *why, size_t n,
		 struct mlc_err *e)
{
	int alive = 0, dead = 0;
	if (r->status < 200 || r->status > 299)
		return http_err_resp(e, NULL, r, RAY_NODES);
	if (ray_parse_nodes(r->body, r->body_len, &alive, &dead, e) < 0)
		return -e->code;
	if (alive == 0)
		snprintf(why, n, "no node alive (%d dead)", dead);
	else if (dead > 0)
		snprintf(why, n, "%d of %d nodes dead", dead, alive + dead);
	return 0;
}
static int s_minio(const struct target *t, const struct http_resp *r, char *why, size_t n,
		   struct mlc_err *e)
{
	if (r->status == 503)
		snprintf(why, n, "no write quorum (HTTP 503 from " MINIO_CLUSTER ")");
	return 0;
}
static int s_prefect(const struct target *t, const struct http_resp *r, char *why, size_t n,
		     struct mlc_err *e)
{
	if (r->status < 200 || r->status > 299)
		return http_err_resp(e, NULL, r, PREFECT_POOLS);
	return prefect_parse_work_pools(r->body, r->body_len, why, n, e);
}

static bool c_mlflow_experiments(const struct http_resp *r, char *d, size_t n, bool *degraded)
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

static bool c_ray_nodes(const struct http_resp *r, char *d, size_t n, bool *degraded)
{
	struct mlc_err e;
	int alive = 0, dead = 0;
	if (ray_parse_nodes(r->body, r->body_len, &alive, &dead, &e) < 0) {
		snprintf(d, n, "%s", e.msg);
		return false;
	}
	snprintf(d, n, "%d alive, %d dead", alive, dead);
	*degraded = alive > 0 && dead > 0;
	return alive > 0;
}

static bool c_prefect_pools(const struct http_resp *r, char *d, size_t n, bool *degraded)
{
	struct mlc_err e;
	char why[160] = "";
	if (prefect_parse_work_pools(r->body, r->body_len, why, sizeof why, &e) < 0) {
		snprintf(d, n, "%s", e.msg);
		return false;
	}
	*degraded = why[0] != '\0';
	snprintf(d, n, "%s", why[0] ? why : "every work pool ready or paused");
	return true;
}

static const struct health_kind kinds[TK_COUNT] = {
    [TK_MLFLOW] = {.probe = &http_probe_ops,
		   .timeout_ms = 5000,
		   .http = {"/health", NULL, false, "/version", v_mlflow, "health", NULL},
		   .extra = {"/api/2.0/mlflow/experiments/search?max_results=1",
			     "experiments/search", c_mlflow_experiments}},
    [TK_S3] = {.probe = &http_probe_ops,
	       .timeout_ms = 5000,
	       .http = {"/", h_s3, false, NULL, v_server_header, "credentials", NULL, MINIO_CLUSTER,
			s_minio, NULL},
	       .check = check_s3},
    [TK_POSTGRES] = {.probe = &pg_probe_ops, .timeout_ms = 5000, .check = check_pg},
    [TK_RAY] = {.probe = &http_probe_ops,
		.timeout_ms = 5000,
		.http = {"/api/version", NULL, false, NULL, v_ray, "dashboard", NULL, RAY_NODES,
			 s_ray, NULL},
		.extra = {RAY_NODES, "alive nodes", c_ray_nodes}},
    [TK_PREFECT] = {.probe = &http_probe_ops,
		    .timeout_ms = 5000,
		    .http = {"/health", h_prefect, false, "/admin/version", v_prefect, "health",
			     "healthy", PREFECT_POOLS, s_prefect, "{}"},
		    .extra = {PREFECT_POOLS, "work pools", c_prefect_pools, "{}"}},
    [TK_AIRFLOW] = {.probe = &http_probe_ops,
		    .timeout_ms = 5000,
		    .http = {"/health", h_airflow, false, "/version", v_airflow, "health",
			     "metadatabase and scheduler healthy", .path_for = p_airflow}},
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
