/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * diffcmp.c: host-side comparer for two diffclient recordings (af_key's and
 * pfkeyv2's). Per case, the sequence of send results and received messages
 * must be byte-identical after masking what legitimately differs:
 *   - sadb_msg_pid equal to the recording client's own pid,
 *   - addtime/usetime of LIFETIME_CURRENT (wall clock at ADD/first use),
 *   - SPIs inside SA extensions in cases tagged mask:spi (kernel-chosen).
 * A case that still differs may be EXPLAINED by a documented improvement
 * (man/pfkeyv2.4) that diffclient tagged it with. Two tags are checked
 * precisely: both recordings are normalised the way af_key would have
 * answered and must then be identical:
 *   improvement:aead-supported  drop AEAD entries (GCM, CCM, GMAC,
 *                               ChaCha20-Poly1305) from SUPPORTED_ENCRYPT
 *   improvement:replay          sadb_sa_replay capped at 32
 * improvement:aead (ADD of AEAD SAs, which af_key refuses with ENOSYS) is
 * accepted as is. Anything else that differs is UNEXPLAINED.
 * Every difference is printed, decoded per extension.
 * Last line: "N same, N explained, N unexplained"; exit 1 if any unexplained.
 *
 *   diffcmp AFKEY.txt PFKEYV2.txt
 *   diffcmp -x AFKEY.txt XFRM.txt
 * -x: the second recording is keysh's xfrm backend (tests/vm/diffxfrm.c, the
 * engine in process on XFRM netlink) on the kernel that recorded af_key's.
 * Masked besides: policy ids (the kernel's index generator has moved on
 * between the two runs: each recording's ids are renumbered in order of
 * appearance, direction kept). Cases explained by what the backend is
 * (man keysh, --backend xfrm), as tags of this program (xfrm_tags):
 *   xfrm:supported  normalised precisely, with improvement:aead-supported:
 *                   HMAC-SM3 and SM4-CBC dropped from SUPPORTED (the engine
 *                   cannot ask the kernel's crypto, which loads modules on
 *                   demand: it offers its table, and an ADD the kernel
 *                   cannot do fails with the kernel's errno)
 *   xfrm:transport  accepted as is: no socket layer (no SO_SNDBUF limit,
 *                   EMSGSIZE; send flags such as MSG_OOB, EOPNOTSUPP, are
 *                   not looked at): the engine answers the message itself
 *   xfrm:expire     accepted as is: netlink's hard EXPIRE carries no
 *                   algorithms and the SA is gone, so its SA extension has
 *                   none (af_key's names them)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pfkeyv2.h>

struct ev {
	char kind;		/* 'S' send result, 'R' message, 'F' note */
	int sock;
	char *text;		/* S/F: rest of the line */
	uint8_t *msg;		/* R: bytes, masked */
	size_t len;
};

struct dcase {
	char *name, *tags;
	struct ev *ev;
	size_t nev;
};

struct rec {
	unsigned pid;
	struct dcase *c;
	size_t nc;
	int done;		/* the client reached its end marker */
};

static int xmode;

/* -x: the explanations of the xfrm backend, by case name. */
static const struct {
	const char *name, *tags;
} xfrm_tags[] = {
	{ "register", "xfrm:supported" },
	{ "cve_2022_1353_register", "xfrm:supported" },
	{ "cve_2022_3028_register_race", "xfrm:supported" },
	{ "hdr_errors", "xfrm:transport" },
	{ "big_message", "xfrm:transport" },
	{ "expire", "xfrm:expire" },
};

static const char *xtags(const char *name)
{
	for (size_t i = 0; xmode && i < sizeof(xfrm_tags) / sizeof(xfrm_tags[0]); i++)
		if (!strcmp(xfrm_tags[i].name, name))
			return xfrm_tags[i].tags;
	return "";
}

static int unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* -x: af_key puts the policy's reference count in sadb_msg_reserved, and
 * that count holds xfrm's policy timer in the policy's first second: XFRM
 * netlink has no reference count (man keysh), so over it the number is the
 * engine's guess and only timing decides whether they agree. */
static int is_policy_msg(uint8_t type)
{
	switch (type) {
	case SADB_X_SPDUPDATE: case SADB_X_SPDADD: case SADB_X_SPDDELETE:
	case SADB_X_SPDGET: case SADB_X_SPDACQUIRE: case SADB_X_SPDDUMP:
	case SADB_X_SPDFLUSH: case SADB_X_SPDSETIDX: case SADB_X_SPDEXPIRE:
	case SADB_X_SPDDELETE2: case SADB_X_MIGRATE:
		return 1;
	}
	return 0;
}

static void mask(const struct rec *r, const struct dcase *c, uint8_t *m, size_t n)
{
	struct sadb_msg *h = (struct sadb_msg *)m;
	size_t off = sizeof(*h);

	if (n < sizeof(*h))
		return;
	if (h->sadb_msg_pid == r->pid)
		h->sadb_msg_pid = 0xfffffffe;
	if (xmode && is_policy_msg(h->sadb_msg_type))
		h->sadb_msg_reserved = 0;
	while (off + sizeof(struct sadb_ext) <= n) {
		struct sadb_ext *e = (struct sadb_ext *)(m + off);
		size_t el = (size_t)e->sadb_ext_len * 8;

		if (el == 0 || off + el > n)
			break;
		if (e->sadb_ext_type == SADB_EXT_LIFETIME_CURRENT && el >= sizeof(struct sadb_lifetime)) {
			struct sadb_lifetime *l = (struct sadb_lifetime *)e;

			l->sadb_lifetime_addtime = 0;
			l->sadb_lifetime_usetime = l->sadb_lifetime_usetime ? 1 : 0;
		}
		if (e->sadb_ext_type == SADB_EXT_SA && el >= sizeof(struct sadb_sa) &&
		    strstr(c->tags, "mask:spi"))
			((struct sadb_sa *)e)->sadb_sa_spi = 0;
		off += el;
	}
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		perror("realloc");
		exit(2);
	}
	return p;
}

static int load(const char *path, struct rec *r)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct dcase *c = NULL;

	if (!f) {
		perror(path);
		return -1;
	}
	memset(r, 0, sizeof(*r));
	while ((n = getline(&line, &cap, f)) > 0) {
		struct ev *e;

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		if (n < 1)
			continue;
		switch (line[0]) {
		case 'P':
			r->pid = (unsigned)strtoul(line + 2, NULL, 10);
			continue;
		case 'D':
			r->done = 1;
			continue;
		case 'C': {
			char *name = strdup(line + 2), *sp = strchr(name, ' ');

			r->c = xrealloc(r->c, (r->nc + 1) * sizeof(*r->c));
			c = &r->c[r->nc++];
			memset(c, 0, sizeof(*c));
			c->tags = sp ? sp + 1 : (char *)"";
			if (sp)
				*sp = 0;
			c->name = name;
			continue;
		}
		case 'E':
			c = NULL;
			continue;
		case 'S':
		case 'R':
		case 'F':
			break;
		default:
			continue;
		}
		if (!c)
			continue;
		c->ev = xrealloc(c->ev, (c->nev + 1) * sizeof(*c->ev));
		e = &c->ev[c->nev++];
		memset(e, 0, sizeof(*e));
		e->kind = line[0];
		if (e->kind != 'R') {
			e->text = strdup(line + 2);
			continue;
		}
		{
			char *hx = strchr(line + 2, ' ');
			size_t hl;

			e->sock = atoi(line + 2);
			hx = hx ? hx + 1 : line + n;
			hl = strlen(hx) / 2;
			e->msg = malloc(hl + 1);
			for (size_t i = 0; i < hl; i++)
				e->msg[i] = (uint8_t)(unhex(hx[2 * i]) << 4 | unhex(hx[2 * i + 1]));
			e->len = hl;
			mask(r, c, e->msg, hl);
		}
	}
	free(line);
	fclose(f);
	return 0;
}

static int is_aead_id(unsigned id)
{
	return (id >= SADB_X_EALG_AES_CCM_ICV8 && id <= SADB_X_EALG_AES_CCM_ICV16) ||
	       (id >= SADB_X_EALG_AES_GCM_ICV8 && id <= SADB_X_EALG_AES_GCM_ICV16) ||
	       id == SADB_X_EALG_NULL_AES_GMAC || id == 25 /* ChaCha20-Poly1305 */;
}

/* Rewrite e's message as af_key would have sent it under the case's
 * improvement tags (see top comment). */
static void normalize(struct ev *e, const char *tags)
{
	uint8_t *m = e->msg;
	size_t off = sizeof(struct sadb_msg), n = e->len;

	if (e->kind != 'R' || n < sizeof(struct sadb_msg))
		return;
	while (off + sizeof(struct sadb_ext) <= n) {
		struct sadb_ext *x = (struct sadb_ext *)(m + off);
		size_t el = (size_t)x->sadb_ext_len * 8;

		if (el == 0 || off + el > n)
			break;
		if (x->sadb_ext_type == SADB_EXT_SA && el >= sizeof(struct sadb_sa) &&
		    strstr(tags, "improvement:replay")) {
			struct sadb_sa *sa = (struct sadb_sa *)x;

			if (sa->sadb_sa_replay > 32)
				sa->sadb_sa_replay = 32;
		}
		if ((x->sadb_ext_type == SADB_EXT_SUPPORTED_ENCRYPT &&
		     strstr(tags, "improvement:aead-supported")) ||
		    ((x->sadb_ext_type == SADB_EXT_SUPPORTED_ENCRYPT ||
		      x->sadb_ext_type == SADB_EXT_SUPPORTED_AUTH) && strstr(tags, "xfrm:supported"))) {
			size_t a = off + sizeof(struct sadb_supported);

			while (a + sizeof(struct sadb_alg) <= off + el) {
				struct sadb_alg *alg = (struct sadb_alg *)(m + a);
				int drop = x->sadb_ext_type == SADB_EXT_SUPPORTED_ENCRYPT ?
					   (strstr(tags, "improvement:aead-supported") &&
					    is_aead_id(alg->sadb_alg_id)) ||
					   (strstr(tags, "xfrm:supported") &&
					    alg->sadb_alg_id == SADB_X_EALG_SM4CBC) :
					   alg->sadb_alg_id == SADB_X_AALG_SM3_256HMAC;

				if (!drop) {
					a += sizeof(*alg);
					continue;
				}
				memmove(m + a, m + a + sizeof(*alg), n - a - sizeof(*alg));
				n -= sizeof(*alg);
				el -= sizeof(*alg);
				x->sadb_ext_len--;
				((struct sadb_msg *)m)->sadb_msg_len--;
			}
		}
		off += el;
	}
	e->len = n;
}

static int ev_eq(const struct ev *a, const struct ev *b)
{
	if (a->kind != b->kind)
		return 0;
	if (a->kind != 'R')
		return !strcmp(a->text, b->text);
	return a->sock == b->sock && a->len == b->len && !memcmp(a->msg, b->msg, a->len);
}

static void show(const char *who, const struct ev *e)
{
	if (!e) {
		printf("    %s: (nothing)\n", who);
		return;
	}
	if (e->kind != 'R') {
		printf("    %s: %c %s\n", who, e->kind, e->text);
		return;
	}
	printf("    %s: R sock %d len %zu", who, e->sock, e->len);
	if (e->len >= sizeof(struct sadb_msg)) {
		const struct sadb_msg *h = (const void *)e->msg;
		size_t off = sizeof(*h);

		printf(" type %u errno %u satype %u len %u res %u seq %u\n", h->sadb_msg_type,
		       h->sadb_msg_errno, h->sadb_msg_satype, h->sadb_msg_len,
		       h->sadb_msg_reserved, h->sadb_msg_seq);
		while (off + 4 <= e->len) {
			const struct sadb_ext *x = (const void *)(e->msg + off);
			size_t el = (size_t)x->sadb_ext_len * 8;

			if (el == 0 || off + el > e->len)
				el = e->len - off;
			printf("      ext %2u: ", x->sadb_ext_type);
			for (size_t i = 0; i < el; i++)
				printf("%02x%s", e->msg[off + i], (i % 8 == 7) ? " " : "");
			printf("\n");
			off += el;
		}
	} else {
		printf("\n");
	}
}

/* -x: each case's policy ids renumbered in order of first appearance. */
static void renumber_policy_ids(struct rec *r)
{
	for (size_t i = 0; i < r->nc; i++) {
		uint32_t seen[256];
		size_t nseen = 0;

		for (size_t k = 0; k < r->c[i].nev; k++) {
			struct ev *e = &r->c[i].ev[k];
			size_t off = sizeof(struct sadb_msg);

			if (e->kind != 'R')
				continue;
			while (off + sizeof(struct sadb_ext) <= e->len) {
				struct sadb_ext *x = (struct sadb_ext *)(e->msg + off);
				size_t el = (size_t)x->sadb_ext_len * 8, j;

				if (el == 0 || off + el > e->len)
					break;
				if (x->sadb_ext_type == SADB_X_EXT_POLICY &&
				    el >= sizeof(struct sadb_x_policy)) {
					struct sadb_x_policy *p = (struct sadb_x_policy *)x;
					uint32_t id = p->sadb_x_policy_id;

					for (j = 0; j < nseen && seen[j] != id; j++)
						;
					if (j == nseen && nseen < 256)
						seen[nseen++] = id;
					if (id)
						p->sadb_x_policy_id = (uint32_t)((j + 1) << 3) | (id & 7);
				}
				off += el;
			}
		}
	}
}

static const struct dcase *find(const struct rec *r, const char *name)
{
	for (size_t i = 0; i < r->nc; i++)
		if (!strcmp(r->c[i].name, name))
			return &r->c[i];
	return NULL;
}

int main(int argc, char **argv)
{
	struct rec a, b;
	unsigned same = 0, explained = 0, unexplained = 0;
	const char *other = "pfkeyv2";

	if (argc == 4 && !strcmp(argv[1], "-x")) {
		xmode = 1;
		other = "xfrm   ";
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: diffcmp [-x] AFKEY.txt PFKEYV2.txt|XFRM.txt\n");
		return 2;
	}
	if (load(argv[1], &a) || load(argv[2], &b))
		return 2;
	if (xmode) {
		renumber_policy_ids(&a);
		renumber_policy_ids(&b);
	}
	if (!a.done || !b.done) {
		printf("UNEXPLAINED recording incomplete (%s%s)\n", a.done ? "" : argv[1],
		       b.done ? "" : argv[2]);
		unexplained++;
	}
	if (a.nc == 0) {
		printf("UNEXPLAINED no cases recorded in %s\n", argv[1]);
		unexplained++;
	}
	for (size_t i = 0; i < a.nc; i++) {
		struct dcase *ca = &a.c[i], *cb = (struct dcase *)find(&b, ca->name);
		const char *xt = xtags(ca->name);
		char tags[256];
		size_t n;
		int diff = 0;

		snprintf(tags, sizeof(tags), "%s%s%s", ca->tags, *ca->tags && *xt ? " " : "", xt);

		if (!cb) {
			printf("UNEXPLAINED %s: missing from %s\n", ca->name, argv[2]);
			unexplained++;
			continue;
		}
		n = ca->nev > cb->nev ? ca->nev : cb->nev;
		for (size_t k = 0; k < n; k++) {
			const struct ev *x = k < ca->nev ? &ca->ev[k] : NULL;
			const struct ev *y = k < cb->nev ? &cb->ev[k] : NULL;

			if (x && y && ev_eq(x, y))
				continue;
			if (!diff)
				printf("--- %s [%s]\n", ca->name, tags);
			diff = 1;
			printf("  event %zu differs:\n", k);
			show("af_key ", x);
			show(other, y);
		}
		if (diff && (strstr(tags, "improvement:replay") ||
			     strstr(tags, "improvement:aead-supported") ||
			     strstr(tags, "xfrm:supported"))) {
			int still = ca->nev != cb->nev;

			for (size_t k = 0; k < ca->nev; k++)
				normalize(&ca->ev[k], tags);
			for (size_t k = 0; k < cb->nev; k++)
				normalize(&cb->ev[k], tags);
			for (size_t k = 0; !still && k < ca->nev; k++)
				still = !ev_eq(&ca->ev[k], &cb->ev[k]);
			if (!still) {
				printf("EXPLAINED %s (identical after normalising %s)\n", ca->name,
				       tags);
				explained++;
			} else {
				printf("UNEXPLAINED %s (differs even after normalising %s)\n",
				       ca->name, tags);
				unexplained++;
			}
			continue;
		}
		if (!diff) {
			printf("SAME %s\n", ca->name);
			same++;
		} else if ((strstr(tags, "improvement:aead") &&
			    !strstr(tags, "improvement:aead-supported")) ||
			   strstr(tags, "xfrm:transport") || strstr(tags, "xfrm:expire")) {
			printf("EXPLAINED %s (%s)\n", ca->name, tags);
			explained++;
		} else {
			printf("UNEXPLAINED %s\n", ca->name);
			unexplained++;
		}
	}
	printf("%u same, %u explained, %u unexplained\n", same, explained, unexplained);
	return unexplained ? 1 : 0;
}
