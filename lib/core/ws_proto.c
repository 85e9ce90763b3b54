/* lib/core/ws_proto.c — the pure half of the WebSocket client (ws.h): the
 * upgrade request and the check of its answer, client frames, and the
 * parser of server frames. No I/O; never trusts a length it is given. */
#include "lib/core/ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/core/digest.h"
#include "lib/core/http_err.h"
#include "lib/core/util.h"

#define WS_GUID	    "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_HEAD_MAX 16384

void ws_accept_for(const char *key, char out[WS_ACCEPT_LEN + 1])
{
	struct digest_sha1 c;
	unsigned char md[DIGEST_SHA1_LEN];
	digest_sha1_init(&c);
	digest_sha1_update(&c, key, strlen(key));
	digest_sha1_update(&c, WS_GUID, strlen(WS_GUID));
	digest_sha1_final(&c, md);
	digest_b64_encode(md, sizeof md, true, out, WS_ACCEPT_LEN + 1);
}

char *ws_handshake_request(const char *host, const char *path, const char *key,
			   const char *const *headers)
{
	struct buf b = {0};
	buf_printf(&b,
		   "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: mlconsole/0.1\r\n"
		   "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
		   "Sec-WebSocket-Version: 13\r\n",
		   path, host, key);
	for (const char *const *h = headers; h && *h; h++)
		buf_printf(&b, "%s\r\n", *h);
	buf_printf(&b, "\r\n");
	return buf_steal(&b);
}

/* The value of header name in the block head[0..n) (copied, trimmed, at
 * most outsz - 1 bytes); false when absent. */
static bool head_value(const char *head, size_t n, const char *name, char *out, size_t outsz)
{
	size_t nl = strlen(name);
	const char *p = memchr(head, '\n', n), *end = head + n;
	while (p && p + 1 < end) {
		p++;
		const char *e = memchr(p, '\n', (size_t)(end - p));
		if (!e)
			e = end;
		if ((size_t)(e - p) > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			size_t l = (size_t)(e - v);
			while (l && (v[l - 1] == '\r' || v[l - 1] == ' '))
				l--;
			snprintf(out, outsz, "%.*s", (int)MLC_MIN(l, outsz - 1), v);
			return true;
		}
		p = e < end ? e : NULL;
	}
	return false;
}

/* Whether the comma-separated list has token (any case). */
static bool has_token(const char *list, const char *token)
{
	size_t tl = strlen(token);
	for (const char *p = list; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t l = strcspn(p, ",");
		size_t k = l;
		while (k && p[k - 1] == ' ')
			k--;
		if (k == tl && !strncasecmp(p, token, tl))
			return true;
		p += l;
	}
	return false;
}

static long refused(const char *p, size_t n, size_t hl, long status, const char *path, bool eof,
		    struct mlc_err *e)
{
	char cl[32];
	size_t body = n - hl;
	if (!eof && head_value(p, hl, "Content-Length", cl, sizeof cl)) {
		unsigned long want = strtoul(cl, NULL, 10);
		if (want > body && want <= WS_HEAD_MAX)
			return 0; /* the body's words are worth waiting for */
	}
	struct http_answer a = {.status = status, .path = path, .body = p + hl, .len = body};
	return http_err_set(e, NULL, &a);
}

long ws_handshake_check(const char *p, size_t n, const char *key, const char *path, bool eof,
			struct mlc_err *e)
{
	const char *end = NULL;
	for (size_t i = 0; i + 3 < n && i < WS_HEAD_MAX; i++)
		if (!memcmp(p + i, "\r\n\r\n", 4)) {
			end = p + i + 4;
			break;
		}
	if (!end) {
		if (n < WS_HEAD_MAX && !eof)
			return 0;
		return mlc_err_set(e, MLC_ERR_PROTO, 0, "%s: %s", path,
				   n ? "no HTTP answer to the WebSocket upgrade"
				     : "the server closed before answering the upgrade");
	}
	size_t hl = (size_t)(end - p);
	int major, minor, status;
	char line[64]; /* p is not NUL-terminated: the status line, bounded */
	snprintf(line, sizeof line, "%.*s", (int)MLC_MIN(hl, sizeof line - 1), p);
	if (sscanf(line, "HTTP/%d.%d %3d", &major, &minor, &status) != 3)
		return mlc_err_set(e, MLC_ERR_PROTO, 0, "%s: not an HTTP answer", path);
	if (status != 101)
		return refused(p, n, hl, status, path, eof, e);
	char v[128], want[WS_ACCEPT_LEN + 1];
	if (!head_value(p, hl, "Upgrade", v, sizeof v) || strcasecmp(v, "websocket"))
		return mlc_err_set(e, MLC_ERR_PROTO, 101, "%s: 101 without Upgrade: websocket",
				   path);
	if (!head_value(p, hl, "Connection", v, sizeof v) || !has_token(v, "upgrade"))
		return mlc_err_set(e, MLC_ERR_PROTO, 101, "%s: 101 without Connection: upgrade",
				   path);
	ws_accept_for(key, want);
	if (!head_value(p, hl, "Sec-WebSocket-Accept", v, sizeof v) || strcmp(v, want))
		return mlc_err_set(e, MLC_ERR_PROTO, 101, "%s: wrong Sec-WebSocket-Accept", path);
	return (long)hl;
}

size_t ws_frame(unsigned char *out, int op, const void *payload, size_t n,
		const unsigned char mask[4])
{
	size_t h = 0;
	out[h++] = (unsigned char)(0x80 | (op & 0x0f));
	if (n < 126) {
		out[h++] = (unsigned char)(0x80 | n);
	} else if (n < 65536) {
		out[h++] = 0x80 | 126;
		out[h++] = (unsigned char)(n >> 8);
		out[h++] = (unsigned char)n;
	} else {
		out[h++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--)
			out[h++] = (unsigned char)((uint64_t)n >> (i * 8));
	}
	memcpy(out + h, mask, 4);
	h += 4;
	const unsigned char *s = payload;
	for (size_t i = 0; i < n; i++)
		out[h + i] = s[i] ^ mask[i & 3];
	return h + n;
}

void ws_parser_init(struct ws_parser *ps, size_t max)
{
	memset(ps, 0, sizeof *ps);
	ps->max = max ? max : 1u << 20;
}

void ws_parser_free(struct ws_parser *ps)
{
	free(ps->msg);
	ps->msg = NULL;
	ps->mlen = ps->mcap = 0;
	ps->mop = 0;
}

/* The header of the frame at p: *hl its length, *len the payload's; 0
 * when not whole yet, < 0 on a bad one. */
static int frame_head(struct ws_parser *ps, const unsigned char *p, size_t n, size_t *hl,
		      uint64_t *len, struct mlc_err *e)
{
	if (n < 2)
		return 0;
	if (p[0] & 0x70)
		return mlc_err_set(e, MLC_ERR_PROTO, 0, "websocket: reserved bits set");
	if (p[1] & 0x80)
		return mlc_err_set(e, MLC_ERR_PROTO, 0, "websocket: the server masked a frame");
	uint64_t l = p[1] & 0x7f;
	size_t h = 2;
	if (l == 126) {
		if (n < 4)
			return 0;
		l = (uint64_t)p[2] << 8 | p[3];
		h = 4;
	} else if (l == 127) {
		if (n < 10)
			return 0;
		if (p[2] & 0x80)
			return mlc_err_set(e, MLC_ERR_PROTO, 0,
					   "websocket: frame length over 2^63");
		l = 0;
		for (int i = 2; i < 10; i++)
			l = l << 8 | p[i];
		h = 10;
	}
	if ((p[0] & 0x08) && (l > 125 || !(p[0] & 0x80)))
		return mlc_err_set(e, MLC_ERR_PROTO, 0, "websocket: control frame %s",
				   l > 125 ? "over 125 bytes" : "fragmented");
	if (l > ps->max)
		return mlc_err_set(e, MLC_ERR_TOO_BIG, 0,
				   "websocket: a frame of %llu bytes (cap %zu)",
				   (unsigned long long)l, ps->max);
	*hl = h;
	*len = l;
	return 1;
}

/* A control frame (FIN set, at most 125 bytes): its event. */
static int control(struct ws_parser *ps, int op, bool fin, const unsigned char *pl, size_t l,
		   struct ws_event *ev, struct mlc_err *e)
{
	(void)fin; /* checked with the header */
	memcpy(ps->ctl, pl, l);
	ev->data = ps->ctl;
	ev->len = l;
	if (op == 9) {
		ev->ev = WS_EV_PING;
	} else if (op == 10) {
		ev->ev = WS_EV_PONG;
	} else {
		if (l == 1)
			return mlc_err_set(e, MLC_ERR_PROTO, 0, "websocket: close of one byte");
		ev->ev = WS_EV_CLOSE;
		ev->code = l >= 2 ? pl[0] << 8 | pl[1] : 0;
		ev->data = l >= 2 ? ps->ctl + 2 : ps->ctl;
		ev->len = l >= 2 ? l - 2 : 0;
	}
	return 0;
}

/* A data frame: a message at once, or a piece gathered until FIN. */
static int data(struct ws_parser *ps, int op, bool fin, const unsigned char *pl, size_t l,
		struct ws_event *ev, struct mlc_err *e)
{
	if (op == 0 && !ps->mop)
		return mlc_err_set(e, MLC_ERR_PROTO, 0, "websocket: continuation without a start");
	if (op != 0 && ps->mop)
		return mlc_err_set(e, MLC_ERR_PROTO, 0,
				   "websocket: a new message inside a fragmented one");
	if (op != 0 && fin) {
		ev->ev = WS_EV_MESSAGE;
		ev->text = op == 1;
		ev->data = (const char *)pl;
		ev->len = l;
		return 0;
	}
	if (ps->mlen + l > ps->max)
		return mlc_err_set(e, MLC_ERR_TOO_BIG, 0, "websocket: a message over %zu bytes",
				   ps->max);
	if (op)
		ps->mop = op;
	if (ps->mlen + l > ps->mcap) {
		ps->mcap = MLC_MAX(ps->mlen + l, ps->mcap * 2);
		ps->msg = xrealloc(ps->msg, ps->mcap + 1);
	}
	if (l)
		memcpy(ps->msg + ps->mlen, pl, l);
	ps->mlen += l;
	if (fin) {
		ev->ev = WS_EV_MESSAGE;
		ev->text = ps->mop == 1;
		ev->data = ps->msg;
		ev->len = ps->mlen;
		ps->mlen = 0;
		ps->mop = 0;
	}
	return 0;
}

int ws_parse(struct ws_parser *ps, const unsigned char *p, size_t n, size_t *used,
	     struct ws_event *ev, struct mlc_err *e)
{
	memset(ev, 0, sizeof *ev);
	*used = 0;
	size_t hl = 0;
	uint64_t len = 0;
	int rc = frame_head(ps, p, n, &hl, &len, e);
	if (rc <= 0)
		return rc;
	if (n - hl < len)
		return 0;
	int op = p[0] & 0x0f;
	bool fin = p[0] & 0x80;
	if (op >= 8 && op <= 10)
		rc = control(ps, op, fin, p + hl, (size_t)len, ev, e);
	else if (op <= 2)
		rc = data(ps, op, fin, p + hl, (size_t)len, ev, e);
	else
		rc = mlc_err_set(e, MLC_ERR_PROTO, 0, "websocket: unknown opcode %d", op);
	if (rc < 0)
		return rc;
	*used = hl + (size_t)len;
	return 0;
}
