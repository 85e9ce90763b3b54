/* lib/s3/s3c.c — see s3c.h. One struct s3c_req per operation; it owns at most
 * one HTTP request (or download) at a time, the parser of the page being
 * received and copies of every string it was given. Listing pages stream
 * into lib/s3's expat parser from http's on_data: a page is never held as
 * a whole body. */
#include "lib/s3/s3c.h"
#include "lib/s3/s3c_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/core/config.h"
#include "lib/core/digest.h"
#include "lib/core/dl_ranged.h"
#include "lib/core/download.h"
#include "lib/core/http.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"

static const char *const op_names[] = {
    [OP_BUCKETS] = "ListBuckets", [OP_LIST] = "ListObjectsV2",	      [OP_HEAD] = "HeadObject",
    [OP_GET] = "GetObject",	  [OP_DOWNLOAD] = "GetObject",	      [OP_PUT] = "PutObject",
    [OP_DELETE] = "DeleteObject", [OP_DELETE_KEYS] = "DeleteObjects",
};

#define ERR_BODY_MAX 8192

struct s3c_req *s3c_req_new(enum op op, const struct target *t, const char *bucket, const char *key,
			    void *arg)
{
	struct s3c_req *r = xcalloc(1, sizeof *r);
	r->op = op;
	r->t = t;
	r->bucket = bucket ? xstrdup(bucket) : NULL;
	r->key = key ? xstrdup(key) : NULL;
	r->arg = arg;
	buf_init(&r->errbody);
	return r;
}

void s3c_req_free(struct s3c_req *r)
{
	s3_list_parser_free(r->parser);
	buf_free(&r->errbody);
	free(r->bucket);
	free(r->key);
	free(r->path);
	free(r->prefix);
	free(r->delimiter);
	free(r->start_after);
	free(r->token);
	free_items(r->keys, r->nkeys, sizeof *r->keys, free_item_ptr);
	free(r->body);
	free(r);
}

/* The error of a failed response: transport error as lib/http said it,
 * else the status and the error document, with bucket and key named. */
void s3c_resp_error(struct s3c_req *r, const char *key, long status, const char *body, size_t len,
		    struct mlc_err *e)
{
	s3_http_err(e, op_names[r->op], r->bucket, key, status, NULL, body, len);
}

void s3c_transport_error(struct s3c_req *r, const char *key, const struct mlc_err *herr,
			 struct mlc_err *e)
{
	char where[300];
	if (r->bucket && key && *key)
		snprintf(where, sizeof where, "s3://%s/%s", r->bucket, key);
	else if (r->bucket)
		snprintf(where, sizeof where, "s3://%s", r->bucket);
	else
		snprintf(where, sizeof where, "s3");
	mlc_err_set(e, herr->code, herr->detail, "%s %s: %s", op_names[r->op], where, herr->msg);
}

const struct mlc_err *s3c_answer_err(struct s3c_req *r, const char *key,
				     const struct http_resp *resp, const struct mlc_err *herr,
				     struct mlc_err *e)
{
	if (herr)
		s3c_transport_error(r, key, herr, e);
	else if (resp->status < 200 || resp->status > 299)
		s3c_resp_error(r, key, resp->status, resp->body, resp->body_len, e);
	else
		return NULL;
	return e;
}

struct http_req *s3c_send_body(const struct target *t, const char *bucket, const char *key,
			       const char *query, const char *body, size_t len, const char *sha_hex,
			       void (*on_progress)(int64_t now, int64_t total, void *arg),
			       http_done_cb done, void *arg)
{
	struct http_opts o;
	const char *headers[8];
	struct s3_scratch sc;
	char hash_hdr[128];
	s3_request_opts(t, "PUT", bucket, key, query, &o, headers, &sc);
	s3c_set_payload_hash(headers, hash_hdr, sizeof hash_hdr, sha_hex);
	o.body = body;
	o.body_len = len;
	o.body_borrowed = true;
	o.timeout_ms = -1; /* the low-speed abort still applies */
	o.on_progress = on_progress;
	o.progress_arg = arg;
	struct http_req *h = http_request(&o, done, arg);
	s3_scratch_free(&sc);
	return h;
}

/* Adds the signing headers for a request with a body whose SHA-256 is hex
 * (or "UNSIGNED-PAYLOAD"): replaces the empty-payload hash s3_request_opts
 * put first. */
void s3c_set_payload_hash(const char **headers, char *storage, size_t n, const char *hash)
{
	snprintf(storage, n, "x-amz-content-sha256: %s", hash);
	headers[0] = storage;
}

void s3c_hex_of(const unsigned char *d, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Reports err (set in r->early_err) on a later turn. */
bool s3c_key_refused(struct s3c_req *r, const char *key)
{
	return s3_key_refused(op_names[r->op], r->bucket, key, &r->early_err);
}

struct s3c_req *s3c_fail_later(struct s3c_req *r)
{
	r->early = loop_defer(s3c_early_fire, r);
	return r;
}

void s3c_cancel(struct s3c_req *r)
{
	if (!r)
		return;
	if (r->early)
		loop_defer_cancel(r->early);
	if (r->http)
		http_cancel(r->http);
	if (r->dl)
		dl_cancel(r->dl);
	if (r->dlr)
		dlr_cancel(r->dlr);
	s3c_put_detach(r);
	s3c_req_free(r);
}

/* ---- ListBuckets ------------------------------------------------------------ */

static void buckets_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct s3c_req *r = arg;
	r->http = NULL;
	struct mlc_err e;
	struct s3_bucket *b = NULL;
	size_t n = 0;
	if (herr) {
		s3c_transport_error(r, NULL, herr, &e);
		r->cb.buckets(NULL, 0, &e, r->arg);
	} else if (resp->status != 200) {
		s3c_resp_error(r, NULL, resp->status, resp->body, resp->body_len, &e);
		r->cb.buckets(NULL, 0, &e, r->arg);
	} else if (s3_parse_buckets(resp->body, resp->body_len, &b, &n, &e) < 0) {
		r->cb.buckets(NULL, 0, &e, r->arg);
	} else {
		r->cb.buckets(b, n, NULL, r->arg);
		s3_buckets_free(b, n);
	}
	s3c_req_free(r);
}

struct s3c_req *s3c_list_buckets(const struct target *t, s3c_buckets_cb cb, void *arg)
{
	struct s3c_req *r = s3c_req_new(OP_BUCKETS, t, NULL, NULL, arg);
	r->cb.buckets = cb;
	struct http_opts o;
	const char *headers[5];
	struct s3_scratch sc;
	s3_request_opts(t, "GET", NULL, NULL, NULL, &o, headers, &sc);
	r->http = http_request(&o, buckets_done, r);
	s3_scratch_free(&sc);
	return r;
}

/* ---- ListObjectsV2 ------------------------------------------------------------ */

static void list_next_page(struct s3c_req *r);

static size_t list_data(const char *p, size_t n, void *arg)
{
	struct s3c_req *r = arg;
	if (!r->status_checked) {
		r->status_checked = true;
		long st = http_req_status(r->http);
		r->status_bad = st < 200 || st > 299;
	}
	if (r->status_bad) {
		if (r->errbody.len < ERR_BODY_MAX)
			buf_append(&r->errbody, p, MLC_MIN(n, ERR_BODY_MAX - r->errbody.len));
		return n;
	}
	r->listed_bytes += n;
	if (s3_list_feed(r->parser, p, n, 0, &r->parse_err) < 0) {
		r->parse_failed = true;
		return 0; /* stops the transfer */
	}
	return n;
}

static void list_fail(struct s3c_req *r, const struct mlc_err *e)
{
	r->cb.page(NULL, true, e, r->arg);
	s3c_req_free(r);
}

static void list_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct s3c_req *r = arg;
	r->http = NULL;
	struct mlc_err e;
	char where[300];
	snprintf(where, sizeof where, "s3://%s/%s", r->bucket, r->prefix ? r->prefix : "");
	if (r->parse_failed) {
		mlc_err_set(&e, r->parse_err.code, 0, "%s: %s", where, r->parse_err.msg);
		list_fail(r, &e);
		return;
	}
	if (herr) {
		s3c_transport_error(r, r->prefix, herr, &e);
		list_fail(r, &e);
		return;
	}
	if (r->status_bad || resp->status != 200) {
		s3c_resp_error(r, r->prefix, resp->status, r->errbody.data, r->errbody.len, &e);
		list_fail(r, &e);
		return;
	}
	if (s3_list_feed(r->parser, "", 0, 1, &r->parse_err) < 0) {
		mlc_err_set(&e, r->parse_err.code, 0, "%s: %s", where, r->parse_err.msg);
		list_fail(r, &e);
		return;
	}
	const struct s3_list_page *pg = s3_list_result(r->parser);
	r->pages++;
	r->objects += (long)pg->nobjects;
	bool more = pg->is_truncated && pg->next_token && pg->next_token[0] &&
		    (r->max_pages == 0 || r->pages < r->max_pages);
	if (more && (r->objects >= r->max_rows || r->listed_bytes >= r->max_list_bytes)) {
		/* A server that never stops paging must not grow the listing
		 * without bound: the last page says where it stopped. */
		more = false;
		s3_list_mark_stopped(r->parser, r->objects);
	}
	if (pg->is_truncated && !(pg->next_token && pg->next_token[0]) && !r->max_pages) {
		mlc_err_set(&e, MLC_ERR_PROTO, 0,
			    "ListObjectsV2 %s: truncated page without a token", where);
		list_fail(r, &e);
		return;
	}
	free(r->token);
	r->token = more ? xstrdup(pg->next_token) : NULL;
	bool go_on = r->cb.page(pg, !more, NULL, r->arg);
	if (!more || !go_on) {
		s3c_req_free(r);
		return;
	}
	list_next_page(r);
}

static void list_next_page(struct s3c_req *r)
{
	s3_list_parser_free(r->parser);
	r->parser = s3_list_parser_new();
	r->parse_failed = false;
	r->status_checked = r->status_bad = false;
	buf_reset(&r->errbody);
	struct s3_list_opts lo = {
	    .prefix = r->prefix,
	    .delimiter = r->delimiter,
	    .continuation_token = r->token,
	    .start_after = r->token ? NULL : r->start_after,
	    .max_keys = r->max_keys,
	    .encoding_url = true,
	};
	struct http_opts o;
	const char *headers[5];
	struct s3_scratch sc;
	s3_list_request_opts(r->t, r->bucket, &lo, &o, headers, &sc);
	o.on_data = list_data;
	o.data_arg = r;
	o.timeout_ms = 60000;
	o.max_bytes = 256u << 20; /* streamed: memory stays per page whatever this is */
	r->http = http_request(&o, list_done, r);
	s3_scratch_free(&sc);
}

struct s3c_req *s3c_list(const struct target *t, const char *bucket, const struct s3c_list_opts *o,
			 s3c_page_cb cb, void *arg)
{
	struct s3c_req *r = s3c_req_new(OP_LIST, t, bucket, NULL, arg);
	r->cb.page = cb;
	r->prefix = o->prefix && *o->prefix ? xstrdup(o->prefix) : NULL;
	r->delimiter = o->delimiter ? xstrdup(o->delimiter) : NULL;
	r->start_after = o->start_after ? xstrdup(o->start_after) : NULL;
	r->max_keys = o->max_keys;
	r->max_pages = o->max_pages;
	r->max_rows = o->max_rows > 0 ? o->max_rows : S3C_MAX_ROWS;
	r->max_list_bytes = o->max_bytes > 0 ? o->max_bytes : S3C_MAX_LIST_BYTES;
	if (s3c_key_refused(r, r->prefix) || s3c_key_refused(r, r->start_after))
		return s3c_fail_later(r);
	list_next_page(r);
	return r;
}

void s3c_list_progress(const struct s3c_req *r, long *pages, long *objects)
{
	*pages = r ? r->pages : 0;
	*objects = r ? r->objects : 0;
}

/* ---- HeadObject / GetObject ------------------------------------------------------ */

struct s3c_req *s3c_send_plain(struct s3c_req *r, const char *method, http_done_cb done)
{
	if (s3c_key_refused(r, r->key))
		return s3c_fail_later(r);
	struct http_opts o;
	const char *headers[5];
	struct s3_scratch sc;
	s3_request_opts(r->t, method, r->bucket, r->key, NULL, &o, headers, &sc);
	r->http = http_request(&o, done, r);
	s3_scratch_free(&sc);
	return r;
}

static void head_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct s3c_req *r = arg;
	r->http = NULL;
	struct mlc_err e;
	if (herr) {
		s3c_transport_error(r, r->key, herr, &e);
		r->cb.head(NULL, &e, r->arg);
	} else if (resp->status < 200 || resp->status > 299) {
		s3c_resp_error(r, r->key, resp->status, resp->body, resp->body_len, &e);
		r->cb.head(NULL, &e, r->arg);
	} else {
		struct s3_head h;
		if (s3_parse_head(resp, &h, &e) < 0)
			r->cb.head(NULL, &e, r->arg);
		else
			r->cb.head(&h, NULL, r->arg);
		s3_head_free(&h);
	}
	s3c_req_free(r);
}

struct s3c_req *s3c_head(const struct target *t, const char *bucket, const char *key,
			 s3c_head_cb cb, void *arg)
{
	struct s3c_req *r = s3c_req_new(OP_HEAD, t, bucket, key, arg);
	r->cb.head = cb;
	return s3c_send_plain(r, "HEAD", head_done);
}

static void get_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct s3c_req *r = arg;
	r->http = NULL;
	struct mlc_err e;
	if (herr) {
		s3c_transport_error(r, r->key, herr, &e);
		r->cb.data(NULL, &e, r->arg);
	} else if (resp->status != 200 && resp->status != 206) {
		s3c_resp_error(r, r->key, resp->status, resp->body, resp->body_len, &e);
		r->cb.data(NULL, &e, r->arg);
	} else {
		struct s3c_data d = {.data = resp->body, .len = resp->body_len, .object_size = -1};
		char v[128];
		if (http_resp_header(resp, "Content-Range", v, sizeof v)) {
			const char *slash = strrchr(v, '/');
			if (slash && slash[1] != '*')
				d.object_size = strtoll(slash + 1, NULL, 10);
		} else if (resp->status == 200) {
			d.object_size = (int64_t)resp->body_len;
		}
		strlcpy_m(d.content_type, resp->content_type, sizeof d.content_type);
		r->cb.data(&d, NULL, r->arg);
	}
	s3c_req_free(r);
}

struct s3c_req *s3c_get(const struct target *t, const char *bucket, const char *key, int64_t first,
			int64_t last, size_t max_bytes, s3c_data_cb cb, void *arg)
{
	struct s3c_req *r = s3c_req_new(OP_GET, t, bucket, key, arg);
	r->cb.data = cb;
	if (s3c_key_refused(r, key))
		return s3c_fail_later(r);
	struct http_opts o;
	const char *headers[6];
	struct s3_scratch sc;
	s3_get_range_opts(t, bucket, key, first, last, &o, headers, &sc);
	o.max_bytes = max_bytes;
	o.timeout_ms = 60000;
	r->http = http_request(&o, get_done, r);
	s3_scratch_free(&sc);
	return r;
}

/* ---- transfers ------------------------------------------------------------------ */

void s3c_early_fire(void *arg)
{
	struct s3c_req *r = arg;
	r->early = NULL;
	switch (r->op) {
	case OP_PUT:
	case OP_DOWNLOAD:
		r->cb.done(0, &r->early_err, r->arg);
		break;
	case OP_DELETE_KEYS:
		r->cb.deleted(r->deleted, r->failed, &r->early_err, r->arg);
		break;
	case OP_LIST:
		r->cb.page(NULL, true, &r->early_err, r->arg);
		break;
	case OP_HEAD:
		r->cb.head(NULL, &r->early_err, r->arg);
		break;
	case OP_GET:
		r->cb.data(NULL, &r->early_err, r->arg);
		break;
	case OP_BUCKETS:
		r->cb.buckets(NULL, 0, &r->early_err, r->arg);
		break;
	case OP_DELETE:
		r->cb.err(&r->early_err, r->arg);
		break;
	}
	s3c_req_free(r);
}
