/* lib/ssh/nodeact.c — [action NAME] sections read, node selection by name,
 * role or all, and template expansion with every value shell-quoted
 * (sshc_quote_arg). Pure: no I/O, nothing kept. */
#include "lib/ssh/nodeact.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/core/util.h"
#include "lib/ssh/sshc.h"

static const char *section_get(const struct config_section *cs, const char *key)
{
	const char *v = NULL;
	for (size_t i = 0; cs && i < cs->n; i++)
		if (!strcmp(cs->keys[i], key))
			v = cs->vals[i]; /* the last one wins, as for targets */
	return v;
}

int nodeact_read(const struct config_section *cs, struct nodeact *a, struct mlc_err *err)
{
	memset(a, 0, sizeof *a);
	a->cs = cs;
	a->name = cs->name;
	if (!cs->name[0])
		return mlc_err_set(err, MLC_ERR_CONFIG, 0,
				   "%s: [action] needs a name: [action NAME]", cs->origin);
	a->command = section_get(cs, "command");
	if (!a->command || !a->command[0])
		return mlc_err_set(err, MLC_ERR_CONFIG, 0, "%s: [action %s]: command is required",
				   cs->origin, cs->name);
	a->on = section_get(cs, "on");
	if (!a->on || !a->on[0])
		a->on = "all";
	const char *cf = section_get(cs, "confirm");
	a->confirm = true;
	if (cf) {
		if (!strcasecmp(cf, "false") || !strcasecmp(cf, "no") || !strcmp(cf, "0"))
			a->confirm = false;
		else if (strcasecmp(cf, "true") && strcasecmp(cf, "yes") && strcmp(cf, "1"))
			return mlc_err_set(err, MLC_ERR_CONFIG, 0,
					   "%s: [action %s]: confirm: expected true or false",
					   cs->origin, cs->name);
	}
	return 0;
}

int nodeact_find(const struct config *c, const char *name, struct nodeact *a, struct mlc_err *err)
{
	for (size_t i = 0; i < c->nsections; i++)
		if (!strcmp(c->sections[i].kind, "action") && !strcmp(c->sections[i].name, name))
			return nodeact_read(&c->sections[i], a, err);
	return mlc_err_set(err, MLC_ERR_NOTFOUND, 0, "no [action %s] in the configuration", name);
}

static bool has_role(const struct target *t, const char *role, size_t len)
{
	for (char **r = t->roles; r && *r; r++)
		if (strlen(*r) == len && !strncmp(*r, role, len))
			return true;
	return false;
}

bool nodeact_selects(const char *on, const struct target *t)
{
	const char *p = on;
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '|')
			p++;
		size_t len = strcspn(p, " ,|");
		if (!len)
			break;
		if ((len == 3 && !strncmp(p, "all", 3)) ||
		    (strlen(t->name) == len && !strncmp(p, t->name, len)) || has_role(t, p, len))
			return true;
		p += len;
	}
	return false;
}

const char *nodeact_head_ip(const struct config *c)
{
	for (size_t i = 0; i < c->ntargets; i++) {
		const struct target *t = &c->targets[i];
		if (t->kind == TK_NODE && (has_role(t, "ray-head", 8) || has_role(t, "head", 4)))
			return t->host;
	}
	return NULL;
}

/* The value {name} stands for, or NULL; port formatted into tmp. */
static const char *var_value(const char *name, const struct nodeact_vars *v,
			     const struct config_section *cs, char *tmp, size_t n)
{
	if (!strcmp(name, "node"))
		return v->node;
	if (!strcmp(name, "host"))
		return v->host;
	if (!strcmp(name, "head_ip"))
		return v->head_ip;
	if (!strcmp(name, "port")) {
		snprintf(tmp, n, "%d", v->port ? v->port : 22);
		return tmp;
	}
	if (!strcmp(name, "command") || !strcmp(name, "on") || !strcmp(name, "confirm"))
		return NULL;
	return section_get(cs, name);
}

int nodeact_expand(const char *tmpl, const struct nodeact_vars *v, const struct config_section *cs,
		   struct buf *out, struct mlc_err *err)
{
	for (const char *p = tmpl; *p; p++) {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			buf_append(out, p++, 1);
			continue;
		}
		if (*p != '{') {
			buf_append(out, p, 1);
			continue;
		}
		const char *end = strchr(p, '}');
		char name[64];
		size_t len = end ? (size_t)(end - p - 1) : 0;
		if (!end || !len || len >= sizeof name)
			return mlc_err_set(
			    err, MLC_ERR_CONFIG, 0,
			    "template: '{' at offset %zu is not closed by '}' around a "
			    "name",
			    (size_t)(p - tmpl));
		memcpy(name, p + 1, len);
		name[len] = '\0';
		char tmp[16];
		const char *val = var_value(name, v, cs, tmp, sizeof tmp);
		if (!val)
			return mlc_err_set(err, MLC_ERR_CONFIG, 0, "template: {%s} is not set",
					   name);
		if (sshc_quote_arg(out, val) < 0)
			return mlc_err_set(err, MLC_ERR_USAGE, 0,
					   "{%s}: holds a newline, CR or NUL: refused", name);
		p = end;
	}
	return 0;
}

/* A value ssh would read as an option, or that holds a control byte. */
static bool shell_arg_bad(const char *v)
{
	if (v[0] == '-')
		return true;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

char **nodeact_shell_argv(const struct target *t, struct mlc_err *err)
{
	const char *vals[] = {t->host, t->user, t->identity, t->known_hosts, t->jump};
	static const char *const what[] = {"host", "user", "identity", "known_hosts", "jump"};
	for (size_t i = 0; i < ARRAY_LEN(vals); i++)
		if (vals[i] && shell_arg_bad(vals[i])) {
			mlc_err_set(err, MLC_ERR_USAGE, 0,
				    "%s: the %s value starts with '-' or holds a control "
				    "character: not handed to ssh",
				    t->name, what[i]);
			return NULL;
		}
	if (!t->host || !t->host[0]) {
		mlc_err_set(err, MLC_ERR_USAGE, 0, "%s: no host", t->name);
		return NULL;
	}
	char **v = xcalloc(16, sizeof *v);
	int n = 0;
	v[n++] = xstrdup("ssh");
	if (t->port > 0) {
		v[n++] = xstrdup("-p");
		v[n++] = xasprintf("%d", t->port);
	}
	if (t->user && *t->user) {
		v[n++] = xstrdup("-l");
		v[n++] = xstrdup(t->user);
	}
	if (t->identity && *t->identity) {
		v[n++] = xstrdup("-i");
		v[n++] = xstrdup(t->identity);
	}
	if (t->known_hosts && *t->known_hosts) {
		v[n++] = xstrdup("-o");
		/* quoted: ssh reads a blank there as a second file */
		v[n++] = xasprintf(strchr(t->known_hosts, ' ') ? "UserKnownHostsFile=\"%s\""
							       : "UserKnownHostsFile=%s",
				   t->known_hosts);
	}
	if (t->accept_new) {
		v[n++] = xstrdup("-o");
		v[n++] = xstrdup("StrictHostKeyChecking=accept-new");
	}
	if (t->jump && *t->jump) {
		v[n++] = xstrdup("-J");
		v[n++] = xstrdup(t->jump);
	}
	v[n++] = xstrdup("--");
	v[n++] = xstrdup(t->host);
	return v;
}
