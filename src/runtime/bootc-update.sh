#!/bin/bash
# bootc-update.sh [NAME...]: updates the bootc containers configured in
# /etc/iago/containers/*.env (or only NAME...). For each one, by its UPDATE_STRATEGY:
#   latest   pull the configured image; pinned  leave it alone; staging  pull REPO:staging.
# When the pulled image differs from the one the container runs, the running image is kept as
# REPO:previous, bootc@NAME.service restarts, and after HEALTH_CHECK_WAIT seconds the unit must
# be active and `podman healthcheck run` must pass (HEALTH_CMD, else the image's HEALTHCHECK;
# HEALTH_CMD=none skips it); otherwise the previous image is tagged back and the unit restarted
# (rollback).
#
# Exit status: 0 when every container is current (updated, unchanged or pinned), 1 when any
# update failed or was rolled back, 2 on a usage error, 75 when another run holds the lock.
# Environment (for tests and unusual layouts): IAGO_CONTAINERS_DIR, BOOTC_UPDATE_STATE_DIR,
# BOOTC_UPDATE_LOCK, BOOTC_UPDATE_SLEEP.

# Not `set -e`: one failing container must not keep the others from updating.
set -uo pipefail

CONTAINERS_DIR=${IAGO_CONTAINERS_DIR:-/etc/iago/containers}
STATE_DIR=${BOOTC_UPDATE_STATE_DIR:-/var/lib/iago/bootc-update}
LOCK_FILE=${BOOTC_UPDATE_LOCK:-/run/lock/iago-bootc-update.lock}
SLEEP=${BOOTC_UPDATE_SLEEP:-sleep}
# A podman container name, which is also a safe systemd instance name and file name.
NAME_PATTERN='^[A-Za-z0-9][A-Za-z0-9_.-]*$'

# log PRIORITY MESSAGE: PRIORITY is info, warning or err. Under systemd, stdout is the journal
# and the <N> prefix sets the entry's priority; run by hand, lines go to the terminal and to
# the journal through logger.
log() {
  local priority=$1 level
  shift
  case $priority in
    err) level=3 ;;
    warning) level=4 ;;
    *) level=6 ;;
  esac
  if [[ -n ${INVOCATION_ID:-} ]]; then
    printf '<%d>%s\n' "$level" "$*"
  else
    if ((level < 6)); then printf '%s\n' "$*" >&2; else printf '%s\n' "$*"; fi
    logger -t bootc-update -p "user.$priority" -- "$*" 2>/dev/null || true
  fi
}

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
# UPDATE_STRATEGY=staging. bootc-run.sh computes the same.
run_ref() {
  if [[ ${UPDATE_STRATEGY:-latest} == staging ]]; then
    printf '%s:staging' "$(image_repo "$CONTAINER_IMAGE")"
  else
    printf '%s' "$CONTAINER_IMAGE"
  fi
}

# short ID: the first 12 hex digits of an image ID, for log lines.
short() {
  local id=${1#sha256:}
  printf '%s' "${id:0:12}"
}

# record NAME RESULT REF ID DETAIL: the last result for NAME, which motd.sh shows.
record() {
  local file="$STATE_DIR/$1.last"
  if ! printf '%s %s %s %s%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$2" "$3" "$(short "${4:-none}")" \
    "${5:+: $5}" 2>/dev/null >"$file.tmp" || ! mv -f "$file.tmp" "$file"; then
    log warning "$1: could not record the result in $file"
  fi
}

# has_health_check NAME: whether the restarted container has a health check to run: HEALTH_CMD
# unless it is `none`; without HEALTH_CMD, the image's own HEALTHCHECK if it has one (else
# only the unit's state counts, and the log says so).
has_health_check() {
  local config
  case ${HEALTH_CMD:-} in
    none) return 1 ;;
    "") ;;
    *) return 0 ;;
  esac
  config=$(podman container inspect --format '{{.Config.Healthcheck}}' "$CONTAINER_NAME" 2>/dev/null) ||
    return 0 # no container to inspect: let the health check itself fail and say why
  if [[ -z $config || $config == "<nil>" ]]; then
    log warning "$1: $CONTAINER_NAME has no health check (no HEALTH_CMD, no HEALTHCHECK in the image); only the unit's state was checked"
    return 1
  fi
}

CHANGED=0

# update_one NAME: updates one container; returns non-zero when it failed or was rolled back.
update_one() {
  local name=$1 env_file="$CONTAINERS_DIR/$1.env" unit="bootc@$1.service"
  local strategy ref repo wait old_id new_id reason
  if ! load_env "$env_file" 2>/dev/null; then
    log err "$name: cannot read $env_file"
    record "$name" failed "-" "" "cannot read $env_file"
    return 1
  fi
  if [[ -z ${CONTAINER_IMAGE:-} ]]; then
    log err "$name: CONTAINER_IMAGE is not set in $env_file"
    record "$name" failed "-" "" "CONTAINER_IMAGE is not set"
    return 1
  fi
  CONTAINER_NAME=${CONTAINER_NAME:-bootc-$name}
  strategy=${UPDATE_STRATEGY:-latest}
  case $strategy in
    pinned)
      log info "$name: UPDATE_STRATEGY=pinned, keeping $CONTAINER_IMAGE"
      record "$name" pinned "$CONTAINER_IMAGE" ""
      return 0
      ;;
    latest | staging) ;;
    *)
      log err "$name: unknown UPDATE_STRATEGY '$strategy' in $env_file (use latest, pinned or staging)"
      record "$name" failed "$CONTAINER_IMAGE" "" "unknown UPDATE_STRATEGY '$strategy'"
      return 1
      ;;
  esac
  if [[ $strategy == latest && $CONTAINER_IMAGE == *@* ]]; then
    log info "$name: $CONTAINER_IMAGE is pinned by digest, nothing to pull"
    record "$name" pinned "$CONTAINER_IMAGE" ""
    return 0
  fi
  wait=${HEALTH_CHECK_WAIT:-30}
  if ! [[ $wait =~ ^[0-9]+$ ]]; then
    log err "$name: HEALTH_CHECK_WAIT must be a whole number of seconds, not '$wait' ($env_file)"
    record "$name" failed "$CONTAINER_IMAGE" "" "bad HEALTH_CHECK_WAIT '$wait'"
    return 1
  fi
  ref=$(run_ref)
  repo=$(image_repo "$ref")

  # The image the container runs now (it may differ from what REF names locally), else REF's.
  old_id=$(podman container inspect --format '{{.Image}}' "$CONTAINER_NAME" 2>/dev/null) ||
    old_id=$(podman image inspect --format '{{.Id}}' "$ref" 2>/dev/null) || old_id=""

  log info "$name: pulling $ref"
  if ! podman pull --quiet "$ref" >/dev/null; then
    log err "$name: pull of $ref failed; $unit keeps running $(short "${old_id:-none}")"
    record "$name" failed "$ref" "$old_id" "pull failed"
    return 1
  fi
  new_id=$(podman image inspect --format '{{.Id}}' "$ref" 2>/dev/null) || new_id=""
  if [[ -z $new_id ]]; then
    log err "$name: $ref is not in local storage after the pull"
    record "$name" failed "$ref" "$old_id" "image missing after pull"
    return 1
  fi
  if [[ $new_id == "$old_id" ]]; then
    log info "$name: $ref is up to date ($(short "$new_id")), not restarting $unit"
    record "$name" unchanged "$ref" "$new_id"
    return 0
  fi

  CHANGED=1
  if [[ -n $old_id ]] && ! podman tag "$old_id" "$repo:previous"; then
    log warning "$name: could not tag $(short "$old_id") as $repo:previous (rollback still uses its ID)"
  fi
  log info "$name: $ref changed $(short "${old_id:-none}") -> $(short "$new_id"), restarting $unit"
  if ! systemctl restart "$unit"; then
    reason="restart of $unit failed"
  else
    log info "$name: waiting ${wait}s before the health check"
    "$SLEEP" "$wait"
    if ! systemctl is-active --quiet "$unit"; then
      reason="$unit is not active ${wait}s after the restart"
    elif has_health_check "$name" && ! podman healthcheck run "$CONTAINER_NAME"; then
      reason="health check of $CONTAINER_NAME failed ${wait}s after the restart"
    else
      log info "$name: updated to $ref $(short "$new_id"), $unit active and healthy"
      record "$name" updated "$ref" "$new_id"
      return 0
    fi
  fi

  if [[ -z $old_id ]]; then
    log err "$name: $reason; no previous image to roll back to, $unit left as it is"
    record "$name" failed "$ref" "$new_id" "$reason; nothing to roll back to"
    return 1
  fi
  log err "$name: $reason; rolling back $ref to $(short "$old_id")"
  podman tag "$old_id" "$ref" || log err "$name: could not tag $(short "$old_id") as $ref"
  if systemctl restart "$unit"; then
    log warning "$name: rolled back to $(short "$old_id") ($repo:previous), $unit restarted"
  else
    log err "$name: rolled back to $(short "$old_id"), but $unit failed to restart"
  fi
  record "$name" rolled-back "$ref" "$old_id" "$reason"
  return 1
}

main() {
  local names=() name file status=0
  for name in "$@"; do
    if ! [[ $name =~ $NAME_PATTERN ]]; then
      log err "invalid container name '$name' (letters, digits, '_', '.', '-'; not starting with a symbol)"
      exit 2
    fi
    if [[ ! -f $CONTAINERS_DIR/$name.env ]]; then
      log err "no $CONTAINERS_DIR/$name.env: '$name' is not a configured container"
      exit 2
    fi
    names+=("$name")
  done

  if ! mkdir -p "$(dirname "$LOCK_FILE")" || ! exec 9>"$LOCK_FILE"; then
    log err "cannot open the lock file $LOCK_FILE"
    exit 1
  fi
  if ! flock --nonblock 9; then
    log err "another bootc-update is running (lock $LOCK_FILE is held); not starting a second one"
    exit 75
  fi

  if (($# == 0)); then
    for file in "$CONTAINERS_DIR"/*.env; do
      [[ -e $file ]] || continue
      name=${file##*/}
      name=${name%.env}
      if ! [[ $name =~ $NAME_PATTERN ]]; then
        log err "skipping $file: '$name' is not a valid container name"
        status=1
        continue
      fi
      names+=("$name")
    done
  fi
  if ((${#names[@]} == 0)); then
    log info "no containers configured in $CONTAINERS_DIR, nothing to update"
    exit "$status"
  fi

  mkdir -p "$STATE_DIR" || log warning "cannot create $STATE_DIR; results will not be recorded"
  for name in "${names[@]}"; do
    update_one "$name" || status=1
  done
  # Untagged images left by updates and rollbacks; current and :previous stay tagged.
  if ((CHANGED)); then podman image prune --force >/dev/null || true; fi
  if ((status == 0)); then log info "bootc-update finished: all containers current"; else
    log err "bootc-update finished with failures"
  fi
  exit "$status"
}

main "$@"
