/* tests/integ/simproc.h — a simulator of a test's own (tests/stack/sim),
 * for a test that asserts every request the server received: the stack's
 * simulators are shared by the tests running beside it. */
#ifndef MLC_TEST_SIMPROC_H
#define MLC_TEST_SIMPROC_H

#include <sys/types.h>

struct simproc {
	pid_t pid;
	int port;
	char dir[64]; /* its port file's folder */
};

/* Runs `python3 tests/stack/sim/SCRIPT --port 0 --port-file F ARGS...`
 * (args NULL-terminated, from the repository root) and waits for the port
 * file it writes once it listens; fails the test after 15 s. */
void simproc_start(struct simproc *s, const char *script, const char *const *args);
/* SIGTERM, waited for; the folder removed. */
void simproc_stop(struct simproc *s);
/* "METHOD PATH\n" for each request it received so far, in order (its
 * /__sim/requests, control routes left out); free() it. */
char *simproc_requests(const struct simproc *s);

#endif
