/**
 * `iago status [NAME...]`: asks every machine (or the named ones) at once over SSH what it runs
 * and prints a table, or JSON; exit 1 when any machine needs attention (for cron).
 */
import { buildCommand } from "@stricli/core";
import { IagoError, UsageError } from "../../errors.ts";
import type { MachineStatus } from "../../status/mod.ts";
import type { TokenFlags } from "../../registry/token_option.ts";
import type { IagoContext } from "../context.ts";
import { completeMachines } from "../names.ts";
import { registryTokenFlags } from "../flags.ts";

interface StatusFlags extends TokenFlags {
  json: boolean;
  watch: boolean;
  interval?: string;
  address?: string[];
  user?: string;
  timeout: string;
  sshOption?: string[];
}

export const statusCommand = buildCommand({
  func: async function (this: IagoContext, flags: StatusFlags, ...names: string[]) {
    const status = await import("../../status/mod.ts");
    const { parseDuration } = await import("../../serve/mod.ts");
    const { tokenFromFlags } = await import("../../registry/token_option.ts");
    if (flags.interval !== undefined && !flags.watch) {
      throw new UsageError("--interval goes with --watch", {
        hint: "iago status --watch --interval 30s",
      });
    }
    const options = {
      addresses: flags.address,
      user: flags.user,
      timeoutMs: parseDuration(flags.timeout),
      sshOptions: flags.sshOption,
      token: await tokenFromFlags(flags, this.workspace.root),
      env: this.env,
    };
    if (!flags.watch) {
      const machines = await status.fleetStatus(this.workspace, names, options);
      if (flags.json) this.out.print(JSON.stringify(machines, null, 2));
      else for (const line of status.formatStatus(machines)) this.out.print(line);
      return needsAttention(machines);
    }
    const interval = flags.interval ?? "30s";
    const intervalMs = parseDuration(interval);
    const mode = flags.json ? "json" : this.out.interactive ? "screen" : "lines";
    const view = status.watchView(mode, { interval, intervalMs });
    // Ctrl-C and SIGTERM end the watch; the exit status is that of the last round.
    const controller = new AbortController();
    const stop = () => controller.abort();
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
    let last;
    try {
      last = await status.watchStatus(this.workspace, names, {
        ...options,
        intervalMs,
        signal: controller.signal,
        onRound: (round) => this.out.print(view(round)),
      });
    } finally {
      Deno.removeSignalListener("SIGINT", stop);
      Deno.removeSignalListener("SIGTERM", stop);
    }
    if (!last) throw new IagoError("Stopped before the first round finished");
    if (last.error) throw last.error;
    needsAttention(last.machines!);
  },
  parameters: {
    flags: {
      json: {
        kind: "boolean",
        default: false,
        brief: "print JSON instead of a table (with --watch: one document per round and line)",
      },
      watch: {
        kind: "boolean",
        default: false,
        brief: "ask again every interval and show what changed, until Ctrl-C or SIGTERM",
      },
      interval: {
        kind: "parsed",
        parse: String,
        optional: true,
        placeholder: "DURATION",
        brief: "--watch: time from one round's start to the next (default 30s)",
      },
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
      "--watch asks again every --interval (rounds never overlap) and shows what changed since",
      "the round before; on a terminal the table is redrawn in place. Ctrl-C or SIGTERM stops it",
      "with the exit status of the last round.",
      "",
      "Examples:",
      "  iago status",
      "  iago status web --json",
      "  iago status --watch --interval 1m",
      "  iago status --address web=127.0.0.1:2222 --ssh-option IdentityFile=~/.ssh/fleet",
    ].join("\n"),
  },
});

/** Throws (exit 1) when any machine needs attention, naming them. */
function needsAttention(machines: MachineStatus[]): void {
  const need = machines.filter((m) => m.attention.length > 0);
  if (need.length > 0) {
    throw new IagoError(
      `${need.length} of ${machines.length} machines need attention: ${
        need.map((m) => m.name).join(", ")
      }`,
    );
  }
}
