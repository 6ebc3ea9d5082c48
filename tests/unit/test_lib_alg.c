// SPDX-License-Identifier: BSD-2-Clause
/* test_lib_alg.c: key-length rules of every algorithm in kmod/core/alg.c
 * (pfkm_alg_key_check), salt sizes included, and libpfkey's helpers. */
#include "unit.h"
#include "pfk.h"

struct keyrule {
	enum pfkm_alg_kind kind;
	const char *name;
	unsigned int ok[6];	/* allowed sizes in bits, 0-terminated */
	unsigned int bad[6];	/* refused sizes, 0-terminated (0 itself tested apart) */
	unsigned int salt;
};

static const struct keyrule rules[] = {
	{ PFKM_ALG_AUTH, "hmac-md5", { 128 }, { 96, 120, 136, 160 }, 0 },
	{ PFKM_ALG_AUTH, "hmac-sha1", { 160 }, { 128, 152, 168, 256 }, 0 },
	{ PFKM_ALG_AUTH, "hmac-sha256", { 256 }, { 128, 160, 248, 264, 512 }, 0 },
	{ PFKM_ALG_AUTH, "hmac-sha384", { 384 }, { 256, 376, 392, 512 }, 0 },
	{ PFKM_ALG_AUTH, "hmac-sha512", { 512 }, { 256, 384, 504, 520 }, 0 },
	{ PFKM_ALG_AUTH, "hmac-ripemd160", { 160 }, { 128, 168 }, 0 },
	{ PFKM_ALG_AUTH, "aes-xcbc-mac", { 128 }, { 120, 136, 256 }, 0 },
	{ PFKM_ALG_AUTH, "hmac-sm3", { 256 }, { 128, 264 }, 0 },
	{ PFKM_ALG_ENC, "des-cbc", { 64 }, { 56, 72, 128 }, 0 },
	{ PFKM_ALG_ENC, "3des-cbc", { 192 }, { 128, 184, 200 }, 0 },
	{ PFKM_ALG_ENC, "cast128-cbc", { 40, 48, 64, 120, 128 }, { 32, 44, 136 }, 0 },
	{ PFKM_ALG_ENC, "blowfish-cbc", { 40, 128, 256, 440, 448 }, { 32, 41, 456 }, 0 },
	{ PFKM_ALG_ENC, "aes-cbc", { 128, 192, 256 }, { 64, 160, 224, 288 }, 0 },
	{ PFKM_ALG_ENC, "serpent-cbc", { 128, 192, 256 }, { 136, 320 }, 0 },
	{ PFKM_ALG_ENC, "camellia-cbc", { 128, 192, 256 }, { 120, 264 }, 0 },
	{ PFKM_ALG_ENC, "twofish-cbc", { 128, 192, 256 }, { 64, 200 }, 0 },
	{ PFKM_ALG_ENC, "sm4-cbc", { 128 }, { 120, 256 }, 0 },
	/* RFC 3686 CTR: 32-bit nonce after the key */
	{ PFKM_ALG_ENC, "aes-ctr", { 160, 224, 288 }, { 128, 192, 256, 320 }, 32 },
	/* RFC 4106 GCM, RFC 4543 GMAC: +32-bit salt */
	{ PFKM_ALG_ENC, "aes-gcm-16", { 160, 224, 288 }, { 128, 192, 256 }, 32 },
	{ PFKM_ALG_ENC, "aes-gcm-12", { 160, 224, 288 }, { 128, 256, 296 }, 32 },
	{ PFKM_ALG_ENC, "aes-gcm-8", { 160, 224, 288 }, { 128, 152 }, 32 },
	{ PFKM_ALG_ENC, "null-aes-gmac", { 160, 224, 288 }, { 128, 256 }, 32 },
	/* RFC 4309 CCM: +24-bit salt */
	{ PFKM_ALG_ENC, "aes-ccm-16", { 152, 216, 280 }, { 128, 160, 256, 288 }, 24 },
	{ PFKM_ALG_ENC, "aes-ccm-12", { 152, 216, 280 }, { 128, 288 }, 24 },
	{ PFKM_ALG_ENC, "aes-ccm-8", { 152, 216, 280 }, { 160, 256 }, 24 },
	/* RFC 7634: 256-bit key + 32-bit salt */
	{ PFKM_ALG_ENC, "chacha20-poly1305", { 288 }, { 256, 224, 320 }, 32 },
};

TEST(lib_alg_key_lengths)
{
	size_t i, j;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct keyrule *r = &rules[i];
		const struct pfkm_alg *a = pfkm_alg_by_name(r->kind, r->name);

		if (!a) {
			unit_failf(__FILE__, __LINE__, "no algorithm %s", r->name);
			continue;
		}
		CHECK_EQ(a->salt_bits, r->salt);
		for (j = 0; j < 6 && r->ok[j]; j++)
			if (pfkm_alg_key_check(a, r->ok[j]) != 0)
				unit_failf(__FILE__, __LINE__, "%s refuses %u bits", r->name, r->ok[j]);
		for (j = 0; j < 6 && r->bad[j]; j++)
			if (pfkm_alg_key_check(a, r->bad[j]) != -EINVAL)
				unit_failf(__FILE__, __LINE__, "%s accepts %u bits", r->name, r->bad[j]);
		CHECK_EQ(pfkm_alg_key_check(a, 0), -EINVAL);
	}
}

TEST(lib_alg_keyless)
{
	const struct pfkm_alg *a;

	a = pfkm_alg_by_name(PFKM_ALG_ENC, "null");
	REQUIRE(a != NULL);
	CHECK_EQ(pfkm_alg_key_check(a, 0), 0);
	CHECK_EQ(pfkm_alg_key_check(a, 8), -EINVAL);
	a = pfkm_alg_by_name(PFKM_ALG_AUTH, "null");
	REQUIRE(a != NULL);
	CHECK_EQ(pfkm_alg_key_check(a, 0), 0);
	CHECK_EQ(pfkm_alg_key_check(a, 128), -EINVAL);
	a = pfkm_alg_by_name(PFKM_ALG_COMP, "deflate");
	REQUIRE(a != NULL);
	CHECK_EQ(pfkm_alg_key_check(a, 0), 0);
}

TEST(lib_alg_lookup_and_aliases)
{
	const struct pfkm_alg *a = pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha2-256");

	REQUIRE(a != NULL);
	CHECK_EQ(a->id, SADB_X_AALG_SHA2_256HMAC);
	CHECK_STR(a->name, "hmac-sha256");
	CHECK(pfkm_alg_by_name(PFKM_ALG_ENC, "rijndael-cbc") == pfkm_alg_by_id(PFKM_ALG_ENC, SADB_X_EALG_AESCBC));
	CHECK(pfkm_alg_by_name(PFKM_ALG_ENC, "aes-gcm") == pfkm_alg_by_id(PFKM_ALG_ENC, SADB_X_EALG_AES_GCM_ICV16));
	CHECK(pfkm_alg_by_id(PFKM_ALG_ENC, SADB_X_EALG_CHACHA20_POLY1305) != NULL);
	CHECK(pfkm_alg_by_name(PFKM_ALG_ENC, "hmac-sha1") == NULL);
	CHECK(pfkm_alg_by_id(PFKM_ALG_AUTH, 200) == NULL);
}

TEST(lib_alg_helpers)
{
	const char *names[64];
	size_t n, i;
	bool gcm = false, sha = false;

	CHECK_EQ(pfk_alg_default_key_bytes(pfkm_alg_by_name(PFKM_ALG_ENC, "aes-cbc")), 16);
	CHECK_EQ(pfk_alg_default_key_bytes(pfkm_alg_by_name(PFKM_ALG_ENC, "aes-gcm-16")), 20);
	CHECK_EQ(pfk_alg_default_key_bytes(pfkm_alg_by_name(PFKM_ALG_ENC, "aes-ccm-8")), 19);
	CHECK_EQ(pfk_alg_default_key_bytes(pfkm_alg_by_name(PFKM_ALG_ENC, "chacha20-poly1305")), 36);
	CHECK_EQ(pfk_alg_default_key_bytes(pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha512")), 64);
	CHECK_EQ(pfk_alg_default_key_bytes(NULL), 0);

	n = pfk_alg_names(PFK_SATYPE_ESP, PFKM_ALG_ENC, names, 64);
	CHECK(n >= 19);
	for (i = 0; i < n; i++)
		gcm = gcm || !strcmp(names[i], "aes-gcm-16");
	CHECK(gcm);
	CHECK_EQ(pfk_alg_names(PFK_SATYPE_ESP, PFKM_ALG_ENC, NULL, 0), n);
	CHECK_EQ(pfk_alg_names(PFK_SATYPE_ESP, PFKM_ALG_ENC, names, 3), 3);
	CHECK_EQ(pfk_alg_names(PFK_SATYPE_AH, PFKM_ALG_ENC, names, 64), 0);
	n = pfk_alg_names(PFK_SATYPE_AH, PFKM_ALG_AUTH, names, 64);
	for (i = 0; i < n; i++)
		sha = sha || !strcmp(names[i], "hmac-sha256");
	CHECK(sha);
	n = pfk_alg_names(PFK_SATYPE_IPCOMP, PFKM_ALG_COMP, names, 64);
	REQUIRE(n >= 1);
	CHECK_STR(names[0], "deflate");
}
