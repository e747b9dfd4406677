/**
 * What changed on the fleet between two rounds of `iago status --watch`: a machine that became
 * unreachable or answers again, a container that went from current to update pending or rolled
 * back, a health or unit state, a new last update, a failed unit, an Ignition config.
 */
import type { ContainerStatus, MachineStatus } from "./status.ts";

export interface StatusChange {
  machine: string;
  /** The container the change is about, for container fields. */
  container?: string;
  field:
    | "reachable"
    | "ignition"
    | "container"
    | "image"
    | "health"
    | "unit"
    | "last update"
    | "failed unit";
  /** The value before; undefined when there was none (a new container, a new failed unit). */
  from?: string;
  /** The value now; undefined when there is none any more. */
  to?: string;
}

/** The changes from `before` to `now`, machine by machine in `now`'s order. */
export function statusChanges(before: MachineStatus[], now: MachineStatus[]): StatusChange[] {
  const out: StatusChange[] = [];
  const earlier = new Map(before.map((m) => [m.name, m]));
  for (const m of now) {
    const b = earlier.get(m.name);
    if (!b) continue;
    const add = (field: StatusChange["field"], from?: string, to?: string, container?: string) => {
      if (from !== to) {
        out.push({
          machine: m.name,
          ...(container ? { container } : {}),
          field,
          ...(from !== undefined ? { from } : {}),
          ...(to !== undefined ? { to } : {}),
        });
      }
    };
    add("reachable", reach(b), reach(m));
    // An unreachable machine says nothing about its containers: not "gone", only unknown.
    if (!b.reachable || !m.reachable) continue;
    add("ignition", b.ignition, m.ignition);
    for (const unit of m.failedUnits) {
      if (!b.failedUnits.includes(unit)) add("failed unit", undefined, unit);
    }
    for (const unit of b.failedUnits) {
      if (!m.failedUnits.includes(unit)) add("failed unit", unit, undefined);
    }
    const containers = new Map(b.containers.map((c) => [c.name, c]));
    for (const c of m.containers) {
      const bc = containers.get(c.name);
      if (!bc) {
        add("container", undefined, c.imageState, c.name);
        continue;
      }
      add("image", bc.imageState, c.imageState, c.name);
      add("unit", bc.unit, c.unit, c.name);
      add("health", bc.health, c.health, c.name);
      add("last update", lastUpdate(bc), lastUpdate(c), c.name);
    }
    for (const bc of b.containers) {
      if (!m.containers.some((c) => c.name === bc.name)) {
        add("container", bc.imageState, undefined, bc.name);
      }
    }
  }
  return out;
}

/** `web: web image current -> update pending`, `web: unreachable (no answer within 15 s)`. */
export function formatChange(c: StatusChange): string {
  const subject = c.container ? `${c.container} ${c.field}` : c.field;
  let text: string;
  if (c.field === "reachable") {
    text = c.to === "yes" ? "reachable again" : `unreachable (${c.to?.replace(/^no: /, "")})`;
  } else if (c.field === "failed unit") {
    text = c.to ? `${c.to} failed` : `${c.from} no longer failed`;
  } else if (c.field === "container") {
    text = c.to ? `container ${c.container} appeared (${c.to})` : `container ${c.container} gone`;
  } else text = `${subject} ${c.from ?? "-"} -> ${c.to ?? "-"}`;
  return `${c.machine}: ${text}`;
}

function reach(m: MachineStatus): string {
  return m.reachable ? "yes" : `no: ${m.error ?? "unknown"}`;
}

function lastUpdate(c: ContainerStatus): string | undefined {
  return c.lastUpdate ? `${c.lastUpdate.result} ${c.lastUpdate.time}` : undefined;
}
