/* lib/redis/resp.c — RESP2 replies, commands and INFO fields (see resp.h).
 * The parser walks the buffer once with explicit bounds; nested arrays are
 * followed by a loop with a depth cap, not by recursion on hostile input. */
#include "lib/redis/resp.h"

#include <stdbool.h>
#include <string.h>

/* The line at p[0..len) up to CRLF: its length without CRLF, -1 when the
 * CRLF has not arrived yet, -2 when it cannot be a line (too long, or a bare
 * CR or LF inside). */
static long line_len(const char *p, size_t len)
{
	size_t max = len < RESP_MAX_LINE + 2 ? len : RESP_MAX_LINE + 2;
	for (size_t i = 0; i < max; i++) {
		if (p[i] == '\n')
			return -2;
		if (p[i] == '\r') {
			if (i + 1 == len)
				return -1;
			return p[i + 1] == '\n' ? (long)i : -2;
		}
	}
	return len > RESP_MAX_LINE + 1 ? -2 : -1;
}

/* A decimal integer filling p[0..n) exactly, with an optional '-'. */
static int parse_int(const char *p, size_t n, long long *out)
{
	size_t i = 0;
	bool neg = n > 0 && p[0] == '-';
	if (neg)
		i = 1;
	if (i == n || n - i > 18)
		return -1;
	long long v = 0;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*out = neg ? -v : v;
	return 0;
}

/* One element at buf[*off..len) without descending into arrays: *off moves
 * past it, *children gets the elements an array announces (0 otherwise).
 * 1 done, 0 incomplete, negative on a fault. */
static int element(const char *buf, size_t len, size_t *off, struct resp_reply *r,
		   long long *children, struct mlc_err *err)
{
	*children = 0;
	if (*off >= len)
		return 0;
	const char *p = buf + *off;
	size_t left = len - *off;
	long ll = line_len(p + 1, left - 1);
	if (ll == -1)
		return 0;
	if (ll == -2)
		return mlc_err_set(err, MLC_ERR_PROTO, 0,
				   "redis: malformed reply (a line over %d bytes or a stray CR/LF)",
				   RESP_MAX_LINE);
	const char *line = p + 1;
	size_t after = 1 + (size_t)ll + 2;
	memset(r, 0, sizeof *r);
	switch (p[0]) {
	case '+':
	case '-':
		r->type = (enum resp_type)p[0];
		r->str = line;
		r->len = (size_t)ll;
		*off += after;
		return 1;
	case ':':
		if (parse_int(line, (size_t)ll, &r->num) < 0)
			return mlc_err_set(err, MLC_ERR_PROTO, 0, "redis: malformed integer reply");
		r->type = RESP_INT;
		*off += after;
		return 1;
	case '$': {
		long long n;
		if (parse_int(line, (size_t)ll, &n) < 0 || n < -1)
			return mlc_err_set(err, MLC_ERR_PROTO, 0, "redis: malformed bulk length");
		if (n == -1) {
			r->type = RESP_NIL;
			*off += after;
			return 1;
		}
		if (n > RESP_MAX_BULK)
			return mlc_err_set(err, MLC_ERR_TOO_BIG, (long)n,
					   "redis: a reply of %lld bytes (the limit is %d)", n,
					   RESP_MAX_BULK);
		if (left < after + (size_t)n + 2)
			return 0;
		if (p[after + (size_t)n] != '\r' || p[after + (size_t)n + 1] != '\n')
			return mlc_err_set(err, MLC_ERR_PROTO, 0,
					   "redis: bulk string not followed by CRLF");
		r->type = RESP_BULK;
		r->str = p + after;
		r->len = (size_t)n;
		*off += after + (size_t)n + 2;
		return 1;
	}
	case '*': {
		long long n;
		if (parse_int(line, (size_t)ll, &n) < 0 || n < -1)
			return mlc_err_set(err, MLC_ERR_PROTO, 0, "redis: malformed array length");
		if (n > RESP_MAX_ARRAY)
			return mlc_err_set(err, MLC_ERR_TOO_BIG, (long)n,
					   "redis: an array of %lld elements (the limit is %d)", n,
					   RESP_MAX_ARRAY);
		r->type = n == -1 ? RESP_NIL : RESP_ARRAY;
		r->num = n < 0 ? 0 : n;
		*children = r->num;
		*off += after;
		return 1;
	}
	default:
		return mlc_err_set(err, MLC_ERR_PROTO, (unsigned char)p[0],
				   "redis: unexpected reply type byte 0x%02x",
				   (unsigned)(unsigned char)p[0]);
	}
}

long resp_parse(const char *buf, size_t len, struct resp_reply *out, struct mlc_err *err)
{
	size_t off = 0;
	long long kids;
	int rc = element(buf, len, &off, out, &kids, err);
	if (rc <= 0)
		return rc;
	/* Elements still owed at each open level of nesting. */
	long long owed[RESP_MAX_DEPTH + 1];
	int depth = 0;
	if (kids > 0)
		owed[depth++] = kids;
	while (depth > 0) {
		struct resp_reply r;
		rc = element(buf, len, &off, &r, &kids, err);
		if (rc <= 0)
			return rc;
		owed[depth - 1]--;
		if (kids > 0) {
			if (depth == RESP_MAX_DEPTH)
				return mlc_err_set(err, MLC_ERR_PROTO, depth,
						   "redis: arrays nested deeper than %d",
						   RESP_MAX_DEPTH);
			owed[depth++] = kids;
		}
		while (depth > 0 && owed[depth - 1] == 0)
			depth--;
	}
	return (long)off;
}

void resp_encode(struct buf *b, int argc, const char *const *argv)
{
	buf_printf(b, "*%d\r\n", argc);
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);
		buf_printf(b, "$%zu\r\n", n);
		buf_append(b, argv[i], n);
		buf_puts(b, "\r\n");
	}
}

int resp_info_field(const char *info, size_t len, const char *key, char *out, size_t n)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(info + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - info) : len;
		size_t l = end - i;
		if (l > klen && memcmp(info + i, key, klen) == 0 && info[i + klen] == ':') {
			size_t v = l - klen - 1;
			if (v > 0 && info[i + klen + 1 + v - 1] == '\r')
				v--;
			if (n > 0) {
				size_t c = v < n - 1 ? v : n - 1;
				memcpy(out, info + i + klen + 1, c);
				out[c] = '\0';
			}
			return 0;
		}
		i = end + 1;
	}
	return -1;
}
