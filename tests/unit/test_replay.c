// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_replay.c: the anti-replay window (kmod/core/replay.c) against a
 * naive reference (every accepted number kept in a flat array), ESN
 * inference (RFC 4303 Appendix A) and the no-wrap outbound counter.
 */
#include "unit.h"
#include "replay.h"

#include <stdlib.h>

/* The naive reference: a bool per sequence number ever accepted. */
struct naive {
	uint64_t top;
	uint32_t size;
	bool *seen;
	size_t cap;
};

static int naive_check(const struct naive *n, uint64_t seq)
{
	if (seq == 0)
		return -ESTALE;
	if (seq > n->top)
		return 0;
	if (n->top - seq >= n->size)
		return -ESTALE;
	return n->seen[seq] ? -EEXIST : 0;
}

static void naive_accept(struct naive *n, uint64_t seq)
{
	n->seen[seq] = true;
	if (seq > n->top)
		n->top = seq;
}

/* Deterministic PRNG so a failure reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void randomized(uint32_t size, uint64_t base)
{
	struct pfkm_replay r;
	struct naive n = { .top = 0, .size = size };
	size_t i, mismatches = 0;
	uint64_t seq, off;
	int a, b;

	n.cap = 32u << 20;	/* calloc: only touched pages cost */
	n.seen = calloc(n.cap, 1);
	REQUIRE(n.seen);
	REQUIRE_EQ(pfkm_replay_init(&r, size, false), 0);
	/* Start mid-space so the window is full, then mostly move forward with
	 * reordering, duplicates, big jumps and very old packets mixed in. */
	seq = base;
	for (i = 0; i < 60000; i++) {
		uint64_t pick = rnd() % 100;

		if (pick < 50)
			off = seq + rnd() % 8;		/* near the front */
		else if (pick < 80)
			off = seq - (seq > size + 4 ? rnd() % (size + 4) : 0); /* in/around window */
		else if (pick < 90)
			off = seq > 3 ? seq - rnd() % 3 : seq;	/* likely duplicate */
		else if (pick < 97)
			off = seq + rnd() % (2 * size + 70);	/* a jump */
		else
			off = rnd() % (seq + 1);		/* anything older */
		if (off >= n.cap - 1)
			break;
		a = pfkm_replay_check(&r, off);
		b = naive_check(&n, off);
		if (a != b)
			mismatches++;
		if (!a) {
			CHECK_EQ(pfkm_replay_advance(&r, off), 0);
			naive_accept(&n, off);
		} else {
			CHECK_EQ(pfkm_replay_advance(&r, off), a);
		}
		if (off > seq)
			seq = off;
	}
	CHECK_EQ(mismatches, 0);
	CHECK_EQ(r.top, n.top);
	CHECK_EQ(i, 60000);	/* the run was not cut short by cap */
	pfkm_replay_fini(&r);
	free(n.seen);
}

TEST(replay_random_vs_naive_32) { randomized(32, 1); }
TEST(replay_random_vs_naive_64) { randomized(64, 1); }
TEST(replay_random_vs_naive_100) { randomized(100, 1); }
TEST(replay_random_vs_naive_128) { randomized(128, 1000); }
TEST(replay_random_vs_naive_1024) { randomized(1024, 5000); }
TEST(replay_random_vs_naive_4096) { randomized(4096, 10); }

TEST(replay_basic_semantics)
{
	struct pfkm_replay r;

	REQUIRE_EQ(pfkm_replay_init(&r, 64, false), 0);
	CHECK_EQ(pfkm_replay_check(&r, 0), -ESTALE);	/* seq 0 is never sent */
	CHECK_EQ(pfkm_replay_advance(&r, 1), 0);
	CHECK_EQ(pfkm_replay_advance(&r, 1), -EEXIST);
	CHECK_EQ(pfkm_replay_advance(&r, 100), 0);
	CHECK_EQ(pfkm_replay_check(&r, 36), -ESTALE);	/* 100 - 36 = 64: just outside */
	CHECK_EQ(pfkm_replay_check(&r, 37), 0);		/* left edge, unseen */
	CHECK_EQ(pfkm_replay_advance(&r, 37), 0);
	CHECK_EQ(pfkm_replay_check(&r, 37), -EEXIST);
	CHECK_EQ(pfkm_replay_check(&r, 99), 0);
	CHECK_EQ(pfkm_replay_check(&r, 100), -EEXIST);
	/* A 32-bit SA never sees a number above 2^32 - 1. */
	CHECK_EQ(pfkm_replay_check(&r, 1ull << 32), -ESTALE);
	/* Advancing far past the ring must forget every old bit. */
	CHECK_EQ(pfkm_replay_advance(&r, 100 + 64 * 3), 0);
	CHECK_EQ(pfkm_replay_check(&r, 100 + 64 * 3 - 1), 0);
	CHECK_EQ(pfkm_replay_check(&r, 100 + 64 * 2 + 1), 0);
	pfkm_replay_fini(&r);
}

TEST(replay_init_limits)
{
	struct pfkm_replay r;

	CHECK_EQ(pfkm_replay_init(&r, PFKM_REPLAY_MAX + 1, false), -EINVAL);
	CHECK_EQ(pfkm_replay_init(&r, 0, true), -EINVAL);
	REQUIRE_EQ(pfkm_replay_init(&r, PFKM_REPLAY_MAX, true), 0);
	CHECK_EQ(r.nbits, PFKM_REPLAY_MAX);
	pfkm_replay_fini(&r);
	REQUIRE_EQ(pfkm_replay_init(&r, 33, false), 0);
	CHECK_EQ(r.nbits, 64);
	CHECK_EQ(pfkm_replay_advance(&r, 40), 0);
	CHECK_EQ(pfkm_replay_check(&r, 8), 0);		/* 40 - 8 = 32 < 33 */
	CHECK_EQ(pfkm_replay_check(&r, 7), -ESTALE);
	pfkm_replay_fini(&r);
}

TEST(replay_disabled_window)
{
	struct pfkm_replay r;

	REQUIRE_EQ(pfkm_replay_init(&r, 0, false), 0);
	CHECK_EQ(pfkm_replay_advance(&r, 5), 0);
	CHECK_EQ(pfkm_replay_advance(&r, 5), 0);	/* no anti-replay: accepted */
	CHECK_EQ(pfkm_replay_advance(&r, 1), 0);
	CHECK_EQ(pfkm_replay_check(&r, 0), -ESTALE);
	pfkm_replay_fini(&r);
}

TEST(replay_esn_infer_rfc4303_cases)
{
	struct pfkm_replay r;

	REQUIRE_EQ(pfkm_replay_init(&r, 64, true), 0);
	/* Case A, window inside epoch 2: T = 2:1000. */
	REQUIRE_EQ(pfkm_replay_advance(&r, (2ull << 32) | 1000), 0);
	CHECK_EQ(pfkm_replay_infer(&r, 1000), (2ull << 32) | 1000);
	CHECK_EQ(pfkm_replay_infer(&r, 937), (2ull << 32) | 937);	/* left edge */
	CHECK_EQ(pfkm_replay_infer(&r, 936), (3ull << 32) | 936);	/* next epoch */
	CHECK_EQ(pfkm_replay_infer(&r, 0xffffffffu), (2ull << 32) | 0xffffffffu);
	/* Case B, window straddles the start of epoch 3: T = 3:10. */
	REQUIRE_EQ(pfkm_replay_advance(&r, (3ull << 32) | 10), 0);
	CHECK_EQ(pfkm_replay_infer(&r, 5), (3ull << 32) | 5);
	CHECK_EQ(pfkm_replay_infer(&r, 0xfffffff0u), (2ull << 32) | 0xfffffff0u);
	CHECK_EQ(pfkm_replay_infer(&r, 0x80000000u), (3ull << 32) | 0x80000000u);
	CHECK_EQ(pfkm_replay_check(&r, (2ull << 32) | 0xfffffff0u), 0);
	CHECK_EQ(pfkm_replay_check(&r, (2ull << 32) | 0xffffff00u), -ESTALE);
	pfkm_replay_fini(&r);

	/* Before any packet, the "previous epoch" does not exist. */
	REQUIRE_EQ(pfkm_replay_init(&r, 64, true), 0);
	CHECK_EQ(pfkm_replay_infer(&r, 0xfffffff0u), 0);
	CHECK_EQ(pfkm_replay_check(&r, 0), -ESTALE);
	CHECK_EQ(pfkm_replay_infer(&r, 1), 1);
	pfkm_replay_fini(&r);
}

TEST(replay_esn_infer_random)
{
	static const uint32_t sizes[] = { 32, 64, 128, 1024 };
	struct pfkm_replay r;
	size_t s, i, bad = 0;

	for (s = 0; s < OS_ARRAY_SIZE(sizes); s++) {
		uint32_t w = sizes[s];

		REQUIRE_EQ(pfkm_replay_init(&r, w, true), 0);
		for (i = 0; i < 20000; i++) {
			/* Tops near epoch boundaries, where inference matters. */
			uint64_t top = ((rnd() % 4 + 1) << 32) + (rnd() % (4 * w)) - 2 * w;
			uint64_t actual;

			r.top = top;
			/* Any number from the window's left edge up to 2^31 ahead. */
			actual = top - w + 1 + rnd() % (w + (1u << 31));
			if (pfkm_replay_infer(&r, (uint32_t)actual) != actual)
				bad++;
		}
		CHECK_EQ(bad, 0);
		pfkm_replay_fini(&r);
	}
}

TEST(replay_seq_next_no_wrap)
{
	uint64_t last = 0, seq = 0;

	CHECK_EQ(pfkm_replay_seq_next(&last, false, &seq), 0);
	CHECK_EQ(seq, 1);
	last = 0xfffffffeull;
	CHECK_EQ(pfkm_replay_seq_next(&last, false, &seq), 0);
	CHECK_EQ(seq, 0xffffffffull);
	seq = 7;
	CHECK_EQ(pfkm_replay_seq_next(&last, false, &seq), -EOVERFLOW);
	CHECK_EQ(last, 0xffffffffull);		/* unchanged, and stays refused */
	CHECK_EQ(seq, 7);
	CHECK_EQ(pfkm_replay_seq_next(&last, false, &seq), -EOVERFLOW);
	/* ESN continues past 2^32 and stops at 2^64 - 1. */
	CHECK_EQ(pfkm_replay_seq_next(&last, true, &seq), 0);
	CHECK_EQ(seq, 1ull << 32);
	last = UINT64_MAX - 1;
	CHECK_EQ(pfkm_replay_seq_next(&last, true, &seq), 0);
	CHECK_EQ(seq, UINT64_MAX);
	CHECK_EQ(pfkm_replay_seq_next(&last, true, &seq), -EOVERFLOW);
}

/* The in-module self-test (selftest/replay.c) passes here too. */
TEST(replay_core_selftest)
{
	CHECK_EQ(pfkm_selftest_replay(), 0);
}
