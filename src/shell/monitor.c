// SPDX-License-Identifier: BSD-2-Clause
/*
 * monitor.c: `keysh -x` / `monitor`. Registers for every SA type (so
 * ACQUIRE/EXPIRE/REGISTER broadcasts arrive), optionally turns on
 * X_PROMISC, then prints each message: setkey -x blocks (timestamp, -H hex
 * dump, kdebug layout) or one JSON object per line with a "time" member.
 * stdout is flushed whenever no further event is waiting, so pipes see
 * events at once. Receive-buffer
 * overflows (the transport counts ENOBUFS) are printed as they are noticed
 * and in a final summary: losses are never silent. keyd drops a broadcast
 * when our queue is full without telling the socket, so with keyd the
 * monitor also asks keyd's control socket (PATH.ctl, "stats PID") how many
 * messages keyd could not queue to *this process's* connection, whenever
 * it is idle (and every 4096 messages), and reports any increase. (The
 * global drop counter also counts other clients' losses, e.g. a broadcast
 * to a client that has just exited: reporting those was a spurious LOST.)
 * Keys stay (hidden) unless -K, including in ADD/UPDATE broadcasts.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>
#include <signal.h>
#include <time.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <poll.h>

#include "ksh.h"

static volatile sig_atomic_t mon_stop;

static void on_sig(int sig)
{
	(void)sig;
	mon_stop = 1;
}

int ksh_monitor_filter_type(const char *s, enum pfk_msgtype *out)
{
	unsigned int t;

	for (t = PFK_T_GETSPI; t <= PFK_T_MIGRATE; t++) {
		const char *n = pfk_msgtype_name((enum pfk_msgtype)t);

		if (!n)
			continue;
		if (!strcasecmp(n, s) || (!strncasecmp(n, "X_", 2) && !strcasecmp(n + 2, s))) {
			*out = (enum pfk_msgtype)t;
			return 0;
		}
	}
	return -EINVAL;
}

/* The words after `monitor` in a script: same options as the command line. */
int ksh_monitor_args(struct ksh *k, const char *args, struct pfk_err *err)
{
	char buf[256], *save = NULL, *w;
	struct ksh_monitor_opts *m = &k->mon;

	snprintf(buf, sizeof(buf), "%s", args);
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char *v = NULL;

		if (!strcmp(w, "--promisc")) {
			m->promisc = true;
			continue;
		}
		if (!strcmp(w, "--json")) {
			k->out = KSH_OUT_JSON;
			continue;
		}
		if (!strcmp(w, "--hex")) {
			m->hex = true;
			continue;
		}
		if (!strcmp(w, "--type") || !strcmp(w, "--satype") || !strcmp(w, "--spi") ||
		    !strcmp(w, "--addr") || !strcmp(w, "--count")) {
			v = strtok_r(NULL, " ", &save);
			if (!v) {
				snprintf(err->msg, sizeof(err->msg), "monitor: %s needs a value", w);
				return -EINVAL;
			}
		} else {
			snprintf(err->msg, sizeof(err->msg), "monitor: unknown option '%.64s'", w);
			return -EINVAL;
		}
		if (!strcmp(w, "--type")) {
			if (ksh_monitor_filter_type(v, &m->type)) {
				snprintf(err->msg, sizeof(err->msg), "monitor: unknown message type '%.64s'", v);
				return -EINVAL;
			}
		} else if (!strcmp(w, "--satype")) {
			uint32_t o = 0;

			if (pfk_stmt_proto(v, &m->satype, &o, err))
				return -EINVAL;
		} else if (!strcmp(w, "--spi")) {
			if (pfk_stmt_spi(v, PFK_SATYPE_UNKNOWN, &m->spi, err))
				return -EINVAL;
			m->has_spi = true;
		} else if (!strcmp(w, "--addr")) {
			if (pfk_stmt_addr(v, true, 0, &m->addr, err))
				return -EINVAL;
			m->has_addr = true;
		} else {
			char *end;

			m->count = strtol(v, &end, 10);
			if (*end || m->count < 0) {
				snprintf(err->msg, sizeof(err->msg), "monitor: invalid count '%.64s'", v);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* --addr ADDR[/PLEN]: a in the filter's subnet (one address: /32, /128). */
static bool addr_is(const struct pfk_addr *a, const struct pfk_addr *want)
{
	unsigned int bits = want->prefixlen, whole = bits / 8, rest = bits % 8;

	if (a->family != want->family)
		return false;
	if (memcmp(a->a.bytes, want->a.bytes, whole))
		return false;
	return !rest || !((a->a.bytes[whole] ^ want->a.bytes[whole]) & (0xff00u >> rest));
}

static bool wanted(const struct ksh_monitor_opts *o, const struct pfk_msg *m)
{
	if (o->type && m->type != o->type)
		return false;
	if (o->satype && m->satype != o->satype)
		return false;
	if (o->has_spi && (!(m->sa.has & PFK_SA_HAS_SA) || m->sa.spi != o->spi))
		return false;
	if (o->has_addr && !addr_is(&m->sa.src, &o->addr) && !addr_is(&m->sa.dst, &o->addr) &&
	    !addr_is(&m->pol.src, &o->addr) && !addr_is(&m->pol.dst, &o->addr))
		return false;
	return true;
}

static void hexdump(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i % 16 == 0)
			printf("%s%08zx:", i ? "\n" : "", i);
		printf(" %02x", p[i]);
	}
	printf("\n");
}

static void report_lost(struct ksh *k, uint64_t n)
{
	if (k->out == KSH_OUT_JSON)
		printf("{\"type\":\"LOST\",\"count\":%llu}\n", (unsigned long long)n);
	fprintf(stderr, "keysh: monitor: %llu message%s lost (receive buffer overflow)\n",
		(unsigned long long)n, n == 1 ? "" : "s");
}

/* What keyd could not queue to our connection, from PATH.ctl; -1 when
 * unavailable (kernel backend, or a keyd without "stats PID"). */
static long long keyd_drops(const struct ksh *k)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct pollfd pfd;
	char buf[256], req[32], *p;
	size_t n = 0;
	ssize_t r;
	int fd, rl;

	if (k->conn.backend != PFK_BACKEND_KEYD ||
	    (size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s.ctl", k->conn.path) >=
	    sizeof(sun.sun_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rl = snprintf(req, sizeof(req), "stats %u\n", (unsigned int)getpid());
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    write(fd, req, (size_t)rl) != rl) {
		close(fd);
		return -1;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (n < sizeof(buf) - 1 && poll(&pfd, 1, 1000) > 0) {
		r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		if (memchr(buf, '\n', n))
			break;
	}
	close(fd);
	buf[n] = '\0';
	p = strstr(buf, " drops=");
	if (strncmp(buf, "ok ", 3) != 0 || !p)
		return -1;
	return strtoll(p + 7, NULL, 10);
}

/* JSON events are rendered into one memory stream kept for the whole
 * monitor (rewound per event), then merged with the timestamp. */
struct jbuf {
	FILE *f;
	char *p;
	size_t len;
};

static void jbuf_close(struct jbuf *j)
{
	if (j->f)
		fclose(j->f);
	if (j->p)
		explicit_bzero(j->p, j->len);
	free(j->p);
	memset(j, 0, sizeof(*j));
}

static void show(struct ksh *k, struct jbuf *j, const struct pfk_msg *m, const uint8_t *raw,
		 size_t len)
{
	struct timeval tv;
	unsigned int flags = ksh_render_flags(k);

	gettimeofday(&tv, NULL);
	if (k->out == KSH_OUT_JSON) {
		if (!j->f)
			j->f = open_memstream(&j->p, &j->len);
		if (!j->f)
			return;
		rewind(j->f);
		pfk_render_json(j->f, m, flags);
		fflush(j->f);	/* j->len = what this event wrote */
		/* Merge the timestamp into the message object. */
		printf("{\"time\":%lld.%06ld,", (long long)tv.tv_sec, (long)tv.tv_usec);
		if (j->len > 1 && j->p[0] == '{')
			fwrite(j->p + 1, 1, j->len - 1, stdout);
		else
			fputc('}', stdout);
		fputc('\n', stdout);
		explicit_bzero(j->p, j->len);
		return;
	}
	if (k->mon.ts == 2) {
		printf("%lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);
	} else {
		struct tm tm;
		time_t t = tv.tv_sec;

		localtime_r(&t, &tm);
		printf("%02d:%02d:%02d.%06ld\n", tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv.tv_usec);
	}
	if (k->mon.hex) {
		if (k->show_keys || (m->sa.has & (PFK_SA_HAS_AUTH_KEY | PFK_SA_HAS_ENC_KEY)) == 0)
			hexdump(raw, len);
		else
			printf("(hex dump hidden: the message carries keys; use -K)\n");
	}
	pfk_render_debug(stdout, raw, len, flags);
	printf("\n");
}

static int setup(struct ksh *k)
{
	static const enum pfk_satype types[] = { PFK_SATYPE_ESP, PFK_SATYPE_AH, PFK_SATYPE_IPCOMP };
	struct pfk_buf b = { .p = k->exec.sbuf, .cap = PFKM_MSG_MAX };
	void (*saved)(void *, const struct pfk_stmt *, const struct pfk_msg *, const void *, size_t);
	size_t i;
	int ret;

	saved = k->exec.on_result;
	k->exec.on_result = NULL;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ret = pfk_build_register(&b, types[i], k->conn.seq++, k->conn.pid);
		if (ret < 0)
			return ret;
		ret = pfk_exec_request(&k->exec, (size_t)ret, NULL);
		if (ret < 0 && ret != -EEXIST)
			return ret;
	}
	if (k->mon.promisc) {
		ret = pfk_build_promisc(&b, true, k->conn.seq++, k->conn.pid);
		if (ret < 0)
			return ret;
		ret = pfk_exec_request(&k->exec, (size_t)ret, NULL);
		if (ret < 0)
			return ret;
	}
	k->exec.on_result = saved;
	return 0;
}

int ksh_monitor(struct ksh *k)
{
	struct sigaction sa = { .sa_handler = on_sig }, old_int, old_term;
	struct pfk_msg *m = malloc(sizeof(*m));
	struct jbuf j = { 0 };
	uint64_t lost_seen, total;
	long long drops_base, drops_seen;
	unsigned int since_poll = 0;
	long shown = 0;
	int ret, n;

	if (!m)
		return -ENOMEM;
	/* Flushed whenever no further event is queued (below): a pipe sees
	 * each event as soon as we have caught up, in one write per burst
	 * rather than one per line while events pour in. */
	fflush(stdout);
	ret = setup(k);
	if (ret) {
		fprintf(stderr, "keysh: monitor: %s (%s)\n", strerror(-ret), strerrorname_np(-ret));
		free(m);
		return ret;
	}
	/* Ctrl-C ends the monitor; the interactive shell's own handler (which
	 * cancels a line) is put back afterwards. */
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	mon_stop = 0;
	lost_seen = k->conn.lost;
	drops_base = drops_seen = keyd_drops(k);
	while (!mon_stop) {
		n = pfk_conn_recv(&k->conn, k->exec.buf, PFKM_MSG_MAX, 0);
		if (n == -ETIMEDOUT) {
			fflush(stdout);
			n = pfk_conn_recv(&k->conn, k->exec.buf, PFKM_MSG_MAX, 200);
		}
		if (k->conn.lost != lost_seen) {
			report_lost(k, k->conn.lost - lost_seen);
			lost_seen = k->conn.lost;
		}
		if (n == -ETIMEDOUT || n == -EINTR || (drops_seen >= 0 && ++since_poll >= 4096)) {
			/* Idle (or busy for long): has keyd dropped anything? */
			long long d = drops_seen >= 0 ? keyd_drops(k) : -1;

			since_poll = 0;
			if (d > drops_seen) {
				report_lost(k, (uint64_t)(d - drops_seen));
				drops_seen = d;
			}
			if (n == -ETIMEDOUT || n == -EINTR)
				continue;
		}
		if (n < 0) {
			ret = n;
			if (!ksh_backend_lost(k, n))
				fprintf(stderr, "keysh: monitor: %s (%s)\n", strerror(-n),
					strerrorname_np(-n));
			break;
		}
		if (pfk_parse(k->exec.buf, (size_t)n, m)) {
			memset(m, 0, sizeof(*m));
			if (k->mon.type || k->mon.satype || k->mon.has_spi || k->mon.has_addr)
				continue;
		} else if (!wanted(&k->mon, m)) {
			pfk_msg_wipe(m);
			continue;
		}
		/* Linux's UPDATE broadcast describes the replaced copy of the SA,
		 * already dead (xfrm_state_update); pfkeyv2 and keyd send the same
		 * bytes. The SA itself is mature: the JSON says so (the -x block
		 * prints the wire as it is). */
		if (m->type == PFK_T_UPDATE && !m->errno_ && m->sa.state == PFK_STATE_DEAD)
			m->sa.state = PFK_STATE_MATURE;
		show(k, &j, m, k->exec.buf, (size_t)n);
		pfk_msg_wipe(m);
		explicit_bzero(k->exec.buf, (size_t)n);
		if (k->mon.count && ++shown >= k->mon.count)
			break;
	}
	if (drops_seen >= 0) {
		long long d = keyd_drops(k);
		int tries;

		/* The last word on losses: retried, as keyd may be busy. */
		for (tries = 0; d < 0 && tries < 3; tries++)
			d = keyd_drops(k);

		if (d > drops_seen) {
			report_lost(k, (uint64_t)(d - drops_seen));
			drops_seen = d;
		}
	}
	total = k->conn.lost + (uint64_t)(drops_seen > drops_base ? drops_seen - drops_base : 0);
	if (total)
		fprintf(stderr, "keysh: monitor: %llu message%s lost in total\n",
			(unsigned long long)total, total == 1 ? "" : "s");
	fflush(stdout);
	jbuf_close(&j);
	free(m);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return ret;
}
