/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * spd.h: the security policy database of one pfkm_net: policies per
 * direction (in/out/fwd) with a selector (src/dst prefix, upper protocol,
 * ports), a priority, a Linux-style index (id) and up to PFKM_MAX_TEMPLATES
 * ipsecrequest templates.
 *
 * Lookup is a tuple-space search: every distinct (family, src prefix length,
 * dst prefix length) in a direction is one "tuple"; a policy is hashed under
 * its tuple and its prefixes. A flow is masked once per tuple and looked up
 * in the hash, so the cost grows with the number of distinct prefix-length
 * pairs (a handful in practice), not with the number of policies. The
 * winner is the lowest priority value; ties go to the older policy
 * (insertion order), as Linux's xfrm_policy_lookup.
 *
 * Reference counting: a policy starts with one reference (its creator's);
 * pfkm_spd_insert adds the table's. pfkm_spd_remove hands the table's
 * reference to the caller. The count is what replies carry in
 * sadb_msg_reserved, as af_key does.
 *
 * Locking: everything runs under the owning net's mutex.
 */
#ifndef PFKM_SPD_H
#define PFKM_SPD_H

#include "sadb.h"

struct pfkm_sel {
	uint8_t family;
	uint8_t splen, dplen;
	uint8_t proto;			/* upper protocol, 0 = any */
	os_be16 sport, dport;		/* network order, 0 = any */
	struct pfkm_addr saddr, daddr;	/* as given (bits past the prefix kept) */
};

struct pfkm_tmpl {
	uint8_t proto;			/* IPPROTO_ESP/AH/COMP */
	uint8_t mode;			/* IPSEC_MODE_TRANSPORT/TUNNEL/BEET */
	uint8_t family;			/* endpoints' family (tunnel) or policy's */
	bool optional;			/* level use */
	uint32_t reqid;			/* 0 unless level unique */
	struct pfkm_addr saddr, daddr;	/* tunnel endpoints */
};

struct pfkm_policy {
	struct pfkm_policy *hnext, *id_next;
	struct pfkm_walk all;
	bool linked;
	uint8_t dir;			/* IPSEC_DIR_INBOUND / OUTBOUND / FWD */
	bool block;			/* type discard; else allow (none/ipsec) */
	uint32_t id;
	uint32_t priority;
	uint64_t pos;			/* insertion order, breaks priority ties */
	uint32_t refcnt;
	struct pfkm_sel sel;
	struct pfkm_lifetime hard, soft, cur;
	uint8_t ntmpl;
	struct pfkm_tmpl tmpl[PFKM_MAX_TEMPLATES];
	uint64_t acq_ms;		/* last ACQUIRE sent for it (rate limit) */
	uint64_t add_ms, use_ms;	/* monotonic add / last use, for lifetimes */
};

struct pfkm_spd_tuple {
	uint8_t family, splen, dplen;
	uint32_t count;
};

struct pfkm_spd_dir {
	struct pfkm_hash h;
	struct pfkm_spd_tuple *tuples;
	uint32_t ntuples, cap;
};

struct pfkm_spd {
	struct pfkm_spd_dir dir[3];	/* index: IPSEC_DIR_* - 1 */
	struct pfkm_hash ids;
	struct pfkm_walk all;		/* newest first (Linux policy_all order) */
	size_t count;
	uint32_t idx_gen;		/* xfrm_gen_index's generator */
	uint64_t pos_gen;
};

/* The flow a lookup matches; addresses and ports in network order. */
struct pfkm_spd_flow {
	uint8_t family, proto;
	os_be16 sport, dport;
	struct pfkm_addr saddr, daddr;
};

int pfkm_spd_init(struct pfkm_spd *spd);
/* Drops the table's reference of every policy. */
void pfkm_spd_destroy(struct pfkm_spd *spd);

struct pfkm_policy *pfkm_spd_policy_alloc(void);
void pfkm_spd_policy_hold(struct pfkm_policy *pol);
void pfkm_spd_policy_put(struct pfkm_policy *pol);

/*
 * Insert pol (dir, sel, priority, templates set). If a policy with the same
 * direction and selector exists: excl -> -EEXIST; else it is removed, pol
 * takes its id and *old gets it (with the table's reference). Otherwise pol
 * gets a fresh id: (generator | dir-1), generator += 8, 0 -> 8, skipping
 * ids in use (Linux xfrm_gen_index).
 */
int pfkm_spd_insert(struct pfkm_spd *spd, struct pfkm_policy *pol, bool excl,
		    struct pfkm_policy **old);
/* Unlink; the table's reference passes to the caller. */
void pfkm_spd_remove(struct pfkm_spd *spd, struct pfkm_policy *pol);
/* Exact selector in a direction (SPDDELETE, MIGRATE). */
struct pfkm_policy *pfkm_spd_find_sel(struct pfkm_spd *spd, uint8_t dir,
				      const struct pfkm_sel *sel);
struct pfkm_policy *pfkm_spd_find_id(struct pfkm_spd *spd, uint32_t id);
/* Best matching policy for a flow in a direction, NULL if none. */
struct pfkm_policy *pfkm_spd_lookup(struct pfkm_spd *spd, uint8_t dir,
				    const struct pfkm_spd_flow *fl);
/* Does the selector match the flow (prefixes, protocol, ports)? */
bool pfkm_spd_sel_match(const struct pfkm_sel *sel, const struct pfkm_spd_flow *fl);
/* Direction of a policy id as Linux's xfrm_policy_id2dir: (id & 7) + 1;
 * values above IPSEC_DIR_FWD mean "not a main-table policy". */
static inline unsigned int pfkm_spd_id2dir(uint32_t id)
{
	return (id & 7) + 1;
}

#endif /* PFKM_SPD_H */
