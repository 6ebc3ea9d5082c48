#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# keysh.sh: keysh against the raw-message client, same keyd, same run.
#   1. batch install of N SAs: `keysh -f` vs keyd_bench (raw pre-built ADDs,
#      window 64); goal keysh >= 0.8x the raw rate.
#   2. dump + render of N SAs: `keysh -D` (setkey text) and `keysh --json -D`
#      to /dev/null vs dump_raw (recv only); goal <= 1.5x the raw time.
#   3. monitor: `keysh -x --json` reading the ADD broadcasts of N SAs that
#      keysh/paced.c adds at RATE per second (default 50000); every event
#      must be shown or counted as lost: shown + lost = N, goal lost = 0.
# ROUNDS alternating rounds per case, best of each side. The machine's load
# is printed first: other work on it shows in every wall-clock number.
# Usage:
#   B=build sh tests/bench/keysh.sh [N] [ROUNDS] [RATE]
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
N=${1:-100000}
R=${2:-3}
RATE=${3:-50000}
for b in keyd keysh; do
	[ -x "$B/$b" ] || { echo "keysh.sh: $B/$b missing (make B=$B userspace)" >&2; exit 1; }
done
make -s B="$B" "$B/libpfkey.a" "$B/libxfrmnl.a" "$B/libcore.a"
tmp=$(mktemp -d)
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cc -O2 -D_GNU_SOURCE -Ikmod/core -Isrc/lib -o "$tmp/keyd_bench" tests/bench/keyd/*.c tests/lib/msg.c \
	"$B/libpfkey.a" "$B/libxfrmnl.a" "$B/libcore.a" -lmnl -lcrypto -lpthread
cc -O2 -o "$tmp/dump_raw" tests/bench/keysh/dump_raw.c tests/lib/msg.c
cc -O2 -o "$tmp/paced" tests/bench/keysh/paced.c tests/lib/msg.c
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
sh tests/bench/keysh/gen.sh "$N" > "$tmp/sas.conf"
"$B/keyd" --foreground --socket "$tmp/keyd.sock" 2>"$tmp/keyd.log" &
pid=$!
i=0
while [ ! -S "$tmp/keyd.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
K="$B/keysh --socket $tmp/keyd.sock"

t() { # command...: wall seconds
	s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N)
	echo "$s $e" | awk '{ printf "%.3f\n", $2 - $1 }'
}
min() { sort -n | head -n1; }

: > "$tmp/raw_add"; : > "$tmp/ksh_add"
for r in $(seq 1 "$R"); do
	$K -F
	"$tmp/keyd_bench" "$tmp/keyd.sock" "$N" 64 |
		sed -n 's/^keyd ADD .* in \([0-9.]*\) s.*/\1/p' >> "$tmp/raw_add"
	$K -F
	t $K -f "$tmp/sas.conf" >> "$tmp/ksh_add"
done
raw=$(min < "$tmp/raw_add"); ksh=$(min < "$tmp/ksh_add")
echo "batch install $N SAs: raw client ${raw}s, keysh -f ${ksh}s" \
	"-> keysh/raw rate ratio $(echo "$raw $ksh" | awk '{ printf "%.2f", $1 / $2 }') (goal >= 0.80)"

# The table now holds N SAs (keysh's last round).
[ "$($K --json -D | wc -l)" -eq "$N" ] || { echo "keysh.sh: expected $N SAs" >&2; exit 1; }
: > "$tmp/raw_dump"; : > "$tmp/ksh_dump"; : > "$tmp/ksh_json"
for r in $(seq 1 "$R"); do
	"$tmp/dump_raw" "$tmp/keyd.sock" | awk '{ print $2 }' >> "$tmp/raw_dump"
	t $K -D >> "$tmp/ksh_dump"
	t $K --json -D >> "$tmp/ksh_json"
done
raw=$(min < "$tmp/raw_dump"); ksh=$(min < "$tmp/ksh_dump"); js=$(min < "$tmp/ksh_json")
echo "dump $N SAs: raw receive ${raw}s, keysh -D ${ksh}s" \
	"($(echo "$ksh $raw" | awk '{ printf "%.2f", $1 / $2 }')x), keysh --json -D ${js}s" \
	"($(echo "$js $raw" | awk '{ printf "%.2f", $1 / $2 }')x) (goal <= 1.5x)"

for r in $(seq 1 "$R"); do
	$K -F
	$B/keysh --socket "$tmp/keyd.sock" -x --json > "$tmp/mon.out" 2> "$tmp/mon.err" &
	mon=$!
	sleep 0.3
	gen=$("$tmp/paced" "$tmp/keyd.sock" "$N" "$RATE" | sed -n 's/^paced ADD: .* = \([0-9]*\) SAs\/s.*/\1/p')
	# Stop the monitor once it has caught up (its output stopped growing):
	# events still queued at SIGINT would be neither shown nor lost.
	prev=-1; i=0
	while [ $i -lt 40 ]; do
		sleep 0.25
		cur=$(wc -c < "$tmp/mon.out")
		[ "$cur" -eq "$prev" ] && break
		prev=$cur; i=$((i + 1))
	done
	kill -INT "$mon"
	wait "$mon" || true
	shown=$(grep -c '"type":"ADD"' "$tmp/mon.out" || true)
	lost=$(sed -n 's/^keysh: monitor: \([0-9]*\) messages* lost in total$/\1/p' "$tmp/mon.err")
	lost=${lost:-0}
	echo "monitor at $gen events/s (paced): $shown shown, $lost lost (counted)," \
		"sum $((shown + lost)) of $N"
done
