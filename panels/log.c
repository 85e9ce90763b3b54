/* panels/log.c — the in-memory log ring (lib/log) as a table: time, level,
 * message. Messages are sanitized when logged. Newest last; G jumps there. */
#include <stdio.h>

#include "lib/core/log.h"
#include "lib/core/util.h"
#include "tui/panel.h"

enum { C_TIME, C_LEVEL, C_TEXT, C_COUNT };

static const struct column cols[C_COUNT] = {
    [C_TIME] = {"TIME", 8, 8, ALIGN_LEFT, 0, false},
    [C_LEVEL] = {"LEVEL", 5, 5, ALIGN_LEFT, 1, false},
    [C_TEXT] = {"MESSAGE", 10, 0, ALIGN_LEFT, 0, false},
};

static const struct column *lg_columns(struct panel *p, int *n)
{
	*n = C_COUNT;
	return cols;
}

static int lg_nrows(struct panel *p)
{
	return log_count();
}
static unsigned long lg_generation(struct panel *p)
{
	return log_seq();
}

static void lg_cell(struct panel *p, int row, int col, struct cell *out)
{
	const struct log_entry *e = log_get(row);
	out->role = ROLE_NORMAL;
	if (!e)
		return;
	switch (col) {
	case C_TIME:
		fmt_clock(out->text, sizeof out->text, e->wall_ms);
		out->role = ROLE_DIM;
		break;
	case C_LEVEL:
		snprintf(out->text, sizeof out->text, "%s", log_level_name(e->level));
		out->role = e->level >= LOG_ERROR  ? ROLE_ERR
			    : e->level == LOG_WARN ? ROLE_WARN
						   : ROLE_DIM;
		break;
	case C_TEXT:
		snprintf(out->text, sizeof out->text, "%s", e->text);
		out->role = e->level >= LOG_ERROR ? ROLE_ERR : ROLE_NORMAL;
		break;
	}
}

static void lg_crumb(struct panel *p, char *out, size_t n)
{
	const char *path = log_path();
	snprintf(out, n, "Log%s%s", path ? "  " : "", path ? path : "");
}

static const char *lg_hints(struct panel *p)
{
	return "/ filter  G newest  g oldest  y copy  : command  ? help  q quit";
}

static void lg_empty(struct panel *p, char *out, size_t n)
{
	snprintf(out, n, "no messages yet");
}

static void lg_copy(struct panel *p, int row, char *out, size_t n)
{
	const struct log_entry *e = log_get(row);
	if (e)
		snprintf(out, n, "%s", e->text);
}

static const struct panel_ops log_ops = {
    .name = "log",
    .title = "Log",
    .digit = 9,
    .columns = lg_columns,
    .nrows = lg_nrows,
    .cell = lg_cell,
    .crumb = lg_crumb,
    .hints = lg_hints,
    .empty_text = lg_empty,
    .copy_text = lg_copy,
    .generation = lg_generation,
};

struct panel log_panel = {.ops = &log_ops};
