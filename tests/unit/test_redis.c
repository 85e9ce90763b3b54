/* tests/unit/test_redis.c — lib/redis's pure parts: RESP replies (every
 * type, truncation at every offset, hostile bytes, the caps), commands as
 * sent, INFO fields, and redis-cli's URL form (and that its errors never
 * repeat the password). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/redis/redis_url.h"
#include "lib/redis/resp.h"

static long parse(const char *s, struct resp_reply *r, struct mlc_err *e)
{
	return resp_parse(s, strlen(s), r, e);
}

Test(resp, each_type)
{
	struct resp_reply r;
	struct mlc_err e;
	cr_assert_eq(parse("+PONG\r\n", &r, &e), 7);
	cr_assert_eq(r.type, RESP_SIMPLE);
	cr_assert_eq(r.len, 4);
	cr_assert_eq(memcmp(r.str, "PONG", 4), 0);
	cr_assert_eq(parse("-WRONGPASS invalid\r\n", &r, &e), 20);
	cr_assert_eq(r.type, RESP_ERROR);
	cr_assert_eq(parse(":-42\r\n", &r, &e), 6);
	cr_assert_eq(r.type, RESP_INT);
	cr_assert_eq(r.num, -42);
	cr_assert_eq(parse("$5\r\nab\r\nc\r\n", &r, &e), 11, "a bulk may hold CRLF");
	cr_assert_eq(r.type, RESP_BULK);
	cr_assert_eq(r.len, 5);
	cr_assert_eq(parse("$-1\r\n", &r, &e), 5);
	cr_assert_eq(r.type, RESP_NIL);
	cr_assert_eq(parse("$0\r\n\r\n", &r, &e), 6);
	cr_assert_eq(r.len, 0);
	cr_assert_eq(parse("*2\r\n$1\r\na\r\n*1\r\n:1\r\n+rest", &r, &e), 19);
	cr_assert_eq(r.type, RESP_ARRAY);
	cr_assert_eq(r.num, 2);
	cr_assert_eq(parse("*0\r\n", &r, &e), 4);
	cr_assert_eq(parse("*-1\r\n", &r, &e), 5);
	cr_assert_eq(r.type, RESP_NIL);
}

/* Every strict prefix of a valid reply is "incomplete", never an error or a
 * read past the end: each prefix is copied into a buffer of exactly its size. */
Test(resp, truncated_at_every_offset)
{
	const char *replies[] = {"+OK\r\n", "-ERR x\r\n", ":123\r\n", "$12\r\nhello\r\nworld\r\n",
				 "*3\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n+x\r\n"};
	for (size_t i = 0; i < ARRAY_LEN(replies); i++) {
		size_t n = strlen(replies[i]);
		for (size_t k = 0; k < n; k++) {
			char *b = malloc(k ? k : 1);
			memcpy(b, replies[i], k);
			struct resp_reply r;
			struct mlc_err e;
			cr_assert_eq(resp_parse(b, k, &r, &e), 0, "%s cut at %zu", replies[i], k);
			free(b);
		}
		struct resp_reply r;
		struct mlc_err e;
		cr_assert_eq(resp_parse(replies[i], n, &r, &e), (long)n, "%s", replies[i]);
	}
}

Test(resp, hostile_input_is_an_error_not_a_crash)
{
	const char *bad[] = {
	    "?x\r\n",  "$abc\r\n",	 "$-2\r\n",   ":\r\n",	   ":12a\r\n",
	    "*-5\r\n", "$3\r\nabcd\r\n", "+a\rb\r\n", "+a\nb\r\n", "$99999999999999999999\r\n",
	    ":-\r\n"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct resp_reply r;
		struct mlc_err e;
		mlc_err_clear(&e);
		cr_assert_lt(parse(bad[i], &r, &e), 0, "accepted %s", bad[i]);
		cr_assert_neq(e.code, MLC_OK);
		cr_assert(strstr(e.msg, "redis:"), "%s", e.msg);
	}
}

Test(resp, caps)
{
	struct resp_reply r;
	struct mlc_err e;
	cr_assert_eq(parse("$2000000\r\n", &r, &e), -MLC_ERR_TOO_BIG);
	cr_assert_eq(parse("*5000\r\n", &r, &e), -MLC_ERR_TOO_BIG);
	/* a line that never ends: an error once past the cap, not a wait */
	size_t n = RESP_MAX_LINE + 10;
	char *b = malloc(n);
	memset(b, 'a', n);
	b[0] = '+';
	cr_assert_lt(resp_parse(b, n, &r, &e), 0);
	cr_assert_eq(resp_parse(b, 100, &r, &e), 0, "short: still incomplete");
	free(b);
	/* nesting: 8 levels are fine, 9 are not */
	struct buf d;
	buf_init(&d);
	for (int i = 0; i < 8; i++)
		buf_puts(&d, "*1\r\n");
	buf_puts(&d, ":1\r\n");
	cr_assert_eq(resp_parse(d.data, d.len, &r, &e), (long)d.len);
	buf_reset(&d);
	for (int i = 0; i < 9; i++)
		buf_puts(&d, "*1\r\n");
	buf_puts(&d, ":1\r\n");
	cr_assert_lt(resp_parse(d.data, d.len, &r, &e), 0);
	buf_free(&d);
}

Test(resp, random_bytes_never_crash)
{
	srand(7);
	const char alphabet[] = "+-:$*\r\n0123456789-ab";
	for (int t = 0; t < 20000; t++) {
		char b[24];
		size_t n = (size_t)(rand() % (int)sizeof b);
		for (size_t i = 0; i < n; i++)
			b[i] = alphabet[rand() % (int)(sizeof alphabet - 1)];
		struct resp_reply r;
		struct mlc_err e;
		long rc = resp_parse(b, n, &r, &e);
		cr_assert_leq(rc, (long)n);
	}
}

Test(resp, encode)
{
	struct buf b;
	buf_init(&b);
	resp_encode(&b, 3, (const char *const[]){"AUTH", "u", "p w"});
	cr_assert_str_eq(b.data, "*3\r\n$4\r\nAUTH\r\n$1\r\nu\r\n$3\r\np w\r\n");
	buf_free(&b);
}

Test(resp, info_fields)
{
	const char info[] = "# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:00000000\r\n"
			    "redis_mode:standalone\r\nos:Linux\r\nredis_version_x:no\r\nlast";
	char v[32];
	cr_assert_eq(resp_info_field(info, sizeof info - 1, "redis_version", v, sizeof v), 0);
	cr_assert_str_eq(v, "7.0.15");
	cr_assert_eq(resp_info_field(info, sizeof info - 1, "redis_mode", v, sizeof v), 0);
	cr_assert_str_eq(v, "standalone");
	cr_assert_eq(resp_info_field(info, sizeof info - 1, "redis", v, sizeof v), -1);
	cr_assert_eq(resp_info_field(info, sizeof info - 1, "last", v, sizeof v), -1);
	char small[4];
	cr_assert_eq(resp_info_field(info, sizeof info - 1, "redis_version", small, sizeof small),
		     0);
	cr_assert_str_eq(small, "7.0");
	/* a field cut off by the end of the buffer */
	cr_assert_eq(resp_info_field("os:Lin", 6, "os", v, sizeof v), 0);
	cr_assert_str_eq(v, "Lin");
}

static void url_ok(const char *url, const char *host, int port, int db, const char *user,
		   const char *pw)
{
	struct redis_url u;
	struct mlc_err e;
	cr_assert_eq(redis_url_parse(url, &u, &e), 0, "%s: %s", url, e.msg);
	cr_assert_str_eq(u.host, host, "%s", url);
	cr_assert_eq(u.port, port, "%s", url);
	cr_assert_eq(u.db, db, "%s", url);
	cr_assert_str_eq(u.user, user, "%s", url);
	cr_assert_eq(u.has_password, pw != NULL, "%s", url);
	if (pw)
		cr_assert_str_eq(u.password, pw, "%s", url);
}

Test(redis_url, as_redis_cli_reads_it)
{
	url_ok("redis://", "127.0.0.1", 6379, -1, "", NULL);
	url_ok("redis://cache.internal", "cache.internal", 6379, -1, "", NULL);
	url_ok("redis://h:6380/2", "h", 6380, 2, "", NULL);
	url_ok("redis://:s3cret@h:6379/0", "h", 6379, 0, "", "s3cret");
	url_ok("redis://s3cret@h", "h", 6379, -1, "", "s3cret");
	url_ok("redis://alice:s3cret@h", "h", 6379, -1, "alice", "s3cret");
	url_ok("redis://:p%40ss%3Aw@h/", "h", 6379, -1, "", "p@ss:w");
	url_ok("redis://:pw@[::1]:7000/1", "::1", 7000, 1, "", "pw");
	url_ok("redis://[::1]", "::1", 6379, -1, "", NULL);
}

static void url_bad(const char *url, const char *why)
{
	struct redis_url u;
	struct mlc_err e;
	cr_assert_lt(redis_url_parse(url, &u, &e), 0, "%s accepted", url);
	cr_assert_eq(e.code, MLC_ERR_CONFIG);
	cr_assert(strstr(e.msg, why), "%s: %s", url, e.msg);
	cr_assert_null(strstr(e.msg, "hunter2"), "the password leaked: %s", e.msg);
	cr_assert_eq(u.has_password, false);
}

Test(redis_url, errors_say_what_and_never_the_password)
{
	url_bad("http://h", "expected redis://");
	url_bad("rediss://:hunter2@h", "TLS");
	url_bad("redis://:hunter2@h:port", "port");
	url_bad("redis://:hunter2@h:0", "port");
	url_bad("redis://:hunter2@h:70000", "port");
	url_bad("redis://:hunter2@h/x", "database");
	url_bad("redis://:hunter2%zz@h", "password");
	url_bad("redis://:hunter2%00@h", "password");
	url_bad("redis://:hunter2@[::1", "IPv6");
	url_bad("redis://:hunter2@[::1]x", "after the ']'");
}
