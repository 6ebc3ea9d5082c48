// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_recover.c: a pipelined batch (pfk_exec_submit_msg, as `keysh -f`
 * sends it) from a client whose queue is full. Client A connects, a second
 * client floods ADDs until keyd has dropped broadcasts to A (A does not
 * read: its queue is full, keyd's drop count says so); A then sends a
 * window, waits until keyd has processed it (seen from the other client),
 * and sends the rest of the batch. keyd never drops a client's own replies
 * (issue 14: only broadcasts are lost to a full queue), so A's drop count
 * does not grow and every statement gets its real result, once, in order:
 * no false ETIMEDOUT, an ADD of an SA that exists (with other keys or the
 * same) EEXIST. The other clients run in
 * child processes: replies are matched by (pid, seq), and keyd's drop count
 * per pid ("stats PID") must be A's alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "drv.h"
#include "stmt.h"

#define NFIRST 48	/* 3 sendmmsg batches: all sent before A reads */
#define NTOTAL 160

static int results[NTOTAL], order_ok, ndone;

static void done_cb(void *ctx, size_t tag, int err)
{
	(void)ctx;
	if (tag >= NTOTAL || (int)tag != ndone)
		order_ok = 0;
	if (tag < NTOTAL)
		results[tag] = err ? err : 1;
	ndone++;
}

static const char *ka = "0x00112233445566778899aabbccddeeff";
static const char *kb = "0xffeeddccbbaa99887766554433221100";

/* Statement i of the batch (text in buf). */
static void stmt_text(int i, char *buf, size_t cap)
{
	if (i == 5)	/* exists (added by B) with other keys: EEXIST */
		snprintf(buf, cap, "add 10.9.0.1 10.9.0.2 esp 0x2000 -E aes-cbc %s;", ka);
	else if (i == 10)	/* exists: deleted */
		snprintf(buf, cap, "delete 10.9.0.1 10.9.0.2 esp 0x2001;");
	else if (i == 15)	/* exists identically: the reply (never lost) says EEXIST */
		snprintf(buf, cap, "add 10.9.0.1 10.9.0.2 esp 0x2002 -E aes-cbc %s;", kb);
	else if (i == 20 || i == 120)
		snprintf(buf, cap, "spdadd 10.%d.1.0/24 10.%d.2.0/24 any -P out ipsec "
			 "esp/transport//require;", i == 20 ? 8 : 7, i == 20 ? 8 : 7);
	else
		snprintf(buf, cap, "add 10.9.0.1 10.9.0.2 esp %d -E aes-cbc %s;", 0x3000 + i, ka);
}

static int parse1(const char *text, struct pfk_stmt *st)
{
	struct pfk_lex lx;
	struct pfk_err e;

	pfk_lex_init(&lx, text, strlen(text), 1);
	return pfk_stmt_parse(&lx, st, &e) == 1 ? 0 : -EINVAL;
}

/* Run one statement on the other client; 0 or -errno. */
static int run_b(struct pfk_exec *xb, const char *text)
{
	struct pfk_stmt st;
	int ret = parse1(text, &st);

	if (ret)
		return ret;
	ret = pfk_exec_run(xb, &st);
	pfk_stmt_wipe(&st);
	return ret;
}

static bool sa_present(struct pfk_exec *xb, int spi)
{
	char t[128];

	snprintf(t, sizeof(t), "get 10.9.0.1 10.9.0.2 esp %d;", spi);
	return run_b(xb, t) == 0;
}

/* keyd's drops to the connections of process pid, or -1. */
static long long drops_of(const struct keyd *k, pid_t pid)
{
	char line[64], out[128];
	const char *p;

	snprintf(line, sizeof(line), "stats %d", (int)pid);
	if (drv_ctl(k, line, out, sizeof(out)) || !(p = strstr(out, "drops=")))
		return -1;
	return atoll(p + 6);
}

/* The pre-existing SAs, then ADDs until keyd drops broadcasts to the
 * parent (A, not reading), then as many again. Child process. */
static int flood(const struct keyd *k)
{
	struct pfk_conn c;
	struct pfk_exec x;
	char t[256];
	int i, more = -1;

	if (pfk_conn_open(&c, PFK_BACKEND_KEYD, k->sock) || pfk_exec_init(&x, &c))
		return 1;
	snprintf(t, sizeof(t), "add 10.9.0.1 10.9.0.2 esp 0x2000 -E aes-cbc %s;", kb);
	if (run_b(&x, t) || run_b(&x, "add 10.9.0.1 10.9.0.2 esp 0x2001 -E null;"))
		return 2;
	snprintf(t, sizeof(t), "add 10.9.0.1 10.9.0.2 esp 0x2002 -E aes-cbc %s;", kb);
	if (run_b(&x, t))
		return 3;
	for (i = 0; i < 50000 && more != 0; i++) {
		snprintf(t, sizeof(t), "add 10.6.0.1 10.6.0.2 esp %d -E null;", 0x100000 + i);
		if (run_b(&x, t))
			return 4;
		if (more > 0)
			more--;
		else if (i % 50 == 49 && drops_of(k, getppid()) > 0)
			more = i;
	}
	return more == 0 ? 0 : 5;
}

/* Wait until the SA with spi is present (keyd processed the request that
 * adds it). Child process. */
static int wait_present(const struct keyd *k, int spi)
{
	struct pfk_conn c;
	struct pfk_exec x;
	int i;

	if (pfk_conn_open(&c, PFK_BACKEND_KEYD, k->sock) || pfk_exec_init(&x, &c))
		return 1;
	for (i = 0; i < 1000; i++) {
		if (sa_present(&x, spi))
			return 0;
		usleep(10000);
	}
	return 2;
}

static int in_child(const struct keyd *k, int (*fn)(const struct keyd *, int), int arg)
{
	pid_t p = fork();
	int st;

	if (p < 0)
		return -1;
	if (p == 0)
		_exit(fn(k, arg));
	if (waitpid(p, &st, 0) != p || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int flood_fn(const struct keyd *k, int arg)
{
	(void)arg;
	return flood(k);
}

DTEST(batch_lost_replies_settled)
{
	struct keyd k;
	struct pfk_conn ca, cb;
	struct pfk_exec xa, xb;
	struct pfk_dump d;
	uint8_t *msg[NTOTAL] = { 0 };
	size_t len[NTOTAL];
	long long drops0, drops1;
	char t[256];
	int i, ret;

	if (drv_keyd_only("knowing that the queue is full takes keyd's drop count"))
		return;
	REQUIRE_EQ(drv_keyd_start(&k, false, NULL), 0);
	REQUIRE_EQ(pfk_conn_open(&ca, PFK_BACKEND_KEYD, k.sock), 0);
	REQUIRE_EQ(pfk_exec_init(&xa, &ca), 0);
	xa.timeout_ms = 500;
	xa.on_done = done_cb;
	order_ok = 1;
	ndone = 0;
	/* A's queue full of other clients' broadcasts. */
	REQUIRE_EQ(in_child(&k, flood_fn, 0), 0);
	drops0 = drops_of(&k, getpid());
	REQUIRE(drops0 > 0);

	for (i = 0; i < NTOTAL; i++) {
		struct pfk_stmt st;
		struct pfk_buf b;

		stmt_text(i, t, sizeof(t));
		REQUIRE_EQ(parse1(t, &st), 0);
		msg[i] = malloc(PFKM_MSG_MAX);
		REQUIRE(msg[i]);
		b.p = msg[i];
		b.cap = PFKM_MSG_MAX;
		b.len = 0;
		ret = pfk_exec_build(&st, &b, 0, 0);
		pfk_stmt_wipe(&st);
		REQUIRE(ret > 0);
		len[i] = (size_t)ret;
	}
	for (i = 0; i < NFIRST; i++)
		CHECK_EQ(pfk_exec_submit_msg(&xa, msg[i], len[i], (size_t)i), 0);
	CHECK_EQ(pfk_exec_unsent(&xa), 0);	/* all sent */
	/* keyd has handled the window (one socket's requests in order) while
	 * A's queue was full: the replies are queued, not dropped. */
	REQUIRE_EQ(in_child(&k, wait_present, 0x3000 + NFIRST - 1), 0);
	drops1 = drops_of(&k, getpid());
	CHECK_EQ(drops1, drops0);
	CHECK_EQ(ndone, 0);
	/* The rest of the batch: sent after the loss is found and settled. */
	for (i = NFIRST; i < NTOTAL; i++)
		CHECK_EQ(pfk_exec_submit_msg(&xa, msg[i], len[i], (size_t)i), 0);
	CHECK_EQ(pfk_exec_drain(&xa), 0);
	/* Now B, in this process (A is done with its replies). */
	REQUIRE_EQ(pfk_conn_open(&cb, PFK_BACKEND_KEYD, k.sock), 0);
	REQUIRE_EQ(pfk_exec_init(&xb, &cb), 0);

	CHECK_EQ(ndone, NTOTAL);
	CHECK(order_ok);
	for (i = 0; i < NTOTAL; i++) {
		if (i == 5 || i == 15) {
			if (results[i] != -EEXIST)
				drv_fail(__FILE__, __LINE__, "statement %d: %d, want -EEXIST", i,
					 results[i]);
		} else if (results[i] != 1) {
			drv_fail(__FILE__, __LINE__, "statement %d: %d, want success", i,
				 results[i]);
		}
		if (i != 5 && i != 10 && i != 15 && i != 20 && i != 120 &&
		    !sa_present(&xb, 0x3000 + i))
			drv_fail(__FILE__, __LINE__, "SA %#x missing", 0x3000 + i);
	}
	CHECK(!sa_present(&xb, 0x2001));
	CHECK(sa_present(&xb, 0x2002));
	CHECK_EQ(pfk_exec_dump(&xb, true, PFK_SATYPE_UNSPEC, &d), 0);
	CHECK_EQ(d.n, 2);
	pfk_dump_free(&d);

	for (i = 0; i < NTOTAL; i++) {
		if (msg[i])
			explicit_bzero(msg[i], PFKM_MSG_MAX);
		free(msg[i]);
	}
	pfk_exec_fini(&xa);
	pfk_conn_close(&ca);
	pfk_exec_fini(&xb);
	pfk_conn_close(&cb);
	drv_keyd_stop(&k);
}
