#!/usr/bin/env bash
# Installs or upgrades the Cualify Appliance as a systemd service. Run as root:
#   sudo ./install.sh [--from DIR]
# First install: service user, program in /opt, settings in /etc (created once), data in /var/lib, the
# hardened unit, and `init`, which prints the first admin key once. Upgrade (same command with a newer
# build): replaces the program and the unit, applies migrations, keeps the data and the settings.
# Every path can be changed (the tests install into a scratch folder); --help lists them.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=layout.sh
. "$here/layout.sh"
from=""
start=yes

usage() {
  cat <<USAGE
Usage: sudo $0 [options]
  --from DIR          published build to install (default: beside this script, else artifacts/publish/linux-x64)
  --bin-dir DIR       program folder (default $bin_dir)
  --config-dir DIR    settings folder (default $config_dir)
  --data-dir DIR      store, logs and secret key (default $data_dir)
  --backup-dir DIR    folder the service user may write backups to (default $backup_dir)
  --unit-dir DIR      where the systemd unit goes (default $unit_dir)
  --command-link PATH the admin command that runs verbs as the service user (default $command_link; 'none' to skip)
  --user NAME         service user (default $user)
  --no-start          install and enable, but do not start the service
  --skip-systemctl    never call systemctl (staging into scratch folders, tests)
USAGE
}

while [ $# -gt 0 ]; do
  take_layout_option "$1" "${2-}"
  if [ "$layout_words" -gt 0 ]; then shift "$layout_words"; continue; fi
  case "$1" in
    --from) from=$2; shift 2 ;;
    --no-start) start=no; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "Unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

say() { echo "==> $*"; }
die() { echo "error: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (sudo $0 $*): it creates a service user and writes to system folders"

if [ -z "$from" ]; then
  if [ -x "$here/cualify-appliance" ]; then from=$here
  elif [ -x "$here/../../artifacts/publish/linux-x64/cualify-appliance" ]; then from=$here/../../artifacts/publish/linux-x64
  else die "no build found; publish one (dotnet publish src/Appliance -p:PublishProfile=linux-x64) or pass --from DIR"
  fi
fi
from=$(cd "$from" && pwd)
[ -x "$from/cualify-appliance" ] || die "$from/cualify-appliance is missing or not executable"
[ -f "$from/config/appsettings.json" ] || die "$from/config/appsettings.json is missing: --from must be a whole publish folder"
version=$("$from/cualify-appliance" --version) || die "$from/cualify-appliance does not run on this machine (is libicu installed? apt-get install libicu72)"

# SIP calls speak playbook texts with espeak-ng (Speech:EspeakPath, else PATH); the other providers do not need it.
if ! command -v espeak-ng >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    say "Installing espeak-ng (text-to-speech for SIP calls)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q espeak-ng >/dev/null || say "warning: espeak-ng could not be installed; SIP calls cannot speak texts until it is (apt-get install espeak-ng)"
  else
    say "warning: espeak-ng is not installed; SIP calls need it to speak playbook texts (install it, or set Speech:EspeakPath)"
  fi
fi

settle_layout
config_file=$config_dir/appsettings.json
exe=$bin_dir/cualify-appliance
upgrade=no
[ -x "$exe" ] && upgrade=yes
if [ "$upgrade" = yes ]; then say "Upgrading $exe ($("$exe" --version 2>/dev/null || echo unknown)) to $version"; else say "Installing Cualify Appliance $version"; fi

# 1. The service user: a system account with no shell and no home of its own.
if id -u "$user" >/dev/null 2>&1; then
  say "Service user '$user' exists"
else
  useradd --system --user-group --home-dir "$data_dir" --no-create-home --shell /usr/sbin/nologin \
    --comment "Cualify Appliance service" "$user"
  say "Created service user '$user'"
fi

# 2. Stop a running service before its program is replaced (systemd only).
was_active=no
if [ "$systemd_running" = yes ] && systemctl is-active --quiet cualify-appliance 2>/dev/null; then
  was_active=yes
  say "Stopping the running service for the upgrade"
  systemctl stop cualify-appliance
fi

# 3. The program: copied beside the old one, then swapped in, so a failed copy never leaves half a program.
# Owned by root and read-only to the service user, which cannot change its own code.
mkdir -p "$(dirname "$bin_dir")"
rm -rf "$bin_dir.new"
cp -a "$from/." "$bin_dir.new/"
chown -R root:root "$bin_dir.new"
find "$bin_dir.new" -type d -exec chmod 755 {} +
find "$bin_dir.new" -type f -exec chmod 644 {} +
chmod 755 "$bin_dir.new/cualify-appliance"
rm -f "$bin_dir.new"/*.pdb
if [ -d "$bin_dir" ]; then
  rm -rf "$bin_dir.old"
  mv "$bin_dir" "$bin_dir.old"
fi
mv "$bin_dir.new" "$bin_dir"
rm -rf "$bin_dir.old"
say "Program installed in $bin_dir"

# 4. Settings: created once from the template, never overwritten; the current template is kept beside it.
install -d -m 755 -o root -g root "$config_dir"
install -m 644 -o root -g root "$here/appsettings.json" "$config_dir/appsettings.example.json"
if [ -f "$config_file" ]; then
  say "Kept your settings $config_file (the current template is $config_dir/appsettings.example.json)"
else
  # Readable by the service user only: it may hold SMTP or trunk passwords.
  install -m 640 -o root -g "$user" "$here/appsettings.json" "$config_file"
  say "Created settings $config_file"
fi

# 5. Data and backup folders, private to the service user.
install -d -m 750 -o "$user" -g "$user" "$data_dir"
install -d -m 700 -o "$user" -g "$user" "$backup_dir"
say "Data folder $data_dir and backup folder $backup_dir belong to '$user'"

as_user() { runuser -u "$user" -- "$exe" "$@" --data-dir "$data_dir" --config "$config_file"; }

# 6. The store: init on a fresh data folder (prints the first admin key once); otherwise migrate it.
if [ -f "$data_dir/appliance.db" ]; then
  say "Kept the store $data_dir/appliance.db; applying migrations"
  as_user migrate
else
  init_log=$(mktemp)
  key=$(as_user init 2>"$init_log") || { cat "$init_log" >&2; rm -f "$init_log"; die "init failed (above)"; }
  rm -f "$init_log"
  echo
  echo "=================== FIRST ADMIN KEY — shown only this once ==================="
  echo "$key"
  echo "  Store it in your password manager now. Org 'default' uses it for the API:"
  echo "  curl -H \"Authorization: Bearer \$KEY\" http://127.0.0.1:8080/api/v1/api-keys/check"
  echo "=============================================================================="
  echo
fi

# 7. The admin command: runs any verb as the service user with this install's data and settings.
if [ "$command_link" != none ]; then
  mkdir -p "$(dirname "$command_link")"
  cat > "$command_link" <<WRAPPER
#!/bin/sh
# Cualify Appliance admin command (written by install.sh): runs a verb as the service user '$user'
# with the installed data folder and settings, e.g.  sudo cualify-appliance doctor
set -e
case "\$(id -un)" in
  root) exec runuser -u '$user' -- '$exe' "\$@" --data-dir '$data_dir' --config '$config_file' ;;
  '$user') exec '$exe' "\$@" --data-dir '$data_dir' --config '$config_file' ;;
  *) echo "Run it with sudo: sudo cualify-appliance \$*" >&2; exit 1 ;;
esac
WRAPPER
  chmod 755 "$command_link"
  say "Admin command: sudo $command_link doctor | backup --out $backup_dir/FILE.db | keys … | orgs …"
fi

# 8. The unit.
install -d -m 755 "$unit_dir"
sed -e "s|@BIN_DIR@|$bin_dir|g" -e "s|@DATA_DIR@|$data_dir|g" -e "s|@CONFIG_FILE@|$config_file|g" -e "s|@USER@|$user|g" \
  "$here/cualify-appliance.service" > "$unit.tmp"
chmod 644 "$unit.tmp"
mv "$unit.tmp" "$unit"
say "Unit $unit"
if command -v systemd-analyze >/dev/null 2>&1; then
  if ! systemd-analyze verify "$unit"; then
    echo "warning: systemd-analyze verify reported problems with $unit (above)" >&2
  fi
fi

# 9. Register and start — only where systemd is the running service manager.
if [ "$systemd_running" = yes ]; then
  systemctl daemon-reload
  systemctl enable cualify-appliance >/dev/null
  if [ "$start" = yes ] || [ "$was_active" = yes ]; then
    systemctl restart cualify-appliance
    say "Service enabled and started: systemctl status cualify-appliance; logs in $data_dir/logs"
  else
    say "Service enabled (not started: --no-start)"
  fi
elif [ "$systemctl_wanted" = no ]; then
  say "--skip-systemctl: skipped systemctl daemon-reload, enable and start."
else
  pid1=$(cat /proc/1/comm 2>/dev/null || echo unknown)
  say "systemd is not running on this machine (PID 1 is '$pid1'): skipped systemctl daemon-reload, enable and start."
  echo "    The unit is in place for when it does. To run the appliance now, as the service would:"
  echo "    runuser -u $user -- $exe run --data-dir $data_dir --config $config_file"
fi

say "Check the installation any time with: sudo ${command_link/#none/$exe} doctor"
