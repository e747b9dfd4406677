# Shared setup for the runtime's bats tests: the stubs in stubs/ first on PATH, every
# directory the scripts use moved into the test's temporary directory.
# The constants here are used by the .bats files that load this file, and `output` and
# `status` are set by bats' `run`, which shellcheck cannot see:
# shellcheck disable=SC2034,SC2154

RUNTIME="$BATS_TEST_DIRNAME/../../src/runtime"
OLD=sha256:1111111111111111111111111111111111111111111111111111111111111111
NEW=sha256:2222222222222222222222222222222222222222222222222222222222222222
STAGING=sha256:3333333333333333333333333333333333333333333333333333333333333333

setup() {
  export STUB_STATE="$BATS_TEST_TMPDIR/state"
  export IAGO_CONTAINERS_DIR="$BATS_TEST_TMPDIR/containers"
  export BOOTC_UPDATE_STATE_DIR="$BATS_TEST_TMPDIR/results"
  export BOOTC_UPDATE_LOCK="$BATS_TEST_TMPDIR/lock/bootc-update.lock"
  export PATH="$BATS_TEST_DIRNAME/stubs:$PATH"
  # The machine's time zone file, whatever this host has.
  export IAGO_LOCALTIME="$BATS_TEST_TMPDIR/localtime"
  touch "$IAGO_LOCALTIME"
  unset INVOCATION_ID BOOTC_UPDATE_SLEEP
  mkdir -p "$STUB_STATE/local" "$STUB_STATE/remote" "$STUB_STATE/container" "$IAGO_CONTAINERS_DIR"
  touch "$STUB_STATE/commands"
}

# write_env NAME: the env file of container NAME, from stdin.
write_env() {
  cat >"$IAGO_CONTAINERS_DIR/$1.env"
}

# standard_env NAME [STRATEGY]: the env file iago writes for NAME running ghcr.io/acme/NAME.
standard_env() {
  write_env "$1" <<EOT
CONTAINER_IMAGE=ghcr.io/acme/$1:latest
CONTAINER_NAME=bootc-$1
HEALTH_CHECK_WAIT=30
UPDATE_STRATEGY=${2:-latest}
HEALTH_CMD=/usr/local/bin/health.sh
EOT
}

key() {
  printf '%s' "$1" | tr '/:@' '%+='
}

# local_image REF ID / remote_image REF ID / container_runs NAME ID: the stub podman's state.
local_image() {
  printf '%s\n' "$2" >"$STUB_STATE/local/$(key "$1")"
}
remote_image() {
  printf '%s\n' "$2" >"$STUB_STATE/remote/$(key "$1")"
}
container_runs() {
  printf '%s\n' "$2" >"$STUB_STATE/container/$1"
}
# new_image NAME: bootc-NAME runs $OLD, and the registry has $NEW for ghcr.io/acme/NAME:latest.
new_image() {
  container_runs "bootc-$1" "$OLD"
  remote_image "ghcr.io/acme/$1:latest" "$NEW"
}

# restarting_commands NAME: what bootc-update.sh runs for new_image NAME, up to the restart
# into $NEW (for assert_commands).
restarting_commands() {
  cat <<EOT
podman container inspect --format {{.Image}} bootc-$1
podman pull --quiet ghcr.io/acme/$1:latest
podman image inspect --format {{.Id}} ghcr.io/acme/$1:latest
podman image inspect --format {{.Digest}} $NEW
podman image inspect --format {{.Digest}} $OLD
podman tag $OLD ghcr.io/acme/$1:previous
systemctl reset-failed bootc@$1.service
systemctl restart bootc@$1.service
EOT
}

local_id() {
  cat "$STUB_STATE/local/$(key "$1")"
}

# assert_commands: the stubs were called exactly as stdin lists, in that order.
assert_commands() {
  local expected actual
  expected=$(cat)
  actual=$(cat "$STUB_STATE/commands")
  if [[ $actual != "$expected" ]]; then
    printf 'commands run differ from the expected ones:\n' >&2
    diff -u <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") | sed 1,2d >&2
    return 1
  fi
}

# assert_output_has TEXT: $output (from `run`) contains TEXT.
assert_output_has() {
  if [[ $output != *"$1"* ]]; then
    printf 'expected the output to contain:\n  %s\nbut it was:\n%s\n' "$1" "$output" >&2
    return 1
  fi
}

# assert_status N: the last `run` exited with N.
assert_status() {
  if [[ $status -ne $1 ]]; then
    printf 'expected exit status %s, got %s; output:\n%s\n' "$1" "$status" "$output" >&2
    return 1
  fi
}

# digest ID: the manifest digest the stub podman gives image ID (see stubs/podman).
digest() {
  local hex=${1#sha256:}
  printf 'sha256:d%s' "${hex:0:63}"
}

# assert_state NAME: NAME.state is exactly stdin, its header line aside, with every
# LAST_UPDATE_TIME, LAST_ROLLBACK_TIME and PENDING_SINCE value that is set written as TIME.
assert_state() {
  local expected actual
  expected=$(cat)
  actual=$(sed -e 1d -E -e 's/^(LAST_UPDATE_TIME|LAST_ROLLBACK_TIME|PENDING_SINCE)=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$/\1=TIME/' \
    "$BOOTC_UPDATE_STATE_DIR/$1.state")
  if [[ $actual != "$expected" ]]; then
    printf 'the state of %s differs from the expected one:\n' "$1" >&2
    diff -u <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") | sed 1,2d >&2
    return 1
  fi
}

# state_has NAME LINE...: NAME.state holds each LINE (KEY=VALUE) exactly.
state_has() {
  local name=$1 line
  shift
  for line in "$@"; do
    if ! grep -qxF -- "$line" "$BOOTC_UPDATE_STATE_DIR/$name.state"; then
      printf 'expected the line %s in %s.state:\n' "$line" "$name" >&2
      cat "$BOOTC_UPDATE_STATE_DIR/$name.state" >&2
      return 1
    fi
  done
}

# write_state NAME: NAME.state from stdin (a state an earlier run left).
write_state() {
  mkdir -p "$BOOTC_UPDATE_STATE_DIR"
  cat >"$BOOTC_UPDATE_STATE_DIR/$1.state"
}
