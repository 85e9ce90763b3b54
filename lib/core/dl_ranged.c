/* lib/core/dl_ranged.c — see dl_ranged.h. One struct dlr per download: the
 * part file's descriptors, the sidecar record (what has landed), up to
 * `concurrency` streams (one ranged GET each, taking the lowest missing
 * piece next so that the done prefix grows and the MD5 can trail it), the
 * writes in flight (uv_fs_write on libuv's pool) and the MD5 worker. A
 * failure or a cancel first lets the writes and the worker in flight
 * finish (they cannot be stopped), then saves the sidecar. */
#include "lib/core/dl_ranged_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "lib/core/dl_meta.h"
#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"

static void pump(struct dlr *d);
static void settle(struct dlr *d);
static void hash_more(struct dlr *d);

static void settle_cb(void *arg)
{
	struct dlr *d = arg;
	d->defer = NULL;
	settle(d);
}

/* The first turn: the meter starts where a resume starts. */
static void pump_cb(void *arg)
{
	struct dlr *d = arg;
	d->defer = NULL;
	if (d->progress && d->res.resumed_from > 0)
		d->progress(d->res.resumed_from, d->m.size, d->arg);
	pump(d);
}

/* The in-flight count the headless driver waits on: a download counts
 * one while it works without a GET in flight (its writes, the MD5, the
 * writes that finish after a cancel); its GETs count themselves. So a
 * download never counts more than its requests do. */
static void busy_sync(struct dlr *d, bool alive)
{
	bool want = alive;
	for (int i = 0; i < d->nst && want; i++)
		if (d->st[i].req)
			want = false;
	if (want && !d->busy)
		loop_busy_inc();
	else if (!want && d->busy)
		loop_busy_dec();
	d->busy = want;
}

/* A CHUNK buffer: a spare one when there is. */
static char *buf_get(struct dlr *d)
{
	return d->nspare ? d->spare[--d->nspare] : xmalloc(CHUNK);
}

static void buf_put(struct dlr *d, char *b)
{
	if (b && d->nspare < POOL)
		d->spare[d->nspare++] = b;
	else
		free(b);
}

static void dlr_free(struct dlr *d)
{
	busy_sync(d, false);
	if (d->defer)
		loop_defer_cancel(d->defer);
	if (d->fd >= 0)
		close(d->fd); /* drops the lock too */
	if (d->hash_fd >= 0)
		close(d->hash_fd);
	for (int i = 0; i < d->nst; i++)
		free(d->st[i].buf);
	while (d->nspare)
		free(d->spare[--d->nspare]);
	free(d->hash_buf);
	if (d->md5)
		EVP_MD_CTX_free(d->md5);
	dl_meta_free(&d->m);
	free(d->path);
	free(d->part);
	free(d->metap);
	free(d);
}

static bool quiet(const struct dlr *d)
{
	return d->writes == 0 && !d->hashing;
}

static void save_meta(struct dlr *d)
{
	struct mlc_err e;
	if (dl_meta_save(&d->m, d->metap, &e) < 0)
		log_warn("download: %s", e.msg);
}

/* The first failure wins; the rest of the ending happens on a later turn,
 * outside lib/http's callbacks. */
static void fail(struct dlr *d, const struct mlc_err *e)
{
	if (d->failed)
		return;
	d->failed = true;
	d->err = *e;
	if (!d->defer)
		d->defer = loop_defer(settle_cb, d);
}

static void failf_io(struct dlr *d, int e, const char *what)
{
	struct mlc_err err;
	mlc_err_set(&err, MLC_ERR_IO, e, "%s %s: %s", what, d->part, strerror(e));
	fail(d, &err);
}

/* ---- writes ------------------------------------------------------------------ */

static void piece_check(struct stream *s)
{
	struct dlr *d = s->d;
	if (!s->active || !s->http_done || s->writes || d->failed)
		return;
	s->active = false;
	/* At most once a second: a sidecar write is small but on the loop, and
	 * a crash loses at most that second (a failure or cancel saves it). */
	if (mono_ms() - d->saved_ms >= SAVE_EVERY_MS) {
		save_meta(d);
		d->saved_ms = mono_ms();
	}
	pump(d);
}

static void wake_paused(struct dlr *d)
{
	if (d->buffered > MAX_BUF / 2 || d->failed || d->cancelled)
		return;
	for (int i = 0; i < d->nst; i++)
		if (d->st[i].paused && d->st[i].req) {
			d->st[i].paused = false;
			http_req_unpause(d->st[i].req);
		}
}

static void write_next(struct dlr *d);

static void write_done(uv_fs_t *fs)
{
	struct wr *w = fs->data;
	struct stream *s = w->s;
	struct dlr *d = s->d;
	ssize_t rc = fs->result;
	uv_fs_req_cleanup(fs);
	d->writing = false;
	d->writes--;
	s->writes--;
	d->buffered -= w->len;
	if (rc < 0 || (size_t)rc != w->len) {
		if (!d->cancelled)
			failf_io(d, rc < 0 ? (int)-rc : EIO, "writing");
	} else if (!d->cancelled) {
		dl_meta_add(&d->m, w->off, w->off + (int64_t)w->len);
		d->res.bytes = dl_meta_done(&d->m);
		if (d->progress && !d->failed)
			d->progress(d->res.bytes, d->m.size, d->arg);
	}
	buf_put(d, w->buf);
	free(w);
	write_next(d); /* what is queued lands even after a failure or a cancel */
	if (d->cancelled) {
		if (quiet(d))
			dlr_free(d);
		return;
	}
	if (d->failed) {
		if (quiet(d))
			settle(d);
		return;
	}
	wake_paused(d);
	hash_more(d);
	piece_check(s);
}

/* Starts the queue's first write (pwrite on the pool) unless one runs. */
static void write_next(struct dlr *d)
{
	while (!d->writing && d->wq_head) {
		struct wr *w = d->wq_head;
		d->wq_head = w->next;
		if (!d->wq_head)
			d->wq_tail = NULL;
		uv_buf_t b = uv_buf_init(w->buf, (unsigned)w->len);
		int rc = uv_fs_write(loop_get(), &w->fs, d->fd, &b, 1, w->off, write_done);
		if (rc == 0) {
			d->writing = true;
			return;
		}
		d->writes--;
		w->s->writes--;
		d->buffered -= w->len;
		buf_put(d, w->buf);
		free(w);
		if (!d->cancelled)
			failf_io(d, -rc, "writing");
	}
}

/* Queues the stream's buffer for a write at its offset. */
static void flush(struct stream *s)
{
	if (!s->blen)
		return;
	struct dlr *d = s->d;
	struct wr *w = xcalloc(1, sizeof *w);
	w->s = s;
	w->buf = s->buf;
	w->len = s->blen;
	w->off = s->pos - (int64_t)s->blen;
	w->fs.data = w;
	s->buf = NULL;
	s->blen = 0;
	if (d->wq_tail)
		d->wq_tail->next = w;
	else
		d->wq_head = w;
	d->wq_tail = w;
	d->writes++;
	s->writes++;
	write_next(d);
}

/* ---- the GETs ----------------------------------------------------------------- */

static size_t on_data(const char *p, size_t n, void *arg)
{
	struct stream *s = arg;
	struct dlr *d = s->d;
	if (d->failed || d->cancelled)
		return 0;
	if (!s->status_checked) {
		s->status_checked = true;
		long st = http_req_status(s->req);
		/* A 200 is the whole object: right only for a piece that is. */
		s->status_ok = st == 206 || (st == 200 && s->start == 0 && s->end == d->m.size);
		d->res.status = st;
	}
	if (!s->status_ok) {
		size_t room = sizeof d->res.err_body - 1 - d->res.err_len;
		size_t take = MLC_MIN(n, room);
		memcpy(d->res.err_body + d->res.err_len, p, take);
		d->res.err_len += take;
		d->res.err_body[d->res.err_len] = '\0';
		return n;
	}
	if (s->pos + (int64_t)n > s->end) {
		struct mlc_err e;
		mlc_err_set(&e, MLC_ERR_PROTO, 0,
			    "more bytes than asked for (range %" PRId64 "-%" PRId64 ")", s->start,
			    s->end - 1);
		fail(d, &e);
		return 0;
	}
	if (d->buffered >= MAX_BUF) {
		s->paused = true;
		return HTTP_DATA_PAUSE;
	}
	size_t off = 0;
	while (off < n) {
		if (!s->buf)
			s->buf = buf_get(d);
		size_t take = MLC_MIN(n - off, CHUNK - s->blen);
		memcpy(s->buf + s->blen, p + off, take);
		s->blen += take;
		s->pos += (int64_t)take;
		d->buffered += take;
		off += take;
		if (s->blen == CHUNK)
			flush(s);
	}
	return n;
}

static void get_done(const struct http_resp *r, const struct mlc_err *herr, void *arg)
{
	struct stream *s = arg;
	struct dlr *d = s->d;
	s->req = NULL;
	s->http_done = true;
	busy_sync(d, true);
	struct mlc_err e;
	char etag[256];
	if (!d->failed && herr && s->status_ok)
		flush(s); /* what came before the cut is good: kept for the resume */
	if (d->failed) {
		/* the first failure is already said */
	} else if (herr) {
		fail(d, herr);
	} else if (r->status >= 200 && r->status <= 299 && !s->status_ok) {
		mlc_err_set(&e, MLC_ERR_PROTO, 0,
			    "the server ignored the Range (HTTP %ld for bytes %" PRId64 "-%" PRId64
			    ")",
			    r->status, s->start, s->end - 1);
		fail(d, &e);
	} else if (!s->status_ok || r->status < 200 || r->status > 299) {
		d->res.status = r->status;
		mlc_err_set(&e, MLC_ERR_HTTP, r->status, "HTTP %ld", r->status);
		fail(d, &e);
	} else if (http_resp_header(r, "ETag", etag, sizeof etag) && strcmp(etag, d->m.etag)) {
		mlc_err_set(&e, MLC_ERR_PROTO, 0,
			    "the object changed during the download (ETag %s, "
			    "was %s)",
			    etag, d->m.etag);
		fail(d, &e);
	} else if (s->pos != s->end) {
		mlc_err_set(&e, MLC_ERR_PROTO, 0, "short answer: %" PRId64 " of %" PRId64 " bytes",
			    s->pos - s->start, s->end - s->start);
		fail(d, &e);
	} else {
		flush(s);
	}
	if (d->failed) {
		d->buffered -= s->blen;
		s->blen = 0;
		if (quiet(d))
			settle(d);
		return;
	}
	piece_check(s);
}

static void start_piece(struct stream *s, int64_t start, int64_t end)
{
	struct dlr *d = s->d;
	buf_put(d, s->buf);
	*s = (struct stream){.d = d, .start = start, .end = end, .pos = start, .active = true};
	d->next_off = end;
	s->req = d->fetch(d->fetch_ctx, start, end - 1, on_data, get_done, s);
}

/* ---- the MD5 worker ----------------------------------------------------------- */

static void hash_work(uv_work_t *w)
{
	struct dlr *d = w->data;
	size_t cap = CHUNK; /* read while it is in the cache */
	char *buf = d->hash_buf;
	for (int64_t at = d->hashed_to; at < d->hash_goal;) {
		size_t want = (size_t)MLC_MIN((int64_t)cap, d->hash_goal - at);
		ssize_t n = pread(d->hash_fd, buf, want, at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			d->hash_errno = n < 0 ? errno : EIO;
			break;
		}
		EVP_DigestUpdate(d->md5, buf, (size_t)n);
		at += n;
	}
}

static void hash_after(uv_work_t *w, int status)
{
	struct dlr *d = w->data;
	(void)status;
	d->hashing = false;
	d->hashed_to = d->hash_goal;
	if (d->cancelled) {
		if (quiet(d))
			dlr_free(d);
		return;
	}
	if (d->hash_errno && !d->failed)
		failf_io(d, d->hash_errno, "reading");
	if (d->failed) {
		if (quiet(d))
			settle(d);
		return;
	}
	pump(d);
}

static void hash_more(struct dlr *d)
{
	if (!d->md5_check || d->hashing || d->failed)
		return;
	int64_t to = dl_meta_done_to(&d->m, d->hashed_to);
	if (to == d->hashed_to || (to - d->hashed_to < HASH_STEP && to < d->m.size))
		return;
	if (!d->hash_buf)
		d->hash_buf = xmalloc(CHUNK);
	d->hashing = true;
	d->hash_goal = to;
	d->hw.data = d;
	if (uv_queue_work(loop_get(), &d->hw, hash_work, hash_after) < 0) {
		d->hashing = false;
		failf_io(d, EAGAIN, "hashing");
	}
}

/* ---- the end ------------------------------------------------------------------ */

static void finish(struct dlr *d)
{
	struct mlc_err e;
	if (d->md5_check) {
		unsigned char got[16];
		unsigned len = 0;
		EVP_DigestFinal_ex(d->md5, got, &len);
		if (memcmp(got, d->want_md5, 16) != 0) {
			char hex[33];
			for (int i = 0; i < 16; i++)
				snprintf(hex + 2 * i, 3, "%02x", got[i]);
			d->mismatch = true;
			mlc_err_set(&e, MLC_ERR_PROTO, 0,
				    "MD5 of %s is %s, the ETag says %s: removed, "
				    "not renamed",
				    d->part, hex, d->m.etag);
			fail(d, &e);
			return;
		}
	}
	int fd = d->fd;
	d->fd = -1;
	if (close(fd) != 0) {
		failf_io(d, errno, "writing");
		return;
	}
	if (dl_publish(d->part, d->path, d->overwrite, &e) < 0) {
		fail(d, &e);
		return;
	}
	unlink(d->metap);
	d->res.bytes = d->res.total = d->m.size;
	if (d->progress)
		d->progress(d->m.size, d->m.size, d->arg);
	d->done(&d->res, NULL, d->arg);
	dlr_free(d);
}

/* Runs once the failure's writes and worker are done: keeps what landed
 * (or removes a part that is wrong or empty), then says why. */
static void settle(struct dlr *d)
{
	if (d->defer) { /* settled now: the turn it was deferred to is not needed */
		loop_defer_cancel(d->defer);
		d->defer = NULL;
	}
	for (int i = 0; i < d->nst; i++)
		if (d->st[i].req) {
			if (d->st[i].status_ok && !d->mismatch)
				flush(&d->st[i]); /* good bytes: kept for the resume */
			http_cancel(d->st[i].req);
			d->st[i].req = NULL;
		}
	busy_sync(d, true);
	if (!quiet(d))
		return; /* write_done / hash_after come back here */
	bool keep = !d->mismatch && dl_meta_done(&d->m) > 0;
	if (keep) {
		save_meta(d);
	} else {
		unlink(d->part);
		unlink(d->metap);
	}
	d->res.bytes = dl_meta_done(&d->m);
	d->res.kept = keep;
	d->done(&d->res, &d->err, d->arg);
	dlr_free(d);
}

/* Fills the free streams with the next missing pieces, feeds the MD5
 * worker, and finishes when everything is on disk (and hashed). */
static void pump(struct dlr *d)
{
	if (d->failed) {
		settle(d);
		return;
	}
	for (int i = 0; i < d->nst; i++) {
		int64_t a, b;
		if (d->st[i].active || !dl_meta_next_missing(&d->m, d->next_off, d->piece, &a, &b))
			continue;
		start_piece(&d->st[i], a, b);
	}
	busy_sync(d, true);
	hash_more(d);
	for (int i = 0; i < d->nst; i++)
		if (d->st[i].active)
			return;
	if (d->writes || d->hashing || dl_meta_done(&d->m) < d->m.size)
		return;
	if (d->md5_check && d->hashed_to < d->m.size)
		return;
	finish(d);
}

/* ---- the start ---------------------------------------------------------------- */

static void early_fail(void *arg)
{
	struct dlr *d = arg;
	d->defer = NULL;
	d->done(&d->res, &d->err, d->arg);
	dlr_free(d);
}

struct dlr *dlr_start(const char *path, const struct dlr_opts *o)
{
	struct dlr *d = xcalloc(1, sizeof *d);
	busy_sync(d, true);
	d->fd = d->hash_fd = -1;
	d->path = xstrdup(path);
	d->part = dl_part_path(path);
	d->metap = dl_meta_path(path);
	d->overwrite = o->overwrite;
	d->fetch = o->fetch;
	d->fetch_ctx = o->fetch_ctx;
	d->progress = o->progress;
	d->notice = o->notice;
	d->done = o->done;
	d->arg = o->arg;
	d->res.path = d->path;
	d->res.total = o->size;
	d->nst = MLC_MAX(1, MLC_MIN(o->concurrency, MAX_STREAMS));
	d->piece = o->piece > 0 ? o->piece : MLC_MAX(o->size, 1);
	d->md5_check = dl_etag_md5(o->etag, d->want_md5);
	for (int i = 0; i < d->nst; i++)
		d->st[i].d = d;
	if (o->size < 0 || o->size > DL_META_MAX_SIZE) {
		mlc_err_set(&d->err, MLC_ERR_PROTO, 0, "%s: size %" PRId64 " out of range",
			    o->source, o->size);
	} else if (dlr_open_part(d, o, &d->err) < 0) {
		/* d->err says why */
	} else {
		d->res.bytes = dl_meta_done(&d->m);
		d->defer = loop_defer(pump_cb, d);
		return d;
	}
	if (d->fd >= 0 && d->created) { /* ours, and nothing in it */
		unlink(d->part);
		unlink(d->metap);
	}
	if (d->fd >= 0) { /* a cancel before early_fail must not write a sidecar */
		close(d->fd);
		d->fd = -1;
	}
	d->defer = loop_defer(early_fail, d);
	return d;
}

int64_t dlr_cancel(struct dlr *d)
{
	if (!d)
		return 0;
	if (d->defer)
		loop_defer_cancel(d->defer);
	d->defer = NULL;
	for (int i = 0; i < d->nst; i++)
		if (d->st[i].req) {
			http_cancel(d->st[i].req);
			d->st[i].req = NULL;
		}
	busy_sync(d, true);
	int64_t kept = 0;
	if (d->fd >= 0) {
		kept = dl_meta_done(&d->m);
		save_meta(d);
		/* A resume may start at once: the writes still in flight hold
		 * the object's own bytes at their own offsets. */
		flock(d->fd, LOCK_UN);
	}
	d->cancelled = true;
	for (int i = 0; i < d->nst; i++)
		d->buffered -= d->st[i].blen;
	if (quiet(d))
		dlr_free(d);
	return kept;
}
