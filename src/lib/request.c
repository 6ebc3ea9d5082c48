// SPDX-License-Identifier: BSD-2-Clause
/*
 * request.c: synchronous requests. One message goes out with a fresh seq
 * and the call waits for its reply: the first message with our seq, pid
 * and type (broadcasts and other sockets' traffic are skipped). A change
 * whose reply does not come in time is settled (settle.c) rather than
 * reported as failed. The send buffer is wiped once sent (keys).
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include "exec_int.h"

struct pfk_buf pfk_req_sendbuf(struct pfk_exec *x)
{
	struct pfk_buf b = { .p = x->sbuf, .cap = PFKM_MSG_MAX, .len = 0 };

	return b;
}

uint32_t pfk_req_seq(struct pfk_exec *x)
{
	uint32_t s = x->conn->seq++;

	if (!x->conn->seq)
		x->conn->seq = 1;
	return s ? s : pfk_req_seq(x);
}

int pfk_req_raw(struct pfk_exec *x, size_t len, struct pfk_msg *reply)
{
	const struct sadb_msg *out = (const void *)x->sbuf;
	uint8_t type = out->sadb_msg_type;
	uint32_t seq = out->sadb_msg_seq, pid = out->sadb_msg_pid;
	int ret, n;

	if (x->trace)
		x->trace(x->ctx, true, x->sbuf, len);
	ret = pfk_conn_send(x->conn, x->sbuf, len);
	explicit_bzero(x->sbuf, len);
	if (ret)
		return ret;
	for (;;) {
		const struct sadb_msg *h = (const void *)x->buf;

		n = pfk_conn_recv(x->conn, x->buf, PFKM_MSG_MAX, x->timeout_ms);
		if (n < 0)
			return n;
		if ((size_t)n < sizeof(*h))
			continue;
		if (h->sadb_msg_type != type || h->sadb_msg_seq != seq || h->sadb_msg_pid != pid)
			continue;
		if (x->trace)
			x->trace(x->ctx, false, x->buf, (size_t)n);
		if (h->sadb_msg_errno)
			return -(int)h->sadb_msg_errno;
		if (reply) {
			ret = pfk_parse(x->buf, (size_t)n, reply);
			if (ret)
				return ret;
		}
		return n;
	}
}

/*
 * A change whose reply does not come within timeout_ms is not reported as
 * failed: its outcome is looked up first (settle: GET/SPDDUMP, resent if it
 * did not happen), as batch mode does for lost replies.
 */
int pfk_exec_request(struct pfk_exec *x, size_t len, struct pfk_msg *reply)
{
	uint8_t type = ((const struct sadb_msg *)(const void *)x->sbuf)->sadb_msg_type;
	uint8_t *copy = NULL;
	int ret;

	if ((type == SADB_ADD || type == SADB_UPDATE || type == SADB_DELETE ||
	     type == SADB_X_SPDADD || type == SADB_X_SPDUPDATE || type == SADB_X_SPDDELETE) &&
	    (copy = malloc(len)))
		memcpy(copy, x->sbuf, len);
	ret = pfk_req_raw(x, len, reply);
	if (ret == -ETIMEDOUT && copy) {
		ret = pfk_settle_lost(x, copy, len);
		if (reply)	/* the outcome is known, the reply was not seen */
			memset(reply, 0, sizeof(*reply));
	}
	if (copy) {
		explicit_bzero(copy, len);
		free(copy);
	}
	return ret;
}

int pfk_req_sa(struct pfk_exec *x, pfk_req_sa_fn build, const struct pfk_sa *sa,
	       struct pfk_msg *reply)
{
	struct pfk_buf b = pfk_req_sendbuf(x);
	int ret = build(&b, sa, pfk_req_seq(x), x->conn->pid);

	if (ret < 0)
		return ret;
	return pfk_exec_request(x, (size_t)ret, reply);
}

int pfk_req_pol(struct pfk_exec *x, pfk_req_pol_fn build, const struct pfk_policy *p,
		struct pfk_msg *reply)
{
	struct pfk_buf b = pfk_req_sendbuf(x);
	int ret = build(&b, p, pfk_req_seq(x), x->conn->pid);

	if (ret < 0)
		return ret;
	return pfk_exec_request(x, (size_t)ret, reply);
}

int pfk_req_bare(struct pfk_exec *x, pfk_req_bare_fn build, enum pfk_satype t,
		 struct pfk_msg *reply)
{
	struct pfk_buf b = pfk_req_sendbuf(x);
	int ret = build(&b, t, pfk_req_seq(x), x->conn->pid);

	if (ret < 0)
		return ret;
	return pfk_exec_request(x, (size_t)ret, reply);
}
