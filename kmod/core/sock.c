// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * sock.c: owns struct pfkm_net and struct pfkm_sock: their lifetimes, the
 * request entry point (pfkm_sock_send: header check, promiscuous copy,
 * extension walk, dispatch, error replies), af_key's broadcast rules and the
 * resumable dump walk shared by DUMP and X_SPDDUMP.
 */
#include "net.h"

typedef int (*pfkm_handler)(struct pfkm_req *r);

/* af_key's pfkey_funcs[]; a NULL slot answers EOPNOTSUPP. */
static const pfkm_handler handlers[SADB_MAX + 1] = {
	[SADB_GETSPI] = pfkm_sa_req_getspi,
	[SADB_UPDATE] = pfkm_sa_req_add,
	[SADB_ADD] = pfkm_sa_req_add,
	[SADB_DELETE] = pfkm_sa_req_delete,
	[SADB_GET] = pfkm_sa_req_get,
	[SADB_ACQUIRE] = pfkm_sa_req_acquire,
	[SADB_REGISTER] = pfkm_register_req,
	[SADB_FLUSH] = pfkm_sa_req_flush,
	[SADB_DUMP] = pfkm_sa_req_dump,
	[SADB_X_PROMISC] = pfkm_register_req_promisc,
	[SADB_X_SPDUPDATE] = pfkm_policy_req_add,
	[SADB_X_SPDADD] = pfkm_policy_req_add,
	[SADB_X_SPDDELETE] = pfkm_policy_req_delete,
	[SADB_X_SPDGET] = pfkm_policy_req_get,
	[SADB_X_SPDDUMP] = pfkm_policy_req_dump,
	[SADB_X_SPDFLUSH] = pfkm_policy_req_flush,
	[SADB_X_SPDSETIDX] = pfkm_policy_req_add,
	[SADB_X_SPDDELETE2] = pfkm_policy_req_get,
	[SADB_X_MIGRATE] = pfkm_migrate_req,
};

int pfkm_net_create_on(int (*make)(const struct pfkm_store_cb *cb, void *arg,
				   struct pfkm_store **out),
		       void *arg, struct pfkm_net **out)
{
	struct pfkm_store_cb cb;
	struct pfkm_net *net;
	int ret;

	net = os_zalloc(sizeof(*net));
	if (!net)
		return -ENOMEM;
	os_mutex_init(&net->lock);
	net->reqid_gen = IPSEC_MANUAL_REQID_MAX;
	cb.event = pfkm_notify_event;
	cb.ctx = net;
	cb.lock = &net->lock;
	ret = make(&cb, arg, &net->store);
	if (ret)
		goto err_store;
	*out = net;
	return 0;

err_store:
	os_mutex_destroy(&net->lock);
	os_free(net);
	return ret;
}

struct pfkm_store *pfkm_net_store(struct pfkm_net *net)
{
	return net->store;
}

void pfkm_net_destroy(struct pfkm_net *net)
{
	if (!net)
		return;
	/* A store's timers and work take net->lock: it stops them without. */
	net->store->ops->destroy(net->store);
	os_mutex_destroy(&net->lock);
	os_free(net);
}

struct pfkm_sock *pfkm_sock_create(struct pfkm_net *net, const struct pfkm_sock_ops *ops,
				   void *priv)
{
	struct pfkm_sock *sk = os_zalloc(sizeof(*sk));

	if (!sk)
		return NULL;
	sk->net = net;
	sk->ops = ops;
	sk->priv = priv;
	os_mutex_lock(&net->lock);
	sk->next = net->socks;
	if (net->socks)
		net->socks->prev = sk;
	net->socks = sk;
	net->st.sockets++;
	os_mutex_unlock(&net->lock);
	return sk;
}

static void dump_terminate(struct pfkm_sock *sk)
{
	struct pfkm_dump *d = &sk->dump;
	struct pfkm_store *st = sk->net->store;

	if (d->kind != PFKM_DUMP_NONE)
		st->ops->walk_done(st, &d->walk);
	pfkm_mbuf_free(&d->held);
	d->kind = PFKM_DUMP_NONE;
	d->count = 0;
}

void pfkm_sock_release(struct pfkm_sock *sk)
{
	struct pfkm_net *net;

	if (!sk)
		return;
	net = sk->net;
	os_mutex_lock(&net->lock);
	dump_terminate(sk);
	if (sk->prev)
		sk->prev->next = sk->next;
	else
		net->socks = sk->next;
	if (sk->next)
		sk->next->prev = sk->prev;
	net->st.sockets--;
	os_mutex_unlock(&net->lock);
	os_free(sk);
}

void *pfkm_sock_priv(struct pfkm_sock *sk)
{
	return sk->priv;
}

void pfkm_net_stats_get(struct pfkm_net *net, struct pfkm_net_stats *st)
{
	struct pfkm_store_info info = { 0 };

	os_mutex_lock(&net->lock);
	*st = net->st;
	net->store->ops->info(net->store, &info);
	st->sas = info.sas;
	st->policies = info.policies;
	os_mutex_unlock(&net->lock);
}

static int deliver(struct pfkm_net *net, struct pfkm_sock *sk, const void *msg, size_t len)
{
	int ret = sk->ops->deliver(sk, msg, len);

	if (ret)
		net->st.drops++;
	return ret;
}

/*
 * af_key's pfkey_broadcast, rule for rule: a promiscuous socket gets a copy
 * of everything first (so a targeted promiscuous socket gets two); `one`
 * is served last; REGISTERED reports -ESRCH until one registered socket
 * took the message.
 */
int pfkm_sock_bcast(struct pfkm_net *net, const void *msg, size_t len, unsigned int flags,
		    struct pfkm_sock *one)
{
	struct pfkm_sock *s;
	int err = -ESRCH, err2;

	os_assert_held(&net->lock);
	for (s = net->socks; s; s = s->next) {
		if (s->promisc)
			deliver(net, s, msg, len);
		if (s == one)
			continue;
		if (flags != PFKM_BCAST_ALL) {
			if (flags & PFKM_BCAST_PROMISC_ONLY)
				continue;
			if ((flags & PFKM_BCAST_REGISTERED) && !s->registered)
				continue;
			if (flags & PFKM_BCAST_ONE)
				continue;
		}
		err2 = deliver(net, s, msg, len);
		if ((flags & PFKM_BCAST_REGISTERED) && err)
			err = err2;
	}
	if (one)
		err = deliver(net, one, msg, len);
	return err;
}

int pfkm_sock_bcast_mbuf(struct pfkm_net *net, struct pfkm_mbuf *m, unsigned int flags,
			 struct pfkm_sock *one)
{
	int ret;

	pfkm_mbuf_finish(m);
	ret = pfkm_sock_bcast(net, m->p, m->len, flags, one);
	pfkm_mbuf_free(m);
	return ret;
}

static size_t sk_rmem(struct pfkm_sock *sk)
{
	return sk->ops->rmem ? sk->ops->rmem(sk) : 0;
}

static size_t sk_rcvbuf(struct pfkm_sock *sk)
{
	return sk->ops->rcvbuf ? sk->ops->rcvbuf(sk) : (size_t)-1 / 4;
}

/* pfkey_can_dump: generate while the queue is at most 2/3 of the buffer. */
static bool can_dump(struct pfkm_sock *sk)
{
	return 3 * sk_rmem(sk) <= 2 * sk_rcvbuf(sk);
}

/*
 * One entry of xfrm_state_walk/xfrm_policy_walk + dump_sa/dump_sp: compose
 * it, send the previously composed one, keep the newest back so the final
 * one can carry seq 0. 1: paused (the store offers the entry again).
 */
static int dump_entry(struct pfkm_sock *sk, const struct pfkm_sa *x,
		      const struct pfkm_policy *p)
{
	struct pfkm_dump *d = &sk->dump;
	struct pfkm_mbuf m;
	int ret;

	if (x ? pfkm_sa_req_dump_one(sk, x, NULL) : pfkm_policy_req_dump_one(sk, p, NULL))
		return 0;
	if (!can_dump(sk))
		return 1;
	ret = x ? pfkm_sa_req_dump_one(sk, x, &m) : pfkm_policy_req_dump_one(sk, p, &m);
	if (ret < 0)
		return ret;
	pfkm_mbuf_finish(&m);
	pfkm_mbuf_hdr(&m)->sadb_msg_seq = d->count + 1;
	if (d->held.p) {
		pfkm_sock_bcast(sk->net, d->held.p, d->held.len, PFKM_BCAST_ONE, sk);
		pfkm_mbuf_free(&d->held);
	}
	d->held = m;
	d->count++;
	return 0;
}

static int dump_sa(void *arg, const struct pfkm_sa *x)
{
	return dump_entry(arg, x, NULL);
}

static int dump_pol(void *arg, const struct pfkm_policy *p)
{
	return dump_entry(arg, NULL, p);
}

/* -ENOBUFS: paused; -ENOENT: nothing matched at all. */
static int dump_walk(struct pfkm_sock *sk)
{
	struct pfkm_dump *d = &sk->dump;
	struct pfkm_store *st = sk->net->store;
	int ret;

	if (d->kind == PFKM_DUMP_SA)
		ret = st->ops->sa_walk(st, &d->walk, dump_sa, sk);
	else
		ret = st->ops->pol_walk(st, &d->walk, dump_pol, sk);
	if (ret > 0)
		return -ENOBUFS;
	if (ret < 0)
		return ret;
	return d->count ? 0 : -ENOENT;
}

/* pfkey_do_dump */
static int do_dump(struct pfkm_sock *sk)
{
	struct pfkm_dump *d = &sk->dump;
	int rc;

	if (d->kind == PFKM_DUMP_NONE)
		return 0;
	/* A walk that ended is not walked again while the last entry waits
	 * for room (a store may start over once its cursor is released). */
	if (!d->walked) {
		rc = dump_walk(sk);
		if (rc == -ENOBUFS)
			return 0;
		d->walked = true;
		d->walk_rc = rc;
	}
	rc = d->walk_rc;
	if (d->held.p) {
		struct sadb_msg *h = pfkm_mbuf_hdr(&d->held);

		if (!can_dump(sk))
			return 0;
		h->sadb_msg_seq = 0;
		h->sadb_msg_errno = (uint8_t)rc;
		pfkm_sock_bcast(sk->net, d->held.p, d->held.len, PFKM_BCAST_ONE, sk);
		pfkm_mbuf_free(&d->held);
	}
	dump_terminate(sk);
	return rc;
}

int pfkm_sock_dump_start(struct pfkm_sock *sk)
{
	struct pfkm_dump *d = &sk->dump;

	d->count = 0;
	d->held.p = NULL;
	d->walked = false;
	return do_dump(sk);
}

void pfkm_sock_dump_resume(struct pfkm_sock *sk)
{
	os_mutex_lock(&sk->net->lock);
	if (sk->dump.kind != PFKM_DUMP_NONE && 3 * sk_rmem(sk) <= sk_rcvbuf(sk))
		do_dump(sk);
	os_mutex_unlock(&sk->net->lock);
}

/* pfkey_error: the request's header, len 2, errno set, to the sender. */
static void send_error(struct pfkm_sock *sk, const struct sadb_msg *req, int err)
{
	struct sadb_msg h;

	err = -err;
	if (err <= 0 || err >= 512)
		err = EINVAL;
	memcpy(&h, req, sizeof(h));
	h.sadb_msg_errno = (uint8_t)err;
	h.sadb_msg_len = sizeof(h) / PFKM_UNIT;
	pfkm_sock_bcast(sk->net, &h, sizeof(h), PFKM_BCAST_ONE, sk);
}

/* One request whose header parsed, under net->lock. */
static void handle(struct pfkm_sock *sk, const void *msg, size_t len)
{
	struct pfkm_net *net = sk->net;
	struct pfkm_exts x;
	struct pfkm_req r;
	int ret;

	/* pfkey_process: promiscuous sockets see every request first. */
	pfkm_sock_bcast(net, msg, len, PFKM_BCAST_PROMISC_ONLY, NULL);
	ret = pfkm_walker_exts(msg, len, &x);
	if (!ret) {
		pfkm_handler h = handlers[((const struct sadb_msg *)msg)->sadb_msg_type];

		r.sk = sk;
		r.net = net;
		r.hdr = msg;
		r.x = &x;
		ret = h ? h(&r) : -EOPNOTSUPP;
	}
	if (ret)
		send_error(sk, msg, ret);
}

int pfkm_sock_send(struct pfkm_sock *sk, const void *msg, size_t len)
{
	int ret;

	ret = pfkm_walker_header(msg, len);
	if (ret)
		return ret;
	os_mutex_lock(&sk->net->lock);
	handle(sk, msg, len);
	os_mutex_unlock(&sk->net->lock);
	return 0;
}

/* A run of parsed ADDs waiting for the store's sa_add_many. */
#define ADD_RUN_MAX 64

struct add_run {
	struct pfkm_sock *sk;
	unsigned int n;
	struct pfkm_sa *xs[ADD_RUN_MAX];
	struct pfkm_store_origin os[ADD_RUN_MAX];
	const struct sadb_msg *req[ADD_RUN_MAX];
};

static void run_done(void *arg, unsigned int i, int err)
{
	struct add_run *run = arg;

	if (err)
		send_error(run->sk, run->req[i], err);
}

static void run_flush(struct add_run *run)
{
	struct pfkm_store *st;

	if (!run || !run->n)
		return;
	st = run->sk->net->store;
	st->ops->sa_add_many(st, run->xs, run->os, run->n, run_done, run);
	run->n = 0;
}

/* An ADD joins the run (what pfkm_sa_req_add does before sa_add); a
 * malformed one is answered after the run's replies. */
static void run_add(struct add_run *run, const void *msg, size_t len)
{
	struct pfkm_net *net = run->sk->net;
	struct pfkm_exts x;
	struct pfkm_req r;
	struct pfkm_sa *sa;
	int ret;

	pfkm_sock_bcast(net, msg, len, PFKM_BCAST_PROMISC_ONLY, NULL);
	ret = pfkm_walker_exts(msg, len, &x);
	if (!ret) {
		r.sk = run->sk;
		r.net = net;
		r.hdr = msg;
		r.x = &x;
		ret = pfkm_sa_msg_parse(&r, &sa);
	}
	if (ret) {
		run_flush(run);
		send_error(run->sk, msg, ret);
		return;
	}
	run->xs[run->n] = sa;
	run->os[run->n] = pfkm_req_origin(&r);
	run->req[run->n] = msg;
	if (++run->n == ADD_RUN_MAX)
		run_flush(run);
}

int pfkm_sock_send_many(struct pfkm_sock *sk, const struct pfkm_msgv *v, unsigned int n)
{
	struct pfkm_net *net = sk->net;
	struct add_run *run = NULL;
	unsigned int i;
	int ret = 0;

	/* without memory for a run: one by one, as pfkm_sock_send */
	if (net->store->ops->sa_add_many)
		run = os_zalloc(sizeof(*run));
	if (run)
		run->sk = sk;
	os_mutex_lock(&net->lock);
	for (i = 0; i < n; i++) {
		const struct sadb_msg *h = v[i].msg;

		ret = pfkm_walker_header(v[i].msg, v[i].len);
		if (ret)
			break;
		if (run && h->sadb_msg_type == SADB_ADD) {
			run_add(run, v[i].msg, v[i].len);
			continue;
		}
		run_flush(run);
		handle(sk, v[i].msg, v[i].len);
	}
	run_flush(run);
	os_mutex_unlock(&net->lock);
	os_free(run);
	return i || !ret ? (int)i : ret;
}
