/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * table.h: the widget kit's table, shared by the SAD, SPD and Events
 * views: columns chosen by priority to fit the width, flexible columns
 * sharing the rest and widened to what their visible cells need, a header
 * with the sort marker, the selection kept in view, cut cells marked.
 */
#ifndef TUI_TABLE_H
#define TUI_TABLE_H

#include "tui.h"

/* A column with w == 0 is flexible (address text) and shares the space
 * left; prio decides which columns go first when the terminal is narrow
 * (lowest first, 0 never). */
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

/* Draw the rows of l at screen rows y .. y+h-1 (header included). */
void tui_table_draw(struct tui *t, const struct tui_table_spec *s, struct tui_list *l,
		    int y, int h);
/* A lifetime bar of width w for frac in [0,1], or "-" when unknown. */
void tui_table_bar_text(char *buf, size_t cap, int w, double frac);

#endif /* TUI_TABLE_H */
