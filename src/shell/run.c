// SPDX-License-Identifier: BSD-2-Clause
/*
 * run.c: running scripts. A text is parsed whole first (so a syntax error
 * anywhere changes nothing and exits 2), then executed statement by
 * statement: by default like setkey (every statement runs, failures are
 * reported, exit 1 if any failed); with --atomic the first failure rolls
 * back what was applied (pfk_exec_rollback). Prints results (GET, GETSPI,
 * REGISTER) and the one-line errors "FILE:LINE: add esp 0x1000: File
 * exists (EEXIST)".
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include "ksh.h"

#define MAX_SYNTAX_ERRS 20
#define MAX_LOAD_DEPTH 8

unsigned int ksh_render_flags(const struct ksh *k)
{
	unsigned int f = 0;

	if (k->show_keys)
		f |= PFK_R_SHOW_KEYS;
	if (k->ports)
		f |= PFK_R_PORTS;
	if (k->mon.ts == 2)
		f |= PFK_R_UNIX_TIME;
	return f;
}

void ksh_print_err(struct ksh *k, const struct pfk_err *e, const char *srcline)
{
	int i;

	fflush(stdout);
	fprintf(stderr, "%s:%d:%d: error: %s\n", k->file ? k->file : "<stdin>", e->line, e->col,
		e->msg);
	if (k->interactive && srcline) {
		fprintf(stderr, "  %s\n  ", srcline);
		for (i = 1; i < e->col; i++)
			fputc(srcline[i - 1] == '\t' ? '\t' : ' ', stderr);
		fputs("^\n", stderr);
	}
}

int ksh_read_file(const char *path, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap), *nb;
	ssize_t r;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;

	if (fd < 0 || !buf) {
		int ret = fd < 0 ? -errno : -ENOMEM;

		free(buf);
		if (fd > 0)
			close(fd);
		return ret;
	}
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				explicit_bzero(buf, n);
				free(buf);
				if (fd > 0)
					close(fd);
				return -ENOMEM;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int ret = -errno;

			explicit_bzero(buf, n);
			free(buf);
			if (fd > 0)
				close(fd);
			return ret;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (fd > 0)
		close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static void host(char *b, size_t cap, const struct pfk_addr *a)
{
	if (!inet_ntop(a->family, a->a.bytes, b, (socklen_t)cap))
		snprintf(b, cap, "?");
}

/* "add esp 0x1000", "spdadd 10.0.0.0/24 10.0.1.0/24 -P out": what failed. */
static void describe(const struct pfk_stmt *st, char *b, size_t cap)
{
	const char *cmd = pfk_stmt_cmd_name(st->cmd);
	const char *proto = st->opts & PFK_STMT_ESPUDP ? "esp-udp" : pfk_satype_name(st->sa.satype);
	char s[64], d[64];

	switch (st->cmd) {
	case PFK_CMD_ADD: case PFK_CMD_UPDATE: case PFK_CMD_GET: case PFK_CMD_DELETE:
		if (st->opts & PFK_STMT_SPI_AUTO)
			snprintf(b, cap, "%s %s auto", cmd, proto);
		else
			snprintf(b, cap, "%s %s 0x%x", cmd, proto, st->sa.spi);
		break;
	case PFK_CMD_DELETEALL: case PFK_CMD_GETSPI:
		host(s, sizeof(s), &st->sa.src);
		host(d, sizeof(d), &st->sa.dst);
		snprintf(b, cap, "%s %s %s %s", cmd, s, d, proto);
		break;
	case PFK_CMD_SPDADD: case PFK_CMD_SPDUPDATE: case PFK_CMD_SPDDELETE:
		host(s, sizeof(s), &st->pol.src);
		host(d, sizeof(d), &st->pol.dst);
		snprintf(b, cap, "%s %s/%u %s/%u -P %s", cmd, s, st->pol.src.prefixlen, d,
			 st->pol.dst.prefixlen, pfk_dir_name(st->pol.dir));
		break;
	case PFK_CMD_FLUSH: case PFK_CMD_DUMP: case PFK_CMD_REGISTER:
		if (st->satype != PFK_SATYPE_UNSPEC)
			snprintf(b, cap, "%s %s", cmd, pfk_satype_name(st->satype));
		else
			snprintf(b, cap, "%s", cmd);
		break;
	default:
		snprintf(b, cap, "%s", cmd ? cmd : "?");
		break;
	}
}

static void backend_err(struct ksh *k, const struct pfk_stmt *st, int err)
{
	char what[160];
	const char *name = strerrorname_np(-err);

	describe(st, what, sizeof(what));
	fflush(stdout);
	fprintf(stderr, "%s:%d: %s: %s (%s)\n", k->file ? k->file : "<stdin>", st->line, what,
		strerror(-err), name ? name : "?");
}

static void print_register(struct ksh *k, const struct pfk_msg *m)
{
	unsigned int i;
	const struct pfkm_alg *a;

	if (k->out == KSH_OUT_JSON) {
		pfk_render_json(stdout, m, ksh_render_flags(k));
		fputc('\n', stdout);
		return;
	}
	for (i = 0; i < m->nauth; i++) {
		a = pfkm_alg_by_id(PFKM_ALG_AUTH, m->auth[i].id);
		printf("auth %s %u-%u\n", a ? a->name : "?", m->auth[i].minbits,
		       m->auth[i].maxbits);
	}
	for (i = 0; i < m->nenc; i++) {
		a = pfkm_alg_by_id(PFKM_ALG_ENC, m->enc[i].id);
		printf("enc %s %u-%u ivlen=%u\n", a ? a->name : "?", m->enc[i].minbits,
		       m->enc[i].maxbits, m->enc[i].ivlen);
	}
}

static void on_result(void *ctx, const struct pfk_stmt *st, const struct pfk_msg *m,
		      const void *raw, size_t len)
{
	struct ksh *k = ctx;
	char s[64], d[64];

	(void)raw;
	(void)len;
	switch (st->cmd) {
	case PFK_CMD_GET:
		ksh_dump_print(k, m, false);
		break;
	case PFK_CMD_REGISTER:
		print_register(k, m);
		break;
	case PFK_CMD_GETSPI:
	case PFK_CMD_ADD:
	case PFK_CMD_UPDATE:
		if (k->out == KSH_OUT_JSON) {
			printf("{\"spi\":%u}\n", k->exec.last_spi);
			break;
		}
		host(s, sizeof(s), &st->sa.src);
		host(d, sizeof(d), &st->sa.dst);
		printf("%s %s %s spi=%u(0x%08x)\n", s, d,
		       st->opts & PFK_STMT_ESPUDP ? "esp-udp" : pfk_satype_name(st->sa.satype),
		       k->exec.last_spi, k->exec.last_spi);
		break;
	default:
		break;
	}
}

static void trace(void *ctx, bool out, const void *raw, size_t len)
{
	struct ksh *k = ctx;

	printf("%s\n", out ? "# sent" : "# received");
	pfk_render_debug(stdout, raw, len, ksh_render_flags(k));
}

static int need_backend(struct ksh *k)
{
	int ret = ksh_backend_connect(k);

	if (ret)
		return ret;
	k->exec.on_result = on_result;
	k->exec.trace = k->verbose ? trace : NULL;
	k->exec.ctx = k;
	return 0;
}

static int run_load(struct ksh *k, const struct pfk_stmt *st)
{
	const char *saved = k->file;
	char *text, *path;
	size_t len;
	int ret;

	if (k->load_depth >= MAX_LOAD_DEPTH) {
		fprintf(stderr, "%s:%d: load %s: too many nested loads\n", saved ? saved : "<stdin>",
			st->line, st->arg);
		return 1;
	}
	ret = ksh_read_file(st->arg, &text, &len);
	if (ret) {
		fprintf(stderr, "%s:%d: load %s: %s (%s)\n", saved ? saved : "<stdin>", st->line,
			st->arg, strerror(-ret), strerrorname_np(-ret));
		return 1;
	}
	path = strdup(st->arg);
	k->load_depth++;
	ret = ksh_run_text(k, path ? path : st->arg, text, len);
	k->load_depth--;
	k->file = saved;
	explicit_bzero(text, len);
	free(text);
	free(path);
	return ret == KSH_EXIT_OK ? 0 : 1;
}

int ksh_run_stmt(struct ksh *k, const struct pfk_stmt *st)
{
	int ret;

	switch (st->cmd) {
	case PFK_CMD_EXIT:
		return -1;
	case PFK_CMD_HELP:
		if (ksh_help(stdout, st->arg[0] ? st->arg : NULL) < 0) {
			fprintf(stderr, "%s:%d: help: no command '%s' (try 'help')\n",
				k->file ? k->file : "<stdin>", st->line, st->arg);
			return 1;
		}
		return 0;
	case PFK_CMD_SET:
		k->show_keys = st->opts & PFK_STMT_ON;
		return 0;
	case PFK_CMD_LOAD:
		return run_load(k, st);
	default:
		break;
	}
	if (need_backend(k))
		return 1;
	switch (st->cmd) {
	case PFK_CMD_SAVE:
		return ksh_save(k, st->arg) ? 1 : 0;
	case PFK_CMD_MONITOR: {
		struct pfk_err e = { 0 };
		struct ksh_monitor_opts saved = k->mon;

		if (ksh_monitor_args(k, st->arg, &e)) {
			e.line = st->line;
			e.col = st->col;
			ksh_print_err(k, &e, NULL);
			k->mon = saved;
			return 1;
		}
		ret = ksh_monitor(k);
		k->mon = saved;
		return ret ? 1 : 0;
	}
	case PFK_CMD_DUMP:
		ret = ksh_dump(k, false, st->satype);
		break;
	case PFK_CMD_SPDDUMP:
		ret = ksh_dump(k, true, PFK_SATYPE_UNSPEC);
		break;
	default:
		ret = pfk_exec_run(&k->exec, st);
		break;
	}
	fflush(stdout);
	if (ret) {
		backend_err(k, st, ret);
		return 1;
	}
	return 0;
}

int ksh_run_text(struct ksh *k, const char *file, const char *text, size_t len)
{
	struct pfk_err errs[MAX_SYNTAX_ERRS];
	struct pfk_stmt *v = NULL;
	size_t n = 0, i;
	int nerr, ret, failed = 0;

	k->file = file;
	memset(errs, 0, sizeof(errs));
	nerr = pfk_stmt_parse_all(text, len, &v, &n, errs, MAX_SYNTAX_ERRS);
	if (nerr < 0) {
		fprintf(stderr, "keysh: %s\n", strerror(-nerr));
		return KSH_EXIT_FAILED;
	}
	if (nerr > 0) {
		for (i = 0; i < (size_t)nerr; i++)
			ksh_print_err(k, &errs[i], NULL);
		pfk_stmt_free_all(v, n);
		return KSH_EXIT_USAGE;
	}
	if (k->dry_run) {
		pfk_stmt_free_all(v, n);
		return KSH_EXIT_OK;
	}
	if (k->atomic) {
		ret = need_backend(k);
		if (ret) {
			pfk_stmt_free_all(v, n);
			return ret;
		}
		k->exec.journal = true;
		pfk_exec_journal_clear(&k->exec);
	}
	for (i = 0; i < n; i++) {
		ret = ksh_run_stmt(k, &v[i]);
		if (ret < 0)
			break;
		if (ret > 0) {
			failed = 1;
			if (!k->connected && !k->atomic && v[i].cmd != PFK_CMD_HELP &&
			    v[i].cmd != PFK_CMD_LOAD) {
				/* No backend: nothing further can succeed. */
				pfk_stmt_free_all(v, n);
				return KSH_EXIT_BACKEND;
			}
			if (k->atomic)
				break;
		}
	}
	if (k->atomic) {
		if (failed) {
			size_t undo = k->exec.nundo;

			ret = pfk_exec_rollback(&k->exec);
			if (ret)
				fprintf(stderr, "keysh: --atomic: rollback incomplete: %s (%s)\n",
					strerror(-ret), strerrorname_np(-ret));
			else
				fprintf(stderr, "keysh: --atomic: rolled back %zu change%s\n", undo,
					undo == 1 ? "" : "s");
		}
		pfk_exec_journal_clear(&k->exec);
		k->exec.journal = false;
	}
	pfk_stmt_free_all(v, n);
	fflush(stdout);
	return failed ? KSH_EXIT_FAILED : KSH_EXIT_OK;
}
