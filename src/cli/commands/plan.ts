/**
 * `iago plan [NAME...]`: what `ignite` and `build` would change for each machine, and what
 * each change needs on a running machine, without writing, generating or pushing anything.
 * Exit 2 when something would change, 0 when nothing would (as `terraform plan -detailed-exitcode`).
 */
import { buildChoiceParser, buildCommand } from "@stricli/core";
import { IagoError } from "../../errors.ts";
import type { BuilderChoice } from "../../oci/pipeline.ts";
import type { TokenFlags } from "../../registry/token_option.ts";
import type { IagoContext } from "../context.ts";
import { completeMachines } from "../names.ts";
import { codeOutput, printProblem } from "../report.ts";
import { registryTokenFlags } from "../flags.ts";

interface PlanFlags extends TokenFlags {
  json: boolean;
  images: boolean;
  local: boolean;
  platform?: string;
  builder: BuilderChoice;
}

export const planCommand = buildCommand({
  func: async function (this: IagoContext, flags: PlanFlags, ...names: string[]) {
    const { formatPlan, planJson, planMachines } = await import("../../plan/mod.ts");
    const { tokenFromFlags } = await import("../../registry/token_option.ts");
    const plan = await planMachines(this.workspace, names, {
      local: flags.local,
      platform: flags.platform,
      builder: flags.builder,
      images: flags.images,
      token: await tokenFromFlags(flags, this.workspace.root),
      env: this.env,
      onWarning: (w) => this.out.warn(w),
      onCodeOutput: codeOutput(this.out),
    });
    if (flags.json) this.out.print(JSON.stringify(planJson(plan), null, 2));
    else {
      for (const line of formatPlan(plan)) this.out.print(line);
    }
    for (const m of plan.machines) if (m.error && !flags.json) printProblem(m.error, this.out);
    if (plan.failed > 0) {
      throw new IagoError(
        `${plan.failed} of ${plan.machines.length} machines could not be planned`,
      );
    }
    if (plan.changed > 0) this.process.exitCode = 2;
  },
  parameters: {
    flags: {
      json: { kind: "boolean", default: false, brief: "print the plan as JSON" },
      images: {
        kind: "boolean",
        default: true,
        brief: "also compare images (--no-images: Ignition only, no build, no registry)",
      },
      local: { kind: "boolean", default: false, brief: "compare with localhost:5000/NAME" },
      platform: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "OS/ARCH[,...]",
        brief: "platforms to build, as for iago build",
      },
      builder: {
        kind: "parsed",
        parse: buildChoiceParser(["auto", "native", "buildah", "podman"] as const),
        default: "auto",
        placeholder: "auto|native|buildah|podman",
        brief: "as for iago build",
      },
      ...registryTokenFlags,
    },
    positional: {
      kind: "array",
      parameter: {
        brief: "machines to plan (default: all)",
        parse: String,
        placeholder: "NAME",
        proposeCompletions: completeMachines,
      },
    },
  },
  docs: {
    brief: "Show what ignite and build would change, and what each change needs",
    fullDescription: [
      "For each machine (default: all), compare output/ignition/NAME.ign with what iago ignite",
      "would write now (users, files, units, links; secrets only by digest), and the image its",
      "tag points at with what iago build would push (layers, config). Nothing is written,",
      "pushed or generated. An Ignition change needs the machine reprovisioned (Ignition runs",
      "at first boot only); an image change arrives with the machine's next update.",
      "Exit 0: no changes; 2: changes; 1: a machine could not be planned.",
      "",
      "Examples:",
      "  iago plan",
      "  iago plan web --json",
      "  iago plan --no-images",
    ].join("\n"),
  },
});
