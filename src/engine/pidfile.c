// SPDX-License-Identifier: BSD-2-Clause
/*
 * pidfile.c: --pidfile FILE. Written after keyd holds its state lock and
 * listens, removed at a clean exit. Never follows a symlink and never
 * writes into an existing file: a leftover regular file owned by keyd's uid
 * (a kill -9) is replaced, anything else (a symlink, a FIFO, another user's
 * file) is refused. The new file is created O_EXCL|O_NOFOLLOW, mode 0644.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "keyd.h"

int keyd_pidfile_write(const char *file)
{
	struct stat st;
	char buf[32];
	int fd, n, ret;

	if (lstat(file, &st) == 0) {
		if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
			keyd_log(KEYD_LOG_ERR, "pidfile %s: exists and is %s: refusing", file,
				 S_ISLNK(st.st_mode) ? "a symbolic link" :
				 !S_ISREG(st.st_mode) ? "not a regular file" :
				 "owned by another user");
			return -EEXIST;
		}
		if (unlink(file) < 0 && errno != ENOENT) {
			ret = -errno;
			keyd_log(KEYD_LOG_ERR, "pidfile %s: %s", file, strerror(errno));
			return ret;
		}
	}
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		keyd_log(KEYD_LOG_ERR, "pidfile %s: %s", file, strerror(errno));
		return ret;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	ret = keyd_state_write_all(fd, buf, (size_t)n);
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (ret) {
		keyd_log(KEYD_LOG_ERR, "pidfile %s: %s", file, strerror(-ret));
		unlink(file);
	}
	return ret;
}
