// SPDX-License-Identifier: BSD-2-Clause
/*
 * main.c: runs every registered driver case against the keyd named by
 * argv[1], or against the kernel's PF_KEY when argv[1] is --kernel (only
 * the cases whose name contains argv[2], if given), and prints "ok"/"not
 * ok" per case and the summary line "N passed, N failed" last.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "drv.h"

const char *drv_keyd_bin;
bool drv_kernel;
static struct drv_case *cases, **tail = &cases;
static bool cur_failed, cur_skipped;

void drv_register(struct drv_case *c)
{
	*tail = c;
	tail = &c->next;
}

void drv_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("    %s:%d: check failed: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	cur_failed = true;
}

void drv_skip(const char *why)
{
	printf("    skipped: %s\n", why);
	cur_skipped = true;
}

bool drv_keyd_only(const char *why)
{
	if (!drv_kernel)
		return false;
	printf("    keyd only: %s\n", why);
	cur_skipped = true;
	return true;
}

bool drv_keyd_only_part(const char *why)
{
	if (drv_kernel)
		printf("    not run against the kernel (keyd only): %s\n", why);
	return drv_kernel;
}

int main(int argc, char **argv)
{
	unsigned int pass = 0, fail = 0, skip = 0;
	struct drv_case *c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && !strcmp(argv[1], "--kernel")) {
		drv_kernel = true;
		printf("# against the kernel's PF_KEY (no keyd)\n");
	} else if (argc < 2 || access(argv[1], X_OK)) {
		fprintf(stderr, "usage: driver PATH-TO-KEYD|--kernel [CASE-FILTER]\n");
		printf("0 passed, 1 failed\n");
		return 2;
	} else {
		drv_keyd_bin = argv[1];
	}
	if (getenv("KEYSH_VALGRIND") && !strcmp(getenv("KEYSH_VALGRIND"), "1"))
		printf("# keyd runs under valgrind --error-exitcode=99 --track-origins=yes\n");
	for (c = cases; c; c = c->next) {
		if (argc > 2 && !strstr(c->name, argv[2]))
			continue;
		cur_failed = cur_skipped = false;
		c->fn();
		if (cur_skipped && !cur_failed) {
			printf("ok %s # skip\n", c->name);
			skip++;
			continue;
		}
		printf("%s %s\n", cur_failed ? "not ok" : "ok", c->name);
		if (cur_failed)
			fail++;
		else
			pass++;
	}
	if (skip)
		printf("# %u skipped\n", skip);
	printf("%u passed, %u failed\n", pass, fail);
	return fail ? 1 : 0;
}
