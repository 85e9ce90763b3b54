/* tests/integ/stackenv.h — what the integration tests know of the local stack:
 * the folder `tests/stack/stack up` printed (in $MLC_STACK_DIR) and the
 * KEY=value lines of its env file. */
#ifndef MLC_TEST_STACKENV_H
#define MLC_TEST_STACKENV_H

/* Value of KEY in $MLC_STACK_DIR/env, or NULL. The string lives until exit. */
const char *stackenv(const char *key);
/* $MLC_STACK_DIR (aborts the test run with a message when unset). */
const char *stackenv_dir(void);
/* Runs `tests/stack/stack stop|start DIR SERVICE`; returns its exit status. */
int stackenv_service(const char *verb, const char *service);
/* Runs the loop until *flag becomes true or timeout_ms passes; returns *flag. */
#include <stdbool.h>
bool stackenv_run_until(volatile bool *flag, long timeout_ms);
/* Runs the loop, event by event, until pred(arg) holds or timeout_ms passes
 * (a safety deadline, never what a test measures); returns pred(arg). */
bool stackenv_run_until_true(bool (*pred)(const void *arg), const void *arg, long timeout_ms);

#endif
