// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * sadb.c: owns the in-memory store's indexes of struct pfkm_sa (see
 * sadb.h); the SA object itself is sa.c's. Callers hold the net mutex;
 * nothing here sends messages.
 */
#include "sadb.h"

#define HASH_MIN 64u
#define HASH_MAX (1u << 26)
#define ACQ_MIN 16u
#define NEXT(obj, off) (*(void **)(void *)((char *)(obj) + (off)))

int pfkm_hash_init(struct pfkm_hash *h, uint32_t buckets)
{
	h->tab = os_zalloc(buckets * sizeof(void *));
	if (!h->tab)
		return -ENOMEM;
	h->mask = buckets - 1;
	h->count = 0;
	return 0;
}

void pfkm_hash_free(struct pfkm_hash *h)
{
	os_free(h->tab);
	h->tab = NULL;
}

bool pfkm_hash_grow(struct pfkm_hash *h, size_t next_off, uint32_t (*key)(const void *obj))
{
	uint32_t nb = (h->mask + 1) * 2, i;
	void **nt;

	if (h->count <= (size_t)h->mask + 1 || nb > HASH_MAX)
		return false;
	nt = os_zalloc(nb * sizeof(void *));
	if (!nt)
		return false;	/* keep the old table: longer chains, still correct */
	for (i = 0; i <= h->mask; i++) {
		void *obj = h->tab[i];

		while (obj) {
			void *next = NEXT(obj, next_off);
			uint32_t b = key(obj) & (nb - 1);

			NEXT(obj, next_off) = nt[b];
			nt[b] = obj;
			obj = next;
		}
	}
	os_free(h->tab);
	h->tab = nt;
	h->mask = nb - 1;
	return true;
}

static void hash_add(struct pfkm_hash *h, void *obj, size_t off, uint32_t hv)
{
	void **b = &h->tab[hv & h->mask];

	NEXT(obj, off) = *b;
	*b = obj;
	h->count++;
}

static void hash_del(struct pfkm_hash *h, void *obj, size_t off, uint32_t hv)
{
	void **pp = &h->tab[hv & h->mask];

	while (*pp) {
		if (*pp == obj) {
			*pp = NEXT(obj, off);
			NEXT(obj, off) = NULL;
			h->count--;
			return;
		}
		pp = &NEXT(*pp, off);
	}
}

/* murmur3's finalizer: every input bit reaches the low bits the linear
 * probing mask keeps, so small tables do not cluster. */
static uint32_t spi_hash(uint32_t spi, uint8_t proto)
{
	uint32_t h = spi ^ ((uint32_t)proto << 24) ^ 0x5a5a1234u;

	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static int spi_tab_init(struct pfkm_spi_tab *t, uint32_t slots)
{
	t->slots = os_zalloc(slots * sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->mask = slots - 1;
	t->count = 0;
	return 0;
}

static void spi_tab_place(struct pfkm_spi_tab *t, struct pfkm_sa *sa)
{
	uint32_t i = spi_hash(sa->spi, sa->proto) & t->mask;

	while (t->slots[i].sa)
		i = (i + 1) & t->mask;
	t->slots[i].spi = sa->spi;
	t->slots[i].proto = sa->proto;
	t->slots[i].family = sa->family;
	t->slots[i].daddr = sa->daddr;
	t->slots[i].sa = sa;
}

/* Double when more than half full; a failed allocation keeps the table
 * (it still has room: growth is attempted from load 1/2 on). */
static void spi_tab_grow(struct pfkm_spi_tab *t)
{
	struct pfkm_spi_tab n;
	uint32_t i;

	if (2 * t->count <= (size_t)t->mask + 1 || (t->mask + 1) * 2 > HASH_MAX)
		return;
	if (spi_tab_init(&n, (t->mask + 1) * 2))
		return;
	for (i = 0; i <= t->mask; i++)
		if (t->slots[i].sa)
			spi_tab_place(&n, t->slots[i].sa);
	n.count = t->count;
	os_free(t->slots);
	*t = n;
}

static void spi_tab_add(struct pfkm_spi_tab *t, struct pfkm_sa *sa)
{
	/* never let the table fill up, even when it could not grow */
	if (t->count + 1 > t->mask)
		return;
	spi_tab_place(t, sa);
	t->count++;
	sa->indexed_spi = true;
	spi_tab_grow(t);
}

/* Linear probing deletion with backward shift. */
static void spi_tab_del(struct pfkm_spi_tab *t, struct pfkm_sa *sa)
{
	uint32_t i = spi_hash(sa->spi, sa->proto) & t->mask, j, k;

	while (t->slots[i].sa != sa) {
		if (!t->slots[i].sa)
			return;
		i = (i + 1) & t->mask;
	}
	t->count--;
	sa->indexed_spi = false;
	for (j = i;;) {
		t->slots[i].sa = NULL;
		for (;;) {
			j = (j + 1) & t->mask;
			if (!t->slots[j].sa)
				return;
			k = spi_hash(t->slots[j].spi, t->slots[j].proto) & t->mask;
			/* stays if its home k lies cyclically in (i, j] */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		t->slots[i] = t->slots[j];
		i = j;
	}
}

static uint32_t sel_hash(const struct pfkm_sa_sel *k)
{
	uint32_t h = pfkm_hash_mix(0x1234abcdu, k->family | (uint32_t)k->proto << 8 |
				   (uint32_t)k->mode << 16);

	h = pfkm_hash_mix(h, k->reqid);
	h = pfkm_addr_hash(h, &k->saddr);
	return pfkm_addr_hash(h, &k->daddr);
}

static uint32_t seq_hash(uint32_t seq)
{
	return pfkm_hash_mix(0x77777777u, seq);
}

void pfkm_sadb_sa_sel(const struct pfkm_sa *sa, struct pfkm_sa_sel *k)
{
	memset(k, 0, sizeof(*k));
	k->family = sa->family;
	k->proto = sa->proto;
	k->mode = sa->mode;
	k->reqid = sa->reqid;
	k->saddr = sa->saddr;
	k->daddr = sa->daddr;
}

static uint32_t key_sel(const void *obj)
{
	struct pfkm_sa_sel k;

	pfkm_sadb_sa_sel(obj, &k);
	return sel_hash(&k);
}

static uint32_t key_seq(const void *obj)
{
	return seq_hash(((const struct pfkm_sa *)obj)->seq);
}

/*
 * The selection index (sel) and the larval index (acq) are chained tables
 * of SAs under the same key. sel chains are doubly linked through
 * sel_pprev: one address pair may hold a million SAs, and DELETE, expiry
 * and FLUSH must not walk them to unlink one. acq chains hold only larval
 * SAs without SPI (a handful: at most one per key in practice), singly
 * linked through acq_next.
 */
static int sa_tab_init(struct pfkm_sa_tab *t, uint32_t buckets)
{
	t->tab = os_zalloc(buckets * sizeof(*t->tab));
	if (!t->tab)
		return -ENOMEM;
	t->mask = buckets - 1;
	t->count = 0;
	return 0;
}

static void sa_tab_free(struct pfkm_sa_tab *t)
{
	os_free(t->tab);
	t->tab = NULL;
}

static struct pfkm_sa **tab_next(struct pfkm_sa *sa, bool sel)
{
	return sel ? &sa->sel_next : &sa->acq_next;
}

/*
 * Double when count > buckets. Old bucket i splits into new buckets i and
 * i + old size, each filled in the old order, so chains stay newest first
 * (find_acq and outbound selection return the same SA before and after).
 * A failed allocation keeps the old table: longer chains, still correct.
 */
static void sa_tab_grow(struct pfkm_sa_tab *t, bool sel)
{
	uint32_t ob = t->mask + 1, i;
	struct pfkm_sa **nt;

	if (t->count <= ob || 2 * ob > HASH_MAX)
		return;
	nt = os_zalloc(2 * (size_t)ob * sizeof(*nt));
	if (!nt)
		return;
	for (i = 0; i < ob; i++) {
		struct pfkm_sa **tail[2] = { &nt[i], &nt[i + ob] };
		struct pfkm_sa *sa = t->tab[i];

		while (sa) {
			struct pfkm_sa *next = *tab_next(sa, sel);
			unsigned int hi = (key_sel(sa) & ob) != 0;

			*tail[hi] = sa;
			if (sel)
				sa->sel_pprev = tail[hi];
			tail[hi] = tab_next(sa, sel);
			sa = next;
		}
		*tail[0] = NULL;
		*tail[1] = NULL;
	}
	os_free(t->tab);
	t->tab = nt;
	t->mask = 2 * ob - 1;
}

static void sel_add(struct pfkm_sa_tab *t, struct pfkm_sa *sa, uint32_t hv)
{
	struct pfkm_sa **b = &t->tab[hv & t->mask];

	sa->sel_next = *b;
	if (*b)
		(*b)->sel_pprev = &sa->sel_next;
	*b = sa;
	sa->sel_pprev = b;
	t->count++;
}

static void sel_del(struct pfkm_sa_tab *t, struct pfkm_sa *sa)
{
	*sa->sel_pprev = sa->sel_next;
	if (sa->sel_next)
		sa->sel_next->sel_pprev = sa->sel_pprev;
	sa->sel_next = NULL;
	sa->sel_pprev = NULL;
	t->count--;
}

static void acq_add(struct pfkm_sadb *db, struct pfkm_sa *sa, uint32_t hv)
{
	struct pfkm_sa **b = &db->acq.tab[hv & db->acq.mask];

	sa->acq_next = *b;
	*b = sa;
	db->acq.count++;
	sa->indexed_acq = true;
	sa_tab_grow(&db->acq, false);
}

static void acq_del(struct pfkm_sadb *db, struct pfkm_sa *sa)
{
	struct pfkm_sa **pp = &db->acq.tab[key_sel(sa) & db->acq.mask];

	for (; *pp; pp = &(*pp)->acq_next) {
		if (*pp == sa) {
			*pp = sa->acq_next;
			sa->acq_next = NULL;
			db->acq.count--;
			break;
		}
	}
	sa->indexed_acq = false;
}

int pfkm_sadb_init(struct pfkm_sadb *db)
{
	int ret;

	memset(db, 0, sizeof(*db));
	pfkm_walk_init(&db->all);
	ret = spi_tab_init(&db->spi, 2 * HASH_MIN);
	if (ret)
		goto err_spi;
	ret = sa_tab_init(&db->sel, HASH_MIN);
	if (ret)
		goto err_sel;
	ret = sa_tab_init(&db->acq, ACQ_MIN);
	if (ret)
		goto err_acq;
	ret = pfkm_hash_init(&db->seq, HASH_MIN);
	if (ret)
		goto err_seq;
	return 0;

err_seq:
	sa_tab_free(&db->acq);
err_acq:
	sa_tab_free(&db->sel);
err_sel:
	os_free(db->spi.slots);
err_spi:
	return ret;
}

void pfkm_sadb_destroy(struct pfkm_sadb *db)
{
	struct pfkm_walk *w = db->all.next;

	while (w != &db->all) {
		struct pfkm_walk *next = w->next;

		if (!w->marker) {
			struct pfkm_sa *sa = os_container_of(w, struct pfkm_sa, all);

			pfkm_sadb_unlink(db, sa);
			pfkm_sadb_sa_free(sa);
		}
		w = next;
	}
	os_free(db->spi.slots);
	sa_tab_free(&db->sel);
	sa_tab_free(&db->acq);
	pfkm_hash_free(&db->seq);
}

void pfkm_sadb_insert(struct pfkm_sadb *db, struct pfkm_sa *sa)
{
	uint32_t hv = key_sel(sa);

	pfkm_walk_add_after(&db->all, &sa->all);
	sa->linked = true;
	db->count++;
	sel_add(&db->sel, sa, hv);
	sa_tab_grow(&db->sel, true);
	if (sa->spi)
		spi_tab_add(&db->spi, sa);
	/* Stays indexed when a KM's error ACQUIRE turns it into ERROR (find_acq
	 * checks the state), leaves when it gets an SPI or is unlinked. */
	if (!sa->spi && sa->state == PFKM_SA_LARVAL)
		acq_add(db, sa, hv);
	/* Only larval SAs are found by sequence; indexing mature ones too
	 * would let a KM that numbers every ADD alike build one long chain. */
	if (sa->seq && sa->state == PFKM_SA_LARVAL) {
		hash_add(&db->seq, sa, offsetof(struct pfkm_sa, seq_next), seq_hash(sa->seq));
		pfkm_hash_grow(&db->seq, offsetof(struct pfkm_sa, seq_next), key_seq);
		sa->indexed_seq = true;
	}
}

void pfkm_sadb_unlink(struct pfkm_sadb *db, struct pfkm_sa *sa)
{
	if (!sa->linked)
		return;
	sa->linked = false;
	pfkm_walk_del(&sa->all);
	db->count--;
	sel_del(&db->sel, sa);
	if (sa->indexed_spi)
		spi_tab_del(&db->spi, sa);
	if (sa->indexed_acq)
		acq_del(db, sa);
	if (sa->indexed_seq)
		hash_del(&db->seq, sa, offsetof(struct pfkm_sa, seq_next), seq_hash(sa->seq));
	sa->indexed_spi = sa->indexed_seq = false;
	if (sa->state != PFKM_SA_EXPIRED)
		sa->state = PFKM_SA_DEAD;
}

void pfkm_sadb_set_spi(struct pfkm_sadb *db, struct pfkm_sa *sa, uint32_t spi_be)
{
	if (sa->indexed_spi)
		spi_tab_del(&db->spi, sa);
	sa->spi = spi_be;
	if (spi_be && sa->linked)
		spi_tab_add(&db->spi, sa);
	if (spi_be && sa->indexed_acq)
		acq_del(db, sa);
}

struct pfkm_sa *pfkm_sadb_lookup(struct pfkm_sadb *db, unsigned int family,
				 const struct pfkm_addr *daddr, uint32_t spi_be, uint8_t proto)
{
	const struct pfkm_spi_tab *t = &db->spi;
	uint32_t i = spi_hash(spi_be, proto) & t->mask;

	for (; t->slots[i].sa; i = (i + 1) & t->mask) {
		const struct pfkm_spi_slot *sl = &t->slots[i];

		if (sl->spi == spi_be && sl->proto == proto && sl->family == family &&
		    pfkm_addr_equal(family, &sl->daddr, daddr))
			return sl->sa;
	}
	return NULL;
}

struct pfkm_sa *pfkm_sadb_lookup_spi(struct pfkm_sadb *db, uint32_t spi_be, uint8_t proto)
{
	const struct pfkm_spi_tab *t = &db->spi;
	uint32_t i = spi_hash(spi_be, proto) & t->mask;

	for (; t->slots[i].sa; i = (i + 1) & t->mask)
		if (t->slots[i].spi == spi_be && t->slots[i].proto == proto)
			return t->slots[i].sa;
	return NULL;
}

struct pfkm_sa *pfkm_sadb_lookup_seq(struct pfkm_sadb *db, uint32_t seq)
{
	struct pfkm_sa *sa = db->seq.tab[seq_hash(seq) & db->seq.mask];

	for (; sa; sa = sa->seq_next)
		if (sa->seq == seq && sa->state == PFKM_SA_LARVAL)
			return sa;
	return NULL;
}

static bool sel_equal(const struct pfkm_sa *sa, const struct pfkm_sa_sel *k)
{
	return sa->family == k->family && sa->proto == k->proto && sa->mode == k->mode &&
	       sa->reqid == k->reqid && pfkm_addr_equal(k->family, &sa->saddr, &k->saddr) &&
	       pfkm_addr_equal(k->family, &sa->daddr, &k->daddr);
}

struct pfkm_sa *pfkm_sadb_sel_next(struct pfkm_sadb *db, const struct pfkm_sa_sel *k,
				   struct pfkm_sa *prev)
{
	struct pfkm_sa *sa = prev ? prev->sel_next : db->sel.tab[sel_hash(k) & db->sel.mask];

	for (; sa; sa = sa->sel_next)
		if (sel_equal(sa, k))
			return sa;
	return NULL;
}

struct pfkm_sa *pfkm_sadb_find_acq(struct pfkm_sadb *db, const struct pfkm_sa_sel *k)
{
	struct pfkm_sa *sa;

	/* ADD asks this for every SA; most of the time there is no larval SA */
	if (!db->acq.count)
		return NULL;
	for (sa = db->acq.tab[sel_hash(k) & db->acq.mask]; sa; sa = sa->acq_next)
		if (sa->state == PFKM_SA_LARVAL && sa->spi == 0 && sel_equal(sa, k))
			return sa;
	return NULL;
}

#include "selftest/sadb.c"
