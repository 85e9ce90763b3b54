/* lib/s3/s3c_mpu.c — multipart uploads on the loop (see s3c.h):
 * CreateMultipartUpload, UploadPart with up to `concurrency` parts in
 * flight, CompleteMultipartUpload with the parts' ETags, and
 * AbortMultipartUpload after any failure or a cancel, so that the console
 * leaves no parts behind (the listings are in s3c_mpu_list.c). Parts are
 * read from the file and hashed (SHA-256, the SigV4 payload hash) on libuv's
 * thread pool, never on the loop thread. A failed UploadPart is sent again twice, after
 * a timer's backoff. Create, Complete and Abort leave audit lines. Every
 * callback runs once, from the loop, unless cancelled first. */
#include "lib/s3/s3c.h"
#include "lib/s3/s3c_int.h"
#include "lib/s3/s3c_mpu_int.h"

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
#include "lib/s3/s3_mpu.h"

/* ---- parts -------------------------------------------------------------- */

static void slot_release(struct slot *s)
{
	if (s->working || s->timer_open || s->m)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->buf);
	free(s);
}

static void slot_timer_closed(uv_handle_t *h)
{
	struct slot *s = h->data;
	s->timer_open = false;
	slot_release(s);
}

/* Detaches s from its upload: its request stops; it is freed once its read
 * and timer are over. */
static void slot_drop(struct slot *s)
{
	if (s->http)
		http_cancel(s->http);
	s->http = NULL;
	s->m = NULL;
	if (s->timer_open && !uv_is_closing((uv_handle_t *)&s->timer))
		uv_close((uv_handle_t *)&s->timer, slot_timer_closed);
	slot_release(s);
}

static void stop_parts(struct s3c_mpu *m)
{
	for (int i = 0; m->slots && i < m->concurrency; i++)
		if (m->slots[i]) {
			slot_drop(m->slots[i]);
			m->slots[i] = NULL;
		}
}

static void mpu_finish(struct s3c_mpu *m, const struct mlc_err *e)
{
	if (!m->detached)
		m->done(e ? 0 : m->size, e, m->arg);
	s3c_mpu_free(m);
}

static void abort_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct s3c_mpu *m = arg;
	m->http = NULL;
	struct mlc_err e;
	bool ok = !herr && resp->status >= 200 && resp->status < 300;
	if (!ok)
		s3c_mpu_answer_err(m, "AbortMultipartUpload", resp, herr, &e);
	char what[600];
	snprintf(what, sizeof what, "DELETE ?uploadId=%s (AbortMultipartUpload)", m->upload_id);
	s3c_mpu_audit(m, what, ok ? NULL : &e, "aborted");
	struct mlc_err out = m->err;
	char tail[300];
	snprintf(
	    tail, sizeof tail, "%s%.200s",
	    ok ? "; the multipart upload was aborted" : "; abort failed too: ", ok ? "" : e.msg);
	size_t l = strlen(out.msg);
	strlcpy_m(out.msg + l, tail, sizeof out.msg - l);
	mpu_finish(m, &out);
}

/* After a failure or a cancel: every part stops, then the upload is
 * aborted (when it was created) and done reports m->err. */
static void mpu_fail(struct s3c_mpu *m, const struct mlc_err *e)
{
	if (m->failed)
		return;
	m->failed = true;
	m->err = *e;
	stop_parts(m);
	if (m->http) { /* Complete in flight */
		http_cancel(m->http);
		m->http = NULL;
	}
	if (!m->upload_id) {
		mpu_finish(m, &m->err);
		return;
	}
	const char *pairs[] = {"uploadId", m->upload_id, NULL};
	m->http = s3c_mpu_send(m, "DELETE", m->key, pairs, NULL, 0, NULL, abort_done, m);
}

static void pump(struct s3c_mpu *m);

/* Bytes of the parts done and of those on their way. */
static void report(struct s3c_mpu *m)
{
	if (!m->progress)
		return;
	int64_t sum = m->done_bytes;
	for (int i = 0; i < m->concurrency; i++)
		if (m->slots[i])
			sum += m->slots[i]->sent;
	m->progress(sum, m->size, m->arg);
}

static void part_progress(int64_t now, int64_t total, void *arg)
{
	struct slot *s = arg;
	(void)total;
	if (!s->m || now <= s->sent)
		return;
	s->sent = MLC_MIN(now, (int64_t)s->len);
	report(s->m);
}

static void part_send(struct slot *s);

static void retry_fire(uv_timer_t *h)
{
	struct slot *s = h->data;
	if (s->m)
		part_send(s);
}

/* Whether an UploadPart failure may go better a second time. */
static bool retryable(const struct http_resp *resp, const struct mlc_err *herr)
{
	if (herr)
		return herr->code != MLC_ERR_USAGE && herr->code != MLC_ERR_IO;
	return resp->status >= 500 || resp->status == 408 || resp->status == 429;
}

static void part_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct slot *s = arg;
	struct s3c_mpu *m = s->m;
	s->http = NULL;
	char op[64];
	snprintf(op, sizeof op, "UploadPart %d", s->idx + 1);
	bool ok = !herr && resp->status >= 200 && resp->status < 300;
	char etag[80] = "";
	if (ok && !http_resp_header(resp, "ETag", etag, sizeof etag)) {
		struct mlc_err e;
		mlc_err_set(&e, MLC_ERR_PROTO, 0, "%s s3://%s/%s: no ETag in the answer", op,
			    m->bucket, m->key);
		mpu_fail(m, &e);
		return;
	}
	if (!ok) {
		struct mlc_err e;
		s3c_mpu_answer_err(m, op, resp, herr, &e);
		if (s->tries < MPU_RETRIES && retryable(resp, herr)) {
			log_msg(LOG_WARN, "%s; sending it again", e.msg);
			s->sent = 0;
			if (!s->timer_open) {
				uv_timer_init(loop_get(), &s->timer);
				s->timer.data = s;
				s->timer_open = true;
			}
			uv_timer_start(&s->timer, retry_fire,
				       (uint64_t)MPU_BACKOFF_MS << (2 * s->tries), 0);
			s->tries++;
			return;
		}
		mpu_fail(m, &e);
		return;
	}
	strlcpy_m(m->parts[s->idx].etag, etag, sizeof m->parts[s->idx].etag);
	m->done_bytes += (int64_t)s->len;
	m->ndone++;
	for (int i = 0; i < m->concurrency; i++)
		if (m->slots[i] == s)
			m->slots[i] = NULL;
	slot_drop(s);
	report(m);
	pump(m);
}

static void part_send(struct slot *s)
{
	struct s3c_mpu *m = s->m;
	char num[16];
	snprintf(num, sizeof num, "%d", s->idx + 1);
	const char *pairs[] = {"partNumber", num, "uploadId", m->upload_id, NULL};
	char *q = s3_canonical_query(pairs);
	/* s->buf is freed only once the request is over (slot_drop) */
	s->http = s3c_send_body(m->t, m->bucket, m->key, q, s->buf, s->len, s->sha, part_progress,
				part_done, s);
	free(q);
}

/* On the pool: the part's bytes and their SHA-256. Touches only s. */
static void read_work(uv_work_t *w)
{
	struct slot *s = w->data;
	size_t got = 0;
	while (got < s->len) {
		ssize_t n =
		    pread(s->fd, s->buf + got, s->len - got, (off_t)(s->off + (int64_t)got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			s->rerr = n < 0 ? errno : EIO; /* the file shrank */
			return;
		}
		got += (size_t)n;
	}
	unsigned char d[DIGEST_SHA256_LEN];
	digest_sha256(s->buf, s->len, d);
	s3c_hex_of(d, sizeof d, s->sha);
}

static void read_after(uv_work_t *w, int status)
{
	struct slot *s = w->data;
	s->working = false;
	struct s3c_mpu *m = s->m;
	if (!m) {
		slot_release(s);
		return;
	}
	if (status != 0 || s->rerr) {
		struct mlc_err e;
		mlc_err_set(&e, MLC_ERR_IO, 0, "%s: %s", m->path,
			    s->rerr ? strerror(s->rerr) : "read cancelled");
		mpu_fail(m, &e);
		return;
	}
	part_send(s);
}

/* Starts parts while there is room, then Complete once every part is in. */
static void complete(struct s3c_mpu *m);

static void pump(struct s3c_mpu *m)
{
	for (int i = 0; i < m->concurrency && m->next < m->nparts; i++) {
		if (m->slots[i])
			continue;
		struct slot *s = xcalloc(1, sizeof *s);
		s->m = m;
		s->idx = m->next++;
		s->off = (int64_t)s->idx * m->part_size;
		s->len = (size_t)MLC_MIN(m->part_size, m->size - s->off);
		s->buf = xmalloc(s->len ? s->len : 1);
		s->fd = dup(m->fd); /* the read may outlive a cancelled upload */
		s->work.data = s;
		s->working = true;
		m->slots[i] = s;
		uv_queue_work(loop_get(), &s->work, read_work, read_after);
	}
	if (m->ndone == m->nparts && !m->completing)
		complete(m);
}

static void complete_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct s3c_mpu *m = arg;
	m->http = NULL;
	struct mlc_err e;
	char etag[80] = "";
	bool ok = !herr && resp->status >= 200 && resp->status < 300;
	if (!ok)
		s3c_mpu_answer_err(m, "CompleteMultipartUpload", resp, herr, &e);
	/* S3 may answer 200 and put an <Error> in the body. */
	else if (s3_parse_mpu_complete(resp->body, resp->body_len, etag, sizeof etag, &e) < 0) {
		ok = false;
		char ce[256];
		const char *p = e.msg + (str_starts(e.msg, "CompleteMultipartUpload: ") ? 25 : 0);
		strlcpy_m(ce, p, sizeof ce);
		mlc_err_set(&e, e.code, e.detail, "CompleteMultipartUpload s3://%s/%s: %s",
			    m->bucket, m->key, ce);
	}
	char what[1200], res[200];
	snprintf(what, sizeof what, "POST ?uploadId=%s (CompleteMultipartUpload, %d parts) from %s",
		 m->upload_id, m->nparts, m->path);
	snprintf(res, sizeof res, "completed, %" PRId64 " bytes", m->size);
	if (!ok) {
		s3c_mpu_audit(m, what, &e, NULL);
		mpu_fail(m, &e);
		return;
	}
	s3c_mpu_audit(m, what, NULL, res);
	mpu_finish(m, NULL);
}

static void complete(struct s3c_mpu *m)
{
	m->completing = true;
	char *body = s3_mpu_complete_body(m->parts, (size_t)m->nparts);
	size_t blen = strlen(body);
	unsigned char d[DIGEST_SHA256_LEN];
	char hex[2 * DIGEST_SHA256_LEN + 1];
	digest_sha256(body, blen, d);
	s3c_hex_of(d, sizeof d, hex);
	const char *pairs[] = {"uploadId", m->upload_id, NULL};
	m->http = s3c_mpu_send(m, "POST", m->key, pairs, body, blen, hex, complete_done, m);
	free(body);
}

static void create_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct s3c_mpu *m = arg;
	m->http = NULL;
	struct mlc_err e;
	bool ok = !herr && resp->status >= 200 && resp->status < 300;
	if (!ok)
		s3c_mpu_answer_err(m, "CreateMultipartUpload", resp, herr, &e);
	else if (s3_parse_mpu_initiate(resp->body, resp->body_len, &m->upload_id, &e) < 0)
		ok = false;
	char res[200];
	snprintf(res, sizeof res, "upload id %s", m->upload_id ? m->upload_id : "");
	s3c_mpu_audit(m, "POST ?uploads (CreateMultipartUpload)", ok ? NULL : &e, res);
	if (!ok) {
		mpu_fail(m, &e);
		return;
	}
	if (m->cancelled) { /* cancelled while Create was on its way */
		mpu_fail(m, &m->err);
		return;
	}
	pump(m);
}

int64_t s3c_mpu_part_size(const struct target *t, int64_t size)
{
	int64_t p = t->part_size > 0 ? t->part_size : S3C_MPU_PART_SIZE;
	int64_t need = (size + MPU_MAX_PARTS - 1) / MPU_MAX_PARTS;
	need = (need + (1 << 20) - 1) & ~(((int64_t)1 << 20) - 1); /* whole MiB */
	return MLC_MAX(MLC_MAX(p, need), MPU_MIN_PART);
}

static void mpu_early(void *arg)
{
	struct s3c_mpu *m = arg;
	m->early = NULL;
	mpu_finish(m, &m->err);
}

struct s3c_mpu *s3c_put_multipart(const struct target *t, const char *bucket, const char *key,
				  const char *path, s3c_progress_cb progress, s3c_done_cb cb,
				  void *arg)
{
	struct s3c_mpu *m = s3c_mpu_new(MOP_UPLOAD, t, bucket, key, arg);
	m->done = cb;
	m->progress = progress;
	m->path = xstrdup(path);
	m->t0 = mono_ms();
	struct stat st;
	if (s3_key_refused("CreateMultipartUpload", bucket, key, &m->err)) {
		m->early = loop_defer(mpu_early, m);
		return m;
	}
	m->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0 || fstat(m->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		mlc_err_set(&m->err, MLC_ERR_IO, 0, "%s: not a readable file", path);
		m->early = loop_defer(mpu_early, m);
		return m;
	}
	m->size = st.st_size;
	if (m->size > MPU_MAX_OBJECT) {
		mlc_err_set(&m->err, MLC_ERR_USAGE, 0, "%s: larger than the 5 TiB S3 accepts",
			    path);
		m->early = loop_defer(mpu_early, m);
		return m;
	}
	m->part_size = s3c_mpu_part_size(t, m->size);
	m->nparts = m->size ? (int)((m->size + m->part_size - 1) / m->part_size) : 1;
	m->concurrency = s3c_concurrency(t);
	m->slots = xcalloc((size_t)m->concurrency, sizeof *m->slots);
	m->parts = xcalloc((size_t)m->nparts, sizeof *m->parts);
	for (int i = 0; i < m->nparts; i++)
		m->parts[i].number = i + 1;
	const char *pairs[] = {"uploads", "", NULL};
	m->http = s3c_mpu_send(m, "POST", key, pairs, NULL, 0, NULL, create_done, m);
	return m;
}

void s3c_mpu_info(const struct s3c_mpu *m, struct s3c_mpu_info *out)
{
	memset(out, 0, sizeof *out);
	if (!m)
		return;
	out->size = m->size;
	out->part_size = m->part_size;
	out->parts = m->nparts;
	out->parts_done = m->ndone;
	for (int i = 0; m->slots && i < m->concurrency; i++)
		out->in_flight += m->slots[i] != NULL;
	out->upload_id = m->upload_id;
	out->aborting = m->failed;
}

void s3c_mpu_abort(struct s3c_mpu *m)
{
	if (!m || m->failed || m->cancelled || m->early)
		return;
	struct mlc_err e;
	mlc_err_set(&e, MLC_ERR_CANCELLED, 0, "upload of s3://%s/%s cancelled", m->bucket,
		    m->key ? m->key : "");
	if (m->op != MOP_UPLOAD) {
		s3c_mpu_cancel(m);
		return;
	}
	if (!m->upload_id && m->http) { /* Create on its way: abort when it answers */
		m->cancelled = true;
		m->err = e;
		return;
	}
	mpu_fail(m, &e);
}

void s3c_mpu_cancel(struct s3c_mpu *m)
{
	if (!m)
		return;
	if (m->early) {
		loop_defer_cancel(m->early);
		s3c_mpu_free(m);
		return;
	}
	if (m->op == MOP_UPLOAD && !m->failed) {
		/* The parts sent must not stay behind: the abort goes on, its
		 * answer audited, with no callback. */
		m->detached = true;
		s3c_mpu_abort(m);
		return;
	}
	if (m->op == MOP_UPLOAD) { /* an abort already on its way */
		m->detached = true;
		return;
	}
	if (m->http)
		http_cancel(m->http);
	s3c_mpu_free(m);
}
