#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# dp-case-matrix.sh: issue 7's algorithm matrix, sourced by dp.sh (its
# helpers A, B, KA, dpsa, xstats, spipk, cap_*, ok, bad and the keys KO,
# KI, EK, AK, AK384 in scope; the veth's IPv6 addresses set up). Every row
# of the table below x {transport, tunnel} x {IPv4, IPv6}: namespace a
# keyed by keysh (pfkeyv2.ko), b by `ip xfrm`, fresh SAs 0x1001 (a->b) and
# 0x2002 (b->a) (AH+ESP bundle: ESP 0x1001/0x2002 inside
# AH 0x1101/0x2102), require-policies both ways on both sides. One cell:
#   ping 3 each way (both sides require IPsec: an answer means both
#     directions were protected and accepted);
#   TCP a->b of 256 KiB (GCM-16: 2 MiB a->b and 1 MiB b->a), dptcp sums equal;
#   the veth capture (one dpcap for the whole matrix, cap_start, read per
#     cell with cap_snap): no clear ICMP, ICMPv6 echo or TCP; at least a frame (or
#     first fragment) of the SA's protocol per packet; bundle: every AH
#     frame carries ESP, no bare ESP;
#   a's counters (dpsa) and b's (`ip -s xfrm state`) on every SA of the
#     cell moved by at least the packets sent through it;
#   PF_KEY CURRENT lifetimes of a's two SAs (keysh -D --json): at least the
#     packets and TCP bytes sent through each.
# Each cell prints one VMTEST line: dp-matrix-ALG-MODE-FAMILY.

MX_K19=0x0102030405060708090a0b0c0d0e0f10111213		# AES-128 + 3-byte CCM salt
MX_K20=0x0102030405060708090a0b0c0d0e0f1011121314	# HMAC-SHA1 and -RIPEMD160
MX_K24=0x0102030405060708090a0b0c0d0e0f101112131415161718	# 3DES
MX_K32=0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20
MX_K36=$MX_K32"21222324"					# ChaCha20 + salt
MX_K64=$MX_K32$(echo "$MX_K32" | cut -c3-)			# HMAC-SHA512
MX_CBC="-E aes-cbc $EK"
MX_XCBC="enc cbc(aes) $EK"

# NAME|PROTO|KEYSH ALGORITHMS|XFRM ALGORITHMS|TCP BYTES a->b|b->a
# (KO in an algorithm string becomes KI for the b->a SA.) For the bundle the
# ESP algorithms are given; its AH is HMAC-SHA-256.
cat > /tmp/mx.tab <<EOT
esp-aes-gcm16|esp|-E aes-gcm-16 $KO|aead rfc4106(gcm(aes)) $KO 128|2097152|1048576
esp-aes-gcm12|esp|-E aes-gcm-12 $KO|aead rfc4106(gcm(aes)) $KO 96|262144|0
esp-aes-gcm8|esp|-E aes-gcm-8 $KO|aead rfc4106(gcm(aes)) $KO 64|262144|0
esp-aes-ccm16|esp|-E aes-ccm-16 $MX_K19|aead rfc4309(ccm(aes)) $MX_K19 128|262144|0
esp-aes-ccm12|esp|-E aes-ccm-12 $MX_K19|aead rfc4309(ccm(aes)) $MX_K19 96|262144|0
esp-aes-ccm8|esp|-E aes-ccm-8 $MX_K19|aead rfc4309(ccm(aes)) $MX_K19 64|262144|0
esp-chacha20-poly1305|esp|-E chacha20-poly1305 $MX_K36|aead rfc7539esp(chacha20,poly1305) $MX_K36 128|262144|0
esp-aes-cbc-sha1|esp|$MX_CBC -A hmac-sha1 $MX_K20|$MX_XCBC auth-trunc hmac(sha1) $MX_K20 96|262144|0
esp-aes-cbc-sha256|esp|$MX_CBC -A hmac-sha256 $AK|$MX_XCBC auth-trunc hmac(sha256) $AK 128|262144|0
esp-aes-cbc-sha384|esp|$MX_CBC -A hmac-sha384 $AK384|$MX_XCBC auth-trunc hmac(sha384) $AK384 192|262144|0
esp-aes-cbc-sha512|esp|$MX_CBC -A hmac-sha512 $MX_K64|$MX_XCBC auth-trunc hmac(sha512) $MX_K64 256|262144|0
esp-aes-cbc-md5|esp|$MX_CBC -A hmac-md5 $EK|$MX_XCBC auth-trunc hmac(md5) $EK 96|262144|0
esp-aes-cbc-ripemd160|esp|$MX_CBC -A hmac-ripemd160 $MX_K20|$MX_XCBC auth-trunc hmac(rmd160) $MX_K20 96|262144|0
esp-aes-cbc-xcbc|esp|$MX_CBC -A aes-xcbc-mac $EK|$MX_XCBC auth-trunc xcbc(aes) $EK 96|262144|0
esp-aes-ctr-sha1|esp|-E aes-ctr $KO -A hmac-sha1 $MX_K20|enc rfc3686(ctr(aes)) $KO auth-trunc hmac(sha1) $MX_K20 96|262144|0
esp-3des-cbc-sha1|esp|-E 3des-cbc $MX_K24 -A hmac-sha1 $MX_K20|enc cbc(des3_ede) $MX_K24 auth-trunc hmac(sha1) $MX_K20 96|262144|0
esp-null-sha256|esp|-E null -A hmac-sha256 $AK|enc ecb(cipher_null) "" auth-trunc hmac(sha256) $AK 128|262144|0
esp-null-aes-gmac|esp|-E null-aes-gmac $KO|aead rfc4543(gcm(aes)) $KO 128|262144|0
ah-sha1|ah|-A hmac-sha1 $MX_K20|auth-trunc hmac(sha1) $MX_K20 96|262144|0
ah-sha256|ah|-A hmac-sha256 $AK|auth-trunc hmac(sha256) $AK 128|262144|0
ah-sha384|ah|-A hmac-sha384 $AK384|auth-trunc hmac(sha384) $AK384 192|262144|0
ah-sha512|ah|-A hmac-sha512 $MX_K64|auth-trunc hmac(sha512) $MX_K64 256|262144|0
ah-md5|ah|-A hmac-md5 $EK|auth-trunc hmac(md5) $EK 96|262144|0
ah-xcbc|ah|-A aes-xcbc-mac $EK|auth-trunc xcbc(aes) $EK 96|262144|0
ah-esp-bundle|bundle|$MX_CBC -A hmac-sha256 $AK|$MX_XCBC auth-trunc hmac(sha256) $AK 128|262144|0
EOT

# mx_keys PROTO MODE SRC DST PLEN KEYSH-ALGS XFRM-ALGS: both sides' SAs and
# policies for one cell (a in /tmp/mx.a for keysh -f, b in /tmp/mx.b for
# ip -batch).
mx_keys() {
	p=$1 m=$2 s=$3 d=$4 pl=$5 ka=$6 xa=$7 tun='' rtun='' xo='' xi=''
	if [ "$m" = tunnel ]; then
		tun=$s-$d rtun=$d-$s xo="src $d dst $s" xi="src $s dst $d"
	fi
	kr=$(echo "$ka" | sed "s/$KO/$KI/") xr=$(echo "$xa" | sed "s/$KO/$KI/")
	aa="-A hmac-sha256 $AK" xah="auth-trunc hmac(sha256) $AK 128"
	if [ "$p" = bundle ]; then
		req="esp/$m/$tun/require ah/$m/$tun/require"
		rreq="esp/$m/$rtun/require ah/$m/$rtun/require"
		to="tmpl $xo proto esp mode $m tmpl $xo proto ah mode $m"
		ti="tmpl $xi proto esp mode $m tmpl $xi proto ah mode $m"
		p=esp
	else
		req="$p/$m/$tun/require" rreq="$p/$m/$rtun/require"
		to="tmpl $xo proto $p mode $m" ti="tmpl $xi proto $p mode $m"
	fi
	{
		echo "flush;"
		echo "spdflush;"
		echo "spdadd $s $d any -P out ipsec $req;"
		echo "spdadd $d $s any -P in ipsec $rreq;"
		echo "add $s $d $p 0x1001 -m $m -r 64 $ka;"
		echo "add $d $s $p 0x2002 -m $m -r 64 $kr;"
		if [ "$1" = bundle ]; then
			echo "add $s $d ah 0x1101 -m $m -r 64 $aa;"
			echo "add $d $s ah 0x2102 -m $m -r 64 $aa;"
		fi
	} > /tmp/mx.a
	{
		echo "xfrm state flush"
		echo "xfrm policy flush"
		echo "xfrm state add src $s dst $d proto $p spi 0x1001 mode $m replay-window 64 $xa"
		echo "xfrm state add src $d dst $s proto $p spi 0x2002 mode $m replay-window 64 $xr"
		if [ "$1" = bundle ]; then
			echo "xfrm state add src $s dst $d proto ah spi 0x1101 mode $m replay-window 64 $xah"
			echo "xfrm state add src $d dst $s proto ah spi 0x2102 mode $m replay-window 64 $xah"
		fi
		echo "xfrm policy add src $d/$pl dst $s/$pl dir out $to"
		echo "xfrm policy add src $s/$pl dst $d/$pl dir in $ti"
	} > /tmp/mx.b
}

# mx_tcp FROM TO TO-ADDR BYTES: dptcp FROM -> TO; "" when the sums match,
# else what went wrong.
mx_tcp() {
	$IP netns exec "$2" dptcp recv 5001 40 > /tmp/mx.rx 2>&1 & rx=$!
	$IP netns exec "$1" timeout 40 dptcp send "$3" 5001 "$4" > /tmp/mx.tx 2>&1
	wait "$rx"
	if [ -s /tmp/mx.tx ] && cmp -s /tmp/mx.tx /tmp/mx.rx &&
		[ "$(cut -d' ' -f2 /tmp/mx.rx)" = "$4" ]; then
		return 0
	fi
	echo "tcp $1->$2 sent '$(tr '\n' ' ' < /tmp/mx.tx)' received '$(tr '\n' ' ' < /tmp/mx.rx)'"
}

# mx_cell NAME PROTO MODE FAMILY KEYSH-ALGS XFRM-ALGS BYTES-AB BYTES-BA
mx_cell() {
	name=matrix-$1-$3-$4 proto=$2 bab=$7 bba=$8 why='' det=''
	if [ "$4" = ipv4 ]; then s=10.0.0.1 d=10.0.0.2 pl=32 png=ping
	else s=2001:db8::1 d=2001:db8::2 pl=128 png=ping6; fi
	mx_keys "$proto" "$3" "$s" "$d" "$pl" "$5" "$6"
	KA -f /tmp/mx.a > /tmp/mx.ka 2>&1 || why="$why keysh: $(head -c 200 /tmp/mx.ka);"
	B $IP -batch /tmp/mx.b > /tmp/mx.kb 2>&1 || why="$why ip xfrm: $(head -c 200 /tmp/mx.kb);"
	cap_snap	# counting starts with the keys in place
	A $png -c 3 -A -W 3 "$d" > /tmp/mx.ab 2>&1 || why="$why ping a->b: $(tail -n 1 /tmp/mx.ab);"
	B $png -c 3 -A -W 3 "$s" > /tmp/mx.ba 2>&1 || why="$why ping b->a: $(tail -n 1 /tmp/mx.ba);"
	# no TCP once a ping failed (it would only wait for its timeouts)
	if [ -z "$why" ]; then
		t=$(mx_tcp a b "$d" "$bab")
		[ -z "$t" ] || why="$why $t;"
		if [ "$bba" != 0 ] && [ -z "$t" ]; then
			t=$(mx_tcp b a "$s" "$bba")
			[ -z "$t" ] || why="$why $t;"
		fi
	fi
	cap_snap
	# packets through the a->b SAs at least: 3 requests, 3 replies, one
	# per 1500 bytes of data; b->a: 6, and one per 1500 bytes b->a
	nab=$((6 + bab / 1500)) nba=$((6 + bba / 1500))
	# shellcheck disable=SC2086
	set -- $cap_counts	# icmp N esp N ah N other N ah_esp N tcp N icmp6 N frag N
	det="cap $cap_counts;"
	[ "$2" = 0 ] && [ "${12}" = 0 ] && [ "${14}" = 0 ] || why="$why clear text on the veth;"
	case $proto in
	esp) [ "$4" -ge "$nab" ] && [ "$6" = 0 ] || why="$why capture: not ESP only;" ;;
	ah) [ "$6" -ge "$nab" ] && [ "$4" = 0 ] || why="$why capture: not AH only;" ;;
	bundle) [ "$6" -ge "$nab" ] && [ "${10}" = "$6" ] && [ "$4" = 0 ] ||
		why="$why capture: not ESP inside AH;" ;;
	esac
	spis="0x00001001:$nab 0x00002002:$nba"
	[ "$proto" = bundle ] && spis="$spis 0x00001101:$nab 0x00002102:$nba"
	xstats
	det="$det a/b"
	for x in $spis; do
		spi=${x%%:*} min=${x#*:}
		na=$(dpsa "$spi" packets)
		nb=$(spipk "$spi")
		det="$det $spi ${na:-none}/${nb:-none}"
		[ "${na:-0}" -ge "$min" ] || why="$why a's $spi counted ${na:-none} < $min;"
		[ "${nb:-0}" -ge "$min" ] || why="$why b's $spi counted ${nb:-none} < $min;"
	done
	# PF_KEY CURRENT of a's SAs (allocations = packets, bytes), both ways
	KA -D --json > /tmp/mx.cur
	det="$det; current"
	for x in 0x00001001:$nab:$bab 0x00002002:$nba:$bba; do
		spi=${x%%:*} min=${x#*:} minb=${x##*:}
		min=${min%%:*}
		cur=$(grep "\"spi_hex\":\"$spi\"" /tmp/mx.cur | sed -n \
			's/.*"lifetime_current":{"allocations":\([0-9]*\),"bytes":\([0-9]*\).*/\1 \2/p')
		det="$det $spi ${cur:-none}"
		# shellcheck disable=SC2086
		set -- $cur
		[ "${1:-0}" -ge "$min" ] && [ "${2:-0}" -ge "$minb" ] ||
			why="$why CURRENT of $spi '${cur:-none}' below $min packets / $minb bytes;"
	done
	if [ -z "$why" ]; then ok "$name ($det)"
	else
		bad "$name" "$why $det"
		grep -A1 'stats:' /tmp/xs.b | sed 's/^/dp: b /'
		B cat /proc/net/xfrm_stat 2>/dev/null | awk '$2 != 0 {print "dp: b xfrm_stat: " $0}'
	fi
}

cap_start a va
mx_t0=$(awk '{printf "%d", $1}' /proc/uptime)
exec 3< /tmp/mx.tab
while IFS='|' read -r mx_n mx_p mx_ka mx_xa mx_ab mx_ba <&3; do
	for mx_m in transport tunnel; do
		for mx_f in ipv4 ipv6; do
			mx_cell "$mx_n" "$mx_p" "$mx_m" "$mx_f" "$mx_ka" "$mx_xa" "$mx_ab" "$mx_ba"
		done
	done
done
exec 3<&-
cap_stop
echo "dp: matrix took $(($(awk '{printf "%d", $1}' /proc/uptime) - mx_t0)) s"
# leave a and b unkeyed for what follows
printf 'flush;\nspdflush;\n' > /tmp/mx.a
KA -f /tmp/mx.a || bad "matrix-keysh-flush"
B $IP xfrm state flush; B $IP xfrm policy flush
