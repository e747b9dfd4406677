/**
 * Fields a variant forbids (butane's `config/util/filter.go`): after translation, a filtered
 * Ignition field that is set is an error at the YAML that produced it, and the config is invalid.
 */
import { type FieldType, FULL_SCHEMA, isList, isObj } from "./schema.ts";
import type { Translation } from "./translation.ts";

export interface FieldFilter {
  /** The Ignition JSON path, e.g. `storage.luks.clevis` (list items are walked). */
  readonly path: string;
  readonly message: string;
  /** A zero value (`""`, 0, false) counts as unset (butane's `NewFiltersIgnoreZero`). */
  readonly ignoreZero?: boolean;
}

export const CLEVIS_UNSUPPORTED = "clevis is not supported in this spec version";
export const CEX_UNSUPPORTED = "cex is not currently supported on the target platform";

/** What r4e and fiot forbid: they run on a pre-built disk image. */
export const IMAGE_BASED_FILTERS: readonly FieldFilter[] = [
  {
    path: "kernelArguments",
    message: "kernel argument customization is not supported in this spec version",
  },
  { path: "storage.disks", message: "disk customization is not supported in this spec version" },
  {
    path: "storage.filesystems",
    message: "filesystem customization is not supported in this spec version",
  },
  { path: "storage.luks", message: "luks is not supported in this spec version" },
  { path: "storage.raid", message: "raid is not supported in this spec version" },
];

/**
 * Reports every filtered field set in `config`, in the order butane's filter walks Ignition's Go
 * structs: field by field in struct order, each list item whole before the next.
 */
export function checkFieldFilters(
  config: Record<string, unknown>,
  filters: readonly FieldFilter[],
  t: Translation,
): void {
  const byPath = new Map(filters.map((f) => [f.path, f]));
  walk(config, FULL_SCHEMA, "", [], byPath, config, t);
}

function walk(
  node: unknown,
  type: FieldType,
  filterPath: string,
  at: (string | number)[],
  filters: ReadonlyMap<string, FieldFilter>,
  config: Record<string, unknown>,
  t: Translation,
): void {
  if (node === null || typeof node !== "object") return;
  if (isList(type)) {
    (node as unknown[]).forEach((item, i) =>
      walk(item, type.list, filterPath, [...at, i], filters, config, t)
    );
    return;
  }
  if (!isObj(type)) return;
  for (const f of type.fields) {
    if (f.json === undefined) continue;
    const path = filterPath ? `${filterPath}.${f.json}` : f.json;
    const value = (node as Record<string, unknown>)[f.json];
    const filter = filters.get(path);
    if (filter) {
      if (!isEmpty(value, filter.ignoreZero)) {
        t.report.error(t.yamlPathFor(config, [...at, f.json]), filter.message);
      }
    } else {
      walk(value, f.type, path, [...at, f.json], filters, config, t);
    }
  }
}

/**
 * Go's emptiness as butane's filter sees it: an absent value or an empty list or object is
 * empty; any value the user set (even `false` or `""`, Go pointers in these structs) is not,
 * unless the filter ignores zero values.
 */
function isEmpty(value: unknown, ignoreZero = false): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.values(value).every((v) => isEmpty(v));
  return ignoreZero && (value === "" || value === 0 || value === false);
}
