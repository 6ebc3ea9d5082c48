/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine.h: the in-process PF_KEY engine transport (engine.c), used by
 * transport.c for the xfrm backend and by tests on the memory store.
 */
#ifndef PFK_ENGINE_H
#define PFK_ENGINE_H

#include <stdint.h>
#include "pfk.h"

struct pfkm_store_cb;
struct pfkm_store;
/* A store constructor (store.h's pfkm_store_make). */
typedef int (*pfk_engine_make)(const struct pfkm_store_cb *cb, void *arg,
			       struct pfkm_store **out);

/* A store for the engine: its constructor and, for a store that learns of
 * changes made by others (XFRM netlink: ip xfrm, the kernel's ACQUIRE),
 * its event socket, read by a thread of the engine so that every
 * connection gets those events as a PF_KEY socket would. */
struct pfk_engine_store {
	pfk_engine_make make;
	void *arg;
	int (*event_fd)(struct pfkm_store *st);		/* -1: none */
	int (*event_read)(struct pfkm_store *st);	/* takes the engine lock */
	uint64_t (*event_lost)(struct pfkm_store *st);	/* events the kernel dropped */
};

/*
 * Make c a PF_KEY socket of the process's engine on store (NULL: the
 * in-memory store). The first open creates the engine; every open of the
 * same process must name the same store (-EBUSY). Sets c->fd and c->eng
 * only.
 */
int pfk_engine_sock_open(struct pfk_conn *c, const struct pfk_engine_store *store);
void pfk_engine_sock_close(struct pfk_engine_sock *e);
int pfk_engine_sock_send(struct pfk_engine_sock *e, const void *msg, size_t len);
/* n requests answered in order, ADD runs pipelined by a store that can
 * (pfkm_sock_send_many): how many were taken, or -errno for the first. */
struct pfkm_msgv;
int pfk_engine_sock_send_many(struct pfk_engine_sock *e, const struct pfkm_msgv *v,
			      unsigned int n);
/* After the reader took messages: resume a paused dump, count drops. */
void pfk_engine_sock_drained(struct pfk_engine_sock *e, struct pfk_conn *c);
/* Run due core timers; the poll timeout that wakes for the next one. */
int pfk_engine_sock_timers(int timeout_ms);

#endif /* PFK_ENGINE_H */
