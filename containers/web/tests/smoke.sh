#!/bin/bash
# smoke.sh [IMAGE]: runs the built web image once and checks that its scripts work.
# Needs podman. Default IMAGE: ghcr.io/iago-example/web:latest
set -euo pipefail

image=${1:-ghcr.io/iago-example/web:latest}
out=$(podman run --rm "$image" /usr/libexec/web/hello.sh --once)
echo "$out"
grep -q "hello from web" <<<"$out"
podman run --rm "$image" /bin/bash -c \
  '/usr/libexec/web/hello.sh --once >/dev/null && /usr/libexec/web/health.sh'
echo "smoke test passed"
