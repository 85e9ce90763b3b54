/* lib/ssh/sshc.h — SSH client over libssh2 in non-blocking mode on the loop:
 * resolve, connect (own deadline), handshake, host key check, auth (ssh-agent,
 * then key files), exec with stdout/stderr/exit status, keepalives.
 * Owns every LIBSSH2_SESSION. Never blocks, never prompts, never draws. */
#ifndef MLC_SSHC_H
#define MLC_SSHC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/err.h"

struct sshc_opts {
	const char *host;     /* name or address; resolved with loop_resolve */
	int port;	      /* 0 → 22 */
	const char *user;     /* NULL → $USER */
	const char *identity; /* private key file; NULL → ~/.ssh/id_ed25519, id_ecdsa, id_rsa */
	const char *known_hosts; /* NULL → ~/.ssh/known_hosts */
	bool accept_new; /* unknown host: add it (one line, mode kept) instead of refusing */
	/* unknown host: add it only if its key has exactly this "SHA256:..."
	 * fingerprint (the one a person confirmed); NULL: no such confirmation */
	const char *accept_fingerprint;
	bool no_agent; /* skip ssh-agent even if SSH_AUTH_SOCK is set */
	/* ProxyJump: "[user@]host[:port]" of one bastion reached first; the
	 * session to host:port then runs over a direct-tcpip channel of the
	 * bastion's session. The bastion is checked against the same
	 * known_hosts and authenticated with the same agent and keys
	 * (accept_new applies, accept_fingerprint does not). NULL or "": direct. */
	const char *jump;
	long connect_timeout_ms; /* TCP connect + handshake + auth; 0 → 5000 */
	long keepalive_s;	 /* 0 → 15; a session whose keepalives fail is closed */
};

struct sshc_session;

/* Called exactly once per sshc_connect, from the loop, unless sshc_close()
 * ran first. On error the session is dead: the callee must sshc_close() it.
 * err->code is MLC_ERR_HOSTKEY_UNKNOWN / _CHANGED (msg carries the
 * "SHA256:..." fingerprint as ssh-keygen -lf prints it), MLC_ERR_AUTH,
 * MLC_ERR_CONNECT, MLC_ERR_TIMEOUT, MLC_ERR_DNS or MLC_ERR_PROTO (a failed
 * jump host reports its own code, its message naming it as the jump host); also
 * MLC_ERR_CONFIG / MLC_ERR_IO when known_hosts is unsafe (group/world-writable,
 * not ours) or unreadable, and MLC_ERR_USAGE for an empty host name. */
typedef void (*sshc_connect_cb)(struct sshc_session *s, const struct mlc_err *err, void *arg);

/* Starts connecting. opts strings are copied. Never calls cb inside. */
struct sshc_session *sshc_connect(const struct sshc_opts *opts, sshc_connect_cb cb, void *arg);

/* Valid after a successful connect: the server's identification string
 * ("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3") and host key fingerprint. */
const char *sshc_banner(const struct sshc_session *s);
const char *sshc_fingerprint(const struct sshc_session *s);
/* The host key's type ("ssh-ed25519"). Like the fingerprint, also valid in
 * the connect callback when the key was refused. */
const char *sshc_key_type(const struct sshc_session *s);
/* True from a successful connect until the transport fails: a read/write
 * error, the server hanging up (noticed at once, even idle), or 3 keepalives
 * in a row without a byte back (libssh2 1.10 turns keepalive_s 1 into 2).
 * Then pending execs get err, later ones fail; the caller still closes it. */
bool sshc_is_up(const struct sshc_session *s);
/* Bytes sent to and received from the server on this session's transport
 * so far (encrypted, as on the wire), for the benchmarks. */
void sshc_traffic(const struct sshc_session *s, uint64_t *sent, uint64_t *received);
/* Why the transport failed ("ssh head: connection lost while …"); "" while
 * the session is up. */
const char *sshc_down_reason(const struct sshc_session *s);

/* Closes the session: pending connect/exec callbacks are never called, and
 * every sshc_exec handle of this session becomes invalid (do not cancel it
 * afterwards). Safe inside any sshc callback. */
void sshc_close(struct sshc_session *s);

/* Where the time of one exec went: microseconds from the sshc_exec call to
 * the channel open confirmed, the exec request sent and accepted, the first
 * byte of output, EOF, and the channel closed with its exit status; 0 for a
 * phase not reached. */
struct sshc_phases {
	int64_t open_us, exec_sent_us, exec_ok_us, first_us, eof_us, close_us;
};

struct sshc_result {
	struct sshc_phases phases;
	int exit_status;      /* -1 when the command died by a signal */
	char exit_signal[32]; /* "TERM" or "" */
	char *out;	      /* stdout, NUL-terminated, at most max_bytes */
	size_t out_len;
	char *err; /* stderr, same */
	size_t err_len;
	bool truncated; /* output exceeded max_bytes and was cut */
};

/* Called once per sshc_exec from the loop unless cancelled. r is borrowed for
 * the call only. On a transport error (or a channel/exec the server refused,
 * MLC_ERR_PROTO) err is set and r is NULL. On the exec's own timeout err is
 * MLC_ERR_TIMEOUT and r holds what was read so far (exit_status -1). The
 * handle is invalid once the callback has run. */
typedef void (*sshc_exec_cb)(const struct sshc_result *r, const struct mlc_err *err, void *arg);

struct sshc_exec;
/* Runs command (already quoted; see sshc_quote_arg) on a new channel.
 * max_bytes caps each of stdout and stderr (0 → 1 MiB); past it output is
 * read and dropped (truncated set), and after 16 MiB dropped the channel is
 * closed without waiting for the command (exit_status -1). timeout_ms bounds
 * the whole exec (0 → 30000). Several execs may run at once on one session
 * (OpenSSH allows 10 channels by default). A session that is not up gets its
 * error through the callback, on a later turn. */
struct sshc_exec *sshc_exec(struct sshc_session *s, const char *command, size_t max_bytes,
			    long timeout_ms, sshc_exec_cb cb, void *arg);
void sshc_exec_cancel(struct sshc_exec *x);
/* Output as it comes: cb gets everything kept so far of stdout and stderr
 * (borrowed for the call, capped like the result) each time a step of the
 * loop read more of it, before the exec's own callback; never after a
 * cancel. cb must not close the session or cancel x. */
typedef void (*sshc_output_cb)(const char *out, size_t out_len, const char *err, size_t err_len,
			       void *arg);
void sshc_exec_on_output(struct sshc_exec *x, sshc_output_cb cb, void *arg);
/* A round trip that runs nothing on the node: opens a session channel and
 * closes it again (no login shell is started, so a slow ~/.bashrc does not
 * count). Reported like an exec with exit status 0 and no output; cancel
 * with sshc_exec_cancel. */
struct sshc_exec *sshc_ping(struct sshc_session *s, long timeout_ms, sshc_exec_cb cb, void *arg);

/* Pure helpers, unit-tested without a network. */

/* Host key lookup in an OpenSSH known_hosts file, with OpenSSH's semantics
 * rather than libssh2 1.10's: a key of another type stored for the host counts
 * as CHANGED, a matching @revoked line as REVOKED, hashed |1| entries match.
 * host/port as in "[127.0.0.1]:2222" for port != 22. */
enum sshc_khstatus {
	SSHC_KH_MATCH,
	SSHC_KH_NOTFOUND,
	SSHC_KH_CHANGED,
	SSHC_KH_REVOKED,
	SSHC_KH_ERROR
};
enum sshc_khstatus sshc_known_hosts_check(const char *path, const char *host, int port,
					  const char *keytype, const unsigned char *key,
					  size_t keylen, struct mlc_err *err);
/* Appends one line for host:port with this key; the file's mode is kept (new
 * files get 0600). Returns 0 or a negative status. */
int sshc_known_hosts_add(const char *path, const char *host, int port, const char *keytype,
			 const unsigned char *key, size_t keylen, struct mlc_err *err);
/* Key types recorded for host:port in order of the file, as a libssh2
 * method preference list ("ssh-ed25519,ecdsa-sha2-nistp256"); "" if none. */
void sshc_known_hosts_types(const char *path, const char *host, int port, char *out, size_t n);
/* "SHA256:<base64 without padding>" of a raw host key blob. */
void sshc_fingerprint_sha256(const unsigned char *key, size_t keylen, char *out, size_t n);
/* Appends arg to cmd single-quoted for a POSIX (and csh) shell: ' → '\'' and
 * ! → '\!'. Returns -1 (and leaves cmd alone) if arg holds NUL, CR or LF. */
struct buf;
int sshc_quote_arg(struct buf *cmd, const char *arg);
/* Same for len bytes that may hold a NUL (rejected, like CR and LF). */
int sshc_quote_argn(struct buf *cmd, const char *arg, size_t len);
/* The key type name a raw SSH public key blob starts with ("ssh-ed25519").
 * Returns 0, or -1 (out "") for a malformed blob. */
int sshc_key_blob_type(const unsigned char *key, size_t keylen, char *out, size_t n);

/* Tracing: on, every exec logs its phases (see struct sshc_phases) at
 * debug level when it ends, one line per exec; off by default, on from the
 * start when MLC_SSH_TRACE is set in the environment. */
void sshc_set_trace(bool on);

/* Testing only: n > 0 cuts every send to the server to at most n bytes and
 * makes every other send attempt find the socket full (EAGAIN), so that the
 * tests exercise short writes everywhere; 0 restores normal I/O. */
void sshc_test_set_send_chunk(size_t n);

#endif
