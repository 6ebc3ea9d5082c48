// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_ah.c: kmod/core AH (ah.c): the captured embeddedipsec HMAC-MD5 IPv4
 * packets verify and re-encapsulate byte for byte; mutable IPv4/IPv6 fields
 * and options do not count, immutable ones do; IPv6 routing headers are
 * authenticated as they arrive; replay, ESN, malformed packets.
 */
#include "unit.h"
#include "test_esp_vecload.h"
#include "ah.h"

#include <stdlib.h>

static uint16_t csum(const uint8_t *h, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i < n; i += 2)
		s += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static bool csum_ok(const uint8_t *h)
{
	return csum(h, (h[0] & 0xf) * 4u) == 0;
}

static int load_ah(const char *name, uint8_t *pkt, size_t *len, uint32_t *spi,
		   struct pfkm_ah *ah)
{
	struct tv_file tf;
	const struct tv_case *c;
	const uint8_t *p, *s, *k;
	size_t pl, sl, kl;
	int ret = -ENOENT;

	if (tv_load("embeddedipsec_ah_hmac_md5_ipv4.txt", &tf))
		return -ENOENT;
	c = tv_case(&tf, name);
	p = tv_bytes(c, "packet", &pl);
	s = tv_bytes(c, "spi", &sl);
	k = tv_bytes(c, "auth_key", &kl);
	if (p && s && k && sl == 4 && kl == 16 && !strcmp(tv_text(c, "auth_alg"), "hmac-md5-96")) {
		memcpy(pkt, p, pl);
		*len = pl;
		*spi = (uint32_t)s[0] << 24 | s[1] << 16 | s[2] << 8 | s[3];
		ret = pfkm_ah_init(ah, *spi, false, pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-md5"),
				   k, kl);
	}
	tv_free(&tf);
	return ret;
}

TEST(ah_embeddedipsec_verify)
{
	static const char *cases[] = { "ah-embeddedipsec-1", "ah-embeddedipsec-2" };
	uint8_t pkt[256], orig[256], icv[16];
	struct pfkm_replay rp;
	struct pfkm_ah_rx rx;
	struct pfkm_ah ah;
	size_t i, len, off, nhoff;
	uint32_t spi;

	for (i = 0; i < 2; i++) {
		REQUIRE_EQ(load_ah(cases[i], pkt, &len, &spi, &ah), 0);
		REQUIRE_EQ(len, 0x68);
		memcpy(orig, pkt, len);
		REQUIRE_EQ(pfkm_ah_find(pkt, len, &off, &nhoff), 0);
		CHECK_EQ(off, 20);
		CHECK_EQ(nhoff, 9);
		CHECK_EQ(pfkm_ah_hdr_len(&ah, 4), 24);
		CHECK_EQ(pfkm_ah_icv(&ah, pkt, len, off, 0, icv), 0);
		CHECK_MEM(icv, pkt + 32, 12);
		REQUIRE_EQ(pfkm_replay_init(&rp, 64, false), 0);
		CHECK_EQ(pfkm_ah_decap(&ah, &rp, pkt, len, &rx), 0);
		CHECK_EQ(rx.seq, 1);
		CHECK_EQ(rx.next_hdr, 4);
		CHECK_EQ(rx.len, len - 24);
		/* The outer header now says IPv4-in-IPv4, 80 bytes, valid checksum;
		 * the inner packet follows untouched. */
		CHECK_EQ(pkt[9], 4);
		CHECK_EQ(pkt[2] << 8 | pkt[3], 80);
		CHECK(csum_ok(pkt));
		CHECK_MEM(pkt + 20, orig + 44, len - 44);
		memcpy(pkt, orig, len);
		CHECK_EQ(pfkm_ah_decap(&ah, &rp, pkt, len, &rx), -EEXIST);
		pfkm_replay_fini(&rp);
		pfkm_ah_fini(&ah);
	}
}

/* embeddedipsec's own encapsulation output: our encap must produce it. */
TEST(ah_embeddedipsec_reencap)
{
	uint8_t pkt[256], orig[256];
	struct pfkm_ah_rx rx;
	struct pfkm_ah ah;
	size_t len, out;
	uint32_t spi;

	REQUIRE_EQ(load_ah("ah-embeddedipsec-2", pkt, &len, &spi, &ah), 0);
	CHECK(csum_ok(pkt));
	memcpy(orig, pkt, len);
	REQUIRE_EQ(pfkm_ah_decap(&ah, NULL, pkt, len, &rx), 0);
	REQUIRE_EQ(pfkm_ah_encap(&ah, 1, pkt, sizeof(pkt), rx.len, &out), 0);
	CHECK_EQ(out, len);
	CHECK_MEM(pkt, orig, len);
	pfkm_ah_fini(&ah);
}

TEST(ah_ipv4_mutable_fields)
{
	uint8_t pkt[256], orig[256];
	struct pfkm_ah_rx rx;
	struct pfkm_ah ah;
	size_t len;
	uint32_t spi;

	REQUIRE_EQ(load_ah("ah-embeddedipsec-1", orig, &len, &spi, &ah), 0);
	/* TOS, flags/fragment offset, TTL, checksum: changed en route, still valid. */
	memcpy(pkt, orig, len);
	pkt[1] = 0xb8;
	pkt[6] = 0x40;
	pkt[8] = 3;
	pkt[10] ^= 0xff;
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, len, &rx), 0);
	/* Immutable: identification, source, the inner packet, the SPI'd header. */
	memcpy(pkt, orig, len);
	pkt[5] ^= 1;
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, len, &rx), -EBADMSG);
	memcpy(pkt, orig, len);
	pkt[13] ^= 1;
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, len, &rx), -EBADMSG);
	memcpy(pkt, orig, len);
	pkt[len - 1] ^= 0x80;
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, len, &rx), -EBADMSG);
	memcpy(pkt, orig, len);
	pkt[32] ^= 4;	/* the ICV itself */
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, len, &rx), -EBADMSG);
	memcpy(pkt, orig, len);
	pkt[28 + 3] ^= 1;	/* the sequence number */
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, len, &rx), -EBADMSG);
	memcpy(pkt, orig, len);
	pkt[27] ^= 1;	/* the SPI: not ours */
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, len, &rx), -EINVAL);
	pfkm_ah_fini(&ah);
}

TEST(ah_malformed)
{
	uint8_t pkt[256], orig[256];
	struct pfkm_ah_rx rx;
	struct pfkm_ah ah;
	size_t len, i, off, nh;
	uint32_t spi;

	REQUIRE_EQ(load_ah("ah-embeddedipsec-1", orig, &len, &spi, &ah), 0);
	for (i = 0; i < len; i++) {
		memcpy(pkt, orig, len);
		CHECK(pfkm_ah_decap(&ah, NULL, pkt, i, &rx) < 0);
	}
	memcpy(pkt, orig, len);
	pkt[9] = 6;	/* not AH */
	CHECK_EQ(pfkm_ah_find(pkt, len, &off, &nh), -ENOENT);
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, len, &rx), -ENOENT);
	memcpy(pkt, orig, len);
	pkt[21] = 5;	/* AH length for a 16-byte ICV */
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, len, &rx), -EINVAL);
	memcpy(pkt, orig, len);
	pkt[21] = 200;	/* AH longer than the packet */
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, len, &rx), -EINVAL);
	memcpy(pkt, orig, len);
	pkt[0] = 0x46;	/* header length past the AH */
	CHECK(pfkm_ah_decap(&ah, NULL, pkt, len, &rx) < 0);
	pfkm_ah_fini(&ah);
}

/* A UDP-ish transport payload. */
static size_t v4_packet(uint8_t *p, const uint8_t *opts, size_t olen, size_t paylen)
{
	size_t ihl = 20 + olen, i;

	memset(p, 0, ihl);
	p[0] = (uint8_t)(0x40 | ihl / 4);
	p[1] = 0x10;
	p[2] = (uint8_t)((ihl + paylen) >> 8);
	p[3] = (uint8_t)(ihl + paylen);
	p[4] = 0x12; p[5] = 0x34; p[6] = 0x40; p[8] = 64; p[9] = 17;
	memcpy(p + 12, "\xc0\x00\x02\x01\xc0\x00\x02\x63", 8);
	if (olen)
		memcpy(p + 20, opts, olen);
	for (i = 0; i < paylen; i++)
		p[ihl + i] = (uint8_t)(i * 7);
	p[10] = p[11] = 0;
	i = csum(p, ihl);
	p[10] = (uint8_t)(i >> 8);
	p[11] = (uint8_t)i;
	return ihl + paylen;
}

/*
 * IPv4 AH is sent padded to 8 bytes (Linux ah4 refuses anything else unless
 * its state has `align4`); the 4-byte form of RFC 4302 is accepted inbound.
 * HMAC-SHA-256-128: 12 + 16 = 28 -> 32 sent; a 28-byte AH built here with
 * its ICV computed over the short header must verify; 36 must not.
 */
TEST(ah_ipv4_icv_padding)
{
	const struct pfkm_alg *sha = pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha256");
	uint8_t key[32] = { 5 }, pkt[256], orig[256], icv[PFKM_XFORM_ICV_MAX];
	struct pfkm_ah_rx rx;
	struct pfkm_ah ah;
	size_t len, n, tot;

	REQUIRE_EQ(pfkm_ah_init(&ah, 0x2400, false, sha, key, 32), 0);
	len = v4_packet(orig, NULL, 0, 40);
	memcpy(pkt, orig, len);
	REQUIRE_EQ(pfkm_ah_encap(&ah, 7, pkt, sizeof(pkt), len, &n), 0);
	CHECK_EQ(n, len + 32);
	CHECK_EQ(pkt[20 + 1], 32 / 4 - 2);
	CHECK_MEM(pkt + 20 + 12 + 16, "\0\0\0\0", 4);	/* padding sent as zeros */
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, n, &rx), 0);
	CHECK_EQ(rx.len, len);
	CHECK_MEM(pkt + 20, orig + 20, len - 20);

	/* The 4-byte aligned form: AH of 28 bytes, ICV over it. */
	memcpy(pkt, orig, 20);
	pkt[9] = 51;
	tot = len + 28;
	pkt[2] = (uint8_t)(tot >> 8);
	pkt[3] = (uint8_t)tot;
	memcpy(pkt + 20, "\x11\x05\0\0\0\0\x24\0\0\0\0\x08", 12);
	memset(pkt + 32, 0, 16);
	memcpy(pkt + 48, orig + 20, len - 20);
	pkt[10] = pkt[11] = 0;
	n = csum(pkt, 20);
	pkt[10] = (uint8_t)(n >> 8);
	pkt[11] = (uint8_t)n;
	REQUIRE_EQ(pfkm_ah_icv(&ah, pkt, tot, 20, 0, icv), 0);
	memcpy(pkt + 32, icv, 16);
	memcpy(orig + 100, pkt, tot);
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, tot, &rx), 0);
	CHECK_EQ(rx.len, len);
	CHECK_EQ(rx.next_hdr, 17);
	CHECK(csum_ok(pkt));
	/* A flipped ICV bit in that form still fails. */
	memcpy(pkt, orig + 100, tot);
	pkt[40] ^= 0x80;
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, tot, &rx), -EBADMSG);
	/* Payload length saying 36 bytes (neither form) is malformed. */
	memcpy(pkt, orig + 100, tot);
	pkt[21] = 36 / 4 - 2;
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, tot, &rx), -EINVAL);
	pfkm_ah_fini(&ah);
}

TEST(ah_ipv4_options)
{
	/* Router alert (immutable), record route (mutable), end of options. */
	static const uint8_t opts[12] = { 0x94, 4, 0, 0, 0x07, 7, 4, 0, 0, 0, 0, 0 };
	/* LSRR to 192.0.2.200: the destination is authenticated as the final hop. */
	static const uint8_t lsrr[8] = { 0x83, 7, 4, 192, 0, 2, 200, 0 };
	const struct pfkm_alg *sha = pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha256");
	uint8_t key[32] = { 9 }, pkt[256], sent[256], orig[256];
	struct pfkm_ah_rx rx;
	struct pfkm_ah ah;
	size_t len, n;

	REQUIRE_EQ(pfkm_ah_init(&ah, 0x2000, false, sha, key, 32), 0);
	len = v4_packet(orig, opts, sizeof(opts), 30);
	memcpy(pkt, orig, len);
	REQUIRE_EQ(pfkm_ah_encap(&ah, 1, pkt, sizeof(pkt), len, &n), 0);
	CHECK_EQ(n, len + 32);	/* 12 + 16, padded to 8 as Linux ah4 */
	CHECK_EQ(pkt[9], 51);
	CHECK(csum_ok(pkt));
	memcpy(sent, pkt, n);
	/* A router fills the record-route slot and decrements TTL. */
	pkt[26] = 8; pkt[27] = 10; pkt[28] = 0; pkt[29] = 0; pkt[30] = 1;
	pkt[8] = 60;
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, n, &rx), 0);
	CHECK_EQ(rx.len, len);
	CHECK_EQ(rx.next_hdr, 17);
	CHECK_EQ(pkt[9], 17);
	CHECK(csum_ok(pkt));
	CHECK_MEM(pkt + 32, orig + 32, len - 32);
	/* Router alert is immutable. */
	memcpy(pkt, sent, n);
	pkt[23] = 1;
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, n, &rx), -EBADMSG);
	/* Without source routing the destination is immutable ... */
	memcpy(pkt, sent, n);
	pkt[19] ^= 1;
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, n, &rx), -EBADMSG);
	/* ... with LSRR it is the option's final hop that counts. */
	len = v4_packet(orig, lsrr, sizeof(lsrr), 10);
	memcpy(pkt, orig, len);
	REQUIRE_EQ(pfkm_ah_encap(&ah, 2, pkt, sizeof(pkt), len, &n), 0);
	pkt[19] = 200;
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, n, &rx), 0);
	/* A fragment (more-fragments or an offset) is never protected. */
	len = v4_packet(orig, NULL, 0, 10);
	orig[6] = 0x20;
	CHECK_EQ(pfkm_ah_encap(&ah, 3, orig, sizeof(orig), len, &n), -EINVAL);
	orig[6] = 0x00; orig[7] = 0x01;
	CHECK_EQ(pfkm_ah_encap(&ah, 3, orig, sizeof(orig), len, &n), -EINVAL);
	/* Malformed option length. */
	len = v4_packet(orig, (const uint8_t *)"\x94\x09\x00\x00", 4, 10);
	CHECK_EQ(pfkm_ah_encap(&ah, 3, orig, sizeof(orig), len, &n), -EINVAL);
	pfkm_ah_fini(&ah);
}

static void v6_base(uint8_t *p, uint8_t nh, size_t paylen)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[4] = (uint8_t)(paylen >> 8);
	p[5] = (uint8_t)paylen;
	p[6] = nh;
	p[7] = 64;
	p[8] = 0x20; p[9] = 0x01; p[10] = 0x0d; p[11] = 0xb8; p[23] = 1;
	p[24] = 0x20; p[25] = 0x01; p[26] = 0x0d; p[27] = 0xb8; p[39] = 2;
}

TEST(ah_ipv6_extension_headers)
{
	const struct pfkm_alg *sha = pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha256");
	uint8_t key[32] = { 3 }, pkt[256], sent[256], orig[256];
	struct pfkm_ah_rx rx;
	struct pfkm_ah ah;
	size_t len, n, i;

	REQUIRE_EQ(pfkm_ah_init(&ah, 0x3000, false, sha, key, 32), 0);
	CHECK_EQ(pfkm_ah_hdr_len(&ah, 6), 32);	/* 12 + 16, aligned to 8 */
	CHECK_EQ(pfkm_ah_hdr_len(&ah, 4), 32);
	/* base -> hop-by-hop (mutable option 0x3e) -> dest opts (immutable 0x1e) -> UDP */
	v6_base(orig, 0, 8 + 8 + 16);
	memcpy(orig + 40, "\x3c\x00\x3e\x04\xaa\xbb\xcc\xdd", 8);
	memcpy(orig + 48, "\x11\x00\x1e\x04\x01\x02\x03\x04", 8);
	for (i = 0; i < 16; i++)
		orig[56 + i] = (uint8_t)i;
	len = 72;
	memcpy(pkt, orig, len);
	REQUIRE_EQ(pfkm_ah_encap(&ah, 1, pkt, sizeof(pkt), len, &n), 0);
	CHECK_EQ(n, len + 32);
	CHECK_EQ(pkt[40], 51);		/* hop-by-hop now points at AH */
	CHECK_EQ(pkt[48], 60);		/* AH is followed by the destination options */
	CHECK_EQ(pkt[49], 32 / 4 - 2);
	CHECK_EQ(pkt[4] << 8 | pkt[5], n - 40);
	memcpy(sent, pkt, n);
	/* Traffic class, flow label, hop limit, mutable option data: en route. */
	pkt[0] = 0x6f; pkt[1] = 0xff; pkt[2] = 0x12; pkt[3] = 0x34; pkt[7] = 1;
	pkt[44] = 0; pkt[47] = 0x99;
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, n, &rx), 0);
	CHECK_EQ(rx.len, len);
	CHECK_EQ(rx.next_hdr, 60);
	CHECK_EQ(pkt[40], 60);
	CHECK_EQ(pkt[4] << 8 | pkt[5], len - 40);
	CHECK_MEM(pkt + 48, orig + 48, len - 48);
	/* Immutable: the option type of the mutable option, the final
	 * destination options, the source. */
	memcpy(pkt, sent, n);
	pkt[42] = 0x3f;
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, n, &rx), -EBADMSG);
	memcpy(pkt, sent, n);
	pkt[80 + 7] ^= 1;
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, n, &rx), -EBADMSG);
	memcpy(pkt, sent, n);
	pkt[23] ^= 1;
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, n, &rx), -EBADMSG);
	/* Fragments are reassembled before AH, never authenticated piecewise. */
	v6_base(pkt, 44, 8 + 12 + 16);
	memcpy(pkt + 40, "\x33\x00\x00\x00\x00\x00\x00\x01", 8);
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, 40 + 36, &rx), -EINVAL);
	v6_base(pkt, 44, 8 + 16);
	memcpy(pkt + 40, "\x11\x00\x00\x01\x00\x00\x00\x01", 8);
	CHECK_EQ(pfkm_ah_encap(&ah, 2, pkt, sizeof(pkt), 40 + 24, &n), -EINVAL);
	pfkm_ah_fini(&ah);
}

/* RFC 2460 type 0 routing at one hop: swap the destination with the next
 * address and count down. */
static void route_hop(uint8_t *pkt, size_t rh)
{
	uint8_t tmp[16];
	size_t n = pkt[rh + 1] / 2u, left = pkt[rh + 3], i;

	left--;
	pkt[rh + 3] = (uint8_t)left;
	i = n - left;		/* 1-based address index */
	memcpy(tmp, pkt + 24, 16);
	memcpy(pkt + 24, pkt + rh + 8 + 16 * (i - 1), 16);
	memcpy(pkt + rh + 8 + 16 * (i - 1), tmp, 16);
	pkt[7]--;
}

TEST(ah_ipv6_routing_header_as_received)
{
	const struct pfkm_alg *sha = pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha1");
	uint8_t key[20] = { 5 }, pkt[256], sent[256];
	struct pfkm_ah_rx rx;
	struct pfkm_ah ah;
	size_t len, n;

	REQUIRE_EQ(pfkm_ah_init(&ah, 0x4000, false, sha, key, 20), 0);
	/* dst = I1; routing header type 0 with [I2, D], segments left 2; UDP. */
	v6_base(pkt, 43, 40 + 8);
	pkt[39] = 0x11;				/* I1 */
	memcpy(pkt + 40, "\x11\x04\x00\x02\x00\x00\x00\x00", 8);
	memset(pkt + 48, 0, 32);
	pkt[48] = 0x20; pkt[63] = 0x12;		/* I2 */
	pkt[64] = 0x20; pkt[79] = 0xdd;		/* D */
	memset(pkt + 80, 0x77, 8);
	len = 88;
	REQUIRE_EQ(pfkm_ah_encap(&ah, 9, pkt, sizeof(pkt), len, &n), 0);
	CHECK_EQ(pkt[40], 51);			/* AH after the routing header */
	memcpy(sent, pkt, n);
	route_hop(pkt, 40);
	route_hop(pkt, 40);
	CHECK_EQ(pkt[39], 0xdd);
	CHECK_EQ(pkt[43], 0);
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, n, &rx), 0);
	/* Routed in the wrong order: the ICV says no. */
	memcpy(pkt, sent, n);
	route_hop(pkt, 40);
	route_hop(pkt, 40);
	memcpy(pkt + 48, sent + 64, 16);
	memcpy(pkt + 64, sent + 48, 16);
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, n, &rx), -EBADMSG);
	/* Unknown routing types with segments left are not guessed at. */
	memcpy(pkt, sent, n);
	pkt[42] = 4;
	CHECK_EQ(pfkm_ah_decap(&ah, NULL, pkt, n, &rx), -EOPNOTSUPP);
	pfkm_ah_fini(&ah);
}

TEST(ah_roundtrip_all_macs_esn)
{
	static const char *macs[] = { "hmac-md5", "hmac-sha1", "hmac-sha256", "hmac-sha384",
				      "hmac-sha512", "aes-xcbc-mac", "hmac-ripemd160" };
	uint8_t key[64], pkt[512], orig[512];
	struct pfkm_replay rp, wrong;
	struct pfkm_ah_rx rx;
	struct pfkm_ah ah;
	size_t i, v, len, n;
	uint64_t seq = (7ull << 32) | 2;

	for (i = 0; i < OS_ARRAY_SIZE(macs); i++) {
		const struct pfkm_alg *a = pfkm_alg_by_name(PFKM_ALG_AUTH, macs[i]);

		REQUIRE(a);
		memset(key, (int)i + 1, sizeof(key));
		REQUIRE_EQ(pfkm_ah_init(&ah, 0x5000, true, a, key, a->key_min / 8), 0);
		for (v = 4; v <= 6; v += 2) {
			if (v == 4) {
				len = v4_packet(orig, NULL, 0, 100);
			} else {
				v6_base(orig, 17, 100);
				memset(orig + 40, 0x5c, 100);
				len = 140;
			}
			memcpy(pkt, orig, len);
			REQUIRE_EQ(pfkm_ah_encap(&ah, seq, pkt, sizeof(pkt), len, &n), 0);
			CHECK_EQ(n, len + pfkm_ah_hdr_len(&ah, (int)v));
			CHECK_EQ(pfkm_ah_hdr_len(&ah, (int)v) % 8, 0);
			REQUIRE_EQ(pfkm_replay_init(&rp, 64, true), 0);
			REQUIRE_EQ(pfkm_replay_init(&wrong, 64, true), 0);
			REQUIRE_EQ(pfkm_replay_advance(&rp, seq - 1), 0);
			REQUIRE_EQ(pfkm_replay_advance(&wrong, (6ull << 32) | 1), 0);
			memcpy(orig + 300, pkt, n);	/* keep the protected copy */
			if (pfkm_ah_decap(&ah, &wrong, pkt, n, &rx) != -EBADMSG)
				unit_failf(__FILE__, __LINE__, "%s v%zu: ESN high bits not covered",
					   macs[i], v);
			memcpy(pkt, orig + 300, n);
			if (pfkm_ah_decap(&ah, &rp, pkt, n, &rx) || rx.seq != seq ||
			    rx.len != len || memcmp(pkt + (v == 4 ? 20 : 40),
						    orig + (v == 4 ? 20 : 40),
						    len - (v == 4 ? 20 : 40)))
				unit_failf(__FILE__, __LINE__, "%s v%zu: round trip", macs[i], v);
			memcpy(pkt, orig + 300, n);
			CHECK_EQ(pfkm_ah_decap(&ah, &rp, pkt, n, &rx), -EEXIST);
			pfkm_replay_fini(&rp);
			pfkm_replay_fini(&wrong);
		}
		CHECK_EQ(pfkm_ah_encap(&ah, 0, pkt, sizeof(pkt), len, &n), -EOVERFLOW);
		memcpy(pkt, orig, len);
		CHECK_EQ(pfkm_ah_encap(&ah, 1, pkt, len + 8, len, &n), -EMSGSIZE);
		pfkm_ah_fini(&ah);
	}
	CHECK_EQ(pfkm_ah_init(&ah, 1, false, pfkm_alg_by_id(PFKM_ALG_AUTH, SADB_X_AALG_NULL),
			      NULL, 0), -EINVAL);
}

TEST(ah_core_selftest)
{
	CHECK_EQ(pfkm_selftest_ah(), 0);
}
