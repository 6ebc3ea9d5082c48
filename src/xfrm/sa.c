// SPDX-License-Identifier: BSD-2-Clause
/*
 * sa.c: owns the translation between struct pfkm_sa and XFRM netlink's SA
 * (xfrm_usersa_info with XFRMA_ALG_AEAD, XFRMA_ALG_CRYPT, XFRMA_ALG_AUTH_TRUNC,
 * XFRMA_ALG_COMP, XFRMA_ENCAP, XFRMA_REPLAY_ESN_VAL), both ways, with the
 * kernel algorithm names of kmod/core/alg.c's table. Fields as af_key sets
 * them (pfkey_msg2xfrm_state), except where keysh improves on it:
 *   - HMAC-SHA-2 ICVs are RFC 4868's (alg->icv_bits, XFRMA_ALG_AUTH_TRUNC);
 *   - AEADs go in XFRMA_ALG_AEAD with the row's ICV;
 *   - a replay window above 32 packets travels in XFRMA_REPLAY_ESN_VAL (a
 *     bitmap without ESN), where af_key would cap it at 32;
 *   - SADB_X_SAFLAGS_ESN is XFRM_STATE_ESN (64-bit sequence numbers, the
 *     window in XFRMA_REPLAY_ESN_VAL as xfrm requires), where af_key drops it.
 * Reading back, a window wider than sadb_sa_replay holds shows as 255.
 */
#include "xfrm.h"

#define REPLAY_LEGACY_MAX 32u	/* bits in xfrm_replay_state.bitmap */

static uint32_t flags_to_nl(uint32_t f)
{
	return (f & SADB_SAFLAGS_NOECN ? XFRM_STATE_NOECN : 0) |
	       (f & SADB_SAFLAGS_DECAP_DSCP ? XFRM_STATE_DECAP_DSCP : 0) |
	       (f & SADB_SAFLAGS_NOPMTUDISC ? XFRM_STATE_NOPMTUDISC : 0) |
	       (f & SADB_X_SAFLAGS_ESN ? XFRM_STATE_ESN : 0);
}

static uint32_t flags_from_nl(uint8_t f)
{
	return (f & XFRM_STATE_NOECN ? SADB_SAFLAGS_NOECN : 0) |
	       (f & XFRM_STATE_DECAP_DSCP ? SADB_SAFLAGS_DECAP_DSCP : 0) |
	       (f & XFRM_STATE_NOPMTUDISC ? SADB_SAFLAGS_NOPMTUDISC : 0) |
	       (f & XFRM_STATE_ESN ? SADB_X_SAFLAGS_ESN : 0);
}

static size_t key_bytes(unsigned int bits)
{
	return ((size_t)bits + 7) / 8;
}

static void name_out(char *to, const struct pfkm_alg *alg)
{
	strncpy(to, alg->crypto_name, 63);
}

static int put_algs(struct nlmsghdr *nlh, size_t cap, const struct pfkm_sa *x)
{
	if (x->enc && x->proto == IPPROTO_COMP) {
		struct xfrm_algo *g = xfrm_nl_attr_reserve(nlh, cap, XFRMA_ALG_COMP, sizeof(*g));

		if (!g)
			return -EMSGSIZE;
		name_out(g->alg_name, x->enc);
	} else if (x->enc && x->enc->aead) {
		size_t kb = key_bytes(x->enc_bits);
		struct xfrm_algo_aead *g = xfrm_nl_attr_reserve(nlh, cap, XFRMA_ALG_AEAD, sizeof(*g) + kb);

		if (!g)
			return -EMSGSIZE;
		name_out(g->alg_name, x->enc);
		g->alg_key_len = x->enc_bits;
		g->alg_icv_len = x->icv_bits ? x->icv_bits : x->enc->icv_bits;
		if (kb)
			memcpy(g->alg_key, x->enc_key, kb);
	} else if (x->enc) {
		size_t kb = key_bytes(x->enc_bits);
		struct xfrm_algo *g = xfrm_nl_attr_reserve(nlh, cap, XFRMA_ALG_CRYPT, sizeof(*g) + kb);

		if (!g)
			return -EMSGSIZE;
		name_out(g->alg_name, x->enc);
		g->alg_key_len = x->enc_bits;
		if (kb)
			memcpy(g->alg_key, x->enc_key, kb);
	}
	if (x->auth) {
		size_t kb = key_bytes(x->auth_bits);
		struct xfrm_algo_auth *g = xfrm_nl_attr_reserve(nlh, cap, XFRMA_ALG_AUTH_TRUNC,
							sizeof(*g) + kb);

		if (!g)
			return -EMSGSIZE;
		name_out(g->alg_name, x->auth);
		g->alg_key_len = x->auth_bits;
		g->alg_trunc_len = x->icv_bits ? x->icv_bits : x->auth->icv_bits;
		if (kb)
			memcpy(g->alg_key, x->auth_key, kb);
	}
	return 0;
}

int xfrm_sa_put(struct nlmsghdr *nlh, size_t cap, const struct pfkm_sa *x)
{
	struct xfrm_usersa_info *p;
	int mode = xfrm_mode_to_nl(x->mode);
	int ret;

	if (mode < 0 || !pfkm_addr_bytes(x->family))
		return -EINVAL;
	if (MNL_ALIGN(nlh->nlmsg_len) + MNL_ALIGN(sizeof(*p)) > cap)
		return -EMSGSIZE;
	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	/* the selector as af_key keeps it: the PROXY address, else family */
	p->sel.family = x->sel_family ? x->sel_family : x->family;
	if (pfkm_addr_bytes(p->sel.family))
		xfrm_addr_out(&p->sel.saddr, &x->sel_saddr, p->sel.family);
	p->sel.prefixlen_s = x->sel_plen;
	p->sel.proto = x->sel_proto;
	p->sel.sport = x->sel_sport;
	p->sel.sport_mask = x->sel_sport ? 0xffff : 0;
	xfrm_addr_out(&p->id.daddr, &x->daddr, x->family);
	p->id.spi = x->spi;
	p->id.proto = x->proto;
	xfrm_addr_out(&p->saddr, &x->saddr, x->family);
	xfrm_lft_out(&p->lft, &x->hard, &x->soft);
	p->seq = x->seq;
	p->reqid = x->reqid;
	p->family = x->family;
	p->mode = (uint8_t)mode;
	p->flags = (uint8_t)flags_to_nl(x->flags);
	if (x->replay <= REPLAY_LEGACY_MAX && !(x->flags & SADB_X_SAFLAGS_ESN)) {
		p->replay_window = x->replay;
	} else {
		/* xfrm's bitmap state: wide windows and ESN (which needs it) */
		struct xfrm_replay_state_esn *rs = xfrm_nl_attr_reserve(nlh, cap, XFRMA_REPLAY_ESN_VAL,
								sizeof(*rs));

		if (!rs)
			return -EMSGSIZE;
		rs->replay_window = x->replay;
		rs->bmp_len = (x->replay + 31u) / 32u;
	}
	ret = put_algs(nlh, cap, x);
	if (ret)
		return ret;
	if (x->natt_type) {
		struct xfrm_encap_tmpl *e = xfrm_nl_attr_reserve(nlh, cap, XFRMA_ENCAP, sizeof(*e));

		if (!e)
			return -EMSGSIZE;
		e->encap_type = x->natt_type;
		e->encap_sport = x->natt_sport;
		e->encap_dport = x->natt_dport;
	}
	return 0;
}

void xfrm_sa_id_put(struct nlmsghdr *nlh, const struct pfkm_sa_id *id)
{
	struct xfrm_usersa_id *u = mnl_nlmsg_put_extra_header(nlh, sizeof(*u));

	xfrm_addr_out(&u->daddr, &id->daddr, id->family);
	u->spi = id->spi;
	u->family = id->family;
	u->proto = id->proto;
}

int xfrm_sa_spi_put(struct nlmsghdr *nlh, const struct pfkm_sa_sel *k, uint32_t seq,
		    uint32_t lo, uint32_t hi)
{
	struct xfrm_userspi_info *u;
	int mode = xfrm_mode_to_nl(k->mode);

	if (mode < 0 || !pfkm_addr_bytes(k->family))
		return -EINVAL;
	u = mnl_nlmsg_put_extra_header(nlh, sizeof(*u));
	xfrm_addr_out(&u->info.id.daddr, &k->daddr, k->family);
	u->info.id.proto = k->proto;
	xfrm_addr_out(&u->info.saddr, &k->saddr, k->family);
	u->info.family = k->family;
	u->info.mode = (uint8_t)mode;
	u->info.reqid = k->reqid;
	u->info.seq = seq;
	u->min = lo;
	u->max = hi;
	return 0;
}

/* The table row of a kernel algorithm name (+ ICV for AEADs): the same
 * crypto name may serve several rows (aes-gcm-16/12/8). */
static const struct pfkm_alg *alg_by_kname(enum pfkm_alg_kind kind, const char *name, bool aead,
					   unsigned int icv)
{
	const struct pfkm_alg *a;
	unsigned int i;

	for (i = 0; (a = pfkm_alg_at(kind, i)); i++) {
		if (!a->crypto_name || strcmp(a->crypto_name, name) || a->aead != aead)
			continue;
		if (aead && a->icv_bits != icv)
			continue;
		return a;
	}
	return NULL;
}

static int key_in(struct pfkm_sa *x, bool auth, const uint8_t *key, unsigned int bits)
{
	return bits ? pfkm_sadb_sa_set_key(x, auth, key, bits) : 0;
}

/* Algorithms; *any: some algorithm attribute was present (not larval). */
static int algs_in(struct pfkm_sa *x, const struct nlattr *const tb[XFRMA_MAX + 1], bool *any)
{
	int ret = 0;

	*any = tb[XFRMA_ALG_AEAD] || tb[XFRMA_ALG_CRYPT] || tb[XFRMA_ALG_COMP] ||
	       tb[XFRMA_ALG_AUTH] || tb[XFRMA_ALG_AUTH_TRUNC];
	if (tb[XFRMA_ALG_AEAD]) {
		const struct xfrm_algo_aead *g = mnl_attr_get_payload(tb[XFRMA_ALG_AEAD]);

		x->enc = alg_by_kname(PFKM_ALG_ENC, g->alg_name, true, g->alg_icv_len);
		x->icv_bits = (uint16_t)g->alg_icv_len;
		if (x->enc) {
			x->enc_id = x->enc->id;
			ret = key_in(x, false, (const uint8_t *)g->alg_key, g->alg_key_len);
		}
	} else if (tb[XFRMA_ALG_CRYPT]) {
		const struct xfrm_algo *g = mnl_attr_get_payload(tb[XFRMA_ALG_CRYPT]);

		x->enc = alg_by_kname(PFKM_ALG_ENC, g->alg_name, false, 0);
		if (x->enc) {
			x->enc_id = x->enc->id;
			ret = key_in(x, false, (const uint8_t *)g->alg_key, g->alg_key_len);
		}
	} else if (tb[XFRMA_ALG_COMP]) {
		const struct xfrm_algo *g = mnl_attr_get_payload(tb[XFRMA_ALG_COMP]);

		x->enc = alg_by_kname(PFKM_ALG_COMP, g->alg_name, false, 0);
		if (x->enc)
			x->enc_id = x->enc->id;
	}
	if (ret)
		return ret;
	if (tb[XFRMA_ALG_AUTH_TRUNC]) {
		const struct xfrm_algo_auth *g = mnl_attr_get_payload(tb[XFRMA_ALG_AUTH_TRUNC]);

		x->auth = alg_by_kname(PFKM_ALG_AUTH, g->alg_name, false, 0);
		x->icv_bits = (uint16_t)g->alg_trunc_len;
		if (x->auth) {
			x->auth_id = x->auth->id;
			ret = key_in(x, true, (const uint8_t *)g->alg_key, g->alg_key_len);
		}
	} else if (tb[XFRMA_ALG_AUTH]) {
		const struct xfrm_algo *g = mnl_attr_get_payload(tb[XFRMA_ALG_AUTH]);

		x->auth = alg_by_kname(PFKM_ALG_AUTH, g->alg_name, false, 0);
		if (x->auth) {
			/* without a truncation, xfrm's default: af_key's */
			x->icv_bits = x->auth->afkey_icv_bits;
			x->auth_id = x->auth->id;
			ret = key_in(x, true, (const uint8_t *)g->alg_key, g->alg_key_len);
		}
	}
	return ret;
}

int xfrm_sa_parse(const struct xfrm_usersa_info *p, const struct nlattr *const tb[XFRMA_MAX + 1],
		  struct pfkm_sa **out)
{
	uint64_t now_real = os_time_real(), now_ms = os_time_mono_ms();
	struct pfkm_sa *x;
	unsigned int window;
	bool any;
	int mode, ret;

	if (p->id.proto != IPPROTO_ESP && p->id.proto != IPPROTO_AH &&
	    p->id.proto != IPPROTO_COMP)
		return -EOPNOTSUPP;
	mode = xfrm_mode_from_nl(p->mode);
	if (mode < 0 || !pfkm_addr_bytes(p->family))
		return -EOPNOTSUPP;
	x = pfkm_sadb_sa_alloc();
	if (!x)
		return -ENOMEM;
	x->proto = p->id.proto;
	x->family = (uint8_t)p->family;
	x->mode = (uint8_t)mode;
	x->spi = p->id.spi;
	xfrm_addr_in(&x->daddr, &p->id.daddr, p->family);
	xfrm_addr_in(&x->saddr, &p->saddr, p->family);
	x->reqid = p->reqid;
	x->seq = p->seq;
	x->flags = flags_from_nl(p->flags);
	window = p->replay_window;
	if (tb[XFRMA_REPLAY_ESN_VAL]) {
		const struct xfrm_replay_state_esn *rs = mnl_attr_get_payload(tb[XFRMA_REPLAY_ESN_VAL]);

		window = rs->replay_window;
	}
	x->replay = (uint8_t)(window > 255 ? 255 : window);
	xfrm_lft_in(&x->hard, &x->soft, &p->lft);
	x->cur.bytes = p->curlft.bytes;
	x->cur.packets = p->curlft.packets;
	x->cur.addtime = p->curlft.add_time;
	x->cur.usetime = p->curlft.use_time;
	/* monotonic twins, from how long ago the wall-clock times were */
	if (p->curlft.add_time && p->curlft.add_time <= now_real)
		x->add_ms = now_ms - (now_real - p->curlft.add_time) * 1000;
	if (p->curlft.use_time && p->curlft.use_time <= now_real)
		x->use_ms = now_ms - (now_real - p->curlft.use_time) * 1000;
	x->sel_family = (uint8_t)(pfkm_addr_bytes(p->sel.family) ? p->sel.family : p->family);
	xfrm_addr_in(&x->sel_saddr, &p->sel.saddr, x->sel_family);
	x->sel_plen = p->sel.prefixlen_s;
	x->sel_proto = p->sel.proto;
	x->sel_sport = p->sel.sport;
	if (tb[XFRMA_ENCAP]) {
		const struct xfrm_encap_tmpl *e = mnl_attr_get_payload(tb[XFRMA_ENCAP]);

		x->natt_type = (uint8_t)e->encap_type;
		x->natt_sport = e->encap_sport;
		x->natt_dport = e->encap_dport;
	}
	ret = algs_in(x, tb, &any);
	if (ret) {
		pfkm_sadb_sa_free(x);
		return ret;
	}
	x->state = any ? PFKM_SA_MATURE : PFKM_SA_LARVAL;
	*out = x;
	return 0;
}

int xfrm_sa_from_msg(const struct nlmsghdr *nlh, struct pfkm_sa **out)
{
	const struct nlattr *tb[XFRMA_MAX + 1];
	int ret;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA && nlh->nlmsg_type != XFRM_MSG_UPDSA)
		return -EINVAL;
	ret = xfrm_nl_attrs(nlh, sizeof(struct xfrm_usersa_info), tb);
	if (ret)
		return ret;
	return xfrm_sa_parse(mnl_nlmsg_get_payload(nlh), tb, out);
}
