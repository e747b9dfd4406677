/**
 * `iago rm NAME` (`remove`, `delete`): removes a machine, its container, outputs and secrets.
 * Asks first on a terminal; elsewhere it needs `--force`.
 */
import { buildCommand } from "@stricli/core";
import { IagoError } from "../../errors.ts";
import type { IagoContext } from "../context.ts";
import { completeMachines } from "../names.ts";

export const rmCommand = buildCommand({
  func: async function (this: IagoContext, flags: { force: boolean }, name: string) {
    const { machinePaths, nothingToRemove, removeMachine } = await import(
      "../../scaffold/remove.ts"
    );
    const ws = this.workspace;
    const paths = await machinePaths(ws, name);
    if (paths.length === 0) throw await nothingToRemove(ws, name);
    if (!flags.force) {
      if (!this.out.interactive || !Deno.stdin.isTerminal()) {
        throw new IagoError(`Not removing "${name}" without confirmation`, {
          hint: `there is no terminal to ask on; run: iago rm --force ${name}`,
        });
      }
      this.out.info(`This removes: ${paths.map((p) => ws.relative(p)).join(", ")}`);
      if (!await confirm(`Remove machine "${name}"? [y/N] `)) {
        this.out.info("Nothing removed.");
        return;
      }
    }
    // Under ignite's workspace lock: a run still generating this machine would write its
    // Ignition file and secrets back after they were removed.
    const { lockTimeoutFromEnv, withLock } = await import("../../lock.ts");
    const removed = await withLock(ws.stateDir, "ignite", () => removeMachine(ws, name), {
      timeoutMs: lockTimeoutFromEnv(this.env),
      purpose: "rm",
    });
    for (const p of removed) this.out.print(`removed ${ws.relative(p)}`);
  },
  parameters: {
    flags: {
      force: { kind: "boolean", default: false, brief: "remove without asking" },
    },
    aliases: { f: "force" },
    positional: {
      kind: "tuple",
      parameters: [{
        brief: "machine name",
        parse: String,
        placeholder: "NAME",
        proposeCompletions: completeMachines,
      }],
    },
  },
  docs: {
    brief: "Remove a machine, its container, outputs and secrets",
    fullDescription: [
      "Remove machines/NAME, containers/NAME, output/ignition/NAME.ign, output/images/NAME.tar",
      "and .iago/secrets/NAME/, and nothing else. Asks for confirmation on a terminal;",
      "without one (cron, pipes) it refuses unless --force is given.",
      "",
      "Examples:",
      "  iago rm db-01",
      "  iago rm --force db-01",
      "  iago remove db-01",
      "  iago delete db-01",
    ].join("\n"),
  },
});

/** Asks a yes/no question on the terminal; anything but y/yes is no. */
async function confirm(question: string): Promise<boolean> {
  await Deno.stderr.write(new TextEncoder().encode(question));
  const buf = new Uint8Array(256);
  const n = await Deno.stdin.read(buf);
  const answer = n === null ? "" : new TextDecoder().decode(buf.subarray(0, n)).trim();
  return /^y(es)?$/i.test(answer);
}
