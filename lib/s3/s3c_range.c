/* lib/s3/s3c_range.c — GetObject into a file (s3c_download, see s3c.h):
 * HeadObject for the ETag and size, then lib/core/dl_ranged with signed
 * ranged GETs: resumable from PATH.part and its sidecar, up to
 * `[s3] concurrency` GETs in flight above `[s3] multipart_threshold`,
 * verified against a plain-MD5 ETag. Every callback runs exactly once, from
 * the loop. Never blocks, never draws. */
#include "lib/s3/s3c_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/config.h"
#include "lib/core/dl_ranged.h"
#include "lib/core/download.h"
#include "lib/core/http.h"
#include "lib/core/util.h"

#define PIECE_MIN ((int64_t)1 << 20)
#define PIECE_MAX ((int64_t)16 << 20)

int s3c_concurrency(const struct target *t)
{
	return t->concurrency > 0 ? t->concurrency : S3C_CONCURRENCY;
}

int64_t s3c_threshold(const struct target *t)
{
	return t->multipart_threshold > 0 ? (int64_t)t->multipart_threshold : S3C_THRESHOLD;
}

int64_t s3c_get_piece(int64_t size, int64_t threshold, int concurrency)
{
	if (size <= threshold)
		return 0; /* one GET for what is missing */
	/* About four pieces a stream, so that the streams end together and the
	 * done prefix (what the MD5 reads) grows steadily. */
	int64_t p = size / (4 * (int64_t)MLC_MAX(concurrency, 1));
	p = MLC_MAX(PIECE_MIN, MLC_MIN(PIECE_MAX, p));
	return (p + 65535) & ~(int64_t)65535;
}

static struct http_req *range_fetch(void *ctx, int64_t first, int64_t last,
				    size_t (*on_data)(const char *p, size_t n, void *arg),
				    http_done_cb done, void *arg)
{
	struct s3c_req *r = ctx;
	struct http_opts o;
	const char *headers[6];
	struct s3_scratch sc;
	s3_get_range_opts(r->t, r->bucket, r->key, first, last, &o, headers, &sc);
	o.timeout_ms = -1; /* no total deadline: the low-speed abort still applies */
	o.max_bytes = (size_t)(last - first + 1) + 65536; /* room for an error document */
	o.on_data = on_data;
	o.data_arg = arg;
	o.recv_buffer = (size_t)256 << 10; /* 16x fewer reads and on_data calls than 16 KiB */
	struct http_req *h = http_request(&o, done, arg);
	s3_scratch_free(&sc);
	return h;
}

static void range_progress(int64_t now, int64_t total, void *arg)
{
	struct s3c_req *r = arg;
	if (r->progress)
		r->progress(now, total, r->arg);
}

static void range_notice(const char *msg, bool restart, void *arg)
{
	struct s3c_req *r = arg;
	if (restart && r->restarted)
		r->restarted(msg, r->arg);
}

void s3c_download_on_restart(struct s3c_req *r, s3c_notice_cb cb)
{
	if (r)
		r->restarted = cb;
}

/* The failure as the user reads it, with what became of the part file. */
static void explain(struct s3c_req *r, const struct dl_result *res, const struct mlc_err *derr,
		    struct mlc_err *e)
{
	if (derr->code == MLC_ERR_HTTP)
		s3c_resp_error(r, r->key, res->status, res->err_body, res->err_len, e);
	else if (derr->code == MLC_ERR_IO || derr->code == MLC_ERR_USAGE)
		*e = *derr; /* names the local file already */
	else
		s3c_transport_error(r, r->key, derr, e);
	if (res->kept) {
		char a[32], b[32];
		fmt_bytes(a, sizeof a, (uint64_t)res->bytes);
		fmt_bytes(b, sizeof b, (uint64_t)MLC_MAX(res->total, 0));
		size_t n = strlen(e->msg);
		snprintf(e->msg + n, sizeof e->msg - n,
			 " (%s of %s kept in %s.part: d again resumes)", a, b, r->path);
	}
}

static void range_done(const struct dl_result *res, const struct mlc_err *derr, void *arg)
{
	struct s3c_req *r = arg;
	r->dlr = NULL;
	struct mlc_err e;
	if (!derr) {
		r->cb.done(res->bytes, NULL, r->arg);
	} else {
		explain(r, res, derr, &e);
		r->cb.done(0, &e, r->arg);
	}
	s3c_req_free(r);
}

static void head_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct s3c_req *r = arg;
	r->http = NULL;
	struct mlc_err e;
	struct s3_head h;
	memset(&h, 0, sizeof h);
	if (herr) {
		s3c_transport_error(r, r->key, herr, &e);
	} else if (resp->status < 200 || resp->status > 299) {
		s3c_resp_error(r, r->key, resp->status, resp->body, resp->body_len, &e);
	} else if (s3_parse_head(resp, &h, &e) < 0) {
		/* e says why */
	} else if (h.content_length < 0) {
		mlc_err_set(&e, MLC_ERR_PROTO, 0, "HeadObject s3://%s/%s: no Content-Length",
			    r->bucket, r->key);
	} else {
		char *src = xasprintf("s3://%s/%s", r->bucket, r->key);
		struct dlr_opts o = {
		    .source = src,
		    .etag = h.etag,
		    .size = h.content_length,
		    .overwrite = r->overwrite,
		    .concurrency = s3c_concurrency(r->t),
		    .piece =
			s3c_get_piece(h.content_length, s3c_threshold(r->t), s3c_concurrency(r->t)),
		    .fetch = range_fetch,
		    .fetch_ctx = r,
		    .progress = range_progress,
		    .notice = range_notice,
		    .done = range_done,
		    .arg = r,
		};
		r->dlr = dlr_start(r->path, &o);
		free(src);
		s3_head_free(&h);
		return;
	}
	s3_head_free(&h);
	r->cb.done(0, &e, r->arg);
	s3c_req_free(r);
}

struct s3c_req *s3c_download(const struct target *t, const char *bucket, const char *key,
			     const char *path, bool overwrite, s3c_progress_cb progress,
			     s3c_done_cb cb, void *arg)
{
	struct s3c_req *r = s3c_req_new(OP_DOWNLOAD, t, bucket, key, arg);
	r->cb.done = cb;
	r->progress = progress;
	r->path = xstrdup(path);
	r->overwrite = overwrite;
	/* A path that cannot be written is said before any request. */
	if (dl_check_path(path, overwrite, &r->early_err) < 0)
		return s3c_fail_later(r);
	if (s3c_key_refused(r, key))
		return s3c_fail_later(r);
	struct http_opts o;
	const char *headers[5];
	struct s3_scratch sc;
	s3_request_opts(t, "HEAD", bucket, key, NULL, &o, headers, &sc);
	o.max_bytes = (size_t)1 << 46; /* curl weighs a HEAD's Content-Length too */
	r->http = http_request(&o, head_done, r);
	s3_scratch_free(&sc);
	return r;
}
