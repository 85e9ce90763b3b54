/* tests/unit/test_http.c — lib/core/http.c against tiny HTTP servers (httpsrv.c) each test
 * starts on 127.0.0.1 inside its own process: a libuv TCP server on the same
 * loop (answers from a handler, records what it received, can hold a request
 * unanswered), a bound but never-listening socket (connection refused) and a
 * listener that never accepts (black hole). The loop is driven with
 * uv_run(UV_RUN_ONCE) until a condition holds or a safety deadline fires;
 * no sleeps, no timing assertions. Also http_error_text on the error bodies
 * the services really send. */
#include "lib/core/http.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "fixture.h"
#include "httpsrv.h"
#include "runloop.h"
#include "lib/core/http_err.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"

/* Closes everything the test opened, so that ASan's leak check sees a clean
 * exit: the server, the HTTP module, the loop. */
static void teardown(void)
{
	srv_close();
	http_shutdown();
	runloop_close();
	loop_shutdown();
}

TestSuite(http, .fini = teardown);

/* ---- handlers ------------------------------------------------------------- */

static const char json_body[] = "{\"ray_version\": \"2.30.0\"}";

static const char *h_ok(struct srv *s, const char *m, const char *p, const char *req, size_t *len)
{
	buf_reset(&s->scratch);
	buf_printf(&s->scratch,
		   "HTTP/1.1 200 OK\r\n"
		   "Server: TestServer/1.0\r\n"
		   "Content-Type: application/json\r\n"
		   "X-Trace-Id:   abc-123  \r\n"
		   "Content-Length: %zu\r\n"
		   "Connection: close\r\n"
		   "\r\n%s",
		   strlen(json_body), strcmp(m, "HEAD") == 0 ? "" : json_body);
	return s->scratch.data;
}

static const char *h_404(struct srv *s, const char *m, const char *p, const char *req, size_t *len)
{
	return "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 18\r\n"
	       "Connection: close\r\n\r\n404 page not found";
}

static const char *h_big_unsized(struct srv *s, const char *m, const char *p, const char *req,
				 size_t *len)
{
	buf_reset(&s->scratch);
	buf_puts(&s->scratch,
		 "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n");
	for (int i = 0; i < 64 * 1024 / 16; i++)
		buf_puts(&s->scratch, "0123456789abcdef");
	return s->scratch.data;
}

static const char *h_big_sized(struct srv *s, const char *m, const char *p, const char *req,
			       size_t *len)
{
	buf_reset(&s->scratch);
	buf_printf(&s->scratch,
		   "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", 64 * 1024);
	for (int i = 0; i < 64 * 1024 / 16; i++)
		buf_puts(&s->scratch, "0123456789abcdef");
	return s->scratch.data;
}

static const char *h_chunked_exact(struct srv *s, const char *m, const char *p, const char *req,
				   size_t *len)
{
	/* 1000 bytes in two chunks, no Content-Length. */
	buf_reset(&s->scratch);
	buf_puts(&s->scratch,
		 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
	buf_puts(&s->scratch, "1f4\r\n");
	for (int i = 0; i < 500; i++)
		buf_puts(&s->scratch, "a");
	buf_puts(&s->scratch, "\r\n1f4\r\n");
	for (int i = 0; i < 500; i++)
		buf_puts(&s->scratch, "b");
	buf_puts(&s->scratch, "\r\n0\r\n\r\n");
	return s->scratch.data;
}

static const char *h_hold(struct srv *s, const char *m, const char *p, const char *req, size_t *len)
{
	return NULL;
}

static const char *h_redirect(struct srv *s, const char *m, const char *p, const char *req,
			      size_t *len)
{
	if (strcmp(p, "/start") == 0)
		return "HTTP/1.1 302 Found\r\nLocation: /final\r\nContent-Length: 0\r\n"
		       "Connection: close\r\n\r\n";
	return "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nfinal";
}

static const char *h_echo_len(struct srv *s, const char *m, const char *p, const char *req,
			      size_t *len)
{
	return "HTTP/1.1 201 Created\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
}

/* A header block far over curl's 100 KB limit for one response header. */
static const char *h_huge_header(struct srv *s, const char *m, const char *p, const char *req,
				 size_t *len)
{
	buf_reset(&s->scratch);
	buf_puts(&s->scratch, "HTTP/1.1 200 OK\r\nX-Huge: ");
	for (int i = 0; i < 200 * 1024 / 16; i++)
		buf_puts(&s->scratch, "0123456789abcdef");
	buf_puts(&s->scratch, "\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
	return s->scratch.data;
}

/* Announces 100000 bytes, sends 10, then (reset_after_write) resets. */
static const char *h_cut_body(struct srv *s, const char *m, const char *p, const char *req,
			      size_t *len)
{
	return "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n"
	       "0123456789";
}

/* ---- a request and what its callback saw ---------------------------------- */

struct call {
	bool returned;	/* http_request has returned */
	bool cb_inside; /* the callback ran before http_request returned */
	int calls;
	long status;
	int code; /* MLC_OK when err was NULL */
	char msg[256];
	struct buf body;
	char server[80], content_type[80], trace[64];
	bool has_trace;
	long elapsed_ms;
};

static void on_done(const struct http_resp *r, const struct mlc_err *err, void *arg)
{
	struct call *c = arg;
	c->calls++;
	wake();
	if (!c->returned)
		c->cb_inside = true;
	c->status = r ? r->status : -1;
	c->code = err ? err->code : MLC_OK;
	snprintf(c->msg, sizeof c->msg, "%s", err ? err->msg : "");
	buf_init(&c->body);
	if (r) {
		buf_append(&c->body, r->body, r->body_len);
		cr_assert_eq(r->body[r->body_len], '\0', "body is NUL-terminated");
		snprintf(c->server, sizeof c->server, "%s", r->server);
		snprintf(c->content_type, sizeof c->content_type, "%s", r->content_type);
		c->has_trace = http_resp_header(r, "x-trace-id", c->trace, sizeof c->trace);
		c->elapsed_ms = r->elapsed_ms;
	}
}

static struct http_req *start(const struct http_opts *o, struct call *c)
{
	memset(c, 0, sizeof *c);
	struct http_req *r = http_request(o, on_done, c);
	c->returned = true;
	return r;
}

static void call_free(struct call *c)
{
	buf_free(&c->body);
}

/* ---- responses ------------------------------------------------------------ */

Test(http, ok_response_body_and_headers)
{
	srv_start(h_ok);
	char *url = srv_url("/api/version");
	struct http_opts o = {.url = url};
	struct call c;
	unsigned long before = http_requests_started();
	start(&o, &c);
	cr_assert_eq(http_requests_started(), before + 1);
	cr_assert_eq(loop_busy(), 1, "the request counts as in flight");
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.calls, 1);
	cr_assert(!c.cb_inside, "callback ran inside http_request");
	cr_assert_eq(c.code, MLC_OK, "%s", c.msg);
	cr_assert_eq(c.status, 200);
	cr_assert_str_eq(c.body.data, json_body);
	cr_assert_str_eq(c.server, "TestServer/1.0");
	cr_assert_str_eq(c.content_type, "application/json");
	cr_assert(c.has_trace);
	cr_assert_str_eq(c.trace, "abc-123", "value trimmed");
	cr_assert_eq(loop_busy(), 0);
	/* what the server received */
	cr_assert_eq(server.requests, 1);
	cr_assert(str_starts(server.log.data, "GET /api/version HTTP/1.1\r\n"), "%s",
		  server.log.data);
	cr_assert_not_null(strcasestr(server.log.data, "\r\nUser-Agent: mlconsole/0.1\r\n"));
	cr_assert_null(strcasestr(server.log.data, "Authorization:"), "no credentials set");
	cr_assert_null(strcasestr(server.log.data, "Expect:"), "no 100-continue");
	call_free(&c);
	free(url);
}

/* The server answers a held request 60 ms after it came: elapsed_ms lies
 * between that wait (measured from after http_request returned) and the
 * whole span the test saw around the call; an elapsed time of 0, in
 * seconds, or from the wrong start falls outside. */
static void answer_held(uv_timer_t *t)
{
	int64_t *answered_at = t->data;
	static const char resp[] =
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
	for (int i = 0; i < MAX_CONNS; i++)
		if (server.conns[i] && !server.conns[i]->closing)
			srv_answer(server.conns[i], resp, sizeof resp - 1);
	*answered_at = mono_ms();
	uv_close((uv_handle_t *)t, NULL);
}

Test(http, elapsed_ms_spans_the_request)
{
	srv_start(h_hold);
	char *url = srv_url("/slow");
	struct http_opts o = {.url = url};
	struct call c;
	int64_t t0 = mono_ms();
	start(&o, &c);
	int64_t t1 = mono_ms();
	RUN_UNTIL(server.requests == 1);
	int64_t answered_at = 0;
	uv_timer_t timer;
	uv_timer_init(loop_get(), &timer);
	timer.data = &answered_at;
	int64_t held_from = mono_ms();
	uv_timer_start(&timer, answer_held, 60, 0);
	RUN_UNTIL(c.calls);
	int64_t t2 = mono_ms();
	cr_assert_eq(c.code, MLC_OK, "%s", c.msg);
	cr_assert_str_eq(c.body.data, "ok");
	cr_assert_geq(answered_at - held_from, 60);
	cr_assert_geq(c.elapsed_ms, answered_at - t1, "%ld ms, answered %ld ms after the call",
		      c.elapsed_ms, (long)(answered_at - t1));
	cr_assert_leq(c.elapsed_ms, t2 - t0, "%ld ms in a %ld ms span", c.elapsed_ms,
		      (long)(t2 - t0));
	call_free(&c);
	free(url);
}

Test(http, header_lookup_is_case_insensitive_and_absent_is_false)
{
	struct http_resp r = {.headers =
				  "HTTP/1.1 200 OK\r\nX-One: 1\r\ncontent-type: text/html\r\n"
				  "X-Empty:\r\n\r\n"};
	char out[32];
	cr_assert(http_resp_header(&r, "X-ONE", out, sizeof out));
	cr_assert_str_eq(out, "1");
	cr_assert(http_resp_header(&r, "Content-Type", out, sizeof out));
	cr_assert_str_eq(out, "text/html");
	cr_assert(!http_resp_header(&r, "X-Missing", out, sizeof out));
	cr_assert_str_eq(out, "");
	cr_assert(!http_resp_header(&r, "X-On", out, sizeof out), "prefix of a name is no match");
	char tiny[4];
	struct http_resp r2 = {.headers = "Server: a-very-long-server-name\r\n"};
	cr_assert(http_resp_header(&r2, "server", tiny, sizeof tiny));
	cr_assert_str_eq(tiny, "a-v");
}

Test(http, head_has_no_body)
{
	srv_start(h_ok);
	char *url = srv_url("/");
	struct http_opts o = {.url = url, .method = "HEAD"};
	struct call c;
	start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_OK, "%s", c.msg);
	cr_assert_eq(c.status, 200);
	cr_assert_eq(c.body.len, 0);
	cr_assert(str_starts(server.log.data, "HEAD / HTTP/1.1\r\n"));
	call_free(&c);
	free(url);
}

Test(http, post_body_and_headers_received)
{
	srv_start(h_echo_len);
	char *url = srv_url("/api/2.0/mlflow/runs/search");
	static const char body[] = "{\"experiment_ids\":[\"1\"],\"max_results\":10}";
	const char *hdrs[] = {"Content-Type: application/json", "X-Request-Id: t1", NULL};
	struct http_opts o = {.url = url,
			      .method = "POST",
			      .body = body,
			      .body_len = sizeof body - 1,
			      .headers = hdrs};
	struct call c;
	start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_OK, "%s", c.msg);
	cr_assert_eq(c.status, 201);
	const char *log = server.log.data;
	cr_assert(str_starts(log, "POST /api/2.0/mlflow/runs/search HTTP/1.1\r\n"), "%s", log);
	cr_assert_not_null(strstr(log, "\r\nContent-Type: application/json\r\n"));
	cr_assert_not_null(strstr(log, "\r\nX-Request-Id: t1\r\n"));
	cr_assert(str_ends(log, "\r\n\r\n{\"experiment_ids\":[\"1\"],\"max_results\":10}"), "%s",
		  log);
	call_free(&c);
	free(url);
}

Test(http, put_and_delete_methods)
{
	srv_start(h_echo_len);
	char *url = srv_url("/b/k");
	struct http_opts o = {.url = url, .method = "PUT", .body = "abc", .body_len = 3};
	struct call c;
	start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_OK, "%s", c.msg);
	cr_assert(str_starts(server.log.data, "PUT /b/k HTTP/1.1\r\n"), "%s", server.log.data);
	cr_assert(str_ends(server.log.data, "\r\n\r\nabc"));
	call_free(&c);
	buf_reset(&server.log);
	struct http_opts d = {.url = url, .method = "DELETE"};
	start(&d, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_OK, "%s", c.msg);
	cr_assert(str_starts(server.log.data, "DELETE /b/k HTTP/1.1\r\n"), "%s", server.log.data);
	call_free(&c);
	free(url);
}

Test(http, error_status_is_a_response_not_an_error)
{
	srv_start(h_404);
	char *url = srv_url("/missing");
	struct http_opts o = {.url = url};
	struct call c;
	start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_OK, "4xx is for the caller to judge: %s", c.msg);
	cr_assert_eq(c.status, 404);
	cr_assert_str_eq(c.body.data, "404 page not found");
	cr_assert_str_eq(c.content_type, "text/plain");
	cr_assert_str_eq(c.server, "", "no Server header");
	call_free(&c);
	free(url);
}

Test(http, concurrent_requests_each_answered_once)
{
	srv_start(h_ok);
	char *url = srv_url("/x");
	struct http_opts o = {.url = url};
	struct call c[8];
	for (int i = 0; i < 8; i++)
		start(&o, &c[i]);
	cr_assert_eq(loop_busy(), 8);
	RUN_UNTIL(c[0].calls && c[1].calls && c[2].calls && c[3].calls && c[4].calls &&
		  c[5].calls && c[6].calls && c[7].calls);
	for (int i = 0; i < 8; i++) {
		cr_assert_eq(c[i].calls, 1);
		cr_assert_eq(c[i].code, MLC_OK, "%d: %s", i, c[i].msg);
		cr_assert_str_eq(c[i].body.data, json_body);
		call_free(&c[i]);
	}
	cr_assert_eq(server.requests, 8);
	cr_assert_eq(loop_busy(), 0);
	free(url);
}

/* ---- size cap -------------------------------------------------------------- */

Test(http, body_over_cap_without_length_is_too_big)
{
	srv_start(h_big_unsized);
	char *url = srv_url("/big");
	struct http_opts o = {.url = url, .max_bytes = 1000};
	struct call c;
	start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_ERR_TOO_BIG, "code %d: %s", c.code, c.msg);
	cr_assert_not_null(strstr(c.msg, "larger than 1000 bytes"), "%s", c.msg);
	cr_assert_leq(c.body.len, 1000, "never more than the cap kept");
	cr_assert_eq(loop_busy(), 0);
	call_free(&c);
	free(url);
}

Test(http, body_over_cap_with_length_is_too_big)
{
	srv_start(h_big_sized);
	char *url = srv_url("/big");
	struct http_opts o = {.url = url, .max_bytes = 1000};
	struct call c;
	start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_ERR_TOO_BIG, "code %d: %s", c.code, c.msg);
	cr_assert_leq(c.body.len, 1000);
	call_free(&c);
	free(url);
}

Test(http, huge_response_header_is_named)
{
	srv_start(h_huge_header);
	char *url = srv_url("/huge");
	struct http_opts o = {.url = url};
	struct call c;
	start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_ERR_PROTO, "code %d: %s", c.code, c.msg);
	cr_assert_not_null(strstr(c.msg, "response header too large"), "%s", c.msg);
	call_free(&c);
	free(url);
}

/* The server stops mid-body: reset (RST) or closed (FIN); the message says
 * which, and how much of the announced body had come. */
static void cut_body_case(bool reset, const char *how)
{
	srv_start(h_cut_body);
	server.reset_after_write = reset;
	char *url = srv_url("/cut");
	struct http_opts o = {.url = url};
	struct call c;
	start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_ERR_PROTO, "code %d: %s", c.code, c.msg);
	cr_assert_not_null(strstr(c.msg, how), "%s", c.msg);
	cr_assert_not_null(strstr(c.msg, "10 of 100000 body bytes"), "%s", c.msg);
	call_free(&c);
	free(url);
}

Test(http, connection_reset_mid_body_is_named)
{
	cut_body_case(true, "connection reset by the server");
}

Test(http, connection_closed_mid_body_is_named)
{
	cut_body_case(false, "connection closed by the server");
}

Test(http, body_of_exactly_the_cap_is_fine)
{
	srv_start(h_chunked_exact);
	char *url = srv_url("/exact");
	struct http_opts o = {.url = url, .max_bytes = 1000};
	struct call c;
	start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_OK, "%s", c.msg);
	cr_assert_eq(c.body.len, 1000);
	cr_assert_eq(c.body.data[0], 'a');
	cr_assert_eq(c.body.data[999], 'b');
	call_free(&c);
	free(url);
}

/* ---- failures --------------------------------------------------------------- */

/* A socket bound to a port but never listening: connecting is refused, and
 * no other process can take the port meanwhile. */
static int closed_port(int *fd)
{
	*fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(*fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(bind(*fd, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t len = sizeof a;
	getsockname(*fd, (struct sockaddr *)&a, &len);
	return ntohs(a.sin_port);
}

Test(http, connection_refused)
{
	int fd;
	int port = closed_port(&fd);
	char *url = xasprintf("http://127.0.0.1:%d/health", port);
	struct http_opts o = {.url = url};
	struct call c;
	start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert(!c.cb_inside);
	cr_assert_eq(c.calls, 1);
	cr_assert_eq(c.code, MLC_ERR_CONNECT, "code %d: %s", c.code, c.msg);
	char want[64];
	snprintf(want, sizeof want, "connect to 127.0.0.1:%d failed", port);
	cr_assert_not_null(strstr(c.msg, want), "%s", c.msg);
	cr_assert_eq(c.status, 0);
	cr_assert_eq(loop_busy(), 0);
	call_free(&c);
	free(url);
	close(fd);
}

/* A listener nobody accepts from: the kernel completes the handshake and the
 * request sits unread, so the only way out is the deadline. */
static int black_hole(int *fd)
{
	int port = closed_port(fd);
	cr_assert_eq(listen(*fd, 8), 0);
	return port;
}

Test(http, black_hole_times_out)
{
	int fd;
	int port = black_hole(&fd);
	char *url = xasprintf("http://127.0.0.1:%d/health", port);
	struct http_opts o = {.url = url, .timeout_ms = 300};
	struct call c;
	start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.calls, 1);
	cr_assert_eq(c.code, MLC_ERR_TIMEOUT, "code %d: %s", c.code, c.msg);
	cr_assert_eq(c.status, 0);
	cr_assert_eq(loop_busy(), 0);
	call_free(&c);
	free(url);
	close(fd);
}

Test(http, only_http_and_https)
{
	static const char *const urls[] = {"file:///etc/passwd", "ftp://127.0.0.1/", "gopher://x/",
					   "dict://127.0.0.1:1/"};
	for (size_t i = 0; i < ARRAY_LEN(urls); i++) {
		struct http_opts o = {.url = urls[i]};
		struct call c;
		start(&o, &c);
		RUN_UNTIL(c.calls);
		cr_assert(!c.cb_inside);
		cr_assert_neq(c.code, MLC_OK, "%s was fetched", urls[i]);
		cr_assert_eq(c.body.len, 0);
		cr_assert_eq(loop_busy(), 0);
		call_free(&c);
	}
}

/* ---- header injection ------------------------------------------------------- */

Test(http, header_with_crlf_refused_and_nothing_sent)
{
	srv_start(h_ok);
	char *url = srv_url("/ok");
	const char *bad[] = {"X-Fine: 1", "X-Evil: a\r\nX-Injected: yes", NULL};
	struct http_opts o = {.url = url, .headers = bad};
	struct call c;
	start(&o, &c);
	cr_assert_eq(c.calls, 0, "refusal reported from the loop, not inside the call");
	RUN_UNTIL(c.calls);
	cr_assert(!c.cb_inside);
	cr_assert_eq(c.calls, 1);
	cr_assert_eq(c.code, MLC_ERR_USAGE);
	cr_assert_not_null(strstr(c.msg, "CR or LF"), "%s", c.msg);
	cr_assert_eq(server.accepted, 0, "nothing reached the server");
	cr_assert_eq(loop_busy(), 0);
	call_free(&c);

	/* A clean request afterwards is the first and only one the server sees. */
	const char *good[] = {"X-Fine: 1", NULL};
	struct http_opts g = {.url = url, .headers = good};
	start(&g, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_OK, "%s", c.msg);
	cr_assert_eq(server.accepted, 1);
	cr_assert_eq(server.requests, 1);
	cr_assert_null(strstr(server.log.data, "X-Injected"));
	cr_assert_null(strstr(server.log.data, "X-Evil"));
	call_free(&c);
	free(url);
}

Test(http, bare_lf_and_bearer_with_crlf_refused)
{
	srv_start(h_ok);
	char *url = srv_url("/ok");
	const char *lf[] = {"X-A: 1\nX-B: 2", NULL};
	struct http_opts o = {.url = url, .headers = lf};
	struct call c;
	start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_ERR_USAGE);
	call_free(&c);
	struct http_opts b = {.url = url, .bearer = "tok\r\nX-Injected: 1"};
	start(&b, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_ERR_USAGE);
	cr_assert_eq(server.accepted, 0);
	call_free(&c);
	free(url);
}

/* ---- cancellation ------------------------------------------------------------ */

Test(http, cancel_in_flight_never_calls_back)
{
	srv_start(h_hold);
	char *url = srv_url("/slow");
	struct http_opts o = {.url = url};
	struct call c;
	struct http_req *r = start(&o, &c);
	RUN_UNTIL(server.requests == 1); /* the server holds it, unanswered */
	cr_assert_eq(loop_busy(), 1);
	http_cancel(r);
	cr_assert_eq(loop_busy(), 0, "cancel ends the in-flight count at once");
	RUN_UNTIL(server.hangups == 1); /* the client closed its connection */
	cr_assert_eq(c.calls, 0, "callback ran after http_cancel");

	/* The loop keeps working; the cancelled callback still never comes. */
	server.handler = h_ok;
	struct call d;
	start(&o, &d);
	RUN_UNTIL(d.calls);
	cr_assert_eq(d.code, MLC_OK, "%s", d.msg);
	cr_assert_eq(c.calls, 0);
	cr_assert_eq(loop_busy(), 0);
	call_free(&d);
	free(url);
}

Test(http, cancel_before_the_loop_turns)
{
	srv_start(h_ok);
	char *url = srv_url("/x");
	struct http_opts o = {.url = url};
	struct call c, d;
	struct http_req *r = start(&o, &c);
	http_cancel(r);
	cr_assert_eq(loop_busy(), 0);
	start(&o, &d);
	RUN_UNTIL(d.calls);
	cr_assert_eq(c.calls, 0);
	cr_assert_eq(d.code, MLC_OK, "%s", d.msg);
	cr_assert_eq(server.requests, 1, "the cancelled request was never sent");
	call_free(&d);
	free(url);
}

Test(http, cancel_refused_request)
{
	srv_start(h_ok);
	char *url = srv_url("/x");
	const char *bad[] = {"X: a\r\nY: b", NULL};
	struct http_opts o = {.url = url, .headers = bad};
	struct call c, d;
	struct http_req *r = start(&o, &c);
	cr_assert_eq(loop_busy(), 1, "a refusal waiting to be reported counts as busy");
	http_cancel(r);
	cr_assert_eq(loop_busy(), 0);
	struct http_opts g = {.url = url};
	start(&g, &d);
	RUN_UNTIL(d.calls);
	cr_assert_eq(c.calls, 0, "refusal reported after cancel");
	call_free(&d);
	free(url);
	http_cancel(NULL); /* harmless */
}

Test(http, cancel_one_of_several)
{
	srv_start(h_hold);
	char *url = srv_url("/x");
	struct http_opts o = {.url = url};
	struct call a, b;
	struct http_req *ra = start(&o, &a);
	start(&o, &b);
	RUN_UNTIL(server.requests == 2);
	http_cancel(ra);
	cr_assert_eq(loop_busy(), 1);
	RUN_UNTIL(server.hangups == 1);
	/* answer the other one now */
	for (int i = 0; i < MAX_CONNS; i++) {
		struct conn *cn = server.conns[i];
		if (cn && !cn->closing) {
			static const char resp[] =
			    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi";
			srv_answer(cn, resp, sizeof resp - 1);
		}
	}
	RUN_UNTIL(b.calls);
	cr_assert_eq(a.calls, 0);
	cr_assert_eq(b.code, MLC_OK, "%s", b.msg);
	cr_assert_str_eq(b.body.data, "hi");
	cr_assert_eq(loop_busy(), 0);
	call_free(&b);
	free(url);
}

/* ---- credentials ----------------------------------------------------------- */

Test(http, basic_auth_header_received)
{
	srv_start(h_ok);
	char *url = srv_url("/api/2.0/mlflow/experiments/search");
	struct http_opts o = {.url = url, .username = "alice", .password = "s3cret"};
	struct call c;
	start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_OK, "%s", c.msg);
	/* base64("alice:s3cret") */
	cr_assert_not_null(strstr(server.log.data, "\r\nAuthorization: Basic YWxpY2U6czNjcmV0\r\n"),
			   "%s", server.log.data);
	call_free(&c);
	free(url);
}

Test(http, bearer_header_received)
{
	srv_start(h_ok);
	char *url = srv_url("/api/health");
	struct http_opts o = {.url = url, .bearer = "pnu_tok-123"};
	struct call c;
	start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_OK, "%s", c.msg);
	cr_assert_not_null(strstr(server.log.data, "\r\nAuthorization: Bearer pnu_tok-123\r\n"),
			   "%s", server.log.data);
	call_free(&c);
	free(url);
}

Test(http, redirect_not_followed_with_credentials)
{
	srv_start(h_redirect);
	char *url = srv_url("/start");
	struct http_opts o = {
	    .url = url, .follow_redirects = true, .username = "u", .password = "p"};
	struct call c;
	start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_OK, "%s", c.msg);
	cr_assert_eq(c.status, 302, "the redirect itself comes back");
	cr_assert_eq(server.requests, 1, "credentials never sent on to /final");
	call_free(&c);

	struct http_opts b = {.url = url, .follow_redirects = true, .bearer = "t"};
	start(&b, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.status, 302);
	cr_assert_eq(server.requests, 2);
	call_free(&c);
	free(url);
}

Test(http, redirect_followed_without_credentials_only_when_asked)
{
	srv_start(h_redirect);
	char *url = srv_url("/start");
	struct http_opts o = {.url = url, .follow_redirects = true};
	struct call c;
	start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_OK, "%s", c.msg);
	cr_assert_eq(c.status, 200);
	cr_assert_str_eq(c.body.data, "final");
	cr_assert_eq(server.requests, 2);
	cr_assert_not_null(strstr(server.log.data, "GET /final HTTP/1.1"));
	call_free(&c);

	struct http_opts n = {.url = url};
	start(&n, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.status, 302, "not followed unless asked");
	cr_assert_eq(server.requests, 3);
	call_free(&c);
	free(url);
}

/* ---- http_error_text --------------------------------------------------------- */

static const char *error_text(const char *body)
{
	static char out[200];
	struct http_resp r = {.body = (char *)body, .body_len = body ? strlen(body) : 0};
	memset(out, 'X', sizeof out);
	http_error_text(&r, out, sizeof out);
	return out;
}

static const char *fixture_error_text(const char *path)
{
	static char out[200];
	size_t len;
	char *body = fixture_read(path, &len);
	struct http_resp r = {.body = body, .body_len = len};
	http_error_text(&r, out, sizeof out);
	free(body);
	return out;
}

Test(http, error_text_json_message)
{
	cr_assert_str_eq(
	    fixture_error_text("tests/fixtures/mlflow/error-resource-does-not-exist.json"),
	    "Run with id=0123456789abcdef0123456789abcdef not found");
	cr_assert_str_eq(error_text("{\"message\": \"line one\\nline two\"}"), "line one");
}

Test(http, error_text_json_detail)
{
	cr_assert_str_eq(fixture_error_text("tests/fixtures/prefect/error-404-flow-run.json"),
			 "Flow run not found");
	cr_assert_str_eq(error_text("{\"detail\": \"Not Found\"}"), "Not Found");
	/* Airflow: detail null, the title says it */
	cr_assert_str_eq(fixture_error_text("tests/fixtures/airflow/error-401.json"),
			 "Unauthorized");
	/* Prometheus: "error" */
	cr_assert_str_eq(
	    fixture_error_text("tests/fixtures/prometheus/query-error-bad-promql.json"),
	    "invalid parameter \"query\": 1:23: parse error: unexpected end of input "
	    "inside braces");
	/* Ray's state API envelope: "msg" */
	cr_assert_str_eq(error_text("{\"result\": false, \"msg\": \"bad filter\", \"data\": {}}"),
			 "bad filter");
}

Test(http, error_text_prefect_exception_message)
{
	cr_assert_str_eq(fixture_error_text("tests/fixtures/prefect/error-422-bad-uuid.json"),
			 "Invalid request received.");
}

Test(http, error_text_html_title)
{
	cr_assert_str_eq(fixture_error_text("tests/fixtures/mlflow/error-unknown-endpoint.html"),
			 "404 Not Found");
	cr_assert_str_eq(fixture_error_text("tests/fixtures/mlflow/error-method-not-allowed.html"),
			 "405 Method Not Allowed");
	cr_assert_str_eq(error_text("<html><head><TITLE>\n  502   Bad\tGateway\n</TITLE></head>"
				    "<body>nginx</body></html>"),
			 "502 Bad Gateway", "whitespace folded");
	cr_assert_str_eq(error_text("<html><title>unterminated"), "unterminated");
}

Test(http, error_text_s3_message)
{
	cr_assert_str_eq(fixture_error_text("tests/fixtures/s3/s3rver/error-nosuchbucket.xml"),
			 "The specified bucket does not exist");
	cr_assert_str_eq(fixture_error_text("tests/fixtures/s3/minio/error-slowdownread-503.xml"),
			 "Resource requested is unreadable, please reduce your request rate");
}

Test(http, error_text_plain)
{
	cr_assert_str_eq(fixture_error_text("tests/fixtures/prometheus/not-found-404.txt"),
			 "404 page not found");
	cr_assert_str_eq(fixture_error_text("tests/fixtures/ray/job-not-found.404.txt"),
			 "Job raysubmit_doesnotexist does not exist");
	cr_assert_str_eq(error_text("\n\n  upstream connect error\nreset reason: overflow"),
			 "upstream connect error", "first non-empty line");
	cr_assert_str_eq(error_text("{\"message\": \"\"}"), "{\"message\": \"\"}",
			 "an empty message falls back to the text");
}

Test(http, error_text_empty_and_truncated)
{
	cr_assert_str_eq(error_text(""), "");
	cr_assert_str_eq(error_text(NULL), "");
	char out[8];
	struct http_resp r = {.body = "{\"message\": \"a long message\"}", .body_len = 29};
	http_error_text(&r, out, sizeof out);
	cr_assert_str_eq(out, "a long");
	http_error_text(NULL, out, sizeof out);
	cr_assert_str_eq(out, "");
}

Test(http, error_text_keeps_escapes_raw)
{
	/* Not sanitized here: the status line sanitizes what it shows. */
	cr_assert_str_eq(error_text("{\"message\": \"\\u001b[2Jboom\"}"), "\x1b[2Jboom");
	cr_assert_str_eq(error_text("\x1b]0;title\x07 plain"), "\x1b]0;title\x07 plain");
}

/* ---- streaming (on_data, on_progress) ------------------------------------- */

struct sink {
	struct buf got;
	int chunks;
	size_t stop_after; /* take less than given once past this many bytes; 0 never */
	long status_seen;
	struct http_req *req;
	int64_t last_now, last_total;
	int progress_calls;
};

static size_t sink_data(const char *p, size_t n, void *arg)
{
	struct sink *k = arg;
	k->chunks++;
	k->status_seen = http_req_status(k->req);
	if (k->stop_after && k->got.len + n > k->stop_after)
		return n / 2;
	buf_append(&k->got, p, n);
	return n;
}

static void sink_progress(int64_t now, int64_t total, void *arg)
{
	struct sink *k = arg;
	k->progress_calls++;
	k->last_now = now;
	k->last_total = total;
}

Test(http, streaming_hands_the_body_over_and_keeps_none)
{
	srv_start(h_big_sized);
	char *url = srv_url("/big");
	struct sink k = {0};
	struct http_opts o = {.url = url,
			      .on_data = sink_data,
			      .data_arg = &k,
			      .on_progress = sink_progress,
			      .progress_arg = &k};
	struct call c;
	k.req = start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_OK, "%s", c.msg);
	cr_assert_eq(c.status, 200);
	cr_assert_eq(c.body.len, 0, "nothing buffered when streaming");
	cr_assert_eq(k.got.len, 64 * 1024);
	cr_assert_eq(memcmp(k.got.data, "0123456789abcdef", 16), 0);
	cr_assert_eq(k.status_seen, 200);
	cr_assert_gt(k.progress_calls, 0);
	cr_assert_eq(k.last_total, 64 * 1024, "total from Content-Length");
	buf_free(&k.got);
	call_free(&c);
	free(url);
}

Test(http, streaming_short_take_aborts_with_cancelled)
{
	srv_start(h_big_sized);
	char *url = srv_url("/big");
	struct sink k = {.stop_after = 1000};
	struct http_opts o = {.url = url, .on_data = sink_data, .data_arg = &k};
	struct call c;
	k.req = start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.calls, 1);
	cr_assert_eq(c.code, MLC_ERR_CANCELLED, "code %d: %s", c.code, c.msg);
	cr_assert_lt(k.got.len, 64 * 1024);
	cr_assert_eq(loop_busy(), 0);
	buf_free(&k.got);
	call_free(&c);
	free(url);
}

Test(http, streaming_still_capped_by_max_bytes)
{
	srv_start(h_big_unsized);
	char *url = srv_url("/big");
	struct sink k = {0};
	struct http_opts o = {.url = url, .on_data = sink_data, .data_arg = &k, .max_bytes = 4096};
	struct call c;
	k.req = start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_ERR_TOO_BIG, "code %d: %s", c.code, c.msg);
	cr_assert_leq(k.got.len, 4096);
	buf_free(&k.got);
	call_free(&c);
	free(url);
}

Test(http, streaming_error_status_is_visible_to_on_data)
{
	srv_start(h_404);
	char *url = srv_url("/nope");
	struct sink k = {0};
	struct http_opts o = {.url = url, .on_data = sink_data, .data_arg = &k};
	struct call c;
	k.req = start(&o, &c);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_OK, "%s", c.msg);
	cr_assert_eq(c.status, 404);
	cr_assert_eq(k.status_seen, 404);
	cr_assert_str_eq(k.got.data, "404 page not found");
	buf_free(&k.got);
	call_free(&c);
	free(url);
}

/* ---- lib/download ----------------------------------------------------------- */

#include "lib/core/download.h"

struct dlcall {
	int calls;
	int code;
	char msg[256];
	long status;
	int64_t bytes, total;
	char err_body[256];
	int progress_calls;
	int64_t last_now;
};

static void t_dl_done(const struct dl_result *r, const struct mlc_err *err, void *arg)
{
	struct dlcall *c = arg;
	c->calls++;
	wake();
	c->code = err ? err->code : MLC_OK;
	snprintf(c->msg, sizeof c->msg, "%s", err ? err->msg : "");
	c->status = r->status;
	c->bytes = r->bytes;
	c->total = r->total;
	strlcpy_m(c->err_body, r->err_body, sizeof c->err_body);
}

static void t_dl_progress(int64_t now, int64_t total, void *arg)
{
	struct dlcall *c = arg;
	c->progress_calls++;
	c->last_now = now;
}

static char *tmp_dir(void)
{
	char tmpl[] = "/tmp/mlc-dl-XXXXXX";
	cr_assert_not_null(mkdtemp(tmpl));
	return xstrdup(tmpl);
}

static size_t file_size(const char *path, char *first, size_t n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return (size_t)-1;
	fseek(f, 0, SEEK_END);
	size_t sz = (size_t)ftell(f);
	rewind(f);
	size_t got = fread(first, 1, n, f);
	(void)got;
	fclose(f);
	return sz;
}

Test(http, download_lands_whole_and_part_file_gone)
{
	srv_start(h_big_sized);
	char *dir = tmp_dir();
	char *path = xasprintf("%s/out.bin", dir);
	char *url = srv_url("/big");
	struct http_opts o = {.url = url};
	struct dlcall c = {0};
	struct dl_opts d = {.progress = t_dl_progress, .done = t_dl_done, .arg = &c};
	dl_start(&o, path, &d);
	cr_assert_eq(c.calls, 0);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_OK, "%s", c.msg);
	cr_assert_eq(c.bytes, 64 * 1024);
	cr_assert_eq(c.total, 64 * 1024);
	cr_assert_gt(c.progress_calls, 0);
	cr_assert_eq(c.last_now, 64 * 1024);
	char first[16];
	cr_assert_eq(file_size(path, first, sizeof first), (size_t)64 * 1024);
	cr_assert_eq(memcmp(first, "0123456789abcdef", 16), 0);
	char *part = dl_part_path(path);
	cr_assert_neq(access(part, F_OK), 0, "part file removed");
	unlink(path);
	rmdir(dir);
	free(part);
	free(path);
	free(dir);
	free(url);
}

Test(http, download_refuses_an_existing_file_unless_told)
{
	srv_start(h_ok);
	char *dir = tmp_dir();
	char *path = xasprintf("%s/exists.json", dir);
	FILE *f = fopen(path, "w");
	fputs("keep me", f);
	fclose(f);
	char *url = srv_url("/v");
	struct http_opts o = {.url = url};
	struct dlcall c = {0};
	struct dl_opts d = {.done = t_dl_done, .arg = &c};
	dl_start(&o, path, &d);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_ERR_IO, "%s", c.msg);
	cr_assert_not_null(strstr(c.msg, "exists"), "%s", c.msg);
	cr_assert_eq(server.requests, 0, "nothing fetched");
	char first[16] = "";
	cr_assert_eq(file_size(path, first, sizeof first), 7);
	cr_assert_eq(memcmp(first, "keep me", 7), 0);
	/* told: replaced */
	memset(&c, 0, sizeof c);
	d.overwrite = true;
	dl_start(&o, path, &d);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_OK, "%s", c.msg);
	cr_assert_eq(file_size(path, first, sizeof first), strlen(json_body));
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
	free(url);
}

Test(http, download_error_status_leaves_nothing)
{
	srv_start(h_404);
	char *dir = tmp_dir();
	char *path = xasprintf("%s/missing.bin", dir);
	char *url = srv_url("/missing");
	struct http_opts o = {.url = url};
	struct dlcall c = {0};
	struct dl_opts d = {.done = t_dl_done, .arg = &c};
	dl_start(&o, path, &d);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_ERR_HTTP, "%s", c.msg);
	cr_assert_eq(c.status, 404);
	cr_assert_str_eq(c.err_body, "404 page not found");
	cr_assert_neq(access(path, F_OK), 0);
	char *part = dl_part_path(path);
	cr_assert_neq(access(part, F_OK), 0);
	cr_assert_eq(rmdir(dir), 0, "directory left empty");
	free(part);
	free(path);
	free(dir);
	free(url);
}

Test(http, download_cancel_removes_the_part_file)
{
	srv_start(h_hold);
	char *dir = tmp_dir();
	char *path = xasprintf("%s/held.bin", dir);
	char *url = srv_url("/held");
	struct http_opts o = {.url = url};
	struct dlcall c = {0};
	struct dl_opts d = {.done = t_dl_done, .arg = &c};
	struct dl *h = dl_start(&o, path, &d);
	RUN_UNTIL(server.requests == 1);
	char *part = dl_part_path(path);
	cr_assert_eq(access(part, F_OK), 0, "part file while in flight");
	dl_cancel(h);
	cr_assert_neq(access(part, F_OK), 0, "part file removed on cancel");
	cr_assert_eq(loop_busy(), 0);
	for (int i = 0; i < 3; i++)
		uv_run(loop_get(), UV_RUN_NOWAIT);
	cr_assert_eq(c.calls, 0, "no callback after cancel");
	cr_assert_eq(rmdir(dir), 0);
	free(part);
	free(path);
	free(dir);
	free(url);
}

Test(http, download_into_a_missing_directory_fails_later)
{
	struct http_opts o = {.url = "http://127.0.0.1:9/x"};
	struct dlcall c = {0};
	struct dl_opts d = {.done = t_dl_done, .arg = &c};
	dl_start(&o, "/nonexistent/mlc/dir/file", &d);
	cr_assert_eq(c.calls, 0);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_ERR_IO, "%s", c.msg);
	cr_assert_not_null(strstr(c.msg, "cannot create"), "%s", c.msg);
}

/* ---- http_err: the one mapping from an answer to an error ------------------- */

Test(http, err_mapping_codes_and_messages)
{
	struct mlc_err e;
	const char mlf[] = "{\"error_code\": \"UNAUTHENTICATED\", \"message\": \"You are not "
			   "authenticated.\\nPlease log in\"}";
	struct http_answer a = {.status = 401,
				.path = "/api/2.0/mlflow/experiments/search",
				.body = mlf,
				.len = sizeof mlf - 1};
	cr_assert_eq(http_err_set(&e, "mlflow", &a), -MLC_ERR_AUTH);
	cr_assert_eq(e.detail, 401);
	cr_assert_str_eq(e.msg, "mlflow: HTTP 401 from /api/2.0/mlflow/experiments/search: "
				"UNAUTHENTICATED: You are not authenticated.");
	const char fastapi[] = "{\"detail\": [{\"loc\": [\"body\"], \"msg\": \"field required\"}]}";
	struct http_answer f = {
	    .status = 422, .path = "/api/flows", .body = fastapi, .len = sizeof fastapi - 1};
	http_err_set(&e, NULL, &f);
	cr_assert_eq(e.code, MLC_ERR_HTTP);
	cr_assert_str_eq(e.msg, "HTTP 422 from /api/flows: field required");
	struct http_answer r = {.status = 302, .path = "/api/x", .location = "https://sso/login"};
	http_err_set(&e, NULL, &r);
	cr_assert_str_eq(e.msg, "HTTP 302 redirect to https://sso/login not followed (/api/x)");
	struct http_answer s = {.status = 503, .path = "/health"};
	http_err_set(&e, NULL, &s);
	cr_assert_str_eq(e.msg, "HTTP 503 from /health: Service Unavailable");
	const char text[] = "\x1b]0;pwned\x07 upstream connect error\nsecond line";
	struct http_answer t = {.status = 502, .path = "/", .body = text, .len = sizeof text - 1};
	http_err_set(&e, NULL, &t);
	cr_assert_null(strchr(e.msg, '\x1b'), "ESC is shown, never sent: %s", e.msg);
	cr_assert_null(strstr(e.msg, "second line"), "%s", e.msg);
	cr_assert_not_null(strstr(e.msg, "upstream connect error"), "%s", e.msg);
}
