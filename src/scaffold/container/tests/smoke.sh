#!/bin/bash
# smoke.sh [IMAGE]: runs the built <%= it.name %> image once and checks that its scripts work.
# Needs podman. Default IMAGE: <%= it.image %>
set -euo pipefail

image=${1:-<%= it.image %>}
out=$(podman run --rm "$image" /usr/libexec/<%= it.name %>/hello.sh --once)
echo "$out"
grep -q "hello from <%= it.name %>" <<<"$out"
podman run --rm "$image" /bin/bash -c \
  '/usr/libexec/<%= it.name %>/hello.sh --once >/dev/null && /usr/libexec/<%= it.name %>/health.sh'
echo "smoke test passed"
