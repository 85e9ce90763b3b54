/* tests/unit/test_prefect.c — lib/prefect/prefect.c on the captures of a real
 * Prefect 2.14 server (state names that differ from their types, variable
 * fraction digits, total_run_time 0 while running, set_state ACCEPT and
 * REJECT, 422 detail lists), the request bodies, then hostile bodies. */
#include "lib/prefect/prefect.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "lib/core/isotime.h"
#include "lib/core/util.h"
#include "parse_fx.h"

#define FX     "tests/fixtures/prefect/"
#define LIT(s) s, sizeof(s) - 1

Test(prefect, runs_page_with_nested_state)
{
	struct prefect_runs p;
	PARSE_FX(prefect_parse_runs, &p, FX "flow-runs-filter-page1.json");
	cr_assert_eq(p.n, 5);
	struct prefect_run *r = &p.items[0];
	cr_assert_str_eq(r->id, "befa5e31-f203-4db3-be36-207f896e83fb");
	cr_assert_str_eq(r->name, "icy-yak");
	cr_assert_str_eq(r->flow_id, "1cce65fb-98b6-414f-907f-5d15f74069f6");
	cr_assert_str_eq(r->state_type, "SCHEDULED");
	cr_assert_str_eq(r->state_message, "Flow run scheduled");
	cr_assert_str_eq(r->work_pool, "default-agent-pool");
	cr_assert_str_eq(r->work_queue, "ml");
	cr_assert_eq(r->start_ms, 0); /* null */
	cr_assert_eq(r->expected_ms, iso_time_ms("2026-12-14T03:00:00Z"));
	cr_assert_str_eq(r->tags, "auto-scheduled ml churn");
	cr_assert_not_null(strstr(r->parameters, "\"epochs\":3"));
	prefect_runs_free(&p);
	PARSE_FX(prefect_parse_runs, &p, FX "flow-runs-filter-past-end.json");
	cr_assert_eq(p.n, 0);
	prefect_runs_free(&p);
}

Test(prefect, late_is_scheduled_and_running_uses_estimate)
{
	struct prefect_run r;
	PARSE_FX(prefect_parse_run, &r, FX "flow-run-late.json");
	cr_assert_str_eq(r.state_type, "SCHEDULED");
	cr_assert_str_eq(r.state_name, "Late");
	prefect_run_free(&r);
	PARSE_FX(prefect_parse_run, &r, FX "flow-run-running.json");
	cr_assert_str_eq(r.state_type, "RUNNING");
	cr_assert_float_eq(r.total_run_time, 0.0, 1e-9);
	cr_assert_float_eq(r.estimated_run_time, 27.211484, 1e-6);
	cr_assert_eq(r.start_ms, iso_time_ms("2026-11-23T17:50:19.604432+00:00"));
	prefect_run_free(&r);
	PARSE_FX(prefect_parse_run, &r, FX "flow-run-crashed.json");
	cr_assert_str_eq(r.state_name, "Crashed");
	prefect_run_free(&r);
}

Test(prefect, iso_times_any_fraction_and_offset)
{
	int64_t base = iso_time_ms("2026-11-23T17:49:42+00:00");
	cr_assert_gt(base, 0);
	cr_assert_eq(iso_time_ms("2026-11-23T17:49:42.189525+00:00"), base + 189);
	cr_assert_eq(iso_time_ms("2026-11-23T17:49:42.2+00:00"), base + 200);
	cr_assert_eq(iso_time_ms("2026-11-23T17:49:42.258000Z"), base + 258);
	cr_assert_eq(iso_time_ms("2026-11-23T18:49:42+01:00"), base);
	cr_assert_eq(iso_time_ms("2026-11-23T17:49:42+0000"), base);
	cr_assert_eq(iso_time_ms("2026-11-23"), 0);
	cr_assert_eq(iso_time_ms("garbage"), 0);
	cr_assert_eq(iso_time_ms(NULL), 0);
	cr_assert_eq(iso_time_ms("2026-11-23T17:49:42junk"), 0);
}

Test(prefect, states_tasks_logs_flows)
{
	struct prefect_states s;
	PARSE_FX(prefect_parse_states, &s, FX "flow-run-states.json");
	cr_assert_eq(s.n, 4);
	cr_assert_str_eq(s.items[3].type, "FAILED");
	cr_assert_eq(s.items[0].ts_ms, iso_time_ms("2026-11-23T17:49:42.189332+00:00"));
	prefect_states_free(&s);
	struct prefect_task_runs t;
	PARSE_FX(prefect_parse_task_runs, &t, FX "task-runs-filter.json");
	cr_assert_eq(t.n, 3);
	cr_assert_str_eq(t.items[0].name, "load-data-0");
	cr_assert_eq(t.items[0].run_count, 2);
	cr_assert_float_eq(t.items[0].run_time, 1.123585, 1e-6);
	cr_assert_str_eq(t.items[2].state_type, "FAILED");
	prefect_task_runs_free(&t);
	struct prefect_logs l;
	PARSE_FX(prefect_parse_logs, &l, FX "logs-filter.json");
	cr_assert_eq(l.n, 21);
	cr_assert_eq(l.items[0].level, 20);
	cr_assert_eq(l.items[4].level, 40);
	cr_assert_str_eq(l.items[0].message, "Starting training run on s3://ml-data/churn/v3");
	prefect_logs_free(&l);
	struct prefect_flows f;
	PARSE_FX(prefect_parse_flows, &f, FX "flows-filter.json");
	cr_assert_gt(f.n, 0);
	cr_assert_str_eq(f.items[0].name, "batch-inference");
	prefect_flows_free(&f);
	/* deployments have the same id and name */
	PARSE_FX(prefect_parse_flows, &f, FX "deployments-filter.json");
	cr_assert_gt(f.n, 0);
	cr_assert_str_eq(f.items[0].id, "642551de-3753-4dc6-bdae-343641e8ac52");
	cr_assert_not_null(f.items[0].name);
	prefect_flows_free(&f);
}

Test(prefect, set_state_accept_and_reject)
{
	struct prefect_set_state s;
	PARSE_FX(prefect_parse_set_state, &s, FX "action-cancel-running-to-cancelling.json");
	cr_assert_str_eq(s.status, "ACCEPT");
	cr_assert_str_eq(s.state_type, "CANCELLING");
	cr_assert_null(s.reason);
	prefect_set_state_free(&s);
	PARSE_FX(prefect_parse_set_state, &s,
		 FX "action-set-state-late-to-cancelling-rejected.json");
	cr_assert_str_eq(s.status, "REJECT");
	cr_assert_str_eq(s.reason, "Scheduled flow run has no infrastructure to terminate.");
	cr_assert_str_eq(s.state_type, "CANCELLED"); /* a REJECT that wrote another state */
	prefect_set_state_free(&s);
	PARSE_FX(prefect_parse_set_state, &s, FX "action-set-state-abort-pending-to-pending.json");
	cr_assert_str_eq(s.status, "ABORT");
	cr_assert_not_null(s.reason);
	prefect_set_state_free(&s);
}

Test(prefect, detail_of_422_as_listed)
{
	size_t len;
	char *b = fixture_read(FX "error-422-bad-sort.json", &len), out[300];
	prefect_422_detail(b, len, out, sizeof out);
	cr_assert(str_starts(out, "body.sort: value is not a valid enumeration member; permitted: "
				  "'ID_DESC'"),
		  "%s", out);
	free(b);
	b = fixture_read(FX "error-422-limit-too-large.json", &len);
	prefect_422_detail(b, len, out, sizeof out);
	cr_assert_str_eq(out, ""); /* a plain detail: http_err shows it */
	free(b);
}

Test(prefect, bodies)
{
	const char *types[] = {"FAILED", "CRASHED", NULL};
	char *s = prefect_runs_body(types, 500, 200);
	cr_assert_str_eq(
	    s, "{\"sort\":\"EXPECTED_START_TIME_DESC\",\"limit\":200,\"offset\":200,"
	       "\"flow_runs\":{\"state\":{\"type\":{\"any_\":[\"FAILED\",\"CRASHED\"]}}}}");
	free(s);
	const char *ids[] = {"a\"b", "c"};
	s = prefect_flows_body(ids, 2);
	cr_assert_str_eq(s, "{\"flows\":{\"id\":{\"any_\":[\"a\\\"b\",\"c\"]}},\"limit\":2}");
	free(s);
	s = prefect_deployments_body(ids + 1, 1);
	cr_assert_str_eq(s, "{\"deployments\":{\"id\":{\"any_\":[\"c\"]}},\"limit\":1}");
	free(s);
	s = prefect_set_state_body("CANCELLING", "from mlconsole");
	cr_assert_str_eq(s, "{\"state\":{\"type\":\"CANCELLING\",\"message\":\"from mlconsole\"}}");
	free(s);
	s = prefect_logs_body("r1", 0, 200);
	cr_assert_str_eq(s, "{\"sort\":\"TIMESTAMP_ASC\",\"limit\":200,"
			    "\"logs\":{\"flow_run_id\":{\"any_\":[\"r1\"]}}}");
	free(s);
	s = prefect_logs_body("r1", iso_time_ms("2026-11-23T17:49:46.123Z"), 500);
	cr_assert_str_eq(s, "{\"sort\":\"TIMESTAMP_ASC\",\"limit\":200,"
			    "\"logs\":{\"flow_run_id\":{\"any_\":[\"r1\"]},\"timestamp\":{"
			    "\"after_\":\"2026-11-23T17:49:46.123000+00:00\"}}}");
	free(s);
	/* backwards: newest first, the whole millisecond included, the lines
	 * held at that time skipped */
	s = prefect_logs_page_body("r1", iso_time_ms("2026-11-23T17:49:46.123Z"), true, 7, 200);
	cr_assert_str_eq(s, "{\"sort\":\"TIMESTAMP_DESC\",\"limit\":200,"
			    "\"logs\":{\"flow_run_id\":{\"any_\":[\"r1\"]},\"timestamp\":{"
			    "\"before_\":\"2026-11-23T17:49:46.123999+00:00\"}},\"offset\":7}");
	free(s);
	s = prefect_logs_page_body("r1", iso_time_ms("2026-11-23T17:49:46.123Z"), false, 3, 200);
	cr_assert_str_eq(s, "{\"sort\":\"TIMESTAMP_ASC\",\"limit\":200,"
			    "\"logs\":{\"flow_run_id\":{\"any_\":[\"r1\"]},\"timestamp\":{"
			    "\"after_\":\"2026-11-23T17:49:46.123000+00:00\"}},\"offset\":3}");
	free(s);
}

Test(prefect, hostile_bodies)
{
	struct prefect_runs p;
	struct mlc_err e;
	static const struct {
		const char *body;
		const char *want;
	} bad[] = {
	    {"", "prefect"},
	    {"{}", "(root): expected array"},
	    {"[1]", "[0]: expected object"},
	    {"[{\"id\":\"x\",\"state\":7}]", "[0].state: expected object"},
	    {"[{\"id\":\"x\",\"state\":{\"type\":3}}]", "[0].state.type: expected string"},
	    {"[{\"id\":\"x\",\"total_run_time\":\"long\"}]", "[0].total_run_time: expected number"},
	    {"[{\"name\":\"no id\"}]", "[0].id: expected string"},
	    {"[{\"id\":\"x\"},", "prefect"},
	    {"[], \"b\": 1", "(root): expected array"},
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		mlc_err_clear(&e);
		cr_assert_lt(prefect_parse_runs(&p, bad[i].body, strlen(bad[i].body), &e), 0, "%s",
			     bad[i].body);
		cr_assert_not_null(strstr(e.msg, bad[i].want), "%s -> %s", bad[i].body, e.msg);
		cr_assert_eq(p.n, 0);
	}
	/* Escapes, bidi controls and a NUL stay in the string for the
	 * sanitizer; nothing is cut short. */
	const char hostile[] = "[{\"id\":\"x\",\"name\":\"a\\u001b[31mb\\u202e\\u0000c\","
			       "\"start_time\":\"not a date\",\"state\":null}]";
	cr_assert_eq(prefect_parse_runs(&p, LIT(hostile), &e), 0, "%s", e.msg);
	cr_assert_str_eq(p.items[0].name, "a\x1b[31mb\xe2\x80\xae^@c");
	cr_assert_eq(p.items[0].start_ms, 0);
	cr_assert_null(p.items[0].state_type);
	prefect_runs_free(&p);
	/* Truncated captures fail cleanly at every length. */
	size_t len;
	char *b = fixture_read(FX "flow-runs-filter-page1.json", &len);
	for (size_t cut = 0; cut < len; cut += 97) {
		if (prefect_parse_runs(&p, b, cut, &e) == 0)
			prefect_runs_free(&p);
	}
	free(b);
	struct prefect_set_state s;
	cr_assert_lt(prefect_parse_set_state(&s, LIT("{\"state\":null}"), &e), 0);
	cr_assert_not_null(strstr(e.msg, "status"), "%s", e.msg);
}

Test(prefect, deployments_pools_queues)
{
	struct prefect_deployments d;
	PARSE_FX(prefect_parse_deployments, &d, FX "deployments-filter.json");
	cr_assert_eq(d.n, 3);
	cr_assert_str_eq(d.items[0].name, "churn-weekly");
	cr_assert_str_eq(d.items[0].schedule, "cron 0 3 * * 1");
	cr_assert_not(d.items[0].paused);
	cr_assert_str_eq(d.items[0].work_pool, "default-agent-pool");
	cr_assert_str_eq(d.items[0].work_queue, "ml");
	cr_assert_str_eq(d.items[0].tags, "ml churn");
	cr_assert_str_eq(d.items[0].status, "NOT_READY");
	cr_assert(d.items[1].paused); /* is_schedule_active false */
	cr_assert_str_eq(d.items[2].schedule, "every 1h");
	prefect_deployments_free(&d);
	struct prefect_pools p;
	PARSE_FX(prefect_parse_pools, &p, FX "work-pools-filter.json");
	cr_assert_eq(p.n, 2);
	cr_assert_null(p.items[0].status);
	cr_assert_eq(p.items[0].concurrency, -1);
	cr_assert_str_eq(p.items[0].type, "prefect-agent");
	cr_assert(p.items[1].paused);
	cr_assert_eq(p.items[1].concurrency, 2);
	prefect_pools_free(&p);
	PARSE_FX(prefect_parse_pools, &p, FX "work-queues-filter.json");
	cr_assert_eq(p.n, 4);
	cr_assert_str_eq(p.items[3].name, "ml");
	cr_assert_str_eq(p.items[3].pool, "default-agent-pool");
	cr_assert_eq(p.items[3].concurrency, 4);
	cr_assert_eq(p.items[3].last_polled_ms, 0);
	prefect_pools_free(&p);
	/* 2.19+: a schedules list and paused; hostile and wrong shapes */
	struct mlc_err e;
	const char later[] = "[{\"id\":\"i\",\"name\":\"n\",\"paused\":true,\"schedule\":null,"
			     "\"schedules\":[{\"schedule\":{\"interval\":90.0},\"active\":true}],"
			     "\"last_polled\":\"2024-01-01T00:00:00Z\"}]";
	cr_assert_eq(prefect_parse_deployments(&d, later, sizeof later - 1, &e), 0, "%s", e.msg);
	cr_assert(d.items[0].paused);
	cr_assert_str_eq(d.items[0].schedule, "every 90s");
	prefect_deployments_free(&d);
	static const struct {
		const char *body, *want;
	} bad[] = {
	    {"{}", "(root): expected array"},
	    {"[1]", "[0]: expected object"},
	    {"[{\"id\":\"i\"}]", "[0].name: expected string"},
	    {"[{\"id\":\"i\",\"name\":\"n\",\"tags\":\"x\"}]", "[0].tags: expected array"},
	    {"[{\"id\":\"i\",\"name\":\"n\",\"paused\":1}]", "[0].paused: expected boolean"},
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		cr_assert_lt(prefect_parse_deployments(&d, bad[i].body, strlen(bad[i].body), &e),
			     0);
		cr_assert_not_null(strstr(e.msg, bad[i].want), "%s -> %s", bad[i].body, e.msg);
		cr_assert_null(d.items);
	}
	cr_assert_lt(prefect_parse_pools(&p, "[{\"name\":7}]", 12, &e), 0);
	cr_assert_not_null(strstr(e.msg, "[0].name: expected string"), "%s", e.msg);
}

/* A nested state whose name has the wrong type after a good type: the
 * type read before it is freed (fuzz_flows found the leak; without the fix
 * LeakSanitizer reports 768 bytes for this test in build-asan). */
Test(prefect, wrong_state_member_frees_what_was_read)
{
	struct prefect_runs r;
	struct mlc_err e;
	const char body[] = "[{\"id\":\"a\",\"state\":{\"type\":\"FAILED\",\"name\":7}}]";
	cr_assert_lt(prefect_parse_runs(&r, body, sizeof body - 1, &e), 0);
	cr_assert_not_null(strstr(e.msg, "[0].state.name: expected string"), "%s", e.msg);
	const char body2[] =
	    "[{\"id\":\"a\",\"state\":{\"type\":\"F\",\"name\":\"f\",\"message\":1}}]";
	cr_assert_lt(prefect_parse_runs(&r, body2, sizeof body2 - 1, &e), 0);
	cr_assert_not_null(strstr(e.msg, "message: expected string"), "%s", e.msg);
}
