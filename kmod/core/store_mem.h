/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * store_mem.h: the in-memory store (store.h) and what it is made of: the
 * SADB (sadb.c), the SPD (spd.c), SA and policy lifetimes (expire.c), flows
 * and ACQUIRE (acquire.c), MIGRATE of its SAs and templates (store_mem.c).
 * keyd, the unit tests and the user-space data path (dp.c, which reads
 * its tables directly) use it; the request engine sees only store.h.
 *
 * Locking: everything here runs under the engine's net lock (mem->lock);
 * the expiry timer takes it itself.
 */
#ifndef PFKM_STORE_MEM_H
#define PFKM_STORE_MEM_H

#include "store.h"
#include "os.h"

struct pfkm_net;

struct pfkm_mem {
	struct pfkm_store st;		/* ops + the engine's callback */
	struct os_mutex *lock;		/* the engine's net lock */
	struct pfkm_sadb sadb;
	struct pfkm_spd spd;
	uint32_t acq_seq;		/* ACQUIRE / NEW_MAPPING sequence, never 0 */
	uint64_t acquires, expires;
	/* Lifetime events: min-heap of SAs by deadline, one timer. */
	struct pfkm_sa **heap;		/* 1-based */
	uint32_t heap_n, heap_cap;
	struct os_timer timer;
	uint64_t timer_at;		/* mono ms the timer is armed for, 0 = idle */
	uint32_t pol_timed;		/* policies with hard time limits (upper bound) */
	uint64_t pol_next_ms;		/* earliest policy deadline, 0 = none */
	bool closing;
};

/* The memory store behind st, or NULL when st is another store. */
struct pfkm_mem *pfkm_store_mem(struct pfkm_store *st);
/* The memory store an engine runs on, or NULL (pfkm_net_store + the above). */
struct pfkm_mem *pfkm_mem_of(struct pfkm_net *net);

/* Event helpers: fill ev and report it through the engine's callback. */
int pfkm_mem_event_sa(struct pfkm_mem *mem, uint8_t kind, const struct pfkm_sa *sa,
		      bool hard);
void pfkm_mem_event_pol(struct pfkm_mem *mem, uint8_t kind, const struct pfkm_policy *p,
			bool hard);
/* Next ACQUIRE / NEW_MAPPING sequence number (never 0). */
uint32_t pfkm_mem_next_seq(struct pfkm_mem *mem);
/* Remove an SA from the tables and the expiry heap, then free it. */
void pfkm_mem_sa_destroy(struct pfkm_mem *mem, struct pfkm_sa *sa);

/* expire.c */
void pfkm_expire_init(struct pfkm_mem *mem);
void pfkm_expire_fini(struct pfkm_mem *mem);
/* (Re)compute the SA's next lifetime deadline and place it in the heap. */
void pfkm_expire_sa_update(struct pfkm_mem *mem, struct pfkm_sa *sa);
void pfkm_expire_sa_remove(struct pfkm_mem *mem, struct pfkm_sa *sa);
/* A policy was inserted: watch its hard add/use time, if any. */
void pfkm_expire_policy_added(struct pfkm_mem *mem, struct pfkm_policy *pol);
/* Before a packet goes through a usable SA: first use noted, soft EXPIRE
 * when a soft byte/packet limit was reached; 0, or -EKEYEXPIRED when a hard
 * one was (the SA is then expired, removed and freed). Counts nothing. */
int pfkm_expire_check(struct pfkm_mem *mem, struct pfkm_sa *sa);
/* After the packet went through the SA: `bytes` and one packet in CURRENT. */
void pfkm_expire_count(struct pfkm_mem *mem, struct pfkm_sa *sa, uint32_t bytes);
/* pfkm_expire_check, then pfkm_expire_count when it passed: for a packet
 * already through the SA (inbound, after the decapsulation). */
int pfkm_expire_account(struct pfkm_mem *mem, struct pfkm_sa *sa, uint32_t bytes);
/* Remove a usable SA now with a hard EXPIRE (state DEAD), as a hard limit
 * would: the data path's sequence numbers ran out. sa is freed. */
void pfkm_expire_sa_hard(struct pfkm_mem *mem, struct pfkm_sa *sa);

/* acquire.c */
/* The SA a template takes for flow fl (xfrm_state_look_at: mature, not
 * dying first, then the newest), NULL if none; *pending: a larval one is
 * being negotiated. Nothing checked or counted. */
struct pfkm_sa *pfkm_acquire_tmpl_sa(struct pfkm_mem *mem, const struct pfkm_tmpl *t,
				     const struct pfkm_spd_flow *fl, bool *pending);
/* Outbound (or in/fwd) template resolution: every template's SA checked
 * (pfkm_expire_check) and returned in sas[0 .. *n) (tmpl[0] first; optional
 * templates without an SA skipped), IPSEC_POLICY_IPSEC; or -EAGAIN (missing
 * SA, ACQUIRE sent when outbound; or a hard limit reached). Nothing is
 * counted: the caller counts each SA the packet went through
 * (pfkm_expire_count). sas has room for PFKM_MAX_TEMPLATES. */
int pfkm_acquire_flow(struct pfkm_mem *mem, struct pfkm_policy *pol,
		      const struct pfkm_spd_flow *fl, uint8_t dir, struct pfkm_sa **sas,
		      unsigned int *n);

#endif /* PFKM_STORE_MEM_H */
