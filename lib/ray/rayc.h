/* lib/ray/rayc.h — the asynchronous Ray dashboard client on lib/core/http:
 * the requests the Ray panel makes, built from the [ray] target (its
 * dashboard URL, TLS and deadline), checked for both failure forms (an HTTP
 * error, and HTTP 200 with result false) and parsed by lib/ray/ray.h. Never
 * blocks, never includes curses. */
#ifndef MLC_RAYC_H
#define MLC_RAYC_H

#include "lib/core/config.h"
#include "lib/core/err.h"
#include "lib/ray/ray.h"

/* What a request asks for, and the type of its result. */
enum rayc_what {
	RAYC_VERSION,	  /* struct ray_version */
	RAYC_CLUSTER,	  /* struct ray_cluster */
	RAYC_NODES,	  /* struct ray_nodes */
	RAYC_ACTORS,	  /* struct ray_actors */
	RAYC_JOBS,	  /* struct ray_jobs */
	RAYC_JOB,	  /* struct ray_job (id: a submission or job id) */
	RAYC_JOB_LOGS,	  /* char * (id) */
	RAYC_JOB_TAIL,	  /* rayc_path only: the WebSocket of rayc_tail (id) */
	RAYC_JOB_STOP,	  /* bool (id; a POST) */
	RAYC_SERVE,	  /* struct ray_serve */
	RAYC_STATE_NODES, /* struct ray_state_nodes (/api/v0/nodes?detail=true) */
	RAYC_TASKS,	  /* struct ray_tasks (/api/v0/tasks/summarize) */
};

struct rayc {
	const struct target *t; /* borrowed; outlives the client */
	long timeout_ms;	/* per request; default 10 s */
};

void rayc_init(struct rayc *c, const struct target *t);

/* The path and query of a request ("/nodes?view=summary",
 * "/api/jobs/raysubmit_x/logs"); id is percent-encoded. Caller frees. */
char *rayc_path(enum rayc_what w, const char *id);

/* cb(res, err, arg) exactly once, from the loop, never inside the call,
 * unless rayc_cancel() ran first. On success err is NULL and res points to
 * the result type of w; on failure res is NULL and err->msg names the
 * request and carries the server's words: "ray: HTTP 404 from
 * /api/jobs/x: Job x does not exist", "ray: /nodes: result false: …".
 * res is owned by the client and freed after cb returns: to keep its
 * contents, move them out and zero the struct. The handle is dead once cb
 * runs. */
typedef void (*rayc_cb)(void *res, const struct mlc_err *err, void *arg);
struct rayc_req;
struct rayc_req *rayc_get(struct rayc *c, enum rayc_what w, const char *id, rayc_cb cb, void *arg);
void rayc_cancel(struct rayc_req *r);

/* A job's log streamed from /api/jobs/ID/logs/tail, the dashboard's
 * WebSocket: the log from its start, then what it gains while the job
 * runs, closed when it ends. on_chunk gets each piece (borrowed for the
 * call; never the whole log at once: a message is capped at 4 MiB).
 * on_end runs exactly once, from the loop, never inside rayc_tail, unless
 * rayc_tail_cancel ran first: err NULL when the dashboard closed the stream
 * (the job is over); refused true when the dashboard answered the upgrade
 * with an HTTP status (an older one has no /logs/tail: 404), so that the
 * caller polls RAYC_JOB_LOGS instead; else err says what broke ("ray:
 * /api/jobs/x/logs/tail: websocket: reserved bits set"). */
typedef void (*rayc_chunk_cb)(const char *p, size_t n, void *arg);
typedef void (*rayc_end_cb)(const struct mlc_err *err, bool refused, void *arg);
struct rayc_tail;
struct rayc_tail *rayc_tail(struct rayc *c, const char *id, rayc_chunk_cb on_chunk,
			    rayc_end_cb on_end, void *arg);
void rayc_tail_cancel(struct rayc_tail *t);
/* Bytes received on the stream so far. */
uint64_t rayc_tail_bytes(const struct rayc_tail *t);

#endif
