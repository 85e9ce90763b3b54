/* tui/layout.c — the screen's layout and drawing: header (profile, one pill
 * per service, clock), tabs, the breadcrumb built from the view stack's
 * titles, the body (table, a view's own body, help, dialog), the message
 * line and the footer. Drawing happens only from the loop's prepare hook
 * (or the script driver); handlers mark the screen dirty instead. */
#include <curses.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "app_int.h"
#include "canvas.h"
#include "lib/core/log.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "lib/health/source.h"

int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The digit of the Log panel (where a cut message can be read whole). */
static int log_panel_digit(void)
{
	int i = panel_index("log");
	return i >= 0 ? panels[i]->ops->digit : 9;
}

/* "mlflow 12 ms", "prefect down": the text of one header pill. */
static void pill_text(const struct source *s, enum health h, char *out, size_t n)
{
	char lat[32] = "";
	if (h == HEALTH_OK || h == HEALTH_SLOW)
		fmt_latency(lat, sizeof lat, s->latency_ms);
	const char *what = h == HEALTH_DOWN	  ? "down"
			   : h == HEALTH_STALE	  ? "stale"
			   : h == HEALTH_SLOW	  ? "slow"
			   : h == HEALTH_DEGRADED ? "degraded"
						  : lat;
	char *name = san_str(s->target->name);
	snprintf(out, n, "%s %s", name, what);
	free(name);
}

/* What the header shows between the profile and the clock in avail
 * columns: one pill per service ("● mlflow 12ms  ") when they all fit,
 * otherwise the counts per state, or "" when even those do not fit. */
static void header_health(int avail, char *out, size_t n)
{
	int64_t now = mono_ms();
	int counts[HEALTH_COUNT] = {0}, width = 0;
	char one[160];
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < sources_count(); i++) {
		enum health h = source_health(source_get(i), now);
		counts[h]++;
		pill_text(source_get(i), h, one, sizeof one);
		width += san_width(one) + 4;
		buf_printf(&b, "%s %s  ", health_glyph(h), one);
	}
	if (width < avail) {
		snprintf(out, n, "%s", b.len ? b.data : "");
	} else {
		snprintf(out, n, "%s %d ok  %s %d slow  %s %d degraded  %s %d down",
			 health_glyph(HEALTH_OK), counts[HEALTH_OK], health_glyph(HEALTH_SLOW),
			 counts[HEALTH_SLOW] + counts[HEALTH_STALE], health_glyph(HEALTH_DEGRADED),
			 counts[HEALTH_DEGRADED], health_glyph(HEALTH_DOWN), counts[HEALTH_DOWN]);
		if (san_width(out) >= avail)
			out[0] = '\0';
	}
	buf_free(&b);
}

/* The header's health part as last drawn, and the room it had. */
static char header_shown[4096];
static int header_avail = -1;

bool layout_header_changed(void)
{
	if (header_avail < 0)
		return true;
	char now[sizeof header_shown];
	header_health(header_avail, now, sizeof now);
	return strcmp(now, header_shown) != 0;
}

/* The clock as last drawn and its column ("" when not drawn). */
static char clock_shown[16];
static int clock_x;

/* Profile on the left, the clock on the right, and between them one pill per
 * service when they all fit, otherwise the counts per state. */
static void draw_header(const struct canvas *cv)
{
	canvas_fill_row(cv, 0, 0, ROLE_HEADER);
	char left[160];
	snprintf(left, sizeof left, " mlconsole %s %s%s", glyph(G_DOT), A.cfg->profile,
		 A.readonly ? " [readonly]" : "");
	char *safe = san_str(left);
	int x = canvas_text(cv, 0, 0, safe, ROLE_HEADER, 0) + 2;
	free(safe);
	char clock[16];
	fmt_clock(clock, sizeof clock, wall_ms());
	int right = cv->w - (int)strlen(clock) - 1;
	canvas_text(cv, 0, right, clock, ROLE_HEADER, 0);
	strlcpy_m(clock_shown, clock, sizeof clock_shown);
	clock_x = right;
	header_avail = right - x;
	header_health(header_avail, header_shown, sizeof header_shown);
	canvas_text(cv, 0, x, header_shown, ROLE_HEADER, right - x);
}

static void draw_tabs(const struct canvas *cv)
{
	canvas_fill_row(cv, 1, 0, ROLE_TAB);
	int x = 1;
	for (int i = 0; i < npanels; i++) {
		char label[64];
		snprintf(label, sizeof label, " %d %s ", panels[i]->ops->digit,
			 panels[i]->ops->title);
		x += canvas_text(cv, 1, x, label, i == A.cur ? ROLE_TAB_ACTIVE : ROLE_TAB, 0);
		x += 1;
	}
}

/* The breadcrumb: the titles of the panel's views, root first. When it is
 * wider than room, the middle goes ("Buckets › … › churn/v3/") and the last
 * element (where you are) stays whole, cut at its start if it must. */
static void crumb_text(struct panel *p, char *out, size_t n, int room)
{
	char parts[16][256];
	int np = 0;
	for (int i = 0; i < p->depth && np < 16; i++) {
		struct view *v = p->stack[i];
		char raw[256] = "";
		v->ops->title(v, raw, sizeof raw);
		san_into(parts[np], sizeof parts[np], raw, strlen(raw));
		if (parts[np][0])
			np++;
	}
	const char *sep = glyph(G_CRUMB_SEP);
	int sw = san_width(sep);
	out[0] = '\0';
	if (!np)
		return;
	int total = 0;
	for (int i = 0; i < np; i++)
		total += san_width(parts[i]) + (i ? sw : 0);
	int first = 1; /* parts[first..np-2] are elided while too wide */
	while (total > room && first < np - 1) {
		total -= san_width(parts[first]) + sw;
		if (first == 1) /* the " › …" that stands for them */
			total += sw + san_width(glyph(G_ELLIPSIS));
		first++;
	}
	size_t o = 0;
	for (int i = 0; i < np; i++) {
		if (i > 0 && i < first)
			continue;
		if (i == first && first > 1)
			o += (size_t)snprintf(out + o, n - o, "%s%s", sep, glyph(G_ELLIPSIS));
		if (o >= n)
			break;
		o += (size_t)snprintf(out + o, n - o, "%s%s", i ? sep : "", parts[i]);
		if (o >= n)
			break;
	}
	if (san_width(out) > room && np > 1) {
		/* still too wide: the last element alone, its end kept */
		const char *last = parts[np - 1];
		while (*last && san_width(last) > room - 1)
			last++;
		while ((*last & 0xC0) == 0x80)
			last++;
		snprintf(out, n, "%s%s", glyph(G_ELLIPSIS), last);
	}
}

static void draw_crumb(const struct canvas *scr, struct view *v)
{
	char right[300] = "", extra[200] = "";
	if (v->ops->status)
		v->ops->status(v, extra, sizeof extra);
	if (extra[0] || v->table.filter[0]) {
		char raw[400];
		snprintf(raw, sizeof raw, "%s%s%s%s", extra,
			 extra[0] && v->table.filter[0] ? "  " : "",
			 v->table.filter[0] ? "filter: " : "", v->table.filter);
		san_into(right, sizeof right, raw, strlen(raw));
	}
	int rw = right[0] ? san_width(right) + 2 : 0;
	char crumb[1024];
	crumb_text(v->panel, crumb, sizeof crumb, scr->w - 1 - rw);
	canvas_text(scr, 2, 1, crumb, ROLE_TITLE, scr->w - 1 - rw);
	if (right[0])
		canvas_text_right(scr, 2, scr->w - 1, right, ROLE_MARK);
}

/* The message line: the prompt, a fresh message, or the view's detail. */
static void draw_message(const struct canvas *scr, struct view *v, int my, int64_t now)
{
	canvas_fill_row(scr, my, 0, ROLE_NORMAL);
	bool fresh = A.msg[0] && now < A.msg_until;
	A.msg_shown = fresh;
	if (A.mode == MODE_PROMPT) {
		/* what Tab listed shows above the prompt line */
		if (fresh && my > 3) {
			canvas_fill_row(scr, my - 1, 0, ROLE_NORMAL);
			canvas_text(scr, my - 1, 1, A.msg, A.msg_role, 0);
		}
		prompt_draw(scr, my);
		return;
	}
	curs_set(0);
	if (fresh && san_width(A.msg) > scr->w - 2) {
		/* cut: the whole text goes to the Log, and the line says where */
		char more[40];
		snprintf(more, sizeof more, " (more: %d Log)", log_panel_digit());
		int mw = san_width(more);
		int used = canvas_text(scr, my, 1, A.msg, A.msg_role, scr->w - 2 - mw - 1);
		used += canvas_text(scr, my, 1 + used, glyph(G_ELLIPSIS), A.msg_role, 1);
		canvas_text(scr, my, 1 + used, more, ROLE_DIM, 0);
		if (!A.msg_logged && A.msg_role == ROLE_ERR)
			log_error("status: %s", A.msg);
		else if (!A.msg_logged)
			log_warn("status: %s", A.msg);
		A.msg_logged = true;
	} else if (fresh) {
		canvas_text(scr, my, 1, A.msg, A.msg_role, 0);
	} else if (v->ops->detail) {
		char d[512] = "";
		enum role role = ROLE_DIM;
		v->ops->detail(v, table_selected(&v->table), d, sizeof d, &role);
		char *sd = san_str(d);
		canvas_text(scr, my, 1, sd, role, 0);
		free(sd);
	}
}

static void draw_footer(const struct canvas *scr, struct view *v, int fy)
{
	canvas_fill_row(scr, fy, 0, ROLE_FOOTER);
	char pos[64] = "";
	if (A.mode != MODE_HELP && (!v->ops->body || v->table.nview))
		table_position(&v->table, pos, sizeof pos);
	int room = scr->w - 2 - (int)strlen(pos) - 2;
	char hints[512];
	if (A.mode == MODE_DIALOG)
		snprintf(hints, sizeof hints, "y confirm  n <esc> <enter> cancel");
	else if (A.mode == MODE_HELP)
		snprintf(hints, sizeof hints, "<esc> close help  j/k scroll");
	else if (A.mode == MODE_PROMPT && A.prompt_kind == 'i')
		snprintf(hints, sizeof hints, "<enter> ok  <esc> cancel");
	else if (A.mode == MODE_PROMPT)
		snprintf(hints, sizeof hints,
			 "<enter> run  <esc> cancel  <tab> complete  <up> history");
	else
		hints_text(hints, sizeof hints, room > 0 ? room : 1);
	canvas_text(scr, fy, 1, hints, ROLE_FOOTER, room > 0 ? room : 1);
	canvas_text_right(scr, fy, scr->w - 1, pos, ROLE_FOOTER);
}

bool layout_view_changed(void)
{
	struct view *v = cur_view();
	return !v->ops->clock_key || v->ops->clock_key(v) != A.clock_key_seen;
}

bool layout_tick_changed(void)
{
	if (layout_header_changed() || (A.msg_shown && mono_ms() >= A.msg_until))
		return true;
	if (cur_view()->ops->clock_key)
		return layout_view_changed();
	return A.view_timed;
}

void layout_trace(const char *what)
{
	if (A.draw_trace) {
		fprintf(A.draw_trace, "%s\n", what);
		fflush(A.draw_trace);
	}
}

void layout_draw_clock(void)
{
	A.clock_dirty = false;
	char clock[16];
	fmt_clock(clock, sizeof clock, wall_ms());
	if (!strcmp(clock, clock_shown))
		return;
	if (strlen(clock) != strlen(clock_shown)) {
		app_draw(); /* another width moves the header's parts */
		return;
	}
	struct canvas scr = {0, 0, LINES, COLS};
	canvas_text(&scr, 0, clock_x, clock, ROLE_HEADER, 0);
	strlcpy_m(clock_shown, clock, sizeof clock_shown);
	if (A.mode == MODE_PROMPT)
		move(LINES - 2, A.cursor_x);
	wnoutrefresh(stdscr);
	doupdate();
	layout_trace("clock");
}

/* The view's part of the screen (breadcrumb, body, message line, footer),
 * noting whether the view's hooks read the clock while it was drawn. */
static void draw_view(const struct canvas *scr, struct view *v, int64_t now)
{
	int rows = scr->h, cols = scr->w;
	A.clock_key_seen = v->ops->clock_key ? v->ops->clock_key(v) : 0;
	unsigned long reads = clock_reads();
	table_sync(&v->table);
	draw_tabs(scr);
	draw_crumb(scr, v);

	struct canvas body = {3, 0, rows - 5, cols};
	if (A.mode == MODE_HELP)
		help_draw(&body);
	else if (!v->ops->body || !v->ops->body(v, &body))
		table_draw(&v->table, &body);
	if (A.mode == MODE_DIALOG)
		dialog_draw(&body);
	draw_message(scr, v, rows - 2, now);
	draw_footer(scr, v, rows - 1);
	A.view_timed = clock_reads() != reads;
}

void app_draw(void)
{
	int rows = LINES, cols = COLS;
	erase();
	struct canvas scr = {0, 0, rows, cols};
	A.clock_dirty = false;
	if (rows < 5 || cols < 20) {
		canvas_text(&scr, 0, 0, "terminal too small", ROLE_ERR, 0);
		clock_shown[0] = '\0';
		A.dirty = false;
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	int64_t now = mono_ms();
	draw_header(&scr);
	draw_view(&scr, cur_view(), now);
	if (A.mode == MODE_PROMPT)
		move(rows - 2, A.cursor_x);
	wnoutrefresh(stdscr);
	doupdate();
	A.dirty = false;
	A.last_draw = mono_ms();
	layout_trace("full");
	if (A.key_trace && A.key_t0_us) {
		fprintf(A.key_trace, "%lld\n", (long long)(mono_us() - A.key_t0_us));
		fflush(A.key_trace);
	}
	A.key_t0_us = 0;
	A.key_pending = false;
}

int app_save_display(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		app_message(ROLE_ERR, "save-display: %s: %s", path, strerror(errno));
		return -1;
	}
	for (int y = 0; y < LINES; y++) {
		char line[4096];
		size_t o = 0;
		size_t last_non_space = 0;
		for (int x = 0; x < COLS && o + 8 < sizeof line; x++) {
			cchar_t cc;
			wchar_t wch[CCHARW_MAX + 1];
			attr_t attr;
			short pair;
			if (mvin_wch(y, x, &cc) == ERR)
				break;
			getcchar(&cc, wch, &attr, &pair, NULL);
			if (!wch[0])
				continue;
			for (int k = 0; wch[k] && k < CCHARW_MAX; k++) {
				mbstate_t st;
				memset(&st, 0, sizeof st);
				size_t l = wcrtomb(line + o, wch[k], &st);
				if (l != (size_t)-1)
					o += l;
			}
			if (wch[0] != L' ')
				last_non_space = o;
			int w = wcwidth(wch[0]);
			if (w == 2)
				x++;
		}
		line[last_non_space] = '\0';
		fprintf(f, "%s\n", line);
	}
	fclose(f);
	return 0;
}
