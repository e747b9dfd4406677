/**
 * The env files the runtime reads: `/etc/iago/containers/NAME.env` (bootc-run.sh,
 * bootc-update.sh, motd.sh and `EnvironmentFile=` of bootc@.service) and
 * `/etc/iago/postgres-backup.env`. Both systemd and the scripts read them, so values are kept
 * to what both read the same way.
 */
import { IagoError } from "../errors.ts";

/** What `bootc-update.sh` does with a container: see the README, "On the machine". */
export type UpdateStrategy = "latest" | "pinned" | "staging";

/** Every `UPDATE_STRATEGY` the scripts know. */
export const UPDATE_STRATEGIES: readonly UpdateStrategy[] = Object.freeze([
  "latest",
  "pinned",
  "staging",
]);

/** A podman container name, as the scripts check it (also a safe systemd instance name). */
export const CONTAINER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export interface ContainerEnv {
  /** Image reference the container runs, with its tag: `ghcr.io/me/web:latest`. */
  image: string;
  /** Podman container name; by convention `bootc-NAME`. */
  containerName: string;
  /** `MACHINE_NAME` inside the container; bootc-run.sh defaults it to the instance name. */
  machineName?: string;
  /** Seconds between a restart and the health check (default 30). */
  healthCheckWait?: number;
  updateStrategy?: UpdateStrategy;
  /** Run inside the container by podman (`/usr/local/bin/health.sh`); `none` turns it off. */
  healthCmd?: string;
  healthInterval?: string;
  healthRetries?: number;
  healthStartPeriod?: string;
  /** Extra `podman run` arguments, split on blanks (no quoting). */
  podmanArgs?: string;
  /**
   * `MOUNT_HOST_ETC`: true mounts the machine's whole `/etc` over the image's (the original's
   * way); false (bootc-run.sh's default) keeps the image's `/etc` and mounts only `/etc/iago`,
   * read-only, so images with their own users and config (postgres, redis) keep them.
   */
  mountHostEtc?: boolean;
}

/**
 * The text of `/etc/iago/containers/NAME.env`. Throws an `IagoError` for an image with blanks,
 * an invalid container name, wait or strategy, or a value holding a line break, a double quote
 * or a backslash (systemd and the scripts would read it differently).
 */
export function containerEnvFile(env: ContainerEnv): string {
  if (!/^\S+$/.test(env.image)) {
    throw new IagoError(`Invalid container image "${env.image}": empty or holds blanks`, {
      hint: "give the image with its tag, e.g. ghcr.io/me/web:latest",
    });
  }
  if (!CONTAINER_NAME_PATTERN.test(env.containerName)) {
    throw new IagoError(`Invalid container name "${env.containerName}"`, {
      hint: "use letters, digits, '_', '.' and '-', starting with a letter or digit (bootc-NAME)",
    });
  }
  const wait = env.healthCheckWait;
  if (wait !== undefined && !(Number.isInteger(wait) && wait >= 0)) {
    throw new IagoError(`Invalid health check wait "${wait}": not a whole number of seconds`, {
      hint: "set health_check_wait to the seconds to wait after a restart, e.g. 30",
    });
  }
  const strategy = env.updateStrategy;
  if (strategy !== undefined && !UPDATE_STRATEGIES.includes(strategy)) {
    throw new IagoError(`Invalid update strategy "${strategy}"`, {
      hint: `use one of ${UPDATE_STRATEGIES.join(", ")}`,
    });
  }
  return envFileText([
    ["CONTAINER_IMAGE", env.image],
    ["CONTAINER_NAME", env.containerName],
    ["MACHINE_NAME", env.machineName],
    ["HEALTH_CHECK_WAIT", env.healthCheckWait ?? 30],
    ["UPDATE_STRATEGY", env.updateStrategy ?? "latest"],
    ["HEALTH_CMD", env.healthCmd],
    ["HEALTH_INTERVAL", env.healthInterval],
    ["HEALTH_RETRIES", env.healthRetries],
    ["HEALTH_START_PERIOD", env.healthStartPeriod],
    ["MOUNT_HOST_ETC", env.mountHostEtc],
    ["PODMAN_ARGS", env.podmanArgs],
  ]);
}

export interface PostgresBackupEnv {
  /** Container running PostgreSQL (default on the machine: `bootc-HOSTNAME`). */
  container?: string;
  /** OS user in the container that runs pg_dumpall (default `postgres`). */
  user?: string;
  /** Days of dumps to keep (default 7). */
  retentionDays?: number;
}

/** The text of `/etc/iago/postgres-backup.env`. Throws like `containerEnvFile`. */
export function postgresBackupEnvFile(env: PostgresBackupEnv): string {
  if (
    env.retentionDays !== undefined &&
    !(Number.isInteger(env.retentionDays) && env.retentionDays >= 1)
  ) {
    throw new IagoError(
      `Invalid backup retention "${env.retentionDays}": not a whole number of days`,
      {
        hint: "keep at least 1 day of backups, e.g. 7",
      },
    );
  }
  return envFileText([
    ["POSTGRES_CONTAINER", env.container],
    ["POSTGRES_USER", env.user],
    ["BACKUP_RETENTION_DAYS", env.retentionDays ?? 7],
  ]);
}

const PLAIN = /^[A-Za-z0-9_.\/:@%+=,-]*$/;

function envFileText(entries: [string, string | number | boolean | undefined][]): string {
  let out = "";
  for (const [key, raw] of entries) {
    if (raw === undefined) continue;
    const value = String(raw);
    // deno-lint-ignore no-control-regex
    if (/["\\\x00-\x1f\x7f]/.test(value)) {
      throw new IagoError(`Cannot write ${key}=${JSON.stringify(value)} to an env file`, {
        hint: "leave out line breaks, double quotes and backslashes (single quotes work)",
      });
    }
    out += PLAIN.test(value) ? `${key}=${value}\n` : `${key}="${value}"\n`;
  }
  return out;
}
