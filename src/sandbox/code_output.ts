/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * Inside the sandbox worker: what templates and plugins print. A worker shares the process's
 * stdout and stderr with iago, where `--json` and `ignite --output -` put data, so the code gets
 * a console of its own whose text goes to iago as messages ({@link OutputMessage}), at most
 * {@link OUTPUT_LIMIT} bytes per request; Deno's other ways to the terminal (`Deno.stdout`,
 * `Deno.stderr`, Node's `process.stdout`, the runtime's own print) are closed in this worker.
 */
import { OUTPUT_LIMIT, type OutputMessage } from "./protocol.ts";

const NOT_AVAILABLE = "is not available to templates and plugins";

/** Stands for ESC in the code's own strings while Deno formats them (a private-use character). */
const MASKED_ESC = "\uE01B";

function maskEscapes(arg: unknown): unknown {
  return typeof arg === "string" ? arg.replaceAll("\x1b", MASKED_ESC) : arg;
}

/**
 * Gives the worker a console that sends its text through `send`, closes the worker's stdio and
 * hides Deno's internals (which can print past the console). Call before any template or plugin
 * code runs. Returns the function that starts a new request's budget: past it, text is dropped
 * (a loop that prints costs neither iago's memory nor the terminal).
 */
export function captureOutput(send: (message: OutputMessage) => void): () => void {
  let used = 0;
  let cut = false;
  // deno-lint-ignore no-explicit-any
  const deno = Deno as any;
  const Console = deno[deno.internal].Console as new (
    print: (text: string, level: number) => void,
  ) => Console;
  const denoConsole = new Console((text, level) => {
    // Deno colours what it formats when iago's stderr is a terminal: iago styles its own lines,
    // and shows the code's own escapes as text (they were masked on the way in).
    // deno-lint-ignore no-control-regex
    take(text.replace(/\x1b\[[0-9;]*m/g, "").replaceAll(MASKED_ESC, "\x1b"), level >= 2);
  });
  const console = Object.fromEntries(
    Object.entries(denoConsole).map(([key, value]) => [
      key,
      // Past the budget nothing is formatted: a loop that prints costs what a loop costs.
      typeof value === "function"
        ? (...args: unknown[]) => cut ? undefined : value(...args.map(maskEscapes))
        : value,
    ]),
  );
  Object.defineProperty(globalThis, "console", {
    value: console,
    writable: true,
    enumerable: false,
    configurable: true,
  });
  delete deno[deno.internal];
  // The resources behind Deno.stdout/stderr/stdin, Node's process.stdout and the runtime's print
  // are this worker's own: closing them leaves iago's descriptors open.
  for (const stream of [Deno.stdin, Deno.stdout, Deno.stderr]) {
    try {
      stream.close();
    } catch { /* already closed */ }
  }
  for (const name of ["stdin", "stdout", "stderr"]) {
    Object.defineProperty(Deno, name, {
      get() {
        throw new TypeError(
          `Deno.${name} ${NOT_AVAILABLE}: use console.log (iago prints it to stderr)`,
        );
      },
      enumerable: true,
      configurable: true,
    });
  }
  Object.defineProperty(globalThis, "postMessage", {
    value: () => {
      throw new TypeError(`postMessage() ${NOT_AVAILABLE}: return data`);
    },
    writable: true,
    enumerable: true,
    configurable: true,
  });

  function take(text: string, problem: boolean): void {
    if (cut) return;
    // Counted in UTF-16 units, never more than the UTF-8 bytes iago counts: iago cuts first.
    const bytes = text.length;
    if (used + bytes > OUTPUT_LIMIT) {
      cut = true;
      send({ output: text.slice(0, Math.max(0, OUTPUT_LIMIT - used)), problem, cut: true });
      return;
    }
    used += bytes;
    send({ output: text, problem });
  }
  return () => {
    used = 0;
    cut = false;
  };
}
