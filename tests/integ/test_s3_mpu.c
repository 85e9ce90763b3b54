/* tests/integ/test_s3_mpu.c — multipart uploads (lib/s3/s3c_mpu.c) against
 * tests/stack/sigv4_s3.py, which verifies every signature and payload hash
 * and serves multipart uploads, started per test with the failures it is
 * to inject: a 17 MiB file in 5 MiB parts completed and read back byte for
 * byte; a part failing once sent again; a part failing always sent three
 * times then the upload aborted; a 200 with an <Error> to Complete
 * aborted; a cancel mid-way (s3c_mpu_abort, and s3c_mpu_cancel with no
 * callback) leaving ListMultipartUploads empty; the listings paged; one
 * upload aborted. Then the same upload against the stack's s3rver. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/core/config.h"
#include "lib/core/http.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/s3/s3_mpu.h"
#include "lib/s3/s3c.h"
#include "stackenv.h"

#define WAIT_MS	  60000
#define FILE_SIZE ((17 << 20) + 12345)

static struct {
	pid_t pid;
	int keep; /* the server exits when this pipe closes */
	char dir[64], log[128], file[128];
	int port;
	char url[64];
} mv = {.pid = -1, .keep = -1};

/* Starts the verifying server with extra arguments (NULL-terminated). */
static void mv_start(const char *const *extra)
{
	char script[PATH_MAX];
	cr_assert_not_null(realpath("tests/stack/sigv4_s3.py", script));
	snprintf(mv.dir, sizeof mv.dir, "/tmp/mlc-mpu-XXXXXX");
	cr_assert_not_null(mkdtemp(mv.dir));
	snprintf(mv.log, sizeof mv.log, "%s/requests.tsv", mv.dir);
	const char *argv[32] = {
	    "python3",	    script,  "--log",	 mv.log, "--access-key",       "AK",
	    "--secret-key", "S/K+=", "--bucket", "data", "--exit-on-stdin-eof"};
	int n = 11;
	for (int i = 0; extra && extra[i] && n < 31; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	int in[2], out[2];
	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	mv.pid = fork();
	cr_assert_geq(mv.pid, 0);
	if (mv.pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	mv.keep = in[1];
	char line[32] = "";
	size_t got = 0;
	while (got < sizeof line - 1 && !memchr(line, '\n', got)) {
		struct pollfd p = {.fd = out[0], .events = POLLIN};
		cr_assert_eq(poll(&p, 1, 15000), 1, "no port from sigv4_s3.py");
		ssize_t r = read(out[0], line + got, sizeof line - 1 - got);
		cr_assert_gt(r, 0, "sigv4_s3.py ended before listening");
		got += (size_t)r;
		line[got] = '\0';
	}
	close(out[0]);
	mv.port = atoi(line);
	snprintf(mv.url, sizeof mv.url, "http://127.0.0.1:%d", mv.port);
}

static void mv_stop(void)
{
	http_shutdown();
	loop_shutdown();
	if (mv.keep >= 0)
		close(mv.keep);
	if (mv.pid > 0) {
		kill(mv.pid, SIGTERM);
		waitpid(mv.pid, NULL, 0);
	}
	if (mv.dir[0]) {
		char *cmd = xasprintf("rm -rf '%s'", mv.dir);
		if (system(cmd) != 0)
			cr_log_warn("could not remove %s", mv.dir);
		free(cmd);
	}
	mv.pid = mv.keep = -1;
}

TestSuite(s3mpu, .fini = mv_stop);

static struct target mv_target(void)
{
	return (struct target){.name = "mpu",
			       .kind = TK_S3,
			       .url = mv.url,
			       .access_key = "AK",
			       .secret_key = "S/K+=",
			       .region = "us-east-1",
			       .part_size = (int64_t)5 << 20,
			       .concurrency = 3};
}

/* A file of FILE_SIZE bytes no two parts of which are alike; returns them. */
static unsigned char *make_file(void)
{
	snprintf(mv.file, sizeof mv.file, "%s/model.bin", mv.dir[0] ? mv.dir : "/tmp");
	unsigned char *d = xmalloc(FILE_SIZE);
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < FILE_SIZE; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		d[i] = (unsigned char)x;
	}
	FILE *f = fopen(mv.file, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(d, 1, FILE_SIZE, f), (size_t)FILE_SIZE);
	fclose(f);
	return d;
}

struct up {
	volatile bool done, moving;
	int calls;
	int64_t bytes, last_progress;
	struct mlc_err err;
	bool failed;
};

static void up_progress(int64_t now, int64_t total, void *arg)
{
	struct up *u = arg;
	cr_assert_eq(total, FILE_SIZE);
	cr_assert_leq(now, total);
	u->last_progress = now;
	if (now > (6 << 20))
		u->moving = true;
}

static void up_done(int64_t bytes, const struct mlc_err *err, void *arg)
{
	struct up *u = arg;
	u->calls++;
	u->done = true;
	u->bytes = bytes;
	u->failed = err != NULL;
	if (err)
		u->err = *err;
}

/* Counts log lines of op (and, when status is not 0, that status). */
static int log_count(const char *op, int status, const char *query_has)
{
	FILE *f = fopen(mv.log, "r");
	cr_assert_not_null(f);
	char line[4096];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		char *fld[10] = {0};
		char *save, *p = line;
		for (int i = 0; i < 10 && (fld[i] = strtok_r(p, "\t\n", &save)); i++)
			p = NULL;
		if (!fld[8] || strcmp(fld[8], op))
			continue;
		cr_assert_str_eq(fld[0], "ok", "a request refused: %s", line);
		if (status && atoi(fld[1]) != status)
			continue;
		if (query_has && !strstr(fld[7], query_has))
			continue;
		n++;
	}
	fclose(f);
	return n;
}

struct listed {
	volatile bool done;
	size_t n;
	bool capped;
	char keys[8][64];
	char ids[8][64];
	struct mlc_err err;
	bool failed;
	long parts;
	int64_t bytes;
};

static void on_uploads(const struct s3_upload *u, size_t n, bool capped, const struct mlc_err *err,
		       void *arg)
{
	struct listed *l = arg;
	l->done = true;
	l->failed = err != NULL;
	if (err)
		l->err = *err;
	l->n = n;
	l->capped = capped;
	for (size_t i = 0; i < n && i < 8; i++) {
		strlcpy_m(l->keys[i], u[i].key, sizeof l->keys[i]);
		strlcpy_m(l->ids[i], u[i].upload_id, sizeof l->ids[i]);
	}
}

static size_t uploads_left(const struct target *t)
{
	struct listed l = {0};
	s3c_list_uploads(t, "data", on_uploads, &l);
	cr_assert(stackenv_run_until(&l.done, WAIT_MS));
	cr_assert(!l.failed, "%s", l.err.msg);
	return l.n;
}

static void run_upload(const struct target *t, struct up *u)
{
	struct s3c_mpu *m =
	    s3c_put_multipart(t, "data", "ckpt/model.bin", mv.file, up_progress, up_done, u);
	cr_assert_not_null(m);
	cr_assert(stackenv_run_until(&u->done, WAIT_MS), "no end in %d ms", WAIT_MS);
	cr_assert_eq(u->calls, 1);
}

struct got {
	volatile bool done;
	char *data;
	size_t len;
	struct mlc_err err;
	bool failed;
};

static void on_get(const struct s3c_data *d, const struct mlc_err *err, void *arg)
{
	struct got *g = arg;
	g->done = true;
	g->failed = err != NULL;
	if (err) {
		g->err = *err;
		return;
	}
	g->data = xmalloc(d->len + 1);
	memcpy(g->data, d->data, d->len);
	g->len = d->len;
}

static void read_back(const struct target *t, const unsigned char *want)
{
	struct got g = {0};
	s3c_get(t, "data", "ckpt/model.bin", 0, -1, 64u << 20, on_get, &g);
	cr_assert(stackenv_run_until(&g.done, WAIT_MS));
	cr_assert(!g.failed, "%s", g.err.msg);
	cr_assert_eq(g.len, (size_t)FILE_SIZE);
	cr_assert(memcmp(g.data, want, FILE_SIZE) == 0, "the object differs from the file");
	free(g.data);
}

Test(s3mpu, completed_and_read_back)
{
	mv_start(NULL);
	unsigned char *want = make_file();
	struct target t = mv_target();
	struct up u = {0};
	run_upload(&t, &u);
	cr_assert(!u.failed, "%s", u.err.msg);
	cr_assert_eq(u.bytes, FILE_SIZE);
	cr_assert_eq(u.last_progress, FILE_SIZE);
	/* 17 MiB in 5 MiB parts: 4 parts, each signed with its payload hash. */
	cr_assert_eq(log_count("CreateMultipartUpload", 200, NULL), 1);
	cr_assert_eq(log_count("UploadPart", 200, NULL), 4);
	cr_assert_eq(log_count("UploadPart", 200, "partNumber=4"), 1);
	cr_assert_eq(log_count("CompleteMultipartUpload", 200, NULL), 1);
	cr_assert_eq(log_count("AbortMultipartUpload", 0, NULL), 0);
	read_back(&t, want);
	cr_assert_eq(uploads_left(&t), 0);
	free(want);
}

Test(s3mpu, failed_part_sent_again)
{
	mv_start((const char *[]){"--fail-part", "2", NULL});
	unsigned char *want = make_file();
	struct target t = mv_target();
	struct up u = {0};
	run_upload(&t, &u);
	cr_assert(!u.failed, "%s", u.err.msg);
	cr_assert_eq(log_count("UploadPart", 500, "partNumber=2"), 1);
	cr_assert_eq(log_count("UploadPart", 200, "partNumber=2"), 1);
	read_back(&t, want);
	free(want);
}

Test(s3mpu, part_failing_always_aborts)
{
	mv_start((const char *[]){"--fail-part-always", "3", NULL});
	free(make_file());
	struct target t = mv_target();
	struct up u = {0};
	run_upload(&t, &u);
	cr_assert(u.failed);
	cr_assert(strstr(u.err.msg, "UploadPart 3"), "%s", u.err.msg);
	cr_assert(strstr(u.err.msg, "InternalError"), "%s", u.err.msg);
	cr_assert(strstr(u.err.msg, "the multipart upload was aborted"), "%s", u.err.msg);
	/* the first try and two more */
	cr_assert_eq(log_count("UploadPart", 500, "partNumber=3"), 3);
	cr_assert_eq(log_count("AbortMultipartUpload", 204, NULL), 1);
	cr_assert_eq(log_count("CompleteMultipartUpload", 0, NULL), 0);
	cr_assert_eq(uploads_left(&t), 0);
}

Test(s3mpu, error_in_a_200_to_complete_aborts)
{
	mv_start((const char *[]){"--complete-error", NULL});
	free(make_file());
	struct target t = mv_target();
	struct up u = {0};
	run_upload(&t, &u);
	cr_assert(u.failed);
	cr_assert(strstr(u.err.msg, "CompleteMultipartUpload s3://data/ckpt/model.bin: "
				    "InternalError"),
		  "%s", u.err.msg);
	cr_assert_eq(log_count("CompleteMultipartUpload", 200, NULL), 1);
	cr_assert_eq(log_count("AbortMultipartUpload", 204, NULL), 1);
	cr_assert_eq(uploads_left(&t), 0);
}

/* An upload started and moving: over 6 MiB sent, so parts are on the
 * server. */
static struct s3c_mpu *start_midway(struct target *t, struct up *u)
{
	mv_start(NULL);
	free(make_file());
	*t = mv_target();
	struct s3c_mpu *m =
	    s3c_put_multipart(t, "data", "ckpt/model.bin", mv.file, up_progress, up_done, u);
	cr_assert(stackenv_run_until(&u->moving, WAIT_MS));
	return m;
}

Test(s3mpu, cancelled_midway_leaves_nothing)
{
	struct target t;
	struct up u = {0};
	struct s3c_mpu *m = start_midway(&t, &u);
	cr_assert(!u.done);
	/* mid-way: the upload exists on the server */
	cr_assert_eq(uploads_left(&t), 1);
	s3c_mpu_abort(m);
	cr_assert(stackenv_run_until(&u.done, WAIT_MS));
	cr_assert_eq(u.calls, 1);
	cr_assert_eq(u.err.code, MLC_ERR_CANCELLED, "%s", u.err.msg);
	cr_assert(strstr(u.err.msg, "aborted"), "%s", u.err.msg);
	cr_assert_eq(log_count("AbortMultipartUpload", 204, NULL), 1);
	cr_assert_eq(log_count("CompleteMultipartUpload", 0, NULL), 0);
	cr_assert_eq(uploads_left(&t), 0);
}

static bool abort_logged(const void *arg)
{
	(void)arg;
	return log_count("AbortMultipartUpload", 204, NULL) == 1;
}

Test(s3mpu, cancel_without_callback_still_aborts)
{
	struct target t;
	struct up u = {0};
	struct s3c_mpu *m = start_midway(&t, &u);
	s3c_mpu_cancel(m);
	cr_assert(stackenv_run_until_true(abort_logged, NULL, WAIT_MS));
	cr_assert_eq(uploads_left(&t), 0);
	cr_assert_eq(u.calls, 0);
}

static void on_parts(long parts, int64_t bytes, const struct mlc_err *err, void *arg)
{
	struct listed *l = arg;
	l->done = true;
	l->failed = err != NULL;
	if (err)
		l->err = *err;
	l->parts = parts;
	l->bytes = bytes;
}

static void on_aborted(const struct mlc_err *err, void *arg)
{
	struct listed *l = arg;
	l->done = true;
	l->failed = err != NULL;
	if (err)
		l->err = *err;
}

Test(s3mpu, incomplete_uploads_listed_paged_and_aborted)
{
	mv_start((const char *[]){"--page-cap", "2", "--upload", "data/a/one=3:1000", "--upload",
				  "data/b two=5:700", "--upload", "data/c%2Bthree=0:0", NULL});
	struct target t = mv_target();
	struct listed l = {0};
	s3c_list_uploads(&t, "data", on_uploads, &l);
	cr_assert(stackenv_run_until(&l.done, WAIT_MS));
	cr_assert(!l.failed, "%s", l.err.msg);
	cr_assert_eq(l.n, 3);
	cr_assert_str_eq(l.keys[0], "a/one");
	cr_assert_str_eq(l.keys[1], "b two");
	cr_assert_str_eq(l.keys[2], "c+three");
	cr_assert_str_eq(l.ids[1], "sigv4-upload-2");
	cr_assert_eq(log_count("ListMultipartUploads", 200, NULL), 2, "two pages of two");

	struct listed p = {0};
	s3c_list_parts(&t, "data", "b two", "sigv4-upload-2", on_parts, &p);
	cr_assert(stackenv_run_until(&p.done, WAIT_MS));
	cr_assert(!p.failed, "%s", p.err.msg);
	cr_assert_eq(p.parts, 5);
	cr_assert_eq(p.bytes, 3500);
	cr_assert_eq(log_count("ListParts", 200, NULL), 3, "pages of 2, 2 and 1");

	struct listed a = {0};
	s3c_abort_upload(&t, "data", "b two", "sigv4-upload-2", on_aborted, &a);
	cr_assert(stackenv_run_until(&a.done, WAIT_MS));
	cr_assert(!a.failed, "%s", a.err.msg);
	cr_assert_eq(uploads_left(&t), 2);
}

static struct target s3rver_target(void)
{
	const char *port = stackenv("S3_PORT");
	cr_assert_not_null(port, "S3_PORT missing from the stack env");
	static char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%s", port);
	return (struct target){.name = "s3",
			       .kind = TK_S3,
			       .url = url,
			       .access_key = (char *)stackenv("S3_ACCESS_KEY"),
			       .secret_key = (char *)stackenv("S3_SECRET_KEY"),
			       .region = "us-east-1",
			       .part_size = (int64_t)5 << 20};
}

/* The stack's s3rver: a real server's multipart upload, read back. */
Test(s3mpu, s3rver_completed_and_read_back)
{
	struct target t = s3rver_target();
	snprintf(mv.dir, sizeof mv.dir, "/tmp/mlc-mpu-XXXXXX");
	cr_assert_not_null(mkdtemp(mv.dir));
	unsigned char *want = make_file();
	struct up u = {0};
	struct s3c_mpu *m =
	    s3c_put_multipart(&t, "data", "ckpt/model.bin", mv.file, up_progress, up_done, &u);
	cr_assert_not_null(m);
	cr_assert(stackenv_run_until(&u.done, WAIT_MS));
	cr_assert(!u.failed, "%s", u.err.msg);
	read_back(&t, want);
	free(want);
	cr_assert_eq(uploads_left(&t), 0);
	/* the stack's seeded world as it was: the object goes */
	struct listed d = {0};
	s3c_delete(&t, "data", "ckpt/model.bin", on_aborted, &d);
	cr_assert(stackenv_run_until(&d.done, WAIT_MS));
	cr_assert(!d.failed, "%s", d.err.msg);
}

/* The stack's s3rver: a cancel mid-way aborts (the launcher serves
 * AbortMultipartUpload and ListMultipartUploads over s3rver's folders). */
Test(s3mpu, s3rver_cancelled_leaves_nothing)
{
	struct target t = s3rver_target();
	snprintf(mv.dir, sizeof mv.dir, "/tmp/mlc-mpu-XXXXXX");
	cr_assert_not_null(mkdtemp(mv.dir));
	free(make_file());
	struct up u = {0};
	struct s3c_mpu *m =
	    s3c_put_multipart(&t, "data", "ckpt/cancelled.bin", mv.file, up_progress, up_done, &u);
	cr_assert(stackenv_run_until(&u.moving, WAIT_MS));
	cr_assert_eq(uploads_left(&t), 1);
	s3c_mpu_abort(m);
	cr_assert(stackenv_run_until(&u.done, WAIT_MS));
	cr_assert_eq(u.err.code, MLC_ERR_CANCELLED, "%s", u.err.msg);
	cr_assert(strstr(u.err.msg, "the multipart upload was aborted"), "%s", u.err.msg);
	cr_assert_eq(uploads_left(&t), 0);
}
