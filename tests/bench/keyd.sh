#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# keyd.sh: ADD throughput and DUMP time of keyd. Starts a private keyd,
# streams N (default 100000) pre-built ADD messages through one raw client
# connection (the ceiling keysh's batch install is measured against), then
# DUMPs and DELETEs them. PAIRS=distinct (default: one destination per SA)
# or same (every SA between one address pair, the core's worst case);
# LARVAL=1 keeps a larval SA without SPI pending on another pair meanwhile.
# STATE=1 runs keyd with --state in the temp dir (STATEDIR=DIR: there
# instead, to measure another file system): every ADD acknowledged only
# once journaled and fdatasync'd (group commit); also reports the journal
# size and how long a restart takes to replay it. STALL=1 (with STATE=1)
# also measures the longest GET round trip while a compaction starts.
# Usage: sh tests/bench/keyd.sh [N] [WINDOW]
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
N=${1:-100000}
W=${2:-64}
PAIRS=${PAIRS:-distinct}
[ -x "$B/keyd" ] || { echo "keyd.sh: $B/keyd missing (make B=$B userspace)" >&2; exit 1; }
make -s B="$B" "$B/libpfkey.a" "$B/libxfrmnl.a" "$B/libcore.a"
tmp=$(mktemp -d)
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cc -O2 -D_GNU_SOURCE -Ikmod/core -Isrc/lib -o "$tmp/keyd_bench" tests/bench/keyd/*.c tests/lib/msg.c \
	"$B/libpfkey.a" "$B/libxfrmnl.a" "$B/libcore.a" -lmnl -lcrypto -lpthread
sd=${STATEDIR:-$tmp}
state=
if [ "${STATE:-0}" = 1 ]; then
	sd=$(mktemp -d "$sd/keyd-bench.XXXXXX")
	state="--state $sd/state"
fi
# shellcheck disable=SC2086 # $state is two words or none
"$B/keyd" --foreground --socket "$tmp/keyd.sock" $state 2>"$tmp/keyd.log" &
pid=$!
i=0
while [ ! -S "$tmp/keyd.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ "${STALL:-0}" = 1 ] && export KEYD_PID="$pid"
"$tmp/keyd_bench" "$tmp/keyd.sock" "$N" "$W" "$PAIRS" "$([ "${LARVAL:-0}" = 1 ] && echo larval || echo none)"
rss=$(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status 2>/dev/null || echo "?")
echo "keyd peak RSS with $N SAs: $rss"
if [ -n "$state" ]; then
	echo "journal: $(du -cb "$sd"/state.j* | tail -n1 | cut -f1) bytes"
	# restart: the journal is replayed (kill -9: no snapshot at shutdown)
	kill -9 "$pid"; wait "$pid" 2>/dev/null || true
	t0=$(date +%s.%N)
	# shellcheck disable=SC2086
	"$B/keyd" --foreground --socket "$tmp/keyd.sock" $state 2>>"$tmp/keyd.log" &
	pid=$!
	i=0
	while ! grep -q "listening" "$tmp/keyd.log" 2>/dev/null || [ "$(grep -c listening "$tmp/keyd.log")" -lt 2 ]; do
		sleep 0.01; i=$((i + 1)); [ $i -lt 6000 ] || break
	done
	t1=$(date +%s.%N)
	echo "restart (snapshot + journal replay, then a new snapshot): $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
	[ "$sd" != "$tmp" ] && rm -rf "$sd"
fi
