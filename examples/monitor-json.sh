#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Live PF_KEY events as JSON lines, one object per event, piped to jq and to
# python. keysh line-buffers its output, so each event arrives at once;
# keys stay "hidden" unless -K. Lost events (receive-buffer overflow) arrive
# as {"type":"LOST","count":N}.
# Usage: monitor-json.sh [jq|python] [keysh monitor options...]
KEYSH=${KEYSH:-keysh}
mode=${1:-jq}
[ $# -gt 0 ] && shift	# the rest are keysh's options, e.g. --satype esp
case $mode in
jq)
	# SA additions and deletions, one line each; LOST reports as they are.
	"$KEYSH" -x --json "$@" 2>/dev/null |
		jq -r --unbuffered 'if .type == "LOST" then "lost \(.count) events"
			elif .kind == "sa" then
			"\(.time) \(.type) \(.satype) \(.sa.spi_hex) \(.sa.src.addr) -> \(.sa.dst.addr)"
			else empty end'
	;;
python)
	# Count events per type; print the table on Ctrl-C.
	"$KEYSH" -x --json "$@" 2>/dev/null | python3 -c '
import json, sys, collections
n = collections.Counter()
try:
    for line in sys.stdin:
        ev = json.loads(line)
        n[ev["type"]] += 1
        print(ev["type"], ev.get("sa", {}).get("spi_hex", ""), flush=True)
except KeyboardInterrupt:
    pass
for t, c in n.most_common():
    print(f"{t:12} {c}")
'
	;;
*)
	echo "usage: $0 [jq|python] [keysh options...]" >&2
	exit 2
	;;
esac
