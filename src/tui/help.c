// SPDX-License-Identifier: BSD-2-Clause
/*
 * help.c: the help screen on '?', written from the key table in input.c.
 */
#include <curses.h>
#include "input.h"
#include "view.h"

void tui_help_draw(struct tui *t)
{
	int y = 0, h = t->rows - 1;
	size_t i, shown = 0;
	char line[256];

	attrset(tui_screen_attr(t, TUI_A_STATUS) | A_BOLD);
	move(0, 0);
	hline(' ', t->cols);
	mvaddnstr(0, 1, "keytui help: every key (j/k scroll, any other key closes)", t->cols - 1);
	attrset(A_NORMAL);
	y = 1;
	if (t->help_top > tui_nkeydefs)
		t->help_top = tui_nkeydefs;
	for (i = t->help_top; i < tui_nkeydefs && y < h; i++, y++) {
		attrset(tui_screen_attr(t, TUI_A_HEADER));
		snprintf(line, sizeof(line), "%-22s", tui_keydefs[i].keys);
		mvaddnstr(y, 1, line, t->cols - 1);
		attrset(A_NORMAL);
		snprintf(line, sizeof(line), "%-8s %s", tui_keydefs[i].where, tui_keydefs[i].help);
		if (t->cols > 34) {
			/* wrap at word boundaries under the description column */
			const char *p = line;
			int w = t->cols - 25, first = 1;

			while (*p && y < h) {
				int n = (int)strlen(p);

				if (n > w - (first ? 0 : 9)) {
					n = w - (first ? 0 : 9);
					while (n > 10 && p[n] != ' ')
						n--;
				}
				mvaddnstr(y, first ? 24 : 33, p, n);
				p += n;
				while (*p == ' ')
					p++;
				if (*p)
					y++;
				first = 0;
			}
		}
		shown++;
	}
	(void)shown;
}
