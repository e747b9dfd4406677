#!/usr/bin/env bats
# motd.sh with stub systemctl and uname: what a user sees at login.

load test_helper

@test "the status shows machine, unit state, image, strategy and the last update" {
  standard_env web
  standard_env cache staging
  mkdir -p "$BOOTC_UPDATE_STATE_DIR"
  echo "2026-11-26T02:00:31Z updated ghcr.io/acme/web:latest 222222222222" \
    >"$BOOTC_UPDATE_STATE_DIR/web.last"
  echo 3 >"$STUB_STATE/active"
  run "$RUNTIME/motd.sh"
  assert_status 0
  [[ $output == "iago machine web01
  bootc@cache: inactive, ghcr.io/acme/cache:staging (updates: staging)
    last update: never
  bootc@web: inactive, ghcr.io/acme/web:latest (updates: latest)
    last update: 2026-11-26T02:00:31Z updated ghcr.io/acme/web:latest 222222222222
  rollback and emergency commands: /etc/iago/rollback-instructions.txt" ]] || {
    printf '%s\n' "$output" >&2
    false
  }
  assert_commands <<'EOT'
systemctl is-active bootc@cache.service
systemctl is-active bootc@web.service
EOT
}

@test "a machine without containers says so" {
  run "$RUNTIME/motd.sh"
  assert_status 0
  assert_output_has "  no containers configured in $IAGO_CONTAINERS_DIR"
}
