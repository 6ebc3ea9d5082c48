#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# dp-case-levels.sh: the policy levels of issue 7 (use, require, unique with
# reqid) in pfkeyv2.ko's data path, sourced by dp.sh (helpers A, B, KA,
# dpstat, dpsa, dpshow, xfrm_states, cap_*, ok, bad, GCM_K, GCM_X, KI in
# scope). a (pfkeyv2, keysh) 10.0.0.1 <-> b (Linux xfrm) 10.0.0.2, ESP
# AES-GCM-16 transport; a capture on va tells clear text from ESP.
#   use        a's out and in policies `esp/transport//use`:
#              no SA: a's pings to b leave in clear text and are answered;
#              SAs on both sides: the same pings leave as ESP (0x1001
#              counted); b sends clear text (its out policy gone): a's `in`
#              use-policy lets it in, nothing counted as a policy drop
#   unique     two SAs to b: 0x1001 reqid 5 and 0x1003 reqid 7; a's out
#              policy `esp/transport//unique:7`: traffic goes through 0x1003
#              only, `unique:5`: through 0x1001 only; 0x1001 deleted: no SA
#              of reqid 5 left, 0x1003 still unused (the flow waits for an
#              SA: no answer)
#   unique in  a's in policy `esp/transport//unique:9`: b's ESP through a's
#              SA 0x2002 of reqid 9 is delivered; through 0x2004 of reqid
#              8 (a valid SA, decrypted) it is refused: policy_drop counted
# Leaves a and b unkeyed.

# lv_b SPI: b's states for a->b 0x1001 and 0x1003 (GCM-16, key KO), one
# b->a state SPI (key KI) with its out policy, an in policy requiring ESP
# shellcheck disable=SC2086,SC2046
lv_b() {
	B $IP xfrm state flush; B $IP xfrm policy flush
	B $IP xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001 mode transport \
		replay-window 64 $GCM_X &&
	B $IP xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1003 mode transport \
		replay-window 64 $GCM_X &&
	B $IP xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi "$1" mode transport \
		replay-window 64 $(echo "$GCM_X" | sed "s/$KO/$KI/") &&
	B $IP xfrm policy add src 10.0.0.1/32 dst 10.0.0.2/32 dir in tmpl proto esp mode transport &&
	B $IP xfrm policy add src 10.0.0.2/32 dst 10.0.0.1/32 dir out tmpl proto esp mode transport
}
# lv_ping NAME FROM TO-ADDR: 2 pings answered (or bad NAME)
lv_ping() {
	if $1 ping -c 2 -W 3 "$3" > /tmp/ping.lv 2>&1; then ok "$2"
	else bad "$2" "$(tail -n 2 /tmp/ping.lv | tr '\n' ' ')"; fi
}
# lv_cap NAME clear|esp: the capture since the last snap saw the pings'
# ICMP in clear text and no ESP, or ESP and no clear ICMP
lv_cap() {
	cap_snap
	# shellcheck disable=SC2086
	set -- "$1" "$2" $cap_counts	# icmp N esp N ...
	if [ "$2" = clear ]; then c=$4 e=$6; else c=$6 e=$4; fi
	if [ "$c" -ge 4 ] && [ "$e" = 0 ]; then ok "$1 ($cap_counts)"
	else bad "$1" "want $2: $cap_counts"; fi
}

cap_start a va
printf 'flush;\nspdflush;\n' > /tmp/a.conf
KA -f /tmp/a.conf || bad "levels-keysh-flush-a"
B $IP xfrm state flush; B $IP xfrm policy flush

# ---- use ------------------------------------------------------------------
cat > /tmp/a.conf <<EOC
spdadd 10.0.0.1 10.0.0.2 any -P out ipsec esp/transport//use;
spdadd 10.0.0.2 10.0.0.1 any -P in ipsec esp/transport//use;
EOC
KA -f /tmp/a.conf || bad "levels-use-keysh-policies"
cap_snap
lv_ping A levels-use-no-sa-clear-text-answered 10.0.0.2
lv_cap levels-use-no-sa-veth-clear clear

cat > /tmp/a.conf <<EOC
add 10.0.0.1 10.0.0.2 esp 0x1001 -m transport -r 64 $GCM_K;
add 10.0.0.2 10.0.0.1 esp 0x2002 -m transport -r 64 -E aes-gcm-16 $KI;
EOC
KA -f /tmp/a.conf || bad "levels-use-keysh-sas"
lv_b 0x2002 || bad "levels-use-xfrm-keys-b"
n0=$(dpsa 0x00001001 packets)
lv_ping A levels-use-with-sa-answered 10.0.0.2
lv_cap levels-use-with-sa-veth-esp esp
n1=$(dpsa 0x00001001 packets)
if [ "${n1:-0}" -ge $((${n0:-0} + 2)) ]; then ok "levels-use-with-sa-0x1001-counted"
else bad "levels-use-with-sa-0x1001-counted" "${n0:-none} -> ${n1:-none}"; dpshow; fi

# b without its out policy: clear text in, which `use` accepts (a answers
# through its SA, b takes that ESP: it has the state)
B $IP xfrm policy delete src 10.0.0.2/32 dst 10.0.0.1/32 dir out
p0=$(dpstat policy_drop)
lv_ping B levels-use-in-clear-text-accepted 10.0.0.1
p1=$(dpstat policy_drop)
if [ "${p1:-x}" = "${p0:-y}" ]; then ok "levels-use-in-no-policy-drop"
else bad "levels-use-in-no-policy-drop" "policy_drop ${p0:-none} -> ${p1:-none}"; fi
cap_snap

# ---- unique with reqid, outbound ------------------------------------------
# lv_unique REQID USED UNUSED: a's out policy unique:REQID over SAs 0x1001
# (reqid 5) and 0x1003 (reqid 7): pings go through USED only. Run for both
# reqids, so whichever SA a reqid-blind lookup preferred, one run fails.
lv_unique() {
	cat > /tmp/a.conf <<EOC
flush;
spdflush;
spdadd 10.0.0.1 10.0.0.2 any -P out ipsec esp/transport//unique:$1;
spdadd 10.0.0.2 10.0.0.1 any -P in ipsec esp/transport//require;
add 10.0.0.1 10.0.0.2 esp 0x1001 -m transport -u 5 -r 64 $GCM_K;
add 10.0.0.1 10.0.0.2 esp 0x1003 -m transport -u 7 -r 64 $GCM_K;
add 10.0.0.2 10.0.0.1 esp 0x2002 -m transport -r 64 -E aes-gcm-16 $KI;
EOC
	KA -f /tmp/a.conf || bad "levels-unique-$1-keysh-keys-a"
	lv_ping A "levels-unique-$1-answered" 10.0.0.2
	nu=$(dpsa "$2" packets) nn=$(dpsa "$3" packets)
	if [ "${nu:-0}" -ge 2 ] && [ -z "$nn" ]; then ok "levels-unique-$1-sa-$2-used-$nu"
	else bad "levels-unique-$1-sa-$2-used" "$2 ${nu:-none}, $3 ${nn:-none}"; dpshow; fi
}
lv_b 0x2002 || bad "levels-unique-xfrm-keys-b"
lv_unique 7 0x00001003 0x00001001
lv_unique 5 0x00001001 0x00001003
# without an SA of reqid 5 the flow waits (held, no answer); 0x1003 unused
echo "delete 10.0.0.1 10.0.0.2 esp 0x1001;" > /tmp/a.conf
KA -f /tmp/a.conf || bad "levels-unique-keysh-delete"
s0=$(dpstat no_sa)
A ping -c 1 -W 2 10.0.0.2 > /dev/null 2>&1 && bad "levels-unique-other-reqid-not-used"
s1=$(dpstat no_sa) n7=$(dpsa 0x00001003 packets)
if [ -z "$n7" ] && [ "${s1:-0}" -gt "${s0:-0}" ]; then ok "levels-unique-other-reqid-not-used"
else bad "levels-unique-other-reqid-not-used" "0x1003 ${n7:-none}, no_sa ${s0:-none} -> ${s1:-none}"
	dpshow; fi

# ---- unique with reqid, inbound -----------------------------------------------
cat > /tmp/a.conf <<EOC
flush;
spdflush;
spdadd 10.0.0.1 10.0.0.2 any -P out ipsec esp/transport//require;
spdadd 10.0.0.2 10.0.0.1 any -P in ipsec esp/transport//unique:9;
add 10.0.0.1 10.0.0.2 esp 0x1001 -m transport -r 64 $GCM_K;
add 10.0.0.2 10.0.0.1 esp 0x2002 -m transport -u 9 -r 64 -E aes-gcm-16 $KI;
add 10.0.0.2 10.0.0.1 esp 0x2004 -m transport -u 8 -r 64 -E aes-gcm-16 $KI;
EOC
KA -f /tmp/a.conf || bad "levels-unique-in-keysh-keys-a"
lv_b 0x2002 || bad "levels-unique-in-xfrm-keys-b"
lv_ping B levels-unique-in-reqid-9-delivered 10.0.0.1
lv_b 0x2004 || bad "levels-unique-in-xfrm-keys-b-0x2004"
p0=$(dpstat policy_drop) d0=$(dpsa 0x00002004 packets)
B ping -c 2 -W 2 10.0.0.1 > /dev/null 2>&1 && bad "levels-unique-in-reqid-8-refused"
p1=$(dpstat policy_drop) d1=$(dpsa 0x00002004 packets)
# decrypted (the SA is valid), then refused by the policy
if [ "${d1:-0}" -ge $((${d0:-0} + 2)) ] && [ "${p1:-0}" -ge $((${p0:-0} + 2)) ]; then
	ok "levels-unique-in-reqid-8-refused-counted"
else bad "levels-unique-in-reqid-8-refused-counted" \
	"0x2004 ${d0:-none} -> ${d1:-none}, policy_drop ${p0:-none} -> ${p1:-none}"; dpshow; fi

cap_stop
printf 'flush;\nspdflush;\n' > /tmp/a.conf
KA -f /tmp/a.conf || bad "levels-keysh-flush-a"
B $IP xfrm state flush; B $IP xfrm policy flush
