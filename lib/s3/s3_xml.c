/* lib/s3/s3_xml.c — the small S3 XML answers (see s3.h): ListAllMyBuckets,
 * <Error> documents, DeleteObjects results. Parsers stream with expat,
 * refuse any DOCTYPE (no entity tricks) and keep only what they return.
 * Never performs I/O. */
#include "lib/s3/s3.h"
#include "lib/s3/s3_int.h"

#include <expat.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/core/config.h"
#include "lib/core/util.h"

/* ---- streaming XML ------------------------------------------------------ */

struct xml_ctx {
	XML_Parser p;
	char path[256];	    /* "/ListAllMyBucketsResult/Buckets/Bucket/Name" */
	unsigned untracked; /* open elements too deep for path (and their children) */
	struct buf text;
	bool doctype;
	/* list buckets */
	char **names;
	size_t nnames;
	int64_t *dates; /* CreationDate per name, 0 when absent */
	/* error */
	char code[64], message[200], bucket[128], key[256];
	bool is_error;
};

bool s3_xml_path_push(char *path, size_t n, unsigned *untracked, const char *name)
{
	size_t l = strlen(path);
	/* An element whose path does not fit is counted, never half-appended,
	 * so that its end tag cannot pop an ancestor's name. */
	if (*untracked || l + 1 + strlen(name) >= n) {
		(*untracked)++;
		return false;
	}
	snprintf(path + l, n - l, "/%s", name);
	return true;
}

void s3_xml_path_pop(char *path, const char *name)
{
	char *slash = strrchr(path, '/');
	if (slash && strcmp(slash + 1, name) == 0)
		*slash = '\0';
}

static void x_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct xml_ctx *x = ud;
	(void)attrs;
	buf_reset(&x->text);
	if (!s3_xml_path_push(x->path, sizeof x->path, &x->untracked, name))
		return;
	if (strcmp(x->path, "/Error") == 0)
		x->is_error = true;
}

static void x_end(void *ud, const XML_Char *name)
{
	struct xml_ctx *x = ud;
	const char *t = x->text.data ? x->text.data : "";
	if (x->untracked) {
		x->untracked--;
		buf_reset(&x->text);
		return;
	}
	if (strcmp(x->path, "/ListAllMyBucketsResult/Buckets/Bucket/Name") == 0) {
		x->names = xrealloc(x->names, (x->nnames + 2) * sizeof *x->names);
		x->dates = xrealloc(x->dates, (x->nnames + 1) * sizeof *x->dates);
		x->dates[x->nnames] = 0;
		x->names[x->nnames++] = xstrdup(t);
		x->names[x->nnames] = NULL;
	} else if (strcmp(x->path, "/ListAllMyBucketsResult/Buckets/Bucket/CreationDate") == 0) {
		int64_t ms = s3_parse_iso8601_ms(t);
		if (x->nnames > 0 && ms > 0)
			x->dates[x->nnames - 1] = ms;
	} else if (strcmp(x->path, "/Error/Code") == 0) {
		strlcpy_m(x->code, t, sizeof x->code);
	} else if (strcmp(x->path, "/Error/Message") == 0) {
		strlcpy_m(x->message, t, sizeof x->message);
	} else if (strcmp(x->path, "/Error/BucketName") == 0) {
		strlcpy_m(x->bucket, t, sizeof x->bucket);
	} else if (strcmp(x->path, "/Error/Key") == 0) {
		strlcpy_m(x->key, t, sizeof x->key);
	}
	s3_xml_path_pop(x->path, name);
	buf_reset(&x->text);
}

static void x_text(void *ud, const XML_Char *s, int len)
{
	struct xml_ctx *x = ud;
	if (x->text.len + (size_t)len < 4096)
		buf_append(&x->text, s, (size_t)len);
}

static void x_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
		      int has_internal)
{
	struct xml_ctx *x = ud;
	x->doctype = true;
	XML_StopParser(x->p, XML_FALSE);
}

static int xml_run(struct xml_ctx *x, const char *body, size_t len, const char *what,
		   struct mlc_err *err)
{
	x->p = XML_ParserCreate("UTF-8");
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, x_start, x_end);
	XML_SetCharacterDataHandler(x->p, x_text);
	XML_SetStartDoctypeDeclHandler(x->p, x_doctype);
	XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
	int rc = 0;
	if (XML_Parse(x->p, body, (int)len, XML_TRUE) == XML_STATUS_ERROR) {
		if (x->doctype)
			rc = mlc_err_set(err, MLC_ERR_PARSE, 0, "%s: DOCTYPE refused", what);
		else
			rc = mlc_err_set(err, MLC_ERR_PARSE, (long)XML_GetCurrentLineNumber(x->p),
					 "%s: malformed XML at line %lu: %s", what,
					 (unsigned long)XML_GetCurrentLineNumber(x->p),
					 XML_ErrorString(XML_GetErrorCode(x->p)));
	}
	XML_ParserFree(x->p);
	buf_free(&x->text);
	return rc;
}

int s3_parse_list_buckets(const char *body, size_t len, char ***names, struct mlc_err *err)
{
	struct xml_ctx x = {0};
	int rc = xml_run(&x, body, len, "s3 ListBuckets", err);
	if (rc == 0 && x.is_error) {
		rc =
		    mlc_err_set(err, MLC_ERR_PROTO, 0, "s3 ListBuckets: %s: %s", x.code, x.message);
	}
	free(x.dates);
	if (rc != 0) {
		strv_free(x.names);
		*names = NULL;
		return rc;
	}
	if (!x.names)
		x.names = xcalloc(1, sizeof *x.names);
	*names = x.names;
	return 0;
}

int s3_parse_buckets(const char *body, size_t len, struct s3_bucket **out, size_t *n,
		     struct mlc_err *err)
{
	struct xml_ctx x = {0};
	*out = NULL;
	*n = 0;
	int rc = xml_run(&x, body, len, "s3 ListBuckets", err);
	if (rc == 0 && x.is_error)
		rc =
		    mlc_err_set(err, MLC_ERR_PROTO, 0, "s3 ListBuckets: %s: %s", x.code, x.message);
	if (rc == 0) {
		*out = xcalloc(x.nnames + 1, sizeof **out);
		for (size_t i = 0; i < x.nnames; i++) {
			(*out)[i].name = x.names[i];
			(*out)[i].created_ms = x.dates[i];
			x.names[i] = NULL;
		}
		*n = x.nnames;
	}
	strv_free(x.names);
	free(x.dates);
	return rc;
}

void s3_buckets_free(struct s3_bucket *b, size_t n)
{
	for (size_t i = 0; b && i < n; i++)
		free(b[i].name);
	free(b);
}

int s3_parse_error(const char *body, size_t len, char *out, size_t n)
{
	struct xml_ctx x = {0};
	int rc = body && len ? xml_run(&x, body, len, "s3 error", NULL) : -1;
	strv_free(x.names); /* a ListBuckets document collects names too */
	free(x.dates);
	if (rc != 0 || !x.is_error)
		return -1;
	int o = snprintf(out, n, "%s%s%s", x.code, x.message[0] ? ": " : "", x.message);
	if (x.bucket[0] && o >= 0 && (size_t)o < n)
		o += snprintf(out + o, n - (size_t)o, " (bucket %s)", x.bucket);
	if (x.key[0] && o >= 0 && (size_t)o < n)
		snprintf(out + o, n - (size_t)o, " (key %s)", x.key);
	return 0;
}

struct del_ctx {
	XML_Parser p;
	unsigned depth;
	bool in_error, in_deleted, is_error_doc;
	struct buf text;
	struct s3_delete_result *r;
	char key[256], code[64], message[200];
};

static void dx_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct del_ctx *x = ud;
	x->depth++;
	buf_reset(&x->text);
	if (x->depth == 1)
		x->is_error_doc = strcmp(name, "Error") == 0;
	if (x->depth == 2 && strcmp(name, "Error") == 0) {
		x->in_error = true;
		x->key[0] = x->code[0] = x->message[0] = '\0';
	}
	if (x->depth == 2 && strcmp(name, "Deleted") == 0)
		x->in_deleted = true;
}

static void dx_end(void *ud, const XML_Char *name)
{
	struct del_ctx *x = ud;
	const char *t = x->text.data ? x->text.data : "";
	if (x->depth == 2 && x->is_error_doc) {
		if (strcmp(name, "Code") == 0)
			strlcpy_m(x->r->first_error, t, sizeof x->r->first_error);
		else if (strcmp(name, "Message") == 0)
			strlcpy_m(x->message, t, sizeof x->message);
	} else if (x->depth == 3 && x->in_error) {
		if (strcmp(name, "Key") == 0)
			strlcpy_m(x->key, t, sizeof x->key);
		else if (strcmp(name, "Code") == 0)
			strlcpy_m(x->code, t, sizeof x->code);
		else if (strcmp(name, "Message") == 0)
			strlcpy_m(x->message, t, sizeof x->message);
	} else if (x->depth == 2 && x->in_error) {
		x->in_error = false;
		if (x->r->errors++ == 0) {
			char *m = xasprintf("%s: %s (key %s)", x->code, x->message, x->key);
			strlcpy_m(x->r->first_error, m, sizeof x->r->first_error);
			free(m);
		}
	} else if (x->depth == 2 && x->in_deleted) {
		x->in_deleted = false;
		x->r->deleted++;
	}
	x->depth--;
	buf_reset(&x->text);
}

static void dx_text(void *ud, const XML_Char *s, int len)
{
	struct del_ctx *x = ud;
	if (x->text.len + (size_t)len < 4096)
		buf_append(&x->text, s, (size_t)len);
}

static void dx_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
		       int has_internal)
{
	struct del_ctx *x = ud;
	XML_StopParser(x->p, XML_FALSE);
}

int s3_parse_delete_result(const char *body, size_t len, struct s3_delete_result *r,
			   struct mlc_err *err)
{
	memset(r, 0, sizeof *r);
	struct del_ctx x = {.r = r};
	buf_init(&x.text);
	x.p = XML_ParserCreate("UTF-8");
	XML_SetUserData(x.p, &x);
	XML_SetElementHandler(x.p, dx_start, dx_end);
	XML_SetCharacterDataHandler(x.p, dx_text);
	XML_SetStartDoctypeDeclHandler(x.p, dx_doctype);
	XML_SetParamEntityParsing(x.p, XML_PARAM_ENTITY_PARSING_NEVER);
	size_t tlen = 0;
	char *mapped = s3_ctl_to_pua(body, len, &tlen);
	int rc = 0;
	if (XML_Parse(x.p, mapped ? mapped : body, (int)(mapped ? tlen : len), XML_TRUE) ==
	    XML_STATUS_ERROR)
		rc = mlc_err_set(err, MLC_ERR_PARSE, 0, "s3 DeleteObjects: malformed XML: %s",
				 XML_ErrorString(XML_GetErrorCode(x.p)));
	else if (x.is_error_doc)
		rc = mlc_err_set(err, MLC_ERR_PROTO, 0, "s3 DeleteObjects: %s: %s", r->first_error,
				 x.message);
	free(mapped);
	XML_ParserFree(x.p);
	buf_free(&x.text);
	return rc;
}
