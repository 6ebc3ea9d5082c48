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
	if (!k->algs_known && k->connected && !k->exec.npend && !k->exec.nq) {
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

/*
 * Scripts are parsed once. Pass 1 parses every statement (a syntax error
 * anywhere changes nothing and exits 2) and records where each one starts;
 * for a statement that can be pipelined it also builds the request into an
 * arena, so pass 2 of a 100k-line batch is only sending prebuilt requests
 * (pfk_exec_submit_msg: windowed, sent in sendmmsg batches, replies matched
 * by seq). Any other statement is parsed again from its recorded position
 * when its turn comes, and so is a pipelined one whose request failed: its
 * error line is then exact (FILE:LINE, the statement described) without
 * keeping 100k parsed statements around. The arena holds keys: wiped before
 * it is freed; past ARENA_MAX statements are simply built when sent.
 */
#define ARENA_MAX (64u << 20)
#define CHUNK_SIZE (1u << 20)

struct pre {
	size_t src;		/* offset where lexing the statement starts */
	int line, col;
	uint8_t *msg;		/* prebuilt request in the arena, or NULL */
	size_t len;
};

/* The arena: 1 MiB chunks, never moved (pre.msg points into them). */
struct chunk {
	struct chunk *next;
	size_t used;
	uint8_t data[];
};

struct batch {
	const char *text;
	size_t len;
	struct pre *v;
	size_t n, cap;
	struct chunk *chunks;	/* newest first */
	size_t arena;		/* bytes allocated */
	uint8_t *scratch;	/* PFKM_MSG_MAX: a request is built here first */
	bool failed;
};

static void batch_free(struct batch *b)
{
	struct chunk *c, *next;

	for (c = b->chunks; c; c = next) {
		next = c->next;
		explicit_bzero(c->data, c->used);
		free(c);
	}
	free(b->scratch);
	free(b->v);
	memset(b, 0, sizeof(*b));
}

/* Parse statement i again (it parsed in pass 1). */
static int reparse(const struct batch *b, size_t i, struct pfk_stmt *st)
{
	struct pfk_lex lx;
	struct pfk_err e;

	pfk_lex_init(&lx, b->text + b->v[i].src, b->len - b->v[i].src, b->v[i].line);
	lx.col = b->v[i].col;
	return pfk_stmt_parse(&lx, st, &e) == 1 ? 0 : -EINVAL;
}

static void on_done(void *ctx, size_t tag, int err)
{
	struct ksh *k = ctx;
	struct batch *b = k->batch;
	struct pfk_stmt st;

	if (!err)
		return;
	b->failed = true;
	if (ksh_backend_lost(k, err))
		return;
	if (reparse(b, tag, &st)) {
		ksh_error(k, b->v[tag].line, 0, err, "%s (%s)", strerror(-err),
			  strerrorname_np(-err));
		return;
	}
	backend_err(k, &st, err);
	pfk_stmt_wipe(&st);
}

static int pre_push(struct batch *b, const struct pfk_lex *lx)
{
	struct pre *p;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct pre *nv = realloc(b->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		b->v = nv;
		b->cap = cap;
	}
	p = &b->v[b->n++];
	/* Where the next statement's first token starts (a peeked token has
	 * been scanned already: start from it). */
	if (lx->has_peek) {
		p->src = (size_t)(lx->peeked.src - b->text);
		p->line = lx->peeked.line;
		p->col = lx->peeked.col;
	} else {
		p->src = (size_t)(lx->p - b->text);
		p->line = lx->line;
		p->col = lx->col;
	}
	p->msg = NULL;
	p->len = 0;
	return 0;
}

/* The request of a pipelinable statement, appended to the arena. Failing
 * to prebuild is not an error: the statement is built when it is sent. */
static void prebuild(struct batch *b, const struct pfk_stmt *st, struct pre *p)
{
	struct chunk *c = b->chunks;
	struct pfk_buf pb;
	size_t need;
	int ret;

	if (!b->scratch && !(b->scratch = malloc(PFKM_MSG_MAX)))
		return;
	pb.p = b->scratch;
	pb.cap = PFKM_MSG_MAX;
	pb.len = 0;
	ret = pfk_exec_build(st, &pb, 0, 0);
	if (ret <= 0)
		return;
	need = ((size_t)ret + 7) & ~(size_t)7;
	if (!c || CHUNK_SIZE - sizeof(*c) - c->used < need) {
		size_t sz = need > CHUNK_SIZE - sizeof(*c) ? sizeof(*c) + need : CHUNK_SIZE;

		if (b->arena + sz > ARENA_MAX || !(c = malloc(sz)))
			goto out;
		c->next = b->chunks;
		c->used = 0;
		b->chunks = c;
		b->arena += sz;
	}
	p->msg = c->data + c->used;
	p->len = (size_t)ret;
	memcpy(p->msg, b->scratch, (size_t)ret);
	c->used += need;
out:
	explicit_bzero(b->scratch, (size_t)ret);
}

/* Pass 1: parse everything; record statements (and prebuild requests when
 * pipelining). Prints up to MAX_SYNTAX_ERRS errors; returns their number,
 * or -ENOMEM. */
static int prepare(struct ksh *k, struct batch *b, bool pipeline)
{
	struct pfk_err errs[MAX_SYNTAX_ERRS];
	struct pfk_stmt st;
	struct pfk_lex lx;
	int ret, nerr = 0, i;

	pfk_lex_init(&lx, b->text, b->len, 1);
	for (;;) {
		if (!nerr && pre_push(b, &lx))
			return -ENOMEM;
		memset(&errs[nerr < MAX_SYNTAX_ERRS ? nerr : 0], 0, sizeof(errs[0]));
		ret = pfk_stmt_parse(&lx, &st, &errs[nerr < MAX_SYNTAX_ERRS ? nerr : 0]);
		if (ret == 0) {
			if (!nerr)
				b->n--;		/* the end, not a statement */
			break;
		}
		if (ret > 0) {
			if (!k->quiet)
				ksh_warn_stmt(k, &st);
			if (!nerr && pipeline && pfk_exec_pipelinable(&k->exec, &st))
				prebuild(b, &st, &b->v[b->n - 1]);
			pfk_stmt_wipe(&st);
			continue;
		}
		if (++nerr >= MAX_SYNTAX_ERRS)
			break;
	}
	for (i = 0; i < nerr; i++)
		ksh_print_err(k, &errs[i], NULL);
	return nerr;
}

/* --atomic: one journal for the outermost script (or -f list); loads and
 * the files of a list run inside it. */
static int atomic_begin(struct ksh *k)
{
	int ret = need_backend(k);

	if (ret)
		return ret;
	k->exec.journal = true;
	pfk_exec_journal_clear(&k->exec);
	return 0;
}

static void atomic_end(struct ksh *k, bool failed)
{
	if (failed) {
		size_t undo = k->exec.nundo;
		int ret = pfk_exec_rollback(&k->exec);

		if (ret)
			fprintf(stderr, "keysh: --atomic: rollback incomplete: %s (%s)\n",
				strerror(-ret), strerrorname_np(-ret));
		else if (!k->quiet)
			fprintf(stderr, "keysh: --atomic: rolled back %zu change%s\n", undo,
				undo == 1 ? "" : "s");
	}
	pfk_exec_journal_clear(&k->exec);
	k->exec.journal = false;
}

int ksh_run_text(struct ksh *k, const char *file, const char *text, size_t len)
{
	struct batch b = { .text = text, .len = len };
	struct batch *saved = k->batch;
	struct pfk_stmt st;
	size_t i;
	int ret, failed = 0;
	/* Nested loads run one by one (the outer batch owns the window). */
	bool pipeline = !k->verbose && !k->atomic && !k->dry_run && !k->undo &&
			k->load_depth == 0;
	bool outer_atomic = k->atomic && k->load_depth == 0 && !k->dry_run;

	k->file = file;
	ret = prepare(k, &b, pipeline);
	if (ret) {
		batch_free(&b);
		return ret < 0 ? KSH_EXIT_FAILED : KSH_EXIT_USAGE;
	}
	if (k->dry_run && !k->undo) {
		batch_free(&b);
		return KSH_EXIT_OK;
	}
	if (outer_atomic) {
		ret = atomic_begin(k);
		if (ret) {
			batch_free(&b);
			return ret;
		}
	}
	if (pipeline)
		k->batch = &b;
	for (i = 0; i < b.n; i++) {
		if (b.v[i].msg) {
			/* Prebuilt: only pipelinable statements are. */
			if (need_backend(k)) {
				ret = KSH_EXIT_BACKEND;
				goto out;
			}
			k->exec.on_done = on_done;
			k->file = file;
			ret = pfk_exec_submit_msg(&k->exec, b.v[i].msg, b.v[i].len, i);
			if (ret)
				on_done(k, i, ret);
			if (k->lost)
				goto lost;
			continue;
		}
		if (reparse(&b, i, &st))
			break;	/* cannot happen: it parsed in pass 1 */
		if (pipeline && pfk_exec_pipelinable(&k->exec, &st)) {
			/* Past the arena's limit: built and sent now. */
			if (need_backend(k)) {
				pfk_stmt_wipe(&st);
				ret = KSH_EXIT_BACKEND;
				goto out;
			}
			k->exec.on_done = on_done;
			k->file = file;
			ret = pfk_exec_submit(&k->exec, &st, i);
			pfk_stmt_wipe(&st);
			if (ret)
				on_done(k, i, ret);
			if (k->lost)
				goto lost;
			continue;
		}
		/* Anything else waits for the batch so far (order of effects and
		 * of messages is the script's). */
		if (k->connected && (k->exec.npend || k->exec.nq))
			pfk_exec_drain(&k->exec);
		k->file = file;
		ret = k->undo ? ksh_undo_run(k, &st) : ksh_run_stmt(k, &st);
		pfk_stmt_wipe(&st);
		if (k->lost)
			goto lost;
		if (ret < 0)
			break;
		if (ret > 0) {
			failed = 1;
			if (!k->connected && !k->dry_run && st.cmd != PFK_CMD_HELP &&
			    st.cmd != PFK_CMD_LOAD && st.cmd != PFK_CMD_SET && !k->atomic) {
				ret = KSH_EXIT_BACKEND;
				goto out;
			}
			if (k->atomic)
				break;
		}
	}
	if (k->connected && k->exec.npend)
		pfk_exec_drain(&k->exec);
	if (k->lost)
		goto lost;
	if (b.failed)
		failed = 1;
	if (outer_atomic)
		atomic_end(k, failed);
	ret = failed ? KSH_EXIT_FAILED : KSH_EXIT_OK;
	goto out;
lost:
	/* The engine is gone with whatever the script had done so far: no
	 * rollback is possible and nothing after this can run. */
	ret = KSH_EXIT_BACKEND;
out:
	if (k->connected && !k->lost && k->exec.npend)
		pfk_exec_drain(&k->exec);
	fflush(stdout);
	k->batch = saved;
	batch_free(&b);
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
	char **texts;
	size_t *lens, i;
	int ret = KSH_EXIT_OK, nerr = 0;
	bool failed = false, atomic = k->atomic && !k->dry_run;

	texts = calloc(n, sizeof(*texts));
	lens = calloc(n, sizeof(*lens));
	if (!texts || !lens) {
		ret = KSH_EXIT_FAILED;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *name = strcmp(paths[i], "-") ? paths[i] : "<stdin>";
		struct batch b;

		ret = ksh_read_file(paths[i], &texts[i], &lens[i]);
		if (ret) {
			fprintf(stderr, "keysh: %s: %s\n", paths[i], strerror(-ret));
			ret = KSH_EXIT_USAGE;
			goto out;
		}
		memset(&b, 0, sizeof(b));
		b.text = texts[i];
		b.len = lens[i];
		k->file = name;
		ret = prepare(k, &b, false);
		batch_free(&b);
		if (ret < 0) {
			ret = KSH_EXIT_FAILED;
			goto out;
		}
		nerr += ret;
	}
	if (nerr) {
		ret = KSH_EXIT_USAGE;
		goto out;
	}
	ret = KSH_EXIT_OK;
	if (k->dry_run && !k->undo)
		goto out;
	if (atomic) {
		ret = atomic_begin(k);
		if (ret)
			goto out;
	}
	k->load_depth++;
	for (i = 0; i < n; i++) {
		ret = ksh_run_text(k, strcmp(paths[i], "-") ? paths[i] : "<stdin>", texts[i],
				   lens[i]);
		if (ret != KSH_EXIT_OK)
			failed = true;
		if (ret == KSH_EXIT_BACKEND || (failed && atomic))
			break;
	}
	k->load_depth--;
	if (atomic)
		atomic_end(k, failed);
	if (failed && ret == KSH_EXIT_OK)
		ret = KSH_EXIT_FAILED;
out:
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
