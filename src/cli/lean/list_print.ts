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
  // Plain loops and one write: over 100 machines a callback per cell and a write per line cost
  // list's start-up 1.1M instructions (callgrind), 1.3%.
  const widths = rows[0].map(() => 0);
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) widths[i] = Math.max(widths[i], row[i].length);
  }
  const lines: string[] = [];
  for (const row of rows) {
    let line = row[0].padEnd(widths[0]);
    for (let i = 1; i < row.length - 1; i++) line += "  " + row[i].padEnd(widths[i]);
    lines.push(line + "  " + row[row.length - 1]);
  }
  lines[0] = out.style.bold(lines[0]);
  out.print(lines.join("\n"));
  for (const m of machines) if (m.error) out.warn(m.error);
  return true;
}
