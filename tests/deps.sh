#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# deps.sh: install (as root on Debian) or name (otherwise) what a make target
# needs. Groups: build (compile keysh/keyd/keytui), test (unit, driver, bats,
# tmux-driven tests, systemd-analyze for the units, systemd-nspawn), vm (the qemu suite and
# pfkeyv2.ko), fuzz (clang), deb (make deb: debhelper, DKMS helper, lintian).
set -eu
pkgs_build="gcc make libc6-dev linux-libc-dev libedit-dev libncurses-dev libssl-dev libmnl-dev pkg-config"
# systemd-container and mmdebstrap: tests/systemd boots a bookworm root
# with the packages of make deb under systemd-nspawn.
pkgs_test="bats bats-assert bats-support tmux valgrind python3 iproute2 procps systemd iputils-ping
	systemd-container mmdebstrap"
# vm: the two kernels the VM suite boots (tests/vm/run.sh): Debian 12's 6.1
# (linux-image-amd64) and 6.12 from bookworm-security (the linux-*-6.12-amd64
# metapackages follow its newest 6.12.*+deb12 ABI, so no pinned version can vanish).
# sparse and checkpatch.pl (from linux-source-6.12: the headers packages
# ship no checkpatch) check pfkeyv2.ko's Linux part on the host; nft goes
# into the VM for tests/vm/xfrm-nf.sh.
pkgs_vm="qemu-system-x86 linux-image-amd64 linux-headers-amd64 linux-image-6.12-amd64
	linux-headers-6.12-amd64 busybox-static cpio kmod iproute2 sparse linux-source-6.12 nftables"
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

# linux-source ships a tarball: take checkpatch.pl and its data files out
# (tests/vm/run.sh looks for /usr/src/linux-source-*/scripts/checkpatch.pl).
checkpatch_unpack() {
	for t in /usr/src/linux-source-6.12.tar.xz; do
		d=${t%.tar.xz}
		[ -f "$t" ] && [ ! -x "$d/scripts/checkpatch.pl" ] && [ "$(id -u)" = 0 ] || continue
		tar -C /usr/src -xJf "$t" --wildcards '*/scripts/checkpatch.pl' \
			'*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch' || true
	done
	return 0
}

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	checkpatch_unpack
	exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null 2>&1 || true
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	checkpatch_unpack
	exit 0
fi
echo "deps: missing packages:$missing" >&2
echo "deps: install them with: sudo apt-get install$missing" >&2
exit 1
