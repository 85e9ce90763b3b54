/* lib/s3/s3_list.c — the streaming ListObjectsV2 parser (see s3.h): fed
 * chunk by chunk as the body arrives, url-decodes keys, maps the control
 * characters XML 1.0 forbids through the private use area and back, refuses
 * any DOCTYPE. Keeps only what the page returns. Never performs I/O. */
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

struct s3_list_parser {
	XML_Parser xp;
	struct s3_list_page page;
	size_t cap_objects, cap_prefixes;
	unsigned depth;
	bool in_contents, in_prefixes, is_error, doctype, too_long, done;
	char wrong_root[48]; /* the root element when it is neither a listing nor <Error> */
	/* Bytes handed to expat, and the end of the last token it reported:
	 * the difference is what it holds of an unfinished token. */
	long long fed, last_pos;
	int failed; /* sticky error code */
	char failmsg[300];
	struct buf text;
	char code[64], message[200];
};

/* Called from every handler: the end of the token being reported. */
static void lp_mark(struct s3_list_parser *p)
{
	long long end =
	    (long long)XML_GetCurrentByteIndex(p->xp) + (long long)XML_GetCurrentByteCount(p->xp);
	if (end > p->last_pos)
		p->last_pos = end;
}

static void lp_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct s3_list_parser *p = ud;
	(void)attrs;
	lp_mark(p);
	p->depth++;
	buf_reset(&p->text);
	if (p->depth == 1) {
		p->is_error = strcmp(name, "Error") == 0;
		if (!p->is_error && strcmp(name, "ListBucketResult") != 0) {
			strlcpy_m(p->wrong_root, name, sizeof p->wrong_root);
			XML_StopParser(p->xp, XML_FALSE);
		}
	} else if (p->depth == 2 && !p->is_error) {
		if (strcmp(name, "Contents") == 0) {
			p->in_contents = true;
			if (p->page.nobjects == p->cap_objects) {
				p->cap_objects = p->cap_objects ? 2 * p->cap_objects : 64;
				p->page.objects = xrealloc(
				    p->page.objects, p->cap_objects * sizeof *p->page.objects);
			}
			struct s3_object *o = &p->page.objects[p->page.nobjects++];
			memset(o, 0, sizeof *o);
			o->size = -1;
		} else if (strcmp(name, "CommonPrefixes") == 0) {
			p->in_prefixes = true;
		}
	}
}

static void lp_set(char **dst, const char *t)
{
	free(*dst);
	*dst = xstrdup(t);
}

static void lp_end(void *ud, const XML_Char *name)
{
	struct s3_list_parser *p = ud;
	const char *t = p->text.data ? p->text.data : "";
	lp_mark(p);
	if (p->depth == 1) {
		/* root closed */
	} else if (p->is_error && p->depth == 2) {
		if (strcmp(name, "Code") == 0)
			strlcpy_m(p->code, t, sizeof p->code);
		else if (strcmp(name, "Message") == 0)
			strlcpy_m(p->message, t, sizeof p->message);
	} else if (p->depth == 2) {
		if (strcmp(name, "Contents") == 0)
			p->in_contents = false;
		else if (strcmp(name, "CommonPrefixes") == 0)
			p->in_prefixes = false;
		else if (strcmp(name, "IsTruncated") == 0)
			p->page.is_truncated = strcmp(t, "true") == 0;
		else if (strcmp(name, "NextContinuationToken") == 0)
			lp_set(&p->page.next_token, t);
		else if (strcmp(name, "KeyCount") == 0)
			p->page.key_count = strtol(t, NULL, 10);
		else if (strcmp(name, "EncodingType") == 0)
			p->page.url_encoded = strcmp(t, "url") == 0;
	} else if (p->depth == 3 && p->in_contents) {
		struct s3_object *o = &p->page.objects[p->page.nobjects - 1];
		if (strcmp(name, "Key") == 0) {
			lp_set(&o->key, t);
		} else if (strcmp(name, "Size") == 0) {
			o->size = strtoll(t, NULL, 10);
		} else if (strcmp(name, "LastModified") == 0) {
			int64_t ms = s3_parse_iso8601_ms(t);
			o->last_modified_ms = ms > 0 ? ms : 0;
		} else if (strcmp(name, "ETag") == 0) {
			lp_set(&o->etag, t);
		} else if (strcmp(name, "StorageClass") == 0) {
			lp_set(&o->storage_class, t);
		}
	} else if (p->depth == 3 && p->in_prefixes && strcmp(name, "Prefix") == 0) {
		if (p->page.nprefixes + 1 >= p->cap_prefixes) {
			p->cap_prefixes = p->cap_prefixes ? 2 * p->cap_prefixes : 16;
			p->page.prefixes =
			    xrealloc(p->page.prefixes, p->cap_prefixes * sizeof *p->page.prefixes);
		}
		p->page.prefixes[p->page.nprefixes++] = xstrdup(t);
		p->page.prefixes[p->page.nprefixes] = NULL;
	}
	p->depth--;
	buf_reset(&p->text);
}

static void lp_text(void *ud, const XML_Char *s, int len)
{
	struct s3_list_parser *p = ud;
	lp_mark(p);
	if (p->text.len + (size_t)len > S3_LIST_MAX_TEXT) {
		p->too_long = true;
		XML_StopParser(p->xp, XML_FALSE);
		return;
	}
	buf_append(&p->text, s, (size_t)len);
}

static void lp_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
		       int has_internal)
{
	struct s3_list_parser *p = ud;
	p->doctype = true;
	XML_StopParser(p->xp, XML_FALSE);
}

/* Everything else (comments, processing instructions, the XML declaration,
 * CDATA markers): only marks progress. */
static void lp_other(void *ud, const XML_Char *s, int len)
{
	(void)s;
	(void)len;
	lp_mark(ud);
}

struct s3_list_parser *s3_list_parser_new(void)
{
	struct s3_list_parser *p = xcalloc(1, sizeof *p);
	p->page.key_count = -1;
	buf_init(&p->text);
	p->xp = XML_ParserCreate("UTF-8");
	XML_SetUserData(p->xp, p);
	XML_SetElementHandler(p->xp, lp_start, lp_end);
	XML_SetCharacterDataHandler(p->xp, lp_text);
	XML_SetStartDoctypeDeclHandler(p->xp, lp_doctype);
	XML_SetDefaultHandlerExpand(p->xp, lp_other);
	XML_SetParamEntityParsing(p->xp, XML_PARAM_ENTITY_PARSING_NEVER);
	return p;
}

/* In place: %XX → byte and '+' → space; %00 → S3_KEY_NUL (returns true). With encoding-type=url, S3
 * and MinIO encode keys as a query value (Go's url.QueryEscape in MinIO): a space is '+' and a '+'
 * is %2B, as botocore's unquote_plus reads them. */
static bool url_decode_inplace(char *s)
{
	char *w = s;
	bool nul = false;
	for (const char *r = s; *r; r++) {
		int h, l;
		if (*r == '+') {
			*w++ = ' ';
		} else if (*r == '%' && (h = hex_digit(r[1])) >= 0 && (l = hex_digit(r[2])) >= 0) {
			char c = (char)(h * 16 + l);
			/* A NUL would end the C string here and name another
			 * object: keep a byte no valid key holds (see s3.h). */
			if (c == '\0') {
				c = S3_KEY_NUL;
				nul = true;
			}
			*w++ = c;
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return nul;
}
static int s3_list_feed_raw(struct s3_list_parser *p, const char *chunk, size_t len, int final,
			    struct mlc_err *err);

static int lp_fail(struct s3_list_parser *p, struct mlc_err *err, int code, const char *fmt,
		   const char *a, const char *b)
{
	p->failed = code;
	snprintf(p->failmsg, sizeof p->failmsg, fmt, a, b);
	return mlc_err_set(err, code, 0, "%s", p->failmsg);
}

/* XML 1.0 has no way to carry C0 control characters, yet s3rver puts them
 * raw into <Key> (S3 and MinIO percent-encode them when asked for
 * encoding-type=url, as the console always asks). So that such a listing
 * still parses, each raw control byte but TAB, LF and CR is carried through
 * expat as the private-use character U+E000 + byte and mapped back in keys
 * and prefixes once the page is complete. (A key that really holds
 * U+E001..U+E01F comes back with the control byte instead.) */
bool s3_xml_illegal_ctl(unsigned char c)
{
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/* Whether any of the 8 bytes of w is below 0x20 (a control, legal or
 * not): the common case of a listing is none, checked a word at a time. */
static bool word_has_ctl(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	return ((w - 0x20 * ones) & ~w & highs) != 0;
}

char *s3_ctl_to_pua(const char *chunk, size_t len, size_t *outlen)
{
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, chunk + i, 8);
		if (word_has_ctl(w))
			break;
	}
	size_t n = i;
	for (; i < len; i++)
		n += s3_xml_illegal_ctl((unsigned char)chunk[i]) ? 3 : 1;
	if (n == len)
		return NULL;
	char *out = xmalloc(n + 1);
	size_t o = 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)chunk[i];
		if (s3_xml_illegal_ctl(c)) {
			out[o++] = (char)0xEE;
			out[o++] = (char)0x80;
			out[o++] = (char)(0x80 | c);
		} else {
			out[o++] = (char)c;
		}
	}
	*outlen = o;
	return out;
}

static void pua_to_ctl(char *s)
{
	char *w = s;
	for (const char *r = s; *r;) {
		const unsigned char *u = (const unsigned char *)r;
		if (u[0] == 0xEE && u[1] == 0x80 && u[2] >= 0x80 && u[2] <= 0x9F && u[2] != 0x80) {
			*w++ = (char)(u[2] & 0x1F);
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

int s3_list_feed(struct s3_list_parser *p, const char *chunk, size_t len, int final,
		 struct mlc_err *err)
{
	size_t tlen = 0;
	char *mapped = p->failed || p->done ? NULL : s3_ctl_to_pua(chunk, len, &tlen);
	if (mapped) {
		int rc = s3_list_feed_raw(p, mapped, tlen, final, err);
		free(mapped);
		return rc;
	}
	return s3_list_feed_raw(p, chunk, len, final, err);
}

static int s3_list_feed_raw(struct s3_list_parser *p, const char *chunk, size_t len, int final,
			    struct mlc_err *err)
{
	if (p->failed)
		return mlc_err_set(err, p->failed, 0, "%s", p->failmsg);
	if (p->done)
		return lp_fail(p, err, MLC_ERR_PARSE, "s3 ListObjectsV2: %s%s", "fed after the end",
			       "");
	p->fed += (long long)len;
	if (XML_Parse(p->xp, chunk, (int)len, final ? XML_TRUE : XML_FALSE) == XML_STATUS_ERROR) {
		if (p->doctype)
			return lp_fail(p, err, MLC_ERR_PARSE, "s3 ListObjectsV2: %s%s",
				       "DOCTYPE refused", "");
		if (p->wrong_root[0])
			return lp_fail(p, err, MLC_ERR_PROTO,
				       "s3 ListObjectsV2: not a ListBucketResult document: <%s>%s",
				       p->wrong_root, "");
		if (p->too_long)
			return lp_fail(p, err, MLC_ERR_PARSE,
				       "s3 ListObjectsV2: element text longer than %s%s", "8192",
				       " bytes");
		char line[160];
		snprintf(line, sizeof line, "malformed XML at line %lu: %s",
			 (unsigned long)XML_GetCurrentLineNumber(p->xp),
			 XML_ErrorString(XML_GetErrorCode(p->xp)));
		return lp_fail(p, err, MLC_ERR_PARSE, "s3 ListObjectsV2: %s%s", line, "");
	}
	if (!final) {
		if (p->fed - p->last_pos > S3_LIST_MAX_TOKEN)
			return lp_fail(p, err, MLC_ERR_PARSE,
				       "s3 ListObjectsV2: an XML token longer than %s%s", "65536",
				       " bytes (attribute, name or comment)");
		return 0;
	}
	p->done = true;
	if (p->is_error) {
		pua_to_ctl(p->code);
		pua_to_ctl(p->message);
		return lp_fail(p, err, MLC_ERR_PROTO, "s3 ListObjectsV2: %s: %s", p->code,
			       p->message);
	}
	for (size_t i = 0; i < p->page.nobjects; i++) {
		struct s3_object *o = &p->page.objects[i];
		if (!o->key)
			o->key = xstrdup("");
		pua_to_ctl(o->key);
		if (!o->etag)
			o->etag = xstrdup("");
		if (!o->storage_class)
			o->storage_class = xstrdup("");
		if (p->page.url_encoded)
			o->key_nul = url_decode_inplace(o->key);
	}
	for (size_t i = 0; i < p->page.nprefixes; i++) {
		pua_to_ctl(p->page.prefixes[i]);
		if (p->page.url_encoded)
			url_decode_inplace(p->page.prefixes[i]);
	}
	buf_free(&p->text);
	return 0;
}

void s3_list_mark_stopped(struct s3_list_parser *p, long objects)
{
	p->page.stopped_at = objects;
}

const struct s3_list_page *s3_list_result(const struct s3_list_parser *p)
{
	return &p->page;
}

void s3_list_parser_free(struct s3_list_parser *p)
{
	if (!p)
		return;
	XML_ParserFree(p->xp);
	buf_free(&p->text);
	for (size_t i = 0; i < p->page.nobjects; i++) {
		free(p->page.objects[i].key);
		free(p->page.objects[i].etag);
		free(p->page.objects[i].storage_class);
	}
	free(p->page.objects);
	strv_free(p->page.prefixes);
	free(p->page.next_token);
	free(p);
}

bool s3_key_url_decode(char *s)
{
	return url_decode_inplace(s);
}

void s3_key_pua_to_ctl(char *s)
{
	pua_to_ctl(s);
}
