/**
 * One `ignite` run over several machines: under the workspace lock, each machine on its own
 * (a failing machine does not stop the others), with a result and duration per machine and a
 * summary, so cron mail says what happened in a few lines.
 */
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { IagoError, UsageError } from "../errors.ts";
import { sharedMacs } from "../config/mac.ts";
import { removeLeftoverTempFiles } from "../fsutil.ts";
import { collectAllGarbage } from "../memory.ts";
import { lockTimeoutFromEnv, withLock } from "../lock.ts";
import { linkedMachine, type Workspace } from "../workspace.ts";
import { igniteMachine, type IgniteOptions, IgniteSession } from "./pipeline.ts";

/**
 * Machines generated at once: two, so one machine's file reads and rendering (in the sandbox's
 * thread) overlap the other's translation. Each more keeps its documents alive across more of
 * the collector's young-generation passes, which then move them to the old generation: at
 * eight, `ignite --all` of 1000 machines grew the heap to 72 MB between full collections, at
 * two to 36 MB, in less CPU time.
 */
const CONCURRENCY = 2;

export interface IgniteRunOptions extends IgniteOptions {
  /** Every machine of the workspace. */
  all?: boolean;
  /** Output file for a single machine (relative to the workspace). */
  output?: string;
}

export interface MachineOutcome {
  name: string;
  status: "written" | "unchanged" | "failed";
  /** Workspace-relative (or absolute, outside it) output path. */
  file: string;
  ms: number;
  error?: unknown;
}

// Machines between collections.
const GC_EVERY = 50;

export interface IgniteRunReport {
  outcomes: MachineOutcome[];
  ms: number;
  failed: number;
}

/**
 * Ignites `names` (or all machines with `all`), calling `onOutcome` as each finishes. Throws a
 * `UsageError` for contradictory arguments and an `IagoError` when the lock is not free in time;
 * a machine's failure is reported in its outcome instead.
 */
export async function igniteMachines(
  ws: Workspace,
  names: string[],
  options: IgniteRunOptions,
  onOutcome: (o: MachineOutcome) => void = () => {},
): Promise<IgniteRunReport> {
  if (options.all && names.length > 0) {
    throw new UsageError("Give machine names or --all, not both");
  }
  const list = options.all ? await ws.machineNames() : [...new Set(names)];
  if (options.all) {
    for (const name of await ws.linkedMachineDirs()) {
      options.onWarning?.(`${linkedMachine(name).format().split("\n")[0]}; skipped`);
    }
  }
  if (list.length === 0) {
    throw options.all
      ? new IagoError(`No machines in ${ws.root}`, { hint: "create one with: iago init NAME" })
      : new UsageError("Name the machines to ignite, or use --all", {
        hint: "iago ignite NAME... | iago ignite --all",
      });
  }
  if (options.output !== undefined && list.length !== 1) {
    throw new UsageError("--output takes exactly one machine");
  }
  const output = options.output === undefined ? undefined : await checkOutput(ws, options.output);
  const started = performance.now();
  await using session = new IgniteSession(ws, options);
  const outcomes: MachineOutcome[] = [];
  // Two machines with one MAC address would get the same DHCP lease: refused as validate does.
  const macs = await sharedMacs(ws);
  const one = async (name: string): Promise<MachineOutcome> => {
    const t0 = performance.now();
    try {
      const sharing = macs.get(name);
      if (sharing) throw sharing;
      const r = await igniteMachine(session, name, output);
      return {
        name,
        status: r.status === "unchanged" ? "unchanged" : "written",
        file: ws.relative(r.file),
        ms: elapsed(t0),
      };
    } catch (error) {
      return { name, status: "failed", file: "", ms: elapsed(t0), error };
    }
  };
  await withLock(ws.stateDir, "ignite", async () => {
    await removeLeftovers(ws);
    // A few machines at a time, so one machine's file writes overlap another's rendering;
    // outcomes are still reported in name order.
    const pending = list.map(() => Promise.withResolvers<MachineOutcome>());
    let next = 0;
    const worker = async () => {
      while (next < list.length) {
        const i = next++;
        pending[i].resolve(await one(list[i]));
        // Each machine leaves megabytes of parsed and rendered documents; collected as they
        // go, a fleet of any size runs in the memory of a few machines (see memory.ts).
        if (i % GC_EVERY === GC_EVERY - 1) collectAllGarbage();
      }
    };
    const workers = Array.from({ length: Math.min(CONCURRENCY, list.length) }, worker);
    for (const p of pending) {
      const outcome = await p.promise;
      outcomes.push(outcome);
      onOutcome(outcome);
    }
    await Promise.all(workers);
  }, { timeoutMs: lockTimeoutFromEnv(options.env ?? {}), purpose: "ignite" });
  return {
    outcomes,
    ms: elapsed(started),
    failed: outcomes.filter((o) => o.status === "failed").length,
  };
}

/** Where a workspace keeps what ignite and build read, and its state: never an output. */
const INPUT_DIRS = ["config", "machines", "containers", "workloads", ".iago", ".git"];

/**
 * The absolute path of `--output FILE`. Throws a `UsageError` for a directory, and for a path
 * (links followed) in one of the workspace's input directories or at an existing workspace
 * file that is not an Ignition file: it could overwrite the machine's own machine.toml, a
 * template or the secrets.
 */
async function checkOutput(ws: Workspace, given: string): Promise<string> {
  const path = resolve(ws.root, given);
  const info = await Deno.stat(path).catch(() => undefined);
  if (info?.isDirectory) {
    throw new UsageError(`--output ${given} is a directory`, {
      hint: `give the path of a file, e.g. --output ${join(given, "NAME.ign")}`,
    });
  }
  const real = async (p: string): Promise<string> =>
    await Deno.realPath(p).catch(async () =>
      p === dirname(p) ? p : join(await real(dirname(p)), basename(p))
    );
  const root = await real(ws.root);
  const target = await real(path);
  const inside = relative(root, target);
  const input = !inside.startsWith("..") && !isAbsolute(inside) &&
    (INPUT_DIRS.includes(inside.split("/")[0]) || (info !== undefined && !path.endsWith(".ign")));
  if (input) {
    throw new UsageError(
      `--output ${given} would overwrite ${inside}, an input of the workspace`,
      { hint: "write under output/ (--output output/test.ign) or outside the workspace" },
    );
  }
  return path;
}

/**
 * Removes the temp files of runs that were killed while writing Ignition files or secrets.
 * Call it holding the ignite lock: then no other run is writing them.
 */
export async function removeLeftovers(ws: Workspace): Promise<void> {
  await removeLeftoverTempFiles(ws.ignitionDir);
  await removeLeftoverTempFiles(ws.secretsDir);
}

/** `3 machines in 45 ms: 1 written, 1 unchanged, 1 failed`. */
export function summaryLine(report: IgniteRunReport): string {
  const count = (s: MachineOutcome["status"]) =>
    report.outcomes.filter((o) => o.status === s).length;
  const n = report.outcomes.length;
  return `${n} machine${n === 1 ? "" : "s"} in ${report.ms} ms: ${count("written")} written, ${
    count("unchanged")
  } unchanged, ${report.failed} failed`;
}

function elapsed(t0: number): number {
  return Math.round(performance.now() - t0);
}
