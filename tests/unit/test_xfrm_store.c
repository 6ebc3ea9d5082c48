// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_xfrm_store.c: the XFRM netlink store (src/xfrm/store_nl.c) against
 * this host's kernel, in a private network namespace (a forked child that
 * unshares CLONE_NEWNET, so the host's xfrm state is never touched).
 * Policies and larval SAs work on any kernel with XFRM netlink; mature SAs
 * need ESP in the kernel and are covered in the VM (tests/vm/nl-*.sh).
 * Without the privilege to unshare, each case says so and passes.
 */
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>
#include "test_xfrm.h"
#include "../../src/xfrm/store_nl.h"

#define REC_MAX 64

struct rec {
	uint8_t kind;
	uint32_t pid, seq;
	bool by_id, hard;
	uint8_t proto;
	uint32_t pol_id, prio, spi;
	uint8_t state;
};

static struct rec recs[REC_MAX];
static unsigned int nrec, child_fails;
static struct os_mutex lock;

#define XCHECK(e) do { if (!(e)) { unit_fail(__FILE__, __LINE__, #e); child_fails++; } } while (0)
#define XREQUIRE(e) do { if (!(e)) { unit_fail(__FILE__, __LINE__, #e); child_fails++; return; } } while (0)

static int on_event(void *ctx, const struct pfkm_store_ev *ev)
{
	struct rec *r = &recs[nrec < REC_MAX ? nrec++ : REC_MAX - 1];

	(void)ctx;
	memset(r, 0, sizeof(*r));
	r->kind = ev->kind;
	r->pid = ev->pid;
	r->seq = ev->seq;
	r->by_id = ev->by_id;
	r->hard = ev->hard;
	r->proto = ev->proto;
	if (ev->pol) {
		r->pol_id = ev->pol->id;
		r->prio = ev->pol->priority;
	}
	if (ev->sa) {
		r->spi = ev->sa->spi;
		r->state = ev->sa->state;
	}
	return 0;
}

/* Run fn in a child in a fresh network namespace; its checks count. */
static void in_netns(void (*fn)(void))
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(77);
		os_mutex_init(&lock);
		fn();
		fflush(stdout);
		_exit(child_fails ? 1 : 0);
	}
	REQUIRE(waitpid(pid, &st, 0) == pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
		printf("    skipped: cannot unshare a network namespace here\n");
		return;
	}
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static struct pfkm_store *store(const struct xfrm_store_nl_opts *o)
{
	struct pfkm_store_cb cb = { .event = on_event, .lock = &lock };
	struct pfkm_store *st = NULL;
	int ret = xfrm_store_nl_create(&cb, (void *)o, &st);

	if (ret)
		printf("    xfrm_store_nl_create: %s\n", strerror(-ret));
	nrec = 0;
	return st;
}

static struct pfkm_policy *pol_v4(const char *src, uint32_t prio)
{
	struct pfkm_policy *p = pfkm_spd_policy_alloc();

	p->dir = IPSEC_DIR_OUTBOUND;
	p->priority = prio;
	p->sel.family = AF_INET;
	p->sel.saddr = xaddr(AF_INET, src);
	p->sel.daddr = xaddr(AF_INET, "10.0.2.0");
	p->sel.splen = 24;
	p->sel.dplen = 24;
	p->ntmpl = 1;
	p->tmpl[0].proto = IPPROTO_ESP;
	p->tmpl[0].mode = IPSEC_MODE_TUNNEL;
	p->tmpl[0].family = AF_INET;
	p->tmpl[0].reqid = 7;
	p->tmpl[0].saddr = xaddr(AF_INET, "192.0.2.1");
	p->tmpl[0].daddr = xaddr(AF_INET, "192.0.2.2");
	return p;
}

static unsigned int walked;
static uint32_t walked_ids[8];

static int count_pol(void *arg, const struct pfkm_policy *p)
{
	int pause = *(int *)arg;

	if (walked < 8)
		walked_ids[walked] = p->id;
	walked++;
	return pause;
}

static void policies(void)
{
	struct pfkm_store_origin o = { .pid = 1234, .seq = 7 };
	struct pfkm_store *st = store(NULL);
	struct pfkm_store_walk w = { .what = PFKM_WALK_POL };
	const struct pfkm_policy *got;
	struct pfkm_policy *p;
	struct pfkm_sel sel;
	uint32_t id, id2;
	int pause = 1, ret;

	XREQUIRE(st);
	XCHECK(!strcmp(st->ops->name, "netlink"));
	XCHECK(xfrm_store_nl_monitor_fd(st) >= 0);
	/* SPDADD: the event carries the index the kernel gave */
	XREQUIRE(st->ops->pol_add(st, pol_v4("10.0.1.0", 100), true, &o) == 0);
	XREQUIRE(nrec == 1);
	XCHECK(recs[0].kind == PFKM_EV_POL_ADD);
	XCHECK(recs[0].pid == 1234 && recs[0].seq == 7);
	id = recs[0].pol_id;
	XCHECK(id != 0 && pfkm_spd_id2dir(id) == IPSEC_DIR_OUTBOUND);
	/* exclusive add of the same selector: EEXIST, no event */
	p = pol_v4("10.0.1.0", 5);
	XCHECK(st->ops->pol_add(st, p, true, &o) == -EEXIST);
	XCHECK(nrec == 1);
	/* SPDUPDATE replaces it and keeps the index */
	XCHECK(st->ops->pol_add(st, pol_v4("10.0.1.0", 50), false, &o) == 0);
	XREQUIRE(nrec == 2);
	XCHECK(recs[1].kind == PFKM_EV_POL_UPDATE && recs[1].pol_id == id && recs[1].prio == 50);
	/* SPDGET */
	XREQUIRE(st->ops->pol_get(st, id, false, &o, &got) == 0);
	XCHECK(got->priority == 50 && got->ntmpl == 1 && got->tmpl[0].reqid == 7);
	st->ops->pol_put(st, got);
	XCHECK(st->ops->pol_get(st, id + 8, false, &o, &got) == -ENOENT);
	/* a second policy; a walk that pauses on the first entry gets it again
	 * (store.h, as xfrm_policy_walk), newest first */
	XREQUIRE(st->ops->pol_add(st, pol_v4("10.0.3.0", 1), true, NULL) == 0);
	id2 = recs[2].pol_id;
	XCHECK(recs[2].pid == 0 && id2 != id);
	walked = 0;
	XCHECK(st->ops->pol_walk(st, &w, count_pol, &pause) == 1);
	XCHECK(walked == 1);
	pause = 0;
	XCHECK(st->ops->pol_walk(st, &w, count_pol, &pause) == 0);
	XCHECK(walked == 3 && walked_ids[0] == id2 && walked_ids[1] == id2 &&
	       walked_ids[2] == id);
	XCHECK(w.priv == NULL && !w.started);
	/* a walk stopped early releases its socket */
	memset(&w, 0, sizeof(w));
	w.what = PFKM_WALK_POL;
	pause = 1;
	XCHECK(st->ops->pol_walk(st, &w, count_pol, &pause) == 1);
	st->ops->walk_done(st, &w);
	XCHECK(w.priv == NULL);
	st->ops->walk_done(st, &w);
	/* SPDDELETE by selector, then again: ENOENT */
	memset(&sel, 0, sizeof(sel));
	sel.family = AF_INET;
	sel.saddr = xaddr(AF_INET, "10.0.3.0");
	sel.daddr = xaddr(AF_INET, "10.0.2.0");
	sel.splen = sel.dplen = 24;
	nrec = 0;
	XCHECK(st->ops->pol_delete(st, IPSEC_DIR_OUTBOUND, &sel, &o) == 0);
	XREQUIRE(nrec == 1);
	XCHECK(recs[0].kind == PFKM_EV_POL_DELETE && !recs[0].by_id && recs[0].pol_id == id2);
	XCHECK(st->ops->pol_delete(st, IPSEC_DIR_OUTBOUND, &sel, &o) == -ENOENT);
	XCHECK(st->ops->pol_delete(st, IPSEC_DIR_INBOUND, &sel, &o) == -ENOENT);
	/* SPDDELETE2 by id */
	XREQUIRE(st->ops->pol_get(st, id, true, &o, &got) == 0);
	XCHECK(got->id == id);
	st->ops->pol_put(st, got);
	XREQUIRE(nrec == 2);
	XCHECK(recs[1].kind == PFKM_EV_POL_DELETE && recs[1].by_id && recs[1].pid == 1234);
	XCHECK(st->ops->pol_get(st, id, true, &o, &got) == -ENOENT);
	/* someone else's policy: an event from the monitor socket */
	ret = system("ip xfrm policy add src 10.9.0.0/16 dst 10.8.0.0/16 dir in priority 9 "
		     "tmpl proto esp mode transport");
	XREQUIRE(ret == 0);
	nrec = 0;
	XCHECK(xfrm_store_nl_monitor_read(st) == 1);
	XREQUIRE(nrec == 1);
	XCHECK(recs[0].kind == PFKM_EV_POL_ADD && recs[0].pid == 0 && recs[0].prio == 9);
	XCHECK(pfkm_spd_id2dir(recs[0].pol_id) == IPSEC_DIR_INBOUND);
	XCHECK(xfrm_store_nl_monitor_read(st) == 0);
	/* SPDFLUSH: a count, no event until notify_flush */
	XCHECK(st->ops->pol_flush(st) == 1);
	XCHECK(nrec == 1);
	st->ops->notify_flush(st, PFKM_WALK_POL, 0, &o);
	XCHECK(nrec == 2 && recs[1].kind == PFKM_EV_POL_FLUSH && recs[1].seq == 7);
	XCHECK(st->ops->pol_flush(st) == 0);
	/* our own changes never come back from the monitor socket */
	XCHECK(xfrm_store_nl_monitor_read(st) == 0);
	st->ops->destroy(st);
}

TEST(xfrm_store_policies_on_this_kernel)
{
	in_netns(policies);
}

static int count_sa(void *arg, const struct pfkm_sa *x)
{
	(void)arg;
	XCHECK(x->state == PFKM_SA_LARVAL);
	walked++;
	return 0;
}

static void larval_sas(void)
{
	struct pfkm_store_origin o = { .pid = 99, .seq = 3 };
	struct pfkm_store *st = store(NULL);
	struct pfkm_store_walk w = { .what = PFKM_WALK_SA, .proto = IPSEC_PROTO_ANY };
	struct pfkm_sa_sel k = { .family = AF_INET, .proto = IPPROTO_ESP,
				 .mode = IPSEC_MODE_TUNNEL, .reqid = 9 };
	const struct pfkm_sa *x, *y;
	struct pfkm_store_info in;
	struct pfkm_sa_id id;
	struct pfkm_sa *add;
	uint32_t spi;
	uint8_t key[16] = { 0 };

	XREQUIRE(st);
	k.saddr = xaddr(AF_INET, "192.0.2.1");
	k.daddr = xaddr(AF_INET, "192.0.2.2");
	/* GETSPI creates the larval SA in the kernel, SPI within range */
	XREQUIRE(st->ops->sa_getspi(st, &k, 0, 0x1000, 0x1fff, &x) == 0);
	spi = ntohl(x->spi);
	XCHECK(spi >= 0x1000 && spi <= 0x1fff);
	XCHECK(x->state == PFKM_SA_LARVAL && x->reqid == 9 && x->mode == IPSEC_MODE_TUNNEL);
	st->ops->sa_put(st, x);
	XCHECK(nrec == 0);
	/* the same key again: a larval SA with an SPI is not reused
	 * (__find_acq_core wants spi 0, as af_key), a second one */
	XREQUIRE(st->ops->sa_getspi(st, &k, 0, 0x1000, 0x1fff, &x) == 0);
	XCHECK(ntohl(x->spi) != spi && x->state == PFKM_SA_LARVAL);
	st->ops->sa_put(st, x);
	/* a second one, its own range */
	k.reqid = 10;
	XREQUIRE(st->ops->sa_getspi(st, &k, 0, 0x3000, 0x3000, &x) == 0);
	XCHECK(ntohl(x->spi) == 0x3000);
	st->ops->sa_put(st, x);
	k.reqid = 11;
	/* no free SPI: ENOENT, and the larval SA xfrm_find_acq created stays
	 * without one (so it does with af_key on this kernel) */
	XCHECK(st->ops->sa_getspi(st, &k, 0, 0x3000, 0x3000, &x) == -ENOENT);
	/* GET */
	memset(&id, 0, sizeof(id));
	id.family = AF_INET;
	id.proto = IPPROTO_ESP;
	id.daddr = k.daddr;
	id.spi = htonl(spi);
	XREQUIRE(st->ops->sa_get(st, &id, &y) == 0);
	XCHECK(y->state == PFKM_SA_LARVAL && y->spi == htonl(spi));
	st->ops->sa_put(st, y);
	id.spi = htonl(0x999);
	XCHECK(st->ops->sa_get(st, &id, &y) == -ESRCH);
	/* ADD of an existing SPI: EEXIST, as af_key (the kernel checks it
	 * before it looks for ESP) */
	add = pfkm_sadb_sa_alloc();
	add->proto = IPPROTO_ESP;
	add->family = AF_INET;
	add->mode = IPSEC_MODE_TUNNEL;
	add->spi = htonl(spi);
	add->saddr = k.saddr;
	add->daddr = k.daddr;
	add->enc = pfkm_alg_by_name(PFKM_ALG_ENC, "aes-cbc");
	add->enc_id = add->enc->id;
	pfkm_sadb_sa_set_key(add, false, key, 128);
	XCHECK(st->ops->sa_add(st, add, false, &o) < 0);
	XCHECK(nrec == 0);
	/* UPDATE of a missing SA: ESRCH */
	add = pfkm_sadb_sa_alloc();
	add->proto = IPPROTO_ESP;
	add->family = AF_INET;
	add->spi = htonl(0x999);
	add->daddr = k.daddr;
	XCHECK(st->ops->sa_add(st, add, true, &o) == -ESRCH);
	/* walks: the four larval SAs; none of AH */
	walked = 0;
	XCHECK(st->ops->sa_walk(st, &w, count_sa, NULL) == 0);
	XCHECK(walked == 4);
	memset(&w, 0, sizeof(w));
	w.what = PFKM_WALK_SA;
	w.proto = IPPROTO_AH;
	walked = 0;
	XCHECK(st->ops->sa_walk(st, &w, count_sa, NULL) == 0);
	XCHECK(walked == 0);
	st->ops->info(st, &in);
	XCHECK(in.sas == 4 && in.policies == 0);
	/* DELETE: the event carries the SA as it was, DEAD */
	id.spi = htonl(spi);
	XCHECK(st->ops->sa_delete(st, &id, &o) == 0);
	XREQUIRE(nrec == 1);
	XCHECK(recs[0].kind == PFKM_EV_SA_DELETE && recs[0].pid == 99 &&
	       recs[0].spi == htonl(spi) && recs[0].state == PFKM_SA_DEAD);
	XCHECK(st->ops->sa_delete(st, &id, &o) == -ESRCH);
	/* FLUSH of AH removes nothing; of ESP the three larval SAs left */
	XCHECK(st->ops->sa_flush(st, IPPROTO_AH) == 0);
	XCHECK(st->ops->sa_flush(st, IPPROTO_ESP) == 3);
	XCHECK(st->ops->sa_flush(st, IPSEC_PROTO_ANY) == 0);
	XCHECK(nrec == 1);
	st->ops->info(st, &in);
	XCHECK(in.sas == 0);
	/* someone else's larval SA going away: SA_DELETE from the monitor */
	XREQUIRE(system("ip xfrm state allocspi src 192.0.2.1 dst 192.0.2.2 proto esp "
			"min 0x5000 max 0x5000 >/dev/null && ip xfrm state delete src 192.0.2.1 "
			"dst 192.0.2.2 proto esp spi 0x5000") == 0);
	nrec = 0;
	XCHECK(xfrm_store_nl_monitor_read(st) == 1);
	XCHECK(nrec == 1 && recs[0].kind == PFKM_EV_SA_DELETE && recs[0].spi == htonl(0x5000));
	st->ops->destroy(st);
}

TEST(xfrm_store_larval_sas_on_this_kernel)
{
	in_netns(larval_sas);
}

/* A monitor that falls behind loses events; the store counts them. */
static void lost_events(void)
{
	struct xfrm_store_nl_opts opts = { .rcvbuf = 2048 };
	struct pfkm_store *st = store(&opts);
	struct xfrm_store_nl_stats s;
	FILE *f;
	int i;

	XREQUIRE(st);
	f = popen("ip -batch -", "w");
	XREQUIRE(f);
	for (i = 0; i < 200; i++)
		fprintf(f, "xfrm policy add src 10.1.%d.0/24 dst 10.2.0.0/16 dir out\n", i);
	XCHECK(pclose(f) == 0);
	XCHECK(xfrm_store_nl_monitor_read(st) > 0);
	xfrm_store_nl_stats(st, &s);
	XCHECK(s.lost >= 1);
	XCHECK(s.events < 200);
	XCHECK(s.events == nrec || nrec == REC_MAX);
	/* no subscription: no socket to poll */
	XCHECK(xfrm_store_nl_subscribe(st, 0) == 0);
	XCHECK(xfrm_store_nl_monitor_fd(st) == -1);
	XCHECK(xfrm_store_nl_monitor_read(st) == 0);
	st->ops->destroy(st);
	XCHECK(xfrm_store_nl_probe() == 0);
}

TEST(xfrm_store_counts_lost_events)
{
	in_netns(lost_events);
}
