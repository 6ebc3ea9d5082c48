/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_esp_vecload.h: loader for the known-answer files in tests/vectors
 * (copied from the shared reference transcriptions). Format: "[case]"
 * sections, "field = value" lines, indented continuation lines, "#"
 * comments. A value is hex (whitespace ignored), "ascii:text", or free text
 * (desc, mode, alg, addresses) kept as a string.
 */
#ifndef TEST_ESP_VECLOAD_H
#define TEST_ESP_VECLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct tv_field {
	char *key;
	char *text;		/* value as written, continuations joined by ' ' */
	uint8_t *bytes;		/* decoded hex / ascii; NULL if neither */
	size_t len;
};

struct tv_case {
	char *name;
	struct tv_field *f;
	size_t nf;
};

struct tv_file {
	struct tv_case *c;
	size_t n;
};

/* Load tests/vectors/<file> (directory overridable with $KEYSH_VECTORS).
 * 0 or -errno. */
int tv_load(const char *file, struct tv_file *out);
void tv_free(struct tv_file *tf);
const struct tv_case *tv_case(const struct tv_file *tf, const char *name);
/* Decoded bytes of a field (NULL if absent or not hex/ascii). */
const uint8_t *tv_bytes(const struct tv_case *c, const char *key, size_t *len);
/* Text of a field, NULL if absent. */
const char *tv_text(const struct tv_case *c, const char *key);

#endif
