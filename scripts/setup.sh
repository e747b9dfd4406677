#!/usr/bin/env bash
# Installs what iago's development and tests need on a Debian machine: Deno (pinned, from npm)
# and the Debian packages the tests use as oracles (see README "Tests").
set -euo pipefail
DENO_VERSION=2.9.6

if ! command -v deno >/dev/null 2>&1 || [ "$(deno --version | awk 'NR==1 {print $2}')" != "$DENO_VERSION" ]; then
  npm install -g "deno@$DENO_VERSION"
fi

packages=(ignition docker-registry skopeo umoci shellcheck bats buildah podman apache2-utils openssl systemd git ca-certificates)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
deno install --frozen >/dev/null
