/**
 * Builds one layer: sorted tar entries → tar bytes (hashed: the diff_id) → gzip or zstd (hashed
 * and counted: the digest and size) → a blob file. One pass, nothing held whole in memory.
 */
import type { BlobStore } from "./blobs.ts";
import { DigestCounter } from "./digest.ts";
import { compressorFor } from "./compression.ts";
import type { FileContent } from "./layer_cache.ts";
import { tarChunks, type TarEntry } from "./tar.ts";

export interface Layer {
  /** Digest of the compressed blob. */
  digest: string;
  /** Size of the compressed blob. */
  size: number;
  /** Digest of the uncompressed tar (the image config's `rootfs.diff_ids`). */
  diffId: string;
  mediaType: string;
}

/**
 * Sorts entries the one documented way: by path, byte-wise, which puts every directory before
 * what it holds. Later duplicates of a path replace earlier ones.
 */
export function sortEntries(entries: Iterable<TarEntry>): TarEntry[] {
  const byPath = new Map<string, TarEntry>();
  for (const e of entries) byPath.set(e.path, e);
  return [...byPath.values()].sort((a, b) => compareBytes(a.path, b.path));
}

function compareBytes(a: string, b: string): number {
  // UTF-16 order equals UTF-8 byte order except for surrogates; compare code points to be exact.
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Writes the layer of `entries` (already sorted) into `store`, compressed as `mediaType` says. */
export async function buildLayer(
  store: BlobStore,
  entries: Iterable<TarEntry> | AsyncIterable<TarEntry>,
  options: { mtime?: number; mediaType: string },
): Promise<Layer> {
  const diff = new DigestCounter();
  const blob = await store.putStream(async (write) => {
    const { compressTo } = compressorFor(options.mediaType);
    await compressTo(tarChunks(entries, { mtime: options.mtime }), write, (c) => diff.update(c));
  });
  return {
    digest: blob.digest,
    size: blob.size,
    diffId: diff.digest(),
    mediaType: options.mediaType,
  };
}

/**
 * A file's content for `TarEntry.content`, read when the layer is written. It carries the path
 * so the layer cache can recognize an unchanged file by its stat.
 */
export function fileContent(path: string): FileContent {
  return Object.assign(() => readFileChunks(path), { path });
}

/** Bytes read from a file at a time. */
const READ_SIZE = 1 << 20;
// Buffers of files read to the end, reused by the next ones: a tree of many files would
// otherwise leave a buffer per file for the collector (see block_compressor.ts).
const spareBuffers: Uint8Array[] = [];

/**
 * Reads a file in chunks, for `TarEntry.content`. The chunks share one buffer: each is valid
 * until the next is asked for (every consumer hashes, copies or writes it at once), so reading a
 * large tree leaves no trail of buffers for the collector. The reads are synchronous: an
 * asynchronous one goes through Deno's thread pool and back, a wait per 1 MiB that the
 * compression workers cannot use, longer under load.
 */
export async function* readFileChunks(path: string): AsyncGenerator<Uint8Array> {
  const file = Deno.openSync(path);
  const buf = spareBuffers.pop() ?? new Uint8Array(READ_SIZE);
  try {
    while (true) {
      const n = file.readSync(buf);
      if (n === null) return;
      yield buf.subarray(0, n);
    }
  } finally {
    file.close();
    if (spareBuffers.length < 2) spareBuffers.push(buf);
  }
}
