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
  // The padded columns' cells, five a row, the header's first (the last column is not padded).
  // At start-up every operation runs in V8's interpreter: a variable per width, no array per
  // row and one write cost list's 100 rows 2.5M instructions instead of 2.9M (callgrind).
  const cells = ["NAME", "FQDN", "MAC", "IMAGE", "WORKLOADS"];
  let w0 = 4, w1 = 4, w2 = 3, w3 = 5, w4 = 9;
  for (const m of machines) {
    let name = m.name, fqdn = "(invalid: run iago validate)", mac = "", image = "", loads = "";
    if (m.error) {
      name = printable(name);
    } else {
      fqdn = m.fqdn ?? "";
      mac = m.macAddress ?? "-";
      image = m.image ?? "";
      loads = m.workloads?.length ? m.workloads.join(",") : "-";
    }
    if (name.length > w0) w0 = name.length;
    if (fqdn.length > w1) w1 = fqdn.length;
    if (mac.length > w2) w2 = mac.length;
    if (image.length > w3) w3 = image.length;
    if (loads.length > w4) w4 = loads.length;
    cells.push(name, fqdn, mac, image, loads);
  }
  const line = (c: number, last: string) =>
    `${cells[c].padEnd(w0)}  ${cells[c + 1].padEnd(w1)}  ${cells[c + 2].padEnd(w2)}  ` +
    `${cells[c + 3].padEnd(w3)}  ${cells[c + 4].padEnd(w4)}  ${last}`;
  let table = out.style.bold(line(0, "IGNITION"));
  for (let i = 0; i < machines.length; i++) table += "\n" + line(5 * i + 5, machines[i].ignition);
  out.print(table);
  for (const m of machines) if (m.error) out.warn(m.error);
  return true;
}
