// SPDX-License-Identifier: BSD-2-Clause
/*
 * filter.c: the widget kit's filter (see filter.h): splitting the filter
 * text into words and matching a row against all of them.
 */
#include <string.h>
#include "filter.h"

void tui_filter_split(const char *filter, struct tui_words *out)
{
	const char *p = filter;
	size_t n;

	out->n = 0;
	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p || out->n == TUI_FILTER_WORDS)
			return;
		n = strcspn(p, " ");
		if (n >= sizeof(out->w[0]))
			n = sizeof(out->w[0]) - 1;
		memcpy(out->w[out->n], p, n);
		out->w[out->n++][n] = 0;
		p += strcspn(p, " ");
	}
}

bool tui_filter_match(const struct tui_words *ws, bool (*word)(const void *obj, const char *w),
		      const void *obj)
{
	int i;

	for (i = 0; i < ws->n; i++)
		if (!word(obj, ws->w[i]))
			return false;
	return true;
}
