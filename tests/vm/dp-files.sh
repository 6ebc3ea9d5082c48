#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# dp-files.sh: prints the SRC:DEST pairs the data-path boot's initramfs needs
# besides the binaries: every known-answer vector file (as /vectors/NAME) and
# every topic file tests/vm/dp-case-*.sh (as /NAME, sourced by dp.sh).
# Shared by run.sh (make vm-check) and dp-run.sh (one dp boot).
cd "$(dirname "$0")/../.." || exit 1
for f in tests/vectors/*.txt; do
	[ -f "$f" ] && echo "$f:/vectors/${f##*/}"
done
for f in tests/vm/dp-case-*.sh; do
	[ -f "$f" ] && echo "$f:/${f##*/}"
done
exit 0
