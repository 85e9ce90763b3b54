/* tests/integ/test_stack_ray.c — lib/ray/rayc.c against the stack's Ray
 * simulator and lib/prom/promc.c against its real Prometheus
 * ($MLC_STACK_DIR/env: RAY_PORT, PROM_PORT): what was parsed, the request
 * the simulator received, an HTTP error in the server's words, a stop, a
 * cancelled request that never calls back; Prometheus's answers and its
 * error for a bad query as it words it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/config.h"
#include "lib/core/http.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/prom/promc.h"
#include "lib/ray/rayc.h"
#include "stackenv.h"

#define WAIT_MS 30000

static struct target T, P;
static struct rayc C;

static void setup(void)
{
	static char url[64], purl[64];
	const char *port = stackenv("RAY_PORT"), *pport = stackenv("PROM_PORT");
	cr_assert_not_null(port, "RAY_PORT missing from the stack env");
	cr_assert_not_null(pport, "PROM_PORT missing from the stack env");
	snprintf(url, sizeof url, "http://127.0.0.1:%s", port);
	snprintf(purl, sizeof purl, "http://127.0.0.1:%s", pport);
	memset(&T, 0, sizeof T);
	T.name = "ray";
	T.kind = TK_RAY;
	T.url = url;
	memset(&P, 0, sizeof P);
	P.name = "prometheus";
	P.kind = TK_PROMETHEUS;
	P.url = purl;
	rayc_init(&C, &T);
}

static void teardown(void)
{
	memset(&C, 0, sizeof C);
}

TestSuite(rayc, .init = setup, .fini = teardown);

struct got {
	volatile bool done;
	int calls;
	struct mlc_err err;
	bool failed;
	struct ray_nodes nodes;
	struct ray_state_nodes state;
	struct ray_tasks tasks;
	bool stopped;
	struct prom_result prom;
};

/* Counts the call and keeps the error; true when there is none. */
static bool record(struct got *g, const struct mlc_err *err)
{
	g->calls++;
	g->failed = err != NULL;
	if (err)
		g->err = *err;
	g->done = true;
	return !err;
}

static void on_nodes(void *res, const struct mlc_err *err, void *arg)
{
	struct got *g = arg;
	if (record(g, err)) {
		g->nodes = *(struct ray_nodes *)res;
		memset(res, 0, sizeof g->nodes);
	}
}

static void on_any(void *res, const struct mlc_err *err, void *arg)
{
	record(arg, err);
}

static void on_stop(void *res, const struct mlc_err *err, void *arg)
{
	struct got *g = arg;
	if (record(g, err))
		g->stopped = *(bool *)res;
}

Test(rayc, nodes_parsed_with_the_dead_one)
{
	struct got g = {0};
	rayc_get(&C, RAYC_NODES, NULL, on_nodes, &g);
	cr_assert(stackenv_run_until(&g.done, WAIT_MS));
	cr_assert_not(g.failed, "%s", g.err.msg);
	cr_assert_eq(g.nodes.n, 4);
	int dead = 0;
	for (size_t i = 0; i < g.nodes.n; i++)
		dead += !strcmp(g.nodes.v[i].state, "DEAD");
	cr_assert_eq(dead, 1);
	ray_nodes_free(&g.nodes);
}

static void on_state(void *res, const struct mlc_err *err, void *arg)
{
	struct got *g = arg;
	if (record(g, err)) {
		g->state = *(struct ray_state_nodes *)res;
		memset(res, 0, sizeof g->state);
	}
}

static void on_tasks(void *res, const struct mlc_err *err, void *arg)
{
	struct got *g = arg;
	if (record(g, err)) {
		g->tasks = *(struct ray_tasks *)res;
		memset(res, 0, sizeof g->tasks);
	}
}

/* The state API's nodes merged into the summary's: the dead node's reason
 * and time come through whichever says them. */
Test(rayc, state_nodes_give_the_death_reason)
{
	struct got g = {0}, s = {0};
	rayc_get(&C, RAYC_NODES, NULL, on_nodes, &g);
	rayc_get(&C, RAYC_STATE_NODES, NULL, on_state, &s);
	cr_assert(stackenv_run_until(&g.done, WAIT_MS));
	cr_assert(stackenv_run_until(&s.done, WAIT_MS));
	cr_assert_not(s.failed, "%s", s.err.msg);
	cr_assert_eq(s.state.n, 4);
	const struct ray_state_node *dead = NULL;
	for (size_t i = 0; i < s.state.n; i++)
		if (!strcmp(s.state.v[i].state, "DEAD"))
			dead = &s.state.v[i];
	cr_assert_not_null(dead);
	cr_assert_str_eq(dead->ip, "10.0.0.12");
	cr_assert_str_eq(dead->state_message,
			 "Unexpected termination: health check failed due to missing too many "
			 "heartbeats");
	cr_assert_gt(dead->end_ms, 0);
	for (size_t i = 0; i < g.nodes.n; i++) { /* as an older summary: no reason */
		free(g.nodes.v[i].state_message);
		g.nodes.v[i].state_message = NULL;
	}
	ray_nodes_merge_state(&g.nodes, &s.state);
	size_t with = 0;
	for (size_t i = 0; i < g.nodes.n; i++)
		with += g.nodes.v[i].state_message != NULL;
	cr_assert_eq(with, 1, "the dead node's reason, from the state API");
	ray_state_nodes_free(&s.state);
	ray_nodes_free(&g.nodes);
}

Test(rayc, tasks_summary)
{
	struct got g = {0};
	rayc_get(&C, RAYC_TASKS, NULL, on_tasks, &g);
	cr_assert(stackenv_run_until(&g.done, WAIT_MS));
	cr_assert_not(g.failed, "%s", g.err.msg);
	cr_assert_gt(g.tasks.n, 3);
	cr_assert_str_eq(g.tasks.v[0].name, "preprocess_batch", "most tasks first");
	int64_t sum = 0;
	for (size_t i = 0; i < g.tasks.n; i++)
		sum += g.tasks.v[i].total;
	cr_assert_eq(sum, g.tasks.total, "the rows add up to the server's total");
	cr_assert_eq(g.tasks.normal + g.tasks.actor_tasks + g.tasks.actor_scheduled, g.tasks.total);
	ray_tasks_free(&g.tasks);
}

Test(rayc, http_error_in_the_servers_words)
{
	struct got g = {0};
	rayc_get(&C, RAYC_JOB, "raysubmit_nope", on_any, &g);
	cr_assert(stackenv_run_until(&g.done, WAIT_MS));
	cr_assert(g.failed);
	cr_assert_eq(g.err.code, MLC_ERR_NOTFOUND);
	cr_assert_str_eq(
	    g.err.msg,
	    "ray: HTTP 404 from /api/jobs/raysubmit_nope: Job raysubmit_nope does not exist");
}

static void raw_done(const struct http_resp *r, const struct mlc_err *err, void *arg)
{
	*(volatile bool *)arg = true;
}

/* The simulator's jobs back to the seeded ones. */
static void reset_sim(void)
{
	volatile bool done = false;
	char *url = target_url(&T, "/__sim/reset");
	struct http_opts o = {.url = url};
	http_request(&o, raw_done, (void *)&done);
	free(url);
	cr_assert(stackenv_run_until(&done, WAIT_MS));
}

Test(rayc, a_pending_job_stopped_then_not_again)
{
	struct got g = {0};
	rayc_get(&C, RAYC_JOB_STOP, "raysubmit_Lb3nW8eR5tY1uI0o", on_stop, &g);
	cr_assert(stackenv_run_until(&g.done, WAIT_MS));
	cr_assert_not(g.failed, "%s", g.err.msg);
	cr_assert(g.stopped);
	struct got g2 = {0};
	rayc_get(&C, RAYC_JOB_STOP, "raysubmit_Lb3nW8eR5tY1uI0o", on_stop, &g2);
	cr_assert(stackenv_run_until(&g2.done, WAIT_MS));
	cr_assert_not(g2.failed, "%s", g2.err.msg);
	cr_assert_not(g2.stopped, "a stopped job is not stopped twice");
	reset_sim();
}

Test(rayc, cancelled_never_calls_back)
{
	struct got g = {0}, h = {0};
	struct rayc_req *r = rayc_get(&C, RAYC_CLUSTER, NULL, on_any, &g);
	rayc_get(&C, RAYC_VERSION, NULL, on_any, &h);
	rayc_cancel(r);
	cr_assert(stackenv_run_until(&h.done, WAIT_MS));
	cr_assert_eq(g.calls, 0);
	cr_assert_eq(h.calls, 1);
}

static void on_prom(struct prom_result *res, const struct mlc_err *err, void *arg)
{
	struct got *g = arg;
	if (record(g, err)) {
		g->prom = *res;
		memset(res, 0, sizeof *res);
	}
}

Test(rayc, prometheus_query_and_its_error)
{
	struct got g = {0};
	char *path = prom_query_path("up");
	promc_get(&P, path, 0, on_prom, &g);
	free(path);
	cr_assert(stackenv_run_until(&g.done, WAIT_MS));
	cr_assert_not(g.failed, "%s", g.err.msg);
	cr_assert_str_eq(g.prom.type, "vector");
	prom_result_free(&g.prom);
	struct got b = {0};
	path = prom_query_range_path("max by (ip) (", 1, 2, 1);
	promc_get(&P, path, 0, on_prom, &b);
	free(path);
	cr_assert(stackenv_run_until(&b.done, WAIT_MS));
	cr_assert(b.failed);
	cr_assert(str_starts(b.err.msg, "prometheus: HTTP 400 from /api/v1/query_range: "), "%s",
		  b.err.msg);
	cr_assert(strstr(b.err.msg, "parse error"), "%s", b.err.msg);
}
