/* tui/dialog.c — the confirm dialog every mutation goes through: a framed
 * box naming the target and the exact action; only y confirms. Owns copies
 * of the dialog's strings. */
#include <string.h>

#include "app_int.h"
#include "canvas.h"
#include "glyph.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"

void app_confirm(const struct dialog *d)
{
	memset(&A.dlg, 0, sizeof A.dlg);
	strlcpy_m(A.dlg.title, d->title, sizeof A.dlg.title);
	for (int i = 0; i < 8 && d->lines[i]; i++)
		strlcpy_m(A.dlg.lines[A.dlg.nlines++], d->lines[i], sizeof A.dlg.lines[0]);
	strlcpy_m(A.dlg.action, d->action, sizeof A.dlg.action);
	A.dlg.done = d->done;
	A.dlg.arg = d->arg;
	A.dlg.owner = cur_view();
	A.mode = MODE_DIALOG;
	A.dirty = true;
}

void dialog_close(bool confirmed)
{
	A.mode = MODE_NORMAL;
	A.dirty = true;
	if (A.dlg.done)
		A.dlg.done(A.dlg.arg, confirmed);
}

void questions_drop(struct view *v)
{
	if (A.mode == MODE_DIALOG && A.dlg.owner == v) {
		A.mode = MODE_NORMAL;
		A.dlg.done = NULL;
		A.dirty = true;
	}
	if (A.input_owner == v && A.input_cb) {
		if (A.mode == MODE_PROMPT && A.prompt_kind == 'i')
			A.mode = MODE_NORMAL;
		A.input_cb = NULL;
		A.input_arg = NULL;
		A.dirty = true;
	}
	if (A.dlg.owner == v)
		A.dlg.owner = NULL;
	if (A.input_owner == v)
		A.input_owner = NULL;
}

/* Only an explicit y confirms; everything else that answers cancels. */
void dialog_key(int key)
{
	if (key == 'y' || key == 'Y')
		dialog_close(true);
	else if (key == 'n' || key == 'N' || key == 27 || key == 'q' || key == '\n' ||
		 key == '\r' || key == KEY_ENTER)
		dialog_close(false);
}

/* A framed box centred on the body: title, lines, and the two answers. */
void dialog_draw(const struct canvas *body)
{
	int w = 0;
	for (int i = 0; i < A.dlg.nlines; i++)
		w = MLC_MAX(w, san_width(A.dlg.lines[i]));
	w = MLC_MAX(w, san_width(A.dlg.title) + 4);
	char answers[160];
	snprintf(answers, sizeof answers, "y %s    n cancel", A.dlg.action);
	w = MLC_MAX(w, san_width(answers));
	w = MLC_MIN(w + 4, body->w - 2);
	int h = MLC_MIN(A.dlg.nlines + 4, body->h);
	struct canvas box = {body->y + (body->h - h) / 2, body->x + (body->w - w) / 2, h, w};
	canvas_clear(&box, ROLE_DIALOG);
	canvas_frame(&box, ROLE_DIALOG);
	char t[160];
	snprintf(t, sizeof t, " %s ", A.dlg.title);
	canvas_text(&box, 0, 2, t, ROLE_DIALOG, w - 4);
	for (int i = 0; i < A.dlg.nlines && i + 1 < h - 2; i++)
		canvas_text(&box, 1 + i, 2, A.dlg.lines[i], ROLE_DIALOG, w - 4);
	canvas_text(&box, h - 2, 2, answers, ROLE_DIALOG, w - 4);
}
