/* lib/s3/s3.h — S3 / MinIO: request signing inputs for curl's CURLOPT_AWS_SIGV4
 * (plus what curl 7.88 leaves out: x-amz-content-sha256 and a canonical
 * query), and streaming expat parsers for the XML documents. Pure: the
 * requests themselves go through lib/http. */
#ifndef MLC_S3_H
#define MLC_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/arena.h"
#include "lib/core/err.h"
#include "lib/core/http.h"

struct target;

/* The SHA-256 of an empty payload, hex. */
#define S3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Fills o for a signed S3 request on target t: URL built from the endpoint
 * (path style, or virtual-host style when t->virtual_host), bucket (may be
 * NULL), key (may be NULL, '/' kept, everything else RFC 3986-encoded) and a
 * query that must already be canonical (see s3_canonical_query). headers is
 * caller storage for at least 4 entries; strings live in *scratch, which the
 * caller frees with s3_scratch_free after the request has been started. */
struct s3_scratch {
	char *url;
	char *sigv4;
	char *token_hdr;
	char *range_hdr; /* s3_get_range_opts */
};
void s3_request_opts(const struct target *t, const char *method, const char *bucket,
		     const char *key, const char *query, struct http_opts *o, const char **headers,
		     struct s3_scratch *scratch);
void s3_scratch_free(struct s3_scratch *s);

/* Builds a canonical query string from name/value pairs (NULL-terminated,
 * alternating): every name and value RFC 3986-encoded, sorted by name.
 * Caller frees. */
char *s3_canonical_query(const char *const *pairs);

/* ListAllMyBucketsResult → bucket names (NULL-terminated, strv_free). */
int s3_parse_list_buckets(const char *body, size_t len, char ***names, struct mlc_err *err);

/* ListAllMyBucketsResult with creation dates. */
struct s3_bucket {
	char *name;
	int64_t created_ms; /* 0 when absent */
};
/* *out (n entries) freed with s3_buckets_free. */
int s3_parse_buckets(const char *body, size_t len, struct s3_bucket **out, size_t *n,
		     struct mlc_err *err);
void s3_buckets_free(struct s3_bucket *b, size_t n);

/* The error of a failed S3 request, through the one HTTP mapping
 * (lib/core/http_err): "GetObject: HTTP 404 from s3://bucket/key:
 * NoSuchKey: The specified key does not exist." — the error document's Code
 * and Message when the body holds one, else what the status means (404
 * NoSuchKey or NoSuchBucket, 401/403 AccessDenied, 503 SlowDown); 401 and 403
 * are MLC_ERR_AUTH, 404 MLC_ERR_NOTFOUND; a 3xx names its location.
 * Sanitized. Returns -code. */
int s3_http_err(struct mlc_err *e, const char *op, const char *bucket, const char *key, long status,
		const char *location, const char *body, size_t len);
/* s3_http_err's message alone, into out. */
void s3_error_message(const char *op, const char *bucket, const char *key, long status,
		      const char *body, size_t len, char *out, size_t n);

/* ---- DeleteObjects ---------------------------------------------------------- */

/* Whether key can travel in an XML body (no C0 control but TAB and LF):
 * DeleteObjects cannot name the others; delete those one by one. */
bool s3_key_xml_safe(const char *key);
/* The <Delete> document for n keys (at most 1000 per request), XML-escaped.
 * Caller frees. */
char *s3_delete_body(const char *const *keys, size_t n, bool quiet);
struct s3_delete_result {
	size_t deleted;	       /* <Deleted> entries */
	size_t errors;	       /* <Error> entries */
	char first_error[300]; /* "Code: Message (key K)" of the first, raw */
};
/* Parses a DeleteResult (or an <Error> document, then MLC_ERR_PROTO). */
int s3_parse_delete_result(const char *body, size_t len, struct s3_delete_result *r,
			   struct mlc_err *err);

/* An S3 <Error> document → "Code: Message" (with BucketName/Key when given)
 * in out; returns 0 when the body was an error document. */
int s3_parse_error(const char *body, size_t len, char *out, size_t n);

/* ---- ListObjectsV2 ------------------------------------------------------ */

/* Parameters of one ListObjectsV2 page; NULL / 0 fields are left out. */
struct s3_list_opts {
	const char *prefix;
	const char *delimiter; /* "/" to browse like folders */
	const char *continuation_token;
	const char *start_after;
	int max_keys;	   /* 0: the server's default (1000) */
	bool encoding_url; /* ask for encoding-type=url */
};
/* The canonical query for ListObjectsV2 ("list-type=2" plus opts), built
 * with s3_canonical_query so curl's SigV4 signature verifies. Caller frees. */
char *s3_list_query(const struct s3_list_opts *o);
/* s3_request_opts for a ListObjectsV2 GET of bucket with lo. Path style
 * sends /bucket?query, without the slash s3_request_opts leaves after the
 * bucket: s3rver 5 signs the path without it, and S3 and MinIO accept both. */
void s3_list_request_opts(const struct target *t, const char *bucket, const struct s3_list_opts *lo,
			  struct http_opts *o, const char **headers, struct s3_scratch *scratch);

/* A key or prefix holding a NUL byte (%00 in a url-encoded listing) cannot
 * be kept as a C string without naming another object: the NUL is stored as
 * the byte S3_KEY_NUL (0xFF, never part of a valid UTF-8 key, so no real
 * object has that name; the sanitizer shows it as \xff) and key_nul is set.
 * Such a key is listed but not actionable: every s3c call given a key or
 * prefix holding S3_KEY_NUL refuses it before sending anything, with
 * s3_key_refused's message. Never a truncated name. */
#define S3_KEY_NUL '\xff'

/* One row of a page. Its strings live in the page's arena (page.strings):
 * written in place by the parser, never freed one by one. */
struct s3_object {
	char *key;		  /* URL-decoded when the page said EncodingType url */
	bool key_nul;		  /* the key holds a NUL (stored as S3_KEY_NUL): not actionable */
	int64_t size;		  /* -1 when absent */
	int64_t last_modified_ms; /* epoch ms, 0 when absent or unparsable */
	char *etag;		  /* as sent, quotes included; "" when absent */
	char *storage_class;	  /* "" when absent; one string per class per page */
};

/* One parsed page, owned by the parser that produced it: the arrays until
 * s3_list_parser_free, the strings (keys, ETags, classes, prefixes, the
 * token) in *strings, one allocation per ARENA_CHUNK bytes of them. A
 * consumer that keeps rows past the page takes the strings over with
 * arena_adopt(its arena, page->strings) and copies the array entries it
 * wants: no string is copied or allocated per row. */
struct s3_list_page {
	struct s3_object *objects;
	size_t nobjects;
	char **prefixes; /* CommonPrefixes/Prefix, in document order, NULL-terminated */
	size_t nprefixes;
	bool is_truncated;
	char *next_token; /* NextContinuationToken, NULL when absent */
	long key_count;	  /* KeyCount, -1 when absent */
	bool url_encoded; /* the document said <EncodingType>url</EncodingType> */
	/* Set by s3c on the last page of a walk that stopped at its cap (rows
	 * or bytes) with more on the server: the objects listed; else 0. */
	long stopped_at;
	struct arena *strings; /* every string above (never NULL) */
	/* CLOCK_MONOTONIC in µs, for the debug log's account of a listing:
	 * when the first and the last chunk were fed, and when the final feed
	 * completed the page; 0 before. */
	int64_t t_first_us, t_last_us, t_done_us;
};

/* Whether key (or a prefix) holds S3_KEY_NUL: then err (may be NULL) says
 * "OP s3://bucket/KEY: refused: the key holds a NUL byte ..." and s3c never
 * sends the request. */
bool s3_key_refused(const char *op, const char *bucket, const char *key, struct mlc_err *err);

/* A streaming ListBucketResult parser: feed the body in chunks of any size
 * (as curl delivers it); beyond the page it returns, memory stays constant
 * (element text is capped at S3_LIST_MAX_TEXT bytes, longer is an error).
 * A DOCTYPE is refused; an <Error> document is reported as MLC_ERR_PROTO
 * with its Code and Message. */
#define S3_LIST_MAX_TEXT 8192
/* Bytes expat may hold for one unfinished token (a start tag with its
 * attributes, a name, a comment): more is refused, as expat 2.5 rescans an
 * unfinished token on every feed (quadratic time on a huge one). */
#define S3_LIST_MAX_TOKEN 65536
struct s3_list_parser;
struct s3_list_parser *s3_list_parser_new(void);
/* Feeds len bytes; final marks the last chunk (may be empty). Returns 0 or a
 * negative code with err set; after an error further feeds fail the same. */
int s3_list_feed(struct s3_list_parser *p, const char *chunk, size_t len, int final,
		 struct mlc_err *err);
/* The page, complete once a final feed returned 0. Borrowed from p. */
/* Marks the parsed page as the last of a walk stopped at a cap (sets
 * stopped_at to the objects listed). */
void s3_list_mark_stopped(struct s3_list_parser *p, long objects);
const struct s3_list_page *s3_list_result(const struct s3_list_parser *p);
void s3_list_parser_free(struct s3_list_parser *p);

/* ---- HeadObject / GetObject ----------------------------------------------- */

struct s3_head {
	char content_type[128];
	int64_t content_length; /* -1 when absent */
	char etag[80];
	int64_t last_modified_ms; /* 0 when absent */
	char **meta; /* "name=value" for each x-amz-meta-name (name lowercased), NULL-terminated,
			strv_free */
};
/* Parses a HeadObject (or GetObject) response's headers into h. Returns 0,
 * or MLC_ERR_PROTO when status is not 2xx (the 404 of a missing key has no
 * body to explain it). */
int s3_parse_head(const struct http_resp *r, struct s3_head *h, struct mlc_err *err);
void s3_head_free(struct s3_head *h);

/* s3_request_opts for GET of bytes first..last (inclusive) of key; last < 0
 * asks for everything from first. headers needs 5 entries. */
void s3_get_range_opts(const struct target *t, const char *bucket, const char *key, int64_t first,
		       int64_t last, struct http_opts *o, const char **headers,
		       struct s3_scratch *scratch);

/* "2026-11-23T20:14:00.068Z" → epoch ms; -1 when not that shape. */
int64_t s3_parse_iso8601_ms(const char *s);

#endif
