#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: the VM suite (`make vm-check`, and tests/run.sh when qemu exists).
# Builds pfkeyv2.ko for the newest installed Debian kernel image, the static
# differential client and the host-side comparer, one initramfs (busybox,
# our programs and their libraries, the kernel's crypto/xfrm modules in
# dependency order, af_key.ko and pfkeyv2.ko), then boots three times under
# qemu TCG (never KVM) with panic_on_warn=1 oops=panic:
#   1. keysh.mode=afkey    Linux af_key records the corpus; keysh's bats suite
#   2. keysh.mode=pfkeyv2  our module: self-tests, corpus, driver --kernel,
#                          keysh's bats suite, reload, stress
#   3. keysh.mode=dp       our module's AH/ESP data path against Linux xfrm
#                          in two network namespaces over veth (tests/vm/dp.sh)
# A boot passes only if "success" appears on its second serial port, which
# /init writes after a passing suite. The two corpus recordings (third serial
# port) are compared by diffcmp. Last line: "N passed, N failed".
#   run.sh          the suite above
#   run.sh bench    one boot measuring keysh batch installs (af_key, xfrm,
#                   pfkeyv2; sizes from VM_BENCH=10000,100000); prints BENCH lines
set -u
mode=${1:-check}
cd "$(dirname "$0")/../.."
B=${B:-build}
out=$B/vm
mkdir -p "$out"
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "not ok - $1${2:+: $2}"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }

kimg=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n1)
kver=${kimg#/boot/vmlinuz-}
KDIR=${KDIR:-/lib/modules/$kver/build}
if [ -z "$kimg" ] || [ ! -d "/lib/modules/$kver" ]; then
	bad "kernel image" "no /boot/vmlinuz-*-amd64 with modules (apt-get install linux-image-amd64)"
	finish
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
	bad qemu "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
	finish
fi
echo "# kernel $kver, headers $KDIR"

# 1. build (debug: the core self-tests are compiled in and run at insmod)
if make -s -C kmod KDIR="$KDIR" debug > "$out/kmod.log" 2>&1 && [ -f kmod/pfkeyv2.ko ]; then
	if grep -q 'warning:' "$out/kmod.log"; then
		bad "pfkeyv2.ko builds warning-free" "see $out/kmod.log"
	else
		ok "pfkeyv2.ko builds warning-free against $kver"
	fi
	cp kmod/pfkeyv2.ko "$out/pfkeyv2.ko"
	have_ko=1
else
	cat "$out/kmod.log"
	bad "pfkeyv2.ko builds" "see $out/kmod.log"
	have_ko=0
fi
CC=${CC:-cc}
if $CC -static -O2 -Wall -Wextra -o "$out/diffclient" tests/vm/diffclient.c &&
	$CC -static -O2 -Wall -Wextra -o "$out/stress" tests/vm/stress.c &&
	$CC -static -O2 -Wall -Wextra -o "$out/timeit" tests/vm/timeit.c &&
	$CC -static -O2 -Wall -Wextra -o "$out/kfuzz" tests/vm/kfuzz.c &&
	$CC -static -O2 -Wall -Wextra -o "$out/dpcap" tests/vm/dpcap.c &&
	$CC -static -O2 -Wall -Wextra -o "$out/dpinj" tests/vm/dpinj.c &&
	$CC -static -O2 -Wall -Wextra -o "$out/dptcp" tests/vm/dptcp.c &&
	$CC -static -O2 -Wall -Wextra -o "$out/dpmtu" tests/vm/dpmtu.c &&
	$CC -static -O2 -Wall -Wextra -o "$out/dpnattsock" tests/vm/dpnattsock.c &&
	$CC -O2 -Wall -Wextra -o "$out/diffcmp" tests/vm/diffcmp.c; then
	ok "diffclient, stress, kfuzz, dpcap, dpinj, dptcp, dpmtu, dpnattsock and diffcmp build"
else
	bad "diffclient and diffcmp build"
	finish
fi

# 2. initramfs. The RNG chain first (drbg self-tests at load need ctr(aes), sha512 and
# jitterentropy, which needs sha3-256 on Debian 6.1; else a WARN). Everything af_key's SADB needs to accept the corpus' SAs is
# inserted by /init (no modprobe in the VM: request_module() fails there).
mods="sha3_generic sha512_generic jitterentropy_rng ctr ghash_generic drbg gcm ccm seqiv echainiv authenc authencesn
	chacha_generic poly1305_generic chacha20poly1305 cmac xcbc rmd160
	des_generic cast5_generic blowfish_generic camellia_generic serpent_generic
	twofish_generic esp4 esp6 ah4 ah6 ipcomp ipcomp6 xfrm4_tunnel xfrm6_tunnel xfrm_user veth"
afkey=$(modprobe -S "$kver" --show-depends af_key | sed -n 's/^insmod \([^ ]*af_key[^ ]*\).*/\1/p')
files="tests/vm/init:/init tests/vm/suite.sh:/suite.sh tests/vm/keysh-smoke.conf:/keysh-smoke.conf $out/diffclient $out/stress $out/timeit $out/kfuzz $afkey
	tests/vm/dp.sh:/dp.sh $out/dpcap $out/dpinj $out/dptcp $out/dpmtu $out/dpnattsock
	$(sh tests/vm/dp-files.sh)"
[ "$have_ko" = 1 ] && files="$files $out/pfkeyv2.ko"
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
# iproute2 (busybox ip has no netns/veth/xfrm): the data-path boot and bench.
ip=$(command -v ip || true)
[ -n "$ip" ] && files="$files $ip:/bin/iproute2-ip"
# shellcheck disable=SC2086
if sh tests/vm/mkinitramfs.sh "$out/initramfs.gz" "$kver" "$mods" -- $files; then
	ok "initramfs built ($(du -k "$out/initramfs.gz" | cut -f1) KiB)"
else
	bad "initramfs built"
	finish
fi

# 3. boots
boot() { # mode [extra kernel arguments]
	rm -f "$out/result.$1" "$out/data.$1"
	: > "$out/result.$1"
	: > "$out/data.$1"
	# 480 s: each boot also runs keysh's bats suite (~1-2 min under TCG).
	timeout --foreground "${VM_TIMEOUT:-480}" qemu-system-x86_64 -accel tcg -cpu max \
		-smp 2 -m 1024M -nodefaults -nographic -no-reboot -monitor none \
		-kernel "$kimg" -initrd "$out/initramfs.gz" \
		-append "console=ttyS0 panic_on_warn=1 oops=panic panic=-1 quiet loglevel=4 keysh.mode=$1 ${2:-}" \
		-serial "file:$out/console.$1" -serial "file:$out/result.$1" \
		-serial "file:$out/data.$1" > "$out/qemu.$1" 2>&1
	rc=$?
	tr -d '\r' < "$out/console.$1" | sed -n 's/^VMTEST \(ok\|FAIL\|skip\) /\1 /p' |
		while read -r st name; do echo "#   $1: $st $name"; done
	if grep -q success "$out/result.$1"; then
		ok "boot $1: suite passed (success channel)"
	else
		bad "boot $1: suite passed (success channel)" \
			"qemu rc $rc, console in $out/console.$1"
		tr -d '\r' < "$out/console.$1" | tail -n 40 | sed 's/^/#   /'
	fi
}
t0=$(date +%s)
if [ "$mode" = bench ]; then
	VM_TIMEOUT=${VM_TIMEOUT:-1500} boot bench "keysh.bench=${VM_BENCH:-10000,100000}"
	tr -d '\r' < "$out/console.bench" | grep '^BENCH '
	finish
fi
# Stress size: the issue asks for 100k SAs in pfkeyv2; af_key runs a small
# one to keep the stress tool itself honest.
boot afkey "keysh.stress=${VM_STRESS_AFKEY:-2000} keysh.fuzz=${VM_FUZZ_AFKEY:-10}"
[ "$have_ko" = 1 ] && boot pfkeyv2 "keysh.stress=${VM_STRESS_SAS:-100000} keysh.fuzz=${VM_FUZZ:-60}"
# The data path needs keysh (the SAs and policies) and iproute2 (netns, veth,
# the Linux xfrm peer); dp.sh fails, never skips, when either is missing.
# Its algorithm x mode x family matrix makes it the longest boot: own limit.
[ "$have_ko" = 1 ] && VM_TIMEOUT=${VM_TIMEOUT_DP:-${VM_TIMEOUT:-1200}} boot dp
echo "# boots took $(($(date +%s) - t0)) s"

# 4. differential comparison
split() { # mode tag -> file holding that corpus section
	tr -d '\r' < "$out/data.$1" | awk -v want="=== corpus $2" \
		'/^=== corpus /{on = ($0 == want); next} on' > "$out/corpus.$2"
}
keysh_dump() { # mode -> keysh -D/-DP output of that boot, times and pids masked
	tr -d '\r' < "$out/data.$1" | sed -n "/^=== keysh $1\$/,/^=== end\$/p" | sed '1d;$d' |
		sed -e 's/\(created\|current\|lastused\|last\): *[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]* [0-9]*/\1: TIME/g' \
		    -e 's/ pid=[0-9]*/ pid=PID/' -e 's/diff: [0-9]*(s)/diff: N(s)/' > "$out/keysh.$1"
}
split afkey afkey
if [ "$have_ko" = 1 ]; then
	keysh_dump afkey
	keysh_dump pfkeyv2
	if [ ! -s "$out/keysh.afkey" ]; then
		echo "# keysh dump comparison not run (no keysh in $B)"
	elif diff -u "$out/keysh.afkey" "$out/keysh.pfkeyv2" > "$out/keysh.diff"; then
		ok "keysh -D/-DP: af_key and pfkeyv2 print the same"
	else
		bad "keysh -D/-DP: af_key and pfkeyv2 print the same" "see $out/keysh.diff"
		head -n 30 "$out/keysh.diff" | sed 's/^/#   /'
	fi
	split pfkeyv2 pfkeyv2
	if "$out/diffcmp" "$out/corpus.afkey" "$out/corpus.pfkeyv2" > "$out/diff.txt"; then
		ok "differential: no unexplained difference ($(tail -n1 "$out/diff.txt"))"
	else
		bad "differential: af_key vs pfkeyv2" "$(tail -n1 "$out/diff.txt"), see $out/diff.txt"
		grep '^UNEXPLAINED' "$out/diff.txt" | sed 's/^/#   /'
	fi
fi
finish
