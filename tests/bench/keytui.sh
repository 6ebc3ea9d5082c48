#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# keytui.sh: keytui frame time and memory. Loads N (default 100000) SAs into
# a private keyd, then runs keytui in a tmux pane (a real terminal) twice:
#  1. open, scroll (PgDn, j, End, Home) and filter incrementally over N SAs;
#  2. scroll while keytui_load churns ADD/DELETE at RATE (default 10000)
#     requests/s, i.e. RATE broadcasts/s into keytui's event socket.
# keytui --stats reports time to the first complete dump, frames, average and
# maximum frame time, peak RSS, events received and dropped.
# Usage: sh tests/bench/keytui.sh [N] [RATE] [SECONDS]
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
N=${1:-100000}
RATE=${2:-10000}
SECS=${3:-5}
command -v tmux >/dev/null || { echo "keytui.sh: tmux not installed" >&2; exit 1; }
[ -x "$B/keytui" ] && [ -x "$B/keyd" ] || { echo "keytui.sh: make B=$B userspace first" >&2; exit 1; }
tmp=$(mktemp -d)
cleanup() {
	tmux -S "$tmp/tmux.sock" kill-server 2>/dev/null || true
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
cc -O2 -D_GNU_SOURCE -Ikmod/core -Isrc/lib -o "$tmp/keytui_load" tests/bench/keytui/keytui_load.c \
	"$B/libpfkey.a" "$B/libxfrmnl.a" "$B/libcore.a" -lmnl -lcrypto -lpthread
"$B/keyd" --foreground --socket "$tmp/keyd.sock" 2>"$tmp/keyd.log" &
pid=$!
i=0
while [ ! -S "$tmp/keyd.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
"$tmp/keytui_load" "$tmp/keyd.sock" load "$N"

# run_tui NAME KEYS-FILE: keytui in a 132x43 tmux pane until it quits
run_tui() {
	rm -f "$tmp/done"
	tmux -S "$tmp/tmux.sock" -f /dev/null new-session -d -s "$1" -x 132 -y 43 \
		"env TERM=screen KEYTUI_FRAME_LOG=${KEYTUI_FRAME_LOG:+$KEYTUI_FRAME_LOG.$1} $PWD/$B/keytui --socket $tmp/keyd.sock --keys $2 --stats $tmp/$1.stats; touch $tmp/done"
	i=0
	while [ ! -f "$tmp/done" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
	[ -f "$tmp/done" ] || { echo "keytui.sh: $1 did not finish" >&2; exit 1; }
}

# 1: open, scroll, filter
{
	printf '<Idle>'
	i=0; while [ $i -lt 50 ]; do printf '<PgDn>'; i=$((i + 1)); done
	i=0; while [ $i -lt 200 ]; do printf 'j<Wait=2>'; i=$((i + 1)); done
	printf '<End><Wait=50><Home><Wait=50>'
	printf '/10.1.2<Wait=50>3<Wait=50>4<Wait=50><Bs><Wait=50><Enter><Wait=50><Esc><Wait=50>'
	printf '/0x10abc<Wait=50><Esc><Wait=50>s<Wait=50>s<Wait=50>S<Wait=50>q'
} >"$tmp/scroll.keys"
run_tui scroll "$tmp/scroll.keys"
echo "keytui open+scroll+filter with $N SAs (tmux 132x43):"
sed 's/^/  /' "$tmp/scroll.stats"

# 2: scroll while events pour in: the SAD (100k rows changing underneath)
# for the first half, the Events view for the second
{
	printf '<Idle>1'
	half=$((SECS * 10 + 30))
	i=0; while [ $i -lt $half ]; do printf 'k<Wait=25>j<Wait=25>'; i=$((i + 1)); done
	printf '3'
	i=0; while [ $i -lt $half ]; do printf 'k<Wait=25>j<Wait=25>'; i=$((i + 1)); done
	printf '1<Wait=100>q'
} >"$tmp/churn.keys"
run_tui churn "$tmp/churn.keys" &
tuipid=$!
sleep 1.5	# keytui has loaded the dump by now (see load_ms above)
"$tmp/keytui_load" "$tmp/keyd.sock" churn "$RATE" "$SECS" | tee "$tmp/churn.out" || true
wait $tuipid
echo "keytui scrolling while $RATE broadcasts/s arrive for ${SECS}s:"
sed 's/^/  /' "$tmp/churn.stats"
sent=$(sed -n 's/^keytui_load: churn \([0-9]*\) requests.*/\1/p' "$tmp/churn.out")
got=$(awk '/^events / {print $2}' "$tmp/churn.stats")
# 3 of the events are the REGISTER replies keytui asked for at start
echo "  broadcasts received $((got - 3)) of $sent (the rest were dropped by keyd for a full client queue)"
