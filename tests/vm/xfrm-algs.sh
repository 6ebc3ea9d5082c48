#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# xfrm-algs.sh: the algorithm x mode x family traffic matrix of pfkeyv2.ko
# against an `ip xfrm` peer, run by xfrm.sh (keysh.mode=xfrm) in its
# namespaces a (keyed by keysh through PF_KEY) and b (keyed by ip xfrm),
# 10.0.0.1/fd00::1 <-> 10.0.0.2/fd00::2. Every algorithm keysh offers
# (kmod/core/alg.c): each ESP cipher with HMAC-SHA-256, each AEAD (key and
# salt, ICV length), each integrity algorithm with AES-CBC in ESP and alone
# in AH (RFC 4868 truncations), in transport and tunnel mode over IPv4 and
# IPv6: a ping each way, and b's inbound SA counted it (keys, salts, ICV
# lengths and truncations agree with xfrm's own). An algorithm the booted
# kernel lacks (ip xfrm refuses it on b: no crypto module) is a
# "VMTEST skip"; keysh refusing what ip xfrm accepted is a failure.
# VMTEST lines xfrm-alg-NAME-MODE-v4|v6; exit 0 only if none failed.
IP=${IP:-/bin/iproute2-ip}
fails=0 oks=0 skips=0
ok() { echo "VMTEST ok xfrm-alg-$1"; oks=$((oks + 1)); }
bad() { echo "VMTEST FAIL xfrm-alg-$1${2:+: $2}"; fails=$((fails + 1)); }
skip() { echo "VMTEST skip xfrm-alg-$1${2:+: $2}"; skips=$((skips + 1)); }
A() { $IP netns exec a "$@"; }
B() { $IP netns exec b "$@"; }
ka() { printf '%s\n' "$@" > /tmp/kalg.conf && A keysh --backend kernel -f /tmp/kalg.conf; }

# key BYTES: a key of distinct bytes (3DES refuses K1 = K2 in FIPS mode)
key() {
	i=0 s=0x
	while [ "$i" -lt "$1" ]; do
		s=$s$(printf %02x $(((i * 37 + 11) & 255)))
		i=$((i + 1))
	done
	echo "$s"
}
AK=$(key 32) EK=$(key 16)
SHA="-A hmac-sha256 $AK" SHA_X="auth-trunc hmac(sha256) $AK 128"
CBC="-E aes-cbc $EK" CBC_X="enc cbc(aes) $EK"

# bstate SRC DST SPI PROTO MODE XFRM-ALGS: ip xfrm state add in b, the
# algorithms split on blanks, the word EMPTY an empty key
bstate() {
	s=$1 d=$2 spi=$3 pr=$4 md=$5 algs=$6
	set --
	for w in $algs; do
		[ "$w" = EMPTY ] && w=
		set -- "$@" "$w"
	done
	B $IP xfrm state add src "$s" dst "$d" proto "$pr" spi "$spi" mode "$md" "$@"
}

# one NAME PROTO FAMILY MODE KEYSH-ALGS XFRM-ALGS
one() {
	n=$1-$4-v$3
	if [ "$3" = 4 ]; then a=10.0.0.1 b=10.0.0.2 pl=32 png=ping
	else a=fd00::1 b=fd00::2 pl=128 png=ping6; fi
	tun= rtun= xo= xi=
	if [ "$4" = tunnel ]; then
		tun=$a-$b rtun=$b-$a xo="src $b dst $a" xi="src $a dst $b"
	fi
	B $IP xfrm state flush; B $IP xfrm policy flush
	if ! bstate $a $b 0x1001 "$2" "$4" "$6" > /tmp/xalg 2>&1; then
		skip "$n" "ip xfrm: $(tr '\n' ' ' < /tmp/xalg | head -c 120)"
		return
	fi
	bstate $b $a 0x2002 "$2" "$4" "$6" &&
	B $IP xfrm policy add src $b/$pl dst $a/$pl dir out tmpl $xo proto $2 mode $4 &&
	B $IP xfrm policy add src $a/$pl dst $b/$pl dir in tmpl $xi proto $2 mode $4 ||
		{ bad "$n" "ip xfrm"; return; }
	if ! ka "flush;" "spdflush;" \
		"add $a $b $2 0x1001 -m $4 $5;" "add $b $a $2 0x2002 -m $4 $5;" \
		"spdadd $a $b any -P out ipsec $2/$4/$tun/require;" \
		"spdadd $b $a any -P in ipsec $2/$4/$rtun/require;" > /tmp/kalg 2>&1; then
		bad "$n" "keysh: $(tr '\n' ' ' < /tmp/kalg | head -c 200)"
		return
	fi
	if A $png -c 1 -W 3 $b > /tmp/palg 2>&1 && B $png -c 1 -W 3 $a >> /tmp/palg 2>&1; then
		c=$(B $IP -s xfrm state get src $a dst $b proto $2 spi 0x1001 |
			sed -n 's/.* \([0-9]*\)(packets).*/\1/p' | head -n1)
		[ "${c:-0}" -ge 1 ] && ok "$n" || bad "$n" "b decrypted ${c:-no} packets"
	else
		bad "$n" "$(tail -n 2 /tmp/palg | tr '\n' ' ')"
	fi
}
# all NAME PROTO KEYSH-ALGS XFRM-ALGS: the four mode x family cells
all() {
	for f in 4 6; do
		for m in transport tunnel; do
			one "$1" "$2" $f $m "$3" "$4"
		done
	done
}

# ESP ciphers (with HMAC-SHA-256-128): keysh name, key bytes, xfrm name
while read -r name len xname; do
	k=$(key "$len") xk=$k
	[ "$len" = 0 ] && k='""' xk=EMPTY
	all "esp-$name" esp "-E $name $k $SHA" "enc $xname $xk $SHA_X"
done <<-EOF
	null 0 ecb(cipher_null)
	des-cbc 8 cbc(des)
	3des-cbc 24 cbc(des3_ede)
	cast128-cbc 16 cbc(cast5)
	blowfish-cbc 16 cbc(blowfish)
	aes-cbc 32 cbc(aes)
	serpent-cbc 16 cbc(serpent)
	camellia-cbc 16 cbc(camellia)
	twofish-cbc 16 cbc(twofish)
	aes-ctr 20 rfc3686(ctr(aes))
	sm4-cbc 16 cbc(sm4)
EOF
# AEADs: keysh name, key+salt bytes, xfrm name, ICV bits
while read -r name len xname icv; do
	k=$(key "$len")
	all "esp-$name" esp "-E $name $k" "aead $xname $k $icv"
done <<-EOF
	aes-gcm-16 20 rfc4106(gcm(aes)) 128
	aes-gcm-12 36 rfc4106(gcm(aes)) 96
	aes-gcm-8 28 rfc4106(gcm(aes)) 64
	aes-ccm-16 19 rfc4309(ccm(aes)) 128
	aes-ccm-12 35 rfc4309(ccm(aes)) 96
	aes-ccm-8 27 rfc4309(ccm(aes)) 64
	null-aes-gmac 20 rfc4543(gcm(aes)) 128
	chacha20-poly1305 36 rfc7539esp(chacha20,poly1305) 128
EOF
# integrity: keysh name, key bytes, xfrm name, truncation bits; in ESP
# (with AES-CBC; SHA-256 is in every cipher case above) and in AH
while read -r name len xname trunc; do
	k=$(key "$len")
	[ "$name" = hmac-sha256 ] ||
		all "esp-$name" esp "$CBC -A $name $k" "$CBC_X auth-trunc $xname $k $trunc"
	all "ah-$name" ah "-A $name $k" "auth-trunc $xname $k $trunc"
done <<-EOF
	hmac-md5 16 hmac(md5) 96
	hmac-sha1 20 hmac(sha1) 96
	hmac-sha256 32 hmac(sha256) 128
	hmac-sha384 48 hmac(sha384) 192
	hmac-sha512 64 hmac(sha512) 256
	hmac-ripemd160 20 hmac(rmd160) 96
	aes-xcbc-mac 16 xcbc(aes) 96
	hmac-sm3 32 hmac(sm3) 256
EOF
ka "flush;" "spdflush;"
B $IP xfrm state flush; B $IP xfrm policy flush
echo "xfrm-algs: $oks passed, $fails failed, $skips skipped (algorithm missing in this kernel)"
[ "$fails" = 0 ]
