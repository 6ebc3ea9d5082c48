// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_dp_hold.c: the ACQUIRE hold of the portable data path (kmod/core/dp.c,
 * pfkm_dp_hold*): host 10.0.0.1 with an `out` ESP policy and no SA. A packet
 * refused with -EAGAIN is held, handed back for sending once the SA is
 * added and then encapsulated; held packets time out after PFKM_DP_HOLD_MS
 * (frozen clock) and are counted; the per-pair and total bounds hold;
 * order is kept; flush hands everything back uncounted.
 */
#include "dp_host.h"

/* ESP AES-GCM-16 transport SA 10.0.0.1 -> dst. */
static int hh_sa(struct dp_host *h, uint32_t spi, const char *dst)
{
	return dp_host_sa(h, &dp_gcm, spi, "10.0.0.1", dst, IPSEC_MODE_TRANSPORT, 0, 0x33);
}

/* A minimal IPv4 UDP packet src -> dst (checksum 0), tag in the payload. */
static size_t udp_pkt(uint8_t *p, const char *src, const char *dst, uint8_t tag)
{
	memset(p, 0, 40);
	p[0] = 0x45;
	p[3] = 40;
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	p[20] = 0x30;	/* ports 12345 -> 53 */
	p[21] = 0x39;
	p[23] = 53;
	p[25] = 20;
	p[28] = tag;
	return 40;
}

/* What pfkm_dp_hold_poll / flush handed back, in order. */
struct back {
	void *pkt[PFKM_DP_HOLD_MAX + 4];
	bool send[PFKM_DP_HOLD_MAX + 4];
	unsigned int n;
};

static void back_fn(void *arg, void *pkt, bool send)
{
	struct back *b = arg;

	b->pkt[b->n] = pkt;
	b->send[b->n++] = send;
}

/* A host whose policy wants ESP transport from 10.0.0.1 to 10.0.0.0/24, no
 * SA: 0 or -errno (nothing left open on failure). */
static int hold_host(struct dp_host *h)
{
	int ret = dp_host_open(h);

	if (ret)
		return ret;
	ret = dp_host_policy(h, IPSEC_DIR_OUTBOUND, IPSEC_POLICY_IPSEC, "10.0.0.1", "10.0.0.0/24",
			     IPPROTO_ESP, IPSEC_MODE_TRANSPORT, 0, NULL, NULL);
	if (ret)
		dp_host_close(h);
	return ret;
}

/* Output refused for want of an SA, then held with handle tag. */
static int out_and_hold(struct dp_host *h, const char *dst, uint8_t tag, void *handle)
{
	uint8_t pkt[256];
	size_t len = udp_pkt(pkt, "10.0.0.1", dst, tag);
	int ret = pfkm_dp_output(h->dp, pkt, sizeof(pkt), &len);

	if (ret != -EAGAIN)
		return ret == 0 ? -EPROTO : ret;
	return pfkm_dp_hold(h->dp, pkt, len, handle);
}

TEST(dp_hold_released_when_sa_added)
{
	static int h1, h2;
	struct pfkm_dp_stats st;
	struct back b = { .n = 0 };
	struct dp_host H;
	uint8_t pkt[256];
	size_t len;

	REQUIRE_EQ(hold_host(&H), 0);
	REQUIRE_EQ(out_and_hold(&H, "10.0.0.2", 1, &h1), 0);
	REQUIRE_EQ(out_and_hold(&H, "10.0.0.2", 2, &h2), 0);
	/* no SA yet: nothing handed back, both still held */
	CHECK_EQ(pfkm_dp_hold_poll(H.dp, back_fn, &b), 2);
	CHECK_EQ(b.n, 0);
	/* an SA for another destination does not release them */
	REQUIRE_EQ(hh_sa(&H, 0x3003, "10.0.0.3"), 0);
	CHECK_EQ(pfkm_dp_hold_poll(H.dp, back_fn, &b), 2);
	CHECK_EQ(b.n, 0);
	REQUIRE_EQ(hh_sa(&H, 0x1001, "10.0.0.2"), 0);
	CHECK_EQ(pfkm_dp_hold_poll(H.dp, back_fn, &b), 0);
	REQUIRE_EQ(b.n, 2);
	CHECK(b.pkt[0] == &h1 && b.send[0]);	/* oldest first */
	CHECK(b.pkt[1] == &h2 && b.send[1]);
	/* what the host then does with them: the output path protects them */
	len = udp_pkt(pkt, "10.0.0.1", "10.0.0.2", 1);
	CHECK_EQ(pfkm_dp_output(H.dp, pkt, sizeof(pkt), &len), PFKM_DP_XFORM);
	CHECK_EQ(pkt[9], IPPROTO_ESP);
	pfkm_dp_stats_get(H.dp, &st);
	CHECK_EQ(st.hold, 2);
	CHECK_EQ(st.hold_sent, 2);
	CHECK_EQ(st.hold_timeout, 0);
	CHECK_EQ(st.no_sa, 2);
	CHECK_EQ(st.out_xform, 1);
	dp_host_close(&H);
}

TEST(dp_hold_timeout_drops_and_counts)
{
	static int h1, h2, h3;
	struct pfkm_dp_stats st;
	struct back b = { .n = 0 };
	struct dp_host H;

	os_user_clock_set(1700000000, 1000000);
	REQUIRE_EQ(hold_host(&H), 0);
	REQUIRE_EQ(out_and_hold(&H, "10.0.0.2", 1, &h1), 0);
	os_user_clock_advance(1000);
	REQUIRE_EQ(out_and_hold(&H, "10.0.0.2", 2, &h2), 0);
	os_user_clock_advance(PFKM_DP_HOLD_MS - 1000 - 1);
	CHECK_EQ(pfkm_dp_hold_poll(H.dp, back_fn, &b), 2);	/* 1 ms left */
	CHECK_EQ(b.n, 0);
	os_user_clock_advance(1);
	CHECK_EQ(pfkm_dp_hold_poll(H.dp, back_fn, &b), 1);	/* the first timed out */
	REQUIRE_EQ(b.n, 1);
	CHECK(b.pkt[0] == &h1 && !b.send[0]);
	REQUIRE_EQ(out_and_hold(&H, "10.0.0.2", 3, &h3), 0);
	os_user_clock_advance(1000);
	CHECK_EQ(pfkm_dp_hold_poll(H.dp, back_fn, &b), 1);
	REQUIRE_EQ(b.n, 2);
	CHECK(b.pkt[1] == &h2 && !b.send[1]);
	/* an SA that comes too late for h1 and h2 still releases h3 */
	REQUIRE_EQ(hh_sa(&H, 0x1001, "10.0.0.2"), 0);
	CHECK_EQ(pfkm_dp_hold_poll(H.dp, back_fn, &b), 0);
	REQUIRE_EQ(b.n, 3);
	CHECK(b.pkt[2] == &h3 && b.send[2]);
	pfkm_dp_stats_get(H.dp, &st);
	CHECK_EQ(st.hold, 3);
	CHECK_EQ(st.hold_timeout, 2);
	CHECK_EQ(st.hold_sent, 1);
	dp_host_close(&H);
	os_user_clock_release();
}

TEST(dp_hold_bounded_and_flushed)
{
	static int hs[PFKM_DP_HOLD_MAX + 1];
	struct pfkm_dp_stats st;
	struct back b = { .n = 0 };
	char dst[32];
	struct dp_host H;
	unsigned int i, held = 0;
	uint8_t pkt[256];
	size_t len;

	REQUIRE_EQ(hold_host(&H), 0);
	for (i = 0; i < PFKM_DP_HOLD_PER_FLOW; i++)
		CHECK_EQ(out_and_hold(&H, "10.0.0.2", (uint8_t)i, &hs[held++]), 0);
	/* per (source, destination) pair: the next one is not kept */
	CHECK_EQ(out_and_hold(&H, "10.0.0.2", 9, &hs[held]), -ENOSPC);
	/* other destinations fill the table up to its total bound */
	for (i = 3; held < PFKM_DP_HOLD_MAX; i++) {
		snprintf(dst, sizeof(dst), "10.0.0.%u", i);
		CHECK_EQ(out_and_hold(&H, dst, 0, &hs[held]), 0);
		held++;
	}
	snprintf(dst, sizeof(dst), "10.0.0.%u", i);
	CHECK_EQ(out_and_hold(&H, dst, 0, &hs[held]), -ENOSPC);
	/* not an IP packet */
	memset(pkt, 0, sizeof(pkt));
	CHECK_EQ(pfkm_dp_hold(H.dp, pkt, 10, &hs[held]), -EINVAL);
	pfkm_dp_hold_flush(H.dp, back_fn, &b);
	REQUIRE_EQ(b.n, PFKM_DP_HOLD_MAX);
	for (i = 0; i < PFKM_DP_HOLD_MAX; i++)
		CHECK(b.pkt[i] == &hs[i] && !b.send[i]);
	CHECK_EQ(pfkm_dp_hold_poll(H.dp, back_fn, &b), 0);
	CHECK_EQ(b.n, PFKM_DP_HOLD_MAX);
	pfkm_dp_stats_get(H.dp, &st);
	CHECK_EQ(st.hold, PFKM_DP_HOLD_MAX);
	CHECK_EQ(st.hold_timeout, 0);
	CHECK_EQ(st.hold_sent, 0);
	len = udp_pkt(pkt, "10.0.0.1", "10.0.0.2", 1);
	CHECK_EQ(pfkm_dp_output(H.dp, pkt, sizeof(pkt), &len), -EAGAIN);
	dp_host_close(&H);
}
