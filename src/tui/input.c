// SPDX-License-Identifier: BSD-2-Clause
/*
 * input.c: key bindings (see input.h): the binding table, the handlers it
 * names, the other-key handling of each context and the dispatcher.
 * Handlers change struct tui and return TUI_R_* flags; anything that talks
 * to the backend lives in action.c, form editing in form.c.
 */
#include <curses.h>
#include <string.h>
#include "input.h"
#include "action.h"
#include "form.h"
#include "view.h"

#define ENTER_KEYS '\n', '\r', KEY_ENTER
#define BS_KEYS KEY_BACKSPACE, 127, 8

/* ---- browsing ------------------------------------------------------ */

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

/* Looking back in Events stops following the newest. */
static void unfollow(struct tui *t)
{
	if (t->view == TUI_VIEW_EVENTS)
		t->follow = false;
}

static unsigned int k_view(struct tui *t, int ch)
{
	return set_view(t, ch - '1');
}

static unsigned int k_view_step(struct tui *t, int ch)
{
	return set_view(t, (t->view + (ch == '\t' ? 1 : TUI_VIEW_N - 1)) % TUI_VIEW_N);
}

static unsigned int k_help(struct tui *t, int ch)
{
	(void)ch;
	t->st = TUI_ST_HELP;
	t->help_top = 0;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static unsigned int k_quit(struct tui *t, int ch)
{
	(void)t;
	(void)ch;
	return TUI_R_QUIT;
}

static unsigned int k_keys(struct tui *t, int ch)
{
	(void)ch;
	t->show_keys = !t->show_keys;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static unsigned int k_refresh(struct tui *t, int ch)
{
	(void)t;
	(void)ch;
	return TUI_R_HANDLED | TUI_R_REFRESH | TUI_R_REDRAW;
}

static unsigned int k_compose_sa(struct tui *t, int ch)
{
	(void)ch;
	return open_form(t, tui_form_sa_new(t), TUI_ST_FORM);
}

static unsigned int k_compose_pol(struct tui *t, int ch)
{
	(void)ch;
	return open_form(t, tui_form_policy_new(t), TUI_ST_FORM);
}

static unsigned int k_wizard(struct tui *t, int ch)
{
	(void)ch;
	return open_form(t, tui_wizard_new(t), TUI_ST_WIZARD);
}

static unsigned int k_export(struct tui *t, int ch)
{
	return tui_action_export_ask(t, ch == 'E');
}

static unsigned int k_flush(struct tui *t, int ch)
{
	(void)ch;
	return tui_action_flush_ask(t);
}

static unsigned int k_escape(struct tui *t, int ch)
{
	(void)ch;
	if (t->filter[0]) {
		t->filter[0] = 0;
		t->filter_gen++;
	}
	t->msg[0] = 0;
	return TUI_R_HANDLED | TUI_R_REDRAW | TUI_R_REINDEX;
}

static unsigned int k_down(struct tui *t, int ch)
{
	(void)ch;
	return move_sel(t, 1, false);
}

static unsigned int k_up(struct tui *t, int ch)
{
	(void)ch;
	unfollow(t);
	return move_sel(t, -1, false);
}

static unsigned int k_page(struct tui *t, int ch)
{
	int page = tui_screen_list_rows(t);

	if (ch == KEY_NPAGE)
		return move_sel(t, page, false);
	unfollow(t);
	return move_sel(t, -page, false);
}

static unsigned int k_first(struct tui *t, int ch)
{
	(void)ch;
	unfollow(t);
	return move_sel(t, 0, true);
}

static unsigned int k_last(struct tui *t, int ch)
{
	(void)ch;
	return move_sel(t, 1L << 40, true);
}

static unsigned int k_detail(struct tui *t, int ch)
{
	(void)ch;
	t->detail = !t->detail;
	t->detail_top = 0;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static unsigned int k_detail_scroll(struct tui *t, int ch)
{
	if (ch == ']')
		t->detail_top += 3;
	else
		t->detail_top = t->detail_top > 3 ? t->detail_top - 3 : 0;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static unsigned int k_filter(struct tui *t, int ch)
{
	(void)ch;
	t->st = TUI_ST_FILTER;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static unsigned int k_sort(struct tui *t, int ch)
{
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

static unsigned int k_delete(struct tui *t, int ch)
{
	(void)ch;
	return tui_action_delete_ask(t);
}

static unsigned int k_lifetime(struct tui *t, int ch)
{
	const struct tui_sa *s = t->view == TUI_VIEW_SAD ? tui_view_sad_selected(t) : NULL;

	(void)ch;
	if (!s) {
		tui_msg(t, true, "select an SA in the SAD view to update its lifetimes");
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	return open_form(t, tui_form_lifetime_new(t, &s->sa), TUI_ST_FORM);
}

static unsigned int k_copy(struct tui *t, int ch)
{
	(void)ch;
	return tui_action_copy(t);
}

static unsigned int k_hex(struct tui *t, int ch)
{
	(void)ch;
	t->hex = !t->hex;
	if (t->hex)
		t->detail = true;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static unsigned int k_follow(struct tui *t, int ch)
{
	(void)ch;
	t->follow = !t->follow;
	tui_msg(t, false, "follow %s", t->follow ? "on" : "off");
	t->list[TUI_VIEW_EVENTS].idx.valid = false;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static unsigned int k_pause(struct tui *t, int ch)
{
	(void)ch;
	if (t->view != TUI_VIEW_EVENTS)
		return TUI_R_IGNORED;
	t->paused = !t->paused;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static unsigned int k_clear_events(struct tui *t, int ch)
{
	(void)ch;
	if (t->view != TUI_VIEW_EVENTS)
		return TUI_R_IGNORED;
	tui_model_events_clear(&t->m);
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

/* Mouse clicks on the tab bar and on list rows. */
static unsigned int click(struct tui *t, int ch)
{
	if (ch >= TUI_KEY_ROW_CLICK(0)) {
		int row = ch - TUI_KEY_ROW_CLICK(0) - 2;	/* tab bar + header */
		struct tui_list *l = &t->list[t->view];

		if (row < 0 || row >= tui_screen_list_rows(t))
			return TUI_R_IGNORED;
		return move_sel(t, (long)(l->top + row), true);
	}
	return set_view(t, ch - TUI_KEY_TAB_CLICK(0));
}

static unsigned int browse_other(struct tui *t, int ch)
{
	(void)t;
	(void)ch;
	return TUI_R_IGNORED;
}

/* ---- the help screen ----------------------------------------------- */

#define HELP_PAGE 10

static unsigned int h_down(struct tui *t, int ch)
{
	t->help_top += ch == KEY_NPAGE ? HELP_PAGE : 1;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static unsigned int h_up(struct tui *t, int ch)
{
	size_t d = ch == KEY_PPAGE ? HELP_PAGE : 1;

	t->help_top = t->help_top > d ? t->help_top - d : 0;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static unsigned int h_page(struct tui *t, int ch)
{
	return ch == KEY_NPAGE ? h_down(t, ch) : h_up(t, ch);
}

static unsigned int h_close(struct tui *t, int ch)
{
	(void)ch;
	t->st = TUI_ST_BROWSE;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

/* ---- the filter line ----------------------------------------------- */

static unsigned int filter_changed(struct tui *t)
{
	t->filter_gen++;
	t->list[t->view].sel = 0;
	t->list[t->view].have_key = false;
	return TUI_R_HANDLED | TUI_R_REDRAW | TUI_R_REINDEX;
}

static unsigned int f_drop(struct tui *t, int ch)
{
	(void)ch;
	t->filter[0] = 0;
	t->st = TUI_ST_BROWSE;
	return filter_changed(t);
}

static unsigned int f_keep(struct tui *t, int ch)
{
	(void)ch;
	t->st = TUI_ST_BROWSE;
	return filter_changed(t);
}

static unsigned int f_erase(struct tui *t, int ch)
{
	size_t n = strlen(t->filter);

	(void)ch;
	if (n)
		t->filter[n - 1] = 0;
	else
		t->st = TUI_ST_BROWSE;
	return filter_changed(t);
}

static unsigned int f_type(struct tui *t, int ch)
{
	size_t n = strlen(t->filter);

	if (ch < 32 || ch > 126 || n + 1 >= sizeof(t->filter))
		return TUI_R_IGNORED;
	t->filter[n] = (char)ch;
	t->filter[n + 1] = 0;
	return filter_changed(t);
}

/* ---- prompts and questions ----------------------------------------- */

static unsigned int p_answer(struct tui *t, int ch)
{
	(void)ch;
	t->st = TUI_ST_BROWSE;
	return tui_action_do(t);
}

static unsigned int p_cancel(struct tui *t, int ch)
{
	(void)ch;
	t->st = TUI_ST_BROWSE;
	tui_msg(t, false, "cancelled");
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static unsigned int p_erase(struct tui *t, int ch)
{
	(void)ch;
	if (t->prompt_len)
		t->prompt[--t->prompt_len] = 0;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static unsigned int p_clear(struct tui *t, int ch)
{
	(void)ch;
	explicit_bzero(t->prompt, sizeof(t->prompt));
	t->prompt_len = 0;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

static unsigned int p_type(struct tui *t, int ch)
{
	if (ch < 32 || ch > 126 || t->prompt_len + 1 >= sizeof(t->prompt))
		return TUI_R_IGNORED;
	t->prompt[t->prompt_len++] = (char)ch;
	t->prompt[t->prompt_len] = 0;
	return TUI_R_HANDLED | TUI_R_REDRAW;
}

/* ---- forms and the wizard preview ---------------------------------- */

static unsigned int m_cancel(struct tui *t, int ch)
{
	(void)ch;
	return tui_form_cancel(t);
}

static unsigned int m_step(struct tui *t, int ch)
{
	return tui_form_step(t, ch == '\t' || ch == KEY_DOWN ? 1 : -1);
}

static unsigned int m_enter(struct tui *t, int ch)
{
	(void)ch;
	return tui_form_enter(t);
}

static unsigned int m_generate(struct tui *t, int ch)
{
	(void)ch;
	return tui_form_generate(t);
}

static unsigned int m_edit(struct tui *t, int ch)
{
	return tui_form_edit(t, ch);
}

static unsigned int w_back(struct tui *t, int ch)
{
	(void)ch;
	return tui_form_preview_back(t);
}

static unsigned int w_copy(struct tui *t, int ch)
{
	(void)ch;
	return tui_action_copy_peer(t, t->form);
}

static unsigned int w_other(struct tui *t, int ch)
{
	(void)t;
	(void)ch;
	return TUI_R_HANDLED;
}

/* ---- the tables ---------------------------------------------------- */

const struct tui_keyctx_def tui_keyctxs[TUI_KC_N] = {
	[TUI_KC_ALL] = { "Everywhere", NULL, browse_other },
	[TUI_KC_LIST] = { "Lists", NULL, browse_other },
	[TUI_KC_HELP] = { "Help screen", "closes the help", h_close },
	[TUI_KC_FILTER] = { "Filter", "is typed into the filter", f_type },
	[TUI_KC_PROMPT] = { "Prompts", "is typed into the line", p_type },
	[TUI_KC_CONFIRM] = { "Questions", "answers no", p_cancel },
	[TUI_KC_FORM] = { "Forms and the wizard", "is typed into the field", m_edit },
	[TUI_KC_PREVIEW] = { "Wizard preview", NULL, w_other },
};

const struct tui_binding tui_bindings[] = {
	{ TUI_KC_ALL, { '1', '2', '3' }, NULL,
	  "switch to the SAD, SPD or Events view (or click the tab bar)", k_view },
	{ TUI_KC_ALL, { '\t', KEY_BTAB }, NULL, "next / previous view", k_view_step },
	{ TUI_KC_ALL, { '?', KEY_F(1) }, NULL, "this help", k_help },
	{ TUI_KC_ALL, { 'q' }, NULL, "quit", k_quit },
	{ TUI_KC_ALL, { 'K' }, NULL,
	  "show / hide keys (a warning stays in the status bar while shown)", k_keys },
	{ TUI_KC_ALL, { 'r' }, NULL, "refresh: dump SAD and SPD again", k_refresh },
	{ TUI_KC_ALL, { 'a' }, NULL, "compose an SA (add)", k_compose_sa },
	{ TUI_KC_ALL, { 'p' }, NULL, "compose a policy (spdadd)", k_compose_pol },
	{ TUI_KC_ALL, { 'w' }, NULL,
	  "pair wizard: both SAs and the policies for two hosts or gateways; the preview "
	  "shows the peer's script (y copies it)", k_wizard },
	{ TUI_KC_ALL, { 'E' }, NULL,
	  "export everything (SAD and SPD) as a keysh script (0600)", k_export },
	{ TUI_KC_ALL, { 'F' }, NULL,
	  "flush the SAD or SPD (type 'flush' to confirm); clear Events", k_flush },
	{ TUI_KC_ALL, { 27 }, NULL, "clear the filter and the message", k_escape },

	{ TUI_KC_LIST, { 'j', KEY_DOWN }, NULL, "next row (or click a row)", k_down },
	{ TUI_KC_LIST, { 'k', KEY_UP }, NULL, "previous row", k_up },
	{ TUI_KC_LIST, { KEY_NPAGE, KEY_PPAGE }, NULL, "move by a page", k_page },
	{ TUI_KC_LIST, { 'g', KEY_HOME }, NULL, "first row", k_first },
	{ TUI_KC_LIST, { 'G', KEY_END }, NULL, "last row", k_last },
	{ TUI_KC_LIST, { ENTER_KEYS }, NULL,
	  "open / close the detail pane for the selected row", k_detail },
	{ TUI_KC_LIST, { '[', ']' }, "detail", "scroll the detail pane", k_detail_scroll },
	{ TUI_KC_LIST, { '/' }, NULL,
	  "filter as you type: words match address, SPI, proto, mode, type", k_filter },
	{ TUI_KC_LIST, { 's', 'S' }, "SAD SPD",
	  "sort by the next column / reverse the order", k_sort },
	{ TUI_KC_LIST, { 'd', KEY_DC }, "SAD SPD",
	  "delete the selected SA or policy (asks y/N)", k_delete },
	{ TUI_KC_LIST, { 'l' }, "SAD", "update the lifetimes of the selected SA", k_lifetime },
	{ TUI_KC_LIST, { 'e' }, "SAD SPD",
	  "export the selected row as a keysh script (file mode 0600)", k_export },
	{ TUI_KC_LIST, { 'y' }, "SAD SPD",
	  "copy the selected row as a keysh statement (OSC 52; keys only after K)", k_copy },
	{ TUI_KC_LIST, { 'x' }, "Events",
	  "hex view of the selected event in the detail pane", k_hex },
	{ TUI_KC_LIST, { 'f' }, "Events", "follow mode: keep the newest event selected",
	  k_follow },
	{ TUI_KC_LIST, { ' ' }, "Events",
	  "pause / resume the event list (events are still recorded)", k_pause },
	{ TUI_KC_LIST, { 'c' }, "Events", "clear the event list", k_clear_events },

	{ TUI_KC_HELP, { 'j', KEY_DOWN }, NULL, "scroll down a line", h_down },
	{ TUI_KC_HELP, { 'k', KEY_UP }, NULL, "scroll up a line", h_up },
	{ TUI_KC_HELP, { KEY_NPAGE, KEY_PPAGE }, NULL, "scroll by a page", h_page },
	{ TUI_KC_HELP, { 'q', 27, '?', KEY_F(1), ENTER_KEYS }, NULL, "close the help", h_close },

	{ TUI_KC_FILTER, { ENTER_KEYS }, NULL, "keep the filter", f_keep },
	{ TUI_KC_FILTER, { 27 }, NULL, "drop the filter", f_drop },
	{ TUI_KC_FILTER, { BS_KEYS }, NULL,
	  "delete the last character (on an empty filter: leave it)", f_erase },

	{ TUI_KC_PROMPT, { ENTER_KEYS }, NULL, "answer (export to the file, flush)", p_answer },
	{ TUI_KC_PROMPT, { 27 }, NULL, "cancel", p_cancel },
	{ TUI_KC_PROMPT, { BS_KEYS }, NULL, "delete the last character", p_erase },
	{ TUI_KC_PROMPT, { 21 }, NULL, "clear the line", p_clear },

	{ TUI_KC_CONFIRM, { 'y', 'Y' }, NULL, "yes: do it", p_answer },
	{ TUI_KC_CONFIRM, { 'n', 'N', 27 }, NULL, "no", p_cancel },

	{ TUI_KC_FORM, { '\t', KEY_DOWN }, NULL, "next field", m_step },
	{ TUI_KC_FORM, { KEY_BTAB, KEY_UP }, NULL, "previous field", m_step },
	{ TUI_KC_FORM, { KEY_LEFT, KEY_RIGHT, ' ' }, NULL,
	  "change a pick-list choice (Space in a text field is typed)", m_edit },
	{ TUI_KC_FORM, { 7 }, NULL,
	  "generate: random key of the exact length, or SPI auto (GETSPI)", m_generate },
	{ TUI_KC_FORM, { 21 }, NULL, "clear the field", m_edit },
	{ TUI_KC_FORM, { BS_KEYS }, NULL, "delete the last character", m_edit },
	{ TUI_KC_FORM, { ENTER_KEYS }, NULL,
	  "apply (the wizard shows the keysh script first)", m_enter },
	{ TUI_KC_FORM, { 27 }, NULL, "cancel the form", m_cancel },

	{ TUI_KC_PREVIEW, { ENTER_KEYS }, NULL,
	  "apply the script atomically (all or nothing)", m_enter },
	{ TUI_KC_PREVIEW, { 27 }, NULL, "back to the fields", w_back },
	{ TUI_KC_PREVIEW, { 'K' }, NULL, "show / hide the keys in both scripts", k_keys },
	{ TUI_KC_PREVIEW, { 'y' }, NULL,
	  "copy the peer's script (OSC 52; keys only after K)", w_copy },
};
const size_t tui_nbindings = sizeof(tui_bindings) / sizeof(tui_bindings[0]);

/* ---- names --------------------------------------------------------- */

const char *tui_input_key_name(int code, char *buf, size_t cap)
{
	static const struct { int code; const char *name; } names[] = {
		{ '\n', "Enter" }, { 27, "Esc" }, { '\t', "Tab" }, { KEY_BTAB, "S-Tab" },
		{ ' ', "Space" }, { KEY_UP, "Up" }, { KEY_DOWN, "Down" },
		{ KEY_LEFT, "Left" }, { KEY_RIGHT, "Right" }, { KEY_NPAGE, "PgDn" },
		{ KEY_PPAGE, "PgUp" }, { KEY_HOME, "Home" }, { KEY_END, "End" },
		{ KEY_DC, "Del" }, { KEY_F(1), "F1" }, { KEY_BACKSPACE, "Backspace" },
	};
	size_t i;

	if (code == '\r' || code == KEY_ENTER || code == 127 || code == 8)
		return NULL;	/* aliases of Enter and Backspace */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == code)
			return names[i].name;
	if (code > 0 && code < 32)
		snprintf(buf, cap, "C-%c", 'a' + code - 1);
	else if (code > 32 && code < 127)
		snprintf(buf, cap, "%c", code);
	else
		snprintf(buf, cap, "#%d", code);	/* unnamed: the tests catch it */
	return buf;
}

void tui_input_keys_text(const struct tui_binding *b, char *buf, size_t cap)
{
	char one[16];
	const char *name;
	size_t n = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < TUI_BIND_CODES && b->codes[i]; i++) {
		name = tui_input_key_name(b->codes[i], one, sizeof(one));
		if (name && n < cap)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", name);
	}
}

/* ---- dispatch ------------------------------------------------------ */

enum tui_keyctx tui_input_ctx(const struct tui *t)
{
	switch (t->st) {
	case TUI_ST_HELP: return TUI_KC_HELP;
	case TUI_ST_FILTER: return TUI_KC_FILTER;
	case TUI_ST_CONFIRM: return TUI_KC_CONFIRM;
	case TUI_ST_PROMPT: return TUI_KC_PROMPT;
	case TUI_ST_FORM:
	case TUI_ST_WIZARD:
		return t->form && t->form->preview ? TUI_KC_PREVIEW : TUI_KC_FORM;
	default: return TUI_KC_ALL;
	}
}

const struct tui_binding *tui_input_lookup(const struct tui *t, int ch)
{
	enum tui_keyctx c = tui_input_ctx(t);
	size_t i;
	int k;

	for (i = 0; i < tui_nbindings; i++) {
		const struct tui_binding *b = &tui_bindings[i];

		if (b->ctx != c && !(c == TUI_KC_ALL && b->ctx == TUI_KC_LIST))
			continue;
		for (k = 0; k < TUI_BIND_CODES && b->codes[k]; k++)
			if (b->codes[k] == ch)
				return b;
	}
	return NULL;
}

unsigned int tui_input_key(struct tui *t, int ch)
{
	enum tui_keyctx c = tui_input_ctx(t);
	const struct tui_binding *b;

	if ((t->st == TUI_ST_FORM || t->st == TUI_ST_WIZARD) && !t->form) {
		t->st = TUI_ST_BROWSE;
		return TUI_R_HANDLED | TUI_R_REDRAW;
	}
	if (ch == KEY_RESIZE)
		return TUI_R_HANDLED | TUI_R_REDRAW;
	if (ch >= TUI_KEY_TAB_CLICK(0)) {
		if (c == TUI_KC_ALL)
			return click(t, ch);
		if (c == TUI_KC_FORM || c == TUI_KC_PREVIEW)
			return TUI_R_IGNORED;
	}
	b = tui_input_lookup(t, ch);
	if (b)
		return b->fn(t, ch);
	return tui_keyctxs[c].other_fn(t, ch);
}
