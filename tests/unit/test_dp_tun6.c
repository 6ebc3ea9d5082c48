// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_dp_tun6.c: IPv6-in-IPv6 tunnel mode of the portable data path
 * (kmod/core/dp.c): gateway A 2001:db8::1 encapsulates an ICMPv6 echo from
 * 2001:db8:a::1 to 2001:db8:b::1 (ESP AES-GCM-16 and AH HMAC-SHA256), B
 * 2001:db8::2 removes it and its in-policy accepts it; replay, a flipped
 * bit and the inner packet sent without the tunnel are refused. Mixed
 * families (IPv4 in IPv6, IPv6 in IPv4) are tested in test_dp_fwd.c.
 */
#include "dp_host.h"

/* ICMPv6 echo src -> dst, 32 data bytes, traffic class 0xb8; returns 80. */
static size_t t6_pkt(uint8_t *p, const char *src, const char *dst)
{
	size_t i;

	memset(p, 0, 80);
	p[0] = 0x6b;
	p[1] = 0x80;
	p[5] = 40;
	p[6] = 58;
	p[7] = 64;
	inet_pton(AF_INET6, src, p + 8);
	inet_pton(AF_INET6, dst, p + 24);
	p[40] = 128;
	for (i = 8; i < 40; i++)
		p[40 + i] = (uint8_t)(0x41 + i % 26);
	return 80;
}

static void tun6(uint8_t satype)
{
	const struct dp_algs *a = dp_algs_of(satype);
	uint8_t proto = dp_proto(satype);
	uint8_t orig[128], pkt[512], copy[512], gw[16];
	struct sockaddr_in6 d = { .sin6_family = AF_INET6 };
	struct pfkm_dp_sa_stats ss;
	struct dp_host A, B;
	size_t len, olen, clen;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	REQUIRE_EQ(dp_host_flow(&A, &B, a, IPSEC_MODE_TUNNEL, 0x1001, "2001:db8:a::/48",
				"2001:db8:b::/48", "2001:db8::1", "2001:db8::2"), 0);
	olen = t6_pkt(orig, "2001:db8:a::1", "2001:db8:b::1");
	memcpy(pkt, orig, olen);
	len = olen;
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	/* outer IPv6 header: the gateways, traffic class copied, hop limit 64 */
	CHECK_EQ(pkt[0], 0x6b);
	CHECK_EQ(pkt[1] & 0xf0, 0x80);
	CHECK_EQ(pkt[6], proto);
	CHECK_EQ(pkt[7], 64);
	CHECK_EQ((size_t)(pkt[4] << 8 | pkt[5]), len - 40);
	inet_pton(AF_INET6, "2001:db8::1", gw);
	CHECK_MEM(pkt + 8, gw, 16);
	inet_pton(AF_INET6, "2001:db8::2", gw);
	CHECK_MEM(pkt + 24, gw, 16);
	if (satype == SADB_SATYPE_AH)
		CHECK_EQ(pkt[40], 41);	/* AH next header: IPv6 */
	CHECK(len >= olen + 40 + 16);
	memcpy(copy, pkt, len);
	clen = len;
	REQUIRE_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_XFORM);
	REQUIRE_EQ(len, olen);
	CHECK_MEM(pkt, orig, olen);
	/* replayed */
	memcpy(pkt, copy, clen);
	len = clen;
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), -EEXIST);
	/* one flipped bit in a fresh packet */
	len = t6_pkt(pkt, "2001:db8:a::1", "2001:db8:b::1");
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	pkt[len - 1] ^= 1;
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), -EBADMSG);
	inet_pton(AF_INET6, "2001:db8::2", &d.sin6_addr);
	REQUIRE_EQ(pfkm_dp_sa_stats(B.dp, (struct sockaddr *)&d, htonl(0x1001), proto, &ss), 0);
	CHECK_EQ(ss.packets, 1);
	CHECK_EQ(ss.replay_drop, 1);
	CHECK_EQ(ss.auth_fail, 1);
	/* the inner packet without the tunnel: the in-policy refuses it */
	len = t6_pkt(pkt, "2001:db8:a::1", "2001:db8:b::1");
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), -EPERM);
	dp_host_close(&A);
	dp_host_close(&B);
}

TEST(dp_esp_gcm_tunnel_ipv6) { tun6(SADB_SATYPE_ESP); }
TEST(dp_ah_tunnel_ipv6) { tun6(SADB_SATYPE_AH); }
