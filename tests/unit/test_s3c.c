/* tests/unit/test_s3c.c — the pure pieces lib/s3c builds on: MD5 (the
 * Content-MD5 of DeleteObjects) on RFC 1321's vectors, the <Delete> body
 * (escaping, which keys XML cannot carry), the DeleteResult parser, bucket
 * creation dates, raw control characters in s3rver listings, and the one-
 * line error messages naming bucket and key. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/digest.h"
#include "fixture.h"
#include "lib/s3/s3.h"
#include "lib/core/util.h"

#define LIT(s) s, sizeof(s) - 1

static void md5_hex(const char *s, char *out)
{
	unsigned char d[DIGEST_MD5_LEN];
	digest_md5(s, strlen(s), d);
	for (int i = 0; i < DIGEST_MD5_LEN; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

Test(s3c, md5_rfc1321_vectors)
{
	static const char *const v[][2] = {
	    {"", "d41d8cd98f00b204e9800998ecf8427e"},
	    {"a", "0cc175b9c0f1b6a831c399e269772661"},
	    {"abc", "900150983cd24fb0d6963f7d28e17f72"},
	    {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
	    {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
	    {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	     "d174ab98d277d9f5a5611c2c9f419d9f"},
	    {"1234567890123456789012345678901234567890123456789012345678901234567890123456789"
	     "0",
	     "57edf4a22be3c955ac49da2e2107b67a"},
	};
	char hex[33];
	for (size_t i = 0; i < ARRAY_LEN(v); i++) {
		md5_hex(v[i][0], hex);
		cr_assert_str_eq(hex, v[i][1], "md5(\"%s\")", v[i][0]);
	}
	/* lengths around the 56-byte padding edge (values from Python hashlib) */
	char buf[130];
	memset(buf, 'x', sizeof buf);
	buf[55] = '\0';
	md5_hex(buf, hex);
	cr_assert_str_eq(hex, "04364420e25c512fd958a70738aa8f72");
	memset(buf, 'x', sizeof buf);
	buf[56] = '\0';
	md5_hex(buf, hex);
	cr_assert_str_eq(hex, "668a72d5ba17f08e62dabcafad6db14b");
}

Test(s3c, delete_body_escapes_keys)
{
	const char *keys[] = {"a&b<c>.txt", "q\"u'o", "odd names/x+y z=1%.csv", "caf\xc3\xa9"};
	char *b = s3_delete_body(keys, 4, true);
	cr_assert(str_starts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Delete "), "%s", b);
	cr_assert_not_null(strstr(b, "<Quiet>true</Quiet>"));
	cr_assert_not_null(strstr(b, "<Object><Key>a&amp;b&lt;c&gt;.txt</Key></Object>"), "%s", b);
	cr_assert_not_null(strstr(b, "<Key>q&quot;u&apos;o</Key>"), "%s", b);
	cr_assert_not_null(strstr(b, "<Key>odd names/x+y z=1%.csv</Key>"), "%s", b);
	cr_assert(str_ends(b, "<Key>caf\xc3\xa9</Key></Object></Delete>"), "%s", b);
	free(b);
	cr_assert(s3_key_xml_safe("tab\there"));
	cr_assert_not(s3_key_xml_safe("evil\x1b[2J"));
	cr_assert_not(s3_key_xml_safe("bell\x07"));
}

Test(s3c, delete_result_counts_and_first_error)
{
	struct s3_delete_result r;
	struct mlc_err err;
	cr_assert_eq(s3_parse_delete_result(
			 LIT("<?xml version=\"1.0\"?><DeleteResult xmlns=\"x\">"
			     "<Deleted><Key>a</Key></Deleted><Deleted><Key>b</Key></Deleted>"
			     "<Error><Key>c</Key><Code>AccessDenied</Code><Message>Access "
			     "Denied</Message></Error></DeleteResult>"),
			 &r, &err),
		     0, "%s", err.msg);
	cr_assert_eq(r.deleted, 2);
	cr_assert_eq(r.errors, 1);
	cr_assert_str_eq(r.first_error, "AccessDenied: Access Denied (key c)");
	/* an <Error> document instead */
	size_t len;
	char *body = fixture_read("tests/fixtures/s3/s3rver/error-nosuchbucket.xml", &len);
	cr_assert_lt(s3_parse_delete_result(body, len, &r, &err), 0);
	cr_assert_eq(err.code, MLC_ERR_PROTO);
	cr_assert_not_null(strstr(err.msg, "NoSuchBucket"), "%s", err.msg);
	free(body);
	/* hostile: truncated, DOCTYPE */
	cr_assert_lt(s3_parse_delete_result(LIT("<DeleteResult><Deleted><Key>a"), &r, &err), 0);
	cr_assert_lt(s3_parse_delete_result(LIT("<!DOCTYPE x [<!ENTITY a \"b\">]><DeleteResult>"
						"<Deleted><Key>&a;</Key></Deleted></DeleteResult>"),
					    &r, &err),
		     0);
}

Test(s3c, buckets_with_creation_dates)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/s3/s3rver/list-buckets.xml", &len);
	struct s3_bucket *b;
	size_t n;
	struct mlc_err err;
	cr_assert_eq(s3_parse_buckets(body, len, &b, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(b[0].name, "datasets");
	cr_assert_eq(b[0].created_ms, 1795456029476LL, "2026-11-23T17:47:09.476Z");
	cr_assert_str_eq(b[1].name, "mlflow-artifacts");
	cr_assert_eq(b[1].created_ms, 1795456028725LL, "2026-11-23T17:47:08.725Z");
	s3_buckets_free(b, n);
	free(body);
	cr_assert_lt(s3_parse_buckets(LIT("<Error><Code>AccessDenied</Code><Message>no</Message>"
					  "</Error>"),
				      &b, &n, &err),
		     0);
	cr_assert_not_null(strstr(err.msg, "AccessDenied"), "%s", err.msg);
	cr_assert_null(b);
}

/* s3rver writes control characters of keys raw into the XML: the listing
 * still parses, and the key comes back byte for byte, fed in any chunks. */
Test(s3c, raw_control_characters_in_keys_survive)
{
	const char doc[] = "<ListBucketResult><Contents><Key>hostile/evil\x1b[2Jname\x07.txt</Key>"
			   "<Size>6</Size></Contents><CommonPrefixes><Prefix>p\x1b]0;t/</Prefix>"
			   "</CommonPrefixes><IsTruncated>false</IsTruncated></ListBucketResult>";
	for (size_t chunk = 1; chunk <= sizeof doc; chunk += 5) {
		struct s3_list_parser *p = s3_list_parser_new();
		struct mlc_err err;
		int rc = 0;
		for (size_t off = 0; rc == 0 && off < sizeof doc - 1; off += chunk)
			rc = s3_list_feed(p, doc + off, MLC_MIN(chunk, sizeof doc - 1 - off), 0,
					  &err);
		if (rc == 0)
			rc = s3_list_feed(p, "", 0, 1, &err);
		cr_assert_eq(rc, 0, "chunk %zu: %s", chunk, err.msg);
		const struct s3_list_page *pg = s3_list_result(p);
		cr_assert_eq(pg->nobjects, 1);
		cr_assert_str_eq(pg->objects[0].key, "hostile/evil\x1b[2Jname\x07.txt");
		cr_assert_str_eq(pg->prefixes[0], "p\x1b]0;t/");
		s3_list_parser_free(p);
	}
}

Test(s3c, error_messages_name_bucket_and_key)
{
	char out[400];
	size_t len;
	char *body = fixture_read("tests/fixtures/s3/s3rver/error-nosuchkey.xml", &len);
	s3_error_message("GetObject", "data", "a/b.txt", 404, body, len, out, sizeof out);
	cr_assert(str_starts(out, "GetObject: HTTP 404 from s3://data/a/b.txt: NoSuchKey: "), "%s",
		  out);
	free(body);
	/* HEAD has no body to explain a 404 */
	s3_error_message("HeadObject", "data", "gone", 404, "", 0, out, sizeof out);
	cr_assert_str_eq(out, "HeadObject: HTTP 404 from s3://data/gone: NoSuchKey: not found");
	s3_error_message("ListObjectsV2", "nope", NULL, 404, NULL, 0, out, sizeof out);
	cr_assert_str_eq(out, "ListObjectsV2: HTTP 404 from s3://nope: NoSuchBucket: not found");
	body = fixture_read("tests/fixtures/s3/minio/error-slowdownread-503.xml", &len);
	s3_error_message("GetObject", "data", "k", 503, body, len, out, sizeof out);
	cr_assert_not_null(strstr(out, "SlowDown"), "%s", out);
	free(body);
	body = fixture_read("tests/fixtures/s3/minio/error-accessdenied.xml", &len);
	s3_error_message("ListObjectsV2", "data", NULL, 403, body, len, out, sizeof out);
	cr_assert_not_null(strstr(out, "AccessDenied"), "%s", out);
	cr_assert_not_null(strstr(out, "s3://data"), "%s", out);
	free(body);
	s3_error_message("PutObject", "data", "x", 500, "<html>oops", 10, out, sizeof out);
	cr_assert_str_eq(out, "PutObject: HTTP 500 from s3://data/x: <html>oops");
}

/* One mapping for every client: 401 is an authentication error for S3 too
 * (it was MLC_ERR_HTTP), 403 as well, 404 not found; a redirect says where. */
Test(s3c, status_codes_map_like_every_client)
{
	struct mlc_err e;
	cr_assert_eq(s3_http_err(&e, "ListObjectsV2", "data", NULL, 401, NULL, NULL, 0),
		     -MLC_ERR_AUTH);
	cr_assert_eq(e.code, MLC_ERR_AUTH);
	cr_assert_str_eq(e.msg, "ListObjectsV2: HTTP 401 from s3://data: AccessDenied: check the "
				"access key and secret");
	s3_http_err(&e, "GetObject", "data", "k", 403, NULL, NULL, 0);
	cr_assert_eq(e.code, MLC_ERR_AUTH);
	s3_http_err(&e, "GetObject", "data", "k", 404, NULL, NULL, 0);
	cr_assert_eq(e.code, MLC_ERR_NOTFOUND);
	s3_http_err(&e, "GetObject", "data", "k", 307, "http://elsewhere/k", NULL, 0);
	cr_assert_eq(e.code, MLC_ERR_HTTP);
	cr_assert_str_eq(
	    e.msg, "GetObject: HTTP 307 redirect to http://elsewhere/k not followed (s3://data/k)");
	/* The server's words, sanitized: an ESC in a Message is shown, not sent. */
	const char body[] =
	    "<Error><Code>AccessDenied</Code><Message>no \x1b[2J way</Message></Error>";
	s3_http_err(&e, "ListBuckets", NULL, NULL, 403, NULL, body, sizeof body - 1);
	cr_assert_str_eq(e.msg, "ListBuckets: HTTP 403 from s3: AccessDenied: no \\e[2J way");
}
