# The probe of the web machine (after probe-lib.sh and the values the bastion set: IMG, V1, MAC,
# KEY, TIMEZONE). Each scenario reads like what the user does on the machine and what they see.
# shellcheck shell=bash disable=SC2154
C=bootc-web
U=bootc@web.service
ENV=/etc/iago/containers/web.env
motd() { runuser -u core -- /usr/local/bin/motd.sh; }
journal() { journalctl -u "$1" -o cat --no-pager; }
# update: one bootc-update run, as the timer starts it; its log when it fails.
update() {
  systemctl start bootc-update.service || {
    journalctl -u bootc-update.service -o cat -n 12 --no-pager
    return 1
  }
}
no_update() { ! systemctl start bootc-update.service; }
strategy() { sed -i "s/^UPDATE_STRATEGY=.*/UPDATE_STRATEGY=$1/" "$ENV"; }
pending() { [ -n "$(state web PENDING_ID)" ]; }
# interrupt: starts an update and kills it between the restart and the health check.
interrupt() {
  systemctl start --no-block bootc-update.service
  eventually 180 "$1: the update waits for its health check" pending
  systemctl kill -s KILL bootc-update.service
  sleep 1
}

scenario 1
need 420 "bootc@web.service is active: the image came from the LAN registry" systemctl is-active --quiet $U
eventually 120 "the container is healthy" healthy $C
check "it runs the image iago pushed" same "$(running_digest $C)" "$V1"
check "the LAN registry is listed insecure for podman" grep -rqF "${IMG%%/*}" /etc/containers/registries.conf.d
check "hostname is web" same "$(hostname)" web
check "time zone is $TIMEZONE" same "$(readlink /etc/localtime)" "../usr/share/zoneinfo/$TIMEZONE"
check "user core is in sudo and wheel" bash -c 'id -nG core | grep -qw sudo && id -nG core | grep -qw wheel'
check "admin exists" id admin
check "core has the SSH key from the GitHub stand-in" grep -rqF "$KEY" /home/core/.ssh
check "a login shell shows the motd with the container" has "$(runuser -u core -- bash -ilc true 2>&1)" "bootc@web: active"
nic=$(ip -br link | awk -v mac="$MAC" 'tolower($3) == mac { print $1 }')
check "the NIC with the machine's mac_address $MAC runs iago's profile" bash -c \
  "[ -n '$nic' ] && nmcli -t -f DEVICE,FILENAME connection show --active | grep -F '$nic:/etc/NetworkManager/system-connections/'"
end_scenario

scenario 3
V2=$(host push-v2)
check "the update run succeeds" update
check "state: updated to the new digest" same "$(state web LAST_UPDATE_RESULT) $(state web CURRENT_DIGEST)" "updated $V2"
check "state: previous is the first image" same "$(state web PREVIOUS_DIGEST)" "$V1"
check "the container runs the new image" same "$(running_digest $C)" "$V2"
check "it is healthy" healthy $C
check "the journal says so" has "$(journal bootc-update.service)" "web: updated to $IMG:latest"
cid=$(container_id $C)
check "an unchanged tag: the run succeeds" update
check "an unchanged tag: result unchanged" same "$(state web LAST_UPDATE_RESULT)" unchanged
check "an unchanged tag: the container was not restarted" same "$(container_id $C)" "$cid"
end_scenario

scenario 4
BAD=$(host push-bad)
check "an image failing its health check: the run fails" no_update
check "state: rolled back, running the previous digest" same "$(state web LAST_UPDATE_RESULT) $(state web CURRENT_DIGEST)" "rolled-back $V2"
check "state: the bad digest is remembered" has "$(state web BAD_DIGESTS)" "$BAD"
check "state: when and why" has "$(state web LAST_ROLLBACK_TIME) $(state web LAST_ROLLBACK_REASON)" "health check of bootc-web failed"
check "the container runs the previous image again" same "$(running_digest $C)" "$V2"
eventually 60 "it is healthy again" healthy $C
check "the journal says it rolled back, at priority err" has "$(journalctl -u bootc-update.service -p err -o cat)" "rolling back $IMG:latest"
check "the motd says it rolled back" has "$(motd)" "ROLLED BACK"
cid=$(container_id $C)
check "the same bad digest on the next run: refused" no_update
check "refused: result and no restart" same "$(state web LAST_UPDATE_RESULT) $(container_id $C)" "refused $cid"
check "refused: the journal names the digest" has "$(journal bootc-update.service)" "$BAD, which failed its health check here before"
check "refused: :latest on the machine still names the running image" same "$(podman image inspect --format '{{.Digest}}' "$IMG:latest")" "$V2"

BAD2=$(host push-bad2)
interrupt "bad image"
check "killed before the verdict, the state keeps the update pending" same "$(state web PENDING_DIGEST)" "$BAD2"
check "the motd says an update was interrupted" has "$(motd)" "update interrupted at"
check "bootc-update-check.service is enabled for the next boot" systemctl is-enabled --quiet bootc-update-check.service
check "the boot check fails the untested image" bash -c '! systemctl start bootc-update-check.service'
check "the boot check rolled it back, nothing pending" same "$(state web LAST_UPDATE_RESULT)/$(state web PENDING_ID)" "rolled-back/"
check "running the previous image again" same "$(running_digest $C)" "$V2"

V3=$(host push-v3)
interrupt "good image"
check "the next run checks the interrupted update first" update
check "the good image was kept" same "$(running_digest $C) $(state web CURRENT_DIGEST)" "$V3 $V3"
check "the journal says it checked the interrupted update" has "$(journal bootc-update.service)" "was interrupted before its health check; checking it now"
end_scenario

scenario 7
strategy pinned
V4=$(host push-v4)
check "pinned: the run succeeds" update
check "pinned: the container keeps its image" same "$(state web LAST_UPDATE_RESULT) $(running_digest $C)" "pinned $V3"
S=$(host push-staging)
strategy staging
check "staging: the run succeeds" update
check "staging: the container runs :staging" same "$(running_digest $C) $(state web IMAGE)" "$S $IMG:staging"
check "staging: the motd names :staging" has "$(motd)" "$IMG:staging (updates: staging)"
strategy latest
check "latest: the run succeeds" update
check "latest: the container runs :latest, which the staging build did not move" same "$(running_digest $C)" "$V4"
end_scenario

scenario 5
# Faster health checks (values of the env file) and restarts (a drop-in) than the defaults, so
# the scenario takes minutes rather than half an hour; the mechanism is the same.
cat >>"$ENV" <<'EOT'
HEALTH_CMD="/usr/libexec/web/health.sh && test ! -e /run/web-sick"
HEALTH_INTERVAL=5s
HEALTH_RETRIES=2
HEALTH_START_PERIOD=0s
EOT
mkdir -p /etc/systemd/system/bootc@web.service.d
printf '[Service]\nRestartSec=2\n' >/etc/systemd/system/bootc@web.service.d/e2e-fast.conf
systemctl daemon-reload
systemctl restart $U
eventually 90 "the container is healthy" healthy $C
cid=$(container_id $C)
restarts=$(systemctl show -P NRestarts $U)
touch /run/web-sick
eventually 120 "turned unhealthy, it is killed and started again" bash -c "id=\$(podman container inspect --format '{{.Id}}' $C 2>/dev/null) && [ -n \"\$id\" ] && [ \"\$id\" != $cid ]"
check "systemd counted the restart" test "$(systemctl show -P NRestarts $U)" -gt "$restarts"
rm -f /run/web-sick
eventually 90 "it is healthy again" healthy $C
touch /run/web-sick
eventually 300 "unhealthy at every start, bootc@web.service fails" bash -c "[ \"\$(systemctl is-failed $U)\" = failed ]"
check "systemctl --failed lists it" has "$(systemctl --failed --no-legend)" "$U"
check "the journal says why" has "$(journal $U)" "Start request repeated too quickly"
check "the motd shows it failed" has "$(motd)" "bootc@web: failed"
rm -f /run/web-sick
end_scenario
