# The probe of the vault machine (after probe-lib.sh and the values the bastion set: IMG, V1,
# PULL_USER, PUSH_PASSWORD).
# shellcheck shell=bash disable=SC2154
C=bootc-vault
U=bootc@vault.service
AUTH=/etc/containers/auth.json
journal() { journalctl -u "$1" -o cat --no-pager; }
update() { systemctl start bootc-update.service; }
no_update() { ! systemctl start bootc-update.service; }
# anonymous_pull: a pull without the machine's credentials (prints podman's error).
anonymous_pull() { env -u REGISTRY_AUTH_FILE podman pull --authfile /dev/null "$IMG:latest"; }

scenario 2
eventually 420 "bootc@vault.service is active: pulled from the registry with the pull account" systemctl is-active --quiet $U
eventually 120 "the container is healthy" healthy $C
check "it runs the signed image iago pushed" same "$(running_digest $C)" "$V1"
check "the credentials are in $AUTH, root only (0600)" same "$(stat -c '%U %a' $AUTH)" "root 600"
check "they are the pull account's" has "$(sed -n 's/.*"auth": "\(.*\)".*/\1/p' $AUTH | base64 -d)" "$PULL_USER:"
check "the push password is nowhere in /etc" bash -c "! grep -rqsF '$PUSH_PASSWORD' /etc"
check "without them the registry refuses the pull" has "$(anonymous_pull 2>&1)" "unauthorized"
end_scenario

scenario 6
check "policy.json requires the fleet's signature for its registry" has "$(cat /etc/containers/policy.json)" "sigstoreSigned"
check "an image signed by iago build --sign --key was accepted at boot" same "$(running_digest $C)" "$V1"
UNSIGNED=$(host push-unsigned)
check "an unsigned image: the update fails" no_update
check "unsigned: podman refused it, the running image stays" same "$(running_digest $C) $(state vault LAST_UPDATE_RESULT)" "$V1 failed"
check "unsigned: the journal says why" has "$(journal bootc-update.service)" "rejected"
check "unsigned: it never reached local storage" bash -c "! podman image exists $IMG@$UNSIGNED"
WRONG=$(host push-wrongly-signed)
check "an image signed with another key: the update fails" no_update
check "wrongly signed: the running image stays" same "$(running_digest $C)" "$V1"
check "wrongly signed: it never reached local storage" bash -c "! podman image exists $IMG@$WRONG"
V2=$(host push-signed)
check "a new image signed with the fleet's key: the update succeeds" update
check "signed: the container runs it" same "$(running_digest $C) $(state vault LAST_UPDATE_RESULT)" "$V2 updated"
end_scenario
