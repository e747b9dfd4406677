/**
 * What `iago list` does once its flags are parsed: every machine of the workspace as a table,
 * or JSON. Kept apart from the command's flag definitions so the lean entry runs it without
 * Stricli (from its own packed module in the release bundle: src/cli/packed.ts).
 */
import { printable } from "../../errors.ts";
import type { IagoContext } from "../context.ts";

/** Prints the machines: fqdn, MAC, image, workloads, Ignition state. */
export async function list(this: IagoContext, flags: { json: boolean }): Promise<void> {
  const { summarizeMachines } = await import("../../config/fleet.ts");
  const machines = await summarizeMachines(this.workspace);
  if (flags.json) {
    this.out.print(JSON.stringify(machines, null, 2));
    return;
  }
  if (machines.length === 0) {
    this.out.info("No machines yet. Create one with: iago init NAME");
    return;
  }
  const rows = [["NAME", "FQDN", "MAC", "IMAGE", "WORKLOADS", "IGNITION"]];
  for (const m of machines) {
    rows.push(
      m.error ? [printable(m.name), "(invalid: run iago validate)", "", "", "", m.ignition] : [
        m.name,
        m.fqdn ?? "",
        m.macAddress ?? "-",
        m.image ?? "",
        m.workloads?.length ? m.workloads.join(",") : "-",
        m.ignition,
      ],
    );
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  rows.forEach((r, i) => {
    const line = r.map((c, j) => j === r.length - 1 ? c : c.padEnd(widths[j])).join("  ");
    this.out.print(i === 0 ? this.out.style.bold(line) : line);
  });
  for (const m of machines) if (m.error) this.out.warn(m.error);
  const { linkedMachine } = await import("../../workspace.ts");
  for (const name of await this.workspace.linkedMachineDirs()) {
    this.out.warn(`${linkedMachine(name).format().split("\n")[0]}; skipped`);
  }
}
