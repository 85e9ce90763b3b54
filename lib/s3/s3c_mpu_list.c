/* lib/s3/s3c_mpu_list.c — the incomplete multipart uploads (see s3c.h):
 * ListMultipartUploads over every page (key and upload-id markers, a page
 * that moves neither is the last), ListParts over every page, the abort of
 * one upload (audited); and the request plumbing the upload (s3c_mpu.c)
 * shares. Every callback runs once, from the loop, unless cancelled first. */
#include "lib/s3/s3c_mpu_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/config.h"
#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/s3/s3c_int.h"

void s3c_mpu_free(struct s3c_mpu *m)
{
	if (m->busy)
		loop_busy_dec();
	if (m->fd >= 0)
		close(m->fd);
	free_items(m->ups, m->nups, sizeof *m->ups, s3_upload_free);
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

struct s3c_mpu *s3c_mpu_new(enum mop op, const struct target *t, const char *bucket,
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
void s3c_mpu_answer_err(const struct s3c_mpu *m, const char *op, const struct http_resp *resp,
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
struct http_req *s3c_mpu_send(struct s3c_mpu *m, const char *method, const char *key,
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
	/* S3 may take minutes to assemble a large object (it sends blanks
	 * meanwhile); s3rver sends nothing until it is done. */
	o.timeout_ms = m->completing ? MPU_COMPLETE_WAIT_S * 1000L : 120000;
	o.low_speed_s = m->completing ? MPU_COMPLETE_WAIT_S : 0;
	o.max_bytes = 16u << 20;
	struct http_req *r = http_request(&o, done, arg);
	s3_scratch_free(&sc);
	free(q);
	return r;
}

void s3c_mpu_audit(const struct s3c_mpu *m, const char *what, const struct mlc_err *err,
		   const char *ok)
{
	/* what: "METHOD ?query (Operation...)": the URI goes after the method */
	const char *sp = strchr(what, ' ');
	char *req = xasprintf("%.*s s3://%s/%s%s", (int)(sp ? sp - what : (long)strlen(what)), what,
			      m->bucket, m->key ? m->key : "", sp ? sp + 1 : "");
	log_audit(m->t->name, req, err ? err->msg : ok);
	free(req);
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
		s3c_mpu_answer_err(m, "ListMultipartUploads", resp, herr, &e);
		m->uploads_cb(NULL, 0, false, &e, m->arg);
		s3c_mpu_free(m);
		return;
	}
	if (s3_parse_uploads(resp->body, resp->body_len, &pg, &e) < 0) {
		m->uploads_cb(NULL, 0, false, &e, m->arg);
		s3c_mpu_free(m);
		return;
	}
	m->ups = xrealloc(m->ups, (m->nups + pg.n + 1) * sizeof *m->ups);
	if (pg.n)
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
	s3c_mpu_free(m);
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
	m->http = s3c_mpu_send(m, "GET", NULL, pairs, NULL, 0, NULL, uploads_done, m);
}

struct s3c_mpu *s3c_list_uploads(const struct target *t, const char *bucket, s3c_uploads_cb cb,
				 void *arg)
{
	struct s3c_mpu *m = s3c_mpu_new(MOP_UPLOADS, t, bucket, NULL, arg);
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
			s3c_mpu_answer_err(m, "ListParts", resp, herr, &e);
		m->parts_cb(0, 0, &e, m->arg);
		s3c_mpu_free(m);
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
	s3c_mpu_free(m);
}

static void parts_page(struct s3c_mpu *m, int marker)
{
	char mk[16];
	snprintf(mk, sizeof mk, "%d", marker);
	m->next = marker;
	const char *pairs[] = {"part-number-marker", mk, "uploadId", m->upload_id, NULL};
	if (!marker)
		pairs[0] = "uploadId", pairs[1] = m->upload_id, pairs[2] = NULL;
	m->http = s3c_mpu_send(m, "GET", m->key, pairs, NULL, 0, NULL, parts_done, m);
}

struct s3c_mpu *s3c_list_parts(const struct target *t, const char *bucket, const char *key,
			       const char *upload_id, s3c_parts_cb cb, void *arg)
{
	struct s3c_mpu *m = s3c_mpu_new(MOP_PARTS, t, bucket, key, arg);
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
		s3c_mpu_answer_err(m, "AbortMultipartUpload", resp, herr, &e);
	char what[600], res[64];
	snprintf(what, sizeof what, "DELETE ?uploadId=%s (AbortMultipartUpload)", m->upload_id);
	snprintf(res, sizeof res, "%ld, aborted", resp ? resp->status : 0L);
	s3c_mpu_audit(m, what, ok ? NULL : &e, res);
	m->err_cb(ok ? NULL : &e, m->arg);
	s3c_mpu_free(m);
}

struct s3c_mpu *s3c_abort_upload(const struct target *t, const char *bucket, const char *key,
				 const char *upload_id, s3c_err_cb cb, void *arg)
{
	struct s3c_mpu *m = s3c_mpu_new(MOP_ABORT, t, bucket, key, arg);
	m->err_cb = cb;
	m->upload_id = xstrdup(upload_id);
	const char *pairs[] = {"uploadId", upload_id, NULL};
	m->http = s3c_mpu_send(m, "DELETE", key, pairs, NULL, 0, NULL, abort_one_done, m);
	return m;
}
