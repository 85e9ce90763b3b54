/* tests/integ/test_airflow_api.c — which API lib/airflow/airflowc.c speaks,
 * and what it costs, by every request a simulator of the test's own
 * received: a url naming /api/v1 is used straight away (no /api/v2/version
 * probe, basic auth), one naming /api/v2 gets its token and no probe; when
 * the named API answers 404 (an Airflow 3 has no /api/v1, an Airflow 2 no
 * /auth/token) the client probes and goes on with what the server speaks;
 * a root url probes v2 then v1. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/airflow/airflowc.h"
#include "lib/core/config.h"
#include "flows_got.h"
#include "simproc.h"
#include "stackenv.h"

TestSuite(airflow_api, .timeout = 60);

/* The test's own simulator (Airflow 3 when v3) and a client of it, at the
 * url of its root and suffix (url: the caller's, 96 bytes). */
struct side {
	struct simproc s;
	char url[96];
	struct target t;
	struct airflowc c;
};

static void side_start(struct side *x, const char *suffix, bool v3)
{
	static const char *const v3_args[] = {"--v3", NULL};
	simproc_start(&x->s, "airflow_sim.py", v3 ? v3_args : NULL);
	snprintf(x->url, sizeof x->url, "http://127.0.0.1:%d%s", x->s.port, suffix);
	x->t = (struct target){.name = "airflow",
			       .kind = TK_AIRFLOW,
			       .url = x->url,
			       .username = "admin",
			       .password = "admin"};
	airflowc_init(&x->c, &x->t);
}

/* The requests the simulator received, in order; both stopped. */
static char *side_stop(struct side *x)
{
	char *got = simproc_requests(&x->s);
	airflowc_free(&x->c);
	simproc_stop(&x->s);
	return got;
}

/* One page of 3 runs from the simulator (Airflow 3 when v3) at url's
 * suffix; the requests it received, in order. */
static char *runs_via(const char *suffix, bool v3, const char **api)
{
	struct side x;
	side_start(&x, suffix, v3);
	struct got g = {.size = sizeof(struct airflow_runs)};
	airflowc_runs(&x.c, 3, 0, got_cb, &g);
	WAIT(g);
	cr_assert(g.ok, "%s", g.err.msg);
	cr_assert_eq(g.calls, 1);
	struct airflow_runs *r = (void *)g.res;
	cr_assert_eq(r->n, 3);
	airflow_runs_free(r);
	*api = airflowc_api_name(&x.c);
	return side_stop(&x);
}

/* The API url's suffix ends at, and every request the server received. */
static void expect(const char *suffix, bool v3, const char *api, const char *requests)
{
	const char *got_api;
	char *got = runs_via(suffix, v3, &got_api);
	cr_assert_str_eq(got_api, api, "%s", suffix);
	cr_assert_str_eq(got, requests, "%s", suffix);
	free(got);
}

Test(airflow_api, a_v1_url_is_used_without_a_probe)
{
	expect("/api/v1", false, "v1", "GET /api/v1/dags/~/dagRuns\n");
}

Test(airflow_api, a_v2_url_gets_its_token_without_a_probe)
{
	expect("/api/v2", true, "v2", "POST /auth/token\nGET /api/v2/dags/~/dagRuns\n");
}

Test(airflow_api, a_v1_url_on_airflow_3_probes_after_its_404)
{
	expect("/api/v1", true, "v2",
	       "GET /api/v1/dags/~/dagRuns\nGET /api/v2/version\nPOST /auth/token\n"
	       "GET /api/v2/dags/~/dagRuns\n");
}

Test(airflow_api, a_v2_url_on_airflow_2_probes_after_its_404)
{
	expect("/api/v2", false, "v1",
	       "POST /auth/token\nGET /api/v2/version\nGET /api/v1/dags/~/dagRuns\n");
}

Test(airflow_api, a_root_url_probes_v2_then_v1)
{
	expect("", false, "v1", "GET /api/v2/version\nGET /api/v1/dags/~/dagRuns\n");
	expect("/", true, "v2",
	       "GET /api/v2/version\nPOST /auth/token\nGET /api/v2/dags/~/dagRuns\n");
}

/* A 404 about the thing asked for, once the API has answered, is the
 * answer: no probe. */
Test(airflow_api, a_404_after_the_api_answered_is_reported)
{
	struct side x;
	side_start(&x, "/api/v1", false);
	struct got g = {.size = sizeof(struct airflow_runs)},
		   h = {.size = sizeof(struct airflow_text)};
	airflowc_runs(&x.c, 1, 0, got_cb, &g);
	WAIT(g);
	cr_assert(g.ok, "%s", g.err.msg);
	airflow_runs_free((void *)g.res);
	airflowc_log(&x.c, "ml_train_churn", "no-such-run", "train_model", 1, got_cb, &h);
	WAIT(h);
	cr_assert_not(h.ok);
	cr_assert_eq(h.err.detail, 404, "%s", h.err.msg);
	char *got = side_stop(&x);
	cr_assert_str_eq(got, "GET /api/v1/dags/~/dagRuns\n"
			      "GET /api/v1/dags/ml_train_churn/dagRuns/no-such-run/taskInstances/"
			      "train_model/logs/1\n");
	free(got);
}
