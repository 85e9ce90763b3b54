/* tui/canvas.c — clipped drawing for panels, sparklines and braille charts.
 * The only place besides tui/app.c that writes cells to curses. */
#include "canvas.h"

#include <curses.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"

bool canvas_utf8(void)
{
	return san_utf8();
}

const char *glyph(enum glyph g)
{
	static const char *const u[] = {
#define G_U(name, utf, ascii) utf,
	    GLYPHS(G_U)
#undef G_U
	};
	static const char *const a[] = {
#define G_A(name, utf, ascii) ascii,
	    GLYPHS(G_A)
#undef G_A
	};
	return (unsigned)g < G_COUNT ? (canvas_utf8() ? u[g] : a[g]) : "";
}

void canvas_frame(const struct canvas *box, enum role role)
{
	int h = box->h, w = box->w;
	for (int x = 1; x < w - 1; x++) {
		canvas_text(box, 0, x, glyph(G_H_LINE), role, 1);
		canvas_text(box, h - 1, x, glyph(G_H_LINE), role, 1);
	}
	for (int y = 1; y < h - 1; y++) {
		canvas_text(box, y, 0, glyph(G_V_LINE), role, 1);
		canvas_text(box, y, w - 1, glyph(G_V_LINE), role, 1);
	}
	canvas_text(box, 0, 0, glyph(G_TOP_LEFT), role, 1);
	canvas_text(box, 0, w - 1, glyph(G_TOP_RIGHT), role, 1);
	canvas_text(box, h - 1, 0, glyph(G_BOTTOM_LEFT), role, 1);
	canvas_text(box, h - 1, w - 1, glyph(G_BOTTOM_RIGHT), role, 1);
}

const char *canvas_spinner(void)
{
	static const char *const u[] = {"◐", "◓", "◑", "◒"};
	static const char *const a[] = {"|", "/", "-", "\\"};
	int i = (int)((mono_ms() / 250) % 4);
	return canvas_utf8() ? u[i] : a[i];
}

static void put(int y, int x, const char *s, size_t len, int attr)
{
	attrset(attr);
	mvaddnstr(y, x, s, (int)len);
}

int canvas_text(const struct canvas *cv, int y, int x, const char *safe, enum role role, int maxw)
{
	if (y < 0 || y >= cv->h || x >= cv->w || x < 0)
		return 0;
	int avail = cv->w - x;
	if (maxw > 0 && maxw < avail)
		avail = maxw;
	int cols;
	size_t len = san_fit(safe, avail, &cols);
	put(cv->y + y, cv->x + x, safe, len, theme_attr(role));
	return cols;
}

int canvas_text_right(const struct canvas *cv, int y, int x_end, const char *safe, enum role role)
{
	int w = san_width(safe);
	int x = x_end - w;
	if (x < 0)
		x = 0;
	return canvas_text(cv, y, x, safe, role, x_end - x);
}

void canvas_fill_row(const struct canvas *cv, int y, int x, enum role role)
{
	if (y < 0 || y >= cv->h)
		return;
	if (x < 0)
		x = 0;
	if (x >= cv->w)
		return;
	/* whline renders the blanks with the attribute set, without
	 * waddch's per-character path (a frame clears thousands of cells). */
	attrset(theme_attr(role));
	mvhline(cv->y + y, cv->x + x, ' ', cv->w - x);
}

void canvas_clear(const struct canvas *cv, enum role role)
{
	for (int y = 0; y < cv->h; y++)
		canvas_fill_row(cv, y, 0, role);
}

/* The level (0..top) of a latency on the log scale lo..hi: equal ratios
 * are equal steps, so 2 ms against 3 ms stays one step, not an outage. */
static int spark_level(long v, long lo, long hi, int top)
{
	if (v <= lo)
		return 0;
	if (v >= hi)
		return top;
	double f = log((double)v / (double)lo) / log((double)hi / (double)lo);
	int level = (int)(f * top + 0.5);
	return level < 0 ? 0 : level > top ? top : level;
}

void sparkline(const long *v, int n, long lo, long hi, char *out, size_t outsz)
{
	static const char *blocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
	static const char ascii[] = "_.-=#";
	bool utf8 = canvas_utf8();
	if (lo < 1)
		lo = 1;
	if (hi <= lo)
		hi = lo + 1;
	size_t o = 0;
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		const char *c;
		char one[2] = {0, 0};
		if (v[i] == -1)
			c = utf8 ? "×" : "x";
		else if (v[i] == -2)
			c = utf8 ? "∙" : ",";
		else if (v[i] < 0)
			c = " ";
		else if (utf8)
			c = blocks[spark_level(v[i], lo, hi, 7)];
		else {
			one[0] = ascii[spark_level(v[i], lo, hi, 4)];
			c = one;
		}
		size_t l = strlen(c);
		if (o + l + 1 > outsz)
			break;
		memcpy(out + o, c, l);
		o += l;
		out[o] = '\0';
	}
}

static void nice_num(double v, char *out, size_t n)
{
	if (isnan(v)) {
		snprintf(out, n, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(out, n, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	double a = fabs(v);
	if (a != 0 && (a >= 1e6 || a < 1e-3))
		snprintf(out, n, "%.2g", v);
	else if (a >= 100)
		snprintf(out, n, "%.0f", v);
	else
		snprintf(out, n, "%.3g", v);
}

/* The role of series k: four colours (or attributes in mono), then again. */
static enum role series_role(int k)
{
	static const enum role r[] = {ROLE_CHART, ROLE_CHART2, ROLE_CHART3, ROLE_CHART4};
	return r[k % 4];
}

/* The finite extent of every series; false when no point is finite. */
static bool chart_extent(const struct chart_series *s, int nseries, double *xmin, double *xmax,
			 double *ymin, double *ymax)
{
	*xmin = *ymin = INFINITY;
	*xmax = *ymax = -INFINITY;
	for (int k = 0; k < nseries; k++)
		for (int i = 0; i < s[k].n; i++) {
			double x = s[k].xs[i], y = s[k].ys[i];
			if (!isfinite(x) || !isfinite(y))
				continue;
			*xmin = fmin(*xmin, x);
			*xmax = fmax(*xmax, x);
			*ymin = fmin(*ymin, y);
			*ymax = fmax(*ymax, y);
		}
	return isfinite(*ymin);
}

/* The title row: one series gets min, max and its last point as it is (NaN
 * stays NaN); several get a legend below, each in its colour with its last
 * point. Returns the rows used. */
static int chart_head(const struct canvas *cv, const char *title, const struct chart_series *s,
		      int nseries, double ymin, double ymax)
{
	char head[256], a[32], b[32], c[32];
	nice_num(ymin, a, sizeof a);
	nice_num(ymax, b, sizeof b);
	if (nseries == 1) {
		nice_num(s[0].n ? s[0].ys[s[0].n - 1] : NAN, c, sizeof c);
		snprintf(head, sizeof head, "%s   min %s  max %s  last %s", title, a, b, c);
		canvas_text(cv, 0, 0, head, ROLE_TITLE, 0);
		return 1;
	}
	snprintf(head, sizeof head, "%s   min %s  max %s", title, a, b);
	canvas_text(cv, 0, 0, head, ROLE_TITLE, 0);
	int x = 0;
	for (int k = 0; k < nseries && x < cv->w; k++) {
		nice_num(s[k].n ? s[k].ys[s[k].n - 1] : NAN, c, sizeof c);
		char *label = san_str(s[k].label ? s[k].label : "");
		snprintf(head, sizeof head, "%s%s last %s", glyph(G_MARKED), label, c);
		free(label);
		x += canvas_text(cv, 1, x, head, series_role(k), cv->w - x) + 1;
	}
	return 2;
}

/* Braille: each cell holds 2×4 dots; a cell takes the colour of the last
 * series that put a dot in it. */
static void chart_plot(const struct canvas *cv, const struct chart_series *s, int nseries,
		       int plot_y, int plot_x, int plot_h, int plot_w, double xmin, double xmax,
		       double ymin, double ymax)
{
	static const int bits[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};
	int gw = plot_w * 2, gh = plot_h * 4;
	unsigned char *grid = xcalloc((size_t)(plot_w * plot_h), 1);
	unsigned char *owner = xcalloc((size_t)(plot_w * plot_h), 1);
	for (int k = 0; k < nseries; k++) {
		int px = -1, py = -1;
		for (int i = 0; i < s[k].n; i++) {
			double x = s[k].xs[i], y = s[k].ys[i];
			if (!isfinite(x) || !isfinite(y)) {
				px = -1;
				continue;
			}
			int gx = (int)((x - xmin) / (xmax - xmin) * (gw - 1) + 0.5);
			int gy = (gh - 1) - (int)((y - ymin) / (ymax - ymin) * (gh - 1) + 0.5);
			/* Connect to the previous point so lines have no gaps. */
			int steps = px < 0 ? 0 : MLC_MAX(abs(gx - px), abs(gy - py));
			for (int t = 0; t <= steps; t++) {
				int cx = steps ? px + (gx - px) * t / steps : gx;
				int cy = steps ? py + (gy - py) * t / steps : gy;
				if (cx < 0 || cx >= gw || cy < 0 || cy >= gh)
					continue;
				int cell = (cy / 4) * plot_w + cx / 2;
				grid[cell] |= (unsigned char)bits[cy % 4][cx % 2];
				owner[cell] = (unsigned char)k;
			}
			px = gx;
			py = gy;
		}
	}
	bool utf8 = canvas_utf8();
	for (int y = 0; y < plot_h; y++)
		for (int x = 0; x < plot_w; x++) {
			unsigned char m = grid[y * plot_w + x];
			if (!m)
				continue;
			char ch[4];
			if (utf8) {
				unsigned cp = 0x2800 + m;
				ch[0] = (char)(0xE0 | (cp >> 12));
				ch[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
				ch[2] = (char)(0x80 | (cp & 0x3F));
				ch[3] = '\0';
			} else {
				/* without braille, series differ by their character */
				static const char marks[] = "*+ox";
				ch[0] = marks[owner[y * plot_w + x] % 4];
				ch[1] = '\0';
			}
			canvas_text(cv, plot_y + y, plot_x + x, ch,
				    series_role(owner[y * plot_w + x]), 1);
		}
	free(grid);
	free(owner);
}

void canvas_chart(const struct canvas *cv, const char *title, const struct chart_series *s,
		  int nseries, const char *xlabel)
{
	canvas_clear(cv, ROLE_NORMAL);
	double xmin, xmax, ymin, ymax;
	if (!chart_extent(s, nseries, &xmin, &xmax, &ymin, &ymax)) {
		char head[256];
		snprintf(head, sizeof head, "%s %s no data", title, glyph(G_DASH));
		canvas_text(cv, 0, 0, head, ROLE_TITLE, 0);
		return;
	}
	int plot_y = chart_head(cv, title, s, nseries, ymin, ymax);
	if (cv->h < 4 + plot_y || cv->w < 20)
		return;
	if (ymax == ymin) {
		ymax += 1;
		ymin -= 1;
	}
	if (xmax == xmin)
		xmax = xmin + 1;
	char ylab_top[16], ylab_bot[16];
	nice_num(ymax, ylab_top, sizeof ylab_top);
	nice_num(ymin, ylab_bot, sizeof ylab_bot);
	int lw = (int)MLC_MAX(strlen(ylab_top), strlen(ylab_bot)) + 1;
	int plot_x = lw + 1, plot_h = cv->h - plot_y - 2, plot_w = cv->w - plot_x - 1;
	if (plot_w < 4 || plot_h < 1)
		return;
	canvas_text(cv, plot_y, 0, ylab_top, ROLE_DIM, lw);
	canvas_text(cv, plot_y + plot_h - 1, 0, ylab_bot, ROLE_DIM, lw);
	for (int y = 0; y < plot_h; y++)
		canvas_text(cv, plot_y + y, lw, glyph(G_V_LINE), ROLE_DIM, 1);
	for (int x = 0; x < plot_w; x++)
		canvas_text(cv, plot_y + plot_h, plot_x + x, glyph(G_H_LINE), ROLE_DIM, 1);
	canvas_text(cv, plot_y + plot_h, lw, glyph(G_BOTTOM_LEFT), ROLE_DIM, 1);
	char xl[32], xr[32];
	nice_num(xmin, xl, sizeof xl);
	nice_num(xmax, xr, sizeof xr);
	canvas_text(cv, plot_y + plot_h + 1, plot_x, xl, ROLE_DIM, 0);
	char right[64];
	snprintf(right, sizeof right, "%s %s", xr, xlabel ? xlabel : "");
	canvas_text_right(cv, plot_y + plot_h + 1, cv->w, right, ROLE_DIM);
	chart_plot(cv, s, nseries, plot_y, plot_x, plot_h, plot_w, xmin, xmax, ymin, ymax);
}

int canvas_wrap(const struct canvas *body, int y, int x, const char *text, enum role role,
		int first_row)
{
	int width = MLC_MAX(10, body->w - x - 1);
	int rows = 0;
	const char *s = text;
	while (*s) {
		int take = (int)strlen(s);
		if (san_width(s) > width) {
			/* the last space that keeps the line in width */
			int cut = -1, cols = 0;
			for (int i = 0; s[i] && cols < width; i++) {
				if (s[i] == ' ')
					cut = i;
				if (((unsigned char)s[i] & 0xC0) != 0x80)
					cols++;
			}
			take = cut > 0 ? cut : width;
		}
		char line[512];
		snprintf(line, sizeof line, "%.*s", take, s);
		if (y + rows >= first_row && y + rows < body->h)
			canvas_text(body, y + rows, x, line, role, 0);
		rows++;
		s += take;
		while (*s == ' ')
			s++;
	}
	return rows ? rows : 1;
}

void canvas_bar(char *out, size_t n, int64_t now, int64_t total, int width)
{
	int fill = total > 0 ? (int)(width * (double)now / (double)total) : 0;
	fill = MLC_MAX(0, MLC_MIN(width, fill));
	size_t o = 0;
	out[0] = '\0';
	o += (size_t)snprintf(out + o, n - o, "[");
	for (int i = 0; i < width && o + 4 < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%s",
				      glyph(i < fill ? G_BAR_FULL : G_BAR_EMPTY));
	if (o < n)
		snprintf(out + o, n - o, "] %d%%",
			 total > 0 ? (int)(100 * (double)now / (double)total) : 0);
}
