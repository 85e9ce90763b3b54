/* lib/s3/s3c_mpu.c — multipart uploads on the loop (see s3c.h):
 * CreateMultipartUpload, UploadPart with up to `concurrency` parts in
 * flight, CompleteMultipartUpload with the parts' ETags, and
 * AbortMultipartUpload after any failure or a cancel, so that the console
 * leaves no parts behind; plus ListMultipartUploads, ListParts and the abort
 * of one upload for the incomplete-uploads view. Parts are read from the
 * file and hashed (SHA-256, the SigV4 payload hash) on libuv's thread pool,
 * never on the loop thread. A failed UploadPart is sent again twice, after
 * a timer's backoff. Create, Complete and Abort leave audit lines. Every
 * callback runs once, from the loop, unless cancelled first. */
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
#include "lib/s3/s3_mpu.h"

#define MPU_MAX_PARTS  10000
#define MPU_MIN_PART   ((int64_t)5 << 20)
#define MPU_MAX_OBJECT ((int64_t)5 << 40)
#define MPU_RETRIES    2
#define MPU_BACKOFF_MS 200
#define MPU_LIST_MAX   100000

enum mop { MOP_UPLOAD, MOP_UPLOADS, MOP_PARTS, MOP_ABORT };

/* One part being read, sent or waiting to be sent again. It outlives its
 * upload while a read runs on the pool or its timer closes (m NULL then). */
struct slot {
	struct s3c_mpu *m;
	int idx; /* the part's index (number - 1) */
	char *buf;
	size_t len;
	char sha[2 * DIGEST_SHA256_LEN + 1];
	int fd; /* the upload's file, read at off */
	int64_t off;
	int rerr; /* errno of the read, 0 when it worked */
	struct http_req *http;
	uv_work_t work;
	uv_timer_t timer;
	bool working, timer_open;
	int tries;
	int64_t sent;
};

struct s3c_mpu {
	enum mop op;
	const struct target *t;
	char *bucket, *key, *path, *upload_id;
	void *arg;
	s3c_progress_cb progress;
	s3c_done_cb done;
	s3c_err_cb err_cb;
	s3c_uploads_cb uploads_cb;
	s3c_parts_cb parts_cb;
	struct http_req *http; /* Create, Complete, Abort or a listing page */
	struct loop_defer *early;
	struct mlc_err err;
	/* upload */
	int fd;
	int64_t size, part_size, done_bytes;
	int nparts, next, ndone, concurrency;
	struct s3_part *parts;
	struct slot **slots; /* concurrency entries, NULL when free */
	bool failed, cancelled, detached, completing;
	int64_t t0;
	/* listings */
	struct s3_upload *ups;
	size_t nups;
	char *marker, *marker2;
	int64_t parts_bytes;
	long nparts_listed;
	bool busy;
};

static void mpu_free(struct s3c_mpu *m)
{
	if (m->busy)
		loop_busy_dec();
	if (m->fd >= 0)
		close(m->fd);
	for (size_t i = 0; i < m->nups; i++) {
		free(m->ups[i].key);
		free(m->ups[i].upload_id);
		free(m->ups[i].storage_class);
	}
	free(m->ups);
	free(m->slots);
	free(m->parts);
	free(m->bucket);
	free(m->key);
	free(m->path);
	free(m->upload_id);
	free(m->marker);
	free(m->marker2);
	free(m);
}

static struct s3c_mpu *mpu_new(enum mop op, const struct target *t, const char *bucket,
			       const char *key, void *arg)
{
	struct s3c_mpu *m = xcalloc(1, sizeof *m);
	m->op = op;
	m->t = t;
	m->bucket = xstrdup(bucket);
	m->key = key ? xstrdup(key) : NULL;
	m->arg = arg;
	m->fd = -1;
	m->busy = true;
	loop_busy_inc();
	return m;
}

/* The error of a failed answer or transport: names op and s3://bucket/key. */
static void answer_err(const struct s3c_mpu *m, const char *op, const struct http_resp *resp,
		       const struct mlc_err *herr, struct mlc_err *e)
{
	if (herr)
		mlc_err_set(e, herr->code, herr->detail, "%s s3://%s/%s: %s", op, m->bucket,
			    m->key ? m->key : "", herr->msg);
	else
		s3_http_err(e, op, m->bucket, m->key, resp->status, NULL, resp->body,
			    resp->body_len);
}

/* Sends METHOD on bucket (and key when given) with the canonical query
 * built from pairs and an optional XML body. */
static struct http_req *mpu_send(struct s3c_mpu *m, const char *method, const char *key,
				 const char *const *pairs, const char *body, size_t blen,
				 const char *sha_hex, http_done_cb done, void *arg)
{
	char *q = s3_canonical_query(pairs);
	struct http_opts o;
	const char *headers[8];
	struct s3_scratch sc;
	char hash_hdr[128];
	s3_request_opts(m->t, method, m->bucket, key, q, &o, headers, &sc);
	if (!key) { /* path style: /bucket?query, as ListObjectsV2 sends it */
		char *qm = strstr(sc.url, "/?");
		if (qm && !m->t->virtual_host)
			memmove(qm, qm + 1, strlen(qm));
	}
	if (sha_hex) {
		s3c_set_payload_hash(headers, hash_hdr, sizeof hash_hdr, sha_hex);
		int h = 0;
		while (headers[h])
			h++;
		if (body && body[0] == '<')
			headers[h++] = "Content-Type: application/xml";
		headers[h] = NULL;
	}
	o.body = body;
	o.body_len = blen;
	o.timeout_ms = 120000;
	o.max_bytes = 16u << 20;
	struct http_req *r = http_request(&o, done, arg);
	s3_scratch_free(&sc);
	free(q);
	return r;
}

static void audit(const struct s3c_mpu *m, const char *what, const struct mlc_err *err,
		  const char *ok)
{
	char *req = xasprintf("%s s3://%s/%s", what, m->bucket, m->key ? m->key : "");
	log_audit(m->t->name, req, err ? err->msg : ok);
	free(req);
}

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
	mpu_free(m);
}

static void abort_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct s3c_mpu *m = arg;
	m->http = NULL;
	struct mlc_err e;
	bool ok = !herr && resp->status >= 200 && resp->status < 300;
	if (!ok)
		answer_err(m, "AbortMultipartUpload", resp, herr, &e);
	char what[600];
	snprintf(what, sizeof what, "DELETE (AbortMultipartUpload %s)", m->upload_id);
	audit(m, what, ok ? NULL : &e, "aborted");
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
	m->http = mpu_send(m, "DELETE", m->key, pairs, NULL, 0, NULL, abort_done, m);
}

static void pump(struct s3c_mpu *m);

static void part_progress(int64_t now, int64_t total, void *arg)
{
	struct slot *s = arg;
	(void)total;
	struct s3c_mpu *m = s->m;
	if (!m || now < s->sent)
		return;
	s->sent = MLC_MIN(now, (int64_t)s->len);
	if (m->progress) {
		int64_t sum = m->done_bytes;
		for (int i = 0; i < m->concurrency; i++)
			if (m->slots[i])
				sum += m->slots[i]->sent;
		m->progress(sum, m->size, m->arg);
	}
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
		answer_err(m, op, resp, herr, &e);
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
	if (m->progress)
		part_progress(0, 0, &(struct slot){.m = m});
	pump(m);
}

static void part_send(struct slot *s)
{
	struct s3c_mpu *m = s->m;
	char num[16];
	snprintf(num, sizeof num, "%d", s->idx + 1);
	const char *pairs[] = {"partNumber", num, "uploadId", m->upload_id, NULL};
	char *q = s3_canonical_query(pairs);
	struct http_opts o;
	const char *headers[8];
	struct s3_scratch sc;
	char hash_hdr[128];
	s3_request_opts(m->t, "PUT", m->bucket, m->key, q, &o, headers, &sc);
	s3c_set_payload_hash(headers, hash_hdr, sizeof hash_hdr, s->sha);
	o.body = s->buf;
	o.body_len = s->len;
	o.timeout_ms = -1; /* the low-speed abort still applies */
	o.on_progress = part_progress;
	o.progress_arg = s;
	s->http = http_request(&o, part_done, s);
	s3_scratch_free(&sc);
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
		answer_err(m, "CompleteMultipartUpload", resp, herr, &e);
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
	snprintf(what, sizeof what, "PUT (multipart upload %s, %d parts) from %s", m->upload_id,
		 m->nparts, m->path);
	snprintf(res, sizeof res, "completed, %" PRId64 " bytes", m->size);
	if (!ok) {
		audit(m, what, &e, NULL);
		mpu_fail(m, &e);
		return;
	}
	audit(m, what, NULL, res);
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
	m->http = mpu_send(m, "POST", m->key, pairs, body, blen, hex, complete_done, m);
	free(body);
}

static void create_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct s3c_mpu *m = arg;
	m->http = NULL;
	struct mlc_err e;
	bool ok = !herr && resp->status >= 200 && resp->status < 300;
	if (!ok)
		answer_err(m, "CreateMultipartUpload", resp, herr, &e);
	else if (s3_parse_mpu_initiate(resp->body, resp->body_len, &m->upload_id, &e) < 0)
		ok = false;
	char res[200];
	snprintf(res, sizeof res, "upload id %s", m->upload_id ? m->upload_id : "");
	audit(m, "POST (CreateMultipartUpload)", ok ? NULL : &e, res);
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

int64_t s3c_mpu_threshold(const struct target *t)
{
	return t->multipart_threshold > 0 ? t->multipart_threshold : S3C_MPU_THRESHOLD;
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
	struct s3c_mpu *m = mpu_new(MOP_UPLOAD, t, bucket, key, arg);
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
	m->concurrency = t->concurrency > 0 ? t->concurrency : S3C_MPU_CONCURRENCY;
	m->slots = xcalloc((size_t)m->concurrency, sizeof *m->slots);
	m->parts = xcalloc((size_t)m->nparts, sizeof *m->parts);
	for (int i = 0; i < m->nparts; i++)
		m->parts[i].number = i + 1;
	const char *pairs[] = {"uploads", "", NULL};
	m->http = mpu_send(m, "POST", key, pairs, NULL, 0, NULL, create_done, m);
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
		mpu_free(m);
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
	mpu_free(m);
}

/* ---- incomplete uploads --------------------------------------------------- */

static void uploads_page(struct s3c_mpu *m);

static void uploads_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct s3c_mpu *m = arg;
	m->http = NULL;
	struct mlc_err e;
	struct s3_uploads_page pg;
	if (herr || resp->status != 200) {
		answer_err(m, "ListMultipartUploads", resp, herr, &e);
		m->uploads_cb(NULL, 0, false, &e, m->arg);
		mpu_free(m);
		return;
	}
	if (s3_parse_uploads(resp->body, resp->body_len, &pg, &e) < 0) {
		m->uploads_cb(NULL, 0, false, &e, m->arg);
		mpu_free(m);
		return;
	}
	m->ups = xrealloc(m->ups, (m->nups + pg.n + 1) * sizeof *m->ups);
	memcpy(m->ups + m->nups, pg.uploads, pg.n * sizeof *pg.uploads);
	m->nups += pg.n;
	free(pg.uploads);
	pg.uploads = NULL;
	pg.n = 0;
	/* A page that moves no marker forward would loop for ever. */
	bool more = pg.is_truncated && pg.next_key_marker &&
		    (!m->marker || strcmp(pg.next_key_marker, m->marker) ||
		     (pg.next_upload_id_marker && m->marker2 &&
		      strcmp(pg.next_upload_id_marker, m->marker2)));
	bool capped = more && m->nups >= MPU_LIST_MAX;
	if (more && !capped) {
		free(m->marker);
		free(m->marker2);
		m->marker = pg.next_key_marker;
		m->marker2 = pg.next_upload_id_marker;
		pg.next_key_marker = pg.next_upload_id_marker = NULL;
		s3_uploads_page_free(&pg);
		uploads_page(m);
		return;
	}
	s3_uploads_page_free(&pg);
	m->uploads_cb(m->ups, m->nups, capped, NULL, m->arg);
	mpu_free(m);
}

static void uploads_page(struct s3c_mpu *m)
{
	const char *pairs[10];
	int n = 0;
	pairs[n++] = "encoding-type";
	pairs[n++] = "url";
	if (m->marker) {
		pairs[n++] = "key-marker";
		pairs[n++] = m->marker;
	}
	pairs[n++] = "uploads";
	pairs[n++] = "";
	if (m->marker2) {
		pairs[n++] = "upload-id-marker";
		pairs[n++] = m->marker2;
	}
	pairs[n] = NULL;
	m->http = mpu_send(m, "GET", NULL, pairs, NULL, 0, NULL, uploads_done, m);
}

struct s3c_mpu *s3c_list_uploads(const struct target *t, const char *bucket, s3c_uploads_cb cb,
				 void *arg)
{
	struct s3c_mpu *m = mpu_new(MOP_UPLOADS, t, bucket, NULL, arg);
	m->uploads_cb = cb;
	uploads_page(m);
	return m;
}

static void parts_page(struct s3c_mpu *m, int marker);

static void parts_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct s3c_mpu *m = arg;
	m->http = NULL;
	struct mlc_err e;
	struct s3_parts_page pg;
	if (herr || resp->status != 200 ||
	    s3_parse_parts(resp->body, resp->body_len, &pg, &e) < 0) {
		if (herr || resp->status != 200)
			answer_err(m, "ListParts", resp, herr, &e);
		m->parts_cb(0, 0, &e, m->arg);
		mpu_free(m);
		return;
	}
	for (size_t i = 0; i < pg.n; i++)
		m->parts_bytes += MLC_MAX(pg.parts[i].size, 0);
	m->nparts_listed += (long)pg.n;
	bool more = pg.is_truncated && pg.next_marker > m->next && m->nparts_listed < MPU_LIST_MAX;
	int marker = pg.next_marker;
	s3_parts_page_free(&pg);
	if (more) {
		parts_page(m, marker);
		return;
	}
	m->parts_cb(m->nparts_listed, m->parts_bytes, NULL, m->arg);
	mpu_free(m);
}

static void parts_page(struct s3c_mpu *m, int marker)
{
	char mk[16];
	snprintf(mk, sizeof mk, "%d", marker);
	m->next = marker;
	const char *pairs[] = {"part-number-marker", mk, "uploadId", m->upload_id, NULL};
	if (!marker)
		pairs[0] = "uploadId", pairs[1] = m->upload_id, pairs[2] = NULL;
	m->http = mpu_send(m, "GET", m->key, pairs, NULL, 0, NULL, parts_done, m);
}

struct s3c_mpu *s3c_list_parts(const struct target *t, const char *bucket, const char *key,
			       const char *upload_id, s3c_parts_cb cb, void *arg)
{
	struct s3c_mpu *m = mpu_new(MOP_PARTS, t, bucket, key, arg);
	m->parts_cb = cb;
	m->upload_id = xstrdup(upload_id);
	parts_page(m, 0);
	return m;
}

static void abort_one_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct s3c_mpu *m = arg;
	m->http = NULL;
	struct mlc_err e;
	/* 404 NoSuchUpload: someone else aborted or completed it already. */
	bool ok = !herr && ((resp->status >= 200 && resp->status < 300) || resp->status == 404);
	if (!ok)
		answer_err(m, "AbortMultipartUpload", resp, herr, &e);
	char what[600], res[64];
	snprintf(what, sizeof what, "DELETE (AbortMultipartUpload %s)", m->upload_id);
	snprintf(res, sizeof res, "%ld, aborted", resp ? resp->status : 0L);
	audit(m, what, ok ? NULL : &e, res);
	m->err_cb(ok ? NULL : &e, m->arg);
	mpu_free(m);
}

struct s3c_mpu *s3c_abort_upload(const struct target *t, const char *bucket, const char *key,
				 const char *upload_id, s3c_err_cb cb, void *arg)
{
	struct s3c_mpu *m = mpu_new(MOP_ABORT, t, bucket, key, arg);
	m->err_cb = cb;
	m->upload_id = xstrdup(upload_id);
	const char *pairs[] = {"uploadId", upload_id, NULL};
	m->http = mpu_send(m, "DELETE", key, pairs, NULL, 0, NULL, abort_one_done, m);
	return m;
}
