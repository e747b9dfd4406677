/**
 * `iago list` the quick way (src/config/fleet_quick.ts), which the lean entry runs: no zod, no
 * TOML library, no asynchronous round trips, so it is small enough to be code of the entry.
 */
import { quickSummaries } from "../../config/fleet_quick.ts";
import type { IagoContext } from "../context.ts";
import { printMachines } from "./list_print.ts";

/**
 * Prints the machines as `list` does and returns true; false, having printed nothing, where
 * the workspace needs the full reading (a problem to report, other TOML, a linked machine
 * directory...), which the full CLI's `list` then does.
 */
export function quickList(this: IagoContext, flags: { json: boolean }): boolean {
  const machines = quickSummaries(this.workspace);
  if (machines === undefined) return false;
  printMachines(this.out, machines, flags.json);
  return true;
}
