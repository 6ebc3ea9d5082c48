// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_dp_workers.c: keyd's crypto lanes (src/engine/dp_workers.c) and the
 * core's split data-path calls they run (kmod/core/dp.h pfkm_dp_*_prep,
 * pfkm_dp_job_xform, pfkm_dp_job_done).
 *   - the pool alone: N keys x M items in batches over 1..4 lanes; each
 *     key's items run in the order added, never two of one key at once
 *     (a flag per key, swapped atomically), every item exactly once, every
 *     lane used (a batch under KEYD_DP_SPREAD_MIN: lane 0 only); a batch started and destroyed at once (items in flight)
 *     still runs each item once; bad arguments refused.
 *   - real packets: host A sends four flows on four ESP tunnel SAs to host
 *     B, batches of 64 through _prep, a pool of 3 lanes and _done on both
 *     sides: every packet protected and delivered intact, each SA's
 *     sequence numbers 1, 2, 3, ... in slot order, no replay or ICV drop;
 *     a hard byte limit reached in the middle of a batch stops that SA at
 *     the same packet as the one-call path would.
 * Under -fsanitize=thread (tests/unit/tsan.sh) the same cases check that
 * the hand-over between the poll thread and the lanes is race free.
 */
#include <pthread.h>
#include <stdatomic.h>
#include "dp_host.h"
#include "../../src/engine/keyd.h"

#define NKEYS 8u
#define PER_KEY 300u
#define BATCH 64u

struct order {
	atomic_int busy[NKEYS];
	unsigned int next[NKEYS];	/* next sequence number expected per key */
	unsigned int key_of[NKEYS * PER_KEY], seq_of[NKEYS * PER_KEY];
	atomic_uint ran[NKEYS * PER_KEY];
	atomic_int overlap, disorder;
	atomic_uint spin;
};

static void order_item(void *arg, unsigned int item)
{
	struct order *o = arg;
	unsigned int k = o->key_of[item], i;

	if (atomic_exchange(&o->busy[k], 1))
		atomic_fetch_add(&o->overlap, 1);
	/* owned by one lane at a time: a plain read-modify-write */
	if (o->seq_of[item] != o->next[k])
		atomic_fetch_add(&o->disorder, 1);
	o->next[k] = o->seq_of[item] + 1;
	for (i = 0; i < 200; i++)	/* some work, so lanes overlap */
		atomic_fetch_add_explicit(&o->spin, 1, memory_order_relaxed);
	atomic_fetch_add(&o->ran[item], 1);
	atomic_store(&o->busy[k], 0);
}

static void pool_order(unsigned int lanes)
{
	static struct order o;
	struct keyd_dp_workers *w;
	uint64_t per_lane[8];
	unsigned int i, n = NKEYS * PER_KEY, seq[NKEYS] = { 0 };
	uint32_t st = 12345;

	memset(&o, 0, sizeof(o));
	REQUIRE_EQ(keyd_dp_workers_create(lanes, BATCH, order_item, &o, &w), 0);
	CHECK_EQ(keyd_dp_workers_count(w), lanes);
	/* items of the keys in a pseudo-random interleaving */
	for (i = 0; i < n; i++) {
		unsigned int k;

		do {
			st = st * 1103515245u + 12345u;
			k = (st >> 16) % NKEYS;
		} while (seq[k] == PER_KEY);
		o.key_of[i] = k;
		o.seq_of[i] = seq[k]++;
	}
	for (i = 0; i < n; i++) {
		/* keys hashed like pfkm_dp_job.key: any 32-bit value */
		REQUIRE_EQ(keyd_dp_workers_add(w, i, 0x9e3779b9u * (o.key_of[i] + 1)), 0);
		if ((i + 1) % BATCH == 0 || i + 1 == n)
			keyd_dp_workers_wait(w);
	}
	CHECK_EQ(atomic_load(&o.overlap), 0);
	CHECK_EQ(atomic_load(&o.disorder), 0);
	for (i = 0; i < NKEYS; i++)
		CHECK_EQ(o.next[i], PER_KEY);
	for (i = 0; i < n; i++)
		CHECK_EQ(atomic_load(&o.ran[i]), 1);
	keyd_dp_workers_stats(w, per_lane, 8);
	for (i = 0; i < lanes; i++)
		CHECK(per_lane[i] > 0);	/* eight keys: every lane got some */
	for (i = 0; i < 8; i++)
		n -= (unsigned int)per_lane[i];
	CHECK_EQ(n, 0);
	keyd_dp_workers_destroy(w);
}

TEST(dp_workers_order_per_key)
{
	unsigned int lanes;

	for (lanes = 1; lanes <= 4; lanes++)
		pool_order(lanes);
}

TEST(dp_workers_destroy_in_flight)
{
	static struct order o;
	struct keyd_dp_workers *w;
	unsigned int i, round;

	for (round = 0; round < 20; round++) {
		memset(&o, 0, sizeof(o));
		REQUIRE_EQ(keyd_dp_workers_create(3, BATCH, order_item, &o, &w), 0);
		for (i = 0; i < BATCH; i++) {
			o.key_of[i] = i % NKEYS;
			o.seq_of[i] = i / NKEYS;
			REQUIRE_EQ(keyd_dp_workers_add(w, i, i % NKEYS), 0);
		}
		/* started on odd rounds, only added on even ones */
		if (round & 1)
			keyd_dp_workers_start(w);
		keyd_dp_workers_destroy(w);
		for (i = 0; i < BATCH; i++)
			CHECK_EQ(atomic_load(&o.ran[i]), 1);
		CHECK_EQ(atomic_load(&o.disorder), 0);
		CHECK_EQ(atomic_load(&o.overlap), 0);
	}
}

TEST(dp_workers_refuses)
{
	static struct order o;
	struct keyd_dp_workers *w;
	uint64_t ran[2];
	unsigned int i;

	CHECK_EQ(keyd_dp_workers_create(0, BATCH, order_item, &o, &w), -EINVAL);
	CHECK_EQ(keyd_dp_workers_create(KEYD_DP_THREADS_MAX + 1, BATCH, order_item, &o, &w),
		 -EINVAL);
	CHECK_EQ(keyd_dp_workers_create(2, 0, order_item, &o, &w), -EINVAL);
	CHECK_EQ(keyd_dp_workers_create(2, BATCH, NULL, &o, &w), -EINVAL);
	i = keyd_dp_workers_default();
	CHECK(i >= 1 && i <= KEYD_DP_THREADS_DEFAULT_MAX);

	memset(&o, 0, sizeof(o));
	REQUIRE_EQ(keyd_dp_workers_create(2, 4, order_item, &o, &w), 0);
	for (i = 0; i < 4; i++) {
		o.key_of[i] = 0;
		o.seq_of[i] = i;
		CHECK_EQ(keyd_dp_workers_add(w, i, 7), 0);
	}
	CHECK_EQ(keyd_dp_workers_add(w, 4, 7), -ENOSPC);	/* full */
	keyd_dp_workers_start(w);
	CHECK_EQ(keyd_dp_workers_add(w, 4, 7), -ENOSPC);	/* running */
	keyd_dp_workers_wait(w);
	CHECK_EQ(o.next[0], 4);
	/* fewer than KEYD_DP_SPREAD_MIN items: all on the caller's lane */
	keyd_dp_workers_stats(w, ran, 2);
	CHECK_EQ(ran[0], 4);
	CHECK_EQ(ran[1], 0);
	keyd_dp_workers_destroy(w);
	keyd_dp_workers_destroy(NULL);
}

/* ---- real packets through the split calls and a pool ------------------- */

#define FLOWS 4u
#define PKTS 64u		/* per flow, on average */
#define PKT_CAP 256u

struct xf {
	struct pfkm_dp_job job[BATCH];
	uint8_t buf[BATCH][PKT_CAP];
	size_t len[BATCH];
};

static void xf_item(void *arg, unsigned int i)
{
	struct xf *x = arg;

	pfkm_dp_job_xform(&x->job[i], x->buf[i], PKT_CAP, &x->len[i]);
}

/* The ESP sequence number of an IPv4-outer tunnel packet. */
static uint32_t esp_seq(const uint8_t *p)
{
	return (uint32_t)p[24] << 24 | (uint32_t)p[25] << 16 | (uint32_t)p[26] << 8 | p[27];
}

static uint32_t esp_spi(const uint8_t *p)
{
	return (uint32_t)p[20] << 24 | (uint32_t)p[21] << 16 | (uint32_t)p[22] << 8 | p[23];
}

/* Slots 0 .. n of x through one side's split calls over pool w: out or
 * in; ret[i] each slot's final result. */
static void xf_batch(struct pfkm_dp *dp, struct keyd_dp_workers *w, struct xf *x,
		     unsigned int n, bool out, int *ret)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		ret[i] = out ? pfkm_dp_output_prep(dp, x->buf[i], PKT_CAP, &x->len[i], NULL,
						   &x->job[i]) :
			pfkm_dp_input_prep(dp, x->buf[i], &x->len[i], NULL, &x->job[i]);
		if (ret[i] == PFKM_DP_QUEUED)
			CHECK_EQ(keyd_dp_workers_add(w, i, x->job[i].key), 0);
	}
	keyd_dp_workers_wait(w);
	for (i = 0; i < n; i++)
		if (ret[i] == PFKM_DP_QUEUED)
			ret[i] = pfkm_dp_job_done(dp, &x->job[i], x->buf[i], &x->len[i], NULL);
}

/* Flow f: 10.1.0.f+1 -> 10.2.0.f+1 through SA 0x100 + f, a tunnel from
 * 192.0.2.1 to 192.0.2.(f + 2) (one gateway each: a template takes the
 * newest SA between its endpoints). */
static void flows_open(struct dp_host *A, struct dp_host *B)
{
	char s[32], d[32], g[32];
	unsigned int f;

	for (f = 0; f < FLOWS; f++) {
		snprintf(s, sizeof(s), "10.1.0.%u", f + 1);
		snprintf(d, sizeof(d), "10.2.0.%u", f + 1);
		snprintf(g, sizeof(g), "192.0.2.%u", f + 2);
		CHECK_EQ(dp_host_flow(A, B, &dp_gcm, IPSEC_MODE_TUNNEL, 0x100 + f, s, d,
				      "192.0.2.1", g), 0);
	}
}

TEST(dp_workers_four_sas_in_order)
{
	static struct xf x;
	struct keyd_dp_workers *wa, *wb;
	struct pfkm_dp_sa_stats ss;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct dp_host A, B;
	uint32_t next[FLOWS] = { 1, 1, 1, 1 }, count[FLOWS] = { 0 };
	int ret[BATCH];
	unsigned int sent = 0, i, f;
	char s[32], d[32];

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	flows_open(&A, &B);
	REQUIRE_EQ(keyd_dp_workers_create(3, BATCH, xf_item, &x, &wa), 0);
	REQUIRE_EQ(keyd_dp_workers_create(3, BATCH, xf_item, &x, &wb), 0);
	while (sent < FLOWS * PKTS) {
		for (i = 0; i < BATCH; i++, sent++) {
			f = (sent * 7 + sent / 5) % FLOWS;	/* uneven interleaving */
			count[f]++;
			snprintf(s, sizeof(s), "10.1.0.%u", f + 1);
			snprintf(d, sizeof(d), "10.2.0.%u", f + 1);
			x.len[i] = dp_udp4_pkt(x.buf[i], s, d, false);
			x.buf[i][28] = (uint8_t)sent;	/* the payload tells them apart */
		}
		xf_batch(A.dp, wa, &x, BATCH, true, ret);
		for (i = 0; i < BATCH; i++) {
			CHECK_EQ(ret[i], PFKM_DP_XFORM);
			f = esp_spi(x.buf[i]) - 0x100;
			REQUIRE(f < FLOWS);
			CHECK_EQ(x.buf[i][19], f + 2);	/* its gateway */
			CHECK_EQ(esp_seq(x.buf[i]), next[f]);
			next[f] = esp_seq(x.buf[i]) + 1;
			CHECK(!dp_has_text(x.buf[i], x.len[i]));
		}
		xf_batch(B.dp, wb, &x, BATCH, false, ret);
		for (i = 0; i < BATCH; i++) {
			unsigned int k = sent - BATCH + i;

			CHECK_EQ(ret[i], PFKM_DP_XFORM);
			CHECK_EQ(x.len[i], DP_UDP4_LEN);
			CHECK_EQ(x.buf[i][28], (uint8_t)k);
			CHECK_EQ(x.buf[i][19], (uint8_t)((k * 7 + k / 5) % FLOWS + 1));
		}
	}
	for (f = 0; f < FLOWS; f++) {
		snprintf(d, sizeof(d), "192.0.2.%u", f + 2);
		inet_pton(AF_INET, d, &dst.sin_addr);
		CHECK(count[f] >= PKTS / 2);
		CHECK_EQ(next[f] - 1, count[f]);
		REQUIRE_EQ(pfkm_dp_sa_stats(B.dp, (struct sockaddr *)&dst, htonl(0x100 + f),
					    IPPROTO_ESP, &ss), 0);
		CHECK_EQ(ss.packets, count[f]);
		CHECK_EQ(ss.replay_drop, 0);
		CHECK_EQ(ss.auth_fail, 0);
	}
	keyd_dp_workers_destroy(wa);
	keyd_dp_workers_destroy(wb);
	dp_host_close(&A);
	dp_host_close(&B);
}

/* A hard limit of 10 packets' bytes on one SA, 24 packets of it in one
 * batch: the split path sends 10 (the eleventh finds the limit reached,
 * the SA gone with a hard EXPIRE, the rest find it dead), like the
 * one-call path; the other SA's packets all go. */
TEST(dp_workers_hard_limit_in_batch)
{
	static struct xf x;
	struct keyd_dp_workers *w;
	struct pfkm_dp_stats st;
	struct dp_host A;
	unsigned int i, ok[2] = { 0, 0 };
	int ret[BATCH];
	struct mb m;

	REQUIRE_EQ(dp_host_open(&A), 0);
	dp_sa_msg(&m, &dp_gcm, 0x200, "192.0.2.1", "192.0.2.2", IPSEC_MODE_TUNNEL, 0, 1);
	mb_lifetime(&m, SADB_EXT_LIFETIME_SOFT, 0, 1000000, 0, 0);	/* both or none */
	mb_lifetime(&m, SADB_EXT_LIFETIME_HARD, 0, 10 * DP_UDP4_LEN, 0, 0);
	REQUIRE_EQ(mb_send(&A.c, &m), 0);
	REQUIRE_EQ(dp_host_policy(&A, IPSEC_DIR_OUTBOUND, IPSEC_POLICY_IPSEC, "10.1.0.1",
				  "10.2.0.1", IPPROTO_ESP, IPSEC_MODE_TUNNEL, 0, "192.0.2.1",
				  "192.0.2.2"), 0);
	REQUIRE_EQ(dp_host_flow(&A, NULL, &dp_gcm, IPSEC_MODE_TUNNEL, 0x201, "10.1.0.2",
				"10.2.0.2", "192.0.2.1", "192.0.2.3"), 0);
	REQUIRE_EQ(keyd_dp_workers_create(2, BATCH, xf_item, &x, &w), 0);
	for (i = 0; i < 48; i++)
		x.len[i] = dp_udp4_pkt(x.buf[i], i & 1 ? "10.1.0.2" : "10.1.0.1",
				       i & 1 ? "10.2.0.2" : "10.2.0.1", false);
	xf_batch(A.dp, w, &x, 48, true, ret);
	for (i = 0; i < 48; i++) {
		if (ret[i] == PFKM_DP_XFORM) {
			ok[i & 1]++;
			continue;
		}
		CHECK(i & 1 ? false : ok[0] == 10);
	}
	CHECK_EQ(ok[0], 10);
	CHECK_EQ(ok[1], 24);
	pfkm_dp_stats_get(A.dp, &st);
	CHECK_EQ(st.out_xform, 34);
	/* the SA is gone: the next packet of its flow asks for one */
	x.len[0] = dp_udp4_pkt(x.buf[0], "10.1.0.1", "10.2.0.1", false);
	CHECK_EQ(pfkm_dp_output(A.dp, x.buf[0], PKT_CAP, &x.len[0]), -EAGAIN);
	keyd_dp_workers_destroy(w);
	dp_host_close(&A);
}

/* 10.0.0.1 -> 10.0.0.4 through a bundle, ESP 0x303 inside AH 0x304
 * (transport), on A (out) and B (in). */
static void bundle_open(struct dp_host *A, struct dp_host *B)
{
	struct sadb_x_policy *p;
	struct mb m;

	CHECK_EQ(dp_host_sa(A, &dp_gcm, 0x303, "10.0.0.1", "10.0.0.4", IPSEC_MODE_TRANSPORT, 0,
			    3), 0);
	CHECK_EQ(dp_host_sa(A, &dp_ah, 0x304, "10.0.0.1", "10.0.0.4", IPSEC_MODE_TRANSPORT, 0,
			    4), 0);
	CHECK_EQ(dp_host_sa(B, &dp_gcm, 0x303, "10.0.0.1", "10.0.0.4", IPSEC_MODE_TRANSPORT, 0,
			    3), 0);
	CHECK_EQ(dp_host_sa(B, &dp_ah, 0x304, "10.0.0.1", "10.0.0.4", IPSEC_MODE_TRANSPORT, 0,
			    4), 0);
	p = dp_policy_msg(&m, IPSEC_DIR_OUTBOUND, IPSEC_POLICY_IPSEC, "10.0.0.1", "10.0.0.4",
			  IPPROTO_ESP, IPSEC_MODE_TRANSPORT, 0, NULL, NULL);
	mb_ipsecreq(&m, p, IPPROTO_AH, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 0, NULL, NULL);
	CHECK_EQ(mb_send(&A->c, &m), 0);
	p = dp_policy_msg(&m, IPSEC_DIR_INBOUND, IPSEC_POLICY_IPSEC, "10.0.0.1", "10.0.0.4",
			  IPPROTO_ESP, IPSEC_MODE_TRANSPORT, 0, NULL, NULL);
	mb_ipsecreq(&m, p, IPPROTO_AH, IPSEC_MODE_TRANSPORT, IPSEC_LEVEL_REQUIRE, 0, NULL, NULL);
	CHECK_EQ(mb_send(&B->c, &m), 0);
}

/* Replays within one batch: each protected packet twice, the copy right
 * behind it, over a pool of 2 lanes: the first is delivered, the copy
 * dropped as a replay (the window is one lane's, in order). ESP, AH, and a
 * bundle (AH over ESP: transformed in _prep outbound; inbound the lane
 * takes the outer AH, _done the inner ESP). */
TEST(dp_workers_replay_in_batch)
{
	static struct xf x;
	struct keyd_dp_workers *wa, *wb;
	struct pfkm_dp_sa_stats ss;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct dp_host A, B;
	unsigned int i, ok = 0, rep = 0;
	int ret[BATCH];

	REQUIRE_EQ(dp_host_open(&A), 0);
	REQUIRE_EQ(dp_host_open(&B), 0);
	REQUIRE_EQ(dp_host_flow(&A, &B, &dp_gcm, IPSEC_MODE_TRANSPORT, 0x301, "10.0.0.1",
				"10.0.0.2", NULL, NULL), 0);
	REQUIRE_EQ(dp_host_flow(&A, &B, &dp_ah, IPSEC_MODE_TRANSPORT, 0x302, "10.0.0.1",
				"10.0.0.3", NULL, NULL), 0);
	bundle_open(&A, &B);
	REQUIRE_EQ(keyd_dp_workers_create(2, BATCH, xf_item, &x, &wa), 0);
	REQUIRE_EQ(keyd_dp_workers_create(2, BATCH, xf_item, &x, &wb), 0);
	for (i = 0; i < 16; i++)
		x.len[i] = dp_udp4_pkt(x.buf[i], "10.0.0.1", i % 4 == 3 ? "10.0.0.4" :
				       i & 1 ? "10.0.0.3" : "10.0.0.2", false);
	xf_batch(A.dp, wa, &x, 16, true, ret);
	for (i = 0; i < 16; i++) {
		CHECK_EQ(ret[i], PFKM_DP_XFORM);
		/* the bundle: AH outside ESP */
		CHECK_EQ(x.buf[i][9], i % 4 == 3 || i & 1 ? IPPROTO_AH : IPPROTO_ESP);
	}
	/* slots 16 .. 31: each packet again, right after itself */
	for (i = 16; i-- > 0;) {
		memcpy(x.buf[2 * i], x.buf[i], x.len[i]);
		memcpy(x.buf[2 * i + 1], x.buf[i], x.len[i]);
		x.len[2 * i] = x.len[2 * i + 1] = x.len[i];
	}
	xf_batch(B.dp, wb, &x, 32, false, ret);
	for (i = 0; i < 32; i++) {
		if (i & 1) {
			rep += ret[i] == -EEXIST || ret[i] == -ESTALE;
		} else {
			CHECK_EQ(ret[i], PFKM_DP_XFORM);
			ok += ret[i] == PFKM_DP_XFORM;
			CHECK_EQ(x.len[i], DP_UDP4_LEN);
		}
	}
	CHECK_EQ(ok, 16);
	CHECK_EQ(rep, 16);
	inet_pton(AF_INET, "10.0.0.2", &dst.sin_addr);
	REQUIRE_EQ(pfkm_dp_sa_stats(B.dp, (struct sockaddr *)&dst, htonl(0x301), IPPROTO_ESP,
				    &ss), 0);
	CHECK_EQ(ss.packets, 8);
	CHECK_EQ(ss.replay_drop, 8);
	inet_pton(AF_INET, "10.0.0.3", &dst.sin_addr);
	REQUIRE_EQ(pfkm_dp_sa_stats(B.dp, (struct sockaddr *)&dst, htonl(0x302), IPPROTO_AH,
				    &ss), 0);
	CHECK_EQ(ss.packets, 4);
	CHECK_EQ(ss.replay_drop, 4);
	/* the bundle's copies stop at its outer AH */
	inet_pton(AF_INET, "10.0.0.4", &dst.sin_addr);
	REQUIRE_EQ(pfkm_dp_sa_stats(B.dp, (struct sockaddr *)&dst, htonl(0x304), IPPROTO_AH,
				    &ss), 0);
	CHECK_EQ(ss.packets, 4);
	CHECK_EQ(ss.replay_drop, 4);
	REQUIRE_EQ(pfkm_dp_sa_stats(B.dp, (struct sockaddr *)&dst, htonl(0x303), IPPROTO_ESP,
				    &ss), 0);
	CHECK_EQ(ss.packets, 4);
	CHECK_EQ(ss.replay_drop, 0);
	keyd_dp_workers_destroy(wa);
	keyd_dp_workers_destroy(wb);
	dp_host_close(&A);
	dp_host_close(&B);
}
