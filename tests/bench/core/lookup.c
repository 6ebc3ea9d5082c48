// SPDX-License-Identifier: BSD-2-Clause
/*
 * lookup.c: kmod/core lookup benchmark (tests/bench/core.sh). Measures, in
 * one run:
 *   - SADB inbound lookup (daddr, spi, proto) at 1k and 1M SAs, twice:
 *     "hot": a working set of 1k SAs (the algorithmic cost: hashing, probe
 *     length), picked evenly over the insertion order so that it has the
 *     table's own probe lengths (keys inserted while a table is nearly empty
 *     sit in their home slot), and "cold": keys spread over the whole table
 *     (adds the cache and TLB misses a big table costs any design);
 *   - SPD lookup at 10 and 10k policies (host /32 policies plus a fixed
 *     set of prefix policies; flows hit host policies), hot and cold alike.
 * Both sides of a ratio are measured alternately, round after round, and
 * each figure is the best round (ns per lookup), so load from other
 * processes affects both sides alike and preempted rounds drop out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <arpa/inet.h>
#include "sadb.h"
#include "spd.h"

#define ROUNDS 31
#define LOOKUPS 400000u

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static volatile uintptr_t sink;

struct sakey {
	struct pfkm_addr d;
	uint32_t spi;
};

struct sab {
	struct pfkm_sadb db;
	struct sakey *keys;
	uint32_t *hot, *cold;
	double best_hot, best_cold;
};

/* LOOKUPS random picks among `working` keys spaced `stride` apart. */
static uint32_t *make_order(uint32_t seed, size_t working, size_t stride)
{
	uint32_t *o = malloc(LOOKUPS * sizeof(*o));
	size_t i;

	for (i = 0; i < LOOKUPS; i++)
		o[i] = (uint32_t)((rnd(&seed) % working) * stride);
	return o;
}

static void sab_init(struct sab *b, size_t n)
{
	size_t i;

	pfkm_sadb_init(&b->db);
	b->keys = calloc(n, sizeof(*b->keys));
	for (i = 0; i < n; i++) {
		struct pfkm_sa *sa = pfkm_sadb_sa_alloc();

		sa->family = AF_INET;
		sa->proto = IPPROTO_ESP;
		sa->state = PFKM_SA_MATURE;
		/* unique SPIs from a bijection of i, 1024 peers */
		sa->spi = htonl((uint32_t)(i * 2654435761u) | 0x100);
		sa->daddr.w[0] = htonl(0x0a000000 | (uint32_t)(i % 1024));
		sa->saddr.w[0] = htonl(0xc0a80001);
		pfkm_sadb_insert(&b->db, sa);
		b->keys[i].d = sa->daddr;
		b->keys[i].spi = sa->spi;
	}
	b->hot = make_order(12345, 1000, n / 1000);
	b->cold = make_order(12345, n, 1);
	b->best_hot = b->best_cold = 1e18;
}

static double sab_round(struct sab *b, const uint32_t *order)
{
	double t0 = now_ns();
	size_t i;

	for (i = 0; i < LOOKUPS; i++) {
		const struct sakey *k = &b->keys[order[i]];
		struct pfkm_sa *sa = pfkm_sadb_lookup(&b->db, AF_INET, &k->d, k->spi, IPPROTO_ESP);

		if (!sa) {
			fprintf(stderr, "sadb lookup lost a key\n");
			exit(1);
		}
		sink += (uintptr_t)sa;
	}
	return (now_ns() - t0) / LOOKUPS;
}

static void sab_fini(struct sab *b)
{
	pfkm_sadb_destroy(&b->db);
	free(b->keys);
	free(b->hot);
	free(b->cold);
}

struct spb {
	struct pfkm_spd spd;
	struct pfkm_spd_flow *fl;
	uint32_t *hot, *cold;
	double best_hot, best_cold;
};

static void spb_init(struct spb *b, size_t n)
{
	size_t i;

	pfkm_spd_init(&b->spd);
	b->fl = calloc(n, sizeof(*b->fl));
	for (i = 0; i < n + 4; i++) {
		struct pfkm_policy *p = pfkm_spd_policy_alloc(), *old;

		p->dir = IPSEC_DIR_OUTBOUND;
		p->sel.family = AF_INET;
		if (i < n) {
			/* host-to-host, as setkey configurations mostly are */
			p->sel.saddr.w[0] = htonl(0x0a000000 | (uint32_t)i);
			p->sel.daddr.w[0] = htonl(0x0b000000 | (uint32_t)i);
			p->sel.splen = p->sel.dplen = 32;
			p->priority = 0x80000000;
			b->fl[i].family = AF_INET;
			b->fl[i].saddr = p->sel.saddr;
			b->fl[i].daddr = p->sel.daddr;
			b->fl[i].proto = IPPROTO_TCP;
		} else {
			/* a few prefix policies of lower priority */
			p->sel.saddr.w[0] = htonl(0x0a000000);
			p->sel.splen = (uint8_t)(8 + (i - n) * 4);
			p->priority = 0xc0000000;
		}
		if (pfkm_spd_insert(&b->spd, p, true, &old)) {
			fprintf(stderr, "spd insert failed\n");
			exit(1);
		}
		pfkm_spd_policy_put(p);
	}
	b->hot = make_order(777, 10, n / 10);
	b->cold = make_order(777, n, 1);
	b->best_hot = b->best_cold = 1e18;
}

static double spb_round(struct spb *b, const uint32_t *order)
{
	double t0 = now_ns();
	size_t i;

	for (i = 0; i < LOOKUPS; i++) {
		const struct pfkm_spd_flow *f = &b->fl[order[i]];
		struct pfkm_policy *p = pfkm_spd_lookup(&b->spd, IPSEC_DIR_OUTBOUND, f);

		if (!p || p->sel.splen != 32) {
			fprintf(stderr, "spd lookup picked the wrong policy\n");
			exit(1);
		}
		sink += (uintptr_t)p;
	}
	return (now_ns() - t0) / LOOKUPS;
}

static void spb_fini(struct spb *b)
{
	pfkm_spd_destroy(&b->spd);
	free(b->fl);
	free(b->hot);
	free(b->cold);
}

static void keep(double *best, double v)
{
	if (v < *best)
		*best = v;
}

int main(void)
{
	struct sab s1, s2;
	struct spb p1, p2;
	int r;

	sab_init(&s1, 1000);
	sab_init(&s2, 1000000);
	for (r = 0; r < ROUNDS; r++) {
		keep(&s1.best_hot, sab_round(&s1, s1.hot));
		keep(&s2.best_hot, sab_round(&s2, s2.hot));
		keep(&s2.best_cold, sab_round(&s2, s2.cold));
	}
	printf("sadb inbound lookup, hot 1k keys:   1k SAs %.1f ns/op, 1M SAs %.1f ns/op, ratio %.2f (goal <= 1.3)\n",
	       s1.best_hot, s2.best_hot, s2.best_hot / s1.best_hot);
	printf("sadb inbound lookup, keys over all: 1k SAs %.1f ns/op, 1M SAs %.1f ns/op, ratio %.2f (cache-cold)\n",
	       s1.best_hot, s2.best_cold, s2.best_cold / s1.best_hot);
	sab_fini(&s1);
	sab_fini(&s2);
	spb_init(&p1, 10);
	spb_init(&p2, 10000);
	for (r = 0; r < ROUNDS; r++) {
		keep(&p1.best_hot, spb_round(&p1, p1.hot));
		keep(&p2.best_hot, spb_round(&p2, p2.hot));
		keep(&p2.best_cold, spb_round(&p2, p2.cold));
	}
	printf("spd lookup, hot 10 flows:           10 policies %.1f ns/op, 10k policies %.1f ns/op, ratio %.2f (goal <= 3)\n",
	       p1.best_hot, p2.best_hot, p2.best_hot / p1.best_hot);
	printf("spd lookup, flows over all:         10 policies %.1f ns/op, 10k policies %.1f ns/op, ratio %.2f (cache-cold)\n",
	       p1.best_hot, p2.best_cold, p2.best_cold / p1.best_hot);
	spb_fini(&p1);
	spb_fini(&p2);
	return 0;
}
