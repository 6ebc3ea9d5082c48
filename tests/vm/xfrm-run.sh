#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# xfrm-run.sh: one qemu TCG boot (never KVM) running tests/vm/xfrm.sh (the
# xfrm store of pfkeyv2.ko against `ip xfrm`, and its xfrm-nf.sh) as the suite, with
# panic_on_warn=1, for iterations without the whole VM suite.
#   xfrm-run.sh [KO]   KO: the pfkeyv2.ko to test (default kmod/pfkeyv2.ko;
#                      its file name must be pfkeyv2.ko: /lib/modules/extra/NAME)
#   KVER=...           the kernel to boot (default: the newest installed
#                      /boot/vmlinuz-*-amd64); KO must be built for it
# Needs $B/keysh (B=build by default) and nft (nftables). Result: "success" on the second
# serial port; the VMTEST lines are printed. VM_TIMEOUT s (default 600).
set -u
cd "$(dirname "$0")/../.."
B=${B:-build}
out=$B/vm-xfrm
mkdir -p "$out"
ko=${1:-kmod/pfkeyv2.ko}
kver=${KVER:-$(ls /boot/vmlinuz-*-amd64 | sort -V | tail -n1 | sed 's,^/boot/vmlinuz-,,')}
kimg=/boot/vmlinuz-$kver
# (the list of tests/vm/run.sh: every cipher of xfrm-algs.sh)
mods="sha3_generic sha512_generic jitterentropy_rng ctr ghash_generic drbg gcm ccm seqiv echainiv
	authenc authencesn chacha_generic poly1305_generic chacha20poly1305 cmac xcbc rmd160
	des_generic cast5_generic blowfish_generic camellia_generic serpent_generic
	twofish_generic deflate esp4 esp6 ah4 ah6 ipcomp ipcomp6
	xfrm4_tunnel xfrm6_tunnel xfrm_user veth
	@bridge @br_netfilter @nf_tables @nft_ct @nf_conntrack"
for t in xfrmpk dptcp udpx timeit dpnattsock; do
	${CC:-cc} -static -O2 -Wall -Wextra -o "$out/$t" tests/vm/$t.c tests/lib/msg.c || exit 1
done
nft=$(command -v nft || echo /usr/sbin/nft)
files="tests/vm/init:/init tests/vm/xfrm.sh:/xfrm.sh tests/vm/xfrm-nf.sh:/xfrm-nf.sh
	tests/vm/xfrm-algs.sh:/xfrm-algs.sh tests/vm/peer.sh:/peer.sh $nft
	$out/xfrmpk $out/dptcp $out/udpx $out/timeit $out/dpnattsock $ko $B/keysh $(command -v ip):/bin/iproute2-ip"
# shellcheck disable=SC2086
sh tests/vm/mkinitramfs.sh "$out/initramfs.gz" "$kver" "$mods" -- $files || exit 1
: > "$out/result"
timeout --foreground "${VM_TIMEOUT:-600}" qemu-system-x86_64 -accel tcg -cpu max \
	-smp 2 -m 1024M -nodefaults -nographic -no-reboot -monitor none \
	-kernel "$kimg" -initrd "$out/initramfs.gz" \
	-append "console=ttyS0 panic_on_warn=1 oops=panic panic=-1 quiet loglevel=4 keysh.mode=xfrm" \
	-serial "file:$out/console" -serial "file:$out/result" -serial null > "$out/qemu.log" 2>&1
tr -d '\r' < "$out/console" | grep -E '^VMTEST|BUG|WARN|Oops|panic'
grep -q success "$out/result"
