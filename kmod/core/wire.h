/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * wire.h: PF_KEY v2 wire definitions shared by the kernel module, keyd and
 * every userspace tool. Message, extension, SA-type and algorithm numbers come
 * from Linux's uapi <linux/pfkeyv2.h> and <linux/ipsec.h>; this file only adds
 * what those headers lack, each marked as a keysh extension.
 */
#ifndef PFKM_WIRE_H
#define PFKM_WIRE_H

#include "os.h"
#include <linux/pfkeyv2.h>
#include <linux/ipsec.h>

/*
 * keysh extension: ChaCha20-Poly1305 (RFC 7634) has no Linux SADB number.
 * The 2023 upstream proposal used 25; we use the same value so that a kernel
 * that ever adopts it stays compatible. Defined here and nowhere else.
 */
#ifndef SADB_X_EALG_CHACHA20_POLY1305
#define SADB_X_EALG_CHACHA20_POLY1305 25
#endif

/*
 * keysh extension: the SA uses 64-bit extended sequence numbers (RFC 4303
 * 2.2.1, xfrm's XFRM_STATE_ESN) in sadb_sa_flags; FreeBSD's netipsec uses
 * the same bit for the same thing. pfkeyv2.ko on xfrm honours it (with a
 * replay window > 0); af_key ignores it.
 */
#ifndef SADB_X_SAFLAGS_ESN
#define SADB_X_SAFLAGS_ESN 0x400
#endif

/* Lengths on the wire count 8-byte units. */
#define PFKM_UNIT 8u
#define PFKM_ALIGN8(n) (((n) + 7u) & ~(size_t)7u)
#define PFKM_UNITS(n) (PFKM_ALIGN8(n) / PFKM_UNIT)

/* Linux's IPsec depth limit for templates in one policy (XFRM_MAX_DEPTH). */
#define PFKM_MAX_TEMPLATES 6
/* Largest message we build or accept: sadb_msg_len is 16 bits of units. */
#define PFKM_MSG_MAX (0xffffu * PFKM_UNIT)

/* Broadcast targets, numbered as af_key's BROADCAST_* */
enum pfkm_bcast {
	PFKM_BCAST_ALL = 0,
	PFKM_BCAST_ONE = 1,
	PFKM_BCAST_REGISTERED = 2,
	PFKM_BCAST_PROMISC_ONLY = 4,
};

#endif /* PFKM_WIRE_H */
