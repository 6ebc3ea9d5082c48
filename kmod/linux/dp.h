/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * dp.h: the IPv4/IPv6 packet hooks of pfkeyv2.ko (dp_hook.c) around the portable
 * data path kmod/core/dp.c.
 *
 * Wiring: dp_hook.c finds a namespace's core with pfkm_af_core_net
 * (af_pfkey.c); main.c calls pfkm_dp_kinit() after pfkm_af_init() and
 * pfkm_dp_kexit() before pfkm_af_exit() (pernet order: our namespace state
 * is created after, and destroyed before, the core it points to).
 */
#ifndef PFKM_LINUX_DP_H
#define PFKM_LINUX_DP_H

int pfkm_dp_kinit(void);
void pfkm_dp_kexit(void);

#endif /* PFKM_LINUX_DP_H */
