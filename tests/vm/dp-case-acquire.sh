# SPDX-License-Identifier: BSD-2-Clause
# dp-case-acquire.sh: ACQUIRE holding the packet (issue 7), sourced by dp.sh
# after its lifecycle section (helpers A, B, KA, xfrm_b, a_policies, dpstat,
# ok, bad, GCM_X, GCM_K, KI in scope). pfkeyv2 keeps the first packets of an
# unkeyed flow (at most 4 per address pair, 5 s: PFKM_DP_HOLD_*) and sends
# them once an SA exists:
#   hold-first-ping-answered   one echo request (ping -c 1), sent before any
#                              SA: keysh -x sees the ACQUIRE, GETSPI + UPDATE
#                              (and the inbound ADD) follow, and that very
#                              request is answered; hold/hold_sent counted
#   hold-bounded-and-timeout   six requests at once with no SA: four held, two
#                              not; none answered; after the hold time the
#                              four are dropped and counted in hold_timeout
# Leaves a with the policies of 10.0.0.1 <-> 10.0.0.2 and no SA.

# held_now -> packets pfkeyv2 holds at the moment
held_now() { echo $(($(dpstat hold) - $(dpstat hold_sent) - $(dpstat hold_timeout))); }
# what earlier cases left held (their pings after a hard expiry) goes first
i=0
while [ "$(held_now)" != 0 ] && [ $i -lt 80 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(held_now)" = 0 ] || bad "hold-queue-drains" "still held: $(held_now)"

xfrm_b esp transport 0x7007 0x8008 "$GCM_X" || bad "hold-xfrm-keys-b"
{ echo "flush;"; a_policies esp transport; } > /tmp/a.conf
KA -f /tmp/a.conf || bad "hold-keysh-policies"
h0=$(dpstat hold) s0=$(dpstat hold_sent)
A timeout 30 keysh --backend kernel -x --json --type acquire --count 1 > /tmp/acq.hold 2>&1 & mon=$!
sleep 1
# one request only: a reply can only be the answer to the held packet
A ping -c 1 -W 20 10.0.0.2 > /tmp/ping.hold 2>&1 & png=$!
wait "$mon"
grep -q '"type":"ACQUIRE"' /tmp/acq.hold || bad "hold-acquire-seen" "$(head -c 300 /tmp/acq.hold)"
cat > /tmp/a.conf <<EOC
getspi 10.0.0.1 10.0.0.2 esp 0x7007 -m transport;
update 10.0.0.1 10.0.0.2 esp 0x7007 -m transport $GCM_K;
add 10.0.0.2 10.0.0.1 esp 0x8008 -m transport -E aes-gcm-16 $KI;
EOC
KA -f /tmp/a.conf > /tmp/keys.hold 2>&1 || bad "hold-keysh-update" "$(cat /tmp/keys.hold)"
if wait "$png"; then ok "hold-first-ping-answered"
else bad "hold-first-ping-answered" "$(tail -n 2 /tmp/ping.hold | tr '\n' ' ')"; fi
h1=$(dpstat hold) s1=$(dpstat hold_sent)
if [ $((${h1:-0} - ${h0:-0})) = 1 ] && [ $((${s1:-0} - ${s0:-0})) = 1 ]; then
	ok "hold-counted-held-1-sent-1"
else
	bad "hold-counted" "hold ${h0:-none} -> ${h1:-none}, hold_sent ${s0:-none} -> ${s1:-none}"
fi
n=$(dpsa 0x00007007 packets)
[ "${n:-0}" -ge 1 ] && ok "hold-sent-through-sa-$n" || bad "hold-sent-through-sa" "packets=${n:-none}"

# No SA at all now: a burst of six requests (six ping processes), then the
# hold time passes.
printf 'flush;\n' > /tmp/a.conf
KA -f /tmp/a.conf || bad "hold-keysh-flush"
h0=$(dpstat hold) t0=$(dpstat hold_timeout) s0=$(dpstat hold_sent)
pids=
for i in 1 2 3 4 5 6; do
	A ping -c 1 -W 1 10.0.0.2 > /tmp/ping.burst.$i 2>&1 & pids="$pids $!"
done
answered=0
for p in $pids; do wait "$p" && answered=$((answered + 1)); done
h1=$(dpstat hold)
sleep 7		# PFKM_DP_HOLD_MS 5000 and the 100 ms poll, with TCG slack
t1=$(dpstat hold_timeout) s1=$(dpstat hold_sent)
if [ "$answered" = 0 ] && [ $((${h1:-0} - ${h0:-0})) = 4 ] &&
	[ $((${t1:-0} - ${t0:-0})) = 4 ] && [ "${s1:-x}" = "${s0:-y}" ]; then
	ok "hold-bounded-4-and-timeout-counted"
else
	bad "hold-bounded-and-timeout" "answered $answered, hold ${h0:-none} -> ${h1:-none}, hold_timeout ${t0:-none} -> ${t1:-none}, hold_sent ${s0:-none} -> ${s1:-none}"
fi
