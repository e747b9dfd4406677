# Helpers of every e2e probe (prepended to it by the harness, after H=http://vmhost.test:PORT).
# The probe runs as root inside the VM after multi-user.target. Checks are reported to the
# bastion as they happen (the conductor), and echoed to the serial console.
# shellcheck shell=bash disable=SC2154

SCEN=""

# post PATH: sends stdin to the conductor.
post() {
  curl -fsS --max-time 30 --data-binary @- "$H/$1" >/dev/null 2>&1 || true
}

# scenario ID: the checks that follow belong to scenario ID; end_scenario closes it.
scenario() {
  SCEN=$1
  echo "@@ scenario $1"
  post "begin/$1" </dev/null
}
end_scenario() {
  echo "@@ end $SCEN"
  post "end/$SCEN" </dev/null
}

pass() {
  echo "@@ pass $SCEN $1"
  printf '%s' "$1" | post "pass/$SCEN"
}

fail() {
  echo "@@ FAIL $SCEN $1: $2"
  printf '%s\n%s' "$1" "$2" | post "fail/$SCEN"
}

# limit WHAT: something this scenario cannot show on the stand-in VM (not a failure).
limit() {
  echo "@@ limit $SCEN $1"
  printf '%s' "$1" | post "limit/$SCEN"
}

# check WHAT CMD...: passes when CMD exits 0; else fails with the end of its output.
check() {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then pass "$what"; else
    fail "$what" "$(printf '%s' "$out" | tail -c 800)"
    return 1
  fi
}

# eventually SECONDS WHAT CMD...: passes when CMD exits 0 within SECONDS (tried every 2 s).
eventually() {
  local limit=$1 what=$2 out end
  shift 2
  end=$((SECONDS + limit))
  until out=$("$@" 2>&1); do
    if ((SECONDS >= end)); then
      fail "$what (within ${limit}s)" "$(printf '%s' "$out" | tail -c 800)"
      return 1
    fi
    sleep 2
  done
  pass "$what"
}

# need SECONDS WHAT CMD...: as eventually, but the rest of the probe depends on it: when it
# fails, the probe stops (with the journal of iago's units in its log).
need() {
  eventually "$@" && return 0
  fail "the journal of iago's units" "$(journalctl -u 'bootc*' -o cat -n 40 --no-pager)"
  echo "@@ stopping: the rest of the probe depends on this"
  exit 1
}

# same A B: A equals B (for check).
same() {
  if [[ $1 == "$2" ]]; then return 0; fi
  printf 'expected "%s", got "%s"\n' "$2" "$1"
  return 1
}

# has TEXT PATTERN: TEXT holds PATTERN (a fixed string).
has() {
  if grep -qF -- "$2" <<<"$1"; then return 0; fi
  printf 'no "%s" in:\n%s\n' "$2" "$1"
  return 1
}

# host STEP: asks the bastion to do STEP (build and push an image, ...); prints its answer.
host() {
  curl -fsS --max-time 900 -X POST "$H/step/$1"
}

# state NAME KEY: KEY of bootc-update's state of container NAME, quotes removed.
state() {
  sed -n "s/^$2=//p" "/var/lib/iago/bootc-update/$1.state" 2>/dev/null | tr -d '"'
}

# running_digest CONTAINER: the manifest digest of the image the container runs.
running_digest() {
  podman image inspect --format '{{.Digest}}' "$(podman container inspect --format '{{.Image}}' "$1")"
}

# container_id CONTAINER: the podman container ID (changes when the container is recreated).
container_id() {
  podman container inspect --format '{{.Id}}' "$1" 2>/dev/null
}

# healthy CONTAINER: its health check passes now.
healthy() {
  podman healthcheck run "$1"
}

# journal_tail: the end of the journal of iago's units, for the log the bastion keeps
# (BOOT-probe.out) when something failed.
journal_tail() {
  echo "@@ journal of iago's units"
  journalctl -u 'bootc*' -u 'postgres*' --no-pager -o short-monotonic | tail -300
}
trap journal_tail EXIT
