// SPDX-License-Identifier: BSD-2-Clause
/*
 * stmt.c: setkey statements -> struct pfk_stmt, and the per-field
 * validators (address/range, SPI, protocol, upper-layer spec, algorithm,
 * key, lifetime, policy) that the TUI also calls one field at a time.
 * Every error names the offending token and its line:col; near misses get a
 * suggestion from suggest.c. Keys from `random` come from OpenSSL RAND_bytes
 * and, like every parsed key, are wiped by pfk_stmt_wipe.
 */
#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <ctype.h>
#include <limits.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <openssl/rand.h>

#include "stmt.h"
#include "wire.h"

static const struct {
	const char *name;
	enum pfk_cmd cmd;
} cmds[] = {
	{ "add", PFK_CMD_ADD }, { "update", PFK_CMD_UPDATE }, { "get", PFK_CMD_GET },
	{ "delete", PFK_CMD_DELETE }, { "deleteall", PFK_CMD_DELETEALL },
	{ "flush", PFK_CMD_FLUSH }, { "dump", PFK_CMD_DUMP }, { "getspi", PFK_CMD_GETSPI },
	{ "spdadd", PFK_CMD_SPDADD }, { "spdupdate", PFK_CMD_SPDUPDATE },
	{ "spddelete", PFK_CMD_SPDDELETE }, { "spdflush", PFK_CMD_SPDFLUSH },
	{ "spddump", PFK_CMD_SPDDUMP }, { "register", PFK_CMD_REGISTER },
	{ "monitor", PFK_CMD_MONITOR }, { "save", PFK_CMD_SAVE }, { "load", PFK_CMD_LOAD },
	{ "help", PFK_CMD_HELP }, { "set", PFK_CMD_SET }, { "exit", PFK_CMD_EXIT },
	{ "quit", PFK_CMD_EXIT }, { "bye", PFK_CMD_EXIT },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

const char *pfk_stmt_cmd_name(enum pfk_cmd c)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (cmds[i].cmd == c)
			return cmds[i].name;
	return NULL;
}

static void describe_host(char *b, size_t cap, const struct pfk_addr *a)
{
	if (pfk_addr_format(b, cap, a, 0) < 0)
		snprintf(b, cap, "?");
}

/* What an errno means for this statement, where the bare strerror text
 * misleads: ESRCH is "no such SA", ENOSYS names the algorithm. */
static void describe_err(const struct pfk_stmt *st, int err, char *b, size_t cap)
{
	const struct pfkm_alg *e = NULL, *a = NULL;

	switch (st->cmd) {
	case PFK_CMD_GET: case PFK_CMD_DELETE: case PFK_CMD_UPDATE:
		if (err == -ESRCH || err == -ENOENT) {
			snprintf(b, cap, "no such SA");
			return;
		}
		break;
	case PFK_CMD_SPDDELETE: case PFK_CMD_SPDUPDATE:
		if (err == -ENOENT || err == -ESRCH) {
			snprintf(b, cap, "no such policy");
			return;
		}
		break;
	default:
		break;
	}
	/* EPROTONOSUPPORT is the protocol (a kernel without ESP/AH), not an
	 * algorithm: the backend's hint says which (pfk_conn_hint). */
	if ((st->cmd == PFK_CMD_ADD || st->cmd == PFK_CMD_UPDATE) &&
	    (err == -ENOSYS || err == -EOPNOTSUPP)) {
		if (st->sa.satype == PFK_SATYPE_IPCOMP) {
			e = pfkm_alg_by_id(PFKM_ALG_COMP, st->sa.enc_alg);
		} else {
			if (st->sa.has & PFK_SA_HAS_ENC_KEY || st->sa.enc_alg)
				e = pfkm_alg_by_id(PFKM_ALG_ENC, st->sa.enc_alg);
			if (st->sa.has & PFK_SA_HAS_AUTH_KEY || st->sa.auth_alg)
				a = pfkm_alg_by_id(PFKM_ALG_AUTH, st->sa.auth_alg);
		}
		if (e && a)
			snprintf(b, cap, "%s or %s not supported by this backend", e->name, a->name);
		else if (e || a)
			snprintf(b, cap, "%s not supported by this backend", e ? e->name : a->name);
		else
			snprintf(b, cap, "%s", strerror(-err));
		return;
	}
	snprintf(b, cap, "%s", strerror(-err));
}

int pfk_stmt_describe(const struct pfk_stmt *st, int err, char *b, size_t cap)
{
	const char *cmd = pfk_stmt_cmd_name(st->cmd);
	const char *proto = st->opts & PFK_STMT_ESPUDP ? "esp-udp" : pfk_satype_name(st->sa.satype);
	char s[64], d[64];
	int n;

	if (!cap)
		return 0;
	switch (st->cmd) {
	case PFK_CMD_ADD: case PFK_CMD_UPDATE: case PFK_CMD_GET: case PFK_CMD_DELETE:
		if (st->opts & PFK_STMT_SPI_AUTO)
			n = snprintf(b, cap, "%s %s auto", cmd, proto);
		else
			n = snprintf(b, cap, "%s %s 0x%08x", cmd, proto, st->sa.spi);
		break;
	case PFK_CMD_DELETEALL: case PFK_CMD_GETSPI:
		describe_host(s, sizeof(s), &st->sa.src);
		describe_host(d, sizeof(d), &st->sa.dst);
		n = snprintf(b, cap, "%s %s %s %s", cmd, s, d, proto);
		break;
	case PFK_CMD_SPDADD: case PFK_CMD_SPDUPDATE: case PFK_CMD_SPDDELETE:
		describe_host(s, sizeof(s), &st->pol.src);
		describe_host(d, sizeof(d), &st->pol.dst);
		n = snprintf(b, cap, "%s %s/%u %s/%u -P %s", cmd, s, st->pol.src.prefixlen, d,
			     st->pol.dst.prefixlen, pfk_dir_name(st->pol.dir));
		break;
	case PFK_CMD_FLUSH: case PFK_CMD_DUMP: case PFK_CMD_REGISTER:
		if (st->satype != PFK_SATYPE_UNSPEC)
			n = snprintf(b, cap, "%s %s", cmd, pfk_satype_name(st->satype));
		else
			n = snprintf(b, cap, "%s", cmd);
		break;
	default:
		n = snprintf(b, cap, "%s", cmd ? cmd : "?");
		break;
	}
	if (err && n >= 0 && (size_t)n < cap) {
		const char *name = strerrorname_np(-err);
		char why[96];

		describe_err(st, err, why, sizeof(why));
		n += snprintf(b + n, cap - (size_t)n, ": %s (%s)", why, name ? name : "?");
	}
	return n;
}

int pfk_stmt_warnings(const struct pfk_stmt *st, char (*w)[160], int max)
{
	const struct pfkm_alg *e;
	unsigned int i;
	int n = 0;

#define WARN(...) do { if (n < max) snprintf(w[n++], sizeof(w[0]), __VA_ARGS__); } while (0)
	if (st->cmd == PFK_CMD_ADD || st->cmd == PFK_CMD_UPDATE) {
		const struct pfk_sa *sa = &st->sa;

		e = pfkm_alg_by_id(PFKM_ALG_ENC, sa->enc_alg);
		if (sa->satype == PFK_SATYPE_ESP && e && !e->aead && e->key_max &&
		    !(sa->has & PFK_SA_HAS_AUTH_KEY) && !sa->auth_alg)
			WARN("%s without -A: encryption without integrity protection "
			     "(RFC 8221: use an AEAD such as aes-gcm-16, or add -A)", e->name);
		if (sa->flags & 0x0300u)
			WARN("-f %s: Linux PF_KEY ignores the padding flags (ESP pads "
			     "with RFC 4303's sequential bytes)",
			     sa->flags & 0x0100u ? "random-pad" : "zero-pad");
		if (st->opts & PFK_STMT_RAWCPI)
			WARN("-R: Linux PF_KEY ignores the raw-CPI flag (the CPI is the SPI given)");
	}
	if ((st->cmd == PFK_CMD_SPDADD || st->cmd == PFK_CMD_SPDUPDATE) &&
	    st->pol.action == PFK_ACTION_IPSEC)
		for (i = 0; i < st->pol.nreq; i++)
			if (st->pol.req[i].level == PFK_LEVEL_DEFAULT) {
				WARN("level default: Linux PF_KEY has no system default "
				     "level and applies require");
				break;
			}
#undef WARN
	return n;
}

enum pfk_cmd pfk_stmt_cmd_lookup(const char *word)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, word) == 0)
			return cmds[i].cmd;
	return PFK_CMD_NONE;
}

/* ---- error helpers ---------------------------------------------------- */

static int seterr(struct pfk_err *err, int code, int line, int col, const char *tok,
		  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Control bytes (ESC, OSC, CR...) quoted from a script would reach the
 * terminal that shows the error: they become \xNN. */
static void escape_ctl(char *s, size_t cap)
{
	char tmp[sizeof(((struct pfk_err *)0)->msg)];
	size_t i, o = 0;

	for (i = 0; s[i] && o + 1 < sizeof(tmp); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			if (o + 5 >= sizeof(tmp))
				break;
			o += (size_t)snprintf(tmp + o, sizeof(tmp) - o, "\\x%02x", c);
		} else {
			tmp[o++] = (char)c;
		}
	}
	tmp[o] = '\0';
	snprintf(s, cap, "%s", tmp);
}

static int seterr(struct pfk_err *err, int code, int line, int col, const char *tok,
		  const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	err->line = line;
	err->col = col;
	snprintf(err->token, sizeof(err->token), "%s", tok ? tok : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	escape_ctl(err->msg, sizeof(err->msg));
	escape_ctl(err->token, sizeof(err->token));
	return code;
}

/* Field validators know no position; the statement parser fills it in. */
#define FERR(err, tok, ...) seterr((err), -EINVAL, 0, 0, (tok), __VA_ARGS__)

static int parse_ulong(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = strtoull(s + 2, &end, 16);
	else
		v = strtoull(s, &end, 10);
	if (errno || *end || v > max || (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && !s[2]))
		return -EINVAL;
	*out = v;
	return 0;
}

/* ---- validators --------------------------------------------------------- */

int pfk_stmt_addr(const char *s, bool range, int family, struct pfk_addr *out,
		  struct pfk_err *err)
{
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 16], *slash, *br, *pct;
	unsigned long long v;
	size_t n = strlen(s);

	memset(out, 0, sizeof(*out));
	out->proto = IPSEC_ULPROTO_ANY;
	if (n >= sizeof(buf))
		return FERR(err, s, "invalid address '%s'", s);
	memcpy(buf, s, n + 1);
	br = strchr(buf, '[');
	if (br) {
		char *close = strchr(br, ']');

		if (!close || close[1])
			return FERR(err, s, "invalid port in '%s': expected addr[port]", s);
		*close = '\0';
		if (strcmp(br + 1, "any") == 0) {
			out->port = 0;
		} else if (parse_ulong(br + 1, 65535, &v)) {
			return FERR(err, s, "invalid port '%s' in '%s' (0-65535 or any)", br + 1, s);
		} else {
			out->port = (uint16_t)v;
		}
		*br = '\0';
	}
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	/* the zone: "fe80::1%eth0/64" or "fe80::1/64%eth0" */
	pct = strchr(buf, '%');
	if (!pct && slash)
		pct = strchr(slash, '%');
	if (pct)
		*pct++ = '\0';
	if (slash) {
		if (!range)
			return FERR(err, s, "prefix length not allowed in '%s': an SA endpoint is one address", s);
	}
	if (inet_pton(AF_INET, buf, &out->a.v4) == 1) {
		out->family = AF_INET;
		out->prefixlen = 32;
	} else if (inet_pton(AF_INET6, buf, &out->a.v6) == 1) {
		out->family = AF_INET6;
		out->prefixlen = 128;
	} else {
		return FERR(err, s, "invalid address '%s' (numeric IPv4 or IPv6 expected)", buf);
	}
	if (family && out->family != family)
		return FERR(err, s, "address '%s' is not %s", buf, family == AF_INET ? "IPv4 (-4)" : "IPv6 (-6)");
	if (pct) {
		/* "fe80::1%eth0" (RFC 4007 zone): link-local peers, e.g.
		 * OSPFv3 with manual keys (RFC 4552) */
		if (out->family != AF_INET6)
			return FERR(err, s, "a zone ('%%%s') is for IPv6 addresses only, in '%s'",
				    pct, s);
		if (!parse_ulong(pct, 0xffffffffull, &v) && v)
			out->scope = (uint32_t)v;
		else if (!(out->scope = if_nametoindex(pct)))
			return FERR(err, s, "unknown interface '%s' in '%s'", pct, s);
	}
	if (slash) {
		if (parse_ulong(slash, out->prefixlen, &v))
			return FERR(err, s, "invalid prefix length '/%s' in '%s' (0-%u)", slash, s,
				    out->prefixlen);
		out->prefixlen = (uint8_t)v;
	}
	return 0;
}

int pfk_stmt_spi(const char *s, enum pfk_satype t, uint32_t *out, struct pfk_err *err)
{
	unsigned long long v;

	if (parse_ulong(s, 0xffffffffull, &v))
		return FERR(err, s, "invalid SPI '%s' (decimal or 0x hex, up to 0xffffffff)", s);
	if (t == PFK_SATYPE_IPCOMP && v > 0xffff)
		return FERR(err, s, "IPComp CPI '%s' is larger than 0xffff", s);
	if (v < 256)
		return FERR(err, s, "SPI '%s' is reserved (0-255 are reserved, RFC 4303)", s);
	*out = (uint32_t)v;
	return 0;
}

static const char *const proto_names[] = {
	"esp", "ah", "ipcomp", "esp-udp", "tcp", "esp-old", "ah-old",
};

int pfk_stmt_proto(const char *s, enum pfk_satype *out, uint32_t *opts, struct pfk_err *err)
{
	const char *sug;

	if (!strcmp(s, "esp")) {
		*out = PFK_SATYPE_ESP;
	} else if (!strcmp(s, "ah")) {
		*out = PFK_SATYPE_AH;
	} else if (!strcmp(s, "ipcomp")) {
		*out = PFK_SATYPE_IPCOMP;
	} else if (!strcmp(s, "esp-udp")) {
		*out = PFK_SATYPE_ESP;
		*opts |= PFK_STMT_ESPUDP;
	} else if (!strcmp(s, "tcp")) {
		return FERR(err, s, "protocol 'tcp' (TCP-MD5) is not supported: Linux PF_KEY has no TCP-MD5 SA type");
	} else if (!strcmp(s, "esp-old") || !strcmp(s, "ah-old")) {
		return FERR(err, s, "protocol '%s' (RFC 1827/1826 transforms) is not supported", s);
	} else {
		sug = pfk_suggest_pick(s, proto_names, 4);
		if (sug)
			return FERR(err, s, "unknown protocol '%s'; did you mean '%s'?", s, sug);
		return FERR(err, s, "unknown protocol '%s' (esp, ah, ipcomp, esp-udp)", s);
	}
	return 0;
}

static const struct {
	const char *name;
	uint8_t num;
} uppers[] = {
	{ "any", IPSEC_ULPROTO_ANY }, { "icmp", 1 }, { "igmp", 2 }, { "ip4", 4 }, { "ipip", 4 },
	{ "tcp", 6 }, { "udp", 17 }, { "ipv6", 41 }, { "gre", 47 }, { "esp", 50 }, { "ah", 51 },
	{ "icmp6", 58 }, { "ipv6-icmp", 58 }, { "ospf", 89 }, { "pim", 103 }, { "ipcomp", 108 },
	{ "l2tp", 115 }, { "sctp", 132 }, { "udplite", 136 }, { "mh", 135 },
};

int pfk_stmt_upper(const char *s, uint8_t *proto, struct pfk_err *err)
{
	const char *names[sizeof(uppers) / sizeof(uppers[0])];
	unsigned long long v;
	const char *sug;
	size_t i;

	for (i = 0; i < sizeof(uppers) / sizeof(uppers[0]); i++) {
		if (!strcmp(uppers[i].name, s)) {
			*proto = uppers[i].num;
			return 0;
		}
		names[i] = uppers[i].name;
	}
	if (!parse_ulong(s, 255, &v)) {
		*proto = (uint8_t)v;
		return 0;
	}
	sug = pfk_suggest_pick(s, names, i);
	if (sug)
		return FERR(err, s, "unknown upper-layer protocol '%s'; did you mean '%s'?", s, sug);
	return FERR(err, s, "unknown upper-layer protocol '%s' (a name, a number 0-255 or any)", s);
}

static const char *kind_word(enum pfkm_alg_kind k)
{
	return k == PFKM_ALG_AUTH ? "authentication" : k == PFKM_ALG_ENC ? "encryption" :
	       "compression";
}

int pfk_stmt_alg(const char *s, enum pfkm_alg_kind kind, const struct pfkm_alg **out,
		 struct pfk_err *err)
{
	const char *names[128];
	const struct pfkm_alg *a;
	const char *sug;
	size_t n = 0;
	unsigned int i, j;

	/* Batches name the same algorithm 100k times: remember the last
	 * match per kind (the registry is constant, so it stays valid). */
	static __thread const struct pfkm_alg *last[PFKM_ALG_COMP + 1];
	static __thread char last_name[PFKM_ALG_COMP + 1][32];

	if ((unsigned int)kind <= PFKM_ALG_COMP && last[kind] && !strcmp(last_name[kind], s)) {
		*out = last[kind];
		return 0;
	}
	a = pfkm_alg_by_name(kind, s);
	if (a) {
		*out = a;
		if ((unsigned int)kind <= PFKM_ALG_COMP && strlen(s) < sizeof(last_name[0])) {
			strcpy(last_name[kind], s);
			last[kind] = a;
		}
		return 0;
	}
	for (i = 0; (a = pfkm_alg_at(kind, i)) && n < 120; i++) {
		names[n++] = a->name;
		for (j = 0; j < 3; j++)
			if (a->aliases[j])
				names[n++] = a->aliases[j];
	}
	/* The other kinds, to say "-A aes-cbc" is an encryption algorithm. */
	for (i = PFKM_ALG_AUTH; i <= PFKM_ALG_COMP; i++) {
		if (i == (unsigned int)kind)
			continue;
		a = pfkm_alg_by_name(i, s);
		if (a)
			return FERR(err, s, "'%s' is an %s algorithm, not %s", s,
				    kind_word(i), kind_word(kind));
	}
	sug = pfk_suggest_pick(s, names, n);
	if (sug)
		return FERR(err, s, "unknown algorithm '%s'; did you mean '%s'?", s, sug);
	return FERR(err, s, "unknown %s algorithm '%s'", kind_word(kind), s);
}

/* Constant-time hex nibble: no branches or table lookups on secret data. */
static int hexval(unsigned char c)
{
	int d = c - '0', l = (c | 0x20) - 'a';
	int isd = ((unsigned int)d <= 9) ? 1 : 0;
	int isl = ((unsigned int)l <= 5) ? 1 : 0;

	return (d & -isd) | ((l + 10) & -isl) | (-1 & -(1 - (isd | isl)));
}

static void sizes_text(const struct pfkm_alg *alg, char *buf, size_t cap)
{
	unsigned int b, n = 0;
	size_t o = 0;

	if (alg->key_step && (alg->key_max - alg->key_min) / alg->key_step > 4) {
		snprintf(buf, cap, "%u..%u bits in steps of %u", alg->key_min, alg->key_max,
			 alg->key_step);
		return;
	}
	buf[0] = '\0';
	for (b = alg->key_min; b <= alg->key_max; b += alg->key_step ? alg->key_step : 1000) {
		o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, "%s%u",
				      n ? (b + (alg->key_step ? alg->key_step : 1000) > alg->key_max
					   ? " or " : ", ") : "", b);
		n++;
		if (o >= cap)
			break;
	}
	if (o < cap)
		snprintf(buf + o, cap - o, " bits");
}

int pfk_stmt_key(const struct pfkm_alg *alg, const char *s, bool quoted,
		 struct pfk_key *out, struct pfk_err *err)
{
	char sizes[96], salt[48] = "";
	size_t n, i;
	unsigned int bits;

	memset(out, 0, sizeof(*out));
	/* The "needs N bits" text is for errors only: built lazily (batches of
	 * 100k statements check every key). */
#define SIZES() do {							\
		if (alg->salt_bits)					\
			snprintf(salt, sizeof(salt), " (key + %u-bit salt)", \
				 alg->salt_bits);			\
		sizes_text(alg, sizes, sizeof(sizes));			\
	} while (0)
	if (!quoted && (!strcmp(s, "random") || !strncmp(s, "random:", 7))) {
		unsigned long long want = alg->key_max;

		if (s[6] == ':' && parse_ulong(s + 7, 4096, &want))
			return FERR(err, s, "invalid key size in '%s' (random:BITS)", s);
		if (pfkm_alg_key_check(alg, (unsigned int)want) || want % 8) {
			SIZES();
			return FERR(err, s, "%s keys are %s%s; '%s' asks for %llu", alg->name,
				    sizes, salt, s, want);
		}
		out->bits = (uint16_t)want;
		if (want && RAND_bytes(out->data, (int)(want / 8)) != 1)
			return seterr(err, -EIO, 0, 0, s, "random key: RAND_bytes failed");
		return 0;
	}
	if (quoted) {
		n = strlen(s);
		if (n > PFK_KEY_MAX) {
			SIZES();
			return FERR(err, "(hidden)", "%s key is %zu bits; it needs %s%s",
				    alg->name, n * 8, sizes, salt);
		}
		memcpy(out->data, s, n);
	} else if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		size_t hl = strlen(s + 2);
		int bad = 0;

		if (hl % 2)
			return FERR(err, "(hidden)", "hex key has an odd number of digits");
		n = hl / 2;
		if (n > PFK_KEY_MAX) {
			SIZES();
			return FERR(err, "(hidden)", "%s key is %zu bits; it needs %s%s",
				    alg->name, n * 8, sizes, salt);
		}
		for (i = 0; i < n; i++) {
			int hi = hexval((unsigned char)s[2 + 2 * i]);
			int lo = hexval((unsigned char)s[3 + 2 * i]);

			bad |= hi | lo;
			out->data[i] = (uint8_t)(((unsigned int)hi << 4) | ((unsigned int)lo & 0xf));
		}
		if (bad < 0) {
			explicit_bzero(out, sizeof(*out));
			return FERR(err, "(hidden)", "invalid hex digit in key");
		}
	} else if (!strcmp(s, "(hidden)")) {
		/* keysh -D --script without -K, keytui copy with keys hidden */
		return FERR(err, s, "key omitted: this script was written without keys "
			    "(write it again with keysh -K --script -D, or use save)");
	} else {
		return FERR(err, s, "invalid key '%s': expected \"string\", 0xhex or random", s);
	}
	bits = (unsigned int)(n * 8);
	if (pfkm_alg_key_check(alg, bits)) {
		explicit_bzero(out, sizeof(*out));
		SIZES();
		return FERR(err, "(hidden)", "%s key is %u bits; it needs %s%s", alg->name, bits,
			    sizes, salt);
	}
	out->bits = (uint16_t)bits;
	return 0;
#undef SIZES
}

int pfk_stmt_u64(const char *s, uint64_t *out, struct pfk_err *err)
{
	unsigned long long v;

	if (parse_ulong(s, ULLONG_MAX, &v))
		return FERR(err, s, "invalid number '%s'", s);
	*out = v;
	return 0;
}

/* ---- the statement parser ------------------------------------------- */

struct parser {
	struct pfk_lex *lx;
	struct pfk_err *err;
	struct pfk_stmt *st;
	bool at_end;		/* the last token consumed was ';' or EOF */
	bool lexfail;		/* a peek hit a lexer error: it wins */
	struct pfk_err lexerr;
};

static int next(struct parser *p, struct pfk_tok *t)
{
	int ret = pfk_lex_next(p->lx, t, p->err);

	if (ret)
		return ret;
	p->at_end = t->kind == PFK_TOK_SEMI || t->kind == PFK_TOK_EOF;
	return 0;
}

static const struct pfk_tok *peek(struct parser *p)
{
	const struct pfk_tok *t;
	static const struct pfk_tok eof = { .kind = PFK_TOK_EOF };

	if (pfk_lex_peek(p->lx, &t, &p->lexerr)) {
		p->lexfail = true;
		return &eof;
	}
	return t;
}

/* Attach the token's position to an error a field validator produced. */
static int at(struct parser *p, const struct pfk_tok *t, int ret)
{
	if (ret && p->err) {
		p->err->line = t->line;
		p->err->col = t->col;
	}
	return ret;
}

static int missing(struct parser *p, const struct pfk_tok *t, const char *what)
{
	const char *cmd = pfk_stmt_cmd_name(p->st->cmd);

	if (t->kind == PFK_TOK_EOF)
		return seterr(p->err, -EINVAL, t->line, t->col, "", "%s: missing %s (statement not terminated by ';'?)",
			      cmd, what);
	return seterr(p->err, -EINVAL, t->line, t->col, t->text, "%s: missing %s before '%s'",
		      cmd, what, t->text);
}

/* Next token must be a word (the `what` field). */
static int word(struct parser *p, struct pfk_tok *t, const char *what)
{
	int ret = next(p, t);

	if (ret)
		return ret;
	if (t->kind != PFK_TOK_WORD)
		return missing(p, t, what);
	return 0;
}

static int expect_semi(struct parser *p)
{
	struct pfk_tok t;
	int ret = next(p, &t);

	if (ret)
		return ret;
	if (t.kind == PFK_TOK_SEMI)
		return 0;
	if (t.kind == PFK_TOK_EOF)
		return seterr(p->err, -EINVAL, t.line, t.col, "", "%s: missing ';' at end of input",
			      pfk_stmt_cmd_name(p->st->cmd));
	return seterr(p->err, -EINVAL, t.line, t.col, t.text, "%s: unexpected '%s'; expected ';'",
		      pfk_stmt_cmd_name(p->st->cmd), t.text);
}

/* [-4|-6|-n]... */
static int addr_opts(struct parser *p)
{
	const struct pfk_tok *pk;
	struct pfk_tok t;
	int ret;

	while ((pk = peek(p))->kind == PFK_TOK_WORD &&
	       (!strcmp(pk->text, "-4") || !strcmp(pk->text, "-6") || !strcmp(pk->text, "-n") ||
		!strcmp(pk->text, "-46") || !strcmp(pk->text, "-64"))) {
		ret = next(p, &t);
		if (ret)
			return ret;
		if (!strcmp(t.text, "-4"))
			p->st->family = AF_INET;
		else if (!strcmp(t.text, "-6"))
			p->st->family = AF_INET6;
		else if (!strcmp(t.text, "-n"))
			p->st->opts |= PFK_STMT_NO_DNS;
	}
	return 0;
}

static int addr(struct parser *p, struct pfk_addr *a, bool range, const char *what)
{
	struct pfk_tok t;
	int ret = word(p, &t, what);

	if (ret)
		return ret;
	return at(p, &t, pfk_stmt_addr(t.text, range, p->st->family, a, p->err));
}

static int pair(struct parser *p, struct pfk_addr *src, struct pfk_addr *dst, bool range)
{
	int ret;

	ret = addr(p, src, range, range ? "source range" : "source address");
	if (!ret)
		ret = addr(p, dst, range, range ? "destination range" : "destination address");
	if (ret)
		return ret;
	if (src->family != dst->family)
		return seterr(p->err, -EINVAL, p->st->line, p->st->col, "",
			      "%s: source and destination are of different address families",
			      pfk_stmt_cmd_name(p->st->cmd));
	return 0;
}

static int proto(struct parser *p, enum pfk_satype *t)
{
	struct pfk_tok tk;
	int ret = word(p, &tk, "protocol (esp, ah, ipcomp, esp-udp)");

	if (ret)
		return ret;
	return at(p, &tk, pfk_stmt_proto(tk.text, t, &p->st->opts, p->err));
}

static int number(struct parser *p, const char *opt, unsigned long long max,
		  unsigned long long *v)
{
	struct pfk_tok t;
	int ret = word(p, &t, "a number");

	if (ret)
		return ret;
	if (parse_ulong(t.text, max, v))
		return seterr(p->err, -EINVAL, t.line, t.col, t.text,
			      "%s: invalid value '%s' (0-%llu)", opt, t.text, max);
	return 0;
}

static int mode_word(const char *s, enum pfk_mode *m)
{
	if (!strcmp(s, "transport"))
		*m = PFK_MODE_TRANSPORT;
	else if (!strcmp(s, "tunnel"))
		*m = PFK_MODE_TUNNEL;
	else if (!strcmp(s, "any"))
		*m = PFK_MODE_ANY;
	else if (!strcmp(s, "beet"))
		*m = PFK_MODE_BEET;
	else
		return -EINVAL;
	return 0;
}

static const char *const mode_names[] = { "transport", "tunnel", "any", "beet" };

static int bad_word(struct parser *p, const struct pfk_tok *t, const char *what,
		    const char *const *cands, size_t n)
{
	const char *sug = pfk_suggest_pick(t->text, cands, n);

	if (sug)
		return seterr(p->err, -EINVAL, t->line, t->col, t->text,
			      "unknown %s '%s'; did you mean '%s'?", what, t->text, sug);
	return seterr(p->err, -EINVAL, t->line, t->col, t->text, "unknown %s '%s'", what, t->text);
}

static int ctx_opt(struct parser *p, struct pfk_secctx *ctx)
{
	unsigned long long doi, alg;
	struct pfk_tok t;
	int ret;

	ret = number(p, "-ctx doi", 255, &doi);
	if (!ret)
		ret = number(p, "-ctx alg", 255, &alg);
	if (ret)
		return ret;
	ret = next(p, &t);
	if (ret)
		return ret;
	if (t.kind != PFK_TOK_STRING && t.kind != PFK_TOK_WORD)
		return missing(p, &t, "security context string");
	if (t.len > PFK_SECCTX_MAX)
		return seterr(p->err, -EINVAL, t.line, t.col, "", "-ctx: context longer than %d bytes",
			      PFK_SECCTX_MAX);
	ctx->doi = (uint8_t)doi;
	ctx->alg = (uint8_t)alg;
	ctx->len = (uint16_t)t.len;
	memcpy(ctx->str, t.text, t.len + 1);
	return 0;
}

static int key_tok(struct parser *p, const struct pfkm_alg *alg, struct pfk_key *k,
		   uint32_t random_flag)
{
	struct pfk_tok t;
	const struct pfk_tok *pk = peek(p);
	int ret;

	/* Keyless algorithms (null) may omit the key, as in setkey. */
	if (alg->key_max == 0 && (pk->kind == PFK_TOK_SEMI || pk->kind == PFK_TOK_EOF ||
				  (pk->kind == PFK_TOK_WORD && pk->text[0] == '-'))) {
		memset(k, 0, sizeof(*k));
		return 0;
	}
	ret = next(p, &t);
	if (ret)
		return ret;
	if (t.kind == PFK_TOK_SEMI || t.kind == PFK_TOK_EOF)
		return missing(p, &t, "key (\"string\", 0xhex or random)");
	ret = at(p, &t, pfk_stmt_key(alg, t.text, t.kind == PFK_TOK_STRING, k, p->err));
	explicit_bzero(t.text, sizeof(t.text));
	if (!ret && t.kind == PFK_TOK_WORD && !strncmp(t.src, "random", 6))
		p->st->opts |= random_flag;
	return ret;
}

static const char *const sa_opts[] = {
	"-m", "-r", "-u", "-f", "-lh", "-ls", "-bh", "-bs", "-ctx", "-E", "-A", "-C", "-R",
};

/* SA extensions and algorithms up to ';'. algs: whether -E/-A/-C are allowed. */
static int sa_tail(struct parser *p, bool algs)
{
	struct pfk_sa *sa = &p->st->sa;
	const struct pfkm_alg *enc = NULL, *auth = NULL, *comp = NULL;
	struct pfk_tok t, ealg_tok = { 0 };
	unsigned long long v;
	uint64_t u = 0;
	int ret;

	for (;;) {
		ret = next(p, &t);
		if (ret)
			return ret;
		if (t.kind == PFK_TOK_SEMI)
			break;
		if (t.kind == PFK_TOK_EOF)
			return seterr(p->err, -EINVAL, t.line, t.col, "",
				      "%s: missing ';' at end of input", pfk_stmt_cmd_name(p->st->cmd));
		if (t.kind != PFK_TOK_WORD || t.text[0] != '-')
			return seterr(p->err, -EINVAL, t.line, t.col, t.text,
				      "%s: unexpected '%s'; expected an option or ';'",
				      pfk_stmt_cmd_name(p->st->cmd), t.text);
		if (!strcmp(t.text, "-m")) {
			struct pfk_tok m;

			ret = word(p, &m, "mode (transport, tunnel, any)");
			if (ret)
				return ret;
			if (mode_word(m.text, &sa->mode))
				return bad_word(p, &m, "mode", mode_names, 3);
			sa->has |= PFK_SA_HAS_SA2;
		} else if (!strcmp(t.text, "-r")) {
			ret = number(p, "-r", 255, &v);
			if (ret)
				return ret;
			sa->replay = (uint8_t)v;
		} else if (!strcmp(t.text, "-u")) {
			ret = number(p, "-u", 0xffffffffull, &v);
			if (ret)
				return ret;
			sa->reqid = (uint32_t)v;
			sa->has |= PFK_SA_HAS_SA2;
		} else if (!strcmp(t.text, "-f")) {
			static const char *const fl[] = { "zero-pad", "random-pad", "seq-pad",
							  "nocyclic-seq", "esn" };
			struct pfk_tok f;

			ret = word(p, &f, "flag (zero-pad, random-pad, seq-pad, nocyclic-seq, esn)");
			if (ret)
				return ret;
			if (!strcmp(f.text, "zero-pad"))
				sa->flags = (sa->flags & ~0x0300u) | 0x0200u;	/* SADB_X_EXT_PZERO */
			else if (!strcmp(f.text, "random-pad"))
				sa->flags = (sa->flags & ~0x0300u) | 0x0100u;	/* SADB_X_EXT_PRAND */
			else if (!strcmp(f.text, "seq-pad"))
				sa->flags &= ~0x0300u;				/* SADB_X_EXT_PSEQ */
			else if (!strcmp(f.text, "nocyclic-seq"))
				;	/* KAME default already: no cyclic sequence numbers */
			else if (!strcmp(f.text, "esn"))
				sa->flags |= SADB_X_SAFLAGS_ESN;	/* 64-bit sequence numbers */
			else
				return bad_word(p, &f, "flag", fl, 5);
		} else if (!strcmp(t.text, "-lh") || !strcmp(t.text, "-ls") ||
			   !strcmp(t.text, "-bh") || !strcmp(t.text, "-bs")) {
			struct pfk_tok n;
			bool hard = t.text[2] == 'h';

			ret = word(p, &n, "a number");
			if (ret)
				return ret;
			ret = at(p, &n, pfk_stmt_u64(n.text, &u, p->err));
			if (ret)
				return ret;
			if (t.text[1] == 'l')
				(hard ? &sa->hard : &sa->soft)->addtime = u;
			else
				(hard ? &sa->hard : &sa->soft)->bytes = u;
			sa->has |= hard ? PFK_SA_HAS_HARD : PFK_SA_HAS_SOFT;
		} else if (!strcmp(t.text, "-ctx")) {
			ret = ctx_opt(p, &sa->ctx);
			if (ret)
				return ret;
			sa->has |= PFK_SA_HAS_SECCTX;
		} else if (algs && !strcmp(t.text, "-E")) {
			struct pfk_tok a;

			ret = word(p, &a, "encryption algorithm");
			if (ret)
				return ret;
			if (enc)
				return seterr(p->err, -EINVAL, t.line, t.col, t.text, "-E given twice");
			ret = at(p, &a, pfk_stmt_alg(a.text, PFKM_ALG_ENC, &enc, p->err));
			if (!ret)
				ret = key_tok(p, enc, &sa->enc_key, PFK_STMT_RANDOM_ENC);
			if (ret)
				return ret;
			ealg_tok = a;
			sa->enc_alg = enc->id;
			sa->has |= PFK_SA_HAS_ENC_KEY;
		} else if (algs && !strcmp(t.text, "-A")) {
			struct pfk_tok a;

			ret = word(p, &a, "authentication algorithm");
			if (ret)
				return ret;
			if (auth)
				return seterr(p->err, -EINVAL, t.line, t.col, t.text, "-A given twice");
			ret = at(p, &a, pfk_stmt_alg(a.text, PFKM_ALG_AUTH, &auth, p->err));
			if (!ret)
				ret = key_tok(p, auth, &sa->auth_key, PFK_STMT_RANDOM_AUTH);
			if (ret)
				return ret;
			sa->auth_alg = auth->id;
			sa->has |= PFK_SA_HAS_AUTH_KEY;
		} else if (algs && !strcmp(t.text, "-C")) {
			struct pfk_tok a;

			ret = word(p, &a, "compression algorithm");
			if (ret)
				return ret;
			ret = at(p, &a, pfk_stmt_alg(a.text, PFKM_ALG_COMP, &comp, p->err));
			if (ret)
				return ret;
			sa->enc_alg = comp->id;
		} else if (algs && !strcmp(t.text, "-R")) {
			p->st->opts |= PFK_STMT_RAWCPI;
			sa->flags |= 0x0080u;	/* SADB_X_EXT_RAWCPI */
		} else {
			const char *sug = pfk_suggest_pick(t.text, sa_opts, algs ? 13 : 9);

			if (!algs && (!strcmp(t.text, "-E") || !strcmp(t.text, "-A") ||
				      !strcmp(t.text, "-C")))
				return seterr(p->err, -EINVAL, t.line, t.col, t.text,
					      "%s: '%s' is not allowed here (no algorithms or keys)",
					      pfk_stmt_cmd_name(p->st->cmd), t.text);
			if (sug)
				return seterr(p->err, -EINVAL, t.line, t.col, t.text,
					      "unknown option '%s'; did you mean '%s'?", t.text, sug);
			return seterr(p->err, -EINVAL, t.line, t.col, t.text, "unknown option '%s'",
				      t.text);
		}
	}
	if (!algs)
		return 0;
	/* Cross-field rules, reported at the command word. */
	switch (sa->satype) {
	case PFK_SATYPE_ESP:
		if (!enc)
			return seterr(p->err, -EINVAL, p->st->line, p->st->col, "",
				      "%s: esp needs an encryption algorithm (-E)",
				      pfk_stmt_cmd_name(p->st->cmd));
		if (comp)
			return seterr(p->err, -EINVAL, p->st->line, p->st->col, "",
				      "%s: -C is only for ipcomp", pfk_stmt_cmd_name(p->st->cmd));
		if (enc->aead && auth)
			return seterr(p->err, -EINVAL, ealg_tok.line, ealg_tok.col, enc->name,
				      "'%s' is an AEAD (combined mode); -A is not allowed with it",
				      enc->name);
		break;
	case PFK_SATYPE_AH:
		if (!auth)
			return seterr(p->err, -EINVAL, p->st->line, p->st->col, "",
				      "%s: ah needs an authentication algorithm (-A)",
				      pfk_stmt_cmd_name(p->st->cmd));
		if (enc || comp)
			return seterr(p->err, -EINVAL, p->st->line, p->st->col, "",
				      "%s: ah takes only -A", pfk_stmt_cmd_name(p->st->cmd));
		break;
	case PFK_SATYPE_IPCOMP:
		if (!comp)
			return seterr(p->err, -EINVAL, p->st->line, p->st->col, "",
				      "%s: ipcomp needs a compression algorithm (-C)",
				      pfk_stmt_cmd_name(p->st->cmd));
		if (enc || auth)
			return seterr(p->err, -EINVAL, p->st->line, p->st->col, "",
				      "%s: ipcomp takes only -C", pfk_stmt_cmd_name(p->st->cmd));
		break;
	default:
		break;
	}
	return 0;
}

/* esp-udp: the address ports become the NAT-T encapsulation ports. */
static void natt_fixup(struct pfk_stmt *st)
{
	struct pfk_sa *sa = &st->sa;

	if (!(st->opts & PFK_STMT_ESPUDP))
		return;
	sa->has |= PFK_SA_HAS_NATT;
	sa->natt_type = 2;	/* UDP_ENCAP_ESPINUDP */
	sa->natt_sport = sa->src.port ? sa->src.port : 4500;
	sa->natt_dport = sa->dst.port ? sa->dst.port : 4500;
	sa->src.port = 0;
	sa->dst.port = 0;
}

static int spi_tok(struct parser *p, bool auto_ok)
{
	struct pfk_tok t;
	int ret = word(p, &t, auto_ok ? "SPI (number or auto)" : "SPI");

	if (ret)
		return ret;
	if (auto_ok && !strcmp(t.text, "auto")) {
		p->st->opts |= PFK_STMT_SPI_AUTO;
		return 0;
	}
	return at(p, &t, pfk_stmt_spi(t.text, p->st->sa.satype, &p->st->sa.spi, p->err));
}

static int parse_sa_cmd(struct parser *p)
{
	struct pfk_stmt *st = p->st;
	struct pfk_sa *sa = &st->sa;
	enum pfk_cmd c = st->cmd;
	int ret;

	ret = addr_opts(p);
	if (!ret)
		ret = pair(p, &sa->src, &sa->dst, false);
	if (!ret)
		ret = proto(p, &sa->satype);
	if (ret)
		return ret;
	sa->has = PFK_SA_HAS_SRC | PFK_SA_HAS_DST;
	sa->src.proto = sa->dst.proto = IPSEC_ULPROTO_ANY;
	if (c == PFK_CMD_DELETEALL)
		return expect_semi(p);
	if (c == PFK_CMD_GETSPI) {
		const struct pfk_tok *pk = peek(p);

		sa->has |= PFK_SA_HAS_SA2 | PFK_SA_HAS_SPIRANGE;
		sa->mode = PFK_MODE_ANY;
		sa->spi_min = 0x100;
		sa->spi_max = sa->satype == PFK_SATYPE_IPCOMP ? 0xffff : 0x0fffffff;
		if (pk->kind == PFK_TOK_WORD && pk->text[0] != '-') {
			struct pfk_tok t;
			char *dash;

			ret = next(p, &t);
			if (ret)
				return ret;
			dash = strchr(t.text, '-');
			if (!strcmp(t.text, "auto") || !strcmp(t.text, "0")) {
				/* default range */
			} else if (dash) {
				*dash = '\0';
				ret = at(p, &t, pfk_stmt_spi(t.text, sa->satype, &sa->spi_min, p->err));
				if (!ret)
					ret = at(p, &t, pfk_stmt_spi(dash + 1, sa->satype, &sa->spi_max,
								     p->err));
				if (ret)
					return ret;
				if (sa->spi_min > sa->spi_max)
					return seterr(p->err, -EINVAL, t.line, t.col, t.text,
						      "getspi: empty SPI range");
			} else {
				ret = at(p, &t, pfk_stmt_spi(t.text, sa->satype, &sa->spi_min, p->err));
				if (ret)
					return ret;
				sa->spi_max = sa->spi_min;
			}
		}
		ret = sa_tail(p, false);
		natt_fixup(st);
		return ret;
	}
	ret = spi_tok(p, c == PFK_CMD_ADD || c == PFK_CMD_UPDATE);
	if (ret)
		return ret;
	sa->has |= PFK_SA_HAS_SA;
	if (c == PFK_CMD_GET || c == PFK_CMD_DELETE) {
		ret = expect_semi(p);
		natt_fixup(st);
		sa->has &= ~PFK_SA_HAS_NATT;
		return ret;
	}
	/* add / update: setkey always sends SA2 (mode any unless -m). */
	sa->has |= PFK_SA_HAS_SA2;
	sa->mode = PFK_MODE_ANY;
	sa->replay = 0;
	ret = sa_tail(p, true);
	natt_fixup(st);
	return ret;
}

/* ---- policies ------------------------------------------------------- */

static const char *const dir_names[] = { "in", "out", "fwd" };
static const char *const action_names[] = { "discard", "none", "ipsec", "entrust", "bypass" };
static const char *const level_names[] = { "default", "use", "require", "unique" };
static const char *const reqproto_names[] = { "esp", "ah", "ipcomp" };

static int req_endpoints(struct parser *p, const struct pfk_tok *t, char *s,
			 struct pfk_ipsecreq *r)
{
	char *dash = strchr(s, '-');
	int ret;

	if (!dash)
		return seterr(p->err, -EINVAL, t->line, t->col, t->text,
			      "invalid tunnel endpoints '%s': expected src-dst", s);
	*dash = '\0';
	ret = pfk_stmt_addr(s, false, 0, &r->src, p->err);
	if (!ret)
		ret = pfk_stmt_addr(dash + 1, false, 0, &r->dst, p->err);
	if (ret)
		return at(p, t, ret);
	if (r->src.family != r->dst.family)
		return seterr(p->err, -EINVAL, t->line, t->col, t->text,
			      "tunnel endpoints in '%s' are of different address families", t->text);
	return 0;
}

static int parse_req(struct parser *p, const struct pfk_tok *t, struct pfk_ipsecreq *r)
{
	char buf[PFK_TOK_MAX], *part[5] = { 0 }, *s;
	int n = 0;
	int ret;
	size_t i;

	memset(r, 0, sizeof(*r));
	memcpy(buf, t->text, t->len + 1);
	for (s = buf; n < 5; ) {
		part[n++] = s;
		s = strchr(s, '/');
		if (!s)
			break;
		*s++ = '\0';
	}
	if (n < 2 || n > 4)
		return seterr(p->err, -EINVAL, t->line, t->col, t->text,
			      "invalid request '%s': expected proto/mode/src-dst/level", t->text);
	if (!strcmp(part[0], "esp"))
		r->proto = PFK_IPPROTO_ESP;
	else if (!strcmp(part[0], "ah"))
		r->proto = PFK_IPPROTO_AH;
	else if (!strcmp(part[0], "ipcomp"))
		r->proto = PFK_IPPROTO_IPCOMP;
	else {
		const char *sug = pfk_suggest_pick(part[0], reqproto_names, 3);

		if (sug)
			return seterr(p->err, -EINVAL, t->line, t->col, part[0],
				      "unknown protocol '%s' in '%s'; did you mean '%s'?", part[0],
				      t->text, sug);
		return seterr(p->err, -EINVAL, t->line, t->col, part[0],
			      "unknown protocol '%s' in '%s' (esp, ah, ipcomp)", part[0], t->text);
	}
	if (mode_word(part[1], &r->mode) || r->mode == PFK_MODE_ANY || r->mode == PFK_MODE_BEET) {
		const char *sug = pfk_suggest_pick(part[1], mode_names, 2);

		if (sug)
			return seterr(p->err, -EINVAL, t->line, t->col, part[1],
				      "unknown mode '%s' in '%s'; did you mean '%s'?", part[1],
				      t->text, sug);
		return seterr(p->err, -EINVAL, t->line, t->col, part[1],
			      "unknown mode '%s' in '%s' (transport, tunnel)", part[1], t->text);
	}
	if (n >= 3 && part[2][0]) {
		ret = req_endpoints(p, t, part[2], r);
		if (ret)
			return ret;
	}
	if (r->mode == PFK_MODE_TUNNEL && !r->src.family)
		return seterr(p->err, -EINVAL, t->line, t->col, t->text,
			      "tunnel mode needs endpoints: '%s/tunnel/SRC-DST/...'", part[0]);
	r->level = PFK_LEVEL_DEFAULT;
	if (n == 4 && part[3][0]) {
		char *colon = strchr(part[3], ':');

		if (colon)
			*colon++ = '\0';
		for (i = 0; i < 4; i++)
			if (!strcmp(part[3], level_names[i]))
				break;
		if (i == 4) {
			const char *sug = pfk_suggest_pick(part[3], level_names, 4);

			if (sug)
				return seterr(p->err, -EINVAL, t->line, t->col, part[3],
					      "unknown level '%s' in '%s'; did you mean '%s'?",
					      part[3], t->text, sug);
			return seterr(p->err, -EINVAL, t->line, t->col, part[3],
				      "unknown level '%s' in '%s' (default, use, require, unique)",
				      part[3], t->text);
		}
		r->level = (enum pfk_level)(PFK_LEVEL_DEFAULT + i);
		if (colon) {
			unsigned long long v;

			if (r->level != PFK_LEVEL_UNIQUE)
				return seterr(p->err, -EINVAL, t->line, t->col, t->text,
					      "a reqid (':N') needs level unique in '%s'", t->text);
			if (parse_ulong(colon, 32767, &v) || v == 0)
				return seterr(p->err, -EINVAL, t->line, t->col, t->text,
					      "invalid reqid '%s' in '%s' (1-32767)", colon, t->text);
			r->reqid = (uint32_t)v;
		}
	}
	return 0;
}

/* Parses "dir [prio ...] action req..." up to ';' / EOF (not consumed).
 * delete_only: spddelete, where the direction alone is enough (the rest,
 * when given as setkey allows, is checked and not sent). */
static int policy_body(struct parser *p, struct pfk_policy *pol, bool delete_only)
{
	struct pfk_tok t;
	const struct pfk_tok *pk;
	size_t i;
	int ret;

	ret = word(p, &t, "policy direction (in, out, fwd)");
	if (ret)
		return ret;
	for (i = 0; i < 3; i++)
		if (!strcmp(t.text, dir_names[i]))
			break;
	if (i == 3)
		return bad_word(p, &t, "direction", dir_names, 3);
	pol->dir = (enum pfk_dir)(PFK_DIR_IN + i);
	pol->has |= PFK_POL_HAS_POLICY;
	pol->priority = 0x80000000u;
	pk = peek(p);
	if (delete_only && (pk->kind == PFK_TOK_SEMI || pk->kind == PFK_TOK_EOF)) {
		pol->action = PFK_ACTION_IPSEC;
		return 0;
	}
	ret = word(p, &t, "policy action (discard, none, ipsec)");
	if (ret)
		return ret;
	if (!strcmp(t.text, "prio") || !strcmp(t.text, "priority")) {
		struct pfk_tok b;
		long long base, off = 0;
		char *end;

		ret = word(p, &b, "priority (a number, low, def or high)");
		if (ret)
			return ret;
		if (!strcmp(b.text, "low"))
			base = 0xC0000000ll;
		else if (!strcmp(b.text, "def") || !strcmp(b.text, "default"))
			base = 0x80000000ll;
		else if (!strcmp(b.text, "high"))
			base = 0x40000000ll;
		else {
			errno = 0;
			off = strtoll(b.text, &end, 10);
			if (errno || *end || !b.text[0] || off < INT32_MIN || off > INT32_MAX)
				return seterr(p->err, -EINVAL, b.line, b.col, b.text,
					      "invalid priority '%s' (a number, low, def or high)",
					      b.text);
			/* setkey: a larger number is a higher priority. */
			base = 0x80000000ll - off;
			off = 0;
			goto prio_done;
		}
		pk = peek(p);
		if (pk->kind == PFK_TOK_WORD &&
		    (pk->text[0] == '+' ||
		     (pk->text[0] == '-' && (!pk->text[1] || isdigit((unsigned char)pk->text[1]))))) {
			struct pfk_tok s, n;
			const char *num;
			int sign;

			ret = next(p, &s);
			if (ret)
				return ret;
			sign = s.text[0] == '+' ? 1 : -1;
			if (s.text[1]) {
				num = s.text + 1;
				n = s;
			} else {
				ret = word(p, &n, "priority offset");
				if (ret)
					return ret;
				num = n.text;
			}
			errno = 0;
			off = strtoll(num, &end, 10);
			if (errno || *end || !*num || off < 0 ||
			    off > (sign > 0 ? 0x40000000ll : 0x3fffffffll))
				return seterr(p->err, -EINVAL, n.line, n.col, n.text,
					      "invalid priority offset '%s'", num);
			/* "+ n" raises the priority: a smaller wire value. */
			base -= sign * off;
		}
prio_done:
		pol->priority = (uint32_t)base;
		ret = word(p, &t, "policy action (discard, none, ipsec)");
		if (ret)
			return ret;
	}
	for (i = 0; i < 5; i++)
		if (!strcmp(t.text, action_names[i]))
			break;
	if (i == 5)
		return bad_word(p, &t, "policy action", action_names, 3);
	pol->action = (enum pfk_action)(PFK_ACTION_DISCARD + i);
	for (;;) {
		pk = peek(p);
		if (pk->kind != PFK_TOK_WORD)
			break;
		/* spddelete: setkey accepts the whole policy; it is checked
		 * here and not sent (the kernel matches selectors and
		 * direction only). */
		ret = next(p, &t);
		if (ret)
			return ret;
		if (pol->action != PFK_ACTION_IPSEC)
			return seterr(p->err, -EINVAL, t.line, t.col, t.text,
				      "requests like '%s' need the action 'ipsec', not '%s'", t.text,
				      pfk_action_name(pol->action));
		if (pol->nreq >= PFK_MAX_REQ)
			return seterr(p->err, -EINVAL, t.line, t.col, t.text,
				      "too many requests (at most %d)", PFK_MAX_REQ);
		ret = parse_req(p, &t, &pol->req[pol->nreq]);
		if (ret)
			return ret;
		pol->nreq++;
	}
	return 0;
}

int pfk_stmt_policy(const char *text, struct pfk_policy *out, struct pfk_err *err)
{
	struct pfk_stmt st;
	struct pfk_lex lx;
	struct parser p = { .lx = &lx, .err = err, .st = &st };
	const struct pfk_tok *pk;
	int ret;

	memset(&st, 0, sizeof(st));
	memset(out, 0, sizeof(*out));	/* policy_body counts requests from 0 */
	st.cmd = PFK_CMD_SPDADD;
	pfk_lex_init(&lx, text, strlen(text), 1);
	ret = policy_body(&p, out, false);
	if (ret)
		return ret;
	pk = peek(&p);
	if (pk->kind != PFK_TOK_EOF && pk->kind != PFK_TOK_SEMI)
		return seterr(err, -EINVAL, pk->line, pk->col, pk->text, "unexpected '%s'",
			      pk->text);
	return 0;
}

static int parse_spd_cmd(struct parser *p)
{
	struct pfk_stmt *st = p->st;
	struct pfk_policy *pol = &st->pol;
	struct pfk_tok t;
	uint8_t up;
	int ret;

	ret = addr_opts(p);
	if (!ret)
		ret = pair(p, &pol->src, &pol->dst, true);
	if (ret)
		return ret;
	pol->has = PFK_POL_HAS_SRC | PFK_POL_HAS_DST;
	ret = word(p, &t, "upper-layer protocol (any, tcp, udp, icmp6, a number)");
	if (ret)
		return ret;
	ret = at(p, &t, pfk_stmt_upper(t.text, &up, p->err));
	if (ret)
		return ret;
	pol->src.proto = pol->dst.proto = up;
	if (up == 58 || up == 1) {
		/* icmp/icmp6 "type[,code]" travel in the port fields, as setkey. */
		const struct pfk_tok *pk = peek(p);

		if (pk->kind == PFK_TOK_WORD && isdigit((unsigned char)pk->text[0])) {
			unsigned long long ty, co = 0;
			char *comma;

			ret = next(p, &t);
			if (ret)
				return ret;
			comma = strchr(t.text, ',');
			if (comma)
				*comma++ = '\0';
			if (parse_ulong(t.text, 255, &ty) || (comma && parse_ulong(comma, 255, &co)))
				return seterr(p->err, -EINVAL, t.line, t.col, t.text,
					      "invalid icmp type,code '%s'", t.text);
			pol->src.port = (uint16_t)ty;
			pol->dst.port = (uint16_t)co;
		}
	}
	for (;;) {
		ret = word(p, &t, "policy (-P in|out|fwd ...)");
		if (ret)
			return ret;
		if (!strcmp(t.text, "-ctx")) {
			ret = ctx_opt(p, &pol->ctx);
			if (ret)
				return ret;
			pol->has |= PFK_POL_HAS_SECCTX;
			continue;
		}
		if (strcmp(t.text, "-P") != 0)
			return seterr(p->err, -EINVAL, t.line, t.col, t.text,
				      "%s: unexpected '%s'; expected -P", pfk_stmt_cmd_name(st->cmd),
				      t.text);
		break;
	}
	ret = policy_body(p, pol, st->cmd == PFK_CMD_SPDDELETE);
	if (ret)
		return ret;
	return expect_semi(p);
}

/* [proto] for flush, dump, register. */
static int opt_satype(struct parser *p)
{
	const struct pfk_tok *pk = peek(p);
	struct pfk_tok t;
	int ret;

	p->st->satype = PFK_SATYPE_UNSPEC;
	if (pk->kind == PFK_TOK_WORD) {
		ret = next(p, &t);
		if (ret)
			return ret;
		if (strcmp(t.text, "all") != 0) {
			ret = at(p, &t, pfk_stmt_proto(t.text, &p->st->satype, &p->st->opts, p->err));
			if (ret)
				return ret;
		}
	}
	return expect_semi(p);
}

static int rest_words(struct parser *p, bool one, const char *what)
{
	struct pfk_tok t;
	size_t o = 0;
	int ret, n = 0;

	for (;;) {
		ret = next(p, &t);
		if (ret)
			return ret;
		if (t.kind == PFK_TOK_SEMI)
			break;
		if (t.kind == PFK_TOK_EOF)
			return seterr(p->err, -EINVAL, t.line, t.col, "", "%s: missing ';' at end of input",
				      pfk_stmt_cmd_name(p->st->cmd));
		if (one && n)
			return seterr(p->err, -EINVAL, t.line, t.col, t.text,
				      "%s: unexpected '%s'; expected ';'", pfk_stmt_cmd_name(p->st->cmd),
				      t.text);
		if (o + t.len + 2 >= sizeof(p->st->arg))
			return seterr(p->err, -EINVAL, t.line, t.col, "", "%s: argument too long",
				      pfk_stmt_cmd_name(p->st->cmd));
		if (o)
			p->st->arg[o++] = ' ';
		memcpy(p->st->arg + o, t.text, t.len + 1);
		o += t.len;
		n++;
	}
	if (what && !n)
		return missing(p, &t, what);
	return 0;
}

static int parse_one(struct parser *p)
{
	struct pfk_stmt *st = p->st;
	struct pfk_tok t;
	int ret;

	do {
		ret = next(p, &t);
		if (ret)
			return ret;
	} while (t.kind == PFK_TOK_SEMI);
	if (t.kind == PFK_TOK_EOF)
		return 0;
	st->line = t.line;
	st->col = t.col;
	if (t.kind != PFK_TOK_WORD)
		return seterr(p->err, -EINVAL, t.line, t.col, t.text, "expected a command, not a string");
	st->cmd = pfk_stmt_cmd_lookup(t.text);
	switch (st->cmd) {
	case PFK_CMD_NONE: {
		const char *names[NCMDS];
		const char *sug;
		size_t i;

		for (i = 0; i < NCMDS; i++)
			names[i] = cmds[i].name;
		p->at_end = false;
		sug = pfk_suggest_pick(t.text, names, NCMDS);
		if (sug)
			return seterr(p->err, -EINVAL, t.line, t.col, t.text,
				      "unknown command '%s'; did you mean '%s'?", t.text, sug);
		return seterr(p->err, -EINVAL, t.line, t.col, t.text,
			      "unknown command '%s' (try 'help')", t.text);
	}
	case PFK_CMD_ADD: case PFK_CMD_UPDATE: case PFK_CMD_GET: case PFK_CMD_DELETE:
	case PFK_CMD_DELETEALL: case PFK_CMD_GETSPI:
		ret = parse_sa_cmd(p);
		break;
	case PFK_CMD_SPDADD: case PFK_CMD_SPDUPDATE: case PFK_CMD_SPDDELETE:
		ret = parse_spd_cmd(p);
		break;
	case PFK_CMD_FLUSH: case PFK_CMD_DUMP: case PFK_CMD_REGISTER:
		ret = opt_satype(p);
		break;
	case PFK_CMD_SPDFLUSH: case PFK_CMD_SPDDUMP: case PFK_CMD_EXIT:
		ret = expect_semi(p);
		break;
	case PFK_CMD_SAVE: case PFK_CMD_LOAD:
		ret = rest_words(p, true, "file name");
		break;
	case PFK_CMD_HELP:
		ret = rest_words(p, true, NULL);
		break;
	case PFK_CMD_MONITOR:
		ret = rest_words(p, false, NULL);
		break;
	case PFK_CMD_SET: {
		struct pfk_tok n, v;

		ret = word(p, &n, "setting (show-keys)");
		if (ret)
			return ret;
		if (strcmp(n.text, "show-keys") != 0) {
			static const char *const sets[] = { "show-keys" };

			return bad_word(p, &n, "setting", sets, 1);
		}
		memcpy(st->arg, "show-keys", sizeof("show-keys"));
		ret = word(p, &v, "on or off");
		if (ret)
			return ret;
		if (!strcmp(v.text, "on"))
			st->opts |= PFK_STMT_ON;
		else if (strcmp(v.text, "off") != 0)
			return seterr(p->err, -EINVAL, v.line, v.col, v.text,
				      "set show-keys: expected on or off, not '%s'", v.text);
		ret = expect_semi(p);
		break;
	}
	default:
		ret = -EINVAL;
		break;
	}
	return ret ? ret : 1;
}

int pfk_stmt_parse(struct pfk_lex *lx, struct pfk_stmt *st, struct pfk_err *err)
{
	struct parser p = { .lx = lx, .err = err, .st = st };
	struct pfk_tok t;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = parse_one(&p);
	if (p.lexfail) {
		/* The statement went wrong because its text did: say that. */
		if (err)
			*err = p.lexerr;
		ret = -EINVAL;
	}
	if (ret >= 0)
		return ret;
	pfk_stmt_wipe(st);
	/* Resynchronise after the next ';' so the caller can go on. */
	if (!p.at_end) {
		do {
			if (pfk_lex_next(lx, &t, NULL)) {
				lx->p = lx->end;
				break;
			}
		} while (t.kind != PFK_TOK_SEMI && t.kind != PFK_TOK_EOF);
	}
	return ret;
}

void pfk_stmt_wipe(struct pfk_stmt *st)
{
	explicit_bzero(&st->sa.enc_key, sizeof(st->sa.enc_key));
	explicit_bzero(&st->sa.auth_key, sizeof(st->sa.auth_key));
}
