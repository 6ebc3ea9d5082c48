// SPDX-License-Identifier: BSD-2-Clause
/*
 * complete.c: context-aware completion, shared by the interactive line
 * editor and `keysh --complete LINE` (used by the bash/zsh/fish scripts).
 * It looks at the statement being typed (text after the last ';'), works
 * out which field the last word fills and offers: commands, the flags valid
 * at that point, protocols, algorithm names valid for the protocol, modes,
 * levels, and live values from the SADB/SPD (addresses, SPIs) for the
 * commands that name existing entries.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <arpa/inet.h>

#include "ksh.h"

#define MAXW 64

struct cands {
	const char *prefix;
	size_t plen;
	ksh_complete_cb cb;
	void *ctx;
	char seen[64][48];	/* de-duplication of live values */
	unsigned int nseen;
};

static void offer(struct cands *c, const char *w)
{
	unsigned int i;

	if (strncmp(w, c->prefix, c->plen) != 0)
		return;
	for (i = 0; i < c->nseen; i++)
		if (!strcmp(c->seen[i], w))
			return;
	if (c->nseen < 64)
		snprintf(c->seen[c->nseen++], sizeof(c->seen[0]), "%s", w);
	c->cb(c->ctx, w);
}

static void offer_list(struct cands *c, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		offer(c, v[i]);
}

static const char *const commands[] = {
	"add", "update", "get", "delete", "deleteall", "flush", "dump", "getspi", "spdadd",
	"spdupdate", "spddelete", "spdflush", "spddump", "register", "monitor", "save", "load",
	"help", "set", "exit", "quit",
};
static const char *const protos[] = { "esp", "ah", "ipcomp", "esp-udp" };
static const char *const modes[] = { "transport", "tunnel", "any" };
static const char *const pads[] = { "zero-pad", "random-pad", "seq-pad", "nocyclic-seq", "esn" };
static const char *const uppers[] = { "any", "tcp", "udp", "icmp", "icmp6", "gre", "sctp", "ip4" };
static const char *const dirs[] = { "in", "out", "fwd" };
static const char *const actions[] = { "discard", "none", "ipsec", "prio" };
static const char *const prios[] = { "low", "def", "high" };
static const char *const monopts[] = { "--promisc", "--json", "--hex", "--type", "--satype",
				       "--spi", "--addr", "--count" };

static bool live(struct ksh *k);

/* Algorithms valid for the protocol; with a backend, only those it runs
 * (REGISTER's list: keyd has no twofish or serpent). */
static void offer_algs(struct ksh *k, struct cands *c, enum pfk_satype t, bool espudp,
		       enum pfkm_alg_kind kind)
{
	const struct pfkm_alg *a;
	unsigned int i;
	bool known;

	(void)espudp;
	if ((kind == PFKM_ALG_ENC && t != PFK_SATYPE_ESP) ||
	    (kind == PFKM_ALG_COMP && t != PFK_SATYPE_IPCOMP) ||
	    (kind == PFKM_ALG_AUTH && t == PFK_SATYPE_IPCOMP))
		return;
	known = kind != PFKM_ALG_COMP && live(k);
	for (i = 0; (a = pfkm_alg_at(kind, i)); i++)
		if (!known || ksh_alg_supported(k, kind, a->id) != 0)
			offer(c, a->name);
}

/* Connect without printing: completion must not write on the terminal. */
static bool live(struct ksh *k)
{
	int saved, null, ret;

	if (k->connected)
		return true;
	fflush(stderr);
	saved = dup(2);
	null = open("/dev/null", O_WRONLY);
	if (saved < 0 || null < 0) {
		if (saved >= 0)
			close(saved);
		if (null >= 0)
			close(null);
		return false;
	}
	dup2(null, 2);
	close(null);
	ret = ksh_backend_connect(k);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	return ret == 0;
}

/* Live addresses (which = 0 src, 1 dst) or SPIs (which = 2) from the SADB,
 * or selectors from the SPD (spd). Filters on what the line already says. */
static void offer_live(struct ksh *k, struct cands *c, bool spd, int which,
		       const struct pfk_addr *src, const struct pfk_addr *dst, enum pfk_satype t)
{
	struct pfk_dump d;
	struct pfk_msg *m;
	size_t i;

	if (!live(k))
		return;
	m = malloc(sizeof(*m));
	if (!m)
		return;
	if (pfk_exec_dump(&k->exec, spd, spd ? PFK_SATYPE_UNSPEC : t, &d) == 0) {
		for (i = 0; i < d.n; i++) {
			char b[80];
			const struct pfk_addr *a;

			if (pfk_parse(d.v[i].raw, d.v[i].len, m))
				continue;
			if (spd) {
				a = which == 0 ? &m->pol.src : &m->pol.dst;
				if (pfk_addr_format(b, sizeof(b), a, PFK_ADDR_NET) >= 0)
					offer(c, b);
			} else if (which == 2) {
				if ((!src || !memcmp(m->sa.src.a.bytes, src->a.bytes, 16)) &&
				    (!dst || !memcmp(m->sa.dst.a.bytes, dst->a.bytes, 16))) {
					snprintf(b, sizeof(b), "0x%08x", m->sa.spi);
					offer(c, b);
				}
			} else {
				a = which == 0 ? &m->sa.src : &m->sa.dst;
				if ((which == 0 || !src ||
				     !memcmp(m->sa.src.a.bytes, src->a.bytes, 16)) &&
				    pfk_addr_format(b, sizeof(b), a, 0) >= 0)
					offer(c, b);
			}
			pfk_msg_wipe(m);
		}
		pfk_dump_free(&d);
	}
	free(m);
}

static void sa_fields(struct ksh *k, struct cands *c, enum pfk_cmd cmd, char **w, int nw)
{
	struct pfk_addr src, dst;
	enum pfk_satype t = PFK_SATYPE_UNKNOWN;
	uint32_t opts = 0;
	const char *prev;
	int i = 1, pos;

	while (i < nw && (!strcmp(w[i], "-4") || !strcmp(w[i], "-6") || !strcmp(w[i], "-n")))
		i++;
	pos = nw - i;	/* index of the word being completed among the fields */
	if (pos == 0) {
		offer(c, "-4");
		offer(c, "-6");
		offer(c, "-n");
		offer_live(k, c, false, 0, NULL, NULL, PFK_SATYPE_UNSPEC);
		return;
	}
	if (pos == 1) {
		bool ok = !pfk_stmt_addr(w[i], false, 0, &src, NULL);

		offer_live(k, c, false, 1, ok ? &src : NULL, NULL, PFK_SATYPE_UNSPEC);
		return;
	}
	if (pos == 2) {
		offer_list(c, protos, 4);
		return;
	}
	if (pfk_stmt_proto(w[i + 2], &t, &opts, NULL))
		t = PFK_SATYPE_UNKNOWN;
	if (cmd == PFK_CMD_DELETEALL)
		return;
	if (pos == 3) {
		bool s = !pfk_stmt_addr(w[i], false, 0, &src, NULL);
		bool d = !pfk_stmt_addr(w[i + 1], false, 0, &dst, NULL);

		if (cmd == PFK_CMD_ADD || cmd == PFK_CMD_UPDATE || cmd == PFK_CMD_GETSPI)
			offer(c, "auto");
		if (cmd != PFK_CMD_ADD && cmd != PFK_CMD_GETSPI)
			offer_live(k, c, false, 2, s ? &src : NULL, d ? &dst : NULL,
				   t ? t : PFK_SATYPE_UNSPEC);
		return;
	}
	if (cmd != PFK_CMD_ADD && cmd != PFK_CMD_UPDATE && cmd != PFK_CMD_GETSPI)
		return;
	prev = w[nw - 1];
	if (!strcmp(prev, "-m")) {
		offer_list(c, modes, 3);
		return;
	}
	if (!strcmp(prev, "-f")) {
		offer_list(c, pads, 5);
		return;
	}
	if (!strcmp(prev, "-E")) {
		offer_algs(k, c, t, opts & PFK_STMT_ESPUDP, PFKM_ALG_ENC);
		return;
	}
	if (!strcmp(prev, "-A")) {
		offer_algs(k, c, t, false, PFKM_ALG_AUTH);
		return;
	}
	if (!strcmp(prev, "-C")) {
		offer_algs(k, c, t, false, PFKM_ALG_COMP);
		return;
	}
	if (nw >= 2 && (!strcmp(w[nw - 2], "-E") || !strcmp(w[nw - 2], "-A"))) {
		offer(c, "random");
		return;
	}
	if (!strcmp(prev, "-r") || !strcmp(prev, "-u") || !strcmp(prev, "-lh") ||
	    !strcmp(prev, "-ls") || !strcmp(prev, "-bh") || !strcmp(prev, "-bs"))
		return;
	offer(c, "-m");
	offer(c, "-u");
	if (cmd == PFK_CMD_GETSPI)
		return;
	offer(c, "-r");
	offer(c, "-f");
	offer(c, "-lh");
	offer(c, "-ls");
	offer(c, "-bh");
	offer(c, "-bs");
	offer(c, "-ctx");
	if (t == PFK_SATYPE_ESP) {
		offer(c, "-E");
		offer(c, "-A");
	} else if (t == PFK_SATYPE_AH) {
		offer(c, "-A");
	} else if (t == PFK_SATYPE_IPCOMP) {
		offer(c, "-C");
		offer(c, "-R");
	}
}

static void req_words(struct cands *c)
{
	static const char *const reqs[] = {
		"esp/transport//require", "esp/tunnel/", "ah/transport//require", "ah/tunnel/",
		"ipcomp/transport//use", "ipcomp/tunnel/",
	};
	static const char *const levels[] = { "default", "use", "require", "unique" };
	const char *slash = strrchr(c->prefix, '/');
	char b[160];
	size_t i;
	int nslash = 0;

	for (i = 0; c->prefix[i]; i++)
		nslash += c->prefix[i] == '/';
	if (nslash >= 3 && slash) {
		/* proto/mode/endpoints/ -> levels */
		for (i = 0; i < 4; i++) {
			snprintf(b, sizeof(b), "%.*s%s", (int)(slash - c->prefix + 1), c->prefix,
				 levels[i]);
			offer(c, b);
		}
		return;
	}
	offer_list(c, reqs, sizeof(reqs) / sizeof(reqs[0]));
}

static void spd_fields(struct ksh *k, struct cands *c, enum pfk_cmd cmd, char **w, int nw)
{
	int i = 1, pos, p;

	while (i < nw && (!strcmp(w[i], "-4") || !strcmp(w[i], "-6") || !strcmp(w[i], "-n")))
		i++;
	pos = nw - i;
	if (pos == 0 || pos == 1) {
		if (cmd == PFK_CMD_SPDDELETE || cmd == PFK_CMD_SPDUPDATE)
			offer_live(k, c, true, pos, NULL, NULL, PFK_SATYPE_UNSPEC);
		return;
	}
	if (pos == 2) {
		offer_list(c, uppers, sizeof(uppers) / sizeof(uppers[0]));
		return;
	}
	for (p = i + 3; p < nw && strcmp(w[p], "-P"); p++)
		;
	if (p >= nw) {
		offer(c, "-P");
		offer(c, "-ctx");
		return;
	}
	if (nw - p == 1) {
		offer_list(c, dirs, 3);
		return;
	}
	if (cmd == PFK_CMD_SPDDELETE)
		return;
	if (!strcmp(w[nw - 1], "prio")) {
		offer_list(c, prios, 3);
		return;
	}
	if (nw - p == 2 || (nw - p >= 3 && !strcmp(w[p + 2], "prio") && nw - p <= 4)) {
		offer_list(c, actions, nw - p == 2 ? 4 : 3);
		return;
	}
	req_words(c);
}

void ksh_complete(struct ksh *k, const char *line, ksh_complete_cb cb, void *ctx)
{
	char buf[4096], *w[MAXW], *s, *save = NULL;
	const char *stmt = line, *p;
	struct cands c = { .cb = cb, .ctx = ctx };
	bool in_str = false;
	enum pfk_cmd cmd;
	int nw = 0;

	/* The statement being typed starts after the last ';'. */
	for (p = line; *p; p++) {
		if (*p == '"')
			in_str = !in_str;
		else if (*p == ';' && !in_str)
			stmt = p + 1;
	}
	snprintf(buf, sizeof(buf), "%s", stmt);
	for (s = strtok_r(buf, " \t\n", &save); s && nw < MAXW; s = strtok_r(NULL, " \t\n", &save))
		w[nw++] = s;
	/* A trailing blank starts a new (empty) word. */
	p = stmt + strlen(stmt);
	if (p == stmt || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n') {
		c.prefix = "";
	} else {
		c.prefix = nw ? w[--nw] : "";
	}
	c.plen = strlen(c.prefix);
	if (nw == 0) {
		offer_list(&c, commands, sizeof(commands) / sizeof(commands[0]));
		return;
	}
	cmd = pfk_stmt_cmd_lookup(w[0]);
	switch (cmd) {
	case PFK_CMD_ADD: case PFK_CMD_UPDATE: case PFK_CMD_GET: case PFK_CMD_DELETE:
	case PFK_CMD_DELETEALL: case PFK_CMD_GETSPI:
		sa_fields(k, &c, cmd, w, nw);
		break;
	case PFK_CMD_SPDADD: case PFK_CMD_SPDUPDATE: case PFK_CMD_SPDDELETE:
		spd_fields(k, &c, cmd, w, nw);
		break;
	case PFK_CMD_FLUSH: case PFK_CMD_DUMP: case PFK_CMD_REGISTER:
		if (nw == 1)
			offer_list(&c, protos, 3);
		break;
	case PFK_CMD_HELP:
		if (nw == 1)
			offer_list(&c, commands, sizeof(commands) / sizeof(commands[0]) - 1);
		break;
	case PFK_CMD_SET:
		if (nw == 1)
			offer(&c, "show-keys");
		else if (nw == 2) {
			offer(&c, "on");
			offer(&c, "off");
		}
		break;
	case PFK_CMD_MONITOR:
		if (!strcmp(w[nw - 1], "--satype"))
			offer_list(&c, protos, 3);
		else
			offer_list(&c, monopts, sizeof(monopts) / sizeof(monopts[0]));
		break;
	default:
		break;
	}
}
