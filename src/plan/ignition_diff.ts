/**
 * The semantic difference between two Ignition configs, entry by entry as Ignition applies
 * them: users and groups by name, files, directories and links by path, units by name. Text
 * contents get a unified diff; anything holding a secret gets only digests, and a secret that
 * `ignite` would generate is named as such (it does not exist yet).
 */
import { gunzipSync } from "node:zlib";
import { decodeDataUrl } from "../ignition/_url.ts";
import { sha256Digest } from "../oci/digest.ts";
import { NEW_SECRET_STAND_IN } from "../secrets/store.ts";
import { unifiedDiff } from "./text_diff.ts";

export interface IgnitionChange {
  kind: "user" | "group" | "file" | "directory" | "link" | "unit" | "setting";
  /** User or group name, path, unit name, or the setting's path (`kernelArguments`). */
  name: string;
  change: "added" | "removed" | "changed";
  /** One line per changed field: `mode 0644 -> 0600`, `ssh key added: ...`. */
  details: string[];
  /** Unified diff of a text file's or unit's contents (never of a secret). */
  diff?: string;
}

export interface IgnitionDiffOptions {
  /** Values that must never be shown: a text holding one is compared by digest only. */
  secretValues?: readonly string[];
}

type Json = Record<string, unknown>;

/** The changes from Ignition config `before` to `after` (both parsed JSON), in a stable order. */
export function diffIgnition(
  before: Json,
  after: Json,
  options: IgnitionDiffOptions = {},
): IgnitionChange[] {
  const secrets = (options.secretValues ?? []).filter((v) => v.length >= 4);
  const ctx: Ctx = { secrets };
  const changes: IgnitionChange[] = [];
  const keyed = (
    kind: IgnitionChange["kind"],
    path: string[],
    key: string,
    compare: (a: Json, b: Json, name: string) => Omit<IgnitionChange, "kind" | "name" | "change">,
    describeNew: (e: Json) => string[],
  ) => {
    const a = byKey(list(before, path), key);
    const b = byKey(list(after, path), key);
    for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const x = a.get(name);
      const y = b.get(name);
      if (x && !y) changes.push({ kind, name, change: "removed", details: [] });
      else if (!x && y) changes.push({ kind, name, change: "added", details: describeNew(y) });
      else if (x && y && !sameJson(x, y)) {
        const c = compare(x, y, name);
        if (c.details.length > 0 || c.diff) changes.push({ kind, name, change: "changed", ...c });
      }
    }
  };
  const fields = (skip: string[]) => (a: Json, b: Json) => ({ details: fieldDetails(a, b, skip) });
  keyed(
    "user",
    ["passwd", "users"],
    "name",
    (a, b) => ({ details: userDetails(a, b) }),
    (u) => [
      ...newFields(u, ["name", "passwordHash", "sshAuthorizedKeys"]),
      ...(u.passwordHash === undefined ? [] : [hashDetail(u.passwordHash).replace(" changed", "")]),
      ...(Array.isArray(u.sshAuthorizedKeys) ? [`ssh keys ${u.sshAuthorizedKeys.length}`] : []),
    ],
  );
  keyed("group", ["passwd", "groups"], "name", (a, b) => ({
    details: fieldDetails(a, b, ["name", "passwordHash"]).concat(
      a.passwordHash !== b.passwordHash ? [hashDetail(b.passwordHash)] : [],
    ),
  }), (g) => newFields(g, ["name", "passwordHash"]));
  keyed(
    "file",
    ["storage", "files"],
    "path",
    (a, b, path) => fileChange(a, b, path, ctx),
    (f) => newFile(f, ctx),
  );
  keyed(
    "directory",
    ["storage", "directories"],
    "path",
    fields(["path"]),
    (d) => newFields(d, ["path"]),
  );
  keyed("link", ["storage", "links"], "path", fields(["path"]), (l) => newFields(l, ["path"]));
  keyed(
    "unit",
    ["systemd", "units"],
    "name",
    (a, b) => unitChange(a, b, ctx),
    (u) =>
      newFields(u, ["name", "contents", "dropins"]).concat(
        Array.isArray(u.dropins) ? u.dropins.map((d) => `dropin ${(d as Json).name}`) : [],
      ),
  );
  for (const setting of otherSettings(before, after)) {
    changes.push({ kind: "setting", name: setting, change: "changed", details: [] });
  }
  return changes;
}

interface Ctx {
  secrets: readonly string[];
}

const ENTRY_LISTS = new Set([
  "passwd.users",
  "passwd.groups",
  "storage.files",
  "storage.directories",
  "storage.links",
  "systemd.units",
]);

/** Paths of everything else that differs (kernel arguments, disks, the ignition section...). */
function otherSettings(a: Json, b: Json): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string) => {
    if (ENTRY_LISTS.has(path) || sameJson(x, y)) return;
    if (isObject(x) && isObject(y)) {
      for (const k of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
        walk(x[k], y[k], path ? `${path}.${k}` : k);
      }
      return;
    }
    out.push(path);
  };
  walk(a, b, "");
  return out;
}

/** The fields of a new entry: `mode 0644`, `enabled true`. */
function newFields(entry: Json, skip: string[]): string[] {
  return Object.keys(entry).sort().filter((k) => !skip.includes(k) && entry[k] !== undefined)
    .map((k) => `${k} ${show(k, entry[k])}`);
}

/** A new file: its fields and what its contents are, never the contents themselves. */
function newFile(entry: Json, ctx: Ctx): string[] {
  const details = newFields(entry, ["path", "contents", "append"]);
  const c = readContents(entry.contents);
  if (c.remote !== undefined) details.push(`source ${c.remote}`);
  else if (c.text?.includes(NEW_SECRET_STAND_IN)) {
    details.push("contents: with a secret ignite generates (none is made by plan)");
  } else if (c.bytes !== undefined) {
    const secret = isSecretFile(String(entry.path), entry, ctx, c);
    details.push(
      secret || c.binary
        ? `contents${secret ? " (secret)" : ""}: ${digestOf(c)}`
        : `contents: ${c.text!.split("\n").length - (c.text!.endsWith("\n") ? 1 : 0)} lines`,
    );
  }
  return details;
}

function userDetails(a: Json, b: Json): string[] {
  const details = fieldDetails(a, b, ["name", "passwordHash", "sshAuthorizedKeys", "groups"]);
  if (a.passwordHash !== b.passwordHash) details.push(hashDetail(b.passwordHash));
  details.push(...setDetails("group", a.groups, b.groups, (g) => g));
  details.push(...setDetails("ssh key", a.sshAuthorizedKeys, b.sshAuthorizedKeys, shortKey));
  return details;
}

function hashDetail(after: unknown): string {
  if (after === undefined) return "password hash removed";
  return String(after).startsWith(NEW_SECRET_STAND_IN)
    ? "password hash: of a new password ignite generates"
    : "password hash changed";
}

function setDetails(
  what: string,
  a: unknown,
  b: unknown,
  show: (s: string) => string,
): string[] {
  const x = new Set(Array.isArray(a) ? a.map(String) : []);
  const y = new Set(Array.isArray(b) ? b.map(String) : []);
  return [
    ...[...x].filter((v) => !y.has(v)).map((v) => `${what} removed: ${show(v)}`),
    ...[...y].filter((v) => !x.has(v)).map((v) => `${what} added: ${show(v)}`),
  ];
}

/** `ssh-ed25519 AAAAC3Nz...4f2Q me@laptop`: enough to recognise a public key. */
function shortKey(key: string): string {
  const [type, body = "", ...comment] = key.split(/\s+/);
  const short = body.length > 16 ? `${body.slice(0, 8)}...${body.slice(-6)}` : body;
  return [type, short, ...comment].join(" ");
}

/** `field before -> after` for every plain field that differs, `skip` aside. */
function fieldDetails(a: Json, b: Json, skip: string[]): string[] {
  const out: string[] = [];
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (skip.includes(k) || sameJson(a[k], b[k])) continue;
    out.push(`${k} ${show(k, a[k])} -> ${show(k, b[k])}`);
  }
  return out;
}

function show(key: string, v: unknown): string {
  if (v === undefined || v === null) return "(unset)";
  if (key === "mode" && typeof v === "number") return `0${v.toString(8)}`;
  return typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v);
}

function fileChange(
  a: Json,
  b: Json,
  path: string,
  ctx: Ctx,
): Omit<IgnitionChange, "kind" | "name" | "change"> {
  const details = fieldDetails(a, b, ["path", "contents", "append"]);
  const x = readContents(a.contents);
  const y = readContents(b.contents);
  const appendX = JSON.stringify(a.append ?? []);
  const appendY = JSON.stringify(b.append ?? []);
  if (appendX !== appendY) details.push("append changed");
  if (sameJson(a.contents, b.contents) || (x.text !== undefined && x.text === y.text)) {
    return { details };
  }
  const secret = isSecretFile(path, a, ctx, x) || isSecretFile(path, b, ctx, y);
  const fresh = y.text?.includes(NEW_SECRET_STAND_IN) ?? false;
  if (fresh) {
    details.push("contents: with a secret ignite generates (none is made by plan)");
    return { details };
  }
  if (x.remote !== undefined || y.remote !== undefined) {
    details.push(`source ${x.remote ?? "(inline)"} -> ${y.remote ?? "(inline)"}`);
    return { details };
  }
  if (secret || x.binary || y.binary) {
    details.push(
      `contents${secret ? " (secret)" : ""}: ${digestOf(x)} -> ${digestOf(y)}`,
    );
    return { details };
  }
  return { details, diff: unifiedDiff(x.text ?? "", y.text ?? "") };
}

function unitChange(a: Json, b: Json, ctx: Ctx): Omit<IgnitionChange, "kind" | "name" | "change"> {
  const details = fieldDetails(a, b, ["name", "contents", "dropins"]);
  const diffs: string[] = [];
  const text = (label: string, x: unknown, y: unknown) => {
    if (x === y) return;
    const before = typeof x === "string" ? x : "";
    const after = typeof y === "string" ? y : "";
    if (ctx.secrets.some((s) => before.includes(s) || after.includes(s))) {
      details.push(`${label} (holds a secret): ${digestText(before)} -> ${digestText(after)}`);
    } else {
      diffs.push(`${label === "contents" ? "" : `${label}:\n`}${unifiedDiff(before, after)}`);
    }
  };
  text("contents", a.contents, b.contents);
  const dx = byKey(Array.isArray(a.dropins) ? a.dropins as Json[] : [], "name");
  const dy = byKey(Array.isArray(b.dropins) ? b.dropins as Json[] : [], "name");
  for (const name of [...new Set([...dx.keys(), ...dy.keys()])].sort()) {
    const x = dx.get(name);
    const y = dy.get(name);
    if (!y) details.push(`dropin removed: ${name}`);
    else if (!x) {
      details.push(`dropin added: ${name}`);
      text(`dropin ${name}`, undefined, y.contents);
    } else text(`dropin ${name}`, x.contents, y.contents);
  }
  return { details, diff: diffs.length > 0 ? diffs.join("\n") : undefined };
}

interface Contents {
  text?: string;
  bytes?: Uint8Array;
  binary?: boolean;
  /** A source that is not a data URL (https, s3, tftp...). */
  remote?: string;
}

function readContents(contents: unknown): Contents {
  if (!isObject(contents) || typeof contents.source !== "string") return {};
  const source = contents.source;
  if (!source.startsWith("data:")) return { remote: source };
  let bytes = decodeDataUrl(source).data ?? new Uint8Array();
  if (contents.compression === "gzip") bytes = new Uint8Array(gunzipSync(bytes));
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return text.includes("\0") ? { bytes, binary: true } : { text, bytes };
  } catch {
    return { bytes, binary: true };
  }
}

/**
 * A file is shown by digest when it holds a known secret, lives in the secrets directory, or is
 * not world-readable: a file made private is assumed to be private for a reason.
 */
function isSecretFile(path: string, entry: Json, ctx: Ctx, c: Contents): boolean {
  if (path.startsWith("/etc/iago/secrets/")) return true;
  if (typeof entry.mode === "number" && (entry.mode & 0o004) === 0) return true;
  return c.text !== undefined && ctx.secrets.some((s) => c.text!.includes(s));
}

function digestOf(c: Contents): string {
  if (c.bytes === undefined) return "(none)";
  return `${sha256Digest(c.bytes).slice(0, 19)} (${c.bytes.length} bytes)`;
}

function digestText(text: string): string {
  return digestOf({ bytes: new TextEncoder().encode(text) });
}

function list(config: Json, path: string[]): Json[] {
  let v: unknown = config;
  for (const p of path) v = isObject(v) ? v[p] : undefined;
  return Array.isArray(v) ? v.filter(isObject) : [];
}

function byKey(entries: Json[], key: string): Map<string, Json> {
  return new Map(entries.map((e) => [String(e[key]), e]));
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isObject(v)) {
    return `{${
      Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) =>
        `${JSON.stringify(k)}:${canonical(v[k])}`
      ).join(",")
    }}`;
  }
  return JSON.stringify(v ?? null);
}
