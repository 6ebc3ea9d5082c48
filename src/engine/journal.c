// SPDX-License-Identifier: BSD-2-Clause
/*
 * journal.c: the --state journal, so an acknowledged change is on disk.
 *
 * FILE (state.c) is a snapshot of generation G; FILE.jG, FILE.j(G+1), ...
 * hold every change made after it, in order. The loop (server.c) processes
 * a batch of requests, each successful change appends a record here
 * (keyd_journal_note), then keyd_journal_commit writes the batch with one
 * pwrite and one fdatasync before any reply or broadcast of the batch
 * leaves keyd (group commit).
 *
 * Record: uint32 len, uint32 crc32 (IEEE, over the payload), payload = one
 * PF_KEY message (len bytes, a multiple of 8), little-endian. The active
 * journal grows in zero-filled 4 MiB steps (a commit then overwrites
 * allocated blocks: its fdatasync writes no metadata); a zero header
 * followed only by zeros is its end. What a
 * payload means at replay:
 *   ADD / UPDATE / GET   the SA as it is after the change (keys, limits):
 *                        DELETE it (if there), ADD it
 *   DELETE               DELETE (SA + addresses), absent is fine
 *   FLUSH, X_SPDFLUSH    as is
 *   X_SPDADD / UPDATE    the policy as it is after the change: X_SPDUPDATE
 *   X_SPDDELETE(2)       the deleted policy: X_SPDDELETE by selector
 *   X_MIGRATE            the request, as is
 * GETSPI and ACQUIRE make larval SAs, which are not kept (as the snapshot).
 * A record that does not check (short, bad crc) ends the replay of the last
 * journal: a torn write of a batch that was never acknowledged; it is cut
 * off. In an earlier journal it is corruption and stops keyd.
 *
 * Failure: if the batch cannot be written (ENOSPC, EIO, ...) the journal is
 * cut back to its last durable byte and the engine is rebuilt from disk
 * (keyd_journal_rollback: flush, snapshot, journals, with every delivery
 * muted), so memory again equals what was acknowledged; the server turns
 * the batch's replies into errors with that errno. If the journal cannot
 * even be cut back, changes are refused (keyd_journal_ready) until it can.
 *
 * Compaction (keyd_journal_compact) starts journal G+1 and forks: the
 * child writes the snapshot of generation G+1 from its copy of the engine
 * while the parent keeps serving; once the child succeeded, journals below
 * G+1 are deleted. A crash at any point leaves a snapshot plus the journals
 * that complete it.
 */
#include <errno.h>
#include <fcntl.h>
#include <endian.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "keyd.h"
#include "walker.h"

#define REC_HDR 8u
/* The journal grows by zero-filled chunks, so that a commit overwrites
 * allocated blocks and its fdatasync has no metadata to write. */
#define PREALLOC ((off_t)4 << 20)

struct keyd_journal {
	struct pfkm_net *net;
	const char *file;
	int fd;			/* FILE.j<gen>, appended at good */
	uint64_t gen, snap_gen;	/* active journal; snapshot on disk */
	off_t good;		/* durable bytes of the active journal */
	off_t alloc;		/* file size: zeros after good (preallocated) */
	size_t nrec;		/* records pending */
	uint8_t *pend;		/* this batch's records */
	size_t plen, pcap;
	int broken;		/* -errno: could not cut back a failed write */
	unsigned long long commits, records;	/* logged at close */
	/* the syncer thread: fdatasync(fd) off the loop */
	pthread_t syncer;
	bool have_syncer, syncing;
	int req_pipe[2], res_pipe[2];
	off_t written;		/* end of what was written, durable once synced */
	bool dir_dirty;		/* the active journal's name is not synced yet */
	int dirfd;		/* the state directory, for the syncer */
	int lockfd;		/* FILE.lock: kept by a compaction child */
	size_t wrec;		/* records written, not yet durable */
	pid_t child;		/* compaction in progress */
	uint64_t child_gen;
	/* internal socket: one answer at a time */
	struct pfkm_sock *isk;
	uint8_t *req;		/* scratch request (PFKM_MSG_MAX), wiped after use */
	uint8_t *ans;
	size_t alen;
	int aerr;		/* -1: no answer */
};

static int syncer_start(struct keyd_journal *j);

/* ---- crc32 (IEEE 802.3, reflected) -------------------------------- */

static uint32_t crc_table[256];

static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	if (!crc_table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t v = i;

			for (int k = 0; k < 8; k++)
				v = v & 1 ? 0xedb88320u ^ (v >> 1) : v >> 1;
			crc_table[i] = v;
		}
	}
	while (n--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

/* ---- the internal socket ------------------------------------------- */

static int isk_deliver(struct pfkm_sock *sk, const void *msg, size_t len)
{
	struct keyd_journal *j = pfkm_sock_priv(sk);
	const struct sadb_msg *h = msg;

	if (j->aerr != -1 || len < sizeof(*h) || len > PFKM_MSG_MAX)
		return 0;	/* only the first answer matters */
	j->aerr = h->sadb_msg_errno;
	memcpy(j->ans, msg, len);
	j->alen = len;
	return 0;
}

static size_t isk_rmem(struct pfkm_sock *sk)
{
	(void)sk;
	return 0;
}

static size_t isk_rcvbuf(struct pfkm_sock *sk)
{
	(void)sk;
	return (size_t)1 << 30;
}

static const struct pfkm_sock_ops isk_ops = {
	.deliver = isk_deliver,
	.rmem = isk_rmem,
	.rcvbuf = isk_rcvbuf,
};

/* Send req on the internal socket, nothing delivered to clients. Returns
 * the answer's -errno, or 0 (also when nothing answered). */
static int isk_send(struct keyd_journal *j, const void *req, size_t len)
{
	bool was = keyd_conn_muted;
	int ret;

	j->aerr = -1;
	j->alen = 0;
	keyd_conn_muted = true;
	ret = pfkm_sock_send(j->isk, req, len);
	keyd_conn_muted = was;
	if (ret)
		return ret;
	return j->aerr > 0 ? -j->aerr : 0;
}

static void ans_wipe(struct keyd_journal *j)
{
	if (j->alen)
		explicit_bzero(j->ans, j->alen);
	j->alen = 0;
}

static int isk_open(struct keyd_journal *j)
{
	j->ans = malloc(PFKM_MSG_MAX);
	j->req = malloc(PFKM_MSG_MAX);
	j->isk = j->ans && j->req ? pfkm_sock_create(j->net, &isk_ops, j) : NULL;
	if (!j->isk) {
		free(j->ans);
		free(j->req);
		j->ans = j->req = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void isk_close(struct keyd_journal *j)
{
	if (j->isk)
		pfkm_sock_release(j->isk);
	j->isk = NULL;
	ans_wipe(j);
	free(j->ans);
	free(j->req);
	j->ans = j->req = NULL;
}

/* ---- names --------------------------------------------------------- */

static int jname(char *buf, size_t cap, const char *file, uint64_t gen)
{
	int n = snprintf(buf, cap, "%s.j%" PRIu64, file, gen);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* Remove journals [from, to): the snapshot of generation `to` has them. */
static void unlink_range(const char *file, uint64_t from, uint64_t to)
{
	char path[PATH_MAX];

	for (; from < to; from++)
		if (!jname(path, sizeof(path), file, from))
			(void)unlink(path);
}

/* Leftovers below gen (a crash between a snapshot and their removal). */
static void unlink_stale(const char *file, uint64_t gen)
{
	char path[PATH_MAX];

	while (gen-- > 0)
		if (jname(path, sizeof(path), file, gen) || unlink(path) < 0)
			break;
}

/* ---- replay -------------------------------------------------------- */

/* Apply one record's message. 0 or -errno. */
static int apply(struct keyd_journal *j, const uint8_t *msg, size_t len)
{
	const struct sadb_msg *h = (const void *)msg;
	uint8_t *req = j->req;
	size_t rlen = 0;
	int ret;

	switch (h->sadb_msg_type) {
	case SADB_ADD: case SADB_UPDATE: case SADB_GET:
		rlen = keyd_state_to_request(msg, len, req, SADB_DELETE, true);
		ret = isk_send(j, req, rlen);
		if (ret == -ESRCH)
			ret = 0;
		if (!ret) {
			rlen = keyd_state_to_request(msg, len, req, SADB_ADD, false);
			ret = isk_send(j, req, rlen);
		}
		break;
	case SADB_DELETE:
		ret = isk_send(j, msg, len);
		if (ret == -ESRCH)
			ret = 0;
		break;
	case SADB_X_SPDADD: case SADB_X_SPDUPDATE: case SADB_X_SPDSETIDX:
		rlen = keyd_state_to_request(msg, len, req, SADB_X_SPDUPDATE, false);
		ret = isk_send(j, req, rlen);
		break;
	case SADB_X_SPDDELETE: case SADB_X_SPDDELETE2:
		rlen = keyd_state_to_request(msg, len, req, SADB_X_SPDDELETE, true);
		ret = isk_send(j, req, rlen);
		if (ret == -ENOENT)
			ret = 0;
		break;
	case SADB_FLUSH: case SADB_X_SPDFLUSH: case SADB_X_MIGRATE:
		ret = isk_send(j, msg, len);
		if (ret == -ESRCH || ret == -ENOENT)
			ret = 0;
		break;
	default:
		ret = -EBADMSG;
	}
	explicit_bzero(req, rlen > len ? rlen : len);
	ans_wipe(j);
	return ret;
}

/*
 * Replay one journal file. *torn: a record did not check at *end (the
 * offset of the last good record's end). 0, -ENOENT or -errno (logged).
 */
static int replay_file(struct keyd_journal *j, const char *path, size_t *nrec, off_t *end,
		       bool *torn, bool *zeros)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t off = 0, size;
	ssize_t r;
	int fd, ret = 0;

	*torn = false;
	*zeros = false;
	*end = 0;
	fd = keyd_state_open_checked(path, "state journal");
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	size = (size_t)st.st_size;
	buf = malloc(size ? size : 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (off = 0; off < size; off += (size_t)r) {
		r = pread(fd, buf + off, size - off, (off_t)off);
		if (r < 0 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r <= 0) {
			ret = r < 0 ? -errno : -EBADMSG;
			keyd_log(KEYD_LOG_ERR, "state journal %s: read: %s", path, strerror(-ret));
			goto out;
		}
	}
	for (off = 0; off < size;) {
		uint32_t len, crc;

		if (size - off < REC_HDR)
			break;
		memcpy(&len, buf + off, 4);
		memcpy(&crc, buf + off + 4, 4);
		len = le32toh(len);
		crc = le32toh(crc);
		if (len == 0 && crc == 0) {
			/* preallocated zeros: the end, if nothing follows */
			size_t z = off;

			while (z < size && !buf[z])
				z++;
			if (z == size) {
				*end = (off_t)off;
				*torn = false;
				*zeros = true;
				goto out;
			}
			break;
		}
		if (len < sizeof(struct sadb_msg) || len > PFKM_MSG_MAX || len % PFKM_UNIT ||
		    len > size - off - REC_HDR || crc32_ieee(buf + off + REC_HDR, len) != crc ||
		    ((const struct sadb_msg *)(const void *)(buf + off + REC_HDR))->sadb_msg_len *
		    PFKM_UNIT != len)
			break;
		ret = apply(j, buf + off + REC_HDR, len);
		if (ret) {
			keyd_log(KEYD_LOG_ERR, "state journal %s: record at offset %zu cannot be "
				 "replayed: %s", path, off, strerror(-ret));
			goto out;
		}
		(*nrec)++;
		off += REC_HDR + len;
	}
	*end = (off_t)off;
	*torn = off < size;
out:
	if (buf) {
		explicit_bzero(buf, size);
		free(buf);
	}
	close(fd);
	return ret;
}

/* Replay FILE.j<from>, j<from+1>, ... *next: the generation after the last
 * one found (from when none). A torn tail of the last is cut off. */
static int replay_all(struct keyd_journal *j, uint64_t from, uint64_t *next, size_t *nrec)
{
	char path[PATH_MAX], tornpath[PATH_MAX] = "";
	off_t end = 0;
	uint64_t g;
	bool torn, zeros;
	int ret;

	*nrec = 0;
	for (g = from;; g++) {
		ret = jname(path, sizeof(path), j->file, g);
		if (ret)
			return ret;
		ret = replay_file(j, path, nrec, &end, &torn, &zeros);
		if (ret == -ENOENT)
			break;
		if (ret)
			return ret;
		if (tornpath[0]) {
			keyd_log(KEYD_LOG_ERR, "state journal %s: corrupt record at offset %lld "
				 "before later journals: refusing", tornpath, (long long)end);
			return -EBADMSG;
		}
		if (torn)
			snprintf(tornpath, sizeof(tornpath), "%s", path);
		if (zeros && truncate(path, end) < 0)	/* a journal is only data */
			keyd_log(KEYD_LOG_WARN, "state journal %s: truncate: %s", path,
				 strerror(errno));
	}
	*next = g;
	if (tornpath[0]) {
		/* never acknowledged (the fsync did not return): cut it off */
		keyd_log(KEYD_LOG_WARN, "state journal %s: incomplete last record dropped "
			 "(a write interrupted by a crash)", tornpath);
		if (truncate(tornpath, end) < 0) {
			ret = -errno;
			keyd_log(KEYD_LOG_ERR, "state journal %s: truncate: %s", tornpath,
				 strerror(errno));
			return ret;
		}
	}
	return 0;
}

int keyd_journal_replay(struct pfkm_net *net, const char *file, uint64_t gen,
			uint64_t *next, size_t *nrec)
{
	struct keyd_journal j = { .net = net, .file = file, .fd = -1 };
	int ret = isk_open(&j);

	if (ret)
		return ret;
	ret = replay_all(&j, gen, next, nrec);
	isk_close(&j);
	return ret;
}

/* ---- writing ------------------------------------------------------- */

/* Open FILE.j<gen> as the active journal. Its directory entry is made
 * durable now (sync_dir) or by the syncer before its first records are
 * acknowledged (j->dir_dirty). */
static int create_journal(struct keyd_journal *j, uint64_t gen, bool sync_dir)
{
	char path[PATH_MAX];
	int fd, ret;

	ret = jname(path, sizeof(path), j->file, gen);
	if (ret)
		return ret;
	fd = keyd_state_create_excl(path);
	if (fd < 0) {
		keyd_log(KEYD_LOG_ERR, "state journal %s: %s", path, strerror(-fd));
		return fd;
	}
	ret = sync_dir ? keyd_state_fsync_dir(path) : 0;
	if (ret) {
		keyd_log(KEYD_LOG_ERR, "state journal %s: fsync directory: %s", path,
			 strerror(-ret));
		close(fd);
		unlink(path);
		return ret;
	}
	if (j->fd >= 0)
		close(j->fd);
	j->fd = fd;
	j->gen = gen;
	j->good = j->alloc = j->written = 0;
	j->dir_dirty = !sync_dir;
	return 0;
}

static int open_dir(const char *file)
{
	char *copy = strdup(file);
	int fd;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	free(copy);
	return fd;
}

int keyd_journal_start(struct pfkm_net *net, const char *file, uint64_t gen,
		       uint64_t oldest, int lockfd, struct keyd_journal **out)
{
	struct keyd_journal *j = calloc(1, sizeof(*j));
	int ret;

	if (!j)
		return -ENOMEM;
	j->net = net;
	j->file = file;
	j->fd = -1;
	j->lockfd = lockfd;
	j->dirfd = open_dir(file);
	if (j->dirfd < 0) {
		ret = j->dirfd;
		free(j);
		return ret;
	}
	ret = isk_open(j);
	if (ret)
		goto err_isk;
	/* A snapshot of everything so far, then a fresh journal after it. */
	ret = keyd_state_save(net, file, gen);
	if (ret)
		goto err_save;
	j->snap_gen = gen;
	unlink_range(file, oldest, gen);
	unlink_stale(file, oldest);
	ret = create_journal(j, gen, true);
	if (ret)
		goto err_save;
	ret = syncer_start(j);
	if (ret) {
		close(j->fd);
		goto err_save;
	}
	*out = j;
	return 0;

err_save:
	isk_close(j);
err_isk:
	close(j->dirfd);
	free(j);
	return ret;
}

int keyd_journal_ready(struct keyd_journal *j)
{
	if (j->broken && ftruncate(j->fd, j->good) == 0) {
		j->broken = 0;
		j->alloc = j->good;
	}
	return j->broken;
}

static int pend_put(struct keyd_journal *j, const void *msg, size_t len)
{
	uint32_t h[2] = { htole32((uint32_t)len), htole32(crc32_ieee(msg, len)) };

	if (j->plen + REC_HDR + len > j->pcap) {
		size_t cap = j->pcap ? j->pcap : 65536;
		uint8_t *p;

		while (cap < j->plen + REC_HDR + len)
			cap *= 2;
		p = malloc(cap);
		if (!p)
			return -ENOMEM;
		if (j->pend) {
			memcpy(p, j->pend, j->plen);
			explicit_bzero(j->pend, j->pcap);
			free(j->pend);
		}
		j->pend = p;
		j->pcap = cap;
	}
	memcpy(j->pend + j->plen, h, REC_HDR);
	memcpy(j->pend + j->plen + REC_HDR, msg, len);
	j->plen += REC_HDR + len;
	j->nrec++;
	return 0;
}

int keyd_journal_note(struct keyd_journal *j, const uint8_t *req, size_t len,
		      const void *reply, size_t rlen)
{
	const struct sadb_msg *h = (const void *)req;
	uint8_t *get;
	size_t glen;
	int ret;

	switch (h->sadb_msg_type) {
	case SADB_GETSPI: case SADB_ACQUIRE:
		return 0;	/* larval SAs are not kept */
	case SADB_ADD:
		/* the reply is the new SA, keys included */
		return reply ? pend_put(j, reply, rlen) : -EIO;
	case SADB_UPDATE:
		/* the reply may show the discarded request (mature UPDATE):
		 * record the SA as it is now */
		get = j->req;
		glen = keyd_state_to_request(req, len, get, SADB_GET, true);
		((struct sadb_msg *)(void *)get)->sadb_msg_satype = h->sadb_msg_satype;
		ret = isk_send(j, get, glen);
		explicit_bzero(get, glen);
		if (!ret && !j->alen)
			ret = -EIO;
		if (!ret)
			ret = pend_put(j, j->ans, j->alen);
		ans_wipe(j);
		return ret;
	case SADB_DELETE:
		get = j->req;
		glen = keyd_state_to_request(req, len, get, SADB_DELETE, true);
		ret = pend_put(j, get, glen);
		explicit_bzero(get, glen);
		return ret;
	case SADB_FLUSH: case SADB_X_SPDFLUSH:
		return pend_put(j, req, sizeof(struct sadb_msg));
	case SADB_X_MIGRATE:
		return pend_put(j, req, len);
	case SADB_X_SPDADD: case SADB_X_SPDUPDATE: case SADB_X_SPDSETIDX:
	case SADB_X_SPDDELETE: case SADB_X_SPDDELETE2:
		return reply ? pend_put(j, reply, rlen) : -EIO;
	default:
		return 0;
	}
}

/* Best effort: zeros up to beyond need (in PREALLOC steps). On failure
 * (a full disk) the file is cut back and commits append as they are. */
static void prealloc(struct keyd_journal *j, off_t need)
{
	static const uint8_t zero[65536];
	off_t to = (need / PREALLOC + 1) * PREALLOC, at = j->alloc > j->good ? j->alloc : j->good;

	while (at < to) {
		size_t n = (size_t)(to - at) < sizeof(zero) ? (size_t)(to - at) : sizeof(zero);
		ssize_t w = pwrite(j->fd, zero, n, at);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (ftruncate(j->fd, j->alloc > j->good ? j->alloc : j->good) < 0)
				j->broken = -errno;
			return;
		}
		at += w;
	}
	j->alloc = to;
}

/* A write or sync failed: cut back to the durable bytes. */
static void write_failed(struct keyd_journal *j, int ret)
{
	keyd_log(KEYD_LOG_ERR, "state journal %s.j%" PRIu64 ": write failed: %s; the batch's "
		 "changes are refused", j->file, j->gen, strerror(-ret));
	if (ftruncate(j->fd, j->good) < 0)
		j->broken = -errno;
	else
		j->alloc = j->good;
	j->written = j->good;
	j->wrec = 0;
}

int keyd_journal_write(struct keyd_journal *j)
{
	size_t off = 0;
	int ret = 0;

	if (!j->plen)
		return 0;
	if (j->broken) {
		ret = j->broken;
		goto out;
	}
	if (j->good + (off_t)j->plen > j->alloc)
		prealloc(j, j->good + (off_t)j->plen);
	while (off < j->plen) {
		ssize_t w = pwrite(j->fd, j->pend + off, j->plen - off, j->good + (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ret = w < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)w;
	}
	if (ret) {
		write_failed(j, ret);
	} else {
		j->written = j->good + (off_t)j->plen;
		j->wrec = j->nrec;
	}
out:
	explicit_bzero(j->pend, j->plen);
	j->plen = 0;
	j->nrec = 0;
	return ret;
}

static void sync_result(struct keyd_journal *j, int ret)
{
	if (ret) {
		write_failed(j, ret);
		return;
	}
	j->dir_dirty = false;
	j->good = j->written;
	j->commits++;
	j->records += j->wrec;
	j->wrec = 0;
}

int keyd_journal_commit(struct keyd_journal *j)
{
	int ret;

	if (j->syncing)
		return -EBUSY;
	ret = keyd_journal_write(j);
	if (ret || j->written == j->good)
		return ret;
	ret = j->dir_dirty && fsync(j->dirfd) < 0 ? -errno : 0;
	if (!ret && fdatasync(j->fd) < 0)
		ret = -errno;
	sync_result(j, ret);
	return ret;
}

struct sync_req {
	int fd, dirfd;		/* dirfd -1: the directory is synced already */
};

static void *syncer_main(void *arg)
{
	struct keyd_journal *j = arg;
	struct sync_req q;
	int ret;

	while (read(j->req_pipe[0], &q, sizeof(q)) == (ssize_t)sizeof(q)) {
		ret = q.dirfd >= 0 && fsync(q.dirfd) < 0 ? -errno : 0;
		if (!ret && fdatasync(q.fd) < 0)
			ret = -errno;
		if (write(j->res_pipe[1], &ret, sizeof(ret)) != (ssize_t)sizeof(ret))
			break;
	}
	return NULL;
}

static int syncer_start(struct keyd_journal *j)
{
	int ret;

	if (pipe2(j->req_pipe, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(j->res_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		ret = -errno;
		goto err_res;
	}
	ret = -pthread_create(&j->syncer, NULL, syncer_main, j);
	if (ret)
		goto err_thread;
	j->have_syncer = true;
	return 0;

err_thread:
	close(j->res_pipe[0]);
	close(j->res_pipe[1]);
err_res:
	close(j->req_pipe[0]);
	close(j->req_pipe[1]);
	return ret;
}

static void syncer_stop(struct keyd_journal *j)
{
	if (!j->have_syncer)
		return;
	keyd_journal_sync_wait(j);
	close(j->req_pipe[1]);	/* the thread's read returns 0 */
	pthread_join(j->syncer, NULL);
	close(j->req_pipe[0]);
	close(j->res_pipe[0]);
	close(j->res_pipe[1]);
	j->have_syncer = false;
}

int keyd_journal_sync_start(struct keyd_journal *j)
{
	struct sync_req q = { j->fd, j->dir_dirty ? j->dirfd : -1 };

	if (j->syncing || j->written == j->good)
		return 0;
	if (write(j->req_pipe[1], &q, sizeof(q)) != (ssize_t)sizeof(q)) {
		int ret = -errno;

		write_failed(j, ret);
		return ret;
	}
	j->syncing = true;
	return 1;
}

int keyd_journal_sync_fd(const struct keyd_journal *j)
{
	return j->syncing ? j->res_pipe[0] : -1;
}

bool keyd_journal_syncing(const struct keyd_journal *j)
{
	return j->syncing;
}

bool keyd_journal_pending(const struct keyd_journal *j)
{
	return j->plen > 0;
}

static int sync_collect(struct keyd_journal *j, bool wait)
{
	int ret;
	ssize_t n;

	if (!j->syncing)
		return 1;
	for (;;) {
		n = read(j->res_pipe[0], &ret, sizeof(ret));
		if (n == (ssize_t)sizeof(ret))
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && wait) {
			struct pollfd p = { .fd = j->res_pipe[0], .events = POLLIN };

			(void)poll(&p, 1, -1);
			continue;
		}
		return n < 0 && errno == EAGAIN ? 0 : -EIO;
	}
	j->syncing = false;
	sync_result(j, ret);
	return ret ? ret : 1;
}

int keyd_journal_sync_done(struct keyd_journal *j)
{
	return sync_collect(j, false);
}

int keyd_journal_sync_wait(struct keyd_journal *j)
{
	return sync_collect(j, true);
}

void keyd_journal_discard(struct keyd_journal *j)
{
	explicit_bzero(j->pend, j->plen);
	j->plen = 0;
	j->nrec = 0;
}

int keyd_journal_rollback(struct keyd_journal *j)
{
	struct sadb_msg m;
	size_t nsa, npol, nrec;
	uint64_t gen, next;
	bool loaded;
	int ret;

	keyd_journal_discard(j);
	memset(&m, 0, sizeof(m));
	m.sadb_msg_version = PF_KEY_V2;
	m.sadb_msg_len = sizeof(m) / PFKM_UNIT;
	m.sadb_msg_pid = (uint32_t)getpid();
	m.sadb_msg_type = SADB_FLUSH;
	m.sadb_msg_satype = SADB_SATYPE_UNSPEC;
	keyd_conn_muted = true;
	ret = isk_send(j, &m, sizeof(m));
	m.sadb_msg_type = SADB_X_SPDFLUSH;
	if (!ret || ret == -ESRCH)
		ret = isk_send(j, &m, sizeof(m));
	if (!ret || ret == -ENOENT)
		ret = keyd_state_load(j->net, j->file, &loaded, &nsa, &npol, &gen);
	if (!ret)
		ret = replay_all(j, gen, &next, &nrec);
	keyd_conn_muted = false;
	if (ret)
		keyd_log(KEYD_LOG_ERR, "state: rebuilding from disk failed: %s", strerror(-ret));
	else
		keyd_log(KEYD_LOG_WARN, "state: rolled back to the durable state (%zu SAs, "
			 "%zu policies, %zu journal records)", nsa, npol, nrec);
	return ret;
}

size_t keyd_journal_size(const struct keyd_journal *j)
{
	return (size_t)j->good;
}

bool keyd_journal_compacting(const struct keyd_journal *j)
{
	return j->child > 0;
}

int keyd_journal_compact(struct keyd_journal *j)
{
	uint64_t gen = j->gen + 1;
	pid_t pid;
	int ret;

	if (j->child > 0 || j->broken || j->syncing || j->written != j->good)
		return -EBUSY;
	/* The old journal is complete (its preallocated zero tail reads as
	 * its end). Nothing here waits for the disk: the new journal's
	 * directory entry is synced with its first batch. */
	ret = create_journal(j, gen, false);
	if (ret)
		return ret;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		keyd_log(KEYD_LOG_ERR, "state compaction: fork: %s", strerror(errno));
		return ret;	/* the next compaction covers this one's journals too */
	}
	if (pid == 0) {
		/* Dies with keyd: it holds the state lock (a copy of the fd),
		 * and a restarted keyd must not wait for it or race it. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1)
			_exit(1);
		/* Nothing of keyd's but the lock: no client can reach a
		 * child's copy of the listening sockets. */
		if (j->lockfd > 3)
			(void)close_range(3, (unsigned int)j->lockfd - 1, 0);
		(void)close_range((unsigned int)(j->lockfd >= 3 ? j->lockfd + 1 : 3), ~0u, 0);
		/* the serving parent comes first on a busy machine */
		(void)setpriority(PRIO_PROCESS, 0, 10);
		_exit(keyd_state_save(j->net, j->file, gen) ? 1 : 0);
	}
	j->child = pid;
	j->child_gen = gen;
	return 0;
}

int keyd_journal_reap(struct keyd_journal *j, bool wait)
{
	int st;
	pid_t r;

	if (j->child <= 0)
		return 0;
	do
		r = waitpid(j->child, &st, wait ? 0 : WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0;
	j->child = 0;
	if (r < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		keyd_log(KEYD_LOG_ERR, "state compaction failed (the journals are kept)");
		return -EIO;
	}
	unlink_range(j->file, j->snap_gen, j->child_gen);
	j->snap_gen = j->child_gen;
	return 1;
}

int keyd_journal_close(struct keyd_journal *j, bool snapshot)
{
	int ret = 0;

	if (!j)
		return 0;
	syncer_stop(j);
	if (j->plen)
		(void)keyd_journal_commit(j);	/* what the loop left: durable now */
	if (j->commits)
		keyd_log(KEYD_LOG_INFO, "state journal: %llu records in %llu commits (%.1f per "
			 "fdatasync)", j->records, j->commits, (double)j->records / (double)j->commits);
	keyd_journal_reap(j, true);
	if (snapshot && !j->broken) {
		/* everything in one snapshot after the active journal */
		ret = keyd_state_save(j->net, j->file, j->gen + 1);
		if (!ret)
			unlink_range(j->file, j->snap_gen, j->gen + 1);
	}
	if (j->fd >= 0)
		close(j->fd);
	close(j->dirfd);
	isk_close(j);
	if (j->pend) {
		explicit_bzero(j->pend, j->pcap);
		free(j->pend);
	}
	free(j);
	return ret;
}
