// SPDX-License-Identifier: BSD-2-Clause
/*
 * dump.c: SADB/SPD listings in the three output forms (setkey -D/-DP text,
 * --json lines, --script statements that read back with -f), setkey's -l
 * loop, and `save FILE` (a restorable script, created 0600). Entries come
 * sorted from pfk_exec_dump: by dst, proto, SPI (SPD: direction, id).
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <time.h>
#include <signal.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include "ksh.h"

static uint64_t now_secs(void)
{
	return (uint64_t)time(NULL);
}

void ksh_dump_print(struct ksh *k, const struct pfk_msg *m, bool spd)
{
	unsigned int flags = ksh_render_flags(k);

	switch (k->out) {
	case KSH_OUT_JSON:
		pfk_render_json(stdout, m, flags);
		fputc('\n', stdout);
		break;
	case KSH_OUT_SCRIPT:
		if (spd)
			pfk_render_script_policy(stdout, &m->pol);
		else if (m->sa.state != PFK_STATE_LARVAL)
			pfk_render_script_sa(stdout, &m->sa, k->show_keys);
		break;
	default:
		if (spd)
			pfk_render_policy_setkey(stdout, m, flags, now_secs());
		else
			pfk_render_sa_setkey(stdout, m, flags, now_secs());
		break;
	}
}

int ksh_dump(struct ksh *k, bool spd, enum pfk_satype t)
{
	struct pfk_dump d;
	struct pfk_msg *m;
	size_t i, shown = 0;
	int ret;

	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	ret = pfk_exec_dump(&k->exec, spd, t, &d);
	if (ret)
		goto out;
	if (k->out == KSH_OUT_SCRIPT && !spd && !k->show_keys && d.n)
		printf("# keys omitted (written without -K): this script cannot be loaded;\n"
		       "# keysh -K --script -D (or save FILE) writes one that can.\n");
	for (i = 0; i < d.n; i++) {
		ret = pfk_parse(d.v[i].raw, d.v[i].len, m);
		if (ret)
			break;
		if (!spd && !k->all && m->sa.state == PFK_STATE_DEAD) {
			pfk_msg_wipe(m);
			continue;
		}
		ksh_dump_print(k, m, spd);
		pfk_msg_wipe(m);
		shown++;
	}
	pfk_dump_free(&d);
	if (!ret && !shown && k->out == KSH_OUT_TEXT)
		printf("%s\n", spd ? "No SPD entries." : "No SAD entries.");
out:
	free(m);
	fflush(stdout);
	return ret;
}

static volatile sig_atomic_t loop_stop;

static void on_int(int sig)
{
	(void)sig;
	loop_stop = 1;
}

/* setkey -l: the short listing every second until interrupted. */
int ksh_dump_loop(struct ksh *k, enum pfk_satype t)
{
	struct sigaction sa = { .sa_handler = on_int };
	struct pfk_msg *m = malloc(sizeof(*m));
	struct pfk_dump d;
	size_t i;
	int ret = 0;

	if (!m)
		return -ENOMEM;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!loop_stop) {
		time_t now = time(NULL);
		struct tm tm;

		ret = pfk_exec_dump(&k->exec, false, t, &d);
		if (ret)
			break;
		localtime_r(&now, &tm);
		printf("time p   s spi      ltime   src -> dst\n");
		for (i = 0; i < d.n; i++) {
			char s[64], dd[64], st;
			const struct pfk_sa *a;
			uint64_t age;

			if (pfk_parse(d.v[i].raw, d.v[i].len, m))
				continue;
			a = &m->sa;
			if (pfk_addr_format(s, sizeof(s), &a->src, 0) < 0)
				snprintf(s, sizeof(s), "?");
			if (pfk_addr_format(dd, sizeof(dd), &a->dst, 0) < 0)
				snprintf(dd, sizeof(dd), "?");
			st = a->state == PFK_STATE_LARVAL ? 'L' : a->state == PFK_STATE_MATURE ? 'M' :
			     a->state == PFK_STATE_DYING ? 'D' : 'd';
			age = (a->has & PFK_SA_HAS_CUR) && a->cur.addtime &&
			      (uint64_t)now > a->cur.addtime ? (uint64_t)now - a->cur.addtime : 0;
			printf("%02d%02d %-3s %c %08x %3llu/%-3llu %s -> %s\n", tm.tm_min, tm.tm_sec,
			       pfk_satype_name(a->satype), st, a->spi, (unsigned long long)age,
			       (unsigned long long)(a->has & PFK_SA_HAS_HARD ? a->hard.addtime : 0),
			       s, dd);
			pfk_msg_wipe(m);
		}
		pfk_dump_free(&d);
		fflush(stdout);
		if (!loop_stop)
			sleep(1);
	}
	free(m);
	return ret;
}

int ksh_save(struct ksh *k, const char *path)
{
	enum ksh_out saved = k->out;
	bool keys = k->show_keys;
	struct pfk_file pf;
	int ret, out_fd;

	ret = pfk_file_open(&pf, path);
	if (ret)
		goto err;
	fflush(stdout);
	out_fd = dup(1);
	if (out_fd < 0 || dup2(pf.fd, 1) < 0) {
		ret = -errno;
		if (out_fd >= 0)
			close(out_fd);
		pfk_file_abort(&pf);
		goto err;
	}
	printf("# keysh save: restore with keysh -f %s (into an empty SADB/SPD)\n", path);
	k->out = KSH_OUT_SCRIPT;
	k->show_keys = true;	/* a save restores: keys always (the file is 0600) */
	ret = ksh_dump(k, false, PFK_SATYPE_UNSPEC);
	if (!ret)
		ret = ksh_dump(k, true, PFK_SATYPE_UNSPEC);
	k->out = saved;
	k->show_keys = keys;
	if (fflush(stdout) && !ret)
		ret = -errno;
	dup2(out_fd, 1);
	close(out_fd);
	if (ret) {
		pfk_file_abort(&pf);
		goto err;
	}
	ret = pfk_file_commit(&pf);
	if (ret)
		goto err;
	return 0;
err:
	if (ret == -EPERM)
		ksh_error(k, 0, 0, ret, "save %s: the file belongs to another user: not replaced",
			  path);
	else
		ksh_error(k, 0, 0, ret, "save %s: %s (%s)", path, strerror(-ret),
			  strerrorname_np(-ret) ? strerrorname_np(-ret) : "?");
	return ret;
}
