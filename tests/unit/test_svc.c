/* tests/unit/test_svc.c — lib/health/svc.c: every health and version parser on the
 * captured responses in tests/fixtures/, then on hostile bodies (truncated,
 * wrong types, huge, `null`, HTML error pages, raw ESC bytes). Parsers hand
 * strings back raw — sanitizing is the caller's job — so these tests check
 * the values, that every refusal is an error with a message (and a cut
 * document is always refused), and that errors name the JSON path. */
#include "lib/health/svc.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "lib/core/util.h"

#define LIT(s) s, sizeof(s) - 1

static void expect_err(int rc, const struct mlc_err *err, int code, const char *needle)
{
	cr_assert_eq(rc, -code, "rc %d, want %d (%s)", rc, -code, err->msg);
	cr_assert_eq(err->code, code, "code %d (%s)", err->code, err->msg);
	cr_assert_not_null(strstr(err->msg, needle), "'%s' not in error: %s", needle, err->msg);
}

/* ---- MLflow ------------------------------------------------------------- */

Test(svc, mlflow_version_fixture)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/mlflow/version.txt", &len);
	char out[32] = "x";
	struct mlc_err err;
	mlc_err_clear(&err);
	cr_assert_eq(mlflow_parse_version(body, len, out, sizeof out, &err), 0, "%s", err.msg);
	cr_assert_str_eq(out, "2.12.2");
	free(body);
}

Test(svc, mlflow_version_trims_and_stops_at_newline)
{
	char out[32];
	cr_assert_eq(mlflow_parse_version(LIT("  2.9.0\r\nextra"), out, sizeof out, NULL), 0);
	cr_assert_str_eq(out, "2.9.0");
	cr_assert_eq(mlflow_parse_version(LIT("3.0.0rc1\n"), out, sizeof out, NULL), 0);
	cr_assert_str_eq(out, "3.0.0rc1");
}

Test(svc, mlflow_version_rejects_html_json_and_empty)
{
	struct mlc_err err;
	char out[32];
	size_t len;
	char *html = fixture_read("tests/fixtures/mlflow/error-unknown-endpoint.html", &len);
	expect_err(mlflow_parse_version(html, len, out, sizeof out, &err), &err, MLC_ERR_PARSE,
		   "mlflow /version");
	free(html);
	expect_err(mlflow_parse_version(LIT("{\"version\":\"2\"}"), out, sizeof out, &err), &err,
		   MLC_ERR_PARSE, "not a version string");
	expect_err(mlflow_parse_version(LIT(""), out, sizeof out, &err), &err, MLC_ERR_PARSE,
		   "mlflow /version");
	expect_err(mlflow_parse_version(LIT(" \r\n\t "), out, sizeof out, &err), &err,
		   MLC_ERR_PARSE, "mlflow /version");
	expect_err(mlflow_parse_version(NULL, 0, out, sizeof out, &err), &err, MLC_ERR_PARSE,
		   "mlflow /version");
}

Test(svc, mlflow_version_huge_and_raw_escapes)
{
	char *big = xmalloc(1 << 20);
	memset(big, '9', 1 << 20);
	char out[80];
	cr_assert_eq(mlflow_parse_version(big, 1 << 20, out, sizeof out, NULL), 0);
	cr_assert_eq(strlen(out), 64, "at most 64 bytes of a version are kept");
	free(big);
	/* ESC comes back raw: the caller sanitizes. */
	cr_assert_eq(mlflow_parse_version(LIT("\x1b[2J2.0"), out, sizeof out, NULL), 0);
	cr_assert_str_eq(out, "\x1b[2J2.0");
	char small[4];
	cr_assert_eq(mlflow_parse_version(LIT("2.12.2"), small, sizeof small, NULL), 0);
	cr_assert_str_eq(small, "2.1", "truncated to the buffer");
}

static int exp_count(const char *path)
{
	size_t len;
	char *body = fixture_read(path, &len);
	int n = -1;
	struct mlc_err err;
	mlc_err_clear(&err);
	cr_assert_eq(mlflow_parse_experiments_count(body, len, &n, &err), 0, "%s: %s", path,
		     err.msg);
	free(body);
	return n;
}

Test(svc, mlflow_experiments_count_fixtures)
{
	cr_assert_eq(exp_count("tests/fixtures/mlflow/experiments-search.json"), 5);
	cr_assert_eq(exp_count("tests/fixtures/mlflow/experiments-search-all.json"), 6);
	cr_assert_eq(exp_count("tests/fixtures/mlflow/experiments-search-deleted-only.json"), 1);
	cr_assert_eq(exp_count("tests/fixtures/mlflow/experiments-search-filter-order.json"), 4);
	cr_assert_eq(exp_count("tests/fixtures/mlflow/experiments-search-page1.json"), 2);
	cr_assert_eq(exp_count("tests/fixtures/mlflow/experiments-search-page2.json"), 2);
	cr_assert_eq(exp_count("tests/fixtures/mlflow/experiments-search-page3.json"), 1);
	cr_assert_eq(exp_count("tests/fixtures/mlflow/experiments-search-post-filter-tag.json"), 1);
	cr_assert_eq(exp_count("tests/fixtures/mlflow/experiments-search-empty.json"), 0,
		     "an empty page is {} with no experiments key");
}

Test(svc, mlflow_experiments_count_hostile)
{
	struct mlc_err err;
	int n = 42;
	expect_err(mlflow_parse_experiments_count(LIT("{\"experiments\": {}}"), &n, &err), &err,
		   MLC_ERR_PARSE, "experiments: expected array");
	expect_err(mlflow_parse_experiments_count(LIT("{\"experiments\": \"5\"}"), &n, &err), &err,
		   MLC_ERR_PARSE, "experiments: expected array");
	expect_err(mlflow_parse_experiments_count(LIT("null"), &n, &err), &err, MLC_ERR_PARSE,
		   "expected object");
	expect_err(mlflow_parse_experiments_count(LIT("[1,2,3]"), &n, &err), &err, MLC_ERR_PARSE,
		   "expected object");
	expect_err(mlflow_parse_experiments_count(LIT("{\"experiments\": [{}, "), &n, &err), &err,
		   MLC_ERR_PARSE, "malformed JSON");
	expect_err(mlflow_parse_experiments_count(LIT(""), &n, &err), &err, MLC_ERR_PARSE,
		   "mlflow experiments/search: malformed JSON");
	cr_assert_eq(n, 42, "count untouched on error");
	size_t len;
	char *html = fixture_read("tests/fixtures/mlflow/error-method-not-allowed.html", &len);
	expect_err(mlflow_parse_experiments_count(html, len, &n, &err), &err, MLC_ERR_PARSE,
		   "malformed JSON");
	free(html);
}

Test(svc, mlflow_experiments_duplicate_keys_refused)
{
	struct mlc_err err;
	int n;
	expect_err(mlflow_parse_experiments_count(LIT("{\"experiments\":[],\"experiments\":[1]}"),
						  &n, &err),
		   &err, MLC_ERR_PARSE, "malformed JSON");
}

Test(svc, mlflow_experiments_huge_page)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "{\"experiments\":[");
	for (int i = 0; i < 50000; i++)
		buf_printf(&b, "%s{\"experiment_id\":\"%d\",\"name\":\"e%d\"}", i ? "," : "", i, i);
	buf_puts(&b, "]}");
	int n = 0;
	struct mlc_err err;
	cr_assert_eq(mlflow_parse_experiments_count(b.data, b.len, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 50000);
	buf_free(&b);
}

/* ---- Ray ---------------------------------------------------------------- */

Test(svc, ray_version_fixture)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/ray/api-version.json", &len);
	char out[32];
	struct mlc_err err;
	mlc_err_clear(&err);
	cr_assert_eq(ray_parse_version(body, len, out, sizeof out, &err), 0, "%s", err.msg);
	cr_assert_str_eq(out, "2.30.0");
	free(body);
}

Test(svc, ray_version_hostile)
{
	struct mlc_err err;
	char out[32];
	/* lib/ray reads a number where Ray 2.x sent a string as its text */
	cr_assert_eq(ray_parse_version(LIT("{\"ray_version\": 2.3}"), out, sizeof out, &err), 0);
	cr_assert_str_eq(out, "2.3");
	expect_err(ray_parse_version(LIT("{\"ray_version\": null}"), out, sizeof out, &err), &err,
		   MLC_ERR_PARSE, "ray: /api/version: ray_version: expected string");
	expect_err(ray_parse_version(LIT("{\"version\": \"4\"}"), out, sizeof out, &err), &err,
		   MLC_ERR_PARSE, "ray: /api/version: ray_version: expected string");
	expect_err(ray_parse_version(LIT("null"), out, sizeof out, &err), &err, MLC_ERR_PARSE,
		   "ray: /api/version: (root): expected object");
	expect_err(ray_parse_version(LIT("[\"2.30.0\"]"), out, sizeof out, &err), &err,
		   MLC_ERR_PARSE, "(root): expected object");
	expect_err(ray_parse_version(LIT("{\"ray_version\": \"2.3"), out, sizeof out, &err), &err,
		   MLC_ERR_PARSE, "ray: /api/version: malformed JSON at line 1");
	expect_err(ray_parse_version(LIT("<html><title>502 Bad Gateway</title></html>"), out,
				     sizeof out, &err),
		   &err, MLC_ERR_PARSE, "malformed JSON");
}

Test(svc, ray_version_raw_escape_and_nul)
{
	char out[32];
	cr_assert_eq(ray_parse_version(LIT("{\"ray_version\": \"\\u001b]0;pwned\\u0007\"}"), out,
				       sizeof out, NULL),
		     0);
	cr_assert_str_eq(out, "\x1b]0;pwned\x07", "returned raw for the caller to sanitize");
	/* \u0000 inside a string: lib/ray keeps the answer and makes the NUL
	 * visible (^@) rather than losing the whole document */
	struct mlc_err err;
	int rc = ray_parse_version(LIT("{\"ray_version\": \"a\\u0000b\"}"), out, sizeof out, &err);
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_str_eq(out, "a^@b");
}

Test(svc, ray_nodes_state_api_fixture)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/ray/state-nodes.json", &len);
	int alive = -1, dead = -1;
	struct mlc_err err;
	mlc_err_clear(&err);
	cr_assert_eq(ray_parse_nodes(body, len, &alive, &dead, &err), 0, "%s", err.msg);
	/* The file lists head + 2 workers ALIVE and one DEAD worker. */
	cr_assert_eq(alive, 3);
	cr_assert_eq(dead, 1);
	free(body);
}

Test(svc, ray_nodes_detail_fixture)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/ray/state-nodes-detail.json", &len);
	int alive = -1, dead = -1;
	struct mlc_err err;
	mlc_err_clear(&err);
	cr_assert_eq(ray_parse_nodes(body, len, &alive, &dead, &err), 0, "%s", err.msg);
	cr_assert_eq(alive + dead, 4);
	free(body);
}

Test(svc, ray_nodes_summary_fixture)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/ray/nodes-summary.json", &len);
	int alive = -1, dead = -1;
	struct mlc_err err;
	mlc_err_clear(&err);
	cr_assert_eq(ray_parse_nodes(body, len, &alive, &dead, &err), 0, "%s", err.msg);
	cr_assert_eq(alive, 3);
	cr_assert_eq(dead, 1);
	free(body);
}

Test(svc, ray_nodes_envelope_error_fixture)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/ray/state-error-bad-filter.json", &len);
	int alive, dead;
	struct mlc_err err;
	int rc = ray_parse_nodes(body, len, &alive, &dead, &err);
	expect_err(rc, &err, MLC_ERR_HTTP,
		   "ray: /api/v0/nodes: result false: The given filter column foo");
	free(body);
}

Test(svc, ray_nodes_envelope_false_without_msg)
{
	int alive, dead;
	struct mlc_err err;
	expect_err(ray_parse_nodes(LIT("{\"result\": false, \"msg\": 7}"), &alive, &dead, &err),
		   &err, MLC_ERR_HTTP, "result false");
}

Test(svc, ray_nodes_hostile)
{
	int alive, dead;
	struct mlc_err err;
	expect_err(ray_parse_nodes(LIT("{\"result\":true,\"data\":{\"result\":{\"result\":5}}}"),
				   &alive, &dead, &err),
		   &err, MLC_ERR_PARSE, "data.result.result: expected array");
	expect_err(ray_parse_nodes(LIT("{\"result\":true,\"data\":null}"), &alive, &dead, &err),
		   &err, MLC_ERR_PARSE, "ray: /api/v0/nodes: data: expected object");
	expect_err(ray_parse_nodes(LIT("null"), &alive, &dead, &err), &err, MLC_ERR_PARSE,
		   "ray: /api/v0/nodes");
	expect_err(ray_parse_nodes(LIT("{\"result\":true,\"data\":{\"result\":{\"res"), &alive,
				   &dead, &err),
		   &err, MLC_ERR_PARSE, "ray: /api/v0/nodes: malformed JSON");
}

Test(svc, ray_nodes_odd_rows_do_not_crash)
{
	int alive = -1, dead = -1;
	struct mlc_err err;
	mlc_err_clear(&err);
	int rc = ray_parse_nodes(LIT("{\"result\":true,\"data\":{\"result\":{\"result\":"
				     "[{\"state\":\"ALIVE\"},{\"state\":1},null,5,\"ALIVE\","
				     "{\"state\":\"\\u001b[31mALIVE\"},{}]}}}"),
				 &alive, &dead, &err);
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(alive, 1, "only a row whose state is exactly ALIVE counts as alive");
	cr_assert_eq(dead, 3, "rows that are not objects are no nodes");
}

Test(svc, ray_nodes_empty_cluster)
{
	int alive = -1, dead = -1;
	cr_assert_eq(ray_parse_nodes(LIT("{\"result\":true,\"data\":{\"result\":{\"result\":[]}}}"),
				     &alive, &dead, NULL),
		     0);
	cr_assert_eq(alive, 0);
	cr_assert_eq(dead, 0);
}

/* ---- Prometheus --------------------------------------------------------- */

Test(svc, prom_buildinfo_fixture)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/prometheus/buildinfo.json", &len);
	char out[32];
	struct mlc_err err;
	mlc_err_clear(&err);
	cr_assert_eq(prom_parse_buildinfo(body, len, out, sizeof out, &err), 0, "%s", err.msg);
	cr_assert_str_eq(out, "2.42.0+ds");
	free(body);
}

Test(svc, prom_error_document_fixture)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/prometheus/query-error-bad-promql.json", &len);
	char out[32];
	struct mlc_err err;
	int rc = prom_parse_buildinfo(body, len, out, sizeof out, &err);
	expect_err(rc, &err, MLC_ERR_PROTO, "prometheus buildinfo: ");
	cr_assert_null(strstr(err.msg, "status not success"), "the server's error text is used");
	free(body);
}

Test(svc, prom_buildinfo_hostile)
{
	struct mlc_err err;
	char out[32];
	expect_err(prom_parse_buildinfo(LIT("{\"status\":\"success\",\"data\":{\"version\":2}}"),
					out, sizeof out, &err),
		   &err, MLC_ERR_PARSE, "data.version: expected string");
	expect_err(prom_parse_buildinfo(LIT("{\"status\":\"success\",\"data\":[]}"), out,
					sizeof out, &err),
		   &err, MLC_ERR_PARSE, "prometheus buildinfo: data.version: expected string");
	expect_err(prom_parse_buildinfo(LIT("{\"status\":\"error\"}"), out, sizeof out, &err), &err,
		   MLC_ERR_PROTO, "status not success");
	expect_err(prom_parse_buildinfo(LIT("{\"status\":null}"), out, sizeof out, &err), &err,
		   MLC_ERR_PROTO, "status not success");
	expect_err(prom_parse_buildinfo(LIT("null"), out, sizeof out, &err), &err, MLC_ERR_PROTO,
		   "prometheus buildinfo");
	size_t len;
	char *text = fixture_read("tests/fixtures/prometheus/not-found-404.txt", &len);
	expect_err(prom_parse_buildinfo(text, len, out, sizeof out, &err), &err, MLC_ERR_PARSE,
		   "prometheus buildinfo: malformed JSON");
	free(text);
}

/* ---- Prefect ------------------------------------------------------------ */

Test(svc, prefect_version_fixture)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/prefect/admin-version.json", &len);
	char out[32];
	struct mlc_err err;
	mlc_err_clear(&err);
	cr_assert_eq(prefect_parse_version(body, len, out, sizeof out, &err), 0, "%s", err.msg);
	cr_assert_str_eq(out, "2.14.21");
	free(body);
}

Test(svc, prefect_health_fixture)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/prefect/health.json", &len);
	struct mlc_err err;
	mlc_err_clear(&err);
	cr_assert_eq(prefect_parse_health(body, len, &err), 0, "%s", err.msg);
	free(body);
}

Test(svc, prefect_hostile)
{
	struct mlc_err err;
	char out[32];
	expect_err(prefect_parse_version(LIT("{\"version\":\"2\"}"), out, sizeof out, &err), &err,
		   MLC_ERR_PARSE, "prefect /admin/version: expected a string");
	expect_err(prefect_parse_version(LIT("null"), out, sizeof out, &err), &err, MLC_ERR_PARSE,
		   "expected a string");
	expect_err(prefect_parse_version(LIT("\"2.14"), out, sizeof out, &err), &err, MLC_ERR_PARSE,
		   "prefect /admin/version: malformed JSON");
	expect_err(prefect_parse_health(LIT("false"), &err), &err, MLC_ERR_PROTO,
		   "prefect /health: server reports unhealthy");
	expect_err(prefect_parse_health(LIT("\"true\""), &err), &err, MLC_ERR_PROTO, "unhealthy");
	expect_err(prefect_parse_health(LIT("null"), &err), &err, MLC_ERR_PROTO, "unhealthy");
	expect_err(prefect_parse_health(LIT("tru"), &err), &err, MLC_ERR_PARSE,
		   "prefect /health: malformed JSON");
	size_t len;
	char *body = fixture_read("tests/fixtures/prefect/error-404-unknown-route.json", &len);
	expect_err(prefect_parse_version(body, len, out, sizeof out, &err), &err, MLC_ERR_PARSE,
		   "expected a string");
	free(body);
}

/* ---- Airflow ------------------------------------------------------------ */

Test(svc, airflow_version_fixture)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/airflow/version.json", &len);
	char out[32];
	struct mlc_err err;
	mlc_err_clear(&err);
	cr_assert_eq(airflow_parse_version(body, len, out, sizeof out, &err), 0, "%s", err.msg);
	cr_assert_str_eq(out, "2.9.3");
	free(body);
}

Test(svc, airflow_health_fixture)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/airflow/health.json", &len);
	struct mlc_err err;
	char why[160] = "";
	mlc_err_clear(&err);
	cr_assert_eq(airflow_parse_health(body, len, why, sizeof why, &err), 0, "%s", err.msg);
	cr_assert_str_eq(why, "", "healthy: not degraded");
	free(body);
}

/* The API answers with the scheduler down: degraded (the reason in why),
 * not down. */
Test(svc, airflow_health_scheduler_down_fixture_is_degraded)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/airflow/health-scheduler-down.json", &len);
	struct mlc_err err;
	char why[160] = "";
	mlc_err_clear(&err);
	cr_assert_eq(airflow_parse_health(body, len, why, sizeof why, &err), 0);
	cr_assert_eq(err.code, MLC_OK);
	cr_assert_str_eq(why,
			 "scheduler unhealthy (last heartbeat 2024-02-05T09:58:40.002211+00:00)");
	free(body);
}

Test(svc, airflow_health_database_down)
{
	struct mlc_err err;
	char why[160] = "";
	expect_err(airflow_parse_health(LIT("{\"metadatabase\":{\"status\":\"unhealthy\"},"
					    "\"scheduler\":{\"status\":\"healthy\"}}"),
					why, sizeof why, &err),
		   &err, MLC_ERR_PROTO, "airflow /health: metadatabase unhealthy");
	cr_assert_eq(airflow_parse_health(LIT("{\"metadatabase\":{\"status\":\"healthy\"},"
					      "\"scheduler\":{\"status\":\"unhealthy\","
					      "\"latest_scheduler_heartbeat\":null}}"),
					  why, sizeof why, &err),
		     0);
	cr_assert_str_eq(why, "scheduler unhealthy (last heartbeat never)");
}

/* Prefect's work pools: NOT_READY is degraded; PAUSED (a choice) and no
 * status (an old server) are not. */
Test(svc, prefect_work_pools)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/prefect/work-pools-filter.json", &len);
	struct mlc_err err;
	char why[160] = "";
	cr_assert_eq(prefect_parse_work_pools(body, len, why, sizeof why, &err), 0);
	cr_assert_str_eq(why, "", "the capture holds a PAUSED pool and one without status");
	free(body);
	cr_assert_eq(prefect_parse_work_pools(LIT("[{\"name\":\"gpu\",\"status\":\"NOT_READY\"},"
						  "{\"name\":\"cpu\",\"status\":\"READY\"}]"),
					      why, sizeof why, &err),
		     0);
	cr_assert_str_eq(why, "work pool gpu NOT_READY (no worker polling it)");
	why[0] = '\0';
	cr_assert_eq(prefect_parse_work_pools(LIT("[{\"name\":\"a\",\"status\":\"NOT_READY\"},"
						  "{\"name\":\"b\",\"status\":\"NOT_READY\"},"
						  "{\"name\":\"c\",\"status\":\"PAUSED\"}]"),
					      why, sizeof why, &err),
		     0);
	cr_assert_str_eq(why, "2 of 3 work pools NOT_READY (a, ...)");
	expect_err(prefect_parse_work_pools(LIT("{}"), why, sizeof why, &err), &err, MLC_ERR_PARSE,
		   "expected an array of pools");
}

Test(svc, airflow_hostile)
{
	struct mlc_err err;
	char out[32];
	expect_err(airflow_parse_version(LIT("{\"version\":null}"), out, sizeof out, &err), &err,
		   MLC_ERR_PARSE, "airflow /version: version: expected string");
	char why[160] = "";
	expect_err(airflow_parse_health(LIT("{\"metadatabase\":{\"status\":5},"
					    "\"scheduler\":{\"status\":\"healthy\"}}"),
					why, sizeof why, &err),
		   &err, MLC_ERR_PARSE, "metadatabase.status");
	expect_err(
	    airflow_parse_health(LIT("{\"metadatabase\":\"healthy\"}"), why, sizeof why, &err),
	    &err, MLC_ERR_PARSE, "scheduler.status");
	expect_err(airflow_parse_health(LIT("null"), why, sizeof why, &err), &err, MLC_ERR_PARSE,
		   "airflow /health");
	expect_err(airflow_parse_health(LIT("{\"metadatabase\":{\"status\":\"healthy\""), why,
					sizeof why, &err),
		   &err, MLC_ERR_PARSE, "airflow /health: malformed JSON");
	size_t len;
	char *body = fixture_read("tests/fixtures/airflow/error-401.json", &len);
	expect_err(airflow_parse_version(body, len, out, sizeof out, &err), &err, MLC_ERR_PARSE,
		   "version: expected string");
	free(body);
}

Test(svc, airflow_scheduler_status_with_escape_is_raw)
{
	struct mlc_err err;
	char why[160] = "";
	int rc = airflow_parse_health(LIT("{\"metadatabase\":{\"status\":\"healthy\"},"
					  "\"scheduler\":{\"status\":\"\\u001b[2Jbad\"}}"),
				      why, sizeof why, &err);
	cr_assert_eq(rc, 0);
	cr_assert_not_null(strstr(why, "scheduler \x1b[2Jbad"), "%s (the source sanitizes)", why);
}

/* ---- every parser on every hostile body --------------------------------- */

struct body {
	const char *name;
	const char *data;
	size_t len;
	unsigned accepted; /* the parsers that take it: none, or a reason below */
};

/* The parsers, one bit each, for the set that accepted a body. */
enum {
	P_MLFLOW_VERSION = 1 << 0,
	P_MLFLOW_EXPS = 1 << 1,
	P_RAY_VERSION = 1 << 2,
	P_RAY_NODES = 1 << 3,
	P_PROM = 1 << 4,
	P_PREFECT_VERSION = 1 << 5,
	P_PREFECT_HEALTH = 1 << 6,
	P_AIRFLOW_VERSION = 1 << 7,
	P_AIRFLOW_HEALTH = 1 << 8,
	P_PREFECT_POOLS = 1 << 9,
};

/* One parser's answer: accepted (0), or refused with rc == -err.code and a
 * message; anything else fails the test. Returns bit when accepted. */
static unsigned answer(int rc, const struct mlc_err *err, unsigned bit, const char *what)
{
	if (rc == 0)
		return bit;
	cr_assert_lt(rc, 0, "%s: rc %d", what, rc);
	cr_assert_eq(rc, -err->code, "%s: rc %d, code %d (%s)", what, rc, err->code, err->msg);
	cr_assert_neq(err->msg[0], '\0', "%s: refused without a message", what);
	return 0;
}

/* Runs every parser on the body; returns the set that accepted it. */
static unsigned run_all(const char *data, size_t len)
{
	char out[80];
	int a, d, n;
	struct mlc_err e;
	unsigned ok = 0;
#define ANSWER(call, bit)                                                                          \
	do {                                                                                       \
		mlc_err_clear(&e);                                                                 \
		ok |= answer(call, &e, bit, #call);                                                \
	} while (0)
	ANSWER(mlflow_parse_version(data, len, out, sizeof out, &e), P_MLFLOW_VERSION);
	ANSWER(mlflow_parse_experiments_count(data, len, &n, &e), P_MLFLOW_EXPS);
	ANSWER(ray_parse_version(data, len, out, sizeof out, &e), P_RAY_VERSION);
	ANSWER(ray_parse_nodes(data, len, &a, &d, &e), P_RAY_NODES);
	ANSWER(prom_parse_buildinfo(data, len, out, sizeof out, &e), P_PROM);
	ANSWER(prefect_parse_version(data, len, out, sizeof out, &e), P_PREFECT_VERSION);
	ANSWER(prefect_parse_health(data, len, &e), P_PREFECT_HEALTH);
	ANSWER(airflow_parse_version(data, len, out, sizeof out, &e), P_AIRFLOW_VERSION);
	ANSWER(airflow_parse_health(data, len, out, sizeof out, &e), P_AIRFLOW_HEALTH);
	ANSWER(prefect_parse_work_pools(data, len, out, sizeof out, &e), P_PREFECT_POOLS);
#undef ANSWER
	return ok;
}

/* Each body is refused by every parser (with its error), except that MLflow's
 * /version is plain text: one line that is neither HTML nor JSON is taken as
 * the version (the caller sanitizes it). */
Test(svc, every_parser_survives_hostile_bodies)
{
	enum { TEXT = P_MLFLOW_VERSION };
	static const struct body bodies[] = {
	    {"empty", LIT(""), 0},
	    {"null", LIT("null"), TEXT},
	    {"nul bytes", LIT("{\"a\0\":\0}"), 0},
	    {"deep arrays", NULL, 0, TEXT},
	    {"html", LIT("<!DOCTYPE html><html><head><title>502</title></head></html>"), 0},
	    {"esc", LIT("\x1b[2J\x1b]0;t\x07{\"ray_version\":\"\x1b[31m\"}"), TEXT},
	    {"invalid utf-8", LIT("{\"ray_version\":\"\xff\xfe\"}"), 0},
	    {"numbers", LIT("[1e999, -1e999, 123456789012345678901234567890]"), TEXT},
	    {"wrong types",
	     LIT("{\"status\":\"success\",\"data\":{\"version\":[]},"
		 "\"ray_version\":{},\"version\":true,\"metadatabase\":[],"
		 "\"scheduler\":1,\"result\":\"false\",\"experiments\":null}"),
	     0},
	};
	for (size_t i = 0; i < ARRAY_LEN(bodies); i++) {
		if (bodies[i].data) {
			unsigned got = run_all(bodies[i].data, bodies[i].len);
			cr_expect_eq(got, bodies[i].accepted, "%s: accepted by 0x%x, want 0x%x",
				     bodies[i].name, got, bodies[i].accepted);
			continue;
		}
		/* 100,000 nested arrays: deeper than jansson's limit. */
		size_t depth = 100000;
		char *deep = xmalloc(2 * depth);
		memset(deep, '[', depth);
		memset(deep + depth, ']', depth);
		cr_assert_eq(run_all(deep, 2 * depth), bodies[i].accepted,
			     "nesting past jansson's limit refused");
		free(deep);
	}
}

/* Every prefix of a captured document, shorter than the document itself
 * (trailing whitespace aside), is refused with an error by the parser the
 * document is for, and the whole document parses; every other parser
 * answers each prefix with a result or an error (never a crash). */
Test(svc, every_truncation_of_the_fixtures_is_refused)
{
	static const struct {
		const char *file;
		unsigned parser;
	} docs[] = {
	    {"tests/fixtures/ray/api-version.json", P_RAY_VERSION},
	    {"tests/fixtures/ray/state-nodes.json", P_RAY_NODES},
	    {"tests/fixtures/prometheus/buildinfo.json", P_PROM},
	    {"tests/fixtures/prefect/admin-version.json", P_PREFECT_VERSION},
	    {"tests/fixtures/airflow/health.json", P_AIRFLOW_HEALTH},
	    {"tests/fixtures/prefect/work-pools-filter.json", P_PREFECT_POOLS},
	    {"tests/fixtures/airflow/version.json", P_AIRFLOW_VERSION},
	    {"tests/fixtures/mlflow/experiments-search-page1.json", P_MLFLOW_EXPS},
	};
	for (size_t f = 0; f < ARRAY_LEN(docs); f++) {
		size_t len;
		char *body = fixture_read(docs[f].file, &len);
		size_t end = len;
		while (end > 0 && strchr(" \t\r\n", body[end - 1]))
			end--;
		cr_assert_gt(end, 2, "%s is a document", docs[f].file);
		cr_assert(run_all(body, len) & docs[f].parser, "%s: the whole document parses",
			  docs[f].file);
		for (size_t cut = 0; cut < len; cut++) {
			/* A private copy of exactly cut bytes, so that ASan sees any
			 * read past the length the parser was given. */
			char *p = xmalloc(cut ? cut : 1);
			memcpy(p, body, cut);
			unsigned ok = run_all(p, cut);
			free(p);
			if (cut < end)
				cr_assert_not(ok & docs[f].parser, "%s cut at %zu of %zu accepted",
					      docs[f].file, cut, len);
			else
				cr_assert(ok & docs[f].parser,
					  "%s: only whitespace cut at %zu refused", docs[f].file,
					  cut);
		}
		free(body);
	}
}

Test(svc, truncated_json_error_names_request)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/ray/state-nodes.json", &len);
	int a, d;
	struct mlc_err err;
	expect_err(ray_parse_nodes(body, len / 2, &a, &d, &err), &err, MLC_ERR_PARSE,
		   "ray: /api/v0/nodes: malformed JSON at line");
	cr_assert_gt(err.detail, 1, "detail holds the line");
	free(body);
}
