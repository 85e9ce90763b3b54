/* tests/integ/test_stack_raytail.c — lib/ray's rayc_tail (over
 * lib/core/ws) against the stack's Ray simulator ($MLC_STACK_DIR/env:
 * RAY_PORT): the log of a finished job streamed whole and then closed
 * (the same text /logs answers), the lines of a running job that arrive
 * one by one until the job ends and the dashboard closes, a 100 MB log
 * through a bounded tail, an older dashboard's 404 reported as a refusal
 * (the fallback to /logs), an unknown job in the server's words, a
 * request answered while a 100 MB stream runs (the loop never starved), and a
 * cancelled stream that never calls back. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/config.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/ray/ray_logtail.h"
#include "lib/ray/rayc.h"
#include "stackenv.h"

#define WAIT_MS	 60000
#define DONE_JOB "raysubmit_Cg1xTzVEYTmWx3cb"
#define RUN_JOB	 "raysubmit_XhRk7v3qPzNwB2aL"

static struct target T;
static struct rayc C;
static char url[96];

/* The client on the simulator, in request mode mode (NULL: none). */
static void use(const char *mode)
{
	const char *port = stackenv("RAY_PORT");
	cr_assert_not_null(port, "RAY_PORT missing from the stack env");
	snprintf(url, sizeof url, "http://127.0.0.1:%s%s%s", port, mode ? "/__mode/" : "",
		 mode ? mode : "");
	memset(&T, 0, sizeof T);
	T.name = "ray";
	T.kind = TK_RAY;
	T.url = url;
	rayc_init(&C, &T);
}

struct stream {
	volatile bool done;
	int ends, chunks;
	struct buf text;
	bool keep_text;
	struct ray_logtail tail;
	bool failed, refused;
	struct mlc_err err;
};

static void on_chunk(const char *p, size_t n, void *arg)
{
	struct stream *s = arg;
	s->chunks++;
	if (s->keep_text)
		buf_append(&s->text, p, n);
	ray_logtail_append(&s->tail, p, n);
}

static void on_end(const struct mlc_err *err, bool refused, void *arg)
{
	struct stream *s = arg;
	s->ends++;
	s->failed = err != NULL;
	s->refused = refused;
	if (err)
		s->err = *err;
	s->done = true;
}

static void start(struct stream *s, const char *id, bool keep)
{
	memset(s, 0, sizeof *s);
	s->keep_text = keep;
	ray_logtail_init(&s->tail, 5000);
	rayc_tail(&C, id, on_chunk, on_end, s);
	cr_assert(stackenv_run_until(&s->done, WAIT_MS));
	cr_assert_eq(s->ends, 1);
}

static void stop(struct stream *s)
{
	free(s->text.data);
	ray_logtail_free(&s->tail);
}

struct logs {
	volatile bool done;
	char *text;
};

static void on_logs(void *res, const struct mlc_err *err, void *arg)
{
	struct logs *l = arg;
	cr_assert_null(err, "%s", err ? err->msg : "");
	l->text = *(char **)res;
	*(char **)res = NULL;
	l->done = true;
}

Test(raytail, finished_job_whole_then_closed)
{
	use(NULL);
	struct stream s;
	start(&s, DONE_JOB, true);
	cr_assert_not(s.failed, "%s", s.err.msg);
	struct logs l = {0};
	rayc_get(&C, RAYC_JOB_LOGS, DONE_JOB, on_logs, &l);
	cr_assert(stackenv_run_until(&l.done, WAIT_MS));
	cr_assert_gt(strlen(l.text), 0);
	cr_assert_eq(s.text.len, strlen(l.text), "the stream is the log /logs answers");
	cr_assert(!memcmp(s.text.data, l.text, s.text.len));
	free(l.text);
	stop(&s);
}

Test(raytail, running_job_lines_arrive_until_it_ends)
{
	use("tail");
	struct stream s;
	start(&s, RUN_JOB, false);
	cr_assert_not(s.failed, "%s", s.err.msg);
	cr_assert_geq(s.chunks, 21, "the log, then one frame a line");
	cr_assert_gt(s.tail.n, 20);
	for (int i = 1; i <= 20; i++) {
		char want[32];
		snprintf(want, sizeof want, "tail line %d", i);
		cr_assert_str_eq(s.tail.lines[s.tail.n - 21 + (size_t)i], want);
	}
	stop(&s);
}

Test(raytail, big_log_through_a_bounded_tail)
{
	use("bigtail");
	struct stream s;
	start(&s, RUN_JOB, false);
	cr_assert_not(s.failed, "%s", s.err.msg);
	cr_assert_eq(s.tail.n, 5000);
	cr_assert(strstr(s.tail.lines[4999], "Done: "), "%s", s.tail.lines[4999]);
	unsigned long steps = strtoul(s.tail.lines[4999] + 6, NULL, 10);
	cr_assert_gt(steps, 900000, "100 MB of lines");
	cr_assert_eq(s.tail.dropped + s.tail.n, steps + 1, "every line seen once");
	cr_assert(strstr(s.tail.lines[4998], "step"), "%s", s.tail.lines[4998]);
	stop(&s);
}

Test(raytail, older_dashboard_refuses_the_upgrade)
{
	use("notail");
	struct stream s;
	start(&s, RUN_JOB, false);
	cr_assert(s.failed);
	cr_assert(s.refused);
	cr_assert_eq(s.err.code, MLC_ERR_NOTFOUND);
	cr_assert_eq(s.err.detail, 404);
	cr_assert(strstr(s.err.msg, "ray: HTTP 404 from /__mode/notail/api/jobs/" RUN_JOB
				    "/logs/tail: 404: Not Found"),
		  "%s", s.err.msg);
	stop(&s);
}

Test(raytail, unknown_job_in_the_servers_words)
{
	use(NULL);
	struct stream s;
	start(&s, "raysubmit_nope", false);
	cr_assert(s.refused);
	cr_assert(strstr(s.err.msg, "Job raysubmit_nope does not exist"), "%s", s.err.msg);
	stop(&s);
}

Test(raytail, cancelled_never_calls_back)
{
	use("tail");
	struct stream s = {0}, t;
	ray_logtail_init(&s.tail, 10);
	struct rayc_tail *h = rayc_tail(&C, RUN_JOB, on_chunk, on_end, &s);
	rayc_tail_cancel(h);
	start(&t, DONE_JOB, false);
	cr_assert_eq(s.ends, 0);
	cr_assert_eq(loop_busy(), 0);
	stop(&s);
	stop(&t);
}

static void on_version(void *res, const struct mlc_err *err, void *arg)
{
	cr_assert_null(err, "%s", err ? err->msg : "");
	*(volatile bool *)arg = true;
}

Test(raytail, a_fast_stream_never_starves_the_loop)
{
	/* 100 MB as fast as the simulator sends it: a request started beside
	 * the stream is answered while the stream still runs */
	use("bigtail");
	struct stream s;
	memset(&s, 0, sizeof s);
	ray_logtail_init(&s.tail, 5000);
	rayc_tail(&C, RUN_JOB, on_chunk, on_end, &s);
	while (s.chunks < 10 && !s.done)
		uv_run(loop_get(), UV_RUN_ONCE);
	volatile bool answered = false;
	rayc_get(&C, RAYC_VERSION, NULL, on_version, (void *)&answered);
	cr_assert(stackenv_run_until(&answered, WAIT_MS));
	cr_assert_not(s.done, "the version came after the whole stream: the loop was starved");
	cr_assert(stackenv_run_until(&s.done, WAIT_MS));
	cr_assert_not(s.failed, "%s", s.err.msg);
	stop(&s);
}
