/* lib/ray/ray_tail.c — a Ray job's log followed over the dashboard's
 * /api/jobs/ID/logs/tail WebSocket (rayc.h's rayc_tail) through
 * lib/core/ws, with the target's URL, TLS and credentials. Holds one
 * message at a time, never the log. Never blocks. */
#include "lib/ray/rayc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/target_http.h"
#include "lib/core/util.h"
#include "lib/core/ws.h"

#define RAY_TAIL_MSG_MAX (4u << 20)

struct rayc_tail {
	struct ws_conn *ws;
	rayc_chunk_cb on_chunk;
	rayc_end_cb on_end;
	void *arg;
};

static bool on_msg(const char *p, size_t n, bool text, void *arg)
{
	struct rayc_tail *t = arg;
	(void)text; /* Ray sends text; a binary frame is the log's bytes too */
	t->on_chunk(p, n, t->arg);
	return true;
}

static void on_done(const struct mlc_err *err, int close_code, void *arg)
{
	struct rayc_tail *t = arg;
	(void)close_code;
	if (!err) {
		t->on_end(NULL, false, t->arg);
	} else {
		struct mlc_err e = *err;
		snprintf(e.msg, sizeof e.msg, "ray: %.240s", err->msg);
		bool refused = err->detail >= 200 && err->detail != 101;
		t->on_end(&e, refused, t->arg);
	}
	free(t);
}

struct rayc_tail *rayc_tail(struct rayc *c, const char *id, rayc_chunk_cb on_chunk,
			    rayc_end_cb on_end, void *arg)
{
	struct rayc_tail *t = xcalloc(1, sizeof *t);
	t->on_chunk = on_chunk;
	t->on_end = on_end;
	t->arg = arg;
	char *path = rayc_path(RAYC_JOB_TAIL, id);
	char *url = target_url(c->t, path);
	struct http_opts o;
	target_http_opts(c->t, c->timeout_ms, url, &o);
	o.max_bytes = RAY_TAIL_MSG_MAX;
	t->ws = ws_open(&o, on_msg, on_done, t);
	free(url);
	free(path);
	return t;
}

void rayc_tail_cancel(struct rayc_tail *t)
{
	if (!t)
		return;
	ws_close(t->ws);
	free(t);
}

uint64_t rayc_tail_bytes(const struct rayc_tail *t)
{
	return t ? ws_received(t->ws) : 0;
}
