/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stmt.h: the setkey language as a library. lex.c cuts text into tokens,
 * stmt.c turns one `;`-terminated statement into a struct pfk_stmt (holding
 * the pfk_sa / pfk_policy models of pfk.h), the field validators below are
 * usable alone (the TUI calls them per input field), suggest.c proposes
 * near-miss spellings, the executor (exec.c and the files exec_int.h
 * names) runs statements against a pfk_conn and runner.c runs texts.
 * keysh and keytui both go through here, so the TUI never accepts what the
 * shell rejects. Nothing here prints; errors come back in struct pfk_err.
 */
#ifndef PFK_STMT_H
#define PFK_STMT_H

#include "pfk.h"

/* ---- errors ---------------------------------------------------------- */
struct pfk_err {
	int code;		/* -errno (-EINVAL for syntax) */
	int line, col;		/* 1-based; col of the offending token */
	char token[64];		/* the token quoted in the message, may be "" */
	char msg[256];		/* "unknown algorithm 'aes-cbcx'; did you mean 'aes-cbc'?" */
};

/* ---- lexer (lex.c) ---------------------------------------------------- */
enum pfk_tok_kind {
	PFK_TOK_EOF = 0,
	PFK_TOK_WORD,		/* anything up to space, ';' or '"' */
	PFK_TOK_STRING,		/* "..." (quotes removed, \" and \\ unescaped) */
	PFK_TOK_SEMI,		/* ; */
};

#define PFK_TOK_MAX 1024
struct pfk_tok {
	enum pfk_tok_kind kind;
	int line, col;
	const char *src;	/* where the token starts in the input */
	size_t srclen;		/* its length there, quotes included */
	size_t len;
	char text[PFK_TOK_MAX];
};

struct pfk_lex {
	const char *p, *end;
	int line, col;
	struct pfk_tok peeked;
	bool has_peek;
};

void pfk_lex_init(struct pfk_lex *lx, const char *text, size_t len, int first_line);
/* Next token; -EINVAL (err filled) on an unterminated string / overlong token. */
int pfk_lex_next(struct pfk_lex *lx, struct pfk_tok *t, struct pfk_err *err);
int pfk_lex_peek(struct pfk_lex *lx, const struct pfk_tok **t, struct pfk_err *err);
/* True when text holds at least one complete statement (a ';' outside a
 * string and a comment), for the interactive multi-line reader. */
bool pfk_lex_complete(const char *text);
/* Copy text with key material replaced by "(hidden)" (for history files). */
void pfk_lex_redact(const char *text, char *out, size_t cap);

/* ---- statements (stmt.c) ---------------------------------------------- */
enum pfk_cmd {
	PFK_CMD_NONE = 0,
	PFK_CMD_ADD, PFK_CMD_UPDATE, PFK_CMD_GET, PFK_CMD_DELETE, PFK_CMD_DELETEALL,
	PFK_CMD_FLUSH, PFK_CMD_DUMP, PFK_CMD_GETSPI,
	PFK_CMD_SPDADD, PFK_CMD_SPDUPDATE, PFK_CMD_SPDDELETE, PFK_CMD_SPDFLUSH,
	PFK_CMD_SPDDUMP,
	/* keysh additions */
	PFK_CMD_REGISTER, PFK_CMD_MONITOR, PFK_CMD_SAVE, PFK_CMD_LOAD, PFK_CMD_HELP,
	PFK_CMD_SET, PFK_CMD_EXIT,
};

/* Statement-level options that are not part of the SA/policy model. */
enum {
	PFK_STMT_SPI_AUTO = 1u << 0,	/* `spi auto`: GETSPI then UPDATE */
	PFK_STMT_RANDOM_ENC = 1u << 1,	/* enc key was `random` */
	PFK_STMT_RANDOM_AUTH = 1u << 2,
	PFK_STMT_ESPUDP = 1u << 3,	/* esp-udp */
	PFK_STMT_TCP = 1u << 4,		/* tcp (TCP-MD5): no satype on Linux */
	PFK_STMT_NO_DNS = 1u << 5,	/* -n */
	PFK_STMT_RAWCPI = 1u << 6,	/* -C ... -R */
	PFK_STMT_ON = 1u << 7,		/* set ... on */
};

struct pfk_stmt {
	enum pfk_cmd cmd;
	int line, col;			/* of the command word */
	uint32_t opts;			/* PFK_STMT_* */
	int family;			/* -4 / -6: AF_INET / AF_INET6, 0 = any */
	enum pfk_satype satype;		/* flush/dump/register: UNSPEC = all */
	struct pfk_sa sa;		/* add/update/get/delete/deleteall/getspi */
	struct pfk_policy pol;		/* spd* */
	char arg[256];			/* save/load FILE, help topic, set name */
};

/* The names of the statements, for completion and help. */
const char *pfk_stmt_cmd_name(enum pfk_cmd c);
enum pfk_cmd pfk_stmt_cmd_lookup(const char *word);
/*
 * What a statement is, for its error line: "add esp 0x1000",
 * "spdadd 10.0.0.0/24 10.0.1.0/24 -P out", "deleteall 10.0.0.1 10.0.0.2 esp",
 * followed by ": File exists (EEXIST)" when err (-errno) is not 0. The one
 * place keysh and keytui format it. Returns snprintf's count.
 */
int pfk_stmt_describe(const struct pfk_stmt *st, int err, char *buf, size_t cap);
/*
 * What a statement asks that it will not get, or should not ask: ESP
 * encryption without integrity (RFC 8221), -f random-pad/zero-pad and -R
 * (Linux PF_KEY ignores them), policy level default (applied as require).
 * Fills up to max messages; returns how many. keysh and keytui print them.
 */
int pfk_stmt_warnings(const struct pfk_stmt *st, char (*w)[160], int max);
/*
 * peer.c: the other end's script for text (keysh --peer): SA statements
 * copied (keys as (hidden) unless keys; *hidden says whether any was),
 * policies mirrored by pfk_policy_peer, comments and layout kept, written
 * to f. on_err gets each error (syntax, or `random`/`auto` that cannot be
 * mirrored). Returns the number of errors (0: f holds the script), or
 * -ENOMEM.
 */
int pfk_peer_text(const char *text, size_t len, bool keys, FILE *f, bool *hidden,
		  void (*on_err)(void *ctx, const struct pfk_err *e), void *ctx);

/*
 * Parse the next statement from lx. Returns 1 with *st filled, 0 at end of
 * input, or -EINVAL with err filled (the lexer is then advanced past the
 * next ';' so the caller may continue). `random` keys are generated here
 * (OpenSSL RAND_bytes). pfk_stmt_wipe wipes key material.
 */
int pfk_stmt_parse(struct pfk_lex *lx, struct pfk_stmt *st, struct pfk_err *err);
void pfk_stmt_wipe(struct pfk_stmt *st);
/* Parse a whole text into an array (caller frees with pfk_stmt_free_all);
 * runner.c, on the runner's statement loop.
 * Stops at max_errs errors; returns the number of errors, *out / *n get the
 * statements that parsed. -ENOMEM on allocation failure. */
int pfk_stmt_parse_all(const char *text, size_t len, struct pfk_stmt **out, size_t *n,
		       struct pfk_err *errs, size_t max_errs);
void pfk_stmt_free_all(struct pfk_stmt *v, size_t n);

/* ---- validators, usable one field at a time (stmt.c) ------------------ */
/* "10.0.0.1", "10.0.0.0/24", "10.0.0.0/24[500]", "fe80::1[any]". range:
 * whether /plen is allowed. family: 0 or required AF_*. */
int pfk_stmt_addr(const char *s, bool range, int family, struct pfk_addr *out,
		  struct pfk_err *err);
/* SPI: decimal or 0x..., 256..0xffffffff (0-255 reserved); ipcomp CPI < 0x10000. */
int pfk_stmt_spi(const char *s, enum pfk_satype t, uint32_t *out, struct pfk_err *err);
/* esp, ah, ipcomp, esp-udp, tcp (+ esp-old / ah-old). opts gets ESPUDP/TCP. */
int pfk_stmt_proto(const char *s, enum pfk_satype *out, uint32_t *opts, struct pfk_err *err);
/* Upper-layer spec: any, name (tcp, udp, icmp, icmp6, ...), number, ip4. */
int pfk_stmt_upper(const char *s, uint8_t *proto, struct pfk_err *err);
/* Algorithm name (setkey spelling or alias) of kind; near misses suggested. */
int pfk_stmt_alg(const char *s, enum pfkm_alg_kind kind, const struct pfkm_alg **out,
		 struct pfk_err *err);
/* Key: "string", 0xhex or random (generated); exact length for alg. */
int pfk_stmt_key(const struct pfkm_alg *alg, const char *s, bool quoted,
		 struct pfk_key *out, struct pfk_err *err);
/* Decimal seconds / bytes, 0 .. UINT64_MAX. */
int pfk_stmt_u64(const char *s, uint64_t *out, struct pfk_err *err);
/* Policy after -P: "out prio 10 ipsec esp/transport//require" (words). */
int pfk_stmt_policy(const char *text, struct pfk_policy *out, struct pfk_err *err);

/* ---- near-miss suggestions (suggest.c) -------------------------------- */
/* The closest of cands to word (Damerau-Levenshtein <= 2 or prefix), or NULL. */
const char *pfk_suggest_pick(const char *word, const char *const *cands, size_t n);
/* Edit distance, for tests. */
unsigned int pfk_suggest_distance(const char *a, const char *b);

/* ---- executor (exec.c, request.c, dump.c, journal.c, pipeline.c) ------- */
/* One SADB or SPD entry kept from a dump: the raw message and a sort key. */
struct pfk_dump_entry {
	uint8_t *raw;
	size_t len;
	struct pfk_addr dst;
	uint8_t satype;
	uint32_t spi;
	uint32_t polid;
	uint8_t dir;
};
struct pfk_dump {
	struct pfk_dump_entry *v;
	size_t n, cap;
};
void pfk_dump_free(struct pfk_dump *d);	/* wipes the raw messages */

/* One undo step for --atomic, recorded when a statement succeeded. */
struct pfk_undo {
	enum { PFK_UNDO_DEL_SA, PFK_UNDO_ADD_SA, PFK_UNDO_DEL_POL, PFK_UNDO_ADD_POL,
	       PFK_UNDO_UPD_POL } kind;
	struct pfk_sa sa;
	struct pfk_policy pol;
};

/* Requests in flight at most, for pipelined batches (pfk_exec_submit), and
 * how many are sent per sendmmsg() / taken back before sending more. */
#define PFK_EXEC_WINDOW 64
#define PFK_EXEC_BATCH 16

struct pfk_pipe;			/* pipeline.c */

struct pfk_exec {
	struct pfk_conn *conn;
	int timeout_ms;			/* per reply; default 5000 */
	/* Each result entry (GET reply, GETSPI reply). raw is the message. */
	void (*on_result)(void *ctx, const struct pfk_stmt *st, const struct pfk_msg *m,
			  const void *raw, size_t len);
	/* -v: every message sent (out = true) and every reply received. */
	void (*trace)(void *ctx, bool out, const void *raw, size_t len);
	void *ctx;
	/* --atomic: when set, successful statements append undo steps. */
	bool journal;
	struct pfk_undo *undo;
	size_t nundo, capundo;
	/* Last SPI allocated by getspi / spi auto. */
	uint32_t last_spi;
	uint8_t *buf;			/* PFKM_MSG_MAX receive buffer */
	uint8_t *sbuf;			/* send buffer */
	/* Pipelining: who gets each submitted request's result (0 or
	 * -errno) by its tag, called with ctx. The window itself is private
	 * to pipeline.c. */
	void (*on_done)(void *ctx, size_t tag, int err);
	struct pfk_pipe *pipe;
};

int pfk_exec_init(struct pfk_exec *x, struct pfk_conn *c);
void pfk_exec_fini(struct pfk_exec *x);
/* Run one statement (SADB/SPD commands, register). 0, or -errno from the
 * backend reply / transport (-ETIMEDOUT, -EOPNOTSUPP for shell commands). */
int pfk_exec_run(struct pfk_exec *x, const struct pfk_stmt *st);
/*
 * Pipelined execution for batches: statements that need no earlier reply
 * (add/update/delete without `spi auto`, spdadd/spdupdate/spddelete) are
 * sent without waiting, up to PFK_EXEC_WINDOW in flight; each result comes
 * to on_done with its tag, in submission order (a message the socket
 * refuses outright fails at once). The backend processes one socket's
 * requests in order, so the effect is that of running them one by one.
 * pfk_exec_pipelinable says which statements qualify (never with a
 * journal or a trace; x NULL: the statement alone).
 *   pfk_exec_build: the request of such a statement (seq/pid may be 0).
 *   pfk_exec_submit: build and send one statement now.
 *   pfk_exec_submit_msg: queue a built request; seq and pid are written
 *     into its header and it is sent with others in one sendmmsg(). msg
 *     must stay valid and unchanged until pfk_exec_drain returns.
 *   pfk_exec_drain: send what is queued and wait for every reply; 0 or
 *     the first transport error.
 *   pfk_exec_inflight: requests submitted and not reported yet;
 *     pfk_exec_unsent: of those, how many are queued, not sent.
 *   pfk_exec_pipe_hook: results go to done(ctx, ...) instead of on_done
 *     (the runner's own bookkeeping; done NULL: back to on_done).
 * Functions return 0 or a transport error (then every pending request has
 * already failed through on_done).
 */
bool pfk_exec_pipelinable(const struct pfk_exec *x, const struct pfk_stmt *st);
int pfk_exec_build(const struct pfk_stmt *st, struct pfk_buf *b, uint32_t seq, uint32_t pid);
int pfk_exec_submit(struct pfk_exec *x, const struct pfk_stmt *st, size_t tag);
int pfk_exec_submit_msg(struct pfk_exec *x, void *msg, size_t len, size_t tag);
int pfk_exec_drain(struct pfk_exec *x);
unsigned int pfk_exec_inflight(const struct pfk_exec *x);
unsigned int pfk_exec_unsent(const struct pfk_exec *x);
int pfk_exec_pipe_hook(struct pfk_exec *x, void (*done)(void *ctx, size_t tag, int err),
		       void *ctx);
/* Collect a dump (SADB when !spd, satype filter) sorted by dst, proto, SPI
 * (SPD: by direction and id). */
int pfk_exec_dump(struct pfk_exec *x, bool spd, enum pfk_satype t, struct pfk_dump *out);
/* Undo every journaled step in reverse; returns the first error (continues). */
int pfk_exec_rollback(struct pfk_exec *x);
void pfk_exec_journal_clear(struct pfk_exec *x);
/* Send one built message and wait for the reply with our seq and type.
 * reply gets the parsed message when non-NULL. */
int pfk_exec_request(struct pfk_exec *x, size_t len, struct pfk_msg *reply);

/* ---- statement runner (runner.c) --------------------------------------- */
/*
 * The one loop from setkey-language text to the executor, for keysh's
 * batch (-f, stdin, -c, loads), keysh's prompt and keytui. A script is
 * parsed whole first (a syntax error anywhere runs nothing), then run in
 * order: pipelined when asked (requests sent without waiting, lost
 * replies settled, each failure reported in order with its statement),
 * stopping at a failure when asked, all or nothing with PFK_RUN_ATOMIC (a
 * journal of what succeeded, rolled back on the first failure). The
 * runner's state is private; what differs between front ends comes through
 * struct pfk_run_ops, called with ctx. file is the name the text was added
 * under (NULL for the prompt), for error lines.
 */
enum pfk_run_result {
	PFK_RUN_OK = 0,
	PFK_RUN_FAILED = 1,	/* a statement failed (reported through ops) */
	PFK_RUN_SYNTAX = 2,	/* syntax errors: nothing ran */
	PFK_RUN_BACKEND = 3,	/* no backend, or it went away */
	PFK_RUN_EXIT = 4,	/* ops->stmt only: stop here (exit) */
};

enum {
	PFK_RUN_EACH = 1u << 0,		/* the prompt: run each statement as it
					 * parses; a syntax error skips that one */
	PFK_RUN_PIPELINE = 1u << 1,	/* pipeline what can be (not with ATOMIC or
					 * STOP: a pipeline runs on past a failure;
					 * off when x->trace is set) */
	PFK_RUN_ATOMIC = 1u << 2,	/* all or nothing (stops at a failure) */
	PFK_RUN_STOP = 1u << 3,		/* stop at the first failure */
	PFK_RUN_NOEXEC = 1u << 4,	/* parse (and warn) only: -n */
};

struct pfk_run_ops {
	/* The executor to use, connected: 0, or a PFK_RUN_* to stop with
	 * (the front end said why). Called before every statement the runner
	 * hands to the executor (it may reconnect). Required. */
	int (*connect)(void *ctx, struct pfk_exec **x);
	/* Run one statement (shell commands too): PFK_RUN_OK, _FAILED
	 * (reported already), _BACKEND (stop), _EXIT. NULL: the runner runs
	 * it with pfk_exec_run and reports a failure through fail(). */
	int (*stmt)(void *ctx, const char *file, const struct pfk_stmt *st);
	/* Each statement as it parses (keysh prints its warnings). Optional. */
	void (*parsed)(void *ctx, const char *file, const struct pfk_stmt *st);
	/* A syntax error; text, len: the text it is in (for a caret line).
	 * A script's errors come after its parsed() calls. Required. */
	void (*syntax)(void *ctx, const char *file, const struct pfk_err *e, const char *text,
		       size_t len);
	/* A statement the runner sent failed with err (-errno); st->cmd is
	 * PFK_CMD_NONE (line, col set) if it could not be parsed again. Required. */
	void (*fail)(void *ctx, const char *file, const struct pfk_stmt *st, int err);
	/* Whether the backend is gone (err: the failure seen, 0: none; the
	 * front end may know from its own statements). Optional. */
	bool (*lost)(void *ctx, int err);
	/* PFK_RUN_ATOMIC after a failure: n steps undone, err the first
	 * rollback error (0: all undone). Optional. */
	void (*rolled_back)(void *ctx, size_t n, int err);
};

struct pfk_runner;

/* A runner; max_errs: a text's parsing stops after that many syntax
 * errors (0: no limit). NULL when out of memory. */
struct pfk_runner *pfk_runner_new(const struct pfk_run_ops *ops, void *ctx,
				  unsigned int flags, unsigned int max_errs);
void pfk_runner_free(struct pfk_runner *r);
/*
 * Add a text to the script (pass 1: parsed, parsed() and syntax() called,
 * pipelinable requests prebuilt). text must stay until pfk_runner_run
 * returns. Returns its number of syntax errors, or -ENOMEM.
 */
int pfk_runner_add(struct pfk_runner *r, const char *file, const char *text, size_t len);
/* Run every text added: PFK_RUN_SYNTAX if any had errors, else OK,
 * FAILED or BACKEND (or what connect returned). */
int pfk_runner_run(struct pfk_runner *r);
/* One text: add + run; with PFK_RUN_EACH statement by statement (returns
 * PFK_RUN_OK, or -ENOMEM). */
int pfk_runner_text(struct pfk_runner *r, const char *file, const char *text, size_t len);
/* Whether a statement asked to stop (PFK_RUN_EXIT). */
bool pfk_runner_exited(const struct pfk_runner *r);

#endif /* PFK_STMT_H */
