/**
 * COPY and ADD: what each source contributes (context files, heredocs, another stage's or
 * image's files, downloaded URLs; archives are `archive.ts`) and where it lands in the layer.
 */
import { join, posix } from "node:path";
import { IagoError, type SourceLocation } from "../errors.ts";
import type { BuildContext, ContextEntry } from "./context.ts";
import { fileContent, readFileChunks } from "./layer.ts";
import type { Rootfs, RootfsEntry } from "./rootfs.ts";
import type { TarEntry } from "./tar.ts";
import { readContent } from "./tar_reader.ts";
import { DigestCounter } from "./digest.ts";

/** One thing a source puts into the layer, relative to the source's root ("" = the root). */
export interface CopyItem {
  rel: string;
  type: TarEntry["type"];
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  content?: () => AsyncIterable<Uint8Array>;
}

/** A resolved source: a file (one item, rel "") or a directory (its root and descendants). */
export interface CopySource {
  name: string;
  /** A context file's path on disk (ADD checks whether it is an archive). */
  abs?: string;
  isDir: boolean;
  items: CopyItem[];
}

export interface PlaceOptions {
  chmod?: number;
  chown?: { uid: number; gid: number };
  /**
   * A directory the image already has at `path` (relative): parent directories and the
   * directory a directory source is copied into keep its mode and owner, as in Docker.
   */
  existingDir?: (path: string) => { mode: number; uid: number; gid: number } | undefined;
}

/**
 * The layer entries for `sources` copied to `dest` (absolute). A directory source's contents go
 * into `dest`; a file goes to `dest/NAME` when `destIsDir`, else to `dest`. Parent directories
 * are repeated with the image's own metadata, or added as 0755 (owned by `--chown`, else root)
 * when missing.
 */
export function placeSources(
  sources: CopySource[],
  dest: string,
  destIsDir: boolean,
  options: PlaceOptions,
): TarEntry[] {
  const byPath = new Map<string, TarEntry>();
  const put = (path: string, item: CopyItem, chmod = true) => {
    const clean = posix.normalize("/" + path).slice(1).replace(/\/+$/, "");
    if (clean === "") return;
    byPath.set(clean, {
      path: clean,
      type: item.type,
      mode: item.type === "symlink" ? 0o777 : (chmod ? options.chmod : undefined) ?? item.mode,
      uid: options.chown?.uid ?? item.uid,
      gid: options.chown?.gid ?? item.gid,
      size: item.type === "file" ? item.size : undefined,
      linkname: item.linkname,
      devmajor: item.devmajor,
      devminor: item.devminor,
      content: item.content,
    });
  };
  const keep = (path: string) => {
    const clean = posix.normalize("/" + path).slice(1).replace(/\/+$/, "");
    const old = options.existingDir?.(clean);
    return old && { path: clean, type: "dir" as const, ...old };
  };
  for (const source of sources) {
    if (source.isDir) {
      for (const item of source.items) {
        const root = item.rel === "" ? keep(dest) : undefined;
        if (root) byPath.set(root.path, root);
        // The directory copied into is created without --chmod (buildah), what it gets with.
        else if (item.rel === "") put(dest, item, false);
        else put(`${dest}/${item.rel}`, item);
      }
    } else {
      put(destIsDir ? `${dest}/${source.name}` : dest, source.items[0]);
    }
  }
  // Directories the copy creates belong to the --chown owner, as in buildah and BuildKit.
  const owner = { uid: options.chown?.uid ?? 0, gid: options.chown?.gid ?? 0 };
  for (const path of [...byPath.keys()]) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      if (!byPath.has(parent)) {
        byPath.set(parent, keep(parent) ?? { path: parent, type: "dir", mode: 0o755, ...owner });
      }
    }
  }
  return [...byPath.values()];
}

/** Sources from the build context; messages name the instruction, `keyword`. */
export async function contextSources(
  context: BuildContext,
  src: string,
  at: SourceLocation,
  keyword = "COPY",
): Promise<CopySource[]> {
  const out: CopySource[] = [];
  for (const entry of await context.sources(src, at, keyword)) {
    const name = entry.name;
    if (entry.type !== "dir") {
      // Only a file can be an archive: opening a FIFO to look would block.
      const abs = entry.type === "file" ? entry.abs : undefined;
      out.push({ name, abs, isDir: false, items: [fromContext(entry, "")] });
      continue;
    }
    const prefix = entry.rel === "" ? "" : entry.rel + "/";
    const items = [fromContext(entry, "")];
    for (const child of context.walk(entry.rel, at)) {
      items.push(fromContext(child, child.rel.slice(prefix.length)));
    }
    out.push({ name, isDir: true, items });
  }
  return out;
}

function fromContext(e: ContextEntry, rel: string): CopyItem {
  return {
    rel,
    type: e.type,
    mode: e.mode,
    uid: 0,
    gid: 0,
    size: e.size,
    linkname: e.linkname,
    devmajor: e.devmajor,
    devminor: e.devminor,
    content: e.type === "file" ? fileContent(e.abs) : undefined,
  };
}

/** A heredoc as a file source. */
export function heredocSource(name: string, content: string): CopySource {
  const bytes = new TextEncoder().encode(content);
  return {
    name,
    isDir: false,
    items: [{
      rel: "",
      type: "file",
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: bytes.length,
      content: async function* () {
        yield bytes;
      },
    }],
  };
}

/** Sources from another stage's or image's file tree (`COPY --from`). */
export function rootfsSources(fs: Rootfs, src: string, at: SourceLocation): CopySource[] {
  const path = posix.normalize("/" + src).slice(1).replace(/\/+$/, "");
  const hit = path === "" ? undefined : fs.lookup(path);
  if (path !== "" && !hit) {
    throw new IagoError(`COPY --from source "${src}" not found in that image`, { at });
  }
  const name = path.slice(path.lastIndexOf("/") + 1);
  const top = hit && fromRootfs(fs, hit, "");
  if (hit && !top) {
    throw new IagoError(`COPY --from source "${src}" is no file, directory, link or device`, {
      at,
    });
  }
  if (top && top.type !== "dir") return [{ name, isDir: false, items: [top] }];
  const root = hit?.entry.path ?? "";
  const items: CopyItem[] = [top ?? { rel: "", type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0 }];
  for (const child of fs.below(root)) {
    const item = fromRootfs(fs, child, child.entry.path.slice(root === "" ? 0 : root.length + 1));
    if (item) items.push(item);
  }
  return [{ name, isDir: true, items }];
}

/** A tree entry as a copy item; undefined for entry types a layer cannot carry. */
function fromRootfs(fs: Rootfs, e: RootfsEntry, rel: string): CopyItem | undefined {
  let content = e;
  if (e.entry.type === "hardlink") content = fs.entries.get(e.entry.linkname ?? "") ?? e;
  const type = e.entry.type === "hardlink" ? "file" : e.entry.type;
  if (type === "other") return undefined;
  return {
    rel,
    type,
    mode: e.entry.mode,
    uid: 0,
    gid: 0,
    size: type === "file" ? content.entry.size : 0,
    linkname: type === "symlink" ? e.entry.linkname : undefined,
    devmajor: e.entry.devmajor,
    devminor: e.entry.devminor,
    content: type === "file" ? () => readContent(content.file, content.entry) : undefined,
  };
}

/**
 * `ADD https://...`: downloads to `scratch` and returns it as a file source (mode 0600 like
 * Docker). With `checksum`, a different sha256 is an error.
 */
export async function urlSource(
  url: string,
  scratch: string,
  at: SourceLocation,
  checksum?: string,
): Promise<CopySource> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(300_000) });
  } catch (err) {
    throw new IagoError(`Cannot download "${url}": ${(err as Error).message}`, { at });
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new IagoError(`Cannot download "${url}": HTTP ${res.status}`, { at });
  }
  const file = join(scratch, `download-${crypto.randomUUID()}`);
  const out = await Deno.open(file, { write: true, createNew: true });
  const counter = new DigestCounter();
  try {
    for await (const chunk of res.body) {
      counter.update(chunk);
      let off = 0;
      while (off < chunk.length) off += await out.write(chunk.subarray(off));
    }
  } finally {
    out.close();
  }
  const digest = counter.digest();
  if (checksum && checksum !== digest) {
    throw new IagoError(`Download "${url}" has digest ${digest}, not ${checksum}`, { at });
  }
  const name = decodeURIComponent(new URL(url).pathname.split("/").filter(Boolean).at(-1) ?? "") ||
    "index.html";
  return {
    name,
    isDir: false,
    items: [{
      rel: "",
      type: "file",
      mode: 0o600,
      uid: 0,
      gid: 0,
      size: counter.size,
      content: () => readFileChunks(file),
    }],
  };
}
