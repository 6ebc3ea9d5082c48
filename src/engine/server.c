// SPDX-License-Identifier: BSD-2-Clause
/*
 * server.c: keyd's listening sockets and its single-threaded poll loop.
 *
 * PATH (SOCK_SEQPACKET, mode 0600): each accepted connection becomes a
 * keyd_conn (conn.c), i.e. one PF_KEY socket. PATH.ctl (SOCK_STREAM, 0600):
 * line-based testing aid (ctl.c). Both check SO_PEERCRED: only keyd's own
 * uid or root may connect; anybody else is closed at once.
 *
 * The loop sleeps in poll() until a socket is ready, a signal arrives
 * (signalfd), the next core timer is due (os_user_timers_next_ms) or a
 * debounced state save is due. Connections that died during a request are
 * only closed between requests, never from inside a core callback.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "keyd.h"

#define CTL_LINE_MAX 256
#define SAVE_MAX_DELAY_MS 2000u
#define READ_BATCH 64
#define KEYD_CONNS_PER_PID 256
#define NFIXED 4	/* poll slots: signals, PATH, PATH.ctl, the syncer */

struct ctl_client {
	int fd;
	size_t len;
	char buf[CTL_LINE_MAX];
};

struct server {
	const struct keyd_opts *o;
	struct pfkm_net *net;
	int lfd, cfd, sigfd;
	char ctlpath[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct keyd_conn **conns;
	size_t nconns, capconns;
	struct ctl_client **ctls;
	size_t nctls, capctls;
	uint8_t *rx;
	int lockfd;		/* FILE.lock, flocked for our lifetime */
	uint64_t gen;		/* snapshot generation */
	struct keyd_journal *j;	/* with --state */
	/* the batch: tags from first_tag; ok[tag - first_tag]: succeeded */
	uint64_t first_tag;	/* oldest change not yet durable */
	uint64_t sync_epoch, sync_end_tag;	/* the batch being synced */
	bool *ok;
	size_t nok, capok;
	int batch_err;		/* a change could not be recorded */
	bool accept_paused;	/* EMFILE/ENFILE: until an fd frees */
	uint64_t accept_retry_ms;
	int fatal;		/* exit status after a failed rollback */
	struct pollfd *pfd;	/* the loop's poll set */
	pid_t warned_pid;	/* last told to have too many connections */
	struct keyd_dp *dp;	/* --datapath (dp_io.c), or NULL */
	bool stop;
	/* debounced state save: 0 = clean */
	uint64_t dirty_since_ms, save_at_ms;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void mark_dirty(struct server *s)
{
	uint64_t now;

	if (!s->o->state_file)
		return;
	now = now_ms();
	if (!s->dirty_since_ms)
		s->dirty_since_ms = now;
	s->save_at_ms = now + s->o->save_delay_ms;
	if (s->save_at_ms > s->dirty_since_ms + SAVE_MAX_DELAY_MS)
		s->save_at_ms = s->dirty_since_ms + SAVE_MAX_DELAY_MS;
}

static void sync_settle(struct server *s);

/* Compaction: the journal so far into a new snapshot, in a child. */
static void save_now(struct server *s)
{
	if (!s->j)
		return;
	sync_settle(s);
	if (keyd_journal_compacting(s->j) || keyd_journal_compact(s->j)) {
		s->save_at_ms = now_ms() + 100;	/* busy or failed: again soon */
		return;
	}
	s->dirty_since_ms = s->save_at_ms = 0;
}

/* Journal a compaction's worth of changes: start one. */
#define COMPACT_BYTES ((size_t)64 << 20)

/* keyd_conn_changed_fn: check, then record, one state-changing request. */
static int on_change(void *arg, struct keyd_conn *c, const uint8_t *req, size_t len,
		     const void *reply, size_t rlen)
{
	struct server *s = arg;
	uint64_t i = keyd_conn_tag - s->first_tag;
	int ret;

	(void)c;
	if (rlen == SIZE_MAX)
		return s->j ? keyd_journal_ready(s->j) : 0;
	if (i >= s->capok) {
		size_t cap = s->capok ? s->capok * 2 : 256;
		bool *p;

		while (cap <= i)
			cap *= 2;
		p = realloc(s->ok, cap * sizeof(*p));
		if (!p) {
			s->batch_err = -ENOMEM;
			return -ENOMEM;
		}
		memset(p + s->capok, 0, (cap - s->capok) * sizeof(*p));
		s->ok = p;
		s->capok = cap;
	}
	s->ok[i] = true;
	if (i + 1 > s->nok)
		s->nok = i + 1;
	if (!s->j)
		return 0;
	ret = keyd_journal_note(s->j, req, len, reply, rlen);
	if (ret && !s->batch_err)
		s->batch_err = ret;
	return ret;
}

/* Changes with tags below tag are settled: ok[] starts at tag. */
static void ok_drop_below(struct server *s, uint64_t tag)
{
	size_t d = (size_t)(tag - s->first_tag);

	if (d >= s->nok) {
		if (s->nok)
			memset(s->ok, 0, s->nok * sizeof(*s->ok));
		s->nok = 0;
	} else if (d) {
		memmove(s->ok, s->ok + d, (s->nok - d) * sizeof(*s->ok));
		memset(s->ok + s->nok - d, 0, d * sizeof(*s->ok));
		s->nok -= d;
	}
	s->first_tag = tag;
}

/* The sync in flight ended well: its epoch's messages may go. */
static void sync_ok(struct server *s)
{
	keyd_conn_durable = s->sync_epoch;
	ok_drop_below(s, s->sync_end_tag);
}

/*
 * Changes not on disk could not be written: memory goes back to what is on
 * disk and every change not yet acknowledged is answered with err instead.
 */
static void changes_fail(struct server *s, int err)
{
	size_t i;

	if (keyd_journal_syncing(s->j) && keyd_journal_sync_wait(s->j) == 1)
		sync_ok(s);	/* that one made it; the rest fails */
	keyd_journal_discard(s->j);
	for (i = 0; s->nok && i < s->nconns; i++)
		keyd_conn_unsend(s->conns[i], s->first_tag, s->ok, s->nok, -err);
	if (keyd_journal_rollback(s->j)) {
		s->fatal = KEYD_EXIT_STATE;
		s->stop = true;
	}
	ok_drop_below(s, keyd_conn_tag_next);
	s->batch_err = 0;
	keyd_conn_durable = keyd_conn_epoch++;
}

/*
 * Group commit, once per loop iteration. While one batch's fdatasync runs
 * in the syncer thread, the loop keeps processing requests; their records
 * and messages wait (epoch) and become the next batch as soon as the sync
 * ends. No message of a change leaves keyd before the change is on disk.
 * Without --state everything queued may go at once.
 */
static void group_commit(struct server *s)
{
	int ret;

	if (!s->j) {
		keyd_conn_durable = keyd_conn_epoch++;
		ok_drop_below(s, keyd_conn_tag_next);
		return;
	}
	if (s->batch_err) {
		changes_fail(s, s->batch_err);
		return;
	}
	if (keyd_journal_syncing(s->j)) {
		ret = keyd_journal_sync_done(s->j);
		if (ret == 0)
			return;		/* still syncing: keep gathering */
		if (ret < 0) {
			changes_fail(s, ret);
			return;
		}
		sync_ok(s);
	}
	if (!keyd_journal_pending(s->j)) {
		/* nothing to write: what is queued is as durable as it gets */
		keyd_conn_durable = keyd_conn_epoch++;
		ok_drop_below(s, keyd_conn_tag_next);
		return;
	}
	ret = keyd_journal_write(s->j);
	if (!ret)
		ret = keyd_journal_sync_start(s->j);
	if (ret < 0) {
		changes_fail(s, ret);
		return;
	}
	s->sync_epoch = keyd_conn_epoch++;
	s->sync_end_tag = keyd_conn_tag_next;
}

/*
 * Before a compaction forks: everything in memory must be on disk, or the
 * snapshot could hold a change whose write then fails. Finish the sync in
 * flight and commit what gathered meanwhile, here and now.
 */
static void sync_settle(struct server *s)
{
	int ret;

	if (!s->j)
		return;
	if (keyd_journal_syncing(s->j)) {
		ret = keyd_journal_sync_wait(s->j);
		if (ret < 0) {
			changes_fail(s, ret);
			return;
		}
		sync_ok(s);
	}
	if (s->batch_err) {
		changes_fail(s, s->batch_err);
		return;
	}
	if (!keyd_journal_pending(s->j))
		return;
	ret = keyd_journal_commit(s->j);
	if (ret) {
		changes_fail(s, ret);
		return;
	}
	keyd_conn_durable = keyd_conn_epoch++;
	ok_drop_below(s, keyd_conn_tag_next);
}

/* ---- listening sockets --------------------------------------------- */

static int sun_fill(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

/*
 * Bind path, replacing a stale socket file (nobody accepts on it) but never
 * a live keyd or a file that is not a socket.
 */
static int listen_on(const char *path, int type)
{
	struct sockaddr_un sa, tmp = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, ret;

	ret = sun_fill(&sa, path);
	if (ret)
		return ret;
	if (lstat(path, &st) == 0) {
		int probe;

		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		probe = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
		if (probe < 0)
			return -errno;
		ret = connect(probe, (struct sockaddr *)&sa, sizeof(sa));
		close(probe);
		if (ret == 0)
			return -EADDRINUSE;
		unlink(path);
	}
	/* Bound under a temporary name, listening, then renamed into place:
	 * whoever sees PATH can connect (a client that raced bind() and
	 * listen() got ECONNREFUSED). Falls back to PATH itself when the
	 * temporary name does not fit in sun_path. */
	if (snprintf(tmp.sun_path, sizeof(tmp.sun_path), "%s.%d~", path, (int)getpid()) >=
	    (int)sizeof(tmp.sun_path))
		tmp = sa;
	tmp.sun_family = AF_UNIX;
	unlink(tmp.sun_path);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* No window in which the socket exists with a wider mode. */
	old = umask(0177);
	ret = bind(fd, (struct sockaddr *)&tmp, sizeof(tmp));
	umask(old);
	if (ret < 0 || chmod(tmp.sun_path, 0600) < 0 || listen(fd, 128) < 0 ||
	    (strcmp(tmp.sun_path, path) && rename(tmp.sun_path, path) < 0)) {
		ret = -errno;
		if (strcmp(tmp.sun_path, path))
			unlink(tmp.sun_path);
		close(fd);
		return ret;
	}
	return fd;
}

/* SO_PEERCRED: keyd's own uid or root, or a member of --socket-group.
 * Returns 0 or -EPERM. */
static int peer_check(const struct keyd_opts *o, int fd, pid_t *pid, uid_t *uid)
{
	struct ucred cr;
	socklen_t l = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0)
		return -errno;
	*pid = cr.pid;
	*uid = cr.uid;
	if (cr.uid != 0 && cr.uid != geteuid() && !keyd_access_group_ok(o, fd, cr.gid)) {
		keyd_log(KEYD_LOG_WARN, "refused connection from uid %u pid %d",
			 (unsigned int)cr.uid, (int)cr.pid);
		return -EPERM;
	}
	return 0;
}

static int grow(void *arrp, size_t *cap, size_t n, size_t elem)
{
	void **arr = arrp;
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* Open connections of process pid. */
static int conns_of(const struct server *s, pid_t pid)
{
	int n = 0;
	size_t i;

	for (i = 0; i < s->nconns; i++)
		n += s->conns[i]->pid == pid && !s->conns[i]->dead;
	return n;
}

static void accept_conns(struct server *s)
{
	for (;;) {
		struct keyd_conn *c;
		pid_t pid;
		uid_t uid;
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* Stop accepting (no busy loop) until a connection
				 * closes, or for a second. */
				if (!s->accept_paused)
					keyd_log(KEYD_LOG_WARN, "accept: %s: not accepting until a "
						 "connection closes (%zu open)", strerror(errno),
						 s->nconns);
				s->accept_paused = true;
				s->accept_retry_ms = now_ms() + 1000;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				keyd_log(KEYD_LOG_WARN, "accept: %s", strerror(errno));
			}
			return;
		}
		if (peer_check(s->o, fd, &pid, &uid) || grow(&s->conns, &s->capconns, s->nconns,
						      sizeof(*s->conns))) {
			close(fd);
			continue;
		}
		if (conns_of(s, pid) >= KEYD_CONNS_PER_PID) {
			/* one process cannot take every descriptor from the others */
			if (pid != s->warned_pid)
				keyd_log(KEYD_LOG_WARN, "pid %d already has %d connections: "
					 "closing its new ones", (int)pid, KEYD_CONNS_PER_PID);
			s->warned_pid = pid;
			close(fd);
			continue;
		}
		c = keyd_conn_create(s->net, fd, pid, uid);
		if (!c) {
			keyd_log(KEYD_LOG_ERR, "out of memory for a connection");
			close(fd);
			continue;
		}
		s->conns[s->nconns++] = c;
		keyd_log(KEYD_LOG_DEBUG, "connection from pid %d uid %u", (int)pid,
			 (unsigned int)uid);
	}
}

static void accept_ctls(struct server *s)
{
	for (;;) {
		struct ctl_client *cc;
		pid_t pid;
		uid_t uid;
		int fd = accept4(s->cfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				s->accept_paused = true;
				s->accept_retry_ms = now_ms() + 1000;
			}
			return;
		}
		if (peer_check(s->o, fd, &pid, &uid) ||
		    grow(&s->ctls, &s->capctls, s->nctls, sizeof(*s->ctls)) ||
		    !(cc = calloc(1, sizeof(*cc)))) {
			close(fd);
			continue;
		}
		cc->fd = fd;
		s->ctls[s->nctls++] = cc;
	}
}

/* Read what is there, execute complete lines. Returns false to close. */
static bool ctl_read(struct server *s, struct ctl_client *cc)
{
	for (;;) {
		ssize_t n = recv(cc->fd, cc->buf + cc->len, sizeof(cc->buf) - 1 - cc->len,
				 MSG_DONTWAIT);
		char *nl;

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
		if (n == 0)
			return false;
		cc->len += (size_t)n;
		cc->buf[cc->len] = '\0';
		while ((nl = memchr(cc->buf, '\n', cc->len))) {
			char out[CTL_LINE_MAX + 512];
			size_t used = (size_t)(nl - cc->buf) + 1;
			int olen;

			*nl = '\0';
			if (keyd_ctl_exec(s->net, s->conns, s->nconns, cc->buf, out, sizeof(out) - 1) > 0)
				mark_dirty(s);
			olen = (int)strlen(out);
			out[olen++] = '\n';
			/* Replies are short; a client that does not read is dropped. */
			if (send(cc->fd, out, (size_t)olen, MSG_DONTWAIT | MSG_NOSIGNAL) != olen)
				return false;
			memmove(cc->buf, cc->buf + used, cc->len - used);
			cc->len -= used;
		}
		if (cc->len >= sizeof(cc->buf) - 1) {
			static const char tl[] = "err EMSGSIZE line too long\n";

			send(cc->fd, tl, sizeof(tl) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
			return false;
		}
	}
}

static int signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void signals_read(struct server *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			/* SIGHUP: fold the journal into a new snapshot now. */
			keyd_log(KEYD_LOG_INFO, "SIGHUP: compacting the state journal");
			save_now(s);
			continue;
		}
		keyd_log(KEYD_LOG_INFO, "signal %u: shutting down", si.ssi_signo);
		s->stop = true;
	}
}

/* ---- the loop ------------------------------------------------------- */

static int poll_timeout(struct server *s)
{
	int64_t t = os_user_timers_next_ms();

	if (s->save_at_ms) {
		uint64_t now = now_ms();
		int64_t d = s->save_at_ms > now ? (int64_t)(s->save_at_ms - now) : 0;

		if (t < 0 || d < t)
			t = d;
	}
	if (s->j && keyd_journal_compacting(s->j) && (t < 0 || t > 50))
		t = 50;		/* collect the child soon */
	if (s->accept_paused && (t < 0 || t > 1000))
		t = 1000;
	if (s->dp && (t < 0 || keyd_dp_timeout(s->dp) < t))
		t = keyd_dp_timeout(s->dp);
	if (t > 60000)
		t = 60000;
	return (int)t;
}

static void reap(struct server *s)
{
	size_t i, j;

	for (i = j = 0; i < s->nconns; i++) {
		if (s->conns[i]->dead) {
			s->accept_paused = false;	/* an fd is free again */
			keyd_log(KEYD_LOG_DEBUG, "pid %d disconnected", (int)s->conns[i]->pid);
			keyd_conn_destroy(s->conns[i]);
		} else {
			s->conns[j++] = s->conns[i];
		}
	}
	s->nconns = j;
}

static int loop(struct server *s)
{
	struct pollfd *pfd = NULL;
	size_t cap = 0;

	while (!s->stop) {
		/* after the connections: the store's event socket (store.c, or
		 * -1), then the data path's fds (dp_io.c) */
		size_t ev = NFIXED + s->nconns + s->nctls, n = ev + 1 + KEYD_DP_NFDS, i, k;
		int r;

		if (n > cap) {
			struct pollfd *p = realloc(pfd, n * 2 * sizeof(*pfd));

			if (!p) {
				free(pfd);
				return -ENOMEM;
			}
			pfd = s->pfd = p;	/* reachable from s (a compaction child) */
			cap = n * 2;
		}
		if (s->accept_paused && now_ms() >= s->accept_retry_ms)
			s->accept_paused = false;
		pfd[0] = (struct pollfd){ .fd = s->sigfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = s->accept_paused ? -1 : s->lfd, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = s->accept_paused ? -1 : s->cfd, .events = POLLIN };
		pfd[3] = (struct pollfd){ .fd = s->j ? keyd_journal_sync_fd(s->j) : -1,
					  .events = POLLIN };
		for (i = 0; i < s->nconns; i++)
			pfd[NFIXED + i] = (struct pollfd){
				.fd = s->conns[i]->fd,
				.events = (keyd_conn_wants_input(s->conns[i]) ? POLLIN : 0) |
					  (keyd_conn_wants_output(s->conns[i]) ? POLLOUT : 0),
			};
		for (k = 0; k < s->nctls; k++)
			pfd[NFIXED + s->nconns + k] = (struct pollfd){ .fd = s->ctls[k]->fd,
								  .events = POLLIN };
		pfd[ev] = (struct pollfd){ .fd = keyd_store_event_fd(), .events = POLLIN };
		n = ev + 1 + (s->dp ? keyd_dp_pollfds(s->dp, pfd + ev + 1) : 0);

		r = poll(pfd, n, poll_timeout(s));
		if (r < 0 && errno != EINTR) {
			free(pfd);
			return -errno;
		}
		if (r > 0) {
			size_t nc = s->nconns, nctl = s->nctls;

			if (pfd[0].revents)
				signals_read(s);
			if (pfd[ev].revents)
				keyd_store_event_read();
			for (i = 0; i < nc; i++) {
				struct keyd_conn *c = s->conns[i];
				short re = pfd[NFIXED + i].revents;

				if (re & (POLLHUP | POLLERR))
					c->hup = true;	/* its requests still count */
				if (re & POLLOUT)
					keyd_conn_writable(c);
				if ((re & (POLLIN | POLLHUP | POLLERR)) &&
				    keyd_conn_read(c, s->rx, PFKM_MSG_MAX, READ_BATCH,
						   on_change, s) > 0 && s->dp)
					keyd_dp_changed(s->dp);	/* routes follow the SPD */
				if ((re & (POLLHUP | POLLERR)) && !(re & POLLIN))
					c->dead = true;
			}
			for (k = nctl; k-- > 0;) {
				struct ctl_client *cc = s->ctls[k];

				if (!pfd[NFIXED + nc + k].revents || ctl_read(s, cc))
					continue;
				close(cc->fd);
				free(cc);
				s->ctls[k] = s->ctls[--s->nctls];
			}
			if (pfd[1].revents)
				accept_conns(s);
			if (pfd[2].revents)
				accept_ctls(s);
		}
		if (os_user_timers_next_ms() == 0) {
			struct pfkm_net_stats a, b;

			pfkm_net_stats_get(s->net, &a);
			os_user_timers_run();
			pfkm_net_stats_get(s->net, &b);
			/* Hard lifetimes delete SAs: the file must follow. */
			if (a.sas != b.sas || a.policies != b.policies || a.expires != b.expires)
				mark_dirty(s);
		}
		/* Durable first, then tell anybody. */
		group_commit(s);
		for (i = 0; i < s->nconns; i++)
			keyd_conn_flush(s->conns[i]);
		if (s->dp)
			keyd_dp_run(s->dp, r > 0 ? pfd + ev + 1 : NULL);
		reap(s);
		if (s->j && keyd_journal_reap(s->j, false) < 0)
			mark_dirty(s);	/* try again */
		if (s->save_at_ms && now_ms() >= s->save_at_ms)
			save_now(s);
		if (s->j && keyd_journal_size(s->j) >= COMPACT_BYTES && !keyd_journal_compacting(s->j))
			save_now(s);
	}
	free(pfd);
	return 0;
}

int keyd_server_run(const struct keyd_opts *o, int ready_fd)
{
	struct server s;
	size_t nsa = 0, npol = 0, nrec = 0, i;
	uint64_t next_gen = 0;
	bool loaded = false;
	int ret, status = KEYD_EXIT_FAIL;

	memset(&s, 0, sizeof(s));
	s.o = o;
	s.lfd = s.cfd = s.sigfd = s.lockfd = -1;
	ret = keyd_path_ctl(o->socket_path, s.ctlpath, sizeof(s.ctlpath));
	if (ret || strlen(o->socket_path) >= sizeof(s.ctlpath)) {
		keyd_log(KEYD_LOG_ERR, "socket path too long: %s", o->socket_path);
		return KEYD_EXIT_USAGE;
	}
	s.rx = malloc(PFKM_MSG_MAX);
	if (!s.rx)
		goto err_alloc;
	ret = keyd_store_net_create(o->store, &s.net);
	if (ret) {
		if (ret == -EPERM || ret == -EACCES)
			keyd_log(KEYD_LOG_ERR, "--store %s: the kernel's XFRM netlink needs "
				 "CAP_NET_ADMIN (run as root)", keyd_store_name(o->store));
		else if (ret == -EPROTONOSUPPORT)
			keyd_log(KEYD_LOG_ERR, "--store %s: this kernel has no XFRM netlink "
				 "(CONFIG_XFRM_USER)", keyd_store_name(o->store));
		else
			keyd_log(KEYD_LOG_ERR, "--store %s: %s", keyd_store_name(o->store),
				 strerror(-ret));
		goto err_net;
	}
	if (o->state_file) {
		/* Nothing is written (not even a socket bound) before we know
		 * the state is ours alone and trustworthy. */
		status = KEYD_EXIT_STATE;
		if (keyd_state_check_dir(o->state_file))
			goto err_state;
		s.lockfd = keyd_state_lock(o->state_file);
		if (s.lockfd < 0)
			goto err_state;
		ret = keyd_state_load(s.net, o->state_file, &loaded, &nsa, &npol, &s.gen);
		if (ret)
			goto err_state;
		ret = keyd_journal_replay(s.net, o->state_file, s.gen, &next_gen, &nrec);
		if (ret)
			goto err_state;
		if (loaded || nrec)
			keyd_log(KEYD_LOG_INFO, "state file %s: restored %zu SAs, %zu policies, "
				 "%zu journal records", o->state_file, nsa, npol, nrec);
		status = KEYD_EXIT_FAIL;
	}
	if (o->datapath && keyd_dp_open(s.net, o->datapath, o->datapath_threads, &s.dp))
		goto err_dp;
	s.sigfd = signals_open();
	if (s.sigfd < 0) {
		keyd_log(KEYD_LOG_ERR, "signalfd: %s", strerror(errno));
		goto err_sig;
	}
	/* The control socket first: once PATH appears, PATH.ctl answers too
	 * (a monitor asks it for its drop count as soon as it connects). */
	s.cfd = listen_on(s.ctlpath, SOCK_STREAM);
	if (s.cfd < 0) {
		keyd_log(KEYD_LOG_ERR, "%s: %s", s.ctlpath,
			 s.cfd == -EADDRINUSE ? "another keyd is listening there" :
			 s.cfd == -EEXIST ? "exists and is not a socket" : strerror(-s.cfd));
		goto err_ctl;
	}
	s.lfd = listen_on(o->socket_path, SOCK_SEQPACKET);
	if (s.lfd < 0) {
		keyd_log(KEYD_LOG_ERR, "%s: %s", o->socket_path,
			 s.lfd == -EADDRINUSE ? "another keyd is listening there" :
			 s.lfd == -EEXIST ? "exists and is not a socket" : strerror(-s.lfd));
		goto err_listen;
	}
	/* --socket-group: widened only now, from 0600 (never wider meanwhile) */
	ret = keyd_access_apply(o, s.ctlpath);
	if (!ret)
		ret = keyd_access_apply(o, o->socket_path);
	if (ret) {
		keyd_log(KEYD_LOG_ERR, "--socket-group: %s", strerror(-ret));
		unlink(o->socket_path);
		close(s.lfd);
		goto err_listen;
	}
	/* Write the state once now: an unwritable location fails at start,
	 * not silently at the first change. */
	if (o->state_file && keyd_journal_start(s.net, o->state_file, next_gen, s.gen,
						  s.lockfd, &s.j)) {
		status = KEYD_EXIT_STATE;
		goto err_save;
	}
	if (o->pidfile && keyd_pidfile_write(o->pidfile))
		goto err_pid;
	keyd_log(KEYD_LOG_INFO, "listening on %s (control: %s), store %s%s%s", o->socket_path,
		 s.ctlpath, keyd_store_name(o->store), o->state_file ? ", state file " : "",
		 o->state_file ? o->state_file : "");
	keyd_ready(ready_fd, o->socket_path);

	ret = loop(&s);
	status = ret ? KEYD_EXIT_FAIL : s.fatal ? s.fatal : KEYD_EXIT_OK;
	if (ret)
		keyd_log(KEYD_LOG_ERR, "poll loop: %s", strerror(-ret));

	/* Clean shutdown: stop accepting, save, release every socket. */
	keyd_stopping();
	unlink(s.ctlpath);
	unlink(o->socket_path);
	for (i = 0; i < s.nctls; i++) {
		close(s.ctls[i]->fd);
		free(s.ctls[i]);
	}
	free(s.ctls);
	for (i = 0; i < s.nconns; i++)
		keyd_conn_destroy(s.conns[i]);
	free(s.conns);
	if (keyd_journal_close(s.j, !s.fatal))
		status = KEYD_EXIT_FAIL;
	s.j = NULL;
	if (o->pidfile)
		unlink(o->pidfile);
err_pid:
	keyd_journal_close(s.j, false);
err_save:
	unlink(o->socket_path);
	close(s.lfd);
err_listen:
	close(s.cfd);
	unlink(s.ctlpath);
err_ctl:
	close(s.sigfd);
err_sig:
	keyd_dp_close(s.dp);
err_dp:
err_state:
	free(s.ok);
	if (s.lockfd >= 0)
		close(s.lockfd);
	pfkm_net_destroy(s.net);
err_net:
	explicit_bzero(s.rx, PFKM_MSG_MAX);
	free(s.rx);
err_alloc:
	return status;
}
