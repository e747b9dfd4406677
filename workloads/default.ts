/**
 * The `default` workload: what every machine gets, so a machine's own template keeps only what
 * it changes. Hostname, time zone, the user and admin accounts, the `/etc/iago` tree with the
 * machine's container env file, the bootc runtime (units, timer, scripts, motd, rollback
 * instructions), Zincati's update policy, what podman needs to reach and trust the fleet's
 * registry (plain HTTP, the pull account, the signature policy), and a NetworkManager profile
 * when the machine has a MAC address or interface of its own.
 */
import {
  BOOTC_MANAGER_SERVICE,
  BOOTC_TEMPLATE_UNIT,
  BOOTC_UPDATE_CHECK_SERVICE,
  BOOTC_UPDATE_SERVICE,
  bootcUpdateTimer,
  containerEnvFile,
  containerEnvPath,
  CONTAINERS_POLICY_PATH,
  DEFAULT_WORKLOAD_SCRIPTS,
  insecureRegistriesConf,
  MOTD_PROFILE_PATH,
  MOTD_PROFILE_SCRIPT,
  REGISTRIES_CONF_PATH,
  REGISTRY_AUTH_DROPIN,
  REGISTRY_AUTH_DROPIN_TEXT,
  REGISTRY_AUTH_PATH,
  REGISTRY_AUTH_UNITS,
  registryAuthJson,
  ROLLBACK_INSTRUCTIONS_PATH,
  rollbackInstructions,
  runtimeScriptPath,
  signaturePolicy,
  SIGNING_PUBLIC_KEY_PATH,
  SIGSTORE_REGISTRIES_D_PATH,
  sigstoreAttachmentsYaml,
} from "../src/runtime/mod.ts";
import { isInsecureRegistry } from "../src/registry/reference.ts";
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
/** The NetworkManager profile's name: `/etc/NetworkManager/system-connections/iago.nmconnection`. */
const NM_CONNECTION_ID = "iago";

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
            mountHostEtc: m.mountHostEtc,
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
    files.push(...registryFiles(ctx));

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
    if (ctx.containerRegistry.pullUsername !== "") {
      for (const unit of units) {
        if (REGISTRY_AUTH_UNITS.includes(unit.name)) {
          unit.dropins = [{ name: REGISTRY_AUTH_DROPIN, contents: REGISTRY_AUTH_DROPIN_TEXT }];
        }
      }
    }

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
 * The machine's NetworkManager profile. With `mac_address` alone it matches the network card
 * carrying that MAC (the hypervisor or the card gives it; the DHCP reservation knows it),
 * whatever Fedora CoreOS names the card. A machine that names its own `network_interface`
 * pins the profile to that name and presents `mac_address` on it (a cloned MAC). None when
 * the machine sets neither.
 */
function networkProfile(ctx: WorkloadContext): ButaneFile | undefined {
  const m = ctx.machine;
  const pinned = m.networkInterface !== ctx.network.defaultNetworkInterface;
  if (!m.macAddress && !pinned) return undefined;
  const mac = m.macAddress
    ? [pinned ? `cloned-mac-address=${m.macAddress}` : `mac-address=${m.macAddress}`]
    : [];
  const lines = [
    "# iago: the machine's network card (machine.toml mac_address / network_interface).",
    "[connection]",
    `id=${NM_CONNECTION_ID}`,
    "type=ethernet",
    ...(pinned ? [`interface-name=${m.networkInterface}`] : []),
    "autoconnect=true",
    "autoconnect-priority=10",
    "",
    "[ethernet]",
    ...mac,
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
    path: `/etc/NetworkManager/system-connections/${NM_CONNECTION_ID}.nmconnection`,
    mode: 0o600,
    contents: { inline: lines.join("\n") },
  };
}

/**
 * What podman needs for the machine's registry: its plain-HTTP registry (when listed in
 * `[container_registry] insecure`), the pull account (when `pull_username` is set), and, with
 * `[signing] required`, the policy that refuses the fleet's images unless signed by its key.
 */
function registryFiles(ctx: WorkloadContext): ButaneFile[] {
  const m = ctx.machine;
  const reg = ctx.containerRegistry;
  const imageRegistry = m.containerImage.split("/")[0];
  const fleetRegistry = reg.url.split("/")[0];
  const files: ButaneFile[] = [];
  // The same rule iago's own registry client follows: listed (with or without the port), or loopback.
  if (isInsecureRegistry(imageRegistry, reg.insecure)) {
    files.push({
      path: REGISTRIES_CONF_PATH,
      mode: 0o644,
      overwrite: true,
      contents: { inline: insecureRegistriesConf([imageRegistry]) },
    });
  }
  if (reg.pullUsername !== "") {
    files.push({
      path: REGISTRY_AUTH_PATH,
      mode: 0o600,
      overwrite: true,
      contents: { inline: registryAuthJson(fleetRegistry, reg.pullUsername, reg.pullPassword) },
    });
  }
  if (ctx.signing.required) {
    // The fleet's namespace, and the machine's own repository when it lies outside it.
    const scopes = [reg.url];
    if (!m.containerImage.startsWith(`${reg.url}/`)) scopes.push(m.containerImage);
    files.push(
      {
        path: CONTAINERS_POLICY_PATH,
        mode: 0o644,
        overwrite: true,
        contents: { inline: signaturePolicy(scopes, SIGNING_PUBLIC_KEY_PATH) },
      },
      {
        path: SIGSTORE_REGISTRIES_D_PATH,
        mode: 0o644,
        overwrite: true,
        contents: { inline: sigstoreAttachmentsYaml(scopes) },
      },
      {
        path: SIGNING_PUBLIC_KEY_PATH,
        mode: 0o644,
        overwrite: true,
        contents: { inline: ctx.signing.publicKey },
      },
    );
  }
  return files;
}
