// SPDX-License-Identifier: BSD-2-Clause
/*
 * udpx.c: UDP datagrams for the VM's netfilter and IPv6 policy tests
 * (tests/vm/xfrm-nf.sh): a sender that can put a Destination Options header
 * in front of UDP (IPV6_DSTOPTS, a PadN option) or send datagrams larger
 * than the path MTU (IPV6_DONTFRAG / IP_PMTUDISC off: the kernel fragments
 * them at the source), and a receiver that counts what reaches its socket.
 *   udpx send ADDR PORT COUNT SIZE [dstopt]  -> "sent N"
 *   udpx recv PORT SECONDS                   -> "got N bytes B dstopts D"
 *                                               after SECONDS without a
 *                                               datagram; D: how many came
 *                                               with a Destination Options
 *                                               header (IPV6_RECVDSTOPTS)
 * recv listens on IPv6 and IPv4 (one dual-stack socket); ADDR is an IPv4 or
 * IPv6 literal. Exit 0 unless a system call failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

static int do_recv(int port, int secs)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = secs };
	unsigned long got = 0, bytes = 0, dst = 0;
	static unsigned char buf[65536];
	unsigned char cbuf[256];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	int s, zero = 0, one = 1;
	ssize_t r;

	s = socket(AF_INET6, SOCK_DGRAM, 0);
	if (s < 0 || setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    setsockopt(s, IPPROTO_IPV6, IPV6_RECVDSTOPTS, &one, sizeof(one)) ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(s, (struct sockaddr *)&a, sizeof(a))) {
		perror("udpx: listen");
		return 1;
	}
	/* ready: the caller may start the sender once this line is out */
	fprintf(stderr, "udpx: listening on %d\n", port);
	for (;;) {
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		r = recvmsg(s, &mh, 0);
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			perror("udpx: recv");
			return 1;
		}
		got++;
		bytes += (unsigned long)r;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_DSTOPTS)
				dst++;
	}
	printf("got %lu bytes %lu dstopts %lu\n", got, bytes, dst);
	return 0;
}

static int do_send(const char *ip, int port, long count, long size, int dstopt)
{
	struct sockaddr_storage a;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&a;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&a;
	/* Destination Options: next header (kernel fills), length 0 (8 bytes),
	 * PadN of 4 bytes of zeros: an option every host must skip. */
	unsigned char opts[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };
	static unsigned char buf[65507];
	int s, zero = 0, dont = IP_PMTUDISC_DONT;
	socklen_t alen;
	long i;

	if (size < 0 || size > (long)sizeof(buf)) {
		fprintf(stderr, "udpx: size %ld out of range\n", size);
		return 1;
	}
	memset(&a, 0, sizeof(a));
	memset(buf, 0x5a, (size_t)size);
	if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		alen = sizeof(*a4);
	} else if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		alen = sizeof(*a6);
	} else {
		fprintf(stderr, "udpx: bad address %s\n", ip);
		return 1;
	}
	s = socket(a.ss_family, SOCK_DGRAM, 0);
	if (s < 0) {
		perror("udpx: socket");
		return 1;
	}
	if (a.ss_family == AF_INET6) {
		if (setsockopt(s, IPPROTO_IPV6, IPV6_DONTFRAG, &zero, sizeof(zero)) ||
		    (dstopt && setsockopt(s, IPPROTO_IPV6, IPV6_DSTOPTS, opts, sizeof(opts)))) {
			perror("udpx: setsockopt");
			return 1;
		}
	} else if (dstopt) {
		fprintf(stderr, "udpx: dstopt is IPv6 only\n");
		return 1;
	} else if (setsockopt(s, IPPROTO_IP, IP_MTU_DISCOVER, &dont, sizeof(dont))) {
		perror("udpx: setsockopt");
		return 1;
	}
	for (i = 0; i < count; i++) {
		if (sendto(s, buf, (size_t)size, 0, (struct sockaddr *)&a, alen) < 0) {
			if (errno == ENOBUFS || errno == EAGAIN) {	/* a full qdisc: retry */
				usleep(1000);
				i--;
				continue;
			}
			perror("udpx: sendto");
			return 1;
		}
	}
	printf("sent %ld\n", i);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "recv"))
		return do_recv(atoi(argv[2]), atoi(argv[3]));
	if ((argc == 6 || (argc == 7 && !strcmp(argv[6], "dstopt"))) && !strcmp(argv[1], "send"))
		return do_send(argv[2], atoi(argv[3]), atol(argv[4]), atol(argv[5]), argc == 7);
	fprintf(stderr, "usage: udpx send ADDR PORT COUNT SIZE [dstopt] | udpx recv PORT SECONDS\n");
	return 2;
}
