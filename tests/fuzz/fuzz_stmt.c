// SPDX-License-Identifier: BSD-2-Clause
// fuzz-links: lib
/*
 * fuzz_stmt.c: libFuzzer target for the setkey-language front end: lexer,
 * statement parser, every field validator it calls, the suggestion engine,
 * pfk_lex_complete / pfk_lex_redact, and the script renderers fed with
 * whatever parsed (so a statement that parses always renders).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfk_err errs[8];
	struct pfk_stmt *v = NULL;
	size_t n = 0, i;
	char *text = malloc(size + 1), *red;
	FILE *null;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (pfk_stmt_parse_all(text, size, &v, &n, errs, 8) >= 0) {
		null = fopen("/dev/null", "w");
		for (i = 0; i < n && null; i++) {
			if (v[i].cmd >= PFK_CMD_ADD && v[i].cmd <= PFK_CMD_GETSPI)
				pfk_render_script_sa(null, &v[i].sa, true);
			else if (v[i].cmd >= PFK_CMD_SPDADD && v[i].cmd <= PFK_CMD_SPDDELETE)
				pfk_render_script_policy(null, &v[i].pol);
		}
		if (null)
			fclose(null);
		pfk_stmt_free_all(v, n);
	}
	(void)pfk_lex_complete(text);
	red = malloc(size * 2 + 64);
	if (red) {
		pfk_lex_redact(text, red, size * 2 + 64);
		free(red);
	}
	free(text);
	return 0;
}
