/* lib/core/dl_meta.c — see dl_meta.h: the extent set, the sidecar's text
 * form and its strict parser. */
#include "lib/core/dl_meta.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/core/util.h"

#define MAGIC	     "mlconsole-download 1"
#define MAX_META_LEN (256 * 1024)

void dl_meta_init(struct dl_meta *m, const char *source, const char *etag, int64_t size)
{
	memset(m, 0, sizeof *m);
	m->source = xstrdup(source ? source : "");
	m->etag = xstrdup(etag ? etag : "");
	m->size = size;
}

void dl_meta_free(struct dl_meta *m)
{
	free(m->source);
	free(m->etag);
	free(m->ext);
	memset(m, 0, sizeof *m);
}

void dl_meta_add(struct dl_meta *m, int64_t start, int64_t end)
{
	start = MLC_MAX(start, 0);
	end = MLC_MIN(end, m->size);
	if (start >= end)
		return;
	/* The first extent that ends at or after start, and the first that
	 * starts after end: those between merge with [start, end). */
	size_t i = 0;
	while (i < m->next && m->ext[i].end < start)
		i++;
	size_t j = i;
	while (j < m->next && m->ext[j].start <= end)
		j++;
	if (j > i) {
		start = MLC_MIN(start, m->ext[i].start);
		end = MLC_MAX(end, m->ext[j - 1].end);
		m->ext[i] = (struct dl_ext){start, end};
		memmove(m->ext + i + 1, m->ext + j, (m->next - j) * sizeof *m->ext);
		m->next -= j - i - 1;
		return;
	}
	if (m->next == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 8;
		m->ext = xrealloc(m->ext, m->cap * sizeof *m->ext);
	}
	memmove(m->ext + i + 1, m->ext + i, (m->next - i) * sizeof *m->ext);
	m->ext[i] = (struct dl_ext){start, end};
	m->next++;
}

int64_t dl_meta_done(const struct dl_meta *m)
{
	int64_t n = 0;
	for (size_t i = 0; i < m->next; i++)
		n += m->ext[i].end - m->ext[i].start;
	return n;
}

int64_t dl_meta_done_to(const struct dl_meta *m, int64_t from)
{
	for (size_t i = 0; i < m->next; i++)
		if (m->ext[i].start <= from && from < m->ext[i].end)
			return m->ext[i].end;
	return from;
}

bool dl_meta_next_missing(const struct dl_meta *m, int64_t from, int64_t max, int64_t *start,
			  int64_t *end)
{
	int64_t s = MLC_MAX(from, 0);
	size_t i = 0;
	for (; i < m->next && m->ext[i].start <= s; i++)
		if (s < m->ext[i].end)
			s = m->ext[i].end;
	if (s >= m->size || max <= 0)
		return false;
	int64_t e = s + MLC_MIN(max, m->size - s);
	if (i < m->next && m->ext[i].start < e)
		e = m->ext[i].start;
	*start = s;
	*end = e;
	return true;
}

/* Percent-encodes what is not printable ASCII, a space or '%'. */
static void put_enc(struct buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '%')
			buf_printf(b, "%%%02X", *p);
		else
			buf_append(b, (const char *)p, 1);
	}
}

char *dl_meta_format(const struct dl_meta *m)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, MAGIC "\nsource ");
	put_enc(&b, m->source);
	buf_puts(&b, "\netag ");
	put_enc(&b, m->etag);
	buf_printf(&b, "\nsize %lld\n", (long long)m->size);
	for (size_t i = 0; i < m->next; i++)
		buf_printf(&b, "done %lld %lld\n", (long long)m->ext[i].start,
			   (long long)m->ext[i].end);
	return buf_steal(&b);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes a percent-encoded value; NULL when malformed or holding a NUL. */
static char *dec(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f)
			goto bad;
		if (c == '%') {
			int h = i + 2 < n ? hexval(s[i + 1]) : -1;
			int l = h >= 0 ? hexval(s[i + 2]) : -1;
			if (h < 0 || l < 0 || (h | l) == 0)
				goto bad;
			*o++ = (char)(h * 16 + l);
			i += 2;
			continue;
		}
		*o++ = (char)c;
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

/* A decimal in [0, DL_META_MAX_SIZE] spanning the whole of s..s+n. */
static bool num(const char *s, size_t n, int64_t *out)
{
	if (n == 0 || n > 16)
		return false;
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v > DL_META_MAX_SIZE)
		return false;
	*out = v;
	return true;
}

/* One line after the magic; 0 or -1 with err set. */
static int parse_line(struct dl_meta *m, const char *l, size_t n, int lineno, int *seen,
		      struct mlc_err *err)
{
	const char *sp = memchr(l, ' ', n);
	size_t kl = sp ? (size_t)(sp - l) : n;
	const char *v = sp ? sp + 1 : l + n;
	size_t vl = (size_t)(l + n - v);
#define BAD(why) return mlc_err_set(err, MLC_ERR_PARSE, lineno, "line %d: %s", lineno, why)
	if (kl == 6 && !memcmp(l, "source", 6) && !(*seen & 1)) {
		if (!(m->source = dec(v, vl)) || !*m->source)
			BAD("bad source");
		*seen |= 1;
	} else if (kl == 4 && !memcmp(l, "etag", 4) && !(*seen & 2)) {
		if (!(m->etag = dec(v, vl)) || !*m->etag || strlen(m->etag) > 200)
			BAD("bad etag");
		*seen |= 2;
	} else if (kl == 4 && !memcmp(l, "size", 4) && !(*seen & 4)) {
		if (!num(v, vl, &m->size))
			BAD("bad size");
		*seen |= 4;
	} else if (kl == 4 && !memcmp(l, "done", 4) && (*seen & 4)) {
		const char *sp2 = memchr(v, ' ', vl);
		int64_t a, b;
		if (!sp2 || !num(v, (size_t)(sp2 - v), &a) ||
		    !num(sp2 + 1, (size_t)(v + vl - sp2 - 1), &b))
			BAD("bad done range");
		if (a >= b || b > m->size || (m->next && a <= m->ext[m->next - 1].end))
			BAD("done range out of order or past the size");
		if (m->next >= DL_META_MAX_EXT)
			BAD("too many done ranges");
		dl_meta_add(m, a, b);
	} else {
		BAD("unexpected line");
	}
#undef BAD
	return 0;
}

int dl_meta_parse(struct dl_meta *m, const char *text, size_t len, struct mlc_err *err)
{
	memset(m, 0, sizeof *m);
	size_t ml = strlen(MAGIC);
	if (len > MAX_META_LEN)
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "too large");
	if (len < ml + 1 || memcmp(text, MAGIC "\n", ml + 1) != 0)
		return mlc_err_set(err, MLC_ERR_PARSE, 1, "line 1: not a download sidecar");
	const char *p = text + ml + 1, *end = text + len;
	int lineno = 1, seen = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			mlc_err_set(err, MLC_ERR_PARSE, lineno + 1, "line %d: cut short",
				    lineno + 1);
			goto fail;
		}
		if (parse_line(m, p, (size_t)(nl - p), ++lineno, &seen, err) < 0)
			goto fail;
		p = nl + 1;
	}
	if (seen != 7) {
		mlc_err_set(err, MLC_ERR_PARSE, lineno, "source, etag or size missing");
		goto fail;
	}
	return 0;
fail:
	dl_meta_free(m);
	return -1;
}

int dl_meta_load(struct dl_meta *m, const char *path, struct mlc_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return mlc_err_set(err, MLC_ERR_IO, errno, "%s: %s", path, strerror(errno));
	char *text = xmalloc(MAX_META_LEN + 1);
	size_t len = 0;
	ssize_t n;
	while (len <= MAX_META_LEN && (n = read(fd, text + len, MAX_META_LEN + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			free(text);
			return mlc_err_set(err, MLC_ERR_IO, e, "%s: %s", path, strerror(e));
		}
		len += (size_t)n;
	}
	close(fd);
	int rc = dl_meta_parse(m, text, len, err);
	free(text);
	return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int dl_meta_save(const struct dl_meta *m, const char *path, struct mlc_err *err)
{
	char *tmp = xasprintf("%s.tmp", path);
	char *text = dl_meta_format(m);
	int rc = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	int wrc = fd < 0 ? -1 : write_all(fd, text, strlen(text));
	int e = errno;
	if (fd >= 0 && close(fd) != 0 && wrc == 0) {
		wrc = -1;
		e = errno;
	}
	if (wrc < 0) {
		unlink(tmp);
		rc = mlc_err_set(err, MLC_ERR_IO, e, "writing %s: %s", tmp, strerror(e));
	} else if (rename(tmp, path) != 0) {
		e = errno;
		unlink(tmp);
		rc = mlc_err_set(err, MLC_ERR_IO, e, "cannot rename %s: %s", tmp, strerror(e));
	}
	free(text);
	free(tmp);
	return rc;
}

char *dl_meta_path(const char *path)
{
	return xasprintf("%s.part.meta", path);
}

bool dl_etag_md5(const char *etag, unsigned char out[16])
{
	size_t n = strlen(etag);
	if (n == 34 && etag[0] == '"' && etag[33] == '"') {
		etag++;
		n = 32;
	}
	if (n != 32)
		return false;
	for (size_t i = 0; i < 16; i++) {
		int h = hexval(etag[2 * i]), l = hexval(etag[2 * i + 1]);
		if (h < 0 || l < 0)
			return false;
		out[i] = (unsigned char)(h * 16 + l);
	}
	return true;
}
