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
 * pfk_peer_text applies this to a whole script, for keysh --peer and the
 * keytui wizard: SA statements copied unchanged (keys redacted unless
 * asked for), policies mirrored, comments and layout kept; `random` keys
 * and SPI `auto` refused (they would differ at each end).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stmt.h"

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

/* Offset of LINE:COL in text. */
static size_t offset_of(const char *text, size_t len, int line, int col)
{
	size_t o = 0;
	int l = 1;

	while (o < len && l < line)
		if (text[o++] == '\n')
			l++;
	return o + (size_t)(col - 1) <= len ? o + (size_t)(col - 1) : len;
}

static size_t lex_pos(const struct pfk_lex *lx, const char *text)
{
	return (size_t)((lx->has_peek ? lx->peeked.src : lx->p) - text);
}

/* "spdadd ... -P dir ..." rendered; spdupdate/spddelete rewrite it. */
static void policy_stmt(FILE *f, enum pfk_cmd cmd, const struct pfk_policy *p)
{
	char *buf = NULL, *dir;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);

	if (!m)
		return;
	pfk_render_script_policy(m, p);
	fclose(m);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';	/* the source's line end follows */
	if (cmd == PFK_CMD_SPDADD) {
		fputs(buf, f);
	} else if (cmd == PFK_CMD_SPDUPDATE) {
		fprintf(f, "spdupdate%s", buf + strlen("spdadd"));
	} else {
		/* spddelete: selectors and direction only */
		dir = strstr(buf, " -P ");
		if (dir) {
			dir += 4;
			dir += strcspn(dir, " ");
			*dir = '\0';
		}
		fprintf(f, "spddelete%s ;", buf + strlen("spdadd"));
	}
	free(buf);
}

static int peer_stmt(FILE *f, const struct pfk_stmt *st, const char *src, size_t n, bool keys,
		     bool *hidden, struct pfk_err *err)
{
	struct pfk_policy out[2];
	char *copy, *red;
	int i, np;

	switch (st->cmd) {
	case PFK_CMD_SPDADD: case PFK_CMD_SPDUPDATE: case PFK_CMD_SPDDELETE:
		np = pfk_policy_peer(&st->pol, out);
		if (!np)
			fprintf(f, "# keysh --peer: this end's %s policy has no counterpart there",
				pfk_dir_name(st->pol.dir));
		for (i = 0; i < np; i++) {
			if (i)
				fputc('\n', f);
			policy_stmt(f, st->cmd, &out[i]);
		}
		return 0;
	case PFK_CMD_ADD: case PFK_CMD_UPDATE:
		if (st->opts & (PFK_STMT_RANDOM_ENC | PFK_STMT_RANDOM_AUTH | PFK_STMT_SPI_AUTO)) {
			memset(err, 0, sizeof(*err));
			err->code = -EINVAL;
			err->line = st->line;
			err->col = st->col;
			snprintf(err->msg, sizeof(err->msg),
				 "--peer: 'random' keys and SPI 'auto' differ at each end: write "
				 "the SPI and keys in the script");
			return -EINVAL;
		}
		break;
	default:
		break;
	}
	copy = malloc(n + 1);
	red = malloc(n + 1 + 64 * 8);
	if (!copy || !red) {
		free(copy);
		free(red);
		return -ENOMEM;
	}
	memcpy(copy, src, n);
	copy[n] = '\0';
	if (!keys && (st->cmd == PFK_CMD_ADD || st->cmd == PFK_CMD_UPDATE)) {
		pfk_lex_redact(copy, red, n + 1 + 64 * 8);
		*hidden = *hidden || strcmp(copy, red);
		fputs(red, f);
	} else {
		fputs(copy, f);
	}
	explicit_bzero(copy, n);
	explicit_bzero(red, n + 1 + 64 * 8);
	free(copy);
	free(red);
	return 0;
}

int pfk_peer_text(const char *text, size_t len, bool keys, FILE *f, bool *hidden,
		  void (*on_err)(void *ctx, const struct pfk_err *e), void *ctx)
{
	struct pfk_lex lx;
	struct pfk_stmt st;
	struct pfk_err e;
	size_t prev = 0, start, end;
	int ret, nerr = 0;

	*hidden = false;
	pfk_lex_init(&lx, text, len, 1);
	for (;;) {
		memset(&e, 0, sizeof(e));
		ret = pfk_stmt_parse(&lx, &st, &e);
		if (ret == 0)
			break;
		if (ret < 0) {
			if (on_err)
				on_err(ctx, &e);
			nerr++;
			prev = lex_pos(&lx, text);
			continue;
		}
		start = offset_of(text, len, st.line, st.col);
		end = lex_pos(&lx, text);
		if (start < prev)
			start = prev;
		/* comments and blank lines before the statement, as they are */
		fwrite(text + prev, 1, start - prev, f);
		ret = peer_stmt(f, &st, text + start, end - start, keys, hidden, &e);
		if (ret == -ENOMEM) {
			pfk_stmt_wipe(&st);
			return ret;
		}
		if (ret) {
			if (on_err)
				on_err(ctx, &e);
			nerr++;
		}
		prev = end;
		pfk_stmt_wipe(&st);
	}
	fwrite(text + prev, 1, len - prev, f);
	return nerr;
}
