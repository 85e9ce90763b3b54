/* lib/core/sshconf.h — the parts of ~/.ssh/config a node needs, read as ssh(1)
 * reads them: Host blocks matched against the node's host with * and ?
 * patterns and ! negation, the first value obtained for each keyword wins,
 * and only HostName, User, Port, IdentityFile and ProxyJump are taken. Pure: a file in,
 * values out; never prints. */
#ifndef MLC_SSHCONF_H
#define MLC_SSHCONF_H

#include <stdbool.h>

struct sshconf_host {
	char hostname[256];
	char user[64];
	int port;	     /* 0 when not set */
	char identity[1024]; /* ~ and %d expanded to $HOME, "" when not set */
	char proxyjump[256]; /* ProxyJump as written ("none" kept), "" when not set */
};

/* Fills *out for host from the file at path (NULL → ~/.ssh/config). Returns
 * true when some block matched. A missing file is no error. */
bool sshconf_lookup(const char *path, const char *host, struct sshconf_host *out);
/* OpenSSH pattern match: * and ?, a comma- or space-separated list, !pat
 * negates (a negated match excludes the host whatever else matches). */
bool sshconf_match(const char *patterns, const char *host);

#endif
