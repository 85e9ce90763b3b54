/* lib/ray/ray_state.c — the state API's nodes and task summary (snake_case,
 * in the {result, msg, data: {result: {total, ..., result}}} envelope),
 * and the merge of its nodes into /nodes?view=summary's. Pure: no I/O,
 * never crashes on any input. */
#include "lib/ray/ray.h"

#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/ray/ray_int.h"

static int64_t ms_or_0(json_t *o, const char *key)
{
	double v = rj_num(o, key);
	return v > 0 ? (int64_t)v : 0;
}

int ray_state_nodes_parse(struct ray_state_nodes *out, const char *body, size_t len,
			  struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root;
	json_t *rows = ray_load_rows(body, len, "/api/v0/nodes", &root, &out->total, err);
	if (!rows)
		return -err->code;
	out->v = xcalloc(json_array_size(rows) + 1, sizeof *out->v);
	size_t i;
	json_t *e;
	json_array_foreach(rows, i, e)
	{
		if (!json_is_object(e))
			continue;
		struct ray_state_node *nd = &out->v[out->n++];
		nd->id = rj_str(e, "node_id");
		nd->ip = rj_str(e, "node_ip");
		nd->name = rj_str(e, "node_name");
		nd->state = rj_str(e, "state");
		nd->state_message = rj_str(e, "state_message");
		json_t *h = json_object_get(e, "is_head_node");
		nd->head = json_is_boolean(h) ? json_is_true(h) : -1;
		nd->start_ms = ms_or_0(e, "start_time_ms");
		nd->end_ms = ms_or_0(e, "end_time_ms");
	}
	json_decref(root);
	return 0;
}

void ray_state_nodes_free(struct ray_state_nodes *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct ray_state_node *n = &s->v[i];
		free(n->id), free(n->ip), free(n->name), free(n->state), free(n->state_message);
	}
	free(s->v);
	memset(s, 0, sizeof *s);
}

void ray_state_nodes_count(const struct ray_state_nodes *s, int *alive, int *dead)
{
	*alive = *dead = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].state && !strcmp(s->v[i].state, "ALIVE"))
			(*alive)++;
		else
			(*dead)++;
	}
}

static char *dup_or(char *have, const char *from)
{
	return have || !from ? have : xstrdup(from);
}

void ray_nodes_merge_state(struct ray_nodes *ns, const struct ray_state_nodes *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct ray_state_node *st = &s->v[i];
		if (!st->id)
			continue;
		struct ray_node *nd = NULL;
		for (size_t k = 0; k < ns->n && !nd; k++)
			if (ns->v[k].id && !strcmp(ns->v[k].id, st->id))
				nd = &ns->v[k];
		if (!nd) {
			ns->v = xrealloc(ns->v, (ns->n + 2) * sizeof *ns->v);
			nd = &ns->v[ns->n++];
			memset(nd, 0, sizeof *nd);
			nd->id = xstrdup(st->id);
			nd->head = -1;
			nd->workers = -1;
			nd->cpu = nd->gpu = nd->mem = nd->osm =
			    (struct ray_res){NULL, RAY_NA, RAY_NA};
		}
		nd->ip = dup_or(nd->ip, st->ip);
		nd->hostname = dup_or(nd->hostname, st->name);
		nd->state = dup_or(nd->state, st->state);
		nd->state_message = dup_or(nd->state_message, st->state_message);
		if (nd->head < 0)
			nd->head = st->head;
		if (!nd->start_ms)
			nd->start_ms = st->start_ms;
		if (!nd->end_ms)
			nd->end_ms = st->end_ms;
	}
}

/* ---- tasks ------------------------------------------------------------------- */

static void task_from(struct ray_task_sum *t, const char *key, json_t *o)
{
	t->name = rj_str(o, "func_or_class_name");
	if (!t->name && key)
		t->name = xstrdup(key);
	t->type = rj_str(o, "type");
	json_t *sc = json_object_get(o, "state_counts");
	t->counts = xcalloc(json_is_object(sc) ? json_object_size(sc) + 1 : 1, sizeof *t->counts);
	const char *k;
	json_t *v;
	if (json_is_object(sc))
		json_object_foreach(sc, k, v)
		{
			double n = rj_numv(v);
			if (n < 0)
				continue;
			t->counts[t->ncounts++] = (struct ray_task_count){xstrdup(k), (int64_t)n};
			t->total += (int64_t)n;
		}
}

static int task_cmp(const void *pa, const void *pb)
{
	const struct ray_task_sum *a = pa, *b = pb;
	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	return strcmp(a->name ? a->name : "", b->name ? b->name : "");
}

static int64_t count_or_na(json_t *o, const char *key)
{
	double v = rj_num(o, key);
	return v >= 0 ? (int64_t)v : -1;
}

int ray_tasks_parse(struct ray_tasks *out, const char *body, size_t len, struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	out->total = out->normal = out->actor_tasks = out->actor_scheduled = -1;
	json_t *root;
	json_t *data = ray_load_data(body, len, "/api/v0/tasks/summarize", &root, err);
	if (!data)
		return -err->code;
	json_t *res = json_object_get(data, "result");
	json_t *cl = json_object_get(
	    json_object_get(json_object_get(res, "result"), "node_id_to_summary"), "cluster");
	json_t *sum = json_object_get(cl, "summary");
	if (!json_is_object(sum) && !json_is_array(sum)) {
		json_decref(root);
		return mlc_err_set(err, MLC_ERR_PARSE, 0,
				   "ray: /api/v0/tasks/summarize: data.result.result."
				   "node_id_to_summary.cluster.summary: expected object");
	}
	out->total = count_or_na(res, "total");
	out->normal = count_or_na(cl, "total_tasks");
	out->actor_tasks = count_or_na(cl, "total_actor_tasks");
	out->actor_scheduled = count_or_na(cl, "total_actor_scheduled");
	size_t cap = json_is_object(sum) ? json_object_size(sum) : json_array_size(sum);
	out->v = xcalloc(cap + 1, sizeof *out->v);
	const char *k;
	size_t i;
	json_t *v;
	if (json_is_object(sum)) {
		json_object_foreach(sum, k, v) if (json_is_object(v))
		    task_from(&out->v[out->n++], k, v);
	} else {
		json_array_foreach(sum, i, v) if (json_is_object(v))
		    task_from(&out->v[out->n++], NULL, v);
	}
	qsort(out->v, out->n, sizeof *out->v, task_cmp);
	json_decref(root);
	return 0;
}

void ray_tasks_free(struct ray_tasks *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct ray_task_sum *s = &t->v[i];
		for (size_t k = 0; k < s->ncounts; k++)
			free(s->counts[k].state);
		free(s->counts), free(s->name), free(s->type);
	}
	free(t->v);
	memset(t, 0, sizeof *t);
}
