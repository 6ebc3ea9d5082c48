// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * xform_kernel.c: xform.h on the kernel crypto API, for pfkeyv2.ko (the
 * userspace twin is kmod/core/xform_user.c on OpenSSL).
 *
 * Any implementation may be chosen (asynchronous ones included: the SIMD
 * wrappers of aesni's "gcm(aes)" / "cbc(aes)" are what esp4 uses too).
 * Every call waits for its request (crypto_wait_req), so it completes
 * before it returns; callers must be in process context (they are: the
 * data-path worker of dp_hook.c, PF_KEY requests, module self-tests) and
 * may hold the net mutex. In process context the SIMD wrappers run the
 * AES-NI/PCLMUL code synchronously, so the wait is normally not taken.
 * The salt/nonce is split off here and the nonce built per call from
 * salt || IV, which lets one generic AEAD ("gcm(aes)", "ccm(aes)",
 * "rfc7539(chacha20,poly1305)") take arbitrary AAD pieces instead of the
 * fixed ESP layouts rfc4106/rfc4309/rfc7539esp expect. RFC 3686 CTR is the
 * kernel's "rfc3686(ctr(aes))", which takes key || nonce and an 8-byte IV.
 *
 * Data is encrypted in place through a scatterlist over the caller's
 * buffer (the skb's linear data). Scatterlists must not point at the stack
 * (VMAP_STACK) or vmalloc memory (the core's kvzalloc'd buffers, AAD built
 * on the stack), so only such pieces are copied into the transform's
 * bounce buffer and back; it is wiped after each use and freed wiped.
 * Each transform owns one preallocated request: calls on one transform are
 * serialized by the caller (xform.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <crypto/aead.h>
#include <crypto/skcipher.h>
#include <crypto/hash.h>
#include <linux/crypto.h>
#include "xform.h"

enum xtype {
	X_UNKNOWN = 0,
	X_GCM,		/* AES-GCM (RFC 4106) and NULL-AES-GMAC (RFC 4543) */
	X_CCM,		/* AES-CCM (RFC 4309) */
	X_CHACHA,	/* ChaCha20-Poly1305 (RFC 7634) */
	X_CIPHER,	/* CBC ciphers, RFC 3686 CTR */
	X_NULL_ENC,	/* NULL encryption (RFC 2410) */
	X_MAC,		/* HMACs, AES-XCBC-MAC */
	X_NULL_AUTH,
};

struct pfkm_xform {
	const struct pfkm_alg *alg;
	enum xtype type;
	size_t icv_len;
	size_t salt_len;
	u8 salt[4];
	struct crypto_aead *aead;
	struct crypto_skcipher *cipher;
	struct crypto_shash *mac;
	/* preallocated per transform: calls on one transform are serialized */
	struct aead_request *areq;
	struct skcipher_request *sreq;
	u8 *bounce;			/* only for memory a scatterlist cannot map */
	size_t bounce_len;
};

static int map_alloc_err(long err)
{
	/* Missing algorithm (module absent): report "not implemented here". */
	return err == -ENOENT ? -EOPNOTSUPP : (int)err;
}

static int aead_setup(struct pfkm_xform *x, const char *name, const u8 *key, size_t key_len)
{
	struct crypto_aead *a = crypto_alloc_aead(name, 0, 0);

	if (IS_ERR(a))
		return map_alloc_err(PTR_ERR(a));
	x->aead = a;
	x->areq = aead_request_alloc(a, GFP_KERNEL);
	if (!x->areq)
		return -ENOMEM;
	if (crypto_aead_setkey(a, key, key_len))
		return -EINVAL;
	if (crypto_aead_setauthsize(a, x->type == X_GCM && !x->icv_len ? 16 : x->icv_len))
		return -EINVAL;
	return 0;
}

static int cipher_setup(struct pfkm_xform *x, const u8 *key, size_t key_len)
{
	const struct pfkm_alg *a = x->alg;
	struct crypto_skcipher *c;

	switch (a->id) {
	case SADB_X_EALG_AES_GCM_ICV8:
	case SADB_X_EALG_AES_GCM_ICV12:
	case SADB_X_EALG_AES_GCM_ICV16:
	case SADB_X_EALG_NULL_AES_GMAC:
		x->type = X_GCM;
		return aead_setup(x, "gcm(aes)", key, key_len - x->salt_len);
	case SADB_X_EALG_AES_CCM_ICV8:
	case SADB_X_EALG_AES_CCM_ICV12:
	case SADB_X_EALG_AES_CCM_ICV16:
		x->type = X_CCM;
		return aead_setup(x, "ccm(aes)", key, key_len - x->salt_len);
	case SADB_X_EALG_CHACHA20_POLY1305:
		x->type = X_CHACHA;
		return aead_setup(x, "rfc7539(chacha20,poly1305)", key, key_len - x->salt_len);
	case SADB_EALG_NULL:
		x->type = X_NULL_ENC;
		return 0;
	default:
		break;
	}
	if (!a->crypto_name || a->aead)
		return -EOPNOTSUPP;
	x->type = X_CIPHER;
	c = crypto_alloc_skcipher(a->crypto_name, 0, 0);
	if (IS_ERR(c))
		return map_alloc_err(PTR_ERR(c));
	x->cipher = c;
	x->sreq = skcipher_request_alloc(c, GFP_KERNEL);
	if (!x->sreq)
		return -ENOMEM;
	/* rfc3686(ctr(aes)) keeps the nonce inside its key. */
	if (crypto_skcipher_setkey(c, key, a->id == SADB_X_EALG_AESCTR ? key_len
								      : key_len - x->salt_len))
		return -EINVAL;
	return 0;
}

static int auth_setup(struct pfkm_xform *x, const u8 *key, size_t key_len)
{
	struct crypto_shash *h;

	if (x->alg->id == SADB_X_AALG_NULL) {
		x->type = X_NULL_AUTH;
		return 0;
	}
	if (!x->alg->crypto_name)
		return -EOPNOTSUPP;
	h = crypto_alloc_shash(x->alg->crypto_name, 0, 0);
	if (IS_ERR(h))
		return map_alloc_err(PTR_ERR(h));
	x->mac = h;
	x->type = X_MAC;
	if (x->icv_len > crypto_shash_digestsize(h))
		return -EINVAL;
	if (crypto_shash_setkey(h, key, key_len))
		return -EINVAL;
	return 0;
}

/*
 * The probes xfrm_probe_algs makes, on the names Linux's xfrm tables use
 * (alg->crypto_name): crypto_has_ahash for authentication,
 * crypto_has_skcipher for ciphers, crypto_has_comp for IPComp, and for the
 * AEADs af_key lacks the AEAD type. Asynchronous implementations count, as
 * in af_key, so both modules advertise the same list on one kernel.
 */
bool pfkm_xform_available(const struct pfkm_alg *alg)
{
	const char *name = alg->crypto_name;

	if (!name)
		return false;
	switch (alg->kind) {
	case PFKM_ALG_AUTH:
		return crypto_has_ahash(name, 0, 0) > 0;
	case PFKM_ALG_ENC:
		if (alg->aead)
			return crypto_has_alg(name, CRYPTO_ALG_TYPE_AEAD, CRYPTO_ALG_TYPE_MASK) > 0;
		return crypto_has_skcipher(name, 0, 0) > 0;
	case PFKM_ALG_COMP:
		return crypto_has_comp(name, 0, CRYPTO_ALG_ASYNC) > 0;
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
	x = kzalloc(sizeof(*x), GFP_KERNEL);
	if (!x)
		return -ENOMEM;
	x->alg = alg;
	x->icv_len = alg->icv_bits / 8;
	x->salt_len = salt_len;
	memcpy(x->salt, key + key_len - salt_len, salt_len);
	if (alg->kind == PFKM_ALG_ENC)
		ret = cipher_setup(x, key, key_len);
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
	/* crypto_free_* wipe the key schedules (tfm exit + kfree_sensitive). */
	aead_request_free(x->areq);
	skcipher_request_free(x->sreq);
	kfree_sensitive(x->bounce);
	if (x->aead)
		crypto_free_aead(x->aead);
	if (x->cipher)
		crypto_free_skcipher(x->cipher);
	if (x->mac)
		crypto_free_shash(x->mac);
	kfree_sensitive(x);
}

size_t pfkm_xform_icv_len(const struct pfkm_xform *x)
{
	return x->icv_len;
}

/* GCM, ChaCha: 12-byte nonce salt || iv. CCM: the 16-byte counter-0 block
 * B0 flags byte L' = L - 1 = 3, then the 11-byte nonce salt(3) || iv(8). */
static unsigned int make_iv(const struct pfkm_xform *x, const u8 *iv, u8 out[16])
{
	memset(out, 0, 16);
	if (x->type == X_CCM) {
		out[0] = 3;
		memcpy(out + 1, x->salt, 3);
		memcpy(out + 4, iv, 8);
		return 16;
	}
	memcpy(out, x->salt, x->salt_len);
	memcpy(out + x->salt_len, iv, 8);
	return 12;
}

/* sg entries for one aead_run: AAD pieces, data, tag, one spare. */
#define X_SG_MAX 6

/*
 * Point sg entry *n at p[0 .. len). Memory a scatterlist may not reference
 * (the stack under VMAP_STACK, vmalloc'd buffers) is copied into x->bounce
 * at *boff first; copy_back tells the caller to copy it back afterwards.
 */
static int sg_add(struct pfkm_xform *x, struct scatterlist *sg, unsigned int *n,
		  const u8 *p, size_t len, size_t *boff, bool *bounced)
{
	if (!len)
		return 0;
	if (*n >= X_SG_MAX)
		return -EINVAL;
	if (virt_addr_valid(p) && virt_addr_valid(p + len - 1)) {
		sg_set_buf(&sg[(*n)++], p, len);
		return 0;
	}
	if (*boff + len > x->bounce_len)
		return -EMSGSIZE;
	memcpy(x->bounce + *boff, p, len);
	sg_set_buf(&sg[(*n)++], x->bounce + *boff, len);
	*boff += len;
	*bounced = true;
	return 0;
}

/* Grow the bounce buffer to n bytes (only non-sg-able callers need it:
 * self-tests on vmalloc'd buffers, AAD on the stack). */
static int bounce_reserve(struct pfkm_xform *x, size_t n)
{
	u8 *b;

	if (n <= x->bounce_len)
		return 0;
	b = kmalloc(n, GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	kfree_sensitive(x->bounce);
	x->bounce = b;
	x->bounce_len = n;
	return 0;
}

/*
 * Packets are processed in place through a scatterlist over the caller's
 * memory: AAD pieces, data, and the tag (one entry with data when it
 * follows it, as in ESP). Only pieces a scatterlist cannot point at (the
 * core's AAD built on the stack) are copied, into the transform's bounce
 * buffer, and data copied there is copied back. The request is the
 * transform's own (the caller serializes calls on one transform).
 */
static int aead_run(struct pfkm_xform *x, bool enc, const u8 *iv,
		    const struct pfkm_buf *aad, size_t naad, u8 *data, size_t len, u8 *tag)
{
	struct aead_request *req = x->areq;
	struct scatterlist sg[X_SG_MAX];
	size_t i, alen = 0, boff = 0, need = 0, dpos, tpos;
	unsigned int n = 0;
	bool bounced = false, joined;
	u8 nonce[16];
	DECLARE_CRYPTO_WAIT(wait);
	int ret;

	if (!x->aead || !req)
		return -EINVAL;
	for (i = 0; i < naad; i++) {
		alen += aad[i].n;
		if (!(virt_addr_valid(aad[i].p) && virt_addr_valid(aad[i].p + aad[i].n - 1)))
			need += aad[i].n;
	}
	if (alen > UINT_MAX / 2 || len > UINT_MAX / 2)
		return -EMSGSIZE;
	joined = len && tag == data + len;
	if (len && !(virt_addr_valid(data) && virt_addr_valid(data + len - 1 +
							     (joined ? x->icv_len : 0))))
		need += len + (joined ? x->icv_len : 0);
	if (!joined && !(virt_addr_valid(tag) && virt_addr_valid(tag + x->icv_len - 1)))
		need += x->icv_len;
	ret = bounce_reserve(x, need);
	if (ret)
		return ret;
	sg_init_table(sg, X_SG_MAX);
	for (i = 0; i < naad && !ret; i++)
		ret = sg_add(x, sg, &n, aad[i].p, aad[i].n, &boff, &bounced);
	dpos = boff;
	if (!ret)
		ret = sg_add(x, sg, &n, data, len + (joined ? x->icv_len : 0), &boff, &bounced);
	tpos = boff;
	if (!ret && !joined)
		ret = sg_add(x, sg, &n, tag, x->icv_len, &boff, &bounced);
	if (ret)
		goto out;
	sg_mark_end(&sg[n - 1]);
	make_iv(x, iv, nonce);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG | CRYPTO_TFM_REQ_MAY_SLEEP,
				  crypto_req_done, &wait);
	aead_request_set_ad(req, alen);
	aead_request_set_crypt(req, sg, sg, enc ? len : len + x->icv_len, nonce);
	ret = crypto_wait_req(enc ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req), &wait);
	if (ret || !bounced)
		goto out;
	/* copy back what went through the bounce buffer */
	if (len && !(virt_addr_valid(data) && virt_addr_valid(data + len - 1 +
							     (joined ? x->icv_len : 0))))
		memcpy(data, x->bounce + dpos, len + (joined ? x->icv_len : 0));
	if (!joined && !(virt_addr_valid(tag) && virt_addr_valid(tag + x->icv_len - 1)))
		memcpy(tag, x->bounce + tpos, x->icv_len);
out:
	if (bounced)
		memzero_explicit(x->bounce, boff);
	memzero_explicit(nonce, sizeof(nonce));
	return ret;
}

int pfkm_xform_aead_seal(struct pfkm_xform *x, const uint8_t *iv,
			 const struct pfkm_buf *aad, size_t naad,
			 uint8_t *data, size_t len, uint8_t *tag)
{
	return aead_run(x, true, iv, aad, naad, data, len, tag);
}

int pfkm_xform_aead_open(struct pfkm_xform *x, const uint8_t *iv,
			 const struct pfkm_buf *aad, size_t naad,
			 uint8_t *data, size_t len, const uint8_t *tag)
{
	return aead_run(x, false, iv, aad, naad, data, len, (u8 *)tag);
}

static int cipher_run(struct pfkm_xform *x, bool enc, const u8 *iv, u8 *data, size_t len)
{
	struct skcipher_request *req = x->sreq;
	struct scatterlist sg;
	u8 ivbuf[PFKM_XFORM_IV_MAX];
	unsigned int ivlen;
	DECLARE_CRYPTO_WAIT(wait);
	bool flat;
	u8 *b;
	int ret;

	if (x->type == X_NULL_ENC)
		return 0;
	if (x->type != X_CIPHER || !req)
		return -EINVAL;
	if (!len)
		return 0;
	if (len > UINT_MAX)
		return -EMSGSIZE;
	ivlen = crypto_skcipher_ivsize(x->cipher);
	if (ivlen > sizeof(ivbuf))
		return -EINVAL;
	memcpy(ivbuf, iv, ivlen);	/* the request updates its IV buffer */
	flat = virt_addr_valid(data) && virt_addr_valid(data + len - 1);
	if (!flat) {
		ret = bounce_reserve(x, len);
		if (ret)
			return ret;
		memcpy(x->bounce, data, len);
	}
	b = flat ? data : x->bounce;
	sg_init_one(&sg, b, len);
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG | CRYPTO_TFM_REQ_MAY_SLEEP,
				      crypto_req_done, &wait);
	skcipher_request_set_crypt(req, &sg, &sg, len, ivbuf);
	ret = crypto_wait_req(enc ? crypto_skcipher_encrypt(req) : crypto_skcipher_decrypt(req),
			      &wait);
	if (!flat) {
		if (!ret)
			memcpy(data, b, len);
		memzero_explicit(x->bounce, len);
	}
	return ret;
}

int pfkm_xform_encrypt(struct pfkm_xform *x, const uint8_t *iv, uint8_t *data, size_t len)
{
	return cipher_run(x, true, iv, data, len);
}

int pfkm_xform_decrypt(struct pfkm_xform *x, const uint8_t *iv, uint8_t *data, size_t len)
{
	return cipher_run(x, false, iv, data, len);
}

int pfkm_xform_mac(struct pfkm_xform *x, const struct pfkm_buf *seg, size_t nseg,
		   uint8_t *icv)
{
	u8 full[HASH_MAX_DIGESTSIZE];
	size_t i;
	int ret;

	if (x->type == X_NULL_AUTH)
		return 0;
	if (x->type != X_MAC)
		return -EINVAL;
	{
		SHASH_DESC_ON_STACK(desc, x->mac);

		desc->tfm = x->mac;
		ret = crypto_shash_init(desc);
		for (i = 0; !ret && i < nseg; i++)
			if (seg[i].n)
				ret = crypto_shash_update(desc, seg[i].p, seg[i].n);
		if (!ret)
			ret = crypto_shash_final(desc, full);
		shash_desc_zero(desc);
	}
	if (!ret)
		memcpy(icv, full, x->icv_len);
	memzero_explicit(full, sizeof(full));
	return ret;
}
