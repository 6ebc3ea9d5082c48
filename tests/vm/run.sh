#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: the VM suite (`make vm-check`, and tests/run.sh when qemu exists).
#   run.sh [check] [KVER...]   the suite on each kernel named (default: the
#                   installed Debian 6.1, 6.1.0-*-amd64, and the installed
#                   6.12, 6.12.*+deb12-amd64: the newest of each series;
#                   VM_KERNELS="KVER ..." does the same as arguments;
#                   VM_BOOTS="afkey pfkeyv2 xfrm deb dp nl", the default,
#                   names the boots below to run)
#   run.sh bench [KVER]   one boot measuring keysh batch installs (af_key,
#                   xfrm, pfkeyv2; sizes from VM_BENCH=10000,100000, interleaved
#                   rounds from VM_BENCH_ROUNDS=3), keysh -D
#                   of them (af_key, pfkeyv2) and TCP over ESP AES-GCM keyed
#                   through pfkeyv2 vs ip xfrm on KVER (default: the 6.1
#                   kernel); prints BENCH lines and RATIO lines (> 1: pfkeyv2
#                   faster)
# For each kernel: builds pfkeyv2.ko against /lib/modules/KVER/build (a
# copy of kmod/ under build/vm/KVER, so kernels never share objects), one
# initramfs (busybox, our programs and their libraries, that kernel's
# crypto/xfrm modules in dependency order, af_key.ko and pfkeyv2.ko), then
# boots /boot/vmlinuz-KVER under qemu TCG (never KVM) with panic_on_warn=1
# oops=panic:
#   1. keysh.mode=afkey    Linux af_key records the corpus; keysh's bats suite
#   2. keysh.mode=pfkeyv2  our module: self-tests, corpus, driver --kernel,
#                          keysh's bats suite, reload, stress
#   3. keysh.mode=xfrm     our module on the kernel's xfrm (tests/vm/xfrm.sh):
#                          coexistence with ip xfrm, traffic against ip xfrm
#                          peers, ACQUIRE, EXPIRE, ESN, NEW_MAPPING, per-socket
#                          bypass; tests/vm/xfrm-nf.sh: br_netfilter, nft
#                          INPUT and conntrack over ESP, IPv6 extension
#                          header/fragment policy checks, IPv6 TCP over GCM,
#                          throughput with an unrelated policy; tests/vm/peer.sh:
#                          keysh --peer keys the other namespace
#   4. keysh.mode=deb      the pfkeyv2-dkms package of `make deb` (build/deb;
#                          KEYSH_DEB_DIR): its source built as its dkms.conf
#                          says, installed in updates/dkms with its
#                          modprobe.d file; socket(PF_KEY) loads that module
#   5. keysh.mode=dp       keyd's user-space data path (tests/vm/dp.sh) against
#                          ip xfrm peers: every algorithm, IPv4/IPv6 inside and
#                          outside, captures; keyd vs xfrm benchmark (BENCH
#                          lines only with VM_DPBENCH=1)
# then tests/vm/nl-run.sh: the XFRM netlink store's own boot per kernel, and
# tests/vm/ike-run.sh: strongSwan built from source (racoon when given), per kernel.
# (pfkeyv2.ko has no packet path: the kernel's xfrm does AH/ESP. The
# traffic helpers dpcap, dpinj, dptcp, dpmtu and dpnattsock are built and
# put in /bin for tests of xfrm peers keyed through PF_KEY.)
# A boot passes only if "success" appears on its second serial port, which
# /init writes after a passing suite. The two corpus recordings (third serial
# port) are compared by diffcmp. Every test line names its kernel. Last
# line: "N passed, N failed".
set -u
mode=check
case "${1:-}" in check|bench) mode=$1; shift ;; esac
cd "$(dirname "$0")/../.."
B=${B:-build}
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "not ok - $1${2:+: $2}"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }

# newest KVER of a series installed with both image and modules
newest() { # glob after /boot/vmlinuz-
	for k in /boot/vmlinuz-$1; do
		[ -f "$k" ] && [ -d "/lib/modules/${k#/boot/vmlinuz-}" ] && echo "${k#/boot/vmlinuz-}"
	done | sort -V | tail -n1
}
[ $# -gt 0 ] || set -- ${VM_KERNELS:-}
if [ $# = 0 ]; then
	k61=$(newest '6.1.0-*-amd64') k612=$(newest '6.12.*+deb12-amd64')
	[ -n "$k61" ] || bad "kernel 6.1" "no /boot/vmlinuz-6.1.0-*-amd64 with modules (apt-get install linux-image-amd64 linux-headers-amd64)"
	[ -n "$k612" ] || bad "kernel 6.12" "no /boot/vmlinuz-6.12.*+deb12-amd64 with modules (apt-get install linux-image-6.12-amd64 linux-headers-6.12-amd64)"
	[ "$mode" = bench ] && k612=
	set -- $k61 $k612
fi
[ $# -gt 0 ] || finish
if ! command -v qemu-system-x86_64 >/dev/null; then
	bad qemu "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
	finish
fi
CC=${CC:-cc}
mkdir -p "$B/vm"
if $CC -static -O2 -Wall -Wextra -o "$B/vm/diffclient" tests/vm/diffclient.c tests/lib/msg.c &&
	$CC -static -O2 -Wall -Wextra -o "$B/vm/stress" tests/vm/stress.c tests/lib/msg.c &&
	$CC -static -O2 -Wall -Wextra -o "$B/vm/timeit" tests/vm/timeit.c &&
	$CC -static -O2 -Wall -Wextra -o "$B/vm/kfuzz" tests/vm/kfuzz.c tests/lib/msg.c &&
	$CC -static -O2 -Wall -Wextra -o "$B/vm/dpcap" tests/vm/dpcap.c &&
	$CC -static -O2 -Wall -Wextra -o "$B/vm/dpinj" tests/vm/dpinj.c &&
	$CC -static -O2 -Wall -Wextra -o "$B/vm/dptcp" tests/vm/dptcp.c &&
	$CC -static -O2 -Wall -Wextra -o "$B/vm/dpmtu" tests/vm/dpmtu.c &&
	$CC -static -O2 -Wall -Wextra -o "$B/vm/dpnattsock" tests/vm/dpnattsock.c &&
	$CC -static -O2 -Wall -Wextra -o "$B/vm/xfrmpk" tests/vm/xfrmpk.c tests/lib/msg.c &&
	$CC -static -O2 -Wall -Wextra -o "$B/vm/udpx" tests/vm/udpx.c &&
	$CC -O2 -Wall -Wextra -o "$B/vm/diffcmp" tests/vm/diffcmp.c; then
	ok "diffclient, stress, kfuzz, dpcap, dpinj, dptcp, dpmtu, dpnattsock, xfrmpk, udpx and diffcmp build"
else
	bad "diffclient and diffcmp build"
	finish
fi
# checkpatch (kernel style) over the glue, when a checkpatch.pl is at hand:
# $CHECKPATCH, or a kernel source tree's (Debian's headers packages ship
# none; linux-source-6.x has one). Ignored: compat.h's version tests
# (LINUX_VERSION_CODE, and CONSTANT_COMPARISON, which takes that name for
# a constant), main.c's X-macro prototypes (TRAILING_SEMICOLON) and ENOSYS,
# which PF_KEY answers for an algorithm the kernel lacks (af_key's errno).
chk=${CHECKPATCH:-}
[ -n "$chk" ] || chk=$(ls /usr/src/linux-source-*/scripts/checkpatch.pl 2>/dev/null | tail -n1)
if [ -n "$chk" ] && [ -x "$chk" ]; then
	if "$chk" --no-tree --strict --terse --show-types \
		--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON,TRAILING_SEMICOLON,ENOSYS \
		-f kmod/linux/*.[ch] > "$B/vm/checkpatch.log" 2>&1; then
		ok "checkpatch --strict: kmod/linux clean"
	else
		bad "checkpatch --strict: kmod/linux clean" "see $B/vm/checkpatch.log"
		grep -v '^total' "$B/vm/checkpatch.log" | head -n 10 | sed 's/^/#   /'
	fi
else
	echo "# checkpatch.pl not found (CHECKPATCH=/path/to/checkpatch.pl): not run"
fi
t0=$(date +%s)

# The whole suite on one kernel: kver; out, kimg and have_ko for the helpers.
kernel_suite() {
kver=$1
kimg=/boot/vmlinuz-$kver
KDIR=/lib/modules/$kver/build
out=$B/vm/$kver
if [ ! -f "$kimg" ] || [ ! -d "/lib/modules/$kver" ] || [ ! -d "$KDIR" ]; then
	bad "$kver: kernel image, modules and headers" "need $kimg, /lib/modules/$kver and $KDIR"
	return
fi
mkdir -p "$out"
echo "# kernel $kver, headers $KDIR"

# 1. build (debug: the core self-tests are compiled in and run at insmod),
# in a copy of kmod/ of this kernel's own (Kbuild leaves objects next to
# the sources).
rm -rf "$out/kmod"
mkdir -p "$out/kmod"
cp -R kmod/Kbuild kmod/Makefile kmod/core kmod/linux "$out/kmod/"
git describe --always --dirty > "$out/kmod/VERSION" 2>/dev/null || echo 0.1 > "$out/kmod/VERSION"
if make -s -C "$out/kmod" KDIR="$KDIR" VERSION="$(cat "$out/kmod/VERSION")" debug > "$out/kmod.log" 2>&1 &&
	[ -f "$out/kmod/pfkeyv2.ko" ]; then
	if grep -q 'warning:' "$out/kmod.log"; then
		bad "$kver: pfkeyv2.ko builds warning-free" "see $out/kmod.log"
		grep 'warning:' "$out/kmod.log" | head -n 10 | sed 's/^/#   /'
	else
		ok "$kver: pfkeyv2.ko builds warning-free"
	fi
	cp "$out/kmod/pfkeyv2.ko" "$out/pfkeyv2.ko"
	have_ko=1
	# sparse over every file of the module (no rebuild: same flags): the
	# glue (kmod/linux) and the core (kmod/core, its byte order typed by
	# os_be16/os_be32) must both be clean.
	if command -v sparse > /dev/null; then
		make -s -C "$out/kmod" KDIR="$KDIR" VERSION="$(cat "$out/kmod/VERSION")" \
			PFKEYV2_DEBUG=1 check > "$out/sparse.log" 2>&1
		nl=$(grep -c '/kmod/linux/.*: \(warning\|error\):' "$out/sparse.log")
		nc=$(grep -c '/kmod/core/.*: \(warning\|error\):' "$out/sparse.log")
		if [ "$nl" = 0 ] && [ "$nc" = 0 ] && ! grep -q 'error:' "$out/sparse.log"; then
			ok "$kver: sparse: kmod/linux and kmod/core clean"
		else
			bad "$kver: sparse: kmod/linux and kmod/core clean" \
				"$nl + $nc warnings, see $out/sparse.log"
			grep '/kmod/.*: \(warning\|error\):' "$out/sparse.log" | head -n 10 | sed 's/^/#   /'
		fi
	else
		echo "# $kver: sparse not installed (tests/deps.sh vm): not run"
	fi
else
	sed 's/^/#   /' "$out/kmod.log" | tail -n 30
	bad "$kver: pfkeyv2.ko builds" "see $out/kmod.log"
	have_ko=0
fi

# 1b. the pfkeyv2-dkms package of `make deb`, when there is one: its
# module source (dpkg-deb -x) built for this kernel as its dkms.conf says,
# and its modprobe.d file, for the deb boot (keysh.mode=deb).
have_deb=0 debver=
debpkg=$(ls "${KEYSH_DEB_DIR:-$B/deb}"/pfkeyv2-dkms_*_all.deb 2>/dev/null | tail -n1)
if [ -n "$debpkg" ]; then
	debver=$(dpkg-deb -f "$debpkg" Version)
	rm -rf "$out/deb"
	mkdir -p "$out/deb"
	src=$out/deb/root/usr/src/pfkeyv2-$debver
	if dpkg-deb -x "$debpkg" "$out/deb/root" &&
		mk=$(sed -n 's/^MAKE\[0\]="\(.*\)"$/\1/p' "$src/dkms.conf") &&
		[ "$mk" = 'make -C ${kernel_source_dir} M=${dkms_tree}/${PACKAGE_NAME}/${PACKAGE_VERSION}/build modules' ] &&
		make -s -j2 -C "$KDIR" M="$PWD/$src" modules > "$out/deb/kmod.log" 2>&1 &&
		[ "$(modinfo -F version "$src/pfkeyv2.ko")" = "$debver" ]; then
		ok "$kver: pfkeyv2-dkms $debver: its source builds pfkeyv2.ko as dkms.conf says"
		have_deb=1
	else
		bad "$kver: pfkeyv2-dkms $debver: its source builds pfkeyv2.ko as dkms.conf says" "see $out/deb/kmod.log"
		tail -n 20 "$out/deb/kmod.log" | sed 's/^/#   /'
	fi
else
	echo "# $kver: no pfkeyv2-dkms package in ${KEYSH_DEB_DIR:-$B/deb} (make deb): deb boot not run"
fi

# 2. initramfs. The RNG chain first (drbg self-tests at load need ctr(aes), sha512 and
# jitterentropy, which needs sha3-256 on Debian 6.1; else a WARN). Everything af_key's SADB needs to accept the corpus' SAs is
# inserted by /init (no modprobe in the VM: request_module() fails there).
# A module built into this kernel resolves to no insmod line and is skipped
# (deflate, IPComp's compressor: built in on 6.1, a module on 6.12).
# @NAME: bridge, br_netfilter, nf_tables, nft_ct and conntrack go into the
# initramfs but not into /init's list: only xfrm-nf.sh (the xfrm boot)
# inserts them.
mods="sha3_generic sha512_generic jitterentropy_rng ctr ghash_generic drbg gcm ccm seqiv echainiv authenc authencesn
	chacha_generic poly1305_generic chacha20poly1305 cmac xcbc rmd160
	des_generic cast5_generic blowfish_generic camellia_generic serpent_generic
	twofish_generic deflate esp4 esp6 ah4 ah6 ipcomp ipcomp6 xfrm4_tunnel xfrm6_tunnel xfrm_user veth
	@bridge @br_netfilter @nf_tables @nft_ct @nf_conntrack tun"
afkey=$(modprobe -S "$kver" --show-depends af_key | sed -n 's/^insmod \([^ ]*af_key[^ ]*\).*/\1/p')
files="tests/vm/init:/init tests/vm/suite.sh:/suite.sh tests/vm/keysh-smoke.conf:/keysh-smoke.conf
	$B/vm/diffclient $B/vm/stress $B/vm/timeit $B/vm/kfuzz $afkey
	$B/vm/dpcap $B/vm/dpinj $B/vm/dptcp $B/vm/dpmtu $B/vm/dpnattsock
	kmod/pfkeyv2.conf:/pfkeyv2.conf tests/vm/xfrm.sh:/xfrm.sh $B/vm/xfrmpk
	tests/vm/xfrm-nf.sh:/xfrm-nf.sh tests/vm/xfrm-algs.sh:/xfrm-algs.sh tests/vm/peer.sh:/peer.sh $B/vm/udpx
	tests/vm/dp.sh:/dp.sh"
# OpenSSL's legacy provider (keyd's data path: DES, CAST-128, Blowfish)
legacy=$(ls /usr/lib/*/ossl-modules/legacy.so 2>/dev/null | head -n1)
[ -n "$legacy" ] && files="$files $legacy:$legacy"
# kmod (modprobe, depmod) for the autoload test; /init makes no
# /sbin/modprobe, so request_module() fails until that test links it.
command -v kmod > /dev/null && files="$files $(command -v kmod):/bin/kmod"
[ "$have_ko" = 1 ] && files="$files $out/pfkeyv2.ko"
[ "$have_deb" = 1 ] && files="$files $src/pfkeyv2.ko:/deb/pfkeyv2.ko
	$out/deb/root/etc/modprobe.d/pfkeyv2-dkms.conf:/deb/pfkeyv2-dkms.conf"
for p in keysh keyd driver; do
	[ -x "$B/$p" ] && files="$files $B/$p"
done
# keysh's bats suite (KEYSH_BACKEND=kernel, in both boots): bats, its
# libraries, bash, jq and the tests themselves.
if command -v bats >/dev/null && command -v jq >/dev/null && [ -d /usr/lib/bats-core ] &&
	[ -d /usr/lib/bats/bats-assert ]; then
	files="$files $(command -v bats):/usr/bin/bats /usr/lib/bats-core:/usr/lib/bats-core
		/usr/libexec/bats-core:/usr/libexec/bats-core /usr/lib/bats:/usr/lib/bats
		$(command -v bash):/bin/bash $(command -v jq) tests/bats:/tests/bats"
fi
# nft (nftables) for xfrm-nf.sh's netfilter cases (which fail without it).
nft=$(command -v nft || true)
[ -n "$nft" ] && files="$files $nft"
# iproute2 (busybox ip has no netns/veth/xfrm): the bench and xfrm checks.
ip=$(command -v ip || true)
[ -n "$ip" ] && files="$files $ip:/bin/iproute2-ip"
# shellcheck disable=SC2086
if sh tests/vm/mkinitramfs.sh "$out/initramfs.gz" "$kver" "$mods" -- $files; then
	ok "$kver: initramfs built ($(du -k "$out/initramfs.gz" | cut -f1) KiB)"
else
	bad "$kver: initramfs built"
	return
fi

# 3. boots
if [ "$mode" = bench ]; then
	VM_TIMEOUT=${VM_TIMEOUT:-1500} boot bench "keysh.bench=${VM_BENCH:-10000,100000} keysh.benchrounds=${VM_BENCH_ROUNDS:-3}"
	tr -d '\r' < "$out/console.bench" | grep '^BENCH '
	# ratios (> 1: pfkeyv2 faster); a label measured several times
	# (the TCP runs) counts by its median
	tr -d '\r' < "$out/console.bench" | awk '
		$1 == "BENCH" { n[$2]++; v[$2, n[$2]] = $3 }
		function med(l,   i, j, t, c) {
			c = n[l]
			for (i = 1; i <= c; i++) a[i] = v[l, i]
			for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++)
				if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return a[int((c + 1) / 2)]
		}
		function r(x, y, what) {
			if (n[x] && n[y] && med(y) > 0)
				printf "RATIO %s %.3f (%s ms / %s ms)\n", what, med(x) / med(y), med(x), med(y)
		}
		END {
			for (l in n) if (l ~ /^pfkeyv2-keysh-/) {
				s = substr(l, 15)
				r("afkey-keysh-" s, l, "install-" s "-pfkeyv2-vs-afkey")
				r("xfrm-ip-batch-" s, l, "install-" s "-pfkeyv2-vs-ip-batch")
				r("afkey-dump-" s, "pfkeyv2-dump-" s, "dump-" s "-pfkeyv2-vs-afkey")
			}
			r("tcp-gcm-ip-xfrm", "tcp-gcm-pfkeyv2", "tcp-gcm-pfkeyv2-vs-ip-xfrm")
		}'
	return
fi
k0=$(date +%s)
# Stress size: the issue asks for 100k SAs in pfkeyv2; af_key runs a small
# one to keep the stress tool itself honest.
want afkey && boot afkey "keysh.stress=${VM_STRESS_AFKEY:-2000} keysh.fuzz=${VM_FUZZ_AFKEY:-10}"
[ "$have_ko" = 1 ] && want pfkeyv2 && boot pfkeyv2 "keysh.stress=${VM_STRESS_SAS:-10000} keysh.fuzz=${VM_FUZZ:-60}"
[ "$have_ko" = 1 ] && want xfrm && boot xfrm
[ "$have_deb" = 1 ] && want deb && boot deb "keysh.debver=$debver"
# keyd's user-space data path against ip xfrm peers (no module needed)
want dp && boot dp "keysh.dpbench=${VM_DPBENCH:-0}"
want dp && tr -d '\r' < "$out/console.dp" | grep '^BENCH dp-' | sed "s/^/# $kver: /"
echo "# $kver: boots took $(($(date +%s) - k0)) s"
[ "$have_ko" = 1 ] && want afkey && want pfkeyv2 && compare
}
want() { # boot: named in VM_BOOTS (default: every boot)
	case " ${VM_BOOTS:-afkey pfkeyv2 xfrm deb dp nl} " in *" $1 "*) return 0 ;; esac
	return 1
}

boot() { # mode [extra kernel arguments]
	rm -f "$out/result.$1" "$out/data.$1"
	: > "$out/result.$1"
	: > "$out/data.$1"
	# 900 s: each boot also runs keysh's bats suite (2-7 min under TCG,
	# more on a loaded host).
	timeout --foreground "${VM_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg -cpu max \
		-smp 2 -m 1024M -nodefaults -nographic -no-reboot -monitor none \
		-kernel "$kimg" -initrd "$out/initramfs.gz" \
		-append "console=ttyS0 panic_on_warn=1 oops=panic panic=-1 quiet loglevel=4 keysh.mode=$1 ${2:-}" \
		-serial "file:$out/console.$1" -serial "file:$out/result.$1" \
		-serial "file:$out/data.$1" > "$out/qemu.$1" 2>&1
	rc=$?
	tr -d '\r' < "$out/console.$1" | sed -n 's/^VMTEST \(ok\|FAIL\|skip\) /\1 /p' |
		while read -r st name; do echo "#   $kver $1: $st $name"; done
	if grep -q success "$out/result.$1"; then
		ok "$kver: boot $1: suite passed (success channel)"
	else
		bad "$kver: boot $1: suite passed (success channel)" \
			"qemu rc $rc, console in $out/console.$1"
		tr -d '\r' < "$out/console.$1" | tail -n 40 | sed 's/^/#   /'
	fi
}

# 4. differential comparison (of one kernel's boots: same xfrm underneath)
split() { # mode tag -> file holding that corpus section
	tr -d '\r' < "$out/data.$1" | awk -v want="=== corpus $2" \
		'/^=== corpus /{on = ($0 == want); next} on' > "$out/corpus.$2"
}
keysh_dump() { # mode -> keysh -D/-DP output of that boot, times and pids masked
	tr -d '\r' < "$out/data.$1" | sed -n "/^=== keysh $1\$/,/^=== end\$/p" | sed '1d;$d' |
		sed -e 's/\(created\|current\|lastused\|last\): *[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]* [0-9]*/\1: TIME/g' \
		    -e 's/ pid=[0-9]*/ pid=PID/' -e 's/diff: [0-9]*(s)/diff: N(s)/' > "$out/keysh.$1"
}
compare() {
	split afkey afkey
	keysh_dump afkey
	keysh_dump pfkeyv2
	if [ ! -s "$out/keysh.afkey" ]; then
		echo "# keysh dump comparison not run (no keysh in $B)"
	elif diff -u "$out/keysh.afkey" "$out/keysh.pfkeyv2" > "$out/keysh.diff"; then
		ok "$kver: keysh -D/-DP: af_key and pfkeyv2 print the same"
	else
		bad "$kver: keysh -D/-DP: af_key and pfkeyv2 print the same" "see $out/keysh.diff"
		head -n 30 "$out/keysh.diff" | sed 's/^/#   /'
	fi
	split pfkeyv2 pfkeyv2
	if "$B/vm/diffcmp" "$out/corpus.afkey" "$out/corpus.pfkeyv2" > "$out/diff.txt"; then
		ok "$kver: differential: no unexplained difference ($(tail -n1 "$out/diff.txt"))"
	else
		bad "$kver: differential: af_key vs pfkeyv2" "$(tail -n1 "$out/diff.txt"), see $out/diff.txt"
		grep '^UNEXPLAINED' "$out/diff.txt" | sed 's/^/#   /'
	fi
}

for k; do
	kernel_suite "$k"
done
[ "$mode" = bench ] && finish
# The XFRM netlink store (keysh/keytui/keyd without PF_KEY): its own small
# boot per kernel (tests/vm/nl-run.sh, tests/vm/nl.sh).
# Its ok/not ok lines count here (each test of tests/vm/nl.sh per kernel).
if ! want nl; then
	echo "# netlink store VM tests not run (VM_BOOTS=${VM_BOOTS:-})"
	nlrc=0
else
	KVERS="$*" sh tests/vm/nl-run.sh > "$B/vm/nl.log" 2>&1
	nlrc=$?
	while IFS= read -r l; do
		case "$l" in
		"ok - "*) ok "netlink: ${l#ok - }" ;;
		"not ok - "*) bad "netlink: ${l#not ok - }" ;;
		esac
	done < "$B/vm/nl.log"
fi
if ! want nl; then
	:
elif [ "$nlrc" = 0 ]; then
	ok "netlink store VM tests ($(grep -c '^ok - netlink store' "$B/vm/nl.log") kernels)"
else
	bad "netlink store VM tests" "see $B/vm/nl.log"
	grep -E '^(# .*(check failed|not ok))' "$B/vm/nl.log" | tail -n 20
fi
# Real IKE daemons built from source (strongSwan's charon on pfkeyv2 and on
# af_key, racoon): their own boot per kernel (tests/vm/ike-run.sh); a skip
# line when no source can be had.
# Its ok/not ok lines count here.
KVERS="$*" sh tests/vm/ike-run.sh > "$B/vm/ike.log" 2>&1
grep -E '^(ok|not ok|# skip)' "$B/vm/ike.log"
pass=$((pass + $(grep -c '^ok - ' "$B/vm/ike.log"))) fail=$((fail + $(grep -c '^not ok - ' "$B/vm/ike.log")))
echo "# boots on $# kernel(s) took $(($(date +%s) - t0)) s"
finish
