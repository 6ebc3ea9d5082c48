// SPDX-License-Identifier: BSD-2-Clause
/*
 * harness.c: keyd processes and client sockets for the driver. Each keyd
 * gets a mkdtemp directory holding its socket, control socket, state file
 * and stderr log; KEYSH_VALGRIND=1 wraps it in valgrind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "drv.h"

static bool valgrind(void)
{
	const char *v = getenv("KEYSH_VALGRIND");

	return v && !strcmp(v, "1");
}

static int connect_path(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static int spawn(struct keyd *k, const char *const *extra)
{
	const char *argv[32];
	int n = 0, i, waited;

	if (valgrind()) {
		argv[n++] = "valgrind";
		argv[n++] = "--quiet";
		argv[n++] = "--error-exitcode=99";
		argv[n++] = "--track-origins=yes";
		argv[n++] = "--leak-check=full";
		argv[n++] = "--errors-for-leak-kinds=definite";
	}
	argv[n++] = drv_keyd_bin;
	argv[n++] = "--foreground";
	argv[n++] = "--socket";
	argv[n++] = k->sock;
	if (k->with_state) {
		argv[n++] = "--state";
		argv[n++] = k->state;
		argv[n++] = "--save-delay";
		argv[n++] = "20";
	}
	for (i = 0; extra && extra[i] && n < 30; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;

	k->pid = fork();
	if (k->pid < 0)
		return -errno;
	if (k->pid == 0) {
		int fd = open(k->log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	/* Wait until it accepts (valgrind needs a while to start). */
	for (waited = 0; waited < 30000; waited += 10) {
		int st, fd;

		if (waitpid(k->pid, &st, WNOHANG) == k->pid) {
			k->pid = -1;
			return -ECHILD;
		}
		fd = connect_path(k->sock, SOCK_SEQPACKET);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		usleep(10000);
	}
	kill(k->pid, SIGKILL);
	waitpid(k->pid, NULL, 0);
	k->pid = -1;
	return -ETIMEDOUT;
}

int drv_keyd_start(struct keyd *k, bool with_state, const char *const *extra)
{
	memset(k, 0, sizeof(*k));
	k->pid = -1;
	strcpy(k->dir, "/tmp/keyd-drv.XXXXXX");
	if (!mkdtemp(k->dir))
		return -errno;
	snprintf(k->sock, sizeof(k->sock), "%s/keyd.sock", k->dir);
	snprintf(k->ctl, sizeof(k->ctl), "%s.ctl", k->sock);
	snprintf(k->state, sizeof(k->state), "%s/state", k->dir);
	snprintf(k->log, sizeof(k->log), "%s/stderr", k->dir);
	k->with_state = with_state;
	return spawn(k, extra);
}

int drv_keyd_restart(struct keyd *k)
{
	return spawn(k, NULL);
}

int drv_keyd_term(struct keyd *k)
{
	int st, i;

	if (k->pid <= 0)
		return -1;
	kill(k->pid, SIGTERM);
	for (i = 0; i < 3000; i++) {	/* 30 s: valgrind's leak check is slow */
		if (waitpid(k->pid, &st, WNOHANG) == k->pid) {
			k->pid = -1;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		usleep(10000);
	}
	kill(k->pid, SIGKILL);
	waitpid(k->pid, NULL, 0);
	k->pid = -1;
	return -1;
}

static void rmdir_all(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static void show_log(const struct keyd *k)
{
	char line[512];
	FILE *f = fopen(k->log, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("    keyd: %s", line);
	fclose(f);
}

void drv_keyd_stop(struct keyd *k)
{
	int st = drv_keyd_term(k);

	if (st != 0) {
		drv_fail(__FILE__, __LINE__, "keyd exit status %d%s", st,
			 st == 99 ? " (valgrind errors)" : "");
		show_log(k);
	}
	rmdir_all(k->dir);
}

int drv_connect(const struct keyd *k)
{
	return connect_path(k->sock, SOCK_SEQPACKET);
}

int drv_ctl(const struct keyd *k, const char *line, char *out, size_t cap)
{
	char buf[512];
	size_t len = 0;
	int fd = connect_path(k->ctl, SOCK_STREAM);

	if (fd < 0)
		return fd;
	snprintf(buf, sizeof(buf), "%s\n", line);
	if (send(fd, buf, strlen(buf), MSG_NOSIGNAL) != (ssize_t)strlen(buf)) {
		close(fd);
		return -EIO;
	}
	while (len < cap - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0)
			break;
		n = recv(fd, out + len, cap - 1 - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(out, '\n', len))
			break;
	}
	close(fd);
	out[len] = '\0';
	if (len && out[len - 1] == '\n')
		out[len - 1] = '\0';
	return len ? 0 : -EIO;
}

long long drv_stat(const struct keyd *k, const char *name)
{
	char out[512], key[64], *p;

	if (drv_ctl(k, "stats", out, sizeof(out)) || strncmp(out, "ok ", 3))
		return -1;
	snprintf(key, sizeof(key), " %s=", name);
	p = strstr(out, key);
	return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

int drv_send(int fd, const void *msg, size_t len)
{
	ssize_t n = send(fd, msg, len, MSG_NOSIGNAL);

	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

int drv_recv(int fd, void *buf, size_t cap, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int r;

	/* valgrind slows keyd down by an order of magnitude */
	r = poll(&p, 1, valgrind() && timeout_ms > 0 ? timeout_ms * 10 : timeout_ms);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	n = recv(fd, buf, cap, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	return (int)n;
}

bool drv_quiet(int fd, int ms)
{
	uint8_t buf[65536];

	return drv_recv(fd, buf, sizeof(buf), ms) == -ETIMEDOUT;
}

int drv_drain(int fd, int ms)
{
	uint8_t buf[65536];
	int n = 0;

	while (drv_recv(fd, buf, sizeof(buf), ms) > 0)
		n++;
	return n;
}

bool drv_up(struct keyd *k, int *fds, int n)
{
	int i, ret = drv_keyd_start(k, false, NULL);

	if (ret) {
		drv_fail(__FILE__, __LINE__, "keyd did not start: %s", strerror(-ret));
		return false;
	}
	for (i = 0; i < n; i++) {
		fds[i] = drv_connect(k);
		if (fds[i] < 0) {
			drv_fail(__FILE__, __LINE__, "connect: %s", strerror(-fds[i]));
			while (i-- > 0)
				close(fds[i]);
			drv_keyd_stop(k);
			return false;
		}
	}
	return true;
}

void drv_down(struct keyd *k, int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	drv_keyd_stop(k);
}

bool drv_roundtrip_at(int fd, const struct mb *m, uint8_t type, uint8_t err,
		      const char *file, int line)
{
	static struct rx r;
	int ret = drv_send(fd, m->b, m->len);

	if (ret) {
		drv_fail(file, line, "send: %s", strerror(-ret));
		return false;
	}
	return rx_expect(fd, &r, type, err, file, line);
}

bool drv_register_fd(int fd, uint8_t satype)
{
	struct mb m;

	mb_simple(&m, SADB_REGISTER, satype, 1);
	return drv_roundtrip(fd, &m, SADB_REGISTER, 0);
}
