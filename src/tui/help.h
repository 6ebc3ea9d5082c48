/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * help.h: the help screen's text, written from the binding table
 * (input.h): a heading per context, a line per binding (its keys, the
 * views it is for, what it does) and what any other key does.
 */
#ifndef TUI_HELP_H
#define TUI_HELP_H

#include "input.h"

struct tui_help_line {
	bool heading;			/* keys holds the context's title */
	char keys[64];			/* "j, Down"; for other keys: "(other)" */
	const char *where;		/* "SAD SPD", "" */
	const char *text;
	const struct tui_binding *b;	/* the binding shown, NULL if none */
};

/* The help screen shows at most this many lines. */
#define TUI_HELP_MAX 128

/* The help's lines in order; returns how many there are (at most cap
 * are filled). */
size_t tui_help_lines(struct tui_help_line *out, size_t cap);

#endif /* TUI_HELP_H */
