// SPDX-License-Identifier: BSD-2-Clause
/*
 * tun.c: the TUN device of keyd's data path and the routes into it. The
 * device is IFF_TUN | IFF_NO_PI (bare IPv4/IPv6 packets), non-blocking,
 * brought up with the MTU KEYD_TUN_MTU; routes are added and removed with
 * plain rtnetlink requests (RTM_NEWROUTE / RTM_DELROUTE, main table, one
 * request and its ACK at a time). Nothing here prints: -errno back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "keyd.h"

int keyd_tun_open(const char *name, char *ifname, int *ifindex)
{
	struct ifreq ifr;
	int fd, s, ret;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (name) {
		if (!*name || strlen(name) >= IFNAMSIZ)
			return -EINVAL;
		strcpy(ifr.ifr_name, name);
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		ret = -errno;
		goto err_fd;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		ret = -errno;
		goto err_fd;
	}
	ifr.ifr_mtu = KEYD_TUN_MTU;
	if (ioctl(s, SIOCSIFMTU, &ifr) < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		ret = -errno;
		goto err_sock;
	}
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0 || ioctl(s, SIOCGIFINDEX, &ifr) < 0) {
		ret = -errno;
		goto err_sock;
	}
	*ifindex = ifr.ifr_ifindex;
	close(s);
	snprintf(ifname, IFNAMSIZ, "%s", ifr.ifr_name);
	return fd;

err_sock:
	close(s);
err_fd:
	close(fd);
	return ret;
}

int keyd_tun_route(int ifindex, bool add, int family, const uint8_t *dst, unsigned int plen,
		   const uint8_t *src)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;
		uint8_t attrs[64];
	} req;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	size_t alen = family == AF_INET ? 4 : 16;
	struct rtattr *ra;
	uint8_t ans[1024];
	struct nlmsghdr *nh;
	ssize_t n;
	int fd, ret;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	req.nh.nlmsg_seq = 1;
	req.rt.rtm_family = (unsigned char)family;
	req.rt.rtm_dst_len = (unsigned char)plen;
	req.rt.rtm_table = RT_TABLE_MAIN;
	req.rt.rtm_protocol = RTPROT_STATIC;
	req.rt.rtm_scope = RT_SCOPE_LINK;
	req.rt.rtm_type = RTN_UNICAST;
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	ra = (struct rtattr *)((uint8_t *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
	ra->rta_type = RTA_DST;
	ra->rta_len = (unsigned short)RTA_LENGTH(alen);
	memcpy(RTA_DATA(ra), dst, alen);
	req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(ra->rta_len);
	ra = (struct rtattr *)((uint8_t *)&req + req.nh.nlmsg_len);
	ra->rta_type = RTA_OIF;
	ra->rta_len = RTA_LENGTH(sizeof(int));
	memcpy(RTA_DATA(ra), &ifindex, sizeof(int));
	req.nh.nlmsg_len += RTA_ALIGN(ra->rta_len);
	if (src) {
		ra = (struct rtattr *)((uint8_t *)&req + req.nh.nlmsg_len);
		ra->rta_type = RTA_PREFSRC;
		ra->rta_len = (unsigned short)RTA_LENGTH(alen);
		memcpy(RTA_DATA(ra), src, alen);
		req.nh.nlmsg_len += RTA_ALIGN(ra->rta_len);
	}

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto out;
	}
	n = recv(fd, ans, sizeof(ans), 0);
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	nh = (struct nlmsghdr *)ans;
	ret = -EPROTO;
	if (NLMSG_OK(nh, (size_t)n) && nh->nlmsg_type == NLMSG_ERROR)
		ret = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
out:
	close(fd);
	return ret;
}
