/**
 * The workload contract of DESIGN.md, checked at run time with zod: a plugin's default export
 * before use, and what its `secrets()` and `overlay()` return. Problems come back as sentences
 * that name the field, for an error that names the plugin.
 */
import * as z from "zod";
import type { ButaneConfig, SecretSpec, Workload } from "../types.ts";

const fn = z.custom<(...args: unknown[]) => unknown>((v) => typeof v === "function", {
  message: "must be a function",
});

const WorkloadSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, {
    message: "must be lowercase letters, digits and hyphens",
  }),
  description: z.string().optional(),
  validate: fn.optional(),
  secrets: fn.optional(),
  overlay: fn,
});

const SecretSpecSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, {
    message: "must be lowercase letters, digits, '.', '_' and '-'",
  }),
  length: z.number().int().min(8).max(4096).optional(),
  path: z.string().regex(/^\/[^\0]*$/, { message: "must be an absolute path" }).optional(),
  mode: z.number().int().min(0).max(0o7777).optional(),
});

const named = z.looseObject({ name: z.string().min(1) });
const node = z.looseObject({ path: z.string().regex(/^\//, { message: "must be absolute" }) });

// Shallow on purpose: the Butane translator checks every field; this catches the shape errors
// that would otherwise surface far from the plugin that caused them.
const OverlaySchema = z.looseObject({
  variant: z.never({ message: "must not be set: the machine's template sets it" }).optional(),
  version: z.never({ message: "must not be set: the machine's template sets it" }).optional(),
  passwd: z.looseObject({
    users: z.array(named).optional(),
    groups: z.array(named).optional(),
  }).optional(),
  storage: z.looseObject({
    files: z.array(node).optional(),
    directories: z.array(node).optional(),
    links: z.array(node.extend({ target: z.string() })).optional(),
  }).optional(),
  systemd: z.looseObject({
    units: z.array(named.extend({ dropins: z.array(named).optional() })).optional(),
  }).optional(),
});

/** Problems with a module's default export as a `Workload`; `[]` when it fits. */
export function checkWorkload(value: unknown): string[] {
  if (typeof value !== "object" || value === null) {
    return [
      value === undefined
        ? "the module has no default export"
        : `the default export is ${describe(value)}, not a workload object`,
    ];
  }
  const result = WorkloadSchema.safeParse(value);
  return result.success ? [] : issues(result.error);
}

/** Problems with what `secrets()` returned. */
export function checkSecretSpecs(value: unknown): string[] {
  const result = z.array(SecretSpecSchema).safeParse(value);
  return result.success ? [] : issues(result.error, "secrets()");
}

/** Problems with what `overlay()` returned. */
export function checkOverlay(value: unknown): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [`overlay() returned ${describe(value)}, not a Butane document object`];
  }
  const result = OverlaySchema.safeParse(value);
  return result.success ? [] : issues(result.error, "overlay()");
}

export type { ButaneConfig, SecretSpec, Workload };

function issues(error: z.ZodError, root?: string): string[] {
  return error.issues.map((i) => {
    const path = i.path.map((p) => typeof p === "number" ? `[${p}]` : `.${String(p)}`).join("");
    const where = root ? `${root}${path}` : path.replace(/^\./, "") || "the workload";
    const message = i.code === "invalid_type" && i.message.includes("received undefined")
      ? "is missing"
      : i.message;
    return `${where} ${message}`;
  });
}

function describe(v: unknown): string {
  if (v === undefined) return "absent";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return `a ${typeof v}`;
}
