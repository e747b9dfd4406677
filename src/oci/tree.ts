/**
 * What an image's layers leave at each path (type, mode, owner, link target), read from the
 * layer tar headers as they stream by: contents are skipped (but for `/etc/passwd` and
 * `/etc/group`, where owner names are looked up) and nothing is unpacked. The
 * builder needs it to put COPY, ADD and WORKDIR where Docker and buildah put them: through the
 * base's symlinked directories (on Fedora CoreOS `/usr/local`, `/opt`, `/home`, `/root`,
 * `/srv` and `/mnt` are links into `/var`; a layer that wrote `opt/` as a directory would
 * replace the link), and with the base's own mode and owner on the directories a layer has to
 * repeat (`/tmp` stays 1777, `/root` stays private).
 */
import { join } from "node:path";
import { writeFileAtomic } from "../fsutil.ts";
import { digestHex } from "./digest.ts";
import { resolveLinks } from "./link_path.ts";
import type { ImageLayer } from "./image.ts";
import { layerError, scanTar, TarFormatError, type TarIndexEntry } from "./tar_reader.ts";
import { decompress, layerCompression } from "./decompress.ts";

export interface TreeNode {
  type: TarIndexEntry["type"];
  mode: number;
  uid: number;
  gid: number;
  linkname?: string;
  /** The text of the files names are looked up in (`ACCOUNT_FILES`). */
  text?: string;
}

/** Files whose text the tree keeps: `--chown` and `USER` names are looked up in them. */
export const ACCOUNT_FILES = new Set(["etc/passwd", "etc/group"]);

/** A path → node map with whiteouts applied, as the runtime would see the image's root. */
export class FileTree {
  readonly #nodes: Map<string, TreeNode>;

  constructor(nodes: Map<string, TreeNode> = new Map()) {
    this.#nodes = nodes;
  }

  clone(): FileTree {
    return new FileTree(new Map(this.#nodes));
  }

  /** The node at `path` (relative, normalised), without following links. */
  get(path: string): TreeNode | undefined {
    return this.#nodes.get(path);
  }

  /**
   * Applies one layer's entries: whiteouts remove, `.wh..wh..opq` empties its directory, and
   * anything that is not a directory replaces what was at its path, children included.
   */
  apply(entries: Iterable<{ path: string } & TreeNode>): void {
    const removeBelow = (dir: string) => {
      const prefix = dir === "" ? "" : dir + "/";
      for (const path of this.#nodes.keys()) {
        if (path.startsWith(prefix)) this.#nodes.delete(path);
      }
    };
    for (const e of entries) {
      if (e.path === "") continue;
      const slash = e.path.lastIndexOf("/");
      const dir = slash === -1 ? "" : e.path.slice(0, slash);
      const base = e.path.slice(slash + 1);
      if (base === ".wh..wh..opq") {
        removeBelow(dir);
        continue;
      }
      if (base.startsWith(".wh.")) {
        const target = (dir ? dir + "/" : "") + base.slice(4);
        this.#nodes.delete(target);
        removeBelow(target);
        continue;
      }
      const old = this.#nodes.get(e.path);
      if (old?.type === "dir" && e.type !== "dir") removeBelow(e.path);
      this.#nodes.set(e.path, {
        type: e.type,
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        linkname: e.linkname,
        text: e.text,
      });
    }
  }

  /**
   * `path` (absolute or relative to the root) with every symlink among its directories, and the
   * last component too when `followLast`, replaced by its target as the kernel resolves it
   * inside the image's root: `..` never climbs above the root, a missing component ends the
   * lookup and the rest is taken as written. Returns a relative path ("" for the root).
   */
  resolve(path: string, followLast: boolean): string {
    return resolveLinks(path, followLast, (p) => this.#nodes.get(p)).path;
  }
}

/** Where a layer's bytes come from when its headers must be read. */
export type OpenLayer = (layer: ImageLayer) => Promise<ReadableStream<Uint8Array>>;

/**
 * The tree of `layers`. Each layer's headers are read once per build (`memo`) and, with
 * `cacheDir`, kept on disk by digest, so a base is streamed through once, not on every build.
 * A layer that is no tar layer iago can read (gzip, zstd or plain) counts as empty.
 */
export async function loadTree(
  layers: ImageLayer[],
  open: OpenLayer,
  memo: Map<string, Promise<TreeEntryList>>,
  cacheDir?: string,
): Promise<FileTree> {
  const tree = new FileTree();
  for (const layer of layers) {
    let hit = memo.get(layer.digest);
    if (!hit) {
      hit = layerEntries(layer, open, cacheDir);
      memo.set(layer.digest, hit);
    }
    tree.apply(await hit);
  }
  return tree;
}

export type TreeEntryList = ({ path: string } & TreeNode)[];

async function layerEntries(
  layer: ImageLayer,
  open: OpenLayer,
  cacheDir?: string,
): Promise<TreeEntryList> {
  const cacheFile = cacheDir ? join(cacheDir, `${digestHex(layer.digest)}.json`) : undefined;
  if (cacheFile) {
    try {
      return JSON.parse(await Deno.readTextFile(cacheFile));
    } catch {
      // not cached yet (or unreadable): read the layer
    }
  }
  const compression = layerCompression(layer.mediaType);
  if (compression === undefined) return [];
  const stream = decompress(await open(layer), compression);
  const entries: TreeEntryList = [];
  try {
    for await (const e of scanTar(stream, (path) => ACCOUNT_FILES.has(path))) {
      const node: { path: string } & TreeNode = {
        path: e.path,
        type: e.type === "hardlink" ? "file" : e.type,
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
      };
      if (e.type === "symlink") node.linkname = e.linkname;
      if (e.content) node.text = new TextDecoder().decode(e.content);
      entries.push(node);
    }
  } catch (err) {
    if (err instanceof TarFormatError) throw layerError(layer, err);
    throw err;
  }
  if (cacheFile) await writeFileAtomic(cacheFile, JSON.stringify(entries), { mkdirMode: 0o700 });
  return entries;
}
