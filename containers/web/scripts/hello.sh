#!/bin/bash
# hello.sh: the demonstration service of web. Logs a line every HELLO_INTERVAL
# seconds (default 30) and touches STATE_DIR/heartbeat, which health.sh checks.
# `hello.sh --once` logs one line and exits.
set -euo pipefail

here=$(dirname "$0")
"$here/init.sh"
for env_file in /usr/share/web/app.env /etc/web/app.env; do
  # shellcheck source=/dev/null
  if [[ -r $env_file ]]; then . "$env_file"; fi
done
STATE_DIR=${STATE_DIR:-/var/lib/web}
interval=${HELLO_INTERVAL:-30}

while true; do
  echo "hello from web on $(hostname) at $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  touch "$STATE_DIR/heartbeat"
  if [[ ${1:-} == --once ]]; then exit 0; fi
  sleep "$interval"
done
