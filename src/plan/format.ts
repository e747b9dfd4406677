/** How a plan reads: lines for people, an object for `--json`. */
import type { IgnitionChange } from "./ignition_diff.ts";
import type { ImageDiff, LayerChange } from "./image_diff.ts";
import type { MachinePlan, Plan } from "./plan.ts";

const SIGN = { added: "+", removed: "-", changed: "~" } as const;

const WHY = {
  ignition: "needs reprovisioning: Ignition runs only at first boot",
  image: "arrives with the next update (bootc-update.timer) once built and pushed",
};

/** The plan as lines: per machine its changes and what they need, then a summary line. */
export function formatPlan(plan: Plan): string[] {
  const out: string[] = [];
  for (const m of plan.machines) out.push(...machineLines(m));
  const changed = plan.machines.filter((m) => m.needs !== "nothing");
  const n = plan.machines.length;
  out.push(
    `Plan: ${changed.length} of ${n} machine${n === 1 ? "" : "s"} to change` +
      (changed.length ? `: ${changed.map((m) => `${m.name} (${m.needs})`).join(", ")}` : "") +
      (plan.failed ? `; ${plan.failed} could not be planned` : ""),
  );
  return out;
}

function machineLines(m: MachinePlan): string[] {
  const out: string[] = [];
  const ig = m.ignition;
  if (ig.status === "missing") {
    out.push(
      `${m.name}: Ignition: ${ig.file} does not exist yet (iago ignite ${m.name} writes it)`,
    );
  } else if (ig.status === "changed") {
    out.push(`${m.name}: Ignition ${ig.file} changes (${WHY.ignition})`);
    for (const c of ig.changes) out.push(...changeLines(c));
  }
  if (ig.newSecrets.length > 0) {
    out.push(`  ignite generates new secrets: ${ig.newSecrets.join(", ")} (plan made none)`);
  }
  if (m.image && m.image.status !== "unchanged") out.push(...imageLines(m.name, m.image));
  if (m.error) out.push(`${m.name}: cannot plan (the error follows on stderr)`);
  else if (m.needs === "nothing") out.push(`${m.name}: no changes`);
  return out;
}

function changeLines(c: IgnitionChange): string[] {
  const head = `  ${SIGN[c.change]} ${c.kind} ${c.name}`;
  const out = c.details.length === 1 && !c.diff
    ? [`${head}: ${c.details[0]}`]
    : [head, ...c.details.map((d) => `      ${d}`)];
  if (c.diff) out.push(...c.diff.split("\n").map((l) => `      ${l}`));
  return out;
}

function imageLines(name: string, d: ImageDiff): string[] {
  const out = [
    d.status === "new"
      ? `${name}: image ${d.reference} is not in the registry yet (iago build ${name} pushes it)`
      : `${name}: image ${d.reference} changes (${WHY.image})`,
  ];
  if (d.current) out.push(`    ${d.current} -> ${d.built}`);
  for (const l of d.layersAdded) out.push(`  + layer ${layerLine(l)}`);
  for (const l of d.layersRemoved) out.push(`  - layer ${layerLine(l)}`);
  for (const c of d.config) out.push(`  ~ config ${c}`);
  return out;
}

function layerLine(l: LayerChange): string {
  return `${l.digest.slice(0, 19)} ${formatSize(l.size)}${l.step ? `  ${l.step}` : ""}`;
}

function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** The plan for `--json`: errors as their message lines. */
export function planJson(plan: Plan): unknown {
  return {
    changed: plan.changed,
    failed: plan.failed,
    machines: plan.machines.map((m) => ({
      name: m.name,
      needs: m.needs,
      ignition: m.ignition,
      ...(m.image ? { image: m.image } : {}),
      ...(m.error ? { error: m.error.format() } : {}),
    })),
  };
}
