/* lib/prefect/prefect.c — Prefect 2 bodies and parsers (see prefect.h).
 * Every member a parser reads may be null or absent; a member of the wrong
 * type fails the page with its JSON path. Never performs I/O. */
#include "lib/prefect/prefect.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/core/isotime.h"
#include "lib/core/jsonx.h"
#include "lib/core/util.h"

#define WHO "prefect"

/* Where a parser is, for its error messages: "[3].state". */
struct at {
	struct mlc_err *err;
	char path[64];
};

static int bad(struct at *a, const char *key, const char *want)
{
	return mlc_err_set(a->err, MLC_ERR_PARSE, 0, WHO ": %s%s%s: expected %s", a->path,
			   *a->path && key ? "." : "", key ? key : "", want);
}

/* A string member, or NULL for null/absent. */
static int get_str(struct at *a, json_t *o, const char *key, char **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad(a, key, "string");
	*out = jsonx_strdup(v);
	return 0;
}

static int get_num(struct at *a, json_t *o, const char *key, double *out)
{
	json_t *v = json_object_get(o, key);
	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v))
		return bad(a, key, "number");
	*out = json_number_value(v);
	return 0;
}

static int get_time(struct at *a, json_t *o, const char *key, int64_t *out)
{
	char *s;
	*out = 0;
	if (get_str(a, o, key, &s))
		return -MLC_ERR_PARSE;
	if (s)
		*out = iso_time_ms(s);
	free(s);
	return 0;
}

/* The array root of a listing, read as jsonx reads user data (a NUL or a
 * lone surrogate in one name never fails the page): jsonx takes an object
 * root, so the array is read as the member of one. */
static json_t *load_array(const char *body, size_t len, struct mlc_err *err)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "{\"a\":");
	buf_append(&b, body, len);
	buf_puts(&b, "\n}");
	json_t *wrap = jsonx_load_object(b.data, b.len, WHO, err);
	buf_free(&b);
	if (!wrap)
		return NULL;
	/* One member, or the body was more than one value ("[], \"b\": 1"). */
	json_t *root = json_object_size(wrap) == 1 ? json_incref(json_object_get(wrap, "a")) : NULL;
	json_decref(wrap);
	if (!json_is_array(root)) {
		mlc_err_set(err, MLC_ERR_PARSE, 0, WHO ": (root): expected array");
		json_decref(root);
		return NULL;
	}
	return root;
}

/* Runs parse_one on each element of an array body into items of size sz. */
typedef int (*one_cb)(struct at *a, json_t *o, void *item);
static int parse_list(const char *body, size_t len, struct mlc_err *err, size_t sz, void **items,
		      size_t *n, one_cb one, void (*free_one)(void *))
{
	*items = NULL;
	*n = 0;
	json_t *root = load_array(body, len, err);
	if (!root)
		return -MLC_ERR_PARSE;
	size_t cnt = json_array_size(root);
	char *arr = xcalloc(cnt ? cnt : 1, sz);
	struct at a = {.err = err};
	for (size_t i = 0; i < cnt; i++) {
		json_t *o = json_array_get(root, i);
		snprintf(a.path, sizeof a.path, "[%zu]", i);
		if (!json_is_object(o) ? bad(&a, NULL, "object") : one(&a, o, arr + i * sz)) {
			for (size_t j = 0; j <= i; j++)
				free_one(arr + j * sz);
			free(arr);
			json_decref(root);
			return -MLC_ERR_PARSE;
		}
	}
	json_decref(root);
	*items = arr;
	*n = cnt;
	return 0;
}

static int state_of(struct at *a, json_t *o, char **type, char **name, char **message)
{
	json_t *st = json_object_get(o, "state");
	if (st && !json_is_null(st) && !json_is_object(st))
		return bad(a, "state", "object");
	if (get_str(a, o, "state_type", type) || get_str(a, o, "state_name", name))
		return -MLC_ERR_PARSE;
	if (!json_is_object(st))
		return 0;
	size_t pl = strlen(a->path);
	snprintf(a->path + pl, sizeof a->path - pl, ".state");
	char *t = NULL, *nm = NULL;
	int rc = get_str(a, st, "type", &t) || get_str(a, st, "name", &nm) ||
		 get_str(a, st, "message", message);
	a->path[pl] = '\0';
	if (rc) { /* what was read before the wrong member is ours to free */
		free(t);
		free(nm);
		return -MLC_ERR_PARSE;
	}
	/* The nested state is the newer one when both are there. */
	if (t) {
		free(*type);
		*type = t;
	}
	if (nm) {
		free(*name);
		*name = nm;
	}
	return 0;
}

static char *tags_of(json_t *o)
{
	json_t *tags = json_object_get(o, "tags");
	if (!json_is_array(tags) || !json_array_size(tags))
		return NULL;
	struct buf b;
	buf_init(&b);
	size_t i;
	json_t *t;
	json_array_foreach(tags, i, t)
	{
		if (!json_is_string(t))
			continue;
		char *s = jsonx_strdup(t);
		buf_printf(&b, "%s%s", b.len ? " " : "", s);
		free(s);
	}
	return buf_steal(&b);
}

void prefect_run_free(struct prefect_run *r)
{
	char **s[] = {
	    &r->id,	    &r->name,	    &r->flow_id,    &r->deployment_id, &r->work_pool,
	    &r->work_queue, &r->state_type, &r->state_name, &r->state_message, &r->parameters,
	    &r->tags};
	for (size_t i = 0; i < ARRAY_LEN(s); i++)
		free(*s[i]);
	memset(r, 0, sizeof *r);
}

static int one_run(struct at *a, json_t *o, void *item)
{
	struct prefect_run *r = item;
	memset(r, 0, sizeof *r);
	if (get_str(a, o, "id", &r->id) || get_str(a, o, "name", &r->name) ||
	    get_str(a, o, "flow_id", &r->flow_id) ||
	    get_str(a, o, "deployment_id", &r->deployment_id) ||
	    get_str(a, o, "work_pool_name", &r->work_pool) ||
	    get_str(a, o, "work_queue_name", &r->work_queue) ||
	    state_of(a, o, &r->state_type, &r->state_name, &r->state_message) ||
	    get_time(a, o, "expected_start_time", &r->expected_ms) ||
	    get_time(a, o, "start_time", &r->start_ms) || get_time(a, o, "end_time", &r->end_ms) ||
	    get_num(a, o, "total_run_time", &r->total_run_time) ||
	    get_num(a, o, "estimated_run_time", &r->estimated_run_time))
		return -MLC_ERR_PARSE;
	json_t *params = json_object_get(o, "parameters");
	if (json_is_object(params) && json_object_size(params))
		r->parameters = jsonx_dump(json_incref(params));
	r->tags = tags_of(o);
	if (!r->id)
		return bad(a, "id", "string");
	return 0;
}

static void run_free_v(void *p)
{
	prefect_run_free(p);
}

int prefect_parse_runs(struct prefect_runs *out, const char *body, size_t len, struct mlc_err *err)
{
	return parse_list(body, len, err, sizeof *out->items, (void **)&out->items, &out->n,
			  one_run, run_free_v);
}

int prefect_parse_run(struct prefect_run *out, const char *body, size_t len, struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root = jsonx_load(body, len, WHO, err);
	if (!root)
		return -MLC_ERR_PARSE;
	struct at a = {.err = err};
	int rc = json_is_object(root) ? one_run(&a, root, out) : bad(&a, NULL, "object");
	if (rc)
		prefect_run_free(out);
	json_decref(root);
	return rc ? -MLC_ERR_PARSE : 0;
}

void prefect_runs_free(struct prefect_runs *p)
{
	free_items(p->items, p->n, sizeof *p->items, run_free_v);
	memset(p, 0, sizeof *p);
}

/* ---- flows, states, task runs, logs --------------------------------------- */

static int one_flow(struct at *a, json_t *o, void *item)
{
	struct prefect_flow *f = item;
	return get_str(a, o, "id", &f->id) || get_str(a, o, "name", &f->name) ? -MLC_ERR_PARSE : 0;
}

static void flow_free(void *item)
{
	struct prefect_flow *f = item;
	free(f->id);
	free(f->name);
}

int prefect_parse_flows(struct prefect_flows *out, const char *body, size_t len,
			struct mlc_err *err)
{
	return parse_list(body, len, err, sizeof *out->items, (void **)&out->items, &out->n,
			  one_flow, flow_free);
}

void prefect_flows_free(struct prefect_flows *p)
{
	free_items(p->items, p->n, sizeof *p->items, flow_free);
	memset(p, 0, sizeof *p);
}

static int one_state(struct at *a, json_t *o, void *item)
{
	struct prefect_state *s = item;
	return get_str(a, o, "type", &s->type) || get_str(a, o, "name", &s->name) ||
		       get_str(a, o, "message", &s->message) ||
		       get_time(a, o, "timestamp", &s->ts_ms)
		   ? -MLC_ERR_PARSE
		   : 0;
}

static void state_free(void *item)
{
	struct prefect_state *s = item;
	free(s->type);
	free(s->name);
	free(s->message);
}

int prefect_parse_states(struct prefect_states *out, const char *body, size_t len,
			 struct mlc_err *err)
{
	return parse_list(body, len, err, sizeof *out->items, (void **)&out->items, &out->n,
			  one_state, state_free);
}

void prefect_states_free(struct prefect_states *p)
{
	free_items(p->items, p->n, sizeof *p->items, state_free);
	memset(p, 0, sizeof *p);
}

static int one_task(struct at *a, json_t *o, void *item)
{
	struct prefect_task_run *t = item;
	char *msg = NULL;
	double total = 0, est = 0, count = 0;
	int rc = get_str(a, o, "id", &t->id) || get_str(a, o, "name", &t->name) ||
		 state_of(a, o, &t->state_type, &t->state_name, &msg) ||
		 get_time(a, o, "start_time", &t->start_ms) ||
		 get_time(a, o, "end_time", &t->end_ms) ||
		 get_num(a, o, "total_run_time", &total) ||
		 get_num(a, o, "estimated_run_time", &est) || get_num(a, o, "run_count", &count);
	free(msg);
	t->run_time = total > 0 ? total : est;
	t->run_count = (int)count;
	return rc ? -MLC_ERR_PARSE : 0;
}

static void task_free(void *item)
{
	struct prefect_task_run *t = item;
	free(t->id);
	free(t->name);
	free(t->state_type);
	free(t->state_name);
}

int prefect_parse_task_runs(struct prefect_task_runs *out, const char *body, size_t len,
			    struct mlc_err *err)
{
	return parse_list(body, len, err, sizeof *out->items, (void **)&out->items, &out->n,
			  one_task, task_free);
}

void prefect_task_runs_free(struct prefect_task_runs *p)
{
	free_items(p->items, p->n, sizeof *p->items, task_free);
	memset(p, 0, sizeof *p);
}

static int one_log(struct at *a, json_t *o, void *item)
{
	struct prefect_log *l = item;
	double level = 0;
	int rc = get_str(a, o, "name", &l->name) || get_str(a, o, "message", &l->message) ||
		 get_time(a, o, "timestamp", &l->ts_ms) || get_num(a, o, "level", &level);
	l->level = (int)level;
	return rc ? -MLC_ERR_PARSE : 0;
}

static void log_free(void *item)
{
	struct prefect_log *l = item;
	free(l->name);
	free(l->message);
}

int prefect_parse_logs(struct prefect_logs *out, const char *body, size_t len, struct mlc_err *err)
{
	return parse_list(body, len, err, sizeof *out->items, (void **)&out->items, &out->n,
			  one_log, log_free);
}

void prefect_logs_free(struct prefect_logs *p)
{
	free_items(p->items, p->n, sizeof *p->items, log_free);
	memset(p, 0, sizeof *p);
}

/* ---- set_state ------------------------------------------------------------ */

int prefect_parse_set_state(struct prefect_set_state *out, const char *body, size_t len,
			    struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root = jsonx_load(body, len, WHO, err);
	if (!root)
		return -MLC_ERR_PARSE;
	struct at a = {.err = err};
	char *msg = NULL;
	json_t *det = json_object_get(root, "details");
	int rc = !json_is_object(root)			     ? bad(&a, NULL, "object")
		 : get_str(&a, root, "status", &out->status) ? -MLC_ERR_PARSE
		 : (det && !json_is_null(det) && !json_is_object(det))
		     ? bad(&a, "details", "object")
		     : 0;
	if (!rc && json_is_object(det))
		rc = get_str(&a, det, "reason", &out->reason);
	if (!rc)
		rc = state_of(&a, root, &out->state_type, &out->state_name, &msg);
	if (!rc && !out->status)
		rc = bad(&a, "status", "string");
	free(msg);
	json_decref(root);
	if (rc)
		prefect_set_state_free(out);
	return rc ? -MLC_ERR_PARSE : 0;
}

void prefect_set_state_free(struct prefect_set_state *s)
{
	free(s->status);
	free(s->reason);
	free(s->state_type);
	free(s->state_name);
	memset(s, 0, sizeof *s);
}

void prefect_422_detail(const char *body, size_t len, char *out, size_t n)
{
	struct mlc_err e;
	json_t *root = jsonx_load(body, len, WHO, &e);
	json_t *list = json_object_get(root, "exception_detail");
	struct buf b;
	buf_init(&b);
	size_t i, j;
	json_t *d, *l;
	json_array_foreach(list, i, d)
	{
		buf_printf(&b, "%s", b.len ? "; " : "");
		json_array_foreach(json_object_get(d, "loc"), j, l)
		{
			if (json_is_string(l))
				buf_printf(&b, "%s%s", j ? "." : "", json_string_value(l));
			else if (json_is_integer(l))
				buf_printf(&b, "%s%lld", j ? "." : "",
					   (long long)json_integer_value(l));
		}
		const char *msg = json_string_value(json_object_get(d, "msg"));
		buf_printf(&b, ": %s", msg ? msg : "?");
	}
	snprintf(out, n, "%s", b.data ? b.data : "");
	buf_free(&b);
	json_decref(root);
}

/* ---- request bodies ------------------------------------------------------- */

static json_t *any_of(const char *const *v, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_string(v[i]));
	return json_pack("{s:o}", "any_", arr);
}

char *prefect_runs_body(const char *const *types, int limit, int offset)
{
	json_t *o = json_pack("{s:s, s:i, s:i}", "sort", "EXPECTED_START_TIME_DESC", "limit",
			      MLC_MIN(limit, 200), "offset", offset);
	if (types) {
		size_t n = 0;
		while (types[n])
			n++;
		json_object_set_new(o, "flow_runs",
				    json_pack("{s:{s:o}}", "state", "type", any_of(types, n)));
	}
	return jsonx_dump(o);
}

static char *ids_body(const char *collection, const char *const *ids, size_t n)
{
	return jsonx_dump(json_pack("{s:{s:o}, s:i}", collection, "id", any_of(ids, n), "limit",
				    (int)MLC_MIN(MLC_MAX(n, 1), 200)));
}

char *prefect_flows_body(const char *const *ids, size_t n)
{
	return ids_body("flows", ids, n);
}

char *prefect_deployments_body(const char *const *ids, size_t n)
{
	return ids_body("deployments", ids, n);
}

char *prefect_task_runs_body(const char *flow_run_id)
{
	return jsonx_dump(json_pack("{s:s, s:i, s:{s:o}}", "sort", "EXPECTED_START_TIME_ASC",
				    "limit", 200, "flow_runs", "id", any_of(&flow_run_id, 1)));
}

char *prefect_logs_page_body(const char *flow_run_id, int64_t ts_ms, bool before, int offset,
			     int limit)
{
	json_t *logs = json_pack("{s:o}", "flow_run_id", any_of(&flow_run_id, 1));
	if (ts_ms > 0) {
		char ts[48];
		time_t s = (time_t)(ts_ms / 1000);
		struct tm tm;
		gmtime_r(&s, &tm);
		size_t k = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
		/* the whole millisecond on either side: the lines are told
		 * apart by millisecond, the server keeps microseconds */
		snprintf(ts + k, sizeof ts - k, ".%03d%s+00:00", (int)(ts_ms % 1000),
			 before ? "999" : "000");
		json_object_set_new(logs, "timestamp",
				    json_pack("{s:s}", before ? "before_" : "after_", ts));
	}
	json_t *o =
	    json_pack("{s:s, s:i, s:o}", "sort", before ? "TIMESTAMP_DESC" : "TIMESTAMP_ASC",
		      "limit", MLC_MIN(limit, 200), "logs", logs);
	if (offset > 0)
		json_object_set_new(o, "offset", json_integer(offset));
	return jsonx_dump(o);
}

char *prefect_logs_body(const char *flow_run_id, int64_t after_ms, int limit)
{
	return prefect_logs_page_body(flow_run_id, after_ms, false, 0, limit);
}

char *prefect_set_state_body(const char *type, const char *message)
{
	return jsonx_dump(json_pack("{s:{s:s, s:s}}", "state", "type", type, "message", message));
}
