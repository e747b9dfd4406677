/**
 * The Butane → Ignition pipeline (butane's `config.TranslateBytes` for every variant; openshift
 * adds its MachineConfig rules and output, src/butane/openshift/):
 * read version and variant, decode against that version's schema, check, translate, lay the
 * generated fragments under the user's config, validate the result as Ignition, serialize.
 */
import {
  BAD_MERGE,
  checkTag,
  type DecodeContext,
  DecodeFatal,
  decodeObject,
  type Doc,
  reportUnusedKeys,
  unmarshalMessage,
} from "./decode.ts";
import {
  type ButaneReportEntry,
  type PositionLookup,
  Report,
  tablePositions,
  treePositions,
} from "./report.ts";
import { type Pos, readYaml, YamlSyntaxError, YMap, YScalar, YSeq, type YValue } from "./yaml.ts";
import { type ButaneSpec, findSpec } from "./specs.ts";
import { checkFieldFilters } from "./base/field_filters.ts";
import { validateButane } from "./base/validate.ts";
import { translateObject } from "./base/translate.ts";
import { Translation } from "./base/translation.ts";
import { mountUnitsFragment } from "./base/mount_units.ts";
import { expandTrees } from "./base/trees.ts";
import { mergeConfigs } from "./base/merge.ts";
import { transcribedInMerge } from "./base/merge_transcript.ts";
import { type FieldType, isList, isObj } from "./base/schema.ts";
import { bootDeviceFragment, checkReservedLabels } from "./fcos/boot_device.ts";
import { grubFragment } from "./fcos/grub.ts";
import {
  machineConfigRules,
  machineConfigYaml,
  validateOpenshift,
} from "./openshift/machine_config.ts";
import { serializeIgnition } from "./serialize.ts";
import { validateDecoded } from "../ignition/validate.ts";

export interface TranslateOptions {
  /** Directory for `local`, `contents_local`, `ssh_authorized_keys_local` and `trees`. */
  filesDir?: string;
  /** Fail on any warning, as `butane --strict`. */
  strict?: boolean;
  /** Indent the JSON by 2 spaces. */
  pretty?: boolean;
  /** The file name used in messages. */
  fileName?: string;
  /** openshift: the bare Ignition config instead of a MachineConfig, as `butane --raw`. */
  raw?: boolean;
  /** `filesDir` as the user gave it: messages name local files by it, as butane does. */
  filesDirShown?: string;
  /**
   * Refuse a local file (or tree) whose real path, symlinks resolved, is outside `filesDir`
   * (`iago ignite`); butane follows symlinks wherever they lead.
   */
  localFilesInside?: boolean;
}

export interface TranslateResult {
  /** The Ignition config (absent when translation failed). */
  ignition?: Record<string, unknown>;
  /**
   * The output text as butane writes it, with its trailing newline: Ignition JSON, or for
   * openshift (without `raw`) the MachineConfig YAML.
   */
  json?: string;
  report: ButaneReportEntry[];
  ok: boolean;
  /** Why translation failed, in butane's words (`source config is invalid`, ...). */
  error?: string;
  /** True when the only reason for failing is a warning under `strict`. */
  strictFailure?: boolean;
}

const STRICT_FAILURE = "Config produced warnings and --strict was specified";

/**
 * coreos/go-semver's reading of a version, as butane looks up its translator by it: three
 * dot-separated int64s (`01` and `+1` count), then `-pre` and `+meta` identifiers. Returns the
 * version as go-semver prints it, or undefined where it fails.
 */
function goSemver(text: string): string | undefined {
  let version = text;
  const split = (delim: string) => {
    const i = version.indexOf(delim);
    if (i < 0) return "";
    const rest = version.slice(i + 1);
    version = version.slice(0, i);
    return rest;
  };
  const metadata = split("+");
  const pre = split("-");
  const dots = version.split(".");
  // SplitN(version, ".", 3): a third part keeps any further dots (and then fails to parse).
  const parts = dots.length > 3 ? [dots[0], dots[1], dots.slice(2).join(".")] : dots;
  if (parts.length !== 3) return undefined;
  const identifier = /^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/;
  if ((pre && !identifier.test(pre)) || (metadata && !identifier.test(metadata))) return undefined;
  const nums: bigint[] = [];
  for (const p of parts) {
    if (!/^[-+]?[0-9]+$/.test(p)) return undefined;
    const n = BigInt(p);
    if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) return undefined;
    nums.push(n);
  }
  return nums.join(".") + (pre ? `-${pre}` : "") + (metadata ? `+${metadata}` : "");
}

/**
 * Translates Butane YAML text (or the bytes of a file, checked as UTF-8 the way butane checks
 * them); never throws for problems in the input.
 */
export function translateButaneText(
  yamlText: string | Uint8Array,
  opts: TranslateOptions = {},
): Promise<TranslateResult> {
  return Promise.resolve(translateButaneTextSync(yamlText, opts));
}

/** The synchronous form of `translateButaneText` (file reads are synchronous). */
export function translateButaneTextSync(
  yamlText: string | Uint8Array,
  opts: TranslateOptions = {},
): TranslateResult {
  let root;
  try {
    root = readYaml(yamlText);
  } catch (err) {
    if (!(err instanceof YamlSyntaxError)) throw err;
    // butane reads variant and version first (its errors say `Error unmarshaling yaml:`);
    // a nested mapping's duplicate key surfaces only in the full decode, unprefixed.
    return fail([], err.nestedDuplicate ? err.message : `Error unmarshaling yaml: ${err.message}`);
  }
  let first: string[];
  try {
    first = commonFieldsErrors(root);
  } catch (err) {
    if (!(err instanceof DecodeFatal)) throw err;
    return fail([], `Error unmarshaling yaml: ${err.message}`);
  }
  if (first.length > 0) {
    return fail([], `Error unmarshaling yaml: yaml: unmarshal errors:\n  ${first.join("\n  ")}`);
  }
  return translateRoot(root, treePositions(root), { ...opts, typeErrorBlock: true });
}

/**
 * The type errors of butane's first read, of `variant` and `version` alone into its
 * `config.commonFields` struct: a document that is not a mapping, repeated top-level keys,
 * keys that are collections, either field not a scalar, a bad `<<` (thrown, as yaml.v3 fails).
 */
function commonFieldsErrors(root: YValue): string[] {
  if (root instanceof YSeq || root instanceof YScalar) {
    return [`line ${root.pos.line}: ${unmarshalMessage(root, "config.commonFields")}`];
  }
  if (!(root instanceof YMap)) return [];
  if (root.duplicates) return root.duplicates.map((d) => d.message);
  const errors: string[] = [];
  for (const [key, value] of root.entries) {
    const bad = root.collectionKeys?.get(key);
    if (bad) errors.push(`line ${bad.line}: cannot unmarshal ${bad.tag} into string`);
    if (root.badMerge && root.merged?.has(key)) break;
    if (key !== "variant" && key !== "version") continue;
    if (value instanceof YMap && value.duplicates) {
      errors.push(...value.duplicates.map((d) => d.message));
    } else if (value instanceof YMap || value instanceof YSeq) {
      errors.push(`line ${value.pos.line}: ${unmarshalMessage(value, "string")}`);
    } else if (value instanceof YScalar && value.tag !== undefined) checkTag(value);
  }
  if (root.badMerge) throw new DecodeFatal(BAD_MERGE);
  return errors;
}

/**
 * Translates an already-parsed Butane document (plain data, e.g. after merging workload
 * overlays). `positions` maps YAML paths (`$.storage.files.0.path`) to where they were written.
 */
export function translateButaneDocument(
  doc: Record<string, unknown>,
  opts: TranslateOptions & { positions?: unknown } = {},
): Promise<TranslateResult> {
  return Promise.resolve(translateButaneDocumentSync(doc, opts));
}

/** The synchronous form of `translateButaneDocument`. */
export function translateButaneDocumentSync(
  doc: Record<string, unknown>,
  opts: TranslateOptions & { positions?: unknown } = {},
): TranslateResult {
  const lookup = opts.positions instanceof Map
    ? tablePositions(opts.positions as Map<string, Pos>)
    : undefined;
  return translateRoot(doc, lookup, opts);
}

/** `typeErrorBlock`: YAML text, whose type errors butane prints as yaml.v3's one block. */
type RootOptions = TranslateOptions & { typeErrorBlock?: boolean };

function translateRoot(
  root: unknown,
  lookup: PositionLookup | undefined,
  opts: RootOptions,
): TranslateResult {
  const variant = topString(root, "variant");
  const written = topString(root, "version");
  if (!variant) return fail([], "error parsing variant; must be specified");
  const version = written === undefined ? undefined : goSemver(written);
  if (version === undefined) return fail([], "error parsing version; must be a valid semver");
  // butane registers rhcos 0.1.0 alone, to say where it went.
  if (variant === "rhcos" && version === "0.1.0") {
    return fail(
      [],
      "rhcos variant has been removed; use openshift variant instead: https://coreos.github.io/butane/upgrading-openshift/",
    );
  }
  const spec = findSpec(variant, version);
  if (!spec) return fail([], `No translator exists for variant ${variant} with version ${version}`);
  return translateSpec(spec, root, lookup, opts);
}

function translateSpec(
  spec: ButaneSpec,
  root: unknown,
  lookup: PositionLookup | undefined,
  opts: RootOptions,
): TranslateResult {
  const report = new Report(lookup, opts.fileName);
  const ctx: DecodeContext = {
    report,
    failed: false,
    goPackage: spec.goPackage,
    fcosPackage: spec.fcosPackage,
    typeErrors: opts.typeErrorBlock ? [] : undefined,
  };
  let doc: Doc;
  try {
    doc = decodeObject(spec.schema, root, ctx) ?? {};
  } catch (err) {
    if (!(err instanceof DecodeFatal)) throw err;
    return fail([], err.message);
  }
  if (ctx.failed) {
    const lines = ctx.typeErrors ?? [];
    return fail(
      report.entries,
      lines.length > 0
        ? `yaml: unmarshal errors:\n  ${lines.join("\n  ")}`
        : "yaml: unmarshal errors",
    );
  }
  if (ctx.unused) reportUnusedKeys(spec.schema, root, report, spec.goPackage);
  validateButane(doc, report, spec);
  const openshift = "variant" in spec ? spec : undefined;
  if (openshift) validateOpenshift(doc, report);
  if (report.hasErrors) return fail(report.entries, "source config is invalid");

  const t = new Translation(
    report,
    opts.filesDir,
    opts.filesDirShown ?? opts.filesDir,
    opts.localFilesInside,
  );
  t.escapedDataUrls = spec.escapedDataUrls;
  t.noAutoCompression = openshift?.noAutoCompression ?? false;
  let config = translateObject(spec.schema, doc, "$", t);
  const mounts = mountUnitsFragment(doc, t, spec.swapUnits);
  if (mounts) config = mergeConfigs(mounts, config, t);
  expandTrees(doc, config, t);
  // butane merges a fragment, even an empty one, whenever there are filesystems to give mount
  // units (base v0_2+) or grub users to look for (fcos 1.5+): its findings then map through
  // Ignition's merge transcript, which leaves out every zero field.
  let merged = mounts !== undefined || mergesMountUnits(spec, doc);
  // fcos's own sugar runs only on a base translation without errors (a local file that cannot
  // be read): butane returns before it, so its warnings are not given either.
  if (!("fcosSugar" in spec) && !report.hasErrors) {
    const boot = bootDeviceFragment(doc, t);
    if (boot) config = mergeConfigs(boot, config, t);
    checkReservedLabels(config, t);
    const grub = grubFragment(doc, t);
    if (grub) config = mergeConfigs(grub, config, t);
    merged ||= boot !== undefined || grub !== undefined ||
      fieldType(spec.schema, "grub") !== undefined;
  }
  const ignition = (config.ignition ?? {}) as Record<string, unknown>;
  config.ignition = { ...ignition, version: spec.ignitionVersion };
  t.origin(config.ignition as object, "$.ignition");
  if (report.hasErrors) return fail(report.entries, "source config is invalid");
  // A MachineConfig is written from the Ignition config, so butane's MachineConfig-only rules
  // come next, and the MCO's forbidden fields (not checked under --raw, which has no MachineConfig).
  const machineConfig = openshift !== undefined && !opts.raw;
  if (openshift) {
    machineConfigRules(doc, config, openshift, t, opts.raw === true);
    if (report.hasErrors) return fail(report.entries, "source config is invalid");
    if (machineConfig) checkFieldFilters(config, openshift.mcoFilters, t);
  }
  // The fields this variant forbids (flatcar: clevis; r4e, fiot: disks, filesystems, ...).
  if ("filters" in spec) checkFieldFilters(config, spec.filters, t);
  if (report.hasErrors) return fail(report.entries, "source config is invalid");

  // Ignition's own validation of the result (duplicates first, as butane checks them, then paths,
  // units, URLs, ...), reported at the YAML the user wrote. 3.6.0-experimental has exactly 3.5.0's
  // rules in Ignition 2.20, and butane v0.23 validates it too.
  const checked = spec.ignitionVersion === "3.6.0-experimental"
    ? { ...config, ignition: { ...config.ignition as object, version: "3.5.0" } }
    : config;
  {
    for (const finding of validateDecoded(checked, { duplicatesFirst: true })) {
      // butane maps a finding back through its translations, which exist only for values that
      // are set; at an unset field (absent, or a required string left "") it falls back to the
      // JSON path in snake_case.
      const value = valueAt(config, finding.path);
      const mapped = t.yamlPathFor(config, finding.path);
      // A MachineConfig holds the Ignition config at spec.config, and the fallback says so.
      const jsonPath = machineConfig ? ["spec", "config", ...finding.path] : finding.path;
      const yamlPath = value === undefined || (value === "" && docAt(doc, mapped) === undefined) ||
          (merged && !transcribedInMerge(config, finding.path))
        ? snakePath(jsonPath)
        : mapped;
      report.add(finding.severity, yamlPath, finding.message);
    }
  }
  if (report.hasErrors) return fail(report.entries, "config generated was invalid");
  if (opts.strict && report.entries.length > 0) {
    return { ...fail(report.entries, STRICT_FAILURE), strictFailure: true };
  }
  const json =
    (machineConfig ? machineConfigYaml(doc, config) : serializeIgnition(config, opts.pretty)) +
    "\n";
  return { ignition: config, json, report: report.entries, ok: true };
}

/** The type of field `yaml` of an object type (or of a list's items), if it has one. */
function fieldType(type: FieldType | undefined, yaml: string): FieldType | undefined {
  if (type !== undefined && isList(type)) type = type.list;
  return type !== undefined && isObj(type)
    ? type.fields.find((f) => f.yaml === yaml)?.type
    : undefined;
}

/** butane's `addMountUnits` merges whenever `storage.filesystems` has items (not in fcos 1.0). */
function mergesMountUnits(spec: ButaneSpec, doc: Doc): boolean {
  const filesystems = (doc.storage as Doc | undefined)?.filesystems as unknown[] | undefined;
  const type = fieldType(fieldType(spec.schema, "storage"), "filesystems");
  return (filesystems?.length ?? 0) > 0 && fieldType(type, "with_mount_unit") !== undefined;
}

function fail(report: ButaneReportEntry[], error: string): TranslateResult {
  return { report, ok: false, error };
}

function topString(root: unknown, key: string): string | undefined {
  if (root instanceof YMap) {
    const v = root.entries.get(key);
    return v instanceof YScalar ? v.text : undefined;
  }
  if (root !== null && typeof root === "object" && !Array.isArray(root)) {
    const v = (root as Record<string, unknown>)[key];
    return typeof v === "string" ? v : undefined;
  }
  return undefined;
}

function valueAt(config: unknown, path: readonly (string | number)[]): unknown {
  let node = config;
  for (const seg of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}

/** butane's `snakePath`: `$.storage.luks.0.wipeVolume` → `$.storage.luks.0.wipe_volume`. */
function snakePath(path: readonly (string | number)[]): string {
  return [
    "$",
    ...path.map((seg) =>
      typeof seg === "number" ? seg : seg.replace(/(MiB|[A-Z])/g, "_$1").toLowerCase()
    ),
  ].join(".");
}

/** The decoded Butane value at a YAML path (`$.storage.files.0.path`), if the user set it. */
function docAt(doc: Doc, yamlPath: string): unknown {
  let node: unknown = doc;
  for (const seg of yamlPath.split(".").slice(1)) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node;
}
