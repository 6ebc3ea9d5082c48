// SPDX-License-Identifier: BSD-2-Clause
/*
 * runner.c: the statement runner, the one loop that takes setkey-language
 * text to the executor for keysh (batch, -f lists, loads, the prompt) and
 * keytui. It owns: the statement loop (scan(): pfk_stmt_parse_all is built
 * on it too), parsing a script whole before anything runs, pipelining
 * (requests prebuilt in pass 1, sent in windows, a failure's error line
 * from the statement parsed again), settling what the pipeline reports,
 * stopping at a failure, and the --atomic journal with its rollback. What
 * a front end does differently (printing, shell commands, connecting) comes
 * through struct pfk_run_ops. The runner's state is private (struct
 * pfk_runner).
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include "stmt.h"

/*
 * Scripts are parsed once. Pass 1 parses every statement (a syntax error
 * anywhere changes nothing) and records where each one starts; for a
 * statement that can be pipelined it also builds the request into an
 * arena, so pass 2 of a 100k-line batch is only sending prebuilt requests
 * (pfk_exec_submit_msg: windowed, sent in sendmmsg batches, replies
 * matched by seq). Any other statement is parsed again from its recorded
 * position when its turn comes, and so is a pipelined one whose request
 * failed: its error line is then exact (FILE:LINE, the statement
 * described) without keeping 100k parsed statements around. The arena
 * holds keys: wiped before it is freed; past ARENA_MAX statements are
 * simply built when sent.
 */
#define ARENA_MAX (64u << 20)
#define CHUNK_SIZE (1u << 20)

/* Where a statement starts: lexing resumes there. */
struct pos {
	size_t src;		/* offset in its text */
	int line, col;
};

struct pre {
	struct pos at;
	unsigned int text;	/* index in texts[] */
	uint8_t *msg;		/* prebuilt request in the arena, or NULL */
	size_t len;
};

/* The arena: 1 MiB chunks, never moved (pre.msg points into them). */
struct chunk {
	struct chunk *next;
	size_t used;
	uint8_t data[];
};

struct text {
	const char *file, *text;
	size_t len;
};

struct pfk_runner {
	const struct pfk_run_ops *ops;
	void *ctx;
	unsigned int flags;	/* PFK_RUN_* */
	unsigned int max_errs;
	struct text *texts;
	unsigned int ntexts, captexts;
	struct pre *v;
	size_t n, cap;
	struct chunk *chunks;	/* newest first */
	size_t arena;		/* bytes allocated */
	uint8_t *scratch;	/* PFKM_MSG_MAX: a request is built here first */
	unsigned int nerr;	/* syntax errors of every text added */
	struct pfk_exec *x;	/* from ops->connect */
	bool failed;		/* a pipelined request failed */
	bool exited;
	bool hooked;		/* x's pipeline reports to on_done */
};

/* ---- the statement loop ---------------------------------------------- */

/* Where the next statement's first token starts (a peeked token has been
 * scanned already: start from it). */
static struct pos here(const struct pfk_lex *lx, const char *text)
{
	struct pos p;

	if (lx->has_peek) {
		p.src = (size_t)(lx->peeked.src - text);
		p.line = lx->peeked.line;
		p.col = lx->peeked.col;
	} else {
		p.src = (size_t)(lx->p - text);
		p.line = lx->line;
		p.col = lx->col;
	}
	return p;
}

/*
 * Every statement of text in order: each one that parses goes to on_stmt
 * (which owns it and wipes it) with where it starts, each syntax error to
 * on_err; parsing goes on past an error (the lexer skips to the next ';')
 * until max_errs errors (0: no limit). on_stmt returns 0 to go on, else
 * the loop stops and returns that. Returns the number of errors seen.
 */
static int scan(const char *text, size_t len, unsigned int max_errs,
		int (*on_stmt)(void *c, const struct pos *at, struct pfk_stmt *st),
		void (*on_err)(void *c, const struct pfk_err *e), void *c)
{
	struct pfk_lex lx;
	struct pfk_stmt st;
	struct pfk_err e;
	struct pos at;
	unsigned int nerr = 0;
	int ret;

	pfk_lex_init(&lx, text, len, 1);
	for (;;) {
		at = here(&lx, text);
		memset(&e, 0, sizeof(e));
		ret = pfk_stmt_parse(&lx, &st, &e);
		if (ret == 0)
			break;
		if (ret < 0) {
			on_err(c, &e);
			if (++nerr >= max_errs && max_errs)
				break;
			continue;
		}
		ret = on_stmt(c, &at, &st);
		if (ret)
			return ret;
	}
	return (int)nerr;
}

/* pfk_stmt_parse_all: the loop into an array. */
struct all {
	struct pfk_stmt *v;
	size_t n, cap;
	struct pfk_err *errs;
	size_t nerr, max;
};

static int all_stmt(void *c, const struct pos *at, struct pfk_stmt *st)
{
	struct all *a = c;
	struct pfk_stmt *nv;

	(void)at;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;

		nv = realloc(a->v, cap * sizeof(*nv));
		if (!nv) {
			pfk_stmt_wipe(st);
			return -ENOMEM;
		}
		a->v = nv;
		a->cap = cap;
	}
	a->v[a->n++] = *st;
	explicit_bzero(st, sizeof(*st));
	return 0;
}

static void all_err(void *c, const struct pfk_err *e)
{
	struct all *a = c;

	if (a->nerr < a->max)
		a->errs[a->nerr] = *e;
	a->nerr++;
}

int pfk_stmt_parse_all(const char *text, size_t len, struct pfk_stmt **out, size_t *n,
		       struct pfk_err *errs, size_t max_errs)
{
	struct all a = { .errs = errs, .max = max_errs };
	int ret = scan(text, len, (unsigned int)max_errs, all_stmt, all_err, &a);

	if (ret < 0) {
		pfk_stmt_free_all(a.v, a.n);
		return ret;
	}
	*out = a.v;
	*n = a.n;
	return (int)(a.nerr < max_errs ? a.nerr : max_errs);
}

void pfk_stmt_free_all(struct pfk_stmt *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		pfk_stmt_wipe(&v[i]);
	free(v);
}

/* ---- the runner -------------------------------------------------------- */

struct pfk_runner *pfk_runner_new(const struct pfk_run_ops *ops, void *ctx,
				  unsigned int flags, unsigned int max_errs)
{
	struct pfk_runner *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->ops = ops;
	r->ctx = ctx;
	r->flags = flags;
	r->max_errs = max_errs;
	return r;
}

void pfk_runner_free(struct pfk_runner *r)
{
	struct chunk *c, *next;

	if (!r)
		return;
	for (c = r->chunks; c; c = next) {
		next = c->next;
		explicit_bzero(c->data, c->used);
		free(c);
	}
	if (r->hooked && r->x && r->x->pipe)
		pfk_exec_pipe_hook(r->x, NULL, NULL);
	free(r->scratch);
	free(r->v);
	free(r->texts);
	free(r);
}

bool pfk_runner_exited(const struct pfk_runner *r)
{
	return r->exited;
}

/* The executor, connected (ops->connect): 0, or what connect said. */
static int need_exec(struct pfk_runner *r)
{
	return r->ops->connect(r->ctx, &r->x);
}

static bool lost(struct pfk_runner *r, int err)
{
	return r->ops->lost && r->ops->lost(r->ctx, err);
}

/* Parse statement i again (it parsed in pass 1). */
static int reparse(const struct pfk_runner *r, size_t i, struct pfk_stmt *st)
{
	const struct text *t = &r->texts[r->v[i].text];
	struct pfk_lex lx;
	struct pfk_err e;

	pfk_lex_init(&lx, t->text + r->v[i].at.src, t->len - r->v[i].at.src, r->v[i].at.line);
	lx.col = r->v[i].at.col;
	return pfk_stmt_parse(&lx, st, &e) == 1 ? 0 : -EINVAL;
}

/* A pipelined request's result (pfk_exec_pipe_hook). */
static void on_done(void *ctx, size_t tag, int err)
{
	struct pfk_runner *r = ctx;
	struct pfk_stmt st;

	if (!err)
		return;
	r->failed = true;
	if (lost(r, err))
		return;
	if (reparse(r, tag, &st)) {	/* cannot happen: it parsed */
		memset(&st, 0, sizeof(st));
		st.line = r->v[tag].at.line;
		st.col = r->v[tag].at.col;
	}
	r->ops->fail(r->ctx, r->texts[r->v[tag].text].file, &st, err);
	pfk_stmt_wipe(&st);
}

/* The request of a pipelinable statement, appended to the arena. Failing
 * to prebuild is not an error: the statement is built when it is sent. */
static void prebuild(struct pfk_runner *r, const struct pfk_stmt *st, struct pre *p)
{
	struct chunk *c = r->chunks;
	struct pfk_buf pb;
	size_t need;
	int ret;

	if (!r->scratch && !(r->scratch = malloc(PFKM_MSG_MAX)))
		return;
	pb.p = r->scratch;
	pb.cap = PFKM_MSG_MAX;
	pb.len = 0;
	ret = pfk_exec_build(st, &pb, 0, 0);
	if (ret <= 0)
		return;
	need = ((size_t)ret + 7) & ~(size_t)7;
	if (!c || CHUNK_SIZE - sizeof(*c) - c->used < need) {
		size_t sz = need > CHUNK_SIZE - sizeof(*c) ? sizeof(*c) + need : CHUNK_SIZE;

		if (r->arena + sz > ARENA_MAX || !(c = malloc(sz)))
			goto out;
		c->next = r->chunks;
		c->used = 0;
		r->chunks = c;
		r->arena += sz;
	}
	p->msg = c->data + c->used;
	p->len = (size_t)ret;
	memcpy(p->msg, r->scratch, (size_t)ret);
	c->used += need;
out:
	explicit_bzero(r->scratch, (size_t)ret);
}

/* A pipeline cannot stop at a failure (what follows is sent already):
 * PFK_RUN_PIPELINE yields to ATOMIC and STOP. */
static bool pipelinable(const struct pfk_runner *r, const struct pfk_stmt *st)
{
	return (r->flags & PFK_RUN_PIPELINE) &&
	       !(r->flags & (PFK_RUN_ATOMIC | PFK_RUN_STOP)) && pfk_exec_pipelinable(NULL, st);
}

/* Pass 1 of one text: what add() collects while scanning. */
struct pass1 {
	struct pfk_runner *r;
	struct pfk_err *errs;	/* kept to be reported after the text */
	unsigned int nerr, cap;
	bool nomem;
};

static int pass1_stmt(void *c, const struct pos *at, struct pfk_stmt *st)
{
	struct pass1 *p1 = c;
	struct pfk_runner *r = p1->r;
	struct pre *p;

	if (r->ops->parsed)
		r->ops->parsed(r->ctx, r->texts[r->ntexts - 1].file, st);
	if (!p1->nerr) {
		if (r->n == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 256;
			struct pre *nv = realloc(r->v, cap * sizeof(*nv));

			if (!nv) {
				pfk_stmt_wipe(st);
				return -ENOMEM;
			}
			r->v = nv;
			r->cap = cap;
		}
		p = &r->v[r->n++];
		p->at = *at;
		p->text = r->ntexts - 1;
		p->msg = NULL;
		p->len = 0;
		if (pipelinable(r, st))
			prebuild(r, st, p);
	}
	pfk_stmt_wipe(st);
	return 0;
}

static void pass1_err(void *c, const struct pfk_err *e)
{
	struct pass1 *p1 = c;

	if (p1->nerr == p1->cap) {
		unsigned int cap = p1->cap ? p1->cap * 2 : 8;
		struct pfk_err *nv;

		if (p1->r->max_errs && cap > p1->r->max_errs)
			cap = p1->r->max_errs;
		nv = realloc(p1->errs, cap * sizeof(*nv));
		if (!nv) {
			p1->nomem = true;
			return;
		}
		p1->errs = nv;
		p1->cap = cap;
	}
	p1->errs[p1->nerr++] = *e;
}

int pfk_runner_add(struct pfk_runner *r, const char *file, const char *text, size_t len)
{
	struct pass1 p1 = { .r = r };
	unsigned int i;
	int ret;

	if (r->ntexts == r->captexts) {
		unsigned int cap = r->captexts ? r->captexts * 2 : 4;
		struct text *nv = realloc(r->texts, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		r->texts = nv;
		r->captexts = cap;
	}
	r->texts[r->ntexts].file = file;
	r->texts[r->ntexts].text = text;
	r->texts[r->ntexts].len = len;
	r->ntexts++;
	ret = scan(text, len, r->max_errs, pass1_stmt, pass1_err, &p1);
	if (p1.nomem && ret >= 0)
		ret = -ENOMEM;
	/* Errors after the text's warnings. */
	for (i = 0; ret >= 0 && i < p1.nerr; i++)
		r->ops->syntax(r->ctx, file, &p1.errs[i], text, len);
	free(p1.errs);
	if (ret < 0)
		return ret;
	r->nerr += p1.nerr;
	return (int)p1.nerr;
}

/* One statement the runner runs itself (no ops->stmt): PFK_RUN_*. */
static int run_one(struct pfk_runner *r, const char *file, const struct pfk_stmt *st)
{
	int ret = need_exec(r);

	if (ret)
		return PFK_RUN_BACKEND;
	ret = pfk_exec_run(r->x, st);
	if (!ret)
		return PFK_RUN_OK;
	if (lost(r, ret))
		return PFK_RUN_BACKEND;
	r->ops->fail(r->ctx, file, st, ret);
	return PFK_RUN_FAILED;
}

static int run_stmt(struct pfk_runner *r, const char *file, const struct pfk_stmt *st)
{
	return r->ops->stmt ? r->ops->stmt(r->ctx, file, st) : run_one(r, file, st);
}

/* Send statement i down the pipeline (prebuilt, or built now). */
static int submit(struct pfk_runner *r, size_t i, const struct pfk_stmt *st)
{
	int ret = need_exec(r);

	if (ret)
		return PFK_RUN_BACKEND;
	ret = pfk_exec_pipe_hook(r->x, on_done, r);
	r->hooked = !ret;
	if (!ret)
		ret = r->v[i].msg ? pfk_exec_submit_msg(r->x, r->v[i].msg, r->v[i].len, i) :
		      pfk_exec_submit(r->x, st, i);
	if (ret)
		on_done(r, i, ret);
	return PFK_RUN_OK;
}

static void drain(struct pfk_runner *r)
{
	if (r->x && pfk_exec_inflight(r->x))
		pfk_exec_drain(r->x);
}

/* The end of an --atomic run: undo everything on a failure. */
static void atomic_end(struct pfk_runner *r, bool failed)
{
	if (failed) {
		size_t n = r->x->nundo;
		int ret = pfk_exec_rollback(r->x);

		if (r->ops->rolled_back)
			r->ops->rolled_back(r->ctx, n, ret);
	}
	pfk_exec_journal_clear(r->x);
	r->x->journal = false;
}

int pfk_runner_run(struct pfk_runner *r)
{
	struct pfk_stmt st;
	bool failed = false, atomic = r->flags & PFK_RUN_ATOMIC;
	size_t i;
	int ret;

	if (r->nerr)
		return PFK_RUN_SYNTAX;
	if (r->flags & PFK_RUN_NOEXEC)
		return PFK_RUN_OK;
	if (atomic) {
		ret = need_exec(r);
		if (ret)
			return ret;
		r->x->journal = true;
		pfk_exec_journal_clear(r->x);
	}
	for (i = 0; i < r->n; i++) {
		const char *file = r->texts[r->v[i].text].file;

		if (r->v[i].msg) {
			/* Prebuilt: only pipelinable statements are. */
			ret = submit(r, i, NULL);
			if (ret)
				goto out;
			if (lost(r, 0))
				goto lost;
			continue;
		}
		if (reparse(r, i, &st))
			break;	/* cannot happen: it parsed in pass 1 */
		if (pipelinable(r, &st)) {
			/* Past the arena's limit: built and sent now. */
			ret = submit(r, i, &st);
			pfk_stmt_wipe(&st);
			if (ret)
				goto out;
			if (lost(r, 0))
				goto lost;
			continue;
		}
		/* Anything else waits for the batch so far (order of effects
		 * and of messages is the script's). */
		drain(r);
		ret = run_stmt(r, file, &st);
		pfk_stmt_wipe(&st);
		if (lost(r, 0))
			goto lost;
		if (ret == PFK_RUN_EXIT) {
			r->exited = true;
			break;
		}
		if (ret == PFK_RUN_BACKEND)
			goto out;
		if (ret) {
			failed = true;
			if (atomic || (r->flags & PFK_RUN_STOP))
				break;
		}
	}
	drain(r);
	if (lost(r, 0))
		goto lost;
	if (r->failed)
		failed = true;
	if (atomic)
		atomic_end(r, failed);
	return failed ? PFK_RUN_FAILED : PFK_RUN_OK;
lost:
	/* The engine is gone with whatever the script had done so far: no
	 * rollback is possible and nothing after this can run. */
	ret = PFK_RUN_BACKEND;
out:
	if (!lost(r, 0))
		drain(r);
	if (atomic && r->x) {
		pfk_exec_journal_clear(r->x);
		r->x->journal = false;
	}
	return ret;
}

/* The prompt: each statement runs as soon as it parses. */
struct each {
	struct pfk_runner *r;
	const char *file, *text;
	size_t len;
};

static int each_stmt(void *c, const struct pos *at, struct pfk_stmt *st)
{
	struct each *e = c;
	struct pfk_runner *r = e->r;
	int ret = PFK_RUN_OK;

	(void)at;
	if (r->ops->parsed)
		r->ops->parsed(r->ctx, e->file, st);
	if (!(r->flags & PFK_RUN_NOEXEC))
		ret = run_stmt(r, e->file, st);
	pfk_stmt_wipe(st);
	if (ret == PFK_RUN_EXIT) {
		r->exited = true;
		return 1;
	}
	return 0;
}

static void each_err(void *c, const struct pfk_err *err)
{
	struct each *e = c;

	e->r->ops->syntax(e->r->ctx, e->file, err, e->text, e->len);
}

int pfk_runner_text(struct pfk_runner *r, const char *file, const char *text, size_t len)
{
	struct each e = { .r = r, .file = file, .text = text, .len = len };
	int ret;

	if (!(r->flags & PFK_RUN_EACH)) {
		ret = pfk_runner_add(r, file, text, len);
		return ret < 0 ? ret : pfk_runner_run(r);
	}
	ret = scan(text, len, 0, each_stmt, each_err, &e);
	return ret < 0 ? ret : PFK_RUN_OK;
}
