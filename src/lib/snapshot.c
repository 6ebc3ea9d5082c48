// SPDX-License-Identifier: BSD-2-Clause
/*
 * snapshot.c: what the backend holds now of one SA (GET) or one policy (by
 * selector and direction, from an SPDDUMP), made fit to be sent back: the
 * journal records it before a change and settle.c compares it with a
 * request whose reply was lost. Snapshots hold keys: callers wipe them.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include "exec_int.h"

/* A GET / DUMP reply made fit to be sent back as ADD. */
void pfk_snap_restorable_sa(struct pfk_sa *sa)
{
	sa->has &= ~(PFK_SA_HAS_CUR | PFK_SA_HAS_SPIRANGE);
	sa->state = PFK_STATE_UNKNOWN;
}

void pfk_snap_restorable_pol(struct pfk_policy *p)
{
	p->has &= ~PFK_POL_HAS_CUR;
}

/* Snapshot of one SA by GET; 1 if found, 0 if not, -errno. */
int pfk_snap_sa(struct pfk_exec *x, const struct pfk_sa *key, struct pfk_msg *m)
{
	int ret = pfk_req_sa(x, pfk_build_get, key, m);

	if (ret == -ENOENT || ret == -ESRCH)
		return 0;
	if (ret < 0)
		return ret;
	pfk_snap_restorable_sa(&m->sa);
	return 1;
}

bool pfk_snap_same_addr(const struct pfk_addr *a, const struct pfk_addr *b, bool exact)
{
	if (a->family != b->family ||
	    memcmp(a->a.bytes, b->a.bytes, a->family == AF_INET ? 4 : 16))
		return false;
	if (!exact)
		return true;
	return a->prefixlen == b->prefixlen && a->port == b->port;
}

static bool same_selector(const struct pfk_policy *a, const struct pfk_policy *b)
{
	uint8_t pa = a->src.proto ? a->src.proto : IPSEC_ULPROTO_ANY;
	uint8_t pb = b->src.proto ? b->src.proto : IPSEC_ULPROTO_ANY;

	return a->dir == b->dir && pa == pb && pfk_snap_same_addr(&a->src, &b->src, true) &&
	       pfk_snap_same_addr(&a->dst, &b->dst, true);
}

/* The policy with p's selector and direction, from an SPDDUMP. */
int pfk_snap_pol(struct pfk_exec *x, const struct pfk_policy *p, struct pfk_policy *out)
{
	struct pfk_dump d;
	struct pfk_msg *m = malloc(sizeof(*m));
	size_t i;
	int ret, found = 0;

	if (!m)
		return -ENOMEM;
	ret = pfk_exec_dump(x, true, PFK_SATYPE_UNSPEC, &d);
	if (ret)
		goto out;
	for (i = 0; i < d.n && !found; i++) {
		if (pfk_parse(d.v[i].raw, d.v[i].len, m))
			continue;
		if (same_selector(&m->pol, p)) {
			*out = m->pol;
			pfk_snap_restorable_pol(out);
			found = 1;
		}
	}
	pfk_dump_free(&d);
	ret = found;
out:
	free(m);
	return ret;
}

