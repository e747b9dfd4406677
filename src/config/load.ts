/**
 * Reading `config/defaults.toml` and `machines/NAME/machine.toml`: TOML syntax errors, unknown
 * keys and bad values all become `IagoError`s at `file:line:col`, and every problem of a file
 * is reported at once.
 */
import type * as z from "zod";
import { didYouMean, IagoError, ProblemsError, UsageError } from "../errors.ts";
import { readTextIfExists } from "../fsutil.ts";
import { checkMachineName, PULL_PASSWORD_FILE, type Workspace } from "../workspace.ts";
import defaultsText from "./defaults.toml" with { type: "text" };
import {
  type Defaults,
  DefaultsFileSchema,
  type Machine,
  MachineFileSchema,
  toDefaults,
  toMachine,
} from "./schema.ts";
import { locate, parseToml, type TomlDocument } from "./toml.ts";

/** The embedded, commented `config/defaults.toml` the first `iago init` writes. */
export const DEFAULT_DEFAULTS_TOML: string = defaultsText;

/** What `file` is called in messages when no defaults file exists. */
export const BUILTIN_DEFAULTS = "(built-in defaults)";

/** Either a value or every problem found while reading it. */
export type Checked<T> = { ok: true; value: T } | { ok: false; problems: IagoError[] };

/** Reads defaults from TOML text; `file` names it in messages. Never throws for bad input. */
export function checkDefaults(text: string, file: string): Checked<Defaults> {
  const doc = parseOrProblem(text, file);
  if (!("data" in doc)) return doc;
  const result = DefaultsFileSchema.safeParse(doc.data);
  if (!result.success) {
    return {
      ok: false,
      problems: byPosition(describeIssues(doc, result.error.issues, DefaultsFileSchema)),
    };
  }
  const defaults = toDefaults(result.data, file);
  const problems = crossChecks(doc, defaults);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: defaults };
}

/** Settings that are each valid but together leave machines unable to run their images. */
function crossChecks(doc: TomlDocument, d: Defaults): IagoError[] {
  const problems: IagoError[] = [];
  const registry = d.containerRegistry.url.split("/")[0];
  if (d.containerRegistry.pullAuth && d.containerRegistry.pullUsername === "") {
    problems.push(
      new IagoError(
        `Machines will not be able to pull from ${registry}: [container_registry] pull_auth is true but pull_username is empty`,
        {
          at: locate(doc, ["container_registry", "pull_auth"]),
          hint:
            `set pull_username to a read-only account of ${registry} (not the push account) and put its password or token in ${PULL_PASSWORD_FILE}`,
        },
      ),
    );
  }
  if (d.signing.required && d.signing.publicKey === "") {
    problems.push(
      new IagoError(
        "Machines cannot check signatures: [signing] required is true but public_key is empty",
        {
          at: locate(doc, ["signing", "required"]),
          hint:
            'set public_key to the public half of the key you sign with (iago build --sign --key cosign.key), like "cosign.pub"',
        },
      ),
    );
  }
  return problems;
}

/**
 * Reads a machine from TOML text. `dirName` is the directory the file is in; the `name` key
 * must equal it. Never throws for bad input.
 */
export function checkMachine(
  text: string,
  file: string,
  dirName: string,
  defaults: Defaults,
): Checked<Machine> {
  const doc = parseOrProblem(text, file);
  if (!("data" in doc)) return doc;
  const result = MachineFileSchema.safeParse(doc.data);
  const problems = result.success
    ? []
    : describeIssues(doc, result.error.issues, MachineFileSchema);
  const name = doc.data.name;
  if (
    typeof name === "string" && name !== dirName &&
    !problems.some((p) => /^Invalid name /.test(p.message))
  ) {
    problems.push(
      new IagoError(`Machine name "${name}" does not match its directory "${dirName}"`, {
        at: locate(doc, ["name"]),
        hint: `set name = "${dirName}", or rename the directory machines/${dirName}`,
      }),
    );
  }
  const workloads = Array.isArray(doc.data.workloads) ? doc.data.workloads : [];
  const seen = new Set<unknown>();
  for (const w of workloads) {
    if (seen.has(w)) {
      problems.push(
        new IagoError(`Workload "${String(w)}" is listed twice`, {
          at: locate(doc, ["workloads"]),
          hint: "list each workload once",
        }),
      );
    }
    seen.add(w);
  }
  if (problems.length > 0 || !result.success) return { ok: false, problems: byPosition(problems) };
  return { ok: true, value: toMachine(result.data, defaults, file) };
}

/** Problems in the order of the file, so they read top to bottom. */
function byPosition(problems: IagoError[]): IagoError[] {
  const key = (p: IagoError) => (p.at?.line ?? 0) * 100_000 + (p.at?.col ?? 0);
  return problems.sort((a, b) => key(a) - key(b));
}

/** Throws the problems of a failed check: the one error, or a `ProblemsError` of all. */
export function unwrap<T>(checked: Checked<T>): T {
  if (checked.ok) return checked.value;
  if (checked.problems.length === 1) throw checked.problems[0];
  throw new ProblemsError(checked.problems);
}

/**
 * The workspace's fleet defaults: `config/defaults.toml`, or the embedded default when the
 * workspace has none. Throws an `IagoError` (or `ProblemsError`) naming `file:line:col`.
 */
export async function loadDefaults(ws: Workspace): Promise<Defaults> {
  const text = await readTextIfExists(ws.defaultsFile);
  if (text === undefined) return unwrap(checkDefaults(DEFAULT_DEFAULTS_TOML, BUILTIN_DEFAULTS));
  return unwrap(checkDefaults(text, ws.relative(ws.defaultsFile)));
}

/**
 * Machine `name` of the workspace, with `defaults` applied (loaded when not given). Throws a
 * `UsageError` for a name that is not a DNS label or names no machine, and an `IagoError` (or
 * `ProblemsError`) for a bad machine.toml.
 */
export async function loadMachine(
  ws: Workspace,
  name: string,
  defaults?: Defaults,
): Promise<Machine> {
  checkMachineName(name);
  await ws.checkNotLinked(name);
  const file = ws.machineFile(name);
  const text = await readTextIfExists(file);
  if (text === undefined) throw await noSuchMachine(ws, name);
  return unwrap(checkMachine(text, ws.relative(file), name, defaults ?? await loadDefaults(ws)));
}

/** The error for a machine that does not exist, with the closest existing name. */
export async function noSuchMachine(ws: Workspace, name: string): Promise<UsageError> {
  const names = await ws.machineNames();
  const close = didYouMean(name, names);
  return new UsageError(`No machine "${name}" in ${ws.root}`, {
    hint: close
      ? `did you mean "${close}"?`
      : names.length > 0
      ? `machines here: ${names.join(", ")}`
      : `create it with: iago init ${name}`,
  });
}

function parseOrProblem(
  text: string,
  file: string,
): TomlDocument | { ok: false; problems: IagoError[] } {
  try {
    return parseToml(text, file);
  } catch (err) {
    if (err instanceof IagoError) return { ok: false, problems: [err] };
    throw err;
  }
}

type Issue = z.core.$ZodIssue;

/** Turns zod issues into errors at the key's position, with a fix for each. */
function describeIssues(
  doc: TomlDocument,
  issues: readonly Issue[],
  schema: z.ZodType,
): IagoError[] {
  const problems: IagoError[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) problems.push(unknownKey(doc, schema, issue.path, key));
      continue;
    }
    const value = valueAt(doc.data, issue.path);
    const field = fieldName(issue.path);
    const at = locate(doc, issue.path);
    if (value === undefined && issue.code === "invalid_type") {
      problems.push(
        new IagoError(`Missing required key "${field}"`, {
          at,
          hint: `add ${field} = ... to ${doc.file}`,
        }),
      );
      continue;
    }
    if (typeof value === "number" && !Number.isFinite(value)) {
      // TOML reads 1e400 as infinity and allows inf and nan: none is a value a setting can have.
      problems.push(
        new IagoError(
          `Invalid ${field}: ${
            Number.isNaN(value)
              ? "nan is not a number"
              : "the number is infinite (too large to hold)"
          }`,
          { at, hint: "write a whole number without quotes, like 30" },
        ),
      );
      continue;
    }
    // A password typed where its hash belongs must not end up in a terminal or in cron mail.
    const shown = issue.path.at(-1) === "password_hash"
      ? "(value not shown)"
      : typeof value === "string"
      ? `"${value}"`
      : JSON.stringify(value) ?? String(value);
    const { reason, hint } = explain(issue, value);
    problems.push(new IagoError(`Invalid ${field} ${shown}: ${reason}`, { at, hint }));
  }
  return problems;
}

function explain(issue: Issue, value: unknown): { reason: string; hint?: string } {
  switch (issue.code) {
    case "custom":
      return { reason: issue.message, hint: (issue.params as { hint?: string } | undefined)?.hint };
    case "invalid_type":
      return {
        reason: `expected ${article(issue.expected)}, got ${article(kindOf(value))}`,
        hint: issue.expected === "array"
          ? 'write a list in brackets, like ["a", "b"]'
          : issue.expected === "string"
          ? 'put the value in double quotes, like "text"'
          : issue.expected === "int" || issue.expected === "number"
          ? "write a whole number without quotes, like 30"
          : undefined,
      };
    case "invalid_value": {
      const options = issue.values.map(String);
      const close = typeof value === "string" ? didYouMean(value, options) : undefined;
      return {
        reason: `expected one of ${options.map((o) => `"${o}"`).join(", ")}`,
        hint: close ? `did you mean "${close}"?` : undefined,
      };
    }
    case "too_small":
      return { reason: "must be a positive whole number", hint: "write a number like 30" };
    case "too_big":
      return { reason: `must be at most ${issue.maximum}` };
    default:
      return { reason: issue.message };
  }
}

function unknownKey(
  doc: TomlDocument,
  schema: z.ZodType,
  path: readonly PropertyKey[],
  key: string,
): IagoError {
  const names = path.filter((p): p is string => typeof p === "string");
  const known = Object.keys(shapeAt(schema, names));
  const close = didYouMean(key, known);
  const isSection = names.length === 0 && isTable(doc.data[key]);
  const what = isSection ? `section [${key}]` : `key "${key}"`;
  const where = names.length > 0 ? ` in [${names.join(".")}]` : "";
  const hint = close
    ? `did you mean ${isSection ? `[${close}]` : `"${close}"`}?`
    : `known ${isSection || names.length === 0 ? "keys and sections" : "keys"}: ${
      known.join(", ")
    }`;
  return new IagoError(`Unknown ${what}${where}`, { at: locate(doc, [...names, key]), hint });
}

/** The object shape of the schema at `names` (only plain nested objects are walked). */
function shapeAt(root: z.ZodType, names: string[]): Record<string, unknown> {
  // deno-lint-ignore no-explicit-any
  let schema: any = root;
  for (const n of names) {
    // Unwrap .prefault()/.default() wrappers to reach the section's object schema.
    let next = schema?.shape?.[n];
    while (next && !next.shape && next.def?.innerType) next = next.def.innerType;
    schema = next;
  }
  return schema?.shape ?? {};
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = data;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function fieldName(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  }
  return out;
}

function isTable(v: unknown): boolean {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date);
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v instanceof Date || (v !== null && typeof v === "object" && "isDate" in v)) return "date";
  if (isTable(v)) return "table";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function article(kind: string): string {
  const word = kind === "int" ? "whole number" : kind === "object" ? "table" : kind;
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}
