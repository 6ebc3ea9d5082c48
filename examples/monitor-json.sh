#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Live PF_KEY events as JSON lines, one object per event, piped to jq and to
# python. keysh line-buffers its output, so each event arrives at once;
# keys stay "hidden" unless -K. Lost events (receive-buffer overflow) arrive
# as {"type":"LOST","count":N}.
KEYSH=${KEYSH:-keysh}
case ${1:-jq} in
jq)
	# SA additions and deletions, one line each.
	"$KEYSH" -x --json "$@" 2>/dev/null |
		jq -r --unbuffered 'select(.kind == "sa") |
			"\(.time) \(.type) \(.satype) \(.sa.spi_hex) \(.sa.src.addr) -> \(.sa.dst.addr)"'
	;;
python)
	# Count events per type; print the table on Ctrl-C.
	"$KEYSH" -x --json 2>/dev/null | python3 -c '
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
esac
