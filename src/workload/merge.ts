/**
 * Merges Butane documents with Ignition's merge keys: files, directories and links by `path` in
 * one key space, units and dropins by `name`, users and groups by `name`, lists of strings as
 * sets. Each entry keeps the layer that set it, so two workloads that set the same key
 * differently are reported by name, and the machine's own template can win over all of them.
 */
import { IagoError } from "../errors.ts";
import type { ButaneConfig } from "../types.ts";

/** One document to merge and who wrote it (`workload "postgres"`, `machines/x/butane.yaml.tmpl`). */
export interface OverlayLayer {
  source: string;
  config: ButaneConfig;
}

// List path (keys and indices left out) → the field that identifies an entry.
const LIST_KEYS: Record<string, (entry: Record<string, unknown>) => string | undefined> = {
  "storage.files": (e) => str(e.path),
  "storage.directories": (e) => str(e.path),
  "storage.links": (e) => str(e.path),
  "storage.disks": (e) => str(e.device),
  "storage.disks.partitions": (e) =>
    e.number !== undefined && e.number !== 0 ? `number:${e.number}` : `label:${str(e.label)}`,
  "storage.filesystems": (e) => str(e.device),
  "storage.raid": (e) => str(e.name),
  "storage.luks": (e) => str(e.name),
  "storage.luks.clevis.tang": (e) => str(e.url),
  "systemd.units": (e) => str(e.name),
  "systemd.units.dropins": (e) => str(e.name),
  "passwd.users": (e) => str(e.name),
  "passwd.groups": (e) => str(e.name),
  "ignition.config.merge": (e) => str(e.source),
  "ignition.security.tls.certificate_authorities": (e) => str(e.source),
};

// Files, directories and links share one key space: a path is one kind of node.
const NODE_LISTS = ["files", "directories", "links"] as const;

// Resources take their contents from one of these fields, which all become Ignition's one
// `source`: a layer that takes them from elsewhere replaces the resource whole (a hash or a
// compression belongs to the source it was given with).
const RESOURCES = new Set([
  "storage.files.contents",
  "storage.luks.key_file",
  "ignition.config.replace",
]);
const RESOURCE_SOURCES = ["inline", "local", "source"] as const;

// Units and dropins hold their text in one of these fields.
const UNIT_LISTS = new Set(["systemd.units", "systemd.units.dropins"]);
const UNIT_SOURCES = ["contents", "contents_local"] as const;

type Obj = Record<string, unknown>;

/**
 * Merges workload overlays in order, then the machine's own document over them. Returns a new
 * document; the inputs are not changed. Throws an `IagoError` naming both workloads when two of
 * them set one key to different values (unless the machine's document settles that key).
 */
export function mergeLayers(workloads: OverlayLayer[], machine?: OverlayLayer): ButaneConfig {
  return mergeLayersTracked(workloads, machine).config;
}

/** A merged document, and which layer set each part of it. */
export interface MergedDocument {
  config: ButaneConfig;
  /**
   * The layer (`source`) that set the value at `path` of the merged document (`$.storage.files.3.mode`,
   * as the Butane translator reports it), or undefined when no single layer did.
   */
  sourceOf(path: string): string | undefined;
}

/** {@link mergeLayers}, keeping who set what, so problems can name the workload that caused them. */
export function mergeLayersTracked(
  workloads: OverlayLayer[],
  machine?: OverlayLayer,
): MergedDocument {
  const merger = new Merger();
  if (machine) merger.settled = leafPaths(machine.config);
  let result: Obj = {};
  for (const layer of workloads) {
    result = merger.merge(result, layer.config as Obj, layer.source, false);
  }
  if (machine) result = merger.merge(result, machine.config as Obj, machine.source, true);
  return {
    config: result as ButaneConfig,
    sourceOf: (path) => {
      const keyPath = toKeyPath(result, path);
      return keyPath === undefined ? undefined : merger.ownerOf(keyPath);
    },
  };
}

/**
 * `$.storage.files.3.mode` → `storage.files[/etc/x].mode`: list indices become the entries' merge
 * keys. Stops at a list without keys (its items are one value to the merge).
 */
function toKeyPath(doc: Obj, path: string): string | undefined {
  const segments = path.replace(/^\$\.?/, "").split(".").filter((s) => s !== "");
  let value: unknown = doc;
  let keyPath = "";
  let listPath = "";
  for (const segment of segments) {
    if (Array.isArray(value)) {
      const keyOf = LIST_KEYS[listPath];
      const entry = value[Number(segment)];
      if (!keyOf || !isObject(entry)) break;
      keyPath = `${keyPath}[${keyOf(entry) ?? `#${segment}`}]`;
      value = entry;
    } else if (isObject(value)) {
      keyPath = keyPath ? `${keyPath}.${segment}` : segment;
      listPath = listPath ? `${listPath}.${segment}` : segment;
      value = value[segment];
    } else {
      break;
    }
  }
  return keyPath || undefined;
}

/**
 * The merge key of an entry of the list at `listPath` (`storage.files`, `systemd.units.dropins`,
 * indices left out), or undefined for a list whose entries have no key.
 */
export function entryKey(listPath: string, entry: unknown): string | undefined {
  const keyOf = LIST_KEYS[listPath] as ((e: Obj) => string | undefined) | undefined;
  return keyOf && isObject(entry) ? keyOf(entry) : undefined;
}

/** The key path of every scalar a document sets, e.g. `storage.files[/etc/hostname].mode`. */
export function leafPaths(config: ButaneConfig): Set<string> {
  const out = new Set<string>();
  walk(config, "", "", (p) => out.add(p));
  return out;
}

class Merger {
  /** Key path → the layer that set the value there. */
  readonly owners = new Map<string, string>();
  /** Key paths the machine's document sets: workloads may disagree there. */
  settled = new Set<string>();

  merge(parent: Obj, child: Obj, source: string, override: boolean): Obj {
    return this.mergeObject(parent, child, "", "", source, override);
  }

  private mergeObject(
    parent: Obj,
    child: Obj,
    keyPath: string,
    listPath: string,
    source: string,
    override: boolean,
  ): Obj {
    const out: Obj = { ...parent };
    if (listPath === "storage") this.dropReplacedNodes(out, child, keyPath, source, override);
    if (UNIT_LISTS.has(listPath)) this.dropOtherUnitText(out, child, keyPath, source, override);
    for (const [k, cv] of Object.entries(child)) {
      if (cv === undefined || cv === null) continue;
      const kp = keyPath ? `${keyPath}.${k}` : k;
      const lp = listPath ? `${listPath}.${k}` : k;
      out[k] = this.mergeValue(out[k], cv, kp, lp, source, override);
    }
    return out;
  }

  private mergeValue(
    pv: unknown,
    cv: unknown,
    keyPath: string,
    listPath: string,
    source: string,
    override: boolean,
  ): unknown {
    if (pv === undefined || pv === null) {
      this.own(cv, keyPath, listPath, source);
      return clone(cv);
    }
    if (isObject(pv) && isObject(cv)) {
      if (RESOURCES.has(listPath) && this.replacesResource(pv, cv, keyPath, source, override)) {
        this.own(cv, keyPath, listPath, source);
        return clone(cv);
      }
      return this.mergeObject(pv, cv, keyPath, listPath, source, override);
    }
    if (Array.isArray(pv) && Array.isArray(cv)) {
      return this.mergeList(pv, cv, keyPath, listPath, source, override);
    }
    if (sameValue(pv, cv)) return pv;
    this.conflict(keyPath, source, override);
    this.own(cv, keyPath, listPath, source);
    return clone(cv);
  }

  private mergeList(
    pl: unknown[],
    cl: unknown[],
    keyPath: string,
    listPath: string,
    source: string,
    override: boolean,
  ): unknown[] {
    const keyOf = LIST_KEYS[listPath];
    if (keyOf) {
      const out = [...pl];
      const index = new Map<string, number>();
      out.forEach((e, i) => isObject(e) && index.set(keyOf(e) ?? `#${i}`, i));
      for (const ce of cl) {
        if (!isObject(ce)) continue;
        const key = keyOf(ce) ?? `#${out.length}`;
        const at = index.get(key);
        const kp = `${keyPath}[${key}]`;
        if (at === undefined) {
          this.own(ce, kp, listPath, source);
          index.set(key, out.length);
          out.push(clone(ce));
        } else {
          out[at] = this.mergeObject(out[at] as Obj, ce, kp, listPath, source, override);
        }
      }
      return out;
    }
    if (cl.every(isScalar) && pl.every(isScalar)) {
      // Lists of strings (groups, SSH keys, kernel arguments) are sets.
      const out = [...pl];
      for (const v of cl) if (!out.some((p) => sameValue(p, v))) out.push(v);
      return out;
    }
    // Unkeyed lists (append, options, trees): parent items, then child items.
    this.own(cl, keyPath, listPath, source);
    return [...pl, ...clone(cl) as unknown[]];
  }

  /** A child node at a path the parent has as another kind (file vs directory) replaces it. */
  private dropReplacedNodes(
    out: Obj,
    child: Obj,
    keyPath: string,
    source: string,
    override: boolean,
  ): void {
    for (const kind of NODE_LISTS) {
      const childList = child[kind];
      if (!Array.isArray(childList)) continue;
      const paths = new Set(childList.filter(isObject).map((e) => str(e.path)));
      for (const other of NODE_LISTS) {
        if (other === kind || !Array.isArray(out[other])) continue;
        const kept = (out[other] as unknown[]).filter((e) => {
          if (!isObject(e) || !paths.has(str(e.path))) return true;
          const kp = `${keyPath}.${other}[${str(e.path)}]`;
          const settledPath = `storage.${kind}[${str(e.path)}]`;
          if (!override && !this.isSettled(settledPath)) {
            throw conflictError(
              `${keyPath ? keyPath + "." : ""}${kind}[${str(e.path)}]`,
              this.ownerOf(kp) ?? "another workload",
              source,
            );
          }
          return false;
        });
        out[other] = kept;
      }
    }
  }

  /**
   * Whether resource `child` takes its contents from elsewhere than `parent` and so replaces
   * it. Throws when two workloads take them from different fields; two values of one field
   * are left to the merge, which reports them at the field.
   */
  private replacesResource(
    parent: Obj,
    child: Obj,
    keyPath: string,
    source: string,
    override: boolean,
  ): boolean {
    const p = RESOURCE_SOURCES.find((k) => parent[k] != null);
    const c = RESOURCE_SOURCES.find((k) => child[k] != null);
    if (!p || !c || (p === c && sameValue(parent[p], child[c]))) return false;
    if (override || this.isSettled(keyPath)) return true;
    if (p === c) return false;
    throw conflictError(keyPath, this.ownerOf(keyPath) ?? "another workload", source);
  }

  /** A unit's `contents` replaces an earlier layer's `contents_local`, and the other way round. */
  private dropOtherUnitText(
    out: Obj,
    child: Obj,
    keyPath: string,
    source: string,
    override: boolean,
  ): void {
    const c = UNIT_SOURCES.find((k) => child[k] != null);
    const p = UNIT_SOURCES.find((k) => out[k] != null);
    if (!c || !p || p === c) return;
    const settled = UNIT_SOURCES.some((k) => this.isSettled(`${keyPath}.${k}`));
    if (!override && !settled) {
      throw conflictError(
        `${keyPath}.${p}`,
        this.ownerOf(`${keyPath}.${p}`) ?? "another workload",
        source,
      );
    }
    delete out[p];
  }

  private conflict(keyPath: string, source: string, override: boolean): void {
    if (override || this.settled.has(keyPath)) return;
    throw conflictError(keyPath, this.owners.get(keyPath) ?? "another workload", source);
  }

  private isSettled(prefix: string): boolean {
    for (const p of this.settled) if (p === prefix || p.startsWith(prefix + ".")) return true;
    return false;
  }

  /** The layer that set `prefix` or the first value below it. */
  ownerOf(prefix: string): string | undefined {
    for (const [p, s] of this.owners) if (p === prefix || p.startsWith(prefix + ".")) return s;
    return undefined;
  }

  private own(value: unknown, keyPath: string, listPath: string, source: string): void {
    walk(value, keyPath, listPath, (p) => this.owners.set(p, source));
  }
}

function conflictError(keyPath: string, first: string, second: string): IagoError {
  return new IagoError(`${first} and ${second} set ${keyPath} differently`, {
    hint:
      "remove it from one of them, or set it in the machine's butane.yaml.tmpl, which wins over every workload",
  });
}

/** Calls `visit` with the key path of every scalar (and scalar list) under `value`. */
function walk(
  value: unknown,
  keyPath: string,
  listPath: string,
  visit: (keyPath: string) => void,
): void {
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      walk(v, keyPath ? `${keyPath}.${k}` : k, listPath ? `${listPath}.${k}` : k, visit);
    }
  } else if (Array.isArray(value)) {
    const keyOf = LIST_KEYS[listPath];
    if (keyOf) {
      value.forEach((e, i) => {
        if (isObject(e)) walk(e, `${keyPath}[${keyOf(e) ?? `#${i}`}]`, listPath, visit);
      });
    } else {
      visit(keyPath);
    }
  } else {
    visit(keyPath);
  }
}

/** A plain object (a mapping); parsed YAML scalars are objects too, but leaves here. */
function isObject(v: unknown): v is Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isScalar(v: unknown): boolean {
  return !isObject(v) && !Array.isArray(v);
}

/** The text of a leaf: a parsed YAML scalar (`{ text }`) or a primitive value. */
function leafText(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "object" && typeof (v as { text?: unknown }).text === "string") {
    return (v as { text: string }).text;
  }
  return String(v);
}

function str(v: unknown): string {
  return leafText(v);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isScalar(a) && isScalar(b)) {
    // A parsed YAML scalar equals a value with the same text (`0644` is not 420 here: the
    // machine's document wins over workloads anyway, so only workloads are compared).
    const comparable = typeof a === typeof b || typeof a === "object" || typeof b === "object";
    return comparable && leafText(a) === leafText(b);
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => sameValue(a[k], b[k]));
  }
  return false;
}

/** Copies plain objects and arrays; leaves (including parsed YAML scalars) are shared. */
function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (isObject(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) out[k] = clone(x);
    return out as T;
  }
  return v;
}
