#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# nl-run.sh: boot the XFRM netlink store's VM tests (tests/vm/nl.sh) on each
# installed Debian kernel (or KVERS="..."), qemu TCG, one small VM at a
# time. Builds build/vm/nlvm (tests/vm/nlvm.c + tests/unit/main.c, the
# engine and build/libxfrmnl.a) and an initramfs with the kernel's crypto
# and xfrm modules, iproute2's ip and nlvm's shared libraries.
# Prints "ok/not ok" lines and "N passed, N failed".
#   nl-run.sh bench   instead: tests/bench/nl/nlbench.c (engine on the store
#                     vs ip -batch, dump vs ip xfrm state list) for
#                     NL_BENCH=10000,100000 SAs on the newest kernel, and
#                     keysh -f over netlink (pipelined), ip -batch and keysh
#                     over af_key of the same SAs (NL_ONLY=keysh-bench,
#                     keysh-bench-afkey or nlbench: some of them); BENCH lines
#                     (keysh's installs in NL_ROUNDS=3 interleaved rounds, and
#                     RATIO lines of their medians)
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

command -v qemu-system-x86_64 >/dev/null || { bad qemu "qemu-system-x86_64 missing"; finish; }
if make -s WERROR=1 "$B/libxfrmnl.a" "$B/libcore.a" >"$out/nl-build.log" 2>&1 &&
	${CC:-cc} -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -Ikmod/core -Isrc/lib -o "$out/nlvm" \
		tests/vm/nlvm.c tests/unit/main.c tests/lib/msg.c "$B/libxfrmnl.a" "$B/libcore.a" \
		-lmnl -lcrypto -lpthread >>"$out/nl-build.log" 2>&1 &&
	${CC:-cc} -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -Ikmod/core -Isrc/lib -o "$out/nlbench" \
		tests/bench/nl/nlbench.c tests/lib/msg.c "$B/libxfrmnl.a" "$B/libcore.a" \
		-lmnl -lcrypto -lpthread >>"$out/nl-build.log" 2>&1 &&
	make -s WERROR=1 "$B/libpfkey.a" >>"$out/nl-build.log" 2>&1 &&
	${CC:-cc} -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -DDIFF_XFRM -Ikmod/core -Isrc/lib \
		-Itests/vm -o "$out/diffxfrm" tests/vm/diffclient.c tests/vm/diffxfrm.c tests/lib/msg.c \
		"$B/libpfkey.a" "$B/libxfrmnl.a" "$B/libcore.a" -lmnl -lcrypto -lpthread \
		>>"$out/nl-build.log" 2>&1 &&
	${CC:-cc} -static -O2 -Wall -Wextra -o "$out/diffclient" tests/vm/diffclient.c tests/lib/msg.c \
		>>"$out/nl-build.log" 2>&1 &&
	${CC:-cc} -static -O2 -Wall -Wextra -o "$out/dptcp" tests/vm/dptcp.c >>"$out/nl-build.log" 2>&1 &&
	${CC:-cc} -O2 -Wall -Wextra -o "$out/diffcmp" tests/vm/diffcmp.c >>"$out/nl-build.log" 2>&1; then
	ok "nlvm, nlbench, diffxfrm, diffclient and diffcmp build"
else
	cat "$out/nl-build.log"
	bad "nlvm builds"
	finish
fi
mods="sha3_generic sha512_generic jitterentropy_rng ctr ghash_generic drbg gcm ccm seqiv echainiv
	authenc authencesn chacha_generic poly1305_generic chacha20poly1305 cmac xcbc rmd160
	des_generic cast5_generic blowfish_generic camellia_generic serpent_generic twofish_generic
	deflate esp4 esp6 ah4 ah6 ipcomp ipcomp6 xfrm4_tunnel xfrm6_tunnel xfrm_user veth"
kvers=${KVERS:-$(ls /boot/vmlinuz-*-amd64 | sed 's|/boot/vmlinuz-||' | sort -V)}
# keysh, keyd and keysh's bats suite (KEYSH_BACKEND=xfrm): bats, its
# libraries, bash, jq and the tests themselves.
extra=
for p in keysh keyd; do
	[ -x "$B/$p" ] && extra="$extra $B/$p"
done
if command -v bats >/dev/null && command -v jq >/dev/null && [ -d /usr/lib/bats-core ] &&
	[ -d /usr/lib/bats/bats-assert ]; then
	extra="$extra $(command -v bats):/usr/bin/bats /usr/lib/bats-core:/usr/lib/bats-core
		/usr/libexec/bats-core:/usr/libexec/bats-core /usr/lib/bats:/usr/lib/bats
		$(command -v bash):/bin/bash $(command -v jq) tests/bats:/tests/bats"
fi
# NL_ONLY=nlvm,bats-xfrm,...: only those tests of nl.sh (while iterating)
args=${NL_ONLY:+keysh.nlonly=$NL_ONLY}
smp=2
if [ "$mode" = bench ]; then
	smp=1
	kvers=${KVERS:-$(echo "$kvers" | tail -n1)}
	args="keysh.nlbench=${NL_BENCH:-10000,100000} ${NL_ROUNDS:+keysh.nlrounds=$NL_ROUNDS} $args"
fi
for kver in $kvers; do
	kimg=/boot/vmlinuz-$kver
	[ -f "$kimg" ] && [ -d "/lib/modules/$kver" ] || { bad "kernel $kver" "not installed"; continue; }
	rd=$out/nl-initramfs.$kver.gz
	afkey=$(modprobe -S "$kver" --show-depends af_key | sed -n 's/^insmod \([^ ]*af_key[^ ]*\).*/\1/p')
	# shellcheck disable=SC2086
	if ! sh tests/vm/mkinitramfs.sh "$rd" "$kver" "$mods" -- tests/vm/init:/init \
		tests/vm/nl.sh:/suite.sh "$out/nlvm" "$out/nlbench" "$(command -v ip):/bin/iproute2-ip" $extra \
		"$out/diffxfrm" "$out/diffclient" $afkey "$out/dptcp" tests/vm/nltraffic.sh:/nltraffic.sh \
		>"$out/nl-initramfs.$kver.log" 2>&1; then
		cat "$out/nl-initramfs.$kver.log"
		bad "initramfs for $kver"
		continue
	fi
	: > "$out/nl-result.$kver"
	: > "$out/nl-data.$kver"
	timeout --foreground "${VM_TIMEOUT:-3000}" qemu-system-x86_64 -accel tcg -cpu max \
		-smp "$smp" -m 1024M -nodefaults -nographic -no-reboot -monitor none \
		-kernel "$kimg" -initrd "$rd" \
		-append "console=ttyS0 panic_on_warn=1 oops=panic panic=-1 quiet loglevel=4 keysh.mode=nl $args" \
		-serial "file:$out/nl-console.$kver" -serial "file:$out/nl-result.$kver" \
		-serial "file:$out/nl-data.$kver" > "$out/nl-qemu.$kver" 2>&1
	tr -d '\r' < "$out/nl-console.$kver" | grep -E '^(ok|not ok|    |[0-9]+ passed|BENCH|bats-xfrm|# skip)' | sed "s/^/# $kver: /"
	# keysh_bench's ratios, medians of its rounds (> 1: keysh over netlink faster)
	tr -d '\r' < "$out/nl-console.$kver" | awk -v k="$kver" '
		$1 == "BENCH" && $2 ~ /^(keysh-xfrm|ip-batch|keysh-afkey)-add$/ {
			c = ++n[$2, $3]; v[$2, $3, c] = $4; sz[$3] = 1
		}
		function med(l, s,   i, j, t, c) {
			c = n[l, s]
			for (i = 1; i <= c; i++) a[i] = v[l, s, i]
			for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++)
				if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return a[int((c + 1) / 2)]
		}
		END {
			for (s in sz) {
				if (!n["keysh-xfrm-add", s]) continue
				x = med("keysh-xfrm-add", s)
				if (n["ip-batch-add", s] && x > 0)
					printf "# %s: RATIO install-%s keysh-xfrm-vs-ip-batch %.3f (%s s / %s s, medians of %d)\n", k, s, med("ip-batch-add", s) / x, med("ip-batch-add", s), x, n["keysh-xfrm-add", s]
				if (n["keysh-afkey-add", s] && x > 0)
					printf "# %s: RATIO install-%s keysh-xfrm-vs-keysh-afkey %.3f (%s s / %s s, medians of %d)\n", k, s, med("keysh-afkey-add", s) / x, med("keysh-afkey-add", s), x, n["keysh-xfrm-add", s]
			}
		}'
	# each of nl.sh's tests counts here
	# (one line each: a FAIL line's message has spaces, never split it)
	tr -d '\r' < "$out/nl-console.$kver" | sed -n 's/^VMTEST \(ok\|FAIL\) //p' > "$out/nl-lines.$kver"
	tr -d '\r' < "$out/nl-console.$kver" | sed -n 's/^VMTEST \(ok\|FAIL\) .*/\1/p' > "$out/nl-verdicts.$kver"
	while IFS= read -r v && IFS= read -r n <&3; do
		if [ "$v" = ok ]; then
			ok "$kver: nl $n"
		else
			bad "$kver: nl $(printf '%s' "$n" | cut -c1-300)" "console in $out/nl-console.$kver"
		fi
	done < "$out/nl-verdicts.$kver" 3< "$out/nl-lines.$kver"
	# the corpus through the xfrm backend against af_key's, same kernel
	if grep -q '^=== corpus xfrm' "$out/nl-data.$kver"; then
		for tag in afkey xfrm; do
			tr -d '\r' < "$out/nl-data.$kver" | awk -v want="=== corpus $tag" \
				'/^=== corpus /{on = ($0 == want); next} on' > "$out/nl-corpus.$tag.$kver"
		done
		if "$out/diffcmp" -x "$out/nl-corpus.afkey.$kver" "$out/nl-corpus.xfrm.$kver" \
			> "$out/nl-diff.$kver.txt"; then
			ok "$kver: differential af_key vs xfrm backend: no unexplained difference ($(tail -n1 "$out/nl-diff.$kver.txt"))"
		else
			bad "$kver: differential af_key vs xfrm backend" \
				"$(tail -n1 "$out/nl-diff.$kver.txt"), see $out/nl-diff.$kver.txt"
			grep '^UNEXPLAINED' "$out/nl-diff.$kver.txt" | sed 's/^/#   /'
		fi
	fi
	if grep -q success "$out/nl-result.$kver"; then
		ok "netlink store on $kver"
	else
		bad "netlink store on $kver" "console in $out/nl-console.$kver"
		tr -d '\r' < "$out/nl-console.$kver" | tail -n 20 | sed 's/^/#   /'
	fi
done
finish
