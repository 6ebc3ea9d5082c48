// SPDX-License-Identifier: BSD-2-Clause
/*
 * run.c: statement text -> keysh's parser -> keysh's executor, on a fresh
 * connection per run (see backend.h for why). The error strings are the
 * parser's own (struct pfk_err.msg), so a form shows exactly what keysh
 * prints for the same statement.
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

int tui_run_text(struct tui *t, const char *text, bool atomic, char *err, size_t cap)
{
	struct pfk_stmt *v = NULL;
	struct pfk_err e;
	struct pfk_exec x;
	struct pfk_conn c;
	size_t n = 0, i;
	int ret, nerr;

	memset(&e, 0, sizeof(e));
	if (cap)
		err[0] = '\0';
	nerr = pfk_stmt_parse_all(text, strlen(text), &v, &n, &e, 1);
	if (nerr) {
		ret = nerr < 0 ? nerr : (e.code ? e.code : -EINVAL);
		snprintf(err, cap, "%s", nerr < 0 ? strerror(-nerr) : e.msg);
		goto err_parse;
	}
	ret = tui_backend_conn(&t->be, &c);
	if (ret) {
		snprintf(err, cap, "cannot connect to %s: %s", t->be.desc, strerror(-ret));
		goto err_parse;
	}
	ret = pfk_exec_init(&x, &c);
	if (ret) {
		snprintf(err, cap, "%s", strerror(-ret));
		goto err_init;
	}
	x.journal = atomic;
	/* the operator waits on this: fail a stuck backend well before 5 s */
	x.timeout_ms = 2000;
	for (i = 0; i < n; i++) {
		ret = pfk_exec_run(&x, &v[i]);
		if (ret) {
			/* keysh's error line without "FILE:LINE: " */
			pfk_stmt_describe(&v[i], ret, err, cap);
			{
				char hint[256];
				size_t l = strlen(err);

				if (pfk_conn_hint(&c, &v[i], ret, hint, sizeof(hint)))
					snprintf(err + l, cap - l, ": %s", hint);
			}
			if (atomic && x.nundo) {
				int r2 = pfk_exec_rollback(&x);
				size_t l = strlen(err);

				snprintf(err + l, cap - l, r2 ? " (rollback failed: %s)" :
					 " (all changes rolled back)", strerror(-r2));
			}
			break;
		}
	}
	/* Applied: the first warning keysh would print (RFC 8221, flags
	 * Linux ignores), for the status bar. */
	for (i = 0; !ret && i < n; i++) {
		char w[1][160];

		if (pfk_stmt_warnings(&v[i], w, 1)) {
			snprintf(err, cap, "%s", w[0]);
			break;
		}
	}
	pfk_exec_fini(&x);
err_init:
	pfk_conn_close(&c);
err_parse:
	pfk_stmt_free_all(v, n);
	return ret;
}

void tui_run_hex(char *buf, size_t cap, const struct pfk_key *k)
{
	size_t i, n = (k->bits + 7) / 8, o;

	o = snprintf(buf, cap, "0x");
	for (i = 0; i < n && o + 3 <= cap; i++)
		o += snprintf(buf + o, cap - o, "%02x", k->data[i]);
}
