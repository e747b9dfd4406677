/**
 * Decodes a YAML tree (or plain data) against a spec version's schema into a typed Butane
 * document keyed by YAML names, the way yaml.v3 fills butane's Go structs: type errors are fatal
 * (`cannot unmarshal !!str \`x\` into int`), keys the version does not know are `Unused key`
 * warnings. Paths are built only when something is reported.
 */
import { type FieldType, isList, isMap, isObj, type ObjType } from "./base/schema.ts";
import type { Report } from "./report.ts";
import { type Pos, YMap, YScalar, YSeq } from "./yaml.ts";
import { goParseInt } from "./goyaml/compose.ts";

/** A decoded Butane document or sub-object: YAML keys to typed values. */
export type Doc = { [key: string]: DocValue };
/** Ints past 2^53 are bigints: Go's int64 keeps them exact, and so does the JSON written. */
export type DocValue = string | number | bigint | boolean | Uint8Array | Doc | DocValue[];

export interface DecodeContext {
  report: Report;
  /** True once a type error made the document undecodable. */
  failed: boolean;
  /** True when some key is unknown to the schema (reported by `reportUnusedKeys`). */
  unused?: boolean;
  /** The Go package of butane's structs for this version (`v0_5`), for type-error messages. */
  goPackage: string;
  /** The Go package of the fcos-only structs (`v1_5`), likewise. */
  fcosPackage?: string;
  /**
   * When set, type errors are collected here as yaml.v3 words them (`line 6: cannot unmarshal
   * ...`), for butane's one `yaml: unmarshal errors:` block, instead of as report entries.
   */
  typeErrors?: string[];
}

const BOOL_TRUE = new Set(["true", "True", "TRUE"]);
const BOOL_FALSE = new Set(["false", "False", "FALSE"]);
const WORD_TRUE = new Set(["y", "Y", "yes", "Yes", "YES", "on", "On", "ON"]);
const WORD_FALSE = new Set(["n", "N", "no", "No", "NO", "off", "Off", "OFF"]);

/**
 * A failure yaml.v3 raises with `failf` while decoding: it ends the decode, and butane prints
 * it alone (`yaml: cannot decode !!str \`x\` as a !!bool`).
 */
export class DecodeFatal extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecodeFatal";
  }
}

/** The path of the value being decoded, as segments (joined only for the report). */
type Path = (string | number)[];

function pathText(path: Path): string {
  return path.length === 0 ? "$" : "$." + path.join(".");
}

/** Decodes `value` as an object of type `schema`; returns undefined for null/absent. */
export function decodeObject(schema: ObjType, value: unknown, ctx: DecodeContext): Doc | undefined {
  return decodeValue(schema, value, [], ctx) as Doc | undefined;
}

/** Go's names for a value's type where butane's struct names it (see `namedGoTypes`). */
interface GoNames {
  /** The value's own type, e.g. `v0_5.HTTPHeaders` or `v0_1.FileContents`. */
  self?: string;
  /** A list's item type, e.g. `v0_5.SSHAuthorizedKey`. */
  item?: string;
}

function decodeValue(
  type: FieldType,
  value: unknown,
  path: Path,
  ctx: DecodeContext,
  names: GoNames = {},
): DocValue | undefined {
  if (value === null || value === undefined) return undefined;
  // yaml.v3 checks a mapping's keys for repeats before anything else, whatever it decodes into.
  if (value instanceof YMap && value.duplicates) {
    for (const d of value.duplicates) pushTypeError(d.message, path, ctx);
    return undefined;
  }
  if (value instanceof YScalar && value.tag !== undefined) checkTag(value);
  if (type === "string") return decodeString(value, path, ctx, names.self);
  if (type === "bytes") return decodeBytes(value, path, ctx);
  if (type === "int") return decodeInt(value, path, ctx);
  if (type === "bool") return decodeBool(value, path, ctx);
  if (isList(type)) {
    let items: unknown[];
    if (value instanceof YSeq && value.leafPos.size > 0) ctx.unused = true;
    if (value instanceof YSeq) items = value.items;
    else if (Array.isArray(value)) items = value;
    else {
      return typeError(value, names.self ?? `[]${names.item ?? goName(type.list, ctx)}`, path, ctx);
    }
    const out: DocValue[] = [];
    for (let i = 0; i < items.length; i++) {
      path.push(i);
      const v = decodeValue(type.list, items[i], path, ctx, { self: names.item });
      path.pop();
      // yaml.v3 drops a null item of a list of structs, strings, ints or bools (every butane
      // list): its `null()` cannot set those kinds, so the item is not appended.
      if (v !== undefined) out.push(v);
    }
    return out;
  }
  if (isMap(type)) {
    if (!(value instanceof YMap) && !isPlainObject(value)) {
      return typeError(value, goName(type, ctx), path, ctx);
    }
    const out: Doc = {};
    for (const [key, v] of value instanceof YMap ? value.entries : Object.entries(value)) {
      // yaml.v3 cannot decode a null key into a string, and a merge key's entries are in the
      // map already: neither is stored.
      if (value instanceof YMap && (value.nullKeys.has(key) || (key === "<<" && value.mergeKey))) {
        continue;
      }
      path.push(key);
      // yaml.v3 stores a null value as the zero value (`""`) under its key.
      const decoded = v === null ? zeroOf(type.map) : decodeValue(type.map, v, path, ctx);
      if (decoded !== undefined) out[key] = decoded;
      path.pop();
    }
    return out;
  }
  if (isObj(type)) {
    // Nulls and aliases get butane's context-tree warning in the unused-keys walk.
    if (value instanceof YMap && value.leafPos.size > 0) ctx.unused = true;
    const out: Doc = {};
    const entries: Iterable<[string, unknown]> | undefined = value instanceof YMap
      ? value.entries
      : isPlainObject(value)
      ? Object.entries(value)
      : undefined;
    if (entries) {
      for (const [key, v] of entries) {
        if (value instanceof YMap) {
          const bad = value.collectionKeys?.get(key);
          if (bad) {
            pushTypeError(`line ${bad.line}: cannot unmarshal ${bad.tag} into string`, path, ctx);
            continue;
          }
          // The mapping's own keys are decoded before what `<<` merges in, and a `<<` of
          // something that is not a mapping fails there.
          if (value.badMerge && value.merged?.has(key)) break;
        }
        path.push(key);
        const field = type.fields.find((fl) => fl.yaml === key);
        if (!field) ctx.unused = true;
        else {
          const named = namedGoTypes(`${type.name}.${key}`, ctx.goPackage);
          const decoded = decodeValue(field.type, v, path, ctx, named);
          if (decoded !== undefined) out[key] = decoded;
        }
        path.pop();
      }
      if (value instanceof YMap && value.badMerge) throw new DecodeFatal(BAD_MERGE);
      return out;
    }
    return typeError(value, names.self ?? goName(type, ctx), path, ctx);
  }
  return undefined;
}

/**
 * Fields whose Go type has its own name in butane's base package (a named string or slice, or
 * fcos 1.0's per-use resource structs), with the packages that name it so.
 */
const NAMED: Record<string, { self?: string; item?: string; in: RegExp }> = {
  "PasswdUser.ssh_authorized_keys": { item: "SSHAuthorizedKey", in: /./ },
  "PasswdUser.groups": { item: "Group", in: /./ },
  "Raid.devices": { item: "Device", in: /./ },
  "Raid.options": { item: "RaidOption", in: /^v0_[1-4]$/ },
  "Filesystem.options": { item: "FilesystemOption", in: /^v0_1$/ },
  "Luks.options": { item: "LuksOption", in: /^v0_[34]$/ },
  "KernelArguments.should_exist": { item: "KernelArgument", in: /./ },
  "KernelArguments.should_not_exist": { item: "KernelArgument", in: /./ },
  "Resource.http_headers": { self: "HTTPHeaders", in: /./ },
  "File.contents": { self: "FileContents", in: /^v0_1$/ },
  "File.append": { item: "FileContents", in: /^v0_1$/ },
  "IgnitionConfig.merge": { item: "ConfigReference", in: /^v0_1$/ },
  "IgnitionConfig.replace": { self: "ConfigReference", in: /^v0_1$/ },
  "TLS.certificate_authorities": { item: "CaReference", in: /^v0_1$/ },
};

function namedGoTypes(field: string, pkg: string): GoNames {
  const n = NAMED[field];
  if (!n || !n.in.test(pkg)) return {};
  return {
    self: n.self && `${pkg}.${n.self}`,
    item: n.item && `${pkg}.${n.item}`,
  };
}

function decodeString(
  value: unknown,
  path: Path,
  ctx: DecodeContext,
  goType = "string",
): string | undefined {
  if (value instanceof YScalar) return value.text;
  if (typeof value === "string") return value;
  return typeError(value, goType, path, ctx);
}

const encoder = new TextEncoder();
const keepBom = new TextDecoder("utf-8", { ignoreBOM: true });

/** A string field used as bytes: `!!binary` contents as they are, text as UTF-8. */
function decodeBytes(value: unknown, path: Path, ctx: DecodeContext): Uint8Array | undefined {
  if (value instanceof YScalar) return value.bytes ?? encoder.encode(value.text);
  if (typeof value === "string") return encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  return typeError(value, "string", path, ctx);
}

function decodeInt(value: unknown, path: Path, ctx: DecodeContext): number | bigint | undefined {
  if (typeof value === "number") {
    return Number.isInteger(value) ? value : typeError(value, "int", path, ctx);
  }
  if (value instanceof YScalar && value.plain) {
    const n = parseYamlInt(value.text, value.tag === "!!float");
    if (n !== undefined) return n;
  }
  return typeError(value, "int", path, ctx);
}

function decodeBool(value: unknown, path: Path, ctx: DecodeContext): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value instanceof YScalar) {
    // true/false are YAML booleans only when plain; yaml.v3 takes the YAML 1.1 words (yes, on,
    // y, ...) from any string, quoted or not.
    if (value.plain && BOOL_TRUE.has(value.text)) return true;
    if (value.plain && BOOL_FALSE.has(value.text)) return false;
    if (WORD_TRUE.has(value.text)) return true;
    if (WORD_FALSE.has(value.text)) return false;
  }
  return typeError(value, "bool", path, ctx);
}

/** What yaml.v3's `resolve` makes of a plain scalar: its tag and, for numbers, the value. */
function resolvePlain(text: string): { tag: string; num?: number; big?: bigint } {
  if (BOOL_TRUE.has(text) || BOOL_FALSE.has(text)) return { tag: "!!bool" };
  if (SPECIAL_FLOATS.has(text)) return { tag: "!!float", num: SPECIAL_FLOATS.get(text) };
  const first = text.charAt(0);
  if (first === ".") {
    // Go's ParseFloat on the text as written (underscores are not digit separators there).
    return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text)
      ? { tag: "!!float", num: Number(text) }
      : { tag: "!!str" };
  }
  if (!/^[-+0-9]$/.test(first)) return { tag: "!!str" };
  const t = text.replaceAll("_", "");
  // strconv.ParseInt(t, 0, 64), else ParseUint: past both, the text is read as a float.
  const v = goParseInt(t);
  if (v !== undefined) {
    // An int field takes int64: a uint64 past it is the type error yaml.v3 gives.
    if (v > 2n ** 63n - 1n) return { tag: "!!int" };
    return { tag: "!!int", num: Number(v), big: v };
  }
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(t)) {
    const n = Number(t);
    // ParseFloat fails on overflow, and yaml.v3 then keeps the text as a string.
    return Number.isFinite(n) ? { tag: "!!float", num: n } : { tag: "!!str" };
  }
  return { tag: "!!str" };
}

const SPECIAL_FLOATS = new Map<string, number>([
  ...[".nan", ".NaN", ".NAN"].map((s): [string, number] => [s, NaN]),
  ...[".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].map((s): [string, number] => [
    s,
    Infinity,
  ]),
  ...["-.inf", "-.Inf", "-.INF"].map((s): [string, number] => [s, -Infinity]),
]);

/**
 * yaml.v3's reading of a plain scalar into an int field: YAML 1.1 octal (`0644`), `0o`/`0x`/`0b`
 * in either case, `_` separators, and floats truncated toward zero (`420.0`, `1e3`, `1.5` → 1).
 * `asFloat` (a `!!float` tag) makes an int a float64 first, as yaml.v3 does, so one past 2^53
 * loses its low bits. Returns undefined where yaml.v3 reports a type error.
 */
export function parseYamlInt(text: string, asFloat = false): number | bigint | undefined {
  const { tag, num, big } = resolvePlain(text);
  if (num === undefined || (tag !== "!!int" && tag !== "!!float")) return undefined;
  let v: bigint;
  if (tag === "!!int" && !asFloat) v = big!;
  else {
    // Go's int64(f) for a float up to MaxInt64 (2^63 as a float64); past int64 the amd64
    // conversion gives MinInt64, which is what butane then writes.
    if (!(num <= 2 ** 63)) return undefined;
    v = num >= 2 ** 63 || num < -(2 ** 63) ? -(2n ** 63n) : BigInt(Math.trunc(num));
  }
  return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The YAML tag yaml.v3 would resolve for a value, for its type-error message. */
function yamlTag(value: unknown): string {
  if ((value instanceof YMap || value instanceof YSeq) && value.tag !== undefined) return value.tag;
  if (value instanceof YMap || isPlainObject(value)) return "!!map";
  if (value instanceof YSeq || Array.isArray(value)) return "!!seq";
  if (typeof value === "number") return Number.isInteger(value) ? "!!int" : "!!float";
  if (typeof value === "boolean") return "!!bool";
  if (value instanceof YScalar && value.tag !== undefined) return value.tag;
  if (value instanceof YScalar && value.plain) return resolvePlain(value.text).tag;
  return "!!str";
}

/** yaml.v3's `cannot unmarshal !!str \`x\` into int` for `value`. */
export function unmarshalMessage(value: unknown, into: string): string {
  const tag = yamlTag(value);
  const shown = tag === "!!map" || tag === "!!seq"
    ? tag
    : `${tag} \`${
      value instanceof YScalar
        ? shorten(value.written ?? value.text)
        // A tagged collection has no text of its own.
        : value instanceof YMap || value instanceof YSeq
        ? ""
        : String(value)
    }\``;
  return `cannot unmarshal ${shown} into ${into}`;
}

function typeError(value: unknown, into: string, path: Path, ctx: DecodeContext): undefined {
  const message = unmarshalMessage(value, into);
  if (
    ctx.typeErrors && (value instanceof YScalar || value instanceof YMap || value instanceof YSeq)
  ) {
    ctx.typeErrors.push(`line ${value.pos.line}: ${message}`);
  } else ctx.report.error(pathText(path), message);
  ctx.failed = true;
  return undefined;
}

/** A type error yaml.v3 words with its line already (`line 5: ...`). */
function pushTypeError(lineMessage: string, path: Path, ctx: DecodeContext): void {
  if (ctx.typeErrors) ctx.typeErrors.push(lineMessage);
  else ctx.report.error(pathText(path), lineMessage.replace(/^line \d+: /, ""));
  ctx.failed = true;
}

export const BAD_MERGE = "yaml: map merge requires map or sequence of maps as the value";

/** Go's `value[:7] + "..."` past 10 bytes. */
function shorten(s: string): string {
  const bytes = encoder.encode(s);
  return bytes.length > 10 ? keepBom.decode(bytes.subarray(0, 7)) + "..." : s;
}

/**
 * yaml.v3's `resolve` for an explicitly tagged scalar: its text must be what the tag says
 * (`!!int 7`, not `!!int x`), else the decode fails; `!!binary` must be base64.
 */
export function checkTag(value: YScalar): void {
  const tag = value.tag!;
  if (tag === "!!binary") {
    if (!value.bytes) throw new DecodeFatal("yaml: !!binary value contains invalid base64 data");
    return;
  }
  if (!["!!bool", "!!int", "!!float", "!!null", "!!timestamp"].includes(tag)) return;
  const got = resolvePlain(value.text);
  // An int64 becomes a float64 under `!!float`; a uint64 (past int64) does not.
  if (got.tag === tag || (tag === "!!float" && got.tag === "!!int" && got.num !== undefined)) {
    return;
  }
  throw new DecodeFatal(`yaml: cannot decode ${got.tag} \`${value.text}\` as a ${tag}`);
}

/** Structs butane defines in the fcos package rather than in base. */
const FCOS_TYPES = new Set([
  "Config",
  "BootDevice",
  "BootDeviceLuks",
  "BootDeviceMirror",
  "Grub",
  "GrubUser",
]);

/** The Go zero value of a scalar type, which yaml.v3 stores for a null map value. */
function zeroOf(t: FieldType): DocValue | undefined {
  if (t === "string" || t === "bytes") return "";
  if (t === "int") return 0;
  if (t === "bool") return false;
  return undefined;
}

function goName(t: FieldType, ctx: DecodeContext): string {
  if (t === "bytes") return "string";
  if (typeof t === "string") return t;
  if (isList(t)) return `[]${goName(t.list, ctx)}`;
  if (isMap(t)) return `map[string]${goName(t.map, ctx)}`;
  if (t.goPackage) return `${t.goPackage}.${t.name}`;
  if (FCOS_TYPES.has(t.name)) return `${ctx.fcosPackage ?? ctx.goPackage}.${t.name}`;
  // base v0_3 (fcos 1.2, 1.3) called ClevisCustom just Custom.
  if (t.name === "ClevisCustom" && ctx.goPackage === "v0_3") return "v0_3.Custom";
  return `${ctx.goPackage}.${t.name}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof YScalar) &&
    !(v instanceof YMap) && !(v instanceof YSeq) && !(v instanceof Uint8Array);
}

/**
 * Reports keys the schema does not know as `Unused key` warnings, in the order butane's
 * vcontext walk finds them: a mapping's own unknown keys first, then its known fields in the
 * order of the Go struct.
 */
export function reportUnusedKeys(
  schema: ObjType,
  value: unknown,
  report: Report,
  goPackage = "",
): void {
  walkUnused(schema, value, [], report, POINTER_STRUCTS[goPackage] ?? new Set());
}

/** Struct fields that are pointers in a base package: a null there is no struct to check. */
const POINTER_STRUCTS: Record<string, Set<string>> = { v0_3: new Set(["clevis", "custom"]) };

const CONTEXT_MISMATCH = (path: string) =>
  `context tree does not match content tree at ${path}. Line and column reporting may be inconsistent. Unused keys may not be reported.`;

/**
 * A null or alias where butane's context tree has a leaf: a struct there gets its warning
 * (vcontext cannot look for unused keys), and nothing below it is looked at.
 */
function leaf(
  type: FieldType,
  at: Pos | undefined,
  path: Path,
  report: Report,
  nilPointer = false,
): boolean {
  if (!at) return false;
  if (isObj(type) && !nilPointer) {
    const p = pathText(path);
    report.warnAt(p, CONTEXT_MISMATCH(p), at);
  }
  return true;
}

function walkUnused(
  type: FieldType,
  value: unknown,
  path: Path,
  report: Report,
  pointers: Set<string>,
): void {
  if (isList(type)) {
    const items = value instanceof YSeq ? value.items : Array.isArray(value) ? value : [];
    // vcontext pairs the decoded list (nulls dropped) with the YAML items by index, so after
    // a null every decoded item is checked against the YAML item before it.
    const decoded = items.filter((item) => item !== null && item !== undefined).length;
    for (let i = 0; i < decoded; i++) {
      path.push(i);
      const at = value instanceof YSeq ? value.leafPos.get(i) : undefined;
      if (!leaf(type.list, at, path, report)) {
        walkUnused(type.list, items[i], path, report, pointers);
      }
      path.pop();
    }
    return;
  }
  if (!isObj(type)) return;
  const entries = value instanceof YMap
    ? value.entries
    : isPlainObject(value)
    ? new Map(Object.entries(value))
    : undefined;
  if (!entries) return;
  // Merged keys are not in butane's context tree: it neither reports nor walks them.
  const merged = value instanceof YMap ? value.merged : undefined;
  for (const key of entries.keys()) {
    if (merged?.has(key) || type.fields.some((f) => f.yaml === key)) continue;
    path.push(key);
    report.warnAtKey(pathText(path), `Unused key ${key}`);
    path.pop();
  }
  for (const f of type.fields) {
    if (typeof f.type === "string" || !entries.has(f.yaml) || merged?.has(f.yaml)) continue;
    path.push(f.yaml);
    const at = value instanceof YMap ? value.leafPos.get(f.yaml) : undefined;
    const nilPointer = pointers.has(f.yaml) && entries.get(f.yaml) === null;
    if (!leaf(f.type, at, path, report, nilPointer)) {
      walkUnused(f.type, entries.get(f.yaml), path, report, pointers);
    }
    path.pop();
  }
}
