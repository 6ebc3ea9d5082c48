// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * xfrm_km.c: owns pfkeyv2's key manager on xfrm (xfrm_register_km) and the
 * event queue of every xfrm store. xfrm tells each key manager about every
 * change of the SAD and SPD, whoever made it (this engine, `ip xfrm`, an
 * IKE daemon on netlink, xfrm's own timers and packet path): notify (SA
 * add/update/delete/expire/flush), notify_policy, acquire, new_mapping,
 * migrate. Those calls come in any context, often atomic (under xfrm's
 * locks, x->lock included, in softirq; a state that just expired may have
 * no reference left), so each one copies what it reports into the engine's
 * values there and then (GFP_ATOMIC, no lock taken; the event of the
 * store's own ADD/UPDATE reuses the request's SA, refilled from the state)
 * and queues the record on its net's store; the records become store
 * events (store.h) in process context with the engine's lock held: at the
 * end of each store op (pfkm_xfrm_km_deliver), else from the store's work
 * item. Every change therefore reaches PF_KEY exactly once, through this
 * queue, with the pid/seq of the request that caused it
 * (km_event.portid/seq, as af_key passes them).
 *
 * compile_policy serves per-socket policies (setsockopt IP_IPSEC_POLICY /
 * IPV6_IPSEC_POLICY with a struct sadb_x_policy, as af_key): IKE daemons
 * exempt their own sockets that way (type bypass).
 *
 * The key manager is registered while at least one store exists (one per
 * network namespace), so it lives from the first pernet init to the last
 * pernet exit of the module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ipv6.h>
#include <net/sock.h>
#include "store_xfrm.h"

struct xev {
	struct list_head node;
	u8 kind;
	u8 proto;		/* SA_FLUSH */
	u8 dir;			/* policy events: XFRM_POLICY_* */
	bool hard, by_id;
	u32 pid, seq;
	struct pfkm_sa *sa;	/* copies, freed with the record */
	struct pfkm_policy *pol;
	struct xfrm_state *x;	/* ACQUIRE: the larval state, held */
	xfrm_address_t addr;	/* NEW_MAPPING */
	__be16 port;
	struct pfkm_store_migrate *mig;	/* MIGRATE only: SA records stay small */
};

/* Protects the store list and every store's queue; taken in any context. */
static DEFINE_SPINLOCK(km_lock);
static LIST_HEAD(km_stores);
/* Serialises registration of the key manager (the first and last store). */
static DEFINE_MUTEX(km_reg_lock);
static unsigned int km_users;

static struct pfkm_xfrm *store_of(const struct net *net)
{
	struct pfkm_xfrm *xs;

	list_for_each_entry(xs, &km_stores, node)
		if (net_eq(xs->net, net))
			return xs;
	return NULL;
}

static void ev_free(struct xev *e)
{
	if (e->x)
		xfrm_state_put(e->x);
	pfkm_sadb_sa_free(e->sa);
	if (e->pol)
		pfkm_xfrm_pol_free(e->pol);
	kfree(e->mig);
	kfree(e);
}

/* Queue e on net's store: 0, or -ESRCH (no store: e freed). */
static int ev_queue(const struct net *net, struct xev *e)
{
	struct pfkm_xfrm *xs;
	unsigned long fl;

	spin_lock_irqsave(&km_lock, fl);
	xs = store_of(net);
	if (xs) {
		list_add_tail(&e->node, &xs->queue);
		if (READ_ONCE(xs->op_task) != current)
			schedule_work(&xs->work);
	}
	spin_unlock_irqrestore(&km_lock, fl);
	if (!xs) {
		ev_free(e);
		return -ESRCH;
	}
	return 0;
}

static bool has_store(const struct net *net)
{
	unsigned long fl;
	bool ret;

	spin_lock_irqsave(&km_lock, fl);
	ret = store_of(net);
	spin_unlock_irqrestore(&km_lock, fl);
	return ret;
}

static struct xev *ev_alloc(u8 kind, const struct km_event *c)
{
	struct xev *e = kzalloc(sizeof(*e), GFP_ATOMIC);

	if (!e)
		return NULL;	/* the allocator has said so */
	e->kind = kind;
	if (c) {
		e->pid = c->portid;
		e->seq = c->seq;
	}
	return e;
}

/* The request SA of the store op running in this task (sa_add), if any. */
static struct pfkm_sa *own_sa_take(const struct net *net)
{
	struct pfkm_sa *sa = NULL;
	struct pfkm_xfrm *xs;
	unsigned long fl;

	spin_lock_irqsave(&km_lock, fl);
	xs = store_of(net);
	if (xs && READ_ONCE(xs->op_task) == current) {
		sa = xs->own_sa;
		xs->own_sa = NULL;
	}
	spin_unlock_irqrestore(&km_lock, fl);
	return sa;
}

static int pk_notify(struct xfrm_state *x, const struct km_event *c)
{
	struct xev *e;
	u8 kind;

	switch (c->event) {
	case XFRM_MSG_NEWSA:
		kind = PFKM_EV_SA_ADD;
		break;
	case XFRM_MSG_UPDSA:
		kind = PFKM_EV_SA_UPDATE;
		break;
	case XFRM_MSG_DELSA:
		kind = PFKM_EV_SA_DELETE;
		break;
	case XFRM_MSG_EXPIRE:
		kind = PFKM_EV_SA_EXPIRE;
		break;
	case XFRM_MSG_FLUSHSA:
		kind = PFKM_EV_SA_FLUSH;
		break;
	default:		/* NEWAE: replay/lifetime sync, not PF_KEY's */
		return 0;
	}
	if (kind != PFKM_EV_SA_FLUSH && !x)
		return 0;
	e = ev_alloc(kind, c);
	if (!e)
		return -ENOMEM;
	if (kind == PFKM_EV_SA_FLUSH) {
		e->proto = (u8)c->data.proto;
		return ev_queue(c->net, e);
	}
	e->hard = kind == PFKM_EV_SA_EXPIRE && c->data.hard;
	/* Our own ADD/UPDATE: its request SA, refilled from x, saves a copy
	 * of the keys; anything else (or keys that differ) is copied.
	 */
	if (kind == PFKM_EV_SA_ADD || kind == PFKM_EV_SA_UPDATE) {
		e->sa = own_sa_take(xs_net(x));
		if (e->sa && pfkm_xfrm_sa_adopt(x, e->sa)) {
			pfkm_sadb_sa_free(e->sa);
			e->sa = NULL;
		}
	}
	if (!e->sa && pfkm_xfrm_sa_from_state(x, GFP_ATOMIC, false, &e->sa)) {
		kfree(e);
		return 0;	/* nothing PF_KEY can show */
	}
	return ev_queue(xs_net(x), e);
}

static int pk_notify_policy(struct xfrm_policy *xp, int dir, const struct km_event *c)
{
	struct xev *e;
	u8 kind;

	if (xp && xp->type != XFRM_POLICY_TYPE_MAIN)
		return 0;
	switch (c->event) {
	case XFRM_MSG_NEWPOLICY:
		kind = PFKM_EV_POL_ADD;
		break;
	case XFRM_MSG_UPDPOLICY:
		kind = PFKM_EV_POL_UPDATE;
		break;
	case XFRM_MSG_DELPOLICY:
		kind = PFKM_EV_POL_DELETE;
		break;
	case XFRM_MSG_POLEXPIRE:
		kind = PFKM_EV_POL_EXPIRE;
		break;
	case XFRM_MSG_FLUSHPOLICY:
		if (c->data.type != XFRM_POLICY_TYPE_MAIN)
			return 0;
		kind = PFKM_EV_POL_FLUSH;
		break;
	default:
		return 0;
	}
	if (kind != PFKM_EV_POL_FLUSH && (!xp || dir < XFRM_POLICY_IN || dir > XFRM_POLICY_FWD))
		return 0;	/* per-socket policies are not in PF_KEY's SPD */
	e = ev_alloc(kind, c);
	if (!e)
		return -ENOMEM;
	if (kind == PFKM_EV_POL_FLUSH)
		return ev_queue(c->net, e);
	e->dir = (u8)dir;
	e->hard = kind == PFKM_EV_POL_EXPIRE && c->data.hard;
	e->by_id = kind == PFKM_EV_POL_DELETE && c->data.byid;
	if (pfkm_xfrm_pol_from_policy(xp, dir, GFP_ATOMIC, false, &e->pol)) {
		kfree(e);
		return 0;
	}
	return ev_queue(xp_net(xp), e);
}

/*
 * km_query: x is the larval SA xfrm is making for template t of policy xp
 * (under xfrm_state_lock). Like every key manager, give it an ACQUIRE
 * sequence number; 0 tells xfrm a key manager will negotiate.
 */
static int pk_acquire(struct xfrm_state *x, struct xfrm_tmpl *t, struct xfrm_policy *xp)
{
	struct xev *e;

	if (!has_store(xs_net(x)))
		return -ESRCH;
	e = ev_alloc(PFKM_EV_ACQUIRE, NULL);
	if (!e)
		return -ENOMEM;
	e->seq = xfrm_get_acqseq();
	x->km.seq = e->seq;
	if (pfkm_xfrm_sa_from_state(x, GFP_ATOMIC, false, &e->sa))
		goto err;
	/* ACQUIRE names the policy by id and priority only (af_key), which
	 * a per-socket policy, with no selector PF_KEY can show, has too.
	 */
	if (pfkm_xfrm_pol_from_policy(xp, XFRM_POLICY_OUT, GFP_ATOMIC, false, &e->pol)) {
		e->pol = kzalloc(sizeof(*e->pol), GFP_ATOMIC);
		if (!e->pol)
			goto err;
		e->pol->all.next = &e->pol->all;
		e->pol->all.prev = &e->pol->all;
		e->pol->dir = IPSEC_DIR_OUTBOUND;
		e->pol->id = xp->index;
		e->pol->priority = xp->priority;
	}
	e->sa->state = PFKM_SA_LARVAL;
	e->sa->seq = e->seq;
	xfrm_state_hold(x);
	e->x = x;
	return ev_queue(xs_net(x), e);

err:
	ev_free(e);
	return -ENOMEM;
}

/* A NAT moved the peer of an ESP-in-UDP SA (esp4/esp6 input, softirq). */
static int pk_new_mapping(struct xfrm_state *x, xfrm_address_t *ipaddr, __be16 sport)
{
	struct xev *e;

	if (x->id.proto != IPPROTO_ESP || !x->encap)
		return -EINVAL;
	if (!has_store(xs_net(x)))
		return -ESRCH;
	e = ev_alloc(PFKM_EV_NEW_MAPPING, NULL);
	if (!e)
		return -ENOMEM;
	e->seq = xfrm_get_acqseq();
	e->addr = *ipaddr;
	e->port = sport;
	if (pfkm_xfrm_sa_from_state(x, GFP_ATOMIC, false, &e->sa)) {
		kfree(e);
		return -ENOMEM;
	}
	return ev_queue(xs_net(x), e);
}

static int pk_migrate(const struct xfrm_selector *sel, u8 dir, u8 type,
		      const struct xfrm_migrate *m, int num, const struct xfrm_kmaddress *k,
		      struct net *net, const struct xfrm_encap_tmpl *encap)
{
	struct pfkm_store_migrate *mg;
	struct xev *e;
	int i;

	if (type != XFRM_POLICY_TYPE_MAIN || num < 1 || num > PFKM_MAX_TEMPLATES ||
	    dir > XFRM_POLICY_FWD)
		return -EINVAL;
	e = ev_alloc(PFKM_EV_MIGRATE, NULL);
	if (!e)
		return -ENOMEM;
	e->mig = kzalloc(sizeof(*e->mig), GFP_ATOMIC);
	if (!e->mig) {
		ev_free(e);
		return -ENOMEM;
	}
	mg = e->mig;
	pfkm_xfrm_sel_from(sel, &mg->sel);
	mg->dir = dir + 1;
	mg->n = num;
	for (i = 0; i < num; i++) {
		struct pfkm_store_mig *o = &mg->m[i];

		o->proto = m[i].proto;
		o->mode = pfkm_xfrm_mode_from(m[i].mode);
		o->family = (u8)m[i].old_family;
		o->reqid = m[i].reqid;
		memcpy(&o->old_s, &m[i].old_saddr, sizeof(o->old_s));
		memcpy(&o->old_d, &m[i].old_daddr, sizeof(o->old_d));
		memcpy(&o->new_s, &m[i].new_saddr, sizeof(o->new_s));
		memcpy(&o->new_d, &m[i].new_daddr, sizeof(o->new_d));
	}
	if (k) {
		mg->kfam = k->family;
		memcpy(&mg->kl, &k->local, sizeof(mg->kl));
		memcpy(&mg->kr, &k->remote, sizeof(mg->kr));
		mg->kres = k->reserved;
	}
	return ev_queue(net, e);
}

static bool pk_is_alive(const struct km_event *c)
{
	return has_store(c->net);
}

/* One ipsecrequest of a per-socket policy into template t. */
static int sk_tmpl(struct xfrm_tmpl *t, const struct sadb_x_ipsecrequest *rq, size_t len,
		   u16 family)
{
	const struct sockaddr *s, *d;
	size_t salen;

	if (len < sizeof(*rq) || rq->sadb_x_ipsecrequest_len < sizeof(*rq) ||
	    rq->sadb_x_ipsecrequest_len > len)
		return -EINVAL;
	if (rq->sadb_x_ipsecrequest_proto != IPPROTO_ESP &&
	    rq->sadb_x_ipsecrequest_proto != IPPROTO_AH &&
	    rq->sadb_x_ipsecrequest_proto != IPPROTO_COMP)
		return -EINVAL;
	t->id.proto = rq->sadb_x_ipsecrequest_proto;
	switch (rq->sadb_x_ipsecrequest_mode) {
	case IPSEC_MODE_ANY:
	case IPSEC_MODE_TRANSPORT:
		t->mode = XFRM_MODE_TRANSPORT;
		break;
	case IPSEC_MODE_TUNNEL:
		t->mode = XFRM_MODE_TUNNEL;
		break;
	case IPSEC_MODE_BEET:
		t->mode = XFRM_MODE_BEET;
		break;
	default:
		return -EINVAL;
	}
	if (rq->sadb_x_ipsecrequest_level == IPSEC_LEVEL_USE)
		t->optional = 1;
	else if (rq->sadb_x_ipsecrequest_level == IPSEC_LEVEL_UNIQUE &&
		 rq->sadb_x_ipsecrequest_reqid <= IPSEC_MANUAL_REQID_MAX)
		t->reqid = rq->sadb_x_ipsecrequest_reqid;
	t->encap_family = family;
	if (t->mode == XFRM_MODE_TUNNEL) {
		s = (const struct sockaddr *)(rq + 1);
		len = rq->sadb_x_ipsecrequest_len - sizeof(*rq);
		if (len < sizeof(sa_family_t))
			return -EINVAL;
		if (s->sa_family == AF_INET)
			salen = sizeof(struct sockaddr_in);
		else if (s->sa_family == AF_INET6)
			salen = sizeof(struct sockaddr_in6);
		else
			return -EINVAL;
		if (len < 2 * salen)
			return -EINVAL;
		d = (const struct sockaddr *)((const u8 *)s + salen);
		if (d->sa_family != s->sa_family)
			return -EINVAL;
		t->encap_family = s->sa_family;
		if (s->sa_family == AF_INET) {
			t->saddr.a4 = ((const struct sockaddr_in *)s)->sin_addr.s_addr;
			t->id.daddr.a4 = ((const struct sockaddr_in *)d)->sin_addr.s_addr;
		} else {
			t->saddr.in6 = ((const struct sockaddr_in6 *)s)->sin6_addr;
			t->id.daddr.in6 = ((const struct sockaddr_in6 *)d)->sin6_addr;
		}
	}
	t->allalgs = 1;
	t->aalgos = ~0U;
	t->ealgos = ~0U;
	t->calgos = ~0U;
	return 0;
}

/*
 * setsockopt(IP_IPSEC_POLICY / IPV6_IPSEC_POLICY) with a struct
 * sadb_x_policy (af_key's format; the caller checked CAP_NET_ADMIN). *dir
 * gets the xfrm direction, or -errno (-EOPNOTSUPP: another key manager's
 * option, xfrm tries the next one).
 */
static struct xfrm_policy *pk_compile_policy(struct sock *sk, int opt, u8 *data, int len,
					     int *dir)
{
	const struct sadb_x_policy *pol = (const struct sadb_x_policy *)data;
	size_t off, plen;
	struct xfrm_policy *xp;
	int ret;

	if ((sk->sk_family == AF_INET && opt != IP_IPSEC_POLICY) ||
	    (sk->sk_family == AF_INET6 && opt != IPV6_IPSEC_POLICY) ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)) {
		*dir = -EOPNOTSUPP;
		return NULL;
	}
	*dir = -EINVAL;
	if (len < (int)sizeof(*pol))
		return NULL;
	plen = (size_t)pol->sadb_x_policy_len * PFKM_UNIT;
	if (plen < sizeof(*pol) || plen > (size_t)len ||
	    pol->sadb_x_policy_type > IPSEC_POLICY_BYPASS ||
	    !pol->sadb_x_policy_dir || pol->sadb_x_policy_dir > IPSEC_DIR_OUTBOUND)
		return NULL;
	xp = xfrm_policy_alloc(sock_net(sk), GFP_ATOMIC);
	if (!xp) {
		*dir = -ENOBUFS;
		return NULL;
	}
	xp->action = pol->sadb_x_policy_type == IPSEC_POLICY_DISCARD ? XFRM_POLICY_BLOCK :
		     XFRM_POLICY_ALLOW;
	xp->lft.soft_byte_limit = XFRM_INF;
	xp->lft.hard_byte_limit = XFRM_INF;
	xp->lft.soft_packet_limit = XFRM_INF;
	xp->lft.hard_packet_limit = XFRM_INF;
	xp->family = sk->sk_family;
	if (pol->sadb_x_policy_type == IPSEC_POLICY_IPSEC) {
		for (off = sizeof(*pol); off < plen;) {
			const struct sadb_x_ipsecrequest *rq = (const void *)(data + off);

			ret = -EINVAL;
			if (xp->xfrm_nr >= XFRM_MAX_DEPTH)
				goto err;
			ret = sk_tmpl(&xp->xfrm_vec[xp->xfrm_nr], rq, plen - off, sk->sk_family);
			if (ret)
				goto err;
			xp->xfrm_nr++;
			off += rq->sadb_x_ipsecrequest_len;
		}
	}
	*dir = pol->sadb_x_policy_dir - 1;
	return xp;

err:
	*dir = ret;
	xp->walk.dead = 1;
	xfrm_policy_destroy(xp);
	return NULL;
}

static struct xfrm_mgr km = {
	.notify = pk_notify,
	.acquire = pk_acquire,
	.compile_policy = pk_compile_policy,
	.new_mapping = pk_new_mapping,
	.notify_policy = pk_notify_policy,
	.migrate = pk_migrate,
	.is_alive = pk_is_alive,
};

/* One queued record as a store event; the engine's lock is held. */
static void deliver_one(struct pfkm_xfrm *xs, struct xev *e)
{
	struct pfkm_store_ev ev = {
		.kind = e->kind, .proto = e->proto, .hard = e->hard, .by_id = e->by_id,
		.pid = e->pid, .seq = e->seq, .sa = e->sa, .pol = e->pol,
	};
	struct pfkm_addr addr;
	int ret;

	if (e->kind == PFKM_EV_NEW_MAPPING) {
		memcpy(&addr, &e->addr, sizeof(addr));
		ev.addr = &addr;
		ev.port = e->port;
	}
	if (e->kind == PFKM_EV_MIGRATE)
		ev.mig = e->mig;
	ret = pfkm_store_event(&xs->st, &ev);
	/* No registered PF_KEY socket took the ACQUIRE: drop the larval SA,
	 * as xfrm does when no key manager answers km_query.
	 */
	if (e->kind == PFKM_EV_ACQUIRE && ret == -ESRCH && e->x->km.state == XFRM_STATE_ACQ)
		xfrm_state_delete(e->x);
}

void pfkm_xfrm_km_deliver(struct pfkm_xfrm *xs)
{
	os_assert_held(xs->st.cb.lock);
	for (;;) {
		struct xev *e;
		unsigned long fl;

		spin_lock_irqsave(&km_lock, fl);
		e = list_first_entry_or_null(&xs->queue, struct xev, node);
		if (e)
			list_del(&e->node);
		spin_unlock_irqrestore(&km_lock, fl);
		if (!e)
			return;
		deliver_one(xs, e);
		ev_free(e);
	}
}

void pfkm_xfrm_km_work(struct work_struct *work)
{
	struct pfkm_xfrm *xs = container_of(work, struct pfkm_xfrm, work);

	os_mutex_lock(xs->st.cb.lock);
	pfkm_xfrm_km_deliver(xs);
	os_mutex_unlock(xs->st.cb.lock);
}

int pfkm_xfrm_km_attach(struct pfkm_xfrm *xs)
{
	unsigned long fl;

	INIT_LIST_HEAD(&xs->queue);
	INIT_WORK(&xs->work, pfkm_xfrm_km_work);
	mutex_lock(&km_reg_lock);
	spin_lock_irqsave(&km_lock, fl);
	list_add(&xs->node, &km_stores);
	spin_unlock_irqrestore(&km_lock, fl);
	if (km_users++ == 0)
		xfrm_register_km(&km);
	mutex_unlock(&km_reg_lock);
	return 0;
}

/* Called without the engine's lock (the work item takes it). */
void pfkm_xfrm_km_detach(struct pfkm_xfrm *xs)
{
	struct xev *e, *n;
	unsigned long fl;
	LIST_HEAD(left);

	mutex_lock(&km_reg_lock);
	spin_lock_irqsave(&km_lock, fl);
	list_del(&xs->node);
	spin_unlock_irqrestore(&km_lock, fl);
	if (--km_users == 0)
		xfrm_unregister_km(&km);	/* waits for callbacks in flight */
	mutex_unlock(&km_reg_lock);
	cancel_work_sync(&xs->work);
	spin_lock_irqsave(&km_lock, fl);
	list_splice_init(&xs->queue, &left);
	spin_unlock_irqrestore(&km_lock, fl);
	list_for_each_entry_safe(e, n, &left, node) {
		list_del(&e->node);
		ev_free(e);
	}
}
