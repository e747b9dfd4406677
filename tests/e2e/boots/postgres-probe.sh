# The probe of the db machine (after probe-lib.sh and the values the bastion set: IMG, V1,
# PULL_USER, PUSH_PASSWORD).
# shellcheck shell=bash disable=SC2154
C=bootc-db
U=bootc@db.service
AUTH=/etc/containers/auth.json
SECRET=/etc/iago/secrets/postgres-password
BACKUPS=/var/lib/iago/backups/postgres
sql() { podman exec -e PGPASSWORD="$1" "$C" psql -h 127.0.0.1 -U postgres -tAc "$2"; }
# anonymous_pull: a pull without the machine's credentials (prints podman's error).
anonymous_pull() {
  echo '{}' >/run/no-credentials.json
  env -u REGISTRY_AUTH_FILE podman pull --authfile /run/no-credentials.json "$IMG:latest"
}


scenario 2
need 900 "bootc@db.service is active: pulled from the registry with the pull account" systemctl is-active --quiet $U
check "it runs the PostgreSQL image iago built from Debian's packages" same "$(running_digest $C)" "$V1"
check "the credentials are in $AUTH, root only (0600)" same "$(stat -c '%U %a' $AUTH)" "root 600"
check "they are the pull account's" has "$(sed -n 's/.*"auth": "\(.*\)".*/\1/p' $AUTH | base64 -d)" "$PULL_USER:"
check "the push password is nowhere in /etc" bash -c "! grep -rqsF '$PUSH_PASSWORD' /etc"
check "without them the registry refuses the pull" has "$(anonymous_pull 2>&1)" "authentication required"
end_scenario

scenario 8
eventually 300 "PostgreSQL accepts connections" podman exec $C pg_isready --quiet
check "the generated password is at $SECRET, root 0600" same "$(stat -c '%U %a' $SECRET)" "root 600"
check "it is 32 letters and digits" bash -c "grep -qxE '[A-Za-z0-9]{32}' $SECRET"
check "the server takes that password" same "$(sql "$(cat $SECRET)" 'select 1')" 1
check "and refuses another" bash -c "! podman exec -e PGPASSWORD=wrong $C psql -h 127.0.0.1 -U postgres -tAc 'select 1'"
check "postgres-backup.timer is active" systemctl is-active --quiet postgres-backup.timer
check "postgres-health.timer is active" systemctl is-active --quiet postgres-health.timer
check "postgres-health.service runs once successfully" systemctl start postgres-health.service
check "postgres-backup.service runs once successfully" systemctl start postgres-backup.service
dump=$(find $BACKUPS -name "postgres-*.sql.gz" | sort | tail -1)
check "the dump is in $BACKUPS, 0600" same "$(stat -c %a "$dump")" 600
check "it holds the cluster" has "$(zcat "$dump")" "PostgreSQL database cluster dump"
check "the machine has no postgres user" bash -c '! id postgres'
check "the container has its own, from its own /etc" same "$(podman exec $C id -un postgres)" postgres
check "the server runs as the image's postgres user" same "$(ps -o uid= -C postgres | sort -u | head -1 | tr -d ' ')" "$(podman exec $C id -u postgres)"
end_scenario
