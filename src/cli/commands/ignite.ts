/**
 * `iago ignite NAME... | --all` (`gen`): generates `output/ignition/NAME.ign` for machines.
 * One line per machine (result and duration) and a summary; exit 1 when any machine failed.
 */
import { buildCommand } from "@stricli/core";
import { IagoError, printable } from "../../errors.ts";
import type { MachineOutcome } from "../../ignite/run.ts";
import type { IagoContext } from "../context.ts";
import { completeMachines } from "../names.ts";
import { codeOutput, printProblem } from "../report.ts";

interface IgniteFlags {
  all: boolean;
  output?: string;
  strict: boolean;
  rotateSecrets: boolean;
  json: boolean;
}

export const igniteCommand = buildCommand({
  func: async function (this: IagoContext, flags: IgniteFlags, ...names: string[]) {
    const { igniteMachines, summaryLine } = await import("../../ignite/run.ts");
    const single = !flags.all && names.length === 1;
    const print = (o: MachineOutcome) => {
      if (flags.json) return;
      if (o.status === "failed") {
        this.out.print(`${printable(o.name)}: failed (${o.ms} ms)`);
        if (!single) printProblem(o.error, this.out);
        return;
      }
      this.out.status(`${o.name}: ${o.status} ${o.file} (${o.ms} ms)`);
    };
    const result = await igniteMachines(this.workspace, names, {
      all: flags.all,
      output: flags.output,
      strict: flags.strict,
      rotateSecrets: flags.rotateSecrets,
      env: this.env,
      onWarning: (w) => this.out.warn(w),
      onCodeOutput: codeOutput(this.out),
    }, print);
    if (flags.json) {
      this.out.print(JSON.stringify({
        machines: result.outcomes.map((o) => ({
          name: o.name,
          status: o.status,
          file: o.file || undefined,
          ms: o.ms,
          error: o.error instanceof IagoError ? o.error.format() : o.error && String(o.error),
        })),
        ms: result.ms,
        failed: result.failed,
      }));
    }
    if (single && result.failed === 1) throw result.outcomes[0].error;
    if (!flags.json && !single) this.out.info(summaryLine(result));
    if (result.failed > 0) {
      throw new IagoError(`${result.failed} of ${result.outcomes.length} machines failed`);
    }
  },
  parameters: {
    flags: {
      all: { kind: "boolean", default: false, brief: "every machine of the workspace" },
      output: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "FILE",
        brief: "write to FILE instead of output/ignition/NAME.ign (one machine)",
      },
      strict: {
        kind: "boolean",
        default: true,
        brief: "Butane warnings are errors (--strict=false writes and prints them)",
      },
      rotateSecrets: {
        kind: "boolean",
        default: false,
        brief: "generate the machines' secrets and passwords anew",
      },
      json: { kind: "boolean", default: false, brief: "print the results as JSON" },
    },
    positional: {
      kind: "array",
      parameter: {
        brief: "machines to ignite",
        parse: String,
        placeholder: "NAME",
        proposeCompletions: completeMachines,
      },
    },
  },
  docs: {
    brief: "Generate the Ignition files of machines",
    fullDescription: [
      "Render machines/NAME/butane.yaml.tmpl with the machine's settings, merge its workloads,",
      "add its secrets and translate it to output/ignition/NAME.ign (mode 0600). A file whose",
      "content would not change is left alone. With several machines or --all, a failing",
      "machine does not stop the others; the exit code is 1 if any failed.",
      "",
      "Examples:",
      "  iago ignite postgres-01",
      "  iago ignite --output /tmp/postgres-01.ign postgres-01",
      "  iago ignite --strict=false postgres-01",
      "  iago ignite --all",
      "  iago gen postgres-01",
    ].join("\n"),
  },
});
