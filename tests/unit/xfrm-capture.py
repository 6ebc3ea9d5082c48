#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# xfrm-capture.py: how tests/unit/test_xfrm.h's host vectors were recorded.
# Run as root inside a fresh network namespace (`unshare -n`), it prints
# every XFRM netlink notification each command causes ("# command" then the
# message in hex), or with --request TYPE [PAYLOADHEX] the answers to one
# request (a dump for GETSA 0x12 / GETPOLICY 0x15, else one message + ack).
#   unshare -n tests/unit/xfrm-capture.py "ip xfrm policy add ..." ...
#   unshare -n tests/unit/xfrm-capture.py --request 0x23 00000000   # GETSADINFO
import socket
import struct
import subprocess
import sys
import time

NETLINK_XFRM = 6
GROUPS = (1, 2, 3, 4, 5, 7, 8)  # every XFRMNLGRP_* but REPORT


def notifications(cmds):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_XFRM)
    s.bind((0, sum(1 << (g - 1) for g in GROUPS)))
    s.settimeout(0.5)
    for c in cmds:
        subprocess.run(c, shell=True, check=False)
        time.sleep(0.1)
        while True:
            try:
                d = s.recv(65536)
            except socket.timeout:
                break
            print("#", c)
            print(d.hex())


def request(typ, payload):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_XFRM)
    s.bind((0, 0))
    dump = typ in (0x12, 0x15)
    flags = 1 | (0x300 if dump else 4)  # REQUEST | DUMP or ACK
    s.send(struct.pack("=IHHII", 16 + len(payload), typ, flags, 1, 0) + payload)
    while True:
        d = s.recv(65536)
        off, done = 0, False
        while off < len(d):
            ln, t = struct.unpack_from("=IH", d, off)
            print(d[off:off + ln].hex())
            done = done or t in (2, 3)  # NLMSG_ERROR (ack), NLMSG_DONE
            off += (ln + 3) & ~3
        if done:
            return


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--request":
        request(int(sys.argv[2], 0), bytes.fromhex(sys.argv[3]) if len(sys.argv) > 3 else b"")
    else:
        notifications(sys.argv[1:])
