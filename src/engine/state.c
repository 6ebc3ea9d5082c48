// SPDX-License-Identifier: BSD-2-Clause
/*
 * state.c: the --state file, so the SADB and SPD survive a restart. It is
 * written and read through the core's public API only: saving opens an
 * internal pfkm_sock and records the replies to DUMP and X_SPDDUMP; loading
 * replays them as ADD and X_SPDADD on another internal socket.
 *
 * File layout (integers little-endian):
 *   0  char     magic[8]     "KEYDSTAT"
 *   8  uint32   version      2 (1: no generation, 56-byte header; still read)
 *  12  uint32   count        number of messages
 *  16  uint64   body_len     bytes after the header
 *  24  uint8    sha256[32]   over the header (this field zeroed) + body
 *  56  uint64   generation   journal.c: FILE.j<gen> and later journals
 *                            hold the changes made after this snapshot
 *  64  body: `count` PF_KEY messages back to back, each sadb_msg_len*8 bytes
 *      (SA messages as DUMP replies, with keys; policies as X_SPDDUMP).
 * The file holds keys: it is written to FILE.tmp (created with
 * O_EXCL|O_NOFOLLOW, 0600, in the state directory), fsynced and renamed, so
 * a crash leaves either the old or the new file. Larval SAs (no keys yet)
 * are not saved. Lifetime counters restart at the replay.
 *
 * Trust: the checksum detects corruption, it is not authentication (anyone
 * who can write the file can recompute it). The defence against a forged
 * file is where it lives: keyd refuses a state directory not owned by its
 * uid or writable by group or others, and a state file that is not a
 * regular file owned by its uid with no group/other permission bits
 * (keyd_state_check). The header and the file size are checked before the
 * body is read, the file is opened O_NOFOLLOW|O_NONBLOCK (a symlink or FIFO
 * is refused, never waited on), and FILE.lock (flock) keeps a second keyd
 * off the same state before it touches anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <endian.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <openssl/evp.h>

#include "keyd.h"
#include "walker.h"

#define STATE_MAGIC "KEYDSTAT"
#define STATE_VERSION 2u
#define STATE_HDR_V1 56u
#define STATE_HDR 64u
/* A body larger than this is refused before it is read (about 8M SAs). */
#define STATE_BODY_MAX ((uint64_t)4 << 30)

/* Growable byte buffer that may hold keys: wiped before every free. */
struct sbuf {
	uint8_t *p;
	size_t len, cap;
	size_t count;
	/* what the internal socket saw */
	bool done;		/* final dump message (seq 0) or error */
	int err;		/* errno of the last error reply */
	unsigned int last_type;
};

static void sbuf_free(struct sbuf *b)
{
	if (b->p) {
		explicit_bzero(b->p, b->cap);
		free(b->p);
	}
	memset(b, 0, sizeof(*b));
}

static int sbuf_put(struct sbuf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		uint8_t *q;

		while (cap < b->len + n)
			cap *= 2;
		q = malloc(cap);
		if (!q)
			return -ENOMEM;
		if (b->p) {
			memcpy(q, b->p, b->len);
			explicit_bzero(b->p, b->cap);
			free(b->p);
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

/* ---- the internal socket ------------------------------------------- */

static int collect_deliver(struct pfkm_sock *sk, const void *msg, size_t len)
{
	struct sbuf *b = pfkm_sock_priv(sk);
	const struct sadb_msg *h = msg;

	if (len < sizeof(*h))
		return 0;
	b->last_type = h->sadb_msg_type;
	if (h->sadb_msg_errno) {
		b->err = h->sadb_msg_errno;
		b->done = true;
		return 0;
	}
	b->err = 0;
	if (h->sadb_msg_type != SADB_DUMP && h->sadb_msg_type != SADB_X_SPDDUMP)
		return 0;	/* replay: the ADD/SPDADD echo, nothing to keep */
	if (h->sadb_msg_seq == 0)
		b->done = true;
	if (h->sadb_msg_type == SADB_DUMP && len >= sizeof(*h) + sizeof(struct sadb_sa)) {
		struct pfkm_exts ex;
		const struct sadb_sa *sa;

		if (pfkm_walker_reply(msg, len, &ex) == 0 &&
		    (sa = PFKM_EXT(&ex, SADB_EXT_SA, struct sadb_sa)) &&
		    sa->sadb_sa_state == SADB_SASTATE_LARVAL)
			return 0;
	}
	if (sbuf_put(b, msg, len))
		return -ENOBUFS;
	b->count++;
	return 0;
}

static size_t collect_rmem(struct pfkm_sock *sk)
{
	(void)sk;
	return 0;
}

static size_t collect_rcvbuf(struct pfkm_sock *sk)
{
	(void)sk;
	return (size_t)1 << 30;
}

static const struct pfkm_sock_ops collect_ops = {
	.deliver = collect_deliver,
	.rmem = collect_rmem,
	.rcvbuf = collect_rcvbuf,
};

static int dump_into(struct pfkm_sock *sk, struct sbuf *b, uint8_t type)
{
	struct sadb_msg m;
	int ret, spins = 0;

	memset(&m, 0, sizeof(m));
	m.sadb_msg_version = PF_KEY_V2;
	m.sadb_msg_type = type;
	m.sadb_msg_satype = SADB_SATYPE_UNSPEC;
	m.sadb_msg_len = sizeof(m) / PFKM_UNIT;
	m.sadb_msg_seq = 1;
	m.sadb_msg_pid = (uint32_t)getpid();
	b->done = false;
	b->err = 0;
	ret = pfkm_sock_send(sk, &m, sizeof(m));
	if (ret < 0)
		return ret;
	/* rmem is always 0 here, so the dump never pauses; be safe anyway. */
	while (!b->done && spins++ < 1000000)
		pfkm_sock_dump_resume(sk);
	if (!b->done)
		return -EIO;
	if (b->err && b->err != ENOENT)
		return -b->err;
	return 0;
}

static void sha256(const void *hdr, size_t hlen, const void *body, size_t blen, uint8_t out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 32;

	memset(out, 0, 32);
	if (!ctx)
		return;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, hdr, hlen) == 1 &&
	    (!blen || EVP_DigestUpdate(ctx, body, blen) == 1))
		EVP_DigestFinal_ex(ctx, out, &n);
	EVP_MD_CTX_free(ctx);
}

static void header_fill(uint8_t *h, uint32_t count, uint64_t blen, uint64_t gen)
{
	uint32_t v32;
	uint64_t v64;

	memset(h, 0, STATE_HDR);
	memcpy(h, STATE_MAGIC, 8);
	v32 = htole32(STATE_VERSION);
	memcpy(h + 8, &v32, 4);
	v32 = htole32(count);
	memcpy(h + 12, &v32, 4);
	v64 = htole64(blen);
	memcpy(h + 16, &v64, 8);
	v64 = htole64(gen);
	memcpy(h + 56, &v64, 8);
}

int keyd_state_write_all(int fd, const void *p, size_t n)
{
	const uint8_t *q = p;

	while (n) {
		ssize_t w = write(fd, q, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

int keyd_state_fsync_dir(const char *file)
{
	char *copy = strdup(file);
	int fd, ret = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return ret;
}

int keyd_state_create_excl(const char *path)
{
	int fd;

	/* A leftover of ours (a crash mid-save) or anything else: the directory
	 * is keyd's own (keyd_state_check_dir), so removing the name is safe
	 * and O_EXCL|O_NOFOLLOW guarantees the file written is a new one. */
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0600) < 0) {
		int ret = -errno;

		close(fd);
		unlink(path);
		return ret;
	}
	return fd;
}

int keyd_state_save(struct pfkm_net *net, const char *file, uint64_t gen)
{
	struct sbuf b = { 0 };
	struct pfkm_sock *sk;
	uint8_t hdr[STATE_HDR];
	char tmp[PATH_MAX];
	int fd, ret;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", file) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	sk = pfkm_sock_create(net, &collect_ops, &b);
	if (!sk)
		return -ENOMEM;
	ret = dump_into(sk, &b, SADB_DUMP);
	if (!ret)
		ret = dump_into(sk, &b, SADB_X_SPDDUMP);
	pfkm_sock_release(sk);
	if (ret)
		goto err_dump;

	header_fill(hdr, (uint32_t)b.count, b.len, gen);
	sha256(hdr, sizeof(hdr), b.p, b.len, hdr + 24);

	fd = keyd_state_create_excl(tmp);
	if (fd < 0) {
		ret = fd;
		goto err_dump;
	}
	ret = keyd_state_write_all(fd, hdr, sizeof(hdr));
	if (!ret && b.len)
		ret = keyd_state_write_all(fd, b.p, b.len);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (ret)
		goto err_write;
	if (close(fd) < 0) {
		ret = -errno;
		fd = -1;
		goto err_write;
	}
	if (rename(tmp, file) < 0) {
		ret = -errno;
		unlink(tmp);
		goto err_dump;
	}
	ret = keyd_state_fsync_dir(file);
	if (ret)
		goto err_dump;
	sbuf_free(&b);
	return 0;

err_write:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
err_dump:
	keyd_log(KEYD_LOG_ERR, "state file %s: save failed: %s", file, strerror(-ret));
	sbuf_free(&b);
	return ret;
}

/* ---- who may have written it ---------------------------------------- */

int keyd_state_check_dir(const char *file)
{
	char *copy = strdup(file);
	const char *dir;
	struct stat st;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (stat(dir, &st) < 0) {
		ret = -errno;
		keyd_log(KEYD_LOG_ERR, "state directory %s: %s", dir, strerror(errno));
	} else if (!S_ISDIR(st.st_mode)) {
		ret = -ENOTDIR;
		keyd_log(KEYD_LOG_ERR, "state directory %s: not a directory", dir);
	} else if (st.st_uid != geteuid()) {
		ret = -EPERM;
		keyd_log(KEYD_LOG_ERR, "state directory %s is owned by uid %u, not keyd's uid %u: "
			 "refusing (another user could replace the state file)", dir,
			 (unsigned int)st.st_uid, (unsigned int)geteuid());
	} else if (st.st_mode & 022) {
		ret = -EPERM;
		keyd_log(KEYD_LOG_ERR, "state directory %s is writable by group or others "
			 "(mode %04o): refusing; use a private directory (chmod go-w)", dir,
			 (unsigned int)(st.st_mode & 07777));
	}
	free(copy);
	return ret;
}

int keyd_state_lock(const char *file)
{
	char lock[PATH_MAX];
	struct stat st;
	int fd, ret;

	if (snprintf(lock, sizeof(lock), "%s.lock", file) >= (int)sizeof(lock))
		return -ENAMETOOLONG;
	fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		keyd_log(KEYD_LOG_ERR, "state lock %s: %s", lock,
			 errno == ELOOP ? "is a symbolic link" : strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		keyd_log(KEYD_LOG_ERR, "state lock %s: not a regular file owned by keyd's uid", lock);
		close(fd);
		return -EPERM;
	}
	/* A compaction child of a keyd that was just killed dies with it
	 * (PR_SET_PDEATHSIG) and releases the lock within moments. */
	for (int i = 0; i < 50 && flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK; i++)
		usleep(10000);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ret = -errno;
		if (errno == EWOULDBLOCK) {
			keyd_log(KEYD_LOG_ERR, "state file %s is in use by another keyd (%s is locked)",
				 file, lock);
			ret = -EBUSY;
		} else {
			keyd_log(KEYD_LOG_ERR, "state lock %s: %s", lock, strerror(errno));
		}
		close(fd);
		return ret;
	}
	return fd;
}

int keyd_state_open_checked(const char *file, const char *what)
{
	struct stat st;
	int fd, ret;

	fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (errno != ENOENT)
			keyd_log(KEYD_LOG_ERR, "%s %s: %s", what, file,
				 errno == ELOOP ? "is a symbolic link: refusing" : strerror(errno));
		return ret;
	}
	ret = -EPERM;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		keyd_log(KEYD_LOG_ERR, "%s %s: %s", what, file, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		keyd_log(KEYD_LOG_ERR, "%s %s: not a regular file: refusing", what, file);
	} else if (st.st_uid != geteuid()) {
		keyd_log(KEYD_LOG_ERR, "%s %s: owned by uid %u, not keyd's uid %u: refusing",
			 what, file, (unsigned int)st.st_uid, (unsigned int)geteuid());
	} else if (st.st_mode & 077) {
		keyd_log(KEYD_LOG_ERR, "%s %s: mode %04o gives group or others access: "
			 "refusing (must be 0600)", what, file, (unsigned int)(st.st_mode & 07777));
	} else {
		return fd;
	}
	close(fd);
	return ret;
}

/* ---- loading -------------------------------------------------------- */

static int pread_all(int fd, void *p, size_t n, off_t off)
{
	uint8_t *q = p;

	while (n) {
		ssize_t r = pread(fd, q, n, off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EBADMSG;	/* shrank under us */
		q += r;
		n -= (size_t)r;
		off += r;
	}
	return 0;
}

size_t keyd_state_to_request(const uint8_t *msg, size_t len, uint8_t *out, uint8_t type,
			     bool only_ids)
{
	const struct sadb_msg *h = (const void *)msg;
	struct sadb_msg *o = (void *)out;
	size_t off = sizeof(*h), olen = sizeof(*h);

	memcpy(out, msg, sizeof(*h));
	o->sadb_msg_type = type;
	o->sadb_msg_errno = 0;
	o->sadb_msg_reserved = 0;
	o->sadb_msg_seq = 0;
	o->sadb_msg_pid = (uint32_t)getpid();
	while (off + sizeof(struct sadb_ext) <= len) {
		const struct sadb_ext *e = (const void *)(msg + off);
		size_t elen = (size_t)e->sadb_ext_len * PFKM_UNIT;
		unsigned int t = e->sadb_ext_type;
		bool keep = t != SADB_EXT_LIFETIME_CURRENT;

		if (!elen || off + elen > len)
			break;	/* cannot happen: the walker accepted it */
		if (only_ids)
			keep = t == SADB_EXT_SA || t == SADB_EXT_ADDRESS_SRC ||
			       t == SADB_EXT_ADDRESS_DST || t == SADB_X_EXT_POLICY;
		if (keep) {
			memcpy(out + olen, e, elen);
			if (t == SADB_X_EXT_POLICY)	/* a replay gets new ids */
				((struct sadb_x_policy *)(void *)(out + olen))->sadb_x_policy_id = 0;
			olen += elen;
		}
		off += elen;
	}
	o->sadb_msg_len = (uint16_t)(olen / PFKM_UNIT);
	return olen;
}

static const char *type_name(unsigned int t)
{
	return t == SADB_DUMP ? "SA" : "policy";
}

/* Read and check header and size, then the body (wiped by the caller). */
static int read_checked(const char *file, struct sbuf *b, size_t *hlen, uint32_t *count,
			uint64_t *gen)
{
	uint8_t hdr[STATE_HDR], sum[32];
	struct stat st;
	uint32_t version;
	uint64_t blen;
	int fd, ret;

	fd = keyd_state_open_checked(file, "state file");
	if (fd < 0)
		return fd;
	ret = -EBADMSG;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if ((uint64_t)st.st_size < STATE_HDR_V1) {
		keyd_log(KEYD_LOG_ERR, "state file %s: truncated (%lld bytes, header needs %u)",
			 file, (long long)st.st_size, STATE_HDR_V1);
		goto out;
	}
	ret = pread_all(fd, hdr, (uint64_t)st.st_size < STATE_HDR ? STATE_HDR_V1 : STATE_HDR, 0);
	if (ret)
		goto out;
	ret = -EBADMSG;
	if (memcmp(hdr, STATE_MAGIC, 8)) {
		keyd_log(KEYD_LOG_ERR, "state file %s: not a keyd state file (bad magic)", file);
		goto out;
	}
	memcpy(&version, hdr + 8, 4);
	memcpy(count, hdr + 12, 4);
	memcpy(&blen, hdr + 16, 8);
	version = le32toh(version);
	*count = le32toh(*count);
	blen = le64toh(blen);
	if (version != STATE_VERSION && version != 1) {
		keyd_log(KEYD_LOG_ERR, "state file %s: version %u, this keyd reads 1 and %u",
			 file, version, STATE_VERSION);
		goto out;
	}
	*hlen = version == 1 ? STATE_HDR_V1 : STATE_HDR;
	*gen = 0;
	if (version != 1) {
		memcpy(gen, hdr + 56, 8);
		*gen = le64toh(*gen);
	}
	if ((uint64_t)st.st_size < *hlen || blen != (uint64_t)st.st_size - *hlen) {
		keyd_log(KEYD_LOG_ERR, "state file %s: %s (header says %llu body bytes, file has %lld)",
			 file, (uint64_t)st.st_size < *hlen + blen ? "truncated" : "trailing garbage",
			 (unsigned long long)blen, (long long)st.st_size - (long long)*hlen);
		goto out;
	}
	if (blen > STATE_BODY_MAX || blen < (uint64_t)*count * sizeof(struct sadb_msg) ||
	    blen > (uint64_t)*count * PFKM_MSG_MAX) {
		keyd_log(KEYD_LOG_ERR, "state file %s: %llu body bytes cannot hold %u messages "
			 "(limit %llu bytes)", file, (unsigned long long)blen, *count,
			 (unsigned long long)STATE_BODY_MAX);
		goto out;
	}
	b->p = malloc(*hlen + blen);
	if (!b->p) {
		ret = -ENOMEM;
		goto out;
	}
	b->cap = b->len = *hlen + blen;
	memcpy(b->p, hdr, *hlen);
	ret = pread_all(fd, b->p + *hlen, blen, (off_t)*hlen);
	if (ret)
		goto out;
	memset(b->p + 24, 0, 32);
	sha256(b->p, *hlen, b->p + *hlen, blen, sum);
	if (memcmp(sum, hdr + 24, 32)) {
		keyd_log(KEYD_LOG_ERR, "state file %s: checksum mismatch (corrupt)", file);
		ret = -EBADMSG;
	}
out:
	close(fd);
	return ret;
}

int keyd_state_load(struct pfkm_net *net, const char *file, bool *loaded,
		    size_t *nsa, size_t *npol, uint64_t *gen)
{
	struct sbuf b = { 0 }, replies = { 0 };
	struct pfkm_sock *sk = NULL;
	uint8_t *req = NULL;
	uint32_t count = 0, i;
	size_t off, hlen = 0;
	int ret;

	*loaded = false;
	*nsa = *npol = 0;
	*gen = 0;
	ret = read_checked(file, &b, &hlen, &count, gen);
	if (ret == -ENOENT) {
		sbuf_free(&b);
		return 0;
	}
	if (ret)
		goto err_read;

	/* Verify every message before changing anything: all or nothing. */
	ret = -EBADMSG;
	for (off = hlen, i = 0; off < b.len; i++) {
		const struct sadb_msg *h = (const void *)(b.p + off);
		struct pfkm_exts ex;
		size_t mlen;

		if (b.len - off < sizeof(*h)) {
			keyd_log(KEYD_LOG_ERR, "state file %s: message %u truncated", file, i);
			goto err_read;
		}
		mlen = (size_t)h->sadb_msg_len * PFKM_UNIT;
		if (!mlen || mlen > b.len - off || pfkm_walker_reply(h, mlen, &ex) < 0 ||
		    (h->sadb_msg_type != SADB_DUMP && h->sadb_msg_type != SADB_X_SPDDUMP)) {
			keyd_log(KEYD_LOG_ERR, "state file %s: message %u malformed", file, i);
			goto err_read;
		}
		off += mlen;
	}
	if (i != count) {
		keyd_log(KEYD_LOG_ERR, "state file %s: %u messages, header says %u", file, i, count);
		goto err_read;
	}

	ret = -ENOMEM;
	req = malloc(PFKM_MSG_MAX);
	sk = pfkm_sock_create(net, &collect_ops, &replies);
	if (!req || !sk)
		goto err_replay;
	for (off = hlen, i = 0; off < b.len; i++) {
		const struct sadb_msg *h = (const void *)(b.p + off);
		size_t mlen = (size_t)h->sadb_msg_len * PFKM_UNIT;
		size_t rlen = keyd_state_to_request(b.p + off, mlen, req,
						    h->sadb_msg_type == SADB_DUMP ? SADB_ADD :
						    SADB_X_SPDADD, false);

		replies.err = -1;
		ret = pfkm_sock_send(sk, req, rlen);
		explicit_bzero(req, rlen);
		if (ret == 0 && replies.err > 0)
			ret = -replies.err;
		else if (ret == 0 && replies.err < 0)
			ret = -EIO;	/* no answer at all */
		if (ret) {
			keyd_log(KEYD_LOG_ERR, "state file %s: replaying %s %u failed: %s",
				 file, type_name(h->sadb_msg_type), i, strerror(-ret));
			goto err_replay;
		}
		if (h->sadb_msg_type == SADB_DUMP)
			(*nsa)++;
		else
			(*npol)++;
		off += mlen;
	}
	pfkm_sock_release(sk);
	free(req);
	sbuf_free(&replies);
	sbuf_free(&b);
	*loaded = true;
	return 0;

err_replay:
	if (sk)
		pfkm_sock_release(sk);
	free(req);
	sbuf_free(&replies);
err_read:
	sbuf_free(&b);
	return ret;
}
