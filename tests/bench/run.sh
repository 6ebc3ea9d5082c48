#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: `make bench`. Runs every tests/bench/*.sh benchmark in turn; each
# prints its measurements and the ratios side by side from one run. Results
# are recorded by hand in tests/bench/RESULTS.md with the command used.
set -eu
cd "$(dirname "$0")/../.."
export B=${B:-build}
make -s B="$B" userspace "$B/libpfkey.a" "$B/libcore.a"
for s in tests/bench/*.sh; do
	[ "$(basename "$s")" = run.sh ] && continue
	[ -n "${BENCH:-}" ] && case "$s" in *"$BENCH"*) ;; *) continue ;; esac
	echo "== bench: $(basename "$s" .sh)"
	sh "$s"
done
