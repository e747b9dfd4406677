# The probe of the signed machine (after probe-lib.sh and the values the bastion set: IMG, V1,
# PUB_B64: the fleet's public key).
# shellcheck shell=bash disable=SC2154
C=bootc-signed
U=bootc@signed.service
# Debian's podman 4.3 (the stand-in's) is built with sigstore verification patched out: it finds
# the signature and refuses every signed image with this message. FCOS's podman verifies it.
DEBIAN_NO_SIGSTORE="Debian-local change: sigstore disabled"
journal() { journalctl -u "$1" -o cat --no-pager; }
no_update() { ! systemctl start bootc-update.service; }
# refused_for REASON: the last update run was refused by podman's signature policy for REASON.
refused_for() { journalctl -u bootc-update.service -o cat --no-pager -n 30 | grep -F -- "$1"; }

scenario 6
check "policy.json requires a sigstore signature for the fleet's registry" bash -c \
  "grep -q sigstoreSigned /etc/containers/policy.json && grep -qF '\"${IMG%/*}\"' /etc/containers/policy.json"
check "podman looks for the signatures as sigstore attachments" grep -rq "use-sigstore-attachments: true" /etc/containers/registries.d
check "the fleet's public key is on the machine" bash -c "grep -rlqF \"\$(base64 -d <<<'$PUB_B64' | sed -n 2p)\" /etc/pki/containers"

eventually 420 "the image signed by iago build --sign --key was checked at boot" bash -c \
  "systemctl is-active --quiet $U || journalctl -u $U -o cat | grep -qF '$DEBIAN_NO_SIGSTORE'"
accepted=no
if systemctl is-active --quiet $U; then
  accepted=yes
  check "it was accepted and runs" same "$(running_digest $C)" "$V1"
else
  check "podman refused it only because its sigstore support is patched out" has "$(journal $U)" "$DEBIAN_NO_SIGSTORE"
  limit "a signed image cannot be accepted: Debian's podman refuses every sigstore signature (\"$DEBIAN_NO_SIGSTORE\"), so neither acceptance nor 'the running one stays' can be shown; FCOS's podman verifies them"
fi

UNSIGNED=$(host push-unsigned)
check "an unsigned image: the update fails" no_update
check "unsigned: refused because it has no signature" refused_for "A signature was required, but no signature exists"
check "unsigned: it never reached local storage" bash -c "! podman image exists $IMG@$UNSIGNED"
[ $accepted = yes ] && check "unsigned: the running image stays" same "$(running_digest $C)" "$V1"

WRONG=$(host push-wrongly-signed)
check "an image signed with another key: the update fails" no_update
check "wrongly signed: it never reached local storage" bash -c "! podman image exists $IMG@$WRONG"
if [ $accepted = yes ]; then
  check "wrongly signed: refused, the signature does not verify" refused_for "cryptographic signature verification failed"
  check "wrongly signed: the running image stays" same "$(running_digest $C)" "$V1"
  V2=$(host push-signed)
  check "a new image signed with the fleet's key: the update succeeds" systemctl start bootc-update.service
  check "signed: the container runs it" same "$(running_digest $C)" "$V2"
else
  check "wrongly signed: refused by the signature policy" refused_for "$DEBIAN_NO_SIGSTORE"
  limit "a wrong key cannot be told from a right one: Debian's podman refuses both with the same message"
fi
end_scenario
