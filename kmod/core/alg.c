// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * alg.c: the algorithm table. Auth and encryption entries are listed in the
 * order of Linux's xfrm aalg_list/ealg_list so SUPPORTED replies carry the
 * same bytes as af_key; algorithms af_key lacks (AEADs, ChaCha20-Poly1305)
 * follow, marked afkey = false.
 */
#include "alg.h"

#define AUTH(id_, nm, a1, bits, icv, aficv, cname) {			\
	.kind = PFKM_ALG_AUTH, .id = (id_), .name = (nm), .aliases = { a1 }, \
	.key_min = (bits), .key_max = (bits), .key_step = 0,		\
	.icv_bits = (icv), .afkey_icv_bits = (aficv),			\
	.sadb_minbits = (bits), .sadb_maxbits = (bits),			\
	.afkey = true, .crypto_name = (cname) }

static const struct pfkm_alg algs[] = {
	/* Authentication, in aalg_list order. */
	AUTH(SADB_X_AALG_NULL, "null", NULL, 0, 0, 0, "digest_null"),
	AUTH(SADB_AALG_MD5HMAC, "hmac-md5", NULL, 128, 96, 96, "hmac(md5)"),
	AUTH(SADB_AALG_SHA1HMAC, "hmac-sha1", NULL, 160, 96, 96, "hmac(sha1)"),
	AUTH(SADB_X_AALG_SHA2_256HMAC, "hmac-sha256", "hmac-sha2-256", 256, 128, 96,
	     "hmac(sha256)"),
	AUTH(SADB_X_AALG_SHA2_384HMAC, "hmac-sha384", "hmac-sha2-384", 384, 192, 192,
	     "hmac(sha384)"),
	AUTH(SADB_X_AALG_SHA2_512HMAC, "hmac-sha512", "hmac-sha2-512", 512, 256, 256,
	     "hmac(sha512)"),
	AUTH(SADB_X_AALG_RIPEMD160HMAC, "hmac-ripemd160", NULL, 160, 96, 96, "hmac(rmd160)"),
	AUTH(SADB_X_AALG_AES_XCBC_MAC, "aes-xcbc-mac", NULL, 128, 96, 96, "xcbc(aes)"),
	AUTH(SADB_X_AALG_SM3_256HMAC, "hmac-sm3", NULL, 256, 256, 256, "hmac(sm3)"),

	/* Encryption, in ealg_list order. */
	{ .kind = PFKM_ALG_ENC, .id = SADB_EALG_NULL, .name = "null",
	  .block_bytes = 4, .afkey = true, .crypto_name = "ecb(cipher_null)" },
	{ .kind = PFKM_ALG_ENC, .id = SADB_EALG_DESCBC, .name = "des-cbc",
	  .key_min = 64, .key_max = 64, .sadb_ivlen = 8, .iv_bytes = 8, .block_bytes = 8,
	  .sadb_minbits = 64, .sadb_maxbits = 64, .afkey = true, .crypto_name = "cbc(des)" },
	{ .kind = PFKM_ALG_ENC, .id = SADB_EALG_3DESCBC, .name = "3des-cbc",
	  .key_min = 192, .key_max = 192, .sadb_ivlen = 8, .iv_bytes = 8, .block_bytes = 8,
	  .sadb_minbits = 192, .sadb_maxbits = 192, .afkey = true,
	  .crypto_name = "cbc(des3_ede)" },
	{ .kind = PFKM_ALG_ENC, .id = SADB_X_EALG_CASTCBC, .name = "cast128-cbc",
	  .aliases = { "cast5-cbc" },
	  .key_min = 40, .key_max = 128, .key_step = 8, .sadb_ivlen = 8, .iv_bytes = 8,
	  .block_bytes = 8, .sadb_minbits = 40, .sadb_maxbits = 128, .afkey = true,
	  .crypto_name = "cbc(cast5)" },
	{ .kind = PFKM_ALG_ENC, .id = SADB_X_EALG_BLOWFISHCBC, .name = "blowfish-cbc",
	  .key_min = 40, .key_max = 448, .key_step = 8, .sadb_ivlen = 8, .iv_bytes = 8,
	  .block_bytes = 8, .sadb_minbits = 40, .sadb_maxbits = 448, .afkey = true,
	  .crypto_name = "cbc(blowfish)" },
	{ .kind = PFKM_ALG_ENC, .id = SADB_X_EALG_AESCBC, .name = "aes-cbc",
	  .aliases = { "rijndael-cbc" },
	  .key_min = 128, .key_max = 256, .key_step = 64, .sadb_ivlen = 8, .iv_bytes = 16,
	  .block_bytes = 16, .sadb_minbits = 128, .sadb_maxbits = 256, .afkey = true,
	  .crypto_name = "cbc(aes)" },
	{ .kind = PFKM_ALG_ENC, .id = SADB_X_EALG_SERPENTCBC, .name = "serpent-cbc",
	  .key_min = 128, .key_max = 256, .key_step = 64, .sadb_ivlen = 8, .iv_bytes = 16,
	  .block_bytes = 16, .sadb_minbits = 128, .sadb_maxbits = 256, .afkey = true,
	  .crypto_name = "cbc(serpent)" },
	{ .kind = PFKM_ALG_ENC, .id = SADB_X_EALG_CAMELLIACBC, .name = "camellia-cbc",
	  .key_min = 128, .key_max = 256, .key_step = 64, .sadb_ivlen = 8, .iv_bytes = 16,
	  .block_bytes = 16, .sadb_minbits = 128, .sadb_maxbits = 256, .afkey = true,
	  .crypto_name = "cbc(camellia)" },
	{ .kind = PFKM_ALG_ENC, .id = SADB_X_EALG_TWOFISHCBC, .name = "twofish-cbc",
	  .key_min = 128, .key_max = 256, .key_step = 64, .sadb_ivlen = 8, .iv_bytes = 16,
	  .block_bytes = 16, .sadb_minbits = 128, .sadb_maxbits = 256, .afkey = true,
	  .crypto_name = "cbc(twofish)" },
	{ .kind = PFKM_ALG_ENC, .id = SADB_X_EALG_AESCTR, .name = "aes-ctr",
	  .key_min = 160, .key_max = 288, .key_step = 64, .salt_bits = 32,
	  .sadb_ivlen = 8, .iv_bytes = 8, .block_bytes = 4,
	  .sadb_minbits = 160, .sadb_maxbits = 288, .afkey = true,
	  .crypto_name = "rfc3686(ctr(aes))" },
	{ .kind = PFKM_ALG_ENC, .id = SADB_X_EALG_SM4CBC, .name = "sm4-cbc",
	  .key_min = 128, .key_max = 128, .sadb_ivlen = 16, .iv_bytes = 16,
	  .block_bytes = 16, .sadb_minbits = 128, .sadb_maxbits = 256, .afkey = true,
	  .crypto_name = "cbc(sm4)" },

	/* keysh additions: AEADs, which af_key neither advertises nor accepts. */
#define AEAD(id_, nm, a1, icv, salt, cname) {				\
	.kind = PFKM_ALG_ENC, .id = (id_), .name = (nm), .aliases = { a1 }, \
	.key_min = 128 + (salt), .key_max = 256 + (salt), .key_step = 64, \
	.salt_bits = (salt), .icv_bits = (icv), .sadb_ivlen = 8, .iv_bytes = 8, \
	.block_bytes = 4, .sadb_minbits = 128 + (salt), .sadb_maxbits = 256 + (salt), \
	.aead = true, .afkey = false, .crypto_name = (cname) }
	AEAD(SADB_X_EALG_AES_GCM_ICV16, "aes-gcm-16", "aes-gcm", 128, 32, "rfc4106(gcm(aes))"),
	AEAD(SADB_X_EALG_AES_GCM_ICV12, "aes-gcm-12", NULL, 96, 32, "rfc4106(gcm(aes))"),
	AEAD(SADB_X_EALG_AES_GCM_ICV8, "aes-gcm-8", NULL, 64, 32, "rfc4106(gcm(aes))"),
	AEAD(SADB_X_EALG_AES_CCM_ICV16, "aes-ccm-16", "aes-ccm", 128, 24, "rfc4309(ccm(aes))"),
	AEAD(SADB_X_EALG_AES_CCM_ICV12, "aes-ccm-12", NULL, 96, 24, "rfc4309(ccm(aes))"),
	AEAD(SADB_X_EALG_AES_CCM_ICV8, "aes-ccm-8", NULL, 64, 24, "rfc4309(ccm(aes))"),
	AEAD(SADB_X_EALG_NULL_AES_GMAC, "null-aes-gmac", "aes-gmac", 128, 32,
	     "rfc4543(gcm(aes))"),
#undef AEAD
	{ .kind = PFKM_ALG_ENC, .id = SADB_X_EALG_CHACHA20_POLY1305,
	  .name = "chacha20-poly1305", .aliases = { "chacha20poly1305" },
	  .key_min = 288, .key_max = 288, .salt_bits = 32, .icv_bits = 128,
	  .sadb_ivlen = 8, .iv_bytes = 8, .block_bytes = 4,
	  .sadb_minbits = 288, .sadb_maxbits = 288, .aead = true, .afkey = false,
	  .crypto_name = "rfc7539esp(chacha20,poly1305)" },

	/* IPComp (no keys). */
	{ .kind = PFKM_ALG_COMP, .id = SADB_X_CALG_DEFLATE, .name = "deflate",
	  .afkey = true, .crypto_name = "deflate" },
	{ .kind = PFKM_ALG_COMP, .id = SADB_X_CALG_LZS, .name = "lzs",
	  .afkey = true, .crypto_name = "lzs" },
	{ .kind = PFKM_ALG_COMP, .id = SADB_X_CALG_LZJH, .name = "lzjh",
	  .afkey = true, .crypto_name = "lzjh" },
};

static bool same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

const struct pfkm_alg *pfkm_alg_by_id(enum pfkm_alg_kind kind, unsigned int id)
{
	size_t i;

	for (i = 0; i < OS_ARRAY_SIZE(algs); i++)
		if (algs[i].kind == kind && algs[i].id == id)
			return &algs[i];
	return NULL;
}

const struct pfkm_alg *pfkm_alg_by_name(enum pfkm_alg_kind kind, const char *name)
{
	size_t i, j;

	for (i = 0; i < OS_ARRAY_SIZE(algs); i++) {
		if (algs[i].kind != kind)
			continue;
		if (same(algs[i].name, name))
			return &algs[i];
		for (j = 0; j < OS_ARRAY_SIZE(algs[i].aliases); j++)
			if (same(algs[i].aliases[j], name))
				return &algs[i];
	}
	return NULL;
}

const struct pfkm_alg *pfkm_alg_at(enum pfkm_alg_kind kind, unsigned int n)
{
	size_t i;

	for (i = 0; i < OS_ARRAY_SIZE(algs); i++)
		if (algs[i].kind == kind && n-- == 0)
			return &algs[i];
	return NULL;
}

int pfkm_alg_key_check(const struct pfkm_alg *alg, unsigned int bits)
{
	if (bits < alg->key_min || bits > alg->key_max)
		return -EINVAL;
	if (alg->key_step && (bits - alg->key_min) % alg->key_step)
		return -EINVAL;
	if (!alg->key_step && bits != alg->key_min)
		return -EINVAL;
	return 0;
}
