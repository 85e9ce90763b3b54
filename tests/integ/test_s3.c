/* tests/integ/test_s3.c — lib/s3.c through lib/http against the stack's real
 * @20minutes/s3rver, which verifies SigV4 ($MLC_STACK_DIR/env: S3_PORT,
 * S3_ACCESS_KEY, S3_SECRET_KEY): ListObjectsV2 with a delimiter and page by
 * page with continuation tokens, HeadObject and a Range GET of a key with
 * spaces, '+' and '=', and a wrong secret refused with SignatureDoesNotMatch. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/http.h"
#include "lib/loop.h"
#include "lib/s3.h"
#include "lib/util.h"
#include "stackenv.h"

#define WAIT_MS 20000
#define ODD_KEY "odd names/key=value/x+y z.parquet"

struct got {
	volatile bool done;
	int calls;
	long status;
	char *body;
	size_t body_len;
	char *headers;
	struct mlc_err err;
};

static void on_done(const struct http_resp *r, const struct mlc_err *err, void *arg)
{
	struct got *g = arg;
	g->calls++;
	g->done = true;
	if (err) {
		g->err = *err;
		return;
	}
	g->status = r->status;
	g->body = xmalloc(r->body_len + 1);
	memcpy(g->body, r->body ? r->body : "", r->body_len);
	g->body[r->body_len] = '\0';
	g->body_len = r->body_len;
	g->headers = xstrdup(r->headers ? r->headers : "");
}

static void got_free(struct got *g)
{
	free(g->body);
	free(g->headers);
	memset(g, 0, sizeof *g);
}

static struct target stack_target(const char *secret)
{
	const char *port = stackenv("S3_PORT");
	cr_assert_not_null(port, "S3_PORT missing from the stack env");
	struct target t = {
	    .name = "s3",
	    .kind = TK_S3,
	    .url = xasprintf("http://127.0.0.1:%s", port),
	    .access_key = (char *)stackenv("S3_ACCESS_KEY"),
	    .secret_key = (char *)(secret ? secret : stackenv("S3_SECRET_KEY")),
	    .region = "us-east-1",
	};
	return t;
}

/* Runs one request built by s3_request_opts (or a variant) to completion. */
static void run_req(struct http_opts *o, struct s3_scratch *sc, struct got *g)
{
	memset(g, 0, sizeof *g);
	struct http_req *r = http_request(o, on_done, g);
	s3_scratch_free(sc);
	cr_assert_not_null(r);
	cr_assert(stackenv_run_until(&g->done, WAIT_MS), "no answer in %d ms", WAIT_MS);
	cr_assert_eq(g->calls, 1);
	cr_assert_eq(g->err.code, MLC_OK, "%s", g->err.msg);
}

/* Lists one page; the response is fed to the streaming parser in 512-byte
 * chunks. Returns the parser (caller frees). */
static struct s3_list_parser *list_page(const struct target *t, const char *bucket,
					const struct s3_list_opts *lo)
{
	char *q = s3_list_query(lo);
	struct http_opts o;
	const char *headers[5];
	struct s3_scratch sc;
	s3_list_request_opts(t, bucket, lo, &o, headers, &sc);
	struct got g;
	run_req(&o, &sc, &g);
	char msg[256] = "";
	s3_parse_error(g.body, g.body_len, msg, sizeof msg);
	cr_assert_eq(g.status, 200, "GET ?%s → %ld %s", q, g.status, msg);
	struct s3_list_parser *p = s3_list_parser_new();
	struct mlc_err err;
	mlc_err_clear(&err);
	int rc = 0;
	for (size_t off = 0; rc == 0 && off < g.body_len; off += 512)
		rc = s3_list_feed(p, g.body + off, g.body_len - off < 512 ? g.body_len - off : 512,
				  0, &err);
	if (rc == 0)
		rc = s3_list_feed(p, "", 0, 1, &err);
	cr_assert_eq(rc, 0, "?%s: %s", q, err.msg);
	free(q);
	got_free(&g);
	return p;
}

static void fini(void)
{
	http_shutdown();
	loop_shutdown();
}

TestSuite(s3rver, .fini = fini);

Test(s3rver, list_data_root_with_delimiter)
{
	struct target t = stack_target(NULL);
	struct s3_list_parser *p = list_page(&t, "data", &(struct s3_list_opts){.delimiter = "/"});
	const struct s3_list_page *pg = s3_list_result(p);
	bool odd = false, raw = false, readme = false;
	for (size_t i = 0; i < pg->nprefixes; i++) {
		odd |= strcmp(pg->prefixes[i], "odd names/") == 0;
		raw |= strcmp(pg->prefixes[i], "raw/") == 0;
	}
	for (size_t i = 0; i < pg->nobjects; i++) {
		readme |= strcmp(pg->objects[i].key, "README.md") == 0;
		cr_assert_null(strchr(pg->objects[i].key, '/'), "%s", pg->objects[i].key);
	}
	cr_assert(odd && raw, "prefixes 'odd names/' and 'raw/' expected (%zu)", pg->nprefixes);
	cr_assert(readme);
	cr_assert_not(pg->is_truncated);
	s3_list_parser_free(p);
	free(t.url);
}

static size_t count_all(const struct target *t, const char *bucket, const char *prefix,
			int max_keys, size_t *pages)
{
	size_t n = 0;
	char *token = NULL;
	*pages = 0;
	for (;;) {
		struct s3_list_opts lo = {
		    .prefix = prefix, .max_keys = max_keys, .continuation_token = token};
		struct s3_list_parser *p = list_page(t, bucket, &lo);
		const struct s3_list_page *pg = s3_list_result(p);
		(*pages)++;
		n += pg->nobjects;
		free(token);
		token = pg->is_truncated && pg->next_token ? xstrdup(pg->next_token) : NULL;
		cr_assert(!pg->is_truncated || token, "truncated page without a token");
		s3_list_parser_free(p);
		if (!token)
			break;
		cr_assert_lt(*pages, 10000);
	}
	return n;
}

Test(s3rver, list_data_paginated_matches_unpaginated)
{
	struct target t = stack_target(NULL);
	size_t pages1, pagesN;
	size_t all = count_all(&t, "data", NULL, 0, &pages1);
	size_t paged = count_all(&t, "data", NULL, 7, &pagesN);
	cr_assert_gt(all, 50);
	cr_assert_eq(paged, all, "paginated %zu vs %zu", paged, all);
	cr_assert_geq(pagesN, all / 7, "%zu pages", pagesN);
	/* Tokens and prefixes with spaces, '+', '=' and unicode, paginated. */
	size_t odd_all = count_all(&t, "data", "odd names/", 0, &pages1);
	size_t odd_paged = count_all(&t, "data", "odd names/", 2, &pagesN);
	cr_assert_geq(odd_all, 8);
	cr_assert_eq(odd_paged, odd_all);
	cr_assert_geq(pagesN, 4);
	free(t.url);
}

Test(s3rver, list_start_after)
{
	struct target t = stack_target(NULL);
	struct s3_list_parser *p = list_page(
	    &t, "data",
	    &(struct s3_list_opts){.prefix = "odd names/", .start_after = "odd names/a+b=c.txt"});
	const struct s3_list_page *pg = s3_list_result(p);
	cr_assert_gt(pg->nobjects, 0);
	for (size_t i = 0; i < pg->nobjects; i++)
		cr_assert_gt(strcmp(pg->objects[i].key, "odd names/a+b=c.txt"), 0, "%s",
			     pg->objects[i].key);
	s3_list_parser_free(p);
	free(t.url);
}

Test(s3rver, list_mlflow_root_prefixes)
{
	struct target t = stack_target(NULL);
	struct s3_list_parser *p =
	    list_page(&t, "mlflow", &(struct s3_list_opts){.delimiter = "/", .max_keys = 1000});
	const struct s3_list_page *pg = s3_list_result(p);
	cr_assert_gt(pg->nprefixes, 0);
	for (size_t i = 0; i < pg->nprefixes; i++)
		cr_assert(str_ends(pg->prefixes[i], "/"), "%s", pg->prefixes[i]);
	s3_list_parser_free(p);
	free(t.url);
}

Test(s3rver, head_and_range_get_odd_key)
{
	struct target t = stack_target(NULL);
	struct http_opts o;
	const char *headers[5];
	struct s3_scratch sc;
	struct got g;
	s3_request_opts(&t, "HEAD", "data", ODD_KEY, NULL, &o, headers, &sc);
	run_req(&o, &sc, &g);
	struct http_resp r = {.status = g.status, .headers = g.headers};
	struct s3_head h;
	struct mlc_err err;
	cr_assert_eq(s3_parse_head(&r, &h, &err), 0, "%s", err.msg);
	const char content[] = "object " ODD_KEY "\n";
	cr_assert_eq(h.content_length, (int64_t)(sizeof content - 1));
	cr_assert(str_starts(h.content_type, "text/plain"), "%s", h.content_type);
	cr_assert_eq(h.etag[0], '"', "%s", h.etag);
	cr_assert_gt(h.last_modified_ms, 1600000000000LL);
	s3_head_free(&h);
	got_free(&g);

	s3_get_range_opts(&t, "data", ODD_KEY, 7, 16, &o, headers, &sc);
	run_req(&o, &sc, &g);
	cr_assert_eq(g.status, 206, "status %ld", g.status);
	cr_assert_eq(g.body_len, 10);
	cr_assert_eq(memcmp(g.body, content + 7, 10), 0, "%s", g.body);
	got_free(&g);

	s3_request_opts(&t, "HEAD", "data", "odd names/no such key", NULL, &o, headers, &sc);
	run_req(&o, &sc, &g);
	r = (struct http_resp){.status = g.status, .headers = g.headers};
	cr_assert_lt(s3_parse_head(&r, &h, &err), 0);
	cr_assert_eq(g.status, 404);
	s3_head_free(&h);
	got_free(&g);
	free(t.url);
}

Test(s3rver, wrong_secret_signature_does_not_match)
{
	struct target t = stack_target("not-the-secret");
	struct http_opts o;
	const char *headers[5];
	struct s3_scratch sc;
	s3_list_request_opts(&t, "data", &(struct s3_list_opts){.delimiter = "/"}, &o, headers,
			     &sc);
	struct got g;
	run_req(&o, &sc, &g);
	cr_assert_eq(g.status, 403);
	char msg[256];
	cr_assert_eq(s3_parse_error(g.body, g.body_len, msg, sizeof msg), 0, "%s", g.body);
	cr_assert(str_starts(msg, "SignatureDoesNotMatch"), "%s", msg);
	/* The streaming parser reports the same document as an error. */
	struct s3_list_parser *p = s3_list_parser_new();
	struct mlc_err err;
	cr_assert_lt(s3_list_feed(p, g.body, g.body_len, 1, &err), 0);
	cr_assert(strstr(err.msg, "SignatureDoesNotMatch"), "%s", err.msg);
	s3_list_parser_free(p);
	got_free(&g);
	free(t.url);
}
