/* panels/nodes_act.c — acting on nodes: `:run ACTION` (an [action NAME]
 * template, every value shell-quoted by lib/ssh/nodeact) and `:exec TARGET
 * COMMAND` (a node, a role or all). Both show the exact remote command per
 * node in the confirmation dialog (the dry run), then run in parallel on the
 * nodes' kept sessions; the out view gives each node its own pane with exit
 * status and duration, nodes that ran the same command with the same answer
 * sharing one ("worker-1,worker-2: exit 0", as dshbak -c). Refused under
 * --readonly; each node's run is recorded with log_audit. Never calls
 * libssh2: fleet does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/log.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "lib/ssh/nodeact.h"
#include "lib/ssh/sshc.h"
#include "panels/nodes.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/panel.h"

#define ACT_TIMEOUT_MS (10 * 60 * 1000)
/* What a pane keeps of output still coming: the last lines only (the
 * whole answer, capped by sshc, replaces it at the end). */
#define ACT_LIVE_BYTES (16 * 1024)

struct act_node {
	struct act_run *run;
	int node;
	char *cmd;     /* the exact remote command */
	char *refused; /* why it does not run here, or NULL */
	struct fleet_job *job;
	bool done;
	int exit_status;
	char *out, *errout;
	char why[256];
	long ms;
};

struct act_run {
	struct panel *panel;
	char what[160]; /* "run pull", "exec all" */
	struct act_node *v;
	int n, pending;
	int job_id;
	bool started;
};

static void run_free(struct act_run *r)
{
	for (int i = 0; i < r->n; i++) {
		struct act_node *a = &r->v[i];
		if (a->job)
			fleet_job_cancel(a->job);
		free(a->cmd);
		free(a->refused);
		free(a->out);
		free(a->errout);
	}
	if (r->pending)
		app_job_end(r->job_id);
	free(r->v);
	free(r);
}

static struct act_node *run_add(struct act_run *r, int node)
{
	r->v = xrealloc(r->v, (size_t)(r->n + 1) * sizeof *r->v);
	struct act_node *a = &r->v[r->n++];
	memset(a, 0, sizeof *a);
	a->run = r;
	a->node = node;
	return a;
}

static void job_done(const struct sshc_result *res, const struct mlc_err *err, long ms, void *arg)
{
	struct act_node *a = arg;
	struct act_run *r = a->run;
	struct fleet *f = nodes_fleet(r->panel);
	a->job = NULL;
	a->done = true;
	a->ms = ms;
	a->exit_status = res ? res->exit_status : -1;
	free(a->out);
	free(a->errout);
	a->out = xstrdup(res && res->out ? res->out : "");
	a->errout = xstrdup(res && res->err ? res->err : "");
	if (err && err->code)
		snprintf(a->why, sizeof a->why, "%s", err->msg);
	char result[300];
	if (a->why[0])
		snprintf(result, sizeof result, "failed after %ld ms: %s", ms, a->why);
	else
		snprintf(result, sizeof result, "exit %d in %ld ms", a->exit_status, ms);
	log_audit(f->nodes[a->node].t->name, a->cmd, result);
	if (--r->pending == 0)
		app_job_end(r->job_id);
	app_dirty();
}

/* The tail of text from a line start, at most ACT_LIVE_BYTES. */
static char *live_tail(const char *text, size_t len)
{
	const char *p = text;
	if (len > ACT_LIVE_BYTES) {
		p = text + len - ACT_LIVE_BYTES;
		const char *nl = memchr(p, '\n', (size_t)(text + len - p));
		if (nl)
			p = nl + 1;
	}
	return xstrndup(p, (size_t)(text + len - p));
}

/* Output as it comes: the pane shows it at once (sanitized when drawn). */
static void job_output(const char *out, size_t out_len, const char *err, size_t err_len, void *arg)
{
	struct act_node *a = arg;
	free(a->out);
	free(a->errout);
	a->out = live_tail(out, out_len);
	a->errout = live_tail(err, err_len);
	app_dirty();
}

static void run_start(struct act_run *r)
{
	struct fleet *f = nodes_fleet(r->panel);
	r->started = true;
	for (int i = 0; i < r->n; i++)
		r->pending += r->v[i].refused == NULL;
	if (r->pending)
		r->job_id = app_job_begin(r->what);
	if (!view_push(r->panel, &nodes_out_view, r)) {
		r->pending = 0;
		run_free(r);
		return;
	}
	for (int i = 0; i < r->n; i++) {
		struct act_node *a = &r->v[i];
		if (!a->refused) {
			a->job = fleet_exec(f, a->node, a->cmd, ACT_TIMEOUT_MS, job_done, a);
			fleet_job_on_output(a->job, job_output, a);
		}
	}
}

static void confirmed(void *arg, bool yes)
{
	struct act_run *r = arg;
	if (yes)
		run_start(r);
	else
		run_free(r);
}

/* The dry run in the dialog: every node's exact command, then asks. */
static void run_ask(struct act_run *r, bool confirm)
{
	if (!confirm) {
		run_start(r);
		return;
	}
	struct fleet *f = nodes_fleet(r->panel);
	char lines[8][300];
	struct dialog d = {.title = r->what, .done = confirmed, .arg = r};
	int k = 0, runs = 0;
	for (int i = 0; i < r->n; i++) {
		runs += !r->v[i].refused;
		if (k == 7 && r->n > 8) {
			snprintf(lines[k], sizeof lines[k], "… and %d more nodes", r->n - 7);
			d.lines[k] = lines[k];
			k++;
		}
		if (k >= 8)
			continue;
		char raw[600];
		snprintf(raw, sizeof raw, "%s: %s", f->nodes[r->v[i].node].t->name,
			 r->v[i].refused ? r->v[i].refused : r->v[i].cmd);
		san_into(lines[k], sizeof lines[k], raw, strlen(raw));
		d.lines[k] = lines[k];
		k++;
	}
	char action[64];
	snprintf(action, sizeof action, "run on %d node%s", runs, runs == 1 ? "" : "s");
	d.action = action;
	app_confirm(&d);
}

static bool refuse_readonly(const char *what)
{
	if (!app_readonly())
		return false;
	app_message(ROLE_ERR, "read-only mode: %s is disabled (--readonly or readonly = true)",
		    what);
	return true;
}

int nodes_cmd_run(struct panel *p, const char *args)
{
	if (refuse_readonly("run"))
		return -1;
	char name[128];
	if (sscanf(args, "%127s", name) != 1) {
		app_message(ROLE_ERR, "usage: :run ACTION");
		return -1;
	}
	const struct config *c = app_config();
	struct nodeact a;
	struct mlc_err e;
	if (nodeact_find(c, name, &a, &e) < 0) {
		app_message(ROLE_ERR, "%s", e.msg);
		return -1;
	}
	struct fleet *f = nodes_fleet(p);
	struct act_run *r = xcalloc(1, sizeof *r);
	r->panel = p;
	snprintf(r->what, sizeof r->what, "run %s on %s", a.name, a.on);
	const char *head = nodeact_head_ip(c);
	for (int i = 0; i < f->n; i++) {
		const struct target *t = f->nodes[i].t;
		if (!nodeact_selects(a.on, t))
			continue;
		struct act_node *an = run_add(r, i);
		struct nodeact_vars vars = {t->name, t->host, head, t->port};
		struct buf b;
		buf_init(&b);
		if (nodeact_expand(a.command, &vars, a.cs, &b, &e) < 0) {
			an->refused = xasprintf("refused: %s", e.msg);
			buf_free(&b);
		} else {
			an->cmd = buf_steal(&b);
		}
	}
	if (!r->n) {
		app_message(ROLE_ERR, "run %s: no node is %s", a.name, a.on);
		run_free(r);
		return -1;
	}
	run_ask(r, a.confirm);
	return 0;
}

int nodes_exec_on(struct panel *p, const char *target, const char *command)
{
	if (refuse_readonly("exec"))
		return -1;
	struct fleet *f = nodes_fleet(p);
	struct act_run *r = xcalloc(1, sizeof *r);
	r->panel = p;
	snprintf(r->what, sizeof r->what, "exec on %s", target);
	for (int i = 0; i < f->n; i++)
		if (nodeact_selects(target, f->nodes[i].t))
			run_add(r, i)->cmd = xstrdup(command);
	if (!r->n) {
		app_message(ROLE_ERR, "exec: no node, role or 'all' is called %s", target);
		run_free(r);
		return -1;
	}
	run_ask(r, true);
	return 0;
}

/* S: the system ssh to node i in the terminal, the console suspended until
 * it exits. Not a mutation of the console's own (the operator types in a
 * real shell), so --readonly does not refuse it; it is logged. */
int nodes_shell(struct panel *p, int i)
{
	const struct target *t = nodes_fleet(p)->nodes[i].t;
	struct mlc_err e;
	char **argv = nodeact_shell_argv(t, &e);
	if (!argv) {
		app_message(ROLE_ERR, "%s", e.msg);
		return P_REDRAW;
	}
	struct buf line;
	buf_init(&line);
	for (char **a = argv; *a; a++)
		buf_printf(&line, "%s%s", a == argv ? "" : " ", *a);
	buf_append(&line, "", 1);
	log_info("shell on %s: %s", t->name, line.data);
	int rc = app_run_foreground(argv);
	log_info("shell on %s: exit %d", t->name, rc);
	char *name = san_str(t->name);
	if (rc < 0)
		app_message(ROLE_ERR, "shell on %s: cannot start ssh", name);
	else if (rc == 127)
		app_message(ROLE_ERR, "shell on %s: ssh not found (exit 127)", name);
	else
		app_message(rc ? ROLE_WARN : ROLE_OK, "shell on %s ended: exit %d", name, rc);
	free(name);
	buf_free(&line);
	strv_free(argv);
	return P_REDRAW;
}

int nodes_cmd_exec(struct panel *p, const char *args)
{
	char target[128];
	int off = 0;
	if (sscanf(args, "%127s %n", target, &off) != 1 || !off || !args[off]) {
		app_message(ROLE_ERR, "usage: :exec TARGET COMMAND");
		return -1;
	}
	return nodes_exec_on(p, target, args + off);
}

/* ---- the out view: one pane per node ---- */

static void pane_title(const struct act_node *a, const char *name, char *out, size_t n,
		       enum role *role)
{
	char dur[32];
	fmt_latency(dur, sizeof dur, a->ms);
	if (a->refused) {
		snprintf(out, n, " %s: not run ", name);
		*role = ROLE_WARN;
	} else if (!a->done) {
		snprintf(out, n, " %s: running %s ", name, canvas_spinner());
		*role = ROLE_DIM;
	} else if (a->why[0]) {
		snprintf(out, n, " %s: failed after%8s ", name, dur);
		*role = ROLE_ERR;
	} else {
		/* fixed width: the screen tests' normalizer sees one shape */
		snprintf(out, n, " %s: exit %d in%8s ", name, a->exit_status, dur);
		*role = a->exit_status == 0 ? ROLE_OK : ROLE_ERR;
	}
}

/* The last rows of text that fit from row y to y+h in box. */
static int pane_text(const struct canvas *box, int y, int h, const char *text, enum role role)
{
	int lines = 0;
	for (const char *p = text; p && *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0))
		lines++;
	int skip = lines > h ? lines - h : 0, row = 0;
	for (const char *p = text; p && *p && row - skip < h;) {
		size_t len = strcspn(p, "\n");
		if (row >= skip) {
			char *s = san_dup(p, len);
			canvas_text(box, y + row - skip, 2, s, role, box->w - 4);
			free(s);
		}
		row++;
		p += len + (p[len] == '\n');
	}
	return row - skip;
}

static void pane_draw(const struct canvas *box, const struct act_node *a, const char *name)
{
	char title[200];
	enum role role;
	pane_title(a, name, title, sizeof title, &role);
	canvas_frame(box, ROLE_DIM);
	char *t = san_str(title);
	canvas_text(box, 0, 2, t, role, box->w - 4);
	free(t);
	char *cmd = san_str(a->refused ? a->refused : a->cmd);
	canvas_text(box, 1, 2, "$ ", ROLE_DIM, 2);
	canvas_text(box, 1, 4, cmd, a->refused ? ROLE_WARN : ROLE_DIM, box->w - 6);
	free(cmd);
	int room = box->h - 3, y = 2;
	if (a->why[0] && room > 0) {
		y += pane_text(box, y, 1, a->why, ROLE_ERR);
		room--;
	}
	int err_rows = a->errout && a->errout[0] ? (room > 2 ? room / 3 : 1) : 0;
	y += pane_text(box, y, room - err_rows, a->out, ROLE_NORMAL);
	pane_text(box, y, err_rows, a->errout, ROLE_WARN);
}

/* Whether b ran the same command and answered exactly like a (dshbak -c):
 * their panes become one. */
static bool same_answer(const struct act_node *a, const struct act_node *b)
{
	return a->done && b->done && !a->refused && !b->refused && !strcmp(a->cmd, b->cmd) &&
	       a->exit_status == b->exit_status && !strcmp(a->why, b->why) &&
	       !strcmp(a->out, b->out) && !strcmp(a->errout, b->errout);
}

/* lead[i]: the first node whose answer i shares (i itself when none);
 * names[i] of a leader: "gpu-1,gpu-2". Returns the number of panes. */
static int group_panes(struct act_run *r, struct fleet *f, int *lead, char (*names)[256])
{
	int panes = 0;
	for (int i = 0; i < r->n; i++) {
		lead[i] = i;
		for (int k = 0; k < i; k++)
			if (lead[k] == k && same_answer(&r->v[k], &r->v[i])) {
				lead[i] = k;
				break;
			}
		const char *name = f->nodes[r->v[i].node].t->name;
		if (lead[i] == i) {
			snprintf(names[i], sizeof names[i], "%s", name);
			panes++;
		} else {
			size_t len = strlen(names[lead[i]]);
			snprintf(names[lead[i]] + len, sizeof names[0] - len, ",%s", name);
		}
	}
	return panes;
}

static bool out_body(struct view *v, struct canvas *cv)
{
	struct act_run *r = v->priv;
	struct fleet *f = nodes_fleet(v->panel);
	canvas_clear(cv, ROLE_NORMAL);
	int *lead = xcalloc((size_t)r->n, sizeof *lead);
	char(*names)[256] = xcalloc((size_t)r->n, sizeof *names);
	int panes = group_panes(r, f, lead, names);
	int per = cv->h / panes;
	if (per < 4)
		per = 4;
	for (int i = 0, y = 0, k = 0; i < r->n && y < cv->h; i++) {
		if (lead[i] != i)
			continue;
		int h = ++k == panes || y + per > cv->h ? cv->h - y : per;
		if (h < 3)
			break;
		struct canvas box = {cv->y + y, cv->x, h, cv->w};
		pane_draw(&box, &r->v[i], names[i]);
		y += per;
	}
	free(lead);
	free(names);
	return true;
}

static void out_title(struct view *v, char *out, size_t n)
{
	struct act_run *r = v->priv;
	san_into(out, n, r->what, strlen(r->what));
}

static void out_status(struct view *v, char *out, size_t n)
{
	struct act_run *r = v->priv;
	int ok = 0, failed = 0;
	for (int i = 0; i < r->n; i++)
		if (r->v[i].done) {
			if (r->v[i].why[0] || r->v[i].exit_status)
				failed++;
			else
				ok++;
		}
	snprintf(out, n, "%d ok, %d failed, %d running", ok, failed, r->pending);
}

static void out_copy(struct view *v, int row, char *out, size_t n)
{
	struct act_run *r = v->priv;
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < r->n; i++)
		buf_printf(&b, "== %s ==\n%s%s", nodes_fleet(v->panel)->nodes[r->v[i].node].t->name,
			   r->v[i].out ? r->v[i].out : "", r->v[i].errout ? r->v[i].errout : "");
	buf_append(&b, "", 1);
	san_into(out, n, b.data, strlen(b.data));
	buf_free(&b);
}

static void out_close(struct view *v)
{
	run_free(v->priv);
}

static const struct view_action out_actions[] = {
    {"copy", "y", "copy", NULL, 0, NULL},
};

const struct view_ops nodes_out_view = {
    .name = "output",
    .title = out_title,
    .body = out_body,
    .status = out_status,
    .copy_text = out_copy,
    .close = out_close,
    .actions = out_actions,
    .nactions = ARRAY_LEN(out_actions),
};
