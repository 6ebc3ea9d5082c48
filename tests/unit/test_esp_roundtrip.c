// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_esp_roundtrip.c: every supported ESP algorithm combination through
 * encap -> decap with random keys and payload sizes, plus the negative
 * cases: flipped bits (-EBADMSG), bad padding (-EINVAL), replays, ESN high
 * bits authenticated, sequence overflow, malformed sizes, IV policy.
 */
#include "unit.h"
#include "esp.h"

#include <stdlib.h>

static uint64_t rs = 0x243f6a8885a308d3ull;
static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static void fill(uint8_t *p, size_t n)
{
	while (n--)
		*p++ = (uint8_t)rnd();
}

/* Both ends of one SA: tx and rx share keys, rx has a 128-packet window. */
struct pair {
	struct pfkm_esp tx, rx;
	struct pfkm_replay rp;
	uint64_t last;
};

static int pair_init(struct pair *p, const struct pfkm_alg *enc, const struct pfkm_alg *auth,
		     bool esn)
{
	uint8_t ek[64], ak[64];
	size_t ekl = enc->key_min / 8, akl = auth ? auth->key_min / 8 : 0;
	int ret;

	memset(p, 0, sizeof(*p));
	fill(ek, sizeof(ek));
	fill(ak, sizeof(ak));
	ret = pfkm_esp_init(&p->tx, 0xc0ffee01, esn, enc, ek, ekl, auth, ak, akl);
	if (!ret)
		ret = pfkm_esp_init(&p->rx, 0xc0ffee01, esn, enc, ek, ekl, auth, ak, akl);
	if (!ret)
		ret = pfkm_replay_init(&p->rp, 128, esn);
	return ret;
}

static void pair_fini(struct pair *p)
{
	pfkm_esp_fini(&p->tx);
	pfkm_esp_fini(&p->rx);
	pfkm_replay_fini(&p->rp);
}

static const char *const encs[] = {
	"null", "3des-cbc", "aes-cbc", "aes-ctr", "aes-gcm-16", "aes-gcm-12", "aes-gcm-8",
	"aes-ccm-16", "aes-ccm-12", "aes-ccm-8", "null-aes-gmac", "chacha20-poly1305",
};
static const char *const auths[] = {
	"hmac-md5", "hmac-sha1", "hmac-sha256", "hmac-sha384", "hmac-sha512", "aes-xcbc-mac",
	"hmac-ripemd160",
};
static const size_t sizes[] = { 0, 1, 2, 3, 13, 14, 15, 16, 17, 100, 1400 };

static void roundtrip(const struct pfkm_alg *enc, const struct pfkm_alg *auth, bool esn)
{
	char name[96];
	struct pair p;
	struct pfkm_esp_rx rx;
	uint8_t payload[1500], pkt[1600], copy[1600];
	size_t i, n, hl;
	uint64_t seq;
	int ret;

	snprintf(name, sizeof(name), "%s/%s%s", enc->name, auth ? auth->name : "-",
		 esn ? "/esn" : "");
	ret = pair_init(&p, enc, auth, esn);
	if (ret) {
		unit_failf(__FILE__, __LINE__, "%s: init %d", name, ret);
		pair_fini(&p);
		return;
	}
	/* With ESN start just below an epoch boundary so packets cross it. */
	p.last = esn ? (1ull << 32) - 3 : 0;
	if (esn)
		pfkm_replay_advance(&p.rp, p.last);
	hl = pfkm_esp_hdr_len(&p.tx);
	for (i = 0; i < OS_ARRAY_SIZE(sizes); i++) {
		fill(payload, sizes[i]);
		memcpy(pkt + hl, payload, sizes[i]);
		if (pfkm_replay_seq_next(&p.last, esn, &seq))
			break;
		ret = pfkm_esp_encap(&p.tx, seq, 41, NULL, pkt, sizeof(pkt), sizes[i], &n);
		if (ret) {
			unit_failf(__FILE__, __LINE__, "%s: encap %zu: %d", name, sizes[i], ret);
			continue;
		}
		if (n != pfkm_esp_encap_len(&p.tx, sizes[i]) ||
		    (n - hl - p.tx.icv_len) % (enc->block_bytes > 4 ? enc->block_bytes : 4))
			unit_failf(__FILE__, __LINE__, "%s: length %zu for %zu", name, n, sizes[i]);
		/* ESP never sends the payload in clear unless it is GMAC/NULL. */
		if (sizes[i] >= 13 && enc->id != SADB_EALG_NULL && !p.tx.gmac &&
		    !memcmp(pkt + hl, payload, sizes[i]))
			unit_failf(__FILE__, __LINE__, "%s: payload not encrypted", name);
		memcpy(copy, pkt, n);
		/* A flipped bit after the header is caught before anything else. */
		copy[8 + rnd() % (n - 8)] ^= (uint8_t)(1u << (rnd() % 8));
		ret = pfkm_esp_decap(&p.rx, &p.rp, copy, n, &rx);
		if (ret != -EBADMSG)
			unit_failf(__FILE__, __LINE__, "%s: flipped bit gave %d", name, ret);
		memcpy(copy, pkt, n);
		ret = pfkm_esp_decap(&p.rx, &p.rp, copy, n, &rx);
		if (ret || rx.seq != seq || rx.next_hdr != 41 || rx.payload_len != sizes[i] ||
		    memcmp(copy + rx.payload_off, payload, sizes[i]))
			unit_failf(__FILE__, __LINE__, "%s: decap %zu: %d", name, sizes[i], ret);
		memcpy(copy, pkt, n);
		ret = pfkm_esp_decap(&p.rx, &p.rp, copy, n, &rx);
		if (ret != -EEXIST)
			unit_failf(__FILE__, __LINE__, "%s: replay gave %d", name, ret);
	}
	pair_fini(&p);
}

TEST(esp_roundtrip_all_algorithms)
{
	size_t e, a, combos = 0;
	int esn;

	for (e = 0; e < OS_ARRAY_SIZE(encs); e++) {
		const struct pfkm_alg *enc = pfkm_alg_by_name(PFKM_ALG_ENC, encs[e]);

		REQUIRE(enc);
		for (esn = 0; esn < 2; esn++) {
			if (enc->aead) {
				roundtrip(enc, NULL, esn);
				combos++;
				continue;
			}
			for (a = 0; a < OS_ARRAY_SIZE(auths); a++) {
				const struct pfkm_alg *auth = pfkm_alg_by_name(PFKM_ALG_AUTH, auths[a]);

				REQUIRE(auth);
				roundtrip(enc, auth, esn);
				combos++;
			}
		}
	}
	CHECK_EQ(combos, 2 * (8 + 4 * 7));
}

/* Encrypt-only SAs (RFC 3602 style) still round-trip, with no ICV. */
TEST(esp_roundtrip_encryption_only)
{
	const struct pfkm_alg *cbc = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-cbc");
	struct pair p;
	struct pfkm_esp_rx rx;
	uint8_t pkt[256];
	size_t n;

	REQUIRE_EQ(pair_init(&p, cbc, NULL, false), 0);
	CHECK_EQ(p.tx.icv_len, 0);
	memset(pkt + pfkm_esp_hdr_len(&p.tx), 0x5a, 30);
	REQUIRE_EQ(pfkm_esp_encap(&p.tx, 1, 4, NULL, pkt, sizeof(pkt), 30, &n), 0);
	CHECK_EQ(n, 8 + 16 + 32);
	CHECK_EQ(pfkm_esp_decap(&p.rx, &p.rp, pkt, n, &rx), 0);
	CHECK_EQ(rx.payload_len, 30);
	CHECK_EQ(rx.next_hdr, 4);
	pair_fini(&p);
}

/*
 * A packet with a valid ICV but a bad trailer, built with the SA's own
 * transforms: pt is the whole plaintext (payload | pad | padlen | nh).
 */
static size_t forge(struct pfkm_esp *esp, uint32_t seq, const uint8_t *pt, size_t ptl,
		    uint8_t *pkt)
{
	size_t hl = pfkm_esp_hdr_len(esp);
	struct pfkm_buf seg;
	int ret;

	pkt[0] = (uint8_t)(esp->spi >> 24);
	pkt[1] = (uint8_t)(esp->spi >> 16);
	pkt[2] = (uint8_t)(esp->spi >> 8);
	pkt[3] = (uint8_t)esp->spi;
	pkt[4] = pkt[5] = pkt[6] = 0;
	pkt[7] = (uint8_t)seq;
	memset(pkt + 8, 0x11, esp->iv_len);
	memcpy(pkt + hl, pt, ptl);
	if (esp->enc->aead) {
		seg = (struct pfkm_buf){ pkt, 8 };
		ret = pfkm_xform_aead_seal(esp->ex, pkt + 8, &seg, 1, pkt + hl, ptl, pkt + hl + ptl);
	} else {
		ret = pfkm_xform_encrypt(esp->ex, pkt + 8, pkt + hl, ptl);
		seg = (struct pfkm_buf){ pkt, hl + ptl };
		if (!ret)
			ret = pfkm_xform_mac(esp->ax, &seg, 1, pkt + hl + ptl);
	}
	return ret ? 0 : hl + ptl + esp->icv_len;
}

static void bad_padding(const char *encn, const char *authn)
{
	const struct pfkm_alg *enc = pfkm_alg_by_name(PFKM_ALG_ENC, encn);
	const struct pfkm_alg *auth = authn ? pfkm_alg_by_name(PFKM_ALG_AUTH, authn) : NULL;
	struct pair p;
	struct pfkm_esp_rx rx;
	uint8_t pt[32], pkt[128];
	size_t n;

	REQUIRE(enc);
	REQUIRE_EQ(pair_init(&p, enc, auth, false), 0);
	/* Good trailer: 12 payload bytes, pad 1 2, padlen 2, nh 6. */
	memset(pt, 0xab, 12);
	pt[12] = 1; pt[13] = 2; pt[14] = 2; pt[15] = 6;
	n = forge(&p.rx, 1, pt, 16, pkt);
	REQUIRE(n);
	CHECK_EQ(pfkm_esp_decap(&p.rx, &p.rp, pkt, n, &rx), 0);
	CHECK_EQ(rx.payload_len, 12);
	/* Pad bytes not 1, 2, ..: authenticated but refused. */
	pt[13] = 3;
	n = forge(&p.rx, 2, pt, 16, pkt);
	CHECK_EQ(pfkm_esp_decap(&p.rx, &p.rp, pkt, n, &rx), -EINVAL);
	/* Pad length beyond the packet. */
	pt[13] = 2; pt[14] = 200;
	n = forge(&p.rx, 3, pt, 16, pkt);
	CHECK_EQ(pfkm_esp_decap(&p.rx, &p.rp, pkt, n, &rx), -EINVAL);
	/* Pad length eating exactly everything: valid, empty payload. */
	pt[14] = 14;
	{
		size_t i;

		for (i = 0; i < 14; i++)
			pt[i] = (uint8_t)(i + 1);
	}
	n = forge(&p.rx, 4, pt, 16, pkt);
	CHECK_EQ(pfkm_esp_decap(&p.rx, &p.rp, pkt, n, &rx), 0);
	CHECK_EQ(rx.payload_len, 0);
	pair_fini(&p);
}

TEST(esp_bad_padding_rejected)
{
	bad_padding("aes-cbc", "hmac-sha256");
	bad_padding("aes-gcm-16", NULL);
	bad_padding("chacha20-poly1305", NULL);
	bad_padding("3des-cbc", "hmac-sha1");
}

TEST(esp_esn_high_bits_authenticated)
{
	const struct pfkm_alg *algs[2] = { pfkm_alg_by_name(PFKM_ALG_ENC, "aes-gcm-16"),
					   pfkm_alg_by_name(PFKM_ALG_ENC, "aes-cbc") };
	const struct pfkm_alg *sha = pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha256");
	struct pfkm_replay other;
	struct pfkm_esp_rx rx;
	uint8_t pkt[256], copy[256];
	struct pair p;
	size_t i, n;
	uint64_t seq = (5ull << 32) | 7;

	for (i = 0; i < 2; i++) {
		REQUIRE(algs[i]);
		REQUIRE_EQ(pair_init(&p, algs[i], algs[i]->aead ? NULL : sha, true), 0);
		memset(pkt + pfkm_esp_hdr_len(&p.tx), 0x42, 40);
		REQUIRE_EQ(pfkm_esp_encap(&p.tx, seq, 17, NULL, pkt, sizeof(pkt), 40, &n), 0);
		/* Only the low half travels. */
		CHECK_EQ(pkt[7], 7);
		CHECK_EQ(pkt[4] | pkt[5] | pkt[6], 0);
		/* A receiver in epoch 4 would infer the wrong high half: ICV fails. */
		REQUIRE_EQ(pfkm_replay_init(&other, 64, true), 0);
		REQUIRE_EQ(pfkm_replay_advance(&other, (4ull << 32) | 3), 0);
		memcpy(copy, pkt, n);
		CHECK_EQ(pfkm_esp_decap(&p.rx, &other, copy, n, &rx), -EBADMSG);
		pfkm_replay_fini(&other);
		/* In epoch 5 it is right. */
		REQUIRE_EQ(pfkm_replay_advance(&p.rp, (5ull << 32) | 1), 0);
		memcpy(copy, pkt, n);
		CHECK_EQ(pfkm_esp_decap(&p.rx, &p.rp, copy, n, &rx), 0);
		CHECK_EQ(rx.seq, seq);
		/* ESN without a window cannot infer anything. */
		memcpy(copy, pkt, n);
		CHECK_EQ(pfkm_esp_decap(&p.rx, NULL, copy, n, &rx), -EINVAL);
		pair_fini(&p);
	}
}

TEST(esp_replay_and_old_packets)
{
	const struct pfkm_alg *gcm = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-gcm-16");
	struct pfkm_esp_rx rx;
	uint8_t pkts[200][96], copy[96];
	size_t n[200], i;
	struct pair p;

	REQUIRE_EQ(pair_init(&p, gcm, NULL, false), 0);
	for (i = 0; i < 200; i++) {
		memset(pkts[i] + pfkm_esp_hdr_len(&p.tx), (int)i, 20);
		REQUIRE_EQ(pfkm_esp_encap(&p.tx, i + 1, 6, NULL, pkts[i], sizeof(pkts[i]), 20, &n[i]),
			   0);
	}
	/* Deliver 1..200 except 50 and 150. */
	for (i = 0; i < 200; i++) {
		if (i == 49 || i == 149)
			continue;
		memcpy(copy, pkts[i], n[i]);
		CHECK_EQ(pfkm_esp_decap(&p.rx, &p.rp, copy, n[i], &rx), 0);
	}
	memcpy(copy, pkts[149], n[149]);
	CHECK_EQ(pfkm_esp_decap(&p.rx, &p.rp, copy, n[149], &rx), 0);	/* late, in window */
	memcpy(copy, pkts[149], n[149]);
	CHECK_EQ(pfkm_esp_decap(&p.rx, &p.rp, copy, n[149], &rx), -EEXIST);
	memcpy(copy, pkts[49], n[49]);
	CHECK_EQ(pfkm_esp_decap(&p.rx, &p.rp, copy, n[49], &rx), -ESTALE);	/* 150 behind */
	pair_fini(&p);
}

TEST(esp_sequence_overflow_refused)
{
	const struct pfkm_alg *gcm = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-gcm-16");
	uint8_t pkt[128];
	struct pair p;
	uint64_t last = 0xffffffffull, seq = 0;
	size_t n;

	REQUIRE_EQ(pair_init(&p, gcm, NULL, false), 0);
	CHECK_EQ(pfkm_replay_seq_next(&last, false, &seq), -EOVERFLOW);
	CHECK_EQ(pfkm_esp_encap(&p.tx, 0xffffffffull, 4, NULL, pkt, sizeof(pkt), 10, &n), 0);
	CHECK_EQ(pfkm_esp_encap(&p.tx, 1ull << 32, 4, NULL, pkt, sizeof(pkt), 10, &n), -EOVERFLOW);
	CHECK_EQ(pfkm_esp_encap(&p.tx, 0, 4, NULL, pkt, sizeof(pkt), 10, &n), -EOVERFLOW);
	pair_fini(&p);
}

TEST(esp_malformed_sizes)
{
	const struct pfkm_alg *cbc = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-cbc");
	const struct pfkm_alg *sha = pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha1");
	struct pfkm_esp_rx rx;
	uint8_t pkt[256];
	struct pair p;
	size_t n, len;

	REQUIRE_EQ(pair_init(&p, cbc, sha, false), 0);
	memset(pkt + 24, 1, 40);
	REQUIRE_EQ(pfkm_esp_encap(&p.tx, 1, 4, NULL, pkt, sizeof(pkt), 40, &n), 0);
	CHECK_EQ(n, 8 + 16 + 48 + 12);
	/* Too small for the buffer the caller offered. */
	CHECK_EQ(pfkm_esp_encap(&p.tx, 2, 4, NULL, pkt, n - 1, 40, &len), -EMSGSIZE);
	CHECK_EQ(pfkm_esp_encap(&p.tx, 2, 4, NULL, pkt, 30, 40, &len), -EMSGSIZE);
	/* Every truncation is refused without reading past the end. */
	for (len = 0; len < n; len++)
		CHECK(pfkm_esp_decap(&p.rx, &p.rp, pkt, len, &rx) < 0);
	/* Wrong SPI. */
	pkt[3] ^= 1;
	CHECK_EQ(pfkm_esp_decap(&p.rx, &p.rp, pkt, n, &rx), -EINVAL);
	pair_fini(&p);
}

TEST(esp_init_combinations)
{
	const struct pfkm_alg *gcm = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-gcm-16");
	const struct pfkm_alg *null = pfkm_alg_by_name(PFKM_ALG_ENC, "null");
	const struct pfkm_alg *anull = pfkm_alg_by_id(PFKM_ALG_AUTH, SADB_X_AALG_NULL);
	const struct pfkm_alg *sha = pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha1");
	const struct pfkm_alg *tf = pfkm_alg_by_name(PFKM_ALG_ENC, "twofish-cbc");
	uint8_t key[64] = { 0 };
	struct pfkm_esp esp;

	REQUIRE(gcm && null && anull && sha && tf);
	CHECK_EQ(pfkm_esp_init(&esp, 1, false, gcm, key, 20, sha, key, 20), -EINVAL);
	CHECK_EQ(pfkm_esp_init(&esp, 1, false, null, key, 0, NULL, NULL, 0), -EINVAL);
	CHECK_EQ(pfkm_esp_init(&esp, 1, false, null, key, 0, anull, NULL, 0), -EINVAL);
	CHECK_EQ(pfkm_esp_init(&esp, 1, false, tf, key, 16, sha, key, 20), -EOPNOTSUPP);
	CHECK_EQ(pfkm_esp_init(&esp, 1, false, gcm, key, 21, NULL, NULL, 0), -EINVAL);
	CHECK_EQ(pfkm_esp_init(&esp, 1, false, sha, key, 20, NULL, NULL, 0), -EINVAL);
	REQUIRE_EQ(pfkm_esp_init(&esp, 1, false, gcm, key, 20, anull, NULL, 0), 0);
	pfkm_esp_fini(&esp);
	pfkm_esp_fini(&esp);	/* safe twice: everything was wiped */
}

TEST(esp_iv_policy)
{
	const struct pfkm_alg *gcm = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-gcm-16");
	const struct pfkm_alg *cbc = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-cbc");
	const struct pfkm_alg *sha = pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha1");
	uint8_t key[64] = { 7 }, a[128], b[128], c[128];
	struct pfkm_esp x, y;
	size_t n, i;
	uint8_t d = 0;

	/* Counter modes: IV = seq ^ per-SA mask, so IV(1) ^ IV(2) = 1 ^ 2 ... */
	REQUIRE_EQ(pfkm_esp_init(&x, 1, false, gcm, key, 20, NULL, NULL, 0), 0);
	REQUIRE_EQ(pfkm_esp_init(&y, 1, false, gcm, key, 20, NULL, NULL, 0), 0);
	REQUIRE_EQ(pfkm_esp_encap(&x, 1, 4, NULL, a, sizeof(a), 0, &n), 0);
	REQUIRE_EQ(pfkm_esp_encap(&x, 2, 4, NULL, b, sizeof(b), 0, &n), 0);
	REQUIRE_EQ(pfkm_esp_encap(&y, 1, 4, NULL, c, sizeof(c), 0, &n), 0);
	for (i = 0; i < 7; i++)
		CHECK_EQ(a[8 + i] ^ b[8 + i], 0);
	CHECK_EQ(a[15] ^ b[15], 1 ^ 2);
	/* ... and two SAs with the same key do not share nonces. */
	CHECK(memcmp(a + 8, c + 8, 8) != 0);
	pfkm_esp_fini(&x);
	pfkm_esp_fini(&y);
	/* CBC: random and unpredictable, never the sequence number. */
	REQUIRE_EQ(pfkm_esp_init(&x, 1, false, cbc, key, 16, sha, key, 20), 0);
	REQUIRE_EQ(pfkm_esp_encap(&x, 1, 4, NULL, a, sizeof(a), 0, &n), 0);
	REQUIRE_EQ(pfkm_esp_encap(&x, 2, 4, NULL, b, sizeof(b), 0, &n), 0);
	for (i = 0; i < 16; i++)
		d |= a[8 + i] ^ b[8 + i];
	CHECK(d != 0);
	CHECK(memcmp(a + 8, b + 8, 16) != 0);
	pfkm_esp_fini(&x);
}
