/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * compat.h: the only place that knows kernel versions. Everything else in
 * kmod/linux uses the newest API spelling and this file maps it back.
 * Supported: 5.10 .. current (Debian 11 backports, Debian 12's 6.1, 6.x);
 * built warning-, sparse- and checkpatch-clean and tested (tests/vm/run.sh)
 * on Debian's 6.1 and 6.12. checkpatch's LINUX_VERSION_CODE warnings are
 * this file's purpose and stay.
 */
#ifndef PFKM_COMPAT_H
#define PFKM_COMPAT_H

#include <linux/version.h>
#include <linux/skbuff.h>
#include <net/sock.h>

/* 5.19 dropped skb_recv_datagram()'s separate noblock argument. */
static inline struct sk_buff *pfkm_skb_recv_datagram(struct sock *sk, unsigned int flags,
						     int *err)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 19, 0)
	return skb_recv_datagram(sk, flags, flags & MSG_DONTWAIT, err);
#else
	return skb_recv_datagram(sk, flags, err);
#endif
}

/* 6.1 renamed sock_recv_ts_and_drops() to sock_recv_cmsgs(). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#define sock_recv_cmsgs(msg, sk, skb) sock_recv_ts_and_drops((msg), (sk), (skb))
#endif

/* 6.5 removed proto_ops.sendpage (splice goes through sendmsg). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
#define PFKM_HAVE_SENDPAGE 1
#endif

#endif /* PFKM_COMPAT_H */
