// SPDX-License-Identifier: BSD-2-Clause
/*
 * pol.c: owns the translation between struct pfkm_policy and XFRM
 * netlink's policy (xfrm_userpolicy_info, XFRMA_TMPL, xfrm_userpolicy_id),
 * both ways, as af_key builds xfrm policies (pfkey_spdadd,
 * parse_ipsecrequest): port masks only for ports given, the upper protocol
 * 0 for any, templates of every algorithm (allalgs), transport templates
 * of the policy's family without addresses.
 */
#include "xfrm.h"

void xfrm_pol_sel_out(struct xfrm_selector *to, const struct pfkm_sel *from)
{
	memset(to, 0, sizeof(*to));
	to->family = from->family;
	xfrm_addr_out(&to->saddr, &from->saddr, from->family);
	xfrm_addr_out(&to->daddr, &from->daddr, from->family);
	to->prefixlen_s = from->splen;
	to->prefixlen_d = from->dplen;
	to->proto = from->proto;
	to->sport = from->sport;
	to->sport_mask = from->sport ? 0xffff : 0;
	to->dport = from->dport;
	to->dport_mask = from->dport ? 0xffff : 0;
}

void xfrm_pol_sel_in(struct pfkm_sel *to, const struct xfrm_selector *from)
{
	memset(to, 0, sizeof(*to));
	to->family = (uint8_t)from->family;
	xfrm_addr_in(&to->saddr, &from->saddr, from->family);
	xfrm_addr_in(&to->daddr, &from->daddr, from->family);
	to->splen = from->prefixlen_s;
	to->dplen = from->prefixlen_d;
	to->proto = from->proto;
	to->sport = from->sport & from->sport_mask;
	to->dport = from->dport & from->dport_mask;
}

int xfrm_pol_put(struct nlmsghdr *nlh, size_t cap, const struct pfkm_policy *p)
{
	struct xfrm_userpolicy_info *u;
	struct xfrm_user_tmpl *ut;
	unsigned int i;

	if (p->dir < IPSEC_DIR_INBOUND || p->dir > IPSEC_DIR_FWD ||
	    !pfkm_addr_bytes(p->sel.family) || p->ntmpl > PFKM_MAX_TEMPLATES)
		return -EINVAL;
	if (MNL_ALIGN(nlh->nlmsg_len) + MNL_ALIGN(sizeof(*u)) > cap)
		return -EMSGSIZE;
	u = mnl_nlmsg_put_extra_header(nlh, sizeof(*u));
	xfrm_pol_sel_out(&u->sel, &p->sel);
	xfrm_lft_out(&u->lft, &p->hard, &p->soft);
	u->priority = p->priority;
	u->index = p->id;
	u->dir = p->dir - 1;
	u->action = p->block ? XFRM_POLICY_BLOCK : XFRM_POLICY_ALLOW;
	if (!p->ntmpl)
		return 0;
	ut = xfrm_nl_attr_reserve(nlh, cap, XFRMA_TMPL, p->ntmpl * sizeof(*ut));
	if (!ut)
		return -EMSGSIZE;
	for (i = 0; i < p->ntmpl; i++) {
		const struct pfkm_tmpl *t = &p->tmpl[i];
		int mode = xfrm_mode_to_nl(t->mode);
		unsigned int fam = t->family ? t->family : p->sel.family;

		if (mode < 0 || !pfkm_addr_bytes(fam))
			return -EINVAL;
		ut[i].id.proto = t->proto;
		ut[i].family = (uint16_t)fam;
		if (t->mode == IPSEC_MODE_TUNNEL) {
			xfrm_addr_out(&ut[i].id.daddr, &t->daddr, fam);
			xfrm_addr_out(&ut[i].saddr, &t->saddr, fam);
		}
		ut[i].reqid = t->reqid;
		ut[i].mode = (uint8_t)mode;
		ut[i].optional = t->optional;
		/* "No way to set this via kame pfkey": all algorithms */
		ut[i].aalgos = ~0u;
		ut[i].ealgos = ~0u;
		ut[i].calgos = ~0u;
	}
	return 0;
}

void xfrm_pol_id_put(struct nlmsghdr *nlh, uint8_t dir, const struct pfkm_sel *sel, uint32_t index)
{
	struct xfrm_userpolicy_id *u = mnl_nlmsg_put_extra_header(nlh, sizeof(*u));

	if (sel)
		xfrm_pol_sel_out(&u->sel, sel);
	u->index = index;
	u->dir = dir - 1;
}

static int tmpls_in(struct pfkm_policy *p, const struct nlattr *a)
{
	const struct xfrm_user_tmpl *ut = mnl_attr_get_payload(a);
	size_t n = mnl_attr_get_payload_len(a) / sizeof(*ut), i;

	if (n > PFKM_MAX_TEMPLATES)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		struct pfkm_tmpl *t = &p->tmpl[i];
		unsigned int fam = ut[i].family ? ut[i].family : p->sel.family;
		int mode = xfrm_mode_from_nl(ut[i].mode);

		if (mode < 0 || !pfkm_addr_bytes(fam))
			return -EOPNOTSUPP;
		t->proto = ut[i].id.proto;
		t->mode = (uint8_t)mode;
		t->family = (uint8_t)fam;
		t->optional = ut[i].optional;
		t->reqid = ut[i].reqid;
		xfrm_addr_in(&t->daddr, &ut[i].id.daddr, fam);
		xfrm_addr_in(&t->saddr, &ut[i].saddr, fam);
	}
	p->ntmpl = (uint8_t)n;
	return 0;
}

int xfrm_pol_parse(const struct xfrm_userpolicy_info *u, const struct nlattr *const tb[XFRMA_MAX + 1],
		   struct pfkm_policy **out)
{
	uint64_t now_real = os_time_real(), now_ms = os_time_mono_ms();
	struct pfkm_policy *p;
	int ret;

	if (u->dir >= XFRM_POLICY_MAX)
		return -EOPNOTSUPP;	/* a socket policy */
	if (tb[XFRMA_POLICY_TYPE]) {
		const struct xfrm_userpolicy_type *t = mnl_attr_get_payload(tb[XFRMA_POLICY_TYPE]);

		if (t->type != XFRM_POLICY_TYPE_MAIN)
			return -EOPNOTSUPP;
	}
	if (!pfkm_addr_bytes(u->sel.family))
		return -EOPNOTSUPP;
	p = pfkm_spd_policy_alloc();
	if (!p)
		return -ENOMEM;
	xfrm_pol_sel_in(&p->sel, &u->sel);
	xfrm_lft_in(&p->hard, &p->soft, &u->lft);
	p->cur.bytes = u->curlft.bytes;
	p->cur.packets = u->curlft.packets;
	p->cur.addtime = u->curlft.add_time;
	p->cur.usetime = u->curlft.use_time;
	if (u->curlft.add_time && u->curlft.add_time <= now_real)
		p->add_ms = now_ms - (now_real - u->curlft.add_time) * 1000;
	if (u->curlft.use_time && u->curlft.use_time <= now_real)
		p->use_ms = now_ms - (now_real - u->curlft.use_time) * 1000;
	p->priority = u->priority;
	p->id = u->index;
	p->dir = u->dir + 1;
	p->block = u->action == XFRM_POLICY_BLOCK;
	/* In the kernel's table: its one reference, as the memory store's
	 * (the engine derives sadb_msg_reserved from both, as af_key). */
	p->linked = true;
	if (tb[XFRMA_TMPL]) {
		ret = tmpls_in(p, tb[XFRMA_TMPL]);
		if (ret) {
			pfkm_spd_policy_put(p);
			return ret;
		}
	}
	*out = p;
	return 0;
}

int xfrm_pol_from_msg(const struct nlmsghdr *nlh, struct pfkm_policy **out)
{
	const struct nlattr *tb[XFRMA_MAX + 1];
	int ret;

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY && nlh->nlmsg_type != XFRM_MSG_UPDPOLICY)
		return -EINVAL;
	ret = xfrm_nl_attrs(nlh, sizeof(struct xfrm_userpolicy_info), tb);
	if (ret)
		return ret;
	return xfrm_pol_parse(mnl_nlmsg_get_payload(nlh), tb, out);
}
