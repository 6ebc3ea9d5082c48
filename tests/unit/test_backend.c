// SPDX-License-Identifier: BSD-2-Clause
/* test_backend.c: the backend choice of libpfkey (src/lib/backend.c): names,
 * auto on this host, the default keyd socket for root and for a user, the
 * SO_PEERCRED owner check against a socket served by another uid, the user
 * messages; and the in-process engine transport (src/lib/engine.c) on the
 * memory store: replies, broadcasts between two connections, pipelined
 * batches and a dump larger than a default socket buffer. */
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include "unit.h"
#include "pfk.h"
#include "stmt.h"
#include "engine.h"

#ifndef PF_KEY
#define PF_KEY 15
#endif

#define NOBODY 65534

TEST(backend_names)
{
	enum pfk_backend b;
	static const char *const n[] = { "auto", "pfkey", "xfrm", "keyd" };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		REQUIRE_EQ(pfk_backend_parse(n[i], &b), 0);
		CHECK_STR(pfk_backend_name(b), n[i]);
	}
	CHECK_EQ(pfk_backend_parse("kernel", &b), 0);	/* the old name */
	CHECK_EQ(b, PFK_BACKEND_PFKEY);
	CHECK_EQ(pfk_backend_parse("netlink", &b), -EINVAL);
	CHECK_EQ(pfk_backend_parse("", &b), -EINVAL);
}

TEST(backend_resolve)
{
	int fd = socket(PF_KEY, SOCK_RAW, 2), err = errno;
	enum pfk_backend want;

	if (fd >= 0)
		close(fd);
	/* explicit choices stand, a socket does not override them */
	CHECK_EQ(pfk_backend_resolve(PFK_BACKEND_XFRM, NULL), PFK_BACKEND_XFRM);
	CHECK_EQ(pfk_backend_resolve(PFK_BACKEND_PFKEY, "/x"), PFK_BACKEND_PFKEY);
	CHECK_EQ(pfk_backend_resolve(PFK_BACKEND_KEYD, NULL), PFK_BACKEND_KEYD);
	/* auto: a socket means keyd, else never keyd */
	CHECK_EQ(pfk_backend_resolve(PFK_BACKEND_AUTO, "/x"), PFK_BACKEND_KEYD);
	want = fd >= 0 || err == EPERM || err == EACCES ? PFK_BACKEND_PFKEY : PFK_BACKEND_XFRM;
	CHECK_EQ(pfk_backend_resolve(PFK_BACKEND_AUTO, NULL), want);
	/* this host's kernel has no PF_KEY: auto is xfrm */
	if (fd < 0 && err == EAFNOSUPPORT)
		CHECK_EQ(pfk_backend_resolve(PFK_BACKEND_AUTO, NULL), PFK_BACKEND_XFRM);
}

/* Run fn as uid NOBODY in a child; its exit status (0 = all held). */
static int as_nobody(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
			_exit(100);
		_exit(fn(arg));
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int user_paths(void *arg)
{
	char buf[108];

	(void)arg;
	setenv("XDG_RUNTIME_DIR", "/run/user/65534", 1);
	if (pfk_keyd_default_path(buf, sizeof(buf)) || strcmp(buf, "/run/user/65534/keyd.sock"))
		return 1;
	unsetenv("XDG_RUNTIME_DIR");
	/* no /tmp fallback: nowhere is the answer */
	if (pfk_keyd_default_path(buf, sizeof(buf)) != -EDESTADDRREQ)
		return 2;
	setenv("XDG_RUNTIME_DIR", "", 1);
	if (pfk_keyd_default_path(buf, sizeof(buf)) != -EDESTADDRREQ)
		return 3;
	return 0;
}

TEST(backend_default_path)
{
	char *old = getenv("XDG_RUNTIME_DIR"), *save = old ? strdup(old) : NULL;
	char buf[108];

	if (geteuid() != 0) {
		/* a user: only XDG_RUNTIME_DIR */
		CHECK_EQ(user_paths(NULL), 0);
		goto out;
	}
	/* root: /run/keyd.sock, also with XDG_RUNTIME_DIR set (an ssh login) */
	setenv("XDG_RUNTIME_DIR", "/run/user/0", 1);
	CHECK_EQ(pfk_keyd_default_path(buf, sizeof(buf)), 0);
	CHECK_STR(buf, "/run/keyd.sock");
	CHECK_EQ(pfk_keyd_default_path(buf, 10), -ENAMETOOLONG);
	unsetenv("XDG_RUNTIME_DIR");
	CHECK_EQ(pfk_keyd_default_path(buf, sizeof(buf)), 0);
	CHECK_STR(buf, "/run/keyd.sock");
	CHECK_EQ(as_nobody(user_paths, NULL), 0);
out:
	if (save) {
		setenv("XDG_RUNTIME_DIR", save, 1);
		free(save);
	}
}

/* As nobody: listen on path, then wait for the parent to hang up on the
 * pipe (so the socket lives while the parent connects). */
struct foreign {
	const char *path;
	int ready[2];
};

static int serve_foreign(void *arg)
{
	struct foreign *f = arg;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	char c;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(fd, 4))
		return 1;
	close(f->ready[0]);
	if (write(f->ready[1], "1", 1) != 1)
		return 2;
	/* the parent closes its end of the pair when done: wait for that */
	while (read(f->ready[1], &c, 1) > 0)
		;
	unlink(f->path);
	return 0;
}

TEST(backend_peer_owner_refused)
{
	char dir[] = "/tmp/keysh-peer-XXXXXX", path[108], msg[512], c;
	struct foreign f = { .path = path };
	struct pfk_conn conn;
	pid_t pid;
	int st;

	if (geteuid() != 0) {
		printf("    (skipped: needs root to serve a socket as another uid)\n");
		return;
	}
	REQUIRE(mkdtemp(dir));
	REQUIRE(chmod(dir, 0777) == 0);
	snprintf(path, sizeof(path), "%s/keyd.sock", dir);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, f.ready) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
			_exit(100);
		_exit(serve_foreign(&f));
	}
	close(f.ready[1]);
	REQUIRE_EQ(read(f.ready[0], &c, 1), 1);

	/* root may connect (DAC does not stop it), but the server is nobody */
	CHECK_EQ(pfk_conn_open(&conn, PFK_BACKEND_KEYD, path), -EACCES);
	CHECK_EQ(conn.peer_uid, NOBODY);
	CHECK_EQ(conn.fd, -1);
	pfk_conn_explain(&conn, -EACCES, msg, sizeof(msg));
	CHECK(strstr(msg, "uid 65534") != NULL);
	CHECK(strstr(msg, path) != NULL);
	/* auto with --socket: the same check */
	CHECK_EQ(pfk_conn_open(&conn, PFK_BACKEND_AUTO, path), -EACCES);

	close(f.ready[0]);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	rmdir(dir);
}

TEST(backend_explain)
{
	struct pfk_conn c;
	char msg[512];

	memset(&c, 0, sizeof(c));
	c.peer_uid = (uint32_t)-1;
	c.backend = PFK_BACKEND_PFKEY;
	pfk_conn_explain(&c, -EPERM, msg, sizeof(msg));
	CHECK(strstr(msg, "CAP_NET_ADMIN") && strstr(msg, "--backend keyd"));
	pfk_conn_explain(&c, -EAFNOSUPPORT, msg, sizeof(msg));
	CHECK(strstr(msg, "no PF_KEY") != NULL);
	c.backend = PFK_BACKEND_XFRM;
	pfk_conn_explain(&c, -EPERM, msg, sizeof(msg));
	CHECK(strstr(msg, "XFRM netlink") && strstr(msg, "CAP_NET_ADMIN") &&
	      strstr(msg, "--backend keyd"));
	c.backend = PFK_BACKEND_KEYD;
	snprintf(c.path, sizeof(c.path), "/run/k.sock");
	pfk_conn_explain(&c, -ENOENT, msg, sizeof(msg));
	CHECK_STR(msg, "no keyd listens on /run/k.sock (ENOENT); start one with: "
		  "keyd --socket /run/k.sock --daemon");
	CHECK(pfk_conn_lost(&c, -ECONNRESET) && pfk_conn_lost(&c, -EPIPE));
	CHECK(!pfk_conn_lost(&c, -ETIMEDOUT));
	pfk_conn_explain(&c, -ECONNRESET, msg, sizeof(msg));
	CHECK(strstr(msg, "keyd on /run/k.sock went away") == msg);
	pfk_conn_explain(&c, -EDESTADDRREQ, msg, sizeof(msg));
	CHECK(strstr(msg, "XDG_RUNTIME_DIR") && strstr(msg, "--socket"));
	c.backend = PFK_BACKEND_PFKEY;
	CHECK(!pfk_conn_lost(&c, -ECONNRESET));	/* only a keyd goes away */
}

/* Parse and run text statement by statement on x; 0 or the first error. */
static int run(struct pfk_exec *x, const char *text)
{
	struct pfk_lex lx;
	struct pfk_stmt st;
	struct pfk_err e;
	int ret;

	pfk_lex_init(&lx, text, strlen(text), 1);
	for (;;) {
		memset(&e, 0, sizeof(e));
		ret = pfk_stmt_parse(&lx, &st, &e);
		if (ret <= 0)
			return ret < 0 ? -EINVAL : 0;
		ret = pfk_exec_run(x, &st);
		pfk_stmt_wipe(&st);
		if (ret)
			return ret;
	}
}

TEST(backend_engine_memory)
{
	struct pfk_conn a, b;
	struct pfk_exec x;
	uint8_t *buf = malloc(PFKM_MSG_MAX);
	struct pfk_msg *m = calloc(1, sizeof(*m));
	int n;

	REQUIRE(buf && m);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.fd = b.fd = -1;
	a.pid = 1111;
	REQUIRE_EQ(pfk_engine_sock_open(&a, NULL), 0);
	REQUIRE_EQ(pfk_engine_sock_open(&b, NULL), 0);
	REQUIRE_EQ(pfk_exec_init(&x, &a), 0);
	/* a reply to a, the ADD broadcast to b (a second PF_KEY socket) */
	CHECK_EQ(run(&x, "add 10.0.0.1 10.0.0.2 esp 0x1001 -m transport -E null;"), 0);
	n = pfk_conn_recv(&b, buf, PFKM_MSG_MAX, 1000);
	REQUIRE(n > 0);
	REQUIRE_EQ(pfk_parse(buf, (size_t)n, m), 0);
	CHECK_EQ(m->type, PFK_T_ADD);
	CHECK_EQ(m->sa.spi, 0x1001);
	CHECK_EQ(m->pid, 1111);
	pfk_msg_wipe(m);
	CHECK_EQ(pfk_conn_recv(&b, buf, PFKM_MSG_MAX, 0), -ETIMEDOUT);
	/* an error comes back as PF_KEY's errno, not a transport failure */
	CHECK_EQ(run(&x, "add 10.0.0.1 10.0.0.2 esp 0x1001 -m transport -E null;"), -EEXIST);
	CHECK_EQ(run(&x, "get 10.0.0.1 10.0.0.2 esp 0x9999;"), -ESRCH);
	pfk_exec_fini(&x);
	pfk_conn_close(&a);
	CHECK_EQ(a.eng, NULL);
	/* b still holds the engine: the SA is still there */
	REQUIRE_EQ(pfk_exec_init(&x, &b), 0);
	CHECK_EQ(run(&x, "get 10.0.0.1 10.0.0.2 esp 0x1001;"), 0);
	CHECK_EQ(run(&x, "flush;"), 0);
	pfk_exec_fini(&x);
	pfk_conn_close(&b);
	/* the last close destroyed it: a new engine starts empty */
	REQUIRE_EQ(pfk_engine_sock_open(&a, NULL), 0);
	REQUIRE_EQ(pfk_exec_init(&x, &a), 0);
	CHECK_EQ(run(&x, "get 10.0.0.1 10.0.0.2 esp 0x1001;"), -ESRCH);
	pfk_exec_fini(&x);
	pfk_conn_close(&a);
	free(m);
	free(buf);
}

static void on_done(void *ctx, size_t tag, int err)
{
	int *fails = ctx;

	(void)tag;
	if (err)
		(*fails)++;
}

TEST(backend_engine_pipeline_and_big_dump)
{
	enum { N = 3000 };
	struct pfk_dump d = { 0 };
	struct pfk_conn a;
	struct pfk_exec x;
	struct pfk_lex lx;
	struct pfk_stmt st;
	struct pfk_err e;
	char line[160];
	int i, fails = 0;

	memset(&a, 0, sizeof(a));
	a.fd = -1;
	a.pid = 2222;
	REQUIRE_EQ(pfk_engine_sock_open(&a, NULL), 0);
	REQUIRE_EQ(pfk_exec_init(&x, &a), 0);
	x.on_done = on_done;
	x.ctx = &fails;
	/* pipelined: sent in sendmmsg-sized batches, answered in order */
	for (i = 0; i < N; i++) {
		snprintf(line, sizeof(line),
			 "add 10.1.%d.%d 10.2.0.1 esp %d -m tunnel -E aes-gcm-16 0x%040x;",
			 i / 250, i % 250 + 1, 0x1000 + i, i);
		pfk_lex_init(&lx, line, strlen(line), 1);
		memset(&e, 0, sizeof(e));
		REQUIRE_EQ(pfk_stmt_parse(&lx, &st, &e), 1);
		REQUIRE(pfk_exec_pipelinable(&x, &st));
		CHECK_EQ(pfk_exec_submit(&x, &st, (size_t)i), 0);
		pfk_stmt_wipe(&st);
	}
	CHECK_EQ(pfk_exec_drain(&x), 0);
	CHECK_EQ(fails, 0);
	/* ~3000 SAs with keys: several times a default 208 KiB socket
	 * buffer; the engine's deeper one delivers them all, none lost */
	CHECK_EQ(pfk_exec_dump(&x, false, PFK_SATYPE_UNSPEC, &d), 0);
	CHECK_EQ(d.n, N);
	CHECK_EQ(a.lost, 0);
	pfk_dump_free(&d);
	CHECK_EQ(run(&x, "flush;"), 0);
	pfk_exec_fini(&x);
	pfk_conn_close(&a);
}

TEST(backend_hint_names_missing_kernel_support)
{
	struct pfk_conn c;
	struct pfk_stmt st;
	char buf[256];

	memset(&c, 0, sizeof(c));
	memset(&st, 0, sizeof(st));
	c.backend = PFK_BACKEND_XFRM;
	st.cmd = PFK_CMD_ADD;
	st.sa.satype = PFK_SATYPE_AH;
	REQUIRE_EQ(pfk_conn_hint(&c, &st, -EPROTONOSUPPORT, buf, sizeof(buf)), 1);
	CHECK(strstr(buf, "no AH") && strstr(buf, "CONFIG_INET_AH") && strstr(buf, "ah4"));
	st.sa.satype = PFK_SATYPE_ESP;
	REQUIRE_EQ(pfk_conn_hint(&c, &st, -EPROTONOSUPPORT, buf, sizeof(buf)), 1);
	CHECK(strstr(buf, "no ESP") && strstr(buf, "esp4"));
	st.sa.enc_alg = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-gcm-16")->id;
	REQUIRE_EQ(pfk_conn_hint(&c, &st, -ENOSYS, buf, sizeof(buf)), 1);
	CHECK(strstr(buf, "crypto has no aes-gcm-16 for xfrm") != NULL);
	/* other errors, other statements, keyd: no hint */
	CHECK_EQ(pfk_conn_hint(&c, &st, -EEXIST, buf, sizeof(buf)), 0);
	st.cmd = PFK_CMD_DELETE;
	CHECK_EQ(pfk_conn_hint(&c, &st, -EPROTONOSUPPORT, buf, sizeof(buf)), 0);
	st.cmd = PFK_CMD_ADD;
	c.backend = PFK_BACKEND_KEYD;
	CHECK_EQ(pfk_conn_hint(&c, &st, -EPROTONOSUPPORT, buf, sizeof(buf)), 0);
}
