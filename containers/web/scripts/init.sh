#!/bin/bash
# init.sh: prepares the web application before it starts: loads its settings and
# makes sure its state directory exists and is writable. hello.sh runs it first.
set -euo pipefail

for env_file in /usr/share/web/app.env /etc/web/app.env; do
  # shellcheck source=/dev/null
  if [[ -r $env_file ]]; then . "$env_file"; fi
done
STATE_DIR=${STATE_DIR:-/var/lib/web}

mkdir -p "$STATE_DIR"
if [[ ! -w $STATE_DIR ]]; then
  echo "init: cannot write to $STATE_DIR (check /usr/lib/tmpfiles.d/web-app.conf)" >&2
  exit 1
fi
echo "init: web ready, state in $STATE_DIR"
