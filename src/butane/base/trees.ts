/**
 * `storage.trees`: every regular file and symlink under a directory of the files directory
 * becomes a `files` or `links` entry (butane's `processTrees`/`walkTree`). A `files`/`links`
 * entry the user wrote for the same path keeps its attributes and receives the contents.
 */
import { dirname, join, posix } from "node:path";
import type { Doc } from "../decode.ts";
import { makeDataUrl } from "./dataurl.ts";
import {
  checkRealPath,
  goOpenError,
  LocalFileError,
  localPath,
  NO_FILES_DIR,
  shownPath,
} from "./local_files.ts";
import type { Translation } from "./translation.ts";

type Obj = Record<string, unknown>;

const NODE_EXISTS = "matching filesystem node has existing contents or different type";

/** Expands the trees of `doc` into `config.storage` (in place). */
export function expandTrees(doc: Doc, config: Obj, t: Translation): void {
  const trees = ((doc.storage as Doc | undefined)?.trees ?? []) as Doc[];
  if (trees.length === 0) return;
  const storage = (config.storage ??= {}) as Obj;
  for (let i = 0; i < trees.length; i++) {
    const yamlPath = `$.storage.trees.${i}`;
    const tree = trees[i];
    if (!tree.local) continue; // reported by validation
    if (t.filesDir === undefined) {
      t.report.error(yamlPath, NO_FILES_DIR);
      return;
    }
    const shown = shownPath(t.filesDirShown ?? t.filesDir, tree.local as string);
    let src: string;
    let info: Deno.FileInfo;
    try {
      src = localPath(t.filesDir, tree.local as string);
      try {
        info = Deno.statSync(src);
      } catch (err) {
        throw new LocalFileError(goOpenError(shown, err));
      }
      if (t.localFilesInside) {
        // A root that is a link stays one link (nothing is read through it): only the way to it
        // must stay inside.
        const linked = Deno.lstatSync(src).isSymlink;
        checkRealPath(
          t.filesDir,
          linked ? dirname(src) : src,
          linked ? dirname(shown) : shown,
          t.filesDirShown ?? t.filesDir,
        );
      }
    } catch (err) {
      if (!(err instanceof LocalFileError)) throw err;
      t.report.error(yamlPath, err.message.replace(/^open /, "stat "));
      continue;
    }
    if (!info.isDirectory) {
      t.report.error(yamlPath, "root of tree must be a directory");
      continue;
    }
    const dest = (tree.path as string | undefined) || "/";
    // filepath.Walk does not follow a symlinked root either: it is one link, at `path`.
    if (Deno.lstatSync(src).isSymlink) addLink(storage, src, posix.join(dest, "."), yamlPath, t);
    else walk(src, "", dest, storage, yamlPath, t);
  }
}

function walk(
  dir: string,
  rel: string,
  dest: string,
  storage: Obj,
  yamlPath: string,
  t: Translation,
) {
  let names: string[];
  try {
    names = [...Deno.readDirSync(join(dir, rel))].map((e) => e.name).sort(byteOrder);
  } catch (err) {
    t.report.error(yamlPath, goOpenError(join(dir, rel), err));
    return;
  }
  for (const name of names) {
    const relPath = rel === "" ? name : `${rel}/${name}`;
    const full = join(dir, relPath);
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(full);
    } catch (err) {
      t.report.error(yamlPath, goOpenError(full, err).replace(/^open /, "lstat "));
      continue;
    }
    const destPath = posix.join(dest, relPath);
    if (info.isDirectory) {
      walk(dir, relPath, dest, storage, yamlPath, t);
    } else if (info.isFile) {
      const file = claimNode(storage, "files", destPath, yamlPath, t, (f) => {
        const contents = f.contents as Obj | undefined;
        return contents?.source !== undefined;
      });
      if (!file) continue;
      let bytes: Uint8Array;
      try {
        bytes = Deno.readFileSync(full);
      } catch (err) {
        t.report.error(yamlPath, goOpenError(full, err));
        continue;
      }
      const contents = { ...((file.contents ?? {}) as Obj) };
      const compression = contents.compression as string | undefined;
      const allow = compression === undefined || compression === "";
      const url = makeDataUrl(bytes, allow && !t.noAutoCompression);
      contents.source = url.source;
      contents.compression = url.compressed ? "gzip" : allow ? "" : compression;
      file.contents = contents;
      if (file.mode === undefined) file.mode = (info.mode ?? 0) & 0o111 ? 0o755 : 0o644;
    } else if (info.isSymlink) {
      addLink(storage, full, destPath, yamlPath, t);
    } else {
      t.report.error(yamlPath, "trees may only contain files, directories, and symlinks");
    }
  }
}

/** A `links` entry at `destPath` for the symlink `full`, its target kept as written. */
function addLink(storage: Obj, full: string, destPath: string, yamlPath: string, t: Translation) {
  const link = claimNode(storage, "links", destPath, yamlPath, t, (l) => l.target !== undefined);
  if (!link) return;
  try {
    link.target = Deno.readLinkSync(full);
  } catch (err) {
    t.report.error(yamlPath, goOpenError(full, err).replace(/^open /, "readlink "));
  }
}

/** The user's entry for `path` in `list`, or a new one; undefined (and an error) on a clash. */
function claimNode(
  storage: Obj,
  list: "files" | "links",
  path: string,
  yamlPath: string,
  t: Translation,
  taken: (n: Obj) => boolean,
): Obj | undefined {
  const items = (storage[list] ??= []) as Obj[];
  const existing = items.find((n) => n.path === path);
  if (existing) {
    if (taken(existing)) {
      t.report.error(yamlPath, NODE_EXISTS);
      return undefined;
    }
    return existing;
  }
  for (const other of ["files", "directories", "links"]) {
    if (other === list) continue;
    if (((storage[other] ?? []) as Obj[]).some((n) => n.path === path)) {
      t.report.error(yamlPath, NODE_EXISTS);
      return undefined;
    }
  }
  const node: Obj = { path };
  t.origin(node, yamlPath, true);
  items.push(node);
  return node;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
