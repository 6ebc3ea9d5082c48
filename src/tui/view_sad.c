// SPDX-License-Identifier: BSD-2-Clause
/*
 * view_sad.c: the SAD view: one row per SA (src -> dst, proto, SPI, mode,
 * reqid, algorithms, state, age, lifetime use as a bar), its row index
 * (filter + sort, SPI then address by default) and the filter words.
 */
#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "view.h"

enum { C_ADDR, C_PROTO, C_SPI, C_MODE, C_REQID, C_ALGS, C_STATE, C_AGE, C_LIFE, C_N };

static const struct tui_col cols[C_N] = {
	[C_ADDR] = { "SRC -> DST", 0, 100, false },
	[C_PROTO] = { "PROTO", 7, 80, false },
	[C_SPI] = { "SPI", 10, 90, false },
	[C_MODE] = { "MODE", 9, 2, false },
	[C_REQID] = { "REQID", 5, 1, true },
	[C_ALGS] = { "ALGS", 14, 60, false },
	[C_STATE] = { "STATE", 6, 50, false },
	[C_AGE] = { "AGE", 4, 40, true },
	[C_LIFE] = { "LIFE", 6, 30, false },
};

static uint64_t sa_age(const struct tui_sa *r, uint64_t now)
{
	uint64_t born = (r->sa.has & PFK_SA_HAS_CUR) && r->sa.cur.addtime ?
			r->sa.cur.addtime : r->seen;

	return now > born ? now - born : 0;
}

static double sa_life(const struct tui_sa *r, uint64_t now)
{
	const struct pfk_sa *sa = &r->sa;
	uint64_t age = sa_age(r, now);

	if ((sa->has & PFK_SA_HAS_HARD) && sa->hard.addtime)
		return (double)age / sa->hard.addtime;
	if ((sa->has & PFK_SA_HAS_HARD) && sa->hard.bytes)
		return (double)sa->cur.bytes / sa->hard.bytes;
	if ((sa->has & PFK_SA_HAS_SOFT) && sa->soft.addtime)
		return (double)age / sa->soft.addtime;
	return -1;
}

static const char *alg_name(enum pfkm_alg_kind k, unsigned int id)
{
	const struct pfkm_alg *a = pfkm_alg_by_id(k, id);

	return a ? a->name : "?";
}

/* "hmac-sha256" -> "sha256": the column is narrow, the detail pane has
 * the full name. */
static const char *auth_short(unsigned int id)
{
	const char *n = alg_name(PFKM_ALG_AUTH, id);

	return strncmp(n, "hmac-", 5) ? n : n + 5;
}

static void algs_text(const struct pfk_sa *sa, char *buf, size_t cap)
{
	switch (sa->satype) {
	case PFK_SATYPE_AH:
		snprintf(buf, cap, "%s", auth_short(sa->auth_alg));
		break;
	case PFK_SATYPE_IPCOMP:
		snprintf(buf, cap, "%s", alg_name(PFKM_ALG_COMP, sa->enc_alg));
		break;
	default:
		if (sa->auth_alg)
			snprintf(buf, cap, "%s/%s", alg_name(PFKM_ALG_ENC, sa->enc_alg),
				 auth_short(sa->auth_alg));
		else
			snprintf(buf, cap, "%s", alg_name(PFKM_ALG_ENC, sa->enc_alg));
	}
}

static void age_text(uint64_t s, char *buf, size_t cap)
{
	if (s < 100)
		snprintf(buf, cap, "%llus", (unsigned long long)s);
	else if (s < 6000)
		snprintf(buf, cap, "%llum", (unsigned long long)s / 60);
	else if (s < 360000)
		snprintf(buf, cap, "%lluh", (unsigned long long)s / 3600);
	else
		snprintf(buf, cap, "%llud", (unsigned long long)s / 86400);
}

static const struct tui_sa *row_sa(const struct tui *t, size_t i)
{
	return tui_model_sa(&t->m, t->list[TUI_VIEW_SAD].idx.ix[i]);
}

static void cell(const struct tui *t, size_t i, int col, char *buf, size_t cap)
{
	const struct tui_sa *r = row_sa(t, i);
	const struct pfk_sa *sa = &r->sa;
	uint64_t now = (uint64_t)time(NULL);

	switch (col) {
	case C_ADDR: snprintf(buf, cap, "%s %s %s", r->src, tui_attr_arrow(), r->dst); break;
	case C_PROTO:
		snprintf(buf, cap, "%s", sa->satype == PFK_SATYPE_ESP && (sa->has & PFK_SA_HAS_NATT) &&
			 sa->natt_type ? "esp-udp" : pfk_satype_name(sa->satype));
		break;
	case C_SPI: snprintf(buf, cap, "0x%08x", sa->spi); break;
	case C_MODE: snprintf(buf, cap, "%s", pfk_mode_name(sa->mode)); break;
	case C_REQID: snprintf(buf, cap, "%u", sa->reqid); break;
	case C_ALGS: algs_text(sa, buf, cap); break;
	case C_STATE: snprintf(buf, cap, "%s", pfk_state_name(sa->state)); break;
	case C_AGE: age_text(sa_age(r, now), buf, cap); break;
	case C_LIFE: tui_table_bar_text(buf, cap, 6, sa_life(r, now)); break;
	default: buf[0] = 0;
	}
}

static int row_attr(const struct tui *t, size_t i)
{
	const struct tui_sa *r = row_sa(t, i);

	if (r->sa.state == PFK_STATE_DYING || r->sa.state == PFK_STATE_DEAD)
		return tui_attr_get(t, TUI_A_DIM);
	return 0;
}

static const struct tui_table_spec spec = { cols, C_N, cell, row_attr };

static int addr_cmp(const struct pfk_addr *a, const struct pfk_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->a.bytes, b->a.bytes, a->family == AF_INET6 ? 16 : 4);
}

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : 0)

static int sa_cmp(const void *pa, const void *pb, void *ctx)
{
	struct tui *t = ctx;
	const struct tui_sa *a = tui_model_sa(&t->m, *(const size_t *)pa);
	const struct tui_sa *b = tui_model_sa(&t->m, *(const size_t *)pb);
	struct tui_list *l = &t->list[TUI_VIEW_SAD];
	uint64_t now = (uint64_t)time(NULL);
	int c = 0;

	switch (l->sort_col) {
	case C_ADDR:
		c = addr_cmp(&a->sa.src, &b->sa.src);
		if (!c)
			c = addr_cmp(&a->sa.dst, &b->sa.dst);
		break;
	case C_PROTO: c = CMP(a->sa.satype, b->sa.satype); break;
	case C_MODE: c = CMP(a->sa.mode, b->sa.mode); break;
	case C_REQID: c = CMP(a->sa.reqid, b->sa.reqid); break;
	case C_ALGS: c = CMP(a->sa.enc_alg * 256 + a->sa.auth_alg, b->sa.enc_alg * 256 + b->sa.auth_alg); break;
	case C_STATE: c = CMP(a->sa.state, b->sa.state); break;
	case C_AGE: c = CMP(sa_age(a, now), sa_age(b, now)); break;
	case C_LIFE: c = CMP(sa_life(a, now), sa_life(b, now)); break;
	default: break;
	}
	/* house rule: SPI, then address */
	if (!c)
		c = CMP(a->sa.spi, b->sa.spi);
	if (!c)
		c = addr_cmp(&a->sa.dst, &b->sa.dst);
	if (!c)
		c = addr_cmp(&a->sa.src, &b->sa.src);
	return l->sort_rev ? -c : c;
}

/* Every alternative is a substring test, so a longer filter only ever
 * matches a subset: typing narrows the current index instead of scanning
 * and sorting the whole table again. */
static bool word_match(const void *obj, const char *w)
{
	const struct tui_sa *r = obj;
	const struct pfk_sa *sa = &r->sa;
	const char *h = w;

	if (strstr(r->src, w) || strstr(r->dst, w))
		return true;
	if (strstr(pfk_satype_name(sa->satype), w) || strstr(pfk_mode_name(sa->mode), w) ||
	    strstr(pfk_state_name(sa->state), w))
		return true;
	if (sa->enc_alg && strstr(alg_name(sa->satype == PFK_SATYPE_IPCOMP ? PFKM_ALG_COMP :
					     PFKM_ALG_ENC, sa->enc_alg), w))
		return true;
	if (sa->auth_alg && strstr(alg_name(PFKM_ALG_AUTH, sa->auth_alg), w))
		return true;
	/* SPI: "0x1a" is a substring of the hex digits (no leading zeros),
	 * "4097" of the decimal form */
	if (h[0] == '0' && (h[1] == 'x' || h[1] == 'X')) {
		for (h += 2; *h == '0'; h++)
			;
		if (strspn(h, "0123456789abcdefABCDEF") != strlen(h))
			return false;
		return strcasestr(r->spihex, h) != NULL;
	}
	if (strspn(w, "0123456789") == strlen(w))
		return strstr(r->spidec, w) != NULL;
	return false;
}

static int index_reserve(struct tui_index *x, size_t n)
{
	size_t *p;

	if (n <= x->cap)
		return 0;
	p = realloc(x->ix, n * sizeof(*p));
	if (!p)
		return -1;
	x->ix = p;
	x->cap = n;
	return 0;
}

static bool same_sa(const struct pfk_sa *a, const struct pfk_sa *b)
{
	return a->satype == b->satype && a->spi == b->spi && !addr_cmp(&a->dst, &b->dst);
}

/* Sort through a compact (key, row) array: the primary key compares
 * without touching the 800-byte rows, so 100k rows sort within a frame. */
struct kv {
	uint64_t k;
	size_t i;
};

static uint64_t be32(const struct pfk_addr *a)
{
	uint32_t v;

	memcpy(&v, a->a.bytes, 4);
	return ntohl(v);
}

static uint64_t sort_key(const struct tui_sa *r, int col, uint64_t now)
{
	const struct pfk_sa *sa = &r->sa;
	double life;

	switch (col) {
	case C_ADDR: return (uint64_t)sa->src.family << 56 | be32(&sa->src) << 24 | be32(&sa->dst) >> 8;
	case C_PROTO: return (uint64_t)sa->satype << 32 | sa->spi;
	case C_SPI: return (uint64_t)sa->spi << 32 | be32(&sa->dst);
	case C_MODE: return (uint64_t)sa->mode << 32 | sa->spi;
	case C_REQID: return (uint64_t)sa->reqid << 32 | sa->spi;
	case C_ALGS: return ((uint64_t)sa->enc_alg << 8 | sa->auth_alg) << 32 | sa->spi;
	case C_STATE: return (uint64_t)sa->state << 32 | sa->spi;
	case C_AGE: return (sa_age(r, now) & 0xffffffffu) << 32 | sa->spi;
	case C_LIFE:
		life = sa_life(r, now);
		return (life < 0 ? 0 : (uint64_t)(life * 1e6) + 1) << 32 | sa->spi;
	default: return 0;
	}
}

static int kv_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct kv *a = pa, *b = pb;
	struct tui *t = ctx;

	if (a->k != b->k)
		return (a->k < b->k ? -1 : 1) * (t->list[TUI_VIEW_SAD].sort_rev ? -1 : 1);
	return sa_cmp(&a->i, &b->i, ctx);
}

static void sort_index(struct tui *t, size_t *ix, size_t n, int col)
{
	struct kv *v = malloc(n * sizeof(*v));
	uint64_t now = (uint64_t)time(NULL);
	size_t i;

	if (!v) {
		qsort_r(ix, n, sizeof(*ix), sa_cmp, t);
		return;
	}
	for (i = 0; i < n; i++) {
		v[i].i = ix[i];
		v[i].k = sort_key(tui_model_sa(&t->m, ix[i]), col, now);
	}
	qsort_r(v, n, sizeof(*v), kv_cmp, t);
	for (i = 0; i < n; i++)
		ix[i] = v[i].i;
	free(v);
}

void tui_view_sad_index(struct tui *t)
{
	struct tui_words ws;
	struct tui_list *l = &t->list[TUI_VIEW_SAD];
	struct tui_index *x = &l->idx;
	size_t i, n;

	if (x->valid && x->gen == t->m.sad.gen && x->filter_gen == t->filter_gen)
		return;
	/*
	 * Under a storm of changes (10k events/s) re-sorting 100k rows every
	 * frame would starve the event socket. Only the table changed, and a
	 * big one: re-sort at most every TUI_RESORT_US and meanwhile keep the
	 * old order, dropping indices past the end so every row drawn exists
	 * (a row may show its new occupant until the next re-sort).
	 */
	if (x->valid && x->base_valid && x->filter_gen == t->filter_gen &&
	    x->base_col == l->sort_col && x->base_rev == l->sort_rev &&
	    t->m.sad.n > TUI_RESORT_MIN && tui_now_us() - x->base_us < TUI_RESORT_US) {
		for (i = n = 0; i < x->n; i++)
			if (x->ix[i] < t->m.sad.n)
				x->ix[n++] = x->ix[i];
		x->n = n;
		t->stale = true;
		return;
	}
	t->stale = false;
	tui_filter_split(t->filter, &ws);
	if (!x->base_valid || x->base_gen != t->m.sad.gen || x->base_col != l->sort_col ||
	    x->base_rev != l->sort_rev) {
		if (t->m.sad.n > x->capbase) {
			size_t *p = realloc(x->base, t->m.sad.n * sizeof(*p));

			if (!p)
				return;
			x->base = p;
			x->capbase = t->m.sad.n;
		}
		for (i = 0; i < t->m.sad.n; i++)
			x->base[i] = i;
		x->nbase = t->m.sad.n;
		if (x->nbase > 1)
			sort_index(t, x->base, x->nbase, l->sort_col);
		x->base_gen = t->m.sad.gen;
		x->base_us = tui_now_us();
		x->base_col = l->sort_col;
		x->base_rev = l->sort_rev;
		x->base_valid = true;
		x->valid = false;	/* the rows moved: no narrowing */
	}
	if (x->valid && x->gen == t->m.sad.gen && x->sort_col == l->sort_col &&
	    x->sort_rev == l->sort_rev && !strncmp(t->filter, x->filter, strlen(x->filter))) {
		/* the filter grew: keep the order, drop what no longer matches */
		for (i = n = 0; i < x->n; i++)
			if (tui_filter_match(&ws, word_match, tui_model_sa(&t->m, x->ix[i])))
				x->ix[n++] = x->ix[i];
		x->n = n;
	} else {
		if (index_reserve(x, t->m.sad.n))
			return;
		x->n = 0;
		for (i = 0; i < x->nbase; i++)
			if (!t->filter[0] ||
			    tui_filter_match(&ws, word_match, tui_model_sa(&t->m, x->base[i])))
				x->ix[x->n++] = x->base[i];
	}
	x->gen = t->m.sad.gen;
	x->filter_gen = t->filter_gen;
	snprintf(x->filter, sizeof(x->filter), "%s", t->filter);
	x->sort_col = l->sort_col;
	x->sort_rev = l->sort_rev;
	x->valid = true;
	if (l->have_key) {
		for (i = 0; i < x->n; i++)
			if (same_sa(&tui_model_sa(&t->m, x->ix[i])->sa, &l->key_sa)) {
				l->sel = i;
				break;
			}
	}
	if (l->sel >= x->n)
		l->sel = x->n ? x->n - 1 : 0;
}

const struct tui_sa *tui_view_sad_selected(struct tui *t)
{
	struct tui_list *l = &t->list[TUI_VIEW_SAD];

	tui_view_sad_index(t);
	if (l->sel >= l->idx.n)
		return NULL;
	return tui_model_sa(&t->m, l->idx.ix[l->sel]);
}

void tui_view_sad_draw(struct tui *t, int y, int h)
{
	struct tui_list *l = &t->list[TUI_VIEW_SAD];
	const struct tui_sa *s;

	tui_view_sad_index(t);
	tui_table_draw(t, &spec, l, y, h);
	if (!l->idx.n && h > 3) {
		attrset(tui_attr_get(t, TUI_A_DIM));
		mvaddnstr(y + 2, 2, t->m.sad.n ? "No SA matches the filter" :
			  "No SAD entries (a: add an SA, w: pair wizard)", t->cols - 2);
		attrset(A_NORMAL);
	}
	/* remember the selection's identity for the next rebuild */
	s = l->sel < l->idx.n ? tui_model_sa(&t->m, l->idx.ix[l->sel]) : NULL;
	l->have_key = s != NULL;
	if (s) {
		memset(&l->key_sa, 0, sizeof(l->key_sa));
		l->key_sa.satype = s->sa.satype;
		l->key_sa.spi = s->sa.spi;
		l->key_sa.dst = s->sa.dst;
	}
}

const char *tui_view_sad_col(int col)
{
	return col >= 0 && col < C_N ? cols[col].name : NULL;
}

int tui_view_ncols(enum tui_view v)
{
	int n = 0;

	while ((v == TUI_VIEW_SAD ? tui_view_sad_col(n) : v == TUI_VIEW_SPD ?
		tui_view_spd_col(n) : tui_view_events_col(n)))
		n++;
	return n;
}

const char *tui_view_col_name(enum tui_view v, int col)
{
	return v == TUI_VIEW_SAD ? tui_view_sad_col(col) : v == TUI_VIEW_SPD ?
	       tui_view_spd_col(col) : tui_view_events_col(col);
}

size_t tui_view_rows(struct tui *t, enum tui_view v)
{
	switch (v) {
	case TUI_VIEW_SAD: tui_view_sad_index(t); break;
	case TUI_VIEW_SPD: tui_view_spd_index(t); break;
	default: tui_view_events_index(t); break;
	}
	return t->list[v].idx.n;
}
