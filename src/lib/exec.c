// SPDX-License-Identifier: BSD-2-Clause
/*
 * exec.c: runs one parsed statement against a pfk_conn (pfk_exec_run) and
 * owns the executor's life (init, fini). `spi auto` is GETSPI then UPDATE,
 * deleteall is DUMP then one DELETE per SA (Linux rejects DELETE without
 * an SPI), dump statements hand each sorted entry to on_result. The jobs
 * it uses live apart (exec_int.h): requests (request.c), dumps (dump.c),
 * snapshots (snapshot.c), the --atomic journal (journal.c), lost replies
 * (settle.c) and the pipeline (pipeline.c).
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include "exec_int.h"

#define EXEC_TIMEOUT_MS 5000

int pfk_exec_init(struct pfk_exec *x, struct pfk_conn *c)
{
	memset(x, 0, sizeof(*x));
	x->conn = c;
	x->timeout_ms = EXEC_TIMEOUT_MS;
	x->buf = malloc(PFKM_MSG_MAX);
	x->sbuf = malloc(PFKM_MSG_MAX);
	if (!x->buf || !x->sbuf) {
		free(x->buf);
		free(x->sbuf);
		x->buf = x->sbuf = NULL;
		return -ENOMEM;
	}
	return 0;
}

void pfk_exec_fini(struct pfk_exec *x)
{
	pfk_exec_journal_clear(x);
	pfk_pipe_free(x);
	free(x->undo);
	x->undo = NULL;
	x->capundo = 0;
	if (x->buf)
		explicit_bzero(x->buf, PFKM_MSG_MAX);
	if (x->sbuf)
		explicit_bzero(x->sbuf, PFKM_MSG_MAX);
	free(x->buf);
	free(x->sbuf);
	x->buf = x->sbuf = NULL;
}

static int run_getspi(struct pfk_exec *x, const struct pfk_sa *sa, struct pfk_msg *m)
{
	int ret = pfk_req_sa(x, pfk_build_getspi, sa, m);

	if (ret < 0)
		return ret;
	x->last_spi = m->sa.spi;
	m->sa.satype = sa->satype;
	return pfk_journal_add(x, PFK_UNDO_DEL_SA, &m->sa, NULL);
}

static int run_deleteall(struct pfk_exec *x, const struct pfk_stmt *st, struct pfk_msg *m)
{
	struct pfk_dump d;
	struct pfk_sa key;
	size_t i;
	int ret, first = 0;

	ret = pfk_exec_dump(x, false, st->sa.satype, &d);
	if (ret)
		return ret;
	for (i = 0; i < d.n; i++) {
		ret = pfk_parse(d.v[i].raw, d.v[i].len, m);
		if (ret)
			break;
		if (!pfk_snap_same_addr(&m->sa.src, &st->sa.src, false) ||
		    !pfk_snap_same_addr(&m->sa.dst, &st->sa.dst, false)) {
			pfk_msg_wipe(m);
			continue;
		}
		pfk_snap_restorable_sa(&m->sa);
		key = m->sa;
		ret = pfk_req_sa(x, pfk_build_delete, &key, NULL);
		if (ret >= 0 && m->sa.state != PFK_STATE_LARVAL)
			ret = pfk_journal_add(x, PFK_UNDO_ADD_SA, &key, NULL);
		pfk_sa_wipe(&key);
		pfk_msg_wipe(m);
		if (ret < 0 && !first)
			first = ret;
	}
	pfk_dump_free(&d);
	return first ? first : ret < 0 ? ret : 0;
}

static int run_pol_change(struct pfk_exec *x, const struct pfk_stmt *st, struct pfk_msg *m)
{
	struct pfk_policy old;
	int found = 0, ret;

	if (x->journal && st->cmd != PFK_CMD_SPDADD) {
		found = pfk_snap_pol(x, &st->pol, &old);
		if (found < 0)
			return found;
	}
	switch (st->cmd) {
	case PFK_CMD_SPDADD:
		ret = pfk_req_pol(x, pfk_build_spdadd, &st->pol, m);
		if (ret >= 0)
			ret = pfk_journal_add(x, PFK_UNDO_DEL_POL, NULL, &st->pol);
		break;
	case PFK_CMD_SPDUPDATE:
		ret = pfk_req_pol(x, pfk_build_spdupdate, &st->pol, m);
		if (ret >= 0)
			ret = found ? pfk_journal_add(x, PFK_UNDO_UPD_POL, NULL, &old) :
			      pfk_journal_add(x, PFK_UNDO_DEL_POL, NULL, &st->pol);
		break;
	default:
		ret = pfk_req_pol(x, pfk_build_spddelete, &st->pol, m);
		if (ret >= 0 && found)
			ret = pfk_journal_add(x, PFK_UNDO_ADD_POL, NULL, &old);
		break;
	}
	return ret < 0 ? ret : 0;
}

static int emit_dump(struct pfk_exec *x, const struct pfk_stmt *st, bool spd, struct pfk_msg *m)
{
	struct pfk_dump d;
	size_t i;
	int ret = pfk_exec_dump(x, spd, st->satype, &d);

	if (ret)
		return ret;
	for (i = 0; i < d.n; i++) {
		ret = pfk_parse(d.v[i].raw, d.v[i].len, m);
		if (ret)
			break;
		if (x->on_result)
			x->on_result(x->ctx, st, m, d.v[i].raw, d.v[i].len);
		pfk_msg_wipe(m);
	}
	pfk_dump_free(&d);
	return ret;
}

static int run(struct pfk_exec *x, const struct pfk_stmt *st, struct pfk_msg *m)
{
	struct pfk_sa sa = st->sa;
	int ret, had;

	switch (st->cmd) {
	case PFK_CMD_ADD:
	case PFK_CMD_UPDATE:
		if (st->opts & PFK_STMT_SPI_AUTO) {
			struct pfk_sa g = sa;

			g.has = PFK_SA_HAS_SRC | PFK_SA_HAS_DST | PFK_SA_HAS_SA2 |
				PFK_SA_HAS_SPIRANGE;
			g.spi_min = 0x100;
			g.spi_max = sa.satype == PFK_SATYPE_IPCOMP ? 0xffff : 0x0fffffff;
			ret = run_getspi(x, &g, m);
			pfk_sa_wipe(&g);
			if (ret)
				break;
			sa.spi = x->last_spi;
			ret = pfk_req_sa(x, pfk_build_update, &sa, m);
			if (ret >= 0 && x->on_result)
				x->on_result(x->ctx, st, m, x->buf, (size_t)ret);
			break;
		}
		had = 0;
		if (st->cmd == PFK_CMD_UPDATE && x->journal) {
			had = pfk_snap_sa(x, &sa, m);
			if (had < 0) {
				ret = had;
				break;
			}
		}
		ret = pfk_req_sa(x, st->cmd == PFK_CMD_ADD ? pfk_build_add : pfk_build_update,
				 &sa, NULL);
		if (ret >= 0)
			ret = had ? pfk_journal_add(x, PFK_UNDO_ADD_SA, &m->sa, NULL) :
			      pfk_journal_add(x, PFK_UNDO_DEL_SA, &sa, NULL);
		break;
	case PFK_CMD_GET:
		ret = pfk_req_sa(x, pfk_build_get, &sa, m);
		if (ret >= 0 && x->on_result)
			x->on_result(x->ctx, st, m, x->buf, (size_t)ret);
		break;
	case PFK_CMD_DELETE:
		had = x->journal ? pfk_snap_sa(x, &sa, m) : 0;
		if (had < 0) {
			ret = had;
			break;
		}
		ret = pfk_req_sa(x, pfk_build_delete, &sa, NULL);
		if (ret >= 0 && had)
			ret = pfk_journal_add(x, PFK_UNDO_ADD_SA, &m->sa, NULL);
		break;
	case PFK_CMD_DELETEALL:
		ret = run_deleteall(x, st, m);
		break;
	case PFK_CMD_GETSPI:
		ret = run_getspi(x, &sa, m);
		if (!ret && x->on_result)
			x->on_result(x->ctx, st, m, x->buf, 0);
		break;
	case PFK_CMD_FLUSH:
		ret = pfk_journal_dump(x, false, st->satype, NULL, NULL);
		if (!ret)
			ret = pfk_req_bare(x, pfk_build_flush, st->satype, NULL);
		break;
	case PFK_CMD_DUMP:
		ret = emit_dump(x, st, false, m);
		break;
	case PFK_CMD_SPDADD:
	case PFK_CMD_SPDUPDATE:
	case PFK_CMD_SPDDELETE:
		ret = run_pol_change(x, st, m);
		break;
	case PFK_CMD_SPDFLUSH: {
		struct pfk_buf b = pfk_req_sendbuf(x);

		ret = pfk_journal_dump(x, true, PFK_SATYPE_UNSPEC, NULL, NULL);
		if (!ret)
			ret = pfk_build_spdflush(&b, pfk_req_seq(x), x->conn->pid);
		if (ret >= 0)
			ret = pfk_exec_request(x, (size_t)ret, NULL);
		break;
	}
	case PFK_CMD_SPDDUMP:
		ret = emit_dump(x, st, true, m);
		break;
	case PFK_CMD_REGISTER:
		ret = pfk_req_bare(x, pfk_build_register, st->satype, m);
		if (ret >= 0 && x->on_result)
			x->on_result(x->ctx, st, m, x->buf, (size_t)ret);
		break;
	default:
		ret = -EOPNOTSUPP;
		break;
	}
	pfk_sa_wipe(&sa);
	return ret < 0 ? ret : 0;
}

int pfk_exec_run(struct pfk_exec *x, const struct pfk_stmt *st)
{
	struct pfk_msg *m = malloc(sizeof(*m));
	int ret;

	if (!m)
		return -ENOMEM;
	memset(m, 0, sizeof(*m));
	ret = run(x, st, m);
	pfk_msg_wipe(m);
	free(m);
	return ret;
}
