/* lib/s3/s3.c — S3 request options and XML parsers (see s3.h). Parsers stream
 * with expat, refuse any DOCTYPE (no entity tricks) and keep only what they
 * return. Never performs I/O. */
#include "lib/s3/s3.h"

#include <expat.h>
#include <inttypes.h>
#include <strings.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/config.h"
#include "lib/core/util.h"

void s3_request_opts(const struct target *t, const char *method, const char *bucket,
		     const char *key, const char *query, struct http_opts *o, const char **headers,
		     struct s3_scratch *sc)
{
	memset(sc, 0, sizeof *sc);
	const char *base = t->url ? t->url : "http://localhost:9000";
	size_t blen = strlen(base);
	while (blen && base[blen - 1] == '/')
		blen--;
	char *ekey = key ? http_urlencode(key, true) : xstrdup("");
	struct buf b;
	buf_init(&b);
	if (bucket && t->virtual_host) {
		const char *p = strstr(base, "://");
		size_t scheme = p ? (size_t)(p + 3 - base) : 0;
		buf_printf(&b, "%.*s%s.%.*s/%s", (int)scheme, base, bucket, (int)(blen - scheme),
			   base + scheme, ekey);
	} else if (bucket) {
		buf_printf(&b, "%.*s/%s/%s", (int)blen, base, bucket, ekey);
	} else {
		buf_printf(&b, "%.*s/", (int)blen, base);
	}
	if (query && *query)
		buf_printf(&b, "?%s", query);
	free(ekey);
	sc->url = buf_steal(&b);
	sc->sigv4 = xasprintf("aws:amz:%s:s3", t->region ? t->region : "us-east-1");
	int h = 0;
	/* curl 7.88 signs this header when present but does not add it. */
	headers[h++] = "x-amz-content-sha256: " S3_EMPTY_SHA256;
	if (t->session_token) {
		sc->token_hdr = xasprintf("x-amz-security-token: %s", t->session_token);
		headers[h++] = sc->token_hdr;
	}
	headers[h] = NULL;
	memset(o, 0, sizeof *o);
	o->method = method;
	o->url = sc->url;
	/* A key's "." and ".." segments are part of its name: curl would
	 * resolve them like a file path and address another key. */
	o->path_as_is = true;
	o->headers = headers;
	o->ca_file = t->ca_file;
	o->insecure = t->insecure;
	if (t->access_key && t->secret_key) {
		o->username = t->access_key;
		o->password = t->secret_key;
		o->aws_sigv4 = sc->sigv4;
	}
}

void s3_scratch_free(struct s3_scratch *s)
{
	free(s->url);
	free(s->sigv4);
	free(s->token_hdr);
	free(s->range_hdr);
	memset(s, 0, sizeof *s);
}

static int pair_cmp(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	int c = strcmp(x[0], y[0]);
	return c ? c : strcmp(x[1], y[1]);
}

char *s3_canonical_query(const char *const *pairs)
{
	size_t n = 0;
	while (pairs && pairs[2 * n])
		n++;
	char **enc = xcalloc(2 * n + 1, sizeof *enc);
	for (size_t i = 0; i < n; i++) {
		enc[2 * i] = http_urlencode(pairs[2 * i], false);
		enc[2 * i + 1] = http_urlencode(pairs[2 * i + 1] ? pairs[2 * i + 1] : "", false);
	}
	qsort(enc, n, 2 * sizeof *enc, pair_cmp);
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		buf_printf(&b, "%s%s=%s", i ? "&" : "", enc[2 * i], enc[2 * i + 1]);
		free(enc[2 * i]);
		free(enc[2 * i + 1]);
	}
	free(enc);
	return buf_steal(&b);
}

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

static void x_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct xml_ctx *x = ud;
	(void)attrs;
	size_t l = strlen(x->path);
	buf_reset(&x->text);
	/* An element whose path does not fit is counted, never half-appended,
	 * so that its end tag cannot pop an ancestor's name. */
	if (x->untracked || l + 1 + strlen(name) >= sizeof x->path) {
		x->untracked++;
		return;
	}
	snprintf(x->path + l, sizeof x->path - l, "/%s", name);
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
	char *slash = strrchr(x->path, '/');
	if (slash && strcmp(slash + 1, name) == 0)
		*slash = '\0';
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

/* ---- ListObjectsV2 ------------------------------------------------------ */

char *s3_list_query(const struct s3_list_opts *o)
{
	const char *pairs[16];
	char mk[24];
	int n = 0;
	pairs[n++] = "list-type";
	pairs[n++] = "2";
	if (o->continuation_token) {
		pairs[n++] = "continuation-token";
		pairs[n++] = o->continuation_token;
	}
	if (o->delimiter) {
		pairs[n++] = "delimiter";
		pairs[n++] = o->delimiter;
	}
	if (o->encoding_url) {
		pairs[n++] = "encoding-type";
		pairs[n++] = "url";
	}
	if (o->max_keys > 0) {
		snprintf(mk, sizeof mk, "%d", o->max_keys);
		pairs[n++] = "max-keys";
		pairs[n++] = mk;
	}
	if (o->prefix) {
		pairs[n++] = "prefix";
		pairs[n++] = o->prefix;
	}
	if (o->start_after) {
		pairs[n++] = "start-after";
		pairs[n++] = o->start_after;
	}
	pairs[n] = NULL;
	return s3_canonical_query(pairs);
}

void s3_list_request_opts(const struct target *t, const char *bucket, const struct s3_list_opts *lo,
			  struct http_opts *o, const char **headers, struct s3_scratch *sc)
{
	s3_request_opts(t, "GET", bucket, NULL, NULL, o, headers, sc);
	char *q = s3_list_query(lo);
	size_t l = strlen(sc->url);
	if (!t->virtual_host && l && sc->url[l - 1] == '/')
		sc->url[--l] = '\0';
	char *url = xasprintf("%s?%s", sc->url, q);
	free(sc->url);
	free(q);
	sc->url = url;
	o->url = url;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil): no strptime, no timegm, no time zone. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int digits_at(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int64_t s3_parse_iso8601_ms(const char *s)
{
	int64_t secs;
	const char *e;
	int y = -1, mo = 0, d = 0, h = -1, mi = -1, se = -1;
	/* YYYY-MM-DDTHH:MM:SS, what every S3 sends, without strptime/timegm;
	 * anything looser the slow way */
	if (strlen(s) >= 19 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
	    s[16] == ':') {
		y = digits_at(s, 4), mo = digits_at(s + 5, 2), d = digits_at(s + 8, 2);
		h = digits_at(s + 11, 2), mi = digits_at(s + 14, 2), se = digits_at(s + 17, 2);
	}
	if (y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 23 && mi >= 0 &&
	    mi <= 59 && se >= 0 && se <= 60) {
		secs =
		    ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 24 + h) * 60 + mi) * 60 + se;
		e = s + 19;
	} else {
		struct tm tm = {0};
		e = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
		if (!e)
			return -1;
		secs = (int64_t)timegm(&tm);
	}
	int ms = 0;
	if (*e == '.') {
		int digits = 0;
		for (e++; *e >= '0' && *e <= '9'; e++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*e - '0');
		for (; digits < 3; digits++)
			ms *= 10;
	}
	if (*e != 'Z' && *e != '\0')
		return -1;
	return secs * 1000 + ms;
}

enum list_field { LF_NONE, LF_KEY, LF_SIZE, LF_LASTMOD, LF_ETAG, LF_CLASS, LF_PREFIX };

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

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* In place: %XX → byte and '+' → space. With encoding-type=url, S3 and
 * MinIO encode keys as a query value (Go's url.QueryEscape in MinIO): a
 * space is '+' and a '+' is %2B, as botocore's unquote_plus reads them. */
static void url_decode_inplace(char *s)
{
	char *w = s;
	for (const char *r = s; *r; r++) {
		int h, l;
		if (*r == '+') {
			*w++ = ' ';
		} else if (*r == '%' && (h = hexval(r[1])) >= 0 && (l = hexval(r[2])) >= 0) {
			*w++ = (char)(h * 16 + l);
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
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
static bool is_xml_illegal_ctl(unsigned char c)
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

static char *ctl_to_pua(const char *chunk, size_t len, size_t *outlen)
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
		n += is_xml_illegal_ctl((unsigned char)chunk[i]) ? 3 : 1;
	if (n == len)
		return NULL;
	char *out = xmalloc(n + 1);
	size_t o = 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)chunk[i];
		if (is_xml_illegal_ctl(c)) {
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
	char *mapped = p->failed || p->done ? NULL : ctl_to_pua(chunk, len, &tlen);
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
			url_decode_inplace(o->key);
	}
	for (size_t i = 0; i < p->page.nprefixes; i++) {
		pua_to_ctl(p->page.prefixes[i]);
		if (p->page.url_encoded)
			url_decode_inplace(p->page.prefixes[i]);
	}
	buf_free(&p->text);
	return 0;
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

/* ---- HeadObject / GetObject ----------------------------------------------- */

static int64_t http_date_ms(const char *s)
{
	struct tm tm = {0};
	const char *e = strptime(s, "%a, %d %b %Y %H:%M:%S", &tm);
	return e ? (int64_t)timegm(&tm) * 1000 : 0;
}

int s3_parse_head(const struct http_resp *r, struct s3_head *h, struct mlc_err *err)
{
	memset(h, 0, sizeof *h);
	h->content_length = -1;
	if (r->status < 200 || r->status > 299)
		return mlc_err_set(err, MLC_ERR_PROTO, r->status, "s3 HeadObject: HTTP %ld%s",
				   r->status, r->status == 404 ? " (no such key)" : "");
	char v[256];
	if (http_resp_header(r, "Content-Type", v, sizeof v))
		strlcpy_m(h->content_type, v, sizeof h->content_type);
	if (http_resp_header(r, "Content-Length", v, sizeof v))
		h->content_length = strtoll(v, NULL, 10);
	if (http_resp_header(r, "ETag", v, sizeof v))
		strlcpy_m(h->etag, v, sizeof h->etag);
	if (http_resp_header(r, "Last-Modified", v, sizeof v))
		h->last_modified_ms = http_date_ms(v);
	size_t n = 0;
	h->meta = xcalloc(1, sizeof *h->meta);
	for (const char *l = r->headers ? r->headers : ""; *l;) {
		const char *eol = strchr(l, '\n');
		size_t ll = eol ? (size_t)(eol - l) : strlen(l);
		if (ll > 11 && strncasecmp(l, "x-amz-meta-", 11) == 0) {
			const char *colon = memchr(l, ':', ll);
			if (colon) {
				const char *val = colon + 1;
				const char *end = l + ll;
				while (val < end && (*val == ' ' || *val == '\t'))
					val++;
				while (end > val && (end[-1] == '\r' || end[-1] == ' '))
					end--;
				char *name = xstrndup(l + 11, (size_t)(colon - l - 11));
				for (char *c = name; *c; c++)
					if (*c >= 'A' && *c <= 'Z')
						*c = (char)(*c - 'A' + 'a');
				h->meta = xrealloc(h->meta, (n + 2) * sizeof *h->meta);
				h->meta[n++] = xasprintf("%s=%.*s", name, (int)(end - val), val);
				h->meta[n] = NULL;
				free(name);
			}
		}
		l = eol ? eol + 1 : l + ll;
	}
	return 0;
}

void s3_head_free(struct s3_head *h)
{
	strv_free(h->meta);
	h->meta = NULL;
}

void s3_get_range_opts(const struct target *t, const char *bucket, const char *key, int64_t first,
		       int64_t last, struct http_opts *o, const char **headers,
		       struct s3_scratch *sc)
{
	s3_request_opts(t, "GET", bucket, key, NULL, o, headers, sc);
	if (last >= 0)
		sc->range_hdr = xasprintf("Range: bytes=%" PRId64 "-%" PRId64, first, last);
	else
		sc->range_hdr = xasprintf("Range: bytes=%" PRId64 "-", first);
	int h = 0;
	while (headers[h])
		h++;
	headers[h++] = sc->range_hdr;
	headers[h] = NULL;
}

/* ---- DeleteObjects ---------------------------------------------------------- */

bool s3_key_xml_safe(const char *key)
{
	for (const unsigned char *c = (const unsigned char *)key; *c; c++)
		if (is_xml_illegal_ctl(*c))
			return false;
	return true;
}

char *s3_delete_body(const char *const *keys, size_t n, bool quiet)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
	if (quiet)
		buf_puts(&b, "<Quiet>true</Quiet>");
	for (size_t i = 0; i < n; i++) {
		buf_puts(&b, "<Object><Key>");
		for (const char *c = keys[i]; *c; c++) {
			switch (*c) {
			case '&':
				buf_puts(&b, "&amp;");
				break;
			case '<':
				buf_puts(&b, "&lt;");
				break;
			case '>':
				buf_puts(&b, "&gt;");
				break;
			case '"':
				buf_puts(&b, "&quot;");
				break;
			case '\'':
				buf_puts(&b, "&apos;");
				break;
			case '\r':
				buf_puts(&b, "&#13;"); /* kept: a raw CR would be normalized away */
				break;
			default:
				buf_append(&b, c, 1);
			}
		}
		buf_puts(&b, "</Key></Object>");
	}
	buf_puts(&b, "</Delete>");
	return buf_steal(&b);
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
	char *mapped = ctl_to_pua(body, len, &tlen);
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

/* ---- error messages --------------------------------------------------------- */

void s3_error_message(const char *op, const char *bucket, const char *key, long status,
		      const char *body, size_t len, char *out, size_t n)
{
	char doc[300] = "";
	char where[400];
	if (bucket && key && *key)
		snprintf(where, sizeof where, "s3://%s/%s", bucket, key);
	else if (bucket)
		snprintf(where, sizeof where, "s3://%s", bucket);
	else
		snprintf(where, sizeof where, "s3");
	if (body && len && s3_parse_error(body, len, doc, sizeof doc) == 0) {
		/* "(bucket X) (key Y)" repeats what `where` says */
		char *paren = strstr(doc, " (bucket ");
		if (!paren)
			paren = strstr(doc, " (key ");
		if (paren)
			*paren = '\0';
		snprintf(out, n, "%s %s: %s (HTTP %ld)", op, where, doc, status);
		return;
	}
	const char *what = status == 404   ? "NoSuchKey or NoSuchBucket: not found"
			   : status == 403 ? "AccessDenied: check the access key and secret"
			   : status == 400 ? "bad request"
			   : status == 416 ? "InvalidRange"
			   : status == 503 ? "SlowDown: the server is busy"
			   : status >= 500 ? "server error"
					   : "unexpected answer";
	if (status == 404 && bucket && !(key && *key))
		what = "NoSuchBucket: not found";
	else if (status == 404)
		what = "NoSuchKey: not found";
	snprintf(out, n, "%s %s: %s (HTTP %ld)", op, where, what, status);
}
