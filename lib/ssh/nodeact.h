/* lib/ssh/nodeact.h — [action NAME] sections and command templates for the
 * Nodes panel: which nodes an action (or :exec TARGET) is for, and the
 * exact remote command per node, every substituted value shell-quoted with
 * sshc_quote_arg so that `;`, `$(…)`, backticks and quotes arrive as one
 * literal argument (a value holding a newline, CR or NUL is refused). Pure:
 * no I/O. */
#ifndef MLC_NODEACT_H
#define MLC_NODEACT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/core/config.h"
#include "lib/core/err.h"

struct buf;

/* One [action NAME]: command = TEMPLATE, on = ROLE|NODE|all (several,
 * space-separated; default all), confirm = true|false (default true); any
 * other key is a value the template may name ({image}). Borrows cs. */
struct nodeact {
	const char *name;
	const char *command;
	const char *on; /* "all" when the section leaves it out */
	bool confirm;
	const struct config_section *cs;
};
/* Reads cs; an error names cs->origin ("FILE:LINE: [action x]: …"). */
int nodeact_read(const struct config_section *cs, struct nodeact *a, struct mlc_err *err);
/* The [action NAME] of c, read into a; -MLC_ERR_NOTFOUND when none. */
int nodeact_find(const struct config *c, const char *name, struct nodeact *a, struct mlc_err *err);

/* Whether node t is named by on ("all", its name, or one of its roles;
 * several words: any of them). */
bool nodeact_selects(const char *on, const struct target *t);

/* What a template may name besides the action's own values. */
struct nodeact_vars {
	const char *node;    /* {node}: the node's name */
	const char *host;    /* {host} */
	const char *head_ip; /* {head_ip}: host of the ray-head node; NULL: none */
	int port;	     /* {port} */
};
/* The host of the first node with role ray-head (or head), or NULL. */
const char *nodeact_head_ip(const struct config *c);
/* Expands tmpl into out: {name} becomes the value shell-quoted, "{{" and
 * "}}" a brace. cs (may be NULL) supplies the action's values. Errors: an
 * unknown or unset name, an unclosed brace, a value holding a newline, CR
 * or NUL ("{image}: holds a newline: refused"). */
int nodeact_expand(const char *tmpl, const struct nodeact_vars *v, const struct config_section *cs,
		   struct buf *out, struct mlc_err *err);

/* The system ssh's argv for an interactive shell on t, the way the console
 * connects: -p, -l, -i, -o UserKnownHostsFile=, -o StrictHostKeyChecking=
 * accept-new when accept_new, -J for a jump host, then -- and the host.
 * Nothing secret goes in (the agent and key files do the login). NULL, with
 * err, for a value ssh would take as an option (a leading '-') or one
 * holding a control character. strv_free the result. */
char **nodeact_shell_argv(const struct target *t, struct mlc_err *err);

#endif
