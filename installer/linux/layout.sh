# The installed layout, shared by install.sh and uninstall.sh (sourced, not run): the default paths, the options
# that move them, and what follows from them.

bin_dir=/opt/cualify-appliance
config_dir=/etc/cualify-appliance
data_dir=/var/lib/cualify-appliance
backup_dir=/var/backups/cualify-appliance
unit_dir=/etc/systemd/system
command_link=/usr/local/bin/cualify-appliance
user=cualify
systemctl_wanted=yes

# Applies one layout option ("$1", its value "$2"); sets layout_words to how many words it took, 0 when "$1" is
# not a layout option.
take_layout_option() {
  layout_words=2
  case "$1" in
    --bin-dir) bin_dir=$2 ;;
    --config-dir) config_dir=$2 ;;
    --data-dir) data_dir=$2 ;;
    --backup-dir) backup_dir=$2 ;;
    --unit-dir) unit_dir=$2 ;;
    --command-link) command_link=$2 ;;
    --user) user=$2 ;;
    --skip-systemctl) systemctl_wanted=no; layout_words=1 ;;
    *) layout_words=0 ;;
  esac
}

# Call once the options are read.
settle_layout() {
  unit=$unit_dir/cualify-appliance.service
  systemd_running=no
  if [ -d /run/systemd/system ] && [ "$systemctl_wanted" = yes ]; then systemd_running=yes; fi
}
