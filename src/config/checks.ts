/**
 * Value checks shared by the configuration schemas and `iago init`: each returns whether a
 * string is well formed, so the schemas and the commands agree on what is accepted.
 */
import { MACHINE_NAME_PATTERN } from "../workspace.ts";

/** A DNS label, the form of a machine name. */
export function isDnsLabel(s: string): boolean {
  return MACHINE_NAME_PATTERN.test(s);
}

// DNS labels in any case (ASCII letters only: a host name has no other), as
// MACHINE_NAME_PATTERN is one in lowercase; one pattern per whole name: `iago list` checks 100
// fqdns at its start-up, where a split and a test per label cost ~10K instructions a machine.
// (Literals, not built from a label's pattern: that would run at every start, --version's too.)
const FQDN =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\.?$/;
const DOMAIN =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** A fully qualified domain name: two or more DNS labels (any case), at most 253 characters. */
export function isFqdn(s: string): boolean {
  return s.length <= 253 && FQDN.test(s);
}

/** A domain that `NAME.` can be put in front of: one or more DNS labels. */
export function isDomain(s: string): boolean {
  return s.length <= 189 && DOMAIN.test(s);
}

/** A MAC address written as six lowercase hex pairs separated by colons. */
export const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** A MAC address as machine.toml's `mac_address` takes it ({@link MAC_PATTERN}). */
export function isMacAddress(s: string): boolean {
  return MAC_PATTERN.test(s);
}

/** One to five lowercase hex pairs: the fixed start of generated MAC addresses. */
export const MAC_PREFIX_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){0,4}$/;

/**
 * Whether the first octet of a MAC (or prefix) is unicast and locally administered, the range
 * meant for addresses that no vendor assigns.
 */
export function isLocalUnicast(mac: string): boolean {
  const first = parseInt(mac.slice(0, 2), 16);
  return (first & 0x01) === 0 && (first & 0x02) === 2;
}

/** A prefix of generated MAC addresses: one to five pairs, locally administered, unicast. */
export function isMacPrefix(s: string): boolean {
  return MAC_PREFIX_PATTERN.test(s) && isLocalUnicast(s);
}

/** `HH:MM`, 24-hour clock. */
export const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** `HH:MM:SS`, 24-hour clock. */
export const HH_MM_SS = /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/;

/** A time of day as `HH:MM` ({@link HH_MM}). */
export function isHoursMinutes(s: string): boolean {
  return HH_MM.test(s);
}

/** A time of day as `HH:MM:SS` or `HH:MM`. */
export function isTimeOfDay(s: string): boolean {
  return HH_MM_SS.test(s) || HH_MM.test(s);
}

let zones: Set<string> | undefined;

/** The IANA time zone names this runtime knows, plus `UTC` and `Etc/UTC`. */
export function timeZones(): Set<string> {
  zones ??= new Set([...Intl.supportedValuesOf("timeZone"), "UTC", "Etc/UTC"]);
  return zones;
}

/** An IANA time zone name. */
export function isTimeZone(s: string): boolean {
  // The set is built from ICU's list at its first use; UTC needs none.
  return s === "UTC" || timeZones().has(s);
}

/** The Fedora CoreOS update streams. */
export const STREAMS = ["stable", "testing", "next"] as const;
/** Zincati reboot strategies iago configures. */
export const STRATEGIES = ["periodic", "immediate"] as const;
/** Days of a periodic reboot window. */
export const PERIODS = ["daily", "weekdays", "weekends"] as const;

/** A Linux user or group name as `useradd` accepts it by default. */
export const POSIX_NAME = /^[a-z_][a-z0-9_-]{0,30}\$?$/;

/** A GitHub user name: letters, digits and single hyphens, at most 39 characters. */
export const GITHUB_USER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;

/** A crypt(3) hash such as `$6$salt$hash` or `$y$...`. */
export const CRYPT_HASH = /^\$[0-9a-z]+\$[./0-9A-Za-z$=,]+$/;

/** A Linux user or group name ({@link POSIX_NAME}). */
export function isPosixName(s: string): boolean {
  return POSIX_NAME.test(s);
}

/** A `password_hash` setting: a crypt(3) hash, or "" for a generated password. */
export function isPasswordHashSetting(s: string): boolean {
  return s === "" || CRYPT_HASH.test(s);
}

/** A `github_username` setting: a GitHub user name, or "" for no keys. */
export function isGithubUserSetting(s: string): boolean {
  return s === "" || GITHUB_USER.test(s);
}

/** A network interface name (at most 15 characters, no slash or blank). */
export function isInterfaceName(s: string): boolean {
  return /^[A-Za-z0-9_.:-]{1,15}$/.test(s) && s !== "." && s !== "..";
}

/** A registry host with optional port: `ghcr.io`, `localhost:5000`, `127.0.0.1:5000`. */
export const REGISTRY_HOST = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/;

/** A registry host ({@link REGISTRY_HOST}). */
export function isRegistryHost(s: string): boolean {
  return REGISTRY_HOST.test(s);
}

/** A repository path without tag or digest: `ghcr.io/user/web`, `localhost:5000/web`. */
export function isRepository(s: string): boolean {
  const [host, ...rest] = s.split("/");
  return REGISTRY_HOST.test(host) &&
    rest.every((p) => /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(p));
}

/** A registry namespace URL as in `[container_registry] url`: host[:port] and optional path. */
export function isRegistryUrl(s: string): boolean {
  return isRepository(s.replace(/\/+$/, ""));
}

/** An image tag. */
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** An image tag ({@link TAG}). */
export function isTag(s: string): boolean {
  return TAG.test(s);
}

/** An image reference as written after FROM: no blanks, non-empty. */
export function isImageReference(s: string): boolean {
  return /^[A-Za-z0-9][^\s]*$/.test(s);
}

/**
 * A workload entry of machine.toml: a built-in name (`postgres`) or a plugin path relative to the
 * workspace (`./workloads/redis.ts`) that stays inside it.
 */
export function isWorkloadRef(s: string): boolean {
  if (/^[a-z0-9][a-z0-9-]*$/.test(s)) return true;
  if (!s.startsWith("./") || !/\.(ts|js|mts|mjs)$/.test(s)) return false;
  return s.slice(2).split("/").every((p) => p !== "" && p !== "." && p !== "..");
}

/** A file path relative to the workspace that stays inside it (`cosign.pub`, `./keys/fleet.pub`). */
export function isWorkspacePath(s: string): boolean {
  if (s.startsWith("/") || s.includes("\\")) return false;
  const parts = s.replace(/^\.\//, "").split("/");
  return parts.every((p) => p !== "" && p !== "." && p !== "..");
}

/** A `public_key` setting: a path inside the workspace, or "" for none. */
export function isPublicKeySetting(s: string): boolean {
  return s === "" || isWorkspacePath(s);
}

/** A 1Password secret reference, `op://VAULT/ITEM/FIELD`. */
export function isOnePasswordReference(s: string): boolean {
  return /^op:\/\/[^/\s]+\/[^/\s]+\/\S+$/.test(s);
}
