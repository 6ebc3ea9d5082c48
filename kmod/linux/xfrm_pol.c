// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * xfrm_pol.c: owns the translation between the engine's policy value
 * (struct pfkm_policy) and the kernel's (struct xfrm_policy), both ways,
 * with af_key's mapping (pfkey_spdadd, parse_ipsecrequests,
 * pfkey_xfrm_policy2msg): PF_KEY directions in/out/fwd are xfrm's
 * XFRM_POLICY_IN/OUT/FWD (one less), "discard" is XFRM_POLICY_BLOCK, level
 * "use" an optional template, every template accepts every algorithm.
 */
#include <linux/slab.h>
#include "store_xfrm.h"

void pfkm_xfrm_sel_to(const struct pfkm_sel *s, struct xfrm_selector *sel)
{
	memset(sel, 0, sizeof(*sel));
	sel->family = s->family;
	memcpy(&sel->saddr, &s->saddr, sizeof(sel->saddr));
	memcpy(&sel->daddr, &s->daddr, sizeof(sel->daddr));
	sel->prefixlen_s = s->splen;
	sel->prefixlen_d = s->dplen;
	sel->proto = s->proto;
	sel->sport = s->sport;
	sel->dport = s->dport;
	if (s->sport)
		sel->sport_mask = htons(0xffff);
	if (s->dport)
		sel->dport_mask = htons(0xffff);
}

void pfkm_xfrm_sel_from(const struct xfrm_selector *sel, struct pfkm_sel *s)
{
	memset(s, 0, sizeof(*s));
	s->family = (u8)sel->family;
	memcpy(&s->saddr, &sel->saddr, sizeof(s->saddr));
	memcpy(&s->daddr, &sel->daddr, sizeof(s->daddr));
	s->splen = sel->prefixlen_s;
	s->dplen = sel->prefixlen_d;
	s->proto = sel->proto;
	s->sport = sel->sport;
	s->dport = sel->dport;
}

int pfkm_xfrm_pol_to_policy(struct net *net, const struct pfkm_policy *p,
			    struct xfrm_policy **out)
{
	struct xfrm_policy *xp;
	unsigned int i;

	if (p->ntmpl > XFRM_MAX_DEPTH || p->dir < IPSEC_DIR_INBOUND || p->dir > IPSEC_DIR_FWD)
		return -EINVAL;
	xp = xfrm_policy_alloc(net, GFP_KERNEL_ACCOUNT);
	if (!xp)
		return -ENOBUFS;
	xp->type = XFRM_POLICY_TYPE_MAIN;
	xp->action = p->block ? XFRM_POLICY_BLOCK : XFRM_POLICY_ALLOW;
	xp->priority = p->priority;
	xp->family = p->sel.family;
	pfkm_xfrm_sel_to(&p->sel, &xp->selector);
	pfkm_xfrm_lft_to(&p->hard, &p->soft, &xp->lft);
	for (i = 0; i < p->ntmpl; i++) {
		const struct pfkm_tmpl *t = &p->tmpl[i];
		struct xfrm_tmpl *xt = &xp->xfrm_vec[i];

		xt->id.proto = t->proto;
		xt->mode = pfkm_xfrm_mode_to(t->mode);
		xt->optional = t->optional;
		xt->reqid = t->reqid;
		xt->encap_family = t->family;
		if (t->mode == IPSEC_MODE_TUNNEL) {
			memcpy(&xt->saddr, &t->saddr, sizeof(xt->saddr));
			memcpy(&xt->id.daddr, &t->daddr, sizeof(xt->id.daddr));
		}
		xt->allalgs = 1;
		xt->aalgos = ~0U;
		xt->ealgos = ~0U;
		xt->calgos = ~0U;
	}
	xp->xfrm_nr = p->ntmpl;
	*out = xp;
	return 0;
}

/* Everything PF_KEY shows (xp->lock held, or a km callback). */
static void copy_fields(struct xfrm_policy *xp, int dir, struct pfkm_policy *p)
{
	int i;

	p->dir = dir + 1;
	p->block = xp->action == XFRM_POLICY_BLOCK;
	p->id = xp->index;
	p->priority = xp->priority;
	/* What af_key shows in sadb_msg_reserved. */
	p->refcnt = refcount_read(&xp->refcnt);
	pfkm_xfrm_sel_from(&xp->selector, &p->sel);
	pfkm_xfrm_lft_from(&xp->lft, &xp->curlft, &p->hard, &p->soft, &p->cur);
	for (i = 0; i < xp->xfrm_nr; i++) {
		const struct xfrm_tmpl *xt = &xp->xfrm_vec[i];
		struct pfkm_tmpl *t = &p->tmpl[i];

		t->proto = xt->id.proto;
		t->mode = pfkm_xfrm_mode_from(xt->mode);
		t->family = (u8)xt->encap_family;
		t->optional = xt->optional;
		t->reqid = xt->reqid;
		memcpy(&t->saddr, &xt->saddr, sizeof(t->saddr));
		memcpy(&t->daddr, &xt->id.daddr, sizeof(t->daddr));
	}
	p->ntmpl = (u8)xp->xfrm_nr;
}

int pfkm_xfrm_pol_from_policy(struct xfrm_policy *xp, int dir, gfp_t gfp, bool lock,
			      struct pfkm_policy **out)
{
	struct pfkm_policy *p;

	if (dir < XFRM_POLICY_IN || dir > XFRM_POLICY_FWD || xp->xfrm_nr > PFKM_MAX_TEMPLATES ||
	    (xp->selector.family != AF_INET && xp->selector.family != AF_INET6))
		return -EINVAL;
	p = kzalloc(sizeof(*p), gfp);
	if (!p)
		return -ENOBUFS;
	p->all.next = &p->all;
	p->all.prev = &p->all;
	if (lock) {
		read_lock_bh(&xp->lock);
		copy_fields(xp, dir, p);
		read_unlock_bh(&xp->lock);
	} else {
		copy_fields(xp, dir, p);
	}
	*out = p;
	return 0;
}

/* A translated copy is ours alone, whatever refcnt says (af_key's count). */
void pfkm_xfrm_pol_free(const struct pfkm_policy *p)
{
	os_free((void *)p);
}
