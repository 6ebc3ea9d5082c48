/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dp_host.h: shared harness of the tests/unit/test_dp*.c files. A "host" is
 * one pfkm_net with a capturing PF_KEY socket (struct cap, test_core.h) and
 * the portable data path (kmod/core/dp.c) on it; it is keyed the way a key
 * daemon would do it, through pfkm_sock_send: SADB_ADD for an SA,
 * SADB_X_SPDADD for a policy, and a pair of hosts keyed for each other.
 * Static inline only: each test file includes it and the unit binary links
 * them all.
 */
#ifndef DP_HOST_H
#define DP_HOST_H

#include <stdlib.h>
#include "test_core.h"
#include "dp.h"

struct dp_host {
	struct pfkm_net *net;
	struct cap c;		/* replies, ACQUIRE and EXPIRE land here */
	struct pfkm_dp *dp;
};

/* 0 or -errno; on failure nothing is left open. */
static inline int dp_host_open(struct dp_host *h)
{
	int ret = pfkm_net_create(&h->net);

	if (ret)
		return ret;
	cap_open(h->net, &h->c);
	ret = pfkm_dp_create(h->net, &h->dp);
	if (ret)
		goto err_dp;
	return 0;

err_dp:
	cap_close(&h->c);
	pfkm_net_destroy(h->net);
	return ret;
}

static inline void dp_host_close(struct dp_host *h)
{
	pfkm_dp_destroy(h->dp);
	cap_close(&h->c);
	pfkm_net_destroy(h->net);
}

/*
 * An SA's transform: algorithms and key sizes (bits; 0: no such key), and
 * for ESP in UDP (RFC 3948, NAT_T_TYPE 2 as keysh's esp-udp sends it) the
 * ports, host order (both 0: plain ESP or AH).
 */
struct dp_algs {
	uint8_t satype, auth, enc;
	unsigned int abits, ebits;
	uint16_t natt_sport, natt_dport;
};

static const struct dp_algs dp_gcm = {
	.satype = SADB_SATYPE_ESP, .enc = SADB_X_EALG_AES_GCM_ICV16, .ebits = 160,
};
static const struct dp_algs dp_cbc = {
	.satype = SADB_SATYPE_ESP, .auth = SADB_X_AALG_SHA2_256HMAC, .abits = 256,
	.enc = SADB_X_EALG_AESCBC, .ebits = 128,
};
static const struct dp_algs dp_ah = {
	.satype = SADB_SATYPE_AH, .auth = SADB_X_AALG_SHA2_256HMAC, .abits = 256,
};

/* The tests' one choice per SA type: ESP AES-GCM-16, AH HMAC-SHA256. */
static inline const struct dp_algs *dp_algs_of(uint8_t satype)
{
	return satype == SADB_SATYPE_AH ? &dp_ah : &dp_gcm;
}

/* The IP protocol of the SA type's packets. */
static inline uint8_t dp_proto(uint8_t satype)
{
	return satype == SADB_SATYPE_AH ? IPPROTO_AH : IPPROTO_ESP;
}

/*
 * Build in m an SADB_ADD of SA spi src -> dst with algorithms a, replay
 * window 32, in mode (IPSEC_MODE_*) with reqid. The authentication key's
 * bytes are all fill, the encryption key's all fill + 1: both ends of an
 * SA must be given the same fill. ESP in UDP when a has NAT-T ports. More
 * extensions (mb_lifetime, ...) may be put before mb_send.
 */
static inline void dp_sa_msg(struct mb *m, const struct dp_algs *a, uint32_t spi,
			     const char *src, const char *dst, uint8_t mode, uint32_t reqid,
			     uint8_t fill)
{
	mb_hdr(m, SADB_ADD, a->satype, 1);
	mb_sa(m, spi, a->auth, a->enc, 32);
	mb_addr(m, SADB_EXT_ADDRESS_SRC, src, -1, 0, 0);
	mb_addr(m, SADB_EXT_ADDRESS_DST, dst, -1, 0, 0);
	if (a->abits)
		mb_key(m, SADB_EXT_KEY_AUTH, a->abits, fill);
	if (a->ebits)
		mb_key(m, SADB_EXT_KEY_ENCRYPT, a->ebits, (uint8_t)(fill + 1));
	mb_sa2(m, mode, reqid);
	if (a->natt_sport || a->natt_dport)
		mb_natt(m, 2, a->natt_sport, a->natt_dport);	/* UDP_ENCAP_ESPINUDP */
}

/* dp_sa_msg sent on h's socket: 0 or -errno. */
static inline int dp_host_sa(struct dp_host *h, const struct dp_algs *a, uint32_t spi,
			     const char *src, const char *dst, uint8_t mode, uint32_t reqid,
			     uint8_t fill)
{
	struct mb m;

	dp_sa_msg(&m, a, spi, src, dst, mode, reqid, fill);
	return mb_send(&h->c, &m);
}

/* A policy selector "address" (the host) or "address/prefix", any protocol. */
static inline void dp_sel(struct mb *m, uint16_t type, const char *sel)
{
	const char *slash = strchr(sel, '/');
	char ip[64];

	if (!slash) {
		mb_addr(m, type, sel, -1, IPSEC_ULPROTO_ANY, 0);
		return;
	}
	snprintf(ip, sizeof(ip), "%.*s", (int)(slash - sel), sel);
	mb_addr(m, type, ip, atoi(slash + 1), IPSEC_ULPROTO_ANY, 0);
}

/*
 * Build in m an SADB_X_SPDADD of a policy dir (IPSEC_DIR_*) for src -> dst
 * (selectors as dp_sel takes them) of type (IPSEC_POLICY_*). Type IPSEC
 * gets one request: proto (IPPROTO_ESP/AH) in mode, between tunnel
 * endpoints ts -> td (NULL in transport mode), level unique with reqid when
 * reqid is not 0, else require; the other types ignore those. Returns the
 * policy extension, the last one put: mb_ipsecreq may add requests (a
 * bundle) before mb_send.
 */
static inline struct sadb_x_policy *dp_policy_msg(struct mb *m, uint8_t dir, uint16_t type,
						  const char *src, const char *dst, uint8_t proto,
						  uint8_t mode, uint32_t reqid, const char *ts,
						  const char *td)
{
	struct sadb_x_policy *p;

	mb_hdr(m, SADB_X_SPDADD, 0, 2);
	dp_sel(m, SADB_EXT_ADDRESS_SRC, src);
	dp_sel(m, SADB_EXT_ADDRESS_DST, dst);
	p = mb_policy(m, type, dir, 0, 0);
	if (type == IPSEC_POLICY_IPSEC)
		mb_ipsecreq(m, p, proto, mode, reqid ? IPSEC_LEVEL_UNIQUE : IPSEC_LEVEL_REQUIRE,
			    reqid, ts, td);
	return p;
}

/* dp_policy_msg sent on h's socket: 0 or -errno. */
static inline int dp_host_policy(struct dp_host *h, uint8_t dir, uint16_t type, const char *src,
				 const char *dst, uint8_t proto, uint8_t mode, uint32_t reqid,
				 const char *ts, const char *td)
{
	struct mb m;

	dp_policy_msg(&m, dir, type, src, dst, proto, mode, reqid, ts, td);
	return mb_send(&h->c, &m);
}

/*
 * Traffic src -> dst (selectors as dp_sel takes them) from host A to host
 * B through SA spi with algorithms a in mode: both hosts get the SA, its
 * keys filled with spi's low byte, between tunnel endpoints ts -> td in
 * tunnel mode, else between src and dst (host addresses then; ts, td
 * NULL); A gets an `out` and B an `in` policy requiring it (level
 * require). B NULL: A's half only (a sender whose peer is not simulated).
 * 0 or the first -errno.
 */
static inline int dp_host_flow(struct dp_host *A, struct dp_host *B, const struct dp_algs *a,
			       uint8_t mode, uint32_t spi, const char *src, const char *dst,
			       const char *ts, const char *td)
{
	const char *sa_src = ts ? ts : src, *sa_dst = td ? td : dst;
	uint8_t proto = dp_proto(a->satype), fill = (uint8_t)spi;
	int ret;

	ret = dp_host_sa(A, a, spi, sa_src, sa_dst, mode, 0, fill);
	if (ret)
		return ret;
	ret = dp_host_policy(A, IPSEC_DIR_OUTBOUND, IPSEC_POLICY_IPSEC, src, dst, proto, mode, 0,
			     ts, td);
	if (ret || !B)
		return ret;
	ret = dp_host_sa(B, a, spi, sa_src, sa_dst, mode, 0, fill);
	if (ret)
		return ret;
	return dp_host_policy(B, IPSEC_DIR_INBOUND, IPSEC_POLICY_IPSEC, src, dst, proto, mode, 0,
			      ts, td);
}

/*
 * Hosts A (address ia) and B (ib) keyed for each other with algorithms a
 * in mode, tunnel endpoints the hosts themselves: dp_host_flow ia -> ib
 * through SA 0x1001 and ib -> ia through SA 0x2002. 0 or the first -errno.
 */
static inline int dp_host_pair(struct dp_host *A, struct dp_host *B, const struct dp_algs *a,
			       uint8_t mode, const char *ia, const char *ib)
{
	bool tun = mode == IPSEC_MODE_TUNNEL;
	int ret;

	ret = dp_host_flow(A, B, a, mode, 0x1001, ia, ib, tun ? ia : NULL, tun ? ib : NULL);
	if (ret)
		return ret;
	return dp_host_flow(B, A, a, mode, 0x2002, ib, ia, tun ? ib : NULL, tun ? ia : NULL);
}

/* The Internet checksum of n bytes (an odd last byte padded with zero). */
static inline uint16_t dp_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Whether n bytes at p hold "ABCDEFGH", the clear text the tests' packets
 * carry (an ESP packet must not show it). */
static inline bool dp_has_text(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 8 <= n; i++)
		if (!memcmp(p + i, "ABCDEFGH", 8))
			return true;
	return false;
}

#define DP_UDP4_LEN 68u	/* dp_udp4_pkt: IPv4 + UDP + 40 bytes */

/* IPv4 UDP src -> dst, port 9 -> 7, 40 bytes of 0x5a, DF when df, TTL 64;
 * DP_UDP4_LEN bytes, IPv4 checksum 0 (the data path writes it). */
static inline size_t dp_udp4_pkt(uint8_t *p, const char *src, const char *dst, bool df)
{
	memset(p, 0, DP_UDP4_LEN);
	p[0] = 0x45;
	p[3] = DP_UDP4_LEN;
	p[6] = df ? 0x40 : 0;
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	p[21] = 9;
	p[23] = 7;
	p[25] = DP_UDP4_LEN - 20;
	memset(p + 28, 0x5a, DP_UDP4_LEN - 28);
	return DP_UDP4_LEN;
}

#endif /* DP_HOST_H */
