/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * net.h: internals shared by the request-processing files of the core
 * (sock.c, mbuf.c, sa_msg.c, sa_req.c, register.c, policy_msg.c,
 * policy_req.c, migrate.c, acquire.c, expire.c). Not for hosts: they use
 * pfkey.h only.
 *
 * Locking: one mutex per net (net->lock, af_key's xfrm_cfg_mutex +
 * pfkey_mutex in one) covers the SADB, the SPD, the socket list, every
 * socket's dump state and the expiry heap. pfkm_sock_send, dump resume, the
 * expiry timer and pfkm_net_flow take it; everything named here expects it
 * held.
 */
#ifndef PFKM_NET_H
#define PFKM_NET_H

#include "pfkey.h"
#include "walker.h"
#include "sadb.h"
#include "spd.h"
#include "store.h"

/* A message under construction: zeroed storage, so every byte nobody set
 * (reserved fields, sockaddr tails, padding) goes out as zero. */
struct pfkm_mbuf {
	uint8_t *p;
	size_t len, cap;
	bool secret;		/* carries keys: wiped when freed */
};

enum pfkm_dump_kind { PFKM_DUMP_NONE = 0, PFKM_DUMP_SA, PFKM_DUMP_SP };

struct pfkm_dump {
	uint8_t kind;
	uint8_t proto;			/* SA dump: IPPROTO or IPSEC_PROTO_ANY */
	uint8_t version;
	uint32_t pid;
	uint32_t count;			/* entries composed so far */
	struct pfkm_store_walk walk;	/* the store's cursor */
	bool walked;			/* the walk ended (walk_rc): only held is left */
	int walk_rc;
	bool filter;			/* SADB_X_EXT_FILTER given */
	uint16_t f_family;
	uint8_t f_splen, f_dplen;
	struct pfkm_addr f_saddr, f_daddr;
	struct pfkm_mbuf held;		/* last composed, sent when the next one is */
};

struct pfkm_sock {
	struct pfkm_sock *next, *prev;	/* net->socks, newest first */
	struct pfkm_net *net;
	const struct pfkm_sock_ops *ops;
	void *priv;
	uint32_t registered;		/* bit per satype */
	bool promisc;
	struct pfkm_dump dump;
};

struct pfkm_net {
	struct os_mutex lock;
	struct pfkm_store *store;
	struct pfkm_sock *socks;
	struct pfkm_net_stats st;
	uint32_t reqid_gen;		/* auto reqids from 0x4000 */
	/* Algorithm availability as last probed (register.c), one bit per
	 * (kind - 1, id): af_key's xfrm_algo_desc.available, per net. */
	uint32_t alg_avail[3][8];
	uint64_t alg_probe_ms;		/* mono ms of the last probe */
	bool alg_probed;
};

/* One request being processed. */
struct pfkm_req {
	struct pfkm_sock *sk;
	struct pfkm_net *net;
	const struct sadb_msg *hdr;
	const struct pfkm_exts *x;
};

#define PFKM_X(r, type, ctype) PFKM_EXT((r)->x, type, ctype)

/* mbuf.c */
int pfkm_mbuf_init(struct pfkm_mbuf *m, size_t cap, bool secret);
void pfkm_mbuf_free(struct pfkm_mbuf *m);
/* n zeroed bytes (n a multiple of 8), NULL when the buffer is too small. */
void *pfkm_mbuf_put(struct pfkm_mbuf *m, size_t n);
static inline struct sadb_msg *pfkm_mbuf_hdr(struct pfkm_mbuf *m)
{
	return (struct sadb_msg *)(void *)m->p;
}
/* Start a message: header with version 2, type, satype, seq, pid. */
struct sadb_msg *pfkm_mbuf_put_hdr(struct pfkm_mbuf *m, uint8_t type, uint8_t satype,
				   uint32_t seq, uint32_t pid);
/* Set sadb_msg_len from the bytes put so far. */
void pfkm_mbuf_finish(struct pfkm_mbuf *m);
int pfkm_mbuf_put_addr(struct pfkm_mbuf *m, uint16_t exttype, unsigned int family,
		       const struct pfkm_addr *a, os_be16 port_be, uint8_t proto, int plen);
int pfkm_mbuf_put_lifetime(struct pfkm_mbuf *m, uint16_t exttype, const struct pfkm_lifetime *lt);
/* Bytes of an address extension of a family. */
size_t pfkm_mbuf_addr_size(unsigned int family);

/* sock.c */
/* af_key's pfkey_broadcast: flags PFKM_BCAST_*, one may be NULL. */
int pfkm_sock_bcast(struct pfkm_net *net, const void *msg, size_t len, unsigned int flags,
		    struct pfkm_sock *one);
int pfkm_sock_bcast_mbuf(struct pfkm_net *net, struct pfkm_mbuf *m, unsigned int flags,
			 struct pfkm_sock *one);
/* Start a dump on the socket (kind and filter set by the caller). */
int pfkm_sock_dump_start(struct pfkm_sock *sk);

/* sa_msg.c */
/* Build an SA from an ADD/UPDATE request (af_key's pfkey_msg2xfrm_state). */
int pfkm_sa_msg_parse(struct pfkm_req *r, struct pfkm_sa **out);
/*
 * Compose the SA as af_key's __pfkey_xfrm_state2msg: SA, [HARD], [SOFT],
 * CURRENT, SRC, DST, [PROXY], [KEY_AUTH, KEY_ENCRYPT], SA2, [NAT-T].
 * hsc: bit 1 hard, bit 0 soft. The header has type/satype set, seq=pid=0.
 */
int pfkm_sa_msg_compose(const struct pfkm_sa *sa, bool keys, unsigned int hsc,
			uint8_t type, struct pfkm_mbuf *m);
/* pfkey_mode_to_xfrm: sadb mode -> stored mode (ANY is transport), -1 bad. */
int pfkm_sa_msg_mode(unsigned int mode);
/* Both addresses present and of one supported family: the family, else 0. */
unsigned int pfkm_sa_msg_addrs(const struct pfkm_req *r, struct pfkm_addr *s,
			       struct pfkm_addr *d);

/* sa_req.c, register.c, policy_req.c, migrate.c: request handlers. */
int pfkm_sa_req_getspi(struct pfkm_req *r);
int pfkm_sa_req_add(struct pfkm_req *r);
int pfkm_sa_req_delete(struct pfkm_req *r);
int pfkm_sa_req_get(struct pfkm_req *r);
int pfkm_sa_req_acquire(struct pfkm_req *r);
int pfkm_sa_req_flush(struct pfkm_req *r);
/* unicast_flush_resp: request header, errno 0, len 2, to the sender. */
int pfkm_sa_req_flush_resp(struct pfkm_req *r);
int pfkm_sa_req_dump(struct pfkm_req *r);
/*
 * Dump entry callbacks for sock.c's resumable walk: with m == NULL only say
 * whether the entry belongs in the socket's dump (0) or not (1);
 * with m, compose it (header type/satype/pid set, seq set by the walker).
 */
int pfkm_sa_req_dump_one(struct pfkm_sock *sk, const struct pfkm_sa *x, struct pfkm_mbuf *m);
int pfkm_policy_req_dump_one(struct pfkm_sock *sk, const struct pfkm_policy *p,
			     struct pfkm_mbuf *m);
int pfkm_register_req(struct pfkm_req *r);
int pfkm_register_req_promisc(struct pfkm_req *r);
/* Algorithm availability (register.c). usable: the host's answer, probed
 * again when the last probe is stale (ADD/UPDATE, like xfrm_find_algo with
 * probe); known: the cached answer only (af_key's ACQUIRE proposals read
 * .available). */
bool pfkm_register_alg_usable(struct pfkm_net *net, const struct pfkm_alg *alg);
bool pfkm_register_alg_known(const struct pfkm_net *net, const struct pfkm_alg *alg);
int pfkm_policy_req_add(struct pfkm_req *r);
int pfkm_policy_req_delete(struct pfkm_req *r);
int pfkm_policy_req_get(struct pfkm_req *r);
int pfkm_policy_req_dump(struct pfkm_req *r);
int pfkm_policy_req_flush(struct pfkm_req *r);
int pfkm_migrate_req(struct pfkm_req *r);

/* policy_msg.c */
/* Selector from SRC/DST as af_key's pfkey_spdadd/spddelete. */
int pfkm_policy_msg_sel(const struct pfkm_req *r, struct pfkm_sel *sel);
/* Policy (type, dir, priority, lifetimes, templates) from a request. */
int pfkm_policy_msg_parse(struct pfkm_req *r, struct pfkm_policy **out);
/* af_key's pfkey_xfrm_policy2msg; header type/seq/pid set by the caller. */
int pfkm_policy_msg_compose(const struct pfkm_policy *pol, struct pfkm_mbuf *m);

/* The engine's store (sock.c). */
struct pfkm_store *pfkm_net_store(struct pfkm_net *net);

/* notify.c: store events -> PF_KEY broadcasts (the store's cb->event). */
int pfkm_notify_event(void *ctx, const struct pfkm_store_ev *ev);
/* Compose an SA message of a request (reply or event), header from r. */
int pfkm_notify_sa(struct pfkm_net *net, const struct pfkm_sa *sa, uint8_t type, uint32_t seq,
		   uint32_t pid, unsigned int flags, struct pfkm_sock *one);

/* A store origin from a request's header. */
static inline struct pfkm_store_origin pfkm_req_origin(const struct pfkm_req *r)
{
	struct pfkm_store_origin o = { r->hdr->sadb_msg_pid, r->hdr->sadb_msg_seq };

	return o;
}

#endif /* PFKM_NET_H */
