#!/bin/bash
# bootc-manager.sh: at boot (bootc-manager.service), enables and starts bootc@NAME.service for
# every /etc/iago/containers/NAME.env, so dropping an env file there and rebooting (or running
# this script) is all it takes to add a container. Starts are queued (--no-block): a slow image
# pull does not hold up the boot, and each unit reports its own failures.
# Exit status: 0 when every unit was queued, 1 when a name was invalid or systemctl failed.
# IAGO_CONTAINERS_DIR moves the env directory (for tests).
set -uo pipefail

CONTAINERS_DIR=${IAGO_CONTAINERS_DIR:-/etc/iago/containers}
NAME_PATTERN='^[A-Za-z0-9][A-Za-z0-9_.-]*$'

status=0
started=0
for file in "$CONTAINERS_DIR"/*.env; do
  [[ -e $file ]] || continue
  name=${file##*/}
  name=${name%.env}
  if ! [[ $name =~ $NAME_PATTERN ]]; then
    printf 'bootc-manager: skipping %s: "%s" is not a valid container name (letters, digits, _ . -)\n' \
      "$file" "$name" >&2
    status=1
    continue
  fi
  printf 'bootc-manager: starting bootc@%s.service\n' "$name"
  if systemctl enable --now --no-block "bootc@$name.service"; then
    started=$((started + 1))
  else
    printf 'bootc-manager: could not enable bootc@%s.service\n' "$name" >&2
    status=1
  fi
done
if ((started == 0 && status == 0)); then
  printf 'bootc-manager: no container env files in %s, nothing to start\n' "$CONTAINERS_DIR"
fi
exit "$status"
