/**
 * iago's side of the boundary around untrusted code. Templates render, and workload plugins
 * load and run, in Deno Workers without permissions ({@link CodeWorker}) in a process of their
 * own without permissions ({@link SandboxProcess}), started when the run first needs it: one
 * worker renders every template of a run, each plugin gets its own, which imports the plugin
 * from the source iago read. They receive data and return data; whatever they throw or try
 * comes back as an `IagoError` that names the template or plugin.
 */
import { pathToFileURL } from "node:url";
import { IagoError, printable } from "../errors.ts";
import { mappedTemplate, type RenderedTemplate } from "../render/rendered.ts";
import type { Workload } from "../types.ts";
import { checkWorkload } from "../workload/contract.ts";
import { CodeWorker, type Limit, WorkerFailure } from "./code_worker.ts";
import { deniedAction, SANDBOX_RULE } from "./denied.ts";
import type { ExportShape, PluginMethod, RenderedLines } from "./protocol.ts";
import { SandboxProcess } from "./sandbox_process.ts";
import { type OutputSink, ShownOutput } from "./shown_output.ts";

/** How long one template render or plugin call may take, unless `IAGO_PLUGIN_TIMEOUT` says. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** The time limit from `IAGO_PLUGIN_TIMEOUT` (seconds), or undefined when unset or not a number. */
export function sandboxTimeoutFromEnv(env: Record<string, string | undefined>): number | undefined {
  const v = env.IAGO_PLUGIN_TIMEOUT;
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n * 1000 : undefined;
}

/**
 * How much memory one template render or plugin call may take, unless `IAGO_PLUGIN_MEMORY`
 * says: the sandbox process's growth while it runs, each worker's heap (V8's limit), and what
 * the worker holds after it.
 */
export const DEFAULT_MEMORY_BYTES = 256 << 20;

/** The memory limit from `IAGO_PLUGIN_MEMORY` (MiB), or undefined when unset or not a number. */
export function sandboxMemoryFromEnv(env: Record<string, string | undefined>): number | undefined {
  const v = env.IAGO_PLUGIN_MEMORY;
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n * 2 ** 20 : undefined;
}

const HINTS: Record<Limit, string> = {
  time:
    "look for a loop that never ends or a promise that never settles; IAGO_PLUGIN_TIMEOUT=SECONDS changes the limit",
  memory: "look for a list or text that keeps growing; IAGO_PLUGIN_MEMORY=MIB changes the limit",
};

export interface SandboxOptions {
  /** How long one render or call may take (default {@link DEFAULT_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** How much memory one render or call may take (default {@link DEFAULT_MEMORY_BYTES}). */
  memoryBytes?: number;
  /** Receives each line templates and plugins print, named (none is shown without it). */
  onOutput?: OutputSink;
}

export class Sandbox {
  readonly timeoutMs: number;
  readonly memoryBytes: number;
  readonly #output: ShownOutput;
  readonly #process: SandboxProcess;
  #templates?: CodeWorker;
  /** The template being rendered, which what the templates' worker prints comes from. */
  #rendering = "";
  /** Template texts that passed a limit, the limit and the file that showed it first. */
  #unfinished = new Map<string, { limit: Limit; file: string }>();
  #plugins = new Map<string, Promise<Workload>>();
  #pluginWorkers = new Set<CodeWorker>();

  constructor(options: SandboxOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.memoryBytes = options.memoryBytes ?? DEFAULT_MEMORY_BYTES;
    this.#output = new ShownOutput(options.onOutput ?? (() => {}));
    this.#process = new SandboxProcess(this.memoryBytes);
  }

  /** How many sandbox processes this sandbox started (one, unless a limit ended one). */
  get processesStarted(): number {
    return this.#process.started;
  }

  /**
   * Values that what templates and plugins print must not show (the secrets they are given):
   * each is replaced by `<secret>`.
   */
  hideInOutput(values: Iterable<string | undefined>): void {
    this.#output.hide(values);
  }

  /**
   * Renders template `text` (of `file`, workspace-relative) with `context` in the sandbox.
   * Throws an `IagoError` at `file:line` when it does not render, tries what it may not, or
   * takes more time or memory than the limits.
   */
  async renderTemplate(text: string, context: object, file: string): Promise<RenderedTemplate> {
    this.#templates ??= new CodeWorker(this.#process, {
      timeoutMs: this.timeoutMs,
      memoryBytes: this.memoryBytes,
      stayFailed: false,
      onOutput: (message) => this.#output.show(this.#rendering, this.#rendering, message),
    });
    // Machines often share one template: one that passed a limit is not tried again, or
    // `ignite --all` would wait the limit once per machine.
    const notAgain = () => {
      this.#rendering = file;
      const first = this.#unfinished.get(text);
      if (first === undefined) return;
      throw new IagoError(
        `Cannot render the template: the same template ${
          this.#passed(first.limit)
        } for ${first.file}, earlier in this run`,
        { at: { file }, hint: HINTS[first.limit] },
      );
    };
    try {
      const lines = await this.#templates.request(
        { op: "render", text, context, file },
        (limit) => {
          this.#unfinished.set(text, { limit, file });
          return new IagoError(`Cannot render the template: it ${this.#passed(limit)}`, {
            at: { file },
            hint: HINTS[limit],
          });
        },
        notAgain,
      );
      return mappedTemplate(lines as RenderedLines);
    } catch (err) {
      if (!(err instanceof WorkerFailure)) throw err;
      const f = err.failure;
      if (f.kind === "iago") throw new IagoError(f.message, { at: f.at, hint: f.hint });
      const action = deniedAction(asError(f.kind === "thrown" ? f.name : "Error", f.message));
      throw new IagoError(
        `Cannot render the template: ${action ? `it tried to ${action}` : f.message}`,
        { at: { file }, hint: action ? SANDBOX_RULE : undefined },
      );
    }
  }

  /**
   * The plugin at `abs` (named `file` in messages), imported in a worker of its own from the
   * text iago reads here (the sandbox reads no file). Its functions return promises. Throws an
   * `IagoError` naming the file when it cannot be read or imported or does not fit the contract.
   */
  loadPlugin(abs: string, file: string): Promise<Workload> {
    let workload = this.#plugins.get(abs);
    if (!workload) {
      workload = this.#load(abs, file);
      this.#plugins.set(abs, workload);
    }
    return workload;
  }

  /**
   * Ends every worker and the sandbox process; resolves once it has ended. The sandbox can be
   * used again: the process and workers start on demand.
   */
  async close(): Promise<void> {
    this.#templates?.close();
    for (const worker of this.#pluginWorkers) worker.close();
    this.#pluginWorkers.clear();
    this.#plugins.clear();
    await this.#process.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #load(abs: string, file: string): Promise<Workload> {
    let text: string;
    try {
      text = await Deno.readTextFile(abs);
    } catch (err) {
      throw new IagoError(
        `Cannot load workload plugin: ${err instanceof Error ? err.message : String(err)}`,
        { at: { file } },
      );
    }
    const url = pathToFileURL(abs).href;
    const source = { name: file };
    const worker = new CodeWorker(this.#process, {
      timeoutMs: this.timeoutMs,
      memoryBytes: this.memoryBytes,
      stayFailed: true,
      onOutput: (message) => this.#output.show(file, source.name, message),
      setup: {
        body: { op: "load", url, source: text },
        overLimit: (limit) =>
          new IagoError(`Cannot load workload plugin: it ${this.#passed(limit)}`, {
            at: { file },
            hint: HINTS[limit],
          }),
      },
    });
    this.#pluginWorkers.add(worker);
    let shape: ExportShape;
    try {
      shape = await worker.setup() as ExportShape;
    } catch (err) {
      if (!(err instanceof WorkerFailure)) throw err;
      const f = err.failure;
      const action = deniedAction(asError(f.kind === "thrown" ? f.name : "Error", f.message));
      const message = f.message.split("\n")[0];
      throw new IagoError(
        `Cannot load workload plugin: ${action ? `it tried to ${action}` : message}`,
        {
          at: { file },
          hint: action
            ? `${SANDBOX_RULE}; a plugin is one self-contained ES module that imports only types from iago`
            : "a plugin is one self-contained ES module; it may import only types from iago",
        },
      );
    }
    const exported = fromShape(
      shape,
      (method) => (arg) => this.#call(worker, url, file, method, arg, source),
    );
    const problems = checkWorkload(exported);
    if (problems.length > 0) {
      throw new IagoError(`Not a workload plugin: ${problems.join("; ")}`, {
        at: { file },
        hint: "export default { name, overlay(ctx) { return { storage: {...} } } } (see README)",
      });
    }
    return exported as Workload;
  }

  async #call(
    worker: CodeWorker,
    url: string,
    file: string,
    method: PluginMethod,
    arg: unknown,
    source: { name: string },
  ): Promise<unknown> {
    const what = `${method}()`;
    const machine = machineName(arg);
    try {
      return await worker.request(
        { op: "call", method, arg },
        (limit) =>
          new IagoError(`${file}: ${what} ${this.#passed(limit)}`, {
            hint: `the plugin is not called again in this run; ${HINTS[limit]}`,
          }),
        () => source.name = machine === undefined ? file : `${file} (${machine})`,
      );
    } catch (err) {
      if (!(err instanceof WorkerFailure)) throw err;
      const f = err.failure;
      if (f.kind === "not-data") {
        throw new IagoError(
          `${file}: ${what}${f.message}`,
          {
            hint:
              "return objects, arrays, strings, numbers and booleans (no functions, symbols or class instances)",
          },
        );
      }
      const action = deniedAction(asError(f.kind === "thrown" ? f.name : "Error", f.message));
      const at = f.kind === "thrown" ? throwingLine(f.stack, url) : undefined;
      const message = action ? `${what} tried to ${action}` : `${what} failed: ${f.message}`;
      throw new IagoError(at ? message : `${file}: ${message}`, {
        at: at && { file, ...at },
        hint: action
          ? `${SANDBOX_RULE}; a plugin gets what it needs in its argument and returns data`
          : "fix the workload",
      });
    }
  }

  /** What code that passed `limit` did, to follow "it". */
  #passed(limit: Limit): string {
    return limit === "time"
      ? `did not finish within ${this.timeoutMs / 1000} s`
      : `used more than ${Math.round(this.memoryBytes / 2 ** 20)} MiB of memory`;
  }
}

/** The machine a plugin function is called for: `validate(machine)`, `overlay({ machine })`. */
function machineName(arg: unknown): string | undefined {
  if (typeof arg !== "object" || arg === null) return undefined;
  const a = arg as { name?: unknown; machine?: { name?: unknown } };
  const name = typeof a.machine?.name === "string" ? a.machine.name : a.name;
  return typeof name === "string" ? printable(name) : undefined;
}

/** The plugin's default export rebuilt from its shape, its functions calling into the worker. */
function fromShape(
  shape: ExportShape,
  call: (method: PluginMethod) => (arg: unknown) => Promise<unknown>,
): unknown {
  if (!shape.fields) return STAND_INS[shape.type];
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(shape.fields)) {
    out[key] = "function" in field ? call(key as PluginMethod) : field.value;
  }
  return out;
}

/** A value of each type a default export that is not an object can have, for its message. */
const STAND_INS: Record<string, unknown> = {
  undefined: undefined,
  null: null,
  number: 0,
  string: "",
  boolean: false,
  bigint: 0n,
  symbol: Symbol(),
  function: () => {},
};

/** Where in the plugin at `url` an exception was thrown, from its stack. */
function throwingLine(
  stack: string | undefined,
  url: string,
): { line: number; col: number } | undefined {
  if (!stack) return undefined;
  const escaped = url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(stack);
  return m ? { line: Number(m[1]), col: Number(m[2]) } : undefined;
}

function asError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}
