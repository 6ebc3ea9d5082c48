// SPDX-License-Identifier: BSD-2-Clause
/*
 * journal.c: the --atomic undo journal and its rollback. With x->journal
 * set, every change that succeeded records how to undo it (from a snapshot
 * taken before the change: snapshot.c); pfk_exec_rollback replays the
 * journal backwards. Steps hold keys: wiped when dropped.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include "exec_int.h"

int pfk_journal_add(struct pfk_exec *x, int kind, const struct pfk_sa *sa,
		    const struct pfk_policy *pol)
{
	struct pfk_undo *u;

	if (!x->journal)
		return 0;
	if (x->nundo == x->capundo) {
		size_t cap = x->capundo ? x->capundo * 2 : 16;
		struct pfk_undo *nv = realloc(x->undo, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		x->undo = nv;
		x->capundo = cap;
	}
	u = &x->undo[x->nundo++];
	memset(u, 0, sizeof(*u));
	u->kind = kind;
	if (sa)
		u->sa = *sa;
	if (pol)
		u->pol = *pol;
	return 0;
}

void pfk_exec_journal_clear(struct pfk_exec *x)
{
	size_t i;

	for (i = 0; i < x->nundo; i++)
		pfk_sa_wipe(&x->undo[i].sa);
	x->nundo = 0;
}

/* Journal every SA (or policy) of a dump as "add it back". */
int pfk_journal_dump(struct pfk_exec *x, bool spd, enum pfk_satype t,
		     const struct pfk_addr *src, const struct pfk_addr *dst)
{
	struct pfk_dump d;
	struct pfk_msg *m;
	size_t i;
	int ret;

	if (!x->journal)
		return 0;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	ret = pfk_exec_dump(x, spd, t, &d);
	/* Journaled backwards: the rollback replays in reverse, so entries
	 * come back in their original order (policy ids keep their order). */
	for (i = d.n; !ret && i-- > 0; ) {
		ret = pfk_parse(d.v[i].raw, d.v[i].len, m);
		if (ret)
			break;
		if (spd) {
			pfk_snap_restorable_pol(&m->pol);
			ret = pfk_journal_add(x, PFK_UNDO_ADD_POL, NULL, &m->pol);
		} else if (m->sa.state != PFK_STATE_LARVAL &&
			   (!src || (pfk_snap_same_addr(&m->sa.src, src, false) &&
				     pfk_snap_same_addr(&m->sa.dst, dst, false)))) {
			pfk_snap_restorable_sa(&m->sa);
			ret = pfk_journal_add(x, PFK_UNDO_ADD_SA, &m->sa, NULL);
		}
		pfk_msg_wipe(m);
	}
	pfk_dump_free(&d);
	free(m);
	return ret;
}

int pfk_exec_rollback(struct pfk_exec *x)
{
	bool was = x->journal;
	int first = 0, ret;
	size_t i;

	x->journal = false;
	for (i = x->nundo; i-- > 0; ) {
		struct pfk_undo *u = &x->undo[i];

		switch (u->kind) {
		case PFK_UNDO_DEL_SA:
			ret = pfk_req_sa(x, pfk_build_delete, &u->sa, NULL);
			if (ret == -ENOENT || ret == -ESRCH)
				ret = 0;
			break;
		case PFK_UNDO_ADD_SA:
			/* Update undone as delete + add: the SA ends up with the
			 * snapshot's keys and parameters whatever state it is in. */
			ret = pfk_req_sa(x, pfk_build_delete, &u->sa, NULL);
			ret = pfk_req_sa(x, pfk_build_add, &u->sa, NULL);
			break;
		case PFK_UNDO_DEL_POL:
			ret = pfk_req_pol(x, pfk_build_spddelete, &u->pol, NULL);
			if (ret == -ENOENT || ret == -ESRCH)
				ret = 0;
			break;
		case PFK_UNDO_ADD_POL:
			ret = pfk_req_pol(x, pfk_build_spdadd, &u->pol, NULL);
			break;
		default:
			ret = pfk_req_pol(x, pfk_build_spdupdate, &u->pol, NULL);
			break;
		}
		if (ret < 0 && !first)
			first = ret;
	}
	pfk_exec_journal_clear(x);
	x->journal = was;
	return first;
}
