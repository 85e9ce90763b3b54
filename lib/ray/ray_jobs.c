/* lib/ray/ray_jobs.c — the work on the cluster (see ray.h): /api/jobs/ (a
 * bare array of JobDetails, snake_case, times in ms, driver pid as a
 * string), one job, its logs and the answer to stop; /api/v0/actors (the
 * state API's envelope); /api/serve/applications/. Pure: no I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/jsonx.h"
#include "lib/core/util.h"
#include "lib/ray/ray.h"
#include "lib/ray/ray_int.h"

static int64_t ms_of(json_t *o, const char *key)
{
	double d = rj_num(o, key);
	return d > 0 && d < 9e15 ? (int64_t)d : 0;
}

static void job_from(struct ray_job *j, json_t *o)
{
	j->submission_id = rj_str(o, "submission_id");
	j->job_id = rj_str(o, "job_id");
	j->type = rj_str(o, "type");
	j->status = rj_str(o, "status");
	j->entrypoint = rj_str(o, "entrypoint");
	j->message = rj_str(o, "message");
	j->error_type = rj_str(o, "error_type");
	json_t *d = json_object_get(o, "driver_info");
	j->driver_ip = rj_str(d, "node_ip_address");
	j->driver_node_id = rj_str(o, "driver_node_id");
	j->start_ms = ms_of(o, "start_time");
	j->end_ms = ms_of(o, "end_time");
	double ec = rj_num(o, "driver_exit_code");
	json_t *ecv = json_object_get(o, "driver_exit_code");
	j->has_exit_code = json_is_integer(ecv);
	j->exit_code = j->has_exit_code ? (int64_t)ec : 0;
	if (json_is_integer(ecv))
		j->exit_code = json_integer_value(ecv);
	j->metadata = rj_pairs(json_object_get(o, "metadata"), &j->nmetadata);
}

int ray_jobs_parse(struct ray_jobs *out, const char *body, size_t len, struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root = ray_load(body, len, "/api/jobs/", JSON_ARRAY, err);
	if (!root)
		return -err->code;
	out->v = xcalloc(json_array_size(root) + 1, sizeof *out->v);
	size_t i;
	json_t *e;
	json_array_foreach(root, i, e)
	{
		if (json_is_object(e))
			job_from(&out->v[out->n++], e);
	}
	json_decref(root);
	return 0;
}

int ray_job_parse(struct ray_job *out, const char *body, size_t len, struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root = ray_load(body, len, "/api/jobs/ID", JSON_OBJECT, err);
	if (!root)
		return -err->code;
	job_from(out, root);
	json_decref(root);
	return 0;
}

int ray_logs_parse(char **out, const char *body, size_t len, struct mlc_err *err)
{
	*out = NULL;
	json_t *root = ray_load(body, len, "/api/jobs/ID/logs", JSON_OBJECT, err);
	if (!root)
		return -err->code;
	json_t *l = json_object_get(root, "logs");
	if (!json_is_string(l)) {
		json_decref(root);
		return mlc_err_set(err, MLC_ERR_PARSE, 0,
				   "ray: /api/jobs/ID/logs: logs: expected string");
	}
	/* the whole text, NULs shown: jsonx_strdup would cap it at 4 KiB */
	struct buf b;
	buf_init(&b);
	const char *s = json_string_value(l);
	size_t n = json_string_length(l);
	for (size_t i = 0; i < n; i++) {
		if (s[i])
			buf_append(&b, &s[i], 1);
		else
			buf_puts(&b, "^@");
	}
	*out = buf_steal(&b);
	json_decref(root);
	return 0;
}

int ray_stop_parse(bool *out, const char *body, size_t len, struct mlc_err *err)
{
	*out = false;
	json_t *root = ray_load(body, len, "/api/jobs/ID/stop", JSON_OBJECT, err);
	if (!root)
		return -err->code;
	json_t *s = json_object_get(root, "stopped");
	if (!json_is_boolean(s)) {
		json_decref(root);
		return mlc_err_set(err, MLC_ERR_PARSE, 0,
				   "ray: /api/jobs/ID/stop: stopped: expected boolean");
	}
	*out = json_is_true(s);
	json_decref(root);
	return 0;
}

void ray_job_free(struct ray_job *j)
{
	free(j->submission_id), free(j->job_id), free(j->type), free(j->status);
	free(j->entrypoint), free(j->message), free(j->error_type), free(j->driver_ip);
	free(j->driver_node_id);
	rj_strv_free(j->metadata, j->nmetadata);
	memset(j, 0, sizeof *j);
}

static void job_free_one(void *j)
{
	ray_job_free(j);
}

void ray_jobs_free(struct ray_jobs *js)
{
	free_items(js->v, js->n, sizeof *js->v, job_free_one);
	memset(js, 0, sizeof *js);
}

bool ray_job_running(const char *status)
{
	return status && (!strcmp(status, "RUNNING") || !strcmp(status, "PENDING"));
}

/* ---- /api/v0/actors -------------------------------------------------------- */

/* death_cause: {actor_died_error_context: {error_message, reason}} or
 * another *_context with an error_message. */
static char *death_of(json_t *dc)
{
	const char *k;
	json_t *ctx;
	json_object_foreach(dc, k, ctx)
	{
		char *m = rj_str(ctx, "error_message");
		if (m)
			return m;
		m = rj_str(ctx, "reason");
		if (m)
			return m;
	}
	return NULL;
}

int ray_actors_parse(struct ray_actors *out, const char *body, size_t len, struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root;
	json_t *rows = ray_load_rows(body, len, "/api/v0/actors", &root, &out->total, err);
	if (!rows)
		return -err->code;
	out->v = xcalloc(json_array_size(rows) + 1, sizeof *out->v);
	size_t i;
	json_t *e;
	json_array_foreach(rows, i, e)
	{
		if (!json_is_object(e))
			continue;
		struct ray_actor *a = &out->v[out->n++];
		a->id = rj_str(e, "actor_id");
		a->class_name = rj_str(e, "class_name");
		a->state = rj_str(e, "state");
		a->name = rj_str(e, "name");
		a->node_id = rj_str(e, "node_id");
		a->job_id = rj_str(e, "job_id");
		double pid = rj_num(e, "pid");
		a->pid = pid >= 0 ? (int64_t)pid : -1;
		a->death = death_of(json_object_get(e, "death_cause"));
	}
	json_decref(root);
	return 0;
}

void ray_actors_free(struct ray_actors *as)
{
	for (size_t i = 0; i < as->n; i++) {
		struct ray_actor *a = &as->v[i];
		free(a->id), free(a->class_name), free(a->state), free(a->name);
		free(a->node_id), free(a->job_id), free(a->death);
	}
	free(as->v);
	memset(as, 0, sizeof *as);
}

/* ---- /api/serve/applications/ ----------------------------------------------- */

static void deployment_from(struct ray_deployment *d, const char *name, json_t *o)
{
	d->name = jsonx_capdup(name);
	d->status = rj_str(o, "status");
	d->message = rj_str(o, "message");
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(o, "replicas"), i, r)
	{
		d->replicas++;
		json_t *st = json_object_get(r, "state");
		if (json_is_string(st) && !strcmp(json_string_value(st), "RUNNING"))
			d->healthy++;
	}
}

int ray_serve_parse(struct ray_serve *out, const char *body, size_t len, struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root = ray_load(body, len, "/api/serve/applications/", JSON_OBJECT, err);
	if (!root)
		return -err->code;
	json_t *apps = json_object_get(root, "applications");
	out->v = xcalloc(json_object_size(apps) + 1, sizeof *out->v);
	const char *k;
	json_t *o;
	json_object_foreach(apps, k, o)
	{
		if (!json_is_object(o))
			continue;
		struct ray_app *a = &out->v[out->n++];
		a->name = rj_str(o, "name");
		if (!a->name)
			a->name = jsonx_capdup(k);
		a->status = rj_str(o, "status");
		a->route_prefix = rj_str(o, "route_prefix");
		a->message = rj_str(o, "message");
		json_t *deps = json_object_get(o, "deployments");
		a->deps = xcalloc(json_object_size(deps) + 1, sizeof *a->deps);
		const char *dk;
		json_t *dv;
		json_object_foreach(deps, dk, dv)
		{
			if (!json_is_object(dv))
				continue;
			struct ray_deployment *d = &a->deps[a->ndeps++];
			deployment_from(d, dk, dv);
			a->replicas += d->replicas;
			a->healthy += d->healthy;
		}
	}
	json_decref(root);
	return 0;
}

static void deployment_free(void *item)
{
	struct ray_deployment *d = item;
	free(d->name), free(d->status), free(d->message);
}

static void app_free(void *item)
{
	struct ray_app *a = item;
	free(a->name), free(a->status), free(a->route_prefix), free(a->message);
	free_items(a->deps, a->ndeps, sizeof *a->deps, deployment_free);
}

void ray_serve_free(struct ray_serve *s)
{
	free_items(s->v, s->n, sizeof *s->v, app_free);
	memset(s, 0, sizeof *s);
}
