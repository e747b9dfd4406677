/**
 * What `iago serve --urls` and `--rotate` work with: each served machine and its URLs, tokens
 * made (or rotated) and stored as needed, and its arm, without starting a server.
 */
import type { Workspace } from "../workspace.ts";
import { armState, ArmStore } from "./arms.ts";
import { FetchLog } from "./fetched.ts";
import { checkMachineNames, Fleet } from "./fleet.ts";
import { withServeLock } from "./state_lock.ts";
import { TokenStore } from "./tokens.ts";
import { type MachineUrls, machineUrls } from "./urls.ts";

/**
 * The URLs of `names` (every machine when empty) under `baseUrl`. With `rotate`, each gets a
 * new token first (its old URLs stop working) and a one-time config can be fetched again.
 */
export async function machineLinks(
  ws: Workspace,
  names: readonly string[],
  baseUrl: string,
  options: { rotate?: boolean; onWarning: (message: string) => void },
): Promise<MachineUrls[]> {
  await checkMachineNames(ws, names);
  const tokens = new TokenStore(ws.stateDir);
  const fetched = new FetchLog(ws.stateDir);
  const arms = new ArmStore(ws.stateDir);
  const machines = await new Fleet(ws, names, options.onWarning).machines();
  return await withServeLock(ws.stateDir, async () => {
    await arms.load();
    const out: MachineUrls[] = [];
    for (const m of machines) {
      let token: string;
      if (options.rotate) {
        token = await tokens.rotate(m.name);
        await fetched.forget(m.name);
      } else token = await tokens.tokenOf(m.name);
      await fetched.load();
      const arm = arms.get(m.name);
      out.push({
        ...machineUrls(baseUrl, m, token),
        ...(arm ? { arm: { ...arm, ...armState(arm, fetched.get(m.name), Date.now()) } } : {}),
      });
    }
    return out;
  });
}
