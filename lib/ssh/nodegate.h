/* lib/ssh/nodegate.h — the gates a bring-up plan checks from the console
 * itself rather than on a node: a TCP port that accepts a connection, an
 * HTTP URL that answers 2xx. One check per call; the plan runner polls.
 * Never blocks; the callback comes from the loop, exactly once, unless
 * cancelled first. */
#ifndef MLC_NODEGATE_H
#define MLC_NODEGATE_H

#include <stdbool.h>
#include <stddef.h>

/* holds: the gate is open; why: what was seen ("connected", "HTTP 503",
 * "connect: Connection refused"), borrowed for the call. */
typedef void (*nodegate_cb)(bool holds, const char *why, void *arg);

struct nodegate;
/* Connects to host:port (resolved without blocking) and closes at once. */
struct nodegate *nodegate_tcp(const char *host, int port, long timeout_ms, nodegate_cb cb,
			      void *arg);
/* GET url; holds on 2xx. */
struct nodegate *nodegate_http(const char *url, long timeout_ms, nodegate_cb cb, void *arg);
void nodegate_cancel(struct nodegate *g);

/* "HOST:PORT" or "[V6]:PORT" into host (n bytes) and *port; -1 if malformed. */
int nodegate_hostport(const char *s, char *host, size_t n, int *port);

#endif
