/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * dp.h: packet decisions of one pfkm_net on flat IPv4/IPv6 buffers (the portable
 * data path of issue 7): outbound SPD match and template -> SA selection
 * with ESP/AH transport or tunnel encapsulation (tunnels of either family
 * around either family) and the path MTU check; inbound (dst, SPI, proto)
 * lookup, replay check, decapsulation and the `in` or `fwd` policy check;
 * RFC 3948 UDP encapsulation of ESP for esp-udp SAs (natt.c) both ways;
 * forwarded packets' `fwd` check and outbound processing.
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
struct pfkm_sa;

/* Per-SA counters (also what pfkm_dp_sa_stats reports). packets/bytes:
 * those that went through the SA (outbound: bytes before its
 * encapsulation; inbound: after its decapsulation), exactly what its
 * CURRENT lifetime counts; the drop counters are not in CURRENT. */
struct pfkm_dp_sa_stats {
	uint64_t packets, bytes, auth_fail, replay_drop, other_drop;
};

/* Global counters. unknown_spi: inbound ESP/AH with no SA here (handed
 * back to the host stack, which drops it unless it has a state of its own).
 * seq_overflow: outbound SAs whose sequence numbers ran out (each then hard
 * expired; the packet is also in errors).
 * too_big: outbound packets refused by the path MTU check (the host then
 * sends ICMP "fragmentation needed" / "packet too big").
 * hold / hold_sent / hold_timeout: packets kept by pfkm_dp_hold, released
 * by pfkm_dp_hold_poll because their SAs came, dropped because they did not.
 * natt_no_sa: UDP datagrams to a NAT-T port (one an esp-udp SA uses)
 * carrying ESP that no esp-udp SA with that destination port takes (or
 * with a bad UDP length or checksum): dropped.
 * natt_keepalive: NAT keepalives (RFC 3948 2.3) to a NAT-T port, dropped. */
struct pfkm_dp_stats {
	uint64_t out_xform, in_xform, policy_drop, discard, no_sa, no_state, errors, unknown_spi;
	uint64_t seq_overflow, too_big;
	uint64_t hold, hold_sent, hold_timeout;
	uint64_t natt_no_sa, natt_keepalive;
};

/* One SA the data path has used, as pfkm_dp_sa_each reports it. */
struct pfkm_dp_sa_info {
	unsigned int family;		/* AF_INET / AF_INET6 */
	uint8_t daddr[16];		/* network order, 4 bytes for AF_INET */
	uint32_t spi_be;
	uint8_t proto;			/* IPPROTO_ESP / IPPROTO_AH */
	struct pfkm_dp_sa_stats st;
};

/* A data path over the engine's memory store (-EOPNOTSUPP on another). */
int pfkm_dp_create(struct pfkm_net *net, struct pfkm_dp **out);
void pfkm_dp_destroy(struct pfkm_dp *dp);
/* Drop side-table entries whose SA is gone from the SADB. */
void pfkm_dp_gc(struct pfkm_dp *dp);
/* True when the net has any policy (hooks may skip work otherwise). */
bool pfkm_dp_active(struct pfkm_dp *dp);

#define PFKM_DP_PASS	0	/* packet untouched, let it go */
#define PFKM_DP_XFORM	1	/* buf/len rewritten, send the result */
#define PFKM_DP_FWD	2	/* input: decapsulated, the inner destination is
				 * not ours and the `fwd` policy let it through:
				 * route it and forward it */

/*
 * What the host's routing tells the data path (the _route calls; NULL or a
 * NULL member: not known, the old behaviour). Called under net->lock,
 * must not call back into the core.
 *   local: is daddr (network order, 4 or 16 bytes) an address of this host?
 *          Decides `in` or `fwd` for a packet out of a tunnel whose inner
 *          destination differs from the outer one.
 *   mtu:   MTU of the route saddr -> daddr in family (the outermost header
 *          after encapsulation), 0 if unknown (no check).
 *   mtu_out: set with -EMSGSIZE from the path MTU check: the biggest
 *          packet that fits before encapsulation (what ICMP reports).
 */
struct pfkm_dp_route {
	bool (*local)(void *arg, unsigned int family, const uint8_t *daddr);
	uint32_t (*mtu)(void *arg, unsigned int family, const uint8_t *saddr,
			const uint8_t *daddr);
	void *arg;
	uint32_t mtu_out;
};

/*
 * Outbound: buf[0 .. *len) is an IPv4 or IPv6 packet, cap the room in buf
 * (IPv6 transport mode: ESP needs the upper layer right after the base
 * header, -EOPNOTSUPP otherwise). Tunnel SAs put an outer header of their
 * own family (IPv4 in IPv6, IPv6 in IPv4 too). Returns
 * PASS, XFORM, or a drop: -EPERM (policy discard), -EAGAIN (SA missing:
 * ACQUIRE sent by the core, rate-limited), -EMSGSIZE (no room; or, with
 * rt->mtu_out set, the path MTU check: IPv4 with DF or IPv6 bigger than
 * the path after encapsulation, buf untouched, counted in too_big),
 * -EOVERFLOW (sequence numbers exhausted: the SA was hard expired and
 * removed, later packets find no SA), other -errno.
 */
int pfkm_dp_output(struct pfkm_dp *dp, uint8_t *buf, size_t cap, size_t *len);
int pfkm_dp_output_route(struct pfkm_dp *dp, uint8_t *buf, size_t cap, size_t *len,
			 struct pfkm_dp_route *rt);

/*
 * Inbound: buf[0 .. *len) is an IPv4 or IPv6 packet addressed to us (IPv6:
 * ESP/AH right after the base header). ESP/AH for
 * our SAs is decapsulated (repeatedly: AH over ESP, tunnel in tunnel; the
 * inner packet of a tunnel may be of the other family), then the result
 * is checked against the `in` policy, or (_route, rt->local says the inner
 * destination is not ours) the `fwd` policy with the SAs used. A packet
 * out of a tunnel that no policy covers is refused. Returns PASS, XFORM,
 * FWD, or a drop: -EPERM (policy discard or IPsec required but missing: counted in
 * policy_drop), -EBADMSG (auth failure), -EEXIST/-ESTALE (replay),
 * -ESRCH (outermost ESP/AH has no SA here; buf untouched, the host may
 * hand it to another IPsec stack), -ENOENT (an inner one has none),
 * -EINVAL (malformed).
 * UDP to a port an esp-udp SA uses (RFC 3948, natt.h): the non-ESP marker
 * (IKE) is PASS with buf untouched, a NAT keepalive -ENODATA (drop it
 * quietly), ESP that no esp-udp SA with that destination port takes
 * -ENOENT (natt_no_sa); ESP in UDP is otherwise decapsulated as ESP,
 * transport mode with the TCP/UDP checksum recomputed; one from another
 * source address or port than the SA's is accepted once authenticated and
 * reported by SADB_X_NAT_T_NEW_MAPPING (natt.c, rate-limited). ESP and UDP encapsulation
 * must agree with the SA (raw ESP for an esp-udp SA, or the reverse):
 * -EPROTO, counted in the SA's other_drop.
 */
int pfkm_dp_input(struct pfkm_dp *dp, uint8_t *buf, size_t *len);
int pfkm_dp_input_route(struct pfkm_dp *dp, uint8_t *buf, size_t *len, struct pfkm_dp_route *rt);

/*
 * Forwarded: buf[0 .. *len) is an IPv4 or IPv6 packet this host routes on
 * (cap as pfkm_dp_output). Unless checked (it came out of one of our
 * tunnels and pfkm_dp_input_route checked it already), the `fwd` policy
 * for its flow: discard -> -EPERM (discard counter), IPsec required ->
 * -EPERM (policy_drop: it arrived in clear text). Then as pfkm_dp_output
 * (the `out` policy: a gateway tunnels forwarded traffic), with the path
 * MTU check when rt->mtu is given.
 */
int pfkm_dp_forward(struct pfkm_dp *dp, uint8_t *buf, size_t cap, size_t *len,
		    struct pfkm_dp_route *rt, bool checked);

/*
 * Split calls (keyd's crypto workers, src/engine/dp_workers.c): the work of
 * pfkm_dp_output_route and pfkm_dp_input_route in three steps, so that the
 * ESP/AH transform of a packet can run on another thread, without
 * net->lock, while other SAs' packets run on others.
 *
 *   _prep (takes net->lock): everything that reads or changes the store:
 *     outbound the policy, SA selection, ACQUIRE, lifetimes check, path
 *     MTU, the sequence number and outer IPv4 ID taken from the SA;
 *     inbound NAT-T sorting and the outermost ESP/AH header's SA. Returns
 *     PFKM_DP_QUEUED when job holds one SA's transform to run, otherwise
 *     the final result, as the one-call function returns it (a bundle of
 *     several SAs is transformed inside _prep, under the lock).
 *   pfkm_dp_job_xform (no lock, any thread): that transform on buf
 *     (inbound: the replay check, ICV and window update too). It touches
 *     only buf and the state of the job's SA: jobs with the same key (one
 *     SA, one direction) must not run at the same time and must run in
 *     the order of their _prep; jobs with different keys may run at once.
 *   pfkm_dp_job_done (takes net->lock): counters, lifetimes (EXPIRE),
 *     inbound the inner layers and the `in` / `fwd` policy check; the
 *     final result. A packet whose SA died since _prep (a hard limit
 *     reached by an earlier packet of the batch) is dropped: -EKEYEXPIRED.
 *
 * Every job that _prep queued must go through pfkm_dp_job_done, in _prep
 * order. From a batch's first _prep to its last _done nothing else may
 * change the store or call into this data path (pfkm_dp_gc above all):
 * keyd changes the store on one thread only, the one that runs the batch
 * and waits for its transforms. buf, cap and len are the same at every
 * step of one job.
 */
#define PFKM_DP_QUEUED	3	/* split calls: the job's transform is to run */

struct pfkm_dp_job {
	uint32_t key;		/* the SA and direction, hashed: same SA, same key */
	uint64_t priv[96];	/* dp.c's */
};

int pfkm_dp_output_prep(struct pfkm_dp *dp, uint8_t *buf, size_t cap, size_t *len,
			struct pfkm_dp_route *rt, struct pfkm_dp_job *job);
int pfkm_dp_input_prep(struct pfkm_dp *dp, uint8_t *buf, size_t *len, struct pfkm_dp_route *rt,
		       struct pfkm_dp_job *job);
void pfkm_dp_job_xform(struct pfkm_dp_job *job, uint8_t *buf, size_t cap, size_t *len);
int pfkm_dp_job_done(struct pfkm_dp *dp, struct pfkm_dp_job *job, uint8_t *buf, size_t *len,
		     struct pfkm_dp_route *rt);

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
