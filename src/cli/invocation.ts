/**
 * What every run of iago does before its command: split off the global `-C DIR` and `--quiet`,
 * check the workspace directory, and make the context handlers get as `this`. The full command
 * tree (main.ts) and the lean entry (lean/mod.ts) both start here, so they cannot differ in it.
 * No Stricli here: the lean entry must not load it.
 */
import { IagoError } from "../errors.ts";
import { consoleOutput, type Output } from "../output.ts";
import { Workspace } from "../workspace.ts";
import { report } from "./report.ts";
import type { IagoContext, IagoProcess } from "./context.ts";

export interface MainOptions {
  /** Defaults to the process's real output. */
  out?: Output;
  /** Defaults to `Deno.env.toObject()`. */
  env?: Record<string, string | undefined>;
  /** Directory `-C` is relative to; defaults to `Deno.cwd()`. */
  cwd?: string;
}

/** A started run: the handlers' context and the arguments left for the command. */
export interface Invocation {
  context: IagoContext;
  rest: string[];
}

/**
 * Splits the global flags off `args` and makes the context; a number instead when the global
 * flags are wrong (the problem is printed, the number is the exit code).
 */
export async function startInvocation(
  args: string[],
  options: MainOptions = {},
): Promise<Invocation | number> {
  const out = options.out ?? consoleOutput();
  const env = options.env ?? Deno.env.toObject();
  let global: GlobalArgs;
  try {
    global = splitGlobalArgs(args);
  } catch (err) {
    return report(err, out, env);
  }
  const cwd = options.cwd ?? Deno.cwd();
  const root = global.dir === undefined
    ? cwd
    : global.dir.startsWith("/")
    ? global.dir
    : `${cwd}/${global.dir}`;
  if (global.dir !== undefined && !(await isDirectory(root))) {
    return report(
      new IagoError(`Cannot use workspace "${global.dir}": not a directory`, {
        hint: "-C takes an existing directory (the workspace holding config/ and machines/)",
        exitCode: 2,
      }),
      out,
      env,
    );
  }
  out.quiet = global.quiet;

  const process: IagoProcess = {
    stdout: { write: (s) => out.print(s.replace(/\n$/, "")) },
    // Stricli writes usage errors here: they are problems, so --quiet keeps them.
    stderr: { write: (s) => s.trim() && out.detail(s.replace(/\n$/, "")) },
    env: {
      ...env,
      STRICLI_SKIP_VERSION_CHECK: "1",
      ...(out.color ? {} : { STRICLI_NO_COLOR: "1" }),
    },
    exitCode: undefined,
  };
  return {
    context: { process, workspace: new Workspace(root), out, env },
    rest: global.rest,
  };
}

export interface GlobalArgs {
  dir?: string;
  quiet: boolean;
  rest: string[];
}

/** Takes `-C DIR` / `-C=DIR` / `--workspace DIR` and `--quiet`/`-q` from anywhere before `--`. */
export function splitGlobalArgs(args: string[]): GlobalArgs {
  const rest: string[] = [];
  let dir: string | undefined;
  let quiet = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      rest.push(...args.slice(i));
      break;
    }
    if (a === "-C" || a === "--workspace") {
      if (i + 1 >= args.length) {
        throw new IagoError(`${a} needs a directory`, {
          hint: `iago ${a} DIR COMMAND`,
          exitCode: 2,
        });
      }
      dir = args[++i];
    } else if (a.startsWith("-C=") || a.startsWith("--workspace=")) {
      dir = a.slice(a.indexOf("=") + 1);
    } else if (a === "-q" || a === "--quiet" || a === "--quiet=true") {
      quiet = true;
    } else if (a === "--quiet=false" || a === "--no-quiet") {
      quiet = false;
    } else {
      rest.push(a);
    }
  }
  return { dir, quiet, rest };
}

/** Stricli's negative codes are usage problems (unknown command, bad flag): exit 2. */
export function normalizeExitCode(code: number | string | null | undefined): number {
  const n = typeof code === "number" ? code : Number(code ?? 0);
  if (Number.isNaN(n)) return 1;
  return n < 0 ? 2 : n;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}
