// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_dp_acct.c: when the portable data path (kmod/core/dp.c) counts a
 * packet in an SA's CURRENT lifetime: only once it went through the SA
 * (xfrm: xfrm_state_check_expire before, curlft += after). Host A 10.0.0.1
 * sends to B 10.0.0.2 over ESP AES-GCM-16 (and AH HMAC-SHA256 in a bundle),
 * transport mode. A packet refused by the path MTU check or by exhausted
 * sequence numbers is not in CURRENT; a sent one is, with the bytes the SA
 * took in, the same as the data path's per-SA counters; soft and hard byte
 * limits fire at the same points as before, refused packets or not.
 */
#include "dp_host.h"

#define A_ADDR "10.0.0.1"
#define B_ADDR "10.0.0.2"
#define PKT_LEN DP_UDP4_LEN

/* Transport SA spi A -> B (ESP AES-GCM-16 or AH HMAC-SHA256, dp_host.h's
 * algorithms and keys) with soft/hard byte limits when not 0; the socket
 * registered for satype (EXPIREs come to it), captures cleared. */
static int sa_add(struct dp_host *h, uint8_t satype, uint32_t spi, uint64_t soft, uint64_t hard)
{
	struct mb m;
	int ret;

	dp_sa_msg(&m, dp_algs_of(satype), spi, A_ADDR, B_ADDR, IPSEC_MODE_TRANSPORT, 0, 0x55);
	if (soft)
		mb_lifetime(&m, SADB_EXT_LIFETIME_SOFT, 0, soft, 0, 0);
	if (hard)
		mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, hard, 0, 0);
	ret = mb_send(&h->c, &m);
	if (ret)
		return ret;
	mb_hdr(&m, SADB_REGISTER, satype, 2);
	ret = mb_send(&h->c, &m);
	cap_clear(&h->c);
	return ret;
}

/* A -> B policy in dir requiring ESP, or (bundle) ESP inside AH; captures
 * cleared. */
static int sp_add(struct dp_host *h, uint8_t dir, bool bundle)
{
	struct sadb_x_policy *p;
	struct mb m;
	int ret;

	p = dp_policy_msg(&m, dir, IPSEC_POLICY_IPSEC, A_ADDR, B_ADDR, IPPROTO_ESP,
			  IPSEC_MODE_TRANSPORT, 0, NULL, NULL);
	if (bundle)
		mb_ipsecreq(&m, p, IPPROTO_AH, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 0,
			    NULL, NULL);
	ret = mb_send(&h->c, &m);
	cap_clear(&h->c);
	return ret;
}

/* The route MTU towards B, whatever the addresses. */
static uint32_t rt_mtu(void *arg, unsigned int family, const uint8_t *saddr,
		       const uint8_t *daddr)
{
	(void)family;
	(void)saddr;
	(void)daddr;
	return *(uint32_t *)arg;
}

/* Send one packet A -> B over a route of mtu bytes. */
static int send_one(struct dp_host *h, uint32_t mtu, bool df, uint8_t *pkt, size_t *len)
{
	struct pfkm_dp_route rt = { .mtu = rt_mtu, .arg = &mtu };

	*len = dp_udp4_pkt(pkt, A_ADDR, B_ADDR, df);
	return pfkm_dp_output_route(h->dp, pkt, 2048, len, &rt);
}

/* CURRENT of SA spi (A -> B) by SADB_GET: allocations (= packets), bytes. */
static int cur_get(struct dp_host *h, uint8_t satype, uint32_t spi, uint64_t *pk, uint64_t *bytes)
{
	const struct sadb_lifetime *l;
	struct pfkm_exts x;
	struct mb m;
	int ret;

	cap_clear(&h->c);
	mb_hdr(&m, SADB_GET, satype, 4);
	mb_sa(&m, spi, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, A_ADDR, -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, B_ADDR, -1, 0, 0);
	ret = mb_send(&h->c, &m);
	if (ret)
		return ret;
	if (h->c.n != 1 || cap_errno(&h->c) >= 0)
		return -ENOENT;
	ret = cap_exts(&h->c, 0, &x);
	if (ret)
		return ret;
	if (!x.ext[SADB_EXT_LIFETIME_CURRENT])
		return -ENOENT;
	l = PFKM_EXT(&x, SADB_EXT_LIFETIME_CURRENT, struct sadb_lifetime);
	*pk = l->sadb_lifetime_allocations;
	*bytes = l->sadb_lifetime_bytes;
	cap_clear(&h->c);
	return 0;
}

/* The data path's counters of SA spi (proto) towards B. */
static int st_get(struct dp_host *h, uint8_t proto, uint32_t spi, struct pfkm_dp_sa_stats *st)
{
	struct sockaddr_in d = { .sin_family = AF_INET };

	inet_pton(AF_INET, B_ADDR, &d.sin_addr);
	return pfkm_dp_sa_stats(h->dp, (struct sockaddr *)&d, htonl(spi), proto, st);
}

/* SA spi (ESP) of h counted n packets of PKT_LEN bytes, in its CURRENT
 * lifetime and in the data path's counters alike. */
static void counted(struct dp_host *h, uint32_t spi, uint64_t n)
{
	struct pfkm_dp_sa_stats ss;
	uint64_t pk = 99, by = 99;

	REQUIRE_EQ(cur_get(h, SADB_SATYPE_ESP, spi, &pk, &by), 0);
	CHECK_EQ(pk, n);
	CHECK_EQ(by, n * PKT_LEN);
	REQUIRE_EQ(st_get(h, IPPROTO_ESP, spi, &ss), 0);
	CHECK_EQ(ss.packets, n);
	CHECK_EQ(ss.bytes, n * PKT_LEN);
}

/* The i-th captured message is an EXPIRE (hard or soft) of spi: its
 * CURRENT allocations and bytes. */
static int expire_cur(struct dp_host *h, size_t i, bool hard, uint32_t spi, uint64_t *pk,
		      uint64_t *bytes)
{
	const struct sadb_lifetime *l;
	struct pfkm_exts x;

	if (i >= h->c.n || cap_exts(&h->c, i, &x))
		return -ENOENT;
	if (x.msg->sadb_msg_type != SADB_EXPIRE || !x.ext[SADB_EXT_SA] ||
	    ntohl(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_spi) != spi ||
	    !x.ext[hard ? SADB_EXT_LIFETIME_HARD : SADB_EXT_LIFETIME_SOFT] ||
	    x.ext[hard ? SADB_EXT_LIFETIME_SOFT : SADB_EXT_LIFETIME_HARD] ||
	    !x.ext[SADB_EXT_LIFETIME_CURRENT])
		return -EINVAL;
	l = PFKM_EXT(&x, SADB_EXT_LIFETIME_CURRENT, struct sadb_lifetime);
	*pk = l->sadb_lifetime_allocations;
	*bytes = l->sadb_lifetime_bytes;
	return 0;
}

/*
 * Path MTU: a DF packet too big for the route is refused before any SA
 * touched it: not in CURRENT nor in the SA's counters. Sent ones are, with
 * the packet's length, on A (before encapsulation) and B (after
 * decapsulation) alike; the same packet without DF goes (fragmented after
 * encapsulation) and counts.
 */
TEST(dp_acct_mtu_refused_not_counted)
{
	struct pfkm_dp_stats st;
	struct dp_host A, B;
	uint64_t pk = 99, by = 99;
	uint8_t pkt[2048];
	size_t len;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	REQUIRE_EQ(sa_add(&A, SADB_SATYPE_ESP, 0x2001, 0, 0), 0);
	REQUIRE_EQ(sa_add(&B, SADB_SATYPE_ESP, 0x2001, 0, 0), 0);
	REQUIRE_EQ(sp_add(&A, IPSEC_DIR_OUTBOUND, false), 0);
	REQUIRE_EQ(sp_add(&B, IPSEC_DIR_INBOUND, false), 0);

	REQUIRE_EQ(cur_get(&A, SADB_SATYPE_ESP, 0x2001, &pk, &by), 0);
	CHECK_EQ(pk, 0);
	CHECK_EQ(by, 0);

	/* fits: sent, counted on both sides */
	REQUIRE_EQ(send_one(&A, 1500, true, pkt, &len), PFKM_DP_XFORM);
	CHECK(len > PKT_LEN);
	REQUIRE_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_XFORM);
	CHECK_EQ(len, PKT_LEN);
	counted(&A, 0x2001, 1);
	counted(&B, 0x2001, 1);

	/* too big with DF, three times: refused, nothing counted */
	for (int i = 0; i < 3; i++)
		CHECK_EQ(send_one(&A, PKT_LEN + 8, true, pkt, &len), -EMSGSIZE);
	pfkm_dp_stats_get(A.dp, &st);
	CHECK_EQ(st.too_big, 3);
	CHECK_EQ(st.out_xform, 1);
	counted(&A, 0x2001, 1);

	/* too big without DF: encapsulated (IP fragments it), counted */
	REQUIRE_EQ(send_one(&A, PKT_LEN + 8, false, pkt, &len), PFKM_DP_XFORM);
	counted(&A, 0x2001, 2);
	dp_host_close(&A);
	dp_host_close(&B);
}

/*
 * Sequence numbers: the packet that finds them exhausted is refused and
 * the SA hard expired; the EXPIRE's CURRENT holds only the packets sent.
 */
TEST(dp_acct_seq_overflow_not_counted)
{
	struct sockaddr_in d = { .sin_family = AF_INET };
	struct dp_host A;
	uint64_t pk = 99, by = 99;
	uint8_t pkt[2048];
	size_t len;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(sa_add(&A, SADB_SATYPE_ESP, 0x2002, 0, 0), 0);
	REQUIRE_EQ(sp_add(&A, IPSEC_DIR_OUTBOUND, false), 0);
	inet_pton(AF_INET, B_ADDR, &d.sin_addr);
	REQUIRE_EQ(pfkm_dp_sa_seq_set(A.dp, (struct sockaddr *)&d, htonl(0x2002), IPPROTO_ESP,
				      UINT32_MAX - 1u), 0);
	REQUIRE_EQ(send_one(&A, 1500, true, pkt, &len), PFKM_DP_XFORM);
	REQUIRE_EQ(cur_get(&A, SADB_SATYPE_ESP, 0x2002, &pk, &by), 0);
	CHECK_EQ(pk, 1);
	CHECK_EQ(by, PKT_LEN);

	CHECK_EQ(send_one(&A, 1500, true, pkt, &len), -EOVERFLOW);
	REQUIRE_EQ(A.c.n, 1);
	REQUIRE_EQ(expire_cur(&A, 0, true, 0x2002, &pk, &by), 0);
	CHECK_EQ(pk, 1);
	CHECK_EQ(by, PKT_LEN);
	dp_host_close(&A);
}

/*
 * Bundle ESP inside AH: each SA counts the bytes it took in (AH: the ESP
 * packet), CURRENT and counters alike. When AH's numbers run out, ESP has
 * already run and counts the packet (xfrm_output_one per state); AH does
 * not, and its hard EXPIRE says so.
 */
TEST(dp_acct_bundle_counts_each_sa_that_ran)
{
	struct sockaddr_in d = { .sin_family = AF_INET };
	struct pfkm_dp_sa_stats se, sh;
	uint64_t pk = 99, by = 99, esp_len;
	struct dp_host A;
	uint8_t pkt[2048];
	size_t len;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(sa_add(&A, SADB_SATYPE_ESP, 0x2003, 0, 0), 0);
	REQUIRE_EQ(sa_add(&A, SADB_SATYPE_AH, 0x2103, 0, 0), 0);
	REQUIRE_EQ(sp_add(&A, IPSEC_DIR_OUTBOUND, true), 0);

	REQUIRE_EQ(send_one(&A, 1500, true, pkt, &len), PFKM_DP_XFORM);
	CHECK_EQ(pkt[9], IPPROTO_AH);
	REQUIRE_EQ(st_get(&A, IPPROTO_ESP, 0x2003, &se), 0);
	REQUIRE_EQ(st_get(&A, IPPROTO_AH, 0x2103, &sh), 0);
	CHECK_EQ(se.packets, 1);
	CHECK_EQ(se.bytes, PKT_LEN);
	CHECK_EQ(sh.packets, 1);
	esp_len = sh.bytes;
	CHECK(esp_len > PKT_LEN && esp_len < len);
	REQUIRE_EQ(cur_get(&A, SADB_SATYPE_ESP, 0x2003, &pk, &by), 0);
	CHECK_EQ(pk, 1);
	CHECK_EQ(by, PKT_LEN);
	REQUIRE_EQ(cur_get(&A, SADB_SATYPE_AH, 0x2103, &pk, &by), 0);
	CHECK_EQ(pk, 1);
	CHECK_EQ(by, esp_len);

	/* AH's last number: the next packet passes ESP, then AH refuses */
	inet_pton(AF_INET, B_ADDR, &d.sin_addr);
	REQUIRE_EQ(pfkm_dp_sa_seq_set(A.dp, (struct sockaddr *)&d, htonl(0x2103), IPPROTO_AH,
				      UINT32_MAX), 0);
	cap_clear(&A.c);
	CHECK_EQ(send_one(&A, 1500, true, pkt, &len), -EOVERFLOW);
	REQUIRE_EQ(A.c.n, 1);
	REQUIRE_EQ(expire_cur(&A, 0, true, 0x2103, &pk, &by), 0);
	CHECK_EQ(pk, 1);
	CHECK_EQ(by, esp_len);
	counted(&A, 0x2003, 2);
	dp_host_close(&A);
}

/*
 * Byte limits soft 150, hard 250 with 68-byte packets: refused packets in
 * between move nothing. Checked before each packet, counted after: the
 * 4th packet meets 204 >= 150 (soft EXPIRE, still sent), the 5th 272 >=
 * 250 (hard EXPIRE, -EAGAIN, no SA). Before the fix the three refused
 * packets alone would have reached the hard limit.
 */
TEST(dp_acct_soft_hard_thresholds_unchanged)
{
	uint64_t pk = 99, by = 99;
	struct dp_host A;
	uint8_t pkt[2048];
	size_t len;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(sa_add(&A, SADB_SATYPE_ESP, 0x2004, 150, 250), 0);
	REQUIRE_EQ(sp_add(&A, IPSEC_DIR_OUTBOUND, false), 0);

	REQUIRE_EQ(send_one(&A, 1500, true, pkt, &len), PFKM_DP_XFORM);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(send_one(&A, PKT_LEN, true, pkt, &len), -EMSGSIZE);
	CHECK_EQ(A.c.n, 0);
	REQUIRE_EQ(send_one(&A, 1500, true, pkt, &len), PFKM_DP_XFORM);
	REQUIRE_EQ(send_one(&A, 1500, true, pkt, &len), PFKM_DP_XFORM);
	CHECK_EQ(A.c.n, 0);		/* 204 bytes counted, not checked yet */
	REQUIRE_EQ(send_one(&A, 1500, true, pkt, &len), PFKM_DP_XFORM);
	REQUIRE_EQ(A.c.n, 1);
	REQUIRE_EQ(expire_cur(&A, 0, false, 0x2004, &pk, &by), 0);
	CHECK_EQ(pk, 3);
	CHECK_EQ(by, 3 * PKT_LEN);
	cap_clear(&A.c);
	CHECK_EQ(send_one(&A, 1500, true, pkt, &len), -EAGAIN);
	REQUIRE(A.c.n >= 1);
	REQUIRE_EQ(expire_cur(&A, 0, true, 0x2004, &pk, &by), 0);
	CHECK_EQ(pk, 4);
	CHECK_EQ(by, 4 * PKT_LEN);
	dp_host_close(&A);
}
