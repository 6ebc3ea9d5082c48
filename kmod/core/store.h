/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * store.h: the one interface between the PF_KEY request engine (walker,
 * sa_req.c, policy_req.c, register.c, migrate.c, sock.c) and the place SAs
 * and policies live. The engine parses and checks requests, composes
 * replies and applies af_key's broadcast rules; a store keeps the SAD and
 * SPD with xfrm's semantics (larval SAs, SPI allocation, lifetimes,
 * ACQUIRE, policy indexes) and tells the engine what happened.
 *
 * Implementations:
 *   store_mem.c              in memory (sadb.c, spd.c, acquire.c, expire.c):
 *                            keyd, unit tests, the user-space data path
 *   kmod/linux/store_xfrm.c  the kernel's xfrm (xfrm_state / xfrm_policy,
 *                            events from xfrm_register_km): pfkeyv2.ko
 *   src/xfrm/store_nl.c      XFRM netlink from user space (libmnl): keysh,
 *                            keytui and keyd on a kernel without PF_KEY
 *
 * Values. struct pfkm_sa and struct pfkm_policy (sadb.h, spd.h) are the
 * portable description of an SA and a policy; their table links belong to
 * the memory store and other stores ignore them. The engine hands sa_add and
 * pol_add a freshly allocated value (pfkm_sadb_sa_alloc /
 * pfkm_spd_policy_alloc) and the store always takes it over: the memory store
 * links it, the others translate it and free it. Values a store returns
 * (sa_get, sa_getspi, walks, events) are read-only to the engine and valid
 * until ops->sa_put / ops->pol_put (memory store: a no-op for SAs, a
 * reference for policies; other stores: their translated copy is freed).
 *
 * Events. A store reports every change, whoever made it (this engine, `ip
 * xfrm`, an IKE daemon on netlink, the kernel's own timers and packet path),
 * by calling the event function the engine gave it (struct pfkm_store_cb)
 * with a struct pfkm_store_ev; the engine composes the PF_KEY message and
 * broadcasts it by af_key's rules (key_notify_sa, key_notify_policy,
 * pfkey_send_acquire, pfkey_send_new_mapping, pfkey_send_migrate). An event
 * caused by a request carries the request's pid and seq (ev->pid, ev->seq),
 * so the sender sees its own ADD come back exactly as on af_key.
 * Events are delivered in process context with the engine's lock held
 * (cb->lock) and in the order the changes happened; a store that learns of a change in atomic
 * context (xfrm's km callbacks, timers, the packet path) queues it and
 * delivers it from process context, and delivers everything it queued
 * before a request's operation returns (so replies stay ordered).
 *
 * Errors are af_key's: -EEXIST (ADD of an existing SA, exclusive policy
 * add), -ESRCH (no such SA), -ENOENT (no such policy, no free SPI), -EINVAL,
 * -ENOBUFS (out of memory or over a limit), -EPERM.
 *
 * Locking: the engine calls every op under its net lock (net.h); a store
 * must not call back into the engine from an op except through cb->event.
 */
#ifndef PFKM_STORE_H
#define PFKM_STORE_H

#include "spd.h"

struct pfkm_store;
struct pfkm_store_walk;

/* What a store reports (ev->kind). */
enum pfkm_store_ev_kind {
	PFKM_EV_SA_ADD = 1,	/* ev->sa; reply/broadcast SADB_ADD */
	PFKM_EV_SA_UPDATE,	/* ev->sa as stored (or, UPDATE of a mature SA,
				 * the request's copy in state DEAD as af_key) */
	PFKM_EV_SA_DELETE,	/* ev->sa as it was */
	PFKM_EV_SA_FLUSH,	/* ev->proto (IPPROTO_* or IPSEC_PROTO_ANY) */
	PFKM_EV_SA_EXPIRE,	/* ev->sa, ev->hard */
	PFKM_EV_ACQUIRE,	/* ev->sa (larval: addresses, seq), ev->pol */
	PFKM_EV_NEW_MAPPING,	/* ev->sa, ev->addr/ev->port: the new peer */
	PFKM_EV_POL_ADD,	/* ev->pol */
	PFKM_EV_POL_UPDATE,	/* ev->pol */
	PFKM_EV_POL_DELETE,	/* ev->pol; ev->by_id: SPDDELETE2 */
	PFKM_EV_POL_FLUSH,
	PFKM_EV_POL_EXPIRE,	/* ev->pol, ev->hard */
	PFKM_EV_MIGRATE,	/* ev->mig */
};

/* One entry of a MIGRATE (old and new endpoints of one template). */
struct pfkm_store_mig {
	uint8_t proto, mode, family;	/* old and new endpoints: one family */
	uint32_t reqid;
	struct pfkm_addr old_s, old_d, new_s, new_d;
};

struct pfkm_store_migrate {
	struct pfkm_sel sel;
	uint8_t dir;
	unsigned int n;
	struct pfkm_store_mig m[PFKM_MAX_TEMPLATES];
	int kfam;			/* KMADDRESS family, 0 = none */
	struct pfkm_addr kl, kr;
	uint32_t kres;
};

struct pfkm_store_ev {
	uint8_t kind;			/* enum pfkm_store_ev_kind */
	uint8_t proto;			/* SA_FLUSH */
	bool hard;			/* SA_EXPIRE, POL_EXPIRE */
	bool by_id;			/* POL_DELETE: SPDDELETE2 */
	uint32_t pid, seq;		/* the request that caused it, else 0 */
	const struct pfkm_sa *sa;
	const struct pfkm_policy *pol;
	const struct pfkm_addr *addr;	/* NEW_MAPPING */
	os_be16 port;			/* NEW_MAPPING, network order */
	const struct pfkm_store_migrate *mig;
};

/* Who caused an operation: the request's pid and seq, copied to its event. */
struct pfkm_store_origin {
	uint32_t pid, seq;
};

/*
 * The engine's side, given to the store when it is created: the event
 * function and the engine's net lock, which a store takes around work it
 * starts itself (timers, queued events) and never inside an op.
 */
struct pfkm_store_cb {
	/* Returns what the broadcast returned; only ACQUIRE's result is
	 * used: -ESRCH when no registered socket took it (xfrm's km_query
	 * failing: the store drops the larval SA it made for it). */
	int (*event)(void *ctx, const struct pfkm_store_ev *ev);
	void *ctx;
	struct os_mutex *lock;
};

/* A constructor the engine calls in pfkm_net_create_on(). */
typedef int (*pfkm_store_make)(const struct pfkm_store_cb *cb, void *arg,
			       struct pfkm_store **out);

/* Inbound key of an SA (xfrm_state_lookup). */
struct pfkm_sa_id {
	uint8_t family, proto;
	os_be32 spi;			/* network order */
	struct pfkm_addr daddr;
};

/* A resumable walk (DUMP, SPDDUMP); storage owned by the walking socket. */
struct pfkm_store_walk {
	uint8_t what;			/* PFKM_WALK_SA / PFKM_WALK_POL */
	uint8_t proto;			/* SA walks: IPPROTO_* or IPSEC_PROTO_ANY */
	bool started;
	struct pfkm_walk marker;	/* memory store: cursor in its list */
	void *priv;			/* other stores: their cursor */
};

enum { PFKM_WALK_SA = 1, PFKM_WALK_POL };

/*
 * A walk callback returns 0 to go on, > 0 to pause (the walk offers this
 * same entry again on the next call, as xfrm_state_walk), < 0 to stop with
 * that error. The walk functions return 0 when the walk is complete, > 0
 * when paused, < 0 on error; the caller ends every walk with walk_done and
 * never walks a completed one again (a store may start over).
 */
typedef int (*pfkm_store_sa_fn)(void *arg, const struct pfkm_sa *x);
typedef int (*pfkm_store_pol_fn)(void *arg, const struct pfkm_policy *p);

/* Numbers for /proc/net/pfkeyv2, keyd's status and GETSADINFO-like views. */
struct pfkm_store_info {
	uint64_t sas, policies;
};

struct pfkm_store_ops {
	const char *name;		/* "memory", "xfrm", "netlink" */
	void (*destroy)(struct pfkm_store *st);

	/*
	 * ADD (update false: xfrm_state_add, -EEXIST if (daddr, spi, proto) is
	 * taken; a larval SA of the same seq, else of the same selection key,
	 * is replaced) or UPDATE (xfrm_state_update: -ESRCH if none; a larval
	 * one is replaced; a mature one gets the new lifetimes and NAT-T
	 * ports only; -EINVAL in any other state). Takes x over in every case.
	 * Event SA_ADD / SA_UPDATE.
	 */
	int (*sa_add)(struct pfkm_store *st, struct pfkm_sa *x, bool update,
		      const struct pfkm_store_origin *o);
	/*
	 * Optional (NULL: the engine calls sa_add for each): the n ADDs of a
	 * batch (update false), each xs[i] taken over as by sa_add, os[i] its
	 * origin. The store may send them all before it reads an answer
	 * (pipelined); done(arg, i, err) is called exactly once per SA, in
	 * order of i, with 0 after SA_ADD was reported for it, or -errno.
	 */
	void (*sa_add_many)(struct pfkm_store *st, struct pfkm_sa **xs,
			    const struct pfkm_store_origin *os, unsigned int n,
			    void (*done)(void *arg, unsigned int i, int err), void *arg);
	int (*sa_get)(struct pfkm_store *st, const struct pfkm_sa_id *id,
		      const struct pfkm_sa **out);
	void (*sa_put)(struct pfkm_store *st, const struct pfkm_sa *x);
	/* -ESRCH if none. Event SA_DELETE. */
	int (*sa_delete)(struct pfkm_store *st, const struct pfkm_sa_id *id,
			 const struct pfkm_store_origin *o);
	/* Removes every SA of proto (IPSEC_PROTO_ANY: all) and returns how
	 * many; no event: the engine answers first, then calls
	 * notify_flush (af_key's order). */
	int (*sa_flush)(struct pfkm_store *st, uint8_t proto);
	/*
	 * GETSPI (xfrm_find_acq + xfrm_alloc_spi): the larval SA of seq (when
	 * its family and daddr match k), else of key k, else a new one (30 s
	 * hard add time); given an SPI in [lo, hi] unless it has one (-ENOENT
	 * when none is free). No event.
	 */
	int (*sa_getspi)(struct pfkm_store *st, const struct pfkm_sa_sel *k, uint32_t seq,
			 uint32_t lo, uint32_t hi, const struct pfkm_sa **out);
	/* A KM's error ACQUIRE: the larval SA of seq fails (xfrm's km.state
	 * ERROR). No event. */
	void (*sa_acquire_error)(struct pfkm_store *st, uint32_t seq);
	/* Walk SAs newest first (Linux's state_all order). */
	int (*sa_walk)(struct pfkm_store *st, struct pfkm_store_walk *w, pfkm_store_sa_fn fn,
		       void *arg);

	/*
	 * SPDADD (excl) / SPDUPDATE (xfrm_policy_insert): a policy with the same
	 * direction and selector is -EEXIST (excl) or replaced (its id kept).
	 * Takes p over. Event POL_ADD / POL_UPDATE.
	 */
	int (*pol_add)(struct pfkm_store *st, struct pfkm_policy *p, bool excl,
		       const struct pfkm_store_origin *o);
	/* SPDDELETE by direction and selector; -ENOENT. Event POL_DELETE. */
	int (*pol_delete)(struct pfkm_store *st, uint8_t dir, const struct pfkm_sel *sel,
			  const struct pfkm_store_origin *o);
	/* SPDGET / SPDDELETE2 by id (del: remove it, event POL_DELETE by_id);
	 * -ENOENT. *out valid until pol_put. */
	int (*pol_get)(struct pfkm_store *st, uint32_t id, bool del,
		       const struct pfkm_store_origin *o, const struct pfkm_policy **out);
	void (*pol_put)(struct pfkm_store *st, const struct pfkm_policy *p);
	/* Removes every policy and returns how many; no event (see sa_flush). */
	int (*pol_flush)(struct pfkm_store *st);
	int (*pol_walk)(struct pfkm_store *st, struct pfkm_store_walk *w, pfkm_store_pol_fn fn,
			void *arg);

	/* After the engine answered a flush that removed something: event
	 * SA_FLUSH (what == PFKM_WALK_SA, proto) or POL_FLUSH, to everyone the
	 * store reports to (xfrm: km_state_notify / km_policy_notify). */
	void (*notify_flush)(struct pfkm_store *st, uint8_t what, uint8_t proto,
			     const struct pfkm_store_origin *o);

	/* Stop a walk early (its socket went away); idempotent. */
	void (*walk_done)(struct pfkm_store *st, struct pfkm_store_walk *w);

	/* X_MIGRATE (xfrm_migrate): move the policy's templates and the
	 * matching SAs; -ENOENT without a policy. Event MIGRATE. NULL: the
	 * store cannot (-EOPNOTSUPP). */
	int (*migrate)(struct pfkm_store *st, const struct pfkm_store_migrate *m);

	void (*info)(struct pfkm_store *st, struct pfkm_store_info *out);

	/* Can this store's SAs use alg (REGISTER's SUPPORTED, ADD's ENOSYS)?
	 * NULL: the host's crypto decides (pfkm_xform_available); a store
	 * that keys a kernel answers for that kernel. */
	bool (*alg_available)(struct pfkm_store *st, const struct pfkm_alg *alg);
};

struct pfkm_store {
	const struct pfkm_store_ops *ops;
	struct pfkm_store_cb cb;
};

static inline int pfkm_store_event(struct pfkm_store *st, const struct pfkm_store_ev *ev)
{
	return st->cb.event(st->cb.ctx, ev);
}

/* store_mem.c: the in-memory store (arg unused). */
int pfkm_store_mem_create(const struct pfkm_store_cb *cb, void *arg, struct pfkm_store **out);

#endif /* PFKM_STORE_H */
