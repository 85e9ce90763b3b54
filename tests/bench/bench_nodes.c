/* tests/bench/bench_nodes.c — the Nodes panel's SSH work against the
 * stack's sshd nodes, N sessions spread over them (N = argv[1], default
 * 16), three figures, each the best of ROUNDS:
 *  - inspect: a fleet of N nodes connecting and running every probe
 *    (uptime, free, df, nvidia-smi, docker ps, compose, ray status), parsed
 *    as the panel does; wall time to the last node's answer and the CPU;
 *    then one refresh on the open sessions (what runs every 10 s): its CPU
 *    and the bytes sent and received;
 *  - floor: the same commands over one sshc session each, output dropped
 *    (no fleet, no parsing): what inspection cannot be cheaper than.
 * The fan-out of one command is bench_fanout.c's.
 * Prints "name value unit" lines for sec_nodes.sh. Needs MLC_STACK_DIR. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "lib/core/config.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/ssh/fleet.h"
#include "lib/ssh/sshc.h"
#include "tests/bench/bench.h"

#define ROUNDS 3

static const char *stack;
static char env_buf[8192];

static const char *env(const char *key)
{
	static char val[256];
	size_t kl = strlen(key);
	for (char *p = env_buf; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0))
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			snprintf(val, sizeof val, "%.*s", (int)strcspn(p + kl + 1, "\n"),
				 p + kl + 1);
			return val;
		}
	fprintf(stderr, "bench_nodes: %s missing from %s/env\n", key, stack);
	exit(2);
}

static int nnodes = 16;
static int ports[3];
static char user[64], key[512], kh[512];

static struct sshc_opts opts(int i)
{
	struct sshc_opts o = {.host = "127.0.0.1",
			      .port = ports[i % 3],
			      .user = user,
			      .identity = key,
			      .known_hosts = kh,
			      .no_agent = true,
			      .connect_timeout_ms = 30000};
	return o;
}

/* ---- inspect: the fleet ---- */

static int inspected;
static struct fleet *fl;

static void changed(int i, void *arg)
{
	int k = 0;
	for (int j = 0; j < fl->n; j++)
		k += fl->nodes[j].updated_ms != 0 || fl->nodes[j].state == FS_DOWN;
	inspected = k;
}

/* A refresh on open sessions, as every 10 s: CPU and bytes each way. */
static double refresh_cpu = 1e18, refresh_wall;
static uint64_t refresh_sent, refresh_recv;

static void refresh_cost(void)
{
	int64_t before[256];
	for (int i = 0; i < fl->n && i < 256; i++)
		before[i] = fl->nodes[i].updated_ms;
	uint64_t s0, r0, s1, r1;
	fleet_traffic(fl, &s0, &r0);
	double t0 = now_ms(), c0 = cpu_ms();
	fleet_refresh(fl, -1);
	for (bool all = false; !all;) {
		uv_run(loop_get(), UV_RUN_ONCE);
		all = true;
		for (int i = 0; i < fl->n && i < 256; i++)
			all = all &&
			      (fl->nodes[i].inflight == 0 && fl->nodes[i].updated_ms != before[i]);
	}
	double c = cpu_ms() - c0;
	fleet_traffic(fl, &s1, &r1);
	if (c < refresh_cpu) {
		refresh_cpu = c;
		refresh_wall = now_ms() - t0;
		refresh_sent = s1 - s0;
		refresh_recv = r1 - r0;
	}
}

static double bench_inspect(double *cpu)
{
	char path[] = "/tmp/bench_nodes.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	for (int i = 0; i < nnodes; i++)
		fprintf(f,
			"[node n%d]\nhost = 127.0.0.1\nport = %d\nuser = %s\nidentity = %s\n"
			"known_hosts = %s\nroles = %s\ntimeout = 60s\n",
			i, ports[i % 3], user, key, kh, i == 0 ? "ray-head" : "ray-worker");
	fclose(f);
	struct config c;
	struct mlc_err e;
	config_init(&c);
	if (config_read_file(&c, path, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		exit(2);
	}
	unlink(path);
	inspected = 0;
	double t0 = now_ms(), c0 = cpu_ms();
	fl = fleet_new(&c, 600000, changed, NULL);
	while (inspected < nnodes)
		uv_run(loop_get(), UV_RUN_ONCE);
	double wall = now_ms() - t0;
	*cpu = cpu_ms() - c0;
	for (int i = 0; i < fl->n; i++)
		if (fl->nodes[i].state == FS_DOWN)
			fprintf(stderr, "node %d down: %s\n", i, fl->nodes[i].why);
	refresh_cost();
	fleet_free(fl);
	for (int i = 0; i < 8; i++)
		uv_run(loop_get(), UV_RUN_NOWAIT);
	config_free(&c);
	return wall;
}

/* ---- floor: sshc sessions, the same commands, nothing parsed ---- */

struct raw_node {
	struct sshc_session *s;
	int next; /* the next probe to run */
	bool up, done;
	double t_done;
};
static struct raw_node *rn;
static int raw_left;

static void raw_next(struct raw_node *r);

static void raw_exec_done(const struct sshc_result *res, const struct mlc_err *err, void *arg)
{
	raw_next(arg);
}

/* One command after the other on a node, as the fleet does. */
static void raw_next(struct raw_node *r)
{
	int i = (int)(r - rn);
	while (r->next < FP_COUNT) {
		int p = r->next++;
		if (p == FP_UNITS || (p == FP_RAY && i != 0))
			continue;
		static struct fleet_node dummy;
		dummy.ray_node = true;
		sshc_exec(r->s, fleet_probe_cmd(&dummy, p), 256 * 1024, 60000, raw_exec_done, r);
		return;
	}
	r->done = true;
	r->t_done = now_ms();
	raw_left--;
}

static void raw_connected(struct sshc_session *s, const struct mlc_err *err, void *arg)
{
	struct raw_node *r = arg;
	if (err) {
		fprintf(stderr, "floor: %s\n", err->msg);
		exit(2);
	}
	r->up = true;
	raw_next(r);
}

static double bench_floor(double *cpu)
{
	rn = xcalloc((size_t)nnodes, sizeof *rn);
	raw_left = nnodes;
	double t0 = now_ms(), c0 = cpu_ms();
	for (int i = 0; i < nnodes; i++) {
		struct sshc_opts o = opts(i);
		rn[i].s = sshc_connect(&o, raw_connected, &rn[i]);
	}
	while (raw_left > 0)
		uv_run(loop_get(), UV_RUN_ONCE);
	double wall = now_ms() - t0;
	*cpu = cpu_ms() - c0;
	return wall;
}

static void load_env(void)
{
	stack = getenv("MLC_STACK_DIR");
	if (!stack) {
		fprintf(stderr, "bench_nodes: MLC_STACK_DIR not set\n");
		exit(2);
	}
	char *p = xasprintf("%s/env", stack);
	FILE *f = fopen(p, "r");
	free(p);
	if (!f || !fread(env_buf, 1, sizeof env_buf - 1, f)) {
		fprintf(stderr, "bench_nodes: cannot read %s/env\n", stack);
		exit(2);
	}
	fclose(f);
	ports[0] = atoi(env("SSH_HEAD_PORT"));
	ports[1] = atoi(env("SSH_WORKER1_PORT"));
	ports[2] = atoi(env("SSH_WORKER2_PORT"));
	snprintf(user, sizeof user, "%s", env("SSH_USER"));
	snprintf(key, sizeof key, "%s", env("SSH_IDENTITY"));
	snprintf(kh, sizeof kh, "%s", env("SSH_KNOWN_HOSTS"));
}

int main(int argc, char **argv)
{
	if (argc > 1)
		nnodes = atoi(argv[1]) > 0 ? atoi(argv[1]) : 16;
	load_env();
	double best_i = 1e18, best_ic = 0, best_f = 1e18, best_fc = 0;
	for (int round = 0; round < ROUNDS; round++) {
		double c, w = bench_inspect(&c);
		if (w < best_i) {
			best_i = w;
			best_ic = c;
		}
		w = bench_floor(&c);
		if (w < best_f) {
			best_f = w;
			best_fc = c;
		}
		for (int i = 0; i < nnodes; i++)
			sshc_close(rn[i].s);
		free(rn);
	}
	printf("nodes %d\n", nnodes);
	printf("inspect_wall %.0f ms\ninspect_cpu %.0f ms\n", best_i, best_ic);
	printf("floor_wall %.0f ms\nfloor_cpu %.0f ms\n", best_f, best_fc);
	printf("refresh_wall %.0f ms\nrefresh_cpu %.1f ms\nrefresh_sent %llu B\n"
	       "refresh_received %llu B\n",
	       refresh_wall, refresh_cpu, (unsigned long long)refresh_sent,
	       (unsigned long long)refresh_recv);
	for (int i = 0; i < 8; i++)
		uv_run(loop_get(), UV_RUN_NOWAIT);
	loop_shutdown();
	return 0;
}
