/**
 * The one gzip used for layers: pigz-style parallel deflate at level 6. The tar stream is cut
 * into 1 MiB blocks; each is raw-deflated on its own (on every core, `block_compressor.ts`) and
 * ends with a sync flush, so the blocks join into one deflate stream; an empty final block, the
 * CRC-32 and the length close one ordinary gzip member that any gunzip reads.
 *
 * The bytes depend only on the input: not on the number of cores, not on timing. Blocks are
 * independent (as `pigz --independent`): Deno's `node:zlib` ignores a preset dictionary when
 * deflating, and priming each block with the previous 32 KiB would cost 3% more CPU to save
 * about 0.1-0.35% of size at this block size. The header carries no name and no mtime
 * (`1f8b 0800 0000 0000 0003`). Changing the level, the block size or the block format changes
 * every layer digest, so do it only on purpose (and bump the layer cache's format).
 */
import { constants, crc32 } from "node:zlib";
import { collectYoungGarbage } from "../memory.ts";
import {
  BlockCompressor,
  type BlockFormat,
  type BlockOptions,
  compressHere,
  defaultThreads,
} from "./block_compressor.ts";

// Blocks between collections of the buffers they leave (see memory.ts): 16 MiB of input.
const GC_EVERY = 16;

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
 * Compresses `source` and hands each compressed piece to `sink` in order, with `onInput` seeing
 * every input chunk; a bounded number of blocks is in flight, so memory stays flat.
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
      options: {
        level: GZIP_LEVEL,
        finishFlush: constants.Z_SYNC_FLUSH,
        chunkSize: room(GZIP_BLOCK),
      },
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

/** Output room for a block of `size` in the worst case, so zlib writes it in one piece. */
export function room(size: number): number {
  return size + (size >> 3) + 65536;
}

export interface BlockPlan {
  format: BlockFormat;
  /** The `node:zlib` options every block is compressed with, on whichever thread. */
  options: BlockOptions;
  blockSize: number;
  threads?: number;
}

/** A block's place in the output: its bytes once compressed. */
interface Slot {
  bytes?: Uint8Array;
  done: Promise<unknown>;
}

/**
 * Cuts `source` into blocks, compresses them on every thread (workers first, this thread when
 * their queues are full) and hands the results to `sink` in input order. At most a few blocks
 * per thread are in flight.
 */
export async function compressBlocks(
  source: AsyncIterable<Uint8Array>,
  sink: (chunk: Uint8Array) => void,
  onInput: (chunk: Uint8Array) => void,
  plan: BlockPlan,
): Promise<void> {
  const threads = Math.max(1, plan.threads ?? defaultThreads());
  // Started on the first full block: a layer of one block starts no worker.
  let pool: BlockCompressor | undefined;
  const slots: Slot[] = [];
  const limit = 4 * threads;
  // Blocks come back from the workers and are filled again: a build allocates a few of them.
  const free: Uint8Array<ArrayBuffer>[] = [];
  let block = new Uint8Array(plan.blockSize);
  let filled = 0;
  let written = 0;
  const flush = () => {
    while (slots.length > 0 && slots[0].bytes) {
      sink(slots.shift()!.bytes!);
      if (++written % GC_EVERY === 0) collectYoungGarbage();
    }
  };
  const send = async () => {
    const full = filled === block.length ? block : block.slice(0, filled);
    filled = 0;
    pool ??= new BlockCompressor(plan.format, plan.options, threads - 1);
    if (pool.hasRoom()) {
      const slot: Slot = { done: Promise.resolve() };
      slot.done = pool.compress(full).then((r) => {
        slot.bytes = r.bytes;
        if (r.block.length === plan.blockSize) free.push(r.block);
      });
      slot.done.catch(() => {}); // awaited in order below; a failure surfaces there
      slots.push(slot);
      block = free.pop() ?? new Uint8Array(plan.blockSize);
    } else {
      slots.push({ bytes: compressHere(plan.format, plan.options, full), done: Promise.resolve() });
      if (full !== block) block = free.pop() ?? new Uint8Array(plan.blockSize);
    }
    flush();
    while (slots.length >= limit) {
      await slots[0].done;
      flush();
    }
  };
  try {
    for await (const chunk of source) {
      onInput(chunk);
      let at = 0;
      while (at < chunk.length) {
        const n = Math.min(block.length - filled, chunk.length - at);
        block.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === block.length) await send();
      }
    }
    if (!pool) {
      if (filled > 0) sink(compressHere(plan.format, plan.options, block.subarray(0, filled)));
      return;
    }
    if (filled > 0) await send();
    while (slots.length > 0) {
      await slots[0].done;
      flush();
    }
  } finally {
    pool?.close();
  }
}
