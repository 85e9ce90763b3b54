/* lib/core/http_int.h — the request struct http.c and http_fail.c share.
 * Never included outside lib/core/http*.c. */
#ifndef MLC_HTTP_INT_H
#define MLC_HTTP_INT_H

#include <curl/curl.h>
#include <stdio.h>

#include "lib/core/http.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"

struct http_req {
	CURL *easy;
	struct curl_slist *hdrs;
	http_done_cb cb;
	void *arg;
	struct buf body;
	struct buf head;
	size_t max_bytes;
	bool too_big;
	int64_t started;
	char *url, *req_body, *username, *password, *bearer_hdr, *ca_file, *sigv4, *method;
	struct loop_defer *refused; /* set when the request was refused before sending */
	char refuse_msg[200];
	/* streaming */
	size_t (*on_data)(const char *p, size_t n, void *arg);
	void *data_arg;
	void (*on_progress)(int64_t now, int64_t total, void *arg);
	void *progress_arg;
	size_t streamed;
	bool aborted;	/* on_data took less than it was given */
	bool uploading; /* a body is sent: progress counts the upload */
	bool has_body;	/* POSTFIELDS set (req_body, or the caller's borrowed body) */
	char errbuf[CURL_ERROR_SIZE];
};

/* http_fail.c: what a failed transfer's curl code means, in words. */
void http_fill_error(struct http_req *r, CURLcode rc, struct mlc_err *e);

#endif
