// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_flow.c: keyd's testing aid, the control socket: an injected flow
 * without policy, with an IPsec policy but no SA (ACQUIRE to REGISTERED
 * sockets only), with an SA carrying byte lifetimes (soft, then hard
 * EXPIRE), malformed control lines and the `keyd inject` client mode.
 */
#include <errno.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <sys/wait.h>

#include "drv.h"

static struct rx r;

static void ctl_is(const struct keyd *k, const char *line, const char *want,
		   const char *file, int lineno)
{
	char out[512];
	int ret = drv_ctl(k, line, out, sizeof(out));

	if (ret)
		drv_fail(file, lineno, "ctl `%s': %s", line, strerror(-ret));
	else if (strncmp(out, want, strlen(want)))
		drv_fail(file, lineno, "ctl `%s': got `%s', want `%s...'", line, out, want);
}
#define CTL_IS(k, line, want) ctl_is((k), (line), (want), __FILE__, __LINE__)

DTEST(flow_acquire)
{
	struct keyd k;
	int fd[3];
	struct mb m;
	const struct sadb_address *a;
	const struct sadb_x_policy *p;
	const struct sockaddr_in *sin;
	uint32_t id = 0;

	if (drv_keyd_only("flows injected through keyd's control socket"))
		return;
	if (!drv_up(&k, fd, 3))
		return;
	CTL_IS(&k, "flow out 10.0.0.1 10.0.0.2 icmp 0 0 100", "ok nopolicy");
	REQUIRE(drv_register_fd(fd[1], SADB_SATYPE_ESP));
	mb_esp_policy(&m, SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.0.0.1", "10.0.0.2", 1);
	CHECK_EQ(drv_send(fd[0], m.b, m.len), 0);
	if (RX_EXPECT(fd[0], &r, SADB_X_SPDADD, 0))
		id = ((const struct sadb_x_policy *)rx_ext(&r, SADB_X_EXT_POLICY))->sadb_x_policy_id;
	drv_drain(fd[1], 100);
	drv_drain(fd[2], 50);

	CTL_IS(&k, "flow out 10.0.0.1 10.0.0.2 icmp 0 0 100", "ok acquire");
	if (RX_EXPECT(fd[1], &r, SADB_ACQUIRE, 0)) {
		CHECK_EQ(r.h->sadb_msg_satype, SADB_SATYPE_ESP);
		CHECK(r.h->sadb_msg_seq != 0);
		a = rx_ext(&r, SADB_EXT_ADDRESS_SRC);
		REQUIRE(a);
		sin = (const void *)(a + 1);
		CHECK_EQ(sin->sin_family, AF_INET);
		CHECK_EQ(ntohl(sin->sin_addr.s_addr), 0x0a000001);
		CHECK(rx_addr_tail_zero(a));
		a = rx_ext(&r, SADB_EXT_ADDRESS_DST);
		REQUIRE(a);
		sin = (const void *)(a + 1);
		CHECK_EQ(ntohl(sin->sin_addr.s_addr), 0x0a000002);
		p = rx_ext(&r, SADB_X_EXT_POLICY);
		CHECK(p && p->sadb_x_policy_id == id && p->sadb_x_policy_dir == IPSEC_DIR_OUTBOUND);
		CHECK(rx_ext(&r, SADB_EXT_PROPOSAL) != NULL);
		CHECK(!rx_ext(&r, SADB_EXT_KEY_ENCRYPT));
	}
	/* Unregistered sockets never see ACQUIRE. */
	CHECK(drv_quiet(fd[0], 100));
	CHECK(drv_quiet(fd[2], 50));
	CHECK(drv_stat(&k, "acquires") >= 1);
	/* Inbound traffic with no inbound policy. */
	CTL_IS(&k, "flow in 10.0.0.2 10.0.0.1 icmp 0 0 100", "ok nopolicy");
	drv_down(&k, fd, 3);
}

/* Send flows of `bytes` until a message arrives on fd; returns flows sent. */
static int flow_until(const struct keyd *k, int fd, unsigned int bytes, int max)
{
	char line[128], out[256];
	int i;

	snprintf(line, sizeof(line), "flow out 10.0.0.1 10.0.0.2 udp 1000 2000 %u", bytes);
	for (i = 1; i <= max; i++) {
		if (drv_ctl(k, line, out, sizeof(out)) || strncmp(out, "ok ", 3))
			return -1;
		if (rx_get(fd, &r, 100) == 0)
			return i;
	}
	return 0;
}

DTEST(flow_byte_lifetime_expire)
{
	struct keyd k;
	int fd[2], n;
	struct mb m;
	const struct sadb_lifetime *cur;
	const struct sadb_sa *sa;

	if (drv_keyd_only("flows injected through keyd's control socket"))
		return;
	if (!drv_up(&k, fd, 2))
		return;
	REQUIRE(drv_register_fd(fd[1], SADB_SATYPE_ESP));
	mb_esp_policy(&m, SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.0.0.1", "10.0.0.2", 1);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDADD, 0));
	mb_esp_sa(&m, SADB_ADD, 0x4000, 2, "10.0.0.1", "10.0.0.2");
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 2000, 0, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_SOFT, 0, 1000, 0, 0);
	mb_done(&m);
	CHECK(drv_roundtrip(fd[0], &m, SADB_ADD, 0));
	drv_drain(fd[1], 100);

	/* 600 bytes at a time: soft EXPIRE once 1000 bytes are counted. */
	n = flow_until(&k, fd[1], 600, 4);
	REQUIRE(n > 0);
	CHECK(n >= 2);
	if (r.h->sadb_msg_type == SADB_EXPIRE) {
		CHECK_EQ(r.h->sadb_msg_satype, SADB_SATYPE_ESP);
		CHECK(rx_ext(&r, SADB_EXT_LIFETIME_SOFT) && !rx_ext(&r, SADB_EXT_LIFETIME_HARD));
		cur = rx_ext(&r, SADB_EXT_LIFETIME_CURRENT);
		CHECK(cur && cur->sadb_lifetime_bytes >= 1000);
		sa = rx_ext(&r, SADB_EXT_SA);
		CHECK(sa && ntohl(sa->sadb_sa_spi) == 0x4000);
		CHECK(!rx_ext(&r, SADB_EXT_KEY_AUTH) && !rx_ext(&r, SADB_EXT_KEY_ENCRYPT));
	} else {
		drv_fail(__FILE__, __LINE__, "expected soft EXPIRE, got type %u",
			 r.h->sadb_msg_type);
	}
	/* Then hard EXPIRE at 2000 bytes, and the SA is gone. */
	n = flow_until(&k, fd[1], 600, 4);
	REQUIRE(n > 0);
	if (r.h->sadb_msg_type == SADB_EXPIRE) {
		CHECK(rx_ext(&r, SADB_EXT_LIFETIME_HARD) && !rx_ext(&r, SADB_EXT_LIFETIME_SOFT));
		cur = rx_ext(&r, SADB_EXT_LIFETIME_CURRENT);
		CHECK(cur && cur->sadb_lifetime_bytes >= 2000);
	} else {
		drv_fail(__FILE__, __LINE__, "expected hard EXPIRE, got type %u",
			 r.h->sadb_msg_type);
	}
	CHECK(drv_stat(&k, "expires") >= 2);
	mb_hdr(&m, SADB_GET, SADB_SATYPE_ESP, 3);
	mb_sa(&m, 0x4000, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_PROTO_ANY, 0);
	mb_done(&m);
	drv_drain(fd[0], 100);
	CHECK(drv_roundtrip(fd[0], &m, SADB_GET, ESRCH));
	drv_down(&k, fd, 2);
}

DTEST(flow_ctl_errors)
{
	struct keyd k;
	int fd[1];

	if (drv_keyd_only("flows injected through keyd's control socket"))
		return;
	if (!drv_up(&k, fd, 1))
		return;
	CTL_IS(&k, "flow sideways 10.0.0.1 10.0.0.2 icmp 0 0 1", "err EINVAL");
	CTL_IS(&k, "flow out 10.0.0.1 2001:db8::1 icmp 0 0 1", "err EINVAL");
	CTL_IS(&k, "flow out 10.0.0.1 10.0.0.2 icmp 0 70000 1", "err EINVAL");
	CTL_IS(&k, "flow out 10.0.0.1 10.0.0.2 nosuchproto 0 0 1", "err EINVAL");
	CTL_IS(&k, "flow out 10.0.0.1 10.0.0.2 icmp 0 0", "err EINVAL");
	CTL_IS(&k, "bogus", "err EINVAL");
	CTL_IS(&k, "stats", "ok sockets=");
	CTL_IS(&k, "flow fwd 2001:db8::1 2001:db8::2 58 0 0 10", "ok nopolicy");
	drv_down(&k, fd, 1);
}

/* `keyd --socket PATH inject ...` prints keyd's answer, exit 0 on ok. */
static int run_client(const struct keyd *k, const char *const *args, char *out, size_t cap)
{
	char cmd[1024];
	size_t len = 0;
	FILE *f;
	int st, i;

	len = (size_t)snprintf(cmd, sizeof(cmd), "%s --socket %s", drv_keyd_bin, k->sock);
	for (i = 0; args[i]; i++)
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, " %s", args[i]);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	len = fread(out, 1, cap - 1, f);
	out[len] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

DTEST(flow_inject_client)
{
	static const char *const ok_args[] = { "inject", "out", "10.0.0.1", "10.0.0.2",
					       "icmp", "0", "0", "1000", NULL };
	static const char *const bad_args[] = { "inject", "up", "10.0.0.1", "10.0.0.2",
						"icmp", "0", "0", "1000", NULL };
	static const char *const stats_args[] = { "stats", NULL };
	struct keyd k;
	int fd[1];
	char out[512];

	if (drv_keyd_only("flows injected through keyd's control socket"))
		return;
	if (!drv_up(&k, fd, 1))
		return;
	CHECK_EQ(run_client(&k, ok_args, out, sizeof(out)), 0);
	CHECK(!strcmp(out, "ok nopolicy\n"));
	CHECK_EQ(run_client(&k, bad_args, out, sizeof(out)), 1);
	CHECK(!strncmp(out, "err EINVAL", 10));
	CHECK_EQ(run_client(&k, stats_args, out, sizeof(out)), 0);
	CHECK(strstr(out, "sockets=1 ") != NULL);
	drv_down(&k, fd, 1);
}

/*
 * A key manager's whole cycle: flow -> ACQUIRE (seq N) to the registered
 * KM -> GETSPI with seq N (takes over the larval SA) -> UPDATE with keys ->
 * the same flow now goes out under IPsec. An error ACQUIRE for an unknown
 * sequence is ignored silently.
 */
DTEST(flow_km_acquire_getspi_update)
{
	struct keyd k;
	int fd[2];
	struct mb m;
	const struct sadb_sa *sa;
	uint32_t seq, spi;

	if (drv_keyd_only("flows injected through keyd's control socket"))
		return;
	if (!drv_up(&k, fd, 2))
		return;
	REQUIRE(drv_register_fd(fd[1], SADB_SATYPE_ESP));
	mb_esp_policy(&m, SADB_X_SPDADD, IPSEC_DIR_OUTBOUND, "10.0.0.1", "10.0.0.2", 1);
	CHECK(drv_roundtrip(fd[0], &m, SADB_X_SPDADD, 0));
	drv_drain(fd[1], 100);
	CTL_IS(&k, "flow out 10.0.0.1 10.0.0.2 tcp 4000 22 60", "ok acquire");
	REQUIRE(RX_EXPECT(fd[1], &r, SADB_ACQUIRE, 0));
	seq = r.h->sadb_msg_seq;

	mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_ESP, seq);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_PROTO_ANY, 0);
	mb_spirange(&m, 0x3000, 0x3fff);
	mb_done(&m);
	CHECK_EQ(drv_send(fd[1], m.b, m.len), 0);
	REQUIRE(RX_EXPECT(fd[1], &r, SADB_GETSPI, 0));
	CHECK_EQ(r.h->sadb_msg_seq, seq);
	sa = rx_ext(&r, SADB_EXT_SA);
	REQUIRE(sa);
	spi = ntohl(sa->sadb_sa_spi);
	CHECK(spi >= 0x3000 && spi <= 0x3fff);

	mb_esp_sa(&m, SADB_UPDATE, spi, seq, "10.0.0.1", "10.0.0.2");
	CHECK_EQ(drv_send(fd[1], m.b, m.len), 0);
	CHECK(RX_EXPECT(fd[1], &r, SADB_UPDATE, 0));
	CHECK(RX_EXPECT(fd[0], &r, SADB_UPDATE, 0));
	CTL_IS(&k, "flow out 10.0.0.1 10.0.0.2 tcp 4000 22 60", "ok ipsec");
	CHECK(drv_quiet(fd[1], 100));	/* no second ACQUIRE */

	/* Error ACQUIRE for a sequence nobody knows: no answer at all. */
	mb_simple(&m, SADB_ACQUIRE, SADB_SATYPE_ESP, seq + 1000);
	((struct sadb_msg *)(void *)m.b)->sadb_msg_errno = ENOENT;
	CHECK_EQ(drv_send(fd[1], m.b, m.len), 0);
	CHECK(drv_quiet(fd[1], 200));
	drv_down(&k, fd, 2);
}

/* Time lifetimes run on the core's timers, driven by keyd's poll loop. */
DTEST(timer_addtime_expire)
{
	struct keyd k;
	int fd[2];
	struct mb m;

	if (!drv_up(&k, fd, 2))
		return;
	REQUIRE(drv_register_fd(fd[1], SADB_SATYPE_ESP));
	mb_esp_sa(&m, SADB_ADD, 0x6000, 1, "10.0.0.1", "10.0.0.2");
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 0, 2, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_SOFT, 0, 0, 1, 0);
	mb_done(&m);
	CHECK(drv_roundtrip(fd[0], &m, SADB_ADD, 0));
	CHECK(RX_EXPECT(fd[1], &r, SADB_ADD, 0));
	if (rx_get(fd[1], &r, 3000) == 0 && r.h->sadb_msg_type == SADB_EXPIRE)
		CHECK(rx_ext(&r, SADB_EXT_LIFETIME_SOFT) && !rx_ext(&r, SADB_EXT_LIFETIME_HARD));
	else
		drv_fail(__FILE__, __LINE__, "no soft EXPIRE within 3 s");
	if (rx_get(fd[1], &r, 3000) == 0 && r.h->sadb_msg_type == SADB_EXPIRE)
		CHECK(rx_ext(&r, SADB_EXT_LIFETIME_HARD) && !rx_ext(&r, SADB_EXT_LIFETIME_SOFT));
	else
		drv_fail(__FILE__, __LINE__, "no hard EXPIRE within 3 s");
	mb_hdr(&m, SADB_GET, SADB_SATYPE_ESP, 2);
	mb_sa(&m, 0x6000, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", 32, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", 32, IPSEC_PROTO_ANY, 0);
	mb_done(&m);
	drv_drain(fd[0], 50);
	CHECK(drv_roundtrip(fd[0], &m, SADB_GET, ESRCH));
	drv_down(&k, fd, 2);
}
