#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# AH + ESP bundle in transport mode (ESP for confidentiality, AH over the
# whole packet), the classic KAME example. Keys from files (see
# host-to-host.sh): esp-*.key 32 bytes for AES-CBC-256, ah-*.key 32 bytes
# for HMAC-SHA-256.
set -eu
A=${A:-192.0.2.1} B=${B:-192.0.2.2}
KEYDIR=${KEYDIR:-/etc/keysh}
KEYSH=${KEYSH:-keysh}
k() { cat "$KEYDIR/$1.key"; }
"$KEYSH" --atomic "$@" -c <<EOF
add $A $B esp 0x3001 -m transport -E aes-cbc 0x$(k esp-out) ;
add $B $A esp 0x3002 -m transport -E aes-cbc 0x$(k esp-in) ;
add $A $B ah 0x3003 -m transport -A hmac-sha256 0x$(k ah-out) ;
add $B $A ah 0x3004 -m transport -A hmac-sha256 0x$(k ah-in) ;
spdadd $A $B any -P out ipsec esp/transport//require ah/transport//require ;
spdadd $B $A any -P in ipsec esp/transport//require ah/transport//require ;
EOF
