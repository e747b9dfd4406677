/**
 * How the CLI prints a problem: the first line of each with the "error:" prefix (with
 * `file:line:col` when known), hint lines continuing it unprefixed, a stack only with IAGO_DEBUG=1.
 */
import { IagoError } from "../errors.ts";
import type { Output } from "../output.ts";

/** Prints an error as one or two lines and returns its exit code. */
export function report(exc: unknown, out: Output, env: Record<string, string | undefined>): number {
  printProblem(exc, out);
  if (env.IAGO_DEBUG === "1" && exc instanceof Error && exc.stack) out.info(exc.stack);
  else if (!(exc instanceof IagoError)) out.info("  (run with IAGO_DEBUG=1 for a stack trace)");
  return exc instanceof IagoError ? exc.exitCode : 1;
}

/**
 * Prints one problem: its first line (and each further problem's) with the "error:" prefix, the
 * hint lines that continue it unprefixed. Commands that go on after a failing item use it too.
 */
export function printProblem(exc: unknown, out: Output): void {
  if (!(exc instanceof IagoError)) {
    out.error(exc instanceof Error ? exc.message : String(exc));
    return;
  }
  for (const line of exc.format().split("\n")) {
    if (line.startsWith("  ")) out.detail(line);
    else out.error(line);
  }
}

/**
 * Where the lines templates and plugins print go: stderr (stdout may carry data), what they
 * log dropped with `--quiet`, their warnings and errors kept.
 */
export function codeOutput(out: Output): (line: string, problem: boolean) => void {
  return (line, problem) => problem ? out.detail(line) : out.info(line);
}
