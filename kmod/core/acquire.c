// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * acquire.c: owns packet-level events: pfkm_net_flow (policy lookup for a
 * flow, template resolution to SAs, their lifetimes checked and the packet
 * counted) and the
 * ACQUIRE a missing outbound SA triggers (xfrm_state_find +
 * pfkey_send_acquire): a larval SA with a sequence number from a net-wide
 * non-zero counter, then SRC, DST, X_POLICY and a PROPOSAL of every
 * supported algorithm combination to the registered sockets.
 *
 * Rate limit: while a larval SA for the template exists (30 s, or until a
 * KM's GETSPI/UPDATE/ADD replaces it) no second ACQUIRE goes out, as in
 * Linux; in addition a policy triggers at most one ACQUIRE per second.
 * Improvement: the ESP proposal also offers the AEADs (auth 0), after
 * Linux's combinations.
 */
#include "net.h"

#define ACQ_EXPIRE_SEC 30
#define ACQ_INTERVAL_MS 1000
/* A template's algorithm bitmap is 32 bits wide in Linux (aalgos/ealgos):
 * ids from 32 up (NULL auth, Serpent, Twofish) are never proposed. */
#define TMPL_ALG_BITS 32

static int put_comb(struct pfkm_mbuf *m, struct sadb_prop *p, const struct pfkm_alg *a,
		    const struct pfkm_alg *e)
{
	struct sadb_comb *c = pfkm_mbuf_put(m, sizeof(*c));

	if (!c)
		return -ENOBUFS;
	p->sadb_prop_len += sizeof(*c) / PFKM_UNIT;
	if (a) {
		c->sadb_comb_auth = a->id;
		c->sadb_comb_auth_minbits = a->sadb_minbits;
		c->sadb_comb_auth_maxbits = a->sadb_maxbits;
	}
	if (e) {
		c->sadb_comb_encrypt = e->id;
		c->sadb_comb_encrypt_minbits = e->sadb_minbits;
		c->sadb_comb_encrypt_maxbits = e->sadb_maxbits;
	}
	c->sadb_comb_hard_addtime = 24 * 60 * 60;
	c->sadb_comb_soft_addtime = 20 * 60 * 60;
	c->sadb_comb_hard_usetime = 8 * 60 * 60;
	c->sadb_comb_soft_usetime = 7 * 60 * 60;
	return 0;
}

/* dump_ah_combs / dump_esp_combs (+ AEADs): algorithms the last probe
 * found available only. m NULL: count combinations. */
static int put_combs(const struct pfkm_net *net, struct pfkm_mbuf *m, uint8_t proto,
		     unsigned int *count)
{
	const struct pfkm_alg *a, *e;
	struct sadb_prop *p = NULL;
	unsigned int i, k, n = 0;
	int ret;

	if (m) {
		p = pfkm_mbuf_put(m, sizeof(*p));
		if (!p)
			return -ENOBUFS;
		p->sadb_prop_len = sizeof(*p) / PFKM_UNIT;
		p->sadb_prop_exttype = SADB_EXT_PROPOSAL;
		p->sadb_prop_replay = 32;
	}
	if (proto == IPPROTO_AH) {
		for (i = 0; (a = pfkm_alg_at(PFKM_ALG_AUTH, i)); i++) {
			if (a->id >= TMPL_ALG_BITS || !pfkm_register_alg_known(net, a))
				continue;
			n++;
			if (m && (ret = put_comb(m, p, a, NULL)))
				return ret;
		}
	} else {
		for (i = 0; (e = pfkm_alg_at(PFKM_ALG_ENC, i)); i++) {
			if (e->id >= TMPL_ALG_BITS || !pfkm_register_alg_known(net, e))
				continue;
			if (e->aead) {
				n++;
				if (m && (ret = put_comb(m, p, NULL, e)))
					return ret;
				continue;
			}
			/* auth from the second entry on: the first is NULL */
			for (k = 1; (a = pfkm_alg_at(PFKM_ALG_AUTH, k)); k++) {
				if (a->id >= TMPL_ALG_BITS || !pfkm_register_alg_known(net, a))
					continue;
				n++;
				if (m && (ret = put_comb(m, p, a, e)))
					return ret;
			}
		}
	}
	*count = n;
	return 0;
}

static struct pfkm_sa *larval_acq(struct pfkm_net *net, const struct pfkm_sa_sel *k,
				  const struct pfkm_spd_flow *fl)
{
	struct pfkm_sa *x = pfkm_sadb_sa_alloc();

	if (!x)
		return NULL;
	x->family = k->family;
	x->proto = k->proto;
	x->mode = k->mode;
	x->reqid = k->reqid;
	x->saddr = k->saddr;
	x->daddr = k->daddr;
	/* the selector is the flow's (xfrm_init_tempsel) */
	x->sel_family = fl->family;
	x->sel_saddr = fl->saddr;
	x->sel_plen = (uint8_t)pfkm_addr_bits(fl->family);
	x->sel_proto = fl->proto;
	x->sel_sport = fl->sport;
	if (++net->acq_seq == 0)
		net->acq_seq = 1;
	x->seq = net->acq_seq;
	x->state = PFKM_SA_LARVAL;
	x->hard.addtime = ACQ_EXPIRE_SEC;
	x->cur.addtime = os_time_real();
	x->add_ms = os_time_mono_ms();
	pfkm_sadb_insert(&net->sadb, x);
	pfkm_expire_sa_update(net, x);
	return x;
}

/* pfkey_send_acquire */
static int send_acquire(struct pfkm_net *net, const struct pfkm_sa *x,
			const struct pfkm_policy *pol)
{
	unsigned int ncomb = 0;
	struct sadb_x_policy *xp;
	struct pfkm_mbuf m;
	bool prop = x->proto == IPPROTO_AH || x->proto == IPPROTO_ESP;
	int ret;

	if (prop)
		put_combs(net, NULL, x->proto, &ncomb);
	ret = pfkm_mbuf_init(&m, sizeof(struct sadb_msg) + 2 * pfkm_mbuf_addr_size(x->family) +
			     sizeof(*xp) + sizeof(struct sadb_prop) +
			     ncomb * sizeof(struct sadb_comb), false);
	if (ret)
		return ret;
	ret = -ENOBUFS;
	if (!pfkm_mbuf_put_hdr(&m, SADB_ACQUIRE, pfkm_sa_proto2satype(x->proto), x->seq, 0))
		goto err;
	ret = pfkm_mbuf_put_addr(&m, SADB_EXT_ADDRESS_SRC, x->family, &x->saddr, 0, 0, -1);
	if (!ret)
		ret = pfkm_mbuf_put_addr(&m, SADB_EXT_ADDRESS_DST, x->family, &x->daddr, 0, 0, -1);
	if (ret)
		goto err;
	ret = -ENOBUFS;
	xp = pfkm_mbuf_put(&m, sizeof(*xp));
	if (!xp)
		goto err;
	xp->sadb_x_policy_len = sizeof(*xp) / PFKM_UNIT;
	xp->sadb_x_policy_exttype = SADB_X_EXT_POLICY;
	xp->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
	xp->sadb_x_policy_dir = IPSEC_DIR_OUTBOUND;
	xp->sadb_x_policy_id = pol->id;
	xp->sadb_x_policy_priority = pol->priority;
	if (prop && (ret = put_combs(net, &m, x->proto, &ncomb)))
		goto err;
	net->st.acquires++;
	return pfkm_sock_bcast_mbuf(net, &m, PFKM_BCAST_REGISTERED, NULL);

err:
	pfkm_mbuf_free(&m);
	return ret;
}

/* The SA key a template asks for on this flow (xfrm_tmpl_resolve_one). */
static void tmpl_key(const struct pfkm_tmpl *t, const struct pfkm_spd_flow *fl,
		     struct pfkm_sa_sel *k)
{
	memset(k, 0, sizeof(*k));
	k->proto = t->proto;
	k->mode = t->mode;
	k->reqid = t->reqid;
	if (t->mode == IPSEC_MODE_TUNNEL) {
		k->family = t->family;
		k->saddr = pfkm_addr_any(t->family, &t->saddr) && t->family == fl->family ?
			   fl->saddr : t->saddr;
		k->daddr = t->daddr;
	} else {
		k->family = fl->family;
		k->saddr = fl->saddr;
		k->daddr = fl->daddr;
	}
}

struct pfkm_sa *pfkm_acquire_tmpl_sa(struct pfkm_net *net, const struct pfkm_tmpl *t,
				     const struct pfkm_spd_flow *fl, bool *pending)
{
	struct pfkm_sa *x = NULL, *best = NULL;
	struct pfkm_sa_sel k;

	os_assert_held(&net->lock);
	*pending = false;
	tmpl_key(t, fl, &k);
	while ((x = pfkm_sadb_sel_next(&net->sadb, &k, x))) {
		if (x->state == PFKM_SA_LARVAL || x->state == PFKM_SA_ERROR) {
			*pending = true;
			continue;
		}
		if (x->state != PFKM_SA_MATURE)
			continue;
		/* xfrm_state_look_at: not dying first, then the newest */
		if (!best || (best->dying && !x->dying) ||
		    (best->dying == x->dying && x->add_ms > best->add_ms))
			best = x;
	}
	return best;
}

/*
 * Resolve every template of pol to a usable SA. Outbound, a missing SA
 * triggers an ACQUIRE; inbound and forward flows only check (a receiver
 * does not negotiate), so they get -EAGAIN without one.
 */
int pfkm_acquire_flow(struct pfkm_net *net, struct pfkm_policy *pol,
		      const struct pfkm_spd_flow *fl, uint8_t dir, struct pfkm_sa **use,
		      unsigned int *nuse)
{
	unsigned int i, n = 0;
	bool missing = false;
	uint64_t now = os_time_mono_ms();

	for (i = 0; i < pol->ntmpl; i++) {
		const struct pfkm_tmpl *t = &pol->tmpl[i];
		struct pfkm_sa *x, *best;
		bool pending;
		struct pfkm_sa_sel k;

		best = pfkm_acquire_tmpl_sa(net, t, fl, &pending);
		if (best) {
			use[n++] = best;
			continue;
		}
		if (dir == IPSEC_DIR_OUTBOUND && !pending && pfkm_net_has_registered(net) &&
		    (!pol->acq_ms || now - pol->acq_ms >= ACQ_INTERVAL_MS)) {
			tmpl_key(t, fl, &k);
			x = larval_acq(net, &k, fl);
			if (x) {
				pol->acq_ms = now;
				send_acquire(net, x, pol);
			}
		}
		if (!t->optional)
			missing = true;
	}
	*nuse = 0;
	if (missing)
		return -EAGAIN;
	/* xfrm_state_check_expire of each SA of the bundle before the packet
	 * goes through any; the caller counts what went through (the SAs
	 * chosen here, not chosen again: a soft expiry just now would make
	 * a newer, not dying SA the better pick) */
	for (i = 0; i < n; i++)
		if (pfkm_expire_check(net, use[i]))
			return -EAGAIN;
	*nuse = n;
	return IPSEC_POLICY_IPSEC;
}

int pfkm_net_flow(struct pfkm_net *net, const struct pfkm_flow *flow)
{
	struct pfkm_sa *use[PFKM_MAX_TEMPLATES];
	struct pfkm_spd_flow fl = { 0 };
	struct pfkm_policy *pol;
	unsigned int i, n = 0;
	int ret;

	if (!flow->src || !flow->dst || flow->src->sa_family != flow->dst->sa_family)
		return -EINVAL;
	fl.family = (uint8_t)pfkm_addr_from_sockaddr(flow->src, &fl.saddr, NULL);
	pfkm_addr_from_sockaddr(flow->dst, &fl.daddr, NULL);
	if (!fl.family)
		return -EINVAL;
	fl.proto = flow->proto;
	fl.sport = os_htons(flow->sport);
	fl.dport = os_htons(flow->dport);
	os_mutex_lock(&net->lock);
	pol = pfkm_spd_lookup(&net->spd, flow->dir, &fl);
	if (!pol) {
		ret = -ENOENT;
	} else {
		pol->cur.usetime = os_time_real();
		pol->use_ms = os_time_mono_ms();
		if (pol->block)
			ret = IPSEC_POLICY_DISCARD;
		else if (!pol->ntmpl)
			ret = IPSEC_POLICY_NONE;
		else
			ret = pfkm_acquire_flow(net, pol, &fl, flow->dir, use, &n);
		/* the caller reports a packet that was (or will be) sent:
		 * counted on every SA at once, no transform in between */
		if (ret == IPSEC_POLICY_IPSEC)
			for (i = 0; i < n; i++)
				pfkm_expire_count(net, use[i], flow->bytes);
	}
	os_mutex_unlock(&net->lock);
	return ret;
}
