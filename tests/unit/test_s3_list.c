/* tests/unit/test_s3_list.c — lib/s3/s3.c's ListObjectsV2 side: the streaming
 * parser on every captured list-objects page (whole, and in 1- and 7-byte
 * chunks, with identical results), hostile pages (truncated, DOCTYPE and
 * entities, huge keys, ESC in keys), EncodingType url, the canonical list
 * query, HeadObject headers and the Range request. */
#include "lib/s3/s3.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/core/config.h"
#include "fixture.h"
#include "lib/core/util.h"

#define LIT(s) s, sizeof(s) - 1

/* Parses body fed in chunks of `step` bytes (0: whole); returns rc and, when
 * it parsed, a text dump of the page in *dump (caller frees). */
static int parse_chunked(const char *body, size_t len, size_t step, char **dump,
			 struct mlc_err *err)
{
	struct s3_list_parser *p = s3_list_parser_new();
	int rc = 0;
	if (step == 0) {
		rc = s3_list_feed(p, body, len, 1, err);
	} else {
		for (size_t off = 0; rc == 0 && off < len; off += step) {
			size_t n = len - off < step ? len - off : step;
			rc = s3_list_feed(p, body + off, n, 0, err);
		}
		if (rc == 0)
			rc = s3_list_feed(p, "", 0, 1, err);
	}
	*dump = NULL;
	if (rc == 0) {
		const struct s3_list_page *pg = s3_list_result(p);
		struct buf b;
		buf_init(&b);
		buf_printf(&b, "trunc=%d next=%s kc=%ld enc=%d\n", pg->is_truncated,
			   pg->next_token ? pg->next_token : "(null)", pg->key_count,
			   pg->url_encoded);
		for (size_t i = 0; i < pg->nobjects; i++) {
			const struct s3_object *o = &pg->objects[i];
			buf_printf(&b, "O %s|%lld|%lld|%s|%s\n", o->key, (long long)o->size,
				   (long long)o->last_modified_ms, o->etag, o->storage_class);
		}
		for (size_t i = 0; i < pg->nprefixes; i++)
			buf_printf(&b, "P %s\n", pg->prefixes[i]);
		*dump = buf_steal(&b);
	}
	s3_list_parser_free(p);
	return rc;
}

static char *parse_all_ways(const char *path)
{
	size_t len;
	char *body = fixture_read(path, &len);
	struct mlc_err err;
	mlc_err_clear(&err);
	char *whole, *one, *seven;
	cr_assert_eq(parse_chunked(body, len, 0, &whole, &err), 0, "%s: %s", path, err.msg);
	cr_assert_eq(parse_chunked(body, len, 1, &one, &err), 0, "%s: %s", path, err.msg);
	cr_assert_eq(parse_chunked(body, len, 7, &seven, &err), 0, "%s: %s", path, err.msg);
	cr_assert_str_eq(one, whole, "%s 1-byte chunks", path);
	cr_assert_str_eq(seven, whole, "%s 7-byte chunks", path);
	free(one);
	free(seven);
	free(body);
	return whole;
}

Test(s3_list, every_fixture_chunked_identical)
{
	static const char *const files[] = {
	    "tests/fixtures/s3/s3rver/list-objects-v2-encoding-url.xml",
	    "tests/fixtures/s3/s3rver/list-objects-v2-maxkeys2-page1.xml",
	    "tests/fixtures/s3/s3rver/list-objects-v2-maxkeys2-page2.xml",
	    "tests/fixtures/s3/s3rver/list-objects-v2-prefix-delimiter-maxkeys1.xml",
	    "tests/fixtures/s3/s3rver/list-objects-v2-prefix-delimiter.xml",
	    "tests/fixtures/s3/s3rver/list-objects-v2-root-delimiter.xml",
	    "tests/fixtures/s3/s3rver/list-objects-v2-start-after.xml",
	    "tests/fixtures/s3/s3rver/list-objects-v1-marker.xml",
	    "tests/fixtures/s3/s3rver-20minutes-5.0.0/list-objects-v2-root-delimiter.xml",
	    "tests/fixtures/s3/minio/list-objects-v2-fetch-owner.xml",
	    "tests/fixtures/s3/minio/list-objects-v2-truncated.xml",
	};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		free(parse_all_ways(files[i]));
}

Test(s3_list, s3rver_page1_fields)
{
	char *d = parse_all_ways("tests/fixtures/s3/s3rver/list-objects-v2-maxkeys2-page1.xml");
	cr_assert_str_eq(
	    d,
	    "trunc=1 next=1/0g9ynk7cW2Tm5b5Xgn+0QFm4FiMAGgmoG7249ePzkIgRiZkEn0EIZMdWXRsOlMUGjxkLsq"
	    "pOk0vGJRedTI8w== kc=2 enc=0\n"
	    "O README.md|29|1795456039000|\"456dadb8afb33c1b16c1d7dcab113c4a\"|STANDARD\n"
	    "O models/bert/v1/model.bin|29|1795456034000|\"456dadb8afb33c1b16c1d7dcab113c4a\"|"
	    "STANDARD\n");
	free(d);
}

Test(s3_list, s3rver5_root_delimiter_prefixes)
{
	char *d = parse_all_ways(
	    "tests/fixtures/s3/s3rver-20minutes-5.0.0/list-objects-v2-root-delimiter.xml");
	cr_assert_str_eq(d,
			 "trunc=0 next=(null) kc=1 enc=0\n"
			 "O top.txt|3|1795456375000|\"764efa883dda1e11db47671c4a3bbd9e\"|STANDARD\n"
			 "P a/\n");
	free(d);
}

Test(s3_list, minio_numeric_entities_and_token)
{
	char *d = parse_all_ways("tests/fixtures/s3/minio/list-objects-v2-truncated.xml");
	cr_assert(strstr(d, "trunc=1 next=cm8tcHJlZml4L3cxMF8xODI3XzQ2Mi5iaW5bbWluaW9fY2FjaGU6djIs"
			    "cmV0dXJuOl0= kc=3 enc=0\n"));
	cr_assert(strstr(d,
			 "O ro-prefix/a.txt|32|1783487861235|\"ceb0af67cd0aa67b448930821fb4d13d\"|"
			 "STANDARD\n"));
	free(d);
}

Test(s3_list, encoding_type_url_decoded_only_when_declared)
{
	/* s3rver ignores encoding-type: the key arrives raw and stays raw. */
	char *d = parse_all_ways("tests/fixtures/s3/s3rver/list-objects-v2-encoding-url.xml");
	cr_assert(strstr(d, "O with space/a+b=c.txt|29|"));
	free(d);
	const char doc[] =
	    "<ListBucketResult><EncodingType>url</EncodingType>"
	    "<Contents><Key>with%20space/a%2Bb%3Dc%25.txt</Key><Size>1</Size></Contents>"
	    "<CommonPrefixes><Prefix>d%C3%A9j%C3%A0/</Prefix></CommonPrefixes>"
	    "<IsTruncated>false</IsTruncated></ListBucketResult>";
	struct mlc_err err;
	char *a, *b;
	cr_assert_eq(parse_chunked(LIT(doc), 0, &a, &err), 0, "%s", err.msg);
	cr_assert_eq(parse_chunked(LIT(doc), 1, &b, &err), 0, "%s", err.msg);
	cr_assert_str_eq(a, b);
	cr_assert(strstr(a, "enc=1"));
	cr_assert(strstr(a, "O with space/a+b=c%.txt|1|0||\n"), "%s", a);
	cr_assert(strstr(a, "P d\xc3\xa9j\xc3\xa0/\n"), "%s", a);
	free(a);
	free(b);
}

Test(s3_list, truncated_refused_at_every_cut)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/s3/minio/list-objects-v2-fetch-owner.xml", &len);
	for (size_t cut = 0; cut < len - 1; cut += 13) {
		struct mlc_err err;
		mlc_err_clear(&err);
		char *d;
		cr_assert_lt(parse_chunked(body, cut, 7, &d, &err), 0, "cut %zu", cut);
		cr_assert_eq(err.code, MLC_ERR_PARSE);
		cr_assert_null(d);
	}
	free(body);
}

Test(s3_list, doctype_and_entities_refused)
{
	const char *docs[] = {
	    "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
	    "\"&a;&a;&a;&a;&a;&a;&a;&a;\">]><ListBucketResult><Contents><Key>&b;</Key></Contents>"
	    "</ListBucketResult>",
	    "<?xml version=\"1.0\"?><!DOCTYPE l SYSTEM \"file:///etc/passwd\"><ListBucketResult/>",
	    "<ListBucketResult><Contents><Key>&undefined;</Key></Contents></ListBucketResult>",
	};
	for (size_t i = 0; i < 3; i++) {
		struct mlc_err err;
		mlc_err_clear(&err);
		char *d;
		cr_assert_lt(parse_chunked(docs[i], strlen(docs[i]), 1, &d, &err), 0, "doc %zu", i);
		cr_assert_eq(err.code, MLC_ERR_PARSE);
		if (i < 2)
			cr_assert(strstr(err.msg, "DOCTYPE refused"), "%s", err.msg);
	}
}

Test(s3_list, huge_key_refused_and_error_sticks)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "<ListBucketResult><Contents><Key>");
	for (int i = 0; i < 100000; i++)
		buf_puts(&b, "k");
	buf_puts(&b, "</Key></Contents></ListBucketResult>");
	struct s3_list_parser *p = s3_list_parser_new();
	struct mlc_err err;
	mlc_err_clear(&err);
	int rc = 0;
	for (size_t off = 0; rc == 0 && off < b.len; off += 4096)
		rc =
		    s3_list_feed(p, b.data + off, b.len - off < 4096 ? b.len - off : 4096, 0, &err);
	cr_assert_lt(rc, 0);
	cr_assert(strstr(err.msg, "longer than 8192"), "%s", err.msg);
	cr_assert_lt(s3_list_feed(p, "", 0, 1, &err), 0);
	s3_list_parser_free(p);
	buf_free(&b);
	/* A key at the cap is kept whole. */
	buf_init(&b);
	buf_puts(&b, "<ListBucketResult><Contents><Key>");
	for (int i = 0; i < S3_LIST_MAX_TEXT; i++)
		buf_puts(&b, "k");
	buf_puts(&b, "</Key></Contents></ListBucketResult>");
	p = s3_list_parser_new();
	cr_assert_eq(s3_list_feed(p, b.data, b.len, 1, &err), 0, "%s", err.msg);
	cr_assert_eq(strlen(s3_list_result(p)->objects[0].key), S3_LIST_MAX_TEXT);
	s3_list_parser_free(p);
	buf_free(&b);
}

Test(s3_list, esc_in_key_kept_raw)
{
	const char doc[] =
	    "<ListBucketResult><Contents><Key>evil\x1b[2Jkey</Key><Size>5</Size>"
	    "</Contents><CommonPrefixes><Prefix>p\x1b]0;t\x07/</Prefix></CommonPrefixes>"
	    "</ListBucketResult>";
	/* Raw control characters are not XML; character references to them are
	 * not either (XML 1.0) — both must fail cleanly, never crash. */
	struct mlc_err err;
	char *d;
	int rc = parse_chunked(LIT(doc), 7, &d, &err);
	if (rc == 0) {
		cr_assert(strstr(d, "O evil\x1b[2Jkey|5|"), "%s", d);
		free(d);
	} else {
		cr_assert_eq(err.code, MLC_ERR_PARSE);
	}
	/* With EncodingType url (how S3 and MinIO send such keys) the ESC comes
	 * back raw after decoding; showing it safely is the UI's job. */
	const char enc[] = "<ListBucketResult><EncodingType>url</EncodingType><Contents>"
			   "<Key>evil%1B%5B2Jkey</Key></Contents></ListBucketResult>";
	cr_assert_eq(parse_chunked(LIT(enc), 1, &d, &err), 0, "%s", err.msg);
	cr_assert(strstr(d, "O evil\x1b[2Jkey|-1|0||\n"), "%s", d);
	free(d);
}

/* Issue 8 item 15: %00 in a url-encoded key never becomes a truncated key
 * (which would name another object): the NUL is kept as S3_KEY_NUL and the
 * key marked not actionable. */
Test(s3_list, nul_in_an_encoded_key_is_marked_never_cut)
{
	const char enc[] = "<ListBucketResult><EncodingType>url</EncodingType><Contents>"
			   "<Key>d/report%00.csv.exe</Key></Contents><Contents><Key>d/report</Key>"
			   "</Contents><CommonPrefixes><Prefix>p%00q/</Prefix></CommonPrefixes>"
			   "</ListBucketResult>";
	struct s3_list_parser *p = s3_list_parser_new();
	struct mlc_err err;
	cr_assert_eq(s3_list_feed(p, LIT(enc), 1, &err), 0, "%s", err.msg);
	const struct s3_list_page *pg = s3_list_result(p);
	cr_assert_eq(pg->nobjects, 2);
	cr_assert_str_eq(pg->objects[0].key, "d/report\xff.csv.exe", "the whole key, NUL marked");
	cr_assert(pg->objects[0].key_nul);
	cr_assert_str_eq(pg->objects[1].key, "d/report");
	cr_assert_not(pg->objects[1].key_nul);
	cr_assert_str_eq(pg->prefixes[0], "p\xffq/");
	cr_assert(s3_key_refused("DeleteObject", "data", pg->objects[0].key, &err));
	cr_assert_eq(err.code, MLC_ERR_USAGE);
	cr_assert_not_null(strstr(err.msg, "refused: the key holds a NUL byte"), "%s", err.msg);
	cr_assert_not_null(strstr(err.msg, "s3://data/d/report\\xff.csv.exe"), "%s", err.msg);
	cr_assert_not(s3_key_refused("DeleteObject", "data", pg->objects[1].key, &err));
	s3_list_parser_free(p);
}

Test(s3_list, error_document_reported)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/s3/s3rver/error-nosuchbucket.xml", &len);
	struct mlc_err err;
	char *d;
	cr_assert_lt(parse_chunked(body, len, 7, &d, &err), 0);
	cr_assert_eq(err.code, MLC_ERR_PROTO);
	cr_assert(strstr(err.msg, "NoSuchBucket"), "%s", err.msg);
	free(body);
}

Test(s3_list, many_objects_grow)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "<ListBucketResult><KeyCount>1000</KeyCount>");
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "<Contents><Key>k/%04d</Key><Size>%d</Size></Contents>", i, i);
	buf_puts(&b, "</ListBucketResult>");
	struct s3_list_parser *p = s3_list_parser_new();
	struct mlc_err err;
	cr_assert_eq(s3_list_feed(p, b.data, b.len, 1, &err), 0, "%s", err.msg);
	const struct s3_list_page *pg = s3_list_result(p);
	cr_assert_eq(pg->nobjects, 1000);
	cr_assert_eq(pg->key_count, 1000);
	cr_assert_str_eq(pg->objects[999].key, "k/0999");
	cr_assert_eq(pg->objects[999].size, 999);
	s3_list_parser_free(p);
	buf_free(&b);
}

Test(s3_list, iso8601)
{
	cr_assert_eq(s3_parse_iso8601_ms("1970-01-01T00:00:01.5Z"), 1500);
	cr_assert_eq(s3_parse_iso8601_ms("2021-06-24T14:14:00.068Z"), 1624544040068LL);
	cr_assert_eq(s3_parse_iso8601_ms("garbage"), -1);
	cr_assert_eq(s3_parse_iso8601_ms("2026-13-01T00:00:00Z"), -1);
	cr_assert_eq(s3_parse_iso8601_ms("2026-11-21T09:46:12+01:00"), -1);
	cr_assert_eq(s3_parse_iso8601_ms("2024-02-29T23:59:59.999Z"), 1709251199999LL);
	cr_assert_eq(s3_parse_iso8601_ms("2000-03-01T00:00:00Z"), 951868800000LL);
}

/* The parser's own date arithmetic (no strptime/timegm on the hot path)
 * agrees with timegm on every day from 1970 to 2199 at odd times. */
Test(s3_list, iso8601_agrees_with_timegm)
{
	for (time_t t = 0; t < (time_t)7258118400LL; t += 86400 + 3661) {
		struct tm tm;
		gmtime_r(&t, &tm);
		char s[40];
		strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S.250Z", &tm);
		cr_assert_eq(s3_parse_iso8601_ms(s), (int64_t)t * 1000 + 250, "%s", s);
	}
}

/* ---- the list query ------------------------------------------------------- */

Test(s3_list, query_sorted_and_encoded)
{
	struct s3_list_opts o = {
	    .prefix = "with space/a+b=c%/d\xc3\xa9j\xc3\xa0",
	    .delimiter = "/",
	    .continuation_token = "1/0g9y+0QF==",
	    .start_after = "a b",
	    .max_keys = 2,
	};
	char *q = s3_list_query(&o);
	cr_assert_str_eq(q, "continuation-token=1%2F0g9y%2B0QF%3D%3D&delimiter=%2F&list-type=2&"
			    "max-keys=2&prefix=with%20space%2Fa%2Bb%3Dc%25%2Fd%C3%A9j%C3%A0&"
			    "start-after=a%20b");
	free(q);
	struct s3_list_opts plain = {.encoding_url = true};
	q = s3_list_query(&plain);
	cr_assert_str_eq(q, "encoding-type=url&list-type=2");
	free(q);
}

/* ---- HeadObject / Range GET ------------------------------------------------ */

Test(s3_list, head_headers)
{
	struct http_resp r = {
	    .status = 200,
	    .headers = "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 50\r\n"
		       "ETag: \"456dadb8afb33c1b16c1d7dcab113c4a\"\r\n"
		       "Last-Modified: Mon, 23 Nov 2026 17:47:19 GMT\r\n"
		       "X-Amz-Meta-Owner: team ml \r\nx-amz-meta-run: abc=1\r\n\r\n",
	};
	struct s3_head h;
	struct mlc_err err;
	cr_assert_eq(s3_parse_head(&r, &h, &err), 0, "%s", err.msg);
	cr_assert_str_eq(h.content_type, "text/csv");
	cr_assert_eq(h.content_length, 50);
	cr_assert_str_eq(h.etag, "\"456dadb8afb33c1b16c1d7dcab113c4a\"");
	cr_assert_eq(h.last_modified_ms, 1795456039000LL);
	cr_assert_eq(strv_len(h.meta), 2);
	cr_assert_str_eq(h.meta[0], "owner=team ml");
	cr_assert_str_eq(h.meta[1], "run=abc=1");
	s3_head_free(&h);
	r.status = 404;
	cr_assert_lt(s3_parse_head(&r, &h, &err), 0);
	cr_assert(strstr(err.msg, "no such key"), "%s", err.msg);
	s3_head_free(&h);
}

Test(s3_list, range_request)
{
	struct target t = {
	    .kind = TK_S3, .url = "http://127.0.0.1:4569/", .access_key = "A", .secret_key = "B"};
	struct http_opts o;
	const char *headers[5];
	struct s3_scratch sc;
	s3_get_range_opts(&t, "data", "with space/a+b=c.txt", 0, 65535, &o, headers, &sc);
	cr_assert_str_eq(o.url, "http://127.0.0.1:4569/data/with%20space/a%2Bb%3Dc.txt");
	cr_assert_str_eq(o.method, "GET");
	cr_assert_str_eq(headers[0], "x-amz-content-sha256: " S3_EMPTY_SHA256);
	cr_assert_str_eq(headers[1], "Range: bytes=0-65535");
	cr_assert_null(headers[2]);
	s3_scratch_free(&sc);
	s3_get_range_opts(&t, "data", "k", 10, -1, &o, headers, &sc);
	cr_assert_str_eq(headers[1], "Range: bytes=10-");
	s3_scratch_free(&sc);
}

Test(s3_list, list_request_urls)
{
	struct target t = {.kind = TK_S3, .url = "http://127.0.0.1:4569/"};
	struct http_opts o;
	const char *headers[5];
	struct s3_scratch sc;
	struct s3_list_opts lo = {.prefix = "a b/", .delimiter = "/"};
	s3_list_request_opts(&t, "data", &lo, &o, headers, &sc);
	cr_assert_str_eq(o.url,
			 "http://127.0.0.1:4569/data?delimiter=%2F&list-type=2&prefix=a%20b%2F");
	cr_assert_str_eq(o.method, "GET");
	s3_scratch_free(&sc);
	struct target vh = {
	    .kind = TK_S3, .url = "https://s3.eu-west-3.amazonaws.com", .virtual_host = true};
	s3_list_request_opts(&vh, "datasets", &lo, &o, headers, &sc);
	cr_assert_str_eq(o.url, "https://datasets.s3.eu-west-3.amazonaws.com/"
				"?delimiter=%2F&list-type=2&prefix=a%20b%2F");
	s3_scratch_free(&sc);
}

/* ---- hostile pages, continued ------------------------------------------------ */

/* Every prefix of a page shorter than its root's end tag is an error (never
 * a short listing), fed whole and byte by byte; every prefix that holds the
 * end tag parses to the whole page. Cuts fall inside tags, entities
 * (&#34;), the continuation token and multi-byte UTF-8. */
static void every_cut(const char *body, size_t len)
{
	const char *close = NULL;
	for (const char *p = strstr(body, "</ListBucketResult>"); p;
	     p = strstr(p + 1, "</ListBucketResult>"))
		close = p;
	cr_assert_not_null(close);
	size_t end = (size_t)(close - body) + strlen("</ListBucketResult>");
	char *whole;
	struct mlc_err err;
	cr_assert_eq(parse_chunked(body, len, 0, &whole, &err), 0, "%s", err.msg);
	for (size_t cut = 0; cut <= len; cut++) {
		for (size_t step = 0; step <= 1; step++) {
			char *d = NULL;
			mlc_err_clear(&err);
			int rc = parse_chunked(body, cut, step, &d, &err);
			if (cut < end) {
				cr_assert_lt(rc, 0, "cut at %zu of %zu (step %zu) parsed", cut, len,
					     step);
				cr_assert_eq(err.code, MLC_ERR_PARSE, "cut %zu: %s", cut, err.msg);
				cr_assert(strstr(err.msg, "malformed XML"), "cut %zu: %s", cut,
					  err.msg);
				cr_assert_null(d);
			} else {
				cr_assert_eq(rc, 0, "cut %zu: %s", cut, err.msg);
				cr_assert_str_eq(d, whole, "cut %zu", cut);
				free(d);
			}
		}
	}
	free(whole);
}

Test(s3_list, truncated_at_every_byte_offset)
{
	static const char *const files[] = {
	    "tests/fixtures/s3/minio/list-objects-v2-truncated.xml",
	    "tests/fixtures/s3/s3rver/list-objects-v2-maxkeys2-page1.xml",
	};
	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		size_t len;
		char *body = fixture_read(files[i], &len);
		every_cut(body, len);
		free(body);
	}
	const char utf8[] =
	    "<ListBucketResult><Contents><Key>caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac "
	    "\xf0\x9f\x9a\x80</Key><Size>1</Size></Contents><CommonPrefixes><Prefix>"
	    "\xc3\xa9t\xc3\xa9/</Prefix></CommonPrefixes></ListBucketResult>\n";
	every_cut(utf8, sizeof utf8 - 1);
}

/* Text longer than S3_LIST_MAX_TEXT is refused in any element, not only a
 * key: the token, an ETag, a prefix, an element the parser ignores, an
 * <Error>'s message; counted after entities are decoded; one byte over the
 * cap is enough. The refusal sticks. */
Test(s3_list, huge_text_refused_in_every_element)
{
	static const char *const around[][2] = {
	    {"<ListBucketResult><NextContinuationToken>", "</NextContinuationToken>"},
	    {"<ListBucketResult><Contents><Key>k</Key><ETag>", "</ETag></Contents>"},
	    {"<ListBucketResult><CommonPrefixes><Prefix>", "</Prefix></CommonPrefixes>"},
	    {"<ListBucketResult><Owner><DisplayName>", "</DisplayName></Owner>"},
	    {"<ListBucketResult><Contents><Key>", "</Key></Contents>"},
	};
	for (size_t i = 0; i < ARRAY_LEN(around) + 2; i++) {
		struct buf b;
		buf_init(&b);
		bool err_doc = i == ARRAY_LEN(around);
		bool entities = i == ARRAY_LEN(around) + 1;
		buf_puts(&b, err_doc	? "<Error><Code>SlowDown</Code><Message>"
			     : entities ? around[4][0]
					: around[i][0]);
		for (int c = 0; c < S3_LIST_MAX_TEXT + 1; c++)
			buf_puts(&b, entities ? "&amp;" : "x");
		buf_puts(&b, err_doc	? "</Message></Error>"
			     : entities ? around[4][1]
					: around[i][1]);
		if (!err_doc)
			buf_puts(&b, "</ListBucketResult>");
		for (size_t step = 0; step <= 4096; step += 4096) {
			struct mlc_err err;
			char *d;
			cr_assert_lt(parse_chunked(b.data, b.len, step, &d, &err), 0, "case %zu",
				     i);
			cr_assert_eq(err.code, MLC_ERR_PARSE, "case %zu: %s", i, err.msg);
			cr_assert(strstr(err.msg, "longer than 8192 bytes"), "case %zu: %s", i,
				  err.msg);
		}
		buf_free(&b);
	}
}

/* expat (2.5.0 here, before "reparse deferral") rescans a token it has not
 * finished each time more bytes come: one attribute, name or comment of
 * many megabytes fed as curl hands it over (16 KiB) costs time quadratic in
 * its size, on the loop's one thread (8 MiB: seconds; the 256 MiB a listing
 * may be: an hour). No S3 token is anywhere near S3_LIST_MAX_TOKEN: past it
 * the page is refused, long before the end of the document. */
Test(s3_list, huge_token_refused_early)
{
	static const char *const shapes[][2] = {
	    {"<ListBucketResult xmlns=\"",
	     "\"><IsTruncated>false</IsTruncated></ListBucketResult>"},
	    {"<ListBucketResult><", "/></ListBucketResult>"},
	    {"<ListBucketResult><!--", "--></ListBucketResult>"},
	    {"<ListBucketResult><?pi ", "?></ListBucketResult>"},
	    {"<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Contents "
	     "a=\"",
	     "\"><Key>k</Key></Contents></ListBucketResult>"},
	};
	const size_t big = 4u << 20, step = 16384;
	char *filler = xmalloc(big);
	memset(filler, 'x', big);
	for (size_t i = 0; i < ARRAY_LEN(shapes); i++) {
		struct buf b;
		buf_init(&b);
		buf_puts(&b, shapes[i][0]);
		buf_append(&b, filler, big);
		buf_puts(&b, shapes[i][1]);
		struct s3_list_parser *p = s3_list_parser_new();
		struct mlc_err err;
		mlc_err_clear(&err);
		int rc = 0;
		size_t off = 0;
		for (; rc == 0 && off < b.len; off += step)
			rc = s3_list_feed(p, b.data + off, MLC_MIN(step, b.len - off), 0, &err);
		cr_assert_lt(rc, 0, "shape %zu: a %zu-byte token accepted", i, big);
		cr_assert_eq(err.code, MLC_ERR_PARSE, "shape %zu: %s", i, err.msg);
		cr_assert(strstr(err.msg, "token longer than"), "shape %zu: %s", i, err.msg);
		cr_assert_leq(off, (size_t)S3_LIST_MAX_TOKEN + 2 * step + strlen(shapes[i][0]),
			      "shape %zu: refused only after %zu bytes", i, off);
		cr_assert_lt(s3_list_feed(p, "", 0, 1, &err), 0, "the refusal sticks");
		s3_list_parser_free(p);
		buf_free(&b);
	}
	free(filler);
	/* Many small tokens (comments, attributes) add up to no refusal. */
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "<?xml version=\"1.0\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/"
		     "doc/2006-03-01/\">");
	for (int i = 0; i < 20000; i++)
		buf_printf(&b, "<!-- %d --><Contents a=\"%d\"><Key>k%05d</Key></Contents>\n", i, i,
			   i);
	buf_puts(&b, "</ListBucketResult>");
	char *d;
	struct mlc_err err;
	cr_assert_eq(parse_chunked(b.data, b.len, 16384, &d, &err), 0, "%s", err.msg);
	cr_assert(strstr(d, "O k19999|"));
	free(d);
	buf_free(&b);
}

Test(s3_list, doctype_refused_in_any_shape)
{
	static const char *const docs[] = {
	    /* parameter entity pulling in a file */
	    "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>"
	    "<ListBucketResult/>",
	    /* external DTD over the network */
	    "<!DOCTYPE ListBucketResult PUBLIC \"-//x//y\" \"http://127.0.0.1:1/evil.dtd\">"
	    "<ListBucketResult/>",
	    /* entity in an attribute; comment and PI before the DOCTYPE */
	    "<!-- hi --><?pi x?><!DOCTYPE l [<!ENTITY e \"boom\">]><ListBucketResult a=\"&e;\"/>",
	    /* billion laughs, ten levels */
	    "<!DOCTYPE l [<!ENTITY l0 \"ha\"><!ENTITY l1 "
	    "\"&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;\">"
	    "<!ENTITY l2 \"&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;\"><!ENTITY l3 "
	    "\"&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;\">]><ListBucketResult><Contents><Key>&l3;"
	    "</Key></Contents></ListBucketResult>",
	};
	for (size_t i = 0; i < ARRAY_LEN(docs); i++) {
		for (size_t step = 0; step <= 3; step += 3) {
			struct mlc_err err;
			char *d;
			cr_assert_lt(parse_chunked(docs[i], strlen(docs[i]), step, &d, &err), 0,
				     "doc %zu", i);
			cr_assert_eq(err.code, MLC_ERR_PARSE);
			cr_assert(strstr(err.msg, "DOCTYPE refused"), "doc %zu: %s", i, err.msg);
		}
	}
	/* CDATA is text: an entity-looking string in it stays literal */
	const char cdata[] =
	    "<ListBucketResult><Contents><Key><![CDATA[&xxe;<b>]]></Key></Contents>"
	    "</ListBucketResult>";
	char *d;
	struct mlc_err err;
	cr_assert_eq(parse_chunked(LIT(cdata), 1, &d, &err), 0, "%s", err.msg);
	cr_assert(strstr(d, "O &xxe;<b>|-1|"), "%s", d);
	free(d);
}

static int parse_key(const char *doc, size_t len, size_t step, char **key, struct mlc_err *err)
{
	struct s3_list_parser *p = s3_list_parser_new();
	int rc = 0;
	if (step == 0) {
		rc = s3_list_feed(p, doc, len, 1, err);
	} else {
		for (size_t off = 0; rc == 0 && off < len; off += step)
			rc = s3_list_feed(p, doc + off, MLC_MIN(step, len - off), 0, err);
		if (rc == 0)
			rc = s3_list_feed(p, "", 0, 1, err);
	}
	*key = rc == 0 && s3_list_result(p)->nobjects == 1
		   ? xstrdup(s3_list_result(p)->objects[0].key)
		   : NULL;
	s3_list_parser_free(p);
	return rc;
}

/* XML 1.0 has no character references for C0 controls but TAB, LF and CR:
 * &#27; and its kin are refused with expat's own words, whole or chunked,
 * never a crash; &#9; &#10; &#13; come back as those bytes (a referenced CR
 * is not normalized away); C1 references are legal XML and come back as
 * UTF-8. Raw C0 bytes (s3rver writes them) survive byte for byte, each of
 * them. */
Test(s3_list, control_characters_in_keys)
{
	for (int c = 0; c < 0x20; c++) {
		for (int hex = 0; hex <= 1; hex++) {
			char doc[160];
			int n = snprintf(doc, sizeof doc,
					 hex ? "<ListBucketResult><Contents><Key>a&#x%X;b</Key>"
					       "</Contents></ListBucketResult>"
					     : "<ListBucketResult><Contents><Key>a&#%d;b</Key>"
					       "</Contents></ListBucketResult>",
					 c);
			for (size_t step = 0; step <= 2; step += 2) {
				char *key;
				struct mlc_err err;
				mlc_err_clear(&err);
				int rc = parse_key(doc, (size_t)n, step, &key, &err);
				if (c == '\t' || c == '\n' || c == '\r') {
					cr_assert_eq(rc, 0, "&#%d;: %s", c, err.msg);
					cr_assert_eq(strlen(key), 3);
					cr_assert_eq(key[1], c, "&#%d; came back as %d", c, key[1]);
					free(key);
				} else {
					cr_assert_lt(rc, 0, "&#%d; accepted", c);
					cr_assert_eq(err.code, MLC_ERR_PARSE);
					cr_assert(strstr(err.msg,
							 "reference to invalid character number"),
						  "&#%d;: %s", c, err.msg);
				}
			}
		}
	}
	const char c1[] = "<ListBucketResult><Contents><Key>csi&#x9B;x&#155;</Key></Contents>"
			  "</ListBucketResult>";
	char *key;
	struct mlc_err err;
	cr_assert_eq(parse_key(LIT(c1), 1, &key, &err), 0, "%s", err.msg);
	cr_assert_str_eq(key, "csi\xc2\x9bx\xc2\x9b");
	free(key);
	for (int c = 1; c < 0x20; c++) {
		if (c == '\r')
			continue; /* raw CR is line-end normalized by XML itself */
		char doc[160];
		int n = snprintf(doc, sizeof doc,
				 "<ListBucketResult><Contents><Key>a%cb%c</Key></Contents>"
				 "</ListBucketResult>",
				 c, c);
		for (size_t step = 0; step <= 1; step++) {
			cr_assert_eq(parse_key(doc, (size_t)n, step, &key, &err), 0, "raw %d: %s",
				     c, err.msg);
			char want[5] = {'a', (char)c, 'b', (char)c, 0};
			cr_assert_str_eq(key, want, "raw byte %d", c);
			free(key);
		}
	}
	/* invalid UTF-8 and a raw NUL: refused or carried, never a crash */
	const char bad[] = "<ListBucketResult><Contents><Key>a\xff\xfe</Key></Contents>"
			   "</ListBucketResult>";
	cr_assert_lt(parse_key(LIT(bad), 1, &key, &err), 0);
	cr_assert(strstr(err.msg, "malformed XML"), "%s", err.msg);
	const char nul[] = "<ListBucketResult><Contents><Key>a\0b</Key></Contents>"
			   "</ListBucketResult>";
	if (parse_key(nul, sizeof nul - 1, 1, &key, &err) == 0) {
		cr_assert_eq(strncmp(key, "a", 1), 0);
		free(key);
	}
}

/* The document declares its own encoding; the parser reads UTF-8 whatever
 * it says, so that a key's bytes never turn into another key. */
Test(s3_list, declared_encoding_ignored)
{
	const char doc[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><ListBucketResult>"
			   "<Contents><Key>caf\xc3\xa9</Key></Contents></ListBucketResult>";
	char *key;
	struct mlc_err err;
	cr_assert_eq(parse_key(LIT(doc), 0, &key, &err), 0, "%s", err.msg);
	cr_assert_str_eq(key, "caf\xc3\xa9");
	free(key);
}

/* MinIO's and S3's encoding-type=url writes a space as '+' (Go's
 * url.QueryEscape; botocore decodes with unquote_plus) and a '+' as %2B. */
Test(s3_list, encoding_url_plus_is_a_space)
{
	const char doc[] = "<ListBucketResult><EncodingType>url</EncodingType><Prefix>with+space%2F"
			   "</Prefix><Contents><Key>with+space/a%2Bb%3Dc+%25+d.txt</Key></Contents>"
			   "<CommonPrefixes><Prefix>with+space/sub+dir/</Prefix></CommonPrefixes>"
			   "</ListBucketResult>";
	char *d;
	struct mlc_err err;
	cr_assert_eq(parse_chunked(LIT(doc), 1, &d, &err), 0, "%s", err.msg);
	cr_assert(strstr(d, "O with space/a+b=c % d.txt|"), "%s", d);
	cr_assert(strstr(d, "P with space/sub dir/\n"), "%s", d);
	free(d);
	/* without EncodingType, a '+' is a '+' */
	const char raw[] =
	    "<ListBucketResult><Contents><Key>a+b</Key></Contents></ListBucketResult>";
	cr_assert_eq(parse_chunked(LIT(raw), 0, &d, &err), 0, "%s", err.msg);
	cr_assert(strstr(d, "O a+b|"), "%s", d);
	free(d);
}

/* <Error> documents: MinIO's, byte by byte, give their Code and Message;
 * a truncated one is malformed, not an error report; an <Error> inside a
 * listing is not one; a raw ESC in the message comes back as the byte. */
Test(s3_list, error_documents)
{
	static const char *const files[][3] = {
	    {"tests/fixtures/s3/minio/error-accessdenied.xml", "AccessDenied", "Access Denied."},
	    {"tests/fixtures/s3/minio/error-slowdownread-503.xml", "SlowDownRead",
	     "Resource requested is unreadable"},
	    {"tests/fixtures/s3/s3rver/error-nosuchkey.xml", "NoSuchKey", "does not exist"},
	};
	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		size_t len;
		char *body = fixture_read(files[i][0], &len);
		for (size_t step = 0; step <= 1; step++) {
			struct mlc_err err;
			char *d;
			cr_assert_lt(parse_chunked(body, len, step, &d, &err), 0);
			cr_assert_eq(err.code, MLC_ERR_PROTO, "%s: %s", files[i][0], err.msg);
			char want[120];
			snprintf(want, sizeof want, "s3 ListObjectsV2: %s: ", files[i][1]);
			cr_assert(str_starts(err.msg, want), "%s", err.msg);
			cr_assert(strstr(err.msg, files[i][2]), "%s", err.msg);
		}
		struct mlc_err err;
		char *d;
		cr_assert_lt(parse_chunked(body, len / 2, 1, &d, &err), 0);
		cr_assert_eq(err.code, MLC_ERR_PARSE, "half an <Error>: %s", err.msg);
		free(body);
	}
	const char nested[] =
	    "<ListBucketResult><Error><Code>X</Code></Error><Contents><Key>k</Key>"
	    "</Contents></ListBucketResult>";
	char *d;
	struct mlc_err err;
	cr_assert_eq(parse_chunked(LIT(nested), 0, &d, &err), 0, "%s", err.msg);
	free(d);
	const char esc[] =
	    "<Error><Code>Evil\x1b[2J</Code><Message>m\x1b]0;t\x07</Message></Error>";
	cr_assert_lt(parse_chunked(LIT(esc), 1, &d, &err), 0);
	cr_assert_eq(err.code, MLC_ERR_PROTO);
	cr_assert_str_eq(err.msg, "s3 ListObjectsV2: Evil\x1b[2J: m\x1b]0;t\x07");
}

/* A 200 answer that is XML but not a listing (a proxy's XHTML login page,
 * another operation's result) is an error, never an empty bucket. */
Test(s3_list, other_documents_are_not_empty_listings)
{
	static const char *const docs[] = {
	    "<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>Sign in</p></body></html>",
	    "<ListAllMyBucketsResult><Buckets><Bucket><Name>b</Name></Bucket></Buckets>"
	    "</ListAllMyBucketsResult>",
	    "<DeleteResult/>",
	};
	for (size_t i = 0; i < ARRAY_LEN(docs); i++) {
		for (size_t step = 0; step <= 1; step++) {
			struct mlc_err err;
			char *d;
			cr_assert_lt(parse_chunked(docs[i], strlen(docs[i]), step, &d, &err), 0,
				     "doc %zu parsed as a listing", i);
			cr_assert_eq(err.code, MLC_ERR_PROTO, "%s", err.msg);
			cr_assert(strstr(err.msg, "not a ListBucketResult"), "%s", err.msg);
		}
	}
}
