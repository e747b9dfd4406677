/**
 * `iago init NAME`: creates a machine (machine.toml, butane.yaml.tmpl) and its container
 * scaffold; the first init in a workspace also writes config/defaults.toml and .gitignore.
 */
import { buildCommand } from "@stricli/core";
import type { IagoContext } from "../context.ts";
import { codeOutput } from "../report.ts";

interface InitFlags {
  domain?: string;
  generateMac: boolean;
  machineOnly: boolean;
  containerOnly: boolean;
}

export const initCommand = buildCommand({
  func: async function (this: IagoContext, flags: InitFlags, name: string) {
    const { initMachine } = await import("../../scaffold/mod.ts");
    const { igniteNewMachine } = await import("../../ignite/mod.ts");
    const result = await initMachine(this.workspace, name, {
      domain: flags.domain,
      generateMac: flags.generateMac,
      machineOnly: flags.machineOnly,
      containerOnly: flags.containerOnly,
    });
    for (const path of result.created) this.out.print(`created ${path}`);
    if (!flags.containerOnly) {
      const ignition = await igniteNewMachine(this.workspace, name, {
        env: this.env,
        onWarning: (w) => this.out.warn(w),
        onCodeOutput: codeOutput(this.out),
      });
      this.out.print(`created ${this.workspace.relative(ignition.file)}`);
    }
    const details = [
      result.fqdn && `fqdn ${result.fqdn}`,
      result.macAddress && `MAC ${result.macAddress}`,
    ].filter(Boolean);
    this.out.info(
      `${flags.containerOnly ? "Container" : "Machine"} "${name}" initialized${
        details.length ? ` (${details.join(", ")})` : ""
      }`,
    );
  },
  parameters: {
    flags: {
      domain: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "DOMAIN",
        brief: "domain of the machine's fqdn (NAME.DOMAIN); default: [machine] domain",
      },
      generateMac: {
        kind: "boolean",
        default: true,
        brief: "write a random MAC address under [machine] mac_prefix",
      },
      machineOnly: {
        kind: "boolean",
        default: false,
        brief: "create only machines/NAME (machine.toml, butane.yaml.tmpl)",
      },
      containerOnly: {
        kind: "boolean",
        default: false,
        brief: "create only the container scaffold containers/NAME",
      },
    },
    positional: {
      kind: "tuple",
      parameters: [{ brief: "machine name (a DNS label)", parse: String, placeholder: "NAME" }],
    },
  },
  docs: {
    brief: "Create a machine and its container scaffold",
    fullDescription: [
      "Create machines/NAME/machine.toml, machines/NAME/butane.yaml.tmpl and the bootc",
      "container scaffold containers/NAME/. The first init in a workspace also writes",
      "config/defaults.toml (commented) and a .gitignore for output/ and .iago/.",
      "",
      "Examples:",
      "  iago init web",
      "  iago init --domain example.com db-01",
      "  iago init --generate-mac=false nas-01",
      "  iago init --machine-only db-02",
      "  iago init --container-only web-app",
    ].join("\n"),
  },
});
