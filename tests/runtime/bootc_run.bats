#!/usr/bin/env bats
# bootc-run.sh with stub podman: the exact `podman run` command line it execs.

load test_helper

RUN() {
  "$RUNTIME/bootc-run.sh" "$@"
}

@test "the container runs as the original's unit does, with the health check of the env file" {
  write_env postgres <<'EOT'
CONTAINER_IMAGE=ghcr.io/acme/postgres:latest
CONTAINER_NAME=bootc-postgres
HEALTH_CHECK_WAIT=30
UPDATE_STRATEGY=latest
HEALTH_CMD=pg_isready -q
HEALTH_INTERVAL=15s
HEALTH_RETRIES=5
HEALTH_START_PERIOD=90s
EOT
  run RUN postgres
  assert_status 0
  assert_commands <<'EOT'
podman rm --force --ignore bootc-postgres
podman run --rm --name bootc-postgres --net host --pid host --privileged --security-opt label=disable -v /etc/iago:/etc/iago:ro --tz local -v /var:/var -v /run:/run --env MACHINE_NAME=postgres --sdnotify=conmon --health-cmd 'pg_isready -q' --health-interval 15s --health-retries 5 --health-start-period 90s --health-on-failure kill ghcr.io/acme/postgres:latest
EOT
}

@test "health intervals default to 30s, 3 retries and a 60s start period" {
  standard_env web
  run RUN web
  assert_status 0
  grep -q -- "--health-cmd /usr/local/bin/health.sh --health-interval 30s --health-retries 3 --health-start-period 60s --health-on-failure kill ghcr.io/acme/web:latest$" \
    "$STUB_STATE/commands"
}

@test "without HEALTH_CMD the image's own health check applies; none turns it off" {
  write_env web <<'EOT'
CONTAINER_IMAGE=ghcr.io/acme/web:latest
CONTAINER_NAME=bootc-web
MACHINE_NAME=edge-1
EOT
  local_image ghcr.io/acme/web:latest "$(digest 1)"
  echo '{[CMD-SHELL /usr/local/bin/health.sh] 30s 5s 0s 3}' >"$STUB_STATE/image-healthcheck"
  run RUN web
  assert_status 0
  assert_commands <<'EOT'
podman image exists ghcr.io/acme/web:latest
podman image inspect --format {{.HealthCheck}} ghcr.io/acme/web:latest
podman rm --force --ignore bootc-web
podman run --rm --name bootc-web --net host --pid host --privileged --security-opt label=disable -v /etc/iago:/etc/iago:ro --tz local -v /var:/var -v /run:/run --env MACHINE_NAME=edge-1 --sdnotify=conmon --health-on-failure kill ghcr.io/acme/web:latest
EOT
  echo HEALTH_CMD=none >>"$IAGO_CONTAINERS_DIR/web.env"
  : >"$STUB_STATE/commands"
  run RUN web
  grep -q -- "--sdnotify=conmon --no-healthcheck ghcr.io/acme/web:latest$" "$STUB_STATE/commands"
}

@test "an image without a HEALTHCHECK of its own runs without --health-on-failure (podman refuses it)" {
  write_env web <<'EOT'
CONTAINER_IMAGE=registry.local:5000/mariadb:latest
CONTAINER_NAME=bootc-web
EOT
  remote_image registry.local:5000/mariadb:latest "$(digest 2)"
  run RUN web
  assert_status 0
  assert_commands <<'EOT'
podman image exists registry.local:5000/mariadb:latest
podman pull --quiet registry.local:5000/mariadb:latest
podman image inspect --format {{.HealthCheck}} registry.local:5000/mariadb:latest
podman rm --force --ignore bootc-web
podman run --rm --name bootc-web --net host --pid host --privileged --security-opt label=disable -v /etc/iago:/etc/iago:ro --tz local -v /var:/var -v /run:/run --env MACHINE_NAME=web --sdnotify=conmon registry.local:5000/mariadb:latest
EOT
}

@test "an unhealthy container is killed (systemd restarts it) unless HEALTH_ON_FAILURE says otherwise" {
  standard_env web
  echo HEALTH_ON_FAILURE=restart >>"$IAGO_CONTAINERS_DIR/web.env"
  run RUN web
  assert_status 0
  grep -q -- "--health-start-period 60s --health-on-failure restart ghcr.io/acme/web:latest$" \
    "$STUB_STATE/commands"
  echo HEALTH_ON_FAILURE=none >>"$IAGO_CONTAINERS_DIR/web.env"
  : >"$STUB_STATE/commands"
  run RUN web
  grep -q -- "--health-start-period 60s ghcr.io/acme/web:latest$" "$STUB_STATE/commands"
}

@test "MOUNT_HOST_ETC=true mounts the machine's whole /etc, false keeps the image's; other values fail" {
  standard_env web
  echo MOUNT_HOST_ETC=true >>"$IAGO_CONTAINERS_DIR/web.env"
  run RUN web
  assert_status 0
  grep -q -- "--security-opt label=disable -v /etc:/etc -v /var:/var -v /run:/run " "$STUB_STATE/commands"
  ! grep -q -- "--tz local" "$STUB_STATE/commands"

  sed -i 's/^MOUNT_HOST_ETC=.*/MOUNT_HOST_ETC=false/' "$IAGO_CONTAINERS_DIR/web.env"
  : >"$STUB_STATE/commands"
  run RUN web
  assert_status 0
  grep -q -- "--security-opt label=disable -v /etc/iago:/etc/iago:ro --tz local -v /var:/var " "$STUB_STATE/commands"
  ! grep -q -- "-v /etc:/etc" "$STUB_STATE/commands"

  # A machine whose /etc/localtime leads nowhere keeps the image's time zone: --tz local would fail.
  : >"$STUB_STATE/commands"
  IAGO_LOCALTIME=$BATS_TEST_TMPDIR/no-such-zone run RUN web
  assert_status 0
  grep -q -- "--security-opt label=disable -v /etc/iago:/etc/iago:ro -v /var:/var " "$STUB_STATE/commands"

  sed -i 's/^MOUNT_HOST_ETC=.*/MOUNT_HOST_ETC=yes/' "$IAGO_CONTAINERS_DIR/web.env"
  run RUN web
  assert_status 1
  assert_output_has "MOUNT_HOST_ETC in $IAGO_CONTAINERS_DIR/web.env is 'yes'; use true or false"
}

@test "the staging strategy runs the :staging tag and PODMAN_ARGS come before the image" {
  write_env web <<'EOT'
CONTAINER_IMAGE=registry.local:5000/web:v1
CONTAINER_NAME=bootc-web
UPDATE_STRATEGY=staging
PODMAN_ARGS=--memory 512m  --env TIER=edge
EOT
  local_image registry.local:5000/web:staging "$(digest 3)"
  echo '{[CMD-SHELL /health.sh] 30s 5s 0s 3}' >"$STUB_STATE/image-healthcheck"
  run RUN web
  assert_status 0
  grep -qx "podman image inspect --format {{.HealthCheck}} registry.local:5000/web:staging" \
    "$STUB_STATE/commands"
  grep -q -- "--sdnotify=conmon --health-on-failure kill --memory 512m --env TIER=edge registry.local:5000/web:staging$" \
    "$STUB_STATE/commands"
}

@test "podman replaces the script (exec), so systemd supervises podman itself" {
  standard_env web
  run bash -c 'echo $$ >"$1"; exec "$2" web' _ "$BATS_TEST_TMPDIR/shell-pid" "$RUNTIME/bootc-run.sh"
  assert_status 0
  [[ $(cat "$STUB_STATE/run-pid") == $(cat "$BATS_TEST_TMPDIR/shell-pid") ]]
}

@test "a missing env file, a bad name or a missing key fails with a clear message" {
  run RUN web
  assert_status 1
  assert_output_has "bootc-run: cannot read $IAGO_CONTAINERS_DIR/web.env; create it with CONTAINER_IMAGE= and CONTAINER_NAME= lines"
  run RUN ../etc/passwd
  assert_status 1
  assert_output_has "bootc-run: invalid container name '../etc/passwd'"
  echo CONTAINER_IMAGE=ghcr.io/acme/web:latest >"$IAGO_CONTAINERS_DIR/web.env"
  run RUN web
  assert_status 1
  assert_output_has "CONTAINER_NAME is not set in $IAGO_CONTAINERS_DIR/web.env (e.g. CONTAINER_NAME=bootc-web)"
  run RUN
  assert_status 2
  assert_output_has "usage: bootc-run.sh NAME"
  assert_commands </dev/null
}
