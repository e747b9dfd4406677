/**
 * Fields a variant forbids (butane's `config/util/filter.go`): after translation, a filtered
 * Ignition field that is set is an error at the YAML that produced it, and the config is invalid.
 */
import type { Translation } from "./translation.ts";

export interface FieldFilter {
  /** The Ignition JSON path, e.g. `storage.luks.clevis` (list items are walked). */
  readonly path: string;
  readonly message: string;
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
 * Reports every filtered field set in `config`. `filters` are in the order of Ignition's Go
 * structs, which is the order butane walks them in.
 */
export function checkFieldFilters(
  config: Record<string, unknown>,
  filters: readonly FieldFilter[],
  t: Translation,
): void {
  for (const filter of filters) {
    for (const path of setPaths(config, filter.path.split("."), [])) {
      t.report.error(t.yamlPathFor(config, path), filter.message);
    }
  }
}

/** The JSON paths along `keys` (through list items) whose value is not empty. */
function setPaths(
  node: unknown,
  keys: readonly string[],
  at: (string | number)[],
): (string | number)[][] {
  if (Array.isArray(node) && keys.length > 0) {
    return node.flatMap((item, i) => setPaths(item, keys, [...at, i]));
  }
  if (keys.length === 0) return isEmpty(node) ? [] : [at];
  if (node === null || typeof node !== "object") return [];
  const [key, ...rest] = keys;
  return setPaths((node as Record<string, unknown>)[key], rest, [...at, key]);
}

/**
 * Go's emptiness as butane's filter sees it: an absent value or an empty list or object is
 * empty; any value the user set (even `false` or `""`, Go pointers in these structs) is not.
 */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.values(value).every(isEmpty);
  return false;
}
