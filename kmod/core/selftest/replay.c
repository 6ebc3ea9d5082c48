// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * selftest/replay.c: self-tests of replay.c, #included at its end. A case
 * table of window operations, then for windows of 32, 64, 128 and 1024
 * packets a randomized run (reordering, duplicates, jumps, stale packets)
 * checked at every step against a naive reference that remembers every
 * accepted number in a flat array. tests/unit/test_replay.c runs it too.
 */

#define RST_FAIL(what) do { os_log(OS_LOG_ERR, "replay self-test %s failed (line %d)", \
				   (what), __LINE__); ret = -ENOTRECOVERABLE; goto out; } while (0)

#define RST_RANGE 65536u	/* sequence numbers the randomized run may reach */

static uint32_t rst_rand(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

enum { RST_CHECK, RST_ADVANCE };

static const struct {
	uint8_t op;
	uint64_t seq;
	int want;
} rst_cases[] = {			/* one window of 64, in order */
	/*  1 */ { RST_CHECK, 0, -ESTALE },
	/*  2 */ { RST_ADVANCE, 1, 0 },
	/*  3 */ { RST_ADVANCE, 1, -EEXIST },
	/*  4 */ { RST_ADVANCE, 100, 0 },
	/*  5 */ { RST_CHECK, 36, -ESTALE },
	/*  6 */ { RST_CHECK, 37, 0 },
	/*  7 */ { RST_ADVANCE, 37, 0 },
	/*  8 */ { RST_ADVANCE, 37, -EEXIST },
	/*  9 */ { RST_CHECK, 99, 0 },
	/* 10 */ { RST_CHECK, 100, -EEXIST },
	/* 11 */ { RST_CHECK, 1ull << 32, -ESTALE },
	/* 12 */ { RST_ADVANCE, 292, 0 },
	/* 13 */ { RST_CHECK, 291, 0 },
	/* 14 */ { RST_CHECK, 229, 0 },
	/* 15 */ { RST_CHECK, 228, -ESTALE },
	/* 16 */ { RST_ADVANCE, 0xffffffffull, 0 },
	/* 17 */ { RST_CHECK, 0xffffffffull - 63, 0 },
	/* 18 */ { RST_CHECK, 0xffffffffull - 64, -ESTALE },
};

static int rst_random(uint32_t size, uint32_t seed, bool *seen)
{
	struct pfkm_replay r;
	uint64_t top = 0, seq = 1, off;
	uint32_t i, pick;
	int a, b, ret;

	if (pfkm_replay_init(&r, size, false))
		return -ENOTRECOVERABLE;
	memset(seen, 0, RST_RANGE * sizeof(*seen));
	for (i = 0; i < 20000; i++) {
		pick = rst_rand(&seed) % 100;
		if (pick < 50)
			off = seq + rst_rand(&seed) % 8;
		else if (pick < 80)
			off = seq > size + 4 ? seq - rst_rand(&seed) % (size + 4) : seq;
		else if (pick < 90)
			off = seq > 3 ? seq - rst_rand(&seed) % 3 : seq;
		else if (pick < 97)
			off = seq + rst_rand(&seed) % (size + 70);
		else
			off = rst_rand(&seed) % (seq + 1);
		if (off >= RST_RANGE)
			break;
		/* The naive rule of RFC 4303 s3.4.3. */
		if (off == 0 || (off <= top && top - off >= size))
			b = -ESTALE;
		else if (off <= top && seen[off])
			b = -EEXIST;
		else
			b = 0;
		a = pfkm_replay_advance(&r, off);
		if (a != b)
			RST_FAIL("random window vs naive");
		if (!a) {
			seen[off] = true;
			if (off > top)
				top = off;
		}
		if (off > seq)
			seq = off;
	}
	if (r.top != top)
		RST_FAIL("random window top");
	ret = 0;
out:
	pfkm_replay_fini(&r);
	return ret;
}

int pfkm_selftest_replay(void)
{
	static const uint32_t sizes[] = { 32, 64, 128, 1024 };
	struct pfkm_replay r;
	bool *seen = NULL;
	size_t i;
	int ret;

	if (pfkm_replay_init(&r, 64, false))
		return -ENOTRECOVERABLE;
	for (i = 0; i < OS_ARRAY_SIZE(rst_cases); i++) {
		ret = rst_cases[i].op == RST_CHECK ? pfkm_replay_check(&r, rst_cases[i].seq)
						   : pfkm_replay_advance(&r, rst_cases[i].seq);
		if (ret != rst_cases[i].want) {
			os_log(OS_LOG_ERR, "replay self-test case %zu: got %d", i + 1, ret);
			ret = -ENOTRECOVERABLE;
			goto out;
		}
	}
	seen = os_zalloc(RST_RANGE * sizeof(*seen));
	ret = -ENOMEM;
	if (!seen)
		goto out;
	for (i = 0; i < OS_ARRAY_SIZE(sizes); i++) {
		ret = rst_random(sizes[i], 0x2545f491u + (uint32_t)i, seen);
		if (ret)
			goto out;
	}
	ret = 0;
out:
	os_free(seen);
	pfkm_replay_fini(&r);
	return ret;
}
