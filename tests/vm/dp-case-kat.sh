#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# dp-case-kat.sh: known-answer packets through pfkeyv2.ko's input path,
# sourced by dp.sh (A, B, KA, dpsa, cap_*, ok, bad in scope). dpinj in b sends
# each published packet to a's MAC; a holds the SAs with the published keys
# and require-policies for the inner flows:
#   RFC 3602 cases 5-8   AES-CBC, no ICV: 5-6 transport to .100 SPI 0x4321,
#                        7-8 tunnel to .200 SPI 0x8765 (ICMP echo from .3)
#   tcpdump captures     FreeS/WAN KLIPS ESP tunnels 192.1.2.23 -> 192.1.2.45,
#                        3DES-CBC + HMAC-MD5-96 (SPI 0x12345678) and
#                        AES-256-CBC + HMAC-SHA1-96 (SPI 0xd1234567), packets
#                        1 and 2 each, inner ICMP echo 192.0.2.1 -> 192.0.1.1
#   embeddedipsec AH     HMAC-MD5-96 tunnels: ah-1 192.168.1.40 -> .3 (SPI
#                        0x1009, captured on the wire), ah-2 .3 -> .5 (SPI
#                        0x1016), inner TCP SYN .40:32794 -> .3:80
# For each: a copy with one byte of the protected data flipped first (sent
# before the intact packet, as the replay window is checked before the ICV):
# auth_fail counted, nothing delivered; then the intact packets: the SA's
# packet counter moves by their number, no auth failure or other drop, and
# what they carry is delivered: a's clear-text answers (ICMP echo replies,
# TCP resets) are counted on b's side by dpcap.
# The NAT-T capture (espudp1, the 3DES+MD5 tunnel in UDP 4500 -> 4500, RFC
# 3948) goes to an esp-udp SA with the same keys: the same checks.

# vecf FILE CASE FIELD -> the field's hex, continuation lines joined
vecf() {
	awk -v c="[$2]" -v f="$3" '
		/^\[/ { on = ($0 == c); next }
		!on || /^#/ { next }
		/^[^ \t]/ { cur = ($1 == f); if (cur) { sub(/^[^=]*= */, ""); v = v $0 }; next }
		cur { v = v $0 }
		END { gsub(/[ \t]/, "", v); print v }' "/vectors/$1"
}
# flipbyte HEX N -> HEX with the low bit of byte N (from 0) flipped
flipbyte() {
	echo "$1" | awk -v n="$2" '{
		d = "0123456789abcdef"; c = tolower(substr($0, 2 * n + 2, 1))
		i = index(d, c) - 1; i = i - i % 2 + 1 - i % 2
		print substr($0, 1, 2 * n + 1) substr(d, i + 1, 1) substr($0, 2 * n + 3) }'
}
# ipv4at HEX N -> the IPv4 address at byte N of HEX, dotted
ipv4at() {
	echo "$1" | awk -v n="$2" '{
		d = "0123456789abcdef"
		for (i = 0; i < 4; i++) {
			h = tolower(substr($0, 2 * (n + i) + 1, 2))
			printf "%s%d", i ? "." : "", (index(d, substr(h, 1, 1)) - 1) * 16 + index(d, substr(h, 2, 1)) - 1
		}
		print "" }'
}
kat_mac=$(A cat /sys/class/net/va/address)
kat_send() { # HEX [NAME]: inject one packet from b to a
	B dpinj vb send "$kat_mac" "$1" > /dev/null || bad "kat-${2:-packet}-sent"
}
# kat_check NAME SPI PACKETS AUTH_FAIL: a's counters of that SA
kat_check() {
	n=$(dpsa "$2" packets) f=$(dpsa "$2" auth_fail) o=$(dpsa "$2" other_drop)
	r=$(dpsa "$2" replay_drop)
	if [ "${n:-x}" = "$3" ] && [ "${f:-x}" = "$4" ] && [ "${o:-x}" = 0 ] && [ "${r:-x}" = 0 ]
	then ok "$1-spi-$2-decrypted-$3-auth-fail-$4"
	else bad "$1-spi-$2" "packets ${n:-none} (want $3) auth_fail ${f:-none} (want $4)" \
		"other_drop ${o:-none} replay_drop ${r:-none}"; fi
}

cap_start b vb

# ---- RFC 3602 cases 5-8 (AES-CBC, no ICV: no flipped-byte case) ----------
V=rfc3602_aes_cbc_esp.txt
A $IP addr add 192.168.123.100/24 dev va; A $IP addr add 192.168.123.200/24 dev va
B $IP addr add 192.168.123.3/24 dev vb
cat > /tmp/a.conf <<EOC
flush;
spdflush;
add 192.168.123.3 192.168.123.100 esp 0x4321 -m transport -E aes-cbc 0x$(vecf $V rfc3602-case5 key);
add 192.168.123.3 192.168.123.200 esp 0x8765 -m tunnel -E aes-cbc 0x$(vecf $V rfc3602-case7 key);
spdadd 192.168.123.3 192.168.123.100 icmp -P in ipsec esp/transport//require;
spdadd 192.168.123.3 192.168.123.200 icmp -P in ipsec esp/tunnel/192.168.123.3-192.168.123.200/require;
EOC
KA -f /tmp/a.conf || bad "kat-rfc3602-keysh-keys-a"
cap_snap
for c in 5 6 7 8; do
	pkt=$(vecf $V rfc3602-case$c post_ip_header)$(vecf $V rfc3602-case$c esp_spi_seq)
	pkt=$pkt$(vecf $V rfc3602-case$c iv)$(vecf $V rfc3602-case$c ciphertext)
	kat_send "$pkt" rfc3602-case$c
done
sleep 2		# a's worker, its ICMP replies
cap_snap
kat_check kat-rfc3602 0x00004321 2 0
kat_check kat-rfc3602 0x00008765 2 0
# shellcheck disable=SC2086
set -- $cap_counts	# icmp N esp N ah N other N ah_esp N tcp N icmp6 N
if [ "$2" = 4 ]; then ok "kat-rfc3602-plaintext-delivered ($cap_counts)"
else bad "kat-rfc3602-plaintext-delivered" "want 4 ICMP answers: $cap_counts"; fi
A $IP addr del 192.168.123.100/24 dev va; A $IP addr del 192.168.123.200/24 dev va
B $IP addr del 192.168.123.3/24 dev vb

# ---- tcpdump captures: ESP tunnel with HMAC ICVs --------------------------
V=tcpdump_realworld_esp_hmac.txt
A $IP addr add 192.1.2.45/24 dev va; A $IP addr add 192.0.1.1/24 dev va
B $IP addr add 192.1.2.23/24 dev vb; B $IP addr add 192.0.2.1/24 dev vb
A $IP route add 192.0.2.0/24 dev va	# the answers to the inner source
c1=tcpdump-3des-md5-tunnel c2=tcpdump-aes256-sha1-tunnel
cat > /tmp/a.conf <<EOC
flush;
spdflush;
add 192.1.2.23 192.1.2.45 esp 0x$(vecf $V $c1-pkt1 spi) -m tunnel -E 3des-cbc 0x$(vecf $V $c1-pkt1 enc_key) -A hmac-md5 0x$(vecf $V $c1-pkt1 auth_key);
add 192.1.2.23 192.1.2.45 esp 0x$(vecf $V $c2-pkt1 spi) -m tunnel -E aes-cbc 0x$(vecf $V $c2-pkt1 enc_key) -A hmac-sha1 0x$(vecf $V $c2-pkt1 auth_key);
spdadd 192.0.2.1 192.0.1.1 icmp -P in ipsec esp/tunnel/192.1.2.23-192.1.2.45/require;
EOC
KA -f /tmp/a.conf || bad "kat-tcpdump-keysh-keys-a"
# kat_esp CASE -> the whole packet of an ESP case of $V
kat_esp() {
	echo "$(vecf $V "$1" outer_ip_header)$(vecf $V "$1" spi)$(vecf $V "$1" seq)$(vecf $V "$1" iv)$(vecf $V "$1" ciphertext)$(vecf $V "$1" icv)"
}
cap_snap
for c in $c1 $c2; do
	for k in 1 2; do
		pkt=$(kat_esp "$c-pkt$k")
		# a byte in the middle of the ciphertext (header 20 + SPI, seq 8)
		kat_send "$(flipbyte "$pkt" 50)" "$c-pkt$k-flipped"
	done
done
sleep 2
cap_snap
kat_bad=$cap_counts
for c in $c1 $c2; do
	for k in 1 2; do
		kat_send "$(kat_esp "$c-pkt$k")" "$c-pkt$k"
	done
done
sleep 2
cap_snap
kat_check kat-tcpdump-3des-md5 "0x$(vecf $V $c1-pkt1 spi)" 2 2
kat_check kat-tcpdump-aes256-sha1 "0x$(vecf $V $c2-pkt1 spi)" 2 2
# shellcheck disable=SC2086
set -- $kat_bad
kat_icmp_bad=$2
# shellcheck disable=SC2086
set -- $cap_counts
if [ "$kat_icmp_bad" = 0 ] && [ "$2" = 4 ]; then
	ok "kat-tcpdump-plaintext-delivered (flipped: $kat_bad; intact: $cap_counts)"
else
	bad "kat-tcpdump-plaintext-delivered" "want 0 then 4 ICMP answers; flipped: $kat_bad; intact: $cap_counts"
fi
# espudp1: the same SA (SPI, keys, tunnel) as an esp-udp SA, ESP in UDP
# 4500 -> 4500 (UDP checksum 0): decapsulated after the UDP header is off
c3=tcpdump-natt-3des-md5-tunnel
cat > /tmp/a.conf <<EOC
flush;
add 192.1.2.23[4500] 192.1.2.45[4500] esp-udp 0x$(vecf $V $c3-pkt1 spi) -m tunnel -E 3des-cbc 0x$(vecf $V $c3-pkt1 enc_key) -A hmac-md5 0x$(vecf $V $c3-pkt1 auth_key);
EOC
KA -f /tmp/a.conf || bad "kat-tcpdump-natt-keysh-keys-a"
kat_natt() { # CASE -> the whole packet, UDP header included
	echo "$(vecf $V "$1" outer_ip_header)$(vecf $V "$1" udp_header)$(vecf $V "$1" spi)$(vecf $V "$1" seq)$(vecf $V "$1" iv)$(vecf $V "$1" ciphertext)$(vecf $V "$1" icv)"
}
cap_snap
for k in 1 2; do
	# a ciphertext byte (header 20 + UDP 8 + SPI, seq 8 + IV 8 = 44)
	kat_send "$(flipbyte "$(kat_natt "$c3-pkt$k")" 58)" "$c3-pkt$k-flipped"
done
sleep 2
cap_snap
kat_bad=$cap_counts
for k in 1 2; do
	kat_send "$(kat_natt "$c3-pkt$k")" "$c3-pkt$k"
done
sleep 2
cap_snap
kat_check kat-tcpdump-natt-3des-md5 "0x$(vecf $V $c3-pkt1 spi)" 2 2
# shellcheck disable=SC2086
set -- $kat_bad
kat_icmp_bad=$2
# shellcheck disable=SC2086
set -- $cap_counts
if [ "$kat_icmp_bad" = 0 ] && [ "$2" = 2 ]; then
	ok "kat-tcpdump-natt-plaintext-delivered (flipped: $kat_bad; intact: $cap_counts)"
else
	bad "kat-tcpdump-natt-plaintext-delivered" "want 0 then 2 ICMP answers; flipped: $kat_bad; intact: $cap_counts"
fi
A $IP route del 192.0.2.0/24 dev va
A $IP addr del 192.1.2.45/24 dev va; A $IP addr del 192.0.1.1/24 dev va
B $IP addr del 192.1.2.23/24 dev vb; B $IP addr del 192.0.2.1/24 dev vb

# ---- embeddedipsec AH HMAC-MD5-96, IPv4 tunnel ----------------------------
# ah-2's outer source .3 is one of a's own addresses: accept_local, or
# Linux drops it as a martian before any hook sees it.
V=embeddedipsec_ah_hmac_md5_ipv4.txt
A $IP addr add 192.168.1.3/24 dev va; A $IP addr add 192.168.1.5/24 dev va
B $IP addr add 192.168.1.40/24 dev vb
A sh -c 'echo 1 > /proc/sys/net/ipv4/conf/va/accept_local'
for c in 1 2; do
	k=ah-embeddedipsec-$c
	pkt=$(vecf $V $k packet)
	src=$(ipv4at "$pkt" 12) dst=$(ipv4at "$pkt" 16)
	cat > /tmp/a.conf <<EOC
flush;
spdflush;
add $src $dst ah 0x$(vecf $V $k spi) -m tunnel -A hmac-md5 0x$(vecf $V $k auth_key);
spdadd 192.168.1.40 192.168.1.3 tcp -P in ipsec ah/tunnel/$src-$dst/require;
EOC
	KA -f /tmp/a.conf || bad "kat-$k-keysh-keys-a"
	cap_snap
	# a byte of the inner TCP header (IP 20 + AH 24 + inner IP 20 + 4)
	kat_send "$(flipbyte "$pkt" 68)" "$k-flipped"
	sleep 1
	cap_snap
	kat_bad=$cap_counts
	kat_send "$pkt" "$k"
	sleep 1
	cap_snap
	kat_check "kat-$k" "0x$(vecf $V $k spi)" 1 1
	# shellcheck disable=SC2086
	set -- $kat_bad
	kat_tcp_bad=${12}
	# shellcheck disable=SC2086
	set -- $cap_counts
	if [ "$kat_tcp_bad" = 0 ] && [ "${12}" = 1 ]; then
		ok "kat-$k-delivered-answered (flipped: $kat_bad; intact: $cap_counts)"
	else
		bad "kat-$k-delivered-answered" "want 0 then 1 TCP answer; flipped: $kat_bad; intact: $cap_counts"
	fi
done
A sh -c 'echo 0 > /proc/sys/net/ipv4/conf/va/accept_local'
A $IP addr del 192.168.1.3/24 dev va; A $IP addr del 192.168.1.5/24 dev va
B $IP addr del 192.168.1.40/24 dev vb
cap_stop
printf 'flush;\nspdflush;\n' > /tmp/a.conf
KA -f /tmp/a.conf || bad "kat-keysh-flush"
