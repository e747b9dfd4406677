/** How `iago status` reads: one row per container (or machine), then what needs attention. */
import type { MachineStatus } from "./status.ts";

/** The table and, under it, one line per reason for attention. */
export function formatStatus(machines: MachineStatus[]): string[] {
  const rows = [[
    "MACHINE",
    "REACHABLE",
    "IGNITION",
    "CONTAINER",
    "IMAGE",
    "HEALTH",
    "LAST UPDATE",
  ]];
  for (const m of machines) {
    const head = [m.name, m.reachable ? "yes" : "no", m.ignition ?? "-"];
    if (m.containers.length === 0) rows.push([...head, "-", "-", "-", "-"]);
    for (const c of m.containers) {
      const digest = c.runningDigest ? ` ${c.runningDigest.slice(7, 19)}` : "";
      const update = c.lastUpdate ? `${c.lastUpdate.result} ${c.lastUpdate.time}` : "-";
      const health = c.unit === "active" ? c.health ?? "active" : `unit ${c.unit}`;
      rows.push([...head, c.name, `${c.imageState}${digest}`, health, update]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const out = rows.map((r) =>
    r.map((c, j) => (j === r.length - 1 ? c : c.padEnd(widths[j]))).join("  ")
  );
  for (const m of machines) {
    for (const c of m.containers) {
      if (c.lastRollback) {
        out.push(
          `${m.name}: ${c.name} rolled back at ${c.lastRollback.time}: ${c.lastRollback.reason}`,
        );
      }
    }
    for (const a of m.attention) {
      if (!a.includes("rolled back")) out.push(`${m.name}: ${a}`);
    }
  }
  const need = machines.filter((m) => m.attention.length > 0).length;
  out.push(
    `${machines.length} machine${machines.length === 1 ? "" : "s"}: ${need} need${
      need === 1 ? "s" : ""
    } attention`,
  );
  return out;
}
