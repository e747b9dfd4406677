/**
 * `iago rm NAME`: removes a machine, its container, its outputs and its secrets, and nothing
 * else. Every path comes from the workspace and a checked machine name.
 */
import { didYouMean, UsageError } from "../errors.ts";
import { join } from "node:path";
import { exists } from "../fsutil.ts";
import { checkMachineName, type Workspace } from "../workspace.ts";

/** The paths of machine `name` that exist: what `rm` would remove. */
export async function machinePaths(ws: Workspace, name: string): Promise<string[]> {
  checkMachineName(name);
  const candidates = [
    ws.machineDir(name),
    ws.containerDir(name),
    ws.ignitionFile(name),
    ws.pointerFile(name),
    ws.imageArchive(name),
    ws.machineSecretsDir(name),
  ];
  const found: string[] = [];
  for (const p of candidates) if (await exists(p)) found.push(p);
  // What a killed ignite of this machine left beside its Ignition file (it may hold secrets).
  const leftover = new RegExp(`^\\.${name}\\.ign\\.[0-9a-f]{8}\\.tmp$`);
  try {
    for await (const entry of Deno.readDir(ws.ignitionDir)) {
      if (entry.isFile && leftover.test(entry.name)) found.push(join(ws.ignitionDir, entry.name));
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return found;
}

/**
 * Removes what `machinePaths` lists and returns the removed paths. Throws a `UsageError` when
 * `name` is not a DNS label or nothing of it exists.
 */
export async function removeMachine(ws: Workspace, name: string): Promise<string[]> {
  const paths = await machinePaths(ws, name);
  if (paths.length === 0) throw await nothingToRemove(ws, name);
  for (const p of paths) await Deno.remove(p, { recursive: true });
  return paths;
}

/** The error for a name with no machine, container, output or secrets. */
export async function nothingToRemove(ws: Workspace, name: string): Promise<UsageError> {
  const names = [...new Set([...await ws.machineNames(), ...await ws.containerNames()])];
  const close = didYouMean(name, names);
  return new UsageError(`No machine or container "${name}" to remove`, {
    hint: close
      ? `did you mean "${close}"?`
      : names.length
      ? `machines here: ${names.join(", ")}`
      : "there are no machines in this workspace",
  });
}
