/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * input.h: the key table and the per-state key handlers. Every handler
 * returns TUI_R_* reaction flags (tui.h); the loop acts on them. The same
 * table drives the help screen and man/keytui.8, so a key is documented
 * where it is bound.
 */
#ifndef TUI_INPUT_H
#define TUI_INPUT_H

#include "tui.h"

struct tui_keydef {
	const char *keys;	/* as shown in help: "j, Down" */
	const char *help;
	const char *where;	/* "all", "SAD", "Events", "form", ... */
};
extern const struct tui_keydef tui_keydefs[];
extern const size_t tui_nkeydefs;

/* Dispatch one key (or synthetic mouse code) by t->st. */
unsigned int tui_input_key(struct tui *t, int ch);

#endif /* TUI_INPUT_H */
