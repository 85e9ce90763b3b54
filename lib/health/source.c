/* lib/health/source.c — the poller: one uv_timer per source, backoff with jitter,
 * health derivation. Owns the sources and runs the probes it is handed;
 * knows no kind of service. Never draws. */
#include "lib/health/source.h"

#include <stdlib.h>
#include <string.h>

#include "lib/core/loop.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "lib/core/log.h"

static struct source *srcs;
static int nsrcs;
static sources_changed_cb listener;
static void *listener_arg;

static void notify(struct source *s)
{
	s->generation++;
	if (listener)
		listener(listener_arg);
}

void sources_set_listener(sources_changed_cb cb, void *arg)
{
	listener = cb;
	listener_arg = arg;
}

long source_backoff_ms(long refresh_ms, unsigned failures)
{
	long cap = MLC_MAX(8 * refresh_ms, 30000);
	long d = refresh_ms;
	for (unsigned i = 1; i < failures && d < cap; i++)
		d *= 2;
	return MLC_MIN(d, cap);
}

void sources_init(const struct config *c, source_probe_fn probe_for)
{
	nsrcs = (int)c->ntargets;
	srcs = xcalloc((size_t)(nsrcs ? nsrcs : 1), sizeof *srcs);
	for (int i = 0; i < nsrcs; i++) {
		struct source *s = &srcs[i];
		const struct target *t = &c->targets[i];
		s->target = t;
		s->endpoint = target_endpoint(t);
		s->refresh_ms = t->refresh_ms ? t->refresh_ms : c->refresh_ms;
		struct source_probe sp = probe_for(t);
		s->timeout_ms = t->timeout_ms ? t->timeout_ms : sp.timeout_ms;
		s->slow_ms = c->slow_ms;
		s->latency_ms = -1;
		s->ops = sp.ops;
		uv_timer_init(loop_get(), &s->timer);
		s->timer.data = s;
	}
}

void source_set_ops(struct source *s, const struct probe_ops *ops)
{
	if (s->in_flight) {
		s->ops->cancel(s);
		s->in_flight = false;
		loop_busy_dec();
	}
	s->ops->destroy(s);
	s->ops = ops;
}

static void schedule(struct source *s, long delay_ms);

static void on_timer(uv_timer_t *t)
{
	struct source *s = t->data;
	if (s->in_flight)
		return;
	s->in_flight = true;
	s->degraded_next[0] = '\0';
	s->started_mono = mono_ms();
	s->polls++;
	loop_busy_inc();
	s->ops->start(s);
}

static void schedule(struct source *s, long delay_ms)
{
	s->next_poll_mono = mono_ms() + delay_ms;
	uv_timer_start(&s->timer, on_timer, (uint64_t)delay_ms, 0);
}

void sources_start(void)
{
	for (int i = 0; i < nsrcs; i++)
		schedule(&srcs[i], 0);
}

void sources_free(void)
{
	for (int i = 0; i < nsrcs; i++) {
		struct source *s = &srcs[i];
		uv_timer_stop(&s->timer);
		uv_close((uv_handle_t *)&s->timer, NULL);
		if (s->in_flight) {
			s->ops->cancel(s);
			loop_busy_dec();
		}
		s->ops->destroy(s);
		free(s->endpoint);
	}
	/* The timers are closed on the next loop turn; run it so that the
	 * memory below is no longer referenced by libuv. */
	uv_run(loop_get(), UV_RUN_NOWAIT);
	free(srcs);
	srcs = NULL;
	nsrcs = 0;
}

int sources_count(void)
{
	return nsrcs;
}
struct source *source_get(int i)
{
	return (i >= 0 && i < nsrcs) ? &srcs[i] : NULL;
}

struct source *source_find(const char *name)
{
	for (int i = 0; i < nsrcs; i++)
		if (strcmp(srcs[i].target->name, name) == 0)
			return &srcs[i];
	return NULL;
}

void source_poll_now(struct source *s)
{
	if (s->in_flight)
		return;
	uv_timer_stop(&s->timer);
	schedule(s, 0);
}

void source_trust_hostkey(struct source *s, const char *fp)
{
	strlcpy_m(s->accept_fp, fp, sizeof s->accept_fp);
	log_info("%s: host key %s confirmed by the user; recording it on the next connection",
		 s->target->name, fp);
	source_poll_now(s);
}

void sources_poll_all(void)
{
	for (int i = 0; i < nsrcs; i++)
		source_poll_now(&srcs[i]);
}

const char *health_name(enum health h)
{
	static const char *names[] = {"unknown", "ok", "slow", "stale", "down", "degraded"};
	return (unsigned)h < HEALTH_COUNT ? names[h] : "unknown";
}

const char *health_glyph(enum health h)
{
	bool u = san_utf8();
	switch (h) {
	case HEALTH_OK:
		return u ? "●" : "o";
	case HEALTH_DOWN:
		return u ? "✖" : "x";
	case HEALTH_UNKNOWN:
		return u ? "○" : ".";
	default:
		return u ? "▲" : "^";
	}
}

enum health source_health(const struct source *s, int64_t now_mono)
{
	if (s->last_err.code != MLC_OK)
		return HEALTH_DOWN;
	if (s->in_flight && s->ever_ok && now_mono - s->started_mono > 2 * s->refresh_ms)
		return HEALTH_STALE;
	if (!s->ever_ok)
		return HEALTH_UNKNOWN;
	if (s->degraded[0])
		return HEALTH_DEGRADED;
	if (s->latency_ms > s->slow_ms)
		return HEALTH_SLOW;
	return HEALTH_OK;
}

static void push_history(struct source *s, long v)
{
	if (s->hist_len == SOURCE_HISTORY) {
		memmove(s->history, s->history + 1, (SOURCE_HISTORY - 1) * sizeof *s->history);
		memmove(s->hist_at, s->hist_at + 1, (SOURCE_HISTORY - 1) * sizeof *s->hist_at);
		s->hist_len--;
	}
	s->hist_at[s->hist_len] = mono_ms();
	s->history[s->hist_len++] = v;
}

void source_probe_degraded(struct source *s, const char *reason)
{
	char *r = san_str(reason && *reason ? reason : "degraded");
	strlcpy_m(s->degraded_next, r, sizeof s->degraded_next);
	free(r);
}

/* What cell [c0, c1) shows given the polls that ended in it, or, when none
 * did, the poll before it (index prev, -1 when none). */
static long bucket_value(const struct source *s, int first, int end, int prev, int64_t c0)
{
	long v = SPARK_NODATA;
	for (int i = first; i < end; i++) {
		if (s->history[i] < 0)
			return SPARK_FAILED;
		v = MLC_MAX(v, s->history[i]);
	}
	if (first < end)
		return v;
	if (prev < 0)
		return SPARK_NODATA;
	if (s->history[prev] < 0)
		return SPARK_FAILED;
	return c0 - s->hist_at[prev] <= 2 * s->refresh_ms ? s->history[prev] : SPARK_SKIPPED;
}

void source_buckets(const struct source *s, int64_t now_mono, long window_ms, int width, long *out)
{
	if (width <= 0)
		return;
	int64_t start = now_mono - window_ms;
	int i = 0;
	/* polls that ended before the window: only the last one matters */
	while (i < s->hist_len && s->hist_at[i] <= start)
		i++;
	int prev = i - 1;
	for (int c = 0; c < width; c++) {
		int64_t c0 = start + (int64_t)window_ms * c / width;
		int64_t c1 = start + (int64_t)window_ms * (c + 1) / width;
		int first = i;
		while (i < s->hist_len && s->hist_at[i] <= c1)
			i++;
		out[c] = bucket_value(s, first, i, prev, c0);
		if (i > first)
			prev = i - 1;
	}
}

void source_probe_done(struct source *s, const struct mlc_err *err, long latency_ms,
		       const char *version)
{
	if (!s->in_flight)
		return;
	s->in_flight = false;
	if (err)
		s->degraded[0] = '\0';
	loop_busy_dec();
	if (version) {
		char *v = san_str(version);
		strlcpy_m(s->version, v, sizeof s->version);
		free(v);
	}
	long delay;
	if (!err) {
		if (s->last_err.code != MLC_OK)
			log_info("%s: back up after %u failed polls", s->target->name, s->failures);
		mlc_err_clear(&s->last_err);
		/* A change of a known state is news for the log; the first
		 * answer's state is on the Overview from the start. */
		if (s->ever_ok && strcmp(s->degraded, s->degraded_next) != 0)
			log_warn("%s: %s%s", s->target->name,
				 s->degraded_next[0] ? "degraded: " : "no longer degraded",
				 s->degraded_next);
		memcpy(s->degraded, s->degraded_next, sizeof s->degraded);
		s->ever_ok = true;
		s->latency_ms = latency_ms;
		s->last_ok_wall = wall_ms();
		s->down_since_wall = 0;
		s->failures = 0;
		push_history(s, latency_ms);
		delay = s->refresh_ms;
	} else {
		/* Messages come from the network in part: sanitize before keeping,
		 * and compare the sanitized text with the one kept. */
		char *m = san_str(err->msg);
		bool changed = strncmp(s->last_err.msg, m, sizeof s->last_err.msg - 1) != 0;
		s->last_err = *err;
		strlcpy_m(s->last_err.msg, m, sizeof s->last_err.msg);
		free(m);
		if (s->failures == 0)
			s->down_since_wall = wall_ms();
		s->failures++;
		push_history(s, -1);
		if (changed || s->failures == 1)
			log_warn("%s: %s", s->target->name, s->last_err.msg);
		delay = source_backoff_ms(s->refresh_ms, s->failures);
		/* ±20% jitter so that many failing targets do not poll in step. */
		delay += (long)((double)delay * 0.2 * ((double)rand() / RAND_MAX * 2.0 - 1.0));
		if (delay < 100)
			delay = 100;
	}
	s->degraded_next[0] = '\0';
	schedule(s, delay);
	notify(s);
}
