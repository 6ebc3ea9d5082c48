// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * xfrm_lft.c: owns the translation of lifetimes between PF_KEY (struct
 * pfkm_lifetime: hard, soft and current; a limit of 0 is none) and xfrm
 * (struct xfrm_lifetime_cfg, where none is XFRM_INF, and struct
 * xfrm_lifetime_cur), as af_key's pfkey_msg2xfrm_state / pfkey_spdadd and
 * their dumps do it; shared by xfrm_sa.c and xfrm_pol.c.
 */
#include "store_xfrm.h"

static u64 lim_to(u64 v)
{
	return v ? v : XFRM_INF;
}

static u64 lim_from(u64 v)
{
	return v == XFRM_INF ? 0 : v;
}

void pfkm_xfrm_lft_to(const struct pfkm_lifetime *hard, const struct pfkm_lifetime *soft,
		      struct xfrm_lifetime_cfg *lft)
{
	lft->hard_packet_limit = lim_to(hard->packets);
	lft->hard_byte_limit = lim_to(hard->bytes);
	lft->hard_add_expires_seconds = hard->addtime;
	lft->hard_use_expires_seconds = hard->usetime;
	lft->soft_packet_limit = lim_to(soft->packets);
	lft->soft_byte_limit = lim_to(soft->bytes);
	lft->soft_add_expires_seconds = soft->addtime;
	lft->soft_use_expires_seconds = soft->usetime;
}

void pfkm_xfrm_lft_from(const struct xfrm_lifetime_cfg *lft, const struct xfrm_lifetime_cur *cur,
			struct pfkm_lifetime *hard, struct pfkm_lifetime *soft,
			struct pfkm_lifetime *now)
{
	hard->packets = lim_from(lft->hard_packet_limit);
	hard->bytes = lim_from(lft->hard_byte_limit);
	hard->addtime = lft->hard_add_expires_seconds;
	hard->usetime = lft->hard_use_expires_seconds;
	soft->packets = lim_from(lft->soft_packet_limit);
	soft->bytes = lim_from(lft->soft_byte_limit);
	soft->addtime = lft->soft_add_expires_seconds;
	soft->usetime = lft->soft_use_expires_seconds;
	now->packets = cur->packets;
	now->bytes = cur->bytes;
	now->addtime = cur->add_time;
	now->usetime = cur->use_time;
}
