/**
 * The state one translation carries: the report, the files directory, and where each generated
 * Ignition object came from in the YAML (so Ignition's findings can be reported at the line the
 * user wrote, even after merges moved the object).
 */
import { camelKey, type FieldType, FULL_SCHEMA, isList, isObj, snakeKey } from "./schema.ts";
import type { Report } from "../report.ts";

export class Translation {
  private readonly origins = new WeakMap<object, string>();
  /** Generated objects whose every part maps to their origin (butane's AddFromCommonSource). */
  private readonly whole = new WeakSet<object>();
  /** Per-item origins of lists of strings that came from several places (SSH keys). */
  private readonly itemOrigins = new WeakMap<object, string[]>();
  /** Fields whose YAML path is fixed, whatever their own key (butane's explicit translations). */
  private readonly fieldOrigins = new WeakMap<object, Map<string, string>>();
  /**
   * Fields a merged object took from the generated object it was merged with (the user's entry
   * left them unset): they keep mapping the way that object's do, as butane's merge keeps the
   * translations of what it takes from each side.
   */
  private readonly fieldSources = new WeakMap<object, Map<string, object>>();

  /** Contents become `data:,` URLs only, as in fcos 1.0 (`FcosSpec.escapedDataUrls`). */
  escapedDataUrls = false;
  /** Contents are never gzipped, as openshift 4.8 and 4.9 ask (the MCO could not read them). */
  noAutoCompression = false;

  constructor(
    readonly report: Report,
    /** Directory for `local`, `contents_local`, `ssh_authorized_keys_local` and trees. */
    readonly filesDir: string | undefined,
    /** The files directory as the user gave it, for messages (butane names files that way). */
    readonly filesDirShown: string | undefined = filesDir,
    /** Refuse local files whose real path is outside `filesDir` (`iago ignite`). */
    readonly localFilesInside = false,
  ) {}

  /**
   * Records that Ignition object `obj` was produced from the YAML at `yamlPath`. `whole` marks
   * a generated object: findings anywhere inside it are reported at `yamlPath` itself, as butane
   * reports them (the YAML has no keys below that for the generated fields).
   */
  origin(obj: object, yamlPath: string, whole = false): void {
    this.origins.set(obj, yamlPath);
    if (whole) this.whole.add(obj);
    else this.whole.delete(obj);
  }

  originOf(obj: object): string | undefined {
    return this.origins.get(obj);
  }

  /** Whether `obj` was recorded as a generated object (`origin(..., whole = true)`). */
  isWhole(obj: object): boolean {
    return this.whole.has(obj);
  }

  /** Records that findings at field `key` of `obj` belong at `yamlPath`. */
  fieldOrigin(obj: object, key: string, yamlPath: string): void {
    let m = this.fieldOrigins.get(obj);
    if (!m) this.fieldOrigins.set(obj, m = new Map());
    m.set(key, yamlPath);
  }

  /** Records that field `key` of the merged `obj` came from `source`. */
  fieldSource(obj: object, key: string, source: object): void {
    let m = this.fieldSources.get(obj);
    if (!m) this.fieldSources.set(obj, m = new Map());
    m.set(key, source);
  }

  /** Records where each item of a list of scalars came from. */
  itemOrigin(list: unknown[], yamlPaths: string[]): void {
    this.itemOrigins.set(list, yamlPaths);
  }

  /**
   * The YAML path for a JSON path in the final config: the deepest object on the way that has a
   * recorded origin, then the rest of the path in snake_case (butane's own fallback).
   */
  yamlPathFor(config: Record<string, unknown>, jsonPath: readonly (string | number)[]): string {
    let best = "$";
    let bestDepth = 0;
    let bestWhole = false;
    let node: unknown = config;
    for (let i = 0; i < jsonPath.length; i++) {
      if (node === null || typeof node !== "object") break;
      const items = this.itemOrigins.get(node);
      if (items && typeof jsonPath[i] === "number" && items[jsonPath[i] as number]) {
        best = items[jsonPath[i] as number];
        bestDepth = i + 1;
        bestWhole = false;
      }
      const key = String(jsonPath[i]);
      const source = this.fieldSources.get(node)?.get(key);
      if (source !== undefined) {
        // Resolve the rest as the generated object it came from would.
        node = source;
        const o = this.origins.get(source);
        if (o !== undefined) {
          best = o;
          bestDepth = i;
          bestWhole = this.whole.has(source);
          if (bestWhole) return best;
        }
      }
      const fixed = this.fieldOrigins.get(node as object)?.get(key);
      if (fixed !== undefined) return fixed;
      node = (node as Record<string | number, unknown>)[jsonPath[i]];
      if (node !== null && typeof node === "object") {
        const o = this.origins.get(node);
        if (o !== undefined) {
          best = o;
          bestDepth = i + 1;
          bestWhole = this.whole.has(node);
        }
      }
    }
    if (bestWhole) return best;
    let out = best;
    for (const seg of jsonPath.slice(bestDepth)) {
      out += "." + (typeof seg === "number" ? seg : yamlKeyOf(seg));
    }
    return out;
  }
}

/** Each Ignition key's Butane key, collected by the first finding that needs one. */
let yamlKeys: Map<string, string> | undefined;

function collectYamlKeys(t: FieldType, seen: Set<object>, keys: Map<string, string>): void {
  if (isList(t)) return collectYamlKeys(t.list, seen, keys);
  if (!isObj(t) || seen.has(t)) return;
  seen.add(t);
  for (const f of t.fields) {
    if (f.json !== undefined && camelKey(f.yaml) === f.json) keys.set(f.json, f.yaml);
    collectYamlKeys(f.type, seen, keys);
  }
}

function yamlKeyOf(jsonKey: string): string {
  if (yamlKeys === undefined) {
    yamlKeys = new Map();
    collectYamlKeys(FULL_SCHEMA, new Set(), yamlKeys);
  }
  return yamlKeys.get(jsonKey) ?? snakeKey(jsonKey);
}
