#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Gateway-to-gateway tunnel: 10.1.0.0/24 behind 198.51.100.1 (this gateway)
# and 10.2.0.0/24 behind 203.0.113.1, ESP tunnel mode with AES-CBC-256 and
# HMAC-SHA-256. Keys from files (see host-to-host.sh): enc keys 32 bytes
# (openssl rand -hex 32), auth keys 32 bytes.
set -eu
GW_L=${GW_L:-198.51.100.1} NET_L=${NET_L:-10.1.0.0/24}
GW_R=${GW_R:-203.0.113.1} NET_R=${NET_R:-10.2.0.0/24}
KEYDIR=${KEYDIR:-/etc/keysh}
KEYSH=${KEYSH:-keysh}
eo=$(cat "$KEYDIR/enc-out.key") ao=$(cat "$KEYDIR/auth-out.key")
ei=$(cat "$KEYDIR/enc-in.key") ai=$(cat "$KEYDIR/auth-in.key")
"$KEYSH" --atomic "$@" -c <<EOF
add $GW_L $GW_R esp 0x2001 -m tunnel -u 100
	-E aes-cbc 0x$eo -A hmac-sha256 0x$ao ;
add $GW_R $GW_L esp 0x2002 -m tunnel -u 101
	-E aes-cbc 0x$ei -A hmac-sha256 0x$ai ;
spdadd $NET_L $NET_R any -P out ipsec esp/tunnel/$GW_L-$GW_R/unique:100 ;
spdadd $NET_R $NET_L any -P in ipsec esp/tunnel/$GW_R-$GW_L/unique:101 ;
spdadd $NET_R $NET_L any -P fwd ipsec esp/tunnel/$GW_R-$GW_L/unique:101 ;
EOF
