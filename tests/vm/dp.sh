#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# dp.sh: pfkeyv2.ko's data path against Linux xfrm inside the VM (issue 7).
# Namespace a is protected by pfkeyv2.ko (keyed with keysh --backend kernel),
# namespace b by Linux xfrm (keyed with iproute2 `ip xfrm`), joined by veth
# 10.0.0.1 <-> 10.0.0.2. Cases: ESP AES-GCM-16 transport ping both ways (b's
# xfrm counters prove the packets were ESP: b requires ESP inbound, so a
# clear-text echo could not be answered), then clear text from b where a's
# policy requires ESP (dropped). Needs /bin/iproute2-ip, /bin/keysh and
# pfkeyv2.ko with the data path wired (pfkm_dp_kinit). Prints VMTEST lines;
# exit status 0 only if every case passed. Usable as /suite.sh (its mode
# argument is ignored) or called from suite.sh.
IP=${IP:-/bin/iproute2-ip}
fails=0
ok() { echo "VMTEST ok dp-$1"; }
bad() { echo "VMTEST FAIL dp-$1${2:+: $2}"; fails=$((fails + 1)); }
A() { $IP netns exec a "$@"; }
B() { $IP netns exec b "$@"; }

[ -x "$IP" ] || { echo "VMTEST skip dp: no iproute2 ip"; exit 0; }
[ -x /bin/keysh ] || { echo "VMTEST skip dp: no keysh"; exit 0; }
grep -q '^pfkeyv2 ' /proc/modules || insmod /lib/modules/extra/pfkeyv2.ko || { bad load; exit 1; }
mkdir -p /run/netns
$IP netns add a && $IP netns add b || { bad netns; exit 1; }
$IP link add va netns a type veth peer name vb netns b || { bad veth; exit 1; }
A $IP addr add 10.0.0.1/24 dev va; A $IP link set va up; A $IP link set lo up
B $IP addr add 10.0.0.2/24 dev vb; B $IP link set vb up; B $IP link set lo up
A ping -c 1 -W 2 10.0.0.2 >/dev/null && ok "clear-ping-before-keys" || bad "clear-ping-before-keys"

KO=0x11111111111111111111111111111111aabbccdd	# a -> b, key || salt
KI=0x22222222222222222222222222222222eeff0011	# b -> a
cat > /tmp/a.conf <<EOC
flush;
spdflush;
add 10.0.0.1 10.0.0.2 esp 0x1001 -m transport -E aes-gcm-16 $KO;
add 10.0.0.2 10.0.0.1 esp 0x2002 -m transport -E aes-gcm-16 $KI;
spdadd 10.0.0.1 10.0.0.2 any -P out ipsec esp/transport//require;
spdadd 10.0.0.2 10.0.0.1 any -P in ipsec esp/transport//require;
EOC
A keysh --backend kernel -f /tmp/a.conf && ok "keysh-keys-a" || bad "keysh-keys-a"
B $IP xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001 mode transport \
	aead 'rfc4106(gcm(aes))' $KO 128 &&
B $IP xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x2002 mode transport \
	aead 'rfc4106(gcm(aes))' $KI 128 &&
B $IP xfrm policy add src 10.0.0.2/32 dst 10.0.0.1/32 dir out tmpl proto esp mode transport &&
B $IP xfrm policy add src 10.0.0.1/32 dst 10.0.0.2/32 dir in tmpl proto esp mode transport &&
	ok "xfrm-keys-b" || bad "xfrm-keys-b"

if A ping -c 3 -W 3 10.0.0.2 > /tmp/ping.ab 2>&1; then ok "esp-gcm16-transport-ping-a-to-b"
else bad "esp-gcm16-transport-ping-a-to-b" "$(tail -n 2 /tmp/ping.ab | tr '\n' ' ')"; fi
if B ping -c 3 -W 3 10.0.0.1 > /tmp/ping.ba 2>&1; then ok "esp-gcm16-transport-ping-b-to-a"
else bad "esp-gcm16-transport-ping-b-to-a" "$(tail -n 2 /tmp/ping.ba | tr '\n' ' ')"; fi
B $IP -s xfrm state > /tmp/xs.b
echo "dp: b's xfrm states:"; sed 's/^/dp:   /' /tmp/xs.b
# b's xfrm decapsulated a's 3 requests + 3 replies... per SA: >= 6 packets
# (3 pings each way) on the inbound SA, i.e. a really sent ESP
inpk() { # src dst -> packets counted on that SA in /tmp/xs.b
	awk -v h="src $1 dst $2" '$0 == h {f=1; next} /^src /{f=0}
		f && /\(packets\)/ && /\(bytes\)/ {sub(/\(packets\).*/, ""); sub(/.* /, ""); print; exit}' /tmp/xs.b
}
n=$(inpk 10.0.0.1 10.0.0.2)
[ "${n:-0}" -ge 6 ] && ok "xfrm-b-decapsulated-$n" || bad "xfrm-b-decapsulated" "packets=${n:-none}"

# clear text from b where a requires ESP: drop b's out policy, ping must fail
B $IP xfrm policy delete src 10.0.0.2/32 dst 10.0.0.1/32 dir out
if B ping -c 2 -W 2 10.0.0.1 >/dev/null 2>&1; then bad "clear-text-required-dropped"
else ok "clear-text-required-dropped"; fi
cat /proc/net/pfkeyv2 2>/dev/null | sed 's/^/dp: proc: /'
$IP netns del a; $IP netns del b
[ "$fails" = 0 ]
