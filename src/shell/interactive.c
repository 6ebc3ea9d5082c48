// SPDX-License-Identifier: BSD-2-Clause
/*
 * interactive.c: the libedit loop. The prompt names the backend; a
 * statement may span lines until its ';' (continuation prompt "...> ").
 * Each complete statement goes through the same runner as scripts
 * (ksh_run_typed: libpfkey's, each statement run as it parses); errors
 * get a caret line. History lives in ~/.keysh_history
 * ($KEYSH_HISTFILE overrides), created 0600, and key material is redacted
 * (pfk_lex_redact) before a line enters the history at all. Tab runs
 * complete.c on the pending statement plus the current line.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <histedit.h>

#include "ksh.h"

struct session {
	struct ksh *k;
	EditLine *el;
	History *hist;
	char prompt[64];
	char *pending;		/* lines typed so far of an unfinished statement */
	size_t plen;
	char hist_path[PATH_MAX];
};

static struct session *cur;

static char *prompt_fn(EditLine *el)
{
	(void)el;
	return cur->prompt;
}

struct comp {
	char words[256][64];
	unsigned int n;
};

static void collect(void *ctx, const char *w)
{
	struct comp *c = ctx;

	if (c->n < 256)
		snprintf(c->words[c->n++], sizeof(c->words[0]), "%s", w);
}

static unsigned char complete_fn(EditLine *el, int ch)
{
	const LineInfo *li = el_line(el);
	size_t cur_len = (size_t)(li->cursor - li->buffer);
	size_t total = cur->plen + cur_len + 1;
	struct comp *c;
	char *line;
	const char *start;
	size_t wlen, common, i;

	(void)ch;
	line = malloc(total);
	c = calloc(1, sizeof(*c));
	if (!line || !c) {
		free(line);
		free(c);
		return CC_ERROR;
	}
	memcpy(line, cur->pending ? cur->pending : "", cur->plen);
	memcpy(line + cur->plen, li->buffer, cur_len);
	line[total - 1] = '\0';
	ksh_complete(cur->k, line, collect, c);
	for (start = li->cursor; start > li->buffer && start[-1] != ' ' && start[-1] != '\t' &&
	     start[-1] != ';'; start--)
		;
	wlen = (size_t)(li->cursor - start);
	free(line);
	if (c->n == 0) {
		free(c);
		return CC_ERROR;
	}
	if (c->n == 1) {
		char add[80];

		snprintf(add, sizeof(add), "%s%s", c->words[0] + wlen,
			 c->words[0][strlen(c->words[0]) - 1] == '/' ? "" : " ");
		el_insertstr(el, add);
		free(c);
		return CC_REFRESH;
	}
	common = strlen(c->words[0]);
	for (i = 1; i < c->n; i++) {
		size_t j = 0;

		while (j < common && c->words[i][j] == c->words[0][j])
			j++;
		common = j;
	}
	if (common > wlen) {
		char add[80];

		snprintf(add, sizeof(add), "%.*s", (int)(common - wlen), c->words[0] + wlen);
		el_insertstr(el, add);
		free(c);
		return CC_REFRESH;
	}
	fputc('\n', stdout);
	for (i = 0; i < c->n; i++)
		printf("%s%s", c->words[i], i + 1 < c->n ? "  " : "\n");
	fflush(stdout);
	free(c);
	return CC_REDISPLAY;
}

static void history_file(struct session *s)
{
	const char *env = getenv("KEYSH_HISTFILE"), *home = getenv("HOME");

	s->hist_path[0] = '\0';
	if (env && *env)
		snprintf(s->hist_path, sizeof(s->hist_path), "%s", env);
	else if (home && *home)
		snprintf(s->hist_path, sizeof(s->hist_path), "%s/.keysh_history", home);
}

/* Save with mode 0600, whatever umask says, and never through a symlink. */
static void history_save(struct session *s)
{
	HistEvent ev;
	int fd;

	if (!s->hist_path[0])
		return;
	fd = open(s->hist_path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	fchmod(fd, 0600);
	close(fd);
	history(s->hist, &ev, H_SAVE, s->hist_path);
	chmod(s->hist_path, 0600);
}

static void add_history(struct session *s, const char *stmt)
{
	HistEvent ev;
	size_t n = strlen(stmt) + 1;
	char *red = malloc(n + 64 * 8), *p;

	if (!red)
		return;
	pfk_lex_redact(stmt, red, n + 64 * 8);
	for (p = red; *p; p++)
		if (*p == '\n')
			*p = ' ';
	while (p > red && (p[-1] == ' ' || p[-1] == '\t'))
		*--p = '\0';
	if (*red)
		history(s->hist, &ev, H_ENTER, red);
	free(red);
}

static volatile sig_atomic_t interrupted;

static void on_int(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* "help", "help add", "exit", "quit", "bye" typed without ';' are complete. */
static bool bare_command(const char *text)
{
	static const char *const bare[] = { "help", "exit", "quit", "bye" };
	size_t i, n;

	text += strspn(text, " \t\n");
	n = strcspn(text, " \t\n");
	for (i = 0; i < sizeof(bare) / sizeof(bare[0]); i++)
		if (n == strlen(bare[i]) && !strncmp(text, bare[i], n))
			break;
	if (i == sizeof(bare) / sizeof(bare[0]))
		return false;
	/* help takes one word: nothing else, no quotes, no comment */
	text += n;
	text += strspn(text, " \t");
	if (*text && *text != '\n' && i == 0) {
		text += strcspn(text, " \t\n\";#");
		text += strspn(text, " \t");
	}
	return *text == '\0' || (*text == '\n' && text[1] == '\0');
}

int ksh_interactive(struct ksh *k)
{
	struct sigaction sa_int = { .sa_handler = on_int }, old_int;
	struct session s = { .k = k };
	HistEvent ev;
	const char *line;
	int count, ret;

	k->interactive = true;
	ret = ksh_backend_connect(k);
	if (ret)
		return ret;
	cur = &s;
	snprintf(s.prompt, sizeof(s.prompt), "keysh(%s)> ", pfk_backend_name(k->conn.backend));
	s.el = el_init("keysh", stdin, stdout, stderr);
	s.hist = history_init();
	if (!s.el || !s.hist) {
		fprintf(stderr, "keysh: cannot initialise libedit\n");
		if (s.el)
			el_end(s.el);
		if (s.hist)
			history_end(s.hist);
		return KSH_EXIT_FAILED;
	}
	history(s.hist, &ev, H_SETSIZE, 1000);
	history(s.hist, &ev, H_SETUNIQUE, 1);
	history_file(&s);
	if (s.hist_path[0])
		history(s.hist, &ev, H_LOAD, s.hist_path);
	el_set(s.el, EL_EDITOR, "emacs");
	el_set(s.el, EL_PROMPT, prompt_fn);
	el_set(s.el, EL_HIST, history, s.hist);
	el_set(s.el, EL_ADDFN, "ksh-complete", "complete a keysh word", complete_fn);
	el_set(s.el, EL_BIND, "^I", "ksh-complete", NULL);
	el_set(s.el, EL_SIGNAL, 1);
	el_source(s.el, NULL);
	/* Ctrl-C cancels the line being typed (no SA_RESTART: el_gets returns
	 * with EINTR); it never ends the session. */
	sigemptyset(&sa_int.sa_mask);
	sigaction(SIGINT, &sa_int, &old_int);

	for (;;) {
		size_t n, cut, i;
		bool in_str = false, in_comment = false;
		char *nb;

		interrupted = 0;
		line = el_gets(s.el, &count);
		if (interrupted) {
			/* drop the statement being typed, back to the first prompt */
			fputs("^C\n", stdout);
			fflush(stdout);
			if (s.pending)
				explicit_bzero(s.pending, s.plen);
			s.plen = 0;
			if (s.pending)
				s.pending[0] = '\0';
			el_reset(s.el);
			snprintf(s.prompt, sizeof(s.prompt), "keysh(%s)> ",
				 pfk_backend_name(k->conn.backend));
			continue;
		}
		if (!line || count <= 0) {
			fputc('\n', stdout);
			break;
		}
		n = strlen(line);
		nb = realloc(s.pending, s.plen + n + 1);
		if (!nb)
			break;
		s.pending = nb;
		memcpy(s.pending + s.plen, line, n + 1);
		s.plen += n;
		if (!pfk_lex_complete(s.pending) && bare_command(s.pending)) {
			nb = realloc(s.pending, s.plen + 2);
			if (!nb)
				break;
			s.pending = nb;
			if (s.plen && s.pending[s.plen - 1] == '\n')
				s.plen--;
			memcpy(s.pending + s.plen, ";\n", 3);
			s.plen += 2;
		}
		if (!pfk_lex_complete(s.pending)) {
			bool blank = strspn(s.pending, " \t\n") == s.plen;

			if (blank) {
				s.plen = 0;
				s.pending[0] = '\0';
			}
			snprintf(s.prompt, sizeof(s.prompt), blank ? "keysh(%s)> " : "...> ",
				 pfk_backend_name(k->conn.backend));
			continue;
		}
		/* Run up to the last ';' outside strings and comments. */
		cut = 0;
		for (i = 0; i < s.plen; i++) {
			char c = s.pending[i];

			if (in_comment) {
				in_comment = c != '\n';
			} else if (in_str) {
				if (c == '\\' && i + 1 < s.plen)
					i++;
				else if (c == '"')
					in_str = false;
			} else if (c == '"') {
				in_str = true;
			} else if (c == '#') {
				in_comment = true;
			} else if (c == ';') {
				cut = i + 1;
			}
		}
		{
			char save = s.pending[cut];

			s.pending[cut] = '\0';
			add_history(&s, s.pending);
			s.pending[cut] = save;
		}
		ret = ksh_run_typed(k, s.pending, cut);
		explicit_bzero(s.pending, cut);
		memmove(s.pending, s.pending + cut, s.plen - cut + 1);
		s.plen -= cut;
		/* A blank rest (the newline after ';') starts nothing. */
		if (strspn(s.pending, " \t\n") == s.plen) {
			s.plen = 0;
			s.pending[0] = '\0';
		}
		snprintf(s.prompt, sizeof(s.prompt), "keysh(%s)> ", pfk_backend_name(k->conn.backend));
		if (ret < 0)
			break;
	}
	sigaction(SIGINT, &old_int, NULL);
	history_save(&s);
	if (s.pending) {
		explicit_bzero(s.pending, s.plen);
		free(s.pending);
	}
	el_end(s.el);
	history_end(s.hist);
	cur = NULL;
	return KSH_EXIT_OK;
}
