/**
 * What `iago list` does once its flags are parsed: every machine of the workspace as a table,
 * or JSON. Kept apart from the command's flag definitions so the lean entry runs it without
 * Stricli; the lean entry first tries the quick way (list_quick.ts), and the full CLI runs
 * this where that declines.
 */
import type { IagoContext } from "../context.ts";
import { printMachines } from "./list_print.ts";

/** Prints the machines: fqdn, MAC, image, workloads, Ignition state. */
export async function list(this: IagoContext, flags: { json: boolean }): Promise<void> {
  const { summarizeMachines } = await import("../../config/fleet.ts");
  const machines = await summarizeMachines(this.workspace);
  if (!printMachines(this.out, machines, flags.json)) return;
  const { linkedMachine } = await import("../../workspace.ts");
  for (const name of await this.workspace.linkedMachineDirs()) {
    this.out.warn(`${linkedMachine(name).format().split("\n")[0]}; skipped`);
  }
}
