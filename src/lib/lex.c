// SPDX-License-Identifier: BSD-2-Clause
/*
 * lex.c: the setkey-language lexer. Tokens are words (anything up to a
 * space, ';', '"' or a '#' comment), double-quoted strings and ';'. Words
 * are interpreted by stmt.c (addresses, ranges, policy requests are single
 * words), which keeps the lexer free of context. Also owns the two helpers
 * the interactive reader needs: "is this text a complete statement" and
 * "redact key material before writing history".
 */
#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <ctype.h>

#include "stmt.h"

void pfk_lex_init(struct pfk_lex *lx, const char *text, size_t len, int first_line)
{
	memset(lx, 0, sizeof(*lx));
	lx->p = text;
	lx->end = text + len;
	lx->line = first_line > 0 ? first_line : 1;
	lx->col = 1;
}

static void adv(struct pfk_lex *lx)
{
	if (*lx->p == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->p++;
}

/* Bytes that end a word: isspace() in the C locale, ';', '"' and NUL. */
static const bool word_end[256] = {
	['\0'] = true, [' '] = true, ['\t'] = true, ['\n'] = true, ['\v'] = true,
	['\f'] = true, ['\r'] = true, [';'] = true, ['"'] = true,
};

static bool word_char(char c)
{
	return !word_end[(unsigned char)c];
}

static int lex_err(struct pfk_err *err, int line, int col, const char *tok, const char *msg)
{
	if (err) {
		err->code = -EINVAL;
		err->line = line;
		err->col = col;
		snprintf(err->token, sizeof(err->token), "%s", tok);
		snprintf(err->msg, sizeof(err->msg), "%s", msg);
	}
	return -EINVAL;
}

/* Copy a token: its header and the used part of text (not all 1 KiB). */
static void tok_copy(struct pfk_tok *dst, const struct pfk_tok *src)
{
	dst->kind = src->kind;
	dst->line = src->line;
	dst->col = src->col;
	dst->src = src->src;
	dst->srclen = src->srclen;
	dst->len = src->len;
	memcpy(dst->text, src->text, src->len + 1);
}

static int scan(struct pfk_lex *lx, struct pfk_tok *t, struct pfk_err *err)
{
	for (;;) {
		while (lx->p < lx->end && isspace((unsigned char)*lx->p))
			adv(lx);
		if (lx->p < lx->end && *lx->p == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				adv(lx);
			continue;
		}
		break;
	}
	t->line = lx->line;
	t->col = lx->col;
	t->src = lx->p;
	t->len = 0;
	t->text[0] = '\0';
	if (lx->p >= lx->end) {
		t->kind = PFK_TOK_EOF;
		t->srclen = 0;
		return 0;
	}
	if (*lx->p == ';') {
		t->kind = PFK_TOK_SEMI;
		t->text[0] = ';';
		t->text[1] = '\0';
		t->len = 1;
		adv(lx);
		t->srclen = 1;
		return 0;
	}
	if (*lx->p == '"') {
		t->kind = PFK_TOK_STRING;
		adv(lx);
		while (lx->p < lx->end && *lx->p != '"') {
			char c = *lx->p;

			if (c == '\\' && lx->p + 1 < lx->end &&
			    (lx->p[1] == '"' || lx->p[1] == '\\')) {
				adv(lx);
				c = *lx->p;
			}
			if (t->len + 1 >= sizeof(t->text))
				return lex_err(err, t->line, t->col, "\"", "string too long");
			t->text[t->len++] = c;
			adv(lx);
		}
		if (lx->p >= lx->end)
			return lex_err(err, t->line, t->col, "\"", "unterminated string");
		adv(lx);
		t->text[t->len] = '\0';
		t->srclen = (size_t)(lx->p - t->src);
		return 0;
	}
	if (*lx->p == '\0') {
		/* Skip it so the caller's resynchronisation makes progress. */
		adv(lx);
		t->srclen = 1;
		return lex_err(err, t->line, t->col, "", "NUL byte in input");
	}
	t->kind = PFK_TOK_WORD;
	{
		/* A word never spans lines: find its end, then copy it and
		 * move the column once (batches lex millions of these). */
		const char *q = lx->p;
		size_t n;

		while (q < lx->end && word_char(*q))
			q++;
		n = (size_t)(q - lx->p);
		if (n + 1 > sizeof(t->text)) {
			memcpy(t->text, lx->p, sizeof(t->text) - 1);
			lx->p += sizeof(t->text) - 1;
			lx->col += (int)sizeof(t->text) - 1;
			t->len = sizeof(t->text) - 1;
			t->text[t->len] = '\0';
			return lex_err(err, t->line, t->col, "", "token too long");
		}
		memcpy(t->text, lx->p, n);
		t->text[n] = '\0';
		t->len = n;
		lx->p = q;
		lx->col += (int)n;
	}
	t->srclen = (size_t)(lx->p - t->src);
	return 0;
}

int pfk_lex_next(struct pfk_lex *lx, struct pfk_tok *t, struct pfk_err *err)
{
	if (lx->has_peek) {
		tok_copy(t, &lx->peeked);
		lx->has_peek = false;
		return 0;
	}
	return scan(lx, t, err);
}

int pfk_lex_peek(struct pfk_lex *lx, const struct pfk_tok **t, struct pfk_err *err)
{
	int ret;

	if (!lx->has_peek) {
		ret = scan(lx, &lx->peeked, err);
		if (ret)
			return ret;
		lx->has_peek = true;
	}
	*t = &lx->peeked;
	return 0;
}

bool pfk_lex_complete(const char *text)
{
	bool in_str = false, in_comment = false;
	const char *p;

	for (p = text; *p; p++) {
		if (in_comment) {
			if (*p == '\n')
				in_comment = false;
		} else if (in_str) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				in_str = false;
		} else if (*p == '"') {
			in_str = true;
		} else if (*p == '#') {
			in_comment = true;
		} else if (*p == ';') {
			return true;
		}
	}
	return false;
}

/* A key follows "-E alg" / "-A alg" (and the alg word itself is kept). */
void pfk_lex_redact(const char *text, char *out, size_t cap)
{
	struct pfk_lex lx;
	struct pfk_tok t;
	const char *copied = text, *last_end = text;
	size_t o = 0;
	int state = 0;	/* 0 none, 1 saw -E/-A, 2 saw alg: next is the key */

	if (!cap)
		return;
	pfk_lex_init(&lx, text, strlen(text), 1);
#define PUT(s, n) do { size_t _n = (n); if (o + _n >= cap) _n = cap - 1 - o; \
		memcpy(out + o, (s), _n); o += _n; } while (0)
	while (pfk_lex_next(&lx, &t, NULL) == 0 && t.kind != PFK_TOK_EOF) {
		last_end = t.src + t.srclen;
		if (state == 2 && (t.kind == PFK_TOK_STRING ||
				   (t.kind == PFK_TOK_WORD && t.text[0] == '0' &&
				    (t.text[1] == 'x' || t.text[1] == 'X')))) {
			PUT(copied, (size_t)(t.src - copied));
			PUT("(hidden)", 8);
			copied = t.src + t.srclen;
			state = 0;
			continue;
		}
		if (t.kind == PFK_TOK_WORD && (!strcmp(t.text, "-E") || !strcmp(t.text, "-A")))
			state = 1;
		else if (state == 1 && (t.kind == PFK_TOK_WORD || t.kind == PFK_TOK_STRING))
			state = 2;	/* the algorithm, quoted or not */
		else
			state = 0;
	}
	/* Whatever is left (including an unterminated string) is copied as is,
	 * unless we were about to redact it. */
	if (state == 2) {
		const char *q = last_end > copied ? last_end : copied;

		while (*q && isspace((unsigned char)*q))
			q++;
		PUT(copied, (size_t)(q - copied));
		if (*q)
			PUT("(hidden)", 8);
	} else {
		PUT(copied, strlen(copied));
	}
#undef PUT
	out[o] = '\0';
}
