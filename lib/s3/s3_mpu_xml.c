/* lib/s3/s3_mpu_xml.c — the multipart upload documents (see s3_mpu.h). One
 * expat walk keeps the element path and hands each closed element's text
 * to the document's handler. The limits of s3_xml.c hold: a DOCTYPE is
 * refused, text over S3_MPU_MAX_TEXT and more than S3_MPU_MAX_ENTRIES
 * entries are errors, control bytes XML cannot carry are mapped through
 * the private use area and back. Never performs I/O. */
#include "lib/s3/s3_mpu.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/s3/s3.h"
#include "lib/s3/s3_int.h"

struct mx {
	XML_Parser p;
	char path[192];
	unsigned untracked;
	struct buf text;
	bool doctype, too_long, too_many, is_error, url_encoded;
	char code[64], message[200];
	/* the documents */
	char *upload_id;
	char etag[80];
	bool complete_result;
	struct s3_uploads_page *up;
	struct s3_parts_page *pp;
	size_t cap;
};

static void mx_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct mx *x = ud;
	(void)attrs;
	buf_reset(&x->text);
	if (!s3_xml_path_push(x->path, sizeof x->path, &x->untracked, name))
		return;
	if (!strcmp(x->path, "/Error"))
		x->is_error = true;
	else if (!strcmp(x->path, "/CompleteMultipartUploadResult"))
		x->complete_result = true;
	bool up = x->up && !strcmp(x->path, "/ListMultipartUploadsResult/Upload");
	bool part = x->pp && !strcmp(x->path, "/ListPartsResult/Part");
	if (!up && !part)
		return;
	size_t n = up ? x->up->n : x->pp->n;
	if (n >= S3_MPU_MAX_ENTRIES) {
		x->too_many = true;
		XML_StopParser(x->p, XML_FALSE);
		return;
	}
	if (n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 16;
		if (up)
			x->up->uploads = xrealloc(x->up->uploads, x->cap * sizeof *x->up->uploads);
		else
			x->pp->parts = xrealloc(x->pp->parts, x->cap * sizeof *x->pp->parts);
	}
	if (up) {
		struct s3_upload *u = &x->up->uploads[x->up->n++];
		memset(u, 0, sizeof *u);
		u->key = xstrdup("");
		u->upload_id = xstrdup("");
		u->storage_class = xstrdup("");
	} else {
		struct s3_part *pt = &x->pp->parts[x->pp->n++];
		memset(pt, 0, sizeof *pt);
		pt->size = -1;
	}
}

static void set_str(char **dst, const char *t)
{
	free(*dst);
	*dst = xstrdup(t);
}

static void upload_field(struct mx *x, const char *f, const char *t)
{
	struct s3_uploads_page *pg = x->up;
	struct s3_upload *u = pg->n ? &pg->uploads[pg->n - 1] : NULL;
	if (u && !strcmp(f, "Upload/Key"))
		set_str(&u->key, t);
	else if (u && !strcmp(f, "Upload/UploadId"))
		set_str(&u->upload_id, t);
	else if (u && !strcmp(f, "Upload/Initiated"))
		u->initiated_ms = MLC_MAX(s3_parse_iso8601_ms(t), 0);
	else if (u && !strcmp(f, "Upload/StorageClass"))
		set_str(&u->storage_class, t);
	else if (!strcmp(f, "IsTruncated"))
		pg->is_truncated = !strcmp(t, "true");
	else if (!strcmp(f, "NextKeyMarker"))
		set_str(&pg->next_key_marker, t);
	else if (!strcmp(f, "NextUploadIdMarker"))
		set_str(&pg->next_upload_id_marker, t);
	else if (!strcmp(f, "EncodingType"))
		x->url_encoded = !strcmp(t, "url");
}

static void part_field(struct mx *x, const char *f, const char *t)
{
	struct s3_parts_page *pg = x->pp;
	struct s3_part *p = pg->n ? &pg->parts[pg->n - 1] : NULL;
	if (p && !strcmp(f, "Part/PartNumber"))
		p->number = atoi(t);
	else if (p && !strcmp(f, "Part/ETag"))
		strlcpy_m(p->etag, t, sizeof p->etag);
	else if (p && !strcmp(f, "Part/Size"))
		p->size = strtoll(t, NULL, 10);
	else if (p && !strcmp(f, "Part/LastModified"))
		p->mtime_ms = MLC_MAX(s3_parse_iso8601_ms(t), 0);
	else if (!strcmp(f, "IsTruncated"))
		pg->is_truncated = !strcmp(t, "true");
	else if (!strcmp(f, "NextPartNumberMarker"))
		pg->next_marker = atoi(t);
}

static void mx_end(void *ud, const XML_Char *name)
{
	struct mx *x = ud;
	const char *t = x->text.data ? x->text.data : "";
	if (x->untracked) {
		x->untracked--;
		buf_reset(&x->text);
		return;
	}
	if (!strcmp(x->path, "/Error/Code"))
		strlcpy_m(x->code, t, sizeof x->code);
	else if (!strcmp(x->path, "/Error/Message"))
		strlcpy_m(x->message, t, sizeof x->message);
	else if (!strcmp(x->path, "/InitiateMultipartUploadResult/UploadId"))
		set_str(&x->upload_id, t);
	else if (!strcmp(x->path, "/CompleteMultipartUploadResult/ETag"))
		strlcpy_m(x->etag, t, sizeof x->etag);
	else if (x->up && str_starts(x->path, "/ListMultipartUploadsResult/"))
		upload_field(x, x->path + strlen("/ListMultipartUploadsResult/"), t);
	else if (x->pp && str_starts(x->path, "/ListPartsResult/"))
		part_field(x, x->path + strlen("/ListPartsResult/"), t);
	s3_xml_path_pop(x->path, name);
	buf_reset(&x->text);
}

static void mx_text(void *ud, const XML_Char *s, int len)
{
	struct mx *x = ud;
	if (x->text.len + (size_t)len > S3_MPU_MAX_TEXT) {
		x->too_long = true;
		XML_StopParser(x->p, XML_FALSE);
		return;
	}
	buf_append(&x->text, s, (size_t)len);
}

static void mx_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
		       int has_internal)
{
	struct mx *x = ud;
	(void)name, (void)sysid, (void)pubid, (void)has_internal;
	x->doctype = true;
	XML_StopParser(x->p, XML_FALSE);
}

/* Parses body into x; an <Error> document is MLC_ERR_PROTO "WHAT: Code:
 * Message". */
static int mx_run(struct mx *x, const char *body, size_t len, const char *what, struct mlc_err *err)
{
	buf_init(&x->text);
	x->p = XML_ParserCreate("UTF-8");
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, mx_start, mx_end);
	XML_SetCharacterDataHandler(x->p, mx_text);
	XML_SetStartDoctypeDeclHandler(x->p, mx_doctype);
	XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
	size_t tlen = 0;
	char *mapped = s3_ctl_to_pua(body ? body : "", len, &tlen);
	int rc = 0;
	if (len > (size_t)1 << 30)
		rc = mlc_err_set(err, MLC_ERR_TOO_BIG, 0, "%s: answer too large", what);
	else if (XML_Parse(x->p,
			   mapped ? mapped
			   : body ? body
				  : "",
			   (int)(mapped ? tlen : len), XML_TRUE) == XML_STATUS_ERROR) {
		if (x->doctype)
			rc = mlc_err_set(err, MLC_ERR_PARSE, 0, "%s: DOCTYPE refused", what);
		else if (x->too_long)
			rc = mlc_err_set(err, MLC_ERR_PARSE, 0, "%s: element text over %d bytes",
					 what, S3_MPU_MAX_TEXT);
		else if (x->too_many)
			rc = mlc_err_set(err, MLC_ERR_PARSE, 0, "%s: more than %d entries", what,
					 S3_MPU_MAX_ENTRIES);
		else
			rc = mlc_err_set(err, MLC_ERR_PARSE, 0, "%s: malformed XML at line %lu: %s",
					 what, (unsigned long)XML_GetCurrentLineNumber(x->p),
					 XML_ErrorString(XML_GetErrorCode(x->p)));
	} else if (x->is_error) {
		rc = mlc_err_set(err, MLC_ERR_PROTO, 0, "%s: %s%s%s", what,
				 x->code[0] ? x->code : "Error", x->message[0] ? ": " : "",
				 x->message);
	}
	free(mapped);
	XML_ParserFree(x->p);
	buf_free(&x->text);
	return rc;
}

int s3_parse_mpu_initiate(const char *body, size_t len, char **upload_id, struct mlc_err *err)
{
	struct mx x = {0};
	*upload_id = NULL;
	int rc = mx_run(&x, body, len, "CreateMultipartUpload", err);
	if (rc == 0 && (!x.upload_id || !x.upload_id[0]))
		rc = mlc_err_set(err, MLC_ERR_PARSE, 0,
				 "CreateMultipartUpload: no UploadId in the "
				 "answer");
	if (rc == 0) {
		*upload_id = x.upload_id;
		x.upload_id = NULL;
	}
	free(x.upload_id);
	return rc;
}

int s3_parse_mpu_complete(const char *body, size_t len, char *etag, size_t n, struct mlc_err *err)
{
	struct mx x = {0};
	int rc = mx_run(&x, body, len, "CompleteMultipartUpload", err);
	free(x.upload_id);
	if (rc == 0 && !x.complete_result)
		rc = mlc_err_set(err, MLC_ERR_PROTO, 0,
				 "CompleteMultipartUpload: no CompleteMultipartUploadResult in the "
				 "answer");
	if (rc == 0)
		strlcpy_m(etag, x.etag, n);
	return rc;
}

/* ETags are opaque text: XML-escaped as they go back. */
static void xml_escape_into(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		default:
			buf_append(b, s, 1);
		}
	}
}

char *s3_mpu_complete_body(const struct s3_part *parts, size_t n)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
	for (size_t i = 0; i < n; i++) {
		buf_printf(&b, "<Part><PartNumber>%d</PartNumber><ETag>", parts[i].number);
		xml_escape_into(&b, parts[i].etag);
		buf_puts(&b, "</ETag></Part>");
	}
	buf_puts(&b, "</CompleteMultipartUpload>");
	return buf_steal(&b);
}

int s3_parse_uploads(const char *body, size_t len, struct s3_uploads_page *pg, struct mlc_err *err)
{
	memset(pg, 0, sizeof *pg);
	struct mx x = {.up = pg};
	int rc = mx_run(&x, body, len, "ListMultipartUploads", err);
	free(x.upload_id);
	if (rc != 0) {
		s3_uploads_page_free(pg);
		return rc;
	}
	for (size_t i = 0; i < pg->n; i++) {
		s3_key_pua_to_ctl(pg->uploads[i].key);
		if (x.url_encoded)
			pg->uploads[i].key_nul = s3_key_url_decode(pg->uploads[i].key);
	}
	if (x.url_encoded && pg->next_key_marker)
		s3_key_url_decode(pg->next_key_marker);
	return 0;
}

void s3_upload_free(void *item)
{
	struct s3_upload *u = item;
	free(u->key);
	free(u->upload_id);
	free(u->storage_class);
}

void s3_uploads_page_free(struct s3_uploads_page *pg)
{
	free_items(pg->uploads, pg->n, sizeof *pg->uploads, s3_upload_free);
	free(pg->next_key_marker);
	free(pg->next_upload_id_marker);
	memset(pg, 0, sizeof *pg);
}

int s3_parse_parts(const char *body, size_t len, struct s3_parts_page *pg, struct mlc_err *err)
{
	memset(pg, 0, sizeof *pg);
	struct mx x = {.pp = pg};
	int rc = mx_run(&x, body, len, "ListParts", err);
	free(x.upload_id);
	if (rc != 0)
		s3_parts_page_free(pg);
	return rc;
}

void s3_parts_page_free(struct s3_parts_page *pg)
{
	free(pg->parts);
	memset(pg, 0, sizeof *pg);
}
