/* tui/script.c — the headless driver (--script FILE): each line is keys
 * ("j j <Enter>"), a `:command`, a `/TEXT` filter typed as it stands (no
 * space after the slash; "/ a b" is keys), or a
 * `"TEXT` typed byte by byte into whatever is open, or `&KEYS`: keys that
 * start a job (a transfer) left running in the background. Before each line
 * the loop runs until nothing is in flight but those background jobs (no
 * sleeps), and after it the screen is drawn, so `:save-display` writes
 * what a user would see. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "cmd.h"
#include "keys.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"

/* Runs the loop until nothing is in flight: first one non-blocking turn so
 * that timers due now (the first polls) start, then until the busy count is
 * back to zero. */
/* In-flight units the `&` lines started, still counted while their jobs
 * run (never more than the app's jobs: one that ended is waited on no more). */
static int background;

static void wait_idle(void)
{
	uv_run(loop_get(), UV_RUN_NOWAIT);
	int bg = MLC_MIN(background, A.njobs);
	if (bg > 0) {
		/* the loop never empties: one event at a time until only the
		 * background jobs are left */
		while (loop_busy() > bg && !A.quit)
			uv_run(loop_get(), UV_RUN_ONCE);
		return;
	}
	loop_stop_when_idle(true);
	while (loop_busy() > 0 && !A.quit)
		uv_run(loop_get(), UV_RUN_DEFAULT);
	loop_stop_when_idle(false);
}

static void type_text(const char *s)
{
	for (const char *c = s; *c && !A.quit; c++)
		dispatch_key((unsigned char)*c);
	wait_idle();
}

/* Keys by name, each followed by a wait; returns 0 or -1 (unknown name).
 * In the background (`&KEYS`) they are pressed without waiting, and what
 * they left in flight is waited on no more. */
static int press_keys(const char *path, int lineno, const char *s, bool bg)
{
	int rc = 0, before = loop_busy();
	char **keys = strv_split(s, NULL);
	for (char **k = keys; *k && !A.quit; k++) {
		int key = keys_parse(*k);
		if (key < 0) {
			fprintf(stderr, "%s:%d: unknown key name '%s'\n", path, lineno, *k);
			rc = -1;
			continue;
		}
		dispatch_key(key);
		if (bg)
			uv_run(loop_get(), UV_RUN_NOWAIT);
		else
			wait_idle();
	}
	strv_free(keys);
	if (bg && loop_busy() > before)
		background += loop_busy() - before;
	return rc;
}

int script_run(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "mlconsole: %s: %s\n", path, strerror(errno));
		return 2;
	}
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, failed = 0;
	while (!A.quit && getline(&line, &cap, f) >= 0) {
		lineno++;
		char *s = str_trim(line);
		if (!*s || *s == '#')
			continue;
		wait_idle();
		if (*s == '"') {
			type_text(s + 1);
		} else if (*s == '/' && s[1] && s[1] != ' ') {
			/* /TEXT filters like typing it: the key, the text, Enter */
			dispatch_key('/');
			type_text(s + 1);
			dispatch_key('\n');
			wait_idle();
		} else if (*s == ':') {
			if (cmd_run(s + 1) < 0) {
				fprintf(stderr, "%s:%d: %s failed: %s\n", path, lineno, s, A.msg);
				failed = 1;
			}
		} else if (press_keys(path, lineno, *s == '&' ? s + 1 : s, *s == '&') < 0) {
			failed = 1;
		}
		app_draw();
	}
	free(line);
	fclose(f);
	return failed;
}
