// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_dp_natt.c: RFC 3948 UDP encapsulation of ESP through the portable
 * data path (kmod/core/dp.c + natt.c). Hosts A (10.0.0.1, 2001:db8::1) and
 * B (10.0.0.2, 2001:db8::2) keyed through pfkm_sock_send with esp-udp SAs
 * (NAT_T_TYPE 2, ports 4500 -> 4500, as keysh's esp-udp sends them):
 * outbound UDP header (IPv4 checksum 0, IPv6 checksum valid), inbound round
 * trip in transport and tunnel mode, a NAT rewriting the outer source in
 * transport mode (inner TCP checksum repaired), the non-ESP marker and
 * keepalives, and refusals: bad UDP checksum or length, unknown SPI, wrong
 * port, raw ESP for an esp-udp SA, ESP in UDP for a plain SA. Ordinary
 * UDP passes untouched.
 * Hosts and keying from dp_host.h (the NAT-T ports are in struct dp_algs).
 */
#include <unistd.h>
#include "dp_host.h"
#include "natt.h"

/* ESP AES-GCM-16 in UDP, ports 4500 -> 4500; the same on 4501 -> 4501. */
static const struct dp_algs gcm_udp = {
	.satype = SADB_SATYPE_ESP, .enc = SADB_X_EALG_AES_GCM_ICV16, .ebits = 160,
	.natt_sport = 4500, .natt_dport = 4500,
};
static const struct dp_algs gcm_udp4501 = {
	.satype = SADB_SATYPE_ESP, .enc = SADB_X_EALG_AES_GCM_ICV16, .ebits = 160,
	.natt_sport = 4501, .natt_dport = 4501,
};

/* A <-> B with esp-udp SAs 0x1001 (a->b) and 0x2002 (b->a), ports 4500. */
static int npair(struct dp_host *A, struct dp_host *B, bool v6, uint8_t mode)
{
	if (v6)
		return dp_host_pair(A, B, &gcm_udp, mode, "2001:db8::1", "2001:db8::2");
	return dp_host_pair(A, B, &gcm_udp, mode, "10.0.0.1", "10.0.0.2");
}

static uint32_t sum(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Upper-layer checksum check of the packet p (0 = valid), pseudo header
 * from its own IP header; hl = header length. */
static uint16_t l4_sum(const uint8_t *p, size_t hl, size_t len, uint8_t proto)
{
	bool v6 = p[0] >> 4 == 6;
	uint32_t s = v6 ? sum(0, p + 8, 32) : sum(0, p + 12, 8);

	s += (uint32_t)(len - hl) + proto;
	return fold(sum(s, p + hl, len - hl));
}

/* IPv4 or IPv6 packet src -> dst with proto and payload pl[0 .. n),
 * upper-layer checksum (TCP at 16, UDP at 6) filled when csum_off >= 0. */
static size_t mk_pkt(uint8_t *p, const char *src, const char *dst, uint8_t proto,
		     const uint8_t *pl, size_t n, int csum_off)
{
	bool v6 = strchr(src, ':') != NULL;
	size_t hl = v6 ? 40 : 20, len = hl + n;
	uint16_t c;

	memset(p, 0, hl);
	if (v6) {
		p[0] = 0x60;
		p[4] = (uint8_t)(n >> 8);
		p[5] = (uint8_t)n;
		p[6] = proto;
		p[7] = 64;
		inet_pton(AF_INET6, src, p + 8);
		inet_pton(AF_INET6, dst, p + 24);
	} else {
		p[0] = 0x45;
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
		p[4] = 0x12;
		p[6] = 0x40;
		p[8] = 64;
		p[9] = proto;
		inet_pton(AF_INET, src, p + 12);
		inet_pton(AF_INET, dst, p + 16);
		c = fold(sum(0, p, 20));
		p[10] = (uint8_t)(c >> 8);
		p[11] = (uint8_t)c;
	}
	memcpy(p + hl, pl, n);
	if (csum_off >= 0) {
		p[hl + csum_off] = p[hl + csum_off + 1] = 0;
		c = l4_sum(p, hl, len, proto);
		p[hl + csum_off] = (uint8_t)(c >> 8);
		p[hl + csum_off + 1] = (uint8_t)c;
	}
	return len;
}

/* A TCP segment 40000 -> 80 with a text payload (checksum valid). */
static size_t tcp_pkt(uint8_t *p, const char *src, const char *dst)
{
	uint8_t t[20 + 32];
	size_t i;

	memset(t, 0, sizeof(t));
	t[0] = 40000 >> 8;
	t[1] = 40000 & 0xff;
	t[3] = 80;
	t[7] = 1;
	t[12] = 5 << 4;
	t[13] = 0x18;		/* PSH ACK */
	t[14] = 0xff;
	for (i = 0; i < 32; i++)
		t[20 + i] = (uint8_t)("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"[i]);
	return mk_pkt(p, src, dst, IPPROTO_TCP, t, sizeof(t), 16);
}

/* A UDP datagram sport -> dport carrying pl[0 .. n) (checksum 0). */
static size_t udp_pkt(uint8_t *p, const char *src, const char *dst, uint16_t sport,
		      uint16_t dport, const uint8_t *pl, size_t n)
{
	uint8_t u[256];

	memset(u, 0, 8);
	u[0] = (uint8_t)(sport >> 8);
	u[1] = (uint8_t)sport;
	u[2] = (uint8_t)(dport >> 8);
	u[3] = (uint8_t)dport;
	u[4] = (uint8_t)((n + 8) >> 8);
	u[5] = (uint8_t)(n + 8);
	memcpy(u + 8, pl, n);
	return mk_pkt(p, src, dst, IPPROTO_UDP, u, n + 8, -1);
}

static void roundtrip(bool v6, uint8_t mode)
{
	const char *a = v6 ? "2001:db8::1" : "10.0.0.1", *b = v6 ? "2001:db8::2" : "10.0.0.2";
	size_t hl = v6 ? 40 : 20, len, olen;
	uint8_t orig[256], pkt[768];
	struct pfkm_dp_sa_stats ss;
	struct pfkm_dp_stats st;
	struct sockaddr_storage d;
	struct dp_host A, B;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	REQUIRE_EQ(npair(&A, &B, v6, mode), 0);

	olen = tcp_pkt(orig, a, b);
	memcpy(pkt, orig, olen);
	len = olen;
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	/* outer: UDP 4500 -> 4500, then ESP with SPI 0x1001 */
	CHECK_EQ(v6 ? pkt[6] : pkt[9], IPPROTO_UDP);
	CHECK_EQ(pkt[hl] << 8 | pkt[hl + 1], 4500);
	CHECK_EQ(pkt[hl + 2] << 8 | pkt[hl + 3], 4500);
	CHECK_EQ((size_t)(pkt[hl + 4] << 8 | pkt[hl + 5]), len - hl);
	CHECK_EQ(pkt[hl + 8] << 24 | pkt[hl + 9] << 16 | pkt[hl + 10] << 8 | pkt[hl + 11], 0x1001);
	if (v6) {
		CHECK_EQ((size_t)(pkt[4] << 8 | pkt[5]), len - 40);
		CHECK(pkt[hl + 6] || pkt[hl + 7]);
		CHECK_EQ(l4_sum(pkt, hl, len, IPPROTO_UDP), 0);
	} else {
		CHECK_EQ((size_t)(pkt[2] << 8 | pkt[3]), len);
		CHECK_EQ(fold(sum(0, pkt, 20)), 0);
		CHECK_EQ(pkt[hl + 6] | pkt[hl + 7], 0);	/* RFC 3948 3.1.1: zero */
	}
	CHECK(!dp_has_text(pkt, len));
	if (mode == IPSEC_MODE_TUNNEL)
		CHECK(len > olen + hl + 8);
	/* a bad UDP checksum (IPv6) or length (IPv4) is refused first */
	{
		uint8_t bad[768];
		size_t blen = len;

		memcpy(bad, pkt, len);
		bad[hl + (v6 ? 7 : 5)] ^= 1;
		CHECK_EQ(pfkm_dp_input(B.dp, bad, &blen), -ENOENT);
	}
	REQUIRE_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_XFORM);
	REQUIRE_EQ(len, olen);
	CHECK_MEM(pkt, orig, olen);

	/* and back */
	olen = tcp_pkt(orig, b, a);
	memcpy(pkt, orig, olen);
	len = olen;
	REQUIRE_EQ(pfkm_dp_output(B.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	REQUIRE_EQ(pfkm_dp_input(A.dp, pkt, &len), PFKM_DP_XFORM);
	REQUIRE_EQ(len, olen);
	CHECK_MEM(pkt, orig, olen);

	memset(&d, 0, sizeof(d));
	if (v6) {
		((struct sockaddr_in6 *)&d)->sin6_family = AF_INET6;
		inet_pton(AF_INET6, b, &((struct sockaddr_in6 *)&d)->sin6_addr);
	} else {
		((struct sockaddr_in *)&d)->sin_family = AF_INET;
		inet_pton(AF_INET, b, &((struct sockaddr_in *)&d)->sin_addr);
	}
	REQUIRE_EQ(pfkm_dp_sa_stats(B.dp, (struct sockaddr *)&d, htonl(0x1001), IPPROTO_ESP, &ss), 0);
	CHECK_EQ(ss.packets, 1);
	CHECK_EQ(ss.other_drop, 0);
	pfkm_dp_stats_get(B.dp, &st);
	CHECK_EQ(st.in_xform, 1);
	CHECK_EQ(st.natt_no_sa, 1);
	dp_host_close(&A);
	dp_host_close(&B);
}

TEST(dp_natt_gcm_transport_ipv4) { roundtrip(false, IPSEC_MODE_TRANSPORT); }
TEST(dp_natt_gcm_tunnel_ipv4) { roundtrip(false, IPSEC_MODE_TUNNEL); }
TEST(dp_natt_gcm_transport_ipv6) { roundtrip(true, IPSEC_MODE_TRANSPORT); }
TEST(dp_natt_gcm_tunnel_ipv6) { roundtrip(true, IPSEC_MODE_TUNNEL); }

/*
 * Transport mode through a NAT: the outer source address (and UDP source
 * port stays) rewritten on the way; the inner TCP checksum, computed over
 * the original addresses, is repaired over the ones B sees.
 */
TEST(dp_natt_transport_checksum_after_nat)
{
	uint8_t orig[256], pkt[768];
	size_t len, olen;
	struct dp_host A, B;
	uint16_t c;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	REQUIRE_EQ(npair(&A, &B, false, IPSEC_MODE_TRANSPORT), 0);
	olen = tcp_pkt(orig, "10.0.0.1", "10.0.0.2");
	memcpy(pkt, orig, olen);
	len = olen;
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	/* the NAT: source 10.0.0.1 -> 192.0.2.7, IPv4 header checksum fixed
	 * (the UDP checksum is 0, nothing else to fix) */
	inet_pton(AF_INET, "192.0.2.7", pkt + 12);
	pkt[10] = pkt[11] = 0;
	c = fold(sum(0, pkt, 20));
	pkt[10] = (uint8_t)(c >> 8);
	pkt[11] = (uint8_t)c;
	REQUIRE_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_XFORM);
	REQUIRE_EQ(len, olen);
	CHECK_EQ(pkt[9], IPPROTO_TCP);
	CHECK_MEM(pkt + 12, "\xc0\x00\x02\x07", 4);
	CHECK_EQ(l4_sum(pkt, 20, len, IPPROTO_TCP), 0);	/* valid again */
	CHECK_MEM(pkt + 20 + 20, orig + 20 + 20, 32);		/* payload intact */
	CHECK(memcmp(pkt + 20 + 16, orig + 20 + 16, 2) != 0);	/* and it was needed */
	dp_host_close(&A);
	dp_host_close(&B);
}

/* Datagrams to the NAT-T port that are not ESP, and ordinary UDP. */
TEST(dp_natt_marker_keepalive_ordinary_udp)
{
	static const uint8_t ike[] = { 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
	static const uint8_t ka[] = { 0xff };
	static const uint8_t dns[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
	uint8_t pkt[256], copy[256];
	struct pfkm_dp_stats st;
	struct dp_host A, B;
	size_t len, olen;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	REQUIRE_EQ(npair(&A, &B, false, IPSEC_MODE_TRANSPORT), 0);
	/* from 10.0.0.9: B's `in` policy (ESP from 10.0.0.1) does not apply */
	/* IKE behind the non-ESP marker: for the socket, untouched */
	olen = len = udp_pkt(pkt, "10.0.0.9", "10.0.0.2", 4500, 4500, ike, sizeof(ike));
	memcpy(copy, pkt, olen);
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_PASS);
	CHECK_EQ(len, olen);
	CHECK_MEM(pkt, copy, olen);
	/* keepalive: dropped quietly, counted */
	len = udp_pkt(pkt, "10.0.0.9", "10.0.0.2", 4500, 4500, ka, sizeof(ka));
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), -ENODATA);
	/* a 0xff byte to another port is just UDP */
	olen = len = udp_pkt(pkt, "10.0.0.9", "10.0.0.2", 4500, 53, ka, sizeof(ka));
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_PASS);
	/* ordinary UDP that looks like ESP (SPI 0x12340100) on another port */
	olen = len = udp_pkt(pkt, "10.0.0.9", "10.0.0.2", 33333, 53, dns, sizeof(dns));
	memcpy(copy, pkt, olen);
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_PASS);
	CHECK_MEM(pkt, copy, olen);
	pfkm_dp_stats_get(B.dp, &st);
	CHECK_EQ(st.natt_keepalive, 1);
	CHECK_EQ(st.natt_no_sa, 0);
	CHECK_EQ(st.in_xform, 0);
	dp_host_close(&A);
	dp_host_close(&B);
}

/* ESP in UDP that no esp-udp SA with those ports takes, and mismatches
 * between the packet's and the SA's encapsulation. */
TEST(dp_natt_wrong_port_and_mismatch_refused)
{
	uint8_t orig[256], pkt[768], copy[768];
	struct sockaddr_in d = { .sin_family = AF_INET };
	struct pfkm_dp_sa_stats ss;
	struct pfkm_dp_stats st;
	size_t len, olen, clen;
	struct dp_host A, B;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	REQUIRE_EQ(npair(&A, &B, false, IPSEC_MODE_TRANSPORT), 0);
	/* B also has an esp-udp SA on port 4501 and a plain ESP SA */
	REQUIRE_EQ(dp_host_sa(&B, &gcm_udp4501, 0x3003, "10.0.0.1", "10.0.0.2",
			      IPSEC_MODE_TRANSPORT, 0, 0x33), 0);
	REQUIRE_EQ(dp_host_sa(&B, &dp_gcm, 0x4004, "10.0.0.1", "10.0.0.2", IPSEC_MODE_TRANSPORT, 0,
			      0x44), 0);
	olen = tcp_pkt(orig, "10.0.0.1", "10.0.0.2");
	memcpy(pkt, orig, olen);
	len = olen;
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	memcpy(copy, pkt, len);
	clen = len;

	/* SPI 0x1001 to port 4501 (a NAT-T port, not this SA's): refused */
	pkt[23] = 4501 & 0xff;
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), -ENOENT);
	/* unknown SPI on 4500 */
	memcpy(pkt, copy, clen);
	len = clen;
	pkt[28 + 3] ^= 0x80;
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), -ENOENT);
	/* ESP in UDP for the plain SA 0x4004 */
	memcpy(pkt, copy, clen);
	len = clen;
	pkt[28 + 2] = 0x40;
	pkt[28 + 3] = 0x04;
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), -ENOENT);
	pfkm_dp_stats_get(B.dp, &st);
	CHECK_EQ(st.natt_no_sa, 3);
	/* raw ESP (UDP header taken off) for the esp-udp SA 0x1001 */
	memcpy(pkt, copy, 20);
	memcpy(pkt + 20, copy + 28, clen - 28);
	len = clen - 8;
	pkt[2] = (uint8_t)(len >> 8);
	pkt[3] = (uint8_t)len;
	pkt[9] = IPPROTO_ESP;
	pkt[10] = pkt[11] = 0;
	{
		uint16_t c = fold(sum(0, pkt, 20));

		pkt[10] = (uint8_t)(c >> 8);
		pkt[11] = (uint8_t)c;
	}
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), -EPROTO);
	inet_pton(AF_INET, "10.0.0.2", &d.sin_addr);
	REQUIRE_EQ(pfkm_dp_sa_stats(B.dp, (struct sockaddr *)&d, htonl(0x1001), IPPROTO_ESP, &ss), 0);
	CHECK_EQ(ss.other_drop, 1);
	CHECK_EQ(ss.packets, 0);
	/* the intact packet is still accepted (nothing above moved the window) */
	memcpy(pkt, copy, clen);
	len = clen;
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_XFORM);
	CHECK_EQ(len, olen);
	CHECK_MEM(pkt, orig, olen);
	dp_host_close(&A);
	dp_host_close(&B);
}

/* ---- SADB_X_NAT_T_NEW_MAPPING -------------------------------------------- */

/* A -> B ESP-in-UDP packet (SA 0x1001) from UDP source port sport. */
static size_t natt_from(struct dp_host *A, uint8_t *pkt, size_t cap, uint16_t sport)
{
	size_t len = tcp_pkt(pkt, "10.0.0.1", "10.0.0.2");

	if (pfkm_dp_output(A->dp, pkt, cap, &len) != PFKM_DP_XFORM)
		return 0;
	pkt[20] = (uint8_t)(sport >> 8);	/* IPv4 UDP checksum 0: nothing to fix */
	pkt[21] = (uint8_t)sport;
	return len;
}

/* The i-th message B's registered socket got is a NEW_MAPPING of SA 0x1001
 * (10.0.0.1 port 4500, as the SA has it) to addr port sport. */
static bool is_mapping(const struct cap *c, size_t i, const char *addr, uint16_t sport)
{
	const struct sockaddr_in *sin;
	struct pfkm_exts x;
	struct in_addr want;

	if (i >= c->n || cap_exts(c, i, &x) || x.msg->sadb_msg_type != SADB_X_NAT_T_NEW_MAPPING ||
	    x.msg->sadb_msg_satype != SADB_SATYPE_ESP || !x.msg->sadb_msg_seq ||
	    x.msg->sadb_msg_pid || !x.ext[SADB_EXT_SA] || !x.ext[SADB_EXT_ADDRESS_SRC] ||
	    !x.ext[SADB_EXT_ADDRESS_DST] || !x.ext[SADB_X_EXT_NAT_T_SPORT] ||
	    !x.ext[SADB_X_EXT_NAT_T_DPORT])
		return false;
	if (ntohl(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_spi) != 0x1001 ||
	    ntohs(PFKM_EXT(&x, SADB_X_EXT_NAT_T_SPORT, struct sadb_x_nat_t_port)
			  ->sadb_x_nat_t_port_port) != 4500 ||
	    ntohs(PFKM_EXT(&x, SADB_X_EXT_NAT_T_DPORT, struct sadb_x_nat_t_port)
			  ->sadb_x_nat_t_port_port) != sport)
		return false;
	sin = (const void *)(PFKM_EXT(&x, SADB_EXT_ADDRESS_SRC, struct sadb_address) + 1);
	inet_pton(AF_INET, "10.0.0.1", &want);
	if (sin->sin_family != AF_INET || sin->sin_addr.s_addr != want.s_addr || sin->sin_port)
		return false;
	sin = (const void *)(PFKM_EXT(&x, SADB_EXT_ADDRESS_DST, struct sadb_address) + 1);
	inet_pton(AF_INET, addr, &want);
	return sin->sin_family == AF_INET && sin->sin_addr.s_addr == want.s_addr && !sin->sin_port;
}

/* A and B keyed with esp-udp SAs (npair), B's socket registered for ESP
 * (it gets NEW_MAPPING) with its capture empty. 0 or -errno. */
static int map_hosts(struct dp_host *A, struct dp_host *B, bool v6, uint8_t mode)
{
	struct mb m;
	int ret;

	ret = npair(A, B, v6, mode);
	if (ret)
		return ret;
	mb_hdr(&m, SADB_REGISTER, SADB_SATYPE_ESP, 7);
	ret = mb_send(&B->c, &m);
	cap_clear(&B->c);
	return ret;
}

/* A's next ESP-in-UDP packet to B (IPv4 transport) from UDP source port
 * sport, with its last byte flipped when forged: what B's input says, and
 * -EPROTO if it said XFORM but the result is not the TCP segment sent. */
static int map_send(struct dp_host *A, struct dp_host *B, uint16_t sport, bool forged)
{
	uint8_t pkt[768];
	size_t len = natt_from(A, pkt, sizeof(pkt), sport);
	int ret;

	if (!len)
		return -EINVAL;
	if (forged)
		pkt[len - 1] ^= 1;
	ret = pfkm_dp_input(B->dp, pkt, &len);
	if (ret == PFKM_DP_XFORM && pkt[9] != IPPROTO_TCP)
		return -EPROTO;
	return ret;
}

/*
 * The peer's NAT changed its mapping (UDP source port 4500 -> 4501): the
 * packet is delivered and B's registered socket gets one NEW_MAPPING
 * (old address/port in SRC/SPORT, new in DST/DPORT); more packets from
 * that port send nothing; a forged packet (bad ICV) from yet another port
 * is dropped and sends nothing; a good one from it within the second after
 * the last message is delivered and sends nothing either (rate limit).
 * The SA keeps its port: the next packet from 4500 sends nothing.
 */
TEST(dp_natt_new_mapping)
{
	struct dp_host A, B;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	REQUIRE_EQ(map_hosts(&A, &B, false, IPSEC_MODE_TRANSPORT), 0);

	CHECK_EQ(map_send(&A, &B, 4501, false), PFKM_DP_XFORM);
	CHECK_EQ(B.c.n, 1);
	CHECK(is_mapping(&B.c, 0, "10.0.0.1", 4501));
	/* the same new mapping again: delivered, no second message */
	CHECK_EQ(map_send(&A, &B, 4501, false), PFKM_DP_XFORM);
	CHECK_EQ(B.c.n, 1);
	/* a bad ICV from port 4502: dropped, nothing sent */
	CHECK_EQ(map_send(&A, &B, 4502, true), -EBADMSG);
	CHECK_EQ(B.c.n, 1);
	/* a good one from 4502 within PFKM_NATT_MAP_MS: delivered, not told */
	CHECK_EQ(map_send(&A, &B, 4502, false), PFKM_DP_XFORM);
	CHECK_EQ(B.c.n, 1);
	/* the SA's own port: nothing to tell */
	CHECK_EQ(map_send(&A, &B, 4500, false), PFKM_DP_XFORM);
	CHECK_EQ(B.c.n, 1);
	dp_host_close(&A);
	dp_host_close(&B);
}

/* After the rate limit's second, the mapping skipped is told; the packet
 * from a new address (port unchanged) is a new mapping too. */
TEST(dp_natt_new_mapping_after_limit)
{
	uint8_t pkt[768];
	struct dp_host A, B;
	size_t len;
	uint16_t c;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	REQUIRE_EQ(map_hosts(&A, &B, false, IPSEC_MODE_TRANSPORT), 0);
	CHECK_EQ(map_send(&A, &B, 4501, false), PFKM_DP_XFORM);
	CHECK_EQ(B.c.n, 1);
	usleep((PFKM_NATT_MAP_MS + 50) * 1000);
	len = natt_from(&A, pkt, sizeof(pkt), 4500);
	REQUIRE(len > 0);
	inet_pton(AF_INET, "192.0.2.7", pkt + 12);
	pkt[10] = pkt[11] = 0;
	c = fold(sum(0, pkt, 20));
	pkt[10] = (uint8_t)(c >> 8);
	pkt[11] = (uint8_t)c;
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_XFORM);
	CHECK_EQ(B.c.n, 2);
	CHECK(is_mapping(&B.c, 1, "192.0.2.7", 4500));
	dp_host_close(&A);
	dp_host_close(&B);
}

/* IPv6: the new source port (UDP checksum redone, as the NAT does) is
 * reported with the IPv6 addresses; the packet is delivered. */
TEST(dp_natt_new_mapping_ipv6)
{
	const struct sockaddr_in6 *sin6;
	uint8_t pkt[768];
	struct dp_host A, B;
	struct pfkm_exts x;
	struct in6_addr want;
	size_t len;
	uint16_t c;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	REQUIRE_EQ(map_hosts(&A, &B, true, IPSEC_MODE_TUNNEL), 0);
	len = tcp_pkt(pkt, "2001:db8::1", "2001:db8::2");
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	REQUIRE_EQ(pkt[6], IPPROTO_UDP);
	pkt[40] = 4600 >> 8;
	pkt[41] = 4600 & 0xff;
	pkt[46] = pkt[47] = 0;
	c = l4_sum(pkt, 40, len, IPPROTO_UDP);
	pkt[46] = (uint8_t)((c ? c : 0xffff) >> 8);
	pkt[47] = (uint8_t)(c ? c : 0xffff);
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_XFORM);
	REQUIRE_EQ(B.c.n, 1);
	REQUIRE_EQ(cap_exts(&B.c, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_X_NAT_T_NEW_MAPPING);
	REQUIRE(x.ext[SADB_EXT_ADDRESS_DST] && x.ext[SADB_X_EXT_NAT_T_DPORT]);
	CHECK_EQ(ntohs(PFKM_EXT(&x, SADB_X_EXT_NAT_T_DPORT, struct sadb_x_nat_t_port)
			       ->sadb_x_nat_t_port_port), 4600);
	sin6 = (const void *)(PFKM_EXT(&x, SADB_EXT_ADDRESS_DST, struct sadb_address) + 1);
	inet_pton(AF_INET6, "2001:db8::1", &want);
	CHECK_EQ(sin6->sin6_family, AF_INET6);
	CHECK_MEM(&sin6->sin6_addr, &want, 16);
	dp_host_close(&A);
	dp_host_close(&B);
}
