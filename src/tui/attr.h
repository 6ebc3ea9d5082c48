/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * attr.h: the widget kit's attributes: what each kind of text looks like
 * (colour pairs, or reverse/bold/underline on a monochrome terminal and
 * under NO_COLOR) and the locale's glyphs (arrow, ellipsis).
 */
#ifndef TUI_ATTR_H
#define TUI_ATTR_H

#include <wchar.h>
#include "tui.h"

enum tui_attr_kind {
	TUI_A_TAB, TUI_A_TAB_ON, TUI_A_HEADER, TUI_A_SEL, TUI_A_STATUS,
	TUI_A_ERR, TUI_A_WARN, TUI_A_DIM, TUI_A_GOOD, TUI_A_TITLE,
};

/* Colours (t->color) and the locale's glyphs; after initscr(). */
void tui_attr_init(struct tui *t);
/* The curses attribute for a kind of text. */
int tui_attr_get(const struct tui *t, enum tui_attr_kind k);
/* "→" in a UTF-8 locale, "->" otherwise. */
const char *tui_attr_arrow(void);
/* What marks a cut cell: "…" in a UTF-8 locale, '>' otherwise. */
wchar_t tui_attr_ellipsis(void);

#endif /* TUI_ATTR_H */
