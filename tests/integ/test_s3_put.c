/* tests/integ/test_s3_put.c — PutObject from a file (lib/s3/s3c_put.c)
 * against the stack's s3rver: the file is read off the loop thread. The
 * test stands in for a slow disk: its pread (interposed here, forwarding
 * to libc's) holds every read of the upload's file until the loop has
 * answered an async wake-up sent from the reading thread — a read on the
 * loop thread could never see that answer, and is counted as a failure
 * instead of waiting. Then the object is read back byte for byte; a
 * cancel while the read is held sends nothing; a FIFO and a file above
 * S3C_PUT_MAX are refused with a message naming them. The SigV4 payload
 * hash the upload now signs is checked by the verifying server in
 * test_s3_sigv4.c. */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "lib/core/config.h"
#include "lib/core/http.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/s3/s3c.h"
#include "stackenv.h"

#define WAIT_MS	  60000
#define FILE_SIZE ((3 << 20) + 4321)

/* The slow disk: which file is held, and what the reads saw. */
static struct {
	atomic_bool armed;
	dev_t dev;
	ino_t ino;
	pthread_t loop_thread;
	uv_async_t wake;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool answered;		      /* the loop ran wake's callback */
	atomic_int on_loop, off_loop; /* reads of the file, by thread */
	void (*while_held)(void);     /* run by the loop while a read is held */
} gate = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static char dir[64], file[128];
static char written[64]; /* a key the test may have written: removed in fini */
static void remove_written(void);

static bool is_gated(int fd)
{
	struct stat st;
	return atomic_load(&gate.armed) && fstat(fd, &st) == 0 && st.st_dev == gate.dev &&
	       st.st_ino == gate.ino;
}

/* Holds a read of the gated file until the loop answered (a safety
 * deadline of 30 s, never what the test measures). */
static void hold_until_answered(void)
{
	uv_async_send(&gate.wake);
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 30;
	pthread_mutex_lock(&gate.mu);
	while (!gate.answered)
		if (pthread_cond_timedwait(&gate.cv, &gate.mu, &dl) != 0)
			break;
	pthread_mutex_unlock(&gate.mu);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, void *, size_t, off_t);
	if (!real)
		real = (ssize_t(*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread");
	if (is_gated(fd)) {
		if (pthread_equal(pthread_self(), gate.loop_thread)) {
			atomic_fetch_add(&gate.on_loop, 1);
		} else {
			atomic_fetch_add(&gate.off_loop, 1);
			hold_until_answered();
		}
	}
	return real(fd, buf, n, off);
}

static void on_wake(uv_async_t *h)
{
	(void)h;
	if (gate.while_held) {
		gate.while_held();
		gate.while_held = NULL;
	}
	pthread_mutex_lock(&gate.mu);
	gate.answered = true;
	pthread_cond_broadcast(&gate.cv);
	pthread_mutex_unlock(&gate.mu);
}

static void gate_arm(const char *path)
{
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	gate.dev = st.st_dev;
	gate.ino = st.st_ino;
	gate.loop_thread = pthread_self();
	cr_assert_eq(uv_async_init(loop_get(), &gate.wake, on_wake), 0);
	atomic_store(&gate.armed, true);
}

static void fini(void)
{
	atomic_store(&gate.armed, false);
	remove_written();
	if (gate.wake.loop && !uv_is_closing((uv_handle_t *)&gate.wake))
		uv_close((uv_handle_t *)&gate.wake, NULL);
	http_shutdown();
	loop_shutdown();
	if (dir[0]) {
		char *cmd = xasprintf("rm -rf '%s'", dir);
		if (system(cmd) != 0)
			cr_log_warn("could not remove %s", dir);
		free(cmd);
	}
}

TestSuite(s3put, .fini = fini);

static struct target stack_target(void)
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
			       .region = "us-east-1"};
}

/* A file of size bytes of a xorshift stream in a fresh folder. */
static unsigned char *make_file(const char *name, size_t size)
{
	snprintf(dir, sizeof dir, "/tmp/mlc-put-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(file, sizeof file, "%s/%s", dir, name);
	unsigned char *d = xmalloc(size ? size : 1);
	uint32_t x = 88172645u;
	for (size_t i = 0; i < size; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		d[i] = (unsigned char)x;
	}
	FILE *f = fopen(file, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(d, 1, size, f), size);
	fclose(f);
	return d;
}

struct up {
	volatile bool done;
	int calls;
	int64_t bytes, last_progress;
	struct mlc_err err;
	bool failed;
};

static void on_progress(int64_t now, int64_t total, void *arg)
{
	struct up *u = arg;
	cr_assert_leq(now, total);
	u->last_progress = now;
}

static void on_done(int64_t bytes, const struct mlc_err *err, void *arg)
{
	struct up *u = arg;
	u->calls++;
	u->done = true;
	u->bytes = bytes;
	u->failed = err != NULL;
	if (err)
		u->err = *err;
}

/* What a read-back found: the object's size and whether it is the file. */
struct back {
	volatile bool done;
	const unsigned char *want;
	size_t got;
	bool same;
	char why[256];
};

static void on_back(const struct s3c_data *d, const struct mlc_err *err, void *arg)
{
	struct back *b = arg;
	b->done = true;
	if (err) {
		strlcpy_m(b->why, err->msg, sizeof b->why);
		return;
	}
	b->got = d->len;
	b->same = d->len == FILE_SIZE && memcmp(d->data, b->want, FILE_SIZE) == 0;
}

static void on_deleted(const struct mlc_err *err, void *arg)
{
	(void)err;
	*(volatile bool *)arg = true;
}

/* The stack's seeded world as it was, whether the test passed or not. */
static void remove_written(void)
{
	if (!written[0])
		return;
	struct target t = stack_target();
	volatile bool gone = false;
	s3c_delete(&t, "data", written, on_deleted, (void *)&gone);
	if (!stackenv_run_until(&gone, WAIT_MS))
		cr_log_warn("could not remove s3://data/%s", written);
	written[0] = '\0';
}

static bool nothing_in_flight(const void *arg)
{
	(void)arg;
	return loop_busy() == 0;
}

/* Uploads the file while its every read is held until the loop answers,
 * then reads the object back. */
Test(s3put, read_off_the_loop_and_read_back)
{
	struct target t = stack_target();
	unsigned char *want = make_file("weights.bin", FILE_SIZE);
	char *key = written;
	snprintf(key, sizeof written, "itest-put-%d/weights.bin", (int)getpid());
	gate_arm(file);
	struct up u = {0};
	cr_assert_not_null(s3c_put_file(&t, "data", key, file, on_progress, on_done, &u));
	cr_assert_eq(u.calls, 0);
	cr_assert(stackenv_run_until(&u.done, WAIT_MS), "no end in %d ms", WAIT_MS);
	cr_assert_eq(u.calls, 1);
	cr_assert(!u.failed, "%s", u.err.msg);
	cr_assert_eq(atomic_load(&gate.on_loop), 0, "the file was read on the loop thread");
	cr_assert_gt(atomic_load(&gate.off_loop), 0, "the file was not read off the loop thread");
	cr_assert(gate.answered, "the loop did not answer while the read was held");
	cr_assert_eq(u.bytes, FILE_SIZE);
	cr_assert_eq(u.last_progress, FILE_SIZE);
	struct back b = {.want = want};
	s3c_get(&t, "data", key, 0, -1, 16u << 20, on_back, &b);
	cr_assert(stackenv_run_until(&b.done, WAIT_MS));
	cr_assert_eq(b.got, (size_t)FILE_SIZE, "%s", b.why);
	cr_assert(b.same, "the object differs from the file");
	free(want);
}

static struct s3c_req *held_req;

static void cancel_held(void)
{
	s3c_cancel(held_req);
	held_req = NULL;
}

static void on_head(const struct s3_head *h, const struct mlc_err *err, void *arg)
{
	(void)h;
	struct back *b = arg;
	b->done = true;
	b->same = err == NULL;
	if (err)
		strlcpy_m(b->why, err->msg, sizeof b->why);
}

/* A cancel while the file is being read: no callback, nothing sent. */
Test(s3put, cancelled_during_the_read_sends_nothing)
{
	struct target t = stack_target();
	unsigned char *want = make_file("cancelled.bin", FILE_SIZE);
	free(want);
	char *key = written;
	snprintf(key, sizeof written, "itest-put-%d/cancelled.bin", (int)getpid());
	gate_arm(file);
	struct up u = {0};
	unsigned long sent = http_requests_started();
	held_req = s3c_put_file(&t, "data", key, file, on_progress, on_done, &u);
	gate.while_held = cancel_held;
	cr_assert(stackenv_run_until_true(nothing_in_flight, NULL, WAIT_MS));
	cr_assert(gate.answered);
	cr_assert_null(held_req);
	cr_assert_eq(u.calls, 0, "a cancelled upload called back");
	cr_assert_eq(http_requests_started(), sent, "a cancelled upload sent a request");
	struct back b = {0};
	s3c_head(&t, "data", key, on_head, &b);
	cr_assert(stackenv_run_until(&b.done, WAIT_MS));
	cr_assert(!b.same, "the object exists");
	cr_assert_not_null(strstr(b.why, "404"), "%s", b.why);
}

static void put_expect_refused(const char *path, int code, const char *has)
{
	struct target t = stack_target();
	struct up u = {0};
	unsigned long sent = http_requests_started();
	s3c_put_file(&t, "data", "itest-put/refused", path, NULL, on_done, &u);
	cr_assert_eq(u.calls, 0);
	cr_assert(stackenv_run_until(&u.done, WAIT_MS));
	cr_assert_eq(u.calls, 1);
	cr_assert(u.failed);
	cr_assert_eq(u.err.code, code, "%s", u.err.msg);
	cr_assert_not_null(strstr(u.err.msg, path), "%s", u.err.msg);
	cr_assert_not_null(strstr(u.err.msg, has), "%s", u.err.msg);
	cr_assert_eq(http_requests_started(), sent);
}

/* A FIFO with no writer: opening it must not wait (it would hold a pool
 * thread for ever); refused by name. */
Test(s3put, fifo_refused)
{
	snprintf(dir, sizeof dir, "/tmp/mlc-put-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(file, sizeof file, "%s/pipe", dir);
	cr_assert_eq(mkfifo(file, 0600), 0);
	put_expect_refused(file, MLC_ERR_IO, "not a regular file");
}

/* Above S3C_PUT_MAX (a sparse file): refused, the panel's limit says
 * multipart below it whatever the threshold. */
Test(s3put, above_the_memory_cap_refused)
{
	free(make_file("huge.bin", 0));
	cr_assert_eq(truncate(file, S3C_PUT_MAX + 1), 0);
	put_expect_refused(file, MLC_ERR_USAGE, "too large for a single PutObject");
	struct target t = {.multipart_threshold = (int64_t)1 << 30};
	cr_assert_eq(s3c_put_limit(&t), S3C_PUT_MAX);
	t.multipart_threshold = (int64_t)16 << 20;
	cr_assert_eq(s3c_put_limit(&t), (int64_t)16 << 20);
	t.multipart_threshold = 0;
	cr_assert_eq(s3c_put_limit(&t), S3C_THRESHOLD);
}
