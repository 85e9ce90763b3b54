/* tests/unit/test_ray_state.c — the state API's nodes (death reasons) and
 * task summary against tests/fixtures/ray, their merge into the summary's
 * nodes, the envelope's result: false, and hostile shapes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "lib/core/util.h"
#include "lib/ray/ray.h"
#include "lib/ray/rayc.h"

#define DEAD_ID "0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f"
#define REASON	"Unexpected termination: health check failed due to missing too many heartbeats"

static void state_fixture(struct ray_state_nodes *s)
{
	size_t len;
	char *b = fixture_read("tests/fixtures/ray/state-nodes-detail.json", &len);
	struct mlc_err e;
	cr_assert_eq(ray_state_nodes_parse(s, b, len, &e), 0, "%s", e.msg);
	free(b);
}

Test(ray_state, nodes_fixture)
{
	struct ray_state_nodes s;
	state_fixture(&s);
	cr_assert_eq(s.n, 4);
	cr_assert_eq(s.total, 4);
	cr_assert_str_eq(s.v[0].ip, "10.0.0.10");
	cr_assert_eq(s.v[0].head, 1);
	cr_assert_eq(s.v[1].head, 0);
	cr_assert_null(s.v[0].state_message, "alive: null, not \"null\"");
	cr_assert_str_eq(s.v[3].id, DEAD_ID);
	cr_assert_str_eq(s.v[3].state, "DEAD");
	cr_assert_str_eq(s.v[3].state_message, REASON);
	cr_assert_eq(s.v[3].end_ms, 1718098120443);
	cr_assert_eq(s.v[0].end_ms, 0);
	int alive, dead;
	ray_state_nodes_count(&s, &alive, &dead);
	cr_assert_eq(alive, 3);
	cr_assert_eq(dead, 1);
	ray_state_nodes_free(&s);
	char *path = rayc_path(RAYC_STATE_NODES, NULL);
	cr_assert_str_eq(path, "/api/v0/nodes?detail=true&limit=10000");
	free(path);
	path = rayc_path(RAYC_TASKS, NULL);
	cr_assert_str_eq(path, "/api/v0/tasks/summarize");
	free(path);
}

/* A summary without the death reason and time (as some Rays send it): the
 * state API's fill them in; a node only the state API lists is added. */
Test(ray_state, merge_fills_the_death_reason)
{
	size_t len;
	char *b = fixture_read("tests/fixtures/ray/nodes-summary.json", &len);
	struct ray_nodes ns;
	struct mlc_err e;
	cr_assert_eq(ray_nodes_parse(&ns, b, len, &e), 0, "%s", e.msg);
	free(b);
	struct ray_node *dead = NULL;
	for (size_t i = 0; i < ns.n; i++)
		if (!strcmp(ns.v[i].id, DEAD_ID))
			dead = &ns.v[i];
	cr_assert_not_null(dead);
	free(dead->state_message);
	dead->state_message = NULL;
	dead->end_ms = 0;
	struct ray_state_nodes s;
	state_fixture(&s);
	free(s.v[2].id);
	s.v[2].id = xstrdup("ffff0000");
	ray_nodes_merge_state(&ns, &s);
	for (size_t i = 0; i < ns.n; i++)
		if (!strcmp(ns.v[i].id, DEAD_ID))
			dead = &ns.v[i];
	cr_assert_str_eq(dead->state_message, REASON);
	cr_assert_eq(dead->end_ms, 1718098120443);
	cr_assert_eq(ns.n, 5, "the node only the state API lists is added");
	const struct ray_node *added = &ns.v[4];
	cr_assert_str_eq(added->id, "ffff0000");
	cr_assert_str_eq(added->ip, "10.0.0.13");
	cr_assert_lt(added->cpu.total, 0, "no resources said: -, not 0");
	ray_state_nodes_free(&s);
	ray_nodes_free(&ns);
}

Test(ray_state, tasks_fixture)
{
	size_t len;
	char *b = fixture_read("tests/fixtures/ray/state-tasks-summarize.json", &len);
	struct ray_tasks t;
	struct mlc_err e;
	cr_assert_eq(ray_tasks_parse(&t, b, len, &e), 0, "%s", e.msg);
	free(b);
	cr_assert_eq(t.n, 4);
	cr_assert_eq(t.total, 1584);
	cr_assert_eq(t.normal, 1534);
	cr_assert_eq(t.actor_tasks, 47);
	cr_assert_eq(t.actor_scheduled, 3);
	cr_assert_str_eq(t.v[0].name, "preprocess_batch", "most tasks first");
	cr_assert_str_eq(t.v[0].type, "NORMAL_TASK");
	cr_assert_eq(t.v[0].total, 1534);
	cr_assert_eq(t.v[0].ncounts, 4);
	cr_assert_str_eq(t.v[1].name, "TrainWorker.train_epoch");
	ray_tasks_free(&t);
}

Test(ray_state, tasks_lineage_list_and_odd_rows)
{
	struct ray_tasks t;
	struct mlc_err e;
	const char *body = "{\"result\":true,\"msg\":\"\",\"data\":{\"result\":{\"total\":\"7\","
			   "\"result\":{\"node_id_to_summary\":{\"cluster\":{\"summary\":["
			   "{\"func_or_class_name\":\"\\u001b[2Jf\",\"type\":5,"
			   "\"state_counts\":{\"FINISHED\":\"3\",\"FAILED\":4,\"X\":null}},"
			   "null,7,{\"state_counts\":[]}]}}}}}}";
	cr_assert_eq(ray_tasks_parse(&t, body, strlen(body), &e), 0, "%s", e.msg);
	cr_assert_eq(t.n, 2);
	cr_assert_eq(t.total, 7);
	cr_assert_eq(t.normal, -1, "not said: -1, not 0");
	cr_assert_str_eq(t.v[0].name, "\x1b[2Jf", "raw: the panel sanitizes");
	cr_assert_str_eq(t.v[0].type, "5");
	cr_assert_eq(t.v[0].total, 7);
	cr_assert_null(t.v[1].name);
	ray_tasks_free(&t);
}

Test(ray_state, refusals)
{
	struct ray_tasks t;
	struct ray_state_nodes s;
	struct mlc_err e;
	size_t len;
	char *b = fixture_read("tests/fixtures/ray/state-error-bad-filter.json", &len);
	cr_assert_lt(ray_state_nodes_parse(&s, b, len, &e), 0);
	cr_assert(strstr(e.msg, "ray: /api/v0/nodes: result false: The given filter column foo"),
		  "%s", e.msg);
	free(b);
	const char *bad[] = {"",
			     "null",
			     "[]",
			     "{\"result\":true,\"data\":{}}",
			     "{\"result\":true,\"data\":{\"result\":{\"result\":5}}}",
			     "{\"result\":true,\"data\":{\"result\":{\"res"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		cr_assert_lt(ray_state_nodes_parse(&s, bad[i], strlen(bad[i]), &e), 0, "%s",
			     bad[i]);
		cr_assert_lt(ray_tasks_parse(&t, bad[i], strlen(bad[i]), &e), 0, "%s", bad[i]);
		ray_state_nodes_free(&s);
		ray_tasks_free(&t);
	}
}
