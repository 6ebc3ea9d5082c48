/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * loop.h: keytui's main loop: poll() on the keyboard, the event socket and
 * the dump socket together, so the backend never blocks the interface.
 * --iterations caps the number of wake-ups and --keys FILE feeds scripted
 * input, so CI and sanitizer runs can drive a whole session.
 */
#ifndef TUI_LOOP_H
#define TUI_LOOP_H

#include "tui.h"

struct tui_loop_opts {
	long iterations;		/* 0 = unlimited */
	const char *keys_file;		/* scripted input, NULL = keyboard only */
	const char *stats_file;		/* frame statistics written on exit */
};

/* Parse a --keys script: text typed as is, <Name> for special keys (see
 * keytui(8)). Returns the number of codes or -errno; *err gets a message. */
int tui_loop_script_load(const char *path, int **codes, size_t *n, char *err, size_t cap);
int tui_loop_run(struct tui *t, const struct tui_loop_opts *o);

#endif /* TUI_LOOP_H */
