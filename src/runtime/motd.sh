#!/bin/bash
# motd.sh: a short status of this machine's bootc containers for login shells: machine name,
# and per container its unit state, image, update strategy and the last bootc-update result.
# Runs without root: it reads the env files and bootc-update's results (both world-readable)
# and asks systemctl, never podman. IAGO_CONTAINERS_DIR and BOOTC_UPDATE_STATE_DIR move the
# directories it reads (for tests).
set -uo pipefail

CONTAINERS_DIR=${IAGO_CONTAINERS_DIR:-/etc/iago/containers}
STATE_DIR=${BOOTC_UPDATE_STATE_DIR:-/var/lib/iago/bootc-update}

# load_env FILE: reads the KEY=VALUE lines of a container env file (systemd EnvironmentFile
# syntax: comments, one level of quotes, no expansion) into the variables below, after
# clearing them. The file is data: it is never sourced, so nothing in it runs.
ENV_KEYS="CONTAINER_IMAGE CONTAINER_NAME MACHINE_NAME HEALTH_CHECK_WAIT UPDATE_STRATEGY HEALTH_CMD HEALTH_INTERVAL HEALTH_RETRIES HEALTH_START_PERIOD PODMAN_ARGS"
load_env() {
  local line key value
  for key in $ENV_KEYS; do unset "$key"; done
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*=[[:space:]]*(.*)$ ]] || continue
    key=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    value=${value%"${value##*[![:space:]]}"}
    if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then value=${BASH_REMATCH[1]}; fi
    case " $ENV_KEYS " in *" $key "*) printf -v "$key" '%s' "$value" ;; esac
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
  last="never"
  [[ -r $STATE_DIR/$name.last ]] && read -r last <"$STATE_DIR/$name.last"
  printf '  bootc@%s: %s, %s (updates: %s)\n' "$name" "${state:-unknown}" "$image" \
    "${UPDATE_STRATEGY:-latest}"
  printf '    last update: %s\n' "$last"
done
if ((count == 0)); then
  printf '  no containers configured in %s\n' "$CONTAINERS_DIR"
fi
printf '  rollback and emergency commands: /etc/iago/rollback-instructions.txt\n'
