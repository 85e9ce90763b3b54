/* tests/integ/test_flowsc.c — lib/prefect/prefectc.c and lib/airflow/airflowc.c
 * against the stack's Prefect and Airflow simulators ($MLC_STACK_DIR/env:
 * PREFECT_PORT, AIRFLOW_PORT): a runs page and its state filter, the flow
 * join, a 422 with its validation list, set_state answered REJECT with its
 * reason, Airflow pages with total_entries, a log behind a run id that holds
 * ':' and '+', wrong credentials as a 401, and a pause undone. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/airflow/airflowc.h"
#include "lib/core/config.h"
#include "lib/core/http.h"
#include "lib/core/util.h"
#include "lib/prefect/prefectc.h"
#include "flows_got.h"
#include "stackenv.h"

static struct target PT, AT;
static struct prefectc P;
static struct airflowc A;

static void setup(void)
{
	static char purl[64], aurl[64];
	const char *pp = stackenv("PREFECT_PORT"), *ap = stackenv("AIRFLOW_PORT");
	cr_assert(pp && ap, "PREFECT_PORT or AIRFLOW_PORT missing from the stack env");
	snprintf(purl, sizeof purl, "http://127.0.0.1:%s/api", pp);
	snprintf(aurl, sizeof aurl, "http://127.0.0.1:%s/api/v1", ap);
	PT = (struct target){.name = "prefect", .kind = TK_PREFECT, .url = purl};
	AT = (struct target){.name = "airflow",
			     .kind = TK_AIRFLOW,
			     .url = aurl,
			     .username = "admin",
			     .password = "admin"};
	prefectc_init(&P, &PT);
	airflowc_init(&A, &AT);
}

static void teardown(void)
{
	prefectc_free(&P);
	airflowc_free(&A);
}

TestSuite(flowsc, .init = setup, .fini = teardown, .timeout = 60);

Test(flowsc, prefect_runs_state_filter_and_flow_join)
{
	struct got g = {.size = sizeof(struct prefect_runs)};
	const char *types[] = {"FAILED", "CRASHED", NULL};
	prefectc_runs(&P, types, 200, 0, got_cb, &g);
	WAIT(g);
	cr_assert(g.ok, "%s", g.err.msg);
	struct prefect_runs *r = (void *)g.res;
	cr_assert_geq(r->n, 2);
	const char *ids[8];
	size_t nids = 0;
	for (size_t i = 0; i < r->n; i++) {
		cr_assert(!strcmp(r->items[i].state_type, "FAILED") ||
			      !strcmp(r->items[i].state_type, "CRASHED"),
			  "%s", r->items[i].state_type);
		if (nids < 8)
			ids[nids++] = r->items[i].flow_id;
	}
	struct got f = {.size = sizeof(struct prefect_flows)};
	prefectc_flows(&P, ids, nids, got_cb, &f);
	WAIT(f);
	cr_assert(f.ok, "%s", f.err.msg);
	struct prefect_flows *fl = (void *)f.res;
	cr_assert_gt(fl->n, 0);
	cr_assert_eq(f.calls, 1);
	prefect_flows_free(fl);
	prefect_runs_free(r);
}

Test(flowsc, prefect_422_lists_what_the_server_said)
{
	struct got g = {.size = sizeof(struct prefect_states)};
	prefectc_states(&P, "not-a-uuid", got_cb, &g);
	WAIT(g);
	cr_assert_not(g.ok);
	cr_assert_not_null(strstr(g.err.msg, "HTTP 422"), "%s", g.err.msg);
	cr_assert_not_null(strstr(g.err.msg, "flow_run_id"), "%s", g.err.msg);
}

Test(flowsc, prefect_cancel_of_a_late_run_is_rejected)
{
	struct got g = {.size = sizeof(struct prefect_set_state)};
	prefectc_set_state(&P, "ac555e60-1eda-4454-a671-3b36a80401c2", "CANCELLING", "from a test",
			   got_cb, &g);
	WAIT(g);
	cr_assert(g.ok, "%s", g.err.msg);
	struct prefect_set_state *s = (void *)g.res;
	cr_assert_str_eq(s->status, "REJECT");
	cr_assert_str_eq(s->reason, "Scheduled flow run has no infrastructure to terminate.");
	prefect_set_state_free(s);
	sim_reset("PREFECT_PORT");
}

Test(flowsc, airflow_pages_with_total_entries)
{
	struct got g = {.size = sizeof(struct airflow_runs)};
	airflowc_runs(&A, 10, 0, got_cb, &g);
	WAIT(g);
	cr_assert(g.ok, "%s", g.err.msg);
	struct airflow_runs *r = (void *)g.res;
	cr_assert_eq(r->n, 10);
	long total = r->total;
	cr_assert_gt(total, 10);
	airflow_runs_free(r);
	struct got e = {.size = sizeof(struct airflow_runs)};
	airflowc_runs(&A, 10, (int)total + 5, got_cb, &e);
	WAIT(e);
	r = (void *)e.res;
	cr_assert_eq(r->n, 0);
	cr_assert_eq(r->total, total);
	airflow_runs_free(r);
}

Test(flowsc, airflow_log_of_a_run_id_with_colons_and_plus)
{
	struct got g = {.size = sizeof(struct airflow_text)};
	airflowc_log(&A, "ml_train_churn", "scheduled__2024-01-22T03:00:00+00:00", "train_model", 2,
		     got_cb, &g);
	WAIT(g);
	cr_assert(g.ok, "%s", g.err.msg);
	struct airflow_text *t = (void *)g.res;
	cr_assert_not_null(strstr(t->text, "Starting attempt 2"), "%.200s", t->text);
	free(t->text);
}

Test(flowsc, airflow_wrong_password_is_a_401)
{
	struct target bad = AT;
	bad.password = "wrong";
	struct airflowc c;
	airflowc_init(&c, &bad);
	struct got g = {.size = sizeof(struct airflow_runs)};
	airflowc_runs(&c, 10, 0, got_cb, &g);
	WAIT(g);
	cr_assert_not(g.ok);
	cr_assert_eq(g.err.code, MLC_ERR_AUTH);
	cr_assert_not_null(strstr(g.err.msg, "HTTP 401"), "%s", g.err.msg);
	cr_assert_not_null(strstr(g.err.msg, "Unauthorized"), "%s", g.err.msg);
	airflowc_free(&c);
}

Test(flowsc, airflow_pause_and_unpause)
{
	for (int paused = 1; paused >= 0; paused--) {
		struct got g = {.size = sizeof(struct airflow_dag)};
		airflowc_pause(&A, "feature_etl_daily", paused, got_cb, &g);
		WAIT(g);
		cr_assert(g.ok, "%s", g.err.msg);
		struct airflow_dag *d = (void *)g.res;
		cr_assert_str_eq(d->dag_id, "feature_etl_daily");
		cr_assert_eq(d->is_paused, paused);
		airflow_dag_free(d);
	}
	sim_reset("AIRFLOW_PORT");
}

/* A log read in pages of 7 by timestamp (after_ includes the time: the
 * lines at it already held are skipped) is the log read at once. */
Test(flowsc, prefect_logs_paged_by_timestamp)
{
	struct got g = {.size = sizeof(struct prefect_runs)};
	const char *types[] = {"FAILED", NULL};
	prefectc_runs(&P, types, 200, 0, got_cb, &g);
	WAIT(g);
	cr_assert(g.ok, "%s", g.err.msg);
	struct prefect_runs *runs = (void *)g.res;
	cr_assert_geq(runs->n, 1);
	char *id = xstrdup(runs->items[0].id);
	prefect_runs_free(runs);
	struct got a = {.size = sizeof(struct prefect_logs)};
	prefectc_logs(&P, id, 0, 200, got_cb, &a);
	WAIT(a);
	cr_assert(a.ok, "%s", a.err.msg);
	struct prefect_logs all = *(struct prefect_logs *)a.res;
	cr_assert_gt(all.n, 20);
	size_t seen = 0;
	int64_t last = 0;
	int at_last = 0;
	for (int pages = 0; pages < 100; pages++) {
		struct got p = {.size = sizeof(struct prefect_logs)};
		prefectc_logs(&P, id, last, 7, got_cb, &p);
		WAIT(p);
		cr_assert(p.ok, "%s", p.err.msg);
		struct prefect_logs *pg = (void *)p.res;
		size_t added = 0;
		int skip = at_last;
		for (size_t i = 0; i < pg->n; i++) {
			if (pg->items[i].ts_ms == last && skip > 0) {
				skip--;
				continue;
			}
			cr_assert_lt(seen, all.n);
			cr_assert_str_eq(pg->items[i].message, all.items[seen].message, "line %zu",
					 seen);
			at_last = pg->items[i].ts_ms == last ? at_last + 1 : 1;
			last = pg->items[i].ts_ms;
			seen++;
			added++;
		}
		size_t n = pg->n;
		prefect_logs_free(pg);
		if (n < 7 || !added)
			break;
	}
	cr_assert_eq(seen, all.n);
	prefect_logs_free(&all);
	free(id);
}
