// SPDX-License-Identifier: BSD-2-Clause
/*
 * view_spd.c: the SPD view: one row per policy (selector, dir, action,
 * templates, priority, id), its row index (filter + sort, id by default).
 */
#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include "view.h"

enum { C_SEL, C_DIR, C_ACTION, C_TMPL, C_PRIO, C_ID, C_N };

static const struct tui_col cols[C_N] = {
	[C_SEL] = { "SELECTOR", 0, 100, false },
	[C_DIR] = { "DIR", 3, 90, false },
	[C_ACTION] = { "ACTION", 7, 80, false },
	[C_TMPL] = { "TEMPLATES", 0, 70, false },
	[C_PRIO] = { "PRIO", 5, 10, false },
	[C_ID] = { "ID", 5, 20, true },
};

static const char *upper_name(unsigned int p, char *buf, size_t cap)
{
	switch (p) {
	case 255: return "any";
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 47: return "gre";
	case 58: return "icmp6";
	case 135: return "mh";
	case 132: return "sctp";
	default:
		snprintf(buf, cap, "%u", p);
		return buf;
	}
}

static void tmpl_text(const struct pfk_policy *p, char *buf, size_t cap)
{
	size_t n = 0;
	unsigned int i;

	buf[0] = 0;
	for (i = 0; i < p->nreq && n < cap; i++) {
		const struct pfk_ipsecreq *r = &p->req[i];
		char s[TUI_ADDR_TXT] = "", d[TUI_ADDR_TXT] = "";

		if (r->src.family)
			pfk_addr_format(s, sizeof(s), &r->src, PFK_ADDR_NET);
		if (r->dst.family)
			pfk_addr_format(d, sizeof(d), &r->dst, PFK_ADDR_NET);
		n += snprintf(buf + n, cap - n, "%s%s/%s/%s%s%s/%s", i ? " " : "",
			      pfk_ipproto_name(r->proto), pfk_mode_name(r->mode), s,
			      r->src.family ? "-" : "", d, pfk_level_name(r->level));
		if (r->reqid && n < cap)
			n += snprintf(buf + n, cap - n, ":%u", r->reqid);
	}
}

static void prio_text(uint32_t prio, char *buf, size_t cap)
{
	long long rel = (long long)prio - 0x80000000LL;

	if (prio == 0 || rel == 0)
		snprintf(buf, cap, "def");
	else if (prio == 0xC0000000u)
		snprintf(buf, cap, "low");
	else if (prio == 0x40000000u)
		snprintf(buf, cap, "high");
	else
		snprintf(buf, cap, "def%+lld", rel);
}

static const struct tui_pol *row_pol(const struct tui *t, size_t i)
{
	return tui_model_pol(&t->m, t->list[TUI_VIEW_SPD].idx.ix[i]);
}

static void cell(const struct tui *t, size_t i, int col, char *buf, size_t cap)
{
	const struct tui_pol *r = row_pol(t, i);
	const struct pfk_policy *p = &r->pol;
	char up[16];

	switch (col) {
	case C_SEL:
		if ((p->src.proto == 1 || p->src.proto == 58 || p->src.proto == 135) &&
		    (p->src.port || p->dst.port))
			/* type,code as setkey's upperspec */
			snprintf(buf, cap, "%s %s %s %s %u,%u", r->src, tui_attr_arrow(), r->dst,
				 upper_name(p->src.proto, up, sizeof(up)), p->src.port,
				 p->dst.port);
		else
			snprintf(buf, cap, "%s %s %s %s", r->src, tui_attr_arrow(), r->dst,
				 upper_name(p->src.proto, up, sizeof(up)));
		break;
	case C_DIR: snprintf(buf, cap, "%s", pfk_dir_name(p->dir)); break;
	case C_ACTION: snprintf(buf, cap, "%s", pfk_action_name(p->action)); break;
	case C_TMPL: tmpl_text(p, buf, cap); break;
	case C_PRIO: prio_text(p->priority, buf, cap); break;
	case C_ID: snprintf(buf, cap, "%u", p->id); break;
	default: buf[0] = 0;
	}
}

static const struct tui_table_spec spec = { cols, C_N, cell, NULL };

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : 0)

static int pol_cmp(const void *pa, const void *pb, void *ctx)
{
	struct tui *t = ctx;
	const struct tui_pol *a = tui_model_pol(&t->m, *(const size_t *)pa);
	const struct tui_pol *b = tui_model_pol(&t->m, *(const size_t *)pb);
	struct tui_list *l = &t->list[TUI_VIEW_SPD];
	int c = 0;

	switch (l->sort_col) {
	case C_SEL:
		c = CMP(a->pol.src.family, b->pol.src.family);
		if (!c)
			c = memcmp(a->pol.src.a.bytes, b->pol.src.a.bytes, 16);
		if (!c)
			c = memcmp(a->pol.dst.a.bytes, b->pol.dst.a.bytes, 16);
		break;
	case C_DIR: c = CMP(a->pol.dir, b->pol.dir); break;
	case C_ACTION: c = CMP(a->pol.action, b->pol.action); break;
	case C_TMPL: c = CMP(a->pol.nreq, b->pol.nreq); break;
	case C_PRIO: c = CMP(a->pol.priority, b->pol.priority); break;
	default: break;
	}
	if (!c)
		c = CMP(a->pol.id, b->pol.id);
	return l->sort_rev ? -c : c;
}

static bool word_match(const void *obj, const char *w)
{
	const struct tui_pol *r = obj;
	const struct pfk_policy *p = &r->pol;
	char buf[256];
	char *end;
	unsigned long v;

	if (strstr(r->src, w) || strstr(r->dst, w))
		return true;
	if (!strcmp(w, pfk_dir_name(p->dir)) || !strcmp(w, pfk_action_name(p->action)))
		return true;
	v = strtoul(w, &end, 0);
	if (*w && !*end && v == p->id)
		return true;
	tmpl_text(p, buf, sizeof(buf));
	return strstr(buf, w) != NULL;
}

void tui_view_spd_index(struct tui *t)
{
	struct tui_words ws;
	struct tui_list *l = &t->list[TUI_VIEW_SPD];
	struct tui_index *x = &l->idx;
	size_t i;

	if (x->valid && x->gen == t->m.spd.gen && x->filter_gen == t->filter_gen)
		return;
	tui_filter_split(t->filter, &ws);
	if (t->m.spd.n > x->cap) {
		size_t *p = realloc(x->ix, t->m.spd.n * sizeof(*p));

		if (!p)
			return;
		x->ix = p;
		x->cap = t->m.spd.n;
	}
	x->n = 0;
	for (i = 0; i < t->m.spd.n; i++)
		if (!t->filter[0] || tui_filter_match(&ws, word_match, tui_model_pol(&t->m, i)))
			x->ix[x->n++] = i;
	if (x->n > 1)
		qsort_r(x->ix, x->n, sizeof(*x->ix), pol_cmp, t);
	x->gen = t->m.spd.gen;
	x->filter_gen = t->filter_gen;
	x->valid = true;
	if (l->have_key)
		for (i = 0; i < x->n; i++)
			if (tui_model_pol(&t->m, x->ix[i])->pol.id == l->key_pol) {
				l->sel = i;
				break;
			}
	if (l->sel >= x->n)
		l->sel = x->n ? x->n - 1 : 0;
}

const struct tui_pol *tui_view_spd_selected(struct tui *t)
{
	struct tui_list *l = &t->list[TUI_VIEW_SPD];

	tui_view_spd_index(t);
	if (l->sel >= l->idx.n)
		return NULL;
	return tui_model_pol(&t->m, l->idx.ix[l->sel]);
}

void tui_view_spd_draw(struct tui *t, int y, int h)
{
	struct tui_list *l = &t->list[TUI_VIEW_SPD];
	const struct tui_pol *p;

	tui_view_spd_index(t);
	tui_table_draw(t, &spec, l, y, h);
	if (!l->idx.n && h > 3) {
		attrset(tui_attr_get(t, TUI_A_DIM));
		mvaddnstr(y + 2, 2, t->m.spd.n ? "No policy matches the filter" :
			  "No SPD entries (p: add a policy, w: pair wizard)", t->cols - 2);
		attrset(A_NORMAL);
	}
	p = l->sel < l->idx.n ? tui_model_pol(&t->m, l->idx.ix[l->sel]) : NULL;
	l->have_key = p != NULL;
	if (p)
		l->key_pol = p->pol.id;
}

const char *tui_view_spd_col(int col)
{
	return col >= 0 && col < C_N ? cols[col].name : NULL;
}
