// SPDX-License-Identifier: BSD-2-Clause
/*
 * transport.c: the two ways to reach a PF_KEY engine. The kernel backend is
 * socket(PF_KEY, SOCK_RAW, PF_KEY_V2); the keyd backend is a Unix
 * SOCK_SEQPACKET connection where one datagram carries exactly one message.
 * Both deliver whole messages; receiving uses MSG_TRUNC to learn a
 * datagram's real length and never returns part of one.
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
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/pfkeyv2.h>
#include "pfk.h"

#ifndef PF_KEY
#define PF_KEY 15
#endif

const char *pfk_backend_name(enum pfk_backend be)
{
	switch (be) {
	case PFK_BACKEND_AUTO:
		return "auto";
	case PFK_BACKEND_KERNEL:
		return "kernel";
	case PFK_BACKEND_KEYD:
		return "keyd";
	}
	return "unknown";
}

int pfk_keyd_default_path(char *buf, size_t cap)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	int n;

	if (rt && *rt)
		n = snprintf(buf, cap, "%s/keyd.sock", rt);
	else if (geteuid() == 0)
		n = snprintf(buf, cap, "/run/keyd.sock");
	else
		n = snprintf(buf, cap, "/tmp/keyd-%u.sock", (unsigned int)geteuid());
	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	return 0;
}

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
	c->backend = PFK_BACKEND_KERNEL;
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
	c->fd = fd;
	c->backend = PFK_BACKEND_KEYD;
	return 0;

err_close:
	close(fd);
	return ret;
}

int pfk_conn_open(struct pfk_conn *c, enum pfk_backend be, const char *path)
{
	int ret, kret;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->pid = (uint32_t)getpid();
	c->seq = 1;
	switch (be) {
	case PFK_BACKEND_KERNEL:
		return open_kernel(c);
	case PFK_BACKEND_KEYD:
		return open_keyd(c, path);
	case PFK_BACKEND_AUTO:
		kret = open_kernel(c);
		if (!kret)
			return 0;
		ret = open_keyd(c, path);
		if (!ret)
			return 0;
		/* No PF_KEY at all: keyd's error says what is missing. A kernel
		 * that has PF_KEY but refused us (EPERM) is the better hint. */
		return kret == -EAFNOSUPPORT ? ret : kret;
	}
	return -EINVAL;
}

void pfk_conn_close(struct pfk_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int pfk_conn_send(struct pfk_conn *c, const void *msg, size_t len)
{
	ssize_t n;

	if (c->fd < 0)
		return -EBADF;
	do
		n = send(c->fd, msg, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EMSGSIZE;
	return 0;
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

int pfk_conn_recv(struct pfk_conn *c, void *buf, size_t cap, int timeout_ms)
{
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
				ret = wait_readable(c->fd, timeout_ms);
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
		return (int)n;
	}
}
