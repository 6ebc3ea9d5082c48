// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_core_avail.c: algorithm availability (xform.h pfkm_xform_available)
 * and what the core does with it, as af_key does with xfrm_probe_algs:
 * REGISTER lists only available algorithms, ADD of an unavailable one is
 * ENOSYS. In userspace the host is OpenSSL: Serpent and Twofish do not
 * exist there, so they are the unavailable algorithms these tests see.
 * Also known answers for the CBC ciphers OpenSSL provides besides AES/3DES.
 */
#include "test_core.h"
#include "alg.h"
#include "xform.h"

/* Key of the algorithm's smallest size, salt included, all 0x5a. */
static int create_min(const struct pfkm_alg *a, struct pfkm_xform **x)
{
	static const uint8_t key[64] = {
		0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63, 0x64, 0x65,
		0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71,
		0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d,
		0x7e, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
	};

	return pfkm_xform_create(a, key, a->key_min / 8, x);
}

TEST(core_xform_available_iff_create_works)
{
	enum pfkm_alg_kind kinds[] = { PFKM_ALG_AUTH, PFKM_ALG_ENC };
	unsigned int k, i, yes = 0, no = 0;
	const struct pfkm_alg *a;

	for (k = 0; k < 2; k++) {
		for (i = 0; (a = pfkm_alg_at(kinds[k], i)); i++) {
			struct pfkm_xform *x = NULL;
			bool avail = pfkm_xform_available(a);
			int ret = create_min(a, &x);

			if (avail != (ret == 0))
				unit_failf(__FILE__, __LINE__, "%s: available %d, create %d", a->name,
					   avail, ret);
			if (!avail && ret != -EOPNOTSUPP)
				unit_failf(__FILE__, __LINE__, "%s: create %d", a->name, ret);
			pfkm_xform_destroy(x);
			avail ? yes++ : no++;
		}
	}
	CHECK(pfkm_xform_available(pfkm_alg_by_name(PFKM_ALG_ENC, "aes-cbc")));
	CHECK(pfkm_xform_available(pfkm_alg_by_name(PFKM_ALG_ENC, "null")));
	CHECK(pfkm_xform_available(pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha256")));
	CHECK(pfkm_xform_available(pfkm_alg_by_name(PFKM_ALG_AUTH, "aes-xcbc-mac")));
	CHECK(!pfkm_xform_available(pfkm_alg_by_name(PFKM_ALG_ENC, "serpent-cbc")));
	CHECK(!pfkm_xform_available(pfkm_alg_by_name(PFKM_ALG_ENC, "twofish-cbc")));
	CHECK(yes > 20);
	CHECK_EQ(no, 2);
}

/* One block under a zero IV: CBC's first block is the cipher's ECB. */
static void kat(const char *name, const char *khex, const char *phex, const char *chex)
{
	const struct pfkm_alg *a = pfkm_alg_by_name(PFKM_ALG_ENC, name);
	uint8_t key[32], pt[16], ct[16], buf[16], iv[16] = { 0 };
	size_t kl = strlen(khex) / 2, bl = strlen(phex) / 2, i;
	struct pfkm_xform *x = NULL;
	int ret;

	for (i = 0; i < kl; i++)
		sscanf(khex + 2 * i, "%2hhx", &key[i]);
	for (i = 0; i < bl; i++) {
		sscanf(phex + 2 * i, "%2hhx", &pt[i]);
		sscanf(chex + 2 * i, "%2hhx", &ct[i]);
	}
	REQUIRE(a);
	ret = pfkm_xform_create(a, key, kl, &x);
	if (ret) {
		unit_failf(__FILE__, __LINE__, "%s: create %d", name, ret);
		return;
	}
	memcpy(buf, pt, bl);
	CHECK_EQ(pfkm_xform_encrypt(x, iv, buf, bl), 0);
	if (memcmp(buf, ct, bl))
		unit_failf(__FILE__, __LINE__, "%s: wrong ciphertext", name);
	CHECK_EQ(pfkm_xform_decrypt(x, iv, buf, bl), 0);
	if (memcmp(buf, pt, bl))
		unit_failf(__FILE__, __LINE__, "%s: wrong plaintext", name);
	pfkm_xform_destroy(x);
}

TEST(core_xform_cbc_known_answers)
{
	/* FIPS 46 worked example */
	kat("des-cbc", "133457799bbcdff1", "0123456789abcdef", "85e813540f0ab405");
	/* RFC 2144 B.1, 128-bit key */
	kat("cast128-cbc", "0123456712345678234567893456789a", "0123456789abcdef",
	    "238b4fe5847e44b2");
	/* Schneier's test vectors, first row */
	kat("blowfish-cbc", "0000000000000000", "0000000000000000", "4ef997456198dd78");
	/* RFC 3713 appendix A, 128-bit key */
	kat("camellia-cbc", "0123456789abcdeffedcba9876543210",
	    "0123456789abcdeffedcba9876543210", "67673138549669730857065648eabe43");
	/* GB/T 32907-2016 example 1 */
	kat("sm4-cbc", "0123456789abcdeffedcba9876543210", "0123456789abcdeffedcba9876543210",
	    "681edf34d206965e86b3e94f536e4246");
}

/* The ids of a SUPPORTED extension, in order. */
static unsigned int supported_ids(const struct pfkm_exts *x, uint16_t type, uint8_t *ids)
{
	const struct sadb_supported *sup = PFKM_EXT(x, type, struct sadb_supported);
	const struct sadb_alg *al;
	unsigned int n, i;

	if (!sup)
		return 0;
	n = (sup->sadb_supported_len * 8 - sizeof(*sup)) / sizeof(*al);
	al = (const void *)(sup + 1);
	for (i = 0; i < n; i++)
		ids[i] = al[i].sadb_alg_id;
	return n;
}

TEST(core_register_lists_available_only)
{
	enum pfkm_alg_kind kinds[] = { PFKM_ALG_AUTH, PFKM_ALG_ENC };
	uint16_t types[] = { SADB_EXT_SUPPORTED_AUTH, SADB_EXT_SUPPORTED_ENCRYPT };
	struct pfkm_net *net;
	struct pfkm_exts x;
	struct cap a;
	struct mb m;
	unsigned int k;

	pfkm_net_create(&net);
	cap_open(net, &a);
	mb_hdr(&m, SADB_REGISTER, SADB_SATYPE_ESP, 1);
	REQUIRE_EQ(mb_send(&a, &m), 0);
	REQUIRE_EQ(cap_exts(&a, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_len * 8u, a.len[0]);
	for (k = 0; k < 2; k++) {
		uint8_t got[64], want[64];
		unsigned int ng = supported_ids(&x, types[k], got), nw = 0, i;
		const struct pfkm_alg *al;

		for (i = 0; (al = pfkm_alg_at(kinds[k], i)); i++)
			if (pfkm_xform_available(al))
				want[nw++] = al->id;
		CHECK_EQ(ng, nw);
		CHECK(ng == nw && !memcmp(got, want, ng));
		for (i = 0; i < ng; i++)
			CHECK(k == 0 || (got[i] != SADB_X_EALG_SERPENTCBC &&
					 got[i] != SADB_X_EALG_TWOFISHCBC));
	}
	cap_close(&a);
	pfkm_net_destroy(net);
}

TEST(core_add_unavailable_alg_enosys)
{
	static const struct {
		uint8_t enc;
		unsigned int bits;
		int want;
	} rows[] = {
		{ SADB_X_EALG_TWOFISHCBC, 128, ENOSYS },
		{ SADB_X_EALG_SERPENTCBC, 256, ENOSYS },
		{ SADB_X_EALG_CAMELLIACBC, 128, 0 },
		{ SADB_EALG_DESCBC, 64, 0 },
	};
	struct pfkm_net *net;
	struct cap a;
	struct mb m;
	unsigned int i;

	pfkm_net_create(&net);
	cap_open(net, &a);
	for (i = 0; i < OS_ARRAY_SIZE(rows); i++) {
		mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 1);
		mb_sa(&m, 0x7000 + i, SADB_AALG_SHA1HMAC, rows[i].enc, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
		mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 0, 0);
		mb_key(&m, SADB_EXT_KEY_AUTH, 160, 1);
		mb_key(&m, SADB_EXT_KEY_ENCRYPT, rows[i].bits, 2);
		cap_clear(&a);
		REQUIRE_EQ(mb_send(&a, &m), 0);
		REQUIRE(a.n > 0);
		if (cap_hdr(&a, a.n - 1)->sadb_msg_errno != rows[i].want)
			unit_failf(__FILE__, __LINE__, "row %u: errno %u, want %d", i,
				   cap_hdr(&a, a.n - 1)->sadb_msg_errno, rows[i].want);
	}
	cap_close(&a);
	pfkm_net_destroy(net);
}
