/* tests/unit/httpsrv.h — a tiny HTTP/1.1 server for the unit tests, on the
 * loop in the test's own process, bound to 127.0.0.1 on a free port: answers
 * from a handler, records every request it read, can hold a request
 * unanswered and can reset a connection after answering. One server per
 * test process (Criterion runs each test in its own process). */
#ifndef MLC_TEST_HTTPSRV_H
#define MLC_TEST_HTTPSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "lib/core/util.h"

/* Stops the loop's current uv_run so that RUN_UNTIL re-checks its condition. */
void wake(void);

struct srv;
/* Returns the raw response to send (borrowed until written; *len 0 means
 * strlen), or NULL to hold the request unanswered. Every response is
 * followed by closing the connection. */
typedef const char *(*srv_handler)(struct srv *s, const char *method, const char *path,
				   const char *req, size_t *len);

struct conn {
	uv_tcp_t h;
	struct srv *s;
	struct buf in;
	bool answered, closing;
};

#define MAX_CONNS 32

struct srv {
	uv_tcp_t listener;
	int port;
	srv_handler handler;
	int accepted;	/* connections accepted */
	int requests;	/* complete requests read */
	int hangups;	/* connections the client closed */
	struct buf log; /* every request received, in order */
	struct buf scratch;
	struct conn *conns[MAX_CONNS];
	int open_handles;
	bool reset_after_write; /* answer, then reset the connection (RST, not FIN) */
};

/* The test's server (zeroed by srv_start). */
extern struct srv server;

/* Starts listening with handler; fails the test if it cannot. */
void srv_start(srv_handler handler);
/* "http://127.0.0.1:PORT" + path; caller frees. */
char *srv_url(const char *path);
/* Writes len bytes of resp on c (a held request's connection), then closes
 * it (or resets it, with reset_after_write). */
void srv_answer(struct conn *c, const char *resp, size_t len);
/* Closes the server's connections and listener (running the loop until
 * they are closed) and frees its buffers; harmless when never started. */
void srv_close(void);

#endif
