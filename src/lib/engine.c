// SPDX-License-Identifier: BSD-2-Clause
/*
 * engine.c: the in-process PF_KEY engine transport. The PF_KEY request
 * engine of kmod/core (pfkey.h) runs inside keysh or keytui on a store
 * (store.h: XFRM netlink for the xfrm backend, memory for tests); each
 * pfk_conn is one pfkm_sock of that engine, so the program speaks PF_KEY to
 * it exactly as to a kernel socket or to keyd.
 *
 * A connection is one end of a SOCK_SEQPACKET socketpair: requests go
 * straight to pfkm_sock_send() (replies and broadcasts are produced before
 * it returns), and deliver() writes every message into the other end without
 * blocking, so recv, poll and the receive-side code of transport.c work
 * unchanged. As in keyd (src/engine/conn.c), the writer's SO_SNDBUF is the
 * socket's receive buffer: a full one loses the broadcast (counted in
 * the connection's lost counter), and dumps pause at 2/3 of it and resume
 * when the reader has drained it to 1/3 (pfk_engine_sock_drained).
 *
 * All connections of a process share one engine (broadcasts reach all of
 * them, as PF_KEY sockets of one namespace); it is created by the first
 * open and destroyed by the last close. The core's timers run from
 * pfk_engine_sock_timers, which transport.c calls around its waits.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>

#include "pfk.h"
#include "engine.h"
#include "os.h"
#include "pfkey.h"
#include "store.h"

struct pfk_engine_sock {
	int wfd;			/* the engine's end of the pair */
	struct pfkm_sock *sk;
	size_t sndbuf;
	uint64_t drops;			/* broadcasts lost to a full queue */
	uint64_t drops_seen;		/* already added to pfk_conn.lost */
	bool want_resume;		/* a dump may be paused */
};

/* The process's engine: one per store constructor. */
static struct {
	pthread_mutex_t lock;
	struct pfkm_net *net;
	pfk_engine_make make;
	unsigned int users;
} eng = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Deep enough for a 100k-SA batch's replies; the kernel doubles it. */
#define ENGINE_SNDBUF (16 << 20)

static int sock_deliver(struct pfkm_sock *sk, const void *msg, size_t len)
{
	struct pfk_engine_sock *e = pfkm_sock_priv(sk);
	ssize_t n;

	n = send(e->wfd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == (ssize_t)len)
		return 0;
	e->drops++;
	e->want_resume = true;
	return -ENOBUFS;
}

static size_t sock_rmem(struct pfkm_sock *sk)
{
	struct pfk_engine_sock *e = pfkm_sock_priv(sk);
	int q = 0;

	if (ioctl(e->wfd, SIOCOUTQ, &q) < 0 || q < 0)
		return 0;
	if ((size_t)q * 3 > e->sndbuf)
		e->want_resume = true;
	return (size_t)q;
}

static size_t sock_rcvbuf(struct pfkm_sock *sk)
{
	struct pfk_engine_sock *e = pfkm_sock_priv(sk);

	return e->sndbuf;
}

static const struct pfkm_sock_ops sock_ops = {
	.deliver = sock_deliver,
	.rmem = sock_rmem,
	.rcvbuf = sock_rcvbuf,
};

/* Take a reference on the engine of make, creating it on first use. */
static int engine_get(pfk_engine_make make, void *arg)
{
	int ret = 0;

	pthread_mutex_lock(&eng.lock);
	if (eng.users) {
		if (eng.make != make)
			ret = -EBUSY;	/* one engine (one SAD/SPD view) per process */
		else
			eng.users++;
		goto out;
	}
#ifdef PFK_NO_XFRM_STORE
	/* Until the core runs on store.h: only the memory store. */
	(void)arg;
	ret = make ? -ENOPROTOOPT : pfkm_net_create(&eng.net);
#else
	ret = make ? pfkm_net_create_on(make, arg, &eng.net) : pfkm_net_create(&eng.net);
#endif
	if (ret)
		goto out;
	eng.make = make;
	eng.users = 1;
out:
	pthread_mutex_unlock(&eng.lock);
	return ret;
}

static void engine_put(void)
{
	pthread_mutex_lock(&eng.lock);
	if (eng.users && !--eng.users) {
		pfkm_net_destroy(eng.net);
		eng.net = NULL;
		eng.make = NULL;
	}
	pthread_mutex_unlock(&eng.lock);
}

int pfk_engine_sock_open(struct pfk_conn *c, pfk_engine_make make, void *arg)
{
	struct pfk_engine_sock *e;
	socklen_t sl;
	int sv[2], sz = ENGINE_SNDBUF, v = 0, ret;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		ret = -errno;
		goto err_pair;
	}
	/* Best effort: a smaller buffer only drops broadcasts sooner. */
	if (setsockopt(sv[1], SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	sl = sizeof(v);
	if (getsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &v, &sl) < 0 || v <= 0)
		v = 212992;
	e->sndbuf = (size_t)v;
	e->wfd = sv[1];
	ret = engine_get(make, arg);
	if (ret)
		goto err_engine;
	e->sk = pfkm_sock_create(eng.net, &sock_ops, e);
	if (!e->sk) {
		ret = -ENOMEM;
		goto err_sock;
	}
	c->fd = sv[0];
	c->eng = e;
	return 0;

err_sock:
	engine_put();
err_engine:
	close(sv[0]);
	close(sv[1]);
err_pair:
	free(e);
	return ret;
}

void pfk_engine_sock_close(struct pfk_engine_sock *e)
{
	if (!e)
		return;
	pfkm_sock_release(e->sk);
	close(e->wfd);
	free(e);
	engine_put();
}

int pfk_engine_sock_send(struct pfk_engine_sock *e, const void *msg, size_t len)
{
	return pfkm_sock_send(e->sk, msg, len);
}

void pfk_engine_sock_drained(struct pfk_engine_sock *e, struct pfk_conn *c)
{
	int q = 0;

	if (e->want_resume && ioctl(e->wfd, SIOCOUTQ, &q) == 0 && (size_t)q * 3 <= e->sndbuf) {
		e->want_resume = false;
		pfkm_sock_dump_resume(e->sk);
	}
	if (e->drops != e->drops_seen) {
		c->lost += e->drops - e->drops_seen;
		e->drops_seen = e->drops;
	}
}

int pfk_engine_sock_timers(int timeout_ms)
{
	int64_t next;

	os_user_timers_run();
	next = os_user_timers_next_ms();
	if (next >= 0 && (timeout_ms < 0 || next < timeout_ms))
		return (int)(next > 0 ? next : 1);
	return timeout_ms;
}
