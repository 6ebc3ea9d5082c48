// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * acquire.c: owns the memory store's packet-level events: pfkm_net_flow
 * (policy lookup for a flow, template resolution to SAs, their lifetimes
 * checked and the packet counted) and the ACQUIRE a missing outbound SA
 * triggers (xfrm_state_find + km_query): a larval SA with a sequence
 * number from the store's non-zero counter, reported as an ACQUIRE event
 * (notify.c sends SRC, DST, X_POLICY and the PROPOSAL to the registered
 * sockets); when no registered socket took it the larval SA goes again,
 * as xfrm drops the state when km_query fails.
 *
 * Rate limit: while a larval SA for the template exists (30 s, or until a
 * KM's GETSPI/UPDATE/ADD replaces it) no second ACQUIRE goes out, as in
 * Linux; in addition a policy triggers at most one ACQUIRE per second.
 */
#include "store_mem.h"
#include "net.h"

#define ACQ_EXPIRE_SEC 30
#define ACQ_INTERVAL_MS 1000

static struct pfkm_sa *larval_acq(struct pfkm_mem *mem, const struct pfkm_sa_sel *k,
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
	x->seq = pfkm_mem_next_seq(mem);
	x->state = PFKM_SA_LARVAL;
	x->hard.addtime = ACQ_EXPIRE_SEC;
	x->cur.addtime = os_time_real();
	x->add_ms = os_time_mono_ms();
	pfkm_sadb_insert(&mem->sadb, x);
	pfkm_expire_sa_update(mem, x);
	return x;
}

/* km_query: tell the key managers; nobody registered: the SA goes again. */
static void acquire(struct pfkm_mem *mem, struct pfkm_sa *x, struct pfkm_policy *pol,
		    uint64_t now)
{
	struct pfkm_store_ev ev = { .kind = PFKM_EV_ACQUIRE, .sa = x, .pol = pol };

	if (pfkm_store_event(&mem->st, &ev) == -ESRCH) {
		pfkm_mem_sa_destroy(mem, x);
		return;
	}
	mem->acquires++;
	pol->acq_ms = now;
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

struct pfkm_sa *pfkm_acquire_tmpl_sa(struct pfkm_mem *mem, const struct pfkm_tmpl *t,
				     const struct pfkm_spd_flow *fl, bool *pending)
{
	struct pfkm_sa *x = NULL, *best = NULL;
	struct pfkm_sa_sel k;

	os_assert_held(mem->lock);
	*pending = false;
	tmpl_key(t, fl, &k);
	while ((x = pfkm_sadb_sel_next(&mem->sadb, &k, x))) {
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
int pfkm_acquire_flow(struct pfkm_mem *mem, struct pfkm_policy *pol,
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

		best = pfkm_acquire_tmpl_sa(mem, t, fl, &pending);
		if (best) {
			use[n++] = best;
			continue;
		}
		if (dir == IPSEC_DIR_OUTBOUND && !pending &&
		    (!pol->acq_ms || now - pol->acq_ms >= ACQ_INTERVAL_MS)) {
			tmpl_key(t, fl, &k);
			x = larval_acq(mem, &k, fl);
			if (x)
				acquire(mem, x, pol, now);
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
		if (pfkm_expire_check(mem, use[i]))
			return -EAGAIN;
	*nuse = n;
	return IPSEC_POLICY_IPSEC;
}

int pfkm_net_flow(struct pfkm_net *net, const struct pfkm_flow *flow)
{
	struct pfkm_mem *mem = pfkm_mem_of(net);
	struct pfkm_sa *use[PFKM_MAX_TEMPLATES];
	struct pfkm_spd_flow fl = { 0 };
	struct pfkm_policy *pol;
	unsigned int i, n = 0;
	int ret;

	if (!mem)
		return -EOPNOTSUPP;
	if (!flow->src || !flow->dst || flow->src->sa_family != flow->dst->sa_family)
		return -EINVAL;
	fl.family = (uint8_t)pfkm_addr_from_sockaddr(flow->src, &fl.saddr, NULL);
	pfkm_addr_from_sockaddr(flow->dst, &fl.daddr, NULL);
	if (!fl.family)
		return -EINVAL;
	fl.proto = flow->proto;
	fl.sport = os_htons(flow->sport);
	fl.dport = os_htons(flow->dport);
	os_mutex_lock(mem->lock);
	pol = pfkm_spd_lookup(&mem->spd, flow->dir, &fl);
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
			ret = pfkm_acquire_flow(mem, pol, &fl, flow->dir, use, &n);
		/* the caller reports a packet that was (or will be) sent:
		 * counted on every SA at once, no transform in between */
		if (ret == IPSEC_POLICY_IPSEC)
			for (i = 0; i < n; i++)
				pfkm_expire_count(mem, use[i], flow->bytes);
	}
	os_mutex_unlock(mem->lock);
	return ret;
}
