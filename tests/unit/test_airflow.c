/* tests/unit/test_airflow.c — lib/airflow/airflow.c on the Airflow 2.9 v1
 * shapes of tests/fixtures/airflow (pages with total_entries, nullable
 * task states and durations, +00:00 timestamps) and the Airflow 3 v2 ones
 * of tests/fixtures/airflow/v2 (null logical_date, run_after, structured
 * logs, the token), the paths with their ids percent-encoded, then hostile
 * bodies. */
#include "lib/airflow/airflow.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "lib/core/isotime.h"
#include "lib/core/util.h"
#include "parse_fx.h"

#define FX     "tests/fixtures/airflow/"
#define LIT(s) s, sizeof(s) - 1

Test(airflow, runs_page_and_total)
{
	struct airflow_runs p;
	PARSE_FX(airflow_parse_runs, &p, FX "dag-runs-page1.json");
	cr_assert_eq(p.n, 2);
	cr_assert_eq(p.total, 4);
	cr_assert_str_eq(p.items[0].dag_id, "ml_train_churn");
	cr_assert_str_eq(p.items[0].run_id, "manual__2024-02-05T10:01:02.118844+00:00");
	cr_assert_str_eq(p.items[0].state, "queued");
	cr_assert_eq(p.items[0].start_ms, 0);
	cr_assert_not_null(strstr(p.items[0].conf, "\"epochs\":8"));
	cr_assert_str_eq(p.items[1].state, "running");
	cr_assert_null(p.items[1].conf); /* {} */
	cr_assert_eq(p.items[1].start_ms, iso_time_ms("2024-02-05T03:00:01.904321Z"));
	airflow_runs_free(&p);
	PARSE_FX(airflow_parse_runs, &p, FX "dag-runs-past-end.json");
	cr_assert_eq(p.n, 0);
	cr_assert_gt(p.total, 0);
	airflow_runs_free(&p);
	struct airflow_run r;
	PARSE_FX(airflow_parse_run, &r, FX "dag-run.json");
	cr_assert_not_null(r.run_id);
	airflow_run_free(&r);
}

Test(airflow, task_instances)
{
	struct airflow_tis t;
	PARSE_FX(airflow_parse_tis, &t, FX "task-instances.json");
	cr_assert_eq(t.n, 5);
	cr_assert_str_eq(t.items[1].task_id, "train_model");
	cr_assert_str_eq(t.items[1].state, "failed");
	cr_assert_eq(t.items[1].try_number, 2);
	cr_assert_float_eq(t.items[1].duration, 1004.09457, 1e-6);
	cr_assert_str_eq(t.items[2].state, "upstream_failed");
	cr_assert_float_eq(t.items[2].duration, -1, 1e-9); /* null */
	airflow_tis_free(&t);
	PARSE_FX(airflow_parse_tis, &t, FX "task-instances-running-run.json");
	for (size_t i = 0; i < t.n; i++)
		cr_assert_not_null(t.items[i].task_id);
	airflow_tis_free(&t);
}

Test(airflow, paths_percent_encode_ids)
{
	char *p = airflow_log_path("ml_train_churn", "scheduled__2024-01-22T03:00:00+00:00",
				   "train model", 2);
	cr_assert_str_eq(p,
			 "/dags/ml_train_churn/dagRuns/scheduled__2024-01-22T03%3A00%3A00%2B00%3A00"
			 "/taskInstances/train%20model/logs/2?full_content=true");
	free(p);
	p = airflow_tis_path("d/../x", "r?1");
	cr_assert_str_eq(p, "/dags/d%2F..%2Fx/dagRuns/r%3F1/taskInstances?limit=100");
	free(p);
	p = airflow_pause_path("a b");
	cr_assert_str_eq(p, "/dags/a%20b?update_mask=is_paused");
	free(p);
	p = airflow_runs_path(AIRFLOW_API_V1, 100, 200);
	cr_assert_str_eq(p, "/dags/~/dagRuns?limit=100&offset=200&order_by=-execution_date");
	free(p);
	p = airflow_runs_path(AIRFLOW_API_V2, 100, 200);
	cr_assert_str_eq(p, "/dags/~/dagRuns?limit=100&offset=200&order_by=-run_after");
	free(p);
	p = airflow_trigger_body(AIRFLOW_API_V1);
	cr_assert_str_eq(p, "{\"conf\":{}}");
	free(p);
	p = airflow_trigger_body(AIRFLOW_API_V2);
	cr_assert_str_eq(p, "{\"logical_date\":null,\"conf\":{}}");
	free(p);
	p = airflow_log_next_path("d", "r+1", "t", 2, "eyJ.a+b/c=");
	cr_assert_str_eq(p, "/dags/d/dagRuns/r%2B1/taskInstances/t/logs/2?token=eyJ.a%2Bb%2Fc%3D");
	free(p);
	p = airflow_clear_path("a b");
	cr_assert_str_eq(p, "/dags/a%20b/clearTaskInstances");
	free(p);
	p = airflow_clear_body("scheduled__2024-01-22T03:00:00+00:00", "train_model", true);
	cr_assert_str_eq(p, "{\"dry_run\":true,\"task_ids\":[\"train_model\"],\"dag_run_id\":"
			    "\"scheduled__2024-01-22T03:00:00+00:00\",\"only_failed\":false,"
			    "\"include_downstream\":true,\"reset_dag_runs\":true}");
	free(p);
	p = airflow_token_body("admin", "p\"w\\d");
	cr_assert_str_eq(p, "{\"username\":\"admin\",\"password\":\"p\\\"w\\\\d\"}");
	free(p);
	p = airflow_pause_body(true);
	cr_assert_str_eq(p, "{\"is_paused\":true}");
	free(p);
}

Test(airflow, dag_toggle)
{
	struct airflow_dag d;
	struct mlc_err e;
	cr_assert_eq(airflow_parse_dag(&d, LIT("{\"dag_id\":\"x\",\"is_paused\":true}"), &e), 0);
	cr_assert(d.is_paused);
	airflow_dag_free(&d);
	cr_assert_lt(airflow_parse_dag(&d, LIT("{\"dag_id\":\"x\",\"is_paused\":\"yes\"}"), &e), 0);
	cr_assert_not_null(strstr(e.msg, "is_paused: expected boolean"), "%s", e.msg);
}

Test(airflow, hostile_bodies)
{
	struct airflow_runs p;
	struct mlc_err e;
	static const struct {
		const char *body;
		const char *want;
	} bad[] = {
	    {"[]", "(root): expected object"},
	    {"{}", "dag_runs: expected array"},
	    {"{\"dag_runs\":[],\"total_entries\":\"4\"}", "total_entries: expected integer"},
	    {"{\"dag_runs\":[7]}", "dag_runs[0]: expected object"},
	    {"{\"dag_runs\":[{\"dag_id\":\"a\",\"dag_run_id\":\"b\",\"state\":1}]}",
	     "dag_runs[0].state: expected string"},
	    {"{\"dag_runs\":[{\"dag_id\":\"a\"}]}", "dag_runs[0].dag_run_id: expected string"},
	    {"{\"dag_runs\":[", "airflow"},
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		mlc_err_clear(&e);
		cr_assert_lt(airflow_parse_runs(&p, bad[i].body, strlen(bad[i].body), &e), 0, "%s",
			     bad[i].body);
		cr_assert_not_null(strstr(e.msg, bad[i].want), "%s -> %s", bad[i].body, e.msg);
	}
	const char hostile[] = "{\"dag_runs\":[{\"dag_id\":\"\\u001b]0;pwn\\u0007\",\"dag_run_id\":"
			       "\"r\\u202e\",\"start_date\":\"2024-13-45T99:00:00Z\"}]}";
	cr_assert_eq(airflow_parse_runs(&p, LIT(hostile), &e), 0, "%s", e.msg);
	cr_assert_str_eq(p.items[0].dag_id, "\x1b]0;pwn\x07");
	cr_assert_eq(p.items[0].start_ms, 0);
	cr_assert_eq(p.total, 1);
	airflow_runs_free(&p);
	size_t len;
	char *b = fixture_read(FX "task-instances.json", &len);
	struct airflow_tis t;
	for (size_t cut = 0; cut < len; cut += 61)
		if (airflow_parse_tis(&t, b, cut, &e) == 0)
			airflow_tis_free(&t);
	free(b);
}

#define FX2 FX "v2/"

Test(airflow, v2_runs_without_execution_date)
{
	struct airflow_runs p;
	PARSE_FX(airflow_parse_runs, &p, FX2 "dag-runs-page1.json");
	cr_assert_eq(p.n, 2);
	cr_assert_eq(p.total, 4);
	cr_assert_eq(p.items[0].logical_ms, 0); /* null: triggered without one */
	cr_assert_eq(p.items[0].run_after_ms, iso_time_ms("2024-02-05T10:01:02.118844Z"));
	cr_assert_str_eq(p.items[0].display_name, "ml_train_churn");
	cr_assert_eq(p.items[1].logical_ms, iso_time_ms("2024-01-29T03:00:00Z"));
	cr_assert_eq(p.items[1].start_ms, iso_time_ms("2024-02-05T03:00:01.904321Z"));
	airflow_runs_free(&p);
	struct airflow_run r;
	PARSE_FX(airflow_parse_run, &r, FX2 "dag-run-triggered.json");
	cr_assert_str_eq(r.run_id, "manual__2024-02-05T11:20:41.402218+00:00");
	cr_assert_str_eq(r.state, "queued");
	airflow_run_free(&r);
	struct airflow_tis t;
	PARSE_FX(airflow_parse_tis, &t, FX2 "task-instances.json");
	cr_assert_eq(t.n, 2);
	cr_assert_str_eq(t.items[0].task_id, "train_model");
	cr_assert_eq(t.items[0].try_number, 2);
	cr_assert_null(t.items[1].hostname);
	cr_assert_float_eq(t.items[1].duration, -1, 1e-9);
	airflow_tis_free(&t);
}

Test(airflow, v2_log_entries_as_lines)
{
	size_t len, n;
	char *b = fixture_read(FX2 "task-log.json", &len), *text, *tok;
	struct mlc_err e;
	cr_assert_eq(airflow_parse_log_v2(&text, &n, &tok, b, len, &e), 0, "%s", e.msg);
	cr_assert_eq(n, strlen(text));
	cr_assert_str_eq(
	    text, "Log message source details\n"
		  "[2024-01-29T03:07:12.811000Z] {task.stdout} INFO - [base] epoch=1 loss=0.6931 "
		  "auc=0.702\n"
		  "[2024-01-29T03:15:40.102000Z] {airflow.task} WARNING - GPU memory at 97%\n"
		  "[2024-01-29T03:23:56.411000Z] {task} ERROR - Task failed with exception\n"
		  "  File \"/opt/airflow/dags/ml_train_churn.py\", line 88, in train_model\n"
		  "  File \"/usr/local/lib/python3.12/site-packages/torch/nn/modules/module.py\", "
		  "line 1553, in _call_impl\n"
		  "RuntimeError: CUDA out of memory\n"
		  "[2024-01-29T03:23:56.597000Z] {task.stdout} INFO - Task instance in failure "
		  "state\n");
	cr_assert_str_eq(tok,
			 "eyJlbmRfb2ZfbG9nIjp0cnVlLCJsb2dfcG9zIjo2fQ.bQfK3mWJ0c9Q2l7H8xTt3yQ6cPU");
	free(text);
	free(tok);
	free(b);
	/* strings instead of entries (the other shape the spec allows), no token */
	cr_assert_eq(airflow_parse_log_v2(&text, &n, &tok, LIT("{\"content\":[\"a\",\"b\"]}"), &e),
		     0);
	cr_assert_str_eq(text, "a\nb\n");
	cr_assert_null(tok);
	free(text);
	static const struct {
		const char *body, *want;
	} bad[] = {
	    {"[]", "(root): expected object"},
	    {"{\"content\":\"text\"}", "content: expected array"},
	    {"{\"content\":[7]}", "content[0]: expected object or string"},
	    {"{\"content\":[],\"continuation_token\":5}", "continuation_token: expected string"},
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		cr_assert_lt(
		    airflow_parse_log_v2(&text, &n, &tok, bad[i].body, strlen(bad[i].body), &e), 0);
		cr_assert_not_null(strstr(e.msg, bad[i].want), "%s -> %s", bad[i].body, e.msg);
		cr_assert_null(text);
	}
}

Test(airflow, v2_token_and_version)
{
	char *s;
	PARSE_FX(airflow_parse_token, &s, FX2 "auth-token.json");
	cr_assert(!strncmp(s, "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.", 37));
	free(s);
	char v[16];
	size_t len;
	char *b = fixture_read(FX2 "version.json", &len);
	struct mlc_err e;
	cr_assert_eq(airflow_parse_version(b, len, v, sizeof v, &e), 0, "%s", e.msg);
	cr_assert_str_eq(v, "3.0.2");
	free(b);
	cr_assert_lt(airflow_parse_token(&s, LIT("{\"detail\":\"Invalid credentials\"}"), &e), 0);
	cr_assert_not_null(strstr(e.msg, "access_token: expected string"), "%s", e.msg);
	cr_assert_null(s);
}

Test(airflow, dags_and_pools)
{
	struct airflow_dags d;
	PARSE_FX(airflow_parse_dags, &d, FX "dags.json");
	cr_assert_eq(d.n, 4);
	cr_assert_str_eq(d.items[0].dag_id, "batch_scoring_hourly");
	cr_assert(d.items[0].paused);
	cr_assert_str_eq(d.items[0].schedule, "every 1h"); /* TimeDelta, no description */
	cr_assert_str_eq(d.items[0].tags, "ml inference");
	cr_assert_eq(d.items[0].next_ms, iso_time_ms("2024-02-05T09:00:00+00:00"));
	cr_assert_str_eq(d.items[1].schedule, "At 01:30");
	cr_assert_null(d.items[3].tags);
	cr_assert_eq(d.items[3].next_ms, 0);
	cr_assert_not(d.items[3].import_errors);
	airflow_dags_free(&d);
	struct mlc_err e;
	const char v2[] =
	    "{\"dags\":[{\"dag_id\":\"x\",\"is_paused\":false,\"timetable_summary\":"
	    "\"0 3 * * *\",\"next_dagrun_logical_date\":null,\"next_dagrun_run_after\":"
	    "\"2025-01-02T03:00:00Z\",\"has_import_errors\":true,\"tags\":[{\"name\":"
	    "\"a\",\"dag_id\":\"x\"}]}],\"total_entries\":1}";
	cr_assert_eq(airflow_parse_dags(&d, LIT(v2), &e), 0, "%s", e.msg);
	cr_assert_str_eq(d.items[0].schedule, "0 3 * * *");
	cr_assert_eq(d.items[0].next_ms, iso_time_ms("2025-01-02T03:00:00Z"));
	cr_assert(d.items[0].import_errors);
	cr_assert_str_eq(d.items[0].tags, "a");
	airflow_dags_free(&d);
	cr_assert_lt(
	    airflow_parse_dags(&d, LIT("{\"dags\":[{\"dag_id\":\"x\",\"is_paused\":\"no\"}]}"), &e),
	    0);
	cr_assert_not_null(strstr(e.msg, "dags[0].is_paused: expected boolean"), "%s", e.msg);
	struct airflow_pools p;
	PARSE_FX(airflow_parse_pools, &p, FX "pools.json");
	cr_assert_eq(p.n, 3);
	cr_assert_eq(p.total, 3);
	cr_assert_str_eq(p.items[1].name, "gpu_pool");
	cr_assert_eq(p.items[1].slots, 2);
	cr_assert_eq(p.items[1].open, 0);
	cr_assert_eq(p.items[1].queued, 3);
	cr_assert_eq(p.items[0].running, 2);
	airflow_pools_free(&p);
	cr_assert_lt(
	    airflow_parse_pools(&p, LIT("{\"pools\":[{\"name\":\"a\",\"slots\":1.5}]}"), &e), 0);
	cr_assert_not_null(strstr(e.msg, "pools[0].slots: expected integer"), "%s", e.msg);
}

Test(airflow, probe_paths_by_url)
{
	cr_assert_str_eq(airflow_probe_path("http://h:8080/api/v1", true), "/health");
	cr_assert_str_eq(airflow_probe_path("http://h:8080/api/v1/", false), "/version");
	cr_assert_str_eq(airflow_probe_path("http://h:8080/api/v2", true), "/monitor/health");
	cr_assert_str_eq(airflow_probe_path("http://h:8080/api/v2", false), "/version");
	cr_assert_str_eq(airflow_probe_path("http://h:8080", true), "/api/v2/monitor/health");
	cr_assert_str_eq(airflow_probe_path("http://h:8080/", false), "/api/v2/version");
	cr_assert_str_eq(airflow_probe_path(NULL, true), "/api/v2/monitor/health");
}

Test(airflow, health_components)
{
	struct airflow_components c;
	PARSE_FX(airflow_parse_components, &c, FX "health.json");
	cr_assert(c.present[0] && c.present[1] && c.present[2] && c.present[3]);
	cr_assert_str_eq(c.name[1], "scheduler");
	cr_assert_str_eq(c.status[1], "healthy");
	cr_assert_eq(c.heartbeat_ms[1], iso_time_ms("2024-02-05T10:15:02.104832+00:00"));
	cr_assert_null(c.status[3]); /* dag_processor never ran */
	cr_assert_eq(c.heartbeat_ms[3], 0);
	cr_assert_eq(c.heartbeat_ms[0], 0);
	airflow_components_free(&c);
	struct mlc_err e;
	cr_assert_eq(
	    airflow_parse_components(&c, LIT("{\"scheduler\":{\"status\":\"unhealthy\"}}"), &e), 0);
	cr_assert(!c.present[0] && c.present[1] && !c.present[3]);
	cr_assert_str_eq(c.status[1], "unhealthy");
	airflow_components_free(&c);
	cr_assert_lt(airflow_parse_components(&c, LIT("[]"), &e), 0);
	cr_assert_not_null(strstr(e.msg, "expected an object"), "%s", e.msg);
}
