// SPDX-License-Identifier: BSD-2-Clause
/*
 * conn.c: one accepted client connection, bridged to one struct pfkm_sock.
 * A connection behaves like a PF_KEY socket: one SEQPACKET datagram in is
 * one request, every reply or broadcast is one datagram out.
 *
 * Flow control: the core queues to us with deliver(); we send without
 * blocking, so the client's unread data is charged to this socket's send
 * buffer. That is what the core sees as "rmem" (SIOCOUTQ) against "rcvbuf"
 * (SO_SNDBUF): a full buffer makes deliver() return -ENOBUFS (the broadcast is
 * lost and counted, as in af_key; also per connection in c->drops, which
 * the control socket's "stats PID" reports so a client can learn what *it*
 * lost), and dumps pause at 2/3 of it. When the
 * core has seen the queue above 1/3 we poll for POLLOUT (the kernel reports
 * it once the queue is below 1/4) and then let the core resume its dump.
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

static int conn_deliver(struct pfkm_sock *sk, const void *msg, size_t len)
{
	struct keyd_conn *c = pfkm_sock_priv(sk);
	ssize_t n;

	if (c->dead)
		return -ENOBUFS;	/* nobody left to tell: not this socket's loss */
	n = send(c->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == (ssize_t)len)
		return 0;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
		c->want_resume = true;
		c->drops++;
		return -ENOBUFS;
	}
	if (n < 0 && errno == EMSGSIZE) {
		/* Larger than the socket can ever carry: lost like a full queue. */
		keyd_log(KEYD_LOG_WARN, "pid %d: %zu-byte message exceeds the socket buffer",
			 (int)c->pid, len);
		c->drops++;
		return -ENOBUFS;
	}
	/* EPIPE/ECONNRESET: the peer is gone; the loop closes it later. */
	c->dead = true;
	return -ENOBUFS;
}

static size_t conn_rmem(struct pfkm_sock *sk)
{
	struct keyd_conn *c = pfkm_sock_priv(sk);
	int q = 0;

	if (c->dead || ioctl(c->fd, SIOCOUTQ, &q) < 0 || q < 0)
		return 0;
	if ((size_t)q * 3 > c->sndbuf)
		c->want_resume = true;
	return (size_t)q;
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
	close(c->fd);
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
 * capped by net.core.wmem_max.
 */
#define LISTENER_SNDBUF (4 << 20)	/* the kernel doubles it */

static void listener_queue(struct keyd_conn *c, unsigned int type)
{
	socklen_t sl = sizeof(int);
	int v = LISTENER_SNDBUF;

	if (c->deep || (type != SADB_REGISTER && type != SADB_X_PROMISC))
		return;
	c->deep = true;
	if (setsockopt(c->fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) < 0)
		(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	v = 0;
	if (!getsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &v, &sl) && v > 0)
		c->sndbuf = (size_t)v;
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
	if (send(c->fd, &h, sizeof(h), MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
	    errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
		c->dead = true;
}

int keyd_conn_read(struct keyd_conn *c, uint8_t *rx, size_t rxcap, int max)
{
	int changed = 0;

	while (max-- > 0 && !c->dead) {
		ssize_t n = recv(c->fd, rx, rxcap, MSG_DONTWAIT | MSG_TRUNC);
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
		if ((size_t)n >= sizeof(struct sadb_msg))
			listener_queue(c, ((struct sadb_msg *)rx)->sadb_msg_type);
		ret = pfkm_sock_send(c->sk, rx, (size_t)n);
		if (ret < 0)
			fault_reply(c, rx, (size_t)n, -ret);
		else if ((size_t)n >= sizeof(struct sadb_msg) &&
			 keyd_conn_type_changes_state(((struct sadb_msg *)rx)->sadb_msg_type))
			changed++;
		/* Requests may carry keys: do not leave them in the buffer. */
		explicit_bzero(rx, (size_t)n);
	}
	return changed;
}

void keyd_conn_writable(struct keyd_conn *c)
{
	c->want_resume = false;
	if (!c->dead)
		pfkm_sock_dump_resume(c->sk);
}
