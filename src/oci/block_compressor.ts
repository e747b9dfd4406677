/**
 * Compresses independent blocks on every core: the calling thread and a pool of Deno Workers,
 * each running `node:zlib`'s synchronous raw deflate (or zstd) with the same options.
 * `node:zlib`'s asynchronous calls run on the calling thread in Deno, so Workers are what gives
 * parallelism. The output of a block depends only on the block and the options, never on which
 * thread compressed it or how many there are.
 *
 * Blocks are posted to a worker ahead of time (up to `QUEUED` each), so a worker goes from one
 * block to the next without waiting for the calling thread, which is busy writing the tar
 * stream, hashing and, when every worker's queue is full, compressing a block itself. So with
 * N cores there are N - 1 workers and no core waits: one isolate (about 15-20 MiB) fewer than a
 * worker per core, and none at all on one core.
 *
 * The workers' code is inline (a `blob:` module), so the bundle and the compiled binary need no
 * file beside them.
 */
import { deflateRawSync, zstdCompressSync } from "node:zlib";

export type BlockFormat = "deflate-raw" | "zstd";

/** `node:zlib` options, the same on every thread (structured-cloned to the workers). */
export type BlockOptions = Record<string, unknown>;

/** Blocks queued at a worker: one compressing, the next ones waiting in its message queue. */
const QUEUED = 3;

// The worker hands over the output buffer zlib wrote (sized for the worst case, so there is one)
// with the input block: nothing is left behind in the worker for its collector, which rarely
// runs in an isolate that makes so few objects.
// (A dynamic import: the bundler makes static Node imports lazy, text in strings included.)
const WORKER_CODE = `
const { deflateRawSync, zstdCompressSync } = await import("node:zlib");
self.onmessage = ({ data }) => {
  const { id, format, options, block } = data;
  try {
    const out = format === "zstd" ? zstdCompressSync(block, options) : deflateRawSync(block, options);
    const own = out.byteLength > 4096 ? out : new Uint8Array(out);
    self.postMessage(
      { id, buffer: own.buffer, offset: own.byteOffset, length: own.byteLength, block },
      [own.buffer, block.buffer],
    );
  } catch (err) {
    self.postMessage({ id, error: String(err) });
  }
};
`;

let workerUrl: string | undefined;

export interface Compressed {
  bytes: Uint8Array;
  /** The input block, back from the worker for reuse. */
  block: Uint8Array<ArrayBuffer>;
}

/** How many threads compress by default: one per core, the calling thread among them. */
export function defaultThreads(): number {
  return Math.max(1, navigator.hardwareConcurrency || 1);
}

/** Compresses one block on the calling thread, exactly as a worker would. */
export function compressHere(
  format: BlockFormat,
  options: BlockOptions,
  block: Uint8Array,
): Uint8Array {
  return format === "zstd" ? zstdCompressSync(block, options) : deflateRawSync(block, options);
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

/** A pool of `size` workers compressing blocks; `close()` ends them. */
export class BlockCompressor {
  readonly #format: BlockFormat;
  readonly #options: BlockOptions;
  readonly #size: number;
  readonly #workers: Thread[] = [];
  #next = 0;
  /** Why compression cannot go on (closed, or a worker failed): later blocks fail with it. */
  #stopped: Error | undefined;

  constructor(format: BlockFormat, options: BlockOptions, size: number) {
    this.#format = format;
    this.#options = options;
    this.#size = size;
  }

  /** True when a worker's queue has room: `compress` would not make it wait for others. */
  hasRoom(): boolean {
    return this.#size > 0 &&
      (this.#workers.length < this.#size || this.#workers.some((w) => w.queued.size < QUEUED));
  }

  /**
   * The compressed bytes of `block`, and `block` itself back. It is queued at the worker with
   * the shortest queue (started on first need) and transferred there: do not touch it until it
   * comes back. Call only when `hasRoom()`.
   */
  compress(block: Uint8Array<ArrayBuffer>): Promise<Compressed> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    let target: Thread | undefined;
    for (const w of this.#workers) if (!target || w.queued.size < target.queued.size) target = w;
    if (!target || (target.queued.size > 0 && this.#workers.length < this.#size)) {
      target = this.#start();
    }
    const id = this.#next++;
    const { worker, queued } = target;
    return new Promise<Compressed>((resolve, reject) => {
      queued.set(id, { resolve, reject });
      worker.postMessage({ id, format: this.#format, options: this.#options, block }, [
        block.buffer,
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
      else {
        q.resolve({
          bytes: new Uint8Array(data.buffer, data.offset, data.length),
          block: data.block,
        });
      }
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
