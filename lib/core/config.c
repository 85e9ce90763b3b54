/* lib/core/config.c — the configuration's records: struct config and its
 * targets (created, looked up, freed), and the display forms of a target.
 * Owns every string of struct config. Never prints; the reading lives in
 * config_ini.c, config_env.c, config_aws.c and config_envfile.c. */
#include "lib/core/config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/config_priv.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"

void config_init(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->refresh_ms = 2000;
	c->slow_ms = 1000;
	c->profile = xstrdup("local");
	c->theme = xstrdup("default");
}

static void target_free(void *item)
{
	struct target *t = item;
	free(t->name);
	free(t->url);
	free(t->username);
	free(t->password);
	free(t->token);
	free(t->ca_file);
	free(t->artifacts_destination);
	free(t->access_key);
	free(t->secret_key);
	free(t->session_token);
	free(t->region);
	strv_free(t->buckets);
	free(t->conninfo);
	strv_free(t->databases);
	strv_free(t->extensions);
	free(t->host);
	free(t->user);
	free(t->identity);
	free(t->known_hosts);
	free(t->jump);
	strv_free(t->roles);
	strv_free(t->units);
	strv_free(t->expect_status);
	free(t->expect_body);
	free(t->origin);
}

static void section_free(void *item)
{
	struct config_section *cs = item;
	free_items(cs->keys, cs->n, sizeof *cs->keys, free_item_ptr);
	free_items(cs->vals, cs->n, sizeof *cs->vals, free_item_ptr);
	free(cs->kind);
	free(cs->name);
	free(cs->origin);
}

void config_free(struct config *c)
{
	free_items(c->targets, c->ntargets, sizeof *c->targets, target_free);
	free_items(c->warnings, c->nwarnings, sizeof *c->warnings, free_item_ptr);
	free_items(c->envfile_keys, c->nenvfile, sizeof *c->envfile_keys, free_item_ptr);
	free_items(c->envfile_vals, c->nenvfile, sizeof *c->envfile_vals, free_item_ptr);
	free_items(c->sections, c->nsections, sizeof *c->sections, section_free);
	free(c->path);
	free(c->profile);
	free(c->theme);
	memset(c, 0, sizeof *c);
}

void config_warn(struct config *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *raw = xvasprintf(fmt, ap);
	va_end(ap);
	/* Section names and keys come from the file: shown like any other
	 * untrusted text (controls escaped, invalid UTF-8 replaced). */
	c->warnings = xrealloc(c->warnings, (c->nwarnings + 1) * sizeof *c->warnings);
	c->warnings[c->nwarnings++] = san_str(raw);
	free(raw);
}

void config_fill(char **field, const char *v)
{
	if (!*field && v)
		*field = xstrdup(v);
}

const struct target *config_first_target(const struct config *c, enum target_kind k)
{
	for (size_t i = 0; c && i < c->ntargets; i++)
		if (c->targets[i].kind == k && c->targets[i].url)
			return &c->targets[i];
	return NULL;
}

struct target *config_target(struct config *c, const char *name)
{
	for (size_t i = 0; i < c->ntargets; i++)
		if (strcmp(c->targets[i].name, name) == 0)
			return &c->targets[i];
	return NULL;
}

struct target *config_first_of_kind(struct config *c, enum target_kind k)
{
	for (size_t i = 0; i < c->ntargets; i++)
		if (c->targets[i].kind == k)
			return &c->targets[i];
	return NULL;
}

struct target *config_add_target(struct config *c, enum target_kind k, const char *name,
				 const char *origin)
{
	c->targets = xrealloc(c->targets, (c->ntargets + 1) * sizeof *c->targets);
	struct target *t = &c->targets[c->ntargets++];
	memset(t, 0, sizeof *t);
	t->kind = k;
	t->name = xstrdup(name);
	t->origin = xstrdup(origin);
	return t;
}

char *config_default_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg && *xdg)
		return xasprintf("%s/mlconsole/config.ini", xdg);
	const char *home = getenv("HOME");
	return xasprintf("%s/.config/mlconsole/config.ini", home ? home : ".");
}

char *target_url(const struct target *t, const char *path)
{
	const char *base = t->url ? t->url : "";
	size_t blen = strlen(base);
	while (blen && base[blen - 1] == '/')
		blen--;
	return xasprintf("%.*s%s", (int)blen, base, path ? path : "");
}

char *target_endpoint(const struct target *t)
{
	if (t->kind == TK_NODE) {
		if (t->user)
			return xasprintf("%s@%s:%d", t->user, t->host, t->port ? t->port : 22);
		return xasprintf("%s:%d", t->host, t->port ? t->port : 22);
	}
	if (t->kind == TK_POSTGRES) {
		/* Pick host, port and dbname out of the conninfo; never the password. */
		char host[128] = "", port[16] = "", db[128] = "";
		const char *s = t->conninfo ? t->conninfo : "";
		if (str_starts(s, "postgres://") || str_starts(s, "postgresql://")) {
			const char *p = strstr(s, "://") + 3;
			/* The last '@' of the authority: a password may hold '@'. */
			const char *at = memrchr(p, '@', strcspn(p, "/"));
			if (at)
				p = at + 1;
			size_t hl = strcspn(p, ":/?");
			snprintf(host, sizeof host, "%.*s", (int)MLC_MIN(hl, 127), p);
			if (p[hl] == ':')
				snprintf(port, sizeof port, "%.*s",
					 (int)MLC_MIN(strcspn(p + hl + 1, "/?"), 15), p + hl + 1);
			const char *slash = strchr(p, '/');
			if (slash)
				snprintf(db, sizeof db, "%.*s",
					 (int)MLC_MIN(strcspn(slash + 1, "?"), 127), slash + 1);
		} else {
			char **kv = strv_split(s, NULL);
			for (char **p = kv; *p; p++) {
				if (str_starts(*p, "host="))
					snprintf(host, sizeof host, "%s", *p + 5);
				else if (str_starts(*p, "port="))
					snprintf(port, sizeof port, "%s", *p + 5);
				else if (str_starts(*p, "dbname="))
					snprintf(db, sizeof db, "%s", *p + 7);
			}
			strv_free(kv);
		}
		if (!host[0] && getenv("PGHOST"))
			snprintf(host, sizeof host, "%s", getenv("PGHOST"));
		if (!port[0] && getenv("PGPORT"))
			snprintf(port, sizeof port, "%s", getenv("PGPORT"));
		return xasprintf("%s:%s/%s", host[0] ? host : "localhost", port[0] ? port : "5432",
				 db[0] ? db : "postgres");
	}
	if (!t->url)
		return xstrdup("-");
	/* Drop any user:password@ from the URL. */
	const char *p = strstr(t->url, "://");
	if (p) {
		/* The last '@' before the path: a password may hold '@'. */
		const char *at = memrchr(p + 3, '@', strcspn(p + 3, "/?#"));
		if (at && kind_conf(t->kind)->mask_userinfo) {
			/* user:***@ (redis-cli's redis://[USER:]PASSWORD@ form) */
			const char *colon = memchr(p + 3, ':', (size_t)(at - (p + 3)));
			return xasprintf("%.*s***%s", (int)((colon ? colon + 1 : p + 3) - t->url),
					 t->url, at);
		}
		if (at)
			return xasprintf("%.*s%s", (int)(p + 3 - t->url), t->url, at + 1);
	}
	return xstrdup(t->url);
}
