// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * store_xfrm.c: owns the kernel xfrm store (store.h): pfkeyv2's SAs are
 * the kernel's xfrm_state and its policies the kernel's xfrm_policy,
 * through the exported xfrm API as af_key uses it (xfrm_state_add/update/
 * delete/lookup/walk/flush, xfrm_find_acq(_byseq), xfrm_alloc_spi,
 * xfrm_policy_insert/bysel_ctx/byid/walk/flush, xfrm_migrate). Packets go
 * through esp4/esp6/ah4/ah6 and ipcomp; lifetimes, ACQUIRE and larval SAs
 * are xfrm's own. Every change is announced with km_state_notify /
 * km_policy_notify carrying the request's pid and seq, exactly as af_key
 * does, and comes back to the engine once, through the key manager's queue
 * (xfrm_km.c), which each op drains before it returns.
 *
 * Unloading the module leaves the SAs and policies in the kernel (they are
 * xfrm's, visible in `ip xfrm`); loading it again shows them in PF_KEY.
 *
 * Walks (DUMP, SPDDUMP) use xfrm's resumable walkers, whose callbacks run
 * under xfrm's spinlocks: they only hold up to WALK_BATCH entries, which
 * are translated and handed to the engine afterwards in process context.
 */
#include <linux/slab.h>
#include <linux/security.h>
#include "store_xfrm.h"

#define WALK_BATCH 32

const struct xfrm_mark pfkm_xfrm_nomark = { 0, 0 };

struct xwalk {
	union {
		struct xfrm_state_walk sw;
		struct xfrm_policy_walk pw;
	};
	bool end;			/* xfrm's walker is done */
	unsigned int n, i;		/* held entries ent[i .. n) */
	void *ent[WALK_BATCH];
	u8 dir[WALK_BATCH];
	struct pfkm_xfrm_sa_buf buf;	/* the SA being offered */
};

static void addr_to(xfrm_address_t *x, const struct pfkm_addr *a)
{
	memcpy(x, a, sizeof(*x));
}

/*
 * Announce a change this store made, as af_key does; the key manager's
 * callbacks run synchronously and queue the event, which the op delivers
 * before it returns (pfkm_xfrm_km_deliver), so they need no work item.
 */
static void own_state_notify(struct pfkm_xfrm *xs, struct xfrm_state *x, struct km_event *c)
{
	WRITE_ONCE(xs->op_task, current);
	km_state_notify(x, c);
	WRITE_ONCE(xs->op_task, NULL);
}

static void own_policy_notify(struct pfkm_xfrm *xs, struct xfrm_policy *xp, int dir,
			      struct km_event *c)
{
	WRITE_ONCE(xs->op_task, current);
	km_policy_notify(xp, dir, c);
	WRITE_ONCE(xs->op_task, NULL);
}

static int sa_add(struct pfkm_store *st, struct pfkm_sa *sa, bool update,
		  const struct pfkm_store_origin *o)
{
	struct pfkm_xfrm *xs = pfkm_xfrm(st);
	struct km_event c = { .seq = o ? o->seq : 0, .portid = o ? o->pid : 0 };
	struct xfrm_state *x;
	int ret;

	ret = pfkm_xfrm_sa_to_state(xs->net, sa, &x);
	if (ret)
		goto err_state;
	ret = xfrm_init_state(x);
	if (ret) {
		x->km.state = XFRM_STATE_DEAD;
		xfrm_state_put(x);
		goto err_state;
	}
	xfrm_state_hold(x);
	ret = update ? xfrm_state_update(x) : xfrm_state_add(x);
	xfrm_audit_state_add(x, ret ? 0 : 1, true);
	if (ret) {
		x->km.state = XFRM_STATE_DEAD;
		__xfrm_state_put(x);
		goto out;
	}
	c.event = update ? XFRM_MSG_UPDSA : XFRM_MSG_NEWSA;
	/* The event's SA is the request's, refilled from x (xfrm_km.c). */
	xs->own_sa = sa;
	sa = NULL;
	own_state_notify(xs, x, &c);
	swap(sa, xs->own_sa);		/* not taken: freed below */
out:
	xfrm_state_put(x);
	pfkm_xfrm_km_deliver(xs);
err_state:
	pfkm_sadb_sa_free(sa);
	return ret;
}

static struct xfrm_state *lookup(struct pfkm_xfrm *xs, const struct pfkm_sa_id *id)
{
	xfrm_address_t d;

	addr_to(&d, &id->daddr);
	return xfrm_state_lookup(xs->net, 0, &d, id->spi, id->proto, id->family);
}

static int sa_get(struct pfkm_store *st, const struct pfkm_sa_id *id, const struct pfkm_sa **out)
{
	struct xfrm_state *x = lookup(pfkm_xfrm(st), id);
	struct pfkm_sa *sa;
	int ret;

	if (!x)
		return -ESRCH;
	ret = pfkm_xfrm_sa_from_state(x, GFP_KERNEL, true, &sa);
	xfrm_state_put(x);
	if (ret)
		return ret == -EINVAL ? -ESRCH : ret;
	*out = sa;
	return 0;
}

static void sa_put(struct pfkm_store *st, const struct pfkm_sa *sa)
{
	pfkm_sadb_sa_free((struct pfkm_sa *)sa);
}

static int sa_delete(struct pfkm_store *st, const struct pfkm_sa_id *id,
		     const struct pfkm_store_origin *o)
{
	struct pfkm_xfrm *xs = pfkm_xfrm(st);
	struct km_event c = { .seq = o ? o->seq : 0, .portid = o ? o->pid : 0 };
	struct xfrm_state *x = lookup(xs, id);
	int ret;

	if (!x)
		return -ESRCH;
	ret = security_xfrm_state_delete(x);
	if (ret)
		goto out;
	if (xfrm_state_kern(x)) {
		ret = -EPERM;
		goto out;
	}
	ret = xfrm_state_delete(x);
	if (ret < 0)
		goto out;
	c.event = XFRM_MSG_DELSA;
	own_state_notify(xs, x, &c);
out:
	xfrm_audit_state_delete(x, ret ? 0 : 1, true);
	xfrm_state_put(x);
	pfkm_xfrm_km_deliver(xs);
	return ret;
}

static int sa_flush(struct pfkm_store *st, uint8_t proto)
{
	struct pfkm_xfrm *xs = pfkm_xfrm(st);
	struct xfrmk_sadinfo a, b;
	int ret;

	xfrm_sad_getinfo(xs->net, &a);
	ret = xfrm_state_flush(xs->net, proto, true);
	pfkm_xfrm_km_deliver(xs);
	if (ret == -ESRCH)
		return 0;
	if (ret < 0)
		return ret;
	xfrm_sad_getinfo(xs->net, &b);
	/* Others may add meanwhile: at least one went, or flush said -ESRCH. */
	return a.sadcnt > b.sadcnt ? (int)(a.sadcnt - b.sadcnt) : 1;
}

static int sa_getspi(struct pfkm_store *st, const struct pfkm_sa_sel *k, uint32_t seq,
		     u32 lo, uint32_t hi, const struct pfkm_sa **out)
{
	struct pfkm_xfrm *xs = pfkm_xfrm(st);
	struct xfrm_state *x = NULL;
	xfrm_address_t s, d;
	struct pfkm_sa *sa;
	int ret;

	addr_to(&s, &k->saddr);
	addr_to(&d, &k->daddr);
	if (seq) {
		x = pfkm_xfrm_find_acq_byseq(xs->net, seq);
		if (x && !xfrm_addr_equal(&x->id.daddr, &d, k->family)) {
			xfrm_state_put(x);
			x = NULL;
		}
	}
	if (!x)
		x = pfkm_xfrm_find_acq(xs->net, pfkm_xfrm_mode_to(k->mode), k->reqid, k->proto,
				       &d, &s, k->family);
	if (!x)
		return -ENOENT;
	/* af_key's verify_spi_info, after the larval SA exists (as there) */
	ret = pfkm_sa_spi_range_ok(k->proto, lo, hi) ? 0 : -EINVAL;
	if (!ret)
		ret = pfkm_xfrm_alloc_spi(x, lo, hi);
	if (!ret)
		ret = pfkm_xfrm_sa_from_state(x, GFP_KERNEL, true, &sa);
	xfrm_state_put(x);
	pfkm_xfrm_km_deliver(xs);
	if (ret)
		return ret;
	*out = sa;
	return 0;
}

static void sa_acquire_error(struct pfkm_store *st, uint32_t seq)
{
	struct xfrm_state *x = pfkm_xfrm_find_acq_byseq(pfkm_xfrm(st)->net, seq);

	if (!x)
		return;
	spin_lock_bh(&x->lock);
	if (x->km.state == XFRM_STATE_ACQ)
		x->km.state = XFRM_STATE_ERROR;
	spin_unlock_bh(&x->lock);
	xfrm_state_put(x);
}

/* xfrm walker callbacks (under xfrm's spinlock): hold a batch. */
static int collect_sa(struct xfrm_state *x, int count, void *arg)
{
	struct xwalk *p = arg;

	if (p->n == WALK_BATCH)
		return 1;	/* xfrm offers x again on the next call */
	xfrm_state_hold(x);
	p->ent[p->n++] = x;
	return 0;
}

static int collect_pol(struct xfrm_policy *xp, int dir, int count, void *arg)
{
	struct xwalk *p = arg;

	if (dir < XFRM_POLICY_IN || dir > XFRM_POLICY_FWD)
		return 0;	/* per-socket policies */
	if (p->n == WALK_BATCH)
		return 1;
	xfrm_pol_hold(xp);
	p->dir[p->n] = (u8)dir;
	p->ent[p->n++] = xp;
	return 0;
}

static void walk_release(struct pfkm_xfrm *xs, struct pfkm_store_walk *w)
{
	struct xwalk *p = w->priv;

	if (!p)
		return;
	for (; p->i < p->n; p->i++) {
		if (w->what == PFKM_WALK_SA)
			xfrm_state_put(p->ent[p->i]);
		else
			xfrm_pol_put(p->ent[p->i]);
	}
	if (w->what == PFKM_WALK_SA)
		xfrm_state_walk_done(&p->sw, xs->net);
	else
		xfrm_policy_walk_done(&p->pw, xs->net);
	pfkm_xfrm_sa_buf_wipe(&p->buf);
	kfree(p);
	w->priv = NULL;
	w->started = false;
}

static int walk_start(struct pfkm_store_walk *w)
{
	struct xwalk *p;

	if (w->started)
		return 0;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOBUFS;
	if (w->what == PFKM_WALK_SA)
		xfrm_state_walk_init(&p->sw, w->proto, NULL);
	else
		xfrm_policy_walk_init(&p->pw, XFRM_POLICY_TYPE_MAIN);
	w->priv = p;
	w->started = true;
	return 0;
}

/* Offer the held entries one by one; refill from xfrm's walker. The
 * caller ends every walk it started with walk_done.
 */
static int walk_run(struct pfkm_xfrm *xs, struct pfkm_store_walk *w, void *fn, void *arg)
{
	struct xwalk *p;
	int ret;

	ret = walk_start(w);
	if (ret)
		return ret;
	p = w->priv;
	for (;;) {
		while (p->i < p->n) {
			if (w->what == PFKM_WALK_SA) {
				struct xfrm_state *x = p->ent[p->i];

				ret = x->km.state == XFRM_STATE_DEAD ? -EINVAL :
				      pfkm_xfrm_sa_view(x, &p->buf);
				if (!ret)
					ret = ((pfkm_store_sa_fn)fn)(arg, &p->buf.sa);
				else if (ret == -EINVAL)
					ret = 0;	/* gone, or not PF_KEY's to show */
				if (ret)
					return ret;
				xfrm_state_put(x);
			} else {
				struct xfrm_policy *xp = p->ent[p->i];
				struct pfkm_policy *pol;

				ret = xp->walk.dead ? -EINVAL :
				      pfkm_xfrm_pol_from_policy(xp, p->dir[p->i], GFP_KERNEL, true,
								&pol);
				if (!ret) {
					/* as af_key's dump_sp reads it: without
					 * the reference this walk holds
					 */
					pol->refcnt--;
					ret = ((pfkm_store_pol_fn)fn)(arg, pol);
					pfkm_xfrm_pol_free(pol);
				} else if (ret == -EINVAL) {
					ret = 0;
				}
				if (ret)
					return ret;
				xfrm_pol_put(xp);
			}
			p->i++;
		}
		/* Complete: 0 again on every further call, as xfrm's walkers
		 * (af_key's dump calls again while its last message waits for
		 * room); the cursor goes in walk_done.
		 */
		if (p->end)
			return 0;
		p->n = 0;
		p->i = 0;
		if (w->what == PFKM_WALK_SA)
			ret = xfrm_state_walk(xs->net, &p->sw, collect_sa, p);
		else
			ret = xfrm_policy_walk(xs->net, &p->pw, collect_pol, p);
		if (ret <= 0)		/* 0: done; -ENOENT: nothing at all */
			p->end = true;
	}
}

static int sa_walk(struct pfkm_store *st, struct pfkm_store_walk *w, pfkm_store_sa_fn fn,
		   void *arg)
{
	w->what = PFKM_WALK_SA;
	return walk_run(pfkm_xfrm(st), w, (void *)fn, arg);
}

static int pol_walk(struct pfkm_store *st, struct pfkm_store_walk *w, pfkm_store_pol_fn fn,
		    void *arg)
{
	w->what = PFKM_WALK_POL;
	return walk_run(pfkm_xfrm(st), w, (void *)fn, arg);
}

static void walk_done(struct pfkm_store *st, struct pfkm_store_walk *w)
{
	walk_release(pfkm_xfrm(st), w);
}

static int pol_add(struct pfkm_store *st, struct pfkm_policy *p, bool excl,
		   const struct pfkm_store_origin *o)
{
	struct pfkm_xfrm *xs = pfkm_xfrm(st);
	struct km_event c = { .seq = o ? o->seq : 0, .portid = o ? o->pid : 0 };
	struct xfrm_policy *xp;
	int dir = p->dir - 1;
	int ret;

	ret = pfkm_xfrm_pol_to_policy(xs->net, p, &xp);
	pfkm_xfrm_pol_free(p);
	if (ret)
		return ret;
	ret = xfrm_policy_insert(dir, xp, excl);
	xfrm_audit_policy_add(xp, ret ? 0 : 1, true);
	if (ret) {
		xp->walk.dead = 1;
		xfrm_policy_destroy(xp);
		return ret;
	}
	c.event = excl ? XFRM_MSG_NEWPOLICY : XFRM_MSG_UPDPOLICY;
	own_policy_notify(xs, xp, dir, &c);
	xfrm_pol_put(xp);
	pfkm_xfrm_km_deliver(xs);
	return 0;
}

static int pol_delete(struct pfkm_store *st, uint8_t dir, const struct pfkm_sel *sel,
		      const struct pfkm_store_origin *o)
{
	struct pfkm_xfrm *xs = pfkm_xfrm(st);
	struct km_event c = { .seq = o ? o->seq : 0, .portid = o ? o->pid : 0 };
	struct xfrm_selector xsel;
	struct xfrm_policy *xp;
	int ret = 0;

	if (dir < IPSEC_DIR_INBOUND || dir > IPSEC_DIR_FWD)
		return -EINVAL;
	pfkm_xfrm_sel_to(sel, &xsel);
	xp = xfrm_policy_bysel_ctx(xs->net, &pfkm_xfrm_nomark, 0, XFRM_POLICY_TYPE_MAIN,
				   dir - 1, &xsel, NULL, 1, &ret);
	if (!xp)
		return ret ? ret : -ENOENT;
	xfrm_audit_policy_delete(xp, ret ? 0 : 1, true);
	if (!ret) {
		c.data.byid = 0;
		c.event = XFRM_MSG_DELPOLICY;
		own_policy_notify(xs, xp, dir - 1, &c);
	}
	xfrm_pol_put(xp);
	pfkm_xfrm_km_deliver(xs);
	return ret;
}

static int pol_get(struct pfkm_store *st, uint32_t id, bool del,
		   const struct pfkm_store_origin *o, const struct pfkm_policy **out)
{
	struct pfkm_xfrm *xs = pfkm_xfrm(st);
	struct km_event c = { .seq = o ? o->seq : 0, .portid = o ? o->pid : 0 };
	int dir = xfrm_policy_id2dir(id);
	struct pfkm_policy *p = NULL;
	struct xfrm_policy *xp;
	int ret = 0;

	if (dir >= XFRM_POLICY_MAX)
		return -EINVAL;
	xp = xfrm_policy_byid(xs->net, &pfkm_xfrm_nomark, 0, XFRM_POLICY_TYPE_MAIN, dir, id,
			      del, &ret);
	if (!xp)
		return ret ? ret : -ENOENT;
	if (del) {
		xfrm_audit_policy_delete(xp, ret ? 0 : 1, true);
		if (!ret) {
			c.data.byid = 1;
			c.event = XFRM_MSG_DELPOLICY;
			own_policy_notify(xs, xp, dir, &c);
		}
	}
	if (!ret)
		ret = pfkm_xfrm_pol_from_policy(xp, dir, GFP_KERNEL, true, &p);
	xfrm_pol_put(xp);
	pfkm_xfrm_km_deliver(xs);
	if (ret)
		return ret;
	*out = p;
	return 0;
}

static void pol_put(struct pfkm_store *st, const struct pfkm_policy *p)
{
	pfkm_xfrm_pol_free(p);
}

static u32 spd_count(struct net *net)
{
	struct xfrmk_spdinfo si;

	xfrm_spd_getinfo(net, &si);
	return si.incnt + si.outcnt + si.fwdcnt;
}

static int pol_flush(struct pfkm_store *st)
{
	struct pfkm_xfrm *xs = pfkm_xfrm(st);
	u32 a = spd_count(xs->net), b;
	int ret;

	ret = xfrm_policy_flush(xs->net, XFRM_POLICY_TYPE_MAIN, true);
	pfkm_xfrm_km_deliver(xs);
	if (ret == -ESRCH)
		return 0;
	if (ret < 0)
		return ret;
	b = spd_count(xs->net);
	return a > b ? (int)(a - b) : 1;
}

static void notify_flush(struct pfkm_store *st, uint8_t what, uint8_t proto,
			 const struct pfkm_store_origin *o)
{
	struct pfkm_xfrm *xs = pfkm_xfrm(st);
	struct km_event c = {
		.seq = o ? o->seq : 0, .portid = o ? o->pid : 0, .net = xs->net,
	};

	if (what == PFKM_WALK_SA) {
		c.data.proto = proto;
		c.event = XFRM_MSG_FLUSHSA;
		own_state_notify(xs, NULL, &c);
	} else {
		c.data.type = XFRM_POLICY_TYPE_MAIN;
		c.event = XFRM_MSG_FLUSHPOLICY;
		own_policy_notify(xs, NULL, 0, &c);
	}
	pfkm_xfrm_km_deliver(xs);
}

#ifdef CONFIG_XFRM_MIGRATE
static int migrate(struct pfkm_store *st, const struct pfkm_store_migrate *m)
{
	struct pfkm_xfrm *xs = pfkm_xfrm(st);
	struct xfrm_migrate xm[XFRM_MAX_DEPTH];
	struct xfrm_kmaddress k;
	struct xfrm_selector sel;
	unsigned int i;
	int ret;

	if (m->n < 1 || m->n > XFRM_MAX_DEPTH || m->dir < IPSEC_DIR_INBOUND ||
	    m->dir > IPSEC_DIR_FWD)
		return -EINVAL;
	pfkm_xfrm_sel_to(&m->sel, &sel);
	memset(xm, 0, sizeof(xm));
	for (i = 0; i < m->n; i++) {
		xm[i].proto = m->m[i].proto;
		xm[i].mode = pfkm_xfrm_mode_to(m->m[i].mode);
		xm[i].reqid = m->m[i].reqid;
		xm[i].old_family = m->m[i].family;
		xm[i].new_family = m->m[i].family;
		addr_to(&xm[i].old_saddr, &m->m[i].old_s);
		addr_to(&xm[i].old_daddr, &m->m[i].old_d);
		addr_to(&xm[i].new_saddr, &m->m[i].new_s);
		addr_to(&xm[i].new_daddr, &m->m[i].new_d);
	}
	memset(&k, 0, sizeof(k));
	if (m->kfam) {
		k.family = m->kfam;
		k.reserved = m->kres;
		addr_to(&k.local, &m->kl);
		addr_to(&k.remote, &m->kr);
	}
	WRITE_ONCE(xs->op_task, current);
	ret = pfkm_xfrm_migrate(&sel, m->dir - 1, xm, m->n, m->kfam ? &k : NULL, xs->net);
	WRITE_ONCE(xs->op_task, NULL);
	pfkm_xfrm_km_deliver(xs);
	return ret;
}
#else
#define migrate NULL
#endif

/*
 * The per-namespace limits' counts (af_pfkey.c), read per request without
 * the engine's lock: the same numbers info() reports. xfrm_sad_getinfo
 * would take xfrm_state_lock only to read state_num, which the limits,
 * which allow concurrent writers to overshoot, read as it is.
 */
u32 pfkm_xfrm_sa_count(struct net *net)
{
	return READ_ONCE(net->xfrm.state_num);
}

u32 pfkm_xfrm_pol_count(struct net *net)
{
	return spd_count(net);
}

static void info(struct pfkm_store *st, struct pfkm_store_info *out)
{
	struct pfkm_xfrm *xs = pfkm_xfrm(st);
	struct xfrmk_sadinfo si;

	xfrm_sad_getinfo(xs->net, &si);
	out->sas = si.sadcnt;
	out->policies = spd_count(xs->net);
}

static void destroy(struct pfkm_store *st)
{
	struct pfkm_xfrm *xs = pfkm_xfrm(st);

	pfkm_xfrm_km_detach(xs);
	kfree(xs);
}

static const struct pfkm_store_ops xfrm_ops = {
	.name = "xfrm",
	.destroy = destroy,
	.sa_add = sa_add,
	.sa_get = sa_get,
	.sa_put = sa_put,
	.sa_delete = sa_delete,
	.sa_flush = sa_flush,
	.sa_getspi = sa_getspi,
	.sa_acquire_error = sa_acquire_error,
	.sa_walk = sa_walk,
	.pol_add = pol_add,
	.pol_delete = pol_delete,
	.pol_get = pol_get,
	.pol_put = pol_put,
	.pol_flush = pol_flush,
	.pol_walk = pol_walk,
	.notify_flush = notify_flush,
	.walk_done = walk_done,
	.migrate = migrate,
	.info = info,
};

/* pfkm_store_make for pfkm_net_create_on(): arg is the struct net. */
int pfkm_store_xfrm_create(const struct pfkm_store_cb *cb, void *arg, struct pfkm_store **out)
{
	struct pfkm_xfrm *xs = kzalloc(sizeof(*xs), GFP_KERNEL);
	int ret;

	if (!xs)
		return -ENOBUFS;
	xs->st.ops = &xfrm_ops;
	xs->st.cb = *cb;
	xs->net = arg;
	ret = pfkm_xfrm_km_attach(xs);
	if (ret) {
		kfree(xs);
		return ret;
	}
	*out = &xs->st;
	return 0;
}
