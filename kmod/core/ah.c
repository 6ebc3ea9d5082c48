// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * ah.c: AH (RFC 4302) header insertion and removal, and the ICV over an
 * IPv4/IPv6 packet with its mutable fields zeroed (see ah.h for which).
 *
 * The packet is never modified to compute the ICV: the MAC input is a list
 * of pieces (struct pfkm_buf) pointing into the packet, at zeros for mutable
 * bytes, and at small copies (the base header, a routing header's first 8
 * bytes) where bytes must be changed or reordered. Adjacent pieces merge.
 */
#include "ah.h"
#include "ip.h"

#define SEG_MAX 32
#define RH_MAX 2		/* routing headers rearranged per packet */

#define NH_HOPOPTS 0
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_AH 51
#define NH_DSTOPTS 60

static const uint8_t zeros[256];

struct icv_in {
	struct pfkm_buf v[SEG_MAX];
	size_t n;
	bool overflow;
	uint8_t hdr[60];		/* copy of the IPv4/IPv6 base header */
	uint8_t rh[RH_MAX][8];		/* routing header fronts, segleft 0 */
	uint8_t seqhi[4];
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void add(struct icv_in *in, const uint8_t *p, size_t n)
{
	struct pfkm_buf *last = in->n ? &in->v[in->n - 1] : NULL;

	if (!n)
		return;
	if (last && last->p + last->n == p) {
		last->n += n;
		return;
	}
	if (in->n == SEG_MAX) {
		in->overflow = true;
		return;
	}
	in->v[in->n++] = (struct pfkm_buf){ p, n };
}

int pfkm_ah_init(struct pfkm_ah *ah, uint32_t spi, bool esn,
		 const struct pfkm_alg *auth, const uint8_t *key, size_t key_len)
{
	int ret;

	memset(ah, 0, sizeof(*ah));
	if (!auth || auth->kind != PFKM_ALG_AUTH || auth->id == SADB_X_AALG_NULL)
		return -EINVAL;
	ret = pfkm_xform_create(auth, key, key_len, &ah->ax);
	if (ret)
		return ret;
	ah->spi = spi;
	ah->esn = esn;
	ah->auth = auth;
	ah->icv_len = (uint8_t)pfkm_xform_icv_len(ah->ax);
	return 0;
}

void pfkm_ah_fini(struct pfkm_ah *ah)
{
	pfkm_xform_destroy(ah->ax);
	os_wipe(ah, sizeof(*ah));
}

/* 8-byte aligned for IPv6 (RFC 4302 s2.6) and, as Linux ah4 sends and by
 * default requires, for IPv4 too (RFC 4302 asks only 4 there; the ICV
 * covers the padding, sent as zeros). */
size_t pfkm_ah_hdr_len(const struct pfkm_ah *ah, int ipver)
{
	(void)ipver;
	return (PFKM_AH_HDR + ah->icv_len + 7u) / 8u * 8u;
}

/* Inbound IPv4 also accepts the 4-byte aligned form (RFC 4302 peers,
 * Linux states with `flag align4`). */
static bool ahlen_ok(const struct pfkm_ah *ah, int ipver, size_t ahlen)
{
	size_t n4 = (PFKM_AH_HDR + ah->icv_len + 3u) / 4u * 4u;

	return ahlen == pfkm_ah_hdr_len(ah, ipver) || (ipver == 4 && ahlen == n4);
}

/* AH protects whole packets: fragments are reassembled before AH input
 * and made after AH output, so a fragment here is refused. */
static int ipv4_check(const uint8_t *pkt, size_t len, size_t *ihl)
{
	if (len < 20 || pkt[0] >> 4 != 4)
		return -EINVAL;
	*ihl = (pkt[0] & 0xf) * 4u;
	if (*ihl < 20 || *ihl > len || get16(pkt + 2) != len || (get16(pkt + 6) & 0x3fff))
		return -EINVAL;
	return 0;
}

static int ipv6_check(const uint8_t *pkt, size_t len)
{
	if (len < 40 || pkt[0] >> 4 != 6 || get16(pkt + 4) + 40u != len)
		return -EINVAL;
	return 0;
}

/* Extension header length at off, or 0 if it does not fit in len. */
static size_t ext_len(const uint8_t *pkt, size_t len, size_t off, uint8_t nh)
{
	size_t n;

	if (off + 8 > len)
		return 0;
	n = nh == NH_FRAGMENT ? 8 : (pkt[off + 1] + 1u) * 8;
	return off + n > len ? 0 : n;
}

int pfkm_ah_find(const uint8_t *pkt, size_t len, size_t *ah_off, size_t *nh_off)
{
	size_t off, ihl, n;
	uint8_t nh;

	if (len < 1)
		return -EINVAL;
	if (pkt[0] >> 4 == 4) {
		if (ipv4_check(pkt, len, &ihl))
			return -EINVAL;
		if (pkt[9] != NH_AH)
			return -ENOENT;
		*nh_off = 9;
		off = ihl;
	} else {
		if (ipv6_check(pkt, len))
			return -EINVAL;
		*nh_off = 6;
		nh = pkt[6];
		off = 40;
		/* Bounded: each step consumes at least 8 bytes. */
		while (nh != NH_AH) {
			if (nh != NH_HOPOPTS && nh != NH_ROUTING && nh != NH_DSTOPTS)
				return nh == NH_FRAGMENT ? -EINVAL : -ENOENT;
			n = ext_len(pkt, len, off, nh);
			if (!n)
				return -EINVAL;
			*nh_off = off;
			nh = pkt[off];
			off += n;
		}
	}
	if (off + PFKM_AH_HDR > len || off + (pkt[off + 1] + 2u) * 4 > len)
		return -EINVAL;
	*ah_off = off;
	return 0;
}

/* RFC 4302 A.1 / Linux ip_clear_mutable_options: zero mutable options in
 * the header copy h; LSRR/SSRR make the final hop the destination. */
static int ipv4_options(uint8_t *h, size_t ihl)
{
	uint8_t *o = h + 20;
	size_t l = ihl - 20, ol;

	while (l > 0) {
		if (o[0] == 0)		/* end of options */
			return 0;
		if (o[0] == 1) {	/* no-op */
			o++;
			l--;
			continue;
		}
		if (l < 2)
			return -EINVAL;
		ol = o[1];
		if (ol < 2 || ol > l)
			return -EINVAL;
		switch (o[0]) {
		case 0x82:		/* security */
		case 0x85:		/* extended security */
		case 0x86:		/* CIPSO */
		case 0x94:		/* router alert */
		case 0x95:		/* RFC 1770 */
			break;
		case 0x83:		/* LSRR */
		case 0x89:		/* SSRR */
			if (ol < 7)
				return -EINVAL;
			memcpy(h + 16, o + ol - 4, 4);
			/* fall through */
		default:
			memset(o, 0, ol);
		}
		o += ol;
		l -= ol;
	}
	return 0;
}

static int ipv6_options(struct icv_in *in, const uint8_t *pkt, size_t off, size_t n)
{
	size_t o = off + 2, end = off + n, ol;

	add(in, pkt + off, 2);
	while (o < end) {
		if (pkt[o] == 0) {	/* Pad1 */
			add(in, pkt + o, 1);
			o++;
			continue;
		}
		if (o + 2 > end)
			return -EINVAL;
		ol = pkt[o + 1];
		if (o + 2 + ol > end)
			return -EINVAL;
		add(in, pkt + o, 2);
		add(in, pkt[o] & 0x20 ? zeros : pkt + o + 2, ol);
		o += 2 + ol;
	}
	return 0;
}

/* The routing header as the final destination will see it. */
static int ipv6_routing(struct icv_in *in, const uint8_t *pkt, size_t off, size_t n,
			unsigned int *nrh)
{
	size_t nseg, left, k;
	const uint8_t *addr = pkt + off + 8;
	uint8_t *front;

	left = pkt[off + 3];
	if (!left) {
		add(in, pkt + off, n);
		return 0;
	}
	if (pkt[off + 2] != 0 && pkt[off + 2] != 2)
		return -EOPNOTSUPP;
	nseg = pkt[off + 1] / 2u;
	if (left > nseg || *nrh == RH_MAX)
		return -EINVAL;
	front = in->rh[(*nrh)++];
	memcpy(front, pkt + off, 8);
	front[3] = 0;
	k = nseg - left;
	add(in, front, 8);
	add(in, addr, 16 * k);
	add(in, pkt + 24, 16);			/* today's destination */
	add(in, addr + 16 * k, 16 * (left - 1));
	add(in, addr + 16 * nseg, n - 8 - 16 * nseg);
	memcpy(in->hdr + 24, addr + 16 * (nseg - 1), 16);
	return 0;
}

static int build_icv_input(struct pfkm_ah *ah, struct icv_in *in, const uint8_t *pkt,
			   size_t len, size_t ah_off, uint32_t seq_hi)
{
	size_t ihl, off, n, ahlen;
	unsigned int nrh = 0;
	uint8_t nh;
	int ret;

	in->n = 0;
	in->overflow = false;
	if (pkt[0] >> 4 == 4) {
		if (ipv4_check(pkt, len, &ihl) || ah_off != ihl)
			return -EINVAL;
		memcpy(in->hdr, pkt, ihl);
		in->hdr[1] = 0;				/* TOS */
		put16(in->hdr + 6, 0);			/* flags, fragment offset */
		in->hdr[8] = 0;				/* TTL */
		put16(in->hdr + 10, 0);			/* checksum */
		ret = ipv4_options(in->hdr, ihl);
		if (ret)
			return ret;
		add(in, in->hdr, ihl);
	} else {
		if (ipv6_check(pkt, len) || ah_off < 40)
			return -EINVAL;
		memcpy(in->hdr, pkt, 40);
		in->hdr[0] &= 0xf0;			/* traffic class, flow label */
		in->hdr[1] = in->hdr[2] = in->hdr[3] = 0;
		in->hdr[7] = 0;				/* hop limit */
		add(in, in->hdr, 40);
		nh = pkt[6];
		for (off = 40; off < ah_off; off += n) {
			n = ext_len(pkt, len, off, nh);
			if (!n || off + n > ah_off)
				return -EINVAL;
			switch (nh) {
			case NH_HOPOPTS:
			case NH_DSTOPTS:
				ret = ipv6_options(in, pkt, off, n);
				break;
			case NH_ROUTING:
				ret = ipv6_routing(in, pkt, off, n, &nrh);
				break;
			default:
				ret = -EINVAL;
			}
			if (ret)
				return ret;
			nh = pkt[off];
		}
		if (off != ah_off || nh != NH_AH)
			return -EINVAL;
	}
	if (ah_off + PFKM_AH_HDR > len)
		return -EINVAL;
	ahlen = (pkt[ah_off + 1] + 2u) * 4;
	if (ahlen < PFKM_AH_HDR + ah->icv_len || ah_off + ahlen > len)
		return -EINVAL;
	add(in, pkt + ah_off, PFKM_AH_HDR);
	add(in, zeros, ah->icv_len);
	add(in, pkt + ah_off + PFKM_AH_HDR + ah->icv_len, ahlen - PFKM_AH_HDR - ah->icv_len);
	add(in, pkt + ah_off + ahlen, len - ah_off - ahlen);
	if (ah->esn) {
		put32(in->seqhi, seq_hi);
		add(in, in->seqhi, 4);
	}
	return in->overflow ? -EOPNOTSUPP : 0;
}

int pfkm_ah_icv(struct pfkm_ah *ah, const uint8_t *pkt, size_t len, size_t ah_off,
		uint32_t seq_hi, uint8_t *icv)
{
	struct icv_in in;
	int ret;

	if (!ah->ax || !len)
		return -EINVAL;
	ret = build_icv_input(ah, &in, pkt, len, ah_off, seq_hi);
	if (ret)
		return ret;
	return pfkm_xform_mac(ah->ax, in.v, in.n, icv);
}

/* Where AH goes in an outbound packet, and the byte naming what follows. */
static int insert_point(const uint8_t *pkt, size_t len, size_t *ins, size_t *nh_off)
{
	size_t off, n;
	uint8_t nh;

	if (len && pkt[0] >> 4 == 4) {
		if (ipv4_check(pkt, len, ins))
			return -EINVAL;
		*nh_off = 9;
		return 0;
	}
	if (ipv6_check(pkt, len))
		return -EINVAL;
	*ins = 40;
	*nh_off = 6;
	nh = pkt[6];
	off = 40;
	/* RFC 4302 s3.1.1: after hop-by-hop and routing headers and destination
	 * options meant for the routers of a routing header (a fragment header
	 * would mean a fragment: refused as in ipv4_check). */
	while (nh == NH_HOPOPTS || nh == NH_ROUTING || nh == NH_FRAGMENT || nh == NH_DSTOPTS) {
		if (nh == NH_FRAGMENT)
			return -EINVAL;
		n = ext_len(pkt, len, off, nh);
		if (!n)
			return -EINVAL;
		if (nh == NH_DSTOPTS && pkt[off] != NH_ROUTING)
			break;
		*ins = off + n;
		*nh_off = off;
		nh = pkt[off];
		off += n;
	}
	return 0;
}

int pfkm_ah_encap(struct pfkm_ah *ah, uint64_t seq, uint8_t *pkt, size_t cap, size_t len,
		  size_t *out_len)
{
	size_t ins, nh_off, ahlen;
	int ver, ret;
	uint8_t *a;

	if (!ah->ax)
		return -EINVAL;
	if (seq == 0 || (!ah->esn && seq > UINT32_MAX))
		return -EOVERFLOW;
	ret = insert_point(pkt, len, &ins, &nh_off);
	if (ret)
		return ret;
	ver = pkt[0] >> 4;
	ahlen = pfkm_ah_hdr_len(ah, ver);
	if (len + ahlen > cap || len + ahlen > 0xffff + (ver == 6 ? 40u : 0u))
		return -EMSGSIZE;
	memmove(pkt + ins + ahlen, pkt + ins, len - ins);
	a = pkt + ins;
	a[0] = pkt[nh_off];
	a[1] = (uint8_t)(ahlen / 4 - 2);
	a[2] = a[3] = 0;
	put32(a + 4, ah->spi);
	put32(a + 8, (uint32_t)seq);
	memset(a + PFKM_AH_HDR, 0, ahlen - PFKM_AH_HDR);
	pkt[nh_off] = NH_AH;
	len += ahlen;
	if (ver == 4) {
		put16(pkt + 2, (uint16_t)len);
		pfkm_ip4_csum_set(pkt);
	} else {
		put16(pkt + 4, (uint16_t)(len - 40));
	}
	ret = pfkm_ah_icv(ah, pkt, len, ins, (uint32_t)(seq >> 32), a + PFKM_AH_HDR);
	if (ret)
		return ret;
	*out_len = len;
	return 0;
}

int pfkm_ah_decap(struct pfkm_ah *ah, struct pfkm_replay *rp, uint8_t *pkt, size_t len,
		  struct pfkm_ah_rx *rx)
{
	uint8_t icv[PFKM_XFORM_ICV_MAX];
	size_t ah_off, nh_off, ahlen;
	uint64_t seq;
	int ver, ret;
	uint8_t nh;

	if (!ah->ax)
		return -EINVAL;
	ret = pfkm_ah_find(pkt, len, &ah_off, &nh_off);
	if (ret)
		return ret;
	ver = pkt[0] >> 4;
	ahlen = (pkt[ah_off + 1] + 2u) * 4;
	if (!ahlen_ok(ah, ver, ahlen))
		return -EINVAL;
	if (get32(pkt + ah_off + 4) != ah->spi)
		return -EINVAL;
	if ((ah->esn && !rp) || (rp && rp->esn != ah->esn))
		return -EINVAL;
	seq = rp ? pfkm_replay_infer(rp, get32(pkt + ah_off + 8)) : get32(pkt + ah_off + 8);
	if (rp) {
		ret = pfkm_replay_check(rp, seq);
		if (ret)
			return ret;
	}
	ret = pfkm_ah_icv(ah, pkt, len, ah_off, (uint32_t)(seq >> 32), icv);
	if (ret)
		return ret;
	if (pfkm_xform_ct_cmp(icv, pkt + ah_off + PFKM_AH_HDR, ah->icv_len))
		return -EBADMSG;
	if (rp) {
		ret = pfkm_replay_advance(rp, seq);
		if (ret)
			return ret;
	}
	nh = pkt[ah_off];
	memmove(pkt + ah_off, pkt + ah_off + ahlen, len - ah_off - ahlen);
	len -= ahlen;
	pkt[nh_off] = nh;
	if (ver == 4) {
		put16(pkt + 2, (uint16_t)len);
		pfkm_ip4_csum_set(pkt);
	} else {
		put16(pkt + 4, (uint16_t)(len - 40));
	}
	rx->seq = seq;
	rx->len = len;
	rx->next_hdr = nh;
	return 0;
}

#include "selftest/ah.c"
