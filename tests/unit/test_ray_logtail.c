/* tests/unit/test_ray_logtail.c — a job log's tail across polls: only new
 * bytes appended, a growing last line completed, a rotated log replacing
 * the tail, the size bound, colour escapes dropped and other controls kept. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/ray/ray_logtail.h"

static int feed(struct ray_logtail *t, const char *s)
{
	return ray_logtail_feed(t, s, strlen(s));
}

static void expect(const struct ray_logtail *t, const char *const *want, size_t n)
{
	cr_assert_eq(t->n, n, "%zu lines, expected %zu", t->n, n);
	for (size_t i = 0; i < n; i++)
		cr_assert_str_eq(t->lines[i], want[i], "line %zu", i);
}

Test(ray_logtail, appends_what_is_new)
{
	struct ray_logtail t;
	ray_logtail_init(&t, 0);
	cr_assert_eq(feed(&t, "a\nb\n"), RAY_LOG_REPLACED);
	expect(&t, (const char *[]){"a", "b"}, 2);
	cr_assert_eq(feed(&t, "a\nb\n"), RAY_LOG_SAME);
	cr_assert_eq(feed(&t, "a\nb\nc"), RAY_LOG_APPENDED);
	expect(&t, (const char *[]){"a", "b", "c"}, 3);
	cr_assert_eq(feed(&t, "a\nb\ncd\ne\n"), RAY_LOG_APPENDED, "the last line grew");
	expect(&t, (const char *[]){"a", "b", "cd", "e"}, 4);
	cr_assert_eq(feed(&t, "x\n"), RAY_LOG_REPLACED, "shorter: rotated");
	expect(&t, (const char *[]){"x"}, 1);
	cr_assert_eq(feed(&t, "y\nzzz\n"), RAY_LOG_REPLACED, "longer but another beginning");
	expect(&t, (const char *[]){"y", "zzz"}, 2);
	ray_logtail_free(&t);
}

Test(ray_logtail, colours_dropped_other_controls_kept)
{
	struct ray_logtail t;
	ray_logtail_init(&t, 0);
	feed(&t, "\x1b[36m(TrainWorker pid=1)\x1b[0m step\t1\n\x1b[2Jclear\x1b[1;31\n");
	expect(&t, (const char *[]){"(TrainWorker pid=1) step 1", "\x1b[2Jclear\x1b[1;31"}, 2);
	ray_logtail_free(&t);
}

/* Fed one byte more at a time, the tail ends as one feed of the whole. */
Test(ray_logtail, every_prefix_then_whole)
{
	const char *log = "one\ntwo\n\nthree \x1b[33mwarn\x1b[0m\nfour";
	size_t len = strlen(log);
	struct ray_logtail a, b;
	ray_logtail_init(&a, 3);
	ray_logtail_init(&b, 3);
	for (size_t i = 0; i <= len; i++)
		ray_logtail_feed(&a, log, i);
	ray_logtail_feed(&b, log, len);
	expect(&a, (const char *[]){"", "three warn", "four"}, 3);
	expect(&b, (const char *[]){"", "three warn", "four"}, 3);
	cr_assert_eq(b.dropped, 2);
	ray_logtail_free(&a);
	ray_logtail_free(&b);
}

/* A log far past the tail: at most max lines held, the newest. */
Test(ray_logtail, bounded)
{
	struct buf big;
	buf_init(&big);
	struct ray_logtail t;
	ray_logtail_init(&t, 100);
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 5000; i++)
			buf_printf(&big, "line %d\n", round * 5000 + i);
		cr_assert_eq(ray_logtail_feed(&t, big.data, big.len),
			     round ? RAY_LOG_APPENDED : RAY_LOG_REPLACED);
		cr_assert_eq(t.n, 100);
		cr_assert_leq(t.cap, 100);
	}
	cr_assert_str_eq(t.lines[99], "line 99999");
	cr_assert_str_eq(t.lines[0], "line 99900");
	cr_assert_eq(t.dropped, 99900);
	buf_free(&big);
	ray_logtail_free(&t);
}

static void app(struct ray_logtail *t, const char *s)
{
	ray_logtail_append(t, s, strlen(s));
}

Test(ray_logtail, streamed_pieces_join_lines)
{
	struct ray_logtail t;
	ray_logtail_init(&t, 0);
	app(&t, "a\nb");
	expect(&t, (const char *[]){"a", "b"}, 2);
	app(&t, "c\n\x1b[3");
	expect(&t, (const char *[]){"a", "bc", "\x1b[3"}, 3);
	app(&t, "1mred\x1b[0m\tx\n");
	expect(&t, (const char *[]){"a", "bc", "red x"}, 3);
	app(&t, "");
	expect(&t, (const char *[]){"a", "bc", "red x"}, 3);
	ray_logtail_reset(&t);
	cr_assert_eq(t.n, 0);
	app(&t, "z\n");
	expect(&t, (const char *[]){"z"}, 1);
	ray_logtail_free(&t);
}

Test(ray_logtail, streamed_log_stays_bounded)
{
	struct ray_logtail t;
	char line[64];
	ray_logtail_init(&t, 100);
	for (int i = 0; i < 100000; i++) {
		snprintf(line, sizeof line, "step %d\n", i);
		app(&t, line);
	}
	cr_assert_eq(t.n, 100);
	cr_assert_str_eq(t.lines[0], "step 99900");
	cr_assert_str_eq(t.lines[99], "step 99999");
	cr_assert_eq(t.dropped, 99900);
	/* a line that never ends is cut at RAY_LOG_PART_MAX */
	char *big = malloc(RAY_LOG_PART_MAX / 4);
	memset(big, 'q', RAY_LOG_PART_MAX / 4);
	for (int i = 0; i < 8; i++)
		ray_logtail_append(&t, big, RAY_LOG_PART_MAX / 4);
	cr_assert_leq(t.partlen, RAY_LOG_PART_MAX);
	cr_assert_eq(t.n, 100);
	free(big);
	ray_logtail_free(&t);
}
