#!/bin/bash
# bootc-update.sh [NAME...]: updates the bootc containers configured in
# /etc/iago/containers/*.env (or only NAME...). For each one, by its UPDATE_STRATEGY:
#   latest   pull the configured image; pinned  leave it alone; staging  pull REPO:staging.
# When the pulled image differs from the one the container runs, the running image is kept as
# REPO:previous, bootc@NAME.service restarts, and after HEALTH_CHECK_WAIT seconds the unit must
# be active and `podman healthcheck run` must pass within HEALTH_RETRIES tries, 10 s apart
# (HEALTH_CMD, else the image's HEALTHCHECK;
# HEALTH_CMD=none skips it); otherwise the previous image is tagged back and the unit restarted
# (rollback), and the image's digest is remembered as bad: it is never applied again.
# Each container's state (current, previous and bad digests, last result, last rollback) is
# in STATE_DIR/NAME.state. The image under test is written there before the restart, so an
# update cut short by a kill or power loss is checked (or rolled back) by the next run, or at
# boot by `bootc-update.sh --interrupted` (bootc-update-check.service), which does only that.
#
# Exit status: 0 when every container is current (updated, unchanged or pinned), 1 when any
# update failed or was rolled back, 2 on a usage error, 75 when another run holds the lock.
# Environment (for tests and unusual layouts): IAGO_CONTAINERS_DIR, BOOTC_UPDATE_STATE_DIR,
# BOOTC_UPDATE_LOCK, BOOTC_UPDATE_SLEEP.

# The state variables (STATE_KEYS) are written through ${!key} in save_state:
# shellcheck disable=SC2034
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

# The update state of each container: STATE_DIR/NAME.state, KEY=VALUE lines in the env file
# syntax above. It is documented in the README ("On the machine", "Update state") and read over
# SSH by `iago status`: keys are only ever added, never renamed. Digests are manifest digests
# (what the registry and `iago build` show); IDs are podman image IDs (what rollbacks tag).
STATE_KEYS="STATE_FORMAT CONTAINER IMAGE CURRENT_DIGEST CURRENT_ID PREVIOUS_DIGEST PREVIOUS_ID LAST_UPDATE_TIME LAST_UPDATE_RESULT LAST_UPDATE_DETAIL LAST_ROLLBACK_TIME LAST_ROLLBACK_REASON BAD_DIGESTS PENDING_DIGEST PENDING_ID PENDING_SINCE"

now() {
  date -u +%Y-%m-%dT%H:%M:%SZ
}

# load_state NAME: the state of NAME into the STATE_KEYS variables (all empty when new).
load_state() {
  local key file="$STATE_DIR/$1.state"
  for key in $STATE_KEYS; do printf -v "$key" '%s' ""; done
  if [[ -r $file ]]; then load_env "$file" "$STATE_KEYS"; fi
  for key in $STATE_KEYS; do printf -v "$key" '%s' "${!key:-}"; done
}

# save_state NAME: writes the STATE_KEYS variables to NAME.state, replacing it in one rename.
# Values with blanks are double-quoted; quotes, backslashes and line breaks never reach the file.
save_state() {
  local file="$STATE_DIR/$1.state" key value text
  STATE_FORMAT=1
  CONTAINER=$1
  text="# iago: update state of bootc@$1 (README: On the machine, Update state)"$'\n'
  for key in $STATE_KEYS; do
    value=${!key}
    value=${value//[\"\\]/\'}
    value=${value//[$'\n\r']/ }
    if [[ $value =~ ^[A-Za-z0-9_.,:/@%+=-]*$ ]]; then text+="$key=$value"$'\n'; else
      text+="$key=\"$value\""$'\n'
    fi
  done
  if ! printf '%s' "$text" 2>/dev/null >"$file.tmp" || ! mv -f "$file.tmp" "$file"; then
    log warning "$1: could not record the update state in $file"
  fi
}

# record NAME RESULT DETAIL: the result of this run for NAME (motd.sh shows it), saved.
record() {
  LAST_UPDATE_TIME=$(now)
  LAST_UPDATE_RESULT=$2
  LAST_UPDATE_DETAIL=${3:-}
  save_state "$1"
}

# set_current ID DIGEST / set_previous ID DIGEST: what runs now, what a rollback returns to.
set_current() {
  CURRENT_ID=$1
  CURRENT_DIGEST=$2
}
set_previous() {
  PREVIOUS_ID=$1
  PREVIOUS_DIGEST=$2
}

# digest_of ID: the manifest digest podman pulled image ID by ("" when unknown).
digest_of() {
  [[ -n $1 ]] || return 0
  podman image inspect --format '{{.Digest}}' "$1" 2>/dev/null || true
}

# is_bad DIGEST: whether DIGEST failed its health check on this machine before.
is_bad() {
  [[ -n $1 && " $BAD_DIGESTS " == *" $1 "* ]]
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

# health_passes: the container's health check passes within HEALTH_RETRIES tries (default 3),
# 10 s apart. One slow or failed try on a busy machine is no verdict: podman's own check also
# counts retries before it calls a container unhealthy.
health_passes() {
  local tries=${HEALTH_RETRIES:-3} i
  [[ $tries =~ ^[1-9][0-9]?$ ]] || tries=3
  for ((i = 1; i <= tries; i++)); do
    if podman healthcheck run "$CONTAINER_NAME"; then return 0; fi
    if ((i < tries)); then "$SLEEP" 10; fi
  done
  return 1
}

# restart_unit UNIT: restarts the container's unit for an update or a rollback. Its start limit
# (5 starts in 30 minutes, then the unit fails) is there to catch a container that keeps
# crashing or turning unhealthy; a deliberate restart with another image starts that count
# afresh (reset-failed), so a day of updates and rollbacks never trips it.
restart_unit() {
  systemctl reset-failed "$1" 2>/dev/null || true
  systemctl restart "$1"
}

# settle NAME REF NEW_ID NEW_DIGEST OLD_ID OLD_DIGEST RESTART: the part of an update between the
# restart and the verdict. The pending image is written to the state first, so a run killed
# before the verdict (power loss, kill) is finished by the next run or at boot, never left
# running untested. RESTART=no when the container already runs NEW_ID. Returns non-zero when
# the update was rolled back or failed.
settle() {
  local name=$1 ref=$2 new_id=$3 new_digest=$4 old_id=$5 old_digest=$6 restart=$7
  local unit="bootc@$1.service" repo reason=""
  repo=$(image_repo "$ref")
  PENDING_ID=$new_id
  PENDING_DIGEST=$new_digest
  PENDING_SINCE=${PENDING_SINCE:-$(now)}
  save_state "$name"
  if [[ $restart == yes ]] && ! restart_unit "$unit"; then
    reason="restart of $unit failed"
  else
    log info "$name: waiting ${wait}s before the health check"
    "$SLEEP" "$wait"
    if ! systemctl is-active --quiet "$unit"; then
      reason="$unit is not active ${wait}s after the restart"
    elif has_health_check "$name" && ! health_passes; then
      reason="health check of $CONTAINER_NAME failed ${wait}s after the restart"
    fi
  fi
  PENDING_ID="" PENDING_DIGEST="" PENDING_SINCE=""
  if [[ -z $reason ]]; then
    log info "$name: updated to $ref $(short "$new_id"), $unit active and healthy"
    set_previous "$old_id" "$old_digest"
    set_current "$new_id" "$new_digest"
    record "$name" updated
    return 0
  fi

  if [[ -n $new_digest ]] && ! is_bad "$new_digest"; then BAD_DIGESTS="${BAD_DIGESTS:+$BAD_DIGESTS }$new_digest"; fi
  LAST_ROLLBACK_TIME=$(now)
  LAST_ROLLBACK_REASON="$reason (${new_digest:-$(short "$new_id")})"
  if [[ -z $old_id ]]; then
    log err "$name: $reason; no previous image to roll back to, $unit left as it is"
    set_current "$new_id" "$new_digest"
    LAST_ROLLBACK_TIME=""
    LAST_ROLLBACK_REASON=""
    record "$name" failed "$reason; nothing to roll back to"
    return 1
  fi
  log err "$name: $reason; rolling back $ref to $(short "$old_id")"
  podman tag "$old_id" "$ref" || log err "$name: could not tag $(short "$old_id") as $ref"
  if restart_unit "$unit"; then
    log warning "$name: rolled back to $(short "$old_id") ($repo:previous), $unit restarted; ${new_digest:-this image} will not be applied again"
  else
    log err "$name: rolled back to $(short "$old_id"), but $unit failed to restart"
  fi
  set_current "$old_id" "$old_digest"
  set_previous "" ""
  record "$name" rolled-back "$reason"
  return 1
}

# resume NAME REF: finishes an update that a killed run or a power loss left between the
# restart and the health check: the container must run the pending image and pass, else it is
# rolled back to PREVIOUS_ID.
resume() {
  local name=$1 ref=$2 running restart=yes
  log warning "$name: the update to $(short "$PENDING_ID") started at $PENDING_SINCE was interrupted before its health check; checking it now"
  running=$(podman container inspect --format '{{.Image}}' "$CONTAINER_NAME" 2>/dev/null) || running=""
  if [[ $running == "$PENDING_ID" ]]; then restart=no; fi
  CHANGED=1
  settle "$name" "$ref" "$PENDING_ID" "$PENDING_DIGEST" "$PREVIOUS_ID" "$PREVIOUS_DIGEST" "$restart"
}

# update_one NAME: updates one container; returns non-zero when it failed or was rolled back.
# With ONLY_INTERRUPTED=1 (--interrupted, at boot) it only finishes an interrupted update.
update_one() {
  local name=$1 env_file="$CONTAINERS_DIR/$1.env" unit="bootc@$1.service"
  local strategy ref repo old_id old_digest new_id new_digest status=0
  if ! load_env "$env_file" 2>/dev/null; then
    log err "$name: cannot read $env_file"
    return 1
  fi
  load_state "$name"
  if [[ -z ${CONTAINER_IMAGE:-} ]]; then
    log err "$name: CONTAINER_IMAGE is not set in $env_file"
    record "$name" failed "CONTAINER_IMAGE is not set"
    return 1
  fi
  CONTAINER_NAME=${CONTAINER_NAME:-bootc-$name}
  strategy=${UPDATE_STRATEGY:-latest}
  wait=${HEALTH_CHECK_WAIT:-30}
  if ! [[ $wait =~ ^[0-9]+$ ]]; then
    log err "$name: HEALTH_CHECK_WAIT must be a whole number of seconds, not '$wait' ($env_file)"
    record "$name" failed "bad HEALTH_CHECK_WAIT '$wait'"
    return 1
  fi
  ref=$(run_ref)
  repo=$(image_repo "$ref")
  IMAGE=$ref

  if [[ -n $PENDING_ID ]]; then
    resume "$name" "$ref" || status=1
    ((status == 0)) || return 1
  fi
  if ((ONLY_INTERRUPTED)); then return 0; fi

  case $strategy in
    pinned)
      log info "$name: UPDATE_STRATEGY=pinned, keeping $CONTAINER_IMAGE"
      record "$name" pinned
      return 0
      ;;
    latest | staging) ;;
    *)
      log err "$name: unknown UPDATE_STRATEGY '$strategy' in $env_file (use latest, pinned or staging)"
      record "$name" failed "unknown UPDATE_STRATEGY '$strategy'"
      return 1
      ;;
  esac
  if [[ $strategy == latest && $CONTAINER_IMAGE == *@* ]]; then
    log info "$name: $CONTAINER_IMAGE is pinned by digest, nothing to pull"
    record "$name" pinned
    return 0
  fi

  # The image the container runs now (it may differ from what REF names locally), else REF's.
  old_id=$(podman container inspect --format '{{.Image}}' "$CONTAINER_NAME" 2>/dev/null) ||
    old_id=$(podman image inspect --format '{{.Id}}' "$ref" 2>/dev/null) || old_id=""

  log info "$name: pulling $ref"
  if ! podman pull --quiet "$ref" >/dev/null; then
    log err "$name: pull of $ref failed; $unit keeps running $(short "${old_id:-none}")"
    record "$name" failed "pull failed"
    return 1
  fi
  new_id=$(podman image inspect --format '{{.Id}}' "$ref" 2>/dev/null) || new_id=""
  if [[ -z $new_id ]]; then
    log err "$name: $ref is not in local storage after the pull"
    record "$name" failed "image missing after pull"
    return 1
  fi
  new_digest=$(digest_of "$new_id")
  if [[ $new_id == "$old_id" ]]; then
    log info "$name: $ref is up to date ($(short "$new_id")), not restarting $unit"
    set_current "$new_id" "$new_digest"
    record "$name" unchanged
    return 0
  fi
  old_digest=$(digest_of "$old_id")
  if is_bad "$new_digest"; then
    # The pull moved REF to the bad image: point it back, so a restart or reboot keeps the
    # image that passed.
    if [[ -n $old_id ]]; then podman tag "$old_id" "$ref" || true; fi
    log err "$name: $ref is $new_digest, which failed its health check here before; keeping $(short "${old_id:-none}") (push a fixed image to update)"
    record "$name" refused "$new_digest failed its health check before"
    CHANGED=1
    return 1
  fi

  CHANGED=1
  if [[ -n $old_id ]] && ! podman tag "$old_id" "$repo:previous"; then
    log warning "$name: could not tag $(short "$old_id") as $repo:previous (rollback still uses its ID)"
  fi
  log info "$name: $ref changed $(short "${old_id:-none}") -> $(short "$new_id"), restarting $unit"
  PENDING_SINCE=""
  set_previous "$old_id" "$old_digest"
  settle "$name" "$ref" "$new_id" "$new_digest" "$old_id" "$old_digest" yes
}

ONLY_INTERRUPTED=0

main() {
  local names=() name file status=0
  if [[ ${1:-} == --interrupted ]]; then
    ONLY_INTERRUPTED=1
    shift
  fi
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
    if ((ONLY_INTERRUPTED)); then
      log info "a bootc-update run is in progress; it finishes any interrupted update first"
      exit 0
    fi
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
  if ((ONLY_INTERRUPTED)); then
    ((status == 0)) || log err "bootc-update --interrupted: an interrupted update was rolled back"
    exit "$status"
  fi
  if ((status == 0)); then log info "bootc-update finished: all containers current"; else
    log err "bootc-update finished with failures"
  fi
  exit "$status"
}

main "$@"
