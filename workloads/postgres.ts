/**
 * The `postgres` workload, for a machine whose bootc container runs PostgreSQL: a generated
 * password at `/etc/iago/secrets/postgres-password`, a daily `pg_dumpall` backup with
 * retention, and a health check of the database every five minutes.
 */
import {
  POSTGRES_BACKUP_DIR,
  POSTGRES_BACKUP_ENV_PATH,
  POSTGRES_BACKUP_SERVICE,
  POSTGRES_WORKLOAD_SCRIPTS,
  postgresBackupEnvFile,
  postgresBackupTimer,
  runtimeScriptPath,
} from "../src/runtime/mod.ts";
import type { ButaneConfig, ButaneFile, Machine, Workload, WorkloadContext } from "../src/types.ts";

/** Days of dumps `postgres-backup.sh` keeps. */
export const BACKUP_RETENTION_DAYS = 7;

const postgresWorkload: Workload = {
  name: "postgres",
  description: "PostgreSQL: generated password, daily backups with retention, health check",
  validate(machine: Machine): string[] {
    return machine.containerImage === ""
      ? ["postgres needs the machine's container image (container_image in machine.toml)"]
      : [];
  },
  secrets() {
    return [{ name: "postgres-password", length: 32 }];
  },
  overlay(ctx: WorkloadContext): ButaneConfig {
    const container = `bootc-${ctx.machine.name}`;
    const scripts = POSTGRES_WORKLOAD_SCRIPTS.map((name): ButaneFile => ({
      path: runtimeScriptPath(name),
      mode: 0o755,
      contents: { inline: ctx.scripts[name] },
    }));
    return {
      storage: {
        directories: [
          { path: "/var/lib/iago", mode: 0o755 },
          { path: "/var/lib/iago/backups", mode: 0o700 },
          { path: POSTGRES_BACKUP_DIR, mode: 0o700 },
        ],
        files: [
          {
            path: POSTGRES_BACKUP_ENV_PATH,
            mode: 0o644,
            contents: {
              inline: postgresBackupEnvFile({
                container,
                retentionDays: BACKUP_RETENTION_DAYS,
              }),
            },
          },
          ...scripts,
        ],
      },
      systemd: {
        units: [
          { name: "postgres-backup.service", contents: POSTGRES_BACKUP_SERVICE },
          { name: "postgres-backup.timer", enabled: true, contents: postgresBackupTimer() },
          { name: "postgres-health.service", contents: healthService(container, ctx.machine.name) },
          { name: "postgres-health.timer", enabled: true, contents: HEALTH_TIMER },
        ],
      },
    };
  },
};

export default postgresWorkload;

function healthService(container: string, machine: string): string {
  return `# iago: is PostgreSQL in ${container} accepting connections? A failure shows in
# \`systemctl --failed\` and the journal; bootc-update's rollback uses the image's HEALTHCHECK.
# While bootc@${machine}.service is not running (first pull, restart) the check is skipped:
# the container unit's own state tells that story.
[Unit]
Description=iago: PostgreSQL health check (pg_isready in ${container})
After=bootc-manager.service bootc@${machine}.service

[Service]
Type=oneshot
ExecCondition=/usr/bin/systemctl is-active --quiet bootc@${machine}.service
ExecStart=/usr/bin/podman exec ${container} pg_isready --quiet --timeout=10
SyslogIdentifier=postgres-health
`;
}

const HEALTH_TIMER = `# iago: PostgreSQL health check every five minutes.
[Unit]
Description=iago: PostgreSQL health check every five minutes

[Timer]
OnBootSec=5min
OnUnitActiveSec=5min
Unit=postgres-health.service

[Install]
WantedBy=timers.target
`;
