// SPDX-License-Identifier: BSD-2-Clause
/*
 * run.c: statement text through libpfkey's runner (keysh's parser and
 * executor, its atomic journal and rollback), on a fresh connection per
 * run (see backend.h for why). The error strings are the parser's own
 * (struct pfk_err.msg) and keysh's statement descriptions, so a form shows
 * exactly what keysh prints for the same statement.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run.h"
#include "stmt.h"

int tui_run_check(const char *text, char *err, size_t cap)
{
	struct pfk_stmt *v = NULL;
	struct pfk_err e;
	size_t n = 0;
	int nerr;

	memset(&e, 0, sizeof(e));
	nerr = pfk_stmt_parse_all(text, strlen(text), &v, &n, &e, 1);
	pfk_stmt_free_all(v, n);
	if (nerr < 0) {
		snprintf(err, cap, "%s", strerror(-nerr));
		return nerr;
	}
	if (nerr > 0) {
		snprintf(err, cap, "%s", e.msg);
		return e.code ? e.code : -EINVAL;
	}
	if (!n) {
		snprintf(err, cap, "nothing to do");
		return -EINVAL;
	}
	return 0;
}

/* One tui_run_text: its connection (opened when the first statement
 * runs) and the line it reports. */
struct text_run {
	struct tui *t;
	struct pfk_conn c;
	struct pfk_exec x;
	bool open, ready;
	char *err;
	size_t cap;
	int code;		/* -errno to return */
	char warn[160];		/* the first warning keysh would print */
	bool warned;
};

static int on_connect(void *ctx, struct pfk_exec **x)
{
	struct text_run *tr = ctx;
	int ret;

	*x = &tr->x;
	if (tr->ready)
		return 0;
	ret = tui_backend_conn(&tr->t->be, &tr->c);
	if (ret) {
		snprintf(tr->err, tr->cap, "cannot connect to %s: %s", tr->t->be.desc,
			 strerror(-ret));
		goto err;
	}
	tr->open = true;
	ret = pfk_exec_init(&tr->x, &tr->c);
	if (ret) {
		snprintf(tr->err, tr->cap, "%s", strerror(-ret));
		goto err;
	}
	tr->ready = true;
	/* the operator waits on this: fail a stuck backend well before 5 s */
	tr->x.timeout_ms = 2000;
	return 0;
err:
	tr->code = ret;
	return PFK_RUN_BACKEND;
}

static void on_parsed(void *ctx, const char *file, const struct pfk_stmt *st)
{
	struct text_run *tr = ctx;
	char w[1][160];

	(void)file;
	if (!tr->warned && pfk_stmt_warnings(st, w, 1)) {
		memcpy(tr->warn, w[0], sizeof(tr->warn));
		tr->warned = true;
	}
}

static void on_syntax(void *ctx, const char *file, const struct pfk_err *e, const char *text,
		      size_t len)
{
	struct text_run *tr = ctx;

	(void)file;
	(void)text;
	(void)len;
	snprintf(tr->err, tr->cap, "%s", e->msg);
	tr->code = e->code ? e->code : -EINVAL;
}

/* keysh's error line without "FILE:LINE: " */
static void on_fail(void *ctx, const char *file, const struct pfk_stmt *st, int err)
{
	struct text_run *tr = ctx;
	char hint[256];
	size_t l;

	(void)file;
	pfk_stmt_describe(st, err, tr->err, tr->cap);
	l = strlen(tr->err);
	if (pfk_conn_hint(&tr->c, st, err, hint, sizeof(hint)))
		snprintf(tr->err + l, tr->cap - l, ": %s", hint);
	tr->code = err;
}

static void on_rolled_back(void *ctx, size_t n, int err)
{
	struct text_run *tr = ctx;
	size_t l = strlen(tr->err);

	if (n)
		snprintf(tr->err + l, tr->cap - l, err ? " (rollback failed: %s)" :
			 " (all changes rolled back)", strerror(-err));
}

static const struct pfk_run_ops text_ops = {
	.connect = on_connect,
	.parsed = on_parsed,
	.syntax = on_syntax,
	.fail = on_fail,
	.rolled_back = on_rolled_back,
};

int tui_run_text(struct tui *t, const char *text, bool atomic, char *err, size_t cap)
{
	struct text_run tr = { .t = t, .err = err, .cap = cap };
	struct pfk_runner *r;
	int ret;

	if (cap)
		err[0] = '\0';
	/* A form's text stops at its first failure, undone when atomic. */
	r = pfk_runner_new(&text_ops, &tr, PFK_RUN_STOP | (atomic ? PFK_RUN_ATOMIC : 0), 1);
	if (!r) {
		snprintf(err, cap, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	ret = pfk_runner_text(r, NULL, text, strlen(text));
	pfk_runner_free(r);
	if (ret < 0) {
		snprintf(err, cap, "%s", strerror(-ret));
	} else if (ret == PFK_RUN_OK) {
		/* Applied: the first warning keysh would print (RFC 8221,
		 * flags Linux ignores), for the status bar. */
		if (tr.warned)
			snprintf(err, cap, "%s", tr.warn);
	} else {
		ret = tr.code ? tr.code : -EIO;
	}
	if (tr.ready)
		pfk_exec_fini(&tr.x);
	if (tr.open)
		pfk_conn_close(&tr.c);
	return ret;
}

void tui_run_hex(char *buf, size_t cap, const struct pfk_key *k)
{
	size_t i, n = (k->bits + 7) / 8, o;

	o = snprintf(buf, cap, "0x");
	for (i = 0; i < n && o + 3 <= cap; i++)
		o += snprintf(buf + o, cap - o, "%02x", k->data[i]);
}
