/* tests/unit/runloop.h — the unit tests' one way to wait on the loop: run it
 * until a condition holds, with a safety deadline that only stops a hung
 * test (it is never what a test measures). */
#ifndef MLC_TEST_RUNLOOP_H
#define MLC_TEST_RUNLOOP_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <uv.h>

#include "lib/core/loop.h"

/* Arms the safety deadline (ms) and returns the flag it sets. */
volatile bool *runloop_arm(long ms);
void runloop_disarm(void);
/* Closes the deadline timer; call before loop_shutdown() in a teardown. */
void runloop_close(void);

/* Runs the loop until cond holds; fails the test if the deadline fires
 * first. Callbacks that make cond true from a timer should uv_stop() the
 * loop, or UV_RUN_ONCE may sleep until the next event. */
#define RUN_UNTIL(cond)                                                        \
	do {                                                                   \
		volatile bool *expired_ = runloop_arm(15000);                  \
		while (!(cond) && !*expired_)                                  \
			uv_run(loop_get(), UV_RUN_ONCE);                       \
		runloop_disarm();                                              \
		cr_assert(!*expired_, "gave up waiting for: %s", #cond);       \
	} while (0)

#endif
