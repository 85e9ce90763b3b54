/* lib/ssh/nodeplan.c — [plan NAME] read into steps, and the runner: one
 * step at a time, an action's nodes in parallel on the fleet's sessions,
 * a gate re-polled every half second until it holds or times out; stops
 * at the first failure. Never blocks. */
#include "lib/ssh/nodeplan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/ssh/nodeact.h"
#include "lib/ssh/nodegate.h"
#include "lib/ssh/sshc.h"

#define POLL_MS 500
#define WAIT_FORMS                                                                                 \
	"'TIMEOUT ray N', 'TIMEOUT on NODE COMMAND', 'TIMEOUT tcp HOST:PORT' or 'TIMEOUT "         \
	"http URL'"

static int parse_wait(struct plan_step *s, const char *v, const char *origin, struct mlc_err *err)
{
	char dur[32], what[16];
	int off = 0;
	if (sscanf(v, "%31s %15s %n", dur, what, &off) != 2 || !off ||
	    (s->timeout_ms = parse_duration_ms(dur)) < 100)
		return mlc_err_set(err, MLC_ERR_CONFIG, 0, "%s: wait = %s: expected " WAIT_FORMS,
				   origin, v);
	if (!strcmp(what, "ray") && sscanf(v + off, "%d", &s->want_alive) == 1 &&
	    s->want_alive > 0) {
		s->kind = PK_WAIT_RAY;
		return 0;
	}
	char host[256];
	int port;
	if (!strcmp(what, "tcp") && nodegate_hostport(v + off, host, sizeof host, &port) == 0) {
		s->kind = PK_WAIT_TCP;
		snprintf(s->command, sizeof s->command, "%s", v + off);
		return 0;
	}
	if (!strcmp(what, "http") &&
	    (str_starts(v + off, "http://") || str_starts(v + off, "https://")) &&
	    !strpbrk(v + off, " \t")) {
		s->kind = PK_WAIT_HTTP;
		snprintf(s->command, sizeof s->command, "%s", v + off);
		return 0;
	}
	int off2 = 0;
	if (!strcmp(what, "on") && sscanf(v + off, "%63s %n", s->node, &off2) == 1 && off2 &&
	    v[off + off2]) {
		s->kind = PK_WAIT_CMD;
		snprintf(s->command, sizeof s->command, "%s", v + off + off2);
		return 0;
	}
	return mlc_err_set(err, MLC_ERR_CONFIG, 0, "%s: wait = %s: expected " WAIT_FORMS, origin,
			   v);
}

int nodeplan_read(const struct config *c, const char *name, struct plan_step **steps, int *n,
		  struct mlc_err *err)
{
	const struct config_section *cs = NULL;
	for (size_t i = 0; i < c->nsections; i++)
		if (!strcmp(c->sections[i].kind, "plan") && !strcmp(c->sections[i].name, name))
			cs = &c->sections[i];
	if (!cs)
		return mlc_err_set(err, MLC_ERR_NOTFOUND, 0, "no [plan %s] in the configuration",
				   name);
	*steps = xcalloc(cs->n + 1, sizeof **steps);
	*n = 0;
	for (size_t i = 0; i < cs->n; i++) {
		struct plan_step *s = &(*steps)[*n];
		const char *k = cs->keys[i], *v = cs->vals[i];
		int rc = 0;
		if (!strcmp(k, "run")) {
			struct nodeact a;
			s->kind = PK_RUN;
			snprintf(s->action, sizeof s->action, "%s", v);
			rc = nodeact_find(c, v, &a, err);
		} else if (!strcmp(k, "wait")) {
			rc = parse_wait(s, v, cs->origin, err);
		} else {
			rc = mlc_err_set(err, MLC_ERR_CONFIG, 0,
					 "%s: [plan %s]: unknown key '%s' (run or wait)",
					 cs->origin, name, k);
		}
		if (rc < 0) {
			free(*steps);
			*steps = NULL;
			return rc;
		}
		snprintf(s->text, sizeof s->text, "%s %s", k, v);
		(*n)++;
	}
	if (!*n) {
		free(*steps);
		*steps = NULL;
		return mlc_err_set(err, MLC_ERR_CONFIG, 0, "%s: [plan %s] has no steps", cs->origin,
				   name);
	}
	return 0;
}

struct plan_job {
	struct plan_run *r;
	int node;
	struct fleet_job *job;
};

struct plan_run {
	struct fleet *f;
	struct plan_step *steps;
	int n, cur;
	struct plan_job *jobs; /* the running step's, one per node */
	int njobs, pending;
	bool failed_now;
	int gi;			 /* the gate step polled: cur, or past it in a pre-check */
	bool pre;		 /* pre-check: do the gates after the run step cur hold? */
	struct nodegate *gate;	 /* a TCP or HTTP check in flight */
	int gate_exit;		 /* the last answer's exit status of a gate over SSH */
	struct nodeplan_ray ray; /* start NULL: ray gates over SSH */
	void *ray_h;		 /* a Ray client request in flight */
	uv_timer_t *timer;
	bool busy; /* holds one loop_busy count while a step runs */
	plan_changed_cb changed;
	void *arg;
};

static void step_begin(struct plan_run *r);

static void set_busy(struct plan_run *r, bool on)
{
	if (on != r->busy) {
		r->busy = on;
		if (on)
			loop_busy_inc();
		else
			loop_busy_dec();
	}
}

static void notify(struct plan_run *r)
{
	if (r->changed)
		r->changed(r->arg);
}

static void step_end(struct plan_run *r, bool ok, const char *output, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void step_end(struct plan_run *r, bool ok, const char *output, const char *fmt, ...)
{
	struct plan_step *s = &r->steps[r->cur];
	s->state = ok ? PL_OK : PL_FAILED;
	s->end_ms = mono_ms();
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof s->msg, fmt, ap);
	va_end(ap);
	free(s->output);
	s->output = output ? xstrdup(output) : NULL;
	log_info("plan step '%s': %s%s%s", s->text, ok ? "ok" : "failed", s->msg[0] ? ": " : "",
		 s->msg);
	if (ok && r->cur + 1 < r->n) {
		r->cur++;
		step_begin(r);
	} else {
		set_busy(r, false);
	}
	notify(r);
}

/* A running step's output as it comes: its last line, with the node's
 * name, stands in the step's message until the step ends. */
static void run_job_output(const char *out, size_t out_len, const char *err, size_t err_len,
			   void *arg)
{
	struct plan_job *j = arg;
	struct plan_run *r = j->r;
	struct plan_step *s = &r->steps[r->cur];
	const char *text = out_len ? out : err;
	size_t len = out_len ? out_len : err_len;
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	const char *nl = len ? memrchr(text, '\n', len) : NULL;
	const char *line = nl ? nl + 1 : text;
	if (r->failed_now || !len)
		return;
	snprintf(s->msg, sizeof s->msg, "%.60s: %.*s", r->f->nodes[j->node].t->name,
		 (int)MLC_MIN(len - (size_t)(line - text), 180), line);
	notify(r);
}

static void cell_begin(struct plan_step *s, int node)
{
	s->cells[node].state = PC_RUNNING;
	s->cells[node].start_ms = mono_ms();
	s->cells[node].end_ms = 0;
}

/* status 0: ok; anything else failed (-1: no exit status). */
static void cell_end(struct plan_step *s, int node, int status)
{
	s->cells[node].state = status == 0 ? PC_OK : PC_FAILED;
	s->cells[node].exit_status = status;
	s->cells[node].end_ms = mono_ms();
}

static void run_job_done(const struct sshc_result *res, const struct mlc_err *err, long ms,
			 void *arg)
{
	struct plan_job *j = arg;
	struct plan_run *r = j->r;
	struct plan_step *s = &r->steps[r->cur];
	const char *name = r->f->nodes[j->node].t->name;
	j->job = NULL;
	r->pending--;
	cell_end(s, j->node, res ? res->exit_status : -1);
	char result[300];
	if (!res)
		snprintf(result, sizeof result, "failed: %s", err ? err->msg : "?");
	else
		snprintf(result, sizeof result, "exit %d in %ld ms", res->exit_status, ms);
	log_audit(name, s->text, result);
	if (!r->failed_now && (!res || res->exit_status != 0)) {
		r->failed_now = true;
		s->state = PL_FAILED;
		snprintf(s->msg, sizeof s->msg, "%.180s on %.60s", res ? result : err->msg, name);
		free(s->output);
		s->output = res ? xasprintf("%s%s", res->out, res->err) : NULL;
	}
	if (r->pending)
		return;
	if (r->failed_now) {
		char msg[256], *out = s->output;
		snprintf(msg, sizeof msg, "%s", s->msg);
		s->output = NULL;
		step_end(r, false, out, "%s", msg);
		free(out);
	} else {
		step_end(r, true, NULL, "%d node%s", r->njobs, r->njobs == 1 ? "" : "s");
	}
}

static void run_action(struct plan_run *r, struct plan_step *s)
{
	struct nodeact a;
	struct mlc_err e;
	const struct config *c = r->f->cfg;
	if (nodeact_find(c, s->action, &a, &e) < 0) {
		step_end(r, false, NULL, "%s", e.msg);
		return;
	}
	free(r->jobs);
	r->jobs = xcalloc((size_t)r->f->n, sizeof *r->jobs);
	r->njobs = 0;
	r->failed_now = false;
	struct buf *cmds = xcalloc((size_t)r->f->n, sizeof *cmds);
	for (int i = 0; i < r->f->n; i++) {
		const struct target *t = r->f->nodes[i].t;
		if (!nodeact_selects(a.on, t))
			continue;
		struct nodeact_vars v = {t->name, t->host, nodeact_head_ip(c), t->port};
		buf_init(&cmds[r->njobs]);
		if (nodeact_expand(a.command, &v, a.cs, &cmds[r->njobs], &e) < 0) {
			for (int k = 0; k <= r->njobs; k++)
				buf_free(&cmds[k]);
			free(cmds);
			step_end(r, false, NULL, "%s: %s", t->name, e.msg);
			return;
		}
		buf_append(&cmds[r->njobs], "", 1);
		r->jobs[r->njobs].r = r;
		r->jobs[r->njobs++].node = i;
		cell_begin(s, i);
	}
	if (!r->njobs) {
		free(cmds);
		step_end(r, false, NULL, "no node is %s", a.on);
		return;
	}
	r->pending = r->njobs;
	for (int k = 0; k < r->njobs; k++) {
		r->jobs[k].job = fleet_exec(r->f, r->jobs[k].node, cmds[k].data, 10 * 60 * 1000,
					    run_job_done, &r->jobs[k]);
		fleet_job_on_output(r->jobs[k].job, run_job_output, &r->jobs[k]);
		buf_free(&cmds[k]);
	}
	free(cmds);
}

static void gate_poll(struct plan_run *r);

static void gate_tick(uv_timer_t *t)
{
	gate_poll(t->data);
}

static bool is_gate(enum plan_kind k)
{
	return k != PK_RUN;
}

/* A pre-check answered: on to the next gate, or run the step (a gate does
 * not hold), or skip it with its gates (all hold). */
static void precheck_result(struct plan_run *r, bool holds, const char *why)
{
	struct plan_step *s = &r->steps[r->cur], *g = &r->steps[r->gi];
	if (!holds) {
		r->pre = false;
		s->msg[0] = '\0';
		run_action(r, s);
		notify(r);
		return;
	}
	snprintf(g->msg, sizeof g->msg, "held already: %.200s", why);
	if (r->gi + 1 < r->n && is_gate(r->steps[r->gi + 1].kind)) {
		r->gi++;
		gate_poll(r);
		return;
	}
	int64_t now = mono_ms();
	s->skipped = true;
	for (int k = r->cur + 1; k <= r->gi; k++) {
		r->steps[k].state = PL_OK;
		r->steps[k].start_ms = now;
		r->steps[k].end_ms = now;
	}
	r->pre = false;
	r->cur = r->gi;
	r->steps[r->cur].state = PL_RUNNING;
	s->state = PL_OK;
	s->end_ms = now;
	snprintf(s->msg, sizeof s->msg, "skipped: the gate%s after it held already",
		 r->gi > r->cur ? "s" : "");
	char held[256];
	snprintf(held, sizeof held, "%s", r->steps[r->cur].msg);
	step_end(r, true, NULL, "%s", held);
}

/* One answer of the gate step r->gi: it holds, it timed out, or poll
 * again in POLL_MS. */
static void gate_result(struct plan_run *r, bool holds, const char *why, const char *output)
{
	struct plan_step *g = &r->steps[r->gi];
	bool on_node = r->njobs == 1 && (g->kind == PK_WAIT_CMD || g->kind == PK_WAIT_RAY);
	long left = g->timeout_ms - (long)(mono_ms() - g->start_ms);
	if (on_node && r->pre && !holds)
		g->cells[r->jobs[0].node].state = PC_NONE; /* not begun: the step runs first */
	else if (on_node && (holds || left < POLL_MS))
		cell_end(g, r->jobs[0].node, holds ? 0 : r->gate_exit > 0 ? r->gate_exit : -1);
	if (r->pre) {
		precheck_result(r, holds, why);
		return;
	}
	struct plan_step *s = &r->steps[r->cur];
	s->polls++;
	long elapsed = (long)(mono_ms() - s->start_ms);
	if (holds)
		step_end(r, true, NULL, "%s", why);
	else if (elapsed + POLL_MS > s->timeout_ms)
		step_end(r, false, output, "timed out after %ld s: %s", s->timeout_ms / 1000, why);
	else {
		snprintf(s->msg, sizeof s->msg, "%s", why);
		uv_timer_start(r->timer, gate_tick, POLL_MS, 0);
		notify(r);
	}
}

static void gate_done(const struct sshc_result *res, const struct mlc_err *err, long ms, void *arg)
{
	struct plan_job *j = arg;
	struct plan_run *r = j->r;
	struct plan_step *s = &r->steps[r->gi];
	j->job = NULL;
	r->gate_exit = res ? res->exit_status : -1;
	char why[256] = "";
	bool holds = false;
	if (!res) {
		snprintf(why, sizeof why, "%s", err ? err->msg : "no answer");
	} else if (s->kind == PK_WAIT_CMD) {
		holds = res->exit_status == 0;
		snprintf(why, sizeof why, "exit %d", res->exit_status);
	} else {
		struct ni_ray ray;
		struct mlc_err e;
		if (res->exit_status == 0 && ni_parse_ray(res->out, &ray, &e) == 0) {
			holds = ray.alive >= s->want_alive;
			snprintf(why, sizeof why, "%d alive, want %d", ray.alive, s->want_alive);
		} else {
			snprintf(why, sizeof why, "ray status: exit %d", res->exit_status);
		}
	}
	gate_result(r, holds, why, res ? res->out : NULL);
}

static void ray_gate_done(int alive, const char *why, void *arg)
{
	struct plan_run *r = arg;
	struct plan_step *s = &r->steps[r->gi];
	r->ray_h = NULL;
	char msg[256];
	if (alive < 0)
		snprintf(msg, sizeof msg, "Ray dashboard: %.200s", why);
	else
		snprintf(msg, sizeof msg, "%d alive (Ray dashboard), want %d", alive,
			 s->want_alive);
	gate_result(r, alive >= s->want_alive, msg, NULL);
}

static void net_gate_done(bool holds, const char *why, void *arg)
{
	struct plan_run *r = arg;
	r->gate = NULL;
	gate_result(r, holds, why, NULL);
}

/* The node a gate's command runs on: its own, or the ray-head node. */
static int gate_node(struct plan_run *r, const struct plan_step *s)
{
	if (s->kind == PK_WAIT_CMD)
		return fleet_find(r->f, s->node);
	const char *head = nodeact_head_ip(r->f->cfg);
	for (int i = 0; head && i < r->f->n; i++)
		if (r->f->nodes[i].ray_node && !strcmp(r->f->nodes[i].t->host, head))
			return i;
	return -1;
}

static void gate_poll(struct plan_run *r)
{
	struct plan_step *s = &r->steps[r->gi];
	/* one answer may take longer than a short gate: the gate still ends at
	 * the first answer past its timeout */
	long t = s->timeout_ms > 10000 ? s->timeout_ms : 10000;
	if (s->kind == PK_WAIT_RAY && r->ray.start) {
		r->njobs = 0; /* on no node: the console asks the dashboard */
		r->ray_h = r->ray.start(r->ray.ctx, ray_gate_done, r);
		return;
	}
	if (s->kind == PK_WAIT_TCP || s->kind == PK_WAIT_HTTP) {
		r->njobs = 0;
		char host[256];
		int port = 0;
		if (s->kind == PK_WAIT_HTTP)
			r->gate = nodegate_http(s->command, MLC_MIN(t, 5000), net_gate_done, r);
		else if (nodegate_hostport(s->command, host, sizeof host, &port) == 0)
			r->gate = nodegate_tcp(host, port, MLC_MIN(t, 3000), net_gate_done, r);
		return;
	}
	int node = gate_node(r, s);
	if (node < 0) {
		r->pre = false;
		step_end(r, false, NULL, "%s",
			 s->kind == PK_WAIT_CMD ? "no such node" : "no ray-head node");
		return;
	}
	free(r->jobs);
	r->jobs = xcalloc(1, sizeof *r->jobs);
	r->jobs[0].r = r;
	r->jobs[0].node = node;
	r->njobs = 1;
	const char *cmd = s->kind == PK_WAIT_CMD ? s->command : "ray status";
	if (s->cells[node].state != PC_RUNNING)
		cell_begin(s, node);
	r->jobs[0].job = fleet_exec(r->f, node, cmd, t, gate_done, &r->jobs[0]);
}

static void step_begin(struct plan_run *r)
{
	struct plan_step *s = &r->steps[r->cur];
	s->state = PL_RUNNING;
	s->start_ms = mono_ms();
	s->end_ms = 0;
	s->msg[0] = '\0';
	s->polls = 0;
	free(s->output);
	s->output = NULL;
	s->skipped = false;
	free(s->cells);
	s->cells = xcalloc((size_t)r->f->n + 1, sizeof *s->cells);
	if (s->kind == PK_RUN && r->cur + 1 < r->n)
		for (int k = r->cur + 1; k < r->n && is_gate(r->steps[k].kind); k++) {
			/* a pre-check polls these gates before they begin */
			free(r->steps[k].cells);
			r->steps[k].cells = xcalloc((size_t)r->f->n + 1, sizeof *s->cells);
		}
	set_busy(r, true);
	r->gi = r->cur;
	if (s->kind != PK_RUN) {
		gate_poll(r);
	} else if (r->cur + 1 < r->n && is_gate(r->steps[r->cur + 1].kind)) {
		/* a re-run does not start again what is up already */
		r->pre = true;
		r->gi = r->cur + 1;
		snprintf(s->msg, sizeof s->msg, "does the gate after it hold already?");
		gate_poll(r);
	} else {
		run_action(r, s);
	}
}

struct plan_run *nodeplan_start(struct fleet *f, struct plan_step *steps, int n,
				const struct nodeplan_ray *ray, plan_changed_cb changed, void *arg)
{
	struct plan_run *r = xcalloc(1, sizeof *r);
	if (ray)
		r->ray = *ray;
	r->f = f;
	r->steps = steps;
	r->n = n;
	r->changed = changed;
	r->arg = arg;
	r->timer = xcalloc(1, sizeof *r->timer);
	uv_timer_init(loop_get(), r->timer);
	r->timer->data = r;
	step_begin(r);
	return r;
}

bool nodeplan_retry(struct plan_run *r)
{
	if (r->steps[r->cur].state != PL_FAILED)
		return false;
	step_begin(r);
	notify(r);
	return true;
}

const struct plan_step *nodeplan_steps(const struct plan_run *r, int *n)
{
	*n = r->n;
	return r->steps;
}

bool nodeplan_busy(const struct plan_run *r)
{
	return r->busy;
}

static void timer_freed(uv_handle_t *h)
{
	free(h);
}

/* What a run's copy of a step owns (its output and its cells). */
static void step_free(void *item)
{
	struct plan_step *s = item;
	free(s->output);
	free(s->cells);
}

void nodeplan_free(struct plan_run *r)
{
	if (!r)
		return;
	for (int k = 0; k < r->njobs; k++)
		if (r->jobs[k].job)
			fleet_job_cancel(r->jobs[k].job);
	nodegate_cancel(r->gate);
	if (r->ray_h)
		r->ray.cancel(r->ray_h);
	uv_timer_stop(r->timer);
	uv_close((uv_handle_t *)r->timer, timer_freed);
	set_busy(r, false);
	free_items(r->steps, (size_t)r->n, sizeof *r->steps, step_free);
	free(r->jobs);
	free(r);
}
