/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter.h: the widget kit's filter: the text typed after '/' split into
 * words once per index rebuild (not once per row); a row matches when
 * every word matches it, each view deciding what a word matches.
 */
#ifndef TUI_FILTER_H
#define TUI_FILTER_H

#include <stdbool.h>

#define TUI_FILTER_WORDS 8
struct tui_words {
	char w[TUI_FILTER_WORDS][128];
	int n;
};

void tui_filter_split(const char *filter, struct tui_words *out);
bool tui_filter_match(const struct tui_words *ws, bool (*word)(const void *obj, const char *w),
		      const void *obj);

#endif /* TUI_FILTER_H */
