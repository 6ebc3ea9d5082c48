// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * esp.c: ESP (RFC 4303) header, IV, padding, trailer and ICV handling on a
 * flat buffer; the cryptography itself goes through xform.h. See esp.h for
 * the layout and the calling protocol.
 */
#include "esp.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int pfkm_esp_init(struct pfkm_esp *esp, uint32_t spi, bool esn,
		  const struct pfkm_alg *enc, const uint8_t *ekey, size_t ekey_len,
		  const struct pfkm_alg *auth, const uint8_t *akey, size_t akey_len)
{
	int ret;

	memset(esp, 0, sizeof(*esp));
	if (!enc || enc->kind != PFKM_ALG_ENC)
		return -EINVAL;
	if (auth && auth->kind != PFKM_ALG_AUTH)
		return -EINVAL;
	if (auth && auth->id == SADB_X_AALG_NULL)
		auth = NULL;
	/* An AEAD carries its own ICV; NULL encryption needs a MAC (RFC 4303 s3.2). */
	if ((enc->aead && auth) || (enc->id == SADB_EALG_NULL && !auth))
		return -EINVAL;
	if (enc->iv_bytes > PFKM_XFORM_IV_MAX || (enc->aead && enc->iv_bytes != 8))
		return -EINVAL;
	esp->spi = spi;
	esp->esn = esn;
	esp->enc = enc;
	esp->auth = auth;
	esp->gmac = enc->id == SADB_X_EALG_NULL_AES_GMAC;
	esp->iv_len = enc->iv_bytes;
	esp->align = enc->block_bytes > 4 ? enc->block_bytes : 4;
	esp->random_iv = !enc->aead && enc->id != SADB_X_EALG_AESCTR && enc->iv_bytes;
	ret = pfkm_xform_create(enc, ekey, ekey_len, &esp->ex);
	if (ret)
		goto err_enc;
	if (auth) {
		ret = pfkm_xform_create(auth, akey, akey_len, &esp->ax);
		if (ret)
			goto err_auth;
		esp->icv_len = (uint8_t)pfkm_xform_icv_len(esp->ax);
	} else {
		esp->icv_len = (uint8_t)pfkm_xform_icv_len(esp->ex);
	}
	/* seqiv: distinct SAs sharing a manual key still get distinct nonces. */
	os_random(&esp->iv_mask, sizeof(esp->iv_mask));
	return 0;

err_auth:
	pfkm_xform_destroy(esp->ex);
err_enc:
	memset(esp, 0, sizeof(*esp));
	return ret;
}

void pfkm_esp_fini(struct pfkm_esp *esp)
{
	pfkm_xform_destroy(esp->ax);
	pfkm_xform_destroy(esp->ex);
	os_wipe(esp, sizeof(*esp));
}

size_t pfkm_esp_hdr_len(const struct pfkm_esp *esp)
{
	return PFKM_ESP_HDR + esp->iv_len;
}

static size_t padded_len(const struct pfkm_esp *esp, size_t payload_len)
{
	return (payload_len + 2 + esp->align - 1) / esp->align * esp->align;
}

size_t pfkm_esp_encap_len(const struct pfkm_esp *esp, size_t payload_len)
{
	return pfkm_esp_hdr_len(esp) + padded_len(esp, payload_len) + esp->icv_len;
}

/* AEAD AAD (RFC 4106 s5, RFC 4309 s5, RFC 7634 s3): SPI || [seq hi] || seq lo. */
static size_t make_aad(const struct pfkm_esp *esp, const uint8_t *pkt, uint64_t seq,
		       uint8_t aad[12])
{
	memcpy(aad, pkt, 4);
	if (!esp->esn) {
		memcpy(aad + 4, pkt + 4, 4);
		return 8;
	}
	put32(aad + 4, (uint32_t)(seq >> 32));
	memcpy(aad + 8, pkt + 4, 4);
	return 12;
}

/* The ICV (MAC or AEAD tag) of buf[0 .. hl + clen); decrypt says which way. */
static int protect(struct pfkm_esp *esp, uint64_t seq, uint8_t *buf, size_t hl,
		   size_t clen, uint8_t *icv, bool seal)
{
	uint8_t *iv = buf + PFKM_ESP_HDR, *data = buf + hl;
	uint8_t aad[12], seqhi[4];
	struct pfkm_buf seg[3];
	size_t alen;

	if (esp->enc->aead) {
		alen = make_aad(esp, buf, seq, aad);
		seg[0] = (struct pfkm_buf){ aad, alen };
		if (esp->gmac) {
			/* RFC 4543 s3.3: AAD = SPI || seq || IV || payload+trailer */
			seg[1] = (struct pfkm_buf){ iv, esp->iv_len };
			seg[2] = (struct pfkm_buf){ data, clen };
			return seal ? pfkm_xform_aead_seal(esp->ex, iv, seg, 3, NULL, 0, icv)
				    : pfkm_xform_aead_open(esp->ex, iv, seg, 3, NULL, 0, icv);
		}
		return seal ? pfkm_xform_aead_seal(esp->ex, iv, seg, 1, data, clen, icv)
			    : pfkm_xform_aead_open(esp->ex, iv, seg, 1, data, clen, icv);
	}
	/* RFC 4303 s2.2.1 / s3.3.2.1: ESN high bits are MACed after the payload. */
	seg[0] = (struct pfkm_buf){ buf, hl + clen };
	put32(seqhi, (uint32_t)(seq >> 32));
	seg[1] = (struct pfkm_buf){ seqhi, esp->esn ? 4u : 0u };
	return pfkm_xform_mac(esp->ax, seg, 2, icv);
}

int pfkm_esp_encap(struct pfkm_esp *esp, uint64_t seq, uint8_t next_hdr, const uint8_t *iv,
		   uint8_t *buf, size_t cap, size_t payload_len, size_t *out_len)
{
	size_t hl = pfkm_esp_hdr_len(esp), clen, padlen, i;
	uint8_t *data = buf + hl, *ivp = buf + PFKM_ESP_HDR;
	uint64_t v;
	int ret;

	if (!esp->ex)
		return -EINVAL;
	if (seq == 0 || (!esp->esn && seq > UINT32_MAX))
		return -EOVERFLOW;
	if (payload_len > cap || cap - payload_len < hl + esp->align + esp->icv_len)
		return -EMSGSIZE;
	clen = padded_len(esp, payload_len);
	if (pfkm_esp_encap_len(esp, payload_len) > cap)
		return -EMSGSIZE;
	padlen = clen - payload_len - 2;
	for (i = 0; i < padlen; i++)
		data[payload_len + i] = (uint8_t)(i + 1);
	data[clen - 2] = (uint8_t)padlen;
	data[clen - 1] = next_hdr;

	put32(buf, esp->spi);
	put32(buf + 4, (uint32_t)seq);
	if (iv) {
		memcpy(ivp, iv, esp->iv_len);
	} else if (esp->random_iv) {
		os_random(ivp, esp->iv_len);
	} else if (esp->iv_len) {
		v = seq ^ esp->iv_mask;
		put32(ivp, (uint32_t)(v >> 32));
		put32(ivp + 4, (uint32_t)v);
	}

	if (esp->enc->aead) {
		ret = protect(esp, seq, buf, hl, clen, data + clen, true);
	} else {
		ret = pfkm_xform_encrypt(esp->ex, ivp, data, clen);
		if (!ret && esp->ax)
			ret = protect(esp, seq, buf, hl, clen, data + clen, true);
	}
	if (ret)
		return ret;
	*out_len = hl + clen + esp->icv_len;
	return 0;
}

int pfkm_esp_decap(struct pfkm_esp *esp, struct pfkm_replay *rp, uint8_t *buf, size_t len,
		   struct pfkm_esp_rx *rx)
{
	size_t hl = pfkm_esp_hdr_len(esp), clen, padlen, i;
	uint8_t icv[PFKM_XFORM_ICV_MAX], *data = buf + hl;
	uint64_t seq;
	int ret;

	if (!esp->ex)
		return -EINVAL;
	if (len < hl + 2 + esp->icv_len)
		return -EINVAL;
	clen = len - hl - esp->icv_len;
	/* Block ciphers need whole blocks; everything else is 4-byte aligned
	 * by the sender but we only require what decryption needs. */
	if (esp->enc->block_bytes > 4 && clen % esp->enc->block_bytes)
		return -EINVAL;
	if (get32(buf) != esp->spi)
		return -EINVAL;
	if ((esp->esn && !rp) || (rp && rp->esn != esp->esn))
		return -EINVAL;
	seq = rp ? pfkm_replay_infer(rp, get32(buf + 4)) : get32(buf + 4);
	if (rp) {
		ret = pfkm_replay_check(rp, seq);
		if (ret)
			return ret;
	}

	if (esp->enc->aead) {
		ret = protect(esp, seq, buf, hl, clen, data + clen, false);
		if (ret)
			return ret;
	} else {
		if (esp->ax) {
			ret = protect(esp, seq, buf, hl, clen, icv, true);
			if (ret)
				return ret;
			if (pfkm_xform_ct_cmp(icv, data + clen, esp->icv_len))
				return -EBADMSG;
		}
		ret = pfkm_xform_decrypt(esp->ex, buf + PFKM_ESP_HDR, data, clen);
		if (ret)
			return ret;
	}
	/* Authenticated: only now may the packet move the window. */
	if (rp) {
		ret = pfkm_replay_advance(rp, seq);
		if (ret)
			return ret;
	}

	padlen = data[clen - 2];
	if (padlen + 2 > clen)
		return -EINVAL;
	for (i = 0; i < padlen; i++)
		if (data[clen - 2 - padlen + i] != (uint8_t)(i + 1))
			return -EINVAL;
	rx->seq = seq;
	rx->payload_off = hl;
	rx->payload_len = clen - 2 - padlen;
	rx->next_hdr = data[clen - 1];
	return 0;
}

#include "selftest/esp.c"
