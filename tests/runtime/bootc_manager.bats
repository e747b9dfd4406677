#!/usr/bin/env bats
# bootc-manager.sh with stub systemctl: one bootc@NAME.service per env file.

load test_helper

@test "one bootc@ unit is enabled and started per env file, other files ignored" {
  standard_env web
  standard_env db
  touch "$IAGO_CONTAINERS_DIR/notes.txt" "$IAGO_CONTAINERS_DIR/web.env.bak"
  run "$RUNTIME/bootc-manager.sh"
  assert_status 0
  assert_commands <<'EOT'
systemctl enable --now --no-block bootc@db.service
systemctl enable --now --no-block bootc@web.service
EOT
  assert_output_has "bootc-manager: starting bootc@db.service"
}

@test "an env file with an invalid name is skipped and reported, the others still start" {
  standard_env web
  touch "$IAGO_CONTAINERS_DIR/-rf.env" "$IAGO_CONTAINERS_DIR/my app.env"
  run "$RUNTIME/bootc-manager.sh"
  assert_status 1
  assert_commands <<'EOT'
systemctl enable --now --no-block bootc@web.service
EOT
  assert_output_has "skipping $IAGO_CONTAINERS_DIR/-rf.env: \"-rf\" is not a valid container name"
  assert_output_has "skipping $IAGO_CONTAINERS_DIR/my app.env"
}

@test "a unit that cannot be enabled fails the run after the others are started" {
  standard_env a
  standard_env b
  echo bootc@a.service >"$STUB_STATE/enable-fails"
  run "$RUNTIME/bootc-manager.sh"
  assert_status 1
  assert_commands <<'EOT'
systemctl enable --now --no-block bootc@a.service
systemctl enable --now --no-block bootc@b.service
EOT
  assert_output_has "bootc-manager: could not enable bootc@a.service"
}

@test "no env files starts nothing and says so" {
  run "$RUNTIME/bootc-manager.sh"
  assert_status 0
  assert_commands </dev/null
  assert_output_has "no container env files in $IAGO_CONTAINERS_DIR, nothing to start"
}
