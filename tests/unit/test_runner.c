// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_runner.c: libpfkey's statement runner (src/lib/runner.c) against the
 * in-process engine on the memory store, two PF_KEY sockets of it: an
 * --atomic script whose statement in the middle fails leaves the SAD and
 * SPD as they were (what it added gone, what it deleted back with its
 * keys); a syntax error anywhere runs nothing; a pipelined script reports
 * each failure once, in order, with its line; replies lost to a full
 * receive queue are settled (every statement gets its real result); the
 * prompt's mode runs each statement as it parses and stops at exit.
 */
#include <errno.h>
#include <stdlib.h>
#include "unit.h"
#include "pfk.h"
#include "stmt.h"
#include "engine.h"

#define KEY1 "0x00112233445566778899aabbccddeeff"
#define KEY2 "0xffeeddccbbaa99887766554433221100"
#define AKEY1 KEY1 "0011223344556677889900aabbccddee"
#define AKEY2 KEY2 "ffeeddccbbaa99887766554433221100"

/* What the runner told the front end. */
struct seen {
	struct pfk_exec *x;
	int nconnect, nparsed, nstmt;
	int nfail, fail_line[16], fail_err[16];
	int nsyntax, syntax_line[16];
	int nrolled, undo_err;
	size_t undone;
};

static int on_connect(void *ctx, struct pfk_exec **x)
{
	struct seen *s = ctx;

	s->nconnect++;
	*x = s->x;
	return 0;
}

static void on_parsed(void *ctx, const char *file, const struct pfk_stmt *st)
{
	struct seen *s = ctx;

	(void)file;
	(void)st;
	s->nparsed++;
}

static void on_syntax(void *ctx, const char *file, const struct pfk_err *e, const char *text,
		      size_t len)
{
	struct seen *s = ctx;

	(void)file;
	(void)text;
	(void)len;
	if (s->nsyntax < 16)
		s->syntax_line[s->nsyntax] = e->line;
	s->nsyntax++;
}

static void on_fail(void *ctx, const char *file, const struct pfk_stmt *st, int err)
{
	struct seen *s = ctx;

	(void)file;
	if (s->nfail < 16) {
		s->fail_line[s->nfail] = st->line;
		s->fail_err[s->nfail] = err;
	}
	s->nfail++;
}

static void on_rolled_back(void *ctx, size_t n, int err)
{
	struct seen *s = ctx;

	s->nrolled++;
	s->undone = n;
	s->undo_err = err;
}

/* The prompt's `exit`: stop; anything else goes to the executor. */
static int on_stmt(void *ctx, const char *file, const struct pfk_stmt *st)
{
	struct seen *s = ctx;
	int ret;

	(void)file;
	s->nstmt++;
	if (st->cmd == PFK_CMD_EXIT)
		return PFK_RUN_EXIT;
	ret = pfk_exec_run(s->x, st);
	if (ret)
		on_fail(ctx, file, st, ret);
	return ret ? PFK_RUN_FAILED : PFK_RUN_OK;
}

static const struct pfk_run_ops ops = {
	.connect = on_connect,
	.parsed = on_parsed,
	.syntax = on_syntax,
	.fail = on_fail,
	.rolled_back = on_rolled_back,
};

static const struct pfk_run_ops prompt_ops = {
	.connect = on_connect,
	.stmt = on_stmt,
	.parsed = on_parsed,
	.syntax = on_syntax,
	.fail = on_fail,
};

/* Run text through a fresh runner keeping max_errs syntax errors. */
static int run_max(struct seen *s, unsigned int flags, unsigned int max_errs, const char *text)
{
	struct pfk_runner *r = pfk_runner_new(&ops, s, flags, max_errs);
	int ret;

	if (!r)
		return -ENOMEM;
	ret = pfk_runner_text(r, "t.conf", text, strlen(text));
	pfk_runner_free(r);
	return ret;
}

static int run(struct seen *s, unsigned int flags, const char *text)
{
	return run_max(s, flags, 20, text);
}

static int open_conn(struct pfk_conn *c, struct pfk_exec *x, pid_t pid)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->pid = pid;
	if (pfk_engine_sock_open(c, NULL))
		return -1;
	if (pfk_exec_init(x, c)) {
		pfk_conn_close(c);
		return -1;
	}
	return 0;
}

static void close_conn(struct pfk_conn *c, struct pfk_exec *x)
{
	pfk_exec_fini(x);
	pfk_conn_close(c);
}

/* Entries in the SAD (spd false) or SPD; -1 on error. */
static long count(struct pfk_exec *x, bool spd)
{
	struct pfk_dump d;
	long n;

	if (pfk_exec_dump(x, spd, PFK_SATYPE_UNSPEC, &d))
		return -1;
	n = (long)d.n;
	pfk_dump_free(&d);
	return n;
}

static void got_key(void *ctx, const struct pfk_stmt *st, const struct pfk_msg *m,
		    const void *raw, size_t len)
{
	(void)st;
	(void)raw;
	(void)len;
	*(int *)ctx = m->sa.enc_key.data[0];
}

/* GET of one SA: 0 with its encryption key's first byte in *b0, or -errno. */
static int get_sa(struct pfk_exec *x, unsigned int spi, int *b0)
{
	struct pfk_stmt st;
	struct pfk_lex lx;
	struct pfk_err e;
	char t[128];
	int ret;

	snprintf(t, sizeof(t), "get 10.0.0.1 10.0.0.2 esp %#x;", spi);
	pfk_lex_init(&lx, t, strlen(t), 1);
	if (pfk_stmt_parse(&lx, &st, &e) != 1)
		return -EINVAL;
	x->on_result = got_key;
	x->ctx = b0;
	ret = pfk_exec_run(x, &st);
	x->on_result = NULL;
	x->ctx = NULL;
	return ret;
}

TEST(runner_atomic_failure_in_the_middle_leaves_nothing)
{
	struct pfk_conn c;
	struct pfk_exec x;
	struct seen s = { .x = &x };
	int b0 = -1;

	REQUIRE_EQ(open_conn(&c, &x, 3001), 0);
	/* What was there before: an SA (KEY2) and a policy. */
	REQUIRE_EQ(run(&s, 0,
		       "add 10.0.0.1 10.0.0.2 esp 0x500 -m tunnel -E aes-gcm-16 " KEY2 "12345678;\n"
		       "spdadd 10.9.0.0/24 10.9.1.0/24 any -P out ipsec esp/tunnel/10.0.0.1-10.0.0.2/require;\n"),
		   PFK_RUN_OK);
	memset(&s, 0, sizeof(s));
	s.x = &x;
	CHECK_EQ(run(&s, PFK_RUN_ATOMIC,
		     "add 10.0.0.1 10.0.0.2 esp 0x1001 -m tunnel -E aes-gcm-16 " KEY1 "00000000;\n"
		     "spdadd 10.8.0.0/24 10.8.1.0/24 any -P out ipsec esp/tunnel/10.0.0.1-10.0.0.2/require;\n"
		     "delete 10.0.0.1 10.0.0.2 esp 0x500;\n"
		     "spddelete 10.9.0.0/24 10.9.1.0/24 any -P out;\n"
		     "add 10.0.0.1 10.0.0.2 esp 0x1001 -m tunnel -E aes-gcm-16 " KEY1 "00000000;\n"
		     "add 10.0.0.1 10.0.0.2 esp 0x1002 -m tunnel -E aes-gcm-16 " KEY1 "00000000;\n"),
		 PFK_RUN_FAILED);
	/* the failure, once, with its line; four changes undone, cleanly */
	CHECK_EQ(s.nfail, 1);
	CHECK_EQ(s.fail_line[0], 5);
	CHECK_EQ(s.fail_err[0], -EEXIST);
	CHECK_EQ(s.nrolled, 1);
	CHECK_EQ(s.undone, 4);
	CHECK_EQ(s.undo_err, 0);
	CHECK_EQ(x.journal, false);
	CHECK_EQ(x.nundo, 0);
	/* the tables as before: the deleted SA back with its own key */
	CHECK_EQ(count(&x, false), 1);
	CHECK_EQ(count(&x, true), 1);
	CHECK_EQ(get_sa(&x, 0x500, &b0), 0);
	CHECK_EQ(b0, 0xff);
	CHECK_EQ(get_sa(&x, 0x1001, &b0), -ESRCH);
	CHECK_EQ(get_sa(&x, 0x1002, &b0), -ESRCH);
	/* the same script without --atomic goes on past the failure */
	memset(&s, 0, sizeof(s));
	s.x = &x;
	CHECK_EQ(run(&s, 0,
		     "add 10.0.0.1 10.0.0.2 esp 0x1001 -m tunnel -E aes-gcm-16 " KEY1 "00000000;\n"
		     "add 10.0.0.1 10.0.0.2 esp 0x1001 -m tunnel -E aes-gcm-16 " KEY1 "00000000;\n"
		     "add 10.0.0.1 10.0.0.2 esp 0x1002 -m tunnel -E aes-gcm-16 " KEY1 "00000000;\n"),
		 PFK_RUN_FAILED);
	CHECK_EQ(s.nfail, 1);
	CHECK_EQ(s.nrolled, 0);
	CHECK_EQ(count(&x, false), 3);
	/* PFK_RUN_STOP: stops there, keeps what ran (pipelining yields) */
	memset(&s, 0, sizeof(s));
	s.x = &x;
	CHECK_EQ(run(&s, PFK_RUN_STOP | PFK_RUN_PIPELINE,
		     "add 10.0.0.1 10.0.0.2 esp 0x1003 -E null;\n"
		     "add 10.0.0.1 10.0.0.2 esp 0x1003 -E null;\n"
		     "add 10.0.0.1 10.0.0.2 esp 0x1004 -E null;\n"),
		 PFK_RUN_FAILED);
	CHECK_EQ(s.nfail, 1);
	CHECK_EQ(get_sa(&x, 0x1003, &b0), 0);
	CHECK_EQ(get_sa(&x, 0x1004, &b0), -ESRCH);
	CHECK_EQ(run(&s, 0, "flush; spdflush;"), PFK_RUN_OK);
	close_conn(&c, &x);
}

TEST(runner_syntax_error_anywhere_runs_nothing)
{
	struct pfk_conn c;
	struct pfk_exec x;
	struct seen s = { .x = &x };

	REQUIRE_EQ(open_conn(&c, &x, 3002), 0);
	CHECK_EQ(run(&s, PFK_RUN_PIPELINE,
		     "add 10.0.0.1 10.0.0.2 esp 0x1001 -E null;\n"
		     "add 10.0.0.1 10.0.0.2 esp 0x1002 -E aes-cbcx " KEY1 ";\n"
		     "add 10.0.0.1 10.0.0.2 esp 0x1003 -E null;\n"
		     "bogus;\n"),
		 PFK_RUN_SYNTAX);
	CHECK_EQ(s.nsyntax, 2);
	CHECK_EQ(s.syntax_line[0], 2);
	CHECK_EQ(s.syntax_line[1], 4);
	CHECK_EQ(s.nparsed, 2);
	CHECK_EQ(s.nconnect, 0);	/* the backend was not even asked */
	CHECK_EQ(count(&x, false), 0);
	/* no limit: both; a limit of 1: parsing stops at the first */
	memset(&s, 0, sizeof(s));
	s.x = &x;
	CHECK_EQ(run_max(&s, 0, 0, "bogus;\nflush;\nbogus;\n"), PFK_RUN_SYNTAX);
	CHECK_EQ(s.nsyntax, 2);
	CHECK_EQ(s.nparsed, 1);
	memset(&s, 0, sizeof(s));
	s.x = &x;
	CHECK_EQ(run_max(&s, 0, 1, "bogus;\nflush;\nbogus;\n"), PFK_RUN_SYNTAX);
	CHECK_EQ(s.nsyntax, 1);
	CHECK_EQ(s.nparsed, 0);
	CHECK_EQ(s.nconnect, 0);
	/* parse only (-n): warnings' turn, nothing runs */
	memset(&s, 0, sizeof(s));
	s.x = &x;
	CHECK_EQ(run(&s, PFK_RUN_NOEXEC, "add 10.0.0.1 10.0.0.2 esp 0x1001 -E null;"), PFK_RUN_OK);
	CHECK_EQ(s.nparsed, 1);
	CHECK_EQ(s.nconnect, 0);
	CHECK_EQ(count(&x, false), 0);
	close_conn(&c, &x);
}

TEST(runner_pipeline_reports_each_failure_in_order)
{
	enum { N = 300 };
	struct pfk_conn c;
	struct pfk_exec x;
	struct seen s = { .x = &x };
	size_t cap = N * 96, o = 0;
	char *text = malloc(cap);
	int i;

	REQUIRE(text);
	REQUIRE_EQ(open_conn(&c, &x, 3003), 0);
	/* line 51 and 251 add an SA that exists; line 151 needs a reply
	 * first (get: the window drains before it) and fails too */
	for (i = 1; i <= N; i++) {
		if (i == 151)
			o += (size_t)snprintf(text + o, cap - o,
					      "get 10.0.0.1 10.0.0.2 esp 0x9999;\n");
		else
			o += (size_t)snprintf(text + o, cap - o,
					      "add 10.0.0.1 10.0.0.2 esp %#x -E null;\n",
					      0x1000 + (i == 51 || i == 251 ? 7 : i));
	}
	CHECK_EQ(run(&s, PFK_RUN_PIPELINE, text), PFK_RUN_FAILED);
	CHECK_EQ(s.nfail, 3);
	CHECK_EQ(s.fail_line[0], 51);
	CHECK_EQ(s.fail_err[0], -EEXIST);
	CHECK_EQ(s.fail_line[1], 151);
	CHECK_EQ(s.fail_err[1], -ESRCH);
	CHECK_EQ(s.fail_line[2], 251);
	CHECK_EQ(s.fail_err[2], -EEXIST);
	CHECK_EQ(pfk_exec_inflight(&x), 0);
	CHECK_EQ(count(&x, false), N - 3);
	CHECK_EQ(run(&s, 0, "flush;"), PFK_RUN_OK);
	close_conn(&c, &x);
	free(text);
}

TEST(runner_pipeline_settles_lost_replies)
{
	enum { N = 200 };
	struct pfk_conn a, b;
	struct pfk_exec xa, xb;
	struct seen s = { .x = &xb };
	size_t cap = 200000, o;
	char *text = malloc(cap);
	uint64_t drops0;
	int i, b0 = -1, rounds;

	REQUIRE(text);
	REQUIRE_EQ(open_conn(&a, &xa, 3004), 0);
	REQUIRE_EQ(open_conn(&b, &xb, 3005), 0);
	/* before: one SA to delete, one that the script adds with other keys */
	REQUIRE_EQ(run(&s, 0,
		       "add 10.0.0.1 10.0.0.2 esp 0x500 -E aes-cbc " KEY2 " -A hmac-sha256 "
		       AKEY2 ";\n"
		       "add 10.0.0.1 10.0.0.2 esp 0x501 -E aes-cbc " KEY2 " -A hmac-sha256 "
		       AKEY2 ";\n"), PFK_RUN_OK);
	/* b adds SAs until a's queue (a reads nothing) is full: the
	 * engine has dropped broadcasts to a */
	for (rounds = 0; rounds < 400; rounds++) {
		o = 0;
		for (i = 0; i < 1000; i++)
			o += (size_t)snprintf(text + o, cap - o,
					      "add 10.5.0.1 10.5.0.2 esp %#x -E null;\n",
					      0x100000 + rounds * 1000 + i);
		REQUIRE_EQ(run(&s, PFK_RUN_PIPELINE, text), PFK_RUN_OK);
		pfk_engine_sock_drained(a.eng, &a);
		if (a.lost)
			break;
	}
	REQUIRE(a.lost > 0);
	drops0 = a.lost;
	/* a's script, pipelined while its queue is full: the first
	 * window's replies are dropped and settled by GET */
	xa.timeout_ms = 300;
	memset(&s, 0, sizeof(s));
	s.x = &xa;
	o = 0;
	for (i = 1; i <= N; i++) {
		if (i == 10)
			o += (size_t)snprintf(text + o, cap - o,
					      "delete 10.0.0.1 10.0.0.2 esp 0x500;\n");
		else if (i == 20)	/* exists with other keys */
			o += (size_t)snprintf(text + o, cap - o,
					      "add 10.0.0.1 10.0.0.2 esp 0x501 -E aes-cbc " KEY1
					      " -A hmac-sha256 " AKEY1 ";\n");
		else if (i == 30)
			o += (size_t)snprintf(text + o, cap - o,
					      "spdadd 10.7.0.0/24 10.7.1.0/24 any -P out ipsec "
					      "esp/transport//require;\n");
		else
			o += (size_t)snprintf(text + o, cap - o,
					      "add 10.0.0.1 10.0.0.2 esp %#x -E null;\n", 0x2000 + i);
	}
	CHECK_EQ(run(&s, PFK_RUN_PIPELINE, text), PFK_RUN_FAILED);
	/* replies of a's were lost (nobody else wrote to a meanwhile) */
	CHECK(a.lost > drops0);
	/* ...and every statement still got its real result, once */
	CHECK_EQ(s.nfail, 1);
	CHECK_EQ(s.fail_line[0], 20);
	CHECK_EQ(s.fail_err[0], -EEXIST);
	CHECK_EQ(pfk_exec_inflight(&xa), 0);
	for (i = 1; i <= N; i++)
		if (i != 10 && i != 20 && i != 30 && get_sa(&xa, 0x2000 + (unsigned int)i, &b0))
			unit_failf(__FILE__, __LINE__, "statement %d: SA %#x missing", i, 0x2000 + i);
	CHECK_EQ(get_sa(&xa, 0x500, &b0), -ESRCH);
	CHECK_EQ(get_sa(&xa, 0x501, &b0), 0);
	CHECK_EQ(b0, 0xff);	/* the SA keeps its own keys */
	CHECK_EQ(count(&xa, true), 1);
	CHECK_EQ(run(&s, 0, "flush; spdflush;"), PFK_RUN_OK);
	close_conn(&a, &xa);
	close_conn(&b, &xb);
	free(text);
}

TEST(runner_prompt_runs_each_statement_as_it_parses)
{
	struct pfk_conn c;
	struct pfk_exec x;
	struct seen s = { .x = &x };
	struct pfk_runner *r;
	const char *text = "add 10.0.0.1 10.0.0.2 esp 0x1001 -E null;\n"
			   "bogus;\n"
			   "add 10.0.0.1 10.0.0.2 esp 0x1001 -E null;\n"
			   "add 10.0.0.1 10.0.0.2 esp 0x1002 -E null;\n"
			   "exit;\n"
			   "add 10.0.0.1 10.0.0.2 esp 0x1003 -E null;\n";
	int b0;

	REQUIRE_EQ(open_conn(&c, &x, 3006), 0);
	r = pfk_runner_new(&prompt_ops, &s, PFK_RUN_EACH, 0);
	REQUIRE(r);
	/* a syntax error skips its statement only; a failure does not stop */
	CHECK_EQ(pfk_runner_text(r, NULL, text, strlen(text)), PFK_RUN_OK);
	CHECK(pfk_runner_exited(r));
	pfk_runner_free(r);
	CHECK_EQ(s.nsyntax, 1);
	CHECK_EQ(s.syntax_line[0], 2);
	CHECK_EQ(s.nstmt, 4);		/* three adds and exit */
	CHECK_EQ(s.nfail, 1);
	CHECK_EQ(s.fail_line[0], 3);
	CHECK_EQ(get_sa(&x, 0x1002, &b0), 0);
	CHECK_EQ(get_sa(&x, 0x1003, &b0), -ESRCH);	/* after exit */
	CHECK_EQ(run(&s, 0, "flush;"), PFK_RUN_OK);
	close_conn(&c, &x);
}

TEST(runner_parse_all_is_the_same_loop)
{
	struct pfk_stmt *v = NULL;
	struct pfk_err errs[2];
	size_t n = 0;
	const char *text = "get 10.0.0.1 10.0.0.2 esp 0x1001;\nbogus;\nflush;\nx;\ny;\n";

	/* stops at max_errs errors: the third one is not seen */
	CHECK_EQ(pfk_stmt_parse_all(text, strlen(text), &v, &n, errs, 2), 2);
	CHECK_EQ(n, 2);
	CHECK_EQ(errs[0].line, 2);
	CHECK_EQ(errs[1].line, 4);
	CHECK_EQ(v[1].cmd, PFK_CMD_FLUSH);
	pfk_stmt_free_all(v, n);
}
