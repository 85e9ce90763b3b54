/* lib/ssh/nodeinfo_svc.c — what runs on a machine: docker ps's JSON lines,
 * ray status's node and resource sections, systemctl show's property
 * blocks. Pure parsing of captured output; never does I/O. */
#include "lib/ssh/nodeinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/jsonx.h"
#include "lib/core/util.h"
#include "lib/ssh/nodeinfo_int.h"

static void copy_member(json_t *o, const char *key, char *out, size_t n)
{
	const char *s = json_string_value(json_object_get(o, key));
	snprintf(out, n, "%s", s ? s : "");
}

int ni_parse_docker(const char *out, struct ni_container *c, int max, int *n, struct mlc_err *err)
{
	*n = 0;
	char line[8192];
	const char *p = out;
	int lineno = 0;
	while (ni_next_line(&p, line, sizeof line)) {
		lineno++;
		if (!line[0])
			continue;
		char what[48];
		snprintf(what, sizeof what, "docker ps: line %d", lineno);
		json_t *o = jsonx_load_object(line, strlen(line), what, err);
		if (!o)
			return -MLC_ERR_PARSE;
		if (!json_is_string(json_object_get(o, "ID")) ||
		    !json_is_string(json_object_get(o, "State"))) {
			json_decref(o);
			return mlc_err_set(err, MLC_ERR_PARSE, lineno,
					   "docker ps: line %d: expected string ID and State",
					   lineno);
		}
		if (*n < max) {
			struct ni_container *x = &c[(*n)++];
			copy_member(o, "ID", x->id, sizeof x->id);
			copy_member(o, "Names", x->name, sizeof x->name);
			copy_member(o, "Image", x->image, sizeof x->image);
			copy_member(o, "State", x->state, sizeof x->state);
			copy_member(o, "Status", x->status, sizeof x->status);
		}
		json_decref(o);
	}
	return 0;
}

int ni_containers_running(const struct ni_container *c, int n)
{
	int k = 0;
	for (int i = 0; i < n; i++)
		k += strcmp(c[i].state, "running") == 0;
	return k;
}

int ni_parse_compose(const char *out, struct ni_compose *c, int max, int *n, struct mlc_err *err)
{
	*n = 0;
	size_t len = strlen(out);
	while (len && strchr(" \t\r\n", out[len - 1]))
		len--;
	if (!len)
		return 0;
	json_t *a = jsonx_load(out, len, "docker compose ls", err);
	if (!a)
		return -MLC_ERR_PARSE;
	if (!json_is_array(a)) {
		json_decref(a);
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "docker compose ls: expected an array");
	}
	size_t i;
	json_t *o;
	json_array_foreach(a, i, o)
	{
		if (!json_is_string(json_object_get(o, "Name"))) {
			json_decref(a);
			return mlc_err_set(err, MLC_ERR_PARSE, (long)i,
					   "docker compose ls: [%zu].Name: expected a string", i);
		}
		if (*n < max) {
			struct ni_compose *x = &c[(*n)++];
			copy_member(o, "Name", x->name, sizeof x->name);
			copy_member(o, "Status", x->status, sizeof x->status);
			copy_member(o, "ConfigFiles", x->files, sizeof x->files);
		}
	}
	json_decref(a);
	return 0;
}

enum ray_sec { RS_NONE, RS_ACTIVE, RS_IDLE, RS_PENDING, RS_FAILURES, RS_USAGE, RS_OTHER };

/* The section a header line opens, or RS_NONE for any other line. */
static enum ray_sec ray_section(const char *line)
{
	static const struct {
		const char *h;
		enum ray_sec s;
	} heads[] = {{"Active:", RS_ACTIVE},	{"Idle:", RS_IDLE},
		     {"Pending:", RS_PENDING},	{"Recent failures:", RS_FAILURES},
		     {"Usage:", RS_USAGE},	{"Demands:", RS_OTHER},
		     {"Node status", RS_OTHER}, {"Resources", RS_OTHER},
		     {"Total Usage:", RS_USAGE}};
	for (size_t i = 0; i < ARRAY_LEN(heads); i++)
		if (!strcmp(line, heads[i].h))
			return heads[i].s;
	return RS_NONE;
}

/* Adds a node count: one that no cluster has (negative, past a million)
 * counts for nothing, and the sum stops at a million. */
static void add_count(int *sum, int count)
{
	if (count >= 0 && count <= NI_RAY_MAX_NODES)
		*sum = MLC_MIN(*sum + count, NI_RAY_MAX_NODES);
}

static void ray_item(struct ni_ray *r, enum ray_sec sec, const char *s)
{
	if (s[0] == '(' || !s[0])
		return; /* "(no pending nodes)" */
	int count = 1;
	if (sec == RS_ACTIVE || sec == RS_IDLE) {
		if (sscanf(s, "%d", &count) == 1)
			add_count(&r->alive, count);
	} else if (sec == RS_PENDING) {
		if (sscanf(s, "%*s %d", &count) != 1)
			count = 1;
		add_count(&r->pending, count);
	} else if (sec == RS_FAILURES) {
		add_count(&r->failures, 1);
	} else if (sec == RS_USAGE && r->nuse < (int)ARRAY_LEN(r->use)) {
		struct ni_ray_use *u = &r->use[r->nuse];
		if (sscanf(s, "%23[^/]/%23s %39s", u->used_text, u->total_text, u->what) == 3) {
			u->used = strtod(u->used_text, NULL);
			u->total = strtod(u->total_text, NULL);
			r->nuse++;
		}
	}
}

int ni_parse_ray(const char *out, struct ni_ray *r, struct mlc_err *err)
{
	memset(r, 0, sizeof *r);
	if (!strstr(out, "Node status"))
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "ray status: no 'Node status' section");
	char line[512];
	const char *p = out;
	enum ray_sec sec = RS_NONE;
	while (ni_next_line(&p, line, sizeof line)) {
		char *t = str_trim(line);
		enum ray_sec ns = ray_section(t);
		if (ns != RS_NONE) {
			sec = ns;
			continue;
		}
		if (t[0] == '-' || t[0] == '=')
			continue;
		ray_item(r, sec, t);
	}
	return 0;
}

static void unit_set(struct ni_unit *u, const char *line)
{
	const char *eq = strchr(line, '=');
	if (!eq)
		return;
	size_t klen = (size_t)(eq - line);
	if (klen == 2 && !strncmp(line, "Id", 2))
		snprintf(u->id, sizeof u->id, "%s", eq + 1);
	else if (klen == 11 && !strncmp(line, "ActiveState", 11))
		snprintf(u->active, sizeof u->active, "%s", eq + 1);
	else if (klen == 8 && !strncmp(line, "SubState", 8))
		snprintf(u->sub, sizeof u->sub, "%s", eq + 1);
}

int ni_parse_systemctl(const char *out, struct ni_unit *u, int max, int *n, struct mlc_err *err)
{
	*n = 0;
	char line[512];
	const char *p = out;
	struct ni_unit cur = {0};
	bool open = false;
	int lineno = 0;
	for (;;) {
		bool more = ni_next_line(&p, line, sizeof line);
		lineno += more;
		if (!more || !line[0]) {
			if (open && *n < max)
				u[(*n)++] = cur;
			memset(&cur, 0, sizeof cur);
			open = false;
			if (!more)
				break;
			continue;
		}
		if (!strchr(line, '='))
			return mlc_err_set(err, MLC_ERR_PARSE, lineno,
					   "systemctl show: line %d: expected KEY=VALUE", lineno);
		unit_set(&cur, line);
		open = true;
	}
	return 0;
}
