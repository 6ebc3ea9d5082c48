// SPDX-License-Identifier: BSD-2-Clause
/*
 * backend.c: choosing and opening the backend. auto: the kernel's PF_KEY
 * socket when there is one; EPERM is reported with the CAP_NET_ADMIN hint;
 * EAFNOSUPPORT falls back to keyd on its default socket, starting keyd (the
 * binary next to keysh, else $PATH) when nobody listens. The fallback is
 * announced once on stderr so scripts know which SADB they changed.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <limits.h>
#include <time.h>
#include <sys/wait.h>

#include "ksh.h"

/* keyd next to our own executable, else "keyd" for execvp's $PATH search. */
static void keyd_binary(char *buf, size_t cap)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if ((size_t)snprintf(buf, cap, "%.*s/keyd", (int)(cap - 6), self) < cap &&
			    access(buf, X_OK) == 0)
				return;
		}
	}
	snprintf(buf, cap, "keyd");
}

/* Double fork so keyd is reparented to init and never becomes our zombie. */
static int start_keyd(const char *path)
{
	char bin[PATH_MAX];
	pid_t pid;
	int st;

	keyd_binary(bin, sizeof(bin));
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd;

		if (fork() != 0)
			_exit(0);
		setsid();
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		execlp(bin, bin, "--socket", path, "--foreground", (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return 0;
}

static int connect_keyd(struct ksh *k, const char *path, bool may_start, bool announce)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int ret, i;

	ret = pfk_conn_open(&k->conn, PFK_BACKEND_KEYD, path);
	if (!ret) {
		if (announce)
			fprintf(stderr, "keysh: no PF_KEY in this kernel; using keyd on %s\n", path);
		return 0;
	}
	if (!may_start || (ret != -ENOENT && ret != -ECONNREFUSED))
		return ret;
	ret = start_keyd(path);
	if (ret)
		return ret;
	for (i = 0; i < 150; i++) {
		nanosleep(&ts, NULL);
		ret = pfk_conn_open(&k->conn, PFK_BACKEND_KEYD, path);
		if (!ret) {
			fprintf(stderr, "keysh: no PF_KEY in this kernel; started keyd on %s\n", path);
			return 0;
		}
	}
	return ret;
}

int ksh_backend_connect(struct ksh *k)
{
	char path[108];
	int ret;

	if (k->connected)
		return KSH_EXIT_OK;
	if (k->socket)
		snprintf(path, sizeof(path), "%s", k->socket);
	else if ((ret = pfk_keyd_default_path(path, sizeof(path))) < 0)
		goto err;

	switch (k->backend) {
	case PFK_BACKEND_KERNEL:
		ret = pfk_conn_open(&k->conn, PFK_BACKEND_KERNEL, NULL);
		break;
	case PFK_BACKEND_KEYD:
		ret = connect_keyd(k, path, false, false);
		break;
	default:
		ret = pfk_conn_open(&k->conn, PFK_BACKEND_KERNEL, NULL);
		if (ret == -EAFNOSUPPORT || ret == -EPROTONOSUPPORT)
			ret = connect_keyd(k, path, !k->no_spawn, true);
		break;
	}
	if (ret)
		goto err;
	ret = pfk_exec_init(&k->exec, &k->conn);
	if (ret) {
		pfk_conn_close(&k->conn);
		goto err;
	}
	k->connected = true;
	return KSH_EXIT_OK;

err:
	if (ret == -EPERM || ret == -EACCES)
		fprintf(stderr, "keysh: cannot open a PF_KEY socket: %s; it needs CAP_NET_ADMIN (run as root)\n",
			strerror(-ret));
	else if (k->backend == PFK_BACKEND_KERNEL)
		fprintf(stderr, "keysh: cannot open a PF_KEY socket: %s (%s)\n", strerror(-ret),
			strerrorname_np(-ret) ? strerrorname_np(-ret) : "?");
	else
		fprintf(stderr, "keysh: cannot connect to keyd on %s: %s (%s)\n", path, strerror(-ret),
			strerrorname_np(-ret) ? strerrorname_np(-ret) : "?");
	return KSH_EXIT_BACKEND;
}

void ksh_backend_close(struct ksh *k)
{
	if (!k->connected)
		return;
	pfk_exec_fini(&k->exec);
	pfk_conn_close(&k->conn);
	k->connected = false;
}
