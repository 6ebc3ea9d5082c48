/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * view.h: drawing. Every view draws from struct tui (model + list state)
 * into stdscr within the rows it is given and changes nothing but its own
 * row index (rebuilt lazily when the model, filter or sort changed).
 */
#ifndef TUI_VIEW_H
#define TUI_VIEW_H

#include "tui.h"
#include "attr.h"
#include "filter.h"
#include "table.h"

/* Draw a whole frame and refresh the terminal. */
void tui_screen_draw(struct tui *t);
/* Which tab is at column x of row 0, or -1. */
int tui_screen_tab_at(int x);
/* The list geometry the current layout gives the active view. */
int tui_screen_list_rows(const struct tui *t);

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

#endif /* TUI_VIEW_H */
