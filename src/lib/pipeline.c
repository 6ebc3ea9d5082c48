// SPDX-License-Identifier: BSD-2-Clause
/*
 * pipeline.c: pipelined requests for batches. Statements that need no
 * earlier reply are sent without waiting, up to PFK_EXEC_WINDOW in flight
 * and PFK_EXEC_BATCH per sendmmsg(); replies are taken back with
 * recvmmsg() and matched by seq, each request's result reported in
 * submission order. The backend handles one socket's requests in order
 * and answers each before taking the next, so a reply for pend[j] means
 * every request sent before it was processed: one still unanswered lost
 * its reply, and so does everything in flight when nothing of ours comes
 * for timeout_ms. Lost requests are settled (settle.c) once nothing of
 * ours is in flight, then the batch goes on. The window's state is
 * private to this file (struct pfk_pipe behind x->pipe, allocated on
 * first use): nothing outside reads it but through pfk_exec_inflight and
 * pfk_exec_unsent.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <poll.h>
#include <time.h>
#include <sys/socket.h>

#include "exec_int.h"

enum { PX_SENT, PX_DONE, PX_LOST };

#define REAP_SLOT 2048	/* per reply; a reply is matched by its header only */

struct pfk_pipe {
	/* Unanswered requests in send order; the last nq are queued
	 * (submitted, not sent yet). */
	struct {
		uint32_t seq;
		uint8_t type;
		uint8_t state;	/* PX_* */
		bool owned;	/* msg is a copy of ours (pfk_exec_submit) */
		int err;
		size_t tag;
		void *msg;
		size_t len;
	} pend[PFK_EXEC_WINDOW];
	unsigned int npend, nq;
	/* Who gets results when set (pfk_exec_pipe_hook), else x->on_done. */
	void (*done)(void *ctx, size_t tag, int err);
	void *done_ctx;
	uint8_t slots[PFK_EXEC_BATCH][REAP_SLOT];
};

static struct pfk_pipe *pipe_get(struct pfk_exec *x)
{
	if (!x->pipe)
		x->pipe = calloc(1, sizeof(*x->pipe));
	return x->pipe;
}

void pfk_pipe_free(struct pfk_exec *x)
{
	struct pfk_pipe *p = x->pipe;
	unsigned int i;

	if (!p)
		return;
	for (i = 0; i < p->npend; i++)
		if (p->pend[i].owned) {
			explicit_bzero(p->pend[i].msg, p->pend[i].len);
			free(p->pend[i].msg);
		}
	explicit_bzero(p, sizeof(*p));
	free(p);
	x->pipe = NULL;
}

unsigned int pfk_exec_inflight(const struct pfk_exec *x)
{
	return x->pipe ? x->pipe->npend : 0;
}

unsigned int pfk_exec_unsent(const struct pfk_exec *x)
{
	return x->pipe ? x->pipe->nq : 0;
}

int pfk_exec_pipe_hook(struct pfk_exec *x, void (*done)(void *ctx, size_t tag, int err),
		       void *ctx)
{
	struct pfk_pipe *p = pipe_get(x);

	if (!p)
		return -ENOMEM;
	p->done = done;
	p->done_ctx = ctx;
	return 0;
}

bool pfk_exec_pipelinable(const struct pfk_exec *x, const struct pfk_stmt *st)
{
	if (x && (x->journal || x->trace))
		return false;
	switch (st->cmd) {
	case PFK_CMD_ADD: case PFK_CMD_UPDATE:
		return !(st->opts & PFK_STMT_SPI_AUTO);
	case PFK_CMD_DELETE: case PFK_CMD_SPDADD: case PFK_CMD_SPDUPDATE: case PFK_CMD_SPDDELETE:
		return true;
	default:
		return false;
	}
}

static void finish_pend(struct pfk_exec *x, struct pfk_pipe *p, unsigned int i, int err)
{
	size_t tag = p->pend[i].tag;

	if (p->pend[i].owned) {
		explicit_bzero(p->pend[i].msg, p->pend[i].len);
		free(p->pend[i].msg);
	}
	memmove(&p->pend[i], &p->pend[i + 1], (p->npend - i - 1) * sizeof(p->pend[0]));
	p->npend--;
	if (p->done)
		p->done(p->done_ctx, tag, err);
	else if (x->on_done)
		x->on_done(x->ctx, tag, err);
}

/* Fail every request still pending (sent or queued) with err. */
static void fail_all(struct pfk_exec *x, struct pfk_pipe *p, int err)
{
	p->nq = 0;
	while (p->npend)
		finish_pend(x, p, 0, err);
}

/*
 * Send the queued tail of pend[] (p->nq messages) with as few sendmmsg()
 * calls as the socket allows: one wakeup of the backend per batch instead
 * of one per message. A message the socket refuses (a kernel PF_KEY socket
 * fails sendmsg for a malformed header) fails alone with that errno; the
 * rest are still sent, in order. Returns 0 or a transport error (-EPIPE,
 * ...), after which every pending request has failed with it.
 */
static int flush_queue(struct pfk_exec *x, struct pfk_pipe *p)
{
	struct mmsghdr mv[PFK_EXEC_WINDOW];
	struct iovec iov[PFK_EXEC_WINDOW];
	unsigned int first, i, n;
	int r;

	while (p->nq) {
		first = p->npend - p->nq;
		n = p->nq;
		for (i = 0; i < n; i++) {
			iov[i].iov_base = p->pend[first + i].msg;
			iov[i].iov_len = p->pend[first + i].len;
			memset(&mv[i], 0, sizeof(mv[i]));
			mv[i].msg_hdr.msg_iov = &iov[i];
			mv[i].msg_hdr.msg_iovlen = 1;
		}
		r = pfk_conn_sendv(x->conn, mv, n);
		if (r == -EINTR)
			continue;
		if (r < 0) {
			int err = r;

			if (err == -EPIPE || err == -ECONNRESET || err == -EBADF || err == -ENOTCONN) {
				fail_all(x, p, err);
				return err;
			}
			/* This one message was refused: it alone fails. Requests
			 * before it may still be unanswered: it waits its turn. */
			p->nq--;
			p->pend[first].state = PX_DONE;
			p->pend[first].err = err;
			if (first == 0)
				finish_pend(x, p, first, err);
			continue;
		}
		for (i = 0; i < (unsigned int)r; i++)
			if (mv[i].msg_len != iov[i].iov_len) {
				fail_all(x, p, -EMSGSIZE);
				return -EMSGSIZE;
			}
		p->nq -= (unsigned int)r;
	}
	return 0;
}

/* Wait until fd is readable; 0, -ETIMEDOUT or -errno. */
static int wait_in(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	if (timeout_ms < 0)
		timeout_ms = 0;
	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
/*
 * Report what can be reported, in order: answered requests at the head of
 * the window, and lost ones once nothing of ours is in flight (settled
 * first). Returns how many were reported.
 */
static int report(struct pfk_exec *x, struct pfk_pipe *p)
{
	unsigned int j, nsent = p->npend - p->nq;
	int n = 0;
	bool inflight = false;

	for (j = 0; j < nsent; j++)
		if (p->pend[j].state == PX_SENT)
			inflight = true;
	while (p->npend > p->nq) {
		if (p->pend[0].state == PX_LOST) {
			if (inflight)
				break;
			p->pend[0].err = pfk_settle_lost(x, p->pend[0].msg, p->pend[0].len);
			p->pend[0].state = PX_DONE;
			/* No answer to the probe either: the backend is not
			 * answering; do not wait timeout_ms once per request. */
			if (p->pend[0].err == -ETIMEDOUT)
				for (j = 1; j < p->npend - p->nq; j++)
					if (p->pend[j].state == PX_LOST) {
						p->pend[j].state = PX_DONE;
						p->pend[j].err = -ETIMEDOUT;
					}
		}
		if (p->pend[0].state != PX_DONE)
			break;
		finish_pend(x, p, 0, p->pend[0].err);
		n++;
	}
	return n;
}

/*
 * Take every reply already queued (recvmmsg, up to PFK_EXEC_BATCH per
 * call), waiting if there is none, until at least one pending request is
 * reported. This bypasses pfk_conn_recv on purpose: the window's replies
 * are only matched by header (seq, type, pid, errno), so a message longer
 * than a slot is harmless truncated, and one syscall takes a whole burst.
 * Receive-buffer overflows (ENOBUFS) are counted in conn->lost as the
 * transport does. Broadcasts do not extend the wait: timeout_ms runs from
 * the last reply of ours. On a transport error every pending request fails
 * with it.
 */
static int reap_some(struct pfk_exec *x, struct pfk_pipe *p)
{
	struct mmsghdr mv[PFK_EXEC_BATCH];
	struct iovec iov[PFK_EXEC_BATCH];
	int r, i, ret;
	unsigned int j, k;
	int64_t deadline = now_ms() + x->timeout_ms;

	while (!report(x, p)) {
		for (i = 0; i < PFK_EXEC_BATCH; i++) {
			iov[i].iov_base = p->slots[i];
			iov[i].iov_len = REAP_SLOT;
			memset(&mv[i], 0, sizeof(mv[i]));
			mv[i].msg_hdr.msg_iov = &iov[i];
			mv[i].msg_hdr.msg_iovlen = 1;
		}
		r = pfk_conn_recvv(x->conn, mv, PFK_EXEC_BATCH);
		if (r < 0) {
			if (r == -EINTR)
				continue;
			if (r == -ENOBUFS) {
				x->conn->lost++;
				continue;
			}
			ret = r == -EAGAIN || r == -EWOULDBLOCK ?
			      wait_in(x->conn->fd, (int)(deadline - now_ms())) : r;
			if (ret == -ETIMEDOUT) {
				/* Nothing of ours for timeout_ms: what is in
				 * flight is lost (report() settles it). */
				for (j = 0; j < p->npend - p->nq; j++)
					if (p->pend[j].state == PX_SENT)
						p->pend[j].state = PX_LOST;
				deadline = now_ms() + x->timeout_ms;
				continue;
			}
			if (!ret)
				continue;
			fail_all(x, p, ret);
			return ret;
		}
		for (i = 0; i < r; i++) {
			const struct sadb_msg *h = iov[i].iov_base;
			unsigned int nsent = p->npend - p->nq;
			size_t len = mv[i].msg_len;

			if (len == 0) {
				/* SEQPACKET end of stream: the backend hung up. */
				explicit_bzero(p->slots, sizeof(p->slots));
				fail_all(x, p, -ECONNRESET);
				return -ECONNRESET;
			}
			if (len >= sizeof(*h) && h->sadb_msg_pid == x->conn->pid) {
				/* Replies come in order: nearly always pend[0]. */
				for (j = 0; j < nsent; j++)
					if (p->pend[j].seq == h->sadb_msg_seq &&
					    p->pend[j].type == h->sadb_msg_type &&
					    p->pend[j].state == PX_SENT)
						break;
				if (j < nsent) {
					p->pend[j].state = PX_DONE;
					p->pend[j].err = h->sadb_msg_errno ?
						       -(int)h->sadb_msg_errno : 0;
					/* Anything sent before it and still
					 * unanswered will never be. */
					for (k = 0; k < j; k++)
						if (p->pend[k].state == PX_SENT)
							p->pend[k].state = PX_LOST;
					deadline = now_ms() + x->timeout_ms;
				}
			}
			/* Replies and broadcasts may carry keys. */
			explicit_bzero(iov[i].iov_base, len < REAP_SLOT ? len : REAP_SLOT);
		}
	}
	return 0;
}

/* Room for one more request: with the window full, send what is queued and
 * take replies until a batch fits again (the backend keeps working on the
 * rest of the window meanwhile). */
static int make_room(struct pfk_exec *x, struct pfk_pipe *p)
{
	int ret;

	if (p->npend < PFK_EXEC_WINDOW)
		return 0;
	ret = flush_queue(x, p);
	if (ret)
		return ret;
	while (p->npend > PFK_EXEC_WINDOW - PFK_EXEC_BATCH) {
		ret = reap_some(x, p);
		if (ret)
			return ret;
	}
	return 0;
}

int pfk_exec_build(const struct pfk_stmt *st, struct pfk_buf *b, uint32_t seq, uint32_t pid)
{
	switch (st->cmd) {
	case PFK_CMD_ADD: return pfk_build_add(b, &st->sa, seq, pid);
	case PFK_CMD_UPDATE: return pfk_build_update(b, &st->sa, seq, pid);
	case PFK_CMD_DELETE: return pfk_build_delete(b, &st->sa, seq, pid);
	case PFK_CMD_SPDADD: return pfk_build_spdadd(b, &st->pol, seq, pid);
	case PFK_CMD_SPDUPDATE: return pfk_build_spdupdate(b, &st->pol, seq, pid);
	case PFK_CMD_SPDDELETE: return pfk_build_spddelete(b, &st->pol, seq, pid);
	default: return -EINVAL;
	}
}

static int submit(struct pfk_exec *x, void *msg, size_t len, size_t tag, bool owned)
{
	struct pfk_pipe *p = pipe_get(x);
	struct sadb_msg *h = msg;
	unsigned int i;
	int ret;

	if (len < sizeof(*h))
		return -EINVAL;
	if (!p)
		return -ENOMEM;
	ret = make_room(x, p);
	if (ret)
		return ret;
	h->sadb_msg_seq = pfk_req_seq(x);
	h->sadb_msg_pid = x->conn->pid;
	i = p->npend++;
	p->pend[i].seq = h->sadb_msg_seq;
	p->pend[i].type = h->sadb_msg_type;
	p->pend[i].tag = tag;
	p->pend[i].msg = msg;
	p->pend[i].len = len;
	p->pend[i].state = PX_SENT;
	p->pend[i].err = 0;
	p->pend[i].owned = owned;
	p->nq++;
	/* Accepted: a transport error from here on reaches this request
	 * through on_done like every other pending one. */
	if (p->nq >= PFK_EXEC_BATCH)
		(void)flush_queue(x, p);
	return 0;
}

int pfk_exec_submit_msg(struct pfk_exec *x, void *msg, size_t len, size_t tag)
{
	return submit(x, msg, len, tag, false);
}

/* The request is kept (a copy, wiped when reported): a lost reply is
 * settled from it. */
int pfk_exec_submit(struct pfk_exec *x, const struct pfk_stmt *st, size_t tag)
{
	struct pfk_buf b = pfk_req_sendbuf(x);
	void *msg;
	int ret;

	ret = pfk_exec_build(st, &b, 0, 0);
	if (ret < 0)
		return ret;
	msg = malloc((size_t)ret);
	if (msg)
		memcpy(msg, x->sbuf, (size_t)ret);
	explicit_bzero(x->sbuf, b.len);
	if (!msg)
		return -ENOMEM;
	ret = submit(x, msg, (size_t)ret, tag, true);
	if (ret) {
		explicit_bzero(msg, b.len);
		free(msg);
	}
	return ret;
}

int pfk_exec_drain(struct pfk_exec *x)
{
	struct pfk_pipe *p = x->pipe;
	int ret;

	if (!p)
		return 0;
	ret = flush_queue(x, p);

	while (!ret && p->npend)
		ret = reap_some(x, p);
	return ret;
}
