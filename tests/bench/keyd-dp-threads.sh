#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# keyd-dp-threads.sh: keyd's data path with --datapath-threads 1 (every
# packet on the poll thread) against --datapath-threads N (crypto lanes,
# src/engine/dp_workers.c), side by side in one run, without root: the
# namespaces of keyd-dp.sh (a user namespace of our own, a veth), four ESP
# AES-GCM-16 tunnels with one SA each way. For each of ROUNDS rounds both
# keyds are started with 1 thread, then with N, and re-keyed; each time four
# parallel TCP flows (one per SA, MB in all, tests/vm/dptcp.c) and one flow
# (MB) are timed. Prints every round, the medians and N / 1. ALG: gcm
# (ESP AES-GCM-16, the default) or cbc (AES-CBC + HMAC-SHA-256: about four
# times the crypto per byte).
# Usage: sh tests/bench/keyd-dp-threads.sh [ROUNDS] [MB] [N] [ALG]
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
ROUNDS=${1:-3}
MB=${2:-64}
N=${3:-2}
ALG=${4:-gcm}
case $ALG in
gcm) X="-E aes-gcm-16 0x0102030405060708090a0b0c0d0e0f1011121314" ;;
cbc) X="-E aes-cbc 0x0102030405060708090a0b0c0d0e0f10 -A hmac-sha256 0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20" ;;
*) echo "keyd-dp-threads.sh: ALG gcm or cbc, not \`$ALG'" >&2; exit 2 ;;
esac
if [ -z "${KEYD_DP_INNER:-}" ]; then
	[ -x "$B/keyd" ] && [ -x "$B/keysh" ] ||
		{ echo "keyd-dp-threads.sh: $B/keyd or keysh missing (make userspace)" >&2; exit 1; }
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	${CC:-cc} -O2 -o "$tmp/dptcp" tests/vm/dptcp.c
	KEYD_DP_INNER=$tmp unshare -Urn sh "$0" "$ROUNDS" "$MB" "$N" "$ALG"
	exit
fi
T=$KEYD_DP_INNER
unshare -n sleep 3600 & PB=$!
while [ "$(readlink /proc/$PB/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.01; done
inb() { nsenter -t "$PB" -n "$@"; }
ip link set lo up; inb ip link set lo up
ip link add va type veth peer name vb netns "$PB"
ip link set va up; inb ip link set vb up
for n in 0 1 2 3; do
	h=$((n + 1))
	ip addr add 10.0.$n.1/24 dev va; ip addr add 172.16.1.$h/32 dev lo
	inb ip addr add 10.0.$n.2/24 dev vb; inb ip addr add 172.16.2.$h/32 dev lo
done
KA= KB=
trap 'kill $KA $KB $PB 2>/dev/null; wait 2>/dev/null' EXIT

keyds() { # THREADS: both keyds (re)started with that many crypto threads, keyed
	[ -z "$KA" ] || { kill "$KA" "$KB"; wait "$KA" "$KB" 2>/dev/null || true; }
	rm -f "$T"/a.sock* "$T"/b.sock*
	"$B/keyd" --socket "$T/a.sock" --datapath tun --datapath-threads "$1" 2>"$T/a.log" & KA=$!
	nsenter -t "$PB" -n "$B/keyd" --socket "$T/b.sock" --datapath tun \
		--datapath-threads "$1" 2>"$T/b.log" & KB=$!
	while [ ! -S "$T/a.sock" ] || [ ! -S "$T/b.sock" ]; do sleep 0.01; done
	# four tunnels, one SA each way: gateways 10.0.N.1 - 10.0.N.2,
	# protecting 172.16.1.(N+1) -> 172.16.2.(N+1)
	for n in 0 1 2 3; do
		h=$((n + 1))
		ga=10.0.$n.1 gb=10.0.$n.2 na=172.16.1.$h nb=172.16.2.$h
		for s in a b; do "$B/keysh" --socket "$T/$s.sock" "
		  add $ga $gb esp 0x100$h -m tunnel -r 32 $X;
		  add $gb $ga esp 0x200$h -m tunnel -r 32 $X;"; done
		"$B/keysh" --socket "$T/a.sock" "
		  spdadd $na $nb any -P out ipsec esp/tunnel/$ga-$gb/require;
		  spdadd $nb $na any -P in ipsec esp/tunnel/$gb-$ga/require;"
		"$B/keysh" --socket "$T/b.sock" "
		  spdadd $nb $na any -P out ipsec esp/tunnel/$gb-$ga/require;
		  spdadd $na $nb any -P in ipsec esp/tunnel/$ga-$gb/require;"
	done
	# the routes are in place once a packet of each flow goes through
	for h in 1 2 3 4; do
		for i in $(seq 100); do
			ping -q -c 1 -W 1 -I 172.16.1.$h 172.16.2.$h >/dev/null 2>&1 && break
			sleep 0.05
		done
	done
}

tcp() { # FLOWS -> MB/s of FLOWS parallel flows through the tunnels, MB in all
	pids=
	for h in $(seq "$1"); do
		inb "$T/dptcp" recv $((5000 + h)) 60 >"$T/recv$h" & pids="$pids $!"
	done
	sleep 0.2
	t0=$(date +%s.%N)
	for h in $(seq "$1"); do
		"$T/dptcp" send 172.16.2.$h $((5000 + h)) $((MB * 1048576 / $1)) >"$T/send$h" &
		pids="$pids $!"
	done
	for p in $pids; do wait "$p"; done
	t1=$(date +%s.%N)
	for h in $(seq "$1"); do
		cmp -s "$T/send$h" "$T/recv$h" || { echo "flow $h: sent and received differ" >&2; exit 1; }
	done
	echo "$MB $t0 $t1" | awk '{ printf "%.1f", $1 / ($3 - $2) }'
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END {
	print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

f4_1= f4_n= f1_1= f1_n=
for r in $(seq "$ROUNDS"); do
	keyds 1
	a=$(tcp 4) b=$(tcp 1)
	lanes1=$("$B/keyd" --socket "$T/a.sock" stats datapath | tr ' ' '\n' | sed -n 's/^lanes=//p')
	keyds "$N"
	c=$(tcp 4) d=$(tcp 1)
	lanesn=$("$B/keyd" --socket "$T/a.sock" stats datapath | tr ' ' '\n' | sed -n 's/^lanes=//p')
	f4_1="$f4_1 $a" f1_1="$f1_1 $b" f4_n="$f4_n $c" f1_n="$f1_n $d"
	echo "round $r: four flows/four SAs: threads=1 $a MB/s, threads=$N $c MB/s" \
		"($(echo "$c $a" | awk '{ printf "%.3f", $1 / $2 }')x);" \
		"one flow: threads=1 $b MB/s, threads=$N $d MB/s" \
		"($(echo "$d $b" | awk '{ printf "%.3f", $1 / $2 }')x);" \
		"a's transforms per lane: $lanes1 | $lanesn"
done
m4_1=$(echo "$f4_1" | median) m4_n=$(echo "$f4_n" | median)
m1_1=$(echo "$f1_1" | median) m1_n=$(echo "$f1_n" | median)
echo "median of $ROUNDS ($MB MB, $ALG): four flows on four SAs threads=1 $m4_1 MB/s," \
	"threads=$N $m4_n MB/s: $(echo "$m4_n $m4_1" | awk '{ printf "%.3f", $1 / $2 }')x;" \
	"one flow threads=1 $m1_1 MB/s, threads=$N $m1_n MB/s:" \
	"$(echo "$m1_n $m1_1" | awk '{ printf "%.3f", $1 / $2 }')x"
