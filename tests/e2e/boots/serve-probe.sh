# The probe of the netboot machine (after probe-lib.sh and the values the bastion set: IMG, V1,
# DIGEST, URL, the server's CA certificate in CA, and the served config's check lines in
# CHECKS). The machine was given only a pointer config; everything it has came from iago serve.
# shellcheck shell=bash disable=SC2154
C=bootc-netboot
U=bootc@netboot.service
POINTER=/sys/firmware/qemu_fw_cfg/by_name/opt/com.coreos/config/raw

# config_on_machine: every file, link, enabled unit and user of the served config is here.
config_on_machine() {
  local kind a b c got mode fails=0
  while read -r kind a b c; do
    case $kind in
      f)
        got=$(sha256sum "$a" 2>/dev/null | cut -d' ' -f1)
        mode=$(stat -c %a "$a" 2>/dev/null)
        [ "$got $mode" = "$b $c" ] || { echo "file $a: sha256 $got mode $mode"; fails=$((fails + 1)); }
        ;;
      l) [ "$(readlink "$a")" = "$b" ] || { echo "link $a -> $(readlink "$a")"; fails=$((fails + 1)); } ;;
      u) systemctl is-enabled -q "$a" || { echo "unit $a is not enabled"; fails=$((fails + 1)); } ;;
      p) id "$a" >/dev/null 2>&1 || { echo "no user $a"; fails=$((fails + 1)); } ;;
    esac
  done <<<"$CHECKS"
  echo "$(wc -l <<<"$CHECKS") checks, $fails failed"
  [ "$fails" -eq 0 ]
}

scenario 9
check "the machine was given only the pointer config" has "$(cat $POINTER)" '"config":{"replace":{"source":"https://10.0.2.2:'
check "Ignition replaced it with the served config: /etc/iago/ignition.digest is netboot.ign's" same "$(cat /etc/iago/ignition.digest)" "$DIGEST"
check "every file, link, enabled unit and user of the served config is on the machine" config_on_machine
check "hostname is netboot" same "$(hostname)" netboot
need 420 "bootc@netboot.service is active: the served config's container came from the LAN registry" systemctl is-active --quiet $U
eventually 120 "the container is healthy" healthy $C
check "it runs the image iago pushed" same "$(running_digest $C)" "$V1"
printf '%s\n' "$CA" >/run/serve-ca.pem
check "the armed config fetched again from the machine (HTTPS, the fleet's CA): 404" same "$(curl -s --cacert /run/serve-ca.pem -o /dev/null -w '%{http_code}' "$URL")" 404
check "the bastion checked serve's log and the arms of other runs" host serve-arms
end_scenario
