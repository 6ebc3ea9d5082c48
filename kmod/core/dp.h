/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * dp.h: packet decisions of one pfkm_net on flat IPv4/IPv6 buffers (the portable
 * data path of issue 7): outbound SPD match and template -> SA selection
 * with ESP/AH transport or tunnel encapsulation; inbound (dst, SPI, proto)
 * lookup, replay check, decapsulation and the inbound policy check.
 *
 * Per-SA data-path state (ESP/AH transform, replay window, sequence
 * counter, packet counters) is reached from the SA in O(1) (sa->dp) and
 * validated against (spi, proto, add_ms) on each use. dp.c owns and frees
 * it: the SADB never reads sa->dp, so a removed SA's state stays in the
 * table of struct pfkm_dp until pfkm_dp_gc (the kernel glue calls it every
 * few seconds) finds the SA gone by its exact key and frees it.
 *
 * Locking: every call takes net->lock (a sleeping mutex): callers run in
 * process context (the kernel glue queues packets to a work item).
 */
#ifndef PFKM_DP_H
#define PFKM_DP_H

#include "pfkey.h"

struct pfkm_dp;

/* Per-SA counters (also what pfkm_dp_sa_stats reports). */
struct pfkm_dp_sa_stats {
	uint64_t packets, bytes, auth_fail, replay_drop, other_drop;
};

/* Global counters. unknown_spi: inbound ESP/AH with no SA here (handed
 * back to the host stack, which drops it unless it has a state of its own).
 * seq_overflow: outbound SAs whose sequence numbers ran out (each then hard
 * expired; the packet is also in errors).
 * hold / hold_sent / hold_timeout: packets kept by pfkm_dp_hold, released
 * by pfkm_dp_hold_poll because their SAs came, dropped because they did not. */
struct pfkm_dp_stats {
	uint64_t out_xform, in_xform, policy_drop, discard, no_sa, no_state, errors, unknown_spi;
	uint64_t seq_overflow;
	uint64_t hold, hold_sent, hold_timeout;
};

/* One SA the data path has used, as pfkm_dp_sa_each reports it. */
struct pfkm_dp_sa_info {
	unsigned int family;		/* AF_INET / AF_INET6 */
	uint8_t daddr[16];		/* network order, 4 bytes for AF_INET */
	uint32_t spi_be;
	uint8_t proto;			/* IPPROTO_ESP / IPPROTO_AH */
	struct pfkm_dp_sa_stats st;
};

int pfkm_dp_create(struct pfkm_net *net, struct pfkm_dp **out);
void pfkm_dp_destroy(struct pfkm_dp *dp);
/* Drop side-table entries whose SA is gone from the SADB. */
void pfkm_dp_gc(struct pfkm_dp *dp);
/* True when the net has any policy (hooks may skip work otherwise). */
bool pfkm_dp_active(struct pfkm_dp *dp);

#define PFKM_DP_PASS	0	/* packet untouched, let it go */
#define PFKM_DP_XFORM	1	/* buf/len rewritten, send the result */

/*
 * Outbound: buf[0 .. *len) is an IPv4 or IPv6 packet, cap the room in buf
 * (IPv6: transport mode; ESP needs the upper layer right after the base
 * header, -EOPNOTSUPP otherwise; tunnel mode -EAFNOSUPPORT). Returns
 * PASS, XFORM, or a drop: -EPERM (policy discard), -EAGAIN (SA missing:
 * ACQUIRE sent by the core, rate-limited), -EMSGSIZE (no room),
 * -EOVERFLOW (sequence numbers exhausted: the SA was hard expired and
 * removed, later packets find no SA), other -errno.
 */
int pfkm_dp_output(struct pfkm_dp *dp, uint8_t *buf, size_t cap, size_t *len);

/*
 * Inbound: buf[0 .. *len) is an IPv4 or IPv6 packet addressed to us (IPv6:
 * ESP/AH right after the base header). ESP/AH for
 * our SAs is decapsulated (repeatedly: AH over ESP, tunnel in tunnel), then
 * the result is checked against the `in` policy. Returns PASS, XFORM, or a
 * drop: -EPERM (policy discard or IPsec required but missing: counted in
 * policy_drop), -EBADMSG (auth failure), -EEXIST/-ESTALE (replay),
 * -ESRCH (outermost ESP/AH has no SA here; buf untouched, the host may
 * hand it to another IPsec stack), -ENOENT (an inner one has none),
 * -EINVAL (malformed).
 */
int pfkm_dp_input(struct pfkm_dp *dp, uint8_t *buf, size_t *len);

void pfkm_dp_stats_get(struct pfkm_dp *dp, struct pfkm_dp_stats *st);
/* Counters of the SA (daddr network order in a sockaddr, spi network order);
 * -ENOENT when the data path has not used it. */
int pfkm_dp_sa_stats(struct pfkm_dp *dp, const struct sockaddr *dst, uint32_t spi_be,
		     uint8_t proto, struct pfkm_dp_sa_stats *st);

/* Set the last outbound sequence number sent on a usable SA (the next
 * packet carries last + 1), as xfrm's XFRM_MSG_NEWAE replay value does for
 * state handed over between hosts. 32-bit sequence numbers (no ESN): once
 * 2^32 - 1 has been sent the next packet is dropped, -EOVERFLOW, and the SA
 * hard expired. -ENOENT when no such usable SA, -ERANGE beyond 2^32 - 1. */
int pfkm_dp_sa_seq_set(struct pfkm_dp *dp, const struct sockaddr *dst, uint32_t spi_be,
		       uint8_t proto, uint64_t last);

/* Call fn for every SA still in the SADB that the data path has state for,
 * under net->lock (fn must not call back into the core). */
void pfkm_dp_sa_each(struct pfkm_dp *dp, void (*fn)(void *arg, const struct pfkm_dp_sa_info *),
		     void *arg);

/*
 * ACQUIRE hold (xfrm's larval queue): an outbound packet for which
 * pfkm_dp_output returned -EAGAIN (a template's SA missing, ACQUIRE sent)
 * may be kept until a key manager adds the SA, instead of being dropped.
 * The core keeps opaque host handles (pkt, e.g. an sk_buff) in order, at
 * most PFKM_DP_HOLD_PER_FLOW per (source, destination) pair and
 * PFKM_DP_HOLD_MAX in all, each for PFKM_DP_HOLD_MS.
 *
 * pfkm_dp_hold: buf[0 .. len) is the packet (unchanged by the -EAGAIN
 * output call). 0: held, the core owns pkt until it hands it back;
 * -ENOSPC (queue full) / -EINVAL: not held, the caller drops it.
 *
 * pfkm_dp_hold_poll: hands back, oldest first, every held packet whose
 * flow now has all required SAs (fn(arg, pkt, true): run it through
 * pfkm_dp_output again; also when its policy is gone, which then decides)
 * or whose time is up (fn(arg, pkt, false): drop it). fn is called without
 * net->lock, so it may call pfkm_dp_output. Returns how many are still
 * held: the host polls again (every 100 ms or so) while that is non-zero.
 *
 * pfkm_dp_hold_flush: hands every held packet back with false (teardown:
 * the host must call it before pfkm_dp_destroy). Not counted as timeouts.
 */
#define PFKM_DP_HOLD_PER_FLOW 4
#define PFKM_DP_HOLD_MAX 32
#define PFKM_DP_HOLD_MS 5000

int pfkm_dp_hold(struct pfkm_dp *dp, const uint8_t *buf, size_t len, void *pkt);
unsigned int pfkm_dp_hold_poll(struct pfkm_dp *dp, void (*fn)(void *arg, void *pkt, bool send),
			       void *arg);
void pfkm_dp_hold_flush(struct pfkm_dp *dp, void (*fn)(void *arg, void *pkt, bool send),
			void *arg);

#endif /* PFKM_DP_H */
