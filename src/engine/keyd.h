/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * keyd.h: keyd's internal interfaces, one section per file of src/engine.
 * keyd runs the portable PF_KEY core (kmod/core, pfkey.h) as a userspace
 * daemon: every connection to its Unix SOCK_SEQPACKET socket is one PF_KEY
 * socket. Everything runs on one thread, in the poll loop of server.c; the
 * core's timers fire from that loop (os_user_timers_run).
 */
#ifndef KEYD_H
#define KEYD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pfkey.h"

/* Exit statuses (documented in man/keyd.8). */
enum keyd_exit {
	KEYD_EXIT_OK = 0,
	KEYD_EXIT_FAIL = 1,	/* runtime failure: socket busy, bind, ... */
	KEYD_EXIT_USAGE = 2,	/* bad command line */
	KEYD_EXIT_STATE = 3,	/* state file unreadable, corrupt or not replayable */
};

/* ---- log.c: stderr or syslog, also the core's os_log sink ----------- */
enum keyd_log_level { KEYD_LOG_ERR, KEYD_LOG_WARN, KEYD_LOG_INFO, KEYD_LOG_DEBUG };
void keyd_log_open(bool use_syslog, bool verbose);
void keyd_log(enum keyd_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- path.c: default socket path (same rule as pfk_keyd_default_path) -- */
int keyd_path_default(char *buf, size_t cap);
/* PATH.ctl for the control socket; -ENAMETOOLONG if it does not fit. */
int keyd_path_ctl(const char *path, char *buf, size_t cap);

/* ---- conn.c: one client connection = one pfkm_sock ------------------ */
struct keyd_conn {
	int fd;
	struct pfkm_sock *sk;
	size_t sndbuf;		/* SO_SNDBUF: the "receive buffer" the core sees */
	bool dead;		/* peer gone: closed by the loop, never mid-request */
	bool want_resume;	/* a dump may be paused: poll for POLLOUT */
	pid_t pid;
	uid_t uid;
	uint64_t drops;		/* messages lost to a full queue (not after hangup) */
	bool deep;		/* registered/promiscuous: deeper queue (conn.c) */
};
struct keyd_conn *keyd_conn_create(struct pfkm_net *net, int fd, pid_t pid, uid_t uid);
void keyd_conn_destroy(struct keyd_conn *c);
/*
 * Read and process up to max queued requests. rx is a scratch buffer of
 * rxcap bytes. Returns the number of state-changing requests processed.
 */
int keyd_conn_read(struct keyd_conn *c, uint8_t *rx, size_t rxcap, int max);
/* POLLOUT after a pause: continue the connection's dump. */
void keyd_conn_writable(struct keyd_conn *c);
/* Message types that can change the SADB/SPD (for the state file). */
bool keyd_conn_type_changes_state(unsigned int sadb_type);

/* ---- ctl.c: the PATH.ctl text control socket ------------------------ */
/*
 * Execute one control line ("flow out SRC DST PROTO SPORT DPORT BYTES",
 * "stats", "stats PID") against net and the open connections; writes
 * "ok ..." or "err ..." (no newline) to out. Returns 1 when the line may
 * have changed SA state, else 0.
 */
int keyd_ctl_exec(struct pfkm_net *net, struct keyd_conn *const *conns, size_t nconns,
		  const char *line, char *out, size_t cap);

/* ---- inject.c: client mode `keyd inject ...` / `keyd ctl ...` -------- */
int keyd_inject_run(const char *sockpath, int argc, char **argv);

/* ---- state.c: --state FILE ------------------------------------------ */
/* Replay FILE into net. 0 (also when FILE does not exist: *loaded = false),
 * or -errno with the reason logged. */
int keyd_state_load(struct pfkm_net *net, const char *file, bool *loaded,
		    size_t *nsa, size_t *npol);
/* Dump net into FILE.tmp, fsync, rename over FILE. 0 or -errno. */
int keyd_state_save(struct pfkm_net *net, const char *file);

/* ---- tun.c: the data path's TUN device and its routes ---------------- */
#define KEYD_TUN_MTU 1400u	/* room for ESP/AH and an IPv6 outer header in 1500 */
/* Create (or attach to) TUN device name (NULL: the kernel's tunN), MTU
 * KEYD_TUN_MTU, up. Returns its non-blocking fd, name in ifname. */
int keyd_tun_open(const char *name, char *ifname, int *ifindex);
/* Add (exclusive) or delete the main-table route dst/plen dev ifindex,
 * with preferred source src (NULL: none). */
int keyd_tun_route(int ifindex, bool add, int family, const uint8_t *dst, unsigned int plen,
		   const uint8_t *src);

/* ---- dp_io.c: --datapath tun[=NAME], the ESP/AH packet loop ---------- */
struct keyd_dp;
struct pollfd;
struct keyd_dp_io_stats {
	uint64_t tun_rx, tun_tx, net_rx, net_tx;
	uint64_t out_nopolicy;	/* routed into the device, no IPsec policy: dropped */
	uint64_t out_drop, in_drop;	/* every other packet not sent / not delivered */
};
#define KEYD_DP_NFDS 6		/* pollfds keyd_dp_pollfds fills */
/* spec "tun" or "tun=NAME". 0 or -errno (logged). */
int keyd_dp_open(struct pfkm_net *net, const char *spec, struct keyd_dp **out);
void keyd_dp_close(struct keyd_dp *d);
size_t keyd_dp_pollfds(struct keyd_dp *d, struct pollfd *pfd);
/* Poll timeout (ms) the data path needs: route resync, held packets. */
int keyd_dp_timeout(struct keyd_dp *d);
/* After poll: pfd as filled by keyd_dp_pollfds with revents (or NULL). */
void keyd_dp_run(struct keyd_dp *d, const struct pollfd *pfd);
/* The SPD may have changed: resync the routes before the next packets. */
void keyd_dp_changed(struct keyd_dp *d);
/* "ok dev=... counters" of the running data path for `stats datapath'. */
int keyd_dp_stats_line(char *out, size_t cap);

/* ---- server.c: listening sockets and the poll loop ------------------ */
struct keyd_opts {
	const char *socket_path;
	const char *datapath;	/* NULL, "tun" or "tun=NAME" */
	const char *state_file;	/* NULL: no persistence */
	unsigned int save_delay_ms;
};
/*
 * Bind PATH (0600) and PATH.ctl, then serve until SIGTERM/SIGINT. ready_fd
 * (>= 0) is written one byte and closed once listening, so a daemonising
 * parent can report success only when keyd really serves.
 */
int keyd_server_run(const struct keyd_opts *o, int ready_fd);

#endif /* KEYD_H */
