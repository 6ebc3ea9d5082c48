// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_dp_fwd.c: gateway parts of the portable data path (kmod/core/dp.c):
 * mixed-family tunnels (IPv4 in IPv6, IPv6 in IPv4; ESP AES-GCM-16 and AH
 * HMAC-SHA256) encapsulated by gateway A and removed by gateway B, B's
 * `in` / `fwd` choice through the routing answers and the `fwd` policy
 * check with and without the SAs it requires, clear text forwarded where
 * `fwd` requires IPsec, a forwarded packet tunnelled by the `out` policy,
 * and the path MTU check (DF, no DF, IPv6, the MTU reported).
 * Networks: 10.1.0.0/24 (2001:db8:1::/64) behind A, 10.2.0.0/24
 * (2001:db8:2::/64) behind B; gateways 10.0.0.1/.2, 2001:db8::1/::2.
 */
#include "dp_host.h"

/* IPv4 UDP src -> dst, len bytes in all, DF as asked, TOS 0x28. */
static size_t pkt4(uint8_t *p, const char *src, const char *dst, size_t len, bool df)
{
	size_t i;
	uint16_t c;

	memset(p, 0, 28);
	p[0] = 0x45;
	p[1] = 0x28;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[6] = df ? 0x40 : 0;
	p[8] = 63;
	p[9] = IPPROTO_UDP;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	c = dp_csum(p, 20);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	p[21] = 7;
	p[23] = 9;
	p[24] = (uint8_t)((len - 20) >> 8);
	p[25] = (uint8_t)(len - 20);
	for (i = 28; i < len; i++)
		p[i] = (uint8_t)(i * 7);
	return len;
}

/* IPv6 UDP src -> dst, len bytes in all, traffic class 0x28. */
static size_t pkt6(uint8_t *p, const char *src, const char *dst, size_t len)
{
	size_t i;

	memset(p, 0, 48);
	p[0] = 0x62;
	p[1] = 0x80;
	p[4] = (uint8_t)((len - 40) >> 8);
	p[5] = (uint8_t)(len - 40);
	p[6] = IPPROTO_UDP;
	p[7] = 63;
	inet_pton(AF_INET6, src, p + 8);
	inet_pton(AF_INET6, dst, p + 24);
	p[41] = 7;
	p[43] = 9;
	p[44] = (uint8_t)((len - 40) >> 8);
	p[45] = (uint8_t)(len - 40);
	for (i = 48; i < len; i++)
		p[i] = (uint8_t)(i * 7);
	return len;
}

/* Routing answers: nothing behind the gateways is local; the route MTU. */
struct rt_t {
	uint32_t mtu;
	unsigned int asked_family;
	uint8_t asked_daddr[16];
};

static bool rt_local(void *arg, unsigned int family, const uint8_t *daddr)
{
	(void)arg;
	(void)family;
	(void)daddr;
	return false;
}

static uint32_t rt_mtu(void *arg, unsigned int family, const uint8_t *saddr, const uint8_t *daddr)
{
	struct rt_t *t = arg;

	(void)saddr;
	t->asked_family = family;
	memcpy(t->asked_daddr, daddr, family == AF_INET ? 4 : 16);
	return t->mtu;
}

static void rt_make(struct pfkm_dp_route *r, struct rt_t *t, uint32_t mtu)
{
	memset(r, 0, sizeof(*r));
	memset(t, 0, sizeof(*t));
	t->mtu = mtu;
	r->local = rt_local;
	r->mtu = rt_mtu;
	r->arg = t;
}

/*
 * Mixed tunnel: inner family from inner6, gateways' family the other one.
 * A encapsulates (outer header checked), B removes it: without routing
 * answers the `in` policy takes it (XFORM), with them (not local) the
 * `fwd` policy (FWD); the inner packet comes out intact.
 */
static void mixed(uint8_t satype, bool inner6)
{
	const struct dp_algs *a = dp_algs_of(satype);
	uint8_t proto = dp_proto(satype);
	const char *ga = inner6 ? "10.0.0.1" : "2001:db8::1";
	const char *gb = inner6 ? "10.0.0.2" : "2001:db8::2";
	const char *na = inner6 ? "2001:db8:1::/64" : "10.1.0.0/24";
	const char *nb = inner6 ? "2001:db8:2::/64" : "10.2.0.0/24";
	const char *hc = inner6 ? "2001:db8:1::2" : "10.1.0.2";
	const char *hd = inner6 ? "2001:db8:2::2" : "10.2.0.2";
	uint8_t orig[256], pkt[768], copy[768];
	struct pfkm_dp_route r;
	struct pfkm_dp_stats st;
	struct rt_t t;
	struct dp_host A, B;
	size_t len, olen, clen;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	REQUIRE_EQ(dp_host_flow(&A, &B, a, IPSEC_MODE_TUNNEL, 0x1001, na, nb, ga, gb), 0);
	REQUIRE_EQ(dp_host_policy(&B, IPSEC_DIR_FWD, IPSEC_POLICY_IPSEC, na, nb,
				  proto, IPSEC_MODE_TUNNEL, 0, ga, gb), 0);
	olen = inner6 ? pkt6(orig, hc, hd, 120) : pkt4(orig, hc, hd, 100, true);
	memcpy(pkt, orig, olen);
	len = olen;
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	if (inner6) {
		uint8_t a4[4];

		/* outer IPv4: DF set over IPv6, TOS from the traffic class */
		CHECK_EQ(pkt[0], 0x45);
		CHECK_EQ(pkt[1], 0x28);
		CHECK_EQ(pkt[6] & 0x40, 0x40);
		CHECK_EQ(pkt[8], 64);
		CHECK_EQ(pkt[9], proto);
		CHECK_EQ((size_t)(pkt[2] << 8 | pkt[3]), len);
		CHECK_EQ(dp_csum(pkt, 20), 0);
		inet_pton(AF_INET, ga, a4);
		CHECK_MEM(pkt + 12, a4, 4);
		inet_pton(AF_INET, gb, a4);
		CHECK_MEM(pkt + 16, a4, 4);
		if (satype == SADB_SATYPE_AH)
			CHECK_EQ(pkt[20], 41);	/* AH next header: IPv6 */
	} else {
		uint8_t a6[16];

		CHECK_EQ(pkt[0], 0x62);
		CHECK_EQ(pkt[1] & 0xf0, 0x80);
		CHECK_EQ(pkt[6], proto);
		CHECK_EQ(pkt[7], 64);
		CHECK_EQ((size_t)(pkt[4] << 8 | pkt[5]), len - 40);
		inet_pton(AF_INET6, ga, a6);
		CHECK_MEM(pkt + 8, a6, 16);
		inet_pton(AF_INET6, gb, a6);
		CHECK_MEM(pkt + 24, a6, 16);
		if (satype == SADB_SATYPE_AH)
			CHECK_EQ(pkt[40], 4);	/* AH next header: IPv4 */
	}
	memcpy(copy, pkt, len);
	clen = len;
	/* no routing answers: `in` */
	REQUIRE_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_XFORM);
	REQUIRE_EQ(len, olen);
	CHECK_MEM(pkt, orig, olen);
	/* the next one, B told the inner destination is not its own: `fwd` */
	len = inner6 ? pkt6(pkt, hc, hd, 120) : pkt4(pkt, hc, hd, 100, true);
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	rt_make(&r, &t, 0);
	REQUIRE_EQ(pfkm_dp_input_route(B.dp, pkt, &len, &r), PFKM_DP_FWD);
	REQUIRE_EQ(len, olen);
	CHECK_MEM(pkt, orig, olen);
	/* replayed */
	memcpy(pkt, copy, clen);
	len = clen;
	CHECK_EQ(pfkm_dp_input_route(B.dp, pkt, &len, &r), -EEXIST);
	/* the inner packet in clear text, forwarded: `fwd` refuses it */
	len = inner6 ? pkt6(pkt, hc, hd, 120) : pkt4(pkt, hc, hd, 100, true);
	CHECK_EQ(pfkm_dp_forward(B.dp, pkt, sizeof(pkt), &len, &r, false), -EPERM);
	pfkm_dp_stats_get(B.dp, &st);
	CHECK_EQ(st.in_xform, 2);
	CHECK_EQ(st.policy_drop, 1);
	dp_host_close(&A);
	dp_host_close(&B);
}

TEST(dp_esp_gcm_tunnel_ipv4_in_ipv6) { mixed(SADB_SATYPE_ESP, false); }
TEST(dp_esp_gcm_tunnel_ipv6_in_ipv4) { mixed(SADB_SATYPE_ESP, true); }
TEST(dp_ah_tunnel_ipv4_in_ipv6) { mixed(SADB_SATYPE_AH, false); }
TEST(dp_ah_tunnel_ipv6_in_ipv4) { mixed(SADB_SATYPE_AH, true); }

/*
 * B's `fwd` policy requires ESP tunnel 10.0.0.1 -> 10.0.0.2, level unique
 * reqid 7. Decapsulated through that SA: forwarded. Through another tunnel
 * SA that B also has (other reqid, same gateways): refused, policy_drop.
 * Clear text forwarded: refused; unrelated traffic: passes; traffic the
 * `out` policy covers: tunnelled (a gateway forwarding into its tunnel).
 */
TEST(dp_fwd_policy_needs_the_right_sas)
{
	uint8_t pkt[512];
	struct pfkm_dp_route r;
	struct pfkm_dp_stats st;
	struct rt_t t;
	struct dp_host A, B;
	size_t len;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	REQUIRE_EQ(dp_host_sa(&A, &dp_gcm, 0x1001, "10.0.0.1", "10.0.0.2", IPSEC_MODE_TUNNEL,
			      7, 0x01), 0);
	REQUIRE_EQ(dp_host_sa(&A, &dp_gcm, 0x1002, "10.0.0.1", "10.0.0.2", IPSEC_MODE_TUNNEL,
			      8, 0x02), 0);
	REQUIRE_EQ(dp_host_sa(&B, &dp_gcm, 0x1001, "10.0.0.1", "10.0.0.2", IPSEC_MODE_TUNNEL,
			      7, 0x01), 0);
	REQUIRE_EQ(dp_host_sa(&B, &dp_gcm, 0x1002, "10.0.0.1", "10.0.0.2", IPSEC_MODE_TUNNEL,
			      8, 0x02), 0);
	REQUIRE_EQ(dp_host_sa(&B, &dp_gcm, 0x2001, "10.0.0.2", "10.0.0.1", IPSEC_MODE_TUNNEL,
			      9, 0x01), 0);
	/* A: 10.1 -> 10.2 through reqid 7, 10.1 -> 10.3 through reqid 8 */
	REQUIRE_EQ(dp_host_policy(&A, IPSEC_DIR_OUTBOUND, IPSEC_POLICY_IPSEC, "10.1.0.0/24",
				  "10.2.0.0/24", IPPROTO_ESP, IPSEC_MODE_TUNNEL, 7,
				  "10.0.0.1", "10.0.0.2"), 0);
	REQUIRE_EQ(dp_host_policy(&A, IPSEC_DIR_OUTBOUND, IPSEC_POLICY_IPSEC, "10.1.0.0/24",
				  "10.3.0.0/24", IPPROTO_ESP, IPSEC_MODE_TUNNEL, 8,
				  "10.0.0.1", "10.0.0.2"), 0);
	/* B: fwd 10.1 -> 10.2 and 10.3 both need reqid 7 */
	REQUIRE_EQ(dp_host_policy(&B, IPSEC_DIR_FWD, IPSEC_POLICY_IPSEC, "10.1.0.0/24",
				  "10.2.0.0/24", IPPROTO_ESP, IPSEC_MODE_TUNNEL, 7,
				  "10.0.0.1", "10.0.0.2"), 0);
	REQUIRE_EQ(dp_host_policy(&B, IPSEC_DIR_FWD, IPSEC_POLICY_IPSEC, "10.1.0.0/24",
				  "10.3.0.0/24", IPPROTO_ESP, IPSEC_MODE_TUNNEL, 7,
				  "10.0.0.1", "10.0.0.2"), 0);
	/* B tunnels 10.2 -> 10.1 back to A */
	REQUIRE_EQ(dp_host_policy(&B, IPSEC_DIR_OUTBOUND, IPSEC_POLICY_IPSEC, "10.2.0.0/24",
				  "10.1.0.0/24", IPPROTO_ESP, IPSEC_MODE_TUNNEL, 9,
				  "10.0.0.2", "10.0.0.1"), 0);
	rt_make(&r, &t, 0);

	len = pkt4(pkt, "10.1.0.2", "10.2.0.2", 100, true);
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	CHECK_EQ(pfkm_dp_input_route(B.dp, pkt, &len, &r), PFKM_DP_FWD);
	/* the same gateways, the wrong SA (reqid 8) */
	len = pkt4(pkt, "10.1.0.2", "10.3.0.2", 100, true);
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	CHECK_EQ(pfkm_dp_input_route(B.dp, pkt, &len, &r), -EPERM);
	pfkm_dp_stats_get(B.dp, &st);
	CHECK_EQ(st.policy_drop, 1);
	/* clear text forwarded where `fwd` requires ESP */
	len = pkt4(pkt, "10.1.0.2", "10.2.0.2", 100, true);
	CHECK_EQ(pfkm_dp_forward(B.dp, pkt, sizeof(pkt), &len, &r, false), -EPERM);
	/* ... unless it came out of our tunnel (checked there) */
	len = pkt4(pkt, "10.1.0.2", "10.2.0.2", 100, true);
	CHECK_EQ(pfkm_dp_forward(B.dp, pkt, sizeof(pkt), &len, &r, true), PFKM_DP_PASS);
	/* no policy: forwarded as it is */
	len = pkt4(pkt, "10.5.0.2", "10.6.0.2", 100, true);
	CHECK_EQ(pfkm_dp_forward(B.dp, pkt, sizeof(pkt), &len, &r, false), PFKM_DP_PASS);
	pfkm_dp_stats_get(B.dp, &st);
	CHECK_EQ(st.policy_drop, 2);
	/* forwarded 10.2 -> 10.1: B's `out` policy tunnels it to A, whose
	 * inbound tunnel without any policy is refused (xfrm: XfrmInNoPols) */
	len = pkt4(pkt, "10.2.0.2", "10.1.0.2", 100, true);
	REQUIRE_EQ(pfkm_dp_forward(B.dp, pkt, sizeof(pkt), &len, &r, false), PFKM_DP_XFORM);
	CHECK_EQ(pkt[9], IPPROTO_ESP);
	REQUIRE_EQ(dp_host_sa(&A, &dp_gcm, 0x2001, "10.0.0.2", "10.0.0.1", IPSEC_MODE_TUNNEL,
			      9, 0x01), 0);
	CHECK_EQ(pfkm_dp_input_route(A.dp, pkt, &len, &r), -EPERM);
	dp_host_close(&A);
	dp_host_close(&B);
}

/*
 * Path MTU: ESP AES-GCM-16 tunnel IPv4, route MTU 1200. The SA adds
 * 20 + 8 + 8 + pad to 4 (with the 2 trailer bytes) + 16, so 1146 bytes
 * fit (as xfrm's esp4_get_mtu: ((1200 - 36 - 16) & ~3) - 2). A 1200-byte
 * DF packet: -EMSGSIZE, MTU 1146 reported, the buffer untouched, too_big
 * counted; 1146 bytes: encapsulated to 1200; 1200 without DF: encapsulated
 * (IP fragments it afterwards). IPv6 in IPv6, MTU 1500: 1426 fit; IPv6 in
 * IPv6 with MTU 1300: the IPv6 minimum 1280 reported.
 */
TEST(dp_pmtu_tunnel_check)
{
	uint8_t pkt[2048], orig[2048], gw4[4];
	struct pfkm_dp_route r;
	struct pfkm_dp_stats st;
	struct rt_t t;
	struct dp_host A;
	size_t len;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_flow(&A, NULL, &dp_gcm, IPSEC_MODE_TUNNEL, 0x1001, "10.1.0.0/24",
				"10.2.0.0/24", "10.0.0.1", "10.0.0.2"), 0);
	REQUIRE_EQ(dp_host_flow(&A, NULL, &dp_gcm, IPSEC_MODE_TUNNEL, 0x1006, "2001:db8:1::/64",
				"2001:db8:2::/64", "2001:db8::1", "2001:db8::2"), 0);
	rt_make(&r, &t, 1200);
	len = pkt4(pkt, "10.1.0.2", "10.2.0.2", 1200, true);
	memcpy(orig, pkt, len);
	CHECK_EQ(pfkm_dp_forward(A.dp, pkt, sizeof(pkt), &len, &r, false), -EMSGSIZE);
	CHECK_EQ(r.mtu_out, 1146);
	CHECK_EQ(len, 1200);
	CHECK_MEM(pkt, orig, 1200);
	/* asked about the tunnel's outer destination */
	inet_pton(AF_INET, "10.0.0.2", gw4);
	CHECK_EQ(t.asked_family, AF_INET);
	CHECK_MEM(t.asked_daddr, gw4, 4);
	rt_make(&r, &t, 1200);
	len = pkt4(pkt, "10.1.0.2", "10.2.0.2", 1146, true);
	CHECK_EQ(pfkm_dp_forward(A.dp, pkt, sizeof(pkt), &len, &r, false), PFKM_DP_XFORM);
	CHECK_EQ(len, 1200);
	CHECK_EQ(r.mtu_out, 0);
	len = pkt4(pkt, "10.1.0.2", "10.2.0.2", 1147, true);
	CHECK_EQ(pfkm_dp_output_route(A.dp, pkt, sizeof(pkt), &len, &r), -EMSGSIZE);
	CHECK_EQ(r.mtu_out, 1146);
	rt_make(&r, &t, 1200);
	len = pkt4(pkt, "10.1.0.2", "10.2.0.2", 1200, false);
	CHECK_EQ(pfkm_dp_forward(A.dp, pkt, sizeof(pkt), &len, &r, false), PFKM_DP_XFORM);
	CHECK(len > 1200);
	CHECK_EQ(pkt[6] & 0x40, 0);	/* no DF outside either */
	rt_make(&r, &t, 1500);
	len = pkt6(pkt, "2001:db8:1::2", "2001:db8:2::2", 1427);
	CHECK_EQ(pfkm_dp_forward(A.dp, pkt, sizeof(pkt), &len, &r, false), -EMSGSIZE);
	CHECK_EQ(r.mtu_out, 1426);
	rt_make(&r, &t, 1500);
	len = pkt6(pkt, "2001:db8:1::2", "2001:db8:2::2", 1426);
	CHECK_EQ(pfkm_dp_forward(A.dp, pkt, sizeof(pkt), &len, &r, false), PFKM_DP_XFORM);
	CHECK_EQ(len, 1500);
	rt_make(&r, &t, 1300);
	len = pkt6(pkt, "2001:db8:1::2", "2001:db8:2::2", 1290);
	CHECK_EQ(pfkm_dp_forward(A.dp, pkt, sizeof(pkt), &len, &r, false), -EMSGSIZE);
	CHECK_EQ(r.mtu_out, 1280);
	pfkm_dp_stats_get(A.dp, &st);
	CHECK_EQ(st.too_big, 4);
	CHECK_EQ(st.out_xform, 3);
	dp_host_close(&A);
}
