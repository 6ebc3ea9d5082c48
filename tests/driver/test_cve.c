// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_cve.c: regressions for the bug patterns of Linux af_key's CVEs,
 * driven through keyd, plus X_MIGRATE. Each case names its CVE; with
 * KEYSH_VALGRIND=1 every emitted byte is also checked for initialisation.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "drv.h"

static struct rx r, r2;

/* CVE-2013-2234 / CVE-2013-2237: flush notifications fully initialised. */
DTEST(cve_2013_2234_flush_notifications)
{
	struct keyd k;
	int fd[2];
	struct mb m;
	struct sadb_msg want;

	if (!drv_up(&k, fd, 2))
		return;
	mb_esp_sa(&m, SADB_ADD, 0x100, 1, "10.0.0.1", "10.0.0.2");
	CHECK(drv_roundtrip(fd[0], &m, SADB_ADD, 0));
	drv_drain(fd[1], 100);
	mb_simple(&m, SADB_FLUSH, SADB_SATYPE_ESP, 77);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	memset(&want, 0, sizeof(want));
	want.sadb_msg_version = PF_KEY_V2;
	want.sadb_msg_type = SADB_FLUSH;
	want.sadb_msg_satype = SADB_SATYPE_ESP;
	want.sadb_msg_len = 2;
	want.sadb_msg_seq = 77;
	want.sadb_msg_pid = DRV_PID;
	/* sender: unicast copy + notification; the other socket: notification */
	for (int i = 0; i < 3; i++)
		if (RX_EXPECT(fd[i < 2 ? 0 : 1], &r, SADB_FLUSH, 0)) {
			CHECK_EQ(r.len, 16);
			CHECK(!memcmp(r.b, &want, sizeof(want)));
		}
	/* CVE-2013-2237: the policy flush notification. */
	mb_esp_policy(&m, SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.0.0.1", "10.0.0.2", 2);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDADD, 0));
	drv_drain(fd[1], 100);
	mb_simple(&m, SADB_X_SPDFLUSH, SADB_SATYPE_UNSPEC, 78);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	want.sadb_msg_type = SADB_X_SPDFLUSH;
	want.sadb_msg_satype = SADB_SATYPE_UNSPEC;
	want.sadb_msg_seq = 78;
	for (int i = 0; i < 3; i++)
		if (RX_EXPECT(fd[i < 2 ? 0 : 1], &r, SADB_X_SPDFLUSH, 0)) {
			CHECK_EQ(r.len, 16);
			CHECK(!memcmp(r.b, &want, sizeof(want)));
		}
	drv_down(&k, fd, 2);
}

/* CVE-2021-0605: X_FILTER prefix lengths beyond an address -> EINVAL. */
DTEST(cve_2021_0605_filter_bounds)
{
	struct keyd k;
	int fd[1];
	struct mb m;
	static const uint8_t bad[][2] = { { 128, 0 }, { 0, 128 }, { 200, 8 }, { 255, 255 } };

	if (!drv_up(&k, fd, 1))
		return;
	mb_esp_sa(&m, SADB_ADD, 0x100, 1, "10.0.0.1", "10.0.0.2");
	CHECK(drv_roundtrip(fd[0], &m, SADB_ADD, 0));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mb_hdr(&m, SADB_DUMP, SADB_SATYPE_UNSPEC, 2);
		mb_filter(&m, AF_INET, bad[i][0], bad[i][1]);
		mb_done(&m);
		CHECK(drv_roundtrip(fd[0], &m, SADB_DUMP, EINVAL));
	}
	/* In range: the filtered dump works and finds the SA. */
	mb_hdr(&m, SADB_DUMP, SADB_SATYPE_UNSPEC, 3);
	mb_filter(&m, AF_INET, 8, 8);
	((struct sadb_x_filter *)(void *)(m.b + 16))->sadb_x_filter_saddr[0] = htonl(0x0a000000);
	((struct sadb_x_filter *)(void *)(m.b + 16))->sadb_x_filter_daddr[0] = htonl(0x0a000000);
	mb_done(&m);
	CHECK(drv_roundtrip(fd[0], &m, SADB_DUMP, 0));
	drv_down(&k, fd, 1);
}

/* CVE-2022-1353: the SUPPORTED reply carries no stray bytes. */
static void check_supported(const struct rx *x)
{
	size_t off = sizeof(struct sadb_msg);
	int nsup = 0;

	CHECK_EQ(x->h->sadb_msg_reserved, 0);
	CHECK_EQ((size_t)x->h->sadb_msg_len * 8, (size_t)x->len);
	while (off < (size_t)x->len) {
		const struct sadb_supported *s = (const void *)(x->b + off);
		size_t el = (size_t)s->sadb_supported_len * 8, i;
		const struct sadb_alg *a = (const void *)(s + 1);

		REQUIRE(el >= sizeof(*s) && off + el <= (size_t)x->len);
		CHECK(s->sadb_supported_exttype == SADB_EXT_SUPPORTED_AUTH ||
		      s->sadb_supported_exttype == SADB_EXT_SUPPORTED_ENCRYPT);
		CHECK_EQ(s->sadb_supported_reserved, 0);
		CHECK((el - sizeof(*s)) % sizeof(*a) == 0);
		CHECK(el > sizeof(*s));
		for (i = 0; i < (el - sizeof(*s)) / sizeof(*a); i++) {
			CHECK_EQ(a[i].sadb_alg_reserved, 0);
			CHECK(a[i].sadb_alg_id != 0 || s->sadb_supported_exttype ==
			      SADB_EXT_SUPPORTED_AUTH);
			CHECK(a[i].sadb_alg_minbits <= a[i].sadb_alg_maxbits);
		}
		nsup++;
		off += el;
	}
	CHECK_EQ(nsup, 2);
}

DTEST(cve_2022_1353_supported_no_stray_bytes)
{
	struct keyd k;
	int fd[1];
	struct mb m;

	if (!drv_up(&k, fd, 1))
		return;
	mb_simple(&m, SADB_REGISTER, SADB_SATYPE_ESP, 1);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	if (RX_EXPECT(fd[0], &r, SADB_REGISTER, 0))
		check_supported(&r);
	mb_simple(&m, SADB_REGISTER, SADB_SATYPE_AH, 2);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	if (RX_EXPECT(fd[0], &r, SADB_REGISTER, 0))
		check_supported(&r);
	drv_down(&k, fd, 1);
}

/* CVE-2022-3028: many clients REGISTER at once; every list consistent. */
#define NREG 48
DTEST(cve_2022_3028_concurrent_register)
{
	static struct rx first;
	struct keyd k;
	int fd[NREG], i, total = 0, mismatched = 0;
	struct mb m;
	char out[256];

	if (!drv_up(&k, fd, NREG))
		return;
	mb_simple(&m, SADB_REGISTER, SADB_SATYPE_ESP, 1);
	for (i = 0; i < NREG; i++)
		CHECK_EQ(drv_send(fd[i], m.b, m.len), 0);
	first.len = 0;
	for (i = 0; i < NREG; i++) {
		while (rx_get(fd[i], &r, 300) == 0) {
			total++;
			if (r.h->sadb_msg_type != SADB_REGISTER || r.h->sadb_msg_errno) {
				mismatched++;
				continue;
			}
			if (!first.len) {
				memcpy(&first, &r, sizeof(r));
				check_supported(&first);
			} else if (r.len != first.len ||
				   memcmp(r.b + 16, first.b + 16, (size_t)r.len - 16)) {
				mismatched++;
			}
		}
	}
	/* Registration j reaches the j registered sockets: 1 + 2 + ... + N. */
	CHECK_EQ(total, NREG * (NREG + 1) / 2);
	CHECK_EQ(mismatched, 0);
	for (i = 0; i < NREG; i++)
		CHECK(drv_roundtrip(fd[i], &m, SADB_REGISTER, EEXIST));
	/* And all of them are on the REGISTERED list. */
	if (drv_keyd_only_part("ACQUIRE from a flow injected on the control socket")) {
		drv_down(&k, fd, NREG);
		return;
	}
	mb_esp_policy(&m, SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.0.0.1", "10.0.0.2", 2);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	for (i = 0; i < NREG; i++)
		drv_drain(fd[i], 20);
	CHECK(!drv_ctl(&k, "flow out 10.0.0.1 10.0.0.2 tcp 1 2 3", out, sizeof(out)));
	for (i = 0; i < NREG; i++)
		CHECK(RX_EXPECT(fd[i], &r, SADB_ACQUIRE, 0));
	drv_down(&k, fd, NREG);
}

/* A tunnel policy between two networks, optionally over IPv6. */
static void tunnel_policy(struct mb *m, uint8_t type, bool v6, const char *tsrc,
			  const char *tdst, uint32_t seq)
{
	struct sadb_x_policy *pol;

	mb_hdr(m, type, SADB_SATYPE_UNSPEC, seq);
	mb_addr(m, SADB_EXT_ADDRESS_SRC, v6 ? "2001:db8:1::" : "10.1.0.0", v6 ? 64 : 24,
		IPSEC_PROTO_ANY, 0);
	mb_addr(m, SADB_EXT_ADDRESS_DST, v6 ? "2001:db8:2::" : "10.2.0.0", v6 ? 64 : 24,
		IPSEC_PROTO_ANY, 0);
	pol = mb_policy(m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(m, pol, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0, tsrc, tdst);
	mb_done(m);
}

/* X_MIGRATE: selector + policy with (old, new) request pairs. */
static void migrate(struct mb *m, bool v6, const char *os, const char *od, const char *ns,
		    const char *nd, uint32_t seq)
{
	struct sadb_x_policy *pol;

	mb_hdr(m, SADB_X_MIGRATE, SADB_SATYPE_UNSPEC, seq);
	mb_addr(m, SADB_EXT_ADDRESS_SRC, v6 ? "2001:db8:1::" : "10.1.0.0", v6 ? 64 : 24,
		IPSEC_PROTO_ANY, 0);
	mb_addr(m, SADB_EXT_ADDRESS_DST, v6 ? "2001:db8:2::" : "10.2.0.0", v6 ? 64 : 24,
		IPSEC_PROTO_ANY, 0);
	pol = mb_policy(m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(m, pol, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0, os, od);
	mb_ipsecreq(m, pol, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0, ns, nd);
	mb_done(m);
}

DTEST(migrate_tunnel_endpoints)
{
	struct keyd k;
	int fd[2];
	struct mb m;

	if (!drv_up(&k, fd, 2))
		return;
	/* No matching policy yet: ENOENT. */
	migrate(&m, false, "192.0.2.1", "192.0.2.2", "192.0.2.1", "192.0.2.3", 1);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_MIGRATE, ENOENT));
	tunnel_policy(&m, SADB_X_SPDADD, false, "192.0.2.1", "192.0.2.2", 2);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDADD, 0));
	drv_drain(fd[1], 100);
	migrate(&m, false, "192.0.2.1", "192.0.2.2", "192.0.2.1", "192.0.2.3", 3);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	/* The MIGRATE announcement goes to ALL. */
	if (RX_EXPECT(fd[0], &r, SADB_X_MIGRATE, 0) && RX_EXPECT(fd[1], &r2, SADB_X_MIGRATE, 0)) {
		CHECK(!memcmp(r.b, r2.b, (size_t)r.len));
		CHECK(rx_ext(&r, SADB_X_EXT_POLICY) != NULL);
	}
	drv_down(&k, fd, 2);
}

/* CVE-2026-31515: families of a MIGRATE must agree, else EINVAL. */
DTEST(cve_2026_31515_migrate_family_mismatch)
{
	struct keyd k;
	int fd[2];
	struct mb m;

	if (!drv_up(&k, fd, 2))
		return;
	tunnel_policy(&m, SADB_X_SPDADD, false, "192.0.2.1", "192.0.2.2", 1);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDADD, 0));
	drv_drain(fd[1], 100);
	/* old endpoints: IPv4 source, IPv6 destination */
	migrate(&m, false, "192.0.2.1", "2001:db8::2", "192.0.2.1", "192.0.2.3", 2);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_MIGRATE, EINVAL));
	/* new endpoints mixed */
	migrate(&m, false, "192.0.2.1", "192.0.2.2", "2001:db8::1", "192.0.2.3", 3);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_MIGRATE, EINVAL));
	/* KMADDRESS with mixed families */
	migrate(&m, false, "192.0.2.1", "192.0.2.2", "192.0.2.1", "192.0.2.3", 4);
	mb_kmaddress(&m, "192.0.2.1", "2001:db8::9");
	mb_done(&m);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_MIGRATE, EINVAL));
	/* selector of mixed families */
	mb_hdr(&m, SADB_X_MIGRATE, SADB_SATYPE_UNSPEC, 5);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.1.0.0", 24, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "2001:db8:2::", 64, IPSEC_PROTO_ANY, 0);
	{
		struct sadb_x_policy *pol;

		pol = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
		mb_ipsecreq(&m, pol, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0,
			    "192.0.2.1", "192.0.2.2");
		mb_ipsecreq(&m, pol, IPPROTO_ESP, IPSEC_MODE_TUNNEL, IPSEC_LEVEL_REQUIRE, 0,
			    "192.0.2.1", "192.0.2.3");
	}
	mb_done(&m);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_MIGRATE, EINVAL));
	CHECK(drv_quiet(fd[1], 100));
	drv_down(&k, fd, 2);
}

/* CVE-2026-43088: sockaddr_in6 (28 bytes) in a 32-byte slot, tail zero. */
DTEST(cve_2026_43088_in6_tail_zero)
{
	struct keyd k;
	int fd[2];
	struct mb m;
	char out[256];
	const struct sadb_address *a;

	if (!drv_up(&k, fd, 2))
		return;
	REQUIRE(drv_register_fd(fd[1], SADB_SATYPE_ESP));
	if (!drv_keyd_only_part("ACQUIRE from a flow injected on the control socket")) {
		mb_esp_policy(&m, SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "2001:db8::1", "2001:db8::2",
			      1);
		CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDADD, 0));
		drv_drain(fd[1], 100);
		CHECK(!drv_ctl(&k, "flow out 2001:db8::1 2001:db8::2 udp 5 6 100", out,
			       sizeof(out)));
		CHECK(!strcmp(out, "ok acquire"));
		if (RX_EXPECT(fd[1], &r, SADB_ACQUIRE, 0)) {
			a = rx_ext(&r, SADB_EXT_ADDRESS_SRC);
			CHECK(a && a->sadb_address_len == 5 && rx_addr_tail_zero(a));
			a = rx_ext(&r, SADB_EXT_ADDRESS_DST);
			CHECK(a && a->sadb_address_len == 5 && rx_addr_tail_zero(a));
		}
	}
	/* MIGRATE over IPv6 tunnel endpoints. */
	tunnel_policy(&m, SADB_X_SPDADD, true, "2001:db8::a", "2001:db8::b", 2);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDADD, 0));
	drv_drain(fd[1], 100);
	migrate(&m, true, "2001:db8::a", "2001:db8::b", "2001:db8::a", "2001:db8::c", 3);
	mb_kmaddress(&m, "2001:db8::a", "2001:db8::c");
	mb_done(&m);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	if (RX_EXPECT(fd[1], &r, SADB_X_MIGRATE, 0)) {
		a = rx_ext(&r, SADB_EXT_ADDRESS_SRC);
		CHECK(a && rx_addr_tail_zero(a));
		a = rx_ext(&r, SADB_EXT_ADDRESS_DST);
		CHECK(a && rx_addr_tail_zero(a));
		CHECK(rx_ext(&r, SADB_X_EXT_KMADDRESS) != NULL);
	}
	drv_down(&k, fd, 2);
}
