// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * xform_kernel.c: the part of xform.h pfkeyv2.ko provides, which algorithms
 * this kernel can run (REGISTER's SUPPORTED lists, ADD/UPDATE refusal with
 * ENOSYS). The module has no packet path of its own (the kernel's xfrm and
 * esp4/esp6/ah4/ah6 do AH and ESP), so the transforms of xform.h (create,
 * seal/open, encrypt/decrypt, mac) are not built here: their only host is
 * kmod/core/xform_user.c (OpenSSL) for the user-space data path and tests.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <crypto/skcipher.h>
#include <crypto/hash.h>
#include <linux/crypto.h>
#include "xform.h"

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
