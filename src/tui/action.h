/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * action.h: the operator's actions on the selected row or a whole table:
 * delete (y/N), flush (typed confirmation), export (0600 keysh script),
 * copy as a keysh statement. The *_ask functions set up the question or
 * prompt; tui_action_do runs the pending action once answered.
 */
#ifndef TUI_ACTION_H
#define TUI_ACTION_H

#include "tui.h"

unsigned int tui_action_delete_ask(struct tui *t);
unsigned int tui_action_flush_ask(struct tui *t);
unsigned int tui_action_export_ask(struct tui *t, bool all);
unsigned int tui_action_copy(struct tui *t);
/* The wizard preview's y: copy the peer's script (keys only after K). */
struct tui_form;
unsigned int tui_action_copy_peer(struct tui *t, struct tui_form *f);
unsigned int tui_action_do(struct tui *t);
/* Write the keysh statement(s) for the SAs / policies to f. */
void tui_action_script(struct tui *t, FILE *f, bool all, bool keys);

#endif /* TUI_ACTION_H */
