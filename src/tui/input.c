// SPDX-License-Identifier: BSD-2-Clause
/*
 * input.c: the key table (help screen and man page are written from it) and
 * the key handlers for each pstate. Handlers change struct tui and return
 * TUI_R_* flags; anything that talks to the backend lives in action.c,
 * forms in form.c.
 */
#include <curses.h>
#include <string.h>
#include "input.h"
#include "action.h"
#include "form.h"
#include "view.h"

const struct tui_keydef tui_keydefs[] = {
	{ "1 2 3, Tab, S-Tab", "switch view: SAD, SPD, Events (or click the tab bar)", "all" },
	{ "j k, Down Up", "move the selection (or click a row)", "lists" },
	{ "PgDn PgUp", "move by a page", "lists" },
	{ "g G, Home End", "first / last row", "lists" },
	{ "Enter", "open / close the detail pane for the selected row", "lists" },
	{ "[ ]", "scroll the detail pane", "detail" },
	{ "K", "show / hide keys (a warning stays in the status bar while shown)", "all" },
	{ "x", "hex view of the selected event in the detail pane", "Events" },
	{ "/", "filter as you type: words match address, SPI, proto, mode, type", "lists" },
	{ "Esc", "clear the filter; cancel a form, prompt or question", "all" },
	{ "s S", "sort by the next column / reverse the order", "SAD SPD" },
	{ "r", "refresh: dump SAD and SPD again", "all" },
	{ "a", "compose an SA (add)", "all" },
	{ "p", "compose a policy (spdadd)", "all" },
	{ "w", "pair wizard: both SAs and the policies for two hosts or gateways; the preview shows the peer's script (y copies it)", "all" },
	{ "d, Del", "delete the selected SA or policy (asks y/N)", "SAD SPD" },
	{ "l", "update the lifetimes of the selected SA", "SAD" },
	{ "F", "flush the SAD or SPD (type 'flush' to confirm); clear Events", "all" },
	{ "e", "export the selected row as a keysh script (file mode 0600)", "SAD SPD" },
	{ "E", "export everything (SAD and SPD) as a keysh script (0600)", "all" },
	{ "y", "copy the selected row as a keysh statement (OSC 52; keys only after K)", "SAD SPD" },
	{ "f", "follow mode: keep the newest event selected", "Events" },
	{ "Space", "pause / resume the event list (events are still recorded)", "Events" },
	{ "c", "clear the event list", "Events" },
	{ "?, F1", "this help", "all" },
	{ "q", "quit", "all" },
	{ "Tab, Down / S-Tab, Up", "next / previous field", "form" },
	{ "Left Right, Space", "change a pick-list choice", "form" },
	{ "C-g", "generate: random key of the exact length, or SPI auto (GETSPI)", "form" },
	{ "C-u, Backspace", "clear the field / delete the last character", "form" },
	{ "Enter", "apply (the wizard shows the keysh script first; Enter again applies)", "form" },
};
const size_t tui_nkeydefs = sizeof(tui_keydefs) / sizeof(tui_keydefs[0]);

static unsigned int move_sel(struct tui *t, long delta, bool abs_pos)
{
	struct tui_list *l = &t->list[t->view];
	size_t n = tui_view_rows(t, t->view);
	long s;

	if (!n)
		return TUI_R_HANDLED;
	s = abs_pos ? delta : (long)l->sel + delta;
	if (s < 0)
		s = 0;
	if ((size_t)s >= n)
		s = (long)n - 1;
	l->sel = (size_t)s;
	if (t->view == TUI_VIEW_EVENTS)
		t->follow = l->sel == n - 1 && t->follow;
	t->detail_top = 0;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static unsigned int set_view(struct tui *t, int v)
{
	if (v < 0 || v >= TUI_VIEW_N)
		return TUI_R_IGNORED;
	t->view = (enum tui_view)v;
	t->detail_top = 0;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static unsigned int open_form(struct tui *t, struct tui_form *f, enum tui_pstate st)
{
	if (!f) {
		tui_msg(t, true, "out of memory");
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	tui_form_free(t->form);
	t->form = f;
	t->st = st;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static unsigned int browse_key(struct tui *t, int ch)
{
	int page = tui_screen_list_rows(t);

	if (ch >= TUI_KEY_ROW_CLICK(0)) {
		int row = ch - TUI_KEY_ROW_CLICK(0) - 2;	/* tab bar + header */
		struct tui_list *l = &t->list[t->view];

		if (row < 0 || row >= page)
			return TUI_R_IGNORED;
		return move_sel(t, (long)(l->top + row), true);
	}
	if (ch >= TUI_KEY_TAB_CLICK(0))
		return set_view(t, ch - TUI_KEY_TAB_CLICK(0));
	switch (ch) {
	case 'q':
		return TUI_R_QUIT;
	case '?': case KEY_F(1):
		t->st = TUI_ST_HELP;
		t->help_top = 0;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case '1': case '2': case '3':
		return set_view(t, ch - '1');
	case '\t':
		return set_view(t, (t->view + 1) % TUI_VIEW_N);
	case KEY_BTAB:
		return set_view(t, (t->view + TUI_VIEW_N - 1) % TUI_VIEW_N);
	case 'j': case KEY_DOWN:
		return move_sel(t, 1, false);
	case 'k': case KEY_UP:
		if (t->view == TUI_VIEW_EVENTS)
			t->follow = false;
		return move_sel(t, -1, false);
	case KEY_NPAGE:
		return move_sel(t, page, false);
	case KEY_PPAGE:
		if (t->view == TUI_VIEW_EVENTS)
			t->follow = false;
		return move_sel(t, -page, false);
	case 'g': case KEY_HOME:
		if (t->view == TUI_VIEW_EVENTS)
			t->follow = false;
		return move_sel(t, 0, true);
	case 'G': case KEY_END:
		return move_sel(t, 1L << 40, true);
	case '\n': case '\r': case KEY_ENTER:
		t->detail = !t->detail;
		t->detail_top = 0;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case ']':
		t->detail_top += 3;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case '[':
		t->detail_top = t->detail_top > 3 ? t->detail_top - 3 : 0;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case 'K':
		t->show_keys = !t->show_keys;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case 'x':
		t->hex = !t->hex;
		if (t->hex)
			t->detail = true;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case '/':
		t->st = TUI_ST_FILTER;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case 27:
		if (t->filter[0]) {
			t->filter[0] = 0;
			t->filter_gen++;
		}
		t->msg[0] = 0;
		return TUI_R_HANDLED | TUI_R_REDRAW | TUI_R_REINDEX;
	case 's': case 'S': {
		struct tui_list *l = &t->list[t->view];
		int n = tui_view_ncols(t->view);

		if (!n)
			return TUI_R_HANDLED;
		if (ch == 's')
			l->sort_col = (l->sort_col + 1) % n;
		else
			l->sort_rev = !l->sort_rev;
		t->filter_gen++;	/* forces the index to be rebuilt */
		tui_msg(t, false, "sorted by %s%s", tui_view_col_name(t->view, l->sort_col),
			l->sort_rev ? " (reversed)" : "");
		return TUI_R_HANDLED | TUI_R_REDRAW | TUI_R_REINDEX;
	}
	case 'r':
		return TUI_R_HANDLED | TUI_R_REFRESH | TUI_R_REDRAW;
	case 'a':
		return open_form(t, tui_form_sa_new(t), TUI_ST_FORM);
	case 'p':
		return open_form(t, tui_form_policy_new(t), TUI_ST_FORM);
	case 'w':
		return open_form(t, tui_wizard_new(t), TUI_ST_WIZARD);
	case 'l': {
		const struct tui_sa *s = t->view == TUI_VIEW_SAD ? tui_view_sad_selected(t) : NULL;

		if (!s) {
			tui_msg(t, true, "select an SA in the SAD view to update its lifetimes");
			return TUI_R_HANDLED | TUI_R_REDRAW;
		}
		return open_form(t, tui_form_lifetime_new(t, &s->sa), TUI_ST_FORM);
	}
	case 'd': case KEY_DC:
		return tui_action_delete_ask(t);
	case 'F':
		return tui_action_flush_ask(t);
	case 'e':
		return tui_action_export_ask(t, false);
	case 'E':
		return tui_action_export_ask(t, true);
	case 'y':
		return tui_action_copy(t);
	case 'f':
		t->follow = !t->follow;
		tui_msg(t, false, "follow %s", t->follow ? "on" : "off");
		t->list[TUI_VIEW_EVENTS].idx.valid = false;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case ' ':
		if (t->view != TUI_VIEW_EVENTS)
			return TUI_R_IGNORED;
		t->paused = !t->paused;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case 'c':
		if (t->view != TUI_VIEW_EVENTS)
			return TUI_R_IGNORED;
		tui_model_events_clear(&t->m);
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case KEY_RESIZE:
		return TUI_R_HANDLED | TUI_R_REDRAW;
	default:
		return TUI_R_IGNORED;
	}
}

static unsigned int help_key(struct tui *t, int ch)
{
	switch (ch) {
	case 'j': case KEY_DOWN: case KEY_NPAGE:
		t->help_top += ch == KEY_NPAGE ? 10 : 1;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case 'k': case KEY_UP: case KEY_PPAGE:
		t->help_top = t->help_top > 0 ? t->help_top - 1 : 0;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case KEY_RESIZE:
		return TUI_R_HANDLED | TUI_R_REDRAW;
	case 'q': case 27: case '?': case KEY_F(1): case '\n': case '\r':
	default:
		t->st = TUI_ST_BROWSE;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
}

static unsigned int filter_key(struct tui *t, int ch)
{
	size_t n = strlen(t->filter);

	switch (ch) {
	case 27:
		t->filter[0] = 0;
		/* fall through */
	case '\n': case '\r': case KEY_ENTER:
		t->st = TUI_ST_BROWSE;
		break;
	case KEY_BACKSPACE: case 127: case 8:
		if (n)
			t->filter[n - 1] = 0;
		else
			t->st = TUI_ST_BROWSE;
		break;
	case KEY_RESIZE:
		return TUI_R_HANDLED | TUI_R_REDRAW;
	default:
		if (ch < 32 || ch > 126 || n + 1 >= sizeof(t->filter))
			return TUI_R_IGNORED;
		t->filter[n] = (char)ch;
		t->filter[n + 1] = 0;
	}
	t->filter_gen++;
	t->list[t->view].sel = 0;
	t->list[t->view].have_key = false;
	return TUI_R_HANDLED | TUI_R_REDRAW | TUI_R_REINDEX;
}

static unsigned int confirm_key(struct tui *t, int ch)
{
	if (ch == KEY_RESIZE)
		return TUI_R_HANDLED | TUI_R_REDRAW;
	t->st = TUI_ST_BROWSE;
	if (ch == 'y' || ch == 'Y')
		return tui_action_do(t);
	tui_msg(t, false, "cancelled");
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static unsigned int prompt_key(struct tui *t, int ch)
{
	switch (ch) {
	case 27:
		t->st = TUI_ST_BROWSE;
		tui_msg(t, false, "cancelled");
		break;
	case '\n': case '\r': case KEY_ENTER:
		t->st = TUI_ST_BROWSE;
		return tui_action_do(t);
	case KEY_BACKSPACE: case 127: case 8:
		if (t->prompt_len)
			t->prompt[--t->prompt_len] = 0;
		break;
	case 21:	/* C-u: clear the line, as in the forms */
		explicit_bzero(t->prompt, sizeof(t->prompt));
		t->prompt_len = 0;
		break;
	case KEY_RESIZE:
		break;
	default:
		if (ch < 32 || ch > 126 || t->prompt_len + 1 >= sizeof(t->prompt))
			return TUI_R_IGNORED;
		t->prompt[t->prompt_len++] = (char)ch;
		t->prompt[t->prompt_len] = 0;
	}
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

unsigned int tui_input_key(struct tui *t, int ch)
{
	switch (t->st) {
	case TUI_ST_HELP: return help_key(t, ch);
	case TUI_ST_FILTER: return filter_key(t, ch);
	case TUI_ST_CONFIRM: return confirm_key(t, ch);
	case TUI_ST_PROMPT: return prompt_key(t, ch);
	case TUI_ST_FORM:
	case TUI_ST_WIZARD:
		if (ch >= TUI_KEY_TAB_CLICK(0))
			return TUI_R_IGNORED;
		return tui_form_key(t, t->form, ch);
	default: return browse_key(t, ch);
	}
}
