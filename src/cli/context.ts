/**
 * What every command handler receives as `this`: the workspace, the output, and the process
 * streams Stricli needs. Handlers stay thin: parse flags, call a pipeline, print.
 */
import type { CommandContext } from "@stricli/core";
import type { Output } from "../output.ts";
import type { Workspace } from "../workspace.ts";

export interface IagoContext extends CommandContext {
  readonly process: IagoProcess;
  /** The workspace chosen with `-C DIR`, else the current directory. */
  readonly workspace: Workspace;
  readonly out: Output;
  /** Environment variables (a snapshot; tests pass their own). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface IagoProcess {
  readonly stdout: { write(s: string): void };
  readonly stderr: { write(s: string): void };
  readonly env?: Readonly<Partial<Record<string, string>>>;
  exitCode?: number | string | null;
}
