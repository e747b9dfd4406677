/**
 * Ignition config validation with the same verdicts and messages as `ignition-validate`
 * (Ignition v2.20 for specs 3.0.0 to 3.5.0): Go-style JSON and type errors, every `Validate`
 * rule of the config types, duplicate keys and `Unused key` warnings.
 */
import { decode, INT64_MAX, INT64_MIN, MAX_SAFE, type Path } from "./_decode.ts";
import { type JNode, lineCol, nodeFromValue, parseGoJson } from "./_gojson.ts";
import { validateRules } from "./_rules.ts";
import { type Minor, schemaFor } from "./_schema.ts";

/** Go's `url.Parse` (undefined where Go fails): butane's openshift checks parse sources too. */
export { parseGoUrl } from "./_url.ts";

/** One problem Ignition reports; `path` is the JSON path (camelCase keys, numeric indices). */
export interface Finding {
  severity: "error" | "warning";
  path: (string | number)[];
  message: string;
  /** 1-based position in the JSON text, set by `parseIgnitionText` when Ignition prints one. */
  line?: number;
  col?: number;
}

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/;

function fieldOf(n: JNode | undefined, name: string): JNode | undefined {
  if (n?.t !== "obj") return undefined;
  let found: JNode | undefined;
  for (const e of n.entries) {
    if (e.key === name || e.key.toLowerCase() === name.toLowerCase()) found = e.value;
  }
  return found;
}

const kindName: Record<JNode["t"], string> = {
  obj: "object",
  arr: "array",
  str: "string",
  num: "number",
  bool: "bool",
  null: "null",
};

/** Go's error offset for a value of the wrong type. */
const typeErrorOffset = (n: JNode) => (n.t === "obj" || n.t === "arr" ? n.start + 1 : n.end);

/** The `util.GetConfigVersion` step: a version stub decode, then the semver checks. */
function readVersion(root: JNode): { minor?: Minor; finding?: Finding; offset?: number } {
  if (root.t !== "obj" && root.t !== "null") {
    return {
      finding: {
        severity: "error",
        path: [],
        message: `json: cannot unmarshal ${
          kindName[root.t]
        } into Go value of type util.versionStub`,
      },
      offset: typeErrorOffset(root),
    };
  }
  const ignition = fieldOf(root, "ignition");
  if (ignition && ignition.t !== "obj" && ignition.t !== "null") {
    return {
      finding: {
        severity: "error",
        path: [],
        message: `json: cannot unmarshal ${
          kindName[ignition.t]
        } into Go struct field versionStub.Ignition of type struct { Version string }`,
      },
      offset: typeErrorOffset(ignition),
    };
  }
  const version = fieldOf(ignition, "version");
  if (version && version.t !== "str" && version.t !== "null") {
    return {
      finding: {
        severity: "error",
        path: [],
        message: `json: cannot unmarshal ${
          kindName[version.t]
        } into Go struct field .Ignition.Version of type string`,
      },
      offset: typeErrorOffset(version),
    };
  }
  const minor = specMinor(version?.t === "str" ? version.v : "");
  if (minor === "unparsable") {
    return {
      finding: {
        severity: "error",
        path: [],
        message: "invalid config version (couldn't parse)",
      },
    };
  }
  if (minor === "unsupported") {
    return { finding: { severity: "error", path: [], message: "unsupported config version" } };
  }
  return { minor };
}

/** The minor of a spec version Ignition v2.20 reads (3.0.0 to 3.5.0, no pre-release or build). */
function specMinor(text: string): Minor | "unparsable" | "unsupported" {
  const m = SEMVER.exec(text);
  if (!m) return "unparsable";
  const minor = Number(m[2]);
  const exact = m[4] === undefined && m[5] === undefined;
  if (Number(m[1]) !== 3 || Number(m[3]) !== 0 || !exact || minor > 5) return "unsupported";
  return minor as Minor;
}

interface Checked {
  findings: Finding[];
  value?: Record<string, unknown>;
  /** Byte offsets for findings that Go places by offset rather than by path. */
  offsets: Map<Finding, number>;
  /** Where a type error sits, for callers that map paths to their own source. */
  typeErrorPath?: Path;
}

function check(root: JNode, duplicatesFirst = false): Checked {
  const offsets = new Map<Finding, number>();
  const version = readVersion(root);
  if (version.finding) {
    if (version.offset !== undefined) offsets.set(version.finding, version.offset);
    return { findings: [version.finding], offsets };
  }
  const decoded = decode(root, schemaFor(version.minor!));
  if (decoded.typeError) {
    const f: Finding = { severity: "error", path: [], message: decoded.typeError.message };
    offsets.set(f, decoded.typeError.offset);
    return { findings: [f], offsets, typeErrorPath: decoded.typeError.path };
  }
  const findings: Finding[] = validateRules(decoded.value, version.minor!, duplicatesFirst);
  for (const n of decoded.nullMismatch) {
    findings.push({
      severity: "warning",
      path: n.path,
      message: `context tree does not match content tree at ${
        formatPath(n.path)
      }. Line and column reporting may be inconsistent. Unused keys may not be reported.`,
    });
  }
  for (const u of decoded.unused) {
    // vcontext trims the end of the message, so a key ending in whitespace loses it there.
    const message = `Unused key ${u.key}`.trimEnd();
    const f: Finding = { severity: "warning", path: u.path, message };
    if (u.offset >= 0) offsets.set(f, u.offset);
    findings.push(f);
  }
  return { findings, value: decoded.value, offsets };
}

/**
 * Validates a parsed Ignition config of spec 3.0.0..3.5.0 (version read from
 * `config.ignition.version`). Returns every finding, errors and warnings; an empty list means
 * `ignition-validate` would print nothing. `duplicatesFirst` lists the `duplicate entry defined`
 * errors before the other findings, the order butane reports a generated config in
 * (`ignition-validate` lists them after). Never throws.
 */
export function validateIgnition(
  config: Record<string, unknown>,
  options: { duplicatesFirst?: boolean } = {},
): Finding[] {
  const { findings, typeErrorPath } = check(nodeFromValue(config), options.duplicatesFirst);
  if (typeErrorPath) findings[0].path = typeErrorPath;
  return findings;
}

/**
 * `validateIgnition` for a config that is already what Ignition's decoder makes of its JSON, as
 * butane's translation makes one (of the Go structs, which butane validates as they are): only
 * Ignition's fields, each of its Go type, no null. The decoder finds nothing in such a config
 * and gives it back unchanged, so the rules run on it directly, without the JSON round trip and
 * the spec's schema it needs (a sixth of `iago butane`'s first translation of a small config).
 * A config of any other shape (a null, a number that is not an exact int) or version takes the
 * round trip. The keys are not checked: the caller makes only Ignition's.
 */
export function validateDecoded(
  config: Record<string, unknown>,
  options: { duplicatesFirst?: boolean } = {},
): Finding[] {
  const ignition = config.ignition as Record<string, unknown> | undefined;
  const minor = specMinor(typeof ignition?.version === "string" ? ignition.version : "");
  if (typeof minor !== "number" || !isDecoded(config)) return validateIgnition(config, options);
  return validateRules(config, minor, options.duplicatesFirst);
}

/**
 * Whether `v` is as Ignition's decoder would give it back: strings, booleans, ints as numbers
 * where a double holds them exactly (else a bigint, within int64), arrays and plain objects of
 * such values.
 */
function isDecoded(v: unknown): boolean {
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isSafeInteger(v) && !Object.is(v, -0);
    case "bigint":
      return (v > MAX_SAFE || v < -MAX_SAFE) && v >= INT64_MIN && v <= INT64_MAX;
    case "object": {
      if (v === null) return false;
      if (Array.isArray(v)) {
        for (const item of v) if (!isDecoded(item)) return false;
        return true;
      }
      if (Object.getPrototypeOf(v) !== Object.prototype) return false;
      for (const key in v) if (!isDecoded((v as Record<string, unknown>)[key])) return false;
      return true;
    }
    default:
      return false;
  }
}

/**
 * Parses Ignition JSON text the way `ignition-validate` does, then validates it.
 * @returns the config as Ignition decodes it (known fields only, keys matched like Go's JSON
 * decoder) when the text parsed, its version is supported and no value has the wrong type; and
 * the findings, with `line`/`col` where Ignition prints them (`not a config (empty)` and version
 * errors have none). Never throws.
 */
export function parseIgnitionText(
  text: string,
): { config?: Record<string, unknown>; findings: Finding[] } {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length === 0) {
    return { findings: [{ severity: "error", path: [], message: "not a config (empty)" }] };
  }
  const parsed = parseGoJson(bytes);
  if (parsed.error) {
    const { line, col } = lineCol(bytes, parsed.error.offset);
    return {
      findings: [{ severity: "error", path: [], message: parsed.error.message, line, col }],
    };
  }
  const root = parsed.node!;
  const checked = check(root);
  for (const f of checked.findings) {
    const offset = checked.offsets.get(f) ?? locate(root, f.path);
    if (offset !== undefined) Object.assign(f, lineCol(bytes, offset));
  }
  return { config: checked.value, findings: checked.findings };
}

/**
 * The byte offset vcontext marks for a JSON path: where the value starts, or the deepest
 * ancestor present in the text when the value itself is not there.
 */
function locate(root: JNode, path: Path): number | undefined {
  if (path.length === 0) return undefined;
  let n: JNode = root;
  for (const seg of path) {
    let next: JNode | undefined;
    if (n.t === "obj") {
      for (const e of n.entries) if (e.key === seg) next = e.value;
    } else if (n.t === "arr" && typeof seg === "number") {
      next = n.items[seg];
    }
    if (!next) break;
    n = next;
  }
  if (n.start < 0) return undefined;
  // vcontext marks a container just inside its opening bracket.
  return n.t === "obj" || n.t === "arr" ? n.start + 1 : n.start;
}

/** `$.a.b.0.c`, the path notation of Ignition's reports. */
export function formatPath(path: (string | number)[]): string {
  return path.length ? `$.${path.join(".")}` : "$";
}

/**
 * Formats a finding as `ignition-validate` prints it:
 * `error at $.storage.files.0.path, line 1 col 61: path not absolute`.
 */
export function formatFinding(f: Finding, line = f.line, col = f.col): string {
  let at = "";
  if (f.path.length) at = ` at ${formatPath(f.path)}`;
  if (line !== undefined && col !== undefined) {
    at += f.path.length ? `, line ${line} col ${col}` : ` at line ${line} col ${col}`;
  }
  return `${f.severity}${at}: ${f.message}`;
}
