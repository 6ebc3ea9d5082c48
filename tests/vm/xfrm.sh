#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# xfrm.sh: pfkeyv2.ko as the PF_KEY front door to the kernel's own xfrm
# (issue 12), the suite of keysh.mode=xfrm. Namespace a is keyed through
# PF_KEY (keysh --backend kernel -> pfkeyv2 -> xfrm_state/xfrm_policy),
# namespace b by iproute2 `ip xfrm`, joined by veth (10.0.0.1 <-> 10.0.0.2,
# fd00::1 <-> fd00::2). Cases (VMTEST lines, exit 0 only if all passed):
#   keys-in-ip-xfrm    an SA keysh added shows in `ip xfrm state` with its
#                      keys, HMAC-SHA-256 with a 128-bit ICV (RFC 4868), an
#                      AES-GCM-12 AEAD with a 96-bit ICV, a 64-packet window
#   ip-xfrm-in-pfkey   `ip xfrm state add` shows in keysh -D and as one ADD in
#                      keysh -x; `ip xfrm policy add` shows in keysh -DP
#   own-add-once       keysh's own ADD reaches a monitor exactly once
#   traffic-*          ping both ways: ESP AES-GCM-16 and AES-CBC +
#                      HMAC-SHA-256-128 x transport/tunnel x IPv4/IPv6
#   acquire            a policy without SA and a ping: ACQUIRE in keysh -x,
#                      answered by GETSPI + UPDATE, then the ping passes
#   expire             -ls 2 -lh 4: soft, then hard EXPIRE; the SA is gone
#   reload             rmmod with live SAs: xfrm keeps them and traffic
#                      flows; insmod: keysh -D shows them again
#   esn                (xfrmpk) SADB_X_SAFLAGS_ESN with a 64-packet window:
#                      `ip xfrm state` says "flag esn", the reply keeps the
#                      flag; with window 0: EINVAL
#   esn-keysh          keysh add -r 64 -f esn: "flag esn" in ip xfrm state,
#                      flags=0x00000400 in keysh -D, -f esn in --script -D
#   new-mapping        an esp-udp SA keyed by keysh, the ip xfrm peer sends
#                      from another port: X_NAT_T_NEW_MAPPING in keysh -x
#   socket-bypass      (xfrmpk) IP_IPSEC_POLICY "out bypass" on a UDP socket
#                      (af_key's compile_policy): its datagram leaves in clear
#                      past a require policy without SA, a plain one does not
#   alg-*              tests/vm/xfrm-algs.sh (/xfrm-algs.sh): every algorithm
#                      keysh offers x transport/tunnel x IPv4/IPv6, pings
#                      against ip xfrm (skip: the kernel lacks it)
#   nf-*, v6-*, unrelated-throughput
#                      tests/vm/xfrm-nf.sh (/xfrm-nf.sh): netfilter, bridge,
#                      conntrack, IPv6 extension headers and fragments, IPv6
#                      TCP over GCM, throughput with an unrelated policy
#   peer-*             tests/vm/peer.sh (/peer.sh): keysh --peer's script keys
#                      namespace b for a's script: transport, tunnel gateways
#   kmsg-clean         no WARNING/BUG/Oops in the kernel log
# Needs /bin/iproute2-ip, /bin/keysh, /bin/xfrmpk, /bin/dpnattsock,
# /lib/modules/extra/pfkeyv2.ko,
# and what xfrm-nf.sh needs.
IP=${IP:-/bin/iproute2-ip}
fails=0
ok() { echo "VMTEST ok xfrm-$1"; }
bad() { echo "VMTEST FAIL xfrm-$1${2:+: $2}"; fails=$((fails + 1)); }
A() { $IP netns exec a "$@"; }
B() { $IP netns exec b "$@"; }
KA() { A keysh --backend kernel "$@"; }
# ka STATEMENTS: run keysh statements in a (through a file: -f)
ka() { printf '%s\n' "$@" > /tmp/ka.conf && KA -f /tmp/ka.conf; }

for t in "$IP" /bin/keysh /bin/xfrmpk; do
	[ -x "$t" ] || { bad tools "no $t in the initramfs"; exit 1; }
done
insmod /lib/modules/extra/pfkeyv2.ko || { bad load; exit 1; }
mkdir -p /run/netns
$IP netns add a && $IP netns add b || { bad netns; exit 1; }
$IP link add va netns a type veth peer name vb netns b || { bad veth; exit 1; }
A $IP addr add 10.0.0.1/24 dev va; A $IP -6 addr add fd00::1/64 dev va nodad
B $IP addr add 10.0.0.2/24 dev vb; B $IP -6 addr add fd00::2/64 dev vb nodad
A $IP link set va up; A $IP link set lo up; B $IP link set vb up; B $IP link set lo up

KO=0x11111111111111111111111111111111aabbccdd	# AES-GCM key || salt
EK=0x33333333333333333333333333333333		# AES-CBC-128
AK=0x4444444444444444444444444444444444444444444444444444444444444444	# HMAC-SHA-256
GCM_K="-E aes-gcm-16 $KO" GCM_X="aead rfc4106(gcm(aes)) $KO 128"
CBC_K="-E aes-cbc $EK -A hmac-sha256 $AK" CBC_X="enc cbc(aes) $EK auth-trunc hmac(sha256) $AK 128"

# --- keys-in-ip-xfrm
ka "flush;" "spdflush;" \
	"add 10.0.0.1 10.0.0.2 esp 0x1001 -m transport $CBC_K;" \
	"add 10.0.0.1 10.0.0.9 esp 0x3003 -m tunnel -r 64 -E aes-gcm-12 $KO;" ||
	bad keysh-add
A $IP xfrm state > /tmp/st
if grep -q "auth-trunc hmac(sha256) ${AK} 128" /tmp/st && grep -q "enc cbc(aes) ${EK}" /tmp/st &&
	grep -q "aead rfc4106(gcm(aes)) ${KO} 96" /tmp/st && grep -q "replay-window 64" /tmp/st &&
	grep -q "mode tunnel" /tmp/st; then
	ok keys-in-ip-xfrm
else
	bad keys-in-ip-xfrm "$(tr '\n' ' ' < /tmp/st | head -c 600)"
fi

# --- ip-xfrm-in-pfkey and own-add-once
A timeout 20 keysh --backend kernel -x --json > /tmp/mon 2>&1 & mon=$!
sleep 2
A $IP xfrm state add src 10.0.0.1 dst 10.0.0.5 proto esp spi 0x5005 mode transport \
	aead 'rfc4106(gcm(aes))' $KO 128 || bad ip-xfrm-add
A $IP xfrm policy add src 10.9.0.0/24 dst 10.8.0.0/24 dir out tmpl proto esp mode transport ||
	bad ip-xfrm-policy-add
ka "add 10.0.0.1 10.0.0.6 esp 0x6006 -m transport $GCM_K;" || bad keysh-add-6006
sleep 2
kill "$mon" 2>/dev/null
wait "$mon" 2>/dev/null
n5=$(grep '"type":"ADD"' /tmp/mon | grep -c '"spi_hex":"0x00005005"')
n6=$(grep '"type":"ADD"' /tmp/mon | grep -c '"spi_hex":"0x00006006"')
np=$(grep '"type":"X_SPDADD"' /tmp/mon | grep -c '10.9.0.0')
if KA -D | grep -q 'spi=20485(0x00005005)' && [ "$n5" = 1 ]; then
	ok ip-xfrm-in-pfkey
else
	bad ip-xfrm-in-pfkey "ADD events $n5: $(head -c 400 /tmp/mon)"
fi
if KA -DP | grep -q '10.9.0.0/24' && [ "$np" = 1 ]; then
	ok ip-xfrm-policy-in-pfkey
else
	bad ip-xfrm-policy-in-pfkey "SPDADD events $np"
fi
[ "$n6" = 1 ] && ok own-add-once || bad own-add-once "ADD events for 0x6006: $n6"
A $IP xfrm policy flush

# --- traffic: pair NAME FAMILY MODE KEYSH-ALGS XFRM-ALGS
pair() {
	if [ "$2" = 4 ]; then a=10.0.0.1 b=10.0.0.2 pl=32 png=ping
	else a=fd00::1 b=fd00::2 pl=128 png=ping6; fi
	tun= rtun= xo= xi=
	if [ "$3" = tunnel ]; then
		tun=$a-$b rtun=$b-$a xo="src $b dst $a" xi="src $a dst $b"
	fi
	ka "flush;" "spdflush;" \
		"add $a $b esp 0x1001 -m $3 $4;" "add $b $a esp 0x2002 -m $3 $4;" \
		"spdadd $a $b any -P out ipsec esp/$3/$tun/require;" \
		"spdadd $b $a any -P in ipsec esp/$3/$rtun/require;" || { bad "$1" keysh; return; }
	B $IP xfrm state flush; B $IP xfrm policy flush
	# shellcheck disable=SC2086
	B $IP xfrm state add src $a dst $b proto esp spi 0x1001 mode $3 $5 &&
	B $IP xfrm state add src $b dst $a proto esp spi 0x2002 mode $3 $5 &&
	B $IP xfrm policy add src $b/$pl dst $a/$pl dir out tmpl $xo proto esp mode $3 &&
	B $IP xfrm policy add src $a/$pl dst $b/$pl dir in tmpl $xi proto esp mode $3 ||
		{ bad "$1" "ip xfrm"; return; }
	if A $png -c 2 -W 3 $b > /tmp/ping 2>&1 && B $png -c 2 -W 3 $a >> /tmp/ping 2>&1; then
		n=$(B $IP -s xfrm state get src $a dst $b proto esp spi 0x1001 |
			sed -n 's/.* \([0-9]*\)(packets).*/\1/p' | head -n1)
		[ "${n:-0}" -ge 2 ] && ok "$1" || bad "$1" "b decrypted ${n:-no} packets"
	else
		bad "$1" "$(tail -n 3 /tmp/ping | tr '\n' ' ')"
	fi
}
# shellcheck disable=SC2086
{
	pair traffic-gcm-transport-v4 4 transport "$GCM_K" "$GCM_X"
	pair traffic-gcm-tunnel-v4 4 tunnel "$GCM_K" "$GCM_X"
	pair traffic-cbc-sha256-transport-v4 4 transport "$CBC_K" "$CBC_X"
	pair traffic-cbc-sha256-tunnel-v4 4 tunnel "$CBC_K" "$CBC_X"
	pair traffic-gcm-transport-v6 6 transport "$GCM_K" "$GCM_X"
	pair traffic-gcm-tunnel-v6 6 tunnel "$GCM_K" "$GCM_X"
	pair traffic-cbc-sha256-transport-v6 6 transport "$CBC_K" "$CBC_X"
	pair traffic-cbc-sha256-tunnel-v6 6 tunnel "$CBC_K" "$CBC_X"
}

# --- reload (the last pair's SAs and policies are live in a)
if rmmod pfkeyv2; then
	n=$(A $IP xfrm state | grep -c '^src')
	A ping6 -c 1 -W 3 fd00::2 > /dev/null 2>&1 && p=yes || p=no
	if insmod /lib/modules/extra/pfkeyv2.ko && [ "$n" = 2 ] && [ $p = yes ] &&
		KA -D | grep -q 'spi=8194(0x00002002)' && KA -DP | grep -q 'fd00::2'; then
		ok reload
	else
		bad reload "states after rmmod $n, ping $p"
	fi
else
	bad reload "rmmod"
	grep -q '^pfkeyv2 ' /proc/modules || insmod /lib/modules/extra/pfkeyv2.ko
fi

# --- acquire
ka "flush;" "spdflush;" \
	"spdadd 10.0.0.1 10.0.0.2 any -P out ipsec esp/transport//require;" \
	"spdadd 10.0.0.2 10.0.0.1 any -P in ipsec esp/transport//require;" || bad acquire-policies
B $IP xfrm state flush; B $IP xfrm policy flush
B $IP xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x7007 mode transport $GCM_X
B $IP xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x8008 mode transport $GCM_X
B $IP xfrm policy add src 10.0.0.2/32 dst 10.0.0.1/32 dir out tmpl proto esp mode transport
B $IP xfrm policy add src 10.0.0.1/32 dst 10.0.0.2/32 dir in tmpl proto esp mode transport
A timeout 30 keysh --backend kernel -x --json --type acquire --count 1 > /tmp/acq 2>&1 & mon=$!
sleep 2
A ping -c 1 -W 2 10.0.0.2 > /dev/null 2>&1 && bad acquire "an unkeyed ping was answered"
wait "$mon"
if grep -q '"type":"ACQUIRE"' /tmp/acq && grep -q '"addr":"10.0.0.2"' /tmp/acq; then
	ok acquire-seen
else
	bad acquire-seen "$(head -c 300 /tmp/acq)"
fi
ka "getspi 10.0.0.1 10.0.0.2 esp 0x7007 -m transport;" \
	"update 10.0.0.1 10.0.0.2 esp 0x7007 -m transport $GCM_K;" \
	"add 10.0.0.2 10.0.0.1 esp 0x8008 -m transport $GCM_K;" > /tmp/upd 2>&1 ||
	bad acquire-getspi-update "$(cat /tmp/upd)"
if A ping -c 2 -W 3 10.0.0.2 > /dev/null 2>&1 && [ "$(A $IP xfrm state | grep -c '^src')" = 2 ]; then
	ok acquire-answered
else
	bad acquire-answered "$(A $IP xfrm state | tr '\n' ' ' | head -c 400)"
fi

# --- expire
A timeout 30 keysh --backend kernel -x --json --type expire --count 2 > /tmp/exp 2>&1 & mon=$!
sleep 2
ka "add 10.0.0.1 10.0.0.3 esp 0x9009 -m transport -ls 2 -lh 4 $GCM_K;" || bad expire-add
wait "$mon"
soft=$(grep '"type":"EXPIRE"' /tmp/exp | grep -v lifetime_hard | grep -c lifetime_soft)
hard=$(grep '"type":"EXPIRE"' /tmp/exp | grep -c lifetime_hard)
if [ "$soft" = 1 ] && [ "$hard" = 1 ] && grep -n EXPIRE /tmp/exp | head -n1 | grep -q lifetime_soft &&
	! A $IP xfrm state | grep -q 'spi 0x00009009'; then
	ok expire-soft-then-hard
else
	bad expire-soft-then-hard "soft $soft hard $hard: $(head -c 300 /tmp/exp)"
fi

# --- esn
ka "flush;" "spdflush;"
r=$(A /bin/xfrmpk esn 10.0.0.1 10.0.0.7 0xa00a)
r0=$(A /bin/xfrmpk esn0 10.0.0.1 10.0.0.7 0xb00b)
A $IP xfrm state get src 10.0.0.1 dst 10.0.0.7 proto esp spi 0xa00a > /tmp/esn 2>&1
if [ "$r" = "errno 0 flags 0x400" ] && [ "$r0" = "errno 22 flags 0x0" ] &&
	grep -q "flag esn" /tmp/esn && grep -q "replay-window 64" /tmp/esn; then
	ok esn
else
	bad esn "reply '$r', window 0 '$r0': $(tr '\n' ' ' < /tmp/esn | head -c 300)"
fi

# --- esn-keysh: keysh's -f esn (SADB_X_SAFLAGS_ESN) keys an ESN state, shown
# by ip xfrm, by keysh -D (flags) and kept by --script
ka "add 10.0.0.1 10.0.0.7 esp 0xc00c -m transport -r 64 -f esn $GCM_K;" > /tmp/esnk 2>&1
A $IP xfrm state get src 10.0.0.1 dst 10.0.0.7 proto esp spi 0xc00c > /tmp/esn 2>&1
KA -D > /tmp/esnd 2>&1
KA --script -D > /tmp/esns 2>&1
if grep -q "flag esn" /tmp/esn && grep -q "replay-window 64" /tmp/esn &&
	grep -A3 '0x0000c00c' /tmp/esnd | grep -q 'flags=0x00000400' &&
	grep '0x0000c00c' /tmp/esns | grep -q ' -r 64 .*-f esn '; then
	ok esn-keysh
else
	bad esn-keysh "$(cat /tmp/esnk /tmp/esn /tmp/esnd /tmp/esns | tr '\n' ' ' | head -c 600)"
fi

# --- new-mapping: an ESP-in-UDP SA keyed through PF_KEY in a expects the
# peer at 10.0.0.2:4500; b (ip xfrm) sends from port 4501 (a NAT rebinding):
# esp4 decapsulates on a's UDP_ENCAP socket and calls km_new_mapping, which
# keysh -x sees as X_NAT_T_NEW_MAPPING with the SA and the new port.
ka "flush;" "spdflush;" "add 10.0.0.2[4500] 10.0.0.1[4500] esp-udp 0xd00d -m transport $GCM_K;" ||
	bad new-mapping-add
B $IP xfrm state flush; B $IP xfrm policy flush
A dpnattsock encap 4500 30 > /tmp/encap 2>&1 & es=$!
A timeout 30 keysh --backend kernel -x --json --type nat_t_new_mapping --count 1 > /tmp/nm 2>&1 & mon=$!
sleep 2
# shellcheck disable=SC2086
B $IP xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0xd00d mode transport $GCM_X \
	encap espinudp 4501 4500 0.0.0.0 &&
	B $IP xfrm policy add src 10.0.0.2/32 dst 10.0.0.1/32 proto 17 dport 9 dir out \
		tmpl proto esp mode transport || bad new-mapping "ip xfrm"
B dpnattsock send 10.0.0.1 9 6e6d > /dev/null 2>&1
wait "$mon"
kill "$es" 2>/dev/null
wait "$es" 2>/dev/null
if grep -q '"type":"X_NAT_T_NEW_MAPPING"' /tmp/nm && grep -q '0x0000d00d' /tmp/nm &&
	grep -q '4501' /tmp/nm && grep -q ready /tmp/encap; then
	ok new-mapping
else
	bad new-mapping "$(cat /tmp/encap /tmp/nm | tr '\n' ' ' | head -c 600)"
fi
B $IP xfrm state flush; B $IP xfrm policy flush

# --- socket-bypass: b counts datagrams to a closed port (Udp NoPorts)
noports() { B cat /proc/net/snmp | awk '$1 == "Udp:" && $2 ~ /^[0-9]+$/ { print $3 }'; }
ka "flush;" "spdflush;" "spdadd 10.0.0.1 10.0.0.2 udp -P out ipsec esp/transport//require;"
B $IP xfrm state flush; B $IP xfrm policy flush
n0=$(noports)
A /bin/xfrmpk send 10.0.0.2 9 plain > /tmp/plain 2>&1
sleep 1
n1=$(noports)
A /bin/xfrmpk send 10.0.0.2 9 bypass > /tmp/bypass 2>&1
sleep 1
n2=$(noports)
if [ "$n1" = "$n0" ] && [ "$n2" = $((n0 + 1)) ] && grep -q "setsockopt 0" /tmp/bypass; then
	ok socket-bypass
else
	bad socket-bypass "NoPorts $n0 $n1 $n2: $(cat /tmp/plain /tmp/bypass | tr '\n' ' ')"
fi

ka "flush;" "spdflush;"
# --- keysh --peer: one script keys both namespaces
. /peer.sh
# --- every algorithm x mode x family against ip xfrm (namespaces a and b)
sh /xfrm-algs.sh || fails=$((fails + 1))
# --- the netfilter/IPv6 findings of issue 12, in namespaces of their own
sh /xfrm-nf.sh || fails=$((fails + 1))

if dmesg | grep -E 'WARNING:|BUG:|Oops|refcount_t|general protection'; then
	bad kmsg-clean
else
	ok kmsg-clean
fi
[ "$fails" = 0 ]
