#!/usr/bin/env bash
# Installs what iago's development and tests need on a Debian machine: Deno (pinned, from npm)
# and the Debian packages the tests use as oracles (see README "Development").
set -euo pipefail
DENO_VERSION=2.9.6

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi

deno_version() { deno --version 2>/dev/null | awk 'NR==1 {print $2}'; }

if ! command -v deno >/dev/null 2>&1 || [ "$(deno_version)" != "$DENO_VERSION" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup.sh: Deno $DENO_VERSION is needed and npm is not installed: install npm (sudo apt-get install npm) or Deno $DENO_VERSION, then run this again" >&2
    exit 1
  fi
  # A distribution's npm installs globally under /usr or /usr/local, which needs root.
  if [ -w "$(npm prefix -g)" ]; then NPM_SUDO=; else NPM_SUDO=$SUDO; fi
  $NPM_SUDO npm install -g "deno@$DENO_VERSION"
  hash -r
  if [ "$(deno_version)" != "$DENO_VERSION" ]; then
    echo "setup.sh: npm installed Deno $DENO_VERSION, but the deno first on PATH ($(command -v deno || echo none)) is $(deno_version || true): put $(npm prefix -g)/bin first on PATH" >&2
    exit 1
  fi
fi

# pigz and time (/usr/bin/time: CPU seconds and peak RSS) for `deno task bench`; strace for the
# test that atomic writes sync their directory (tests/fsutil_test.ts).
packages=(ignition docker-registry skopeo umoci shellcheck bats buildah podman apache2-utils openssl systemd git ca-certificates zstd pigz time strace)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
deno install --frozen >/dev/null
