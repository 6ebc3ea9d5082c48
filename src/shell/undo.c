// SPDX-License-Identifier: BSD-2-Clause
/*
 * undo.c: keysh --undo, removing what a script installs. Each statement
 * that installs an entry (add, update: the SA; spdadd, spdupdate: the
 * policy) becomes the statement that removes it (delete, spddelete) and is
 * run, or printed as a script with -n. delete and spddelete are removals
 * already and run as written, so a printed removal script can itself be
 * run with --undo. Everything else (flush, deleteall, get, dump, ...) is
 * skipped; load is followed. An entry that is already gone is not an
 * error, so stopping twice is harmless.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "ksh.h"
#include "text.h"

/*
 * The removal of what *in installs, in *out. Returns 1 when there is one,
 * 0 when the statement installs nothing, -EINVAL when the entry cannot be
 * named before it is made (`spi auto`: the SPI is chosen at run time).
 */
static int undo_stmt(const struct pfk_stmt *in, struct pfk_stmt *out)
{
	memset(out, 0, sizeof(*out));
	out->line = in->line;
	out->col = in->col;
	out->family = in->family;
	switch (in->cmd) {
	case PFK_CMD_DELETE:
	case PFK_CMD_SPDDELETE:
		*out = *in;	/* a removal already (no key material) */
		return 1;
	case PFK_CMD_ADD:
	case PFK_CMD_UPDATE:
		if (in->opts & PFK_STMT_SPI_AUTO)
			return -EINVAL;
		out->cmd = PFK_CMD_DELETE;
		out->satype = in->satype;
		out->opts = in->opts & (PFK_STMT_ESPUDP | PFK_STMT_TCP | PFK_STMT_RAWCPI);
		out->sa.has = in->sa.has & (PFK_SA_HAS_NATT | PFK_SA_HAS_SA2);
		out->sa.satype = in->sa.satype;
		out->sa.spi = in->sa.spi;
		out->sa.src = in->sa.src;
		out->sa.dst = in->sa.dst;
		out->sa.natt_type = in->sa.natt_type;
		out->sa.natt_sport = in->sa.natt_sport;
		out->sa.natt_dport = in->sa.natt_dport;
		return 1;
	case PFK_CMD_SPDADD:
	case PFK_CMD_SPDUPDATE:
		out->cmd = PFK_CMD_SPDDELETE;
		out->pol.has = in->pol.has & (PFK_POL_HAS_POLICY | PFK_POL_HAS_SECCTX);
		out->pol.dir = in->pol.dir;
		out->pol.action = PFK_ACTION_IPSEC;
		out->pol.priority = in->pol.priority;
		out->pol.src = in->pol.src;
		out->pol.dst = in->pol.dst;
		out->pol.ctx = in->pol.ctx;
		return 1;
	default:
		return 0;
	}
}

static void host(FILE *f, const struct pfk_addr *a)
{
	char b[PFK_ADDR_TXT];

	if (pfk_addr_format(b, sizeof(b), a, 0) < 0)
		snprintf(b, sizeof(b), "unknown-af-%u", a->family);
	fputs(b, f);
}

/* "addr/plen[port]" as render_script.c writes selectors. */
static void selector(FILE *f, const struct pfk_addr *a, unsigned int ulp)
{
	bool code = ulp == IPPROTO_ICMP || ulp == IPPROTO_ICMPV6 || ulp == IPPROTO_MH ||
		    ulp == IPPROTO_GRE;
	char b[PFK_ADDR_TXT];

	if (pfk_addr_format(b, sizeof(b), a, PFK_ADDR_PLEN | (code ? 0 : PFK_ADDR_PORT_ANY)) < 0)
		snprintf(b, sizeof(b), "unknown-af-%u/%u", a->family, a->prefixlen);
	fputs(b, f);
}

static void print_ctx(FILE *f, const struct pfk_secctx *c)
{
	fprintf(f, " -ctx %u %u \"", c->doi, c->alg);
	fwrite(c->str, 1, strnlen(c->str, c->len), f);
	fputc('"', f);
}

/* The removal statement as keysh reads it back. */
static void undo_print(FILE *f, const struct pfk_stmt *st)
{
	if (st->cmd == PFK_CMD_DELETE) {
		bool natt = st->opts & PFK_STMT_ESPUDP;
		const char *proto = natt ? "esp-udp" : st->opts & PFK_STMT_TCP ? "tcp" :
				    pfk_satype_name(st->sa.satype);

		fputs("delete ", f);
		host(f, &st->sa.src);
		if (natt && st->sa.natt_sport)
			fprintf(f, "[%u]", st->sa.natt_sport);
		fputc(' ', f);
		host(f, &st->sa.dst);
		if (natt && st->sa.natt_dport)
			fprintf(f, "[%u]", st->sa.natt_dport);
		fprintf(f, " %s 0x%x ;\n", proto, st->sa.spi);
	} else {
		unsigned int ulp = st->pol.src.proto ? st->pol.src.proto : IPSEC_ULPROTO_ANY;
		const char *un = pfk_ulproto_name(ulp);

		fputs("spddelete ", f);
		selector(f, &st->pol.src, ulp);
		fputc(' ', f);
		selector(f, &st->pol.dst, ulp);
		if (un)
			fprintf(f, " %s", un);
		else
			fprintf(f, " %u", ulp);
		if ((ulp == IPPROTO_ICMP || ulp == IPPROTO_ICMPV6 || ulp == IPPROTO_MH) &&
		    (st->pol.src.port || st->pol.dst.port))
			fprintf(f, " %u,%u", st->pol.src.port, st->pol.dst.port);
		else if (ulp == IPPROTO_GRE && (st->pol.src.port || st->pol.dst.port))
			fprintf(f, " %u", ((unsigned int)st->pol.src.port << 16) + st->pol.dst.port);
		if (st->pol.has & PFK_POL_HAS_SECCTX)
			print_ctx(f, &st->pol.ctx);
		fprintf(f, " -P %s ;\n", pfk_dir_name(st->pol.dir));
	}
}

/* The removal statement text, parsed as keysh parses it (what -n prints
 * is exactly what runs). 0 or -errno. */
static int undo_parse(const struct pfk_stmt *u, struct pfk_stmt *out)
{
	struct pfk_lex lx;
	struct pfk_err e;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ret;

	if (!f)
		return -ENOMEM;
	undo_print(f, u);
	if (fclose(f) || !text) {
		free(text);
		return -ENOMEM;
	}
	pfk_lex_init(&lx, text, len, u->line);
	ret = pfk_stmt_parse(&lx, out, &e);
	free(text);
	return ret == 1 ? 0 : -EINVAL;
}

int ksh_undo_run(struct ksh *k, const struct pfk_stmt *st)
{
	struct pfk_stmt u, r;
	char what[256];
	int ret;

	if (st->cmd == PFK_CMD_LOAD)
		return ksh_run_stmt(k, st);
	ret = undo_stmt(st, &u);
	if (ret == 0)
		return 0;
	if (ret < 0) {
		pfk_stmt_describe(st, 0, what, sizeof(what));
		fflush(stdout);
		fprintf(stderr, "%s:%d: %s: spi auto: the SPI is chosen when it runs, "
			"--undo cannot name the SA\n", k->file ? k->file : "<stdin>", st->line, what);
		return 1;
	}
	if (k->dry_run) {
		undo_print(stdout, &u);
		return 0;
	}
	ret = undo_parse(&u, &r);
	if (!ret) {
		ret = ksh_run_stmt_quiet(k, &r);
		pfk_stmt_wipe(&r);
	}
	if (ret > 0)
		return 1;	/* no backend: said so already */
	if (ret == -ESRCH || ret == -ENOENT)
		ret = 0;	/* already gone: nothing to remove */
	if (ret) {
		pfk_stmt_describe(&u, ret, what, sizeof(what));
		fflush(stdout);
		fprintf(stderr, "%s:%d: %s\n", k->file ? k->file : "<stdin>", st->line, what);
		return 1;
	}
	return 0;
}
