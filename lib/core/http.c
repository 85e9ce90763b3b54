/* lib/core/http.c — async HTTP over curl's multi socket API, driven by uv_poll and
 * one uv_timer (the shape of curl's own libuv example). Owns the CURLM and
 * every easy handle. Never blocks; completion callbacks run from the loop
 * only, after the handle has left the multi. */
#include "lib/core/http.h"
#include "lib/core/http_int.h"

#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <string.h>
#include <uv.h>

#include "lib/core/loop.h"
#include "lib/core/util.h"

struct sock_ctx {
	uv_poll_t poll;
	curl_socket_t fd;
};

static CURLM *multi;
static uv_timer_t multi_timer;
static bool timer_ready;
static unsigned long started_count;

static void check_done(void);

static void sock_closed(uv_handle_t *h)
{
	free(h->data);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	struct sock_ctx *ctx = p->data;
	int flags = 0, running;
	/* On a socket error let curl read or write and meet the error itself:
	 * it then names it ("Connection reset by peer") where CURL_CSELECT_ERR
	 * says only "select/poll returned error". */
	if (status < 0)
		flags = CURL_CSELECT_IN | CURL_CSELECT_OUT;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(multi, ctx->fd, flags, &running);
	check_done();
}

static void on_timer(uv_timer_t *t)
{
	int running;
	(void)t;
	curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done();
}

static int sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *sockp)
{
	struct sock_ctx *ctx = sockp;
	(void)e;
	(void)userp;
	if (what == CURL_POLL_REMOVE) {
		if (ctx) {
			uv_poll_stop(&ctx->poll);
			uv_close((uv_handle_t *)&ctx->poll, sock_closed);
			curl_multi_assign(multi, s, NULL);
		}
		return 0;
	}
	if (!ctx) {
		ctx = xcalloc(1, sizeof *ctx);
		ctx->fd = s;
		uv_poll_init_socket(loop_get(), &ctx->poll, s);
		ctx->poll.data = ctx;
		curl_multi_assign(multi, s, ctx);
	}
	int events = 0;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= UV_READABLE;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= UV_WRITABLE;
	uv_poll_start(&ctx->poll, events, on_poll);
	return 0;
}

static int timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	(void)m;
	(void)userp;
	if (timeout_ms < 0)
		uv_timer_stop(&multi_timer);
	else
		uv_timer_start(&multi_timer, on_timer, (uint64_t)timeout_ms, 0);
	return 0;
}

static void http_init(void)
{
	if (multi)
		return;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	multi = curl_multi_init();
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 4L);
	uv_timer_init(loop_get(), &multi_timer);
	timer_ready = true;
}

void http_shutdown(void)
{
	if (!multi)
		return;
	curl_multi_cleanup(multi);
	multi = NULL;
	if (timer_ready) {
		uv_timer_stop(&multi_timer);
		uv_close((uv_handle_t *)&multi_timer, NULL);
		timer_ready = false;
	}
	curl_global_cleanup();
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_req *r = userdata;
	size_t n = size * nmemb;
	if (r->on_data) {
		if (r->streamed + n > r->max_bytes) {
			r->too_big = true;
			return 0;
		}
		size_t took = r->on_data(ptr, n, r->data_arg);
		if (took == HTTP_DATA_PAUSE)
			return CURL_WRITEFUNC_PAUSE; /* the same bytes come again */
		if (took < n) {
			r->aborted = true;
			return 0;
		}
		r->streamed += n;
		return n;
	}
	if (r->body.len + n > r->max_bytes) {
		r->too_big = true;
		return 0; /* CURLE_WRITE_ERROR: stops bodies of unknown length too */
	}
	buf_append(&r->body, ptr, n);
	return n;
}

static int xferinfo_cb(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct http_req *r = userdata;
	if (r->uploading)
		r->on_progress((int64_t)ulnow, ultotal > 0 ? (int64_t)ultotal : -1,
			       r->progress_arg);
	else
		r->on_progress((int64_t)dlnow, dltotal > 0 ? (int64_t)dltotal : -1,
			       r->progress_arg);
	return 0;
}

static size_t header_cb(char *ptr, size_t size, size_t nitems, void *userdata)
{
	struct http_req *r = userdata;
	size_t n = size * nitems;
	/* A new status line starts a new header block (100-continue, redirects). */
	if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0)
		buf_reset(&r->head);
	if (r->head.len + n < 64 * 1024)
		buf_append(&r->head, ptr, n);
	return n;
}

static void req_free(struct http_req *r)
{
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->hdrs);
	buf_free(&r->body);
	buf_free(&r->head);
	free(r->url);
	free(r->req_body);
	free(r->username);
	free(r->password);
	free(r->bearer_hdr);
	free(r->ca_file);
	free(r->sigv4);
	free(r->method);
	free(r);
}

static bool has_crlf(const char *s)
{
	return s && strpbrk(s, "\r\n") != NULL;
}

static void header_value(const char *headers, const char *name, char *out, size_t n)
{
	out[0] = '\0';
	size_t nl = strlen(name);
	for (const char *p = headers; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (v < p + len && (*v == ' ' || *v == '\t'))
				v++;
			size_t vl = (size_t)(p + len - v);
			while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
				vl--;
			if (vl >= n)
				vl = n - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return;
		}
		p = eol ? eol + 1 : NULL;
	}
}

static void finish(struct http_req *r, CURLcode rc)
{
	struct http_resp resp = {0};
	struct mlc_err err, *errp = NULL;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &resp.status);
	resp.elapsed_ms = (long)(mono_ms() - r->started);
	if (!r->body.data)
		buf_append(&r->body, "", 0);
	resp.body = r->body.data;
	resp.body_len = r->body.len;
	resp.streamed = r->streamed;
	resp.headers = r->head.data ? r->head.data : (char *)"";
	header_value(resp.headers, "Server", resp.server, sizeof resp.server);
	header_value(resp.headers, "Content-Type", resp.content_type, sizeof resp.content_type);
	if (rc != CURLE_OK) {
		http_fill_error(r, rc, &err);
		errp = &err;
	}
	loop_busy_dec();
	r->cb(&resp, errp, r->arg);
	req_free(r);
}

static void check_done(void)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		CURL *easy = msg->easy_handle;
		CURLcode rc = msg->data.result;
		struct http_req *r = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&r);
		curl_multi_remove_handle(multi, easy);
		finish(r, rc);
	}
}

static void refuse_req(void *arg)
{
	struct http_req *r = arg;
	struct http_resp resp = {.body = (char *)"", .headers = (char *)""};
	struct mlc_err err;
	mlc_err_set(&err, MLC_ERR_USAGE, 0, "%s", r->refuse_msg);
	r->cb(&resp, &err, r->arg);
	req_free(r);
}

/* Where to, how long, what to accept: everything but credentials and body. */
static void set_transfer(struct http_req *r, const struct http_opts *o)
{
	CURL *e = r->easy;
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
			 o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 3000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
			 o->timeout_ms > 0   ? o->timeout_ms
			 : o->timeout_ms < 0 ? 0L /* no total deadline (transfers) */
					     : 10000L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 512L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, o->low_speed_s > 0 ? o->low_speed_s : 10L);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max_bytes);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "mlconsole/0.1");
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	if (o->ca_file) {
		r->ca_file = xstrdup(o->ca_file);
		curl_easy_setopt(e, CURLOPT_CAINFO, r->ca_file);
	}
	if (o->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

/* Headers and credentials; CR or LF in any of them sets *bad_header (the
 * request is then refused). Returns whether a credential is set. */
static bool set_auth(struct http_req *r, const struct http_opts *o, bool *bad_header)
{
	CURL *e = r->easy;
	bool creds = false;
	for (const char *const *h = o->headers; h && *h; h++) {
		if (has_crlf(*h)) {
			*bad_header = true;
			continue;
		}
		r->hdrs = curl_slist_append(r->hdrs, *h);
	}
	if (o->username) {
		creds = true;
		r->username = xstrdup(o->username);
		r->password = xstrdup(o->password ? o->password : "");
		curl_easy_setopt(e, CURLOPT_USERNAME, r->username);
		curl_easy_setopt(e, CURLOPT_PASSWORD, r->password);
		if (o->aws_sigv4) {
			r->sigv4 = xstrdup(o->aws_sigv4);
			curl_easy_setopt(e, CURLOPT_AWS_SIGV4, r->sigv4);
		} else {
			curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		}
	}
	if (o->bearer) {
		creds = true;
		if (has_crlf(o->bearer))
			*bad_header = true;
		else {
			r->bearer_hdr = xasprintf("Authorization: Bearer %s", o->bearer);
			r->hdrs = curl_slist_append(r->hdrs, r->bearer_hdr);
		}
	}
	return creds;
}

/* Method and in-memory body. */
static void set_body(struct http_req *r, const struct http_opts *o)
{
	CURL *e = r->easy;
	const char *method = o->method ? o->method : "GET";
	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
		/* No body comes, but curl weighs the Content-Length against the
		 * cap: a HEAD of a 2 GiB object is not "too large". */
		curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)0);
	} else if (strcmp(method, "GET") != 0) {
		r->method = xstrdup(method);
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	}
	if (o->body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
	    strcmp(method, "PATCH") == 0) {
		r->has_body = true;
		if (o->body_borrowed && o->body) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, o->body);
		} else {
			r->req_body = xmalloc(o->body_len + 1);
			if (o->body_len)
				memcpy(r->req_body, o->body, o->body_len);
			r->req_body[o->body_len] = '\0';
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->req_body);
		}
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len);
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method ? r->method : method);
	}
	/* No "Expect: 100-continue" round trip on bodies; not with SigV4, where
	 * curl 7.88 would sign the empty header it then leaves out. */
	if (r->has_body && !o->aws_sigv4)
		r->hdrs = curl_slist_append(r->hdrs, "Expect:");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
}

/* Streaming and progress. */
static void set_streams(struct http_req *r, const struct http_opts *o)
{
	CURL *e = r->easy;
	r->on_data = o->on_data;
	r->data_arg = o->data_arg;
	if (o->recv_buffer)
		curl_easy_setopt(e, CURLOPT_BUFFERSIZE, (long)MLC_MIN(o->recv_buffer, 512u << 10));
	if (o->on_progress) {
		r->on_progress = o->on_progress;
		r->progress_arg = o->progress_arg;
		curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
		curl_easy_setopt(e, CURLOPT_XFERINFODATA, r);
		curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	}
	r->uploading = r->has_body;
}

struct http_req *http_request(const struct http_opts *o, http_done_cb cb, void *arg)
{
	http_init();
	struct http_req *r = xcalloc(1, sizeof *r);
	r->cb = cb;
	r->arg = arg;
	r->max_bytes = o->max_bytes ? o->max_bytes : 8u << 20;
	r->started = mono_ms();
	r->url = xstrdup(o->url ? o->url : "");
	r->easy = curl_easy_init();
	CURL *e = r->easy;
	bool bad_header = false;
	set_transfer(r, o);
	bool creds = set_auth(r, o, &bad_header);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, (o->follow_redirects && !creds) ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 3L);
	if (o->path_as_is)
		curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(e, CURLOPT_UNRESTRICTED_AUTH, 0L);
	set_body(r, o);
	set_streams(r, o);

	started_count++;
	if (bad_header) {
		strlcpy_m(r->refuse_msg, "refused: CR or LF in a request header",
			  sizeof r->refuse_msg);
		/* Refuse rather than send a header an attacker could split; report
		 * on a later turn, as every completion is. */
		r->refused = loop_defer(refuse_req, r);
		return r;
	}
	loop_busy_inc();
	curl_multi_add_handle(multi, e);
	return r;
}

void http_cancel(struct http_req *r)
{
	if (!r)
		return;
	if (r->refused) {
		loop_defer_cancel(r->refused);
		req_free(r);
		return;
	}
	curl_multi_remove_handle(multi, r->easy);
	loop_busy_dec();
	req_free(r);
}

void http_req_unpause(struct http_req *r)
{
	if (r && r->easy)
		curl_easy_pause(r->easy, CURLPAUSE_CONT);
}

long http_req_status(struct http_req *r)
{
	long status = 0;
	if (r && r->easy)
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

bool http_resp_header(const struct http_resp *resp, const char *name, char *out, size_t n)
{
	header_value(resp->headers, name, out, n);
	return out[0] != '\0';
}

unsigned long http_requests_started(void)
{
	return started_count;
}

char *http_urlencode(const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b;
	buf_init(&b);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~' ||
		    (keep_slash && *p == '/')) {
			buf_append(&b, p, 1);
		} else {
			char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			buf_append(&b, enc, 3);
		}
	}
	return buf_steal(&b);
}
