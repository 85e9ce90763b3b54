/* lib/airflow/airflow_int.h — what airflow.c and airflow_dags.c share
 * inside lib/airflow: reading one JSON object's members with the first
 * wrong type remembered (its JSON path named), and the page parser of
 * {"KEY": [...], "total_entries": N}. Not for use outside lib/airflow. */
#ifndef MLC_AIRFLOW_INT_H
#define MLC_AIRFLOW_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/err.h"

#define WHO "airflow"

/* Sets err to "airflow: PATH.KEY: expected WANT"; returns -MLC_ERR_PARSE. */
int airflow_wrong(struct mlc_err *err, const char *path, const char *key, const char *want);

/* Reads the members of one object, remembering the first error. */
struct rd {
	json_t *o;
	const char *path;
	struct mlc_err *err;
	int rc;
};
/* Member key when present, not null and of the type is tests; NULL
 * otherwise (a wrong type sets r->rc and r->err once). */
json_t *airflow_member(struct rd *r, const char *key, int (*is)(const json_t *), const char *want);
int airflow_is_str(const json_t *v);
int airflow_is_num(const json_t *v);
int airflow_is_int(const json_t *v);
int airflow_is_bool(const json_t *v);
char *airflow_rstr(struct rd *r, const char *key);
int64_t airflow_rtime(struct rd *r, const char *key);

/* Parses one element of a page into item; frees its own on failure. */
typedef int (*one_fn)(json_t *o, const char *path, void *item, struct mlc_err *err);
/* A page {"KEY": [...], "total_entries": N}: each element (sz bytes)
 * through one; on failure those parsed before are freed by free_one. */
int airflow_parse_page(const char *body, size_t len, const char *key, size_t sz, one_fn one,
		       void (*free_one)(void *), void **items, size_t *n, long *total,
		       struct mlc_err *err);

#endif
