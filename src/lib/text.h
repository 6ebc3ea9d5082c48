/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * text.h: libpfkey-internal text helpers shared by the renderers (not part
 * of the public API in pfk.h).
 */
#ifndef PFK_TEXT_H
#define PFK_TEXT_H

#include <stdio.h>
#include <stdint.h>
#include <time.h>
#include "pfk.h"

/* setkey's ipsec_hexdump: " xxxxxxxx" per 4 bytes, newline every 32. */
void pfk_text_hex(FILE *f, const uint8_t *p, size_t n);
/* setkey's str_time: 20 columns of ctime ("Oct 30 09:52:57 2017"),
 * 20 blanks for 0. buf must hold 21 bytes. */
const char *pfk_text_time(char buf[21], uint64_t t);
/* Address only (no prefix, no port). */
int pfk_text_host(char *buf, size_t cap, const struct pfk_addr *a);
/* JSON string literal with escapes. */
void pfk_text_json_str(FILE *f, const char *s, size_t n);

#endif
