// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * store_mem.c: owns the in-memory store's operations (store.h) over the
 * SADB, the SPD and the expiry heap of struct pfkm_mem: xfrm's semantics
 * for ADD/UPDATE (xfrm_state_add / xfrm_state_update: larval SAs replaced,
 * a mature SA's lifetimes updated), GETSPI (xfrm_find_acq +
 * xfrm_alloc_spi), DELETE, FLUSH, the policy table (xfrm_policy_insert,
 * bysel, byid, flush), resumable walks and MIGRATE (xfrm_migrate), each
 * change reported as a store event. Runs under the engine's lock.
 */
#include "store_mem.h"
#include "net.h"

/* Linux's default sysctl xfrm_acq_expires: larval SAs live 30 s. */
#define LARVAL_EXPIRE_SEC 30

static const struct pfkm_store_ops mem_ops;

struct pfkm_mem *pfkm_store_mem(struct pfkm_store *st)
{
	return st && st->ops == &mem_ops ? os_container_of(st, struct pfkm_mem, st) : NULL;
}

uint32_t pfkm_mem_next_seq(struct pfkm_mem *mem)
{
	if (++mem->acq_seq == 0)
		mem->acq_seq = 1;
	return mem->acq_seq;
}

int pfkm_mem_event_sa(struct pfkm_mem *mem, uint8_t kind, const struct pfkm_sa *sa, bool hard)
{
	struct pfkm_store_ev ev = { .kind = kind, .sa = sa, .hard = hard };

	return pfkm_store_event(&mem->st, &ev);
}

void pfkm_mem_event_pol(struct pfkm_mem *mem, uint8_t kind, const struct pfkm_policy *p,
			bool hard)
{
	struct pfkm_store_ev ev = { .kind = kind, .pol = p, .hard = hard };

	pfkm_store_event(&mem->st, &ev);
}

/* An event a request caused: the request's pid and seq go with it. */
static void event_from(struct pfkm_mem *mem, struct pfkm_store_ev *ev,
		       const struct pfkm_store_origin *o)
{
	if (o) {
		ev->pid = o->pid;
		ev->seq = o->seq;
	}
	pfkm_store_event(&mem->st, ev);
}

void pfkm_mem_sa_destroy(struct pfkm_mem *mem, struct pfkm_sa *sa)
{
	pfkm_expire_sa_remove(mem, sa);
	pfkm_sadb_unlink(&mem->sadb, sa);
	pfkm_sadb_sa_free(sa);
}

static void sa_link(struct pfkm_mem *mem, struct pfkm_sa *sa)
{
	pfkm_sadb_insert(&mem->sadb, sa);
	pfkm_expire_sa_update(mem, sa);
}

/* Larval SA an ADD supersedes: by sequence, else by selection key. */
static struct pfkm_sa *add_find_larval(struct pfkm_mem *mem, const struct pfkm_sa *x)
{
	struct pfkm_sa *x1 = NULL;
	struct pfkm_sa_sel k;

	if (x->seq) {
		x1 = pfkm_sadb_lookup_seq(&mem->sadb, x->seq);
		if (x1 && (x1->proto != x->proto || x1->family != x->family ||
			   !pfkm_addr_equal(x->family, &x1->daddr, &x->daddr)))
			x1 = NULL;
	}
	if (!x1) {
		pfkm_sadb_sa_sel(x, &k);
		x1 = pfkm_sadb_find_acq(&mem->sadb, &k);
	}
	return x1;
}

/*
 * An UPDATE of a larval SA replaces it; of a mature one changes only its
 * lifetimes and NAT-T ports, like Linux, and the event then shows the
 * request's SA in state DEAD (the discarded copy), byte for byte as af_key.
 */
static int mem_sa_add(struct pfkm_store *st, struct pfkm_sa *x, bool update,
		      const struct pfkm_store_origin *o)
{
	struct pfkm_mem *mem = pfkm_store_mem(st);
	struct pfkm_store_ev ev = { .kind = update ? PFKM_EV_SA_UPDATE : PFKM_EV_SA_ADD, .sa = x };
	struct pfkm_sa *x1;
	int ret;

	x1 = pfkm_sadb_lookup(&mem->sadb, x->family, &x->daddr, x->spi, x->proto);
	if (!update) {
		if (x1) {
			ret = -EEXIST;
			goto err;
		}
		x1 = add_find_larval(mem, x);
		sa_link(mem, x);
		if (x1)
			pfkm_mem_sa_destroy(mem, x1);
		event_from(mem, &ev, o);
		return 0;
	}
	if (!x1) {
		ret = -ESRCH;
		goto err;
	}
	if (x1->state == PFKM_SA_LARVAL) {
		sa_link(mem, x);
		pfkm_mem_sa_destroy(mem, x1);
		event_from(mem, &ev, o);
		return 0;
	}
	if (x1->state != PFKM_SA_MATURE) {
		ret = -EINVAL;
		goto err;
	}
	if (x->natt_type && x1->natt_type) {
		x1->natt_type = x->natt_type;
		x1->natt_sport = x->natt_sport;
		x1->natt_dport = x->natt_dport;
	}
	x1->hard = x->hard;
	x1->soft = x->soft;
	x1->dying = false;
	pfkm_expire_sa_update(mem, x1);
	x->state = PFKM_SA_DEAD;
	event_from(mem, &ev, o);
	pfkm_sadb_sa_free(x);
	return 0;

err:
	pfkm_sadb_sa_free(x);
	return ret;
}

static struct pfkm_sa *lookup_id(struct pfkm_mem *mem, const struct pfkm_sa_id *id)
{
	return pfkm_sadb_lookup(&mem->sadb, id->family, &id->daddr, id->spi, id->proto);
}

static int mem_sa_get(struct pfkm_store *st, const struct pfkm_sa_id *id,
		      const struct pfkm_sa **out)
{
	*out = lookup_id(pfkm_store_mem(st), id);
	return *out ? 0 : -ESRCH;
}

/* Values returned are the stored SAs themselves: nothing to release. */
static void mem_sa_put(struct pfkm_store *st, const struct pfkm_sa *x)
{
	(void)st;
	(void)x;
}

static int mem_sa_delete(struct pfkm_store *st, const struct pfkm_sa_id *id,
			 const struct pfkm_store_origin *o)
{
	struct pfkm_mem *mem = pfkm_store_mem(st);
	struct pfkm_store_ev ev = { .kind = PFKM_EV_SA_DELETE };
	struct pfkm_sa *x = lookup_id(mem, id);

	if (!x)
		return -ESRCH;
	pfkm_expire_sa_remove(mem, x);
	pfkm_sadb_unlink(&mem->sadb, x);
	ev.sa = x;
	event_from(mem, &ev, o);
	pfkm_sadb_sa_free(x);
	return 0;
}

static int mem_sa_flush(struct pfkm_store *st, uint8_t proto)
{
	struct pfkm_mem *mem = pfkm_store_mem(st);
	struct pfkm_walk *w, *next;
	int n = 0;

	for (w = mem->sadb.all.next; w != &mem->sadb.all; w = next) {
		struct pfkm_sa *x;

		next = w->next;
		if (w->marker)
			continue;
		x = os_container_of(w, struct pfkm_sa, all);
		if (proto == IPSEC_PROTO_ANY || x->proto == proto) {
			pfkm_mem_sa_destroy(mem, x);
			n++;
		}
	}
	return n;
}

/* Unique random SPI in [lo, hi] for proto (0 if none free). */
static uint32_t alloc_spi(struct pfkm_mem *mem, uint8_t proto, uint32_t lo, uint32_t hi)
{
	uint32_t span = hi - lo, v, i;

	if (lo == hi)
		return lo && !pfkm_sadb_lookup_spi(&mem->sadb, os_htonl(lo), proto) ? lo : 0;
	/* Random picks as xfrm_alloc_spi (never 0, unique per (spi, proto)) ... */
	for (i = 0; i < 64; i++) {
		os_random(&v, sizeof(v));
		if (span != 0xffffffffu)
			v = lo + v % (span + 1);
		if (v && !pfkm_sadb_lookup_spi(&mem->sadb, os_htonl(v), proto))
			return v;
	}
	/* ... then, for small ranges, a scan so a free SPI is always found. */
	if (span < 0x10000) {
		for (i = 0; i <= span; i++) {
			v = lo + i;
			if (v && !pfkm_sadb_lookup_spi(&mem->sadb, os_htonl(v), proto))
				return v;
		}
	}
	return 0;
}

static struct pfkm_sa *larval_create(struct pfkm_mem *mem, const struct pfkm_sa_sel *k)
{
	struct pfkm_sa *x = pfkm_sadb_sa_alloc();

	if (!x)
		return NULL;
	x->family = k->family;
	x->proto = k->proto;
	x->mode = k->mode;
	x->reqid = k->reqid;
	x->saddr = k->saddr;
	x->daddr = k->daddr;
	x->sel_family = k->family;
	x->sel_saddr = k->saddr;
	x->sel_plen = (uint8_t)pfkm_addr_bits(k->family);
	x->state = PFKM_SA_LARVAL;
	x->hard.addtime = LARVAL_EXPIRE_SEC;
	x->cur.addtime = os_time_real();
	x->add_ms = os_time_mono_ms();
	sa_link(mem, x);
	return x;
}

/* The range is checked on the SA found or made, as af_key's pfkey_getspi
 * (an invalid range still leaves the larval SA behind). */
static int mem_sa_getspi(struct pfkm_store *st, const struct pfkm_sa_sel *k, uint32_t seq,
			 uint32_t lo, uint32_t hi, const struct pfkm_sa **out)
{
	struct pfkm_mem *mem = pfkm_store_mem(st);
	struct pfkm_sa *x = NULL;
	uint32_t spi;

	if (seq) {
		x = pfkm_sadb_lookup_seq(&mem->sadb, seq);
		if (x && (x->family != k->family || !pfkm_addr_equal(k->family, &x->daddr, &k->daddr)))
			x = NULL;
	}
	if (!x)
		x = pfkm_sadb_find_acq(&mem->sadb, k);
	if (!x)
		x = larval_create(mem, k);
	if (!x)
		return -ENOBUFS;
	if (!pfkm_sa_spi_range_ok(x->proto, lo, hi))
		return -EINVAL;
	if (!x->spi) {
		spi = alloc_spi(mem, x->proto, lo, hi);
		if (!spi)
			return -ENOENT;
		pfkm_sadb_set_spi(&mem->sadb, x, os_htonl(spi));
	}
	*out = x;
	return 0;
}

static void mem_sa_acquire_error(struct pfkm_store *st, uint32_t seq)
{
	struct pfkm_sa *x = pfkm_sadb_lookup_seq(&pfkm_store_mem(st)->sadb, seq);

	if (x && x->state == PFKM_SA_LARVAL)
		x->state = PFKM_SA_ERROR;
}

/* A walk over one of the two lists (newest first); see store.h. */
static int walk_list(struct pfkm_walk *head, struct pfkm_store_walk *w,
		     int (*one)(struct pfkm_walk *e, struct pfkm_store_walk *w, void *fn,
				void *arg),
		     void *fn, void *arg)
{
	if (!w->started) {
		pfkm_walk_init(&w->marker);
		pfkm_walk_add_after(head, &w->marker);
		w->started = true;
	}
	for (;;) {
		struct pfkm_walk *e = w->marker.next;
		int ret;

		if (e == head)
			break;
		if (!e->marker) {
			ret = one(e, w, fn, arg);
			if (ret)
				return ret;
		}
		pfkm_walk_del(&w->marker);
		pfkm_walk_add_after(e, &w->marker);
	}
	pfkm_walk_del(&w->marker);
	w->started = false;
	return 0;
}

static int sa_one(struct pfkm_walk *e, struct pfkm_store_walk *w, void *fn, void *arg)
{
	const struct pfkm_sa *x = os_container_of(e, struct pfkm_sa, all);

	if (w->proto != IPSEC_PROTO_ANY && x->proto != w->proto)
		return 0;
	return ((pfkm_store_sa_fn)fn)(arg, x);
}

static int pol_one(struct pfkm_walk *e, struct pfkm_store_walk *w, void *fn, void *arg)
{
	(void)w;
	return ((pfkm_store_pol_fn)fn)(arg, os_container_of(e, struct pfkm_policy, all));
}

static int mem_sa_walk(struct pfkm_store *st, struct pfkm_store_walk *w, pfkm_store_sa_fn fn,
		       void *arg)
{
	return walk_list(&pfkm_store_mem(st)->sadb.all, w, sa_one, (void *)fn, arg);
}

static int mem_pol_walk(struct pfkm_store *st, struct pfkm_store_walk *w, pfkm_store_pol_fn fn,
			void *arg)
{
	return walk_list(&pfkm_store_mem(st)->spd.all, w, pol_one, (void *)fn, arg);
}

static void mem_walk_done(struct pfkm_store *st, struct pfkm_store_walk *w)
{
	(void)st;
	if (w->started)
		pfkm_walk_del(&w->marker);
	w->started = false;
}

static int mem_pol_add(struct pfkm_store *st, struct pfkm_policy *p, bool excl,
		       const struct pfkm_store_origin *o)
{
	struct pfkm_mem *mem = pfkm_store_mem(st);
	struct pfkm_store_ev ev = { .kind = excl ? PFKM_EV_POL_ADD : PFKM_EV_POL_UPDATE, .pol = p };
	struct pfkm_policy *old;
	int ret;

	ret = pfkm_spd_insert(&mem->spd, p, excl, &old);
	if (ret) {
		pfkm_spd_policy_put(p);
		return ret;
	}
	pfkm_expire_policy_added(mem, p);
	event_from(mem, &ev, o);
	pfkm_spd_policy_put(old);
	pfkm_spd_policy_put(p);
	return 0;
}

static void pol_remove(struct pfkm_mem *mem, struct pfkm_policy *p, bool by_id,
		       const struct pfkm_store_origin *o)
{
	struct pfkm_store_ev ev = { .kind = PFKM_EV_POL_DELETE, .pol = p, .by_id = by_id };

	pfkm_spd_remove(&mem->spd, p);
	event_from(mem, &ev, o);
	pfkm_spd_policy_put(p);
}

static int mem_pol_delete(struct pfkm_store *st, uint8_t dir, const struct pfkm_sel *sel,
			  const struct pfkm_store_origin *o)
{
	struct pfkm_mem *mem = pfkm_store_mem(st);
	struct pfkm_policy *p = pfkm_spd_find_sel(&mem->spd, dir, sel);

	if (!p)
		return -ENOENT;
	pol_remove(mem, p, false, o);
	return 0;
}

/* The id's low bits name the direction (xfrm_policy_byid). */
static int mem_pol_get(struct pfkm_store *st, uint32_t id, bool del,
		       const struct pfkm_store_origin *o, const struct pfkm_policy **out)
{
	struct pfkm_mem *mem = pfkm_store_mem(st);
	struct pfkm_policy *p = pfkm_spd_find_id(&mem->spd, id);

	*out = NULL;
	if (!p || p->dir != pfkm_spd_id2dir(id))
		return -ENOENT;
	if (del) {
		pol_remove(mem, p, true, o);
		return 0;
	}
	pfkm_spd_policy_hold(p);
	*out = p;
	return 0;
}

static void mem_pol_put(struct pfkm_store *st, const struct pfkm_policy *p)
{
	(void)st;
	pfkm_spd_policy_put((struct pfkm_policy *)p);
}

static int mem_pol_flush(struct pfkm_store *st)
{
	struct pfkm_spd *spd = &pfkm_store_mem(st)->spd;
	struct pfkm_walk *w, *next;
	int n = 0;

	for (w = spd->all.next; w != &spd->all; w = next) {
		struct pfkm_policy *p;

		next = w->next;
		if (w->marker)
			continue;
		p = os_container_of(w, struct pfkm_policy, all);
		pfkm_spd_remove(spd, p);
		pfkm_spd_policy_put(p);
		n++;
	}
	return n;
}

static void mem_notify_flush(struct pfkm_store *st, uint8_t what, uint8_t proto,
			     const struct pfkm_store_origin *o)
{
	struct pfkm_store_ev ev = {
		.kind = what == PFKM_WALK_SA ? PFKM_EV_SA_FLUSH : PFKM_EV_POL_FLUSH,
		.proto = proto,
	};

	event_from(pfkm_store_mem(st), &ev, o);
}

/* Move the SAs of one entry (xfrm_migrate_state_find + xfrm_state_migrate). */
static void move_sas(struct pfkm_mem *mem, const struct pfkm_store_mig *m)
{
	struct pfkm_walk *w, *next;

	for (w = mem->sadb.all.next; w != &mem->sadb.all; w = next) {
		struct pfkm_sa *x;
		bool sel_follows;
		uint8_t state;

		next = w->next;
		if (w->marker)
			continue;
		x = os_container_of(w, struct pfkm_sa, all);
		if (x->family != m->family || x->proto != m->proto || x->mode != m->mode ||
		    (m->reqid && x->reqid != m->reqid) ||
		    !pfkm_addr_equal(m->family, &x->saddr, &m->old_s) ||
		    !pfkm_addr_equal(m->family, &x->daddr, &m->old_d))
			continue;
		/* the SPI must stay unique at the new address: else it stays */
		if (pfkm_sadb_lookup(&mem->sadb, x->family, &m->new_d, x->spi, x->proto))
			continue;
		sel_follows = pfkm_addr_equal(x->family, &x->sel_saddr, &x->saddr);
		state = x->state;
		pfkm_expire_sa_remove(mem, x);
		pfkm_sadb_unlink(&mem->sadb, x);
		x->state = state;
		x->saddr = m->new_s;
		x->daddr = m->new_d;
		if (sel_follows)
			x->sel_saddr = m->new_s;
		pfkm_sadb_insert(&mem->sadb, x);
		pfkm_expire_sa_update(mem, x);
	}
}

static void move_tmpls(struct pfkm_policy *pol, const struct pfkm_store_mig *m)
{
	unsigned int i;

	for (i = 0; i < pol->ntmpl; i++) {
		struct pfkm_tmpl *t = &pol->tmpl[i];

		if (t->mode != m->mode || t->proto != m->proto || (m->reqid && t->reqid != m->reqid))
			continue;
		if (t->mode != IPSEC_MODE_TUNNEL && t->mode != IPSEC_MODE_BEET)
			continue;
		if (t->family != m->family || !pfkm_addr_equal(m->family, &t->saddr, &m->old_s) ||
		    !pfkm_addr_equal(m->family, &t->daddr, &m->old_d))
			continue;
		t->saddr = m->new_s;
		t->daddr = m->new_d;
	}
}

/*
 * The event's result is ignored as xfrm_migrate ignores km_migrate's: the
 * move is done, and a broadcast to ALL reports -ESRCH even when delivered
 * (pfkey_broadcast), which must not become an error reply.
 */
static int mem_migrate(struct pfkm_store *st, const struct pfkm_store_migrate *mg)
{
	struct pfkm_mem *mem = pfkm_store_mem(st);
	struct pfkm_store_ev ev = { .kind = PFKM_EV_MIGRATE, .mig = mg };
	struct pfkm_policy *pol = pfkm_spd_find_sel(&mem->spd, mg->dir, &mg->sel);
	unsigned int i;

	if (!pol)
		return -ENOENT;
	for (i = 0; i < mg->n; i++) {
		move_sas(mem, &mg->m[i]);
		move_tmpls(pol, &mg->m[i]);
	}
	pfkm_store_event(st, &ev);
	return 0;
}

static void mem_info(struct pfkm_store *st, struct pfkm_store_info *out)
{
	struct pfkm_mem *mem = pfkm_store_mem(st);

	out->sas = mem->sadb.count;
	out->policies = mem->spd.count;
}

static void mem_destroy(struct pfkm_store *st)
{
	struct pfkm_mem *mem = pfkm_store_mem(st);

	/* The expiry timer takes the lock: cancel it without holding it. */
	pfkm_expire_fini(mem);
	os_mutex_lock(mem->lock);
	pfkm_spd_destroy(&mem->spd);
	pfkm_sadb_destroy(&mem->sadb);
	os_free(mem->heap);
	mem->heap = NULL;
	os_mutex_unlock(mem->lock);
	os_free(mem);
}

static const struct pfkm_store_ops mem_ops = {
	.name = "memory",
	.destroy = mem_destroy,
	.sa_add = mem_sa_add,
	.sa_get = mem_sa_get,
	.sa_put = mem_sa_put,
	.sa_delete = mem_sa_delete,
	.sa_flush = mem_sa_flush,
	.sa_getspi = mem_sa_getspi,
	.sa_acquire_error = mem_sa_acquire_error,
	.sa_walk = mem_sa_walk,
	.pol_add = mem_pol_add,
	.pol_delete = mem_pol_delete,
	.pol_get = mem_pol_get,
	.pol_put = mem_pol_put,
	.pol_flush = mem_pol_flush,
	.pol_walk = mem_pol_walk,
	.notify_flush = mem_notify_flush,
	.walk_done = mem_walk_done,
	.migrate = mem_migrate,
	.info = mem_info,
};

int pfkm_store_mem_create(const struct pfkm_store_cb *cb, void *arg, struct pfkm_store **out)
{
	struct pfkm_mem *mem;
	int ret;

	(void)arg;
	mem = os_zalloc(sizeof(*mem));
	if (!mem)
		return -ENOMEM;
	mem->st.ops = &mem_ops;
	mem->st.cb = *cb;
	mem->lock = cb->lock;
	ret = pfkm_sadb_init(&mem->sadb);
	if (ret)
		goto err_sadb;
	ret = pfkm_spd_init(&mem->spd);
	if (ret)
		goto err_spd;
	pfkm_expire_init(mem);
	*out = &mem->st;
	return 0;

err_spd:
	pfkm_sadb_destroy(&mem->sadb);
err_sadb:
	os_free(mem);
	return ret;
}
