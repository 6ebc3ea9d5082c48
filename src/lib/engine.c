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
 *
 * A store with an event socket (XFRM netlink: changes by ip xfrm or an IKE
 * daemon, the kernel's ACQUIRE and EXPIRE) is read by a thread of the
 * engine, the pump: the events become PF_KEY broadcasts on every
 * connection while the program waits on its own socket, as with a kernel
 * PF_KEY socket. Events the kernel dropped (netlink ENOBUFS) are added to
 * every connection's lost counter, which the monitor and keytui report.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
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
	uint64_t lost_seen;		/* of eng.lost, likewise */
	bool want_resume;		/* a dump may be paused */
};

/* The process's engine: one per store. */
static struct {
	pthread_mutex_t lock;
	struct pfkm_net *net;
	const struct pfk_engine_store *kind;
	struct pfkm_store *store;
	unsigned int users;
	/* the pump (a store with an event socket) */
	bool pumping;
	pthread_t pump;
	int stop[2];			/* the pump exits when stop[0] is readable */
	uint64_t lost;			/* events lost for everyone (atomic) */
} eng = { .lock = PTHREAD_MUTEX_INITIALIZER, .stop = { -1, -1 } };

/* Deep enough for a 100k-SA batch's replies; the kernel doubles it. */
#define ENGINE_SNDBUF (16 << 20)

static int sock_deliver(struct pfkm_sock *sk, const void *msg, size_t len)
{
	struct pfk_engine_sock *e = pfkm_sock_priv(sk);
	ssize_t n;

	n = send(e->wfd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == (ssize_t)len)
		return 0;
	/* the pump thread delivers too: counters shared with the reader */
	__atomic_add_fetch(&e->drops, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&e->want_resume, true, __ATOMIC_RELAXED);
	return -ENOBUFS;
}

static size_t sock_rmem(struct pfkm_sock *sk)
{
	struct pfk_engine_sock *e = pfkm_sock_priv(sk);
	int q = 0;

	if (ioctl(e->wfd, SIOCOUTQ, &q) < 0 || q < 0)
		return 0;
	if ((size_t)q * 3 > e->sndbuf)
		__atomic_store_n(&e->want_resume, true, __ATOMIC_RELAXED);
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

/* The store's constructor, remembering the store for the pump. */
static int make_store(const struct pfkm_store_cb *cb, void *arg, struct pfkm_store **out)
{
	int ret;

	(void)arg;
	ret = eng.kind->make(cb, eng.kind->arg, out);
	if (!ret)
		eng.store = *out;
	return ret;
}

static void lost_add(uint64_t n)
{
	__atomic_add_fetch(&eng.lost, n, __ATOMIC_RELAXED);
}

static void *pump(void *arg)
{
	const struct pfk_engine_store *k = eng.kind;
	struct pollfd p[2];
	uint64_t seen = k->event_lost ? k->event_lost(eng.store) : 0, now;
	int ret;

	(void)arg;
	p[0] = (struct pollfd){ .fd = eng.stop[0], .events = POLLIN };
	p[1] = (struct pollfd){ .fd = k->event_fd(eng.store), .events = POLLIN };
	for (;;) {
		ret = poll(p, 2, -1);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0 || p[0].revents)
			break;
		if (!p[1].revents)
			continue;
		ret = k->event_read(eng.store);
		if (k->event_lost) {
			now = k->event_lost(eng.store);
			if (now != seen)
				lost_add(now - seen);
			seen = now;
		}
		if (ret < 0 && ret != -EAGAIN && ret != -EINTR && ret != -ENOBUFS) {
			/* The event socket broke: from now on every event is
			 * lost; say so once through the lost counters. */
			lost_add(1);
			break;
		}
	}
	return NULL;
}

static int pump_start(void)
{
	int ret;

	if (!eng.kind || !eng.kind->event_fd || eng.kind->event_fd(eng.store) < 0)
		return 0;
	if (pipe2(eng.stop, O_CLOEXEC) < 0)
		return -errno;
	ret = -pthread_create(&eng.pump, NULL, pump, NULL);
	if (ret) {
		close(eng.stop[0]);
		close(eng.stop[1]);
		eng.stop[0] = eng.stop[1] = -1;
		return ret;
	}
	eng.pumping = true;
	return 0;
}

static void pump_stop(void)
{
	if (!eng.pumping)
		return;
	close(eng.stop[1]);		/* stop[0] turns readable (EOF) */
	pthread_join(eng.pump, NULL);
	close(eng.stop[0]);
	eng.stop[0] = eng.stop[1] = -1;
	eng.pumping = false;
}

/* Take a reference on the engine of kind, creating it on first use. */
static int engine_get(const struct pfk_engine_store *kind)
{
	int ret = 0;

	pthread_mutex_lock(&eng.lock);
	if (eng.users) {
		if (eng.kind != kind)
			ret = -EBUSY;	/* one engine (one SAD/SPD view) per process */
		else
			eng.users++;
		goto out;
	}
	eng.kind = kind;
	ret = kind ? pfkm_net_create_on(make_store, NULL, &eng.net) : pfkm_net_create(&eng.net);
	if (ret)
		goto err_net;
	ret = pump_start();
	if (ret)
		goto err_pump;
	eng.users = 1;
	goto out;

err_pump:
	pfkm_net_destroy(eng.net);
err_net:
	eng.net = NULL;
	eng.store = NULL;
	eng.kind = NULL;
out:
	pthread_mutex_unlock(&eng.lock);
	return ret;
}

static void engine_put(void)
{
	pthread_mutex_lock(&eng.lock);
	if (eng.users && !--eng.users) {
		pump_stop();
		pfkm_net_destroy(eng.net);
		eng.net = NULL;
		eng.store = NULL;
		eng.kind = NULL;
	}
	pthread_mutex_unlock(&eng.lock);
}

int pfk_engine_sock_open(struct pfk_conn *c, const struct pfk_engine_store *store)
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
	ret = engine_get(store);
	if (ret)
		goto err_engine;
	e->lost_seen = __atomic_load_n(&eng.lost, __ATOMIC_RELAXED);
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

int pfk_engine_sock_send_many(struct pfk_engine_sock *e, const struct pfkm_msgv *v,
			      unsigned int n)
{
	return pfkm_sock_send_many(e->sk, v, n);
}

void pfk_engine_sock_drained(struct pfk_engine_sock *e, struct pfk_conn *c)
{
	uint64_t lost = __atomic_load_n(&eng.lost, __ATOMIC_RELAXED);
	uint64_t drops = __atomic_load_n(&e->drops, __ATOMIC_RELAXED);
	int q = 0;

	if (__atomic_load_n(&e->want_resume, __ATOMIC_RELAXED) &&
	    ioctl(e->wfd, SIOCOUTQ, &q) == 0 && (size_t)q * 3 <= e->sndbuf) {
		__atomic_store_n(&e->want_resume, false, __ATOMIC_RELAXED);
		pfkm_sock_dump_resume(e->sk);
	}
	if (drops != e->drops_seen) {
		c->lost += drops - e->drops_seen;
		e->drops_seen = drops;
	}
	if (lost != e->lost_seen) {
		c->lost += lost - e->lost_seen;
		e->lost_seen = lost;
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
