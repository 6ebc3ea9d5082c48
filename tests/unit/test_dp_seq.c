// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_dp_seq.c: outbound sequence number exhaustion in the portable data
 * path (kmod/core/dp.c, issue 7 "overflow -> no wrap, SA expires"). Host A
 * 10.0.0.1 sends to B 10.0.0.2 (ESP AES-GCM-16 and AH HMAC-SHA256,
 * transport); A's outbound SA starts at 2^32 - 3 (pfkm_dp_sa_seq_set). The
 * packets with 2^32 - 2 and 2^32 - 1 go and B accepts them; the next one is
 * dropped (-EOVERFLOW, counted), A's registered socket gets a hard EXPIRE
 * with state DEAD, the SA is gone (GET -> ESRCH), and later packets find
 * no SA (ACQUIRE, -EAGAIN): nothing is ever sent with a wrapped number.
 */
#include "dp_host.h"

/* The ESP or AH sequence number of the transport-mode packet p. */
static uint32_t sq_seq(const uint8_t *p, uint8_t proto)
{
	const uint8_t *s = p + 20 + (proto == IPPROTO_AH ? 8 : 4);

	return (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
}

static void seq_overflow(uint8_t satype)
{
	const struct dp_algs *a = dp_algs_of(satype);
	uint8_t proto = dp_proto(satype);
	struct sockaddr_in d = { .sin_family = AF_INET };
	struct pfkm_dp_sa_stats ss;
	struct pfkm_dp_stats st;
	struct dp_host A, B;
	struct pfkm_exts x;
	uint8_t pkt[512];
	size_t len, i;
	struct mb m;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	REQUIRE_EQ(dp_host_flow(&A, &B, a, IPSEC_MODE_TRANSPORT, 0x1001, "10.0.0.1", "10.0.0.2",
				NULL, NULL), 0);
	mb_hdr(&m, SADB_REGISTER, satype, 3);
	REQUIRE_EQ(mb_send(&A.c, &m), 0);
	inet_pton(AF_INET, "10.0.0.2", &d.sin_addr);

	CHECK_EQ(pfkm_dp_sa_seq_set(A.dp, (struct sockaddr *)&d, htonl(0x1001), proto,
				    (uint64_t)UINT32_MAX + 1), -ERANGE);
	CHECK_EQ(pfkm_dp_sa_seq_set(A.dp, (struct sockaddr *)&d, htonl(0x1002), proto,
				    UINT32_MAX - 3u), -ENOENT);
	REQUIRE_EQ(pfkm_dp_sa_seq_set(A.dp, (struct sockaddr *)&d, htonl(0x1001), proto,
				      UINT32_MAX - 2u), 0);
	cap_clear(&A.c);

	/* the last two numbers go, and the peer's window takes them */
	for (i = 0; i < 2; i++) {
		len = dp_udp4_pkt(pkt, "10.0.0.1", "10.0.0.2", false);
		REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
		CHECK_EQ(sq_seq(pkt, proto), UINT32_MAX - 1u + (uint32_t)i);
		CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_XFORM);
	}
	CHECK_EQ(A.c.n, 0);		/* no EXPIRE yet */

	/* 2^32 would wrap to 0: dropped, counted, the SA hard expired */
	len = dp_udp4_pkt(pkt, "10.0.0.1", "10.0.0.2", false);
	CHECK_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), -EOVERFLOW);
	pfkm_dp_stats_get(A.dp, &st);
	CHECK_EQ(st.out_xform, 2);
	CHECK_EQ(st.seq_overflow, 1);
	CHECK_EQ(st.errors, 1);
	REQUIRE_EQ(A.c.n, 1);
	REQUIRE_EQ(cap_exts(&A.c, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_EXPIRE);
	CHECK_EQ(x.msg->sadb_msg_satype, satype);
	CHECK(x.ext[SADB_EXT_LIFETIME_HARD] && !x.ext[SADB_EXT_LIFETIME_SOFT]);
	REQUIRE(x.ext[SADB_EXT_SA] != NULL);
	CHECK_EQ(ntohl(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_spi), 0x1001);
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_state, SADB_SASTATE_DEAD);
	/* CURRENT counts the packets that went through the SA: the refused
	 * one is not in it (checked at SA selection, counted after encap) */
	REQUIRE(x.ext[SADB_EXT_LIFETIME_CURRENT] != NULL);
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_LIFETIME_CURRENT, struct sadb_lifetime)->sadb_lifetime_allocations, 2);

	/* gone from the SADB and from the data path's view */
	mb_hdr(&m, SADB_GET, satype, 4);
	mb_sa(&m, 0x1001, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 0, 0);
	cap_clear(&A.c);
	REQUIRE_EQ(mb_send(&A.c, &m), 0);
	CHECK_EQ(cap_errno(&A.c), ESRCH);
	CHECK_EQ(pfkm_dp_sa_stats(A.dp, (struct sockaddr *)&d, htonl(0x1001), proto, &ss), -ENOENT);
	CHECK_EQ(pfkm_dp_sa_seq_set(A.dp, (struct sockaddr *)&d, htonl(0x1001), proto, 0), -ENOENT);

	/* later packets: no SA (ACQUIRE to the registered socket), dropped */
	cap_clear(&A.c);
	len = dp_udp4_pkt(pkt, "10.0.0.1", "10.0.0.2", false);
	CHECK_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), -EAGAIN);
	REQUIRE(A.c.n >= 1);
	CHECK_EQ(cap_hdr(&A.c, A.c.n - 1)->sadb_msg_type, SADB_ACQUIRE);
	pfkm_dp_stats_get(A.dp, &st);
	CHECK_EQ(st.no_sa, 1);
	CHECK_EQ(st.out_xform, 2);
	pfkm_dp_gc(A.dp);

	/* B took exactly the two packets */
	REQUIRE_EQ(pfkm_dp_sa_stats(B.dp, (struct sockaddr *)&d, htonl(0x1001), proto, &ss), 0);
	CHECK_EQ(ss.packets, 2);
	CHECK_EQ(ss.replay_drop, 0);
	CHECK_EQ(ss.auth_fail, 0);
	dp_host_close(&A);
	dp_host_close(&B);
}

TEST(dp_seq_overflow_esp_expires_sa) { seq_overflow(SADB_SATYPE_ESP); }
TEST(dp_seq_overflow_ah_expires_sa) { seq_overflow(SADB_SATYPE_AH); }
