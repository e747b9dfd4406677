/**
 * Which functions of a bundled module a run calls, for scripts/eager.ts to mark only those.
 *
 * Marking every function of `iago butane`'s module puts the bytecode of all of them in Deno's
 * code cache, which every run then deserializes, the many a translation never calls included;
 * functions left unmarked are compiled at their first call, at every run. So the release runs
 * the module once on a typical input and marks what that run called: the rest costs nothing
 * until an input needs it, and is then compiled as any unmarked function is.
 *
 * The run is a `deno run` of `harness`, which imports the module as `./module.js`, with V8's
 * function events logged (`--log-function-events`): a function compiled at its first call, or
 * seen running for the first time, is listed with where it starts and ends in the script.
 */
import { join } from "node:path";

/**
 * The end offsets in `code` of the functions that running `harness` (module code that imports
 * `code` as `./module.js`) calls. Throws when the run fails or calls none of them.
 */
export async function functionsRun(code: string, harness: string): Promise<Set<number>> {
  const dir = await Deno.makeTempDir({ prefix: "iago-eager-profile-" });
  try {
    await Deno.writeTextFile(join(dir, "module.js"), code);
    await Deno.writeTextFile(join(dir, "run.js"), harness);
    const log = join(dir, "v8.log");
    const { code: exit, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--allow-read",
        "--allow-write",
        `--v8-flags=--log-function-events,--logfile=${log},--no-logfile-per-isolate`,
        "run.js",
      ],
      cwd: dir,
      stdout: "null",
    }).output();
    if (exit !== 0) {
      throw new Error(`The eager profile run failed:\n${new TextDecoder().decode(stderr)}`);
    }
    const url = new URL(join(dir, "module.js"), "file:///").href;
    const ends = functionsCalled(await Deno.readTextFile(log), url);
    if (ends.size === 0) throw new Error("The eager profile run called no function of the module");
    return ends;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * The end offsets of the functions of the script at `url` that V8's function
 * event log `log` says were called: compiled at a call (`parse-function`, `interpreter`) or
 * first run (`first-execution`). Lines are `function,EVENT,SCRIPT_ID,START,END,...`; a script's
 * URL is given by `script-details,SCRIPT_ID,URL,...`.
 */
export function functionsCalled(log: string, url: string): Set<number> {
  const lines = log.split("\n").map((line) => line.split(","));
  const scripts = new Set(
    lines.filter((f) => f[0] === "script-details" && f[2] === url).map((f) => f[1]),
  );
  const called = new Set(["parse-function", "interpreter", "first-execution"]);
  const ends = new Set<number>();
  for (const f of lines) {
    if (f[0] === "function" && called.has(f[1]) && scripts.has(f[2])) ends.add(Number(f[4]));
  }
  return ends;
}
