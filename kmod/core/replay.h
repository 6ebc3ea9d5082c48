/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * replay.h: sequence numbers of one SA. The inbound anti-replay window
 * (RFC 4303 s3.4.3, RFC 4302 s3.4.3; ESN inference per RFC 4303 Appendix A)
 * and the outbound counter that refuses to wrap (s3.3.3).
 *
 * The window is a bitmap of `size` packets (1..PFKM_REPLAY_MAX, any size,
 * not only multiples of 32) kept as a ring indexed by seq modulo the bitmap
 * length, so advancing the right edge clears bits instead of shifting the
 * whole map. size 0 disables the anti-replay check (RFC 4303 allows it for
 * manually keyed SAs); ESN needs a window to infer the high half.
 *
 * Use on receive: full = pfkm_replay_infer(r, wire_seq) (identity without
 * ESN), pfkm_replay_check(r, full) before the ICV is verified (cheap drop of
 * replays), pfkm_replay_advance(r, full) only after the ICV verified, so a
 * forged packet never moves the window. Callers serialize calls per window.
 */
#ifndef PFKM_REPLAY_H
#define PFKM_REPLAY_H

#include "os.h"

#define PFKM_REPLAY_MAX 4096u	/* largest window, packets */

struct pfkm_replay {
	uint64_t top;		/* highest authenticated seq; 0: none yet */
	uint32_t size;		/* window, packets; 0: no anti-replay */
	uint32_t nbits;		/* ring length: size rounded up to 64 */
	bool esn;		/* 64-bit extended sequence numbers */
	uint64_t *bits;		/* nbits / 64 words, os_zalloc'd */
};

/* Set up r for a window of size packets. -EINVAL if size > PFKM_REPLAY_MAX
 * or esn with size 0, -ENOMEM. */
int pfkm_replay_init(struct pfkm_replay *r, uint32_t size, bool esn);
void pfkm_replay_fini(struct pfkm_replay *r);

/* Full sequence number for the low 32 bits seen on the wire. Without ESN
 * this is seq_lo itself. With ESN (RFC 4303 A2.2) the high half is chosen so
 * that the result falls in or right of the window; the ICV decides whether
 * the guess was right. */
uint64_t pfkm_replay_infer(const struct pfkm_replay *r, uint32_t seq_lo);

/*
 * 0 if seq may be new; -ESTALE if it is 0 or left of the window (too old),
 * -EEXIST if it was already received. Never modifies r.
 */
int pfkm_replay_check(const struct pfkm_replay *r, uint64_t seq);
/* Record an authenticated seq: re-checks (so check+advance is atomic under
 * the caller's lock) and moves the window. Same errors as check. */
int pfkm_replay_advance(struct pfkm_replay *r, uint64_t seq);

/*
 * Outbound: the next sequence number after *last (the last one sent; 0
 * before the first packet). -EOVERFLOW once the 32-bit (or, with ESN, 64-bit)
 * space is used up: the counter never wraps and the SA must be rekeyed
 * (RFC 4303 s3.3.3). *last is only updated on success.
 */
int pfkm_replay_seq_next(uint64_t *last, bool esn, uint64_t *seq);

/* Self-tests (selftest/replay.c): 0, or -ENOTRECOVERABLE after logging. */
int pfkm_selftest_replay(void);

#endif /* PFKM_REPLAY_H */
