/* lib/ssh/fleet.c — sessions per node, the inspection round on each node's
 * own timer, and ad-hoc execs on the kept session (fleet.h). A node's
 * failure touches only that node: its probes and jobs get the error, its
 * session is closed, and the next refresh reconnects. Never blocks. */
#include "lib/ssh/fleet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/ssh/sshc.h"

#define PROBE_MAX_BYTES (256 * 1024)

static const char *const probe_cmds[FP_COUNT] = {
    [FP_UPTIME] = "uptime",	  [FP_MEM] = "free -b",	      [FP_DF] = "df -P",
    [FP_GPU] = NI_GPU_QUERY,	  [FP_DOCKER] = NI_DOCKER_PS, [FP_RAY] = "ray status",
    [FP_COMPOSE] = NI_COMPOSE_LS,
};
static const char *const probe_names[FP_COUNT] = {
    [FP_UPTIME] = "uptime",	[FP_MEM] = "memory", [FP_DF] = "disks",	       [FP_GPU] = "gpus",
    [FP_DOCKER] = "containers", [FP_RAY] = "ray",    [FP_COMPOSE] = "compose", [FP_UNITS] = "units",
};

const char *fleet_probe_cmd(const struct fleet_node *n, enum fleet_probe p)
{
	if (p == FP_UNITS)
		return n->units_cmd;
	if (p == FP_RAY && !n->ray_node)
		return NULL;
	return probe_cmds[p];
}

/* systemctl show for the node's units, each one quoted; NULL if none (or
 * one that cannot be quoted: a newline has no place in a unit name). */
static char *units_cmd(const struct target *t)
{
	if (!t->units || !t->units[0])
		return NULL;
	struct buf b;
	buf_init(&b);
	buf_puts(&b, NI_SYSTEMCTL_SHOW);
	for (char **u = t->units; *u; u++) {
		buf_puts(&b, " ");
		if (sshc_quote_arg(&b, *u) < 0) {
			buf_free(&b);
			return NULL;
		}
	}
	return buf_steal(&b);
}
const char *fleet_probe_name(enum fleet_probe p)
{
	return probe_names[p];
}

/* A command on a node's session, parked while the session connects. */
struct fleet_job {
	struct fleet_node *n;
	char *command;
	long timeout_ms;
	int64_t start_ms;
	struct sshc_exec *x; /* NULL while parked */
	fleet_exec_cb cb;
	void *arg;
	sshc_output_cb out_cb; /* fleet_job_on_output */
	void *out_arg;
	struct fleet_job *next;
};

static void job_unlink(struct fleet_job *j)
{
	for (struct fleet_job **pp = &j->n->jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			return;
		}
}

static void job_free(struct fleet_job *j)
{
	job_unlink(j);
	free(j->command);
	free(j);
}

static void changed(struct fleet_node *n)
{
	struct fleet *f = n->fleet;
	f->generation++;
	if (f->changed)
		f->changed((int)(n - f->nodes), f->arg);
}

static long node_timeout(const struct fleet_node *n)
{
	return n->t->timeout_ms ? n->t->timeout_ms : 10000;
}

/* The session is gone (connect failed, transport lost): probes and jobs on it
 * get err now, since closing the session silences their callbacks. */
static void node_down(struct fleet_node *n, const struct mlc_err *err)
{
	n->state = FS_DOWN;
	snprintf(n->why, sizeof n->why, "%s", err->msg);
	if (n->sess)
		sshc_close(n->sess);
	n->sess = NULL;
	for (int p = 0; p < FP_COUNT; p++)
		n->x[p] = NULL;
	n->inflight = 0;
	while (n->jobs) {
		struct fleet_job *j = n->jobs;
		long ms = (long)(mono_ms() - j->start_ms);
		fleet_exec_cb cb = j->cb;
		void *arg = j->arg;
		job_free(j);
		cb(NULL, err, ms, arg);
	}
	changed(n);
}

static void parse_probe(struct fleet_node *n, enum fleet_probe p, const char *out)
{
	if (p >= FP_COUNT)
		return;
	struct fleet_raw *raw = &n->raw[p];
	struct mlc_err e;
	mlc_err_clear(&e);
	int rc = 0;
	switch (p) {
	case FP_UPTIME:
		rc = ni_parse_uptime(out, &n->up, &e);
		if (!rc) {
			if (n->nhist == (int)ARRAY_LEN(n->load_hist))
				memmove(n->load_hist, n->load_hist + 1,
					sizeof n->load_hist - sizeof n->load_hist[0]);
			else
				n->nhist++;
			n->load_hist[n->nhist - 1] = (long)(n->up.load[0] * 100);
		}
		break;
	case FP_MEM:
		rc = ni_parse_free(out, &n->mem, &e);
		break;
	case FP_DF:
		rc = ni_parse_df(out, n->disks, (int)ARRAY_LEN(n->disks), &n->ndisks, &e);
		break;
	case FP_GPU:
		rc = ni_parse_gpus(out, n->gpus, (int)ARRAY_LEN(n->gpus), &n->ngpus, &e);
		break;
	case FP_DOCKER:
		rc = ni_parse_docker(out, n->ctrs, (int)ARRAY_LEN(n->ctrs), &n->nctrs, &e);
		break;
	case FP_RAY:
		rc = ni_parse_ray(out, &n->ray, &e);
		break;
	case FP_COMPOSE:
		rc =
		    ni_parse_compose(out, n->compose, (int)ARRAY_LEN(n->compose), &n->ncompose, &e);
		break;
	case FP_UNITS:
		rc = ni_parse_systemctl(out, n->units, (int)ARRAY_LEN(n->units), &n->nunits, &e);
		break;
	default:
		break;
	}
	raw->ok = rc == 0;
	if (rc)
		snprintf(raw->why, sizeof raw->why, "%s", e.msg);
}

static bool start_probe(struct fleet_node *n, int p);

static void probe_done(const struct sshc_result *r, const struct mlc_err *err, void *arg)
{
	struct fleet_probe_arg pa = *(struct fleet_probe_arg *)arg;
	struct fleet_node *n = pa.n;
	struct fleet_raw *raw = &n->raw[pa.p];
	n->x[pa.p] = NULL;
	if (!r && n->sess && !sshc_is_up(n->sess)) {
		node_down(n, err);
		return;
	}
	free(raw->out);
	free(raw->errout);
	raw->out = xstrdup(r && r->out ? r->out : "");
	raw->errout = xstrdup(r && r->err ? r->err : "");
	raw->ran = true;
	raw->ok = false;
	raw->exit_status = r ? r->exit_status : -1;
	raw->ms = (long)(mono_ms() - n->started_ms[pa.p]);
	raw->why[0] = '\0';
	if (pa.p == FP_GPU)
		n->no_gpu = r && r->exit_status == 127;
	if (pa.p == FP_COMPOSE)
		n->no_compose = r && r->exit_status != 0;
	if (err && err->code)
		snprintf(raw->why, sizeof raw->why, "%s", err->msg);
	else if (r->exit_status != 0)
		snprintf(raw->why, sizeof raw->why, "exit %d: %.200s", r->exit_status,
			 r->err && r->err[0] ? r->err : r->out);
	else
		parse_probe(n, pa.p, r->out);
	if (!start_probe(n, pa.p + 1))
		n->updated_ms = wall_ms();
	changed(n);
}

/* Starts the first probe from p on; false (and nothing in flight) when none
 * is left. One channel at a time per node: each starts a login shell whose
 * rc files (pyenv's rehash, say) do not like running side by side, and the
 * nodes still go in parallel. */
static bool start_probe(struct fleet_node *n, int p)
{
	for (; p < FP_COUNT; p++) {
		const char *cmd = fleet_probe_cmd(n, p);
		if (!cmd)
			continue;
		struct fleet_probe_arg *pa = &n->pa[p];
		pa->n = n;
		pa->p = p;
		n->started_ms[p] = mono_ms();
		n->inflight = 1;
		n->x[p] = sshc_exec(n->sess, cmd, PROBE_MAX_BYTES, node_timeout(n), probe_done, pa);
		return true;
	}
	n->inflight = 0;
	return false;
}

static void start_probes(struct fleet_node *n)
{
	start_probe(n, 0);
}

static void job_start(struct fleet_job *j);

static void connected(struct sshc_session *s, const struct mlc_err *err, void *arg)
{
	struct fleet_node *n = arg;
	n->accept_fp[0] = '\0'; /* a confirmation is good for one attempt */
	if (err && err->code) {
		n->inflight = 0;
		if (err->code == MLC_ERR_HOSTKEY_UNKNOWN && sshc_fingerprint(s)[0])
			snprintf(n->offered_key, sizeof n->offered_key, "%s %s", sshc_key_type(s),
				 sshc_fingerprint(s));
		else
			n->offered_key[0] = '\0';
		node_down(n, err);
		return;
	}
	n->offered_key[0] = '\0';
	n->state = FS_UP;
	n->why[0] = '\0';
	n->inflight = 0;
	start_probes(n);
	for (struct fleet_job *j = n->jobs; j; j = j->next)
		if (!j->x)
			job_start(j);
	changed(n);
}

static void node_connect(struct fleet_node *n)
{
	struct sshc_opts o = {0};
	const struct target *t = n->t;
	o.host = t->host;
	o.port = t->port;
	o.user = t->user;
	o.identity = t->identity;
	o.known_hosts = t->known_hosts;
	o.accept_new = t->accept_new;
	o.jump = t->jump;
	o.connect_timeout_ms = node_timeout(n);
	if (n->accept_fp[0])
		o.accept_fingerprint = n->accept_fp;
	n->state = FS_CONNECTING;
	n->inflight = 1; /* the connect stands for the round */
	n->sess = sshc_connect(&o, connected, n);
}

static void node_refresh(struct fleet_node *n)
{
	if (n->inflight)
		return;
	if (n->sess && !sshc_is_up(n->sess)) {
		struct mlc_err e;
		mlc_err_set(&e, MLC_ERR_CONNECT, 0, "%s", sshc_down_reason(n->sess));
		node_down(n, &e);
	}
	if (!n->sess)
		node_connect(n);
	else
		start_probes(n);
	changed(n);
}

static void node_tick(uv_timer_t *t)
{
	node_refresh(t->data);
}

static bool has_ray_role(const struct target *t)
{
	for (char **r = t->roles; r && *r; r++)
		if (str_starts(*r, "ray"))
			return true;
	return false;
}

struct fleet *fleet_new(const struct config *c, long refresh_ms, fleet_changed_cb cb, void *arg)
{
	struct fleet *f = xcalloc(1, sizeof *f);
	f->cfg = c;
	f->refresh_ms = refresh_ms > 0 ? refresh_ms : 10000;
	f->changed = cb;
	f->arg = arg;
	for (size_t i = 0; i < c->ntargets; i++)
		f->n += c->targets[i].kind == TK_NODE;
	f->nodes = xcalloc((size_t)f->n + 1, sizeof *f->nodes);
	int k = 0;
	for (size_t i = 0; i < c->ntargets; i++) {
		if (c->targets[i].kind != TK_NODE)
			continue;
		struct fleet_node *n = &f->nodes[k++];
		n->fleet = f;
		n->t = &c->targets[i];
		n->ray_node = has_ray_role(n->t);
		n->units_cmd = units_cmd(n->t);
		uv_timer_t *tm = xcalloc(1, sizeof *tm);
		uv_timer_init(loop_get(), tm);
		tm->data = n;
		uv_unref((uv_handle_t *)tm);
		long every = n->t->refresh_ms ? n->t->refresh_ms : f->refresh_ms;
		uv_timer_start(tm, node_tick, (uint64_t)every, (uint64_t)every);
		n->timer = tm;
		node_connect(n);
	}
	return f;
}

static void timer_closed(uv_handle_t *h)
{
	free(h);
}

void fleet_free(struct fleet *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->n; i++) {
		struct fleet_node *n = &f->nodes[i];
		for (int p = 0; p < FP_COUNT; p++) {
			if (n->x[p])
				sshc_exec_cancel(n->x[p]);
			free(n->raw[p].out);
			free(n->raw[p].errout);
		}
		while (n->jobs)
			fleet_job_cancel(n->jobs);
		free(n->units_cmd);
		if (n->sess)
			sshc_close(n->sess);
		uv_close((uv_handle_t *)n->timer, timer_closed);
	}
	free(f->nodes);
	free(f);
}

void fleet_refresh(struct fleet *f, int i)
{
	for (int k = 0; k < f->n; k++)
		if (i < 0 || i == k)
			node_refresh(&f->nodes[k]);
}

void fleet_traffic(const struct fleet *f, uint64_t *sent, uint64_t *received)
{
	*sent = *received = 0;
	for (int i = 0; i < f->n; i++) {
		uint64_t s, r;
		sshc_traffic(f->nodes[i].sess, &s, &r);
		*sent += s;
		*received += r;
	}
}

void fleet_trust(struct fleet *f, int i, const char *fp)
{
	struct fleet_node *n = &f->nodes[i];
	snprintf(n->accept_fp, sizeof n->accept_fp, "%s", fp);
	fleet_refresh(f, i);
}

int fleet_find(const struct fleet *f, const char *name)
{
	for (int i = 0; i < f->n; i++)
		if (!strcmp(f->nodes[i].t->name, name))
			return i;
	return -1;
}

static void job_done(const struct sshc_result *r, const struct mlc_err *err, void *arg)
{
	struct fleet_job *j = arg;
	struct fleet_node *n = j->n;
	j->x = NULL;
	if (!r && n->sess && !sshc_is_up(n->sess)) {
		node_down(n, err); /* j is among n's jobs: it gets err there */
		return;
	}
	long ms = (long)(mono_ms() - j->start_ms);
	fleet_exec_cb cb = j->cb;
	void *cbarg = j->arg;
	job_free(j);
	cb(r, err, ms, cbarg);
}

static void job_start(struct fleet_job *j)
{
	j->x = sshc_exec(j->n->sess, j->command, 0, j->timeout_ms, job_done, j);
	if (j->out_cb)
		sshc_exec_on_output(j->x, j->out_cb, j->out_arg);
}

void fleet_job_on_output(struct fleet_job *j, sshc_output_cb cb, void *arg)
{
	j->out_cb = cb;
	j->out_arg = arg;
	if (j->x)
		sshc_exec_on_output(j->x, cb, arg);
}

struct fleet_job *fleet_exec(struct fleet *f, int i, const char *command, long timeout_ms,
			     fleet_exec_cb cb, void *arg)
{
	struct fleet_node *n = &f->nodes[i];
	struct fleet_job *j = xcalloc(1, sizeof *j);
	j->n = n;
	j->command = xstrdup(command);
	j->timeout_ms = timeout_ms;
	j->start_ms = mono_ms();
	j->cb = cb;
	j->arg = arg;
	j->next = n->jobs;
	n->jobs = j;
	if (n->sess && n->state == FS_UP && sshc_is_up(n->sess))
		job_start(j);
	else if (!n->sess || n->state != FS_CONNECTING)
		node_refresh(n); /* connects; the job starts when it is up */
	return j;
}

void fleet_job_cancel(struct fleet_job *j)
{
	if (j->x)
		sshc_exec_cancel(j->x);
	job_free(j);
}
