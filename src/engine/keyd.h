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
/* Start-up is over: with syslog, stop copying messages to stderr. */
void keyd_log_started(void);

/* ---- ready.c: readiness (daemon pipe, sd_notify) -------------------- */
/* Serving: READY=1 to $NOTIFY_SOCKET, end of start-up logging, and with
 * ready_fd >= 0 (--daemon) stderr to /dev/null and the byte to the parent. */
void keyd_ready(int ready_fd, const char *status);
/* STOPPING=1 to $NOTIFY_SOCKET. */
void keyd_stopping(void);

/* ---- path.c: default socket path (same rule as pfk_keyd_default_path) --
 * -EDESTADDRREQ: a user without XDG_RUNTIME_DIR (no default). */
int keyd_path_default(char *buf, size_t cap);
/* PATH.ctl for the control socket; -ENAMETOOLONG if it does not fit. */
int keyd_path_ctl(const char *path, char *buf, size_t cap);

/* ---- access.c: --socket-group / --socket-mode ----------------------- */
struct keyd_opts;
/* GROUP as a name or a number; -ENOENT for an unknown name. */
int keyd_access_parse_group(const char *s, gid_t *out);
/* An octal mode with rw for the owner and no bits for others (-ERANGE). */
int keyd_access_parse_mode(const char *s, mode_t *out);
/* Give the socket at path the group and mode asked for (if any). */
int keyd_access_apply(const struct keyd_opts *o, const char *path);
/* Whether a peer that is neither root nor keyd's uid is in the group. */
bool keyd_access_group_ok(const struct keyd_opts *o, int fd, gid_t primary);

/* ---- store.c: --store memory|xfrm ------------------------------------ */
enum keyd_store { KEYD_STORE_MEMORY = 0, KEYD_STORE_XFRM };
int keyd_store_parse(const char *s, enum keyd_store *out);
const char *keyd_store_name(enum keyd_store st);
/* The engine on the store; -errno (xfrm: -EPERM without CAP_NET_ADMIN). */
int keyd_store_net_create(enum keyd_store st, struct pfkm_net **out);
/* The store's event socket (changes by others: ip xfrm, the kernel's
 * ACQUIRE/EXPIRE) for the poll loop, -1 when it has none; read it when
 * readable. */
int keyd_store_event_fd(void);
void keyd_store_event_read(void);

/* ---- conn.c: one client connection = one pfkm_sock ------------------ */
/* A connection whose output queue holds this much is not read (conn.c). */
#define KEYD_CONN_QUEUE_MAX (1u << 20)
struct keyd_conn {
	int fd;
	struct pfkm_sock *sk;
	size_t sndbuf;		/* SO_SNDBUF: the "receive buffer" the core sees */
	bool dead;		/* peer gone: closed by the loop, never mid-request */
	bool hup;		/* peer closed its end: requests still applied */
	bool want_resume;	/* a dump may be paused: poll for POLLOUT */
	pid_t pid;
	uid_t uid;
	uint64_t drops;		/* broadcasts lost to a full queue (not after hangup) */
	bool deep;		/* registered/promiscuous: deeper queue (conn.c) */
	size_t deep_granted;	/* its share of the deep-queue budget */
	/* output queue (conn.c): q[qhead..qlen) */
	uint8_t *q;
	size_t qhead, qlen, qcap;
	/* the request being processed */
	bool in_req, reply_seen;
	uint8_t req_type, reply_errno;
	uint8_t *rbuf;		/* copy of its reply (PFKM_MSG_MAX), wiped after */
	size_t reply_len;
};
/* Tag of the state-changing request being processed (0: none); tags grow
 * by one per such request. keyd_conn_muted: deliver nothing (rollback). */
extern uint64_t keyd_conn_tag, keyd_conn_tag_next;
/* Messages queued in epoch e are sent once keyd_conn_durable >= e. */
extern uint64_t keyd_conn_epoch, keyd_conn_durable;
extern bool keyd_conn_muted;
struct keyd_conn *keyd_conn_create(struct pfkm_net *net, int fd, pid_t pid, uid_t uid);
void keyd_conn_destroy(struct keyd_conn *c);
/*
 * Called for a state-changing request: before it is applied with
 * rlen == SIZE_MAX (return -errno to refuse it without applying), and after
 * it succeeded with a copy of its reply (reply NULL, rlen 0 if it could not
 * be kept; the return value is ignored).
 */
typedef int (*keyd_conn_changed_fn)(void *arg, struct keyd_conn *c, const uint8_t *req,
				    size_t len, const void *reply, size_t rlen);
/*
 * Read and process up to max queued requests. rx is a scratch buffer of
 * rxcap bytes. Returns the number of state-changing requests processed.
 */
int keyd_conn_read(struct keyd_conn *c, uint8_t *rx, size_t rxcap, int max,
		   keyd_conn_changed_fn changed, void *arg);
/* Send what is queued, as far as the socket takes it. */
void keyd_conn_flush(struct keyd_conn *c);
/* POLLOUT: flush, and continue a paused dump once the queue is empty. */
void keyd_conn_writable(struct keyd_conn *c);
bool keyd_conn_wants_input(const struct keyd_conn *c);
bool keyd_conn_wants_output(const struct keyd_conn *c);
/* Take back what requests of tags first.. with ok[tag - first] queued:
 * their replies become header-only errors with err, the rest is dropped. */
void keyd_conn_unsend(struct keyd_conn *c, uint64_t first, const bool *ok, size_t nok,
		      int err);
/* Bytes the client has not read yet (socket + keyd's queue). */
size_t keyd_conn_queued(struct keyd_conn *c);
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

/* ---- state.c: --state FILE (the snapshot) ---------------------------- */
/* Replay FILE into net. 0 (also when FILE does not exist: *loaded = false),
 * or -errno with the reason logged. *gen: the first journal to replay. */
int keyd_state_load(struct pfkm_net *net, const char *file, bool *loaded,
		    size_t *nsa, size_t *npol, uint64_t *gen);
/* Dump net into FILE.tmp, fsync, rename over FILE. 0 or -errno (logged). */
int keyd_state_save(struct pfkm_net *net, const char *file, uint64_t gen);
/* FILE's directory: owned by keyd's uid, no group/other write. 0 or -errno
 * (logged). */
int keyd_state_check_dir(const char *file);
/* flock FILE.lock (created 0600, O_NOFOLLOW): the fd, or -EBUSY when
 * another keyd holds it, or -errno (logged). */
int keyd_state_lock(const char *file);
/* Open a state or journal file for reading: O_NOFOLLOW|O_NONBLOCK, then a
 * regular file owned by keyd's uid with no group/other bits. fd, -ENOENT
 * (not logged) or -errno (logged, `what` names the file's role). */
int keyd_state_open_checked(const char *file, const char *what);
/* Unlink path, then create it O_EXCL|O_NOFOLLOW 0600 for writing: fd or -errno. */
int keyd_state_create_excl(const char *path);
int keyd_state_write_all(int fd, const void *p, size_t n);
int keyd_state_fsync_dir(const char *file);
/* A dumped SA/policy message as a request of `type` into out (len bytes
 * room): LIFETIME_CURRENT and policy ids dropped; only_ids keeps just
 * SA, addresses and policy (for DELETE / X_SPDDELETE). Returns its length. */
size_t keyd_state_to_request(const uint8_t *msg, size_t len, uint8_t *out, uint8_t type,
			     bool only_ids);

/* ---- journal.c: --state FILE's journals FILE.j<gen> ------------------- */
struct keyd_journal;
/* Replay FILE.j<gen>, j<gen+1>, ... into net (a torn last record is cut
 * off). *next: the generation after the last journal found. 0 or -errno. */
int keyd_journal_replay(struct pfkm_net *net, const char *file, uint64_t gen,
			uint64_t *next, size_t *nrec);
/* Snapshot net as generation gen, remove journals [oldest, gen), open
 * FILE.j<gen>. lockfd: the state lock, the one fd a compaction child keeps
 * (it dies with keyd). 0 or -errno (logged). */
int keyd_journal_start(struct pfkm_net *net, const char *file, uint64_t gen,
		       uint64_t oldest, int lockfd, struct keyd_journal **out);
/* 0, or -errno while the journal cannot take changes. */
int keyd_journal_ready(struct keyd_journal *j);
/* Record a successful change (its request and reply) for the next commit. */
int keyd_journal_note(struct keyd_journal *j, const uint8_t *req, size_t len,
		      const void *reply, size_t rlen);
/* Write the batch's records, fdatasync, here and now. 0 or -errno. */
int keyd_journal_commit(struct keyd_journal *j);
/* Group commit off the loop: write the pending records (0 or -errno: cut
 * back, not durable), then sync_start hands the fdatasync to the syncer
 * thread (1 started, 0 nothing to sync, -errno); sync_fd is readable when
 * it is done, sync_done collects it (1 durable, 0 not yet, -errno failed:
 * cut back), sync_wait blocks for it. */
int keyd_journal_write(struct keyd_journal *j);
int keyd_journal_sync_start(struct keyd_journal *j);
int keyd_journal_sync_fd(const struct keyd_journal *j);
int keyd_journal_sync_done(struct keyd_journal *j);
int keyd_journal_sync_wait(struct keyd_journal *j);
bool keyd_journal_syncing(const struct keyd_journal *j);
bool keyd_journal_pending(const struct keyd_journal *j);
void keyd_journal_discard(struct keyd_journal *j);
/* Rebuild net from the snapshot and journals on disk. 0 or -errno. */
int keyd_journal_rollback(struct keyd_journal *j);
size_t keyd_journal_size(const struct keyd_journal *j);
bool keyd_journal_compacting(const struct keyd_journal *j);
/* Rotate the journal and fork a child that writes the snapshot. */
int keyd_journal_compact(struct keyd_journal *j);
/* Collect a finished compaction (wait: block). 1 done, 0 none, -errno. */
int keyd_journal_reap(struct keyd_journal *j, bool wait);
/* Finish: wait for compaction; with snapshot, write one and drop journals. */
int keyd_journal_close(struct keyd_journal *j, bool snapshot);

/* ---- pidfile.c: --pidfile FILE --------------------------------------- */
/* Create FILE (O_EXCL|O_NOFOLLOW) with our pid. 0 or -errno (logged). */
int keyd_pidfile_write(const char *file);

/* ---- tun.c: the data path's TUN device and its routes ---------------- */
#define KEYD_TUN_MTU 1400u	/* room for ESP/AH and an IPv6 outer header in 1500 */
/* Create (or attach to) TUN device name (NULL: the kernel's tunN), MTU
 * KEYD_TUN_MTU, up. Returns its non-blocking fd, name in ifname. */
int keyd_tun_open(const char *name, char *ifname, int *ifindex);
/* Add (exclusive) or delete the route dst/plen dev ifindex in table
 * (RT_TABLE_MAIN or KEYD_DP_TABLE), with preferred source src (NULL: none). */
int keyd_tun_route(int ifindex, bool add, uint32_t table, int family, const uint8_t *dst,
		   unsigned int plen, const uint8_t *src);
/* Add (exclusive) or delete the rule "not fwmark mark/0xffffffff lookup
 * table pref pref" of family. 0 or -errno. */
int keyd_tun_rule(bool add, int family, uint32_t mark, uint32_t table, uint32_t pref);
/* Host-to-host transport mode (dp_io.c): keyd's own sockets carry the
 * mark; routes that would catch their packets live in the table, looked
 * up by the rule for every packet without the mark ("keyd" in ASCII). */
#define KEYD_DP_MARK 0x6b657964u
#define KEYD_DP_TABLE 0x6b657964u
#define KEYD_DP_RULE_PREF 100u

/* ---- dp_workers.c: the data path's crypto workers --------------------- */
struct keyd_dp_workers;
/* Run item (a caller's index) on some lane's thread. */
typedef void keyd_dp_work_fn(void *arg, unsigned int item);
#define KEYD_DP_THREADS_MAX 64		/* --datapath-threads */
#define KEYD_DP_THREADS_DEFAULT_MAX 8	/* the default: online CPUs, at most this */
#define KEYD_DP_SPREAD_MIN 8		/* smaller batches: all on the caller's thread */
/* Online CPUs, 1 .. KEYD_DP_THREADS_DEFAULT_MAX. */
unsigned int keyd_dp_workers_default(void);
/* threads lanes (lane 0: the caller's thread; threads - 1 are started),
 * each with room for cap items; fn runs the items. 0 or -errno. */
int keyd_dp_workers_create(unsigned int threads, unsigned int cap, keyd_dp_work_fn *fn,
			   void *arg, struct keyd_dp_workers **out);
/* Runs what is still added or in flight, stops the threads, frees. */
void keyd_dp_workers_destroy(struct keyd_dp_workers *w);
unsigned int keyd_dp_workers_count(const struct keyd_dp_workers *w);
/* Add item to the next batch: items with one key run in order on one
 * lane. -ENOSPC when the batch has cap items or is running. */
int keyd_dp_workers_add(struct keyd_dp_workers *w, unsigned int item, uint32_t key);
/* Hand the batch to the lanes (returns at once). */
void keyd_dp_workers_start(struct keyd_dp_workers *w);
/* (Start if not yet,) run lane 0's items here, wait for the other lanes. */
void keyd_dp_workers_wait(struct keyd_dp_workers *w);
/* Items each lane ran so far, ran[0 .. max) (0 past the lanes); between
 * batches only. */
void keyd_dp_workers_stats(const struct keyd_dp_workers *w, uint64_t *ran, unsigned int max);

/* ---- dp_io.c: --datapath tun[=NAME], the ESP/AH packet loop ---------- */
struct keyd_dp;
struct pollfd;
struct keyd_dp_io_stats {
	uint64_t tun_rx, tun_tx, net_rx, net_tx;
	uint64_t out_nopolicy;	/* routed into the device, no IPsec policy: dropped */
	uint64_t out_drop, in_drop;	/* every other packet not sent / not delivered */
};
#define KEYD_DP_NFDS 7		/* pollfds keyd_dp_pollfds fills */
/* spec "tun" or "tun=NAME"; threads: crypto lanes (dp_workers.c), 0 for
 * keyd_dp_workers_default(), 1 for every packet inline. 0 or -errno
 * (logged). */
int keyd_dp_open(struct pfkm_net *net, const char *spec, unsigned int threads,
		 struct keyd_dp **out);
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
	unsigned int datapath_threads;	/* --datapath-threads, 0: the default */
	const char *state_file;	/* NULL: no persistence */
	const char *pidfile;	/* NULL: none */
	unsigned int save_delay_ms;
	enum keyd_store store;
	bool socket_group_set;	/* --socket-group: delegate to a group */
	gid_t socket_gid;
	mode_t socket_mode;
};
/*
 * Bind PATH (0600) and PATH.ctl, then serve until SIGTERM/SIGINT. ready_fd
 * (>= 0) is written one byte and closed once listening, so a daemonising
 * parent can report success only when keyd really serves.
 */
int keyd_server_run(const struct keyd_opts *o, int ready_fd);

#endif /* KEYD_H */
