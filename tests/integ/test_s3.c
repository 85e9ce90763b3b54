/* tests/integ/test_s3.c — lib/s3/s3.c through lib/http against the stack's real
 * @20minutes/s3rver, which verifies SigV4 ($MLC_STACK_DIR/env: S3_PORT,
 * S3_ACCESS_KEY, S3_SECRET_KEY): ListObjectsV2 with a delimiter and page by
 * page with continuation tokens, HeadObject and a Range GET of a key with
 * spaces, '+' and '=', and a wrong secret refused with SignatureDoesNotMatch. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/config.h"
#include "lib/core/http.h"
#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/s3/s3.h"
#include "lib/core/util.h"
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
	/* tests/stack/s3seed.py pins the seeded objects' dates: this key's is
	 * 2026-11-10 00:17:00 UTC. */
	cr_assert_eq(h.last_modified_ms, 1794269820000LL, "%lld", (long long)h.last_modified_ms);
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

/* ---- lib/s3c: the client on the loop ------------------------------------- */

#include <unistd.h>

#include "lib/s3/s3c.h"

struct res {
	volatile bool done;
	int calls;
	struct mlc_err err;
	bool failed;
	/* list */
	char **keys;
	size_t nkeys;
	char **prefixes;
	size_t nprefixes;
	int pages;
	long stopped_at;
	/* head / get / transfers */
	struct s3_head head;
	char meta[256];
	struct buf data;
	int64_t object_size;
	int64_t bytes;
	size_t deleted, del_failed;
	int progress_calls;
	/* buckets */
	bool saw_mlflow, saw_data;
	int64_t data_created;
};

static void res_err(struct res *r, const struct mlc_err *err)
{
	r->calls++;
	r->done = true;
	if (err) {
		r->failed = true;
		r->err = *err;
	}
}

static void res_free(struct res *r)
{
	for (size_t i = 0; i < r->nkeys; i++)
		free(r->keys[i]);
	free(r->keys);
	for (size_t i = 0; i < r->nprefixes; i++)
		free(r->prefixes[i]);
	free(r->prefixes);
	buf_free(&r->data);
	memset(r, 0, sizeof *r);
}

static void wait_res(struct res *r)
{
	cr_assert(stackenv_run_until(&r->done, WAIT_MS), "no answer in %d ms", WAIT_MS);
	cr_assert_eq(r->calls, 1, "callback ran %d times", r->calls);
}

static void on_buckets(const struct s3_bucket *b, size_t n, const struct mlc_err *err, void *arg)
{
	struct res *r = arg;
	for (size_t i = 0; i < n; i++) {
		r->saw_mlflow |= strcmp(b[i].name, "mlflow") == 0;
		if (strcmp(b[i].name, "data") == 0) {
			r->saw_data = true;
			r->data_created = b[i].created_ms;
		}
	}
	res_err(r, err);
}

static bool on_page(const struct s3_list_page *pg, bool last, const struct mlc_err *err, void *arg)
{
	struct res *r = arg;
	if (pg) {
		r->pages++;
		r->stopped_at = pg->stopped_at;
		for (size_t i = 0; i < pg->nobjects; i++) {
			r->keys = xrealloc(r->keys, (r->nkeys + 1) * sizeof *r->keys);
			r->keys[r->nkeys++] = xstrdup(pg->objects[i].key);
		}
		for (size_t i = 0; i < pg->nprefixes; i++) {
			r->prefixes =
			    xrealloc(r->prefixes, (r->nprefixes + 1) * sizeof *r->prefixes);
			r->prefixes[r->nprefixes++] = xstrdup(pg->prefixes[i]);
		}
	}
	if (last)
		res_err(r, err);
	return true;
}

static void on_head(const struct s3_head *h, const struct mlc_err *err, void *arg)
{
	struct res *r = arg;
	if (h) {
		r->head = *h;
		r->head.meta = NULL;
		for (char **m = h->meta; m && *m; m++)
			snprintf(r->meta, sizeof r->meta, "%s", *m);
	}
	res_err(r, err);
}

static void on_data(const struct s3c_data *d, const struct mlc_err *err, void *arg)
{
	struct res *r = arg;
	if (d) {
		buf_append(&r->data, d->data, d->len);
		r->object_size = d->object_size;
	}
	res_err(r, err);
}

static void on_progress(int64_t now, int64_t total, void *arg)
{
	((struct res *)arg)->progress_calls++;
}

static void on_transfer(int64_t bytes, const struct mlc_err *err, void *arg)
{
	struct res *r = arg;
	r->bytes = bytes;
	res_err(r, err);
}

static void on_deleted(size_t deleted, size_t failed, const struct mlc_err *err, void *arg)
{
	struct res *r = arg;
	r->deleted = deleted;
	r->del_failed = failed;
	res_err(r, err);
}

static void on_err(const struct mlc_err *err, void *arg)
{
	res_err(arg, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

Test(s3rver, s3c_list_buckets_with_dates)
{
	struct target t = stack_target(NULL);
	struct res r = {0};
	s3c_list_buckets(&t, on_buckets, &r);
	cr_assert_eq(r.calls, 0, "never inside the call");
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	cr_assert(r.saw_mlflow && r.saw_data);
	/* pinned by tests/stack/s3seed.py (s3rver.js reports it): 2026-10-05 08:30 UTC */
	cr_assert_eq(r.data_created, 1791189000000LL, "%lld", (long long)r.data_created);
	free(t.url);
}

/* Keys a console meets: spaces, + = %, unicode, a '/' tree, and control
 * characters (ESC, BEL) that XML cannot carry. Each is uploaded, listed
 * page by page (continuation tokens) and with a delimiter, read back by
 * HEAD, ranged GET and download, then deleted through DeleteObjects: every
 * request must be accepted by the signature-verifying server. The test
 * prefix carries the pid, so reruns never meet an earlier run's keys. */
Test(s3rver, s3c_awkward_keys_round_trip)
{
	struct target t = stack_target(NULL);
	char prefix[64];
	snprintf(prefix, sizeof prefix, "itest-%d/", (int)getpid());
	static const char *const names[] = {
	    "plain.txt",
	    "with space.txt",
	    "a+b=c.txt",
	    "100% done.txt",
	    "caf\xc3\xa9 \xc3\xbc"
	    "ber/r\xc3\xa9sum\xc3\xa9.txt",
	    "\xe6\x97\xa5\xe6\x9c\xac/\xe3\x83\x87.json",
	    "emoji \xf0\x9f\x9a\x80.txt",
	    "deep/er/still/x.bin",
	    "evil\x1b[2Jname.txt",
	    "bell\x07.txt",
	    "tilde~dash-under_score.dot",
	    /* not & < > ' ": s3rver 5 escapes them twice in listings (an s3rver bug;
	     * the <Delete> body's escaping is unit-tested) */
	};
	size_t n = ARRAY_LEN(names);
	char path[] = "/tmp/mlc-s3c-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	static const char content[] = "0123456789 hello from lib/s3c\n";
	cr_assert_eq(write(fd, content, sizeof content - 1), (ssize_t)(sizeof content - 1));
	close(fd);
	char *keys[ARRAY_LEN(names)];
	for (size_t i = 0; i < n; i++) {
		keys[i] = xasprintf("%s%s", prefix, names[i]);
		struct res r = {0};
		s3c_put_file(&t, "data", keys[i], path, on_progress, on_transfer, &r);
		wait_res(&r);
		cr_assert_not(r.failed, "put %s: %s", names[i], r.err.msg);
		cr_assert_eq(r.bytes, (int64_t)(sizeof content - 1));
	}
	/* every key back, two per page */
	struct res r = {0};
	s3c_list(&t, "data", &(struct s3c_list_opts){.prefix = prefix, .max_keys = 2}, on_page, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	cr_assert_eq(r.nkeys, n, "%zu keys listed", r.nkeys);
	cr_assert_geq(r.pages, (int)(n + 1) / 2);
	char *want[ARRAY_LEN(names)];
	memcpy(want, keys, sizeof want);
	qsort(want, n, sizeof *want, cmp_str);
	qsort(r.keys, r.nkeys, sizeof *r.keys, cmp_str);
	for (size_t i = 0; i < n; i++)
		cr_assert_str_eq(r.keys[i], want[i]);
	res_free(&r);
	/* with the delimiter: folders first-level only */
	s3c_list(&t, "data", &(struct s3c_list_opts){.prefix = prefix, .delimiter = "/"}, on_page,
		 &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	cr_assert_eq(r.nprefixes, 3, "café über/, 日本/, deep/: %zu", r.nprefixes);
	cr_assert_eq(r.nkeys, n - 3);
	res_free(&r);
	/* HEAD, a range, a download of the hostile key */
	s3c_head(&t, "data", keys[8], on_head, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	cr_assert_eq(r.head.content_length, (int64_t)(sizeof content - 1));
	res_free(&r);
	s3c_get(&t, "data", keys[8], 11, 15, 0, on_data, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	cr_assert_eq(r.data.len, 5);
	cr_assert_eq(memcmp(r.data.data, "hello", 5), 0);
	cr_assert_eq(r.object_size, (int64_t)(sizeof content - 1));
	res_free(&r);
	char *dest = xasprintf("%s.down", path);
	unlink(dest);
	s3c_download(&t, "data", keys[4], dest, false, on_progress, on_transfer, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	FILE *f = fopen(dest, "rb");
	cr_assert_not_null(f);
	char got[128] = "";
	size_t gl = fread(got, 1, sizeof got, f);
	fclose(f);
	cr_assert_eq(gl, sizeof content - 1);
	cr_assert_eq(memcmp(got, content, gl), 0);
	res_free(&r);
	/* downloading again refuses to replace the file */
	s3c_download(&t, "data", keys[4], dest, false, NULL, on_transfer, &r);
	wait_res(&r);
	cr_assert(r.failed);
	cr_assert_not_null(strstr(r.err.msg, "exists"), "%s", r.err.msg);
	res_free(&r);
	unlink(dest);
	free(dest);
	/* DeleteObjects (XML-safe keys in one batch, ESC and BEL one by one) */
	s3c_delete_keys(&t, "data", (const char *const *)keys, n, NULL, on_deleted, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	cr_assert_eq(r.deleted, n);
	cr_assert_eq(r.del_failed, 0);
	res_free(&r);
	s3c_list(&t, "data", &(struct s3c_list_opts){.prefix = prefix}, on_page, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	cr_assert_eq(r.nkeys, 0, "all deleted, %zu left", r.nkeys);
	res_free(&r);
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	unlink(path);
	free(t.url);
}

Test(s3rver, s3c_single_delete_and_missing_things_named)
{
	struct target t = stack_target(NULL);
	char path[] = "/tmp/mlc-s3c-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_eq(write(fd, "x", 1), 1);
	close(fd);
	char key[64];
	snprintf(key, sizeof key, "itest-%d/one more.txt", (int)getpid());
	struct res r = {0};
	s3c_put_file(&t, "data", key, path, NULL, on_transfer, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	res_free(&r);
	s3c_delete(&t, "data", key, on_err, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	res_free(&r);
	s3c_head(&t, "data", key, on_head, &r);
	wait_res(&r);
	cr_assert(r.failed);
	cr_assert_eq(r.err.code, MLC_ERR_NOTFOUND);
	cr_assert_not_null(strstr(r.err.msg, "s3://data/itest-"), "%s", r.err.msg);
	res_free(&r);
	s3c_get(&t, "data", key, 0, 10, 0, on_data, &r);
	wait_res(&r);
	cr_assert(r.failed);
	cr_assert_not_null(strstr(r.err.msg, "NoSuchKey"), "%s", r.err.msg);
	res_free(&r);
	s3c_list(&t, "no-such-bucket-here", &(struct s3c_list_opts){.delimiter = "/"}, on_page, &r);
	wait_res(&r);
	cr_assert(r.failed);
	cr_assert_not_null(strstr(r.err.msg, "NoSuchBucket"), "%s", r.err.msg);
	cr_assert_not_null(strstr(r.err.msg, "s3://no-such-bucket-here"), "%s", r.err.msg);
	res_free(&r);
	/* upload of a missing file: reported later, names the file */
	s3c_put_file(&t, "data", key, "/nonexistent/file", NULL, on_transfer, &r);
	cr_assert_eq(r.calls, 0);
	wait_res(&r);
	cr_assert(r.failed);
	cr_assert_not_null(strstr(r.err.msg, "/nonexistent/file"), "%s", r.err.msg);
	res_free(&r);
	unlink(path);
	free(t.url);
}

Test(s3rver, s3c_hostile_seed_key_lists_raw)
{
	struct target t = stack_target(NULL);
	struct res r = {0};
	s3c_list(&t, "data", &(struct s3c_list_opts){.prefix = "hostile/"}, on_page, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	cr_assert_eq(r.nkeys, 1);
	cr_assert_str_eq(r.keys[0], "hostile/metrics\x1b[2Jevil.txt");
	res_free(&r);
	/* and the whole bucket, page by page of 50, in one walk */
	s3c_list(&t, "data", &(struct s3c_list_opts){.max_keys = 50}, on_page, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	cr_assert_gt(r.nkeys, 250);
	cr_assert_geq(r.pages, (int)(r.nkeys / 50));
	res_free(&r);
	free(t.url);
}

/* Issue 8 item 17: a walk stops at its cap with more on the server and says
 * where; without a cap the same walk lists everything. */
Test(s3rver, s3c_list_stops_at_its_row_cap)
{
	struct target t = stack_target(NULL);
	struct res all = {0};
	s3c_list(&t, "data", &(struct s3c_list_opts){.max_keys = 3}, on_page, &all);
	wait_res(&all);
	cr_assert_not(all.failed, "%s", all.err.msg);
	cr_assert_gt(all.nkeys, 7, "the seeded bucket has more than 7 keys (%zu)", all.nkeys);
	cr_assert_eq(all.stopped_at, 0);
	struct res r = {0};
	s3c_list(&t, "data", &(struct s3c_list_opts){.max_keys = 3, .max_rows = 5}, on_page, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	cr_assert_eq(r.nkeys, 6, "two pages of 3, then stopped: %zu", r.nkeys);
	cr_assert_eq(r.stopped_at, 6);
	res_free(&r);
	s3c_list(&t, "data", &(struct s3c_list_opts){.max_keys = 3, .max_bytes = 1}, on_page, &r);
	wait_res(&r);
	cr_assert_eq(r.nkeys, 3, "the byte cap stops after the first page");
	cr_assert_eq(r.stopped_at, 3);
	res_free(&r);
	res_free(&all);
	free(t.url);
}

/* Issue 8 item 15: a key holding S3_KEY_NUL (a NUL in a listed key) is
 * refused by every call that would act on it, from the loop, and nothing
 * is sent. */
Test(s3rver, s3c_refuses_a_key_holding_a_nul)
{
	struct target t = stack_target(NULL);
	const char *key = "hostile/a\xff.txt";
	const char *keys[] = {"ok-key", key};
	unsigned long before = http_requests_started();
	struct res d = {0}, x = {0}, h = {0}, m = {0}, l = {0};
	s3c_delete(&t, "data", key, on_err, &d);
	s3c_delete_keys(&t, "data", keys, 2, NULL, on_deleted, &x);
	s3c_head(&t, "data", key, on_head, &h);
	s3c_download(&t, "data", key, "/nonexistent/never-written", false, NULL, on_transfer, &m);
	s3c_list(&t, "data", &(struct s3c_list_opts){.prefix = "hostile/a\xff"}, on_page, &l);
	cr_assert_not(d.done || x.done || h.done || m.done || l.done,
		      "called back inside the call");
	struct res *all[] = {&d, &x, &h, &m, &l};
	for (size_t i = 0; i < ARRAY_LEN(all); i++) {
		wait_res(all[i]);
		cr_assert(all[i]->failed);
		cr_assert_eq(all[i]->err.code, MLC_ERR_USAGE, "%s", all[i]->err.msg);
		cr_assert_not_null(strstr(all[i]->err.msg, "holds a NUL byte"), "%s",
				   all[i]->err.msg);
	}
	cr_assert_eq(x.deleted, 0, "not even the good key of the batch");
	cr_assert_eq(http_requests_started(), before, "nothing was sent");
	res_free(&l);
	free(t.url);
}

/* Issue 8 item 12: every request that changes the store leaves one audit
 * line in the log file — the target, the exact request, its result —: an
 * upload, a DeleteObject, and each DeleteObjects batch (1,001 keys: two). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	struct buf b;
	buf_init(&b);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return buf_steal(&b);
}

Test(s3rver, s3c_writes_leave_audit_lines)
{
	char dir[] = "/tmp/mlc-audit-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char *logf = xasprintf("%s/mlconsole.log", dir);
	log_open(logf, 16);
	struct target t = stack_target(NULL);
	char *path = xasprintf("%s/up.txt", dir);
	FILE *f = fopen(path, "w");
	fputs("audit me", f);
	fclose(f);
	char key[64];
	snprintf(key, sizeof key, "itest-%d/audit.txt", (int)getpid());
	struct res r = {0};
	s3c_put_file(&t, "data", key, path, NULL, on_transfer, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	res_free(&r);
	s3c_delete(&t, "data", key, on_err, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	res_free(&r);
	size_t n = 1001;
	char **keys = xcalloc(n, sizeof *keys);
	for (size_t i = 0; i < n; i++)
		keys[i] = xasprintf("itest-%d/gone-%04zu", (int)getpid(), i);
	s3c_delete_keys(&t, "data", (const char *const *)keys, n, NULL, on_deleted, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	res_free(&r);
	log_close();
	char *text = slurp(logf);
	char *want = xasprintf("audit s3: PUT s3://data/%s from %s -> 200, 8 bytes", key, path);
	cr_assert_not_null(strstr(text, want), "no '%s' in:\n%s", want, text);
	free(want);
	want = xasprintf("audit s3: DELETE s3://data/%s -> 204", key);
	cr_assert_not_null(strstr(text, want), "no '%s' in:\n%s", want, text);
	free(want);
	want = xasprintf("audit s3: POST s3://data?delete (DeleteObjects, 1000 keys: %s .. %s) -> "
			 "1000 deleted, 0 failed",
			 keys[0], keys[999]);
	cr_assert_not_null(strstr(text, want), "no '%s' in:\n%s", want, text);
	free(want);
	want = xasprintf("audit s3: POST s3://data?delete (DeleteObjects, 1 keys: %s .. %s) -> "
			 "1 deleted, 0 failed",
			 keys[1000], keys[1000]);
	cr_assert_not_null(strstr(text, want), "no '%s' in:\n%s", want, text);
	free(want);
	free(text);
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	unlink(path);
	unlink(logf);
	rmdir(dir);
	free(path);
	free(logf);
	free(t.url);
}
