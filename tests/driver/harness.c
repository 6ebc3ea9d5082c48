// SPDX-License-Identifier: BSD-2-Clause
/*
 * harness.c: keyd processes and client sockets for the driver. Each keyd
 * gets a mkdtemp directory holding its socket, control socket, state file
 * and stderr log; KEYSH_VALGRIND=1 wraps it in valgrind. In kernel mode
 * (driver --kernel) there is no keyd: clients are PF_KEY sockets and the
 * kernel's SADB/SPD are flushed before and after each case, so no case sees
 * another's leftovers and the VM suite's later steps start empty.
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

static int kernel_socket(void)
{
	int fd = socket(PF_KEY, SOCK_RAW | SOCK_CLOEXEC, PF_KEY_V2);

	return fd < 0 ? -errno : fd;
}

/* FLUSH then SPDFLUSH on a private socket, each answered before the next.
 * 0 or -errno (send failure, no reply, or an error reply). */
static int kernel_flush(void)
{
	static const uint8_t types[] = { SADB_FLUSH, SADB_X_SPDFLUSH };
	uint8_t buf[65536];
	struct mb m;
	unsigned int i;
	int fd = kernel_socket(), ret = 0;

	if (fd < 0)
		return fd;
	for (i = 0; i < sizeof(types) && !ret; i++) {
		mb_simple(&m, types[i], SADB_SATYPE_UNSPEC, 0x7fff0000u + i);
		ret = drv_send(fd, m.b, m.len);
		while (!ret) {
			const struct sadb_msg *h = (const void *)buf;
			int n = drv_recv(fd, buf, sizeof(buf), 2000);

			if (n < 0)
				ret = n;
			else if (n >= (int)sizeof(*h) && h->sadb_msg_type == types[i] &&
				 h->sadb_msg_seq == 0x7fff0000u + i)
				ret = h->sadb_msg_errno ? -h->sadb_msg_errno : 1;
		}
		ret = ret == 1 ? 0 : ret;
	}
	close(fd);
	return ret;
}

int drv_keyd_start(struct keyd *k, bool with_state, const char *const *extra)
{
	memset(k, 0, sizeof(*k));
	k->pid = -1;
	if (drv_kernel)
		return -EOPNOTSUPP;
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
	if (drv_kernel)
		return kernel_socket();
	return connect_path(k->sock, SOCK_SEQPACKET);
}

int drv_ctl(const struct keyd *k, const char *line, char *out, size_t cap)
{
	char buf[512];
	size_t len = 0;
	int fd;

	if (drv_kernel)
		return -EOPNOTSUPP;	/* callers skip in kernel mode */
	fd = connect_path(k->ctl, SOCK_STREAM);
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
	int i, ret;

	if (drv_kernel) {
		memset(k, 0, sizeof(*k));
		k->pid = -1;
		ret = kernel_flush();
	} else {
		ret = drv_keyd_start(k, false, NULL);
	}
	if (ret && drv_kernel) {
		drv_fail(__FILE__, __LINE__, "kernel PF_KEY flush: %s", strerror(-ret));
		return false;
	}
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
			if (!drv_kernel)
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
	if (drv_kernel) {
		int ret = kernel_flush();

		if (ret)
			drv_fail(__FILE__, __LINE__, "kernel PF_KEY flush: %s", strerror(-ret));
		return;
	}
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
