// SPDX-License-Identifier: BSD-2-Clause
/*
 * table.c: the widget kit's table (see table.h) and its lifetime-bar cell.
 */
#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "table.h"
#include "attr.h"

void tui_table_bar_text(char *buf, size_t cap, int w, double frac)
{
	int i, fill;

	if (w <= 0 || cap < (size_t)w + 1) {
		if (cap)
			buf[0] = 0;
		return;
	}
	if (frac < 0) {
		snprintf(buf, cap, "-");
		return;
	}
	if (frac > 1)
		frac = 1;
	fill = (int)(frac * w + 0.5);
	for (i = 0; i < w; i++)
		buf[i] = i < fill ? '#' : '.';
	buf[w] = 0;
}

void tui_table_draw(struct tui *t, const struct tui_table_spec *s, struct tui_list *l,
		    int y, int h)
{
	bool on[32];
	int w[32];
	int i, total, flex, nflex, x, r;
	char cell[512];
	wchar_t wcell[512];

	if (h < 2)
		return;
	/* choose columns: drop the lowest priority until the rest fit */
	for (i = 0; i < s->ncols; i++) {
		on[i] = true;
		w[i] = s->cols[i].w ? s->cols[i].w : 20;	/* room for two addresses */
	}
	for (;;) {
		int low = -1;

		total = 0;
		for (i = 0; i < s->ncols; i++)
			if (on[i])
				total += w[i] + 1;
		if (total <= t->cols)
			break;
		for (i = 0; i < s->ncols; i++)
			if (on[i] && s->cols[i].prio > 0 && (low < 0 || s->cols[i].prio < s->cols[low].prio))
				low = i;
		if (low < 0)
			break;
		on[low] = false;
	}
	nflex = 0;
	for (i = 0; i < s->ncols; i++)
		if (on[i] && !s->cols[i].w)
			nflex++;
	flex = t->cols - total;
	for (i = 0; i < s->ncols && nflex; i++)
		if (on[i] && !s->cols[i].w) {
			int add = flex / nflex;

			if (w[i] + add > 40)
				add = 40 - w[i];
			w[i] += add > 0 ? add : 0;
			flex -= add > 0 ? add : 0;
			nflex--;
		}
	/* Room left (wide terminals): widen any column whose text on screen
	 * is cut, up to what it needs, left to right. */
	for (i = 0; i < s->ncols && flex > 0; i++) {
		size_t row;
		int need = 0;

		if (!on[i])
			continue;
		for (row = l->top; row < l->idx.n && row < l->top + (size_t)h; row++) {
			int len;

			s->cell(t, row, i, cell, sizeof(cell));
			len = (int)mbstowcs(NULL, cell, 0);
			if (len < 0)
				len = (int)strlen(cell);
			if (len > need)
				need = len;
		}
		if (need > w[i]) {
			int add = need - w[i] < flex ? need - w[i] : flex;

			w[i] += add;
			flex -= add;
		}
	}

	/* header */
	move(y, 0);
	attrset(tui_attr_get(t, TUI_A_HEADER));
	hline(' ', t->cols);
	for (i = 0, x = 0; i < s->ncols; i++) {
		if (!on[i])
			continue;
		{
			const char *arrow = strstr(s->cols[i].name, "->");

			if (arrow)	/* "SRC -> DST" in the locale's arrow */
				snprintf(cell, sizeof(cell), "%.*s%s%s%s",
					 (int)(arrow - s->cols[i].name), s->cols[i].name,
					 tui_attr_arrow(), arrow + 2,
					 l->sort_col == i ? (l->sort_rev ? "v" : "^") : "");
			else
				snprintf(cell, sizeof(cell), "%s%s", s->cols[i].name,
					 l->sort_col == i ? (l->sort_rev ? "v" : "^") : "");
		}
		if (x < t->cols)
			mvaddnstr(y, x, cell, w[i] < t->cols - x ? w[i] : t->cols - x);
		x += w[i] + 1;
	}
	attrset(A_NORMAL);
	h--;
	y++;
	/* keep the selection visible */
	if (l->sel >= l->idx.n)
		l->sel = l->idx.n ? l->idx.n - 1 : 0;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + (size_t)h)
		l->top = l->sel - h + 1;
	if (l->top + h > l->idx.n)
		l->top = l->idx.n > (size_t)h ? l->idx.n - h : 0;
	for (r = 0; r < h; r++) {
		size_t row = l->top + r;
		int a;

		move(y + r, 0);
		clrtoeol();
		if (row >= l->idx.n)
			continue;
		a = s->row_attr ? s->row_attr(t, row) : 0;
		if (row == l->sel)
			a = tui_attr_get(t, TUI_A_SEL) | A_BOLD;
		attrset(a);
		if (row == l->sel)
			hline(' ', t->cols);
		for (i = 0, x = 0; i < s->ncols; i++) {
			int len;

			if (!on[i])
				continue;
			s->cell(t, row, i, cell, sizeof(cell));
			if (x < t->cols) {
				int cw = w[i] < t->cols - x ? w[i] : t->cols - x;
				int off;

				/* columns count characters, not bytes: the arrow is 3 */
				len = (int)mbstowcs(wcell, cell, sizeof(wcell) / sizeof(wcell[0]) - 1);
				if (len < 0) {
					len = (int)strlen(cell);
					/* cut: the last column says so */
					if (len > cw && cw > 0)
						cell[cw - 1] = '>';
					off = s->cols[i].right && len < cw ? cw - len : 0;
					mvaddnstr(y + r, x + off, cell, cw - off);
				} else {
					wcell[len] = 0;
					if (len > cw && cw > 0)
						wcell[cw - 1] = tui_attr_ellipsis();
					off = s->cols[i].right && len < cw ? cw - len : 0;
					mvaddnwstr(y + r, x + off, wcell, cw - off);
				}
			}
			x += w[i] + 1;
		}
		attrset(A_NORMAL);
	}
}
