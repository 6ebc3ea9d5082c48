// SPDX-License-Identifier: BSD-2-Clause
/* main.c: runs every registered unit case; prints "N passed, N failed". */
#include <stdarg.h>
#include <stdlib.h>
#include "unit.h"

static struct unit_case *cases, **tail = &cases;
static bool cur_failed;

void unit_register(struct unit_case *c)
{
	*tail = c;
	tail = &c->next;
}

void unit_fail(const char *file, int line, const char *expr)
{
	printf("    %s:%d: check failed: %s\n", file, line, expr);
	cur_failed = true;
}

void unit_failf(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("    %s:%d: check failed: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	cur_failed = true;
}

int main(int argc, char **argv)
{
	unsigned int pass = 0, fail = 0;
	struct unit_case *c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (c = cases; c; c = c->next) {
		if (argc > 1 && !strstr(c->name, argv[1]) && !strstr(c->file, argv[1]))
			continue;
		cur_failed = false;
		c->fn();
		printf("%s %s\n", cur_failed ? "not ok" : "ok", c->name);
		if (cur_failed)
			fail++;
		else
			pass++;
	}
	printf("%u passed, %u failed\n", pass, fail);
	return fail ? 1 : 0;
}
