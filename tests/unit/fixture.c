/* tests/unit/fixture.c — fixture_read (see fixture.h). */
#include "fixture.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *fixture_read(const char *relpath, size_t *len)
{
	FILE *f = fopen(relpath, "rb");
	if (!f) {
		char cwd[512];
		if (!getcwd(cwd, sizeof cwd))
			snprintf(cwd, sizeof cwd, "?");
		cr_assert_fail("fixture %s: %s (cwd %s; run the tests from the repository root)",
			       relpath, strerror(errno), cwd);
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	cr_assert_not_null(buf, "fixture %s: out of memory", relpath);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0) {
			cap *= 2;
			buf = realloc(buf, cap);
			cr_assert_not_null(buf, "fixture %s: out of memory", relpath);
		}
	}
	int failed = ferror(f);
	fclose(f);
	cr_assert(!failed, "fixture %s: read error", relpath);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* ---- runloop.h ---------------------------------------------------------- */

#include "runloop.h"

static uv_timer_t runloop_timer;
static bool runloop_ready;
static volatile bool runloop_expired;

static void runloop_fire(uv_timer_t *t)
{
	(void)t;
	runloop_expired = true;
}

volatile bool *runloop_arm(long ms)
{
	if (!runloop_ready) {
		uv_timer_init(loop_get(), &runloop_timer);
		runloop_ready = true;
	}
	runloop_expired = false;
	uv_timer_start(&runloop_timer, runloop_fire, (uint64_t)ms, 0);
	return &runloop_expired;
}

void runloop_disarm(void)
{
	if (runloop_ready)
		uv_timer_stop(&runloop_timer);
}

void runloop_close(void)
{
	if (runloop_ready) {
		uv_close((uv_handle_t *)&runloop_timer, NULL);
		runloop_ready = false;
	}
}
