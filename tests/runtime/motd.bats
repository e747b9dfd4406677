#!/usr/bin/env bats
# motd.sh with stub systemctl and uname: what a user sees at login.

load test_helper

@test "the status shows machine, unit state, image, strategy and the last update" {
  standard_env web
  standard_env cache staging
  write_state web <<'EOT'
# iago: update state of bootc@web
STATE_FORMAT=1
CURRENT_DIGEST=sha256:9a41d0c2e5f8aaaabbbbccccddddeeeeffff00001111222233334444555566667777
LAST_UPDATE_TIME=2026-11-26T02:00:31Z
LAST_UPDATE_RESULT=updated
EOT
  echo 3 >"$STUB_STATE/active"
  run "$RUNTIME/motd.sh"
  assert_status 0
  [[ $output == "iago machine web01
  bootc@cache: inactive, ghcr.io/acme/cache:staging (updates: staging)
    last update: never
  bootc@web: inactive, ghcr.io/acme/web:latest (updates: latest)
    last update: 2026-11-26T02:00:31Z updated, running sha256:9a41d0c2e5f8
  rollback and emergency commands: /etc/iago/rollback-instructions.txt" ]] || {
    printf '%s\n' "$output" >&2
    false
  }
  assert_commands <<'EOT'
systemctl is-active bootc@cache.service
systemctl is-active bootc@web.service
EOT
}

@test "a rollback and an interrupted update are shown until they are resolved" {
  standard_env web
  write_state web <<'EOT'
LAST_UPDATE_TIME=2026-11-27T02:01:10Z
LAST_UPDATE_RESULT=rolled-back
LAST_UPDATE_DETAIL="health check of bootc-web failed 30s after the restart"
LAST_ROLLBACK_TIME=2026-11-27T02:01:09Z
LAST_ROLLBACK_REASON="health check of bootc-web failed 30s after the restart (sha256:2222)"
PENDING_ID=sha256:3333
PENDING_SINCE=2026-11-28T02:00:40Z
EOT
  run "$RUNTIME/motd.sh"
  assert_status 0
  assert_output_has "    last update: 2026-11-27T02:01:10Z rolled-back: health check of bootc-web failed 30s after the restart
    ROLLED BACK 2026-11-27T02:01:09Z: health check of bootc-web failed 30s after the restart (sha256:2222)
    update interrupted at 2026-11-28T02:00:40Z before its health check; the next bootc-update run checks it"
}

@test "a machine without containers says so" {
  run "$RUNTIME/motd.sh"
  assert_status 0
  assert_output_has "  no containers configured in $IAGO_CONTAINERS_DIR"
}
