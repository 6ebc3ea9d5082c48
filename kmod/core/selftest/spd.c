// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * selftest/spd.c: self-tests of spd.c, #included at its end. A case table
 * of flows against a fixed policy set (prefixes, ports, protocol, priority,
 * ties, ids), then a randomized comparison of pfkm_spd_lookup with a naive
 * linear scan over random policies and flows.
 */
#include "../selftest.h"

#define SP_FAIL(what) do { os_log(OS_LOG_ERR, "spd self-test %s failed (line %d)", \
				  (what), __LINE__); ret = -ENOTRECOVERABLE; goto out; } while (0)

static uint32_t sp_rand(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

struct sp_def {
	uint32_t s; uint8_t splen; uint32_t d; uint8_t dplen;
	uint8_t proto; uint16_t sport, dport; uint32_t prio;
};

static const struct sp_def sp_pols[] = {
	/* 0 */ { 0x0a000000, 8, 0x0b000000, 8, 0, 0, 0, 100 },
	/* 1 */ { 0x0a000001, 32, 0x0b000001, 32, 0, 0, 0, 200 },
	/* 2 */ { 0x0a000001, 32, 0x0b000001, 32, 6, 0, 80, 50 },
	/* 3 */ { 0x0a000000, 24, 0x0b000000, 24, 0, 0, 0, 100 },	/* tie with 0 */
	/* 4 */ { 0, 0, 0, 0, 17, 53, 0, 10 },
};

static const struct {
	uint32_t s, d; uint8_t proto; uint16_t sport, dport; int want;
} sp_cases[] = {
	/*  0 */ { 0x0a000001, 0x0b000001, 6, 1000, 80, 2 },	/* port beats prefix */
	/*  1 */ { 0x0a000001, 0x0b000001, 6, 1000, 81, 0 },	/* 0 older than 3 */
	/*  2 */ { 0x0a000101, 0x0b000001, 0, 0, 0, 0 },
	/*  3 */ { 0x0c000001, 0x0b000001, 0, 0, 0, -1 },
	/*  4 */ { 0x0c000001, 0x0d000001, 17, 53, 9, 4 },
	/*  5 */ { 0x0c000001, 0x0d000001, 17, 54, 9, -1 },
	/*  6 */ { 0x0a000001, 0x0b000001, 17, 53, 0, 4 },	/* prio 10 wins */
	/*  7 */ { 0x0a000001, 0x0b000001, 0, 0, 80, 0 },	/* proto 6 needed */
};

static void sp_fill(struct pfkm_policy *p, const struct sp_def *d, uint8_t dir)
{
	p->dir = dir;
	p->priority = d->prio;
	p->sel.family = AF_INET;
	p->sel.saddr.w[0] = os_htonl(d->s);
	p->sel.daddr.w[0] = os_htonl(d->d);
	p->sel.splen = d->splen;
	p->sel.dplen = d->dplen;
	p->sel.proto = d->proto;
	p->sel.sport = os_htons(d->sport);
	p->sel.dport = os_htons(d->dport);
}

static int sp_table(void)
{
	struct pfkm_policy *pols[OS_ARRAY_SIZE(sp_pols)] = { NULL }, *old, *got;
	struct pfkm_spd spd;
	size_t i;
	int ret = 0;

	if (pfkm_spd_init(&spd))
		return -ENOMEM;
	for (i = 0; i < OS_ARRAY_SIZE(sp_pols); i++) {
		pols[i] = pfkm_spd_policy_alloc();
		if (!pols[i])
			SP_FAIL("alloc");
		sp_fill(pols[i], &sp_pols[i], IPSEC_DIR_OUTBOUND);
		if (pfkm_spd_insert(&spd, pols[i], true, &old) || old)
			SP_FAIL("insert");
		/* ids: (generator | dir-1), generator += 8 */
		if (pols[i]->id != (uint32_t)(i * 8 + 1) ||
		    pfkm_spd_id2dir(pols[i]->id) != IPSEC_DIR_OUTBOUND)
			SP_FAIL("id");
	}
	for (i = 0; i < OS_ARRAY_SIZE(sp_cases); i++) {
		struct pfkm_spd_flow fl = { .family = AF_INET, .proto = sp_cases[i].proto };

		fl.saddr.w[0] = os_htonl(sp_cases[i].s);
		fl.daddr.w[0] = os_htonl(sp_cases[i].d);
		fl.sport = os_htons(sp_cases[i].sport);
		fl.dport = os_htons(sp_cases[i].dport);
		got = pfkm_spd_lookup(&spd, IPSEC_DIR_OUTBOUND, &fl);
		if (got != (sp_cases[i].want < 0 ? NULL : pols[sp_cases[i].want]))
			SP_FAIL("case table");
		if (pfkm_spd_lookup(&spd, IPSEC_DIR_INBOUND, &fl))
			SP_FAIL("direction");
	}
	if (pfkm_spd_find_id(&spd, pols[2]->id) != pols[2] ||
	    pfkm_spd_find_sel(&spd, IPSEC_DIR_OUTBOUND, &pols[3]->sel) != pols[3] ||
	    pfkm_spd_insert(&spd, pols[3], true, &old) != -EEXIST)
		SP_FAIL("find");
	if (pols[0]->refcnt != 2)
		SP_FAIL("refcnt");
out:
	pfkm_spd_destroy(&spd);
	for (i = 0; i < OS_ARRAY_SIZE(pols); i++)
		if (pols[i])
			pfkm_spd_policy_put(pols[i]);
	return ret;
}

#define SP_N 300

static int sp_random(void)
{
	struct pfkm_policy **ref, *old;
	struct pfkm_spd spd;
	uint32_t seed = 0x9e3779b9;
	size_t n = 0, i, step;
	int ret = 0;

	ref = os_zalloc(SP_N * sizeof(*ref));
	if (!ref)
		return -ENOMEM;
	if (pfkm_spd_init(&spd)) {
		os_free(ref);
		return -ENOMEM;
	}
	for (step = 0; step < 3000; step++) {
		uint32_t r = sp_rand(&seed);
		struct pfkm_spd_flow fl = { .family = AF_INET };
		struct pfkm_policy *want = NULL, *got;

		if ((r & 3) && n < SP_N) {
			struct pfkm_policy *p = pfkm_spd_policy_alloc();
			struct sp_def d = {
				0x0a000000 | (sp_rand(&seed) & 0x0303), (uint8_t)(sp_rand(&seed) % 33),
				0x0b000000 | (sp_rand(&seed) & 0x0303), (uint8_t)(sp_rand(&seed) % 33),
				(uint8_t)((r & 4) ? 6 : 0), 0, (uint16_t)((r & 8) ? 80 : 0),
				sp_rand(&seed) % 8,
			};

			if (!p)
				SP_FAIL("alloc");
			sp_fill(p, &d, IPSEC_DIR_OUTBOUND);
			ret = pfkm_spd_insert(&spd, p, true, &old);
			if (ret == -EEXIST) {
				ret = 0;
				pfkm_spd_policy_put(p);
			} else if (ret) {
				pfkm_spd_policy_put(p);
				SP_FAIL("insert");
			} else {
				ref[n++] = p;
			}
		} else if (n) {
			i = sp_rand(&seed) % n;
			pfkm_spd_remove(&spd, ref[i]);
			pfkm_spd_policy_put(ref[i]);	/* table's */
			pfkm_spd_policy_put(ref[i]);	/* ours */
			ref[i] = ref[--n];
		}
		fl.saddr.w[0] = os_htonl(0x0a000000 | (sp_rand(&seed) & 0x0303));
		fl.daddr.w[0] = os_htonl(0x0b000000 | (sp_rand(&seed) & 0x0303));
		fl.proto = (r & 16) ? 6 : 17;
		fl.dport = os_htons((r & 32) ? 80 : 443);
		for (i = 0; i < n; i++)
			if (pfkm_spd_sel_match(&ref[i]->sel, &fl) && better(ref[i], want))
				want = ref[i];
		got = pfkm_spd_lookup(&spd, IPSEC_DIR_OUTBOUND, &fl);
		if (got != want || spd.count != n)
			SP_FAIL("random lookup");
	}
out:
	pfkm_spd_destroy(&spd);
	for (i = 0; i < n; i++)
		pfkm_spd_policy_put(ref[i]);
	os_free(ref);
	return ret;
}

int pfkm_selftest_spd(void)
{
	int ret = sp_table();

	if (!ret)
		ret = sp_random();
	if (!ret)
		os_log(OS_LOG_INFO, "spd self-tests: pass");
	return ret;
}
