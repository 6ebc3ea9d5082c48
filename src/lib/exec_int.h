/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * exec_int.h: what the executor's files share and nobody else sees. The
 * executor (struct pfk_exec, stmt.h) is split by job: exec.c runs one
 * statement, request.c sends one request and waits for its reply, dump.c
 * collects dumps, snapshot.c reads back one SA or policy, journal.c keeps
 * the --atomic undo journal and rolls it back, settle.c finds out what
 * became of a request whose reply was lost, pipeline.c keeps a window of
 * requests in flight (its state is private to it: struct pfk_pipe).
 */
#ifndef PFK_EXEC_INT_H
#define PFK_EXEC_INT_H

#include "stmt.h"

/* request.c */
typedef int (*pfk_req_sa_fn)(struct pfk_buf *, const struct pfk_sa *, uint32_t, uint32_t);
typedef int (*pfk_req_pol_fn)(struct pfk_buf *, const struct pfk_policy *, uint32_t, uint32_t);
typedef int (*pfk_req_bare_fn)(struct pfk_buf *, enum pfk_satype, uint32_t, uint32_t);

/* The send buffer, empty. */
struct pfk_buf pfk_req_sendbuf(struct pfk_exec *x);
/* A fresh sequence number for this connection (never 0). */
uint32_t pfk_req_seq(struct pfk_exec *x);
/* Send the built message in x->sbuf (len) and wait for its reply, no
 * settling: the reply's length, or -errno. */
int pfk_req_raw(struct pfk_exec *x, size_t len, struct pfk_msg *reply);
/* Build with build() and run through pfk_exec_request. */
int pfk_req_sa(struct pfk_exec *x, pfk_req_sa_fn build, const struct pfk_sa *sa,
	       struct pfk_msg *reply);
int pfk_req_pol(struct pfk_exec *x, pfk_req_pol_fn build, const struct pfk_policy *p,
		struct pfk_msg *reply);
int pfk_req_bare(struct pfk_exec *x, pfk_req_bare_fn build, enum pfk_satype t,
		 struct pfk_msg *reply);

/* snapshot.c */
/* Same address (exact: prefix length and port too). */
bool pfk_snap_same_addr(const struct pfk_addr *a, const struct pfk_addr *b, bool exact);
/* A GET / DUMP reply made fit to be sent back as ADD / SPDADD. */
void pfk_snap_restorable_sa(struct pfk_sa *sa);
void pfk_snap_restorable_pol(struct pfk_policy *p);
/* One SA by GET into m: 1 found, 0 not, -errno. */
int pfk_snap_sa(struct pfk_exec *x, const struct pfk_sa *key, struct pfk_msg *m);
/* The policy with p's selector and direction (SPDDUMP): 1, 0 or -errno. */
int pfk_snap_pol(struct pfk_exec *x, const struct pfk_policy *p, struct pfk_policy *out);

/* journal.c */
/* Record one undo step when x->journal is set (else nothing): 0 or -ENOMEM. */
int pfk_journal_add(struct pfk_exec *x, int kind, const struct pfk_sa *sa,
		    const struct pfk_policy *pol);
/* Record "add it back" for every SA (src/dst filter when src) or every
 * policy of a dump, before a flush or deleteall. */
int pfk_journal_dump(struct pfk_exec *x, bool spd, enum pfk_satype t,
		     const struct pfk_addr *src, const struct pfk_addr *dst);

/* settle.c */
/* What became of one change request (msg, len) whose reply was lost: 0 or
 * -errno, as its reply would have said. Nothing of ours is in flight. */
int pfk_settle_lost(struct pfk_exec *x, const void *msg, size_t len);

/* pipeline.c */
/* Free the pipeline state (x->pipe), wiping what it holds. */
void pfk_pipe_free(struct pfk_exec *x);

#endif /* PFK_EXEC_INT_H */
