/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * input.h: key bindings. One table (tui_bindings) says, for each context
 * (browsing, the help screen, the filter, prompts, questions, forms, the
 * wizard preview), which key codes run which handler and what the help
 * says about them; the dispatcher looks keys up in it, the help screen is
 * written from it and man/keytui.8's KEYS section is checked against it
 * (tests/unit/test_tui_keys.c), so a key is documented where it is bound.
 */
#ifndef TUI_INPUT_H
#define TUI_INPUT_H

#include "tui.h"

/* Where a binding applies; the help screen and the man page have one
 * heading each, in this order. */
enum tui_keyctx {
	TUI_KC_ALL,		/* browsing, every view */
	TUI_KC_LIST,		/* browsing: the lists and the detail pane */
	TUI_KC_HELP,		/* the help screen */
	TUI_KC_FILTER,		/* typing a filter after / */
	TUI_KC_PROMPT,		/* a line of text: export file, typed flush */
	TUI_KC_CONFIRM,		/* a y/N question */
	TUI_KC_FORM,		/* compose forms and the wizard's fields */
	TUI_KC_PREVIEW,		/* the wizard's script preview */
	TUI_KC_N,
};

struct tui_keyctx_def {
	const char *title;	/* heading: "Everywhere", "Lists", ... */
	const char *other;	/* what any other key does, NULL: nothing */
	/* runs for a key no binding of the context has */
	unsigned int (*other_fn)(struct tui *t, int ch);
};
extern const struct tui_keyctx_def tui_keyctxs[TUI_KC_N];

#define TUI_BIND_CODES 8
struct tui_binding {
	enum tui_keyctx ctx;
	int codes[TUI_BIND_CODES];	/* 0-terminated; aliases have no name */
	const char *where;		/* views it is for ("SAD SPD"), NULL: all */
	const char *help;
	unsigned int (*fn)(struct tui *t, int ch);
};
extern const struct tui_binding tui_bindings[];
extern const size_t tui_nbindings;

/* The context the keyboard talks to now (t->st, the wizard's preview). */
enum tui_keyctx tui_input_ctx(const struct tui *t);
/* The binding a key runs now, or NULL (then the context's other-key
 * handling runs). */
const struct tui_binding *tui_input_lookup(const struct tui *t, int ch);
/* A key's name as help and man page write it ("Enter", "C-g", "S-Tab"),
 * NULL for an alias that is not shown (CR, DEL, C-h). */
const char *tui_input_key_name(int code, char *buf, size_t cap);
/* The names of a binding's keys joined with ", ". */
void tui_input_keys_text(const struct tui_binding *b, char *buf, size_t cap);

/* Dispatch one key (or synthetic mouse code) by t->st. */
unsigned int tui_input_key(struct tui *t, int ch);

#endif /* TUI_INPUT_H */
