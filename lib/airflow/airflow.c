/* lib/airflow/airflow.c — Airflow 2 and 3 paths, bodies and parsers (see
 * airflow.h). Members may be null or absent; one of the wrong type fails
 * the page with its JSON path. Never performs I/O. */
#include "lib/airflow/airflow.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/http.h"
#include "lib/core/isotime.h"
#include "lib/core/jsonx.h"
#include "lib/core/util.h"
#include "lib/airflow/airflow_int.h"

int airflow_wrong(struct mlc_err *err, const char *path, const char *key, const char *want)
{
	return mlc_err_set(err, MLC_ERR_PARSE, 0, WHO ": %s%s%s: expected %s", path,
			   *path && key ? "." : "", key ? key : "", want);
}

json_t *airflow_member(struct rd *r, const char *key, int (*is)(const json_t *), const char *want)
{
	json_t *v = json_object_get(r->o, key);
	if (!v || json_is_null(v) || r->rc)
		return NULL;
	if (!is(v)) {
		r->rc = airflow_wrong(r->err, r->path, key, want);
		return NULL;
	}
	return v;
}

int airflow_is_str(const json_t *v)
{
	return json_is_string(v);
}
int airflow_is_num(const json_t *v)
{
	return json_is_number(v);
}
int airflow_is_int(const json_t *v)
{
	return json_is_integer(v);
}
int airflow_is_bool(const json_t *v)
{
	return json_is_boolean(v);
}

char *airflow_rstr(struct rd *r, const char *key)
{
	json_t *v = airflow_member(r, key, airflow_is_str, "string");
	return v ? jsonx_strdup(v) : NULL;
}

int64_t airflow_rtime(struct rd *r, const char *key)
{
	json_t *v = airflow_member(r, key, airflow_is_str, "string");
	return v ? iso_time_ms(json_string_value(v)) : 0;
}

void airflow_run_free(struct airflow_run *r)
{
	free(r->dag_id);
	free(r->run_id);
	free(r->state);
	free(r->run_type);
	free(r->note);
	free(r->display_name);
	free(r->conf);
	memset(r, 0, sizeof *r);
}

static int one_run(json_t *o, const char *path, struct airflow_run *r, struct mlc_err *err)
{
	memset(r, 0, sizeof *r);
	if (!json_is_object(o))
		return airflow_wrong(err, path, NULL, "object");
	struct rd d = {o, path, err, 0};
	r->dag_id = airflow_rstr(&d, "dag_id");
	r->run_id = airflow_rstr(&d, "dag_run_id");
	r->state = airflow_rstr(&d, "state");
	r->run_type = airflow_rstr(&d, "run_type");
	r->note = airflow_rstr(&d, "note");
	r->display_name = airflow_rstr(&d, "dag_display_name");
	r->logical_ms = airflow_rtime(&d, "logical_date");
	if (!r->logical_ms)
		r->logical_ms = airflow_rtime(&d, "execution_date");
	r->run_after_ms = airflow_rtime(&d, "run_after");
	r->start_ms = airflow_rtime(&d, "start_date");
	r->end_ms = airflow_rtime(&d, "end_date");
	json_t *conf = json_object_get(o, "conf");
	if (json_is_object(conf) && json_object_size(conf))
		r->conf = jsonx_dump(json_incref(conf));
	if (!d.rc && (!r->dag_id || !r->run_id))
		d.rc = airflow_wrong(err, path, r->dag_id ? "dag_run_id" : "dag_id", "string");
	if (d.rc)
		airflow_run_free(r);
	return d.rc;
}

static void ti_free(void *item)
{
	struct airflow_ti *t = item;
	free(t->task_id);
	free(t->state);
	free(t->operator_name);
	free(t->hostname);
}

static int one_ti(json_t *o, const char *path, struct airflow_ti *t, struct mlc_err *err)
{
	memset(t, 0, sizeof *t);
	if (!json_is_object(o))
		return airflow_wrong(err, path, NULL, "object");
	struct rd d = {o, path, err, 0};
	t->task_id = airflow_rstr(&d, "task_id");
	t->state = airflow_rstr(&d, "state");
	t->operator_name = airflow_rstr(&d, "operator");
	t->hostname = airflow_rstr(&d, "hostname");
	json_t *v = airflow_member(&d, "try_number", airflow_is_int, "integer");
	t->try_number = v ? (int)json_integer_value(v) : 0;
	v = airflow_member(&d, "max_tries", airflow_is_int, "integer");
	t->max_tries = v ? (int)json_integer_value(v) : 0;
	v = airflow_member(&d, "duration", airflow_is_num, "number");
	t->duration = v ? json_number_value(v) : -1;
	t->start_ms = airflow_rtime(&d, "start_date");
	t->end_ms = airflow_rtime(&d, "end_date");
	if (!d.rc && !t->task_id)
		d.rc = airflow_wrong(err, path, "task_id", "string");
	if (d.rc)
		ti_free(t);
	return d.rc;
}

/* A page {"KEY": [...], "total_entries": N}: each element through one. */
int airflow_parse_page(const char *body, size_t len, const char *key, size_t sz, one_fn one,
		       void (*free_one)(void *), void **items, size_t *n, long *total,
		       struct mlc_err *err)
{
	*items = NULL;
	*n = 0;
	*total = 0;
	json_t *root = jsonx_load(body, len, WHO, err);
	if (!root)
		return -MLC_ERR_PARSE;
	json_t *arr = json_object_get(root, key), *tot = json_object_get(root, "total_entries");
	int rc = !json_is_object(root)		? airflow_wrong(err, "(root)", NULL, "object")
		 : !json_is_array(arr)		? airflow_wrong(err, "", key, "array")
		 : tot && !json_is_integer(tot) ? airflow_wrong(err, "", "total_entries", "integer")
						: 0;
	size_t cnt = rc ? 0 : json_array_size(arr);
	char *v = xcalloc(cnt ? cnt : 1, sz);
	for (size_t i = 0; i < cnt && !rc; i++) {
		char path[64];
		snprintf(path, sizeof path, "%s[%zu]", key, i);
		if ((rc = one(json_array_get(arr, i), path, v + i * sz, err)))
			for (size_t j = 0; j < i; j++)
				free_one(v + j * sz);
	}
	if (rc) {
		free(v);
		json_decref(root);
		return -MLC_ERR_PARSE;
	}
	*items = v;
	*n = cnt;
	*total = tot ? (long)json_integer_value(tot) : (long)cnt;
	json_decref(root);
	return 0;
}

static int run_v(json_t *o, const char *path, void *item, struct mlc_err *err)
{
	return one_run(o, path, item, err);
}
static void run_free_v(void *item)
{
	airflow_run_free(item);
}
static int ti_v(json_t *o, const char *path, void *item, struct mlc_err *err)
{
	return one_ti(o, path, item, err);
}

int airflow_parse_runs(struct airflow_runs *out, const char *body, size_t len, struct mlc_err *err)
{
	return airflow_parse_page(body, len, "dag_runs", sizeof *out->items, run_v, run_free_v,
				  (void **)&out->items, &out->n, &out->total, err);
}

int airflow_parse_tis(struct airflow_tis *out, const char *body, size_t len, struct mlc_err *err)
{
	return airflow_parse_page(body, len, "task_instances", sizeof *out->items, ti_v, ti_free,
				  (void **)&out->items, &out->n, &out->total, err);
}

int airflow_parse_run(struct airflow_run *out, const char *body, size_t len, struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root = jsonx_load(body, len, WHO, err);
	if (!root)
		return -MLC_ERR_PARSE;
	int rc = one_run(root, "(root)", out, err);
	json_decref(root);
	return rc ? -MLC_ERR_PARSE : 0;
}

int airflow_parse_dag(struct airflow_dag *out, const char *body, size_t len, struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root = jsonx_load(body, len, WHO, err);
	if (!root)
		return -MLC_ERR_PARSE;
	struct rd d = {root, "(root)", err, 0};
	if (!json_is_object(root))
		d.rc = airflow_wrong(err, "(root)", NULL, "object");
	out->dag_id = airflow_rstr(&d, "dag_id");
	json_t *p = airflow_member(&d, "is_paused", airflow_is_bool, "boolean");
	out->is_paused = p && json_is_true(p);
	if (!d.rc && !out->dag_id)
		d.rc = airflow_wrong(err, "", "dag_id", "string");
	json_decref(root);
	if (d.rc)
		airflow_dag_free(out);
	return d.rc ? -MLC_ERR_PARSE : 0;
}

/* A member that is a string, or "" (a log entry's optional fields). */
static const char *ostr(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

/* An entry's error_detail: [{exc_type, exc_value, frames: [{filename,
 * lineno, name}]}], as Python prints a traceback, one line each. */
static void log_error_detail(struct buf *b, json_t *detail)
{
	size_t i, j;
	json_t *e, *fr;
	json_array_foreach(detail, i, e)
	{
		json_array_foreach(json_object_get(e, "frames"), j, fr)
		{
			json_t *ln = json_object_get(fr, "lineno");
			buf_printf(b, "  File \"%s\", line %lld, in %s\n", ostr(fr, "filename"),
				   json_is_integer(ln) ? (long long)json_integer_value(ln) : 0LL,
				   ostr(fr, "name"));
		}
		buf_printf(b, "%s: %s\n", ostr(e, "exc_type"), ostr(e, "exc_value"));
	}
}

/* One structured entry as "[TS] {LOGGER} LEVEL - EVENT" (the v1 text
 * shape the log view reads levels and times from); "::group::"
 * markers as their title, "::endgroup::" dropped. */
static void log_entry(struct buf *b, json_t *e)
{
	if (json_is_string(e)) {
		buf_printf(b, "%s\n", json_string_value(e));
		return;
	}
	const char *ev = ostr(e, "event"), *ts = ostr(e, "timestamp");
	const char *lv = ostr(e, "level"), *lg = ostr(e, "logger");
	if (!strcmp(ev, "::endgroup::"))
		return;
	if (!strncmp(ev, "::group::", 9))
		ev += 9;
	if (*ts)
		buf_printf(b, "[%s] ", ts);
	if (*lv) {
		char up[16];
		size_t k = 0;
		for (; lv[k] && k < sizeof up - 1; k++)
			up[k] = (char)(lv[k] >= 'a' && lv[k] <= 'z' ? lv[k] - 32 : lv[k]);
		up[k] = '\0';
		buf_printf(b, "{%s} %s - ", *lg ? lg : "task", up);
	}
	buf_printf(b, "%s\n", ev);
	json_t *d = json_object_get(e, "error_detail");
	if (json_is_array(d))
		log_error_detail(b, d);
}

int airflow_parse_log_v2(char **text, size_t *len, char **token, const char *body, size_t blen,
			 struct mlc_err *err)
{
	*text = NULL;
	*len = 0;
	*token = NULL;
	json_t *root = jsonx_load(body, blen, WHO, err);
	if (!root)
		return -MLC_ERR_PARSE;
	json_t *c = json_object_get(root, "content"),
	       *t = json_object_get(root, "continuation_token");
	int rc = !json_is_object(root) ? airflow_wrong(err, "(root)", NULL, "object")
		 : !json_is_array(c)   ? airflow_wrong(err, "", "content", "array")
		 : t && !json_is_null(t) && !json_is_string(t)
		     ? airflow_wrong(err, "", "continuation_token", "string")
		     : 0;
	size_t i;
	json_t *e;
	json_array_foreach(rc ? NULL : c, i, e)
	{
		if (!json_is_object(e) && !json_is_string(e)) {
			char path[32];
			snprintf(path, sizeof path, "content[%zu]", i);
			rc = airflow_wrong(err, path, NULL, "object or string");
			break;
		}
	}
	if (!rc) {
		struct buf b;
		buf_init(&b);
		json_array_foreach(c, i, e) log_entry(&b, e);
		*len = b.len;
		char *d = buf_steal(&b);
		*text = d ? d : xstrdup("");
		*token = json_is_string(t) ? jsonx_strdup(t) : NULL;
	}
	json_decref(root);
	return rc ? -MLC_ERR_PARSE : 0;
}

/* A root object's required string member key, copied into *out. */
static int root_string(char **out, const char *key, const char *body, size_t len,
		       struct mlc_err *err)
{
	*out = NULL;
	json_t *root = jsonx_load(body, len, WHO, err);
	if (!root)
		return -MLC_ERR_PARSE;
	json_t *v = json_object_get(root, key);
	int rc = json_is_string(v) ? 0 : airflow_wrong(err, "", key, "string");
	if (!rc)
		*out = jsonx_strdup(v);
	json_decref(root);
	return rc ? -MLC_ERR_PARSE : 0;
}

int airflow_parse_token(char **token, const char *body, size_t len, struct mlc_err *err)
{
	return root_string(token, "access_token", body, len, err);
}

void airflow_runs_free(struct airflow_runs *p)
{
	free_items(p->items, p->n, sizeof *p->items, run_free_v);
	memset(p, 0, sizeof *p);
}

void airflow_tis_free(struct airflow_tis *p)
{
	free_items(p->items, p->n, sizeof *p->items, ti_free);
	memset(p, 0, sizeof *p);
}

void airflow_dag_free(struct airflow_dag *d)
{
	free(d->dag_id);
	memset(d, 0, sizeof *d);
}

/* ---- paths and bodies ----------------------------------------------------- */

char *airflow_runs_path(enum airflow_api api, int limit, int offset)
{
	return xasprintf("/dags/~/dagRuns?limit=%d&offset=%d&order_by=-%s", limit, offset,
			 api == AIRFLOW_API_V2 ? "run_after" : "execution_date");
}

/* "/dags/D[/dagRuns/R[/taskInstances/T]]" with each id percent-encoded. */
static char *ids_path(const char *dag_id, const char *run_id, const char *task_id)
{
	char *d = http_urlencode(dag_id, false);
	char *r = run_id ? http_urlencode(run_id, false) : NULL;
	char *t = task_id ? http_urlencode(task_id, false) : NULL;
	char *p = xasprintf("/dags/%s%s%s%s%s", d, r ? "/dagRuns/" : "", r ? r : "",
			    t ? "/taskInstances/" : "", t ? t : "");
	free(d);
	free(r);
	free(t);
	return p;
}

char *airflow_tis_path(const char *dag_id, const char *run_id)
{
	char *p = ids_path(dag_id, run_id, NULL);
	char *out = xasprintf("%s/taskInstances?limit=100", p);
	free(p);
	return out;
}

char *airflow_log_path(const char *dag_id, const char *run_id, const char *task_id, int try_number)
{
	char *p = ids_path(dag_id, run_id, task_id);
	char *out = xasprintf("%s/logs/%d?full_content=true", p, try_number);
	free(p);
	return out;
}

char *airflow_log_next_path(const char *dag_id, const char *run_id, const char *task_id,
			    int try_number, const char *token)
{
	char *p = ids_path(dag_id, run_id, task_id), *t = http_urlencode(token, false);
	char *out = xasprintf("%s/logs/%d?token=%s", p, try_number, t);
	free(p);
	free(t);
	return out;
}

char *airflow_trigger_path(const char *dag_id)
{
	char *p = ids_path(dag_id, NULL, NULL);
	char *out = xasprintf("%s/dagRuns", p);
	free(p);
	return out;
}

char *airflow_pause_path(const char *dag_id)
{
	char *p = ids_path(dag_id, NULL, NULL);
	char *out = xasprintf("%s?update_mask=is_paused", p);
	free(p);
	return out;
}

char *airflow_trigger_body(enum airflow_api api)
{
	return xstrdup(api == AIRFLOW_API_V2 ? "{\"logical_date\":null,\"conf\":{}}"
					     : "{\"conf\":{}}");
}

char *airflow_token_body(const char *username, const char *password)
{
	json_t *o = json_object(), *u = json_string(username ? username : ""),
	       *p = json_string(password ? password : "");
	json_object_set_new(o, "username", u ? u : json_string(""));
	json_object_set_new(o, "password", p ? p : json_string(""));
	return jsonx_dump(o);
}

char *airflow_pause_body(bool paused)
{
	return xasprintf("{\"is_paused\":%s}", paused ? "true" : "false");
}
