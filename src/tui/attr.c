// SPDX-License-Identifier: BSD-2-Clause
/*
 * attr.c: the widget kit's attributes (see attr.h): colour pairs with a
 * monochrome fallback (NO_COLOR, terminals without colours) and the
 * glyphs the locale can show.
 */
#include <curses.h>
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include "attr.h"

static bool utf8;

void tui_attr_init(struct tui *t)
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

int tui_attr_get(const struct tui *t, enum tui_attr_kind k)
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

const char *tui_attr_arrow(void)
{
	return utf8 ? "\xe2\x86\x92" : "->";
}

wchar_t tui_attr_ellipsis(void)
{
	return utf8 ? L'\x2026' : L'>';
}
