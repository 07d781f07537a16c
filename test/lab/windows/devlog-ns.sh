#!/bin/sh
# Runs "$@" (the simulated Windows host's sshd) in its own mount namespace (start it with
# `unshare -m --propagation private`) whose /dev/log is the host's own socket: PowerShell on Linux
# logs only to syslog(3), which always writes to /dev/log, so this is how each simulated host gets
# its PowerShell log (script block and module logging) into <simroot>/log/ without a syslog
# daemon and without touching the machine's /dev.
#   devlog-ns.sh SOCKET STAGE-DIR COMMAND...
set -eu
sock=$1 stage=$2
shift 2
mkdir -p "$stage"
# The machine's /dev, seen at $stage, while a small /dev of our own goes over it.
mount --rbind /dev "$stage"
mount -t tmpfs -o mode=755,size=64k certroll-dev /dev
for n in null zero full random urandom tty ptmx; do
  [ -e "$stage/$n" ] || continue
  : > "/dev/$n"
  mount --bind "$stage/$n" "/dev/$n"
done
for d in pts shm; do
  mkdir "/dev/$d"
  mount --rbind "$stage/$d" "/dev/$d"
done
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
ln -s "$sock" /dev/log
umount -l "$stage"
exec "$@"
