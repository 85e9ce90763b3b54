/* lib/s3/s3.c — S3 request options (the SigV4 signing itself is in
 * lib/core/digest.c): canonical queries, list/head/get/delete requests,
 * DeleteObjects bodies, ISO 8601 dates and error messages (see s3.h). The
 * XML parsers live in s3_xml.c and s3_list.c. Never performs I/O. */
#include "lib/s3/s3.h"
#include "lib/s3/s3_int.h"

#include <expat.h>
#include <inttypes.h>
#include <strings.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/config.h"
#include "lib/core/http_err.h"
#include "lib/core/sanitize.h"
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
		if (s3_xml_illegal_ctl(*c))
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

/* ---- error messages --------------------------------------------------------- */

bool s3_key_refused(const char *op, const char *bucket, const char *key, struct mlc_err *err)
{
	if (!key || !strchr(key, S3_KEY_NUL))
		return false;
	char safe[200];
	san_into(safe, sizeof safe, key, strlen(key));
	mlc_err_set(err, MLC_ERR_USAGE, 0,
		    "%s s3://%s/%s: refused: the key holds a NUL byte (%%00 in the listing); "
		    "mlconsole acts only on keys it can name exactly",
		    op, bucket ? bucket : "", safe);
	return true;
}

/* What S3 means by a status when the answer has no body to say it (HEAD). */
static const char *s3_fallback(long status, const char *bucket, const char *key)
{
	if (status == 404)
		return bucket && !(key && *key) ? "NoSuchBucket: not found"
						: "NoSuchKey: not found";
	return status == 401 || status == 403 ? "AccessDenied: check the access key and secret"
	       : status == 416		      ? "InvalidRange"
	       : status == 503		      ? "SlowDown: the server is busy"
					      : NULL;
}

int s3_http_err(struct mlc_err *e, const char *op, const char *bucket, const char *key, long status,
		const char *location, const char *body, size_t len)
{
	char where[400];
	if (bucket && key && *key)
		snprintf(where, sizeof where, "s3://%s/%s", bucket, key);
	else if (bucket)
		snprintf(where, sizeof where, "s3://%s", bucket);
	else
		snprintf(where, sizeof where, "s3");
	struct http_answer a = {.status = status,
				.path = where,
				.location = location,
				.body = body,
				.len = len,
				.fallback = s3_fallback(status, bucket, key)};
	return http_err_set(e, op, &a);
}

void s3_error_message(const char *op, const char *bucket, const char *key, long status,
		      const char *body, size_t len, char *out, size_t n)
{
	struct mlc_err e;
	s3_http_err(&e, op, bucket, key, status, NULL, body, len);
	snprintf(out, n, "%s", e.msg);
}
