/* lib/s3/s3c_xfer.c — the S3 client's deletes (see s3c.h; PutObject from a
 * file is s3c_put.c, GetObject to a file s3c_range.c): DeleteObject,
 * and DeleteObjects in batches with per-key results. Every
 * request that changes the store leaves an audit line (log_audit: the
 * target, the request, its result) once its answer is known. Every
 * callback runs exactly once, from the loop. Never blocks, never draws. */
#include "lib/s3/s3c_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/core/config.h"
#include "lib/core/digest.h"
#include "lib/core/download.h"
#include "lib/core/http.h"
#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"

/* The audit line of a request to r's target: err's message, else ok. */
static void audit(const struct s3c_req *r, const char *request, const struct mlc_err *err,
		  const char *ok)
{
	log_audit(r->t->name, request, err ? err->msg : ok);
}

/* ---- DeleteObject / DeleteObjects ------------------------------------------------ */

static void delete_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct s3c_req *r = arg;
	r->http = NULL;
	struct mlc_err e;
	const struct mlc_err *err = s3c_answer_err(r, r->key, resp, herr, &e);
	char *req = xasprintf("DELETE s3://%s/%s", r->bucket, r->key);
	char ok[32];
	snprintf(ok, sizeof ok, "%ld", resp ? resp->status : 0L);
	audit(r, req, err, ok);
	free(req);
	r->cb.err(err, r->arg);
	s3c_req_free(r);
}

struct s3c_req *s3c_delete(const struct target *t, const char *bucket, const char *key,
			   s3c_err_cb cb, void *arg)
{
	struct s3c_req *r = s3c_req_new(OP_DELETE, t, bucket, key, arg);
	r->cb.err = cb;
	return s3c_send_plain(r, "DELETE", delete_done);
}

#define DELETE_BATCH 1000

static void delete_keys_step(struct s3c_req *r);

static void note_failure(struct s3c_req *r, size_t count, const struct mlc_err *e)
{
	if (r->failed == 0)
		r->first_fail = *e;
	r->failed += count;
}

/* One audit line per request of a DeleteObjects walk: the batch (its
 * size, first and last key) or the key sent alone, and what came back. */
static void batch_audit(const struct s3c_req *r, bool alone, size_t batch, size_t deleted,
			size_t failed, const struct mlc_err *e)
{
	const char *first = r->keys[r->next - batch], *last = r->keys[r->next - 1];
	char *req = alone ? xasprintf("DELETE s3://%s/%s", r->bucket, first)
			  : xasprintf("POST s3://%s?delete (DeleteObjects, %zu keys: %s .. %s)",
				      r->bucket, batch, first, last);
	char *res = xasprintf("%zu deleted, %zu failed%s%s", deleted, failed, e ? ": " : "",
			      e ? e->msg : "");
	log_audit(r->t->name, req, res);
	free(req);
	free(res);
}

static void delete_batch_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct s3c_req *r = arg;
	r->http = NULL;
	size_t batch = r->op == OP_DELETE_KEYS && r->max_keys > 0 ? (size_t)r->max_keys : 1;
	struct mlc_err e;
	const char *key = r->keys[r->next - batch];
	size_t deleted0 = r->deleted, failed0 = r->failed;
	bool alone = !r->body; /* a key XML cannot carry, sent as DeleteObject */
	if (herr) {
		s3c_transport_error(r, batch == 1 ? key : NULL, herr, &e);
		note_failure(r, batch, &e);
	} else if (resp->status < 200 || resp->status > 299) {
		s3c_resp_error(r, batch == 1 ? key : NULL, resp->status, resp->body, resp->body_len,
			       &e);
		note_failure(r, batch, &e);
	} else if (r->body) {
		struct s3_delete_result dr;
		if (s3_parse_delete_result(resp->body, resp->body_len, &dr, &e) < 0) {
			note_failure(r, batch, &e);
		} else {
			r->deleted += dr.deleted;
			if (dr.errors) {
				mlc_err_set(&e, MLC_ERR_PROTO, 0, "DeleteObjects s3://%s: %s",
					    r->bucket, dr.first_error);
				note_failure(r, dr.errors, &e);
			}
			/* Quiet mode lists only failures: the rest were deleted. */
			if (dr.deleted == 0 && dr.errors < batch)
				r->deleted += batch - dr.errors;
		}
	} else {
		r->deleted++;
	}
	free(r->body);
	r->body = NULL;
	batch_audit(r, alone, batch, r->deleted - deleted0, r->failed - failed0,
		    r->failed > failed0 ? &e : NULL);
	if (r->progress)
		r->progress((int64_t)r->next, (int64_t)r->nkeys, r->arg);
	delete_keys_step(r);
}

/* The next request: a batch of XML-safe keys, or one key alone. */
static void delete_keys_step(struct s3c_req *r)
{
	if (r->next >= r->nkeys) {
		struct s3c_req *rr = r;
		rr->cb.deleted(rr->deleted, rr->failed, rr->failed ? &rr->first_fail : NULL,
			       rr->arg);
		s3c_req_free(rr);
		return;
	}
	struct http_opts o;
	const char *headers[8];
	struct s3_scratch sc;
	if (!s3_key_xml_safe(r->keys[r->next])) {
		r->max_keys = 1;
		s3_request_opts(r->t, "DELETE", r->bucket, r->keys[r->next], NULL, &o, headers,
				&sc);
		r->next++;
		r->http = http_request(&o, delete_batch_done, r);
		s3_scratch_free(&sc);
		return;
	}
	size_t n = 0;
	while (r->next + n < r->nkeys && n < DELETE_BATCH && s3_key_xml_safe(r->keys[r->next + n]))
		n++;
	r->body = s3_delete_body((const char *const *)r->keys + r->next, n, true);
	r->next += n;
	r->max_keys = (int)n;
	size_t blen = strlen(r->body);
	unsigned char md5[DIGEST_MD5_LEN], sha[DIGEST_SHA256_LEN];
	digest_md5(r->body, blen, md5);
	digest_sha256(r->body, blen, sha);
	char md5b64[32], shahex[2 * DIGEST_SHA256_LEN + 1];
	digest_b64_encode(md5, sizeof md5, true, md5b64, sizeof md5b64);
	s3c_hex_of(sha, sizeof sha, shahex);
	char hash_hdr[128], md5_hdr[64];
	s3_request_opts(r->t, "POST", r->bucket, NULL, "delete=", &o, headers, &sc);
	s3c_set_payload_hash(headers, hash_hdr, sizeof hash_hdr, shahex);
	snprintf(md5_hdr, sizeof md5_hdr, "Content-MD5: %s", md5b64);
	int h = 0;
	while (headers[h])
		h++;
	headers[h++] = md5_hdr;
	headers[h++] = "Content-Type: application/xml";
	headers[h] = NULL;
	/* path style: /bucket?delete=, without the slash after the bucket */
	size_t ul = strlen(sc.url);
	char *q = strstr(sc.url, "/?delete=");
	if (q && !r->t->virtual_host) {
		memmove(q, q + 1, ul - (size_t)(q - sc.url));
		o.url = sc.url;
	}
	o.body = r->body;
	o.body_len = blen;
	o.timeout_ms = 60000;
	r->http = http_request(&o, delete_batch_done, r);
	s3_scratch_free(&sc);
}

struct s3c_req *s3c_delete_keys(const struct target *t, const char *bucket, const char *const *keys,
				size_t n, s3c_progress_cb progress, s3c_deleted_cb cb, void *arg)
{
	struct s3c_req *r = s3c_req_new(OP_DELETE_KEYS, t, bucket, NULL, arg);
	r->cb.deleted = cb;
	r->progress = progress;
	r->keys = xcalloc(n + 1, sizeof *r->keys);
	for (size_t i = 0; i < n; i++)
		r->keys[i] = xstrdup(keys[i]);
	r->nkeys = n;
	for (size_t i = 0; i < n; i++)
		if (s3c_key_refused(r, keys[i]))
			return s3c_fail_later(r);
	if (n == 0) {
		mlc_err_set(&r->early_err, MLC_ERR_USAGE, 0, "DeleteObjects s3://%s: no keys",
			    bucket);
		return s3c_fail_later(r);
	}
	/* The first step starts at once: its callback comes from the loop. */
	delete_keys_step(r);
	return r;
}
