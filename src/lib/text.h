/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * text.h: libpfkey-internal text helpers shared by the renderers (not part
 * of the public API in pfk.h).
 */
#ifndef PFK_TEXT_H
#define PFK_TEXT_H

#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include "pfk.h"

/*
 * Output buffer for renderers that emit many small fields: appends go to a
 * local buffer and reach the FILE in one fwrite per block (or when it fills)
 * instead of one vfprintf per field. pfk_ob_flush writes what is there and
 * wipes the buffer (it may hold key material); call it before returning and
 * before writing to the FILE directly.
 */
struct pfk_ob {
	FILE *f;
	size_t n;
	char b[2048];
};

void pfk_ob_flush(struct pfk_ob *o);
void pfk_ob_u64(struct pfk_ob *o, uint64_t v);
/* %08x */
void pfk_ob_hex32(struct pfk_ob *o, uint32_t v);
/* pfk_text_hex's layout, into the buffer. */
void pfk_ob_hexdump(struct pfk_ob *o, const uint8_t *p, size_t n);

static inline void pfk_ob_init(struct pfk_ob *o, FILE *f)
{
	o->f = f;
	o->n = 0;
}

static inline void pfk_ob_mem(struct pfk_ob *o, const char *s, size_t n)
{
	if (n > sizeof(o->b) - o->n) {
		pfk_ob_flush(o);
		if (n > sizeof(o->b)) {
			fwrite(s, 1, n, o->f);
			return;
		}
	}
	memcpy(o->b + o->n, s, n);
	o->n += n;
}

static inline void pfk_ob_str(struct pfk_ob *o, const char *s)
{
	pfk_ob_mem(o, s, strlen(s));
}

static inline void pfk_ob_chr(struct pfk_ob *o, char c)
{
	if (o->n == sizeof(o->b))
		pfk_ob_flush(o);
	o->b[o->n++] = c;
}

/* setkey's ipsec_hexdump: " xxxxxxxx" per 4 bytes, newline every 32. */
void pfk_text_hex(FILE *f, const uint8_t *p, size_t n);
/* setkey's str_time: 20 columns of ctime ("Oct 30 09:52:57 2017"),
 * 20 blanks for 0. buf must hold 21 bytes. */
const char *pfk_text_time(char buf[21], uint64_t t);
/* JSON string literal with escapes. */
void pfk_text_json_str(FILE *f, const char *s, size_t n);

#endif
