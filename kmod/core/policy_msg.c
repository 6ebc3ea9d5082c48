// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * policy_msg.c: owns the translation between policy messages and struct
 * pfkm_policy: selectors from SRC/DST, the X_POLICY extension and its
 * ipsecrequest templates (af_key's pfkey_spdadd, parse_ipsecrequests,
 * gen_reqid) and the composed form every policy reply, broadcast and dump
 * entry carries (pfkey_xfrm_policy2msg).
 */
#include "net.h"

/* Auto reqids are tried at most this often before giving up (ENOBUFS). */
#define REQID_TRIES 65536u

/* pfkey_proto_to_xfrm / _from_xfrm: IPSEC_PROTO_ANY is 0 in a selector. */
static uint8_t proto_to_sel(uint8_t p)
{
	return p == IPSEC_PROTO_ANY ? 0 : p;
}

static uint8_t proto_from_sel(uint8_t p)
{
	return p ? p : IPSEC_PROTO_ANY;
}

int pfkm_policy_msg_sel(const struct pfkm_req *r, struct pfkm_sel *sel)
{
	const struct sadb_address *src = PFKM_X(r, SADB_EXT_ADDRESS_SRC, struct sadb_address);
	const struct sadb_address *dst = PFKM_X(r, SADB_EXT_ADDRESS_DST, struct sadb_address);
	struct pfkm_addr s, d;

	memset(sel, 0, sizeof(*sel));
	sel->family = (uint8_t)pfkm_sa_msg_addrs(r, &s, &d);
	if (!sel->family)
		return -EINVAL;
	pfkm_addr_from_sockaddr(pfkm_walker_addr(src), &sel->saddr, &sel->sport);
	sel->splen = src->sadb_address_prefixlen;
	pfkm_addr_from_sockaddr(pfkm_walker_addr(dst), &sel->daddr, &sel->dport);
	sel->dplen = dst->sadb_address_prefixlen;
	/* Set from both, the destination's wins ("KAME apps set the same"). */
	sel->proto = proto_to_sel(dst->sadb_address_proto);
	return 0;
}

static int has_reqid(void *arg, const struct pfkm_policy *p)
{
	uint32_t reqid = *(const uint32_t *)arg;
	unsigned int i;

	for (i = 0; i < p->ntmpl; i++)
		if (p->tmpl[i].reqid == reqid)
			return 1;
	return 0;
}

/* xfrm_policy_walk with check_reqid, as af_key's gen_reqid. */
static bool reqid_used(struct pfkm_net *net, uint32_t reqid)
{
	struct pfkm_store *st = net->store;
	struct pfkm_store_walk w = { .what = PFKM_WALK_POL };
	int ret = st->ops->pol_walk(st, &w, has_reqid, &reqid);

	st->ops->walk_done(st, &w);
	return ret != 0;
}

/* gen_reqid: the next reqid above 0x3fff no policy uses, 0 if none. */
static uint32_t gen_reqid(struct pfkm_net *net)
{
	unsigned int i;

	for (i = 0; i < REQID_TRIES; i++) {
		if (++net->reqid_gen == 0)
			net->reqid_gen = IPSEC_MANUAL_REQID_MAX + 1;
		if (!reqid_used(net, net->reqid_gen))
			return net->reqid_gen;
	}
	return 0;
}

static bool tmpl_proto_valid(uint16_t proto)
{
	return proto == IPPROTO_ESP || proto == IPPROTO_AH || proto == IPPROTO_COMP;
}

/* parse_ipsecrequest */
static int parse_tmpl(struct pfkm_net *net, struct pfkm_policy *p,
		      const struct sadb_x_ipsecrequest *rq)
{
	struct pfkm_tmpl *t;
	int mode;

	if (p->ntmpl >= PFKM_MAX_TEMPLATES)
		return -ELOOP;
	if (rq->sadb_x_ipsecrequest_mode == 0)
		return -EINVAL;
	if (!tmpl_proto_valid(rq->sadb_x_ipsecrequest_proto))
		return -EINVAL;
	t = &p->tmpl[p->ntmpl];
	memset(t, 0, sizeof(*t));
	t->proto = (uint8_t)rq->sadb_x_ipsecrequest_proto;
	mode = pfkm_sa_msg_mode(rq->sadb_x_ipsecrequest_mode);
	if (mode < 0)
		return -EINVAL;
	t->mode = (uint8_t)mode;
	if (rq->sadb_x_ipsecrequest_level == IPSEC_LEVEL_USE) {
		t->optional = true;
	} else if (rq->sadb_x_ipsecrequest_level == IPSEC_LEVEL_UNIQUE) {
		t->reqid = rq->sadb_x_ipsecrequest_reqid;
		if (t->reqid > IPSEC_MANUAL_REQID_MAX)
			t->reqid = 0;
		if (!t->reqid) {
			t->reqid = gen_reqid(net);
			if (!t->reqid)
				return -ENOBUFS;
		}
	}
	if (t->mode == IPSEC_MODE_TUNNEL) {
		const struct sockaddr *a, *b;
		int fam = pfkm_walker_sockaddr_pair(rq + 1, rq->sadb_x_ipsecrequest_len - sizeof(*rq),
						    &a, &b);

		if (fam < 0)
			return fam;
		t->family = (uint8_t)fam;
		pfkm_addr_from_sockaddr(a, &t->saddr, NULL);
		pfkm_addr_from_sockaddr(b, &t->daddr, NULL);
	} else {
		t->family = p->sel.family;
	}
	p->ntmpl++;
	return 0;
}

static void lifetime_in(struct pfkm_lifetime *lt, const struct sadb_lifetime *l)
{
	if (!l)
		return;
	lt->packets = l->sadb_lifetime_allocations;
	lt->bytes = l->sadb_lifetime_bytes;
	lt->addtime = l->sadb_lifetime_addtime;
	lt->usetime = l->sadb_lifetime_usetime;
}

int pfkm_policy_msg_parse(struct pfkm_req *r, struct pfkm_policy **out)
{
	const struct sadb_x_policy *xp = PFKM_X(r, SADB_X_EXT_POLICY, struct sadb_x_policy);
	const struct sadb_x_ipsecrequest *rq;
	struct pfkm_req_iter it;
	struct pfkm_policy *p;
	struct pfkm_sel sel;
	int ret;

	if (pfkm_policy_msg_sel(r, &sel) || !xp)
		return -EINVAL;
	/* ENTRUST and BYPASS exist only for per-socket policies. */
	if (xp->sadb_x_policy_type > IPSEC_POLICY_IPSEC)
		return -EINVAL;
	if (!xp->sadb_x_policy_dir || xp->sadb_x_policy_dir >= IPSEC_DIR_MAX)
		return -EINVAL;
	p = pfkm_spd_policy_alloc();
	if (!p)
		return -ENOBUFS;
	p->dir = xp->sadb_x_policy_dir;
	p->block = xp->sadb_x_policy_type == IPSEC_POLICY_DISCARD;
	p->priority = xp->sadb_x_policy_priority;
	p->sel = sel;
	lifetime_in(&p->hard, PFKM_X(r, SADB_EXT_LIFETIME_HARD, struct sadb_lifetime));
	lifetime_in(&p->soft, PFKM_X(r, SADB_EXT_LIFETIME_SOFT, struct sadb_lifetime));
	if (xp->sadb_x_policy_type == IPSEC_POLICY_IPSEC) {
		pfkm_walker_request_begin(&it, xp);
		while ((ret = pfkm_walker_request_next(&it, &rq)) > 0) {
			ret = parse_tmpl(r->net, p, rq);
			if (ret)
				break;
		}
		if (ret) {
			pfkm_spd_policy_put(p);
			return ret;
		}
	}
	p->cur.addtime = os_time_real();
	p->add_ms = os_time_mono_ms();
	*out = p;
	return 0;
}

/* xfrm_policy_insert arms the policy timer for HZ and the timer holds a
 * reference while pending; xfrm_policy_timer re-arms it (with a reference)
 * only while a time lifetime is set. */
#define POLICY_TIMER_FIRST_MS 1000u

/*
 * sadb_msg_reserved: the reference count af_key reads (refcount_read of
 * xp->refcnt) at the moment it builds the message: whoever holds the policy
 * for the request (the SPDADD creator, the SPDGET/SPDDELETE lookup), the
 * table's reference while linked, and the pending timer's. We keep the
 * first two as pol->refcnt; the timer's is derived here so SPDADD replies
 * (3) and SPDDUMP entries / setkey -DP "refcnt=" (2 during the first
 * second, then 1) carry af_key's numbers.
 */
static uint32_t wire_refcnt(const struct pfkm_policy *pol)
{
	bool timer = pol->linked &&
		     (pol->hard.addtime || pol->hard.usetime || pol->soft.addtime ||
		      pol->soft.usetime || os_time_mono_ms() - pol->add_ms < POLICY_TIMER_FIRST_MS);

	return pol->refcnt + (timer ? 1 : 0);
}

int pfkm_policy_msg_compose(const struct pfkm_policy *pol, struct pfkm_mbuf *m)
{
	size_t cap = sizeof(struct sadb_msg) + 2 * pfkm_mbuf_addr_size(AF_INET6) +
		     3 * sizeof(struct sadb_lifetime) + sizeof(struct sadb_x_policy) +
		     PFKM_MAX_TEMPLATES * (sizeof(struct sadb_x_ipsecrequest) +
					   2 * sizeof(struct sockaddr_in6));
	struct sadb_x_policy *xp;
	unsigned int i;
	int ret;

	ret = pfkm_mbuf_init(m, cap, false);
	if (ret)
		return ret;
	ret = -ENOBUFS;
	if (!pfkm_mbuf_put_hdr(m, 0, 0, 0, 0))
		goto err;
	ret = pfkm_mbuf_put_addr(m, SADB_EXT_ADDRESS_SRC, pol->sel.family, &pol->sel.saddr,
				 pol->sel.sport, proto_from_sel(pol->sel.proto), pol->sel.splen);
	if (!ret)
		ret = pfkm_mbuf_put_addr(m, SADB_EXT_ADDRESS_DST, pol->sel.family, &pol->sel.daddr,
					 pol->sel.dport, proto_from_sel(pol->sel.proto),
					 pol->sel.dplen);
	if (!ret)
		ret = pfkm_mbuf_put_lifetime(m, SADB_EXT_LIFETIME_HARD, &pol->hard);
	if (!ret)
		ret = pfkm_mbuf_put_lifetime(m, SADB_EXT_LIFETIME_SOFT, &pol->soft);
	if (!ret)
		ret = pfkm_mbuf_put_lifetime(m, SADB_EXT_LIFETIME_CURRENT, &pol->cur);
	if (ret)
		goto err;
	ret = -ENOBUFS;
	xp = pfkm_mbuf_put(m, sizeof(*xp));
	if (!xp)
		goto err;
	xp->sadb_x_policy_len = sizeof(*xp) / PFKM_UNIT;
	xp->sadb_x_policy_exttype = SADB_X_EXT_POLICY;
	xp->sadb_x_policy_type = pol->block ? IPSEC_POLICY_DISCARD :
				 pol->ntmpl ? IPSEC_POLICY_IPSEC : IPSEC_POLICY_NONE;
	xp->sadb_x_policy_dir = pol->dir;
	xp->sadb_x_policy_id = pol->id;
	xp->sadb_x_policy_priority = pol->priority;
	for (i = 0; i < pol->ntmpl; i++) {
		const struct pfkm_tmpl *t = &pol->tmpl[i];
		size_t salen = pfkm_walker_sockaddr_len(t->family);
		size_t sz = sizeof(struct sadb_x_ipsecrequest) +
			    (t->mode == IPSEC_MODE_TUNNEL ? 2 * salen : 0);
		struct sadb_x_ipsecrequest *rq = pfkm_mbuf_put(m, sz);

		if (!rq)
			goto err;
		xp->sadb_x_policy_len += (uint16_t)(sz / PFKM_UNIT);
		rq->sadb_x_ipsecrequest_len = (uint16_t)sz;
		rq->sadb_x_ipsecrequest_proto = t->proto;
		rq->sadb_x_ipsecrequest_mode = t->mode;
		rq->sadb_x_ipsecrequest_level = t->optional ? IPSEC_LEVEL_USE :
						t->reqid ? IPSEC_LEVEL_UNIQUE : IPSEC_LEVEL_REQUIRE;
		rq->sadb_x_ipsecrequest_reqid = t->reqid;
		if (t->mode == IPSEC_MODE_TUNNEL) {
			pfkm_addr_to_sockaddr(t->family, &t->saddr, 0, rq + 1);
			pfkm_addr_to_sockaddr(t->family, &t->daddr, 0, (uint8_t *)(rq + 1) + salen);
		}
	}
	pfkm_mbuf_hdr(m)->sadb_msg_reserved = (uint16_t)wire_refcnt(pol);
	pfkm_mbuf_finish(m);
	return 0;

err:
	pfkm_mbuf_free(m);
	return ret;
}
