// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_daemon.c: keyd as a program: command line and exit statuses, socket
 * file modes, SO_PEERCRED, a second instance on a live socket, --daemon
 * with --pidfile and the clean shutdown on SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "drv.h"

static int run(const char *args, char *out, size_t cap)
{
	char cmd[1024];
	size_t n;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", drv_keyd_bin, args);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

DTEST(daemon_command_line)
{
	char out[4096];

	if (drv_keyd_only("keyd as a program (command line, socket files, daemon mode)"))
		return;
	CHECK_EQ(run("--version", out, sizeof(out)), 0);
	CHECK(!strncmp(out, "keyd ", 5));
	CHECK_EQ(run("--help", out, sizeof(out)), 0);
	CHECK(strstr(out, "--socket") && strstr(out, "--state") && strstr(out, "inject"));
	CHECK_EQ(run("--no-such-option", out, sizeof(out)), 2);
	CHECK_EQ(run("--save-delay x", out, sizeof(out)), 2);
	CHECK_EQ(run("inject out 10.0.0.1", out, sizeof(out)), 2);
	CHECK_EQ(run("--socket /nonexistent/dir/k.sock stats", out, sizeof(out)), 1);
}

DTEST(daemon_socket_modes)
{
	struct keyd k;
	struct stat st;
	int fd[1];

	if (drv_keyd_only("keyd as a program (command line, socket files, daemon mode)"))
		return;
	if (!drv_up(&k, fd, 1))
		return;
	REQUIRE_EQ(stat(k.sock, &st), 0);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0600);
	CHECK_EQ(st.st_uid, geteuid());
	REQUIRE_EQ(stat(k.ctl, &st), 0);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0600);
	drv_down(&k, fd, 1);
	CHECK(access(k.sock, F_OK) != 0 && access(k.ctl, F_OK) != 0);
}

/* In a child running as nobody: connect and try one REGISTER. Exit 0 if
 * keyd refused (connect denied or connection closed), 1 if it answered. */
static int as_nobody(const char *path, bool expect_connect)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		struct keyd fake;
		struct mb m;
		struct rx *r = malloc(sizeof(*r));
		int fd, ret;

		if (setgid(65534) || setuid(65534))
			_exit(3);
		memset(&fake, 0, sizeof(fake));
		strcpy(fake.sock, path);
		fd = drv_connect(&fake);
		if (fd < 0)
			_exit(expect_connect ? 2 : 0);
		if (!expect_connect)
			_exit(1);
		mb_simple(&m, SADB_REGISTER, SADB_SATYPE_ESP, 1);
		drv_send(fd, m.b, m.len);
		ret = rx_get(fd, r, 2000);
		_exit(ret == 0 ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

DTEST(daemon_peercred)
{
	struct keyd k;
	int fd[1];
	struct mb m;

	if (drv_keyd_only("keyd as a program (command line, socket files, daemon mode)"))
		return;
	if (geteuid() != 0) {
		drv_skip("needs root to act as another uid");
		return;
	}
	if (!drv_up(&k, fd, 1))
		return;
	chmod(k.dir, 0711);
	/* Mode 0600: another uid cannot even connect. */
	CHECK_EQ(as_nobody(k.sock, false), 0);
	/* Opened up by hand: SO_PEERCRED still turns it away. */
	chmod(k.sock, 0666);
	CHECK_EQ(as_nobody(k.sock, true), 0);
	/* root (keyd's uid) is served. */
	mb_simple(&m, SADB_DUMP, SADB_SATYPE_UNSPEC, 1);
	CHECK(drv_roundtrip(fd[0], &m, SADB_DUMP, ENOENT));
	drv_down(&k, fd, 1);
}

DTEST(daemon_second_instance_refused)
{
	struct keyd k;
	int fd[1];
	char out[4096], args[512];
	struct mb m;

	if (drv_keyd_only("keyd as a program (command line, socket files, daemon mode)"))
		return;
	if (!drv_up(&k, fd, 1))
		return;
	snprintf(args, sizeof(args), "--foreground --socket %s", k.sock);
	CHECK_EQ(run(args, out, sizeof(out)), 1);
	CHECK(strstr(out, "another keyd") != NULL);
	mb_simple(&m, SADB_DUMP, SADB_SATYPE_UNSPEC, 1);
	CHECK(drv_roundtrip(fd[0], &m, SADB_DUMP, ENOENT));
	drv_down(&k, fd, 1);
}

DTEST(daemon_detach_pidfile)
{
	char dir[] = "/tmp/keyd-drv.XXXXXX", args[512], out[512], pidf[128], sock[128];
	FILE *f;
	int pid = 0, i;

	if (drv_keyd_only("keyd as a program (command line, socket files, daemon mode)"))
		return;
	REQUIRE(mkdtemp(dir));
	snprintf(pidf, sizeof(pidf), "%s/keyd.pid", dir);
	snprintf(sock, sizeof(sock), "%s/k.sock", dir);
	snprintf(args, sizeof(args), "--daemon --pidfile %s --socket %s", pidf, sock);
	/* The parent returns only once the daemon listens. */
	CHECK_EQ(run(args, out, sizeof(out)), 0);
	CHECK(access(sock, F_OK) == 0);
	f = fopen(pidf, "r");
	REQUIRE(f);
	CHECK_EQ(fscanf(f, "%d", &pid), 1);
	fclose(f);
	REQUIRE(pid > 1);
	CHECK_EQ(kill(pid, 0), 0);
	kill(pid, SIGTERM);
	for (i = 0; i < 500 && kill(pid, 0) == 0; i++)
		usleep(10000);
	CHECK(kill(pid, 0) != 0);
	CHECK(access(sock, F_OK) != 0);
	CHECK(access(pidf, F_OK) != 0);
	rmdir(dir);
}
