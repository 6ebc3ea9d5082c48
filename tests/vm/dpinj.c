// SPDX-License-Identifier: BSD-2-Clause
/*
 * dpinj.c: a hostile-packet injector for the VM's IPsec peer tests.
 * Waits for the next outgoing IPv4 ESP or AH frame on an interface (sent by
 * the Linux xfrm side) and sends one copy of it back out of the same
 * interface, changed as asked, so the peer's data path sees:
 *   replay   the same frame again (a replayed sequence number)
 *   flip     one bit of the sequence number flipped (seq + 2^24: new to
 *            the replay window, so only the ICV check can refuse it)
 *   spi      the SPI xor 0x40000000 (an SPI the peer has no SA for)
 *   dpinj IFNAME replay|flip|spi SECONDS  ->  "sent MODE esp|ah SPI SEQ"
 * Exit 0 when a copy was sent, 1 when no frame came within SECONDS.
 * A raw AF_PACKET socket (the whole Ethernet frame is re-sent as captured).
 * It also sends a given IPv4 packet (the known-answer ESP packets):
 *   dpinj IFNAME send DSTMAC HEX          ->  "sent N bytes"
 * in an Ethernet frame from IFNAME's address to DSTMAC, the IPv4 header
 * checksum recomputed (some published packets have derived headers).
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* dpinj IFNAME send DSTMAC HEX */
static int send_hex(const char *ifname, const char *mac, const char *hex)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	unsigned char frame[2048], *ip = frame + ETH_HLEN;
	unsigned int m[6], i, sum = 0;
	struct ifreq ifr;
	size_t n = 0, ihl;
	int fd;

	if (sscanf(mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		return 2;
	for (; hex[0] && hex[1]; hex += 2) {
		int hi = hexval(hex[0]), lo = hexval(hex[1]);

		if (hi < 0 || lo < 0 || n == sizeof(frame) - ETH_HLEN)
			return 2;
		ip[n++] = (unsigned char)(hi << 4 | lo);
	}
	ihl = n ? (size_t)(ip[0] & 15) * 4 : 0;
	if (*hex || n < 20 || (ip[0] >> 4) != 4 || ihl < 20 || ihl > n)
		return 2;
	ip[10] = ip[11] = 0;
	for (i = 0; i < ihl; i += 2)
		sum += (unsigned int)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (unsigned char)(~sum >> 8);
	ip[11] = (unsigned char)~sum;
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ll.sll_ifindex = (int)if_nametoindex(ifname);
	if (fd < 0 || !ll.sll_ifindex || ioctl(fd, SIOCGIFHWADDR, &ifr) ||
	    bind(fd, (struct sockaddr *)&ll, sizeof(ll))) {
		perror("dpinj");
		return 1;
	}
	for (i = 0; i < 6; i++)
		frame[i] = (unsigned char)m[i];
	memcpy(frame + 6, ifr.ifr_hwaddr.sa_data, 6);
	frame[12] = 0x08;
	frame[13] = 0x00;
	if (send(fd, frame, ETH_HLEN + n, 0) != (ssize_t)(ETH_HLEN + n)) {
		perror("dpinj: send");
		return 1;
	}
	printf("sent %zu bytes\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	unsigned char buf[2048];
	const char *mode;
	time_t end;
	int fd;

	if (argc == 5 && !strcmp(argv[2], "send"))
		return send_hex(argv[1], argv[3], argv[4]);
	if (argc != 4 || (strcmp(argv[2], "replay") && strcmp(argv[2], "flip") &&
			  strcmp(argv[2], "spi"))) {
		fprintf(stderr, "usage: dpinj IFNAME replay|flip|spi SECONDS | IFNAME send DSTMAC HEX\n");
		return 2;
	}
	mode = argv[2];
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	ll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (fd < 0 || !ll.sll_ifindex || bind(fd, (struct sockaddr *)&ll, sizeof(ll))) {
		perror("dpinj");
		return 1;
	}
	end = time(NULL) + atoi(argv[3]);
	while (time(NULL) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		unsigned char *ip = buf + ETH_HLEN, *x;
		size_t ihl, iplen;
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < ETH_HLEN + 20 + 16 || from.sll_pkttype != PACKET_OUTGOING ||
		    from.sll_protocol != htons(ETH_P_IP) || (ip[0] >> 4) != 4)
			continue;
		if (ip[9] != IPPROTO_ESP && ip[9] != IPPROTO_AH)
			continue;
		ihl = (size_t)(ip[0] & 15) * 4;
		iplen = (size_t)ip[2] << 8 | ip[3];
		if (iplen > (size_t)n - ETH_HLEN || iplen < ihl + 16)
			continue;
		x = ip + ihl + (ip[9] == IPPROTO_AH ? 4 : 0);	/* SPI, then seq */
		if (!strcmp(mode, "flip"))
			x[4] ^= 0x01;
		else if (!strcmp(mode, "spi"))
			x[0] ^= 0x40;
		/* the frame as captured: Ethernet header to the peer's MAC */
		if (send(fd, buf, ETH_HLEN + iplen, 0) != (ssize_t)(ETH_HLEN + iplen)) {
			perror("dpinj: send");
			return 1;
		}
		printf("sent %s %s 0x%08x %u\n", mode, ip[9] == IPPROTO_AH ? "ah" : "esp",
		       get32(x), get32(x + 4));
		return 0;
	}
	fprintf(stderr, "dpinj: no ESP/AH frame on %s\n", argv[1]);
	return 1;
}
