/**
 * Compresses independent blocks on every core: the calling thread and a pool of Deno Workers,
 * each with one `node:zlib` raw deflate (or zstd) stream that is reset before every block.
 * `node:zlib`'s asynchronous calls run on the calling thread in Deno, so Workers are what gives
 * parallelism. The output of a block depends only on the block and the options, never on which
 * thread compressed it or how many there are.
 *
 * Blocks are posted to a worker ahead of time (up to `QUEUED` each), so a worker goes from one
 * block to the next without waiting for the calling thread, which is busy writing the tar
 * stream, hashing and, when every worker's queue is full, compressing a block itself. So with
 * N cores there are N - 1 workers and no core waits: one isolate (15-20 MiB) fewer than a
 * worker per core, and none at all on one core.
 *
 * Nothing is allocated per block: each block travels with its output buffer (room for the worst
 * case), both transferred to the worker and back, and are filled again. Buffers left for the
 * collector would make memory grow with the layer: V8 collects by the number of objects made,
 * and a layer build makes few objects and many megabytes of buffers.
 *
 * The workers' code is inline (a `blob:` module), so the bundle and the compiled binary need no
 * file beside them.
 */
import zlib from "node:zlib";

export type BlockFormat = "deflate-raw" | "zstd";

/** The `node:zlib` stream options (level, params), the same on every thread. */
export type BlockOptions = Record<string, unknown>;

/** Blocks queued at a worker: one compressing, the next waiting in its message queue. */
export const QUEUED = 2;

/** A block to compress and the buffer its output goes to. */
export interface Pair {
  block: Uint8Array<ArrayBuffer>;
  out: Uint8Array<ArrayBuffer>;
}

// One stream per thread, reset before each block (as a fresh stream: the blocks stay
// independent). It writes into the given buffer through the stream's handle, as Node's own
// zlibBufferSync does; a runtime without that handle gets the same bytes from the one-shot call.
// The worker runs the same function, from its source text.
function openCodec(z: typeof zlib, format: BlockFormat, options: BlockOptions) {
  const zstd = format === "zstd";
  // deno-lint-ignore no-explicit-any
  const stream: any = zstd ? z.createZstdCompress(options) : z.createDeflateRaw(options);
  const flush = zstd ? z.constants.ZSTD_e_end : z.constants.Z_SYNC_FLUSH;
  const direct = typeof stream._handle?.writeSync === "function" && stream._writeState;
  return (block: Uint8Array, out: Uint8Array): number => {
    if (!direct) {
      const bytes = zstd
        ? z.zstdCompressSync(block, { ...options, chunkSize: out.length })
        : z.deflateRawSync(block, { ...options, finishFlush: flush, chunkSize: out.length });
      out.set(bytes);
      return bytes.length;
    }
    stream.reset();
    stream._handle.writeSync(flush, block, 0, block.length, out, 0, out.length);
    const [availOut, availIn] = stream._writeState;
    if (availIn !== 0 || availOut === 0) throw new Error("the output buffer is too small");
    return out.length - availOut;
  };
}

// (A dynamic import: the bundler makes static Node imports lazy, text in strings included.)
const WORKER_CODE = `
const z = (await import("node:zlib")).default;
const openCodec = ${openCodec.toString()};
let compress;
self.onmessage = ({ data }) => {
  const { id, format, options, block, out } = data;
  try {
    compress ??= openCodec(z, format, options);
    const length = compress(block, out);
    self.postMessage({ id, length, block, out }, [block.buffer, out.buffer]);
  } catch (err) {
    self.postMessage({ id, error: String(err) });
  }
};
`;

let workerUrl: string | undefined;

/** A compressed block: `pair.out.subarray(0, length)`; the pair is back for reuse. */
export interface Compressed {
  pair: Pair;
  length: number;
}

/** How many threads compress by default: one per core, the calling thread among them. */
export function defaultThreads(): number {
  return Math.max(1, navigator.hardwareConcurrency || 1);
}

/**
 * Output room for a block of `size` in the worst case: incompressible bytes grow by 5 bytes per
 * 16 KiB stored block in deflate and by 1/256 in zstd, plus headers.
 */
export function room(size: number): number {
  return size + (size >> 7) + 4096;
}

interface Queued {
  resolve: (r: Compressed) => void;
  reject: (e: Error) => void;
}

/** A worker and the blocks queued at it, by id. */
interface Thread {
  worker: Worker;
  queued: Map<number, Queued>;
}

/** Compresses on this thread and on a pool of `workers` workers; `close()` ends them. */
export class BlockCompressor {
  readonly #format: BlockFormat;
  readonly #options: BlockOptions;
  readonly #size: number;
  readonly #workers: Thread[] = [];
  #here: ((block: Uint8Array, out: Uint8Array) => number) | undefined;
  #next = 0;
  /** Why compression cannot go on (closed, or a worker failed): later blocks fail with it. */
  #stopped: Error | undefined;

  constructor(format: BlockFormat, options: BlockOptions, workers: number) {
    this.#format = format;
    this.#options = options;
    this.#size = workers;
  }

  /** True when a worker's queue has room: `compress` would not make it wait for others. */
  hasRoom(): boolean {
    return this.#size > 0 &&
      (this.#workers.length < this.#size || this.#workers.some((w) => w.queued.size < QUEUED));
  }

  /** Compresses `pair.block` into `pair.out` on this thread; returns the output's length. */
  compressHere(pair: Pair): number {
    this.#here ??= openCodec(zlib, this.#format, this.#options);
    return this.#here(pair.block, pair.out);
  }

  /**
   * Compresses `pair.block` into `pair.out` at the worker with the shortest queue (started on
   * first need); both are transferred there: do not touch them until they come back. Call only
   * when `hasRoom()`.
   */
  compress(pair: Pair): Promise<Compressed> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    let target: Thread | undefined;
    for (const w of this.#workers) if (!target || w.queued.size < target.queued.size) target = w;
    if (!target || (target.queued.size > 0 && this.#workers.length < this.#size)) {
      target = this.#start();
    }
    const id = this.#next++;
    const { worker, queued } = target;
    const { block, out } = pair;
    return new Promise<Compressed>((resolve, reject) => {
      queued.set(id, { resolve, reject });
      worker.postMessage({ id, format: this.#format, options: this.#options, block, out }, [
        block.buffer,
        out.buffer,
      ]);
    });
  }

  /** Ends the workers (queued blocks fail). */
  close(): void {
    this.#stop(new Error("Compression was stopped"));
  }

  #stop(why: Error): void {
    this.#stopped ??= why;
    for (const { worker, queued } of this.#workers) {
      worker.terminate();
      for (const q of queued.values()) q.reject(why);
      queued.clear();
    }
    this.#workers.length = 0;
  }

  #start(): Thread {
    workerUrl ??= URL.createObjectURL(new Blob([WORKER_CODE], { type: "text/javascript" }));
    const worker = new Worker(workerUrl, { type: "module" });
    const queued = new Map<number, Queued>();
    worker.onmessage = ({ data }) => {
      const q = queued.get(data.id);
      if (!q) return;
      queued.delete(data.id);
      if (data.error) q.reject(new Error(`Cannot compress a layer block: ${data.error}`));
      else q.resolve({ pair: { block: data.block, out: data.out }, length: data.length });
    };
    worker.onerror = (e) => {
      e.preventDefault();
      this.#stop(new Error(`Cannot compress a layer block: ${e.message}`));
    };
    const thread = { worker, queued };
    this.#workers.push(thread);
    return thread;
  }
}
