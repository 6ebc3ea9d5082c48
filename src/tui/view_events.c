// SPDX-License-Identifier: BSD-2-Clause
/*
 * view_events.c: the Events view: one line per received PF_KEY message
 * (time, type, satype, SPI, addresses), newest at the bottom. The index
 * holds absolute event numbers so a paused view keeps pointing at the same
 * messages while the ring moves on underneath; rows that fell out of the
 * ring show as gone.
 */
#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "view.h"

enum { C_TIME, C_TYPE, C_SATYPE, C_SPI, C_ADDR, C_INFO, C_N };

static const struct tui_col cols[C_N] = {
	[C_TIME] = { "TIME", 12, 90, false },
	[C_TYPE] = { "TYPE", 11, 100, false },
	[C_SATYPE] = { "SATYPE", 6, 80, false },
	[C_SPI] = { "SPI", 10, 70, false },
	[C_ADDR] = { "SRC -> DST", 0, 60, false },
	[C_INFO] = { "ERRNO/PID", 10, 10, false },
};

/* The event for absolute number abs, or NULL when it left the ring. */
static const struct tui_event *event_abs(const struct tui *t, uint64_t abs)
{
	uint64_t first = t->m.ev_total - t->m.nev;

	if (abs < first || abs >= t->m.ev_total)
		return NULL;
	return tui_model_event(&t->m, abs - first);
}

static void cell(const struct tui *t, size_t i, int col, char *buf, size_t cap)
{
	const struct tui_event *e = event_abs(t, t->list[TUI_VIEW_EVENTS].idx.ix[i]);
	time_t s;
	struct tm tm;

	if (!e) {
		snprintf(buf, cap, col == C_TYPE ? "(gone)" : "");
		return;
	}
	switch (col) {
	case C_TIME:
		s = (time_t)(e->ts_us / 1000000);
		localtime_r(&s, &tm);
		snprintf(buf, cap, "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (unsigned int)(e->ts_us % 1000000 / 1000));
		break;
	case C_TYPE:
		snprintf(buf, cap, "%s", e->type ? pfk_msgtype_name(e->type) : "(bad)");
		break;
	case C_SATYPE:
		/* policy messages carry satype 0 (unspec): nothing to say */
		snprintf(buf, cap, "%s", e->satype && e->satype != PFK_SATYPE_UNSPEC ?
			 pfk_satype_name(e->satype) : "");
		break;
	case C_SPI:
		if (e->has_spi)
			snprintf(buf, cap, "0x%08x", e->spi);
		else
			buf[0] = 0;
		break;
	case C_ADDR:
		if (e->src[0] || e->dst[0])
			snprintf(buf, cap, "%s %s %s", e->src, tui_attr_arrow(), e->dst);
		else
			buf[0] = 0;
		break;
	case C_INFO:
		if (e->errno_)
			snprintf(buf, cap, "errno %u", e->errno_);
		else
			snprintf(buf, cap, "pid %u", e->pid);
		break;
	default:
		buf[0] = 0;
	}
}

static int row_attr(const struct tui *t, size_t i)
{
	const struct tui_event *e = event_abs(t, t->list[TUI_VIEW_EVENTS].idx.ix[i]);

	if (e && e->errno_)
		return tui_attr_get(t, TUI_A_DIM);
	if (e && (e->type == PFK_T_ADD || e->type == PFK_T_SPDADD))
		return tui_attr_get(t, TUI_A_GOOD);
	return 0;
}

static const struct tui_table_spec spec = { cols, C_N, cell, row_attr };

static bool word_match(const void *obj, const char *w)
{
	const struct tui_event *e = obj;
	char *end;
	unsigned long v;

	if (strstr(e->src, w) || strstr(e->dst, w))
		return true;
	if (e->type && !strcasecmp(w, pfk_msgtype_name(e->type)))
		return true;
	if (e->satype && !strcmp(w, pfk_satype_name(e->satype)))
		return true;
	v = strtoul(w, &end, 0);
	return e->has_spi && *w && !*end && v == e->spi;
}

void tui_view_events_index(struct tui *t)
{
	struct tui_words ws;
	struct tui_list *l = &t->list[TUI_VIEW_EVENTS];
	struct tui_index *x = &l->idx;
	uint64_t first = t->m.ev_total - t->m.nev;
	size_t i;

	if (x->valid && (t->paused || (x->gen == t->m.ev_gen && x->filter_gen == t->filter_gen)))
		return;
	tui_filter_split(t->filter, &ws);
	if (x->cap < TUI_EVENTS_MAX) {
		size_t *p = realloc(x->ix, TUI_EVENTS_MAX * sizeof(*p));

		if (!p)
			return;
		x->ix = p;
		x->cap = TUI_EVENTS_MAX;
	}
	x->n = 0;
	for (i = 0; i < t->m.nev; i++)
		if (!t->filter[0] || tui_filter_match(&ws, word_match, tui_model_event(&t->m, i)))
			x->ix[x->n++] = first + i;
	x->gen = t->m.ev_gen;
	x->filter_gen = t->filter_gen;
	x->valid = true;
	if (t->follow)
		l->sel = x->n ? x->n - 1 : 0;
	else if (l->have_key)
		for (i = 0; i < x->n; i++)
			if (x->ix[i] == l->key_ev) {
				l->sel = i;
				break;
			}
	if (l->sel >= x->n)
		l->sel = x->n ? x->n - 1 : 0;
}

const struct tui_event *tui_view_events_selected(struct tui *t)
{
	struct tui_list *l = &t->list[TUI_VIEW_EVENTS];

	tui_view_events_index(t);
	if (l->sel >= l->idx.n)
		return NULL;
	return event_abs(t, l->idx.ix[l->sel]);
}

void tui_view_events_draw(struct tui *t, int y, int h)
{
	struct tui_list *l = &t->list[TUI_VIEW_EVENTS];

	tui_view_events_index(t);
	l->sort_col = -1;
	tui_table_draw(t, &spec, l, y, h);
	if (!l->idx.n && h > 3) {
		attrset(tui_attr_get(t, TUI_A_DIM));
		mvaddnstr(y + 2, 2, t->m.nev ? "No event matches the filter" :
			  "No events yet (broadcasts appear here as they arrive)", t->cols - 2);
		attrset(A_NORMAL);
	}
	l->have_key = l->sel < l->idx.n;
	if (l->have_key)
		l->key_ev = l->idx.ix[l->sel];
}

const char *tui_view_events_col(int col)
{
	(void)col;
	return NULL;	/* arrival order only: no sort columns */
}
