/**
 * Decodes a JSON tree into plain typed objects the way Go's `json.Unmarshal` fills Ignition's
 * structs: fields matched exactly or case-insensitively, the last occurrence of a key wins,
 * `null` leaves the zero value, and the first type mismatch becomes Go's error message.
 * Alongside, it collects the `Unused key` warnings `ignition-validate` prints.
 */
import type { JNode } from "./_gojson.ts";
import { goTypeName, type Shape } from "./_schema.ts";

export type Path = (string | number)[];

export interface TypeError {
  message: string;
  path: Path;
  /** Byte offset Go reports for the error, -1 when the input had no offsets. */
  offset: number;
}

export interface DecodeResult {
  value: Record<string, unknown>;
  typeError?: TypeError;
  unused: { path: Path; key: string; offset: number }[];
  nullMismatch: { path: Path; offset: number }[];
}

function kindOf(n: JNode): string {
  switch (n.t) {
    case "obj":
      return "object";
    case "arr":
      return "array";
    case "str":
      return "string";
    case "num":
      return "number";
    case "bool":
      return "bool";
    case "null":
      return "null";
  }
}

/** Go's `strings.EqualFold` for the ASCII keys Ignition uses. */
function equalFold(a: string, b: string): boolean {
  return a.length === b.length && a.toLowerCase() === b.toLowerCase();
}

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An int as a number where a double holds it exactly, else as the bigint itself. */
const exactInt = (v: bigint): number | bigint => v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v;

/** Where a value sits among Go's struct fields, built only when a type error names it. */
interface Frame {
  structName: string;
  field: string;
  parent: Frame | null;
}

function fieldPath(frame: Frame): string {
  const fields: string[] = [];
  for (let f: Frame | null = frame; f; f = f.parent) fields.push(f.field);
  return fields.reverse().join(".");
}

/** Decodes `root` as a value of `shape` (the `Config` struct). */
export function decode(root: JNode, shape: Shape): DecodeResult {
  const result: DecodeResult = { value: {}, unused: [], nullMismatch: [] };
  // One path for the whole walk, copied only into what is reported.
  const path: Path = [];

  const typeError = (n: JNode, value: string, s: Shape, frame: Frame | null) => {
    if (result.typeError) return;
    const offset = n.start < 0 ? -1 : (n.t === "obj" || n.t === "arr" ? n.start + 1 : n.end);
    const into = frame ? `Go struct field ${frame.structName}.${fieldPath(frame)}` : "Go value";
    result.typeError = {
      message: `json: cannot unmarshal ${value} into ${into} of type ${goTypeName(s)}`,
      path: [...path],
      offset,
    };
  };

  const unused = new Map<string, { path: Path; key: string; offset: number }>();
  // `quiet`: inside a key matched only case-insensitively, which vcontext does not descend into.
  const walk = (n: JNode, s: Shape, frame: Frame | null, quiet = false): unknown => {
    if (n.t === "null") {
      if (s.kind === "struct" || s.kind === "list") {
        result.nullMismatch.push({ path: [...path], offset: n.start });
      }
      return undefined;
    }
    switch (s.kind) {
      case "string":
        if (n.t !== "str") return typeError(n, kindOf(n), s, frame);
        return n.v;
      case "bool":
        if (n.t !== "bool") return typeError(n, kindOf(n), s, frame);
        return n.v;
      case "int": {
        if (n.t !== "num") return typeError(n, kindOf(n), s, frame);
        if (!/^-?\d+$/.test(n.raw)) return typeError(n, `number ${n.raw}`, s, frame);
        // Up to 15 characters the value is exact as a double and inside int64.
        if (n.raw.length <= 15) return Number(n.raw);
        const big = BigInt(n.raw);
        if (big < INT64_MIN || big > INT64_MAX) {
          return typeError(n, `number ${n.raw}`, s, frame);
        }
        // Go's int keeps every bit, which the rules test (a mode's setuid bits, partition ends).
        return exactInt(big);
      }
      case "list": {
        if (n.t !== "arr") return typeError(n, kindOf(n), s, frame);
        const out = new Array(n.items.length);
        for (let i = 0; i < n.items.length; i++) {
          path.push(i);
          out[i] = walk(n.items[i], s.of, frame, quiet);
          path.pop();
        }
        return out;
      }
      case "struct": {
        if (n.t !== "obj") return typeError(n, kindOf(n), s, frame);
        const out: Record<string, unknown> = {};
        for (const entry of n.entries) {
          let field = Object.hasOwn(s.fields, entry.key) ? entry.key : undefined;
          let folded = false;
          path.push(entry.key);
          if (field === undefined) {
            // A repeated key is one tree node in vcontext: one warning, at the last occurrence.
            if (!quiet) {
              const at = [...path];
              unused.set(JSON.stringify(at), { path: at, key: entry.key, offset: entry.keyStart });
            }
            field = Object.keys(s.fields).find((name) => equalFold(name, entry.key));
            folded = field !== undefined;
          }
          if (field !== undefined) {
            const childFrame: Frame = { structName: s.name, field, parent: frame };
            const v = walk(entry.value, s.fields[field], childFrame, quiet || folded);
            if (v === undefined) delete out[field];
            else out[field] = v;
          }
          path.pop();
        }
        return out;
      }
    }
  };

  const v = walk(root, shape, null);
  result.unused = [...unused.values()];
  result.value = (v && typeof v === "object" && !Array.isArray(v))
    ? v as Record<string, unknown>
    : {};
  return result;
}
