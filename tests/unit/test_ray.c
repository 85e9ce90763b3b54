/* tests/unit/test_ray.c — lib/ray/ray_parse.c and ray_nodes.c: /api/version,
 * /api/cluster_status and /nodes?view=summary on the shapes in
 * tests/fixtures/ray, the envelope's result: false, then hostile bodies
 * (truncated, wrong types, fields missing, strings as numbers, escapes):
 * no crash, absent fields stay absent (RAY_NA / NULL), errors name what
 * failed. Also the Nodes view's default order and rayc_path. */
#include "lib/ray/ray.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "lib/core/util.h"
#include "lib/ray/rayc.h"

#define LIT(s) s, sizeof(s) - 1

Test(ray, version_fixture)
{
	size_t len;
	char *b = fixture_read("tests/fixtures/ray/api-version.json", &len);
	struct ray_version v;
	struct mlc_err e = {0};
	cr_assert_eq(ray_version_parse(&v, b, len, &e), 0, "%s", e.msg);
	cr_assert_str_eq(v.ray_version, "2.30.0");
	cr_assert_str_eq(v.api_version, "4");
	cr_assert_str_eq(v.session, "session_2024-06-11_09-14-03_512877_1");
	ray_version_free(&v);
	free(b);
}

Test(ray, version_missing_fields_and_garbage)
{
	struct ray_version v;
	struct mlc_err e = {0};
	cr_assert_eq(ray_version_parse(&v, LIT("{\"version\": 4}"), &e), 0);
	cr_assert_null(v.ray_version);
	cr_assert_str_eq(v.api_version, "4");
	ray_version_free(&v);
	cr_assert_lt(ray_version_parse(&v, LIT("{\"version\": "), &e), 0);
	cr_assert(strstr(e.msg, "/api/version"), "%s", e.msg);
	cr_assert_lt(ray_version_parse(&v, LIT("[1,2]"), &e), 0);
	cr_assert_lt(ray_version_parse(&v, NULL, 0, &e), 0);
	/* a body that would close the parser's own wrapper is malformed */
	cr_assert_lt(ray_version_parse(&v, LIT("{\"version\": \"4\"}, \"x\": 1"), &e), 0);
	cr_assert(strstr(e.msg, "malformed JSON"), "%s", e.msg);
}

static struct ray_res *res_named(struct ray_cluster *c, const char *name)
{
	for (size_t i = 0; i < c->nres; i++)
		if (!strcmp(c->res[i].name, name))
			return &c->res[i];
	return NULL;
}

Test(ray, cluster_fixture)
{
	size_t len;
	char *b = fixture_read("tests/fixtures/ray/cluster-status.json", &len);
	struct ray_cluster c;
	struct mlc_err e = {0};
	cr_assert_eq(ray_cluster_parse(&c, b, len, &e), 0, "%s", e.msg);
	cr_assert(c.has_status);
	struct ray_res *cpu = res_named(&c, "CPU");
	cr_assert_not_null(cpu);
	cr_assert_float_eq(cpu->used, 29.0, 1e-9);
	cr_assert_float_eq(cpu->total, 48.0, 1e-9);
	cr_assert_not_null(res_named(&c, "objectStoreMemory"));
	cr_assert_null(res_named(&c, "node:10.0.0.10"), "node: resources are left out");
	cr_assert_eq(c.ndemands, 2);
	cr_assert_str_eq(c.demands[0], "{CPU: 1}: 40+ pending tasks/actors");
	cr_assert_eq(c.npending, 2);
	cr_assert_str_eq(c.pending[0], "10.0.0.14 gpu-worker-group waiting-for-ssh");
	cr_assert_str_eq(c.pending[1], "gpu-worker-group x 1 launching");
	cr_assert_eq(c.nfailed, 1);
	cr_assert_str_eq(c.failed[0], "10.0.0.12 gpu-worker-group");
	cr_assert_null(c.error);
	ray_cluster_free(&c);
	free(b);
}

Test(ray, cluster_without_autoscaler)
{
	size_t len;
	char *b = fixture_read("tests/fixtures/ray/cluster-status-no-autoscaler.json", &len);
	struct ray_cluster c;
	struct mlc_err e = {0};
	cr_assert_eq(ray_cluster_parse(&c, b, len, &e), 0, "%s", e.msg);
	cr_assert_not(c.has_status);
	cr_assert_eq(c.nres, 0);
	cr_assert_eq(c.ndemands, 0);
	ray_cluster_free(&c);
	free(b);
}

Test(ray, result_false_is_an_error_with_the_servers_words)
{
	size_t len;
	char *b = fixture_read("tests/fixtures/ray/state-error-bad-filter.json", &len);
	struct ray_actors a;
	struct mlc_err e = {0};
	cr_assert_lt(ray_actors_parse(&a, b, len, &e), 0);
	cr_assert(strstr(e.msg, "result false: The given filter column foo is not supported"), "%s",
		  e.msg);
	free(b);
	struct ray_cluster c;
	cr_assert_lt(
	    ray_cluster_parse(&c, LIT("{\"result\": false, \"msg\": \"\\u001b[2Jboom\"}"), &e), 0);
	cr_assert(strstr(e.msg, "boom"), "%s", e.msg);
	cr_assert_null(strchr(e.msg, 0x1b), "escape made visible: %s", e.msg);
	struct ray_nodes n;
	cr_assert_lt(ray_nodes_parse(&n, LIT("{\"result\": false}"), &e), 0);
	cr_assert(strstr(e.msg, "result false"), "%s", e.msg);
}

Test(ray, cluster_hostile_types)
{
	static const char *const bodies[] = {
	    "{\"result\": true, \"data\": {\"clusterStatus\": {\"loadMetricsReport\": {\"usage\": "
	    "{\"CPU\": \"x\", \"GPU\": [null, \"4\"], \"m\": 3}, \"resourceDemand\": [[], [1], "
	    "[{\"CPU\": \"a\"}, \"n\"], 7]}, \"autoscalerReport\": {\"pendingNodes\": [[1, 2], 3], "
	    "\"pendingLaunches\": [1], \"failedNodes\": {}}}, \"autoscalingError\": 5}}",
	    "{\"result\": true, \"data\": []}",
	    "{\"result\": true}",
	    "{\"result\": true, \"data\": {\"clusterStatus\": {\"loadMetricsReport\": ",
	    "",
	    "null",
	};
	for (size_t i = 0; i < ARRAY_LEN(bodies); i++) {
		struct ray_cluster c;
		struct mlc_err e = {0};
		int rc = ray_cluster_parse(&c, bodies[i], strlen(bodies[i]), &e);
		if (rc == 0) {
			struct ray_res *g = res_named(&c, "GPU");
			cr_assert_not_null(g);
			cr_assert_float_eq(g->used, RAY_NA, 1e-9);
			cr_assert_float_eq(g->total, 4.0, 1e-9, "a number as a string is read");
			cr_assert_float_eq(res_named(&c, "CPU")->total, RAY_NA, 1e-9);
			cr_assert_null(c.error);
		} else {
			cr_assert(strstr(e.msg, "ray: "), "%s", e.msg);
		}
		ray_cluster_free(&c);
		ray_cluster_free(&c);
	}
}

static struct ray_node *node_ip(struct ray_nodes *ns, const char *ip)
{
	for (size_t i = 0; i < ns->n; i++)
		if (ns->v[i].ip && !strcmp(ns->v[i].ip, ip))
			return &ns->v[i];
	return NULL;
}

Test(ray, nodes_fixture)
{
	size_t len;
	char *b = fixture_read("tests/fixtures/ray/nodes-summary.json", &len);
	struct ray_nodes ns;
	struct mlc_err e = {0};
	cr_assert_eq(ray_nodes_parse(&ns, b, len, &e), 0, "%s", e.msg);
	cr_assert_eq(ns.n, 4);
	struct ray_node *h = node_ip(&ns, "10.0.0.10");
	cr_assert_not_null(h);
	cr_assert_eq(h->head, 1);
	cr_assert_str_eq(h->state, "ALIVE");
	cr_assert_str_eq(h->hostname, "ray-head-7d9f8");
	cr_assert_float_eq(h->cpu.used, 13.0, 1e-9);
	cr_assert_float_eq(h->cpu.total, 16.0, 1e-9);
	cr_assert_float_eq(h->mem.used, 4.0 * 1073741824.0, 1.0);
	cr_assert_float_eq(h->osm.used, 4294967296.0, 1.0);
	cr_assert_float_eq(h->osm.total, 4294967296.0 + 16320875724.0, 1.0);
	cr_assert_eq(h->start_ms, 1718090042312LL, "startTimeMs is a string");
	cr_assert_eq(h->end_ms, 0);
	cr_assert_eq(h->workers, 6);
	cr_assert_eq(h->nlabels, 1);
	cr_assert(str_starts(h->labels[0], "ray.io/nodeId=5d0c9f1e"));
	/* the dead node: raylet only, no host stats, its reason kept */
	struct ray_node *d = NULL;
	for (size_t i = 0; i < ns.n; i++)
		if (!strcmp(ns.v[i].state, "DEAD"))
			d = &ns.v[i];
	cr_assert_not_null(d);
	cr_assert_eq(d->end_ms, 1718098120443LL);
	cr_assert(strstr(d->state_message, "missing too many heartbeats"));
	cr_assert_float_eq(d->cpu.used, RAY_NA, 1e-9, "no logical use for a dead node");
	ray_nodes_free(&ns);
	free(b);
}

Test(ray, nodes_missing_fields_stay_absent)
{
	const char *body = "{\"result\": true, \"data\": {\"summary\": [{}, 3, {\"raylet\": "
			   "{\"nodeId\": 7, \"isHeadNode\": \"yes\", \"startTimeMs\": \"soon\", "
			   "\"labels\": [1]}}, {\"raylet\": {\"nodeId\": \"n1\"}}], "
			   "\"nodeLogicalResources\": {\"n1\": \"x/y CPU\\n1.0/ GPU\\n2.0/4.0 "
			   "GPU\\n1.5GiB/2PiB memory\\n/\\n \"}}}";
	struct ray_nodes ns;
	struct mlc_err e = {0};
	cr_assert_eq(ray_nodes_parse(&ns, body, strlen(body), &e), 0, "%s", e.msg);
	cr_assert_eq(ns.n, 3);
	cr_assert_null(ns.v[0].id);
	cr_assert_null(ns.v[0].state);
	cr_assert_eq(ns.v[0].head, -1);
	cr_assert_eq(ns.v[0].workers, -1);
	cr_assert_float_eq(ns.v[0].cpu.total, RAY_NA, 1e-9);
	cr_assert_str_eq(ns.v[1].id, "7");
	cr_assert_eq(ns.v[1].head, -1, "a string is not a bool");
	cr_assert_eq(ns.v[1].start_ms, 0);
	cr_assert_float_eq(ns.v[2].cpu.used, RAY_NA, 1e-9);
	cr_assert_float_eq(ns.v[2].gpu.used, 2.0, 1e-9);
	cr_assert_float_eq(ns.v[2].gpu.total, 4.0, 1e-9);
	cr_assert_float_eq(ns.v[2].mem.used, RAY_NA, 1e-9, "an unknown unit is not a number");
	ray_nodes_free(&ns);
	cr_assert_lt(
	    ray_nodes_parse(&ns, LIT("{\"result\": true, \"data\": {\"summary\": {}}}"), &e), 0);
	cr_assert(strstr(e.msg, "data.summary: expected array"), "%s", e.msg);
	cr_assert_lt(ray_nodes_parse(&ns, LIT("{\"result\": true, \"da"), &e), 0);
}

Test(ray, truncated_fixtures_never_crash)
{
	static const char *const files[] = {
	    "tests/fixtures/ray/nodes-summary.json",
	    "tests/fixtures/ray/cluster-status.json",
	    "tests/fixtures/ray/jobs-list.json",
	    "tests/fixtures/ray/state-actors-detail.json",
	    "tests/fixtures/ray/serve-applications.kuberay-capture.json",
	};
	for (size_t f = 0; f < ARRAY_LEN(files); f++) {
		size_t len;
		char *b = fixture_read(files[f], &len);
		for (size_t cut = 0; cut < len; cut += 97) {
			struct mlc_err e = {0};
			struct ray_nodes ns;
			struct ray_cluster c;
			struct ray_jobs js;
			struct ray_actors as;
			struct ray_serve sv;
			cr_assert_lt(ray_nodes_parse(&ns, b, cut, &e), 0);
			cr_assert_lt(ray_cluster_parse(&c, b, cut, &e), 0);
			cr_assert_lt(ray_jobs_parse(&js, b, cut, &e), 0);
			cr_assert_lt(ray_actors_parse(&as, b, cut, &e), 0);
			cr_assert_lt(ray_serve_parse(&sv, b, cut, &e), 0);
		}
		free(b);
	}
}

static struct ray_node mk(const char *ip, const char *state, int head, double cpu_used)
{
	struct ray_node n = {0};
	n.ip = (char *)ip;
	n.state = (char *)state;
	n.head = head;
	n.cpu.used = cpu_used;
	n.cpu.total = 16;
	n.gpu.used = n.gpu.total = n.mem.used = n.mem.total = n.osm.used = n.osm.total = RAY_NA;
	return n;
}

Test(ray, node_order_problems_first)
{
	struct ray_node v[] = {
	    mk("10.0.0.9", "ALIVE", 0, 1),	mk("10.0.0.10", "ALIVE", 1, 1),
	    mk("10.0.0.100", "ALIVE", 0, 16),	mk("10.0.0.2", "ALIVE", 0, 2),
	    mk("10.0.0.12", "DEAD", 0, RAY_NA),
	};
	qsort(v, ARRAY_LEN(v), sizeof v[0], ray_node_cmp);
	const char *want[] = {"10.0.0.12", "10.0.0.100", "10.0.0.10", "10.0.0.2", "10.0.0.9"};
	for (size_t i = 0; i < ARRAY_LEN(want); i++)
		cr_assert_str_eq(v[i].ip, want[i], "row %zu", i);
}

Test(ray, paths)
{
	char *p = rayc_path(RAYC_NODES, NULL);
	cr_assert_str_eq(p, "/nodes?view=summary");
	free(p);
	p = rayc_path(RAYC_JOB_LOGS, "raysubmit_a/b c");
	cr_assert_str_eq(p, "/api/jobs/raysubmit_a%2Fb%20c/logs");
	free(p);
	p = rayc_path(RAYC_JOB_STOP, "02000000");
	cr_assert_str_eq(p, "/api/jobs/02000000/stop");
	free(p);
}
