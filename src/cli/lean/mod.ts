/**
 * The lean entry: the commands scripts and CI run once per file or per minute (`iago butane`,
 * `iago --version`, `iago list`) answered without loading the command tree (Stricli, every
 * command, sigstore, the OCI code), which is most of iago's start-up.
 *
 * It answers only argument lists it reads exactly as Stricli would, and says `undefined` to
 * every other one (help, `--flag=false`, a repeated flag, an unknown one...), which the full
 * CLI then runs: output, errors and exit codes are the full CLI's by construction, and
 * tests/cli_lean_test.ts runs both on the same arguments.
 */
import { versionLine } from "../../version.ts";
import type { IagoContext } from "../context.ts";
import {
  type MainOptions,
  normalizeExitCode,
  splitGlobalArgs,
  startInvocation,
} from "../invocation.ts";
import { report } from "../report.ts";
import { loadButaneCommand } from "../packed.ts";
import type { ButaneFlags } from "./butane.ts";
import { quickList } from "./list_quick.ts";

/**
 * A command the lean entry runs, with its arguments already read. `false`: it printed nothing
 * and leaves the run to the full CLI after all (`iago list` on a workspace it cannot read the
 * quick way).
 */
type LeanCommand = (this: IagoContext) => Promise<void | false> | void | false;

/**
 * Runs `args` when the lean entry answers them and returns the exit code, as `main` would;
 * `undefined` (nothing printed, nothing done) when the full CLI must run them.
 */
export async function leanMain(
  args: string[],
  options: MainOptions = {},
): Promise<number | undefined> {
  let rest: string[];
  try {
    rest = splitGlobalArgs(args).rest;
  } catch {
    return undefined;
  }
  const command = leanCommand(rest);
  if (command === undefined) return undefined;
  const started = await startInvocation(args, options);
  if (typeof started === "number") return started;
  const { context } = started;
  // As Stricli does: a handler's own exit code stands; a thrown error is reported by iago's
  // one error printer and gives its code.
  let code = 0;
  try {
    if (await command.call(context) === false) return undefined;
  } catch (exc) {
    code = report(exc, context.out, context.env);
  }
  context.process.exitCode ??= code;
  return normalizeExitCode(context.process.exitCode);
}

/** The command for `rest` (the arguments after the global flags), if the lean entry has it. */
export function leanCommand(rest: string[]): LeanCommand | undefined {
  const [name, ...args] = rest;
  if (rest.length === 1 && (name === "--version" || name === "-v")) {
    return function () {
      this.out.print(versionLine());
    };
  }
  if (name === "butane") {
    const read = butaneArgs(args);
    return read && async function () {
      const { butane, report } = await loadButaneCommand(this.env);
      // The module's own report(): in the release bundle the module's code is not the entry's,
      // and the entry's report() would not know the module's IagoError for one (its hint lost).
      try {
        await butane.call(this, read.flags, read.file);
      } catch (exc) {
        this.process.exitCode = report(exc, this.out, this.env);
      }
    };
  }
  if ((name === "list" || name === "ls") && (args.length === 0 || args.join() === "--json")) {
    return function () {
      return quickList.call(this, { json: args.length === 1 }) && undefined;
    };
  }
  return undefined;
}

const SWITCHES = new Map<string, "strict" | "pretty" | "check" | "raw">([
  ["--strict", "strict"],
  ["-s", "strict"],
  ["--pretty", "pretty"],
  ["-p", "pretty"],
  ["--check", "check"],
  ["-c", "check"],
  ["--raw", "raw"],
  ["-r", "raw"],
]);

const VALUED = new Map<string, "filesDir" | "output">([
  ["--files-dir", "filesDir"],
  ["--filesDir", "filesDir"],
  ["-d", "filesDir"],
  ["--output", "output"],
  ["-o", "output"],
]);

/**
 * `iago butane`'s flags and file when written in the plain forms: each flag at most once, by
 * name or one-letter alias, a value as the next word, at most one file. Anything else (help,
 * `--flag=value`, `--no-flag`, `-`, `--`, a value or file starting with "-") is the full CLI's.
 */
export function butaneArgs(args: string[]): { flags: ButaneFlags; file?: string } | undefined {
  const flags: ButaneFlags = {};
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const switched = SWITCHES.get(arg);
    const valued = VALUED.get(arg);
    if (switched !== undefined) {
      if (flags[switched] !== undefined) return undefined;
      flags[switched] = true;
    } else if (valued !== undefined) {
      const value = args[++i];
      if (flags[valued] !== undefined || value === undefined || value === "") return undefined;
      if (value.startsWith("-")) return undefined;
      flags[valued] = value;
    } else if (arg === "" || arg.startsWith("-") || file !== undefined) {
      return undefined;
    } else {
      file = arg;
    }
  }
  return { flags, file };
}
