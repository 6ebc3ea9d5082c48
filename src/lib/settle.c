// SPDX-License-Identifier: BSD-2-Clause
/*
 * settle.c: lost replies. A PF_KEY socket tells its reader nothing when the
 * backend drops a message because the receive queue is full (broadcasts
 * from other writers fill it), and our own replies go the same way. A
 * change whose reply is lost (pipeline.c finds out which; request.c when a
 * reply does not come in time) is settled here once nothing of ours is in
 * flight (so a probe's reply cannot be confused with a pending one), by
 * asking the backend what the state is:
 *   ADD/UPDATE: GET by (satype, src, dst, spi); the SA as requested (same
 *     algorithms, keys, mode and reqid) means applied. An ADD of an SA that
 *     already existed identically counts as applied too: the state the
 *     script asked for holds. Otherwise the request is sent again, alone,
 *     and its reply is the result (EEXIST for an SA with other keys, the
 *     backend's own error for a request it refuses).
 *   DELETE: absent means applied; present: sent again.
 *   SPDADD/SPDUPDATE: the policy with the same selector and direction from
 *     an SPDDUMP, with the same action and requests, means applied;
 *     otherwise sent again. SPDDELETE: absent means applied.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include "exec_int.h"

/* Send a lost request again, alone, with a fresh seq: the reply's errno. */
static int resend(struct pfk_exec *x, const void *msg, size_t len)
{
	struct sadb_msg *h = (void *)x->sbuf;
	int ret;

	memcpy(x->sbuf, msg, len);
	h->sadb_msg_seq = pfk_req_seq(x);
	h->sadb_msg_pid = x->conn->pid;
	ret = pfk_req_raw(x, len, NULL);
	return ret < 0 ? ret : 0;
}

static bool same_key(const struct pfk_key *a, const struct pfk_key *b)
{
	return a->bits == b->bits && !memcmp(a->data, b->data, (a->bits + 7u) / 8u);
}

/* The SA the backend holds (got) is the one the request (want) asked for. */
static bool sa_as_requested(const struct pfk_sa *want, const struct pfk_sa *got)
{
	if (want->spi != got->spi || want->auth_alg != got->auth_alg ||
	    want->enc_alg != got->enc_alg ||
	    !pfk_snap_same_addr(&want->src, &got->src, false) ||
	    !pfk_snap_same_addr(&want->dst, &got->dst, false))
		return false;
	if ((want->has & PFK_SA_HAS_AUTH_KEY) && !same_key(&want->auth_key, &got->auth_key))
		return false;
	if ((want->has & PFK_SA_HAS_ENC_KEY) && !same_key(&want->enc_key, &got->enc_key))
		return false;
	/* Mode "any" is stored as the backend's default (transport). */
	if ((want->has & PFK_SA_HAS_SA2) && (want->reqid != got->reqid ||
	    (want->mode > PFK_MODE_ANY && want->mode != got->mode)))
		return false;
	return true;
}

static bool pol_as_requested(const struct pfk_policy *want, const struct pfk_policy *got)
{
	unsigned int i;

	if (want->action != got->action || want->nreq != got->nreq)
		return false;
	for (i = 0; i < want->nreq; i++)
		if (want->req[i].proto != got->req[i].proto ||
		    want->req[i].mode != got->req[i].mode ||
		    want->req[i].level != got->req[i].level)
			return false;
	return true;
}

/* What became of one request whose reply was lost (see above). */
int pfk_settle_lost(struct pfk_exec *x, const void *msg, size_t len)
{
	const struct sadb_msg *h = msg;
	struct pfk_msg *req = malloc(sizeof(*req)), *got = malloc(sizeof(*got));
	struct pfk_policy pol;
	int ret, found;

	if (!req || !got) {
		ret = -ENOMEM;
		goto out;
	}
	memset(got, 0, sizeof(*got));
	ret = pfk_parse(msg, len, req);
	if (ret)
		goto out;
	switch (h->sadb_msg_type) {
	case SADB_ADD:
	case SADB_UPDATE:
	case SADB_DELETE:
		found = pfk_snap_sa(x, &req->sa, got);
		if (found < 0) {
			ret = found;
			break;
		}
		if (h->sadb_msg_type == SADB_DELETE ? !found :
		    found && sa_as_requested(&req->sa, &got->sa))
			ret = 0;
		else
			ret = resend(x, msg, len);
		break;
	case SADB_X_SPDADD:
	case SADB_X_SPDUPDATE:
	case SADB_X_SPDDELETE:
		found = pfk_snap_pol(x, &req->pol, &pol);
		if (found < 0) {
			ret = found;
			break;
		}
		if (h->sadb_msg_type == SADB_X_SPDDELETE ? !found :
		    found && pol_as_requested(&req->pol, &pol))
			ret = 0;
		else
			ret = resend(x, msg, len);
		break;
	default:
		ret = resend(x, msg, len);
		break;
	}
	pfk_msg_wipe(req);
	pfk_msg_wipe(got);
out:
	free(req);
	free(got);
	return ret;
}

