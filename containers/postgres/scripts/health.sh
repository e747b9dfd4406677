#!/bin/bash
# health.sh: exits 0 when the postgres application is healthy: hello.sh has touched
# STATE_DIR/heartbeat within three intervals. The image's HEALTHCHECK and iago's update
# rollback run it.
set -euo pipefail

for env_file in /usr/share/postgres/app.env /etc/postgres/app.env; do
  # shellcheck source=/dev/null
  if [[ -r $env_file ]]; then . "$env_file"; fi
done
STATE_DIR=${STATE_DIR:-/var/lib/postgres}
interval=${HELLO_INTERVAL:-30}
heartbeat=$STATE_DIR/heartbeat

if [[ ! -e $heartbeat ]]; then
  echo "unhealthy: no heartbeat yet at $heartbeat" >&2
  exit 1
fi
age=$(($(date +%s) - $(stat -c %Y "$heartbeat")))
if ((age > 3 * interval)); then
  echo "unhealthy: last heartbeat ${age}s ago (limit $((3 * interval))s)" >&2
  exit 1
fi
echo "healthy: last heartbeat ${age}s ago"
