/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ksh.h: keysh's front-end state shared by its files: options from the
 * command line, the open backend and the executor. Statements are parsed and
 * run by libpfkey (stmt.h); everything here is reading input, printing
 * results and errors, and the commands only a shell has (help, set, save,
 * load, monitor).
 */
#ifndef KSH_H
#define KSH_H

#include <stdio.h>
#include <stdbool.h>
#include "pfk.h"
#include "stmt.h"

/* Documented exit codes. */
enum {
	KSH_EXIT_OK = 0,
	KSH_EXIT_FAILED = 1,	/* a statement failed */
	KSH_EXIT_USAGE = 2,	/* usage or syntax error */
	KSH_EXIT_BACKEND = 3,	/* backend unavailable */
};

enum ksh_out {
	KSH_OUT_TEXT = 0,
	KSH_OUT_JSON,
	KSH_OUT_SCRIPT,
};

struct ksh_monitor_opts {
	bool promisc;
	bool hex;		/* -H */
	int ts;			/* 0 none? 1 = HH:MM:SS.us (-x), 2 = unix (-xx) */
	enum pfk_msgtype type;	/* filter, UNKNOWN = all */
	enum pfk_satype satype;
	bool has_spi;
	uint32_t spi;
	bool has_addr;
	struct pfk_addr addr;
	long count;		/* stop after this many shown events, 0 = forever */
};

struct ksh {
	/* options */
	enum pfk_backend backend;
	const char *socket;
	bool verbose;		/* -v */
	bool dry_run;		/* -n */
	bool show_keys;		/* -K, set show-keys */
	bool ports;		/* -p */
	bool all;		/* -a: dead SAs too */
	bool atomic;
	bool undo;		/* --undo: remove what the script installs (undo.c) */
	bool quiet;		/* --quiet: no warnings, no result lines */
	bool peer;		/* --peer: print the other end's script */
	bool interactive;
	enum ksh_out out;
	struct ksh_monitor_opts mon;
	/* state */
	bool connected;
	bool lost;		/* the keyd in use went away (said so already) */
	struct pfk_conn conn;
	struct pfk_exec exec;
	const char *file;	/* name used in error messages */
	int load_depth;
	/* What the backend runs (REGISTER esp, asked once): bitmaps by
	 * SADB algorithm id, [0] auth, [1] enc. */
	bool algs_known;
	uint8_t alg_ok[2][32];
};

/* backend.c: connect to the backend libpfkey chooses. Returns KSH_EXIT_*. */
int ksh_backend_connect(struct ksh *k);
void ksh_backend_close(struct ksh *k);
/* err from the backend: when it means the keyd in use went away, say so
 * (once), set k->lost and return true. The next ksh_backend_connect
 * closes the dead connection and connects again. */
bool ksh_backend_lost(struct ksh *k, int err);

/* run.c */
/* Parse a whole text; run it (unless dry run). Returns KSH_EXIT_*. */
int ksh_run_text(struct ksh *k, const char *file, const char *text, size_t len);
/* Several -f files as one script (one --atomic journal). Returns KSH_EXIT_*. */
int ksh_run_files(struct ksh *k, const char *const *paths, size_t n);
/* Statements typed at the prompt, each run as it parses (errors with a
 * caret line). Returns -1 when one asked to exit, else 0. */
int ksh_run_typed(struct ksh *k, const char *text, size_t len);
/* Run a statement's request, printing nothing: 0, -errno, or KSH_EXIT_BACKEND. */
int ksh_run_stmt_quiet(struct ksh *k, const struct pfk_stmt *st);
/* One statement, already parsed; prints results/errors. Returns 0, 1 (failed),
 * or -1 when the shell should exit. */
int ksh_run_stmt(struct ksh *k, const struct pfk_stmt *st);
/* One error: "FILE:LINE[:COL]: msg" (no position for a statement typed at
 * the prompt: k->file NULL), or with --json one {"type":"ERROR",...} line;
 * err (-errno or 0) names the errno in JSON. On stderr. */
void ksh_error(struct ksh *k, int line, int col, int err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Whether the backend runs the algorithm (kind AUTH or ENC): 1 yes, 0 no,
 * -1 unknown (no backend, or it did not answer REGISTER). */
int ksh_alg_supported(struct ksh *k, enum pfkm_alg_kind kind, unsigned int id);
/* pfk_stmt_warnings as "FILE:LINE:COL: warning: ..." (or WARNING objects). */
void ksh_warn_stmt(struct ksh *k, const struct pfk_stmt *st);
/* "FILE:LINE:COL: error: msg" (+ caret line when interactive). */
void ksh_print_err(struct ksh *k, const struct pfk_err *e, const char *srcline);
unsigned int ksh_render_flags(const struct ksh *k);
int ksh_read_file(const char *path, char **out, size_t *len);

/* undo.c: --undo for one parsed statement (removal run, or printed with
 * -n; load followed). Returns 0, or 1 when it failed. */
int ksh_undo_run(struct ksh *k, const struct pfk_stmt *st);
/* peer.c: print the other end's script for text (--peer). KSH_EXIT_*. */
int ksh_peer_text(struct ksh *k, const char *file, const char *text, size_t len);

/* dump.c */
int ksh_dump(struct ksh *k, bool spd, enum pfk_satype t);
int ksh_dump_loop(struct ksh *k, enum pfk_satype t);
int ksh_save(struct ksh *k, const char *path);
void ksh_dump_print(struct ksh *k, const struct pfk_msg *m, bool spd);

/* monitor.c */
int ksh_monitor(struct ksh *k);
int ksh_monitor_args(struct ksh *k, const char *args, struct pfk_err *err);
int ksh_monitor_filter_type(const char *s, enum pfk_msgtype *out);

/* help.c */
/* Print the grammar of one command (or all when NULL). -ENOENT if unknown. */
int ksh_help(FILE *f, const char *topic);
extern const char ksh_usage_text[];

/* interactive.c */
int ksh_interactive(struct ksh *k);

/* complete.c: candidates for the word being typed at the end of line. */
typedef void (*ksh_complete_cb)(void *ctx, const char *word);
void ksh_complete(struct ksh *k, const char *line, ksh_complete_cb cb, void *ctx);

#endif /* KSH_H */
