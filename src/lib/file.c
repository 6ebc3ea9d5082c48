// SPDX-License-Identifier: BSD-2-Clause
/*
 * file.c: files that may hold keys (keysh save, keytui export). The text is
 * written to a new temporary file in the target's directory, created 0600
 * with O_CREAT|O_EXCL|O_NOFOLLOW whatever the umask, synced, then renamed
 * over the target. So nothing is ever written into an existing file (a
 * symlink is replaced, not followed; an existing file keeps neither its
 * mode nor its owner), and a target owned by another user is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "pfk.h"

int pfk_file_open(struct pfk_file *f, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	struct stat sb;
	int tries, ret;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (!*path || (slash && !slash[1]))
		return -EISDIR;
	if (snprintf(f->path, sizeof(f->path), "%s", path) >= (int)sizeof(f->path))
		return -ENAMETOOLONG;
	if (!lstat(path, &sb)) {
		if (S_ISDIR(sb.st_mode))
			return -EISDIR;
		if (sb.st_uid != geteuid())
			return -EPERM;
	} else if (errno != ENOENT) {
		return -errno;
	}
	for (tries = 0; tries < 16; tries++) {
		uint32_t r = 0;

		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (uint32_t)getpid() * 2654435761u + (uint32_t)tries;
		if (snprintf(f->tmp, sizeof(f->tmp), "%.*s.%s.%08x.tmp", (int)dirlen, path,
			     path + dirlen, r) >= (int)sizeof(f->tmp))
			return -ENAMETOOLONG;
		f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (f->fd >= 0)
			break;
		if (errno != EEXIST)
			return -errno;
	}
	if (f->fd < 0)
		return -EEXIST;
	/* O_CREAT applied the umask: make sure it is exactly 0600. */
	if (fchmod(f->fd, 0600) < 0) {
		ret = -errno;
		pfk_file_abort(f);
		return ret;
	}
	return 0;
}

int pfk_file_commit(struct pfk_file *f)
{
	int ret = 0;

	if (f->fd < 0)
		return -EBADF;
	if (fsync(f->fd) < 0)
		ret = -errno;
	if (close(f->fd) < 0 && !ret)
		ret = -errno;
	f->fd = -1;
	if (!ret && rename(f->tmp, f->path) < 0)
		ret = -errno;
	if (ret)
		unlink(f->tmp);
	f->tmp[0] = '\0';
	return ret;
}

void pfk_file_abort(struct pfk_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->tmp[0])
		unlink(f->tmp);
	f->tmp[0] = '\0';
}
