/* lib/redis/redis_url.c — redis-cli's URL form (see redis_url.h). Strict
 * where redis-cli is lenient with atoi (a port or db that is not a number
 * is an error here, not 0): a config mistake should say so. */
#include "lib/redis/redis_url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"

/* Percent-decodes s[0..n) into out (size cap); -1 when it does not fit or
 * a %XX is malformed or decodes to NUL. */
static int pct_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			int a = hex_digit(s[i + 1]), b = hex_digit(s[i + 2]);
			if (a < 0 || b < 0 || (a == 0 && b == 0))
				return -1;
			c = (char)(a * 16 + b);
			i += 2;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* A decimal number in s[0..n) within [lo, hi]; -1 otherwise. */
static long number(const char *s, size_t n, long lo, long hi)
{
	if (n == 0 || n > 9)
		return -1;
	long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v < lo || v > hi ? -1 : v;
}

static int bad(struct mlc_err *err, const char *what)
{
	return mlc_err_set(err, MLC_ERR_CONFIG, 0, "redis URL: %s", what);
}

/* HOST[:PORT] or [V6][:PORT] in s[0..n). */
static int parse_hostport(const char *s, size_t n, struct redis_url *u, struct mlc_err *err)
{
	const char *end = s + n, *host = s, *host_end, *port = NULL;
	if (n && s[0] == '[') {
		const char *rb = memchr(s, ']', n);
		if (!rb)
			return bad(err, "an IPv6 host without its closing ']'");
		host = s + 1;
		host_end = rb;
		if (rb + 1 < end) {
			if (rb[1] != ':')
				return bad(err, "unexpected text after the ']' of the host");
			port = rb + 2;
		}
	} else {
		const char *colon = memchr(s, ':', n);
		host_end = colon ? colon : end;
		if (colon)
			port = colon + 1;
	}
	size_t hlen = (size_t)(host_end - host);
	if (hlen >= sizeof u->host)
		return bad(err, "host name too long");
	if (hlen)
		snprintf(u->host, sizeof u->host, "%.*s", (int)hlen, host);
	if (port) {
		long p = number(port, (size_t)(end - port), 1, 65535);
		if (p < 0)
			return bad(err, "the port is not a number from 1 to 65535");
		u->port = (int)p;
	}
	return 0;
}

int redis_url_parse(const char *url, struct redis_url *u, struct mlc_err *err)
{
	memset(u, 0, sizeof *u);
	snprintf(u->host, sizeof u->host, "127.0.0.1");
	u->port = 6379;
	u->db = -1;
	if (strncmp(url, "rediss://", 9) == 0)
		return bad(err, "TLS (rediss://) is not supported; use redis://");
	if (strncmp(url, "redis://", 8) != 0)
		return bad(err, "expected redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]");
	const char *p = url + 8, *end = url + strlen(url);
	/* redis-cli takes the first '@' as the end of the userinfo. */
	const char *at = strchr(p, '@');
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		if (colon && pct_decode(p, (size_t)(colon - p), u->user, sizeof u->user) < 0)
			return bad(err, "the user name is malformed or too long");
		const char *pw = colon ? colon + 1 : p;
		if (pct_decode(pw, (size_t)(at - pw), u->password, sizeof u->password) < 0) {
			redis_url_clear(u);
			return bad(err, "the password is malformed or too long");
		}
		u->has_password = true;
		p = at + 1;
	}
	const char *slash = strchr(p, '/');
	const char *hp_end = slash ? slash : end;
	if (parse_hostport(p, (size_t)(hp_end - p), u, err) < 0) {
		redis_url_clear(u);
		return -MLC_ERR_CONFIG;
	}
	if (slash && slash + 1 < end) {
		long db = number(slash + 1, (size_t)(end - slash - 1), 0, 1000000);
		if (db < 0) {
			redis_url_clear(u);
			return bad(err, "the database is not a number");
		}
		u->db = (int)db;
	}
	return 0;
}

void redis_url_clear(struct redis_url *u)
{
	explicit_bzero(u->password, sizeof u->password);
	u->has_password = false;
}
