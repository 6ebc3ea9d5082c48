// SPDX-License-Identifier: BSD-2-Clause
/*
 * help.c: the help screen on '?' (see help.h), written from the binding
 * table in input.c: nothing here names a key.
 */
#include <curses.h>
#include <string.h>
#include "help.h"
#include "view.h"

size_t tui_help_lines(struct tui_help_line *out, size_t cap)
{
	size_t n = 0, i;
	int c;

	for (c = 0; c < TUI_KC_N; c++) {
		const struct tui_keyctx_def *d = &tui_keyctxs[c];

		if (n < cap) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].heading = true;
			snprintf(out[n].keys, sizeof(out[n].keys), "%s", d->title);
			out[n].where = "";
			out[n].text = "";
		}
		n++;
		for (i = 0; i < tui_nbindings; i++) {
			const struct tui_binding *b = &tui_bindings[i];

			if ((int)b->ctx != c)
				continue;
			if (n < cap) {
				memset(&out[n], 0, sizeof(out[n]));
				tui_input_keys_text(b, out[n].keys, sizeof(out[n].keys));
				out[n].where = b->where ? b->where : "";
				out[n].text = b->help;
				out[n].b = b;
			}
			n++;
		}
		if (d->other) {
			if (n < cap) {
				memset(&out[n], 0, sizeof(out[n]));
				snprintf(out[n].keys, sizeof(out[n].keys), "any other key");
				out[n].where = "";
				out[n].text = d->other;
			}
			n++;
		}
	}
	return n;
}

void tui_help_draw(struct tui *t)
{
	struct tui_help_line lines[TUI_HELP_MAX];
	size_t i, n = tui_help_lines(lines, TUI_HELP_MAX);
	int y, h = t->rows - 1;
	char line[256];

	if (n > TUI_HELP_MAX)
		n = TUI_HELP_MAX;
	attrset(tui_attr_get(t, TUI_A_STATUS) | A_BOLD);
	move(0, 0);
	hline(' ', t->cols);
	mvaddnstr(0, 1, "keytui help: every key (j/k scroll, any other key closes)", t->cols - 1);
	attrset(A_NORMAL);
	y = 1;
	if (t->help_top > n)
		t->help_top = n;
	for (i = t->help_top; i < n && y < h; i++, y++) {
		if (lines[i].heading) {
			attrset(tui_attr_get(t, TUI_A_TITLE));
			mvaddnstr(y, 1, lines[i].keys, t->cols - 1);
			attrset(A_NORMAL);
			continue;
		}
		attrset(tui_attr_get(t, TUI_A_HEADER));
		snprintf(line, sizeof(line), "  %-20s", lines[i].keys);
		mvaddnstr(y, 1, line, t->cols - 1);
		attrset(A_NORMAL);
		snprintf(line, sizeof(line), "%-8s %s", lines[i].where, lines[i].text);
		if (t->cols > 34) {
			/* wrap at word boundaries under the description column */
			const char *p = line;
			int w = t->cols - 25, first = 1;

			while (*p && y < h) {
				int len = (int)strlen(p);

				if (len > w - (first ? 0 : 9)) {
					len = w - (first ? 0 : 9);
					while (len > 10 && p[len] != ' ')
						len--;
				}
				mvaddnstr(y, first ? 24 : 33, p, len);
				p += len;
				while (*p == ' ')
					p++;
				if (*p)
					y++;
				first = 0;
			}
		}
	}
}
