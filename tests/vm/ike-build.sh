#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# ike-build.sh: provides the real PF_KEY clients of the IKE VM boot
# (tests/vm/ike-run.sh), cached under $B/ike.
#   ike-build.sh strongswan   strongSwan's charon and swanctl (IKEv1/IKEv2,
#       kernel-pfkey and kernel-netlink, openssl, vici: a minimal static,
#       monolithic build). Source: $IKE_STRONGSWAN_SRC (an upstream
#       strongswan-*.tar.* or an unpacked tree) or else Debian's source
#       package through apt (`apt-get source --download-only strongswan`:
#       needs deb-src lines, which `tests/deps.sh ike` adds), whose upstream
#       tarball (.orig, signed and checksummed by Debian) is built as it is:
#       Debian's patches are not applied.
#   ike-build.sh racoon       ipsec-tools' racoon and setkey, unmodified
#       programs the operator built: Debian 12 has no ipsec-tools package
#       and this repository carries no recipe to build code from outside
#       Debian's archive, so they come only from $IKE_RACOON_BIN (a
#       directory holding racoon and setkey, e.g. ipsec-tools 0.9.1); without
#       it, exit 3 and say so.
# Prints the paths of the programs (stripped copies in $B/ike/bin, one
# per line) on success; exit 1
# on a failed build (log in $B/ike/*.log), 3 when no source can be had.
# A build is redone only when its source or configure arguments change
# ($B/ike/<name>.stamp).
set -u
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
O=$PWD/$B/ike
mkdir -p "$O/src"
what=${1:-}
JOBS=${IKE_JOBS:-2}

# unpack SRC (tarball, tree or git directory) into DIR, fresh
unpack() { # src dir
	rm -rf "$2"
	mkdir -p "$2"
	if [ -d "$1" ] && git --git-dir="$1" rev-parse HEAD > /dev/null 2>&1; then
		git --git-dir="$1" archive HEAD | tar x -C "$2"
	elif [ -d "$1" ]; then
		cp -R "$1"/. "$2"
	else
		tar xf "$1" -C "$2" --strip-components=1
	fi
}
# what identifies a source: a tarball's checksum, a git HEAD, a tree's name
src_id() {
	if [ -d "$1" ] && git --git-dir="$1" rev-parse HEAD > /dev/null 2>&1; then
		git --git-dir="$1" rev-parse HEAD
	elif [ -d "$1" ]; then
		echo "$1"
	else
		sha256sum "$1" | cut -d' ' -f1
	fi
}

# stripped copies in $O/bin (a smaller initramfs), their paths printed
inst() {
	mkdir -p "$O/bin"
	for p; do
		strip -o "$O/bin/$(basename "$p")" "$p" || cp "$p" "$O/bin/"
		echo "$O/bin/$(basename "$p")"
	done
}

strongswan_src() { # -> path of an upstream tarball or tree
	if [ -n "${IKE_STRONGSWAN_SRC:-}" ]; then
		[ -e "$IKE_STRONGSWAN_SRC" ] || { echo "ike-build: IKE_STRONGSWAN_SRC=$IKE_STRONGSWAN_SRC: no such file" >&2; return 3; }
		echo "$IKE_STRONGSWAN_SRC"
		return 0
	fi
	t=$(ls "$O"/src/strongswan_*.orig.tar.* 2>/dev/null | grep -v '\.asc$' | sort -V | tail -n1)
	if [ -z "$t" ]; then
		command -v apt-get > /dev/null || { echo "ike-build: no apt-get and no IKE_STRONGSWAN_SRC" >&2; return 3; }
		# Newest first; a version whose files the mirror does not serve
		# (the security archive's deb-src may be missing) is skipped.
		vers=$(apt-cache showsrc strongswan 2>/dev/null | sed -n 's/^Version: //p' | sort -rV | uniq)
		[ -n "$vers" ] || { echo "ike-build: apt knows no source package strongswan (deb-src lines: sh tests/deps.sh ike)" >&2; return 3; }
		for v in $vers; do
			(cd "$O/src" && apt-get source --download-only -qq "strongswan=$v") > "$O/apt-source.log" 2>&1 && break
		done
		t=$(ls "$O"/src/strongswan_*.orig.tar.* 2>/dev/null | grep -v '\.asc$' | sort -V | tail -n1)
		[ -n "$t" ] || { echo "ike-build: apt-get source strongswan failed: $(tail -n1 "$O/apt-source.log")" >&2; return 3; }
	fi
	echo "$t"
}

build_strongswan() {
	src=$(strongswan_src) || return $?
	args="--prefix=/usr --sysconfdir=/etc --with-piddir=/run --disable-defaults
		--enable-charon --enable-ikev1 --enable-ikev2 --enable-kernel-pfkey
		--enable-kernel-netlink --enable-socket-default --enable-openssl
		--enable-nonce --enable-random --enable-kdf --enable-swanctl --enable-vici
		--enable-monolithic --enable-static --disable-shared"
	id="$(src_id "$src") $(echo $args)"
	d=$O/strongswan
	if [ "$(cat "$O/strongswan.stamp" 2>/dev/null)" != "$id" ] ||
		[ ! -x "$d/src/charon/charon" ] || [ ! -x "$d/src/swanctl/swanctl" ]; then
		rm -f "$O/strongswan.stamp"
		unpack "$src" "$d" || return 1
		# shellcheck disable=SC2086
		(cd "$d" && ./configure $args && make -j"$JOBS") > "$O/strongswan.log" 2>&1 || {
			echo "ike-build: strongSwan build failed, see $O/strongswan.log" >&2
			tail -n 20 "$O/strongswan.log" >&2
			return 1
		}
		echo "$id" > "$O/strongswan.stamp"
	fi
	inst "$d/src/charon/charon" "$d/src/swanctl/swanctl"
}

use_racoon() {
	d=${IKE_RACOON_BIN:-}
	if [ -z "$d" ]; then
		echo "ike-build: racoon: not given (Debian 12 has no ipsec-tools package; set IKE_RACOON_BIN to a directory holding racoon and setkey)" >&2
		return 3
	fi
	for p in racoon setkey; do
		[ -x "$d/$p" ] || { echo "ike-build: IKE_RACOON_BIN=$d: no executable $p" >&2; return 3; }
	done
	inst "$d/racoon" "$d/setkey"
}

case "$what" in
strongswan) build_strongswan ;;
racoon) use_racoon ;;
*) echo "usage: ike-build.sh strongswan|racoon" >&2; exit 2 ;;
esac
