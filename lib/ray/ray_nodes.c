/* lib/ray/ray_nodes.c — /nodes?view=summary into struct ray_nodes (see
 * ray.h): the raylet's part of every node (dead nodes have nothing else),
 * the logical use per node from nodeLogicalResources ("13.0/16.0 CPU"), and
 * the Nodes view's default order. Pure: no I/O. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/jsonx.h"
#include "lib/core/util.h"
#include "lib/ray/ray.h"
#include "lib/ray/ray_int.h"

/* "4.00GiB", "0B", "16.0": the number of bytes (or units); RAY_NA. */
static double amount(const char *s, size_t n)
{
	char tmp[48];
	if (n == 0 || n >= sizeof tmp)
		return RAY_NA;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	char *end;
	double d = strtod(tmp, &end);
	if (end == tmp || !isfinite(d) || d < 0)
		return RAY_NA;
	static const struct {
		const char *unit;
		double mul;
	} units[] = {{"", 1},
		     {"B", 1},
		     {"KiB", 1024.0},
		     {"MiB", 1048576.0},
		     {"GiB", 1073741824.0},
		     {"TiB", 1099511627776.0}};
	for (size_t i = 0; i < ARRAY_LEN(units); i++)
		if (!strcmp(end, units[i].unit))
			return d * units[i].mul;
	return RAY_NA;
}

/* One line "USED/TOTAL NAME" of nodeLogicalResources into the node. */
static void logical_line(struct ray_node *nd, const char *line, size_t len)
{
	const char *sp = memchr(line, ' ', len), *sl = memchr(line, '/', len);
	if (!sp || !sl || sl > sp)
		return;
	const char *name = sp + 1;
	size_t nlen = len - (size_t)(name - line);
	struct ray_res *r = NULL;
	if (nlen == 3 && !memcmp(name, "CPU", 3))
		r = &nd->cpu;
	else if (nlen == 3 && !memcmp(name, "GPU", 3))
		r = &nd->gpu;
	else if (nlen == 6 && !memcmp(name, "memory", 6))
		r = &nd->mem;
	else if (nlen == 19 && !memcmp(name, "object_store_memory", 19))
		r = &nd->osm;
	if (!r)
		return;
	double used = amount(line, (size_t)(sl - line)),
	       total = amount(sl + 1, (size_t)(sp - sl - 1));
	if (used != RAY_NA && total != RAY_NA) {
		r->used = used;
		r->total = total;
	}
}

static void logical(struct ray_node *nd, json_t *text)
{
	if (!json_is_string(text))
		return;
	const char *s = json_string_value(text);
	size_t len = json_string_length(text);
	while (len) {
		const char *nl = memchr(s, '\n', len);
		size_t l = nl ? (size_t)(nl - s) : len;
		logical_line(nd, s, l);
		if (!nl)
			break;
		len -= l + 1;
		s = nl + 1;
	}
}

static void res_na(struct ray_res *r, const char *name)
{
	r->name = xstrdup(name);
	r->used = r->total = RAY_NA;
}

static void parse_node(struct ray_node *nd, json_t *e, json_t *logical_map)
{
	json_t *r = json_object_get(e, "raylet");
	res_na(&nd->cpu, "CPU");
	res_na(&nd->gpu, "GPU");
	res_na(&nd->mem, "memory");
	res_na(&nd->osm, "object store");
	nd->id = rj_str(r, "nodeId");
	nd->ip = rj_str(r, "nodeManagerAddress");
	if (!nd->ip)
		nd->ip = rj_str(e, "ip");
	nd->hostname = rj_str(e, "hostname");
	if (!nd->hostname)
		nd->hostname = rj_str(r, "nodeManagerHostname");
	nd->state = rj_str(r, "state");
	nd->state_message = rj_str(r, "stateMessage");
	json_t *death = json_object_get(r, "deathInfo");
	if (!nd->state_message && json_is_object(death))
		nd->state_message = rj_str(death, "reasonMessage");
	json_t *h = json_object_get(r, "isHeadNode");
	nd->head = json_is_boolean(h) ? json_is_true(h) : -1;
	double st = rj_num(r, "startTimeMs"), et = rj_num(r, "endTimeMs");
	nd->start_ms = st > 0 ? (int64_t)st : 0;
	nd->end_ms = et > 0 ? (int64_t)et : 0;
	double w = rj_num(r, "numWorkers");
	nd->workers = w >= 0 ? (int)w : -1;
	json_t *tot = json_object_get(r, "resourcesTotal");
	const char *k;
	json_t *v;
	if (json_is_object(tot)) {
		nd->res = xcalloc(json_object_size(tot) + 1, sizeof *nd->res);
		json_object_foreach(tot, k, v)
		{
			struct ray_res *x = &nd->res[nd->nres++];
			x->name = jsonx_capdup(k);
			x->used = RAY_NA;
			x->total = rj_numv(v);
		}
	}
	nd->cpu.total = rj_num(tot, "CPU");
	nd->gpu.total = rj_num(tot, "GPU");
	nd->mem.total = rj_num(tot, "memory");
	nd->osm.total = rj_num(tot, "objectStoreMemory");
	if (nd->id)
		logical(nd, json_object_get(logical_map, nd->id));
	double ou = rj_num(r, "objectStoreUsedMemory"),
	       oa = rj_num(r, "objectStoreAvailableMemory");
	if (ou >= 0 && oa >= 0 && ou + oa > 0) {
		nd->osm.used = ou;
		nd->osm.total = ou + oa;
	}
	nd->labels = rj_pairs(json_object_get(r, "labels"), &nd->nlabels);
}

int ray_nodes_parse(struct ray_nodes *out, const char *body, size_t len, struct mlc_err *err)
{
	memset(out, 0, sizeof *out);
	json_t *root;
	json_t *data = ray_load_data(body, len, "/nodes", &root, err);
	if (!data)
		return -err->code;
	json_t *sum = json_object_get(data, "summary");
	if (!json_is_array(sum)) {
		json_decref(root);
		return mlc_err_set(err, MLC_ERR_PARSE, 0,
				   "ray: /nodes: data.summary: expected array");
	}
	json_t *lmap = json_object_get(data, "nodeLogicalResources");
	out->v = xcalloc(json_array_size(sum) + 1, sizeof *out->v);
	size_t i;
	json_t *e;
	json_array_foreach(sum, i, e)
	{
		if (json_is_object(e))
			parse_node(&out->v[out->n++], e, lmap);
	}
	json_decref(root);
	return 0;
}

static void node_free(void *item)
{
	struct ray_node *n = item;
	free(n->id), free(n->ip), free(n->hostname), free(n->state), free(n->state_message);
	rj_res_free(&n->cpu), rj_res_free(&n->gpu), rj_res_free(&n->mem), rj_res_free(&n->osm);
	free_items(n->res, n->nres, sizeof *n->res, rj_res_free);
	rj_strv_free(n->labels, n->nlabels);
}

void ray_nodes_free(struct ray_nodes *ns)
{
	free_items(ns->v, ns->n, sizeof *ns->v, node_free);
	memset(ns, 0, sizeof *ns);
}

static double ratio(const struct ray_res *r)
{
	return r->used >= 0 && r->total > 0 ? r->used / r->total : 0;
}

bool ray_node_pressure(const struct ray_node *n)
{
	return ratio(&n->cpu) >= 0.9 || ratio(&n->gpu) >= 0.9 || ratio(&n->mem) >= 0.9 ||
	       ratio(&n->osm) >= 0.9;
}

static bool dead(const struct ray_node *n)
{
	return n->state && strcmp(n->state, "ALIVE") != 0;
}

/* The address as a number for ordering: IPv4 octets, else 2^32 + (text). */
static int addr_cmp(const char *a, const char *b)
{
	unsigned x[4], y[4];
	bool va = a && sscanf(a, "%u.%u.%u.%u", &x[0], &x[1], &x[2], &x[3]) == 4;
	bool vb = b && sscanf(b, "%u.%u.%u.%u", &y[0], &y[1], &y[2], &y[3]) == 4;
	if (va && vb) {
		for (int i = 0; i < 4; i++)
			if (x[i] != y[i])
				return x[i] < y[i] ? -1 : 1;
		return 0;
	}
	if (va != vb)
		return va ? -1 : 1;
	return strcmp(a ? a : "", b ? b : "");
}

int ray_node_cmp(const void *pa, const void *pb)
{
	const struct ray_node *a = pa, *b = pb;
	int ka = dead(a) ? 0 : ray_node_pressure(a) ? 1 : a->head == 1 ? 2 : 3;
	int kb = dead(b) ? 0 : ray_node_pressure(b) ? 1 : b->head == 1 ? 2 : 3;
	if (ka != kb)
		return ka - kb;
	int c = addr_cmp(a->ip, b->ip);
	return c ? c : strcmp(a->id ? a->id : "", b->id ? b->id : "");
}
