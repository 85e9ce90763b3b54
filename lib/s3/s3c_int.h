/* lib/s3/s3c_int.h — the request struct the two halves of the S3 client
 * share (s3c.c: listings, head, get; s3c_xfer.c: transfers and deletes) and
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
	struct dlr *dlr; /* a resumable download (s3c_range.c) */
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

#endif
