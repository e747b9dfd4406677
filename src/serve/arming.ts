/**
 * `iago serve --arm NAME...` and `--disarm NAME...`: a machine's config may be fetched once
 * more (within `--window` when given) whatever the server was started with, without restarting
 * it or touching the other machines; its URLs and token stay the same.
 */
import type { Workspace } from "../workspace.ts";
import { type Arm, ArmStore } from "./arms.ts";
import { FetchLog } from "./fetched.ts";
import { checkMachineNames } from "./fleet.ts";
import { withServeLock } from "./state_lock.ts";

/** Arms `names` for one fetch each, until `windowMs` from now when given. */
export async function armMachines(
  ws: Workspace,
  names: readonly string[],
  options: { windowMs?: number; now?: number } = {},
): Promise<{ name: string; arm: Arm }[]> {
  await checkMachineNames(ws, names);
  const arms = new ArmStore(ws.stateDir);
  const fetched = new FetchLog(ws.stateDir);
  const now = options.now ?? Date.now();
  return await withServeLock(ws.stateDir, async () => {
    const out = [];
    for (const name of new Set(names)) {
      // Its fetch so far is what the arm allows one more of.
      await fetched.forget(name);
      out.push({ name, arm: await arms.arm(name, now, options.windowMs) });
    }
    return out;
  });
}

/** Removes the arms of `names`: each follows the server's own rules again. */
export async function disarmMachines(
  ws: Workspace,
  names: readonly string[],
): Promise<{ name: string; wasArmed: boolean }[]> {
  await checkMachineNames(ws, names);
  const arms = new ArmStore(ws.stateDir);
  return await withServeLock(ws.stateDir, async () => {
    const out = [];
    for (const name of new Set(names)) out.push({ name, wasArmed: await arms.disarm(name) });
    return out;
  });
}
