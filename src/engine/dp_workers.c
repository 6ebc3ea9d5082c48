// SPDX-License-Identifier: BSD-2-Clause
/*
 * dp_workers.c: owns the data path's crypto workers (keyd
 * --datapath-threads N): N lanes, lane 0 the caller's own thread (keyd's
 * poll thread), lanes 1 .. N-1 threads of their own, and the preallocated
 * per-lane item lists one batch of packets is spread over.
 *
 * Threading model. A batch is a run of items (packet slots of dp_io.c)
 * that the caller adds with a key each (keyd: the SA and direction of the
 * packet's transform, pfkm_dp_job.key), then starts and waits for:
 *   - items with the same key go to the same lane, in the order they were
 *     added, and a lane runs its items one after the other: one SA's
 *     packets are transformed in order and never on two threads at once
 *     (its sequence numbers were taken before, its replay window and
 *     cipher contexts are touched by that lane only);
 *   - lanes are chosen when the batch starts: a batch of fewer than
 *     KEYD_DP_SPREAD_MIN items runs on lane 0 alone (waking a thread costs
 *     more than the transforms of a few packets); otherwise a key seen
 *     first in the batch goes to the lane with the fewest items so far, so
 *     four SAs over two lanes split two and two whatever their hashes, and
 *     keeps that lane for the rest of the batch;
 *   - _wait runs lane 0's items on the caller's thread, then waits until
 *     every other lane is done. Batches never overlap, so an SA's packets
 *     of two batches never run at once either, and everything the caller
 *     does between batches (the store, the routes, the timers, the control
 *     socket: all on the poll thread) sees no worker running.
 * Handing over is a mutex and a condition variable per lane: what the
 * caller wrote before _start is visible to the lane, what the lane wrote
 * is visible after _wait. Nothing is allocated after _create: each lane
 * has room for a whole batch (cap items).
 *
 * The lane threads block every signal.
 *
 * _destroy with a batch started and not waited for (packets in flight)
 * finishes it first: every item added is run exactly once.
 * With N = 1 there is no thread: _wait runs everything inline.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keyd.h"

struct lane {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* busy or stop changed */
	pthread_t thread;		/* lanes 1 ..: theirs */
	bool started;			/* thread created */
	bool busy;			/* a batch handed over and not finished */
	bool stop;
	unsigned int n;			/* items of this batch */
	unsigned int *item;		/* cap of them */
	uint64_t ran;			/* items run, all batches */
	struct keyd_dp_workers *w;
} __attribute__((aligned(64)));

/* Which lane a key went to in this batch: open addressing, a slot valid
 * only when its generation is the batch's. */
struct key_slot {
	uint32_t key;
	uint32_t gen;
	unsigned int lane;
};

struct keyd_dp_workers {
	unsigned int nlanes, cap, nkeys;	/* nkeys: key table size, a power of 2 */
	unsigned int *pitem;			/* the batch as added: items, keys */
	uint32_t *pkey;
	keyd_dp_work_fn *fn;
	void *arg;
	bool running;				/* between _start and _wait */
	unsigned int queued;			/* items added to this batch */
	uint32_t gen;
	struct key_slot *keys;
	struct lane *lane;
};

unsigned int keyd_dp_workers_default(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > KEYD_DP_THREADS_DEFAULT_MAX ? KEYD_DP_THREADS_DEFAULT_MAX : (unsigned int)n;
}

static void run_items(struct keyd_dp_workers *w, struct lane *l)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		w->fn(w->arg, l->item[i]);
	l->ran += l->n;
}

static void *lane_main(void *arg)
{
	struct lane *l = arg;

	pthread_mutex_lock(&l->lock);
	for (;;) {
		while (!l->busy && !l->stop)
			pthread_cond_wait(&l->cond, &l->lock);
		if (!l->busy)
			break;		/* stop, nothing in flight */
		pthread_mutex_unlock(&l->lock);
		run_items(l->w, l);
		pthread_mutex_lock(&l->lock);
		l->busy = false;
		pthread_cond_broadcast(&l->cond);
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

static void lanes_stop(struct keyd_dp_workers *w)
{
	unsigned int i;

	for (i = 1; i < w->nlanes; i++) {
		struct lane *l = &w->lane[i];

		if (!l->started)
			continue;
		pthread_mutex_lock(&l->lock);
		l->stop = true;
		pthread_cond_broadcast(&l->cond);
		pthread_mutex_unlock(&l->lock);
		pthread_join(l->thread, NULL);
		l->started = false;
	}
}

static void workers_free(struct keyd_dp_workers *w)
{
	unsigned int i;

	for (i = 0; i < w->nlanes; i++) {
		pthread_cond_destroy(&w->lane[i].cond);
		pthread_mutex_destroy(&w->lane[i].lock);
		free(w->lane[i].item);
	}
	free(w->lane);
	free(w->keys);
	free(w->pitem);
	free(w->pkey);
	free(w);
}

int keyd_dp_workers_create(unsigned int threads, unsigned int cap, keyd_dp_work_fn *fn,
			   void *arg, struct keyd_dp_workers **out)
{
	struct keyd_dp_workers *w;
	sigset_t all, old;
	unsigned int i;
	int ret = 0;

	if (!threads || threads > KEYD_DP_THREADS_MAX || !cap || cap > 65536 || !fn)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->nlanes = threads;
	w->cap = cap;
	w->fn = fn;
	w->arg = arg;
	for (w->nkeys = 16; w->nkeys < 2 * cap; w->nkeys *= 2)
		;
	w->keys = calloc(w->nkeys, sizeof(*w->keys));
	w->pitem = calloc(cap, sizeof(*w->pitem));
	w->pkey = calloc(cap, sizeof(*w->pkey));
	w->lane = aligned_alloc(64, sizeof(*w->lane) * threads);
	if (!w->keys || !w->pitem || !w->pkey || !w->lane) {
		free(w->keys);
		free(w->pitem);
		free(w->pkey);
		free(w->lane);
		free(w);
		return -ENOMEM;
	}
	memset(w->lane, 0, sizeof(*w->lane) * threads);
	for (i = 0; i < threads; i++) {
		struct lane *l = &w->lane[i];

		pthread_mutex_init(&l->lock, NULL);
		pthread_cond_init(&l->cond, NULL);
		l->w = w;
		l->item = calloc(cap, sizeof(*l->item));
		if (!l->item) {
			w->nlanes = i + 1;
			ret = -ENOMEM;
			goto err_lanes;
		}
	}
	/* the lanes take no signal: keyd's poll thread reads them from its
	 * signalfd, whenever it blocks them (a thread of the default mask
	 * would take SIGTERM and end keyd without its cleanup) */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 1; i < threads; i++) {
		ret = -pthread_create(&w->lane[i].thread, NULL, lane_main, &w->lane[i]);
		if (ret)
			break;
		w->lane[i].started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		goto err_threads;
	*out = w;
	return 0;

err_threads:
	lanes_stop(w);
err_lanes:
	workers_free(w);
	return ret;
}

unsigned int keyd_dp_workers_count(const struct keyd_dp_workers *w)
{
	return w->nlanes;
}

/* The lane of key in this batch, chosen now if the key is new. */
static struct lane *lane_of(struct keyd_dp_workers *w, uint32_t key)
{
	unsigned int i = key & (w->nkeys - 1), l, best;
	struct key_slot *s;

	for (;; i = (i + 1) & (w->nkeys - 1)) {
		s = &w->keys[i];
		if (s->gen != w->gen)
			break;
		if (s->key == key)
			return &w->lane[s->lane];
	}
	for (best = 0, l = 1; l < w->nlanes; l++)
		if (w->lane[l].n < w->lane[best].n)
			best = l;
	s->key = key;
	s->gen = w->gen;
	s->lane = best;
	return &w->lane[best];
}

int keyd_dp_workers_add(struct keyd_dp_workers *w, unsigned int item, uint32_t key)
{
	if (w->running || w->queued == w->cap)
		return -ENOSPC;
	w->pitem[w->queued] = item;
	w->pkey[w->queued++] = key;
	return 0;
}

/* The batch as added, onto the lanes. */
static void spread(struct keyd_dp_workers *w)
{
	unsigned int i;

	if (w->nlanes == 1 || w->queued < KEYD_DP_SPREAD_MIN) {
		memcpy(w->lane[0].item, w->pitem, w->queued * sizeof(*w->pitem));
		w->lane[0].n = w->queued;
		return;
	}
	if (++w->gen == 0) {
		/* generations wrapped: forget every slot */
		memset(w->keys, 0, w->nkeys * sizeof(*w->keys));
		w->gen = 1;
	}
	for (i = 0; i < w->queued; i++) {
		struct lane *l = lane_of(w, w->pkey[i]);

		l->item[l->n++] = w->pitem[i];
	}
}

void keyd_dp_workers_start(struct keyd_dp_workers *w)
{
	unsigned int i;

	if (w->running)
		return;
	w->running = true;
	spread(w);
	for (i = 1; i < w->nlanes; i++) {
		struct lane *l = &w->lane[i];

		if (!l->n)
			continue;
		pthread_mutex_lock(&l->lock);
		l->busy = true;
		pthread_cond_signal(&l->cond);
		pthread_mutex_unlock(&l->lock);
	}
}

void keyd_dp_workers_wait(struct keyd_dp_workers *w)
{
	unsigned int i;

	keyd_dp_workers_start(w);
	run_items(w, &w->lane[0]);
	w->lane[0].n = 0;
	for (i = 1; i < w->nlanes; i++) {
		struct lane *l = &w->lane[i];

		if (!l->n)
			continue;
		pthread_mutex_lock(&l->lock);
		while (l->busy)
			pthread_cond_wait(&l->cond, &l->lock);
		pthread_mutex_unlock(&l->lock);
		l->n = 0;
	}
	w->queued = 0;
	w->running = false;
}

void keyd_dp_workers_stats(const struct keyd_dp_workers *w, uint64_t *ran, unsigned int max)
{
	unsigned int i;

	for (i = 0; i < max; i++)
		ran[i] = i < w->nlanes ? w->lane[i].ran : 0;
}

void keyd_dp_workers_destroy(struct keyd_dp_workers *w)
{
	if (!w)
		return;
	/* packets in flight (or only added): run them all first */
	if (w->running || w->queued)
		keyd_dp_workers_wait(w);
	lanes_stop(w);
	workers_free(w);
}
