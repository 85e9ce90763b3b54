/* panels/mlflowp.c — helpers shared by the Experiments and Models panels
 * (see mlflowp.h). */
#include "mlflowp.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "tui/app.h"
#include "tui/glyph.h"

/* ---- servers ---------------------------------------------------------------- */

size_t mlp_ntargets(void)
{
	const struct config *c = app_config();
	size_t n = 0;
	for (size_t i = 0; c && i < c->ntargets; i++)
		n += c->targets[i].kind == TK_MLFLOW && c->targets[i].url;
	return n;
}

const struct target *mlp_target_at(size_t k)
{
	const struct config *c = app_config();
	for (size_t i = 0; c && i < c->ntargets; i++)
		if (c->targets[i].kind == TK_MLFLOW && c->targets[i].url && k-- == 0)
			return &c->targets[i];
	return NULL;
}

const struct target *mlp_target_named(const char *name)
{
	const struct target *t;
	for (size_t i = 0; (t = mlp_target_at(i)); i++)
		if (!strcmp(t->name, name))
			return t;
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; (t = mlp_target_at(i)); i++)
		buf_printf(&b, "%s%s", i ? ", " : "", t->name);
	char *n = san_str(name);
	if (b.len)
		app_message(ROLE_ERR, "no MLflow server %s (servers: %s)", n, b.data);
	else
		app_message(ROLE_ERR,
			    "no MLflow configured: set MLFLOW_TRACKING_URI or [mlflow] url");
	free(n);
	buf_free(&b);
	return NULL;
}

int mlp_server_cmd(struct panel *p, const char *args, mlp_choose_fn choose)
{
	char name[256];
	snprintf(name, sizeof name, "%s", args);
	str_trim(name); /* Tab completes with a space after the name */
	const struct target *t = mlp_target_named(name);
	if (!t)
		return -1;
	choose(p, t);
	return 0;
}

void mlp_complete_server(struct panel *p, const char *args, const char *word, struct cmd_cands *out)
{
	const struct target *t;
	for (size_t i = 0; !*args && (t = mlp_target_at(i)); i++)
		if (str_starts(t->name, word))
			cmd_cand_add(out, t->name);
}

static const struct column server_cols[] = {
    {"SERVER", 8, 24, ALIGN_LEFT, 0, false},
    {"URL", 12, 0, ALIGN_LEFT, 0, false},
};

static const struct column *sv_columns(struct view *v, int *n)
{
	*n = (int)ARRAY_LEN(server_cols);
	return server_cols;
}

static int sv_nrows(struct view *v)
{
	return (int)mlp_ntargets();
}

static void sv_cell(struct view *v, int row, int col, struct cell *out)
{
	const struct target *t = mlp_target_at((size_t)row);
	if (t)
		mlp_cell(out, col ? t->url : t->name, col ? ROLE_DIM : ROLE_NORMAL);
}

static void sv_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "%s", v->panel->ops->title);
}

static void sv_copy(struct view *v, int row, char *out, size_t n)
{
	const struct target *t = mlp_target_at((size_t)row);
	if (t)
		san_into(out, n, t->url, strlen(t->url));
}

static int sv_open(struct view *v, int row)
{
	const struct target *t = mlp_target_at((size_t)row);
	mlp_choose_fn choose = (mlp_choose_fn)(uintptr_t)v->priv;
	if (!t)
		return P_IGNORED;
	choose(v->panel, t);
	return P_REDRAW;
}

static const struct view_action server_actions[] = {
    {"open", "<Enter>", "open", "the server's experiments or models", ACT_F_SELECTION, sv_open},
    {"filter", "/", "filter", NULL, 0, NULL},
    {"copy", "y", "copy URL", NULL, 0, NULL},
};

const struct view_ops mlp_servers_view = {
    .name = "servers",
    .title = sv_title,
    .columns = sv_columns,
    .nrows = sv_nrows,
    .cell = sv_cell,
    .copy_text = sv_copy,
    .actions = server_actions,
    .nactions = ARRAY_LEN(server_actions),
};

void mlp_servers_push(struct panel *p, mlp_choose_fn choose)
{
	view_push(p, &mlp_servers_view, (void *)(uintptr_t)choose);
}

void mlp_servers_select(struct panel *p, const struct target *t)
{
	const struct target *u;
	if (!mlp_base(p))
		return;
	for (size_t i = 0; (u = mlp_target_at(i)); i++)
		if (u == t)
			view_select_row(view_at(p, 0), (int)i);
}

int mlp_base(struct panel *p)
{
	return view_at(p, 0) && view_at(p, 0)->ops == &mlp_servers_view ? 1 : 0;
}

void mlp_clients_init(struct mlp_clients *cs)
{
	cs->n = mlp_ntargets();
	cs->c = xcalloc(cs->n ? cs->n : 1, sizeof *cs->c);
	cs->made = xcalloc(cs->n ? cs->n : 1, sizeof *cs->made);
}

struct mlflowc *mlp_client(struct mlp_clients *cs, const struct target *t)
{
	for (size_t i = 0; t && i < cs->n; i++) {
		if (mlp_target_at(i) != t)
			continue;
		if (!cs->made[i])
			mlflowc_init(&cs->c[i], t);
		cs->made[i] = true;
		return &cs->c[i];
	}
	return NULL;
}

void mlp_clients_free(struct mlp_clients *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		if (cs->made[i])
			mlflowc_free(&cs->c[i]);
	free(cs->c);
	free(cs->made);
	memset(cs, 0, sizeof *cs);
}

/* ---- cells ------------------------------------------------------------------- */

void mlp_cell(struct cell *out, const char *raw, enum role role)
{
	out->role = role;
	if (!raw || !*raw) {
		snprintf(out->text, sizeof out->text, "-");
		return;
	}
	san_into(out->text, sizeof out->text, raw, strlen(raw));
}

void mlp_time(char *out, size_t n, int64_t epoch_ms)
{
	if (epoch_ms <= 0) {
		snprintf(out, n, "-");
		return;
	}
	time_t t = (time_t)(epoch_ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, n, "%m-%d %H:%M", &tm);
}

void mlp_time_cell(struct cell *out, int64_t epoch_ms, enum role role)
{
	char t[64];
	mlp_time(t, sizeof t, epoch_ms);
	mlp_cell(out, t, role);
	if (epoch_ms > 0)
		snprintf(out->sort, sizeof out->sort, "%020lld", (long long)epoch_ms);
}

void mlp_stopped(char *out, size_t n, size_t stopped_at)
{
	out[0] = '\0';
	if (stopped_at)
		snprintf(out, n, "(stopped at %zu rows: more on the server)", stopped_at);
}

void mlp_stopped_detail(char *out, size_t n, size_t stopped_at, const char *example)
{
	char t[200];
	mlflow_stopped_text(stopped_at, t, sizeof t);
	snprintf(out, n, "%s: :filter %s", t, example);
}

enum role mlp_status_role(int status)
{
	switch (status) {
	case MLFLOW_ST_FINISHED:
		return ROLE_OK;
	case MLFLOW_ST_FAILED:
		return ROLE_ERR;
	case MLFLOW_ST_KILLED:
		return ROLE_WARN;
	case MLFLOW_ST_RUNNING:
	case MLFLOW_ST_SCHEDULED:
		return ROLE_MARK;
	default:
		return ROLE_DIM;
	}
}

const char *mlp_sep(void)
{
	return glyph(G_CRUMB_SEP);
}

char *mlp_artifact_s3_uri(const struct target *t, const char *location)
{
	if (!location)
		return NULL;
	if (str_starts(location, "s3://"))
		return xstrdup(location);
	if (!str_starts(location, "mlflow-artifacts:"))
		return NULL;
	const char *path = location + strlen("mlflow-artifacts:");
	/* mlflow-artifacts:/1/abc, mlflow-artifacts://host:port/1/abc */
	if (str_starts(path, "//")) {
		path = strchr(path + 2, '/');
		if (!path)
			return NULL;
	}
	while (*path == '/')
		path++;
	const char *dest = t && t->artifacts_destination ? t->artifacts_destination : "s3://mlflow";
	if (!str_starts(dest, "s3://"))
		return NULL;
	size_t dl = strlen(dest);
	return xasprintf("%s%s%s", dest, dl && dest[dl - 1] == '/' ? "" : "/", path);
}
