/**
 * MAC addresses for DHCP reservations: random, under the configured locally administered prefix,
 * and never one another machine of the workspace already has.
 */
import { join } from "node:path";
import { IagoError } from "../errors.ts";
import { readTextIfExists } from "../fsutil.ts";
import type { Workspace } from "../workspace.ts";

/**
 * A random MAC address starting with `prefix` (one to five octets, `02:05:56`) that is not in
 * `taken`. `random` fills a byte array (defaults to the CSPRNG). Throws when the prefix leaves
 * no free address after many tries.
 */
export function generateMac(
  prefix: string,
  taken: ReadonlySet<string>,
  random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b),
): string {
  const fixed = prefix.toLowerCase().split(":");
  const free = 6 - fixed.length;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const bytes = random(new Uint8Array(free));
    const mac = [...fixed, ...Array.from(bytes, (b) => b.toString(16).padStart(2, "0"))].join(":");
    if (!taken.has(mac)) return mac;
  }
  throw new IagoError(`Cannot generate a free MAC address under prefix "${prefix}"`, {
    hint:
      "set a shorter [machine] mac_prefix in config/defaults.toml, or pass --generate-mac=false",
  });
}

/**
 * The MAC addresses the workspace's machines use (lowercase), mapped to the machine. Reads
 * `mac_address` lines directly, so a machine.toml with other mistakes still counts.
 */
export async function collectMacs(ws: Workspace): Promise<Map<string, string>> {
  const macs = new Map<string, string>();
  for (const name of await ws.machineNames()) {
    const text = await readTextIfExists(join(ws.machinesDir, name, "machine.toml"));
    const m = text && /^\s*mac_address\s*=\s*["']([^"']*)["']/m.exec(text);
    if (m) macs.set(m[1].toLowerCase(), name);
  }
  return macs;
}

/** The problem of a machine whose MAC address machine `other` has too (validate and ignite). */
export function duplicateMac(mac: string, other: string, file: string): IagoError {
  return new IagoError(`MAC address ${mac} is also used by machine "${other}"`, {
    at: { file },
    hint: "give each machine its own mac_address (iago init generates unique ones)",
  });
}

/**
 * The machines of `ws` whose MAC address an earlier machine (by name) already has, each with
 * its problem: what `validate` reports, and what `ignite` refuses to write.
 */
export async function sharedMacs(ws: Workspace): Promise<Map<string, IagoError>> {
  const owners = new Map<string, string>();
  const problems = new Map<string, IagoError>();
  for (const name of await ws.machineNames()) {
    const file = join(ws.machinesDir, name, "machine.toml");
    const text = await readTextIfExists(file);
    const m = text && /^\s*mac_address\s*=\s*["']([^"']*)["']/m.exec(text);
    if (!m || m[1] === "") continue;
    const mac = m[1].toLowerCase();
    const other = owners.get(mac);
    if (other) problems.set(name, duplicateMac(mac, other, ws.relative(file)));
    else owners.set(mac, name);
  }
  return problems;
}
