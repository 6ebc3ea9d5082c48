// SPDX-License-Identifier: BSD-2-Clause
/*
 * text.c: the small text pieces every renderer needs: addresses as setkey
 * writes them, the hex dump layout of ipsec-tools, ctime columns and JSON
 * string escaping.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include "text.h"

int pfk_text_host(char *buf, size_t cap, const struct pfk_addr *a)
{
	char tmp[INET6_ADDRSTRLEN];

	if (a->family != AF_INET && a->family != AF_INET6)
		return -EINVAL;
	if (!inet_ntop(a->family, a->a.bytes, tmp, sizeof(tmp)))
		return -EINVAL;
	return snprintf(buf, cap, "%s", tmp);
}

int pfk_addr_format(char *buf, size_t cap, const struct pfk_addr *a)
{
	unsigned int full = a->family == AF_INET6 ? 128 : 32;
	char host[INET6_ADDRSTRLEN], plen[8] = "", port[8] = "";
	bool zero = true;
	size_t i;
	int ret;

	ret = pfk_text_host(host, sizeof(host), a);
	if (ret < 0)
		return ret;
	for (i = 0; i < (a->family == AF_INET6 ? 16u : 4u); i++)
		zero = zero && !a->a.bytes[i];
	if ((a->prefixlen && a->prefixlen < full) || (!a->prefixlen && zero))
		snprintf(plen, sizeof(plen), "/%u", a->prefixlen);
	if (a->port)
		snprintf(port, sizeof(port), "[%u]", a->port);
	return snprintf(buf, cap, "%s%s%s", host, plen, port);
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
	time_t tt = (time_t)t;
	struct tm tm;
	char tmp[32];

	if (!t) {
		memset(buf, ' ', 20);
	} else if (!localtime_r(&tt, &tm) || !asctime_r(&tm, tmp)) {
		memset(buf, '?', 20);
	} else {
		memcpy(buf, tmp + 4, 20);
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
