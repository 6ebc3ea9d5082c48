#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# deps.sh: install (as root on Debian) or name (otherwise) what a make target
# needs. Groups: build (compile keysh/keyd/keytui), test (unit, driver, bats,
# tmux-driven tests, systemd-analyze for the units, systemd-nspawn), vm (the qemu suite and
# pfkeyv2.ko), fuzz (clang), deb (make deb: debhelper, DKMS helper, lintian),
# ike (the IKE daemons of tests/vm/ike-run.sh built from source: deb-src
# lines for `apt-get source strongswan`).
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
# ike: strongSwan's upstream tarball comes from Debian's source package (deb-src
# lines are added next to the deb ones, see debsrc_enable).
pkgs_ike="dpkg-dev libssl-dev pkg-config"

want="" ike=0
for g in "${@:-build}"; do
	case "$g" in
	build) want="$want $pkgs_build" ;;
	test) want="$want $pkgs_test" ;;
	vm) want="$want $pkgs_vm" ;;
	fuzz) want="$want $pkgs_fuzz" ;;
	deb) want="$want $pkgs_deb" ;;
	ike) want="$want $pkgs_ike" ike=1 ;;
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

# deb-src twins of the Debian archive's deb sources (deb822 .sources and
# one-line .list files), so apt-get source works; once, as root.
debsrc_enable() {
	f=/etc/apt/sources.list.d/keysh-deb-src.sources
	[ "$(id -u)" = 0 ] && command -v apt-get > /dev/null 2>&1 || return 0
	[ -f "$f" ] && return 0
	apt-cache showsrc strongswan 2>/dev/null | grep -q '^Version:' && return 0
	{
		for s in /etc/apt/sources.list.d/*.sources; do
			[ -f "$s" ] && [ "$s" != "$f" ] || continue
			awk 'BEGIN { RS = ""; FS = "\n" }
				{
					d = 0; u = 0
					for (i = 1; i <= NF; i++) {
						if ($i ~ /^Types:/ && (" " $i " ") ~ / deb /) d = 1
						if ($i ~ /^URIs:.*debian/) u = 1
					}
					if (!d || !u) next
					for (i = 1; i <= NF; i++) {
						if ($i ~ /^Types:/) $i = "Types: deb-src"
						print $i
					}
					print ""
				}' "$s"
		done
		for s in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$s" ] || continue
			sed -n 's/^deb \(.*debian.*\)/Types: deb-src\nURIs: \1/p' "$s" |
				awk '/^URIs:/ { n = split($0, w, " "); print "URIs: " w[2]; print "Suites: " w[3];
					c = ""; for (i = 4; i <= n; i++) c = c " " w[i]; print "Components:" c; print ""; next } 1'
		done
	} > "$f.tmp"
	if [ -s "$f.tmp" ]; then
		mv "$f.tmp" "$f"
		echo "deps: deb-src enabled ($f)"
		apt-get update -qq > /dev/null 2>&1 || true
	else
		rm -f "$f.tmp"
	fi
}
[ "$ike" = 1 ] && debsrc_enable

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
