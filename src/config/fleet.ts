/**
 * The fleet at a glance, for `iago list`: each machine's settings and whether its Ignition file
 * is missing, up to date, or older than what it is made from.
 */
import { join } from "node:path";
import { IagoError, printable } from "../errors.ts";
import type { Workspace } from "../workspace.ts";
import { BUILTIN_DEFAULTS, checkMachine, loadDefaults } from "./load.ts";
import type { Defaults } from "./schema.ts";
import { readTextIfExists } from "../fsutil.ts";
import { isDnsLabel } from "./checks.ts";

/** `missing`, `up to date`, or `stale` (older than machine.toml, the template or defaults). */
export type IgnitionState = "missing" | "up to date" | "stale";

/** One line of `iago list`. */
export interface MachineSummary {
  name: string;
  fqdn?: string;
  macAddress?: string;
  /** `repository:tag`. */
  image?: string;
  workloads?: string[];
  ignition: IgnitionState;
  /** Set when machine.toml cannot be read; the other fields are then left out. */
  error?: string;
}

/**
 * Summaries of every machine of `ws`, sorted by name. A bad machine.toml gives a summary with
 * `error`; bad defaults throw (every machine depends on them).
 */
export async function summarizeMachines(ws: Workspace): Promise<MachineSummary[]> {
  const defaults = await loadDefaults(ws);
  const defaultsTime = defaults.file === BUILTIN_DEFAULTS ? 0 : await mtime(ws.defaultsFile);
  // Machines are independent: read them all at once (start-up time with 100s of machines).
  return await Promise.all(
    (await ws.machineNames()).map((name) =>
      isDnsLabel(name) ? summarize(ws, name, defaults, defaultsTime ?? 0) : {
        name,
        ignition: "missing",
        error: `machines/${printable(name)}: not a valid machine name`,
      }
    ),
  );
}

async function summarize(
  ws: Workspace,
  name: string,
  defaults: Defaults,
  defaultsTime: number,
): Promise<MachineSummary> {
  const file = ws.machineFile(name);
  const [ignition, text = ""] = await Promise.all([
    ignitionState(ws, name, defaultsTime),
    readTextIfExists(file),
  ]);
  const checked = checkMachine(text, ws.relative(file), name, defaults);
  if (!checked.ok) {
    const first = checked.problems[0];
    return {
      name,
      ignition,
      error: first instanceof IagoError ? first.format().split("\n")[0] : String(first),
    };
  }
  const m = checked.value;
  const summary: MachineSummary = {
    name,
    fqdn: m.fqdn,
    image: `${m.containerImage}:${m.containerTag}`,
    workloads: m.workloads,
    ignition,
  };
  if (m.macAddress) summary.macAddress = m.macAddress;
  return summary;
}

async function ignitionState(
  ws: Workspace,
  name: string,
  defaultsTime: number,
): Promise<IgnitionState> {
  const built = await mtime(ws.ignitionFile(name));
  if (built === undefined) return "missing";
  return await newestMachineInput(ws, name, defaultsTime) > built ? "stale" : "up to date";
}

/**
 * The newest modification time (ms) of what a machine's Ignition file is made from: its
 * machine.toml and template, and `defaultsTime` (config/defaults.toml's, read once per fleet).
 */
export async function newestMachineInput(
  ws: Workspace,
  name: string,
  defaultsTime: number,
): Promise<number> {
  const times = await Promise.all([
    mtime(ws.machineFile(name)),
    mtime(join(ws.machineDir(name), "butane.yaml.tmpl")),
  ]);
  return Math.max(defaultsTime, ...times.map((t) => t ?? 0));
}

/**
 * A file's modification time in ms, or undefined when it does not exist (nor can: a directory
 * on its path is a file, as an `output/ignition` file makes every machine's Ignition missing).
 */
export async function mtime(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).mtime?.getTime();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw err;
  }
}
