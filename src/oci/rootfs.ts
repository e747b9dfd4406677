/**
 * The file tree of an image, read from its layers (whiteouts applied), for `COPY --from`.
 * Layers are fetched into the build's blob store when missing, unpacked to temporary tar
 * files and indexed; file contents are read from those files by offset when copied.
 */
import { join } from "node:path";
import { IagoError } from "../errors.ts";
import type { ImageSource } from "./base.ts";
import type { BlobStore } from "./blobs.ts";
import type { Image } from "./image.ts";
import { digestHex } from "./digest.ts";
import { decompressToFile, layerCompression } from "./decompress.ts";
import { indexTar, layerError, TarFormatError, type TarIndexEntry } from "./tar_reader.ts";

export interface RootfsEntry {
  entry: TarIndexEntry;
  /** The unpacked layer file holding its content. */
  file: string;
}

export class Rootfs {
  readonly entries = new Map<string, RootfsEntry>();

  /** Reads every layer of `image`. */
  static async load(
    image: Image,
    store: BlobStore,
    images: ImageSource,
    scratchDir: string,
  ): Promise<Rootfs> {
    const fs = new Rootfs();
    for (const layer of image.layers) {
      if (!(await store.has(layer.digest))) {
        if (!layer.source) throw new Error(`Layer ${layer.digest} is missing from the build`);
        await store.putReadable(await images.blob(layer.source, layer.digest), layer.digest);
      }
      const file = join(scratchDir, `${digestHex(layer.digest)}.tar`);
      const compression = layerCompression(layer.mediaType);
      if (compression === undefined) {
        throw new IagoError(`Cannot read files from a layer of type "${layer.mediaType}"`, {
          hint: "COPY --from reads gzip, zstd and uncompressed tar layers",
        });
      } else if (compression === "none") {
        await Deno.copyFile(store.path(layer.digest), file);
      } else {
        await decompressToFile(await store.open(layer.digest), compression, file);
      }
      try {
        fs.#apply(await indexTar(file), file);
      } catch (err) {
        if (err instanceof TarFormatError) throw layerError(layer, err);
        throw err;
      }
    }
    return fs;
  }

  #apply(entries: TarIndexEntry[], file: string): void {
    const removeBelow = (dir: string, keepDir: boolean) => {
      for (const path of [...this.entries.keys()]) {
        if (path.startsWith(dir === "" ? "" : dir + "/") || (!keepDir && path === dir)) {
          this.entries.delete(path);
        }
      }
    };
    for (const e of entries) {
      const slash = e.path.lastIndexOf("/");
      const dir = slash === -1 ? "" : e.path.slice(0, slash);
      const base = e.path.slice(slash + 1);
      if (base === ".wh..wh..opq") removeBelow(dir, true);
      else if (base.startsWith(".wh.")) {
        const target = (dir ? dir + "/" : "") + base.slice(4);
        this.entries.delete(target);
        removeBelow(target, false);
      }
    }
    for (const e of entries) {
      const base = e.path.slice(e.path.lastIndexOf("/") + 1);
      if (base.startsWith(".wh.") || e.path === "") continue;
      this.entries.set(e.path, { entry: e, file });
    }
  }

  /** The entry at `path`, following symlinks (in any component, up to 32) within the tree. */
  lookup(path: string): RootfsEntry | undefined {
    let parts = normalize(path).split("/").filter(Boolean);
    let hops = 0;
    for (let i = 0; i < parts.length; i++) {
      const prefix = parts.slice(0, i + 1).join("/");
      const hit = this.entries.get(prefix);
      if (!hit) return undefined;
      if (hit.entry.type !== "symlink") continue;
      if (++hops > 32) return undefined;
      const target = hit.entry.linkname ?? "";
      const parent = parts.slice(0, i).join("/");
      const resolved = normalize(target.startsWith("/") ? target : `${parent}/${target}`);
      parts = [...resolved.split("/").filter(Boolean), ...parts.slice(i + 1)];
      i = -1;
    }
    return parts.length === 0 ? undefined : this.entries.get(parts.join("/"));
  }

  /** Everything below directory `dir`, sorted by path. */
  below(dir: string): RootfsEntry[] {
    const prefix = dir === "" ? "" : dir + "/";
    return [...this.entries.entries()]
      .filter(([p]) => p.startsWith(prefix) && p !== dir)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, e]) => e);
  }
}

function normalize(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return out.join("/");
}
