// SPDX-License-Identifier: BSD-2-Clause
/*
 * dpmtu.c: one "don't fragment" UDP datagram and the path MTU the network
 * answers with, for the VM's IPsec gateway tests (busybox ping cannot set DF
 * nor show the MTU of an ICMP "fragmentation needed").
 *   dpmtu IP PORT SIZE   sends one datagram whose IP packet is SIZE bytes
 *                        (IPv4: DF set, IPv6: never fragmented), the
 *                        kernel's own PMTU ignored (IP(V6)_PMTUDISC_PROBE),
 *                        then waits up to 5 s on the socket's error queue
 *                        (IP(V6)_RECVERR) and prints
 *                        "mtu N type T code C" for an ICMP error (IPv4
 *                        frag-needed: type 3 code 4; ICMPv6 packet too
 *                        big: type 2 code 0), or "none".
 *   dpmtu IP PORT SIZE nodf   the same datagram without DF (IPv4,
 *                        IP_PMTUDISC_DONT: routers may fragment it); prints
 *                        "sent"
 *   dpmtu recv PORT SECONDS   waits for one UDP datagram (IPv4 or IPv6) and
 *                        prints "got N" (its payload bytes) or "none"
 * Exit 0 when an ICMP error with an MTU came back (nodf: sent; recv: a
 * datagram came), 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int do_recv(int port, int secs)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	static char buf[65536];
	struct pollfd pfd;
	int s, zero = 0;
	ssize_t n;

	s = socket(AF_INET6, SOCK_DGRAM, 0);
	if (s < 0 || setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    bind(s, (struct sockaddr *)&a, sizeof(a))) {
		perror("dpmtu: recv");
		return 1;
	}
	pfd.fd = s;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, secs * 1000) <= 0 || (n = recv(s, buf, sizeof(buf), 0)) < 0) {
		printf("none\n");
		return 1;
	}
	printf("got %zd\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	static char data[65536];
	char ctl[512];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct pollfd pfd;
	struct cmsghdr *cm;
	int s, one = 1, probe, port;
	size_t size, hdr;
	bool v6, nodf;

	if (argc == 4 && !strcmp(argv[1], "recv"))
		return do_recv(atoi(argv[2]), atoi(argv[3]));
	nodf = argc == 5 && !strcmp(argv[4], "nodf");
	if (argc != 4 && !nodf) {
		fprintf(stderr, "usage: dpmtu IP PORT SIZE [nodf] | dpmtu recv PORT SECONDS\n");
		return 2;
	}
	v6 = strchr(argv[1], ':') != NULL;
	port = atoi(argv[2]);
	size = strtoul(argv[3], NULL, 0);
	hdr = v6 ? 48 : 28;
	if (size < hdr || size - hdr > sizeof(data)) {
		fprintf(stderr, "dpmtu: bad size\n");
		return 2;
	}
	s = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
	if (s < 0) {
		perror("dpmtu: socket");
		return 1;
	}
	if (v6) {
		probe = IPV6_PMTUDISC_PROBE;
		a6.sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, argv[1], &a6.sin6_addr) != 1 ||
		    setsockopt(s, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &probe, sizeof(probe)) ||
		    setsockopt(s, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one)) ||
		    connect(s, (struct sockaddr *)&a6, sizeof(a6))) {
			perror("dpmtu: setup");
			return 1;
		}
	} else {
		probe = nodf ? IP_PMTUDISC_DONT : IP_PMTUDISC_PROBE;
		a4.sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, argv[1], &a4.sin_addr) != 1 ||
		    setsockopt(s, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof(probe)) ||
		    setsockopt(s, IPPROTO_IP, IP_RECVERR, &one, sizeof(one)) ||
		    connect(s, (struct sockaddr *)&a4, sizeof(a4))) {
			perror("dpmtu: setup");
			return 1;
		}
	}
	memset(data, 0x5a, size - hdr);
	if (send(s, data, size - hdr, 0) < 0) {
		perror("dpmtu: send");
		return 1;
	}
	if (nodf) {
		printf("sent\n");
		return 0;
	}
	pfd.fd = s;
	pfd.events = 0;		/* POLLERR is always reported */
	if (poll(&pfd, 1, 5000) <= 0 || !(pfd.revents & POLLERR)) {
		printf("none\n");
		return 1;
	}
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	if (recvmsg(s, &mh, MSG_ERRQUEUE) < 0) {
		perror("dpmtu: recvmsg");
		return 1;
	}
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		struct sock_extended_err ee;

		if (!((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR) ||
		      (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR)))
			continue;
		memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
		if (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6)
			continue;
		printf("mtu %u type %u code %u\n", ee.ee_info, ee.ee_type, ee.ee_code);
		return ee.ee_errno == EMSGSIZE ? 0 : 1;
	}
	printf("none\n");
	return 1;
}
