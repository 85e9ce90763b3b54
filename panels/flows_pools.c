/* panels/flows_pools.c — the cells of the `:pools` view (flows_lists.c):
 * Prefect work pools and queues, Airflow pools and Airflow's health
 * components, one table over the four parsed answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flows.h"
#include "lib/core/util.h"

void fl_num_cell(struct cell *out, long v, const char *none, enum role role)
{
	char t[32];
	snprintf(t, sizeof t, "%ld", v);
	fl_cell(out, v < 0 ? none : t, role);
	out->has_num = true;
	out->num = (double)v;
}

enum { O_BACKEND, O_KIND, O_NAME, O_STATUS, O_LIMIT, O_USE, O_COUNT };
static const struct column pool_cols[O_COUNT] = {
    [O_BACKEND] = {"BACKEND", 7, 7, ALIGN_LEFT, 3, false},
    [O_KIND] = {"KIND", 5, 13, ALIGN_LEFT, 4, false},
    [O_NAME] = {"NAME", 8, 36, ALIGN_LEFT, 0, false},
    [O_STATUS] = {"STATUS", 6, 9, ALIGN_LEFT, 0, false},
    [O_LIMIT] = {"LIMIT/SLOTS", 11, 11, ALIGN_RIGHT, 2, true},
    [O_USE] = {"USE", 8, 0, ALIGN_LEFT, 1, false},
};

static void prefect_pool_cell(const struct prefect_pool *p, bool queue, int col, struct cell *out)
{
	char t[32], *s;
	const char *st = p->paused ? "PAUSED" : p->status;
	switch (col) {
	case O_BACKEND:
		fl_cell(out, "prefect", ROLE_DIM);
		break;
	case O_KIND:
		fl_cell(out, queue ? "queue" : p->type ? p->type : "pool", ROLE_DIM);
		break;
	case O_NAME:
		s = queue ? xasprintf("%s / %s", p->pool ? p->pool : "-", p->name)
			  : xstrdup(p->name);
		fl_cell(out, s, ROLE_NORMAL);
		free(s);
		break;
	case O_STATUS:
		fl_cell(out, st, st && !strcmp(st, "READY") ? ROLE_OK : ROLE_WARN);
		break;
	case O_LIMIT:
		fl_num_cell(out, p->concurrency, "unlimited", ROLE_NORMAL);
		break;
	case O_USE:
		if (!queue) {
			fl_cell(out, NULL, ROLE_DIM);
			break;
		}
		fl_time(t, sizeof t, p->last_polled_ms);
		s = p->last_polled_ms ? xasprintf("last polled %s", t) : xstrdup("never polled");
		fl_cell(out, s, p->last_polled_ms ? ROLE_DIM : ROLE_WARN);
		free(s);
		break;
	}
}

static void airflow_pool_cell(const struct airflow_pool *p, int col, struct cell *out)
{
	char *s;
	switch (col) {
	case O_BACKEND:
		fl_cell(out, "airflow", ROLE_DIM);
		break;
	case O_KIND:
		fl_cell(out, "pool", ROLE_DIM);
		break;
	case O_NAME:
		fl_cell(out, p->name, ROLE_NORMAL);
		break;
	case O_STATUS:
		fl_cell(out, p->open > 0 ? "open" : "full", p->open > 0 ? ROLE_OK : ROLE_WARN);
		break;
	case O_LIMIT:
		fl_num_cell(out, p->slots, "-", ROLE_NORMAL);
		break;
	case O_USE:
		s = xasprintf("running %ld · queued %ld · open %ld", p->running, p->queued,
			      p->open);
		fl_cell(out, s, p->queued && !p->open ? ROLE_WARN : ROLE_DIM);
		free(s);
		break;
	}
}

/* The k-th present health component of Airflow as a row. */
static void component_cell(const struct airflow_components *c, int k, int col, struct cell *out)
{
	int i = 0;
	for (; i < AIRFLOW_COMPONENTS && (!c->present[i] || k-- > 0); i++)
		;
	if (i == AIRFLOW_COMPONENTS)
		return;
	const char *st = c->status[i];
	char t[32], *s;
	switch (col) {
	case O_BACKEND:
		fl_cell(out, "airflow", ROLE_DIM);
		break;
	case O_KIND:
		fl_cell(out, "component", ROLE_DIM);
		break;
	case O_NAME:
		fl_cell(out, c->name[i], ROLE_NORMAL);
		break;
	case O_STATUS:
		fl_cell(out, st ? st : "never ran",
			!st			 ? ROLE_DIM
			: !strcmp(st, "healthy") ? ROLE_OK
						 : ROLE_ERR);
		break;
	case O_USE:
		fl_time(t, sizeof t, c->heartbeat_ms[i]);
		s = c->heartbeat_ms[i] ? xasprintf("last heartbeat %s", t) : NULL;
		fl_cell(out, s, ROLE_DIM);
		free(s);
		break;
	}
}

const struct column *fl_pool_columns(int *n)
{
	*n = O_COUNT;
	return pool_cols;
}

void fl_pool_cell(const struct prefect_pools *pools, const struct prefect_pools *queues,
		  const struct airflow_pools *apools, const struct airflow_components *comp,
		  int row, int col, struct cell *out)
{
	size_t i = (size_t)row;
	if (i < pools->n)
		prefect_pool_cell(&pools->items[i], false, col, out);
	else if ((i -= pools->n) < queues->n)
		prefect_pool_cell(&queues->items[i], true, col, out);
	else if ((i -= queues->n) < apools->n)
		airflow_pool_cell(&apools->items[i], col, out);
	else
		component_cell(comp, (int)(i - apools->n), col, out);
}
