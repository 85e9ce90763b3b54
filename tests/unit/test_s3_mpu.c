/* tests/unit/test_s3_mpu.c — the multipart documents (lib/s3/s3_mpu_xml.c):
 * the answers as S3 documents them, the <Error> S3 may send with a 200 to
 * Complete, url-encoded and control-byte keys, and hostile input (DOCTYPE,
 * huge text, too many entries, truncation, wrong nesting); the part size
 * rule (lib/s3/s3c_mpu.c) and [s3] sizes in the config. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "lib/core/config.h"
#include "lib/core/util.h"
#include "lib/s3/s3.h"
#include "lib/s3/s3_mpu.h"
#include "lib/s3/s3c.h"

#define NS " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""

Test(s3mpu_xml, initiate)
{
	const char *b = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			"<InitiateMultipartUploadResult" NS "><Bucket>data</Bucket>"
			"<Key>ckpt/model.bin</Key><UploadId>VXBsb2FkIElE+/=</UploadId>"
			"</InitiateMultipartUploadResult>";
	char *id = NULL;
	struct mlc_err e;
	cr_assert_eq(s3_parse_mpu_initiate(b, strlen(b), &id, &e), 0, "%s", e.msg);
	cr_assert_str_eq(id, "VXBsb2FkIElE+/=");
	free(id);
	const char *none = "<InitiateMultipartUploadResult><Bucket>d</Bucket>"
			   "</InitiateMultipartUploadResult>";
	cr_assert_lt(s3_parse_mpu_initiate(none, strlen(none), &id, &e), 0);
	cr_assert_null(id);
	cr_assert(strstr(e.msg, "no UploadId"), "%s", e.msg);
	const char *err =
	    "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
	cr_assert_eq(s3_parse_mpu_initiate(err, strlen(err), &id, &e), -MLC_ERR_PROTO);
	cr_assert_str_eq(e.msg, "CreateMultipartUpload: AccessDenied: Access Denied");
}

Test(s3mpu_xml, complete_and_the_error_in_a_200)
{
	const char *b =
	    "<CompleteMultipartUploadResult" NS "><Location>http://x/data/k</Location>"
	    "<Bucket>data</Bucket><Key>k</Key><ETag>\"3858f62230ac3c915f300c664312c11f-9"
	    "\"</ETag></CompleteMultipartUploadResult>";
	char etag[80];
	struct mlc_err e;
	cr_assert_eq(s3_parse_mpu_complete(b, strlen(b), etag, sizeof etag, &e), 0, "%s", e.msg);
	cr_assert_str_eq(etag, "\"3858f62230ac3c915f300c664312c11f-9\"");
	/* What S3 documents: 200 OK, then an error in the body. */
	const char *in200 = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\n\n"
			    "<Error><Code>InternalError</Code><Message>We encountered an internal "
			    "error. Please try again.</Message><RequestId>656c76696e67</RequestId>"
			    "</Error>";
	cr_assert_eq(s3_parse_mpu_complete(in200, strlen(in200), etag, sizeof etag, &e),
		     -MLC_ERR_PROTO);
	cr_assert_str_eq(e.msg, "CompleteMultipartUpload: InternalError: We encountered an "
				"internal error. Please try again.");
	cr_assert_lt(s3_parse_mpu_complete("", 0, etag, sizeof etag, &e), 0);
	const char *other = "<Something/>";
	cr_assert_lt(s3_parse_mpu_complete(other, strlen(other), etag, sizeof etag, &e), 0);
}

Test(s3mpu_xml, complete_body)
{
	struct s3_part p[2] = {{.number = 1, .etag = "\"a&b<c>\""}, {.number = 2, .etag = "\"e\""}};
	char *b = s3_mpu_complete_body(p, 2);
	cr_assert_str_eq(b, "<CompleteMultipartUpload" NS "><Part><PartNumber>1</PartNumber><ETag>"
			    "&quot;a&amp;b&lt;c&gt;&quot;</ETag></Part><Part><PartNumber>2"
			    "</PartNumber><ETag>&quot;e&quot;</ETag></Part>"
			    "</CompleteMultipartUpload>");
	free(b);
}

Test(s3mpu_xml, uploads_page)
{
	const char *b =
	    "<ListMultipartUploadsResult" NS "><Bucket>data</Bucket><KeyMarker></KeyMarker>"
	    "<UploadIdMarker></UploadIdMarker><NextKeyMarker>b%2Bc+d</NextKeyMarker>"
	    "<NextUploadIdMarker>id2</NextUploadIdMarker><EncodingType>url</EncodingType>"
	    "<MaxUploads>2</MaxUploads><IsTruncated>true</IsTruncated>"
	    "<Upload><Key>a/one</Key><UploadId>id1</UploadId><Initiator><ID>x</ID></Initiator>"
	    "<Owner><ID>o</ID></Owner><StorageClass>STANDARD</StorageClass>"
	    "<Initiated>2026-10-01T09:00:00.000Z</Initiated></Upload>"
	    "<Upload><Key>b%2Bc+d%00e</Key><UploadId>id2</UploadId>"
	    "<Initiated>2026-10-01T09:01:00.000Z</Initiated></Upload>"
	    "</ListMultipartUploadsResult>";
	struct s3_uploads_page pg;
	struct mlc_err e;
	cr_assert_eq(s3_parse_uploads(b, strlen(b), &pg, &e), 0, "%s", e.msg);
	cr_assert_eq(pg.n, 2);
	cr_assert(pg.is_truncated);
	cr_assert_str_eq(pg.next_key_marker, "b+c d");
	cr_assert_str_eq(pg.next_upload_id_marker, "id2");
	cr_assert_str_eq(pg.uploads[0].key, "a/one");
	cr_assert_str_eq(pg.uploads[0].storage_class, "STANDARD");
	cr_assert_eq(pg.uploads[0].initiated_ms, 1790845200000LL);
	cr_assert_str_eq(pg.uploads[1].key, "b+c d\xff"
					    "e");
	cr_assert(pg.uploads[1].key_nul);
	cr_assert_str_eq(pg.uploads[1].upload_id, "id2");
	cr_assert_str_eq(pg.uploads[1].storage_class, "");
	s3_uploads_page_free(&pg);
	/* A raw control byte XML cannot carry comes back as itself. */
	const char *ctl = "<ListMultipartUploadsResult><Upload><Key>a\x01"
			  "b</Key><UploadId>i</UploadId></Upload></ListMultipartUploadsResult>";
	cr_assert_eq(s3_parse_uploads(ctl, strlen(ctl), &pg, &e), 0, "%s", e.msg);
	cr_assert_str_eq(pg.uploads[0].key, "a\x01"
					    "b");
	cr_assert(!pg.is_truncated);
	s3_uploads_page_free(&pg);
	const char *empty = "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>"
			    "</ListMultipartUploadsResult>";
	cr_assert_eq(s3_parse_uploads(empty, strlen(empty), &pg, &e), 0);
	cr_assert_eq(pg.n, 0);
	s3_uploads_page_free(&pg);
}

Test(s3mpu_xml, parts_page)
{
	const char *b = "<ListPartsResult" NS "><Bucket>data</Bucket><Key>k</Key><UploadId>u"
			"</UploadId><PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>2"
			"</NextPartNumberMarker><MaxParts>2</MaxParts><IsTruncated>true"
			"</IsTruncated><Part><PartNumber>1</PartNumber><LastModified>"
			"2026-10-01T09:00:00.000Z</LastModified><ETag>\"e1\"</ETag><Size>5242880"
			"</Size></Part><Part><PartNumber>2</PartNumber><ETag>\"e2\"</ETag><Size>"
			"17</Size></Part></ListPartsResult>";
	struct s3_parts_page pg;
	struct mlc_err e;
	cr_assert_eq(s3_parse_parts(b, strlen(b), &pg, &e), 0, "%s", e.msg);
	cr_assert_eq(pg.n, 2);
	cr_assert(pg.is_truncated);
	cr_assert_eq(pg.next_marker, 2);
	cr_assert_eq(pg.parts[0].number, 1);
	cr_assert_eq(pg.parts[0].size, 5242880);
	cr_assert_str_eq(pg.parts[0].etag, "\"e1\"");
	cr_assert_eq(pg.parts[1].size, 17);
	cr_assert_eq(pg.parts[1].mtime_ms, 0);
	s3_parts_page_free(&pg);
}

Test(s3mpu_xml, hostile)
{
	struct s3_uploads_page pg;
	struct s3_parts_page pp;
	struct mlc_err e;
	char *id;
	const char *doctype = "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;\">]>"
			      "<ListMultipartUploadsResult><Upload><Key>&b;</Key></Upload>"
			      "</ListMultipartUploadsResult>";
	cr_assert_eq(s3_parse_uploads(doctype, strlen(doctype), &pg, &e), -MLC_ERR_PARSE);
	cr_assert(strstr(e.msg, "DOCTYPE refused"), "%s", e.msg);
	cr_assert_eq(pg.n, 0);
	/* element text over the cap */
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "<InitiateMultipartUploadResult><UploadId>");
	for (int i = 0; i < S3_MPU_MAX_TEXT + 10; i++)
		buf_append(&b, "x", 1);
	buf_puts(&b, "</UploadId></InitiateMultipartUploadResult>");
	cr_assert_eq(s3_parse_mpu_initiate(b.data, b.len, &id, &e), -MLC_ERR_PARSE);
	cr_assert(strstr(e.msg, "element text over"), "%s", e.msg);
	buf_free(&b);
	/* more entries than any page holds */
	buf_init(&b);
	buf_puts(&b, "<ListPartsResult>");
	for (int i = 0; i <= S3_MPU_MAX_ENTRIES; i++)
		buf_puts(&b, "<Part><PartNumber>1</PartNumber></Part>");
	buf_puts(&b, "</ListPartsResult>");
	cr_assert_eq(s3_parse_parts(b.data, b.len, &pp, &e), -MLC_ERR_PARSE);
	cr_assert(strstr(e.msg, "more than 10000 entries"), "%s", e.msg);
	cr_assert_eq(pp.n, 0);
	buf_free(&b);
	/* truncated, nested wrongly, deep, binary */
	const char *cut = "<ListMultipartUploadsResult><Upload><Key>a</Key><UploadId>x";
	cr_assert_eq(s3_parse_uploads(cut, strlen(cut), &pg, &e), -MLC_ERR_PARSE);
	const char *wrong = "<ListPartsResult><Part><PartNumber>1</Size></Part></ListPartsResult>";
	cr_assert_eq(s3_parse_parts(wrong, strlen(wrong), &pp, &e), -MLC_ERR_PARSE);
	buf_init(&b);
	for (int i = 0; i < 200; i++)
		buf_puts(&b, "<ListPartsResult>");
	buf_puts(&b, "<Part><PartNumber>7</PartNumber></Part>");
	for (int i = 0; i < 200; i++)
		buf_puts(&b, "</ListPartsResult>");
	cr_assert_eq(s3_parse_parts(b.data, b.len, &pp, &e), 0, "%s", e.msg);
	cr_assert_eq(pp.n, 0, "a part deep inside is not a part of the page");
	s3_parts_page_free(&pp);
	buf_free(&b);
	const char bin[] = "\x00\xff\xfe<Upload>";
	cr_assert_lt(s3_parse_uploads(bin, sizeof bin - 1, &pg, &e), 0);
	/* Upload outside its document, and fields of no entry */
	const char *stray = "<ListMultipartUploadsResult><Key>k</Key><UploadId>u</UploadId>"
			    "</ListMultipartUploadsResult>";
	cr_assert_eq(s3_parse_uploads(stray, strlen(stray), &pg, &e), 0);
	cr_assert_eq(pg.n, 0);
	s3_uploads_page_free(&pg);
}

Test(s3mpu_xml, part_size_rule)
{
	struct target t = {0};
	cr_assert_eq(s3c_threshold(&t), (int64_t)64 << 20);
	cr_assert_eq(s3c_mpu_part_size(&t, (int64_t)2 << 30), (int64_t)8 << 20);
	/* 5 TiB in at most 10,000 parts: 525 MiB parts, whole MiB */
	int64_t big = (int64_t)5 << 40, p = s3c_mpu_part_size(&t, big);
	cr_assert_eq(p % (1 << 20), 0);
	cr_assert_leq((big + p - 1) / p, 10000);
	cr_assert_eq(p, (int64_t)525 << 20);
	/* 100 GB with 5 MiB asked: grown to fit 10,000 parts */
	t.part_size = (int64_t)5 << 20;
	int64_t hundred = 100000000000LL;
	p = s3c_mpu_part_size(&t, hundred);
	cr_assert_leq((hundred + p - 1) / p, 10000);
	cr_assert_eq(p, (int64_t)10 << 20);
	t.part_size = 1000; /* never below S3's 5 MiB */
	cr_assert_eq(s3c_mpu_part_size(&t, 100), (int64_t)5 << 20);
	t.multipart_threshold = 5 << 20;
	cr_assert_eq(s3c_threshold(&t), 5 << 20);
}

Test(s3mpu_xml, config_sizes)
{
	cr_assert_eq(config_parse_size("64MiB"), (int64_t)64 << 20);
	cr_assert_eq(config_parse_size("8M"), (int64_t)8 << 20);
	cr_assert_eq(config_parse_size("1 GiB"), (int64_t)1 << 30);
	cr_assert_eq(config_parse_size("5242880"), 5242880);
	cr_assert_eq(config_parse_size("16kb"), 16384);
	cr_assert_eq(config_parse_size("2T"), (int64_t)2 << 40);
	cr_assert_eq(config_parse_size("-1"), -1);
	cr_assert_eq(config_parse_size("8 MiBs"), -1);
	cr_assert_eq(config_parse_size("M"), -1);
	cr_assert_eq(config_parse_size("99999999999999999999"), -1);
	cr_assert_eq(config_parse_size("9000000000T"), -1);

	char path[] = "/tmp/mlc-mpu-conf-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	const char *ini = "[s3]\nendpoint = http://127.0.0.1:9\nmultipart_threshold = 5MiB\n"
			  "part_size = 6M\nconcurrency = 8\n";
	cr_assert_eq(write(fd, ini, strlen(ini)), (ssize_t)strlen(ini));
	close(fd);
	struct config c;
	config_init(&c);
	struct mlc_err e;
	cr_assert_eq(config_read_file(&c, path, &e), 0, "%s", e.msg);
	cr_assert_eq(c.targets[0].multipart_threshold, (int64_t)5 << 20);
	cr_assert_eq(c.targets[0].part_size, (int64_t)6 << 20);
	cr_assert_eq(c.targets[0].concurrency, 8);
	cr_assert_eq(c.nwarnings, 0);
	config_free(&c);
	const char *bad[] = {"[s3]\npart_size = 1MiB\n", "[s3]\nconcurrency = 0\n",
			     "[s3]\nmultipart_threshold = lots\n", "[s3]\nconcurrency = 65\n"};
	for (size_t i = 0; i < 4; i++) {
		fd = open(path, O_WRONLY | O_TRUNC);
		cr_assert_eq(write(fd, bad[i], strlen(bad[i])), (ssize_t)strlen(bad[i]));
		close(fd);
		config_init(&c);
		cr_assert_lt(config_read_file(&c, path, &e), 0, "%s accepted", bad[i]);
		cr_assert(strstr(e.msg, ":2:"), "%s", e.msg);
		config_free(&c);
	}
	unlink(path);
}
