// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_stmt_describe.c: pfk_stmt_describe, the one formatter of "what
 * failed" in keysh's and keytui's backend error lines.
 */
#include <errno.h>
#include <string.h>
#include "unit.h"
#include "stmt.h"

static void described(const char *text, int err, const char *want)
{
	struct pfk_stmt st;
	struct pfk_lex lx;
	struct pfk_err e;
	char buf[256];
	int n;

	pfk_lex_init(&lx, text, strlen(text), 1);
	if (pfk_stmt_parse(&lx, &st, &e) != 1) {
		unit_failf(__FILE__, __LINE__, "'%s' does not parse: %s", text, e.msg);
		return;
	}
	n = pfk_stmt_describe(&st, err, buf, sizeof(buf));
	pfk_stmt_wipe(&st);
	if (strcmp(buf, want) || n != (int)strlen(want))
		unit_failf(__FILE__, __LINE__, "'%s' -> '%s' (%d), want '%s'", text, buf, n, want);
}

TEST(stmt_describe_every_kind)
{
	described("add 10.0.0.1 10.0.0.2 esp 0x1000 -E null;", -EEXIST,
		  "add esp 0x00001000: File exists (EEXIST)");
	described("update 10.0.0.1 10.0.0.2 esp-udp 4097 -E null;", 0, "update esp-udp 0x00001001");
	described("add 10.0.0.1 10.0.0.2 esp auto -E null;", -ESRCH,
		  "add esp auto: No such process (ESRCH)");
	described("delete 10.0.0.1 10.0.0.2 ah 0x200;", 0, "delete ah 0x00000200");
	/* a missing SA / policy in words, not "No such process" */
	described("delete 10.0.0.1 10.0.0.2 ah 0x200;", -ESRCH, "delete ah 0x00000200: no such SA (ESRCH)");
	described("get 10.0.0.1 10.0.0.2 esp 0x200;", -ENOENT, "get esp 0x00000200: no such SA (ENOENT)");
	described("spddelete 10.0.0.0/8 10.1.0.0/16 any -P out;", -ENOENT,
		  "spddelete 10.0.0.0/8 10.1.0.0/16 -P out: no such policy (ENOENT)");
	/* an algorithm the backend cannot run is named */
	described("add 10.0.0.1 10.0.0.2 esp 0x1000 -E twofish-cbc 0x00112233445566778899aabbccddeeff;",
		  -ENOSYS, "add esp 0x00001000: twofish-cbc not supported by this backend (ENOSYS)");
	described("add 10.0.0.1 10.0.0.2 ah 0x1000 -A hmac-sha1 0x0011223344556677889900112233445566778899;",
		  -ENOSYS, "add ah 0x00001000: hmac-sha1 not supported by this backend (ENOSYS)");
	described("deleteall 10.0.0.1 10.0.0.2 esp;", -EINVAL,
		  "deleteall 10.0.0.1 10.0.0.2 esp: Invalid argument (EINVAL)");
	described("getspi fe80::1 fe80::2 esp;", 0, "getspi fe80::1 fe80::2 esp");
	described("spdadd 10.0.0.0/24 10.0.1.0/24 any -P out discard;", -EEXIST,
		  "spdadd 10.0.0.0/24 10.0.1.0/24 -P out: File exists (EEXIST)");
	described("spddelete ::/0 ::/0 any -P in;", 0, "spddelete ::/0 ::/0 -P in");
	described("flush ah;", 0, "flush ah");
	described("flush;", 0, "flush");
	described("spdflush;", -EPERM, "spdflush: Operation not permitted (EPERM)");
}

TEST(stmt_describe_truncates_safely)
{
	struct pfk_stmt st;
	char small[8];

	memset(&st, 0, sizeof(st));
	st.cmd = PFK_CMD_ADD;
	st.sa.satype = PFK_SATYPE_ESP;
	st.sa.spi = 0x1000;
	memset(small, 'x', sizeof(small));
	pfk_stmt_describe(&st, -EEXIST, small, sizeof(small));
	CHECK(strcmp(small, "add esp") == 0);
	CHECK_EQ(pfk_stmt_describe(&st, 0, small, 0), 0);
}
