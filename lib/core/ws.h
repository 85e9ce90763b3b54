/* lib/core/ws.h — a small RFC 6455 WebSocket client on the loop: libcurl
 * with CURLOPT_CONNECT_ONLY (its own multi handle, driven by uv_poll and
 * uv_timer) gives a connected socket, TLS and the CA/insecure options of
 * lib/core/http included; the upgrade request and the frames then go
 * through curl_easy_send/curl_easy_recv, watched by a uv_poll on
 * CURLINFO_ACTIVESOCKET. Never blocks, never calls curses. The handshake
 * and the frame parser below are pure (no I/O) and tested on their own. */
#ifndef MLC_WS_H
#define MLC_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/err.h"
#include "lib/core/http.h"

#define WS_KEY_LEN    24 /* base64 of 16 bytes */
#define WS_ACCEPT_LEN 28 /* base64 of a SHA-1 */

/* The Sec-WebSocket-Accept a server must answer for key. */
void ws_accept_for(const char *key, char out[WS_ACCEPT_LEN + 1]);

/* The upgrade request for path on host (host[:port] as the Host header
 * wants it), with extra "Name: value" headers (NULL-terminated list, may
 * be NULL). A new string. */
char *ws_handshake_request(const char *host, const char *path, const char *key,
			   const char *const *headers);

/* Checks the server's answer in p[0..n) (eof: the server closed after
 * it, judge what is there): 0 while its header block is not whole; the length of the header block
 * when it is a valid 101 upgrade (Upgrade: websocket, Connection: upgrade, the right accept); < 0
 * with e set otherwise. A refused upgrade is "HTTP STATUS from PATH: TEXT" (code as
 * lib/core/http_err, e->detail the status; TEXT from the body already in p); a header block over 16
 * KiB, a bad accept or a missing header is MLC_ERR_PROTO. */
long ws_handshake_check(const char *p, size_t n, const char *key, const char *path, bool eof,
			struct mlc_err *e);

enum ws_ev {
	WS_EV_NONE,    /* more bytes are needed */
	WS_EV_MESSAGE, /* a whole text or binary message */
	WS_EV_PING,    /* answer with a pong of the same payload */
	WS_EV_PONG,
	WS_EV_CLOSE, /* the server closes: code (0: none said) and reason */
};

struct ws_event {
	enum ws_ev ev;
	bool text;	  /* WS_EV_MESSAGE: opcode 1 (else 2) */
	const char *data; /* payload, borrowed until the next ws_parse call */
	size_t len;
	int code; /* WS_EV_CLOSE */
};

/* The state of server frames being parsed: a message split over
 * continuation frames is gathered up to max bytes. */
struct ws_parser {
	size_t max; /* message cap; 0: 1 MiB */
	char *msg;
	size_t mlen, mcap;
	int mop; /* the opcode of the message being gathered, 0 when none */
	char ctl[126];
};

void ws_parser_init(struct ws_parser *ps, size_t max);
void ws_parser_free(struct ws_parser *ps);
/* Parses at most one frame from p[0..n): *used gets the bytes consumed
 * (0 when the frame is not whole yet). Returns 0 with ev filled (WS_EV_NONE
 * when a frame was consumed without an event, or when more bytes are
 * needed), or < 0 with e set (MLC_ERR_PROTO: reserved bits, a masked
 * frame, an unknown opcode, a control frame over 125 bytes or split, a
 * continuation without a start or a new message inside one, invalid
 * lengths; MLC_ERR_TOO_BIG: a frame or message over the cap). */
int ws_parse(struct ws_parser *ps, const unsigned char *p, size_t n, size_t *used,
	     struct ws_event *ev, struct mlc_err *e);

/* A client frame (FIN set, masked with mask) of opcode op around
 * payload[0..n); out must hold n + 14 bytes. Returns its length. */
size_t ws_frame(unsigned char *out, int op, const void *payload, size_t n,
		const unsigned char mask[4]);

/* The connection. on_msg gets each message (data borrowed for the call);
 * returning false closes the connection (on_done then says
 * MLC_ERR_CANCELLED). on_done runs exactly once, from the loop, never
 * inside ws_open, unless ws_close ran first: err NULL when the server
 * closed cleanly (close frame, code in *close_code, or EOF after one), else
 * why (connect errors as lib/core/http's, a refused upgrade with e->detail
 * the HTTP status, a bad frame). The connection counts itself busy on the
 * loop from ws_open until on_done or ws_close. */
typedef bool (*ws_msg_cb)(const char *data, size_t len, bool text, void *arg);
typedef void (*ws_done_cb)(const struct mlc_err *err, int close_code, void *arg);
struct ws_conn;
/* o: url (http:// or https://, asked as ws:// or wss://), headers,
 * connect_timeout_ms, ca_file, insecure, bearer, username/password are
 * used; max_bytes is the message cap (0: 1 MiB). */
struct ws_conn *ws_open(const struct http_opts *o, ws_msg_cb on_msg, ws_done_cb on_done, void *arg);
/* Closes at once (no close handshake); no callback runs after. NULL ok. */
void ws_close(struct ws_conn *c);
/* Bytes received so far (frames included). */
uint64_t ws_received(const struct ws_conn *c);

#endif
