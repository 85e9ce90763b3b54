/* panels/overview.c — the on-call landing page: one row per configured
 * target with kind, endpoint, state, latency now, a sparkline of the last
 * minutes, version (or the last error), and down-since. Enter opens a
 * detail view with the latency history as a chart. Two views: services and
 * service. Reads lib/health/source only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/log.h"
#include "lib/core/sanitize.h"
#include "lib/health/source.h"
#include "lib/core/util.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/panel.h"
#include "tui/view.h"

enum { C_NAME, C_KIND, C_ENDPOINT, C_STATE, C_LATENCY, C_SPARK, C_VERSION, C_COUNT };

/* The sparkline: the last 5 minutes in 14 cells of equal time (about 21 s
 * each, whatever the refresh), on one log scale shared by every row. */
#define SPARK_CELLS	14
#define SPARK_WINDOW_MS (5 * 60 * 1000L)
#define SPARK_LO_MS	1L
#define SPARK_HI_MS	10000L

static const struct column cols[C_COUNT] = {
    [C_NAME] = {"SERVICE", 7, 16, ALIGN_LEFT, 0, false},
    [C_KIND] = {"KIND", 4, 10, ALIGN_LEFT, 6, false},
    [C_ENDPOINT] = {"ENDPOINT", 12, 34, ALIGN_LEFT, 2, false},
    [C_STATE] = {"STATE", 12, 14, ALIGN_LEFT, 0, false},
    [C_LATENCY] = {"LATENCY", 7, 8, ALIGN_RIGHT, 4, true},
    [C_SPARK] = {"LAST 5 MIN", 14, 14, ALIGN_LEFT, 5, false},
    [C_VERSION] = {"VERSION", 7, 0, ALIGN_LEFT, 1, false},
};

static const struct view_ops service_view;

/* The source a service view shows (its priv is the source's index). */
static struct source *service_of(struct view *v)
{
	return source_get((int)(intptr_t)v->priv);
}

static const struct column *ov_columns(struct view *v, int *n)
{
	*n = C_COUNT;
	return cols;
}

static int ov_nrows(struct view *v)
{
	return sources_count();
}

static unsigned long ov_generation(struct view *v)
{
	unsigned long g = 0;
	for (int i = 0; i < sources_count(); i++)
		g += source_get(i)->generation;
	return g;
}

static enum role health_role(enum health h)
{
	switch (h) {
	case HEALTH_OK:
		return ROLE_OK;
	case HEALTH_DOWN:
		return ROLE_ERR;
	case HEALTH_UNKNOWN:
		return ROLE_DIM;
	default:
		return ROLE_WARN;
	}
}

static void ov_cell(struct view *v, int row, int col, struct cell *out)
{
	struct source *s = source_get(row);
	int64_t now = mono_ms();
	enum health h = source_health(s, now);
	out->role = ROLE_NORMAL;
	switch (col) {
	case C_NAME:
		snprintf(out->text, sizeof out->text, "%s", s->target->name);
		break;
	case C_KIND:
		snprintf(out->text, sizeof out->text, "%s", target_kind_name(s->target->kind));
		out->role = ROLE_DIM;
		break;
	case C_ENDPOINT:
		snprintf(out->text, sizeof out->text, "%s", s->endpoint);
		break;
	case C_STATE:
		if (h == HEALTH_DOWN) {
			char age[32];
			fmt_age(age, sizeof age, (long)(wall_ms() - s->down_since_wall));
			snprintf(out->text, sizeof out->text, "%s down %s", health_glyph(h), age);
		} else if (h == HEALTH_UNKNOWN) {
			if (s->in_flight)
				snprintf(out->text, sizeof out->text, "%s checking",
					 canvas_spinner());
			else
				snprintf(out->text, sizeof out->text, "%s unknown",
					 health_glyph(h));
		} else {
			snprintf(out->text, sizeof out->text, "%s %s", health_glyph(h),
				 health_name(h));
		}
		out->role = health_role(h);
		break;
	case C_LATENCY:
		if (h == HEALTH_DOWN || s->latency_ms < 0)
			snprintf(out->text, sizeof out->text, "-");
		else
			fmt_latency(out->text, sizeof out->text, s->latency_ms);
		out->role = h == HEALTH_SLOW ? ROLE_WARN : ROLE_NORMAL;
		break;
	case C_SPARK: {
		long cells[SPARK_CELLS];
		source_buckets(s, now, SPARK_WINDOW_MS, SPARK_CELLS, cells);
		sparkline(cells, SPARK_CELLS, SPARK_LO_MS, SPARK_HI_MS, out->text,
			  sizeof out->text);
		out->role = ROLE_CHART;
		break;
	}
	case C_VERSION:
		if (h == HEALTH_DOWN) {
			snprintf(out->text, sizeof out->text, "%s", s->last_err.msg);
			out->role = ROLE_ERR;
		} else if (h == HEALTH_DEGRADED) {
			snprintf(out->text, sizeof out->text, "%s", s->degraded);
			out->role = ROLE_WARN;
		} else {
			snprintf(out->text, sizeof out->text, "%s",
				 s->version[0] ? s->version : "-");
		}
		break;
	}
}

static void ov_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "Overview");
}

static void service_title(struct view *v, char *out, size_t n)
{
	struct source *s = service_of(v);
	snprintf(out, n, "%s", s ? s->target->name : "");
}

/* The line above the footer: why the selected service is down, or when the
 * first down service went down. */
/* The first service that reports a degraded state, or NULL. */
static struct source *first_degraded(void)
{
	for (int i = 0; i < sources_count(); i++)
		if (source_get(i)->last_err.code == MLC_OK && source_get(i)->degraded[0])
			return source_get(i);
	return NULL;
}

static void ov_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	struct source *s = row >= 0 ? source_get(row) : NULL;
	if (s && s->last_err.code == MLC_OK && s->degraded[0]) {
		snprintf(out, n, "%s: degraded %s %s", s->target->name, glyph(G_DASH), s->degraded);
		*role = ROLE_WARN;
		return;
	}
	if (!s || s->last_err.code == MLC_OK) {
		/* Otherwise point at the first service that is down. */
		s = NULL;
		for (int i = 0; i < sources_count(); i++)
			if (source_get(i)->last_err.code != MLC_OK) {
				s = source_get(i);
				break;
			}
	}
	if (!s && first_degraded()) {
		s = first_degraded();
		snprintf(out, n, "%s: degraded %s %s", s->target->name, glyph(G_DASH), s->degraded);
		*role = ROLE_WARN;
		return;
	}
	if (!s) {
		struct source *sel = row >= 0 ? source_get(row) : NULL;
		if (sel && sel->ever_ok) {
			char when[16];
			fmt_clock(when, sizeof when, sel->last_ok_wall);
			snprintf(out, n, "%s: ok at %s, every %.1f s (%s)", sel->target->name, when,
				 sel->refresh_ms / 1000.0, sel->target->origin);
		}
		*role = ROLE_DIM;
		return;
	}
	char since[16], retry[32] = "";
	fmt_clock(since, sizeof since, s->down_since_wall);
	long left = (long)(s->next_poll_mono - mono_ms());
	if (!s->in_flight && left > 0)
		snprintf(retry, sizeof retry, " (retry in %lds)", (left + 999) / 1000);
	snprintf(out, n, "%s: down since %s %s %s%s%s", s->target->name, since, glyph(G_DASH),
		 s->last_err.msg, retry,
		 s->offered_key[0] ? "; T trusts the key once you have checked its fingerprint"
				   : "");
	*role = ROLE_ERR;
}

/* What time or a probe's answer changes in the list (a health state, a
 * latency, a down service's age and retry countdown, the sliding sparkline,
 * a spinner): the rows and the selected row's detail as they would be drawn
 * now, hashed. */
static unsigned long ov_clock_key(struct view *v)
{
	unsigned long h = 5381;
	struct cell c;
	for (int row = 0; row < sources_count(); row++)
		for (int col = 0; col < C_COUNT; col++) {
			c.text[0] = '\0';
			c.role = ROLE_NORMAL;
			ov_cell(v, row, col, &c);
			h = str_hash(h, c.text) * 33 + (unsigned long)c.role;
		}
	char d[512] = "";
	enum role role = ROLE_DIM;
	ov_detail(v, table_selected(&v->table), d, sizeof d, &role);
	return str_hash(h, d) * 33 + (unsigned long)role;
}

static void trust_answer(void *arg, bool confirmed)
{
	struct source *s = arg;
	const char *fp = strchr(s->offered_key, ' ');
	if (!confirmed || !fp) {
		app_message(ROLE_DIM, "%s: host key not trusted", s->target->name);
		return;
	}
	char *req =
	    xasprintf("trust host key %s (known_hosts %s)", fp + 1,
		      s->target->known_hosts ? s->target->known_hosts : "~/.ssh/known_hosts");
	log_audit(s->target->name, req, "confirmed; recording");
	free(req);
	source_trust_hostkey(s, fp + 1);
	app_message(ROLE_OK, "%s: recording %s in %s", s->target->name, fp + 1,
		    s->target->known_hosts ? s->target->known_hosts : "~/.ssh/known_hosts");
}

/* T on a node whose host key is unknown: show the key and where it would
 * be written, and record exactly that key only after y. A changed key is
 * never offered: sshc refuses it whatever is confirmed. */
static void trust_key(struct source *s)
{
	if (!s || s->target->kind != TK_NODE || !s->offered_key[0]) {
		app_message(ROLE_DIM, "T trusts a node's unknown host key; this row has none");
		return;
	}
	static char l1[160], l2[160], l3[300];
	snprintf(l1, sizeof l1, "node      %s (%s)", s->target->name, s->endpoint);
	snprintf(l2, sizeof l2, "host key  %s", s->offered_key);
	snprintf(l3, sizeof l3, "added to  %s",
		 s->target->known_hosts ? s->target->known_hosts : "~/.ssh/known_hosts");
	struct dialog d = {
	    .title = "Trust an unknown host key?",
	    .lines = {l1, l2, l3, "",
		      "Compare with `ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` on the node.",
		      NULL},
	    .action = "trust this key",
	    .done = trust_answer,
	    .arg = s,
	};
	char *safe[3] = {san_str(l1), san_str(l2), san_str(l3)};
	d.lines[0] = safe[0];
	d.lines[1] = safe[1];
	d.lines[2] = safe[2];
	app_confirm(&d);
	for (int i = 0; i < 3; i++)
		free(safe[i]);
}

static int ov_open(struct view *v, int row)
{
	view_push(v->panel, &service_view, (void *)(intptr_t)row);
	return P_REDRAW;
}

/* T: trust a node's unknown host key after a dialog (it writes known_hosts). */
static int ov_trust(struct view *v, int row)
{
	trust_key(source_get(row));
	return P_REDRAW;
}

static int service_trust(struct view *v, int row)
{
	trust_key(service_of(v));
	return P_REDRAW;
}

static void service_reload(struct view *v)
{
	struct source *s = service_of(v);
	if (s)
		source_poll_now(s);
}

static void ov_empty(struct view *v, char *out, size_t n)
{
	snprintf(out, n,
		 "no services configured: write ~/.config/mlconsole/config.ini, use -c FILE "
		 "or --env-file .env (see README)");
}

static void ov_copy(struct view *v, int row, char *out, size_t n)
{
	struct source *s = source_get(row);
	if (s)
		snprintf(out, n, "%s", s->endpoint);
}

static void service_copy(struct view *v, int row, char *out, size_t n)
{
	struct source *s = service_of(v);
	if (s)
		snprintf(out, n, "%s", s->endpoint);
}

/* The service view's detail line is the same as the list's for its row. */
static void service_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	ov_detail(v, (int)(intptr_t)v->priv, out, n, role);
}

static bool service_body(struct view *v, struct canvas *cv)
{
	struct source *s = service_of(v);
	if (!s)
		return false;
	canvas_clear(cv, ROLE_NORMAL);
	int64_t now = mono_ms();
	enum health h = source_health(s, now);
	char line[600], a[32], b[32];
	int y = 0;
	snprintf(line, sizeof line, "%s %s", health_glyph(h), health_name(h));
	canvas_text(cv, y, 1, "state", ROLE_DIM, 10);
	canvas_text(cv, y++, 12, line, health_role(h), 0);
	if (h == HEALTH_DEGRADED) {
		canvas_text(cv, y, 1, "degraded", ROLE_DIM, 10);
		canvas_text(cv, y++, 12, s->degraded, ROLE_WARN, 0);
	}
	canvas_text(cv, y, 1, "kind", ROLE_DIM, 10);
	canvas_text(cv, y++, 12, target_kind_name(s->target->kind), ROLE_NORMAL, 0);
	canvas_text(cv, y, 1, "endpoint", ROLE_DIM, 10);
	canvas_text(cv, y++, 12, s->endpoint, ROLE_NORMAL, 0);
	canvas_text(cv, y, 1, "version", ROLE_DIM, 10);
	canvas_text(cv, y++, 12, s->version[0] ? s->version : "-", ROLE_NORMAL, 0);
	fmt_latency(a, sizeof a, s->latency_ms);
	snprintf(line, sizeof line, "%s (slow above %ld ms), every %.1f s, deadline %.1f s", a,
		 s->slow_ms, s->refresh_ms / 1000.0, s->timeout_ms / 1000.0);
	canvas_text(cv, y, 1, "latency", ROLE_DIM, 10);
	canvas_text(cv, y++, 12, line, ROLE_NORMAL, 0);
	if (s->ever_ok) {
		fmt_clock(a, sizeof a, s->last_ok_wall);
		snprintf(line, sizeof line, "%s, %lu polls", a, s->polls);
	} else {
		snprintf(line, sizeof line, "never, %lu polls", s->polls);
	}
	canvas_text(cv, y, 1, "last ok", ROLE_DIM, 10);
	canvas_text(cv, y++, 12, line, ROLE_NORMAL, 0);
	if (s->last_err.code != MLC_OK) {
		fmt_clock(a, sizeof a, s->down_since_wall);
		fmt_age(b, sizeof b, (long)(wall_ms() - s->down_since_wall));
		snprintf(line, sizeof line, "down since %s (%s), %u failed polls: %s", a, b,
			 s->failures, s->last_err.msg);
		canvas_text(cv, y, 1, "error", ROLE_DIM, 10);
		canvas_text(cv, y++, 12, line, ROLE_ERR, 0);
	}
	canvas_text(cv, y, 1, "config", ROLE_DIM, 10);
	canvas_text(cv, y++, 12, s->target->origin, ROLE_DIM, 0);
	/* The sparkline as the list draws it, and how to read it (the legend's
	 * signs drawn by sparkline itself, so they match in every charset). */
	long cells[SPARK_CELLS], marks[2] = {SPARK_FAILED, SPARK_SKIPPED};
	char spark[64], sign[2][8];
	source_buckets(s, now, SPARK_WINDOW_MS, SPARK_CELLS, cells);
	sparkline(cells, SPARK_CELLS, SPARK_LO_MS, SPARK_HI_MS, spark, sizeof spark);
	sparkline(&marks[0], 1, SPARK_LO_MS, SPARK_HI_MS, sign[0], sizeof sign[0]);
	sparkline(&marks[1], 1, SPARK_LO_MS, SPARK_HI_MS, sign[1], sizeof sign[1]);
	snprintf(line, sizeof line,
		 "%s  5 min, %.0f s a cell; shared log scale %ld ms to %ld s; %s failed %s no poll",
		 spark, SPARK_WINDOW_MS / 1000.0 / SPARK_CELLS, SPARK_LO_MS, SPARK_HI_MS / 1000,
		 sign[0], sign[1]);
	canvas_text(cv, y, 1, "history", ROLE_DIM, 10);
	canvas_text(cv, y++, 12, line, ROLE_NORMAL, 0);
	y++;
	/* Latency history as a chart: x = seconds back from now, by the time
	 * each poll ended (backoff shows as a gap). */
	double xs[SOURCE_HISTORY], ys[SOURCE_HISTORY];
	int n = 0;
	for (int i = 0; i < s->hist_len; i++) {
		xs[n] = (double)(s->hist_at[i] - now) / 1000.0;
		ys[n] = s->history[i] >= 0 ? (double)s->history[i] : 0.0 / 0.0;
		n++;
	}
	if (cv->h - y >= 6) {
		struct canvas chart = {cv->y + y, cv->x + 1, cv->h - y, cv->w - 2};
		struct chart_series series = {xs, ys, n, "latency"};
		canvas_chart(&chart, "latency ms", &series, 1, "s ago");
	}
	return true;
}

static const struct view_action services_actions[] = {
    {"open", "<Enter>", "open", "the service's state, error and latency history", ACT_F_SELECTION,
     ov_open},
    {"refresh", "r", "refresh", NULL, 0, NULL},
    {"filter", "/", "filter", NULL, 0, NULL},
    {"sort", "s", "sort", NULL, 0, NULL},
    {"trust", "T", NULL, "trust a node's unknown host key (writes known_hosts)",
     ACT_F_SELECTION | ACT_F_WRITES | ACT_F_CONFIRM, ov_trust},
};

static const struct view_ops services_view = {
    .name = "services",
    .title = ov_title,
    .columns = ov_columns,
    .nrows = ov_nrows,
    .cell = ov_cell,
    .generation = ov_generation,
    .detail = ov_detail,
    .empty_text = ov_empty,
    .copy_text = ov_copy,
    .clock_key = ov_clock_key,
    .actions = services_actions,
    .nactions = ARRAY_LEN(services_actions),
};

static const struct view_action service_actions[] = {
    {"refresh", "r", "refresh", NULL, 0, NULL},
    {"copy", "y", "copy endpoint", NULL, 0, NULL},
    {"trust", "T", NULL, "trust the node's unknown host key (writes known_hosts)",
     ACT_F_WRITES | ACT_F_CONFIRM, service_trust},
};

static const struct view_ops service_view = {
    .name = "service",
    .title = service_title,
    .detail = service_detail,
    .copy_text = service_copy,
    .body = service_body,
    .reload = service_reload,
    .actions = service_actions,
    .nactions = ARRAY_LEN(service_actions),
};

static void ov_panel_open(struct panel *p)
{
	view_push(p, &services_view, NULL);
}

static const struct view_ops *const overview_views[] = {&services_view, &service_view, NULL};

static const struct panel_ops overview_ops = {
    .name = "overview",
    .title = "Overview",
    .digit = 1,
    .open = ov_panel_open,
    .views = overview_views,
    .shows_sources = true,
};

struct panel overview_panel = {.ops = &overview_ops};
