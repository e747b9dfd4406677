/**
 * `iago status [NAME...]`: asks every machine (or the named ones) at once over SSH what it runs
 * and prints a table, or JSON; exit 1 when any machine needs attention (for cron).
 */
import { buildCommand } from "@stricli/core";
import { IagoError } from "../../errors.ts";
import type { TokenFlags } from "../../registry/token_option.ts";
import type { IagoContext } from "../context.ts";
import { completeMachines } from "../names.ts";
import { registryTokenFlags } from "../flags.ts";

interface StatusFlags extends TokenFlags {
  json: boolean;
  address?: string[];
  user?: string;
  timeout: string;
  sshOption?: string[];
  tokenFile?: string;
}

export const statusCommand = buildCommand({
  func: async function (this: IagoContext, flags: StatusFlags, ...names: string[]) {
    const { fleetStatus, formatStatus } = await import("../../status/mod.ts");
    const { parseDuration } = await import("../../serve/mod.ts");
    const { tokenFromFlags } = await import("../../registry/token_option.ts");
    const machines = await fleetStatus(this.workspace, names, {
      addresses: flags.address,
      user: flags.user,
      timeoutMs: parseDuration(flags.timeout),
      sshOptions: flags.sshOption,
      token: await tokenFromFlags(flags, this.workspace.root),
      env: this.env,
    });
    if (flags.json) this.out.print(JSON.stringify(machines, null, 2));
    else for (const line of formatStatus(machines)) this.out.print(line);
    const need = machines.filter((m) => m.attention.length > 0);
    if (need.length > 0) {
      throw new IagoError(
        `${need.length} of ${machines.length} machines need attention: ${
          need.map((m) => m.name).join(", ")
        }`,
      );
    }
  },
  parameters: {
    flags: {
      json: { kind: "boolean", default: false, brief: "print JSON instead of a table" },
      address: {
        kind: "parsed",
        parse: String,
        optional: true,
        variadic: true,
        placeholder: "NAME=HOST[:PORT]",
        brief: "reach NAME there instead of at its fqdn (repeatable)",
      },
      user: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "USER",
        brief: "log in as USER (default: [user] username, the account with the SSH keys)",
      },
      timeout: {
        kind: "parsed",
        parse: String,
        default: "15s",
        placeholder: "DURATION",
        brief: "time limit per machine (connection and answer)",
      },
      sshOption: {
        kind: "parsed",
        parse: String,
        optional: true,
        variadic: true,
        placeholder: "OPTION",
        brief: "an ssh -o option, e.g. IdentityFile=~/.ssh/fleet (repeatable)",
      },
      ...registryTokenFlags,
    },
    positional: {
      kind: "array",
      parameter: {
        brief: "machines to ask (default: all)",
        parse: String,
        placeholder: "NAME",
        proposeCompletions: completeMachines,
      },
    },
  },
  docs: {
    brief: "Show what each machine runs, over SSH, against the registry and output/ignition/",
    fullDescription: [
      "Ask every machine (or the named ones) at once over SSH (the system ssh, your agent and",
      "keys, BatchMode, new host keys accepted, changed ones refused): reachable or not, the",
      "running image digest against the tag's digest in the registry (current, update pending,",
      "rolled back, not from the fleet), container health, the last update and rollback,",
      "failed units, and whether it was provisioned from output/ignition/NAME.ign as it is now.",
      "Exit 1 when any machine needs attention.",
      "",
      "Examples:",
      "  iago status",
      "  iago status web --json",
      "  iago status --address web=127.0.0.1:2222 --ssh-option IdentityFile=~/.ssh/fleet",
    ].join("\n"),
  },
});
