/* lib/s3/s3_list.c — the streaming ListObjectsV2 parser (see s3.h): fed
 * chunk by chunk as the body arrives, url-decodes keys, maps the control
 * characters XML 1.0 forbids through the private use area and back, refuses
 * any DOCTYPE. Keeps only what the page returns: its strings in one arena
 * (no allocation per row), its rows in one array. Never performs I/O. */
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

/* What the text of the open element is kept for (F_NONE: only counted). */
enum lp_field {
	F_NONE,
	F_KEY,
	F_SIZE,
	F_MTIME,
	F_ETAG,
	F_CLASS,
	F_PREFIX,
	F_TOKEN,
	F_KEYCOUNT,
	F_TRUNCATED,
	F_ENCODING,
	F_CODE,
	F_MESSAGE,
};

/* The objects array is sized from KeyCount when it comes first (it does
 * from S3, MinIO and s3rver), at most this; past it, it doubles. */
#define LP_OBJECTS_HINT_MAX 1000

struct s3_list_parser {
	XML_Parser xp;
	struct s3_list_page page;
	struct arena strings; /* every string of the page (page.strings) */
	size_t cap_objects, cap_prefixes;
	unsigned depth;
	enum lp_field field; /* set by a start tag, used by its end tag */
	bool in_contents, in_prefixes, is_error, doctype, too_long, done;
	bool mapped;	     /* a chunk held control bytes carried as U+E0xx */
	char wrong_root[48]; /* the root element when it is neither a listing nor <Error> */
	long long fed;	     /* bytes handed to expat */
	int failed;	     /* sticky error code */
	char failmsg[300];
	const char *last_class; /* the page's storage classes repeat: kept once */
	char code[64], message[200];
	size_t tlen; /* text since the last tag (counted, kept when field is set) */
	char text[S3_LIST_MAX_TEXT + 1];
};

/* strcmp(a, b) == 0 without the call: element names are short. */
static inline bool name_is(const char *a, const char *b)
{
	while (*b)
		if (*a++ != *b++)
			return false;
	return *a == '\0';
}

/* An element's field from its name and where it is. Checked by first
 * letter, then the whole name: start tags are most of a listing's events. */
static enum lp_field lp_field_of(const struct s3_list_parser *p, const char *name)
{
	if (p->depth == 2 && p->is_error)
		return name_is(name, "Code")	  ? F_CODE
		       : name_is(name, "Message") ? F_MESSAGE
						  : F_NONE;
	if (p->depth == 3 && p->in_contents) {
		switch (name[0]) {
		case 'K':
			return name_is(name, "Key") ? F_KEY : F_NONE;
		case 'S':
			return name_is(name, "Size")	       ? F_SIZE
			       : name_is(name, "StorageClass") ? F_CLASS
							       : F_NONE;
		case 'L':
			return name_is(name, "LastModified") ? F_MTIME : F_NONE;
		case 'E':
			return name_is(name, "ETag") ? F_ETAG : F_NONE;
		}
		return F_NONE;
	}
	if (p->depth == 3 && p->in_prefixes)
		return name_is(name, "Prefix") ? F_PREFIX : F_NONE;
	if (p->depth != 2 || p->is_error)
		return F_NONE;
	return name_is(name, "NextContinuationToken") ? F_TOKEN
	       : name_is(name, "KeyCount")	      ? F_KEYCOUNT
	       : name_is(name, "IsTruncated")	      ? F_TRUNCATED
	       : name_is(name, "EncodingType")	      ? F_ENCODING
						      : F_NONE;
}

static void lp_new_object(struct s3_list_parser *p)
{
	if (p->page.nobjects == p->cap_objects) {
		size_t hint = p->page.key_count > 0 && p->page.key_count <= LP_OBJECTS_HINT_MAX
				  ? (size_t)p->page.key_count
				  : 64;
		p->cap_objects = p->cap_objects ? 2 * p->cap_objects : hint;
		p->page.objects =
		    xrealloc(p->page.objects, p->cap_objects * sizeof *p->page.objects);
	}
	struct s3_object *o = &p->page.objects[p->page.nobjects++];
	memset(o, 0, sizeof *o);
	o->size = -1;
}

static void lp_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct s3_list_parser *p = ud;
	(void)attrs;
	p->depth++;
	p->tlen = 0;
	if (p->depth == 1) {
		p->is_error = strcmp(name, "Error") == 0;
		if (!p->is_error && strcmp(name, "ListBucketResult") != 0) {
			strlcpy_m(p->wrong_root, name, sizeof p->wrong_root);
			XML_StopParser(p->xp, XML_FALSE);
		}
	} else if (p->depth == 2 && !p->is_error) {
		if (name_is(name, "Contents")) {
			p->in_contents = true;
			lp_new_object(p);
		} else if (name_is(name, "CommonPrefixes")) {
			p->in_prefixes = true;
		}
	}
	p->field = lp_field_of(p, name);
}

/* Size's digits the quick way; anything else as strtoll reads it. */
static int64_t lp_size(const char *t, size_t n)
{
	int64_t v = 0;
	if (n == 0 || n > 18)
		return strtoll(t, NULL, 10);
	for (size_t i = 0; i < n; i++) {
		if (t[i] < '0' || t[i] > '9')
			return strtoll(t, NULL, 10);
		v = v * 10 + (t[i] - '0');
	}
	return v;
}

/* The storage class, once per page whatever the rows (all STANDARD, most
 * often). */
static char *lp_class(struct s3_list_parser *p, const char *t, size_t n)
{
	if (!p->last_class || strcmp(p->last_class, t) != 0)
		p->last_class = arena_strndup(&p->strings, t, n);
	return (char *)p->last_class;
}

static void lp_prefix(struct s3_list_parser *p, const char *t, size_t n)
{
	if (p->page.nprefixes + 1 >= p->cap_prefixes) {
		p->cap_prefixes = p->cap_prefixes ? 2 * p->cap_prefixes : 16;
		p->page.prefixes =
		    xrealloc(p->page.prefixes, p->cap_prefixes * sizeof *p->page.prefixes);
	}
	p->page.prefixes[p->page.nprefixes++] = arena_strndup(&p->strings, t, n);
	p->page.prefixes[p->page.nprefixes] = NULL;
}

/* The text of the element a start tag marked, where it belongs. */
static void lp_keep(struct s3_list_parser *p)
{
	const char *t = p->text;
	size_t n = p->tlen;
	struct s3_object *o = p->in_contents ? &p->page.objects[p->page.nobjects - 1] : NULL;
	p->text[n] = '\0';
	switch (p->field) {
	case F_KEY:
		o->key = arena_strndup(&p->strings, t, n);
		break;
	case F_SIZE:
		o->size = lp_size(t, n);
		break;
	case F_MTIME: {
		int64_t ms = s3_parse_iso8601_ms(t);
		o->last_modified_ms = ms > 0 ? ms : 0;
		break;
	}
	case F_ETAG:
		o->etag = arena_strndup(&p->strings, t, n);
		break;
	case F_CLASS:
		o->storage_class = lp_class(p, t, n);
		break;
	case F_PREFIX:
		lp_prefix(p, t, n);
		break;
	case F_TOKEN:
		p->page.next_token = arena_strndup(&p->strings, t, n);
		break;
	case F_KEYCOUNT:
		p->page.key_count = strtol(t, NULL, 10);
		break;
	case F_TRUNCATED:
		p->page.is_truncated = strcmp(t, "true") == 0;
		break;
	case F_ENCODING:
		p->page.url_encoded = strcmp(t, "url") == 0;
		break;
	case F_CODE:
		strlcpy_m(p->code, t, sizeof p->code);
		break;
	case F_MESSAGE:
		strlcpy_m(p->message, t, sizeof p->message);
		break;
	case F_NONE:
		break;
	}
}

/* An end tag closes the element whose start set field, unless a child
 * started since (mixed content: then the text is not kept). */
static void lp_end(void *ud, const XML_Char *name)
{
	struct s3_list_parser *p = ud;
	(void)name;
	if (p->field != F_NONE)
		lp_keep(p);
	if (p->depth == 2)
		p->in_contents = p->in_prefixes = false;
	p->field = F_NONE;
	p->depth--;
	p->tlen = 0;
}

/* Text: every byte since the last tag counts against S3_LIST_MAX_TEXT (in
 * elements the page ignores too); only a marked element's is copied. */
static void lp_text(void *ud, const XML_Char *s, int len)
{
	struct s3_list_parser *p = ud;
	if (p->tlen + (size_t)len > S3_LIST_MAX_TEXT) {
		p->too_long = true;
		XML_StopParser(p->xp, XML_FALSE);
		return;
	}
	if (p->field != F_NONE)
		memcpy(p->text + p->tlen, s, (size_t)len);
	p->tlen += (size_t)len;
}

static void lp_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
		       int has_internal)
{
	struct s3_list_parser *p = ud;
	p->doctype = true;
	XML_StopParser(p->xp, XML_FALSE);
}

struct s3_list_parser *s3_list_parser_new(void)
{
	struct s3_list_parser *p = xmalloc(sizeof *p);
	memset(p, 0, offsetof(struct s3_list_parser, text));
	p->text[0] = '\0';
	p->page.key_count = -1;
	p->page.strings = &p->strings;
	arena_init(&p->strings, 0);
	p->xp = XML_ParserCreate("UTF-8");
	XML_SetUserData(p->xp, p);
	XML_SetElementHandler(p->xp, lp_start, lp_end);
	XML_SetCharacterDataHandler(p->xp, lp_text);
	XML_SetStartDoctypeDeclHandler(p->xp, lp_doctype);
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

/* Whether any byte of the words is below 0x20 (a control, legal or not):
 * the common case of a listing is none, checked 32 bytes at a time. */
static bool words_have_ctl(const uint64_t *w, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t any = 0;
	for (size_t i = 0; i < n; i++)
		any |= (w[i] - 0x20 * ones) & ~w[i];
	return (any & highs) != 0;
}

char *s3_ctl_to_pua(const char *chunk, size_t len, size_t *outlen)
{
	/* Counted 32 bytes at a time; only a block with a control byte in
	 * it (a legal newline, most often) is looked at byte by byte. */
	size_t i = 0, illegal = 0;
	for (; i + 32 <= len; i += 32) {
		uint64_t w[4];
		memcpy(w, chunk + i, sizeof w);
		if (words_have_ctl(w, 4))
			for (size_t j = i; j < i + 32; j++)
				illegal += s3_xml_illegal_ctl((unsigned char)chunk[j]);
	}
	for (; i < len; i++)
		illegal += s3_xml_illegal_ctl((unsigned char)chunk[i]);
	if (!illegal)
		return NULL;
	size_t n = len + 2 * illegal;
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

static int64_t lp_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int s3_list_feed(struct s3_list_parser *p, const char *chunk, size_t len, int final,
		 struct mlc_err *err)
{
	size_t tlen = 0;
	if (len) {
		p->page.t_last_us = lp_now_us();
		if (!p->page.t_first_us)
			p->page.t_first_us = p->page.t_last_us;
	}
	char *mapped = p->failed || p->done ? NULL : s3_ctl_to_pua(chunk, len, &tlen);
	if (mapped) {
		p->mapped = true;
		int rc = s3_list_feed_raw(p, mapped, tlen, final, err);
		free(mapped);
		return rc;
	}
	return s3_list_feed_raw(p, chunk, len, final, err);
}

/* The page once the document is complete: absent strings made "", control
 * bytes mapped back (only when a chunk held some), keys url-decoded when
 * the page says so. In place: every string is the page's own. */
static void lp_finish(struct s3_list_parser *p)
{
	char *empty = NULL;
	for (size_t i = 0; i < p->page.nobjects; i++) {
		struct s3_object *o = &p->page.objects[i];
		if (!empty && (!o->key || !o->etag || !o->storage_class))
			empty = arena_strndup(&p->strings, "", 0);
		if (!o->key)
			o->key = empty;
		else if (p->mapped)
			pua_to_ctl(o->key);
		if (!o->etag)
			o->etag = empty;
		if (!o->storage_class)
			o->storage_class = empty;
		if (p->page.url_encoded)
			o->key_nul = url_decode_inplace(o->key);
	}
	for (size_t i = 0; i < p->page.nprefixes; i++) {
		if (p->mapped)
			pua_to_ctl(p->page.prefixes[i]);
		if (p->page.url_encoded)
			url_decode_inplace(p->page.prefixes[i]);
	}
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
		/* Between feeds expat's position is where its unfinished token
		 * starts: everything after it, it holds (and rescans). */
		long long at = (long long)XML_GetCurrentByteIndex(p->xp);
		if (p->fed - (at < 0 ? 0 : at) > S3_LIST_MAX_TOKEN)
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
	lp_finish(p);
	p->page.t_done_us = lp_now_us();
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

/* The arrays and whatever strings no consumer adopted. */
void s3_list_parser_free(struct s3_list_parser *p)
{
	if (!p)
		return;
	XML_ParserFree(p->xp);
	arena_free(&p->strings);
	free(p->page.objects);
	free(p->page.prefixes);
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
