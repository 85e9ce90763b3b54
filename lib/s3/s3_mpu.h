/* lib/s3/s3_mpu.h — the documents of S3 multipart uploads: the models and
 * pure parsers of InitiateMultipartUploadResult, CompleteMultipartUploadResult
 * (or the <Error> S3 may send with a 200 to Complete),
 * ListMultipartUploadsResult and ListPartsResult, and the
 * CompleteMultipartUpload body. Parsed whole by expat with s3_xml.c's
 * limits: a DOCTYPE refused, element text capped, entries capped. Never
 * performs I/O. */
#ifndef MLC_S3_MPU_H
#define MLC_S3_MPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/err.h"

/* Entries one document may hold (S3 pages hold at most 1000); more is
 * refused as hostile. */
#define S3_MPU_MAX_ENTRIES 10000
/* Element text longer than this is refused. */
#define S3_MPU_MAX_TEXT 8192

/* InitiateMultipartUploadResult → its UploadId (caller frees). An <Error>
 * document is MLC_ERR_PROTO with its Code and Message; an answer without an
 * UploadId MLC_ERR_PARSE. */
int s3_parse_mpu_initiate(const char *body, size_t len, char **upload_id, struct mlc_err *err);

/* CompleteMultipartUploadResult → the object's ETag (into etag, quotes as
 * sent). S3 may answer Complete with 200 and an <Error> body: that is a
 * failure (MLC_ERR_PROTO, "Code: Message"), as is a body with no
 * CompleteMultipartUploadResult. */
int s3_parse_mpu_complete(const char *body, size_t len, char *etag, size_t n, struct mlc_err *err);

/* One part as CompleteMultipartUpload names it. */
struct s3_part {
	int number;	  /* 1..10000 */
	char etag[80];	  /* as UploadPart's answer sent it, quotes included */
	int64_t size;	  /* ListParts: Size; -1 when absent */
	int64_t mtime_ms; /* ListParts: LastModified; 0 when absent */
};
/* The <CompleteMultipartUpload> document for n parts in order, their ETags
 * XML-escaped. Caller frees. */
char *s3_mpu_complete_body(const struct s3_part *parts, size_t n);

/* One incomplete upload of a ListMultipartUploads page. */
struct s3_upload {
	char *key; /* decoded (url encoding, control bytes); S3_KEY_NUL for a NUL */
	bool key_nul;
	char *upload_id;
	int64_t initiated_ms; /* 0 when absent */
	char *storage_class;  /* "" when absent */
};
struct s3_uploads_page {
	struct s3_upload *uploads;
	size_t n;
	bool is_truncated;
	char *next_key_marker, *next_upload_id_marker; /* NULL when absent */
};
int s3_parse_uploads(const char *body, size_t len, struct s3_uploads_page *pg, struct mlc_err *err);
void s3_uploads_page_free(struct s3_uploads_page *pg);
/* Frees what one struct s3_upload holds (a free_items free_one). */
void s3_upload_free(void *item);

struct s3_parts_page {
	struct s3_part *parts;
	size_t n;
	bool is_truncated;
	int next_marker; /* NextPartNumberMarker, 0 when absent */
};
int s3_parse_parts(const char *body, size_t len, struct s3_parts_page *pg, struct mlc_err *err);
void s3_parts_page_free(struct s3_parts_page *pg);

#endif
