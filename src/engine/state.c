// SPDX-License-Identifier: BSD-2-Clause
/*
 * state.c: the --state file, so the SADB and SPD survive a restart. It is
 * written and read through the core's public API only: saving opens an
 * internal pfkm_sock and records the replies to DUMP and X_SPDDUMP; loading
 * replays them as ADD and X_SPDADD on another internal socket.
 *
 * File layout (integers little-endian):
 *   0  char     magic[8]     "KEYDSTAT"
 *   8  uint32   version      1
 *  12  uint32   count        number of messages
 *  16  uint64   body_len     bytes after the header
 *  24  uint8    sha256[32]   over the header (this field zeroed) + body
 *  56  body: `count` PF_KEY messages back to back, each sadb_msg_len*8 bytes
 *      (SA messages as DUMP replies, with keys; policies as X_SPDDUMP).
 * The file holds keys: it is created 0600, written to FILE.tmp, fsynced and
 * renamed, so a crash leaves either the old or the new file. Larval SAs (no
 * keys yet) are not saved. Lifetime counters restart at the replay.
 */
#include <errno.h>
#include <fcntl.h>
#include <endian.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/evp.h>

#include "keyd.h"
#include "walker.h"

#define STATE_MAGIC "KEYDSTAT"
#define STATE_VERSION 1u
#define STATE_HDR 56u

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

static void header_fill(uint8_t *h, uint32_t count, uint64_t blen)
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
}

static int write_all(int fd, const void *p, size_t n)
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

static void fsync_dir(const char *file)
{
	char *copy = strdup(file);
	int fd;

	if (!copy)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int keyd_state_save(struct pfkm_net *net, const char *file)
{
	struct sbuf b = { 0 };
	struct pfkm_sock *sk;
	uint8_t hdr[STATE_HDR];
	char tmp[4096];
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

	header_fill(hdr, (uint32_t)b.count, b.len);
	sha256(hdr, sizeof(hdr), b.p, b.len, hdr + 24);

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = -errno;
		goto err_dump;
	}
	if (fchmod(fd, 0600) < 0) {
		ret = -errno;
		goto err_write;
	}
	ret = write_all(fd, hdr, sizeof(hdr));
	if (!ret && b.len)
		ret = write_all(fd, b.p, b.len);
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
	fsync_dir(file);
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

/* ---- loading -------------------------------------------------------- */

static int read_file(const char *file, struct sbuf *b)
{
	struct stat st;
	int fd, ret = 0;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		goto out;
	}
	for (;;) {
		uint8_t chunk[65536];
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		ret = sbuf_put(b, chunk, (size_t)n);
		explicit_bzero(chunk, (size_t)n);
		if (ret)
			break;
	}
out:
	close(fd);
	return ret;
}

/*
 * Turn a dumped message into the request that recreates it: ADD for an SA
 * (LIFETIME_CURRENT dropped: counters restart), X_SPDADD for a policy.
 * out must hold len bytes. Returns the request length.
 */
static size_t to_request(const uint8_t *msg, size_t len, uint8_t *out)
{
	const struct sadb_msg *h = (const void *)msg;
	struct sadb_msg *o = (void *)out;
	size_t off = sizeof(*h), olen = sizeof(*h);

	memcpy(out, msg, sizeof(*h));
	o->sadb_msg_type = h->sadb_msg_type == SADB_DUMP ? SADB_ADD : SADB_X_SPDADD;
	o->sadb_msg_errno = 0;
	o->sadb_msg_reserved = 0;
	o->sadb_msg_seq = 0;
	o->sadb_msg_pid = (uint32_t)getpid();
	while (off + sizeof(struct sadb_ext) <= len) {
		const struct sadb_ext *e = (const void *)(msg + off);
		size_t elen = (size_t)e->sadb_ext_len * PFKM_UNIT;

		if (!elen || off + elen > len)
			break;	/* cannot happen: the walker accepted it */
		if (e->sadb_ext_type != SADB_EXT_LIFETIME_CURRENT) {
			memcpy(out + olen, e, elen);
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

int keyd_state_load(struct pfkm_net *net, const char *file, bool *loaded,
		    size_t *nsa, size_t *npol)
{
	struct sbuf b = { 0 }, replies = { 0 };
	struct pfkm_sock *sk = NULL;
	uint8_t hdr[STATE_HDR], sum[32], *req = NULL;
	uint32_t version, count, i;
	uint64_t blen;
	size_t off;
	int ret;

	*loaded = false;
	*nsa = *npol = 0;
	ret = read_file(file, &b);
	if (ret == -ENOENT) {
		sbuf_free(&b);
		return 0;
	}
	if (ret) {
		keyd_log(KEYD_LOG_ERR, "state file %s: cannot read: %s", file, strerror(-ret));
		goto err_read;
	}
	ret = -EBADMSG;
	if (b.len < STATE_HDR) {
		keyd_log(KEYD_LOG_ERR, "state file %s: truncated (%zu bytes, header needs %u)",
			 file, b.len, STATE_HDR);
		goto err_read;
	}
	if (memcmp(b.p, STATE_MAGIC, 8)) {
		keyd_log(KEYD_LOG_ERR, "state file %s: not a keyd state file (bad magic)", file);
		goto err_read;
	}
	memcpy(&version, b.p + 8, 4);
	memcpy(&count, b.p + 12, 4);
	memcpy(&blen, b.p + 16, 8);
	version = le32toh(version);
	count = le32toh(count);
	blen = le64toh(blen);
	if (version != STATE_VERSION) {
		keyd_log(KEYD_LOG_ERR, "state file %s: version %u, this keyd reads %u",
			 file, version, STATE_VERSION);
		goto err_read;
	}
	if (blen != b.len - STATE_HDR) {
		keyd_log(KEYD_LOG_ERR, "state file %s: %s (header says %llu body bytes, file has %zu)",
			 file, blen > b.len - STATE_HDR ? "truncated" : "trailing garbage",
			 (unsigned long long)blen, b.len - STATE_HDR);
		goto err_read;
	}
	memcpy(hdr, b.p, STATE_HDR);
	memset(hdr + 24, 0, 32);
	sha256(hdr, sizeof(hdr), b.p + STATE_HDR, b.len - STATE_HDR, sum);
	if (memcmp(sum, b.p + 24, 32)) {
		keyd_log(KEYD_LOG_ERR, "state file %s: checksum mismatch (corrupt)", file);
		goto err_read;
	}

	/* Verify every message before changing anything: all or nothing. */
	for (off = STATE_HDR, i = 0; off < b.len; i++) {
		const struct sadb_msg *h = (const void *)(b.p + off);
		struct pfkm_exts ex;
		size_t mlen;

		if (b.len - off < sizeof(*h)) {
			keyd_log(KEYD_LOG_ERR, "state file %s: message %u truncated", file, i);
			goto err_read;
		}
		mlen = (size_t)h->sadb_msg_len * PFKM_UNIT;
		if (mlen > b.len - off || pfkm_walker_reply(h, mlen, &ex) < 0 ||
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
	for (off = STATE_HDR, i = 0; off < b.len; i++) {
		const struct sadb_msg *h = (const void *)(b.p + off);
		size_t mlen = (size_t)h->sadb_msg_len * PFKM_UNIT;
		size_t rlen = to_request(b.p + off, mlen, req);

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
