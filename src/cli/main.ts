/**
 * The full CLI: runs the Stricli application (every command, help, completions) and turns
 * every failure into one or two lines and an exit code (0 ok, 1 failure, 2 usage). The program's
 * entry (entry.ts) comes here for whatever the lean entry does not answer itself.
 */
import { run } from "@stricli/core";
import { buildApp } from "./app.ts";
import { report } from "./report.ts";
import { type MainOptions, normalizeExitCode, startInvocation } from "./invocation.ts";

export type { MainOptions } from "./invocation.ts";
export { splitGlobalArgs } from "./invocation.ts";

/** Runs iago with `args` and returns the exit code. */
export async function main(args: string[], options: MainOptions = {}): Promise<number> {
  const started = await startInvocation(args, options);
  if (typeof started === "number") return started;
  const { context, rest } = started;
  const app = buildApp((exc) => report(exc, context.out, context.env));
  await run(app, rest, context);
  return normalizeExitCode(context.process.exitCode);
}
