/**
 * The one gzip used for layers: pigz-style parallel deflate at level 6. The tar stream is cut
 * into 1 MiB blocks; each is raw-deflated on its own (on every core, `block_compressor.ts`) and
 * ends with a sync flush, so the blocks join into one deflate stream; an empty final block, the
 * CRC-32 and the length close one ordinary gzip member that any gunzip reads. Memory is flat:
 * a few blocks and their output buffers are in flight, reused from block to block.
 *
 * The bytes depend only on the input: not on the number of cores, not on timing. Blocks are
 * independent (as `pigz --independent`): Deno's `node:zlib` ignores a preset dictionary when
 * deflating, and priming each block with the previous 32 KiB would cost 3% more CPU to save
 * about 0.1-0.35% of size at this block size. The header carries no name and no mtime
 * (`1f8b 0800 0000 0000 0003`). Changing the level, the block size or the block format changes
 * every layer digest, so do it only on purpose (and bump the layer cache's format).
 */
import { crc32 } from "node:zlib";
import {
  BlockCompressor,
  type BlockFormat,
  type BlockOptions,
  defaultThreads,
} from "./block_compressor.ts";

export const GZIP_LEVEL = 6;
/** Uncompressed bytes per independently compressed block. */
export const GZIP_BLOCK = 1 << 20;
/** What decides the bytes, for the layer cache. */
export const GZIP_FORMAT = `gzip-${GZIP_LEVEL}-blocks-${GZIP_BLOCK}`;

const HEADER = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3);
// A final, empty deflate block with fixed codes: ends the joined stream.
const LAST_BLOCK = Uint8Array.of(0x03, 0x00);

export interface ParallelOptions {
  /** Threads to compress with, this one included (default: one per core). Same output for any. */
  threads?: number;
}

/**
 * Compresses `source` and hands each compressed piece to `sink` in order (valid until `sink`
 * returns: it is reused), with `onInput` seeing every input chunk; a bounded number of blocks
 * is in flight, so memory stays flat.
 */
export async function gzipTo(
  source: AsyncIterable<Uint8Array>,
  sink: (chunk: Uint8Array) => void,
  onInput?: (chunk: Uint8Array) => void,
  options: ParallelOptions = {},
): Promise<void> {
  let crc = 0;
  let length = 0;
  sink(HEADER);
  await compressBlocks(
    source,
    sink,
    (chunk) => {
      onInput?.(chunk);
      crc = crc32(chunk, crc);
      length += chunk.length;
    },
    {
      format: "deflate-raw",
      options: { level: GZIP_LEVEL },
      blockSize: GZIP_BLOCK,
      threads: options.threads,
    },
  );
  const trailer = new Uint8Array(10);
  trailer.set(LAST_BLOCK);
  const view = new DataView(trailer.buffer);
  view.setUint32(2, crc >>> 0, true);
  view.setUint32(6, length % 2 ** 32, true);
  sink(trailer);
}

export interface BlockPlan {
  format: BlockFormat;
  /** The `node:zlib` stream options every block is compressed with, on whichever thread. */
  options: BlockOptions;
  blockSize: number;
  threads?: number;
}

/**
 * Cuts `source` into blocks, compresses them on every thread (workers, and this thread when
 * every block is in flight) and hands the results to `sink` in input order, each valid until
 * `sink` returns. At most `pairCount(threads)` blocks are in flight.
 */
export async function compressBlocks(
  source: AsyncIterable<Uint8Array>,
  sink: (chunk: Uint8Array) => void,
  onInput: (chunk: Uint8Array) => void,
  plan: BlockPlan,
): Promise<void> {
  const threads = Math.max(1, plan.threads ?? defaultThreads());
  const compressor = new BlockCompressor(
    plan.format,
    plan.options,
    plan.blockSize,
    threads,
    sink,
  );
  try {
    let block = await compressor.block();
    let filled = 0;
    for await (const chunk of source) {
      onInput(chunk);
      let at = 0;
      while (at < chunk.length) {
        const n = Math.min(block.length - filled, chunk.length - at);
        block.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === block.length) {
          compressor.queue(filled);
          block = await compressor.block();
          filled = 0;
        }
      }
    }
    if (filled > 0) compressor.queue(filled);
    await compressor.finish();
  } finally {
    compressor.close();
  }
}
