#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# ike-run.sh: real IKE daemons on PF_KEY in the VM (issue 12): builds
# strongSwan from Debian's source package (and takes racoon when the
# operator gives its programs) with tests/vm/ike-build.sh, then per kernel one qemu TCG boot (never KVM,
# panic_on_warn=1) running tests/vm/ike.sh: charon with kernel-pfkey on
# pfkeyv2.ko, then on af_key, against charon on netlink; racoon <-> racoon.
#   ike-run.sh [KVER...]   default: $KVERS, else every installed
#                          /boot/vmlinuz-*-amd64 with its modules and headers
# pfkeyv2.ko: $B/vm/KVER/pfkeyv2.ko when tests/vm/run.sh built it, else
# built here in $B/ike/kmod-KVER. Without a strongSwan source (no deb-src,
# no IKE_STRONGSWAN_SRC) it prints one "# skip" line with the reason and
# exits 0; racoon likewise (IKE_RACOON_BIN: a directory with racoon and
# setkey). Prints ok/not ok lines and
# "N passed, N failed". VM_TIMEOUT s per boot (default 1500). VM_LOCK=FILE:
# only the qemu runs take that flock(1) (the builds run outside it).
set -u
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
out=$B/ike
mkdir -p "$out"
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "not ok - $1${2:+: $2}"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }

command -v qemu-system-x86_64 > /dev/null || { bad "ike: qemu" "qemu-system-x86_64 missing"; finish; }
t0=$(date +%s)
ss=$(sh tests/vm/ike-build.sh strongswan 2> "$out/build-strongswan.err")
rc=$?
if [ $rc = 3 ]; then
	echo "# skip ike: no strongSwan source: $(tail -n1 "$out/build-strongswan.err")"
	finish
elif [ $rc != 0 ]; then
	cat "$out/build-strongswan.err"
	bad "ike: strongSwan builds from source"
	finish
fi
ok "ike: strongSwan $(sed -n 's/^PACKAGE_VERSION=.\(.*\).$/\1/p' "$out/strongswan/configure" | head -n1) (charon, swanctl) builds from source ($(($(date +%s) - t0)) s)"
files=
for p in $ss; do files="$files $p"; done
t1=$(date +%s)
rs=$(sh tests/vm/ike-build.sh racoon 2> "$out/build-racoon.err")
rc=$?
if [ $rc = 3 ]; then
	echo "# skip ike racoon: $(tail -n1 "$out/build-racoon.err")"
elif [ $rc != 0 ]; then
	cat "$out/build-racoon.err"
	bad "ike: racoon and setkey given"
else
	ok "ike: racoon and setkey (ipsec-tools) from $IKE_RACOON_BIN"
	for p in $rs; do files="$files $p"; done
fi

lock=
[ -n "${VM_LOCK:-}" ] && lock="flock $VM_LOCK"
[ $# -gt 0 ] || set -- ${KVERS:-}
[ $# -gt 0 ] || set -- $(ls /boot/vmlinuz-*-amd64 | sed 's|/boot/vmlinuz-||' | sort -V)
mods="sha3_generic sha512_generic jitterentropy_rng ctr ghash_generic drbg gcm seqiv echainiv
	authenc authencesn esp4 esp6 xfrm4_tunnel xfrm6_tunnel xfrm_user veth"
for kver in "$@"; do
	kimg=/boot/vmlinuz-$kver
	KDIR=/lib/modules/$kver/build
	if [ ! -f "$kimg" ] || [ ! -d "$KDIR" ]; then
		bad "ike: $kver: kernel image and headers" "need $kimg and $KDIR"
		continue
	fi
	ko=$B/vm/$kver/pfkeyv2.ko
	kd=$out/kmod-$kver
	# built here before and no source newer: keep it
	[ -f "$ko" ] || [ ! -f "$kd/pfkeyv2.ko" ] || [ -n "$(find kmod -newer "$kd/pfkeyv2.ko" | head -n1)" ] ||
		ko=$kd/pfkeyv2.ko
	if [ ! -f "$ko" ]; then
		rm -rf "$kd"
		mkdir -p "$kd"
		cp -R kmod/Kbuild kmod/Makefile kmod/core kmod/linux "$kd/"
		ko=$kd/pfkeyv2.ko
		make -s -C "$kd" KDIR="$KDIR" > "$out/kmod-$kver.log" 2>&1 && [ -f "$ko" ] ||
			{ bad "ike: $kver: pfkeyv2.ko builds" "see $out/kmod-$kver.log"; continue; }
	fi
	# glibc loads libgcc_s for pthread_cancel (charon's threads) at run time
	gcc_s=$(ldconfig -p | sed -n 's/^[[:space:]]*libgcc_s.so.1 (libc6,x86-64) => //p' | head -n1)
	afkey=$(modprobe -S "$kver" --show-depends af_key | sed -n 's/^insmod \([^ ]*af_key[^ ]*\).*/\1/p')
	rd=$out/initramfs.$kver.gz
	# shellcheck disable=SC2086
	if ! sh tests/vm/mkinitramfs.sh "$rd" "$kver" "$mods" -- tests/vm/init:/init \
		tests/vm/ike.sh:/suite.sh "$ko" $afkey "$(command -v ip):/bin/iproute2-ip" $files ${gcc_s:+$gcc_s:$gcc_s} \
		> "$out/initramfs.$kver.log" 2>&1; then
		cat "$out/initramfs.$kver.log"
		bad "ike: $kver: initramfs"
		continue
	fi
	: > "$out/result.$kver"
	k0=$(date +%s)
	# shellcheck disable=SC2086
	$lock timeout --foreground "${VM_TIMEOUT:-1500}" qemu-system-x86_64 -accel tcg -cpu max \
		-smp 2 -m 1024M -nodefaults -nographic -no-reboot -monitor none \
		-kernel "$kimg" -initrd "$rd" \
		-append "console=ttyS0 panic_on_warn=1 oops=panic panic=-1 quiet loglevel=4 keysh.mode=ike" \
		-serial "file:$out/console.$kver" -serial "file:$out/result.$kver" \
		-serial null > "$out/qemu.$kver" 2>&1
	qrc=$?
	tr -d '\r' < "$out/console.$kver" > "$out/console.$kver.txt"
	sed -n 's/^VMTEST ok \(.*\)/\1/p' "$out/console.$kver.txt" |
		while read -r l; do echo "ok - $kver: $l"; done
	sed -n 's/^VMTEST FAIL \(.*\)/\1/p' "$out/console.$kver.txt" |
		while read -r l; do echo "not ok - $kver: $l"; done
	np=$(grep -c '^VMTEST ok ' "$out/console.$kver.txt")
	nf=$(grep -c '^VMTEST FAIL ' "$out/console.$kver.txt")
	pass=$((pass + np)) fail=$((fail + nf))
	if grep -q success "$out/result.$kver"; then
		ok "ike: $kver: boot passed ($(($(date +%s) - k0)) s)"
	else
		bad "ike: $kver: boot passed" "qemu rc $qrc, console in $out/console.$kver.txt"
		[ "$nf" -gt 0 ] || tail -n 40 "$out/console.$kver.txt" | sed 's/^/#   /'
	fi
	grep -q '^--- ' "$out/console.$kver.txt" && echo "# failure logs: $out/console.$kver.txt"
done
finish
