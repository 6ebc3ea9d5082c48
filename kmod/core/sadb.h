/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * sadb.h: the security association database of one pfkm_net. It owns the
 * SA object (struct pfkm_sa) and three growing hash indexes:
 *   - by (spi, proto), compared with daddr too: inbound lookup, SPI
 *     uniqueness (only SAs with an SPI are indexed; open addressing, see
 *     struct pfkm_spi_tab);
 *   - by (family, saddr, daddr, proto, mode, reqid): outbound selection;
 *     doubly linked, so removing one of many SAs of an address pair is O(1);
 *   - by the same key, larval SAs without SPI only (ACQUIRE/GETSPI
 *     placeholders an ADD or GETSPI supersedes): find_acq never walks the
 *     mature SAs of a pair, however many there are;
 *   - by seq (ACQUIRE sequence / sadb_msg_seq; larval SAs with seq != 0).
 * Each index doubles when its load passes 1 (1/2 for the SPI index), so lookups stay O(1) from a
 * handful to millions of SAs. The sel and acq chains keep insertion order
 * (newest first) across growth too. A net-wide list keeps every SA newest first
 * (Linux's state_all order, used by DUMP and FLUSH); dump cursors are marker
 * entries in that list (struct pfkm_walk), so SAs may come and go while a
 * dump is paused.
 *
 * Locking: everything here runs under the owning net's mutex; sadb does no
 * locking of its own.
 */
#ifndef PFKM_SADB_H
#define PFKM_SADB_H

#include "addr.h"
#include "alg.h"

/* Intrusive list entry; markers are dump cursors, never objects. */
struct pfkm_walk {
	struct pfkm_walk *next, *prev;
	bool marker;
};

static inline void pfkm_walk_init(struct pfkm_walk *head)
{
	head->next = head->prev = head;
	head->marker = true;
}

static inline void pfkm_walk_add_after(struct pfkm_walk *pos, struct pfkm_walk *e)
{
	e->prev = pos;
	e->next = pos->next;
	pos->next->prev = e;
	pos->next = e;
}

static inline void pfkm_walk_del(struct pfkm_walk *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->next = e->prev = e;
}

/*
 * Internal states. Linux reports ACQ as LARVAL, VALID as MATURE (or DYING
 * once a soft limit passed) and everything else (ERROR, EXPIRED, deleted)
 * as DEAD; pfkm_sa_wire_state() does that mapping.
 */
enum pfkm_sa_state {
	PFKM_SA_LARVAL = 0,	/* ACQUIRE or GETSPI placeholder */
	PFKM_SA_MATURE,		/* usable; ->dying after a soft limit */
	PFKM_SA_ERROR,		/* larval marked failed by a KM's error ACQUIRE */
	PFKM_SA_EXPIRED,	/* larval without SPI that timed out */
	PFKM_SA_DEAD,		/* removed from the tables */
};

/* Limits: 0 = infinite. Current: counters and wall-clock times (seconds). */
struct pfkm_lifetime {
	uint64_t packets, bytes, addtime, usetime;
};

struct pfkm_sa {
	/* Inbound lookup reads only this first cache line. */
	os_be32 spi;			/* network order, 0 = none yet */
	uint8_t proto;			/* IPPROTO_ESP / AH / COMP */
	uint8_t family;			/* AF_INET / AF_INET6 */
	uint8_t mode;			/* IPSEC_MODE_TRANSPORT/TUNNEL/BEET */
	uint8_t state;			/* enum pfkm_sa_state */
	struct pfkm_addr daddr, saddr;
	uint32_t reqid;
	uint32_t seq;			/* sadb_msg_seq (km.seq), 0 = none */

	struct pfkm_sa *sel_next, **sel_pprev;	/* pprev: the pointer to this SA */
	struct pfkm_sa *seq_next, *acq_next;
	struct pfkm_walk all;
	uint64_t deadline_ms;		/* next lifetime event (mono), 0 = none */
	bool dying;			/* soft limit passed (MATURE only) */
	bool linked, indexed_spi, indexed_seq, indexed_acq;

	uint8_t replay;			/* window in packets (up to 255) */
	uint8_t auth_id, enc_id;	/* SADB ids; enc_id is the CALG for IPComp */
	uint32_t flags;			/* SADB_SAFLAGS_* Linux keeps */
	uint32_t heap_idx;		/* position in the expiry heap, 0 = none */
	const struct pfkm_alg *auth, *enc;
	uint16_t icv_bits;		/* ICV the data path uses (RFC 4868) */
	uint16_t auth_bits, enc_bits;
	os_be16 sel_sport;		/* selector (below); here it fills padding */
	uint8_t *auth_key, *enc_key;	/* one os_zalloc'd block, wiped on free */

	struct pfkm_lifetime hard, soft, cur;
	uint64_t add_ms, use_ms;	/* monotonic twins of cur.addtime/usetime */

	/* Selector (PROXY address), as af_key keeps it in x->sel. */
	uint8_t sel_family, sel_plen, sel_proto;
	/* NAT-T encapsulation (type 0 = none); ports network order. */
	uint8_t natt_type;
	os_be16 natt_sport, natt_dport;
	struct pfkm_addr sel_saddr;	/* the fields above pack into 8 bytes */

	/*
	 * A user's weak reference (the data path's per-SA state): NULL, or a
	 * pointer to a struct pfkm_sa * (its first member) that freeing the SA
	 * sets to NULL. The SADB never calls its owner.
	 */
	void *dp;
};

/* Outbound selection / larval key. */
struct pfkm_sa_sel {
	uint8_t family, proto, mode;
	uint32_t reqid;
	struct pfkm_addr saddr, daddr;
};

struct pfkm_hash {
	void **tab;
	uint32_t mask;		/* buckets - 1 */
	size_t count;
};

/*
 * The (spi, proto) index is open addressing with linear probing: a slot
 * (32 bytes) holds the whole inbound key (SPI, protocol, family, daddr)
 * next to the SA pointer, so a lookup reads slots only and never another
 * SA (in a table of a million SAs each would be a cache and TLB miss). Load stays at most 1/2;
 * deletion shifts the probe run back (no tombstones).
 */
struct pfkm_spi_slot {
	uint32_t spi;
	uint8_t proto, family;
	struct pfkm_addr daddr;
	struct pfkm_sa *sa;	/* NULL: empty */
};

struct pfkm_spi_tab {
	struct pfkm_spi_slot *slots;
	uint32_t mask;
	size_t count;
};

/* Chained hash of SAs by selection key (sel_next/sel_pprev or acq_next). */
struct pfkm_sa_tab {
	struct pfkm_sa **tab;
	uint32_t mask;		/* buckets - 1 */
	size_t count;
};

struct pfkm_sadb {
	struct pfkm_spi_tab spi;
	struct pfkm_sa_tab sel;
	struct pfkm_sa_tab acq;	/* SAs inserted LARVAL without SPI, until they get one */
	struct pfkm_hash seq;
	struct pfkm_walk all;	/* newest first */
	size_t count;
};

int pfkm_sadb_init(struct pfkm_sadb *db);
/* Frees every SA (keys wiped). The caller makes sure nothing refers to them. */
void pfkm_sadb_destroy(struct pfkm_sadb *db);

struct pfkm_sa *pfkm_sadb_sa_alloc(void);
/* Wipes keys and frees. The SA must not be in a table. */
void pfkm_sadb_sa_free(struct pfkm_sa *sa);
/* Store a key copy (bits rounded up to bytes); -ENOMEM. */
int pfkm_sadb_sa_set_key(struct pfkm_sa *sa, bool auth, const void *key, unsigned int bits);

/* Link into every index (newest first in the list). Never fails: a table
 * that cannot grow keeps working with longer chains. */
void pfkm_sadb_insert(struct pfkm_sadb *db, struct pfkm_sa *sa);
/* Remove from every index; state becomes DEAD unless EXPIRED. */
void pfkm_sadb_unlink(struct pfkm_sadb *db, struct pfkm_sa *sa);
/* Give an SA its SPI (or change it) and index it. */
void pfkm_sadb_set_spi(struct pfkm_sadb *db, struct pfkm_sa *sa, uint32_t spi_be);

/* Inbound: exact (daddr, spi, proto). */
struct pfkm_sa *pfkm_sadb_lookup(struct pfkm_sadb *db, unsigned int family,
				 const struct pfkm_addr *daddr, uint32_t spi_be, uint8_t proto);
/* Any SA with this (spi, proto), whatever its address (SPI allocation). */
struct pfkm_sa *pfkm_sadb_lookup_spi(struct pfkm_sadb *db, uint32_t spi_be, uint8_t proto);
/* LARVAL SA carrying this sequence number. */
struct pfkm_sa *pfkm_sadb_lookup_seq(struct pfkm_sadb *db, uint32_t seq);
/*
 * Iterate over SAs whose selection key equals k: pass prev = NULL first.
 * Any state is returned; callers filter.
 */
struct pfkm_sa *pfkm_sadb_sel_next(struct pfkm_sadb *db, const struct pfkm_sa_sel *k,
				   struct pfkm_sa *prev);
/* Larval SA without SPI for key k (af_key's __find_acq_core), the newest
 * if several: O(1) expected, reads larval SAs only. */
struct pfkm_sa *pfkm_sadb_find_acq(struct pfkm_sadb *db, const struct pfkm_sa_sel *k);
void pfkm_sadb_sa_sel(const struct pfkm_sa *sa, struct pfkm_sa_sel *k);

/* af_key's verify_spi_info: a GETSPI range valid for proto (IPComp CPIs
 * are 16 bits). */
static inline bool pfkm_sa_spi_range_ok(uint8_t proto, uint32_t min, uint32_t max)
{
	if (proto == IPPROTO_COMP && max >= 0x10000)
		return false;
	if (proto != IPPROTO_AH && proto != IPPROTO_ESP && proto != IPPROTO_COMP)
		return false;
	return min <= max;
}

/* sadb_sa_state as af_key reports it. */
uint8_t pfkm_sa_wire_state(const struct pfkm_sa *sa);
/* SADB satype of an IPPROTO (0 if none). */
uint8_t pfkm_sa_proto2satype(uint8_t proto);
/* IPPROTO of a satype: UNSPEC -> IPSEC_PROTO_ANY, unknown -> 0. */
uint8_t pfkm_sa_satype2proto(uint8_t satype);

/* Internal hash helpers shared with spd.c. */
int pfkm_hash_init(struct pfkm_hash *h, uint32_t buckets);
void pfkm_hash_free(struct pfkm_hash *h);
/* Grow to twice the size when count > buckets; rehash via next-pointer
 * offset and key function. Returns true when it grew. */
bool pfkm_hash_grow(struct pfkm_hash *h, size_t next_off, uint32_t (*key)(const void *obj));

#endif /* PFKM_SADB_H */
