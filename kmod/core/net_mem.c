// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * net_mem.c: owns the PF_KEY engine on the in-memory store (store_mem.c):
 * pfkm_net_create() and the way from an engine to its memory tables. Kept
 * out of sock.c so that pfkeyv2.ko, whose engine runs on the kernel's xfrm
 * (pfkm_net_create_on with the xfrm store), links none of the memory store
 * (Kbuild leaves out this file, store_mem.c, sadb.c, spd.c, expire.c and
 * acquire.c); keyd, keysh's in-process engine and the unit tests use it.
 */
#include "store_mem.h"
#include "net.h"

int pfkm_net_create(struct pfkm_net **out)
{
	return pfkm_net_create_on(pfkm_store_mem_create, NULL, out);
}

struct pfkm_mem *pfkm_mem_of(struct pfkm_net *net)
{
	return pfkm_store_mem(net->store);
}
