/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * pfkey.h: the PF_KEY v2 engine's public face. A host (pfkeyv2.ko for each
 * network namespace, or keyd for each process) creates one struct pfkm_net,
 * one struct pfkm_sock per PF_KEY socket/connection, and feeds every message a
 * socket sends to pfkm_sock_send(). Replies and broadcasts come back through
 * the socket's ops->deliver(). Packet-level events (a flow that needs an SA,
 * bytes counted on an SA) enter through pfkm_net_flow_out/_sa_account.
 *
 * Protocol summary (af_key semantics; deliberate improvements marked +):
 *   GETSPI     SRC,DST [SPIRANGE,SA2]  -> ONE: SA(larval),SRC,DST
 *   UPDATE/ADD SA,SRC,DST,keys [...]   -> ALL: same message with keys
 *   DELETE     SA,SRC,DST               -> ALL: SA,SRC,DST
 *   GET        SA,SRC,DST               -> ONE: full SA incl. keys
 *   ACQUIRE    (error form from a KM)   -> marks larval SA
 *   REGISTER   satype                   -> REGISTERED+requester: SUPPORTED_*
 *   FLUSH/DUMP satype                   -> ALL / ONE per SA, last seq 0
 *   X_PROMISC, X_SPD*, X_MIGRATE        as af_key
 *   + AEADs (GCM/CCM/GMAC, ChaCha20-Poly1305) accepted and advertised
 *   + HMAC-SHA-256/384/512 with RFC 4868 ICVs (128/192/256 bits)
 *   + replay windows up to 255 packets (sadb_sa_replay), af_key caps at 32
 * Errors before the header parses make pfkm_sock_send() return -errno; later
 * errors are sent back as a header-only message with sadb_msg_errno set.
 */
#ifndef PFKM_PFKEY_H
#define PFKM_PFKEY_H

#include "wire.h"

struct pfkm_net;
struct pfkm_sock;

struct pfkm_sock_ops {
	/*
	 * Queue one complete message for the socket's reader. Return 0, or
	 * -ENOBUFS when the receive buffer is full (the message is dropped and
	 * counted). Called under the net's mutex; may sleep.
	 */
	int (*deliver)(struct pfkm_sock *sk, const void *msg, size_t len);
	/* Bytes queued for the reader and the receive buffer size, used to
	 * pause dumps at 2/3 of the buffer and resume them below 1/3. */
	size_t (*rmem)(struct pfkm_sock *sk);
	size_t (*rcvbuf)(struct pfkm_sock *sk);
};

/* An engine on the in-memory store (store_mem.c). */
int pfkm_net_create(struct pfkm_net **out);
/*
 * An engine on any store (store.h): make(cb, arg, &store) is called once
 * with the engine's event callback and lock; the engine owns the store and
 * destroys it in pfkm_net_destroy().
 */
struct pfkm_store_cb;
struct pfkm_store;
int pfkm_net_create_on(int (*make)(const struct pfkm_store_cb *cb, void *arg,
				   struct pfkm_store **out),
		       void *arg, struct pfkm_net **out);
/* Destroys all SAs and policies; every socket must be released first. */
void pfkm_net_destroy(struct pfkm_net *net);

struct pfkm_sock *pfkm_sock_create(struct pfkm_net *net, const struct pfkm_sock_ops *ops,
				   void *priv);
void pfkm_sock_release(struct pfkm_sock *sk);
void *pfkm_sock_priv(struct pfkm_sock *sk);
/* Process one message written by the socket's owner (see top comment). */
int pfkm_sock_send(struct pfkm_sock *sk, const void *msg, size_t len);
/*
 * Process n messages of one socket as n pfkm_sock_send calls would, in
 * order. A run of ADDs goes to the store's sa_add_many when it has one
 * (pipelined: promiscuous sockets see the run's requests before its
 * replies). Returns how many were processed, stopping at the first whose
 * header does not parse (its -errno when it is the first), as sendmmsg.
 */
struct pfkm_msgv {
	const void *msg;
	size_t len;
};
int pfkm_sock_send_many(struct pfkm_sock *sk, const struct pfkm_msgv *v, unsigned int n);
/* The reader drained its queue: continue a paused dump, if any. */
void pfkm_sock_dump_resume(struct pfkm_sock *sk);

/* Counters for /proc/net/pfkeyv2 and keyd's status. */
struct pfkm_net_stats {
	uint64_t sockets, sas, policies;
	uint64_t drops;		/* broadcasts lost to full receive buffers */
	uint64_t acquires, expires;
};
void pfkm_net_stats_get(struct pfkm_net *net, struct pfkm_net_stats *st);

/*
 * Simulated or real traffic. A packet of `bytes` bytes for the given flow
 * (addresses in network order inside the sockaddrs, upper protocol, ports)
 * leaving (dir = IPSEC_DIR_OUTBOUND) or arriving. Returns the policy action
 * (IPSEC_POLICY_DISCARD/NONE/IPSEC), -ENOENT when no policy matched, or
 * -EAGAIN when policy requires an SA that does not exist yet (ACQUIRE sent,
 * rate-limited per policy). Matching SAs have their byte/packet counters
 * advanced, which may emit soft/hard EXPIRE.
 */
struct pfkm_flow {
	const struct sockaddr *src, *dst;
	uint8_t proto;		/* IPPROTO_*, 0 = any */
	uint16_t sport, dport;	/* host order */
	uint8_t dir;		/* IPSEC_DIR_INBOUND/OUTBOUND/FWD */
	uint32_t bytes;
};
int pfkm_net_flow(struct pfkm_net *net, const struct pfkm_flow *flow);

/*
 * (keysh core addition) Count one packet of `bytes` on the SA a data path
 * found itself by (dst address, SPI in network order, IPPROTO_*). Returns
 * 0, -ESRCH when no such SA, -EKEYEXPIRED when a hard byte/packet limit was
 * already reached (hard EXPIRE sent, SA removed). May send soft EXPIRE.
 */
int pfkm_net_sa_account(struct pfkm_net *net, const struct sockaddr *dst, uint32_t spi_be,
			uint8_t proto, uint32_t bytes);

#endif /* PFKM_PFKEY_H */
