#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Host-to-host transport mode, ESP with AES-GCM-16 (RFC 4106), between
# 192.0.2.1 (LOCAL) and 192.0.2.2 (REMOTE). Run the same script on both hosts
# with LOCAL/REMOTE swapped. Keys come from files, never from the command
# line (argv is visible to every user in ps): create them once with
#   umask 077; openssl rand -hex 36 > out.key; openssl rand -hex 36 > in.key
# (288 bits = 256-bit AES key + 32-bit salt) and copy them to the peer
# swapped (its in.key is our out.key).
set -eu
LOCAL=${LOCAL:-192.0.2.1}
REMOTE=${REMOTE:-192.0.2.2}
KEYDIR=${KEYDIR:-/etc/keysh}
KEYSH=${KEYSH:-keysh}
out=$(cat "$KEYDIR/out.key")
in=$(cat "$KEYDIR/in.key")
# The statements go to keysh on stdin: a here-document, not argv.
"$KEYSH" --atomic "$@" -c <<EOF
add $LOCAL $REMOTE esp 0x1001 -m transport -E aes-gcm-16 0x$out ;
add $REMOTE $LOCAL esp 0x1002 -m transport -E aes-gcm-16 0x$in ;
spdadd $LOCAL $REMOTE any -P out ipsec esp/transport//require ;
spdadd $REMOTE $LOCAL any -P in ipsec esp/transport//require ;
EOF
