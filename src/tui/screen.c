// SPDX-License-Identifier: BSD-2-Clause
/*
 * screen.c: the frame: tab bar (row 0), the active view, the detail pane,
 * the form on top, the status bar (last row). The pieces it is drawn with
 * (table, filter, attributes) are the widget kit: table.c, filter.c,
 * attr.c.
 */
#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "view.h"
#include "form.h"

static int tab_x0[TUI_VIEW_N], tab_x1[TUI_VIEW_N];

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
	attrset(tui_attr_get(t, TUI_A_STATUS));
	hline(' ', t->cols);
	for (i = 0; i < TUI_VIEW_N; i++) {
		size_t n = i == TUI_VIEW_SAD ? t->m.sad.n : i == TUI_VIEW_SPD ? t->m.spd.n : t->m.nev;
		int len = snprintf(buf, sizeof(buf), " %d %s (%zu) ", i + 1, names[i], n);

		attrset(tui_attr_get(t, i == (int)t->view ? TUI_A_TAB_ON : TUI_A_STATUS) |
			(i == (int)t->view ? A_BOLD : 0));
		tab_x0[i] = x;
		mvaddnstr(0, x, buf, t->cols - x > 0 ? t->cols - x : 0);
		x += len;
		tab_x1[i] = x;
		attrset(tui_attr_get(t, TUI_A_STATUS));
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
	attrset(tui_attr_get(t, TUI_A_STATUS));
	hline(' ', t->cols);
	if (t->st == TUI_ST_FILTER || t->st == TUI_ST_PROMPT || t->st == TUI_ST_CONFIRM) {
		if (t->st == TUI_ST_FILTER)
			snprintf(buf, sizeof(buf), "/%s", t->filter);
		else if (t->st == TUI_ST_PROMPT)
			snprintf(buf, sizeof(buf), "%s %s", t->question, t->prompt);
		else
			snprintf(buf, sizeof(buf), "%s [y/N]", t->question);
		attrset(tui_attr_get(t, TUI_A_WARN));
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
		attrset(tui_attr_get(t, TUI_A_WARN));
		mvaddnstr(y, x, " KEYS SHOWN ", t->cols - x);
		x += 13;
	}
	if (t->msg[0] && x < t->cols) {
		attrset(tui_attr_get(t, t->msg_err ? TUI_A_ERR : TUI_A_STATUS));
		mvaddnstr(y, x, t->msg, t->cols - x);
		x += (int)strlen(t->msg) + 1;
	}
	n = (int)strlen(t->be.desc);
	if (x + n + 1 < t->cols) {
		attrset(tui_attr_get(t, TUI_A_STATUS) | A_BOLD);
		mvaddstr(y, t->cols - n - 1, t->be.desc);
	}
	attrset(A_NORMAL);
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
