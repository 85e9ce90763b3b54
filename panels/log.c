/* panels/log.c — the in-memory log ring (lib/core/log) as a table: time,
 * level, message. Messages are sanitized when logged. Newest last; G jumps
 * there. Enter opens one message whole (wrapped), for the errors the status
 * line had to cut. Two views: messages and message. */
#include <stdio.h>
#include <stdlib.h>

#include "lib/core/log.h"
#include "lib/core/util.h"
#include "tui/canvas.h"
#include "tui/panel.h"
#include "tui/view.h"

enum { C_TIME, C_LEVEL, C_TEXT, C_COUNT };

static const struct column cols[C_COUNT] = {
    [C_TIME] = {"TIME", 8, 8, ALIGN_LEFT, 0, false},
    [C_LEVEL] = {"LEVEL", 5, 5, ALIGN_LEFT, 1, false},
    [C_TEXT] = {"MESSAGE", 10, 0, ALIGN_LEFT, 0, false},
};

static const struct column *lg_columns(struct view *v, int *n)
{
	*n = C_COUNT;
	return cols;
}

static int lg_nrows(struct view *v)
{
	return log_count();
}
static unsigned long lg_generation(struct view *v)
{
	return log_seq();
}

static void lg_cell(struct view *v, int row, int col, struct cell *out)
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
		out->role = e->level >= LOG_ERROR   ? ROLE_ERR
			    : e->level == LOG_WARN  ? ROLE_WARN
			    : e->level == LOG_AUDIT ? ROLE_MARK
						    : ROLE_DIM;
		break;
	case C_TEXT:
		snprintf(out->text, sizeof out->text, "%s", e->text);
		out->role = e->level >= LOG_ERROR ? ROLE_ERR : ROLE_NORMAL;
		break;
	}
}

static void lg_title(struct view *v, char *out, size_t n)
{
	const char *path = log_path();
	snprintf(out, n, "Log%s%s", path ? "  " : "", path ? path : "");
}

static void lg_empty(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "no messages yet");
}

static void lg_copy(struct view *v, int row, char *out, size_t n)
{
	const struct log_entry *e = log_get(row);
	if (e)
		snprintf(out, n, "%s", e->text);
}

/* One message, copied: the ring may drop it while it is on screen. */
struct message {
	int64_t wall_ms;
	enum log_level level;
	char *text;
};

static const struct view_ops message_view;

static int lg_open_message(struct view *v, int row)
{
	const struct log_entry *e = log_get(row);
	if (!e)
		return P_IGNORED;
	struct message *m = xcalloc(1, sizeof *m);
	m->wall_ms = e->wall_ms;
	m->level = e->level;
	m->text = xstrdup(e->text);
	if (!view_push(v->panel, &message_view, m)) {
		free(m->text);
		free(m);
	}
	return P_REDRAW;
}

static void msg_title(struct view *v, char *out, size_t n)
{
	struct message *m = v->priv;
	char when[16];
	fmt_clock(when, sizeof when, m->wall_ms);
	snprintf(out, n, "%s %s", when, log_level_name(m->level));
}

static bool msg_body(struct view *v, struct canvas *cv)
{
	struct message *m = v->priv;
	canvas_clear(cv, ROLE_NORMAL);
	canvas_wrap(cv, 1, 1, m->text, m->level >= LOG_ERROR ? ROLE_ERR : ROLE_NORMAL, 0);
	return true;
}

static void msg_copy(struct view *v, int row, char *out, size_t n)
{
	struct message *m = v->priv;
	snprintf(out, n, "%s", m->text);
}

static void msg_close(struct view *v)
{
	struct message *m = v->priv;
	free(m->text);
	free(m);
}

static const struct view_action message_actions[] = {
    {"copy", "y", "copy", NULL, 0, NULL},
};

static const struct view_ops message_view = {
    .name = "message",
    .title = msg_title,
    .copy_text = msg_copy,
    .body = msg_body,
    .close = msg_close,
    .actions = message_actions,
    .nactions = ARRAY_LEN(message_actions),
};

static const struct view_action log_actions[] = {
    {"open", "<Enter>", "read", "the whole message, wrapped", ACT_F_SELECTION, lg_open_message},
    {"filter", "/", "filter", NULL, 0, NULL},
    {"bottom", "G", "newest", NULL, 0, NULL},
    {"top", "g", "oldest", NULL, 0, NULL},
    {"copy", "y", "copy", NULL, 0, NULL},
};

static const struct view_ops messages_view = {
    .name = "messages",
    .title = lg_title,
    .columns = lg_columns,
    .nrows = lg_nrows,
    .cell = lg_cell,
    .generation = lg_generation,
    .empty_text = lg_empty,
    .copy_text = lg_copy,
    .actions = log_actions,
    .nactions = ARRAY_LEN(log_actions),
};

static void lg_open(struct panel *p)
{
	view_push(p, &messages_view, NULL);
}

static const struct view_ops *const log_views[] = {&messages_view, &message_view, NULL};

static const struct panel_ops log_ops = {
    .name = "log",
    .title = "Log",
    .digit = 9,
    .open = lg_open,
    .views = log_views,
};

struct panel log_panel = {.ops = &log_ops};
