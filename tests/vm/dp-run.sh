#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# dp-run.sh: one qemu TCG boot (never KVM) running tests/vm/dp.sh (keyd's
# user-space data path against a Linux xfrm peer keyed by `ip xfrm`, and
# the keyd-vs-xfrm benchmark) as the suite, with panic_on_warn=1, for
# iterations without the whole VM suite (tests/vm/run.sh boots the same
# script as keysh.mode=dp on every kernel).
#   KVER=...           the kernel to boot (default: the newest installed
#                      /boot/vmlinuz-*-amd64)
#   DPBENCH=0          skip the benchmark
# Needs $B/keyd and $B/keysh (B=build by default). Result: "success" on the
# second serial port; the VMTEST and BENCH lines are printed. VM_TIMEOUT s
# (default 900). Wrap it in the VM lock: flock /tmp/keysh-vm.lock sh tests/vm/dp-run.sh
set -u
cd "$(dirname "$0")/../.."
B=${B:-build}
out=$B/vm-dp
mkdir -p "$out"
kver=${KVER:-$(ls /boot/vmlinuz-*-amd64 | sort -V | tail -n1 | sed 's,^/boot/vmlinuz-,,')}
kimg=/boot/vmlinuz-$kver
mods="sha3_generic sha512_generic jitterentropy_rng ctr ghash_generic drbg gcm ccm seqiv echainiv
	authenc authencesn chacha_generic poly1305_generic chacha20poly1305 cmac xcbc rmd160
	des_generic cast5_generic blowfish_generic camellia_generic
	esp4 esp6 ah4 ah6 xfrm4_tunnel xfrm6_tunnel xfrm_user veth tun"
for p in dpcap dptcp timeit; do
	${CC:-cc} -static -O2 -Wall -Wextra -o "$out/$p" "tests/vm/$p.c" || exit 1
done
# OpenSSL's legacy provider: keyd's DES, CAST-128 and Blowfish
legacy=$(ls /usr/lib/*/ossl-modules/legacy.so 2>/dev/null | head -n1)
files="tests/vm/init:/init tests/vm/dp.sh:/dp.sh $out/dpcap $out/dptcp $out/timeit
	$B/keyd $B/keysh $(command -v ip):/bin/iproute2-ip ${legacy:+$legacy:$legacy}"
# shellcheck disable=SC2086
sh tests/vm/mkinitramfs.sh "$out/initramfs.gz" "$kver" "$mods" -- $files || exit 1
: > "$out/result"
timeout --foreground "${VM_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg -cpu max \
	-smp 2 -m 1024M -nodefaults -nographic -no-reboot -monitor none \
	-kernel "$kimg" -initrd "$out/initramfs.gz" \
	-append "console=ttyS0 panic_on_warn=1 oops=panic panic=-1 quiet loglevel=4 keysh.mode=dp keysh.dpbench=${DPBENCH:-1}" \
	-serial "file:$out/console" -serial "file:$out/result" -serial null > "$out/qemu.log" 2>&1
tr -d '\r' < "$out/console" | grep -E '^VMTEST|^BENCH|BUG|WARN|Oops|panic'
grep -q success "$out/result"
