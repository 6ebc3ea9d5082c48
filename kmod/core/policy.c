// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * policy.c: owns the lifetime of struct pfkm_policy (spd.h): allocation
 * and its reference count. Shared by every store and the request engine;
 * the memory store's indexes are spd.c's (not in pfkeyv2.ko).
 */
#include "spd.h"

struct pfkm_policy *pfkm_spd_policy_alloc(void)
{
	struct pfkm_policy *p = os_zalloc(sizeof(*p));

	if (p) {
		p->refcnt = 1;
		p->all.next = p->all.prev = &p->all;
	}
	return p;
}

void pfkm_spd_policy_hold(struct pfkm_policy *pol)
{
	pol->refcnt++;
}

void pfkm_spd_policy_put(struct pfkm_policy *pol)
{
	if (pol && --pol->refcnt == 0)
		os_free(pol);
}
