/* panels/mlflowp.h — what the Experiments and Models panels share: the
 * configured MLflow target, sanitized cells, the time format, a run
 * status's role, an artifact location as s3://, the breadcrumb separator.
 * (Models opens a run in Experiments with app_goto("experiments", "run",
 * ID): the `:run` command, not a function here.) No curses, no I/O. */
#ifndef MLC_PANELS_MLFLOWP_H
#define MLC_PANELS_MLFLOWP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/core/config.h"
#include "lib/mlflow/mlflow.h"
#include "tui/panel.h"

/* The first [mlflow] target (file or MLFLOW_TRACKING_URI), or NULL. */
const struct target *mlp_target(void);
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
 * as s3://DEST/P, DEST the [mlflow] artifacts_destination
 * (MLFLOW_ARTIFACTS_DESTINATION; default s3://mlflow, the platform's). NULL
 * for anything else. Caller frees. */
char *mlp_artifact_s3_uri(const char *location);
/* The breadcrumb separator, " › " (" > " without UTF-8). */
const char *mlp_sep(void);

#endif
