/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * xform.h: the crypto interface the host provides to the ESP/AH code of the
 * core (esp.c, ah.c). One transform is one keyed algorithm of one SA:
 * an AEAD (alg->aead), a cipher (PFKM_ALG_ENC, !aead) or a MAC
 * (PFKM_ALG_AUTH). Implementations:
 *   - kmod/core/xform_user.c   OpenSSL 3 EVP (keyd, unit tests, fuzzers)
 *   - kmod/linux/xform_kernel.c pfkm_xform_available only (pfkeyv2.ko has
 *                               no packet path: the kernel xfrm does AH/ESP)
 *
 * Key bytes are the whole sadb_key payload: the cipher key followed by the
 * alg->salt_bits / 8 bytes of salt (RFC 4106/4543 GCM and GMAC 4, RFC 4309
 * CCM 3, RFC 7634 ChaCha20-Poly1305 4, RFC 3686 CTR 4 bytes of nonce). The
 * transform splits them; callers never see the salt again.
 *
 * IVs passed in are the alg->iv_bytes carried in the packet. The transform
 * builds the algorithm's nonce / counter block from salt and IV:
 *   GCM, GMAC, ChaCha20-Poly1305: salt(4) || iv(8)
 *   CCM:                          salt(3) || iv(8)   (L = 4)
 *   CTR:                          nonce(4) || iv(8) || 00000001
 *   CBC:                          iv is the CBC IV
 *
 * Concurrency: calls on one transform are serialized by the caller (the SA
 * holds it under its lock or uses one transform per CPU); different
 * transforms are independent. Data is processed in place. Sizes are checked
 * by the caller (esp.c/ah.c): a transform trusts len to be a multiple of the
 * block size for block ciphers and icv_len to be the algorithm's.
 */
#ifndef PFKM_XFORM_H
#define PFKM_XFORM_H

#include "alg.h"

struct pfkm_xform;

/* One contiguous piece of input; AAD and MAC input are lists of these so
 * the caller need not copy SPI || seq || IV || payload (|| ESN high) together. */
struct pfkm_buf {
	const uint8_t *p;
	size_t n;
};

/* Largest ICV (a full HMAC-SHA-512; ESP/AH send at most 32) and IV (CBC). */
#define PFKM_XFORM_ICV_MAX 64u
#define PFKM_XFORM_IV_MAX 16u

/*
 * Whether this host can provide alg at all (af_key's xfrm_probe_algs /
 * crypto_has_*: an algorithm whose module is absent or cannot be loaded is
 * unavailable). PF_KEY advertises only available algorithms in SUPPORTED
 * and PROPOSAL and refuses an ADD/UPDATE naming another (ENOSYS). Any kind,
 * IPComp included. May sleep (the kernel may try to load a module); the
 * core calls it under the net mutex and caches the answer per net.
 */
bool pfkm_xform_available(const struct pfkm_alg *alg);

/*
 * Create a transform for alg keyed with key[key_len] (salt included).
 * Returns 0, -EINVAL (key size not allowed for alg), -EOPNOTSUPP (algorithm
 * not implemented by this host) or -ENOMEM. The transform keeps its own copy
 * of the key material; the caller may wipe key afterwards.
 */
int pfkm_xform_create(const struct pfkm_alg *alg, const uint8_t *key, size_t key_len,
		      struct pfkm_xform **out);
/* Destroy a transform, wiping every copy of the key. NULL is a no-op. */
void pfkm_xform_destroy(struct pfkm_xform *x);

/* ICV bytes the transform produces (alg->icv_bits / 8; 0 for ciphers). */
size_t pfkm_xform_icv_len(const struct pfkm_xform *x);

/*
 * AEAD (alg->aead): authenticate aad[0..naad) and data[0..len), encrypting
 * data in place, and write icv_len bytes of tag. NULL-AES-GMAC is an AEAD
 * whose callers pass everything as AAD and len = 0.
 * aead_open verifies the tag in constant time before releasing plaintext:
 * -EBADMSG on mismatch (data content is then unspecified and must be dropped).
 */
int pfkm_xform_aead_seal(struct pfkm_xform *x, const uint8_t *iv,
			 const struct pfkm_buf *aad, size_t naad,
			 uint8_t *data, size_t len, uint8_t *tag);
int pfkm_xform_aead_open(struct pfkm_xform *x, const uint8_t *iv,
			 const struct pfkm_buf *aad, size_t naad,
			 uint8_t *data, size_t len, const uint8_t *tag);

/* Cipher (PFKM_ALG_ENC, !aead): encrypt / decrypt data in place. NULL
 * encryption copies nothing and succeeds. */
int pfkm_xform_encrypt(struct pfkm_xform *x, const uint8_t *iv, uint8_t *data, size_t len);
int pfkm_xform_decrypt(struct pfkm_xform *x, const uint8_t *iv, uint8_t *data, size_t len);

/* MAC (PFKM_ALG_AUTH): icv = MAC(key, seg[0] || .. || seg[nseg-1]) truncated
 * to icv_len bytes (96 bits for MD5/SHA-1/XCBC, RFC 4868 sizes for SHA-2). */
int pfkm_xform_mac(struct pfkm_xform *x, const struct pfkm_buf *seg, size_t nseg,
		   uint8_t *icv);

/* Constant-time comparison for ICVs: 0 when equal. Timing depends on n only,
 * so a forger learns nothing about how many tag bytes were right. */
static inline int pfkm_xform_ct_cmp(const uint8_t *a, const uint8_t *b, size_t n)
{
	volatile uint8_t d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d != 0;
}

#endif /* PFKM_XFORM_H */
