#!/usr/bin/env bash
# Removes the Cualify Appliance service and program. Keeps the data (store, secret key, logs), the
# backups and the settings, so a later install picks up where this one stopped — unless --purge.
#   sudo ./uninstall.sh [--purge]
# Takes the same path options as install.sh when it was installed elsewhere.
set -euo pipefail

# shellcheck source=layout.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/layout.sh"
purge=no

while [ $# -gt 0 ]; do
  take_layout_option "$1" "${2-}"
  if [ "$layout_words" -gt 0 ]; then shift "$layout_words"; continue; fi
  case "$1" in
    --purge) purge=yes; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "Unknown option: $1" >&2; exit 2 ;;
  esac
done

say() { echo "==> $*"; }
[ "$(id -u)" -eq 0 ] || { echo "error: run as root (sudo $0)" >&2; exit 1; }

settle_layout
if [ "$systemd_running" = yes ]; then
  systemctl disable --now cualify-appliance 2>/dev/null || true
  say "Service stopped and disabled"
elif [ "$systemctl_wanted" = no ]; then
  say "--skip-systemctl: skipped systemctl stop and disable"
else
  say "systemd is not running on this machine (PID 1 is '$(cat /proc/1/comm 2>/dev/null || echo unknown)'): skipped systemctl stop, disable and daemon-reload (stop any appliance you started yourself)"
fi

rm -f "$unit"
rm -rf "$unit_dir/cualify-appliance.service.d"
if [ "$systemd_running" = yes ]; then systemctl daemon-reload; fi
say "Removed the unit $unit"

rm -rf "$bin_dir" "$bin_dir.new" "$bin_dir.old"
say "Removed the program $bin_dir"
if [ "$command_link" != none ] && [ -f "$command_link" ] && grep -q "written by install.sh" "$command_link"; then
  rm -f "$command_link"
  say "Removed the admin command $command_link"
fi

if [ "$purge" = yes ]; then
  rm -rf "$data_dir" "$config_dir" "$backup_dir"
  if id -u "$user" >/dev/null 2>&1; then
    userdel "$user" 2>/dev/null || true
    getent group "$user" >/dev/null && groupdel "$user" 2>/dev/null || true
  fi
  say "Purged: data $data_dir, settings $config_dir, backups $backup_dir and user '$user' are gone"
else
  say "Kept: data $data_dir (store, secrets.key, logs), settings $config_dir, backups $backup_dir, user '$user'."
  echo "    Reinstalling picks them up again. To delete them too: $0 --purge"
fi
