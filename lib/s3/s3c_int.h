/* lib/s3/s3c_int.h — the request struct the two halves of the S3 client
 * share (s3c.c: listings, head, get; s3c_xfer.c: deletes; s3c_put.c:
 * PutObject; s3c_range.c: downloads) and
 * their common helpers. Never included outside lib/s3. */
#ifndef MLC_S3C_INT_H
#define MLC_S3C_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/core/http.h"
#include "lib/core/util.h"
#include "lib/s3/s3.h"
#include "lib/s3/s3c.h"

enum op { OP_BUCKETS, OP_LIST, OP_HEAD, OP_GET, OP_DOWNLOAD, OP_PUT, OP_DELETE, OP_DELETE_KEYS };

struct s3c_req {
	enum op op;
	const struct target *t;
	char *bucket, *key, *path;
	struct http_req *http;
	struct dl *dl;
	struct dlr *dlr;	  /* a resumable download (s3c_range.c) */
	struct s3c_put_read *put; /* an upload's file being read (s3c_put.c) */
	bool overwrite;
	struct loop_defer *early;
	struct mlc_err early_err;
	void *arg;
	union {
		s3c_buckets_cb buckets;
		s3c_page_cb page;
		s3c_head_cb head;
		s3c_data_cb data;
		s3c_done_cb done;
		s3c_err_cb err;
		s3c_deleted_cb deleted;
	} cb;
	s3c_progress_cb progress;
	s3c_notice_cb restarted; /* downloads: s3c_download_on_restart */
	/* list */
	struct s3_list_parser *parser;
	struct mlc_err parse_err;
	bool parse_failed;
	struct buf errbody; /* a non-2xx body (capped) */
	bool status_checked, status_bad;
	char *prefix, *delimiter, *start_after, *token;
	int max_keys, max_pages;
	long max_rows;			     /* the walk's caps (s3c_list_opts) */
	size_t listed_bytes, max_list_bytes; /* body bytes of every page so far */
	long pages, objects;
	/* delete keys */
	char **keys;
	size_t nkeys, next, deleted, failed;
	struct mlc_err first_fail;
	char *body; /* request body being sent */
	size_t max_bytes;
};

struct s3c_req *s3c_req_new(enum op op, const struct target *t, const char *bucket, const char *key,
			    void *arg);
void s3c_req_free(struct s3c_req *r);
void s3c_resp_error(struct s3c_req *r, const char *key, long status, const char *body, size_t len,
		    struct mlc_err *e);
void s3c_transport_error(struct s3c_req *r, const char *key, const struct mlc_err *herr,
			 struct mlc_err *e);
/* The error of an answer (herr, or a status outside 2xx) into e, naming
 * r's operation, bucket and key; NULL for a 2xx answer. */
const struct mlc_err *s3c_answer_err(struct s3c_req *r, const char *key,
				     const struct http_resp *resp, const struct mlc_err *herr,
				     struct mlc_err *e);
/* PUT of body (borrowed: it outlives the request) on bucket/key?query,
 * signed with its SHA-256 sha_hex; no total deadline (the low-speed abort
 * applies); on_progress and done both get arg. */
struct http_req *s3c_send_body(const struct target *t, const char *bucket, const char *key,
			       const char *query, const char *body, size_t len, const char *sha_hex,
			       void (*on_progress)(int64_t now, int64_t total, void *arg),
			       http_done_cb done, void *arg);
void s3c_set_payload_hash(const char **headers, char *storage, size_t n, const char *hash);
void s3c_hex_of(const unsigned char *d, size_t n, char *out);
struct s3c_req *s3c_fail_later(struct s3c_req *r);
/* Whether key holds S3_KEY_NUL: then r->early_err says why (see s3.h). */
bool s3c_key_refused(struct s3c_req *r, const char *key);
/* Sends the plain signed request METHOD on r's bucket and key (no body, no
 * extra header) with done as its completion, or, for a key holding a NUL,
 * fails it from the loop. Returns r. */
struct s3c_req *s3c_send_plain(struct s3c_req *r, const char *method, http_done_cb done);
void s3c_early_fire(void *arg);
/* Lets go of r's file read on the pool (s3c_cancel): it ends unseen. */
void s3c_put_detach(struct s3c_req *r);

#endif
