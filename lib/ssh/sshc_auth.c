/* lib/ssh/sshc_auth.c — the handshake, host key check and authentication
 * steps of an SSH session (agent first, then key files), each a
 * non-blocking step the driver in sshc.c retries. Never prompts, never
 * accepts a changed host key, never logs a secret. */
#include "lib/ssh/sshc_int.h"

#include <errno.h>
#include <libssh2.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"

/* OpenSSH 9.2's default host key order, minus ssh-rsa (SHA-1): without it
 * libssh2 1.10 prefers ECDSA and would record a different key than ssh. */
static const char default_hostkeys[] = "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,"
				       "ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256";

/* Whether the comma list holds item as a whole entry. */
static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	for (const char *p = list; p && *p;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		if (len == n && memcmp(p, item, n) == 0)
			return true;
		p = c ? c + 1 : NULL;
	}
	return false;
}

/* Host key algorithms to offer: first the types known_hosts holds for this
 * host, so that the server shows us the key we recorded (libssh2 1.10 would
 * otherwise pick ECDSA over a recorded Ed25519 key and report it unknown),
 * then OpenSSH's default order, so that a server lacking the recorded type
 * shows another one, which the check refuses as changed, with its
 * fingerprint, rather than failing key exchange. Filtered to what this
 * libssh2 supports, without duplicates. */
static void set_hostkey_pref(struct sshc_session *s)
{
	char types[512];
	sshc_known_hosts_types(s->known_hosts, s->host, s->port, types, sizeof types);
	char *want = xasprintf("%s%s%s", types, types[0] ? "," : "", default_hostkeys);

	const char **algs = NULL;
	int nalgs = libssh2_session_supported_algs(s->ssh, LIBSSH2_METHOD_HOSTKEY, &algs);
	struct buf pref;
	buf_init(&pref);
	char **v = strv_split(want, NULL);
	for (char **t = v; *t; t++) {
		const char *expand[3] = {*t, NULL, NULL};
		if (strcmp(*t, "ssh-rsa") == 0) { /* an RSA key signs with SHA-2 too */
			expand[0] = "rsa-sha2-512";
			expand[1] = "rsa-sha2-256";
			expand[2] = "ssh-rsa";
		}
		for (int k = 0; k < 3 && expand[k]; k++) {
			bool ok = nalgs <= 0;
			for (int i = 0; i < nalgs && !ok; i++)
				ok = strcmp(algs[i], expand[k]) == 0;
			if (ok && !list_has(pref.data, expand[k]))
				buf_printf(&pref, "%s%s", pref.len ? "," : "", expand[k]);
		}
	}
	strv_free(v);
	free(want);
	if (algs)
		libssh2_free(s->ssh, (void *)algs);
	if (pref.len)
		libssh2_session_method_pref(s->ssh, LIBSSH2_METHOD_HOSTKEY, pref.data);
	buf_free(&pref);
}

static int check_hostkey(struct sshc_session *s)
{
	size_t len = 0;
	int type = 0;
	const unsigned char *key =
	    (const unsigned char *)libssh2_session_hostkey(s->ssh, &len, &type);
	if (!key || len == 0 || sshc_key_blob_type(key, len, s->keytype, sizeof s->keytype) != 0) {
		sshc_connect_fail(s, MLC_ERR_PROTO, 0, "ssh %s: server sent no usable host key",
				  s->label);
		return -1;
	}
	sshc_fingerprint_sha256(key, len, s->fp, sizeof s->fp);
	const char *banner = libssh2_session_banner_get(s->ssh);
	if (banner)
		sshc_ascii_into(s->banner, sizeof s->banner, banner, strlen(banner));

	struct mlc_err e;
	mlc_err_clear(&e);
	switch (
	    sshc_known_hosts_check(s->known_hosts, s->host, s->port, s->keytype, key, len, &e)) {
	case SSHC_KH_MATCH:
		return 1;
	case SSHC_KH_NOTFOUND:
		if (s->accept_fp[0] && strcmp(s->accept_fp, s->fp) != 0) {
			sshc_connect_fail(
			    s, MLC_ERR_HOSTKEY_UNKNOWN, 0,
			    "ssh %s: host key %s %s is not the one confirmed (%s); not "
			    "recorded",
			    s->label, s->keytype, s->fp, s->accept_fp);
			return -1;
		}
		if (!s->accept_new && !s->accept_fp[0]) {
			sshc_connect_fail(s, MLC_ERR_HOSTKEY_UNKNOWN, 0,
					  "ssh %s: unknown host key %s %s (not in %s)", s->label,
					  s->keytype, s->fp, s->known_hosts);
			return -1;
		}
		if (sshc_known_hosts_add(s->known_hosts, s->host, s->port, s->keytype, key, len,
					 &e) != 0) {
			sshc_connect_fail(s, MLC_ERR_HOSTKEY_UNKNOWN, e.detail,
					  "ssh %s: host key %s %s not recorded: %s", s->label,
					  s->keytype, s->fp, e.msg);
			return -1;
		}
		return 1;
	case SSHC_KH_CHANGED:
		sshc_connect_fail(s, MLC_ERR_HOSTKEY_CHANGED, e.detail,
				  "ssh %s: HOST KEY CHANGED: server shows %s %s; %s", s->label,
				  s->keytype, s->fp, e.msg);
		return -1;
	case SSHC_KH_REVOKED:
		sshc_connect_fail(s, MLC_ERR_HOSTKEY_CHANGED, e.detail,
				  "ssh %s: REVOKED HOST KEY %s %s; %s", s->label, s->keytype, s->fp,
				  e.msg);
		return -1;
	case SSHC_KH_ERROR:
	default:
		sshc_connect_fail(s, e.code ? e.code : MLC_ERR_IO, e.detail,
				  "ssh %s: cannot check host key %s: %s", s->label, s->fp, e.msg);
		return -1;
	}
}

int sshc_step_handshake(struct sshc_session *s)
{
	if (!s->ssh) {
		s->ssh = libssh2_session_init_ex(NULL, NULL, NULL, s);
		if (!s->ssh) {
			sshc_connect_fail(s, MLC_ERR_INTERNAL, 0,
					  "ssh %s: libssh2_session_init failed", s->label);
			return -1;
		}
		libssh2_session_callback_set(s->ssh, LIBSSH2_CALLBACK_RECV, (void *)sshc_io_recv);
		libssh2_session_callback_set(s->ssh, LIBSSH2_CALLBACK_SEND, (void *)sshc_io_send);
		libssh2_session_set_blocking(s->ssh, 0);
		set_hostkey_pref(s);
	}
	int rc = libssh2_session_handshake(s->ssh, s->fd);
	s->call_pending = rc == LIBSSH2_ERROR_EAGAIN;
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return 0;
	if (rc) {
		bool lost = rc == LIBSSH2_ERROR_SOCKET_RECV || rc == LIBSSH2_ERROR_SOCKET_SEND ||
			    rc == LIBSSH2_ERROR_SOCKET_DISCONNECT ||
			    rc == LIBSSH2_ERROR_BANNER_RECV;
		sshc_connect_fail(s, lost ? MLC_ERR_CONNECT : MLC_ERR_PROTO, rc,
				  "ssh %s: SSH handshake failed: %s", s->label, sshc_errmsg(s));
		return -1;
	}
	if (check_hostkey(s) < 0)
		return -1;
	s->st = SS_AUTH;
	s->ap = AP_LIST;
	return 1;
}

static void tried_note(struct sshc_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void tried_note(struct sshc_session *s, const char *fmt, ...)
{
	char tmp[200], safe[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	sshc_ascii_into(safe, sizeof safe, tmp, sizeof tmp);
	buf_printf(&s->tried, "%s%s", s->tried.len ? "; " : "", safe);
}

static void agent_done(struct sshc_session *s)
{
	if (s->agent) {
		libssh2_agent_disconnect(s->agent);
		libssh2_agent_free(s->agent);
		s->agent = NULL;
	}
	s->agent_prev = s->agent_cur = NULL;
}

static int auth_lost(struct sshc_session *s, int rc)
{
	sshc_connect_fail(s, MLC_ERR_CONNECT, rc,
			  "ssh %s: connection lost during authentication: %s", s->label,
			  sshc_errmsg(s));
	return -1;
}

/* One step of publickey auth: agent identities, then key files. Returns 1
 * when authenticated, 0 to wait for the socket, -1 after reporting. */
/* Each step of the auth state machine returns 1 authenticated, 0 wait
 * for the socket (the same step runs again), -1 failed (the session says
 * why), or AUTH_NEXT: the state changed, go on at once. */
enum { AUTH_NEXT = 2 };

/* Which methods the server takes: public keys, or a clear refusal. */
static int auth_list(struct sshc_session *s, unsigned ulen)
{
	char *list = libssh2_userauth_list(s->ssh, s->user, ulen);
	s->call_pending = false;
	if (!list) {
		if (libssh2_userauth_authenticated(s->ssh))
			return 1;
		int e = libssh2_session_last_errno(s->ssh);
		s->call_pending = e == LIBSSH2_ERROR_EAGAIN;
		if (e == LIBSSH2_ERROR_EAGAIN)
			return 0;
		return auth_lost(s, e);
	}
	if (!strstr(list, "publickey")) {
		char safe[96];
		sshc_ascii_into(safe, sizeof safe, list, strlen(list));
		sshc_connect_fail(s, MLC_ERR_AUTH, 0,
				  "ssh %s: server does not accept public keys (only %s)", s->label,
				  safe);
		return -1;
	}
	const char *sock = getenv("SSH_AUTH_SOCK");
	s->ap = !s->no_agent && sock && *sock ? AP_AGENT_START : AP_KEYS;
	return AUTH_NEXT;
}

/* Blocking, but on a local unix socket and short. */
static int auth_agent_start(struct sshc_session *s)
{
	s->ap = AP_KEYS;
	s->agent = libssh2_agent_init(s->ssh);
	if (!s->agent)
		return AUTH_NEXT;
	if (libssh2_agent_connect(s->agent) != 0 || libssh2_agent_list_identities(s->agent) != 0) {
		tried_note(s, "agent unavailable");
		agent_done(s);
		return AUTH_NEXT;
	}
	s->ap = AP_AGENT;
	return AUTH_NEXT;
}

/* The agent's identities, one after another. */
static int auth_agent(struct sshc_session *s)
{
	if (!s->agent_cur &&
	    libssh2_agent_get_identity(s->agent, &s->agent_cur, s->agent_prev) != 0) {
		tried_note(s, "agent: %d key%s", s->agent_tried, s->agent_tried == 1 ? "" : "s");
		agent_done(s);
		s->ap = AP_KEYS;
		return AUTH_NEXT;
	}
	int rc = libssh2_agent_userauth(s->agent, s->user, s->agent_cur);
	s->call_pending = rc == LIBSSH2_ERROR_EAGAIN;
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return 0;
	if (rc == 0) {
		agent_done(s);
		return 1;
	}
	if (sshc_transport_error(rc))
		return auth_lost(s, rc);
	s->agent_tried++;
	s->agent_prev = s->agent_cur;
	s->agent_cur = NULL;
	return AUTH_NEXT;
}

/* Whether the key file at path may be tried: it exists and, as ssh(1)
 * requires, others cannot read it. */
static bool key_usable(struct sshc_session *s, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		if (s->explicit_key)
			tried_note(s, "%s: %s", path, strerror(errno));
		return false;
	}
	if (st.st_mode & 077) {
		log_warn("ssh %s: permissions %04o for '%s' are too open; private key ignored",
			 s->label, (unsigned)(st.st_mode & 07777), path);
		tried_note(s, "%s: permissions %04o are too open, key ignored", path,
			   (unsigned)(st.st_mode & 07777));
		return false;
	}
	return true;
}

/* The key files, one after another. */
static int auth_keys(struct sshc_session *s, unsigned ulen)
{
	if (s->key_idx >= s->nkeys) {
		sshc_connect_fail(
		    s, MLC_ERR_AUTH, 0,
		    "ssh %s: public key authentication failed for user %s (tried: %s)", s->label,
		    s->user, s->tried.len ? s->tried.data : "no keys");
		return -1;
	}
	const char *path = s->keys[s->key_idx];
	if (!s->key_started) {
		if (!key_usable(s, path)) {
			s->key_idx++;
			return AUTH_NEXT;
		}
		s->key_started = true;
	}
	/* Public key NULL: libssh2 derives it. Passphrase "" (never NULL:
	 * OpenSSL would prompt on the terminal for an encrypted PEM). */
	int rc = libssh2_userauth_publickey_fromfile_ex(s->ssh, s->user, ulen, NULL, path, "");
	s->call_pending = rc == LIBSSH2_ERROR_EAGAIN;
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return 0;
	s->key_started = false;
	s->key_idx++;
	if (rc == 0)
		return 1;
	if (sshc_transport_error(rc))
		return auth_lost(s, rc);
	tried_note(s, "%s: %s", path,
		   rc == LIBSSH2_ERROR_FILE ? "cannot load (encrypted or unsupported)"
					    : "rejected");
	return AUTH_NEXT;
}

int sshc_step_auth(struct sshc_session *s)
{
	unsigned ulen = (unsigned)strlen(s->user);
	for (;;) {
		int r = s->ap == AP_LIST	  ? auth_list(s, ulen)
			: s->ap == AP_AGENT_START ? auth_agent_start(s)
			: s->ap == AP_AGENT	  ? auth_agent(s)
						  : auth_keys(s, ulen);
		if (r != AUTH_NEXT)
			return r;
	}
}
