/**
 * The 1:1 part of the translation: every field the user set is copied to its Ignition key
 * (explicit false/0/"" included), resources given as `inline`/`local` become data URLs, and the
 * `*_local` conveniences are read from the files directory. Trees, mount units, boot_device and
 * grub are separate rules that run after this.
 */
import type { Doc, DocValue } from "../decode.ts";
import { type FieldType, isList, isObj, type ObjType } from "./schema.ts";
import { escapeDataUrl, makeDataUrl } from "./dataurl.ts";
import { LocalFileError, readLocal } from "./local_files.ts";
import type { Translation } from "./translation.ts";

export type Ign = Record<string, unknown>;

const decoder = new TextDecoder();

/** Copies `doc` (typed, YAML keys) to an Ignition object of the same type. */
export function translateObject(type: ObjType, doc: Doc, path: string, t: Translation): Ign {
  if (type.name === "Resource") return translateResource(doc, path, t);
  const out: Ign = {};
  t.origin(out, path);
  for (const f of type.fields) {
    if (f.json === undefined) continue;
    const v = doc[f.yaml];
    if (v === undefined) {
      if (f.required) out[f.json] = "";
      continue;
    }
    // Scalars are copied as they are; only objects and lists need their path (for origins).
    out[f.json] = typeof f.type === "string"
      ? v
      : translateValue(f.type, v, `${path}.${f.yaml}`, t);
  }
  const post = POST[type.name];
  if (post) post(doc, out, path, t);
  return out;
}

function translateValue(type: FieldType, v: DocValue, path: string, t: Translation): unknown {
  if (isObj(type)) return translateObject(type, v as Doc, path, t);
  if (isList(type)) {
    const items = v as DocValue[];
    const out = items.map((item, i) => translateValue(type.list, item, `${path}.${i}`, t));
    t.origin(out, path);
    return out;
  }
  return v;
}

/** `inline`/`local` → data URL (with butane's compression choice); `source` copied as is. */
function translateResource(doc: Doc, path: string, t: Translation): Ign {
  const out: Ign = {};
  t.origin(out, path);
  const compression = doc.compression as string | undefined;
  if (compression !== undefined) out.compression = compression;
  const headers = doc.http_headers as Doc[] | undefined;
  if (headers) {
    const list = headers.map((h, i) => {
      const o: Ign = { name: h.name ?? "" };
      if (h.value !== undefined) o.value = h.value;
      t.origin(o, `${path}.http_headers.${i}`);
      return o;
    });
    t.origin(list, `${path}.http_headers`);
    out.httpHeaders = list;
  }
  let bytes: Uint8Array | undefined;
  if (doc.inline !== undefined) bytes = doc.inline as Uint8Array;
  else if (doc.local !== undefined) {
    try {
      bytes = readLocal(t.filesDir, doc.local as string, t.filesDirShown, t.localFilesInside);
    } catch (err) {
      if (!(err instanceof LocalFileError)) throw err;
      t.report.error(`${path}.local`, err.message);
    }
  }
  if (bytes !== undefined && t.escapedDataUrls) {
    out.source = "data:," + escapeDataUrl(bytes);
    if (compression !== undefined) out.compression = compression;
  } else if (bytes !== undefined) {
    const allow = compression === undefined || compression === "";
    const url = makeDataUrl(bytes, allow && !t.noAutoCompression);
    out.source = url.source;
    out.compression = url.compressed ? "gzip" : allow ? "" : compression;
  } else if (doc.source !== undefined) {
    out.source = doc.source;
  }
  const verification = doc.verification as Doc | undefined;
  if (verification?.hash !== undefined) {
    const v = { hash: verification.hash };
    t.origin(v, `${path}.verification`);
    out.verification = v;
  }
  return out;
}

/** Reads a `*_local` file as text, reporting failures at `path`. */
function readLocalText(t: Translation, file: string, path: string): string | undefined {
  try {
    return decoder.decode(readLocal(t.filesDir, file, t.filesDirShown, t.localFilesInside));
  } catch (err) {
    if (!(err instanceof LocalFileError)) throw err;
    t.report.error(path, err.message);
    return undefined;
  }
}

type Post = (doc: Doc, out: Ign, path: string, t: Translation) => void;

function contentsLocal(doc: Doc, out: Ign, path: string, t: Translation): void {
  const local = doc.contents_local as string | undefined;
  if (!local || doc.contents !== undefined) return;
  const text = readLocalText(t, local, `${path}.contents_local`);
  if (text === undefined) return;
  out.contents = text;
  // Ignition's findings on the contents (a unit that does not parse) are the local file's.
  t.fieldOrigin(out, "contents", `${path}.contents_local`);
}

const POST: Record<string, Post> = {
  Unit: contentsLocal,
  Dropin: contentsLocal,
  PasswdUser(doc, out, path, t) {
    const files = doc.ssh_authorized_keys_local as string[] | undefined;
    if (!files || files.length === 0) return;
    const keyPath = `${path}.ssh_authorized_keys_local`;
    if (t.filesDir === undefined) {
      t.report.error(
        keyPath,
        "local file paths are relative to a files directory that must be specified with -d/--files-dir",
      );
      return;
    }
    const keys = [...((out.sshAuthorizedKeys ?? []) as string[])];
    const origins = keys.map((_, k) => `${path}.ssh_authorized_keys.${k}`);
    files.forEach((file, i) => {
      const text = readLocalText(t, file, `${keyPath}.${i}`);
      if (text === undefined) return;
      for (const line of text.split(/\r?\n/)) {
        if (line === "") continue;
        keys.push(line);
        origins.push(`${keyPath}.${i}`);
      }
    });
    if (keys.length > 0) {
      out.sshAuthorizedKeys = keys;
      t.origin(keys, `${path}.ssh_authorized_keys`);
      t.itemOrigin(keys, origins);
    }
  },
};
