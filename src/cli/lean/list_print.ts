/** How `iago list` prints the machines, whichever way they were read. */
import type { MachineSummary } from "../../config/fleet.ts";
import { printable } from "../../errors.ts";
import type { Output } from "../../output.ts";

/**
 * Prints `machines` as JSON, or as a table (fqdn, MAC, image, workloads, Ignition state) with a
 * warning for each invalid machine after it. Returns whether it printed a table.
 */
export function printMachines(out: Output, machines: MachineSummary[], json: boolean): boolean {
  if (json) {
    out.print(JSON.stringify(machines, null, 2));
    return false;
  }
  if (machines.length === 0) {
    out.info("No machines yet. Create one with: iago init NAME");
    return false;
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
    out.print(i === 0 ? out.style.bold(line) : line);
  });
  for (const m of machines) if (m.error) out.warn(m.error);
  return true;
}
