// fuzz-links: core
// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_esp.c: hostile packets against kmod/core ESP and AH decapsulation for
 * fixed SAs (AES-GCM-16 with ESN, AES-CBC + HMAC-SHA1, ChaCha20-Poly1305,
 * NULL + HMAC-MD5, AH HMAC-SHA-256). The first input byte picks a target:
 *   - raw decap of the rest as an ESP / AH packet (must fail cleanly);
 *   - "authenticated garbage": the rest is sealed under the SA's own
 *     transform exactly as given (any trailer, any pad length) and then
 *     decapsulated, so the trailer parsing after a valid ICV is reached;
 *   - round trip: the rest is a payload (ESP) or an IP packet (AH); a
 *     successful encap must decap back to the same bytes, else abort().
 * Sanitizers catch out-of-bounds reads and writes; a semantic violation
 * aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "esp.h"
#include "ah.h"

#define BUF 4096

struct esp_sa {
	const char *enc, *auth;
	bool esn;
	struct pfkm_esp tx, rx;
	struct pfkm_replay rp;
	uint64_t last;
};

static struct esp_sa esps[] = {
	{ "aes-gcm-16", NULL, true },
	{ "aes-cbc", "hmac-sha1", false },
	{ "chacha20-poly1305", NULL, false },
	{ "null", "hmac-md5", false },
};
static struct pfkm_ah ah_tx, ah_rx;
static struct pfkm_replay ah_rp;
static uint64_t ah_last;
static bool ready;

static void setup(void)
{
	uint8_t key[64];
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 13 + 1);
	for (i = 0; i < sizeof(esps) / sizeof(esps[0]); i++) {
		struct esp_sa *s = &esps[i];
		const struct pfkm_alg *e = pfkm_alg_by_name(PFKM_ALG_ENC, s->enc);
		const struct pfkm_alg *a = s->auth ? pfkm_alg_by_name(PFKM_ALG_AUTH, s->auth) : NULL;

		if (!e || pfkm_esp_init(&s->tx, 0x1000 + (uint32_t)i, s->esn, e, key, e->key_min / 8,
					a, key, a ? a->key_min / 8 : 0) ||
		    pfkm_esp_init(&s->rx, 0x1000 + (uint32_t)i, s->esn, e, key, e->key_min / 8,
				  a, key, a ? a->key_min / 8 : 0) ||
		    pfkm_replay_init(&s->rp, 1024, s->esn))
			abort();
	}
	if (pfkm_ah_init(&ah_tx, 0x2000, false, pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha256"),
			 key, 32) ||
	    pfkm_ah_init(&ah_rx, 0x2000, false, pfkm_alg_by_name(PFKM_ALG_AUTH, "hmac-sha256"),
			 key, 32) ||
	    pfkm_replay_init(&ah_rp, 128, false))
		abort();
	ready = true;
}

/* Seal data as the whole plaintext (trailer included) of an ESP packet. */
static size_t seal_raw(struct pfkm_esp *esp, uint32_t seq, const uint8_t *data, size_t n,
		       uint8_t *pkt)
{
	size_t hl = pfkm_esp_hdr_len(esp), bs = esp->enc->block_bytes;
	uint8_t aad[8];
	struct pfkm_buf seg;
	int ret;

	if (bs > 1)
		n -= n % bs;	/* a block cipher only seals whole blocks */
	if (n < 2 || hl + n + esp->icv_len > BUF)
		return 0;
	aad[0] = (uint8_t)(esp->spi >> 24); aad[1] = (uint8_t)(esp->spi >> 16);
	aad[2] = (uint8_t)(esp->spi >> 8); aad[3] = (uint8_t)esp->spi;
	aad[4] = (uint8_t)(seq >> 24); aad[5] = (uint8_t)(seq >> 16);
	aad[6] = (uint8_t)(seq >> 8); aad[7] = (uint8_t)seq;
	memcpy(pkt, aad, 8);
	memset(pkt + 8, 0x5a, esp->iv_len);
	memcpy(pkt + hl, data, n);
	if (esp->enc->aead) {
		uint8_t full[12];

		if (esp->esn)
			return 0;	/* AAD would need the high half: covered by round trip */
		memcpy(full, aad, 8);
		seg = (struct pfkm_buf){ full, 8 };
		ret = pfkm_xform_aead_seal(esp->ex, pkt + 8, &seg, 1, pkt + hl, n, pkt + hl + n);
	} else {
		ret = pfkm_xform_encrypt(esp->ex, pkt + 8, pkt + hl, n);
		seg = (struct pfkm_buf){ pkt, hl + n };
		if (!ret)
			ret = pfkm_xform_mac(esp->ax, &seg, 1, pkt + hl + n);
	}
	return ret ? 0 : hl + n + esp->icv_len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[BUF];
	struct pfkm_esp_rx erx;
	struct pfkm_ah_rx arx;
	struct esp_sa *s;
	uint64_t seq;
	size_t n, nsa = sizeof(esps) / sizeof(esps[0]);
	unsigned int sel;
	int ret;

	if (!ready)
		setup();
	if (size < 1 || size > BUF - 128)
		return 0;
	sel = data[0];
	data++;
	size--;
	s = &esps[(sel >> 2) % nsa];
	memcpy(pkt, data, size);

	switch (sel & 3) {
	case 0:		/* raw hostile ESP, then raw hostile AH */
		if (pfkm_esp_decap(&s->rx, &s->rp, pkt, size, &erx) == 0)
			abort();	/* forging an ICV by chance: impossible */
		memcpy(pkt, data, size);
		if (pfkm_ah_decap(&ah_rx, &ah_rp, pkt, size, &arx) == 0)
			abort();
		break;
	case 1:		/* authenticated garbage trailer */
		if (pfkm_replay_seq_next(&s->last, s->esn, &seq))
			break;
		n = seal_raw(&s->rx, (uint32_t)seq, data, size, pkt);
		if (!n)
			break;
		ret = pfkm_esp_decap(&s->rx, &s->rp, pkt, n, &erx);
		if (ret == 0 && erx.payload_off + erx.payload_len + 2 > n)
			abort();
		if (ret && ret != -EINVAL)
			abort();	/* authenticated, so only the trailer can be wrong */
		break;
	case 2:		/* ESP round trip of an arbitrary payload */
		if (pfkm_replay_seq_next(&s->last, s->esn, &seq))
			break;
		n = pfkm_esp_hdr_len(&s->tx);
		memcpy(pkt + n, data, size);
		if (pfkm_esp_encap(&s->tx, seq, (uint8_t)sel, NULL, pkt, BUF, size, &n))
			abort();
		if (pfkm_esp_decap(&s->rx, &s->rp, pkt, n, &erx) || erx.seq != seq ||
		    erx.payload_len != size || erx.next_hdr != (uint8_t)sel ||
		    memcmp(pkt + erx.payload_off, data, size))
			abort();
		break;
	case 3:		/* AH round trip of an arbitrary IP packet */
		if (pfkm_replay_seq_next(&ah_last, false, &seq))
			break;
		if (pfkm_ah_encap(&ah_tx, seq, pkt, BUF, size, &n))
			break;	/* not an IP packet AH can protect */
		/* What encap could authenticate, decap must accept. */
		ret = pfkm_ah_decap(&ah_rx, &ah_rp, pkt, n, &arx);
		if (ret || arx.seq != seq || arx.len != size)
			abort();
		/* Everything but the mutable fields the ICV ignores comes back. */
		if ((data[0] >> 4) == 4 && memcmp(pkt + 12, data + 12, size - 12))
			abort();
		if ((data[0] >> 4) == 6 && memcmp(pkt + 8, data + 8, size - 8))
			abort();
		break;
	}
	return 0;
}
