// SPDX-License-Identifier: BSD-2-Clause
/*
 * run.c: running scripts and typed statements through libpfkey's runner
 * (stmt.h: parsed whole first, so a syntax error anywhere changes nothing
 * and exits 2; pipelined; with --atomic all or nothing), with keysh's side
 * of it: the shell commands (help, set, load, save, monitor), results
 * printed (GET, GETSPI, REGISTER) and the one-line errors "FILE:LINE: add
 * esp 0x1000: File exists (EEXIST)".
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include "ksh.h"
#include "text.h"

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

/* A file name or word quoted from a script may hold ESC, OSC, CR: never
 * sent raw to the terminal that shows the error (\xNN instead). */
static const char *esc(char *out, size_t cap, const char *in)
{
	size_t i, o = 0;

	for (i = 0; in[i] && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

static void report(struct ksh *k, const char *type, int line, int col, int err,
		   const char *raw)
{
	const char *name = err ? strerrorname_np(-err) : NULL;
	char msg[1024], fbuf[1024];
	const char *file = k->file ? esc(fbuf, sizeof(fbuf), k->file) : NULL;

	esc(msg, sizeof(msg), raw);

	fflush(stdout);
	if (k->out == KSH_OUT_JSON) {
		/* keysh-json(5): one ERROR / WARNING object per line on stderr */
		fprintf(stderr, "{\"type\":\"%s\",\"file\":", type);
		pfk_text_json_str(stderr, k->file ? k->file : "<stdin>",
				  strlen(k->file ? k->file : "<stdin>"));
		fprintf(stderr, ",\"line\":%d", line);
		if (col > 0)
			fprintf(stderr, ",\"col\":%d", col);
		if (name)
			fprintf(stderr, ",\"errno\":\"%s\"", name);
		fputs(",\"message\":", stderr);
		pfk_text_json_str(stderr, msg, strlen(msg));
		fputs("}\n", stderr);
		return;
	}
	/* Typed at the prompt: no "<stdin>:1:" (a loaded file keeps its name). */
	if (!file)
		fprintf(stderr, "%s\n", msg);
	else if (col > 0)
		fprintf(stderr, "%s:%d:%d: %s\n", file, line, col, msg);
	else if (line > 0)
		fprintf(stderr, "%s:%d: %s\n", file, line, msg);
	else
		fprintf(stderr, "%s: %s\n", file, msg);
}

void ksh_error(struct ksh *k, int line, int col, int err, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(k, "ERROR", line, col, err, msg);
}

void ksh_warn_stmt(struct ksh *k, const struct pfk_stmt *st)
{
	char w[4][160], msg[176];
	int i, n = pfk_stmt_warnings(st, w, 4);

	for (i = 0; i < n; i++) {
		snprintf(msg, sizeof(msg), "warning: %.159s", w[i]);
		report(k, "WARNING", st->line, st->col, 0, msg);
	}
}

void ksh_print_err(struct ksh *k, const struct pfk_err *e, const char *srcline)
{
	int i;

	ksh_error(k, e->line, e->col, 0, "error: %s", e->msg);
	if (k->interactive && srcline && k->out != KSH_OUT_JSON) {
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

	struct stat sb;

	if (fd < 0 || !buf) {
		int ret = fd < 0 ? -errno : -ENOMEM;

		free(buf);
		if (fd > 0)
			close(fd);
		return ret;
	}
	/* A regular file is read into one buffer of its size (no doubling
	 * copies of a 100k-statement script). */
	if (!fstat(fd, &sb) && S_ISREG(sb.st_mode) && (size_t)sb.st_size + 2 > cap) {
		/* +2: room for the NUL and for the read that returns 0 */
		nb = realloc(buf, (size_t)sb.st_size + 2);
		if (nb) {
			buf = nb;
			cap = (size_t)sb.st_size + 2;
		}
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
	if (pfk_addr_format(b, cap, a, 0) < 0)
		snprintf(b, cap, "?");
}

static void on_register(void *ctx, const struct pfk_stmt *st, const struct pfk_msg *m,
			const void *raw, size_t len)
{
	struct ksh *k = ctx;
	unsigned int i;

	(void)st;
	(void)raw;
	(void)len;
	memset(k->alg_ok, 0, sizeof(k->alg_ok));
	for (i = 0; i < m->nauth; i++)
		k->alg_ok[0][m->auth[i].id / 8] |= (uint8_t)(1u << (m->auth[i].id % 8));
	for (i = 0; i < m->nenc; i++)
		k->alg_ok[1][m->enc[i].id / 8] |= (uint8_t)(1u << (m->enc[i].id % 8));
	k->algs_known = true;
}

int ksh_alg_supported(struct ksh *k, enum pfkm_alg_kind kind, unsigned int id)
{
	if (kind != PFKM_ALG_AUTH && kind != PFKM_ALG_ENC)
		return -1;
	/* Not while pipelined requests are in flight: their replies are the
	 * pipeline's (a batch's error then names both algorithms). */
	if (!k->algs_known && k->connected && !pfk_exec_inflight(&k->exec)) {
		void (*saved)(void *, const struct pfk_stmt *, const struct pfk_msg *,
			      const void *, size_t) = k->exec.on_result;
		void *saved_ctx = k->exec.ctx;
		struct pfk_stmt st;

		memset(&st, 0, sizeof(st));
		st.cmd = PFK_CMD_REGISTER;
		st.satype = PFK_SATYPE_ESP;
		k->exec.on_result = on_register;
		k->exec.ctx = k;
		pfk_exec_run(&k->exec, &st);
		k->exec.on_result = saved;
		k->exec.ctx = saved_ctx;
	}
	if (!k->algs_known || id > 255)
		return -1;
	return !!(k->alg_ok[kind == PFKM_ALG_ENC][id / 8] & (1u << (id % 8)));
}

static void backend_err(struct ksh *k, const struct pfk_stmt *st, int err)
{
	char what[256], hint[256];

	if (err == -ENOSYS && (st->cmd == PFK_CMD_ADD || st->cmd == PFK_CMD_UPDATE) &&
	    st->sa.satype != PFK_SATYPE_IPCOMP) {
		/* which algorithm: the one REGISTER does not list */
		const struct pfkm_alg *e = st->sa.enc_alg ?
			pfkm_alg_by_id(PFKM_ALG_ENC, st->sa.enc_alg) : NULL;
		const struct pfkm_alg *a = st->sa.auth_alg ?
			pfkm_alg_by_id(PFKM_ALG_AUTH, st->sa.auth_alg) : NULL;
		const struct pfkm_alg *bad = NULL;

		if (e && ksh_alg_supported(k, PFKM_ALG_ENC, e->id) == 0)
			bad = e;
		else if (a && ksh_alg_supported(k, PFKM_ALG_AUTH, a->id) == 0)
			bad = a;
		if (bad) {
			pfk_stmt_describe(st, 0, what, sizeof(what));
			ksh_error(k, st->line, 0, err, "%s: %s not supported by this backend (ENOSYS)",
				  what, bad->name);
			return;
		}
	}
	pfk_stmt_describe(st, err, what, sizeof(what));
	fflush(stdout);
	if (pfk_conn_hint(&k->conn, st, err, hint, sizeof(hint)))
		ksh_error(k, st->line, 0, err, "%s: %s", what, hint);
	else
		ksh_error(k, st->line, 0, err, "%s", what);
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
	if (k->quiet && st->cmd != PFK_CMD_GET && st->cmd != PFK_CMD_REGISTER)
		return;
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
		ksh_error(k, st->line, 0, -ELOOP, "load %s: too many nested loads", st->arg);
		return 1;
	}
	ret = ksh_read_file(st->arg, &text, &len);
	if (ret) {
		ksh_error(k, st->line, 0, ret, "load %s: %s (%s)", st->arg, strerror(-ret),
			  strerrorname_np(-ret));
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

int ksh_run_stmt_quiet(struct ksh *k, const struct pfk_stmt *st)
{
	int ret = need_backend(k);

	if (ret)
		return ret;
	ret = pfk_exec_run(&k->exec, st);
	fflush(stdout);
	return ret;
}

int ksh_run_stmt(struct ksh *k, const struct pfk_stmt *st)
{
	int ret;

	switch (st->cmd) {
	case PFK_CMD_EXIT:
		return -1;
	case PFK_CMD_HELP:
		if (ksh_help(stdout, st->arg[0] ? st->arg : NULL) < 0) {
			ksh_error(k, st->line, 0, 0, "help: no command '%s' (try 'help')", st->arg);
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
		if (!ksh_backend_lost(k, ret))
			backend_err(k, st, ret);
		return 1;
	}
	return 0;
}

/* ---- libpfkey's runner, with keysh's printing -------------------------- */

_Static_assert((int)PFK_RUN_OK == (int)KSH_EXIT_OK &&
	       (int)PFK_RUN_FAILED == (int)KSH_EXIT_FAILED &&
	       (int)PFK_RUN_SYNTAX == (int)KSH_EXIT_USAGE &&
	       (int)PFK_RUN_BACKEND == (int)KSH_EXIT_BACKEND,
	       "a runner result is keysh's exit status");

static int on_connect(void *ctx, struct pfk_exec **x)
{
	struct ksh *k = ctx;

	*x = &k->exec;
	return need_backend(k) ? PFK_RUN_BACKEND : 0;
}

/* The result of ksh_run_stmt (0, 1 failed, -1 exit) for the runner. */
static int stmt_result(int ret)
{
	return ret < 0 ? PFK_RUN_EXIT : ret ? PFK_RUN_FAILED : PFK_RUN_OK;
}

/* A script's statement: a failure for want of a backend ends the script
 * (unless --atomic, which rolls back instead). */
static int on_stmt(void *ctx, const char *file, const struct pfk_stmt *st)
{
	struct ksh *k = ctx;
	int ret;

	k->file = file;
	ret = k->undo ? ksh_undo_run(k, st) : ksh_run_stmt(k, st);
	if (ret > 0 && !k->connected && !k->dry_run && st->cmd != PFK_CMD_HELP &&
	    st->cmd != PFK_CMD_LOAD && st->cmd != PFK_CMD_SET && !k->atomic)
		return PFK_RUN_BACKEND;
	return stmt_result(ret);
}

/* A statement typed at the prompt. */
static int on_typed(void *ctx, const char *file, const struct pfk_stmt *st)
{
	struct ksh *k = ctx;

	k->file = file;
	return stmt_result(ksh_run_stmt(k, st));
}

static void on_parsed(void *ctx, const char *file, const struct pfk_stmt *st)
{
	struct ksh *k = ctx;

	k->file = file;
	if (!k->quiet)
		ksh_warn_stmt(k, st);
}

static void on_syntax(void *ctx, const char *file, const struct pfk_err *e, const char *text,
		      size_t len)
{
	struct ksh *k = ctx;

	(void)text;
	(void)len;
	k->file = file;
	ksh_print_err(k, e, NULL);
}

/* Typed: the caret goes under the error's column in its line. */
static void on_typed_syntax(void *ctx, const char *file, const struct pfk_err *e,
			    const char *text, size_t len)
{
	struct ksh *k = ctx;
	const char *l = text;
	char line[1024], red[1024 + 256];
	int n;
	size_t ll;

	(void)len;
	k->file = file;
	for (n = 1; n < e->line && l; n++) {
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	if (!l)
		l = "";
	ll = strcspn(l, "\n");
	snprintf(line, sizeof(line), "%.*s", (int)ll, l);
	pfk_lex_redact(line, red, sizeof(red));
	ksh_print_err(k, e, e->col > 0 ? red : NULL);
}

/* A pipelined statement failed. */
static void on_fail(void *ctx, const char *file, const struct pfk_stmt *st, int err)
{
	struct ksh *k = ctx;

	k->file = file;
	if (st->cmd == PFK_CMD_NONE)
		ksh_error(k, st->line, 0, err, "%s (%s)", strerror(-err), strerrorname_np(-err));
	else
		backend_err(k, st, err);
}

static bool on_lost(void *ctx, int err)
{
	struct ksh *k = ctx;

	return err ? ksh_backend_lost(k, err) : k->lost;
}

static void on_rolled_back(void *ctx, size_t n, int err)
{
	struct ksh *k = ctx;

	if (err)
		fprintf(stderr, "keysh: --atomic: rollback incomplete: %s (%s)\n",
			strerror(-err), strerrorname_np(-err));
	else if (!k->quiet)
		fprintf(stderr, "keysh: --atomic: rolled back %zu change%s\n", n,
			n == 1 ? "" : "s");
}

static const struct pfk_run_ops script_ops = {
	.connect = on_connect,
	.stmt = on_stmt,
	.parsed = on_parsed,
	.syntax = on_syntax,
	.fail = on_fail,
	.lost = on_lost,
	.rolled_back = on_rolled_back,
};

static const struct pfk_run_ops typed_ops = {
	.connect = on_connect,
	.stmt = on_typed,
	.parsed = on_parsed,
	.syntax = on_typed_syntax,
	.fail = on_fail,
};

/*
 * How a script runs: the outermost one (a text, or the -f list) pipelined
 * unless -v, --atomic, -n or --undo; --atomic makes it all or nothing (one
 * journal: loads and the files of a list run inside it) and stops a
 * loaded file at its first failure too; -n only parses (with --undo it
 * prints the removals).
 */
static unsigned int script_flags(const struct ksh *k)
{
	bool outer = k->load_depth == 0;
	unsigned int f = 0;

	if (outer && !k->verbose && !k->atomic && !k->dry_run && !k->undo)
		f |= PFK_RUN_PIPELINE;
	if (outer && k->atomic && !k->dry_run)
		f |= PFK_RUN_ATOMIC;
	if (k->atomic)
		f |= PFK_RUN_STOP;
	if (k->dry_run && !k->undo)
		f |= PFK_RUN_NOEXEC;
	return f;
}

int ksh_run_text(struct ksh *k, const char *file, const char *text, size_t len)
{
	struct pfk_runner *r = pfk_runner_new(&script_ops, k, script_flags(k), MAX_SYNTAX_ERRS);
	int ret;

	if (!r)
		return KSH_EXIT_FAILED;
	k->file = file;
	ret = pfk_runner_add(r, file, text, len);
	if (ret)
		ret = ret < 0 ? KSH_EXIT_FAILED : KSH_EXIT_USAGE;
	else
		ret = pfk_runner_run(r);
	fflush(stdout);
	pfk_runner_free(r);
	return ret;
}

int ksh_run_typed(struct ksh *k, const char *text, size_t len)
{
	struct pfk_runner *r = pfk_runner_new(&typed_ops, k,
					      PFK_RUN_EACH | (k->dry_run ? PFK_RUN_NOEXEC : 0), 0);
	int ret;

	if (!r)
		return 0;
	k->file = NULL;	/* typed: errors carry no "<stdin>:1:" */
	pfk_runner_text(r, NULL, text, len);
	ret = pfk_runner_exited(r) ? -1 : 0;
	pfk_runner_free(r);
	return ret;
}

/*
 * Several -f files: all read and parsed first (a syntax error or an
 * unreadable file in any of them changes nothing), then run in order as one
 * script, errors naming FILE:LINE; with --atomic one journal covers them
 * all, so a failure in the last file also undoes the first.
 */
int ksh_run_files(struct ksh *k, const char *const *paths, size_t n)
{
	struct pfk_runner *r = pfk_runner_new(&script_ops, k, script_flags(k), MAX_SYNTAX_ERRS);
	char **texts;
	size_t *lens, i;
	int ret = KSH_EXIT_OK, nerr = 0;

	texts = calloc(n, sizeof(*texts));
	lens = calloc(n, sizeof(*lens));
	if (!texts || !lens || !r) {
		ret = KSH_EXIT_FAILED;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *name = strcmp(paths[i], "-") ? paths[i] : "<stdin>";

		ret = ksh_read_file(paths[i], &texts[i], &lens[i]);
		if (ret) {
			fprintf(stderr, "keysh: %s: %s\n", paths[i], strerror(-ret));
			ret = KSH_EXIT_USAGE;
			goto out;
		}
		k->file = name;
		ret = pfk_runner_add(r, name, texts[i], lens[i]);
		if (ret < 0) {
			ret = KSH_EXIT_FAILED;
			goto out;
		}
		nerr += ret;
	}
	ret = nerr ? KSH_EXIT_USAGE : pfk_runner_run(r);
	fflush(stdout);
out:
	pfk_runner_free(r);
	for (i = 0; texts && lens && i < n; i++) {
		if (texts[i]) {
			explicit_bzero(texts[i], lens[i]);
			free(texts[i]);
		}
	}
	free(texts);
	free(lens);
	return ret;
}
