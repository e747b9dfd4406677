/**
 * `config/defaults.toml` and `machine.toml` read for `iago list` without the config code's
 * start-up (zod, smol-toml: most of list's time over 100 machines): plain TOML
 * (toml_plain.ts), checked key by key with the same checks as the schema (checks.ts).
 *
 * Each reader returns what list shows when the file is plainly valid, and `undefined` when it
 * is not or cannot tell (other TOML, a problem, a setting that needs a look at another one);
 * the caller then reads the workspace the full way (load.ts), which says what is wrong.
 * tests/config_quick_test.ts holds that what these accept, load.ts accepts with the same values.
 */
import {
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
  PERIODS,
  STRATEGIES,
  STREAMS,
} from "./checks.ts";
import defaultsText from "./defaults.toml" with { type: "text" };
import { readPlainToml } from "./toml_plain.ts";

/** Whether a value read from TOML is a valid setting. */
type Check = (value: unknown) => boolean;

const text = (ok: (s: string) => boolean = () => true): Check => (v) =>
  typeof v === "string" && ok(v);
const texts = (ok: (s: string) => boolean): Check => (v) =>
  Array.isArray(v) && v.every((s) => typeof s === "string" && ok(s));
const oneOf = (options: readonly string[]): Check => (v) => options.includes(v as string);
const flag: Check = (v) => typeof v === "boolean";
const count = (max = Number.MAX_SAFE_INTEGER): Check => (v) =>
  Number.isSafeInteger(v) && (v as number) > 0 && (v as number) <= max;

/** Every section and key of defaults.toml (schema.ts DefaultsFileSchema), with its check. */
export const DEFAULTS_KEYS: Record<string, Record<string, Check>> = {
  user: {
    username: text(isPosixName),
    github_username: text(isGithubUserSetting),
    groups: texts(isPosixName),
    password_hash: text(isPasswordHashSetting),
  },
  admin: {
    username: text(isPosixName),
    groups: texts(isPosixName),
    password_hash: text(isPasswordHashSetting),
  },
  network: { timezone: text(isTimeZone), default_network_interface: text(isInterfaceName) },
  updates: {
    stream: oneOf(STREAMS),
    strategy: oneOf(STRATEGIES),
    period: oneOf(PERIODS),
    reboot_time: text(isHoursMinutes),
    reboot_window_minutes: count(1440),
  },
  bootc: { update_time: text(isTimeOfDay), health_check_wait: count() },
  container_registry: {
    url: text(isRegistryUrl),
    username: text(),
    insecure: texts(isRegistryHost),
    pull_auth: flag,
    pull_username: text(),
  },
  machine: { domain: text(isDomain), mac_prefix: text(isMacPrefix) },
  scaffold: { base_image: text(isImageReference) },
  secrets: { onepassword_reference: text(isOnePasswordReference) },
  signing: { required: flag, public_key: text(isPublicKeySetting) },
  build: { compression: oneOf(["gzip", "zstd"]) },
};

/** Every key of machine.toml (schema.ts MachineFileSchema), with its check. */
export const MACHINE_KEYS: Record<string, Check> = {
  name: text(isDnsLabel),
  fqdn: text(isFqdn),
  container_image: text(isRepository),
  container_tag: text(isTag),
  mac_address: text(isMacAddress),
  network_interface: text(isInterfaceName),
  mount_host_etc: flag,
  workloads: texts(isWorkloadRef),
};

/** What `iago list` needs of the fleet's defaults. */
export interface QuickDefaults {
  /** `[container_registry] url` without trailing slashes: a machine's image is URL/NAME. */
  registryUrl: string;
}

/** What `iago list` shows of a machine. */
export interface QuickMachine {
  fqdn: string;
  macAddress?: string;
  /** `repository:tag`. */
  image: string;
  workloads: string[];
}

/**
 * The defaults of `text`, or of the embedded defaults.toml (which says what every left-out key
 * means) when `undefined`; `undefined` unless plainly valid.
 */
export function quickDefaults(text: string | undefined): QuickDefaults | undefined {
  const data = readPlainToml(text ?? defaultsText);
  if (data === undefined) return undefined;
  // The embedded file's settings (no defaults.toml, or `iago init`'s copy unchanged) are valid,
  // as tests/config_quick_test.ts holds: checked, they cost list's start-up ~1M instructions
  // (a dozen patterns, each compiled at its first use).
  if (text !== undefined && text !== defaultsText && !validDefaults(data)) return undefined;
  const registry = section(data, "container_registry");
  const signing = section(data, "signing");
  // What load.ts checks across keys: left to it, which says what is missing.
  if (registry.pull_auth === true && !registry.pull_username) return undefined;
  if (signing.required === true && !signing.public_key) return undefined;
  const url = registry.url ??
    (text === undefined ? undefined : quickDefaults(undefined)?.registryUrl);
  if (typeof url !== "string") return undefined;
  return { registryUrl: url.replace(/\/+$/, "") };
}

/** Whether every section and key of `data` is one of defaults.toml's, with a valid value. */
function validDefaults(data: Record<string, unknown>): boolean {
  for (const [name, section] of Object.entries(data)) {
    const keys = Object.hasOwn(DEFAULTS_KEYS, name) ? DEFAULTS_KEYS[name] : undefined;
    if (keys === undefined || !isTable(section)) return false;
    for (const [key, value] of Object.entries(section)) {
      if (!Object.hasOwn(keys, key) || !keys[key](value)) return false;
    }
  }
  return true;
}

/**
 * Machine `dirName` from its machine.toml `text`, images named after `defaults`; `undefined`
 * unless plainly valid.
 */
export function quickMachine(
  text: string,
  dirName: string,
  defaults: QuickDefaults,
): QuickMachine | undefined {
  const data = readPlainToml(text);
  if (data === undefined || data.name !== dirName || typeof data.fqdn !== "string") {
    return undefined;
  }
  // (`in`: the table has no prototype; Object.entries' pairs cost list ~1M instructions.)
  for (const key in data) {
    if (!Object.hasOwn(MACHINE_KEYS, key) || !MACHINE_KEYS[key](data[key])) return undefined;
  }
  const workloads = (data.workloads ?? []) as string[];
  if (new Set(workloads).size !== workloads.length) return undefined;
  const repository = data.container_image ?? `${defaults.registryUrl}/${dirName}`;
  const machine: QuickMachine = {
    fqdn: data.fqdn,
    image: `${repository}:${data.container_tag ?? "latest"}`,
    workloads,
  };
  if (data.mac_address !== undefined) machine.macAddress = data.mac_address as string;
  return machine;
}

function section(data: Record<string, unknown>, name: string): Record<string, unknown> {
  return (data[name] ?? {}) as Record<string, unknown>;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
