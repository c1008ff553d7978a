#!/usr/bin/env bash
# Installs the programs the test suite talks to: sipp (SIP peer), aiosmtpd (SMTP server),
# dovecot (IMAP server). Does nothing when they are already there.
set -euo pipefail

packages=(sip-tester python3-aiosmtpd dovecot-imapd dovecot-core)
missing=()
command -v sipp >/dev/null 2>&1 || missing+=(sip-tester)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd dovecot-core)

if [ ${#missing[@]} -eq 0 ]; then
  echo "Test prerequisites present: sipp, aiosmtpd, dovecot"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "Need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi

echo "Installing test prerequisites: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The services these packages ship are started by the tests themselves, on private configs and loopback ports.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
fi
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "Installed: ${missing[*]}"
