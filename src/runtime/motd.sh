#!/bin/bash
# motd.sh: a short status of this machine's bootc containers for login shells: machine name,
# and per container its unit state, image, update strategy, the last bootc-update result and
# the last rollback. Runs without root: it reads the env files and bootc-update's NAME.state
# files (both world-readable) and asks systemctl, never podman. IAGO_CONTAINERS_DIR and
# BOOTC_UPDATE_STATE_DIR move the directories it reads (for tests).
set -uo pipefail

CONTAINERS_DIR=${IAGO_CONTAINERS_DIR:-/etc/iago/containers}
STATE_DIR=${BOOTC_UPDATE_STATE_DIR:-/var/lib/iago/bootc-update}
# The keys of bootc-update.sh's NAME.state files that the status shows.
STATE_KEYS="CURRENT_DIGEST LAST_UPDATE_TIME LAST_UPDATE_RESULT LAST_UPDATE_DETAIL LAST_ROLLBACK_TIME LAST_ROLLBACK_REASON PENDING_ID PENDING_SINCE"

# load_env FILE [KEYS]: reads the KEY=VALUE lines of FILE (systemd EnvironmentFile syntax:
# comments, one level of quotes, no expansion) into the variables named in KEYS (default: the
# container env file's keys below), after clearing them. The file is data: it is never
# sourced, so nothing in it runs. Also reads bootc-update's state files (NAME.state).
ENV_KEYS="CONTAINER_IMAGE CONTAINER_NAME MACHINE_NAME HEALTH_CHECK_WAIT UPDATE_STRATEGY HEALTH_CMD HEALTH_INTERVAL HEALTH_RETRIES HEALTH_START_PERIOD HEALTH_ON_FAILURE MOUNT_HOST_ETC PODMAN_ARGS"
load_env() {
  local keys=${2:-$ENV_KEYS} line key value
  for key in $keys; do unset "$key"; done
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*=[[:space:]]*(.*)$ ]] || continue
    key=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    value=${value%"${value##*[![:space:]]}"}
    if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then value=${BASH_REMATCH[1]}; fi
    case " $keys " in *" $key "*) printf -v "$key" '%s' "$value" ;; esac
  done <"$1"
}

# image_repo REF: the repository of an image reference, without tag or digest
# (registry.example:5000/team/app:1.2 -> registry.example:5000/team/app).
image_repo() {
  local ref=${1%%@*}
  if [[ ${ref##*/} == *:* ]]; then ref=${ref%:*}; fi
  printf '%s' "$ref"
}

# run_ref: the image the container runs: CONTAINER_IMAGE, or REPO:staging under
# UPDATE_STRATEGY=staging. bootc-run.sh runs it.
run_ref() {
  if [[ ${UPDATE_STRATEGY:-latest} == staging ]]; then
    printf '%s:staging' "$(image_repo "$CONTAINER_IMAGE")"
  else
    printf '%s' "$CONTAINER_IMAGE"
  fi
}

printf 'iago machine %s\n' "$(uname -n)"
count=0
for file in "$CONTAINERS_DIR"/*.env; do
  [[ -r $file ]] || continue
  name=${file##*/}
  name=${name%.env}
  count=$((count + 1))
  load_env "$file"
  state=$(systemctl is-active "bootc@$name.service" 2>/dev/null) || true
  image="(CONTAINER_IMAGE not set)"
  [[ -n ${CONTAINER_IMAGE:-} ]] && image=$(run_ref)
  printf '  bootc@%s: %s, %s (updates: %s)\n' "$name" "${state:-unknown}" "$image" \
    "${UPDATE_STRATEGY:-latest}"
  load_env /dev/null "$STATE_KEYS"
  if [[ -r $STATE_DIR/$name.state ]]; then load_env "$STATE_DIR/$name.state" "$STATE_KEYS"; fi
  if [[ -n ${LAST_UPDATE_TIME:-} ]]; then
    printf '    last update: %s %s%s%s\n' "$LAST_UPDATE_TIME" "$LAST_UPDATE_RESULT" \
      "${CURRENT_DIGEST:+, running ${CURRENT_DIGEST:0:19}}" "${LAST_UPDATE_DETAIL:+: $LAST_UPDATE_DETAIL}"
  else
    printf '    last update: never\n'
  fi
  if [[ -n ${LAST_ROLLBACK_TIME:-} ]]; then
    printf '    ROLLED BACK %s: %s\n' "$LAST_ROLLBACK_TIME" "$LAST_ROLLBACK_REASON"
  fi
  if [[ -n ${PENDING_ID:-} ]]; then
    printf '    update interrupted at %s before its health check; the next bootc-update run checks it\n' \
      "$PENDING_SINCE"
  fi
done
if ((count == 0)); then
  printf '  no containers configured in %s\n' "$CONTAINERS_DIR"
fi
printf '  rollback and emergency commands: /etc/iago/rollback-instructions.txt\n'
