// SPDX-License-Identifier: BSD-2-Clause
/*
 * dpcap.c: count IPv4 and IPv6 packets by protocol on one interface
 * (run in a network namespace on its veth, it shows that no clear-text
 * ICMP or TCP crossed while ESP/AH did). A raw AF_PACKET socket,
 * so no tcpdump is needed in the VM.
 *   dpcap IFNAME SECONDS  ->
 *       "icmp N esp N ah N other N ah_esp N tcp N icmp6 N frag N natt N"
 * icmp: IPv4 ICMP; icmp6: ICMPv6 echo request/reply only (neighbour
 * discovery and MLD are clear text by design and count as other); tcp: TCP
 * over either version; esp, ah: either version. ah_esp counts the AH frames
 * carrying ESP: AH next header ESP (AH+ESP transport bundle), or an IPv4 /
 * IPv6 packet whose protocol is ESP (AH tunnel around an ESP tunnel).
 * A first fragment (IPv4, or IPv6 with a fragment header right after the
 * base header) counts as its protocol; later fragments, which carry no
 * header of it, count only as frag. natt: UDP from or to port 4500 carrying
 * ESP (RFC 3948: payload not starting with the 4-byte non-ESP marker, not a
 * one-byte keepalive); those count as other too.
 * Stops after SECONDS or at SIGTERM/SIGINT (then prints what it counted).
 * SIGUSR1 reads what is queued on the socket, prints the counts so far,
 * sets them to zero and goes on: one capture serves many cases.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop, report;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		report = 1;
	else
		stop = 1;
}

struct counts {
	unsigned long icmp, esp, ah, other, ah_esp, tcp, icmp6, frag, natt;
};

/* Is the AH header at p (n bytes left) followed by ESP, directly or as the
 * protocol of the IPv4/IPv6 packet it carries (tunnel)? */
static int ah_carries_esp(const unsigned char *p, size_t n)
{
	unsigned char nh;
	size_t ahl;

	if (n < 2)
		return 0;
	nh = p[0];
	if (nh == 50)
		return 1;
	ahl = ((size_t)p[1] + 2) * 4;
	if (n <= ahl)
		return 0;
	if (nh == 4 && n - ahl >= 20)
		return p[ahl + 9] == 50;
	if (nh == 41 && n - ahl >= 40)
		return p[ahl + 6] == 50;
	return 0;
}

static void count(struct counts *c, const unsigned char *buf, size_t n, int v6)
{
	size_t hl = v6 ? 40 : (size_t)(buf[0] & 15) * 4;
	unsigned char proto = v6 ? buf[6] : buf[9];
	unsigned int off = v6 ? 0 : ((buf[6] & 0x1fu) << 8 | buf[7]);

	if (v6 && proto == 44 && n >= 48) {	/* fragment header */
		proto = buf[40];
		off = ((unsigned int)buf[42] << 8 | buf[43]) >> 3;
		hl = 48;
	}
	if (n < hl)
		return;
	if (off) {
		c->frag++;
		return;
	}
	switch (proto) {
	case 1: c->icmp++; break;
	case 6: c->tcp++; break;
	case 50: c->esp++; break;
	case 51:
		c->ah++;
		if (ah_carries_esp(buf + hl, n - hl))
			c->ah_esp++;
		break;
	case 58:
		if (n > hl && (buf[hl] == 128 || buf[hl] == 129))
			c->icmp6++;
		else
			c->other++;
		break;
	case 17:
		c->other++;
		if (n >= hl + 16 && ((buf[hl] << 8 | buf[hl + 1]) == 4500 ||
				     (buf[hl + 2] << 8 | buf[hl + 3]) == 4500) &&
		    (buf[hl + 8] | buf[hl + 9] | buf[hl + 10] | buf[hl + 11]))
			c->natt++;
		break;
	default: c->other++; break;
	}
}

static void print(const struct counts *c)
{
	printf("icmp %lu esp %lu ah %lu other %lu ah_esp %lu tcp %lu icmp6 %lu frag %lu natt %lu\n",
	       c->icmp, c->esp, c->ah, c->other, c->ah_esp, c->tcp, c->icmp6, c->frag, c->natt);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct counts c;
	unsigned char buf[2048];
	struct sigaction sa;
	time_t end;
	int fd, rcvbuf;

	if (argc != 3)
		return 2;
	memset(&c, 0, sizeof(c));
	/* ETH_P_ALL: packet taps see outgoing frames only through ptype_all */
	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	ll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (fd < 0 || !ll.sll_ifindex || bind(fd, (struct sockaddr *)&ll, sizeof(ll))) {
		perror("dpcap");
		return 1;
	}
	/* A busy TCG guest can starve this reader while a TCP cell runs: with
	 * the default buffer frames were dropped and the "only ESP crossed"
	 * counts came up short. Root in the VM: force 16 MiB. */
	rcvbuf = 16 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	end = time(NULL) + atoi(argv[2]);
	while (!stop && time(NULL) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n;
		int r = poll(&p, 1, report ? 0 : 200);

		if (r < 0)
			continue;	/* EINTR: with report set, drain then print */
		if (r == 0) {
			if (report) {	/* queue empty: all before the signal is in */
				report = 0;
				print(&c);
				memset(&c, 0, sizeof(c));
			}
			continue;
		}
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (n < 0)
			continue;
		if (n >= 20 && from.sll_protocol == htons(ETH_P_IP) && buf[0] >> 4 == 4)
			count(&c, buf, (size_t)n, 0);
		else if (n >= 40 && from.sll_protocol == htons(ETH_P_IPV6) && buf[0] >> 4 == 6)
			count(&c, buf, (size_t)n, 1);
	}
	print(&c);
	return 0;
}
