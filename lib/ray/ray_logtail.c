/* lib/ray/ray_logtail.c — a job log's tail across polls: see ray_logtail.h.
 * Only the new bytes of each answer are split; lines beyond the tail's
 * size are skipped before they are copied, so a huge first answer costs
 * one scan, not one allocation a line. */
#include "lib/ray/ray_logtail.h"

#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"

void ray_logtail_init(struct ray_logtail *t, size_t max)
{
	memset(t, 0, sizeof *t);
	t->max = max ? max : 5000;
}

static void clear(struct ray_logtail *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->lines[i]);
	t->n = 0;
	t->seen = t->last_off = t->siglen = 0;
	t->partial = false;
	free(t->part);
	t->part = NULL;
	t->partlen = 0;
}

void ray_logtail_reset(struct ray_logtail *t)
{
	clear(t);
}

void ray_logtail_free(struct ray_logtail *t)
{
	clear(t);
	free(t->lines);
	t->lines = NULL;
	t->cap = 0;
}

/* s[0..len) without SGR colour escapes (ESC [ digits ; ... m), tabs as
 * spaces; a new string. */
static char *line_dup(const char *s, size_t len)
{
	char *out = xmalloc(len + 1), *w = out;
	for (size_t i = 0; i < len;) {
		if (s[i] == '\t') {
			*w++ = ' ';
			i++;
			continue;
		}
		if (s[i] == '\x1b' && i + 1 < len && s[i + 1] == '[') {
			size_t k = i + 2;
			while (k < len && ((s[k] >= '0' && s[k] <= '9') || s[k] == ';'))
				k++;
			if (k < len && s[k] == 'm') {
				i = k + 1;
				continue;
			}
		}
		*w++ = s[i++];
	}
	*w = 0;
	return out;
}

static void push(struct ray_logtail *t, char *line)
{
	if (t->n == t->max) {
		free(t->lines[0]);
		memmove(t->lines, t->lines + 1, (t->n - 1) * sizeof *t->lines);
		t->n--;
		t->dropped++;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		if (t->cap > t->max)
			t->cap = t->max;
		t->lines = xrealloc(t->lines, t->cap * sizeof *t->lines);
	}
	t->lines[t->n++] = line;
}

/* Splits log[from..len) into lines and appends them, skipping those that
 * would fall off the front anyway. */
static void split(struct ray_logtail *t, const char *log, size_t from, size_t len)
{
	size_t nl = 0;
	for (size_t i = from; i < len; i++)
		nl += log[i] == '\n';
	size_t total = nl + (len > from && log[len - 1] != '\n');
	size_t skip = total > t->max ? total - t->max : 0;
	size_t p = from;
	while (p < len) {
		const char *e = memchr(log + p, '\n', len - p);
		size_t l = e ? (size_t)(e - (log + p)) : len - p;
		if (skip) {
			skip--;
			t->dropped++;
		} else {
			push(t, line_dup(log + p, l));
		}
		t->last_off = p;
		t->partial = !e;
		p += l + (e != NULL);
	}
	t->seen = len;
	t->siglen = MLC_MIN(len, sizeof t->sig);
	memcpy(t->sig, log + len - t->siglen, t->siglen);
}

int ray_logtail_feed(struct ray_logtail *t, const char *log, size_t len)
{
	if (len == t->seen && t->siglen && !memcmp(log + len - t->siglen, t->sig, t->siglen))
		return RAY_LOG_SAME;
	bool cont =
	    t->seen > 0 && len > t->seen && !memcmp(log + t->seen - t->siglen, t->sig, t->siglen);
	if (!cont) {
		clear(t);
		split(t, log, 0, len);
		return RAY_LOG_REPLACED;
	}
	size_t from = t->seen;
	if (t->partial && t->n) {
		/* the last line grows: split it again from its start */
		free(t->lines[--t->n]);
		from = t->last_off;
	}
	split(t, log, from, len);
	return RAY_LOG_APPENDED;
}

void ray_logtail_append(struct ray_logtail *t, const char *p, size_t n)
{
	if (!n)
		return;
	char *joined = NULL;
	if (t->partial && t->part) {
		if (t->n)
			free(t->lines[--t->n]); /* shown unfinished: split again whole */
		joined = xmalloc(t->partlen + n);
		memcpy(joined, t->part, t->partlen);
		memcpy(joined + t->partlen, p, n);
		p = joined;
		n += t->partlen;
	}
	free(t->part);
	t->part = NULL;
	t->partlen = 0;
	split(t, p, 0, n);
	if (t->partial) {
		if (n - t->last_off > RAY_LOG_PART_MAX) {
			t->partial = false; /* cut: kept as a whole line */
		} else {
			t->partlen = n - t->last_off;
			t->part = xmalloc(t->partlen);
			memcpy(t->part, p + t->last_off, t->partlen);
		}
	}
	free(joined);
}
