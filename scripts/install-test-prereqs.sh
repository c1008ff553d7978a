#!/usr/bin/env bash
# Installs the programs the test suite talks to: sipp and baresip (SIP peers), kamailio (SIP proxy),
# aiosmtpd (SMTP server), dovecot (IMAP server), espeak-ng and sox (speech), chromium (browser tests),
# PostgreSQL (the shared store), systemd-analyze (checks the installer's unit) and PowerShell (parses
# the Windows installer scripts; a .NET global tool), Redocly CLI and Kiota (API-description tests, in tools/).
# Does nothing when they are already there.
set -euo pipefail

missing=()

install_api_tools() {
  if [ ! -x "$repo/tools/redocly/node_modules/.bin/redocly" ]; then
    echo "Installing Redocly CLI 2.77.0 into tools/redocly"
    npm install --prefix "$repo/tools/redocly" --no-audit --no-fund --loglevel=error @redocly/cli@2.77.0 >/dev/null
  fi
  if [ ! -x "$repo/tools/kiota/kiota" ]; then
    echo "Installing Kiota 1.38.0 into tools/kiota"
    dotnet tool install --tool-path "$repo/tools/kiota" Microsoft.OpenApi.Kiota --version 1.38.0 >/dev/null
  fi
}
command -v sipp >/dev/null 2>&1 || missing+=(sip-tester)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd dovecot-core)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v sox >/dev/null 2>&1 || missing+=(sox)
command -v baresip >/dev/null 2>&1 || missing+=(baresip)
[ -x /usr/sbin/kamailio ] || missing+=(kamailio)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql)

# PowerShell from NuGet (not packaged by Debian), as a .NET global tool in ~/.dotnet/tools.
if ! command -v pwsh >/dev/null 2>&1 && [ ! -x "$HOME/.dotnet/tools/pwsh" ]; then
  echo "Installing PowerShell (dotnet tool) for the Windows installer script checks"
  dotnet tool install --global PowerShell --version 7.6.9 >/dev/null
fi

# API-description tools, into the repository's git-ignored tools/ folder (nothing global): Redocly CLI (npm)
# lints the served OpenAPI document, Kiota (a .NET tool) generates the client the quickstart test compiles.
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -x "$repo/tools/redocly/node_modules/.bin/redocly" ]; then
  command -v npm >/dev/null 2>&1 || missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  install_api_tools

  echo "Test prerequisites present: sipp, baresip, kamailio, aiosmtpd, dovecot, espeak-ng, sox, chromium, postgresql, systemd-analyze, pwsh, redocly, kiota"
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
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}"
install_api_tools
