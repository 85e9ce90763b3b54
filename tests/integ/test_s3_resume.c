/* tests/integ/test_s3_resume.c — resumable, parallel downloads (issue 14)
 * against tests/stack/sigv4_s3.py, which verifies every request's
 * signature, serves ranges and, through its /__test/ controls, cuts answers
 * short, changes an object's ETag and tells which ranges were asked for.
 * An interrupted download is resumed with ranged GETs of only the missing
 * bytes and verified byte for byte; a changed object starts from zero; a
 * parallel download above the threshold equals the object; a corrupted
 * part fails its MD5 and is not renamed; a cancel keeps the part; a part
 * with a hostile sidecar is started over, one without a sidecar left
 * alone. Each test starts its own server (no stack needed). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/core/config.h"
#include "lib/core/dl_meta.h"
#include "lib/core/download.h"
#include "lib/core/http.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/s3/s3c.h"
#include "sigv4srv.h"
#include "stackenv.h"

#define WAIT_MS 20000
#define AK	"RESUMEKEY"
#define SK	"resume/secret+key"
#define SMALL	(3 << 20)  /* below the 4 MiB test threshold: one GET */
#define BIG	(10 << 20) /* above the 4 MiB test threshold: parallel */
#define CUT	1234567	   /* bytes the cut answer carries */

static struct {
	struct sigv4srv srv;
	char dir[64];
	int port;
	char *path;
} sv = {.srv = {.pid = -1, .stdin_fd = -1}};

static void sv_start(void)
{
	snprintf(sv.dir, sizeof sv.dir, "/tmp/mlc-resume-XXXXXX");
	cr_assert_not_null(mkdtemp(sv.dir));
	const char *const args[] = {"--access-key",
				    AK,
				    "--secret-key",
				    SK,
				    "--object",
				    "data/small.bin=3145728",
				    "--object",
				    "data/big.bin=10485760",
				    "--object",
				    "data/empty.bin=0",
				    NULL};
	sigv4srv_start(&sv.srv, sv.dir, args);
	sv.port = sv.srv.port;
	sv.path = xasprintf("%s/model.bin", sv.dir);
}

static void sv_stop(void)
{
	http_shutdown();
	loop_shutdown();
	sigv4srv_stop(&sv.srv, sv.dir);
	free(sv.path);
}

TestSuite(s3resume, .init = sv_start, .fini = sv_stop);

static struct target target(void)
{
	static char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d", sv.port);
	struct target t = {.name = "sigv4",
			   .kind = TK_S3,
			   .url = url,
			   .access_key = AK,
			   .secret_key = SK,
			   .region = "us-east-1",
			   .concurrency = 4,
			   .multipart_threshold = 4 << 20};
	return t;
}

/* ---- the server's controls ----------------------------------------------------- */

struct ctl {
	volatile bool done;
	long status;
	char *body;
};

static void ctl_done(const struct http_resp *r, const struct mlc_err *e, void *arg)
{
	struct ctl *c = arg;
	cr_assert_null(e, "%s", e ? e->msg : "");
	c->status = r->status;
	c->body = xstrdup(r->body);
	c->done = true;
}

/* One control request; returns its body (caller frees). */
static char *ctl(const char *method, const char *path_query)
{
	char *url = xasprintf("http://127.0.0.1:%d/__test/%s", sv.port, path_query);
	struct http_opts o = {.method = method, .url = url};
	struct ctl c = {0};
	http_request(&o, ctl_done, &c);
	cr_assert(stackenv_run_until(&c.done, WAIT_MS), "control %s gave no answer", url);
	cr_assert(c.status == 200 || c.status == 204, "%s: HTTP %ld", url, c.status);
	free(url);
	return c.body;
}

/* ---- downloads ----------------------------------------------------------------- */

struct got {
	volatile bool done;
	int calls;
	int64_t bytes, progress_max;
	struct mlc_err err;
	bool failed;
	struct s3c_req *req;
	struct loop_defer *cancel_at; /* cancel once progress shows bytes */
	int64_t kept;
};

static void on_done(int64_t bytes, const struct mlc_err *err, void *arg)
{
	struct got *g = arg;
	g->calls++;
	g->bytes = bytes;
	g->failed = err != NULL;
	if (err)
		g->err = *err;
	g->done = true;
}

static void do_cancel(void *arg)
{
	struct got *g = arg;
	s3c_cancel(g->req);
	g->req = NULL;
	g->done = true;
}

static void on_progress(int64_t now, int64_t total, void *arg)
{
	struct got *g = arg;
	(void)total;
	g->progress_max = MLC_MAX(g->progress_max, now);
	if (g->kept == -1 && now > 0 && !g->cancel_at)
		g->cancel_at = loop_defer(do_cancel, g);
}

static int concurrency = 4;

static void download(const char *key, struct got *g)
{
	struct target t = target();
	t.concurrency = concurrency;
	g->done = false;
	g->req = s3c_download(&t, "data", key, sv.path, false, on_progress, on_done, g);
	cr_assert(stackenv_run_until(&g->done, WAIT_MS), "download of %s never ended", key);
	g->req = NULL;
}

/* The seeded object's bytes (sigv4_s3.py --object: i % 251), the first
 * changed by n (/__test/change). */
static void assert_object(const char *path, size_t size, int changed)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	unsigned char *buf = xmalloc(size + 1);
	size_t n = fread(buf, 1, size + 1, f);
	fclose(f);
	cr_assert_eq(n, size, "%s holds %zu bytes, not %zu", path, n, size);
	for (size_t i = 0; i < size; i++) {
		unsigned char want = (unsigned char)(i % 251 + (i == 0 ? changed : 0));
		if (buf[i] != want)
			cr_assert_fail("%s: byte %zu is %u, not %u", path, i, buf[i], want);
	}
	free(buf);
}

static bool exists(const char *p)
{
	return access(p, F_OK) == 0;
}

static char *part_of(void)
{
	return dl_part_path(sv.path);
}

/* An interrupted download of key: the server cuts the first GET after CUT
 * bytes; the part and its sidecar stay with those bytes. */
static void interrupted(const char *key)
{
	free(ctl("POST", "cut?after="
			 "1234567"
			 "&count=1"));
	struct got g = {0};
	download(key, &g);
	cr_assert(g.failed, "the cut answer failed the download");
	cr_assert_not_null(strstr(g.err.msg, "kept in"), "%s", g.err.msg);
	cr_assert_not_null(strstr(g.err.msg, "d again resumes"), "%s", g.err.msg);
	cr_assert(!exists(sv.path), "nothing published");
	char *part = part_of(), *meta = dl_meta_path(sv.path);
	cr_assert(exists(part) && exists(meta), "part and sidecar kept");
	struct dl_meta m;
	struct mlc_err e;
	cr_assert_eq(dl_meta_load(&m, meta, &e), 0, "%s", e.msg);
	cr_assert_eq(dl_meta_done(&m), CUT, "the sidecar names the %d bytes that came", CUT);
	dl_meta_free(&m);
	free(part);
	free(meta);
}

Test(s3resume, an_interrupted_download_resumes_with_the_missing_range_only)
{
	interrupted("small.bin");
	char *first = ctl("GET", "ranges");
	cr_assert_str_eq(first, "206 small.bin bytes=0-3145727\n");
	struct got g = {0};
	download("small.bin", &g);
	cr_assert(!g.failed, "%s", g.err.msg);
	cr_assert_eq(g.bytes, SMALL);
	char *second = ctl("GET", "ranges");
	cr_assert_str_eq(second, "206 small.bin bytes=1234567-3145727\n",
			 "only the missing bytes are asked for");
	assert_object(sv.path, SMALL, 0);
	char *part = part_of(), *meta = dl_meta_path(sv.path);
	cr_assert(!exists(part) && !exists(meta), "part and sidecar gone");
	free(part);
	free(meta);
	free(first);
	free(second);
}

Test(s3resume, an_object_changed_since_the_interruption_starts_from_zero)
{
	interrupted("small.bin");
	free(ctl("GET", "ranges"));
	free(ctl("POST", "change?bucket=data&key=small.bin"));
	struct got g = {0};
	download("small.bin", &g);
	cr_assert(!g.failed, "%s", g.err.msg);
	char *again = ctl("GET", "ranges");
	cr_assert_str_eq(again, "206 small.bin bytes=0-3145727\n", "downloaded again from zero");
	assert_object(sv.path, SMALL, 1);
	free(again);
}

Test(s3resume, a_parallel_download_above_the_threshold_equals_the_object)
{
	struct got g = {0};
	download("big.bin", &g);
	cr_assert(!g.failed, "%s", g.err.msg);
	cr_assert_eq(g.bytes, BIG);
	cr_assert_eq(g.progress_max, BIG);
	assert_object(sv.path, BIG, 0);
	/* 1 MiB pieces (10 MiB, 4 streams): ten ranged GETs, each a piece. */
	char *ranges = ctl("GET", "ranges");
	for (int i = 0; i < 10; i++) {
		char want[80];
		snprintf(want, sizeof want, "206 big.bin bytes=%d-%d\n", i << 20,
			 ((i + 1) << 20) - 1);
		cr_assert_not_null(strstr(ranges, want), "%s missing from:\n%s", want, ranges);
	}
	size_t lines = 0;
	for (const char *p = ranges; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, 10, "%s", ranges);
	free(ranges);
}

/* Every "STATUS KEY bytes=A-B" line of ranges: none starts inside what m
 * holds, and together they are the bytes m lacks. */
static void assert_only_missing(const char *ranges, const struct dl_meta *m)
{
	int64_t asked = 0;
	for (const char *p = ranges; (p = strstr(p, "bytes=")); p++) {
		long long a, b;
		cr_assert_eq(sscanf(p, "bytes=%lld-%lld", &a, &b), 2, "%s", p);
		cr_assert_eq(dl_meta_done_to(m, a), a, "bytes %lld-%lld asked again:\n%s", a, b,
			     ranges);
		asked += b - a + 1;
	}
	cr_assert_eq(asked, m->size - dl_meta_done(m), "asked for %lld bytes, missing %lld:\n%s",
		     (long long)asked, (long long)(m->size - dl_meta_done(m)), ranges);
}

Test(s3resume, a_parallel_download_cut_resumes_its_missing_pieces)
{
	/* One stream while the cut happens: no other GET of this download can
	 * reach the server after it failed (and be taken for the resume's). */
	free(ctl("POST", "cut?after=300000&count=1"));
	struct got g = {0};
	concurrency = 1;
	download("big.bin", &g);
	concurrency = 4;
	cr_assert(g.failed);
	free(ctl("GET", "ranges"));
	char *meta = dl_meta_path(sv.path);
	struct dl_meta m;
	struct mlc_err e;
	cr_assert_eq(dl_meta_load(&m, meta, &e), 0, "%s", e.msg);
	cr_assert_eq(dl_meta_done(&m), 300000, "what came is kept");
	struct got g2 = {0};
	download("big.bin", &g2);
	cr_assert(!g2.failed, "%s", g2.err.msg);
	assert_object(sv.path, BIG, 0);
	char *ranges = ctl("GET", "ranges");
	assert_only_missing(ranges, &m);
	dl_meta_free(&m);
	free(ranges);
	free(meta);
}

Test(s3resume, a_corrupted_part_fails_its_md5_and_is_not_renamed)
{
	interrupted("small.bin");
	char *part = part_of();
	int fd = open(part, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, "X", 1, 1000), 1);
	close(fd);
	struct got g = {0};
	download("small.bin", &g);
	cr_assert(g.failed, "a corrupted part is refused");
	cr_assert_not_null(strstr(g.err.msg, "MD5"), "%s", g.err.msg);
	cr_assert_not_null(strstr(g.err.msg, "not renamed"), "%s", g.err.msg);
	cr_assert(!exists(sv.path), "not renamed onto the path");
	cr_assert(!exists(part), "the wrong part is removed");
	free(part);
	/* and the next try starts over and lands */
	struct got g2 = {0};
	download("small.bin", &g2);
	cr_assert(!g2.failed, "%s", g2.err.msg);
	assert_object(sv.path, SMALL, 0);
}

Test(s3resume, a_cancel_keeps_the_part_for_a_resume)
{
	struct got g = {.kept = -1};
	download("big.bin", &g);
	cr_assert_eq(g.calls, 0, "a cancelled download says nothing");
	char *part = part_of(), *meta = dl_meta_path(sv.path);
	/* writes in flight at the cancel finish off the loop: let them */
	struct dl_meta m;
	struct mlc_err e;
	cr_assert_eq(dl_meta_load(&m, meta, &e), 0, "%s", e.msg);
	int64_t kept = dl_meta_done(&m);
	dl_meta_free(&m);
	cr_assert(kept > 0 && kept < BIG, "kept %lld", (long long)kept);
	cr_assert(exists(part));
	free(ctl("GET", "ranges"));
	struct got g2 = {0};
	download("big.bin", &g2);
	cr_assert(!g2.failed, "%s", g2.err.msg);
	assert_object(sv.path, BIG, 0);
	free(part);
	free(meta);
}

Test(s3resume, a_hostile_sidecar_is_refused_and_the_download_starts_over)
{
	static const char *const hostile[] = {
	    "garbage\n",
	    "mlconsole-download 1\nsource s3://data/small.bin\netag \"x\"\nsize "
	    "99999999999999999999\n",
	    "mlconsole-download 1\nsource s3://data/small.bin\netag x\nsize 3145728\ndone 0 "
	    "9999999999\n",
	};
	char *part = part_of(), *meta = dl_meta_path(sv.path);
	for (size_t i = 0; i < ARRAY_LEN(hostile); i++) {
		FILE *f = fopen(part, "w");
		fputs("not the object", f);
		fclose(f);
		f = fopen(meta, "w");
		fputs(hostile[i], f);
		fclose(f);
		struct got g = {0};
		download("small.bin", &g);
		cr_assert(!g.failed, "sidecar %zu: %s", i, g.err.msg);
		assert_object(sv.path, SMALL, 0);
		unlink(sv.path);
	}
	char *ranges = ctl("GET", "ranges");
	cr_assert_str_eq(ranges, "206 small.bin bytes=0-3145727\n206 small.bin bytes=0-3145727\n"
				 "206 small.bin bytes=0-3145727\n");
	free(ranges);
	free(part);
	free(meta);
}

Test(s3resume, a_part_without_a_sidecar_is_left_alone)
{
	char *part = part_of();
	FILE *f = fopen(part, "w");
	fputs("someone else's", f);
	fclose(f);
	struct got g = {0};
	download("small.bin", &g);
	cr_assert(g.failed);
	cr_assert_not_null(strstr(g.err.msg, "not a download to resume"), "%s", g.err.msg);
	struct stat st;
	cr_assert_eq(stat(part, &st), 0);
	cr_assert_eq(st.st_size, 14, "left as it was");
	free(part);
}

Test(s3resume, an_empty_object_lands)
{
	struct got g = {0};
	download("empty.bin", &g);
	cr_assert(!g.failed, "%s", g.err.msg);
	struct stat st;
	cr_assert_eq(stat(sv.path, &st), 0);
	cr_assert_eq(st.st_size, 0);
}
