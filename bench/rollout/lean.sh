#!/bin/sh
# lean.sh NAME ADDRESS SSH_PORT IDENTITY CERT KEY PREFIX CONF: one host, the leanest way. One ssh runs
# every step (back up, write the new files from stdin, nginx -t, reload), then every port is
# probed from here; on failure a second ssh restores the backup and reloads.
# Environment: KNOWN_HOSTS NEW_FULLCHAIN NEW_KEY SNI EXPECTED PORTS PROBE.
set -u
name=$1 addr=$2 port=$3 identity=$4 cert=$5 key=$6 prefix=$7 conf=$8
nginx="/usr/sbin/nginx -p $prefix -e $prefix/error.log -c $conf"
remote() {
  ssh -i "$identity" -o UserKnownHostsFile="$KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
    -o BatchMode=yes -o ConnectTimeout=5 -p "$port" "root@$addr" "$@"
}
restore="cp -p '$cert.bak' '$cert' && cp -p '$key.bak' '$key' && $nginx -t 2>/dev/null && $nginx -s reload"
{
  echo "set -e; umask 077"
  echo "cp -p '$cert' '$cert.bak'; cp -p '$key' '$key.bak'"
  echo "cat > '$cert.new' <<'CERTROLL_BENCH_EOF'"
  cat "$NEW_FULLCHAIN"
  echo "CERTROLL_BENCH_EOF"
  echo "cat > '$key.new' <<'CERTROLL_BENCH_EOF'"
  cat "$NEW_KEY"
  echo "CERTROLL_BENCH_EOF"
  echo "chmod 644 '$cert.new'; mv -f '$cert.new' '$cert'; mv -f '$key.new' '$key'"
  echo "if ! $nginx -t 2>/dev/null; then $restore; exit 1; fi"
  echo "$nginx -s reload"
} | remote sh -s || { echo "$name: apply failed" >&2; exit 1; }
# shellcheck disable=SC2086 # PORTS is a list
if sh "$PROBE" "$addr" "$SNI" "$EXPECTED" $PORTS; then exit 0; fi
remote "$restore"
echo "$name: not verified; backup restored" >&2
exit 1
