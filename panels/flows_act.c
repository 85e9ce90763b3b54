/* panels/flows_act.c — the writes of the Flows panel, each after a dialog
 * that names the run or DAG and the exact call, refused under --readonly by
 * the dispatcher (ACT_F_WRITES), recorded with log_audit once the answer is
 * known, and the server's own answer shown as it is: Prefect cancel
 * (set_state CANCELLING) and retry (set_state SCHEDULED) with the
 * orchestration's ACCEPT / REJECT / ABORT and its reason; Airflow trigger
 * (POST dagRuns) and pause / unpause (PATCH is_paused). One write at a
 * time, its state in struct flows. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flows.h"
#include "lib/core/log.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "tui/app.h"

enum { W_CANCEL, W_RETRY, W_TRIGGER, W_PAUSE, W_UNPAUSE, W_CREATE, W_CLEAR };

/* What the dialog asked about, until it is answered (the panel frees it
 * when it closes, should the dialog go unanswered). */
struct fl_ask {
	int what;
	enum fl_backend be;
	char *id, *dag, *task; /* W_CREATE: id the deployment; W_CLEAR: id the run */
};

static struct fl_ask *asked; /* one dialog at a time: the app's */

static void ask_free(void)
{
	if (!asked)
		return;
	free(asked->id);
	free(asked->dag);
	free(asked->task);
	free(asked);
	asked = NULL;
}

void fl_act_close(struct flows *f)
{
	apireq_cancel(f->w_req);
	airflowc_cancel(f->aw_req);
	f->w_req = NULL;
	f->aw_req = NULL;
	ask_free();
}

/* The write ended: the answer on the status line and in the audit log,
 * then the runs (and the view on top) again. */
static void finish(struct flows *f, enum role role, const char *answer)
{
	f->w_req = NULL;
	f->aw_req = NULL;
	const struct target *t = fl_target(f->w_be);
	log_audit(t ? t->name : "?", f->w_call, answer);
	app_message(role, "%s: %s", f->w_target, answer);
	fl_load(f);
	struct view *top = view_top(f->p);
	if (top && top->ops != NULL && top->ops->reload && view_depth(f->p) > 1)
		top->ops->reload(top);
}

static void set_state_done(void *res, const struct mlc_err *err, void *arg)
{
	struct flows *f = arg;
	if (err) {
		finish(f, ROLE_ERR, err->msg);
		return;
	}
	const struct prefect_set_state *s = res;
	char *raw = xasprintf("%s%s%s%s → %s", s->status, s->reason ? " (" : "",
			      s->reason ? s->reason : "", s->reason ? ")" : "",
			      s->state_name   ? s->state_name
			      : s->state_type ? s->state_type
					      : "?");
	char *safe = san_str(raw);
	finish(f, !strcmp(s->status, "ACCEPT") ? ROLE_OK : ROLE_WARN, safe);
	free(raw);
	free(safe);
}

static void trigger_done(void *res, const struct mlc_err *err, void *arg)
{
	struct flows *f = arg;
	if (err) {
		finish(f, ROLE_ERR, err->msg);
		return;
	}
	const struct airflow_run *r = res;
	char *raw = xasprintf("created %s (%s)", r->run_id, r->state ? r->state : "?");
	char *safe = san_str(raw);
	finish(f, ROLE_OK, safe);
	free(raw);
	free(safe);
}

static void pause_done(void *res, const struct mlc_err *err, void *arg)
{
	struct flows *f = arg;
	if (err) {
		finish(f, ROLE_ERR, err->msg);
		return;
	}
	const struct airflow_dag *d = res;
	finish(f, ROLE_OK, d->is_paused ? "is_paused: true" : "is_paused: false");
}

static void create_done(void *res, const struct mlc_err *err, void *arg)
{
	struct flows *f = arg;
	if (err) {
		finish(f, ROLE_ERR, err->msg);
		return;
	}
	const struct prefect_run *r = res;
	char *raw = xasprintf("created %s (%s)", r->name ? r->name : r->id,
			      r->state_name   ? r->state_name
			      : r->state_type ? r->state_type
					      : "?");
	char *safe = san_str(raw);
	finish(f, ROLE_OK, safe);
	free(raw);
	free(safe);
}

/* "a, b, c" of the task ids of tis (raw). */
static char *task_list(const struct airflow_tis *t)
{
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < t->n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", t->items[i].task_id);
	return buf_steal(&b);
}

static void clear_done(void *res, const struct mlc_err *err, void *arg)
{
	struct flows *f = arg;
	if (err) {
		finish(f, ROLE_ERR, err->msg);
		return;
	}
	char *list = task_list(res),
	     *raw = xasprintf("cleared %zu: %s", ((struct airflow_tis *)res)->n, list);
	char *safe = san_str(raw);
	finish(f, ROLE_OK, safe);
	free(list);
	free(raw);
	free(safe);
}

static void confirmed(void *arg, bool yes);

/* The dry run answered: the dialog lists what the clear would clear. */
static void clear_dry_done(void *res, const struct mlc_err *err, void *arg)
{
	struct flows *f = arg;
	f->aw_req = NULL;
	if (!asked)
		return;
	if (err) {
		app_message(ROLE_ERR, "%s", err->msg);
		ask_free();
		return;
	}
	const struct airflow_tis *t = res;
	if (!t->n) {
		app_message(ROLE_WARN, "nothing to clear");
		ask_free();
		return;
	}
	char *list = task_list(t), *slist = san_str(list), *sdag = san_str(asked->dag);
	char *srun = san_str(asked->id), *path = airflow_clear_path(asked->dag);
	char *body = airflow_clear_body(asked->id, asked->task, false), *sbody = san_str(body);
	char l1[300], l2[300], l3[400], l4[400], l5[600];
	snprintf(l1, sizeof l1, "%-6s %s", "dag", sdag);
	snprintf(l2, sizeof l2, "%-6s %s", "run", srun);
	snprintf(l3, sizeof l3, "%-6s %zu: %s", "clears", t->n, slist);
	snprintf(l4, sizeof l4, "%-6s POST …%s", "call", path);
	snprintf(l5, sizeof l5, "%-6s %s", "body", sbody);
	snprintf(f->w_target, sizeof f->w_target, "%s", sdag);
	snprintf(f->w_call, sizeof f->w_call, "POST …%s %s", path, body);
	f->w_be = FB_AIRFLOW;
	struct dialog d = {.title = "Clear these task instances?",
			   .lines = {l1, l2, l3, l4, l5, NULL},
			   .action = "clear them",
			   .done = confirmed,
			   .arg = f};
	free(list);
	free(slist);
	free(sdag);
	free(srun);
	free(path);
	free(body);
	free(sbody);
	app_confirm(&d);
}

static void confirmed(void *arg, bool yes)
{
	struct flows *f = arg;
	struct fl_ask *a = asked;
	asked = NULL;
	if (!a)
		return;
	if (!yes)
		app_message(ROLE_DIM, "nothing sent");
	else if (a->what == W_CANCEL || a->what == W_RETRY)
		f->w_req = prefectc_set_state(
		    &f->pc, a->id, a->what == W_CANCEL ? "CANCELLING" : "SCHEDULED",
		    a->what == W_CANCEL ? "Cancellation requested from mlconsole"
					: "Retry requested from mlconsole",
		    set_state_done, f);
	else if (a->what == W_CREATE)
		f->w_req = prefectc_create_flow_run(&f->pc, a->id, create_done, f);
	else if (a->what == W_CLEAR)
		f->aw_req = airflowc_clear(&f->ac, a->dag, a->id, a->task, false, clear_done, f);
	else if (a->what == W_TRIGGER)
		f->aw_req = airflowc_trigger(&f->ac, a->dag, trigger_done, f);
	else
		f->aw_req = airflowc_pause(&f->ac, a->dag, a->what == W_PAUSE, pause_done, f);
	asked = a;
	ask_free();
}

/* The dialog: what, on which run or DAG, and the exact call. */
static int ask(struct flows *f, const struct fl_run *r, int what, const char *title,
	       const char *action, const char *call, const char *body)
{
	if (f->w_req || f->aw_req) {
		app_message(ROLE_WARN, "a write is in flight: wait for its answer");
		return P_HANDLED;
	}
	ask_free();
	asked = xcalloc(1, sizeof *asked);
	asked->what = what;
	asked->be = r->be;
	asked->id = xstrdup(r->id);
	asked->dag = xstrdup(r->flow ? r->flow : "");
	char *flow = san_str(r->flow ? r->flow : "-"), *name = san_str(r->name ? r->name : "-");
	char *scall = san_str(call);
	char l1[300], l2[300], l3[400], l4[300];
	snprintf(l1, sizeof l1, "%-6s %s", r->be == FB_PREFECT ? "flow" : "dag", flow);
	snprintf(l2, sizeof l2, "%-6s %s", "run", name);
	snprintf(l3, sizeof l3, "%-6s %s", "call", scall);
	snprintf(l4, sizeof l4, "%-6s %s", "body", body);
	snprintf(f->w_target, sizeof f->w_target, "%s", what >= W_TRIGGER ? flow : name);
	snprintf(f->w_call, sizeof f->w_call, "%s %s", call, body);
	f->w_be = r->be;
	free(flow);
	free(name);
	free(scall);
	struct dialog d = {.title = title,
			   .lines = {l1, what >= W_TRIGGER ? l3 : l2, what >= W_TRIGGER ? l4 : l3,
				     what >= W_TRIGGER ? NULL : l4, NULL},
			   .action = action,
			   .done = confirmed,
			   .arg = f};
	app_confirm(&d);
	return P_REDRAW;
}

/* A backend's action on the other's run: said, nothing asked. */
static bool wrong_backend(const struct fl_run *r, enum fl_backend want, const char *what)
{
	if (r->be == want)
		return false;
	app_message(ROLE_WARN, "%s is a %s action: this is an %s run", what,
		    want == FB_PREFECT ? "Prefect" : "Airflow", fl_backend_name(r->be));
	return true;
}

static int fl_act_cancel(struct flows *f, const struct fl_run *r)
{
	if (!r || wrong_backend(r, FB_PREFECT, "cancel"))
		return P_HANDLED;
	char *call = xasprintf("POST …/flow_runs/%s/set_state", r->id);
	int rc = ask(f, r, W_CANCEL, "Cancel this flow run?", "cancel the run", call,
		     "{\"state\":{\"type\":\"CANCELLING\"}}");
	free(call);
	return rc;
}

static int fl_act_retry(struct flows *f, const struct fl_run *r)
{
	if (!r || wrong_backend(r, FB_PREFECT, "retry"))
		return P_HANDLED;
	char *call = xasprintf("POST …/flow_runs/%s/set_state", r->id);
	int rc = ask(f, r, W_RETRY, "Retry this flow run?", "schedule it again", call,
		     "{\"state\":{\"type\":\"SCHEDULED\"}}");
	free(call);
	return rc;
}

static int fl_act_trigger(struct flows *f, const struct fl_run *r)
{
	if (!r || wrong_backend(r, FB_AIRFLOW, "trigger"))
		return P_HANDLED;
	char *path = airflow_trigger_path(r->flow), *call = xasprintf("POST …%s", path);
	char *body = airflow_trigger_body(f->ac.api);
	int rc = ask(f, r, W_TRIGGER, "Trigger a new DAG run?", "trigger the DAG", call, body);
	free(path);
	free(call);
	free(body);
	return rc;
}

static int fl_act_pause(struct flows *f, const struct fl_run *r, bool paused)
{
	if (!r || wrong_backend(r, FB_AIRFLOW, paused ? "pause" : "unpause"))
		return P_HANDLED;
	char *path = airflow_pause_path(r->flow), *call = xasprintf("PATCH …%s", path);
	int rc = ask(f, r, paused ? W_PAUSE : W_UNPAUSE,
		     paused ? "Pause this DAG?" : "Unpause this DAG?",
		     paused ? "pause the DAG" : "unpause the DAG", call,
		     paused ? "{\"is_paused\":true}" : "{\"is_paused\":false}");
	free(path);
	free(call);
	return rc;
}

/* The run a key is about in the view on top. */
static const struct fl_run *run_of(struct view *v, int row)
{
	const struct fl_vhead *h = v->priv;
	return h && h->run ? h->run(v, row) : NULL;
}

int fl_a_cancel(struct view *v, int row)
{
	return fl_act_cancel(fl_of(v), run_of(v, row));
}

int fl_a_retry(struct view *v, int row)
{
	return fl_act_retry(fl_of(v), run_of(v, row));
}

int fl_a_trigger(struct view *v, int row)
{
	return fl_act_trigger(fl_of(v), run_of(v, row));
}

int fl_a_pause(struct view *v, int row)
{
	return fl_act_pause(fl_of(v), run_of(v, row), true);
}

int fl_a_unpause(struct view *v, int row)
{
	return fl_act_pause(fl_of(v), run_of(v, row), false);
}

/* 32 lowercase hex digits not inside a longer run of them. */
static bool hex32_at(const char *s, const char *start)
{
	if (s > start && isxdigit((unsigned char)s[-1]))
		return false;
	for (int i = 0; i < 32; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return !isxdigit((unsigned char)s[32]);
}

bool fl_mlflow_run_id(const struct fl_run *r, char out[33])
{
	const char *where[] = {r->params, r->tags, r->message};
	for (size_t i = 0; i < ARRAY_LEN(where); i++)
		for (const char *p = where[i]; p && *p; p++)
			if (hex32_at(p, where[i])) {
				memcpy(out, p, 32);
				out[32] = '\0';
				return true;
			}
	return false;
}

int fl_a_mlflow(struct view *v, int row)
{
	const struct fl_run *r = run_of(v, row);
	char id[33];
	if (!r)
		return P_HANDLED;
	if (!fl_mlflow_run_id(r, id)) {
		app_message(ROLE_WARN,
			    "no MLflow run id in this run's parameters, tags or message");
		return P_HANDLED;
	}
	if (!app_goto("experiments", "run", id))
		app_message(ROLE_ERR, "the Experiments panel did not open run %s", id);
	return P_REDRAW;
}

/* A new question about be's object id (dag, task: NULL or more), unless a
 * write is in flight or be is not configured (said, NULL returned). */
static struct fl_ask *new_ask(struct flows *f, int what, enum fl_backend be, const char *id,
			      const char *dag, const char *task)
{
	bool have = be == FB_PREFECT ? f->have_pc : f->have_ac;
	if (f->w_req || f->aw_req || !have) {
		app_message(ROLE_WARN, "%s",
			    !have ? "that backend is not configured"
				  : "a write is in flight: wait for its answer");
		return NULL;
	}
	ask_free();
	asked = xcalloc(1, sizeof *asked);
	asked->what = what;
	asked->be = be;
	asked->id = xstrdup(id);
	asked->dag = fl_dup(dag);
	asked->task = fl_dup(task);
	f->w_be = be;
	return asked;
}

int fl_act_create(struct flows *f, const char *deployment_id, const char *name)
{
	if (!new_ask(f, W_CREATE, FB_PREFECT, deployment_id, NULL, NULL))
		return P_HANDLED;
	char *sname = san_str(name), *sid = san_str(deployment_id);
	char l1[300], l2[400], l3[200];
	snprintf(l1, sizeof l1, "%-10s %s", "deployment", sname);
	snprintf(l2, sizeof l2, "%-10s POST …/deployments/%s/create_flow_run", "call", sid);
	snprintf(l3, sizeof l3, "%-10s %s", "body", PREFECT_CREATE_BODY);
	snprintf(f->w_target, sizeof f->w_target, "%s", sname);
	snprintf(f->w_call, sizeof f->w_call, "POST …/deployments/%s/create_flow_run %s", sid,
		 PREFECT_CREATE_BODY);
	free(sname);
	free(sid);
	struct dialog d = {.title = "Run this deployment now?",
			   .lines = {l1, l2, l3, NULL},
			   .action = "create a flow run",
			   .done = confirmed,
			   .arg = f};
	app_confirm(&d);
	return P_REDRAW;
}

int fl_act_clear(struct flows *f, const char *dag_id, const char *run_id, const char *task_id)
{
	if (!new_ask(f, W_CLEAR, FB_AIRFLOW, run_id, dag_id, task_id))
		return P_HANDLED;
	f->aw_req = airflowc_clear(&f->ac, dag_id, run_id, task_id, true, clear_dry_done, f);
	char *st = san_str(task_id);
	app_message(ROLE_DIM, "asking Airflow what clearing %s would clear…", st);
	free(st);
	return P_REDRAW;
}
