// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * spd.c: owns the in-memory store's per-direction tuple-space index of
 * struct pfkm_policy, the id index and the newest-first list (see spd.h);
 * the policy object's lifetime is policy.c's. Callers hold
 * the net mutex; nothing here sends messages.
 */
#include "spd.h"

#define SPD_HASH_MIN 64u

/* Hash of the first plen bits of a, a word at a time (family's words only). */
static uint32_t prefix_hash(uint32_t h, const struct pfkm_addr *a, unsigned int plen,
			    unsigned int words)
{
	unsigned int i;

	for (i = 0; i < words; i++) {
		uint32_t w = 0;

		if (plen >= 32)
			w = a->w[i];
		else if (plen)
			w = a->w[i] & os_htonl(~0u << (32 - plen));
		h = pfkm_hash_mix(h, w);
		plen = plen > 32 ? plen - 32 : 0;
	}
	return h;
}

static uint32_t tuple_hash(uint8_t family, uint8_t splen, uint8_t dplen,
			   const struct pfkm_addr *s, const struct pfkm_addr *d)
{
	unsigned int words = family == AF_INET ? 1 : 4;
	uint32_t h = pfkm_hash_mix(0xc0ffee11u, family | (uint32_t)splen << 8 |
				   (uint32_t)dplen << 16);

	h = prefix_hash(h, s, splen, words);
	return prefix_hash(h, d, dplen, words);
}

static uint32_t key_pol(const void *obj)
{
	const struct pfkm_policy *p = obj;

	return tuple_hash(p->sel.family, p->sel.splen, p->sel.dplen, &p->sel.saddr,
			  &p->sel.daddr);
}

static uint32_t id_hash(uint32_t id)
{
	return pfkm_hash_mix(0x0badf00du, id);
}

static uint32_t key_id(const void *obj)
{
	return id_hash(((const struct pfkm_policy *)obj)->id);
}

int pfkm_spd_init(struct pfkm_spd *spd)
{
	int ret, i;

	memset(spd, 0, sizeof(*spd));
	pfkm_walk_init(&spd->all);
	ret = pfkm_hash_init(&spd->ids, SPD_HASH_MIN);
	if (ret)
		goto err_ids;
	for (i = 0; i < 3; i++) {
		ret = pfkm_hash_init(&spd->dir[i].h, SPD_HASH_MIN);
		if (ret)
			goto err_dir;
	}
	return 0;

err_dir:
	while (--i >= 0)
		pfkm_hash_free(&spd->dir[i].h);
	pfkm_hash_free(&spd->ids);
err_ids:
	return ret;
}

void pfkm_spd_destroy(struct pfkm_spd *spd)
{
	struct pfkm_walk *w = spd->all.next;
	int i;

	while (w != &spd->all) {
		struct pfkm_walk *next = w->next;

		if (!w->marker) {
			struct pfkm_policy *p = os_container_of(w, struct pfkm_policy, all);

			pfkm_spd_remove(spd, p);
			pfkm_spd_policy_put(p);
		}
		w = next;
	}
	for (i = 0; i < 3; i++) {
		pfkm_hash_free(&spd->dir[i].h);
		os_free(spd->dir[i].tuples);
	}
	pfkm_hash_free(&spd->ids);
}

static bool sel_same(const struct pfkm_sel *a, const struct pfkm_sel *b)
{
	return a->family == b->family && a->splen == b->splen && a->dplen == b->dplen &&
	       a->proto == b->proto && a->sport == b->sport && a->dport == b->dport &&
	       pfkm_addr_equal(a->family, &a->saddr, &b->saddr) &&
	       pfkm_addr_equal(a->family, &a->daddr, &b->daddr);
}

bool pfkm_spd_sel_match(const struct pfkm_sel *sel, const struct pfkm_spd_flow *fl)
{
	return sel->family == fl->family &&
	       pfkm_addr_match(&sel->saddr, &fl->saddr, sel->splen) &&
	       pfkm_addr_match(&sel->daddr, &fl->daddr, sel->dplen) &&
	       (!sel->proto || sel->proto == fl->proto) &&
	       (!sel->sport || sel->sport == fl->sport) &&
	       (!sel->dport || sel->dport == fl->dport);
}

static int tuple_add(struct pfkm_spd_dir *d, const struct pfkm_sel *s)
{
	struct pfkm_spd_tuple *t;
	uint32_t i;

	for (i = 0; i < d->ntuples; i++) {
		t = &d->tuples[i];
		if (t->family == s->family && t->splen == s->splen && t->dplen == s->dplen) {
			t->count++;
			return 0;
		}
	}
	if (d->ntuples == d->cap) {
		uint32_t cap = d->cap ? d->cap * 2 : 8;

		t = os_zalloc(cap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		if (d->ntuples)
			memcpy(t, d->tuples, d->ntuples * sizeof(*t));
		os_free(d->tuples);
		d->tuples = t;
		d->cap = cap;
	}
	t = &d->tuples[d->ntuples++];
	t->family = s->family;
	t->splen = s->splen;
	t->dplen = s->dplen;
	t->count = 1;
	return 0;
}

static void tuple_del(struct pfkm_spd_dir *d, const struct pfkm_sel *s)
{
	uint32_t i;

	for (i = 0; i < d->ntuples; i++) {
		struct pfkm_spd_tuple *t = &d->tuples[i];

		if (t->family == s->family && t->splen == s->splen && t->dplen == s->dplen) {
			if (--t->count == 0)
				d->tuples[i] = d->tuples[--d->ntuples];
			return;
		}
	}
}

struct pfkm_policy *pfkm_spd_find_sel(struct pfkm_spd *spd, uint8_t dir,
				      const struct pfkm_sel *sel)
{
	struct pfkm_spd_dir *d;
	struct pfkm_policy *p;

	if (dir < IPSEC_DIR_INBOUND || dir > IPSEC_DIR_FWD)
		return NULL;
	d = &spd->dir[dir - 1];
	p = d->h.tab[tuple_hash(sel->family, sel->splen, sel->dplen, &sel->saddr,
				&sel->daddr) & d->h.mask];
	for (; p; p = p->hnext)
		if (sel_same(&p->sel, sel))
			return p;
	return NULL;
}

struct pfkm_policy *pfkm_spd_find_id(struct pfkm_spd *spd, uint32_t id)
{
	struct pfkm_policy *p = spd->ids.tab[id_hash(id) & spd->ids.mask];

	for (; p; p = p->id_next)
		if (p->id == id)
			return p;
	return NULL;
}

static uint32_t gen_index(struct pfkm_spd *spd, unsigned int dir0)
{
	for (;;) {
		uint32_t idx = spd->idx_gen | dir0;

		spd->idx_gen += 8;
		if (idx == 0)
			idx = 8;
		if (!pfkm_spd_find_id(spd, idx))
			return idx;
	}
}

static void link_pol(struct pfkm_spd *spd, struct pfkm_policy *pol)
{
	struct pfkm_spd_dir *d = &spd->dir[pol->dir - 1];
	void **b;

	b = &d->h.tab[key_pol(pol) & d->h.mask];
	pol->hnext = *b;
	*b = pol;
	d->h.count++;
	pfkm_hash_grow(&d->h, offsetof(struct pfkm_policy, hnext), key_pol);
	b = &spd->ids.tab[key_id(pol) & spd->ids.mask];
	pol->id_next = *b;
	*b = pol;
	spd->ids.count++;
	pfkm_hash_grow(&spd->ids, offsetof(struct pfkm_policy, id_next), key_id);
	pfkm_walk_add_after(&spd->all, &pol->all);
	pol->linked = true;
	spd->count++;
}

int pfkm_spd_insert(struct pfkm_spd *spd, struct pfkm_policy *pol, bool excl,
		    struct pfkm_policy **old)
{
	struct pfkm_policy *cur;
	int ret;

	*old = NULL;
	if (pol->dir < IPSEC_DIR_INBOUND || pol->dir > IPSEC_DIR_FWD)
		return -EINVAL;
	cur = pfkm_spd_find_sel(spd, pol->dir, &pol->sel);
	if (cur && excl)
		return -EEXIST;
	ret = tuple_add(&spd->dir[pol->dir - 1], &pol->sel);
	if (ret)
		return ret;
	if (cur) {
		pfkm_spd_remove(spd, cur);
		pol->id = cur->id;
		/* Same priority: keeps its place among equals, as Linux's
		 * xfrm_policy_insert_list puts the new one where the old was. */
		pol->pos = cur->priority == pol->priority ? cur->pos : ++spd->pos_gen;
		*old = cur;
	} else {
		pol->id = gen_index(spd, pol->dir - 1u);
		pol->pos = ++spd->pos_gen;
	}
	pfkm_spd_policy_hold(pol);	/* the table's reference */
	link_pol(spd, pol);
	return 0;
}

void pfkm_spd_remove(struct pfkm_spd *spd, struct pfkm_policy *pol)
{
	struct pfkm_spd_dir *d;
	struct pfkm_policy **pp;

	if (!pol->linked)
		return;
	d = &spd->dir[pol->dir - 1];
	for (pp = (struct pfkm_policy **)&d->h.tab[key_pol(pol) & d->h.mask]; *pp;
	     pp = &(*pp)->hnext) {
		if (*pp == pol) {
			*pp = pol->hnext;
			d->h.count--;
			break;
		}
	}
	for (pp = (struct pfkm_policy **)&spd->ids.tab[key_id(pol) & spd->ids.mask]; *pp;
	     pp = &(*pp)->id_next) {
		if (*pp == pol) {
			*pp = pol->id_next;
			spd->ids.count--;
			break;
		}
	}
	tuple_del(d, &pol->sel);
	pfkm_walk_del(&pol->all);
	pol->linked = false;
	pol->hnext = pol->id_next = NULL;
	spd->count--;
}

static bool better(const struct pfkm_policy *a, const struct pfkm_policy *b)
{
	if (!b)
		return true;
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return a->pos < b->pos;
}

struct pfkm_policy *pfkm_spd_lookup(struct pfkm_spd *spd, uint8_t dir,
				    const struct pfkm_spd_flow *fl)
{
	struct pfkm_policy *best = NULL, *p;
	struct pfkm_spd_dir *d;
	uint32_t i;

	if (dir < IPSEC_DIR_INBOUND || dir > IPSEC_DIR_FWD)
		return NULL;
	d = &spd->dir[dir - 1];
	for (i = 0; i < d->ntuples; i++) {
		const struct pfkm_spd_tuple *t = &d->tuples[i];

		if (t->family != fl->family)
			continue;
		p = d->h.tab[tuple_hash(t->family, t->splen, t->dplen, &fl->saddr,
					&fl->daddr) & d->h.mask];
		for (; p; p = p->hnext)
			if (p->sel.splen == t->splen && p->sel.dplen == t->dplen &&
			    pfkm_spd_sel_match(&p->sel, fl) && better(p, best))
				best = p;
	}
	return best;
}

#include "selftest/spd.c"
