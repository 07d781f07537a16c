#!/bin/sh
# probe-ports.sh ADDRESS SNI SHA256 PORT...: each port must serve the leaf SHA256 (openssl
# s_client with SNI); each is retried every 0.2 s, at most 50 times (10 s). Exit 1 otherwise.
set -u
addr=$1 sni=$2 want=$3
shift 3
for port in "$@"; do
  ok=
  i=0
  while [ $i -lt 50 ]; do
    fp=$(openssl s_client -connect "$addr:$port" -servername "$sni" </dev/null 2>/dev/null |
      openssl x509 -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
    if [ "$fp" = "$want" ]; then ok=1; break; fi
    i=$((i + 1))
    sleep 0.2
  done
  [ -n "$ok" ] || { echo "$addr:$port serves ${fp:-nothing}, expected $want" >&2; exit 1; }
done
