// SPDX-License-Identifier: BSD-2-Clause
/*
 * model.c: the SAD / SPD snapshot tables and the Events ring (see model.h).
 * Rows live in one array per table; removal swaps the last row into the hole
 * so the array stays dense for the views, and the hash chains are fixed up
 * for the moved row. Nothing here draws or talks to the backend.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

static uint32_t mix(uint32_t h, uint32_t v)
{
	h ^= v;
	h *= 0x9e3779b1u;
	return h ^ (h >> 15);
}

static uint32_t sa_hash(const struct pfk_sa *sa)
{
	uint32_t h = mix(0x2545f491u, sa->satype);
	unsigned int i;

	h = mix(h, sa->spi);
	for (i = 0; i < 16; i += 4) {
		uint32_t w;
		memcpy(&w, sa->dst.a.bytes + i, 4);
		h = mix(h, w);
	}
	return h;
}

static bool sa_same(const struct pfk_sa *a, const struct pfk_sa *b)
{
	size_t alen = a->dst.family == AF_INET6 ? 16 : 4;

	return a->satype == b->satype && a->spi == b->spi &&
	       a->dst.family == b->dst.family &&
	       !memcmp(a->dst.a.bytes, b->dst.a.bytes, alen);
}

static uint32_t row_hash(const struct tui_table *t, const void *row)
{
	if (t->rowsz == sizeof(struct tui_sa))
		return sa_hash(&((const struct tui_sa *)row)->sa);
	return mix(0x68e31da4u, ((const struct tui_pol *)row)->pol.id);
}

static void *row_at(const struct tui_table *t, size_t i)
{
	return (char *)t->rows + i * t->rowsz;
}

static void row_wipe(struct tui_table *t, void *row)
{
	if (t->rowsz == sizeof(struct tui_sa))
		pfk_sa_wipe(&((struct tui_sa *)row)->sa);
	explicit_bzero(row, t->rowsz);
}

static void table_free(struct tui_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		row_wipe(t, row_at(t, i));
	free(t->rows);
	free(t->bucket);
	free(t->next);
	t->rows = NULL;
	t->bucket = t->next = NULL;
	t->n = t->cap = t->nbucket = 0;
	t->gen++;
}

static void chain_link(struct tui_table *t, size_t i)
{
	uint32_t b = row_hash(t, row_at(t, i)) & (t->nbucket - 1);

	t->next[i] = t->bucket[b];
	t->bucket[b] = (int32_t)i;
}

static void chain_unlink(struct tui_table *t, size_t i)
{
	uint32_t b = row_hash(t, row_at(t, i)) & (t->nbucket - 1);
	int32_t *p = &t->bucket[b];

	while (*p >= 0 && (size_t)*p != i)
		p = &t->next[*p];
	if (*p >= 0)
		*p = t->next[i];
}

/* Grow rows and rehash when the load factor passes 1. */
static int table_reserve(struct tui_table *t)
{
	size_t i, ncap;
	void *rows;
	int32_t *next, *bucket;

	if (t->n < t->cap)
		return 0;
	ncap = t->cap ? t->cap * 2 : 256;
	rows = realloc(t->rows, ncap * t->rowsz);
	if (!rows)
		return -ENOMEM;
	t->rows = rows;
	next = realloc(t->next, ncap * sizeof(*next));
	if (!next)
		return -ENOMEM;
	t->next = next;
	bucket = malloc(ncap * sizeof(*bucket));
	if (!bucket)
		return -ENOMEM;
	free(t->bucket);
	t->bucket = bucket;
	t->nbucket = ncap;		/* power of two */
	t->cap = ncap;
	for (i = 0; i < t->nbucket; i++)
		t->bucket[i] = -1;
	for (i = 0; i < t->n; i++)
		chain_link(t, i);
	return 0;
}

static void table_remove_at(struct tui_table *t, size_t i)
{
	size_t last = t->n - 1;

	chain_unlink(t, i);
	if (i != last) {
		chain_unlink(t, last);
		row_wipe(t, row_at(t, i));
		memcpy(row_at(t, i), row_at(t, last), t->rowsz);
		chain_link(t, i);
	}
	row_wipe(t, row_at(t, last));
	t->n--;
	t->gen++;
}

static long sa_find(const struct tui_table *t, const struct pfk_sa *sa)
{
	int32_t i;

	if (!t->nbucket)
		return -1;
	for (i = t->bucket[sa_hash(sa) & (t->nbucket - 1)]; i >= 0; i = t->next[i])
		if (sa_same(&((struct tui_sa *)row_at(t, i))->sa, sa))
			return i;
	return -1;
}

static long pol_find(const struct tui_table *t, uint32_t id)
{
	int32_t i;

	if (!t->nbucket)
		return -1;
	for (i = t->bucket[mix(0x68e31da4u, id) & (t->nbucket - 1)]; i >= 0; i = t->next[i])
		if (((struct tui_pol *)row_at(t, i))->pol.id == id)
			return i;
	return -1;
}

bool tui_model_sa_has(const struct tui_model *m, const struct pfk_sa *sa)
{
	return sa_find(&m->sad, sa) >= 0;
}

bool tui_model_pol_has(const struct tui_model *m, uint32_t id)
{
	return pol_find(&m->spd, id) >= 0;
}

void tui_model_init(struct tui_model *m)
{
	memset(m, 0, sizeof(*m));
	m->sad.rowsz = sizeof(struct tui_sa);
	m->spd.rowsz = sizeof(struct tui_pol);
}

void tui_model_free(struct tui_model *m)
{
	table_free(&m->sad);
	table_free(&m->spd);
	tui_model_events_clear(m);
}

void tui_model_take_tables(struct tui_model *dst, struct tui_model *src, bool sad, bool spd)
{
	uint64_t g;

	if (sad) {
		g = dst->sad.gen;
		table_free(&dst->sad);
		dst->sad = src->sad;
		dst->sad.gen = g + 1;
		memset(&src->sad, 0, sizeof(src->sad));
		src->sad.rowsz = sizeof(struct tui_sa);
	}
	if (spd) {
		g = dst->spd.gen;
		table_free(&dst->spd);
		dst->spd = src->spd;
		dst->spd.gen = g + 1;
		memset(&src->spd, 0, sizeof(src->spd));
		src->spd.rowsz = sizeof(struct tui_pol);
	}
}

static void addr_text(char *buf, const struct pfk_addr *a)
{
	if (!a->family || pfk_addr_format(buf, TUI_ADDR_TXT, a, PFK_ADDR_NET) < 0)
		snprintf(buf, TUI_ADDR_TXT, "?");
}

int tui_model_sa_upsert(struct tui_model *m, const struct pfk_sa *sa, uint64_t now)
{
	struct tui_table *t = &m->sad;
	struct tui_sa *row;
	long i = sa_find(t, sa);
	int ret;

	if (i >= 0) {
		row = row_at(t, i);
		/* An UPDATE broadcast or a re-dump replaces the data but not the
		 * identity, so the hash chain stays valid. */
		pfk_sa_wipe(&row->sa);
		row->sa = *sa;
		t->gen++;
		return 0;
	}
	ret = table_reserve(t);
	if (ret)
		return ret;
	row = row_at(t, t->n);
	memset(row, 0, sizeof(*row));
	row->sa = *sa;
	row->seen = now;
	snprintf(row->spihex, sizeof(row->spihex), "%x", sa->spi);
	snprintf(row->spidec, sizeof(row->spidec), "%u", sa->spi);
	addr_text(row->src, &sa->src);
	addr_text(row->dst, &sa->dst);
	chain_link(t, t->n);
	t->n++;
	t->gen++;
	return 0;
}

int tui_model_sa_remove(struct tui_model *m, const struct pfk_sa *sa)
{
	long i = sa_find(&m->sad, sa);

	if (i < 0)
		return -ENOENT;
	table_remove_at(&m->sad, i);
	return 0;
}

void tui_model_sa_flush(struct tui_model *m, enum pfk_satype t)
{
	size_t i = m->sad.n;

	if (t == PFK_SATYPE_UNSPEC || t == PFK_SATYPE_UNKNOWN) {
		table_free(&m->sad);
		return;
	}
	while (i-- > 0)
		if (tui_model_sa(m, i)->sa.satype == t)
			table_remove_at(&m->sad, i);
}

int tui_model_pol_upsert(struct tui_model *m, const struct pfk_policy *p)
{
	struct tui_table *t = &m->spd;
	struct tui_pol *row;
	long i = pol_find(t, p->id);
	int ret;

	if (i >= 0) {
		row = row_at(t, i);
	} else {
		ret = table_reserve(t);
		if (ret)
			return ret;
		row = row_at(t, t->n);
	}
	memset(row, 0, sizeof(*row));
	row->pol = *p;
	{
		/* ICMP, ICMPv6, MH and GRE carry type/code (key) in the port
		 * fields: the SPD view shows them with the upper layer. */
		struct pfk_addr sa = p->src, da = p->dst;
		unsigned int up = p->src.proto;

		if (up == 1 || up == 58 || up == 135 || up == 47)
			sa.port = da.port = 0;
		addr_text(row->src, &sa);
		addr_text(row->dst, &da);
	}
	if (i < 0) {
		chain_link(t, t->n);
		t->n++;
	}
	t->gen++;
	return 0;
}

int tui_model_pol_remove(struct tui_model *m, const struct pfk_policy *p)
{
	long i = pol_find(&m->spd, p->id);
	size_t j;

	if (i < 0) {
		/* SPDDELETE by selector without an id: match dir + selectors */
		for (j = 0; j < m->spd.n; j++) {
			const struct pfk_policy *q = &tui_model_pol(m, j)->pol;
			if (q->dir == p->dir && !memcmp(&q->src, &p->src, sizeof(q->src)) &&
			    !memcmp(&q->dst, &p->dst, sizeof(q->dst))) {
				i = (long)j;
				break;
			}
		}
		if (i < 0)
			return -ENOENT;
	}
	table_remove_at(&m->spd, i);
	return 0;
}

void tui_model_pol_flush(struct tui_model *m)
{
	table_free(&m->spd);
}

bool tui_model_apply(struct tui_model *m, const struct pfk_msg *msg, uint64_t now)
{
	if (msg->errno_)
		return false;
	switch (msg->type) {
	case PFK_T_ADD:
	case PFK_T_UPDATE:
		if (!(msg->sa.has & PFK_SA_HAS_SA) || !(msg->sa.has & PFK_SA_HAS_DST))
			return false;
		return tui_model_sa_upsert(m, &msg->sa, now) == 0;
	case PFK_T_DELETE:
		return tui_model_sa_remove(m, &msg->sa) == 0;
	case PFK_T_EXPIRE: {
		long i = sa_find(&m->sad, &msg->sa);

		if (i < 0)
			return false;
		if (msg->sa.has & PFK_SA_HAS_HARD) {
			/* the engine deletes an SA at its hard expiry */
			table_remove_at(&m->sad, i);
		} else {
			tui_model_sa(m, i)->sa.state = PFK_STATE_DYING;
			m->sad.gen++;
		}
		return true;
	}
	case PFK_T_FLUSH:
		tui_model_sa_flush(m, msg->satype);
		return true;
	case PFK_T_SPDADD:
	case PFK_T_SPDUPDATE:
		return tui_model_pol_upsert(m, &msg->pol) == 0;
	case PFK_T_SPDDELETE:
	case PFK_T_SPDDELETE2:
	case PFK_T_SPDEXPIRE:
		return tui_model_pol_remove(m, &msg->pol) == 0;
	case PFK_T_SPDFLUSH:
		tui_model_pol_flush(m);
		return true;
	default:
		return false;
	}
}

static void event_drop(struct tui_event *e)
{
	if (e->raw) {
		explicit_bzero(e->raw, e->len);
		free(e->raw);
	}
	memset(e, 0, sizeof(*e));
}

int tui_model_event_add(struct tui_model *m, const void *raw, size_t len,
			const struct pfk_msg *msg, uint64_t ts_us)
{
	struct tui_event *e;
	uint8_t *copy = malloc(len ? len : 1);
	uint64_t s = ts_us / 1000000;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, raw, len);
	if (m->nev == TUI_EVENTS_MAX) {
		event_drop(&m->ev[m->head]);
		m->head = (m->head + 1) % TUI_EVENTS_MAX;
		m->nev--;
	}
	e = &m->ev[(m->head + m->nev) % TUI_EVENTS_MAX];
	m->nev++;
	memset(e, 0, sizeof(*e));
	e->ts_us = ts_us;
	e->raw = copy;
	e->len = len;
	if (msg) {
		const struct pfk_sa *sa = &msg->sa;

		e->type = msg->type;
		e->satype = msg->satype;
		e->errno_ = msg->errno_;
		e->seq = msg->seq;
		e->pid = msg->pid;
		if (msg->kind == PFK_MSG_POLICY) {
			if (msg->pol.has & PFK_POL_HAS_SRC)
				addr_text(e->src, &msg->pol.src);
			if (msg->pol.has & PFK_POL_HAS_DST)
				addr_text(e->dst, &msg->pol.dst);
		} else {
			e->has_spi = sa->has & PFK_SA_HAS_SA;
			e->spi = sa->spi;
			if (sa->has & PFK_SA_HAS_SRC)
				addr_text(e->src, &sa->src);
			if (sa->has & PFK_SA_HAS_DST)
				addr_text(e->dst, &sa->dst);
		}
	}
	m->ev_total++;
	m->ev_gen++;
	if (s != m->rate_sec) {
		m->rate_prev = s == m->rate_sec + 1 ? m->rate_cur : 0;
		m->rate_cur = 0;
		m->rate_sec = s;
	}
	m->rate_cur++;
	return 0;
}

uint64_t tui_model_event_rate(struct tui_model *m, uint64_t now_s)
{
	if (now_s == m->rate_sec)
		return m->rate_prev;
	if (now_s == m->rate_sec + 1)
		return m->rate_cur;
	return 0;
}

void tui_model_events_clear(struct tui_model *m)
{
	size_t i;

	for (i = 0; i < m->nev; i++)
		event_drop(&m->ev[(m->head + i) % TUI_EVENTS_MAX]);
	m->head = m->nev = 0;
	m->ev_gen++;
}
