#!/usr/bin/env bash
# Installs the Debian packages the test lab runs (OpenSSH server, nginx, haproxy) when they are
# missing. Without root or apt-get it says exactly what to install and fails.
set -euo pipefail
missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)
[ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# haproxy's runtime API (set ssl cert) is driven through socat by the haproxy playbook.
command -v socat >/dev/null 2>&1 || missing+=(socat)
# The HTML reports are checked in a real headless browser (test/e2e/report-lab.test.ts).
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# The process budgets of certroll's host scripts and playbook steps count the programs they start
# with strace.
command -v strace >/dev/null 2>&1 || missing+=(strace)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing lab packages: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "The test lab needs these Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
