#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# dp.sh: keyd's user-space data path (keyd --datapath tun) against the
# kernel's own xfrm, the suite of keysh.mode=dp (issue 17). Namespace a runs
# keyd with a data path, keyed by keysh over keyd's socket; namespace b is
# keyed by iproute2 `ip xfrm` (esp4/esp6/ah4/ah6 do the work); a veth joins
# them (10.0.0.1 <-> 10.0.0.2, fd00::1 <-> fd00::2), tunnel mode between
# those, protecting a's 172.16.1.0/24, fd01::/64 and b's 172.16.2.0/24,
# fd02::/64 (on their loopbacks). Cases (VMTEST lines, exit 0 only if all
# passed):
#   interop-ALG-OUTER-in-INNER   ping both ways (2 + 2) through the tunnel;
#       b's state for a's SA counted the packets, keyd's for b's too, and a
#       capture on a's veth (dpcap) for that case saw no clear ICMP/ICMPv6
#       echo and at least 8 ESP (or AH) packets. Every transform keyd's
#       user-space core implements (kmod/core/xform_user.c) that the kernel
#       has: the AEADs AES-GCM-8/12/16, AES-CCM-8/12/16, AES-GMAC,
#       ChaCha20-Poly1305; AES-CBC, AES-CTR, 3DES, DES, Camellia, CAST-128,
#       Blowfish, NULL encryption (each with HMAC-SHA-256); HMAC-MD5, -SHA1,
#       -SHA-384, -SHA-512, -RIPEMD-160 and AES-XCBC-MAC (with AES-CBC, and
#       as AH); AES-GCM-16 and AES-CBC + HMAC-SHA-256 with each of IPv4 and
#       IPv6 inside and outside. (SM3/SM4: Debian's kernels have neither;
#       Serpent and Twofish: not in the user-space core.)
#   kmsg-clean          no WARNING/BUG/Oops in the kernel log
# Then, unless keysh.dpbench=0, the benchmark (BENCH lines, VMTEST ok lines
# carrying the numbers): the same AES-GCM-16 tunnel SAs with a's side done by
# keyd's data path (its default crypto threads, then --datapath-threads 1)
# and by the kernel's xfrm: one TCP flow (dptcp, MB
# megabytes), four flows on four SA pairs (gateways 10.0.N.1 - 10.0.N.2,
# N = 0..3; MB in all), ping -A latency (100 echoes).
# Needs /bin/iproute2-ip, /bin/keyd, /bin/keysh, /bin/dpcap, /bin/dptcp,
# /bin/timeit.
IP=${IP:-/bin/iproute2-ip}
fails=0
ok() { echo "VMTEST ok dp-$1"; }
bad() { echo "VMTEST FAIL dp-$1${2:+: $2}"; fails=$((fails + 1)); }
A() { $IP netns exec a "$@"; }
B() { $IP netns exec b "$@"; }
# ka STATEMENTS: keysh statements to a's keyd (through a file: -f)
ka() { printf '%s\n' "$@" > /tmp/ka.conf && A keysh --socket /tmp/a.sock -f /tmp/ka.conf; }
dpstat() { keyd --socket /tmp/a.sock stats datapath | tr ' ' '\n' | sed -n "s/^$1=//p"; }

for t in "$IP" /bin/keyd /bin/keysh /bin/dpcap /bin/dptcp /bin/timeit; do
	[ -x "$t" ] || { bad tools "no $t in the initramfs"; exit 1; }
done
mkdir -p /run/netns
$IP netns add a && $IP netns add b || { bad netns; exit 1; }
$IP link add va netns a type veth peer name vb netns b || { bad veth; exit 1; }
A $IP link set lo up; B $IP link set lo up
A $IP addr add 10.0.0.1/24 dev va; A $IP -6 addr add fd00::1/64 dev va nodad
B $IP addr add 10.0.0.2/24 dev vb; B $IP -6 addr add fd00::2/64 dev vb nodad
A $IP link set va up; B $IP link set vb up
A $IP addr add 172.16.1.1/24 dev lo; A $IP -6 addr add fd01::1/64 dev lo
B $IP addr add 172.16.2.1/24 dev lo; B $IP -6 addr add fd02::1/64 dev lo
# b's way back into the tunnel (xfrm looks at the policy after the route)
B $IP route add 172.16.1.0/24 via 10.0.0.1 src 172.16.2.1
B $IP -6 route add fd01::/64 via fd00::1 src fd02::1

# start_keyd [ARG...]: a's keyd with its data path, KD its pid. Not through
# A (a function run in the background: $! would be a subshell, not keyd).
start_keyd() {
	rm -f /tmp/a.sock
	$IP netns exec a keyd --socket /tmp/a.sock --datapath tun=ka "$@" > /tmp/keyd.log 2>&1 &
	KD=$!
	i=0
	while [ ! -S /tmp/a.sock ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -S /tmp/a.sock ]
}
start_keyd || { bad keyd "$(tail -n 5 /tmp/keyd.log)"; exit 1; }
$IP netns exec a dpcap va 100000 > /tmp/cap &
CAP=$!
sleep 1

# key BYTES -> 0x and BYTES bytes of a fixed pattern (no DES weak keys, no
# equal 3DES thirds)
key() { awk -v n="$1" 'BEGIN { printf "0x"; for (i = 0; i < n; i++) printf "%02x", (i * 37 + 11) % 256 }'; }
# counts of the capture since the last call
capcut() {
	kill -USR1 "$CAP"
	sleep 0.5
	tail -n 1 /tmp/cap
}
capn() { echo "$1" | tr ' ' '\n' | sed -n "/^$2\$/{n;p;}"; }

# xstate SRC DST SPI: b's state of $proto with $XALG ("null ...": NULL
# encryption, whose key is empty)
xstate() {
	# shellcheck disable=SC2086
	case "$XALG" in
	null\ *) B $IP xfrm state add src $1 dst $2 proto $proto spi $3 mode tunnel \
		replay-window 32 $XFLAG enc 'ecb(cipher_null)' "" ${XALG#null } ;;
	*) B $IP xfrm state add src $1 dst $2 proto $proto spi $3 mode tunnel \
		replay-window 32 $XFLAG $XALG ;;
	esac
}

# tun NAME OUTER INNER PROTO "KEYSH-ALGS" "XFRM-ALGS"
tun() {
	name=$1 proto=$4
	if [ "$2" = 4 ]; then ga=10.0.0.1 gb=10.0.0.2; else ga=fd00::1 gb=fd00::2; fi
	if [ "$3" = 4 ]; then
		na=172.16.1.0/24 nb=172.16.2.0/24 ha=172.16.1.1 hb=172.16.2.1 png=ping
	else
		na=fd01::/64 nb=fd02::/64 ha=fd01::1 hb=fd02::1 png=ping6
	fi
	ka "flush;" "spdflush;" \
		"add $ga $gb $proto 0x1001 -m tunnel -r 32 $5;" \
		"add $gb $ga $proto 0x2001 -m tunnel -r 32 $5;" \
		"spdadd $na $nb any -P out ipsec $proto/tunnel/$ga-$gb/require;" \
		"spdadd $nb $na any -P in ipsec $proto/tunnel/$gb-$ga/require;" ||
		{ bad "$name" "keysh (keyd)"; return; }
	B $IP xfrm state flush; B $IP xfrm policy flush
	XALG=$6 XFLAG=
	# a state carrying the other family inside: xfrm needs af-unspec
	[ "$2" = "$3" ] || XFLAG="flag af-unspec"
	xstate $ga $gb 0x1001 && xstate $gb $ga 0x2001 &&
	B $IP xfrm policy add src $nb dst $na dir out tmpl src $gb dst $ga proto $proto mode tunnel &&
	B $IP xfrm policy add src $na dst $nb dir in tmpl src $ga dst $gb proto $proto mode tunnel ||
		{ bad "$name" "ip xfrm"; return; }
	sleep 0.3	# keyd's route for the new out policy
	capcut > /dev/null
	in0=$(dpstat in_xform)
	if A $png -c 2 -W 3 -I $ha $hb > /tmp/ping 2>&1 &&
		B $png -c 2 -W 3 -I $hb $ha >> /tmp/ping 2>&1; then
		c=$(capcut)
		n=$(B $IP -s xfrm state get src $ga dst $gb proto $proto spi 0x1001 |
			sed -n 's/.* \([0-9]*\)(packets).*/\1/p' | head -n1)
		k=$(($(dpstat in_xform) - in0))
		if [ "$proto" = ah ]; then p=$(capn "$c" ah); else p=$(capn "$c" esp); fi
		if [ "$(capn "$c" icmp)" = 0 ] && [ "$(capn "$c" icmp6)" = 0 ] &&
			[ "${p:-0}" -ge 8 ] && [ "${n:-0}" -ge 2 ] && [ "$k" -ge 2 ]; then
			ok "$name"
		else
			bad "$name" "capture: $c; xfrm decrypted ${n:-no}, keyd $k"
		fi
	else
		capcut > /dev/null
		bad "$name" "$(tail -n 3 /tmp/ping | tr '\n' ' ')"
	fi
}

G16=$(key 20) C16=$(key 19) CH=$(key 36)
AES=$(key 16) CTR=$(key 20) D3=$(key 24) D1=$(key 8)
S256=$(key 32) MD5=$(key 16) SHA1=$(key 20) S384=$(key 48) S512=$(key 64) XC=$(key 16)
X_S256="auth-trunc hmac(sha256) $S256 128"
X_AES="enc cbc(aes) $AES"
# shellcheck disable=SC2086
{
	for io in "4 4" "6 6" "4 6" "6 4"; do
		set -- $io
		# names: INNER-in-OUTER
		tun "interop-aes-gcm-16-v$2-in-v$1" "$1" "$2" esp "-E aes-gcm-16 $G16" \
			"aead rfc4106(gcm(aes)) $G16 128"
		tun "interop-aes-cbc-sha256-v$2-in-v$1" "$1" "$2" esp \
			"-E aes-cbc $AES -A hmac-sha256 $S256" "$X_AES $X_S256"
	done
	tun interop-aes-gcm-12-v4-in-v4 4 4 esp "-E aes-gcm-12 $G16" "aead rfc4106(gcm(aes)) $G16 96"
	tun interop-aes-gcm-8-v4-in-v4 4 4 esp "-E aes-gcm-8 $G16" "aead rfc4106(gcm(aes)) $G16 64"
	tun interop-aes-ccm-16-v4-in-v4 4 4 esp "-E aes-ccm-16 $C16" "aead rfc4309(ccm(aes)) $C16 128"
	tun interop-aes-ccm-12-v6-in-v6 6 6 esp "-E aes-ccm-12 $C16" "aead rfc4309(ccm(aes)) $C16 96"
	tun interop-aes-ccm-8-v4-in-v4 4 4 esp "-E aes-ccm-8 $C16" "aead rfc4309(ccm(aes)) $C16 64"
	tun interop-null-aes-gmac-v4-in-v4 4 4 esp "-E null-aes-gmac $G16" \
		"aead rfc4543(gcm(aes)) $G16 128"
	tun interop-chacha20-poly1305-v6-in-v6 6 6 esp "-E chacha20-poly1305 $CH" \
		"aead rfc7539esp(chacha20,poly1305) $CH 128"
	tun interop-aes-ctr-sha256-v4-in-v4 4 4 esp "-E aes-ctr $CTR -A hmac-sha256 $S256" \
		"enc rfc3686(ctr(aes)) $CTR $X_S256"
	tun interop-3des-sha256-v4-in-v4 4 4 esp "-E 3des-cbc $D3 -A hmac-sha256 $S256" \
		"enc cbc(des3_ede) $D3 $X_S256"
	tun interop-des-sha256-v4-in-v4 4 4 esp "-E des-cbc $D1 -A hmac-sha256 $S256" \
		"enc cbc(des) $D1 $X_S256"
	tun interop-camellia-sha256-v6-in-v6 6 6 esp "-E camellia-cbc $AES -A hmac-sha256 $S256" \
		"enc cbc(camellia) $AES $X_S256"
	tun interop-cast128-sha256-v4-in-v4 4 4 esp "-E cast128-cbc $AES -A hmac-sha256 $S256" \
		"enc cbc(cast5) $AES $X_S256"
	tun interop-blowfish-sha256-v4-in-v4 4 4 esp "-E blowfish-cbc $AES -A hmac-sha256 $S256" \
		"enc cbc(blowfish) $AES $X_S256"
	tun interop-null-sha256-v4-in-v4 4 4 esp "-E null -A hmac-sha256 $S256" \
		"null $X_S256"
	for a in "hmac-md5 hmac(md5) $MD5 96" "hmac-sha1 hmac(sha1) $SHA1 96" \
		"hmac-sha384 hmac(sha384) $S384 192" "hmac-sha512 hmac(sha512) $S512 256" \
		"hmac-ripemd160 hmac(rmd160) $SHA1 96" "aes-xcbc-mac xcbc(aes) $XC 96" \
		"hmac-sha256 hmac(sha256) $S256 128"; do
		set -- $a
		[ "$1" = hmac-sha256 ] ||
			tun "interop-aes-cbc-$1-v4-in-v4" 4 4 esp "-E aes-cbc $AES -A $1 $3" \
				"$X_AES auth-trunc $2 $3 $4"
		tun "interop-ah-$1-v4-in-v4" 4 4 ah "-A $1 $3" "auth-trunc $2 $3 $4"
	done
	tun interop-ah-hmac-sha256-v6-in-v6 6 6 ah "-A hmac-sha256 $S256" "$X_S256"
}

kill "$CAP" 2>/dev/null
wait "$CAP" 2>/dev/null

# --- the benchmark: a's side by keyd's data path, then by the kernel's xfrm
bench() {
	MB=${DPBENCH_MB:-8}
	ka "flush;" "spdflush;"
	B $IP xfrm state flush; B $IP xfrm policy flush
	B $IP route del 172.16.1.0/24 2>/dev/null
	for n in 0 1 2 3; do
		h=$((n + 1))
		[ $n = 0 ] || { A $IP addr add 10.0.$n.1/24 dev va; B $IP addr add 10.0.$n.2/24 dev vb; }
		A $IP addr add 172.16.1.$((10 + h))/32 dev lo
		B $IP addr add 172.16.2.$((10 + h))/32 dev lo
		B $IP route add 172.16.1.$((10 + h))/32 via 10.0.$n.1 src 172.16.2.$((10 + h))
	done
	sleep 1
	# keyd: its default crypto threads (one per online CPU); keyd1: the
	# same with --datapath-threads 1; xfrm: the kernel's
	for side in keyd keyd1 xfrm; do
		if [ $side = keyd1 ]; then
			start_keyd --datapath-threads 1 || { bad bench "keyd: $(tail -n 5 /tmp/keyd.log)"; return; }
		fi
		for n in 0 1 2 3; do
			h=$((n + 1)) ga=10.0.$n.1 gb=10.0.$n.2
			na=172.16.1.$((10 + h)) nb=172.16.2.$((10 + h))
			if [ $side != xfrm ]; then
				ka "add $ga $gb esp 0x10$h -m tunnel -r 32 -E aes-gcm-16 $G16;" \
					"add $gb $ga esp 0x20$h -m tunnel -r 32 -E aes-gcm-16 $G16;" \
					"spdadd $na $nb any -P out ipsec esp/tunnel/$ga-$gb/require;" \
					"spdadd $nb $na any -P in ipsec esp/tunnel/$gb-$ga/require;"
			else
				for s in "$ga $gb 0x10$h" "$gb $ga 0x20$h"; do
					set -- $s
					A $IP xfrm state add src $1 dst $2 proto esp spi $3 mode tunnel \
						replay-window 32 aead 'rfc4106(gcm(aes))' $G16 128
				done
				A $IP route add $nb/32 via $gb src $na
				A $IP xfrm policy add src $na dst $nb dir out tmpl src $ga dst $gb proto esp mode tunnel
				A $IP xfrm policy add src $nb dst $na dir in tmpl src $gb dst $ga proto esp mode tunnel
			fi
			for s in "$ga $gb 0x10$h" "$gb $ga 0x20$h"; do
				set -- $s
				B $IP xfrm state add src $1 dst $2 proto esp spi $3 mode tunnel \
					replay-window 32 aead 'rfc4106(gcm(aes))' $G16 128
			done
			B $IP xfrm policy add src $nb dst $na dir out tmpl src $gb dst $ga proto esp mode tunnel
			B $IP xfrm policy add src $na dst $nb dir in tmpl src $ga dst $gb proto esp mode tunnel
		done
		sleep 1
		A ping -c 1 -W 5 -I 172.16.1.11 172.16.2.11 > /dev/null 2>&1
		rtt=$(A ping -A -q -c 100 -I 172.16.1.11 172.16.2.11 |
			sed -n 's|.*min/avg/max = [^/]*/\([^/]*\)/.*|\1|p')
		echo "BENCH dp-ping-$side ${rtt:-none} ms"
		B dptcp recv 5001 120 > /tmp/recv1 &
		r=$!
		# timeit: "BENCH label ms status"; a failed transfer counts as none
		t=$(A timeit "tcp1-$side" dptcp send 172.16.2.11 5001 $((MB * 1048576)) |
			awk '/^BENCH/ && $4 == 0 { print $3 }')
		wait $r
		grep -q "^bytes $((MB * 1048576)) " /tmp/recv1 || t=
		echo "BENCH dp-tcp1-$side ${t:-none} ms for $MB MB"
		eval "t1_$side=\${t:-0} rtt_$side=\${rtt:-0}"
		rs=
		for h in 1 2 3 4; do
			B dptcp recv $((5010 + h)) 120 > /tmp/recv4.$h &
			rs="$rs $!"
		done
		sleep 0.5
		t=$(A timeit "tcp4-$side" sh -c "for h in 1 2 3 4; do
				dptcp send 172.16.2.\$((10 + h)) \$((5010 + h)) $((MB * 262144)) > /dev/null &
			done; wait" | awk '/^BENCH/ && $4 == 0 { print $3 }')
		# these, not a bare wait: keyd runs in the background too
		for r in $rs; do wait "$r"; done
		for h in 1 2 3 4; do
			grep -q "^bytes $((MB * 262144)) " /tmp/recv4.$h || t=
		done
		echo "BENCH dp-tcp4-$side ${t:-none} ms for $MB MB on four SAs"
		eval "t4_$side=\${t:-0}"
		# leave a clean a for the other side
		[ $side = xfrm ] || ka "flush;" "spdflush;"
		A $IP xfrm state flush; A $IP xfrm policy flush
		B $IP xfrm state flush; B $IP xfrm policy flush
		for h in 1 2 3 4; do A $IP route del 172.16.2.$((10 + h))/32 2>/dev/null; done
		sleep 1.5	# keyd's routes go with its policies
		# keyd's raw sockets would also read every ESP packet of the
		# kernel's run: stopped before it
		if [ $side != xfrm ]; then
			kill "$KD" 2>/dev/null
			wait "$KD" 2>/dev/null
		fi
	done
	# throughput ratio keyd / xfrm = time xfrm / time keyd
	r1=$(awk -v k="$t1_keyd" -v x="$t1_xfrm" 'BEGIN { if (k > 0) printf "%.3f", x / k; else print "none" }')
	r4=$(awk -v k="$t4_keyd" -v x="$t4_xfrm" 'BEGIN { if (k > 0) printf "%.3f", x / k; else print "none" }')
	r41=$(awk -v k="$t4_keyd1" -v x="$t4_xfrm" 'BEGIN { if (k > 0) printf "%.3f", x / k; else print "none" }')
	rp=$(awk -v k="$rtt_keyd" -v x="$rtt_xfrm" 'BEGIN { if (x > 0) printf "%.2f", k / x; else print "none" }')
	echo "BENCH dp-ratio tcp1 keyd/xfrm ${r1}x tcp4 ${r4}x (1 thread ${r41}x) ping-rtt keyd/xfrm ${rp}x"
	if [ "$t1_keyd" -gt 0 ] && [ "$t1_xfrm" -gt 0 ] && [ "$t4_keyd" -gt 0 ] && [ "$t4_xfrm" -gt 0 ] &&
		[ "$t4_keyd1" -gt 0 ]; then
		ok "bench (throughput keyd/xfrm: one flow ${r1}x, four ${r4}x, four with 1 thread ${r41}x; ping rtt ${rp}x)"
	else
		bad bench "a transfer failed: tcp1 keyd $t1_keyd keyd1 $t1_keyd1 xfrm $t1_xfrm, tcp4 keyd $t4_keyd keyd1 $t4_keyd1 xfrm $t4_xfrm"
	fi
}
dpbench=1
for a in $(cat /proc/cmdline); do
	case "$a" in keysh.dpbench=*) dpbench=${a#keysh.dpbench=} ;; esac
done
[ "$dpbench" = 0 ] || bench

kill "$KD" 2>/dev/null
wait "$KD" 2>/dev/null
if dmesg | grep -qE 'WARNING|BUG|Oops'; then
	bad kmsg-clean "$(dmesg | grep -E 'WARNING|BUG|Oops' | head -n 3)"
else
	ok kmsg-clean
fi
echo "dp: $fails failed"
[ "$fails" = 0 ]
