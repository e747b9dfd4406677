/**
 * What iago and the sandbox worker say to each other: requests carry data in (a template and
 * its context, a plugin's source, a call's argument), replies carry data out. Everything crosses
 * as V8 serializes it (a structured clone), through the sandbox process; nothing the worker
 * holds is shared with iago.
 */
import type { SourceLocation } from "../errors.ts";

/** A plugin's function that iago calls. */
export type PluginMethod = "overlay" | "secrets" | "validate";

export type Request =
  | { id: string; op: "render"; text: string; context: object; file: string }
  /** `source`: the plugin's text; `url`: its file, as messages name it. */
  | { id: string; op: "load"; url: string; source: string }
  | { id: string; op: "call"; method: PluginMethod; arg: unknown };

/**
 * The answer to a request. `memory`: what the worker holds (JavaScript heap and buffers, bytes),
 * measured now and then ({@link MEMORY_MEASURE_MS}), so code that keeps a little at every call
 * is caught too.
 */
export type Reply =
  & { id: string; memory?: number }
  & ({ ok: true; value: unknown } | { ok: false; failure: Failure });

/** How often at most the worker measures what it holds (it costs ~0.1 ms). */
export const MEMORY_MEASURE_MS = 100;

/**
 * Text a template or plugin printed (with `console`), sent while a request runs, before its
 * reply. `problem`: printed as a warning or error (`console.warn`, `console.error`); `cut`: the
 * request printed more than {@link OUTPUT_LIMIT}, and the rest was dropped.
 */
export interface OutputMessage {
  output: string;
  problem: boolean;
  cut?: true;
}

/** How much of what a template or plugin prints iago shows, per request and per run (bytes). */
export const OUTPUT_LIMIT = 64 * 1024;

/** An error raised in the worker, as data. */
export type Failure =
  /** An `IagoError` the worker's own code made (a template that does not render). */
  | { kind: "iago"; message: string; at?: SourceLocation; hint?: string }
  /** What a plugin threw (or rejected with). */
  | { kind: "thrown"; name: string; message: string; stack?: string }
  /** A plugin's function returned something that is not plain data. */
  | { kind: "not-data"; message: string };

/** A rendered template: its text and, per line (1-based), the template line it came from. */
export interface RenderedLines {
  text: string;
  lines: number[];
}

/**
 * A plugin's default export as data: what `typeof` says of it, and for an object the fields
 * of the contract, each a function or its value.
 */
export interface ExportShape {
  type: string;
  fields?: Record<string, { function: true } | { value: unknown }>;
}
