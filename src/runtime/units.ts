/**
 * The systemd units of the on-machine runtime. Units that do not depend on configuration are
 * embedded texts; the timers, whose time of day comes from the configuration, are functions.
 */
import { IagoError } from "../errors.ts";
import bootcTemplate from "./units/bootc@.service" with { type: "text" };
import bootcManagerService from "./units/bootc-manager.service" with { type: "text" };
import bootcUpdateService from "./units/bootc-update.service" with { type: "text" };
import bootcUpdateCheckService from "./units/bootc-update-check.service" with { type: "text" };
import postgresBackupService from "./units/postgres-backup.service" with { type: "text" };

/** `bootc@.service`: runs the container of `/etc/iago/containers/%i.env` (not enabled itself). */
export const BOOTC_TEMPLATE_UNIT: string = bootcTemplate;

/** `bootc-manager.service`: at boot, starts `bootc@NAME` for every env file. Enable it. */
export const BOOTC_MANAGER_SERVICE: string = bootcManagerService;

/** `bootc-update.service`: one update run; started by `bootc-update.timer` (do not enable). */
export const BOOTC_UPDATE_SERVICE: string = bootcUpdateService;

/**
 * `bootc-update-check.service`: at boot, `bootc-update.sh --interrupted` checks (or rolls back)
 * an update cut short between its restart and its health check. Enable it.
 */
export const BOOTC_UPDATE_CHECK_SERVICE: string = bootcUpdateCheckService;

/** `postgres-backup.service`: one backup run; started by `postgres-backup.timer`. */
export const POSTGRES_BACKUP_SERVICE: string = postgresBackupService;

const TIME_OF_DAY = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * Normalises a time of day, `HH:MM` or `HH:MM:SS` (24-hour), to `HH:MM:SS`.
 * Throws an `IagoError` for anything else, e.g. `"2:00"` or `"24:00:00"`.
 */
export function timeOfDay(value: string, setting = "time"): string {
  const m = TIME_OF_DAY.exec(value);
  if (m && Number(m[1]) < 24 && Number(m[2]) < 60 && Number(m[3] ?? 0) < 60) {
    return `${m[1]}:${m[2]}:${m[3] ?? "00"}`;
  }
  throw new IagoError(`Invalid ${setting} "${value}": not a time of day`, {
    hint: 'write it as "HH:MM:SS" on a 24-hour clock, with leading zeros, e.g. "02:00:00"',
  });
}

/**
 * `bootc-update.timer`: daily at `updateTime` (`[bootc] update_time`, `HH:MM:SS` or `HH:MM`),
 * catching up after downtime, spread by up to two minutes. Enable it.
 * Throws an `IagoError` when `updateTime` is not a time of day.
 */
export function bootcUpdateTimer(updateTime: string): string {
  const at = timeOfDay(updateTime, "[bootc] update_time");
  return `# iago: daily container update at ${at} ([bootc] update_time).
[Unit]
Description=iago: daily update of the bootc containers

[Timer]
OnCalendar=*-*-* ${at}
Persistent=true
RandomizedDelaySec=120
Unit=bootc-update.service

[Install]
WantedBy=timers.target
`;
}

/**
 * `postgres-backup.timer`: daily at `backupTime` (default 01:00:00, an hour before the default
 * container update, so a restart does not cut a dump short). Enable it.
 * Throws an `IagoError` when `backupTime` is not a time of day.
 */
export function postgresBackupTimer(backupTime = "01:00:00"): string {
  const at = timeOfDay(backupTime, "backup time");
  return `# iago: daily PostgreSQL backup at ${at}.
[Unit]
Description=iago: daily PostgreSQL backup

[Timer]
OnCalendar=*-*-* ${at}
Persistent=true
RandomizedDelaySec=120
Unit=postgres-backup.service

[Install]
WantedBy=timers.target
`;
}
