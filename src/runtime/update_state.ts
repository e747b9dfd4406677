/**
 * The update state `bootc-update.sh` keeps for each container on the machine,
 * `/var/lib/iago/bootc-update/NAME.state`: what runs, what a rollback returns to, the last
 * result, the last rollback and the digests that failed their health check. The format is
 * stable (README, "On the machine", "Update state"): `KEY=VALUE` lines, a value with blanks in
 * double quotes, `#` comments; keys are only ever added, so readers ignore unknown ones.
 */
import { BOOTC_UPDATE_STATE_DIR } from "./paths.ts";

/** What the last `bootc-update.sh` run did with the container. */
export type UpdateResult =
  | "updated"
  | "unchanged"
  | "pinned"
  | "rolled-back"
  | "refused"
  | "failed";

export interface UpdateState {
  /** `STATE_FORMAT`: 1 for the format described here. */
  format: number;
  /** `CONTAINER`: the container name (`bootc@NAME.service`). */
  container: string;
  /** `IMAGE`: the reference the container runs, `REPO:TAG` (`REPO:staging` when staging). */
  image: string;
  /** `CURRENT_DIGEST`: manifest digest of the image running after the last run. */
  currentDigest: string;
  /** `CURRENT_ID`: its podman image ID. */
  currentId: string;
  /** `PREVIOUS_DIGEST`: the image the last applied update replaced ("" after a rollback). */
  previousDigest: string;
  previousId: string;
  /** `LAST_UPDATE_TIME`: UTC, `2026-12-06T02:00:41Z`; "" before the first run. */
  lastUpdateTime: string;
  lastUpdateResult: UpdateResult | "";
  /** Why it failed, was rolled back or refused. */
  lastUpdateDetail: string;
  lastRollbackTime: string;
  lastRollbackReason: string;
  /** `BAD_DIGESTS`: digests that failed their health check here; never applied again. */
  badDigests: string[];
  /** `PENDING_DIGEST`: set only while an update waits for its health check (or was cut short). */
  pendingDigest: string;
  pendingId: string;
  pendingSince: string;
}

/** Where the state of container `name` is kept on the machine. */
export function updateStatePath(name: string): string {
  return `${BOOTC_UPDATE_STATE_DIR}/${name}.state`;
}

/**
 * Reads the text of a state file. Never throws: lines that are not `KEY=VALUE` and unknown keys
 * are skipped, missing keys are empty (a machine whose runtime predates a key).
 */
export function parseUpdateState(text: string): UpdateState {
  const v: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(raw.replace(/\r$/, ""));
    if (!m) continue;
    const quoted = /^"(.*)"$/.exec(m[2]) ?? /^'(.*)'$/.exec(m[2]);
    v[m[1]] = quoted ? quoted[1] : m[2];
  }
  const s = (key: string) => v[key] ?? "";
  return {
    format: Number(s("STATE_FORMAT")) || 0,
    container: s("CONTAINER"),
    image: s("IMAGE"),
    currentDigest: s("CURRENT_DIGEST"),
    currentId: s("CURRENT_ID"),
    previousDigest: s("PREVIOUS_DIGEST"),
    previousId: s("PREVIOUS_ID"),
    lastUpdateTime: s("LAST_UPDATE_TIME"),
    lastUpdateResult: s("LAST_UPDATE_RESULT") as UpdateResult | "",
    lastUpdateDetail: s("LAST_UPDATE_DETAIL"),
    lastRollbackTime: s("LAST_ROLLBACK_TIME"),
    lastRollbackReason: s("LAST_ROLLBACK_REASON"),
    badDigests: s("BAD_DIGESTS").split(/\s+/).filter((d) => d !== ""),
    pendingDigest: s("PENDING_DIGEST"),
    pendingId: s("PENDING_ID"),
    pendingSince: s("PENDING_SINCE"),
  };
}
