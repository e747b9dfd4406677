#!/bin/bash
# iago status: runs on a machine over SSH (bash -s, as the login user) and prints what the
# machine knows about itself, in sections that start with "::". Read-only. podman needs root:
# with passwordless sudo it is asked about each container; without, the update state files
# (world-readable) stand in.
# IAGO_STATUS_ROOT prefixes the machine's files (tests point it at a directory tree).
r=${IAGO_STATUS_ROOT:-}
echo "::iago-status 1"
echo "::ignition-digest"
# Each output is followed by a line break of its own: a file without a final one must not run
# into the next section's header.
cat "$r/etc/iago/ignition.digest" 2>/dev/null; echo
echo "::failed-units"
systemctl --failed --plain --no-legend --no-pager 2>/dev/null | awk '{print $1}'
podman=""
if [ "$(id -u)" = 0 ]; then podman="podman"; elif sudo -n true 2>/dev/null; then podman="sudo -n podman"; fi
for env in "$r"/etc/iago/containers/*.env; do
  [ -e "$env" ] || continue
  name=${env##*/}; name=${name%.env}
  echo "::container $name"
  echo "::env"
  grep -E '^(CONTAINER_IMAGE|CONTAINER_NAME|UPDATE_STRATEGY)=' "$env"
  echo "::unit"
  systemctl is-active "bootc@$name.service" 2>/dev/null
  cname=$(sed -n 's/^CONTAINER_NAME=//p' "$env" | tail -1)
  echo "::podman"
  if [ -z "$podman" ]; then
    echo "no-root"
  elif [ -n "$cname" ]; then
    $podman container inspect "$cname" 2>/dev/null; echo
    echo "::image"
    image=$($podman container inspect --format '{{.Image}}' "$cname" 2>/dev/null)
    [ -n "$image" ] && $podman image inspect "$image" 2>/dev/null; echo
  fi
  echo "::state"
  cat "$r/var/lib/iago/bootc-update/$name.state" 2>/dev/null; echo
done
echo "::end"
