/* lib/mlflow/mlflow_keys.c — the interned key table of metric, param and
 * tag names (see mlflow.h): each name is stored once per panel and runs
 * hold 32-bit indexes, so 10,000 runs with the same 40 keys cost 40
 * strings. An open-addressed FNV-1a hash; never shrinks. Pure. */
#include "lib/mlflow/mlflow.h"

#include <stdlib.h>
#include <string.h>

#include "lib/core/jsonx.h"
#include "lib/core/util.h"

/* ---- interned keys ----------------------------------------------------- */

static uint32_t fnv(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

void mlflow_keys_init(struct mlflow_keys *k)
{
	memset(k, 0, sizeof *k);
}

void mlflow_keys_free(struct mlflow_keys *k)
{
	free_items(k->names, k->n, sizeof *k->names, free_item_ptr);
	free(k->hash);
	memset(k, 0, sizeof *k);
}

long mlflow_keys_find(const struct mlflow_keys *k, const char *name)
{
	if (!k->hcap)
		return -1;
	for (uint32_t h = fnv(name) & (k->hcap - 1);; h = (h + 1) & (k->hcap - 1)) {
		uint32_t v = k->hash[h];
		if (!v)
			return -1;
		if (!strcmp(k->names[v - 1], name))
			return (long)(v - 1);
	}
}

static void keys_rehash(struct mlflow_keys *k)
{
	free(k->hash);
	k->hcap = k->hcap ? k->hcap * 2 : 64;
	k->hash = xcalloc(k->hcap, sizeof *k->hash);
	for (uint32_t i = 0; i < k->n; i++) {
		uint32_t h = fnv(k->names[i]) & (k->hcap - 1);
		while (k->hash[h])
			h = (h + 1) & (k->hcap - 1);
		k->hash[h] = i + 1;
	}
}

uint32_t mlflow_keys_intern(struct mlflow_keys *k, const char *name)
{
	long f = mlflow_keys_find(k, name);
	if (f >= 0)
		return (uint32_t)f;
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 16;
		k->names = xrealloc(k->names, k->cap * sizeof *k->names);
	}
	k->names[k->n++] = jsonx_capdup(name);
	if (k->n * 2 > k->hcap)
		keys_rehash(k);
	else {
		uint32_t h = fnv(name) & (k->hcap - 1);
		while (k->hash[h])
			h = (h + 1) & (k->hcap - 1);
		k->hash[h] = k->n;
	}
	return k->n - 1;
}

const char *mlflow_keys_name(const struct mlflow_keys *k, uint32_t idx)
{
	return idx < k->n ? k->names[idx] : "?";
}
