#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# dp-run.sh: one qemu TCG boot (never KVM) running tests/vm/dp.sh as the
# suite, for data-path iterations without the whole VM suite.
#   dp-run.sh [KO]   KO: the pfkeyv2.ko to test (default kmod/pfkeyv2.ko)
#   DP_BENCH=MIB dp-run.sh   the data-path benchmark instead of the cases:
#                    TCP a->b, MIB MiB per run, pfkeyv2 vs Linux xfrm (dp.sh)
# Needs $B/keysh (B=build by default). Result: "success" on the second serial port.
# VM_TIMEOUT (s, default 1200 as the dp boot of run.sh: the cases take 5-6 min).
set -u
cd "$(dirname "$0")/../.."
B=${B:-build}
out=$B/vm-dp
mkdir -p "$out"
ko=${1:-kmod/pfkeyv2.ko}
kimg=$(ls /boot/vmlinuz-*-amd64 | sort -V | tail -n1)
kver=${kimg#/boot/vmlinuz-}
mods="sha3_generic sha512_generic jitterentropy_rng ctr ghash_generic drbg gcm ccm seqiv echainiv
	authenc chacha_generic poly1305_generic chacha20poly1305 xcbc rmd160 des_generic
	esp4 ah4 esp6 ah6 xfrm_user veth"
${CC:-cc} -static -O2 -Wall -Wextra -o "$out/dpcap" tests/vm/dpcap.c || exit 1
${CC:-cc} -static -O2 -Wall -Wextra -o "$out/dpinj" tests/vm/dpinj.c || exit 1
${CC:-cc} -static -O2 -Wall -Wextra -o "$out/dptcp" tests/vm/dptcp.c || exit 1
${CC:-cc} -static -O2 -Wall -Wextra -o "$out/dpmtu" tests/vm/dpmtu.c || exit 1
${CC:-cc} -static -O2 -Wall -Wextra -o "$out/dpnattsock" tests/vm/dpnattsock.c || exit 1
files="$(sh tests/vm/dp-files.sh)
	$out/dpcap $out/dpinj $out/dptcp $out/dpmtu $out/dpnattsock tests/vm/init:/init tests/vm/dp.sh:/dp.sh $ko $B/keysh $(command -v ip):/bin/iproute2-ip"
# shellcheck disable=SC2086
sh tests/vm/mkinitramfs.sh "$out/initramfs.gz" "$kver" "$mods" -- $files || exit 1
: > "$out/result"
timeout --foreground "${VM_TIMEOUT:-1200}" qemu-system-x86_64 -accel tcg -cpu max \
	-smp 2 -m 1024M -nodefaults -nographic -no-reboot -monitor none \
	-kernel "$kimg" -initrd "$out/initramfs.gz" \
	-append "console=ttyS0 panic_on_warn=1 oops=panic panic=-1 quiet loglevel=4 keysh.mode=dp${DP_BENCH:+ keysh.dpbench=$DP_BENCH}" \
	-serial "file:$out/console" -serial "file:$out/result" -serial null > "$out/qemu.log" 2>&1
tr -d '\r' < "$out/console" | grep -E '^(VMTEST|dp:)|BUG|WARN|Oops|panic' 
grep -q success "$out/result"
