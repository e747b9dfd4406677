#!/bin/bash
# smoke.sh [IMAGE]: runs the built postgres image once and checks that its scripts work.
# Needs podman. Default IMAGE: ghcr.io/iago-example/postgres:latest
set -euo pipefail

image=${1:-ghcr.io/iago-example/postgres:latest}
out=$(podman run --rm "$image" /usr/libexec/postgres/hello.sh --once)
echo "$out"
grep -q "hello from postgres" <<<"$out"
podman run --rm "$image" /bin/bash -c \
  '/usr/libexec/postgres/hello.sh --once >/dev/null && /usr/libexec/postgres/health.sh'
echo "smoke test passed"
