#!/bin/bash
# bootc-run.sh NAME: runs the bootc container configured in /etc/iago/containers/NAME.env in
# the foreground, as bootc@NAME.service's main process: host network and PID namespace,
# privileged, /var and /run shared with the host, the machine's /etc/iago read-only (its whole
# /etc with MOUNT_HOST_ETC=true), readiness reported through conmon
# (Type=notify), and the health check from HEALTH_CMD (HEALTH_CMD=none turns it off; unset
# keeps the image's own HEALTHCHECK). A stale container of the same name is removed first.
#
# Env file keys: CONTAINER_IMAGE and CONTAINER_NAME (required), UPDATE_STRATEGY (staging runs
# REPO:staging), MACHINE_NAME (default NAME), HEALTH_CMD, HEALTH_INTERVAL (30s),
# HEALTH_RETRIES (3), HEALTH_START_PERIOD (60s), HEALTH_ON_FAILURE (kill: podman kills an
# unhealthy container and systemd restarts it; none, restart or stop), MOUNT_HOST_ETC (true:
# the machine's /etc over the image's; false, the default: the image keeps its /etc and its
# users, the machine's time zone comes through --tz local), PODMAN_ARGS (extra `podman run`
# arguments, split on blanks, no quoting). IAGO_CONTAINERS_DIR moves the env directory,
# IAGO_ETC_DIR the /etc/iago the container gets and IAGO_LOCALTIME /etc/localtime (for tests).
set -euo pipefail

CONTAINERS_DIR=${IAGO_CONTAINERS_DIR:-/etc/iago/containers}
ETC_IAGO=${IAGO_ETC_DIR:-/etc/iago}
LOCALTIME=${IAGO_LOCALTIME:-/etc/localtime}
NAME_PATTERN='^[A-Za-z0-9][A-Za-z0-9_.-]*$'

die() {
  printf 'bootc-run: %s\n' "$*" >&2
  exit 1
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
# UPDATE_STRATEGY=staging. bootc-update.sh computes the same.
run_ref() {
  if [[ ${UPDATE_STRATEGY:-latest} == staging ]]; then
    printf '%s:staging' "$(image_repo "$CONTAINER_IMAGE")"
  else
    printf '%s' "$CONTAINER_IMAGE"
  fi
}

# image_has_healthcheck REF: whether the image defines a HEALTHCHECK, pulling it first when it
# is not here yet (podman run would pull it anyway). A failed pull says no: podman run then
# fails on the same pull, and the unit tries again.
image_has_healthcheck() {
  local check
  podman image exists "$1" || podman pull --quiet "$1" >/dev/null || return 1
  check=$(podman image inspect --format '{{.HealthCheck}}' "$1") || return 1
  [[ -n $check && $check != "<nil>" ]]
}

if (($# != 1)); then
  printf 'usage: bootc-run.sh NAME (runs the container of %s/NAME.env)\n' "$CONTAINERS_DIR" >&2
  exit 2
fi
name=$1
[[ $name =~ $NAME_PATTERN ]] ||
  die "invalid container name '$name' (letters, digits, '_', '.', '-'; not starting with a symbol)"
env_file="$CONTAINERS_DIR/$name.env"
[[ -r $env_file ]] ||
  die "cannot read $env_file; create it with CONTAINER_IMAGE= and CONTAINER_NAME= lines"
load_env "$env_file"
[[ -n ${CONTAINER_IMAGE:-} ]] || die "CONTAINER_IMAGE is not set in $env_file"
[[ -n ${CONTAINER_NAME:-} ]] || die "CONTAINER_NAME is not set in $env_file (e.g. CONTAINER_NAME=bootc-$name)"
[[ $CONTAINER_NAME =~ $NAME_PATTERN ]] || die "CONTAINER_NAME '$CONTAINER_NAME' in $env_file is not a valid container name"

case ${MOUNT_HOST_ETC:-false} in
  true) etc_mount=(-v /etc:/etc) ;;
  false)
    etc_mount=(-v "$ETC_IAGO:/etc/iago:ro")
    # The machine's time zone, when it has one: podman refuses --tz local if /etc/localtime
    # leads nowhere (a zone the machine lacks), and the container must start anyway.
    if [[ -e $LOCALTIME ]]; then etc_mount+=(--tz local); fi
    ;;
  *) die "MOUNT_HOST_ETC in $env_file is '$MOUNT_HOST_ETC'; use true or false" ;;
esac

args=(
  run --rm --name "$CONTAINER_NAME"
  --net host --pid host --privileged --security-opt label=disable
  "${etc_mount[@]}" -v /var:/var -v /run:/run
  --env "MACHINE_NAME=${MACHINE_NAME:-$name}"
  --sdnotify=conmon
)
case ${HEALTH_CMD:-} in
  "") ;;
  none) args+=(--no-healthcheck) ;;
  *)
    args+=(
      --health-cmd "$HEALTH_CMD"
      --health-interval "${HEALTH_INTERVAL:-30s}"
      --health-retries "${HEALTH_RETRIES:-3}"
      --health-start-period "${HEALTH_START_PERIOD:-60s}"
    )
    ;;
esac
# An unhealthy container is killed, so the unit's Restart=always starts it afresh; the unit's
# start limit turns repeated failures into a failed unit (systemctl --failed). Podman refuses
# the flag for a container with no health check at all, so an image without a HEALTHCHECK of
# its own (most off-the-shelf images) and no HEALTH_CMD runs without it.
if [[ ${HEALTH_CMD:-} != none && ${HEALTH_ON_FAILURE:-kill} != none ]]; then
  if [[ -n ${HEALTH_CMD:-} ]] || image_has_healthcheck "$(run_ref)"; then
    args+=(--health-on-failure "${HEALTH_ON_FAILURE:-kill}")
  fi
fi
if [[ -n ${PODMAN_ARGS:-} ]]; then
  read -r -a extra <<<"$PODMAN_ARGS"
  args+=("${extra[@]}")
fi

# A container left behind by a crash or a kill would make `podman run --name` fail.
podman rm --force --ignore "$CONTAINER_NAME" >/dev/null
exec podman "${args[@]}" "$(run_ref)"
