/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * Inside the sandbox worker: the ways past its console and its missing permissions that Deno
 * leaves open to a worker, closed before any template or plugin code runs. Each reaches the
 * sandbox process's descriptors (the pipes to iago), or its processes, without asking for a
 * permission:
 *
 * - a nested `Worker`, which gets a console and `Deno.stdout` of its own;
 * - Node's built-ins that take a descriptor by number (`fs.writeSync(1, ...)`,
 *   `new net.Socket({ fd: 1 })`, `new tty.WriteStream(1)`), signal or start processes and
 *   threads (`child_process`, `worker_threads`), or add module hooks (`module`);
 * - Node's global `process` (`process.binding("pipe_wrap")`, `process.kill()`).
 *
 * The Node built-ins that only compute (`node:crypto`, `node:path`, ...) stay importable.
 */
import { COMPUTING_BUILTINS } from "./builtins.ts";

const NOT_AVAILABLE = "is not available to templates and plugins";

/**
 * Closes the side doors; call once, before any template or plugin code runs. Returns the
 * function that lets this worker's own code import one `blob:` URL (a plugin's source).
 */
export function closeSideDoors(): (blob: string) => void {
  // Not imported: the sandbox process's import map refuses node:module to every `blob:`
  // module, which this worker's code is in a release build (child_command.ts).
  const { closeSync } = process.getBuiltinModule("node:fs");
  const { isBuiltin, registerHooks } = process.getBuiltinModule("node:module");
  const allowed = new Set<string>();
  registerHooks({
    resolve(specifier, context, next) {
      const refused = (/^(data|blob):/.test(specifier) && !allowed.has(specifier)) ||
        (isBuiltin(specifier) && !COMPUTING_BUILTINS.has(specifier.replace(/^node:/, "")));
      if (refused) {
        // Deno's own words for a refused permission: iago reports it as what the code tried.
        const err = new Error(`Requires import access to "${specifier}"`);
        err.name = "NotCapable";
        throw err;
      }
      return next(specifier, context);
    },
  });
  for (const name of ["Worker", "process"]) {
    Object.defineProperty(globalThis, name, {
      get() {
        throw new TypeError(`${name} ${NOT_AVAILABLE}: return data, use console.log to print`);
      },
      enumerable: false,
      configurable: true,
    });
  }
  // Node's fs reaches descriptors 0-2 by number (`fs.writeSync(1, ...)`, `fs.ftruncateSync(1)`)
  // past the closed Deno.stdout, also when a plugin imports it statically (which the hook above
  // does not see). Closed through Node's fs, they are gone for this worker only.
  for (const fd of [0, 1, 2]) {
    try {
      closeSync(fd);
    } catch { /* not open in this worker */ }
  }
  return (blob) => allowed.add(blob);
}
