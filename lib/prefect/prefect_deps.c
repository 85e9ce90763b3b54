/* lib/prefect/prefect_deps.c — Prefect 2's deployments, work pools and work
 * queues (see prefect.h): the filter bodies and the parsers of their
 * answers, on the captures in tests/fixtures/prefect (a deployment's
 * schedule is a cron, an interval in seconds or an rrule; Prefect 2.19+
 * sends a "schedules" list instead; nulls everywhere). Never performs I/O. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/isotime.h"
#include "lib/core/jsonx.h"
#include "lib/core/util.h"
#include "lib/prefect/prefect.h"

#define WHO "prefect"

/* Reads the members of the array element at path; the first wrong type
 * is remembered (null reads as absent). */
struct pd {
	json_t *o;
	char path[32];
	struct mlc_err *err;
	int rc;
};

static json_t *pd_get(struct pd *d, const char *key, int (*is)(const json_t *), const char *want)
{
	json_t *v = json_object_get(d->o, key);
	if (!v || json_is_null(v) || d->rc)
		return NULL;
	if (!is(v)) {
		d->rc = mlc_err_set(d->err, MLC_ERR_PARSE, 0, WHO ": %s.%s: expected %s", d->path,
				    key, want);
		return NULL;
	}
	return v;
}

static int is_str(const json_t *v)
{
	return json_is_string(v);
}
static int is_num(const json_t *v)
{
	return json_is_number(v);
}
static int is_bool(const json_t *v)
{
	return json_is_boolean(v);
}
static int is_obj(const json_t *v)
{
	return json_is_object(v);
}
static int is_arr(const json_t *v)
{
	return json_is_array(v);
}

static char *pd_str(struct pd *d, const char *key)
{
	json_t *v = pd_get(d, key, is_str, "string");
	return v ? jsonx_strdup(v) : NULL;
}

static long pd_long(struct pd *d, const char *key, long none)
{
	json_t *v = pd_get(d, key, is_num, "number");
	return v ? (long)json_number_value(v) : none;
}

static bool pd_bool(struct pd *d, const char *key, bool none)
{
	json_t *v = pd_get(d, key, is_bool, "boolean");
	return v ? json_is_true(v) : none;
}

/* "every 1h30m", "every 45s": an interval in seconds, as people say it. */
static char *interval_text(double secs)
{
	long s = (long)secs;
	if (s > 0 && s % 86400 == 0)
		return xasprintf("every %ldd", s / 86400);
	if (s > 0 && s % 3600 == 0)
		return xasprintf("every %ldh", s / 3600);
	if (s >= 60 && s % 60 == 0)
		return xasprintf("every %ldm", s / 60);
	return xasprintf("every %lds", s);
}

/* A schedule object as one line: "cron 0 3 * * 1", "every 1h", "rrule …". */
static char *schedule_text(json_t *s)
{
	const char *cron = json_string_value(json_object_get(s, "cron"));
	const char *rrule = json_string_value(json_object_get(s, "rrule"));
	json_t *iv = json_object_get(s, "interval");
	if (cron)
		return xasprintf("cron %s", cron);
	if (json_is_number(iv))
		return interval_text(json_number_value(iv));
	if (rrule)
		return xasprintf("rrule %s", rrule);
	return xstrdup("?");
}

/* The tags list as "a b c", NULL when empty. */
static char *tags_text(struct pd *d, const char *key)
{
	json_t *a = pd_get(d, key, is_arr, "array"), *t;
	size_t i;
	struct buf b;
	buf_init(&b);
	json_array_foreach(a, i, t) if (json_is_string(t))
	    buf_printf(&b, "%s%s", b.len ? " " : "", json_string_value(t));
	return b.len ? buf_steal(&b) : (buf_free(&b), NULL);
}

void prefect_deployment_free(struct prefect_deployment *x)
{
	free(x->id);
	free(x->name);
	free(x->flow_id);
	free(x->schedule);
	free(x->work_pool);
	free(x->work_queue);
	free(x->status);
	free(x->tags);
}

static int one_dep(struct pd *d, void *item)
{
	struct prefect_deployment *x = item;
	x->id = pd_str(d, "id");
	x->name = pd_str(d, "name");
	x->flow_id = pd_str(d, "flow_id");
	x->work_pool = pd_str(d, "work_pool_name");
	x->work_queue = pd_str(d, "work_queue_name");
	x->status = pd_str(d, "status");
	x->tags = tags_text(d, "tags");
	json_t *s = pd_get(d, "schedule", is_obj, "object");
	json_t *list = pd_get(d, "schedules", is_arr, "array");
	if (!s && json_array_size(list))
		s = json_object_get(json_array_get(list, 0), "schedule");
	x->schedule = json_is_object(s) ? schedule_text(s) : NULL;
	/* 2.14: is_schedule_active; later versions: paused */
	x->paused = pd_bool(d, "paused", !pd_bool(d, "is_schedule_active", true));
	if (!d->rc && (!x->id || !x->name))
		d->rc = mlc_err_set(d->err, MLC_ERR_PARSE, 0, WHO ": %s.%s: expected string",
				    d->path, x->id ? "name" : "id");
	return d->rc;
}

void prefect_pool_free(struct prefect_pool *x)
{
	free(x->name);
	free(x->type);
	free(x->status);
	free(x->pool);
}

static int one_pool(struct pd *d, void *item)
{
	struct prefect_pool *x = item;
	x->name = pd_str(d, "name");
	x->type = pd_str(d, "type");
	x->status = pd_str(d, "status");
	x->pool = pd_str(d, "work_pool_name");
	x->paused = pd_bool(d, "is_paused", false);
	x->concurrency = pd_long(d, "concurrency_limit", -1);
	json_t *lp = pd_get(d, "last_polled", is_str, "string");
	x->last_polled_ms = lp ? iso_time_ms(json_string_value(lp)) : 0;
	if (!d->rc && !x->name)
		d->rc = mlc_err_set(d->err, MLC_ERR_PARSE, 0, WHO ": %s.name: expected string",
				    d->path);
	return d->rc;
}

/* A top-level array, each element through one (sz bytes each); the
 * failed element's own strings are freed by free_one. */
static int parse_list(const char *body, size_t len, size_t sz, int (*one)(struct pd *, void *),
		      void (*free_one)(void *), void **items, size_t *n, struct mlc_err *err)
{
	*items = NULL;
	*n = 0;
	json_t *root = jsonx_load(body, len, WHO, err);
	if (!root)
		return -MLC_ERR_PARSE;
	if (!json_is_array(root)) {
		json_decref(root);
		return mlc_err_set(err, MLC_ERR_PARSE, 0, WHO ": (root): expected array");
	}
	size_t cnt = json_array_size(root), i;
	char *v = xcalloc(cnt ? cnt : 1, sz);
	int rc = 0;
	for (i = 0; i < cnt && !rc; i++) {
		struct pd d = {.o = json_array_get(root, i), .err = err};
		snprintf(d.path, sizeof d.path, "[%zu]", i);
		rc = !json_is_object(d.o)
			 ? mlc_err_set(err, MLC_ERR_PARSE, 0, WHO ": %s: expected object", d.path)
			 : one(&d, v + i * sz);
		if (rc)
			for (size_t j = 0; j <= i; j++)
				free_one(v + j * sz);
	}
	json_decref(root);
	if (rc) {
		free(v);
		return -MLC_ERR_PARSE;
	}
	*items = v;
	*n = cnt;
	return 0;
}

static void dep_free_v(void *p)
{
	prefect_deployment_free(p);
}
static void pool_free_v(void *p)
{
	prefect_pool_free(p);
}

int prefect_parse_deployments(struct prefect_deployments *out, const char *body, size_t len,
			      struct mlc_err *err)
{
	return parse_list(body, len, sizeof *out->items, one_dep, dep_free_v, (void **)&out->items,
			  &out->n, err);
}

int prefect_parse_pools(struct prefect_pools *out, const char *body, size_t len,
			struct mlc_err *err)
{
	return parse_list(body, len, sizeof *out->items, one_pool, pool_free_v,
			  (void **)&out->items, &out->n, err);
}

void prefect_deployments_free(struct prefect_deployments *p)
{
	free_items(p->items, p->n, sizeof *p->items, dep_free_v);
	memset(p, 0, sizeof *p);
}

void prefect_pools_free(struct prefect_pools *p)
{
	free_items(p->items, p->n, sizeof *p->items, pool_free_v);
	memset(p, 0, sizeof *p);
}

char *prefect_list_body(int limit, int offset)
{
	return xasprintf("{\"limit\":%d,\"offset\":%d}", limit, offset);
}
