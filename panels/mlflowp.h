/* panels/mlflowp.h — what the Experiments and Models panels share: the
 * MLflow servers and the view that chooses one, a client per server,
 * sanitized cells, the time format, a run
 * status's role, an artifact location as s3://, the breadcrumb separator.
 * (Models opens a run in Experiments with app_goto("experiments", "run",
 * ID): the `:run` command, not a function here.) No curses, no I/O. */
#ifndef MLC_PANELS_MLFLOWP_H
#define MLC_PANELS_MLFLOWP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/core/config.h"
#include "lib/mlflow/mlflow.h"
#include "lib/mlflow/mlflowc.h"
#include "tui/cmd.h"
#include "tui/panel.h"
#include "tui/view.h"

/* ---- servers ----
 * Every [mlflow NAME] section and MLFLOW_TRACKING_URI is a server. With one,
 * a panel opens on it; with several, its first view is mlp_servers_view
 * (one row per server; Enter calls the panel's choose) and the server's own
 * views stand on it. `:server NAME` chooses from anywhere. */
size_t mlp_ntargets(void);
const struct target *mlp_target_at(size_t i); /* NULL past the end */
/* The server called name, or NULL (and the status line lists them). */
const struct target *mlp_target_named(const char *name);
typedef void (*mlp_choose_fn)(struct panel *p, const struct target *t);
/* :server NAME: choose(p, the server called NAME); -1 after saying why not. */
int mlp_server_cmd(struct panel *p, const char *args, mlp_choose_fn choose);
/* Tab after :server: the servers' names (a cmd_entry's complete). */
void mlp_complete_server(struct panel *p, const char *args, const char *word,
			 struct cmd_cands *out);

extern const struct view_ops mlp_servers_view;
/* Pushes the servers view as p's first view; Enter calls choose(p, t). */
void mlp_servers_push(struct panel *p, mlp_choose_fn choose);
/* Puts the servers view's cursor on t (a choice made with :server). */
void mlp_servers_select(struct panel *p, const struct target *t);
/* The depth of the chosen server's first view: 1 on the servers view, 0
 * when the panel has one server. */
int mlp_base(struct panel *p);

/* One client per server, made on first use and kept until the panel
 * closes (a transfer or a write in flight keeps its own server's). */
struct mlp_clients {
	struct mlflowc *c;
	bool *made;
	size_t n;
};
void mlp_clients_init(struct mlp_clients *cs);
/* t's client (t one of the servers), or NULL when t is NULL. */
struct mlflowc *mlp_client(struct mlp_clients *cs, const struct target *t);
void mlp_clients_free(struct mlp_clients *cs);

/* Sanitizes raw (may be NULL: "-") into out with role. */
void mlp_cell(struct cell *out, const char *raw, enum role role);
/* "11-21 09:12" (local time) or "-" for 0. */
void mlp_time(char *out, size_t n, int64_t epoch_ms);
/* A time cell: the text of mlp_time, sorted by the instant (the year
 * included: "MM-DD HH:MM" alone would sort December after January). */
void mlp_time_cell(struct cell *out, int64_t epoch_ms, enum role role);
/* Beside the breadcrumb, a listing the client stopped at its cap: "(stopped
 * at N rows: more on the server)", or "" when stopped_at is 0. */
void mlp_stopped(char *out, size_t n, size_t stopped_at);
/* The detail line of such a listing: how to narrow it, with example, a
 * server filter of that list ("name LIKE 'fraud%'"). */
void mlp_stopped_detail(char *out, size_t n, size_t stopped_at, const char *example);
/* The role a run status is drawn in. */
enum role mlp_status_role(int status);
/* The s3:// URI of an artifact location: s3:// as it is; mlflow-artifacts:/P
 * as s3://DEST/P, DEST server t's artifacts_destination
 * (MLFLOW_ARTIFACTS_DESTINATION; default s3://mlflow, the platform's). NULL
 * for anything else. Caller frees. */
char *mlp_artifact_s3_uri(const struct target *t, const char *location);
/* The breadcrumb separator, " › " (" > " without UTF-8). */
const char *mlp_sep(void);

#endif
