#!/bin/bash
# postgres-backup.sh: dumps every database of the machine's PostgreSQL container with
# `podman exec ... pg_dumpall` into BACKUP_DIR/postgres-YYYYmmddTHHMMSSZ.sql.gz (mode 0600),
# checks the archive, then deletes dumps older than BACKUP_RETENTION_DAYS days (default 7).
# It fails loudly (message on stderr, exit 1, a failed postgres-backup.service) and deletes no
# old dump unless the new one is complete.
#
# Environment (from /etc/iago/postgres-backup.env through the unit):
#   POSTGRES_CONTAINER     container to dump (default bootc-HOSTNAME, the machine's container)
#   POSTGRES_USER          OS user in the container running pg_dumpall, peer auth (postgres)
#   BACKUP_RETENTION_DAYS  days of dumps to keep (7)
#   POSTGRES_BACKUP_DIR    where dumps go (/var/lib/iago/backups/postgres)
set -euo pipefail
umask 077

die() {
  printf 'postgres-backup: %s\n' "$*" >&2
  exit 1
}

host=$(uname -n)
CONTAINER=${POSTGRES_CONTAINER:-bootc-${host%%.*}}
DB_USER=${POSTGRES_USER:-postgres}
RETENTION_DAYS=${BACKUP_RETENTION_DAYS:-7}
BACKUP_DIR=${POSTGRES_BACKUP_DIR:-/var/lib/iago/backups/postgres}

[[ $RETENTION_DAYS =~ ^[1-9][0-9]*$ ]] ||
  die "BACKUP_RETENTION_DAYS must be a whole number of days, 1 or more, not '$RETENTION_DAYS'"
mkdir -p "$BACKUP_DIR" || die "cannot create $BACKUP_DIR"

file="$BACKUP_DIR/postgres-$(date -u +%Y%m%dT%H%M%SZ).sql.gz"
partial="$file.partial"
trap 'rm -f "$partial"' EXIT

printf 'postgres-backup: dumping all databases of container %s to %s\n' "$CONTAINER" "$file"
if ! podman exec --user "$DB_USER" "$CONTAINER" pg_dumpall | gzip -c >"$partial"; then
  die "pg_dumpall in container $CONTAINER failed; no backup written, old backups kept"
fi
gzip -t "$partial" 2>/dev/null || die "the dump $partial is not a valid gzip file; old backups kept"
mv -f "$partial" "$file"
printf 'postgres-backup: wrote %s (%s bytes)\n' "$file" "$(stat -c %s "$file")"

# Retention: only now that a complete dump exists. Partial files are from interrupted runs.
find "$BACKUP_DIR" -maxdepth 1 -type f \
  \( -name 'postgres-*.sql.gz' -mmin "+$((RETENTION_DAYS * 1440))" \
  -o -name 'postgres-*.sql.gz.partial' -mmin +1440 \) \
  -print -delete | sed 's/^/postgres-backup: deleted old dump /'
