/* lib/ssh/sshc_int.h — what the parts of the SSH client share and nobody
 * else may see: the session and exec structs, their states and limits, and
 * the functions one part calls in another (transport in sshc.c, socket I/O
 * and helpers in sshc_io.c, host key and auth in sshc_auth.c, channels in
 * sshc_exec.c). Never included outside lib/ssh. */
#ifndef MLC_SSHC_INT_H
#define MLC_SSHC_INT_H

#include <libssh2.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/ssh/sshc.h"

#define SSHC_TIMEOUT_MS	 5000
#define SSHC_KEEPALIVE_S 15
#define SSHC_MAX_BYTES	 (1024 * 1024)
#define SSHC_EXEC_MS	 30000
/* Bytes read and thrown away past max_bytes before we stop waiting for the
 * command and close its channel (a `yes` must not run until the timeout). */
#define SSHC_DRAIN_LIMIT (16 * 1024 * 1024)
/* Bytes taken from one stream in one step, and passes over all channels in
 * one loop turn, before yielding to the rest of the program. */
#define SSHC_STEP_BYTES (1024 * 1024)
#define SSHC_MAX_PASSES 16
/* Keepalive ticks in a row without a single byte from the server. */
#define SSHC_KA_MISSED_MAX 3
/* How long a cancelled channel may take to close before we abandon it to
 * libssh2_session_free. */
#define SSHC_ZOMBIE_MS 5000
/* Bytes we queue ourselves when the kernel takes less than libssh2 hands
 * us (see io_send). We never upload data, so this stays tiny in practice. */
#define SSHC_OBUF_MAX (256 * 1024)

enum sstate { SS_RESOLVE, SS_TCP, SS_HANDSHAKE, SS_AUTH, SS_UP, SS_DOWN };
enum aphase { AP_LIST, AP_AGENT_START, AP_AGENT, AP_KEYS };

/* Exec states in order; everything below XS_DEFER still talks to libssh2. */
enum xstate { XS_OPEN, XS_EXEC, XS_READ, XS_CLOSE, XS_DEFER, XS_DEAD };

struct sshc_exec {
	struct sshc_exec *next;
	struct sshc_session *s;
	enum xstate st;
	/* No callback any more (delivered, cancelled, timed out): the channel,
	 * if any, is only being wound down. loop_busy was already released. */
	bool cancelled;
	bool cut;	   /* stopped reading past SSHC_DRAIN_LIMIT */
	bool exec_started; /* libssh2_channel_exec was called (its state is live) */
	bool close_sent;   /* libssh2_channel_close returned: never call it again */
	bool ping;	   /* sshc_ping: open and close a channel, run nothing */
	/* sshc_tunnel_open: a direct-tcpip channel to cmd:tport whose bytes
	 * the pump (sshc_jump.c) moves to and from a local socket */
	struct sshc_pump *pump;
	int tport;
	sshc_output_cb out_cb; /* sshc_exec_on_output */
	void *out_arg;
	bool fresh; /* bytes kept since out_cb last ran */
	bool truncated;
	char *cmd;
	LIBSSH2_CHANNEL *ch;
	size_t max_bytes, dropped;
	int64_t deadline;
	struct buf out, err;
	sshc_exec_cb cb;
	void *arg;
	int64_t t0_us;		   /* when sshc_exec was called */
	struct sshc_phases phases; /* see sshc.h; filled as the exec goes */
	struct loop_defer *defer;  /* XS_DEFER: an error found before any I/O */
	struct mlc_err defer_err;
};

struct sshc_session {
	char *host, *user, *known_hosts, *label;
	char **keys; /* private key files to try, in order */
	size_t nkeys;
	bool explicit_key;
	int port;
	bool accept_new, no_agent;
	char accept_fp[64]; /* accept an unknown key with exactly this fingerprint */
	long timeout_ms, keepalive_s;

	sshc_connect_cb cb;
	void *arg;
	enum sstate st;
	bool closed;	      /* sshc_close ran: no callback, memory freed when handles close */
	bool connect_pending; /* the connect job still counts in loop_busy */
	int depth;	      /* > 0 while drive() is on the stack: do not free execs */
	int handles;	      /* uv handles open (timer, poll) */

	struct loop_resolve *res;
	struct loop_defer *fail_defer;
	struct mlc_err fail_err;
	int fd;
	uv_poll_t poll;
	bool poll_inited;
	int poll_events;
	uv_timer_t timer;
	bool kick; /* drive again on the next turn */
	int64_t deadline;

	LIBSSH2_SESSION *ssh;
	bool io_dead;	   /* teardown: our send swallows, recv reads EOF */
	bool call_pending; /* the last handshake/auth call returned EAGAIN */
	uint64_t nrecv;	   /* bytes libssh2 took from the socket */
	uint64_t nsent;	   /* bytes libssh2 handed us to send (queued ones too) */

	/* auth */
	enum aphase ap;
	LIBSSH2_AGENT *agent;
	struct libssh2_agent_publickey *agent_prev, *agent_cur;
	int agent_tried;
	size_t key_idx;
	bool key_started;
	struct buf tried;

	/* ProxyJump (sshc_jump.c): the bastion's session and the tunnel on it,
	 * both owned by this session and ended with its transport */
	struct sshc_session *jump;
	struct sshc_exec *tunnel;

	char banner[128];
	char fp[64];
	char keytype[64];

	/* channels */
	struct sshc_exec *ops, **ops_tail;
	struct sshc_exec *opening; /* holds libssh2's one channel-open state machine */
	struct buf obuf;	   /* bytes libssh2 counts as sent, not yet in the kernel */
	size_t obuf_off;
	int send_errno; /* a send from obuf failed: the transport is gone */

	/* keepalive */
	int64_t next_ka;
	uint64_t ka_seen;
	int ka_missed;		 /* keepalives sent since the last byte from the server */
	struct mlc_err down_err; /* why the transport failed, once it has */
};

/* Steps of one channel, as exec_step reports them to the driver. */
enum step { STEP_BLOCKED, STEP_PROGRESS, STEP_DOWN };

/* sshc.c: the transport */
void sshc_drive(struct sshc_session *s, int events);
void sshc_rearm(struct sshc_session *s);
void sshc_reap(struct sshc_session *s);
void sshc_free_exec(struct sshc_exec *x);
void sshc_teardown(struct sshc_session *s, bool graceful);

void sshc_connect_fail(struct sshc_session *s, int code, long detail, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void sshc_start_fd(struct sshc_session *s, int fd);
/* loop_defer callback: reports s->fail_err as the connect's result. */
void sshc_fail_deferred(void *arg);

/* sshc_jump.c: ProxyJump over a direct-tcpip channel of a bastion session */
struct sshc_pump;
/* Connects the bastion named by spec, then runs s over a tunnel to s->host:
 * s->port on it; failures go through sshc_connect_fail. */
void sshc_jump_start(struct sshc_session *s, const struct sshc_opts *o);
/* Ends s's bastion session and tunnel (no callbacks); safe when none. */
void sshc_jump_end(struct sshc_session *s);
/* The tunnel exec's open call (direct-tcpip instead of a session channel). */
LIBSSH2_CHANNEL *sshc_tunnel_channel(struct sshc_session *s, struct sshc_exec *x);
/* Moves bytes both ways between the channel and the local socket as far as
 * they go without blocking. Returns 1 when the tunnel is over (either end
 * closed), 0 to go on, or a negative libssh2 error. */
int sshc_pump_step(struct sshc_exec *x, bool *progress);
void sshc_pump_free(struct sshc_pump *p);

/* sshc_io.c: helpers and the socket I/O libssh2 is given */
void sshc_ascii_into(char *out, size_t n, const char *in, size_t len);
char *sshc_ascii_dup(const char *in);
int64_t sshc_now_us(void);
extern bool sshc_tracing;
char *sshc_home_dir(void);
char *sshc_default_user(void);
const char *sshc_errmsg(struct sshc_session *s);
int sshc_block_dirs(struct sshc_session *s);
bool sshc_transport_error(int rc);
void sshc_set_err(struct mlc_err *e, int code, long detail, const char *fmt, va_list ap);
ssize_t sshc_io_recv(libssh2_socket_t fd, void *buf, size_t len, int flags, void **abstract);
ssize_t sshc_io_send(libssh2_socket_t fd, const void *buf, size_t len, int flags, void **abstract);
bool sshc_obuf_flush(struct sshc_session *s);
bool sshc_obuf_pending(const struct sshc_session *s);

/* sshc_auth.c: host key check and authentication */
int sshc_step_handshake(struct sshc_session *s);
int sshc_step_auth(struct sshc_session *s);

/* sshc_exec.c: channels */
void sshc_session_down(struct sshc_session *s, int code, long detail, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
enum step sshc_lost(struct sshc_session *s, int rc, const char *doing);
bool sshc_has_active(struct sshc_session *s);
void sshc_run_ops(struct sshc_session *s);
void sshc_exec_timeout(struct sshc_session *s, struct sshc_exec *x, int64_t now);
/* loop_busy_dec for an exec that counted (every one but a tunnel). */
void sshc_exec_unbusy(struct sshc_exec *x);
/* A channel to host:port that the pump serves; never times out, never
 * counts in loop_busy; cb once when it ends (r with status 0 after a clean
 * close by either end, or err). */
struct sshc_exec *sshc_tunnel_open(struct sshc_session *s, const char *host, int port,
				   struct sshc_pump *pump, sshc_exec_cb cb, void *arg);

#endif
