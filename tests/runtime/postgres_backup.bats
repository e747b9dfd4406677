#!/usr/bin/env bats
# postgres-backup.sh with stub podman and uname: dump, gzip, retention, loud failures.

load test_helper

backup_setup() {
  export POSTGRES_BACKUP_DIR="$BATS_TEST_TMPDIR/backups"
  mkdir -p "$POSTGRES_BACKUP_DIR"
}

@test "a dump of every database is written gzipped, 0600, named by UTC time" {
  backup_setup
  printf -- '-- PostgreSQL database cluster dump\nCREATE ROLE app;\n' >"$STUB_STATE/dump"
  run "$RUNTIME/postgres-backup.sh"
  assert_status 0
  assert_commands <<'EOT'
podman exec --user postgres bootc-web01 pg_dumpall
EOT
  files=("$POSTGRES_BACKUP_DIR"/postgres-*.sql.gz)
  [[ ${#files[@]} == 1 ]]
  [[ ${files[0]##*/} =~ ^postgres-[0-9]{8}T[0-9]{6}Z\.sql\.gz$ ]]
  [[ $(gzip -dc "${files[0]}") == $'-- PostgreSQL database cluster dump\nCREATE ROLE app;' ]]
  [[ $(stat -c %a "${files[0]}") == 600 ]]
  assert_output_has "postgres-backup: wrote ${files[0]}"
}

@test "dumps older than the retention are deleted, newer ones kept" {
  backup_setup
  export BACKUP_RETENTION_DAYS=3 POSTGRES_CONTAINER=db-main POSTGRES_USER=pgadmin
  touch -d '5 days ago' "$POSTGRES_BACKUP_DIR/postgres-20261121T010000Z.sql.gz"
  touch -d '2 days ago' "$POSTGRES_BACKUP_DIR/postgres-20261124T010000Z.sql.gz"
  touch -d '2 days ago' "$POSTGRES_BACKUP_DIR/postgres-20261124T010000Z.sql.gz.partial"
  touch -d '9 days ago' "$POSTGRES_BACKUP_DIR/keep-me.txt"
  run "$RUNTIME/postgres-backup.sh"
  assert_status 0
  assert_commands <<'EOT'
podman exec --user pgadmin db-main pg_dumpall
EOT
  [[ ! -e $POSTGRES_BACKUP_DIR/postgres-20261121T010000Z.sql.gz ]]
  [[ ! -e $POSTGRES_BACKUP_DIR/postgres-20261124T010000Z.sql.gz.partial ]]
  [[ -e $POSTGRES_BACKUP_DIR/postgres-20261124T010000Z.sql.gz ]]
  [[ -e $POSTGRES_BACKUP_DIR/keep-me.txt ]]
  assert_output_has "postgres-backup: deleted old dump $POSTGRES_BACKUP_DIR/postgres-20261121T010000Z.sql.gz"
  [[ $(find "$POSTGRES_BACKUP_DIR" -name 'postgres-*.sql.gz' | wc -l) == 2 ]]
}

@test "a failed dump fails loudly, writes nothing and deletes no old dump" {
  backup_setup
  touch -d '30 days ago' "$POSTGRES_BACKUP_DIR/postgres-20261027T010000Z.sql.gz"
  echo 1 >"$STUB_STATE/exec-status"
  run "$RUNTIME/postgres-backup.sh"
  assert_status 1
  assert_output_has "postgres-backup: pg_dumpall in container bootc-web01 failed; no backup written, old backups kept"
  [[ -e $POSTGRES_BACKUP_DIR/postgres-20261027T010000Z.sql.gz ]]
  [[ $(ls "$POSTGRES_BACKUP_DIR") == postgres-20261027T010000Z.sql.gz ]]
}

@test "a retention that is not a positive whole number is refused" {
  backup_setup
  BACKUP_RETENTION_DAYS=0 run "$RUNTIME/postgres-backup.sh"
  assert_status 1
  assert_output_has "BACKUP_RETENTION_DAYS must be a whole number of days, 1 or more, not '0'"
  assert_commands </dev/null
}
