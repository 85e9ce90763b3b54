/* tests/unit/test_s3.c — lib/s3/s3.c: the ListBuckets and <Error> parsers on
 * the captured s3rver and MinIO documents, DOCTYPE and entity tricks
 * refused, truncated and deep XML; the canonical query SigV4 signs; and the
 * request options (URL styles, key encoding, signing headers). */
#include "lib/s3/s3.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/config.h"
#include "fixture.h"
#include "lib/core/util.h"

#define LIT(s) s, sizeof(s) - 1

/* ---- ListBuckets -------------------------------------------------------- */

Test(s3, list_buckets_fixture)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/s3/s3rver/list-buckets.xml", &len);
	char **names = NULL;
	struct mlc_err err;
	mlc_err_clear(&err);
	cr_assert_eq(s3_parse_list_buckets(body, len, &names, &err), 0, "%s", err.msg);
	cr_assert_eq(strv_len(names), 2);
	cr_assert_str_eq(names[0], "datasets");
	cr_assert_str_eq(names[1], "mlflow-artifacts");
	cr_assert_null(names[2]);
	strv_free(names);
	free(body);
}

Test(s3, list_buckets_empty_list)
{
	char **names = NULL;
	cr_assert_eq(s3_parse_list_buckets(LIT("<?xml version=\"1.0\"?><ListAllMyBucketsResult>"
					       "<Owner><ID>1</ID></Owner><Buckets/>"
					       "</ListAllMyBucketsResult>"),
					   &names, NULL),
		     0);
	cr_assert_not_null(names, "an empty vector, never NULL");
	cr_assert_null(names[0]);
	strv_free(names);
}

Test(s3, list_buckets_entities_and_cdata_decoded)
{
	char **names = NULL;
	cr_assert_eq(s3_parse_list_buckets(LIT("<ListAllMyBucketsResult><Buckets>"
					       "<Bucket><Name>a&amp;b</Name></Bucket>"
					       "<Bucket><Name><![CDATA[c<d]]></Name></Bucket>"
					       "<Bucket><Name>&#x1b;[2J</Name></Bucket>"
					       "</Buckets></ListAllMyBucketsResult>"),
					   &names, NULL),
		     -MLC_ERR_PARSE, "&#x1b; is not a legal XML character");
	cr_assert_null(names);
	cr_assert_eq(s3_parse_list_buckets(LIT("<ListAllMyBucketsResult><Buckets>"
					       "<Bucket><Name>a&amp;b</Name></Bucket>"
					       "<Bucket><Name><![CDATA[c<d]]></Name></Bucket>"
					       "</Buckets></ListAllMyBucketsResult>"),
					   &names, NULL),
		     0);
	cr_assert_str_eq(names[0], "a&b");
	cr_assert_str_eq(names[1], "c<d");
	strv_free(names);
}

Test(s3, list_buckets_names_only_at_their_path)
{
	char **names = NULL;
	cr_assert_eq(s3_parse_list_buckets(LIT("<ListAllMyBucketsResult><Owner><Name>owner</Name>"
					       "</Owner><Buckets><Bucket><Name>real</Name>"
					       "<Name2>x</Name2></Bucket></Buckets>"
					       "<Name>stray</Name></ListAllMyBucketsResult>"),
					   &names, NULL),
		     0);
	cr_assert_eq(strv_len(names), 1);
	cr_assert_str_eq(names[0], "real");
	strv_free(names);
}

Test(s3, list_buckets_on_error_document)
{
	size_t len;
	char *body = fixture_read(
	    "tests/fixtures/s3/minio/error-accessdenied-anonymous-listbuckets.xml", &len);
	char **names = (char **)1;
	struct mlc_err err;
	int rc = s3_parse_list_buckets(body, len, &names, &err);
	cr_assert_eq(rc, -MLC_ERR_PROTO);
	cr_assert_null(names);
	cr_assert_str_eq(err.msg, "s3 ListBuckets: AccessDenied: Access Denied.");
	free(body);
}

Test(s3, list_buckets_truncated_is_an_error)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/s3/s3rver/list-buckets.xml", &len);
	for (size_t cut = 0; cut < len - 1; cut++) {
		char *p = xmalloc(cut ? cut : 1);
		memcpy(p, body, cut);
		char **names = (char **)1;
		struct mlc_err err;
		mlc_err_clear(&err);
		int rc = s3_parse_list_buckets(p, cut, &names, &err);
		cr_assert_eq(rc, -MLC_ERR_PARSE, "cut at %zu parsed", cut);
		cr_assert_null(names);
		cr_assert_not_null(strstr(err.msg, "s3 ListBuckets: malformed XML at line"), "%s",
				   err.msg);
		free(p);
	}
	free(body);
}

Test(s3, list_buckets_not_xml)
{
	char **names;
	struct mlc_err err;
	int rc = s3_parse_list_buckets(LIT("{\"buckets\":[]}"), &names, &err);
	cr_assert_eq(rc, -MLC_ERR_PARSE);
	cr_assert_not_null(strstr(err.msg, "malformed XML"), "%s", err.msg);
	rc = s3_parse_list_buckets(LIT(""), &names, &err);
	cr_assert_eq(rc, -MLC_ERR_PARSE, "an empty body is no document");
}

Test(s3, deep_nesting_keeps_later_paths_right)
{
	/* An element nested far deeper than the parser tracks must not shift
	 * the paths of what follows it. */
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "<ListAllMyBucketsResult><Buckets><Bucket><Name>a</Name><Deep>");
	for (int i = 0; i < 300; i++)
		buf_puts(&b, "<xy>");
	for (int i = 0; i < 300; i++)
		buf_puts(&b, "</xy>");
	buf_puts(&b, "</Deep></Bucket><Bucket><Name>b</Name></Bucket></Buckets>"
		     "</ListAllMyBucketsResult>");
	char **names = NULL;
	struct mlc_err err;
	mlc_err_clear(&err);
	cr_assert_eq(s3_parse_list_buckets(b.data, b.len, &names, &err), 0, "%s", err.msg);
	cr_assert_eq(strv_len(names), 2);
	cr_assert_str_eq(names[0], "a");
	cr_assert_str_eq(names[1], "b");
	strv_free(names);
	buf_free(&b);
}

Test(s3, long_element_names_keep_later_paths_right)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "<ListAllMyBucketsResult><Buckets><Bucket><");
	for (int i = 0; i < 400; i++)
		buf_puts(&b, "L");
	buf_puts(&b, "><Name>inner</Name></");
	for (int i = 0; i < 400; i++)
		buf_puts(&b, "L");
	buf_puts(&b, "><Name>a</Name></Bucket></Buckets></ListAllMyBucketsResult>");
	char **names = NULL;
	cr_assert_eq(s3_parse_list_buckets(b.data, b.len, &names, NULL), 0);
	cr_assert_eq(strv_len(names), 1);
	cr_assert_str_eq(names[0], "a");
	strv_free(names);
	buf_free(&b);
}

Test(s3, many_buckets)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "<ListAllMyBucketsResult><Buckets>");
	for (int i = 0; i < 5000; i++)
		buf_printf(&b, "<Bucket><Name>bucket-%04d</Name></Bucket>", i);
	buf_puts(&b, "</Buckets></ListAllMyBucketsResult>");
	char **names = NULL;
	cr_assert_eq(s3_parse_list_buckets(b.data, b.len, &names, NULL), 0);
	cr_assert_eq(strv_len(names), 5000);
	cr_assert_str_eq(names[4999], "bucket-4999");
	strv_free(names);
	buf_free(&b);
}

Test(s3, huge_text_is_capped)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "<ListAllMyBucketsResult><Buckets><Bucket><Name>");
	for (int i = 0; i < 100000; i++)
		buf_puts(&b, "n");
	buf_puts(&b, "</Name></Bucket></Buckets></ListAllMyBucketsResult>");
	char **names = NULL;
	cr_assert_eq(s3_parse_list_buckets(b.data, b.len, &names, NULL), 0);
	cr_assert_eq(strv_len(names), 1);
	cr_assert_lt(strlen(names[0]), 4096, "text kept per element is bounded");
	strv_free(names);
	buf_free(&b);
}

/* ---- DOCTYPE and entities ---------------------------------------------- */

static const char billion_laughs[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE lolz [\n"
    " <!ENTITY lol \"lol\">\n"
    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
    " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
    " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
    " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
    " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
    " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
    "]>\n"
    "<ListAllMyBucketsResult><Buckets><Bucket><Name>&lol9;</Name></Bucket></Buckets>"
    "</ListAllMyBucketsResult>\n";

static const char external_entity[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE Error [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
    "<Error><Code>&xxe;</Code><Message>m</Message></Error>\n";

static const char external_dtd[] = "<?xml version=\"1.0\"?>\n"
				   "<!DOCTYPE Error SYSTEM \"http://127.0.0.1:1/evil.dtd\">\n"
				   "<Error><Code>X</Code></Error>\n";

static const char parameter_entity[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE r [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>\n"
    "<ListAllMyBucketsResult/>\n";

Test(s3, doctype_tricks_refused_by_list_buckets)
{
	const char *docs[] = {billion_laughs, external_entity, external_dtd, parameter_entity};
	for (size_t i = 0; i < ARRAY_LEN(docs); i++) {
		char **names = (char **)1;
		struct mlc_err err;
		int rc = s3_parse_list_buckets(docs[i], strlen(docs[i]), &names, &err);
		cr_assert_eq(rc, -MLC_ERR_PARSE, "document %zu accepted", i);
		cr_assert_str_eq(err.msg, "s3 ListBuckets: DOCTYPE refused");
		cr_assert_null(names);
	}
}

Test(s3, doctype_tricks_refused_by_error_parser)
{
	const char *docs[] = {billion_laughs, external_entity, external_dtd, parameter_entity};
	for (size_t i = 0; i < ARRAY_LEN(docs); i++) {
		char out[128] = "untouched";
		cr_assert_eq(s3_parse_error(docs[i], strlen(docs[i]), out, sizeof out), -1,
			     "document %zu accepted", i);
		cr_assert_null(strstr(out, "root:"), "no file content leaked");
	}
}

Test(s3, undefined_entity_is_an_error)
{
	char **names;
	struct mlc_err err;
	int rc = s3_parse_list_buckets(LIT("<ListAllMyBucketsResult><Buckets><Bucket><Name>&x;"
					   "</Name></Bucket></Buckets></ListAllMyBucketsResult>"),
				       &names, &err);
	cr_assert_eq(rc, -MLC_ERR_PARSE);
	cr_assert_not_null(strstr(err.msg, "malformed XML"), "%s", err.msg);
}

/* ---- <Error> documents ---------------------------------------------------- */

static char *error_text(const char *path)
{
	size_t len;
	char *body = fixture_read(path, &len);
	char out[256];
	int rc = s3_parse_error(body, len, out, sizeof out);
	cr_assert_eq(rc, 0, "%s is an error document", path);
	free(body);
	return xstrdup(out);
}

#define EXPECT_ERROR(path, want)                                                                   \
	do {                                                                                       \
		char *got_ = error_text(path);                                                     \
		cr_assert_str_eq(got_, want, "%s", path);                                          \
		free(got_);                                                                        \
	} while (0)

Test(s3, error_fixtures_s3rver)
{
	EXPECT_ERROR("tests/fixtures/s3/s3rver/error-nosuchbucket.xml",
		     "NoSuchBucket: The specified bucket does not exist (bucket no-such-bucket)");
	EXPECT_ERROR("tests/fixtures/s3/s3rver/error-nosuchkey.xml",
		     "NoSuchKey: The specified key does not exist. (key missing/key.bin)");
	EXPECT_ERROR("tests/fixtures/s3/s3rver/error-signaturedoesnotmatch.xml",
		     "SignatureDoesNotMatch: The request signature we calculated does not match "
		     "the signature you provided. Check your key and signing method.");
	EXPECT_ERROR("tests/fixtures/s3/s3rver/error-invalidaccesskeyid.xml",
		     "InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in "
		     "our records.");
	EXPECT_ERROR("tests/fixtures/s3/s3rver/error-missing-x-amz-content-sha256.xml",
		     "InvalidRequest: Missing required header for this request: "
		     "x-amz-content-sha256");
	EXPECT_ERROR("tests/fixtures/s3/s3rver/get-object-range-invalid.xml",
		     "InvalidRange: The requested range is not satisfiable");
}

Test(s3, error_fixtures_s3rver5)
{
	EXPECT_ERROR("tests/fixtures/s3/s3rver-20minutes-5.0.0/"
		     "error-signaturedoesnotmatch-sigv4-wrong-secret.xml",
		     "SignatureDoesNotMatch: The request signature we calculated does not match "
		     "the signature you provided. Check your key and signing method.");
	EXPECT_ERROR("tests/fixtures/s3/s3rver-20minutes-5.0.0/"
		     "error-signaturedoesnotmatch-curl788-unsorted-query.xml",
		     "SignatureDoesNotMatch: The request signature we calculated does not match "
		     "the signature you provided. Check your key and signing method.");
	EXPECT_ERROR("tests/fixtures/s3/s3rver-20minutes-5.0.0/error-invalidbucketname.xml",
		     "InvalidBucketName: The bucket name must be between 3 and 63 characters.");
}

Test(s3, error_fixtures_minio)
{
	EXPECT_ERROR("tests/fixtures/s3/minio/error-accessdenied.xml",
		     "AccessDenied: Access Denied. (bucket vault) (key shared/hack.txt)");
	EXPECT_ERROR("tests/fixtures/s3/minio/error-accessdenied-anonymous-listbuckets.xml",
		     "AccessDenied: Access Denied.");
	EXPECT_ERROR("tests/fixtures/s3/minio/error-slowdownread-503.xml",
		     "SlowDownRead: Resource requested is unreadable, please reduce your request "
		     "rate (bucket q1bucket) (key readtest.bin)");
	EXPECT_ERROR("tests/fixtures/s3/minio/error-invalidrequest-400.xml",
		     "InvalidRequest: Invalid Request (invalid argument)");
}

Test(s3, error_without_message)
{
	char out[64];
	cr_assert_eq(s3_parse_error(LIT("<Error><Code>SlowDown</Code></Error>"), out, sizeof out),
		     0);
	cr_assert_str_eq(out, "SlowDown");
}

Test(s3, error_output_truncated_to_buffer)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/s3/minio/error-accessdenied.xml", &len);
	char out[16];
	memset(out, 'X', sizeof out);
	cr_assert_eq(s3_parse_error(body, len, out, sizeof out), 0);
	cr_assert_str_eq(out, "AccessDenied: A");
	free(body);
}

Test(s3, non_error_documents_are_not_errors)
{
	char out[64] = "";
	size_t len;
	char *body = fixture_read("tests/fixtures/s3/s3rver/list-buckets.xml", &len);
	cr_assert_eq(s3_parse_error(body, len, out, sizeof out), -1);
	free(body);
	body = fixture_read("tests/fixtures/s3/s3rver/list-objects-v2-prefix-delimiter.xml", &len);
	cr_assert_eq(s3_parse_error(body, len, out, sizeof out), -1);
	free(body);
	cr_assert_eq(s3_parse_error(LIT(""), out, sizeof out), -1);
	cr_assert_eq(s3_parse_error(NULL, 0, out, sizeof out), -1);
	cr_assert_eq(
	    s3_parse_error(LIT("<html><body>502 Bad Gateway</body></html>"), out, sizeof out), -1);
	cr_assert_eq(s3_parse_error(LIT("<Wrapper><Error><Code>X</Code></Error></Wrapper>"), out,
				    sizeof out),
		     -1, "only a root <Error> counts");
}

Test(s3, truncated_error_documents)
{
	size_t len;
	char *body = fixture_read("tests/fixtures/s3/minio/error-accessdenied.xml", &len);
	for (size_t cut = 0; cut < len - 1; cut++) {
		char *p = xmalloc(cut ? cut : 1);
		memcpy(p, body, cut);
		char out[64];
		cr_assert_eq(s3_parse_error(p, cut, out, sizeof out), -1, "cut at %zu", cut);
		free(p);
	}
	free(body);
}

Test(s3, error_code_with_escape_stays_raw)
{
	char out[64];
	/* A raw ESC is not a legal XML 1.0 character: expat refuses it. */
	cr_assert_eq(s3_parse_error(LIT("<Error><Code>\x1b[2J</Code></Error>"), out, sizeof out),
		     -1);
	/* Other controls that are legal (TAB, LF) come back raw. */
	cr_assert_eq(s3_parse_error(LIT("<Error><Code>A\tB</Code></Error>"), out, sizeof out), 0);
	cr_assert_str_eq(out, "A\tB");
}

/* ---- canonical query ----------------------------------------------------- */

static void expect_query(const char *const *pairs, const char *want)
{
	char *q = s3_canonical_query(pairs);
	cr_assert_str_eq(q, want);
	free(q);
}

Test(s3, canonical_query_sorts_and_encodes)
{
	expect_query(
	    (const char *[]){"prefix", "models/resnet/", "list-type", "2", "delimiter", "/", NULL},
	    "delimiter=%2F&list-type=2&prefix=models%2Fresnet%2F");
	expect_query((const char *[]){"max-keys", "2", "list-type", "2", "continuation-token",
				      "1fT+yz/ab==", NULL},
		     "continuation-token=1fT%2Byz%2Fab%3D%3D&list-type=2&max-keys=2");
	expect_query((const char *[]){"prefix", "with space/a+b=c", NULL},
		     "prefix=with%20space%2Fa%2Bb%3Dc");
	expect_query((const char *[]){"start-after", "runs/", "encoding-type", "url", "fetch-owner",
				      "true", NULL},
		     "encoding-type=url&fetch-owner=true&start-after=runs%2F");
	expect_query((const char *[]){"prefix", "d\xc3\xa9j\xc3\xa0/~_-.", NULL},
		     "prefix=d%C3%A9j%C3%A0%2F~_-.");
}

Test(s3, canonical_query_sorts_by_encoded_bytes)
{
	/* Uppercase sorts before lowercase (byte order), as SigV4 wants. */
	expect_query((const char *[]){"b", "1", "B", "2", "a", "3", NULL}, "B=2&a=3&b=1");
	expect_query((const char *[]){"x", "2", "x", "1", NULL}, "x=1&x=2");
}

Test(s3, canonical_query_empty)
{
	expect_query((const char *[]){NULL}, "");
	expect_query(NULL, "");
	expect_query((const char *[]){"uploads", "", NULL}, "uploads=");
}

/* ---- request options ------------------------------------------------------ */

struct req {
	struct http_opts o;
	const char *hdrs[4];
	struct s3_scratch sc;
};

static void build(struct req *r, const struct target *t, const char *method, const char *bucket,
		  const char *key, const char *query)
{
	memset(r, 0, sizeof *r);
	for (size_t i = 0; i < ARRAY_LEN(r->hdrs); i++)
		r->hdrs[i] = "unset";
	s3_request_opts(t, method, bucket, key, query, &r->o, r->hdrs, &r->sc);
}

static size_t nheaders(const char *const *h)
{
	size_t n = 0;
	while (h[n])
		n++;
	return n;
}

Test(s3, path_style_urls)
{
	struct target t = {.kind = TK_S3,
			   .url = "http://127.0.0.1:4568",
			   .access_key = "S3RVER",
			   .secret_key = "S3RVER",
			   .region = "us-east-1"};
	struct req r;
	build(&r, &t, "GET", NULL, NULL, NULL);
	cr_assert_str_eq(r.o.url, "http://127.0.0.1:4568/");
	cr_assert_str_eq(r.o.method, "GET");
	s3_scratch_free(&r.sc);
	build(&r, &t, "GET", "mlflow-artifacts", NULL, "delimiter=%2F&list-type=2");
	cr_assert_str_eq(r.o.url,
			 "http://127.0.0.1:4568/mlflow-artifacts/?delimiter=%2F&list-type=2");
	s3_scratch_free(&r.sc);
	build(&r, &t, "HEAD", "mlflow-artifacts", "models/resnet/v1/model.pt", "");
	cr_assert_str_eq(r.o.url,
			 "http://127.0.0.1:4568/mlflow-artifacts/models/resnet/v1/model.pt");
	cr_assert_str_eq(r.o.method, "HEAD");
	s3_scratch_free(&r.sc);
}

Test(s3, trailing_slashes_on_endpoint_dropped)
{
	struct target t = {.kind = TK_S3, .url = "http://minio:9000//"};
	struct req r;
	build(&r, &t, "GET", "b", "k", NULL);
	cr_assert_str_eq(r.o.url, "http://minio:9000/b/k");
	s3_scratch_free(&r.sc);
	build(&r, &t, "GET", NULL, NULL, NULL);
	cr_assert_str_eq(r.o.url, "http://minio:9000/");
	s3_scratch_free(&r.sc);
}

Test(s3, virtual_host_urls)
{
	struct target t = {
	    .kind = TK_S3, .url = "https://s3.eu-west-3.amazonaws.com", .virtual_host = true};
	struct req r;
	build(&r, &t, "GET", "datasets", "a/b.csv", NULL);
	cr_assert_str_eq(r.o.url, "https://datasets.s3.eu-west-3.amazonaws.com/a/b.csv");
	s3_scratch_free(&r.sc);
	build(&r, &t, "GET", "datasets", NULL, "list-type=2");
	cr_assert_str_eq(r.o.url, "https://datasets.s3.eu-west-3.amazonaws.com/?list-type=2");
	s3_scratch_free(&r.sc);
	build(&r, &t, "GET", NULL, NULL, NULL);
	cr_assert_str_eq(r.o.url, "https://s3.eu-west-3.amazonaws.com/", "ListBuckets: no bucket");
	s3_scratch_free(&r.sc);
}

Test(s3, keys_encoded_slash_kept)
{
	struct target t = {.kind = TK_S3, .url = "http://127.0.0.1:4568"};
	struct req r;
	build(&r, &t, "GET", "mlflow-artifacts", "with space/a+b=c.txt", NULL);
	cr_assert_str_eq(r.o.url,
			 "http://127.0.0.1:4568/mlflow-artifacts/with%20space/a%2Bb%3Dc.txt",
			 "the request s3rver answered 200 to (get-object-encoded-key)");
	s3_scratch_free(&r.sc);
	build(&r, &t, "GET", "b", "r\xc3\xa9sum\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac.txt", NULL);
	cr_assert_str_eq(r.o.url,
			 "http://127.0.0.1:4568/b/r%C3%A9sum%C3%A9/%E6%97%A5%E6%9C%AC.txt");
	s3_scratch_free(&r.sc);
	build(&r, &t, "GET", "b", "q?x#y%z&w", NULL);
	cr_assert_str_eq(r.o.url, "http://127.0.0.1:4568/b/q%3Fx%23y%25z%26w");
	s3_scratch_free(&r.sc);
	build(&r, &t, "GET", "b", "~keep-_.this", NULL);
	cr_assert_str_eq(r.o.url, "http://127.0.0.1:4568/b/~keep-_.this");
	s3_scratch_free(&r.sc);
}

/* "." and ".." in a key are part of its name: the URL keeps them, and curl
 * is told not to resolve them (the request would name another key: the
 * integration test against sigv4_s3.py shows which). */
Test(s3, dot_segments_kept_as_is)
{
	struct target t = {.kind = TK_S3, .url = "http://127.0.0.1:4568"};
	struct req r;
	build(&r, &t, "DELETE", "b", "logs/../models/./v1/..", NULL);
	cr_assert_str_eq(r.o.url, "http://127.0.0.1:4568/b/logs/../models/./v1/..");
	cr_assert(r.o.path_as_is);
	s3_scratch_free(&r.sc);
	struct http_opts o;
	const char *headers[5];
	struct s3_scratch sc;
	s3_list_request_opts(&t, "b", &(struct s3_list_opts){.prefix = "../"}, &o, headers, &sc);
	cr_assert(o.path_as_is);
	s3_scratch_free(&sc);
}

Test(s3, signing_inputs_with_credentials)
{
	struct target t = {.kind = TK_S3,
			   .url = "http://minio:9000",
			   .access_key = "AKIA",
			   .secret_key = "SECRET",
			   .region = "eu-west-3",
			   .ca_file = "/ca.pem",
			   .insecure = true};
	struct req r;
	build(&r, &t, "GET", NULL, NULL, NULL);
	cr_assert_str_eq(r.o.aws_sigv4, "aws:amz:eu-west-3:s3");
	cr_assert_str_eq(r.o.username, "AKIA");
	cr_assert_str_eq(r.o.password, "SECRET");
	cr_assert_str_eq(r.o.ca_file, "/ca.pem");
	cr_assert(r.o.insecure);
	cr_assert_eq(r.o.headers, r.hdrs);
	cr_assert_eq(nheaders(r.hdrs), 1);
	cr_assert_str_eq(r.hdrs[0], "x-amz-content-sha256: " S3_EMPTY_SHA256);
	cr_assert_null(r.o.bearer);
	s3_scratch_free(&r.sc);
}

Test(s3, session_token_header)
{
	struct target t = {.kind = TK_S3,
			   .url = "http://minio:9000",
			   .access_key = "ASIA",
			   .secret_key = "S",
			   .session_token = "FwoGZXIvYXdzEJr//token="};
	struct req r;
	build(&r, &t, "GET", "b", NULL, NULL);
	cr_assert_eq(nheaders(r.hdrs), 2);
	cr_assert_str_eq(r.hdrs[0], "x-amz-content-sha256: " S3_EMPTY_SHA256);
	cr_assert_str_eq(r.hdrs[1], "x-amz-security-token: FwoGZXIvYXdzEJr//token=");
	cr_assert_str_eq(r.o.aws_sigv4, "aws:amz:us-east-1:s3", "default region");
	s3_scratch_free(&r.sc);
	cr_assert_null(r.sc.url);
	cr_assert_null(r.sc.token_hdr);
}

Test(s3, anonymous_without_keys)
{
	struct target t = {.kind = TK_S3, .url = "http://minio:9000", .access_key = "only-id"};
	struct req r;
	build(&r, &t, "GET", NULL, NULL, NULL);
	cr_assert_null(r.o.username, "no half credentials sent");
	cr_assert_null(r.o.password);
	cr_assert_null(r.o.aws_sigv4);
	s3_scratch_free(&r.sc);
}

Test(s3, default_endpoint)
{
	struct target t = {.kind = TK_S3};
	struct req r;
	build(&r, &t, "GET", "b", NULL, NULL);
	cr_assert_str_eq(r.o.url, "http://localhost:9000/b/");
	s3_scratch_free(&r.sc);
}

Test(s3, urlencode)
{
	char *e = http_urlencode("a b/c+d=e&f~g_h-i.j", false);
	cr_assert_str_eq(e, "a%20b%2Fc%2Bd%3De%26f~g_h-i.j");
	free(e);
	e = http_urlencode("a b/c", true);
	cr_assert_str_eq(e, "a%20b/c");
	free(e);
	e = http_urlencode("", true);
	cr_assert_str_eq(e, "");
	free(e);
	e = http_urlencode("\x01\x7f\xff", false);
	cr_assert_str_eq(e, "%01%7F%FF");
	free(e);
}
