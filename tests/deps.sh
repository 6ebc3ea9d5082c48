#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# deps.sh: install (as root on Debian) or name (otherwise) what a make target
# needs. Groups: build (compile keysh/keyd/keytui), test (unit, driver, bats,
# tmux-driven tests, systemd-analyze for the units), vm (the qemu suite and
# pfkeyv2.ko), fuzz (clang), deb (make deb: debhelper, DKMS helper, lintian).
set -eu
pkgs_build="gcc make libc6-dev linux-libc-dev libedit-dev libncurses-dev libssl-dev libmnl-dev pkg-config"
pkgs_test="bats bats-assert bats-support tmux valgrind python3 iproute2 procps systemd"
pkgs_vm="qemu-system-x86 linux-image-amd64 linux-headers-amd64 busybox-static cpio kmod iproute2"
pkgs_fuzz="clang libclang-rt-dev"
pkgs_deb="dpkg-dev debhelper dh-dkms lintian fakeroot"

want=""
for g in "${@:-build}"; do
	case "$g" in
	build) want="$want $pkgs_build" ;;
	test) want="$want $pkgs_test" ;;
	vm) want="$want $pkgs_vm" ;;
	fuzz) want="$want $pkgs_fuzz" ;;
	deb) want="$want $pkgs_deb" ;;
	*) echo "deps.sh: unknown group '$g'" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null 2>&1 || true
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	exit 0
fi
echo "deps: missing packages:$missing" >&2
echo "deps: install them with: sudo apt-get install$missing" >&2
exit 1
