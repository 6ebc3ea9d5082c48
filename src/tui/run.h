/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * run.h: running keysh statement text from the TUI. Everything the TUI
 * changes goes through keysh's parser (stmt.h) and runner, so the TUI
 * accepts exactly what keysh accepts and reports the same messages.
 */
#ifndef TUI_RUN_H
#define TUI_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include "tui.h"

/* Parse only: 0, or -EINVAL with keysh's message for the first error. */
int tui_run_check(const char *text, char *err, size_t cap);
/* Parse the whole text, then execute it on a fresh connection, stopping at
 * the first failure (libpfkey's runner). atomic: that failure also undoes
 * what already succeeded (PFK_RUN_ATOMIC).
 * Returns 0 or -errno; err gets one line: the error, or on success the
 * first warning keysh would print for the text ("" when none). */
int tui_run_text(struct tui *t, const char *text, bool atomic, char *err, size_t cap);
/* Write an SA's keys as 0x hex; wipe buf after use. */
void tui_run_hex(char *buf, size_t cap, const struct pfk_key *k);

#endif /* TUI_RUN_H */
