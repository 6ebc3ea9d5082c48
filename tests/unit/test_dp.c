// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_dp.c: the portable data path (kmod/core/dp.c) between two nets keyed
 * through pfkm_sock_send: host A 10.0.0.1 and host B 10.0.0.2, each with an
 * outbound and an inbound SA and policy. An ICMP echo is encapsulated by A
 * and decapsulated by B (ESP AES-GCM-16 and AES-CBC+HMAC-SHA256 transport,
 * ESP tunnel, AH transport); negatives: replay, flipped bit, clear text
 * where IPsec is required, discard, missing SA -> ACQUIRE. The hosts and
 * their keying: dp_host.h.
 */
#include "dp_host.h"

/* IPv4 ICMP echo request src -> dst with 56 bytes of data; returns length. */
static size_t icmp_pkt(uint8_t *p, const char *src, const char *dst, uint16_t seq)
{
	size_t len = 20 + 8 + 56, i;
	uint16_t c;

	memset(p, 0, len);
	p[0] = 0x45;
	p[2] = 0;
	p[3] = (uint8_t)len;
	p[4] = 0x12;
	p[5] = 0x34;
	p[6] = 0x40;
	p[8] = 64;
	p[9] = IPPROTO_ICMP;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	c = dp_csum(p, 20);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	p[20] = 8;
	p[26] = (uint8_t)(seq >> 8);
	p[27] = (uint8_t)seq;
	for (i = 0; i < 56; i++)
		p[28 + i] = (uint8_t)(0x41 + i % 26);
	c = dp_csum(p + 20, len - 20);
	p[22] = (uint8_t)(c >> 8);
	p[23] = (uint8_t)c;
	return len;
}

/* pfkm_dp_sa_each callback: counts the SA with spi_be, keeps its info. */
struct sa_seen {
	uint32_t spi_be;
	unsigned int n;
	struct pfkm_dp_sa_info info;
};

static void sa_seen_fn(void *arg, const struct pfkm_dp_sa_info *i)
{
	struct sa_seen *s = arg;

	if (i->spi_be != s->spi_be)
		return;
	s->n++;
	s->info = *i;
}

static void ping(const struct dp_algs *a, uint8_t mode)
{
	struct dp_host A, B;
	uint8_t orig[128], pkt[512], copy[512];
	size_t len, olen, clen;
	struct pfkm_dp_sa_stats ss;
	struct pfkm_dp_stats st;
	struct sockaddr_in d = { .sin_family = AF_INET };

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	REQUIRE_EQ(dp_host_pair(&A, &B, a, mode, "10.0.0.1", "10.0.0.2"), 0);
	CHECK(pfkm_dp_active(A.dp));

	/* A -> B */
	olen = icmp_pkt(orig, "10.0.0.1", "10.0.0.2", 1);
	memcpy(pkt, orig, olen);
	len = olen;
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	if (mode == IPSEC_MODE_TUNNEL) {
		CHECK_EQ(pkt[9], a->satype == SADB_SATYPE_AH ? IPPROTO_AH : IPPROTO_ESP);
		CHECK(len > olen + 20);
	} else {
		CHECK_EQ(pkt[9], a->satype == SADB_SATYPE_AH ? IPPROTO_AH : IPPROTO_ESP);
	}
	CHECK_EQ(dp_csum(pkt, 20), 0);
	CHECK_EQ((size_t)(pkt[2] << 8 | pkt[3]), len);
	if (a->satype == SADB_SATYPE_ESP)
		CHECK(!dp_has_text(pkt, len));
	memcpy(copy, pkt, len);
	clen = len;
	REQUIRE_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_XFORM);
	REQUIRE_EQ(len, olen);
	if (mode == IPSEC_MODE_TUNNEL)
		CHECK_MEM(pkt, orig, olen);
	else	/* transport: TTL etc. kept, header rewritten with the same values */
		CHECK_MEM(pkt, orig, olen);

	/* replay of the same packet */
	memcpy(pkt, copy, clen);
	len = clen;
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), -EEXIST);
	/* a second packet with one flipped bit (ICV): dropped and the window
	 * not moved, so the intact copy is accepted afterwards */
	len = icmp_pkt(pkt, "10.0.0.1", "10.0.0.2", 5);
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	memcpy(copy, pkt, len);
	clen = len;
	pkt[clen - 1] ^= 1;
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), -EBADMSG);
	memcpy(pkt, copy, clen);
	len = clen;
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_XFORM);

	inet_pton(AF_INET, "10.0.0.2", &d.sin_addr);
	REQUIRE_EQ(pfkm_dp_sa_stats(B.dp, (struct sockaddr *)&d, htonl(0x1001),
				    a->satype == SADB_SATYPE_AH ? IPPROTO_AH : IPPROTO_ESP, &ss), 0);
	CHECK_EQ(ss.packets, 2);
	CHECK_EQ(ss.replay_drop, 1);
	CHECK_EQ(ss.auth_fail, 1);
	/* the same SA through the walker behind /proc/net/pfkeyv2's SA lines */
	{
		struct sa_seen seen = { .spi_be = htonl(0x1001) };

		pfkm_dp_sa_each(B.dp, sa_seen_fn, &seen);
		CHECK_EQ(seen.n, 1);
		CHECK_EQ(seen.info.family, AF_INET);
		CHECK_MEM(seen.info.daddr, &d.sin_addr, 4);
		CHECK_EQ(seen.info.st.packets, 2);
		CHECK_EQ(seen.info.st.auth_fail, 1);
		CHECK_EQ(seen.info.st.replay_drop, 1);
	}
	/* another SPI: not ours, buffer untouched, counted */
	memcpy(pkt, copy, clen);
	pkt[a->satype == SADB_SATYPE_AH ? 24 : 20] ^= 0x40;
	memcpy(copy + 256, pkt, clen);
	len = clen;
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), -ESRCH);
	CHECK_MEM(pkt, copy + 256, clen);

	/* B -> A, answer */
	olen = icmp_pkt(orig, "10.0.0.2", "10.0.0.1", 2);
	memcpy(pkt, orig, olen);
	len = olen;
	REQUIRE_EQ(pfkm_dp_output(B.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	REQUIRE_EQ(pfkm_dp_input(A.dp, pkt, &len), PFKM_DP_XFORM);
	REQUIRE_EQ(len, olen);
	CHECK_MEM(pkt, orig, olen);

	/* clear text where IPsec is required: dropped and counted */
	olen = icmp_pkt(pkt, "10.0.0.1", "10.0.0.2", 3);
	len = olen;
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), -EPERM);
	pfkm_dp_stats_get(B.dp, &st);
	CHECK_EQ(st.policy_drop, 1);
	CHECK_EQ(st.in_xform, 2);
	CHECK_EQ(st.out_xform, 1);
	CHECK_EQ(st.unknown_spi, 1);

	/* unrelated traffic passes untouched */
	olen = icmp_pkt(pkt, "10.0.0.1", "10.9.9.9", 4);
	len = olen;
	CHECK_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_PASS);
	dp_host_close(&A);
	dp_host_close(&B);
}

TEST(dp_esp_gcm_transport) { ping(&dp_gcm, IPSEC_MODE_TRANSPORT); }
TEST(dp_esp_cbc_sha256_transport) { ping(&dp_cbc, IPSEC_MODE_TRANSPORT); }
TEST(dp_esp_gcm_tunnel) { ping(&dp_gcm, IPSEC_MODE_TUNNEL); }
TEST(dp_ah_transport) { ping(&dp_ah, IPSEC_MODE_TRANSPORT); }
TEST(dp_ah_tunnel) { ping(&dp_ah, IPSEC_MODE_TUNNEL); }

TEST(dp_discard_and_acquire)
{
	struct dp_host A;
	uint8_t pkt[512];
	size_t len;
	struct mb m;
	struct pfkm_dp_stats st;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_policy(&A, IPSEC_DIR_OUTBOUND, IPSEC_POLICY_DISCARD, "10.0.0.1",
				  "10.0.0.3", 0, 0, 0, NULL, NULL), 0);
	REQUIRE_EQ(dp_host_policy(&A, IPSEC_DIR_OUTBOUND, IPSEC_POLICY_IPSEC, "10.0.0.1",
				  "10.0.0.2", IPPROTO_ESP, IPSEC_MODE_TRANSPORT, 0, NULL, NULL), 0);
	len = icmp_pkt(pkt, "10.0.0.1", "10.0.0.3", 1);
	CHECK_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), -EPERM);
	/* registered socket gets an ACQUIRE for the unkeyed flow */
	mb_hdr(&m, SADB_REGISTER, SADB_SATYPE_ESP, 3);
	REQUIRE_EQ(mb_send(&A.c, &m), 0);
	cap_clear(&A.c);
	len = icmp_pkt(pkt, "10.0.0.1", "10.0.0.2", 2);
	CHECK_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), -EAGAIN);
	REQUIRE(A.c.n >= 1);
	CHECK_EQ(cap_hdr(&A.c, A.c.n - 1)->sadb_msg_type, SADB_ACQUIRE);
	pfkm_dp_stats_get(A.dp, &st);
	CHECK_EQ(st.discard, 1);
	CHECK_EQ(st.no_sa, 1);
	dp_host_close(&A);
}

/*
 * Per-SA state follows the SA (sa->dp): deleting the SA and running gc
 * frees it; an SA added again under the same SPI starts with a fresh
 * replay window and fresh counters, not the old entry.
 */
TEST(dp_sa_state_follows_sa)
{
	struct sockaddr_in d = { .sin_family = AF_INET };
	struct sa_seen seen = { .spi_be = htonl(0x1001) };
	struct pfkm_dp_sa_stats ss;
	uint8_t pkt[512], copy[512];
	size_t len, clen;
	struct dp_host A, B;
	struct mb m;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	REQUIRE_EQ(dp_host_pair(&A, &B, &dp_gcm, IPSEC_MODE_TRANSPORT, "10.0.0.1", "10.0.0.2"), 0);
	inet_pton(AF_INET, "10.0.0.2", &d.sin_addr);
	len = icmp_pkt(pkt, "10.0.0.1", "10.0.0.2", 1);
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	memcpy(copy, pkt, len);
	clen = len;
	REQUIRE_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_XFORM);
	REQUIRE_EQ(pfkm_dp_sa_stats(B.dp, (struct sockaddr *)&d, htonl(0x1001), IPPROTO_ESP, &ss), 0);
	CHECK_EQ(ss.packets, 1);

	mb_hdr(&m, SADB_DELETE, SADB_SATYPE_ESP, 9);
	mb_sa(&m, 0x1001, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 0, 0);
	REQUIRE_EQ(mb_send(&B.c, &m), 0);
	memcpy(pkt, copy, clen);
	len = clen;
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), -ESRCH);
	pfkm_dp_gc(B.dp);
	pfkm_dp_sa_each(B.dp, sa_seen_fn, &seen);
	CHECK_EQ(seen.n, 0);
	CHECK_EQ(pfkm_dp_sa_stats(B.dp, (struct sockaddr *)&d, htonl(0x1001), IPPROTO_ESP, &ss),
		 -ENOENT);

	REQUIRE_EQ(dp_host_sa(&B, &dp_gcm, 0x1001, "10.0.0.1", "10.0.0.2", IPSEC_MODE_TRANSPORT, 0,
			      0x01), 0);	/* the keys dp_host_pair gave it */
	memcpy(pkt, copy, clen);
	len = clen;
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_XFORM);	/* fresh window */
	REQUIRE_EQ(pfkm_dp_sa_stats(B.dp, (struct sockaddr *)&d, htonl(0x1001), IPPROTO_ESP, &ss), 0);
	CHECK_EQ(ss.packets, 1);
	CHECK_EQ(ss.replay_drop, 0);
	memcpy(pkt, copy, clen);
	len = clen;
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), -EEXIST);	/* and it works */
	dp_host_close(&A);
	dp_host_close(&B);
}

/* IPv6 ICMPv6 echo request src -> dst, 32 bytes of data; returns length. */
static size_t icmp6_pkt(uint8_t *p, const char *src, const char *dst, uint8_t nh)
{
	size_t i;

	memset(p, 0, 40 + 40);
	p[0] = 0x60;
	p[5] = 40;
	p[6] = nh;
	p[7] = 64;
	inet_pton(AF_INET6, src, p + 8);
	inet_pton(AF_INET6, dst, p + 24);
	p[40] = 128;
	for (i = 8; i < 40; i++)
		p[40 + i] = (uint8_t)(0x41 + i % 26);
	return 80;
}

static void ping6(const struct dp_algs *a)
{
	uint8_t orig[128], pkt[512], copy[512];
	struct pfkm_dp_sa_stats ss;
	struct sockaddr_in6 d = { .sin6_family = AF_INET6 };
	struct dp_host A, B;
	size_t len, olen, clen;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	REQUIRE_EQ(dp_host_pair(&A, &B, a, IPSEC_MODE_TRANSPORT, "2001:db8::1", "2001:db8::2"), 0);
	olen = icmp6_pkt(orig, "2001:db8::1", "2001:db8::2", 58);
	memcpy(pkt, orig, olen);
	len = olen;
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	CHECK_EQ(pkt[6], a->satype == SADB_SATYPE_AH ? IPPROTO_AH : IPPROTO_ESP);
	CHECK_EQ((size_t)(pkt[4] << 8 | pkt[5]), len - 40);
	CHECK(len > olen);
	if (a->satype == SADB_SATYPE_ESP)
		CHECK(!dp_has_text(pkt, len));
	memcpy(copy, pkt, len);
	clen = len;
	REQUIRE_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_XFORM);
	REQUIRE_EQ(len, olen);
	CHECK_MEM(pkt, orig, olen);
	memcpy(pkt, copy, clen);
	len = clen;
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), -EEXIST);
	/* a fresh packet with one flipped bit: auth failure */
	len = icmp6_pkt(pkt, "2001:db8::1", "2001:db8::2", 58);
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	pkt[len - 1] ^= 1;
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), -EBADMSG);
	inet_pton(AF_INET6, "2001:db8::2", &d.sin6_addr);
	REQUIRE_EQ(pfkm_dp_sa_stats(B.dp, (struct sockaddr *)&d, htonl(0x1001),
				    a->satype == SADB_SATYPE_AH ? IPPROTO_AH : IPPROTO_ESP, &ss), 0);
	CHECK_EQ(ss.packets, 1);
	CHECK_EQ(ss.replay_drop, 1);
	CHECK_EQ(ss.auth_fail, 1);
	/* clear text where IPsec is required */
	len = icmp6_pkt(pkt, "2001:db8::1", "2001:db8::2", 58);
	CHECK_EQ(pfkm_dp_input(B.dp, pkt, &len), -EPERM);
	/* ESP behind a hop-by-hop header is not handled: dropped, not sent clear */
	if (a->satype == SADB_SATYPE_ESP) {
		len = icmp6_pkt(pkt, "2001:db8::1", "2001:db8::2", 0);
		CHECK_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), -EOPNOTSUPP);
	}
	dp_host_close(&A);
	dp_host_close(&B);
}

TEST(dp_esp_gcm_transport_ipv6) { ping6(&dp_gcm); }
TEST(dp_esp_cbc_sha256_transport_ipv6) { ping6(&dp_cbc); }
TEST(dp_ah_transport_ipv6) { ping6(&dp_ah); }

/* SADB_DELETE of ESP SA spi src -> dst on host h. */
static int sa_delete(struct dp_host *h, uint32_t spi, const char *src, const char *dst)
{
	struct mb m;

	mb_hdr(&m, SADB_DELETE, SADB_SATYPE_ESP, 3);
	mb_sa(&m, spi, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, src, -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, dst, -1, 0, 0);
	return mb_send(&h->c, &m);
}

/*
 * Re-keying in place: SA 0x1001 deleted and added again at once with other
 * keys (in one millisecond, quite likely at the freed SA's address). The
 * new SA gets fresh data-path state with the new keys, and the old state is
 * no longer taken for the new SA's: one entry, counting only new packets.
 */
TEST(dp_sa_rekey_same_spi_fresh_state)
{
	struct dp_host A, B;
	uint8_t pkt[512];
	size_t len;
	struct sa_seen s = { .spi_be = htonl(0x1001) };

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	REQUIRE_EQ(dp_host_pair(&A, &B, &dp_gcm, IPSEC_MODE_TRANSPORT, "10.0.0.1", "10.0.0.2"), 0);
	len = icmp_pkt(pkt, "10.0.0.1", "10.0.0.2", 1);
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	REQUIRE_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_XFORM);
	REQUIRE_EQ(sa_delete(&A, 0x1001, "10.0.0.1", "10.0.0.2"), 0);
	REQUIRE_EQ(dp_host_sa(&A, &dp_gcm, 0x1001, "10.0.0.1", "10.0.0.2", IPSEC_MODE_TRANSPORT, 0,
			      0x77), 0);
	REQUIRE_EQ(sa_delete(&B, 0x1001, "10.0.0.1", "10.0.0.2"), 0);
	REQUIRE_EQ(dp_host_sa(&B, &dp_gcm, 0x1001, "10.0.0.1", "10.0.0.2", IPSEC_MODE_TRANSPORT, 0,
			      0x77), 0);
	/* B has only the new keys: it decrypts only if A used them */
	len = icmp_pkt(pkt, "10.0.0.1", "10.0.0.2", 2);
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	CHECK_EQ(pkt[20 + 7], 1);	/* a new SA: sequence number 1 again */
	REQUIRE_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_XFORM);
	pfkm_dp_sa_each(A.dp, sa_seen_fn, &s);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.info.st.packets, 1);
	pfkm_dp_gc(A.dp);
	s.n = 0;
	pfkm_dp_sa_each(A.dp, sa_seen_fn, &s);
	CHECK_EQ(s.n, 1);
	dp_host_close(&A);
	dp_host_close(&B);
}

/*
 * MIGRATE moves a tunnel SA in use to new endpoints: the SA keeps its
 * data-path state (sequence numbers go on: restarting them would repeat
 * GCM nonces under the same key), the packets leave for the new endpoint,
 * and pfkm_dp_gc in between neither drops the state nor leaves the SA
 * pointing at freed memory (under ASan: make B=build-asan
 * EXTRA_CFLAGS=-fsanitize=address build-asan/unit).
 */
TEST(dp_sa_migrate_keeps_state)
{
	struct dp_host A;
	uint8_t pkt[512], dst[4];
	size_t len;
	struct mb m;
	struct sa_seen s = { .spi_be = htonl(0x1001) };

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_sa(&A, &dp_gcm, 0x1001, "192.168.0.1", "192.168.0.2", IPSEC_MODE_TUNNEL,
			      100, 1), 0);
	REQUIRE_EQ(dp_host_policy(&A, IPSEC_DIR_OUTBOUND, IPSEC_POLICY_IPSEC, "10.1.0.0/16",
				  "10.2.0.0/16", IPPROTO_ESP, IPSEC_MODE_TUNNEL, 100, "192.168.0.1",
				  "192.168.0.2"), 0);
	len = icmp_pkt(pkt, "10.1.0.5", "10.2.0.5", 1);
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	inet_pton(AF_INET, "192.168.0.2", dst);
	CHECK_MEM(pkt + 16, dst, 4);
	CHECK_EQ(pkt[20 + 7], 1);
	mb_migrate(&m, "192.168.0.1", "192.168.0.2", "192.168.9.1", "192.168.9.2", 100);
	REQUIRE_EQ(mb_send(&A.c, &m), 0);
	pfkm_dp_gc(A.dp);
	len = icmp_pkt(pkt, "10.1.0.5", "10.2.0.5", 2);
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	inet_pton(AF_INET, "192.168.9.2", dst);
	CHECK_MEM(pkt + 16, dst, 4);
	CHECK_EQ(pkt[20 + 7], 2);	/* the same state: sequence number 2 */
	pfkm_dp_sa_each(A.dp, sa_seen_fn, &s);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.info.st.packets, 2);
	CHECK_MEM(s.info.daddr, dst, 4);
	dp_host_close(&A);
}

/* An IPv4 header's TOS set to tos, checksum made again. */
static void set_tos4(uint8_t *p, uint8_t tos)
{
	uint16_t c;

	p[1] = tos;
	p[10] = p[11] = 0;
	c = dp_csum(p, 20);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
}

/*
 * ESP tunnel 10.0.0.1 -> 10.0.0.2 (SA 0x1001, sadb_sa_flags flags on both
 * hosts): an echo with inner TOS itos is encapsulated by A, the outer TOS
 * (checked against want_otos) is then set to otos as a router on the way
 * would (ESP does not cover it), and B decapsulates: the inner TOS must be
 * want_itos, its checksum right.
 */
static void ecn_case(uint32_t flags, uint8_t itos, uint8_t want_otos, uint8_t otos,
		     uint8_t want_itos)
{
	struct dp_host A, B;
	uint8_t pkt[512];
	size_t len;
	struct mb m;

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	dp_sa_msg(&m, &dp_gcm, 0x1001, "10.0.0.1", "10.0.0.2", IPSEC_MODE_TUNNEL, 0, 1);
	((struct sadb_sa *)(&m.h + 1))->sadb_sa_flags = flags;
	REQUIRE_EQ(mb_send(&A.c, &m), 0);
	REQUIRE_EQ(mb_send(&B.c, &m), 0);
	REQUIRE_EQ(dp_host_policy(&A, IPSEC_DIR_OUTBOUND, IPSEC_POLICY_IPSEC, "10.0.0.1",
				  "10.0.0.2", IPPROTO_ESP, IPSEC_MODE_TUNNEL, 0, "10.0.0.1",
				  "10.0.0.2"), 0);
	REQUIRE_EQ(dp_host_policy(&B, IPSEC_DIR_INBOUND, IPSEC_POLICY_IPSEC, "10.0.0.1",
				  "10.0.0.2", IPPROTO_ESP, IPSEC_MODE_TUNNEL, 0, "10.0.0.1",
				  "10.0.0.2"), 0);
	len = icmp_pkt(pkt, "10.0.0.1", "10.0.0.2", 1);
	set_tos4(pkt, itos);
	REQUIRE_EQ(pfkm_dp_output(A.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	CHECK_EQ(pkt[9], IPPROTO_ESP);
	CHECK_EQ(pkt[1], want_otos);
	CHECK_EQ(dp_csum(pkt, 20), 0);
	set_tos4(pkt, otos);
	REQUIRE_EQ(pfkm_dp_input(B.dp, pkt, &len), PFKM_DP_XFORM);
	CHECK_EQ(pkt[9], IPPROTO_ICMP);
	CHECK_EQ(pkt[1], want_itos);
	CHECK_EQ(dp_csum(pkt, 20), 0);
	dp_host_close(&A);
	dp_host_close(&B);
}

/* DSCP copied out; ECT kept; congestion met on the tunnel's path (outer
 * CE) reaches the inner packet (RFC 6040), as xfrm does. */
TEST(dp_tunnel_ecn_ce_propagated)
{
	ecn_case(0, 0xb8 | 2, 0xb8 | 2, 0xb8 | 3, 0xb8 | 3);	/* EF + ECT(0) */
	ecn_case(0, 0x28 | 1, 0x28 | 1, 0x28 | 3, 0x28 | 3);	/* AF11 + ECT(1) */
}

/* An inner CE leaves as ECT(0) (xfrm's INET_ECN_encapsulate) and comes out
 * CE again only because it was CE inside; a Not-ECT packet is never made
 * CE (its sender would not understand it). */
TEST(dp_tunnel_ecn_inner_ce_and_not_ect)
{
	ecn_case(0, 0x28 | 3, 0x28 | 2, 0x28 | 2, 0x28 | 3);
	ecn_case(0, 0x28, 0x28, 0x28 | 3, 0x28);
}

/* SADB_SAFLAGS_NOECN: no ECN outside, none propagated in;
 * SADB_SAFLAGS_DECAP_DSCP: the outer DSCP (re-marked on the way) wins. */
TEST(dp_tunnel_ecn_saflags)
{
	ecn_case(SADB_SAFLAGS_NOECN, 0x28 | 2, 0x28, 0x28 | 3, 0x28 | 2);
	ecn_case(SADB_SAFLAGS_DECAP_DSCP, 0x28 | 2, 0x28 | 2, 0x08 | 2, 0x08 | 2);
	ecn_case(0, 0x28 | 2, 0x28 | 2, 0x08 | 2, 0x28 | 2);
}
