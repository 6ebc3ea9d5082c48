# SPDX-License-Identifier: BSD-2-Clause
# dp-case-natt.sh: RFC 3948 UDP encapsulation of ESP (NAT-T), sourced by
# dp.sh (A, B, KA, dpstat, dpsa, dpshow, sa_counted, xstats, xfrm_counted,
# ok, bad, KO, KI in scope).
# a: pfkeyv2.ko keyed by keysh with esp-udp SAs (ports 4500 -> 4500);
# b: Linux xfrm states with `encap espinudp 4500 4500`, and a UDP socket
# with UDP_ENCAP_ESPINUDP on port 4500 (dpnattsock encap: xfrm takes ESP in
# UDP only from such a socket, as an IKE daemon opens). Policies on both
# sides cover ICMP / ICMPv6 and TCP only, so IKE-style UDP goes in clear.
#   natt-MODE-FAMILY   AES-GCM-16, transport and tunnel, IPv4 and IPv6:
#                      pings both ways, TCP with checksums (dptcp) both
#                      ways, the veth capture (every ESP frame in UDP 4500,
#                      no clear ICMP/TCP, no bare ESP), b's inbound state
#                      and a's counters
#   natt-ike-marker    a datagram with the non-ESP marker from b to a's
#                      port 4500 reaches an ordinary UDP socket on a
#   natt-keepalive     a one-byte 0xff datagram is dropped quietly
#                      (natt_keepalive counted, the socket gets nothing)
#   natt-unknown-spi   ESP in UDP with an SPI a has no SA for: dropped,
#                      natt_no_sa counted, the socket gets nothing
#   natt-new-mapping   b's outbound state moved to UDP source port 4501
#                      (as a NAT changing its mapping would): b's pings to a
#                      answered (a still sends to 4500), a registered keysh
#                      -x on a sees exactly one X_NAT_T_NEW_MAPPING with
#                      dport 4501 for SA 0x2002, a's SA keeps port 4500
# Leaves a and b without SAs or policies (and b's encap socket closed).

[ -x /bin/dpnattsock ] || bad natt-tools "no /bin/dpnattsock in the initramfs"
GCM_XE="aead rfc4106(gcm(aes)) $KO 128"
$IP netns exec b dpnattsock encap 4500 900 > /tmp/natt.sock 2>&1 & natt_sock=$!
i=0
while ! grep -q ready /tmp/natt.sock && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if grep -q ready /tmp/natt.sock; then ok "natt-b-encap-socket"
else bad "natt-b-encap-socket" "$(cat /tmp/natt.sock)"; fi

# natt_keys FAMILY MODE: esp-udp SAs 0x1001 (a->b) 0x2002 (b->a) and the
# ICMP/TCP require-policies on both sides
natt_keys() {
	if [ "$1" = 6 ]; then na=2001:db8::1 nb=2001:db8::2 ic=icmp6 xic=58 oa=::
	else na=10.0.0.1 nb=10.0.0.2 ic=icmp xic=1 oa=0.0.0.0; fi
	m=$2 tun='' rtun='' xtout='' xtin=
	if [ "$m" = tunnel ]; then
		tun=$na-$nb rtun=$nb-$na xtout="src $nb dst $na" xtin="src $na dst $nb"
	fi
	{
		echo "flush;"
		echo "spdflush;"
		for p in $ic tcp; do
			echo "spdadd $na $nb $p -P out ipsec esp/$m/$tun/require;"
			echo "spdadd $nb $na $p -P in ipsec esp/$m/$rtun/require;"
		done
		echo "add ${na}[4500] ${nb}[4500] esp-udp 0x1001 -m $m -r 64 -E aes-gcm-16 $KO;"
		echo "add ${nb}[4500] ${na}[4500] esp-udp 0x2002 -m $m -r 64 -E aes-gcm-16 $KI;"
	} > /tmp/a.conf
	KA -f /tmp/a.conf || bad "natt-$m-ipv$1-keysh-keys-a"
	B $IP xfrm state flush; B $IP xfrm policy flush
	xok=1
	# shellcheck disable=SC2086
	B $IP xfrm state add src $na dst $nb proto esp spi 0x1001 mode $m replay-window 64 \
		$GCM_XE encap espinudp 4500 4500 $oa || xok=0
	# shellcheck disable=SC2086,SC2046
	B $IP xfrm state add src $nb dst $na proto esp spi 0x2002 mode $m replay-window 64 \
		$(echo "$GCM_XE" | sed "s/$KO/$KI/") encap espinudp 4500 4500 $oa || xok=0
	for p in $xic 6; do
		# shellcheck disable=SC2086
		B $IP xfrm policy add src $nb dst $na proto $p dir out tmpl $xtout proto esp mode $m ||
			xok=0
		# shellcheck disable=SC2086
		B $IP xfrm policy add src $na dst $nb proto $p dir in tmpl $xtin proto esp mode $m ||
			xok=0
	done
	[ $xok = 1 ] || bad "natt-$m-ipv$1-xfrm-keys-b"
}

# natt_tcp NAME FROM TO TO-ADDR BYTES: dptcp FROM -> TO, both ends' byte
# count and checksum equal; a's counters moved by a packet per 1500 bytes
natt_tcp() {
	o0=$(dpstat out_xform) i0=$(dpstat in_xform)
	$IP netns exec "$3" dptcp recv 5001 60 > /tmp/tcp.rx 2>&1 & rx=$!
	sleep 1
	$IP netns exec "$2" dptcp send "$4" 5001 "$5" > /tmp/tcp.tx 2>&1
	wait "$rx"
	o1=$(dpstat out_xform) i1=$(dpstat in_xform)
	if [ -s /tmp/tcp.tx ] && cmp -s /tmp/tcp.tx /tmp/tcp.rx; then ok "$1 ($(cat /tmp/tcp.rx))"
	else bad "$1" "sent: $(cat /tmp/tcp.tx) received: $(cat /tmp/tcp.rx)"; fi
	[ "$2" = a ] && d=$((${o1:-0} - ${o0:-0})) || d=$((${i1:-0} - ${i0:-0}))
	if [ "$d" -ge $(($5 / 1500)) ]; then ok "$1-protected-$d"
	else bad "$1-protected" "$d packets through pfkeyv2"; fi
}

# natt_case FAMILY MODE BYTES: traffic both ways (TCP: BYTES a->b, half
# back), capture, counters
natt_case() {
	nn="natt-$2-ipv$1"	# not n: dp.sh's counters helpers set n
	nbytes=$3
	natt_keys "$1" "$2"
	[ "$1" = 6 ] && png=ping6 || png=ping
	$IP netns exec a dpcap va 120 > /tmp/cap.natt & cap=$!
	sleep 1
	if A $png -c 3 -W 3 "$nb" > /tmp/ping.ab 2>&1; then ok "$nn-ping-a-to-b"
	else bad "$nn-ping-a-to-b" "$(tail -n 2 /tmp/ping.ab | tr '\n' ' ')"; fi
	if B $png -c 3 -W 3 "$na" > /tmp/ping.ba 2>&1; then ok "$nn-ping-b-to-a"
	else bad "$nn-ping-b-to-a" "$(tail -n 2 /tmp/ping.ba | tr '\n' ' ')"; fi
	natt_tcp "$nn-tcp-a-to-b" a b "$nb" "$nbytes"
	natt_tcp "$nn-tcp-b-to-a" b a "$na" $((nbytes / 2))
	sleep 1
	kill "$cap"
	wait "$cap"
	# shellcheck disable=SC2046
	set -- $(cat /tmp/cap.natt)	# icmp N esp N ah N other N ah_esp N tcp N icmp6 N frag N natt N
	if [ "${2:-1}" = 0 ] && [ "${4:-1}" = 0 ] && [ "${12:-1}" = 0 ] && [ "${14:-1}" = 0 ] &&
		[ "${18:-0}" -ge $((12 + nbytes * 3 / 2 / 1500)) ]
	then ok "$nn-veth-only-esp-in-udp-4500 ($*)"
	else bad "$nn-veth-only-esp-in-udp-4500" "$*"; fi
	xstats
	xfrm_counted "$nn" "$na" "$nb" 6
	sa_counted "$nn" 0x00002002 6
	f=$(dpsa 0x00002002 other_drop)
	if [ "${f:-x}" = 0 ]; then ok "$nn-pfkeyv2-no-other-drop"
	else bad "$nn-pfkeyv2-no-other-drop" "other_drop=${f:-none}"; dpshow; fi
}

# TCP sizes kept small: the whole dp boot must fit dp-run.sh's VM_TIMEOUT
natt_case 4 transport 131072
natt_case 4 tunnel 65536
natt_case 6 transport 131072
natt_case 6 tunnel 65536

# ---- non-ESP datagrams to a's NAT-T port (IPv4 transport keys) -------------
natt_keys 4 transport
ka0=$(dpstat natt_keepalive) ns0=$(dpstat natt_no_sa) in0=$(dpstat in_xform)
$IP netns exec a dpnattsock recv 4500 6 > /tmp/natt.rx 2>&1 & rx=$!
i=0
while ! grep -q ready /tmp/natt.rx && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
# IKE_SA_INIT-like: non-ESP marker, then an IKE header's first bytes
B dpnattsock send 10.0.0.1 4500 000000001122334455667788990a0b0c || bad "natt-ike-sent"
B dpnattsock send 10.0.0.1 4500 ff || bad "natt-keepalive-sent"
# ESP with an SPI a has no SA for (and a plausible sequence number)
B dpnattsock send 10.0.0.1 4500 0badc0de00000001000102030405060708090a0b0c0d0e0f || bad "natt-unknown-spi-sent"
wait "$rx"
ka1=$(dpstat natt_keepalive) ns1=$(dpstat natt_no_sa) in1=$(dpstat in_xform)
if grep -q '^got 16 000000001122334455667788990a0b0c$' /tmp/natt.rx; then ok "natt-ike-marker-to-socket"
else bad "natt-ike-marker-to-socket" "$(tr '\n' ' ' < /tmp/natt.rx)"; fi
if grep -q '^count 1$' /tmp/natt.rx; then ok "natt-socket-got-only-ike"
else bad "natt-socket-got-only-ike" "$(tr '\n' ' ' < /tmp/natt.rx)"; fi
if [ $((${ka1:-0} - ${ka0:-0})) = 1 ]; then ok "natt-keepalive-dropped-counted"
else bad "natt-keepalive-dropped-counted" "natt_keepalive ${ka0:-none} -> ${ka1:-none}"; fi
if [ $((${ns1:-0} - ${ns0:-0})) = 1 ] && [ "${in1:-x}" = "${in0:-y}" ]; then ok "natt-unknown-spi-dropped-counted"
else bad "natt-unknown-spi-dropped-counted" "natt_no_sa ${ns0:-none} -> ${ns1:-none} in_xform ${in0:-none} -> ${in1:-none}"; fi

# ---- natt-new-mapping: b's packets now come from UDP port 4501 -------------
# (IPv4 transport keys still in place; update keeps b's sequence numbers)
# shellcheck disable=SC2046
B $IP xfrm state update src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x2002 mode transport \
	replay-window 64 $(echo "$GCM_XE" | sed "s/$KO/$KI/") encap espinudp 4501 4500 0.0.0.0 ||
	bad "natt-new-mapping-xfrm-update"
od0=$(dpsa 0x00002002 other_drop)
A timeout 10 keysh --backend kernel -x --json --type nat_t_new_mapping --count 3 > /tmp/natt.map 2>&1 & mon=$!
sleep 1
# three pings a second apart: the same new mapping each time
if B ping -c 3 -W 3 10.0.0.1 > /tmp/ping.map 2>&1; then ok "natt-new-mapping-ping-b-to-a-answered"
else bad "natt-new-mapping-ping-b-to-a-answered" "$(tail -n 2 /tmp/ping.map | tr '\n' ' ')"; fi
wait "$mon"
nmap=$(grep -c 'NAT_T_NEW_MAPPING' /tmp/natt.map)
if [ "$nmap" = 1 ] && grep -q '"dport":4501' /tmp/natt.map && grep -q '"sport":4500' /tmp/natt.map &&
	grep -q '"spi":8194' /tmp/natt.map
then ok "natt-new-mapping-one-message-port-4501"
else bad "natt-new-mapping-one-message-port-4501" "$nmap: $(head -c 600 /tmp/natt.map)"; fi
od1=$(dpsa 0x00002002 other_drop)
# no per-SA line before: no packet for 0x2002 had come since natt_keys
if [ -n "$od1" ] && [ "$od1" = "${od0:-0}" ]; then ok "natt-new-mapping-no-drop"
else bad "natt-new-mapping-no-drop" "other_drop ${od0:-none} -> ${od1:-none}"; dpshow; fi
# the SA was not changed: a key manager answers with UPDATE
echo 'get 10.0.0.2 10.0.0.1 esp 0x2002;' > /tmp/a.conf
KA -f /tmp/a.conf > /tmp/natt.get 2>&1
if grep -q '10.0.0.2\[4500\]' /tmp/natt.get && ! grep -q 4501 /tmp/natt.get; then
	ok "natt-new-mapping-sa-unchanged"
else bad "natt-new-mapping-sa-unchanged" "$(head -c 300 /tmp/natt.get)"; fi

kill "$natt_sock" 2>/dev/null
wait "$natt_sock" 2>/dev/null
B $IP xfrm state flush; B $IP xfrm policy flush
printf 'flush;\nspdflush;\n' > /tmp/a.conf
KA -f /tmp/a.conf || bad "natt-keysh-flush"
