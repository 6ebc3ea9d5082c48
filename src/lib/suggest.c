// SPDX-License-Identifier: BSD-2-Clause
/*
 * suggest.c: "did you mean" for near misses. Optimal-string-alignment
 * (Damerau-Levenshtein) distance; a candidate is proposed when it is within
 * max(1, len/4) edits (capped at 2) or when the word is a proper prefix of
 * exactly one candidate.
 */
#include <string.h>
#include <stdlib.h>

#include "stmt.h"

#define SUGGEST_MAX 64

unsigned int pfk_suggest_distance(const char *a, const char *b)
{
	unsigned int d[SUGGEST_MAX + 1][SUGGEST_MAX + 1];
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la > SUGGEST_MAX || lb > SUGGEST_MAX)
		return SUGGEST_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = (unsigned int)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (unsigned int)j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			unsigned int cost = a[i - 1] != b[j - 1];
			unsigned int v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const char *pfk_suggest_pick(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL, *prefix = NULL;
	unsigned int best_d = ~0u, limit;
	size_t i, len = strlen(word), nprefix = 0;

	if (!len)
		return NULL;
	limit = len / 4;
	if (limit < 1)
		limit = 1;
	if (limit > 2)
		limit = 2;
	for (i = 0; i < n; i++) {
		unsigned int dd;

		if (!cands[i])
			continue;
		dd = pfk_suggest_distance(word, cands[i]);
		if (dd < best_d) {
			best_d = dd;
			best = cands[i];
		}
		if (len >= 2 && strncmp(cands[i], word, len) == 0 && cands[i][len]) {
			prefix = cands[i];
			nprefix++;
		}
	}
	if (best && best_d > 0 && best_d <= limit)
		return best;
	if (nprefix == 1)
		return prefix;
	return NULL;
}
