#!/usr/bin/env bats
# bootc-update.sh with stub podman, systemctl, sleep and logger: the exact commands it runs.

load test_helper

UPDATE() {
  "$RUNTIME/bootc-update.sh" "$@"
}

@test "a new image is pulled, the old one kept as :previous, the unit restarted and checked" {
  standard_env web
  local_image ghcr.io/acme/web:latest "$OLD"
  new_image web

  run UPDATE
  assert_status 0
  assert_commands <<EOT
$(restarting_commands web)
sleep 30
systemctl is-active --quiet bootc@web.service
podman healthcheck run bootc-web
podman image prune --force
EOT
  [[ $(local_id ghcr.io/acme/web:previous) == "$OLD" ]]
  [[ $(local_id ghcr.io/acme/web:latest) == "$NEW" ]]
  assert_output_has "web: ghcr.io/acme/web:latest changed 111111111111 -> 222222222222, restarting bootc@web.service"
  assert_output_has "web: updated to ghcr.io/acme/web:latest 222222222222, bootc@web.service active and healthy"
  grep -q "^logger -t bootc-update -p user.info -- 'web: pulling ghcr.io/acme/web:latest'$" "$STUB_STATE/logger"
  assert_state web <<EOT
STATE_FORMAT=1
CONTAINER=web
IMAGE=ghcr.io/acme/web:latest
CURRENT_DIGEST=$(digest "$NEW")
CURRENT_ID=$NEW
PREVIOUS_DIGEST=$(digest "$OLD")
PREVIOUS_ID=$OLD
LAST_UPDATE_TIME=TIME
LAST_UPDATE_RESULT=updated
LAST_UPDATE_DETAIL=
LAST_ROLLBACK_TIME=
LAST_ROLLBACK_REASON=
BAD_DIGESTS=
PENDING_DIGEST=
PENDING_ID=
PENDING_SINCE=
EOT
}

@test "an unchanged image does not restart the unit or move :previous" {
  standard_env web
  container_runs bootc-web "$OLD"
  local_image ghcr.io/acme/web:latest "$OLD"
  remote_image ghcr.io/acme/web:latest "$OLD"

  run UPDATE
  assert_status 0
  assert_commands <<EOT
podman container inspect --format {{.Image}} bootc-web
podman pull --quiet ghcr.io/acme/web:latest
podman image inspect --format {{.Id}} ghcr.io/acme/web:latest
podman image inspect --format {{.Digest}} $OLD
EOT
  assert_output_has "web: ghcr.io/acme/web:latest is up to date (111111111111), not restarting bootc@web.service"
  state_has web LAST_UPDATE_RESULT=unchanged "CURRENT_DIGEST=$(digest "$OLD")" "CURRENT_ID=$OLD" \
    PREVIOUS_ID=
}

@test "a pinned container is not touched" {
  standard_env web pinned
  remote_image ghcr.io/acme/web:latest "$NEW"

  run UPDATE
  assert_status 0
  assert_commands </dev/null
  assert_output_has "web: UPDATE_STRATEGY=pinned, keeping ghcr.io/acme/web:latest"
}

@test "the staging strategy pulls and runs the :staging tag of the image" {
  standard_env web staging
  container_runs bootc-web "$OLD"
  local_image ghcr.io/acme/web:staging "$OLD"
  remote_image ghcr.io/acme/web:staging "$STAGING"
  remote_image ghcr.io/acme/web:latest "$NEW"

  run UPDATE
  assert_status 0
  assert_commands <<EOT
podman container inspect --format {{.Image}} bootc-web
podman pull --quiet ghcr.io/acme/web:staging
podman image inspect --format {{.Id}} ghcr.io/acme/web:staging
podman image inspect --format {{.Digest}} $STAGING
podman image inspect --format {{.Digest}} $OLD
podman tag $OLD ghcr.io/acme/web:previous
systemctl reset-failed bootc@web.service
systemctl restart bootc@web.service
sleep 30
systemctl is-active --quiet bootc@web.service
podman healthcheck run bootc-web
podman image prune --force
EOT
  [[ $(local_id ghcr.io/acme/web:staging) == "$STAGING" ]]
}

@test "switching to staging rolls back to the image that ran, tagged as :staging" {
  standard_env web staging
  container_runs bootc-web "$OLD"
  remote_image ghcr.io/acme/web:staging "$STAGING"
  echo 1 >"$STUB_STATE/health"

  run UPDATE
  assert_status 1
  grep -qx "podman tag $OLD ghcr.io/acme/web:staging" "$STUB_STATE/commands"
  [[ $(local_id ghcr.io/acme/web:staging) == "$OLD" ]]
  [[ $(local_id ghcr.io/acme/web:previous) == "$OLD" ]]
}

@test "a failed health check rolls back: old image retagged, unit restarted, exit 1" {
  standard_env web
  local_image ghcr.io/acme/web:latest "$OLD"
  new_image web
  echo 1 >"$STUB_STATE/health"

  run UPDATE
  assert_status 1
  assert_commands <<EOT
$(restarting_commands web)
sleep 30
systemctl is-active --quiet bootc@web.service
podman healthcheck run bootc-web
sleep 10
podman healthcheck run bootc-web
sleep 10
podman healthcheck run bootc-web
podman tag $OLD ghcr.io/acme/web:latest
systemctl reset-failed bootc@web.service
systemctl restart bootc@web.service
podman image prune --force
EOT
  [[ $(local_id ghcr.io/acme/web:latest) == "$OLD" ]]
  assert_output_has "web: health check of bootc-web failed 30s after the restart; rolling back ghcr.io/acme/web:latest to 111111111111"
  assert_output_has "web: rolled back to 111111111111 (ghcr.io/acme/web:previous), bootc@web.service restarted"
  grep -q "^logger -t bootc-update -p user.err -- 'web: health check of bootc-web failed" "$STUB_STATE/logger"
  state_has web LAST_UPDATE_RESULT=rolled-back "CURRENT_ID=$OLD" "BAD_DIGESTS=$(digest "$NEW")" \
    'LAST_UPDATE_DETAIL="health check of bootc-web failed 30s after the restart"' \
    "LAST_ROLLBACK_REASON=\"health check of bootc-web failed 30s after the restart ($(digest "$NEW"))\"" \
    PENDING_ID= PREVIOUS_ID=
  grep -Eq '^LAST_ROLLBACK_TIME=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "$BOOTC_UPDATE_STATE_DIR/web.state"
}

@test "a unit that is not active after the wait rolls back without a health check" {
  standard_env web
  sed -i 's/HEALTH_CHECK_WAIT=30/HEALTH_CHECK_WAIT=5/' "$IAGO_CONTAINERS_DIR/web.env"
  local_image ghcr.io/acme/web:latest "$OLD"
  new_image web
  echo 3 >"$STUB_STATE/active"

  run UPDATE
  assert_status 1
  assert_commands <<EOT
$(restarting_commands web)
sleep 5
systemctl is-active --quiet bootc@web.service
podman tag $OLD ghcr.io/acme/web:latest
systemctl reset-failed bootc@web.service
systemctl restart bootc@web.service
podman image prune --force
EOT
  assert_output_has "web: bootc@web.service is not active 5s after the restart; rolling back"
}

@test "a restart that fails rolls back at once, without waiting" {
  standard_env web
  new_image web
  echo 1 >"$STUB_STATE/restart-status"

  run UPDATE
  assert_status 1
  assert_commands <<EOT
$(restarting_commands web)
podman tag $OLD ghcr.io/acme/web:latest
systemctl reset-failed bootc@web.service
systemctl restart bootc@web.service
podman image prune --force
EOT
  assert_output_has "web: rolled back to 111111111111, but bootc@web.service failed to restart"
}

@test "a failed pull leaves the running container alone and fails" {
  standard_env web
  container_runs bootc-web "$OLD"
  echo 125 >"$STUB_STATE/pull-status"

  run UPDATE
  assert_status 1
  assert_commands <<EOT
podman container inspect --format {{.Image}} bootc-web
podman pull --quiet ghcr.io/acme/web:latest
EOT
  assert_output_has "web: pull of ghcr.io/acme/web:latest failed; bootc@web.service keeps running 111111111111"
}

@test "with nothing running, the local image of the reference is the one to keep" {
  standard_env web
  local_image ghcr.io/acme/web:latest "$OLD"
  remote_image ghcr.io/acme/web:latest "$NEW"

  run UPDATE
  assert_status 0
  assert_commands <<EOT
podman container inspect --format {{.Image}} bootc-web
podman image inspect --format {{.Id}} ghcr.io/acme/web:latest
podman pull --quiet ghcr.io/acme/web:latest
podman image inspect --format {{.Id}} ghcr.io/acme/web:latest
podman image inspect --format {{.Digest}} $NEW
podman image inspect --format {{.Digest}} $OLD
podman tag $OLD ghcr.io/acme/web:previous
systemctl reset-failed bootc@web.service
systemctl restart bootc@web.service
sleep 30
systemctl is-active --quiet bootc@web.service
podman healthcheck run bootc-web
podman image prune --force
EOT
}

@test "a first image that fails its health check has nothing to roll back to" {
  standard_env web
  remote_image ghcr.io/acme/web:latest "$NEW"
  echo 1 >"$STUB_STATE/health"

  run UPDATE
  assert_status 1
  assert_commands <<EOT
podman container inspect --format {{.Image}} bootc-web
podman image inspect --format {{.Id}} ghcr.io/acme/web:latest
podman pull --quiet ghcr.io/acme/web:latest
podman image inspect --format {{.Id}} ghcr.io/acme/web:latest
podman image inspect --format {{.Digest}} $NEW
systemctl reset-failed bootc@web.service
systemctl restart bootc@web.service
sleep 30
systemctl is-active --quiet bootc@web.service
podman healthcheck run bootc-web
sleep 10
podman healthcheck run bootc-web
sleep 10
podman healthcheck run bootc-web
podman image prune --force
EOT
  assert_output_has "no previous image to roll back to, bootc@web.service left as it is"
}

@test "a health check that passes on its second try is no failure: HEALTH_RETRIES tries, 10 s apart" {
  standard_env web
  echo HEALTH_RETRIES=2 >>"$IAGO_CONTAINERS_DIR/web.env"
  new_image web
  echo 1 >"$STUB_STATE/health"
  echo 0 >"$STUB_STATE/health-next"

  run UPDATE
  assert_status 0
  [[ $(grep -c '^podman healthcheck run bootc-web$' "$STUB_STATE/commands") == 2 ]]
  grep -qx "sleep 10" "$STUB_STATE/commands"
  state_has web LAST_UPDATE_RESULT=updated "CURRENT_ID=$NEW"
}

@test "HEALTH_CMD=none checks only that the unit is active" {
  write_env web <<'EOT'
CONTAINER_IMAGE=ghcr.io/acme/web:latest
CONTAINER_NAME=bootc-web
HEALTH_CHECK_WAIT=10
HEALTH_CMD=none
EOT
  new_image web
  echo 1 >"$STUB_STATE/health"

  run UPDATE
  assert_status 0
  run grep -c healthcheck "$STUB_STATE/commands"
  [[ $output == 0 ]]
  grep -qx "sleep 10" "$STUB_STATE/commands"
}

@test "without HEALTH_CMD the image's own health check is run when it has one" {
  write_env web <<'EOT'
CONTAINER_IMAGE=ghcr.io/acme/web:latest
CONTAINER_NAME=bootc-web
EOT
  new_image web
  echo '{[CMD-SHELL /usr/local/bin/health.sh] 10s 30s 5s 3}' >"$STUB_STATE/healthcheck-config"
  echo 1 >"$STUB_STATE/health"

  run UPDATE
  assert_status 1
  assert_commands <<EOT
$(restarting_commands web)
sleep 30
systemctl is-active --quiet bootc@web.service
podman container inspect --format {{.Config.Healthcheck}} bootc-web
podman healthcheck run bootc-web
sleep 10
podman healthcheck run bootc-web
sleep 10
podman healthcheck run bootc-web
podman tag $OLD ghcr.io/acme/web:latest
systemctl reset-failed bootc@web.service
systemctl restart bootc@web.service
podman image prune --force
EOT
}

@test "without HEALTH_CMD and without a HEALTHCHECK in the image, the unit's state decides" {
  write_env web <<'EOT'
CONTAINER_IMAGE=ghcr.io/acme/web:latest
CONTAINER_NAME=bootc-web
EOT
  new_image web

  run UPDATE
  assert_status 0
  assert_commands <<EOT
$(restarting_commands web)
sleep 30
systemctl is-active --quiet bootc@web.service
podman container inspect --format {{.Config.Healthcheck}} bootc-web
podman image prune --force
EOT
  assert_output_has "web: bootc-web has no health check (no HEALTH_CMD, no HEALTHCHECK in the image); only the unit's state was checked"
}

@test "a second run while one is in progress exits 75 with a clear message" {
  standard_env web
  new_image web
  touch "$STUB_STATE/sleep-gate"
  "$RUNTIME/bootc-update.sh" >"$BATS_TEST_TMPDIR/first.out" 2>&1 &
  first=$!
  for _ in $(seq 200); do
    grep -q '^sleep 30$' "$STUB_STATE/commands" && break
    /bin/sleep 0.05
  done
  grep -q '^sleep 30$' "$STUB_STATE/commands"

  run timeout 20 "$RUNTIME/bootc-update.sh"
  rm "$STUB_STATE/sleep-gate"
  wait "$first"
  assert_status 75
  assert_output_has "another bootc-update is running (lock $BOOTC_UPDATE_LOCK is held); not starting a second one"
  [[ $(grep -c '^podman pull' "$STUB_STATE/commands") == 1 ]]
}

@test "only the named containers are updated, each with its own env file" {
  standard_env web
  standard_env db
  container_runs bootc-db "$OLD"
  remote_image ghcr.io/acme/db:latest "$OLD"

  run UPDATE db
  assert_status 0
  assert_commands <<EOT
podman container inspect --format {{.Image}} bootc-db
podman pull --quiet ghcr.io/acme/db:latest
podman image inspect --format {{.Id}} ghcr.io/acme/db:latest
podman image inspect --format {{.Digest}} $OLD
EOT
}

@test "an unknown or invalid name is a usage error before anything runs" {
  standard_env web
  run UPDATE cache
  assert_status 2
  assert_output_has "/cache.env: 'cache' is not a configured container"
  run UPDATE ../web
  assert_status 2
  assert_output_has "invalid container name '../web'"
  assert_commands </dev/null
}

@test "every container is processed even when one fails, and the run fails" {
  standard_env a
  write_env b <<'EOT'
CONTAINER_IMAGE=ghcr.io/acme/b:latest
UPDATE_STRATEGY=nightly
EOT
  standard_env c
  container_runs bootc-a "$OLD"
  remote_image ghcr.io/acme/a:latest "$OLD"
  container_runs bootc-c "$OLD"
  remote_image ghcr.io/acme/c:latest "$OLD"

  run UPDATE
  assert_status 1
  assert_commands <<EOT
podman container inspect --format {{.Image}} bootc-a
podman pull --quiet ghcr.io/acme/a:latest
podman image inspect --format {{.Id}} ghcr.io/acme/a:latest
podman image inspect --format {{.Digest}} $OLD
podman container inspect --format {{.Image}} bootc-c
podman pull --quiet ghcr.io/acme/c:latest
podman image inspect --format {{.Id}} ghcr.io/acme/c:latest
podman image inspect --format {{.Digest}} $OLD
EOT
  assert_output_has "b: unknown UPDATE_STRATEGY 'nightly' in $IAGO_CONTAINERS_DIR/b.env (use latest, pinned or staging)"
}

@test "an image pinned by digest is not pulled" {
  write_env web <<'EOT'
CONTAINER_IMAGE=ghcr.io/acme/web@sha256:4444444444444444444444444444444444444444444444444444444444444444
CONTAINER_NAME=bootc-web
EOT
  run UPDATE
  assert_status 0
  assert_commands </dev/null
  assert_output_has "is pinned by digest, nothing to pull"
}

@test "the env file is read as data: quotes and comments handled, nothing in it runs" {
  write_env web <<EOT
# iago-generated
CONTAINER_IMAGE="registry.local:5000/team/web:v2"
  CONTAINER_NAME = 'bootc-web'
HEALTH_CMD=\$(touch $BATS_TEST_TMPDIR/pwned)
EOT
  container_runs bootc-web "$OLD"
  remote_image registry.local:5000/team/web:v2 "$NEW"

  run UPDATE
  assert_status 0
  [[ ! -e $BATS_TEST_TMPDIR/pwned ]]
  grep -qx "podman pull --quiet registry.local:5000/team/web:v2" "$STUB_STATE/commands"
  grep -qx "podman tag $OLD registry.local:5000/team/web:previous" "$STUB_STATE/commands"
  grep -qx "podman healthcheck run bootc-web" "$STUB_STATE/commands"
}

@test "no env files is nothing to do" {
  run UPDATE
  assert_status 0
  assert_output_has "no containers configured in $IAGO_CONTAINERS_DIR, nothing to update"
  assert_commands </dev/null
}

@test "under systemd it logs to stdout with journal priorities and does not call logger" {
  standard_env web
  new_image web
  echo 1 >"$STUB_STATE/health"

  INVOCATION_ID=0123456789abcdef run UPDATE
  assert_status 1
  assert_output_has "<6>web: pulling ghcr.io/acme/web:latest"
  assert_output_has "<3>web: health check of bootc-web failed"
  assert_output_has "<4>web: rolled back to 111111111111"
  [[ ! -e $STUB_STATE/logger ]]
}

@test "a digest that failed its health check is not applied again: the tag goes back, nothing restarts" {
  standard_env web
  local_image ghcr.io/acme/web:latest "$OLD"
  new_image web
  echo 1 >"$STUB_STATE/health"
  run UPDATE
  assert_status 1
  : >"$STUB_STATE/commands"

  run UPDATE
  assert_status 1
  assert_commands <<EOT
podman container inspect --format {{.Image}} bootc-web
podman pull --quiet ghcr.io/acme/web:latest
podman image inspect --format {{.Id}} ghcr.io/acme/web:latest
podman image inspect --format {{.Digest}} $NEW
podman image inspect --format {{.Digest}} $OLD
podman tag $OLD ghcr.io/acme/web:latest
podman image prune --force
EOT
  [[ $(local_id ghcr.io/acme/web:latest) == "$OLD" ]]
  assert_output_has "web: ghcr.io/acme/web:latest is $(digest "$NEW"), which failed its health check here before; keeping 111111111111 (push a fixed image to update)"
  state_has web LAST_UPDATE_RESULT=refused "CURRENT_ID=$OLD" "BAD_DIGESTS=$(digest "$NEW")"

  # A fixed image (another digest) is applied as usual.
  remote_image ghcr.io/acme/web:latest "$STAGING"
  echo 0 >"$STUB_STATE/health"
  run UPDATE
  assert_status 0
  state_has web LAST_UPDATE_RESULT=updated "CURRENT_ID=$STAGING" "PREVIOUS_ID=$OLD" \
    "BAD_DIGESTS=$(digest "$NEW")"
}

@test "a run killed between the restart and the health check leaves the update pending in the state" {
  standard_env web
  new_image web
  touch "$STUB_STATE/sleep-gate"
  "$RUNTIME/bootc-update.sh" >"$BATS_TEST_TMPDIR/killed.out" 2>&1 &
  killed=$!
  for _ in $(seq 200); do
    grep -q '^sleep 30$' "$STUB_STATE/commands" && break
    /bin/sleep 0.05
  done
  grep -q '^sleep 30$' "$STUB_STATE/commands"
  kill -9 "$killed"
  wait "$killed" || true
  rm "$STUB_STATE/sleep-gate"
  for _ in $(seq 100); do flock --nonblock "$BOOTC_UPDATE_LOCK" true && break; /bin/sleep 0.05; done

  state_has web "PENDING_ID=$NEW" "PENDING_DIGEST=$(digest "$NEW")" "PREVIOUS_ID=$OLD" \
    "CURRENT_ID=" "LAST_UPDATE_RESULT="
  grep -Eq '^PENDING_SINCE=[0-9T:-]+Z$' "$BOOTC_UPDATE_STATE_DIR/web.state"

  # The restart happened: the container runs the new image. The next run checks it first.
  container_runs bootc-web "$NEW"
  : >"$STUB_STATE/commands"
  run UPDATE
  assert_status 0
  assert_commands <<EOT
podman container inspect --format {{.Image}} bootc-web
sleep 30
systemctl is-active --quiet bootc@web.service
podman healthcheck run bootc-web
podman container inspect --format {{.Image}} bootc-web
podman pull --quiet ghcr.io/acme/web:latest
podman image inspect --format {{.Id}} ghcr.io/acme/web:latest
podman image inspect --format {{.Digest}} $NEW
podman image prune --force
EOT
  assert_output_has "web: the update to 222222222222 started at "
  assert_output_has "was interrupted before its health check; checking it now"
  state_has web "CURRENT_ID=$NEW" "PREVIOUS_ID=$OLD" PENDING_ID= PENDING_SINCE= \
    LAST_UPDATE_RESULT=unchanged
}

# pending_state: the state a run killed after restarting into $NEW (from $OLD) leaves.
pending_state() {
  write_state web <<EOT
STATE_FORMAT=1
CONTAINER=web
IMAGE=ghcr.io/acme/web:latest
CURRENT_DIGEST=$(digest "$OLD")
CURRENT_ID=$OLD
PREVIOUS_DIGEST=$(digest "$OLD")
PREVIOUS_ID=$OLD
LAST_UPDATE_TIME=2026-12-01T02:00:00Z
LAST_UPDATE_RESULT=unchanged
PENDING_DIGEST=$(digest "$NEW")
PENDING_ID=$NEW
PENDING_SINCE=2026-12-02T02:00:40Z
EOT
  local_image ghcr.io/acme/web:latest "$NEW"
  remote_image ghcr.io/acme/web:latest "$NEW"
}

@test "an interrupted update whose health check fails is rolled back by the next run, not pulled again" {
  standard_env web
  pending_state
  container_runs bootc-web "$NEW"
  echo 1 >"$STUB_STATE/health"

  run UPDATE
  assert_status 1
  assert_commands <<EOT
podman container inspect --format {{.Image}} bootc-web
sleep 30
systemctl is-active --quiet bootc@web.service
podman healthcheck run bootc-web
sleep 10
podman healthcheck run bootc-web
sleep 10
podman healthcheck run bootc-web
podman tag $OLD ghcr.io/acme/web:latest
systemctl reset-failed bootc@web.service
systemctl restart bootc@web.service
podman image prune --force
EOT
  [[ $(local_id ghcr.io/acme/web:latest) == "$OLD" ]]
  assert_output_has "web: the update to 222222222222 started at 2026-12-02T02:00:40Z was interrupted before its health check; checking it now"
  assert_output_has "web: health check of bootc-web failed 30s after the restart; rolling back ghcr.io/acme/web:latest to 111111111111"
  state_has web LAST_UPDATE_RESULT=rolled-back "CURRENT_ID=$OLD" "BAD_DIGESTS=$(digest "$NEW")" \
    PENDING_ID= PENDING_DIGEST= PENDING_SINCE=
}

@test "an update interrupted before its restart restarts into the pending image, then checks it" {
  standard_env web
  pending_state
  container_runs bootc-web "$OLD"

  run UPDATE --interrupted
  assert_status 0
  assert_commands <<EOT
podman container inspect --format {{.Image}} bootc-web
systemctl reset-failed bootc@web.service
systemctl restart bootc@web.service
sleep 30
systemctl is-active --quiet bootc@web.service
podman healthcheck run bootc-web
podman image prune --force
EOT
  state_has web LAST_UPDATE_RESULT=updated "CURRENT_ID=$NEW" "PREVIOUS_ID=$OLD" PENDING_ID=
}

@test "--interrupted (at boot) does nothing without an interrupted update, and never pulls" {
  standard_env web
  new_image web

  run UPDATE --interrupted
  assert_status 0
  assert_commands </dev/null
}

@test "--interrupted leaves the work to a run in progress" {
  standard_env web
  pending_state
  mkdir -p "$(dirname "$BOOTC_UPDATE_LOCK")"
  exec 8>"$BOOTC_UPDATE_LOCK"
  flock 8
  run UPDATE --interrupted
  exec 8>&-
  assert_status 0
  assert_output_has "a bootc-update run is in progress; it finishes any interrupted update first"
  assert_commands </dev/null
}

@test "the state file keeps a detail with quotes readable: quotes become single quotes" {
  write_env web <<'EOT'
CONTAINER_IMAGE=ghcr.io/acme/web:latest
UPDATE_STRATEGY=night"ly
EOT
  run UPDATE
  assert_status 1
  state_has web LAST_UPDATE_RESULT=failed "LAST_UPDATE_DETAIL=\"unknown UPDATE_STRATEGY 'night'ly'\""
}
