/* lib/core/util.c — allocation, buffers, clocks and string helpers (see util.h). */
#include "lib/core/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void oom(size_t n)
{
	fprintf(stderr, "mlconsole: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	char *p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void buf_init(struct buf *b)
{
	memset(b, 0, sizeof *b);
}

void buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static void buf_grow(struct buf *b, size_t need)
{
	if (b->len + need + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + need + 1)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void buf_append(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	buf_puts(b, s);
	free(s);
}

char *buf_steal(struct buf *b)
{
	if (!b->data)
		return xstrdup("");
	char *p = b->data;
	buf_init(b);
	return p;
}

/* Per thread: the thread pool's reads never count as the screen's. */
static _Thread_local unsigned long clock_reads_n;

unsigned long clock_reads(void)
{
	return clock_reads_n;
}

int64_t mono_ms(void)
{
	struct timespec ts;
	clock_reads_n++;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t wall_ms(void)
{
	struct timespec ts;
	clock_reads_n++;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void free_items(void *items, size_t n, size_t size, void (*free_one)(void *))
{
	if (!items)
		return;
	if (free_one)
		for (size_t i = 0; i < n; i++)
			free_one((char *)items + i * size);
	free(items);
}

void free_item_ptr(void *item)
{
	free(*(void **)item);
}

unsigned long str_hash(unsigned long h, const char *s)
{
	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

size_t strlcpy_m(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);
	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

bool str_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

char *str_trim(char *s)
{
	char *p = s;
	while (*p && isspace((unsigned char)*p))
		p++;
	if (p != s)
		memmove(s, p, strlen(p) + 1);
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

char **strv_split(const char *s, size_t *n)
{
	size_t cap = 4, len = 0;
	char **v = xmalloc(cap * sizeof *v);
	const char *p = s ? s : "";
	while (*p) {
		while (*p && (isspace((unsigned char)*p) || *p == ','))
			p++;
		if (!*p)
			break;
		const char *start = p;
		while (*p && !isspace((unsigned char)*p) && *p != ',')
			p++;
		if (len + 2 > cap) {
			cap *= 2;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[len++] = xstrndup(start, (size_t)(p - start));
	}
	v[len] = NULL;
	if (n)
		*n = len;
	return v;
}

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

long parse_duration_ms(const char *s)
{
	if (!s)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	errno = 0;
	char *end;
	double v = strtod(s, &end);
	/* !(in range) also refuses NaN, which every comparison lets through. */
	if (end == s || errno || !(v >= 0 && v <= 86400.0 * 1000))
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	double mult;
	if (*end == '\0' || strcmp(end, "s") == 0)
		mult = 1000;
	else if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "m") == 0)
		mult = 60000;
	else if (strcmp(end, "h") == 0)
		mult = 3600000;
	else
		return -1;
	return (long)(v * mult + 0.5);
}

void fmt_latency(char *out, size_t n, long ms)
{
	if (ms < 0)
		snprintf(out, n, "-");
	else if (ms < 1000)
		snprintf(out, n, "%ld ms", ms);
	else if (ms < 60000)
		snprintf(out, n, "%.1f s", ms / 1000.0);
	else
		fmt_age(out, n, ms);
}

void fmt_age(char *out, size_t n, long ms)
{
	long s = ms / 1000;
	if (s < 60)
		snprintf(out, n, "%lds", s);
	else if (s < 3600)
		snprintf(out, n, "%ldm%02lds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, n, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
	else
		snprintf(out, n, "%ldd%02ldh", s / 86400, (s % 86400) / 3600);
}

void fmt_bytes(char *out, size_t n, uint64_t bytes)
{
	static const char *units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1024 && u + 1 < ARRAY_LEN(units)) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, n, "%llu B", (unsigned long long)bytes);
	else
		snprintf(out, n, "%.1f %s", v, units[u]);
}

void fmt_count(char *out, size_t n, long long v)
{
	char raw[32];
	snprintf(raw, sizeof raw, "%lld", v);
	size_t len = strlen(raw), o = 0;
	for (size_t i = 0; i < len && o + 2 < n; i++) {
		if (i > 0 && raw[i - 1] != '-' && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = raw[i];
	}
	if (n)
		out[MLC_MIN(o, n - 1)] = '\0';
}

void fmt_clock(char *out, size_t n, int64_t epoch_ms)
{
	time_t t = (time_t)(epoch_ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, n, "%H:%M:%S", &tm);
}

int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
