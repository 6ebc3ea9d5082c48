// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * replay.c: the anti-replay window and the outbound sequence counter of an
 * SA (see replay.h for the calling protocol).
 */
#include "replay.h"

int pfkm_replay_init(struct pfkm_replay *r, uint32_t size, bool esn)
{
	memset(r, 0, sizeof(*r));
	if (size > PFKM_REPLAY_MAX || (esn && size == 0))
		return -EINVAL;
	r->size = size;
	r->esn = esn;
	if (!size)
		return 0;
	r->nbits = (size + 63u) & ~63u;
	r->bits = os_zalloc(r->nbits / 8);
	if (!r->bits)
		return -ENOMEM;
	return 0;
}

void pfkm_replay_fini(struct pfkm_replay *r)
{
	os_free(r->bits);
	memset(r, 0, sizeof(*r));
}

uint64_t pfkm_replay_infer(const struct pfkm_replay *r, uint32_t seq_lo)
{
	uint32_t tl = (uint32_t)r->top, th = (uint32_t)(r->top >> 32);
	uint32_t w = r->size;

	if (!r->esn)
		return seq_lo;
	if (tl >= w - 1) {
		/* Case A: the window lies inside one 2^32 epoch. */
		if (seq_lo >= tl - w + 1)
			return (uint64_t)th << 32 | seq_lo;
		if (th == UINT32_MAX)
			return 0;	/* no epoch after the last: reject */
		return (uint64_t)(th + 1) << 32 | seq_lo;
	}
	/* Case B: the window straddles the start of epoch th. */
	if (seq_lo >= tl - w + 1) {	/* mod 2^32: left part, previous epoch */
		if (th == 0)
			return 0;	/* before the first packet: reject */
		return (uint64_t)(th - 1) << 32 | seq_lo;
	}
	return (uint64_t)th << 32 | seq_lo;
}

static bool bit_test(const struct pfkm_replay *r, uint64_t seq)
{
	uint32_t pos = (uint32_t)(seq % r->nbits);

	return r->bits[pos / 64] >> (pos % 64) & 1;
}

int pfkm_replay_check(const struct pfkm_replay *r, uint64_t seq)
{
	if (seq == 0)
		return -ESTALE;		/* never sent: the first packet is 1 */
	if (!r->esn && seq > UINT32_MAX)
		return -ESTALE;
	if (!r->size || seq > r->top)
		return 0;
	if (r->top - seq >= r->size)
		return -ESTALE;
	return bit_test(r, seq) ? -EEXIST : 0;
}

/* Clear the ring positions of seqs (from, to]; to - from < nbits. */
static void clear_range(struct pfkm_replay *r, uint64_t from, uint64_t to)
{
	uint32_t pos = (uint32_t)((from + 1) % r->nbits);
	uint64_t n = to - from;

	while (n) {
		if (pos % 64 == 0 && n >= 64) {
			r->bits[pos / 64] = 0;
			n -= 64;
			pos += 64;
		} else {
			r->bits[pos / 64] &= ~(1ull << (pos % 64));
			n--;
			pos++;
		}
		if (pos == r->nbits)
			pos = 0;
	}
}

int pfkm_replay_advance(struct pfkm_replay *r, uint64_t seq)
{
	uint32_t pos;
	int ret;

	ret = pfkm_replay_check(r, seq);
	if (ret)
		return ret;
	if (!r->size) {
		if (seq > r->top)
			r->top = seq;
		return 0;
	}
	if (seq > r->top) {
		if (seq - r->top >= r->nbits)
			memset(r->bits, 0, r->nbits / 8);
		else
			clear_range(r, r->top, seq);
		r->top = seq;
	}
	pos = (uint32_t)(seq % r->nbits);
	r->bits[pos / 64] |= 1ull << (pos % 64);
	return 0;
}

int pfkm_replay_seq_next(uint64_t *last, bool esn, uint64_t *seq)
{
	uint64_t max = esn ? UINT64_MAX : UINT32_MAX;

	if (*last >= max)
		return -EOVERFLOW;
	*seq = ++*last;
	return 0;
}

#include "selftest/replay.c"
