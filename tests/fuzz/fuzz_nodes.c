/* tests/fuzz/fuzz_nodes.c — the Nodes panel's parsers (lib/ssh/nodeinfo*)
 * on arbitrary command output, seeded from tests/fixtures/nodes. Oracles:
 * counts stay within the room given, strings stay NUL-terminated inside
 * their fields, the fullest disk is a real row or -1, every parser either
 * succeeds or says why. */
#include <string.h>

#include "fuzz.h"
#include "lib/ssh/nodeinfo.h"

#define TERMINATED(f) FUZZ_CHECK(memchr((f), '\0', sizeof(f)) != NULL, #f " terminated")

static void check_err(int rc, const struct mlc_err *e)
{
	if (rc < 0)
		FUZZ_CHECK(e->msg[0] != '\0', "an error says why");
}

static void fuzz_tables(const char *s)
{
	struct mlc_err e;
	struct ni_disk d[8];
	struct ni_gpu g[4];
	struct ni_container c[4];
	struct ni_unit u[4];
	int n = -1;
	check_err(ni_parse_df(s, d, 8, &n, &e), &e);
	FUZZ_CHECK(n >= 0 && n <= 8, "df rows within room");
	int best = ni_disk_fullest(d, n);
	FUZZ_CHECK(best >= -1 && best < n, "fullest is a row");
	for (int i = 0; i < n; i++) {
		TERMINATED(d[i].fs);
		TERMINATED(d[i].mount);
	}
	check_err(ni_parse_gpus(s, g, 4, &n, &e), &e);
	FUZZ_CHECK(n >= 0 && n <= 4, "gpus within room");
	for (int i = 0; i < n; i++)
		TERMINATED(g[i].name);
	check_err(ni_parse_docker(s, c, 4, &n, &e), &e);
	FUZZ_CHECK(n >= 0 && n <= 4, "containers within room");
	FUZZ_CHECK(ni_containers_running(c, n) <= n, "running <= total");
	check_err(ni_parse_systemctl(s, u, 4, &n, &e), &e);
	FUZZ_CHECK(n >= 0 && n <= 4, "units within room");
	struct ni_compose p[4];
	check_err(ni_parse_compose(s, p, 4, &n, &e), &e);
	FUZZ_CHECK(n >= 0 && n <= 4, "compose projects within room");
	for (int i = 0; i < n; i++) {
		TERMINATED(p[i].name);
		TERMINATED(p[i].files);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	struct mlc_err e;
	struct ni_uptime up;
	struct ni_mem m;
	struct ni_ray r;
	check_err(ni_parse_uptime(s, &up, &e), &e);
	check_err(ni_parse_free(s, &m, &e), &e);
	check_err(ni_parse_meminfo(s, &m, &e), &e);
	check_err(ni_parse_ray(s, &r, &e), &e);
	FUZZ_CHECK(r.nuse >= 0 && r.nuse <= 8, "ray usage within room");
	fuzz_tables(s);
	free(s);
	return 0;
}
