// SPDX-License-Identifier: BSD-2-Clause
/*
 * path.c: where keyd listens by default. The rule must stay identical to
 * libpfkey's pfk_keyd_default_path() (src/lib/pfk.h), which clients use:
 * /run/keyd.sock for root (whatever XDG_RUNTIME_DIR says), else
 * $XDG_RUNTIME_DIR/keyd.sock, else no default (-EDESTADDRREQ: a socket in
 * a shared directory such as /tmp could be bound first by another user).
 * keyd does not link libpfkey, hence the copy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "keyd.h"

int keyd_path_default(char *buf, size_t cap)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (geteuid() == 0)
		n = snprintf(buf, cap, "/run/keyd.sock");
	else if (xdg && *xdg)
		n = snprintf(buf, cap, "%s/keyd.sock", xdg);
	else
		return -EDESTADDRREQ;
	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	return 0;
}

int keyd_path_ctl(const char *path, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s.ctl", path);

	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	return 0;
}
