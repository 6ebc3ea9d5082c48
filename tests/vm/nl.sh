#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# nl.sh: the XFRM netlink store's VM tests (installed as /suite.sh by
# tests/vm/nl-run.sh; /init runs it and writes "success" when it exits 0).
# /bin/nlvm (tests/vm/nlvm.c) runs the engine on the netlink store against
# this kernel's xfrm, which has ESP, AH and IPComp; iproute2's ip checks
# what the kernel holds. Each test prints "VMTEST ok|FAIL NAME".
pass=0 fail=0
# nlvm's commands run iproute2 as $IP: busybox sh prefers its own ip
# applet (no xfrm) whatever PATH says.
export IP=/bin/iproute2-ip
$IP link set lo up
# keysh.nlbench=10000,100000: benchmarks instead of tests (nl-run.sh bench)
for a in $(cat /proc/cmdline); do
	case "$a" in keysh.nlbench=*) sizes=$(echo "${a#keysh.nlbench=}" | tr , ' ') ;; esac
done
if [ -n "${sizes:-}" ]; then
	for n in $sizes; do
		/bin/nlbench "$n" || exit 1
		/bin/nlbench "$n" events || exit 1
	done
	exit 0
fi
if /bin/nlvm; then
	echo "VMTEST ok nlvm"
	pass=$((pass + 1))
else
	echo "VMTEST FAIL nlvm"
	fail=$((fail + 1))
fi
echo "nl: $pass passed, $fail failed"
[ "$fail" = 0 ]
