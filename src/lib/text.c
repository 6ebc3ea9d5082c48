// SPDX-License-Identifier: BSD-2-Clause
/*
 * text.c: the small text pieces every renderer needs: addresses as setkey
 * writes them, the hex dump layout of ipsec-tools, ctime columns and JSON
 * string escaping.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include "text.h"

/* Dotted quad without inet_ntop's sprintf (dumps print two per SA). */
static int host4(char *buf, size_t cap, const uint8_t *b)
{
	char t[16];
	size_t n = 0;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned int v = b[i];

		if (i)
			t[n++] = '.';
		if (v >= 100)
			t[n++] = (char)('0' + v / 100);
		if (v >= 10)
			t[n++] = (char)('0' + v / 10 % 10);
		t[n++] = (char)('0' + v % 10);
	}
	if (!cap)
		return (int)n;
	memcpy(buf, t, n < cap ? n : cap - 1);
	buf[n < cap ? n : cap - 1] = '\0';
	return (int)n;
}

/* The address alone; IPv6 with its zone as getnameinfo writes it. */
static int host(char *buf, size_t cap, const struct pfk_addr *a)
{
	char tmp[INET6_ADDRSTRLEN];

	if (a->family == AF_INET)
		return host4(buf, cap, a->a.bytes);
	if (a->family != AF_INET6 || !inet_ntop(AF_INET6, a->a.bytes, tmp, sizeof(tmp)))
		return -EINVAL;
	if (a->scope) {
		/* the zone's name, or its number if the interface is gone */
		char ifn[IF_NAMESIZE];

		if (if_indextoname(a->scope, ifn))
			return snprintf(buf, cap, "%s%%%s", tmp, ifn);
		return snprintf(buf, cap, "%s%%%u", tmp, a->scope);
	}
	return snprintf(buf, cap, "%s", tmp);
}

static bool want_plen(const struct pfk_addr *a, unsigned int flags)
{
	unsigned int full = a->family == AF_INET6 ? 128 : 32, i;
	bool zero = true;

	if (flags & PFK_ADDR_PLEN)
		return true;
	if (flags & PFK_ADDR_PLEN_SHORT)
		return a->prefixlen != full;
	if (!(flags & PFK_ADDR_PLEN_NET))
		return false;
	for (i = 0; i < full / 8; i++)
		zero = zero && !a->a.bytes[i];
	return (a->prefixlen && a->prefixlen < full) || (!a->prefixlen && zero);
}

/* Decimal v after "[" or "/", closed by close (0: none), at t; the length. */
static size_t num(char *t, char open, unsigned int v, char close)
{
	char d[8];
	size_t n = 0, i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	t[n++] = open;
	memcpy(t + n, d + i, sizeof(d) - i);
	n += sizeof(d) - i;
	if (close)
		t[n++] = close;
	return n;
}

int pfk_addr_format(char *buf, size_t cap, const struct pfk_addr *a, unsigned int flags)
{
	char t[INET6_ADDRSTRLEN + IF_NAMESIZE + 24];
	size_t n;
	int ret;

	if (cap)
		buf[0] = '\0';
	ret = host(t, sizeof(t), a);
	if (ret < 0)
		return ret;
	n = (size_t)ret;
	if (want_plen(a, flags))
		n += num(t + n, '/', a->prefixlen, 0);
	if ((flags & PFK_ADDR_PORT_ALWAYS) || ((flags & PFK_ADDR_PORT) && a->port))
		n += num(t + n, '[', a->port, ']');
	else if (flags & PFK_ADDR_PORT_ANY) {
		if (a->port)
			n += num(t + n, '[', a->port, ']');
		else {
			memcpy(t + n, "[any]", 5);
			n += 5;
		}
	}
	t[n] = '\0';
	if (cap) {
		memcpy(buf, t, n < cap ? n : cap - 1);
		buf[n < cap ? n : cap - 1] = '\0';
	}
	return (int)n;
}

void pfk_ob_flush(struct pfk_ob *o)
{
	if (!o->n)
		return;
	fwrite(o->b, 1, o->n, o->f);
	explicit_bzero(o->b, o->n);
	o->n = 0;
}

void pfk_ob_u64(struct pfk_ob *o, uint64_t v)
{
	char t[20];
	size_t i = sizeof(t);

	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	pfk_ob_mem(o, t + i, sizeof(t) - i);
}

static const char hexdig[] = "0123456789abcdef";

void pfk_ob_hex32(struct pfk_ob *o, uint32_t v)
{
	char t[8];
	int i;

	for (i = 7; i >= 0; i--, v >>= 4)
		t[i] = hexdig[v & 15];
	pfk_ob_mem(o, t, 8);
}

void pfk_ob_hexdump(struct pfk_ob *o, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i && i % 32 == 0)
			pfk_ob_chr(o, '\n');
		if (i % 4 == 0)
			pfk_ob_chr(o, ' ');
		pfk_ob_chr(o, hexdig[p[i] >> 4]);
		pfk_ob_chr(o, hexdig[p[i] & 15]);
	}
}

void pfk_text_hex(FILE *f, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i && i % 32 == 0)
			fputc('\n', f);
		if (i % 4 == 0)
			fputc(' ', f);
		fprintf(f, "%02x", p[i]);
	}
}

const char *pfk_text_time(char buf[21], uint64_t t)
{
	/* A dump's SAs mostly share a handful of seconds and every block
	 * also prints "now": the last two conversions are kept (localtime_r
	 * is the costly part of a block). */
	static __thread uint64_t last_t[2];
	static __thread char last[2][21];
	static __thread unsigned int victim;
	time_t tt = (time_t)t;
	struct tm tm;
	char tmp[32];

	if (!t) {
		memset(buf, ' ', 20);
	} else if (t == last_t[0] || t == last_t[1]) {
		memcpy(buf, last[t == last_t[1]], 20);
	} else if (!localtime_r(&tt, &tm) || !asctime_r(&tm, tmp)) {
		memset(buf, '?', 20);
	} else {
		memcpy(buf, tmp + 4, 20);
		memcpy(last[victim], buf, 20);
		last_t[victim] = t;
		victim ^= 1;
	}
	buf[20] = '\0';
	return buf;
}

void pfk_text_json_str(FILE *f, const char *s, size_t n)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}
