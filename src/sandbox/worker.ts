/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * The sandbox: a Deno Worker without permissions, in the sandbox process (child.ts). It renders
 * templates and runs one workload plugin's functions (imported from the source text iago sends)
 * on data it receives, and sends back data. Before any template or plugin code runs, it
 * registers its own listeners first (so no code can watch other requests), keeps its own
 * `postMessage`, sends what the code prints to iago ({@link captureOutput}), and freezes every
 * built-in ({@link lockdown}). Messages cross as V8's serialization (the structured clone
 * `postMessage` does), which the sandbox process passes between iago and this worker unread.
 */
import { IagoError } from "../errors.ts";
import { renderTemplateLines, templateEngine } from "../render/template.ts";
import { captureOutput } from "./code_output.ts";
import { lockdown } from "./lockdown.ts";
import { closeSideDoors } from "./side_doors.ts";
import {
  type ExportShape,
  type Failure,
  MEMORY_MEASURE_MS,
  type PluginMethod,
  type Reply,
  type Request,
} from "./protocol.ts";

const { serialize, deserialize } = process.getBuiltinModule("node:v8");
const postBytes = globalThis.postMessage.bind(globalThis);
const post = (message: unknown) => postBytes(serialize(message));
const memoryUsage = Deno.memoryUsage;
let measured = -Infinity;
/** Errors no code caught (a promise rejected without a handler) since the request began. */
let stray: unknown[] = [];
let plugin: Record<string, unknown> | undefined;
/** The plugin's `blob:` URL, which messages show as its file's URL. */
let pluginBlob: { blob: string; url: string } | undefined;
const turns = new MessageChannel();
let turnEnded = () => {};
turns.port1.onmessage = () => turnEnded();

globalThis.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  stray.push(e.reason);
});
globalThis.addEventListener("error", (e) => {
  e.preventDefault();
  stray.push(e.error ?? new Error(e.message));
});
globalThis.addEventListener("message", (e: MessageEvent<Uint8Array>) => {
  e.stopImmediatePropagation();
  void answer(deserialize(e.data) as Request);
});
// A process started with V8's --expose-gc (iago's own flags, which a compiled binary's sandbox
// process inherits, or DENO_V8_FLAGS) gives every worker a `gc`: a template has no use for
// collecting its whole isolate.
// Its property cannot be deleted (V8 makes it non-configurable), but it is writable.
if ("gc" in globalThis) (globalThis as { gc?: unknown }).gc = undefined;
// Code that ends its worker would leave iago waiting for the time limit.
for (const [owner, name] of [[globalThis, "close"], [Deno, "exit"]] as const) {
  const what = owner === Deno ? `Deno.${name}()` : `${name}()`;
  Object.defineProperty(owner, name, {
    value: () => {
      throw new TypeError(`${what} is not available to templates and plugins: return, or throw`);
    },
  });
}
const newBudget = captureOutput(post);
const allowImport = closeSideDoors();
// Deno finishes setting up queueMicrotask and message ports on first use, which a frozen realm
// would refuse: use them once before.
queueMicrotask(() => {});
await nextTurn();
lockdown(templateEngine());
// Time limits count from here: starting the worker is iago's time, not the plugin's.
post({ ready: true });

async function answer(request: Request): Promise<void> {
  stray = [];
  newBudget();
  let reply: Reply;
  try {
    const value = await run(request);
    // Let a promise the code started but did not await settle: its refusal is the answer.
    await nextTurn();
    if (stray.length > 0) throw stray[0];
    reply = { id: request.id, ok: true, value };
  } catch (err) {
    reply = { id: request.id, ok: false, failure: failure(err, request) };
  }
  if (performance.now() - measured >= MEMORY_MEASURE_MS) {
    const { heapUsed, external } = memoryUsage();
    reply.memory = heapUsed + external;
    measured = performance.now();
  }
  try {
    post(reply);
  } catch (err) {
    const where = reply.ok ? notData(reply.value, "") : undefined;
    post({
      id: request.id,
      memory: reply.memory,
      ok: false,
      failure: {
        kind: "not-data",
        message: where ??
          ` returned what cannot be copied: ${err instanceof Error ? err.message : String(err)}`,
      },
    });
  }
}

/**
 * Where in `v` the first value that cannot cross to iago is and what it is, said to follow the
 * function's name: `.storage.files[0].mode is a function`.
 */
function notData(v: unknown, path: string): string | undefined {
  if (typeof v === "function" || typeof v === "symbol") {
    return path ? `${path} is a ${typeof v}` : ` returned a ${typeof v}`;
  }
  if (typeof v !== "object" || v === null) return undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const found = notData(v[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const [k, x] of Object.entries(v)) {
    const found = notData(x, `${path}.${k}`);
    if (found) return found;
  }
  return undefined;
}

/**
 * Resolves after one turn of the event loop, when Deno has reported the rejections nobody
 * handled; a message to itself is much quicker than `setTimeout(0)`, which waits for a timer.
 */
function nextTurn(): Promise<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  turnEnded = resolve;
  turns.port2.postMessage(null);
  return promise;
}

function run(request: Request): Promise<unknown> | unknown {
  switch (request.op) {
    case "render":
      return renderTemplateLines(request.text, request.context, request.file);
    case "load":
      return load(request.url, request.source);
    case "call":
      return call(request.method, request.arg);
  }
}

/**
 * Imports the plugin from its `source` (the file at `url`): this worker, and the process it
 * runs in, may read no file, so iago reads it and the code is imported from a `blob:` URL.
 */
async function load(url: string, source: string): Promise<ExportShape> {
  const type = /\.[mc]?tsx?$/.test(url) ? "application/typescript" : "text/javascript";
  const blob = URL.createObjectURL(new Blob([source], { type }));
  pluginBlob = { blob, url };
  allowImport(blob);
  const mod = await import(blob);
  const exported: unknown = mod.default;
  if (typeof exported !== "object" || exported === null) {
    return { type: exported === null ? "null" : typeof exported };
  }
  plugin = exported as Record<string, unknown>;
  const fields: ExportShape["fields"] = {};
  for (const key of ["name", "description", "validate", "secrets", "overlay"]) {
    if (!(key in plugin)) continue;
    const v = plugin[key];
    fields[key] = typeof v === "function" ? { function: true } : { value: plainOrType(v) };
  }
  return { type: Array.isArray(exported) ? "array" : "object", fields };
}

async function call(method: PluginMethod, arg: unknown): Promise<unknown> {
  const fn = plugin?.[method];
  if (typeof fn !== "function") return undefined;
  // The plugin gets its own copy of the context, read-only at the top as in-process.
  return await fn.call(plugin, typeof arg === "object" && arg !== null ? Object.freeze(arg) : arg);
}

/** `v` when it crosses to iago as is; otherwise what it is. */
function plainOrType(v: unknown): unknown {
  try {
    structuredClone(v);
    return v;
  } catch {
    return `<${typeof v}>`;
  }
}

function failure(err: unknown, request: Request): Failure {
  if (err instanceof IagoError) {
    return { kind: "iago", message: err.message, at: err.at, hint: err.hint };
  }
  if (err instanceof Error) {
    const { message, stack } = err;
    return {
      kind: "thrown",
      name: err.name,
      message: asFile(message),
      stack: stack && asFile(stack),
    };
  }
  const message = request.op === "render" ? String(err) : `threw ${describe(err)}`;
  return { kind: "thrown", name: "Error", message };
}

/** `text` with the plugin's `blob:` URL written as its file's URL. */
function asFile(text: string): string {
  return pluginBlob ? text.replaceAll(pluginBlob.blob, pluginBlob.url) : text;
}

function describe(v: unknown): string {
  try {
    return typeof v === "string" ? JSON.stringify(v) : String(v);
  } catch {
    return typeof v;
  }
}
