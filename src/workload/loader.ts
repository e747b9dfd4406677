/**
 * Finds the workloads a machine uses: `default` always first, then each entry of its
 * `workloads = [...]`, a built-in name or a `./`-relative plugin path inside the workspace,
 * imported in the sandbox (which reads no file: iago hands it the plugin's text) and checked
 * against the contract. Built-in workloads are part of iago and run in-process.
 */
import { resolve, sep } from "node:path";
import { didYouMean, IagoError, type SourceLocation } from "../errors.ts";
import type { Sandbox } from "../sandbox/sandbox.ts";
import type { Workload } from "../types.ts";
import type { Workspace } from "../workspace.ts";
import defaultWorkload from "../../workloads/default.ts";
import postgresWorkload from "../../workloads/postgres.ts";

/** The workloads built into iago, by name. */
export const BUILTIN_WORKLOADS: ReadonlyMap<string, Workload> = new Map([
  [defaultWorkload.name, defaultWorkload],
  [postgresWorkload.name, postgresWorkload],
]);

export interface LoadedWorkload {
  /** As written in machine.toml (`"postgres"`, `"./workloads/redis.ts"`); `"default"`. */
  ref: string;
  /** How messages name it: `workload "postgres"` or `workloads/redis.ts`. */
  source: string;
  workload: Workload;
}

/**
 * The workloads of a machine in merge order, plugins loaded in `sandbox`. `at` is the
 * machine.toml to blame for an unknown name (`machineText`, its text, places the error on the
 * line that names it). Throws an `IagoError` naming the plugin file for a plugin that cannot be
 * loaded or does not fit the contract.
 */
export async function loadWorkloads(
  ws: Workspace,
  sandbox: Sandbox,
  refs: readonly string[],
  at: SourceLocation,
  machineText?: string,
): Promise<LoadedWorkload[]> {
  const out: LoadedWorkload[] = [{
    ref: "default",
    source: 'workload "default"',
    workload: defaultWorkload,
  }];
  for (const ref of refs) {
    if (ref === "default") continue;
    if (!ref.startsWith("./")) {
      const builtin = BUILTIN_WORKLOADS.get(ref);
      if (!builtin) {
        const close = didYouMean(ref, BUILTIN_WORKLOADS.keys());
        throw new IagoError(`Unknown workload "${ref}"`, {
          at: locateRef(at, ref, machineText),
          hint: close
            ? `did you mean "${close}"?`
            : `built-in workloads: ${[...BUILTIN_WORKLOADS.keys()].join(", ")}; ` +
              'a plugin is a path inside the workspace, like "./workloads/redis.ts"',
        });
      }
      out.push({ ref, source: `workload "${ref}"`, workload: builtin });
      continue;
    }
    const abs = resolve(ws.root, ref);
    const file = ws.relative(abs);
    if (!abs.startsWith(ws.root + sep)) {
      throw new IagoError(`Workload plugin "${ref}" is outside the workspace`, {
        at: locateRef(at, ref, machineText),
      });
    }
    const real = await Deno.realPath(abs).catch(() => undefined);
    if (real !== undefined && !real.startsWith(await Deno.realPath(ws.root) + sep)) {
      throw new IagoError(`Workload plugin "${ref}" is outside the workspace`, {
        at: locateRef(at, ref, machineText),
        hint: `a symlink on the way leads to ${real}; copy the plugin into the workspace`,
      });
    }
    out.push({ ref, source: file, workload: await loadPlugin(sandbox, abs, file, real) });
  }
  return out;
}

/** `at` moved to the first place `"ref"` or `'ref'` is written in the file's text. */
function locateRef(at: SourceLocation, ref: string, text?: string): SourceLocation {
  if (text === undefined) return at;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/#.*$/, "");
    for (const quoted of [JSON.stringify(ref), `'${ref}'`]) {
      const col = line.indexOf(quoted);
      if (col >= 0) return { file: at.file, line: i + 1, col: col + 1 };
    }
  }
  return at;
}

async function loadPlugin(
  sandbox: Sandbox,
  abs: string,
  file: string,
  real: string | undefined,
): Promise<Workload> {
  if (real === undefined) {
    throw new IagoError("Cannot load workload plugin: no such file", {
      at: { file },
      hint:
        "create it, or fix the path in the machine's workloads = [...] (relative to the workspace)",
    });
  }
  return await sandbox.loadPlugin(abs, file);
}
