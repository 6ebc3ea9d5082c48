// SPDX-License-Identifier: BSD-2-Clause
/*
 * screen.c: the frame: tab bar (row 0), the active view, the detail pane,
 * the status bar (last row), colours with a monochrome fallback (NO_COLOR,
 * terminals without colours) and the generic table drawer the SAD, SPD and
 * Events views share.
 */
#include <curses.h>
#include <wchar.h>
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "view.h"
#include "form.h"

static int tab_x0[TUI_VIEW_N], tab_x1[TUI_VIEW_N];
static bool utf8;

void tui_screen_init(struct tui *t)
{
	const char *nc = getenv("NO_COLOR");

	utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	t->color = has_colors() && !(nc && *nc);
	if (!t->color)
		return;
	start_color();
	use_default_colors();
	init_pair(1, COLOR_BLACK, COLOR_CYAN);		/* active tab, selection */
	init_pair(2, COLOR_CYAN, -1);			/* headers */
	init_pair(3, COLOR_BLACK, COLOR_WHITE);		/* status bar */
	init_pair(4, COLOR_WHITE, COLOR_RED);		/* errors */
	init_pair(5, COLOR_BLACK, COLOR_YELLOW);	/* keys shown */
	init_pair(6, COLOR_YELLOW, -1);			/* dying / dim */
	init_pair(7, COLOR_GREEN, -1);			/* ok */
}

int tui_screen_attr(const struct tui *t, enum tui_attr_kind k)
{
	if (!t->color) {
		switch (k) {
		case TUI_A_TAB_ON: case TUI_A_SEL: case TUI_A_STATUS:
			return A_REVERSE;
		case TUI_A_ERR: case TUI_A_WARN:
			return A_REVERSE | A_BOLD;
		case TUI_A_HEADER: case TUI_A_TITLE:
			return A_BOLD | A_UNDERLINE;
		case TUI_A_DIM:
			return A_DIM;
		default:
			return A_NORMAL;
		}
	}
	switch (k) {
	case TUI_A_TAB_ON: case TUI_A_SEL: return COLOR_PAIR(1);
	case TUI_A_HEADER: return COLOR_PAIR(2) | A_BOLD;
	case TUI_A_TITLE: return COLOR_PAIR(2) | A_BOLD;
	case TUI_A_STATUS: return COLOR_PAIR(3);
	case TUI_A_ERR: return COLOR_PAIR(4) | A_BOLD;
	case TUI_A_WARN: return COLOR_PAIR(5) | A_BOLD;
	case TUI_A_DIM: return COLOR_PAIR(6);
	case TUI_A_GOOD: return COLOR_PAIR(7);
	default: return A_NORMAL;
	}
}

const char *tui_arrow(void)
{
	return utf8 ? "\xe2\x86\x92" : "->";
}

void tui_bar_text(char *buf, size_t cap, int w, double frac)
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

void tui_filter_split(const char *filter, struct tui_words *out)
{
	const char *p = filter;
	size_t n;

	out->n = 0;
	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p || out->n == TUI_FILTER_WORDS)
			return;
		n = strcspn(p, " ");
		if (n >= sizeof(out->w[0]))
			n = sizeof(out->w[0]) - 1;
		memcpy(out->w[out->n], p, n);
		out->w[out->n++][n] = 0;
		p += strcspn(p, " ");
	}
}

bool tui_filter_match(const struct tui_words *ws, bool (*word)(const void *obj, const char *w),
		      const void *obj)
{
	int i;

	for (i = 0; i < ws->n; i++)
		if (!word(obj, ws->w[i]))
			return false;
	return true;
}

int tui_screen_tab_at(int x)
{
	int i;

	for (i = 0; i < TUI_VIEW_N; i++)
		if (x >= tab_x0[i] && x < tab_x1[i])
			return i;
	return -1;
}

static void draw_tabs(struct tui *t)
{
	static const char *names[TUI_VIEW_N] = { "SAD", "SPD", "Events" };
	char buf[64];
	int i, x = 0;

	move(0, 0);
	attrset(tui_screen_attr(t, TUI_A_STATUS));
	hline(' ', t->cols);
	for (i = 0; i < TUI_VIEW_N; i++) {
		size_t n = i == TUI_VIEW_SAD ? t->m.sad.n : i == TUI_VIEW_SPD ? t->m.spd.n : t->m.nev;
		int len = snprintf(buf, sizeof(buf), " %d %s (%zu) ", i + 1, names[i], n);

		attrset(tui_screen_attr(t, i == (int)t->view ? TUI_A_TAB_ON : TUI_A_STATUS) |
			(i == (int)t->view ? A_BOLD : 0));
		tab_x0[i] = x;
		mvaddnstr(0, x, buf, t->cols - x > 0 ? t->cols - x : 0);
		x += len;
		tab_x1[i] = x;
		attrset(tui_screen_attr(t, TUI_A_STATUS));
		if (x < t->cols)
			mvaddch(0, x++, ' ');
	}
	if (t->cols - x > 9)
		mvaddstr(0, t->cols - 9, " ? help ");
	attrset(A_NORMAL);
}

void tui_status_draw(struct tui *t, int y)
{
	char buf[1024];
	int x, n;
	uint64_t now = (uint64_t)time(NULL);

	move(y, 0);
	attrset(tui_screen_attr(t, TUI_A_STATUS));
	hline(' ', t->cols);
	if (t->st == TUI_ST_FILTER || t->st == TUI_ST_PROMPT || t->st == TUI_ST_CONFIRM) {
		if (t->st == TUI_ST_FILTER)
			snprintf(buf, sizeof(buf), "/%s", t->filter);
		else if (t->st == TUI_ST_PROMPT)
			snprintf(buf, sizeof(buf), "%s %s", t->question, t->prompt);
		else
			snprintf(buf, sizeof(buf), "%s [y/N]", t->question);
		attrset(tui_screen_attr(t, TUI_A_WARN));
		hline(' ', t->cols);
		mvaddnstr(y, 0, buf, t->cols);
		curs_set(1);
		move(y, (int)strlen(buf) < t->cols ? (int)strlen(buf) : t->cols - 1);
		attrset(A_NORMAL);
		return;
	}
	/* counts and rates first, then the warning and the last message, so
	 * they survive 80 columns; the backend goes right-aligned if room is left */
	n = snprintf(buf, sizeof(buf), " SA %zu SP %zu | %llu ev/s drop %llu%s%s",
		     t->m.sad.n, t->m.spd.n,
		     (unsigned long long)tui_model_event_rate(&t->m, now),
		     (unsigned long long)(t->be.lost),
		     t->be.phase != TUI_DUMP_IDLE ? " | loading" : "",
		     t->paused ? " | PAUSED" : "");
	if (t->filter[0] && n < (int)sizeof(buf))
		n += snprintf(buf + n, sizeof(buf) - n, " | /%s", t->filter);
	if (n < (int)sizeof(buf) - 3)
		n += snprintf(buf + n, sizeof(buf) - n, " |");
	mvaddnstr(y, 0, buf, t->cols);
	x = n + 1;
	if (t->show_keys && x < t->cols) {
		attrset(tui_screen_attr(t, TUI_A_WARN));
		mvaddnstr(y, x, " KEYS SHOWN ", t->cols - x);
		x += 13;
	}
	if (t->msg[0] && x < t->cols) {
		attrset(tui_screen_attr(t, t->msg_err ? TUI_A_ERR : TUI_A_STATUS));
		mvaddnstr(y, x, t->msg, t->cols - x);
		x += (int)strlen(t->msg) + 1;
	}
	n = (int)strlen(t->be.desc);
	if (x + n + 1 < t->cols) {
		attrset(tui_screen_attr(t, TUI_A_STATUS) | A_BOLD);
		mvaddstr(y, t->cols - n - 1, t->be.desc);
	}
	attrset(A_NORMAL);
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
	attrset(tui_screen_attr(t, TUI_A_HEADER));
	hline(' ', t->cols);
	for (i = 0, x = 0; i < s->ncols; i++) {
		if (!on[i])
			continue;
		{
			const char *arrow = strstr(s->cols[i].name, "->");

			if (arrow)	/* "SRC -> DST" in the locale's arrow */
				snprintf(cell, sizeof(cell), "%.*s%s%s%s",
					 (int)(arrow - s->cols[i].name), s->cols[i].name,
					 tui_arrow(), arrow + 2,
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
			a = tui_screen_attr(t, TUI_A_SEL) | A_BOLD;
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
						wcell[cw - 1] = utf8 ? L'\x2026' : L'>';
					off = s->cols[i].right && len < cw ? cw - len : 0;
					mvaddnwstr(y + r, x + off, wcell, cw - off);
				}
			}
			x += w[i] + 1;
		}
		attrset(A_NORMAL);
	}
}

int tui_screen_list_rows(const struct tui *t)
{
	int body = t->rows - 2;

	if (t->detail)
		body = body / 2;
	return body - 1 > 1 ? body - 1 : 1;	/* minus the header */
}

void tui_screen_draw(struct tui *t)
{
	int body, lh;

	getmaxyx(stdscr, t->rows, t->cols);
	erase();
	curs_set(0);
	if (t->rows < 6 || t->cols < 20) {
		mvaddnstr(0, 0, "keytui: terminal too small", t->cols);
		refresh();
		return;
	}
	if (t->st == TUI_ST_HELP) {
		tui_help_draw(t);
		tui_status_draw(t, t->rows - 1);
		refresh();
		return;
	}
	draw_tabs(t);
	body = t->rows - 2;
	lh = t->detail ? body / 2 : body;
	switch (t->view) {
	case TUI_VIEW_SAD: tui_view_sad_draw(t, 1, lh); break;
	case TUI_VIEW_SPD: tui_view_spd_draw(t, 1, lh); break;
	default: tui_view_events_draw(t, 1, lh); break;
	}
	if (t->detail)
		tui_view_detail_draw(t, 1 + lh, body - lh);
	t->cur_y = -1;
	if ((t->st == TUI_ST_FORM || t->st == TUI_ST_WIZARD) && t->form)
		tui_form_draw(t, t->form);
	tui_status_draw(t, t->rows - 1);
	if (t->cur_y >= 0) {
		curs_set(1);
		move(t->cur_y, t->cur_x);
	}
	refresh();
}
