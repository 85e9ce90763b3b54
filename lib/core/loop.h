/* lib/core/loop.h — the one libuv loop every module runs on, plus the in-flight
 * count the headless driver waits on and a "run on the next turn" helper.
 * One thread: nothing here is thread-safe, and nothing may block. */
#ifndef MLC_LOOP_H
#define MLC_LOOP_H

#include <stdbool.h>
#include <sys/socket.h>
#include <uv.h>

#include "lib/core/err.h"

uv_loop_t *loop_get(void);
/* Closes every handle still open and frees the loop (at exit, after all
 * modules have shut down). */
void loop_shutdown(void);

/* Every asynchronous job (HTTP request, query, SSH step, DNS lookup) counts
 * itself busy from start to completion or cancellation. loop_busy() == 0
 * means nothing is in flight: the headless driver waits for that. */
void loop_busy_inc(void);
void loop_busy_dec(void);
int loop_busy(void);
/* While set, the loop stops (uv_stop) the moment the busy count falls to
 * zero, so that uv_run(UV_RUN_DEFAULT) returns exactly when nothing is in
 * flight: how the headless driver waits without sleeping or stalling. */
void loop_stop_when_idle(bool on);

/* Runs fn(arg) on a later turn of the loop, never inside this call: how an
 * async function reports an error it found before starting any I/O.
 * Cancelling (before it ran) guarantees fn is never called. */
struct loop_defer;
typedef void (*loop_defer_cb)(void *arg);
struct loop_defer *loop_defer(loop_defer_cb fn, void *arg);
void loop_defer_cancel(struct loop_defer *d);

/* Resolves host:port without blocking (uv_getaddrinfo). cb gets the first
 * address (IPv4 preferred) in sa, or err set; exactly once, from the loop,
 * unless cancelled first. */
struct loop_resolve;
typedef void (*loop_resolve_cb)(const struct sockaddr *sa, socklen_t salen,
				const struct mlc_err *err, void *arg);
struct loop_resolve *loop_resolve(const char *host, int port, loop_resolve_cb cb, void *arg);
void loop_resolve_cancel(struct loop_resolve *r);

/* Formats the numeric address of sa ("127.0.0.1"). */
void loop_sa_ntop(const struct sockaddr *sa, char *out, size_t n);

#endif
