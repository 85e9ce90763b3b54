/* tests/integ/flows_got.h — what the Flows clients' integration tests
 * (test_flowsc.c, test_airflow3.c) share: one call's outcome caught by
 * got_cb, the wait for it, and a simulator's world put back. */
#ifndef MLC_TEST_FLOWS_GOT_H
#define MLC_TEST_FLOWS_GOT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/core/err.h"

#define WAIT_MS 30000

/* One call's outcome: the result moved out by got_cb, or the error. */
struct got {
	volatile bool done;
	int calls;
	struct mlc_err err;
	bool ok;
	size_t size;
	char res[256]; /* the result struct, moved here (every one fits) */
};

/* An apireq_cb: records the outcome in the struct got at arg. */
void got_cb(void *res, const struct mlc_err *err, void *arg);

#define WAIT(g) cr_assert(stackenv_run_until(&(g).done, WAIT_MS), "no answer")

/* The simulator's world back to its start (after a write), PORT_KEY
 * naming its port in the stack env; the Airflow one in v3 also expires
 * every token it issued. */
void sim_reset(const char *port_key);

#endif
