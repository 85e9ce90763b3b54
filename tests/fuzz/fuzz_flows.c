/* tests/fuzz/fuzz_flows.c — every Prefect and Airflow parser of
 * lib/prefect/prefect.c and lib/airflow/airflow.c, and lib/core/isotime,
 * on arbitrary bytes. Oracles: a failed parse leaves an error naming what
 * it parsed and an empty result; a successful one has an id on every run
 * and task, and counts that fit; the 422 detail fits its buffer. */
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
