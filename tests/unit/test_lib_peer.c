// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_lib_peer.c: pfk_policy_peer, the other end's policies (keysh
 * --peer): direction swapped, selectors and requests kept, the fwd only a
 * tunnel gateway for a network needs.
 */
#include <string.h>
#include <arpa/inet.h>
#include "unit.h"
#include "stmt.h"

static struct pfk_policy pol(const char *text)
{
	struct pfk_stmt st;
	struct pfk_lex lx;
	struct pfk_err e;

	memset(&st, 0, sizeof(st));
	pfk_lex_init(&lx, text, strlen(text), 1);
	if (pfk_stmt_parse(&lx, &st, &e) != 1)
		unit_failf(__FILE__, __LINE__, "'%s': %s", text, e.msg);
	return st.pol;
}

TEST(lib_policy_peer)
{
	struct pfk_policy p, out[2];

	/* gateway tunnel for a network: in + fwd, selectors and request kept */
	p = pol("spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec "
		"esp/tunnel/192.0.2.1-192.0.2.2/unique:7 ;");
	REQUIRE_EQ(pfk_policy_peer(&p, out), 2);
	CHECK_EQ(out[0].dir, PFK_DIR_IN);
	CHECK_EQ(out[1].dir, PFK_DIR_FWD);
	CHECK_EQ(out[0].src.prefixlen, 16);
	CHECK_MEM(&out[0].src.a, &p.src.a, 4);
	CHECK_MEM(&out[0].dst.a, &p.dst.a, 4);
	CHECK_MEM(&out[1].req[0], &p.req[0], sizeof(p.req[0]));
	CHECK_EQ(out[0].req[0].reqid, 7);
	/* in -> out only */
	p = pol("spdadd 10.2.0.0/16 10.1.0.0/16 any -P in ipsec esp/tunnel/192.0.2.2-192.0.2.1/require ;");
	REQUIRE_EQ(pfk_policy_peer(&p, out), 1);
	CHECK_EQ(out[0].dir, PFK_DIR_OUT);
	/* fwd: nothing */
	p.dir = PFK_DIR_FWD;
	CHECK_EQ(pfk_policy_peer(&p, out), 0);
	/* transport, and a host-to-host tunnel ending at the selector: no fwd */
	p = pol("spdadd 10.0.0.1 10.0.0.2 tcp -P out ipsec esp/transport//require ;");
	REQUIRE_EQ(pfk_policy_peer(&p, out), 1);
	CHECK_EQ(out[0].dir, PFK_DIR_IN);
	p = pol("spdadd 2001:db8::1 2001:db8::2 any -P out ipsec esp/tunnel/2001:db8::1-2001:db8::2/require ;");
	CHECK_EQ(pfk_policy_peer(&p, out), 1);
	/* a tunnel to a host behind the gateway: fwd */
	p = pol("spdadd 2001:db8::1 2001:db8:2::5 any -P out ipsec esp/tunnel/2001:db8::1-2001:db8::2/require ;");
	CHECK_EQ(pfk_policy_peer(&p, out), 2);
	/* discard / none mirror without fwd */
	p = pol("spdadd 10.1.0.0/16 10.2.0.0/16 any -P out discard ;");
	REQUIRE_EQ(pfk_policy_peer(&p, out), 1);
	CHECK_EQ(out[0].action, PFK_ACTION_DISCARD);
}
