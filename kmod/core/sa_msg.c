// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * sa_msg.c: owns the translation between SA messages and struct pfkm_sa:
 * parsing ADD/UPDATE requests with af_key's checks and errnos
 * (pfkey_msg2xfrm_state + xfrm_init_state), and composing the SA message
 * every reply, broadcast, dump entry and EXPIRE carries
 * (__pfkey_xfrm_state2msg), extension for extension.
 *
 * Deliberate improvements over af_key, each covered by a unit test:
 *   - AEADs (AES-GCM/CCM/GMAC, ChaCha20-Poly1305; alg.c rows afkey=false)
 *     are accepted as sadb_sa_encrypt for ESP; af_key answers ENOSYS.
 *     An AEAD SA must not also name an auth algorithm (EINVAL).
 *   - The SA keeps alg->icv_bits (RFC 4868: 128/192/256 for SHA-2) for the
 *     data path; af_key truncates HMAC-SHA-256 to 96 bits.
 *   - sadb_sa_replay is kept up to 255 packets; af_key caps it at 32.
 * And where keysh is stricter (documented in the report):
 *   - Key sizes are checked against alg.c (pfkm_alg_key_check), so the
 *     kernel, keyd and keysh accept the same keys.
 *   - SPI 0 and a PROXY address of another family are rejected (EINVAL).
 */
#include "net.h"

#define SA_FLAGS_KEPT (SADB_SAFLAGS_NOECN | SADB_SAFLAGS_DECAP_DSCP | SADB_SAFLAGS_NOPMTUDISC | \
		       SADB_X_SAFLAGS_ESN)

unsigned int pfkm_sa_msg_addrs(const struct pfkm_req *r, struct pfkm_addr *s,
			       struct pfkm_addr *d)
{
	const struct sadb_address *src = PFKM_X(r, SADB_EXT_ADDRESS_SRC, struct sadb_address);
	const struct sadb_address *dst = PFKM_X(r, SADB_EXT_ADDRESS_DST, struct sadb_address);
	const struct sockaddr *ss, *ds;

	if (!src || !dst)
		return 0;
	ss = pfkm_walker_addr(src);
	ds = pfkm_walker_addr(dst);
	if (ss->sa_family != ds->sa_family)
		return 0;
	if (ss->sa_family != AF_INET && ss->sa_family != AF_INET6)
		return 0;
	pfkm_addr_from_sockaddr(ss, s, NULL);
	pfkm_addr_from_sockaddr(ds, d, NULL);
	return ss->sa_family;
}

static void lifetime_in(struct pfkm_lifetime *lt, const struct sadb_lifetime *l)
{
	lt->packets = l->sadb_lifetime_allocations;
	lt->bytes = l->sadb_lifetime_bytes;
	lt->addtime = l->sadb_lifetime_addtime;
	lt->usetime = l->sadb_lifetime_usetime;
}

/* pfkey_mode_to_xfrm: ANY is transport; -1 for modes af_key rejects. */
int pfkm_sa_msg_mode(unsigned int mode)
{
	switch (mode) {
	case IPSEC_MODE_ANY:
	case IPSEC_MODE_TRANSPORT:
		return IPSEC_MODE_TRANSPORT;
	case IPSEC_MODE_TUNNEL:
		return IPSEC_MODE_TUNNEL;
	case IPSEC_MODE_BEET:
		return IPSEC_MODE_BEET;
	default:
		return -1;
	}
}

static int keys_in(struct pfkm_sa *x, const struct sadb_key *ka, const struct sadb_key *ke)
{
	int ret;

	if (x->auth && ka) {
		ret = pfkm_sadb_sa_set_key(x, true, ka + 1, ka->sadb_key_bits);
		if (ret)
			return ret;
	}
	if (x->enc && x->proto != IPPROTO_COMP && ke) {
		ret = pfkm_sadb_sa_set_key(x, false, ke + 1, ke->sadb_key_bits);
		if (ret)
			return ret;
	}
	return 0;
}

/* The xfrm_init_state step: what each protocol needs. */
static int sa_check(struct pfkm_sa *x)
{
	if (x->proto == IPSEC_PROTO_ANY)
		return -EPROTONOSUPPORT;
	if (x->proto == IPPROTO_AH && (!x->auth || x->natt_type))
		return -EINVAL;
	if (x->proto == IPPROTO_COMP && (!x->enc || x->natt_type))
		return -EINVAL;
	if (x->proto == IPPROTO_ESP) {
		if (!x->enc)
			return -EINVAL;
		if (x->enc->aead && x->auth)
			return -EINVAL;
	}
	if (x->auth && x->auth->id != SADB_X_AALG_NULL &&
	    pfkm_alg_key_check(x->auth, x->auth_bits))
		return -EINVAL;
	if (x->enc && x->proto != IPPROTO_COMP && x->enc->id != SADB_EALG_NULL &&
	    pfkm_alg_key_check(x->enc, x->enc_bits))
		return -EINVAL;
	return 0;
}

int pfkm_sa_msg_parse(struct pfkm_req *r, struct pfkm_sa **out)
{
	const struct sadb_msg *hdr = r->hdr;
	const struct sadb_sa *sa = PFKM_X(r, SADB_EXT_SA, struct sadb_sa);
	const struct sadb_key *ka = PFKM_X(r, SADB_EXT_KEY_AUTH, struct sadb_key);
	const struct sadb_key *ke = PFKM_X(r, SADB_EXT_KEY_ENCRYPT, struct sadb_key);
	const struct sadb_lifetime *lh = PFKM_X(r, SADB_EXT_LIFETIME_HARD, struct sadb_lifetime);
	const struct sadb_lifetime *ls = PFKM_X(r, SADB_EXT_LIFETIME_SOFT, struct sadb_lifetime);
	const struct sadb_x_sa2 *sa2 = PFKM_X(r, SADB_X_EXT_SA2, struct sadb_x_sa2);
	const struct sadb_address *px = PFKM_X(r, SADB_EXT_ADDRESS_PROXY, struct sadb_address);
	const struct sadb_x_nat_t_type *nt = PFKM_X(r, SADB_X_EXT_NAT_T_TYPE,
						      struct sadb_x_nat_t_type);
	uint8_t satype = hdr->sadb_msg_satype;
	struct pfkm_addr s, d;
	struct pfkm_sa *x;
	unsigned int fam;
	uint8_t proto;
	int ret;

	fam = pfkm_sa_msg_addrs(r, &s, &d);
	if (!sa || !fam)
		return -EINVAL;
	/* af_key: ESP needs KEY_ENCRYPT even for NULL encryption, where
	 * setkey sends it with zero bits. */
	if (satype == SADB_SATYPE_ESP && !ke)
		return -EINVAL;
	if (satype == SADB_SATYPE_AH && !ka)
		return -EINVAL;
	if (!!lh != !!ls)
		return -EINVAL;
	proto = pfkm_sa_satype2proto(satype);
	if (!proto)
		return -EINVAL;
	/* sadb_sa_state is ignored: KAME setkey always sends LARVAL. */
	if (sa->sadb_sa_auth > SADB_AALG_MAX ||
	    (satype == SADB_X_SATYPE_IPCOMP && sa->sadb_sa_encrypt > SADB_X_CALG_MAX) ||
	    sa->sadb_sa_encrypt > SADB_EALG_MAX)
		return -EINVAL;
	if (ka && sa->sadb_sa_auth != SADB_X_AALG_NULL && ka->sadb_key_bits == 0)
		return -EINVAL;
	if (ke && sa->sadb_sa_encrypt != SADB_EALG_NULL && ke->sadb_key_bits == 0)
		return -EINVAL;
	if (sa->sadb_sa_spi == 0)
		return -EINVAL;

	x = pfkm_sadb_sa_alloc();
	if (!x)
		return -ENOBUFS;
	x->proto = proto;
	x->family = (uint8_t)fam;
	x->saddr = s;
	x->daddr = d;
	x->spi = sa->sadb_sa_spi;
	x->replay = sa->sadb_sa_replay;		/* improvement: no cap at 32 */
	x->flags = sa->sadb_sa_flags & SA_FLAGS_KEPT;
	x->mode = IPSEC_MODE_TRANSPORT;
	if (lh)
		lifetime_in(&x->hard, lh);
	if (ls)
		lifetime_in(&x->soft, ls);

	/* Unknown, or unavailable on this host (xfrm_*_get_byid probes the
	 * crypto API): ENOSYS, as af_key. */
	ret = -ENOSYS;
	if (sa->sadb_sa_auth) {
		x->auth = pfkm_alg_by_id(PFKM_ALG_AUTH, sa->sadb_sa_auth);
		if (!x->auth || !pfkm_register_alg_usable(r->net, x->auth))
			goto err;
		x->auth_id = sa->sadb_sa_auth;
		x->icv_bits = x->auth->icv_bits;	/* improvement: RFC 4868 */
	}
	if (sa->sadb_sa_encrypt) {
		x->enc = pfkm_alg_by_id(satype == SADB_X_SATYPE_IPCOMP ? PFKM_ALG_COMP :
					PFKM_ALG_ENC, sa->sadb_sa_encrypt);
		if (!x->enc || !pfkm_register_alg_usable(r->net, x->enc))
			goto err;
		x->enc_id = sa->sadb_sa_encrypt;
		if (x->enc->aead)
			x->icv_bits = x->enc->icv_bits;
	}
	ret = keys_in(x, ka, ke);
	if (ret)
		goto err;

	ret = -EINVAL;
	if (sa2) {
		int mode = pfkm_sa_msg_mode(sa2->sadb_x_sa2_mode);

		if (mode < 0)
			goto err;
		x->mode = (uint8_t)mode;
		x->reqid = sa2->sadb_x_sa2_reqid;
	}
	if (px) {
		/* "Nobody uses this, but we try." (af_key) */
		if (pfkm_walker_addr(px)->sa_family != fam)
			goto err;
		x->sel_family = (uint8_t)pfkm_addr_from_sockaddr(pfkm_walker_addr(px),
								 &x->sel_saddr, &x->sel_sport);
		x->sel_plen = px->sadb_address_prefixlen;
	}
	if (!x->sel_family)
		x->sel_family = x->family;
	if (nt) {
		const struct sadb_x_nat_t_port *sp = PFKM_X(r, SADB_X_EXT_NAT_T_SPORT,
							    struct sadb_x_nat_t_port);
		const struct sadb_x_nat_t_port *dp = PFKM_X(r, SADB_X_EXT_NAT_T_DPORT,
							    struct sadb_x_nat_t_port);

		x->natt_type = nt->sadb_x_nat_t_type_type;
		if (sp)
			x->natt_sport = sp->sadb_x_nat_t_port_port;
		if (dp)
			x->natt_dport = dp->sadb_x_nat_t_port_port;
	}
	ret = sa_check(x);
	if (ret)
		goto err;
	x->seq = hdr->sadb_msg_seq;
	x->state = PFKM_SA_MATURE;
	x->cur.addtime = os_time_real();
	x->add_ms = os_time_mono_ms();
	*out = x;
	return 0;

err:
	pfkm_sadb_sa_free(x);
	return ret;
}

static size_t key_ext_size(unsigned int bits)
{
	return sizeof(struct sadb_key) + PFKM_ALIGN8(((size_t)bits + 7) / 8);
}

static int put_key(struct pfkm_mbuf *m, uint16_t type, const uint8_t *key, unsigned int bits)
{
	size_t sz = key_ext_size(bits);
	struct sadb_key *k = pfkm_mbuf_put(m, sz);

	if (!k)
		return -ENOBUFS;
	k->sadb_key_len = (uint16_t)(sz / PFKM_UNIT);
	k->sadb_key_exttype = type;
	k->sadb_key_bits = (uint16_t)bits;
	memcpy(k + 1, key, ((size_t)bits + 7) / 8);
	return 0;
}

int pfkm_sa_msg_compose(const struct pfkm_sa *sa, bool keys, unsigned int hsc,
			uint8_t type, struct pfkm_mbuf *m)
{
	bool akey = keys && sa->auth_key && sa->auth_bits;
	bool ekey = keys && sa->enc_key && sa->enc_bits;
	bool proxy = !pfkm_addr_equal(sa->family, &sa->sel_saddr, &sa->saddr);
	size_t cap;
	struct sadb_sa *s;
	struct sadb_x_sa2 *s2;
	int ret;

	cap = sizeof(struct sadb_msg) + sizeof(*s) + 3 * sizeof(struct sadb_lifetime) +
	      3 * pfkm_mbuf_addr_size(AF_INET6) + key_ext_size(sa->auth_bits) +
	      key_ext_size(sa->enc_bits) + sizeof(*s2) + sizeof(struct sadb_x_nat_t_type) +
	      2 * sizeof(struct sadb_x_nat_t_port);
	ret = pfkm_mbuf_init(m, cap, akey || ekey);
	if (ret)
		return ret;
	ret = -ENOBUFS;
	if (!pfkm_mbuf_put_hdr(m, type, pfkm_sa_proto2satype(sa->proto), 0, 0))
		goto err;
	s = pfkm_mbuf_put(m, sizeof(*s));
	if (!s)
		goto err;
	s->sadb_sa_len = sizeof(*s) / PFKM_UNIT;
	s->sadb_sa_exttype = SADB_EXT_SA;
	s->sadb_sa_spi = sa->spi;
	s->sadb_sa_replay = sa->replay;
	s->sadb_sa_state = pfkm_sa_wire_state(sa);
	s->sadb_sa_auth = sa->auth_id;
	s->sadb_sa_encrypt = sa->enc_id;
	s->sadb_sa_flags = sa->flags;
	if ((hsc & 2) && (ret = pfkm_mbuf_put_lifetime(m, SADB_EXT_LIFETIME_HARD, &sa->hard)))
		goto err;
	if ((hsc & 1) && (ret = pfkm_mbuf_put_lifetime(m, SADB_EXT_LIFETIME_SOFT, &sa->soft)))
		goto err;
	ret = pfkm_mbuf_put_lifetime(m, SADB_EXT_LIFETIME_CURRENT, &sa->cur);
	if (!ret)
		ret = pfkm_mbuf_put_addr(m, SADB_EXT_ADDRESS_SRC, sa->family, &sa->saddr, 0, 0, -1);
	if (!ret)
		ret = pfkm_mbuf_put_addr(m, SADB_EXT_ADDRESS_DST, sa->family, &sa->daddr, 0, 0, -1);
	if (!ret && proxy)
		ret = pfkm_mbuf_put_addr(m, SADB_EXT_ADDRESS_PROXY, sa->sel_family, &sa->sel_saddr,
					 sa->sel_sport, sa->sel_proto ? sa->sel_proto :
					 IPSEC_PROTO_ANY, sa->sel_plen);
	if (!ret && akey)
		ret = put_key(m, SADB_EXT_KEY_AUTH, sa->auth_key, sa->auth_bits);
	if (!ret && ekey)
		ret = put_key(m, SADB_EXT_KEY_ENCRYPT, sa->enc_key, sa->enc_bits);
	if (ret)
		goto err;
	ret = -ENOBUFS;
	s2 = pfkm_mbuf_put(m, sizeof(*s2));
	if (!s2)
		goto err;
	s2->sadb_x_sa2_len = sizeof(*s2) / PFKM_UNIT;
	s2->sadb_x_sa2_exttype = SADB_X_EXT_SA2;
	s2->sadb_x_sa2_mode = sa->mode;
	s2->sadb_x_sa2_reqid = sa->reqid;
	if (sa->natt_type) {
		struct sadb_x_nat_t_type *nt = pfkm_mbuf_put(m, sizeof(*nt));
		struct sadb_x_nat_t_port *sp = pfkm_mbuf_put(m, sizeof(*sp));
		struct sadb_x_nat_t_port *dp = pfkm_mbuf_put(m, sizeof(*dp));

		if (!nt || !sp || !dp)
			goto err;
		nt->sadb_x_nat_t_type_len = sizeof(*nt) / PFKM_UNIT;
		nt->sadb_x_nat_t_type_exttype = SADB_X_EXT_NAT_T_TYPE;
		nt->sadb_x_nat_t_type_type = sa->natt_type;
		sp->sadb_x_nat_t_port_len = sizeof(*sp) / PFKM_UNIT;
		sp->sadb_x_nat_t_port_exttype = SADB_X_EXT_NAT_T_SPORT;
		sp->sadb_x_nat_t_port_port = sa->natt_sport;
		dp->sadb_x_nat_t_port_len = sizeof(*dp) / PFKM_UNIT;
		dp->sadb_x_nat_t_port_exttype = SADB_X_EXT_NAT_T_DPORT;
		dp->sadb_x_nat_t_port_port = sa->natt_dport;
	}
	pfkm_mbuf_finish(m);
	return 0;

err:
	pfkm_mbuf_free(m);
	return ret;
}
