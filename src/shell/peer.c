// SPDX-License-Identifier: BSD-2-Clause
/*
 * peer.c: `keysh --peer`: the script the other end of a setup needs, from
 * this end's script (pfk_peer_text), so one file keys both ends. Nothing
 * is run and no backend is needed; the script is printed only when it has
 * no error, keys only with -K (otherwise a comment says they are omitted).
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include "ksh.h"

struct peer_ctx {
	struct ksh *k;
	int syntax;		/* syntax errors (exit 2); others exit 1 */
};

static void on_err(void *ctx, const struct pfk_err *e)
{
	struct peer_ctx *c = ctx;

	if (!strncmp(e->msg, "--peer:", 7)) {
		ksh_error(c->k, e->line, e->col, 0, "%s", e->msg);
	} else {
		ksh_print_err(c->k, e, NULL);
		c->syntax++;
	}
}

int ksh_peer_text(struct ksh *k, const char *file, const char *text, size_t len)
{
	struct peer_ctx c = { .k = k };
	char *out = NULL;
	size_t olen = 0;
	bool hidden;
	int nerr;
	FILE *f = open_memstream(&out, &olen);

	if (!f)
		return KSH_EXIT_FAILED;
	k->file = file;
	nerr = pfk_peer_text(text, len, k->show_keys, f, &hidden, on_err, &c);
	fclose(f);
	if (!nerr) {
		if (hidden)
			printf("# keys omitted (written without -K): this script cannot be loaded;\n"
			       "# keysh --peer -K writes one that can.\n");
		fwrite(out, 1, olen, stdout);
		fflush(stdout);
	}
	if (out)
		explicit_bzero(out, olen);
	free(out);
	/* a syntax error: 2, as for any script; a statement that cannot be
	 * mirrored: 1 */
	if (nerr < 0)
		return KSH_EXIT_FAILED;
	return !nerr ? KSH_EXIT_OK : c.syntax ? KSH_EXIT_USAGE : KSH_EXIT_FAILED;
}
