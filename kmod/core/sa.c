// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * sa.c: owns struct pfkm_sa as an object (sadb.h): allocation, its keys
 * (one secret allocation, wiped when freed), its PF_KEY state and the
 * satype <-> IP protocol mapping. Shared by every store and the request
 * engine; the memory store's indexes are sadb.c's (not in pfkeyv2.ko).
 */
#include "sadb.h"

struct pfkm_sa *pfkm_sadb_sa_alloc(void)
{
	struct pfkm_sa *sa = os_zalloc(sizeof(*sa));

	if (sa) {
		sa->all.next = sa->all.prev = &sa->all;
		sa->all.marker = false;
	}
	return sa;
}

/* Both keys live in one allocation (auth bytes, then enc bytes): one heap
 * object less per SA. Its start is auth_key, or enc_key without auth key. */
static size_t key_bytes(unsigned int bits)
{
	return ((size_t)bits + 7) / 8;
}

static void keys_free(struct pfkm_sa *sa)
{
	os_free_secret(sa->auth_key ? sa->auth_key : sa->enc_key,
		       key_bytes(sa->auth_bits) + key_bytes(sa->enc_bits));
}

void pfkm_sadb_sa_free(struct pfkm_sa *sa)
{
	if (!sa)
		return;
	/* the weak reference sa->dp points at (sadb.h) */
	if (sa->dp)
		*(struct pfkm_sa **)sa->dp = NULL;
	keys_free(sa);
	os_free_secret(sa, sizeof(*sa));
}

int pfkm_sadb_sa_set_key(struct pfkm_sa *sa, bool auth, const void *key, unsigned int bits)
{
	unsigned int abits = auth ? bits : sa->auth_bits, ebits = auth ? sa->enc_bits : bits;
	size_t na = key_bytes(abits), ne = key_bytes(ebits);
	uint8_t *k = NULL;

	if (na + ne) {
		k = os_zalloc(na + ne);
		if (!k)
			return -ENOMEM;
		if (na)
			memcpy(k, auth ? key : sa->auth_key, na);
		if (ne)
			memcpy(k + na, auth ? sa->enc_key : key, ne);
	}
	keys_free(sa);
	sa->auth_key = na ? k : NULL;
	sa->enc_key = ne ? k + na : NULL;
	sa->auth_bits = (uint16_t)abits;
	sa->enc_bits = (uint16_t)ebits;
	return 0;
}

uint8_t pfkm_sa_wire_state(const struct pfkm_sa *sa)
{
	switch (sa->state) {
	case PFKM_SA_LARVAL:
		return SADB_SASTATE_LARVAL;
	case PFKM_SA_MATURE:
		return sa->dying ? SADB_SASTATE_DYING : SADB_SASTATE_MATURE;
	default:
		/* __pfkey_xfrm_state2msg: every state but VALID and ACQ is DEAD,
		 * so DELETE, hard EXPIRE and the UPDATE of a mature SA (whose
		 * request copy xfrm_state_update marks dead) all say DEAD. */
		return SADB_SASTATE_DEAD;
	}
}

uint8_t pfkm_sa_proto2satype(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_AH:
		return SADB_SATYPE_AH;
	case IPPROTO_ESP:
		return SADB_SATYPE_ESP;
	case IPPROTO_COMP:
		return SADB_X_SATYPE_IPCOMP;
	default:
		return 0;
	}
}

uint8_t pfkm_sa_satype2proto(uint8_t satype)
{
	switch (satype) {
	case SADB_SATYPE_UNSPEC:
		return IPSEC_PROTO_ANY;
	case SADB_SATYPE_AH:
		return IPPROTO_AH;
	case SADB_SATYPE_ESP:
		return IPPROTO_ESP;
	case SADB_X_SATYPE_IPCOMP:
		return IPPROTO_COMP;
	default:
		return 0;
	}
}
