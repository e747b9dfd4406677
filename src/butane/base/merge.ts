/**
 * Ignition's config merge (`config/merge/merge.go`), used to lay generated fragments (mount
 * units, boot_device, grub) under the user's config: the fragment is the parent, the user's
 * config the child. Set child fields win, structs merge field by field, keyed lists merge items
 * with the same key in place and append the rest, and files/directories/links share one path
 * namespace.
 */
import { type FieldType, FULL_SCHEMA, isList, isObj, type ObjType } from "./schema.ts";
import type { Translation } from "./translation.ts";

type Obj = Record<string, unknown>;

/** Each Ignition type's fields by JSON key, collected by the first merge (most configs have none). */
let fields: Map<string, Map<string, FieldType>> | undefined;

function collectFields(t: ObjType, into: Map<string, Map<string, FieldType>>): void {
  if (into.has(t.name)) return;
  const m = new Map<string, FieldType>();
  into.set(t.name, m);
  for (const f of t.fields) {
    if (f.json === undefined) continue;
    m.set(f.json, f.type);
    const inner = isList(f.type) ? f.type.list : f.type;
    if (isObj(inner)) collectFields(inner, into);
  }
}

/** Lists whose items are appended, never matched (`IgnoreDuplicates` in Ignition). */
const CONCAT = new Set([
  "File.append",
  "Filesystem.options",
  "Filesystem.mountOptions",
  "Luks.options",
  "Raid.options",
]);

const KEYS: Record<string, (o: Obj) => string> = {
  Partition: (o) => (o.number ? `number:${o.number}` : `label:${o.label ?? ""}`),
  Disk: (o) => String(o.device ?? ""),
  Filesystem: (o) => String(o.device ?? ""),
  Raid: (o) => String(o.name ?? ""),
  Luks: (o) => String(o.name ?? ""),
  File: (o) => String(o.path ?? ""),
  Directory: (o) => String(o.path ?? ""),
  Link: (o) => String(o.path ?? ""),
  Unit: (o) => String(o.name ?? ""),
  Dropin: (o) => String(o.name ?? ""),
  Tang: (o) => String(o.url ?? ""),
  HTTPHeader: (o) => String(o.name ?? ""),
  Resource: (o) => String(o.source ?? ""),
  PasswdUser: (o) => String(o.name ?? ""),
  PasswdGroup: (o) => String(o.name ?? ""),
};

/** Merges `child` over `parent` (both Ignition configs) and returns a new config. */
export function mergeConfigs(parent: Obj, child: Obj, t: Translation): Obj {
  if (fields === undefined) {
    fields = new Map();
    collectFields(FULL_SCHEMA, fields);
  }
  return mergeObj(parent, child, FULL_SCHEMA.name, t);
}

function mergeObj(parent: Obj, child: Obj, typeName: string, t: Translation): Obj {
  const typeFields = fields!.get(typeName);
  if (typeName === "Storage") {
    parent = dropShadowedNodes(parent, child);
  }
  const out: Obj = {};
  const keys = new Set([...Object.keys(parent), ...Object.keys(child)]);
  for (const k of keys) {
    const p = parent[k];
    const c = child[k];
    if (c === undefined) {
      out[k] = p;
      // Unset in the user's entry: taken from the generated one, and reported as it would be.
      if (t.originOf(parent) !== undefined && t.originOf(child) !== undefined) {
        t.fieldSource(out, k, parent);
      }
      continue;
    }
    if (p === undefined) {
      out[k] = c;
      continue;
    }
    const type = typeFields?.get(k);
    if (type !== undefined && isObj(type)) {
      if (isEmpty(c)) out[k] = p;
      else if (isEmpty(p)) out[k] = c;
      else out[k] = mergeObj(p as Obj, c as Obj, type.name, t);
    } else if (type !== undefined && isList(type)) {
      out[k] = mergeList(p as unknown[], c as unknown[], type.list, `${typeName}.${k}`, t);
    } else {
      out[k] = c;
    }
  }
  const from = t.originOf(child) !== undefined ? child : parent;
  const origin = t.originOf(from);
  if (origin !== undefined) t.origin(out, origin, t.isWhole(from));
  return out;
}

function mergeList(
  p: unknown[],
  c: unknown[],
  item: FieldType,
  where: string,
  t: Translation,
): unknown[] {
  if (CONCAT.has(where)) return [...p, ...c];
  const keyOf = isObj(item) ? KEYS[item.name] : (v: unknown) => String(v);
  if (!keyOf) return [...p, ...c];
  const childByKey = new Map<string, unknown>();
  for (const v of c) childByKey.set(keyOf(v as Obj), v);
  const used = new Set<string>();
  const out: unknown[] = p.map((v) => {
    const key = keyOf(v as Obj);
    const match = childByKey.get(key);
    if (match === undefined) return v;
    used.add(key);
    return isObj(item) ? mergeObj(v as Obj, match as Obj, item.name, t) : match;
  });
  for (const v of c) if (!used.has(keyOf(v as Obj))) out.push(v);
  return out;
}

/** A parent file/directory/link is dropped when the child declares its path in another list. */
function dropShadowedNodes(parent: Obj, child: Obj): Obj {
  const lists = ["files", "directories", "links"];
  const out = { ...parent };
  for (const list of lists) {
    const items = parent[list] as Obj[] | undefined;
    if (!items) continue;
    const elsewhere = new Set<string>();
    for (const other of lists) {
      if (other === list) continue;
      for (const n of (child[other] ?? []) as Obj[]) elsewhere.add(String(n.path ?? ""));
    }
    out[list] = items.filter((n) => !elsewhere.has(String(n.path ?? "")));
  }
  return out;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") return Object.values(v as Obj).every(isEmpty);
  return false;
}
