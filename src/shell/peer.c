// SPDX-License-Identifier: BSD-2-Clause
/*
 * peer.c: `keysh --peer`: the script the other end of a setup needs, from
 * this end's script, so one file keys both ends. Nothing is run and no
 * backend is needed. SA statements are copied unchanged (an SA is one-way:
 * both ends install it as it is, SPI and keys included; keys only with -K,
 * otherwise (hidden) and the script says so); policies are mirrored by
 * pfk_policy_peer (out -> in, plus the fwd a gateway needs; in -> out;
 * fwd -> none); anything else is copied, comments included. `random` keys
 * and SPI `auto` differ at each end: refused.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include "ksh.h"

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

static int peer_stmt(struct ksh *k, FILE *f, const struct pfk_stmt *st, const char *src,
		     size_t n, bool *hidden)
{
	struct pfk_policy out[2];
	char *copy;
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
			ksh_error(k, st->line, st->col, 0,
				  "--peer: 'random' keys and SPI 'auto' differ at each end: write "
				  "the SPI and keys in the script");
			return -EINVAL;
		}
		break;
	default:
		break;
	}
	copy = malloc(n + 1 + 64 * 8);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, src, n);
	copy[n] = '\0';
	if (!k->show_keys && (st->cmd == PFK_CMD_ADD || st->cmd == PFK_CMD_UPDATE)) {
		char *red = malloc(n + 1 + 64 * 8);

		if (!red) {
			explicit_bzero(copy, n);
			free(copy);
			return -ENOMEM;
		}
		pfk_lex_redact(copy, red, n + 1 + 64 * 8);
		*hidden = *hidden || strcmp(copy, red);
		fputs(red, f);
		free(red);
	} else {
		fputs(copy, f);
	}
	explicit_bzero(copy, n);
	free(copy);
	return 0;
}

int ksh_peer_text(struct ksh *k, const char *file, const char *text, size_t len)
{
	struct pfk_lex lx;
	struct pfk_stmt st;
	struct pfk_err e;
	char *out = NULL;
	size_t olen = 0, prev = 0, start, end;
	bool hidden = false;
	int ret, nerr = 0, failed = 0;
	FILE *f = open_memstream(&out, &olen);

	if (!f)
		return KSH_EXIT_FAILED;
	k->file = file;
	pfk_lex_init(&lx, text, len, 1);
	for (;;) {
		memset(&e, 0, sizeof(e));
		ret = pfk_stmt_parse(&lx, &st, &e);
		if (ret == 0)
			break;
		if (ret < 0) {
			ksh_print_err(k, &e, NULL);
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
		if (peer_stmt(k, f, &st, text + start, end - start, &hidden))
			failed = 1;
		prev = end;
		pfk_stmt_wipe(&st);
	}
	fwrite(text + prev, 1, len - prev, f);
	fclose(f);
	if (!nerr && !failed) {
		if (hidden)
			printf("# keys omitted (written without -K): this script cannot be loaded;\n"
			       "# keysh --peer -K writes one that can.\n");
		fwrite(out, 1, olen, stdout);
		fflush(stdout);
	}
	explicit_bzero(out, olen);
	free(out);
	return nerr ? KSH_EXIT_USAGE : failed ? KSH_EXIT_FAILED : KSH_EXIT_OK;
}
