/* tests/unit/test_source.c — lib/health/source.c with a fake probe installed through
 * source_set_ops: the backoff sequence and its cap, the health a user sees
 * (unknown → ok → down → ok, slow, stale while a poll hangs), what is kept
 * of the last good snapshot while down, generations and the listener,
 * jittered rescheduling, cancellation, and network text sanitized before it
 * is kept. Time is driven by passing now_mono to source_health, never by
 * waiting. */
#include "lib/health/source.h"

#include <criterion/criterion.h>

#include "runloop.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/http.h"
#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/health/kinds.h"

/* ---- a fake probe ------------------------------------------------------- */

static struct {
	int starts, cancels, destroys;
	struct source *last;
} fake;

/* uv_run(UV_RUN_ONCE) runs due timers before it polls; the poll timer starts
 * the probe, so stop the loop there or the poll sleeps until the next timer. */
static void f_start(struct source *s)
{
	fake.starts++;
	fake.last = s;
	uv_stop(loop_get());
}
static void f_cancel(struct source *s)
{
	fake.cancels++;
}
static void f_destroy(struct source *s)
{
	fake.destroys++;
}

static const struct probe_ops fake_ops = {
    .start = f_start,
    .cancel = f_cancel,
    .destroy = f_destroy,
};

static int notified;
static void *notified_arg;
static void on_change(void *arg)
{
	notified++;
	notified_arg = arg;
}

/* ---- one configured target ------------------------------------------------ */

static struct config cfg;

static struct source *one_source(enum target_kind kind, long refresh_ms, long slow_ms)
{
	memset(&fake, 0, sizeof fake);
	notified = 0;
	log_open("", 64);
	config_init(&cfg);
	cfg.refresh_ms = refresh_ms;
	cfg.slow_ms = slow_ms;
	cfg.targets = xcalloc(1, sizeof *cfg.targets);
	cfg.ntargets = 1;
	struct target *t = &cfg.targets[0];
	t->kind = kind;
	t->name = xstrdup(target_kind_name(kind));
	t->origin = xstrdup("test");
	if (kind == TK_NODE)
		t->host = xstrdup("10.0.0.10");
	else
		t->url = xstrdup("http://alice:pw@mlflow:5000");
	sources_init(&cfg, health_probe_for);
	cr_assert_eq(sources_count(), 1);
	struct source *s = source_get(0);
	source_set_ops(s, &fake_ops);
	sources_set_listener(on_change, &cfg);
	return s;
}

static void teardown(void)
{
	sources_free();
	sources_set_listener(NULL, NULL);
	config_free(&cfg);
	http_shutdown();
	runloop_close();
	loop_shutdown();
	log_close();
}

TestSuite(source, .fini = teardown);

/* Starts the next poll now and waits until the probe has been started. */
static void poll_started(struct source *s)
{
	int before = fake.starts;
	source_poll_now(s);
	RUN_UNTIL(fake.starts == before + 1);
	cr_assert(s->in_flight);
	cr_assert_eq(fake.last, s);
}

static struct mlc_err an_error(int code, const char *msg)
{
	struct mlc_err e;
	mlc_err_set(&e, code, 503, "%s", msg);
	return e;
}

/* ---- backoff ---------------------------------------------------------------- */

Test(source, backoff_doubles_then_caps)
{
	static const long want2s[] = {2000, 2000, 4000, 8000, 16000, 30000, 30000};
	for (unsigned i = 0; i < ARRAY_LEN(want2s); i++)
		cr_assert_eq(source_backoff_ms(2000, i), want2s[i], "refresh 2s, %u failures: %ld",
			     i, source_backoff_ms(2000, i));
	static const long want10s[] = {10000, 10000, 20000, 40000, 80000, 80000};
	for (unsigned i = 0; i < ARRAY_LEN(want10s); i++)
		cr_assert_eq(source_backoff_ms(10000, i), want10s[i], "refresh 10s, %u failures",
			     i);
	cr_assert_eq(source_backoff_ms(500, 7), 30000, "cap is at least 30 s");
	cr_assert_eq(source_backoff_ms(500, 6), 16000);
	cr_assert_eq(source_backoff_ms(2000, 1000), 30000);
	cr_assert_eq(source_backoff_ms(2000, UINT_MAX), 30000, "no overflow, no endless loop");
	cr_assert_eq(source_backoff_ms(60000, UINT_MAX), 480000);
}

/* ---- health ----------------------------------------------------------------- */

Test(source, unknown_until_the_first_answer)
{
	struct source *s = one_source(TK_MLFLOW, 2000, 1000);
	cr_assert_eq(source_health(s, mono_ms()), HEALTH_UNKNOWN);
	cr_assert_eq(s->latency_ms, -1);
	cr_assert_str_eq(s->version, "");
	sources_start();
	RUN_UNTIL(fake.starts == 1);
	cr_assert(s->in_flight);
	cr_assert_eq(s->polls, 1);
	cr_assert_eq(loop_busy(), 1, "a poll in flight counts as busy");
	cr_assert_eq(source_health(s, mono_ms()), HEALTH_UNKNOWN);
	cr_assert_eq(source_health(s, s->started_mono + 60000), HEALTH_UNKNOWN,
		     "never stale before any data");
	source_probe_done(s, NULL, 42, "2.12.2");
	cr_assert_eq(source_health(s, mono_ms()), HEALTH_OK);
	cr_assert_str_eq(health_name(HEALTH_OK), "ok");
}

Test(source, success_fills_the_snapshot)
{
	struct source *s = one_source(TK_MLFLOW, 2000, 1000);
	sources_start();
	RUN_UNTIL(fake.starts == 1);
	int64_t w0 = wall_ms();
	int64_t m0 = mono_ms();
	source_probe_done(s, NULL, 120, "2.12.2");
	int64_t m1 = mono_ms();
	cr_assert(!s->in_flight);
	cr_assert_eq(loop_busy(), 0);
	cr_assert(s->ever_ok);
	cr_assert_eq(s->latency_ms, 120);
	cr_assert_str_eq(s->version, "2.12.2");
	cr_assert_eq(s->last_err.code, MLC_OK);
	cr_assert_geq(s->last_ok_wall, w0);
	cr_assert_eq(s->down_since_wall, 0);
	cr_assert_eq(s->failures, 0);
	cr_assert_eq(s->hist_len, 1);
	cr_assert_eq(s->history[0], 120);
	/* the next poll is one refresh away */
	cr_assert_geq(s->next_poll_mono, m0 + 2000);
	cr_assert_leq(s->next_poll_mono, m1 + 2000);
}

Test(source, ok_down_ok)
{
	struct source *s = one_source(TK_MLFLOW, 2000, 1000);
	sources_start();
	RUN_UNTIL(fake.starts == 1);
	source_probe_done(s, NULL, 120, "2.12.2");
	cr_assert_eq(source_health(s, mono_ms()), HEALTH_OK);

	poll_started(s);
	struct mlc_err e = an_error(MLC_ERR_HTTP, "HTTP 503 from /health: upstream connect error");
	int64_t w0 = wall_ms();
	source_probe_done(s, &e, 15, NULL);
	int64_t w1 = wall_ms();
	cr_assert_eq(source_health(s, mono_ms()), HEALTH_DOWN);
	cr_assert_eq(s->last_err.code, MLC_ERR_HTTP);
	cr_assert_eq(s->last_err.detail, 503);
	cr_assert_str_eq(s->last_err.msg, "HTTP 503 from /health: upstream connect error");
	cr_assert_geq(s->down_since_wall, w0);
	cr_assert_leq(s->down_since_wall, w1);
	cr_assert_eq(s->failures, 1);
	cr_assert_str_eq(s->version, "2.12.2", "version kept while down");
	cr_assert_eq(s->latency_ms, 120, "last good latency kept");
	cr_assert(s->ever_ok);
	cr_assert_eq(s->hist_len, 2);
	cr_assert_eq(s->history[1], -1, "a failure is -1 in the history");
	int64_t down_since = s->down_since_wall;
	int64_t last_ok = s->last_ok_wall;

	poll_started(s);
	struct mlc_err e2 = an_error(MLC_ERR_TIMEOUT, "mlflow:5000: no answer within 5.0 s");
	source_probe_done(s, &e2, -1, NULL);
	cr_assert_eq(source_health(s, mono_ms()), HEALTH_DOWN);
	cr_assert_eq(s->down_since_wall, down_since, "down since the first failure in a row");
	cr_assert_eq(s->failures, 2);
	cr_assert_eq(s->last_ok_wall, last_ok);
	cr_assert_str_eq(s->last_err.msg, "mlflow:5000: no answer within 5.0 s", "latest error");

	poll_started(s);
	source_probe_done(s, NULL, 80, NULL);
	cr_assert_eq(source_health(s, mono_ms()), HEALTH_OK);
	cr_assert_eq(s->last_err.code, MLC_OK);
	cr_assert_str_eq(s->last_err.msg, "");
	cr_assert_eq(s->down_since_wall, 0);
	cr_assert_eq(s->failures, 0);
	cr_assert_eq(s->latency_ms, 80);
	cr_assert_str_eq(s->version, "2.12.2", "NULL version keeps the previous one");
	cr_assert_eq(s->polls, 4);
}

Test(source, down_before_any_success)
{
	struct source *s = one_source(TK_MLFLOW, 2000, 1000);
	sources_start();
	RUN_UNTIL(fake.starts == 1);
	struct mlc_err e = an_error(MLC_ERR_CONNECT, "connect to mlflow:5000 failed");
	source_probe_done(s, &e, -1, NULL);
	cr_assert_eq(source_health(s, mono_ms()), HEALTH_DOWN);
	cr_assert(!s->ever_ok);
	cr_assert_eq(s->latency_ms, -1);
	cr_assert_neq(s->down_since_wall, 0);
	cr_assert_str_eq(health_name(HEALTH_DOWN), "down");
}

Test(source, slow_above_slow_ms)
{
	struct source *s = one_source(TK_MLFLOW, 2000, 1000);
	sources_start();
	RUN_UNTIL(fake.starts == 1);
	source_probe_done(s, NULL, 1000, NULL);
	cr_assert_eq(source_health(s, mono_ms()), HEALTH_OK, "exactly slow_ms is not slow");
	poll_started(s);
	source_probe_done(s, NULL, 1001, NULL);
	cr_assert_eq(source_health(s, mono_ms()), HEALTH_SLOW);
	cr_assert_str_eq(health_name(HEALTH_SLOW), "slow");
	poll_started(s);
	source_probe_done(s, NULL, 30, NULL);
	cr_assert_eq(source_health(s, mono_ms()), HEALTH_OK);
}

Test(source, stale_while_a_poll_runs_past_twice_the_refresh)
{
	struct source *s = one_source(TK_MLFLOW, 2000, 1000);
	sources_start();
	RUN_UNTIL(fake.starts == 1);
	source_probe_done(s, NULL, 50, "1.0");
	poll_started(s); /* the probe never answers */
	int64_t t0 = s->started_mono;
	cr_assert_eq(source_health(s, t0 + 1000), HEALTH_OK);
	cr_assert_eq(source_health(s, t0 + 4000), HEALTH_OK, "exactly 2x refresh is not stale");
	cr_assert_eq(source_health(s, t0 + 4001), HEALTH_STALE);
	cr_assert_eq(source_health(s, t0 + 600000), HEALTH_STALE);
	cr_assert_str_eq(health_name(HEALTH_STALE), "stale");
	/* the late answer ends it */
	source_probe_done(s, NULL, 4500, NULL);
	cr_assert_eq(source_health(s, t0 + 600000), HEALTH_SLOW);
}

Test(source, down_wins_over_stale)
{
	struct source *s = one_source(TK_MLFLOW, 1000, 1000);
	sources_start();
	RUN_UNTIL(fake.starts == 1);
	source_probe_done(s, NULL, 50, NULL);
	poll_started(s);
	struct mlc_err e = an_error(MLC_ERR_HTTP, "HTTP 502");
	source_probe_done(s, &e, 10, NULL);
	poll_started(s);
	cr_assert_eq(source_health(s, s->started_mono + 10000), HEALTH_DOWN);
}

Test(source, stale_uses_the_target_refresh)
{
	struct source *s = one_source(TK_MLFLOW, 2000, 1000);
	cr_assert_eq(s->refresh_ms, 2000);
	cr_assert_eq(s->timeout_ms, 5000, "default deadline for an HTTP service");
	cr_assert_eq(s->slow_ms, 1000);
	s->refresh_ms = 10000; /* as a per-target refresh = 10s gives */
	sources_start();
	RUN_UNTIL(fake.starts == 1);
	source_probe_done(s, NULL, 50, NULL);
	poll_started(s);
	cr_assert_eq(source_health(s, s->started_mono + 19000), HEALTH_OK);
	cr_assert_eq(source_health(s, s->started_mono + 20001), HEALTH_STALE);
}

Test(source, per_target_refresh_and_kind_deadlines)
{
	memset(&fake, 0, sizeof fake);
	config_init(&cfg);
	cfg.targets = xcalloc(2, sizeof *cfg.targets);
	cfg.ntargets = 2;
	cfg.targets[0] = (struct target){.name = xstrdup("head"),
					 .kind = TK_NODE,
					 .host = xstrdup("10.0.0.10"),
					 .user = xstrdup("ops"),
					 .origin = xstrdup("t")};
	cfg.targets[1] = (struct target){.name = xstrdup("prefect"),
					 .kind = TK_PREFECT,
					 .url = xstrdup("http://prefect:4200/api"),
					 .refresh_ms = 7000,
					 .timeout_ms = 1500,
					 .origin = xstrdup("t")};
	sources_init(&cfg, health_probe_for);
	cr_assert_eq(sources_count(), 2);
	struct source *n = source_find("head"), *p = source_find("prefect");
	cr_assert_not_null(n);
	cr_assert_not_null(p);
	cr_assert_null(source_find("nope"));
	cr_assert_null(source_get(2));
	cr_assert_null(source_get(-1));
	cr_assert_eq(n->timeout_ms, 8000, "SSH gets a longer default deadline");
	cr_assert_eq(n->refresh_ms, 2000);
	cr_assert_str_eq(n->endpoint, "ops@10.0.0.10:22");
	cr_assert_eq(p->refresh_ms, 7000);
	cr_assert_eq(p->timeout_ms, 1500);
	source_set_ops(n, &fake_ops);
	source_set_ops(p, &fake_ops);
}

Test(source, endpoint_has_no_credentials)
{
	struct source *s = one_source(TK_MLFLOW, 2000, 1000);
	cr_assert_str_eq(s->endpoint, "http://mlflow:5000");
}

/* ---- generations, listener, rescheduling ------------------------------------ */

Test(source, generation_bumps_and_listener_runs_on_every_report)
{
	struct source *s = one_source(TK_MLFLOW, 2000, 1000);
	unsigned long g0 = s->generation;
	sources_start();
	RUN_UNTIL(fake.starts == 1);
	cr_assert_eq(s->generation, g0, "starting a poll changes nothing visible");
	source_probe_done(s, NULL, 10, "1");
	cr_assert_eq(s->generation, g0 + 1);
	cr_assert_eq(notified, 1);
	cr_assert_eq(notified_arg, &cfg);
	poll_started(s);
	struct mlc_err e = an_error(MLC_ERR_HTTP, "HTTP 500");
	source_probe_done(s, &e, 10, NULL);
	cr_assert_eq(s->generation, g0 + 2);
	cr_assert_eq(notified, 2);
	poll_started(s);
	source_probe_done(s, &e, 10, NULL);
	cr_assert_eq(s->generation, g0 + 3, "a repeated failure still bumps");
	cr_assert_eq(notified, 3);
}

Test(source, report_without_a_poll_is_ignored)
{
	struct source *s = one_source(TK_MLFLOW, 2000, 1000);
	unsigned long g = s->generation;
	source_probe_done(s, NULL, 10, "9.9");
	cr_assert_eq(s->generation, g);
	cr_assert_eq(notified, 0);
	cr_assert_str_eq(s->version, "");
	cr_assert_eq(source_health(s, mono_ms()), HEALTH_UNKNOWN);
	cr_assert_eq(loop_busy(), 0, "the busy count is not driven below zero");
}

Test(source, failure_reschedules_with_jittered_backoff)
{
	struct source *s = one_source(TK_MLFLOW, 2000, 1000);
	sources_start();
	RUN_UNTIL(fake.starts == 1);
	struct mlc_err e = an_error(MLC_ERR_CONNECT, "refused");
	for (unsigned n = 1; n <= 6; n++) {
		if (n > 1)
			poll_started(s);
		int64_t before = mono_ms();
		source_probe_done(s, &e, -1, NULL);
		int64_t after = mono_ms();
		long b = source_backoff_ms(2000, n);
		cr_assert_eq(s->failures, n);
		cr_assert_geq(s->next_poll_mono - before, b - b / 5 - 1,
			      "failure %u: next poll %ld ms away, backoff %ld", n,
			      (long)(s->next_poll_mono - before), b);
		cr_assert_leq(s->next_poll_mono - after, b + b / 5 + 1,
			      "failure %u: next poll %ld ms away, backoff %ld", n,
			      (long)(s->next_poll_mono - after), b);
	}
}

Test(source, poll_now_leaves_a_poll_in_flight_alone)
{
	struct source *s = one_source(TK_MLFLOW, 2000, 1000);
	sources_start();
	RUN_UNTIL(fake.starts == 1);
	int64_t next = s->next_poll_mono;
	sources_poll_all();
	source_poll_now(s);
	for (int i = 0; i < 3; i++)
		uv_run(loop_get(), UV_RUN_NOWAIT); /* a 0 ms timer would fire here */
	cr_assert_eq(fake.starts, 1);
	cr_assert_eq(s->polls, 1);
	cr_assert_eq(s->next_poll_mono, next, "no new poll scheduled");
	source_probe_done(s, NULL, 5, NULL);
	poll_started(s);
	cr_assert_eq(fake.starts, 2);
	cr_assert_eq(s->polls, 2);
}

Test(source, history_keeps_the_last_polls_with_their_times)
{
	struct source *s = one_source(TK_MLFLOW, 2000, 1000);
	sources_start();
	RUN_UNTIL(fake.starts == 1);
	int64_t t0 = mono_ms();
	for (int i = 0; i < SOURCE_HISTORY + 10; i++) {
		if (i)
			poll_started(s);
		source_probe_done(s, NULL, i, NULL);
	}
	cr_assert_eq(s->hist_len, SOURCE_HISTORY);
	cr_assert_eq(s->history[0], 10, "oldest kept");
	cr_assert_eq(s->history[SOURCE_HISTORY - 1], SOURCE_HISTORY + 9, "newest last");
	cr_assert_geq(s->hist_at[0], t0, "each poll keeps when it ended");
	cr_assert_leq(s->hist_at[SOURCE_HISTORY - 1], mono_ms());
	for (int i = 1; i < SOURCE_HISTORY; i++)
		cr_assert_geq(s->hist_at[i], s->hist_at[i - 1]);
}

/* ---- degraded --------------------------------------------------------------- */

Test(source, degraded_until_an_answer_without_it)
{
	struct source *s = one_source(TK_RAY, 2000, 1000);
	sources_start();
	RUN_UNTIL(fake.starts == 1);
	source_probe_degraded(s, "1 of 4 nodes dead\x1b[2J");
	source_probe_done(s, NULL, 12, "2.30.0");
	cr_assert_eq(source_health(s, mono_ms()), HEALTH_DEGRADED);
	cr_assert_str_eq(health_name(HEALTH_DEGRADED), "degraded");
	cr_assert_str_eq(s->degraded, "1 of 4 nodes dead\\e[2J", "sanitized: %s", s->degraded);
	cr_assert_eq(s->latency_ms, 12);

	/* degraded wins over slow; a failure is down, and clears it */
	poll_started(s);
	source_probe_degraded(s, "1 of 4 nodes dead");
	source_probe_done(s, NULL, 5000, NULL);
	cr_assert_eq(source_health(s, mono_ms()), HEALTH_DEGRADED);
	poll_started(s);
	struct mlc_err e = an_error(MLC_ERR_HTTP, "HTTP 503");
	source_probe_done(s, &e, 3, NULL);
	cr_assert_eq(source_health(s, mono_ms()), HEALTH_DOWN);
	cr_assert_str_eq(s->degraded, "");

	/* a healthy answer is ok again; a reason left by a cancelled poll
	 * does not leak into the next one */
	poll_started(s);
	source_probe_degraded(s, "stale reason");
	source_set_ops(s, &fake_ops);
	poll_started(s);
	source_probe_done(s, NULL, 12, NULL);
	cr_assert_eq(source_health(s, mono_ms()), HEALTH_OK, "%s", s->degraded);
}

/* ---- the sparkline's buckets ------------------------------------------------ */

static void hist(struct source *s, int n, const int64_t *at, const long *v)
{
	s->hist_len = n;
	for (int i = 0; i < n; i++) {
		s->hist_at[i] = at[i];
		s->history[i] = v[i];
	}
}

/* Cells are equal spans of time, whatever the refresh: ten polls in one
 * cell's span fill one cell, not ten. */
Test(source, buckets_are_time_not_polls)
{
	struct source *s = one_source(TK_MLFLOW, 1000, 1000);
	int64_t now = 1000000;
	int64_t at[10];
	long v[10];
	for (int i = 0; i < 10; i++) {
		at[i] = now - 9000 + i * 1000; /* the last 10 s at 1 s */
		v[i] = i == 4 ? 40 : 3;
	}
	hist(s, 10, at, v);
	long out[10];
	source_buckets(s, now, 100000, 10, out); /* 10 cells of 10 s */
	for (int c = 0; c < 9; c++)
		cr_assert_eq(out[c], SPARK_NODATA, "cell %d: before the first poll", c);
	cr_assert_eq(out[9], 40, "the cell's largest latency");
}

/* A failure marks its cell and the cells of its backoff; a gap after a
 * success longer than twice the refresh is drawn as skipped; a success
 * holds over the cells up to twice the refresh (slow refresh, small cells). */
Test(source, buckets_failed_skipped_and_held)
{
	struct source *s = one_source(TK_MLFLOW, 1000, 1000);
	int64_t now = 100000;
	/* cells of 1 s over the last 10 s: [90,91) … [99,100) */
	int64_t at[] = {90500, 91500, 92500, 97500};
	long v[] = {5, -1, 7, 6};
	hist(s, 4, at, v);
	long out[10];
	source_buckets(s, now, 10000, 10, out);
	long want[] = {5, SPARK_FAILED, 7, 7, 7, SPARK_SKIPPED, SPARK_SKIPPED, 6, 6, 6};
	for (int c = 0; c < 10; c++)
		cr_assert_eq(out[c], want[c], "cell %d: %ld, want %ld", c, out[c], want[c]);

	/* a failure with nothing after it: down through its backoff */
	int64_t at2[] = {90500, 91500};
	long v2[] = {5, -1};
	hist(s, 2, at2, v2);
	source_buckets(s, now, 10000, 10, out);
	for (int c = 1; c < 10; c++)
		cr_assert_eq(out[c], SPARK_FAILED, "cell %d", c);

	/* a poll before the window carries into its first cell */
	int64_t at3[] = {89900};
	long v3[] = {4};
	hist(s, 1, at3, v3);
	source_buckets(s, now, 10000, 10, out);
	cr_assert_eq(out[0], 4);
	cr_assert_eq(out[9], SPARK_SKIPPED);
}

/* ---- cancellation and teardown ---------------------------------------------- */

Test(source, free_cancels_a_poll_in_flight)
{
	struct source *s = one_source(TK_MLFLOW, 2000, 1000);
	sources_start();
	RUN_UNTIL(fake.starts == 1);
	cr_assert(s->in_flight);
	cr_assert_eq(loop_busy(), 1);
	sources_free();
	cr_assert_eq(fake.cancels, 1);
	cr_assert_eq(fake.destroys, 1);
	cr_assert_eq(loop_busy(), 0);
	cr_assert_eq(sources_count(), 0);
}

Test(source, free_without_poll_does_not_cancel)
{
	one_source(TK_MLFLOW, 2000, 1000);
	sources_free();
	cr_assert_eq(fake.cancels, 0);
	cr_assert_eq(fake.destroys, 1);
}

Test(source, set_ops_cancels_the_old_probe)
{
	struct source *s = one_source(TK_MLFLOW, 2000, 1000);
	sources_start();
	RUN_UNTIL(fake.starts == 1);
	source_set_ops(s, &fake_ops);
	cr_assert_eq(fake.cancels, 1);
	cr_assert_eq(fake.destroys, 1);
	cr_assert(!s->in_flight);
	cr_assert_eq(loop_busy(), 0);
}

/* ---- network text is sanitized before it is kept ----------------------------- */

Test(source, error_and_version_sanitized)
{
	struct source *s = one_source(TK_MLFLOW, 2000, 1000);
	sources_start();
	RUN_UNTIL(fake.starts == 1);
	source_probe_done(s, NULL, 10, "\x1b[31m2.0\x1b[0m");
	cr_assert_str_eq(s->version, "\\e[31m2.0\\e[0m");
	poll_started(s);
	struct mlc_err e =
	    an_error(MLC_ERR_HTTP, "HTTP 500 from /health: \x1b[2J\x1b]0;pwned\x07\r\ngone");
	source_probe_done(s, &e, 10, NULL);
	cr_assert_str_eq(s->last_err.msg, "HTTP 500 from /health: \\e[2J\\e]0;pwned^G\\r\\ngone");
	cr_assert_null(strchr(s->last_err.msg, '\x1b'));
	cr_assert_str_eq(s->version, "\\e[31m2.0\\e[0m");
}

Test(source, long_version_truncated_safely)
{
	struct source *s = one_source(TK_MLFLOW, 2000, 1000);
	sources_start();
	RUN_UNTIL(fake.starts == 1);
	char v[300];
	memset(v, 'v', sizeof v - 1);
	v[sizeof v - 1] = '\0';
	source_probe_done(s, NULL, 10, v);
	cr_assert_eq(strlen(s->version), sizeof s->version - 1);
}

static int warnings_logged(const char *needle)
{
	int n = 0;
	for (int i = 0; i < log_count(); i++) {
		const struct log_entry *e = log_get(i);
		if (e->level == LOG_WARN && strstr(e->text, needle))
			n++;
	}
	return n;
}

Test(source, repeated_failure_logged_once)
{
	struct source *s = one_source(TK_MLFLOW, 2000, 1000);
	sources_start();
	RUN_UNTIL(fake.starts == 1);
	struct mlc_err e = an_error(MLC_ERR_HTTP, "HTTP 503 from /health: \x1b[1mno upstream");
	for (int i = 0; i < 3; i++) {
		if (i)
			poll_started(s);
		source_probe_done(s, &e, 10, NULL);
	}
	cr_assert_eq(warnings_logged("no upstream"), 1, "the same failure is logged once");
	struct mlc_err other = an_error(MLC_ERR_TIMEOUT, "mlflow:5000: no answer");
	poll_started(s);
	source_probe_done(s, &other, 10, NULL);
	cr_assert_eq(warnings_logged("no answer"), 1, "a new failure is logged");
	cr_assert_eq(warnings_logged("mlflow: "), 2, "warnings name the target");
}
