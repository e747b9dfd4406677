/**
 * The configuration model: zod schemas for `config/defaults.toml` and
 * `machines/NAME/machine.toml`, written with the TOML spelling (snake_case), and the camelCase
 * types the rest of iago uses. Every defaults key has a default equal to the embedded
 * `defaults.toml`, so a workspace file only needs the keys it changes.
 */
import * as z from "zod";
import { didYouMean } from "../errors.ts";
import {
  HH_MM,
  isDnsLabel,
  isDomain,
  isFqdn,
  isGithubUserSetting,
  isHoursMinutes,
  isImageReference,
  isInterfaceName,
  isMacAddress,
  isMacPrefix,
  isOnePasswordReference,
  isPasswordHashSetting,
  isPosixName,
  isPublicKeySetting,
  isRegistryHost,
  isRegistryUrl,
  isRepository,
  isTag,
  isTimeOfDay,
  isTimeZone,
  isWorkloadRef,
  MAC_PATTERN,
  PERIODS,
  STRATEGIES,
  STREAMS,
  timeZones,
} from "./checks.ts";

export { PERIODS, STRATEGIES, STREAMS };

/** A string checked by `ok`; `reason` and `hint` become the issue's message and fix. */
function text(
  ok: (s: string) => boolean,
  reason: string,
  hint: string | ((s: string) => string),
) {
  return z.string().superRefine((s, ctx) => {
    if (ok(s)) return;
    ctx.addIssue({
      code: "custom",
      message: reason,
      params: { hint: typeof hint === "function" ? hint(s) : hint },
    });
  });
}

const posixName = text(
  isPosixName,
  "not a Linux user or group name",
  "use lowercase letters, digits, '_' and '-', starting with a letter or '_'",
);
const passwordHash = text(
  isPasswordHashSetting,
  "not a crypt(3) password hash",
  'make one with `openssl passwd -6`, or leave it "" to have iago generate a password',
);
const githubUser = text(
  isGithubUserSetting,
  "not a GitHub user name",
  'a GitHub user name has letters, digits and single hyphens; "" fetches no keys',
);
const timezone = text(isTimeZone, "not an IANA time zone", (s) => {
  const close = didYouMean(s, timeZones());
  return close
    ? `did you mean "${close}"?`
    : 'use a name like "UTC", "Europe/Berlin" or "America/New_York"';
});
const interfaceName = text(
  isInterfaceName,
  "not a network interface name",
  'use the kernel name of the interface, like "eth0", "ens18" or "enp1s0"',
);
const hhmm = text(isHoursMinutes, "not a time of day in HH:MM", 'write it like "03:00"');
const hhmmss = text(
  isTimeOfDay,
  "not a time of day in HH:MM:SS",
  'write it like "02:00:00" (24-hour clock, leading zeros)',
);
const registryUrl = text(
  isRegistryUrl,
  "not a registry URL",
  'write the registry host and namespace without a scheme, in lowercase, like "ghcr.io/your-user"',
);
const registryHost = text(
  isRegistryHost,
  "not a registry host",
  'write host or host:port without a scheme, like "localhost:5000"',
);
const macPrefix = text(
  isMacPrefix,
  "not a locally administered unicast MAC prefix",
  'use one to five lowercase hex pairs whose first octet is x2, x6, xa or xe, like "02:05:56"',
);
const macAddress = text(
  isMacAddress,
  "not a MAC address",
  (s) =>
    MAC_PATTERN.test(s.toLowerCase())
      ? `write it in lowercase: "${s.toLowerCase()}"`
      : 'write six hex pairs separated by colons, like "02:05:56:3a:91:0c"',
);
const domain = text(
  isDomain,
  "not a domain name",
  'use DNS labels separated by dots, like "example.com" or "home.arpa"',
);

const UserSection = z.strictObject({
  username: posixName.default("core"),
  github_username: githubUser.default(""),
  groups: z.array(posixName).default(["sudo", "wheel"]),
  password_hash: passwordHash.default(""),
});

const AdminSection = z.strictObject({
  username: posixName.default("admin"),
  groups: z.array(posixName).default(["sudo", "wheel"]),
  password_hash: passwordHash.default(""),
});

const NetworkSection = z.strictObject({
  timezone: timezone.default("UTC"),
  default_network_interface: interfaceName.default("eth0"),
});

const UpdatesSection = z.strictObject({
  stream: z.enum(STREAMS).default("stable"),
  strategy: z.enum(STRATEGIES).default("periodic"),
  period: z.enum(PERIODS).default("daily"),
  reboot_time: hhmm.default("03:00"),
  reboot_window_minutes: z.number().int().positive().max(1440).default(60),
});

const BootcSection = z.strictObject({
  update_time: hhmmss.default("02:00:00"),
  health_check_wait: z.number().int().positive().default(30),
});

const RegistrySection = z.strictObject({
  url: registryUrl.default("ghcr.io/your-github-username"),
  username: z.string().default(""),
  insecure: z.array(registryHost).default(["localhost:5000", "127.0.0.1:5000"]),
  pull_auth: z.boolean().default(false),
  pull_username: z.string().default(""),
});

const SigningSection = z.strictObject({
  required: z.boolean().default(false),
  public_key: text(
    isPublicKeySetting,
    "not a path inside the workspace",
    'give the public key\'s path relative to the workspace, like "cosign.pub"',
  ).default(""),
});

const MachineSection = z.strictObject({
  domain: domain.default("home.arpa"),
  mac_prefix: macPrefix.default("02:05:56"),
});

const ScaffoldSection = z.strictObject({
  base_image: text(
    isImageReference,
    "not an image reference",
    'write it like "quay.io/fedora/fedora-bootc:42"',
  ).default("quay.io/fedora/fedora-bootc:42"),
});

const SecretsSection = z.strictObject({
  onepassword_reference: text(
    isOnePasswordReference,
    "not a 1Password secret reference",
    'write it like "op://VAULT/ITEM/FIELD"',
  ).default("op://github/personal-access-token/credential"),
});

const BuildSection = z.strictObject({
  compression: z.enum(["gzip", "zstd"]).default("gzip"),
});

/** `config/defaults.toml` as written (snake_case). */
export const DefaultsFileSchema = z.strictObject({
  user: UserSection.prefault({}),
  admin: AdminSection.prefault({}),
  network: NetworkSection.prefault({}),
  updates: UpdatesSection.prefault({}),
  bootc: BootcSection.prefault({}),
  container_registry: RegistrySection.prefault({}),
  machine: MachineSection.prefault({}),
  scaffold: ScaffoldSection.prefault({}),
  secrets: SecretsSection.prefault({}),
  signing: SigningSection.prefault({}),
  build: BuildSection.prefault({}),
});

/** `machines/NAME/machine.toml` as written (snake_case). */
export const MachineFileSchema = z.strictObject({
  name: text(
    isDnsLabel,
    "not a DNS label",
    "a machine name is 1-63 lowercase letters, digits and hyphens, not starting or ending with '-'",
  ),
  fqdn: text(
    isFqdn,
    "not a fully qualified domain name",
    'write the full name, like "web.example.com"',
  ),
  container_image: text(
    isRepository,
    "not an image repository",
    'write registry and path in lowercase without a tag, like "ghcr.io/user/web" (the tag goes in container_tag)',
  ).optional(),
  container_tag: text(
    isTag,
    "not an image tag",
    "a tag has letters, digits, '_', '.' and '-' (at most 128), like \"latest\" or \"v1.2.3\"",
  ).default("latest"),
  mac_address: macAddress.optional(),
  network_interface: interfaceName.optional(),
  mount_host_etc: z.boolean().default(false),
  workloads: z.array(
    text(
      isWorkloadRef,
      "not a workload name or plugin path",
      'name a built-in workload ("postgres") or a module inside the workspace ("./workloads/redis.ts")',
    ),
  ).default([]),
});

/** Fleet-wide settings from `config/defaults.toml` (or the embedded default), camelCase. */
export interface Defaults {
  user: { username: string; githubUsername: string; groups: string[]; passwordHash: string };
  admin: { username: string; groups: string[]; passwordHash: string };
  network: { timezone: string; defaultNetworkInterface: string };
  updates: {
    stream: typeof STREAMS[number];
    strategy: typeof STRATEGIES[number];
    period: typeof PERIODS[number];
    /** `HH:MM`. */
    rebootTime: string;
    rebootWindowMinutes: number;
  };
  bootc: {
    /** Always `HH:MM:SS` (an `HH:MM` in the file gets `:00`). */
    updateTime: string;
    healthCheckWait: number;
  };
  containerRegistry: {
    /** Registry and namespace without a scheme, like `ghcr.io/user`. */
    url: string;
    username: string;
    /** `host[:port]` entries spoken to over plain HTTP. */
    insecure: string[];
    /** Whether machines need credentials to pull (`pull_auth`). */
    pullAuth: boolean;
    /** The read-only account machines pull with; `""`: they pull anonymously. */
    pullUsername: string;
  };
  machine: { domain: string; macPrefix: string };
  scaffold: { baseImage: string };
  secrets: { onepasswordReference: string };
  signing: {
    /** Machines refuse images of the fleet's registry without a signature by `publicKey`. */
    required: boolean;
    /** Workspace-relative path of the cosign public key (PEM), or `""`. */
    publicKey: string;
  };
  build: {
    /** How `iago build` compresses the layers it writes. */
    compression: "gzip" | "zstd";
  };
  /** Workspace-relative file the values came from, or `(built-in defaults)`. */
  file: string;
}

/** One machine from `machines/NAME/machine.toml`, with defaults applied. */
export interface Machine {
  name: string;
  fqdn: string;
  /** Repository without tag: `container_image`, else `[container_registry] url` + "/" + name. */
  containerImage: string;
  /** Default `latest`. */
  containerTag: string;
  macAddress?: string;
  networkInterface?: string;
  /** Whether the container sees the machine's whole `/etc` (`mount_host_etc`, default false). */
  mountHostEtc: boolean;
  /** Built-in workload names and `./`-relative plugin paths, in file order. */
  workloads: string[];
  /** Workspace-relative path of machine.toml. */
  file: string;
}

/** Converts a parsed defaults file to the camelCase `Defaults`. */
export function toDefaults(d: z.output<typeof DefaultsFileSchema>, file: string): Defaults {
  return {
    user: {
      username: d.user.username,
      githubUsername: d.user.github_username,
      groups: d.user.groups,
      passwordHash: d.user.password_hash,
    },
    admin: {
      username: d.admin.username,
      groups: d.admin.groups,
      passwordHash: d.admin.password_hash,
    },
    network: {
      timezone: d.network.timezone,
      defaultNetworkInterface: d.network.default_network_interface,
    },
    updates: {
      stream: d.updates.stream,
      strategy: d.updates.strategy,
      period: d.updates.period,
      rebootTime: d.updates.reboot_time,
      rebootWindowMinutes: d.updates.reboot_window_minutes,
    },
    bootc: {
      updateTime: HH_MM.test(d.bootc.update_time)
        ? `${d.bootc.update_time}:00`
        : d.bootc.update_time,
      healthCheckWait: d.bootc.health_check_wait,
    },
    containerRegistry: {
      url: d.container_registry.url.replace(/\/+$/, ""),
      username: d.container_registry.username,
      insecure: d.container_registry.insecure,
      pullAuth: d.container_registry.pull_auth,
      pullUsername: d.container_registry.pull_username,
    },
    machine: { domain: d.machine.domain, macPrefix: d.machine.mac_prefix },
    scaffold: { baseImage: d.scaffold.base_image },
    secrets: { onepasswordReference: d.secrets.onepassword_reference },
    signing: { required: d.signing.required, publicKey: d.signing.public_key },
    build: { compression: d.build.compression },
    file,
  };
}

/** Converts a parsed machine file to `Machine`, resolving what defaults decide. */
export function toMachine(
  m: z.output<typeof MachineFileSchema>,
  defaults: Defaults,
  file: string,
): Machine {
  const machine: Machine = {
    name: m.name,
    fqdn: m.fqdn,
    containerImage: m.container_image ?? `${defaults.containerRegistry.url}/${m.name}`,
    containerTag: m.container_tag,
    mountHostEtc: m.mount_host_etc,
    workloads: m.workloads,
    file,
  };
  if (m.mac_address !== undefined) machine.macAddress = m.mac_address;
  if (m.network_interface !== undefined) machine.networkInterface = m.network_interface;
  return machine;
}
