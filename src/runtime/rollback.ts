/** `/etc/iago/rollback-instructions.txt`: the exact commands for one machine's container. */

export interface RollbackInstructionsOptions {
  /** The machine name, which names the main container (`bootc@NAME`, `bootc-NAME`). */
  machineName: string;
  /** The image reference with its tag, as in the env file: `ghcr.io/me/web:latest`. */
  image: string;
}

/** The repository of an image reference, without tag or digest (as bootc-update.sh does). */
function imageRepo(ref: string): string {
  const noDigest = ref.split("@")[0];
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/** The text of `/etc/iago/rollback-instructions.txt` for `machineName` running `image`. */
export function rollbackInstructions({ machineName, image }: RollbackInstructionsOptions): string {
  const unit = `bootc@${machineName}.service`;
  const container = `bootc-${machineName}`;
  const env = `/etc/iago/containers/${machineName}.env`;
  const repo = imageRepo(image);
  return `iago: rollback and emergency commands for ${machineName}

Container ${container} runs ${image} as ${unit}, configured in
${env} (CONTAINER_IMAGE, UPDATE_STRATEGY, HEALTH_CHECK_WAIT, HEALTH_CMD).
bootc-update.timer updates it daily; an update whose unit is not active or whose health check
fails after HEALTH_CHECK_WAIT seconds is rolled back automatically.

Status
  systemctl status ${unit}
  journalctl -u ${unit} -f
  journalctl -u bootc-update.service
  sudo podman ps
  sudo podman healthcheck run ${container}

Roll back to the image that ran before the last update
  sudo podman tag ${repo}:previous ${image}
  sudo systemctl restart ${unit}
  (bootc-update.sh would pull the new image again tomorrow; pin first to keep the old one.)

Pin a known-good version (no more automatic updates)
  sudo vi ${env}
    CONTAINER_IMAGE=${repo}:KNOWN-GOOD-TAG
    UPDATE_STRATEGY=pinned
  sudo systemctl restart ${unit}

Update now (honours UPDATE_STRATEGY), or update only this container
  sudo systemctl start bootc-update.service
  sudo /usr/local/bin/bootc-update.sh ${machineName}

Run a hotfix image right away
  sudo podman pull ${repo}:HOTFIX-TAG
  sudo podman tag ${repo}:HOTFIX-TAG ${image}
  sudo systemctl restart ${unit}

Stop automatic updates for the whole machine
  sudo systemctl disable --now bootc-update.timer
`;
}
