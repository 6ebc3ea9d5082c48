/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * af_pfkey.h: registration of the PF_KEY family (af_pfkey.c) for main.c.
 */
#ifndef PFKM_AF_PFKEY_H
#define PFKM_AF_PFKEY_H

/* Register proto, pernet state and the socket family. -EEXIST (with a
 * pr_err naming af_key) when another module owns PF_KEY.
 */
int pfkm_af_init(void);
/* Unregister; every namespace's SADB/SPD is destroyed with its contents. */
void pfkm_af_exit(void);

struct net;
struct pfkm_net;
/* The core of a namespace (created by our pernet init, destroyed by its
 * exit): for kmod/linux code with a struct net in hand.
 */
struct pfkm_net *pfkm_af_core_net(struct net *net);

#endif /* PFKM_AF_PFKEY_H */
