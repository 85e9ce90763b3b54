/* tests/bench/bench_s3get.c — one download through the console's S3 client
 * (s3c_download: HeadObject, then ranged GETs, 4 in flight above the
 * threshold, written off the loop, MD5-verified against the ETag), for
 * tests/bench/sec_s3get.sh to time beside aws s3 cp and s3cmd get.
 *
 *   bench_s3get URL ACCESS_KEY SECRET_KEY BUCKET KEY PATH [CONCURRENCY]
 *
 * Replaces PATH; prints the byte count on the last line; exit 1 on error. */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "lib/core/config.h"
#include "lib/core/http.h"
#include "lib/core/loop.h"
#include "lib/s3/s3c.h"

static bool done, failed;
static long long got;

static void on_done(int64_t bytes, const struct mlc_err *err, void *arg)
{
	(void)arg;
	done = true;
	got = bytes;
	if (err) {
		failed = true;
		fprintf(stderr, "bench_s3get: %s\n", err->msg);
	}
}

int main(int argc, char **argv)
{
	if (argc < 7) {
		fprintf(stderr, "usage: bench_s3get URL AK SK BUCKET KEY PATH [CONCURRENCY]\n");
		return 2;
	}
	struct target t = {.name = "bench",
			   .kind = TK_S3,
			   .url = argv[1],
			   .access_key = argv[2],
			   .secret_key = argv[3],
			   .region = "us-east-1",
			   .concurrency = argc > 7 ? atoi(argv[7]) : 0};
	s3c_download(&t, argv[4], argv[5], argv[6], true, NULL, on_done, NULL);
	while (!done)
		uv_run(loop_get(), UV_RUN_ONCE);
	http_shutdown();
	loop_shutdown();
	if (failed)
		return 1;
	printf("%lld\n", got);
	return 0;
}
