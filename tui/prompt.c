/* tui/prompt.c — the one-line editor on the message line: `:` commands
 * (Tab completes, Up/Down walk the history), `/` filters as you type, and
 * app_input's questions ("download to: "). Owns the text being typed. */
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "canvas.h"
#include "cmd.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"

void prompt_open(char kind)
{
	A.mode = MODE_PROMPT;
	A.prompt_kind = kind;
	A.prompt_len = 0;
	A.prompt[0] = '\0';
	A.hist_pos = 0;
	struct table *t = cur_table();
	if (kind == '/' && t->filter[0]) {
		A.prompt_len = strlen(t->filter);
		memcpy(A.prompt, t->filter, A.prompt_len + 1);
	}
}

/* Ends an app_input: the callback runs after the state is cleared, so it
 * may open another input or a dialog. */
void input_finish(const char *text)
{
	app_input_cb cb = A.input_cb;
	void *arg = A.input_arg;
	A.input_cb = NULL;
	A.input_arg = NULL;
	A.dirty = true;
	if (cb)
		cb(arg, text);
}

void app_input(const char *prompt, const char *initial, app_input_cb done, void *arg)
{
	if (A.mode == MODE_PROMPT && A.prompt_kind == 'i')
		input_finish(NULL);
	A.mode = MODE_PROMPT;
	A.prompt_kind = 'i';
	san_into(A.input_label, sizeof A.input_label, prompt, strlen(prompt));
	strlcpy_m(A.prompt, initial ? initial : "", sizeof A.prompt);
	A.prompt_len = strlen(A.prompt);
	A.input_cb = done;
	A.input_arg = arg;
	A.input_owner = cur_view();
	A.dirty = true;
}

/* Up (+1) and Down (-1) in the `:` prompt: older and newer commands; below
 * the newest, the line that was being typed. */
static void history_step(int dir)
{
	int pos = A.hist_pos + dir;
	if (pos < 0 || pos > cmd_history_count())
		return;
	if (A.hist_pos == 0) {
		A.prompt[A.prompt_len] = '\0';
		strlcpy_m(A.hist_saved, A.prompt, sizeof A.hist_saved);
	}
	A.hist_pos = pos;
	const char *s = pos ? cmd_history_get(pos) : A.hist_saved;
	strlcpy_m(A.prompt, s ? s : "", sizeof A.prompt);
	A.prompt_len = strlen(A.prompt);
}

static void prompt_enter(void)
{
	A.prompt[A.prompt_len] = '\0';
	A.mode = MODE_NORMAL;
	if (A.prompt_kind == 'i') {
		char text[sizeof A.prompt];
		memcpy(text, A.prompt, sizeof text);
		input_finish(text);
	} else if (A.prompt_kind == ':') {
		char line[sizeof A.prompt];
		memcpy(line, A.prompt, sizeof line);
		cmd_history_add(line);
		cmd_run(line);
	} else {
		table_set_filter(cur_table(), A.prompt);
	}
}

void prompt_key(int key)
{
	if (key == 27) {
		A.mode = MODE_NORMAL;
		if (A.prompt_kind == '/')
			table_set_filter(cur_table(), "");
		if (A.prompt_kind == 'i')
			input_finish(NULL);
		return;
	}
	if (key == '\n' || key == '\r' || key == KEY_ENTER) {
		prompt_enter();
		return;
	}
	if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (A.prompt_len == 0) {
			if (A.prompt_kind != 'i')
				A.mode = MODE_NORMAL;
			return;
		}
		/* Remove a whole UTF-8 character. */
		do
			A.prompt_len--;
		while (A.prompt_len > 0 && (A.prompt[A.prompt_len] & 0xC0) == 0x80);
	} else if (key == '\t' && A.prompt_kind == ':') {
		cmd_complete(A.prompt, &A.prompt_len, sizeof A.prompt);
	} else if ((key == KEY_UP || key == KEY_DOWN) && A.prompt_kind == ':') {
		history_step(key == KEY_UP ? 1 : -1);
	} else if (key == 21) { /* C-u */
		A.prompt_len = 0;
	} else if (key >= 32 && key < 256 && key != 127 && A.prompt_len + 1 < sizeof A.prompt) {
		A.prompt[A.prompt_len++] = (char)key;
	}
	A.prompt[A.prompt_len] = '\0';
	if (A.prompt_kind == '/')
		table_set_filter(cur_table(), A.prompt); /* filter as you type */
}

void prompt_draw(const struct canvas *scr, int y)
{
	char line[400];
	if (A.prompt_kind == 'i') {
		size_t ll = strlen(A.input_label);
		bool sep = ll && A.input_label[ll - 1] != ' ';
		snprintf(line, sizeof line, "%s%s%.*s", A.input_label, sep ? " " : "",
			 (int)A.prompt_len, A.prompt);
	} else {
		snprintf(line, sizeof line, "%c%.*s", A.prompt_kind, (int)A.prompt_len, A.prompt);
	}
	char *sl = san_str(line);
	int w = canvas_text(scr, y, 0, sl, ROLE_NORMAL, 0);
	free(sl);
	curs_set(1);
	A.cursor_x = w < scr->w ? w : scr->w - 1;
}
