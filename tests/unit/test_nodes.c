/* tests/unit/test_nodes.c — the Nodes panel's parsers (lib/ssh/nodeinfo) on
 * the captures of tests/fixtures/nodes and on hostile variants: uptime,
 * free -b, /proc/meminfo, df -P, nvidia-smi CSV, docker ps JSON lines, ray
 * status, systemctl show. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "lib/ssh/nodeinfo.h"

static char *fx(const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "tests/fixtures/nodes/%s", name);
	return fixture_read(path, NULL);
}

Test(nodes, uptime_forms)
{
	struct ni_uptime u;
	struct mlc_err e;
	char *s = fx("head/uptime.out");
	cr_assert_eq(ni_parse_uptime(s, &u, &e), 0);
	cr_assert_eq(u.up_s, 12 * 86400 + 3 * 3600 + 4 * 60);
	cr_assert_float_eq(u.load[0], 0.52, 1e-9);
	cr_assert_float_eq(u.load[2], 0.59, 1e-9);
	free(s);
	s = fx("worker1/uptime.out");
	cr_assert_eq(ni_parse_uptime(s, &u, &e), 0);
	cr_assert_eq(u.up_s, 3 * 86400 + 20 * 60);
	cr_assert_float_eq(u.load[1], 6.02, 1e-9);
	free(s);
	s = fx("worker2/uptime.out");
	cr_assert_eq(ni_parse_uptime(s, &u, &e), 0);
	cr_assert_eq(u.up_s, 41 * 60);
	cr_assert_float_eq(u.load[0], 15.20, 1e-9);
	free(s);
	/* decimal commas (de_DE), and a line without load */
	cr_assert_eq(
	    ni_parse_uptime(" 10:00:00 up  2:03,  1 user,  load average: 0,52, 1,00, 2,50", &u, &e),
	    0);
	cr_assert_eq(u.up_s, 2 * 3600 + 3 * 60);
	cr_assert_float_eq(u.load[2], 2.5, 1e-9);
	cr_assert_lt(ni_parse_uptime("garbage", &u, &e), 0);
	cr_assert(strstr(e.msg, "load average"));
	cr_assert_lt(ni_parse_uptime("load average: x", &u, &e), 0);
	/* an uptime no machine has (the fuzzer's find: it overflowed the sum) */
	cr_assert_eq(ni_parse_uptime(" up 77777777777777777:12,  load average: 1, 2, 3", &u, &e),
		     0);
	cr_assert_eq(u.up_s, -1, "unknown, not a wrapped number");
}

Test(nodes, memory)
{
	struct ni_mem m;
	struct mlc_err e;
	char *s = fx("free.out");
	cr_assert_eq(ni_parse_free(s, &m, &e), 0);
	cr_assert_eq(m.total, 67324375040LL);
	cr_assert_eq(m.used, 21544419328LL);
	cr_assert_eq(m.avail, 45779955712LL);
	cr_assert_eq(m.swap_total, 2147479552LL);
	cr_assert_eq(m.swap_used, 262144000LL);
	free(s);
	cr_assert_lt(ni_parse_free("total used\nSwap: 1 2\n", &m, &e), 0);
	cr_assert_lt(ni_parse_free("Mem: 12\n", &m, &e), 0);
	cr_assert_eq(
	    ni_parse_meminfo("MemTotal:       16326332 kB\nMemFree:  1000 kB\n"
			     "MemAvailable:   8163166 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n",
			     &m, &e),
	    0);
	cr_assert_eq(m.total, 16326332LL * 1024);
	cr_assert_eq(m.used, (16326332LL - 8163166) * 1024);
	cr_assert_lt(ni_parse_meminfo("nothing\n", &m, &e), 0);
	/* a size past what kB → bytes can hold is no size (the fuzzer's find:
	 * it overflowed the multiplication) */
	cr_assert_lt(ni_parse_meminfo("MemTotal: 9223372036854775807 kB\n", &m, &e), 0);
	cr_assert_lt(ni_parse_meminfo("MemTotal: -5 kB\n", &m, &e), 0);
}

Test(nodes, df_rows_and_fullest)
{
	struct ni_disk d[16];
	int n;
	struct mlc_err e;
	char *s = fx("df.out");
	cr_assert_eq(ni_parse_df(s, d, 16, &n, &e), 0);
	cr_assert_eq(n, 7);
	cr_assert_str_eq(d[2].fs, "/dev/nvme0n1p2");
	cr_assert_str_eq(d[2].mount, "/");
	cr_assert_eq(d[2].size, 490617784LL * 1024);
	cr_assert_eq(d[2].pct, 70);
	/* the snap loop at 100% and tmpfs do not count */
	cr_assert_eq(ni_disk_fullest(d, n), 2);
	free(s);
	s = fx("worker2/df.out");
	cr_assert_eq(ni_parse_df(s, d, 16, &n, &e), 0);
	cr_assert_str_eq(d[3].mount, "/mnt/scratch disk");
	cr_assert_eq(ni_disk_fullest(d, n), 2);
	cr_assert_eq(d[2].pct, 91);
	free(s);
	cr_assert_lt(ni_parse_df("Filesystem x\n/dev/sda1 12 x\n", d, 16, &n, &e), 0);
	cr_assert(strstr(e.msg, "line 2"));
	/* sizes no disk has (the fuzzer's find: they overflowed blocks → bytes) */
	cr_assert_lt(ni_parse_df("/dev/x 9223372036854775807 1 1 1% /\n", d, 16, &n, &e), 0);
	cr_assert_lt(ni_parse_df("/dev/x 10 -1 1 1% /\n", d, 16, &n, &e), 0);
	/* more rows than room: the first ones kept */
	cr_assert_eq(ni_parse_df("/a 1 1 0 100% /a\n/b 1 1 0 100% /b\n", d, 1, &n, &e), 0);
	cr_assert_eq(n, 1);
}

Test(nodes, gpus)
{
	struct ni_gpu g[8];
	int n;
	struct mlc_err e;
	char *s = fx("worker2/nvidia-smi.out");
	cr_assert_eq(ni_parse_gpus(s, g, 8, &n, &e), 0);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(g[0].name, "NVIDIA GeForce RTX 4090");
	cr_assert_eq(g[0].util, 99);
	cr_assert_eq(g[0].mem_used, 22106);
	cr_assert_eq(g[0].mem_total, 24564);
	cr_assert_eq(g[0].temp, 78);
	cr_assert_float_eq(g[2].power, -1, 1e-9); /* [N/A] */
	cr_assert(ni_gpu_busy(&g[0]));
	cr_assert_not(ni_gpu_busy(&g[2]));
	cr_assert(ni_gpu_busy(&g[3])); /* idle but holding half its memory */
	free(s);
	cr_assert_lt(ni_parse_gpus("0, A100, 87\n", g, 8, &n, &e), 0);
	cr_assert_lt(ni_parse_gpus("0, A100, x, 1, 2, 3, 4\n", g, 8, &n, &e), 0);
	cr_assert_eq(ni_parse_gpus("", g, 8, &n, &e), 0);
	cr_assert_eq(n, 0);
	/* numbers no GPU reports stay within range instead of overflowing */
	cr_assert_eq(ni_parse_gpus("1e300, A, nan, 1e300, -1e300, 9e99, inf\n", g, 8, &n, &e), 0);
	cr_assert_eq(g[0].index, 1000000);
	cr_assert_eq(g[0].util, -1);
	cr_assert_eq(g[0].mem_used, (int64_t)1e12);
	cr_assert_eq(g[0].mem_total, -1);
}

Test(nodes, docker)
{
	struct ni_container c[8];
	int n;
	struct mlc_err e;
	char *s = fx("head/docker.out");
	cr_assert_eq(ni_parse_docker(s, c, 8, &n, &e), 0);
	cr_assert_eq(n, 4);
	cr_assert_eq(ni_containers_running(c, n), 3);
	cr_assert_str_eq(c[0].name, "platform-mlflow-1");
	cr_assert_str_eq(c[0].image, "ghcr.io/mlflow/mlflow:v2.12.1");
	cr_assert_str_eq(c[3].status, "Exited (137) 2 days ago");
	free(s);
	cr_assert_eq(ni_parse_docker("", c, 8, &n, &e), 0);
	cr_assert_eq(n, 0);
	cr_assert_lt(ni_parse_docker("{\"ID\":\"x\"\n", c, 8, &n, &e), 0);
	cr_assert_lt(ni_parse_docker("{\"ID\":1,\"State\":\"running\"}\n", c, 8, &n, &e), 0);
	cr_assert(strstr(e.msg, "line 1"));
}

Test(nodes, ray_status)
{
	struct ni_ray r;
	struct mlc_err e;
	char *s = fx("ray.out");
	cr_assert_eq(ni_parse_ray(s, &r, &e), 0);
	cr_assert_eq(r.alive, 3);
	cr_assert_eq(r.pending, 0);
	cr_assert_eq(r.failures, 0);
	cr_assert_eq(r.nuse, 4);
	cr_assert_str_eq(r.use[1].what, "GPU");
	cr_assert_float_eq(r.use[1].used, 3.0, 1e-9);
	cr_assert_float_eq(r.use[1].total, 6.0, 1e-9);
	cr_assert_str_eq(r.use[2].used_text, "0B");
	cr_assert_str_eq(r.use[2].total_text, "160.13GiB");
	free(s);
	cr_assert_lt(
	    ni_parse_ray("ConnectionError: Could not find any running Ray instance.\n", &r, &e), 0);
	cr_assert_eq(
	    ni_parse_ray("Node status\nActive:\n 2 node_a\nPending:\n node_b, 1 launching\n"
			 "Recent failures:\n node_c: RayletUnexpectedlyDied\n",
			 &r, &e),
	    0);
	cr_assert_eq(r.alive, 2);
	cr_assert_eq(r.pending, 1);
	cr_assert_eq(r.failures, 1);
	/* counts no cluster has (the fuzzer's find: they overflowed the sum) */
	cr_assert_eq(ni_parse_ray("Node status\nActive:\n -1395101695 a\n -1395101696 b\n 2 c\n"
				  " 999999 d\n 999999 e\n",
				  &r, &e),
		     0);
	cr_assert_eq(r.alive, NI_RAY_MAX_NODES);
}

Test(nodes, systemctl)
{
	struct ni_unit u[4];
	int n;
	struct mlc_err e;
	char *s = fx("systemctl.out");
	cr_assert_eq(ni_parse_systemctl(s, u, 4, &n, &e), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(u[0].id, "docker.service");
	cr_assert_str_eq(u[0].sub, "running");
	cr_assert_str_eq(u[1].active, "failed");
	free(s);
	cr_assert_lt(ni_parse_systemctl("Id=x\nnonsense\n", u, 4, &n, &e), 0);
}

Test(nodes, compose_ls)
{
	struct ni_compose c[4];
	int n = -1;
	struct mlc_err e;
	char *s = fx("head/docker-compose.out");
	cr_assert_eq(ni_parse_compose(s, c, 4, &n, &e), 0, "%s", e.msg);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(c[0].name, "platform");
	cr_assert_str_eq(c[0].status, "running(3)");
	cr_assert_str_eq(c[0].files, "/opt/platform/docker-compose.yml");
	cr_assert_str_eq(c[1].status, "exited(1), running(1)");
	free(s);
	cr_assert_eq(ni_parse_compose(s = fx("head/docker-compose.out"), c, 1, &n, &e), 0);
	cr_assert_eq(n, 1, "capped at max");
	free(s);
	cr_assert_eq(ni_parse_compose(" \n", c, 4, &n, &e), 0);
	cr_assert_eq(n, 0, "no output: no project");
	cr_assert_eq(ni_parse_compose("[]", c, 4, &n, &e), 0);
	cr_assert_eq(n, 0);
	cr_assert_lt(ni_parse_compose("{\"Name\":\"x\"}", c, 4, &n, &e), 0);
	cr_assert(strstr(e.msg, "array"), "%s", e.msg);
	cr_assert_lt(ni_parse_compose("[{\"Name\":3}]", c, 4, &n, &e), 0);
	cr_assert(strstr(e.msg, "[0].Name"), "%s", e.msg);
	cr_assert_lt(ni_parse_compose("[{\"Name\":\"x\"", c, 4, &n, &e), 0);
	cr_assert_eq(ni_parse_compose("[1]", c, 4, &n, &e) < 0, true);
}
