/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * store_xfrm.h: the kernel xfrm store of pfkeyv2.ko (store.h on the
 * kernel's own SAD and SPD). Shared by its four files:
 *   store_xfrm.c  the store object and its ops (the xfrm API calls)
 *   xfrm_sa.c     struct pfkm_sa <-> struct xfrm_state
 *   xfrm_pol.c    struct pfkm_policy <-> struct xfrm_policy
 *   xfrm_km.c     the key manager (xfrm_register_km): notify, acquire,
 *                 new_mapping, migrate, notify_policy queued as events
 * and the few xfrm API differences between Linux 6.1 and 6.12.
 */
#ifndef PFKM_STORE_XFRM_H
#define PFKM_STORE_XFRM_H

#include <linux/version.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/xfrm.h>
#include "store.h"

/* af_key's DUMMY_MARK: PF_KEY has no marks. */
extern const struct xfrm_mark pfkm_xfrm_nomark;

struct pfkm_xfrm {
	struct pfkm_store st;		/* first: the engine's handle */
	struct net *net;
	struct list_head node;		/* every store (xfrm_km.c), by net */
	struct list_head queue;		/* events not yet delivered */
	struct work_struct work;	/* delivers what atomic context queued */
	/* The task inside one of this store's own km_*_notify calls: what it
	 * queues is delivered by the op itself, no work item needed.
	 */
	struct task_struct *op_task;
	/* sa_add's request SA, offered to pk_notify for the event of that
	 * ADD/UPDATE (xfrm_km.c takes it under km_lock when op_task is the
	 * caller); NULL outside sa_add.
	 */
	struct pfkm_sa *own_sa;
};

static inline struct pfkm_xfrm *pfkm_xfrm(struct pfkm_store *st)
{
	return container_of(st, struct pfkm_xfrm, st);
}

/* store_xfrm.c: pfkm_store_make for pfkm_net_create_on(); arg: struct net *. */
int pfkm_store_xfrm_create(const struct pfkm_store_cb *cb, void *arg, struct pfkm_store **out);
u32 pfkm_xfrm_sa_count(struct net *net);
u32 pfkm_xfrm_pol_count(struct net *net);

/* xfrm_sa.c */
/* A new xfrm_state (not initialised, not inserted) described by sa. */
int pfkm_xfrm_sa_to_state(struct net *net, const struct pfkm_sa *sa, struct xfrm_state **out);
/*
 * An SA value copied from x (keys included), freed by pfkm_sadb_sa_free;
 * -EINVAL for what PF_KEY cannot show (a mode or family af_key skips too),
 * -ENOBUFS. lock: take x->lock for the copy (false where the caller may
 * hold it: km callbacks, with gfp GFP_ATOMIC).
 */
int pfkm_xfrm_sa_from_state(struct xfrm_state *x, gfp_t gfp, bool lock, struct pfkm_sa **out);
/*
 * A walk's view of one state after another without an allocation each:
 * b->sa is valid until the next call, its keys in b->keys (grown as
 * needed); pfkm_xfrm_sa_buf_wipe wipes and frees them. -EINVAL as above.
 */
struct pfkm_xfrm_sa_buf {
	struct pfkm_sa sa;
	u8 *keys;
	size_t cap;
};

int pfkm_xfrm_sa_view(struct xfrm_state *x, struct pfkm_xfrm_sa_buf *b);
void pfkm_xfrm_sa_buf_wipe(struct pfkm_xfrm_sa_buf *b);
/*
 * Refill sa, the request x was made from, with x's values as
 * pfkm_xfrm_sa_from_state would copy them (a km callback: no lock),
 * keeping its key block: -ESTALE when x's keys are not sa's (the caller
 * copies instead), -EINVAL as above.
 */
int pfkm_xfrm_sa_adopt(struct xfrm_state *x, struct pfkm_sa *sa);
u8 pfkm_xfrm_mode_to(u8 ipsec_mode);
u8 pfkm_xfrm_mode_from(u8 xfrm_mode);

/* xfrm_lft.c: PF_KEY lifetimes (0 = none) <-> xfrm_lifetime_cfg (XFRM_INF
 * = none) and xfrm_lifetime_cur, for SAs and policies alike.
 */
void pfkm_xfrm_lft_to(const struct pfkm_lifetime *hard, const struct pfkm_lifetime *soft,
		      struct xfrm_lifetime_cfg *lft);
void pfkm_xfrm_lft_from(const struct xfrm_lifetime_cfg *lft, const struct xfrm_lifetime_cur *cur,
			struct pfkm_lifetime *hard, struct pfkm_lifetime *soft,
			struct pfkm_lifetime *now);

/* xfrm_pol.c */
void pfkm_xfrm_sel_to(const struct pfkm_sel *s, struct xfrm_selector *sel);
void pfkm_xfrm_sel_from(const struct xfrm_selector *sel, struct pfkm_sel *s);
int pfkm_xfrm_pol_to_policy(struct net *net, const struct pfkm_policy *p,
			    struct xfrm_policy **out);
/* dir: XFRM_POLICY_IN/OUT/FWD. -EINVAL for a policy PF_KEY cannot show;
 * lock and gfp as pfkm_xfrm_sa_from_state.
 */
int pfkm_xfrm_pol_from_policy(struct xfrm_policy *xp, int dir, gfp_t gfp, bool lock,
			      struct pfkm_policy **out);
void pfkm_xfrm_pol_free(const struct pfkm_policy *p);

/* xfrm_km.c */
int pfkm_xfrm_km_attach(struct pfkm_xfrm *xs);
void pfkm_xfrm_km_detach(struct pfkm_xfrm *xs);
/* Deliver every queued event (engine lock held). */
void pfkm_xfrm_km_deliver(struct pfkm_xfrm *xs);
void pfkm_xfrm_km_work(struct work_struct *work);

/* 6.1 / 6.12 differences in the exported xfrm API. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define pfkm_xfrm_find_acq_byseq(net, seq) \
	xfrm_find_acq_byseq(net, 0, seq, UINT_MAX)
#define pfkm_xfrm_find_acq(net, mode, reqid, proto, d, s, family) \
	xfrm_find_acq(net, &pfkm_xfrm_nomark, mode, reqid, 0, UINT_MAX, proto, d, s, 1, family)
#define pfkm_xfrm_alloc_spi(x, lo, hi) xfrm_alloc_spi(x, lo, hi, NULL)
#define pfkm_xfrm_migrate(sel, dir, m, n, k, net) \
	xfrm_migrate(sel, dir, XFRM_POLICY_TYPE_MAIN, m, n, k, net, NULL, 0, NULL)
#else
#define pfkm_xfrm_find_acq_byseq(net, seq) xfrm_find_acq_byseq(net, 0, seq)
#define pfkm_xfrm_find_acq(net, mode, reqid, proto, d, s, family) \
	xfrm_find_acq(net, &pfkm_xfrm_nomark, mode, reqid, 0, proto, d, s, 1, family)
#define pfkm_xfrm_alloc_spi(x, lo, hi) xfrm_alloc_spi(x, lo, hi)
#define pfkm_xfrm_migrate(sel, dir, m, n, k, net) \
	xfrm_migrate(sel, dir, XFRM_POLICY_TYPE_MAIN, m, n, k, net, NULL, 0)
#endif

#endif /* PFKM_STORE_XFRM_H */
