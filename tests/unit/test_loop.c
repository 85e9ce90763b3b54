/* tests/unit/test_loop.c — deferred calls run on a later turn and never
 * inside the call, cancelling prevents them, the busy count balances, name
 * resolution reports once (loopback names only: no query may leave the
 * machine), and stop-when-idle ends uv_run exactly then. */
#include <criterion/criterion.h>
#include <string.h>

#include "lib/core/loop.h"

static int calls;
static void on_defer(void *arg)
{
	calls += *(int *)arg;
}

Test(loop, defer_runs_later_once)
{
	calls = 0;
	int one = 1;
	loop_defer(on_defer, &one);
	cr_assert_eq(calls, 0, "ran inside loop_defer");
	cr_assert_eq(loop_busy(), 1);
	uv_run(loop_get(), UV_RUN_DEFAULT);
	cr_assert_eq(calls, 1);
	cr_assert_eq(loop_busy(), 0);
}

Test(loop, cancelled_defer_never_runs)
{
	calls = 0;
	int one = 1;
	struct loop_defer *d = loop_defer(on_defer, &one);
	loop_defer_cancel(d);
	cr_assert_eq(loop_busy(), 0);
	uv_run(loop_get(), UV_RUN_DEFAULT);
	cr_assert_eq(calls, 0);
}

static bool resolved;
static char addr[64];
static struct mlc_err rerr;

static void on_resolve(const struct sockaddr *sa, socklen_t len, const struct mlc_err *err,
		       void *arg)
{
	(*(int *)arg)++;
	resolved = true;
	if (sa)
		loop_sa_ntop(sa, addr, sizeof addr);
	if (err)
		rerr = *err;
}

Test(loop, resolve_numeric_and_localhost)
{
	int n = 0;
	resolved = false;
	loop_resolve("127.0.0.1", 80, on_resolve, &n);
	cr_assert_eq(n, 0, "called back inside loop_resolve");
	uv_run(loop_get(), UV_RUN_DEFAULT);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(addr, "127.0.0.1");
	n = 0;
	loop_resolve("localhost", 80, on_resolve, &n);
	uv_run(loop_get(), UV_RUN_DEFAULT);
	cr_assert_eq(n, 1);
	cr_assert(strcmp(addr, "127.0.0.1") == 0 || strcmp(addr, "::1") == 0, "%s", addr);
	cr_assert_eq(loop_busy(), 0);
}

static void busy_done(uv_timer_t *t)
{
	loop_busy_dec();
}

Test(loop, stop_when_idle_returns_as_the_count_reaches_zero)
{
	uv_timer_t t, never;
	uv_timer_init(loop_get(), &t);
	uv_timer_init(loop_get(), &never);
	uv_timer_start(&never, busy_done, 3600 * 1000, 0); /* keeps the loop alive */
	loop_busy_inc();
	uv_timer_start(&t, busy_done, 1, 0);
	loop_stop_when_idle(true);
	uv_run(loop_get(), UV_RUN_DEFAULT); /* would run an hour without the stop */
	loop_stop_when_idle(false);
	cr_assert_eq(loop_busy(), 0);
	uv_timer_stop(&never);
	uv_close((uv_handle_t *)&t, NULL);
	uv_close((uv_handle_t *)&never, NULL);
	uv_run(loop_get(), UV_RUN_DEFAULT);
}
