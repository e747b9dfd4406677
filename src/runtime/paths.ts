/** Where the on-machine runtime lives on a Fedora CoreOS machine. */

/** Directory of the runtime scripts (`/usr/local/bin/bootc-update.sh`, ...). */
export const RUNTIME_SCRIPT_DIR = "/usr/local/bin";

/** One env file per container: `/etc/iago/containers/NAME.env` runs `bootc@NAME.service`. */
export const CONTAINERS_ENV_DIR = "/etc/iago/containers";

/** The rollback and break-glass commands for the machine's operator. */
export const ROLLBACK_INSTRUCTIONS_PATH = "/etc/iago/rollback-instructions.txt";

/** Login-shell hook that runs `motd.sh` (see `MOTD_PROFILE_SCRIPT`). */
export const MOTD_PROFILE_PATH = "/etc/profile.d/iago-motd.sh";

/**
 * The update state of each container (`NAME.state`), written by `bootc-update.sh`, read by
 * `motd.sh` and by `iago status` over SSH (see `update_state.ts`).
 */
export const BOOTC_UPDATE_STATE_DIR = "/var/lib/iago/bootc-update";

/** Where `postgres-backup.sh` writes its dumps. */
export const POSTGRES_BACKUP_DIR = "/var/lib/iago/backups/postgres";

/** Settings of `postgres-backup.service` (see `postgresBackupEnvFile`). */
export const POSTGRES_BACKUP_ENV_PATH = "/etc/iago/postgres-backup.env";

/**
 * The registry credentials podman reads on the machine (0600), when the fleet has a pull account:
 * podman reads no system-wide auth file by default, so the units that pull set
 * `REGISTRY_AUTH_FILE` to it through a drop-in (`REGISTRY_AUTH_DROPIN`).
 */
export const REGISTRY_AUTH_PATH = "/etc/containers/auth.json";

/** The drop-in (in `UNIT.d/`) of every unit in `REGISTRY_AUTH_UNITS` that sets `REGISTRY_AUTH_FILE`. */
export const REGISTRY_AUTH_DROPIN = "50-iago-registry-auth.conf";

/** The units whose podman pulls images: they get `REGISTRY_AUTH_DROPIN`. */
export const REGISTRY_AUTH_UNITS: readonly string[] = Object.freeze([
  "bootc@.service",
  "bootc-update.service",
]);

/** The fleet's plain-HTTP registries for podman (`[[registry]] insecure = true`). */
export const REGISTRIES_CONF_PATH = "/etc/containers/registries.conf.d/50-iago.conf";

/** podman's signature policy: with `[signing] required`, the fleet's images must be signed. */
export const CONTAINERS_POLICY_PATH = "/etc/containers/policy.json";

/** Tells podman to look for the fleet's signatures as sigstore attachments (`sha256-HEX.sig`). */
export const SIGSTORE_REGISTRIES_D_PATH = "/etc/containers/registries.d/50-iago.yaml";

/** The fleet's cosign public key that `CONTAINERS_POLICY_PATH` trusts. */
export const SIGNING_PUBLIC_KEY_PATH = "/etc/pki/containers/iago-fleet.pub";

/** The env file of container `name`. */
export function containerEnvPath(name: string): string {
  return `${CONTAINERS_ENV_DIR}/${name}.env`;
}

/** The installed path of runtime script `name` (`/usr/local/bin/NAME`). */
export function runtimeScriptPath(name: string): string {
  return `${RUNTIME_SCRIPT_DIR}/${name}`;
}
