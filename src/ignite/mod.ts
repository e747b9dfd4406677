/**
 * Ignition generation: the pipeline for one machine, runs over many, and the two entry points
 * other commands use (`init` writes the first Ignition file, `validate` checks every machine's).
 */
import { IagoError } from "../errors.ts";
import { lockTimeoutFromEnv, withLock } from "../lock.ts";
import { auditSecrets } from "../secrets/audit.ts";
import { removeLeftovers } from "./run.ts";
import type { Workspace } from "../workspace.ts";
import {
  checkMachineIgnition,
  igniteMachine,
  type IgniteOptions,
  type IgniteResult,
  IgniteSession,
} from "./pipeline.ts";

export {
  checkMachineIgnition,
  dryIgnite,
  type DryIgnition,
  igniteMachine,
  type IgniteOptions,
  type IgniteResult,
  IgniteSession,
} from "./pipeline.ts";
export {
  igniteMachines,
  type IgniteRunOptions,
  type IgniteRunReport,
  type MachineOutcome,
  summaryLine,
} from "./run.ts";

/**
 * Writes `output/ignition/NAME.ign` for a machine `init` just created, under the workspace
 * lock. Throws an `IagoError` whose hint says the machine itself was created.
 */
export async function igniteNewMachine(
  ws: Workspace,
  name: string,
  options: IgniteOptions = {},
): Promise<IgniteResult> {
  await using session = new IgniteSession(ws, options);
  try {
    return await withLock(ws.stateDir, "ignite", async () => {
      await removeLeftovers(ws);
      return await igniteMachine(session, name);
    }, {
      timeoutMs: lockTimeoutFromEnv(options.env ?? {}),
      purpose: "ignite",
    });
  } catch (err) {
    if (!(err instanceof IagoError)) throw err;
    throw new IagoError(err.message, {
      at: err.at,
      hint: `${
        err.hint ?? "fix this"
      }, then run: iago ignite ${name} (machine "${name}" was created)`,
      cause: err,
    });
  }
}

/**
 * Renders and translates each machine of `names` without writing anything, checks that its
 * stored secrets are those of its Ignition file, and returns the problems (one per failing
 * machine). Machines are checked independently.
 */
export async function checkIgnitions(
  ws: Workspace,
  names: readonly string[],
  options: IgniteOptions = {},
): Promise<IagoError[]> {
  await using session = new IgniteSession(ws, options);
  const problems: IagoError[] = [];
  for (const name of names) {
    try {
      const { file, use } = await checkMachineIgnition(session, name);
      const mismatches = await auditSecrets(ws.machineSecretsDir(name), file, use);
      if (mismatches.length > 0) problems.push(secretsMismatch(ws, name, file, mismatches));
    } catch (err) {
      if (!(err instanceof IagoError)) throw err;
      problems.push(err);
    }
  }
  return problems;
}

function secretsMismatch(ws: Workspace, name: string, file: string, found: string[]): IagoError {
  const pending = found.some((f) => f.startsWith("an interrupted ignite"));
  return new IagoError(`Stored secrets of machine "${name}" do not match it: ${found.join("; ")}`, {
    at: { file: ws.relative(file) },
    hint: pending
      ? `run: iago ignite ${name} (it finishes the interrupted run)`
      : `the machine may use a password kept nowhere: run iago ignite --rotate-secrets ${name} and install the new Ignition file`,
  });
}
