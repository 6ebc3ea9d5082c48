# SPDX-License-Identifier: BSD-2-Clause
# peer.sh: keysh --peer in two namespaces (issue 15), sourced by xfrm.sh
# after its setup (namespaces a and b joined by veth, 10.0.0.1 <-> 10.0.0.2,
# pfkeyv2.ko loaded; both ends keyed through PF_KEY). One script keys a;
# `keysh --peer -K -f` of that script keys b; the pair must then carry
# traffic: the SAs are the same in both namespaces, every policy is seen
# from the other side. Cases:
#   peer-transport   host to host, ESP AES-GCM-16 transport, both directions
#   peer-tunnel      gateways: 10.1.0.0/24 behind a, 10.2.0.0/24 behind b,
#                    ESP AES-CBC + HMAC-SHA-256 tunnel, pinged between the
#                    networks (b's in/fwd policies come from a's out)
#   peer-no-keys     without -K the peer script has no keys and keysh
#                    refuses to load it (nothing installed in b)
# Uses A, B, KA, ok, bad, $IP, $KO, $EK, $AK from xfrm.sh.

KB() { B keysh --backend kernel "$@"; }

peer_reset() {
	KA 'flush; spdflush;' > /dev/null 2>&1 || bad peer-reset "a: flush failed"
	KB 'flush; spdflush;' > /dev/null 2>&1 || bad peer-reset "b: flush failed"
}

# peer_check NAME PINGCMD...: b keyed from a's script by --peer; ping passes
# and both namespaces hold the same SAs (SPI list) and as many policies.
peer_check() {
	name=$1
	shift
	if ! KA -f /tmp/peer-a.conf > /tmp/peer.err 2>&1; then
		bad "$name" "a: $(head -c 300 /tmp/peer.err)"
		return
	fi
	if ! KA --peer -K -f /tmp/peer-a.conf > /tmp/peer-b.conf 2> /tmp/peer.err; then
		bad "$name" "--peer: $(head -c 300 /tmp/peer.err)"
		return
	fi
	if ! KB -f /tmp/peer-b.conf > /tmp/peer.err 2>&1; then
		bad "$name" "b: $(head -c 300 /tmp/peer.err) script: $(tr '\n' ' ' < /tmp/peer-b.conf | head -c 400)"
		return
	fi
	A $IP xfrm state | grep -o 'spi 0x[0-9a-f]*' | sort > /tmp/peer-sa-a
	B $IP xfrm state | grep -o 'spi 0x[0-9a-f]*' | sort > /tmp/peer-sa-b
	pa=$(A $IP xfrm policy | grep -c '^src')
	pb=$(B $IP xfrm policy | grep -c '^src')
	if ! cmp -s /tmp/peer-sa-a /tmp/peer-sa-b || [ ! -s /tmp/peer-sa-a ]; then
		bad "$name" "SAs differ: a $(tr '\n' ' ' < /tmp/peer-sa-a) b $(tr '\n' ' ' < /tmp/peer-sa-b)"
	elif [ "$pa" != "$pb" ]; then
		bad "$name" "policies a $pa b $pb: $(tr '\n' ' ' < /tmp/peer-b.conf | head -c 400)"
	elif ! "$@" > /tmp/peer.ping 2>&1; then
		bad "$name" "ping: $(tail -n 2 /tmp/peer.ping | tr '\n' ' ')"
	elif ! B $IP -s xfrm state | grep -Eq '[1-9][0-9]*\(packets\)'; then
		bad "$name" "ping passed but b's SAs counted no packet"
	else
		ok "$name"
	fi
}

# --- peer-transport
peer_reset
cat > /tmp/peer-a.conf <<EOF
add 10.0.0.1 10.0.0.2 esp 0x7001 -m transport -E aes-gcm-16 $KO;
add 10.0.0.2 10.0.0.1 esp 0x7002 -m transport -E aes-gcm-16 $KO;
spdadd 10.0.0.1 10.0.0.2 any -P out ipsec esp/transport//require;
spdadd 10.0.0.2 10.0.0.1 any -P in ipsec esp/transport//require;
EOF
peer_check peer-transport sh -c "$IP netns exec a ping -c 2 -W 3 10.0.0.2 &&
	$IP netns exec b ping -c 2 -W 3 10.0.0.1"

# --- peer-tunnel: networks on each end's loopback, routed over the veth
peer_reset
A $IP addr add 10.1.0.1/24 dev lo
B $IP addr add 10.2.0.1/24 dev lo
A $IP route add 10.2.0.0/24 via 10.0.0.2
B $IP route add 10.1.0.0/24 via 10.0.0.1
cat > /tmp/peer-a.conf <<EOF
add 10.0.0.1 10.0.0.2 esp 0x7101 -m tunnel -E aes-cbc $EK -A hmac-sha256 $AK;
add 10.0.0.2 10.0.0.1 esp 0x7102 -m tunnel -E aes-cbc $EK -A hmac-sha256 $AK;
spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/10.0.0.1-10.0.0.2/require;
spdadd 10.2.0.0/24 10.1.0.0/24 any -P in ipsec esp/tunnel/10.0.0.2-10.0.0.1/require;
spdadd 10.2.0.0/24 10.1.0.0/24 any -P fwd ipsec esp/tunnel/10.0.0.2-10.0.0.1/require;
EOF
peer_check peer-tunnel sh -c "$IP netns exec a ping -c 2 -W 3 -I 10.1.0.1 10.2.0.1 &&
	$IP netns exec b ping -c 2 -W 3 -I 10.2.0.1 10.1.0.1"
A $IP route del 10.2.0.0/24 2>/dev/null
B $IP route del 10.1.0.0/24 2>/dev/null
A $IP addr del 10.1.0.1/24 dev lo 2>/dev/null
B $IP addr del 10.2.0.1/24 dev lo 2>/dev/null

# --- peer-no-keys
peer_reset
KA --peer -f /tmp/peer-a.conf > /tmp/peer-b.conf 2> /tmp/peer.err
if grep -q "$EK" /tmp/peer-b.conf; then
	bad peer-no-keys "keys printed without -K"
elif KB -f /tmp/peer-b.conf > /tmp/peer.err 2>&1; then
	bad peer-no-keys "a script without keys was loaded"
elif [ "$(B $IP xfrm state | grep -c '^src')" != 0 ]; then
	bad peer-no-keys "b has SAs after the refused load"
else
	ok peer-no-keys
fi
peer_reset
