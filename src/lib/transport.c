// SPDX-License-Identifier: BSD-2-Clause
/*
 * transport.c: the three ways to reach a PF_KEY engine. The pfkey backend
 * is socket(PF_KEY, SOCK_RAW, PF_KEY_V2); the keyd backend is a Unix
 * SOCK_SEQPACKET connection where one datagram carries exactly one message,
 * to a server that runs as root or as ourselves (SO_PEERCRED); the xfrm
 * backend is the in-process engine of engine.c on the XFRM netlink store,
 * reached through a socketpair of the same kind. All deliver whole
 * messages; receiving uses MSG_TRUNC to learn a datagram's real length and
 * never returns part of one. Which backend to open is backend.c's choice.
 *
 * A kernel PF_KEY socket receives every ALL broadcast of every other
 * socket (each ADD of a concurrent writer, with keys) and the kernel drops
 * whatever arrives while sk_rmem_alloc > sk_rcvbuf, our own replies
 * included, without telling the reader (af_key's pfkey_broadcast_one; the
 * reader never sees ENOBUFS). With the default 208 KiB (a few hundred
 * messages at ~800 bytes of skb truesize each) a batch writer that is
 * descheduled while three others write loses its replies and can only time
 * out. So the kernel socket asks for PFK_KERNEL_RCVBUF with SO_RCVBUFFORCE
 * (the socket already needs CAP_NET_ADMIN, which is what FORCE needs too),
 * falling back to SO_RCVBUF (capped by net.core.rmem_max).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/pfkeyv2.h>
#include "pfk.h"
#include "engine.h"
#include "pfkey.h"
#include "../xfrm/store_nl.h"

#ifndef PF_KEY
#define PF_KEY 15
#endif

/* The kernel doubles it: sk_rcvbuf = 32 MiB, ~40k queued messages. The
 * memory is only used while a reader lags behind. */
#define PFK_KERNEL_RCVBUF (16 << 20)

static int open_kernel(struct pfk_conn *c)
{
	int fd = socket(PF_KEY, SOCK_RAW | SOCK_CLOEXEC, PF_KEY_V2);
	int sz = PFK_KERNEL_RCVBUF;

	if (fd < 0)
		return -errno;
	/* Best effort: a smaller buffer still works, it only drops sooner. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	c->fd = fd;
	return 0;
}

/*
 * Whoever listens on a keyd socket receives our ADDs with their keys: it
 * must be root or ourselves. Anyone else who could bind the path (a shared
 * directory, a stale socket in a directory we do not own) is refused.
 */
static int peer_check(struct pfk_conn *c, int fd)
{
	struct ucred cr;
	socklen_t l = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0)
		return -errno;
	if (cr.uid != 0 && cr.uid != geteuid()) {
		c->peer_uid = cr.uid;
		return -EACCES;
	}
	return 0;
}

static int open_keyd(struct pfk_conn *c, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, ret;

	if (path) {
		if (strlen(path) >= sizeof(sun.sun_path) || strlen(path) >= sizeof(c->path))
			return -ENAMETOOLONG;
		snprintf(c->path, sizeof(c->path), "%s", path);
	} else {
		ret = pfk_keyd_default_path(c->path, sizeof(c->path));
		if (ret)
			return ret;
	}
	memcpy(sun.sun_path, c->path, strlen(c->path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ret = -errno;
		goto err_close;
	}
	ret = peer_check(c, fd);
	if (ret)
		goto err_close;
	c->fd = fd;
	return 0;

err_close:
	close(fd);
	return ret;
}

static uint64_t xfrm_lost(struct pfkm_store *st)
{
	struct xfrm_store_nl_stats s;

	xfrm_store_nl_stats(st, &s);
	return s.lost;
}

/* The kernel's xfrm through XFRM netlink (src/xfrm), every event group. */
static const struct pfk_engine_store xfrm_store = {
	.make = xfrm_store_nl_create,
	.event_fd = xfrm_store_nl_monitor_fd,
	.event_read = xfrm_store_nl_monitor_read,
	.event_lost = xfrm_lost,
};

static int open_xfrm(struct pfk_conn *c)
{
	return pfk_engine_sock_open(c, &xfrm_store);
}

int pfk_conn_open(struct pfk_conn *c, enum pfk_backend be, const char *path)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->pid = (uint32_t)getpid();
	c->seq = 1;
	c->peer_uid = (uint32_t)-1;
	c->backend = pfk_backend_resolve(be, path);
	switch (c->backend) {
	case PFK_BACKEND_PFKEY:
		return open_kernel(c);
	case PFK_BACKEND_XFRM:
		return open_xfrm(c);
	case PFK_BACKEND_KEYD:
		return open_keyd(c, path);
	case PFK_BACKEND_AUTO:
		break;
	}
	return -EINVAL;
}

bool pfk_conn_lost(const struct pfk_conn *c, int err)
{
	return c->backend == PFK_BACKEND_KEYD &&
	       (err == -ECONNRESET || err == -EPIPE || err == -ENOTCONN);
}

void pfk_conn_close(struct pfk_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	pfk_engine_sock_close(c->eng);
	c->eng = NULL;
}

int pfk_conn_send(struct pfk_conn *c, const void *msg, size_t len)
{
	ssize_t n;

	if (c->fd < 0)
		return -EBADF;
	if (c->eng)
		return pfk_engine_sock_send(c->eng, msg, len);
	do
		n = send(c->fd, msg, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EMSGSIZE;
	return 0;
}

int pfk_conn_sendv(struct pfk_conn *c, struct mmsghdr *mv, unsigned int n)
{
	unsigned int i;
	int r;

	if (c->fd < 0)
		return -EBADF;
	if (!c->eng) {
		r = sendmmsg(c->fd, mv, n, MSG_NOSIGNAL);
		return r < 0 ? -errno : r;
	}
	/* The engine answers them in order before it returns (a run of
	 * ADDs pipelined to the kernel by the store). As sendmmsg: a
	 * refused message ends the batch, reported alone. */
	for (i = 0; i < n; ) {
		struct pfkm_msgv v[64];
		unsigned int k, m = n - i < 64 ? n - i : 64;

		for (k = 0; k < m; k++) {
			v[k].msg = mv[i + k].msg_hdr.msg_iov->iov_base;
			v[k].len = mv[i + k].msg_hdr.msg_iov->iov_len;
		}
		r = pfk_engine_sock_send_many(c->eng, v, m);
		if (r < 0)
			return i ? (int)i : r;
		for (k = 0; k < (unsigned int)r; k++)
			mv[i + k].msg_len = (unsigned int)v[k].len;
		i += (unsigned int)r;
		if ((unsigned int)r < m)
			return i ? (int)i : -EINVAL;
	}
	return (int)n;
}

int pfk_conn_recvv(struct pfk_conn *c, struct mmsghdr *mv, unsigned int n)
{
	int r;

	if (c->fd < 0)
		return -EBADF;
	r = recvmmsg(c->fd, mv, n, MSG_DONTWAIT, NULL);
	if (r < 0)
		return -errno;
	if (c->eng)
		pfk_engine_sock_drained(c->eng, c);
	return r;
}

static int wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The in-process engine: nothing arrives unless we ask for it (all its
 * work runs inside pfk_conn_send) except what its timers produce, so wait
 * no longer than the next timer and run it; -ETIMEDOUT only once the
 * caller's timeout has passed.
 */
static int wait_engine(struct pfk_conn *c, int timeout_ms, int64_t *t0)
{
	int left = timeout_ms, ret;

	if (timeout_ms >= 0) {
		if (!*t0)
			*t0 = now_ms();
		left = (int)(timeout_ms - (now_ms() - *t0));
		if (left < 0)
			left = 0;
	}
	pfk_engine_sock_drained(c->eng, c);
	ret = wait_readable(c->fd, pfk_engine_sock_timers(left));
	if (ret == -ETIMEDOUT && (timeout_ms < 0 || now_ms() - *t0 < timeout_ms))
		return 0;	/* a timer was due: look again */
	return ret;
}

int pfk_conn_recv(struct pfk_conn *c, void *buf, size_t cap, int timeout_ms)
{
	int64_t t0 = 0;
	ssize_t n;
	int ret;

	if (c->fd < 0)
		return -EBADF;
	for (;;) {
		/* One recv per message when one is queued (the common case in
		 * batches and dumps); poll only when there is nothing yet.
		 * MSG_TRUNC returns the datagram's real length, so a message
		 * larger than cap is seen whole-or-not: it is consumed and
		 * reported, never handed back truncated. */
		n = recv(c->fd, buf, cap, MSG_TRUNC | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				ret = c->eng ? wait_engine(c, timeout_ms, &t0) :
					       wait_readable(c->fd, timeout_ms);
				if (ret)
					return ret;
				continue;
			}
			if (errno == ENOBUFS) {
				/* Broadcasts were dropped for us; keep reading. */
				c->lost++;
				continue;
			}
			return -errno;
		}
		if (n == 0) {
			/* SOCK_SEQPACKET: 0 bytes is the peer hanging up, as a
			 * PF_KEY message is never empty. */
			return -ECONNRESET;
		}
		if ((size_t)n > cap) {
			/* Too big for the caller: dropped whole rather than
			 * handed back truncated. */
			explicit_bzero(buf, cap);
			return -EMSGSIZE;
		}
		if (c->eng)
			pfk_engine_sock_drained(c->eng, c);
		return (int)n;
	}
}
