/**
 * `iago validate`: reads every configuration file, compiles every machine template and checks
 * every container has a Containerfile, collecting all problems instead of stopping at the first.
 */
import { join } from "node:path";
import { didYouMean, IagoError, printable, UsageError } from "../errors.ts";
import { exists, readTextIfExists } from "../fsutil.ts";
import { isDnsLabel } from "./checks.ts";
import { duplicateMac } from "./mac.ts";
import { checkTemplate } from "../render/template.ts";
import { checkMachineName, linkedMachine, type Workspace } from "../workspace.ts";
import { BUILTIN_DEFAULTS, checkDefaults, checkMachine, DEFAULT_DEFAULTS_TOML } from "./load.ts";
import type { Defaults, Machine } from "./schema.ts";

/** What `validateWorkspace` looked at and found. */
export interface ValidationReport {
  /** Every problem, in the order found (defaults, then each machine, then containers). */
  problems: IagoError[];
  /** Machines whose machine.toml is valid. */
  machines: Machine[];
  /** Names of the machines looked at. */
  checkedMachines: string[];
  /** Names of the containers looked at. */
  checkedContainers: string[];
}

/**
 * Validates the workspace, or only the machines and containers in `names`. Throws a
 * `UsageError` when a name is not a DNS label or names nothing; every other problem is returned
 * in the report.
 */
export async function validateWorkspace(
  ws: Workspace,
  names: readonly string[] = [],
): Promise<ValidationReport> {
  const [allMachines, badMachines] = splitNames(await ws.machineNames());
  const [allContainers, badContainers] = splitNames(await ws.containerNames());
  for (const n of names) {
    checkMachineName(n);
    if (!allMachines.includes(n) && !allContainers.includes(n)) {
      const close = didYouMean(n, [...allMachines, ...allContainers]);
      throw new UsageError(`No machine or container "${n}"`, {
        hint: close ? `did you mean "${close}"?` : `create it with: iago init ${n}`,
      });
    }
  }
  const report: ValidationReport = {
    problems: [],
    machines: [],
    checkedMachines: names.length ? allMachines.filter((m) => names.includes(m)) : allMachines,
    checkedContainers: names.length
      ? allContainers.filter((c) => names.includes(c))
      : allContainers,
  };

  const defaultsText = await readTextIfExists(ws.defaultsFile);
  const defaults = defaultsText === undefined
    ? checkDefaults(DEFAULT_DEFAULTS_TOML, BUILTIN_DEFAULTS)
    : checkDefaults(defaultsText, ws.relative(ws.defaultsFile));
  if (!defaults.ok) report.problems.push(...defaults.problems);

  if (names.length === 0) {
    report.problems.push(
      ...await strayMachineDirs(ws, [...allMachines, ...badMachines]),
      ...badMachines.map((n) => badDirName(`machines/${n}`, n)),
      ...(await ws.linkedMachineDirs()).map(linkedMachine),
      ...badContainers.map((n) => badDirName(`containers/${n}`, n)),
    );
  }
  const macs = new Map<string, string>();
  for (const name of report.checkedMachines) {
    const machine = await validateMachine(
      ws,
      name,
      defaults.ok ? defaults.value : undefined,
      report,
    );
    if (machine?.macAddress) {
      const other = macs.get(machine.macAddress);
      if (other) {
        report.problems.push(duplicateMac(machine.macAddress, other, machine.file));
      } else macs.set(machine.macAddress, name);
    }
  }
  for (const name of report.checkedContainers) {
    const file = join(ws.containerDir(name), "Containerfile");
    if (!(await exists(file))) {
      report.problems.push(
        new IagoError(`Container "${name}" has no Containerfile`, {
          at: { file: ws.relative(file) },
          hint: `add one, or recreate the scaffold with: iago init --container-only ${name}`,
        }),
      );
    }
  }
  return report;
}

async function validateMachine(
  ws: Workspace,
  name: string,
  defaults: Defaults | undefined,
  report: ValidationReport,
): Promise<Machine | undefined> {
  const file = ws.machineFile(name);
  const text = await readTextIfExists(file) ?? "";
  // With broken defaults a machine is still checked, against the built-in defaults.
  const base = defaults ?? builtinDefaults();
  const checked = checkMachine(text, ws.relative(file), name, base);
  if (!checked.ok) report.problems.push(...checked.problems);

  const templateFile = ws.templateFile(name);
  const template = await readTextIfExists(templateFile);
  if (template === undefined) {
    report.problems.push(
      new IagoError(`Machine "${name}" has no butane.yaml.tmpl`, {
        at: { file: ws.relative(templateFile) },
        hint: "every machine needs its Butane template; copy one from another machine",
      }),
    );
  } else {
    const problem = checkTemplateSyntax(template, ws.relative(templateFile));
    if (problem) report.problems.push(problem);
  }
  if (!checked.ok) return undefined;
  report.machines.push(checked.value);
  return checked.value;
}

/** Names that are DNS labels, and the others (directories iago cannot address). */
function splitNames(names: string[]): [string[], string[]] {
  return [names.filter(isDnsLabel), names.filter((n) => !isDnsLabel(n))];
}

function badDirName(file: string, name: string): IagoError {
  return new IagoError(`Directory name "${printable(name)}" is not a valid machine name`, {
    at: { file: printable(file) },
    hint: "rename it to a DNS label: lowercase letters, digits and inner hyphens",
  });
}

/** Directories of machines/ without a machine.toml: probably a typo or a half-removed machine. */
async function strayMachineDirs(ws: Workspace, machines: string[]): Promise<IagoError[]> {
  const problems: IagoError[] = [];
  try {
    for await (const entry of Deno.readDir(ws.machinesDir)) {
      if (!entry.isDirectory || entry.name.startsWith(".") || machines.includes(entry.name)) {
        continue;
      }
      problems.push(
        new IagoError("Machine directory without a machine.toml", {
          at: { file: `machines/${entry.name}` },
          hint: `remove it, or create the machine with: iago init --machine-only ${entry.name}`,
        }),
      );
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return problems.sort((a, b) => a.message.localeCompare(b.message));
}

/**
 * The eta syntax of a template, checked as `ignite` compiles it: an error at `file:line` (and
 * column, for a tag left open), or undefined when it compiles.
 */
export function checkTemplateSyntax(text: string, file: string): IagoError | undefined {
  return checkTemplate(text, file);
}

let builtin: Defaults | undefined;
function builtinDefaults(): Defaults {
  if (!builtin) {
    const d = checkDefaults(DEFAULT_DEFAULTS_TOML, BUILTIN_DEFAULTS);
    if (!d.ok) throw d.problems[0];
    builtin = d.value;
  }
  return builtin;
}
