#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# dp.sh: pfkeyv2.ko's data path against Linux xfrm inside the VM (issue 7).
# Namespace a is protected by pfkeyv2.ko (keyed with keysh --backend kernel),
# namespace b by Linux xfrm (keyed with iproute2 `ip xfrm`), joined by veth
# 10.0.0.1 <-> 10.0.0.2.
#   matrix     (dp-case-matrix.sh) every algorithm of issue 7 x {transport,
#              tunnel} x {IPv4, IPv6}, AH alone, AH+ESP: ping both ways, TCP
#              with checksums, veth capture, both sides' counters, CURRENT
#   negative   (dpinj in b re-sends a changed copy of b's next ESP packet)
#              replayed, one flipped bit (seq), unknown SPI: dropped, counted in
#              a's /proc/net/pfkeyv2; clear text where a requires ESP
#   lifecycle  policy without SA: ACQUIRE (keysh -x) and no_sa counted, then
#              GETSPI (larval) + UPDATE and traffic flows; byte lifetimes
#              soft/hard reached by traffic: two EXPIREs, the SA gone
#   then       `discard` policy, unload/reload with live state, kernel log.
#   bench      only with keysh.dpbench=MIB on the kernel command line (then
#              nothing else): TCP a->b throughput, pfkeyv2 vs Linux xfrm
#   known      (dp-case-kat.sh) RFC 3602 cases 5-8, the tcpdump ESP captures
#   answers    and the embeddedipsec AH packets injected into a's input path
#   levels     (dp-case-levels.sh) use, unique with reqid, out and in
#   and        dp-case-acquire.sh (held packets), dp-case-fwd.sh (gateway)
# Needs /bin/iproute2-ip, /bin/keysh, /bin/dpcap, /bin/dpinj, /bin/dptcp, pfkeyv2.ko.
# Prints VMTEST lines; exit status 0 only if every case passed. /init runs it
# as the suite of keysh.mode=dp (its argument is ignored).
IP=${IP:-/bin/iproute2-ip}
fails=0
ok() { echo "VMTEST ok dp-$1"; }
bad() { echo "VMTEST FAIL dp-$1${2:+: $2}"; fails=$((fails + 1)); }
A() { $IP netns exec a "$@"; }
B() { $IP netns exec b "$@"; }
KA() { A keysh --backend kernel "$@"; }

# Missing tools fail the boot (a data-path boot that tests nothing is no pass).
for t in "$IP" /bin/keysh /bin/dpcap /bin/dpinj /bin/dptcp; do
	[ -x "$t" ] || { bad tools "no $t in the initramfs"; exit 1; }
done
grep -q '^pfkeyv2 ' /proc/modules || insmod /lib/modules/extra/pfkeyv2.ko || { bad load; exit 1; }
mkdir -p /run/netns
$IP netns add a && $IP netns add b || { bad netns; exit 1; }
$IP link add va netns a type veth peer name vb netns b || { bad veth; exit 1; }
A $IP addr add 10.0.0.1/24 dev va; A $IP link set va up; A $IP link set lo up
B $IP addr add 10.0.0.2/24 dev vb; B $IP link set vb up; B $IP link set lo up
A ping -c 1 -W 2 10.0.0.2 >/dev/null && ok "clear-ping-before-keys" || bad "clear-ping-before-keys"

KO=0x11111111111111111111111111111111aabbccdd	# a -> b, key || salt
KI=0x22222222222222222222222222222222eeff0011	# b -> a
EK=0x33333333333333333333333333333333		# AES-CBC-128
AK=0x4444444444444444444444444444444444444444444444444444444444444444	# HMAC-SHA-256
AK384=0x555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555
GCM_K="-E aes-gcm-16 $KO" GCM_X="aead rfc4106(gcm(aes)) $KO 128"

DPPROC=/proc/net/pfkeyv2	# a's counters: the core's, the data path's, per SA
# dpstat NAME -> a global counter of a's $DPPROC
dpstat() { A cat $DPPROC | sed -n "s/^$1: //p"; }
# dpsa SPI FIELD -> that counter of a's SA line ("sa esp DST spi 0x... NAME N ...")
dpsa() {
	A cat $DPPROC | awk -v s="$1" -v f="$2" \
		'$1 == "sa" && $5 == s { for (i = 6; i < NF; i += 2) if ($i == f) print $(i + 1) }'
}
# dpshow: a's counters on the console (after a failed check)
dpshow() { A cat $DPPROC | sed 's/^/dp: a: /'; }
# sa_counted NAME SPI MIN: a's SA SPI moved at least MIN packets
sa_counted() {
	n=$(dpsa "$2" packets)
	if [ "${n:-0}" -ge "$3" ]; then ok "$1-pfkeyv2-$2-$n"
	else bad "$1-pfkeyv2-$2" "packets=${n:-none}"; dpshow; fi
}
# xstats: b's xfrm states with counters in /tmp/xs.b (for inpk, spipk)
xstats() { B $IP -s xfrm state > /tmp/xs.b; }
# xfrm_counted NAME SRC DST MIN: b's state SRC -> DST (after xstats)
# decapsulated at least MIN packets
xfrm_counted() {
	n=$(inpk "$2" "$3")
	if [ "${n:-0}" -ge "$4" ]; then ok "$1-xfrm-b-decapsulated-$n"; else
		bad "$1-xfrm-b-decapsulated" "packets=${n:-none}"
		B cat /proc/net/xfrm_stat 2>/dev/null | awk '$2 != 0 {print "dp: b xfrm_stat: " $0}'
		grep -A1 'stats:' /tmp/xs.b | sed 's/^/dp: b /'
	fi
}
inpk() { # SRC DST -> packets counted on that state in /tmp/xs.b
	awk -v h="src $1 dst $2" '$0 == h {f=1; next} /^src /{f=0}
		f && /\(packets\)/ && /\(bytes\)/ {sub(/\(packets\).*/, ""); sub(/.* /, ""); print; exit}' /tmp/xs.b
}
spipk() { # SPI (0x%08x; -s prints "spi 0x..(N)") -> packets counted on b's state in /tmp/xs.b
	awk -v s="spi $1" '/^src /{f=0} index($0, s){f=1; next}
		f && /\(packets\)/ && /\(bytes\)/ {sub(/\(packets\).*/, ""); sub(/.* /, ""); print; exit}' /tmp/xs.b
}

# cap_start NS IF: one dpcap on namespace NS's interface IF for a whole
# case file; cap_snap puts the counts since the previous snap (or the
# start) in $cap_counts ("icmp N esp N ah N other N ah_esp N tcp N icmp6 N
# frag N", dpcap.c); cap_stop ends it.
cap_start() {
	$IP netns exec "$1" dpcap "$2" 3600 > /tmp/cap.snap & cap_pid=$!
	sleep 1		# its socket bound
}
cap_snap() {
	l0=$(wc -l < /tmp/cap.snap)
	kill -USR1 "$cap_pid"
	i=0
	while [ "$(wc -l < /tmp/cap.snap)" -le "$l0" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	cap_counts=$(tail -n 1 /tmp/cap.snap)
}
cap_stop() { kill "$cap_pid"; wait "$cap_pid"; }

# xfrm_states NS SRC DST PROTO MODE SPI-OUT SPI-IN XFRM-ALGS [FLAGS]: the
# state pair of namespace NS (A or B): SRC -> DST with SPI-OUT and the
# reverse with SPI-IN (KO in the algorithms becomes KI), replay window 64.
# shellcheck disable=SC2086,SC2046
xfrm_states() {
	$1 $IP xfrm state add src $2 dst $3 proto $4 spi $6 mode $5 replay-window 64 $9 $8 &&
	$1 $IP xfrm state add src $3 dst $2 proto $4 spi $7 mode $5 replay-window 64 $9 \
		$(echo "$8" | sed "s/$KO/$KI/")
}

# xfrm_b PROTO MODE SPI-AB SPI-BA XFRM-ALGS: b's states and policies, fresh.
xfrm_b() {
	proto=$1 mode=$2 xtin= xtout=
	if [ "$mode" = tunnel ]; then
		xtout="src 10.0.0.2 dst 10.0.0.1" xtin="src 10.0.0.1 dst 10.0.0.2"
	fi
	B $IP xfrm state flush; B $IP xfrm policy flush
	xfrm_states B 10.0.0.1 10.0.0.2 "$proto" "$mode" "$3" "$4" "$5" &&
	B $IP xfrm policy add src 10.0.0.2/32 dst 10.0.0.1/32 dir out tmpl $xtout proto $proto mode $mode &&
	B $IP xfrm policy add src 10.0.0.1/32 dst 10.0.0.2/32 dir in tmpl $xtin proto $proto mode $mode
}

# a_policies PROTO MODE: a's require-policies both ways (after spdflush)
a_policies() {
	tun= rtun=
	[ "$2" = tunnel ] && tun=10.0.0.1-10.0.0.2 rtun=10.0.0.2-10.0.0.1
	echo "spdflush;"
	echo "spdadd 10.0.0.1 10.0.0.2 any -P out ipsec $1/$2/$tun/require;"
	echo "spdadd 10.0.0.2 10.0.0.1 any -P in ipsec $1/$2/$rtun/require;"
}

# sas NAME PROTO MODE KEYSH-ALGS XFRM-ALGS: fresh SAs 0x1001 (a->b) and
# 0x2002 (b->a) and require-policies on both sides.
sas() {
	name=$1 proto=$2 mode=$3 ka=$4 xa=$5
	{
		echo "flush;"
		a_policies "$proto" "$mode"
		echo "add 10.0.0.1 10.0.0.2 $proto 0x1001 -m $mode -r 64 $ka;"
		echo "add 10.0.0.2 10.0.0.1 $proto 0x2002 -m $mode -r 64 $(echo "$ka" | sed "s/$KO/$KI/");"
	} > /tmp/a.conf
	KA -f /tmp/a.conf || bad "$name-keysh-keys-a"
	xfrm_b "$proto" "$mode" 0x1001 0x2002 "$xa" || bad "$name-xfrm-keys-b"
}

# ---- bench (keysh.dpbench=MIB on the kernel command line: only this) -------
# TCP a->b over ESP AES-GCM-16 transport, MIB MiB per
# run, in this boot: clear text, then alternately a keyed by pfkeyv2 (keysh)
# and a keyed by Linux xfrm (ip xfrm, the same states and policies as b; no
# pfkeyv2 policy, so its hooks pass everything), DPBENCH_REPS times each.
# b is Linux xfrm throughout. Prints "dp: bench ..." lines and the ratio of
# pfkeyv2's best throughput to xfrm's best. Each run checks the sums and
# that the right side's counters moved.
cs() { awk '{printf "%d", $1 * 100}' /proc/uptime; }
xfrm_a() { # a's Linux xfrm keys mirroring b's (GCM-16 transport 0x1001/0x2002)
	A $IP xfrm state flush; A $IP xfrm policy flush
	[ "$1" = on ] || return 0
	xfrm_states A 10.0.0.1 10.0.0.2 esp transport 0x1001 0x2002 "$GCM_X" &&
	A $IP xfrm policy add src 10.0.0.1/32 dst 10.0.0.2/32 dir out tmpl proto esp mode transport &&
	A $IP xfrm policy add src 10.0.0.2/32 dst 10.0.0.1/32 dir in tmpl proto esp mode transport
}
# brun NAME: one timed transfer a->b; sets $kibs (KiB/s) or counts a failure
brun() {
	bytes=$((DPBENCH_MIB * 1048576))
	o0=$(dpstat out_xform)
	$IP netns exec b dptcp recv 5001 120 > /tmp/tcp.rx 2>&1 & rx=$!
	sleep 1
	t0=$(cs)
	$IP netns exec a dptcp send 10.0.0.2 5001 $bytes > /tmp/tcp.tx 2>&1
	wait "$rx"
	t1=$(cs)
	o1=$(dpstat out_xform)
	A $IP -s xfrm state > /tmp/xs.a
	ax=$(awk '/\(packets\)/ && /\(bytes\)/ {sub(/\(packets\).*/, ""); sub(/.* /, ""); s += $0} END {print s + 0}' /tmp/xs.a)
	kibs=0
	if ! [ -s /tmp/tcp.tx ] || ! cmp -s /tmp/tcp.tx /tmp/tcp.rx; then
		bad "bench-$1" "sent: $(cat /tmp/tcp.tx) received: $(cat /tmp/tcp.rx)"; return
	fi
	d=$((${o1:-0} - ${o0:-0}))
	case $1 in
	pfkeyv2*) [ "$d" -ge $((bytes / 1500)) ] && [ "$ax" = 0 ] ||
		{ bad "bench-$1-protected" "pfkeyv2 out_xform +$d, a's xfrm packets $ax"; return; } ;;
	xfrm*) [ "$d" = 0 ] && [ "$ax" -ge $((bytes / 1500)) ] ||
		{ bad "bench-$1-protected" "pfkeyv2 out_xform +$d, a's xfrm packets $ax"; return; } ;;
	esac
	dt=$((t1 - t0))
	[ "$dt" -gt 0 ] || dt=1
	kibs=$((bytes / 1024 * 100 / dt))
	echo "dp: bench $1 bytes $bytes cs $dt KiB/s $kibs pfkeyv2_out +$d xfrm_a_packets $ax"
	ok "bench-$1"
}
dpbench() {
	bp=0 bx=0 bc=0
	B $IP xfrm state flush; B $IP xfrm policy flush
	brun clear; bc=$kibs
	xfrm_b esp transport 0x1001 0x2002 "$GCM_X" || bad "bench-xfrm-keys-b"
	r=0
	while [ $r -lt "${DPBENCH_REPS:-2}" ]; do
		r=$((r + 1))
		xfrm_a off
		{ echo "flush;"; a_policies esp transport
		  echo "add 10.0.0.1 10.0.0.2 esp 0x1001 -m transport -r 64 $GCM_K;"
		  echo "add 10.0.0.2 10.0.0.1 esp 0x2002 -m transport -r 64 -E aes-gcm-16 $KI;"
		} > /tmp/a.conf
		KA -f /tmp/a.conf || bad "bench-keysh-keys-a"
		xfrm_b esp transport 0x1001 0x2002 "$GCM_X" || bad "bench-xfrm-keys-b"
		brun pfkeyv2-$r; [ "$kibs" -gt "$bp" ] && bp=$kibs
		printf 'flush;\nspdflush;\n' > /tmp/a.conf
		KA -f /tmp/a.conf || bad "bench-keysh-flush-a"
		xfrm_a on || bad "bench-xfrm-keys-a"
		xfrm_b esp transport 0x1001 0x2002 "$GCM_X" || bad "bench-xfrm-keys-b"
		brun xfrm-$r; [ "$kibs" -gt "$bx" ] && bx=$kibs
	done
	xfrm_a off
	echo "dp: bench best KiB/s clear $bc xfrm $bx pfkeyv2 $bp" \
		"pfkeyv2/xfrm $(awk -v p="$bp" -v x="$bx" 'BEGIN {printf "%.3f", x ? p / x : 0}')"
}
DPBENCH_MIB=$(sed -n 's/.*keysh\.dpbench=\([0-9][0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$DPBENCH_MIB" ]; then
	dpbench
	$IP netns del a; $IP netns del b
	[ "$fails" = 0 ]
	exit
fi

# IPv6 on the veth for the topic files: 2001:db8::1 (a) <-> 2001:db8::2 (b),
# no DAD, static neighbours (no ND for the any-protocol policies to meet).
A $IP -6 addr add 2001:db8::1/64 dev va nodad; B $IP -6 addr add 2001:db8::2/64 dev vb nodad
A $IP -6 neigh add 2001:db8::2 lladdr "$(B cat /sys/class/net/vb/address)" dev va nud permanent
B $IP -6 neigh add 2001:db8::1 lladdr "$(A cat /sys/class/net/va/address)" dev vb nud permanent
# GCM-16 transport keys for the negative cases (the matrix, dp-case-matrix.sh,
# covers every algorithm, mode and family)
sas negative-keys esp transport "$GCM_K" "$GCM_X"
B ping -c 1 -W 3 10.0.0.1 > /dev/null 2>&1 || bad "negative-keys-ping"

# ---- negative -------------------------------------------------------------
# inject NAME MODE: dpinj in b re-sends a MODE copy of b's next ESP packet
# (the echo request of one ping from b, which itself must still work).
inject() {
	B dpinj vb "$2" 10 > /tmp/inj.out 2>&1 & inj=$!
	sleep 1
	B ping -c 1 -W 3 10.0.0.1 > /dev/null 2>&1 || bad "$1-original-ping"
	wait "$inj" || bad "$1-injector" "$(cat /tmp/inj.out)"
	sleep 1		# a's worker handles the copy
}
r0=$(dpsa 0x00002002 replay_drop)
inject replay replay
r1=$(dpsa 0x00002002 replay_drop)
if [ "${r1:-0}" = $((${r0:-0} + 1)) ]; then ok "replayed-packet-dropped-counted"
else bad "replayed-packet-dropped-counted" "replay_drop ${r0:-none} -> ${r1:-none}"; fi
r0=$(dpsa 0x00002002 auth_fail)
inject flip flip
r1=$(dpsa 0x00002002 auth_fail)
if [ "${r1:-0}" = $((${r0:-0} + 1)) ]; then ok "flipped-bit-dropped-counted"
else bad "flipped-bit-dropped-counted" "auth_fail ${r0:-none} -> ${r1:-none}"; fi
r0=$(dpstat unknown_spi)
inject unknown-spi spi
r1=$(dpstat unknown_spi)
if [ "${r1:-0}" = $((${r0:-0} + 1)) ]; then ok "unknown-spi-dropped-counted"
else bad "unknown-spi-dropped-counted" "unknown_spi ${r0:-none} -> ${r1:-none}"; fi

# clear text from b where a requires ESP: drop b's out policy, ping must fail
r0=$(dpstat policy_drop)
B $IP xfrm policy delete src 10.0.0.2/32 dst 10.0.0.1/32 dir out
if B ping -c 2 -W 2 10.0.0.1 >/dev/null 2>&1; then bad "clear-text-required-dropped"
else
	r1=$(dpstat policy_drop)
	if [ "${r1:-0}" -ge $((${r0:-0} + 2)) ]; then ok "clear-text-required-dropped-counted"
	else bad "clear-text-required-dropped-counted" "policy_drop ${r0:-none} -> ${r1:-none}"; fi
fi

# ---- lifecycle ------------------------------------------------------------
# ACQUIRE: a has the policies but no SA; the first packet gets no answer
# (held for up to 5 s, then dropped: nothing keys the flow within ping's
# wait; dp-case-acquire.sh tests a held packet released by UPDATE), a
# registered keysh -x sees the ACQUIRE. Then GETSPI makes the larval SA,
# UPDATE completes it (the way an IKE daemon answers) and traffic flows.
xfrm_b esp transport 0x3003 0x4004 "$GCM_X" || bad "acquire-xfrm-keys-b"
{ echo "flush;"; a_policies esp transport; } > /tmp/a.conf
KA -f /tmp/a.conf || bad "acquire-keysh-policies"
A timeout 30 keysh --backend kernel -x --json --type acquire --count 1 > /tmp/acq 2>&1 & mon=$!
sleep 1
n0=$(dpstat no_sa)
A ping -c 1 -W 2 10.0.0.2 > /dev/null 2>&1 && bad "acquire-unkeyed-no-answer"
wait "$mon"
if grep -q '"type":"ACQUIRE"' /tmp/acq && grep -q '"addr":"10.0.0.2"' /tmp/acq; then
	ok "acquire-seen-by-keysh"
else
	bad "acquire-seen-by-keysh" "$(head -c 300 /tmp/acq)"
fi
n1=$(dpstat no_sa)
[ "${n1:-0}" -gt "${n0:-0}" ] && ok "acquire-no-sa-counted" || bad "acquire-no-sa-counted" "${n0:-none} -> ${n1:-none}"
cat > /tmp/a.conf <<EOC
getspi 10.0.0.1 10.0.0.2 esp 0x3003 -m transport;
EOC
KA -f /tmp/a.conf > /tmp/getspi.out 2>&1 || bad "larval-getspi" "$(cat /tmp/getspi.out)"
A ping -c 1 -W 2 10.0.0.2 > /dev/null 2>&1 && bad "larval-sa-not-used"
cat > /tmp/a.conf <<EOC
update 10.0.0.1 10.0.0.2 esp 0x3003 -m transport $GCM_K;
add 10.0.0.2 10.0.0.1 esp 0x4004 -m transport -E aes-gcm-16 $KI;
EOC
KA -f /tmp/a.conf || bad "larval-update"
if A ping -c 2 -W 3 10.0.0.2 > /tmp/ping.ab 2>&1; then ok "larval-update-then-traffic"
else bad "larval-update-then-traffic" "$(tail -n 2 /tmp/ping.ab | tr '\n' ' ')"; fi

# Byte lifetimes: soft 3000, hard 6000 on a's outbound SA; 1028-byte
# packets: soft EXPIRE after the 3rd, hard after the 6th, then the SA is gone.
xfrm_b esp transport 0x5005 0x6006 "$GCM_X" || bad "lifetime-xfrm-keys-b"
{
	echo "flush;"
	a_policies esp transport
	echo "add 10.0.0.1 10.0.0.2 esp 0x5005 -m transport -bs 3000 -bh 6000 $GCM_K;"
	echo "add 10.0.0.2 10.0.0.1 esp 0x6006 -m transport -E aes-gcm-16 $KI;"
} > /tmp/a.conf
KA -f /tmp/a.conf || bad "lifetime-keysh-keys-a"
A timeout 60 keysh --backend kernel -x --json --type expire --count 2 > /tmp/exp 2>&1 & mon=$!
sleep 1
A ping -c 8 -W 2 -s 1000 10.0.0.2 > /tmp/ping.ab 2>&1
wait "$mon"
if grep '"type":"EXPIRE"' /tmp/exp | grep -q '"lifetime_soft"' &&
	grep '"type":"EXPIRE"' /tmp/exp | grep -q '"lifetime_hard"' &&
	grep -q '"spi_hex":"0x00005005"' /tmp/exp; then
	ok "lifetime-bytes-soft-and-hard-expire"
else
	bad "lifetime-bytes-soft-and-hard-expire" "$(cut -c1-200 /tmp/exp)"
fi
if KA -D | grep -q '0x00005005\|spi=20485'; then bad "lifetime-hard-sa-removed"; KA -D
else ok "lifetime-hard-sa-removed"; fi
grep -q ' [3-6] packets received' /tmp/ping.ab && ok "lifetime-traffic-before-hard" ||
	bad "lifetime-traffic-before-hard" "$(tail -n 2 /tmp/ping.ab | tr '\n' ' ')"

# ---- topic files: tests/vm/dp-case-*.sh, shipped as /dp-case-*.sh --------
# Each is sourced here, in name order, with every helper above in scope; each
# leaves namespaces a and b up (veth 10.0.0.1 <-> 10.0.0.2) for what follows.
for f in /dp-case-*.sh; do
	[ -f "$f" ] || continue
	echo "dp: cases from $f"
	. "$f"
done

# ---- discard, unload ----------------------------------------------------
cat > /tmp/a.conf <<EOC
spdflush;
spdadd 10.0.0.1 10.0.0.2 icmp -P out discard;
EOC
KA -f /tmp/a.conf || bad "discard-keysh"
r0=$(dpstat discard)
if A ping -c 2 -W 2 10.0.0.2 >/dev/null 2>&1; then bad "policy-discard"
else
	r1=$(dpstat discard)
	if [ "${r1:-0}" -ge $((${r0:-0} + 2)) ]; then ok "policy-discard-counted"
	else bad "policy-discard-counted" "discard ${r0:-none} -> ${r1:-none}"; fi
fi
dpshow
# Unload while namespace a still holds SAs, policies and data-path state
# (pernet exit of the hooks, then of the core), then reload.
if rmmod pfkeyv2 && insmod /lib/modules/extra/pfkeyv2.ko; then ok unload-reload
else bad unload-reload; fi
$IP netns del a; $IP netns del b
if dmesg | grep -E 'WARNING:|BUG:|Oops|leak|refcount_t|general protection'; then
	bad kernel-log-clean
else
	ok kernel-log-clean
fi
[ "$fails" = 0 ]
