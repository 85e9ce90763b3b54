/* tests/bench/bench_raytail.c — memory of following a 100 MB job log: the
 * Ray panel's client (rayc_tail over lib/core/ws, each piece appended to a
 * 5,000-line ray_logtail as the panel does) on the simulator's bigtail
 * mode. Prints the peak RSS (VmHWM) of the process at start (libcurl and
 * OpenSSL loaded), after holding
 * a tail of 5,000 lines of the log's shape alone (no network), and after
 * following the whole 100 MB stream into a fresh tail; with the bytes
 * received, the wall time and the client's CPU.
 * Usage: bench_raytail BASE_URL_IN_BIGTAIL_MODE JOB_ID */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "lib/core/config.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/ray/ray_logtail.h"
#include "lib/ray/rayc.h"
#include "tests/bench/bench.h"

static long hwm_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmHWM: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

struct follow {
	bool done, failed;
	struct ray_logtail tail;
	uint64_t bytes;
	struct rayc_tail *h;
	char err[256];
};

static void on_chunk(const char *p, size_t n, void *arg)
{
	struct follow *f = arg;
	f->bytes += n;
	ray_logtail_append(&f->tail, p, n);
}

static void on_end(const struct mlc_err *err, bool refused, void *arg)
{
	struct follow *f = arg;
	(void)refused;
	f->done = true;
	f->failed = err != NULL;
	if (err)
		snprintf(f->err, sizeof f->err, "%s", err->msg);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_raytail BASE_URL JOB_ID\n");
		return 2;
	}
	/* libcurl and OpenSSL loaded first, as in the console: not the tail's */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	curl_easy_cleanup(curl_easy_init());
	long start = hwm_kb();
	/* the tail alone: 5,000 lines of the stream's shape, held */
	struct ray_logtail alone;
	ray_logtail_init(&alone, 5000);
	char line[160];
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(line, sizeof line,
				 "\x1b[36m(TrainWorker pid=52110)\x1b[0m step %09d loss=1.%04d "
				 "lr=2.0e-04 tokens/s=1843.2 gpu_mem=71234MiB\n",
				 i, i % 997);
		ray_logtail_append(&alone, line, (size_t)n);
	}
	long held = hwm_kb();
	ray_logtail_free(&alone);

	struct target t = {.name = "ray", .kind = TK_RAY, .url = argv[1]};
	struct rayc c;
	rayc_init(&c, &t);
	struct follow f = {0};
	ray_logtail_init(&f.tail, 5000);
	double w0 = now_ms(), c0 = cpu_ms();
	f.h = rayc_tail(&c, argv[2], on_chunk, on_end, &f);
	while (!f.done)
		uv_run(loop_get(), UV_RUN_ONCE);
	double wall = now_ms() - w0, cpu = cpu_ms() - c0;
	long after = hwm_kb();
	if (f.failed) {
		fprintf(stderr, "bench_raytail: %s\n", f.err);
		return 1;
	}
	printf("%-46s %8.1f MB in %6.0f ms wall, %6.0f ms CPU (%.0f MB/s)\n",
	       "follow over /logs/tail (lib/core/ws)", f.bytes / 1048576.0, wall, cpu,
	       f.bytes / 1048576.0 / (wall / 1e3));
	printf("%-46s %8zu lines kept, %lu passed through\n", "tail", f.tail.n,
	       f.tail.dropped + f.tail.n);
	printf("%-46s %8.1f MB\n", "peak RSS at start", start / 1024.0);
	printf("%-46s %8.1f MB (+%.1f MB)\n", "peak RSS holding a 5,000-line tail alone",
	       held / 1024.0, (held - start) / 1024.0);
	printf("%-46s %8.1f MB (+%.1f MB over the tail alone)\n",
	       "peak RSS after following 100 MB", after / 1024.0, (after - held) / 1024.0);
	ray_logtail_free(&f.tail);
	return 0;
}
