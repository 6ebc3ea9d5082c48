// SPDX-License-Identifier: BSD-2-Clause
/*
 * conn.c: one accepted client connection, bridged to one struct pfkm_sock.
 * A connection behaves like a PF_KEY socket: one SEQPACKET datagram in is
 * one request, every reply or broadcast is one datagram out.
 *
 * Output queue: the core's deliver() never writes to the socket; it appends
 * to the connection's queue, which the loop flushes (keyd_conn_flush) once
 * the batch's journal records are on disk (server.c): a reply or broadcast
 * of a change is never seen before the change is durable. What the client
 * has not read yet is the kernel's socket queue (SIOCOUTQ) plus ours; that
 * sum is what the core sees as "rmem" against "rcvbuf" (SO_SNDBUF).
 *
 * Replies before broadcasts: every message delivered to a connection while
 * its own request is processed (the reply, the echo of its change, its dump)
 * is queued, never dropped. A broadcast caused by anyone else (another
 * client's change, a timer, an ACQUIRE) is dropped when it would take the
 * queue above rcvbuf: deliver() returns -ENOBUFS, the core counts it (the
 * LOST the client sees) and so do we (c->drops, "stats PID"), as af_key
 * loses broadcasts to a full receive buffer. A client that sends requests
 * without reading their replies stops being read once its queue holds
 * KEYD_CONN_QUEUE_MAX bytes (keyd_conn_wants_input): its memory is bounded
 * and nobody else waits for it. Dumps pause at 2/3 of rcvbuf and resume when
 * the queue has drained (POLLOUT); a connection whose peer is gone reports a
 * full queue, so its dump pauses at once and ends when the loop closes it.
 *
 * Each queued message carries the epoch it was queued in: it is sent once
 * keyd_conn_durable has reached it (the server's group commit moves it).
 * Each queued message carries the tag of the request that caused it
 * (keyd_conn_tag, 0 for none) and whether it is that request's reply, so a
 * batch whose journal write failed can take its messages back
 * (keyd_conn_unsend).
 *
 * Header faults: af_key fails sendmsg() with -errno when the header does not
 * parse. A SEQPACKET send cannot fail after the fact, so keyd answers with a
 * header-only message instead: the request's header as received (zero-padded
 * to 16 bytes), sadb_msg_version = PF_KEY_V2, sadb_msg_len = 2 and
 * sadb_msg_errno = the errno sendmsg() would have returned.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>

#include "keyd.h"

/* One queued message: this header, then len bytes (len is a multiple of 8). */
struct qhdr {
	uint32_t len;
	uint32_t reply;	/* the reply to the request of tag */
	uint64_t tag;
	uint64_t epoch;	/* keyd_conn_epoch when queued */
};

uint64_t keyd_conn_tag;		/* request being processed, 0: none */
uint64_t keyd_conn_tag_next = 1;
uint64_t keyd_conn_epoch = 1, keyd_conn_durable;
bool keyd_conn_muted;		/* rollback replay: deliver nothing */
static size_t deep_total;	/* SO_SNDBUF granted to deep queues (listener_queue) */

static size_t queued(struct keyd_conn *c)
{
	int q = 0;

	if (ioctl(c->fd, SIOCOUTQ, &q) < 0 || q < 0)
		q = 0;
	return (size_t)q + (c->qlen - c->qhead);
}

size_t keyd_conn_queued(struct keyd_conn *c)
{
	return c->dead ? 0 : queued(c);
}

static int enqueue(struct keyd_conn *c, const void *msg, size_t len, bool reply)
{
	struct qhdr h = { (uint32_t)len, reply, keyd_conn_tag, keyd_conn_epoch };
	size_t need = sizeof(h) + len;

	if (c->qhead && c->qlen + need > c->qcap) {
		memmove(c->q, c->q + c->qhead, c->qlen - c->qhead);
		c->qlen -= c->qhead;
		c->qhead = 0;
	}
	if (c->qlen + need > c->qcap) {
		size_t cap = c->qcap ? c->qcap : 16384;
		uint8_t *p;

		while (cap < c->qlen + need)
			cap *= 2;
		p = malloc(cap);
		if (!p)
			return -ENOBUFS;
		if (c->q) {
			memcpy(p, c->q, c->qlen);
			explicit_bzero(c->q, c->qcap);	/* may hold keys */
			free(c->q);
		}
		c->q = p;
		c->qcap = cap;
	}
	memcpy(c->q + c->qlen, &h, sizeof(h));
	memcpy(c->q + c->qlen + sizeof(h), msg, len);
	c->qlen += need;
	return 0;
}

static int conn_deliver(struct pfkm_sock *sk, const void *msg, size_t len)
{
	struct keyd_conn *c = pfkm_sock_priv(sk);
	const struct sadb_msg *h = msg;
	bool reply = false;

	if (keyd_conn_muted)
		return 0;
	if (c->in_req && !c->reply_seen && len >= sizeof(*h) && h->sadb_msg_type == c->req_type) {
		/* The request's own reply: kept for the journal even when the
		 * peer is gone (its change is applied and must be recorded). */
		c->reply_seen = true;
		c->reply_errno = h->sadb_msg_errno;
		c->reply_len = len <= PFKM_MSG_MAX ? len : 0;
		if (c->reply_len && (c->rbuf || (c->rbuf = malloc(PFKM_MSG_MAX))))
			memcpy(c->rbuf, msg, len);
		else
			c->reply_len = 0;
		reply = true;
	}
	if (c->dead || c->hup)
		return reply ? 0 : -ENOBUFS;	/* nobody left to tell: not a loss */
	if (!c->in_req && queued(c) + len > c->sndbuf) {
		c->want_resume = true;
		c->drops++;
		return -ENOBUFS;
	}
	if (enqueue(c, msg, len, reply)) {
		c->drops++;
		return -ENOBUFS;
	}
	return 0;
}

static size_t conn_rmem(struct pfkm_sock *sk)
{
	struct keyd_conn *c = pfkm_sock_priv(sk);
	size_t q;

	if (c->dead || c->hup)
		return c->sndbuf;	/* a dump for nobody: pause it now */
	q = queued(c);
	if (q * 3 > c->sndbuf)
		c->want_resume = true;
	return q;
}

static size_t conn_rcvbuf(struct pfkm_sock *sk)
{
	struct keyd_conn *c = pfkm_sock_priv(sk);

	return c->sndbuf;
}

static const struct pfkm_sock_ops conn_ops = {
	.deliver = conn_deliver,
	.rmem = conn_rmem,
	.rcvbuf = conn_rcvbuf,
};

struct keyd_conn *keyd_conn_create(struct pfkm_net *net, int fd, pid_t pid, uid_t uid)
{
	struct keyd_conn *c = calloc(1, sizeof(*c));
	socklen_t sl;
	int v = 0;

	if (!c)
		return NULL;
	c->fd = fd;
	c->pid = pid;
	c->uid = uid;
	sl = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &sl) < 0 || v <= 0)
		v = 212992;
	c->sndbuf = (size_t)v;
	c->sk = pfkm_sock_create(net, &conn_ops, c);
	if (!c->sk) {
		free(c);
		return NULL;
	}
	return c;
}

void keyd_conn_destroy(struct keyd_conn *c)
{
	if (!c)
		return;
	pfkm_sock_release(c->sk);
	deep_total -= c->deep_granted;
	close(c->fd);
	if (c->q) {
		explicit_bzero(c->q, c->qcap);
		free(c->q);
	}
	free(c->rbuf);	/* wiped after every request */
	free(c);
}

bool keyd_conn_type_changes_state(unsigned int t)
{
	switch (t) {
	case SADB_GETSPI: case SADB_UPDATE: case SADB_ADD: case SADB_DELETE:
	case SADB_ACQUIRE: case SADB_FLUSH: case SADB_X_SPDUPDATE:
	case SADB_X_SPDADD: case SADB_X_SPDDELETE: case SADB_X_SPDFLUSH:
	case SADB_X_SPDSETIDX: case SADB_X_SPDDELETE2: case SADB_X_MIGRATE:
		return true;
	default:
		return false;
	}
}

/*
 * A socket that asks for events (REGISTER, X_PROMISC: a monitor, a key
 * manager) gets a deeper queue, once: with the default 208 KiB, about 200
 * ADD broadcasts, a monitor descheduled for 4 ms at 50k events/s already
 * loses some. The memory is only used while the client lags; plain
 * request/reply clients keep the default (and lose broadcasts they never
 * read as soon as before). Best effort: without CAP_NET_ADMIN the size is
 * capped by net.core.wmem_max. All deep queues together may hold at most
 * DEEP_BUDGET: listeners beyond it keep the default (50 listeners that never
 * read cannot pin 8 MiB of socket memory each).
 */
#define LISTENER_SNDBUF (4 << 20)	/* the kernel doubles it */
#define DEEP_BUDGET ((size_t)64 << 20)

static void listener_queue(struct keyd_conn *c, unsigned int type)
{
	socklen_t sl = sizeof(int);
	int v = LISTENER_SNDBUF;

	if (c->deep || (type != SADB_REGISTER && type != SADB_X_PROMISC))
		return;
	c->deep = true;
	if (deep_total + 2 * (size_t)LISTENER_SNDBUF > DEEP_BUDGET)
		return;
	if (setsockopt(c->fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) < 0)
		(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	v = 0;
	if (!getsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &v, &sl) && v > 0 &&
	    (size_t)v > c->sndbuf) {
		c->deep_granted = (size_t)v;
		deep_total += c->deep_granted;
		c->sndbuf = (size_t)v;
	}
}

/* The header-level fault reply described at the top of this file. */
static void fault_reply(struct keyd_conn *c, const uint8_t *req, size_t len, int err)
{
	struct sadb_msg h;

	memset(&h, 0, sizeof(h));
	memcpy(&h, req, len < sizeof(h) ? len : sizeof(h));
	h.sadb_msg_version = PF_KEY_V2;
	h.sadb_msg_len = sizeof(h) / PFKM_UNIT;
	h.sadb_msg_errno = (uint8_t)(err > 255 ? EINVAL : err);
	if (!c->dead && !c->hup)
		(void)enqueue(c, &h, sizeof(h), true);
}

bool keyd_conn_wants_input(const struct keyd_conn *c)
{
	return !c->dead && c->qlen - c->qhead < KEYD_CONN_QUEUE_MAX;
}

int keyd_conn_read(struct keyd_conn *c, uint8_t *rx, size_t rxcap, int max,
		   keyd_conn_changed_fn changed, void *arg)
{
	int nchanged = 0;

	while (max-- > 0 && !c->dead && keyd_conn_wants_input(c)) {
		ssize_t n = recv(c->fd, rx, rxcap, MSG_DONTWAIT | MSG_TRUNC);
		const struct sadb_msg *h = (const void *)rx;
		bool writes;
		int ret;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			c->dead = true;
			break;
		}
		if (n == 0) {	/* orderly close (SEQPACKET has no empty datagram) */
			c->dead = true;
			break;
		}
		if ((size_t)n > rxcap) {
			fault_reply(c, rx, rxcap, EMSGSIZE);
			continue;
		}
		writes = (size_t)n >= sizeof(*h) && keyd_conn_type_changes_state(h->sadb_msg_type);
		if ((size_t)n >= sizeof(*h))
			listener_queue(c, h->sadb_msg_type);
		if (writes && changed && (ret = changed(arg, c, rx, (size_t)n, NULL, SIZE_MAX))) {
			/* the journal cannot take changes now: refuse up front */
			fault_reply(c, rx, (size_t)n, -ret);
			explicit_bzero(rx, (size_t)n);
			continue;
		}
		c->in_req = true;
		c->reply_seen = false;
		c->reply_errno = 0;
		c->reply_len = 0;
		c->req_type = (size_t)n >= sizeof(*h) ? h->sadb_msg_type : 0;
		keyd_conn_tag = writes ? keyd_conn_tag_next++ : 0;
		ret = pfkm_sock_send(c->sk, rx, (size_t)n);
		if (ret < 0)
			fault_reply(c, rx, (size_t)n, -ret);
		else if (writes && changed && c->reply_seen && !c->reply_errno)
			(void)changed(arg, c, rx, (size_t)n, c->reply_len ? c->rbuf : NULL,
				      c->reply_len);
		if (writes && ret == 0 && !(c->reply_seen && c->reply_errno))
			nchanged++;
		c->in_req = false;
		if (c->reply_len)
			explicit_bzero(c->rbuf, c->reply_len);
		keyd_conn_tag = 0;
		/* Requests may carry keys: do not leave them in the buffer. */
		explicit_bzero(rx, (size_t)n);
	}
	return nchanged;
}

void keyd_conn_flush(struct keyd_conn *c)
{
	while (c->qhead < c->qlen && !c->dead) {
		struct qhdr h;
		ssize_t n;

		memcpy(&h, c->q + c->qhead, sizeof(h));
		if (h.epoch > keyd_conn_durable)
			break;	/* its batch is not on disk yet */
		n = send(c->fd, c->q + c->qhead + sizeof(h), h.len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
			break;
		if (n < 0 && errno == EMSGSIZE) {
			/* Larger than the socket can ever carry: lost like a full queue. */
			keyd_log(KEYD_LOG_WARN, "pid %d: %u-byte message exceeds the socket buffer",
				 (int)c->pid, h.len);
			c->drops++;
		} else if (n < 0) {
			c->dead = true;	/* EPIPE/ECONNRESET: the loop closes it */
			break;
		}
		explicit_bzero(c->q + c->qhead, sizeof(h) + h.len);
		c->qhead += sizeof(h) + h.len;
	}
	if (c->qhead == c->qlen)
		c->qhead = c->qlen = 0;
}

bool keyd_conn_wants_output(const struct keyd_conn *c)
{
	struct qhdr h;

	if (c->dead)
		return false;
	if (c->qhead == c->qlen)
		return c->want_resume;
	memcpy(&h, c->q + c->qhead, sizeof(h));
	return h.epoch <= keyd_conn_durable;	/* else the sync's end wakes us */
}

void keyd_conn_writable(struct keyd_conn *c)
{
	keyd_conn_flush(c);
	if (c->dead || c->qhead < c->qlen || !c->want_resume)
		return;
	c->want_resume = false;
	/* its own dump: queued like a reply, paced by rmem, never dropped */
	c->in_req = c->reply_seen = true;
	pfkm_sock_dump_resume(c->sk);
	c->in_req = false;
	keyd_conn_flush(c);
}

void keyd_conn_unsend(struct keyd_conn *c, uint64_t first, const bool *ok, size_t nok,
		      int err)
{
	size_t in = c->qhead, out = c->qhead;

	while (in < c->qlen) {
		struct qhdr h;
		size_t sz;

		memcpy(&h, c->q + in, sizeof(h));
		sz = sizeof(h) + h.len;
		if (h.tag >= first && h.tag - first < nok && ok[h.tag - first]) {
			if (h.reply) {
				/* the reply becomes the failure: its header, errno set */
				struct sadb_msg m;

				memcpy(&m, c->q + in + sizeof(h), sizeof(m));
				m.sadb_msg_errno = (uint8_t)err;
				m.sadb_msg_len = sizeof(m) / PFKM_UNIT;
				h.len = sizeof(m);
				memcpy(c->q + out, &h, sizeof(h));
				memcpy(c->q + out + sizeof(h), &m, sizeof(m));
				out += sizeof(h) + sizeof(m);
			}
		} else {
			memmove(c->q + out, c->q + in, sz);
			out += sz;
		}
		in += sz;
	}
	explicit_bzero(c->q + out, c->qlen - out);
	c->qlen = out;
}
