/* tests/bench/bench_ray.c — one refresh of the Ray panel's nodes view on a
 * big cluster (the simulator's --big-cluster): /api/cluster_status,
 * /nodes?view=summary, /api/v0/nodes?detail=true and /api/v0/actors: the
 * console's client (lib/ray's rayc on the loop, the four at once, parsed
 * into lib/ray structs, the state nodes merged and the nodes sorted as the
 * panel keeps them) against the floor: a minimal libcurl + jansson loop
 * fetching the same four and walking every row, building nothing. Prints
 * per refresh the wall time, the client's CPU (user + system), the bytes
 * fetched, and, on the same bodies held in memory, the parse alone; each
 * the best of ROUNDS after an untimed warm-up. With PROMETHEUS_URL, the
 * Nodes view's sparkline queries too: one query_range a metric for every
 * node, their bytes.
 * Usage: bench_ray BASE_URL [ROUNDS [PROMETHEUS_URL]] */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "lib/core/config.h"
#include "lib/core/http.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/prom/prom.h"
#include "lib/ray/ray.h"
#include "lib/ray/rayc.h"
#include "tests/bench/bench.h"

static const enum rayc_what what[] = {RAYC_CLUSTER, RAYC_NODES, RAYC_STATE_NODES, RAYC_ACTORS};
#define NREQ ((int)ARRAY_LEN(what))

/* ---- the floor: libcurl easy + jansson, one after the other -------------- */

static size_t grow(char *p, size_t sz, size_t n, void *arg)
{
	buf_append(arg, p, sz * n);
	return sz * n;
}

/* Every row of the answer touched once: what a display needs at least. */
static size_t floor_walk(json_t *root)
{
	json_t *data = json_object_get(root, "data");
	json_t *rows = json_object_get(json_object_get(data, "result"), "result");
	if (!json_is_array(rows))
		rows = json_object_get(data, "summary");
	size_t n = 0, i;
	json_t *row;
	json_array_foreach(rows, i, row) n += json_object_size(row) > 0;
	return n + (json_object_get(data, "clusterStatus") != NULL);
}

static int floor_refresh(CURL *e, const char *base, struct buf *bodies, size_t *rows)
{
	*rows = 0;
	for (int k = 0; k < NREQ; k++) {
		char *path = rayc_path(what[k], NULL);
		char *url = xasprintf("%s%s", base, path);
		buf_reset(&bodies[k]);
		curl_easy_setopt(e, CURLOPT_URL, url);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, grow);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &bodies[k]);
		CURLcode rc = curl_easy_perform(e);
		free(url);
		free(path);
		if (rc != CURLE_OK) {
			fprintf(stderr, "floor: %s\n", curl_easy_strerror(rc));
			return -1;
		}
		json_t *root = json_loadb(bodies[k].data, bodies[k].len, 0, NULL);
		*rows += floor_walk(root);
		json_decref(root);
	}
	return 0;
}

/* ---- the console: rayc, four at once on the loop ------------------------- */

struct ours {
	int left, failed;
	struct ray_cluster cluster;
	struct ray_nodes nodes;
	struct ray_state_nodes state;
	struct ray_actors actors;
};

struct slot {
	struct ours *o;
	enum rayc_what w;
};

static void got(void *res, const struct mlc_err *err, void *arg)
{
	struct slot *s = arg;
	struct ours *o = s->o;
	o->left--;
	if (err) {
		fprintf(stderr, "console: %s\n", err->msg);
		o->failed = 1;
		return;
	}
	switch (s->w) { /* moved out, as the panel keeps them */
	case RAYC_CLUSTER:
		o->cluster = *(struct ray_cluster *)res;
		memset(res, 0, sizeof o->cluster);
		break;
	case RAYC_NODES:
		o->nodes = *(struct ray_nodes *)res;
		memset(res, 0, sizeof o->nodes);
		break;
	case RAYC_STATE_NODES:
		o->state = *(struct ray_state_nodes *)res;
		memset(res, 0, sizeof o->state);
		break;
	default:
		o->actors = *(struct ray_actors *)res;
		memset(res, 0, sizeof o->actors);
		break;
	}
}

static int ours_refresh(struct rayc *c, struct ours *o)
{
	memset(o, 0, sizeof *o);
	struct slot slots[NREQ];
	o->left = NREQ;
	for (int k = 0; k < NREQ; k++) {
		slots[k] = (struct slot){o, what[k]};
		rayc_get(c, what[k], NULL, got, &slots[k]);
	}
	while (o->left > 0)
		uv_run(loop_get(), UV_RUN_ONCE);
	if (o->failed)
		return -1;
	ray_nodes_merge_state(&o->nodes, &o->state);
	qsort(o->nodes.v, o->nodes.n, sizeof *o->nodes.v, ray_node_cmp);
	return 0;
}

static void ours_free(struct ours *o)
{
	ray_cluster_free(&o->cluster);
	ray_nodes_free(&o->nodes);
	ray_state_nodes_free(&o->state);
	ray_actors_free(&o->actors);
}

/* The console's parsers (and merge, sort) on bodies held in memory. */
static int ours_parse(struct buf *b)
{
	struct ours o = {0};
	struct mlc_err e;
	if (ray_cluster_parse(&o.cluster, b[0].data, b[0].len, &e) < 0 ||
	    ray_nodes_parse(&o.nodes, b[1].data, b[1].len, &e) < 0 ||
	    ray_state_nodes_parse(&o.state, b[2].data, b[2].len, &e) < 0 ||
	    ray_actors_parse(&o.actors, b[3].data, b[3].len, &e) < 0) {
		fprintf(stderr, "parse: %s\n", e.msg);
		return -1;
	}
	ray_nodes_merge_state(&o.nodes, &o.state);
	qsort(o.nodes.v, o.nodes.n, sizeof *o.nodes.v, ray_node_cmp);
	int n = (int)o.nodes.n;
	ours_free(&o);
	return n;
}

static size_t floor_parse(struct buf *b)
{
	size_t rows = 0;
	for (int k = 0; k < NREQ; k++) {
		json_t *root = json_loadb(b[k].data, b[k].len, 0, NULL);
		rows += floor_walk(root);
		json_decref(root);
	}
	return rows;
}

/* The Nodes view's sparklines: one query_range a metric for every node (as
 * panels/ray_spark.c asks), its bytes and series. */
static void sparklines(const char *prom)
{
	static const char *const q[] = {"max by (ip) (ray_node_cpu_utilization)",
					"max by (ip) (ray_node_gpus_utilization)"};
	CURL *e = curl_easy_init();
	int64_t now = time(NULL);
	for (size_t k = 0; k < ARRAY_LEN(q); k++) {
		char *path = prom_query_range_path(q[k], now - 900, now, prom_step(900, 10, 1));
		char *url = xasprintf("%s%s", prom, path);
		struct buf b;
		buf_init(&b);
		curl_easy_setopt(e, CURLOPT_URL, url);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, grow);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
		double t0 = now_ms();
		CURLcode rc = curl_easy_perform(e);
		double t = now_ms() - t0;
		struct prom_result r;
		struct mlc_err err;
		if (rc == CURLE_OK && prom_result_parse(&r, b.data, b.len, &err) == 0) {
			printf("sparklines: %-42s %7zu bytes, %3zu series, %5.1f ms\n", q[k], b.len,
			       r.n, t);
			prom_result_free(&r);
		} else {
			printf("sparklines: %s: no answer\n", q[k]);
		}
		buf_free(&b);
		free(url);
		free(path);
	}
	curl_easy_cleanup(e);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s BASE_URL [ROUNDS [PROMETHEUS_URL]]\n", argv[0]);
		return 2;
	}
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct target t = {.name = "bench", .kind = TK_RAY, .url = argv[1], .timeout_ms = 600000};
	struct rayc c;
	rayc_init(&c, &t);
	CURL *e = curl_easy_init();
	struct buf bodies[NREQ];
	for (int k = 0; k < NREQ; k++)
		buf_init(&bodies[k]);
	size_t rows;
	if (floor_refresh(e, argv[1], bodies, &rows) < 0) /* warm-up */
		return 1;
	struct ours o;
	if (ours_refresh(&c, &o) < 0)
		return 1;
	size_t nodes = o.nodes.n, actors = o.actors.n, bytes = 0;
	ours_free(&o);
	for (int k = 0; k < NREQ; k++)
		bytes += bodies[k].len;
	double ow = 1e18, oc = 1e18, fw = 1e18, fc = 1e18, op = 1e18, fp = 1e18;
	for (int r = 0; r < rounds; r++) {
		double w0 = now_ms(), c0 = cpu_ms();
		if (ours_refresh(&c, &o) < 0)
			return 1;
		ow = MLC_MIN(ow, now_ms() - w0), oc = MLC_MIN(oc, cpu_ms() - c0);
		ours_free(&o);
		w0 = now_ms(), c0 = cpu_ms();
		if (floor_refresh(e, argv[1], bodies, &rows) < 0)
			return 1;
		fw = MLC_MIN(fw, now_ms() - w0), fc = MLC_MIN(fc, cpu_ms() - c0);
		c0 = cpu_ms();
		if (ours_parse(bodies) < 0)
			return 1;
		op = MLC_MIN(op, cpu_ms() - c0);
		c0 = cpu_ms();
		floor_parse(bodies);
		fp = MLC_MIN(fp, cpu_ms() - c0);
	}
	printf("cluster: %zu nodes, %zu actors; %zu bytes a refresh (4 requests)\n", nodes, actors,
	       bytes);
	printf("%-30s %10s %10s %8s\n", "one refresh (best of rounds)", "console", "floor",
	       "ratio");
	printf("%-30s %10.1f %10.1f %7.2fx\n", "wall ms (server included)", ow, fw, ow / fw);
	printf("%-30s %10.1f %10.1f %7.2fx\n", "client CPU ms", oc, fc, oc / fc);
	printf("%-30s %10.1f %10.1f %7.2fx\n", "parse CPU ms (bodies held)", op, fp, op / fp);
	if (argc > 3)
		sparklines(argv[3]);
	for (int k = 0; k < NREQ; k++)
		buf_free(&bodies[k]);
	curl_easy_cleanup(e);
	loop_shutdown();
	return 0;
}
