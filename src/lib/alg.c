// SPDX-License-Identifier: BSD-2-Clause
/*
 * alg.c: libpfkey's helpers over the shared algorithm table
 * (kmod/core/alg.c): default key sizes and per-protocol name lists for
 * completion and pick-lists. The table itself is never copied here.
 */
#include "pfk.h"

size_t pfk_alg_default_key_bytes(const struct pfkm_alg *alg)
{
	if (!alg)
		return 0;
	return ((size_t)alg->key_min + 7) / 8;
}

/* Which kinds of algorithm a protocol takes: ESP enc+auth, AH auth, IPComp comp. */
static bool allowed(enum pfk_satype t, enum pfkm_alg_kind kind)
{
	switch (t) {
	case PFK_SATYPE_ESP:
		return kind == PFKM_ALG_ENC || kind == PFKM_ALG_AUTH;
	case PFK_SATYPE_AH:
		return kind == PFKM_ALG_AUTH;
	case PFK_SATYPE_IPCOMP:
		return kind == PFKM_ALG_COMP;
	default:
		return false;
	}
}

size_t pfk_alg_names(enum pfk_satype t, enum pfkm_alg_kind kind,
		     const char **out, size_t max)
{
	const struct pfkm_alg *a;
	unsigned int i;
	size_t n = 0;

	if (!allowed(t, kind))
		return 0;
	for (i = 0; (a = pfkm_alg_at(kind, i)) != NULL; i++) {
		if (n < max && out)
			out[n] = a->name;
		n++;
	}
	/* out == NULL: how many there are; else how many were stored. */
	return out && n > max ? max : n;
}
