// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * notify.c: owns the engine's side of store events (store.h): every change
 * a store reports, whoever made it, becomes the PF_KEY message af_key sends
 * for it, to the sockets af_key's rules name: key_notify_sa (ADD, UPDATE,
 * DELETE, FLUSH: all sockets), key_notify_sa_expire and pfkey_send_acquire
 * and pfkey_send_new_mapping (registered sockets), key_notify_policy and
 * key_notify_policy_flush (all), pfkey_send_migrate (all). The ACQUIRE
 * proposal lists what the last algorithm probe found available (register.c).
 * Runs under net->lock (the store calls it from its ops or with the lock
 * taken).
 */
#include "net.h"

/* A template's algorithm bitmap is 32 bits wide in Linux (aalgos/ealgos):
 * ids from 32 up (NULL auth, Serpent, Twofish) are never proposed. */
#define TMPL_ALG_BITS 32

int pfkm_notify_sa(struct pfkm_net *net, const struct pfkm_sa *sa, uint8_t type, uint32_t seq,
		   uint32_t pid, unsigned int flags, struct pfkm_sock *one)
{
	struct pfkm_mbuf m;
	struct sadb_msg *h;
	int ret;

	ret = pfkm_sa_msg_compose(sa, true, 3, type, &m);
	if (ret)
		return ret;
	h = pfkm_mbuf_hdr(&m);
	h->sadb_msg_seq = seq;
	h->sadb_msg_pid = pid;
	/* delivery is each socket's business (counted drops), as af_key */
	pfkm_sock_bcast_mbuf(net, &m, flags, one);
	return 0;
}

/* key_notify_sa_flush / key_notify_policy_flush: a header, every field set
 * explicitly (CVE-2013-2237). */
static int send_flush(struct pfkm_net *net, uint8_t type, uint8_t satype, uint32_t seq,
		      uint32_t pid)
{
	struct pfkm_mbuf m;
	int ret;

	ret = pfkm_mbuf_init(&m, sizeof(struct sadb_msg), false);
	if (ret)
		return ret;
	pfkm_mbuf_put_hdr(&m, type, satype, seq, pid);
	return pfkm_sock_bcast_mbuf(net, &m, PFKM_BCAST_ALL, NULL);
}

/* key_notify_sa_expire */
static int send_expire(struct pfkm_net *net, const struct pfkm_sa *sa, bool hard)
{
	struct pfkm_mbuf m;
	int ret;

	ret = pfkm_sa_msg_compose(sa, false, hard ? 2 : 1, SADB_EXPIRE, &m);
	if (ret)
		return ret;
	net->st.expires++;
	return pfkm_sock_bcast_mbuf(net, &m, PFKM_BCAST_REGISTERED, NULL);
}

/* key_notify_policy: SPDADD / SPDUPDATE / SPDDELETE / SPDDELETE2. */
static int send_policy(struct pfkm_net *net, const struct pfkm_policy *p, uint8_t type,
		       uint32_t seq, uint32_t pid)
{
	struct pfkm_mbuf m;
	struct sadb_msg *h;
	int ret;

	ret = pfkm_policy_msg_compose(p, &m);
	if (ret)
		return ret;
	h = pfkm_mbuf_hdr(&m);
	h->sadb_msg_version = PF_KEY_V2;
	h->sadb_msg_type = type;
	h->sadb_msg_seq = seq;
	h->sadb_msg_pid = pid;
	return pfkm_sock_bcast_mbuf(net, &m, PFKM_BCAST_ALL, NULL);
}

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

static int put_port(struct pfkm_mbuf *m, uint16_t exttype, os_be16 port)
{
	struct sadb_x_nat_t_port *p = pfkm_mbuf_put(m, sizeof(*p));

	if (!p)
		return -ENOBUFS;
	p->sadb_x_nat_t_port_len = sizeof(*p) / PFKM_UNIT;
	p->sadb_x_nat_t_port_exttype = exttype;
	p->sadb_x_nat_t_port_port = port;
	return 0;
}

/*
 * pfkey_send_new_mapping: SA (the SPI only), ADDRESS_SRC + NAT_T_SPORT as
 * the SA has them (the old mapping), ADDRESS_DST + NAT_T_DPORT the new
 * address and port the packet came from; satype ESP, a fresh sequence
 * number from the store (Linux get_acqseq), pid 0.
 */
static int send_mapping(struct pfkm_net *net, const struct pfkm_sa *sa,
			const struct pfkm_addr *addr, os_be16 sport, uint32_t seq)
{
	struct sadb_sa *s;
	struct pfkm_mbuf m;
	int ret;

	ret = pfkm_mbuf_init(&m, sizeof(struct sadb_msg) + sizeof(*s) +
			     2 * pfkm_mbuf_addr_size(sa->family) +
			     2 * sizeof(struct sadb_x_nat_t_port), false);
	if (ret)
		return ret;
	ret = -ENOBUFS;
	if (!pfkm_mbuf_put_hdr(&m, SADB_X_NAT_T_NEW_MAPPING, pfkm_sa_proto2satype(sa->proto),
			       seq, 0))
		goto err;
	s = pfkm_mbuf_put(&m, sizeof(*s));
	if (!s)
		goto err;
	s->sadb_sa_len = sizeof(*s) / PFKM_UNIT;
	s->sadb_sa_exttype = SADB_EXT_SA;
	s->sadb_sa_spi = sa->spi;
	ret = pfkm_mbuf_put_addr(&m, SADB_EXT_ADDRESS_SRC, sa->family, &sa->saddr, 0, 0, -1);
	if (!ret)
		ret = put_port(&m, SADB_X_EXT_NAT_T_SPORT, sa->natt_sport);
	if (!ret)
		ret = pfkm_mbuf_put_addr(&m, SADB_EXT_ADDRESS_DST, sa->family, addr, 0, 0, -1);
	if (!ret)
		ret = put_port(&m, SADB_X_EXT_NAT_T_DPORT, sport);
	if (ret)
		goto err;
	/* -ESRCH (no registered socket) is no failure: nobody to tell */
	pfkm_sock_bcast_mbuf(net, &m, PFKM_BCAST_REGISTERED, NULL);
	return 0;

err:
	pfkm_mbuf_free(&m);
	return ret;
}

static int put_rq(struct pfkm_mbuf *mb, struct sadb_x_policy *xp, const struct pfkm_store_mig *m,
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
static int send_migrate(struct pfkm_net *net, const struct pfkm_store_migrate *mg)
{
	const struct pfkm_store_mig *m = mg->m;
	const struct pfkm_sel *sel = &mg->sel;
	unsigned int n = mg->n;
	int kfam = mg->kfam;
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
		k->sadb_x_kmaddress_reserved = mg->kres;
		pfkm_addr_to_sockaddr((unsigned int)kfam, &mg->kl, 0, k + 1);
		pfkm_addr_to_sockaddr((unsigned int)kfam, &mg->kr, 0, (uint8_t *)(k + 1) + salen);
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
	xp->sadb_x_policy_dir = mg->dir;
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


int pfkm_notify_event(void *ctx, const struct pfkm_store_ev *ev)
{
	struct pfkm_net *net = ctx;
	int ret;

	os_assert_held(&net->lock);
	switch (ev->kind) {
	case PFKM_EV_SA_ADD:
		return pfkm_notify_sa(net, ev->sa, SADB_ADD, ev->seq, ev->pid, PFKM_BCAST_ALL, NULL);
	case PFKM_EV_SA_UPDATE:
		return pfkm_notify_sa(net, ev->sa, SADB_UPDATE, ev->seq, ev->pid, PFKM_BCAST_ALL,
				      NULL);
	case PFKM_EV_SA_DELETE:
		return pfkm_notify_sa(net, ev->sa, SADB_DELETE, ev->seq, ev->pid, PFKM_BCAST_ALL,
				      NULL);
	case PFKM_EV_SA_FLUSH:
		return send_flush(net, SADB_FLUSH, pfkm_sa_proto2satype(ev->proto), ev->seq,
				  ev->pid);
	case PFKM_EV_SA_EXPIRE:
		return send_expire(net, ev->sa, ev->hard);
	case PFKM_EV_ACQUIRE:
		return send_acquire(net, ev->sa, ev->pol);
	case PFKM_EV_NEW_MAPPING:
		/* -ESRCH (no registered socket) is no failure: nobody to tell */
		ret = send_mapping(net, ev->sa, ev->addr, ev->port, ev->seq);
		return ret == -ESRCH ? 0 : ret;
	case PFKM_EV_POL_ADD:
		return send_policy(net, ev->pol, SADB_X_SPDADD, ev->seq, ev->pid);
	case PFKM_EV_POL_UPDATE:
		return send_policy(net, ev->pol, SADB_X_SPDUPDATE, ev->seq, ev->pid);
	case PFKM_EV_POL_DELETE:
		return send_policy(net, ev->pol, ev->by_id ? SADB_X_SPDDELETE2 : SADB_X_SPDDELETE,
				   ev->seq, ev->pid);
	case PFKM_EV_POL_FLUSH:
		return send_flush(net, SADB_X_SPDFLUSH, SADB_SATYPE_UNSPEC, ev->seq, ev->pid);
	case PFKM_EV_POL_EXPIRE:
		/* af_key's key_notify_policy_expire sends nothing */
		return 0;
	case PFKM_EV_MIGRATE:
		return send_migrate(net, ev->mig);
	}
	return -EINVAL;
}
