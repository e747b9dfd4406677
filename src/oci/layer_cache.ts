/**
 * The layer cache (`.iago/cache/layers/`): a layer whose inputs did not change is not tarred or
 * compressed again. A layer's bytes are determined by its entries (paths, types, modes, owners,
 * sizes, link targets, device numbers, file contents), the mtime every header gets and the
 * compression, so the cache is keyed by exactly those:
 *
 * - the **stat key** stands for the contents by each file's size, mtime, ctime, inode and device
 *   (what git's index uses). A hit costs one stat per file.
 * - on a miss, when a layer of the same **shape** (the same key without the stat fields) was
 *   built before, the contents *may* be the same (a `touch`, a fresh checkout): the tar stream is
 *   hashed (its diff_id, no compression) and looked up under the **content key**. A hit records
 *   the new stat key, so the next run hits at once.
 * - otherwise the layer is built, and its blob and records are kept.
 *
 * Records are small JSON files and blobs live in `blobs/sha256/`; everything is written to a
 * temporary file and renamed, and read back validated (a record naming a missing or different-sized
 * blob is a miss), so concurrent runs and crashes leave nothing half-used. Blobs are hard-linked
 * into the build's store. When the blobs pass the size bound, the least recently used go first.
 */
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../fsutil.ts";
import { BlobStore } from "./blobs.ts";
import { DigestCounter, digestHex, isDigest } from "./digest.ts";
import type { Layer } from "./layer.ts";
import { tarChunks, type TarEntry } from "./tar.ts";

/** What fixes a layer's bytes besides its entries: the format, compression and mtime. */
export interface LayerSettings {
  mediaType: string;
  /** The compressor and its level, e.g. `gzip-6`: a different one gives different bytes. */
  compression: string;
  mtime: number;
}

/** Default bound on the cached blobs. */
export const DEFAULT_CACHE_BYTES = 4 * 2 ** 30;

// Bumped when the tar writer or a compressor changes its output for the same input.
const FORMAT = "iago-layer-cache-1";
// Temporary files older than this belong to a run that crashed.
const STALE_MS = 60 * 60 * 1000;
// A file changed this recently could change again within its timestamp's granularity without
// its stat changing (git's "racily clean" entries): such a layer gets no stat key.
const RACY_MS = 2000;

/** A file's content that knows its path, so the cache can check it by stat. */
export type FileContent = (() => AsyncIterable<Uint8Array>) & { path?: string };

export interface LayerCacheOptions {
  /** Bound on the cached blobs' total size. */
  maxBytes?: number;
  /** How recently changed a file must not be for its stat to stand for its content. */
  racyMs?: number;
}

export class LayerCache {
  readonly dir: string;
  readonly maxBytes: number;
  readonly #racyMs: number;
  readonly #blobs: BlobStore;
  /** Layers found by their files' stat, by their content, and built: what a run did. */
  readonly counts = { stat: 0, content: 0, built: 0 };

  constructor(dir: string, options: LayerCacheOptions = {}) {
    this.dir = dir;
    this.maxBytes = options.maxBytes ?? DEFAULT_CACHE_BYTES;
    this.#racyMs = options.racyMs ?? RACY_MS;
    this.#blobs = new BlobStore(dir);
  }

  /**
   * The layer of `entries` (sorted) in `store`: linked from the cache when its inputs are known,
   * else made by `build` and kept. `hit` says which.
   */
  async layer(
    entries: TarEntry[],
    settings: LayerSettings,
    store: BlobStore,
    build: () => Promise<Layer>,
  ): Promise<Layer & { hit: boolean }> {
    const statKey = keyOf(entries, settings, Date.now() - this.#racyMs);
    if (statKey) {
      const found = await this.#lookup(statKey, store);
      if (found) {
        this.counts.stat++;
        return { ...found, hit: true };
      }
    }
    const shapeKey = keyOf(entries, settings)!;
    let contentKey: string | undefined;
    if (await exists(this.#record(shapeKey))) {
      contentKey = await contentKeyOf(entries, settings);
      const found = await this.#lookup(contentKey, store);
      if (found) {
        this.counts.content++;
        if (statKey) await this.#write(statKey, found);
        return { ...found, hit: true };
      }
    }
    this.counts.built++;
    const layer = await build();
    await this.#keep(layer, store);
    contentKey ??= keyFromDiffId(layer.diffId, settings);
    for (const key of [contentKey, statKey, shapeKey]) if (key) await this.#write(key, layer);
    await this.evict();
    return { ...layer, hit: false };
  }

  /** Removes least recently used blobs (and their records) until under the bound. */
  async evict(): Promise<void> {
    const dir = join(this.dir, "blobs", "sha256");
    const blobs: { path: string; size: number; used: number }[] = [];
    let total = 0;
    for await (const e of readDirSafe(dir)) {
      const path = join(dir, e.name);
      const info = await Deno.stat(path).catch(() => undefined);
      if (!info) continue;
      total += info.size;
      blobs.push({ path, size: info.size, used: info.mtime?.getTime() ?? 0 });
    }
    await this.#removeStale();
    if (total <= this.maxBytes) return;
    blobs.sort((a, b) => a.used - b.used);
    const gone = new Set<string>();
    for (const b of blobs) {
      if (total <= this.maxBytes * 0.8) break;
      await Deno.remove(b.path).catch(() => {});
      total -= b.size;
      gone.add(`sha256:${b.path.slice(b.path.lastIndexOf("/") + 1)}`);
    }
    const records = join(this.dir, "records");
    for await (const e of readDirSafe(records)) {
      const rec = await readRecord(join(records, e.name));
      if (!rec || gone.has(rec.digest)) await Deno.remove(join(records, e.name)).catch(() => {});
    }
  }

  #record(key: string): string {
    return join(this.dir, "records", `${digestHex(key)}.json`);
  }

  /** The recorded layer, linked into `store`, or undefined when absent or not usable. */
  async #lookup(key: string, store: BlobStore): Promise<Layer | undefined> {
    const rec = await readRecord(this.#record(key));
    if (!rec) return undefined;
    const blob = this.#blobs.path(rec.digest);
    const info = await Deno.stat(blob).catch(() => undefined);
    if (!info || info.size !== rec.size) return undefined;
    if (!(await store.has(rec.digest))) {
      await Deno.mkdir(dirname(store.path(rec.digest)), { recursive: true });
      try {
        await linkOrCopy(blob, store.path(rec.digest));
      } catch {
        return undefined; // evicted by another run meanwhile
      }
    }
    // The blob's mtime is its last use, for eviction.
    const now = new Date();
    await Deno.utime(blob, now, now).catch(() => {});
    return rec;
  }

  async #keep(layer: Layer, store: BlobStore): Promise<void> {
    if (await this.#blobs.has(layer.digest)) return;
    await Deno.mkdir(join(this.dir, "blobs", "sha256"), { recursive: true });
    await linkOrCopy(store.path(layer.digest), this.#blobs.path(layer.digest));
  }

  async #write(key: string, layer: Layer): Promise<void> {
    const rec: Layer = {
      digest: layer.digest,
      size: layer.size,
      diffId: layer.diffId,
      mediaType: layer.mediaType,
    };
    await writeFileAtomic(this.#record(key), JSON.stringify(rec), { mkdirMode: 0o700 });
  }

  async #removeStale(): Promise<void> {
    for (const dir of [join(this.dir, "blobs"), join(this.dir, "records")]) {
      for await (const e of readDirSafe(dir)) {
        if (!e.name.endsWith(".tmp")) continue;
        const info = await Deno.stat(join(dir, e.name)).catch(() => undefined);
        if (info && Date.now() - (info.mtime?.getTime() ?? 0) > STALE_MS) {
          await Deno.remove(join(dir, e.name)).catch(() => {});
        }
      }
    }
  }
}

/**
 * With `racy` (a time), the stat key: each file by its stat identity; undefined when a file's
 * content does not come from a file on disk or it changed after `racy`. Without, the shape key:
 * files by size only.
 */
function keyOf(
  entries: TarEntry[],
  settings: LayerSettings,
  racy?: number,
): string | undefined {
  const kind = racy === undefined ? "shape" : "stat";
  const h = new DigestCounter();
  h.update(encode([FORMAT, kind, settings.mediaType, settings.compression, settings.mtime]));
  for (const e of entries) {
    const fields: unknown[] = [
      e.path,
      e.type,
      e.mode,
      e.uid,
      e.gid,
      e.size ?? 0,
      e.linkname,
      e.devmajor,
      e.devminor,
    ];
    if (racy !== undefined && e.type === "file" && (e.size ?? 0) > 0) {
      const path = (e.content as FileContent | undefined)?.path;
      if (!path) return undefined;
      // Synchronous: one per file, and the thread pool's round trip would cost more than the
      // stat (see BuildContext.walk).
      const s = statIfExists(path);
      if (!s || s.size !== e.size) return undefined;
      if (Math.max(s.mtime?.getTime() ?? Infinity, s.ctime?.getTime() ?? Infinity) > racy) {
        return undefined;
      }
      fields.push(s.mtime?.getTime(), s.ctime?.getTime(), s.ino, s.dev);
    }
    h.update(encode(fields));
  }
  return h.digest();
}

/** The content key: the layer's diff_id (the tar stream's digest), without compressing. */
async function contentKeyOf(entries: TarEntry[], settings: LayerSettings): Promise<string> {
  const h = new DigestCounter();
  for await (const chunk of tarChunks(entries, { mtime: settings.mtime })) h.update(chunk);
  return keyFromDiffId(h.digest(), settings);
}

function keyFromDiffId(diffId: string, settings: LayerSettings): string {
  const h = new DigestCounter();
  h.update(encode([FORMAT, "content", settings.mediaType, settings.compression, diffId]));
  return h.digest();
}

const encoder = new TextEncoder();
function encode(fields: unknown[]): Uint8Array {
  return encoder.encode(JSON.stringify(fields) + "\n");
}

async function readRecord(path: string): Promise<Layer | undefined> {
  try {
    const rec = JSON.parse(await Deno.readTextFile(path));
    const ok = isDigest(rec?.digest) && isDigest(rec?.diffId) && Number.isSafeInteger(rec?.size) &&
      typeof rec?.mediaType === "string";
    return ok ? rec : undefined;
  } catch {
    return undefined;
  }
}

/** Hard-links `from` to `to` (atomically, through a temporary name), copying across devices. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  const tmp = `${to}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.link(from, tmp);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw err;
    await Deno.copyFile(from, tmp);
  }
  await Deno.rename(tmp, to);
}

function statIfExists(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.statSync(path);
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function* readDirSafe(dir: string): AsyncGenerator<Deno.DirEntry> {
  try {
    for await (const e of Deno.readDir(dir)) yield e;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}
