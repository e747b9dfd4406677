/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * Inside the sandbox worker: the ways past its console and its missing permissions that Deno
 * leaves open to a worker, closed before any template or plugin code runs. Each reaches iago's
 * stdout and stderr (or stdin, or its processes) without asking for a permission:
 *
 * - a nested `Worker`, which gets a console and `Deno.stdout` of its own;
 * - Node's built-ins that take a descriptor by number (`fs.writeSync(1, ...)`,
 *   `new net.Socket({ fd: 1 })`, `new tty.WriteStream(1)`), signal or start processes and
 *   threads (`child_process`, `worker_threads`), or add module hooks (`module`);
 * - Node's global `process` (`process.binding("pipe_wrap")`, `process.kill()`).
 *
 * The Node built-ins that only compute (`node:crypto`, `node:path`, ...) stay importable.
 */
import { closeSync } from "node:fs";
import { isBuiltin, registerHooks } from "node:module";

const NOT_AVAILABLE = "is not available to templates and plugins";

/** Node built-ins without a way to a descriptor, a process, a thread or the module loader. */
const COMPUTING_BUILTINS = new Set([
  "assert",
  "assert/strict",
  "buffer",
  "crypto",
  "events",
  "path",
  "path/posix",
  "path/win32",
  "punycode",
  "querystring",
  "stream",
  "stream/consumers",
  "stream/promises",
  "stream/web",
  "string_decoder",
  "timers",
  "timers/promises",
  "url",
  "util",
  "util/types",
  "zlib",
]);

/** Closes the side doors; call once, before any template or plugin code runs. */
export function closeSideDoors(): void {
  registerHooks({
    resolve(specifier, context, next) {
      const refused = /^(data|blob):/.test(specifier) ||
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
}
