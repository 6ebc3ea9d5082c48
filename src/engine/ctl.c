// SPDX-License-Identifier: BSD-2-Clause
/*
 * ctl.c: the text commands of the control socket PATH.ctl (a testing aid,
 * see man/keyd.8). A line is
 *   flow out|in|fwd SRC DST PROTO SPORT DPORT BYTES
 *   stats
 *   stats PID
 * and the answer is one line, "ok RESULT" or "err ERRNAME text". A flow is
 * handed to pfkm_net_flow() as if a packet of BYTES bytes had been seen, so
 * ACQUIRE and byte/packet lifetime EXPIREs can be exercised without a kernel.
 * Flow results: ipsec, none, discard (the matching policy's action),
 * nopolicy (-ENOENT), acquire (-EAGAIN: an SA is needed; ACQUIRE sent unless
 * rate-limited).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "keyd.h"

static const struct { const char *name; uint8_t num; } protos[] = {
	{ "any", 0 }, { "icmp", IPPROTO_ICMP }, { "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP }, { "gre", IPPROTO_GRE }, { "esp", IPPROTO_ESP },
	{ "ah", IPPROTO_AH }, { "icmp6", IPPROTO_ICMPV6 }, { "ipv6-icmp", IPPROTO_ICMPV6 },
	{ "sctp", IPPROTO_SCTP },
};

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 0);
	if (errno || *end || *out > max)
		return -EINVAL;
	return 0;
}

static int parse_proto(const char *s, uint8_t *out)
{
	unsigned long v;
	size_t i;

	for (i = 0; i < OS_ARRAY_SIZE(protos); i++)
		if (!strcmp(s, protos[i].name)) {
			*out = protos[i].num;
			return 0;
		}
	if (parse_ulong(s, 255, &v))
		return -EINVAL;
	*out = (uint8_t)v;
	return 0;
}

static int parse_addr(const char *s, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, s, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		return AF_INET6;
	}
	return -EINVAL;
}

static const char *flow_result(int r)
{
	switch (r) {
	case IPSEC_POLICY_DISCARD: return "discard";
	case IPSEC_POLICY_NONE: return "none";
	case IPSEC_POLICY_IPSEC: return "ipsec";
	case -ENOENT: return "nopolicy";
	case -EAGAIN: return "acquire";
	default: return NULL;
	}
}

#define FLOW_USAGE "usage: flow out|in|fwd SRC DST PROTO SPORT DPORT BYTES"

static int exec_flow(struct pfkm_net *net, char **tok, int ntok, char *out, size_t cap)
{
	struct sockaddr_storage src, dst;
	struct pfkm_flow f;
	unsigned long sport, dport, bytes;
	const char *res;
	int r;

	memset(&f, 0, sizeof(f));
	if (ntok != 8) {
		snprintf(out, cap, "err EINVAL " FLOW_USAGE);
		return 0;
	}
	if (!strcmp(tok[1], "out"))
		f.dir = IPSEC_DIR_OUTBOUND;
	else if (!strcmp(tok[1], "in"))
		f.dir = IPSEC_DIR_INBOUND;
	else if (!strcmp(tok[1], "fwd"))
		f.dir = IPSEC_DIR_FWD;
	else {
		snprintf(out, cap, "err EINVAL bad direction `%s'", tok[1]);
		return 0;
	}
	if (parse_proto(tok[4], &f.proto)) {
		snprintf(out, cap, "err EINVAL bad protocol `%s'", tok[4]);
		return 0;
	}
	if (parse_ulong(tok[5], 65535, &sport) || parse_ulong(tok[6], 65535, &dport)) {
		snprintf(out, cap, "err EINVAL bad port `%s'",
			 parse_ulong(tok[5], 65535, &sport) ? tok[5] : tok[6]);
		return 0;
	}
	if (parse_ulong(tok[7], UINT32_MAX, &bytes)) {
		snprintf(out, cap, "err EINVAL bad byte count `%s'", tok[7]);
		return 0;
	}
	r = parse_addr(tok[2], (uint16_t)sport, &src);
	if (r < 0 || parse_addr(tok[3], (uint16_t)dport, &dst) != r) {
		snprintf(out, cap, "err EINVAL bad or mixed-family address `%s' `%s'",
			 tok[2], tok[3]);
		return 0;
	}
	f.src = (const struct sockaddr *)&src;
	f.dst = (const struct sockaddr *)&dst;
	f.sport = (uint16_t)sport;
	f.dport = (uint16_t)dport;
	f.bytes = (uint32_t)bytes;
	r = pfkm_net_flow(net, &f);
	res = flow_result(r);
	if (res)
		snprintf(out, cap, "ok %s", res);
	else
		snprintf(out, cap, "err %s %s", r < 0 ? strerrorname_np(-r) ?: "E?" : "E?",
			 r < 0 ? strerror(-r) : "unexpected result");
	return 1;
}

/* "stats PID": the connections of one client process and what keyd could
 * not queue to them (a monitor asks this to count its own losses; the
 * global drops count every socket's). */
static int exec_stats_pid(struct keyd_conn *const *conns, size_t nconns, const char *arg,
			  char *out, size_t cap)
{
	unsigned long pid, socks = 0;
	unsigned long long drops = 0;
	size_t i;

	if (parse_ulong(arg, INT32_MAX, &pid)) {
		snprintf(out, cap, "err EINVAL bad pid `%s'", arg);
		return 0;
	}
	for (i = 0; i < nconns; i++)
		if ((unsigned long)conns[i]->pid == pid && !conns[i]->dead) {
			socks++;
			drops += conns[i]->drops;
		}
	snprintf(out, cap, "ok sockets=%lu drops=%llu", socks, drops);
	return 0;
}

int keyd_ctl_exec(struct pfkm_net *net, struct keyd_conn *const *conns, size_t nconns,
		  const char *line, char *out, size_t cap)
{
	char buf[256], *tok[10], *save = NULL, *t;
	int ntok = 0;

	if (strlen(line) >= sizeof(buf)) {
		snprintf(out, cap, "err EMSGSIZE line too long");
		return 0;
	}
	strcpy(buf, line);
	for (t = strtok_r(buf, " \t\r\n", &save); t && ntok < (int)OS_ARRAY_SIZE(tok);
	     t = strtok_r(NULL, " \t\r\n", &save))
		tok[ntok++] = t;
	if (ntok == 0) {
		snprintf(out, cap, "err EINVAL empty command");
		return 0;
	}
	if (!strcmp(tok[0], "flow"))
		return exec_flow(net, tok, ntok, out, cap);
	if (!strcmp(tok[0], "stats") && ntok == 1) {
		struct pfkm_net_stats st;

		unsigned long long queued = 0;
		size_t i;

		pfkm_net_stats_get(net, &st);
		for (i = 0; i < nconns; i++)
			queued += keyd_conn_queued(conns[i]);
		snprintf(out, cap, "ok sockets=%llu sas=%llu policies=%llu drops=%llu "
			 "acquires=%llu expires=%llu queued=%llu",
			 (unsigned long long)st.sockets, (unsigned long long)st.sas,
			 (unsigned long long)st.policies, (unsigned long long)st.drops,
			 (unsigned long long)st.acquires, (unsigned long long)st.expires, queued);
		return 0;
	}
	if (!strcmp(tok[0], "stats") && ntok == 2)
		return exec_stats_pid(conns, nconns, tok[1], out, cap);
	snprintf(out, cap, "err EINVAL unknown command `%s' (flow, stats)", tok[0]);
	return 0;
}
