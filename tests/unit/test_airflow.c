/* tests/unit/test_airflow.c — lib/airflow/airflow.c on the Airflow 2.9 v1
 * shapes of tests/fixtures/airflow (pages with total_entries, nullable
 * task states and durations, +00:00 timestamps), the paths with their ids
 * percent-encoded, then hostile bodies. */
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
	p = airflow_runs_path(100, 200);
	cr_assert_str_eq(p, "/dags/~/dagRuns?limit=100&offset=200&order_by=-execution_date");
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
