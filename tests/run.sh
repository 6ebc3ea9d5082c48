#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: the `make check` driver. Runs every suite, collects each suite's
# pass/fail counts and ends with one summary line "N passed, N failed".
# Suites: unit (C; again under valgrind's memcheck), driver (C, against a
# private keyd), bats (keysh/keytui),
# systemd (the packages under systemd-nspawn; KEYSH_SKIP_SYSTEMD=1 skips),
# then the VM suite when qemu and a Debian kernel image are present.
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
export KEYSH_BUILD="$PWD/$B"
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
total_pass=0 total_fail=0

count() { # suite-name logfile: parse "N passed, N failed" or TAP ok/not ok
	p=$(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1/p' "$2" | tail -n1)
	f=$(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\2/p' "$2" | tail -n1)
	if [ -z "$p" ]; then
		p=$(grep -c '^ok ' "$2" || true)
		f=$(grep -c '^not ok ' "$2" || true)
	fi
	if [ "$3" != 0 ] && [ "$f" = 0 ]; then f=1; echo "$1: exited $3 with no failed case recorded" ; fi
	echo "== $1: $p passed, $f failed"
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
}

suite() { # name command...
	name=$1; shift
	echo "== $name"
	"$@" > "$log/$name" 2>&1
	rc=$?
	cat "$log/$name"
	count "$name" "$log/$name" "$rc"
}

suite unit "./$B/unit"
# The same cases under memcheck: an uninitialised read or a leak of the
# libraries' error paths fails it (--error-exitcode), whatever the case checks.
if command -v valgrind > /dev/null; then
	suite unit-memcheck valgrind -q --error-exitcode=9 "./$B/unit"
fi
[ -x "./$B/driver" ] && suite driver "./$B/driver" "./$B/keyd"
if ls tests/bats/*.bats >/dev/null 2>&1; then
	suite bats bats --tap tests/bats
fi
# The packages of `make deb` on a Debian 12 root booted by systemd-nspawn
# (systemd as PID 1): keyd.service, keysh-load.service, dpkg -i/-r.
if [ -f tests/systemd/run.sh ] && [ "${KEYSH_SKIP_SYSTEMD:-0}" != 1 ]; then
	suite systemd sh tests/systemd/run.sh
fi
if [ -x tests/vm/run.sh ] && [ "${KEYSH_SKIP_VM:-0}" != 1 ]; then
	if command -v qemu-system-x86_64 >/dev/null 2>&1 && ls /boot/vmlinuz-*-amd64 >/dev/null 2>&1; then
		suite vm sh tests/vm/run.sh
	else
		echo "== vm: not run (qemu-system-x86_64 or /boot/vmlinuz-*-amd64 missing; make vm-check installs them)"
	fi
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
