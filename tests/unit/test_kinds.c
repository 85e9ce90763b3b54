/* tests/unit/test_kinds.c — the two tables of kinds (lib/core/kinds.h,
 * lib/health/kinds.c): every kind has both rows and every key a row names
 * exists; the [http] and [redis] sections as the configuration reads them
 * (required url, schemes, statuses, the password as a secret, REDISCLI_AUTH,
 * the masked endpoint); and the generic HTTP target's verdict and version. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/config.h"
#include "lib/core/util.h"
#include "lib/health/kinds.h"
#include "lib/health/svc.h"
#include "fixture.h"
#include "lib/core/http.h"

Test(kinds, every_kind_has_both_rows)
{
	cr_assert_null(kinds_unknown_key(), "a row names an unknown key: %s", kinds_unknown_key());
	for (int k = 0; k < TK_COUNT; k++) {
		const struct kind_conf *kc = kind_conf(k);
		cr_assert_not_null(kc->section, "kind %d has no section", k);
		cr_assert_eq(target_kind_parse(kc->section), k);
		const struct health_kind *hk = health_kind((enum target_kind)k);
		cr_assert_not_null(hk->probe, "%s has no probe", kc->section);
		cr_assert_gt(hk->timeout_ms, 0, "%s has no deadline", kc->section);
		cr_assert(hk->check || hk->http.health_path,
			  "%s has neither a check nor HTTP steps", kc->section);
		cr_assert(kind_accepts_key(k, "refresh") && kind_accepts_key(k, "timeout"));
	}
	cr_assert_null(kind_conf(TK_COUNT));
	cr_assert(kind_accepts_key(TK_HTTP, "expect_body"));
	cr_assert_not(kind_accepts_key(TK_REDIS, "expect_body"));
	cr_assert_not(kind_accepts_key(TK_MLFLOW, "expect_status"));
}

static char dir[] = "/tmp/mlc-kinds.XXXXXX";

static const char *write_ini(const char *text, mode_t mode)
{
	static char path[64];
	static bool made;
	if (!made)
		cr_assert_not_null(mkdtemp(dir));
	made = true;
	snprintf(path, sizeof path, "%s/c.ini", dir);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

static void cleanup(void)
{
	char path[64];
	snprintf(path, sizeof path, "%s/c.ini", dir);
	unlink(path);
	rmdir(dir);
}

TestSuite(kinds_config, .fini = cleanup);

Test(kinds_config, http_and_redis_sections)
{
	struct config c;
	struct mlc_err e;
	config_init(&c);
	const char *p = write_ini("[http grafana]\nurl = http://g:3000/api/health\n"
				  "expect_status = 200 3xx\nexpect_body = \"database\"\n"
				  "[redis cache]\nurl = redis://:pw@cache:6380/1\n",
				  0600);
	cr_assert_eq(config_read_file(&c, p, &e), 0, "%s", e.msg);
	struct target *g = config_target(&c, "grafana"), *r = config_target(&c, "cache");
	cr_assert_eq(g->kind, TK_HTTP);
	cr_assert_str_eq(g->expect_status[0], "200");
	cr_assert_str_eq(g->expect_status[1], "3xx");
	cr_assert_str_eq(g->expect_body, "\"database\"");
	cr_assert_eq(r->kind, TK_REDIS);
	char *ep = target_endpoint(r);
	cr_assert_str_eq(ep, "redis://:***@cache:6380/1", "the password masked");
	free(ep);
	config_free(&c);
}

static void read_fails(const char *text, mode_t mode, const char *want)
{
	struct config c;
	struct mlc_err e;
	config_init(&c);
	const char *p = write_ini(text, mode);
	cr_assert_lt(config_read_file(&c, p, &e), 0, "accepted: %s", text);
	cr_assert(strstr(e.msg, want), "%s: got %s", text, e.msg);
	cr_assert_null(strstr(e.msg, "hunter2"), "the password leaked: %s", e.msg);
	config_free(&c);
}

Test(kinds_config, errors)
{
	read_fails("[redis cache]\nurl = http://cache:6379\n", 0600, "expected a redis:// URL");
	read_fails("[http x]\nurl = redis://h\n", 0600, "expected an http:// or https:// URL");
	read_fails("[http x]\nexpect_body = ok\n", 0600, "[http x]: url is required");
	read_fails("[redis c]\npassword = hunter2\n", 0600, "[redis c]: url is required");
	read_fails("[http x]\nurl = http://h\nexpect_status = 2xx abc\n", 0600,
		   "expected HTTP statuses like 200 or 2xx");
	read_fails("[http x]\nurl = http://h\nexpect_status = 600\n", 0600, "expected HTTP");
	/* the password in a URL is a secret: a readable file is refused */
	read_fails("[redis c]\nurl = redis://:hunter2@h\n", 0644, "holds a secret (url)");
	read_fails("[redis c]\nurl = redis://hunter2@h\n", 0640, "holds a secret (url)");
	read_fails("[http x]\nurl = http://u:hunter2@h\n", 0644, "holds a secret (url)");
}

Test(kinds_config, rediscli_auth_fills_the_password_the_file_left_out)
{
	struct config c;
	struct mlc_err e;
	config_init(&c);
	const char *p = write_ini("[redis a]\nurl = redis://h\n[redis b]\nurl = redis://h2\n"
				  "password = fromfile\n",
				  0600);
	cr_assert_eq(config_read_file(&c, p, &e), 0, "%s", e.msg);
	setenv("REDISCLI_AUTH", "fromenv", 1);
	config_apply_env(&c);
	unsetenv("REDISCLI_AUTH");
	cr_assert_str_eq(config_target(&c, "a")->password, "fromenv");
	cr_assert_str_eq(config_target(&c, "b")->password, "fromfile");
	config_free(&c);
}

Test(kinds_http, expectations)
{
	struct mlc_err e;
	cr_assert_eq(http_check_expect(NULL, NULL, 204, "", 0, &e), 0);
	cr_assert_eq(http_check_expect(NULL, NULL, 302, "", 0, &e), -MLC_ERR_HTTP);
	cr_assert_str_eq(e.msg, "HTTP 302, expected 2xx");
	cr_assert_eq(http_check_expect(NULL, NULL, 401, "", 0, &e), -MLC_ERR_AUTH);
	char *st[] = {"200", "3xx", NULL};
	cr_assert_eq(http_check_expect(st, NULL, 301, "", 0, &e), 0);
	cr_assert_eq(http_check_expect(st, NULL, 204, "", 0, &e), -MLC_ERR_HTTP);
	cr_assert_str_eq(e.msg, "HTTP 204, expected 200 or 3xx");
	cr_assert_eq(http_check_expect(NULL, "PING", 200, "xxPINGxx", 8, &e), 0);
	cr_assert_eq(http_check_expect(NULL, "PING", 200, "PIN", 3, &e), -MLC_ERR_PROTO);
	cr_assert_str_eq(e.msg, "HTTP 200 but the body does not contain \"PING\" (got \"PIN\")");
	/* the body is searched by length, NUL bytes and all */
	cr_assert_eq(http_check_expect(NULL, "ok", 200, "\0\0ok", 4, &e), 0);
}

Test(kinds_http, version_when_there_is_one)
{
	char v[32];
	const char g[] = "{\"commit\":\"0c2a\",\"database\":\"ok\",\"version\":\"10.4.2\"}";
	http_parse_version(g, sizeof g - 1, v, sizeof v);
	cr_assert_str_eq(v, "10.4.2");
	const char *none[] = {"PING", "{\"version\": 3}", "[\"version\"]", "{\"version\":", ""};
	for (size_t i = 0; i < ARRAY_LEN(none); i++) {
		strcpy(v, "junk");
		cr_assert_eq(http_parse_version(none[i], strlen(none[i]), v, sizeof v), 0);
		cr_assert_str_eq(v, "", "%s", none[i]);
	}
}

/* ---- the degraded states the kinds' state steps read ------------------- */

static char *state_of(enum target_kind k, long status, const char *fixture, const char *body,
		      int *rc)
{
	static char why[160];
	size_t len = body ? strlen(body) : 0;
	char *data = fixture ? fixture_read(fixture, &len) : xstrdup(body);
	struct http_resp r = {.status = status, .body = data, .body_len = len};
	struct target t = {.kind = k, .name = "x"};
	struct mlc_err e;
	mlc_err_clear(&e);
	why[0] = '\0';
	const struct hk_http *h = &health_kind(k)->http;
	cr_assert_not_null(h->state, "kind %d has no state step", k);
	*rc = h->state(&t, &r, why, sizeof why, &e);
	free(data);
	return why;
}

/* Ray with a dead node answers every request: degraded, not ok (the
 * captured state API answer holds 3 ALIVE and 1 DEAD). */
Test(kinds, ray_dead_node_is_degraded)
{
	int rc;
	cr_assert_str_eq(state_of(TK_RAY, 200, "tests/fixtures/ray/state-nodes.json", NULL, &rc),
			 "1 of 4 nodes dead");
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(state_of(TK_RAY, 200, NULL,
				  "{\"result\":true,\"data\":{\"result\":{\"result\":"
				  "[{\"state\":\"ALIVE\"}]}}}",
				  &rc),
			 "", "every node alive: healthy");
	cr_assert_str_eq(state_of(TK_RAY, 200, NULL,
				  "{\"result\":true,\"data\":{\"result\":{\"result\":"
				  "[{\"state\":\"DEAD\"}]}}}",
				  &rc),
			 "no node alive (1 dead)");
	state_of(TK_RAY, 500, NULL, "boom", &rc);
	cr_assert_lt(rc, 0, "a failing nodes API is an error");
}

Test(kinds, minio_without_write_quorum_is_degraded)
{
	int rc;
	cr_assert_str_eq(state_of(TK_S3, 503, NULL, "", &rc),
			 "no write quorum (HTTP 503 from /minio/health/cluster)");
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(state_of(TK_S3, 200, NULL, "", &rc), "");
}

Test(kinds, prefect_pool_not_ready_is_degraded)
{
	int rc;
	cr_assert_str_eq(state_of(TK_PREFECT, 200, NULL,
				  "[{\"name\":\"gpu-k8s-pool\",\"status\":\"NOT_READY\"}]", &rc),
			 "work pool gpu-k8s-pool NOT_READY (no worker polling it)");
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(
	    state_of(TK_PREFECT, 200, "tests/fixtures/prefect/work-pools-filter.json", NULL, &rc),
	    "");
	cr_assert_str_eq(health_kind(TK_PREFECT)->http.state_body, "{}", "a POST");
}

Test(kinds, airflow_scheduler_unhealthy_is_degraded)
{
	size_t len;
	char *data = fixture_read("tests/fixtures/airflow/health-scheduler-down.json", &len);
	struct http_resp r = {.status = 200, .body = data, .body_len = len};
	struct target t = {.kind = TK_AIRFLOW, .name = "x"};
	struct mlc_err e;
	mlc_err_clear(&e);
	char why[160] = "";
	cr_assert_eq(health_kind(TK_AIRFLOW)->http.health(&t, &r, why, sizeof why, &e), 0);
	cr_assert_str_eq(why,
			 "scheduler unhealthy (last heartbeat 2024-02-05T09:58:40.002211+00:00)");
	free(data);
}
