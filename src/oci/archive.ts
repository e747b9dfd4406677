/**
 * `ADD` of an archive of the build context: which files are archives, how their entries land in
 * the layer, and what is said about those that cannot.
 */
import { join } from "node:path";
import { IagoError, type SourceLocation } from "../errors.ts";
import type { CopyItem, CopySource } from "./copy.ts";
import { decompressToFile } from "./decompress.ts";
import { resolveLinks } from "./link_path.ts";
import { indexTar, readContent, sniffArchive, type TarIndexEntry } from "./tar_reader.ts";

/**
 * `ADD archive.tar[.gz|.zst] /dest/`: when a context file is a tar archive (plain, gzip or
 * zstd), its entries with their modes and owners; undefined when the file is not an archive.
 * `shown` names the archive in messages; `warn` hears about entries that are not kept.
 *
 * Entries are placed as buildah and BuildKit extract them, inside the destination directory as
 * if it were the root: a later entry may go through a symlink an earlier one made (`lnk -> sub`
 * then `lnk/file` lands at `sub/file`), but only into a directory the archive itself holds, so
 * an archive can never write through its own link to `/etc` or `../..`. Devices and FIFOs are
 * kept, GNU sparse files expanded, hard links copied; anything else is dropped with a warning,
 * as are extended attributes and ACLs (the layer writer keeps none).
 */
export async function archiveSource(
  abs: string,
  scratch: string,
  at: SourceLocation,
  options: { shown: string; warn: (message: string) => void },
): Promise<CopySource | undefined> {
  const kind = await sniffArchive(abs);
  if (kind === undefined) return undefined;
  if (kind === "bzip2" || kind === "xz") {
    throw new IagoError(`ADD cannot extract ${kind} archives`, {
      at,
      hint: "recompress it with gzip or zstd, or unpack it into the context and COPY the files",
    });
  }
  const fail = (message: string, hint: string) =>
    new IagoError(`Cannot extract "${options.shown}": ${message}`, { at, hint });
  const damaged = "the archive is damaged or was not written by tar: recreate it (tar -czf)";
  let tarFile = abs;
  let entries: TarIndexEntry[];
  try {
    if (kind === "gzip" || kind === "zstd") {
      tarFile = join(scratch, `archive-${crypto.randomUUID()}.tar`);
      await decompressToFile((await Deno.open(abs)).readable, kind, tarFile);
      if ((await sniffArchive(tarFile)) !== "tar") return undefined;
    }
    entries = await indexTar(tarFile);
  } catch (err) {
    // A bad header, or a gzip or zstd stream that does not decode; not a full disk.
    if (err instanceof IagoError || isSystemError(err)) throw err;
    throw fail((err as Error).message, damaged);
  }
  const placed = new ArchivePlacement();
  const dropped: TarIndexEntry[] = [];
  for (const e of entries) {
    if (e.path === "") continue;
    try {
      if (!placed.add(e, tarFile)) dropped.push(e);
    } catch (err) {
      if (!(err instanceof PlacementError)) throw err;
      throw fail(
        err.message,
        "buildah and BuildKit extract an archive inside the destination directory: make its links point into the archive, or unpack it into the context and COPY the files",
      );
    }
  }
  if (dropped.length > 0) options.warn(`ADD ${options.shown}: ${droppedText(dropped)}`);
  const withXattrs = entries.filter((e) => e.xattrs && e.type !== "other");
  if (withXattrs.length > 0) options.warn(`ADD ${options.shown}: ${xattrText(withXattrs)}`);
  return { name: "", isDir: true, items: placed.items() };
}

function isSystemError(err: unknown): boolean {
  return Object.values(Deno.errors).some((kind) => err instanceof kind);
}

/** Why an entry cannot be placed; the message names the entry. */
class PlacementError extends Error {}

/** The archive's entries placed one by one, as an extraction into an empty directory would. */
class ArchivePlacement {
  readonly #items = new Map<string, CopyItem>([
    ["", { rel: "", type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0 }],
  ]);

  items(): CopyItem[] {
    return [...this.#items.values()];
  }

  /** Places `e`; false when it is of a type a layer cannot carry. */
  add(e: TarIndexEntry, tarFile: string): boolean {
    if (e.type === "other") return false;
    const slash = e.path.lastIndexOf("/");
    const parent = this.#directory(e.path, slash === -1 ? "" : e.path.slice(0, slash));
    const rel = (parent ? parent + "/" : "") + e.path.slice(slash + 1);
    const old = this.#items.get(rel);
    if (old?.type === "dir" && e.type !== "dir") this.#removeBelow(rel);
    if (old?.type === "dir" && e.type === "dir") {
      this.#items.set(rel, { ...old, mode: e.mode, uid: e.uid, gid: e.gid });
      return true;
    }
    if (e.type === "hardlink") {
      const target = this.#items.get(this.#resolve(e.linkname ?? "", false).path);
      if (!target || target.type === "dir") {
        throw new PlacementError(
          `entry "${e.path}" is a hard link to "${e.linkname}", which the archive does not hold before it`,
        );
      }
      this.#items.set(rel, { ...target, rel });
      return true;
    }
    this.#items.set(rel, {
      rel,
      type: e.type,
      mode: e.mode,
      uid: e.uid,
      gid: e.gid,
      size: e.type === "file" ? e.size : 0,
      linkname: e.type === "symlink" ? e.linkname : undefined,
      devmajor: e.devmajor,
      devminor: e.devminor,
      content: e.type === "file" ? () => readContent(tarFile, e) : undefined,
    });
    return true;
  }

  /**
   * Where directory `dir` of entry `path` is: through the archive's symlinks, it must be a
   * directory the archive holds (or the root); missing directories on a plain path are made.
   */
  #directory(path: string, dir: string): string {
    const { path: real, via } = this.#resolve(dir, true);
    if (via) {
      if (real !== "" && this.#items.get(real)?.type !== "dir") {
        const link = this.#items.get(via)!;
        throw new PlacementError(
          `entry "${path}" goes through the archive's symlink "${via}" -> "${link.linkname}", which leads to no directory the archive holds`,
        );
      }
      return real;
    }
    const parts = real === "" ? [] : real.split("/");
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join("/");
      const node = this.#items.get(prefix);
      if (!node) {
        this.#items.set(prefix, { rel: prefix, type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0 });
      } else if (node.type !== "dir") {
        throw new PlacementError(`entry "${path}" is below "${prefix}", which is no directory`);
      }
    }
    return real;
  }

  /**
   * `path` with the archive's symlinks followed inside the destination as its root; `via` is
   * the first symlink gone through.
   */
  #resolve(path: string, followLast: boolean): { path: string; via?: string } {
    return resolveLinks(
      path,
      followLast,
      (p) => this.#items.get(p),
      () => new PlacementError(`"${path}" has too many levels of symlinks`),
    );
  }

  #removeBelow(dir: string): void {
    for (const path of [...this.#items.keys()]) {
      if (path.startsWith(dir + "/")) this.#items.delete(path);
    }
  }
}

/** `extended attributes are not kept: security.capability of "usr/bin/ping", ...`. */
function xattrText(entries: TarIndexEntry[]): string {
  const named = entries.slice(0, 3).map((e) => `${e.xattrs!.join(", ")} of "${e.path}"`);
  if (entries.length > 3) named.push(`and those of ${entries.length - 3} more entries`);
  return `extended attributes and ACLs are not kept: ${named.join("; ")}`;
}

const DROPPED_KINDS: Record<string, string> = {
  V: "a volume label",
  M: "a multi-volume continuation",
  N: "old GNU long-name records",
};

/** `2 entries are not kept: "a" (a volume label, typeflag V), "b" (...)`, three named at most. */
function droppedText(dropped: TarIndexEntry[]): string {
  const named = dropped.slice(0, 3).map((e) =>
    `"${e.path}" (${DROPPED_KINDS[e.typeflag] ?? "an entry of unknown type"}, typeflag ${
      JSON.stringify(e.typeflag).slice(1, -1)
    })`
  );
  if (dropped.length > 3) named.push(`and ${dropped.length - 3} more`);
  const count = dropped.length === 1 ? "1 entry is" : `${dropped.length} entries are`;
  return `${count} not kept: ${named.join(", ")}`;
}
