// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * dp.c: owns the portable IPv4/IPv6 data path of a pfkm_net (see dp.h): the
 * per-SA side table (transforms, replay windows, counters) and the
 * outbound/inbound packet decisions, and the packets held for an ACQUIRE.
 * Policy lookup, template resolution, ACQUIRE and byte/packet lifetimes go
 * through the core (pfkm_spd_lookup, pfkm_acquire_flow, pfkm_expire_count,
 * pfkm_expire_account) under the store lock. A packet is in an SA's CURRENT
 * lifetime and in its counters (struct pfkm_dp_sa_stats packets/bytes) only
 * once it went through that SA, with the same byte count in both. ESP SAs
 * with UDP encapsulation (RFC 3948, natt.c)
 * get the UDP header after ESP outbound; inbound, UDP to one of the net's
 * NAT-T ports is sorted there (IKE to the socket, keepalive dropped, ESP
 * unwrapped and decapsulated by an esp-udp SA of that destination port;
 * a new source address or port is reported as NAT_T_NEW_MAPPING).
 */
#include "store_mem.h"
#include "net.h"
#include "dp.h"
#include "esp.h"
#include "ah.h"
#include "ip.h"
#include "natt.h"

#define MAX_DEPTH 4		/* nested decapsulations per packet */
#define NH_IPV6 41		/* IPv6 in IP (tunnel mode) */

/*
 * An SA's data-path state. Lifetime: created on the SA's first use
 * (dp_sa_get), the SA and the entry point at each other (sa->dp, d->sa)
 * until the SA is freed (pfkm_sadb_sa_free clears d->sa through sa->dp, the entry stays
 * for its counters) or the entry is dropped (dp_sa_drop: sa->dp = NULL);
 * pfkm_dp_gc frees entries whose SA is gone or no longer MATURE. All of it
 * under the store lock. No lookup by (daddr, SPI) or add time: an SA freed and
 * another allocated at its address in the same millisecond, or an SA whose
 * addresses MIGRATE changed, cannot be mistaken.
 */
struct dp_sa {
	struct pfkm_sa *sa;		/* first: sa->dp's weak reference (sadb.h); NULL: freed */
	bool ready;
	struct pfkm_esp esp;
	struct pfkm_ah ah;
	struct pfkm_replay rp;
	uint64_t last_seq;		/* outbound: last sequence number sent */
	uint16_t ip_id;			/* outbound IPv4 tunnel: next outer header ID */
	struct pfkm_natt_map map;	/* inbound esp-udp: last NEW_MAPPING sent */
	struct pfkm_dp_sa_stats st;
};

/* One packet kept for an ACQUIRE (pfkm_dp_hold). */
struct dp_held {
	void *pkt;			/* the host's handle */
	struct pfkm_spd_flow fl;	/* its flow, to find its policy again */
	uint64_t until_ms;		/* mono ms: dropped after this */
};

struct pfkm_dp {
	struct pfkm_mem *mem;
	struct dp_sa **tab;
	size_t n, cap;
	struct pfkm_dp_stats st;
	struct dp_held held[PFKM_DP_HOLD_MAX];	/* oldest first, under the store lock */
	unsigned int nheld;
	struct pfkm_natt_ports natt;	/* UDP ports of ESP-in-UDP SAs, under the store lock */
};

/* Header sanity: version 4, ihl, total length within len. Returns ihl. */
static int ip4_check(const uint8_t *p, size_t len)
{
	size_t ihl, tot;

	if (len < PFKM_IP4_HDR || p[0] >> 4 != 4)
		return -EINVAL;
	ihl = (size_t)(p[0] & 15) * 4;
	tot = (size_t)p[2] << 8 | p[3];
	if (ihl < PFKM_IP4_HDR || tot < ihl || tot > len)
		return -EINVAL;
	return (int)ihl;
}

static void ip4_flow(const uint8_t *p, size_t ihl, size_t len, struct pfkm_spd_flow *fl)
{
	bool frag = ((p[6] & 0x3f) | p[7]) != 0;

	memset(fl, 0, sizeof(*fl));
	fl->family = AF_INET;
	fl->proto = p[9];
	memcpy(fl->saddr.b, p + 12, 4);
	memcpy(fl->daddr.b, p + 16, 4);
	if (!frag && (fl->proto == 6 || fl->proto == 17 || fl->proto == 132) && len >= ihl + 4) {
		memcpy(&fl->sport, p + ihl, 2);
		memcpy(&fl->dport, p + ihl + 2, 2);
	}
}

/* IPv6 base header sanity, payload length within len. Extension headers
 * are not walked: p[6] is whatever follows the base header. */
static int ip6_check(const uint8_t *p, size_t len)
{
	if (len < PFKM_IP6_HDR || p[0] >> 4 != 6 || PFKM_IP6_HDR + ((size_t)p[4] << 8 | p[5]) > len)
		return -EINVAL;
	return (int)PFKM_IP6_HDR;
}

static void ip6_flow(const uint8_t *p, size_t len, struct pfkm_spd_flow *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->family = AF_INET6;
	fl->proto = p[6];
	memcpy(fl->saddr.b, p + 8, 16);
	memcpy(fl->daddr.b, p + 24, 16);
	if ((fl->proto == 6 || fl->proto == 17 || fl->proto == 132) && len >= PFKM_IP6_HDR + 4) {
		memcpy(&fl->sport, p + PFKM_IP6_HDR, 2);
		memcpy(&fl->dport, p + PFKM_IP6_HDR + 2, 2);
	}
}

/* Either version: header length (IPv4 ihl, IPv6 40) and *len set to the
 * packet's own length; the flow when fl is given. */
static int ip_parse(const uint8_t *p, size_t *len, struct pfkm_spd_flow *fl)
{
	int hl;

	if (*len && p[0] >> 4 == 6) {
		hl = ip6_check(p, *len);
		if (hl < 0)
			return hl;
		*len = PFKM_IP6_HDR + ((size_t)p[4] << 8 | p[5]);
		if (fl)
			ip6_flow(p, *len, fl);
		return hl;
	}
	hl = ip4_check(p, *len);
	if (hl < 0)
		return hl;
	*len = (size_t)p[2] << 8 | p[3];
	if (fl)
		ip4_flow(p, (size_t)hl, *len, fl);
	return hl;
}

/* The protocol byte (IPv4 protocol, IPv6 next header of the base header). */
static uint8_t ip_proto(const uint8_t *p)
{
	return p[0] >> 4 == 6 ? p[6] : p[9];
}

static void dp_sa_free(struct dp_sa *d)
{
	pfkm_esp_fini(&d->esp);
	pfkm_ah_fini(&d->ah);
	pfkm_replay_fini(&d->rp);
	os_free_secret(d, sizeof(*d));
}

/* Free tab[i] (swapping the last entry in) and clear its SA's pointer. */
static void dp_sa_drop(struct pfkm_dp *dp, size_t i)
{
	struct dp_sa *d = dp->tab[i];

	if (d->sa)
		d->sa->dp = NULL;
	dp_sa_free(d);
	dp->tab[i] = dp->tab[--dp->n];
}

/* The data-path state of a usable SA (sa->dp, O(1)), created (keyed) on
 * first use and kept in the table that gc, listing and destroy walk. */
static struct dp_sa *dp_sa_get(struct pfkm_dp *dp, struct pfkm_sa *sa)
{
	struct dp_sa *d = sa->dp;
	int ret;

	os_assert_held(dp->mem->lock);
	if (d)
		return d;
	if (dp->n == dp->cap) {
		size_t cap = dp->cap ? dp->cap * 2 : 16;
		struct dp_sa **t = os_zalloc(cap * sizeof(*t));

		if (!t)
			return NULL;
		if (dp->n)
			memcpy(t, dp->tab, dp->n * sizeof(*t));
		os_free(dp->tab);
		dp->tab = t;
		dp->cap = cap;
	}
	d = os_zalloc(sizeof(*d));
	if (!d)
		return NULL;
	d->sa = sa;
	os_random(&d->ip_id, sizeof(d->ip_id));
	if (sa->proto == IPPROTO_ESP)
		ret = pfkm_esp_init(&d->esp, os_ntohl(sa->spi), false, sa->enc, sa->enc_key,
				    (sa->enc_bits + 7) / 8, sa->auth_id ? sa->auth : NULL,
				    sa->auth_key, (sa->auth_bits + 7) / 8);
	else if (sa->proto == IPPROTO_AH)
		ret = pfkm_ah_init(&d->ah, os_ntohl(sa->spi), false, sa->auth, sa->auth_key,
				   (sa->auth_bits + 7) / 8);
	else
		ret = -EOPNOTSUPP;
	/* UDP encapsulation: RFC 3948 ESP-in-UDP only (not the old
	 * non-IKE marker form, not ESP in TCP) */
	if (!ret && sa->natt_type && sa->natt_type != PFKM_NATT_ESPINUDP)
		ret = -EOPNOTSUPP;
	if (!ret)
		ret = pfkm_replay_init(&d->rp, sa->replay, false);
	if (ret) {
		dp_sa_free(d);
		return NULL;
	}
	d->ready = true;
	dp->tab[dp->n++] = d;
	sa->dp = d;
	return d;
}

int pfkm_dp_create(struct pfkm_net *net, struct pfkm_dp **out)
{
	struct pfkm_mem *mem = pfkm_mem_of(net);
	struct pfkm_dp *dp;

	if (!mem)
		return -EOPNOTSUPP;	/* a kernel's store carries its own packets */
	dp = os_zalloc(sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	dp->mem = mem;
	*out = dp;
	return 0;
}

void pfkm_dp_destroy(struct pfkm_dp *dp)
{
	if (!dp)
		return;
	/* the SADB may outlive us (module unload): clear the SAs' pointers */
	os_mutex_lock(dp->mem->lock);
	while (dp->n)
		dp_sa_drop(dp, dp->n - 1);
	if (dp->nheld)	/* the host did not pfkm_dp_hold_flush: its handles leak */
		os_log(OS_LOG_ERR, "dp: destroyed with %u held packets", dp->nheld);
	pfkm_natt_ports_fini(&dp->natt);
	os_mutex_unlock(dp->mem->lock);
	os_free(dp->tab);
	os_free(dp);
}

/* Is d's SA still there and usable? */
static bool dp_sa_live(const struct dp_sa *d)
{
	return d->sa && d->sa->state == PFKM_SA_MATURE;
}

void pfkm_dp_gc(struct pfkm_dp *dp)
{
	struct pfkm_mem *mem = dp->mem;
	size_t i = 0;

	os_mutex_lock(mem->lock);
	while (i < dp->n) {
		if (dp_sa_live(dp->tab[i]))
			i++;
		else
			dp_sa_drop(dp, i);
	}
	os_mutex_unlock(mem->lock);
}

bool pfkm_dp_active(struct pfkm_dp *dp)
{
	return dp->mem->spd.count != 0;
}

#define ECN_MASK 3
#define ECN_ECT0 2
#define ECN_CE 3

/* The TOS / traffic class octet of an IPv4 or IPv6 header. */
static uint8_t ip_tos(const uint8_t *h)
{
	return h[0] >> 4 == 6 ? (uint8_t)((h[0] & 15) << 4 | h[1] >> 4) : h[1];
}

/* Set it; an IPv4 header's checksum is made again. */
static void ip_tos_set(uint8_t *h, uint8_t tos)
{
	if (h[0] >> 4 == 6) {
		h[0] = (uint8_t)(0x60 | tos >> 4);
		h[1] = (uint8_t)((h[1] & 15) | (tos & 15) << 4);
		return;
	}
	h[1] = tos;
	pfkm_ip4_csum_set(h);
}

/*
 * Leaving a tunnel (the outer header's TOS was otos, the inner packet is at
 * in): as xfrm's tunnel input, an outer CE (congestion met on the way)
 * marks an ECN-capable inner packet CE (RFC 6040) unless the SA has
 * SADB_SAFLAGS_NOECN, and SADB_SAFLAGS_DECAP_DSCP copies the outer DSCP
 * into the inner header.
 */
static void tun_decap_tos(const struct pfkm_sa *sa, uint8_t otos, uint8_t *in, size_t len)
{
	uint8_t tos, t;

	/* a malformed inner header is left to the checks that follow */
	if (len < PFKM_IP4_HDR || (in[0] >> 4 == 6 ? len < PFKM_IP6_HDR :
			      (in[0] & 15) < 5 || (size_t)(in[0] & 15) * 4 > len))
		return;
	tos = t = ip_tos(in);

	if (sa->flags & SADB_SAFLAGS_DECAP_DSCP)
		t = (uint8_t)((otos & ~ECN_MASK) | (t & ECN_MASK));
	if (!(sa->flags & SADB_SAFLAGS_NOECN) && (otos & ECN_MASK) == ECN_CE && (t & ECN_MASK))
		t |= ECN_CE;
	if (t != tos)
		ip_tos_set(in, t);
}

/* Outer header of a tunnel SA at buf[0 .. oh) in front of the inner packet
 * at buf + in (either family: IPv4 in IPv6 and IPv6 in IPv4 too):
 * addresses from the SA; TOS / traffic class copied from the inner header
 * (RFC 4301 5.1.2), its ECN field as xfrm does (INET_ECN_encapsulate: an
 * inner CE becomes ECT(0), so the peer's decapsulation cannot mistake it
 * for congestion on the tunnel's path; cleared with SADB_SAFLAGS_NOECN);
 * IPv4 DF copied from an IPv4 inner header and set over an IPv6 one (IPv6
 * is never fragmented on the way: xfrm6_extract_header does the same),
 * clear with SADB_SAFLAGS_NOPMTUDISC; TTL / hop limit 64. Lengths and
 * protocol are set later (ip_fix). */
static void tun_hdr(const struct pfkm_sa *sa, uint8_t *buf, size_t in)
{
	const uint8_t *i = buf + in;
	bool inner6 = i[0] >> 4 == 6;
	uint8_t tos = ip_tos(i);

	if ((tos & ECN_MASK) == ECN_CE)
		tos = (uint8_t)((tos & ~ECN_MASK) | ECN_ECT0);
	if (sa->flags & SADB_SAFLAGS_NOECN)
		tos &= (uint8_t)~ECN_MASK;

	if (sa->family == AF_INET6) {
		buf[0] = (uint8_t)(0x60 | tos >> 4);
		buf[1] = (uint8_t)(tos << 4);
		buf[2] = buf[3] = 0;
		buf[7] = 64;
		memcpy(buf + 8, sa->saddr.b, 16);
		memcpy(buf + 24, sa->daddr.b, 16);
		return;
	}
	buf[0] = 0x45;
	buf[1] = tos;
	buf[4] = buf[5] = 0;
	buf[6] = sa->flags & SADB_SAFLAGS_NOPMTUDISC ? 0 : inner6 ? 0x40 : i[6] & 0x40;
	buf[7] = 0;
	buf[8] = 64;
	memcpy(buf + 12, sa->saddr.b, 4);
	memcpy(buf + 16, sa->daddr.b, 4);
}

/* After ESP: an esp-udp SA's UDP header (RFC 3948) between the (outer) IP
 * header and ESP, from natt_sport to natt_dport. */
static int natt_out(const struct pfkm_sa *sa, uint8_t *buf, size_t cap, size_t *len)
{
	if (sa->natt_type != PFKM_NATT_ESPINUDP)
		return 0;
	return pfkm_natt_encap(buf, cap, len, sa->natt_sport, sa->natt_dport);
}

/* What encapsulating buf with sa takes from d, under the store lock: the
 * checks that need no transform, the sequence number and (IPv4 tunnel) the
 * outer header's ID. The transform itself (encap_apply) needs no lock. */
static int encap_reserve(struct dp_sa *d, const struct pfkm_sa *sa, const uint8_t *buf,
			 uint64_t *seq, uint16_t *ip_id)
{
	bool v6 = buf[0] >> 4 == 6;
	int ret;

	/* ESP goes right after the IPv6 base header: extension headers in
	 * front of it (hop-by-hop, routing) are not handled (AH handles them);
	 * in a tunnel the whole packet is the payload, so they do not matter */
	if (v6 && sa->proto == IPPROTO_ESP && sa->mode != IPSEC_MODE_TUNNEL &&
	    (buf[6] == 0 || buf[6] == 43 || buf[6] == 44 || buf[6] == 60))
		return -EOPNOTSUPP;
	if (sa->mode == IPSEC_MODE_TUNNEL && sa->family != AF_INET && sa->family != AF_INET6)
		return -EAFNOSUPPORT;
	ret = pfkm_replay_seq_next(&d->last_seq, false, seq);
	if (ret)
		return ret;
	/* a distinct ID per outer packet (xfrm: ip_select_ident): IP may
	 * fragment it, and fragments of different packets must not share a
	 * reassembly queue at the peer */
	*ip_id = 0;
	if (sa->mode == IPSEC_MODE_TUNNEL && sa->family == AF_INET)
		*ip_id = d->ip_id++;
	return 0;
}

/* The transform of encap_one with what encap_reserve took: reads d's
 * keyed transforms and sa's addresses and flags, changes nothing but buf. */
static int encap_apply(struct dp_sa *d, const struct pfkm_sa *sa, uint64_t seq, uint16_t ip_id,
		       uint8_t *buf, size_t cap, size_t *len)
{
	bool v6 = buf[0] >> 4 == 6;
	size_t ihl = v6 ? PFKM_IP6_HDR : (size_t)(buf[0] & 15) * 4, out, hl = 0, pl;
	int ret;

	if (sa->mode == IPSEC_MODE_TUNNEL) {
		/* new outer header, the whole packet is the payload */
		bool o6 = sa->family == AF_INET6;
		size_t oh = o6 ? PFKM_IP6_HDR : PFKM_IP4_HDR;
		uint8_t nh = v6 ? NH_IPV6 : IPPROTO_IPIP;

		if (cap < oh)
			return -EMSGSIZE;
		if (sa->proto == IPPROTO_AH) {
			if (cap < *len + oh)
				return -EMSGSIZE;
			memmove(buf + oh, buf, *len);
		} else {
			hl = pfkm_esp_hdr_len(&d->esp);
			if (cap < oh + pfkm_esp_encap_len(&d->esp, *len))
				return -EMSGSIZE;
			memmove(buf + oh + hl, buf, *len);
		}
		pl = *len;
		tun_hdr(sa, buf, oh + (sa->proto == IPPROTO_AH ? 0 : hl));
		if (!o6) {
			buf[4] = (uint8_t)(ip_id >> 8);
			buf[5] = (uint8_t)ip_id;
		}
		if (sa->proto == IPPROTO_AH) {
			if (oh + pl > 0xffff + (o6 ? PFKM_IP6_HDR : 0))
				return -EMSGSIZE;
			pfkm_ip_fix(buf, oh + pl, nh);
			ret = pfkm_ah_encap(&d->ah, seq, buf, cap, oh + pl, &out);
			if (!ret)
				*len = out;
			return ret;
		}
		ret = pfkm_esp_encap(&d->esp, seq, nh, NULL, buf + oh, cap - oh, pl, &out);
		if (ret)
			return ret;
		*len = oh + out;
		if (*len > 0xffff + (o6 ? PFKM_IP6_HDR : 0))
			return -EMSGSIZE;
		pfkm_ip_fix(buf, *len, IPPROTO_ESP);
		return natt_out(sa, buf, cap, len);
	}
	if (sa->proto == IPPROTO_AH) {
		ret = pfkm_ah_encap(&d->ah, seq, buf, cap, *len, &out);
		if (!ret)
			*len = out;
		return ret;
	}
	hl = pfkm_esp_hdr_len(&d->esp);
	pl = *len - ihl;
	if (cap < ihl + pfkm_esp_encap_len(&d->esp, pl))
		return -EMSGSIZE;
	memmove(buf + ihl + hl, buf + ihl, pl);
	ret = pfkm_esp_encap(&d->esp, seq, ip_proto(buf), NULL, buf + ihl, cap - ihl, pl, &out);
	if (ret)
		return ret;
	*len = ihl + out;
	if (*len > 0xffff + (v6 ? PFKM_IP6_HDR : 0))
		return -EMSGSIZE;
	pfkm_ip_fix(buf, *len, IPPROTO_ESP);
	return natt_out(sa, buf, cap, len);
}

/* Apply one SA to the IP packet buf[0 .. *len) (tunnel: the outer header
 * in the SA's family, whatever the inner packet's). */
static int encap_one(struct dp_sa *d, struct pfkm_sa *sa, uint8_t *buf, size_t cap, size_t *len)
{
	uint64_t seq;
	uint16_t ip_id;
	int ret = encap_reserve(d, sa, buf, &seq, &ip_id);

	if (ret)
		return ret;
	return encap_apply(d, sa, seq, ip_id, buf, cap, len);
}

/* Length after the SAs sa[0 .. n) (innermost first) of a packet of len
 * bytes whose IP header is hl bytes (IPv6 when v6): the exact growth
 * encap_one makes, without doing it. */
static size_t grown_len(struct dp_sa *const *d, struct pfkm_sa *const *sa, unsigned int n,
			bool v6, size_t hl, size_t len)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (sa[i]->mode == IPSEC_MODE_TUNNEL) {
			v6 = sa[i]->family == AF_INET6;
			hl = v6 ? PFKM_IP6_HDR : PFKM_IP4_HDR;
			if (sa[i]->proto == IPPROTO_AH)
				len = hl + pfkm_ah_hdr_len(&d[i]->ah, v6 ? 6 : 4) + len;
			else
				len = hl + pfkm_esp_encap_len(&d[i]->esp, len);
		} else if (sa[i]->proto == IPPROTO_AH) {
			len += pfkm_ah_hdr_len(&d[i]->ah, v6 ? 6 : 4);
		} else {
			len = hl + pfkm_esp_encap_len(&d[i]->esp, len - hl);
		}
		if (sa[i]->proto == IPPROTO_ESP && sa[i]->natt_type == PFKM_NATT_ESPINUDP)
			len += PFKM_NATT_HDR;
	}
	return len;
}

/*
 * Path MTU (RFC 1191/8201 as Linux xfrm: xfrm4/6_tunnel_check_size with the
 * bundle MTU of xfrm_state_mtu): the route towards the outermost
 * destination has rt->mtu bytes; would the packet, once through sa[0 .. n),
 * be bigger, and is it IPv6 or IPv4 with DF? Then it is not sent (nor
 * fragmented): -EMSGSIZE, rt->mtu_out = the biggest packet that fits
 * (IPv6: at least 1280, bigger ones are fragmented after encapsulation).
 * 0 when it fits or may be fragmented after encapsulation.
 */
static int pmtu_check(struct pfkm_dp_route *rt, struct dp_sa *const *d,
		      struct pfkm_sa *const *sa, unsigned int n, const uint8_t *buf, size_t len,
		      size_t hl)
{
	const struct pfkm_addr *od = NULL, *os = NULL;
	struct pfkm_addr s4, d4;
	bool v6 = buf[0] >> 4 == 6;
	unsigned int fam = v6 ? AF_INET6 : AF_INET, i;
	size_t lo, hi, mtu;

	if (!rt || !rt->mtu || !n)
		return 0;
	for (i = 0; i < n; i++) {
		if (sa[i]->mode == IPSEC_MODE_TUNNEL) {
			fam = sa[i]->family;
			od = &sa[i]->daddr;
			os = &sa[i]->saddr;
		}
	}
	if (!od) {
		memset(&s4, 0, sizeof(s4));
		memset(&d4, 0, sizeof(d4));
		memcpy(s4.b, v6 ? buf + 8 : buf + 12, v6 ? 16 : 4);
		memcpy(d4.b, v6 ? buf + 24 : buf + 16, v6 ? 16 : 4);
		os = &s4;
		od = &d4;
	}
	mtu = rt->mtu(rt->arg, fam, os->b, od->b);
	if (!mtu || grown_len(d, sa, n, v6, hl, len) <= mtu)
		return 0;
	if (!v6 && !(buf[6] & 0x40))
		return 0;	/* no DF: fragments after encapsulation */
	/* biggest inner length that still fits (grown_len is monotonic) */
	lo = 0;
	hi = len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;

		if (mid >= hl && grown_len(d, sa, n, v6, hl, mid) <= mtu)
			lo = mid;
		else
			hi = mid - 1;
	}
	if (v6 && lo < 1280)
		lo = 1280;
	if (len <= lo)
		return 0;
	rt->mtu_out = (uint32_t)lo;
	return -EMSGSIZE;
}

/* The part of output_locked before the transforms, under the store lock:
 * the `out` policy for fl, its SAs (sas, ds, *np; tmpl[0] innermost, as
 * xfrm bundles) and the path MTU. OUT_GO when there is something to apply. */
#define OUT_GO 16
static int output_sas(struct pfkm_dp *dp, const uint8_t *buf, size_t len,
		      const struct pfkm_spd_flow *fl, size_t ihl, struct pfkm_dp_route *rt,
		      struct pfkm_sa **sas, struct dp_sa **ds, unsigned int *np)
{
	struct pfkm_mem *mem = dp->mem;
	struct pfkm_policy *pol;
	unsigned int i, n = 0;
	int ret;

	pol = pfkm_spd_lookup(&mem->spd, IPSEC_DIR_OUTBOUND, fl);
	if (!pol)
		return PFKM_DP_PASS;
	pol->cur.usetime = os_time_real();
	pol->use_ms = os_time_mono_ms();
	if (pol->block) {
		dp->st.discard++;
		return -EPERM;
	}
	if (!pol->ntmpl)
		return PFKM_DP_PASS;
	/* SA selection (optional templates without SA left out), ACQUIRE
	 * and the lifetimes checked by the core; counted below, per SA,
	 * once the packet went through it */
	ret = pfkm_acquire_flow(mem, pol, fl, IPSEC_DIR_OUTBOUND, sas, &n);
	if (ret < 0) {
		dp->st.no_sa++;
		return ret;
	}
	for (i = 0; i < n; i++) {
		ds[i] = dp_sa_get(dp, sas[i]);
		if (!ds[i]) {
			dp->st.no_state++;
			return -EOPNOTSUPP;
		}
	}
	ret = pmtu_check(rt, ds, sas, n, buf, len, ihl);
	if (ret) {
		dp->st.too_big++;
		return ret;
	}
	*np = n;
	return n ? OUT_GO : PFKM_DP_PASS;
}

/* An error of encap_reserve or encap_one on d / sa, counted; sequence
 * numbers exhausted: no wrap without ESN (RFC 4303 3.3.3, RFC 4302
 * 3.3.2), a manually keyed SA is done. Hard EXPIRE and removal through the
 * core, under the store lock as every SA death; the SA is freed (d forgets
 * it), d stays in the table until pfkm_dp_gc. */
static int encap_err(struct pfkm_dp *dp, struct dp_sa *d, struct pfkm_sa *sa, int r)
{
	d->st.other_drop++;
	dp->st.errors++;
	if (r == -EOVERFLOW) {
		dp->st.seq_overflow++;
		pfkm_expire_sa_hard(dp->mem, sa);
	}
	return r;
}

/* The encapsulations of output_sas's SAs, innermost first, under the
 * store lock. */
static int output_apply(struct pfkm_dp *dp, struct pfkm_sa **sas, struct dp_sa **ds,
			unsigned int n, uint8_t *buf, size_t cap, size_t *len)
{
	struct pfkm_mem *mem = dp->mem;
	unsigned int i;
	int ret = PFKM_DP_PASS;

	for (i = 0; i < n; i++) {
		struct dp_sa *d = ds[i];
		size_t before = *len;
		int r;

		r = encap_one(d, sas[i], buf, cap, len);
		if (r)
			return encap_err(dp, d, sas[i], r);
		/* through this SA (xfrm_output_one's curlft): the bytes it
		 * took in, in CURRENT and in its counters alike */
		pfkm_expire_count(mem, sas[i], (uint32_t)before);
		d->st.packets++;
		d->st.bytes += before;
		ret = PFKM_DP_XFORM;
	}
	if (ret == PFKM_DP_XFORM)
		dp->st.out_xform++;
	return ret;
}

/* The outbound half shared by pfkm_dp_output and pfkm_dp_forward, under
 * the store lock: output_sas, then output_apply. */
static int output_locked(struct pfkm_dp *dp, uint8_t *buf, size_t cap, size_t *len,
			 const struct pfkm_spd_flow *fl, size_t ihl, struct pfkm_dp_route *rt)
{
	struct pfkm_sa *sas[PFKM_MAX_TEMPLATES];
	struct dp_sa *ds[PFKM_MAX_TEMPLATES];
	unsigned int n = 0;
	int ret;

	ret = output_sas(dp, buf, *len, fl, ihl, rt, sas, ds, &n);
	if (ret != OUT_GO)
		return ret;
	return output_apply(dp, sas, ds, n, buf, cap, len);
}

int pfkm_dp_output_route(struct pfkm_dp *dp, uint8_t *buf, size_t cap, size_t *len,
			 struct pfkm_dp_route *rt)
{
	struct pfkm_spd_flow fl;
	int ihl, ret;

	ihl = ip_parse(buf, len, &fl);
	if (ihl < 0)
		return ihl;
	os_mutex_lock(dp->mem->lock);
	ret = output_locked(dp, buf, cap, len, &fl, (size_t)ihl, rt);
	os_mutex_unlock(dp->mem->lock);
	return ret;
}

int pfkm_dp_output(struct pfkm_dp *dp, uint8_t *buf, size_t cap, size_t *len)
{
	return pfkm_dp_output_route(dp, buf, cap, len, NULL);
}

/* The outermost ESP/AH header's SA and its state, under the store lock.
 * udp: the ESP came in UDP (natt_in took the header off); the SA must be
 * an esp-udp one then, and only then (xfrm_input's encap type check). */
static int decap_lookup(struct pfkm_dp *dp, const uint8_t *buf, size_t len, bool udp,
			struct pfkm_sa **sa_out, struct dp_sa **d_out)
{
	bool v6 = buf[0] >> 4 == 6;
	size_t ihl = v6 ? PFKM_IP6_HDR : (size_t)(buf[0] & 15) * 4;
	uint8_t proto = ip_proto(buf);
	struct pfkm_addr dst;
	struct pfkm_sa *sa;
	struct dp_sa *d;
	uint32_t spi;

	memset(&dst, 0, sizeof(dst));
	memcpy(dst.b, v6 ? buf + 24 : buf + 16, v6 ? 16 : 4);
	if (proto == IPPROTO_ESP) {
		if (len < ihl + 8)
			return -EINVAL;
		memcpy(&spi, buf + ihl, 4);
	} else {
		if (len < ihl + 12)
			return -EINVAL;
		memcpy(&spi, buf + ihl + 4, 4);
	}
	sa = pfkm_sadb_lookup(&dp->mem->sadb, v6 ? AF_INET6 : AF_INET, &dst, spi, proto);
	if (!sa || sa->state != PFKM_SA_MATURE)
		return -ESRCH;
	d = dp_sa_get(dp, sa);
	if (!d) {
		dp->st.no_state++;
		return -EOPNOTSUPP;
	}
	*sa_out = sa;
	*d_out = d;
	if ((proto == IPPROTO_ESP && sa->natt_type == PFKM_NATT_ESPINUDP) != udp) {
		d->st.other_drop++;
		return -EPROTO;
	}
	return 0;
}

/* The transform of one layer (sa, its state d) off buf: the replay check,
 * the ICV, the decryption and the window update; changes d's replay
 * window and buf, reads sa's mode, flags and window size only. */
static int decap_apply(struct dp_sa *d, const struct pfkm_sa *sa, uint8_t *buf, size_t *len)
{
	bool v6 = buf[0] >> 4 == 6;
	size_t ihl = v6 ? PFKM_IP6_HDR : (size_t)(buf[0] & 15) * 4;
	uint8_t otos = ip_tos(buf);	/* AH zeroes the TOS */
	uint8_t nh;
	int ret;

	if (sa->proto == IPPROTO_ESP) {
		struct pfkm_esp_rx rx;

		ret = pfkm_esp_decap(&d->esp, sa->replay ? &d->rp : NULL, buf + ihl, *len - ihl,
				     &rx);
		if (!ret && rx.next_hdr == 59)
			ret = -ENODATA;
		if (ret)
			return ret;
		nh = rx.next_hdr;
		if (nh == IPPROTO_IPIP || nh == NH_IPV6) {
			memmove(buf, buf + ihl + rx.payload_off, rx.payload_len);
			*len = rx.payload_len;
			tun_decap_tos(sa, otos, buf, *len);
		} else {
			memmove(buf + ihl, buf + ihl + rx.payload_off, rx.payload_len);
			*len = ihl + rx.payload_len;
			pfkm_ip_fix(buf, *len, nh);
		}
	} else {
		struct pfkm_ah_rx rx;

		ret = pfkm_ah_decap(&d->ah, sa->replay ? &d->rp : NULL, buf, *len, &rx);
		if (ret)
			return ret;
		*len = rx.len;
		if (rx.next_hdr == IPPROTO_IPIP || rx.next_hdr == NH_IPV6) {
			memmove(buf, buf + ihl, *len - ihl);
			*len -= ihl;
			tun_decap_tos(sa, otos, buf, *len);
		}
	}
	return 0;
}

/* After decap_apply returned ret, under the store lock: a failure counted
 * in d's counters; a success checked against sa's lifetimes and counted
 * once decapsulated (a hard limit already reached drops it: the SA is
 * freed then, its counters left as they were, like CURRENT). */
static int decap_finish(struct pfkm_dp *dp, struct dp_sa *d, struct pfkm_sa *sa, size_t len,
			int ret)
{
	if (ret == -EBADMSG)
		d->st.auth_fail++;
	else if (ret == -EEXIST || ret == -ESTALE)
		d->st.replay_drop++;
	else if (ret)
		d->st.other_drop++;
	if (ret)
		return ret;
	ret = pfkm_expire_account(dp->mem, sa, (uint32_t)len);
	if (ret)
		return ret;
	d->st.packets++;
	d->st.bytes += len;
	return 0;
}

/* Remove one ESP/AH layer under the store lock. *sa_out is the SA used. */
static int decap_one(struct pfkm_dp *dp, uint8_t *buf, size_t *len, bool udp,
		     struct pfkm_sa **sa_out)
{
	struct pfkm_sa *sa;
	struct dp_sa *d;
	int ret;

	ret = decap_lookup(dp, buf, *len, udp, &sa, &d);
	if (ret)
		return ret;
	ret = decap_finish(dp, d, sa, *len, decap_apply(d, sa, buf, len));
	if (ret)
		return ret;
	*sa_out = sa;
	return 0;
}

/*
 * A UDP datagram to us, under the store lock: 0 when it is not for NAT-T (not
 * one of the net's NAT-T ports, or IKE behind the non-ESP marker: the
 * socket stack gets it untouched); 1 when it was ESP for an esp-udp SA with
 * this destination port and the UDP header is off (the caller
 * decapsulates); -ENODATA for a NAT keepalive (dropped quietly, counted);
 * -ENOENT for ESP that no such SA takes, or with a wrong UDP length or
 * checksum (the socket stack checks it before xfrm's encap_rcv; counted in
 * natt_no_sa). The source port need not be the SA's: a NAT on the way
 * may have changed its mapping (esp4's esp_input_done2 only reports that,
 * after authentication); *src and *sport say where it came from.
 */
static int natt_in(struct pfkm_dp *dp, uint8_t *buf, size_t *len, size_t hl,
		   struct pfkm_addr *src, uint16_t *src_port)
{
	struct pfkm_mem *mem = dp->mem;
	bool v6 = buf[0] >> 4 == 6;
	struct pfkm_addr dst;
	struct pfkm_sa *sa;
	uint16_t sport, dport;
	uint32_t spi;

	switch (pfkm_natt_classify(buf, *len, hl, &sport, &dport, &spi)) {
	case PFKM_NATT_KEEPALIVE:
		if (!pfkm_natt_port_used(&dp->natt, &mem->sadb, dport))
			return 0;
		dp->st.natt_keepalive++;
		return -ENODATA;
	case PFKM_NATT_ESP:
		break;
	default:
		return 0;
	}
	/* one bit test for ordinary UDP */
	if (!pfkm_natt_port_used(&dp->natt, &mem->sadb, dport))
		return 0;
	memset(&dst, 0, sizeof(dst));
	memcpy(dst.b, v6 ? buf + 24 : buf + 16, v6 ? 16 : 4);
	sa = pfkm_sadb_lookup(&mem->sadb, v6 ? AF_INET6 : AF_INET, &dst, spi, IPPROTO_ESP);
	if (!sa || sa->state != PFKM_SA_MATURE || sa->natt_type != PFKM_NATT_ESPINUDP ||
	    sa->natt_dport != dport ||
	    !pfkm_natt_csum_ok(buf, *len, hl) || pfkm_natt_decap(buf, len)) {
		dp->st.natt_no_sa++;
		return -ENOENT;
	}
	memset(src, 0, sizeof(*src));
	memcpy(src->b, v6 ? buf + 8 : buf + 12, v6 ? 16 : 4);
	*src_port = sport;
	return 1;
}

/* Did the SAs used (innermost last) satisfy every required template? */
static bool tmpls_ok(const struct pfkm_policy *pol, struct pfkm_sa **used, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < pol->ntmpl; i++) {
		const struct pfkm_tmpl *t = &pol->tmpl[i];
		bool hit = false;

		for (j = 0; j < n && !hit; j++) {
			const struct pfkm_sa *sa = used[j];

			hit = sa->proto == t->proto && sa->mode == t->mode &&
			      (!t->reqid || sa->reqid == t->reqid) &&
			      (t->mode != IPSEC_MODE_TUNNEL ||
			       (t->family == sa->family &&
				pfkm_addr_equal(t->family, &t->daddr, &sa->daddr) &&
				(pfkm_addr_any(t->family, &t->saddr) ||
				 pfkm_addr_equal(t->family, &t->saddr, &sa->saddr))));
		}
		if (!hit && !t->optional)
			return false;
	}
	return true;
}

/*
 * The inbound (dir IN, local) or forward (FWD) policy check of a packet
 * with flow fl that came through the SAs used[0 .. n) (outermost first).
 * A matching policy must be allow with every required template met by one
 * of them; no policy: clear text passes, but a packet out of a tunnel is
 * refused (xfrm's XfrmInNoPols: a tunnel only delivers what a policy says).
 */
static int policy_check(struct pfkm_dp *dp, uint8_t dir, const struct pfkm_spd_flow *fl,
			struct pfkm_sa **used, unsigned int n)
{
	struct pfkm_policy *pol = pfkm_spd_lookup(&dp->mem->spd, dir, fl);
	unsigned int i;

	if (!pol) {
		for (i = 0; i < n; i++) {
			if (used[i]->mode == IPSEC_MODE_TUNNEL) {
				dp->st.policy_drop++;
				return -EPERM;
			}
		}
		return 0;
	}
	pol->cur.usetime = os_time_real();
	pol->use_ms = os_time_mono_ms();
	if (pol->block) {
		if (dir == IPSEC_DIR_FWD && !n)
			dp->st.discard++;
		else
			dp->st.policy_drop++;
		return -EPERM;
	}
	if (!tmpls_ok(pol, used, n)) {
		dp->st.policy_drop++;
		return -EPERM;
	}
	return 0;
}

/* An inbound packet between its steps: the SAs used so far (outermost
 * first), where it came from. */
struct dp_in {
	struct pfkm_sa *used[MAX_DEPTH];
	unsigned int n;
	bool v6, udp;
	uint8_t outer[16];
	struct pfkm_addr peer;
	uint16_t peer_port;
};

/* Under the store lock: the packet's outer destination noted and UDP to a
 * NAT-T port sorted (natt_in). 0 to go on with input_rest. */
static int input_start(struct pfkm_dp *dp, uint8_t *buf, size_t *len, size_t ihl,
		       struct dp_in *in)
{
	int ret;

	memset(in, 0, sizeof(*in));
	in->v6 = buf[0] >> 4 == 6;
	memcpy(in->outer, in->v6 ? buf + 24 : buf + 16, in->v6 ? 16 : 4);
	if (ip_proto(buf) == IPPROTO_UDP) {
		ret = natt_in(dp, buf, len, ihl, &in->peer, &in->peer_port);
		if (ret < 0)
			return ret;
		in->udp = ret > 0;
	}
	return 0;
}

/* The layer in->used[in->n] (sa) is off and accounted: a new NAT mapping
 * of the peer is told to the key managers once authenticated (the packet
 * is accepted either way); the next header parsed. */
static int input_layer_done(struct pfkm_dp *dp, uint8_t *buf, size_t *len, struct dp_in *in,
			    struct pfkm_sa *sa)
{
	int ihl;

	in->used[in->n] = sa;
	if (in->udp && !in->n && sa->dp)
		pfkm_natt_mapping(dp->mem, sa, &((struct dp_sa *)sa->dp)->map, &in->peer,
				  in->peer_port);
	in->n++;
	ihl = ip_parse(buf, len, NULL);
	return ihl < 0 ? ihl : 0;
}

/* Under the store lock: the layers left, then the `in` or `fwd` policy. */
static int input_rest(struct pfkm_dp *dp, uint8_t *buf, size_t *len, struct pfkm_dp_route *rt,
		      struct dp_in *in)
{
	struct pfkm_spd_flow fl;
	struct pfkm_sa *sa;
	bool local = true;
	int ret;

	while (ip_proto(buf) == IPPROTO_ESP || ip_proto(buf) == IPPROTO_AH) {
		if (in->n == MAX_DEPTH)
			return -ELOOP;
		ret = decap_one(dp, buf, len, in->udp && !in->n, &sa);
		if (ret == -ESRCH && in->n)
			ret = -ENOENT;	/* buffer already changed: not the host's */
		else if (ret == -ESRCH)
			dp->st.unknown_spi++;
		if (!ret)
			ret = input_layer_done(dp, buf, len, in, sa);
		if (ret)
			return ret;
	}
	if (in->n)
		dp->st.in_xform++;
	/* transport mode through a NAT: the addresses the upper layer's
	 * checksum covers were rewritten on the way */
	if (in->udp && in->used[0]->mode == IPSEC_MODE_TRANSPORT)
		pfkm_natt_l4_fix(buf, *len);
	ip_parse(buf, len, &fl);
	/* out of a tunnel towards another address (or family): ours, or to
	 * be forwarded under the `fwd` policy, checked here where the SAs
	 * used are still known (xfrm checks the secpath in ip_forward) */
	if (in->n && rt && rt->local &&
	    (fl.family != (in->v6 ? AF_INET6 : AF_INET) ||
	     memcmp(fl.daddr.b, in->outer, in->v6 ? 16 : 4)))
		local = rt->local(rt->arg, fl.family, fl.daddr.b);
	ret = policy_check(dp, local ? IPSEC_DIR_INBOUND : IPSEC_DIR_FWD, &fl, in->used, in->n);
	if (!ret)
		ret = !in->n ? PFKM_DP_PASS : local ? PFKM_DP_XFORM : PFKM_DP_FWD;
	return ret;
}

int pfkm_dp_input_route(struct pfkm_dp *dp, uint8_t *buf, size_t *len, struct pfkm_dp_route *rt)
{
	struct dp_in in;
	int ihl, ret;

	ihl = ip_parse(buf, len, NULL);
	if (ihl < 0)
		return ihl;
	os_mutex_lock(dp->mem->lock);
	ret = input_start(dp, buf, len, (size_t)ihl, &in);
	if (!ret)
		ret = input_rest(dp, buf, len, rt, &in);
	os_mutex_unlock(dp->mem->lock);
	return ret;
}

int pfkm_dp_input(struct pfkm_dp *dp, uint8_t *buf, size_t *len)
{
	return pfkm_dp_input_route(dp, buf, len, NULL);
}

int pfkm_dp_forward(struct pfkm_dp *dp, uint8_t *buf, size_t cap, size_t *len,
		    struct pfkm_dp_route *rt, bool checked)
{
	struct pfkm_spd_flow fl;
	int ihl, ret = 0;

	ihl = ip_parse(buf, len, &fl);
	if (ihl < 0)
		return ihl;
	os_mutex_lock(dp->mem->lock);
	if (!checked)
		ret = policy_check(dp, IPSEC_DIR_FWD, &fl, NULL, 0);
	if (!ret)
		ret = output_locked(dp, buf, cap, len, &fl, (size_t)ihl, rt);
	os_mutex_unlock(dp->mem->lock);
	return ret;
}

/* ---- split calls: _prep, the transform, _done --------------------------- */

/* A queued job: one SA's transform, what it took from the SA under the
 * lock, and (inbound) the packet's state between the steps. */
struct dp_job {
	bool in;
	int ret;			/* the transform's */
	struct dp_sa *d;		/* lives until pfkm_dp_gc */
	struct pfkm_sa *sa;		/* identity only: d->sa != sa once it died */
	struct pfkm_sa view;		/* what the transform reads of the SA */
	uint64_t seq;			/* outbound */
	uint16_t ip_id;
	size_t before;
	struct dp_in st;		/* inbound */
};

_Static_assert(sizeof(struct dp_job) <= sizeof(((struct pfkm_dp_job *)0)->priv),
	       "struct pfkm_dp_job's priv too small");

/* The fields of sa that encap_apply, decap_apply and what they call read
 * (a copy: an earlier packet's _done may free sa while this one's
 * transform runs). Keys and links are not copied. */
static void sa_view(struct pfkm_sa *v, const struct pfkm_sa *sa)
{
	memset(v, 0, sizeof(*v));
	v->spi = sa->spi;
	v->proto = sa->proto;
	v->family = sa->family;
	v->mode = sa->mode;
	v->daddr = sa->daddr;
	v->saddr = sa->saddr;
	v->replay = sa->replay;
	v->flags = sa->flags;
	v->natt_type = sa->natt_type;
	v->natt_sport = sa->natt_sport;
	v->natt_dport = sa->natt_dport;
}

static uint32_t job_key(const struct pfkm_sa *sa, bool in)
{
	uint32_t h = os_ntohl(sa->spi) ^ (uint32_t)sa->proto << 24 ^ (in ? 0x80000000u : 0);

	/* murmur3's finalizer: consecutive SPIs spread over the workers */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static void job_set(struct pfkm_dp_job *job, struct dp_job *j, bool in, struct dp_sa *d,
		    struct pfkm_sa *sa)
{
	j->in = in;
	j->ret = 0;
	j->d = d;
	j->sa = sa;
	sa_view(&j->view, sa);
	job->key = job_key(sa, in);
}

int pfkm_dp_output_prep(struct pfkm_dp *dp, uint8_t *buf, size_t cap, size_t *len,
			struct pfkm_dp_route *rt, struct pfkm_dp_job *job)
{
	struct dp_job *j = (struct dp_job *)job->priv;
	struct pfkm_sa *sas[PFKM_MAX_TEMPLATES];
	struct dp_sa *ds[PFKM_MAX_TEMPLATES];
	struct pfkm_spd_flow fl;
	unsigned int n = 0;
	int ihl, ret;

	ihl = ip_parse(buf, len, &fl);
	if (ihl < 0)
		return ihl;
	os_mutex_lock(dp->mem->lock);
	ret = output_sas(dp, buf, *len, &fl, (size_t)ihl, rt, sas, ds, &n);
	if (ret != OUT_GO)
		goto out;
	if (n > 1) {
		/* a bundle: all of it here, as pfkm_dp_output would */
		ret = output_apply(dp, sas, ds, n, buf, cap, len);
		goto out;
	}
	ret = encap_reserve(ds[0], sas[0], buf, &j->seq, &j->ip_id);
	if (ret) {
		ret = encap_err(dp, ds[0], sas[0], ret);
		goto out;
	}
	job_set(job, j, false, ds[0], sas[0]);
	j->before = *len;
	ret = PFKM_DP_QUEUED;
out:
	os_mutex_unlock(dp->mem->lock);
	return ret;
}

int pfkm_dp_input_prep(struct pfkm_dp *dp, uint8_t *buf, size_t *len, struct pfkm_dp_route *rt,
		       struct pfkm_dp_job *job)
{
	struct dp_job *j = (struct dp_job *)job->priv;
	struct pfkm_sa *sa;
	struct dp_sa *d;
	int ihl, ret;

	ihl = ip_parse(buf, len, NULL);
	if (ihl < 0)
		return ihl;
	os_mutex_lock(dp->mem->lock);
	ret = input_start(dp, buf, len, (size_t)ihl, &j->st);
	if (ret)
		goto out;
	if (ip_proto(buf) != IPPROTO_ESP && ip_proto(buf) != IPPROTO_AH) {
		ret = input_rest(dp, buf, len, rt, &j->st);
		goto out;
	}
	ret = decap_lookup(dp, buf, *len, j->st.udp, &sa, &d);
	if (ret == -ESRCH)
		dp->st.unknown_spi++;
	if (ret)
		goto out;
	job_set(job, j, true, d, sa);
	ret = PFKM_DP_QUEUED;
out:
	os_mutex_unlock(dp->mem->lock);
	return ret;
}

void pfkm_dp_job_xform(struct pfkm_dp_job *job, uint8_t *buf, size_t cap, size_t *len)
{
	struct dp_job *j = (struct dp_job *)job->priv;

	if (j->in)
		j->ret = decap_apply(j->d, &j->view, buf, len);
	else
		j->ret = encap_apply(j->d, &j->view, j->seq, j->ip_id, buf, cap, len);
}

static int job_done_out(struct pfkm_dp *dp, struct dp_job *j)
{
	int ret;

	if (j->ret)
		return encap_err(dp, j->d, j->sa, j->ret);
	/* as xfrm_output_one: the bytes it took in, in CURRENT and in its
	 * counters alike; a hard limit that earlier packets of the batch
	 * reached (the one-call path would have found no SA) drops it */
	ret = pfkm_expire_account(dp->mem, j->sa, (uint32_t)j->before);
	if (ret) {
		dp->st.no_sa++;
		return ret;
	}
	j->d->st.packets++;
	j->d->st.bytes += j->before;
	dp->st.out_xform++;
	return PFKM_DP_XFORM;
}

static int job_done_in(struct pfkm_dp *dp, struct dp_job *j, uint8_t *buf, size_t *len,
		       struct pfkm_dp_route *rt)
{
	int ret = decap_finish(dp, j->d, j->sa, *len, j->ret);

	if (!ret)
		ret = input_layer_done(dp, buf, len, &j->st, j->sa);
	if (!ret)
		ret = input_rest(dp, buf, len, rt, &j->st);
	return ret;
}

int pfkm_dp_job_done(struct pfkm_dp *dp, struct pfkm_dp_job *job, uint8_t *buf, size_t *len,
		     struct pfkm_dp_route *rt)
{
	struct dp_job *j = (struct dp_job *)job->priv;
	int ret;

	os_mutex_lock(dp->mem->lock);
	if (j->d->sa != j->sa) {
		/* freed since _prep (d outlives it until pfkm_dp_gc) */
		dp->st.errors++;
		ret = -EKEYEXPIRED;
	} else if (j->in) {
		ret = job_done_in(dp, j, buf, len, rt);
	} else {
		ret = job_done_out(dp, j);
	}
	os_mutex_unlock(dp->mem->lock);
	return ret;
}

void pfkm_dp_stats_get(struct pfkm_dp *dp, struct pfkm_dp_stats *st)
{
	os_mutex_lock(dp->mem->lock);
	*st = dp->st;
	os_mutex_unlock(dp->mem->lock);
}

int pfkm_dp_sa_stats(struct pfkm_dp *dp, const struct sockaddr *dst, uint32_t spi_be,
		     uint8_t proto, struct pfkm_dp_sa_stats *st)
{
	struct pfkm_addr a;
	unsigned int fam;
	struct pfkm_sa *sa;
	int ret = -ENOENT;

	fam = pfkm_addr_from_sockaddr(dst, &a, NULL);
	if (!fam)
		return -EINVAL;
	os_mutex_lock(dp->mem->lock);
	sa = pfkm_sadb_lookup(&dp->mem->sadb, fam, &a, spi_be, proto);
	if (sa && sa->dp) {
		*st = ((struct dp_sa *)sa->dp)->st;
		ret = 0;
	}
	os_mutex_unlock(dp->mem->lock);
	return ret;
}

int pfkm_dp_sa_seq_set(struct pfkm_dp *dp, const struct sockaddr *dst, uint32_t spi_be,
		       uint8_t proto, uint64_t last)
{
	struct pfkm_addr a;
	unsigned int fam;
	struct pfkm_sa *sa;
	struct dp_sa *d;
	int ret = -ENOENT;

	if (last > UINT32_MAX)
		return -ERANGE;
	fam = pfkm_addr_from_sockaddr(dst, &a, NULL);
	if (!fam)
		return -EINVAL;
	os_mutex_lock(dp->mem->lock);
	sa = pfkm_sadb_lookup(&dp->mem->sadb, fam, &a, spi_be, proto);
	if (sa && sa->state == PFKM_SA_MATURE) {
		d = dp_sa_get(dp, sa);
		ret = d ? 0 : -ENOMEM;
		if (d)
			d->last_seq = last;
	}
	os_mutex_unlock(dp->mem->lock);
	return ret;
}

void pfkm_dp_sa_each(struct pfkm_dp *dp, void (*fn)(void *arg, const struct pfkm_dp_sa_info *),
		     void *arg)
{
	struct pfkm_dp_sa_info info;
	size_t i;

	os_mutex_lock(dp->mem->lock);
	for (i = 0; i < dp->n; i++) {
		const struct dp_sa *d = dp->tab[i];

		if (!dp_sa_live(d))
			continue;
		memset(&info, 0, sizeof(info));
		info.family = d->sa->family;
		memcpy(info.daddr, d->sa->daddr.b, d->sa->family == AF_INET ? 4 : 16);
		info.spi_be = d->sa->spi;
		info.proto = d->sa->proto;
		info.st = d->st;
		fn(arg, &info);
	}
	os_mutex_unlock(dp->mem->lock);
}

/* ---- ACQUIRE hold --------------------------------------------------------- */

static bool same_pair(const struct pfkm_spd_flow *a, const struct pfkm_spd_flow *b)
{
	return a->family == b->family && pfkm_addr_equal(a->family, &a->saddr, &b->saddr) &&
	       pfkm_addr_equal(a->family, &a->daddr, &b->daddr);
}

int pfkm_dp_hold(struct pfkm_dp *dp, const uint8_t *buf, size_t len, void *pkt)
{
	struct pfkm_mem *mem = dp->mem;
	struct pfkm_spd_flow fl;
	unsigned int i, same = 0;
	int ret = 0;

	if (ip_parse(buf, &len, &fl) < 0)
		return -EINVAL;
	os_mutex_lock(mem->lock);
	for (i = 0; i < dp->nheld; i++)
		same += same_pair(&dp->held[i].fl, &fl);
	if (same >= PFKM_DP_HOLD_PER_FLOW || dp->nheld == PFKM_DP_HOLD_MAX) {
		ret = -ENOSPC;
		goto out;
	}
	dp->held[dp->nheld].pkt = pkt;
	dp->held[dp->nheld].fl = fl;
	dp->held[dp->nheld].until_ms = os_time_mono_ms() + PFKM_DP_HOLD_MS;
	dp->nheld++;
	dp->st.hold++;
out:
	os_mutex_unlock(mem->lock);
	return ret;
}

/* Would pfkm_dp_output find every required SA for fl now? No policy (or a
 * policy without templates) counts as yes: the output call decides then. */
static bool hold_ready(struct pfkm_mem *mem, const struct pfkm_spd_flow *fl)
{
	struct pfkm_policy *pol = pfkm_spd_lookup(&mem->spd, IPSEC_DIR_OUTBOUND, fl);
	unsigned int i;
	bool pending;

	if (!pol)
		return true;
	for (i = 0; i < pol->ntmpl; i++)
		if (!pol->tmpl[i].optional && !pfkm_acquire_tmpl_sa(mem, &pol->tmpl[i], fl, &pending))
			return false;
	return true;
}

/* Take the packets to hand back out of the table (order kept) under
 * the store lock; all of them when flush. */
static unsigned int hold_take(struct pfkm_dp *dp, bool flush, void **pkt, bool *send)
{
	uint64_t now = os_time_mono_ms();
	unsigned int i = 0, n = 0;

	while (i < dp->nheld) {
		struct dp_held *h = &dp->held[i];
		bool ready = !flush && hold_ready(dp->mem, &h->fl);

		if (!flush && !ready && now < h->until_ms) {
			i++;
			continue;
		}
		if (ready)
			dp->st.hold_sent++;
		else if (!flush)
			dp->st.hold_timeout++;
		pkt[n] = h->pkt;
		send[n++] = ready;
		dp->nheld--;
		memmove(h, h + 1, (dp->nheld - i) * sizeof(*h));
	}
	return n;
}

static unsigned int hold_run(struct pfkm_dp *dp, bool flush,
			     void (*fn)(void *arg, void *pkt, bool send), void *arg)
{
	void *pkt[PFKM_DP_HOLD_MAX];
	bool send[PFKM_DP_HOLD_MAX];
	unsigned int i, n, left;

	os_mutex_lock(dp->mem->lock);
	n = hold_take(dp, flush, pkt, send);
	left = dp->nheld;
	os_mutex_unlock(dp->mem->lock);
	/* unlocked: fn may run the packet through pfkm_dp_output */
	for (i = 0; i < n; i++)
		fn(arg, pkt[i], send[i]);
	return left;
}

unsigned int pfkm_dp_hold_poll(struct pfkm_dp *dp, void (*fn)(void *arg, void *pkt, bool send),
			       void *arg)
{
	return hold_run(dp, false, fn, arg);
}

void pfkm_dp_hold_flush(struct pfkm_dp *dp, void (*fn)(void *arg, void *pkt, bool send),
			void *arg)
{
	hold_run(dp, true, fn, arg);
}
