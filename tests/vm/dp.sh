#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# dp.sh: pfkeyv2.ko's data path against Linux xfrm inside the VM (issue 7).
# Namespace a is protected by pfkeyv2.ko (keyed with keysh --backend kernel),
# namespace b by Linux xfrm (keyed with iproute2 `ip xfrm`), joined by veth
# 10.0.0.1 <-> 10.0.0.2. Cases (keys): ESP AES-CBC+HMAC-SHA256 transport, AH
# HMAC-SHA256 transport, ESP AES-GCM-16 tunnel and transport, each: ping both
# ways, b's xfrm inbound counter (b requires it, so clear text could not be
# answered), a raw capture on the veth (only ESP/AH crossed). Then clear text
# from b where a requires ESP (dropped), `discard` policy, unload/reload with
# live state, clean kernel log. Needs /bin/iproute2-ip, /bin/keysh and
# pfkeyv2.ko. Prints VMTEST lines; exit status 0 only if every case passed.
# /init runs it as the suite of keysh.mode=dp (its argument is ignored).
IP=${IP:-/bin/iproute2-ip}
fails=0
ok() { echo "VMTEST ok dp-$1"; }
bad() { echo "VMTEST FAIL dp-$1${2:+: $2}"; fails=$((fails + 1)); }
A() { $IP netns exec a "$@"; }
B() { $IP netns exec b "$@"; }

# Missing tools fail the boot (a data-path boot that tests nothing is no pass).
[ -x "$IP" ] || { bad tools "no iproute2 ip in the initramfs"; exit 1; }
[ -x /bin/keysh ] || { bad tools "no keysh in the initramfs"; exit 1; }
grep -q '^pfkeyv2 ' /proc/modules || insmod /lib/modules/extra/pfkeyv2.ko || { bad load; exit 1; }
mkdir -p /run/netns
$IP netns add a && $IP netns add b || { bad netns; exit 1; }
$IP link add va netns a type veth peer name vb netns b || { bad veth; exit 1; }
A $IP addr add 10.0.0.1/24 dev va; A $IP link set va up; A $IP link set lo up
B $IP addr add 10.0.0.2/24 dev vb; B $IP link set vb up; B $IP link set lo up
A ping -c 1 -W 2 10.0.0.2 >/dev/null && ok "clear-ping-before-keys" || bad "clear-ping-before-keys"

KO=0x11111111111111111111111111111111aabbccdd	# a -> b, key || salt
KI=0x22222222222222222222222222222222eeff0011	# b -> a
EK=0x33333333333333333333333333333333		# AES-CBC-128
AK=0x4444444444444444444444444444444444444444444444444444444444444444	# HMAC-SHA-256

# keys NAME PROTO MODE KEYSH-ALGS XFRM-ALGS: fresh SAs 0x1001 (a->b) and
# 0x2002 (b->a) and require-policies on both sides, then pings both ways
# and b's inbound SA counter (a really sent PROTO).
keys() {
	name=$1 proto=$2 mode=$3 ka=$4 xa=$5
	tun= xtin= xtout=
	if [ "$mode" = tunnel ]; then
		tun=10.0.0.1-10.0.0.2 rtun=10.0.0.2-10.0.0.1
		xtout="src 10.0.0.2 dst 10.0.0.1" xtin="src 10.0.0.1 dst 10.0.0.2"
	else
		rtun=
	fi
	cat > /tmp/a.conf <<EOC
flush;
spdflush;
add 10.0.0.1 10.0.0.2 $proto 0x1001 -m $mode $ka;
add 10.0.0.2 10.0.0.1 $proto 0x2002 -m $mode $(echo "$ka" | sed "s/$KO/$KI/");
spdadd 10.0.0.1 10.0.0.2 any -P out ipsec $proto/$mode/$tun/require;
spdadd 10.0.0.2 10.0.0.1 any -P in ipsec $proto/$mode/$rtun/require;
EOC
	A keysh --backend kernel -f /tmp/a.conf || bad "$name-keysh-keys-a"
	B $IP xfrm state flush; B $IP xfrm policy flush
	# shellcheck disable=SC2086
	B $IP xfrm state add src 10.0.0.1 dst 10.0.0.2 proto $proto spi 0x1001 mode $mode $xa &&
	B $IP xfrm state add src 10.0.0.2 dst 10.0.0.1 proto $proto spi 0x2002 mode $mode \
		$(echo "$xa" | sed "s/$KO/$KI/") &&
	B $IP xfrm policy add src 10.0.0.2/32 dst 10.0.0.1/32 dir out tmpl $xtout proto $proto mode $mode &&
	B $IP xfrm policy add src 10.0.0.1/32 dst 10.0.0.2/32 dir in tmpl $xtin proto $proto mode $mode ||
		bad "$name-xfrm-keys-b"
	cap=
	if [ -x /bin/dpcap ]; then
		A dpcap va 10 > /tmp/cap.b & cap=$!	# a side: Linux re-taps decapsulated tunnel packets on vb
		sleep 1
	fi
	if A ping -c 3 -W 3 10.0.0.2 > /tmp/ping.ab 2>&1; then ok "$name-ping-a-to-b"
	else bad "$name-ping-a-to-b" "$(tail -n 2 /tmp/ping.ab | tr '\n' ' ')"; fi
	if B ping -c 3 -W 3 10.0.0.1 > /tmp/ping.ba 2>&1; then ok "$name-ping-b-to-a"
	else bad "$name-ping-b-to-a" "$(tail -n 2 /tmp/ping.ba | tr '\n' ' ')"; fi
	if [ -n "$cap" ]; then
		wait "$cap"
		# shellcheck disable=SC2046
		set -- $(cat /tmp/cap.b)	# icmp N esp N ah N other N
		if [ "${2:-1}" = 0 ] && [ $(($4 + $6)) -ge 12 ]; then ok "$name-veth-no-clear-text ($*)"
		else bad "$name-veth-no-clear-text" "$*"; fi
	fi
	B $IP -s xfrm state > /tmp/xs.b
	# 3 requests from a + 3 replies to b's pings on b's inbound SA
	n=$(inpk 10.0.0.1 10.0.0.2)
	if [ "${n:-0}" -ge 6 ]; then ok "$name-xfrm-b-decapsulated-$n"; else
		bad "$name-xfrm-b-decapsulated" "packets=${n:-none}"
		B cat /proc/net/xfrm_stat 2>/dev/null | awk '$2 != 0 {print "dp: b xfrm_stat: " $0}'
		grep -A1 'stats:' /tmp/xs.b | sed 's/^/dp: b /'
	fi
}
inpk() { # src dst -> packets counted on that SA in /tmp/xs.b
	awk -v h="src $1 dst $2" '$0 == h {f=1; next} /^src /{f=0}
		f && /\(packets\)/ && /\(bytes\)/ {sub(/\(packets\).*/, ""); sub(/.* /, ""); print; exit}' /tmp/xs.b
}

keys esp-cbc-sha256-transport esp transport "-E aes-cbc $EK -A hmac-sha256 $AK" \
	"enc cbc(aes) $EK auth-trunc hmac(sha256) $AK 128"
# AH: kmod/core/ah.c aligns the IPv4 AH header to 32 bits (RFC 4302); Linux
# ah4 sends and accepts 64-bit alignment only, unless the state has align4.
keys ah-sha256-transport ah transport "-A hmac-sha256 $AK" "auth-trunc hmac(sha256) $AK 128 flag align4"
keys esp-gcm16-tunnel esp tunnel "-E aes-gcm-16 $KO" "aead rfc4106(gcm(aes)) $KO 128"
# last: GCM transport, then the negative case below on these keys
keys esp-gcm16-transport esp transport "-E aes-gcm-16 $KO" "aead rfc4106(gcm(aes)) $KO 128"

# clear text from b where a requires ESP: drop b's out policy, ping must fail
B $IP xfrm policy delete src 10.0.0.2/32 dst 10.0.0.1/32 dir out
if B ping -c 2 -W 2 10.0.0.1 >/dev/null 2>&1; then bad "clear-text-required-dropped"
else ok "clear-text-required-dropped"; fi
# policy discard in a: its pings must not leave
cat > /tmp/a.conf <<EOC
spdflush;
spdadd 10.0.0.1 10.0.0.2 icmp -P out discard;
EOC
A keysh --backend kernel -f /tmp/a.conf || bad "discard-keysh"
if A ping -c 2 -W 2 10.0.0.2 >/dev/null 2>&1; then bad "policy-discard"; else ok "policy-discard"; fi
A cat /proc/net/pfkeyv2 2>/dev/null | sed 's/^/dp: proc a: /'
# Unload while namespace a still holds SAs, policies and data-path state
# (pernet exit of the hooks, then of the core), then reload.
if rmmod pfkeyv2 && insmod /lib/modules/extra/pfkeyv2.ko; then ok unload-reload
else bad unload-reload; fi
$IP netns del a; $IP netns del b
if dmesg | grep -E 'WARNING:|BUG:|Oops|leak|refcount_t|general protection'; then
	bad kernel-log-clean
else
	ok kernel-log-clean
fi
[ "$fails" = 0 ]
