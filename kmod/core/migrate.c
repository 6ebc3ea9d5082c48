// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * migrate.c: owns X_MIGRATE (pfkey_migrate + xfrm_migrate +
 * pfkey_send_migrate). Linux answers ENOPROTOOPT without
 * CONFIG_NET_KEY_MIGRATE; keysh implements it: SAs matching an old
 * endpoint pair (proto, mode, reqid) move to the new pair, the policy's
 * tunnel templates follow, and the MIGRATE message goes to all sockets.
 * Old and new endpoints must be of one family (CVE-2026-31515: af_key
 * trusted them and overran its buffer).
 */
#include "net.h"

struct mig {
	uint8_t proto, mode;
	uint32_t reqid;
	uint8_t family;
	struct pfkm_addr old_s, old_d, new_s, new_d;
};

static int pair(const struct sadb_x_ipsecrequest *rq, struct pfkm_addr *s,
		struct pfkm_addr *d)
{
	const struct sockaddr *a, *b;
	int fam = pfkm_walker_sockaddr_pair(rq + 1, rq->sadb_x_ipsecrequest_len - sizeof(*rq),
					    &a, &b);

	if (fam < 0)
		return fam;
	pfkm_addr_from_sockaddr(a, s, NULL);
	pfkm_addr_from_sockaddr(b, d, NULL);
	return fam;
}

/* ipsecrequests_to_migrate: an old and a new request. Bytes used or -errno. */
static int parse_one(const uint8_t *p, size_t len, struct mig *m)
{
	const struct sadb_x_ipsecrequest *r1 = (const void *)p, *r2;
	int fam1, fam2, mode;

	if (len < sizeof(*r1) || len < r1->sadb_x_ipsecrequest_len ||
	    r1->sadb_x_ipsecrequest_len < sizeof(*r1))
		return -EINVAL;
	fam1 = pair(r1, &m->old_s, &m->old_d);
	if (fam1 < 0)
		return fam1;
	r2 = (const void *)(p + r1->sadb_x_ipsecrequest_len);
	len -= r1->sadb_x_ipsecrequest_len;
	if (len <= sizeof(*r2) || len < r2->sadb_x_ipsecrequest_len ||
	    r2->sadb_x_ipsecrequest_len < sizeof(*r2))
		return -EINVAL;
	fam2 = pair(r2, &m->new_s, &m->new_d);
	if (fam2 < 0)
		return fam2;
	if (fam1 != fam2)
		return -EINVAL;		/* CVE-2026-31515 */
	if (r1->sadb_x_ipsecrequest_proto != r2->sadb_x_ipsecrequest_proto ||
	    r1->sadb_x_ipsecrequest_mode != r2->sadb_x_ipsecrequest_mode ||
	    r1->sadb_x_ipsecrequest_reqid != r2->sadb_x_ipsecrequest_reqid)
		return -EINVAL;
	mode = pfkm_sa_msg_mode(r1->sadb_x_ipsecrequest_mode);
	if (mode < 0)
		return -EINVAL;
	m->proto = (uint8_t)r1->sadb_x_ipsecrequest_proto;
	m->mode = (uint8_t)mode;
	m->reqid = r1->sadb_x_ipsecrequest_reqid;
	m->family = (uint8_t)fam1;
	return r1->sadb_x_ipsecrequest_len + r2->sadb_x_ipsecrequest_len;
}

/* xfrm_migrate_check */
static int check(const struct mig *m, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		if (pfkm_addr_any(m[i].family, &m[i].new_d) || pfkm_addr_any(m[i].family, &m[i].new_s))
			return -EINVAL;
		for (j = i + 1; j < n; j++)
			if (pfkm_addr_equal(AF_INET6, &m[i].old_d, &m[j].old_d) &&
			    pfkm_addr_equal(AF_INET6, &m[i].old_s, &m[j].old_s) &&
			    m[i].proto == m[j].proto && m[i].mode == m[j].mode &&
			    m[i].reqid == m[j].reqid && m[i].family == m[j].family)
				return -EINVAL;
	}
	return 0;
}

/* Move the SAs of one entry (xfrm_migrate_state_find + xfrm_state_migrate). */
static void move_sas(struct pfkm_net *net, const struct mig *m)
{
	struct pfkm_walk *w, *next;

	for (w = net->sadb.all.next; w != &net->sadb.all; w = next) {
		struct pfkm_sa *x;
		bool sel_follows;
		uint8_t state;

		next = w->next;
		if (w->marker)
			continue;
		x = os_container_of(w, struct pfkm_sa, all);
		if (x->family != m->family || x->proto != m->proto || x->mode != m->mode ||
		    (m->reqid && x->reqid != m->reqid) ||
		    !pfkm_addr_equal(m->family, &x->saddr, &m->old_s) ||
		    !pfkm_addr_equal(m->family, &x->daddr, &m->old_d))
			continue;
		/* the SPI must stay unique at the new address: else it stays */
		if (pfkm_sadb_lookup(&net->sadb, x->family, &m->new_d, x->spi, x->proto))
			continue;
		sel_follows = pfkm_addr_equal(x->family, &x->sel_saddr, &x->saddr);
		state = x->state;
		pfkm_expire_sa_remove(net, x);
		pfkm_sadb_unlink(&net->sadb, x);
		x->state = state;
		x->saddr = m->new_s;
		x->daddr = m->new_d;
		if (sel_follows)
			x->sel_saddr = m->new_s;
		pfkm_sadb_insert(&net->sadb, x);
		pfkm_expire_sa_update(net, x);
	}
}

static void move_tmpls(struct pfkm_policy *pol, const struct mig *m)
{
	unsigned int i;

	for (i = 0; i < pol->ntmpl; i++) {
		struct pfkm_tmpl *t = &pol->tmpl[i];

		if (t->mode != m->mode || t->proto != m->proto || (m->reqid && t->reqid != m->reqid))
			continue;
		if (t->mode != IPSEC_MODE_TUNNEL && t->mode != IPSEC_MODE_BEET)
			continue;
		if (t->family != m->family || !pfkm_addr_equal(m->family, &t->saddr, &m->old_s) ||
		    !pfkm_addr_equal(m->family, &t->daddr, &m->old_d))
			continue;
		t->saddr = m->new_s;
		t->daddr = m->new_d;
	}
}

static int put_rq(struct pfkm_mbuf *mb, struct sadb_x_policy *xp, const struct mig *m,
		  bool new)
{
	size_t salen = pfkm_walker_sockaddr_len(m->family);
	size_t sz = sizeof(struct sadb_x_ipsecrequest) + PFKM_ALIGN8(2 * salen);
	struct sadb_x_ipsecrequest *rq = pfkm_mbuf_put(mb, sz);

	if (!rq)
		return -ENOBUFS;
	xp->sadb_x_policy_len += (uint16_t)(sz / PFKM_UNIT);
	rq->sadb_x_ipsecrequest_len = (uint16_t)sz;
	rq->sadb_x_ipsecrequest_proto = m->proto;
	rq->sadb_x_ipsecrequest_mode = m->mode;
	rq->sadb_x_ipsecrequest_level = m->reqid ? IPSEC_LEVEL_UNIQUE : IPSEC_LEVEL_REQUIRE;
	rq->sadb_x_ipsecrequest_reqid = m->reqid;
	pfkm_addr_to_sockaddr(m->family, new ? &m->new_s : &m->old_s, 0, rq + 1);
	pfkm_addr_to_sockaddr(m->family, new ? &m->new_d : &m->old_d, 0, (uint8_t *)(rq + 1) + salen);
	return 0;
}

/* pfkey_send_migrate */
static int send_migrate(struct pfkm_net *net, const struct pfkm_sel *sel, uint8_t dir,
			const struct mig *m, unsigned int n, int kfam,
			const struct pfkm_addr *kl, const struct pfkm_addr *kr, uint32_t kres)
{
	struct sadb_x_policy *xp;
	struct pfkm_mbuf mb;
	unsigned int i;
	int ret;

	ret = pfkm_mbuf_init(&mb, sizeof(struct sadb_msg) + sizeof(struct sadb_x_kmaddress) +
			     2 * sizeof(struct sockaddr_in6) + 2 * pfkm_mbuf_addr_size(AF_INET6) +
			     sizeof(*xp) + 2 * n * (sizeof(struct sadb_x_ipsecrequest) +
						    2 * sizeof(struct sockaddr_in6) + 8), false);
	if (ret)
		return ret;
	ret = -ENOBUFS;
	if (!pfkm_mbuf_put_hdr(&mb, SADB_X_MIGRATE, pfkm_sa_proto2satype(m[0].proto), 0, 0))
		goto err;
	if (kfam > 0) {
		size_t salen = pfkm_walker_sockaddr_len((unsigned int)kfam);
		size_t sz = sizeof(struct sadb_x_kmaddress) + PFKM_ALIGN8(2 * salen);
		struct sadb_x_kmaddress *k = pfkm_mbuf_put(&mb, sz);

		if (!k)
			goto err;
		k->sadb_x_kmaddress_len = (uint16_t)(sz / PFKM_UNIT);
		k->sadb_x_kmaddress_exttype = SADB_X_EXT_KMADDRESS;
		k->sadb_x_kmaddress_reserved = kres;
		pfkm_addr_to_sockaddr((unsigned int)kfam, kl, 0, k + 1);
		pfkm_addr_to_sockaddr((unsigned int)kfam, kr, 0, (uint8_t *)(k + 1) + salen);
	}
	ret = pfkm_mbuf_put_addr(&mb, SADB_EXT_ADDRESS_SRC, sel->family, &sel->saddr, 0,
				 sel->proto, sel->splen);
	if (!ret)
		ret = pfkm_mbuf_put_addr(&mb, SADB_EXT_ADDRESS_DST, sel->family, &sel->daddr, 0,
					 sel->proto, sel->dplen);
	if (ret)
		goto err;
	ret = -ENOBUFS;
	xp = pfkm_mbuf_put(&mb, sizeof(*xp));
	if (!xp)
		goto err;
	xp->sadb_x_policy_len = sizeof(*xp) / PFKM_UNIT;
	xp->sadb_x_policy_exttype = SADB_X_EXT_POLICY;
	xp->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
	xp->sadb_x_policy_dir = dir;
	for (i = 0; i < n; i++) {
		ret = put_rq(&mb, xp, &m[i], false);
		if (!ret)
			ret = put_rq(&mb, xp, &m[i], true);
		if (ret)
			goto err;
	}
	return pfkm_sock_bcast_mbuf(net, &mb, PFKM_BCAST_ALL, NULL);

err:
	pfkm_mbuf_free(&mb);
	return ret;
}

int pfkm_migrate_req(struct pfkm_req *r)
{
	const struct sadb_x_policy *xp = PFKM_X(r, SADB_X_EXT_POLICY, struct sadb_x_policy);
	const struct sadb_x_kmaddress *kma = PFKM_X(r, SADB_X_EXT_KMADDRESS,
						    struct sadb_x_kmaddress);
	struct pfkm_addr kl = { 0 }, kr = { 0 };
	struct mig m[PFKM_MAX_TEMPLATES];
	struct pfkm_policy *pol;
	struct pfkm_sel sel;
	const uint8_t *p;
	unsigned int n = 0, i;
	int kfam = 0, ret;
	size_t len;

	if (pfkm_policy_msg_sel(r, &sel) || !xp)
		return -EINVAL;
	if (xp->sadb_x_policy_dir >= IPSEC_DIR_MAX)
		return -EINVAL;
	if (kma) {
		const struct sockaddr *a, *b;

		kfam = pfkm_walker_sockaddr_pair(kma + 1, (size_t)kma->sadb_x_kmaddress_len *
						 PFKM_UNIT - sizeof(*kma), &a, &b);
		if (kfam < 0)
			return kfam;
		pfkm_addr_from_sockaddr(a, &kl, NULL);
		pfkm_addr_from_sockaddr(b, &kr, NULL);
	}
	/* The migrate message keeps the raw selector protocol (0 = any). */
	p = (const uint8_t *)(xp + 1);
	len = (size_t)xp->sadb_x_policy_len * PFKM_UNIT - sizeof(*xp);
	while (len > 0 && n < PFKM_MAX_TEMPLATES) {
		ret = parse_one(p, len, &m[n]);
		if (ret < 0)
			return ret;
		p += ret;
		len -= (size_t)ret;
		n++;
	}
	if (!n || len > 0)
		return -EINVAL;
	ret = check(m, n);
	if (ret)
		return ret;
	pol = pfkm_spd_find_sel(&r->net->spd, xp->sadb_x_policy_dir, &sel);
	if (!pol)
		return -ENOENT;
	for (i = 0; i < n; i++) {
		move_sas(r->net, &m[i]);
		move_tmpls(pol, &m[i]);
	}
	/*
	 * Announce, ignoring the result as xfrm_migrate ignores km_migrate's:
	 * the move is done, and a broadcast to ALL reports -ESRCH even when
	 * delivered (pfkey_broadcast), which must not become an error reply.
	 */
	send_migrate(r->net, &sel, xp->sadb_x_policy_dir, m, n, kfam, &kl, &kr,
		     kma ? kma->sadb_x_kmaddress_reserved : 0);
	return 0;
}
