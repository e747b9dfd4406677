/**
 * Ignition JSON exactly as butane writes it (github.com/clarketm/json): keys in the Go struct
 * order of Ignition's schema, empty lists and zero structs left out, Go's string escaping
 * (`<` → `\u003c`, `\b` → `\u0008`, lone surrogates → `\ufffd`), compact or 2-space indented.
 */
import { type FieldType, FULL_SCHEMA, isList, isObj, type ObjType } from "./base/schema.ts";

interface Slot {
  key: string;
  type?: FieldType;
  omitZero?: boolean;
}

/** Each Ignition type's fields in JSON order, by its name (made when first written). */
const ORDER = new Map<string, Slot[]>();

function slotsOf(t: ObjType): Slot[] {
  let slots = ORDER.get(t.name);
  if (slots === undefined) {
    slots = [];
    for (const f of t.fields) {
      if (f.json !== undefined) slots.push({ key: f.json, type: f.type, omitZero: f.omitZero });
    }
    if (t.name === "Ignition") slots.push({ key: "version", type: "string" });
    ORDER.set(t.name, slots);
  }
  return slots;
}

/** The Ignition JSON text of `config` (no trailing newline); `pretty` indents by 2 spaces. */
export function serializeIgnition(config: Record<string, unknown>, pretty = false): string {
  const version = (config.ignition as Record<string, unknown> | undefined)?.version;
  return write(config, FULL_SCHEMA, pretty ? "\n" : "", version as string | undefined) ?? "{}";
}

/**
 * Spec 3.2.0's pointer structs (`*Clevis`, `*Custom`): once set they are written even when
 * empty (`"clevis":{}`), and a Custom's `config` and `pin`, plain strings there, as `""`.
 */
const POINTER_STRUCTS_3_2 = new Set(["Clevis", "ClevisCustom"]);
const CUSTOM_STRINGS_3_2 = new Set(["config", "pin"]);

/**
 * `spec`: the Ignition version. 3.0.0's `ConfigReference.Source` is a `*string` without
 * `omitempty`: a merge/replace entry without a source says `"source":null` (an empty replace is
 * still left out); 3.2.0 has pointer structs ({@link POINTER_STRUCTS_3_2}).
 */
function write(
  value: unknown,
  type: FieldType | undefined,
  nl: string,
  spec: string | undefined,
  nullSource = false,
  listItem = false,
): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return quote(value);
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  const inner = nl === "" ? "" : nl + "  ";
  const sep = nl === "" ? ":" : ": ";
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    const itemType = type !== undefined && isList(type) ? type.list : undefined;
    const parts: string[] = [];
    for (const v of value) {
      parts.push(write(v, itemType, inner, spec, nullSource, true) ?? zeroText(itemType));
    }
    return `[${inner}${parts.join("," + inner)}${nl}]`;
  }
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const name = type !== undefined && isObj(type) ? type.name : undefined;
    const slots = name === undefined ? undefined : slotsOf(type as ObjType);
    const pointer = spec === "3.2.0" && name !== undefined && POINTER_STRUCTS_3_2.has(name);
    const parts: string[] = [];
    const seen = new Set<string>();
    if (slots) {
      for (const s of slots) {
        seen.add(s.key);
        const v = pointer && name === "ClevisCustom" && CUSTOM_STRINGS_3_2.has(s.key)
          ? obj[s.key] ?? ""
          : obj[s.key];
        if (s.omitZero && (v === 0 || v === "")) continue;
        const refs = spec === "3.0.0" && name === "IgnitionConfig";
        const text = write(v, s.type, inner, spec, refs);
        if (text !== undefined) parts.push(quote(s.key) + sep + text);
      }
    }
    if (nullSource && obj.source === undefined && (parts.length > 0 || listItem)) {
      parts.unshift(quote("source") + sep + "null");
    }
    for (const k of Object.keys(obj)) {
      if (seen.has(k)) continue;
      const text = write(obj[k], undefined, inner, spec);
      if (text !== undefined) parts.push(quote(k) + sep + text);
    }
    if (parts.length === 0) return pointer ? "{}" : undefined;
    return `{${inner}${parts.join("," + inner)}${nl}}`;
  }
  return undefined;
}

function zeroText(t: FieldType | undefined): string {
  if (t === "string") return '""';
  if (t === "int") return "0";
  if (t === "bool") return "false";
  return t !== undefined && isList(t) ? "null" : "{}";
}

// deno-lint-ignore no-control-regex
const SPECIAL = /[\u0000-\u001f"\\<>&\u2028\u2029\ud800-\udfff]/;

/** A JSON string literal with Go encoding/json's escaping. */
export function quote(s: string): string {
  if (!SPECIAL.test(s)) return `"${s}"`;
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c < 0x20) {
      rep = c === 10 ? "\\n" : c === 13 ? "\\r" : c === 9 ? "\\t" : `\\u00${hex2(c)}`;
    } else if (c === 0x22) rep = '\\"';
    else if (c === 0x5c) rep = "\\\\";
    else if (c === 0x3c) rep = "\\u003c";
    else if (c === 0x3e) rep = "\\u003e";
    else if (c === 0x26) rep = "\\u0026";
    else if (c === 0x2028) rep = "\\u2028";
    else if (c === 0x2029) rep = "\\u2029";
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      rep = "\\ufffd";
    } else if (c >= 0xdc00 && c <= 0xdfff) rep = "\\ufffd";
    if (rep !== undefined) {
      out += s.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

function hex2(c: number): string {
  return c.toString(16).padStart(2, "0");
}
