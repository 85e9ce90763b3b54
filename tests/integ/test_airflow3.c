/* tests/integ/test_airflow3.c — lib/airflow/airflowc.c against the stack's
 * Airflow simulator speaking Airflow 3 (its request mode v3: the base URL
 * ends in /__mode/v3) and Airflow 2: the probe of /api/v2/version and the
 * fall back to v1, the bearer token from /auth/token and a new one after a
 * 401 "Token Expired" (the simulator's reset expires every token), wrong
 * credentials, v2's shapes (run_after, structured logs; the trigger with a
 * null logical_date is in the screen test flows_airflow3, which runs alone),
 * a 422 detail list, and calls cancelled while the probe is in flight. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/airflow/airflowc.h"
#include "lib/core/config.h"
#include "lib/core/http.h"
#include "lib/core/util.h"
#include "flows_got.h"
#include "stackenv.h"

static char v3url[96], v1url[96];

static void setup(void)
{
	const char *ap = stackenv("AIRFLOW_PORT");
	cr_assert(ap, "AIRFLOW_PORT missing from the stack env");
	snprintf(v3url, sizeof v3url, "http://127.0.0.1:%s/__mode/v3", ap);
	snprintf(v1url, sizeof v1url, "http://127.0.0.1:%s/api/v1", ap);
}

TestSuite(airflow3, .init = setup, .timeout = 60);

static struct target tgt(const char *url, const char *password)
{
	return (struct target){.name = "airflow",
			       .kind = TK_AIRFLOW,
			       .url = (char *)url,
			       .username = "admin",
			       .password = (char *)password};
}

static struct airflow_runs runs_page(struct airflowc *c, int limit)
{
	struct got g = {.size = sizeof(struct airflow_runs)};
	airflowc_runs(c, limit, 0, got_cb, &g);
	WAIT(g);
	cr_assert(g.ok, "%s", g.err.msg);
	cr_assert_eq(g.calls, 1);
	return *(struct airflow_runs *)g.res;
}

Test(airflow3, probes_v2_and_reads_its_runs)
{
	struct target t = tgt(v3url, "admin");
	struct airflowc c;
	airflowc_init(&c, &t);
	cr_assert_str_eq(airflowc_api_name(&c), "?");
	struct airflow_runs r = runs_page(&c, 10);
	cr_assert_str_eq(airflowc_api_name(&c), "v2");
	cr_assert_str_eq(c.base + strlen(c.base) - 7, "/api/v2");
	cr_assert_not_null(c.token);
	cr_assert_eq(r.n, 10);
	cr_assert_gt(r.total, 10);
	for (size_t i = 0; i < r.n; i++) {
		cr_assert_gt(r.items[i].run_after_ms, 0, "%s", r.items[i].run_id);
		cr_assert_not_null(r.items[i].display_name);
		if (i)
			cr_assert_geq(r.items[i - 1].run_after_ms, r.items[i].run_after_ms);
	}
	airflow_runs_free(&r);
	airflowc_free(&c);
}

Test(airflow3, a_v1_url_reads_v1)
{
	struct target t = tgt(v1url, "admin");
	struct airflowc c;
	airflowc_init(&c, &t);
	struct airflow_runs r = runs_page(&c, 5);
	cr_assert_str_eq(airflowc_api_name(&c), "v1");
	cr_assert_null(c.token);
	cr_assert_eq(r.n, 5);
	cr_assert_eq(r.items[0].run_after_ms, 0); /* v1 has none */
	airflow_runs_free(&r);
	airflowc_free(&c);
}

Test(airflow3, an_expired_token_is_replaced)
{
	struct target t = tgt(v3url, "admin");
	struct airflowc c;
	airflowc_init(&c, &t);
	struct airflow_runs r = runs_page(&c, 2);
	airflow_runs_free(&r);
	unsigned gen = c.token_gen;
	char *first = xstrdup(c.token);
	sim_reset("AIRFLOW_PORT"); /* every token issued so far answers 401 "Token Expired" */
	r = runs_page(&c, 2);
	cr_assert_eq(r.n, 2);
	airflow_runs_free(&r);
	cr_assert_gt(c.token_gen, gen);
	cr_assert_str_neq(c.token, first);
	free(first);
	airflowc_free(&c);
}

Test(airflow3, wrong_password_is_a_401_from_auth_token)
{
	struct target t = tgt(v3url, "wrong");
	struct airflowc c;
	airflowc_init(&c, &t);
	struct got g = {.size = sizeof(struct airflow_runs)}, h = g;
	airflowc_runs(&c, 10, 0, got_cb, &g);
	airflowc_tis(&c, "ml_train_churn", "x", got_cb, &h); /* waits behind the same token */
	WAIT(g);
	WAIT(h);
	cr_assert_eq(g.calls + h.calls, 2);
	cr_assert_not(g.ok);
	cr_assert_eq(g.err.code, MLC_ERR_AUTH);
	cr_assert_str_eq(g.err.msg, "airflow: HTTP 401 from /auth/token: Invalid credentials");
	cr_assert_str_eq(h.err.msg, g.err.msg);
	cr_assert_null(c.token);
	airflowc_free(&c);
}

Test(airflow3, structured_log_as_lines)
{
	struct target t = tgt(v3url, "admin");
	struct airflowc c;
	airflowc_init(&c, &t);
	struct got g = {.size = sizeof(struct airflow_text)};
	airflowc_log(&c, "ml_train_churn", "scheduled__2024-01-22T03:00:00+00:00", "train_model", 2,
		     got_cb, &g);
	WAIT(g);
	cr_assert(g.ok, "%s", g.err.msg);
	struct airflow_text *x = (void *)g.res;
	cr_assert_not_null(strstr(x->text, "] {airflow.task} INFO - Starting attempt 2 of 2\n"),
			   "%.300s", x->text);
	cr_assert_not_null(strstr(x->text, "{airflow.task} ERROR - Task failed with exception\n"));
	cr_assert_not_null(x->token);
	free(x->text);
	free(x->token);
	airflowc_free(&c);
}

Test(airflow3, a_422_shows_its_detail)
{
	struct target t = tgt(v3url, "admin");
	struct airflowc c;
	airflowc_init(&c, &t);
	struct got g = {.size = sizeof(struct airflow_runs)};
	airflowc_runs(&c, -1, 0, got_cb, &g);
	WAIT(g);
	cr_assert_not(g.ok);
	cr_assert_str_eq(g.err.msg,
			 "airflow: HTTP 422 from /dags/~/dagRuns: Input should be greater "
			 "than or equal to 0");
	airflowc_free(&c);
}

Test(airflow3, cancelled_while_the_probe_runs)
{
	struct target t = tgt(v3url, "admin");
	struct airflowc c;
	airflowc_init(&c, &t);
	struct got a = {.size = sizeof(struct airflow_runs)}, b = a;
	struct airflowc_req *q = airflowc_runs(&c, 3, 0, got_cb, &a);
	airflowc_runs(&c, 4, 0, got_cb, &b);
	airflowc_cancel(q);
	WAIT(b);
	cr_assert(b.ok, "%s", b.err.msg);
	cr_assert_eq(a.calls, 0);
	struct airflow_runs *r = (void *)b.res;
	cr_assert_eq(r->n, 4);
	airflow_runs_free(r);
	airflowc_free(&c);
}

Test(airflow3, clear_dry_run_lists_the_downstream)
{
	struct target t = tgt(v3url, "admin");
	struct airflowc c;
	airflowc_init(&c, &t);
	struct got g = {.size = sizeof(struct airflow_tis)};
	airflowc_clear(&c, "ml_train_churn", "scheduled__2024-01-22T03:00:00+00:00", "train_model",
		       true, got_cb, &g);
	WAIT(g);
	cr_assert(g.ok, "%s", g.err.msg);
	struct airflow_tis *x = (void *)g.res;
	cr_assert_eq(x->n, 4);
	static const char *const want[] = {"train_model", "evaluate_model", "register_model",
					   "notify_slack"};
	for (size_t i = 0; i < 4; i++)
		cr_assert_str_eq(x->items[i].task_id, want[i]);
	airflow_tis_free(x);
	/* a dry run changes nothing */
	struct got h = {.size = sizeof(struct airflow_tis)};
	airflowc_tis(&c, "ml_train_churn", "scheduled__2024-01-22T03:00:00+00:00", got_cb, &h);
	WAIT(h);
	cr_assert(h.ok, "%s", h.err.msg);
	x = (void *)h.res;
	bool failed = false;
	for (size_t i = 0; i < x->n; i++)
		failed |= !strcmp(x->items[i].task_id, "train_model") && x->items[i].state &&
			  !strcmp(x->items[i].state, "failed");
	cr_assert(failed);
	airflow_tis_free(x);
	airflowc_free(&c);
}

/* A v2 log continued from its continuation_token holds only what came
 * after: nothing, for a task that has finished. */
Test(airflow3, log_continued_by_its_token)
{
	struct target t = tgt(v3url, "admin");
	struct airflowc c;
	airflowc_init(&c, &t);
	const char *run = "scheduled__2024-01-22T03:00:00+00:00";
	struct got g = {.size = sizeof(struct airflow_text)};
	airflowc_log_after(&c, "ml_train_churn", run, "train_model", 2, NULL, got_cb, &g);
	WAIT(g);
	cr_assert(g.ok, "%s", g.err.msg);
	struct airflow_text *x = (void *)g.res;
	cr_assert_gt(x->len, 100);
	cr_assert_not_null(x->token);
	char *token = x->token;
	free(x->text);
	struct got h = {.size = sizeof(struct airflow_text)};
	airflowc_log_after(&c, "ml_train_churn", run, "train_model", 2, token, got_cb, &h);
	WAIT(h);
	cr_assert(h.ok, "%s", h.err.msg);
	x = (void *)h.res;
	cr_assert_str_eq(x->text, "");
	cr_assert_not_null(x->token);
	free(x->text);
	free(x->token);
	free(token);
	airflowc_free(&c);
}
