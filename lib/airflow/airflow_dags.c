/* lib/airflow/airflow_dags.c — Airflow's DAG list and pools (see
 * airflow.h), v1 and v2 alike: a DAG's schedule (v1: timetable_description
 * or the schedule_interval object; v2: timetable_summary), its tags as
 * objects, its next run (v1 next_dagrun; v2 next_dagrun_logical_date, else
 * next_dagrun_run_after), import errors; a pool's slots. Never performs
 * I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/airflow/airflow.h"
#include "lib/airflow/airflow_int.h"
#include "lib/core/http.h"
#include "lib/core/jsonx.h"
#include "lib/core/util.h"

static int is_obj(const json_t *v)
{
	return json_is_object(v);
}
static int is_arr(const json_t *v)
{
	return json_is_array(v);
}

/* v1's schedule_interval: {"__type": "CronExpression", "value": …} or a
 * TimeDelta of days and seconds. */
static char *interval_text(json_t *si)
{
	const char *type = json_string_value(json_object_get(si, "__type"));
	const char *value = json_string_value(json_object_get(si, "value"));
	if (value)
		return xstrdup(value);
	if (type && !strcmp(type, "TimeDelta")) {
		long d = (long)json_integer_value(json_object_get(si, "days"));
		long s = (long)json_integer_value(json_object_get(si, "seconds"));
		return d && !s		     ? xasprintf("every %ldd", d)
		       : !d && s % 3600 == 0 ? xasprintf("every %ldh", s / 3600)
		       : !d && s % 60 == 0   ? xasprintf("every %ldm", s / 60)
					     : xasprintf("every %ldd %lds", d, s);
	}
	return xstrdup(type ? type : "?");
}

static void dag_free(void *item)
{
	struct airflow_dag_info *x = item;
	free(x->dag_id);
	free(x->schedule);
	free(x->tags);
}

static int one_dag(json_t *o, const char *path, void *item, struct mlc_err *err)
{
	struct airflow_dag_info *x = item;
	memset(x, 0, sizeof *x);
	if (!json_is_object(o))
		return airflow_wrong(err, path, NULL, "object");
	struct rd d = {o, path, err, 0};
	x->dag_id = airflow_rstr(&d, "dag_id");
	json_t *v = airflow_member(&d, "is_paused", airflow_is_bool, "boolean");
	x->paused = v && json_is_true(v);
	v = airflow_member(&d, "has_import_errors", airflow_is_bool, "boolean");
	x->import_errors = v && json_is_true(v);
	char *desc = airflow_rstr(&d, "timetable_description");
	char *summary = airflow_rstr(&d, "timetable_summary");
	json_t *si = airflow_member(&d, "schedule_interval", is_obj, "object");
	x->schedule = summary	      ? summary
		      : desc && *desc ? xstrdup(desc)
		      : si	      ? interval_text(si)
				      : NULL;
	if (x->schedule != summary)
		free(summary);
	free(desc);
	x->next_ms = airflow_rtime(&d, "next_dagrun");
	if (!x->next_ms)
		x->next_ms = airflow_rtime(&d, "next_dagrun_logical_date");
	if (!x->next_ms)
		x->next_ms = airflow_rtime(&d, "next_dagrun_run_after");
	json_t *tags = airflow_member(&d, "tags", is_arr, "array"), *t;
	size_t i;
	struct buf b;
	buf_init(&b);
	json_array_foreach(tags, i, t)
	{
		const char *name = json_string_value(json_object_get(t, "name"));
		if (name)
			buf_printf(&b, "%s%s", b.len ? " " : "", name);
	}
	x->tags = b.len ? buf_steal(&b) : NULL;
	buf_free(&b);
	if (!d.rc && !x->dag_id)
		d.rc = airflow_wrong(err, path, "dag_id", "string");
	if (d.rc)
		dag_free(x);
	return d.rc;
}

static void pool_free(void *item)
{
	struct airflow_pool *x = item;
	free(x->name);
}

static int one_pool(json_t *o, const char *path, void *item, struct mlc_err *err)
{
	struct airflow_pool *x = item;
	memset(x, 0, sizeof *x);
	if (!json_is_object(o))
		return airflow_wrong(err, path, NULL, "object");
	struct rd d = {o, path, err, 0};
	x->name = airflow_rstr(&d, "name");
	static const char *const keys[] = {"slots",	    "open_slots",   "occupied_slots",
					   "running_slots", "queued_slots", "deferred_slots"};
	long *out[] = {&x->slots, &x->open, &x->occupied, &x->running, &x->queued, &x->deferred};
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		json_t *v = airflow_member(&d, keys[i], airflow_is_int, "integer");
		*out[i] = v ? (long)json_integer_value(v) : 0;
	}
	if (!d.rc && !x->name)
		d.rc = airflow_wrong(err, path, "name", "string");
	if (d.rc)
		pool_free(x);
	return d.rc;
}

int airflow_parse_dags(struct airflow_dags *out, const char *body, size_t len, struct mlc_err *err)
{
	return airflow_parse_page(body, len, "dags", sizeof *out->items, one_dag, dag_free,
				  (void **)&out->items, &out->n, &out->total, err);
}

int airflow_parse_pools(struct airflow_pools *out, const char *body, size_t len,
			struct mlc_err *err)
{
	return airflow_parse_page(body, len, "pools", sizeof *out->items, one_pool, pool_free,
				  (void **)&out->items, &out->n, &out->total, err);
}

void airflow_dags_free(struct airflow_dags *p)
{
	free_items(p->items, p->n, sizeof *p->items, dag_free);
	memset(p, 0, sizeof *p);
}

void airflow_pools_free(struct airflow_pools *p)
{
	free_items(p->items, p->n, sizeof *p->items, pool_free);
	memset(p, 0, sizeof *p);
}

char *airflow_dags_path(int limit, int offset)
{
	return xasprintf("/dags?limit=%d&offset=%d&order_by=dag_id", limit, offset);
}

char *airflow_clear_path(const char *dag_id)
{
	char *d = http_urlencode(dag_id, false), *p = xasprintf("/dags/%s/clearTaskInstances", d);
	free(d);
	return p;
}

char *airflow_clear_body(const char *run_id, const char *task_id, bool dry_run)
{
	json_t *r = json_string(run_id), *t = json_string(task_id);
	json_t *o = json_pack("{s:b,s:[o],s:o,s:b,s:b,s:b}", "dry_run", dry_run, "task_ids",
			      t ? t : json_string(""), "dag_run_id", r ? r : json_string(""),
			      "only_failed", 0, "include_downstream", 1, "reset_dag_runs", 1);
	return jsonx_dump(o);
}

char *airflow_pools_path(void)
{
	return xstrdup("/pools?limit=100");
}
