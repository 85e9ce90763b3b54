/* tests/fuzz/fuzz_s3_mpu.c — lib/s3/s3_mpu_xml.c's parsers (Initiate,
 * Complete, ListMultipartUploads, ListParts) on arbitrary bytes. Oracles: an
 * upload id only on success and never empty; an ETag that fits its buffer;
 * pages within S3_MPU_MAX_ENTRIES, every key and id set, nothing on error. */
#include <string.h>

#include "fuzz.h"
#include "lib/core/util.h"
#include "lib/s3/s3_mpu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size ? size : 1);
	if (size)
		memcpy(body, data, size);
	struct mlc_err e;

	char *id = (char *)1;
	if (s3_parse_mpu_initiate(body, size, &id, &e) == 0) {
		FUZZ_CHECK(id && id[0], "an upload id on success");
		free(id);
	} else {
		FUZZ_CHECK(id == NULL, "no upload id on error");
		FUZZ_CHECK(e.msg[0], "error message set");
	}

	char etag[80];
	memset(etag, 'X', sizeof etag);
	if (s3_parse_mpu_complete(body, size, etag, sizeof etag, &e) == 0)
		FUZZ_CHECK(memchr(etag, '\0', sizeof etag) != NULL, "ETag terminated");

	struct s3_uploads_page up;
	if (s3_parse_uploads(body, size, &up, &e) == 0) {
		FUZZ_CHECK(up.n <= S3_MPU_MAX_ENTRIES, "entries capped");
		for (size_t i = 0; i < up.n; i++)
			FUZZ_CHECK(up.uploads[i].key && up.uploads[i].upload_id &&
				       up.uploads[i].storage_class,
				   "every field of an upload set");
		s3_uploads_page_free(&up);
	} else {
		FUZZ_CHECK(up.n == 0 && up.uploads == NULL, "no page on error");
	}

	struct s3_parts_page pp;
	if (s3_parse_parts(body, size, &pp, &e) == 0) {
		FUZZ_CHECK(pp.n <= S3_MPU_MAX_ENTRIES, "entries capped");
		for (size_t i = 0; i < pp.n; i++)
			FUZZ_CHECK(memchr(pp.parts[i].etag, '\0', sizeof pp.parts[i].etag) != NULL,
				   "part ETag terminated");
		s3_parts_page_free(&pp);
	} else {
		FUZZ_CHECK(pp.n == 0 && pp.parts == NULL, "no page on error");
	}
	free(body);
	return 0;
}
