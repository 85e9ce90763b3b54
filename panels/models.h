/* panels/models.h — what the Models panel's files share (models.c: the
 * panel, its state, the models view, its commands and the one write in
 * flight; models_versions.c: the versions of one model and the stage
 * transition; models_promote.c: the guarded alias move). Private to
 * panels/models*.c. No curses, no I/O of its own: MLflow only through
 * lib/mlflow/mlflowc. */
#ifndef MLC_PANELS_MODELS_H
#define MLC_PANELS_MODELS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/mlflow/mlflowc.h"
#include "mlflowp.h"
#include "tui/view.h"

/* The panel's state (p->priv, allocated in open, freed in close). The
 * models list lives here rather than in the models view: the versions view
 * reads the aliases from it and `:model` completes from it. */
struct models {
	struct panel *p;
	const struct target *t; /* the server shown; NULL until one is chosen */
	struct mlp_clients cs;
	/* Bumped on every change any view shows: every view's generation. */
	unsigned long gen;
	struct mlflow_model_page models;
	struct mlflowc_req *models_req;
	bool loaded;
	bool req_filtered; /* models_req carries a :filter: an error puts the old one back */
	char filter[256], prev_filter[256]; /* :filter, sent to the server */
	char err[300];			    /* the last load's error, "" when it worked */
	/* The one write in flight (alias move, stage transition). The panel's,
	 * not a view's: leaving the view that asked does not cancel it. */
	struct mlflowc_req *write_req;
	const struct target *write_t; /* its server */
	char write_msg[400];	      /* said when it succeeds */
	char write_audit[800];	      /* the exact request, for log_audit */
	struct view *write_pop;	      /* popped when it succeeds, if still on top */
	/* The view a pending input or dialog answers to; a view's close clears
	 * it, so an answer that comes after its view left is dropped. */
	struct view *asking;
};

extern const struct view_ops models_view, versions_view, promote_view;

/* The panel state of a view of this panel. */
struct models *md_of(struct view *v);
/* Something shown changed: new generation, redraw. */
void md_bump(struct models *m);
/* The client of the server shown, started on first use; NULL while no
 * server is chosen (none configured, or several and none chosen yet). */
struct mlflowc *md_client(struct models *m);
/* (Re)loads the registered models with the :filter in force. */
void md_models_load(struct models *m);
/* The loaded model called name, or NULL. */
const struct mlflow_model *md_model_named(const struct models *m, const char *name);
/* Takes the answer of a pending input or dialog: the view that asked
 * (m->asking, then cleared), or NULL when it has gone or the answer was no
 * (declined, when not NULL, is then said on the status line). */
struct view *md_answered(struct models *m, bool yes, const char *declined);
/* Clears m->asking and m->write_pop when they point at v (its close). */
void md_forget_view(struct models *m, struct view *v);

/* The panel's writes; each says what it did (or why not) on the status line
 * and reloads the models and the view on top. md_write_alias pops `from`
 * when the move succeeded and it is still on top. */
void md_write_alias(struct models *m, const char *model, const char *alias, const char *version,
		    struct view *from);
void md_write_stage(struct models *m, const char *model, const char *version, const char *stage);

/* Pushes the versions view of model (models_versions.c). */
struct view *md_versions_push(struct models *m, const char *model);

/* Pushes the promotion view: moving alias of model to version cand (its
 * source run cand_run) from its holder (holder_version, holder_run; NULL
 * or "" when the alias points nowhere yet). models_promote.c. */
struct view *md_promote_push(struct models *m, const char *model, const char *alias,
			     const char *cand, const char *cand_run, const char *holder_version,
			     const char *holder_run);

/* A list's placeholder: no [mlflow] configured (or none chosen), else err
 * when not "",
 * else "loading…" or none. */
void md_empty_text(const struct models *m, const char *err, bool loading, const char *none,
		   char *out, size_t n);
/* Shared cell texts: "k=v k2=v2" (tags), sanitized. */
struct mlflow_kv;
void md_kv_cell(const struct mlflow_kv *kv, size_t n, struct cell *out);

#endif
