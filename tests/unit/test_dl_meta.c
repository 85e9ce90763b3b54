/* tests/unit/test_dl_meta.c — the sidecar of a resumable download
 * (lib/core/dl_meta): the extent set (merging, what is missing next, the
 * done prefix), the text form read back as written (odd bytes in the key
 * and ETag included), hostile sidecars refused with a reason (garbage,
 * huge numbers, ranges past the size or out of order, too many, repeated or
 * missing fields, cut short), the plain-MD5 ETag test, the range planning
 * of S3 downloads (s3c_get_piece) and the [s3] transfer settings. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/core/config.h"
#include "lib/core/dl_meta.h"
#include "lib/core/util.h"
#include "lib/s3/s3c.h"

Test(dl_meta, extents_merge_and_say_what_is_missing)
{
	struct dl_meta m;
	dl_meta_init(&m, "s3://b/k", "\"e\"", 100);
	dl_meta_add(&m, 10, 20);
	dl_meta_add(&m, 30, 40);
	dl_meta_add(&m, 20, 30); /* adjacent on both sides: one extent */
	cr_assert_eq(m.next, 1);
	cr_assert_eq(m.ext[0].start, 10);
	cr_assert_eq(m.ext[0].end, 40);
	dl_meta_add(&m, 90, 500); /* clipped to the size */
	dl_meta_add(&m, 0, 5);
	cr_assert_eq(m.next, 3);
	cr_assert_eq(dl_meta_done(&m), 5 + 30 + 10);
	cr_assert_eq(dl_meta_done_to(&m, 0), 5);
	cr_assert_eq(dl_meta_done_to(&m, 5), 5, "not done: itself");
	cr_assert_eq(dl_meta_done_to(&m, 15), 40);
	int64_t a, b;
	cr_assert(dl_meta_next_missing(&m, 0, 1000, &a, &b));
	cr_assert(a == 5 && b == 10, "%lld-%lld", (long long)a, (long long)b);
	cr_assert(dl_meta_next_missing(&m, 10, 20, &a, &b));
	cr_assert(a == 40 && b == 60, "at most max bytes: %lld-%lld", (long long)a, (long long)b);
	cr_assert(dl_meta_next_missing(&m, 60, 1000, &a, &b));
	cr_assert(a == 60 && b == 90, "never across a done extent");
	cr_assert_not(dl_meta_next_missing(&m, 90, 1000, &a, &b), "the rest is done");
	dl_meta_add(&m, 0, 100);
	cr_assert_eq(m.next, 1);
	cr_assert_eq(dl_meta_done(&m), 100);
	dl_meta_free(&m);
}

Test(dl_meta, the_text_form_reads_back)
{
	struct dl_meta m, r;
	struct mlc_err e;
	dl_meta_init(&m, "s3://b/odd key/%\n\x01\xc3\xa9.bin", "\"abc-3\"", 5000);
	dl_meta_add(&m, 0, 100);
	dl_meta_add(&m, 4000, 5000);
	char *text = dl_meta_format(&m);
	cr_assert_null(strchr(strchr(text, '\n') + 1, '\x01'), "encoded:\n%s", text);
	cr_assert_eq(dl_meta_parse(&r, text, strlen(text), &e), 0, "%s\n%s", e.msg, text);
	cr_assert_str_eq(r.source, m.source);
	cr_assert_str_eq(r.etag, m.etag);
	cr_assert_eq(r.size, 5000);
	cr_assert_eq(r.next, 2);
	cr_assert_eq(r.ext[1].start, 4000);
	cr_assert_eq(r.ext[1].end, 5000);
	dl_meta_free(&r);
	/* and through a file */
	char path[] = "/tmp/mlc-meta-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(dl_meta_save(&m, path, &e), 0, "%s", e.msg);
	cr_assert_eq(dl_meta_load(&r, path, &e), 0, "%s", e.msg);
	cr_assert_eq(dl_meta_done(&r), 1100);
	dl_meta_free(&r);
	unlink(path);
	cr_assert_lt(dl_meta_load(&r, path, &e), 0);
	cr_assert_eq(e.detail, 2 /* ENOENT */, "a missing sidecar says so");
	free(text);
	dl_meta_free(&m);
}

#define HEAD "mlconsole-download 1\nsource s3://b/k\netag \"e\"\n"

Test(dl_meta, hostile_sidecars_are_refused)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
	    {"", "not a download sidecar"},
	    {"garbage\x01\x02", "not a download sidecar"},
	    {"mlconsole-download 2\n", "not a download sidecar"},
	    {HEAD "size 99999999999999999999\n", "bad size"},
	    {HEAD "size 1125899906842625\n", "bad size"}, /* 2^50 + 1 */
	    {HEAD "size -5\n", "bad size"},
	    {HEAD "size 10\ndone 0 11\n", "past the size"},
	    {HEAD "size 10\ndone 5 5\n", "past the size"},
	    {HEAD "size 10\ndone 5 8\ndone 1 3\n", "out of order"},
	    {HEAD "size 10\ndone 1 3\ndone 3 5\n", "out of order"},
	    {HEAD "size 10\ndone 1\n", "bad done range"},
	    {HEAD "size 10\ndone 1 2 3\n", "bad done range"},
	    {HEAD "size 10\ndone 0x1 2\n", "bad done range"},
	    {HEAD "size 10\nsize 10\n", "unexpected line"},
	    {HEAD "size 10\nowner root\n", "unexpected line"},
	    {"mlconsole-download 1\nsource s3://b/k\nsize 10\n", "missing"},
	    {"mlconsole-download 1\ndone 0 1\n", "unexpected line"},
	    {HEAD "size 10", "cut short"},
	    {"mlconsole-download 1\nsource s3://b/%00k\netag e\nsize 1\n", "bad source"},
	    {"mlconsole-download 1\nsource s3://b/%zz\netag e\nsize 1\n", "bad source"},
	    {"mlconsole-download 1\nsource s3://b/k%4\netag e\nsize 1\n", "bad source"},
	    {"mlconsole-download 1\nsource \netag e\nsize 1\n", "bad source"},
	    {"mlconsole-download 1\nsource s3://b/k k\netag e\nsize 1\n", "bad source"},
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct dl_meta m;
		struct mlc_err e;
		cr_assert_lt(dl_meta_parse(&m, bad[i].text, strlen(bad[i].text), &e), 0,
			     "case %zu accepted", i);
		cr_assert_not_null(strstr(e.msg, bad[i].why), "case %zu: %s", i, e.msg);
		cr_assert_null(m.source, "nothing half-read");
	}
	/* more extents than allowed */
	struct buf b;
	buf_init(&b);
	buf_puts(&b, HEAD "size 1000000\n");
	for (int i = 0; i <= DL_META_MAX_EXT; i++)
		buf_printf(&b, "done %d %d\n", 2 * i, 2 * i + 1);
	struct dl_meta m;
	struct mlc_err e;
	cr_assert_lt(dl_meta_parse(&m, b.data, b.len, &e), 0);
	cr_assert_not_null(strstr(e.msg, "too many"), "%s", e.msg);
	buf_free(&b);
	/* too large a file */
	char *big = xmalloc(300 * 1024);
	memset(big, 'a', 300 * 1024);
	cr_assert_lt(dl_meta_parse(&m, big, 300 * 1024, &e), 0);
	free(big);
}

Test(dl_meta, plain_md5_etags)
{
	unsigned char md5[16];
	cr_assert(dl_etag_md5("\"d41d8cd98f00b204e9800998ecf8427e\"", md5));
	cr_assert_eq(md5[0], 0xd4);
	cr_assert_eq(md5[15], 0x7e);
	cr_assert(dl_etag_md5("D41D8CD98F00B204E9800998ECF8427E", md5));
	cr_assert_not(dl_etag_md5("\"d41d8cd98f00b204e9800998ecf8427e-3\"", md5), "multipart");
	cr_assert_not(dl_etag_md5("\"d41d8cd98f00b204e9800998ecf8427\"", md5));
	cr_assert_not(dl_etag_md5("\"g41d8cd98f00b204e9800998ecf8427e\"", md5));
	cr_assert_not(dl_etag_md5("", md5));
}

Test(dl_meta, s3_download_pieces)
{
	int64_t mib = 1 << 20;
	cr_assert_eq(s3c_get_piece(64 * mib, 64 * mib, 4), 0, "at the threshold: one GET");
	cr_assert_eq(s3c_get_piece(65 * mib, 64 * mib, 4), 4259840, "65 MiB / 16, in 64 KiB");
	cr_assert_eq(s3c_get_piece(2048 * mib, 64 * mib, 4), 16 * mib, "at most 16 MiB");
	cr_assert_eq(s3c_get_piece(10 * mib, 4 * mib, 4), mib, "at least 1 MiB");
	cr_assert_eq(s3c_get_piece(10 * mib, 4 * mib, 1), 2621440);
	struct target t = {0};
	cr_assert_eq(s3c_concurrency(&t), 4);
	cr_assert_eq(s3c_threshold(&t), 64 * mib);
	t.concurrency = 8;
	t.multipart_threshold = 8 * mib;
	cr_assert_eq(s3c_concurrency(&t), 8);
	cr_assert_eq(s3c_threshold(&t), 8 * mib);
}

/* [s3] concurrency and multipart_threshold, read and checked. */
static int read_ini(const char *text, struct config *c, struct mlc_err *e)
{
	char path[] = "/tmp/mlc-ini-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	config_init(c);
	int rc = config_read_file(c, path, e);
	unlink(path);
	return rc;
}

Test(dl_meta, s3_transfer_settings)
{
	struct config c;
	struct mlc_err e;
	cr_assert_eq(read_ini("[s3]\nendpoint = http://127.0.0.1:9000\nconcurrency = 8\n"
			      "multipart_threshold = 128MiB\n",
			      &c, &e),
		     0, "%s", e.msg);
	cr_assert_eq(c.ntargets, 1);
	cr_assert_eq(c.targets[0].concurrency, 8);
	cr_assert_eq(c.targets[0].multipart_threshold, 128LL << 20);
	config_free(&c);
	cr_assert_eq(read_ini("[s3]\nmultipart_threshold = 100M\n", &c, &e), 0, "%s", e.msg);
	cr_assert_eq(c.targets[0].multipart_threshold, 100LL << 20);
	config_free(&c);
	static const char *const bad[] = {
	    "[s3]\nconcurrency = 0\n",
	    "[s3]\nconcurrency = 65\n",
	    "[s3]\nconcurrency = four\n",
	    "[s3]\nmultipart_threshold = lots\n",
	    "[s3]\nmultipart_threshold = 64 parsecs\n",
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		cr_assert_lt(read_ini(bad[i], &c, &e), 0, "%s accepted", bad[i]);
		cr_assert_not_null(strstr(e.msg, ":2: "), "names the line: %s", e.msg);
		config_free(&c);
	}
}
