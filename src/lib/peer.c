// SPDX-License-Identifier: BSD-2-Clause
/*
 * peer.c: the other end's view of a policy, for `keysh --peer`. A policy
 * describes a flow; the flow that leaves one end enters the other, so the
 * peer keeps the selectors and the requests (an SA is one-way: both ends
 * use it as it is) and swaps the direction: out becomes in, in becomes out.
 * A gateway also needs a fwd policy for what it receives for the network
 * behind it (a tunnel whose far endpoint is not the selector's one
 * address). This end's own fwd policies have no counterpart: the peer's
 * out policy (from this end's in) already covers that flow.
 */
#include <string.h>
#include "pfk.h"

static bool full_host(const struct pfk_addr *a)
{
	return a->prefixlen == (a->family == AF_INET6 ? 128 : 32);
}

/* The receiving end forwards: a tunnel ends there but the flow's
 * destination is another host or a network behind it. */
static bool forwards(const struct pfk_policy *in)
{
	unsigned int i;

	if (in->action != PFK_ACTION_IPSEC)
		return false;
	for (i = 0; i < in->nreq; i++) {
		const struct pfk_ipsecreq *r = &in->req[i];

		if (r->mode != PFK_MODE_TUNNEL)
			continue;
		if (!full_host(&in->dst) || in->dst.family != r->dst.family ||
		    memcmp(in->dst.a.bytes, r->dst.a.bytes, in->dst.family == AF_INET ? 4 : 16))
			return true;
	}
	return false;
}

int pfk_policy_peer(const struct pfk_policy *p, struct pfk_policy out[2])
{
	switch (p->dir) {
	case PFK_DIR_OUT:
		out[0] = *p;
		out[0].dir = PFK_DIR_IN;
		if (!forwards(&out[0]))
			return 1;
		out[1] = out[0];
		out[1].dir = PFK_DIR_FWD;
		return 2;
	case PFK_DIR_IN:
		out[0] = *p;
		out[0].dir = PFK_DIR_OUT;
		return 1;
	default:
		return 0;	/* fwd (and any): nothing for the peer */
	}
}
