// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_core_event.c: packet-level events of kmod/core: pfkm_net_flow
 * results, ACQUIRE (format, larval SA, sequence, rate limit, GETSPI and
 * error-ACQUIRE follow-ups), soft/hard EXPIRE by time (driven with the
 * os_user test clock and timer list), by bytes and by packets, larval
 * timeout, and pfkm_net_sa_account.
 */
#include "test_core.h"

struct ev {
	struct pfkm_net *net;
	struct cap km, plain;
};

static void ev_open(struct ev *e)
{
	struct mb m;

	memset(e, 0, sizeof(*e));
	os_user_clock_set(1800000000, 1000000);
	pfkm_net_create(&e->net);
	cap_open(e->net, &e->km);
	cap_open(e->net, &e->plain);
	mb_hdr(&m, SADB_REGISTER, SADB_SATYPE_ESP, 1);
	mb_send(&e->km, &m);
	cap_clear(&e->km);
}

static void ev_close(struct ev *e)
{
	cap_close(&e->km);
	cap_close(&e->plain);
	pfkm_net_destroy(e->net);
	os_user_clock_release();
}

static void out_policy(struct cap *c, uint8_t level)
{
	struct mb m;
	struct sadb_x_policy *p;

	mb_hdr(&m, SADB_X_SPDADD, 0, 1);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, IPSEC_PROTO_ANY, 0);
	p = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0x80000000);
	mb_ipsecreq(&m, p, IPPROTO_ESP, IPSEC_MODE_TRANSPORT, level, 0, NULL, NULL);
	mb_send(c, &m);
}

static int flow(struct pfkm_net *net, uint8_t dir, uint32_t bytes)
{
	struct sockaddr_in s = { .sin_family = AF_INET }, d = { .sin_family = AF_INET };
	struct pfkm_flow f = { (void *)&s, (void *)&d, IPPROTO_TCP, 1000, 80, dir, bytes };

	inet_pton(AF_INET, dir == IPSEC_DIR_OUTBOUND ? "10.0.0.1" : "10.0.0.2", &s.sin_addr);
	inet_pton(AF_INET, dir == IPSEC_DIR_OUTBOUND ? "10.0.0.2" : "10.0.0.1", &d.sin_addr);
	return pfkm_net_flow(net, &f);
}

TEST(core_event_flow_results)
{
	struct ev e;
	struct mb m;

	ev_open(&e);
	CHECK_EQ(flow(e.net, IPSEC_DIR_OUTBOUND, 100), -ENOENT);
	mb_hdr(&m, SADB_X_SPDADD, 0, 1);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.2", -1, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.1", -1, IPSEC_PROTO_ANY, 0);
	mb_policy(&m, IPSEC_POLICY_DISCARD, IPSEC_DIR_INBOUND, 0, 0);
	mb_send(&e.plain, &m);
	CHECK_EQ(flow(e.net, IPSEC_DIR_INBOUND, 100), IPSEC_POLICY_DISCARD);
	mb_hdr(&m, SADB_X_SPDADD, 0, 1);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, IPSEC_PROTO_ANY, 0);
	mb_policy(&m, IPSEC_POLICY_NONE, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_send(&e.plain, &m);
	cap_clear(&e.km);
	CHECK_EQ(flow(e.net, IPSEC_DIR_OUTBOUND, 100), IPSEC_POLICY_NONE);
	CHECK_EQ(e.km.n, 0);
	ev_close(&e);
}

TEST(core_event_acquire_format_and_larval)
{
	struct ev e;
	struct pfkm_exts x;
	const struct sadb_prop *prop;
	const struct sadb_comb *c;
	const struct sadb_x_policy *xp;
	struct pfkm_net_stats st;
	uint32_t seq, spi;
	unsigned int n, i;
	bool aead = false;
	struct mb m;

	ev_open(&e);
	out_policy(&e.plain, IPSEC_LEVEL_REQUIRE);
	cap_clear(&e.km);
	cap_clear(&e.plain);
	CHECK_EQ(flow(e.net, IPSEC_DIR_OUTBOUND, 100), -EAGAIN);
	REQUIRE_EQ(e.km.n, 1);
	CHECK_EQ(e.plain.n, 0);	/* REGISTERED only */
	REQUIRE_EQ(cap_exts(&e.km, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_ACQUIRE);
	CHECK_EQ(x.msg->sadb_msg_satype, SADB_SATYPE_ESP);
	CHECK_EQ(x.msg->sadb_msg_pid, 0);
	seq = x.msg->sadb_msg_seq;
	CHECK(seq != 0);
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_ADDRESS_SRC, struct sadb_address)->sadb_address_prefixlen, 32);
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_ADDRESS_SRC, struct sadb_address)->sadb_address_proto, 0);
	xp = PFKM_EXT(&x, SADB_X_EXT_POLICY, struct sadb_x_policy);
	REQUIRE(xp);
	CHECK_EQ(xp->sadb_x_policy_len, 2);
	CHECK_EQ(xp->sadb_x_policy_dir, IPSEC_DIR_OUTBOUND);
	CHECK_EQ(xp->sadb_x_policy_id, 1);
	CHECK_EQ(xp->sadb_x_policy_priority, 0x80000000);
	prop = PFKM_EXT(&x, SADB_EXT_PROPOSAL, struct sadb_prop);
	REQUIRE(prop);
	CHECK_EQ(prop->sadb_prop_replay, 32);
	n = (prop->sadb_prop_len * 8 - sizeof(*prop)) / sizeof(*c);
	CHECK(n > 10);
	c = (const void *)(prop + 1);
	CHECK_EQ(c[0].sadb_comb_encrypt, SADB_EALG_NULL);	/* Linux's ealg_list order */
	CHECK_EQ(c[0].sadb_comb_auth, SADB_AALG_MD5HMAC);	/* auth from its 2nd entry */
	CHECK_EQ(c[0].sadb_comb_hard_addtime, 86400);
	CHECK_EQ(c[0].sadb_comb_soft_usetime, 7 * 3600);
	for (i = 0; i < n; i++) {
		CHECK(c[i].sadb_comb_encrypt < 32 && c[i].sadb_comb_auth < 32);
		CHECK_EQ(c[i].sadb_comb_flags, 0);
		CHECK_EQ(c[i].sadb_comb_reserved, 0);
		if (c[i].sadb_comb_encrypt == SADB_X_EALG_AES_GCM_ICV16) {
			aead = true;
			CHECK_EQ(c[i].sadb_comb_auth, 0);
		}
	}
	CHECK(aead);
	/* larval pending: no second ACQUIRE */
	os_user_clock_advance(5000);
	CHECK_EQ(flow(e.net, IPSEC_DIR_OUTBOUND, 100), -EAGAIN);
	CHECK_EQ(e.km.n, 1);
	pfkm_net_stats_get(e.net, &st);
	CHECK_EQ(st.acquires, 1);
	CHECK_EQ(st.sas, 1);
	/* the KM's GETSPI with the ACQUIRE's seq takes that larval SA */
	mb_hdr(&m, SADB_GETSPI, SADB_SATYPE_ESP, seq);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 0, 0);
	cap_clear(&e.km);
	REQUIRE_EQ(mb_send(&e.km, &m), 0);
	REQUIRE_EQ(cap_exts(&e.km, 0, &x), 0);
	spi = ntohl(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_spi);
	pfkm_net_stats_get(e.net, &st);
	CHECK_EQ(st.sas, 1);
	/* ... and UPDATE turns it into a usable SA: the flow passes */
	REQUIRE_EQ(add_esp(&e.km, SADB_UPDATE, spi, "10.0.0.1", "10.0.0.2"), 0);
	CHECK_EQ(flow(e.net, IPSEC_DIR_OUTBOUND, 100), IPSEC_POLICY_IPSEC);
	ev_close(&e);
}

TEST(core_event_acquire_error_and_rate_limit)
{
	struct ev e;
	struct mb m;
	uint32_t seq;

	ev_open(&e);
	out_policy(&e.plain, IPSEC_LEVEL_REQUIRE);
	cap_clear(&e.km);
	CHECK_EQ(flow(e.net, IPSEC_DIR_OUTBOUND, 1), -EAGAIN);
	REQUIRE_EQ(e.km.n, 1);
	seq = cap_hdr(&e.km, 0)->sadb_msg_seq;
	/* KM failure: the larval SA becomes an error state, still blocking */
	mb_hdr(&m, SADB_ACQUIRE, SADB_SATYPE_ESP, seq);
	m.h.sadb_msg_errno = ENOENT;
	REQUIRE_EQ(mb_send(&e.km, &m), 0);
	CHECK_EQ(e.km.n, 1);	/* no reply */
	CHECK_EQ(flow(e.net, IPSEC_DIR_OUTBOUND, 1), -EAGAIN);
	CHECK_EQ(e.km.n, 1);
	/* 30 s later the error SA expires (hard EXPIRE), and after that a new
	 * ACQUIRE with a new sequence number goes out */
	os_user_clock_advance(30000);
	os_user_timers_run();
	REQUIRE_EQ(e.km.n, 2);
	CHECK_EQ(cap_hdr(&e.km, 1)->sadb_msg_type, SADB_EXPIRE);
	CHECK_EQ(flow(e.net, IPSEC_DIR_OUTBOUND, 1), -EAGAIN);
	REQUIRE_EQ(e.km.n, 3);
	CHECK_EQ(cap_hdr(&e.km, 2)->sadb_msg_type, SADB_ACQUIRE);
	CHECK(cap_hdr(&e.km, 2)->sadb_msg_seq != seq);
	/* no registered socket: no ACQUIRE, no larval SA */
	ev_close(&e);
}

TEST(core_event_expire_time_soft_then_hard)
{
	struct ev e;
	struct pfkm_exts x;
	const struct sadb_sa *sa;
	struct mb m;

	ev_open(&e);
	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 1);
	mb_sa(&m, 0x1234, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 0, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 0, 100, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_SOFT, 0, 0, 80, 0);
	mb_key(&m, SADB_EXT_KEY_AUTH, 160, 1);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 128, 2);
	REQUIRE_EQ(mb_send(&e.plain, &m), 0);
	cap_clear(&e.km);
	cap_clear(&e.plain);
	os_user_clock_advance(79000);
	os_user_timers_run();
	CHECK_EQ(e.km.n, 0);
	os_user_clock_advance(1000);
	os_user_timers_run();
	REQUIRE_EQ(e.km.n, 1);
	CHECK_EQ(e.plain.n, 0);
	REQUIRE_EQ(cap_exts(&e.km, 0, &x), 0);
	CHECK_EQ(x.msg->sadb_msg_type, SADB_EXPIRE);
	CHECK_EQ(x.msg->sadb_msg_seq, 0);
	CHECK_EQ(x.msg->sadb_msg_pid, 0);
	CHECK(x.ext[SADB_EXT_LIFETIME_SOFT] && !x.ext[SADB_EXT_LIFETIME_HARD]);
	CHECK(x.ext[SADB_EXT_LIFETIME_CURRENT] && x.ext[SADB_X_EXT_SA2]);
	CHECK(!x.ext[SADB_EXT_KEY_AUTH] && !x.ext[SADB_EXT_KEY_ENCRYPT]);
	sa = PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa);
	CHECK_EQ(sa->sadb_sa_state, SADB_SASTATE_DYING);
	/* soft fires once */
	os_user_clock_advance(10000);
	os_user_timers_run();
	CHECK_EQ(e.km.n, 1);
	os_user_clock_advance(10000);
	os_user_timers_run();
	REQUIRE_EQ(e.km.n, 2);
	REQUIRE_EQ(cap_exts(&e.km, 1, &x), 0);
	CHECK(x.ext[SADB_EXT_LIFETIME_HARD] && !x.ext[SADB_EXT_LIFETIME_SOFT]);
	/* hard: af_key builds it from the expired (deleted) state: DEAD */
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_state, SADB_SASTATE_DEAD);
	/* gone */
	mb_hdr(&m, SADB_GET, SADB_SATYPE_ESP, 1);
	mb_sa(&m, 0x1234, 0, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 0, 0);
	REQUIRE_EQ(mb_send(&e.plain, &m), 0);
	CHECK_EQ(cap_errno(&e.plain), ESRCH);
	ev_close(&e);
}

TEST(core_event_expire_bytes_packets_usetime)
{
	struct ev e;
	struct sockaddr_in d = { .sin_family = AF_INET };
	struct mb m;
	int i;

	ev_open(&e);
	inet_pton(AF_INET, "10.0.0.2", &d.sin_addr);
	mb_hdr(&m, SADB_ADD, SADB_SATYPE_ESP, 1);
	mb_sa(&m, 0x1234, SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, 0, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, 0, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 5, 0, 0, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_SOFT, 0, 250, 0, 60);
	mb_key(&m, SADB_EXT_KEY_AUTH, 160, 1);
	mb_key(&m, SADB_EXT_KEY_ENCRYPT, 128, 2);
	REQUIRE_EQ(mb_send(&e.plain, &m), 0);
	cap_clear(&e.km);
	CHECK_EQ(pfkm_net_sa_account(e.net, (void *)&d, htonl(0x9999), IPPROTO_ESP, 1), -ESRCH);
	/* 100 bytes a packet: soft (250 bytes) checked before counting */
	for (i = 0; i < 3; i++)
		CHECK_EQ(pfkm_net_sa_account(e.net, (void *)&d, htonl(0x1234), IPPROTO_ESP, 100), 0);
	CHECK_EQ(e.km.n, 0);
	CHECK_EQ(pfkm_net_sa_account(e.net, (void *)&d, htonl(0x1234), IPPROTO_ESP, 100), 0);
	REQUIRE_EQ(e.km.n, 1);
	CHECK_EQ(cap_hdr(&e.km, 0)->sadb_msg_type, SADB_EXPIRE);
	CHECK_EQ(pfkm_net_sa_account(e.net, (void *)&d, htonl(0x1234), IPPROTO_ESP, 100), 0);
	/* sixth packet: hard (5 packets) reached */
	CHECK_EQ(pfkm_net_sa_account(e.net, (void *)&d, htonl(0x1234), IPPROTO_ESP, 100),
		 -EKEYEXPIRED);
	REQUIRE_EQ(e.km.n, 2);
	CHECK_EQ(pfkm_net_sa_account(e.net, (void *)&d, htonl(0x1234), IPPROTO_ESP, 100), -ESRCH);
	ev_close(&e);
}

TEST(core_event_larval_timeout_dead)
{
	struct ev e;
	struct pfkm_exts x;

	ev_open(&e);
	out_policy(&e.plain, IPSEC_LEVEL_REQUIRE);
	cap_clear(&e.km);
	CHECK_EQ(flow(e.net, IPSEC_DIR_OUTBOUND, 1), -EAGAIN);
	os_user_clock_advance(29999);
	os_user_timers_run();
	CHECK_EQ(e.km.n, 1);
	os_user_clock_advance(1);
	os_user_timers_run();
	REQUIRE_EQ(e.km.n, 2);
	REQUIRE_EQ(cap_exts(&e.km, 1, &x), 0);
	/* never got an SPI: DEAD, as Linux's EXPIRED ACQ state */
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_state, SADB_SASTATE_DEAD);
	CHECK_EQ(PFKM_EXT(&x, SADB_EXT_SA, struct sadb_sa)->sadb_sa_spi, 0);
	ev_close(&e);
}

TEST(core_event_optional_template_and_no_km)
{
	struct ev e;

	ev_open(&e);
	out_policy(&e.plain, IPSEC_LEVEL_USE);
	cap_clear(&e.km);
	/* "use": the flow passes, an ACQUIRE still goes out */
	CHECK_EQ(flow(e.net, IPSEC_DIR_OUTBOUND, 1), IPSEC_POLICY_IPSEC);
	CHECK_EQ(e.km.n, 1);
	cap_close(&e.km);
	cap_open(e.net, &e.km);	/* not registered now */
	os_user_clock_advance(40000);
	os_user_timers_run();
	CHECK_EQ(flow(e.net, IPSEC_DIR_OUTBOUND, 1), IPSEC_POLICY_IPSEC);
	CHECK_EQ(e.km.n, 0);
	ev_close(&e);
}

TEST(core_event_policy_hard_lifetime_silent)
{
	struct ev e;
	struct pfkm_net_stats st;
	struct mb m;

	ev_open(&e);
	mb_hdr(&m, SADB_X_SPDADD, 0, 1);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.1", -1, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.2", -1, IPSEC_PROTO_ANY, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 0, 0, 10);	/* 10 s idle */
	mb_policy(&m, IPSEC_POLICY_NONE, IPSEC_DIR_OUTBOUND, 0, 0);
	REQUIRE_EQ(mb_send(&e.plain, &m), 0);
	mb_hdr(&m, SADB_X_SPDADD, 0, 1);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.3", -1, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.0.4", -1, IPSEC_PROTO_ANY, 0);
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 0, 20, 0);	/* 20 s after add */
	mb_policy(&m, IPSEC_POLICY_NONE, IPSEC_DIR_OUTBOUND, 0, 0);
	REQUIRE_EQ(mb_send(&e.plain, &m), 0);
	cap_clear(&e.plain);
	cap_clear(&e.km);
	os_user_clock_advance(8000);
	os_user_timers_run();
	CHECK_EQ(flow(e.net, IPSEC_DIR_OUTBOUND, 1), IPSEC_POLICY_NONE);	/* used at 8 s */
	os_user_clock_advance(8000);
	os_user_timers_run();
	pfkm_net_stats_get(e.net, &st);
	CHECK_EQ(st.policies, 2);	/* idle limit counts from the last use */
	os_user_clock_advance(4000);
	os_user_timers_run();
	pfkm_net_stats_get(e.net, &st);
	CHECK_EQ(st.policies, 0);	/* 18 s idle and 20 s old: both gone */
	CHECK_EQ(flow(e.net, IPSEC_DIR_OUTBOUND, 1), -ENOENT);
	CHECK_EQ(e.plain.n, 0);	/* silently, as af_key */
	CHECK_EQ(e.km.n, 0);
	ev_close(&e);
}

TEST(core_event_acquire_rate_limit_per_policy)
{
	struct ev e;
	struct mb m;
	struct sadb_x_policy *p;
	struct sockaddr_in s = { .sin_family = AF_INET }, d = { .sin_family = AF_INET };
	struct pfkm_flow f = { (void *)&s, (void *)&d, 0, 0, 0, IPSEC_DIR_OUTBOUND, 1 };

	ev_open(&e);
	mb_hdr(&m, SADB_X_SPDADD, 0, 1);
	mb_addr(&m, SADB_EXT_ADDRESS_SRC, "10.0.0.0", 24, IPSEC_PROTO_ANY, 0);
	mb_addr(&m, SADB_EXT_ADDRESS_DST, "10.0.1.0", 24, IPSEC_PROTO_ANY, 0);
	p = mb_policy(&m, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	mb_ipsecreq(&m, p, IPPROTO_ESP, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 0, NULL, NULL);
	REQUIRE_EQ(mb_send(&e.plain, &m), 0);
	cap_clear(&e.km);
	inet_pton(AF_INET, "10.0.0.1", &s.sin_addr);
	inet_pton(AF_INET, "10.0.1.1", &d.sin_addr);
	CHECK_EQ(pfkm_net_flow(e.net, &f), -EAGAIN);
	CHECK_EQ(e.km.n, 1);
	/* another host pair under the same policy: a different SA, but the
	 * policy already triggered within the last second */
	inet_pton(AF_INET, "10.0.1.2", &d.sin_addr);
	os_user_clock_advance(500);
	CHECK_EQ(pfkm_net_flow(e.net, &f), -EAGAIN);
	CHECK_EQ(e.km.n, 1);
	os_user_clock_advance(500);
	CHECK_EQ(pfkm_net_flow(e.net, &f), -EAGAIN);
	REQUIRE_EQ(e.km.n, 2);
	CHECK(cap_hdr(&e.km, 1)->sadb_msg_seq == cap_hdr(&e.km, 0)->sadb_msg_seq + 1);
	ev_close(&e);
}
