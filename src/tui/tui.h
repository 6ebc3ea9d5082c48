/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tui.h: keytui's application state (struct tui) shared by the loop, the key
 * handlers and the views, plus the reaction flags handlers return. The model
 * (model.h) and the backend (backend.h) are owned by struct tui; views only
 * read them, handlers change them and say what must happen next.
 */
#ifndef TUI_H
#define TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "model.h"
#include "backend.h"

enum tui_view { TUI_VIEW_SAD, TUI_VIEW_SPD, TUI_VIEW_EVENTS, TUI_VIEW_N };

/* What the keyboard is talking to (ncdu's pstate). */
enum tui_pstate {
	TUI_ST_BROWSE = 0,
	TUI_ST_HELP,
	TUI_ST_FILTER,		/* typing after '/' */
	TUI_ST_FORM,		/* compose SA / policy / lifetimes */
	TUI_ST_WIZARD,		/* pair wizard */
	TUI_ST_CONFIRM,		/* y/n question */
	TUI_ST_PROMPT,		/* one line of text: export path, typed flush */
};

/* Reactions returned by every key handler (htop's HTOP_* flags). */
enum {
	TUI_R_IGNORED = 0,
	TUI_R_HANDLED = 1u << 0,
	TUI_R_REDRAW = 1u << 1,		/* draw the frame again */
	TUI_R_REFRESH = 1u << 2,	/* re-dump SAD and SPD from the backend */
	TUI_R_QUIT = 1u << 3,
	TUI_R_REINDEX = 1u << 4,	/* filter/sort changed: rebuild row index */
};

/* Big tables re-sort at most this often while they change (view_sad.c). */
#define TUI_RESORT_MIN 20000
#define TUI_RESORT_US 250000

/* Synthetic key codes (one input path for mouse and script). */
#define TUI_KEY_TAB_CLICK(v) (0x10000 + (v))	/* click on tab v */
#define TUI_KEY_ROW_CLICK(r) (0x20000 + (r))	/* click on screen row r */

/* Rows of a view in display order: indices into the model (SAD/SPD) or
 * absolute event numbers (Events), after filter and sort. */
struct tui_index {
	size_t *ix;
	size_t n, cap;
	uint64_t gen, filter_gen;	/* what it was built from */
	bool valid;
	char filter[128];		/* the filter it was built with */
	int sort_col;
	bool sort_rev;
	/* SAD: every row in sort order, rebuilt only when the table or the
	 * sort changes; filtering scans it in order and never sorts */
	size_t *base, nbase, capbase;
	uint64_t base_gen, base_us;
	int base_col;
	bool base_rev, base_valid;
};

struct tui_list {
	size_t sel, top;
	struct tui_index idx;
	int sort_col;
	bool sort_rev;
	/* identity of the selected row, to keep it selected across rebuilds */
	bool have_key;
	struct pfk_sa key_sa;		/* satype/spi/dst only (no keys) */
	uint32_t key_pol;
	uint64_t key_ev;
};

enum tui_confirm_act {
	TUI_ACT_NONE = 0,
	TUI_ACT_DELETE,
	TUI_ACT_FLUSH,
	TUI_ACT_EXPORT,
	TUI_ACT_QUIT,
};

struct tui_form;

struct tui {
	struct tui_model m;
	struct tui_backend be;
	enum tui_view view;
	enum tui_pstate st, st_prev;
	struct tui_list list[TUI_VIEW_N];
	int rows, cols;
	bool color;
	bool detail;		/* detail pane open */
	bool show_keys;		/* keys decoded instead of (hidden) */
	bool hex;		/* hex view in event detail */
	bool follow;		/* Events: selection follows the newest */
	bool paused;		/* Events: list frozen */
	size_t detail_top;	/* scroll offset in the detail pane */
	size_t help_top;
	char filter[128];
	uint64_t filter_gen;
	bool stale;		/* SAD shown in an old order: draw again soon */
	/* status line: last error (sticky until next action) or info */
	char msg[512];
	bool msg_err;
	/* confirm / prompt state */
	enum tui_confirm_act act;
	char question[256];
	char prompt[256];
	size_t prompt_len;
	struct pfk_sa act_sa;		/* row an action applies to */
	struct pfk_policy act_pol;
	bool act_all;			/* export: everything, not the selection */
	struct tui_form *form;		/* compose form or pair wizard */
	int cur_y, cur_x;		/* where the text cursor goes, -1: hidden */
	/* frame statistics for --stats and the benchmark */
	uint64_t frames, frame_ns_total, frame_ns_max, frames_slow;
	uint64_t start_us, loaded_us;	/* start, first complete dump (monotonic) */
};

void tui_msg(struct tui *t, bool err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
uint64_t tui_now_us(void);

#endif /* TUI_H */
