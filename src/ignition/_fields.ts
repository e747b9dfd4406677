/**
 * What every rule module shares: typed access to a decoded config (Go's zero values for what
 * is absent), Go's path functions, and the report that collects findings in order.
 */
import type { Path } from "./_decode.ts";
import type { Minor } from "./_schema.ts";

export interface Entry {
  severity: "error" | "warning";
  path: Path;
  message: string;
}

export type Obj = Record<string, unknown>;

export const obj = (o: Obj | undefined, k: string): Obj => (o?.[k] as Obj | undefined) ?? {};
// Rules only read these lists, so one without null items is handed out as it is.
export const list = (o: Obj | undefined, k: string): Obj[] => {
  const v = (o?.[k] as (Obj | undefined)[] | undefined) ?? [];
  return v.includes(undefined) ? v.map((x) => x ?? {}) : v as Obj[];
};
export const strs = (o: Obj | undefined, k: string): string[] => {
  const v = (o?.[k] as (string | undefined)[] | undefined) ?? [];
  return v.includes(undefined) ? v.map((s) => s ?? "") : v as string[];
};
export const str = (o: Obj | undefined, k: string): string | undefined =>
  o?.[k] as string | undefined;
/** An int field: a number, or a bigint past 2^53 (Go's int keeps every bit). */
export const int = (o: Obj | undefined, k: string): number | bigint | undefined =>
  o?.[k] as number | bigint | undefined;
/** Go's `v&mask != 0` for an int field's value. */
export const hasBits = (v: number | bigint, mask: number) =>
  typeof v === "bigint" ? (v & BigInt(mask)) !== 0n : (v & mask) !== 0;
/** Go's int64 `a + b - 1`, which wraps around past 2^63. */
export function lastOf(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === "number" && typeof b === "number" && Number.isSafeInteger(a + b - 1)) {
    return a + b - 1;
  }
  const v = BigInt.asIntN(64, BigInt(a) + BigInt(b) - 1n);
  return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v;
}
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
export const bool = (o: Obj | undefined, k: string): boolean | undefined =>
  o?.[k] as boolean | undefined;
export const notEmpty = (s: string | undefined) => s !== undefined && s !== "";
export const isTrue = (b: boolean | undefined) => b === true;
export const isFalse = (b: boolean | undefined) => b === false;

/** Go's path.Clean. */
export function cleanPath(p: string): string {
  if (p === "") return ".";
  // Already clean: rooted, no empty, "." or ".." segment, no trailing slash.
  if (p[0] === "/" && !/\/\/|\/\.\.?(\/|$)|.\/$/.test(p)) return p;
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  if (rooted) return "/" + joined;
  return joined === "" ? "." : joined;
}

export function validatePath(p: string): string | undefined {
  if (p === "") return "path not specified";
  if (!p.startsWith("/")) return "path not absolute";
  if (cleanPath(p) !== p) return "path is not fully simplified";
  return undefined;
}

/** Go's path.Join of two elements. */
export function goJoin(a: string, b: string): string {
  const parts = [a, b].filter((x) => x !== "");
  return parts.length ? cleanPath(parts.join("/")) : "";
}

export const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** Go's %q for a string. */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

export class Report {
  entries: Entry[] = [];
  error(path: Path, message: string | undefined) {
    if (message !== undefined) this.entries.push({ severity: "error", path, message });
  }
  warn(path: Path, message: string | undefined) {
    if (message !== undefined) this.entries.push({ severity: "warning", path, message });
  }
}

/** A group of rules for spec 3.`m`, reporting into `r`. */
export class RuleSet {
  constructor(readonly r: Report, readonly m: Minor) {}
}
