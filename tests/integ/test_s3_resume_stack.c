/* tests/integ/test_s3_resume_stack.c — parallel and resumed downloads
 * (issue 14) against the stack's s3rver: an object above the threshold
 * (put by the test) comes back through four ranged GETs in flight equal to
 * the file that was put (verified against s3rver's MD5 ETag on the way); a
 * download cancelled mid-way keeps its part and sidecar and the next one
 * resumes and lands the same bytes; an object put by a multipart upload has
 * the ETag S3 and MinIO give it (the MD5 of the parts' MD5s, "-N": the
 * stack's s3rver launcher computes it) and comes back checked by its size. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/config.h"
#include "lib/core/digest.h"
#include "lib/core/dl_meta.h"
#include "lib/core/download.h"
#include "lib/core/http.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/s3/s3c.h"
#include "stackenv.h"

#define WAIT_MS 30000
#define SIZE	((12 << 20) + 12345)

static char dir[64], src[128], dst[128];
static char url[64];
static struct target t;
/* Each test its own key: Criterion runs them side by side. */
static const char *key;

static void setup(void)
{
	const char *port = stackenv("S3_PORT");
	cr_assert_not_null(port, "S3_PORT missing from the stack env");
	snprintf(url, sizeof url, "http://127.0.0.1:%s", port);
	t = (struct target){.name = "s3",
			    .kind = TK_S3,
			    .url = url,
			    .access_key = (char *)stackenv("S3_ACCESS_KEY"),
			    .secret_key = (char *)stackenv("S3_SECRET_KEY"),
			    .region = "us-east-1",
			    .concurrency = 4,
			    .multipart_threshold = 4 << 20};
	snprintf(dir, sizeof dir, "/tmp/mlc-resume-stack-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(src, sizeof src, "%s/src.bin", dir);
	snprintf(dst, sizeof dst, "%s/dst.bin", dir);
}

static void delete_object(void);

static void fini(void)
{
	delete_object(); /* even when the test failed: the stack's listings stay as seeded */
	http_shutdown();
	loop_shutdown();
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
}

TestSuite(s3rver_get, .init = setup, .fini = fini);

struct got {
	volatile bool done;
	int calls;
	struct mlc_err err;
	bool failed;
	bool cancel; /* cancel once bytes have landed */
	struct loop_defer *later;
	struct s3c_req *req;
};

static void on_done(int64_t bytes, const struct mlc_err *err, void *arg)
{
	struct got *g = arg;
	(void)bytes;
	g->calls++;
	g->failed = err != NULL;
	if (err)
		g->err = *err;
	g->done = true;
}

static void on_err(const struct mlc_err *err, void *arg)
{
	on_done(0, err, arg);
}

static void do_cancel(void *arg)
{
	struct got *g = arg;
	s3c_cancel(g->req);
	g->done = true;
}

static void on_progress(int64_t now, int64_t total, void *arg)
{
	struct got *g = arg;
	if (g->cancel && now > 0 && now < total && !g->later)
		g->later = loop_defer(do_cancel, g);
}

static void run(struct got *g)
{
	cr_assert(stackenv_run_until(&g->done, WAIT_MS), "no end in %d ms", WAIT_MS);
}

static void put_object_as(const char *k, bool multipart);

/* A file of SIZE bytes nobody else has, put as key. Each test puts under a
 * top-level prefix of its own: s3rver removes a folder that a delete left
 * empty, and a put racing that removal under the same prefix fails with a
 * 500 (ENOENT from its mkdir) when the tests run in parallel. */
static void put_object(const char *k)
{
	put_object_as(k, false);
}

static void put_object_as(const char *k, bool multipart)
{
	key = k;
	FILE *f = fopen(src, "wb");
	cr_assert_not_null(f);
	uint64_t x = 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	for (int i = 0; i < SIZE; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		fputc((int)(x & 0xff), f);
	}
	fclose(f);
	struct got g = {0};
	if (multipart)
		s3c_put_multipart(&t, "data", key, src, NULL, on_done, &g);
	else
		s3c_put_file(&t, "data", key, src, NULL, on_done, &g);
	run(&g);
	cr_assert_not(g.failed, "%s", g.err.msg);
}

static void delete_object(void)
{
	if (!key)
		return;
	struct got g = {0};
	s3c_delete(&t, "data", key, on_err, &g);
	run(&g);
}

static void assert_same(void)
{
	char *cmd = xasprintf("cmp -s '%s' '%s'", src, dst);
	cr_assert_eq(system(cmd), 0, "%s differs from what was put", dst);
	free(cmd);
	char *part = dl_part_path(dst), *meta = dl_meta_path(dst);
	cr_assert_neq(access(part, F_OK), 0, "no part left");
	cr_assert_neq(access(meta, F_OK), 0, "no sidecar left");
	free(part);
	free(meta);
}

Test(s3rver_get, a_parallel_download_equals_the_object)
{
	put_object("resume-parallel/parallel.bin");
	struct got g = {0};
	s3c_download(&t, "data", key, dst, false, NULL, on_done, &g);
	run(&g);
	cr_assert_not(g.failed, "%s", g.err.msg);
	assert_same();
}

Test(s3rver_get, a_cancelled_download_resumes)
{
	put_object("resume-cancelled/cancelled.bin");
	struct got g = {.cancel = true};
	g.req = s3c_download(&t, "data", key, dst, false, on_progress, on_done, &g);
	run(&g);
	cr_assert_eq(g.calls, 0, "cancelled: no callback");
	char *meta = dl_meta_path(dst);
	struct dl_meta m;
	struct mlc_err e;
	cr_assert_eq(dl_meta_load(&m, meta, &e), 0, "%s", e.msg);
	cr_assert(dl_meta_done(&m) > 0 && dl_meta_done(&m) < SIZE, "%lld kept",
		  (long long)dl_meta_done(&m));
	dl_meta_free(&m);
	free(meta);
	struct got g2 = {0};
	s3c_download(&t, "data", key, dst, false, NULL, on_done, &g2);
	run(&g2);
	cr_assert_not(g2.failed, "%s", g2.err.msg);
	assert_same();
}

struct head_got {
	volatile bool done;
	struct s3_head h;
	struct mlc_err err;
	bool failed;
};

static void on_head(const struct s3_head *h, const struct mlc_err *err, void *arg)
{
	struct head_got *g = arg;
	g->failed = err != NULL;
	if (err)
		g->err = *err;
	else
		snprintf(g->h.etag, sizeof g->h.etag, "%s", h->etag);
	g->done = true;
}

/* "\"HEX-N\"": the MD5 of the concatenated MD5s of src's parts of psize. */
static void multipart_etag(int64_t psize, char *out, size_t cap)
{
	FILE *f = fopen(src, "rb");
	cr_assert_not_null(f);
	char *buf = xmalloc((size_t)psize);
	unsigned char *md5s = xmalloc(16 * 64);
	int n = 0;
	size_t got;
	while ((got = fread(buf, 1, (size_t)psize, f)) > 0)
		digest_md5(buf, got, md5s + 16 * n++);
	fclose(f);
	unsigned char all[16];
	digest_md5(md5s, (size_t)16 * n, all);
	char hex[33];
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", all[i]);
	snprintf(out, cap, "\"%s-%d\"", hex, n);
	free(buf);
	free(md5s);
}

Test(s3rver_get, a_multipart_object_has_the_s3_etag_and_comes_back_whole)
{
	put_object_as("resume-multipart/multipart.bin", true);
	struct head_got h = {0};
	s3c_head(&t, "data", key, on_head, &h);
	cr_assert(stackenv_run_until(&h.done, WAIT_MS), "no HeadObject answer");
	cr_assert_not(h.failed, "%s", h.err.msg);
	char want[80];
	multipart_etag(s3c_mpu_part_size(&t, SIZE), want, sizeof want);
	cr_assert_str_eq(h.h.etag, want, "ETag %s, S3 would give %s", h.h.etag, want);
	struct got g = {0};
	s3c_download(&t, "data", key, dst, false, NULL, on_done, &g);
	run(&g);
	cr_assert_not(g.failed, "%s", g.err.msg);
	assert_same();
}
