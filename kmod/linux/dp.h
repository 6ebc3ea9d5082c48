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

struct seq_file;
struct net;
/* The data-path lines of /proc/net/pfkeyv2 (af_pfkey.c's show calls it
 * after the core's lines): global counters "name: N", then one "sa ..."
 * line per SA. Prints nothing while the data path has no state in net
 * (module load/unload, a failed namespace init). Process context. */
void pfkm_dp_kproc_show(struct seq_file *m, struct net *net);

#endif /* PFKM_LINUX_DP_H */
