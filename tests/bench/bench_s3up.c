/* tests/bench/bench_s3up.c — one multipart upload through lib/s3/s3c_mpu.c
 * (the console's own client, its default part size and concurrency unless
 * BENCH_UP_PART_MB / BENCH_UP_CONC say otherwise) of a local file to the
 * stack's s3rver: prints "wall SECONDS cpu SECONDS parts N" (CPU: user +
 * system of every thread of the process, the pool's reads and hashes
 * included), exit 1 on failure.
 *   bench_s3up ENDPOINT ACCESS_KEY SECRET_KEY BUCKET KEY FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "lib/core/config.h"
#include "lib/core/http.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/s3/s3c.h"

static bool done, failed;

static void on_done(int64_t bytes, const struct mlc_err *err, void *arg)
{
	(void)arg;
	done = true;
	if (err) {
		failed = true;
		fprintf(stderr, "bench_s3up: %s\n", err->msg);
	} else {
		(void)bytes;
	}
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: bench_s3up ENDPOINT ACCESS_KEY SECRET_KEY BUCKET KEY FILE\n");
		return 2;
	}
	struct target t = {.name = "bench",
			   .kind = TK_S3,
			   .url = argv[1],
			   .access_key = argv[2],
			   .secret_key = argv[3],
			   .region = "us-east-1"};
	if (getenv("BENCH_UP_PART_MB"))
		t.part_size = (int64_t)atoi(getenv("BENCH_UP_PART_MB")) << 20;
	if (getenv("BENCH_UP_CONC"))
		t.concurrency = atoi(getenv("BENCH_UP_CONC"));
	double w0 = now_s(), c0 = cpu_s();
	struct s3c_mpu *m = s3c_put_multipart(&t, argv[4], argv[5], argv[6], NULL, on_done, NULL);
	struct s3c_mpu_info in;
	s3c_mpu_info(m, &in);
	int parts = in.parts;
	while (!done)
		uv_run(loop_get(), UV_RUN_ONCE);
	double w1 = now_s(), c1 = cpu_s();
	printf("wall %.2f cpu %.2f parts %d\n", w1 - w0, c1 - c0, parts);
	http_shutdown();
	loop_shutdown();
	return failed ? 1 : 0;
}
