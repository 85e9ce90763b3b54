/* tui/cmd.h — `:` commands as one table, as tmux's cmd_entry: name, alias,
 * argument spec, usage, help and handler. The shell's own commands live in
 * tui/cmd.c; each panel registers its own (panel_ops.cmds). Help and Tab
 * completion (names, and arguments: panel and theme names, action names
 * for :bind, or whatever the command's complete hook offers) are generated
 * from these tables, so the prompt, the help screen and the dispatcher
 * cannot disagree. The command line keeps a history (Up/Down) in
 * $XDG_STATE_HOME/mlconsole/history. */
#ifndef MLC_CMD_H
#define MLC_CMD_H

#include <stdbool.h>
#include <stddef.h>

struct panel;

/* Candidates for completion: up to 256, each copied. */
struct cmd_cands {
	char *v[256];
	int n;
};
void cmd_cand_add(struct cmd_cands *c, const char *s);

/* What the argument completes to, when not the command's own hook. */
enum cmd_arg {
	CMD_ARG_NONE,
	CMD_ARG_TEXT,	/* free text: no completion */
	CMD_ARG_THEME,	/* a theme name */
	CMD_ARG_PANEL,	/* a panel name */
	CMD_ARG_BIND,	/* KEY then an action name */
	CMD_ARG_COLUMN, /* a column number of the current view */
};

/* One command. run gets the panel that owns the command (NULL for the
 * shell's own) and the text after the name ("" when none); it returns 0, or
 * -1 after saying why with app_message. complete, when set, adds argument
 * candidates for the word being typed (args is what precedes it). */
struct cmd_entry {
	const char *name;  /* "runs" */
	const char *alias; /* "q" for quit; NULL */
	const char *args;  /* usage of the arguments: "NAME", "[N [desc]]", "" */
	const char *help;  /* "list the runs of experiment NAME" */
	enum cmd_arg arg;
	int (*run)(struct panel *p, const char *args);
	void (*complete)(struct panel *p, const char *args, const char *word,
			 struct cmd_cands *out);
};

/* Runs a command line ("runs churn", "sort 3 desc"). Returns 0, or -1 after
 * showing why on the status line. */
int cmd_run(const char *line);
/* Completes the command line in buf (len bytes, room for cap) in place:
 * a unique candidate is inserted (with a space after a whole word); several
 * are extended to their common prefix and listed on the status line. */
void cmd_complete(char *buf, size_t *len, size_t cap);
/* The shell's own table, and how many. */
const struct cmd_entry *cmd_table(int *n);

/* History: loaded once at start, appended as commands run. */
void cmd_history_load(void);
/* Records a line typed at the prompt (not an empty one, nor one that
 * repeats the newest). */
void cmd_history_add(const char *line);
/* The entry `back` steps behind the newest (1 = newest), or NULL. */
const char *cmd_history_get(int back);
int cmd_history_count(void);
void cmd_history_free(void);

#endif
