/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * esp.h: RFC 4303 ESP on a flat buffer, for one direction of one SA.
 * Mode agnostic: ESP protects a payload with a next-header value (4 / 41
 * for a whole inner packet in tunnel mode, the upper protocol in transport
 * mode); the caller builds and strips the IP headers around it.
 *
 * Wire layout:  SPI(4) | seq low(4) | IV | payload | pad | padlen | nh | ICV
 *                        `-- AEAD AAD: SPI || [seq high] || seq low --'
 * - Padding is the RFC 4303 default 1, 2, 3 ..; the payload plus the two
 *   trailer bytes is aligned to the cipher block, at least 4 bytes. Decap
 *   checks every pad byte.
 * - IV: CBC ciphers get a fresh random IV; counter modes (GCM, CCM,
 *   ChaCha20-Poly1305, GMAC, CTR) use the 64-bit sequence number XORed with
 *   a random per-SA value (Linux's seqiv), unique because seq never wraps.
 * - Integrity: AEADs per RFC 4106/4309/7634 (NULL-AES-GMAC per RFC 4543:
 *   everything from SPI to the trailer is AAD), otherwise encrypt-then-MAC
 *   with ICV = MAC(SPI .. end of ciphertext [|| seq high with ESN]).
 * - ESN: only the low 32 bits travel; decap infers the high half from the
 *   replay window and authenticates it.
 */
#ifndef PFKM_ESP_H
#define PFKM_ESP_H

#include "xform.h"
#include "replay.h"

#define PFKM_ESP_HDR 8u		/* SPI + sequence number */

struct pfkm_esp {
	uint32_t spi;			/* host byte order */
	bool esn;
	bool gmac;			/* NULL-AES-GMAC: authenticate only */
	bool random_iv;			/* CBC: fresh random IV per packet */
	uint8_t iv_len, align, icv_len;
	uint64_t iv_mask;		/* seqiv: IV = seq ^ iv_mask */
	const struct pfkm_alg *enc, *auth;
	struct pfkm_xform *ex, *ax;	/* ax NULL for AEADs / no auth */
};

/* What decap found. The payload is decrypted in place at buf + payload_off. */
struct pfkm_esp_rx {
	uint64_t seq;			/* full (ESN-inferred) sequence number */
	size_t payload_off;
	size_t payload_len;
	uint8_t next_hdr;		/* 59: dummy packet (RFC 4303 s2.6), drop it */
};

/*
 * Set up esp for SPI spi (host order). enc is required (SADB_EALG_NULL for
 * integrity-only ESP); auth is NULL or SADB_X_AALG_NULL for AEADs and for
 * encryption-only SAs. Keys include the salt (alg.h). -EINVAL for invalid
 * combinations (AEAD with a MAC, NULL with NULL) or key sizes, -EOPNOTSUPP
 * when the host lacks an algorithm, -ENOMEM.
 */
int pfkm_esp_init(struct pfkm_esp *esp, uint32_t spi, bool esn,
		  const struct pfkm_alg *enc, const uint8_t *ekey, size_t ekey_len,
		  const struct pfkm_alg *auth, const uint8_t *akey, size_t akey_len);
/* Free the transforms (keys wiped). Safe on a zeroed or failed esp. */
void pfkm_esp_fini(struct pfkm_esp *esp);

/* Bytes in front of the payload (SPI, seq, IV): where the caller puts it. */
size_t pfkm_esp_hdr_len(const struct pfkm_esp *esp);
/* Total ESP length for a payload of payload_len bytes (header to ICV). */
size_t pfkm_esp_encap_len(const struct pfkm_esp *esp, size_t payload_len);

/*
 * Encapsulate in place: buf holds payload_len bytes of payload at
 * buf + pfkm_esp_hdr_len(); on success buf[0 .. *out_len) is the ESP packet.
 * seq comes from pfkm_replay_seq_next() (a 32-bit SA refuses seq > 2^32-1
 * with -EOVERFLOW). iv is NULL (chosen as above) or iv_len bytes to use,
 * for known-answer tests. -EMSGSIZE if cap < pfkm_esp_encap_len().
 */
int pfkm_esp_encap(struct pfkm_esp *esp, uint64_t seq, uint8_t next_hdr, const uint8_t *iv,
		   uint8_t *buf, size_t cap, size_t payload_len, size_t *out_len);

/*
 * Decapsulate buf[0 .. len), an ESP packet starting at the SPI. rp is the
 * SA's replay window (NULL: no anti-replay; required with ESN). Order: SPI,
 * replay check, ICV, decrypt, window update, trailer. Errors: -EINVAL
 * (malformed, wrong SPI, bad padding), -ESTALE / -EEXIST (replay, see
 * replay.h), -EBADMSG (ICV mismatch). On error the buffer content is
 * unspecified and the packet must be dropped.
 */
int pfkm_esp_decap(struct pfkm_esp *esp, struct pfkm_replay *rp, uint8_t *buf, size_t len,
		   struct pfkm_esp_rx *rx);

/* Known-answer self-tests (selftest/esp.c): 0, or -ENOTRECOVERABLE after
 * logging the first failure. Run by module init (debug) and the unit tests. */
int pfkm_selftest_esp(void);

#endif /* PFKM_ESP_H */
