#!/bin/bash
# iago-coreos-stream.sh STREAM: makes this Fedora CoreOS machine follow STREAM (stable, testing
# or next, from `[updates] stream` in iago's defaults.toml). Zincati updates a machine within
# the stream it booted, so when the booted stream differs, this rebases onto STREAM once and
# reboots into it; later boots find the stream right and do nothing.
# Exit status: 0 when the machine follows STREAM (or a rebase is staged), 1 on failure.
set -euo pipefail

want=${1:?usage: iago-coreos-stream.sh STREAM}
case $want in
  stable | testing | next) ;;
  *)
    printf 'iago-coreos-stream: unknown stream "%s" (stable, testing, next)\n' "$want" >&2
    exit 1
    ;;
esac

status=$(rpm-ostree status --json --booted)
have=$(jq -r '.deployments[0]["base-commit-meta"]["fedora-coreos.stream"] // empty' <<<"$status")
if [[ $have == "$want" ]]; then
  printf 'iago-coreos-stream: following the %s stream\n' "$want"
  exit 0
fi
printf 'iago-coreos-stream: booted stream is "%s", configured "%s": rebasing\n' "${have:-unknown}" "$want"
systemctl stop zincati.service || true
rpm-ostree rebase "fedora:fedora/$(uname -m)/coreos/$want"
printf 'iago-coreos-stream: rebased to %s; rebooting into it\n' "$want"
systemctl reboot
