/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * alg.h: the algorithm registry shared by the kernel core, keyd and the
 * userspace tools: SADB id <-> setkey name (and aliases) <-> key, salt, ICV
 * and IV sizes <-> kernel crypto API name. One table, so the TUI, keysh, keyd
 * and pfkeyv2.ko agree on what is valid.
 *
 * Key sizes count the whole sadb_key payload, i.e. cipher key plus the salt
 * or nonce where the algorithm has one (RFC 3686 CTR and RFC 4106 GCM: 32
 * bits, RFC 4309 CCM: 24 bits, RFC 7634 ChaCha20-Poly1305: 32 bits).
 */
#ifndef PFKM_ALG_H
#define PFKM_ALG_H

#include "wire.h"

enum pfkm_alg_kind {
	PFKM_ALG_UNKNOWN = 0,
	PFKM_ALG_AUTH,
	PFKM_ALG_ENC,
	PFKM_ALG_COMP,
};

struct pfkm_alg {
	enum pfkm_alg_kind kind;
	uint8_t id;			/* SADB_[X_]{A,E,C}ALG_* */
	const char *name;		/* setkey spelling, printed by dumps */
	const char *aliases[3];		/* accepted on input */
	uint16_t key_min, key_max;	/* bits, salt included */
	uint16_t key_step;		/* allowed sizes: min, min+step, .. max */
	uint8_t salt_bits;		/* trailing salt/nonce inside the key */
	uint16_t icv_bits;		/* ICV we use (RFC 4868 for SHA-2) */
	uint16_t afkey_icv_bits;	/* ICV Linux af_key/xfrm uses */
	uint8_t sadb_ivlen;		/* sadb_alg_ivlen as Linux advertises */
	uint8_t iv_bytes;		/* IV carried in each ESP packet */
	uint8_t block_bytes;		/* padding boundary for ESP */
	uint16_t sadb_minbits, sadb_maxbits; /* advertised in SUPPORTED */
	bool aead;			/* combined mode: no separate -A */
	bool afkey;			/* Linux af_key accepts/advertises it */
	const char *crypto_name;	/* kernel crypto API name */
};

/* Lookups return NULL when unknown. Names are matched exactly, aliases too. */
const struct pfkm_alg *pfkm_alg_by_id(enum pfkm_alg_kind kind, unsigned int id);
const struct pfkm_alg *pfkm_alg_by_name(enum pfkm_alg_kind kind, const char *name);
/* i-th entry of a kind in SUPPORTED order (Linux order, our additions last). */
const struct pfkm_alg *pfkm_alg_at(enum pfkm_alg_kind kind, unsigned int i);
/* 0 if bits is an allowed key size for alg, else -EINVAL. */
int pfkm_alg_key_check(const struct pfkm_alg *alg, unsigned int bits);

#endif /* PFKM_ALG_H */
