#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# nltraffic.sh: keysh over XFRM netlink keys real traffic (run by
# tests/vm/nl.sh in the netlink store's VM). Namespace a is keyed by
# `keysh --backend xfrm` (the PF_KEY engine in process on the netlink
# store), namespace b by iproute2 `ip xfrm`, joined by veth (10.0.0.1 <->
# 10.0.0.2, fd00::1 <-> fd00::2; the setup of tests/vm/xfrm.sh). Each case
# prints "VMTEST ok|FAIL nltraffic-NAME"; exit 0 only if all passed.
#   offered          the table below covers every algorithm keysh offers
#                    over xfrm (its completion, from the engine's REGISTER)
#   ALG-MODE-vF      ping both ways and a checksummed TCP transfer (dptcp)
#                    for every algorithm keysh offers that this kernel has
#                    (ESP ciphers with HMAC-SHA-256, ESP authenticators with
#                    AES-CBC, the AEADs, AH) x transport/tunnel x IPv4/IPv6;
#                    b's SA counts the packets it decrypted. An algorithm
#                    the kernel lacks (ip xfrm refuses it in b too) is
#                    listed as "# kernel lacks" and must be refused by
#                    keysh as well.
#   monitor-ip-xfrm  keysh --backend xfrm -x sees `ip xfrm state add` and
#                    `ip xfrm policy add` of another process, once each
#   acquire          a policy without SA and a ping: the kernel's ACQUIRE
#                    in keysh -x, answered by getspi + update; ping passes
#   expire           -ls 1 -lh 2: soft, then hard EXPIRE; the SA is gone
#   same-sad         keysh -D / -DP over netlink and over Linux af_key
#                    print the same (times masked)
# Needs /bin/iproute2-ip, /bin/keysh, /bin/dptcp; af_key.ko for same-sad.
IP=${IP:-/bin/iproute2-ip}
fails=0
ok() { echo "VMTEST ok nltraffic-$1"; }
bad() { echo "VMTEST FAIL nltraffic-$1${2:+: $2}"; fails=$((fails + 1)); }
A() { $IP netns exec a "$@"; }
B() { $IP netns exec b "$@"; }
KA() { A keysh --backend xfrm "$@"; }
# ka STATEMENTS: run keysh statements in a (through a file: -f)
ka() { printf '%s\n' "$@" > /tmp/ka.conf && KA -f /tmp/ka.conf; }

for t in "$IP" /bin/keysh /bin/dptcp; do
	[ -x "$t" ] || { bad tools "no $t in the initramfs"; exit 1; }
done
mkdir -p /run/netns
$IP netns add a && $IP netns add b || { bad netns; exit 1; }
$IP link add va netns a type veth peer name vb netns b || { bad veth; exit 1; }
A $IP addr add 10.0.0.1/24 dev va; A $IP -6 addr add fd00::1/64 dev va nodad
B $IP addr add 10.0.0.2/24 dev vb; B $IP -6 addr add fd00::2/64 dev vb nodad
A $IP link set va up; A $IP link set lo up; B $IP link set vb up; B $IP link set lo up

# Keys of every length used (hex digits: bits / 4).
key() { # bits
	awk -v n="$(($1 / 4))" 'BEGIN { s = "0x"; for (i = 0; i < n; i++) s = s substr("123456789abcdef", i % 15 + 1, 1); print s }'
}
EK=$(key 128) AK=$(key 256)
CBC_K="-E aes-cbc $EK" CBC_X="enc 'cbc(aes)' $EK"
SHA_K="-A hmac-sha256 $AK" SHA_X="auth-trunc 'hmac(sha256)' $AK 128"

# The matrix: NAME PROTO KEYSH-ALGS XFRM-ALGS (one per line). Ciphers with
# HMAC-SHA-256, authenticators with AES-CBC, AEADs alone, AH.
enc() { # keysh-name kernel-name bits
	if [ "$3" = 0 ]; then
		echo "esp-$1 esp -E $1 $SHA_K|enc '$2' \"\" $SHA_X"
	else
		k=$(key "$3")
		echo "esp-$1 esp -E $1 $k $SHA_K|enc '$2' $k $SHA_X"
	fi
}
auth() { # keysh-name kernel-name bits icv-bits
	k=$(key "$3")
	echo "esp-$1 esp $CBC_K -A $1 $k|$CBC_X auth-trunc '$2' $k $4"
	echo "ah-$1 ah -A $1 $k|auth-trunc '$2' $k $4"
}
aead() { # keysh-name kernel-name bits icv-bits
	k=$(key "$3")
	echo "esp-$1 esp -E $1 $k|aead '$2' $k $4"
}
{
	enc null 'ecb(cipher_null)' 0
	enc des-cbc 'cbc(des)' 64
	enc 3des-cbc 'cbc(des3_ede)' 192
	enc cast128-cbc 'cbc(cast5)' 128
	enc blowfish-cbc 'cbc(blowfish)' 128
	enc aes-cbc 'cbc(aes)' 128
	enc serpent-cbc 'cbc(serpent)' 128
	enc camellia-cbc 'cbc(camellia)' 128
	enc twofish-cbc 'cbc(twofish)' 128
	enc aes-ctr 'rfc3686(ctr(aes))' 160
	enc sm4-cbc 'cbc(sm4)' 128
	aead aes-gcm-16 'rfc4106(gcm(aes))' 160 128
	aead aes-gcm-12 'rfc4106(gcm(aes))' 160 96
	aead aes-gcm-8 'rfc4106(gcm(aes))' 160 64
	aead aes-ccm-16 'rfc4309(ccm(aes))' 152 128
	aead aes-ccm-12 'rfc4309(ccm(aes))' 152 96
	aead aes-ccm-8 'rfc4309(ccm(aes))' 152 64
	aead null-aes-gmac 'rfc4543(gcm(aes))' 160 128
	aead chacha20-poly1305 'rfc7539esp(chacha20,poly1305)' 288 128
	auth hmac-md5 'hmac(md5)' 128 96
	auth hmac-sha1 'hmac(sha1)' 160 96
	auth hmac-sha256 'hmac(sha256)' 256 128
	auth hmac-sha384 'hmac(sha384)' 384 192
	auth hmac-sha512 'hmac(sha512)' 512 256
	auth hmac-ripemd160 'hmac(rmd160)' 160 96
	auth aes-xcbc-mac 'xcbc(aes)' 128 96
	auth hmac-sm3 'hmac(sm3)' 256 256
} > /tmp/matrix

# --- offered: every algorithm keysh offers over xfrm is in the matrix
offered=$(for x in "esp 0x300 -E " "esp 0x300 -E aes-cbc 0x00 -A " "ah 0x300 -A "; do
	KA --complete "add 1.1.1.1 2.2.2.2 $x"; done | grep -v '^null$' | sort -u)
missing=
for a in $offered; do
	grep -q -- "-[EA] $a " /tmp/matrix || missing="$missing $a"
done
if [ -n "$offered" ] && [ -z "$missing" ]; then
	ok offered
else
	bad offered "not in the matrix:$missing (offered: $(echo $offered))"
fi

# --- the matrix. pair NAME PROTO FAMILY MODE KEYSH-ALGS XFRM-ALGS
port=5000
pair() {
	n=$1 p=$2 f=$3 m=$4 kk=$5 xx=$6
	if [ "$f" = 4 ]; then a=10.0.0.1 b=10.0.0.2 pl=32 png=ping
	else a=fd00::1 b=fd00::2 pl=128 png=ping6; fi
	tun= rtun= xo= xi=
	if [ "$m" = tunnel ]; then
		tun=$a-$b rtun=$b-$a xo="src $b dst $a" xi="src $a dst $b"
	fi
	ka "flush;" "spdflush;" \
		"add $a $b $p 0x1001 -m $m $kk;" "add $b $a $p 0x2002 -m $m $kk;" \
		"spdadd $a $b any -P out ipsec $p/$m/$tun/require;" \
		"spdadd $b $a any -P in ipsec $p/$m/$rtun/require;" > /tmp/ka.out 2>&1 ||
		{ bad "$n" "keysh: $(tail -n 2 /tmp/ka.out | tr '\n' ' ')"; return; }
	B $IP xfrm state flush; B $IP xfrm policy flush
	eval "B $IP xfrm state add src $a dst $b proto $p spi 0x1001 mode $m $xx" &&
	eval "B $IP xfrm state add src $b dst $a proto $p spi 0x2002 mode $m $xx" &&
	B $IP xfrm policy add src "$b/$pl" dst "$a/$pl" dir out tmpl $xo proto "$p" mode "$m" &&
	B $IP xfrm policy add src "$a/$pl" dst "$b/$pl" dir in tmpl $xi proto "$p" mode "$m" ||
		{ bad "$n" "ip xfrm"; return; }
	if ! { A $png -c 1 -W 3 "$b" > /tmp/ping 2>&1 && B $png -c 1 -W 3 "$a" >> /tmp/ping 2>&1; }; then
		bad "$n" "ping: $(tail -n 3 /tmp/ping | tr '\n' ' ')"
		return
	fi
	port=$((port + 1))
	B /bin/dptcp recv "$port" 20 > /tmp/tcp.r 2>&1 &
	rp=$!
	A /bin/dptcp send "$b" "$port" 30000 > /tmp/tcp.s 2>&1
	wait "$rp"
	if ! grep -q '^bytes 30000 ' /tmp/tcp.s || ! cmp -s /tmp/tcp.s /tmp/tcp.r; then
		bad "$n" "tcp: sent '$(cat /tmp/tcp.s)', received '$(cat /tmp/tcp.r)'"
		return
	fi
	c=$(B $IP -s xfrm state get src "$a" dst "$b" proto "$p" spi 0x1001 |
		sed -n 's/.* \([0-9]*\)(packets).*/\1/p' | head -n1)
	[ "${c:-0}" -ge 3 ] && ok "$n" || bad "$n" "b decrypted ${c:-no} packets"
}

lacking=0 ran=0
while IFS='|' read -r head xx; do
	set -- $head
	name=$1 p=$2
	shift 2
	kk=$*
	# Does this kernel have it? ip xfrm in b (a scratch SA) says.
	B $IP xfrm state flush
	if ! eval "B $IP xfrm state add src 192.0.2.1 dst 192.0.2.2 proto $p spi 0x99 $xx" \
		> /tmp/probe 2>&1; then
		echo "# kernel lacks $name: $(head -n1 /tmp/probe)"
		lacking=$((lacking + 1))
		# keysh must refuse it too, naming the reason
		if ka "add 192.0.2.1 192.0.2.2 $p 0x99 $kk;" > /tmp/ka.out 2>&1; then
			bad "$name-refused" "keysh added what the kernel lacks"
		else
			ok "$name-refused"
		fi
		KA -F > /dev/null 2>&1
		continue
	fi
	for f in 4 6; do
		for m in transport tunnel; do
			pair "$name-$m-v$f" "$p" "$f" "$m" "$kk" "$xx"
			ran=$((ran + 1))
		done
	done
done < /tmp/matrix
echo "# nltraffic: $ran pairs, $lacking algorithms the kernel lacks"
ka "flush;" "spdflush;"
B $IP xfrm state flush; B $IP xfrm policy flush

# --- monitor-ip-xfrm: another process's ip xfrm, seen once each
A timeout 20 keysh --backend xfrm -x --json > /tmp/mon 2>&1 & mon=$!
sleep 2
A $IP xfrm state add src 10.0.0.1 dst 10.0.0.5 proto esp spi 0x5005 mode transport \
	aead 'rfc4106(gcm(aes))' "$(key 160)" 128 || bad ip-xfrm-add
A $IP xfrm policy add src 10.9.0.0/24 dst 10.8.0.0/24 dir out tmpl proto esp mode transport ||
	bad ip-xfrm-policy-add
sleep 2
kill "$mon" 2>/dev/null
wait "$mon" 2>/dev/null
n5=$(grep '"type":"ADD"' /tmp/mon | grep -c '"spi_hex":"0x00005005"')
np=$(grep '"type":"X_SPDADD"' /tmp/mon | grep -c '10.9.0.0')
if [ "$n5" = 1 ] && [ "$np" = 1 ] && KA -D | grep -q 'spi=20485(0x00005005)'; then
	ok monitor-ip-xfrm
else
	bad monitor-ip-xfrm "ADD events $n5, SPDADD events $np: $(head -c 400 /tmp/mon)"
fi
ka "flush;" "spdflush;"

# --- acquire: the kernel's ACQUIRE, answered by getspi + update
GCM_K="-E aes-gcm-16 $(key 160)" GCM_X="aead 'rfc4106(gcm(aes))' $(key 160) 128"
ka "spdadd 10.0.0.1 10.0.0.2 any -P out ipsec esp/transport//require;" \
	"spdadd 10.0.0.2 10.0.0.1 any -P in ipsec esp/transport//require;" || bad acquire-policies
B $IP xfrm state flush; B $IP xfrm policy flush
eval "B $IP xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x7007 mode transport $GCM_X"
eval "B $IP xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x8008 mode transport $GCM_X"
B $IP xfrm policy add src 10.0.0.2/32 dst 10.0.0.1/32 dir out tmpl proto esp mode transport
B $IP xfrm policy add src 10.0.0.1/32 dst 10.0.0.2/32 dir in tmpl proto esp mode transport
A timeout 30 keysh --backend xfrm -x --json --type acquire --count 1 > /tmp/acq 2>&1 & mon=$!
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
ka "flush;" "spdflush;"

# --- expire: the kernel's soft then hard EXPIRE
A timeout 30 keysh --backend xfrm -x --json --type expire --count 2 > /tmp/exp 2>&1 & mon=$!
sleep 2
ka "add 10.0.0.1 10.0.0.3 esp 0x9009 -m transport -ls 1 -lh 2 $GCM_K;" || bad expire-add
wait "$mon"
soft=$(grep '"type":"EXPIRE"' /tmp/exp | grep -v lifetime_hard | grep -c lifetime_soft)
hard=$(grep '"type":"EXPIRE"' /tmp/exp | grep -c lifetime_hard)
if [ "$soft" = 1 ] && [ "$hard" = 1 ] && grep -n EXPIRE /tmp/exp | head -n1 | grep -q lifetime_soft &&
	! A $IP xfrm state | grep -q 'spi 0x00009009'; then
	ok expire-soft-then-hard
else
	bad expire-soft-then-hard "soft $soft hard $hard: $(head -c 300 /tmp/exp)"
fi

# --- same-sad: keysh over netlink and over af_key print the same tables
# (af_key has no AEAD: CBC + HMAC SAs; both kinds of policy, both families)
if [ -f /lib/modules/extra/af_key.ko ] && insmod /lib/modules/extra/af_key.ko; then
	ka "flush;" "spdflush;" \
		"add 10.0.0.1 10.0.0.2 esp 0x1001 -m transport $CBC_K $SHA_K;" \
		"add 10.0.0.2 10.0.0.1 esp 0x2002 -m tunnel -r 32 $CBC_K -A hmac-sha1 $(key 160);" \
		"add fd00::1 fd00::2 ah 0x3003 -A hmac-sha512 $(key 512);" \
		"add 10.0.0.1 10.0.0.2 esp 0x4004 -m transport -lh 600 -ls 300 -bh 100000 $CBC_K $SHA_K;" \
		"spdadd 10.0.0.1 10.0.0.2 any -P out ipsec esp/transport//require;" \
		"spdadd 10.1.0.0/16 10.2.0.0/16 tcp -P in ipsec esp/tunnel/10.0.0.2-10.0.0.1/unique:7;" \
		"spdadd fd00::1 fd00::2 icmp6 -P out ipsec ah/transport//require;" ||
		bad same-sad-keysh
	# refcnt: af_key prints the kernel's reference count, which counts
	# xfrm's policy timer in a policy's first second (and cached bundles
	# after traffic); XFRM netlink carries no reference count at all
	mask() {
		sed -e 's/\(created\|current\|lastused\|last\): *[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]* [0-9]*/\1: TIME/g' \
		    -e 's/ pid=[0-9]*/ pid=PID/' -e 's/diff: [0-9]*(s)/diff: N(s)/' -e 's/refcnt=[0-9]*/refcnt=N/'
	}
	{ A keysh --backend xfrm -D; A keysh --backend xfrm -DP; } | mask > /tmp/sad.xfrm
	{ A keysh --backend pfkey -D; A keysh --backend pfkey -DP; } | mask > /tmp/sad.afkey
	if [ -s /tmp/sad.xfrm ] && diff -u /tmp/sad.afkey /tmp/sad.xfrm > /tmp/sad.diff; then
		ok same-sad
	else
		bad same-sad "$(head -n 30 /tmp/sad.diff | tr '\n' '~')"
	fi
	ka "flush;" "spdflush;"
	rmmod af_key
else
	bad same-sad "no af_key.ko"
fi

$IP netns del a
$IP netns del b
[ "$fails" = 0 ]
