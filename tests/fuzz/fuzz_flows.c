/* tests/fuzz/fuzz_flows.c — every Prefect and Airflow parser of
 * lib/prefect (prefect.c, prefect_deps.c) and lib/airflow (airflow.c,
 * airflow_dags.c: v1 and v2 shapes, v2's structured logs, the token), and
 * lib/core/isotime, on arbitrary bytes. Oracles: a failed parse leaves an error naming what
 * it parsed and an empty result; a successful one has an id on every run
 * and task, and counts that fit; the 422 detail fits its buffer. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lib/airflow/airflow.h"
#include "lib/core/isotime.h"
#include "lib/prefect/prefect.h"

static void check_err(int rc, const struct mlc_err *e)
{
	if (rc == 0)
		return;
	FUZZ_CHECK(rc < 0 && e->code == -rc, "rc matches err.code");
	FUZZ_CHECK(e->msg[0] != '\0', "an error has a message");
}

static void prefect(const char *body, size_t size)
{
	struct mlc_err e;
	int rc;
	struct prefect_runs runs;
	rc = prefect_parse_runs(&runs, body, size, &e);
	check_err(rc, &e);
	FUZZ_CHECK(rc == 0 || (runs.n == 0 && !runs.items), "failed page is empty");
	for (size_t i = 0; i < runs.n; i++)
		FUZZ_CHECK(runs.items[i].id != NULL, "a run has an id");
	prefect_runs_free(&runs);
	struct prefect_run r;
	check_err(prefect_parse_run(&r, body, size, &e), &e);
	prefect_run_free(&r);
	struct prefect_flows f;
	check_err(prefect_parse_flows(&f, body, size, &e), &e);
	prefect_flows_free(&f);
	struct prefect_states s;
	check_err(prefect_parse_states(&s, body, size, &e), &e);
	prefect_states_free(&s);
	struct prefect_task_runs t;
	check_err(prefect_parse_task_runs(&t, body, size, &e), &e);
	prefect_task_runs_free(&t);
	struct prefect_logs l;
	check_err(prefect_parse_logs(&l, body, size, &e), &e);
	prefect_logs_free(&l);
	struct prefect_set_state ss;
	rc = prefect_parse_set_state(&ss, body, size, &e);
	check_err(rc, &e);
	FUZZ_CHECK(rc != 0 || ss.status != NULL, "an answer has a status");
	prefect_set_state_free(&ss);
	struct prefect_deployments dp;
	rc = prefect_parse_deployments(&dp, body, size, &e);
	check_err(rc, &e);
	FUZZ_CHECK(rc == 0 || (dp.n == 0 && !dp.items), "failed list is empty");
	for (size_t i = 0; i < dp.n; i++)
		FUZZ_CHECK(dp.items[i].id && dp.items[i].name, "a deployment has its id and name");
	prefect_deployments_free(&dp);
	struct prefect_pools pl;
	rc = prefect_parse_pools(&pl, body, size, &e);
	check_err(rc, &e);
	for (size_t i = 0; i < pl.n; i++)
		FUZZ_CHECK(pl.items[i].name != NULL, "a pool has a name");
	prefect_pools_free(&pl);
	char out[64];
	prefect_422_detail(body, size, out, sizeof out);
	FUZZ_CHECK(strlen(out) < sizeof out, "detail fits");
}

static void airflow(const char *body, size_t size)
{
	struct mlc_err e;
	int rc;
	struct airflow_runs runs;
	rc = airflow_parse_runs(&runs, body, size, &e);
	check_err(rc, &e);
	FUZZ_CHECK(rc == 0 || (runs.n == 0 && !runs.items), "failed page is empty");
	for (size_t i = 0; i < runs.n; i++)
		FUZZ_CHECK(runs.items[i].run_id && runs.items[i].dag_id, "a run has its ids");
	airflow_runs_free(&runs);
	struct airflow_tis t;
	rc = airflow_parse_tis(&t, body, size, &e);
	check_err(rc, &e);
	for (size_t i = 0; i < t.n; i++)
		FUZZ_CHECK(t.items[i].task_id != NULL, "a task has an id");
	airflow_tis_free(&t);
	struct airflow_run r;
	check_err(airflow_parse_run(&r, body, size, &e), &e);
	airflow_run_free(&r);
	struct airflow_dag d;
	check_err(airflow_parse_dag(&d, body, size, &e), &e);
	airflow_dag_free(&d);
	struct airflow_dags ds;
	rc = airflow_parse_dags(&ds, body, size, &e);
	check_err(rc, &e);
	for (size_t i = 0; i < ds.n; i++)
		FUZZ_CHECK(ds.items[i].dag_id != NULL, "a DAG has an id");
	airflow_dags_free(&ds);
	struct airflow_pools ps;
	rc = airflow_parse_pools(&ps, body, size, &e);
	check_err(rc, &e);
	for (size_t i = 0; i < ps.n; i++)
		FUZZ_CHECK(ps.items[i].name != NULL, "a pool has a name");
	airflow_pools_free(&ps);
	char *text, *token;
	size_t len;
	rc = airflow_parse_log_v2(&text, &len, &token, body, size, &e);
	check_err(rc, &e);
	FUZZ_CHECK(rc == 0 ? text && strlen(text) == len : !text && !token,
		   "a log is text of its length, a failed one nothing");
	free(text);
	free(token);
	char *tok;
	rc = airflow_parse_token(&tok, body, size, &e);
	check_err(rc, &e);
	FUZZ_CHECK(rc == 0 ? tok != NULL : tok == NULL, "a token, or none");
	free(tok);
	char v[32];
	check_err(airflow_parse_version(body, size, v, sizeof v, &e), &e);
	char why[64] = "";
	check_err(airflow_parse_health(body, size, why, sizeof why, &e), &e);
	FUZZ_CHECK(strlen(why) < sizeof why, "why fits");
	struct airflow_components comp;
	check_err(airflow_parse_components(&comp, body, size, &e), &e);
	airflow_components_free(&comp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size + 1);
	if (size)
		memcpy(body, data, size);
	body[size] = '\0';
	prefect(body, size);
	airflow(body, size);
	(void)iso_time_ms(body);
	free(body);
	return 0;
}
