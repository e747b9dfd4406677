/**
 * The `default` workload: what every machine gets, so a machine's own template keeps only what
 * it changes. Hostname, time zone, the user and admin accounts, the `/etc/iago` tree with the
 * machine's container env file, the bootc runtime (units, timer, scripts, motd, rollback
 * instructions), Zincati's update policy, and a NetworkManager profile when the machine has a
 * MAC address or interface of its own.
 */
import {
  BOOTC_MANAGER_SERVICE,
  BOOTC_TEMPLATE_UNIT,
  BOOTC_UPDATE_CHECK_SERVICE,
  BOOTC_UPDATE_SERVICE,
  bootcUpdateTimer,
  containerEnvFile,
  containerEnvPath,
  DEFAULT_WORKLOAD_SCRIPTS,
  MOTD_PROFILE_PATH,
  MOTD_PROFILE_SCRIPT,
  ROLLBACK_INSTRUCTIONS_PATH,
  rollbackInstructions,
  runtimeScriptPath,
} from "../src/runtime/mod.ts";
import coreosStreamScript from "../src/workload/coreos-stream.sh" with { type: "text" };
import type {
  ButaneConfig,
  ButaneFile,
  ButaneUnit,
  ButaneUser,
  Workload,
  WorkloadContext,
} from "../src/types.ts";

const ZINCATI_CONFIG = "/etc/zincati/config.d/55-updates-strategy.toml";
const STREAM_SCRIPT = "/usr/local/bin/iago-coreos-stream.sh";

const DAYS: Record<string, string[]> = {
  daily: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
  weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri"],
  weekends: ["Sat", "Sun"],
};

const defaultWorkload: Workload = {
  name: "default",
  description: "Hostname, time zone, accounts, the bootc runtime and OS update policy",
  overlay(ctx: WorkloadContext): ButaneConfig {
    const m = ctx.machine;
    const image = `${m.containerImage}:${m.containerTag}`;
    const files: ButaneFile[] = [
      { path: "/etc/hostname", mode: 0o644, contents: { inline: `${m.name}\n` } },
      {
        path: containerEnvPath(m.name),
        mode: 0o644,
        contents: {
          inline: containerEnvFile({
            image,
            containerName: `bootc-${m.name}`,
            machineName: m.name,
            healthCheckWait: ctx.bootc.healthCheckWait,
            updateStrategy: "latest",
          }),
        },
      },
      {
        path: ROLLBACK_INSTRUCTIONS_PATH,
        mode: 0o644,
        contents: { inline: rollbackInstructions({ machineName: m.name, image }) },
      },
      { path: MOTD_PROFILE_PATH, mode: 0o644, contents: { inline: MOTD_PROFILE_SCRIPT } },
      ...DEFAULT_WORKLOAD_SCRIPTS.map((name): ButaneFile => ({
        path: runtimeScriptPath(name),
        mode: 0o755,
        contents: { inline: ctx.scripts[name] },
      })),
      { path: ZINCATI_CONFIG, mode: 0o644, contents: { inline: zincatiConfig(ctx) } },
      { path: STREAM_SCRIPT, mode: 0o755, contents: { inline: coreosStreamScript } },
    ];
    const nm = networkProfile(ctx);
    if (nm) files.push(nm);

    const units: ButaneUnit[] = [
      { name: "bootc@.service", contents: BOOTC_TEMPLATE_UNIT },
      { name: "bootc-manager.service", enabled: true, contents: BOOTC_MANAGER_SERVICE },
      { name: "bootc-update.service", contents: BOOTC_UPDATE_SERVICE },
      { name: "bootc-update-check.service", enabled: true, contents: BOOTC_UPDATE_CHECK_SERVICE },
      {
        name: "bootc-update.timer",
        enabled: true,
        contents: bootcUpdateTimer(ctx.bootc.updateTime),
      },
      {
        name: "iago-coreos-stream.service",
        enabled: true,
        contents: streamUnit(ctx.updates.stream),
      },
    ];

    const users: ButaneUser[] = [account(ctx.user), account(ctx.admin)];

    return {
      passwd: { users },
      storage: {
        directories: [
          { path: "/etc/iago", mode: 0o755 },
          { path: "/etc/iago/secrets", mode: 0o700 },
          { path: "/etc/iago/containers", mode: 0o755 },
        ],
        files,
        links: [{
          path: "/etc/localtime",
          target: `../usr/share/zoneinfo/${ctx.network.timezone}`,
          overwrite: true,
        }],
      },
      systemd: { units },
    };
  },
};

export default defaultWorkload;

function account(a: WorkloadContext["admin"]): ButaneUser {
  const user: ButaneUser = { name: a.username };
  if (a.groups.length > 0) user.groups = [...a.groups];
  if (a.passwordHash) user.password_hash = a.passwordHash;
  if (a.sshKeys.length > 0) user.ssh_authorized_keys = [...a.sshKeys];
  return user;
}

/**
 * Zincati's policy: `periodic` reboots only inside the window of `[updates]` (in the machine's
 * time zone), `immediate` as soon as an update is staged.
 */
function zincatiConfig(ctx: WorkloadContext): string {
  const u = ctx.updates;
  const head =
    `# iago: OS update policy from [updates] in config/defaults.toml (stream "${u.stream}").\n`;
  if (u.strategy !== "periodic") return `${head}[updates]\nstrategy = "${u.strategy}"\n`;
  const days = (DAYS[u.period] ?? DAYS.daily).map((d) => `"${d}"`).join(", ");
  return `${head}[updates]
strategy = "periodic"

[updates.periodic]
time_zone = "${ctx.network.timezone}"

[[updates.periodic.window]]
days = [ ${days} ]
start_time = "${u.rebootTime}"
length_minutes = ${u.rebootWindowMinutes}
`;
}

function streamUnit(stream: string): string {
  return `# iago: follow the Fedora CoreOS "${stream}" stream ([updates] stream); rebases once if needed.
[Unit]
Description=iago: follow the Fedora CoreOS ${stream} stream
Wants=network-online.target
After=network-online.target
Before=zincati.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${STREAM_SCRIPT} ${stream}

[Install]
WantedBy=multi-user.target
`;
}

/**
 * A keyfile for the machine's interface, so it presents `mac_address` to DHCP (the address the
 * DHCP reservation knows) whatever the hardware address. None when the machine sets neither.
 */
function networkProfile(ctx: WorkloadContext): ButaneFile | undefined {
  const m = ctx.machine;
  if (!m.macAddress && m.networkInterface === ctx.network.defaultNetworkInterface) return undefined;
  const iface = m.networkInterface;
  const lines = [
    "# iago: the machine's network interface (machine.toml mac_address / network_interface).",
    "[connection]",
    `id=${iface}`,
    "type=ethernet",
    `interface-name=${iface}`,
    "autoconnect=true",
    "autoconnect-priority=10",
    "",
    "[ethernet]",
    ...(m.macAddress ? [`cloned-mac-address=${m.macAddress}`] : []),
    "",
    "[ipv4]",
    "method=auto",
    `dhcp-hostname=${m.name}`,
    "",
    "[ipv6]",
    "method=auto",
    "addr-gen-mode=stable-privacy",
    "",
  ];
  return {
    path: `/etc/NetworkManager/system-connections/${iface}.nmconnection`,
    mode: 0o600,
    contents: { inline: lines.join("\n") },
  };
}
