#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# keyd-dp.sh: keyd's data path (--datapath tun) vs the plain veth under it,
# without root: two network namespaces in a user namespace of our own (as
# tests/bats/keyd_datapath.bats), four ESP AES-GCM-16 tunnels (one SA each
# way each). Measures ping latency (COUNT echoes, 10 ms apart), one TCP
# flow's throughput (MB bytes with tests/vm/dptcp.c) and four parallel
# flows' (MB in all, one per tunnel), plainly between the veth addresses
# and through the tunnels, and prints the ratios.
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
ip link set va up; inb ip link set vb up
"$B/keyd" --socket "$T/a.sock" --datapath tun 2>"$T/a.log" & KA=$!
nsenter -t "$PB" -n "$B/keyd" --socket "$T/b.sock" --datapath tun 2>"$T/b.log" & KB=$!
trap 'kill $KA $KB $PB 2>/dev/null; wait 2>/dev/null' EXIT
while [ ! -S "$T/a.sock" ] || [ ! -S "$T/b.sock" ]; do sleep 0.01; done
K=0x0102030405060708090a0b0c0d0e0f1011121314
# Four tunnels, one SA each way: gateways 10.0.N.1 - 10.0.N.2, protecting
# 172.16.1.(N+1) -> 172.16.2.(N+1) (N = 0..3; the one-flow case uses N = 0).
for n in 0 1 2 3; do
	h=$((n + 1))
	ip addr add 10.0.$n.1/24 dev va; ip addr add 172.16.1.$h/32 dev lo
	inb ip addr add 10.0.$n.2/24 dev vb; inb ip addr add 172.16.2.$h/32 dev lo
	ga=10.0.$n.1 gb=10.0.$n.2 na=172.16.1.$h nb=172.16.2.$h
	for s in a b; do "$B/keysh" --socket "$T/$s.sock" "
	  add $ga $gb esp 0x100$h -m tunnel -r 32 -E aes-gcm-16 $K;
	  add $gb $ga esp 0x200$h -m tunnel -r 32 -E aes-gcm-16 $K;"; done
	"$B/keysh" --socket "$T/a.sock" "
	  spdadd $na $nb any -P out ipsec esp/tunnel/$ga-$gb/require;
	  spdadd $nb $na any -P in ipsec esp/tunnel/$gb-$ga/require;"
	"$B/keysh" --socket "$T/b.sock" "
	  spdadd $nb $na any -P out ipsec esp/tunnel/$gb-$ga/require;
	  spdadd $na $nb any -P in ipsec esp/tunnel/$ga-$gb/require;"
done

rtt() { # SRC DST -> average rtt in ms
	ping -q -c "$COUNT" -i 0.01 -I "$1" "$2" | sed -n 's|^rtt [^=]*= [^/]*/\([^/]*\)/.*|\1|p'
}
dst() { # plain|keyd H -> flow H's destination: gateway N = H - 1 or the host behind it
	if [ "$1" = plain ]; then echo 10.0.$(($2 - 1)).2; else echo 172.16.2.$2; fi
}
tcp() { # FLOWS plain|keyd -> MB/s of FLOWS parallel flows, MB in all
	pids=
	for h in $(seq "$1"); do
		inb "$T/dptcp" recv $((5000 + h)) 60 >"$T/recv$h" & pids="$pids $!"
	done
	t0=$(date +%s.%N)
	for h in $(seq "$1"); do
		"$T/dptcp" send "$(dst "$2" "$h")" $((5000 + h)) $((MB * 1048576 / $1)) >/dev/null & pids="$pids $!"
	done
	for p in $pids; do wait "$p"; done
	t1=$(date +%s.%N)
	echo "$MB $t0 $t1" | awk '{ printf "%.1f", $1 / ($3 - $2) }'
}
ping -q -c 1 -I 172.16.1.1 172.16.2.1 >/dev/null	# warm up the route and SAs
p_plain=$(rtt 10.0.0.1 10.0.0.2)
p_keyd=$(rtt 172.16.1.1 172.16.2.1)
t_plain=$(tcp 1 plain)
t_keyd=$(tcp 1 keyd)
t4_plain=$(tcp 4 plain)
t4_keyd=$(tcp 4 keyd)
echo "ping rtt avg (ms, $COUNT echoes): veth $p_plain  keyd ESP tunnel $p_keyd" \
	"($(echo "$p_keyd $p_plain" | awk '{ printf "%.1f", $1 / $2 }')x)"
echo "TCP one flow ($MB MB): veth $t_plain MB/s  keyd ESP tunnel $t_keyd MB/s" \
	"($(echo "$t_keyd $t_plain" | awk '{ printf "%.3f", $1 / $2 }')x)"
echo "TCP four flows, four SAs ($MB MB in all): veth $t4_plain MB/s  keyd $t4_keyd MB/s" \
	"($(echo "$t4_keyd $t4_plain" | awk '{ printf "%.3f", $1 / $2 }')x)"
"$B/keyd" --socket "$T/a.sock" stats datapath
