// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * xfrm_sa.c: owns the translation between the engine's SA value (struct
 * pfkm_sa) and the kernel's (struct xfrm_state), both ways, with af_key's
 * mapping (pfkey_msg2xfrm_state, __pfkey_xfrm_state2msg) and keysh's
 * improvements on top of it:
 *   - AEADs (AES-GCM/CCM with 16/12/8-byte ICVs, NULL-GMAC,
 *     ChaCha20-Poly1305) become x->aead, with the ICV length of alg.c;
 *   - HMAC-SHA-2 ICVs are RFC 4868's (x->aalg->alg_trunc_len: 128, 192, 256
 *     bits), af_key truncates SHA-256 to 96;
 *   - replay windows above 32 packets use xfrm's bitmap (x->replay_esn),
 *     af_key caps the window at 32;
 *   - SADB_X_SAFLAGS_ESN asks for 64-bit sequence numbers (XFRM_STATE_ESN).
 * Kernel algorithm names come from kmod/core/alg.c (one table); an SA that
 * `ip xfrm` made with an algorithm alg.c lacks reads as algorithm id 0.
 * What an SA keeps (algorithms and keys, replay state, encapsulation) is
 * charged to the requester's memory cgroup (GFP_KERNEL_ACCOUNT); the
 * xfrm_state itself comes from xfrm's own cache, as for `ip xfrm`.
 */
#include <linux/slab.h>
#include "store_xfrm.h"

#define SA_FLAGS (SADB_SAFLAGS_NOECN | SADB_SAFLAGS_DECAP_DSCP | \
		  SADB_SAFLAGS_NOPMTUDISC | SADB_X_SAFLAGS_ESN)

static const struct {
	u32 sadb, xfrm;
} flag_map[] = {
	{ SADB_SAFLAGS_NOECN, XFRM_STATE_NOECN },
	{ SADB_SAFLAGS_DECAP_DSCP, XFRM_STATE_DECAP_DSCP },
	{ SADB_SAFLAGS_NOPMTUDISC, XFRM_STATE_NOPMTUDISC },
	{ SADB_X_SAFLAGS_ESN, XFRM_STATE_ESN },
};

u8 pfkm_xfrm_mode_to(u8 mode)
{
	switch (mode) {
	case IPSEC_MODE_TUNNEL:
		return XFRM_MODE_TUNNEL;
	case IPSEC_MODE_BEET:
		return XFRM_MODE_BEET;
	default:
		return XFRM_MODE_TRANSPORT;
	}
}

/* pfkey_mode_from_xfrm; 0 for the modes PF_KEY has no number for. */
u8 pfkm_xfrm_mode_from(u8 mode)
{
	switch (mode) {
	case XFRM_MODE_TRANSPORT:
		return IPSEC_MODE_TRANSPORT;
	case XFRM_MODE_TUNNEL:
		return IPSEC_MODE_TUNNEL;
	case XFRM_MODE_BEET:
		return IPSEC_MODE_BEET;
	default:
		return 0;
	}
}

static void *algo_alloc(size_t head, const char *name, const u8 *key, unsigned int bits)
{
	struct xfrm_algo *a = kzalloc(head + (bits + 7) / 8, GFP_KERNEL_ACCOUNT);

	if (!a)
		return NULL;
	strscpy(a->alg_name, name, sizeof(a->alg_name));
	if (bits)
		memcpy((u8 *)a + head, key, (bits + 7) / 8);
	return a;
}

/*
 * xfrm's own table must know the algorithm and have found it usable (the
 * probe sets its .available, which esp4/esp6/ah4/ah6 rely on): -ENOSYS
 * otherwise, as af_key's xfrm_*_get_byid. Its entry also names the IV
 * generator ESP wraps the cipher in (x->geniv: seqiv, echainiv).
 */
static int algs_to(struct xfrm_state *x, const struct pfkm_sa *sa)
{
	const struct pfkm_alg *e = sa->enc;
	struct xfrm_algo_desc *d;

	if (sa->auth && !xfrm_aalg_get_byname(sa->auth->crypto_name, 1))
		return -ENOSYS;
	if (sa->proto == IPPROTO_COMP) {
		if (!e)
			return -EINVAL;
		if (!xfrm_calg_get_byname(e->crypto_name, 1))
			return -ENOSYS;
		x->calg = algo_alloc(sizeof(struct xfrm_algo), e->crypto_name, NULL, 0);
		if (!x->calg)
			return -ENOBUFS;
		x->props.calgo = sa->enc_id;
		return 0;
	}
	if (sa->auth) {
		x->aalg = algo_alloc(sizeof(struct xfrm_algo_auth), sa->auth->crypto_name,
				     sa->auth_key, sa->auth_bits);
		if (!x->aalg)
			return -ENOBUFS;
		x->aalg->alg_key_len = sa->auth_bits;
		x->aalg->alg_trunc_len = sa->icv_bits;
		x->props.aalgo = sa->auth_id;
	}
	if (e && e->aead) {
		d = xfrm_aead_get_byname(e->crypto_name, e->icv_bits, 1);
		if (!d)
			return -ENOSYS;
		x->aead = algo_alloc(sizeof(struct xfrm_algo_aead), e->crypto_name,
				     sa->enc_key, sa->enc_bits);
		if (!x->aead)
			return -ENOBUFS;
		x->aead->alg_key_len = sa->enc_bits;
		x->aead->alg_icv_len = e->icv_bits;
		x->props.ealgo = sa->enc_id;
		x->geniv = d->uinfo.aead.geniv;
	} else if (e) {
		d = xfrm_ealg_get_byname(e->crypto_name, 1);
		if (!d)
			return -ENOSYS;
		x->ealg = algo_alloc(sizeof(struct xfrm_algo), e->crypto_name,
				     sa->enc_key, sa->enc_bits);
		if (!x->ealg)
			return -ENOBUFS;
		x->ealg->alg_key_len = sa->enc_bits;
		x->props.ealgo = sa->enc_id;
		x->geniv = d->uinfo.encr.geniv;
	}
	return 0;
}

/* Windows above 32 and ESN need xfrm's bitmap state (and its twin that
 * xfrm compares for replay notifications).
 */
static int replay_to(struct xfrm_state *x, const struct pfkm_sa *sa)
{
	struct xfrm_replay_state_esn *r, *p;
	unsigned int words = DIV_ROUND_UP(sa->replay, 32);
	size_t sz;

	x->props.replay_window = min_t(unsigned int, sa->replay, 32);
	if (sa->replay <= 32 && !(sa->flags & SADB_X_SAFLAGS_ESN))
		return 0;
	if (!words)
		words = 1;
	sz = sizeof(*r) + words * sizeof(__u32);
	r = kzalloc(sz, GFP_KERNEL_ACCOUNT);
	p = kzalloc(sz, GFP_KERNEL_ACCOUNT);
	if (!r || !p) {
		kfree(r);
		kfree(p);
		return -ENOBUFS;
	}
	r->bmp_len = words;
	r->replay_window = sa->replay;
	memcpy(p, r, sz);
	x->replay_esn = r;
	x->preplay_esn = p;
	x->props.replay_window = sa->replay;
	return 0;
}

int pfkm_xfrm_sa_to_state(struct net *net, const struct pfkm_sa *sa, struct xfrm_state **out)
{
	struct xfrm_state *x;
	unsigned int i;
	int ret;

	if (sa->family != AF_INET && sa->family != AF_INET6)
		return -EINVAL;
	x = xfrm_state_alloc(net);
	if (!x)
		return -ENOBUFS;
	x->id.proto = sa->proto;
	x->id.spi = sa->spi;
	memcpy(&x->id.daddr, &sa->daddr, sizeof(x->id.daddr));
	memcpy(&x->props.saddr, &sa->saddr, sizeof(x->props.saddr));
	x->props.family = sa->family;
	x->props.mode = pfkm_xfrm_mode_to(sa->mode);
	x->props.reqid = sa->reqid;
	for (i = 0; i < ARRAY_SIZE(flag_map); i++)
		if (sa->flags & flag_map[i].sadb)
			x->props.flags |= flag_map[i].xfrm;
	ret = replay_to(x, sa);
	if (ret)
		goto err;

	pfkm_xfrm_lft_to(&sa->hard, &sa->soft, &x->lft);

	ret = algs_to(x, sa);
	if (ret)
		goto err;

	/* The PROXY address, as af_key: the selector's source only. */
	x->sel.family = sa->sel_family ? sa->sel_family : sa->family;
	memcpy(&x->sel.saddr, &sa->sel_saddr, sizeof(x->sel.saddr));
	x->sel.prefixlen_s = sa->sel_plen;
	x->sel.proto = sa->sel_proto;
	x->sel.sport = sa->sel_sport;
	if (sa->sel_sport)
		x->sel.sport_mask = htons(0xffff);

	if (sa->natt_type) {
		x->encap = kzalloc(sizeof(*x->encap), GFP_KERNEL_ACCOUNT);
		ret = -ENOBUFS;
		if (!x->encap)
			goto err;
		x->encap->encap_type = sa->natt_type;
		x->encap->encap_sport = sa->natt_sport;
		x->encap->encap_dport = sa->natt_dport;
	}
	x->km.seq = sa->seq;
	*out = x;
	return 0;

err:
	x->km.state = XFRM_STATE_DEAD;
	xfrm_state_put(x);
	return ret;
}

static const struct pfkm_alg *alg_find(enum pfkm_alg_kind kind, const char *name, int icv)
{
	const struct pfkm_alg *a;
	unsigned int i;

	for (i = 0; (a = pfkm_alg_at(kind, i)); i++) {
		if (strcmp(a->crypto_name, name))
			continue;
		if (icv >= 0 && a->aead && a->icv_bits != icv)
			continue;
		if (icv >= 0 && !a->aead)
			continue;
		return a;
	}
	return NULL;
}

static size_t key_bytes(unsigned int bits)
{
	return ((size_t)bits + 7) / 8;
}

/* Key bytes of x: auth bytes, then enc (or AEAD) bytes. */
static size_t keys_size(const struct xfrm_state *x, const char **ek, unsigned int *ab,
			unsigned int *eb)
{
	*ab = x->aalg ? x->aalg->alg_key_len : 0;
	*eb = 0;
	*ek = NULL;
	if (x->aead) {
		*eb = x->aead->alg_key_len;
		*ek = x->aead->alg_key;
	} else if (x->ealg) {
		*eb = x->ealg->alg_key_len;
		*ek = x->ealg->alg_key;
	}
	return key_bytes(*ab) + key_bytes(*eb);
}

/* The SADB ids and ICV length of x's algorithms, by their crypto names. */
static void algs_from(const struct xfrm_state *x, struct pfkm_sa *sa)
{
	if (x->aalg) {
		sa->auth = alg_find(PFKM_ALG_AUTH, x->aalg->alg_name, -1);
		sa->auth_id = sa->auth ? sa->auth->id : 0;
		sa->icv_bits = x->aalg->alg_trunc_len;
	}
	if (x->aead) {
		sa->enc = alg_find(PFKM_ALG_ENC, x->aead->alg_name, x->aead->alg_icv_len);
		sa->icv_bits = x->aead->alg_icv_len;
	} else if (x->ealg) {
		sa->enc = alg_find(PFKM_ALG_ENC, x->ealg->alg_name, -1);
	} else if (x->calg) {
		sa->enc = alg_find(PFKM_ALG_COMP, x->calg->alg_name, -1);
	}
	sa->enc_id = sa->enc ? sa->enc->id : 0;
}

/* x's keys into k (keys_size bytes), laid out as pfkm_sadb_sa_set_key
 * does: one block, auth bytes then enc bytes.
 */
static void keys_from(const struct xfrm_state *x, struct pfkm_sa *sa, u8 *k)
{
	unsigned int ab, eb;
	const char *ek;

	keys_size(x, &ek, &ab, &eb);
	if (key_bytes(ab))
		memcpy(k, x->aalg->alg_key, key_bytes(ab));
	if (key_bytes(eb))
		memcpy(k + key_bytes(ab), ek, key_bytes(eb));
	sa->auth_key = key_bytes(ab) ? k : NULL;
	sa->enc_key = key_bytes(eb) ? k + key_bytes(ab) : NULL;
	sa->auth_bits = (u16)ab;
	sa->enc_bits = (u16)eb;
}

static u8 state_from(const struct xfrm_state *x)
{
	switch (x->km.state) {
	case XFRM_STATE_ACQ:
		return PFKM_SA_LARVAL;
	case XFRM_STATE_VALID:
		return PFKM_SA_MATURE;
	case XFRM_STATE_ERROR:
		return PFKM_SA_ERROR;
	case XFRM_STATE_EXPIRED:
		return PFKM_SA_EXPIRED;
	default:
		return PFKM_SA_DEAD;
	}
}

/* Everything but keys and algorithms (x->lock held, or a km callback). */
static void copy_fields(const struct xfrm_state *x, struct pfkm_sa *sa)
{
	unsigned int i;

	sa->spi = x->id.spi;
	sa->proto = x->id.proto;
	sa->family = x->props.family;
	sa->mode = pfkm_xfrm_mode_from(x->props.mode);
	sa->state = state_from(x);
	sa->dying = x->km.dying;
	memcpy(&sa->daddr, &x->id.daddr, sizeof(sa->daddr));
	memcpy(&sa->saddr, &x->props.saddr, sizeof(sa->saddr));
	sa->reqid = x->props.reqid;
	sa->seq = x->km.seq;
	sa->replay = min_t(u32, x->replay_esn ? x->replay_esn->replay_window :
			   x->props.replay_window, U8_MAX);
	for (i = 0; i < ARRAY_SIZE(flag_map); i++)
		if (x->props.flags & flag_map[i].xfrm)
			sa->flags |= flag_map[i].sadb;
	sa->flags &= SA_FLAGS;

	pfkm_xfrm_lft_from(&x->lft, &x->curlft, &sa->hard, &sa->soft, &sa->cur);

	sa->sel_family = x->sel.family;
	memcpy(&sa->sel_saddr, &x->sel.saddr, sizeof(sa->sel_saddr));
	sa->sel_plen = x->sel.prefixlen_s;
	sa->sel_proto = x->sel.proto;
	sa->sel_sport = x->sel.sport;

	if (x->encap) {
		sa->natt_type = (u8)x->encap->encap_type;
		sa->natt_sport = x->encap->encap_sport;
		sa->natt_dport = x->encap->encap_dport;
	}
}

static bool showable(const struct xfrm_state *x)
{
	return (x->props.family == AF_INET || x->props.family == AF_INET6) &&
	       pfkm_xfrm_mode_from(x->props.mode) && pfkm_sa_proto2satype(x->id.proto);
}

/* Everything from x but the keys, into a zeroed sa. */
static void fill(struct xfrm_state *x, bool lock, struct pfkm_sa *sa)
{
	sa->all.next = &sa->all;
	sa->all.prev = &sa->all;
	/* Algorithm names never change in a live state. */
	algs_from(x, sa);
	if (lock) {
		spin_lock_bh(&x->lock);
		copy_fields(x, sa);
		spin_unlock_bh(&x->lock);
	} else {
		copy_fields(x, sa);
	}
}

int pfkm_xfrm_sa_from_state(struct xfrm_state *x, gfp_t gfp, bool lock, struct pfkm_sa **out)
{
	struct pfkm_sa *sa;
	unsigned int ab, eb;
	const char *ek;
	size_t n;
	u8 *k = NULL;

	if (!showable(x))
		return -EINVAL;
	sa = kzalloc(sizeof(*sa), gfp);
	if (!sa)
		return -ENOBUFS;
	/* Keys never change in a live state. */
	n = keys_size(x, &ek, &ab, &eb);
	if (n) {
		k = kzalloc(n, gfp);
		if (!k) {
			kfree(sa);
			return -ENOBUFS;
		}
		keys_from(x, sa, k);
	}
	fill(x, lock, sa);
	*out = sa;
	return 0;
}

int pfkm_xfrm_sa_view(struct xfrm_state *x, struct pfkm_xfrm_sa_buf *b)
{
	unsigned int ab, eb;
	const char *ek;
	size_t n;

	if (!showable(x))
		return -EINVAL;
	n = keys_size(x, &ek, &ab, &eb);
	if (n > b->cap) {
		u8 *k = kmalloc(n, GFP_KERNEL);

		if (!k)
			return -ENOBUFS;
		kfree_sensitive(b->keys);
		b->keys = k;
		b->cap = n;
	}
	memset(&b->sa, 0, sizeof(b->sa));
	if (n)
		keys_from(x, &b->sa, b->keys);
	fill(x, true, &b->sa);
	return 0;
}

void pfkm_xfrm_sa_buf_wipe(struct pfkm_xfrm_sa_buf *b)
{
	memzero_explicit(&b->sa, sizeof(b->sa));
	kfree_sensitive(b->keys);
	b->keys = NULL;
	b->cap = 0;
}

int pfkm_xfrm_sa_adopt(struct xfrm_state *x, struct pfkm_sa *sa)
{
	u8 *k = sa->auth_key ? sa->auth_key : sa->enc_key;
	u16 sab = sa->auth_bits, seb = sa->enc_bits;
	unsigned int ab, eb;
	const char *ek;

	if (!showable(x))
		return -EINVAL;
	keys_size(x, &ek, &ab, &eb);
	if (ab != sab || eb != seb || sa->dp ||
	    (key_bytes(ab) && memcmp(sa->auth_key, x->aalg->alg_key, key_bytes(ab))) ||
	    (key_bytes(eb) && memcmp(sa->enc_key, ek, key_bytes(eb))))
		return -ESTALE;
	memset(sa, 0, sizeof(*sa));
	if (k)
		keys_from(x, sa, k);
	fill(x, false, sa);
	return 0;
}
