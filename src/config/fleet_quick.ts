/**
 * The fleet at a glance the quick way, for `iago list`'s start-up: files read with the quick
 * readers (quick.ts) by synchronous calls, which for 100 machines cost a fraction of as many
 * asynchronous round trips.
 *
 * It gives what `summarizeMachines` (fleet.ts) gives for a workspace whose files are all
 * plainly valid, and `undefined` for every other, which summarizeMachines then reads and
 * reports: a problem in a file, TOML beyond the plain subset, a machine directory that is a
 * link or not named as a machine, a file that cannot be read.
 */
import { join } from "node:path";
import type { Workspace } from "../workspace.ts";
import { isDnsLabel } from "./checks.ts";
import type { IgnitionState, MachineSummary } from "./fleet.ts";
import { quickDefaults, quickMachine } from "./quick.ts";

/** Summaries of every machine of `ws`, sorted by name, or `undefined` (see above). */
export function quickSummaries(ws: Workspace): MachineSummary[] | undefined {
  try {
    return summaries(ws);
  } catch (err) {
    if (err instanceof Declined) return undefined;
    throw err;
  }
}

/** Thrown where the workspace is not one for the quick way; caught by quickSummaries. */
class Declined {}

function summaries(ws: Workspace): MachineSummary[] {
  const defaultsText = readText(ws.defaultsFile);
  const defaults = quickDefaults(defaultsText) ?? decline();
  const defaultsTime = defaultsText === undefined ? 0 : mtime(ws.defaultsFile) ?? 0;
  const names: string[] = [];
  for (const entry of listing(ws.machinesDir)) {
    // summarizeMachines warns about a linked machine directory.
    if (entry.isSymlink) decline();
    if (entry.isDirectory && !entry.name.startsWith(".")) names.push(entry.name);
  }
  const machines: MachineSummary[] = [];
  const files = new MachineFiles(ws);
  for (const name of names.sort()) {
    if (!isDnsLabel(name)) {
      // A machine only with a machine.toml, and then one summarizeMachines reports.
      if (isMachine(ws, name)) decline();
      continue;
    }
    const text = readText(files.machineFile(name));
    if (text === undefined) {
      // (A machine.toml that is a dangling link is still a machine, which cannot be read.)
      if (isMachine(ws, name)) decline();
      continue;
    }
    const m = quickMachine(text, name, defaults) ?? decline();
    const summary: MachineSummary = {
      name,
      fqdn: m.fqdn,
      image: m.image,
      workloads: m.workloads,
      ignition: files.ignitionState(name, defaultsTime),
    };
    if (m.macAddress) summary.macAddress = m.macAddress;
    machines.push(summary);
  }
  return machines;
}

/**
 * A machine's files and their times. Paths are put together from the directories' once: the
 * Workspace's methods join and normalize the whole path each time, character by character, which
 * for 100 machines is a good part of list's first-run JavaScript. Only for names that are DNS
 * labels, which need no normalizing.
 *
 * A stat of a missing file costs an exception, four times a stat (~120K instructions), and
 * output/ignition is often missing or not yet complete (a new clone: output/ is not committed),
 * so after the first machine without one the directory is listed once and only the files it
 * holds are looked at; a fleet whose machines all have one costs no listing.
 */
class MachineFiles {
  private readonly machines: string;
  private readonly ignition: string;
  /** The listing's names, lowercased; `undefined` until read, `null` where it cannot tell. */
  private ignitionNames?: Set<string> | null;

  constructor(ws: Workspace) {
    this.machines = ws.machinesDir;
    this.ignition = ws.ignitionDir;
  }

  machineFile(name: string): string {
    return `${this.machines}/${name}/machine.toml`;
  }

  /** As fleet.ts's ignitionState. */
  ignitionState(name: string, defaultsTime: number): IgnitionState {
    const built = this.ignitionTime(name);
    if (built === undefined) return "missing";
    // The template's time first: summarizeMachines stats it, and fails where that fails. The
    // machine.toml just read needs a look only while nothing else is newer (a stat costs ~30K
    // instructions: list's 300 are an eighth of its start-up).
    const template = mtime(`${this.machines}/${name}/butane.yaml.tmpl`) ?? 0;
    const stale = defaultsTime > built || template > built ||
      (mtime(this.machineFile(name)) ?? 0) > built;
    return stale ? "stale" : "up to date";
  }

  private ignitionTime(name: string): number | undefined {
    const file = `${name}.ign`;
    if (this.ignitionNames?.has(file) === false) return undefined;
    const time = mtime(`${this.ignition}/${file}`);
    if (time === undefined && this.ignitionNames === undefined) {
      this.ignitionNames = listedNames(this.ignition);
    }
    return time;
  }
}

/**
 * The names in directory `dir` (none if it does not exist), lowercased as a file system that
 * ignores case would match them; `null` if one is not ASCII, where such a file system may match
 * more than case (a stat of each file then answers).
 */
function listedNames(dir: string): Set<string> | null {
  const names = new Set<string>();
  for (const entry of listing(dir)) {
    names.add(entry.name.toLowerCase());
  }
  return /[^\0-\x7f]/.test([...names].join("")) ? null : names;
}

/** Whether machines/NAME holds a machine.toml, as Workspace.machineNames decides. */
function isMachine(ws: Workspace, name: string): boolean {
  try {
    Deno.lstatSync(join(ws.machinesDir, name, "machine.toml"));
    return true;
  } catch {
    return false;
  }
}

// The file system calls: what does not exist is `undefined` (or nothing), any other error
// declines. (No callback per call: a closure per machine and file cost list ~0.3M instructions.)

/** The text of file `path`. */
function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    return missing(err);
  }
}

/** As fleet.ts's mtime. */
function mtime(path: string): number | undefined {
  try {
    return Deno.statSync(path).mtime?.getTime();
  } catch (err) {
    return missing(err);
  }
}

/** The entries of directory `dir`. */
function listing(dir: string): Deno.DirEntry[] {
  try {
    return [...Deno.readDirSync(dir)];
  } catch (err) {
    return missing(err) ?? [];
  }
}

function missing(err: unknown): undefined {
  if (err instanceof Deno.errors.NotFound) return undefined;
  throw new Declined();
}

function decline(): never {
  throw new Declined();
}
