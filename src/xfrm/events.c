// SPDX-License-Identifier: BSD-2-Clause
/*
 * events.c: owns the translation of XFRM netlink notifications (the
 * XFRMNLGRP_SA, POLICY, EXPIRE, ACQUIRE, MAPPING and MIGRATE groups) into
 * the store events PF_KEY reports (store.h): NEWSA -> SA_ADD, UPDSA ->
 * SA_UPDATE, DELSA -> SA_DELETE, FLUSHSA -> SA_FLUSH, EXPIRE -> SA_EXPIRE,
 * ACQUIRE -> ACQUIRE, MAPPING -> NEW_MAPPING, NEWPOLICY/UPDPOLICY/
 * DELPOLICY/FLUSHPOLICY/POLEXPIRE -> POL_*, MIGRATE -> MIGRATE. AEVENTS
 * (NEWAE) and REPORT have no PF_KEY form: -EOPNOTSUPP, the store counts
 * them.
 */
#include <netinet/udp.h>
#include "xfrm.h"

uint32_t xfrm_ev_groups(unsigned int events)
{
	static const uint8_t grp[] = {
		XFRMNLGRP_SA, XFRMNLGRP_POLICY, XFRMNLGRP_EXPIRE, XFRMNLGRP_ACQUIRE,
		XFRMNLGRP_MAPPING, XFRMNLGRP_MIGRATE, XFRMNLGRP_AEVENTS,
	};
	uint32_t mask = 0;
	unsigned int i;

	for (i = 0; i < sizeof(grp); i++)
		if (events & (1u << i))
			mask |= 1u << (grp[i] - 1);
	return mask;
}

void xfrm_ev_free(struct xfrm_ev *e)
{
	if (e->sa)
		pfkm_sadb_sa_free(e->sa);
	if (e->pol)
		pfkm_spd_policy_put(e->pol);
	memset(e, 0, sizeof(*e));
}

static const void *payload(const struct nlmsghdr *nlh, size_t len)
{
	return nlh->nlmsg_len >= mnl_nlmsg_size(len) ? mnl_nlmsg_get_payload(nlh) : NULL;
}

/* DELSA and EXPIRE carry an xfrm_usersa_info (in XFRMA_SA, or in place). */
static int sa_in(const struct nlmsghdr *nlh, size_t off, const struct xfrm_usersa_info *p,
		 struct xfrm_ev *e)
{
	const struct nlattr *tb[XFRMA_MAX + 1];
	int ret = xfrm_nl_attrs(nlh, off, tb);

	if (ret)
		return ret;
	if (!p) {
		if (!tb[XFRMA_SA])
			return -EINVAL;
		p = mnl_attr_get_payload(tb[XFRMA_SA]);
	}
	ret = xfrm_sa_parse(p, tb, &e->sa);
	if (!ret)
		e->ev.sa = e->sa;
	return ret;
}

static int pol_in(const struct nlmsghdr *nlh, size_t off, const struct xfrm_userpolicy_info *u,
		  struct xfrm_ev *e)
{
	const struct nlattr *tb[XFRMA_MAX + 1];
	int ret = xfrm_nl_attrs(nlh, off, tb);

	if (ret)
		return ret;
	if (!u) {
		if (!tb[XFRMA_POLICY])
			return -EINVAL;
		u = mnl_attr_get_payload(tb[XFRMA_POLICY]);
	}
	ret = xfrm_pol_parse(u, tb, &e->pol);
	if (!ret)
		e->ev.pol = e->pol;
	return ret;
}

/*
 * The larval SA an ACQUIRE announces: xfrm_user_acquire has its id, source
 * and flow selector; its family, mode and reqid are the template's that
 * asked for it (xfrm_state_find: props from the template), the first of the
 * policy's of that protocol and, in tunnel mode, that destination.
 */
static int acquire_in(const struct nlmsghdr *nlh, struct xfrm_ev *e)
{
	const struct xfrm_user_acquire *ua = payload(nlh, sizeof(*ua));
	const struct pfkm_tmpl *t = NULL;
	struct pfkm_sa *x;
	unsigned int i, fam;
	int ret;

	if (!ua)
		return -EINVAL;
	ret = pol_in(nlh, sizeof(*ua), &ua->policy, e);
	if (ret)
		return ret;
	for (i = 0; i < e->pol->ntmpl && !t; i++) {
		const struct pfkm_tmpl *c = &e->pol->tmpl[i];
		struct pfkm_addr d;

		if (c->proto != ua->id.proto)
			continue;
		xfrm_addr_in(&d, &ua->id.daddr, c->family);
		if (c->mode != IPSEC_MODE_TUNNEL || pfkm_addr_equal(c->family, &d, &c->daddr))
			t = c;
	}
	fam = t ? t->family : ua->sel.family;
	if (!pfkm_addr_bytes(fam))
		return -EOPNOTSUPP;
	x = pfkm_sadb_sa_alloc();
	if (!x)
		return -ENOMEM;
	x->proto = ua->id.proto;
	x->family = (uint8_t)fam;
	x->mode = t ? t->mode : IPSEC_MODE_TRANSPORT;
	x->reqid = t ? t->reqid : 0;
	x->spi = ua->id.spi;
	xfrm_addr_in(&x->daddr, &ua->id.daddr, fam);
	xfrm_addr_in(&x->saddr, &ua->saddr, fam);
	x->seq = ua->seq;
	x->state = PFKM_SA_LARVAL;
	x->sel_family = (uint8_t)(pfkm_addr_bytes(ua->sel.family) ? ua->sel.family : fam);
	xfrm_addr_in(&x->sel_saddr, &ua->sel.saddr, x->sel_family);
	x->sel_plen = ua->sel.prefixlen_s;
	x->sel_proto = ua->sel.proto;
	x->sel_sport = ua->sel.sport;
	x->cur.addtime = os_time_real();
	x->add_ms = os_time_mono_ms();
	e->sa = x;
	e->ev.sa = x;
	return 0;
}

/* xfrm_user_mapping: the SA by id, its old source and port, the new peer.
 * Mappings are reported for ESP-in-UDP SAs only. */
static int mapping_in(const struct nlmsghdr *nlh, struct xfrm_ev *e)
{
	const struct xfrm_user_mapping *um = payload(nlh, sizeof(*um));
	struct pfkm_sa *x;

	if (!um)
		return -EINVAL;
	if (!pfkm_addr_bytes(um->id.family))
		return -EOPNOTSUPP;
	x = pfkm_sadb_sa_alloc();
	if (!x)
		return -ENOMEM;
	x->proto = um->id.proto;
	x->family = (uint8_t)um->id.family;
	x->spi = um->id.spi;
	x->reqid = um->reqid;
	xfrm_addr_in(&x->daddr, &um->id.daddr, x->family);
	xfrm_addr_in(&x->saddr, &um->old_saddr, x->family);
	x->mode = IPSEC_MODE_TRANSPORT;
	x->state = PFKM_SA_MATURE;
	x->natt_type = UDP_ENCAP_ESPINUDP;
	x->natt_sport = um->old_sport;
	x->sel_family = x->family;
	e->sa = x;
	e->ev.sa = x;
	xfrm_addr_in(&e->addr, &um->new_saddr, x->family);
	e->ev.addr = &e->addr;
	e->ev.port = um->new_sport;
	return 0;
}

static int migrate_in(const struct nlmsghdr *nlh, struct xfrm_ev *e)
{
	const struct xfrm_userpolicy_id *id = payload(nlh, sizeof(*id));
	const struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_user_migrate *um;
	struct pfkm_store_migrate *m = &e->mig;
	size_t n, i;
	int ret;

	if (!id)
		return -EINVAL;
	ret = xfrm_nl_attrs(nlh, sizeof(*id), tb);
	if (ret)
		return ret;
	if (!tb[XFRMA_MIGRATE] || id->dir >= XFRM_POLICY_MAX || !pfkm_addr_bytes(id->sel.family))
		return -EINVAL;
	if (tb[XFRMA_POLICY_TYPE]) {
		const struct xfrm_userpolicy_type *t = mnl_attr_get_payload(tb[XFRMA_POLICY_TYPE]);

		if (t->type != XFRM_POLICY_TYPE_MAIN)
			return -EOPNOTSUPP;
	}
	um = mnl_attr_get_payload(tb[XFRMA_MIGRATE]);
	n = mnl_attr_get_payload_len(tb[XFRMA_MIGRATE]) / sizeof(*um);
	if (n > PFKM_MAX_TEMPLATES)
		return -EINVAL;
	xfrm_pol_sel_in(&m->sel, &id->sel);
	m->dir = id->dir + 1;
	for (i = 0; i < n; i++) {
		struct pfkm_store_mig *g = &m->m[i];
		int mode = xfrm_mode_from_nl(um[i].mode);

		/* PF_KEY's MIGRATE moves endpoints within one family */
		if (mode < 0 || !pfkm_addr_bytes(um[i].old_family) ||
		    um[i].new_family != um[i].old_family)
			return -EOPNOTSUPP;
		g->proto = um[i].proto;
		g->mode = (uint8_t)mode;
		g->family = (uint8_t)um[i].old_family;
		g->reqid = um[i].reqid;
		xfrm_addr_in(&g->old_s, &um[i].old_saddr, g->family);
		xfrm_addr_in(&g->old_d, &um[i].old_daddr, g->family);
		xfrm_addr_in(&g->new_s, &um[i].new_saddr, g->family);
		xfrm_addr_in(&g->new_d, &um[i].new_daddr, g->family);
	}
	m->n = (unsigned int)n;
	if (tb[XFRMA_KMADDRESS]) {
		const struct xfrm_user_kmaddress *k = mnl_attr_get_payload(tb[XFRMA_KMADDRESS]);

		if (pfkm_addr_bytes(k->family)) {
			m->kfam = k->family;
			xfrm_addr_in(&m->kl, &k->local, k->family);
			xfrm_addr_in(&m->kr, &k->remote, k->family);
			m->kres = k->reserved;
		}
	}
	e->ev.mig = m;
	return 0;
}

static int flushpol_in(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[XFRMA_MAX + 1];
	int ret = xfrm_nl_attrs(nlh, 0, tb);

	if (ret)
		return ret;
	if (tb[XFRMA_POLICY_TYPE]) {
		const struct xfrm_userpolicy_type *t = mnl_attr_get_payload(tb[XFRMA_POLICY_TYPE]);

		if (t->type != XFRM_POLICY_TYPE_MAIN)
			return -EOPNOTSUPP;
	}
	return 0;
}

int xfrm_ev_parse(const struct nlmsghdr *nlh, struct xfrm_ev *e)
{
	int ret;

	memset(e, 0, sizeof(*e));
	switch (nlh->nlmsg_type) {
	case XFRM_MSG_NEWSA:
	case XFRM_MSG_UPDSA:
		e->ev.kind = nlh->nlmsg_type == XFRM_MSG_NEWSA ? PFKM_EV_SA_ADD : PFKM_EV_SA_UPDATE;
		ret = xfrm_sa_from_msg(nlh, &e->sa);
		e->ev.sa = e->sa;
		break;
	case XFRM_MSG_DELSA:
		e->ev.kind = PFKM_EV_SA_DELETE;
		ret = payload(nlh, sizeof(struct xfrm_usersa_id)) ?
		      sa_in(nlh, sizeof(struct xfrm_usersa_id), NULL, e) : -EINVAL;
		if (!ret)
			e->sa->state = PFKM_SA_DEAD;
		break;
	case XFRM_MSG_FLUSHSA: {
		const struct xfrm_usersa_flush *f = payload(nlh, sizeof(*f));

		e->ev.kind = PFKM_EV_SA_FLUSH;
		e->ev.proto = f && f->proto ? f->proto : IPSEC_PROTO_ANY;
		ret = f ? 0 : -EINVAL;
		break;
	}
	case XFRM_MSG_EXPIRE: {
		const struct xfrm_user_expire *x = payload(nlh, sizeof(*x));

		e->ev.kind = PFKM_EV_SA_EXPIRE;
		ret = x ? sa_in(nlh, sizeof(*x), &x->state, e) : -EINVAL;
		if (!ret) {
			/* hard: deleted as it expired; soft: dying. The kernel's
			 * EXPIRE carries no algorithms (build_expire): the state
			 * is the message's, not guessed from them. */
			e->ev.hard = x->hard;
			e->sa->state = x->hard ? PFKM_SA_DEAD : PFKM_SA_MATURE;
			e->sa->dying = !x->hard;
		}
		break;
	}
	case XFRM_MSG_ACQUIRE:
		e->ev.kind = PFKM_EV_ACQUIRE;
		ret = acquire_in(nlh, e);
		break;
	case XFRM_MSG_MAPPING:
		e->ev.kind = PFKM_EV_NEW_MAPPING;
		ret = mapping_in(nlh, e);
		break;
	case XFRM_MSG_MIGRATE:
		e->ev.kind = PFKM_EV_MIGRATE;
		ret = migrate_in(nlh, e);
		break;
	case XFRM_MSG_NEWPOLICY:
	case XFRM_MSG_UPDPOLICY:
		e->ev.kind = nlh->nlmsg_type == XFRM_MSG_NEWPOLICY ? PFKM_EV_POL_ADD :
								     PFKM_EV_POL_UPDATE;
		ret = xfrm_pol_from_msg(nlh, &e->pol);
		e->ev.pol = e->pol;
		break;
	case XFRM_MSG_DELPOLICY: {
		const struct xfrm_userpolicy_id *id = payload(nlh, sizeof(*id));

		e->ev.kind = PFKM_EV_POL_DELETE;
		ret = id ? pol_in(nlh, sizeof(*id), NULL, e) : -EINVAL;
		if (!ret) {
			e->ev.by_id = id->index != 0;
			e->pol->linked = false;
		}
		break;
	}
	case XFRM_MSG_FLUSHPOLICY:
		e->ev.kind = PFKM_EV_POL_FLUSH;
		ret = flushpol_in(nlh);
		break;
	case XFRM_MSG_POLEXPIRE: {
		const struct xfrm_user_polexpire *x = payload(nlh, sizeof(*x));

		e->ev.kind = PFKM_EV_POL_EXPIRE;
		ret = x ? pol_in(nlh, sizeof(*x), &x->pol, e) : -EINVAL;
		if (!ret)
			e->ev.hard = x->hard;
		break;
	}
	default:
		ret = -EOPNOTSUPP;	/* NEWAE, REPORT, anything newer */
		break;
	}
	if (ret)
		xfrm_ev_free(e);
	return ret;
}
