#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# keyd-dp.sh: keyd's data path (--datapath tun) vs the plain veth under it,
# without root: two network namespaces in a user namespace of our own (as
# tests/bats/keyd_datapath.bats), one ESP AES-GCM-16 tunnel SA each way.
# Measures ping latency (COUNT echoes, 10 ms apart) and one TCP flow's
# throughput (MB bytes with tests/vm/dptcp.c) plainly between the veth
# addresses and through the tunnel, and prints the ratios.
# Usage: sh tests/bench/keyd-dp.sh [COUNT] [MB]
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
COUNT=${1:-200}
MB=${2:-64}
if [ -z "${KEYD_DP_INNER:-}" ]; then
	[ -x "$B/keyd" ] && [ -x "$B/keysh" ] ||
		{ echo "keyd-dp.sh: $B/keyd or keysh missing (make userspace)" >&2; exit 1; }
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	${CC:-cc} -O2 -o "$tmp/dptcp" tests/vm/dptcp.c
	KEYD_DP_INNER=$tmp unshare -Urn sh "$0" "$COUNT" "$MB"
	exit
fi
T=$KEYD_DP_INNER
unshare -n sleep 3600 & PB=$!
while [ "$(readlink /proc/$PB/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.01; done
inb() { nsenter -t "$PB" -n "$@"; }
ip link set lo up; inb ip link set lo up
ip link add va type veth peer name vb netns "$PB"
ip addr add 10.0.0.1/24 dev va; ip link set va up; ip addr add 172.16.1.1/24 dev lo
inb ip addr add 10.0.0.2/24 dev vb; inb ip link set vb up; inb ip addr add 172.16.2.1/24 dev lo
"$B/keyd" --socket "$T/a.sock" --datapath tun 2>"$T/a.log" & KA=$!
nsenter -t "$PB" -n "$B/keyd" --socket "$T/b.sock" --datapath tun 2>"$T/b.log" & KB=$!
trap 'kill $KA $KB $PB 2>/dev/null; wait 2>/dev/null' EXIT
while [ ! -S "$T/a.sock" ] || [ ! -S "$T/b.sock" ]; do sleep 0.01; done
K=0x0102030405060708090a0b0c0d0e0f1011121314
for s in a b; do "$B/keysh" --socket "$T/$s.sock" "
  add 10.0.0.1 10.0.0.2 esp 0x1001 -m tunnel -r 32 -E aes-gcm-16 $K;
  add 10.0.0.2 10.0.0.1 esp 0x2001 -m tunnel -r 32 -E aes-gcm-16 $K;"; done
"$B/keysh" --socket "$T/a.sock" "
  spdadd 172.16.1.0/24 172.16.2.0/24 any -P out ipsec esp/tunnel/10.0.0.1-10.0.0.2/require;
  spdadd 172.16.2.0/24 172.16.1.0/24 any -P in ipsec esp/tunnel/10.0.0.2-10.0.0.1/require;"
"$B/keysh" --socket "$T/b.sock" "
  spdadd 172.16.2.0/24 172.16.1.0/24 any -P out ipsec esp/tunnel/10.0.0.2-10.0.0.1/require;
  spdadd 172.16.1.0/24 172.16.2.0/24 any -P in ipsec esp/tunnel/10.0.0.1-10.0.0.2/require;"

rtt() { # SRC DST -> average rtt in ms
	ping -q -c "$COUNT" -i 0.01 -I "$1" "$2" | sed -n 's|^rtt [^=]*= [^/]*/\([^/]*\)/.*|\1|p'
}
tcp() { # SRC-unused DST -> MB/s
	inb "$T/dptcp" recv 5001 60 >"$T/recv" & r=$!
	t0=$(date +%s.%N)
	"$T/dptcp" send "$1" 5001 $((MB * 1048576)) >/dev/null
	wait $r
	t1=$(date +%s.%N)
	echo "$MB $t0 $t1" | awk '{ printf "%.1f", $1 / ($3 - $2) }'
}
ping -q -c 1 -I 172.16.1.1 172.16.2.1 >/dev/null	# warm up the route and SAs
p_plain=$(rtt 10.0.0.1 10.0.0.2)
p_keyd=$(rtt 172.16.1.1 172.16.2.1)
t_plain=$(tcp 10.0.0.2)
t_keyd=$(tcp 172.16.2.1)
echo "ping rtt avg (ms, $COUNT echoes): veth $p_plain  keyd ESP tunnel $p_keyd" \
	"($(echo "$p_keyd $p_plain" | awk '{ printf "%.1f", $1 / $2 }')x)"
echo "TCP one flow ($MB MB): veth $t_plain MB/s  keyd ESP tunnel $t_keyd MB/s" \
	"($(echo "$t_keyd $t_plain" | awk '{ printf "%.3f", $1 / $2 }')x)"
"$B/keyd" --socket "$T/a.sock" stats datapath
