// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * xform_user.c: the userspace implementation of xform.h on OpenSSL 3 EVP,
 * for keyd, the unit tests, the fuzzers and the benchmark. Never built into
 * pfkeyv2.ko (Kbuild skips *_user.c); kmod/linux has the crypto API twin.
 *
 * Each transform keeps its keyed EVP contexts for its whole life, one for
 * each direction, so a packet costs a nonce/IV reset and no key schedule.
 * That is also why calls on one transform must be serialized (xform.h).
 * AES-XCBC-MAC-96 (RFC 3566) has no EVP implementation; it is built here on
 * AES-128-ECB.
 */
#include "xform.h"

#include <stdio.h>
#include <stdlib.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <pthread.h>

enum xtype {
	X_UNKNOWN = 0,
	X_GCM,		/* AES-GCM (RFC 4106) and NULL-AES-GMAC (RFC 4543) */
	X_CCM,		/* AES-CCM (RFC 4309) */
	X_CHACHA,	/* ChaCha20-Poly1305 (RFC 7634) */
	X_CBC,		/* CBC: AES, 3DES, DES, CAST5, Blowfish, Camellia, SM4 */
	X_CTR,		/* AES-CTR (RFC 3686) */
	X_NULL_ENC,	/* NULL encryption (RFC 2410) */
	X_HMAC,
	X_XCBC,		/* AES-XCBC-MAC-96 (RFC 3566) */
	X_NULL_AUTH,
};

struct pfkm_xform {
	const struct pfkm_alg *alg;
	enum xtype type;
	size_t icv_len;
	size_t salt_len;
	uint8_t salt[4];
	EVP_CIPHER_CTX *ectx, *dctx;	/* keyed; dctx unused by XCBC */
	EVP_MAC_CTX *mac;		/* keyed HMAC, re-initialised per call */
	uint8_t xk2[16], xk3[16];	/* XCBC: K2, K3; ectx holds K1 */
};

static const EVP_CIPHER *aes_cipher(const char *mode, size_t key_len)
{
	char name[32];

	if (key_len != 16 && key_len != 24 && key_len != 32)
		return NULL;
	snprintf(name, sizeof(name), "AES-%zu-%s", key_len * 8, mode);
	return EVP_CIPHER_fetch(NULL, name, NULL);
}

/*
 * DES, CAST5 and Blowfish live in OpenSSL's legacy provider, which a
 * process does not load by default. They are fetched from a private
 * library context holding the default and legacy providers, so the
 * process's own default context (keyd's, a test's) is left as it was.
 * Created once; NULL when the legacy provider is not installed, and then
 * those three ciphers are unavailable.
 */
static pthread_once_t legacy_once = PTHREAD_ONCE_INIT;
static OSSL_LIB_CTX *legacy_libctx;

static void legacy_init(void)
{
	OSSL_LIB_CTX *ctx = OSSL_LIB_CTX_new();

	if (!ctx)
		return;
	if (!OSSL_PROVIDER_load(ctx, "default") || !OSSL_PROVIDER_load(ctx, "legacy")) {
		OSSL_LIB_CTX_free(ctx);
		return;
	}
	legacy_libctx = ctx;
}

static EVP_CIPHER *legacy_cipher(const char *name)
{
	pthread_once(&legacy_once, legacy_init);
	return legacy_libctx ? EVP_CIPHER_fetch(legacy_libctx, name, NULL) : NULL;
}

/*
 * The EVP cipher for an encryption algorithm with a key_len-byte key (salt
 * excluded), its transform type and the nonce length AEADs are set to.
 * NULL when OpenSSL lacks it (Serpent, Twofish) or key_len does not fit.
 */
static EVP_CIPHER *enc_fetch(unsigned int id, size_t key_len, enum xtype *type, int *ivlen)
{
	char name[32];

	*ivlen = 0;
	*type = X_CBC;
	switch (id) {
	case SADB_X_EALG_AES_GCM_ICV8:
	case SADB_X_EALG_AES_GCM_ICV12:
	case SADB_X_EALG_AES_GCM_ICV16:
	case SADB_X_EALG_NULL_AES_GMAC:
		*type = X_GCM;
		*ivlen = 12;
		return (EVP_CIPHER *)aes_cipher("GCM", key_len);
	case SADB_X_EALG_AES_CCM_ICV8:
	case SADB_X_EALG_AES_CCM_ICV12:
	case SADB_X_EALG_AES_CCM_ICV16:
		*type = X_CCM;
		*ivlen = 11;
		return (EVP_CIPHER *)aes_cipher("CCM", key_len);
	case SADB_X_EALG_CHACHA20_POLY1305:
		*type = X_CHACHA;
		*ivlen = 12;
		return key_len == 32 ? EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL) : NULL;
	case SADB_X_EALG_AESCBC:
		return (EVP_CIPHER *)aes_cipher("CBC", key_len);
	case SADB_X_EALG_AESCTR:
		*type = X_CTR;
		return (EVP_CIPHER *)aes_cipher("CTR", key_len);
	case SADB_EALG_3DESCBC:
		return key_len == 24 ? EVP_CIPHER_fetch(NULL, "DES-EDE3-CBC", NULL) : NULL;
	case SADB_X_EALG_CAMELLIACBC:
		if (key_len != 16 && key_len != 24 && key_len != 32)
			return NULL;
		snprintf(name, sizeof(name), "CAMELLIA-%zu-CBC", key_len * 8);
		return EVP_CIPHER_fetch(NULL, name, NULL);
	case SADB_X_EALG_SM4CBC:
		return key_len == 16 ? EVP_CIPHER_fetch(NULL, "SM4-CBC", NULL) : NULL;
	case SADB_EALG_DESCBC:
		return key_len == 8 ? legacy_cipher("DES-CBC") : NULL;
	case SADB_X_EALG_CASTCBC:	/* variable key: set per context */
		return legacy_cipher("CAST5-CBC");
	case SADB_X_EALG_BLOWFISHCBC:
		return legacy_cipher("BF-CBC");
	default:
		return NULL;
	}
}

static int cipher_setup(struct pfkm_xform *x, const uint8_t *key, size_t key_len)
{
	const struct pfkm_alg *a = x->alg;
	EVP_CIPHER *c = NULL;
	int ret = -EOPNOTSUPP;
	int ivlen = 0;

	if (a->id == SADB_EALG_NULL) {
		x->type = X_NULL_ENC;
		return 0;
	}
	c = enc_fetch(a->id, key_len, &x->type, &ivlen);
	if (!c)
		return -EOPNOTSUPP;
	ret = -ENOMEM;
	x->ectx = EVP_CIPHER_CTX_new();
	x->dctx = EVP_CIPHER_CTX_new();
	if (!x->ectx || !x->dctx)
		goto out;
	ret = -EINVAL;
	if (EVP_EncryptInit_ex(x->ectx, c, NULL, NULL, NULL) != 1 ||
	    EVP_DecryptInit_ex(x->dctx, c, NULL, NULL, NULL) != 1)
		goto out;
	/* CAST5 and Blowfish take 40..128 / 40..448-bit keys */
	if ((size_t)EVP_CIPHER_get_key_length(c) != key_len &&
	    (EVP_CIPHER_CTX_set_key_length(x->ectx, (int)key_len) != 1 ||
	     EVP_CIPHER_CTX_set_key_length(x->dctx, (int)key_len) != 1))
		goto out;
	if (ivlen && (EVP_CIPHER_CTX_ctrl(x->ectx, EVP_CTRL_AEAD_SET_IVLEN, ivlen, NULL) != 1 ||
		      EVP_CIPHER_CTX_ctrl(x->dctx, EVP_CTRL_AEAD_SET_IVLEN, ivlen, NULL) != 1))
		goto out;
	/* CCM fixes the tag length before the key is set. */
	if (x->type == X_CCM &&
	    (EVP_CIPHER_CTX_ctrl(x->ectx, EVP_CTRL_AEAD_SET_TAG, (int)x->icv_len, NULL) != 1 ||
	     EVP_CIPHER_CTX_ctrl(x->dctx, EVP_CTRL_AEAD_SET_TAG, (int)x->icv_len, NULL) != 1))
		goto out;
	if (EVP_EncryptInit_ex(x->ectx, NULL, NULL, key, NULL) != 1 ||
	    EVP_DecryptInit_ex(x->dctx, NULL, NULL, key, NULL) != 1)
		goto out;
	if (x->type == X_CBC &&
	    (EVP_CIPHER_CTX_set_padding(x->ectx, 0) != 1 ||
	     EVP_CIPHER_CTX_set_padding(x->dctx, 0) != 1))
		goto out;
	ret = 0;
out:
	EVP_CIPHER_free(c);
	return ret;
}

static const char *hmac_digest(unsigned int id)
{
	switch (id) {
	case SADB_AALG_MD5HMAC: return "MD5";
	case SADB_AALG_SHA1HMAC: return "SHA1";
	case SADB_X_AALG_SHA2_256HMAC: return "SHA2-256";
	case SADB_X_AALG_SHA2_384HMAC: return "SHA2-384";
	case SADB_X_AALG_SHA2_512HMAC: return "SHA2-512";
	case SADB_X_AALG_RIPEMD160HMAC: return "RIPEMD-160";
	case SADB_X_AALG_SM3_256HMAC: return "SM3";
	default: return NULL;
	}
}

static int xcbc_setup(struct pfkm_xform *x, const uint8_t *key, size_t key_len)
{
	static const uint8_t c1[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	static const uint8_t c2[16] = { 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2 };
	static const uint8_t c3[16] = { 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3 };
	uint8_t k1[16];
	int outl, ret = -EINVAL;

	if (key_len != 16)
		return -EINVAL;
	x->type = X_XCBC;
	x->ectx = EVP_CIPHER_CTX_new();
	if (!x->ectx)
		return -ENOMEM;
	/* K1, K2, K3 = E(K, 0x01..), E(K, 0x02..), E(K, 0x03..)  (RFC 3566 s4) */
	if (EVP_EncryptInit_ex(x->ectx, EVP_aes_128_ecb(), NULL, key, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(x->ectx, 0) != 1 ||
	    EVP_EncryptUpdate(x->ectx, k1, &outl, c1, 16) != 1 ||
	    EVP_EncryptUpdate(x->ectx, x->xk2, &outl, c2, 16) != 1 ||
	    EVP_EncryptUpdate(x->ectx, x->xk3, &outl, c3, 16) != 1 ||
	    EVP_EncryptInit_ex(x->ectx, NULL, NULL, k1, NULL) != 1)
		goto out;
	ret = 0;
out:
	explicit_bzero(k1, sizeof(k1));
	return ret;
}

static int auth_setup(struct pfkm_xform *x, const uint8_t *key, size_t key_len)
{
	OSSL_PARAM params[2];
	EVP_MAC *mac;
	const char *md;
	EVP_MD *probe;
	int ret;

	if (x->alg->id == SADB_X_AALG_NULL) {
		x->type = X_NULL_AUTH;
		return 0;
	}
	if (x->alg->id == SADB_X_AALG_AES_XCBC_MAC)
		return xcbc_setup(x, key, key_len);
	md = hmac_digest(x->alg->id);
	if (!md)
		return -EOPNOTSUPP;
	probe = EVP_MD_fetch(NULL, md, NULL);
	if (!probe)
		return -EOPNOTSUPP;
	ret = x->icv_len > (size_t)EVP_MD_get_size(probe) ? -EINVAL : 0;
	EVP_MD_free(probe);
	if (ret)
		return ret;
	x->type = X_HMAC;
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		return -EOPNOTSUPP;
	x->mac = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (!x->mac)
		return -ENOMEM;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(x->mac, key, key_len, params) != 1)
		return -EINVAL;
	return 0;
}

/*
 * OpenSSL's answer for what pfkm_xform_create could build: the cipher or
 * digest can be fetched (for ciphers at the smallest key size). keyd has
 * no IPComp data path and keeps such SAs as entries only, so every
 * compression algorithm of the table counts as available.
 */
bool pfkm_xform_available(const struct pfkm_alg *alg)
{
	EVP_CIPHER *c;
	EVP_MD *md;
	enum xtype type;
	const char *name;
	int ivlen;

	switch (alg->kind) {
	case PFKM_ALG_COMP:
		return true;
	case PFKM_ALG_AUTH:
		if (alg->id == SADB_X_AALG_NULL)
			return true;
		if (alg->id == SADB_X_AALG_AES_XCBC_MAC)
			return EVP_aes_128_ecb() != NULL;
		name = hmac_digest(alg->id);
		md = name ? EVP_MD_fetch(NULL, name, NULL) : NULL;
		EVP_MD_free(md);
		return md != NULL;
	case PFKM_ALG_ENC:
		if (alg->id == SADB_EALG_NULL)
			return true;
		c = enc_fetch(alg->id, (size_t)(alg->key_min - alg->salt_bits) / 8, &type, &ivlen);
		EVP_CIPHER_free(c);
		return c != NULL;
	default:
		return false;
	}
}

int pfkm_xform_create(const struct pfkm_alg *alg, const uint8_t *key, size_t key_len,
		      struct pfkm_xform **out)
{
	struct pfkm_xform *x;
	size_t salt_len = alg->salt_bits / 8;
	int ret;

	*out = NULL;
	if (alg->kind != PFKM_ALG_ENC && alg->kind != PFKM_ALG_AUTH)
		return -EOPNOTSUPP;
	if (key_len > SIZE_MAX / 8 || pfkm_alg_key_check(alg, (unsigned int)(key_len * 8)))
		return -EINVAL;
	if (salt_len > sizeof(x->salt) || key_len < salt_len ||
	    alg->icv_bits % 8 || alg->icv_bits / 8 > PFKM_XFORM_ICV_MAX)
		return -EINVAL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->alg = alg;
	x->icv_len = alg->icv_bits / 8;
	x->salt_len = salt_len;
	memcpy(x->salt, key + key_len - salt_len, salt_len);
	if (alg->kind == PFKM_ALG_ENC)
		ret = cipher_setup(x, key, key_len - salt_len);
	else
		ret = auth_setup(x, key, key_len);
	if (ret)
		goto err_setup;
	*out = x;
	return 0;

err_setup:
	pfkm_xform_destroy(x);
	return ret;
}

void pfkm_xform_destroy(struct pfkm_xform *x)
{
	if (!x)
		return;
	/* EVP_*_free cleanse the key schedules they hold. */
	EVP_CIPHER_CTX_free(x->ectx);
	EVP_CIPHER_CTX_free(x->dctx);
	EVP_MAC_CTX_free(x->mac);
	explicit_bzero(x, sizeof(*x));
	free(x);
}

size_t pfkm_xform_icv_len(const struct pfkm_xform *x)
{
	return x->icv_len;
}

/* nonce = salt || iv; 12 bytes (GCM, ChaCha) or 11 (CCM). */
static void make_nonce(const struct pfkm_xform *x, const uint8_t *iv, uint8_t nonce[12])
{
	memcpy(nonce, x->salt, x->salt_len);
	memcpy(nonce + x->salt_len, iv, 8);
}

static int feed_aad(struct pfkm_xform *x, EVP_CIPHER_CTX *ctx, bool enc,
		    const struct pfkm_buf *aad, size_t naad, size_t len)
{
	uint8_t small[64], *flat = small;
	size_t i, total = 0, off = 0;
	int outl, ok = 1;

	if (x->type != X_CCM) {
		for (i = 0; i < naad && ok; i++)
			if (aad[i].n)
				ok = (enc ? EVP_EncryptUpdate : EVP_DecryptUpdate)
					(ctx, NULL, &outl, aad[i].p, (int)aad[i].n);
		return ok == 1 ? 0 : -EINVAL;
	}
	/* CCM wants the message length first and the AAD in one piece. */
	for (i = 0; i < naad; i++)
		total += aad[i].n;
	if (total > sizeof(small)) {
		flat = malloc(total);
		if (!flat)
			return -ENOMEM;
	}
	for (i = 0; i < naad; i++) {
		memcpy(flat + off, aad[i].p, aad[i].n);
		off += aad[i].n;
	}
	ok = (enc ? EVP_EncryptUpdate : EVP_DecryptUpdate)(ctx, NULL, &outl, NULL, (int)len);
	if (ok == 1 && total)
		ok = (enc ? EVP_EncryptUpdate : EVP_DecryptUpdate)(ctx, NULL, &outl, flat, (int)total);
	if (flat != small)
		free(flat);
	return ok == 1 ? 0 : -EINVAL;
}

static bool is_aead(const struct pfkm_xform *x)
{
	return x->type == X_GCM || x->type == X_CCM || x->type == X_CHACHA;
}

int pfkm_xform_aead_seal(struct pfkm_xform *x, const uint8_t *iv,
			 const struct pfkm_buf *aad, size_t naad,
			 uint8_t *data, size_t len, uint8_t *tag)
{
	uint8_t nonce[12], full[16], dummy;
	int outl, ret;

	if (!is_aead(x))
		return -EINVAL;
	if (len > INT32_MAX)
		return -EMSGSIZE;
	if (!data)
		data = &dummy;	/* CCM runs its MAC even for no data */
	make_nonce(x, iv, nonce);
	if (EVP_EncryptInit_ex(x->ectx, NULL, NULL, NULL, nonce) != 1)
		return -EINVAL;
	ret = feed_aad(x, x->ectx, true, aad, naad, len);
	if (ret)
		return ret;
	if ((len || x->type == X_CCM) &&
	    EVP_EncryptUpdate(x->ectx, data, &outl, data, (int)len) != 1)
		return -EINVAL;
	if (EVP_EncryptFinal_ex(x->ectx, full, &outl) != 1)
		return -EINVAL;
	/* GCM and ChaCha always make 16 bytes; ESP sends the leftmost icv_len. */
	if (EVP_CIPHER_CTX_ctrl(x->ectx, EVP_CTRL_AEAD_GET_TAG,
				x->type == X_CCM ? (int)x->icv_len : 16, full) != 1)
		return -EINVAL;
	memcpy(tag, full, x->icv_len);
	return 0;
}

int pfkm_xform_aead_open(struct pfkm_xform *x, const uint8_t *iv,
			 const struct pfkm_buf *aad, size_t naad,
			 uint8_t *data, size_t len, const uint8_t *tag)
{
	uint8_t nonce[12], dummy;
	int outl, ret;

	if (!is_aead(x))
		return -EINVAL;
	if (len > INT32_MAX)
		return -EMSGSIZE;
	if (!data)
		data = &dummy;
	make_nonce(x, iv, nonce);
	if (EVP_DecryptInit_ex(x->dctx, NULL, NULL, NULL, nonce) != 1)
		return -EINVAL;
	if (EVP_CIPHER_CTX_ctrl(x->dctx, EVP_CTRL_AEAD_SET_TAG, (int)x->icv_len,
				(void *)tag) != 1)
		return -EINVAL;
	ret = feed_aad(x, x->dctx, false, aad, naad, len);
	if (ret)
		return ret;
	if (x->type == X_CCM) {
		/* CCM verifies inside the one update that carries the data. */
		if (EVP_DecryptUpdate(x->dctx, data, &outl, data, (int)len) != 1)
			return -EBADMSG;
		return 0;
	}
	if (len && EVP_DecryptUpdate(x->dctx, data, &outl, data, (int)len) != 1)
		return -EINVAL;
	if (EVP_DecryptFinal_ex(x->dctx, nonce, &outl) != 1)
		return -EBADMSG;
	return 0;
}

static int cipher_run(struct pfkm_xform *x, EVP_CIPHER_CTX *ctx, bool enc,
		      const uint8_t *iv, uint8_t *data, size_t len)
{
	uint8_t ctrblk[16], tail[16];
	const uint8_t *ivp = iv;
	int outl;

	if (x->type == X_NULL_ENC)
		return 0;
	if (x->type != X_CBC && x->type != X_CTR)
		return -EINVAL;
	if (len > INT32_MAX)
		return -EMSGSIZE;
	if (x->type == X_CTR) {
		/* RFC 3686 s4: nonce(4) || IV(8) || block counter starting at 1 */
		memcpy(ctrblk, x->salt, 4);
		memcpy(ctrblk + 4, iv, 8);
		memcpy(ctrblk + 12, "\0\0\0\1", 4);
		ivp = ctrblk;
	}
	if ((enc ? EVP_EncryptInit_ex : EVP_DecryptInit_ex)(ctx, NULL, NULL, NULL, ivp) != 1)
		return -EINVAL;
	if (len && (enc ? EVP_EncryptUpdate : EVP_DecryptUpdate)
			(ctx, data, &outl, data, (int)len) != 1)
		return -EINVAL;
	if ((enc ? EVP_EncryptFinal_ex : EVP_DecryptFinal_ex)(ctx, tail, &outl) != 1)
		return -EINVAL;
	return 0;
}

int pfkm_xform_encrypt(struct pfkm_xform *x, const uint8_t *iv, uint8_t *data, size_t len)
{
	return cipher_run(x, x->ectx, true, iv, data, len);
}

int pfkm_xform_decrypt(struct pfkm_xform *x, const uint8_t *iv, uint8_t *data, size_t len)
{
	return cipher_run(x, x->dctx, false, iv, data, len);
}

/* RFC 3566 s4: CBC-MAC under K1 where the last block is XORed with K2 when
 * complete, or padded with 10* and XORed with K3 when not (or empty). */
static int xcbc_mac(struct pfkm_xform *x, const struct pfkm_buf *seg, size_t nseg,
		    uint8_t *icv)
{
	uint8_t e[16] = { 0 }, blk[16];
	size_t i, j, fill = 0;
	int outl, ret = -EINVAL;

	for (i = 0; i < nseg; i++) {
		for (j = 0; j < seg[i].n; j++) {
			if (fill == 16) {	/* a full block with more data after it */
				for (fill = 0; fill < 16; fill++)
					e[fill] ^= blk[fill];
				if (EVP_EncryptUpdate(x->ectx, e, &outl, e, 16) != 1)
					goto out;
				fill = 0;
			}
			blk[fill++] = seg[i].p[j];
		}
	}
	if (fill == 16) {
		for (j = 0; j < 16; j++)
			e[j] ^= blk[j] ^ x->xk2[j];
	} else {
		blk[fill] = 0x80;
		memset(blk + fill + 1, 0, 15 - fill);
		for (j = 0; j < 16; j++)
			e[j] ^= blk[j] ^ x->xk3[j];
	}
	if (EVP_EncryptUpdate(x->ectx, e, &outl, e, 16) != 1)
		goto out;
	memcpy(icv, e, x->icv_len);
	ret = 0;
out:
	explicit_bzero(e, sizeof(e));
	explicit_bzero(blk, sizeof(blk));
	return ret;
}

int pfkm_xform_mac(struct pfkm_xform *x, const struct pfkm_buf *seg, size_t nseg,
		   uint8_t *icv)
{
	uint8_t full[EVP_MAX_MD_SIZE];
	size_t i, outl;

	switch (x->type) {
	case X_NULL_AUTH:
		return 0;
	case X_XCBC:
		return xcbc_mac(x, seg, nseg, icv);
	case X_HMAC:
		break;
	default:
		return -EINVAL;
	}
	/* A NULL key re-initialises HMAC with the key set at create time. */
	if (EVP_MAC_init(x->mac, NULL, 0, NULL) != 1)
		return -EINVAL;
	for (i = 0; i < nseg; i++)
		if (seg[i].n && EVP_MAC_update(x->mac, seg[i].p, seg[i].n) != 1)
			return -EINVAL;
	if (EVP_MAC_final(x->mac, full, &outl, sizeof(full)) != 1)
		return -EINVAL;
	memcpy(icv, full, x->icv_len);
	explicit_bzero(full, sizeof(full));
	return 0;
}
