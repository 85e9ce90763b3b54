/* lib/s3/s3c_put.c — PutObject from a local file (see s3c.h). The file is
 * opened, read whole into memory and hashed (SHA-256, the SigV4 payload
 * hash, so the server checks every byte) on libuv's thread pool, never on
 * the loop thread: a slow disk or a cold cache leaves keys answering. The
 * loop then hands curl the ready buffer. At most S3C_PUT_MAX bytes (larger
 * files go as multipart uploads, s3c_mpu.c). The request leaves an audit
 * line once its answer is known; the callback runs once, from the loop,
 * unless s3c_cancel ran first. */
#include "lib/s3/s3c.h"
#include "lib/s3/s3c_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "lib/core/config.h"
#include "lib/core/digest.h"
#include "lib/core/http.h"
#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"

/* The read of one upload on the pool. It outlives a cancelled request (r
 * NULL then) until its after-callback frees it. The worker touches only
 * path, buf, len, size, rerr, why and sha. */
struct s3c_put_read {
	uv_work_t work;
	struct s3c_req *r;
	char *path;
	char *buf;
	size_t len;
	int64_t size, t0; /* t0: when it was queued (mono_ms) */
	int rerr;	  /* errno of open/fstat/read; 0 when it worked */
	const char *why;  /* a refusal other than an errno, or NULL */
	char sha[2 * DIGEST_SHA256_LEN + 1];
};

int64_t s3c_put_limit(const struct target *t)
{
	return MLC_MIN(s3c_threshold(t), S3C_PUT_MAX);
}

/* Reads exactly len bytes at off; false with errno (EIO when the file
 * shrank) otherwise. */
static bool read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errno = n < 0 ? errno : EIO;
			return false;
		}
		got += (size_t)n;
	}
	return true;
}

/* On the pool: open, check, read and hash. */
static void read_work(uv_work_t *w)
{
	struct s3c_put_read *pr = w->data;
	int fd = open(pr->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		pr->rerr = errno;
	} else if (!S_ISREG(st.st_mode)) {
		pr->why = "not a regular file";
	} else if (st.st_size > S3C_PUT_MAX) {
		pr->size = st.st_size;
		pr->why = "too large for a single PutObject";
	} else {
		pr->size = st.st_size;
		pr->len = (size_t)st.st_size;
		pr->buf = xmalloc(pr->len ? pr->len : 1);
		if (!read_all(fd, pr->buf, pr->len)) {
			pr->rerr = errno;
		} else {
			unsigned char d[DIGEST_SHA256_LEN];
			digest_sha256(pr->buf, pr->len, d);
			s3c_hex_of(d, sizeof d, pr->sha);
		}
	}
	if (fd >= 0)
		close(fd);
}

/* Bytes sent out of the file's size (curl's total is 0 before it starts). */
static void put_progress(int64_t now, int64_t total, void *arg)
{
	(void)total;
	struct s3c_req *r = arg;
	if (r->progress)
		r->progress(MLC_MIN(now, (int64_t)r->max_bytes), (int64_t)r->max_bytes, r->arg);
}

static void put_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct s3c_req *r = arg;
	r->http = NULL;
	struct mlc_err e;
	const struct mlc_err *err = s3c_answer_err(r, r->key, resp, herr, &e);
	char *req = xasprintf("PUT s3://%s/%s from %s", r->bucket, r->key, r->path);
	char *ok = xasprintf("%ld, %zu bytes", resp ? resp->status : 0L, r->max_bytes);
	log_audit(r->t->name, req, err ? err->msg : ok);
	free(req);
	free(ok);
	r->cb.done(err ? 0 : (int64_t)r->max_bytes, err, r->arg);
	s3c_req_free(r);
}

static void read_after(uv_work_t *w, int status)
{
	struct s3c_put_read *pr = w->data;
	struct s3c_req *r = pr->r;
	if (r) {
		r->put = NULL;
		if (status != 0 || pr->rerr || pr->why) {
			char lim[32];
			fmt_bytes(lim, sizeof lim, (uint64_t)S3C_PUT_MAX);
			if (pr->why && pr->size > S3C_PUT_MAX)
				mlc_err_set(&r->early_err, MLC_ERR_USAGE, 0,
					    "%s: %" PRId64 " bytes, %s (at most %s)", pr->path,
					    pr->size, pr->why, lim);
			else
				mlc_err_set(&r->early_err, MLC_ERR_IO, 0, "%s: %s", pr->path,
					    pr->why    ? pr->why
					    : pr->rerr ? strerror(pr->rerr)
						       : "read cancelled");
			s3c_early_fire(r);
		} else {
			log_debug("s3: %s: %zu bytes read and hashed on a worker thread in %" PRId64
				  " ms",
				  pr->path, pr->len, mono_ms() - pr->t0);
			r->body = pr->buf;
			r->max_bytes = pr->len;
			pr->buf = NULL;
			r->http = s3c_send_body(r->t, r->bucket, r->key, NULL, r->body,
						r->max_bytes, pr->sha, put_progress, put_done, r);
		}
	}
	loop_busy_dec();
	free(pr->buf);
	free(pr->path);
	free(pr);
}

void s3c_put_detach(struct s3c_req *r)
{
	if (r->put)
		r->put->r = NULL;
	r->put = NULL;
}

struct s3c_req *s3c_put_file(const struct target *t, const char *bucket, const char *key,
			     const char *path, s3c_progress_cb progress, s3c_done_cb cb, void *arg)
{
	struct s3c_req *r = s3c_req_new(OP_PUT, t, bucket, key, arg);
	r->cb.done = cb;
	if (s3c_key_refused(r, key))
		return s3c_fail_later(r);
	r->progress = progress;
	r->path = xstrdup(path);
	struct s3c_put_read *pr = xcalloc(1, sizeof *pr);
	pr->r = r;
	pr->path = xstrdup(path);
	pr->work.data = pr;
	pr->t0 = mono_ms();
	r->put = pr;
	loop_busy_inc(); /* until read_after, which always runs */
	int rc = uv_queue_work(loop_get(), &pr->work, read_work, read_after);
	if (rc != 0) { /* cannot happen with a live loop and callbacks */
		loop_busy_dec();
		r->put = NULL;
		free(pr->path);
		free(pr);
		mlc_err_set(&r->early_err, MLC_ERR_IO, 0, "%s: %s", path, uv_strerror(rc));
		return s3c_fail_later(r);
	}
	return r;
}
