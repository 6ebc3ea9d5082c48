/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * view.h: drawing. Every view draws from struct tui (model + list state)
 * into stdscr within the rows it is given and changes nothing but its own
 * row index (rebuilt lazily when the model, filter or sort changed).
 */
#ifndef TUI_VIEW_H
#define TUI_VIEW_H

#include "tui.h"

/* Column layout shared by the table views. A column with w == 0 is
 * flexible (address text) and shares the space left; prio decides which
 * columns go first when the terminal is narrow (lowest first). */
struct tui_col {
	const char *name;
	int w, prio;
	bool right;
};
struct tui_table_spec {
	const struct tui_col *cols;
	int ncols;
	/* text of one cell of display row i */
	void (*cell)(const struct tui *t, size_t i, int col, char *buf, size_t cap);
	/* extra attribute for a row (dying SA, error event), 0 if none */
	int (*row_attr)(const struct tui *t, size_t i);
};

enum tui_attr_kind {
	TUI_A_TAB, TUI_A_TAB_ON, TUI_A_HEADER, TUI_A_SEL, TUI_A_STATUS,
	TUI_A_ERR, TUI_A_WARN, TUI_A_DIM, TUI_A_GOOD, TUI_A_TITLE,
};

void tui_screen_init(struct tui *t);
int tui_screen_attr(const struct tui *t, enum tui_attr_kind k);
/* Draw a whole frame and refresh the terminal. */
void tui_screen_draw(struct tui *t);
/* Which tab is at column x of row 0, or -1. */
int tui_screen_tab_at(int x);
void tui_table_draw(struct tui *t, const struct tui_table_spec *s, struct tui_list *l,
		    int y, int h);
/* The list geometry the current layout gives the active view. */
int tui_screen_list_rows(const struct tui *t);
/* Draw a lifetime bar of width w for frac in [0,1], or "-" when unknown. */
void tui_bar_text(char *buf, size_t cap, int w, double frac);
/* "→" in a UTF-8 locale, "->" otherwise. */
const char *tui_arrow(void);

/* Rebuild the active view's index if stale; returns the row count. */
size_t tui_view_rows(struct tui *t, enum tui_view v);
void tui_view_sad_index(struct tui *t);
void tui_view_spd_index(struct tui *t);
void tui_view_events_index(struct tui *t);
void tui_view_sad_draw(struct tui *t, int y, int h);
void tui_view_spd_draw(struct tui *t, int y, int h);
void tui_view_events_draw(struct tui *t, int y, int h);
void tui_view_detail_draw(struct tui *t, int y, int h);
void tui_help_draw(struct tui *t);
void tui_status_draw(struct tui *t, int y);

/* The selected row's object, or NULL. */
const struct tui_sa *tui_view_sad_selected(struct tui *t);
const struct tui_pol *tui_view_spd_selected(struct tui *t);
const struct tui_event *tui_view_events_selected(struct tui *t);
const char *tui_view_sad_col(int col);
const char *tui_view_spd_col(int col);
const char *tui_view_events_col(int col);
/* Sort columns per view, for the header and the 's' key. */
int tui_view_ncols(enum tui_view v);
const char *tui_view_col_name(enum tui_view v, int col);

/* Filter text matching: all whitespace-separated words must match. The
 * filter is split once per index rebuild, not once per row. */
#define TUI_FILTER_WORDS 8
struct tui_words {
	char w[TUI_FILTER_WORDS][128];
	int n;
};
void tui_filter_split(const char *filter, struct tui_words *out);
bool tui_filter_match(const struct tui_words *ws, bool (*word)(const void *obj, const char *w),
		      const void *obj);

#endif /* TUI_VIEW_H */
