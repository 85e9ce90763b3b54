/* tests/unit/test_ws.c — the pure half of lib/core/ws: the accept key
 * (RFC 6455's own example), the upgrade request and the check of its
 * answer (refusals with their status and words, bad accepts, a header
 * block that never ends), client frames, and the parser of server frames
 * against hostile input: huge lengths, reserved bits, masked server
 * frames, fragments out of order, control frames too long or split, and
 * every truncation of a valid frame. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/ws.h"

#define KEY "dGhlIHNhbXBsZSBub25jZQ=="

Test(ws, accept_key_of_the_rfc)
{
	char out[WS_ACCEPT_LEN + 1];
	ws_accept_for(KEY, out);
	cr_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

Test(ws, upgrade_request)
{
	const char *h[] = {"Authorization: Bearer t", NULL};
	char *r = ws_handshake_request("h:8265", "/api/jobs/x/logs/tail", KEY, h);
	cr_assert(!strncmp(r, "GET /api/jobs/x/logs/tail HTTP/1.1\r\nHost: h:8265\r\n", 50), "%s",
		  r);
	cr_assert(strstr(r, "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"));
	cr_assert(strstr(r, "\r\nSec-WebSocket-Key: " KEY "\r\n"));
	cr_assert(strstr(r, "\r\nSec-WebSocket-Version: 13\r\n"));
	cr_assert(strstr(r, "\r\nAuthorization: Bearer t\r\n\r\n"));
	free(r);
}

static long check(const char *s, bool eof, struct mlc_err *e)
{
	return ws_handshake_check(s, strlen(s), KEY, "/p", eof, e);
}

Test(ws, handshake_accepted_and_incomplete)
{
	struct mlc_err e = {0};
	const char *ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\n"
			 "Connection: keep-alive, Upgrade\r\n"
			 "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x01x";
	cr_assert_eq(check(ok, false, &e), (long)strlen(ok) - 3, "%s", e.msg);
	cr_assert_eq(check("HTTP/1.1 101 Switching", false, &e), 0);
	cr_assert_lt(check("HTTP/1.1 101 Switching", true, &e), 0, "cut by EOF");
	cr_assert_eq(e.code, MLC_ERR_PROTO);
}

Test(ws, handshake_bad_accept_and_missing_headers)
{
	struct mlc_err e = {0};
	cr_assert_lt(check("HTTP/1.1 101 X\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			   "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
			   false, &e),
		     0);
	cr_assert(strstr(e.msg, "Sec-WebSocket-Accept"), "%s", e.msg);
	cr_assert_lt(check("HTTP/1.1 101 X\r\nConnection: Upgrade\r\n"
			   "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
			   false, &e),
		     0);
	cr_assert(strstr(e.msg, "Upgrade"), "%s", e.msg);
	cr_assert_lt(check("HTTP/1.1 101 X\r\nUpgrade: websocket\r\n"
			   "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
			   false, &e),
		     0);
	cr_assert_lt(check("SSH-2.0-OpenSSH\r\n\r\n", false, &e), 0);
	cr_assert_eq(e.code, MLC_ERR_PROTO);
}

Test(ws, handshake_refused_with_status_and_words)
{
	struct mlc_err e = {0};
	const char *nf = "HTTP/1.1 404 Not Found\r\nContent-Length: 20\r\n\r\nJob x does not e";
	cr_assert_eq(check(nf, false, &e), 0, "the body is worth waiting for");
	cr_assert_lt(check(nf, true, &e), 0);
	cr_assert_eq(e.code, MLC_ERR_NOTFOUND);
	cr_assert_eq(e.detail, 404);
	cr_assert(strstr(e.msg, "HTTP 404 from /p: Job x does not e"), "%s", e.msg);
	const char *bad = "HTTP/1.1 400 Bad Request\r\nContent-Length: 5\r\n\r\nno\x1b[2J";
	cr_assert_lt(check(bad, false, &e), 0);
	cr_assert_eq(e.detail, 400);
	cr_assert_null(strchr(e.msg, '\x1b'), "sanitized: %s", e.msg);
}

Test(ws, handshake_header_block_that_never_ends)
{
	struct mlc_err e = {0};
	size_t n = 20000;
	char *s = malloc(n + 1);
	memcpy(s, "HTTP/1.1 101 X\r\n", 16);
	memset(s + 16, 'a', n - 16);
	s[n] = 0;
	cr_assert_lt(ws_handshake_check(s, n, KEY, "/p", false, &e), 0);
	cr_assert_eq(e.code, MLC_ERR_PROTO);
	free(s);
}

Test(ws, client_frames_are_masked)
{
	unsigned char mask[4] = {1, 2, 3, 4}, out[300 + 14];
	char pl[300];
	memset(pl, 'z', sizeof pl);
	cr_assert_eq(ws_frame(out, 10, "hi", 2, mask), 8);
	cr_assert_eq(out[0], 0x8a);
	cr_assert_eq(out[1], 0x82);
	cr_assert_eq(out[6], 'h' ^ 1);
	cr_assert_eq(out[7], 'i' ^ 2);
	cr_assert_eq(ws_frame(out, 1, pl, 300, mask), 4 + 4 + 300);
	cr_assert_eq(out[1], 0x80 | 126);
	cr_assert_eq(out[2] << 8 | out[3], 300);
	cr_assert_eq(out[8 + 299], 'z' ^ 4);
}

static int parse1(struct ws_parser *ps, const void *p, size_t n, size_t *used, struct ws_event *ev,
		  struct mlc_err *e)
{
	return ws_parse(ps, p, n, used, ev, e);
}

Test(ws, text_binary_and_lengths)
{
	struct ws_parser ps;
	struct ws_event ev;
	struct mlc_err e = {0};
	size_t used;
	ws_parser_init(&ps, 0);
	cr_assert_eq(parse1(&ps, "\x81\x05hello", 7, &used, &ev, &e), 0);
	cr_assert_eq(used, 7);
	cr_assert_eq(ev.ev, WS_EV_MESSAGE);
	cr_assert(ev.text);
	cr_assert_eq(ev.len, 5);
	cr_assert(!memcmp(ev.data, "hello", 5));
	unsigned char big[4 + 300];
	big[0] = 0x82;
	big[1] = 126;
	big[2] = 1;
	big[3] = 44;
	memset(big + 4, 'b', 300);
	cr_assert_eq(parse1(&ps, big, sizeof big, &used, &ev, &e), 0);
	cr_assert_eq(used, sizeof big);
	cr_assert(!ev.text);
	cr_assert_eq(ev.len, 300);
	unsigned char l64[10 + 3] = {0x81, 127, 0, 0, 0, 0, 0, 0, 0, 3, 'a', 'b', 'c'};
	cr_assert_eq(parse1(&ps, l64, sizeof l64, &used, &ev, &e), 0);
	cr_assert_eq(ev.len, 3);
	ws_parser_free(&ps);
}

Test(ws, every_truncation_waits)
{
	struct ws_parser ps;
	struct ws_event ev;
	struct mlc_err e = {0};
	size_t used;
	unsigned char f[4 + 200] = {0x81, 126, 0, 200};
	memset(f + 4, 'x', 200);
	ws_parser_init(&ps, 0);
	for (size_t n = 0; n < sizeof f; n++) {
		cr_assert_eq(parse1(&ps, f, n, &used, &ev, &e), 0);
		cr_assert_eq(used, 0, "at %zu", n);
		cr_assert_eq(ev.ev, WS_EV_NONE);
	}
	ws_parser_free(&ps);
}

static void expect_bad(const void *p, size_t n, int code, const char *words)
{
	struct ws_parser ps;
	struct ws_event ev;
	struct mlc_err e = {0};
	size_t used = 99;
	ws_parser_init(&ps, 1000);
	cr_assert_lt(parse1(&ps, p, n, &used, &ev, &e), 0, "%s", words);
	cr_assert_eq(e.code, code, "%s: %s", words, e.msg);
	cr_assert(strstr(e.msg, words), "%s", e.msg);
	cr_assert_eq(used, 0);
	ws_parser_free(&ps);
}

Test(ws, hostile_frames)
{
	/* a 2^40-byte frame: refused from its header alone */
	expect_bad("\x81\x7f\x00\x00\x01\x00\x00\x00\x00\x00", 10, MLC_ERR_TOO_BIG, "frame of");
	expect_bad("\x81\x7f\x80\x00\x00\x00\x00\x00\x00\x01", 10, MLC_ERR_PROTO, "2^63");
	expect_bad("\x81\x7e\x03\xe9", 4, MLC_ERR_TOO_BIG, "frame of 1001");
	expect_bad("\xc1\x01x", 3, MLC_ERR_PROTO, "reserved");
	expect_bad("\x91\x01x", 3, MLC_ERR_PROTO, "reserved");
	expect_bad("\x81\x81\x01\x02\x03\x04x", 7, MLC_ERR_PROTO, "masked");
	expect_bad("\x83\x01x", 3, MLC_ERR_PROTO, "opcode 3");
	expect_bad("\x8b\x00", 2, MLC_ERR_PROTO, "opcode 11");
	expect_bad("\x80\x01x", 3, MLC_ERR_PROTO, "continuation without");
	expect_bad("\x09\x01x", 3, MLC_ERR_PROTO, "fragmented");
	expect_bad("\x88\x01x", 3, MLC_ERR_PROTO, "one byte");
	expect_bad("\x89\x7e\x00\x7e", 4, MLC_ERR_PROTO, "over 125");
}

Test(ws, fragments_pings_and_close)
{
	struct ws_parser ps;
	struct ws_event ev;
	struct mlc_err e = {0};
	size_t used;
	ws_parser_init(&ps, 8);
	cr_assert_eq(parse1(&ps,
			    "\x01\x03"
			    "abc",
			    5, &used, &ev, &e),
		     0);
	cr_assert_eq(ev.ev, WS_EV_NONE);
	cr_assert_eq(used, 5);
	cr_assert_eq(parse1(&ps, "\x89\x02hi", 4, &used, &ev, &e), 0, "a ping between fragments");
	cr_assert_eq(ev.ev, WS_EV_PING);
	cr_assert_eq(ev.len, 2);
	cr_assert_lt(parse1(&ps, "\x81\x01x", 3, &used, &ev, &e), 0, "a new message inside");
	cr_assert_eq(parse1(&ps,
			    "\x80\x02"
			    "de",
			    4, &used, &ev, &e),
		     0);
	cr_assert_eq(ev.ev, WS_EV_MESSAGE);
	cr_assert(ev.text);
	cr_assert_eq(ev.len, 5);
	cr_assert(!memcmp(ev.data, "abcde", 5));
	cr_assert_eq(parse1(&ps,
			    "\x02\x05"
			    "12345",
			    7, &used, &ev, &e),
		     0);
	cr_assert_lt(parse1(&ps,
			    "\x80\x05"
			    "67890",
			    7, &used, &ev, &e),
		     0, "over the cap");
	cr_assert_eq(e.code, MLC_ERR_TOO_BIG);
	ws_parser_free(&ps);
	ws_parser_init(&ps, 0);
	cr_assert_eq(parse1(&ps,
			    "\x88\x05\x03\xe8"
			    "bye",
			    7, &used, &ev, &e),
		     0);
	cr_assert_eq(ev.ev, WS_EV_CLOSE);
	cr_assert_eq(ev.code, 1000);
	cr_assert_eq(ev.len, 3);
	cr_assert_eq(parse1(&ps, "\x88\x00", 2, &used, &ev, &e), 0);
	cr_assert_eq(ev.code, 0);
	cr_assert_eq(parse1(&ps, "\x8a\x00", 2, &used, &ev, &e), 0);
	cr_assert_eq(ev.ev, WS_EV_PONG);
	ws_parser_free(&ps);
}

Test(ws, answer_without_a_nul_is_read_within_its_length)
{
	/* the bytes as read from the socket: no NUL after them (ASan checks) */
	const char *s = "HTTP/1.1 101\r\n\r\n";
	size_t n = strlen(s);
	char *p = malloc(n);
	memcpy(p, s, n);
	struct mlc_err e = {0};
	cr_assert_lt(ws_handshake_check(p, n, KEY, "/p", false, &e), 0);
	cr_assert(strstr(e.msg, "Upgrade"), "%s", e.msg);
	free(p);
}
