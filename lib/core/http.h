/* lib/core/http.h — asynchronous HTTP(S) over curl's multi socket API on the loop.
 * Owns the CURLM and every easy handle. Per request: connect timeout, total
 * deadline, low-speed abort, a response size cap enforced while receiving,
 * http/https only, TLS verified unless the service says `insecure`, redirects
 * never followed on authenticated requests, no netrc. Never blocks. */
#ifndef MLC_HTTP_H
#define MLC_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/err.h"

struct http_opts {
	const char *method;	    /* "GET" when NULL; "HEAD" sends no body back */
	const char *url;	    /* http:// or https:// only */
	const char *const *headers; /* NULL-terminated "Name: value" list; CR/LF refused */
	const char *body;	    /* request body (POST/PUT), may hold NULs */
	size_t body_len;
	bool body_borrowed;	 /* body outlives the request (until its callback or
				    http_cancel): sent from there, not copied */
	long connect_timeout_ms; /* 0 → 3000 */
	long timeout_ms;	 /* total deadline; 0 → 10000 */
	long low_speed_s;	 /* seconds below 512 B/s before giving up; 0 → 10 (a server that
				    works before it answers, as S3's CompleteMultipartUpload) */
	size_t max_bytes;	 /* response body cap; 0 → 8 MiB */
	const char *ca_file;	 /* extra CA bundle, or NULL */
	bool insecure;		 /* skip TLS verification (explicit per service) */
	const char *username;	 /* basic auth (with password) */
	const char *password;
	const char *bearer;    /* "Authorization: Bearer" token */
	const char *aws_sigv4; /* "aws:amz:REGION:s3" with username/password as keys */
	bool follow_redirects; /* only honoured when no credential is set */
	bool path_as_is;       /* send the path exactly as given: "." and ".." segments are
				  not resolved (S3 keys may hold them) */
	/* Streaming (optional). With on_data set the response body is handed
	 * over as curl delivers it, never buffered: resp->body is "" and
	 * resp->body_len 0 in the completion callback, resp->streamed counts
	 * what on_data was given. max_bytes still caps the total (8 MiB unless
	 * set larger). Returning less than n aborts the transfer: the
	 * completion then reports MLC_ERR_CANCELLED. Use http_req_status() in
	 * on_data to tell an error document from the payload. Returning
	 * HTTP_DATA_PAUSE pauses the transfer: the same bytes are handed over
	 * again after http_req_unpause() (never call that from on_data). */
	size_t (*on_data)(const char *p, size_t n, void *arg);
	void *data_arg;
	/* curl's receive buffer (CURLOPT_BUFFERSIZE, capped at 512 KiB); 0:
	 * curl's 16 KiB. Bulk downloads: fewer reads and on_data calls. */
	size_t recv_buffer;
	/* Progress (optional): bytes so far and the total when known (from
	 * Content-Length; -1 when unknown), for the download or, when a body
	 * is sent, the upload. Called from the loop; may be frequent. */
	void (*on_progress)(int64_t now, int64_t total, void *arg);
	void *progress_arg;
};

struct http_resp {
	long status; /* HTTP status, 0 when no response */
	char *body;  /* NUL-terminated (a NUL is appended), body_len bytes */
	size_t body_len;
	char *headers;	 /* raw header block of the final response */
	long elapsed_ms; /* start to completion */
	char server[80]; /* Server: header value, raw (sanitize before display) */
	char content_type[80];
	size_t streamed; /* bytes handed to on_data (streaming requests) */
};

/* Called exactly once per request, from the loop, unless http_cancel() ran
 * first. resp and err are borrowed for the duration of the call. err is NULL
 * when a response arrived, whatever its status (4xx/5xx are for the caller to
 * judge); otherwise err says why (ERR_CONNECT, ERR_TIMEOUT, ERR_TLS, ERR_DNS,
 * ERR_TOO_BIG, ERR_PROTO) and resp still carries elapsed_ms. */
typedef void (*http_done_cb)(const struct http_resp *resp, const struct mlc_err *err, void *arg);

struct http_req;
/* Starts a request; opts and its strings are copied. Never calls cb inside.
 * Returns a handle valid until cb runs or http_cancel() is called. */
struct http_req *http_request(const struct http_opts *opts, http_done_cb cb, void *arg);
/* Stops the request; cb will not be called. */
void http_cancel(struct http_req *req);
/* What on_data returns to pause its transfer (see http_opts.on_data). */
#define HTTP_DATA_PAUSE ((size_t)-1)
/* Resumes a transfer its on_data paused; from the loop, outside any
 * callback of lib/http. */
void http_req_unpause(struct http_req *req);
/* The HTTP status of the response being received (0 before the status
 * line): for on_data, to tell an error document from the payload. */
long http_req_status(struct http_req *req);

/* Value of a response header (case-insensitive name) copied into out; false
 * when absent. */
bool http_resp_header(const struct http_resp *resp, const char *name, char *out, size_t n);
/* First line of an error body suitable for a status line (HTML stripped to
 * its <title> or first text, JSON "message"/"detail" picked out). Not yet
 * sanitized. Writes into out. */
void http_error_text(const struct http_resp *resp, char *out, size_t n);

/* Count of requests started since startup (for tests and the bench). */
unsigned long http_requests_started(void);

/* Percent-encodes s per RFC 3986 (unreserved kept); with keep_slash, '/'
 * stays. Caller frees. */
char *http_urlencode(const char *s, bool keep_slash);

/* Frees the multi handle at exit. */
void http_shutdown(void);

#endif
