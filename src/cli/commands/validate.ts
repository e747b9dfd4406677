/**
 * `iago validate [NAME...]` (`val`): checks every configuration file, template and container
 * and reports every problem at once; exit 1 when there is any.
 */
import { buildCommand } from "@stricli/core";
import { ProblemsError } from "../../errors.ts";
import type { IagoContext } from "../context.ts";
import { codeOutput } from "../report.ts";
import { completeMachines } from "../names.ts";

export const validateCommand = buildCommand({
  func: async function (this: IagoContext, _flags: Record<never, never>, ...names: string[]) {
    const { validateWorkspace } = await import("../../config/validate.ts");
    const { checkIgnitions } = await import("../../ignite/mod.ts");
    const report = await validateWorkspace(this.workspace, names);
    // Render and translate the machines whose files passed, without writing anything.
    const clean = report.machines.filter((m) =>
      !report.problems.some((p) =>
        p.at?.file.startsWith(`machines/${m.name}/`) || p.at?.file.startsWith("config/")
      )
    );
    report.problems.push(
      ...await checkIgnitions(this.workspace, clean.map((m) => m.name), {
        env: this.env,
        onCodeOutput: codeOutput(this.out),
      }),
    );
    if (report.problems.length > 0) {
      throw new ProblemsError(
        report.problems,
        `${report.problems.length} problem${report.problems.length === 1 ? "" : "s"} found`,
      );
    }
    const m = report.checkedMachines.length;
    const c = report.checkedContainers.length;
    this.out.print(
      `ok: ${m} machine${m === 1 ? "" : "s"} and ${c} container${c === 1 ? "" : "s"} valid`,
    );
  },
  parameters: {
    positional: {
      kind: "array",
      parameter: {
        brief: "machines to check (default: all)",
        parse: String,
        placeholder: "NAME",
        proposeCompletions: completeMachines,
      },
    },
  },
  docs: {
    brief: "Check the configuration, templates and containers",
    fullDescription: [
      "Check config/defaults.toml, every machines/NAME/machine.toml (or only the NAMEs given),",
      "that every butane.yaml.tmpl compiles and every container has a Containerfile. Every",
      "problem is reported with file:line:col; the exit code is 1 when there is any.",
      "",
      "Examples:",
      "  iago validate",
      "  iago val web db-01",
    ].join("\n"),
  },
});
