# SPDX-License-Identifier: BSD-2-Clause
# dp-case-fwd.sh: pfkeyv2.ko as a security gateway (issue 7), sourced by
# dp.sh with its helpers in scope (A, B, KA, ok, bad, dpstat, sa_counted,
# xstats, xfrm_counted, xfrm_states, KO, KI, GCM_K, GCM_X, IP). Two more
# namespaces behind the gateways:
#   c 10.1.0.2 2001:db8:1::2 -ca/ac- a =va/vb= b -bd/db- d 10.2.0.2 2001:db8:2::2
# a (pfkeyv2, keysh) and b (Linux xfrm) forward; c <-> d goes through an
# ESP AES-GCM-16 tunnel a <-> b: `out` + `fwd` policies on each side (a has
# no `in` policy for these nets: what leaves its tunnel for c meets `fwd`).
#   tunnels   IPv4 in IPv4, IPv6 in IPv6, IPv4 in IPv6, IPv6 in IPv4 (and
#             the two mixed ones with AH HMAC-SHA256): ping
#             c -> d and d -> c, TCP 512 KiB c -> d (dptcp sums), a capture
#             on va (only ESP crossed), a's SAs and b's xfrm states counted
#   fwd       b stops tunnelling d -> c: the clear text a forwards is dropped
#             by a's `fwd` policy and counted (policy_drop)
#   local     a itself (from 10.1.0.1 / 2001:db8:1::1) to d through the
#             IPv4-in-IPv6 and IPv6-in-IPv4 tunnels: ping, TCP 256 KiB; the
#             answers meet a's `in` policy
#   pmtu      va/vb MTU 1400: a DF UDP datagram of 1400 bytes from c (dpmtu)
#             gets ICMP frag-needed from a with MTU 1346 (1400 minus the
#             SA: ((1400 - 20 - 16 - 16) & ~3) - 2, as xfrm's esp4_get_mtu),
#             IPv6 1400 bytes ICMPv6 packet too big 1326 (40-byte outer);
#             too_big counted; TCP 512 KiB c -> d with DF completes (c's
#             PMTU learnt from a's ICMP); the same datagrams sent by a itself
#             get the same MTU (the ICMP a sends itself); without DF the
#             datagram reaches d, the ESP packet fragmented on va; MTU 1500
#             again.
# Leaves a and b as it found them (veth up, c and d gone, forwarding off).
C() { $IP netns exec c "$@"; }
D() { $IP netns exec d "$@"; }

$IP netns add c && $IP netns add d || bad fwd-netns
$IP link add ca netns c type veth peer name ac netns a || bad fwd-veth-c
$IP link add db netns d type veth peer name bd netns b || bad fwd-veth-d
C $IP link set lo up; C $IP link set ca up; D $IP link set lo up; D $IP link set db up
A $IP link set ac up; B $IP link set bd up
C $IP addr add 10.1.0.2/24 dev ca; A $IP addr add 10.1.0.1/24 dev ac
D $IP addr add 10.2.0.2/24 dev db; B $IP addr add 10.2.0.1/24 dev bd
C $IP -6 addr add 2001:db8:1::2/64 dev ca nodad; A $IP -6 addr add 2001:db8:1::1/64 dev ac nodad
D $IP -6 addr add 2001:db8:2::2/64 dev db nodad; B $IP -6 addr add 2001:db8:2::1/64 dev bd nodad
C $IP -6 neigh add 2001:db8:1::1 lladdr "$(A cat /sys/class/net/ac/address)" dev ca nud permanent
A $IP -6 neigh add 2001:db8:1::2 lladdr "$(C cat /sys/class/net/ca/address)" dev ac nud permanent
D $IP -6 neigh add 2001:db8:2::1 lladdr "$(B cat /sys/class/net/bd/address)" dev db nud permanent
B $IP -6 neigh add 2001:db8:2::2 lladdr "$(D cat /sys/class/net/db/address)" dev bd nud permanent
C $IP route add default via 10.1.0.1; C $IP -6 route add default via 2001:db8:1::1
D $IP route add default via 10.2.0.1; D $IP -6 route add default via 2001:db8:2::1
A $IP route add 10.2.0.0/24 via 10.0.0.2; A $IP -6 route add 2001:db8:2::/64 via 2001:db8::2
B $IP route add 10.1.0.0/24 via 10.0.0.1; B $IP -6 route add 2001:db8:1::/64 via 2001:db8::1
for n in a b; do
	$IP netns exec $n sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward &&
		echo 1 > /proc/sys/net/ipv6/conf/all/forwarding' || bad "fwd-forwarding-on-$n"
done
# earlier cases' PMTU exceptions (a's own transport traffic to 10.0.0.2)
A $IP route flush cache; A $IP -6 route flush cache

# fwdtun NAME INNER OUTER [PROTO] (4 or 6; esp: AES-GCM-16, ah: HMAC-SHA256):
# keys and policies on a and b
fwdtun() {
	P=${4:-esp} ka="$GCM_K" kia="-E aes-gcm-16 $KI" xa="$GCM_X"
	if [ "$P" = ah ]; then
		ka="-A hmac-sha256 $AK" kia="$ka" xa="auth-trunc hmac(sha256) $AK 128"
	fi
	if [ "$2" = 4 ]; then NC=10.1.0.0/24 ND=10.2.0.0/24 HC=10.1.0.2 HD=10.2.0.2
	else NC=2001:db8:1::/64 ND=2001:db8:2::/64 HC=2001:db8:1::2 HD=2001:db8:2::2; fi
	if [ "$3" = 4 ]; then GA=10.0.0.1 GB=10.0.0.2; else GA=2001:db8::1 GB=2001:db8::2; fi
	# Linux: a tunnel state carrying the other family needs af-unspec
	xf=; [ "$2" = "$3" ] || xf="flag af-unspec"
	cat > /tmp/a.conf <<EOC
flush;
spdflush;
spdadd $NC $ND any -P out ipsec $P/tunnel/$GA-$GB/require;
spdadd $ND $NC any -P fwd ipsec $P/tunnel/$GB-$GA/require;
add $GA $GB $P 0x1001 -m tunnel -r 64 $ka;
add $GB $GA $P 0x2002 -m tunnel -r 64 $kia;
EOC
	KA -f /tmp/a.conf || bad "$1-keysh-keys-a"
	B $IP xfrm state flush; B $IP xfrm policy flush
	{ xfrm_states B "$GA" "$GB" "$P" tunnel 0x1001 0x2002 "$xa" "$xf" &&
	B $IP xfrm policy add src $ND dst $NC dir out tmpl src $GB dst $GA proto $P mode tunnel &&
	B $IP xfrm policy add src $NC dst $ND dir fwd tmpl src $GA dst $GB proto $P mode tunnel; } ||
		bad "$1-xfrm-keys-b"
}

# fwdtcp NAME DEST BYTES [FROM]: dptcp FROM (c) -> d, both sums equal
fwdtcp() {
	$IP netns exec d dptcp recv 5002 90 > /tmp/ftcp.rx 2>&1 & rx=$!
	sleep 1
	$IP netns exec "${4:-c}" dptcp send "$2" 5002 "$3" > /tmp/ftcp.tx 2>&1
	wait "$rx"
	if [ -s /tmp/ftcp.tx ] && cmp -s /tmp/ftcp.tx /tmp/ftcp.rx; then ok "$1 ($(cat /tmp/ftcp.rx))"
	else bad "$1" "sent: $(cat /tmp/ftcp.tx) received: $(cat /tmp/ftcp.rx)"; fi
}

# fwdcase NAME INNER OUTER: pings both ways and TCP under a capture on va
# (no clear-text ICMP, ICMPv6 echo or TCP crossed, ESP did), counters on
# both gateways
fwdcase() {
	name=$1
	fwdtun "$@"
	$IP netns exec a dpcap va 120 > /tmp/cap.fwd & cap=$!
	sleep 1
	# the first packet may meet ND/ARP on the way: one ping of slack
	C ping -c 1 -W 3 "$HD" > /dev/null 2>&1
	if C ping -c 3 -W 3 "$HD" > /tmp/ping.cd 2>&1; then ok "$name-ping-c-to-d"
	else bad "$name-ping-c-to-d" "$(tail -n 2 /tmp/ping.cd | tr '\n' ' ')"; fi
	if D ping -c 3 -W 3 "$HC" > /tmp/ping.dc 2>&1; then ok "$name-ping-d-to-c"
	else bad "$name-ping-d-to-c" "$(tail -n 2 /tmp/ping.dc | tr '\n' ' ')"; fi
	fwdtcp "$name-tcp-512KiB-c-to-d" "$HD" 524288
	sleep 1
	kill "$cap"
	wait "$cap"
	# shellcheck disable=SC2046
	set -- $(cat /tmp/cap.fwd)	# icmp N esp N ah N other N ah_esp N tcp N icmp6 N
	# ESP: esp N, AH: ah N ($4, $6)
	[ "$P" = ah ] && np=${6:-0} || np=${4:-0}
	if [ "${2:-1}" = 0 ] && [ "${12:-1}" = 0 ] && [ "${14:-1}" = 0 ] && [ "$np" -ge 12 ]
	then ok "$name-veth-$P-only ($*)"
	else bad "$name-veth-$P-only" "$*"; fi
	# a: 0x1001 encapsulated c -> d, 0x2002 decapsulated d -> c
	sa_counted "$name" 0x00001001 6
	sa_counted "$name" 0x00002002 6
	xstats
	xfrm_counted "$name" "$GA" "$GB" 6
}

fwdcase fwd-esp-gcm16-tunnel-ipv4 4 4
# clear text where a's `fwd` policy requires the tunnel: b forwards d -> c
# without its `out` policy now
r0=$(dpstat policy_drop)
B $IP xfrm policy delete src 10.2.0.0/24 dst 10.1.0.0/24 dir out
if D ping -c 2 -W 2 10.1.0.2 > /dev/null 2>&1; then bad "fwd-clear-text-required-dropped"
else
	r1=$(dpstat policy_drop)
	if [ "${r1:-0}" -ge $((${r0:-0} + 2)) ]; then ok "fwd-clear-text-required-dropped-counted"
	else bad "fwd-clear-text-required-dropped-counted" "policy_drop ${r0:-none} -> ${r1:-none}"; fi
fi
fwdcase fwd-esp-gcm16-tunnel-ipv6 6 6
fwdcase fwd-esp-gcm16-tunnel-ipv4-in-ipv6 4 6
fwdcase fwd-esp-gcm16-tunnel-ipv6-in-ipv4 6 4
fwdcase fwd-ah-sha256-tunnel-ipv6-in-ipv4 6 4 ah
fwdcase fwd-ah-sha256-tunnel-ipv4-in-ipv6 4 6 ah

# ---- a's own traffic through the gateway tunnels ---------------------------
# a talks to d from its addresses on c's side (route src hints): LOCAL_OUT
# puts it in the tunnel of the other family; what d answers leaves the
# tunnel at a for a local address, so a's `in` policy (added here) applies,
# and the inner packet of the other family is delivered locally.
A $IP route change 10.2.0.0/24 via 10.0.0.2 src 10.1.0.1
A $IP -6 route change 2001:db8:2::/64 via 2001:db8::2 src 2001:db8:1::1
fwdlocal() { # NAME INNER OUTER
	fwdtun "$@"
	echo "spdadd $ND $NC any -P in ipsec esp/tunnel/$GB-$GA/require;" > /tmp/a.conf
	KA -f /tmp/a.conf || bad "$1-keysh-in-policy-a"
	if A ping -c 3 -W 3 "$HD" > /tmp/ping.ad 2>&1; then ok "$1-ping-a-to-d"
	else bad "$1-ping-a-to-d" "$(tail -n 2 /tmp/ping.ad | tr '\n' ' ')"; fi
	fwdtcp "$1-tcp-256KiB-a-to-d" "$HD" 262144 a
	sa_counted "$1" 0x00001001 3
	sa_counted "$1" 0x00002002 3
}
fwdlocal local-esp-gcm16-tunnel-ipv4-in-ipv6 4 6
fwdlocal local-esp-gcm16-tunnel-ipv6-in-ipv4 6 4

# ---- PMTU ------------------------------------------------------------------
A $IP link set va mtu 1400; B $IP link set vb mtu 1400
A $IP route flush cache; A $IP -6 route flush cache
# pmtu NAME INNER OUTER DEST EXPECTED-LINE FROM: FROM (c: forwarded by a;
# a: a's own socket, told by the ICMP a sends itself) sends the datagram
pmtu() {
	fwdtun "$1" "$2" "$3"
	t0=$(dpstat too_big)
	$IP netns exec "$6" dpmtu "$4" 9 1400 > /tmp/mtu.out 2>&1
	t1=$(dpstat too_big)
	if [ "$(cat /tmp/mtu.out)" = "$5" ]; then ok "$1-icmp-at-$6 ($5)"
	else bad "$1-icmp-at-$6" "got '$(cat /tmp/mtu.out)', want '$5'"; fi
	if [ "${t1:-0}" -ge $((${t0:-0} + 1)) ]; then ok "$1-too-big-counted"
	else bad "$1-too-big-counted" "too_big ${t0:-none} -> ${t1:-none}"; fi
}
pmtu pmtu-ipv4-df-frag-needed 4 4 10.2.0.2 "mtu 1346 type 3 code 4" c
# TCP with DF (Linux's default) from c, its learnt PMTU forgotten first:
# the stack's own frag-needed from a (MTU 1400), then a's (1346)
C $IP route flush cache
t0=$(dpstat too_big)
fwdtcp pmtu-tcp-df-512KiB-c-to-d-mtu-1400 10.2.0.2 524288
t1=$(dpstat too_big)
if [ "${t1:-0}" -gt "${t0:-0}" ]; then ok "pmtu-tcp-df-too-big-signalled-$((t1 - t0))"
else bad "pmtu-tcp-df-too-big-signalled" "too_big ${t0:-none} -> ${t1:-none}"; fi
# Without DF the same 1400 bytes from c are encapsulated and the outer
# packet fragmented by a (no ICMP, too_big unchanged); d gets the datagram
C $IP route flush cache
t0=$(dpstat too_big)
$IP netns exec d dpmtu recv 9 20 > /tmp/mtu.rx 2>&1 & rx=$!
$IP netns exec a dpcap va 30 > /tmp/cap.frag & cap=$!
sleep 1
C dpmtu 10.2.0.2 9 1400 nodf > /dev/null 2>&1 || bad "pmtu-ipv4-nodf-send"
wait "$rx"
sleep 1
kill "$cap"
wait "$cap"
t1=$(dpstat too_big)
# shellcheck disable=SC2046
set -- $(cat /tmp/cap.frag)	# icmp N esp N ah N other N ah_esp N tcp N icmp6 N frag N
if [ "$(cat /tmp/mtu.rx)" = "got 1372" ] && [ "${16:-0}" -ge 1 ] && [ "${4:-0}" -ge 1 ] &&
	[ "${t1:-0}" = "${t0:-x}" ]; then ok "pmtu-ipv4-nodf-fragmented-after-encapsulation ($*)"
else bad "pmtu-ipv4-nodf-fragmented-after-encapsulation" \
	"d: $(cat /tmp/mtu.rx); va: $*; too_big ${t0:-none} -> ${t1:-none}"; fi
# a's own DF datagram (from 10.1.0.1 by the src hint): EMSGSIZE with the MTU
pmtu pmtu-ipv4-df-local 4 4 10.2.0.2 "mtu 1346 type 3 code 4" a
pmtu pmtu-ipv6-packet-too-big 6 6 2001:db8:2::2 "mtu 1326 type 2 code 0" c
pmtu pmtu-ipv6-packet-too-big-local 6 6 2001:db8:2::2 "mtu 1326 type 2 code 0" a
A $IP link set va mtu 1500; B $IP link set vb mtu 1500
A $IP route flush cache; A $IP -6 route flush cache

# ---- back to a and b alone ----------------------------------------------------
printf 'flush;\nspdflush;\n' > /tmp/a.conf
KA -f /tmp/a.conf || bad "fwd-keysh-flush-a"
B $IP xfrm state flush; B $IP xfrm policy flush
A $IP route del 10.2.0.0/24; A $IP -6 route del 2001:db8:2::/64
B $IP route del 10.1.0.0/24; B $IP -6 route del 2001:db8:1::/64
for n in a b; do
	$IP netns exec $n sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward;
		echo 0 > /proc/sys/net/ipv6/conf/all/forwarding'
done
$IP netns del c; $IP netns del d
