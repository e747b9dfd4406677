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

/** The env file of container `name`. */
export function containerEnvPath(name: string): string {
  return `${CONTAINERS_ENV_DIR}/${name}.env`;
}

/** The installed path of runtime script `name` (`/usr/local/bin/NAME`). */
export function runtimeScriptPath(name: string): string {
  return `${RUNTIME_SCRIPT_DIR}/${name}`;
}
